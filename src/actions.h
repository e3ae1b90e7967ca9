/*
 * actions — After Action reviews, their action items and the KPIs as commands and queries
 * (issue 10, SPEC §14–15).  The pure part (generation, rendering, KPI arithmetic, the state
 * rules) is afteraction.h; this module loads the record, asks it, and writes the service.h
 * way: one store transaction per command with its timeline entry and its event.
 *
 * Where things live: action items in the table `action_items`, one row each; the After
 * Action document in `after_actions`, one row per incident holding its state, its version,
 * the sections people edited (JSON) and, once published, the frozen document (JSON).  An
 * incident without a row has a draft generated from its record.
 *
 * Events and entries: every action item change writes a `command` timeline entry on its
 * incident and an `action.changed` event carrying `actionItem`; a change of the document's
 * state writes a `command` entry and `afterAction.changed`; a section edit writes only the
 * event (the document keeps its own version).
 *
 * Every function returns 0 with a new JSON reference in `*out` or -1 with `err` filled.
 */
#ifndef MAJOROPS_ACTIONS_H
#define MAJOROPS_ACTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "afteraction.h"
#include "service.h"

/* ---- action items ---- */

struct action_input {
	const char *title, *owner, *priority, *reason; /* NULL: not sent */
	bool has_tracker_url;    /* sent; `tracker_url` NULL clears it */
	const char *tracker_url;
	int64_t due_at;          /* TIME_NONE: not sent */
	bool has_state;
	enum action_state state;
};

/* POST /incidents/{id}/actions: title, owner, dueDate and priority are required (the
 * edge checks); the item of a critical incident is non-negotiable. */
int actions_create(struct app *app, const char *actor, int64_t number,
		   const struct action_input *in, json_t **out, struct api_error *err);
/* PATCH /actions/{id}: 409 doctrine action.closed / action.forwardOnly /
 * action.nonNegotiable; wont_do without a reason → 400 missing_field reason.  A change
 * that changes nothing answers the item and writes nothing. */
int actions_patch(struct app *app, const char *actor, int64_t id, const struct action_input *in,
		  json_t **out, struct api_error *err);
int actions_get(struct app *app, int64_t id, json_t **out, struct api_error *err);

struct action_filter {
	const char *state;  /* NULL: any */
	int64_t incident;   /* 0: any */
	bool overdue;       /* only open or in progress past their due date at `now` */
	int limit;          /* 1..ACTION_LIST_MAX */
};
/* {"actions": [...]} by due date, then id. */
int actions_list(struct app *app, const struct action_filter *f, json_t **out,
		 struct api_error *err);

/* ---- the After Action document ---- */

struct review_edit {
	json_t *sections;   /* object: section name → text, or null (back to generated); or NULL */
	bool has_timeline;
	json_t *timeline;   /* array of entry ids, or null (back to the default filter) */
	bool has_state;
	enum afteraction_state state;
	bool has_tags;
	json_t *tags;       /* normalized root-cause tags (afteraction_tags_normalize), or null */
	int64_t if_match;   /* the version the editor saw (If-Match), -1: not sent */
};
/* The document: generated (draft, review) or frozen (published), with state, version,
 * updatedAt, updatedBy, publishedAt. */
int actions_review_get(struct app *app, int64_t number, json_t **out, struct api_error *err);
/* 409 doctrine afterAction.published (frozen), afterAction.reviewFirst,
 * afterAction.notResolved; an entry cited that is not the incident's → 400 invalid_field
 * timeline; an If-Match other than the document's version → 409 version_conflict.
 * Publishing also saves the incident (version + 1, incident.updated with its state), so
 * whatever caches the incident by version — the public site — reads the postmortem. */
int actions_review_patch(struct app *app, const char *actor, int64_t number,
			 const struct review_edit *edit, json_t **out, struct api_error *err);

/* Recurrence on the fireground: the open or in-progress action items of OTHER incidents
 * that share an affected system (case-insensitive) with incident `number`, by due date:
 * {"actions": [item + "systems": the shared ones]}, from the first ACTION_LIST_MAX open
 * items.  404 for an unknown incident. */
int actions_on_systems(struct app *app, int64_t number, json_t **out, struct api_error *err);

/* The public part of the incident's published After Action (afteraction_public_part), in
 * `*out`, or NULL when none is published.  0, or -1 when the store failed. */
int actions_public_postmortem(struct app *app, int64_t number, json_t **out);

/* ---- the whole record ---- */

/* GET /incidents/{id}/export: {exportedAt, incident, timeline (every entry), updates,
 * responders, actionItems, afterAction} — each part as its own GET answers it.  The parts
 * are read one after another, not from one snapshot: a change landing meanwhile may show
 * in a later part only (a full consistent copy is `majorops export`). */
int actions_export(struct app *app, int64_t number, json_t **out, struct api_error *err);

/* ---- KPIs ---- */

/* The incidents opened in [from, to) (`to` 0: no end), drills excluded (afteraction.h). */
int actions_kpis(struct app *app, int64_t from, int64_t to, json_t **out, struct api_error *err);

#endif
