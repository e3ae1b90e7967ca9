/*
 * doctrine — the rules of incident command (SPEC §2–4, §7), as pure functions.
 *
 * No I/O, no clock: every function that depends on time takes `now` (ms since the epoch,
 * UTC) from its caller.  Facts that live elsewhere in the record (responders on scene,
 * milestones published) arrive in small structs filled by the caller.  Each refusal is a
 * `struct doctrine_verdict` naming the rule (a stable machine name, e.g. "gate.onScene")
 * and a sentence for a person; the HTTP layer turns it into `409 doctrine`.
 */
#ifndef MAJOROPS_DOCTRINE_H
#define MAJOROPS_DOCTRINE_H

#include "incident.h"

#define MINUTE_MS ((int64_t)60 * 1000)
#define DOCTRINE_MESSAGE_MAX 256

enum doctrine_rule {
	DOCTRINE_OK,                   /* "ok" */
	DOCTRINE_PHASE_RANGE,          /* "phase.range": target outside 1..8 */
	DOCTRINE_PHASE_BACKWARD,       /* "phase.forwardOnly": same or earlier phase */
	DOCTRINE_PHASE_TERMINAL,       /* "phase.terminal": already in Resolution */
	DOCTRINE_GATE_ON_SCENE,        /* "gate.onScene": leaving Alert needs an SRE/SME on scene */
	DOCTRINE_GATE_SEVERITY,        /* "gate.severityConfirmed": leaving Assess */
	DOCTRINE_GATE_MILESTONE,       /* "gate.milestone": leaving Initial */
	DOCTRINE_GATE_TEN_MINUTE,      /* "gate.tenMinuteRule": leaving Validation (critical/high) */
	DOCTRINE_STATUS_RESOLVED,      /* "status.resolvedOnlyInResolution" */
	DOCTRINE_ROLE_NEVER,           /* "roles.neverCombine": e.g. mim+sre */
	DOCTRINE_ROLE_LOW_SEVERITY,    /* "roles.onlyMediumLow": mim+deputy, internalLiaison+scribe */
	DOCTRINE_ROLE_BELOW_CRITICAL,  /* "roles.onlyBelowCritical": deputy+scribe */
	DOCTRINE_ROLE_EXISTENTIAL,     /* "roles.existentialNoCombination" */
	DOCTRINE_REOPEN_NOT_RESOLVED,  /* "reopen.notResolved" */
	DOCTRINE_RESPONDER_BACKWARD,   /* "responder.forwardOnly" */
	/* recovery tracks, hypotheses, MIM hand-off, information authority: tracks.h */
	DOCTRINE_TRACK_NOT_ACTIVE,     /* "track.notActive": a finished track cannot change */
	DOCTRINE_TRACK_TIMEBOX,        /* "track.timeboxRange": timebox out of bounds */
	DOCTRINE_HYPOTHESIS_TERMINAL,  /* "hypothesis.terminal": confirmed/rejected are final */
	DOCTRINE_HYPOTHESIS_UNTESTED,  /* "hypothesis.untested": proposed → confirmed skips testing */
	DOCTRINE_HYPOTHESIS_BACKWARD,  /* "hypothesis.forwardOnly": testing → proposed */
	DOCTRINE_HYPOTHESIS_EVIDENCE,  /* "hypothesis.evidenceRequired": concluding without evidence */
	DOCTRINE_HANDOFF_NO_MIM,       /* "handoff.noMim": nobody holds MIM to hand off */
	DOCTRINE_HANDOFF_NOT_MIM,      /* "handoff.notMim": only the MIM offers command */
	DOCTRINE_HANDOFF_NO_TARGET,    /* "handoff.noTarget": an offer names the incoming person */
	DOCTRINE_HANDOFF_SELF,         /* "handoff.selfOffer": offering command to the MIM */
	DOCTRINE_HANDOFF_NO_BRIEF,     /* "handoff.noBrief": an offer carries a CAN brief */
	DOCTRINE_HANDOFF_PENDING,      /* "handoff.alreadyPending": one pending offer at a time */
	DOCTRINE_HANDOFF_NO_OFFER,     /* "handoff.noOffer": accept/withdraw with nothing pending */
	DOCTRINE_HANDOFF_NOT_OFFERED,  /* "handoff.notOffered": only the offered person accepts */
	DOCTRINE_HANDOFF_STALE,        /* "handoff.offerStale": the MIM changed since the offer */
	DOCTRINE_HANDOFF_NOT_PARTY,    /* "handoff.notParty": withdraw by someone not in the offer */
	DOCTRINE_HANDOFF_REQUIRED,     /* "handoff.required": replacing a MIM without hand-off */
	DOCTRINE_AUTHORITY_NO_MIM,     /* "authority.noMim": no MIM to hold or give authority */
	DOCTRINE_AUTHORITY_NOT_MIM,    /* "authority.notMim": only the MIM gives authority */
	DOCTRINE_AUTHORITY_NO_TARGET,  /* "authority.noTarget": give names a person */
	DOCTRINE_AUTHORITY_ALREADY,    /* "authority.alreadyHolder": give to the current holder */
	DOCTRINE_AUTHORITY_NOT_GIVEN,  /* "authority.notGiven": return while the MIM holds it */
	DOCTRINE_AUTHORITY_NOT_HOLDER, /* "authority.notHolder": return by neither holder nor MIM */
	/* Sev-0 / security posture: posture.h */
	DOCTRINE_APPROVAL_REQUIRED,    /* "approval.required": a public statement without approval */
	DOCTRINE_APPROVAL_NOT_APPROVER, /* "approval.notApprover": only leader, legal or pr approve */
	DOCTRINE_CLOCK_DUPLICATE,      /* "clock.duplicate": the same regulatory clock twice */
	DOCTRINE_CLOCK_MET,            /* "clock.alreadyMet": a met clock does not change */
	DOCTRINE__MAX
};

