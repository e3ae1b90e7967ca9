/*
 * pages — paging people for an incident, escalating unanswered pages, acknowledging them
 * by API or by a signed one-click link, and the time to acknowledge per team (issue 9,
 * SPEC §5, §13).  Who is on call comes from teams.h; the links from oncall.h.
 *
 * A page: {id, incident, team, teamId, rotation, person, email, step, stepKind, reason,
 * authorizer, state, pagedAt, acknowledgedAt, acknowledgedBy, nextEscalationAt,
 * ackMinutes, ackUrl, plan, steps, drill, createdBy}.
 *
 *   - Paging a team pages whoever holds its rotation now (stepKind "oncall").  The plan of
 *     the escalation is fixed when the page is made: the team's steps ("next" → the next
 *     person in the rotation's order, "manager" → the team's manager), nobody twice.
 *   - Paging a named person outside the rotation is a named escalation (stepKind "named"):
 *     it needs `authorizer` and `reason` (400 naming the missing field), both recorded; it
 *     has no further steps.
 *   - With no acknowledgement within the team's ackMinutes the worker (pages_sweep, on the
 *     replica holding the worker lease) moves the page to its next step; after the last
 *     one it marks the page `expired`.  An expired page can still be acknowledged.
 *   - Every person paged becomes a responder of the incident in state `paged` (rotation =
 *     the team's name); the acknowledgement moves that responder to `acknowledged`.
 *   - Acknowledged by `POST /pages/{id}/ack` (the acting person) or by the link in the
 *     page, `GET /ack/{token}`: no sign-in, expiring after PAGE_ACK_TTL_S, and good once —
 *     after an acknowledgement every link of the page answers 410.
 *
 * Every step is one command: the page row, the responder, and two events in one
 * transaction — a `responder.changed` event carrying the responder and the internal
 * timeline entry (type `page`), and:
 *
 * THE CONTRACT WITH THE NOTIFICATIONS OUTBOX (outbox.h, built beside this module): every
 * page step — paged, escalated, acknowledged, expired — is recorded with record_change()
 * using event_type "page" and extra_key "page", the extra being an object
 *     {id, incident "INC-n", team (name or null), person, email (or null), step (0, 1, …),
 *      stepKind "oncall"|"next"|"manager"|"named", reason (or null), ackUrl,
 *      state "paged"|"acknowledged"|"expired"}
 * (and the other page fields above).  ackUrl is absolute under --public-url, relative
 * ("/ack/<token>") without it.  The outbox delivers state "paged" to `email` and to the
 * channels subscribed to pages; this module delivers nothing itself.
 *
 * Like service.h: 0 with a new reference in `*out`, or -1 with `err` filled.
 */
#ifndef MAJOROPS_PAGES_H
#define MAJOROPS_PAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "store.h"

struct app;
struct cmd;
struct incident;

#define PAGE_REASON_MAX 1000             /* characters of a reason */
#define PAGE_ACK_TTL_S (24 * 3600)       /* an acknowledgement link's life */
#define PAGE_SWEEP_MS_DEFAULT 5000       /* the escalation sweep's interval */
#define PAGE_SWEEP_MS_MIN 100
#define PAGE_SWEEP_BATCH 100             /* pages escalated per sweep at most */
#define PAGE_NAMED_EMAIL_MAX 254
#define PAGE_SYSTEM_ACTOR "majorops"     /* who the worker's steps are recorded as */

struct page_input {
	const char *team;       /* a team's name, or NULL */
	const char *person;     /* a named person, or NULL (exactly one of the two) */
	const char *email;      /* the named person's address, optional */
	const char *reason;     /* required for a named escalation */
	const char *authorizer; /* required for a named escalation */
};

/* 201: the page.  400 missing_field/invalid_field (team, person, reason, authorizer),
 * 404 no such incident, 409 nobody_on_call (field team), 409 invalid_state (resolved). */
int pages_create(struct app *app, const char *actor, int64_t number, const struct page_input *in,
		 json_t **out, struct api_error *err);
/* {"pages": [...]}: the incident's pages, oldest first. */
int pages_list(struct app *app, int64_t number, json_t **out, struct api_error *err);
int pages_get(struct app *app, int64_t id, json_t **out, struct api_error *err);
/* The acting person acknowledges page `id`: 409 already_acknowledged when it was. */
int pages_ack(struct app *app, const char *actor, int64_t id, json_t **out, struct api_error *err);
/* The link's acknowledgement: 403 forbidden (not our link), 410 gone (expired, or the page
 * was acknowledged already), 404 (no such page). */
int pages_ack_link(struct app *app, const char *token, json_t **out, struct api_error *err);
/* What the link would acknowledge, changing nothing (a GET of the link: mail scanners open
 * links): the page as pages_get() gives it plus "linkPerson", the person it was sent to;
 * the same errors as pages_ack_link(), 410 when the page was acknowledged already. */
int pages_ack_link_peek(struct app *app, const char *token, json_t **out,
			struct api_error *err);

/* {"from", "to", "teams": [{team, pages, acknowledged, mttaSeconds, p50}]}: pages of live
 * (not drill) incidents paged in [from, to), by team; mean and median in seconds (null
 * when none was acknowledged). */
int pages_mtta(struct app *app, int64_t from, int64_t to, json_t **out, struct api_error *err);
/* The same figures as an array, for the KPI document; NULL on failure. */
json_t *pages_mtta_by_team(struct app *app, int64_t from, int64_t to);

/* The worker task (worker.h): escalates every page whose acknowledgement is overdue.
 * `ctx` is the struct app. */
int pages_sweep(void *ctx, int64_t now);
/* MAJOROPS_PAGE_SWEEP_MS, or PAGE_SWEEP_MS_DEFAULT. */
int pages_sweep_interval_ms(void);

/* Inside the command opening an incident (the run card, intake.c): pages the on-call
 * person of the team named `team` when such a team exists and somebody is on call
 * (`*paged` true), else leaves it to the caller (`*paged` false).  0 or -1. */
int pages_runcard_team(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
		       const char *team, bool *paged);

#endif
