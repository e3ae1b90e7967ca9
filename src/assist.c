/*
 * assist — the deterministic drafter (SPEC §16).  The phase doctrine is a table; the
 * drafts are assembled from the record in a fixed order, sentence by sentence.
 */
#include "assist.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
#define CLOCK_TEXT_MAX 16    /* "09:45 UTC" */
#define DURATION_TEXT_MAX 48 /* "123456 h 59 min" */
#define COUNT_TEXT_MAX 32    /* "9,223,372,036,854,775,807" */
/* The 10-minute rule (SPEC §3), as the phase gate counts it. */
#define VALIDATION_MIN_MS (10 * MINUTE_MS)

/* The eight phases: the MIM's job, and how the phase is left (seeds: the operator guide). */
struct phase_doctrine {
	const char *job;
	const char *next;
};

static const struct phase_doctrine phases[PHASE_LAST + 1] = {
	{NULL, NULL}, /* phases count from 1 */
	/* PHASE_ALERT */
	{"Confirm the alert is real, get the right people paged and open the bridge.",
	 "Advance to Gather once a technical responder (SRE or SME) is on the bridge; do not "
	 "gather conditions yet."},
	/* PHASE_GATHER */
	{"Assemble the team on the bridge and take a CAN from every affected system: you "
	 "synthesize, you do not diagnose.",
	 "Timebox it: when the timebox expires, take the conditions you have and advance to "
	 "Assess."},
	/* PHASE_ASSESS */
	{"Determine scope and blast radius, confirm or adjust severity, identify the fault "
	 "domain, and set external impact and customer count.",
	 "Confirm the severity in this phase, then advance to Initial; root cause is not needed "
	 "yet."},
	/* PHASE_INITIAL */
	{"Cut the first stakeholder milestone with a next-update ETA and get leadership in the "
	 "loop.",
	 "State what is known, not what is suspected; publish at least one milestone, then "
	 "advance."},
	/* PHASE_ISOLATION */
	{"The fault domain is known: keep the team focused on it and block noise.",
	 "Open a recovery track per team with an explicit timebox, record the root cause in the "
	 "description and update business and customer impact."},
	/* PHASE_MITIGATION */
	{"Remediation is running: run the recovery tracks and timebox each team's work.",
	 "Cut a milestone at every meaningful change; once the primary recovery action is "
	 "applied and systems improve, advance to Validation."},
	/* PHASE_VALIDATION */
	{"Confirm recovery across every affected system; do not close early.",
	 "Each affected team confirms recovery on the bridge; critical and high incidents need "
	 "10 minutes of clean validation before Resolution."},
	/* PHASE_RESOLUTION */
	{"Close cleanly: cut the resolution milestone, release the responders and schedule the "
	 "After Action.",
	 "Hold the After Action within 72 hours."},
};

static const char *const status_titles[] = {
	"Investigating", /* STATUS_INVESTIGATING */
	"Identified",    /* STATUS_IDENTIFIED */
	"Monitoring",    /* STATUS_MONITORING */
	"Resolved",      /* STATUS_RESOLVED */
};
_Static_assert(NELEM(status_titles) == STATUS__MAX, "status_titles out of step");

/* How the exec brief names the latest update. */
static const char *const kind_titles[] = {
	"milestone",            /* UPDATE_MILESTONE */
	"holding milestone",    /* UPDATE_HOLDING */
	"resolution milestone", /* UPDATE_RESOLUTION */
};
_Static_assert(NELEM(kind_titles) == UPDATE_KIND__MAX, "kind_titles out of step");

/* What the severity means to a stakeholder. */
static const char *const impact_phrases[] = {
	"a major outage",           /* SEVERITY_CRITICAL */
	"a significant disruption", /* SEVERITY_HIGH */
	"a partial disruption",     /* SEVERITY_MEDIUM */
	"a minor issue",            /* SEVERITY_LOW */
};
_Static_assert(NELEM(impact_phrases) == SEVERITY__MAX, "impact_phrases out of step");

