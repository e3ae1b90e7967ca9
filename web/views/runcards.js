// views/runcards — the run cards (/admin/runcards, SPEC §2 and §11): the predetermined
// response per alarm level, Box 0–3, optionally narrowed to one service.  Each card shows
// its version (0 is the built-in default) and is edited in place: roles to pre-assign,
// teams to page, the checklist, runbook links and the update cadence.  Saving PUTs
// /api/v1/runcards/{level}, which stores a new version; the server validates, and a
// refusal is shown next to the field it names.
import {h, text, fill, nextId} from '../dom.js';
import {api, describe} from '../api.js';
import {SEVERITIES} from '../doctrine.js';
import {timeEl} from '../time.js';

const LEVELS = [0, 1, 2, 3];
const ROLES = [
	['mim', 'MIM'], ['deputy', 'Deputy'], ['scribe', 'Scribe'], ['sre', 'SRE'], ['sme', 'SME'],
	['customerOps', 'Customer ops'], ['internalLiaison', 'Internal liaison'], ['leader', 'Leader'],
	['serviceManager', 'Service manager'], ['legal', 'Legal'], ['pr', 'PR'],
];
const AUDIENCES = [['public', 'Public'], ['internal', 'Internal'], ['exec', 'Exec']];

const lines = (s) => s.split('\n').map((l) => l.trim()).filter(Boolean);

// "Title | https://…" or a bare URL (the server makes the URL its own title).
function parseRunbooks(s) {
	return lines(s).map((l) => {
		const bar = l.lastIndexOf('|');
		if (bar < 0) return l;
		return {title: l.slice(0, bar).trim(), url: l.slice(bar + 1).trim()};
	});
}

function runbooksText(list) {
	return (list || []).map((r) => (r.title && r.title !== r.url ? `${r.title} | ${r.url}` : r.url)).join('\n');
}

// Minutes as a number; anything else goes as typed so the server names the field.
function minutes(s) {
	const v = s.trim();
	if (!v) return null;
	return /^\d+$/.test(v) ? Number(v) : v;
}

function levelName(level) {
	const s = SEVERITIES.find((x) => x.alarm === `Box ${level}`);
	return s ? `Box ${level} — ${s.label} (${s.sev})` : `Box ${level}`;
}

// One field group: label, control, and the line where the server's refusal of it shows.
function group(name, label, control, hint) {
	const id = control.id || nextId('rc');
	const errId = id + '-err';
	control.id = id;
	control.name = name;
	control.setAttribute('aria-describedby', errId);
	return h('div.field.rc-field', {'data-field': name},
		h('label', {for: id}, label), control, hint ? h('small.hint', hint) : null,
		h('p.form-error.field-error', {id: errId, role: 'alert', 'data-error-for': name}));
}

