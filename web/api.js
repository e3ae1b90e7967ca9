// api — the one way the browser talks to the server: fetch under /api/v1, JSON in and out.
// Failures surface as ApiError carrying the server's {code, message, field, rule}.
// Signed in (issue 7), the server knows who acts: session() asks GET /api/v1/session once
// and keeps its CSRF token, sent as X-CSRF-Token on every write; a 401 sends the browser
// to /login?next=<this page>.  With sign-in off (--insecure-no-auth) the acting person is
// the "you are" name kept in localStorage and sent as X-MajorOps-Actor.
import {noteServerDate} from './time.js';

const ACTOR_KEY = 'majorops.actor';
export const API_BASE = '/api/v1';

export function actor() {
	try {
		return localStorage.getItem(ACTOR_KEY) || '';
	} catch {
		return '';
	}
}

export function setActor(name) {
	const clean = String(name || '').trim().slice(0, 200);
	try {
		if (clean) localStorage.setItem(ACTOR_KEY, clean);
		else localStorage.removeItem(ACTOR_KEY);
	} catch {
		// private mode: the name lasts for this page only
	}
	memo = clean;
	return clean;
}

let memo = null;
function currentActor() {
	if (memo === null) memo = actor();
	return memo;
}

export class ApiError extends Error {
	constructor(status, body) {
		const e = (body && body.error) || {};
		super(e.message || (status ? `the server answered ${status}` : 'the server cannot be reached'));
		this.status = status;
		this.code = e.code || (status ? 'http_' + status : 'network');
		this.field = e.field || null;
		this.rule = e.rule || null;
	}
}

// The signed-in session: {user, display, role, auth, csrfToken}, or null when not signed
// in.  auth "none" is sign-in off.  Asked once; refreshSession() asks again.
let sessionPromise = null;
export function session() {
	if (!sessionPromise) sessionPromise = loadSession();
	return sessionPromise;
}
export function refreshSession() {
	sessionPromise = loadSession();
	return sessionPromise;
}
// The session once known (null before): with sign-in on, no X-MajorOps-Actor is sent.
let known = null;
async function loadSession() {
	try {
		const resp = await fetch(API_BASE + '/session', {headers: {Accept: 'application/json', ...actorHeader()},
			cache: 'no-store', credentials: 'same-origin'});
		known = resp.ok ? await resp.json() : null;
		return known;
	} catch {
		return null;
	}
}

function actorHeader() {
	const me = currentActor();
	return me && !/[^\u0020-\u00ff]/.test(me) ? {'X-MajorOps-Actor': me} : {};
}

// Set while signing out: the server ends this session's live stream as it signs out, and
// the stream's drop must not send the browser to the sign-in page a second time.
let signingOut = false;

// After the live stream dropped: when the server says the session is over (401), on to the
// sign-in page; a server that cannot be reached is left to the stream's reconnecting.
// The server also ends the stream when the session is replaced (a password change gives
// this browser a new session while the old one's stream closes), so a 401 is asked twice,
// a second apart, before leaving the page.
export async function checkSignedIn() {
	const signedOut = async () => {
		const resp = await fetch(API_BASE + '/session', {headers: {Accept: 'application/json', ...actorHeader()},
			cache: 'no-store', credentials: 'same-origin'});
		return resp.status === 401;
	};
	if (signingOut) return; // the sign-out goes to the sign-in page itself
	try {
		if (!(await signedOut())) return;
		await new Promise((r) => setTimeout(r, 1000));
		if (!signingOut && (await signedOut())) location.assign(signInPage());
	} catch {
		// offline: the stream reports it
	}
}

export function signInPage() {
	return '/login?next=' + encodeURIComponent(location.pathname + location.search);
}

// Signs out (this browser) and goes to the sign-in page.
export async function signOut() {
	signingOut = true;
	const s = await session();
	try {
		await fetch(API_BASE + '/session', {method: 'DELETE', credentials: 'same-origin',
			headers: s && s.csrfToken ? {'X-CSRF-Token': s.csrfToken} : {}});
	} finally {
		location.assign('/login');
	}
}

export async function request(method, path, body, options = {}) {
	const headers = {Accept: 'application/json'};
	const me = known && known.auth !== 'none' ? '' : currentActor();
	if (method !== 'GET' && method !== 'HEAD') {
		const s = await session();
		if (s && s.csrfToken) headers['X-CSRF-Token'] = s.csrfToken;
	}
	if (me) {
		if (/[^\u0020-\u00ff]/.test(me))
			throw new ApiError(400, {error: {code: 'invalid_field', field: 'actor',
				message: 'until sign-in exists your name must use Latin-1 characters'}});
		headers['X-MajorOps-Actor'] = me;
	}
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (options.ifMatch !== undefined && options.ifMatch !== null) headers['If-Match'] = `"${options.ifMatch}"`;
	let resp;
	try {
		resp = await fetch(API_BASE + path, {
			method, headers, cache: 'no-store', credentials: 'same-origin', signal: options.signal,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (err) {
		if (err && err.name === 'AbortError') throw err;
		throw new ApiError(0, null);
	}
	noteServerDate(resp.headers.get('Date'));
	const raw = await resp.text();
	let data = null;
	if (raw) {
		try {
			data = JSON.parse(raw);
		} catch {
			data = null;
		}
	}
	if (resp.status === 401 && !options.noRedirect) {
		location.assign(signInPage());
		throw new ApiError(resp.status, data);
	}
	// A session that changed under us (signed in again elsewhere in this browser): its new
	// CSRF token, and one more try.
	if (resp.status === 403 && data && data.error && data.error.code === 'csrf' && !options.retried) {
		const s = await refreshSession();
		if (s && s.csrfToken) return request(method, path, body, {...options, retried: true});
	}
	if (!resp.ok) throw new ApiError(resp.status, data);
	return data;
}

export const api = {
	get: (path, o) => request('GET', path, undefined, o),
	post: (path, body, o) => request('POST', path, body || {}, o),
	patch: (path, body, o) => request('PATCH', path, body, o),
	put: (path, body, o) => request('PUT', path, body, o),
	delete: (path, o) => request('DELETE', path, undefined, o),
};

// A 404 or 405 from an endpoint that is not built yet: the panel hides.
export function isMissing(err) {
	return err instanceof ApiError && (err.status === 404 || err.status === 405);
}

// "title: title is longer than 200 characters" — the message, naming the field.
export function describe(err) {
	if (!(err instanceof Error)) return String(err);
	if (err.field && !err.message.includes(err.field)) return `${err.field}: ${err.message}`;
	return err.message;
}