/* --- writing --------------------------------------------------------------------------- */

/* A buffer with a sticky failure: after the first refused append nothing more is written
 * (buf.h leaves a failed buffer empty but usable, which must not look like success). */
struct draft {
	struct buf *b;
	bool failed;
};

static void put(struct draft *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct draft *d, const char *fmt, ...)
{
	va_list ap;

	if (d->failed)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(d->b, fmt, ap) != 0)
		d->failed = true;
	va_end(ap);
}

static void put_str(struct draft *d, const char *s)
{
	if (!d->failed && buf_append_str(d->b, s) != 0)
		d->failed = true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_blank(const char *s)
{
	return can_text_blank(s);
}

/* User text on one line: trimmed, every run of white space one space. */
static void put_inline(struct draft *d, const char *text)
{
	bool gap = false, any = false;

	if (text == NULL)
		return;
	for (const char *p = text; *p != '\0' && !d->failed; p++) {
		if (is_space(*p)) {
			gap = any;
			continue;
		}
		if (gap && buf_append_char(d->b, ' ') != 0)
			d->failed = true;
		if (!d->failed && buf_append_char(d->b, *p) != 0)
			d->failed = true;
		gap = false;
		any = true;
	}
}

/* User text as a sentence: inline, with a full stop unless it ends in one already. */
static void put_sentence(struct draft *d, const char *text)
{
	put_inline(d, text);
	if (d->failed || d->b->len == 0)
		return;
	if (strchr(".!?", d->b->ptr[d->b->len - 1]) == NULL)
		put_str(d, ".");
}

/* 0, or -1 with the buffer freed empty (a refused append may have come from a helper
 * buffer, leaving `d->b` half written). */
static int draft_end(struct draft *d)
{
	if (!d->failed)
		return 0;
	buf_free(d->b);
	return -1;
}

/* "09:45 UTC" */
static void clock_text(int64_t ms, char out[CLOCK_TEXT_MAX])
{
	int64_t in_day = (ms % DAY_MS + DAY_MS) % DAY_MS;

	snprintf(out, CLOCK_TEXT_MAX, "%02d:%02d UTC", (int)(in_day / HOUR_MS),
		 (int)(in_day % HOUR_MS / MINUTE_MS));
}

/* "1 h 25 min", "2 h", "25 min", "0 min" (whole minutes, rounded down). */
static void duration_text(int64_t ms, char out[DURATION_TEXT_MAX])
{
	long long total = ms > 0 ? (long long)(ms / MINUTE_MS) : 0;
	long long h = total / 60, m = total % 60;

	if (h == 0)
		snprintf(out, DURATION_TEXT_MAX, "%lld min", m);
	else if (m == 0)
		snprintf(out, DURATION_TEXT_MAX, "%lld h", h);
	else
		snprintf(out, DURATION_TEXT_MAX, "%lld h %lld min", h, m);
}

/* "12,000" */
static void count_text(int64_t n, char out[COUNT_TEXT_MAX])
{
	char digits[COUNT_TEXT_MAX];
	size_t ndigits, len = 0;

	snprintf(digits, sizeof(digits), "%lld", (long long)(n < 0 ? 0 : n));
	ndigits = strlen(digits);
	for (size_t i = 0; i < ndigits; i++) {
		if (i > 0 && (ndigits - i) % 3 == 0)
			out[len++] = ',';
		out[len++] = digits[i];
	}
	out[len] = '\0';
}

static const char *status_title(enum status s)
{
	return (int)s >= 0 && s < STATUS__MAX ? status_titles[s] : "Investigating";
}

static const char *milestone_title(enum update_kind k)
{
	return (int)k >= 0 && k < UPDATE_KIND__MAX ? kind_titles[k] : kind_titles[0];
}

static const char *impact_phrase(enum severity s)
{
	return (int)s >= 0 && s < SEVERITY__MAX ? impact_phrases[s] : impact_phrases[0];
}

static bool incident_resolved(const struct incident *inc)
{
	return inc->status == STATUS_RESOLVED || inc->resolved_at != TIME_NONE ||
	       inc->phase >= PHASE_RESOLUTION;
}

static bool incident_existential(const struct incident *inc)
{
	return inc->existential && inc->severity == SEVERITY_CRITICAL;
}

/* When the impact began: startedAt, else alertFiredAt, else openedAt. */
static int64_t impact_start(const struct incident *inc)
{
	if (inc->started_at != TIME_NONE)
		return inc->started_at;
	if (inc->alert_fired_at != TIME_NONE)
		return inc->alert_fired_at;
	return inc->opened_at;
}

/* "Checkout API", "Checkout API and Payments", "A, B and C"; `otherwise` for none. */
static void put_list(struct draft *d, const char *const *items, size_t n, const char *otherwise)
{
	size_t nwritten = 0, nitems = 0;

	for (size_t i = 0; i < n; i++)
		nitems += !is_blank(items[i]);
	if (nitems == 0) {
		put_str(d, otherwise);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_blank(items[i]))
			continue;
		if (nwritten > 0)
			put_str(d, nwritten + 1 == nitems ? " and " : ", ");
		put_inline(d, items[i]);
		nwritten++;
	}
}

