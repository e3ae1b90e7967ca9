// test_command — the command doctrine on the fireground (issue 4) in real Chromium: CAN
// reports and their lint, recovery tracks with live countdowns, hypotheses and "what we
// tried", the MIM hand-off between two people, information authority, the assistant (AI
// Draft, suggestion, exec brief), regulatory clocks and statement approval, and a guardrail
// firing on the server's timer after its test clock jumps.  Elements are found by role and
// accessible name; refusals (409 doctrine) must show the rule's message.
import fs from 'node:fs';
import path from 'node:path';
import {REPO, Server, Suite, launchBrowser, newContext, watchPage, check, sleep} from './lib.mjs';

const MIM = 'Dana Reyes';
const NEXT = 'Lee Park';
const suite = new Suite('command');

async function open(page, srv, id) {
	await page.goto(`${srv.url}/admin/incidents/${id}`);
	await page.waitForSelector('[data-ready=true]', {timeout: 10000});
	await page.locator('.conn.live').waitFor();
}

const region = (page, name) => page.getByRole('region', {name, exact: true});

suite.case('web/sse.js listens for every event type the server sends', async () => {
	const sent = new Set();
	for (const f of fs.readdirSync(path.join(REPO, 'src')).filter((n) => n.endsWith('.c'))) {
		const src = fs.readFileSync(path.join(REPO, 'src', f), 'utf8');
		for (const re of [/\.event_type\s*=\s*"([a-z][a-zA-Z]*\.[a-zA-Z]+)"/g, /record_(?:object|command)\(\s*r\s*,\s*"([a-z][a-zA-Z]*\.[a-zA-Z]+)"/g])
			for (const m of src.matchAll(re)) sent.add(m[1]);
	}
	const sse = fs.readFileSync(path.join(REPO, 'web', 'sse.js'), 'utf8');
	const list = /EVENT_TYPES\s*=\s*\[([^\]]*)\]/.exec(sse);
	check(list, 'no EVENT_TYPES in web/sse.js');
	const heard = new Set([...list[1].matchAll(/'([^']+)'/g)].map((m) => m[1]));
	const missing = [...sent].filter((t) => !heard.has(t));
	const extra = [...heard].filter((t) => !sent.has(t));
	suite.note(`${sent.size} event types in src/, ${heard.size} listened for`);
	check(sent.size >= 18, `only ${sent.size} event types found in src/ — the pattern no longer matches the sources`);
	check(missing.length === 0, `not listened for: ${missing.join(', ')}`);
	check(extra.length === 0, `listened for but never sent: ${extra.join(', ')}`);
});

suite.case('post a CAN (c) and see its lint; the team shows "last CAN … ago"', async ({a, srv, id}) => {
	await open(a, srv, id);
	const form = a.getByRole('form', {name: 'Post a CAN report'});
	// The `c` shortcut reaches the form.
	await a.locator('body').click({position: {x: 5, y: 300}});
	await a.keyboard.press('c');
	check(await form.getByLabel('Team').evaluate((el) => el === document.activeElement), 'c does not focus the CAN team');
	await form.getByLabel('Team').fill('App team');
	await form.getByLabel('Conditions').fill('I think the DB is slow <img src=x onerror=alert(1)>');
	await form.getByLabel('Actions').fill('We will restart the pool');
	await form.getByRole('button', {name: 'Post CAN'}).click();
	const advice = a.getByRole('list', {name: 'CAN lint'});
	await advice.waitFor();
	const txt = await advice.innerText();
	check(/Needs is empty/.test(txt) && /"none"/.test(txt), `no Needs advice: ${txt}`);
	check(/speculate/.test(txt) && /observed facts/i.test(txt), `no speculation advice: ${txt}`);
	check(/promise/.test(txt) && /in flight/.test(txt), `no promise advice: ${txt}`);
	await a.getByText('CAN recorded for App team. The doctrine advises:').waitFor();
	const teams = a.getByRole('list', {name: 'Latest CAN by team'});
	await teams.getByText(/App team — last CAN (just now|1 min ago)/).waitFor();
	check(await a.locator('.p-can img').count() === 0, 'user text reached the page as HTML');
	await teams.getByText('I think the DB is slow <img src=x onerror=alert(1)>').waitFor();
	check(await form.getByLabel('Team').inputValue() === 'App team', 'the team was not kept for the next report');
	check(await form.getByLabel('Conditions').inputValue() === '', 'the form was not cleared');
	// A clean report from another team, and one with nothing in it (refused, field named).
	await form.getByLabel('Team').fill('DB team');
	await form.getByLabel('Conditions').fill('Replica lag 40 s on db-2');
	await form.getByLabel('Actions').fill('Failing over to db-3');
	await form.getByLabel('Needs').fill('none');
	await form.getByRole('button', {name: 'Post CAN'}).click();
	await a.getByText('CAN recorded for DB team. Clean: no lint warnings.').waitFor();
	await teams.getByText(/DB team — last CAN/).waitFor();
	await form.getByRole('button', {name: 'Post CAN'}).click();
	await a.locator('.p-can .cmd-err', {hasText: 'conditions'}).waitFor();
	const can = await srv.api('GET', `/incidents/${id}/can`);
	check(can.latest.length === 2 && can.cans.length === 2, `the server holds ${can.cans.length} reports`);
});

suite.case('open a recovery track: a live countdown; extend it, escalate it, finish it', async ({a, srv, id}) => {
	const form = a.getByRole('form', {name: 'Open a recovery track'});
	await form.getByLabel('Owner').fill('Sam Ortiz');
	await form.getByLabel('Team').fill('DB');
	await form.getByLabel('Goal').fill('Fail over the primary');
	await form.getByLabel('Timebox (minutes)').fill('15');
	await form.getByRole('button', {name: 'Open track'}).click();
	const timer = a.getByRole('timer', {name: 'Time left on “Fail over the primary”'});
	await timer.waitFor();
	const t1 = await timer.innerText();
	check(/^in 1[45]m \d\ds$/.test(t1), `countdown reads ${t1}`);
	await a.waitForFunction((was) => {
		const el = document.querySelector('[aria-label="Time left on “Fail over the primary”"]');
		return el && el.textContent !== was;
	}, t1, {timeout: 3000});
	const t2 = await timer.innerText();
	suite.note(`countdown ${t1} → ${t2}`);
	// Extend: a new timebox from now, recorded.
	await a.getByRole('spinbutton', {name: 'New timebox in minutes for “Fail over the primary”'}).fill('45');
	await a.getByRole('button', {name: 'Extend “Fail over the primary”'}).click();
	await a.waitForFunction(() => /^in 4[45]m/.test(document.querySelector('[aria-label="Time left on “Fail over the primary”"]')?.textContent || ''));
	const row = a.locator('li.track', {hasText: 'Fail over the primary'});
	await row.getByText(/timebox 45 min · extended ×1/).waitFor();
	await a.getByRole('button', {name: 'Escalate “Fail over the primary”'}).click();
	await row.getByText('escalated').waitFor();
	let track = (await srv.api('GET', `/incidents/${id}/tracks`)).tracks.find((t) => t.goal === 'Fail over the primary');
	check(track.extensions === 1 && track.timeboxMinutes === 45 && track.escalatedAt, `server track: ${JSON.stringify(track)}`);
	await a.getByRole('button', {name: 'Succeeded: “Fail over the primary”'}).click();
	await row.locator('.rsbadge', {hasText: 'succeeded'}).waitFor();
	check(await a.getByRole('button', {name: 'Extend “Fail over the primary”'}).count() === 0, 'a finished track still offers Extend');
	track = (await srv.api('GET', `/incidents/${id}/tracks`)).tracks[0];
	check(track.state === 'succeeded', `state ${track.state}`);
});

suite.case('hypotheses: propose → test → reject with evidence; "what we tried"; refusals shown', async ({a, srv, id}) => {
	const form = a.getByRole('form', {name: 'Propose a hypothesis'});
	await form.getByLabel('Statement').fill('CDN cache poisoned');
	await form.getByRole('button', {name: 'Propose'}).click();
	const open = a.getByRole('list', {name: 'Open hypotheses'});
	await open.getByText('CDN cache poisoned').waitFor();
	await a.getByRole('button', {name: 'Start testing: “CDN cache poisoned”'}).click();
	await open.locator('li', {hasText: 'CDN cache poisoned'}).locator('.rsbadge', {hasText: 'testing'}).waitFor();
	// Concluding without evidence is refused by the doctrine, and the rule is shown.
	await a.getByRole('button', {name: 'Reject: “CDN cache poisoned”'}).click();
	const refusal = a.locator('.p-hyps .cmd-err');
	await refusal.getByText(/^Refused: .*hypothesis\.evidenceRequired/).waitFor();
	await a.getByRole('textbox', {name: 'Evidence for “CDN cache poisoned”'}).fill('Purged the CDN at 14:20; error rate unchanged');
	await a.getByRole('button', {name: 'Reject: “CDN cache poisoned”'}).click();
	const tried = a.getByRole('list', {name: 'What we tried'});
	await tried.getByText('CDN cache poisoned').waitFor();
	await tried.getByText('Purged the CDN at 14:20; error rate unchanged').waitFor();
	check(/Dropped:/.test(await tried.innerText()), 'the reason it was dropped is not labelled');
	check(await refusal.innerText() === '', 'the old refusal is still shown');
	const rejected = (await srv.api('GET', `/incidents/${id}/hypotheses?state=rejected`)).hypotheses;
	check(rejected.length === 1 && rejected[0].evidence === 'Purged the CDN at 14:20; error rate unchanged', JSON.stringify(rejected));
	// A second one: proposed → confirmed skips testing and is refused (hypothesis.untested is
	// not offered: the buttons follow the doctrine).
	await form.getByLabel('Statement').fill('Connection pool exhausted');
	await form.getByRole('button', {name: 'Propose'}).click();
	await open.getByText('Connection pool exhausted').waitFor();
	check(await a.getByRole('button', {name: 'Confirm: “Connection pool exhausted”'}).count() === 0, 'Confirm is offered before testing');
});

suite.case('MIM hand-off between two browser contexts: offer with a brief, accept; authority given and returned', async ({a, b, srv, id}) => {
	await open(b, srv, id);
	await a.getByText('Hand off command · bridge control').click();
	const offer = a.getByRole('form', {name: 'Offer the MIM hand-off'});
	// An offer can be withdrawn before it is accepted (both on the timeline).
	await offer.getByLabel('Offer command to').fill('Kim Lau');
	await offer.getByLabel('Brief conditions').fill('Checkout errors 38 %');
	await offer.getByRole('button', {name: 'Offer hand-off'}).click();
	await b.getByRole('note', {name: 'Pending hand-off'}).getByText(/Waiting for Kim Lau to accept/).waitFor({timeout: 3000});
	await a.getByRole('button', {name: 'Withdraw offer'}).click();
	await b.getByRole('note', {name: 'Pending hand-off'}).waitFor({state: 'detached', timeout: 3000});
	check((await srv.api('GET', `/incidents/${id}`)).handoff === null, 'the withdrawn offer is still pending');
	await offer.getByLabel('Offer command to').fill(NEXT);
	await offer.getByLabel('Brief conditions').fill('Checkout errors 38 %, DB failover done');
	await offer.getByLabel('Brief actions').fill('Watching error rate after failover');
	await offer.getByRole('button', {name: 'Offer hand-off'}).click();
	// The other person sees the offer live, with the brief and its lint, and may accept.
	const pendingB = b.getByRole('note', {name: 'Pending hand-off'});
	await pendingB.getByText(`${MIM} offers command to ${NEXT}`).waitFor({timeout: 3000});
	await pendingB.getByText('Checkout errors 38 %, DB failover done').waitFor();
	await pendingB.getByText('Needs is empty').waitFor();
	await a.getByRole('note', {name: 'Pending hand-off'}).getByRole('button', {name: 'Withdraw offer'}).waitFor();
	check(await a.getByRole('button', {name: 'Accept command'}).count() === 0, 'the offering MIM is offered Accept');
	await pendingB.getByRole('button', {name: 'Accept command'}).click();
	// Both screens: the role moved, nothing pending.
	await a.locator('li.role[data-role=mim]', {hasText: NEXT}).waitFor({timeout: 3000});
	await b.locator('li.role[data-role=mim]', {hasText: NEXT}).waitFor();
	await a.getByRole('note', {name: 'Pending hand-off'}).waitFor({state: 'detached'});
	const inc = await srv.api('GET', `/incidents/${id}`);
	check(inc.roles.mim === NEXT && inc.handoff === null && inc.informationAuthority === NEXT, JSON.stringify({mim: inc.roles.mim, handoff: inc.handoff}));
	// The former MIM may not offer again: the doctrine's refusal, with its rule.
	await offer.getByLabel('Offer command to').fill('Kim Lau');
	await offer.getByLabel('Brief conditions').fill('stable');
	await offer.getByRole('button', {name: 'Offer hand-off'}).click();
	await a.locator('.handoff-box .cmd-err').getByText(/^Refused: .*handoff\.notMim/).waitFor();
	// Information authority: the new MIM gives bridge control to an SME, then takes it back.
	await b.getByText('Hand off command · bridge control').click();
	const give = b.getByRole('form', {name: 'Give information authority'});
	await give.getByLabel('Give bridge control to').fill('Sam Ortiz');
	await give.getByRole('button', {name: 'Give'}).click();
	await a.locator('.authority', {hasText: 'Information authority: Sam Ortiz'}).getByText('delegated').waitFor({timeout: 3000});
	await b.getByRole('button', {name: 'Return to the MIM'}).click();
	await a.locator('.authority', {hasText: `Information authority: ${NEXT} (the MIM)`}).waitFor({timeout: 3000});
});

suite.case('AI Draft fills the Quick Update box per audience; the suggestion and first ten minutes are in the phase panel', async ({b, srv, id}) => {
	const quick = b.getByRole('form', {name: 'Quick update'});
	const box = quick.getByRole('textbox', {name: 'Update text'});
	await quick.getByLabel('Audience').selectOption('internal');
	await quick.getByRole('button', {name: 'AI Draft'}).click();
	await b.waitForFunction(() => document.querySelector('textarea[aria-label="Update text"]').value.length > 20);
	const internal = await box.inputValue();
	const want = (await srv.api('GET', `/incidents/${id}/assist/draft?audience=internal`)).text;
	check(internal === want, `internal draft: ${JSON.stringify(internal)} ≠ ${JSON.stringify(want)}`);
	check(/App team/.test(internal), 'the internal draft leaves out the CANs');
	await quick.getByText(/AI draft for internal \(builtin\)/).waitFor();
	await quick.getByLabel('Audience').selectOption('public');
	await quick.getByRole('button', {name: 'AI Draft'}).click();
	await b.waitForFunction((was) => document.querySelector('textarea[aria-label="Update text"]').value !== was, internal);
	const pub = await box.inputValue();
	check(pub.includes('Checkout latency') && !/App team|DB team/.test(pub), `public draft: ${pub}`);
	check((await srv.api('GET', `/incidents/${id}/updates`)).updates.length === 0, 'a draft was published');
	// The assistant's suggestion and the first ten minutes, from the record.
	const sug = region(b, 'Assistant suggestion');
	await sug.getByText(/Phase 1 of 8, Alert/).waitFor();
	const ft = region(b, 'First ten minutes');
	await ft.getByText(/window closes in \d/).waitFor();
	check(/✓\s*First CAN/.test(await ft.innerText()), `first ten minutes: ${await ft.innerText()}`);
	// The exec brief on /exec.
	await b.getByRole('link', {name: 'Exec', exact: true}).click();
	const brief = b.getByRole('note', {name: `Exec brief for ${id}`});
	await brief.getByText(/is a critical incident/).waitFor();
	await brief.getByRole('button', {name: `Refresh the exec brief for ${id}`}).click();
	await b.goBack();
	await b.waitForSelector('[data-ready=true]');
});

suite.case('security incident: regulatory clock as a countdown, statement approval before a public update', async (t) => {
	const {a, srv} = t;
	const sec = (await srv.api('POST', '/incidents', {title: 'Customer records exposed', severity: 'high', affectedSystems: ['crm'], security: true}, MIM)).id;
	t.sec = sec;
	await srv.api('PUT', `/incidents/${sec}/roles/mim`, {person: MIM}, MIM);
	await srv.api('PUT', `/incidents/${sec}/roles/legal`, {person: 'Ana Silva'}, MIM);
	await open(a, srv, sec);
	const posture = region(a, 'Regulatory clocks & approval');
	await posture.getByText('GDPR breach notification').waitFor();
	await posture.getByText(/required before every public update — 0 approved and unused/).waitFor();
	await posture.getByRole('button', {name: 'Start the GDPR clock'}).click();
	const timer = posture.getByRole('timer', {name: 'Time left on GDPR breach notification'});
	await timer.waitFor();
	check(/^in 2d 23h$/.test(await timer.innerText()), `the clock reads ${await timer.innerText()}`);
	// A public update without an approval: refused, the rule's message shown.
	const quick = a.getByRole('form', {name: 'Quick update'});
	await quick.getByText(/needs a recorded approval first/).waitFor();
	await quick.getByRole('textbox', {name: 'Update text'}).fill('We are investigating unauthorised access to customer records.');
	await quick.getByRole('button', {name: 'Publish update'}).click();
	await quick.getByText(/^Refused: .*approval\.required/).waitFor();
	// The legal holder records an approval (the "you are" name is who acts).
	await a.getByLabel('You are').fill('Ana Silva');
	await a.getByLabel('You are').press('Tab');
	await a.getByRole('form', {name: 'Record a statement approval'}).getByLabel('Approved wording or scope').fill('Holding statement as drafted');
	await a.getByRole('button', {name: 'Record approval'}).click();
	await posture.getByText(/1 approved and unused/).waitFor();
	await a.getByLabel('You are').fill(MIM);
	await a.getByLabel('You are').press('Tab');
	await quick.getByRole('button', {name: 'Publish update'}).click();
	await quick.getByText(/^Published milestone to public/).waitFor();
	await posture.getByText(/0 approved and unused/).waitFor();
	// A custom clock beside it, then met.
	await posture.getByText('Add a custom clock').click();
	const custom = a.getByRole('form', {name: 'Start a custom clock'});
	await custom.getByLabel('Clock name').fill('Regulator call-back');
	const in2h = new Date(Date.now() + 2 * 3600e3 + 60e3);
	await custom.getByLabel('Deadline').fill(await a.evaluate((ms) => {
		const d = new Date(ms);
		const p = (n) => String(n).padStart(2, '0');
		return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
	}, in2h.getTime()));
	await custom.getByRole('button', {name: 'Start clock'}).click();
	const callback = posture.getByRole('timer', {name: 'Time left on Regulator call-back'});
	await callback.waitFor();
	check(/^in 2h 0\dm$/.test(await callback.innerText()), `the custom clock reads ${await callback.innerText()}`);
	await posture.getByRole('button', {name: 'Mark “Regulator call-back” met'}).click();
	await callback.waitFor({state: 'detached'});
	await posture.locator('li', {hasText: 'Regulator call-back'}).getByText(/✓ met/).waitFor();
});

suite.case('a guardrail nudge appears live when the server\'s test clock jumps; an extension clears it', async ({a, srv, sec, clockFile}) => {
	await srv.api('POST', `/incidents/${sec}/tracks`, {owner: 'Sam Ortiz', goal: 'Rotate the leaked keys', timeboxMinutes: 5}, MIM);
	const guard = region(a, 'Guardrails');
	await a.getByRole('timer', {name: 'Time left on “Rotate the leaked keys”'}).waitFor();
	check(!(await guard.isVisible()), 'a guardrail is shown before any threshold passed');
	const t0 = Date.now();
	fs.writeFileSync(clockFile, String(11 * 60 * 1000));
	// Nobody touches the incident: the server's sweep fires the nudges, the stream brings them.
	await guard.getByText(/No CAN report 10 min after opening/).waitFor({timeout: 5000});
	await guard.getByText(/Rotate the leaked keys.*ran out/).waitFor({timeout: 5000});
	suite.note(`clock jump → nudge on screen ${Date.now() - t0} ms`);
	const row = a.locator('li.track', {hasText: 'Rotate the leaked keys'});
	await row.getByText(/Timebox expired — extend it/).waitFor();
	await a.getByRole('list', {name: 'Timeline entries'}).locator('.t-guardrail', {hasText: 'No CAN report'}).first().waitFor();
	await a.getByRole('spinbutton', {name: 'New timebox in minutes for “Rotate the leaked keys”'}).fill('20');
	await a.getByRole('button', {name: 'Extend “Rotate the leaked keys”'}).click();
	await guard.getByText(/Rotate the leaked keys/).waitFor({state: 'detached', timeout: 3000});
	await row.getByText(/Timebox expired/).waitFor({state: 'detached'});
	check(await guard.getByText(/No CAN report/).isVisible(), 'the other nudge went away too');
	fs.writeFileSync(clockFile, '0');
});

suite.case('phone (390 px) with every doctrine panel: no horizontal scroll; every control labelled', async ({browser, srv, id, sec}) => {
	const ctx = await newContext(browser, {actor: MIM, viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
	const page = await ctx.newPage();
	await srv.api('POST', `/incidents/${id}/handoff`, {to: 'Kim Lau', brief: {conditions: 'stable', needs: 'none'}}, NEXT);
	for (const inc of [id, sec]) {
		await open(page, srv, inc);
		for (const d of await page.locator('details').all()) await d.evaluate((el) => { el.open = true; });
		await page.waitForTimeout(150);
		const w = await page.evaluate(() => ({doc: document.documentElement.scrollWidth, inner: window.innerWidth}));
		check(w.doc <= w.inner, `${inc} scrolls sideways: ${w.doc}px in ${w.inner}px`);
		const unnamed = await page.evaluate(() => {
			const bad = [];
			for (const el of document.querySelectorAll('input, select, textarea, button, [role=button], a[href]')) {
				if (el.closest('[hidden]') || el.type === 'hidden') continue;
				const name = (el.getAttribute('aria-label') || (el.labels && el.labels.length && el.labels[0].textContent) ||
					(/^(BUTTON|A)$/.test(el.tagName) ? el.textContent : '') || '').trim();
				if (!name) bad.push(el.outerHTML.slice(0, 120));
			}
			return bad;
		});
		check(unnamed.length === 0, `unnamed controls on ${inc}: ${unnamed.join(' | ')}`);
		for (const name of ['CAN reports', 'Recovery tracks', 'Hypotheses']) await page.getByRole('heading', {name}).waitFor();
	}
	await ctx.close();
});

suite.case('no page errors, no request to another host', async ({errors}) => {
	check(errors.length === 0, errors.join(' | '));
});

await suite.run({
	async setup() {
		const srv = new Server();
		const clockFile = path.join(srv.dir, 'clock-offset-ms');
		fs.writeFileSync(clockFile, '0');
		process.env.MAJOROPS_TEST_CLOCK_OFFSET_FILE = clockFile;
		process.env.MAJOROPS_GUARDRAIL_SWEEP_MS = '200';
		await srv.start();
		const id = (await srv.api('POST', '/incidents', {title: 'Checkout latency spike', severity: 'critical',
			affectedSystems: ['checkout', 'payments-api']}, MIM)).id;
		await srv.api('PUT', `/incidents/${id}/roles/mim`, {person: MIM}, MIM);
		const browser = await launchBrowser();
		const errors = [];
		const a = watchPage(await (await newContext(browser, {actor: MIM})).newPage(), errors);
		const b = watchPage(await (await newContext(browser, {actor: NEXT})).newPage(), errors);
		return {srv, browser, a, b, id, errors, clockFile};
	},
	async teardown(t) {
		if (!t) return [];
		await t.browser.close();
		const problems = await t.srv.stop();
		t.srv.cleanup();
		return problems;
	},
});
