// test_notifications — the notifications page (/admin/notifications, issue 9): a webhook
// channel added through the form with its secret shown once, a refused channel naming the
// field, the channel edited, and the delivery log showing a failing delivery with its last
// error and replaying it with the Retry button.
import {Server, Suite, launchBrowser, newContext, watchPage, check} from './lib.mjs';

const suite = new Suite('notifications');

async function openPage(page, srv) {
	await page.goto(`${srv.url}/admin/notifications`);
	await page.waitForSelector('section.notifications[data-ready=true]', {timeout: 10000});
}

suite.case('a webhook channel is added with its secret shown once, edited, and a bad one names the field', async ({page, srv, errors}) => {
	await openPage(page, srv);
	const form = page.getByRole('form', {name: 'Add a channel'});
	await form.getByLabel('Kind').selectOption('webhook');
	await form.getByLabel('Name').fill('Ops hook');
	await form.getByLabel('URL').fill('http://127.0.0.1:9/hook');
	await form.getByLabel('update.internal').check();
	await form.getByLabel('page').check();
	await form.getByRole('button', {name: 'Add channel'}).click();
	const secret = page.locator('.secret-once code');
	await secret.waitFor({timeout: 5000});
	check(/^whsec_[A-Za-z0-9+/=]{32}$/.test(await secret.innerText()), `secret ${await secret.innerText()}`);
	const table = page.getByRole('table', {name: 'Channels'});
	await table.getByText('Ops hook').waitFor();
	check((await table.innerText()).includes('update.internal, page'), await table.innerText());
	const listed = await srv.api('GET', '/channels');
	check(listed.channels.length === 1 && !('secret' in listed.channels[0]), JSON.stringify(listed));
	// edit: events changed through the same form
	await page.getByRole('button', {name: 'Edit Ops hook'}).click();
	const edit = page.getByRole('form', {name: 'Edit Ops hook'});
	await edit.getByLabel('page').uncheck();
	await edit.getByLabel('severity').check();
	await edit.getByRole('button', {name: 'Save'}).click();
	await table.getByText('update.internal, severity').waitFor({timeout: 5000});
	// a refusal names the field
	await form.getByLabel('Kind').selectOption('slack');
	await form.getByLabel('URL').fill('http://127.0.0.1:9/slack');
	await form.getByRole('button', {name: 'Add channel'}).click();
	await form.getByRole('alert').filter({hasText: 'events'}).waitFor({timeout: 5000});
	check(errors.length === 0, errors.join('; '));
});

suite.case('the delivery log shows a failing delivery with its last error; Retry replays it', async ({page, srv, errors}) => {
	await srv.api('POST', '/channels', {kind: 'slack', url: 'http://127.0.0.1:9/dead', events: ['incident.opened']});
	await srv.api('POST', '/incidents', {title: 'Nobody listens', severity: 'high'});
	await openPage(page, srv);
	const log = page.getByRole('table', {name: 'Deliveries'});
	await log.getByText('incident.opened').first().waitFor({timeout: 10000});
	let text = '';
	for (let i = 0; i < 40; i++) {
		text = await log.innerText();
		if (/connect|refused/i.test(text)) break;
		await page.getByLabel('Filter deliveries by state').selectOption('pending');
		await page.waitForTimeout(250);
	}
	check(/connect|refused/i.test(text), `no last error shown: ${text}`);
	const before = (await srv.api('GET', '/deliveries')).deliveries[0];
	await page.getByRole('button', {name: `Retry ${before.key}`}).click();
	let after = before;
	for (let i = 0; i < 40 && after.attempts <= before.attempts; i++) {
		await page.waitForTimeout(250);
		after = (await srv.api('GET', '/deliveries')).deliveries[0];
	}
	check(after.attempts > before.attempts, `Retry did not send again: ${JSON.stringify(after)}`);
	check(errors.length === 0, errors.join('; '));
});

await suite.run({
	async setup() {
		const srv = await new Server().start();
		const browser = await launchBrowser();
		const ctx = await newContext(browser, {actor: 'Admin Ada'});
		const errors = [];
		const page = watchPage(await ctx.newPage(), errors);
		return {srv, browser, page, errors};
	},
	async teardown(ctx) {
		if (!ctx) return [];
		await ctx.browser.close();
		return ctx.srv.stop();
	},
});
