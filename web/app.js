// app — boots the console: the frame (top bar, clock, help), the one live stream, the
// store, and the router that mounts views/<view>.js into the frame.  Each view exports
// mount(root, store) and returns {unmount, shortcut?}.
import {Store} from './store.js';
import {LiveStream} from './sse.js';
import {api, actor, setActor, session, signOut, checkSignedIn} from './api.js';
import {h, delegate, text} from './dom.js';
import {tickAll, zoneName} from './time.js';

// Views load on demand, so a page carries only its own view's code.
const VIEWS = {
	new: () => import('./views/new.js'),
	fireground: () => import('./views/fireground.js'),
	admin: () => import('./views/admin.js'),
	exec: () => import('./views/exec.js'),
	// administration pages, one module each
	afteraction: () => import('./views/afteraction.js'),
	kpis: () => import('./views/kpis.js'),
	runcards: () => import('./views/runcards.js'),
	users: () => import('./views/users.js'),
	oncall: () => import('./views/oncall.js'),
	notifications: () => import('./views/notifications.js'),
};

const SHORTCUTS = [
	['?', 'Show this list'],
	['a', 'Advance phase (focuses the button — Enter confirms)'],
	['u', 'Quick update (focuses the update text)'],
	['n', 'New timeline note'],
	['c', 'New CAN report (focuses its Team)'],
	['/', 'Search incidents (incident list)'],
	['Esc', 'Cancel an edit · close this list'],
	['Click', 'Edit any field in place'],
	['Enter', 'Save a single-line field'],
	['Ctrl+Enter', 'Save a multi-line field (or click away)'],
];

function route(path) {
	const aa = /^\/admin\/incidents\/([^/]+)\/after-action\/?$/.exec(path);
	if (aa) return {name: 'afteraction', id: decodeURIComponent(aa[1]).toUpperCase()};
	const page = /^\/admin\/(kpis|runcards|users|oncall|notifications)\/?$/.exec(path);
	if (page) return {name: page[1]};
	const m = /^\/admin\/incidents\/([^/]+)\/?$/.exec(path);
	if (m) return {name: 'fireground', id: decodeURIComponent(m[1]).toUpperCase()};
	if (/^\/new\/?$/.test(path)) return {name: 'new'};
	if (/^\/exec\/?$/.test(path)) return {name: 'exec'};
	return {name: 'admin'};
}

function frame(store) {
	const you = h('input#you', {type: 'text', value: actor(), placeholder: 'your name', autocomplete: 'name',
		maxlength: '200', spellcheck: 'false'});
	const conn = h('span.conn', {role: 'status', 'aria-live': 'polite'}, 'connecting…');
	const help = h('dialog#help.help', {'aria-labelledby': 'help-title'},
		h('h2#help-title', 'Keyboard shortcuts'),
		h('table', h('tbody', SHORTCUTS.map(([k, d]) => h('tr', h('th', {scope: 'row'}, h('kbd', k)), h('td', d))))),
		h('form', {method: 'dialog'}, h('button.btn', {type: 'submit'}, 'Close')));
	const top = h('header.topbar',
		h('a.wordmark', {href: '/admin', 'data-nav': '', 'aria-label': 'MajorOps — incidents'}, '›MAJOR', h('span.ops', 'ops')),
		h('span.posture', {'aria-live': 'polite'}, ''),
		h('nav.nav', {'aria-label': 'Main'},
			h('a', {href: '/new', 'data-nav': ''}, 'New'),
			h('a', {href: '/admin', 'data-nav': ''}, 'Incidents'),
			h('a', {href: '/exec', 'data-nav': ''}, 'Exec')),
		h('span.topid', {'aria-label': 'Incident'}),
		h('span.spacer'),
		h('span.clock', {'aria-label': 'Clock'},
			h('span', h('abbr', {title: 'Coordinated Universal Time'}, 'UTC'), ' ', h('b', {'data-clock': 'utc'}, '--:--:--')),
			h('span', h('abbr', {title: 'Your time zone'}, zoneName()), ' ', h('b', {'data-clock': 'local'}, '--:--:--'))),
		conn,
		h('span.you', {hidden: true}, h('label', {for: 'you'}, 'You are'), you),
		h('span.whoami', {hidden: true}, h('span.whoami-name'), ' ', h('span.whoami-role'), ' ',
			h('a.whoami-users', {href: '/admin/users', 'data-nav': '', hidden: true}, 'Users'), ' ',
			h('button.btn.signout', {type: 'button'}, 'Sign out')),
		h('button.helpbtn', {type: 'button', 'aria-label': 'Keyboard shortcuts', 'aria-keyshortcuts': '?', title: 'Keyboard shortcuts (?)'}, '?'));
	const view = h('main#view.view', {tabindex: '-1'});
	return {top, view, help, you, conn};
}

