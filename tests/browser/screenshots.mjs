// screenshots — fills a server with a realistic incident through the API and saves PNGs of
// the console under docs/screenshots/: the fireground on a desktop and on a phone, the
// exec view, the intake and the incident list.  Run: node tests/browser/screenshots.mjs
// The seed runs 8 minutes in the server's past (its test clock, MAJOROPS_TEST_CLOCK_OFFSET_FILE)
// so a recovery track's timebox has run out and its guardrail is showing, while the first
// ten minutes are still open.
import fs from 'node:fs';
import path from 'node:path';
import {REPO, Server, launchBrowser, newContext, sleep} from './lib.mjs';

const OUT = path.join(REPO, 'docs', 'screenshots');
const MIM = 'Dana Reyes';

async function seed(srv, clockFile) {
	const api = (m, p, b, who = MIM) => srv.api(m, p, b, who);
	fs.writeFileSync(clockFile, String(-8 * 60000));
	const minutesAgo = (m) => new Date(Date.now() - m * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
	const inc = await api('POST', '/incidents', {
		title: 'prod-payments-api not responding', severity: 'critical',
		affectedSystems: ['payments-api', 'checkout', 'card-auth'], bridgeUrl: 'https://meet.example.com/inc-payments',
		description: 'Card authorisations time out at the payments gateway since 14:02 UTC. Checkout error rate 38 %.\nFault domain: payments-api → card-auth connection pool.',
		startedAt: minutesAgo(41), alertFiredAt: minutesAgo(38), customerCount: 12400, externalImpact: true,
	});
	const id = inc.id;
	for (const [role, person] of [['mim', MIM], ['deputy', 'Lee Park'], ['scribe', 'Ana Silva'], ['sre', 'Sam Ortiz'],
		['customerOps', 'Priya Nair'], ['internalLiaison', 'Tom Becker'], ['serviceManager', 'Jo Wright']])
		await api('PUT', `/incidents/${id}/roles/${role}`, {person});
	await api('POST', `/incidents/${id}/responders`, {person: 'Sam Ortiz', role: 'sre', state: 'onScene'});
	await api('POST', `/incidents/${id}/responders`, {person: 'Kim Lau', role: 'sme', state: 'joining'});
	await api('POST', `/incidents/${id}/responders`, {rotation: 'dba-oncall', person: 'Ravi Shah', role: 'sme', state: 'paged'});
	await api('POST', `/incidents/${id}/phase`, {advance: true});
	await api('POST', `/incidents/${id}/timeline`, {text: 'App team — C: 38 % checkout errors, p99 12 s. A: draining pool on pay-3. N: DBA for card-auth.'});
	await api('POST', `/incidents/${id}/timeline`, {text: 'Timebox: conditions from Database in 5 minutes.'});
	await api('POST', `/incidents/${id}/phase`, {advance: true});
	await api('PATCH', `/incidents/${id}`, {severity: 'critical', severityReason: 'Blast radius confirmed: all card payments'});
	await api('POST', `/incidents/${id}/phase`, {advance: true});
	await api('POST', `/incidents/${id}/updates`, {audience: 'public', kind: 'milestone',
		body: 'Card payments are failing for some customers. We have identified the affected service and are working on recovery. Next update in 30 minutes.',
		nextUpdateEta: new Date(Date.now() + 24 * 60000).toISOString()});
	await api('POST', `/incidents/${id}/updates`, {audience: 'internal', kind: 'milestone',
		body: 'Connection pool exhaustion between payments-api and card-auth. Two recovery tracks open: pool resize (SRE) and failover to card-auth-b (DBA).',
		nextUpdateEta: new Date(Date.now() + 50 * 60000).toISOString()});
	await api('POST', `/incidents/${id}/timeline`, {text: 'Decision: fail over card-auth to the B cluster if pool resize has not helped by 14:55.', visibility: 'public'});
	await api('POST', `/incidents/${id}/timeline`, {text: '[Initial] Exec bridge informed; CFO asks for revenue impact estimate.', payload: {phaseNote: 4}});
	for (const [team, conditions, actions, needs] of [
		['App team', 'Checkout error rate 38 %, p99 12 s on payments-api', 'Draining the pool on pay-3', 'A DBA on card-auth'],
		['Database', 'card-auth primary at 100 % connections; replicas healthy', 'Failover to cluster B prepared', 'none'],
		['Network', 'I think the LB in eu-west is dropping packets', 'We will check the LB logs', ''],
	]) await api('POST', `/incidents/${id}/can`, {team, conditions, actions, needs});
	await api('POST', `/incidents/${id}/tracks`, {owner: 'Sam Ortiz', team: 'SRE', goal: 'Resize the card-auth connection pool', timeboxMinutes: 5});
	await api('POST', `/incidents/${id}/tracks`, {owner: 'Ravi Shah', team: 'Database', goal: 'Fail over card-auth to cluster B', timeboxMinutes: 30});
	await api('POST', `/incidents/${id}/hypotheses`, {statement: 'CDN misconfiguration after the 13:50 deploy', owner: 'Kim Lau'});
	await api('PATCH', `/incidents/${id}/hypotheses/1`, {state: 'testing'});
	await api('PATCH', `/incidents/${id}/hypotheses/1`, {state: 'rejected', evidence: 'Rolled the CDN config back at 14:12; error rate unchanged'});
	await api('POST', `/incidents/${id}/hypotheses`, {statement: 'card-auth connection pool exhausted', owner: 'Sam Ortiz', state: 'testing'});
	await api('POST', `/incidents/${id}/hypotheses`, {statement: 'Card network (acquirer) degraded', owner: 'Jo Wright'});
	await api('PATCH', `/incidents/${id}`, {
		businessImpact: 'Card checkout down for ~40 % of attempts; est. €18k revenue per 10 minutes.',
		customerImpactSummary: 'Customers see "payment failed" at checkout; retries mostly fail.',
		riskLevel: 'High — weekend sale starts 18:00', execSummary: 'Cause isolated to the card-auth connection pool; failover ready.',
	});
	const second = await api('POST', '/incidents', {title: 'Search results stale in EU region', severity: 'high',
		affectedSystems: ['search-indexer'], customerCount: 3100, externalImpact: true}, 'Lee Park');
	await api('PUT', `/incidents/${second.id}/roles/mim`, {person: 'Lee Park'}, 'Lee Park');
	await api('PATCH', `/incidents/${second.id}`, {businessImpact: 'Stale prices shown in EU search.', riskLevel: 'Medium',
		customerImpactSummary: 'Some EU customers see yesterday’s prices in search.', execSummary: 'Indexer lag 2 h; re-index running.'}, 'Lee Park');
	await api('POST', `/incidents/${second.id}/updates`, {audience: 'exec', kind: 'holding'}, 'Lee Park');
	fs.writeFileSync(clockFile, '0');
	await sleep(1000); // the guardrail sweep writes the expired timebox
	return id;
}

async function main() {
	fs.mkdirSync(OUT, {recursive: true});
	const srv = new Server();
	const clockFile = path.join(srv.dir, 'clock-offset-ms');
	fs.writeFileSync(clockFile, '0');
	process.env.MAJOROPS_TEST_CLOCK_OFFSET_FILE = clockFile;
	process.env.MAJOROPS_GUARDRAIL_SWEEP_MS = '200';
	await srv.start();
	const browser = await launchBrowser();
	try {
		const id = await seed(srv, clockFile);
		const shots = [
			['fireground-desktop.png', {width: 1440, height: 2400}, `/admin/incidents/${id}`, false],
			['fireground-phone.png', {width: 390, height: 844}, `/admin/incidents/${id}`, false],
			['exec.png', {width: 1440, height: 900}, '/exec', false],
			['incidents.png', {width: 1440, height: 700}, '/admin', false],
			['new.png', {width: 1100, height: 760}, '/new', false],
		];
		for (const [name, viewport, url, full] of shots) {
			const ctx = await newContext(browser, {actor: MIM, viewport, deviceScaleFactor: 1});
			const page = await ctx.newPage();
			await page.goto(srv.url + url);
			if (url.startsWith('/admin/incidents')) await page.waitForSelector('[data-ready=true]');
			await sleep(700);
			// The wordmark blinks: take it in its lit half.
			await page.evaluate(() => { document.querySelector('.wordmark').style.animation = 'none'; });
			await page.screenshot({path: path.join(OUT, name), fullPage: full});
			console.log(`saved docs/screenshots/${name}`);
			await ctx.close();
		}
	} finally {
		await browser.close();
		const problems = await srv.stop();
		srv.cleanup();
		if (problems.length) console.error(problems.join('\n'));
	}
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
