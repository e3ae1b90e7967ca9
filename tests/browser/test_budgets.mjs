// test_budgets — the fireground's budgets and the phone: HTML+JS+CSS under 150 KB
// uncompressed, 2,000 timeline entries rendered under 300 ms, every view at 390 px wide
// without horizontal scrolling, and the embedded assets' caching (immutable URLs, ETag, 304).
import {Server, Suite, launchBrowser, newContext, watchPage, check} from './lib.mjs';

const SIZE_BUDGET = 150 * 1024;
const RENDER_BUDGET_MS = 300;
const FULL_LIST_BOUND_MS = 1000;
const ENTRIES = 2000;
const suite = new Suite('budgets');

async function ready(page) {
	await page.waitForSelector('[data-ready=true]', {timeout: 20000});
}

suite.case('fireground HTML+JS+CSS is under 150 KB uncompressed', async ({srv, browser, small}) => {
	const ctx = await newContext(browser, {actor: 'Dana Reyes'});
	const page = await ctx.newPage();
	const sizes = new Map(), wire = new Map();
	page.on('response', async (r) => {
		const type = r.request().resourceType();
		if (!['document', 'script', 'stylesheet'].includes(type)) return;
		try {
			sizes.set(r.url(), (await r.body()).length);
			wire.set(r.url(), (await r.request().sizes()).responseBodySize);
		} catch {
			// a redirect or an aborted body: nothing to count
		}
	});
	await page.goto(`${srv.url}/admin/incidents/${small}`);
	await ready(page);
	await page.waitForLoadState('networkidle').catch(() => {});
	const total = [...sizes.values()].reduce((a, b) => a + b, 0);
	const onWire = [...wire.values()].reduce((a, b) => a + b, 0);
	suite.note(`fireground HTML+JS+CSS: ${sizes.size} files, ${(total / 1024).toFixed(1)} KB uncompressed (budget ${SIZE_BUDGET / 1024} KB), ${(onWire / 1024).toFixed(1)} KB gzipped on the wire`);
	check(sizes.size >= 3, `only ${sizes.size} documents/scripts/stylesheets were seen`);
	check(total < SIZE_BUDGET, `${total} bytes`);
	await ctx.close();
});

suite.case(`${ENTRIES.toLocaleString('en')} timeline entries render under 300 ms and stay responsive`, async ({srv, browser, big}) => {
	const ctx = await newContext(browser, {actor: 'Dana Reyes'});
	const errors = [];
	const page = watchPage(await ctx.newPage(), errors);
	await page.goto(`${srv.url}/admin/incidents/${big}`);
	await ready(page);
	const list = page.getByRole('list', {name: 'Timeline entries'});
	const count = await page.locator('.tl-bar .count').innerText();
	check(count.includes(`of ${(ENTRIES + 1).toLocaleString('en')} entries`) || count.includes(`${(ENTRIES + 1).toLocaleString('en')} entries`), `count says ${count}`);
	const first = await page.evaluate(() => performance.getEntriesByName('fireground:timeline').map((m) => m.duration));
	// In-page timing of an action up to the next frame, layout included.
	const toNextFrame = (action) => page.evaluate(async (act) => {
		const t0 = performance.now();
		if (act === 'flip') {
			const sel = document.querySelector('select[aria-label="Timeline order"]');
			sel.value = sel.value === 'newest' ? 'oldest' : 'newest';
			sel.dispatchEvent(new Event('change'));
		} else if (act === 'more') {
			document.querySelector('button.tl-more').click();
		} else {
			const box = document.querySelector('textarea[aria-label="New timeline note"]');
			box.focus();
			box.value = 'typing';
			box.dispatchEvent(new Event('input', {bubbles: true}));
		}
		document.querySelector('.tl').getBoundingClientRect();
		await new Promise((r) => requestAnimationFrame(() => r()));
		return performance.now() - t0;
	}, action);
	const flip = await toNextFrame('flip');
	await toNextFrame('flip');
	// Every entry is reachable: "show older" until the whole timeline is on the page.
	const more = [];
	while (await page.locator('button.tl-more').isVisible()) more.push(await toNextFrame('more'));
	const rows = await list.locator('.tl-row').count();
	check(rows === ENTRIES + 1, `${rows} rows after showing everything`);
	const flipAll = await toNextFrame('flip');
	// Responsive with the whole list shown: a live entry arrives, typing answers at once.
	await srv.api('POST', `/incidents/${big}/timeline`, {text: 'entry 2002 arrives live'}, 'Dana Reyes');
	await page.getByText('entry 2002 arrives live').waitFor({timeout: 3000});
	const typing = await toNextFrame('type');
	const render = Math.max(...first);
	suite.note(`${ENTRIES + 1} timeline entries: first render ${render.toFixed(0)} ms (a window of the newest 300 rows), ` +
		`order flip to next frame ${flip.toFixed(0)} ms, "show older" steps ${more.map((m) => m.toFixed(0)).join('/')} ms, ` +
		`all ${rows} rows flipped ${flipAll.toFixed(0)} ms, typing ${typing.toFixed(0)} ms (budget ${RENDER_BUDGET_MS} ms)`);
	check(first.length > 0, 'the render was not measured');
	check(render < RENDER_BUDGET_MS, `first render ${render.toFixed(0)} ms`);
	check(flip < RENDER_BUDGET_MS, `re-render ${flip.toFixed(0)} ms`);
	for (const m of more) check(m < RENDER_BUDGET_MS, `a "show older" step took ${m.toFixed(0)} ms`);
	// The whole list rebuilt at once is beyond what the page does by default (it shows a
	// window): it must stay usable, under a looser bound that survives a loaded machine.
	check(flipAll < FULL_LIST_BOUND_MS, `re-rendering all ${rows} rows took ${flipAll.toFixed(0)} ms`);
	check(typing < 100, `input took ${typing.toFixed(0)} ms to the next frame`);
	check(errors.length === 0, errors.join(' | '));
	await ctx.close();
});

