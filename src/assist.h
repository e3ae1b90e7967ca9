/*
 * assist — the built-in drafting assistant (SPEC §16): deterministic, grounded only in
 * the record, and only ever a draft (nothing here publishes anything).
 *
 *   assist_suggestion    what the MIM does next: the phase's job from the doctrine table
 *                        and the live gaps on the fireground (vacant roles and other
 *                        staffing gaps, overdue or due updates, expired tracks, teams with
 *                        no CAN, the 10-minute rule, an unscheduled After Action).
 *   assist_draft_update  a stakeholder-language milestone for one audience.
 *   assist_exec_brief    one paragraph for the exec view.
 *
 * Pure: no I/O, no clock (`now` is an argument), and the same record always gives the
 * same text, byte for byte.  The caller's struct assist_record borrows everything.  Text
 * is appended to the caller's struct buf (buf.h); each function returns 0, or -1 when the
 * buffer refused (its cap or memory), in which case the buffer has been freed empty as
 * buf.h describes and the draft is lost.  User text is written inline: each run of white
 * space (newlines included) becomes one space.  Times read "09:45 UTC".
 *
 * What a public draft may use — the public-safe facts, exactly:
 *   title (left out when the incident is flagged `security`: an unconfirmed breach is not
 *   named in public before legal approves the words), affected systems, status, the
 *   severity's plain-language impact ("a major outage"), customerImpactSummary, the
 *   next-update ETA promised to that same audience (cadence[audience]; without a promise
 *   in the future, the default cadence: "within 30 minutes"), and CAN reports whose
 *   `visibility` is public.
 * Internal-only, never in a public draft: description, businessImpact, riskLevel,
 *   execSummary, customerCount, CAN reports with visibility internal (the default), the
 *   Needs slot of any CAN (never drafted for any audience), tracks, hypotheses and
 *   people's names.  Internal and exec drafts add customerCount and every CAN.
 * Drills are marked "[Drill]" at the start of every draft.
 */
#ifndef MAJOROPS_ASSIST_H
#define MAJOROPS_ASSIST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "can.h"
#include "doctrine.h"
#include "tracks.h"

#define ASSIST_TEXT_MAX 16384 /* a sensible cap for the caller's buffer */

/* The latest CAN report of one team. */
struct assist_can {
	struct can_report report; /* team, conditions, actions; needs are never drafted */
	int64_t at;
	enum visibility visibility; /* internal unless the MIM published it */
};

/* The latest published update (milestone, holding or resolution), any audience. */
struct assist_milestone {
	int64_t at;
	enum audience audience;
	enum update_kind kind;
	const char *body;
	int64_t next_update_eta; /* TIME_NONE when it promised none */
};

struct assist_record {
	/* Title, description, severity, status, phase (+ entry times), affected systems,
	 * impact fields, customer count, next update ETA, roles, clocks, flags. */
	const struct incident *inc;
	const struct assist_can *cans; /* latest CAN per team, drafted in the order given */
	size_t ncans;
	/* Teams that owe a CAN; NULL means the incident's affected systems (a team reports
	 * for a system of the same name, compared trimmed and case-insensitively). */
	const char *const *expected_teams;
	size_t nexpected_teams;
	const struct track *tracks; /* any state; only expired ones are named */
	size_t ntracks;
	struct cadence_input cadence[AUDIENCE__MAX]; /* as for doctrine_cadence() */
	const struct assist_milestone *latest_milestone; /* NULL when none yet */
};

/* What to do next now, as a few lines: phase and job, the live gaps, the way out. */
int assist_suggestion(const struct assist_record *rec, int64_t now, struct buf *out);

/* A draft milestone for `audience` (see above for what public leaves out). */
int assist_draft_update(const struct assist_record *rec, enum audience audience, int64_t now,
			struct buf *out);

/* One paragraph: businessImpact, customerImpactSummary, riskLevel, execSummary and the
 * latest milestone, with where the incident stands. */
int assist_exec_brief(const struct assist_record *rec, int64_t now, struct buf *out);

#endif
