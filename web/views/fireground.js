// views/fireground — the MIM's single screen for one incident (SPEC §10, seed 001).
//
// Left: the record (title, description, alert info, impact, command team, timeline,
// updates, responders, and the issue-4 panels when the server has them).  Right: the phase
// command panel.  Bottom: the five tiles.  Each section re-renders from the store when
// the keys it shows change; forms are built once so typing survives live updates, and a
// section holding an open editor waits until the edit ends.
import {systemActionsNote} from './systemactions.js';
import {h, delegate, text, fill, field} from '../dom.js';
import {api, describe, isMissing, ApiError} from '../api.js';
import {PHASES, ROLES, SEVERITIES, severity, STATUSES, TYPES, typeInfo, RESPONDER_STATES,
	RESPONDER_LABELS, AUDIENCES, GAP_TEXT, parseSystems} from '../doctrine.js';
import {timeEl, isoIn, tickAll, toLocalInput, fromLocalInput, now} from '../time.js';
import {Editor, Conflict, editable} from '../edit.js';
import {command, refusal, approvalHint} from './command.js';

const TIMELINE_PAGE = 1000;
// The timeline shows the newest entries first and more on demand: the DOM stays small
// however long the incident runs (a full 2,000-entry list is one click away).
const TL_WINDOW = 300;
const TL_MORE = 500;

const norm = (v) => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join('\u0000') : String(v));
const same = (a, b) => norm(a) === norm(b);
const fmtCount = (n) => (n === null || n === undefined ? 'unknown' : Number(n).toLocaleString());

