// views/oncall — on-call teams and rotations (/admin/oncall, SPEC §13): every team with who
// is on call now and next (GET /api/v1/oncall, computed by the server in each rotation's
// zone), its members and escalation policy, its rotations with their calendar feed links,
// and forms to add a team, a member, a rotation and an override ("I take Friday night").
// MTTA per team (GET /api/v1/oncall/mtta) closes the page.  Changing needs the admin role;
// the server answers what is refused, and the form shows it naming the field.
import {h, text, fill, field} from '../dom.js';
import {api, describe} from '../api.js';
import {duration, fromLocalInput, timeEl} from '../time.js';

const ZONES = ['UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'America/New_York',
	'America/Chicago', 'America/Los_Angeles', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'];

function holderText(x) {
	if (!x) return h('span.dim', 'nobody');
	return h('span', h('strong', x.person), x.override ? h('span.dim', ' (override)') : null);
}

// A small form: fields, a submit button, an error line; `send(values)` posts.
function form(label, fields, submit, send) {
	const err = h('p.form-error', {role: 'alert'});
	const el = h('form.inline-form.oc-form', {'aria-label': label},
		fields.map(([name, title, control]) => {
			control.name = name;
			return field(title, control);
		}),
		h('button.btn.primary', {type: 'submit'}, submit), err);
	el.addEventListener('submit', async (e) => {
		e.preventDefault();
		text(err, '');
		const values = Object.fromEntries(fields.map(([name, , c]) => [name, c.value.trim()]));
		try {
			await send(values);
			el.reset();
		} catch (ex) {
			text(err, describe(ex));
		}
	});
	return el;
}

const input = (attrs = {}) => h('input', {type: 'text', autocomplete: 'off', ...attrs});
const select = (options) => h('select', options.map(([v, t]) => h('option', {value: v}, t)));

export function mount(root) {
	let dead = false;
	let teams = [];
	const err = h('p.form-error', {role: 'alert'});
	const list = h('div.oc-teams');
	const mtta = h('div.oc-mtta');
	const forms = h('div.oc-forms');
	const panel = h('section.panel.oncall', {'aria-labelledby': 'oc-title', 'data-ready': 'false'},
		h('div.list-head', h('h1#oc-title', 'On call'), h('span.dim', 'who is on call is computed, in each rotation\'s zone')),
		err, list, h('h2', 'Change'), forms, h('h2', 'Time to acknowledge (MTTA) per team, last 90 days'), mtta);
	root.append(panel);

	const teamOptions = () => teams.map((t) => [String(t.id), t.name]);
	const rotationOptions = () => teams.flatMap((t) => t.rotations.map((r) => [String(r.id), `${t.name} / ${r.name}`]));

	function renderTeams(oncall) {
		const now = new Map((oncall.teams || []).map((t) => [t.team.id, t]));
		if (!teams.length) {
			fill(list, h('p.empty', 'No teams yet. Add one below; run cards page teams by name.'));
			return;
		}
		fill(list, teams.map((t) => {
			const o = now.get(t.id) || {};
			return h('article.oc-team', {'data-team': t.id, 'aria-label': `Team ${t.name}`},
				h('h3', t.name),
				h('dl.kvs',
					h('dt', 'On call now'), h('dd', holderText(o.oncall),
						o.oncall ? h('span.dim', ' until ') : null, o.oncall ? timeEl(o.oncall.until) : null),
					h('dt', 'Next'), h('dd', holderText(o.next)),
					h('dt', 'Escalation'), h('dd', `after ${t.ackMinutes} min: ${t.steps.join(' → ') || 'none'}`),
					h('dt', 'Manager'), h('dd', t.manager || '—'),
					h('dt', 'Members'), h('dd', t.members.map((m) => m.name).join(', ') || '—')),
				t.rotations.length ? h('table.aa-table', {'aria-label': `Rotations of ${t.name}`},
					h('thead', h('tr', ['Rotation', 'Shift', 'Zone', 'Order', 'On call', 'Calendar'].map((c) => h('th', {scope: 'col'}, c)))),
					h('tbody', t.rotations.map((r) => h('tr',
						h('th', {scope: 'row'}, r.name),
						h('td.mono', `${r.shiftHours} h from ${r.handoverTime}`),
						h('td.mono', r.zone),
						h('td', r.order.map((m) => m.name).join(' → ')),
						h('td', holderText(r.oncall)),
						h('td', h('a', {href: r.calendarUrl, 'aria-label': `Calendar feed of ${r.name}`}, 'iCalendar')))))) :
					h('p.empty', 'No rotation: paging this team finds nobody.'));
		}));
	}

	function renderForms() {
		const zone = select(ZONES.map((z) => [z, z]));
		fill(forms,
			form('Add a team', [
				['name', 'Team name', input({required: true, maxlength: 100})],
				['manager', 'Manager', input({maxlength: 200})],
				['managerEmail', 'Manager email', input({type: 'email'})],
				['ackMinutes', 'Ack minutes', input({type: 'number', min: 1, max: 1440, value: '5'})],
			], 'Add team', async (v) => {
				const body = {name: v.name};
				if (v.manager) body.manager = v.manager;
				if (v.managerEmail) body.managerEmail = v.managerEmail;
				if (v.ackMinutes) body.ackMinutes = Number(v.ackMinutes);
				await api.post('/teams', body);
				await load();
			}),
			form('Add a member', [
				['team', 'Team', select(teamOptions())],
				['name', 'Name', input({required: true, maxlength: 200})],
				['email', 'Email', input({type: 'email'})],
			], 'Add member', async (v) => {
				const t = teams.find((x) => String(x.id) === v.team);
				if (!t) throw new Error('choose a team');
				const members = t.members.map((m) => ({name: m.name, email: m.email}))
					.concat([{name: v.name, email: v.email || null}]);
				await api.patch(`/teams/${t.id}`, {members});
				await load();
			}),
			form('Add a rotation', [
				['team', 'Team', select(teamOptions())],
				['name', 'Rotation name', input({required: true, value: 'Primary'})],
				['shiftHours', 'Shift hours', select([['168', '168 (weekly)'], ['24', '24 (daily)'], ['12', '12'], ['8', '8']])],
				['handoverTime', 'Hand-over (local)', input({value: '09:00', pattern: '[0-2][0-9]:[0-5][0-9]'})],
				['zone', 'Zone', zone],
				['startDate', 'First shift (date)', input({type: 'date', required: true})],
				['order', 'Order (names, comma-separated)', input({required: true})],
			], 'Add rotation', async (v) => {
				await api.post(`/teams/${v.team}/rotations`, {
					name: v.name, shiftHours: Number(v.shiftHours), handoverTime: v.handoverTime,
					zone: v.zone, startDate: v.startDate,
					order: v.order.split(',').map((s) => s.trim()).filter(Boolean)});
				await load();
			}),
			form('Add an override', [
				['rotation', 'Rotation', select(rotationOptions())],
				['person', 'Person', input({required: true})],
				['from', 'From', input({type: 'datetime-local', required: true})],
				['to', 'To', input({type: 'datetime-local', required: true})],
				['reason', 'Reason', input({placeholder: 'I take Friday night'})],
			], 'Add override', async (v) => {
				const body = {person: v.person, from: fromLocalInput(v.from), to: fromLocalInput(v.to)};
				if (v.reason) body.reason = v.reason;
				await api.post(`/rotations/${v.rotation}/overrides`, body);
				await load();
			}));
	}

	function renderMtta(m) {
		const rows = m.teams || [];
		fill(mtta, rows.length ? h('table.aa-table', {'aria-label': 'MTTA per team'},
			h('thead', h('tr', ['Team', 'Pages', 'Acknowledged', 'Mean', 'Median'].map((c) => h('th', {scope: 'col'}, c)))),
			h('tbody', rows.map((r) => h('tr', h('th', {scope: 'row'}, r.team), h('td.mono', String(r.pages)),
				h('td.mono', String(r.acknowledged)),
				h('td.mono', typeof r.mttaSeconds === 'number' ? duration(r.mttaSeconds * 1000) : '—'),
				h('td.mono', typeof r.p50 === 'number' ? duration(r.p50 * 1000) : '—')))))
			: h('p.empty', 'No pages in the last 90 days (drills excluded).'));
	}

	async function load() {
		text(err, '');
		try {
			const [t, o, m] = await Promise.all([api.get('/teams'), api.get('/oncall'), api.get('/oncall/mtta')]);
			if (dead) return;
			teams = t.teams || [];
			renderTeams(o);
			renderForms();
			renderMtta(m);
			panel.dataset.ready = 'true';
		} catch (e) {
			if (!dead) text(err, describe(e));
		}
	}

	// Who is on call moves with the clock: refresh once a minute.
	const timer = setInterval(() => { if (!document.hidden) load(); }, 60000);
	load();
	return {unmount() { dead = true; clearInterval(timer); }};
}
