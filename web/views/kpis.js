// views/kpis — the KPIs of SPEC §15 (/admin/kpis): the figures of GET /api/v1/kpis as
// tables beside the server-rendered SVG charts of /api/v1/kpis.svg?chart=… (no chart
// library, no third-party request), over a from/to range of opening times.  Drills are
// excluded from every figure, as the server computes them.
import {h, text, fill, field} from '../dom.js';
import {api, describe, API_BASE} from '../api.js';
import {duration, fromLocalInput, toLocalInput} from '../time.js';

const secs = (v) => (typeof v === 'number' ? duration(v * 1000) : '—');
const pct = (v) => (typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : '—');

export function mount(root) {
	let dead = false;
	const from = h('input', {type: 'datetime-local'});
	const to = h('input', {type: 'datetime-local'});
	const err = h('p.form-error', {role: 'alert'});
	const out = h('div.kpi-body');
	// The last 90 days by default.
	from.value = toLocalInput(new Date(Date.now() - 90 * 86400000).toISOString());
	const form = h('form.kpi-range', {'aria-label': 'KPI range'},
		field('From (opened at or after)', from), field('To (opened before)', to),
		h('div.acts', h('button.btn.primary', {type: 'submit'}, 'Show'),
			h('button.btn', {type: 'button', 'data-all': ''}, 'All time')));
	const panel = h('section.panel.kpis', {'aria-labelledby': 'kpi-title', 'data-ready': 'false'},
		h('div.list-head', h('h1#kpi-title', 'KPIs'), h('span.dim', 'drills excluded')), form, err, out);
	root.append(panel);

	const query = () => {
		const q = new URLSearchParams();
		const f = fromLocalInput(from.value), t = fromLocalInput(to.value);
		if (f) q.set('from', f);
		if (t) q.set('to', t);
		return q;
	};

	const chart = (name, alt, q) => {
		const p = new URLSearchParams(q);
		p.set('chart', name);
		return h('figure.kpi-chart', h('img', {src: `${API_BASE}/kpis.svg?${p}`, alt, loading: 'lazy'}));
	};

	const table = (label, cols, rows) => h('table.aa-table', {'aria-label': label},
		h('thead', h('tr', cols.map((c) => h('th', {scope: 'col'}, c)))),
		h('tbody', rows.map((r) => h('tr', r.map((c, i) => (i ? h('td.mono', c) : h('th', {scope: 'row'}, c)))))));

	const block = (id, title, tableEl, chartEl) => h('section.kpi-block', {'aria-labelledby': id},
		h('h2', {id}, title), h('div.kpi-pair', tableEl, chartEl));

	function render(k, q) {
		const series = (label, s) => [label, String(s.count), secs(s.meanSeconds), secs(s.medianSeconds)];
		const ai = k.actionItems || {};
		fill(out,
			block('kpi-counts', 'Incidents and reopen rate',
				table('Incidents', ['Figure', 'Value'], [['Incidents', String(k.incidents)], ['Resolved', String(k.resolved)],
					['Reopened', String(k.reopened)], ['Reopen rate', pct(k.reopenRate)], ['Drills excluded', String(k.drillsExcluded)]]),
				chart('incidents', 'Incidents and reopens chart', q)),
			block('kpi-durations', 'Time to open, first CAN, first milestone, MTTR and time in each phase',
				table('Durations', ['Measure', 'n', 'Mean', 'Median'], [
					series('Time to open', k.timeToOpen), series('Time to first CAN', k.timeToFirstCan),
					series('Time to first milestone', k.timeToFirstMilestone), series('MTTR', k.mttr),
					...(k.phases || []).map((p) => series(`Phase ${p.number} ${p.name}`, p))]),
				chart('durations', 'Mean durations chart', q)),
			block('kpi-mtta', 'MTTA per team',
				(k.mttaByTeam || []).length ? table('MTTA per team', ['Team', 'n', 'Mean', 'Median'], k.mttaByTeam.map((t) => series(t.team, t)))
					: h('p.empty', 'No acknowledged pages in this range.'),
				chart('mtta', 'MTTA per team chart', q)),
			block('kpi-cadence', 'Cadence adherence',
				table('Cadence adherence', ['Audience', 'Intervals', 'Within target', 'Share'],
					(k.cadenceAdherence || []).map((c) => [c.audience, String(c.intervals), String(c.withinTarget), pct(c.ratio)])),
				chart('cadence', 'Cadence adherence chart', q)),
			block('kpi-actions', 'Action items',
				table('Action items', ['State', 'Items'], [['Total', String(ai.total)], ['Open', String(ai.open)],
					['In progress', String(ai.inProgress)], ['Overdue', String(ai.overdue)], ['Done', String(ai.done)],
					['Closed on time', String(ai.closedOnTime)], ['Closed late', String(ai.closedLate)], ["Won't do", String(ai.wontDo)]]),
				chart('actions', 'Action items chart', q)),
			block('kpi-systems', 'Incidents per affected system (recurrence)',
				(k.systems || []).length ? table('Incidents per system', ['System', 'Incidents'], k.systems.map((s) => [s.system, String(s.incidents)]))
					: h('p.empty', 'No affected systems named.'),
				chart('systems', 'Incidents per system chart', q)),
			block('kpi-weeks', 'Incidents per system over time (by week, Monday UTC)',
				(k.systemsByWeek || []).length ? table('Incidents per week', ['Week', 'Incidents', 'Systems'],
					k.systemsByWeek.map((w) => [w.week, String(w.incidents), w.systems.map((s) => `${s.system} ${s.incidents}`).join(', ') || '—']))
					: h('p.empty', 'No incidents in this range.'),
				chart('weeks', 'Incidents per week chart', q)));
		panel.dataset.ready = 'true';
	}

	async function load() {
		text(err, '');
		const q = query();
		try {
			const k = await api.get(`/kpis?${q}`);
			if (!dead) render(k, q);
		} catch (e) {
			if (!dead) text(err, describe(e));
		}
	}

	form.addEventListener('submit', (e) => {
		e.preventDefault();
		load();
	});
	form.querySelector('[data-all]').addEventListener('click', () => {
		from.value = '';
		to.value = '';
		load();
	});
	load();
	return {unmount() { dead = true; }};
}
