/*
 * components — the public status page's configured components and scheduled maintenance
 * (issue 6): the commands and queries over the store's `components` and `maintenances`
 * tables (migration 3).  What the public then sees of them is statuspage.h's decision;
 * public.c reads them here for its cache.
 *
 * A component is a system the page lists: {id, name, description, position, status,
 * createdAt, updatedAt}.  `status` is what the MIM set explicitly, or null: derived from
 * the active public incidents naming the component (statuspage_components()).  Names are
 * unique, compared exactly (bytes) after trimming, as incidents' affectedSystems are, so a
 * component named like an affected system is that system on the page.
 *
 * A maintenance is planned work: {id, title, body, components (names of configured
 * components), scheduledFor, scheduledUntil, state, startedAt, completedAt, createdAt,
 * updatedAt}, state scheduled → in_progress (start) → completed (complete; also straight
 * from scheduled, which is how a planned window is called off).  `verifying` is a state the
 * tables and the Statuspage API know; no command sets it yet.  Starting a started
 * maintenance or completing a completed one changes nothing and answers 200.
 *
 * Every command is one store transaction writing the rows and one event per changed object
 * — `component.changed` {change, component} or `maintenance.changed` {change, maintenance},
 * change being created, updated, renamed, started or completed — with incident 0 ("not about
 * one incident") and visibility public: the live streams carry it and the public cache
 * reads the tables again.  Renaming a component renames it in every maintenance naming it
 * (each a maintenance.changed event); incidents' affectedSystems are history and keep the
 * name they were written with.
 *
 * Like service.h: every function returns 0 with a new JSON reference in `*out` (the caller
 * json_decref()s it) or -1 with `err` filled.  Shapes and limits arrive validated by the
 * HTTP edge (api.c's field tables); this module checks what needs the record: existence,
 * unique names, components of a maintenance, the window's order, state changes.
 */
#ifndef MAJOROPS_COMPONENTS_H
#define MAJOROPS_COMPONENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "json.h"

struct app;

#define COMPONENT_NAME_MAX 200           /* characters; = INCIDENT_SHORT_MAX, an affected system */
#define COMPONENT_DESCRIPTION_MAX 10000  /* characters */
#define COMPONENT_POSITION_MAX 1000000   /* positions are 0..this */
#define COMPONENTS_MAX 500               /* configured components; one more → 409 limit_reached */
#define MAINTENANCE_TITLE_MAX 200        /* characters */
#define MAINTENANCE_BODY_MAX 10000       /* characters */
#define MAINTENANCE_COMPONENTS_MAX 64    /* components one maintenance names */
#define MAINTENANCE_LIST_DEFAULT 50      /* GET /maintenances without ?limit */
#define MAINTENANCE_LIST_MAX 200         /* GET /maintenances ?limit at most */
#define MAINTENANCE_PUBLIC_MAX 500       /* maintenances the public page reads per rebuild */

/* The component statuses a MIM may set (Statuspage's words), NULL-terminated. */
extern const char *const component_status_names[];
/* The maintenance states, NULL-terminated. */
extern const char *const maintenance_state_names[];

/* A component's fields as sent; for PATCH only those marked `has_…` (and a non-NULL name)
 * change.  Strings are borrowed. */
struct component_input {
	const char *name;        /* NULL: not sent (PATCH); trimmed before use */
	bool has_description;
	const char *description; /* NULL or "": none */
	bool has_position;
	int64_t position;        /* 0..COMPONENT_POSITION_MAX; default: after the last */
	bool has_status;
	const char *status;      /* one of component_status_names, NULL: derived */
};

/* 201-style: the new component.  409 already_exists (field name), 409 limit_reached. */
int component_create(struct app *app, const char *actor, const struct component_input *in,
		     json_t **out, struct api_error *err);
/* The component after the change (unchanged and nothing written when nothing differs).
 * 404 not_found, 409 already_exists (field name). */
int component_patch(struct app *app, const char *actor, int64_t id,
		    const struct component_input *in, json_t **out, struct api_error *err);
int component_get(struct app *app, int64_t id, json_t **out, struct api_error *err);
/* {"components": [...]} by position, then name, then id. */
int component_list(struct app *app, json_t **out, struct api_error *err);

struct maintenance_input {
	const char *title;
	const char *body;        /* NULL or "": none */
	json_t *components;      /* array of names (borrowed) or NULL */
	int64_t scheduled_for;   /* must be before scheduled_until */
	int64_t scheduled_until;
};

/* The new maintenance, state scheduled.  400 invalid_field: scheduledUntil not after
 * scheduledFor; components naming a component that is not configured, or one twice. */
int maintenance_create(struct app *app, const char *actor, const struct maintenance_input *in,
		       json_t **out, struct api_error *err);
/* scheduled → in_progress (startedAt now); 409 invalid_state when completed. */
int maintenance_start(struct app *app, const char *actor, int64_t id, json_t **out,
		      struct api_error *err);
/* scheduled, in_progress or verifying → completed (completedAt now). */
int maintenance_complete(struct app *app, const char *actor, int64_t id, json_t **out,
			 struct api_error *err);
int maintenance_get(struct app *app, int64_t id, json_t **out, struct api_error *err);
/* {"maintenances": [...], "nextCursor"}: newest first, ids below `before` (INT64_MAX for
 * the first page), only `state` when not NULL; nextCursor is null on the last page. */
int maintenance_list(struct app *app, const char *state, int64_t before, int limit,
		     json_t **out, struct api_error *err);

/* "MNT-7" (any case) or "7" → 7; -1 when it is neither. */
int maintenance_id_parse(const char *s, int64_t *out);

/* What the public page is built from, read in one snapshot: the configured components
 * (internal shape, by position, then name, then id) and the maintenances still to come or
 * running plus those completed at or after `completed_since` (internal shape; running
 * first, then upcoming soonest first, then completed newest first; at most
 * MAINTENANCE_PUBLIC_MAX).  0, or -1 when the store failed (nothing is returned). */
int components_read_public(struct app *app, int64_t completed_since, json_t **components,
			   json_t **maintenances);

#endif