static void put_systems(struct draft *d, const struct incident *inc)
{
	put_list(d, (const char *const *)inc->affected_systems, inc->naffected_systems,
		 "some of our services");
}

/* --- phase suggestion ------------------------------------------------------------------ */

/* Whether team `team` has a CAN in the record. */
static bool team_reported(const struct assist_record *rec, const char *team)
{
	for (size_t i = 0; i < rec->ncans; i++)
		if (doctrine_person_same(rec->cans[i].report.team, team))
			return true;
	return false;
}

/* A gap line "- <label>: " once, then items separated by ", ". */
struct gap_line {
	struct draft *d;
	const char *label;
	size_t n;
	size_t *ngaps;
};

static void gap_item(struct gap_line *g)
{
	if (g->n++ == 0) {
		put(g->d, "- %s: ", g->label);
		(*g->ngaps)++;
	} else {
		put_str(g->d, ", ");
	}
}

static void gap_end(struct gap_line *g, const char *tail)
{
	if (g->n > 0)
		put(g->d, "%s\n", tail);
}

static void gaps_staffing(struct draft *d, const struct incident *inc, size_t *ngaps)
{
	static const char *const labels[] = {
		"Vacant roles",                       /* STAFFING_VACANT */
		"Roles that need distinct people",    /* STAFFING_SHARED */
		"Roles that may not be combined",     /* STAFFING_COMBINATION */
	};
	_Static_assert(NELEM(labels) == STAFFING_REASON__MAX, "labels out of step");
	struct staffing st;

	doctrine_staffing(inc, &st);
	for (int reason = 0; reason < STAFFING_REASON__MAX; reason++) {
		struct gap_line g = {d, labels[reason], 0, ngaps};

		for (size_t i = 0; i < st.ngaps; i++) {
			if ((int)st.gaps[i].reason != reason)
				continue;
			gap_item(&g);
			put_str(d, doctrine_role_title(st.gaps[i].role));
			if (st.gaps[i].reason != STAFFING_VACANT)
				put(d, " with %s", doctrine_role_title(st.gaps[i].with));
		}
		gap_end(&g, ".");
	}
}

