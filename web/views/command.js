// views/command — the command doctrine on the fireground (issue 4, SPEC §4–9): CAN reports
// by team with the lint's advice, recovery tracks with live countdowns, hypotheses and
// "what we tried", the MIM hand-off and information authority, guardrail nudges, the first
// ten minutes, regulatory clocks and statement approval.
//
// Everything is read from the incident (every stream event carries it as `incidentState`),
// so the fireground's one render path keeps these live.  Forms are built once; the lists
// re-render only when their data changes, and values typed into a row (a new timebox,
// evidence) survive a re-render through data-keep.  A `409 doctrine` is shown with the
// rule's message.
import {h, text, fill, field, delegate} from '../dom.js';
import {api, actor, describe, ApiError} from '../api.js';
import {timeEl, fromLocalInput, now} from '../time.js';

const MARK = {done: '✓', pending: '○', overdue: '✗', notApplicable: '–'};
const J = JSON.stringify;
// "Needs is empty: say what…" → "Needs is empty": the lint's headline; the advice follows.
const headline = (m) => String(m || '').split(': ')[0];

export function refusal(err) {
	if (err instanceof ApiError && err.code === 'doctrine') {
		const m = err.message;
		return `Refused: ${m}${err.rule && !m.includes(err.rule) ? ` (${err.rule})` : ''}`;
	}
	return describe(err);
}

// The Quick Update's note when a public statement needs an approval first.
export function approvalHint(inc, audience) {
	const a = inc && inc.statementApproval;
	if (!a || !a.required || audience !== 'public') return '';
	return a.available ? `Approved statements available: ${a.available} (this update uses one).`
		: 'A public update needs a recorded approval first (leader, legal or PR) — see Regulatory clocks & approval.';
}