function boot() {
	const root = document.getElementById('app');
	const store = new Store();
	const f = frame(store);
	root.replaceChildren(f.top, f.view, f.help);
	document.body.classList.add('ready');

	// Wartime/peacetime and the connection, from the store.
	const wordmark = f.top.querySelector('.wordmark');
	const posture = f.top.querySelector('.posture');
	const paint = (keys) => {
		if (keys.has('incidents')) {
			const war = store.wartime;
			wordmark.classList.toggle('wartime', war);
			document.body.classList.toggle('wartime', war);
			text(posture, war ? 'WARTIME' : 'PEACETIME');
			posture.className = 'posture ' + (war ? 'war' : 'peace');
		}
		if (keys.has('conn')) {
			const c = store.conn;
			f.conn.className = 'conn ' + c.state;
			text(f.conn, c.state === 'live' ? (c.resumed ? '● live — resumed' : '● live')
				: c.state === 'offline' ? 'offline — reconnecting' : 'connecting…');
		}
	};
	store.addEventListener('change', (e) => paint(e.detail.keys));
	paint(new Set(['incidents', 'conn']));

	// The one live connection for the page.
	const stream = new LiveStream({
		onEvent: (ev) => store.apply(ev),
		onStatus: (state, info) => {
			store.setConn(state, info);
			if (state === 'offline') checkSignedIn(); // a session that ended: sign in again
		},
	}).start();
	store.stream = stream;

	// Active incidents decide wartime; the list view loads the rest itself.
	api.get('/incidents?state=active&limit=200').then((r) => store.putIncidents(r.incidents || []), () => {});

	// Who is signed in (issue 7): the name, role and a sign-out button; the "You are" name
	// only when sign-in is off.
	session().then((s) => {
		const who = f.top.querySelector('.whoami');
		if (!s || s.auth === 'none') {
			f.top.querySelector('.you').hidden = false;
			return;
		}
		text(who.querySelector('.whoami-name'), s.display || s.user);
		text(who.querySelector('.whoami-role'), s.role);
		who.querySelector('.whoami-users').hidden = s.role !== 'admin';
		who.hidden = false;
		store.session = s;
	});
	f.top.querySelector('.signout').addEventListener('click', () => signOut());

	f.you.addEventListener('change', () => {
		f.you.value = setActor(f.you.value);
		store.emit(['actor']);
	});

	let current = null;
	let generation = 0;
	const mount = async () => {
		if (current && current.unmount) current.unmount();
		current = null;
		const mine = ++generation;
		const r = route(location.pathname);
		document.body.dataset.view = r.name;
		text(f.top.querySelector('.topid'), r.id || '');
		for (const a of f.top.querySelectorAll('.nav a'))
			a.toggleAttribute('aria-current', a.getAttribute('href') === location.pathname);
		let view;
		try {
			view = await VIEWS[r.name]();
		} catch (err) {
			f.view.replaceChildren(h('p.form-error', {role: 'alert'}, `Cannot load this view: ${err.message}. Reload the page.`));
			return;
		}
		if (mine !== generation) return;
		f.view.replaceChildren();
		current = view.mount(f.view, store, {id: r.id, navigate}) || {};
		tickAll(document);
	};
	const navigate = (path) => {
		if (path !== location.pathname) history.pushState(null, '', path);
		mount();
		window.scrollTo(0, 0);
	};
	store.navigate = navigate;
	window.addEventListener('popstate', mount);
	delegate(document, 'click', 'a[data-nav], a[href^="/admin"], a[href="/new"], a[href="/exec"]', (e, a) => {
		if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
		if (a.target && a.target !== '_self') return;
		e.preventDefault();
		navigate(a.getAttribute('href'));
	});

	// Shortcuts: ignored while typing; '?' is global, the rest go to the view.
	f.top.querySelector('.helpbtn').addEventListener('click', () => f.help.showModal());
	f.help.addEventListener('close', () => {
		const el = document.activeElement;
		if (!el || el === document.body || f.help.contains(el)) f.view.focus({preventScroll: true});
	});
	document.addEventListener('keydown', (e) => {
		if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
		const t = e.target;
		if (t instanceof Element && t.closest('input, textarea, select, [contenteditable], dialog')) return;
		if (e.key === '?') {
			e.preventDefault();
			f.help.showModal();
			return;
		}
		if (current && current.shortcut && current.shortcut(e.key)) e.preventDefault();
	});

	mount();
	// One clock for the page, aligned to the second so every display turns over together.
	const tick = () => {
		tickAll(document);
		setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
	};
	tick();
	window.__majorops = {store, stream, navigate};
}

boot();
