/*
 * tracks — the small state machines of command (SPEC §4, §7): recovery tracks,
 * hypotheses, the two-step MIM hand-off and information authority (bridge control).
 *
 * Pure: no I/O, no clock (every function that depends on time takes `now`, ms since the
 * epoch, UTC), no allocation.  Every refusal is a struct doctrine_verdict naming its rule
 * (doctrine.h: "track.notActive", "hypothesis.terminal", "handoff.noOffer", …) with a
 * sentence ending in the rule's name; the HTTP layer answers it as `409 doctrine`.  On
 * refusal the functions leave their inputs untouched.  Strings are borrowed: nothing here
 * keeps or frees a pointer it is given.  People are compared as the doctrine does
 * (doctrine_person_same: trimmed, case-insensitive; blank is nobody).
 *
 * "Same state again" is an idempotent no-op everywhere (a retried PATCH): it is allowed,
 * changes nothing, and the caller records nothing.
 */
#ifndef MAJOROPS_TRACKS_H
#define MAJOROPS_TRACKS_H

#include <stdbool.h>
#include <stdint.h>

#include "can.h"
#include "doctrine.h"

/* Field limits, in characters (code points) unless said otherwise. */
#define TRACK_GOAL_MAX 500
#define TRACK_OWNER_MAX 200            /* owner and team */
#define TRACK_TIMEBOX_MIN_MINUTES 1
#define TRACK_TIMEBOX_MAX_MINUTES 1440 /* a day: a longer "timebox" is no timebox */
#define HYPOTHESIS_STATEMENT_MAX 1000
#define HYPOTHESIS_EVIDENCE_MAX 4000
#define HYPOTHESIS_OWNER_MAX 200

/* --- recovery tracks ------------------------------------------------------------------ */

enum track_state {
	TRACK_ACTIVE,    /* "active" */
	TRACK_SUCCEEDED, /* "succeeded" */
	TRACK_FAILED,    /* "failed" */
	TRACK_ABANDONED, /* "abandoned" */
	TRACK_STATE__MAX
};

/*
 * One line of remediation work: one owner, a goal and a timebox.
 * Invariants while active: deadline == timebox_started_at + timebox_minutes minutes, and
 * ended_at == TIME_NONE.  Once not active the track never changes again.
 * `id`, `owner`, `team` and `goal` are the caller's: the functions below never read or
 * write them; guardrails.c and assist.c quote them in their text (NULL reads as unknown).
 */
struct track {
	int64_t id;
	const char *owner;
	const char *team;
	const char *goal;
	enum track_state state;
	int64_t timebox_minutes;    /* the current timebox */
	int64_t timebox_started_at; /* when the current timebox began: opening or last extension */
	int64_t deadline;
	int64_t escalated_at; /* the latest escalation, TIME_NONE if never */
	int64_t nextensions;
	int64_t ended_at; /* when it left active, TIME_NONE while active */
};

const char *track_state_name(enum track_state s); /* "?" out of range */
int track_state_parse(const char *name, enum track_state *out);

/* start + timebox minutes (deadline = start + timebox). */
int64_t track_deadline(int64_t start, int64_t timebox_minutes);

/* Starts an active track at `now` with its first timebox (state fields only; the caller's
 * id and labels are kept).  -1 "track.timeboxRange" outside
 * TRACK_TIMEBOX_MIN_MINUTES..TRACK_TIMEBOX_MAX_MINUTES. */
int track_open(struct track *t, int64_t timebox_minutes, int64_t now, struct doctrine_verdict *v);

/* A new timebox from `now` (not added to the old one), only while active: the deadline
 * becomes now + timebox.  Allowed before or after the old deadline.
 * -1 "track.notActive" or "track.timeboxRange". */
int track_extend(struct track *t, int64_t timebox_minutes, int64_t now, struct doctrine_verdict *v);

/* Records an escalation at `now` (repeatable), only while active: -1 "track.notActive". */
int track_escalate(struct track *t, int64_t now, struct doctrine_verdict *v);

/*
 * active → succeeded | failed | abandoned, setting ended_at = now.  The same state again
 * is a no-op (0, nothing changes).  Any change out of a finished track, including back to
 * active, is -1 "track.notActive": open a new track instead.
 */
int track_set_state(struct track *t, enum track_state to, int64_t now, struct doctrine_verdict *v);

/* Active and its timebox used up: now >= deadline (at the deadline it is expired). */
bool track_expired(const struct track *t, int64_t now);

/* Expired and not escalated since its deadline: the guardrail's condition (SPEC §7: "an
 * expired timebox raises a guardrail until the MIM extends it or escalates").  An
 * escalation before the deadline does not answer a later expiry. */
bool track_needs_attention(const struct track *t, int64_t now);

/* --- hypotheses ----------------------------------------------------------------------- */

enum hypothesis_state {
	HYPOTHESIS_PROPOSED,  /* "proposed" */
	HYPOTHESIS_TESTING,   /* "testing" */
	HYPOTHESIS_CONFIRMED, /* "confirmed" (terminal) */
	HYPOTHESIS_REJECTED,  /* "rejected" (terminal) */
	HYPOTHESIS_STATE__MAX
};

const char *hypothesis_state_name(enum hypothesis_state s); /* "?" out of range */
int hypothesis_state_parse(const char *name, enum hypothesis_state *out);