static void gaps_cadence(struct draft *d, const struct assist_record *rec, int64_t now,
			 size_t *ngaps)
{
	struct gap_line overdue = {d, "Overdue updates", 0, ngaps};
	struct gap_line due = {d, "Updates due soon", 0, ngaps};

	for (int pass = 0; pass < 2; pass++) {
		struct gap_line *g = pass == 0 ? &overdue : &due;
		enum cadence_state want = pass == 0 ? CADENCE_OVERDUE : CADENCE_DUE;

		for (int a = 0; a < AUDIENCE__MAX; a++) {
			const struct cadence_input *in = &rec->cadence[a];
			char at[CLOCK_TEXT_MAX];
			int64_t deadline;

			if (doctrine_cadence((enum audience)a, rec->inc, in, now) != want)
				continue;
			deadline = in->next_update_eta != TIME_NONE
					   ? in->next_update_eta
					   : in->last_published_at +
						     doctrine_default_cadence((enum audience)a,
									      rec->inc->severity);
			clock_text(deadline, at);
			gap_item(g);
			put(d, "%s (%s %s)", audience_name((enum audience)a),
			    pass == 0 ? "due" : "by", at);
		}
		gap_end(g, pass == 0 ? "; publish now, even a holding milestone." : ".");
	}
}

static void gaps_tracks(struct draft *d, const struct assist_record *rec, int64_t now,
			size_t *ngaps)
{
	struct gap_line g = {d, "Expired tracks", 0, ngaps};

	for (size_t i = 0; i < rec->ntracks; i++) {
		const struct track *t = &rec->tracks[i];
		char at[CLOCK_TEXT_MAX];

		if (!track_needs_attention(t, now))
			continue;
		clock_text(t->deadline, at);
		gap_item(&g);
		put_str(d, "\"");
		put_inline(d, is_blank(t->goal) ? "untitled" : t->goal);
		put_str(d, "\" (");
		put_inline(d, is_blank(t->owner) ? "no owner" : t->owner);
		put(d, ", timebox ended %s)", at);
	}
	gap_end(&g, "; extend each with a new timebox or escalate.");
}

static void gaps_cans(struct draft *d, const struct assist_record *rec, size_t *ngaps)
{
	struct gap_line g = {d, "No CAN yet from", 0, ngaps};
	const char *const *teams = rec->expected_teams;
	size_t nteams = rec->nexpected_teams;

	if (teams == NULL) {
		teams = (const char *const *)rec->inc->affected_systems;
		nteams = rec->inc->naffected_systems;
	}
	for (size_t i = 0; i < nteams; i++) {
		if (is_blank(teams[i]) || team_reported(rec, teams[i]))
			continue;
		gap_item(&g);
		put_inline(d, teams[i]);
	}
	gap_end(&g, ".");
}

int assist_suggestion(const struct assist_record *rec, int64_t now, struct buf *out)
{
	struct draft d = {out, false};
	const struct incident *inc = rec->inc;
	int phase = inc->phase >= PHASE_FIRST && inc->phase <= PHASE_LAST ? inc->phase
									  : PHASE_FIRST;
	bool resolved = incident_resolved(inc);
	struct buf gaps_buf;
	struct draft gaps = {&gaps_buf, false};
	size_t ngaps = 0;

	if (inc->drill)
		put_str(&d, "[Drill] ");
	put(&d, "Phase %d of 8, %s (Box %d, %s%s). %s\n", phase, phase_name(phase),
	    doctrine_alarm_level(inc->severity), severity_name(inc->severity),
	    incident_existential(inc) ? ", existential" : "", phases[phase].job);
	/* The gap lines go to their own buffer first: the heading depends on their count. */
	buf_init(&gaps_buf, out->max);
	if (!resolved) {
		gaps_staffing(&gaps, inc, &ngaps);
		gaps_cadence(&gaps, rec, now, &ngaps);
		gaps_tracks(&gaps, rec, now, &ngaps);
		/* Alert is for paging, not for gathering conditions. */
		if (phase >= PHASE_GATHER)
			gaps_cans(&gaps, rec, &ngaps);
		if (phase == PHASE_VALIDATION && inc->phase_entered_at[PHASE_VALIDATION] != TIME_NONE &&
		    (inc->severity == SEVERITY_CRITICAL || inc->severity == SEVERITY_HIGH) &&
		    now < inc->phase_entered_at[PHASE_VALIDATION] + VALIDATION_MIN_MS) {
			char at[CLOCK_TEXT_MAX];

			clock_text(inc->phase_entered_at[PHASE_VALIDATION] + VALIDATION_MIN_MS, at);
			put(&gaps, "- 10-minute rule: keep validating until %s before Resolution.\n",
			    at);
			ngaps++;
		}
	} else if (inc->after_action_at == TIME_NONE) {
		put_str(&gaps, "- After Action not scheduled yet.\n");
		ngaps++;
	}
	if (gaps.failed)
		d.failed = true;
	if (ngaps == 0) {
		put_str(&d, "Gaps on the fireground: none.\n");
	} else {
		put_str(&d, "Gaps on the fireground:\n");
		put_str(&d, gaps_buf.ptr);
	}
	buf_free(&gaps_buf);
	put(&d, "Next: %s", phases[phase].next);
	return draft_end(&d);
}

