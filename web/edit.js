// edit — click-to-edit for every field on the fireground.
//
// A display element carries data-edit="<key>" (role=button, focusable).  Clicking it (or
// Enter/Space on it) swaps in an input; Enter saves a single-line field, clicking away
// saves any field, Ctrl+Enter saves a multi-line one, Escape cancels.  The view supplies
// spec(key) → {label, kind, value, save(value, ctx), options?}.  save() rejects with a
// Conflict when someone else changed the field meanwhile: the editor then shows their
// value beside yours and lets you choose — it never overwrites silently.
import {h, delegate, text} from './dom.js';
import {describe} from './api.js';

export class Conflict extends Error {
	constructor(theirs, message) {
		super(message || 'someone else changed this while you were editing');
		this.theirs = theirs;
	}
}

// The display side: what a view renders for an editable value.
// A heading keeps its role (and its text as its name) and is described as editable;
// every other field is a button named "Edit <label>".
export function editable(key, label, content, {tag = 'div', cls = '', empty = 'click to set', heading = false} = {}) {
	const blank = content === null || content === undefined || content === '' ||
		(Array.isArray(content) && content.length === 0);
	const attrs = heading
		? {'aria-describedby': 'ed-hint', title: `Click to edit the ${label}`}
		: {role: 'button', 'aria-label': `Edit ${label}`, title: 'Click to edit'};
	return h(`${tag}.ed`, {class: cls || null, 'data-edit': key, tabindex: '0', ...attrs},
		blank ? h('span.placeholder', empty) : content);
}

const asText = (v) => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v));

export class Editor {
	constructor(root, specFor, onClose) {
		this.root = root;
		this.specFor = specFor;
		this.onClose = onClose;
		this.active = null;          // the editor last opened
		this.editors = new Set();    // every editor still on the page (saving, or showing a conflict)
		this.off = [
			delegate(root, 'click', '[data-edit]', (e, el) => {
				if (e.target.closest('a')) return;
				this.open(el);
			}),
			delegate(root, 'keydown', '[data-edit]', (e, el) => {
				if (e.target !== el || (e.key !== 'Enter' && e.key !== ' ')) return;
				e.preventDefault();
				this.open(el);
			}),
		];
	}

	destroy() {
		for (const f of this.off) f();
	}

	// True when the element holds an open editor (its section must not be re-rendered).
	holds(el) {
		if (!el) return false;
		for (const a of this.editors) if (el.contains(a.wrap)) return true;
		return false;
	}

	open(display) {
		const key = display.dataset.edit;
		const spec = this.specFor(key);
		if (!spec) return;
		// Clicking another field saves the one being edited (click-away), then edits this one.
		if (this.active && !this.active.conflict) this.commit(this.active);
		const control = this.control(spec);
		const error = h('p.ed-error', {role: 'alert'});
		const notice = h('div.ed-notice', {role: 'status'});
		const hint = spec.kind === 'multi' ? 'Ctrl+Enter or click away saves · Esc cancels'
			: spec.kind === 'select' ? 'Enter or click away saves · Esc cancels'
				: 'Enter saves · Esc cancels';
		const wrap = h('div.editing', {'data-editing': key}, control, h('small.hint', hint), notice, error);
		display.replaceWith(wrap);
		const a = {key, spec, display, wrap, control, error, notice, original: spec.value, base: spec.base,
			busy: false, conflict: false};
		this.active = a;
		this.editors.add(a);
		wrap.addEventListener('keydown', (e) => this.keydown(a, e));
		wrap.addEventListener('focusout', (e) => {
			if (e.relatedTarget && wrap.contains(e.relatedTarget)) return;
			// Let a click on the notice's buttons land first.
			setTimeout(() => {
				if (this.editors.has(a) && !wrap.contains(document.activeElement) && !a.conflict) this.commit(a);
			}, 0);
		});
		notice.addEventListener('click', (e) => {
			const b = e.target.closest('button[data-act]');
			if (!b || !this.editors.has(a)) return;
			a.conflict = false;
			if (b.dataset.act === 'theirs') this.close(a);
			else this.commit(a, true);
		});
		control.focus();
		if (control.select && spec.kind !== 'select') control.select();
	}

	control(spec) {
		const attrs = {'aria-label': spec.label, class: 'ed-input'};
		const v = spec.value;
		switch (spec.kind) {
		case 'multi':
			return h('textarea', {...attrs, rows: Math.min(12, Math.max(3, asText(v).split('\n').length + 1)), value: asText(v)});
		case 'select':
			return h('select', attrs, spec.options.map((o) => h('option', {value: o.value, selected: o.value === v}, o.label)));
		case 'number':
			return h('input', {...attrs, type: 'number', min: '0', inputmode: 'numeric', value: asText(v)});
		case 'datetime':
			return h('input', {...attrs, type: 'datetime-local', value: spec.display ? spec.display(v) : asText(v)});
		case 'url':
			return h('input', {...attrs, type: 'url', value: asText(v), placeholder: 'https://…'});
		default:
			return h('input', {...attrs, type: 'text', value: asText(v), autocomplete: 'off'});
		}
	}

	keydown(a, e) {
		const kind = a.spec.kind;
		if (e.key === 'Escape') {
			e.preventDefault();
			e.stopPropagation();
			this.close(a);
		} else if (e.key === 'Enter' && e.target === a.control && (kind !== 'multi' || e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			this.commit(a);
		}
	}

	async commit(a, force = false) {
		if (!this.editors.has(a) || a.busy) return;
		let value;
		try {
			value = a.spec.parse ? a.spec.parse(a.control.value) : a.control.value;
		} catch (err) {
			text(a.error, err.message);
			return;
		}
		if (!force && asText(value) === asText(a.original)) {
			this.close(a);
			return;
		}
		a.busy = true;
		a.control.disabled = true;
		text(a.error, '');
		try {
			await a.spec.save(value, {base: a.base, original: a.original, force});
			this.close(a);
		} catch (err) {
			if (!this.editors.has(a)) return;
			a.busy = false;
			a.control.disabled = false;
			if (err instanceof Conflict) this.showConflict(a, err);
			else {
				text(a.error, describe(err));
				a.control.focus();
			}
		}
	}

	showConflict(a, err) {
		a.conflict = true;
		a.notice.replaceChildren(
			h('strong', 'Edit conflict. '),
			'Someone else changed this while you were editing. Now: ',
			h('q.theirs', asText(err.theirs) || '(empty)'),
			h('div.row',
				h('button.btn.warn', {type: 'button', 'data-act': 'mine'}, 'Save mine anyway'),
				h('button.btn', {type: 'button', 'data-act': 'theirs'}, 'Keep theirs')));
		a.notice.classList.add('conflict');
		a.control.focus();
	}

	// Called by the view when the record changed under open editors: `current(key)` is the
	// field's value now.
	remoteChanged(current) {
		for (const a of this.editors) {
			const now = current(a.key);
			if (a.conflict || asText(now) === asText(a.original)) continue;
			a.notice.replaceChildren(h('strong', 'Changed elsewhere: '), h('q.theirs', asText(now) || '(empty)'),
				' — saving will ask before overwriting.');
		}
	}

	close(a) {
		if (!this.editors.has(a)) return;
		this.editors.delete(a);
		if (this.active === a) this.active = null;
		const hadFocus = a.wrap.contains(document.activeElement);
		a.wrap.replaceWith(a.display);
		if (hadFocus) a.display.focus();
		this.onClose(a.key, a.display);
	}
}
