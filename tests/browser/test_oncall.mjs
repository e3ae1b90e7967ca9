// test_oncall — the on-call page (/admin/oncall) and paging from the fireground: a team,
// its members and a rotation made through the page's forms, who is on call shown with the
// calendar link (which answers an iCalendar feed), an override refused with the field
// named, and a team paged from the fireground's responders panel.
import {Server, Suite, launchBrowser, newContext, watchPage, check} from './lib.mjs';

const suite = new Suite('oncall');

async function openOncall(page, srv) {
	await page.goto(`${srv.url}/admin/oncall`);
	await page.waitForSelector('section.oncall[data-ready=true]', {timeout: 10000});
}

const form = (page, name) => page.getByRole('form', {name});

suite.case('team, members and rotation made on /admin/oncall; who is on call and the calendar link shown', async ({page, srv, errors}) => {
	await openOncall(page, srv);
	await form(page, 'Add a team').getByLabel('Team name').fill('Payments');
	await form(page, 'Add a team').getByLabel('Manager', {exact: true}).fill('Mia Manager');
	await form(page, 'Add a team').getByRole('button', {name: 'Add team'}).click();
	await page.getByRole('article', {name: 'Team Payments'}).waitFor();
	for (const who of ['Ann Alpha', 'Bob Beta']) {
		await form(page, 'Add a member').getByLabel('Team').selectOption({label: 'Payments'});
		await form(page, 'Add a member').getByLabel('Name').fill(who);
		await form(page, 'Add a member').getByRole('button', {name: 'Add member'}).click();
		await page.getByRole('article', {name: 'Team Payments'}).getByText(who).waitFor();
	}
	const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
	const rf = form(page, 'Add a rotation');
	await rf.getByLabel('Team').selectOption({label: 'Payments'});
	await rf.getByLabel('Shift hours').selectOption('24');
	await rf.getByLabel('Zone').selectOption('Europe/Berlin');
	await rf.getByLabel('First shift (date)').fill(yesterday);
	await rf.getByLabel('Order (names, comma-separated)').fill('Ann Alpha, Bob Beta');
	await rf.getByRole('button', {name: 'Add rotation'}).click();
	const table = page.getByRole('table', {name: 'Rotations of Payments'});
	await table.waitFor();
	const card = await page.getByRole('article', {name: 'Team Payments'}).innerText();
	check(/On call now\s*(Ann Alpha|Bob Beta)/.test(card), `no on-call person shown: ${card}`);
	const href = await table.getByRole('link', {name: 'Calendar feed of Primary'}).getAttribute('href');
	check(/\/api\/v1\/rotations\/\d+\/calendar\.ics\?token=[0-9a-f]{64}$/.test(href), `calendar link ${href}`);
	const ics = await page.evaluate(async (u) => {
		const r = await fetch(u);
		return {status: r.status, type: r.headers.get('Content-Type'), body: await r.text()};
	}, href);
	check(ics.status === 200 && ics.type.startsWith('text/calendar') && ics.body.includes('BEGIN:VEVENT'),
		`calendar: ${ics.status} ${ics.type} ${ics.body.slice(0, 120)}`);
	// A refused override says which field.
	const of = form(page, 'Add an override');
	await of.getByLabel('Person').fill('Zoe');
	await of.getByLabel('From').fill('2026-12-10T20:00');
	await of.getByLabel('To').fill('2026-12-10T08:00');
	await of.getByRole('button', {name: 'Add override'}).click();
	await of.getByRole('alert').filter({hasText: 'to'}).waitFor();
	check(errors.length === 0, errors.join('; '));
});

suite.case('a team is paged from the fireground: the on-call person appears as paged', async ({page, srv, errors}) => {
	const inc = await srv.api('POST', '/incidents', {title: 'Checkout down', severity: 'high'});
	await page.goto(`${srv.url}/admin/incidents/${inc.id}`);
	await page.waitForSelector('[data-ready=true]', {timeout: 10000});
	const pf = page.getByRole('form', {name: 'Page a team'});
	await pf.getByLabel('Team').fill('Payments');
	await pf.getByRole('button', {name: 'Page'}).click();
	const responders = page.locator('.p-responders');
	await responders.getByText(/Ann Alpha|Bob Beta/).first().waitFor({timeout: 5000});
	await pf.getByLabel('Team').fill('Nobody Team');
	await pf.getByRole('button', {name: 'Page'}).click();
	await pf.getByRole('alert').filter({hasText: 'team'}).waitFor();
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