function cardForm(level, service) {
	const roleInputs = ROLES.map(([key, label]) =>
		[key, h('input', {type: 'text', autocomplete: 'off', maxlength: '200', placeholder: 'left for the MIM', 'aria-label': `${label} (role)`}), label]);
	const roles = h('fieldset.rc-roles', {'aria-describedby': `rc-${level}-roles-err`},
		h('legend', 'Roles to pre-assign'),
		h('div.rc-grid', roleInputs.map(([key, input, label]) => {
			input.name = 'role-' + key;
			input.id = `rc-${level}-role-${key}`;
			return h('div.field', h('label', {for: input.id}, label), input);
		})),
		h('p.form-error.field-error', {id: `rc-${level}-roles-err`, role: 'alert', 'data-error-for': 'roles'}));
	const page = h('textarea', {rows: '3', placeholder: 'payments-oncall'});
	const checklist = h('textarea', {rows: '5', placeholder: 'Freeze deploys'});
	const runbooks = h('textarea', {rows: '3', placeholder: 'Checkout down | https://wiki.example.com/runbooks/checkout'});
	const cadence = AUDIENCES.map(([key, label]) =>
		[key, h('input', {type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: 'none', id: `rc-${level}-cadence-${key}`}), label]);
	const cadenceSet = h('fieldset.rc-cadence', {'aria-describedby': `rc-${level}-cadence-err`},
		h('legend', 'Update cadence (minutes, 1–1440; blank: none)'),
		h('div.rc-grid', cadence.map(([key, input, label]) => {
			input.name = 'cadence-' + key;
			return h('div.field', h('label', {for: input.id}, label), input);
		})),
		h('p.form-error.field-error', {id: `rc-${level}-cadence-err`, role: 'alert', 'data-error-for': 'cadence'}));
	const version = h('p.rc-version', {'aria-live': 'polite'}, 'loading…');
	const msg = h('p.form-msg', {role: 'status'});
	const err = h('p.form-error', {role: 'alert', 'data-error-for': ''});
	const save = h('button.btn.primary', {type: 'submit'}, `Save Box ${level}`);
	const form = h('form.rc-card', {'aria-label': `Run card Box ${level}`, 'data-level': level, 'data-ready': 'false', novalidate: true},
		h('h2', levelName(level)),
		version,
		roles,
		group('page', 'Teams to page (one per line)', page),
		group('checklist', 'Checklist (one item per line)', checklist),
		group('runbooks', 'Runbook links (one per line: Title | URL, or a URL)', runbooks),
		cadenceSet,
		err,
		h('div.row', save, msg));

	let card = null;
	const clearErrors = () => {
		for (const e of form.querySelectorAll('.form-error')) text(e, '');
		for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
	};
	const show = (c) => {
		card = c;
		for (const [key, input] of roleInputs) input.value = (c.roles && c.roles[key]) || '';
		page.value = (c.page || []).join('\n');
		checklist.value = (c.checklist || []).join('\n');
		runbooks.value = runbooksText(c.runbooks);
		for (const [key, input] of cadence) {
			const m = c.cadence ? c.cadence[key] : null;
			input.value = m === null || m === undefined ? '' : String(m);
		}
		const label = c.default ? `Version ${c.version} — the built-in default` : `Version ${c.version}`;
		fill(version, h('strong.rc-vnum', {'data-version': c.version}, label),
			c.service ? h('span.dim', ` · service ${c.service}`) : null,
			c.createdAt ? h('span.dim', ' · saved ', timeEl(c.createdAt)) : null,
			c.createdBy ? h('span.dim', ` by ${c.createdBy}`) : null);
		form.dataset.version = String(c.version);
		form.dataset.ready = 'true';
	};
	const path = () => `/runcards/${level}` + (service ? `?service=${encodeURIComponent(service)}` : '');
	const load = async () => {
		clearErrors();
		try {
			show(await api.get(path()));
		} catch (ex) {
			text(version, '');
			text(err, describe(ex));
			form.dataset.ready = 'true';
		}
	};
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors();
		text(msg, '');
		const body = {
			roles: Object.fromEntries(roleInputs.map(([key, input]) => [key, input.value.trim() || null])),
			page: lines(page.value),
			checklist: lines(checklist.value),
			runbooks: parseRunbooks(runbooks.value),
			cadence: Object.fromEntries(cadence.map(([key, input]) => [key, minutes(input.value)])),
		};
		if (service) body.service = service;
		save.disabled = true;
		try {
			const before = card ? card.version : 0;
			show(await api.put(`/runcards/${level}`, body));
			text(msg, `Saved: version ${card.version} (was ${before}).`);
		} catch (ex) {
			const slot = ex.field && form.querySelector(`.field-error[data-error-for="${ex.field}"]`);
			text(slot || err, describe(ex));
			// The field's control, or every control of its group (roles, cadence).
			const bad = ex.field ? [...form.querySelectorAll(`[name="${ex.field}"], ` +
				`[name^="${ex.field === 'roles' ? 'role-' : ex.field + '-'}"]`)] : [];
			for (const c of bad) c.setAttribute('aria-invalid', 'true');
			if (bad.length) bad[0].focus();
		} finally {
			save.disabled = false;
		}
	});
	load();
	return form;
}

export function mount(root) {
	const service = h('input#rc-service', {type: 'text', autocomplete: 'off', maxlength: '200', placeholder: 'every service'});
	const cards = h('div.rc-cards');
	const pick = h('form.inline-form.rc-pick', {'aria-label': 'Choose the service'},
		h('div.field', h('label', {for: 'rc-service'}, 'Service (optional)'), service,
			h('small.hint', 'A service\'s own card wins over its level\'s card for incidents naming that system.')),
		h('button.btn', {type: 'submit'}, 'Show cards'));
	const panel = h('section.panel.runcards', {'aria-labelledby': 'rc-title'},
		h('div.list-head', h('h1#rc-title', 'Run cards'),
			h('span.dim', 'what fires when an incident opens at each alarm level — from an alert or from New')),
		pick, cards);
	root.append(panel);
	const render = () => fill(cards, LEVELS.map((level) => cardForm(level, service.value.trim())));
	pick.addEventListener('submit', (e) => {
		e.preventDefault();
		render();
	});
	render();
	return {unmount() {}};
}
