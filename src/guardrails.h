/*
 * guardrails — the escalation doctrine of SPEC §8: objective rules over the record and the
 * clock, answered as a list of active nudges {rule, severity, since, subject, message}.
 *
 * Pure: no I/O, no clock, no allocation.  The caller fills a struct guardrail_snapshot
 * from the record (it borrows everything; nothing is kept or freed) and passes `now`; the
 * answer goes into a caller-owned struct guardrail_nudges.
 *
 * Determinism: the nudges come ordered by rule (enum order below), then `since`, then
 * `subject`.  A message depends on the record and the thresholds, never on `now`, so an
 * unchanged nudge reads the same at every evaluation.  (rule, subject, since) identifies a
 * firing: it stays put while the condition holds and changes when the condition clears
 * and comes back (given the optional *_since inputs), so the caller writes each firing to
 * the timeline (type `guardrail`) once by remembering the identities it has written.
 *
 * Thresholds live per alarm level (Box 0..3) in struct guardrail_config, defaults from
 * the SPEC.  A duration threshold of GUARDRAIL_OFF disables its rule at that level; every
 * rule fires when the elapsed time reaches the threshold (at 5:00 exactly, not 5:01).
 *
 * The rules, with the time each condition becomes true (`since`):
 *   guardrail.noMim           critical  no MIM, threshold after opening (5 min); since the
 *                                        later of opening + threshold and mim_vacant_since
 *   guardrail.noCan           warning   no CAN yet, opening + threshold (10 min)
 *   guardrail.noMilestone     warning   no milestone yet, opening + threshold (20 min)
 *   guardrail.cadenceOverdue  warning   per audience (subject "public"/"internal"/"exec")
 *                                        whose cadence (doctrine_cadence) is overdue;
 *                                        since the deadline that passed
 *   guardrail.gatherLong      info      in Gather for the threshold (10 min); since entry +
 *                                        threshold
 *   guardrail.trackExpired    warning   per track (subject "track <id>") whose timebox is
 *                                        used up and not escalated (track_needs_attention);
 *                                        since its deadline
 *   guardrail.staffing        warning   minimum staffing not met (doctrine_staffing); since
 *                                        the later of opening + grace (10 min) and
 *                                        staffing_short_since
 *   guardrail.resolutionTime  critical  impact longer than the threshold (2 h, Box 3 only):
 *                                        escalate to the leader; since impact start +
 *                                        threshold (impact start: startedAt, else
 *                                        alertFiredAt, else openedAt)
 *   guardrail.regulatoryClock critical  per clock not met (subject its name) whose deadline
 *                                        is less than the threshold away (24 h), or passed;
 *                                        since deadline - threshold
 *   guardrail.validationShort warning   resolution attempted with less validation than
 *                                        the threshold (10 min, Box 3 and 2 only); since the
 *                                        attempt, until validation has lasted the threshold
 *   guardrail.noAfterAction   warning   resolved with no After Action date (afterActionAt,
 *                                        carried by the resolution milestone; issue 10)
 *                                        once the threshold (15 min, Box 3 and 2 only) has
 *                                        passed since resolvedAt; since resolvedAt +
 *                                        threshold, until a date is set
 *
 * Resolved incidents (status resolved, resolvedAt set, or phase 8) have no nudges except
 * three that outlive resolution because the risk does: a regulatory clock keeps counting
 * until it is met, a resolution made on short validation stays flagged until the
 * validation window would have ended, and a resolution without an After Action date is
 * flagged until one is set.  Drills get nudges like real incidents (practice).
 */
#ifndef MAJOROPS_GUARDRAILS_H
#define MAJOROPS_GUARDRAILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doctrine.h"
#include "tracks.h"

#define GUARDRAIL_OFF ((int64_t)-1)
#define GUARDRAIL_LEVELS 4          /* alarm levels Box 0..3 */
#define GUARDRAIL_MESSAGE_MAX 256   /* bytes, NUL included */
#define GUARDRAIL_SUBJECT_MAX 64    /* bytes, NUL included */
#define GUARDRAIL_NUDGES_MAX 64     /* beyond this, nudges are counted in `ndropped` */
#define REGULATORY_GDPR_HOURS 72    /* GDPR breach notification, from awareness */

enum guardrail_rule {
	GUARDRAIL_NO_MIM,           /* "guardrail.noMim" */
	GUARDRAIL_NO_CAN,           /* "guardrail.noCan" */
	GUARDRAIL_NO_MILESTONE,     /* "guardrail.noMilestone" */
	GUARDRAIL_CADENCE_OVERDUE,  /* "guardrail.cadenceOverdue" */
	GUARDRAIL_GATHER_LONG,      /* "guardrail.gatherLong" */
	GUARDRAIL_TRACK_EXPIRED,    /* "guardrail.trackExpired" */
	GUARDRAIL_STAFFING,         /* "guardrail.staffing" */
	GUARDRAIL_RESOLUTION_TIME,  /* "guardrail.resolutionTime" */
	GUARDRAIL_REGULATORY_CLOCK, /* "guardrail.regulatoryClock" */
	GUARDRAIL_VALIDATION_SHORT, /* "guardrail.validationShort" */
	GUARDRAIL_NO_AFTER_ACTION,  /* "guardrail.noAfterAction" */
	GUARDRAIL_RULE__MAX
};

