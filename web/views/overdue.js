// views/overdue — the overdue action items panel on /admin (issue 10, SPEC §14): every open
// or in-progress item past its due date, oldest due first, items from critical incidents
// marked non-negotiable, each linking to its incident's After Action.  Refreshed when an
// action item changes anywhere (action.changed) and once a minute (due dates pass by).
import {h, text, fill} from '../dom.js';
import {api, describe} from '../api.js';
import {timeEl, tickAll} from '../time.js';

export function overduePanel(store) {
	let dead = false;
	const list = h('ul.overdue-list');
	const msg = h('p.empty');
	const el = h('section.panel.overdue-panel', {'aria-labelledby': 'overdue-title'},
		h('h2#overdue-title', 'Overdue action items'), list, msg);

	const load = async () => {
		try {
			const r = await api.get('/actions?overdue=true&limit=100');
			if (dead) return;
			const items = r.actions || [];
			fill(list, items.map((a) => h('li', {class: a.nonNegotiable ? 'nonneg' : null},
				h('a', {href: `/admin/incidents/${a.incident}/after-action`, 'data-nav': ''}, `${a.incident} #${a.id}`), ' ',
				a.title, ' — ', h('b', a.owner), ', due ', timeEl(a.dueDate), ` · ${a.priority}`,
				a.nonNegotiable ? h('span.flag.nonneg', 'NON-NEGOTIABLE') : null)));
			text(msg, items.length ? '' : 'No overdue action items.');
			tickAll(el);
		} catch (err) {
			if (!dead) text(msg, `Cannot load the overdue action items: ${describe(err)}`);
		}
	};
	let last = store.lastEvent;
	const watch = setInterval(() => {
		const ev = store.lastEvent;
		if (ev !== last) {
			last = ev;
			if (ev && ev.type === 'action.changed') load();
		}
	}, 1000);
	const minute = setInterval(load, 60000);
	load();
	return {el, unmount() {
		dead = true;
		clearInterval(watch);
		clearInterval(minute);
	}};
}
