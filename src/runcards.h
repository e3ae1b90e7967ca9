/*
 * runcards — the predetermined response per alarm level (SPEC §2, §11): which roles to
 * pre-assign, which teams to page, the checklist to seed, the runbooks to show and the
 * update cadence to keep.  A card is for an alarm level (Box 0–3) and optionally one
 * service; admins edit it (every edit is a new version, all kept) and an incident records
 * the card id and version that fired when it opened.
 *
 * Pure: the card body's validation, the defaults for Box 0–3 drawn from the SPEC §2
 * postures, and applying a card to a new incident.  Selection against the store and the
 * commands live in intake.c.
 *
 * A card body (normalized, as stored):
 *   {"roles": {"mim": "Dana Reyes", …}, "page": ["payments-oncall", …],
 *    "checklist": ["…", …], "runbooks": [{"title": "…", "url": "https://…"}, …],
 *    "cadence": {"public": 30, "internal": 15, "exec": 30}}   (minutes; null: none)
 */
#ifndef MAJOROPS_RUNCARDS_H
#define MAJOROPS_RUNCARDS_H

#include <jansson.h>
#include <stdint.h>

#include "incident.h"
#include "json.h"

#define RUNCARD_LEVELS 4          /* Box 0..3 */
#define RUNCARD_ITEMS_MAX 32      /* entries of page, checklist, runbooks */
#define RUNCARD_TEXT_MAX 500      /* characters of a checklist item or runbook title */
#define RUNCARD_CADENCE_MAX 1440  /* minutes */

/* Validates a PUT body's card members (roles, page, checklist, runbooks, cadence; `service`
 * is allowed and ignored here) into a new normalized body in `*out`.  -1 with a 400 naming
 * the member otherwise. */
int runcard_normalize(const json_t *in, json_t **out, struct api_error *err);

/* The built-in card of `level` (0..3) as a new normalized body; NULL out of range. */
json_t *runcard_default(int level);

/*
 * Applies `card` (a card view: body plus id, version, alarmLevel, service, default) to a
 * new incident: fills the vacant roles it names, skipping an assignment the doctrine's
 * combination rules refuse (listed in `*skipped` as {role, person, reason}), and stores the
 * card in the incident's command document as the member "runCard" (with `at`).  The teams
 * to page are the caller's (they become responder rows).  0, or -1 when out of memory.
 */
int runcard_apply(const json_t *card, struct incident *inc, int64_t now, json_t **skipped);

/* The run card recorded on `inc` (new reference), or JSON null. */
json_t *runcard_of_incident(const struct incident *inc);

#endif
