/*
 * firstten — the first-ten-minutes checklist of SPEC §9, ticked from the record.
 *
 * Pure: no I/O, no clock, no allocation.  The caller fills a struct firstten_facts with
 * the time each thing first happened (TIME_NONE: not yet) and passes `now`; the answer is
 * one row per item, always all of them, in the order below (the runbook's order).
 *
 * An item is done when its time is set and not after `now` (so a fake clock can walk the
 * record).  The window is [openedAt, openedAt + 10 min): at exactly ten minutes it is
 * closed, as the guardrails count it.  A row is
 *   done           it happened (`at` says when; `late` when at or after the window's end)
 *   pending        not yet, and the window is still open
 *   overdue        not yet, and the window has closed
 *   notApplicable  not owed: the bridge below high severity, the first external update
 *                  without external impact.  Something done anyway still shows done.
 * Applicability follows the incident as it is now: raising severity to high makes the
 * bridge owed, setting external impact makes the external update owed.
 */
#ifndef MAJOROPS_FIRSTTEN_H
#define MAJOROPS_FIRSTTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incident.h"

#define FIRSTTEN_WINDOW_MS ((int64_t)10 * 60 * 1000)

enum firstten_item {
	FIRSTTEN_DECLARED,        /* "declared": the incident was opened */
	FIRSTTEN_CHANNEL,         /* "channel": #inc-YYYY-MM-DD-slug set */
	FIRSTTEN_MIM,             /* "mimAssigned" */
	FIRSTTEN_ROLES_PAGED,     /* "rolesPaged": the first responder paged */
	FIRSTTEN_SEVERITY,        /* "severitySet" */
	FIRSTTEN_TIMELINE,        /* "timelineStarted": the first timeline entry */
	FIRSTTEN_BRIDGE,          /* "bridgeOpen": high/critical only */
	FIRSTTEN_FIRST_CAN,       /* "firstCan" */
	FIRSTTEN_EXTERNAL_UPDATE, /* "firstExternalUpdate": only with external impact */
	FIRSTTEN_INTERNAL_UPDATE, /* "firstInternalUpdate" */
	FIRSTTEN__MAX
};

enum firstten_state {
	FIRSTTEN_DONE,           /* "done" */
	FIRSTTEN_PENDING,        /* "pending" */
	FIRSTTEN_OVERDUE,        /* "overdue" */
	FIRSTTEN_NOT_APPLICABLE, /* "notApplicable" */
	FIRSTTEN_STATE__MAX
};

/* When each thing first happened, TIME_NONE when it has not. */
struct firstten_facts {
	int64_t opened_at;      /* declared; the window starts here */
	enum severity severity; /* now: decides whether the bridge is owed */
	bool external_impact;   /* now: decides whether the external update is owed */
	int64_t channel_at;     /* the channel name set (generated at opening) */
	int64_t mim_at;         /* the MIM role first filled */
	int64_t paged_at;       /* the first responder paged */
	int64_t severity_at;    /* severity first set (intake sets it: the opening) */
	int64_t timeline_at;    /* the first timeline entry */
	int64_t bridge_at;      /* the bridge URL first set */
	int64_t first_can_at;   /* the first CAN report */
	int64_t external_update_at; /* the first update with audience public */
	int64_t internal_update_at; /* the first update with audience internal or exec */
};

struct firstten_row {
	enum firstten_item item;
	enum firstten_state state;
	int64_t at; /* when done, TIME_NONE otherwise */
	bool late;  /* done at or after the window's end */
};

struct firstten {
	struct firstten_row rows[FIRSTTEN__MAX]; /* indexed by enum firstten_item */
	int64_t window_ends_at;
	bool window_open;
	size_t ndone;       /* rows done */
	size_t napplicable; /* rows not notApplicable */
};

const char *firstten_item_name(enum firstten_item item);   /* wire name; "?" out of range */
const char *firstten_item_label(enum firstten_item item);  /* for a person: "Bridge open" */
const char *firstten_state_name(enum firstten_state state); /* "?" out of range */

/* Ticks every item from `facts` at `now` into `out` (overwritten).  Never fails. */
void firstten_evaluate(const struct firstten_facts *facts, int64_t now, struct firstten *out);

#endif