export function mount(root, store, ctx) {
	const id = ctx.id;
	const path = `/incidents/${encodeURIComponent(id)}`;
	const ui = {
		roleErrors: {}, blocked: null, tlType: 'all', tlOrder: 'newest', notFound: null,
		assist: {suggestion: undefined, brief: undefined}, assistMissing: false, flash: {}, tlLimit: TL_WINDOW, sigs: {},
	};
	let dead = false;
	const offs = [];

	// ---- the stable skeleton ----
	const S = {};
	const sec = (name, tag, attrs, ...kids) => (S[name] = h(tag, attrs, ...kids));
	const panel = (name, title, ...kids) => {
		const hid = `h-${name}`;
		return h('section.panel', {class: `p-${name}`, 'aria-labelledby': hid}, h('h2', {id: hid}, title), ...kids);
	};

	// Timeline controls (built once).
	const tlFilter = h('select', {'aria-label': 'Filter timeline by type'},
		h('option', {value: 'all'}, 'All types'),
		Object.entries(TYPES).map(([k, t]) => h('option', {value: k}, `${t.icon} ${t.label}`)));
	const tlOrder = h('select', {'aria-label': 'Timeline order'},
		h('option', {value: 'newest'}, 'Newest first'), h('option', {value: 'oldest'}, 'Newest last'));
	const noteText = h('textarea', {rows: '2', 'aria-label': 'New timeline note', placeholder: 'Note, decision, timebox call… (Ctrl+Enter posts)'});
	const noteVis = h('select', {'aria-label': 'Note visibility'},
		h('option', {value: 'internal'}, 'Internal'), h('option', {value: 'public'}, 'Public'));
	const noteErr = h('p.form-error', {role: 'alert'});
	const noteForm = h('form.composer', {'aria-label': 'Post a timeline note'},
		noteText, h('div.row', noteVis, h('button.btn', {type: 'submit'}, 'Post note')), noteErr);
	const tlList = h('ol.tl', {'aria-label': 'Timeline entries'});
	const tlCount = h('span.count');
	const tlMore = h('button.btn.small.tl-more', {type: 'button', 'data-act': 'tl-more', hidden: true});

	// Responders: dispatch form.
	const rPerson = h('input', {type: 'text', autocomplete: 'off', placeholder: 'name or rotation'});
	const rRole = h('select', h('option', {value: ''}, '— no role —'), ROLES.map((r) => h('option', {value: r.key}, r.label)));
	const rState = h('select', RESPONDER_STATES.filter((s) => s !== 'released').map((s) => h('option', {value: s}, RESPONDER_LABELS[s])));
	const rErr = h('p.form-error', {role: 'alert'});
	const rForm = h('form.inline-form', {'aria-label': 'Dispatch a responder'},
		field('Person', rPerson), field('Responder role', rRole), field('State', rState),
		h('button.btn', {type: 'submit'}, 'Dispatch'), rErr);
	// Paging a team pages whoever is on call now (on-call, issue 9: views/oncall.js).
	const pTeam = h('input', {type: 'text', autocomplete: 'off', placeholder: 'team name'});
	const pErr = h('p.form-error', {role: 'alert'});
	const pForm = h('form.inline-form', {'aria-label': 'Page a team'},
		field('Team', pTeam), h('button.btn', {type: 'submit'}, 'Page'), pErr);
	pForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		const team = pTeam.value.trim();
		if (!team) return pTeam.focus();
		text(pErr, '');
		try {
			await api.post(`${path}/pages`, {team});
			pTeam.value = '';
		} catch (err) {
			text(pErr, describe(err));
		}
	});

	// Phase command: advance, override, reopen, notes (built once).
	const overrideReason = h('textarea', {rows: '2', 'aria-label': 'Override reason', placeholder: 'Why the gate does not apply — recorded on the timeline'});
	const overrideForm = h('form.override', {'aria-label': 'Override the gate', hidden: true},
		overrideReason, h('button.btn.warn', {type: 'submit'}, 'Override and advance'));
	const reopenReason = h('input', {type: 'text', 'aria-label': 'Reopen reason', placeholder: 'Why it is not over'});
	const reopenForm = h('form.inline-form', {'aria-label': 'Reopen the incident', hidden: true},
		reopenReason, h('button.btn.warn', {type: 'submit'}, 'Reopen'));
	const cmdBody = h('div.cmd-body');
	const cmdErr = h('p.form-error', {role: 'alert'});
	const phaseNote = h('textarea', {rows: '2', 'aria-label': 'Phase note', placeholder: 'What this phase decided or is waiting on'});
	const phaseNoteForm = h('form.composer', {'aria-label': 'Add a phase note'}, phaseNote,
		h('div.row', h('button.btn', {type: 'submit'}, 'Add phase note')));

	// Quick update.
	const quText = h('textarea', {rows: '4', 'aria-label': 'Update text', placeholder: 'What is known, the impact, what we are doing, when you will say more.'});
	const quAudience = h('select', AUDIENCES.map((a) => h('option', {value: a}, a[0].toUpperCase() + a.slice(1))));
	const quKind = h('select', h('option', {value: 'milestone'}, 'Milestone'), h('option', {value: 'resolution'}, 'Resolution'));
	const quNext = h('select', [15, 20, 30, 45, 60].map((m) => h('option', {value: String(m), selected: m === 30}, `${m} min`)));
	const quStatus = h('select', h('option', {value: ''}, 'unchanged'), STATUSES.map((s) => h('option', {value: s}, s)));
	const quDraft = h('button.btn', {type: 'button', 'data-act': 'draft', hidden: true, title: 'Draft this update for the chosen audience from the record'}, 'AI Draft');
	const quHolding = h('button.btn', {type: 'button', 'data-act': 'holding'}, 'Holding update · next in 15 min');
	const quMsg = h('p.form-msg', {role: 'status'});
	const quHint = h('p.hint.qu-hint');
	const quForm = h('form.quick', {'aria-label': 'Quick update'},
		quText,
		h('div.grid2', field('Audience', quAudience), field('Kind', quKind), field('Next update in', quNext), field('Set status', quStatus)),
		h('div.row', h('button.btn.primary', {type: 'submit'}, 'Publish update'), quDraft),
		h('div.row', quHolding),
		quHint, quMsg);

	// The command doctrine's panels (views/command.js).
	const cmd = command({root, store, path, panel});
	Object.assign(S, cmd.S);
	const N = cmd.nodes;

	const grid = h('div.fg-grid',
		h('div.fg-main',
			sec('head', 'section.panel.p-head', {'aria-label': 'Incident'}),
			panel('alert', 'Alert info', sec('alert', 'div.body')),
			panel('impact', 'Impact & exec', sec('impact', 'div.body')),
			panel('team', 'Command team', sec('team', 'div.body'), N.handoff),
			panel('timeline', 'Timeline', h('div.tl-bar', tlFilter, tlOrder, tlCount), noteForm, h('div.tl-wrap', tlList, tlMore)),
			panel('updates', 'Status updates', sec('updates', 'div.body')),
			N.can, N.tracks, N.hyps,
			panel('responders', 'Responders', sec('responders', 'div.body'), rForm, pForm)),
		h('aside.fg-side', {'aria-label': 'Phase command panel'},
			h('section.panel.p-cmd', {'aria-labelledby': 'h-cmd'}, h('h2#h-cmd', 'Phase command'), cmdBody, overrideForm, reopenForm, cmdErr),
			N.guard, N.firstten,
			sec('suggest', 'section.panel.p-suggest', {hidden: true, 'aria-label': 'Assistant suggestion'}),
			N.posture,
			h('section.panel.p-quick', {'aria-labelledby': 'h-quick'}, h('h2#h-quick', 'Quick update'), quForm),
			h('section.panel.p-notes', {'aria-labelledby': 'h-notes'}, h('h2#h-notes', 'Phase notes'), phaseNoteForm, sec('notes', 'div.body'))));
	const phasebar = sec('phasebar', 'nav.phasebar', {'aria-label': 'Phases'});
	const tiles = sec('tiles', 'footer.tiles', {role: 'region', 'aria-label': 'Incident vitals'});
	const status = h('div.fg-status', {role: 'status'});
	const fg = h('div.fg', status, h('p#ed-hint.sr', 'Click, or press Enter, to edit in place'), phasebar, grid, tiles);
	root.append(fg);
	document.body.classList.add('has-tiles');

	// ---- click-to-edit ----
	const patchSave = (fieldName) => async (value, c) => {
		const inc = store.incident;
		const base = c.force ? inc.version : c.base;
		try {
			store.putIncident(await api.patch(path, {[fieldName]: value}, {ifMatch: base}));
		} catch (err) {
			if (!(err instanceof ApiError) || err.code !== 'version_conflict') throw err;
			const latest = await api.get(path);
			store.putIncident(latest);
			// Someone changed other fields only: nothing of theirs is lost by saving ours.
			if (!same(latest[fieldName], c.original))
				throw new Conflict(latest[fieldName]);
			store.putIncident(await api.patch(path, {[fieldName]: value}, {ifMatch: latest.version}));
		}
	};
	const roleSave = (role) => async (value, c) => {
		const inc = store.incident;
		if (!c.force && !same(inc.roles[role] || '', c.original || '')) throw new Conflict(inc.roles[role]);
		try {
			store.putIncident(await api.put(`${path}/roles/${role}`, {person: value.trim()}));
			delete ui.roleErrors[role];
		} catch (err) {
			if (err instanceof ApiError && err.code === 'doctrine') {
				ui.roleErrors[role] = {message: err.message, rule: err.rule, person: value.trim()};
				return;
			}
			throw err;
		}
	};
	const sevOptions = SEVERITIES.map((s) => ({value: s.key, label: `${s.label} · ${s.alarm}`}));
	const specFor = (key) => {
		const inc = store.incident;
		if (!inc) return null;
		const base = inc.version;
		if (key.startsWith('role:')) {
			const role = key.slice(5);
			const r = ROLES.find((x) => x.key === role);
			return {label: `${r ? r.label : role} person`, kind: 'line', value: inc.roles[role] || '', base, save: roleSave(role)};
		}
		const specs = {
			title: {label: 'Title', kind: 'line', parse: (v) => {
				if (!v.trim()) throw new Error('A title is required.');
				return v.trim();
			}},
			description: {label: 'Description', kind: 'multi', parse: (v) => v.trim() || null},
			affectedSystems: {label: 'Affected systems', kind: 'line', parse: parseSystems},
			bridgeUrl: {label: 'Bridge link', kind: 'url', parse: (v) => v.trim() || null},
			customerCount: {label: 'Customer count', kind: 'number', parse: (v) => {
				if (v.trim() === '') return null;
				const n = Number(v);
				if (!Number.isInteger(n) || n < 0) throw new Error('Customer count must be a whole number (or empty for unknown).');
				return n;
			}},
			severity: {label: 'Severity', kind: 'select', options: sevOptions},
			status: {label: 'Status', kind: 'select', options: STATUSES.map((s) => ({value: s, label: s}))},
			businessImpact: {label: 'Business impact', kind: 'multi', parse: (v) => v.trim() || null},
			customerImpactSummary: {label: 'Customer impact summary', kind: 'multi', parse: (v) => v.trim() || null},
			riskLevel: {label: 'Risk level', kind: 'line', parse: (v) => v.trim() || null},
			execSummary: {label: 'Exec summary', kind: 'multi', parse: (v) => v.trim() || null},
			startedAt: {label: 'Problem started', kind: 'datetime'},
			alertFiredAt: {label: 'Alert fired', kind: 'datetime'},
			afterActionAt: {label: 'After Action', kind: 'datetime'},
		};
		const s = specs[key];
		if (!s) return null;
		if (s.kind === 'datetime') {
			s.display = toLocalInput;
			s.parse = (v) => {
				const iso = fromLocalInput(v);
				if (iso === undefined) throw new Error('Not a valid date and time.');
				return iso;
			};
		}
		return {...s, value: inc[key], base, save: patchSave(key)};
	};
	cmd.render = (name) => !dead && renderSection(name);
	const editor = new Editor(root, specFor, (key, display) => {
		for (const name of Object.keys(S)) if (dirty[name] || S[name].contains(display)) renderSection(name);
	});
	const dirty = {};

	// ---- rendering ----
	const builders = {
		head: buildHead, alert: buildAlert, impact: buildImpact, team: buildTeam, updates: buildUpdates,
		responders: buildResponders, phasebar: buildPhasebar, tiles: buildTiles, notes: buildNotes,
		suggest: buildSuggest, ...cmd.builders,
	};
	const SECTIONS_BY_KEY = {
		incident: ['head', 'alert', 'impact', 'team', 'updates', 'phasebar', 'tiles', 'notes', 'responders', ...Object.keys(cmd.builders)],
		updates: ['updates', 'tiles'],
		responders: ['responders'],
		timeline: ['notes'],
		assist: ['suggest', 'head'],
		actor: ['team', 'handoff'],
	};

	function renderSection(name) {
		const el = S[name];
		if (!el || !store.incident) return;
		if (editor.holds(el)) {
			dirty[name] = true;
			editor.remoteChanged((key) => {
				const spec = specFor(key);
				return spec ? spec.value : null;
			});
			return;
		}
		delete dirty[name];
		// A doctrine section re-renders only when what it shows changed.
		const sig = cmd.sigs[name] ? cmd.sigs[name]() : null;
		if (sig !== null && ui.sigs[name] === sig) return;
		ui.sigs[name] = sig;
		const act = document.activeElement && el.contains(document.activeElement) ? document.activeElement : null;
		const focusSel = act && act.dataset.edit ? `[data-edit="${CSS.escape(act.dataset.edit)}"]`
			: act && act.dataset.keep ? `[data-keep="${CSS.escape(act.dataset.keep)}"]` : null;
		// Typed into a row (a new timebox, evidence): kept across the re-render.
		const kept = [...el.querySelectorAll('[data-keep]')].map((x) => [x.dataset.keep, x.value, x.defaultValue]);
		const out = builders[name]();
		const box = el.closest('.panel') || el;
		if (out === null) {
			box.hidden = true;
			return;
		}
		box.hidden = false;
		fill(el, out);
		for (const [k, v, d] of kept) {
			const x = el.querySelector(`[data-keep="${CSS.escape(k)}"]`);
			if (x && v !== d) x.value = v;
		}
		tickAll(el);
		if (focusSel) {
			const again = el.querySelector(focusSel);
			if (again) again.focus();
		}
	}

	function renderCmd() {
		const inc = store.incident;
		if (!inc) return;
		fill(cmdBody, buildCmd());
		tickAll(cmdBody);
		text(quHint, approvalHint(inc, quAudience.value));
		const gated = ui.blocked && ui.blocked.rule && ui.blocked.rule.startsWith('gate.');
		overrideForm.hidden = !gated;
		reopenForm.hidden = inc.status !== 'resolved';
	}

	function renderTimeline(appended) {
		const t0 = performance.now();
		const pass = (e) => ui.tlType === 'all' || e.type === ui.tlType;
		if (Array.isArray(appended)) {
			for (const e of appended) {
				if (!pass(e)) continue;
				const row = tlRow(e);
				if (ui.tlOrder === 'newest') tlList.prepend(row);
				else tlList.append(row);
			}
		} else {
			// The newest `tlLimit` matching entries, in the chosen order.
			const list = store.timeline;
			const picked = [];
			let matching = 0;
			for (let i = list.length - 1; i >= 0; i--) {
				if (!pass(list[i])) continue;
				matching += 1;
				if (picked.length < ui.tlLimit) picked.push(list[i]);
			}
			ui.tlOldestId = picked.length ? picked[picked.length - 1].id : null;
			if (ui.tlOrder !== 'newest') picked.reverse();
			const frag = document.createDocumentFragment();
			for (const e of picked) frag.appendChild(tlRow(e));
			tlList.replaceChildren(frag);
			ui.tlHidden = matching - picked.length;
			performance.measure('fireground:timeline', {start: t0, end: performance.now()});
		}
		const hidden = ui.tlHidden || 0;
		tlMore.hidden = hidden <= 0;
		text(tlMore, `Show ${Math.min(hidden, TL_MORE).toLocaleString()} older entries (${hidden.toLocaleString()} not shown)`);
		tlList.after(tlMore);
		if (ui.tlOrder !== 'newest') tlList.before(tlMore);
		const shown = tlList.childElementCount;
		const total = store.timeline.length;
		text(tlCount, shown === total ? `${total.toLocaleString()} entries` : `showing ${shown.toLocaleString()} of ${total.toLocaleString()} entries`);
	}

	// "Show older": adds the next TL_MORE matching entries past the oldest shown, without
	// rebuilding the rows already on the page.
	function showOlder() {
		const pass = (e) => ui.tlType === 'all' || e.type === ui.tlType;
		const list = store.timeline;
		let i = list.length - 1;
		while (i >= 0 && ui.tlOldestId !== null && list[i].id >= ui.tlOldestId) i--;
		const older = [];
		for (; i >= 0 && older.length < TL_MORE; i--) if (pass(list[i])) older.push(list[i]);
		if (!older.length) return;
		ui.tlOldestId = older[older.length - 1].id;
		ui.tlLimit += older.length;
		ui.tlHidden = Math.max(0, (ui.tlHidden || 0) - older.length);
		if (ui.tlOrder !== 'newest') older.reverse();
		const frag = document.createDocumentFragment();
		for (const e of older) frag.appendChild(tlRow(e));
		if (ui.tlOrder === 'newest') tlList.append(frag);
		else tlList.prepend(frag);
		renderTimeline([]);
	}

	function renderAll() {
		if (ui.notFound) {
			fill(fg, h('section.panel.notfound', h('h1', ui.notFound)));
			return;
		}
		if (!store.incident) {
			text(status, 'Loading…');
			return;
		}
		text(status, '');
		for (const name of Object.keys(builders)) renderSection(name);
		renderCmd();
		renderTimeline(null);
		tickAll(root);
	}

	const onChange = (e) => {
		if (dead || store.focus !== id) return;
		const keys = e.detail.keys;
		if (e.detail.full) {
			ui.sigs = {};
			renderAll();
			return;
		}
		const names = new Set();
		for (const k of keys) for (const n of SECTIONS_BY_KEY[k] || []) names.add(n);
		if (keys.has('incident')) {
			const inc = store.incident;
			if (ui.blocked && inc && inc.phase.number !== ui.blocked.from) ui.blocked = null;
			// The assistant's suggestion follows the record (one request per burst of changes).
			if (!ui.assistMissing) {
				clearTimeout(ui.sugTimer);
				ui.sugTimer = setTimeout(() => loadAssist('suggestion'), 1500);
			}
		}
		for (const n of names) renderSection(n);
		if (keys.has('incident') || keys.has('updates') || keys.has('responders') || keys.has('assist')) renderCmd();
		if (keys.has('timeline')) renderTimeline(e.detail.appended);
		tickAll(root);
	};
	store.addEventListener('change', onChange);
	offs.push(() => store.removeEventListener('change', onChange));

	// ---- builders ----
	function buildHead() {
		const inc = store.incident;
		const sev = severity(inc.severity);
		return [
			h('div.head-meta',
				h('span.incid', inc.id),
				h('span.sevbadge', {class: 'sev-' + inc.severity}, `${sev.label.toUpperCase()} · ${sev.alarm}`),
				h('span.statusbadge', {class: 'st-' + inc.status}, inc.status),
				inc.drill ? h('span.flag.drill', 'DRILL') : null,
				inc.security ? h('span.flag.sec', 'SECURITY') : null,
				inc.existential ? h('span.flag.sev0', 'SEV-0') : null,
				inc.reopenCount ? h('span.flag', `reopened ×${inc.reopenCount}`) : null,
				h('span.spacer'),
				ui.assistMissing ? null : h('button.btn.small', {type: 'button', 'data-act': 'brief'}, 'AI Exec Brief')),
			editable('title', 'title', inc.title, {tag: 'h1', cls: 'title', heading: true}),
			editable('description', 'description', inc.description, {cls: 'desc multiline', empty: 'Add a description — what is known, the fault domain, the root cause once confirmed'}),
			ui.assist.brief ? h('div.brief', {role: 'note'}, h('strong', 'Exec brief '), h('span.dim', `(${ui.assist.brief.source || 'assistant'}, draft)`), h('p', ui.assist.brief.text)) : null,
		];
	}

	function kv(label, value, extra) {
		return h('div.kv', h('dt', label), h('dd', value, extra || null));
	}

	function toggle(fieldName, label, checked) {
		return h('label.toggle', h('input', {type: 'checkbox', 'data-toggle': fieldName, checked: !!checked}), ' ', label);
	}

	function buildAlert() {
		const inc = store.incident;
		const sev = severity(inc.severity);
		return h('dl.kvs',
			kv('Severity', editable('severity', 'severity', `${sev.label} · ${sev.alarm} · ${sev.sev}`)),
			kv('Status', editable('status', 'status', inc.status)),
			kv('Affected systems', editable('affectedSystems', 'affected systems',
				inc.affectedSystems.length ? inc.affectedSystems.map((s) => h('span.chip', s)) : null)),
			kv('Open items', systemActionsNote(inc)), // issue 10: recurrence, hidden when none
			kv('External impact', toggle('externalImpact', inc.externalImpact ? 'Yes — customers see it' : 'No', inc.externalImpact)),
			kv('Customer count', editable('customerCount', 'customer count', inc.customerCount === null ? null : fmtCount(inc.customerCount), {empty: 'unknown — click to set'})),
			kv('Bridge', editable('bridgeUrl', 'bridge link', inc.bridgeUrl, {empty: 'no bridge yet — click to paste'}),
				inc.bridgeUrl && /^https?:\/\//i.test(inc.bridgeUrl) ? h('a.btn.small', {href: inc.bridgeUrl, target: '_blank', rel: 'noopener noreferrer'}, 'Join') : null),
			kv('Bridge public', toggle('bridgePublic', inc.bridgePublic ? 'Shown on the status page' : 'Internal only', inc.bridgePublic)),
			kv('Channel', h('code', inc.channel || '—')),
			kv('Problem started', editable('startedAt', 'problem start time', timeEl(inc.startedAt))),
			kv('Alert fired', editable('alertFiredAt', 'alert fired time', inc.alertFiredAt ? timeEl(inc.alertFiredAt) : null)),
			kv('Opened', timeEl(inc.openedAt), h('span.dim', ` by ${inc.createdBy || '—'}`)),
			kv('Security', toggle('security', inc.security ? 'Suspected breach' : 'No', inc.security)),
			ui.flash.alert ? h('p.form-error', {role: 'alert'}, ui.flash.alert) : null);
	}

	function buildImpact() {
		const inc = store.incident;
		return h('dl.kvs',
			kv('Business impact', editable('businessImpact', 'business impact', inc.businessImpact, {cls: 'multiline'})),
			kv('Customer impact', editable('customerImpactSummary', 'customer impact summary', inc.customerImpactSummary, {cls: 'multiline'})),
			kv('Risk level', editable('riskLevel', 'risk level', inc.riskLevel)),
			kv('Exec summary', editable('execSummary', 'exec summary', inc.execSummary, {cls: 'multiline'})),
			kv('After Action', editable('afterActionAt', 'After Action time', inc.afterActionAt ? timeEl(inc.afterActionAt) : null, {empty: 'not scheduled'})));
	}

	function buildTeam() {
		const inc = store.incident;
		const staffing = inc.staffing || {required: [], gaps: [], ok: true};
		const gaps = {};
		for (const g of staffing.gaps || []) (gaps[g.role] = gaps[g.role] || []).push(g);
		const rows = ROLES.filter((r) => !r.sev0 || inc.existential || inc.roles[r.key] || (staffing.required || []).includes(r.key))
			.map((r) => {
				const person = inc.roles[r.key];
				const required = (staffing.required || []).includes(r.key);
				const refusal = ui.roleErrors[r.key];
				return h('li.role', {class: (gaps[r.key] ? 'gap ' : '') + (required ? 'required' : ''), 'data-role': r.key},
					h('div.role-name', h('b', r.label), h('small', r.ics)),
					editable('role:' + r.key, `${r.label} person`, person, {cls: 'role-person', empty: required ? 'VACANT — assign' : 'vacant'}),
					(gaps[r.key] || []).map((g) => h('p.gapnote', {role: 'note'}, '⚠ ', g.reason === 'shared' || g.reason === 'combination'
						? `${GAP_TEXT[g.reason]}${g.with ? ' with ' + g.with : ''}` : GAP_TEXT[g.reason] || g.reason)),
					refusal ? h('p.refusal', {role: 'alert'}, h('b', 'Refused: '), `${refusal.person} as ${r.label} — ${refusal.message}`) : null);
			});
		return [
			h('p.staffing', {class: staffing.ok ? 'ok' : 'short'},
				staffing.ok ? '✓ Minimum staffing met' : `⚠ Staffing below the minimum for ${inc.existential ? 'Sev-0' : inc.severity}`,
				h('span.dim', ` — required: ${(staffing.required || []).map((k) => (ROLES.find((r) => r.key === k) || {label: k}).label).join(', ') || 'none'}`)),
			h('ul.roles', rows),
		];
	}

	function tlRow(e) {
		const t = typeInfo(e.type);
		const pub = e.visibility === 'public';
		return h('li.tl-row', {class: `t-${e.type}${pub ? ' pub' : ''}`, 'data-id': e.id},
			h('span.tl-icon', {'aria-hidden': 'true'}, t.icon),
			timeEl(e.at, 'tl-time'),
			h('span.tl-type', t.label),
			h('span.tl-vis', pub ? 'PUBLIC' : 'internal'),
			h('span.tl-author', e.author || ''),
			h('p.tl-text', e.text || '', e.amends ? h('span.dim', ` — amends #${e.amends}`) : null));
	}

	function latestByAudience() {
		const out = {};
		for (const u of store.updates) out[u.audience] = u;
		return out;
	}

	function cadenceBadges() {
		const inc = store.incident;
		const last = latestByAudience();
		return h('div.cadence', AUDIENCES.map((a) => {
			const state = (inc.cadence && inc.cadence[a]) || 'none';
			const u = last[a];
			return h('div.cad', {class: 'cad-' + state, 'data-audience': a, 'aria-label': `${a} cadence: ${state}`},
				h('span.cad-aud', a.toUpperCase()), h('span.cad-state', state),
				u && u.nextUpdateEta && inc.status !== 'resolved' ? h('span.cad-eta', {'data-countdown': u.nextUpdateEta}) : null);
		}));
	}

	function buildUpdates() {
		const list = store.updates.slice().reverse();
		return [
			cadenceBadges(),
			list.length ? h('ol.updates', list.map((u) => h('li.update', {class: 'aud-' + u.audience},
				h('div.update-meta', h('span.audbadge', {class: 'aud-' + u.audience}, u.audience.toUpperCase()),
					h('span.kind', u.kind), timeEl(u.at), h('span.dim', u.author ? `by ${u.author}` : ''),
					u.nextUpdateEta ? h('span.dim', ['next ', timeEl(u.nextUpdateEta)]) : null,
					u.status ? h('span.statusbadge', {class: 'st-' + u.status}, u.status) : null),
				h('p.update-body', u.body || '')))) : h('p.empty', 'No update published yet. The first milestone is Phase 4’s job — but do not wait 20 minutes.'),
		];
	}

	function nextStates(state) {
		const i = RESPONDER_STATES.indexOf(state);
		const out = [];
		if (i < 0 || state === 'released') return out;
		if (i < 1) out.push('acknowledged');
		if (i < 3) out.push('onScene');
		out.push('released');
		return out;
	}

	function buildResponders() {
		const rs = store.responders;
		if (!rs.length) return h('p.empty', 'Nobody dispatched yet. Leaving Alert needs a technical responder (SRE or SME) on scene.');
		const order = (r) => (r.state === 'released' ? 1 : 0);
		return h('ul.responders', rs.slice().sort((a, b) => order(a) - order(b) || a.id - b.id).map((r) => {
			const who = r.person || r.rotation || '?';
			const stamp = {paged: r.pagedAt, acknowledged: r.acknowledgedAt, joining: r.joiningAt, onScene: r.onSceneAt, released: r.releasedAt}[r.state];
			return h('li.responder', {class: 'rs-' + r.state, 'data-responder': r.id},
				h('span.presence', {'aria-hidden': 'true'}),
				h('div.who', h('b', who), r.role ? h('small', (ROLES.find((x) => x.key === r.role) || {label: r.role}).label) : null,
					r.rotation && r.person ? h('small.dim', `via ${r.rotation}`) : null),
				h('div.state', h('span.rsbadge', RESPONDER_LABELS[r.state] || r.state), stamp ? timeEl(stamp) : null),
				h('div.acts', nextStates(r.state).map((s) => h('button.btn.small', {type: 'button', 'data-rstate': s, 'data-rid': r.id,
					class: s === 'released' ? 'ghost' : '', 'aria-label': s === 'released' ? `Release ${who}` : `Mark ${who} ${RESPONDER_LABELS[s].toLowerCase()}`},
				s === 'released' ? 'Release' : RESPONDER_LABELS[s]))));
		}));
	}

	function buildPhasebar() {
		const inc = store.incident;
		const entered = {};
		for (const p of inc.phases || []) entered[p.number] = p.enteredAt;
		return h('ol', PHASES.slice(1).map((p) => {
			const cur = p.n === inc.phase.number;
			const done = p.n < inc.phase.number;
			return h('li.ph', {class: cur ? 'cur' : done ? 'done' : 'todo', 'aria-current': cur ? 'step' : null,
				title: entered[p.n] ? `${p.name} entered ${new Date(entered[p.n]).toUTCString()}` : p.name},
			h('span.ph-n', String(p.n)), h('span.ph-name', p.name),
			cur ? h('span.ph-since', {'data-since': inc.phase.enteredAt, 'data-stop': inc.resolvedAt || null}) : null);
		}));
	}

	function gateStatus(inc) {
		const n = inc.phase.number;
		if (n === 1) {
			const tech = store.responders.filter((r) => r.state === 'onScene' &&
				(r.role === 'sre' || r.role === 'sme' || (r.person && (r.person === inc.roles.sre || r.person === inc.roles.sme))));
			return {ok: tech.length > 0, text: tech.length ? `${tech.map((r) => r.person).join(', ')} on scene` : 'No SRE/SME on scene yet'};
		}
		if (n === 3) {
			const entered = Date.parse(inc.phase.enteredAt);
			const ok = inc.severityConfirmedAt && Date.parse(inc.severityConfirmedAt) >= entered;
			return {ok, text: ok ? `Severity confirmed (${inc.severity})` : `Severity (${inc.severity}) not yet confirmed in Assess`, confirm: !ok};
		}
		if (n === 4) {
			const ok = store.updates.length > 0;
			return {ok, text: ok ? `${store.updates.length} milestone(s) published` : 'No milestone published yet'};
		}
		if (n === 7 && (inc.severity === 'critical' || inc.severity === 'high')) {
			const until = new Date(Date.parse(inc.phase.enteredAt) + 10 * 60000).toISOString();
			return {ok: Date.parse(until) <= now(), text: 'Clean validation window ', until};
		}
		return null;
	}

	function buildCmd() {
		const inc = store.incident;
		const n = inc.phase.number;
		const p = PHASES[n];
		const next = PHASES[n + 1];
		const gs = p.gate ? gateStatus(inc) : null;
		return [
			h('div.phase-now', h('span.ph-num', `PHASE ${n}/8`), h('span.ph-big', p.name.toUpperCase()),
				h('span.dim', ['in phase ', h('span', {'data-since': inc.phase.enteredAt, 'data-stop': inc.resolvedAt || null})])),
			h('p.job', p.job),
			h('details.checklist', {open: true}, h('summary', 'Doctrine checklist'), h('ul', p.checklist.map((c) => h('li', c)))),
			p.gate ? h('div.gate', {class: gs && gs.ok ? 'open' : 'closed'},
				h('div', h('b', 'Gate to leave: '), p.gate),
				gs ? h('div.gate-state', gs.ok ? '✓ ' : '✗ ', gs.text, gs.until ? h('span', {'data-countdown': gs.until}) : null) : null,
				gs && gs.confirm ? h('button.btn.small', {type: 'button', 'data-act': 'confirm-severity'}, `Confirm severity: ${inc.severity}`) : null)
				: p.nudge ? h('div.gate.open', h('div', h('b', 'Gate to leave: '), 'none — ', h('span.dim', p.nudge))) : null,
			next ? h('button.btn.primary.big.advance', {type: 'button', 'data-act': 'advance', 'aria-keyshortcuts': 'a'},
				`Advance phase → ${next.n} ${next.name}`)
				: h('p.terminal', inc.status === 'resolved' ? `Resolved ${''}` : 'Resolution is the last phase.', inc.resolvedAt ? timeEl(inc.resolvedAt) : null),
			inc.status === 'resolved' ? h('a.btn.aa-link', {href: `/admin/incidents/${inc.id}/after-action`, 'data-nav': ''}, 'After Action review →') : null,
			ui.blocked ? h('div.blocked', {role: 'alert'}, h('b', ui.blocked.rule && ui.blocked.rule.startsWith('gate.') ? '⛔ Blocked by the gate: ' : '⛔ Refused: '),
				ui.blocked.message, ui.blocked.rule && ui.blocked.rule.startsWith('gate.')
					? h('p.dim', 'You may override with a reason; the override and the gates it skipped are recorded on the timeline.') : null) : null,
		];
	}

	function buildNotes() {
		const inc = store.incident;
		const n = inc.phase.number;
		const notes = store.timeline.filter((e) => e.payload && e.payload.phaseNote === n).reverse();
		if (!notes.length) return h('p.empty', `No notes for ${PHASES[n].name} yet.`);
		return h('ul.notes', notes.map((e) => h('li', timeEl(e.at), ' ', h('span.dim', e.author), h('p', e.text))));
	}

	function buildSuggest() {
		const s = ui.assist.suggestion;
		if (!s) return null;
		return [h('h2', 'Assistant suggestion'), h('p.suggest', s.text || ''),
			h('div.row', h('span.dim', `${s.source || 'assistant'} · a draft, not an order`),
				h('button.btn.small', {type: 'button', 'data-act': 'suggest'}, 'Refresh'))];
	}

	function buildTiles() {
		const inc = store.incident;
		const stop = inc.resolvedAt || null;
		const impactFrom = inc.alertFiredAt || inc.startedAt;
		const lastUpdate = store.updates.length ? store.updates[store.updates.length - 1].at : inc.openedAt;
		const tile = (label, value, ageFrom, extra) => h('div.tile', {'data-age': ageFrom || null, 'data-stop': stop, role: 'group', 'aria-label': label},
			h('span.tile-label', label), h('span.tile-value', value), extra || null);
		return [
			tile('Duration', h('span', {'data-since': inc.openedAt, 'data-stop': stop}), inc.openedAt),
			tile('Impact', impactFrom ? h('span', {'data-since': impactFrom, 'data-stop': stop}) : '—', impactFrom),
			tile('Users', fmtCount(inc.customerCount), impactFrom),
			tile('Phase', `${inc.phase.number} · ${inc.phase.name}`, inc.phase.enteredAt),
			tile('Updates', String(store.updates.length), lastUpdate,
				h('span.tile-sub', store.updates.length ? ['last ', h('span', {'data-since': lastUpdate, 'data-stop': stop}), ' ago'] : 'none yet')),
		];
	}

	// ---- commands ----
	async function advance(override) {
		const inc = store.incident;
		text(cmdErr, '');
		const body = {advance: true};
		if (override) body.override = override;
		try {
			const out = await api.post(`${path}/phase`, body);
			ui.blocked = null;
			overrideReason.value = '';
			store.putIncident(out);
			renderCmd();
		} catch (err) {
			if (err instanceof ApiError && err.code === 'doctrine') {
				ui.blocked = {rule: err.rule, message: err.message, from: inc.phase.number};
				renderCmd();
				if (!overrideForm.hidden) overrideReason.focus();
			} else {
				text(cmdErr, describe(err));
			}
		}
	}

	async function publish(body) {
		text(quMsg, '');
		quMsg.classList.remove('error');
		try {
			const u = await api.post(`${path}/updates`, body);
			store.addUpdate(u);
			api.get(path).then((inc) => store.putIncident(inc), () => {});
			text(quMsg, `Published ${u.kind} to ${u.audience}${u.nextUpdateEta ? ' · next update ' + new Date(u.nextUpdateEta).toLocaleTimeString() : ''}.`);
			return true;
		} catch (err) {
			quMsg.classList.add('error');
			text(quMsg, refusal(err));
			return false;
		}
	}

	async function postEntry(body, errEl) {
		text(errEl, '');
		try {
			store.addEntries([await api.post(`${path}/timeline`, body)]);
			return true;
		} catch (err) {
			text(errEl, describe(err));
			return false;
		}
	}

	async function loadAssist(kind) {
		try {
			ui.assist[kind] = await api.get(`${path}/assist/${kind}`);
		} catch (err) {
			if (isMissing(err)) {
				ui.assistMissing = true;
				quDraft.hidden = true;
			}
			ui.assist[kind] = null;
		}
		if (!ui.assistMissing) quDraft.hidden = false;
		if (!dead) store.emit(['assist']);
	}

	// ---- events on stable containers ----
	offs.push(delegate(root, 'click', '[data-act]', async (e, b) => {
		const act = b.dataset.act;
		if (act === 'advance') advance();
		else if (act === 'tl-more') showOlder();
		else if (act === 'holding') {
			b.disabled = true;
			await publish({audience: quAudience.value, kind: 'holding'});
			b.disabled = false;
		} else if (act === 'draft') {
			b.disabled = true;
			try {
				const d = await api.get(`${path}/assist/draft?audience=${encodeURIComponent(quAudience.value)}`);
				quText.value = d.text || '';
				quMsg.classList.remove('error');
				text(quMsg, `AI draft for ${d.audience || quAudience.value} (${d.source || 'assistant'}${d.model ? ' · ' + d.model : ''}) — nothing is published until you press Publish: read and edit it first.`);
				quText.focus();
			} catch (err) {
				text(quMsg, describe(err));
				if (isMissing(err)) b.hidden = true;
			}
			b.disabled = false;
		} else if (act === 'brief') {
			await loadAssist('brief');
			if (ui.assist.brief === null) {
				ui.flash.alert = null;
				text(status, 'The exec brief is not available on this server yet.');
			}
		} else if (act === 'suggest') loadAssist('suggestion');
		else if (act === 'confirm-severity') {
			const inc = store.incident;
			try {
				store.putIncident(await api.patch(path, {severity: inc.severity}, {ifMatch: inc.version}));
			} catch (err) {
				if (err.code === 'version_conflict') {
					const latest = await api.get(path);
					store.putIncident(latest);
					text(cmdErr, 'The incident changed meanwhile — check the severity and confirm again.');
				} else text(cmdErr, describe(err));
			}
		}
	}));

	offs.push(delegate(root, 'click', 'button[data-rstate]', async (e, b) => {
		b.disabled = true;
		text(rErr, '');
		try {
			store.putResponder(await api.patch(`${path}/responders/${b.dataset.rid}`, {state: b.dataset.rstate}));
		} catch (err) {
			text(rErr, describe(err));
			b.disabled = false;
		}
	}));

	offs.push(delegate(root, 'change', 'input[data-toggle]', async (e, box) => {
		const inc = store.incident;
		const name = box.dataset.toggle;
		const original = inc[name];
		ui.flash.alert = null;
		try {
			await patchSave(name)(box.checked, {base: inc.version, original});
		} catch (err) {
			ui.flash.alert = err instanceof Conflict ? `Someone else changed ${name} meanwhile; it is now ${err.theirs ? 'on' : 'off'}.` : describe(err);
			renderSection('alert');
		}
	}));

	tlFilter.addEventListener('change', () => {
		ui.tlType = tlFilter.value;
		ui.tlLimit = TL_WINDOW;
		renderTimeline(null);
	});
	tlOrder.addEventListener('change', () => {
		ui.tlOrder = tlOrder.value;
		renderTimeline(null);
	});

	noteForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		const t = noteText.value.trim();
		if (!t) return noteText.focus();
		if (await postEntry({type: 'action', text: t, visibility: noteVis.value}, noteErr)) noteText.value = '';
	});
	noteText.addEventListener('keydown', (e) => {
		if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			noteForm.requestSubmit();
		}
	});

	phaseNoteForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		const t = phaseNote.value.trim();
		if (!t || !store.incident) return phaseNote.focus();
		const n = store.incident.phase.number;
		if (await postEntry({type: 'action', text: `[${PHASES[n].name}] ${t}`, payload: {phaseNote: n}}, cmdErr)) phaseNote.value = '';
	});

	overrideForm.addEventListener('submit', (e) => {
		e.preventDefault();
		const reason = overrideReason.value.trim();
		if (!reason) {
			text(cmdErr, 'An override needs a reason; it is recorded on the timeline.');
			overrideReason.focus();
			return;
		}
		advance(reason);
	});

	reopenForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		const reason = reopenReason.value.trim();
		if (!reason) return reopenReason.focus();
		try {
			store.putIncident(await api.post(`${path}/reopen`, {reason}));
			reopenReason.value = '';
		} catch (err) {
			text(cmdErr, describe(err));
		}
	});

	quAudience.addEventListener('change', () => text(quHint, approvalHint(store.incident, quAudience.value)));
	quKind.addEventListener('change', () => {
		quNext.disabled = quKind.value === 'resolution';
	});
	quForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		const bodyText = quText.value.trim();
		if (!bodyText) {
			text(quMsg, 'Write the update first (or use the holding update).');
			return quText.focus();
		}
		const body = {body: bodyText, audience: quAudience.value, kind: quKind.value};
		if (quKind.value !== 'resolution') body.nextUpdateEta = isoIn(Number(quNext.value));
		if (quStatus.value) body.status = quStatus.value;
		if (await publish(body)) {
			quText.value = '';
			quStatus.value = '';
		}
	});

	rForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		const who = rPerson.value.trim();
		if (!who) return rPerson.focus();
		const body = {person: who, state: rState.value};
		if (rRole.value) body.role = rRole.value;
		text(rErr, '');
		try {
			store.putResponder(await api.post(`${path}/responders`, body));
			rPerson.value = '';
		} catch (err) {
			text(rErr, describe(err));
		}
	});

	// ---- load ----
	async function loadTimeline() {
		const all = [];
		let after = 0;
		for (;;) {
			const page = await api.get(`${path}/timeline?after=${after}&limit=${TIMELINE_PAGE}`);
			all.push(...(page.entries || []));
			if (!page.nextAfter) break;
			after = page.nextAfter;
		}
		return all;
	}

	async function load() {
		performance.mark('fireground:load');
		store.setFocus(id);
		const known = store.incident;
		if (!known) text(status, 'Loading…');
		if (store.stream) await store.stream.whenOpen(1500);
		try {
			const [incident, timeline, updates, responders] = await Promise.all([
				api.get(path), loadTimeline(), api.get(path + '/updates'), api.get(path + '/responders')]);
			if (dead) return;
			store.load({incident, timeline, updates: updates.updates || [], responders: responders.responders || []});
			performance.mark('fireground:rendered');
			performance.measure('fireground:ready', 'fireground:load', 'fireground:rendered');
			root.dataset.ready = 'true';
		} catch (err) {
			if (dead) return;
			ui.notFound = err instanceof ApiError && err.status === 404 ? `No incident ${id}.` : `Cannot load ${id}: ${describe(err)}`;
			renderAll();
			return;
		}
		loadAssist('suggestion');
	}
	load();

	return {
		unmount() {
			dead = true;
			clearTimeout(ui.sugTimer);
			cmd.unmount();
			editor.destroy();
			for (const f of offs) f();
			document.body.classList.remove('has-tiles');
			if (store.focus === id) store.focus = null;
		},
		shortcut(key) {
			if (key === 'a') {
				const b = root.querySelector('button[data-act="advance"]');
				if (b) {
					b.scrollIntoView({block: 'center'});
					b.focus();
				}
				return !!b;
			}
			if (key === 'u') {
				quText.scrollIntoView({block: 'center'});
				quText.focus();
				return true;
			}
			if (key === 'c') {
				const t = root.querySelector('form[data-form="can"] input[name="team"]');
				if (t && !t.closest('[hidden]')) {
					t.scrollIntoView({block: 'center'});
					t.focus();
				}
				return !!t;
			}
			if (key === 'n') {
				noteText.scrollIntoView({block: 'center'});
				noteText.focus();
				return true;
			}
			return false;
		},
	};
}
