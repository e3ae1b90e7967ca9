/*
 * intake — alert intake and run cards as commands and queries (issue 8, SPEC §11).
 *
 * Integrations: an admin creates one (name, kind, label → severity mapping, default
 * severity, systems) and receives its token once; only a BLAKE2b hash of the token is
 * stored and compared in constant time.  `POST /api/v1/signals/{id}` with
 * `Authorization: Bearer <token>` hands a payload to intake_signal(): parsed (signals.h),
 * then one store command groups it:
 *
 *   - a firing alert opens an incident, or attaches to the open incident of its group key
 *     (or of its fingerprint): an `alert` timeline entry and the group's counter, never a
 *     second incident; the alert's start becomes alertFiredAt, and startedAt when earlier;
 *     a graver alert raises the severity (the entry records from, to and why);
 *   - a repeated delivery (same fingerprint, status and start) changes nothing but the
 *     counter and the last-seen time;
 *   - a resolved alert writes "Alert resolved at 14:52 UTC — validate before closing" on
 *     its incident and never closes it;
 *   - past INTAKE_GROUP_ENTRIES_MAX entries a group's new alerts only count (a flood is
 *     one incident and a number, not a timeline of thousands).
 * Every delivery, accepted or refused (wrong token, bad payload), is one row of the
 * integration's log with a trimmed copy of the payload.  A delivery that could not be
 * stored answers 503, the one answer Alertmanager retries.
 *
 * Run cards (runcards.h): the card for the new incident's alarm level — narrowed to the
 * first of its affected systems that has one — fires when any incident opens (from an alert
 * or from /new): roles pre-assigned, teams paged as responders in state `paged` (delivery
 * is the notifications issue's), the card recorded on the incident as `runCard`.
 *
 * Every function returns 0 with a new JSON reference in `*out` or -1 with `err` filled.
 */
#ifndef MAJOROPS_INTAKE_H
#define MAJOROPS_INTAKE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "service.h"
#include "signals.h"
#include "store.h"

#define INTAKE_TOKEN_MAX 128           /* characters of a bearer token read */
#define INTAKE_LOG_KEEP 10000          /* log entries kept per integration */
#define INTAKE_LOG_PRUNE_EVERY 100     /* a prune runs once per this many log entries */
#define INTAKE_GROUP_ENTRIES_MAX 100   /* alert deliveries of a group written to the timeline */
#define INTAKE_ENTRY_ALERTS_MAX 20     /* alerts listed in one timeline entry's payload */
#define INTAKE_LOG_LIMIT_MAX 500       /* entries per page of the log */

struct integration_input {
	const char *name;
	enum signal_kind kind;
	const char *severity_label; /* NULL: "severity" */
	json_t *severity_map;       /* object or NULL */
	enum severity default_severity;
	json_t *systems;            /* array of strings or NULL */
};

/* 201 body: the integration with its `token`, shown this once. */
int intake_integration_create(struct app *app, const char *actor,
			      const struct integration_input *in, json_t **out,
			      struct api_error *err);
int intake_integration_get(struct app *app, int64_t id, json_t **out, struct api_error *err);
/* {"entries": [{id, at, outcome, incident, message, payload}], "nextBefore"}, newest first. */
int intake_integration_log(struct app *app, int64_t id, int64_t before, int limit, json_t **out,
			   struct api_error *err);

/* One delivery: `id_text` the path segment, `authorization` the header (or NULL), the raw
 * body.  Unknown integration and wrong token answer the same 401. */
int intake_signal(struct app *app, const char *id_text, const char *authorization,
		  const char *body, size_t len, json_t **out, struct api_error *err);

/* The card in force for (level, service) (`service` NULL or "": the level's own); with
 * `version` > 0 that version.  Without a stored card: the built-in default (version 0). */
int intake_runcard_get(struct app *app, int level, const char *service, int64_t version,
		       json_t **out, struct api_error *err);
/* Stores a new version from a PUT body (validated by runcard_normalize). */
int intake_runcard_put(struct app *app, const char *actor, int level, json_t *body,
		       json_t **out, struct api_error *err);

/* ---- hooks inside the service's own commands (service.c) ---- */

/* Before a new incident is first saved: selects and applies its run card; `*pages` (new
 * reference, array of team names) is for intake_runcard_page() once the incident row
 * exists; `note` gets a phrase for the opening entry.  -1 with `err` filled. */
int intake_runcard_fire(struct store_conn *c, struct incident *inc, int64_t now, json_t **pages,
			char *note, size_t notelen, struct api_error *err);
/* After: pages each team — a configured on-call team (teams.h) pages whoever is on call
 * now (pages.h, inside `cmd`); any other name is a responder in state `paged`, rotation =
 * the team. */
struct cmd;
int intake_runcard_page(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
			int64_t now, const json_t *pages);
/* incident_view: adds `runCard` (or null) and `alerts` (or null). */
int intake_view(struct store_conn *c, const struct incident *inc, json_t *view);

#endif
