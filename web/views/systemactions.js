// views/systemactions — recurrence on the fireground (issue 10): "open action items on
// these systems" — the open or in-progress action items of other incidents that share an
// affected system with this one (GET …/{id}/system-actions), each linking to its review.
// The fireground re-renders often; the answer is cached per incident for a minute and
// painted into every live note of that incident, so a render costs no request.
import {h, fill} from '../dom.js';
import {api} from '../api.js';

const TTL_MS = 60000;
const cache = new Map(); // incident id → {at, items, systems, pending}

function paint(id) {
	const c = cache.get(id);
	const items = (c && c.items) || [];
	for (const el of document.querySelectorAll(`[data-sysactions="${CSS.escape(id)}"]`)) {
		const row = el.closest('.kv') || el;
		row.hidden = items.length === 0;
		fill(el, items.length ? h('ul.sysactions', {'aria-label': 'Open action items on these systems'},
			items.slice(0, 5).map((a) => h('li', h('span.warntext', '⚠ '),
				h('a', {href: `/admin/incidents/${a.incident}/after-action`, 'data-nav': ''}, `${a.incident} #${a.id}`), ' ',
				a.title, h('span.dim', ` — ${a.owner}, ${a.state.replace('_', ' ')}${a.overdue ? ', overdue' : ''} · ${(a.systems || []).join(', ')}`))),
			items.length > 5 ? h('li.dim', `and ${items.length - 5} more`) : null) : null);
	}
}

// The note's element (empty and hidden until the answer says there is something to show).
export function systemActionsNote(inc) {
	const el = h('div.sysactions-note', {'data-sysactions': inc.id});
	const key = (inc.affectedSystems || []).join('\n');
	let c = cache.get(inc.id);
	if (c && c.systems !== key) {
		cache.delete(inc.id);
		c = null;
	}
	if (!c || (!c.pending && Date.now() - c.at > TTL_MS)) {
		c = {at: Date.now(), items: c ? c.items : null, systems: key, pending: true};
		cache.set(inc.id, c);
		api.get(`/incidents/${encodeURIComponent(inc.id)}/system-actions`).then((r) => {
			c.items = r.actions || [];
		}, () => {
			c.items = c.items || [];
		}).finally(() => {
			c.pending = false;
			c.at = Date.now();
			paint(inc.id);
		});
	}
	// Painted after the caller has put it in the page.
	queueMicrotask(() => paint(inc.id));
	return el;
}