struct doctrine_verdict {
	enum doctrine_rule rule;
	char message[DOCTRINE_MESSAGE_MAX];
};

const char *doctrine_rule_name(enum doctrine_rule rule);

/* Fills `v` (when not NULL) with `rule` and a sentence for a person, always ending in the
 * rule's machine name in parentheses ("… (track.notActive)"); a long sentence is cut, never
 * the name.  Other domain modules (tracks.c) phrase their refusals through these. */
void doctrine_verdict_set(struct doctrine_verdict *v, enum doctrine_rule rule, const char *fmt,
			  ...) __attribute__((format(printf, 3, 4)));
/* DOCTRINE_OK with an empty message (no-op on NULL). */
void doctrine_verdict_ok(struct doctrine_verdict *v);

/* One person, compared as the doctrine does: trimmed, ASCII case-insensitive; a blank or
 * NULL name is nobody and matches nobody (not even another blank). */
bool doctrine_person_same(const char *a, const char *b);
/* How a person on the bridge says a role: "MIM", "deputy", "customer ops lead"; "?" out of
 * range. */
const char *doctrine_role_title(enum role r);

/* Severity → alarm level: critical 3, high 2, medium 1, low 0. */
int doctrine_alarm_level(enum severity s);

/* What the record says about the gates; the caller counts it from responders/updates. */
struct phase_facts {
	bool technical_on_scene;      /* a responder holding (or dispatched as) sre/sme is onScene */
	int64_t published_milestones; /* updates published so far, any audience */
};

#define DOCTRINE_GATES_MAX 8

/*
 * Judges a move of `inc` to phase `to` at `now`.
 * Returns -1 with `refusal` filled when the move can never happen (out of range, not
 * forward, already terminal): no override passes these.
 * Otherwise returns the number of gates that block it (0 = free to go), each written to
 * `gates` in phase order, one per phase being left whose gate is not met.  A MIM may
 * pass blocking gates with an override reason; the caller records which.
 */
