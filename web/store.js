// store — the page's state, one EventTarget.  Everything that changes state goes through
// these methods, and each dispatches one 'change' event naming what changed, so every view
// has exactly one render path: listen for 'change', re-render the parts named.
//
// State: `incidents` (id → latest incident object, from lists, replies and the stream;
// an older version never replaces a newer one), `focus` (the incident a fireground shows)
// with its `timeline` (sorted by id, de-duplicated), `updates` and `responders`, `conn` (the
// stream).  The command doctrine (CANs, tracks, hypotheses, hand-off, guardrails, clocks)
// lives on the incident itself, so every event's `incidentState` carries it.

export class Store extends EventTarget {
	constructor() {
		super();
		this.incidents = new Map();
		this.focus = null;
		this.timeline = [];
		this.timelineIds = new Set();
		this.updates = [];
		this.responders = [];
		this.conn = {state: 'connecting', resumed: false};
		this.loading = false;
		this.pending = [];
		this.lastEvent = null;
	}

	emit(keys, detail = {}) {
		this.dispatchEvent(new CustomEvent('change', {detail: {keys: new Set(keys), ...detail}}));
	}

	get incident() {
		return this.focus ? this.incidents.get(this.focus) || null : null;
	}

	// Wartime: at least one active (unresolved), non-drill incident.
	get wartime() {
		for (const inc of this.incidents.values())
			if (inc.status !== 'resolved' && !inc.drill) return true;
		return false;
	}

	setConn(state, info = {}) {
		this.conn = {state, ...info};
		this.emit(['conn']);
	}

	// Keeps the newest version of an incident; returns true when it changed anything.
	putIncident(inc, quiet = false) {
		if (!inc || !inc.id) return false;
		const cur = this.incidents.get(inc.id);
		if (cur && typeof cur.version === 'number' && typeof inc.version === 'number' && cur.version > inc.version)
			return false;
		this.incidents.set(inc.id, inc);
		if (!quiet) this.emit(inc.id === this.focus ? ['incident', 'incidents'] : ['incidents'], {id: inc.id});
		return true;
	}

	putIncidents(list) {
		for (const inc of list) this.putIncident(inc, true);
		this.emit(['incidents']);
	}

	// Starts showing one incident: its collections empty until load() fills them.
	setFocus(id) {
		this.focus = id;
		this.timeline = [];
		this.timelineIds = new Set();
		this.updates = [];
		this.responders = [];
		this.loading = true;
		this.pending = [];
	}

	// The snapshot for the focused incident; stream events that arrived meanwhile apply after.
	load({incident, timeline, updates, responders}) {
		this.putIncident(incident, true);
		this.timeline = [];
		this.timelineIds = new Set();
		this.addEntries(timeline, true);
		this.updates = updates.slice();
		this.responders = responders.slice();
		this.loading = false;
		const queued = this.pending;
		this.pending = [];
		for (const ev of queued) this.apply(ev, true);
		this.emit(['incident', 'incidents', 'timeline', 'updates', 'responders'], {full: true});
	}

	addEntries(entries, quiet = false) {
		const added = [];
		for (const e of entries) {
			if (!e || this.timelineIds.has(e.id)) continue;
			this.timelineIds.add(e.id);
			added.push(e);
		}
		if (!added.length) return added;
		const last = this.timeline.length ? this.timeline[this.timeline.length - 1].id : -Infinity;
		const inOrder = added.every((e, i) => e.id > (i ? added[i - 1].id : last));
		this.timeline.push(...added);
		if (!inOrder) this.timeline.sort((a, b) => a.id - b.id);
		if (!quiet) this.emit(['timeline'], {appended: inOrder ? added : null});
		return added;
	}

	addUpdate(u, quiet = false) {
		if (!u || this.updates.some((x) => x.id === u.id)) return;
		this.updates.push(u);
		this.updates.sort((a, b) => a.id - b.id);
		if (!quiet) this.emit(['updates']);
	}

	putResponder(r, quiet = false) {
		if (!r) return;
		const i = this.responders.findIndex((x) => x.id === r.id);
		if (i >= 0) this.responders[i] = r;
		else this.responders.push(r);
		if (!quiet) this.emit(['responders']);
	}

	// One event from the stream.
	apply(ev, quiet = false) {
		this.lastEvent = ev;
		const onFocus = ev.incident && ev.incident === this.focus;
		if (onFocus && this.loading) {
			this.pending.push(ev);
			if (ev.incidentState) this.putIncident(ev.incidentState, true);
			return;
		}
		const keys = [];
		if (ev.incidentState && this.putIncident(ev.incidentState, true)) keys.push('incidents', onFocus ? 'incident' : null);
		if (onFocus) {
			let appended = null;
			if (ev.entry) {
				const lastId = this.timeline.length ? this.timeline[this.timeline.length - 1].id : -Infinity;
				const added = this.addEntries([ev.entry], true);
				if (added.length) {
					keys.push('timeline');
					appended = ev.entry.id > lastId ? added : null;
				}
			}
			if (ev.update) {
				this.addUpdate(ev.update, true);
				keys.push('updates');
			}
			if (ev.responder) {
				this.putResponder(ev.responder, true);
				keys.push('responders');
			}
			if (!quiet && keys.length) this.emit(keys.filter(Boolean), {appended: keys.includes('timeline') ? appended : undefined, event: ev});
			return;
		}
		if (!quiet && keys.length) this.emit(keys.filter(Boolean), {event: ev});
	}
}
