// test_afteraction — the After Action review in real Chromium (issue 10, SPEC §14–15): from
// a resolved incident's fireground to its review; a section edited in place (saved with
// If-Match), root-cause tags, an action item added with one named owner, a due date, a
// priority and a tracker link, a won't-do refused without a reason and a non-negotiable
// item refused; draft → review → published, after which the document is frozen (no edit
// control, the server refuses a PATCH) and its public part is on the public incident page;
// the overdue items on /admin; the KPI page with its tables beside the SVG charts.
import {Server, Suite, launchBrowser, newContext, watchPage, check} from './lib.mjs';

const MIM = 'Dana Reyes';
const suite = new Suite('afteraction');

async function openReview(page, srv, id) {
	await page.goto(`${srv.url}/admin/incidents/${id}/after-action`);
	await page.locator('.aa[data-ready=true]').waitFor({timeout: 10000});
}

suite.case('a resolved incident\'s fireground links to its After Action review', async ({a, srv, id}) => {
	await a.goto(`${srv.url}/admin/incidents/${id}`);
	await a.waitForSelector('[data-ready=true]', {timeout: 10000});
	const link = a.getByRole('link', {name: 'After Action review →'});
	await link.click();
	await a.locator('.aa[data-ready=true]').waitFor({timeout: 10000});
	check(new URL(a.url()).pathname === `/admin/incidents/${id}/after-action`, `landed on ${a.url()}`);
	await a.getByRole('heading', {name: `After Action — ${id}`}).waitFor();
	// The generated document: sections, cited timeline, the Gantt chart and its numbers.
	await a.getByRole('heading', {name: /^Summary/}).waitFor();
	const tl = a.getByRole('table', {name: 'Cited timeline entries'});
	check(await tl.locator('tbody tr').count() >= 3, 'the timeline cites entries');
	check(/#\d+/.test(await tl.locator('tbody tr').first().innerText()), 'entries are cited by id');
	const img = a.getByRole('img', {name: `Phase Gantt chart of ${id}`});
	await img.waitFor();
	check(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the Gantt SVG did not load');
	check(await a.getByRole('table', {name: 'Phases'}).locator('tbody tr').count() >= 2, 'no phases table');
	check(await a.getByRole('link', {name: 'Markdown'}).getAttribute('href') === `/api/v1/incidents/${id}/after-action.md`, 'no .md link');
	check(await a.getByRole('link', {name: 'HTML'}).getAttribute('href') === `/api/v1/incidents/${id}/after-action.html`, 'no .html link');
	await a.getByRole('link', {name: 'Calendar invitation (.ics)'}).waitFor();
});

suite.case('edit a section in place: saved with the version, "edited", hostile text stays text', async ({a, srv, id}) => {
	await openReview(a, srv, id);
	await a.getByRole('button', {name: 'Edit Summary'}).click();
	const box = a.getByRole('textbox', {name: 'Summary'});
	await box.fill('Card payments failed for 42 minutes <img src=x onerror=alert(1)>. The gateway certificate had expired.');
	await a.getByRole('button', {name: 'Save', exact: true}).click();
	await a.getByText('Summary saved.').waitFor();
	const sec = a.locator('[data-section=summary]');
	await sec.getByText('Card payments failed for 42 minutes <img src=x onerror=alert(1)>.', {exact: false}).waitFor();
	check(await sec.locator('img').count() === 0, 'user text reached the page as HTML');
	check(/edited/i.test(await sec.locator('.aa-src').innerText()), 'not marked edited');
	const doc = await srv.api('GET', `/incidents/${id}/after-action`);
	check(doc.sections.summary.edited && /42 minutes/.test(doc.sections.summary.text), 'the server does not hold the edit');
	check(doc.version === 1, `version ${doc.version}`);
	// A stale version is refused (If-Match): someone else edits while this editor is open.
	// (An open editor holds off the live reload, so the page still sends version 1; editing
	// first keeps the test from racing that reload.)
	await a.getByRole('button', {name: 'Edit Impact'}).click();
	await a.getByRole('textbox', {name: 'Impact'}).fill('EU card payments.');
	await srv.api('PATCH', `/incidents/${id}/after-action`, {wentWell: 'Fast page to the payments team.'}, 'Lee Park');
	await a.getByRole('button', {name: 'Save', exact: true}).click();
	await a.locator('.aa .form-error', {hasText: 'Your text is kept'}).waitFor();
	check(/someone else changed it/.test(await a.locator('.aa .form-error').innerText()), 'the conflict is not explained');
	// The page took the current version and kept the text: saving again works.
	check(await a.getByRole('textbox', {name: 'Impact'}).inputValue() === 'EU card payments.', 'the typed text was lost');
	await a.getByRole('button', {name: 'Save', exact: true}).click();
	await a.getByText('Impact saved.').waitFor();
	await a.locator('[data-section=wentWell]').getByText('Fast page to the payments team.').waitFor();
	// Root-cause tags.
	await a.getByRole('button', {name: 'Edit root-cause tags'}).click();
	await a.getByLabel('Root-cause tags (comma-separated)').fill('Certificate expiry, monitoring gap');
	await a.getByRole('button', {name: 'Save tags'}).click();
	await a.getByRole('list', {name: 'Root-cause tags'}).getByText('certificate expiry').waitFor();
});

suite.case('add an action item; won\'t do needs a reason; a non-negotiable item cannot be declined', async ({a, srv, id}) => {
	await openReview(a, srv, id);
	const form = a.getByRole('form', {name: 'Add an action item'});
	await form.getByLabel('Title').fill('Alert 14 days before certificate expiry');
	await form.getByLabel('Owner').fill('Bo Lind');
	await form.getByLabel('Due date').fill('2031-01-15T12:00');
	await form.getByLabel('Priority').selectOption('high');
	await form.getByLabel('Tracker link').fill('https://jira.example/OPS-1');
	await form.getByRole('button', {name: 'Add action item'}).click();
	await a.getByText(/Action item #\d+ added for Bo Lind\./).waitFor();
	const table = a.getByRole('table', {name: 'Action items'});
	const row = table.locator('tbody tr', {hasText: 'Alert 14 days before certificate expiry'});
	await row.waitFor();
	check(/NON-NEGOTIABLE/.test(await row.innerText()), 'an item of a critical incident is not marked non-negotiable');
	check(await row.getByRole('link', {name: 'tracker'}).getAttribute('href') === 'https://jira.example/OPS-1', 'no tracker link');
	const itemId = (await row.getAttribute('data-action'));
	// Non-negotiable: won't do is not even offered; the server refuses it too.
	const options = await row.locator('select option').allTextContents();
	check(!options.includes("Won't do"), `won't do offered on a non-negotiable item: ${options}`);
	let refused = null;
	try {
		await srv.api('PATCH', `/actions/${itemId}`, {state: 'wont_do', reason: 'no time'}, MIM);
	} catch (e) {
		refused = e;
	}
	check(refused && refused.status === 409 && refused.body.error.rule === 'action.nonNegotiable', `not refused: ${refused && refused.message}`);
	// Forward: in progress.
	await row.getByLabel(`New state of action item ${itemId}`).selectOption('in_progress');
	await row.getByRole('button', {name: 'Apply'}).click();
	await a.getByText(`Action item #${itemId}: in progress.`).waitFor();
	await table.locator(`tr[data-action="${itemId}"]`, {hasText: 'In progress'}).waitFor();
	// A negotiable item (added on the low incident) needs a reason for won't do.
	const low = await srv.api('POST', `/incidents/${a.lowId}/actions`, {title: 'Tidy dashboards', owner: 'Cy', dueDate: '2031-02-01T00:00:00Z', priority: 'low'}, MIM);
	await openReview(a, srv, a.lowId);
	const lrow = a.getByRole('table', {name: 'Action items'}).locator(`tr[data-action="${low.id}"]`);
	await lrow.getByLabel(`New state of action item ${low.id}`).selectOption('wont_do');
	await lrow.getByRole('button', {name: 'Apply'}).click();
	await a.locator('.aa .form-error', {hasText: 'reason'}).waitFor();
	await lrow.getByLabel(`Reason for action item ${low.id}`).fill('Dashboards are being replaced');
	await lrow.getByRole('button', {name: 'Apply'}).click();
	await a.getByRole('table', {name: 'Action items'}).locator(`tr[data-action="${low.id}"]`, {hasText: 'Dashboards are being replaced'}).waitFor();
});

suite.case('a new incident on a system with open action items says so on its fireground', async ({a, srv}) => {
	const inc = await srv.api('POST', '/incidents', {title: 'Payments slow again', severity: 'high', affectedSystems: ['Payments']}, MIM);
	await a.goto(`${srv.url}/admin/incidents/${inc.id}`);
	await a.waitForSelector('[data-ready=true]', {timeout: 10000});
	const note = a.getByRole('list', {name: 'Open action items on these systems'});
	await note.waitFor({timeout: 10000});
	const t = await note.innerText();
	check(/Alert 14 days before certificate expiry/.test(t) && /Payments/.test(t), `note: ${t}`);
	check(!/Tidy dashboards/.test(t), 'an item of an unrelated system is listed');
	// An incident on another system shows no such row.
	const other = await srv.api('POST', '/incidents', {title: 'Search down', severity: 'high', affectedSystems: ['search']}, MIM);
	await a.goto(`${srv.url}/admin/incidents/${other.id}`);
	await a.waitForSelector('[data-ready=true]', {timeout: 10000});
	await a.waitForTimeout(800);
	check(await a.getByRole('list', {name: 'Open action items on these systems'}).count() === 0, 'a note on an unrelated incident');
	check(await a.locator(`[data-sysactions="${other.id}"]`).evaluate((el) => el.closest('.kv').hidden), 'the empty row shows');
});

suite.case('draft → review → published: the published version is frozen and its public part is public', async ({a, srv, id}) => {
	await openReview(a, srv, id);
	await a.getByRole('button', {name: 'Move to review'}).click();
	await a.locator('.aa[data-state=review]').waitFor();
	await a.getByLabel('State: In review').waitFor();
	await a.getByRole('button', {name: 'Publish'}).click();
	await a.locator('.aa[data-state=published]').waitFor();
	await a.getByText('this version is frozen and read-only', {exact: false}).waitFor();
	check(await a.getByRole('button', {name: /^Edit/}).count() === 0, 'edit controls remain on a published document');
	check(await a.getByRole('button', {name: 'Choose the cited entries'}).count() === 0, 'the timeline can still be chosen');
	check(await a.getByRole('button', {name: 'Publish'}).count() === 0, 'publish is still offered');
	// The server refuses any change of the frozen copy.
	let refused = null;
	try {
		await srv.api('PATCH', `/incidents/${id}/after-action`, {summary: 'rewritten later'}, MIM);
	} catch (e) {
		refused = e;
	}
	check(refused && refused.status === 409 && refused.body.error.rule === 'afterAction.published', 'the published document was changed');
	// A later change of the record does not alter it.
	await srv.api('PATCH', `/incidents/${id}`, {title: 'Renamed after publication'}, MIM);
	await openReview(a, srv, id);
	check(!/Renamed after publication/.test(await a.locator('.aa-head').innerText()), 'the frozen document follows the record');
	await a.locator('[data-section=summary]').getByText('Card payments failed for 42 minutes', {exact: false}).waitFor();
	// The public incident page shows the postmortem (the edited summary), nothing internal.
	const r = await fetch(`${srv.url}/incidents/${id}`);
	const html = await r.text();
	check(r.status === 200 && /Postmortem/.test(html) && /Card payments failed for 42 minutes/.test(html), 'no postmortem on the public page');
	check(!/INTERNAL-MARKER/.test(html), 'an internal note leaked onto the public page');
	const v2 = await (await fetch(`${srv.url}/api/v2/incidents.json`)).json();
	const inc = v2.incidents.find((x) => x.id === id);
	check(inc && inc.status === 'postmortem', `Statuspage status: ${inc && inc.status}`);
});

suite.case('/admin lists the overdue action items, non-negotiable ones marked', async ({a, srv, id}) => {
	await srv.api('POST', `/incidents/${id}/actions`, {title: 'Rotate the gateway keys', owner: 'Ana Costa', dueDate: '2020-01-01T00:00:00Z', priority: 'high'}, MIM);
	await a.goto(`${srv.url}/admin`);
	const panel = a.getByRole('region', {name: 'Overdue action items'});
	const li = panel.locator('li', {hasText: 'Rotate the gateway keys'});
	await li.waitFor({timeout: 10000});
	const t = await li.innerText();
	check(/Ana Costa/.test(t) && /NON-NEGOTIABLE/.test(t), `overdue row: ${t}`);
	await li.getByRole('link').click();
	await a.locator('.aa[data-ready=true]').waitFor({timeout: 10000});
	check(new URL(a.url()).pathname === `/admin/incidents/${id}/after-action`, `went to ${a.url()}`);
});

suite.case('the KPI page: tables beside the server-rendered SVG charts, with a range', async ({a, srv}) => {
	await a.goto(`${srv.url}/admin/kpis`);
	await a.locator('.kpis[data-ready=true]').waitFor({timeout: 10000});
	const durations = a.getByRole('table', {name: 'Durations'});
	check(/MTTR/.test(await durations.innerText()), 'no MTTR row');
	for (const name of ['Incidents and reopens chart', 'Mean durations chart', 'MTTA per team chart', 'Cadence adherence chart',
		'Action items chart', 'Incidents per system chart', 'Incidents per week chart']) {
		const img = a.getByRole('img', {name});
		await img.waitFor();
		await a.waitForFunction((el) => el.complete, await img.elementHandle());
		check(await img.evaluate((el) => el.naturalWidth > 0), `${name} did not load`);
	}
	await a.getByRole('table', {name: 'Cadence adherence'}).waitFor();
	const ai = await a.getByRole('table', {name: 'Action items'}).innerText();
	check(/Overdue\s+1/.test(ai), `action items table: ${ai}`);
	const systems = await a.getByRole('table', {name: 'Incidents per system'}).innerText();
	check(/payments/.test(systems), `systems: ${systems}`);
	// A range with no incidents empties the figures.
	await a.getByLabel('From (opened at or after)').fill('2001-01-01T00:00');
	await a.getByLabel('To (opened before)').fill('2001-02-01T00:00');
	await a.getByRole('button', {name: 'Show'}).click();
	await a.getByText('No incidents in this range.').waitFor();
});

suite.case('no page errors, no request to another host', async ({errors}) => {
	check(errors.length === 0, errors.join(' | '));
});

await suite.run({
	async setup() {
		const srv = await new Server().start();
		const inc = await srv.api('POST', '/incidents', {title: 'Card payments failing', severity: 'critical', affectedSystems: ['payments', 'checkout']}, MIM);
		const id = inc.id;
		await srv.api('PUT', `/incidents/${id}/roles/mim`, {person: MIM}, MIM);
		await srv.api('POST', `/incidents/${id}/timeline`, {text: 'INTERNAL-MARKER: vendor contract dispute'}, MIM);
		await srv.api('POST', `/incidents/${id}/updates`, {body: 'We are investigating failed card payments.', audience: 'public', nextUpdateEta: new Date(Date.now() + 30 * 60000).toISOString()}, MIM);
		await srv.api('POST', `/incidents/${id}/phase`, {to: 8, override: 'browser test record'}, MIM);
		await srv.api('POST', `/incidents/${id}/updates`, {body: 'Card payments work again.', audience: 'public', kind: 'resolution',
			afterActionAt: new Date(Date.now() + 24 * 3600000).toISOString()}, MIM);
		const low = await srv.api('POST', '/incidents', {title: 'Dashboard slow', severity: 'low', affectedSystems: ['grafana']}, MIM);
		await srv.api('POST', `/incidents/${low.id}/phase`, {to: 8, override: 'browser test record'}, MIM);
		const browser = await launchBrowser();
		const errors = [];
		const ctx = await newContext(browser, {actor: MIM});
		const a = watchPage(await ctx.newPage(), errors);
		a.lowId = low.id;
		return {srv, browser, a, id, errors};
	},
	async teardown(t) {
		if (!t) return [];
		await t.browser.close();
		const problems = await t.srv.stop();
		t.srv.cleanup();
		return problems;
	},
});
