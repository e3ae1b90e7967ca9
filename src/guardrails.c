/*
 * guardrails — SPEC §8 evaluated from a snapshot and `now`.  One function per rule, each
 * reading the thresholds of the incident's alarm level; the list is sorted once at the end.
 */
#include "guardrails.h"

#include <stddef.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
/* "2026-05-22 09:15 UTC" plus NUL, with room. */
#define CLOCK_TEXT_MAX 32

static const char *const rule_names[] = {
	"guardrail.noMim",           /* GUARDRAIL_NO_MIM */
	"guardrail.noCan",           /* GUARDRAIL_NO_CAN */
	"guardrail.noMilestone",     /* GUARDRAIL_NO_MILESTONE */
	"guardrail.cadenceOverdue",  /* GUARDRAIL_CADENCE_OVERDUE */
	"guardrail.gatherLong",      /* GUARDRAIL_GATHER_LONG */
	"guardrail.trackExpired",    /* GUARDRAIL_TRACK_EXPIRED */
	"guardrail.staffing",        /* GUARDRAIL_STAFFING */
	"guardrail.resolutionTime",  /* GUARDRAIL_RESOLUTION_TIME */
	"guardrail.regulatoryClock", /* GUARDRAIL_REGULATORY_CLOCK */
	"guardrail.validationShort", /* GUARDRAIL_VALIDATION_SHORT */
	"guardrail.noAfterAction",   /* GUARDRAIL_NO_AFTER_ACTION */
};
_Static_assert(NELEM(rule_names) == GUARDRAIL_RULE__MAX, "rule_names out of step");

/* Each rule's severity: critical when nobody commands or a clock/escalation is at stake. */
static const enum guardrail_severity rule_severities[] = {
	GUARDRAIL_CRITICAL, /* GUARDRAIL_NO_MIM */
	GUARDRAIL_WARNING,  /* GUARDRAIL_NO_CAN */
	GUARDRAIL_WARNING,  /* GUARDRAIL_NO_MILESTONE */
	GUARDRAIL_WARNING,  /* GUARDRAIL_CADENCE_OVERDUE */
	GUARDRAIL_INFO,     /* GUARDRAIL_GATHER_LONG */
	GUARDRAIL_WARNING,  /* GUARDRAIL_TRACK_EXPIRED */
	GUARDRAIL_WARNING,  /* GUARDRAIL_STAFFING */
	GUARDRAIL_CRITICAL, /* GUARDRAIL_RESOLUTION_TIME */
	GUARDRAIL_CRITICAL, /* GUARDRAIL_REGULATORY_CLOCK */
	GUARDRAIL_WARNING,  /* GUARDRAIL_VALIDATION_SHORT */
	GUARDRAIL_WARNING,  /* GUARDRAIL_NO_AFTER_ACTION */
};
_Static_assert(NELEM(rule_severities) == GUARDRAIL_RULE__MAX, "rule_severities out of step");

static const char *const severity_names[] = {
	"info",     /* GUARDRAIL_INFO */
	"warning",  /* GUARDRAIL_WARNING */
	"critical", /* GUARDRAIL_CRITICAL */
};
_Static_assert(NELEM(severity_names) == GUARDRAIL_SEVERITY__MAX, "severity_names out of step");

/* One evaluation: what every rule reads. */
struct eval {
	const struct guardrail_thresholds *th;
	const struct guardrail_snapshot *snap;
	const struct incident *inc;
	int64_t now;
	struct guardrail_nudges *out;
};

const char *guardrail_rule_name(enum guardrail_rule rule)
{
	if ((int)rule < 0 || rule >= GUARDRAIL_RULE__MAX)
		return "?";
	return rule_names[rule];
}

const char *guardrail_severity_name(enum guardrail_severity sev)
{
	if ((int)sev < 0 || sev >= GUARDRAIL_SEVERITY__MAX)
		return "?";
	return severity_names[sev];
}

