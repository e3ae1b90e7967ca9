/*
 * can — the CAN report (Conditions, Actions, Needs) and its lint (SPEC §7).
 *
 * A CAN is the status report of incident command: Conditions are observed facts, Actions
 * are work actually in flight, Needs are blockers and decisions for the MIM.  The lint
 * reads a report and returns the doctrine's advice as warnings; it advises and never
 * blocks, so a report with warnings is still recorded.
 *
 * Pure: no I/O, no clock, no allocation.  A struct can_report borrows its strings (NULL is
 * the same as ""); nothing here keeps or frees them.  Warnings are written into a
 * caller-owned struct can_lint of fixed size: at most one warning per rule, in rule order,
 * so the output is bounded and deterministic.
 *
 * The rules (stable machine names, the wire's `rule`):
 *   can.needsEmpty   Needs is blank.  Empty Needs is fine, implicit Needs is not: the
 *                    reporter writes "none" (any non-blank text counts as explicit).
 *   can.speculation  Conditions speculate: "I think", "maybe", "probably", "might", "seems".
 *   can.promise      Actions promise: "going to", "gonna", "will" (and its contraction
 *                    "'ll", as in "we'll"), "plan to", "plans to", "planning to".
 *   can.allConditions  Conditions and nothing else: no Actions, and Needs blank or "none".
 *   can.noConditions   Actions without Conditions ("tell me what you're seeing first").
 * Words match whole, ASCII case-insensitively, with any run of white space between the
 * words of a phrase: "mighty", "willing", "Maybelline" and "AI think" are no hits.  A
 * capitalised "Will" in the middle of a sentence is taken for a person's name, not a
 * promise ("Paged Will from the DBA team"); at the start of a sentence it is a promise.
 * Rules are independent: a blank Needs under a lone Conditions raises both
 * can.needsEmpty and can.allConditions, because each carries its own advice.
 */
#ifndef MAJOROPS_CAN_H
#define MAJOROPS_CAN_H

#include <stdbool.h>
#include <stddef.h>

/* Field limits, in characters (code points); the HTTP layer answers 400 over them. */
#define CAN_TEAM_MAX 100    /* "App team", "Database" */
#define CAN_AUTHOR_MAX 200  /* a person's name, as INCIDENT_SHORT_MAX */
#define CAN_SLOT_MAX 4000   /* each of conditions, actions, needs: a CAN is ninety seconds */
#define CAN_MESSAGE_MAX 320 /* bytes of one warning's message, NUL included */

enum can_rule {
	CAN_NEEDS_EMPTY,     /* "can.needsEmpty" */
	CAN_SPECULATION,     /* "can.speculation" */
	CAN_PROMISE,         /* "can.promise" */
	CAN_ALL_CONDITIONS,  /* "can.allConditions" */
	CAN_NO_CONDITIONS,   /* "can.noConditions" */
	CAN_RULE__MAX
};

enum can_slot {
	CAN_SLOT_CONDITIONS, /* "conditions" */
	CAN_SLOT_ACTIONS,    /* "actions" */
	CAN_SLOT_NEEDS,      /* "needs" */
	CAN_SLOT__MAX
};

/* One report, borrowed.  `team` and `author` are not linted; they are here so one struct
 * carries a report (and a hand-off brief) through the domain. */
struct can_report {
	const char *team;
	const char *author;
	const char *conditions;
	const char *actions;
	const char *needs;
};

struct can_warning {
	enum can_rule rule;
	enum can_slot slot; /* where the fix goes */
	/* The first flagged word or phrase as the doctrine's list spells it ("I think",
	 * "will"); NULL for rules about a whole slot.  Points at a static string. */
	const char *term;
	/* For a person: what was found and the doctrine's advice, e.g.
	 * Conditions speculate ("I think", "might"): Conditions are observed facts only. … */
	char message[CAN_MESSAGE_MAX];
};

struct can_lint {
	struct can_warning warnings[CAN_RULE__MAX];
	size_t nwarnings;
};

const char *can_rule_name(enum can_rule rule); /* "?" out of range */
const char *can_slot_name(enum can_slot slot); /* "?" out of range */

/* Lints `report` into `out` (overwritten).  Never fails. */
void can_lint(const struct can_report *report, struct can_lint *out);

/* True when `text` is NULL or only white space. */
bool can_text_blank(const char *text);

/* True when Needs says explicitly that nothing is needed: after trimming white space and
 * a trailing '.' or '!', one of "none", "nothing", "n/a", "no needs", "nothing needed"
 * (case-insensitive). */
bool can_needs_is_none(const char *needs);

/*
 * True when all three slots are blank.  Such a report says nothing, so unlike the lint
 * this is bad input: the HTTP layer refuses it (400 naming `conditions`) instead of
 * recording it.
 */
bool can_report_blank(const struct can_report *report);

#endif
