// views/admin — the incident list: active first, filters by severity, phase and status,
// search; peacetime or wartime at a glance.  Rows update live from the stream.
import {h, text, fill} from '../dom.js';
import {api, describe} from '../api.js';
import {PHASES, SEVERITIES, severity, STATUSES} from '../doctrine.js';
import {timeEl, tickAll} from '../time.js';
import {overduePanel} from './overdue.js';

const PAGE = 200;
const PAGES_MAX = 10;

export function mount(root, store) {
	let dead = false;
	const q = h('input', {type: 'search', 'aria-label': 'Search incidents', placeholder: 'Search id, title, description, channel  ( / )'});
	const sev = h('select', {'aria-label': 'Filter by severity'}, h('option', {value: ''}, 'All severities'),
		SEVERITIES.map((s) => h('option', {value: s.key}, `${s.label} · ${s.alarm}`)));
	const phase = h('select', {'aria-label': 'Filter by phase'}, h('option', {value: ''}, 'All phases'),
		PHASES.slice(1).map((p) => h('option', {value: String(p.n)}, `${p.n} · ${p.name}`)));
	const status = h('select', {'aria-label': 'Filter by status'}, h('option', {value: ''}, 'All statuses'),
		STATUSES.map((s) => h('option', {value: s}, s)));
	const state = h('select', {'aria-label': 'Filter by state'}, h('option', {value: 'all'}, 'Active and resolved'),
		h('option', {value: 'active'}, 'Active only'), h('option', {value: 'resolved'}, 'Resolved only'));
	const banner = h('div.banner', {role: 'status'});
	const body = h('tbody');
	const msg = h('p.empty');
	const overdue = overduePanel(store); // issue 10: overdue action items above the list
	root.append(overdue.el);
	root.append(h('section.panel.list-panel', {'aria-labelledby': 'list-title'},
		h('div.list-head', h('h1#list-title', 'Incidents'), banner, h('span.spacer'),
			h('a.btn.primary', {href: '/new', 'data-nav': ''}, '+ New incident')),
		h('div.filters', q, sev, phase, status, state),
		h('table.incidents', h('thead', h('tr', ['ID', 'Title', 'Severity', 'Phase', 'Status', 'Duration', 'Cadence', 'MIM', 'Opened']
			.map((c) => h('th', {scope: 'col'}, c)))), body),
		msg));

	const matches = (inc) => {
		const needle = q.value.trim().toLowerCase();
		if (needle && ![inc.id, inc.title, inc.description, inc.channel].some((f) => f && f.toLowerCase().includes(needle))) return false;
		if (sev.value && inc.severity !== sev.value) return false;
		if (phase.value && String(inc.phase.number) !== phase.value) return false;
		if (status.value && inc.status !== status.value) return false;
		if (state.value === 'active' && inc.status === 'resolved') return false;
		if (state.value === 'resolved' && inc.status !== 'resolved') return false;
		return true;
	};

	const row = (inc) => {
		const s = severity(inc.severity);
		const cad = inc.cadence || {};
		const active = inc.status !== 'resolved';
		return h('tr', {class: active ? 'active' : 'resolved'},
			h('td', {'data-label': 'ID'}, h('a.incid', {href: '/admin/incidents/' + inc.id, 'data-nav': ''}, inc.id)),
			h('td.t', {'data-label': 'Title'}, h('a', {href: '/admin/incidents/' + inc.id, 'data-nav': ''}, inc.title),
				inc.drill ? h('span.flag.drill', 'DRILL') : null),
			h('td', {'data-label': 'Severity'}, h('span.sevbadge', {class: 'sev-' + inc.severity}, `${s.label} · ${s.alarm}`)),
			h('td', {'data-label': 'Phase'}, `${inc.phase.number} · ${inc.phase.name}`),
			h('td', {'data-label': 'Status'}, h('span.statusbadge', {class: 'st-' + inc.status}, inc.status)),
			h('td.mono', {'data-label': 'Duration', 'data-age': inc.openedAt, 'data-stop': inc.resolvedAt || null},
				h('span', {'data-since': inc.openedAt, 'data-stop': inc.resolvedAt || null})),
			h('td', {'data-label': 'Cadence'}, ['public', 'internal'].map((a) => h('span.cad.mini', {class: 'cad-' + (cad[a] || 'none'), title: `${a}: ${cad[a] || 'none'}`},
				`${a[0].toUpperCase()}:${cad[a] || 'none'}`))),
			h('td', {'data-label': 'MIM'}, (inc.roles && inc.roles.mim) || h('span.warntext', 'vacant')),
			h('td', {'data-label': 'Opened'}, timeEl(inc.openedAt)));
	};

	const render = () => {
		const all = [...store.incidents.values()];
		const active = all.filter((i) => i.status !== 'resolved' && !i.drill);
		text(banner, active.length ? `WARTIME — ${active.length} active incident${active.length > 1 ? 's' : ''}` : 'PEACETIME — no active incidents');
		banner.className = 'banner ' + (active.length ? 'war' : 'peace');
		const list = all.filter(matches).sort((a, b) => (a.status === 'resolved') - (b.status === 'resolved') || b.number - a.number);
		fill(body, list.map(row));
		text(msg, list.length ? '' : all.length ? 'No incident matches these filters.' : 'No incidents yet. Peacetime.');
		tickAll(root);
	};

	const onChange = (e) => {
		if (!dead && e.detail.keys.has('incidents')) render();
	};
	store.addEventListener('change', onChange);
	for (const el of [q, sev, phase, status, state]) el.addEventListener(el === q ? 'input' : 'change', render);
	render();

	(async () => {
		let cursor = null;
		try {
			for (let i = 0; i < PAGES_MAX; i++) {
				const r = await api.get(`/incidents?state=all&limit=${PAGE}${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
				if (dead) return;
				store.putIncidents(r.incidents || []);
				cursor = r.nextCursor;
				if (!cursor) break;
			}
		} catch (err) {
			text(msg, `Cannot load the incidents: ${describe(err)}`);
		}
	})();

	return {
		unmount() {
			dead = true;
			overdue.unmount();
			store.removeEventListener('change', onChange);
		},
		shortcut(key) {
			if (key === '/') {
				q.focus();
				return true;
			}
			return false;
		},
	};
}