/* --- draft update ---------------------------------------------------------------------- */

/* "We are investigating a major outage affecting Checkout API and Payments." */
static void put_status_sentence(struct draft *d, const struct incident *inc)
{
	const char *impact = impact_phrase(inc->severity);

	switch (inc->status) {
	case STATUS_IDENTIFIED:
		put(d, "We have identified the cause of %s affecting ", impact);
		put_systems(d, inc);
		put_str(d, " and are working on a fix.");
		break;
	case STATUS_MONITORING:
		put(d, "A fix for %s affecting ", impact);
		put_systems(d, inc);
		put_str(d, " is in place and we are monitoring the results.");
		break;
	case STATUS_RESOLVED:
		/* "A major outage …": the phrase starts lowercase with "a". */
		put(d, "A%s affecting ", impact + 1);
		put_systems(d, inc);
		put_str(d, " has been resolved.");
		break;
	default:
		put(d, "We are investigating %s affecting ", impact);
		put_systems(d, inc);
		put_str(d, ".");
		break;
	}
}

/* Writes "<heading>\n- team: text\n…" for the CANs this audience may see; `slot` 0 is
 * conditions, 1 actions. */
static void put_can_section(struct draft *d, const struct assist_record *rec, bool public_only,
			    int slot, const char *heading)
{
	bool any = false;

	for (size_t i = 0; i < rec->ncans; i++) {
		const struct assist_can *c = &rec->cans[i];
		const char *text = slot == 0 ? c->report.conditions : c->report.actions;

		if (is_blank(text) || (public_only && c->visibility != VISIBILITY_PUBLIC))
			continue;
		if (!any)
			put(d, "\n%s\n", heading);
		any = true;
		put_str(d, "- ");
		if (!is_blank(c->report.team)) {
			put_inline(d, c->report.team);
			put_str(d, ": ");
		}
		put_sentence(d, text);
		put_str(d, "\n");
	}
}

int assist_draft_update(const struct assist_record *rec, enum audience audience, int64_t now,
			struct buf *out)
{
	struct draft d = {out, false};
	const struct incident *inc = rec->inc;
	bool public = audience == AUDIENCE_PUBLIC;
	const struct cadence_input *promise =
		(int)audience >= 0 && audience < AUDIENCE__MAX ? &rec->cadence[audience] : NULL;

