// doctrine — the words of SPEC §2–7 the screens show: phases with their job, gate and
// checklist; roles; severities; timeline types.  The server enforces the rules; these are
// only the labels and advice shown beside them.

export const PHASES = [
	null,
	{n: 1, name: 'Alert', job: 'Confirm the alert is real, page, open the bridge.',
		gate: 'At least one technical responder (SRE or SME) on scene.',
		checklist: ['Confirm the alert is real — not a monitoring false positive', 'Page the on-call SRE for the affected system',
			'Open the bridge and paste its URL', 'Update the affected systems with what you know']},
	{n: 2, name: 'Gather', job: 'CAN check-ins from every affected system, timeboxed. Collect, do not diagnose.',
		gate: null, nudge: 'Gather should not run past 10 minutes.',
		checklist: ['"<team> — Conditions, Actions, Needs?" for every team', 'Post internal notes as information arrives',
			'Update the description as the picture clears', 'Assign the command team roles']},
	{n: 3, name: 'Assess', job: 'Scope and blast radius; confirm or adjust severity; identify the fault domain.',
		gate: 'Severity confirmed at or after entering Assess.',
		checklist: ['Confirm or adjust severity', 'Set the external impact flag', 'Best available customer count ("approximately")',
			'Know the immediate next technical step']},
	{n: 4, name: 'Initial', job: 'Cut the first stakeholder milestone with a next-update ETA.',
		gate: 'At least one published milestone.',
		checklist: ['State what is known, not what is suspected', 'Confirm impact scope and customer count',
			'Name the recovery approach', 'Set a realistic next update ETA (20–30 min)']},
	{n: 5, name: 'Isolation', job: 'Fault domain confirmed; keep the team focused; open recovery tracks.',
		gate: null,
		checklist: ['Document the root cause in the description', 'Open a recovery track per team with a timebox',
			'Update business impact and customer impact summary', 'Block noise and unrelated changes']},
	{n: 6, name: 'Mitigation', job: 'Recovery tracks running, each timeboxed. Communicate at every meaningful change.',
		gate: null,
		checklist: ['Check each track at your cadence', 'Extend or escalate expired timeboxes',
			'Milestone on every change: track failed, impact changed, ETA changed', 'Do not wait for good news']},
	{n: 7, name: 'Validation', job: 'Every affected system confirms recovery. Do not close early.',
		gate: 'Critical/high: at least 10 minutes since entering Validation (the 10-minute rule).',
		checklist: ['Each affected team confirms recovery', 'Error rates, latency and health checks normal',
			'Synthetic monitoring green', 'No new customer complaints', 'Set status to monitoring']},
	{n: 8, name: 'Resolution', job: 'Resolution milestone, release responders, schedule the After Action.',
		gate: null,
		checklist: ['Cut the resolution milestone (final impact, what was done, root cause summary)',
			'Release responders from the bridge', 'Schedule the After Action within 72 h']},
];

export const ROLES = [
	{key: 'mim', label: 'MIM', ics: 'Incident Commander', job: 'Commands and communicates; never fixes'},
	{key: 'deputy', label: 'Deputy', ics: 'Deputy IC', job: 'Shadows the MIM; tracks open items'},
	{key: 'scribe', label: 'Scribe', ics: 'Scribe', job: 'Keeps the timeline of record'},
	{key: 'sre', label: 'SRE', ics: 'Operations lead', job: 'Technical lead; owns recovery tracks'},
	{key: 'sme', label: 'SME', ics: 'Subject matter expert', job: 'Hands on keyboard in one domain'},
	{key: 'customerOps', label: 'Customer Ops', ics: 'Communications lead', job: 'External comms, status page, support queue'},
	{key: 'internalLiaison', label: 'Internal Liaison', ics: 'Liaison', job: 'Exec and internal updates; shields the MIM'},
	{key: 'leader', label: 'Leader', ics: 'Exec sponsor', job: 'Severity changes, resource unlocks'},
	{key: 'serviceManager', label: 'Service Manager', ics: 'Service owner liaison', job: 'The system, vendors, on-call'},
	{key: 'legal', label: 'Legal', ics: 'Legal', job: 'Sev-0: regulatory and legal exposure', sev0: true},
	{key: 'pr', label: 'PR', ics: 'Public information', job: 'Sev-0: public statements', sev0: true},
];

export const SEVERITIES = [
	{key: 'critical', label: 'Critical', alarm: 'Box 3', sev: 'Sev-1', posture: 'Full command structure, executive notification'},
	{key: 'high', label: 'High', alarm: 'Box 2', sev: 'Sev-2', posture: 'Active MIM, stakeholder notification'},
	{key: 'medium', label: 'Medium', alarm: 'Box 1', sev: 'Sev-3', posture: 'Single responder, MIM on standby'},
	{key: 'low', label: 'Low', alarm: 'Box 0', sev: 'Sev-4', posture: 'Triage only — monitor, no bridge'},
];

export const severity = (key) => SEVERITIES.find((s) => s.key === key) || {key, label: key, alarm: '?', sev: ''};

export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'];

export const TYPES = {
	alert: {icon: '▲', label: 'Alert'},
	phase: {icon: '◆', label: 'Phase'},
	update: {icon: '✦', label: 'Update'},
	command: {icon: '●', label: 'Command'},
	action: {icon: '○', label: 'Note'},
	can: {icon: '▤', label: 'CAN'},
	track: {icon: '➤', label: 'Track'},
	hypothesis: {icon: '?', label: 'Hypothesis'},
	page: {icon: '☎', label: 'Page'},
	severity: {icon: '⚑', label: 'Severity'},
	guardrail: {icon: '⚠', label: 'Guardrail'},
};

export const typeInfo = (t) => TYPES[t] || {icon: '·', label: t};

export const RESPONDER_STATES = ['paged', 'acknowledged', 'joining', 'onScene', 'released'];
export const RESPONDER_LABELS = {paged: 'Paged', acknowledged: 'Acknowledged', joining: 'Joining', onScene: 'On scene', released: 'Released'};

export const AUDIENCES = ['public', 'internal', 'exec'];

// SPEC §9, by the checklist's wire names.
export const FIRSTTEN_LABELS = {
	declared: 'Declared', channel: 'Channel name set', mimAssigned: 'MIM assigned', rolesPaged: 'Roles paged',
	severitySet: 'Severity set', timelineStarted: 'Timeline started', bridgeOpen: 'Bridge open', firstCan: 'First CAN',
	firstExternalUpdate: 'First external update', firstInternalUpdate: 'First internal update',
};

export const GAP_TEXT = {
	vacant: 'vacant — required at this severity',
	shared: 'shared',
	combination: 'combination not allowed',
};

// "a, b\nc" → ['a', 'b', 'c']: trimmed, no empties, no repeats.
export function parseSystems(raw) {
	const seen = new Set();
	return String(raw || '').split(/[,\n]/).map((s) => s.trim()).filter((s) => s && !seen.has(s) && seen.add(s));
}