void guardrail_config_default(struct guardrail_config *cfg)
{
	for (int level = 0; level < GUARDRAIL_LEVELS; level++) {
		struct guardrail_thresholds *th = &cfg->level[level];

		th->no_mim = 5 * MINUTE_MS;
		th->no_can = 10 * MINUTE_MS;
		th->no_milestone = 20 * MINUTE_MS;
		th->gather = 10 * MINUTE_MS;
		th->staffing = 10 * MINUTE_MS;
		/* "resolution time past 2 h for critical" (SPEC §8). */
		th->resolution = level == 3 ? 2 * HOUR_MS : GUARDRAIL_OFF;
		th->regulatory = 24 * HOUR_MS;
		/* The 10-minute rule holds for critical and high (SPEC §3). */
		th->validation = level >= 2 ? 10 * MINUTE_MS : GUARDRAIL_OFF;
		/* The resolution milestone carries the After Action date (SPEC §14); a
		 * quarter of an hour to post it, at the levels that owe a review. */
		th->after_action = level >= 2 ? 15 * MINUTE_MS : GUARDRAIL_OFF;
		th->cadence = true;
		th->tracks = true;
	}
}

/* The threshold fields by their configuration names. */
static int64_t *threshold_duration(struct guardrail_thresholds *th, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{"noMim", offsetof(struct guardrail_thresholds, no_mim)},
		{"noCan", offsetof(struct guardrail_thresholds, no_can)},
		{"noMilestone", offsetof(struct guardrail_thresholds, no_milestone)},
		{"gather", offsetof(struct guardrail_thresholds, gather)},
		{"staffing", offsetof(struct guardrail_thresholds, staffing)},
		{"resolution", offsetof(struct guardrail_thresholds, resolution)},
		{"regulatory", offsetof(struct guardrail_thresholds, regulatory)},
		{"validation", offsetof(struct guardrail_thresholds, validation)},
		{"afterAction", offsetof(struct guardrail_thresholds, after_action)},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == len && strncmp(fields[i].name, name, len) == 0)
			return (int64_t *)((char *)th + fields[i].offset);
	return NULL;
}

/* "90s", "5m", "2h" or "off" (GUARDRAIL_OFF); -1 when it is none of them. */
static int parse_duration(const char *p, size_t len, int64_t *out)
{
	int64_t n = 0, unit;

	if (len == 3 && strncmp(p, "off", 3) == 0) {
		*out = GUARDRAIL_OFF;
		return 0;
	}
	if (len < 2 || len > 8)
		return -1;
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		n = n * 10 + (p[i] - '0');
	}
	switch (p[len - 1]) {
	case 's': unit = 1000; break;
	case 'm': unit = MINUTE_MS; break;
	case 'h': unit = HOUR_MS; break;
	default: return -1;
	}
	*out = n * unit;
	return 0;
}

int guardrail_config_parse(const char *text, struct guardrail_config *cfg, char *err,
			   size_t errlen)
{
	struct guardrail_config next = *cfg;
	const char *p = text;

	while (*p) {
		const char *item, *dot, *eq, *end;
		int first, last;

		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		item = p;
		end = p + strcspn(p, ", \t\n");
		dot = memchr(item, '.', (size_t)(end - item));
		eq = dot ? memchr(dot, '=', (size_t)(end - dot)) : NULL;
		if (dot == NULL || eq == NULL)
			goto bad;
		if (dot - item == 3 && strncmp(item, "all", 3) == 0) {
			first = 0;
			last = GUARDRAIL_LEVELS - 1;
		} else if (dot - item == 4 && strncmp(item, "box", 3) == 0 && item[3] >= '0' &&
			   item[3] < '0' + GUARDRAIL_LEVELS) {
			first = last = item[3] - '0';
		} else {
			goto bad;
		}
		for (int level = first; level <= last; level++) {
			struct guardrail_thresholds *th = &next.level[level];
			size_t name_len = (size_t)(eq - dot - 1), value_len = (size_t)(end - eq - 1);
			int64_t *duration = threshold_duration(th, dot + 1, name_len);
			bool *flag = NULL;

			if (name_len == 7 && strncmp(dot + 1, "cadence", 7) == 0)
				flag = &th->cadence;
			else if (name_len == 6 && strncmp(dot + 1, "tracks", 6) == 0)
				flag = &th->tracks;
			if (duration) {
				if (parse_duration(eq + 1, value_len, duration) != 0)
					goto bad;
			} else if (flag && value_len == 2 && strncmp(eq + 1, "on", 2) == 0) {
				*flag = true;
			} else if (flag && value_len == 3 && strncmp(eq + 1, "off", 3) == 0) {
				*flag = false;
			} else {
				goto bad;
			}
		}
		p = end;
		continue;
bad:
		snprintf(err, errlen,
			 "cannot read guardrail setting '%.*s': expected LEVEL.RULE=VALUE such as "
			 "box3.noMim=5m or all.staffing=off",
			 (int)(end - item > 80 ? 80 : end - item), item);
		return -1;
	}
	*cfg = next;
	return 0;
}

