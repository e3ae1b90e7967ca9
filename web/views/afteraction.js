// views/afteraction — the After Action review of one incident (issue 10, SPEC §14):
// the document generated from the record, shown section by section and edited in place
// (PATCH …/after-action with If-Match: its version), its state draft → review → published
// (the published copy is frozen: nothing is editable), the timeline cited by entry id, the
// phase Gantt (server-rendered SVG), the action items (one named owner, a due date, a
// priority, a tracker link; states forward only, won't do with a reason) and the exports.
// Live: an afterAction.changed or action.changed event of this incident reloads the page's
// data (the stream delivers them through store.stream).
import {h, text, fill, delegate, field} from '../dom.js';
import {api, describe, API_BASE} from '../api.js';
import {timeEl, tickAll, fromLocalInput, duration} from '../time.js';

const SECTIONS = [
	['summary', 'Summary'],
	['impact', 'Impact'],
	['rootCause', 'Root cause'],
	['contributingFactors', 'Contributing factors'],
	['wentWell', 'What went well'],
	['wentPoorly', 'What went poorly'],
];
const STATES = {draft: 'Draft', review: 'In review', published: 'Published'};
const ACTION_STATES = [['open', 'Open'], ['in_progress', 'In progress'], ['done', 'Done'], ['wont_do', "Won't do"]];
const ACTION_ORDER = ACTION_STATES.map(([k]) => k);

const secs = (v) => (typeof v === 'number' ? duration(v * 1000) : '—');