suite.case('phone layout (390×844): no horizontal scroll on any view', async ({srv, browser, small}) => {
	const ctx = await newContext(browser, {actor: 'Dana Reyes', viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
	const page = await ctx.newPage();
	const widths = [];
	for (const path of ['/new', `/admin/incidents/${small}`, '/admin', '/exec']) {
		await page.goto(srv.url + path);
		if (path.startsWith('/admin/incidents')) await ready(page);
		else await page.waitForSelector('#view > *');
		await page.waitForTimeout(200);
		const w = await page.evaluate(() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, inner: window.innerWidth}));
		widths.push(`${path}: ${w.doc}/${w.inner}`);
		check(w.doc <= w.inner && w.body <= w.inner, `${path} scrolls sideways: ${w.doc}px wide in ${w.inner}px`);
	}
	// The commands a MIM needs on a phone are on the first screens.
	await page.goto(`${srv.url}/admin/incidents/${small}`);
	await ready(page);
	const adv = await page.getByRole('button', {name: /^Advance phase/}).boundingBox();
	check(adv && adv.x >= 0 && adv.x + adv.width <= 390, `Advance phase is off screen: ${JSON.stringify(adv)}`);
	const tiles = await page.getByRole('region', {name: 'Incident vitals'}).boundingBox();
	check(tiles && tiles.y + tiles.height <= 844 + 1 && tiles.width <= 390, `tiles: ${JSON.stringify(tiles)}`);
	suite.note(`phone widths: ${widths.join(', ')}`);
	await ctx.close();
});

