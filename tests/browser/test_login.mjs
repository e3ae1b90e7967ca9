// test_login — sign-in in a real browser (issue 7): a page behind sign-in sends the browser
// to /login, the plain HTML form signs in and returns to the page, the top bar shows who
// and with which role (no "You are" field), a timeline note posts with the session's CSRF
// token, and signing out ends the session.
import {Server, Suite, launchBrowser, newContext, watchPage, check} from './lib.mjs';

const suite = new Suite('login');
const PASSWORD = 'blue-heron-marsh-81';

// Signs in through the API (as a script would) and returns {cookie, csrf}.
async function apiLogin(srv, username, password) {
	const r = await fetch(`${srv.url}/api/v1/session`, {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({username, password})});
	const text = await r.text();
	check(r.status === 200, `API sign-in as ${username}: ${r.status} ${text}`);
	const cookie = r.headers.get('set-cookie').split(';')[0];
	const body = JSON.parse(text);
	return {cookie, csrf: body.csrfToken};
}

async function call(srv, who, method, path, body) {
	const r = await fetch(`${srv.url}/api/v1${path}`, {method, headers: {Cookie: who.cookie, 'X-CSRF-Token': who.csrf,
		'Content-Type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)});
	const text = await r.text();
	check(r.ok, `${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
	return text ? JSON.parse(text) : null;
}

suite.case('a page behind sign-in sends the browser to /login and the form brings it back', async ({page, srv, id}) => {
	await page.goto(`${srv.url}/admin/incidents/${id}`);
	await page.waitForURL(/\/login\?next=/);
	check(new URL(page.url()).searchParams.get('next') === `/admin/incidents/${id}`, `next: ${page.url()}`);
	await page.getByLabel('User name').fill('dana');
	await page.getByLabel('Password').fill('not-the-right-one-1');
	await page.getByRole('button', {name: 'Sign in'}).click();
	await page.getByText('Wrong user name or password.').waitFor();
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', {name: 'Sign in'}).click();
	await page.waitForURL(`${srv.url}/admin/incidents/${id}`);
	await page.waitForSelector('[data-ready=true]', {timeout: 10000});
	const cookies = await page.context().cookies();
	const c = cookies.find((x) => x.name === 'majorops_session');
	check(c && c.httpOnly && c.sameSite === 'Strict', `cookie ${JSON.stringify(c)}`);
});

suite.case('the top bar shows the signed-in user and role, not the "You are" field', async ({page}) => {
	const who = page.locator('.whoami');
	await who.waitFor();
	const txt = await who.textContent();
	check(/Dana Reyes/.test(txt) && /responder/.test(txt), `top bar: ${txt}`);
	check(!(await page.locator('#you').isVisible()), 'the "You are" field shows with sign-in on');
	check(!(await page.locator('.whoami-users').isVisible()), 'a responder sees the Users link');
});

suite.case('a timeline note posts with the CSRF token and is authored by the account', async ({page, srv, id, admin}) => {
	const sent = [];
	page.on('request', (r) => {
		if (r.method() === 'POST' && r.url().includes('/timeline')) sent.push(r.headers()['x-csrf-token'] || '');
	});
	await page.getByRole('textbox', {name: 'New timeline note'}).fill('Signed-in note: failover started.');
	await page.getByRole('button', {name: 'Post note'}).click();
	const list = page.getByRole('list', {name: 'Timeline entries'});
	await list.getByText('Signed-in note: failover started.').waitFor();
	check(sent.length === 1 && sent[0].length >= 40, `X-CSRF-Token sent: ${JSON.stringify(sent)}`);
	const tl = await call(srv, admin, 'GET', `/incidents/${id}/timeline`);
	const e = tl.entries.find((x) => x.text === 'Signed-in note: failover started.');
	check(e && e.author === 'Dana Reyes', `entry ${JSON.stringify(e)}`);
});

suite.case('signing out ends the session; the page asks to sign in again', async ({page, srv, id}) => {
	await page.getByRole('button', {name: 'Sign out'}).click();
	await page.waitForURL(/\/login/);
	await page.goto(`${srv.url}/admin/incidents/${id}`);
	await page.waitForURL(/\/login\?next=/);
	const cookies = await page.context().cookies();
	check(!cookies.some((x) => x.name === 'majorops_session' && x.value), `cookie left: ${JSON.stringify(cookies)}`);
});

suite.case('an admin sees /admin/users: users, a token shown once, the audit log', async ({browser, srv, errors}) => {
	const ctx = await newContext(browser);
	const page = watchPage(await ctx.newPage(), errors);
	try {
		await page.goto(`${srv.url}/login?next=/admin/users`);
		await page.getByLabel('User name').fill('admin');
		await page.getByLabel('Password').fill(srv.adminPassword);
		await page.getByRole('button', {name: 'Sign in'}).click();
		await page.waitForURL(`${srv.url}/admin/users`);
		await page.waitForSelector('.users[data-ready=true]', {timeout: 10000}).catch(async (e) => {
			throw new Error(`${e.message.split('\n')[0]}; the page says: ${(await page.locator('#view').textContent()).slice(0, 300)}`);
		});
		check(await page.locator('tr[data-user=dana]').count() === 1, 'dana is not listed');
		await page.getByRole('button', {name: 'Create token'}).click();
		const tok = await page.locator('.token-value').textContent({timeout: 10000});
		check(/^mo_[A-Za-z0-9_-]{43}$/.test(tok), `token shown: ${tok}`);
		const r = await fetch(`${srv.url}/api/v1/session`, {headers: {Authorization: `Bearer ${tok}`}});
		check(r.status === 200, `the shown token does not work: ${r.status}`);
		await page.locator('.audit-table').getByText('token.create').first().waitFor();
	} finally {
		await ctx.close();
	}
});

suite.case('no page errors, no request to another host', async ({errors}) => {
	check(errors.length === 0, errors.join(' | '));
});

await suite.run({
	async setup() {
		const srv = await new Server({auth: true}).start();
		const m = /password:\s+(\S+)/.exec(srv.stderr);
		check(m, `no first admin password on stderr: ${srv.stderr.slice(-400)}`);
		srv.adminPassword = m[1];
		const admin = await apiLogin(srv, 'admin', m[1]);
		await call(srv, admin, 'POST', '/users', {name: 'dana', display: 'Dana Reyes', role: 'responder', password: PASSWORD});
		const inc = await call(srv, admin, 'POST', '/incidents', {title: 'Card payments failing', severity: 'high'});
		const browser = await launchBrowser();
		const errors = [];
		const ctx = await newContext(browser);
		const page = watchPage(await ctx.newPage(), errors);
		return {srv, browser, page, id: inc.id, admin, errors};
	},
	async teardown(t) {
		if (!t) return [];
		await t.browser.close();
		const problems = await t.srv.stop();
		t.srv.cleanup();
		return problems;
	},
});