int64_t regulatory_gdpr_deadline(int64_t aware_at)
{
	return aware_at + REGULATORY_GDPR_HOURS * HOUR_MS;
}

static int64_t time_max(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* "09:15 UTC", or with the date first when `with_date`. */
static void clock_text(int64_t ms, bool with_date, char out[CLOCK_TEXT_MAX])
{
	int64_t in_day = (ms % DAY_MS + DAY_MS) % DAY_MS;
	int hour = (int)(in_day / HOUR_MS), minute = (int)(in_day % HOUR_MS / MINUTE_MS);
	int year, month, day;

	if (!with_date) {
		snprintf(out, CLOCK_TEXT_MAX, "%02d:%02d UTC", hour, minute);
		return;
	}
	time_civil(ms, &year, &month, &day);
	snprintf(out, CLOCK_TEXT_MAX, "%04d-%02d-%02d %02d:%02d UTC", year, month, day, hour,
		 minute);
}

static long long minutes(int64_t ms)
{
	return (long long)(ms / MINUTE_MS);
}

static void nudge_add(struct eval *e, enum guardrail_rule rule, int64_t since, const char *subject,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void nudge_add(struct eval *e, enum guardrail_rule rule, int64_t since, const char *subject,
		      const char *fmt, ...)
{
	struct guardrail_nudge *n;
	va_list ap;

	if (e->out->n >= GUARDRAIL_NUDGES_MAX) {
		e->out->ndropped++;
		return;
	}
	n = &e->out->nudges[e->out->n++];
	n->rule = rule;
	n->severity = rule_severities[rule];
	n->since = since;
	str_copy(n->subject, subject, sizeof(n->subject));
	va_start(ap, fmt);
	vsnprintf(n->message, sizeof(n->message), fmt, ap);
	va_end(ap);
}

static bool is_blank(const char *s)
{
	return can_text_blank(s);
}

static bool incident_resolved(const struct incident *inc)
{
	return inc->status == STATUS_RESOLVED || inc->resolved_at != TIME_NONE ||
	       inc->phase >= PHASE_RESOLUTION;
}

/* --- the rules, in enum order ------------------------------------------------------- */

static void rule_no_mim(struct eval *e)
{
	int64_t since;

	if (e->th->no_mim == GUARDRAIL_OFF || !is_blank(e->inc->roles[ROLE_MIM]))
		return;
	since = e->inc->opened_at + e->th->no_mim;
	if (e->snap->mim_vacant_since != TIME_NONE)
		since = time_max(since, e->snap->mim_vacant_since);
	if (e->now < since)
		return;
	nudge_add(e, GUARDRAIL_NO_MIM, since, "",
		  "No MIM %lld min after opening: someone takes command now (\"I am MIM\"); "
		  "until then the first responder is MIM by default.",
		  minutes(e->th->no_mim));
}

static void rule_no_can(struct eval *e)
{
	int64_t since = e->inc->opened_at + e->th->no_can;

	if (e->th->no_can == GUARDRAIL_OFF || e->snap->first_can_at != TIME_NONE || e->now < since)
		return;
	nudge_add(e, GUARDRAIL_NO_CAN, since, "",
		  "No CAN report %lld min after opening: ask every affected team for "
		  "Conditions, Actions, Needs.",
		  minutes(e->th->no_can));
}

static void rule_no_milestone(struct eval *e)
{
	int64_t since = e->inc->opened_at + e->th->no_milestone;

	if (e->th->no_milestone == GUARDRAIL_OFF || e->snap->first_milestone_at != TIME_NONE ||
	    e->now < since)
		return;
	nudge_add(e, GUARDRAIL_NO_MILESTONE, since, "",
		  "No milestone %lld min after opening: cut a first stakeholder update with a "
		  "next-update ETA, or a holding milestone.",
		  minutes(e->th->no_milestone));
}

static void rule_cadence(struct eval *e)
{
	if (!e->th->cadence)
		return;
	for (int a = 0; a < AUDIENCE__MAX; a++) {
		const struct cadence_input *in = &e->snap->cadence[a];
		char at[CLOCK_TEXT_MAX];
		int64_t deadline;

		if (doctrine_cadence((enum audience)a, e->inc, in, e->now) != CADENCE_OVERDUE)
			continue;
		/* The deadline doctrine_cadence judged: the promise, else the default. */
		deadline = in->next_update_eta != TIME_NONE
				   ? in->next_update_eta
				   : in->last_published_at +
					     doctrine_default_cadence((enum audience)a,
								      e->inc->severity);
		clock_text(deadline, false, at);
		nudge_add(e, GUARDRAIL_CADENCE_OVERDUE, deadline, audience_name((enum audience)a),
			  "The %s update %s %s is overdue: publish now, even a holding milestone "
			  "(\"next update in 15 minutes\").",
			  audience_name((enum audience)a),
			  in->next_update_eta != TIME_NONE ? "promised for" : "due at", at);
	}
}

static void rule_gather(struct eval *e)
{
	int64_t entered = e->inc->phase_entered_at[PHASE_GATHER];
	int64_t since = entered + e->th->gather;

	if (e->th->gather == GUARDRAIL_OFF || e->inc->phase != PHASE_GATHER ||
	    entered == TIME_NONE || e->now < since)
		return;
	nudge_add(e, GUARDRAIL_GATHER_LONG, since, "",
		  "Gather has run past its %lld-minute timebox: take the conditions you have "
		  "and move to Assess.",
		  minutes(e->th->gather));
}

static void rule_tracks(struct eval *e)
{
	if (!e->th->tracks)
		return;
	for (size_t i = 0; i < e->snap->ntracks; i++) {
		const struct track *t = &e->snap->tracks[i];
		char subject[GUARDRAIL_SUBJECT_MAX], at[CLOCK_TEXT_MAX];

		if (!track_needs_attention(t, e->now))
			continue;
		snprintf(subject, sizeof(subject), "track %lld", (long long)t->id);
		clock_text(t->deadline, false, at);
		nudge_add(e, GUARDRAIL_TRACK_EXPIRED, t->deadline, subject,
			  "Track \"%s\" (%s) ran out of its %lld-minute timebox at %s: extend it "
			  "with a new timebox or escalate.",
			  is_blank(t->goal) ? "untitled" : t->goal,
			  is_blank(t->owner) ? "no owner" : t->owner,
			  (long long)t->timebox_minutes, at);
	}
}

/* "vacant: deputy, scribe; shared: customer ops lead with internal liaison" into `b`. */
static int staffing_text(const struct staffing *st, struct buf *b)
{
	static const char *const labels[] = {
		"vacant",                 /* STAFFING_VACANT */
		"shared",                 /* STAFFING_SHARED */
		"not allowed together",   /* STAFFING_COMBINATION */
	};
	_Static_assert(NELEM(labels) == STAFFING_REASON__MAX, "labels out of step");
	bool first_group = true;

	for (int reason = 0; reason < STAFFING_REASON__MAX; reason++) {
		bool first = true;

		for (size_t i = 0; i < st->ngaps; i++) {
			const struct staffing_gap *g = &st->gaps[i];

			if ((int)g->reason != reason)
				continue;
			if (buf_printf(b, "%s%s%s", first ? (first_group ? "" : "; ") : ", ",
				       first ? labels[reason] : "", first ? ": " : "") != 0 ||
			    buf_append_str(b, doctrine_role_title(g->role)) != 0)
				return -1;
			if (g->reason != STAFFING_VACANT &&
			    buf_printf(b, " with %s", doctrine_role_title(g->with)) != 0)
				return -1;
			first = false;
			first_group = false;
		}
	}
	return 0;
}

static void rule_staffing(struct eval *e)
{
	struct staffing st;
	struct buf gaps;
	int64_t since;

	if (e->th->staffing == GUARDRAIL_OFF)
		return;
	doctrine_staffing(e->inc, &st);
	if (st.ngaps == 0)
		return;
	since = e->inc->opened_at + e->th->staffing;
	if (e->snap->staffing_short_since != TIME_NONE)
		since = time_max(since, e->snap->staffing_short_since);
	if (e->now < since)
		return;
	buf_init(&gaps, GUARDRAIL_MESSAGE_MAX);
	/* A failed buffer is empty-but-valid: the nudge still fires, with less detail. */
	if (staffing_text(&st, &gaps) != 0)
		buf_reset(&gaps);
	nudge_add(e, GUARDRAIL_STAFFING, since, "",
		  "Staffing is below the minimum for %s (Box %d): %s. Page more responders or "
		  "escalate to mobilise them.",
		  e->inc->existential && e->inc->severity == SEVERITY_CRITICAL
			  ? "an existential incident"
			  : severity_name(e->inc->severity),
		  doctrine_alarm_level(e->inc->severity), gaps.ptr);
	buf_free(&gaps);
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

static void rule_resolution_time(struct eval *e)
{
	const char *leader = e->inc->roles[ROLE_LEADER];
	int64_t since = impact_start(e->inc) + e->th->resolution;

	if (e->th->resolution == GUARDRAIL_OFF || e->now < since)
		return;
	if (is_blank(leader))
		nudge_add(e, GUARDRAIL_RESOLUTION_TIME, since, "",
			  "Impact has lasted over %lld min: escalate to the leader for resources "
			  "and decisions; the leader role is vacant, so name one.",
			  minutes(e->th->resolution));
	else
		nudge_add(e, GUARDRAIL_RESOLUTION_TIME, since, "",
			  "Impact has lasted over %lld min: escalate to the leader (%s) for "
			  "resources and decisions.",
			  minutes(e->th->resolution), leader);
}

static void rule_regulatory(struct eval *e)
{
	if (e->th->regulatory == GUARDRAIL_OFF)
		return;
	for (size_t i = 0; i < e->snap->nclocks; i++) {
		const struct regulatory_clock *c = &e->snap->clocks[i];
		const char *name = is_blank(c->name) ? "regulatory clock" : c->name;
		int64_t since = c->deadline - e->th->regulatory;
		char at[CLOCK_TEXT_MAX];

		if (c->met || c->deadline == TIME_NONE || e->now < since)
			continue;
		clock_text(c->deadline, true, at);
		if (e->now < c->deadline)
			nudge_add(e, GUARDRAIL_REGULATORY_CLOCK, since, name,
				  "%s is due %s, less than %lld h away: confirm who files it and "
				  "when.",
				  name, at, (long long)(e->th->regulatory / HOUR_MS));
		else
			nudge_add(e, GUARDRAIL_REGULATORY_CLOCK, since, name,
				  "%s was due %s and is not recorded as met: escalate to legal now.",
				  name, at);
	}
}

static void rule_validation(struct eval *e)
{
	int64_t attempt = e->snap->resolution_attempted_at;
	int64_t entered = e->inc->phase_entered_at[PHASE_VALIDATION];
	int64_t start, ends;

	if (e->th->validation == GUARDRAIL_OFF || attempt == TIME_NONE || e->now < attempt)
		return;
	/* An attempt before this run's Validation (stale across a reopen) says nothing. */
	if (!incident_resolved(e->inc) && e->inc->phase < PHASE_VALIDATION)
		return;
	if (entered != TIME_NONE && entered > attempt)
		return;
	/* Validation skipped entirely counts from the attempt: zero minutes so far. */
	start = entered != TIME_NONE ? entered : attempt;
	ends = start + e->th->validation;
	if (attempt >= ends || e->now >= ends)
		return;
	{
		char at[CLOCK_TEXT_MAX];

		clock_text(ends, false, at);
		nudge_add(e, GUARDRAIL_VALIDATION_SHORT, attempt, "",
			  "Resolution was attempted after %lld min of validation; the %lld-minute "
			  "rule asks for clean validation until %s. Premature closure and a "
			  "reopen cost more trust than waiting.",
			  minutes(attempt - start), minutes(e->th->validation), at);
	}
}

/* Resolved without an After Action date (issue 10): schedule the review. */
static void rule_after_action(struct eval *e)
{
	int64_t resolved = e->inc->resolved_at != TIME_NONE ? e->inc->resolved_at
							    : e->inc->phase_entered_at[PHASE_RESOLUTION];
	int64_t since = resolved + e->th->after_action;

	if (e->th->after_action == GUARDRAIL_OFF || !incident_resolved(e->inc) ||
	    resolved == TIME_NONE || e->inc->after_action_at != TIME_NONE || e->now < since)
		return;
	nudge_add(e, GUARDRAIL_NO_AFTER_ACTION, since, "",
		  "Resolved without an After Action date: schedule the review within 72 h of the "
		  "resolution (afterActionAt on the resolution milestone).");
}

/* Rule, then since, then subject. */
static int nudge_cmp(const struct guardrail_nudge *a, const struct guardrail_nudge *b)
{
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->since != b->since)
		return a->since < b->since ? -1 : 1;
	return strcmp(a->subject, b->subject);
}

/* Insertion sort: stable, no allocation, and the list is short. */
static void nudges_sort(struct guardrail_nudges *out)
{
	for (size_t i = 1; i < out->n; i++) {
		struct guardrail_nudge tmp = out->nudges[i];
		size_t j = i;

		while (j > 0 && nudge_cmp(&out->nudges[j - 1], &tmp) > 0) {
			out->nudges[j] = out->nudges[j - 1];
			j--;
		}
		out->nudges[j] = tmp;
	}
}

void guardrails_evaluate(const struct guardrail_config *cfg, const struct guardrail_snapshot *snap,
			 int64_t now, struct guardrail_nudges *out)
{
	struct guardrail_config defaults;
	struct eval e;
	int level;

	out->n = 0;
	out->ndropped = 0;
	if (cfg == NULL) {
		guardrail_config_default(&defaults);
		cfg = &defaults;
	}
	level = doctrine_alarm_level(snap->inc->severity);
	e.th = &cfg->level[level];
	e.snap = snap;
	e.inc = snap->inc;
	e.now = now;
	e.out = out;

	/* The rules of one incident come first and the per-track/per-clock ones last, so
	 * that only those can be cut when the list is full. */
	if (!incident_resolved(e.inc)) {
		rule_no_mim(&e);
		rule_no_can(&e);
		rule_no_milestone(&e);
		rule_cadence(&e);
		rule_gather(&e);
		rule_staffing(&e);
		rule_resolution_time(&e);
	}
	rule_validation(&e);
	rule_after_action(&e);
	rule_regulatory(&e);
	if (!incident_resolved(e.inc))
		rule_tracks(&e);
	nudges_sort(out);
}
