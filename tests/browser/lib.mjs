// lib — shared helpers for the browser tests: a sanitized server on a free loopback port
// with its own temporary database, Debian's Chromium driven by playwright-core, a tiny
// API client, and the case runner printing tests/run.sh's contract:
// `ok - NAME` / `FAIL - NAME: why` per case and `N passed, N failed` last.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SANITIZER_MARKS = ['AddressSanitizer', 'runtime error:', 'LeakSanitizer', 'UndefinedBehaviorSanitizer'];

export async function loadPlaywright() {
	try {
		return await import('playwright-core');
	} catch (err) {
		throw new Error(`playwright-core is not installed (run npm ci at the repository root): ${err.message}`);
	}
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const {port} = s.address();
			s.close(() => resolve(port));
		});
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One server: `start()` runs BIN serve; `stop()` SIGTERMs it and returns problems found
// (non-zero exit, sanitizer reports); `restart()` keeps the port and the database.
export class Server {
	// `auth`: true runs with sign-in enforced; by default MAJOROPS_INSECURE_NO_AUTH=1
	// (every request acts as admin, the actor from X-MajorOps-Actor).
	constructor({auth = false} = {}) {
		this.auth = auth;
		this.bin = process.env.MAJOROPS_BIN || path.join(REPO, 'build', 'majorops-san');
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'majorops-browser-'));
		this.db = path.join(this.dir, 'test.db');
		this.port = 0;
		this.proc = null;
		this.stderr = '';
		this.problems = [];
	}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	async start() {
		if (!fs.existsSync(this.bin)) {
			if (!this.everStarted) this.cleanup();
			throw new Error(`no server binary at ${this.bin} (make build/majorops-san)`);
		}
		if (!this.port) this.port = await freePort();
		const env = {
			...process.env,
			ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
			UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1',
		};
		if (this.auth) delete env.MAJOROPS_INSECURE_NO_AUTH;
		else env.MAJOROPS_INSECURE_NO_AUTH = '1';
		this.proc = spawn(this.bin, ['serve', '--listen', `127.0.0.1:${this.port}`, '--db', this.db],
			{env, stdio: ['ignore', 'ignore', 'pipe']});
		this.proc.stderr.on('data', (d) => { this.stderr += d.toString(); });
		let spawnError = null;
		this.exited = new Promise((resolve) => {
			this.proc.on('exit', (code, signal) => resolve({code, signal}));
			this.proc.on('error', (err) => {
				spawnError = err;
				resolve({code: -1, signal: null});
			});
		});
		const deadline = Date.now() + 15000;
		while (Date.now() < deadline) {
			try {
				const r = await fetch(`${this.url}/healthz`);
				if (r.ok) {
					this.everStarted = true;
					return this;
				}
			} catch {
				// not up yet
			}
			if (this.proc.exitCode !== null || spawnError) break;
			await sleep(50);
		}
		const why = spawnError ? `cannot run ${this.bin}: ${spawnError.message}` : this.stderr.slice(-800);
		if (this.proc.exitCode === null && !spawnError) this.proc.kill('SIGKILL');
		this.proc = null;
		if (!this.everStarted) this.cleanup();
		throw new Error(`the server did not come up on ${this.url}: ${why}`);
	}

	async stop() {
		if (!this.proc) return this.problems;
		const proc = this.proc;
		this.proc = null;
		proc.kill('SIGTERM');
		const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
		const {code, signal} = await this.exited;
		clearTimeout(killer);
		if (code !== 0) this.problems.push(`the server exited with ${code === null ? signal : code}`);
		for (const mark of SANITIZER_MARKS) {
			const i = this.stderr.indexOf(mark);
			if (i >= 0) {
				this.problems.push(`sanitizer report: ${this.stderr.slice(Math.max(0, i - 200), i + 1200)}`);
				break;
			}
		}
		this.stderr = '';
		return this.problems;
	}

	async restart() {
		await this.stop();
		await this.start();
	}

	cleanup() {
		fs.rmSync(this.dir, {recursive: true, force: true});
	}

	// The JSON API, as a script would call it.
	async api(method, apiPath, body, actor = 'test-harness') {
		const headers = {'X-MajorOps-Actor': actor};
		if (body !== undefined) headers['Content-Type'] = 'application/json';
		const r = await fetch(`${this.url}/api/v1${apiPath}`, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
		const text = await r.text();
		const data = text ? JSON.parse(text) : null;
		if (!r.ok) {
			const err = new Error(`${method} ${apiPath} → ${r.status} ${text.slice(0, 300)}`);
			err.status = r.status;
			err.body = data;
			throw err;
		}
		return data;
	}
}

