/*
 * doctrine — the rules of incident command (SPEC §2–4, §7).
 *
 * Everything here is a pure function of its arguments and the const tables below: no I/O,
 * no clock, no allocation.  Each refusal names its rule (doctrine_rule_name) and says, in
 * one sentence an incident manager would use on the bridge, what the doctrine asks for.
 */
#include "doctrine.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "Due" is the last five minutes before a promised update (SPEC §7). */
#define CADENCE_DUE_MS (5 * MINUTE_MS)
/* The 10-minute rule: clean validation before resolving critical/high (SPEC §3). */
#define VALIDATION_MIN_MS (10 * MINUTE_MS)

#define CHANNEL_SLUG_MAX 40
#define CHANNEL_WORDS_MAX 4

static const char *const rule_names[] = {
	"ok",                              /* DOCTRINE_OK */
	"phase.range",                     /* DOCTRINE_PHASE_RANGE */
	"phase.forwardOnly",               /* DOCTRINE_PHASE_BACKWARD */
	"phase.terminal",                  /* DOCTRINE_PHASE_TERMINAL */
	"gate.onScene",                    /* DOCTRINE_GATE_ON_SCENE */
	"gate.severityConfirmed",          /* DOCTRINE_GATE_SEVERITY */
	"gate.milestone",                  /* DOCTRINE_GATE_MILESTONE */
	"gate.tenMinuteRule",              /* DOCTRINE_GATE_TEN_MINUTE */
	"status.resolvedOnlyInResolution", /* DOCTRINE_STATUS_RESOLVED */
	"roles.neverCombine",              /* DOCTRINE_ROLE_NEVER */
	"roles.onlyMediumLow",             /* DOCTRINE_ROLE_LOW_SEVERITY */
	"roles.onlyBelowCritical",         /* DOCTRINE_ROLE_BELOW_CRITICAL */
	"roles.existentialNoCombination",  /* DOCTRINE_ROLE_EXISTENTIAL */
	"reopen.notResolved",              /* DOCTRINE_REOPEN_NOT_RESOLVED */
	"responder.forwardOnly",           /* DOCTRINE_RESPONDER_BACKWARD */
	"track.notActive",                 /* DOCTRINE_TRACK_NOT_ACTIVE */
	"track.timeboxRange",              /* DOCTRINE_TRACK_TIMEBOX */
	"hypothesis.terminal",             /* DOCTRINE_HYPOTHESIS_TERMINAL */
	"hypothesis.untested",             /* DOCTRINE_HYPOTHESIS_UNTESTED */
	"hypothesis.forwardOnly",          /* DOCTRINE_HYPOTHESIS_BACKWARD */
	"hypothesis.evidenceRequired",     /* DOCTRINE_HYPOTHESIS_EVIDENCE */
	"handoff.noMim",                   /* DOCTRINE_HANDOFF_NO_MIM */
	"handoff.notMim",                  /* DOCTRINE_HANDOFF_NOT_MIM */
	"handoff.noTarget",                /* DOCTRINE_HANDOFF_NO_TARGET */
	"handoff.selfOffer",               /* DOCTRINE_HANDOFF_SELF */
	"handoff.noBrief",                 /* DOCTRINE_HANDOFF_NO_BRIEF */
	"handoff.alreadyPending",          /* DOCTRINE_HANDOFF_PENDING */
	"handoff.noOffer",                 /* DOCTRINE_HANDOFF_NO_OFFER */
	"handoff.notOffered",              /* DOCTRINE_HANDOFF_NOT_OFFERED */
	"handoff.offerStale",              /* DOCTRINE_HANDOFF_STALE */
	"handoff.notParty",                /* DOCTRINE_HANDOFF_NOT_PARTY */
	"handoff.required",                /* DOCTRINE_HANDOFF_REQUIRED */
	"authority.noMim",                 /* DOCTRINE_AUTHORITY_NO_MIM */
	"authority.notMim",                /* DOCTRINE_AUTHORITY_NOT_MIM */
	"authority.noTarget",              /* DOCTRINE_AUTHORITY_NO_TARGET */
	"authority.alreadyHolder",         /* DOCTRINE_AUTHORITY_ALREADY */
	"authority.notGiven",              /* DOCTRINE_AUTHORITY_NOT_GIVEN */
	"authority.notHolder",             /* DOCTRINE_AUTHORITY_NOT_HOLDER */
	"approval.required",               /* DOCTRINE_APPROVAL_REQUIRED */
	"approval.notApprover",            /* DOCTRINE_APPROVAL_NOT_APPROVER */
	"clock.duplicate",                 /* DOCTRINE_CLOCK_DUPLICATE */
	"clock.alreadyMet",                /* DOCTRINE_CLOCK_MET */
};
_Static_assert(NELEM(rule_names) == DOCTRINE__MAX, "rule_names out of step");

