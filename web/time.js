// time — every time on the wire is UTC ISO 8601; the browser shows the viewer's zone, with
// UTC on hover.  `now()` is the browser clock corrected by the server's Date header, so
// clocks and countdowns tick from server timestamps even on a skewed laptop.
import {h} from './dom.js';

let offsetMs = 0;

export function noteServerDate(dateHeader) {
	const server = Date.parse(dateHeader || '');
	if (Number.isNaN(server)) return;
	const delta = server - Date.now();
	// The Date header has one-second resolution: only correct real skew.
	offsetMs = Math.abs(delta) > 2000 ? delta : 0;
}

export function now() {
	return Date.now() + offsetMs;
}

const pad = (n) => String(n).padStart(2, '0');

export function utcString(ms) {
	const d = new Date(ms);
	return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
		`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

export function localClock(ms) {
	const d = new Date(ms);
	return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function utcClock(ms) {
	const d = new Date(ms);
	return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function zoneName() {
	try {
		const part = new Intl.DateTimeFormat(undefined, {timeZoneName: 'short'})
			.formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
		return part ? part.value : 'local';
	} catch {
		return 'local';
	}
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// "14:32:05" today, "Nov 23 14:32" otherwise, in the viewer's zone.
export function localShort(ms) {
	const d = new Date(ms);
	const today = new Date(now());
	if (d.toDateString() === today.toDateString()) return localClock(ms);
	return `${MONTHS[d.getMonth()]} ${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// <time> in the viewer's zone with the UTC time as its tooltip.
export function timeEl(iso, cls) {
	if (!iso) return h('span.dim', '—');
	const ms = Date.parse(iso);
	return h('time', {datetime: iso, title: utcString(ms), class: cls}, localShort(ms));
}

// 3725000 → "1h 02m", 125000 → "2m 05s", 5000 → "5s".
export function duration(ms) {
	const s = Math.max(0, Math.floor(ms / 1000));
	const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
	if (hh >= 24) return `${Math.floor(hh / 24)}d ${hh % 24}h`;
	if (hh) return `${hh}h ${pad(mm)}m`;
	if (mm) return `${mm}m ${pad(ss)}s`;
	return `${ss}s`;
}

// Countdown text toward `iso`: "in 14m 10s" or "overdue 3m 02s".
export function countdown(iso) {
	const left = Date.parse(iso) - now();
	return left >= 0 ? `in ${duration(left)}` : `overdue ${duration(-left)}`;
}

// green → amber (30 min) → red (60 min), as a class name.
export function ageClass(ms, amberMin = 30, redMin = 60) {
	if (ms >= redMin * 60000) return 'red';
	if (ms >= amberMin * 60000) return 'amber';
	return 'green';
}

// <input type=datetime-local> value (viewer's zone) from ISO, and back.
export function toLocalInput(iso) {
	if (!iso) return '';
	const d = new Date(Date.parse(iso));
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value) {
	if (!value) return null;
	const ms = new Date(value).getTime();
	return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function isoIn(minutes) {
	return new Date(now() + minutes * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Advances every live clock under `root` — one timer for the whole page:
//   [data-clock=utc|local]      the wall clock
//   [data-since=ISO]            elapsed time (stops at data-stop when set)
//   [data-countdown=ISO]        "in 12m 30s" / "overdue 2m"; class due (≤ 5 min) / overdue
//   [data-age=ISO]              class green → amber (30 min) → red (60 min) (stops at data-stop)
//   [data-ago=ISO]              "just now", "12 min ago", "1 h 05 min ago"
export function tickAll(root = document) {
	const t = now();
	for (const el of root.querySelectorAll('[data-clock]')) {
		const s = el.dataset.clock === 'utc' ? utcClock(t) : localClock(t);
		if (el.textContent !== s) el.textContent = s;
	}
	for (const el of root.querySelectorAll('[data-since]')) {
		const end = el.dataset.stop ? Date.parse(el.dataset.stop) : t;
		const s = duration(end - Date.parse(el.dataset.since));
		if (el.textContent !== s) el.textContent = s;
	}
	for (const el of root.querySelectorAll('[data-countdown]')) {
		const left = Date.parse(el.dataset.countdown) - t;
		const s = left >= 0 ? `in ${duration(left)}` : `overdue ${duration(-left)}`;
		if (el.textContent !== s) el.textContent = s;
		el.classList.toggle('overdue', left < 0);
		el.classList.toggle('due', left >= 0 && left <= 5 * 60000);
	}
	for (const el of root.querySelectorAll('[data-ago]')) {
		const m = Math.floor((t - Date.parse(el.dataset.ago)) / 60000);
		const s = m < 1 ? 'just now' : m < 60 ? `${m} min ago` : `${Math.floor(m / 60)} h ${pad(m % 60)} min ago`;
		if (el.textContent !== s) el.textContent = s;
	}
	for (const el of root.querySelectorAll('[data-age]')) {
		const end = el.dataset.stop ? Date.parse(el.dataset.stop) : t;
		const cls = ageClass(end - Date.parse(el.dataset.age));
		if (!el.classList.contains(cls)) {
			el.classList.remove('green', 'amber', 'red');
			el.classList.add(cls);
		}
	}
}
