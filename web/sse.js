// sse — the page's one live connection: an EventSource on /api/v1/stream.
// The browser resumes a dropped stream by itself, sending Last-Event-ID; when the server
// refuses the stream outright (EventSource gives up), this opens a new one with
// ?lastEventId= so nothing is lost either way.  While down, status is 'offline'.
import {API_BASE} from './api.js';

// Every event type the server sends (src/service.c and src/command.c: the `event_type`s
// of record_change).  A browser EventSource delivers only the named types it listens for;
// tests/browser/test_command.mjs checks this list against the server's sources.
export const EVENT_TYPES = [
	'incident.opened', 'incident.updated', 'incident.phase', 'incident.reopened',
	'timeline.entry', 'update.published', 'role.assigned', 'responder.changed',
	'can.reported', 'track.changed', 'hypothesis.changed',
	'handoff.offered', 'handoff.accepted', 'handoff.withdrawn', 'authority.changed',
	'clock.changed', 'approval.recorded', 'guardrail.fired', 'action.changed', 'afterAction.changed',
];

export class LiveStream {
	// onEvent(data, id) for each event; onStatus('connecting'|'live'|'offline', info).
	constructor({onEvent, onStatus}) {
		this.onEvent = onEvent;
		this.onStatus = onStatus;
		this.lastId = null;
		this.source = null;
		this.retryTimer = 0;
		this.backoff = 1000;
		this.everOpen = false;
		this.opened = new Promise((resolve) => { this.resolveOpened = resolve; });
		this.handle = (ev) => this.receive(ev);
	}

	start() {
		this.connect();
		return this;
	}

	connect() {
		clearTimeout(this.retryTimer);
		let url = API_BASE + '/stream';
		if (this.lastId !== null && this.source === null) url += '?lastEventId=' + encodeURIComponent(this.lastId);
		this.source = new EventSource(url);
		this.source.onopen = () => {
			this.backoff = 1000;
			const resumed = this.everOpen;
			this.everOpen = true;
			this.onStatus('live', {resumed, lastId: this.lastId});
			this.resolveOpened();
		};
		this.source.onerror = () => {
			this.onStatus('offline', {lastId: this.lastId});
			if (this.source && this.source.readyState === EventSource.CLOSED) {
				// The browser gave up (the server answered but not with a stream): retry ourselves.
				this.source = null;
				this.retryTimer = setTimeout(() => this.connect(), this.backoff);
				this.backoff = Math.min(this.backoff * 2, 15000);
			}
		};
		this.source.onmessage = this.handle;
		for (const t of EVENT_TYPES) this.source.addEventListener(t, this.handle);
	}

	receive(ev) {
		if (ev.lastEventId) this.lastId = ev.lastEventId;
		let data;
		try {
			data = JSON.parse(ev.data);
		} catch {
			return;
		}
		if (data && !data.type) data.type = ev.type;
		this.onEvent(data, ev.lastEventId);
	}

	// Resolves when the stream first opens, or after `ms` regardless.
	whenOpen(ms = 1500) {
		return Promise.race([this.opened, new Promise((r) => setTimeout(r, ms))]);
	}

	stop() {
		clearTimeout(this.retryTimer);
		if (this.source) this.source.close();
		this.source = null;
	}
}