static const int alarm_levels[] = {
	3, /* SEVERITY_CRITICAL: Box 3 */
	2, /* SEVERITY_HIGH: Box 2 */
	1, /* SEVERITY_MEDIUM: Box 1 */
	0, /* SEVERITY_LOW: Box 0 */
};
_Static_assert(NELEM(alarm_levels) == SEVERITY__MAX, "alarm_levels out of step");

/* How a person on the bridge says each role, for the sentences below. */
static const char *const role_titles[] = {
	"MIM",               /* ROLE_MIM */
	"deputy",            /* ROLE_DEPUTY */
	"scribe",            /* ROLE_SCRIBE */
	"SRE",               /* ROLE_SRE */
	"SME",               /* ROLE_SME */
	"customer ops lead", /* ROLE_CUSTOMER_OPS */
	"internal liaison",  /* ROLE_INTERNAL_LIAISON */
	"leader",            /* ROLE_LEADER */
	"service manager",   /* ROLE_SERVICE_MANAGER */
	"legal counsel",     /* ROLE_LEGAL */
	"PR principal",      /* ROLE_PR */
};
_Static_assert(NELEM(role_titles) == ROLE__MAX, "role_titles out of step");

static const char *const staffing_reason_names[] = {
	"vacant",      /* STAFFING_VACANT */
	"shared",      /* STAFFING_SHARED */
	"combination", /* STAFFING_COMBINATION */
};
_Static_assert(NELEM(staffing_reason_names) == STAFFING_REASON__MAX,
	       "staffing_reason_names out of step");

/*
 * The combinations the doctrine names (SPEC §4).  `rule` says when the pair is refused:
 * DOCTRINE_ROLE_NEVER always, DOCTRINE_ROLE_LOW_SEVERITY above medium,
 * DOCTRINE_ROLE_BELOW_CRITICAL at critical, DOCTRINE_OK never (allowed unless existential).
 * `why` finishes the sentence "… because …" for the refusal.
 */
struct combination {
	enum role a, b;
	enum doctrine_rule rule;
	const char *why;
};

static const struct combination combinations[] = {
	{ROLE_MIM, ROLE_SRE, DOCTRINE_ROLE_NEVER,
	 "the MIM commands and never fixes"},
	{ROLE_MIM, ROLE_SME, DOCTRINE_ROLE_NEVER,
	 "a MIM who is debugging is no longer commanding"},
	{ROLE_MIM, ROLE_SCRIBE, DOCTRINE_ROLE_NEVER,
	 "the MIM decides and the scribe records; one head misses what the other needs"},
	{ROLE_MIM, ROLE_CUSTOMER_OPS, DOCTRINE_ROLE_NEVER,
	 "the MIM is not the public voice of the incident"},
	{ROLE_CUSTOMER_OPS, ROLE_SRE, DOCTRINE_ROLE_NEVER,
	 "whoever is fixing does not write to customers"},
	{ROLE_CUSTOMER_OPS, ROLE_SME, DOCTRINE_ROLE_NEVER,
	 "whoever is fixing does not write to customers"},
	{ROLE_MIM, ROLE_DEPUTY, DOCTRINE_ROLE_LOW_SEVERITY,
	 "above medium the deputy must be free to take over command"},
	{ROLE_INTERNAL_LIAISON, ROLE_SCRIBE, DOCTRINE_ROLE_LOW_SEVERITY,
	 "above medium internal updates crowd out the timeline of record"},
	{ROLE_DEPUTY, ROLE_SCRIBE, DOCTRINE_ROLE_BELOW_CRITICAL,
	 "at critical fatigue compounds and the timeline suffers first"},
	{ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON, DOCTRINE_OK, NULL},
};

