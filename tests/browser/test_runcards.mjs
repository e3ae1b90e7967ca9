// test_runcards — the run cards page (/admin/runcards): Box 2's checklist edited and saved
// through the page, the new version shown after a reload, a refused value shown next to
// its field, and an incident opened from /new at Box 2 carrying the new checklist.
import {Server, Suite, launchBrowser, newContext, watchPage, check} from './lib.mjs';

const suite = new Suite('runcards');

async function openCards(page, srv) {
	await page.goto(`${srv.url}/admin/runcards`);
	for (const level of [0, 1, 2, 3])
		await page.waitForSelector(`form.rc-card[data-level="${level}"][data-ready=true]`, {timeout: 10000});
}

const card = (page, level) => page.getByRole('form', {name: `Run card Box ${level}`});
const versionOf = async (page, level) =>
	Number(await page.locator(`form.rc-card[data-level="${level}"]`).getAttribute('data-version'));

const ITEM = `Call the payments DBA (browser test ${Date.now()})`;

suite.case('Box 2: the checklist edited and saved; after a reload the version is one more and the item is there', async ({page, srv, errors, state}) => {
	await openCards(page, srv);
	const before = await versionOf(page, 2);
	state.before = before;
	const box2 = card(page, 2);
	const checklist = box2.getByLabel('Checklist (one item per line)');
	const old = await checklist.inputValue();
	check(old.trim().length > 0, 'Box 2 shows no checklist (the default has one)');
	await checklist.fill(`${old}\n${ITEM}`);
	await box2.getByRole('button', {name: 'Save Box 2'}).click();
	await box2.getByRole('status').filter({hasText: `version ${before + 1}`}).waitFor({timeout: 5000});
	await page.reload();
	await openCards(page, srv);
	const after = await versionOf(page, 2);
	check(after === before + 1, `version after reload ${after}, expected ${before + 1}`);
	const text = await card(page, 2).locator('.rc-vnum').innerText();
	check(text.includes(`Version ${before + 1}`), `version shown: ${text}`);
	const saved = await card(page, 2).getByLabel('Checklist (one item per line)').inputValue();
	check(saved.split('\n').includes(ITEM), `checklist after reload: ${saved}`);
	// The other levels are untouched.
	check(await versionOf(page, 3) === 0, 'Box 3 changed');
	const api = await srv.api('GET', '/runcards/2');
	check(api.version === before + 1 && api.checklist.includes(ITEM), `API card: ${JSON.stringify(api).slice(0, 300)}`);
	check(errors.length === 0, errors.join('; '));
});

suite.case('a refused value is shown next to its field and nothing is saved', async ({page, srv, errors}) => {
	await openCards(page, srv);
	const before = await versionOf(page, 1);
	const box1 = card(page, 1);
	await box1.getByLabel('Internal', {exact: true}).fill('5000');
	await box1.getByRole('button', {name: 'Save Box 1'}).click();
	const slot = page.locator('form.rc-card[data-level="1"] .field-error[data-error-for="cadence"]');
	await slot.filter({hasText: 'cadence'}).waitFor({timeout: 5000});
	check(await page.locator('form.rc-card[data-level="1"] [name="cadence-internal"]').getAttribute('aria-invalid') === 'true',
		'the cadence input is not marked invalid');
	const bad = await box1.getByLabel('Runbook links (one per line: Title | URL, or a URL)');
	await box1.getByLabel('Internal', {exact: true}).fill('');
	await bad.fill('Broken | not-a-url');
	await box1.getByRole('button', {name: 'Save Box 1'}).click();
	await page.locator('form.rc-card[data-level="1"] .field-error[data-error-for="runbooks"]').filter({hasText: 'url'}).waitFor({timeout: 5000});
	check((await page.locator('form.rc-card[data-level="1"] .field-error[data-error-for="cadence"]').innerText()) === '',
		'the old cadence error stayed');
	const api = await srv.api('GET', '/runcards/1');
	check(api.version === before, `a refused card was saved: version ${api.version}`);
	check(errors.length === 0, errors.join('; '));
});

suite.case('an incident opened from /new at Box 2 carries the new checklist and the card version', async ({page, srv, errors, state}) => {
	await page.goto(`${srv.url}/new`);
	await page.getByLabel('Title').fill('Checkout latency from the run card test');
	await page.getByLabel(/High — Box 2/).check();
	await page.getByRole('button', {name: 'Open incident'}).click();
	await page.waitForURL(/\/admin\/incidents\/INC-\d+$/, {timeout: 10000});
	const id = page.url().split('/').pop();
	const inc = await srv.api('GET', `/incidents/${id}`);
	const rc = inc.runCard || {};
	check(rc.alarmLevel === 2, `runCard alarm level: ${JSON.stringify(rc).slice(0, 300)}`);
	check(rc.version === state.before + 1, `runCard version ${rc.version}, expected ${state.before + 1}`);
	check(Array.isArray(rc.checklist) && rc.checklist.includes(ITEM), `runCard checklist: ${JSON.stringify(rc.checklist)}`);
	check(errors.length === 0, errors.join('; '));
});

await suite.run({
	async setup() {
		const srv = await new Server().start();
		const browser = await launchBrowser();
		const ctx = await newContext(browser, {actor: 'Admin Ada'});
		const errors = [];
		const page = watchPage(await ctx.newPage(), errors);
		return {srv, browser, page, errors, state: {before: 0}};
	},
	async teardown(ctx) {
		if (!ctx) return [];
		await ctx.browser.close();
		return ctx.srv.stop();
	},
});
