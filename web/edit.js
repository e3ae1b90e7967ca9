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
		this.active = null;
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

	// True when the element holds the open editor (its section must not be re-rendered).
	holds(el) {
		return !!(this.active && el && el.contains(this.active.wrap));
	}

	open(display) {
		if (this.active) this.commit();
		const key = display.dataset.edit;
		const spec = this.specFor(key);
		if (!spec) return;
		const control = this.control(spec);
		const error = h('p.ed-error', {role: 'alert'});
		const notice = h('div.ed-notice', {role: 'status'});
		const hint = spec.kind === 'multi' ? 'Ctrl+Enter or click away saves · Esc cancels'
			: spec.kind === 'select' ? 'Enter or click away saves · Esc cancels'
				: 'Enter saves · Esc cancels';
		const wrap = h('div.editing', {'data-editing': key}, control, h('small.hint', hint), notice, error);
		display.replaceWith(wrap);
		this.active = {key, spec, display, wrap, control, error, notice, original: spec.value,
			base: spec.base, busy: false};
		wrap.addEventListener('keydown', (e) => this.keydown(e));
		wrap.addEventListener('focusout', (e) => {
			if (e.relatedTarget && wrap.contains(e.relatedTarget)) return;
			// Let a click on the notice's buttons land first.
			setTimeout(() => {
				if (this.active && this.active.wrap === wrap && !wrap.contains(document.activeElement) && !this.active.conflict)
					this.commit();
			}, 0);
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

	keydown(e) {
		if (!this.active) return;
		const kind = this.active.spec.kind;
		if (e.key === 'Escape') {
			e.preventDefault();
			e.stopPropagation();
			this.close();
		} else if (e.key === 'Enter' && e.target === this.active.control &&
			(kind !== 'multi' || e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			this.commit();
		}
	}

	read() {
		const {spec, control} = this.active;
		const raw = control.value;
		if (spec.parse) return spec.parse(raw);
		return raw;
	}

	async commit(force = false) {
		const a = this.active;
		if (!a || a.busy) return;
		let value;
		try {
			value = this.read();
		} catch (err) {
			text(a.error, err.message);
			return;
		}
		if (!force && asText(value) === asText(a.original)) {
			this.close();
			return;
		}
		a.busy = true;
		a.control.disabled = true;
		text(a.error, '');
		try {
			await a.spec.save(value, {base: a.base, original: a.original, force});
			if (this.active === a) this.close();
		} catch (err) {
			if (this.active !== a) return;
			a.busy = false;
			a.control.disabled = false;
			if (err instanceof Conflict) this.showConflict(err);
			else {
				text(a.error, describe(err));
				a.control.focus();
			}
		}
	}

	showConflict(err) {
		const a = this.active;
		a.conflict = true;
		a.notice.replaceChildren(
			h('strong', 'Edit conflict. '),
			'Someone else changed this while you were editing. Now: ',
			h('q.theirs', asText(err.theirs) || '(empty)'),
			h('div.row',
				h('button.btn.warn', {type: 'button', 'data-act': 'mine'}, 'Save mine anyway'),
				h('button.btn', {type: 'button', 'data-act': 'theirs'}, 'Keep theirs')));
		a.notice.classList.add('conflict');
		a.notice.addEventListener('click', (e) => {
			const b = e.target.closest('button[data-act]');
			if (!b || this.active !== a) return;
			a.conflict = false;
			if (b.dataset.act === 'theirs') this.close();
			else this.commit(true);
		});
		a.control.focus();
	}

	// Called by the view when the record changed under an open editor.
	remoteChanged(current) {
		const a = this.active;
		if (!a || a.conflict || asText(current) === asText(a.original)) return;
		a.notice.replaceChildren(h('strong', 'Changed elsewhere: '), h('q.theirs', asText(current) || '(empty)'),
			' — saving will ask before overwriting.');
	}

	close() {
		const a = this.active;
		if (!a) return;
		this.active = null;
		const hadFocus = a.wrap.contains(document.activeElement);
		a.wrap.replaceWith(a.display);
		if (hadFocus) a.display.focus();
		this.onClose(a.key, a.display);
	}
}
