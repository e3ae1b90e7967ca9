/*
 * command — the command doctrine as commands and queries (issue 4): CAN reports, recovery
 * tracks, hypotheses, the two-step MIM hand-off, information authority, regulatory clocks,
 * public-statement approvals, guardrails written to the timeline, and the drafting
 * assistant.  The rules themselves live in the pure modules (can.h, tracks.h,
 * guardrails.h, firstten.h, assist.h, posture.h); this module loads the record, asks
 * them, and writes the change the service.h way: one store transaction per command with
 * the timeline entry, the event and the incident's projection, published after commit.
 *
 * Where the state lives: inside the incident's stored document, as the member "command"
 * (struct incident.command_json), so the store needs nothing new.  The full history is in
 * the timeline entries each command writes in the same transaction (types `can`, `track`,
 * `hypothesis`, `command`, `guardrail`); the projection keeps what the doctrine reads:
 *
 *   tracks, hypotheses      every one, each with its recent history (COMMAND_HISTORY_MAX)
 *   cans, firstCanAt        the latest CAN per team, and when the first CAN came
 *   handoff                 the pending offer, if any
 *   clocks, approvals       regulatory clocks; public-statement approvals and their use
 *   fired                   identities (rule|subject|since) of the guardrails already on the
 *                           timeline, pruned to those still active (an identity changes
 *                           when its condition clears and returns, so it never re-fires)
 *   facts                   times the guardrails and the first-ten checklist need that the
 *                           incident does not keep: MIM first assigned, bridge first set,
 *                           MIM vacant since, staffing short since (stamped at every commit)
 *   next*                   per-incident id counters
 *
 * Every function returns 0 with a new JSON reference in `*out` or -1 with `err` filled,
 * like service.h.  Refusals of the doctrine are `409 doctrine` with the rule's name.
 */
#ifndef MAJOROPS_COMMAND_H
#define MAJOROPS_COMMAND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "can.h"
#include "doctrine.h"
#include "posture.h"
#include "service.h"
#include "store.h"
#include "tracks.h"

/* Limits of the projection: each has an HTTP answer (409 limit_reached) rather than a
 * document that grows without end.  The timeline is not limited by these. */
#define COMMAND_TRACKS_MAX 100     /* recovery tracks per incident */
#define COMMAND_HYPOTHESES_MAX 100 /* hypotheses per incident */
#define COMMAND_TEAMS_MAX 64       /* teams with a latest CAN */
#define COMMAND_CLOCKS_MAX 16      /* regulatory clocks per incident */
#define COMMAND_APPROVALS_MAX 100  /* approvals kept (used ones are dropped first) */
#define COMMAND_HISTORY_MAX 50     /* changes kept per track or hypothesis (oldest dropped) */
#define COMMAND_NOTE_MAX 1000      /* characters of a note on an extension, escalation, clock */
#define COMMAND_ACTOR "majorops"   /* the author of what the server writes by itself */

/* The guardrail sweep (a worker task): how often it runs when nobody says
 * (MAJOROPS_GUARDRAIL_SWEEP_MS). */
#define COMMAND_SWEEP_MS_DEFAULT 5000
#define COMMAND_SWEEP_MS_MIN 100
#define COMMAND_SWEEP_PAGE 200     /* incidents read per step of a sweep */
#define COMMAND_SWEEP_RESOLVED_DAYS 14 /* resolved incidents opened this recently are swept */
/* ...at most this often: each costs a read of its record, and the nudges that outlive
 * resolution run on minutes and hours, not seconds. */
#define COMMAND_SWEEP_RESOLVED_MS (60 * 1000)

/* ---- CAN reports ---- */

struct can_input {
	const char *team;
	const char *author; /* NULL: the actor */
	const char *conditions, *actions, *needs; /* NULL reads as "" */
};
/* Records a report, linted (warnings advise, never block); answers the report with
 * `lint`.  The latest per team goes on the incident as `cans`. */
int command_can_post(struct app *app, const char *actor, int64_t number,
		     const struct can_input *in, json_t **out, struct api_error *err);
/* Every report from the timeline, oldest first (`team` NULL: all teams), and the latest
 * per team: {"cans": [...], "latest": [...]}. */
int command_can_list(struct app *app, int64_t number, const char *team, json_t **out,
		     struct api_error *err);

/* ---- recovery tracks ---- */

struct track_input {
	const char *owner, *team, *goal; /* NULL: not sent */
	int64_t timebox_minutes;         /* 0: not sent; on PATCH a new timebox (extend) */
	bool has_state;
	enum track_state state;
	bool escalate;
	const char *note; /* why: recorded with an extension or escalation */
};
int command_track_post(struct app *app, const char *actor, int64_t number,
		       const struct track_input *in, json_t **out, struct api_error *err);
int command_track_patch(struct app *app, const char *actor, int64_t number, int64_t id,
			const struct track_input *in, json_t **out, struct api_error *err);
int command_track_list(struct app *app, int64_t number, json_t **out, struct api_error *err);

/* ---- hypotheses ---- */

struct hypothesis_input {
	const char *statement, *owner, *evidence; /* NULL: not sent */
	bool has_state;
	enum hypothesis_state state;
};
int command_hypothesis_post(struct app *app, const char *actor, int64_t number,
			    const struct hypothesis_input *in, json_t **out,
			    struct api_error *err);