export function command({root, store, path, panel}) {
	const inc = () => store.incident;
	const refresh = () => api.get(path).then((i) => store.putIncident(i), () => {});
	const err = () => h('p.form-error.cmd-err', {role: 'alert'});
	const form = (label, kind, kids, submit) => h('form.inline-form.cmd-form', {'aria-label': label, 'data-form': kind},
		kids, h('button.btn', {type: 'submit'}, submit));
	const input = (name, attrs = {}) => h('input', {name, type: 'text', autocomplete: 'off', ...attrs});
	const area = (name, attrs = {}) => h('textarea', {name, rows: '2', ...attrs});
	const S = {};

	// ---- stable forms ----
	const canTeams = h('datalist#can-teams');
	const canResult = h('div.can-result', {role: 'status'});
	const canForm = form('Post a CAN report', 'can', [
		field('Team', input('team', {list: 'can-teams', maxlength: '100', 'data-stay': ''})),
		field('Conditions', area('conditions', {placeholder: 'Observed facts: metrics, errors, reports'})),
		field('Actions', area('actions', {placeholder: 'Work in flight now'})),
		field('Needs', area('needs', {placeholder: 'What you need — or "none"'})),
	], 'Post CAN');
	const trackForm = form('Open a recovery track', 'track', [
		field('Owner', input('owner')), field('Team', input('team')), field('Goal', input('goal')),
		field('Timebox (minutes)', input('timeboxMinutes', {type: 'number', min: '1', max: '1440', value: '30'})),
	], 'Open track');
	const hypForm = form('Propose a hypothesis', 'hyp', [
		field('Statement', input('statement', {maxlength: '1000'})), field('Owner', input('owner', {placeholder: 'you'})),
	], 'Propose');
	const handoffForm = form('Offer the MIM hand-off', 'handoff', [
		field('Offer command to', input('to')),
		field('Brief conditions', area('brief.conditions')), field('Brief actions', area('brief.actions')),
		field('Brief needs', area('brief.needs', {placeholder: 'or "none"'})),
	], 'Offer hand-off');
	const authForm = form('Give information authority', 'authority', [field('Give bridge control to', input('to'))], 'Give');
	const clockForm = form('Start a custom clock', 'clock', [h('input', {type: 'hidden', name: 'kind', value: 'custom'}),
		field('Clock name', input('name')), field('Deadline', input('deadline', {type: 'datetime-local'}))], 'Start clock');
	const approvalForm = form('Record a statement approval', 'approval',
		[field('Approved wording or scope', area('text'))], 'Record approval');

	// ---- sections: [stable panel, the body that re-renders] ----
	const body = (name) => (S[name] = h('div.body'));
	const nodes = {
		can: panel('can', 'CAN reports', body('can'), canForm, canTeams, canResult, err()),
		tracks: panel('tracks', 'Recovery tracks', body('tracks'), trackForm, err()),
		hyps: panel('hyps', 'Hypotheses', body('hyps'), hypForm, err()),
		handoff: h('div.handoff-box', body('handoff'),
			h('details.cmd-more', h('summary', 'Hand off command · bridge control'), handoffForm, authForm), err()),
		posture: panel('posture', 'Regulatory clocks & approval', body('posture'),
			h('details.cmd-more', h('summary', 'Add a custom clock'), clockForm), approvalForm, err()),
	};
	S.guard = h('section.panel.p-guard', {hidden: true, 'aria-label': 'Guardrails', 'aria-live': 'polite'});
	S.firstten = h('section.panel.p-firstten', {hidden: true, 'aria-label': 'First ten minutes'});
	nodes.guard = S.guard;
	nodes.firstten = S.firstten;

	// ---- builders (null hides the panel) ----
	function can() {
		const list = inc().cans;
		if (!Array.isArray(list)) return null;
		fill(canTeams, list.map((c) => h('option', {value: c.team})));
		if (!list.length) return h('p.empty', 'No CAN yet. Ask every affected team: "Conditions, Actions, Needs?"');
		return h('ul.cans', {'aria-label': 'Latest CAN by team'}, list.slice().sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).map((c) =>
			h('li.can', {'data-age': c.at},
				h('div.can-head', h('b', c.team), ' — last CAN ', h('span.ago', {'data-ago': c.at}), h('span.dim', ` · ${c.author || ''} · `), timeEl(c.at)),
				h('dl.can-slots', [['C', c.conditions], ['A', c.actions], ['N', c.needs]].map(([k, v]) =>
					[h('dt', k), h('dd', v || h('span.dim', '—'))])),
				(c.lint || []).length ? h('ul.lint', c.lint.map((w) => h('li', {title: w.message}, '⚠ ', headline(w.message)))) : null)));
	}

	function tracks() {
		const list = inc().tracks;
		if (!Array.isArray(list)) return null;
		if (!list.length) return h('p.empty', 'No recovery track yet. Open one per team, each with a timebox.');
		const active = list.filter((t) => t.state === 'active').sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline));
		const done = list.filter((t) => t.state !== 'active').reverse();
		return h('ul.tracks', [...active, ...done].map((t) => {
			const live = t.state === 'active';
			const attn = live && (t.needsAttention || (!t.escalatedAt && Date.parse(t.deadline) <= now()));
			const q = `“${t.goal}”`;
			return h('li.track', {class: `tr-${t.state}${attn ? ' attn' : ''}`, 'data-track': t.id},
				h('div.update-meta', h('b.goal', t.goal), h('span.rsbadge', t.state), t.escalatedAt ? h('span.flag', 'escalated') : null),
				h('div.dim', `${t.owner}${t.team ? ' · ' + t.team : ''} · timebox ${t.timeboxMinutes} min`,
					t.extensions ? ` · extended ×${t.extensions}` : '', live ? '' : [' · ended ', timeEl(t.endedAt)]),
				live ? h('div.track-clock', 'Deadline ', timeEl(t.deadline), ' ', h('span.countdown', {'data-countdown': t.deadline, role: 'timer', 'aria-label': `Time left on ${q}`})) : null,
				attn ? h('p.attn-note', '⚠ Timebox expired — extend it with a new timebox or escalate.') : null,
				live ? h('div.acts.track-acts',
					h('label.mini', 'New timebox ', h('input.tb', {type: 'number', min: '1', max: '1440', value: String(t.timeboxMinutes),
						'data-keep': `tb-${t.id}`, 'aria-label': `New timebox in minutes for ${q}`}), ' min'),
					h('button.btn.small', {type: 'button', 'data-do': 'extend', 'data-id': t.id, 'aria-label': `Extend ${q}`}, 'Extend'),
					h('button.btn.small', {type: 'button', 'data-do': 'escalate', 'data-id': t.id, 'aria-label': `Escalate ${q}`}, 'Escalate'),
					[['succeeded', 'Succeeded'], ['failed', 'Failed'], ['abandoned', 'Abandon']].map(([s, l]) =>
						h('button.btn.small.ghost', {type: 'button', 'data-do': 'track', 'data-state': s, 'data-id': t.id, 'aria-label': `${l}: ${q}`}, l))) : null);
		}));
	}

	function hyps() {
		const list = inc().hypotheses;
		if (!Array.isArray(list)) return null;
		const by = (s) => list.filter((x) => s.includes(x.state));
		const open = by(['testing', 'proposed']).sort((a, b) => (a.state === 'testing' ? -1 : 0) - (b.state === 'testing' ? -1 : 0));
		const btn = (x, state, label) => h('button.btn.small', {type: 'button', 'data-do': 'hyp', 'data-state': state, 'data-id': x.id,
			'aria-label': `${label}: “${x.statement}”`}, label);
		const concluded = (x) => h('li.hyp', {class: 'hy-' + x.state},
			h('b', x.statement), h('p.evidence', h('span.dim', x.state === 'rejected' ? 'Dropped: ' : 'Evidence: '), x.evidence || '—'),
			h('div.dim', `${x.owner} · `, timeEl(x.concludedAt)));
		const tried = by(['rejected']).reverse();
		const confirmed = by(['confirmed']);
		return [
			open.length ? h('ul.hyps', {'aria-label': 'Open hypotheses'}, open.map((x) => h('li.hyp', {class: 'hy-' + x.state, 'data-hyp': x.id},
				h('div.update-meta', h('span.rsbadge', x.state), h('b', x.statement)), h('div.dim', x.owner),
				h('textarea', {rows: '1', 'data-keep': `ev-${x.id}`, 'aria-label': `Evidence for “${x.statement}”`, placeholder: 'Evidence (needed to confirm or reject)'}),
				h('div.acts', x.state === 'proposed' ? btn(x, 'testing', 'Start testing') : btn(x, 'confirmed', 'Confirm'), btn(x, 'rejected', 'Reject')))))
				: h('p.empty', 'No open hypothesis.'),
			confirmed.length ? [h('h3', 'Confirmed'), h('ul.hyps', {'aria-label': 'Confirmed'}, confirmed.map(concluded))] : null,
			h('h3', 'What we tried'),
			tried.length ? h('ul.hyps.tried', {'aria-label': 'What we tried'}, tried.map(concluded)) : h('p.empty', 'Nothing rejected yet.'),
		];
	}

	function handoff() {
		const i = inc(), me = actor(), ho = i.handoff;
		const holder = i.informationAuthority;
		return [
			h('p.authority', h('b', 'Information authority: '), holder || 'nobody (no MIM yet)',
				i.informationAuthorityDelegated ? [' ', h('span.flag', 'delegated'), (me === holder || me === i.roles.mim)
					? [' ', h('button.btn.small', {type: 'button', 'data-do': 'auth-return'}, 'Return to the MIM')] : null]
					: holder ? h('span.dim', ' (the MIM)') : null),
			ho ? h('div.handoff', {role: 'note', 'aria-label': 'Pending hand-off'},
				h('p', h('b', 'Hand-off pending: '), `${ho.from} offers command to ${ho.to} · `, timeEl(ho.offeredAt)),
				h('dl.can-slots', [['C', ho.brief.conditions], ['A', ho.brief.actions], ['N', ho.brief.needs]].map(([k, v]) => [h('dt', k), h('dd', v || '—')])),
				(ho.lint || []).length ? h('ul.lint', ho.lint.map((w) => h('li', {title: w.message}, '⚠ ', headline(w.message)))) : null,
				h('div.acts', me === ho.to ? [h('button.btn.primary.small', {type: 'button', 'data-do': 'accept'}, 'Accept command'),
					h('button.btn.small', {type: 'button', 'data-do': 'withdraw'}, 'Decline')] : null,
				me === ho.from ? h('button.btn.small', {type: 'button', 'data-do': 'withdraw'}, 'Withdraw offer') : null,
				me !== ho.to && me !== ho.from ? h('span.dim', `Waiting for ${ho.to} to accept (“I am now MIM”).`) : null)) : null,
		];
	}

	function guard() {
		const g = inc().guardrails;
		if (!Array.isArray(g) || !g.length) return null;
		return [h('h2', `Guardrails (${g.length})`), h('ul.nudges', g.map((n) => h('li.nudge', {class: 'g-' + n.severity},
			h('span', {'aria-hidden': 'true'}, n.severity === 'info' ? 'ℹ ' : '⚠ '), n.message,
			h('span.dim', ` · ${n.severity} · since `, timeEl(n.since)))))];
	}

	const ftOpen = (f) => !!f && f.windowOpen && Date.parse(f.windowEndsAt) > now();
	let ftTimer = 0;
	function firstten() {
		const f = inc().firstTenMinutes;
		clearTimeout(ftTimer);
		if (!ftOpen(f)) return null;
		ftTimer = setTimeout(() => ctl.render('firstten'), Math.min(Date.parse(f.windowEndsAt) - now() + 500, 2 ** 31 - 1));
		return [h('h2', 'First ten minutes'),
			h('p.dim', `${f.done}/${f.applicable} done · window closes `, h('span', {'data-countdown': f.windowEndsAt})),
			h('ul.firstten', f.items.map((it) => h('li', {class: 'ft-' + it.state},
				h('span.tick', {'aria-hidden': 'true'}, MARK[it.state] || '·'), h('span', it.label),
				h('span.sr', ` (${it.state === 'notApplicable' ? 'not applicable' : it.state})`),
				it.state === 'done' ? timeEl(it.at) : null, it.late ? h('span.flag', 'late') : null)))];
	}

	function posture() {
		const i = inc(), clocks = i.regulatoryClocks || [], a = i.statementApproval || {};
		if (!(i.security || i.existential || clocks.length || a.required)) return null;
		return [
			clocks.length ? h('ul.clocks', clocks.map((c) => h('li.clock-row', {class: 'ck-' + c.state},
				h('div.update-meta', h('b', c.name || c.kind), h('span.rsbadge', c.state)),
				c.state === 'offered' ? [h('p.dim', `${c.hours} h from awareness — offered, not started: start it when you decide it applies.`),
					h('div.acts', h('label.mini', 'Aware since ', h('input', {type: 'datetime-local', 'data-keep': 'aware', 'aria-label': 'Aware since (empty: now)'})),
						h('button.btn.small', {type: 'button', 'data-do': 'clock-start'}, `Start the ${c.kind.toUpperCase()} clock`))]
					: c.met ? h('p.dim', '✓ met ', timeEl(c.metAt), c.metBy ? ` by ${c.metBy}` : '')
						: [h('div.track-clock', 'Deadline ', timeEl(c.deadline), ' ', h('span.countdown', {'data-countdown': c.deadline, role: 'timer', 'aria-label': `Time left on ${c.name}`})),
							h('div.acts', h('button.btn.small', {type: 'button', 'data-do': 'clock-met', 'data-id': c.id, 'aria-label': `Mark “${c.name}” met`}, 'Mark met'))]))) : null,
			h('p.approval', {class: a.required ? (a.available ? 'ok' : 'short') : ''}, h('b', 'Public statement approval: '),
				a.required ? `required before every public update — ${a.available || 0} approved and unused` : 'not required',
				a.required ? h('span.dim', ' (recorded by whoever holds leader, legal or PR)') : null),
		];
	}

	const builders = {can, tracks, hyps, handoff, guard, firstten, posture};
	// What each builder reads: a section re-renders only when this changes.
	const sigs = {
		can: () => J(inc().cans),
		tracks: () => J(inc().tracks),
		hyps: () => J(inc().hypotheses),
		handoff: () => J([inc().handoff, inc().informationAuthority, inc().informationAuthorityDelegated, inc().roles.mim, actor()]),
		guard: () => J(inc().guardrails),
		firstten: () => J([inc().firstTenMinutes, ftOpen(inc().firstTenMinutes)]),
		posture: () => J([inc().security, inc().existential, inc().regulatoryClocks, inc().statementApproval]),
	};

	// ---- commands: an answer that is the incident replaces it; anything else refetches it ----
	const SUBMIT = {
		async can(b) {
			const r = await api.post(path + '/can', b);
			const lint = r.lint || [];
			fill(canResult, h('p', h('b', `CAN recorded for ${r.team}. `), lint.length ? 'The doctrine advises:' : 'Clean: no lint warnings.'),
				lint.length ? h('ul.lint.full', {'aria-label': 'CAN lint'}, lint.map((w) => h('li', h('b', `${w.slot}: `), w.message))) : null);
		},
		track: (b) => api.post(path + '/tracks', b),
		hyp: (b) => api.post(path + '/hypotheses', b),
		handoff: (b) => api.post(path + '/handoff', {brief: {}, ...b}),
		authority: (b) => api.post(path + '/authority', b),
		clock: (b) => api.post(path + '/clocks', b),
		approval: (b) => api.post(path + '/approvals', b),
	};
	const errOf = (el) => el.closest('.panel, .handoff-box').querySelector('.cmd-err');
	const done = (r) => (r && r.id === store.focus && r.roles ? store.putIncident(r) : refresh());

	const offs = [
		delegate(root, 'submit', 'form[data-form]', async (e, f) => {
			e.preventDefault();
			const b = {};
			for (const el of f.elements) {
				let v = el.name ? el.value.trim() : '';
				if (!v) continue;
				if (el.type === 'number') v = Number(v);
				else if (el.type === 'datetime-local') v = fromLocalInput(v);
				const [k, sub] = el.name.split('.');
				if (sub) (b[k] = b[k] || {})[sub] = v;
				else b[k] = v;
			}
			const btn = f.querySelector('[type=submit]');
			text(errOf(f), '');
			btn.disabled = true;
			try {
				done(await SUBMIT[f.dataset.form](b));
				const stay = [...f.querySelectorAll('[data-stay]')].map((el) => [el, el.value]);
				f.reset();
				for (const [el, v] of stay) el.value = v;
			} catch (ex) {
				text(errOf(f), refusal(ex));
			}
			btn.disabled = false;
		}),
		delegate(root, 'click', 'button[data-do]', async (e, b) => {
			const d = b.dataset, id = d.id;
			const row = b.closest('li') || b.closest('.body');
			const val = (k) => {
				const el = row.querySelector(`[data-keep="${k}"]`);
				return el ? el.value.trim() : '';
			};
			const calls = {
				extend: () => api.patch(`${path}/tracks/${id}`, {timeboxMinutes: Number(val('tb-' + id)) || null}),
				escalate: () => api.patch(`${path}/tracks/${id}`, {escalate: true}),
				track: () => api.patch(`${path}/tracks/${id}`, {state: d.state}),
				hyp: () => api.patch(`${path}/hypotheses/${id}`, val('ev-' + id) ? {state: d.state, evidence: val('ev-' + id)} : {state: d.state}),
				accept: () => api.post(`${path}/handoff/accept`),
				withdraw: () => api.post(`${path}/handoff/withdraw`),
				'auth-return': () => api.post(`${path}/authority/return`),
				'clock-start': () => api.post(`${path}/clocks`, val('aware') ? {kind: 'gdpr', awareAt: fromLocalInput(val('aware'))} : {kind: 'gdpr'}),
				'clock-met': () => api.patch(`${path}/clocks/${id}`, {met: true}),
			};
			const out = errOf(b);
			text(out, '');
			b.disabled = true;
			try {
				done(await calls[d.do]());
			} catch (ex) {
				text(out, refusal(ex));
				b.disabled = false;
			}
		}),
	];

	const ctl = {
		nodes, S, builders, sigs,
		render: () => {},
		unmount() {
			clearTimeout(ftTimer);
			for (const f of offs) f();
		},
	};
	return ctl;
}
