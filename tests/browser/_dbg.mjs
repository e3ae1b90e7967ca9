import {Server, launchBrowser, newContext, watchPage, sleep} from './lib.mjs';
const srv = await new Server().start();
const browser = await launchBrowser();
const ctx = await newContext(browser, {actor: 'x'});
const page = await ctx.newPage();
page.on('pageerror', e => console.log('pageerror', e.message));
await page.goto(srv.url + '/new');
await page.getByLabel('Title', {exact: true}).fill('abc');
await page.getByLabel('Title', {exact: true}).press('Enter');
await page.waitForSelector('[data-ready=true]');
for (let i = 0; i < 4; i++) { console.log(Date.now(), await page.getByLabel('Clock').innerText().then(s=>s.replace(/\n/g,' '))); await sleep(700); }
await browser.close(); await srv.stop(); srv.cleanup();