int command_hypothesis_patch(struct app *app, const char *actor, int64_t number, int64_t id,
			     const struct hypothesis_input *in, json_t **out,
			     struct api_error *err);
/* `state` NULL: all; else only that state ("rejected": what we tried and dropped). */
int command_hypothesis_list(struct app *app, int64_t number, const char *state, json_t **out,
			    struct api_error *err);

/* ---- MIM hand-off and information authority (answer: the incident) ---- */

int command_handoff_offer(struct app *app, const char *actor, int64_t number, const char *to,
			  const struct can_report *brief, json_t **out, struct api_error *err);
int command_handoff_accept(struct app *app, const char *actor, int64_t number, json_t **out,
			   struct api_error *err);
int command_handoff_withdraw(struct app *app, const char *actor, int64_t number, json_t **out,
			     struct api_error *err);
int command_authority_give(struct app *app, const char *actor, int64_t number, const char *to,
			   json_t **out, struct api_error *err);
int command_authority_return(struct app *app, const char *actor, int64_t number, json_t **out,
			     struct api_error *err);

/* ---- Sev-0 posture: regulatory clocks and public-statement approvals ---- */

struct clock_input {
	enum regulatory_kind kind;
	const char *name;  /* custom: required; gdpr: ignored */
	int64_t aware_at;  /* gdpr: when the breach became known; TIME_NONE: now */
	int64_t deadline;  /* custom: required */
	const char *note;
};
int command_clock_start(struct app *app, const char *actor, int64_t number,
			const struct clock_input *in, json_t **out, struct api_error *err);
int command_clock_met(struct app *app, const char *actor, int64_t number, int64_t id,
		      const char *note, json_t **out, struct api_error *err);
int command_clock_list(struct app *app, int64_t number, json_t **out, struct api_error *err);
int command_approval_post(struct app *app, const char *actor, int64_t number, const char *text,
			  json_t **out, struct api_error *err);
int command_approval_list(struct app *app, int64_t number, json_t **out, struct api_error *err);

/* ---- drafting assistant ---- */

enum assist_kind {
	ASSIST_SUGGESTION, /* "suggestion" */
	ASSIST_DRAFT,      /* "draft" */
	ASSIST_BRIEF,      /* "brief" */
	ASSIST_KIND__MAX
};
int assist_kind_parse(const char *name, enum assist_kind *out);
/* {"text", "source": "builtin", "kind", "audience" (drafts)}; `audience` is used by drafts
 * only.  Nothing is written or published. */
int command_assist(struct app *app, int64_t number, enum assist_kind kind,
		   enum audience audience, json_t **out, struct api_error *err);

/* ---- hooks the service calls inside its own commands and views ---- */

/* incident_view: replaces the stored "command" member of `view` with what clients see:
 * guardrails, firstTenMinutes, tracks, hypotheses, cans, handoff, regulatoryClocks,
 * statementApproval.  -1 when out of memory or the store did not answer. */
int command_view(struct store_conn *c, const struct incident *inc,
		 const struct cadence_input cadence[AUDIENCE__MAX], int64_t now, json_t *view);
/* commit_incident, before saving: stamps the facts above and drops a pending hand-off
 * whose offering MIM no longer holds the role.  -1 when out of memory. */
int command_observe(struct incident *inc, int64_t now);
/* PUT roles/{role}: replacing a sitting MIM is 409 handoff.required (filling a vacancy,
 * vacating, or naming the same person stays allowed).  -1 with `err` filled. */
int command_check_role(const struct incident *inc, enum role role, const char *person,
		       struct api_error *err);
/* A public update on `inc`: when existential or security it needs an unused approval
 * (409 approval.required), and spends it.  -1 with `err` filled. */
int command_public_statement(struct incident *inc, int64_t now, struct api_error *err);

/* ---- guardrails on a timer ---- */

/*
 * One sweep: every active incident is evaluated at `now` on a read snapshot; an incident
 * with a guardrail not yet on its timeline gets one store command that re-evaluates,
 * writes each newly fired guardrail (entry `guardrail`, event `guardrail.fired`) and
 * remembers it.  Idempotent, so it is safe to run twice (a lease handover).  `ctx` is
 * the struct app; registered as the worker task "guardrails" (worker.h), so it runs on
 * the replica holding the lease only.  Resolved incidents opened within
 * COMMAND_SWEEP_RESOLVED_DAYS are swept too, every COMMAND_SWEEP_RESOLVED_MS, for the
 * three nudges that outlive resolution (a regulatory clock, a short validation, no After
 * Action date); older ones show their nudges on read only.
 */
int command_guardrails_sweep(void *ctx, int64_t now);

/* The sweep's interval for worker_register(): MAJOROPS_GUARDRAIL_SWEEP_MS when it is a
 * number from COMMAND_SWEEP_MS_MIN, else COMMAND_SWEEP_MS_DEFAULT. */
int command_sweep_interval_ms(void);

#ifdef UNITTEST
/* Test builds only: the offset in ms (possibly negative) held in the file named by
 * MAJOROPS_TEST_CLOCK_OFFSET_FILE, 0 when unset or unreadable; the app clock adds it so
 * integration tests can jump ahead without sleeping. */
int64_t command_test_clock_offset_ms(void);
#endif

/* Sets the guardrail thresholds from the SPEC defaults plus `overrides` (NULL for none;
 * the syntax of guardrail_config_parse()).  Call once at start-up, before threads. */
int command_configure_guardrails(const char *overrides, char *err, size_t errlen);

#endif
