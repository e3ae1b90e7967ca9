/*
 * posture — the Sev-0 and security posture of SPEC §2: public-statement approvals and
 * regulatory clocks (countdowns such as GDPR breach notification).
 *
 * When an incident is `existential` (Sev-0) or `security` (suspected breach), every public
 * statement needs an approval recorded on the timeline first: the leader (exec sponsor),
 * legal or PR approves, and each approval covers one public statement.  A regulatory clock
 * is a named deadline that counts down until it is recorded as met; the GDPR clock (72 h
 * from awareness) is offered on security and existential incidents, never started for
 * them: someone decides the clock applies and when awareness began.
 *
 * Pure: no I/O, no clock (`now` is an argument), no allocation.  Refusals are struct
 * doctrine_verdict naming their rule ("approval.required", "approval.notApprover",
 * "clock.duplicate", "clock.alreadyMet"), answered as `409 doctrine` by the HTTP layer.
 * Strings are borrowed; people compare as doctrine_person_same() does.
 */
#ifndef MAJOROPS_POSTURE_H
#define MAJOROPS_POSTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doctrine.h"
#include "guardrails.h"

#define POSTURE_CLOCK_NAME_MAX 200     /* characters */
#define POSTURE_APPROVAL_TEXT_MAX 4000 /* characters: the approved wording or its scope */
#define POSTURE_GDPR_NAME "GDPR breach notification"

enum regulatory_kind {
	REGULATORY_GDPR,   /* "gdpr": 72 h from awareness */
	REGULATORY_CUSTOM, /* "custom": a named deadline (a contract, a sector regulator) */
	REGULATORY_KIND__MAX
};

/* A clock as the incident shows it, at `now`. */
enum regulatory_state {
	REGULATORY_OFFERED, /* "offered": applies to this kind of incident, not started */
	REGULATORY_RUNNING, /* "running": more than the warning window left */
	REGULATORY_DUE,     /* "due": inside the warning window (the guardrail's 24 h) */
	REGULATORY_OVERDUE, /* "overdue": the deadline passed and it is not met */
	REGULATORY_MET,     /* "met": recorded as fulfilled; the clock stopped */
	REGULATORY_STATE__MAX
};

const char *regulatory_kind_name(enum regulatory_kind k); /* "?" out of range */
int regulatory_kind_parse(const char *name, enum regulatory_kind *out);
const char *regulatory_state_name(enum regulatory_state s); /* "?" out of range */

/* Whether the GDPR clock is offered: the incident is security, or existential. */
bool posture_gdpr_offered(const struct incident *inc);

/* The state of a started clock at `now`; `warn_ms` is the warning window (the guardrail's
 * regulatory threshold; GUARDRAIL_OFF or 0 means no "due" state).  A clock without a
 * deadline reads as offered. */
enum regulatory_state posture_clock_state(const struct regulatory_clock *c, int64_t warn_ms,
					  int64_t now);

/* Starting a clock named `name`: -1 "clock.duplicate" when a clock of the same name
 * (trimmed, case-insensitive) is already running (met clocks do not count). */
int posture_check_clock_start(const struct regulatory_clock *clocks, size_t nclocks,
			      const char *name, struct doctrine_verdict *v);

/* Recording a clock as met: -1 "clock.alreadyMet" when it already is. */
int posture_check_clock_met(const struct regulatory_clock *c, struct doctrine_verdict *v);

/* Whether public statements need a recorded approval: existential or security. */
bool posture_approval_required(const struct incident *inc);

/* Who may approve a public statement: the person holding leader, legal or pr on the
 * incident; -1 "approval.notApprover" for anyone else (the MIM included: an approval is a
 * second pair of eyes, not the author's own). */
int posture_check_approver(const struct incident *inc, const char *actor,
			   struct doctrine_verdict *v);

/* A public statement with `napprovals` unused approvals on record: -1 "approval.required"
 * when approval is required and none is left.  The caller spends one approval per public
 * statement it publishes. */
int posture_check_public_statement(const struct incident *inc, size_t napprovals,
				   struct doctrine_verdict *v);

#endif
