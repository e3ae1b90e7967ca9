// views/notifications — channels and the delivery log (/admin/notifications, issue 9):
// add, edit, disable and delete channels (a webhook's secret is shown once, when made or
// rotated), and the outbox's deliveries with their state, attempts, last error and a
// Retry button (a replay by hand, also of delivered ones).  Admin only on the server.
import {h, text, fill, field, delegate} from '../dom.js';
import {api, request, describe} from '../api.js';
import {timeEl, tickAll} from '../time.js';

const KINDS = ['webhook', 'slack', 'mattermost', 'teams', 'email'];
const TOPICS = ['incident.opened', 'update.public', 'update.internal', 'update.exec', 'severity',
	'phase', 'resolved', 'reopened', 'guardrail', 'page', 'digest'];
const STATES = ['', 'pending', 'delivered', 'failed'];
const REFRESH_MS = 5000;

export function mount(root) {
	let dead = false;
	let editing = null; // the channel being edited, or null for a new one
	const err = h('p.form-error', {role: 'alert'});
	const secretBox = h('div.secret-once', {role: 'status', hidden: true});
	const list = h('tbody');
	const kind = h('select', {name: 'kind'}, KINDS.map((k) => h('option', {value: k}, k)));
	const name = h('input', {name: 'name', maxlength: '100', placeholder: 'e.g. #inc-war-room'});
	const target = h('input', {name: 'target', maxlength: '2000', required: true});
	const audience = h('select', {name: 'audience'}, h('option', {value: 'internal'}, 'internal'),
		h('option', {value: 'public'}, 'public (update.public only)'));
	const enabled = h('input', {type: 'checkbox', name: 'enabled', checked: true});
	const topics = h('fieldset.topics', h('legend', 'Events'), TOPICS.map((t) =>
		h('label.check', h('input', {type: 'checkbox', name: 'event', value: t}), ' ', t)));
	const formTitle = h('h2#nf-form-title', 'Add a channel');
	const submit = h('button.btn.primary', {type: 'submit'}, 'Add channel');
	const cancel = h('button.btn', {type: 'button', hidden: true, 'data-cancel': ''}, 'Cancel');
	const targetField = field('URL', target, 'Incoming webhook URL (http or https)');
	const form = h('form.nf-form', {'aria-labelledby': 'nf-form-title'}, formTitle,
		field('Kind', kind), field('Name', name), targetField, field('Audience', audience),
		h('div.field', h('label.check', enabled, ' Enabled')), topics, err,
		h('div.acts', submit, cancel));

	const stateSel = h('select', {'aria-label': 'Filter deliveries by state'},
		STATES.map((s) => h('option', {value: s}, s || 'all states')));
	const counts = h('span.dim');
	const dlist = h('tbody');
	const dmsg = h('p.empty');
	const derr = h('p.form-error', {role: 'alert'});

	const panel = h('section.panel.notifications', {'aria-labelledby': 'nf-title', 'data-ready': 'false'},
		h('div.list-head', h('h1#nf-title', 'Notifications'), h('span.dim', 'channels and the delivery log')),
		secretBox,
		h('table.nf-channels', {'aria-label': 'Channels'},
			h('thead', h('tr', ['Name', 'Kind', 'Destination', 'Events', 'Audience', 'Enabled', ''].map((c) => h('th', {scope: 'col'}, c)))),
			list),
		form);
	root.append(panel, h('section.panel.deliveries', {'aria-labelledby': 'dl-title'},
		h('div.list-head', h('h2#dl-title', 'Delivery log'), counts, h('span.spacer'), stateSel),
		derr,
		h('table.nf-deliveries', {'aria-label': 'Deliveries'},
			h('thead', h('tr', ['Key', 'Created', 'Incident', 'Event', 'Kind', 'Destination', 'State', 'Attempts', 'Next attempt', 'Last error', '']
				.map((c) => h('th', {scope: 'col'}, c)))),
			dlist),
		dmsg));

	const isEmail = () => kind.value === 'email';
	const syncKind = () => {
		const label = targetField.querySelector('label');
		text(label, isEmail() ? 'Address' : 'URL');
		target.type = isEmail() ? 'email' : 'url';
		const hint = targetField.querySelector('.hint');
		if (hint) text(hint, isEmail() ? 'Mail goes out through serve --smtp-url' : 'Incoming webhook URL (http or https)');
	};
	kind.addEventListener('change', syncKind);
	syncKind();

	const showSecret = (ch) => {
		if (!ch.secret) return;
		secretBox.hidden = false;
		fill(secretBox, h('strong', `Secret of “${ch.name}” — shown this once; copy it now: `),
			h('code', ch.secret), ' ',
			h('button.btn', {type: 'button', 'data-hide-secret': ''}, 'Done'));
	};

	const resetForm = () => {
		editing = null;
		form.reset();
		kind.disabled = false;
		enabled.checked = true;
		text(formTitle, 'Add a channel');
		text(submit, 'Add channel');
		cancel.hidden = true;
		text(err, '');
		syncKind();
	};

	const destination = (c) => c.url || c.address || '';
	const channelRow = (c) => h('tr', {'data-id': String(c.id)},
		h('td', {'data-label': 'Name'}, c.name),
		h('td', {'data-label': 'Kind'}, c.kind),
		h('td.mono.wrap', {'data-label': 'Destination'}, destination(c)),
		h('td', {'data-label': 'Events'}, c.events.join(', ')),
		h('td', {'data-label': 'Audience'}, c.audience),
		h('td', {'data-label': 'Enabled'}, c.enabled ? 'yes' : 'no'),
		h('td.acts',
			h('button.btn', {type: 'button', 'data-edit': String(c.id), 'aria-label': `Edit ${c.name}`}, 'Edit'),
			c.kind === 'webhook' ? h('button.btn', {type: 'button', 'data-rotate': String(c.id), 'aria-label': `Rotate the secret of ${c.name}`}, 'Rotate secret') : null,
			h('button.btn.danger', {type: 'button', 'data-delete': String(c.id), 'aria-label': `Delete ${c.name}`}, 'Delete')));

	let channels = [];
	const loadChannels = async () => {
		try {
			const r = await api.get('/channels');
			if (dead) return;
			channels = r.channels;
			fill(list, channels.length ? channels.map(channelRow)
				: h('tr', h('td.empty', {colspan: '7'}, 'No channels yet: add one below.')));
		} catch (e) {
			if (!dead) text(err, describe(e));
		}
	};

	const deliveryRow = (d) => h('tr', {class: 'st-' + d.state},
		h('td.mono', {'data-label': 'Key'}, d.key),
		h('td', {'data-label': 'Created'}, timeEl(d.createdAt)),
		h('td', {'data-label': 'Incident'}, d.incident ? h('a', {href: '/admin/incidents/' + d.incident, 'data-nav': ''}, d.incident) : '—'),
		h('td', {'data-label': 'Event'}, d.topic),
		h('td', {'data-label': 'Kind'}, d.kind),
		h('td.mono.wrap', {'data-label': 'Destination'}, d.destination),
		h('td', {'data-label': 'State'}, h('span.dstate', {class: 'ds-' + d.state}, d.state)),
		h('td.mono', {'data-label': 'Attempts'}, String(d.attempts)),
		h('td', {'data-label': 'Next attempt'}, d.nextAttemptAt ? timeEl(d.nextAttemptAt) : '—'),
		h('td.wrap', {'data-label': 'Last error'}, d.lastError || ''),
		h('td', h('button.btn', {type: 'button', 'data-retry': String(d.id), 'aria-label': `Retry ${d.key}`}, 'Retry')));

	const loadDeliveries = async () => {
		const q = stateSel.value ? `?state=${encodeURIComponent(stateSel.value)}&limit=200` : '?limit=200';
		try {
			const r = await api.get('/deliveries' + q);
			if (dead) return;
			text(derr, '');
			const c = r.counts || {};
			text(counts, `pending ${c.pending || 0} · delivered ${c.delivered || 0} · failed ${c.failed || 0}`);
			fill(dlist, r.deliveries.map(deliveryRow));
			text(dmsg, r.deliveries.length ? '' : 'No deliveries.');
			tickAll(root);
		} catch (e) {
			if (!dead) text(derr, describe(e));
		}
	};
	stateSel.addEventListener('change', loadDeliveries);

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		text(err, '');
		const events = [...topics.querySelectorAll('input[name=event]:checked')].map((i) => i.value);
		const body = {events, audience: audience.value, enabled: enabled.checked};
		if (name.value.trim()) body.name = name.value.trim();
		if (target.value.trim()) body[isEmail() ? 'address' : 'url'] = target.value.trim();
		try {
			let ch;
			if (editing) {
				ch = await api.patch('/channels/' + editing.id, body);
			} else {
				body.kind = kind.value;
				ch = await api.post('/channels', body);
			}
			if (dead) return;
			showSecret(ch);
			resetForm();
			loadChannels();
		} catch (ex) {
			if (!dead) text(err, describe(ex));
		}
	});

	const offs = [
		delegate(root, 'click', '[data-cancel]', () => resetForm()),
		delegate(root, 'click', '[data-hide-secret]', () => { secretBox.hidden = true; fill(secretBox); }),
		delegate(root, 'click', '[data-edit]', (_e, btn) => {
			const c = channels.find((x) => String(x.id) === btn.dataset.edit);
			if (!c) return;
			editing = c;
			kind.value = c.kind;
			kind.disabled = true;
			syncKind();
			name.value = c.name;
			target.value = destination(c);
			audience.value = c.audience;
			enabled.checked = c.enabled;
			topics.querySelectorAll('input[name=event]').forEach((i) => { i.checked = c.events.includes(i.value); });
			text(formTitle, `Edit ${c.name}`);
			text(submit, 'Save');
			cancel.hidden = false;
			name.focus();
		}),
		delegate(root, 'click', '[data-rotate]', async (_e, btn) => {
			try {
				showSecret(await api.patch('/channels/' + btn.dataset.rotate, {rotateSecret: true}));
			} catch (ex) {
				text(err, describe(ex));
			}
		}),
		delegate(root, 'click', '[data-delete]', async (_e, btn) => {
			const c = channels.find((x) => String(x.id) === btn.dataset.delete);
			if (!c || !window.confirm(`Delete the channel “${c.name}”? Its pending deliveries will fail.`)) return;
			try {
				await request('DELETE', '/channels/' + c.id);
				if (editing && editing.id === c.id) resetForm();
				loadChannels();
			} catch (ex) {
				text(err, describe(ex));
			}
		}),
		delegate(root, 'click', '[data-retry]', async (_e, btn) => {
			btn.disabled = true;
			try {
				await api.post(`/deliveries/${btn.dataset.retry}/retry`);
				loadDeliveries();
			} catch (ex) {
				text(derr, describe(ex));
			} finally {
				btn.disabled = false;
			}
		}),
	];

	Promise.all([loadChannels(), loadDeliveries()]).then(() => { if (!dead) panel.dataset.ready = 'true'; });
	const timer = setInterval(() => { if (!document.hidden) loadDeliveries(); }, REFRESH_MS);
	return {unmount() { dead = true; clearInterval(timer); offs.forEach((off) => off()); }};
}
