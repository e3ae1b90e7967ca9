/* The After Action review, its action items and the KPIs, pure (afteraction.h). */
#include "afteraction.h"

#include <cmark.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doctrine.h"
#include "json.h"
#include "parse.h"

#define MINUTE_MS_AA (60 * 1000)
#define DAY_MS_AA ((int64_t)24 * 60 * 60 * 1000)

/* ---- small JSON readers ---- */

static int64_t jtime(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	int64_t ms;

	if (s == NULL || time_from_iso(s, &ms) != 0)
		return TIME_NONE;
	return ms;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

static int64_t jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static int jset(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

/* Seconds between two times, as JSON; null when either is unknown. */
static json_t *seconds_between(int64_t from, int64_t to)
{
	if (from == TIME_NONE || to == TIME_NONE)
		return json_null();
	return json_real((double)(to - from) / 1000.0);
}

/* "2026-11-23 14:32 UTC": how the generated prose writes a time. */
static void time_text(int64_t ms, char out[TIME_ISO_MAX + 8])
{
	char iso[TIME_ISO_MAX];

	time_to_iso(ms, iso);
	/* iso is "YYYY-MM-DDTHH:MM:SS…Z"; the prose keeps the minute. */
	snprintf(out, TIME_ISO_MAX + 8, "%.10s %.5s UTC", iso, iso + 11);
}

void afteraction_duration_text(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s < 60)
		snprintf(out, outlen, "%lld s", (long long)s);
	else if (s < 3600 && s % 60 != 0)
		snprintf(out, outlen, "%lld min %lld s", (long long)(s / 60), (long long)(s % 60));
	else if (s < 3600)
		snprintf(out, outlen, "%lld min", (long long)(s / 60));
	else
		snprintf(out, outlen, "%lld h %02lld min", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
}

/* ---- action items ---- */

static const char *const action_state_names[ACTION_STATE__MAX] = {
	"open",        /* ACTION_OPEN */
	"in_progress", /* ACTION_IN_PROGRESS */
	"done",        /* ACTION_DONE */
	"wont_do",     /* ACTION_WONT_DO */
};

static const char *const action_priority_names[ACTION_PRIORITY__MAX] = {
	"high",   /* ACTION_PRIORITY_HIGH */
	"medium", /* ACTION_PRIORITY_MEDIUM */
	"low",    /* ACTION_PRIORITY_LOW */
};

static const char *const afteraction_state_names[AFTERACTION_STATE__MAX] = {
	"draft",     /* AFTERACTION_DRAFT */
	"review",    /* AFTERACTION_REVIEW */
	"published", /* AFTERACTION_PUBLISHED */
};

const char *const afteraction_sections[] = {"summary",  "impact",     "rootCause",
					    "contributingFactors", "wentWell", "wentPoorly",
					    NULL};

static int name_parse(const char *const *names, int n, const char *name, int *out)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

const char *action_state_name(enum action_state s)
{
	return s < ACTION_STATE__MAX ? action_state_names[s] : "?";
}

int action_state_parse(const char *name, enum action_state *out)
{
	int i;

	if (name_parse(action_state_names, ACTION_STATE__MAX, name, &i) != 0)
		return -1;
	*out = (enum action_state)i;
	return 0;
}

const char *action_priority_name(enum action_priority p)
{
	return p < ACTION_PRIORITY__MAX ? action_priority_names[p] : "?";
}

int action_priority_parse(const char *name, enum action_priority *out)
{
	int i;

	if (name_parse(action_priority_names, ACTION_PRIORITY__MAX, name, &i) != 0)
		return -1;
	*out = (enum action_priority)i;
	return 0;
}

bool action_state_closed(enum action_state s)
{
	return s == ACTION_DONE || s == ACTION_WONT_DO;
}

const char *action_transition_refusal(enum action_state from, enum action_state to,
				      bool non_negotiable, const char *reason)
{
	if (action_state_closed(from))
		return "action.closed";
	/* Work started is not un-started: forward only (skipping ahead is fine). */
	if (to < from)
		return "action.forwardOnly";
	if (to == ACTION_WONT_DO) {
		/* Items from critical incidents are the ones leadership said must happen. */
		if (non_negotiable)
			return "action.nonNegotiable";
		if (reason == NULL || str_blank(reason))
			return "action.reasonRequired";
	}
	return NULL;
}

json_t *afteraction_action_json(const struct action_item *a, int64_t now)
{
	char inc_id[32];
	enum action_state st = ACTION_OPEN;
	bool overdue, closed;
	json_t *o;

	snprintf(inc_id, sizeof(inc_id), "INC-%lld", (long long)a->incident);
	action_state_parse(a->state, &st);
	closed = action_state_closed(st);
	overdue = !closed && now > a->due_at;
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:b, s:o, s:s, s:o, s:o, s:b}",
		      "id", (json_int_t)a->id, "incident", inc_id, "title", a->title, "owner",
		      a->owner, "dueDate", json_time_or_null(a->due_at), "priority", a->priority,
		      "trackerUrl", json_string_or_null(a->tracker_url && *a->tracker_url ? a->tracker_url : NULL),
		      "state", a->state, "reason",
		      json_string_or_null(a->reason && *a->reason ? a->reason : NULL),
		      "nonNegotiable", a->non_negotiable, "createdAt", json_time_or_null(a->created_at),
		      "createdBy", a->created_by, "updatedAt", json_time_or_null(a->updated_at),
		      "closedAt", json_time_or_null(a->closed_at), "overdue", overdue);
	if (o == NULL)
		return NULL;
	/* Closed on time: done no later than its due date; unknown (null) until done. */
	if (jset(o, "closedOnTime",
		 st == ACTION_DONE ? json_boolean(a->closed_at <= a->due_at) : json_null()) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the document: state ---- */

const char *afteraction_state_name(enum afteraction_state s)
{
	return s < AFTERACTION_STATE__MAX ? afteraction_state_names[s] : "?";
}

int afteraction_state_parse(const char *name, enum afteraction_state *out)
{
	int i;

	if (name_parse(afteraction_state_names, AFTERACTION_STATE__MAX, name, &i) != 0)
		return -1;
	*out = (enum afteraction_state)i;
	return 0;
}

const char *afteraction_transition_refusal(enum afteraction_state from, enum afteraction_state to,
					   bool resolved)
{
	if (from == AFTERACTION_PUBLISHED)
		return "afterAction.published";
	if (to == from)
		return NULL;
	if (from == AFTERACTION_DRAFT && to == AFTERACTION_PUBLISHED)
		return "afterAction.reviewFirst";
	/* A review of an incident still running would review half a story. */
	if (to != AFTERACTION_DRAFT && !resolved)
		return "afterAction.notResolved";
	return NULL;
}

/* ---- the document: generation ---- */

/* What the generator reads off the record once. */
struct facts {
	const json_t *inc, *command, *timeline, *updates, *edits;
	int64_t started, alert, opened, first_can, first_milestone, resolved, impact_start;
	int64_t reopens;
	size_t nguardrails;
};

static void facts_read(const json_t *record, struct facts *f)
{
	const json_t *u;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->inc = json_object_get(record, "incident");
	f->command = json_object_get(f->inc, "command");
	f->timeline = json_object_get(record, "timeline");
	f->updates = json_object_get(record, "updates");
	f->edits = json_object_get(record, "edits");
	f->started = jtime(f->inc, "startedAt");
	f->alert = jtime(f->inc, "alertFiredAt");
	f->opened = jtime(f->inc, "openedAt");
	f->resolved = jtime(f->inc, "resolvedAt");
	f->first_can = jtime(f->command, "firstCanAt");
	/* The impact clock: the alert when one fired, else the problem's start (SPEC §3). */
	f->impact_start = f->alert != TIME_NONE ? f->alert : f->started;
	f->reopens = jint(f->inc, "reopenCount");
	json_array_foreach(f->updates, i, u) {
		int64_t at = jtime(u, "at");

		if (at != TIME_NONE && (f->first_milestone == TIME_NONE || at < f->first_milestone))
			f->first_milestone = at;
	}
	json_array_foreach(f->timeline, i, u)
		if (strcmp(json_string_value(json_object_get(u, "type")) ?: "", "guardrail") == 0)
			f->nguardrails++;
}

static int clock_add(json_t *clocks, const char *clock, const char *label, int phase, int64_t at,
		     int64_t started)
{
	json_t *c = json_pack("{s:s, s:s, s:o, s:o}", "clock", clock, "label", label, "at",
			      json_time_or_null(at), "sinceStartSeconds", seconds_between(started, at));

	if (c == NULL)
		return -1;
	if (phase > 0 && jset(c, "phase", json_integer(phase)) != 0) {
		json_decref(c);
		return -1;
	}
	return json_array_append_new(clocks, c);
}

/* The clocks in the order of the story: started → alert → opened → first CAN → first
 * milestone → each phase entered → resolved. */
static json_t *clocks_json(const struct facts *f)
{
	json_t *clocks = json_array(), *p;
	size_t i;

	if (clocks == NULL)
		return NULL;
	if (clock_add(clocks, "started", "Problem started", 0, f->started, f->started) ||
	    clock_add(clocks, "alertFired", "Alert fired", 0, f->alert, f->started) ||
	    clock_add(clocks, "opened", "Incident opened", 0, f->opened, f->started) ||
	    clock_add(clocks, "firstCan", "First CAN report", 0, f->first_can, f->started) ||
	    clock_add(clocks, "firstMilestone", "First milestone", 0, f->first_milestone, f->started))
		goto fail;
	json_array_foreach(json_object_get(f->inc, "phases"), i, p) {
		char label[64];

		snprintf(label, sizeof(label), "Phase %lld %s entered", (long long)jint(p, "number"),
			 jstr(p, "name") ? jstr(p, "name") : "?");
		if (clock_add(clocks, "phase", label, (int)jint(p, "number"), jtime(p, "enteredAt"),
			      f->started))
			goto fail;
	}
	if (clock_add(clocks, "resolved", "Resolved", 0, f->resolved, f->started))
		goto fail;
	return clocks;
fail:
	json_decref(clocks);
	return NULL;
}

static json_t *delays_json(const struct facts *f)
{
	/* Detection ends with the alert, or with the opening when nothing alerted. */
	int64_t detected = f->alert != TIME_NONE ? f->alert : f->opened;

	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "detectionSeconds",
			 seconds_between(f->started, detected), "escalationSeconds",
			 seconds_between(f->alert, f->alert != TIME_NONE ? f->opened : TIME_NONE),
			 "toFirstCanSeconds", seconds_between(f->opened, f->first_can),
			 "toFirstMilestoneSeconds", seconds_between(f->opened, f->first_milestone),
			 "toResolveSeconds", seconds_between(f->impact_start, f->resolved));
}

/* The Gantt's bars: each phase entered, until the next one entered (or now, or never). */
static json_t *phases_json(const struct facts *f, int64_t now)
{
	const json_t *list = json_object_get(f->inc, "phases");
	json_t *out = json_array();
	size_t n = json_array_size(list);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(list, i);
		int64_t entered = jtime(p, "enteredAt"), left = TIME_NONE;
		int number = (int)jint(p, "number");
		bool ongoing = false;
		json_t *bar;

		if (i + 1 < n)
			left = jtime(json_array_get(list, i + 1), "enteredAt");
		else if (number < 8 && f->resolved == TIME_NONE)
			ongoing = true;
		bar = json_pack("{s:i, s:s, s:o, s:o, s:o, s:b}", "number", number, "name",
				jstr(p, "name") ? jstr(p, "name") : "?", "enteredAt",
				json_time_or_null(entered), "leftAt", json_time_or_null(left), "seconds",
				seconds_between(entered, ongoing ? now : left), "ongoing", ongoing);
		if (bar == NULL || json_array_append_new(out, bar) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static bool cited_by_edit(const json_t *ids, int64_t id)
{
	size_t i;
	const json_t *v;

	json_array_foreach(ids, i, v)
		if (json_integer_value(v) == id)
			return true;
	return false;
}

/* The default citation: the incident's story, without the guardrails' nudges (they feed
 * "what went poorly") and without the review's own bookkeeping (action items, states). */
static bool cited_by_default(const json_t *e, const char *type)
{
	const json_t *payload = json_object_get(e, "payload");

	if (type && strcmp(type, "guardrail") == 0)
		return false;
	return json_object_get(payload, "actionItem") == NULL &&
	       json_object_get(payload, "afterAction") == NULL;
}

/* The timeline of record, cited: by default (above), or the entries an edit chose.  Texts are never rewritten; an entry a later
 * one corrects says so. */
static json_t *timeline_json(const struct facts *f)
{
	const json_t *ids = json_object_get(f->edits, "timeline");
	bool edited = json_is_array(ids);
	json_t *entries = json_array(), *out, *e;
	size_t i, j;

	if (entries == NULL)
		return NULL;
	json_array_foreach(f->timeline, i, e) {
		int64_t id = jint(e, "id");
		const char *type = json_string_value(json_object_get(e, "type"));
		json_t *cite, *amended_by, *later;

		if (edited ? !cited_by_edit(ids, id) : !cited_by_default(e, type))
			continue;
		amended_by = json_array();
		cite = json_pack("{s:I, s:O, s:O, s:O, s:O, s:O, s:O}", "entry", (json_int_t)id, "at",
				 json_object_get(e, "at"), "type", json_object_get(e, "type"), "author",
				 json_object_get(e, "author"), "visibility",
				 json_object_get(e, "visibility"), "text", json_object_get(e, "text"),
				 "amends", json_object_get(e, "amends") ?: json_null());
		if (cite == NULL || amended_by == NULL) {
			json_decref(cite);
			json_decref(amended_by);
			goto fail;
		}
		json_array_foreach(f->timeline, j, later)
			if (jint(later, "amends") == id &&
			    json_array_append_new(amended_by, json_integer(jint(later, "id"))) != 0)
				break;
		if (jset(cite, "amendedBy", amended_by) != 0 || json_array_append_new(entries, cite) != 0) {
			json_decref(cite);
			goto fail;
		}
	}
	out = json_pack("{s:o, s:b}", "entries", entries, "edited", edited);
	return out;
fail:
	json_decref(entries);
	return NULL;
}

static json_t *reopens_json(const struct facts *f)
{
	json_t *out = json_array(), *e;
	size_t i;

	if (out == NULL)
		return NULL;
	json_array_foreach(f->timeline, i, e) {
		const json_t *payload = json_object_get(e, "payload");
		json_t *r;

		if (strcmp(jstr(e, "type") ?: "", "phase") != 0 ||
		    json_object_get(payload, "reopenCount") == NULL)
			continue;
		r = json_pack("{s:I, s:O, s:s}", "entry", (json_int_t)jint(e, "id"), "at",
			      json_object_get(e, "at"), "reason", jstr(payload, "reason") ?: "");
		if (r == NULL || json_array_append_new(out, r) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Joins the affected systems with ", " into `b`; `none` when there are none. */
static int systems_text(struct buf *b, const json_t *inc, const char *none)
{
	const json_t *systems = json_object_get(inc, "affectedSystems"), *v;
	size_t i;

	if (json_array_size(systems) == 0)
		return buf_append_str(b, none);
	json_array_foreach(systems, i, v)
		if (buf_printf(b, "%s%s", i ? ", " : "", json_string_value(v) ?: "") != 0)
			return -1;
	return 0;
}

/* The first confirmed hypothesis's statement, the root cause as the incident found it. */
static const char *confirmed_cause(const struct facts *f)
{
	const json_t *h;
	size_t i;

	json_array_foreach(json_object_get(f->command, "hypotheses"), i, h)
		if (strcmp(jstr(h, "state") ?: "", "confirmed") == 0 && jstr(h, "statement"))
			return jstr(h, "statement");
	return NULL;
}

static char *gen_summary(const struct facts *f)
{
	char started[48], alert[48], opened[48], resolved[48], dur[48];
	const char *cause = confirmed_cause(f);
	struct buf b;

	buf_init(&b, AFTERACTION_DOC_MAX);
	time_text(f->started, started);
	time_text(f->alert, alert);
	time_text(f->opened, opened);
	time_text(f->resolved, resolved);
	afteraction_duration_text(f->resolved - f->impact_start, dur, sizeof(dur));
	if (buf_printf(&b, "%s (%s, Box %lld%s): %s.", jstr(f->inc, "id") ?: "?",
		       jstr(f->inc, "severity") ?: "?", (long long)jint(f->inc, "alarmLevel"),
		       json_is_true(json_object_get(f->inc, "drill")) ? ", drill" : "",
		       jstr(f->inc, "title") ?: "") != 0 ||
	    buf_printf(&b, " The problem began at %s", started) != 0 ||
	    (f->alert != TIME_NONE && buf_printf(&b, ", the alert fired at %s", alert) != 0) ||
	    buf_printf(&b, " and the incident was declared at %s; ", opened) != 0 ||
	    (f->resolved != TIME_NONE
		     ? buf_printf(&b, "it was resolved at %s after %s of impact.", resolved, dur)
		     : buf_append_str(&b, "it is not resolved yet.")) != 0)
		goto fail;
	if (json_array_size(json_object_get(f->inc, "affectedSystems")) > 0 &&
	    (buf_append_str(&b, " Affected systems: ") != 0 || systems_text(&b, f->inc, "") != 0 ||
	     buf_append_char(&b, '.') != 0))
		goto fail;
	if (jstr(f->inc, "customerImpactSummary") &&
	    buf_printf(&b, " %s", jstr(f->inc, "customerImpactSummary")) != 0)
		goto fail;
	if (cause && buf_printf(&b, " Root cause: %s.", cause) != 0)
		goto fail;
	if (f->reopens > 0 && buf_printf(&b, " Reopened %lld time%s.", (long long)f->reopens,
					 f->reopens == 1 ? "" : "s") != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

static char *gen_impact(const struct facts *f)
{
	char from[48], to[48], dur[48];
	int64_t customers = json_is_integer(json_object_get(f->inc, "customerCount"))
				    ? jint(f->inc, "customerCount") : -1;
	struct buf b;

	buf_init(&b, AFTERACTION_DOC_MAX);
	time_text(f->impact_start, from);
	time_text(f->resolved, to);
	afteraction_duration_text(f->resolved - f->impact_start, dur, sizeof(dur));
	if ((customers >= 0 ? buf_printf(&b, "Customers affected: %lld.", (long long)customers)
			    : buf_append_str(&b, "Customers affected: unknown.")) != 0 ||
	    (f->resolved != TIME_NONE
		     ? buf_printf(&b, " Duration of impact: %s (from %s to %s).", dur, from, to)
		     : buf_printf(&b, " Impact ongoing since %s.", from)) != 0 ||
	    buf_append_str(&b, " Systems: ") != 0 || systems_text(&b, f->inc, "none recorded") != 0 ||
	    buf_printf(&b, ". External impact: %s.",
		       json_is_true(json_object_get(f->inc, "externalImpact")) ? "yes" : "no") != 0 ||
	    (jstr(f->inc, "businessImpact") &&
	     buf_printf(&b, " Business impact: %s", jstr(f->inc, "businessImpact")) != 0))
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

static char *gen_root_cause(const struct facts *f)
{
	const json_t *list = json_object_get(f->command, "hypotheses"), *h;
	size_t i, nconfirmed = 0, nrejected = 0;
	struct buf b;

	buf_init(&b, AFTERACTION_DOC_MAX);
	json_array_foreach(list, i, h) {
		if (strcmp(jstr(h, "state") ?: "", "confirmed") != 0 || !jstr(h, "statement"))
			continue;
		if (buf_printf(&b, "%sConfirmed: %s", nconfirmed ? " " : "", jstr(h, "statement")) != 0 ||
		    (jstr(h, "evidence") && buf_printf(&b, " (evidence: %s)", jstr(h, "evidence")) != 0) ||
		    buf_append_char(&b, '.') != 0)
			goto fail;
		nconfirmed++;
	}
	if (nconfirmed == 0 &&
	    buf_append_str(&b, "Not established: no hypothesis was confirmed during the incident.") != 0)
		goto fail;
	json_array_foreach(list, i, h) {
		if (strcmp(jstr(h, "state") ?: "", "rejected") != 0 || !jstr(h, "statement"))
			continue;
		if (buf_printf(&b, "%s%s", nrejected ? "; " : " Ruled out: ", jstr(h, "statement")) != 0)
			goto fail;
		nrejected++;
	}
	if (nrejected && buf_append_char(&b, '.') != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

#define FACTORS_GUARDRAILS_MAX 10 /* distinct nudges quoted as contributing factors */

static char *gen_factors(const struct facts *f)
{
	const json_t *e;
	const char *seen[FACTORS_GUARDRAILS_MAX];
	size_t i, nseen = 0, nlines = 0;
	struct buf b;

	buf_init(&b, AFTERACTION_DOC_MAX);
	json_array_foreach(f->timeline, i, e) {
		const json_t *payload = json_object_get(e, "payload");
		const char *type = jstr(e, "type") ?: "", *text = jstr(e, "text");
		bool dup = false;

		if (strcmp(type, "phase") == 0 && json_object_get(payload, "reopenCount")) {
			if (buf_printf(&b, "%s- Reopened: %s", nlines ? "\n" : "",
				       jstr(payload, "reason") ?: "no reason given") != 0)
				goto fail;
			nlines++;
			continue;
		}
		if (strcmp(type, "guardrail") != 0 || text == NULL || nseen == FACTORS_GUARDRAILS_MAX)
			continue;
		for (size_t k = 0; k < nseen; k++)
			dup = dup || strcmp(seen[k], text) == 0;
		if (dup)
			continue;
		seen[nseen++] = text;
		if (buf_printf(&b, "%s- Guardrail: %s", nlines ? "\n" : "", text) != 0)
			goto fail;
		nlines++;
	}
	if (nlines == 0 && buf_append_str(&b, "None recorded during the incident.") != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

/* One judged clock: into `well` when within `good_ms`, else into `poorly`. */
static int judge(struct buf *well, struct buf *poorly, int64_t from, int64_t to, int64_t good_ms,
		 const char *what, const char *missing)
{
	char dur[48], target[48];

	if (from == TIME_NONE)
		return 0;
	if (to == TIME_NONE)
		return missing ? buf_printf(poorly, "%s- %s", poorly->len ? "\n" : "", missing) : 0;
	afteraction_duration_text(to - from, dur, sizeof(dur));
	afteraction_duration_text(good_ms, target, sizeof(target));
	if (to - from <= good_ms)
		return buf_printf(well, "%s- %s %s.", well->len ? "\n" : "", what, dur);
	return buf_printf(poorly, "%s- %s %s (target %s).", poorly->len ? "\n" : "", what, dur, target);
}

static int gen_judgements(const struct facts *f, char **well_out, char **poorly_out)
{
	struct buf well, poorly;

	buf_init(&well, AFTERACTION_DOC_MAX);
	buf_init(&poorly, AFTERACTION_DOC_MAX);
	if (judge(&well, &poorly, f->alert, f->opened, AFTERACTION_ESCALATION_GOOD_MS,
		  "Incident declared after the alert in", NULL) != 0 ||
	    judge(&well, &poorly, f->opened, f->first_can, AFTERACTION_FIRST_CAN_GOOD_MS,
		  "First CAN report after opening in", "No CAN report was recorded.") != 0 ||
	    judge(&well, &poorly, f->opened, f->first_milestone, AFTERACTION_MILESTONE_GOOD_MS,
		  "First milestone after opening in", "No milestone was published.") != 0)
		goto fail;
	if (f->nguardrails > 0 &&
	    buf_printf(&poorly, "%s- %zu guardrail nudge%s fired.", poorly.len ? "\n" : "",
		       f->nguardrails, f->nguardrails == 1 ? "" : "s") != 0)
		goto fail;
	if (f->reopens > 0 &&
	    buf_printf(&poorly, "%s- The incident was reopened %lld time%s.", poorly.len ? "\n" : "",
		       (long long)f->reopens, f->reopens == 1 ? "" : "s") != 0)
		goto fail;
	if ((well.len == 0 && buf_append_str(&well, "Nothing recorded.") != 0) ||
	    (poorly.len == 0 && buf_append_str(&poorly, "Nothing recorded.") != 0))
		goto fail;
	*well_out = buf_detach(&well);
	*poorly_out = buf_detach(&poorly);
	if (*well_out == NULL || *poorly_out == NULL) {
		free(*well_out);
		free(*poorly_out);
		*well_out = *poorly_out = NULL;
		return -1;
	}
	return 0;
fail:
	buf_free(&well);
	buf_free(&poorly);
	return -1;
}

/* A section: the edited text when there is one, else the generated; both kept visible. */
static int section_set(json_t *sections, const struct facts *f, const char *name, char *generated)
{
	const char *edit = json_string_value(json_object_get(f->edits, name));
	json_t *s;

	if (generated == NULL)
		return -1;
	s = edit ? json_pack("{s:s, s:b, s:s}", "text", edit, "edited", true, "generated", generated)
		 : json_pack("{s:s, s:b}", "text", generated, "edited", false);
	free(generated);
	return jset(sections, name, s);
}

json_t *afteraction_generate(const json_t *record, int64_t now)
{
	struct facts f;
	json_t *doc = NULL, *sections = NULL, *impact_facts;
	char *well = NULL, *poorly = NULL;
	int64_t customers;

	facts_read(record, &f);
	if (!json_is_object(f.inc))
		return NULL;
	customers = json_is_integer(json_object_get(f.inc, "customerCount"))
			    ? jint(f.inc, "customerCount") : -1;
	doc = json_pack("{s:O, s:O, s:O, s:O, s:b, s:o}", "incident", json_object_get(f.inc, "id"),
			"title", json_object_get(f.inc, "title"), "severity",
			json_object_get(f.inc, "severity"), "status", json_object_get(f.inc, "status"),
			"drill", json_is_true(json_object_get(f.inc, "drill")), "reviewAt",
			json_time_or_null(jtime(f.inc, "afterActionAt")));
	sections = json_object();
	if (doc == NULL || sections == NULL)
		goto fail;
	if (gen_judgements(&f, &well, &poorly) != 0)
		goto fail;
	if (section_set(sections, &f, "summary", gen_summary(&f)) != 0 ||
	    section_set(sections, &f, "impact", gen_impact(&f)) != 0 ||
	    section_set(sections, &f, "rootCause", gen_root_cause(&f)) != 0 ||
	    section_set(sections, &f, "contributingFactors", gen_factors(&f)) != 0)
		goto fail;
	if (section_set(sections, &f, "wentWell", well) != 0) {
		well = NULL;
		goto fail;
	}
	well = NULL;
	if (section_set(sections, &f, "wentPoorly", poorly) != 0) {
		poorly = NULL;
		goto fail;
	}
	poorly = NULL;
	impact_facts = json_pack("{s:o, s:o, s:O, s:b, s:o, s:o}", "customers",
				 customers >= 0 ? json_integer(customers) : json_null(), "impactSeconds",
				 seconds_between(f.impact_start, f.resolved), "systems",
				 json_object_get(f.inc, "affectedSystems") ?: json_null(),
				 "externalImpact", json_is_true(json_object_get(f.inc, "externalImpact")),
				 "businessImpact", json_string_or_null(jstr(f.inc, "businessImpact")),
				 "customerImpactSummary",
				 json_string_or_null(jstr(f.inc, "customerImpactSummary")));
	if (jset(json_object_get(sections, "impact"), "facts", impact_facts) != 0)
		goto fail;
	if (jset(doc, "sections", sections) != 0) {
		sections = NULL;
		goto fail;
	}
	sections = NULL;
	if (jset(doc, "timeline", timeline_json(&f)) != 0 || jset(doc, "clocks", clocks_json(&f)) != 0 ||
	    jset(doc, "delays", delays_json(&f)) != 0 || jset(doc, "phases", phases_json(&f, now)) != 0 ||
	    jset(doc, "reopens", reopens_json(&f)) != 0 ||
	    jset(doc, "actionItems", json_deep_copy(json_object_get(record, "actions") ?: json_array())) != 0 ||
	    jset(doc, "related", json_deep_copy(json_object_get(record, "related") ?: json_array())) != 0 ||
	    jset(doc, "rootCauseTags",
		 json_is_array(json_object_get(f.edits, "rootCauseTags"))
			 ? json_deep_copy(json_object_get(f.edits, "rootCauseTags")) : json_array()) != 0)
		goto fail;
	return doc;
fail:
	free(well);
	free(poorly);
	json_decref(sections);
	json_decref(doc);
	return NULL;
}

/* ---- Markdown ---- */

/* A table cell: one line, pipes escaped (GFM). */
static int md_cell(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		int rc;

		if (*s == '|')
			rc = buf_append_str(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			rc = buf_append_char(b, ' ');
		else
			rc = buf_append_char(b, *s);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static const char *when(const json_t *o, const char *key, char out[TIME_ISO_MAX + 8])
{
	int64_t ms = jtime(o, key);

	if (ms == TIME_NONE)
		return "—";
	time_text(ms, out);
	return out;
}

static int md_section(struct buf *b, const json_t *doc, const char *name, const char *heading)
{
	const json_t *s = json_object_get(json_object_get(doc, "sections"), name);

	return buf_printf(b, "\n## %s\n\n%s\n", heading, jstr(s, "text") ?: "");
}

static int md_seconds(struct buf *b, const json_t *v)
{
	char dur[48];

	if (!json_is_number(v))
		return buf_append_str(b, "—");
	afteraction_duration_text((int64_t)(json_number_value(v) * 1000.0), dur, sizeof(dur));
	return buf_append_str(b, dur);
}

char *afteraction_markdown(const json_t *doc)
{
	const json_t *e, *delays = json_object_get(doc, "delays");
	char t1[48], t2[48];
	struct buf b;
	size_t i;

	buf_init(&b, AFTERACTION_DOC_MAX);
	if (buf_printf(&b, "# After Action: %s — ", jstr(doc, "incident") ?: "?") != 0 ||
	    md_cell(&b, jstr(doc, "title")) != 0 ||
	    buf_printf(&b, "\n\nState: %s · Severity: %s%s · Review meeting: %s\n",
		       jstr(doc, "state") ?: "draft", jstr(doc, "severity") ?: "?",
		       json_is_true(json_object_get(doc, "drill")) ? " (drill)" : "",
		       when(doc, "reviewAt", t1)) != 0 ||
	    md_section(&b, doc, "summary", "Summary") != 0 ||
	    buf_append_str(&b, "\n## Timeline\n\n| Entry | Time | Type | Author | Text |\n"
			       "|---|---|---|---|---|\n") != 0)
		goto fail;
	json_array_foreach(json_object_get(json_object_get(doc, "timeline"), "entries"), i, e)
		if (buf_printf(&b, "| #%lld | %s | %s | ", (long long)jint(e, "entry"), when(e, "at", t1),
			       jstr(e, "type") ?: "") != 0 ||
		    md_cell(&b, jstr(e, "author")) != 0 || buf_append_str(&b, " | ") != 0 ||
		    md_cell(&b, jstr(e, "text")) != 0 || buf_append_str(&b, " |\n") != 0)
			goto fail;
	if (md_section(&b, doc, "impact", "Impact") != 0 ||
	    md_section(&b, doc, "rootCause", "Root cause") != 0)
		goto fail;
	json_array_foreach(json_object_get(doc, "rootCauseTags"), i, e)
		if (buf_append_str(&b, i ? ", `" : "\nRoot-cause tags: `") != 0 ||
		    md_cell(&b, json_string_value(e)) != 0 || buf_append_char(&b, '`') != 0 ||
		    (i + 1 == json_array_size(json_object_get(doc, "rootCauseTags")) &&
		     buf_append_char(&b, '\n') != 0))
			goto fail;
	if (md_section(&b, doc, "contributingFactors", "Contributing factors") != 0 ||
	    buf_append_str(&b, "\n## Detection and escalation\n\n| Clock | Time | Since start |\n"
			       "|---|---|---|\n") != 0)
		goto fail;
	json_array_foreach(json_object_get(doc, "clocks"), i, e)
		if (buf_printf(&b, "| %s | %s | ", jstr(e, "label") ?: "", when(e, "at", t1)) != 0 ||
		    md_seconds(&b, json_object_get(e, "sinceStartSeconds")) != 0 ||
		    buf_append_str(&b, " |\n") != 0)
			goto fail;
	if (buf_append_str(&b, "\nDetection delay: ") != 0 ||
	    md_seconds(&b, json_object_get(delays, "detectionSeconds")) != 0 ||
	    buf_append_str(&b, " · Escalation delay: ") != 0 ||
	    md_seconds(&b, json_object_get(delays, "escalationSeconds")) != 0 ||
	    buf_append_str(&b, " · Time to resolve: ") != 0 ||
	    md_seconds(&b, json_object_get(delays, "toResolveSeconds")) != 0 ||
	    buf_append_str(&b, "\n\n| Phase | Entered | Left | Duration |\n|---|---|---|---|\n") != 0)
		goto fail;
	json_array_foreach(json_object_get(doc, "phases"), i, e)
		if (buf_printf(&b, "| %lld %s | %s | %s | ", (long long)jint(e, "number"),
			       jstr(e, "name") ?: "", when(e, "enteredAt", t1), when(e, "leftAt", t2)) != 0 ||
		    md_seconds(&b, json_object_get(e, "seconds")) != 0 || buf_append_str(&b, " |\n") != 0)
			goto fail;
	if (md_section(&b, doc, "wentWell", "What went well") != 0 ||
	    md_section(&b, doc, "wentPoorly", "What went poorly") != 0 ||
	    buf_append_str(&b, "\n## Action items\n\n") != 0)
		goto fail;
	if (json_array_size(json_object_get(doc, "actionItems")) == 0 &&
	    buf_append_str(&b, "None yet.\n") != 0)
		goto fail;
	if (json_array_size(json_object_get(doc, "actionItems")) > 0 &&
	    buf_append_str(&b, "| # | Title | Owner | Due | Priority | State | Tracker |\n"
			       "|---|---|---|---|---|---|---|\n") != 0)
		goto fail;
	json_array_foreach(json_object_get(doc, "actionItems"), i, e)
		if (buf_printf(&b, "| %lld | ", (long long)jint(e, "id")) != 0 ||
		    md_cell(&b, jstr(e, "title")) != 0 ||
		    (json_is_true(json_object_get(e, "nonNegotiable")) &&
		     buf_append_str(&b, " (non-negotiable)") != 0) ||
		    buf_append_str(&b, " | ") != 0 || md_cell(&b, jstr(e, "owner")) != 0 ||
		    buf_printf(&b, " | %s | %s | %s | ", when(e, "dueDate", t1), jstr(e, "priority") ?: "",
			       jstr(e, "state") ?: "") != 0 ||
		    md_cell(&b, jstr(e, "trackerUrl") ?: "—") != 0 || buf_append_str(&b, " |\n") != 0)
			goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

/* ---- HTML (the Markdown through cmark) ---- */

/* Text for XML character data (the page's <title>). */
static int xml_text(struct buf *b, const char *s);

char *afteraction_html(const json_t *doc)
{
	char *md = afteraction_markdown(doc), *body = NULL;
	struct buf b;

	if (md == NULL)
		return NULL;
	/* CMARK_OPT_SAFE: raw HTML becomes a comment, unsafe link schemes an empty href. */
	body = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_SAFE);
	free(md);
	if (body == NULL)
		return NULL;
	buf_init(&b, AFTERACTION_DOC_MAX + AFTERACTION_DOC_MAX / 2);
	if (buf_append_str(&b, "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n"
			       "<head><meta charset=\"utf-8\"/><title>After Action: ") != 0 ||
	    xml_text(&b, jstr(doc, "incident") ?: "?") != 0 || buf_append_str(&b, " — ") != 0 ||
	    xml_text(&b, jstr(doc, "title") ?: "") != 0 ||
	    buf_append_str(&b, "</title></head>\n<body>\n") != 0 || buf_append_str(&b, body) != 0 ||
	    buf_append_str(&b, "</body>\n</html>\n") != 0) {
		free(body);
		buf_free(&b);
		return NULL;
	}
	free(body);
	return buf_detach(&b);
}

/* ---- root-cause tags, review time, public part ---- */

int afteraction_tags_normalize(const json_t *tags, json_t **out, char *why, size_t whylen)
{
	json_t *list;
	const json_t *v;
	size_t i;

	if (!json_is_array(tags)) {
		snprintf(why, whylen, "rootCauseTags must be an array of short strings");
		return -1;
	}
	list = json_array();
	if (list == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	json_array_foreach(tags, i, v) {
		const char *t = json_string_value(v), *start, *end;
		char tag[AFTERACTION_TAG_MAX * 4 + 1];
		size_t len, k;
		bool dup = false;

		if (t == NULL) {
			snprintf(why, whylen, "rootCauseTags[%zu] must be a string", i);
			goto fail;
		}
		for (start = t; *start == ' ' || *start == '\t'; start++)
			;
		end = start + strlen(start);
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		len = (size_t)(end - start);
		if (len == 0 || len >= sizeof(tag)) {
			snprintf(why, whylen, "rootCauseTags[%zu] must be 1 to %d characters", i,
				 AFTERACTION_TAG_MAX);
			goto fail;
		}
		for (k = 0; k < len; k++) {
			unsigned char ch = (unsigned char)start[k];

			/* Tags are words: no control characters, nor what would break the
			 * Markdown (code span, table) they are written into. */
			if (ch < 0x20 || ch == 0x7f || ch == '`' || ch == '|' || ch == '<' || ch == '>') {
				snprintf(why, whylen, "rootCauseTags[%zu] has a character a tag cannot hold", i);
				goto fail;
			}
			tag[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		}
		tag[len] = '\0';
		if (!utf8_valid(tag) || utf8_length(tag) > AFTERACTION_TAG_MAX) {
			snprintf(why, whylen, "rootCauseTags[%zu] must be 1 to %d characters", i,
				 AFTERACTION_TAG_MAX);
			goto fail;
		}
		for (k = 0; k < json_array_size(list); k++)
			dup = dup || strcmp(json_string_value(json_array_get(list, k)), tag) == 0;
		if (dup)
			continue;
		if (json_array_size(list) == AFTERACTION_TAGS_MAX) {
			snprintf(why, whylen, "at most %d rootCauseTags", AFTERACTION_TAGS_MAX);
			goto fail;
		}
		if (json_array_append_new(list, json_string(tag)) != 0) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
	}
	*out = list;
	return 0;
fail:
	json_decref(list);
	return -1;
}

bool afteraction_at_acceptable(int64_t after_action_at, int64_t resolved_at, int64_t now)
{
	int64_t from = resolved_at != TIME_NONE ? resolved_at : now;

	return after_action_at != TIME_NONE && after_action_at >= from &&
	       after_action_at - from <= AFTERACTION_AT_WITHIN_MS;
}

json_t *afteraction_public_part(const json_t *doc)
{
	static const char *const public_sections[][2] = {
		{"summary", "Summary"}, {"impact", "Impact"}, {"rootCause", "Root cause"}};
	const json_t *sections = json_object_get(doc, "sections");
	json_t *out, *list;

	if (strcmp(jstr(doc, "state") ?: "", "published") != 0 || jtime(doc, "publishedAt") == TIME_NONE)
		return NULL;
	list = json_array();
	out = json_pack("{s:o, s:o}", "publishedAt", json_time_or_null(jtime(doc, "publishedAt")),
			"sections", list);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(public_sections) / sizeof(public_sections[0]); i++) {
		const json_t *sec = json_object_get(sections, public_sections[i][0]);
		const char *text = jstr(sec, "text");
		json_t *o;

		/* Only what a person wrote: generated text quotes internal records. */
		if (!json_is_true(json_object_get(sec, "edited")) || text == NULL || str_blank(text))
			continue;
		o = json_pack("{s:s, s:s, s:s}", "name", public_sections[i][0], "heading",
			      public_sections[i][1], "text", text);
		if (o == NULL || json_array_append_new(list, o) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* ---- SVG charts (drawn here: no chart library, no third-party request) ---- */

#define SVG_WIDTH 760
#define SVG_LABEL_W 190  /* the label column */
#define SVG_VALUE_W 110  /* the numbers beside the bars */
#define SVG_ROW_H 26

/* Text for XML character data and attribute values. */
static int svg_text(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		int rc = *s == '&'    ? buf_append_str(b, "&amp;")
			 : *s == '<'  ? buf_append_str(b, "&lt;")
			 : *s == '>'  ? buf_append_str(b, "&gt;")
			 : *s == '"'  ? buf_append_str(b, "&quot;")
			 : *s == '\'' ? buf_append_str(b, "&#39;")
				      : buf_append_char(b, *s);

		if (rc != 0)
			return -1;
	}
	return 0;
}

static int xml_text(struct buf *b, const char *s)
{
	return svg_text(b, s);
}

static int svg_open(struct buf *b, int rows, const char *title)
{
	int height = 40 + rows * SVG_ROW_H + 10;

	return buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			     "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", SVG_WIDTH, height,
			  SVG_WIDTH, height) ||
	       svg_text(b, title) || buf_append_str(b, "\" font-family=\"sans-serif\" font-size=\"13\">\n<title>") ||
	       svg_text(b, title) ||
	       buf_append_str(b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n<text x=\"8\" y=\"22\" font-weight=\"bold\">") ||
	       svg_text(b, title) || buf_append_str(b, "</text>\n");
}

/* One row: label, a bar from `x0` of `width` (fractions of the plot), the value text. */
static int svg_row(struct buf *b, int row, const char *label, double x0, double width,
		   const char *value, const char *color)
{
	const int plot = SVG_WIDTH - SVG_LABEL_W - SVG_VALUE_W - 16;
	int y = 40 + row * SVG_ROW_H;
	double x = SVG_LABEL_W + x0 * plot, w = width * plot;

	if (w < 1 && width > 0)
		w = 1;
	return buf_printf(b, "<g><text x=\"8\" y=\"%d\">", y + 17) || svg_text(b, label) ||
	       buf_printf(b, "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			     "fill=\"%s\"/><text x=\"%d\" y=\"%d\">", x, y + 4, w, SVG_ROW_H - 8, color,
			  SVG_WIDTH - SVG_VALUE_W, y + 17) ||
	       svg_text(b, value) || buf_append_str(b, "</text></g>\n");
}

char *afteraction_gantt_svg(const json_t *doc)
{
	const json_t *phases = json_object_get(doc, "phases"), *p;
	int64_t first = TIME_NONE, last = TIME_NONE;
	char title[300], value[48];
	struct buf b;
	size_t i;

	/* The time axis: from the first phase entered to the last moment a bar reaches. */
	json_array_foreach(phases, i, p) {
		int64_t entered = jtime(p, "enteredAt");
		int64_t end = entered + (int64_t)(json_number_value(json_object_get(p, "seconds")) * 1000.0);

		if (entered == TIME_NONE)
			continue;
		if (first == TIME_NONE || entered < first)
			first = entered;
		if (last == TIME_NONE || end > last)
			last = end;
	}
	snprintf(title, sizeof(title), "Phases of %s", jstr(doc, "incident") ?: "?");
	buf_init(&b, AFTERACTION_DOC_MAX);
	if (svg_open(&b, (int)json_array_size(phases), title) != 0)
		goto fail;
	json_array_foreach(phases, i, p) {
		int64_t entered = jtime(p, "enteredAt");
		const json_t *secs = json_object_get(p, "seconds");
		double span = last > first ? (double)(last - first) : 1.0;
		char label[80];

		snprintf(label, sizeof(label), "%lld %s", (long long)jint(p, "number"), jstr(p, "name") ?: "?");
		if (json_is_number(secs))
			afteraction_duration_text((int64_t)(json_number_value(secs) * 1000.0), value,
						  sizeof(value));
		else
			str_copy(value, "—", sizeof(value));
		if (svg_row(&b, (int)i, label, entered == TIME_NONE ? 0 : (double)(entered - first) / span,
			    json_is_number(secs) ? json_number_value(secs) * 1000.0 / span : 0, value,
			    json_is_true(json_object_get(p, "ongoing")) ? "#d97706" : "#2563eb") != 0)
			goto fail;
	}
	if (buf_append_str(&b, "</svg>\n") != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

/* ---- iCalendar ---- */

/* 20261123T143205Z */
static void ics_time(int64_t ms, char out[24])
{
	char iso[TIME_ISO_MAX];

	time_to_iso(ms, iso);
	snprintf(out, 24, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14,
		 iso + 17);
}

/* Appends "NAME:value" escaped (RFC 5545 §3.3.11) and folded at 75 octets, never inside a
 * UTF-8 sequence (§3.1), then CRLF. */
static int ics_line(struct buf *b, const char *name, const char *value, bool escape)
{
	struct buf line;
	size_t col = 0;
	int rc = -1;

	buf_init(&line, AFTERACTION_DOC_MAX);
	if (buf_printf(&line, "%s:", name) != 0)
		return -1;
	for (const char *s = value ? value : ""; *s; s++) {
		int r;

		if (escape && (*s == '\\' || *s == ';' || *s == ','))
			r = buf_append_char(&line, '\\') || buf_append_char(&line, *s);
		else if (escape && *s == '\n')
			r = buf_append_str(&line, "\\n");
		else if (*s == '\r')
			r = 0;
		else
			r = buf_append_char(&line, *s);
		if (r != 0)
			return -1;
	}
	for (size_t i = 0; i < line.len; i++) {
		unsigned char ch = (unsigned char)line.ptr[i];

		/* Fold before a character that starts past column 75 (continuations excluded). */
		if (col >= 74 && (ch & 0xC0) != 0x80) {
			if (buf_append_str(b, "\r\n ") != 0)
				goto done;
			col = 1;
		}
		if (buf_append_char(b, (char)ch) != 0)
			goto done;
		col++;
	}
	rc = buf_append_str(b, "\r\n");
done:
	buf_free(&line);
	return rc;
}

char *afteraction_ics(const json_t *doc, int64_t now)
{
	int64_t at = jtime(doc, "reviewAt");
	char stamp[24], start[24], end[24], uid[96], summary[600];
	const char *summary_text = jstr(json_object_get(json_object_get(doc, "sections"), "summary"),
					"text");
	struct buf b;

	if (at == TIME_NONE)
		return NULL;
	ics_time(now, stamp);
	ics_time(at, start);
	ics_time(at + AFTERACTION_REVIEW_MS, end);
	snprintf(uid, sizeof(uid), "%s-after-action@majorops", jstr(doc, "incident") ?: "INC-0");
	snprintf(summary, sizeof(summary), "After Action review: %s — %s",
		 jstr(doc, "incident") ?: "?", jstr(doc, "title") ?: "");
	buf_init(&b, AFTERACTION_DOC_MAX);
	if (buf_append_str(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
			       "PRODID:-//MajorOps//After Action//EN\r\nCALSCALE:GREGORIAN\r\n"
			       "METHOD:PUBLISH\r\nBEGIN:VEVENT\r\n") != 0 ||
	    ics_line(&b, "UID", uid, false) != 0 || ics_line(&b, "DTSTAMP", stamp, false) != 0 ||
	    ics_line(&b, "DTSTART", start, false) != 0 || ics_line(&b, "DTEND", end, false) != 0 ||
	    ics_line(&b, "SUMMARY", summary, true) != 0 ||
	    ics_line(&b, "DESCRIPTION", summary_text, true) != 0 ||
	    buf_append_str(&b, "END:VEVENT\r\nEND:VCALENDAR\r\n") != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

/* ---- KPIs ---- */

/* One measure over the incidents: at most one value per incident, so its room is fixed
 * once (series_init) and adding never allocates. */
struct series {
	double *v; /* seconds */
	size_t n, cap;
};

static int series_init(struct series *s, size_t cap)
{
	s->n = 0;
	s->cap = cap;
	s->v = calloc(cap ? cap : 1, sizeof(*s->v));
	return s->v ? 0 : -1;
}

static void series_add(struct series *s, int64_t from, int64_t to)
{
	if (from == TIME_NONE || to == TIME_NONE || s->n == s->cap)
		return;
	s->v[s->n++] = (double)(to - from) / 1000.0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* {count, meanSeconds, medianSeconds}; null figures when nothing was measured. */
static json_t *series_json(struct series *s)
{
	double sum = 0, median;

	if (s->n == 0)
		return json_pack("{s:i, s:n, s:n}", "count", 0, "meanSeconds", "medianSeconds");
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	median = s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2.0;
	return json_pack("{s:I, s:f, s:f}", "count", (json_int_t)s->n, "meanSeconds",
			 sum / (double)s->n, "medianSeconds", median);
}

#define KPI_PHASES 7 /* time in phases 1..7; Resolution is terminal */

static void series_free(struct series *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].v);
		s[i].v = NULL;
	}
}

/* MTTA per team: [{team, count, meanSeconds, medianSeconds}] by team name, from
 * {team: [seconds…]}. */
static json_t *mtta_json(const json_t *teams)
{
	json_t *out = json_array(), *list;
	const char **names;
	const char *key;
	size_t n = 0, i;

	names = calloc(json_object_size(teams) + 1, sizeof(*names));
	if (out == NULL || names == NULL)
		goto fail;
	json_object_foreach((json_t *)teams, key, list)
		names[n++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct series s;
		json_t *o;

		list = json_object_get(teams, names[i]);
		if (series_init(&s, json_array_size(list)) != 0)
			goto fail;
		for (size_t k = 0; k < json_array_size(list); k++)
			s.v[s.n++] = json_real_value(json_array_get(list, k));
		o = series_json(&s);
		free(s.v);
		if (o == NULL || json_object_set_new(o, "team", json_string(names[i])) != 0 ||
		    json_array_append_new(out, o) != 0) {
			json_decref(o);
			goto fail;
		}
	}
	free(names);
	return out;
fail:
	free(names);
	json_decref(out);
	return NULL;
}

static int system_count(json_t *systems, const char *name)
{
	json_t *n = json_object_get(systems, name);

	return json_object_set_new(systems, name, json_integer(json_integer_value(n) + 1));
}

static int cmp_system(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t nx = jint(x, "incidents"), ny = jint(y, "incidents");

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(jstr(x, "system") ?: "", jstr(y, "system") ?: "");
}

/* Cadence adherence of one incident into n (intervals) and ok (within target) per
 * audience (afteraction.h). */
static void cadence_count(const json_t *item, const json_t *inc, int64_t resolved,
			  int64_t n[AUDIENCE__MAX], int64_t ok[AUDIENCE__MAX])
{
	enum severity sev;

	if (severity_parse(jstr(inc, "severity"), &sev) != 0)
		return;
	for (int a = 0; a < AUDIENCE__MAX; a++) {
		int64_t target = doctrine_default_cadence((enum audience)a, sev), prev = TIME_NONE;
		const json_t *u;
		size_t i;

		if (target <= 0)
			continue;
		json_array_foreach(json_object_get(item, "updates"), i, u) {
			int64_t at = jtime(u, "at");

			if (at == TIME_NONE || strcmp(jstr(u, "audience") ?: "", audience_name((enum audience)a)) != 0)
				continue;
			/* After resolution no cadence is owed. */
			if (resolved != TIME_NONE && at > resolved)
				continue;
			if (prev != TIME_NONE) {
				n[a]++;
				ok[a] += at - prev <= target;
			}
			prev = at;
		}
		if (prev != TIME_NONE && resolved != TIME_NONE && resolved > prev) {
			n[a]++;
			ok[a] += resolved - prev <= target;
		}
	}
}

static json_t *cadence_json(const int64_t n[AUDIENCE__MAX], const int64_t ok[AUDIENCE__MAX])
{
	json_t *out = json_array();

	for (int a = 0; out && a < AUDIENCE__MAX; a++) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:o}", "audience", audience_name((enum audience)a),
				      "intervals", (json_int_t)n[a], "withinTarget", (json_int_t)ok[a],
				      "ratio", n[a] ? json_real((double)ok[a] / (double)n[a]) : json_null());

		if (o == NULL || json_array_append_new(out, o) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* The ISO week (Monday 00:00 UTC) of `ms` as "YYYY-MM-DD". */
static void week_of(int64_t ms, char out[TIME_ISO_MAX])
{
	int64_t day = ms >= 0 ? ms / DAY_MS_AA : -((-ms + DAY_MS_AA - 1) / DAY_MS_AA);
	/* 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays. */
	int64_t monday = day - (((day + 3) % 7) + 7) % 7;

	time_to_iso(monday * DAY_MS_AA, out);
	out[10] = '\0';
}

/* {week: {system: n}} → [{week, incidents, systems: [{system, incidents}]}] by week. */
static json_t *weeks_json(json_t *weeks)
{
	json_t *out = json_array(), *systems;
	const char **names = calloc(json_object_size(weeks) + 1, sizeof(*names));
	const char *key;
	size_t n = 0;

	if (out == NULL || names == NULL)
		goto fail;
	json_object_foreach(weeks, key, systems)
		names[n++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		json_t *week = json_object_get(weeks, names[i]), *list = json_array(), *o, *v;
		json_t **sorted = calloc(json_object_size(week) + 1, sizeof(json_t *)); /* NOLINT(bugprone-sizeof-expression) */
		size_t k = 0;
		const char *sys;

		o = json_pack("{s:s, s:I, s:o}", "week", names[i], "incidents",
			      (json_int_t)jint(week, ""), "systems", list);
		if (o == NULL || sorted == NULL || json_array_append_new(out, o) != 0) {
			free(sorted);
			goto fail;
		}
		json_object_foreach(week, sys, v) {
			if (*sys == '\0')
				continue;
			sorted[k] = json_pack("{s:s, s:O}", "system", sys, "incidents", v);
			if (sorted[k] == NULL)
				break;
			k++;
		}
		qsort(sorted, k, sizeof(json_t *), cmp_system); /* NOLINT(bugprone-sizeof-expression) */
		for (size_t j = 0; j < k; j++)
			json_array_append_new(list, sorted[j]);
		free(sorted);
	}
	free(names);
	return out;
fail:
	free(names);
	json_decref(out);
	return NULL;
}

json_t *kpi_compute(const json_t *items, int64_t from, int64_t to, int64_t now)
{
	struct series open = {0}, can = {0}, milestone = {0}, mttr = {0}, phase[KPI_PHASES + 1];
	int64_t nincidents = 0, ndrills = 0, nresolved = 0, nreopened = 0;
	int64_t acount[ACTION_STATE__MAX] = {0}, overdue = 0, on_time = 0, late = 0;
	json_t *out = NULL, *systems = json_object(), *system_list = NULL, *phases = NULL;
	json_t *teams = json_object(), *mtta = NULL, *weeks = json_object();
	int64_t cad_n[AUDIENCE__MAX] = {0}, cad_ok[AUDIENCE__MAX] = {0};
	json_t **sorted = NULL;
	const json_t *item, *a;
	const char *key;
	json_t *v;
	size_t i, j;

	memset(phase, 0, sizeof(phase));
	if (systems == NULL || teams == NULL || weeks == NULL ||
	    series_init(&open, json_array_size(items)) != 0 ||
	    series_init(&can, json_array_size(items)) != 0 ||
	    series_init(&milestone, json_array_size(items)) != 0 ||
	    series_init(&mttr, json_array_size(items)) != 0)
		goto fail;
	for (int p = 1; p <= KPI_PHASES; p++)
		if (series_init(&phase[p], json_array_size(items)) != 0)
			goto fail;
	json_array_foreach(items, i, item) {
		const json_t *inc = json_object_get(item, "incident"), *plist, *s;
		int64_t started = jtime(inc, "startedAt"), opened = jtime(inc, "openedAt");
		int64_t alert = jtime(inc, "alertFiredAt"), resolved = jtime(inc, "resolvedAt");

		if (json_is_true(json_object_get(inc, "drill"))) {
			ndrills++;
			continue;
		}
		nincidents++;
		nresolved += resolved != TIME_NONE;
		nreopened += jint(inc, "reopenCount") > 0;
		plist = json_object_get(inc, "phases");
		series_add(&open, started, opened);
		series_add(&can, opened, jtime(json_object_get(inc, "command"), "firstCanAt"));
		series_add(&milestone, opened, jtime(item, "firstUpdateAt"));
		series_add(&mttr, alert != TIME_NONE ? alert : started, resolved);
		for (j = 0; j + 1 < json_array_size(plist); j++) {
			const json_t *p = json_array_get(plist, j);
			int number = (int)jint(p, "number");

			if (number >= 1 && number <= KPI_PHASES)
				series_add(&phase[number], jtime(p, "enteredAt"),
					   jtime(json_array_get(plist, j + 1), "enteredAt"));
		}
		json_array_foreach(json_object_get(item, "responders"), j, s) {
			int64_t paged = jtime(s, "pagedAt"), acked = jtime(s, "acknowledgedAt");
			const char *team = jstr(s, "team");
			json_t *list;

			if (team == NULL || paged == TIME_NONE || acked == TIME_NONE)
				continue;
			list = json_object_get(teams, team);
			if (list == NULL) {
				list = json_array();
				if (json_object_set_new(teams, team, list) != 0)
					goto fail;
			}
			if (json_array_append_new(list, json_real((double)(acked - paged) / 1000.0)) != 0)
				goto fail;
		}
		json_array_foreach(json_object_get(inc, "affectedSystems"), j, s)
			if (json_string_value(s) && system_count(systems, json_string_value(s)) != 0)
				goto fail;
		cadence_count(item, inc, resolved, cad_n, cad_ok);
		if (opened != TIME_NONE) {
			char week[TIME_ISO_MAX];
			json_t *w;

			week_of(opened, week);
			w = json_object_get(weeks, week);
			if (w == NULL) {
				w = json_object();
				if (w == NULL || json_object_set_new(weeks, week, w) != 0)
					goto fail;
			}
			/* "" counts the week's incidents; the rest count per system. */
			if (system_count(w, "") != 0)
				goto fail;
			json_array_foreach(json_object_get(inc, "affectedSystems"), j, s)
				if (json_string_value(s) && *json_string_value(s) &&
				    system_count(w, json_string_value(s)) != 0)
					goto fail;
		}
		json_array_foreach(json_object_get(item, "actions"), j, a) {
			enum action_state st;

			if (action_state_parse(jstr(a, "state"), &st) != 0)
				continue;
			acount[st]++;
			if (!action_state_closed(st) && now > jtime(a, "dueDate"))
				overdue++;
			if (st == ACTION_DONE && jtime(a, "closedAt") <= jtime(a, "dueDate"))
				on_time++;
			else if (st == ACTION_DONE)
				late++;
		}
	}
	phases = json_array();
	if (phases == NULL)
		goto fail;
	for (int p = 1; p <= KPI_PHASES; p++) {
		static const char *const names[] = {"", "Alert", "Gather", "Assess", "Initial",
						    "Isolation", "Mitigation", "Validation"};
		json_t *o = series_json(&phase[p]);

		if (o == NULL || json_object_set_new(o, "number", json_integer(p)) ||
		    json_object_set_new(o, "name", json_string(names[p])) ||
		    json_array_append_new(phases, o) != 0) {
			json_decref(o);
			goto fail;
		}
	}
	mtta = mtta_json(teams);
	if (mtta == NULL)
		goto fail;
	/* Recurrence: incidents per affected system, most first, then by name. */
	/* An array of object pointers, NULL-terminated (the sizeof is the pointer's, meant). */
	sorted = calloc(json_object_size(systems) + 1, sizeof(json_t *)); /* NOLINT(bugprone-sizeof-expression) */
	system_list = json_array();
	if (sorted == NULL || system_list == NULL)
		goto fail;
	j = 0;
	json_object_foreach(systems, key, v) {
		sorted[j] = json_pack("{s:s, s:O}", "system", key, "incidents", v);
		if (sorted[j] == NULL)
			goto fail;
		j++;
	}
	qsort(sorted, j, sizeof(json_t *), cmp_system); /* NOLINT(bugprone-sizeof-expression) */
	for (i = 0; i < j; i++) {
		if (json_array_append_new(system_list, sorted[i]) != 0) {
			sorted[i] = NULL;
			goto fail;
		}
		sorted[i] = NULL;
	}
	out = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:f, s:o, s:o, s:o, s:o, s:o, s:o}", "from",
			json_time_or_null(from), "to", json_time_or_null(to), "incidents",
			(json_int_t)nincidents, "drillsExcluded", (json_int_t)ndrills, "resolved",
			(json_int_t)nresolved, "reopened", (json_int_t)nreopened, "reopenRate",
			nincidents ? (double)nreopened / (double)nincidents : 0.0, "timeToOpen",
			series_json(&open), "timeToFirstCan", series_json(&can), "timeToFirstMilestone",
			series_json(&milestone), "mttr", series_json(&mttr), "phases", phases,
			"systems", system_list);
	phases = NULL;
	system_list = NULL;
	if (out == NULL || jset(out, "mttaByTeam", mtta) != 0) {
		mtta = NULL;
		goto fail;
	}
	mtta = NULL;
	if (jset(out, "actionItems",
		 json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total",
			   (json_int_t)acount[0] + acount[1] + acount[2] + acount[3], "open",
			   (json_int_t)acount[ACTION_OPEN], "inProgress",
			   (json_int_t)acount[ACTION_IN_PROGRESS], "overdue", (json_int_t)overdue,
			   "done", (json_int_t)acount[ACTION_DONE], "closedOnTime", (json_int_t)on_time,
			   "closedLate", (json_int_t)late, "wontDo",
			   (json_int_t)acount[ACTION_WONT_DO])) != 0)
		goto fail;
	if (jset(out, "cadenceAdherence", cadence_json(cad_n, cad_ok)) != 0 ||
	    jset(out, "systemsByWeek", weeks_json(weeks)) != 0)
		goto fail;
	goto done;
fail:
	json_decref(out);
	out = NULL;
done:
	if (sorted)
		for (i = 0; sorted[i]; i++)
			json_decref(sorted[i]);
	free(sorted);
	json_decref(phases);
	json_decref(system_list);
	json_decref(systems);
	json_decref(teams);
	json_decref(weeks);
	json_decref(mtta);
	free(open.v);
	free(can.v);
	free(milestone.v);
	free(mttr.v);
	series_free(phase, KPI_PHASES + 1);
	return out;
}

char *kpi_svg(const json_t *kpis)
{
	static const char *const measures[][2] = {
		{"timeToOpen", "Time to open"}, {"timeToFirstCan", "Time to first CAN"},
		{"timeToFirstMilestone", "Time to first milestone"}, {"mttr", "MTTR"}};
	const json_t *phases = json_object_get(kpis, "phases"), *p;
	double max = 0;
	struct buf b;
	size_t i;
	int row = 0;

	for (i = 0; i < 4; i++)
		if (json_number_value(json_object_get(json_object_get(kpis, measures[i][0]), "meanSeconds")) > max)
			max = json_number_value(json_object_get(json_object_get(kpis, measures[i][0]), "meanSeconds"));
	json_array_foreach(phases, i, p)
		if (json_number_value(json_object_get(p, "meanSeconds")) > max)
			max = json_number_value(json_object_get(p, "meanSeconds"));
	if (max <= 0)
		max = 1;
	buf_init(&b, AFTERACTION_DOC_MAX);
	if (svg_open(&b, 4 + (int)json_array_size(phases), "Mean durations, drills excluded") != 0)
		goto fail;
	for (i = 0; i < 4 + json_array_size(phases); i++) {
		const json_t *s = i < 4 ? json_object_get(kpis, measures[i][0]) : json_array_get(phases, i - 4);
		const json_t *mean = json_object_get(s, "meanSeconds");
		char label[80], value[80], dur[48];

		if (i < 4)
			str_copy(label, measures[i][1], sizeof(label));
		else
			snprintf(label, sizeof(label), "Phase %lld %s", (long long)jint(s, "number"),
				 jstr(s, "name") ?: "?");
		if (json_is_number(mean)) {
			afteraction_duration_text((int64_t)(json_number_value(mean) * 1000.0), dur, sizeof(dur));
			snprintf(value, sizeof(value), "%s (n=%lld)", dur, (long long)jint(s, "count"));
		} else {
			str_copy(value, "— (n=0)", sizeof(value));
		}
		if (svg_row(&b, row++, label, 0, json_is_number(mean) ? json_number_value(mean) / max : 0,
			    value, i < 4 ? "#2563eb" : "#64748b") != 0)
			goto fail;
	}
	if (buf_append_str(&b, "</svg>\n") != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}


/* A chart of counts: one row per (label, value) with the value written beside it. */
static char *count_chart(const char *title, const char *const *labels, const double *values,
			 const char *const *texts, size_t n, double max, const char *color)
{
	struct buf b;

	if (max <= 0)
		max = 1;
	buf_init(&b, AFTERACTION_DOC_MAX);
	if (svg_open(&b, (int)n, title) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (svg_row(&b, (int)i, labels[i], 0, values[i] / max, texts[i], color) != 0)
			goto fail;
	if (buf_append_str(&b, "</svg>\n") != 0)
		goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

#define KPI_CHART_ROWS 26 /* rows of a systems or weeks chart: the most recent / largest */

static double num_of(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

char *kpi_chart_svg(const json_t *kpis, const char *chart)
{
	const char *labels[KPI_CHART_ROWS];
	char texts_buf[KPI_CHART_ROWS][64], labels_buf[KPI_CHART_ROWS][80];
	const char *texts[KPI_CHART_ROWS];
	double values[KPI_CHART_ROWS], max = 0;
	const json_t *list, *v;
	size_t n = 0, i, first = 0;

	if (chart == NULL || *chart == '\0' || strcmp(chart, "durations") == 0)
		return kpi_svg(kpis);
	for (i = 0; i < KPI_CHART_ROWS; i++) {
		labels[i] = labels_buf[i];
		texts[i] = texts_buf[i];
	}
	if (strcmp(chart, "cadence") == 0) {
		json_array_foreach(json_object_get(kpis, "cadenceAdherence"), i, v) {
			const json_t *ratio = json_object_get(v, "ratio");

			if (n == KPI_CHART_ROWS)
				break;
			snprintf(labels_buf[n], sizeof(labels_buf[n]), "%s updates", jstr(v, "audience") ?: "?");
			values[n] = json_is_number(ratio) ? json_number_value(ratio) : 0;
			if (json_is_number(ratio))
				snprintf(texts_buf[n], sizeof(texts_buf[n]), "%.0f%% (%lld/%lld)",
					 json_number_value(ratio) * 100.0, (long long)jint(v, "withinTarget"),
					 (long long)jint(v, "intervals"));
			else
				str_copy(texts_buf[n], "— (0 intervals)", sizeof(texts_buf[n]));
			n++;
		}
		return count_chart("Cadence adherence, drills excluded", labels, values, texts, n, 1.0,
				   "#16a34a");
	}
	if (strcmp(chart, "actions") == 0) {
		static const char *const rows[][2] = {
			{"open", "Open"}, {"inProgress", "In progress"}, {"overdue", "Overdue"},
			{"closedOnTime", "Done on time"}, {"closedLate", "Done late"}, {"wontDo", "Won't do"}};
		const json_t *ai = json_object_get(kpis, "actionItems");

		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			values[n] = (double)jint(ai, rows[i][0]);
			str_copy(labels_buf[n], rows[i][1], sizeof(labels_buf[n]));
			snprintf(texts_buf[n], sizeof(texts_buf[n]), "%lld", (long long)jint(ai, rows[i][0]));
			if (values[n] > max)
				max = values[n];
			n++;
		}
		return count_chart("Action items, drills excluded", labels, values, texts, n, max, "#7c3aed");
	}
	if (strcmp(chart, "incidents") == 0) {
		static const char *const rows[][2] = {
			{"incidents", "Incidents"}, {"resolved", "Resolved"}, {"reopened", "Reopened"}};

		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			values[n] = (double)jint(kpis, rows[i][0]);
			str_copy(labels_buf[n], rows[i][1], sizeof(labels_buf[n]));
			if (strcmp(rows[i][0], "reopened") == 0)
				snprintf(texts_buf[n], sizeof(texts_buf[n]), "%lld (%.0f%%)",
					 (long long)jint(kpis, "reopened"), num_of(kpis, "reopenRate") * 100.0);
			else
				snprintf(texts_buf[n], sizeof(texts_buf[n]), "%lld", (long long)jint(kpis, rows[i][0]));
			if (values[n] > max)
				max = values[n];
			n++;
		}
		return count_chart("Incidents and reopens, drills excluded", labels, values, texts, n, max,
				   "#dc2626");
	}
	if (strcmp(chart, "mtta") == 0) {
		json_array_foreach(json_object_get(kpis, "mttaByTeam"), i, v) {
			const json_t *mean = json_object_get(v, "meanSeconds");
			char dur[48];

			if (n == KPI_CHART_ROWS)
				break;
			str_copy(labels_buf[n], jstr(v, "team") ?: "?", sizeof(labels_buf[n]));
			values[n] = json_is_number(mean) ? json_number_value(mean) : 0;
			afteraction_duration_text((int64_t)(values[n] * 1000.0), dur, sizeof(dur));
			snprintf(texts_buf[n], sizeof(texts_buf[n]), "%s (n=%lld)", dur, (long long)jint(v, "count"));
			if (values[n] > max)
				max = values[n];
			n++;
		}
		return count_chart("MTTA per team (page to acknowledgement), drills excluded", labels, values,
				   texts, n, max, "#d97706");
	}
	if (strcmp(chart, "systems") == 0 || strcmp(chart, "weeks") == 0) {
		bool weeks = strcmp(chart, "weeks") == 0;

		list = json_object_get(kpis, weeks ? "systemsByWeek" : "systems");
		/* Weeks: the latest ones; systems: the most affected (the list is sorted so). */
		if (weeks && json_array_size(list) > KPI_CHART_ROWS)
			first = json_array_size(list) - KPI_CHART_ROWS;
		for (i = first; i < json_array_size(list) && n < KPI_CHART_ROWS; i++) {
			v = json_array_get(list, i);
			str_copy(labels_buf[n], jstr(v, weeks ? "week" : "system") ?: "?", sizeof(labels_buf[n]));
			values[n] = (double)jint(v, "incidents");
			snprintf(texts_buf[n], sizeof(texts_buf[n]), "%lld", (long long)jint(v, "incidents"));
			if (values[n] > max)
				max = values[n];
			n++;
		}
		return count_chart(weeks ? "Incidents per week, drills excluded"
					 : "Incidents per affected system, drills excluded",
				   labels, values, texts, n, max, "#0891b2");
	}
	return NULL;
}

/* A label value escaped per the exposition format: backslash, quote, newline. */
static int prom_label(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		int rc = *s == '\\'   ? buf_append_str(b, "\\\\")
			 : *s == '"'  ? buf_append_str(b, "\\\"")
			 : *s == '\n' ? buf_append_str(b, "\\n")
				      : buf_append_char(b, *s);

		if (rc != 0)
			return -1;
	}
	return 0;
}

static int prom_head(struct buf *b, const char *name, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static int prom_num(struct buf *b, const json_t *v)
{
	if (!json_is_number(v))
		return buf_append_str(b, "NaN\n");
	return buf_printf(b, "%.15g\n", json_number_value(v));
}

/* name{stat="mean|median|count"} for one series. */
static int prom_series(struct buf *b, const char *name, const char *help, const json_t *s)
{
	return prom_head(b, name, help) ||
	       buf_printf(b, "%s{stat=\"count\"} ", name) || prom_num(b, json_object_get(s, "count")) ||
	       buf_printf(b, "%s{stat=\"mean\"} ", name) ||
	       prom_num(b, json_object_get(s, "meanSeconds")) ||
	       buf_printf(b, "%s{stat=\"median\"} ", name) ||
	       prom_num(b, json_object_get(s, "medianSeconds"));
}

char *kpi_prometheus(const json_t *kpis)
{
	const json_t *ai = json_object_get(kpis, "actionItems"), *p;
	static const char *const states[][2] = {{"open", "open"},   {"in_progress", "inProgress"},
						{"done", "done"},   {"wont_do", "wontDo"}};
	struct buf b;
	size_t i;

	buf_init(&b, AFTERACTION_DOC_MAX);
	if (prom_head(&b, "majorops_incidents", "Incidents opened, drills excluded") ||
	    buf_append_str(&b, "majorops_incidents ") || prom_num(&b, json_object_get(kpis, "incidents")) ||
	    prom_head(&b, "majorops_incidents_resolved", "Incidents resolved, drills excluded") ||
	    buf_append_str(&b, "majorops_incidents_resolved ") ||
	    prom_num(&b, json_object_get(kpis, "resolved")) ||
	    prom_head(&b, "majorops_drills_excluded", "Drills left out of every figure") ||
	    buf_append_str(&b, "majorops_drills_excluded ") ||
	    prom_num(&b, json_object_get(kpis, "drillsExcluded")) ||
	    prom_head(&b, "majorops_reopen_ratio", "Share of incidents reopened at least once") ||
	    buf_append_str(&b, "majorops_reopen_ratio ") ||
	    prom_num(&b, json_object_get(kpis, "reopenRate")) ||
	    prom_series(&b, "majorops_time_to_open_seconds", "Problem start to incident opened",
			json_object_get(kpis, "timeToOpen")) ||
	    prom_series(&b, "majorops_time_to_first_can_seconds", "Opened to first CAN report",
			json_object_get(kpis, "timeToFirstCan")) ||
	    prom_series(&b, "majorops_time_to_first_milestone_seconds", "Opened to first milestone",
			json_object_get(kpis, "timeToFirstMilestone")) ||
	    prom_series(&b, "majorops_mttr_seconds", "Impact start to resolved",
			json_object_get(kpis, "mttr")) ||
	    prom_head(&b, "majorops_phase_seconds", "Time in each phase"))
		goto fail;
	json_array_foreach(json_object_get(kpis, "phases"), i, p) {
		static const char *const stats[][2] = {{"count", "count"}, {"mean", "meanSeconds"},
						       {"median", "medianSeconds"}};

		for (size_t k = 0; k < 3; k++)
			if (buf_printf(&b, "majorops_phase_seconds{phase=\"%lld\",name=\"%s\",stat=\"%s\"} ",
				       (long long)jint(p, "number"), jstr(p, "name") ?: "", stats[k][0]) ||
			    prom_num(&b, json_object_get(p, stats[k][1])))
				goto fail;
	}
	if (prom_head(&b, "majorops_mtta_seconds", "Page to acknowledgement per team"))
		goto fail;
	json_array_foreach(json_object_get(kpis, "mttaByTeam"), i, p) {
		static const char *const stats[][2] = {{"count", "count"}, {"mean", "meanSeconds"},
						       {"median", "medianSeconds"}};

		for (size_t k = 0; k < 3; k++)
			if (buf_append_str(&b, "majorops_mtta_seconds{team=\"") ||
			    prom_label(&b, jstr(p, "team")) ||
			    buf_printf(&b, "\",stat=\"%s\"} ", stats[k][0]) ||
			    prom_num(&b, json_object_get(p, stats[k][1])))
				goto fail;
	}
	if (prom_head(&b, "majorops_action_items", "Action items by state"))
		goto fail;
	for (i = 0; i < 4; i++)
		if (buf_printf(&b, "majorops_action_items{state=\"%s\"} ", states[i][0]) ||
		    prom_num(&b, json_object_get(ai, states[i][1])))
			goto fail;
	if (prom_head(&b, "majorops_action_items_overdue", "Action items past their due date") ||
	    buf_append_str(&b, "majorops_action_items_overdue ") ||
	    prom_num(&b, json_object_get(ai, "overdue")) ||
	    prom_head(&b, "majorops_action_items_closed_on_time", "Action items done by their due date") ||
	    buf_append_str(&b, "majorops_action_items_closed_on_time ") ||
	    prom_num(&b, json_object_get(ai, "closedOnTime")) ||
	    prom_head(&b, "majorops_action_items_closed_late", "Action items done after their due date") ||
	    buf_append_str(&b, "majorops_action_items_closed_late ") ||
	    prom_num(&b, json_object_get(ai, "closedLate")) ||
	    prom_head(&b, "majorops_cadence_adherence_ratio",
		      "Share of update intervals within the cadence target, per audience"))
		goto fail;
	json_array_foreach(json_object_get(kpis, "cadenceAdherence"), i, p)
		if (buf_printf(&b, "majorops_cadence_adherence_ratio{audience=\"%s\"} ",
			       jstr(p, "audience") ?: "") || prom_num(&b, json_object_get(p, "ratio")))
			goto fail;
	if (prom_head(&b, "majorops_cadence_intervals", "Update intervals measured, per audience"))
		goto fail;
	json_array_foreach(json_object_get(kpis, "cadenceAdherence"), i, p)
		if (buf_printf(&b, "majorops_cadence_intervals{audience=\"%s\"} ",
			       jstr(p, "audience") ?: "") || prom_num(&b, json_object_get(p, "intervals")))
			goto fail;
	if (prom_head(&b, "majorops_incidents_by_system", "Incidents per affected system"))
		goto fail;
	json_array_foreach(json_object_get(kpis, "systems"), i, p)
		if (buf_append_str(&b, "majorops_incidents_by_system{system=\"") ||
		    prom_label(&b, jstr(p, "system")) || buf_append_str(&b, "\"} ") ||
		    prom_num(&b, json_object_get(p, "incidents")))
			goto fail;
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}
