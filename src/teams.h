/*
 * teams — on-call teams, their rotations and overrides, who is on call, and each
 * rotation's calendar feed (issue 9, SPEC §13).  The arithmetic is oncall.h's; this module
 * keeps the rows (tables teams, rotations, rotation_overrides) and answers the API.
 *
 * A team: {id, name, manager, managerEmail, ackMinutes, steps, members, rotations,
 * createdAt, updatedAt}.  `members` are [{name, email}] (names unique in the team);
 * `ackMinutes` (default 5) and `steps` (default ["next", "manager"]) are the escalation
 * policy of its pages (pages.h): with no acknowledgement within ackMinutes the page moves
 * to the next step — "next" the next person in the rotation's order, "manager" the team's
 * manager.  Names are unique across teams: run cards page teams by name.
 *
 * A rotation: {id, team, name, shiftHours, handoverTime "09:00", zone "Europe/Berlin",
 * startDate "2026-03-02", order [names of members], calendarUrl, oncall, next, overrides,
 * createdAt, createdBy}.  A team's first rotation is its primary one: paging the team pages
 * whoever holds it.  Overrides: {id, rotation, person, from, to, reason, createdAt,
 * createdBy}; the person may be anyone (a member's email is looked up by name).
 *
 * Who is on call is computed at every request from these rows and the injected clock,
 * never stored.  The calendar feed (RFC 5545, UTC times, CRLF, folded at 75 octets) is read
 * by calendar apps without signing in, so its URL carries `?token=`, the MAC of the
 * rotation id under secret_derive(app->secret, "calendar") (oncall_calendar_token).
 *
 * Changes are plain store writes (not about one incident: no event).  Like service.h:
 * 0 with a new reference in `*out`, or -1 with `err` filled (400 naming the field, 404,
 * 409 already_exists / limit_reached, 503).
 */
#ifndef MAJOROPS_TEAMS_H
#define MAJOROPS_TEAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "store.h"

struct app;

#define TEAM_NAME_MAX 100             /* characters of a team or rotation name */
#define TEAM_PERSON_MAX 200           /* characters of a person's name */
#define TEAM_EMAIL_MAX 254            /* characters of an address */
#define TEAM_STEPS_MAX 10             /* escalation steps after the first page */
#define TEAM_ACK_MINUTES_DEFAULT 5
#define TEAM_ACK_MINUTES_MAX 1440
#define TEAMS_MAX 500                 /* teams; one more → 409 limit_reached */
#define TEAM_ROTATIONS_MAX 20         /* rotations per team */
#define OVERRIDE_REASON_MAX 1000      /* characters */
#define OVERRIDE_SPAN_MAX_MS ((int64_t)90 * 24 * 3600 * 1000) /* one override at most 90 days */
#define CALENDAR_WEEKS_DEFAULT 8
#define CALENDAR_WEEKS_MAX 52

/* The escalation step kinds a team's policy lists, NULL-terminated. */
extern const char *const team_step_names[];

/* Fields as sent; for PATCH only the present ones change.  Arrays are borrowed and checked
 * here (members: [{name, email}], steps: names of team_step_names). */
struct team_input {
	const char *name;          /* NULL: not sent (PATCH) */
	bool has_manager;
	const char *manager;       /* NULL or "": none */
	bool has_manager_email;
	const char *manager_email;
	bool has_ack_minutes;
	int ack_minutes;
	json_t *steps;             /* NULL: not sent */
	json_t *members;           /* NULL: not sent */
};

int teams_create(struct app *app, const char *actor, const struct team_input *in, json_t **out,
		 struct api_error *err);
int teams_patch(struct app *app, const char *actor, int64_t id, const struct team_input *in,
		json_t **out, struct api_error *err);
int teams_get(struct app *app, int64_t id, json_t **out, struct api_error *err);
/* {"teams": [...]} by name. */
int teams_list(struct app *app, json_t **out, struct api_error *err);

struct rotation_input {
	const char *name;
	int shift_hours;
	const char *handover;   /* "HH:MM" */
	const char *zone;       /* IANA name */
	const char *start_date; /* "YYYY-MM-DD", local to the zone */
	json_t *order;          /* array of member names (borrowed) */
};

int teams_rotation_create(struct app *app, const char *actor, int64_t team,
			  const struct rotation_input *in, json_t **out, struct api_error *err);
int teams_rotation_get(struct app *app, int64_t id, json_t **out, struct api_error *err);

struct override_input {
	const char *person;
	int64_t from, to;
	const char *reason; /* NULL: none */
};

int teams_override_create(struct app *app, const char *actor, int64_t rotation,
			  const struct override_input *in, json_t **out, struct api_error *err);

/* {"at", "teams": [{team, oncall, next, rotations: [...]}]}: every team at `at`. */
int teams_oncall(struct app *app, int64_t at, json_t **out, struct api_error *err);

/* The rotation's feed for the next `weeks` weeks from now: a text/calendar body (caller
 * frees).  403 forbidden when `token` is missing or wrong, 404 when no such rotation. */
int teams_calendar(struct app *app, int64_t rotation, const char *token, int weeks, char **out,
		   struct api_error *err);

/* ---- for pages.h, inside a store command ---- */

/* Whom a page of a team reaches, as planned when it is made. */
struct team_page_plan {
	int64_t team;            /* its id */
	char team_name[TEAM_NAME_MAX * 4 + 1];
	int64_t rotation;        /* the primary rotation, 0 when the team has none */
	char rotation_name[TEAM_NAME_MAX * 4 + 1];
	int ack_minutes;
	/* [{kind: "oncall"|"next"|"manager", person, email}]: the first is whoever is on call
	 * now, then the policy's steps with nobody twice; new reference. */
	json_t *plan;
};

/* Finds the team named `name` (or, when `name` is NULL, with id `id`) and plans its page
 * at `now`.  0 with `out` filled; 1 when no team has that name; 2 when the team has nobody
 * on call now; -1 with `err` filled (503). */
int teams_page_plan(struct store_conn *c, const char *name, int64_t id, int64_t now,
		    struct team_page_plan *out, struct api_error *err);
/* The address of `person` among the members of every team (the first found), or "". */
int teams_email_of(struct store_conn *c, const char *person, char *out, size_t outlen);

/* "/api/v1/rotations/7/calendar.ics?token=…", absolute under app->public_url when set;
 * the caller frees it. */
char *teams_calendar_url(const struct app *app, int64_t rotation);

#endif