export function mount(root, store, {id}) {
	let dead = false;
	let doc = null;
	let items = [];
	let editing = null;        // the section being edited, or 'timeline' / 'tags'
	let timelineAll = null;    // every entry, while choosing the cited ones
	let gen = 0;               // cache-buster of the Gantt image
	const base = `/incidents/${encodeURIComponent(id)}`;
	const msg = h('p.form-msg', {role: 'status', 'aria-live': 'polite'});
	const err = h('p.form-error', {role: 'alert'});
	const head = h('div.aa-head');
	const body = h('div.aa-body');
	root.append(h('section.panel.aa', {'aria-labelledby': 'aa-title', 'data-ready': 'false'},
		h('div.list-head', h('h1#aa-title', `After Action — ${id}`), h('span.spacer'),
			h('a.btn', {href: `/admin/incidents/${encodeURIComponent(id)}`, 'data-nav': ''}, '← Fireground')),
		head, err, msg, body));
	const panel = root.querySelector('.aa');

	const frozen = () => doc && doc.state === 'published';
	const say = (s) => text(msg, s);
	const fail = (e) => {
		text(err, describe(e));
		// Someone else saved meanwhile: take their version; an open edit keeps its text,
		// so Save again writes it over theirs (a choice the message leaves to the person).
		if (e && e.code === 'version_conflict') load({keepEdit: true});
	};

	async function load({keepEdit = false} = {}) {
		try {
			const [d, a] = await Promise.all([api.get(`${base}/after-action`), api.get(`${base}/actions`)]);
			if (dead) return;
			doc = d;
			items = a.actions || [];
			gen += 1;
			if (keepEdit && editing) {
				text(err, `${err.textContent} Your text is kept: Save again to write it over theirs, or Cancel.`);
				return;
			}
			render();
		} catch (e) {
			if (!dead) fail(e);
		}
	}

	// One PATCH of the document, sent with the version this page shows.
	async function patch(change, done) {
		text(err, '');
		try {
			doc = await api.patch(`${base}/after-action`, change, {ifMatch: doc.version});
			editing = null;
			timelineAll = null;
			gen += 1;
			say(done);
			render();
		} catch (e) {
			fail(e);
		}
	}

	function renderHead() {
		const st = doc.state;
		const exports = h('nav.aa-exports', {'aria-label': 'Exports'},
			h('a', {href: `${API_BASE}${base}/after-action.html`, target: '_blank', rel: 'noopener'}, 'HTML'),
			h('a', {href: `${API_BASE}${base}/after-action.md`, target: '_blank', rel: 'noopener'}, 'Markdown'),
			h('a', {href: `${API_BASE}${base}/export`, target: '_blank', rel: 'noopener'}, 'JSON record'),
			doc.reviewAt ? h('a', {href: `${API_BASE}${base}/after-action.ics`, download: `${id}-after-action.ics`}, 'Calendar invitation (.ics)') : null);
		fill(head,
			h('p.aa-title', doc.title, doc.drill ? h('span.flag.drill', 'DRILL') : null),
			h('div.aa-state',
				h('span.aa-badge', {class: 'aa-' + st, 'aria-label': `State: ${STATES[st] || st}`}, STATES[st] || st),
				h('span.dim', ` version ${doc.version}`),
				doc.updatedBy ? h('span.dim', ' · last edit by ', doc.updatedBy, ' ', timeEl(doc.updatedAt)) : null,
				h('span.dim', ' · review meeting '), doc.reviewAt ? timeEl(doc.reviewAt) : h('span.warntext', 'not scheduled'),
				h('span.spacer'),
				st === 'draft' ? h('button.btn', {type: 'button', 'data-state': 'review'}, 'Move to review') : null,
				st === 'review' ? h('button.btn', {type: 'button', 'data-state': 'draft'}, 'Back to draft') : null,
				st === 'review' ? h('button.btn.primary', {type: 'button', 'data-state': 'published'}, 'Publish') : null),
			frozen() ? h('p.aa-frozen', {role: 'note'}, 'Published ', timeEl(doc.publishedAt),
				' — this version is frozen and read-only. Action items are still tracked to done below.') : null,
			exports);
	}

	function sectionEl(name, label) {
		const s = (doc.sections || {})[name] || {text: '', edited: false};
		const hid = `aa-h-${name}`;
		const parts = [h('h2', {id: hid}, label, ' ', h('span.aa-src', s.edited ? 'edited' : 'generated'))];
		if (editing === name) {
			const ta = h('textarea.aa-edit', {'aria-label': label, rows: '8', maxlength: '10000'});
			ta.value = s.text || '';
			parts.push(h('form.aa-form', {'data-form': name, 'aria-label': `Edit ${label}`}, ta,
				h('div.acts',
					h('button.btn.primary', {type: 'submit'}, 'Save'),
					h('button.btn', {type: 'button', 'data-cancel': ''}, 'Cancel'),
					s.edited ? h('button.btn.ghost', {type: 'button', 'data-generated': name}, 'Use the generated text') : null)));
			setTimeout(() => ta.focus(), 0);
		} else {
			parts.push(h('p.aa-text', s.text || h('span.dim', 'empty')));
			if (!frozen()) parts.push(h('button.btn.small', {type: 'button', 'data-edit': name, 'aria-label': `Edit ${label}`}, 'Edit'));
		}
		if (name === 'impact' && s.facts) {
			const f = s.facts;
			parts.push(h('dl.kvs.aa-facts',
				h('dt', 'Customers'), h('dd', f.customers === null || f.customers === undefined ? '—' : String(f.customers)),
				h('dt', 'Duration'), h('dd', secs(f.impactSeconds)),
				h('dt', 'Systems'), h('dd', (f.systems || []).join(', ') || '—'),
				h('dt', 'External impact'), h('dd', f.externalImpact ? 'yes' : 'no')));
		}
		if (name === 'rootCause') parts.push(tagsEl());
		return h('section.aa-sec', {'aria-labelledby': hid, 'data-section': name}, parts);
	}

	function tagsEl() {
		const tags = doc.rootCauseTags || [];
		if (editing === 'tags') {
			const input = h('input', {type: 'text', value: tags.join(', '), maxlength: '900',
				placeholder: 'e.g. certificate expiry, config drift'});
			setTimeout(() => input.focus(), 0);
			return h('form.aa-form', {'data-form': 'tags', 'aria-label': 'Edit root-cause tags'},
				field('Root-cause tags (comma-separated)', input),
				h('div.acts', h('button.btn.primary', {type: 'submit'}, 'Save tags'), h('button.btn', {type: 'button', 'data-cancel': ''}, 'Cancel')));
		}
		return h('div.aa-tags', h('span.dim', 'Root-cause tags: '),
			tags.length ? h('ul.aa-taglist', {'aria-label': 'Root-cause tags'}, tags.map((t) => h('li.chip', t))) : h('span.dim', 'none'),
			frozen() ? null : h('button.btn.small', {type: 'button', 'data-edit': 'tags', 'aria-label': 'Edit root-cause tags'}, 'Edit tags'));
	}

	function timelineEl() {
		const tl = doc.timeline || {entries: []};
		const cited = new Set(tl.entries.map((e) => e.entry));
		const parts = [h('h2#aa-h-timeline', 'Timeline ', h('span.aa-src', tl.edited ? 'chosen entries' : 'default selection')),
			h('p.hint', 'The timeline of record, cited by entry id — never rewritten. A correction is a new entry.')];
		if (editing === 'timeline' && timelineAll) {
			parts.push(h('form.aa-form', {'data-form': 'timeline', 'aria-label': 'Choose the cited entries'},
				h('ul.aa-choose', timelineAll.map((e) => h('li', h('label',
					h('input', {type: 'checkbox', value: String(e.id), checked: cited.has(e.id)}),
					` #${e.id} `, h('span.dim', `${e.type} · ${e.author || ''} · `), e.text)))),
				h('div.acts', h('button.btn.primary', {type: 'submit'}, 'Cite these entries'),
					h('button.btn', {type: 'button', 'data-cancel': ''}, 'Cancel'),
					h('button.btn.ghost', {type: 'button', 'data-generated': 'timeline'}, 'Default selection'))));
		} else {
			parts.push(h('table.aa-table', {'aria-label': 'Cited timeline entries'},
				h('thead', h('tr', ['Entry', 'Time', 'Type', 'Author', 'Text'].map((c) => h('th', {scope: 'col'}, c)))),
				h('tbody', tl.entries.map((e) => h('tr', {'data-entry': String(e.entry)},
					h('td.mono', `#${e.entry}`), h('td', timeEl(e.at)), h('td', e.type), h('td', e.author || ''),
					h('td', e.text, e.amends ? h('span.dim', ` (corrects #${e.amends})`) : null,
						e.amendedBy && e.amendedBy.length ? h('span.dim', ` (corrected by ${e.amendedBy.map((x) => '#' + x).join(', ')})`) : null))))));
			if (!frozen()) parts.push(h('button.btn.small', {type: 'button', 'data-edit': 'timeline', 'aria-label': 'Choose the cited entries'}, 'Choose entries'));
		}
		return h('section.aa-sec', {'aria-labelledby': 'aa-h-timeline'}, parts);
	}

	function delaysEl() {
		const d = doc.delays || {};
		return h('section.aa-sec', {'aria-labelledby': 'aa-h-delays'},
			h('h2#aa-h-delays', 'Detection and escalation'),
			h('dl.kvs',
				h('dt', 'Detection delay'), h('dd', secs(d.detectionSeconds)),
				h('dt', 'Escalation delay'), h('dd', secs(d.escalationSeconds)),
				h('dt', 'To first CAN'), h('dd', secs(d.toFirstCanSeconds)),
				h('dt', 'To first milestone'), h('dd', secs(d.toFirstMilestoneSeconds)),
				h('dt', 'To resolution'), h('dd', secs(d.toResolveSeconds))),
			h('table.aa-table', {'aria-label': 'Clocks'},
				h('thead', h('tr', ['Clock', 'Time', 'Since start'].map((c) => h('th', {scope: 'col'}, c)))),
				h('tbody', (doc.clocks || []).map((c) => h('tr', h('td', c.label), h('td', timeEl(c.at)), h('td.mono', secs(c.sinceStartSeconds)))))),
			h('figure.aa-gantt',
				h('img', {src: `${API_BASE}${base}/after-action.svg?v=${doc.version}.${gen}`, alt: `Phase Gantt chart of ${id}`, loading: 'lazy'}),
				h('figcaption',
					h('table.aa-table', {'aria-label': 'Phases'},
						h('thead', h('tr', ['Phase', 'Entered', 'Left', 'Duration'].map((c) => h('th', {scope: 'col'}, c)))),
						h('tbody', (doc.phases || []).map((p) => h('tr', h('td', `${p.number} ${p.name}`), h('td', timeEl(p.enteredAt)),
							h('td', p.leftAt ? timeEl(p.leftAt) : h('span.dim', p.ongoing ? 'ongoing' : '—')), h('td.mono', secs(p.seconds)))))))));
	}

	function itemRow(a) {
		const i = ACTION_ORDER.indexOf(a.state);
		const closed = a.state === 'done' || a.state === 'wont_do';
		const next = ACTION_STATES.filter(([k], j) => j > i && !(k === 'wont_do' && a.nonNegotiable));
		return h('tr', {'data-action': String(a.id), class: a.overdue ? 'overdue' : null},
			h('td.mono', `#${a.id}`),
			h('td', a.title, a.nonNegotiable ? h('span.flag.nonneg', {title: 'From a critical incident: it is done, not declined'}, 'NON-NEGOTIABLE') : null),
			h('td', a.owner),
			h('td', timeEl(a.dueDate), a.overdue ? h('span.warntext', ' overdue') : null),
			h('td', a.priority),
			h('td', h('span.aa-astate', (ACTION_STATES.find(([k]) => k === a.state) || [a.state, a.state])[1]),
				a.reason ? h('span.dim', ` — ${a.reason}`) : null),
			h('td', a.trackerUrl ? h('a', {href: a.trackerUrl, target: '_blank', rel: 'noopener noreferrer'}, 'tracker') : h('span.dim', '—')),
			h('td', closed || !next.length ? null : h('form.aa-move', {'data-move': String(a.id), 'aria-label': `Change the state of action item ${a.id}`},
				h('select', {'aria-label': `New state of action item ${a.id}`}, next.map(([k, l]) => h('option', {value: k}, l))),
				h('input', {type: 'text', 'aria-label': `Reason for action item ${a.id}`, placeholder: "reason (won't do)", maxlength: '2000'}),
				h('button.btn.small', {type: 'submit'}, 'Apply'))));
	}

	function actionsEl() {
		const title = h('input', {type: 'text', maxlength: '200', required: true});
		const owner = h('input', {type: 'text', maxlength: '200', required: true, placeholder: 'one named person'});
		const due = h('input', {type: 'datetime-local', required: true});
		const prio = h('select', ['high', 'medium', 'low'].map((p) => h('option', {value: p}, p)));
		const tracker = h('input', {type: 'url', maxlength: '2000', placeholder: 'https://…'});
		return h('section.aa-sec', {'aria-labelledby': 'aa-h-actions'},
			h('h2#aa-h-actions', 'Action items'),
			items.length ? h('table.aa-table.aa-actions', {'aria-label': 'Action items'},
				h('thead', h('tr', ['#', 'Title', 'Owner', 'Due', 'Priority', 'State', 'Tracker', 'Change'].map((c) => h('th', {scope: 'col'}, c)))),
				h('tbody', items.map(itemRow)))
				: h('p.empty', 'No action items yet.'),
			h('form.aa-add', {'data-form': 'action', 'aria-label': 'Add an action item'},
				field('Title', title), field('Owner', owner), field('Due date', due), field('Priority', prio), field('Tracker link', tracker),
				h('div.acts', h('button.btn.primary', {type: 'submit'}, 'Add action item'))));
	}

	function relatedEl() {
		const rel = doc.related || [];
		return h('section.aa-sec', {'aria-labelledby': 'aa-h-related'},
			h('h2#aa-h-related', 'Related incidents (recurrence)'),
			rel.length ? h('ul.aa-related', rel.map((r) => h('li',
				h('a', {href: `/admin/incidents/${r.id}`, 'data-nav': ''}, r.id), ' ', r.title, ' ',
				h('span.dim', [(r.systems || []).length ? `systems: ${r.systems.join(', ')}` : null,
					(r.tags || []).length ? `tags: ${r.tags.join(', ')}` : null, r.status].filter(Boolean).join(' · ')))))
				: h('p.empty', 'No other incident shares an affected system or a root-cause tag.'));
	}

	function render() {
		if (!doc) return;
		renderHead();
		fill(body, sectionEl('summary', 'Summary'), timelineEl(), ...SECTIONS.slice(1, 4).map(([n, l]) => sectionEl(n, l)),
			delaysEl(), ...SECTIONS.slice(4).map(([n, l]) => sectionEl(n, l)), actionsEl(), relatedEl());
		panel.dataset.ready = 'true';
		panel.dataset.state = doc.state;
		tickAll(root);
	}

	const offClick = delegate(root, 'click', 'button', async (e, b) => {
		if (b.dataset.state) {
			await patch({state: b.dataset.state}, `After Action: ${STATES[b.dataset.state]}.`);
		} else if (b.dataset.edit) {
			text(err, '');
			editing = b.dataset.edit;
			if (editing === 'timeline') {
				try {
					const r = await api.get(`${base}/timeline?limit=1000`);
					timelineAll = (r.entries || []).filter((x) => x.type !== 'guardrail');
				} catch (ex) {
					editing = null;
					fail(ex);
				}
			}
			render();
		} else if (b.hasAttribute('data-cancel')) {
			editing = null;
			timelineAll = null;
			render();
		} else if (b.dataset.generated) {
			await patch({[b.dataset.generated]: null}, 'Back to the generated text.');
		}
	});

	const offSubmit = delegate(root, 'submit', 'form', async (e, f) => {
		e.preventDefault();
		text(err, '');
		const kind = f.dataset.form;
		if (f.dataset.move) {
			const sel = f.querySelector('select');
			const reason = f.querySelector('input').value.trim();
			const change = {state: sel.value};
			if (reason) change.reason = reason;
			try {
				await api.patch(`/actions/${f.dataset.move}`, change);
				say(`Action item #${f.dataset.move}: ${sel.value.replace('_', ' ')}.`);
				await load();
			} catch (ex) {
				fail(ex);
			}
		} else if (kind === 'action') {
			const [title, owner, due, prio, tracker] = f.querySelectorAll('input, select');
			const dueDate = fromLocalInput(due.value);
			const item = {title: title.value, owner: owner.value, dueDate, priority: prio.value};
			if (tracker.value.trim()) item.trackerUrl = tracker.value.trim();
			try {
				const a = await api.post(`${base}/actions`, item);
				say(`Action item #${a.id} added for ${a.owner}.`);
				await load();
			} catch (ex) {
				fail(ex);
			}
		} else if (kind === 'tags') {
			const tags = f.querySelector('input').value.split(',').map((t) => t.trim()).filter(Boolean);
			await patch({rootCauseTags: tags}, 'Root-cause tags saved.');
		} else if (kind === 'timeline') {
			const ids = [...f.querySelectorAll('input[type=checkbox]:checked')].map((c) => Number(c.value));
			await patch({timeline: ids}, `${ids.length} entries cited.`);
		} else if (kind) {
			await patch({[kind]: f.querySelector('textarea').value}, `${(SECTIONS.find(([n]) => n === kind) || [kind, kind])[1]} saved.`);
		}
	});

	// Escape leaves an edit.
	const onKey = (e) => {
		if (e.key === 'Escape' && editing) {
			editing = null;
			timelineAll = null;
			render();
		}
	};
	root.addEventListener('keydown', onKey);

	// Live: another person's edit or an item's change reloads.  Those events carry no
	// incident state, so the store emits nothing for them: the view watches lastEvent.
	let timer = null;
	let lastSeen = store.lastEvent;
	const onEvent = (ev) => {
		if (dead || !ev || ev.incident !== id) return;
		if (ev.type === 'afterAction.changed' || ev.type === 'action.changed' || ev.type === 'incident.updated') {
			clearTimeout(timer);
			timer = setTimeout(() => { if (!editing) load(); }, 150);
		}
	};
	const onChange = (e) => onEvent(e.detail && e.detail.event);
	store.addEventListener('change', onChange);
	const poll = setInterval(() => {
		const ev = store.lastEvent;
		if (ev && ev !== lastSeen) {
			lastSeen = ev;
			onEvent(ev);
		}
	}, 500);

	load();
	return {
		unmount() {
			dead = true;
			offClick();
			offSubmit();
			clearTimeout(timer);
			clearInterval(poll);
			root.removeEventListener('keydown', onKey);
			store.removeEventListener('change', onChange);
		},
	};
}