/* Fills `v` (when given) with `rule` and a sentence ending in the rule's machine name;
 * room for the name is kept first, so a long sentence is cut rather than the name. */
static void verdict_set(struct doctrine_verdict *v, enum doctrine_rule rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void verdict_vset(struct doctrine_verdict *v, enum doctrine_rule rule, const char *fmt,
			 va_list ap) __attribute__((format(printf, 3, 0)));

static void verdict_vset(struct doctrine_verdict *v, enum doctrine_rule rule, const char *fmt,
			 va_list ap)
{
	char suffix[64];
	size_t nsuffix, len;

	if (v == NULL)
		return;
	v->rule = rule;
	nsuffix = (size_t)snprintf(suffix, sizeof(suffix), " (%s)", doctrine_rule_name(rule));
	vsnprintf(v->message, sizeof(v->message) - nsuffix, fmt, ap);
	len = strlen(v->message);
	memcpy(v->message + len, suffix, nsuffix + 1);
}

static void verdict_set(struct doctrine_verdict *v, enum doctrine_rule rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verdict_vset(v, rule, fmt, ap);
	va_end(ap);
}

static void verdict_ok(struct doctrine_verdict *v)
{
	if (v == NULL)
		return;
	v->rule = DOCTRINE_OK;
	v->message[0] = '\0';
}

static const char *role_title(enum role r)
{
	if ((int)r < 0 || r >= ROLE__MAX)
		return "?";
	return role_titles[r];
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The person's name without surrounding whitespace: start in *name, length returned. */
static size_t person_trim(const char **name)
{
	const char *s = *name;
	size_t len;

	if (s == NULL)
		return 0;
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		len--;
	*name = s;
	return len;
}

static bool person_present(const char *name)
{
	return person_trim(&name) > 0;
}

/* "Ada Lovelace" and " ada lovelace" are one person; nobody is the same as a vacancy. */
static bool person_same(const char *a, const char *b)
{
	size_t alen = person_trim(&a), blen = person_trim(&b);

	if (alen == 0 || alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

/* The Sev-0 posture exists only on a critical incident (SPEC §2). */
static bool is_existential(enum severity sev, bool existential)
{
	return existential && sev == SEVERITY_CRITICAL;
}

static bool is_resolved(const struct incident *inc)
{
	return inc->status == STATUS_RESOLVED || inc->resolved_at != TIME_NONE;
}

void doctrine_verdict_set(struct doctrine_verdict *v, enum doctrine_rule rule, const char *fmt,
			  ...)
{
	va_list ap;

	va_start(ap, fmt);
	verdict_vset(v, rule, fmt, ap);
	va_end(ap);
}

void doctrine_verdict_ok(struct doctrine_verdict *v)
{
	verdict_ok(v);
}

bool doctrine_person_same(const char *a, const char *b)
{
	return person_same(a, b);
}

const char *doctrine_role_title(enum role r)
{
	return role_title(r);
}

const char *doctrine_rule_name(enum doctrine_rule rule)
{
	if ((int)rule < 0 || rule >= DOCTRINE__MAX)
		return "?";
	return rule_names[rule];
}

int doctrine_alarm_level(enum severity s)
{
	/* An unknown severity gets the full response, as intake does when unsure. */
	if ((int)s < 0 || s >= SEVERITY__MAX)
		return 3;
	return alarm_levels[s];
}

/* Judges the gate of phase `p` for a move that leaves it; 0 when met, -1 with `gate`. */
static int gate_check(const struct incident *inc, const struct phase_facts *facts, int p,
		      int64_t now, struct doctrine_verdict *gate)
{
	/* A phase the move jumps over was never entered in this run: its clock never started. */
	bool entered = p == inc->phase && inc->phase_entered_at[p] != TIME_NONE;
	int64_t entered_at = inc->phase_entered_at[p];

	switch (p) {
	case PHASE_ALERT:
		if (facts != NULL && facts->technical_on_scene)
			return 0;
		verdict_set(gate, DOCTRINE_GATE_ON_SCENE,
			    "leaving Alert needs a technical responder (SRE or SME) on scene");
		return -1;
	case PHASE_ASSESS:
		if (!entered) {
			verdict_set(gate, DOCTRINE_GATE_SEVERITY,
				    "Assess is where severity gets confirmed; "
				    "this move skips it");
			return -1;
		}
		if (inc->severity_confirmed_at != TIME_NONE &&
		    inc->severity_confirmed_at >= entered_at)
			return 0;
		verdict_set(gate, DOCTRINE_GATE_SEVERITY,
			    "the severity has not been confirmed since Assess began: "
			    "confirm it (still %s?) before moving on",
			    severity_name(inc->severity));
		return -1;
	case PHASE_INITIAL:
		if (facts != NULL && facts->published_milestones >= 1)
			return 0;
		verdict_set(gate, DOCTRINE_GATE_MILESTONE,
			    "leaving Initial needs a first stakeholder milestone with a "
			    "next-update ETA");
		return -1;
	case PHASE_VALIDATION:
		if (inc->severity != SEVERITY_CRITICAL && inc->severity != SEVERITY_HIGH)
			return 0;
		if (!entered) {
			verdict_set(gate, DOCTRINE_GATE_TEN_MINUTE,
				    "a %s incident needs 10 minutes of clean validation before "
				    "resolving; this move skips Validation",
				    severity_name(inc->severity));
			return -1;
		}
		if (now - entered_at >= VALIDATION_MIN_MS)
			return 0;
		verdict_set(gate, DOCTRINE_GATE_TEN_MINUTE,
			    "a %s incident needs 10 minutes of clean validation before "
			    "resolving; only %lld min %lld s so far",
			    severity_name(inc->severity),
			    (long long)((now > entered_at ? now - entered_at : 0) / MINUTE_MS),
			    (long long)((now > entered_at ? now - entered_at : 0) % MINUTE_MS /
					1000));
		return -1;
	default:
		/* Gather, Isolation, Mitigation: no gate (Gather's 10 minutes is a nudge). */
		return 0;
	}
}

int doctrine_phase_change(const struct incident *inc, const struct phase_facts *facts, int to,
			  int64_t now, struct doctrine_verdict *refusal,
			  struct doctrine_verdict gates[DOCTRINE_GATES_MAX])
{
	int ngates = 0;

	if (to < PHASE_FIRST || to > PHASE_LAST) {
		verdict_set(refusal, DOCTRINE_PHASE_RANGE,
			    "there is no phase %d; phases run from 1 (Alert) to 8 (Resolution)", to);
		return -1;
	}
	if (inc->phase >= PHASE_LAST) {
		verdict_set(refusal, DOCTRINE_PHASE_TERMINAL,
			    "the incident is already in Resolution; reopen it to work it again");
		return -1;
	}
	if (to <= inc->phase) {
		verdict_set(refusal, DOCTRINE_PHASE_BACKWARD,
			    "phases move forward only: the incident is in %s, it cannot go to %s",
			    phase_name(inc->phase), phase_name(to));
		return -1;
	}
	verdict_ok(refusal);
	/* A corrupt phase below 1 is judged as if in Alert rather than read out of bounds. */
	for (int p = inc->phase < PHASE_FIRST ? PHASE_FIRST : inc->phase; p < to; p++) {
		struct doctrine_verdict *gate = ngates < DOCTRINE_GATES_MAX ? &gates[ngates] : NULL;

		if (gate_check(inc, facts, p, now, gate) != 0)
			ngates++;
	}
	return ngates;
}

int doctrine_check_status(const struct incident *inc, enum status to, struct doctrine_verdict *v)
{
	if (to == STATUS_RESOLVED && inc->phase != PHASE_RESOLUTION) {
		verdict_set(v, DOCTRINE_STATUS_RESOLVED,
			    "an incident is resolved only in Resolution (phase 8); "
			    "it is in %s (phase %d)",
			    phase_name(inc->phase), inc->phase);
		return -1;
	}
	verdict_ok(v);
	return 0;
}

int doctrine_combination_allowed(enum role a, enum role b, enum severity sev, bool existential,
				 struct doctrine_verdict *v)
{
	const struct combination *c = NULL;

	/* Holding one role is not a combination, whatever the posture. */
	if (a == b) {
		verdict_ok(v);
		return 0;
	}
	for (size_t i = 0; i < NELEM(combinations); i++) {
		if ((combinations[i].a == a && combinations[i].b == b) ||
		    (combinations[i].a == b && combinations[i].b == a)) {
			c = &combinations[i];
			break;
		}
	}
	/* "Never" outranks the existential posture: it is the truer reason. */
	if (c != NULL && c->rule == DOCTRINE_ROLE_NEVER) {
		verdict_set(v, c->rule, "the %s may never also be the %s: %s", role_title(a),
			    role_title(b), c->why);
		return -1;
	}
	if (is_existential(sev, existential)) {
		verdict_set(v, DOCTRINE_ROLE_EXISTENTIAL,
			    "an existential incident combines no roles: the %s and the %s need "
			    "two people",
			    role_title(a), role_title(b));
		return -1;
	}
	if (c == NULL || c->rule == DOCTRINE_OK) {
		verdict_ok(v);
		return 0;
	}
	if (c->rule == DOCTRINE_ROLE_LOW_SEVERITY &&
	    (sev == SEVERITY_CRITICAL || sev == SEVERITY_HIGH)) {
		verdict_set(v, c->rule,
			    "the %s and the %s may be one person only at medium or low severity, "
			    "not %s: %s",
			    role_title(a), role_title(b), severity_name(sev), c->why);
		return -1;
	}
	if (c->rule == DOCTRINE_ROLE_BELOW_CRITICAL && sev == SEVERITY_CRITICAL) {
		verdict_set(v, c->rule,
			    "the %s and the %s may be one person only below critical: %s",
			    role_title(a), role_title(b), c->why);
		return -1;
	}
	verdict_ok(v);
	return 0;
}

int doctrine_check_role_assignment(const struct incident *inc, enum role role, const char *person,
				   struct doctrine_verdict *v)
{
	/* Vacating a role can never break a combination. */
	if (!person_present(person)) {
		verdict_ok(v);
		return 0;
	}
	for (int r = 0; r < ROLE__MAX; r++) {
		if ((enum role)r == role || !person_same(inc->roles[r], person))
			continue;
		if (doctrine_combination_allowed(role, (enum role)r, inc->severity, inc->existential,
						 v) != 0)
			return -1;
	}
	verdict_ok(v);
	return 0;
}

const char *staffing_reason_name(enum staffing_reason r)
{
	if ((int)r < 0 || r >= STAFFING_REASON__MAX)
		return "?";
	return staffing_reason_names[r];
}

/* Minimum staffing rows, in the order SPEC §4 lists them. */
static const enum role staff_low[] = {ROLE_MIM, ROLE_SRE};
static const enum role staff_medium[] = {ROLE_MIM, ROLE_SRE, ROLE_SCRIBE};
static const enum role staff_existential[] = {
	ROLE_MIM, ROLE_DEPUTY, ROLE_SCRIBE, ROLE_SRE, ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON,
	ROLE_LEADER, ROLE_LEGAL, ROLE_PR,
};
/* high and critical require the first six of the existential row. */
#define STAFF_SIX 6

static bool staffing_is_required(const struct staffing *out, enum role r)
{
	for (size_t i = 0; i < out->nrequired; i++)
		if (out->required[i] == r)
			return true;
	return false;
}

/* At high the doctrine lets these two pairs be one person each (SPEC §4). */
static bool high_may_share(enum role a, enum role b)
{
	return (a == ROLE_DEPUTY && b == ROLE_SCRIBE) || (a == ROLE_SCRIBE && b == ROLE_DEPUTY) ||
	       (a == ROLE_CUSTOMER_OPS && b == ROLE_INTERNAL_LIAISON) ||
	       (a == ROLE_INTERNAL_LIAISON && b == ROLE_CUSTOMER_OPS);
}

static void staffing_add_gap(struct staffing *out, enum role role, enum staffing_reason reason,
			     enum role with)
{
	/* Only one person holding nearly every role can fill the table; the first gaps
	 * already say the incident is understaffed, so the rest are dropped. */
	if (out->ngaps >= NELEM(out->gaps))
		return;
	out->gaps[out->ngaps].role = role;
	out->gaps[out->ngaps].reason = reason;
	out->gaps[out->ngaps].with = with;
	out->ngaps++;
}

void doctrine_staffing(const struct incident *inc, struct staffing *out)
{
	const enum role *rows;
	size_t nrows;
	bool distinct;

	switch (inc->severity) {
	case SEVERITY_LOW:
		rows = staff_low;
		nrows = NELEM(staff_low);
		break;
	case SEVERITY_MEDIUM:
		rows = staff_medium;
		nrows = NELEM(staff_medium);
		break;
	case SEVERITY_HIGH:
		rows = staff_existential;
		nrows = STAFF_SIX;
		break;
	default:
		rows = staff_existential;
		nrows = is_existential(inc->severity, inc->existential) ? NELEM(staff_existential)
									: STAFF_SIX;
		break;
	}
	/* low and medium name no distinct people; high does, with two allowances. */
	distinct = inc->severity == SEVERITY_HIGH || inc->severity == SEVERITY_CRITICAL;

	out->nrequired = 0;
	out->ngaps = 0;
	for (size_t i = 0; i < nrows; i++)
		out->required[out->nrequired++] = rows[i];
	for (size_t i = 0; i < out->nrequired; i++)
		if (!person_present(inc->roles[out->required[i]]))
			staffing_add_gap(out, out->required[i], STAFFING_VACANT, ROLE__MAX);

	/* Every pair once, gap on the later role "with" the earlier one.  A forbidden
	 * combination is the stronger finding, so it wins over "shared". */
	for (int a = 0; a < ROLE__MAX; a++) {
		for (int b = a + 1; b < ROLE__MAX; b++) {
			if (!person_same(inc->roles[a], inc->roles[b]))
				continue;
			if (doctrine_combination_allowed((enum role)a, (enum role)b, inc->severity,
							 inc->existential, NULL) != 0) {
				staffing_add_gap(out, (enum role)b, STAFFING_COMBINATION,
						 (enum role)a);
				continue;
			}
			if (!distinct || !staffing_is_required(out, (enum role)a) ||
			    !staffing_is_required(out, (enum role)b))
				continue;
			if (inc->severity == SEVERITY_HIGH && high_may_share((enum role)a, (enum role)b))
				continue;
			staffing_add_gap(out, (enum role)b, STAFFING_SHARED, (enum role)a);
		}
	}
}

int64_t doctrine_default_cadence(enum audience a, enum severity s)
{
	bool major = s == SEVERITY_CRITICAL || s == SEVERITY_HIGH;

	switch (a) {
	case AUDIENCE_PUBLIC:
		return 30 * MINUTE_MS;
	case AUDIENCE_INTERNAL:
	case AUDIENCE_EXEC:
		return major ? 60 * MINUTE_MS : 0;
	default:
		return 0;
	}
}

enum cadence_state doctrine_cadence(enum audience a, const struct incident *inc,
				    const struct cadence_input *in, int64_t now)
{
	int64_t deadline, cadence;

	if (!in->has_update || in->last_was_resolution || is_resolved(inc))
		return CADENCE_NONE;
	/* A promised ETA is the commitment; the default cadence only fills in for none. */
	if (in->next_update_eta != TIME_NONE) {
		deadline = in->next_update_eta;
	} else {
		cadence = doctrine_default_cadence(a, inc->severity);
		if (cadence == 0)
			return CADENCE_OK;
		deadline = in->last_published_at + cadence;
	}
	if (now > deadline)
		return CADENCE_OVERDUE;
	if (deadline - now <= CADENCE_DUE_MS)
		return CADENCE_DUE;
	return CADENCE_OK;
}

int doctrine_check_responder_transition(enum responder_state from, enum responder_state to,
					struct doctrine_verdict *v)
{
	/* The same state again is an idempotent no-op (a retried PATCH), not a move back. */
	if (to < from) {
		verdict_set(v, DOCTRINE_RESPONDER_BACKWARD,
			    "presence moves forward only: a responder %s cannot go back to %s",
			    responder_state_name(from), responder_state_name(to));
		return -1;
	}
	verdict_ok(v);
	return 0;
}

int doctrine_check_reopen(const struct incident *inc, struct doctrine_verdict *v)
{
	if (!is_resolved(inc)) {
		verdict_set(v, DOCTRINE_REOPEN_NOT_RESOLVED,
			    "only a resolved incident can be reopened; this one is %s in %s",
			    status_name(inc->status), phase_name(inc->phase));
		return -1;
	}
	verdict_ok(v);
	return 0;
}

static bool is_slug_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Builds the slug into `slug` (CHANNEL_SLUG_MAX + 1 bytes): whole words only, except a
 * single first word longer than the limit, which is cut rather than lost. */
static void channel_slug(const char *title, char slug[CHANNEL_SLUG_MAX + 1])
{
	size_t len = 0;
	int nwords = 0;
	const char *p = title != NULL ? title : "";

	while (*p != '\0' && nwords < CHANNEL_WORDS_MAX) {
		const char *word;
		size_t wordlen = 0, need;

		/* Every byte that is not an ASCII letter or digit (UTF-8 included) separates. */
		while (*p != '\0' && !is_slug_char(ascii_lower(*p)))
			p++;
		if (*p == '\0')
			break;
		word = p;
		while (is_slug_char(ascii_lower(*p))) {
			p++;
			wordlen++;
		}
		need = (len > 0 ? 1 : 0) + wordlen;
		if (len + need > CHANNEL_SLUG_MAX) {
			if (len == 0)
				wordlen = CHANNEL_SLUG_MAX;
			else
				break;
		}
		if (len > 0)
			slug[len++] = '-';
		for (size_t i = 0; i < wordlen; i++)
			slug[len++] = ascii_lower(word[i]);
		nwords++;
	}
	slug[len] = '\0';
	if (len == 0)
		str_copy(slug, "incident", CHANNEL_SLUG_MAX + 1);
}

void doctrine_channel_name(const char *title, int64_t opened_at, char out[CHANNEL_NAME_MAX])
{
	char slug[CHANNEL_SLUG_MAX + 1];
	int year, month, day;

	channel_slug(title, slug);
	time_civil(opened_at, &year, &month, &day);
	snprintf(out, CHANNEL_NAME_MAX, "#inc-%04d-%02d-%02d-%s", year, month, day, slug);
}
