// views/new — Call for Service: the minimum intake that starts the clock.  Title,
// severity (alarm level beside each), affected systems, bridge URL; focus starts in
// Title; Enter submits; success lands on the fireground.
import {h, field, text} from '../dom.js';
import {api, describe} from '../api.js';
import {SEVERITIES, parseSystems} from '../doctrine.js';

export function mount(root, store) {
	const title = h('input', {name: 'title', type: 'text', required: true, maxlength: '200', autocomplete: 'off',
		placeholder: 'What broke, in one line — e.g. prod-payments-api not responding'});
	const systems = h('input', {name: 'systems', type: 'text', autocomplete: 'off', placeholder: 'payments-api, checkout'});
	const bridge = h('input', {name: 'bridge', type: 'url', autocomplete: 'off', placeholder: 'https://meet.example.com/…'});
	const drill = h('input', {name: 'drill', type: 'checkbox'});
	const error = h('p.form-error', {role: 'alert'});
	const submit = h('button.btn.primary.big', {type: 'submit'}, 'Open incident');
	const sev = h('fieldset.sevpick',
		h('legend', 'Severity'),
		SEVERITIES.map((s) => h('label.sevopt', {class: 'sev-' + s.key},
			h('input', {type: 'radio', name: 'severity', value: s.key, checked: s.key === 'high', 'aria-label': `${s.label} — ${s.alarm}`}),
			h('span.sevname', s.label),
			h('span.alarm', s.alarm),
			h('span.sevpost', `${s.sev} · ${s.posture}`))),
		h('small.hint', 'Unsure? Choose the higher level.'));
	const form = h('form.intake', {'aria-labelledby': 'intake-title', novalidate: true},
		field('Title', title),
		sev,
		field('Affected systems', systems, 'Comma-separated. Start with what you know.'),
		field('Bridge URL', bridge, 'Zoom, Meet or Teams link. Leave blank if you have none yet.'),
		h('label.check', drill, ' Game Day drill (excluded from KPIs and the public page)'),
		error,
		h('div.row', submit, h('span.dim', 'Enter submits.')));
	root.append(h('section.panel.intake-panel',
		h('h1#intake-title', 'Call for Service'),
		h('p.lede', 'Open early. You need no root cause and no impact assessment — severity, title and affected systems can all change on the fireground.'),
		form));
	title.focus();
	// The fireground is where this form lands: fetch its code while the MIM types.
	import('./fireground.js').catch(() => {});

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		text(error, '');
		const body = {
			title: title.value.trim(),
			severity: (form.querySelector('input[name=severity]:checked') || {}).value,
			affectedSystems: parseSystems(systems.value),
		};
		if (!body.title) {
			text(error, 'Title: say what broke, in one line.');
			title.focus();
	// The fireground is where this form lands: fetch its code while the MIM types.
	import('./fireground.js').catch(() => {});
			return;
		}
		if (bridge.value.trim()) body.bridgeUrl = bridge.value.trim();
		if (drill.checked) body.drill = true;
		submit.disabled = true;
		performance.mark('intake:submit');
		try {
			const inc = await api.post('/incidents', body);
			store.putIncident(inc);
			store.navigate('/admin/incidents/' + inc.id);
		} catch (err) {
			submit.disabled = false;
			text(error, describe(err));
			const bad = err.field && form.querySelector(`[name=${err.field === 'bridgeUrl' ? 'bridge' : err.field === 'affectedSystems' ? 'systems' : err.field}]`);
			(bad || title).focus();
		}
	});
	return {unmount() {}};
}