enum guardrail_severity {
	GUARDRAIL_INFO,     /* "info": worth a look */
	GUARDRAIL_WARNING,  /* "warning": the doctrine is slipping */
	GUARDRAIL_CRITICAL, /* "critical": act or escalate now */
	GUARDRAIL_SEVERITY__MAX
};

/* Thresholds for one alarm level; durations in ms, GUARDRAIL_OFF disables the rule. */
struct guardrail_thresholds {
	int64_t no_mim;       /* after opening; default 5 min */
	int64_t no_can;       /* after opening; default 10 min */
	int64_t no_milestone; /* after opening; default 20 min */
	int64_t gather;       /* in phase 2; default 10 min */
	int64_t staffing;     /* grace after opening; default 10 min (the first ten minutes
			       * are for staffing up; SPEC names no grace) */
	int64_t resolution;   /* from impact start; default 2 h at Box 3, off below */
	int64_t regulatory;   /* warning window before a clock's deadline; default 24 h */
	int64_t validation;   /* the 10-minute rule; default 10 min at Box 3 and 2, off below */
	int64_t after_action; /* grace after resolution for setting the After Action date;
			       * default 15 min at Box 3 and 2, off below */
	bool cadence;         /* nudge on overdue cadence; default on */
	bool tracks;          /* nudge on expired track timeboxes; default on */
};

struct guardrail_config {
	struct guardrail_thresholds level[GUARDRAIL_LEVELS]; /* index: alarm level 0..3 */
};

/* A countdown such as GDPR breach notification (SPEC §2). */
struct regulatory_clock {
	const char *name;  /* "GDPR breach notification" */
	int64_t deadline;  /* TIME_NONE: not counting */
	bool met;          /* the obligation is fulfilled: the clock stops */
};

/* What the record says, as the guardrails read it.  Times are TIME_NONE when unknown. */
struct guardrail_snapshot {
	/* Severity (alarm level), status, phase and phase entry times, opening, impact
	 * start (startedAt/alertFiredAt), resolvedAt, roles. */
	const struct incident *inc;
	int64_t first_can_at;       /* the first CAN report of any team */
	int64_t first_milestone_at; /* the first update published, any audience or kind */
	/* The latest published update per audience, as for doctrine_cadence(). */
	struct cadence_input cadence[AUDIENCE__MAX];
	const struct track *tracks; /* every track of the incident, any state */
	size_t ntracks;
	const struct regulatory_clock *clocks;
	size_t nclocks;
	/* The latest attempt to enter Resolution in this run of the incident (a move to
	 * phase 8 refused by the 10-minute gate, or overridden); the caller clears it when
	 * the incident is reopened. */
	int64_t resolution_attempted_at;
	/* Optional, for exact `since` values: when the MIM role last became vacant, and when
	 * staffing last fell below the minimum (e.g. a severity raise).  TIME_NONE: unknown,
	 * the opening-based time is used. */
	int64_t mim_vacant_since;
	int64_t staffing_short_since;
};

struct guardrail_nudge {
	enum guardrail_rule rule;
	enum guardrail_severity severity;
	int64_t since; /* when the condition became true */
	/* What it is about when a rule can fire more than once: "public", "track 7",
	 * "GDPR breach notification"; "" otherwise. */
	char subject[GUARDRAIL_SUBJECT_MAX];
	char message[GUARDRAIL_MESSAGE_MAX];
};

struct guardrail_nudges {
	struct guardrail_nudge nudges[GUARDRAIL_NUDGES_MAX];
	size_t n;
	size_t ndropped; /* active but beyond GUARDRAIL_NUDGES_MAX (expired tracks, clocks) */
};

const char *guardrail_rule_name(enum guardrail_rule rule);         /* "?" out of range */
const char *guardrail_severity_name(enum guardrail_severity sev); /* "?" out of range */

/* The SPEC's values at every level (see struct guardrail_thresholds). */
void guardrail_config_default(struct guardrail_config *cfg);

/*
 * Applies overrides written as `LEVEL.RULE=VALUE` items separated by commas or spaces, on
 * top of what `cfg` holds: LEVEL is box0..box3 or all; RULE is noMim, noCan, noMilestone,
 * gather, staffing, resolution, regulatory, validation or afterAction with a duration (`90s`, `5m`,
 * `2h`) or `off`, or cadence / tracks with `on` or `off`.  Example:
 * "all.noMilestone=15m, box3.resolution=1h, box0.staffing=off".  On an error `cfg` is left
 * unchanged and -1 returned with a message naming the item in `err`.
 */
int guardrail_config_parse(const char *text, struct guardrail_config *cfg, char *err,
			   size_t errlen);

/* The deadline of a GDPR breach notification clock: awareness + 72 h. */
int64_t regulatory_gdpr_deadline(int64_t aware_at);

/* Evaluates every rule at `now` into `out` (overwritten).  `cfg` NULL means the defaults.
 * Never fails. */
void guardrails_evaluate(const struct guardrail_config *cfg, const struct guardrail_snapshot *snap,
			 int64_t now, struct guardrail_nudges *out);

#endif