int doctrine_phase_change(const struct incident *inc, const struct phase_facts *facts, int to,
			  int64_t now, struct doctrine_verdict *refusal,
			  struct doctrine_verdict gates[DOCTRINE_GATES_MAX]);

/* `resolved` only in phase 8.  0 when allowed, -1 with `v` filled when not. */
int doctrine_check_status(const struct incident *inc, enum status to, struct doctrine_verdict *v);

/*
 * Whether one person may hold roles `a` and `b` together at this severity (SPEC §4).
 * Pairs the doctrine does not name are allowed, except when existential (none at all).
 * 0 when allowed, -1 with `v` filled naming both roles and the rule.
 */
int doctrine_combination_allowed(enum role a, enum role b, enum severity sev, bool existential,
				 struct doctrine_verdict *v);

/* Whether giving `role` to `person` on `inc` breaks a combination rule against the roles
 * that person already holds there (names compare case-insensitively, trimmed). */
int doctrine_check_role_assignment(const struct incident *inc, enum role role, const char *person,
				   struct doctrine_verdict *v);

enum staffing_reason {
	STAFFING_VACANT,      /* "vacant": a required role nobody holds */
	STAFFING_SHARED,      /* "shared": held by the same person as `with`, and the severity
			       * needs them distinct */
	STAFFING_COMBINATION, /* "combination": a pair the combination rules forbid here */
	STAFFING_REASON__MAX
};

struct staffing_gap {
	enum role role;
	enum staffing_reason reason;
	enum role with; /* the other role for shared/combination; ROLE__MAX otherwise */
};

struct staffing {
	enum role required[ROLE__MAX];
	size_t nrequired;
	struct staffing_gap gaps[ROLE__MAX * 2];
	size_t ngaps;
};

const char *staffing_reason_name(enum staffing_reason r);

/*
 * Minimum staffing for the incident's severity (SPEC §4) and the gaps against its roles.
 * low: mim, sre · medium: mim, sre, scribe · high: mim, deputy, scribe, sre, customerOps,
 * internalLiaison (deputy+scribe and customerOps+internalLiaison may share a person) ·
 * critical: those six, all distinct · existential: six distinct plus leader, legal, pr.
 */
void doctrine_staffing(const struct incident *inc, struct staffing *out);

/* The latest published update for one audience, as the cadence needs it. */
struct cadence_input {
	bool has_update;          /* anything published for this audience */
	int64_t last_published_at;
	int64_t next_update_eta;  /* TIME_NONE when the update promised none */
	bool last_was_resolution; /* a resolution update owes nothing further */
};

/* Default cadence in ms for an audience at a severity: public 30 min; internal and exec
 * 60 min at critical/high; 0 (no cadence owed) otherwise. */
int64_t doctrine_default_cadence(enum audience a, enum severity s);

/*
 * none: nothing published for the audience, the incident is resolved, or the last update
 * was a resolution.  Otherwise the deadline is the promised ETA, or the last publication
 * plus the default cadence (no default → ok): past it overdue, within 5 min due, else ok.
 */
enum cadence_state doctrine_cadence(enum audience a, const struct incident *inc,
				    const struct cadence_input *in, int64_t now);

/* Presence moves forward only: paged → acknowledged → joining → onScene → released
 * (skipping ahead allowed).  0 when allowed, -1 with `v` filled when not. */
int doctrine_check_responder_transition(enum responder_state from, enum responder_state to,
					struct doctrine_verdict *v);

/* Reopening needs a resolved incident.  0 when allowed, -1 with `v` filled. */
int doctrine_check_reopen(const struct incident *inc, struct doctrine_verdict *v);

#define CHANNEL_NAME_MAX 64

/* "#inc-YYYY-MM-DD-short-slug" from the opening date and the title: lowercase ASCII
 * letters and digits, everything else folded to single hyphens, at most 4 words and
 * 40 slug characters, cut on a word boundary; "incident" when the title gives nothing. */
void doctrine_channel_name(const char *title, int64_t opened_at, char out[CHANNEL_NAME_MAX]);

#endif