suite.case('assets: immutable versioned URLs, strong ETags, 304; the shell has no inline script or style', async ({srv}) => {
	const shell = await fetch(`${srv.url}/new`);
	const html = await shell.text();
	check(shell.headers.get('content-type').startsWith('text/html'), 'shell content type');
	check(/default-src 'self'/.test(shell.headers.get('content-security-policy') || ''), 'no CSP on the shell');
	check(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html) && !/<style/.test(html) && !/ style=/.test(html), 'inline script or style in the shell');
	const m = /src="(\/assets\/([0-9a-f]+)\/app\.js)"/.exec(html);
	check(m, 'the shell does not load a versioned app.js');
	const r = await fetch(srv.url + m[1]);
	const etag = r.headers.get('etag');
	check(r.ok && /immutable/.test(r.headers.get('cache-control')), `app.js cache: ${r.headers.get('cache-control')}`);
	// fetch asks for gzip (and inflates): the build-time copy, with its own ETag.
	check(/^"[0-9a-f]{16}-gz"$/.test(etag || ''), `ETag ${etag}`);
	check(r.headers.get('content-encoding') === 'gzip' && /Accept-Encoding/.test(r.headers.get('vary') || ''),
		`app.js encoding ${r.headers.get('content-encoding')}, vary ${r.headers.get('vary')}`);
	const identity = await fetch(srv.url + m[1], {headers: {'Accept-Encoding': 'identity'}});
	const identityTag = identity.headers.get('etag');
	check(identity.headers.get('content-encoding') === null && identityTag === etag.replace('-gz"', '"'),
		`identity app.js: encoding ${identity.headers.get('content-encoding')}, ETag ${identityTag}`);
	check(await identity.text() === await r.clone().text(), 'the gzip app.js inflates to other bytes than the plain one');
	const stale = await fetch(srv.url + m[1], {headers: {'If-None-Match': identityTag}});
	check(stale.status === 200, `the plain ETag matched the gzip bytes: ${stale.status}`);
	check(/javascript/.test(r.headers.get('content-type')), `app.js type ${r.headers.get('content-type')}`);
	const again = await fetch(srv.url + m[1], {headers: {'If-None-Match': etag}});
	check(again.status === 304, `If-None-Match answered ${again.status}`);
	const plain = await fetch(`${srv.url}/assets/app.css`);
	check(plain.ok && plain.headers.get('cache-control') === 'no-cache' && /text\/css/.test(plain.headers.get('content-type')), 'unversioned CSS');
	const missing = await fetch(`${srv.url}/assets/${m[2]}/nope.js`);
	check(missing.status === 404, `missing asset answered ${missing.status}`);
	const sneaky = await fetch(`${srv.url}/assets/${m[2]}/../app.js`);
	check(sneaky.status !== 500, 'a dot-dot path broke the server');
	const bad = await fetch(`${srv.url}/admin/incidents/not-an-id`);
	check(bad.status === 404, `a bad incident id answered ${bad.status}`);
});

await suite.run({
	async setup() {
		const srv = await new Server().start();
		const who = 'Dana Reyes';
		const small = (await srv.api('POST', '/incidents', {title: 'Checkout latency spike with a rather long title that must wrap on a phone screen',
			severity: 'critical', affectedSystems: ['checkout', 'cdn-edge-eu-west-1', 'payments-api'], bridgeUrl: 'https://meet.example.com/a-very-long-bridge-link-that-must-not-widen-the-page'}, who)).id;
		await srv.api('PUT', `/incidents/${small}/roles/mim`, {person: who}, who);
		await srv.api('POST', `/incidents/${small}/responders`, {person: 'Sam Ortiz', role: 'sre', state: 'onScene'}, who);
		await srv.api('POST', `/incidents/${small}/updates`, {audience: 'public', kind: 'holding'}, who);
		const big = (await srv.api('POST', '/incidents', {title: 'Two thousand entries', severity: 'high', affectedSystems: ['db']}, who)).id;
		await srv.api('PUT', `/incidents/${big}/roles/mim`, {person: who}, who);
		const t0 = Date.now();
		let next = 0;
		const worker = async () => {
			while (next < ENTRIES - 1) {
				const i = next++;
				await srv.api('POST', `/incidents/${big}/timeline`, {text: `Entry ${i + 2}: conditions from team ${i % 17}, p99 ${(i * 7) % 900} ms, action noted.`,
					visibility: i % 10 === 0 ? 'public' : 'internal'}, who);
			}
		};
		await Promise.all(Array.from({length: 8}, worker));
		process.stderr.write(`seeded ${ENTRIES} timeline entries in ${Date.now() - t0} ms\n`);
		const browser = await launchBrowser();
		return {srv, browser, small, big};
	},
	async teardown(t) {
		if (!t) return [];
		await t.browser.close();
		const problems = await t.srv.stop();
		t.srv.cleanup();
		return problems;
	},
});