	if (inc->drill)
		put_str(&d, "[Drill] ");
	put(&d, "%s: ", status_title(inc->status));
	if (public && inc->security) {
		put_str(&d, "issue affecting ");
		put_systems(&d, inc);
	} else {
		put_inline(&d, is_blank(inc->title) ? "incident" : inc->title);
	}
	put_str(&d, "\n\n");
	put_status_sentence(&d, inc);
	if (!is_blank(inc->customer_impact_summary)) {
		put_str(&d, " ");
		put_sentence(&d, inc->customer_impact_summary);
	}
	if (!public && inc->customer_count >= 0) {
		char count[COUNT_TEXT_MAX];

		count_text(inc->customer_count, count);
		put(&d, " Approximately %s customers are affected.", count);
	}
	put_str(&d, "\n");
	put_can_section(&d, rec, public, 0, "What we see:");
	put_can_section(&d, rec, public, 1, "What we are doing:");
	put_str(&d, "\n");
	if (incident_resolved(inc)) {
		put_str(&d, "No further updates are planned.");
	} else if (promise != NULL && promise->has_update && promise->next_update_eta > now) {
		char at[CLOCK_TEXT_MAX];

		clock_text(promise->next_update_eta, at);
		put(&d, "Next update by %s.", at);
	} else {
		int64_t cadence = doctrine_default_cadence(audience, inc->severity);

		put(&d, "Next update within %lld minutes.",
		    (long long)((cadence > 0 ? cadence : 60 * MINUTE_MS) / MINUTE_MS));
	}
	return draft_end(&d);
}

/* --- exec brief ------------------------------------------------------------------------ */

int assist_exec_brief(const struct assist_record *rec, int64_t now, struct buf *out)
{
	struct draft d = {out, false};
	const struct incident *inc = rec->inc;
	const struct assist_milestone *m = rec->latest_milestone;
	bool resolved = incident_resolved(inc);
	int64_t start = impact_start(inc);
	char duration[DURATION_TEXT_MAX], at[CLOCK_TEXT_MAX];

	if (inc->drill)
		put_str(&d, "[Drill] ");
	put(&d, "INC-%lld \"", (long long)inc->number);
	put_inline(&d, is_blank(inc->title) ? "untitled" : inc->title);
	put(&d, "\" %s a %s%s incident (Box %d)", resolved ? "was" : "is",
	    severity_name(inc->severity), incident_existential(inc) ? ", existential (Sev-0)" : "",
	    doctrine_alarm_level(inc->severity));
	if (resolved) {
		int64_t end = inc->resolved_at != TIME_NONE ? inc->resolved_at : now;

		duration_text(end - start, duration);
		clock_text(end, at);
		put(&d, ", resolved at %s after %s of impact.", at, duration);
	} else {
		duration_text(now - start, duration);
		clock_text(start, at);
		put(&d, ", %s, in phase %d %s; impact began at %s, %s ago.",
		    status_name(inc->status), inc->phase, phase_name(inc->phase), at, duration);
	}
	if (inc->security)
		put_str(&d, " It is flagged as a suspected security breach.");

	put_str(&d, " Business impact: ");
	put_sentence(&d, is_blank(inc->business_impact) ? "not yet assessed" : inc->business_impact);
	put_str(&d, " Customer impact: ");
	if (!is_blank(inc->customer_impact_summary))
		put_sentence(&d, inc->customer_impact_summary);
	else if (inc->customer_count < 0)
		put_str(&d, "not yet assessed.");
	if (inc->customer_count >= 0) {
		char count[COUNT_TEXT_MAX];

		count_text(inc->customer_count, count);
		put(&d, "%spproximately %s customers affected.",
		    is_blank(inc->customer_impact_summary) ? "a" : " A", count);
	}
	if (!is_blank(inc->risk_level)) {
		put_str(&d, " Risk: ");
		put_sentence(&d, inc->risk_level);
	}
	if (!is_blank(inc->exec_summary)) {
		put_str(&d, " ");
		put_sentence(&d, inc->exec_summary);
	}
	if (m == NULL) {
		put_str(&d, " No milestone has been published yet.");
	} else {
		clock_text(m->at, at);
		put(&d, " Latest %s (%s, %s): \"", milestone_title(m->kind),
		    audience_name(m->audience), at);
		put_inline(&d, m->body);
		put_str(&d, "\"");
		if (!resolved && m->next_update_eta > now) {
			clock_text(m->next_update_eta, at);
			put(&d, " Next update by %s.", at);
		}
	}
	return draft_end(&d);
}
