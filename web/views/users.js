// views/users — accounts, API tokens and the audit log (/admin/users, issue 7; admin only,
// the server refuses everyone else with 403).  Users: add (name, display name, role,
// password), change role, disable / enable.  Tokens: create for a user with a role and an
// optional expiry — the token is shown this once — and revoke.  The audit log: newest first.
import {h, text, fill, field} from '../dom.js';
import {api, describe} from '../api.js';
import {timeEl} from '../time.js';

const ROLES = ['viewer', 'responder', 'mim', 'admin'];

const roleSelect = (value, label) =>
	h('select', {'aria-label': label}, ROLES.map((r) => h('option', {value: r, selected: r === value}, r)));

export function mount(root) {
	let dead = false;
	const err = h('p.form-error', {role: 'alert'});
	const usersBody = h('tbody');
	const tokensBody = h('tbody');
	const auditBody = h('tbody');
	const shown = h('div.token-shown', {hidden: true, role: 'status'});

	const name = h('input', {name: 'name', required: true, maxlength: '254', autocomplete: 'off'});
	const display = h('input', {name: 'display', maxlength: '100', autocomplete: 'off'});
	const role = roleSelect('viewer', 'Role of the new user');
	const password = h('input', {name: 'password', type: 'password', required: true, minlength: '10',
		autocomplete: 'new-password'});
	const addForm = h('form.users-add', {'aria-label': 'Add a user'},
		field('User name', name), field('Display name', display), field('Role', role),
		field('Password', password, 'at least 10 characters, not a common one'),
		h('div.acts', h('button.btn.primary', {type: 'submit'}, 'Add user')));

	const tUser = h('select', {'aria-label': 'Token for user'});
	const tRole = h('select', {'aria-label': 'Token role'}, h('option', {value: ''}, "the user's"),
		ROLES.map((r) => h('option', {value: r}, r)));
	const tName = h('input', {maxlength: '100', placeholder: 'ci deploy bot', autocomplete: 'off'});
	const tDays = h('input', {type: 'number', min: '1', max: '3650', placeholder: 'never', inputmode: 'numeric'});
	const tokenForm = h('form.users-token', {'aria-label': 'Create an API token'},
		field('User', tUser), field('Role', tRole), field('Label', tName), field('Expires in days', tDays),
		h('div.acts', h('button.btn.primary', {type: 'submit'}, 'Create token')));

	const panel = h('section.panel.users', {'aria-labelledby': 'users-title', 'data-ready': 'false'},
		h('div.list-head', h('h1#users-title', 'Users and tokens')), err,
		h('h2', 'Users'),
		h('table.users-table', h('thead', h('tr', ['Name', 'Display name', 'Role', 'Source', 'State', ''].map((c) => h('th', c)))),
			usersBody),
		addForm,
		h('h2', 'API tokens'),
		h('table.tokens-table', h('thead', h('tr', ['Id', 'User', 'Label', 'Role', 'Expires', 'Last used', 'State', ''].map((c) => h('th', c)))),
			tokensBody),
		tokenForm, shown,
		h('h2', 'Audit log'),
		h('table.audit-table', h('thead', h('tr', ['When', 'Who', 'What', 'Subject', 'From', 'Detail'].map((c) => h('th', c)))),
			auditBody));
	root.append(panel);

	const fail = (e) => {
		if (!dead) text(err, describe(e));
	};

	const loadUsers = async () => {
		const r = await api.get('/users');
		if (dead) return;
		fill(usersBody, r.users.map((u) => {
			const sel = roleSelect(u.role, `Role of ${u.name}`);
			sel.addEventListener('change', () => api.patch(`/users/${encodeURIComponent(u.name)}`, {role: sel.value})
				.then(refresh, (e) => { fail(e); refresh(); }));
			const toggle = h('button.btn.small', {type: 'button'}, u.disabled ? 'Enable' : 'Disable');
			toggle.addEventListener('click', () => api.patch(`/users/${encodeURIComponent(u.name)}`, {disabled: !u.disabled})
				.then(refresh, fail));
			return h('tr', {'data-user': u.name}, h('td', u.name), h('td', u.display), h('td', sel), h('td', u.source),
				h('td', u.disabled ? 'disabled' : 'enabled'), h('td', toggle));
		}));
		const keep = tUser.value;
		fill(tUser, r.users.filter((u) => !u.disabled).map((u) => h('option', {value: u.name, selected: u.name === keep}, u.name)));
	};

	const loadTokens = async () => {
		const r = await api.get('/tokens');
		if (dead) return;
		fill(tokensBody, r.tokens.map((t) => {
			const revoke = t.revoked ? null : h('button.btn.small.warn', {type: 'button'}, 'Revoke');
			if (revoke)
				revoke.addEventListener('click', () => api.delete(`/tokens/${t.id}`).then(refresh, fail));
			return h('tr', {'data-token': String(t.id)}, h('td', String(t.id)), h('td', t.user), h('td', t.name), h('td', t.role),
				h('td', t.expiresAt ? timeEl(t.expiresAt) : 'never'), h('td', t.lastUsedAt ? timeEl(t.lastUsedAt) : '—'),
				h('td', t.revoked ? 'revoked' : 'active'), h('td', revoke));
		}));
	};

	const loadAudit = async () => {
		const r = await api.get('/audit?limit=100');
		if (dead) return;
		fill(auditBody, r.entries.map((e) => h('tr', h('td', timeEl(e.at)), h('td', e.actor), h('td', e.action),
			h('td', e.subject), h('td', e.address), h('td.dim', JSON.stringify(e.detail || {})))));
	};

	const refresh = () => Promise.all([loadUsers(), loadTokens(), loadAudit()])
		.then(() => { if (!dead) panel.dataset.ready = 'true'; }, fail);

	addForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		text(err, '');
		const body = {name: name.value.trim(), role: role.value, password: password.value};
		if (display.value.trim()) body.display = display.value.trim();
		api.post('/users', body).then(() => {
			addForm.reset();
			return refresh();
		}, fail);
	});

	tokenForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		text(err, '');
		const body = {user: tUser.value};
		if (tRole.value) body.role = tRole.value;
		if (tName.value.trim()) body.name = tName.value.trim();
		if (tDays.value) body.expiresAt = new Date(Date.now() + Number(tDays.value) * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
		api.post('/tokens', body).then((t) => {
			fill(shown, h('p', 'The new token — copy it now, it is shown this once:'), h('code.token-value', t.token));
			shown.hidden = false;
			tokenForm.reset();
			return refresh();
		}, fail);
	});

	refresh();
	return {unmount() { dead = true; }};
}