/*
 * proposed → testing → confirmed | rejected, and proposed → rejected (dropped untested).
 * `evidence` is what the hypothesis will carry after the change: concluding it (confirmed
 * or rejected) needs non-blank evidence, because the record must answer "what did we try
 * and why was it dropped".  Refusals, checked in this order:
 *   from confirmed/rejected to anything else  "hypothesis.terminal"
 *   testing → proposed                        "hypothesis.forwardOnly"
 *   proposed → confirmed                      "hypothesis.untested"
 *   → confirmed/rejected with blank evidence  "hypothesis.evidenceRequired"
 * The same state again is a no-op (0).
 */
int hypothesis_check_transition(enum hypothesis_state from, enum hypothesis_state to,
				const char *evidence, struct doctrine_verdict *v);

/* --- MIM hand-off (SPEC §4) ----------------------------------------------------------- */

/*
 * The pending offer, as the caller stores it; `to` NULL or blank (or the pointer to the
 * struct NULL) means none is pending.  There is at most one.  The caller clears it on
 * accept, on withdraw, and whenever the MIM role changes by any other path.
 */
struct handoff_offer {
	const char *from; /* the MIM who offered */
	const char *to;   /* the person offered command */
	int64_t offered_at;
};

/* True when `offer` is a pending offer. */
bool handoff_pending(const struct handoff_offer *offer);

/*
 * Step one: `actor` (the outgoing MIM) offers command of `inc` to `to` with a CAN brief.
 * Refusals, in this order:
 *   nobody holds the MIM role                       "handoff.noMim"
 *   actor is not the MIM                            "handoff.notMim"
 *   an offer is already pending                     "handoff.alreadyPending"
 *   `to` blank                                      "handoff.noTarget"
 *   `to` is the MIM                                 "handoff.selfOffer"
 *   brief NULL or all three slots blank             "handoff.noBrief"
 *   a role `to` holds may not combine with MIM here the combination rule (doctrine.h),
 *       e.g. "roles.neverCombine" for an SRE: release that role first.  Deputy is not
 *       checked: the deputy stepping up is the point of the role (see the accept outcome).
 * The brief is not linted here; run can_lint() on it and show the advice.
 */
int handoff_check_offer(const struct incident *inc, const struct handoff_offer *pending,
			const char *actor, const char *to, const struct can_report *brief,
			struct doctrine_verdict *v);

/* What the caller changes, besides moving the MIM role, when an accept is allowed. */
struct handoff_outcome {
	bool vacate_deputy;    /* the incoming MIM was the deputy: the deputy role is vacated */
	bool authority_to_mim; /* informationAuthority names one of the two MIMs: clear it
				* (NULL), so the new MIM holds it */
};

/*
 * Step two: `actor` accepts ("I am now MIM").  Refusals, in this order:
 *   no offer pending                                "handoff.noOffer"
 *   actor is not the person offered                 "handoff.notOffered"
 *   the MIM is no longer the one who offered        "handoff.offerStale"
 *   a role actor holds may not combine with MIM     the combination rule, as for offer
 * On success `out` (when not NULL) says what else moves; the role moves only now, so there
 * is never a moment with two MIMs.  Authority given to someone else (an SME hands-on)
 * stays with them across the hand-off.
 */
int handoff_check_accept(const struct incident *inc, const struct handoff_offer *pending,
			 const char *actor, struct handoff_outcome *out,
			 struct doctrine_verdict *v);

/* Withdraws (the MIM who offered, or the current MIM) or declines (the person offered) a
 * pending offer.  -1 "handoff.noOffer" when none is pending, "handoff.notParty" for anyone
 * else.  On success the caller clears the offer. */
int handoff_check_withdraw(const struct incident *inc, const struct handoff_offer *pending,
			   const char *actor, struct doctrine_verdict *v);

/*
 * Assigning the MIM role directly (PUT roles/mim): allowed to fill a vacancy, to vacate
 * (blank `person`), or to name the same person again; replacing a sitting MIM with someone
 * else is -1 "handoff.required" — never an unannounced change of command.
 */
int handoff_check_mim_assignment(const struct incident *inc, const char *person,
				 struct doctrine_verdict *v);

/* --- information authority (bridge control, SPEC §4) ---------------------------------- */

/* Who holds it now: inc->information_authority when set, else the MIM; NULL when neither
 * is set (no MIM and never given).  Points into `inc`. */
const char *authority_holder(const struct incident *inc);

/*
 * The MIM gives authority to the named person `to` (an SME going hands-on).  Refusals:
 *   nobody holds the MIM role    "authority.noMim"
 *   actor is not the MIM         "authority.notMim"
 *   `to` blank                   "authority.noTarget"
 *   `to` holds it already        "authority.alreadyHolder"
 * On success the caller stores `to` as informationAuthority, or NULL when `to` is the MIM
 * (giving it to the MIM is a return).
 */
int authority_check_give(const struct incident *inc, const char *actor, const char *to,
			 struct doctrine_verdict *v);

/*
 * The holder (or the MIM) returns authority to the MIM.  Refusals:
 *   the MIM holds it already     "authority.notGiven"
 *   actor is neither             "authority.notHolder"
 * On success the caller stores NULL.
 */
int authority_check_return(const struct incident *inc, const char *actor,
			   struct doctrine_verdict *v);

#endif
