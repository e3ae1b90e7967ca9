// dom — the few DOM helpers every view uses.  User text only ever goes in through
// textContent or .value: h() turns string children into text nodes and never parses HTML.

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open', 'indeterminate']);

// h('button.primary', {type: 'button', 'aria-label': 'Advance phase'}, 'Advance')
// The tag may carry an #id and .classes ('h2#title.big'); attrs may be omitted; null/false/undefined children are skipped.
export function h(tag, attrs, ...children) {
	if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
		children.unshift(attrs);
		attrs = {};
	}
	const [head, ...classes] = tag.split('.');
	const [name, id] = head.split('#');
	const el = document.createElement(name || 'div');
	if (id) el.id = id;
	if (classes.length) el.className = classes.join(' ');
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false) continue;
		if (k === 'class') el.className = (el.className ? el.className + ' ' : '') + v;
		else if (k === 'text') el.textContent = v;
		else if (PROPS.has(k)) el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false || c === true) continue;
		if (Array.isArray(c)) append(el, c);
		else if (c instanceof Node) el.appendChild(c);
		else el.appendChild(document.createTextNode(String(c)));
	}
}

// Listens on a stable container for events on descendants matching `selector`.
// Returns the function that removes the listener.
export function delegate(root, type, selector, handler, options) {
	const listener = (event) => {
		const target = event.target instanceof Element ? event.target.closest(selector) : null;
		if (target && root.contains(target)) handler(event, target);
	};
	root.addEventListener(type, listener, options);
	return () => root.removeEventListener(type, listener, options);
}

// Sets the text of an element (the only way user text reaches the page).
export function text(el, value) {
	const s = value === null || value === undefined ? '' : String(value);
	if (el.textContent !== s) el.textContent = s;
	return el;
}

// Replaces an element's children.
export function fill(el, ...children) {
	const frag = document.createDocumentFragment();
	append(frag, children);
	el.replaceChildren(frag);
	return el;
}

let uid = 0;
export function nextId(prefix = 'f') {
	uid += 1;
	return `${prefix}-${uid}`;
}

// A labelled form control: <label for=…>Label</label> + control, wrapped.
export function field(label, control, hint) {
	const id = control.id || nextId('in');
	control.id = id;
	return h('div.field', h('label', {for: id}, label), control, hint ? h('small.hint', hint) : null);
}