export const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

export async function launchBrowser() {
	if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium; scripts/deps.sh does)`);
	const {chromium} = await loadPlaywright();
	return chromium.launch({executablePath: CHROMIUM, args: LAUNCH_ARGS, headless: true});
}

// A new context whose pages send `actor` as the "you are" name (localStorage, as a person would set it).
export async function newContext(browser, {actor, viewport = {width: 1440, height: 900}, ...rest} = {}) {
	const ctx = await browser.newContext({viewport, timezoneId: 'Europe/Berlin', locale: 'en-GB', ...rest});
	if (actor) await ctx.addInitScript((name) => localStorage.setItem('majorops.actor', name), actor);
	return ctx;
}

// Collects page errors and console errors so a case can fail on them.
export function watchPage(page, sink) {
	page.on('pageerror', (e) => sink.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource|ERR_CONNECTION_REFUSED|EventSource/.test(m.text())) sink.push(`console: ${m.text()}`);
	});
	page.on('request', (r) => {
		const u = new URL(r.url());
		if (u.hostname !== '127.0.0.1' && u.protocol !== 'data:') sink.push(`request to another host: ${r.url()}`);
	});
	return page;
}

export function check(cond, message) {
	if (!cond) throw new Error(message);
}

export class Suite {
	constructor(name) {
		this.name = name;
		this.cases = [];
		this.passed = 0;
		this.failed = 0;
		this.notes = [];
	}

	case(name, fn) {
		this.cases.push({name, fn});
	}

	// A measurement: printed on the case's own `ok` line, so tests/run.sh shows it too.
	note(text) {
		this.notes.push(text);
	}

	async run({setup, teardown} = {}) {
		let ctx = null;
		try {
			ctx = setup ? await setup() : {};
		} catch (err) {
			console.log(`FAIL - ${this.name} setup: ${oneLine(err)}`);
			this.failed += 1;
			ctx = null;
		}
		if (ctx) {
			for (const c of this.cases) {
				const t0 = Date.now();
				this.notes = [];
				try {
					await c.fn(ctx);
					this.passed += 1;
					const notes = this.notes.length ? ` — ${this.notes.join('; ')}` : '';
					console.log(`ok - ${c.name} (${Date.now() - t0} ms)${notes}`);
				} catch (err) {
					this.failed += 1;
					const notes = this.notes.length ? ` [${this.notes.join('; ')}]` : '';
					console.log(`FAIL - ${c.name}: ${oneLine(err)}${notes}`);
				}
			}
		}
		if (teardown) {
			try {
				const problems = (await teardown(ctx)) || [];
				for (const p of problems) {
					this.failed += 1;
					console.log(`FAIL - ${this.name} server: ${oneLine(p)}`);
				}
			} catch (err) {
				this.failed += 1;
				console.log(`FAIL - ${this.name} teardown: ${oneLine(err)}`);
			}
		}
		console.log(`${this.passed} passed, ${this.failed} failed`);
		process.exit(this.failed ? 1 : 0);
	}
}

function oneLine(err) {
	const s = err instanceof Error ? err.message : String(err);
	return s.replace(/\s+/g, ' ').slice(0, 1500);
}

export {sleep};
