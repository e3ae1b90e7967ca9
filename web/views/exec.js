// views/exec — the 30,000 ft view: every active incident as a card with severity, phase,
// duration, businessImpact, customerImpactSummary, riskLevel, execSummary, the latest
// milestone with its cadence badge, and the assistant's exec brief (a draft from the record,
// refreshed a moment after the incident changes, or on demand).
import {h, text, fill, delegate} from '../dom.js';
import {api, describe, isMissing} from '../api.js';
import {severity} from '../doctrine.js';
import {timeEl, tickAll} from '../time.js';

export function mount(root, store) {
	let dead = false;
	const latest = new Map(); // incident id → latest update
	const briefs = new Map(); // incident id → {text, source} | null
	let briefMissing = false;
	const cards = h('div.cards');
	const banner = h('div.banner', {role: 'status'});
	root.append(h('section.exec', {'aria-labelledby': 'exec-title'},
		h('div.list-head', h('h1#exec-title', 'Exec view'), banner), cards));

	const field = (label, value) => h('div.ex-field', h('dt', label), h('dd', value || h('span.dim', 'not stated yet')));

	const card = (inc) => {
		const s = severity(inc.severity);
		const u = latest.get(inc.id);
		const cad = (inc.cadence && inc.cadence.exec !== 'none' ? inc.cadence.exec : inc.cadence && inc.cadence.public) || 'none';
		const brief = briefs.get(inc.id);
		return h('article.card', {class: 'sev-' + inc.severity, 'aria-labelledby': `ex-${inc.id}`},
			h('header.card-head',
				h('span.sevbadge', {class: 'sev-' + inc.severity}, `${s.label.toUpperCase()} · ${s.alarm}`),
				h('a.incid', {href: '/admin/incidents/' + inc.id, 'data-nav': ''}, inc.id),
				inc.drill ? h('span.flag.drill', 'DRILL') : null,
				h('span.spacer'),
				h('span.mono', {'data-age': inc.alertFiredAt || inc.startedAt || inc.openedAt, title: 'Impact duration (since the problem started)'},
					h('span.dim', 'impact '), h('span', {'data-since': inc.alertFiredAt || inc.startedAt || inc.openedAt}))),
			h('h2', {id: `ex-${inc.id}`}, inc.title),
			h('p.card-phase', `Phase ${inc.phase.number} · ${inc.phase.name} · ${inc.status}`),
			h('dl.ex-fields',
				field('Business impact', inc.businessImpact),
				field('Customer impact', inc.customerImpactSummary),
				field('Risk level', inc.riskLevel),
				field('Exec summary', inc.execSummary)),
			h('div.card-milestone',
				h('div.update-meta', h('b', 'Latest milestone'), h('span.cad', {class: 'cad-' + cad, 'aria-label': `cadence: ${cad}`}, cad),
					u && u.nextUpdateEta ? h('span.cad-eta', {'data-countdown': u.nextUpdateEta}) : null),
				u ? h('p', timeEl(u.at), ' ', h('span.audbadge', {class: 'aud-' + u.audience}, u.audience.toUpperCase()), ' ', u.body || '')
					: h('p.dim', 'No milestone yet.')),
			briefMissing ? null : h('div.brief', {role: 'note', 'aria-label': `Exec brief for ${inc.id}`},
				h('div.update-meta', h('b', 'AI Exec Brief'), brief ? h('span.dim', `${brief.source || 'assistant'} · a draft`) : null, h('span.spacer'),
					h('button.btn.small', {type: 'button', 'data-brief': inc.id, 'aria-label': `Refresh the exec brief for ${inc.id}`}, 'Refresh')),
				h('p', brief ? brief.text : 'Drafting…')));
	};

	const render = () => {
		const active = [...store.incidents.values()].filter((i) => i.status !== 'resolved')
			.sort((a, b) => a.alarmLevel === b.alarmLevel ? a.number - b.number : b.alarmLevel - a.alarmLevel);
		const real = active.filter((i) => !i.drill);
		text(banner, real.length ? `WARTIME — ${real.length} active` : 'PEACETIME — no active incidents');
		banner.className = 'banner ' + (real.length ? 'war' : 'peace');
		fill(cards, active.length ? active.map(card) : h('p.empty', 'Nothing is burning. No active incidents.'));
		tickAll(root);
		for (const inc of active) if (!latest.has(inc.id)) fetchDetail(inc.id);
	};

	const fetchDetail = async (id) => {
		latest.set(id, null);
		try {
			const r = await api.get(`/incidents/${id}/updates`);
			const ups = r.updates || [];
			const pick = ups.filter((u) => u.audience === 'exec').pop() || ups.pop() || null;
			latest.set(id, pick);
		} catch {
			// shown as "no milestone"
		}
		await fetchBrief(id);
	};

	const fetchBrief = async (id) => {
		if (!briefMissing) {
			try {
				briefs.set(id, await api.get(`/incidents/${id}/assist/brief`));
			} catch (err) {
				if (isMissing(err)) briefMissing = true;
				else if (!briefs.get(id)) briefs.set(id, {text: `No brief right now: ${describe(err)}`, source: 'unavailable'});
			}
		}
		if (!dead) render();
	};
	const timers = new Map();
	const off = delegate(root, 'click', 'button[data-brief]', (e, b) => fetchBrief(b.dataset.brief));

	const onChange = (e) => {
		if (dead) return;
		const ev = e.detail.event;
		if (ev && ev.update && ev.incident) latest.set(ev.incident, ev.update);
		// The brief follows the record: one request per burst of changes.
		if (ev && ev.incident && briefs.has(ev.incident)) {
			clearTimeout(timers.get(ev.incident));
			timers.set(ev.incident, setTimeout(() => fetchBrief(ev.incident), 2000));
		}
		if (e.detail.keys.has('incidents')) render();
	};
	store.addEventListener('change', onChange);
	render();
	api.get('/incidents?state=active&limit=200').then((r) => {
		if (!dead) store.putIncidents(r.incidents || []);
	}, (err) => text(banner, `Cannot load: ${describe(err)}`));

	return {
		unmount() {
			dead = true;
			off();
			for (const t of timers.values()) clearTimeout(t);
			store.removeEventListener('change', onChange);
		},
	};
}
