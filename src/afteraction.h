/*
 * afteraction — the After Action review, its action items and the KPIs, as pure functions
 * (issue 10, SPEC §14–15).  Nothing here does I/O or reads a clock: actions.c loads the
 * record and hands it over as JSON, with `now` as an argument.
 *
 * The record (what afteraction_generate() reads) is one JSON object:
 *
 *   incident   the stored form of the incident (codec.h's incident_to_json, which keeps the
 *              command doctrine's projection as the member "command": firstCanAt, hypotheses)
 *   timeline   every entry of its timeline, oldest first (entry_json form)
 *   updates    every update (milestone) posted, oldest first
 *   actions    its action items (afteraction_action_json form)
 *   related    incidents that share an affected system:
 *              [{id, title, status, drill, openedAt, systems (the shared ones)}]
 *   edits      the sections people edited: {summary, impact, rootCause, contributingFactors,
 *              wentWell, wentPoorly: text; timeline: [entry id…]}; a missing member is
 *              generated from the record
 *
 * The document is generated from that record every time it is read, so it follows the
 * record until it is published; a published document is the frozen copy actions.c keeps.
 * The timeline section cites entries by id with their text as written — an edit chooses
 * which entries are cited, never what they say.
 *
 * Times are int64_t ms since the epoch, UTC (parse.h); durations on the wire are seconds.
 * Returned json_t values are new references; rendered text is a heap string the caller
 * frees, NULL when out of memory.
 */
#ifndef MAJOROPS_AFTERACTION_H
#define MAJOROPS_AFTERACTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define AFTERACTION_TEXT_MAX 10000      /* characters of an edited section */
#define AFTERACTION_CITED_MAX 1000      /* entries an edit may cite */
#define AFTERACTION_TIMELINE_MAX 5000   /* entries of the record read into a document */
#define AFTERACTION_RELATED_MAX 20      /* related incidents listed */
#define AFTERACTION_REVIEW_MS (60 * 60 * 1000) /* the review meeting's length in the .ics */
#define AFTERACTION_DOC_MAX (4 * 1024 * 1024)  /* bytes of a rendered .md or .ics */
/* Clock thresholds the generated "went well / went poorly" lines judge against. */
#define AFTERACTION_ESCALATION_GOOD_MS (5 * 60 * 1000)
#define AFTERACTION_FIRST_CAN_GOOD_MS (10 * 60 * 1000)
#define AFTERACTION_MILESTONE_GOOD_MS (15 * 60 * 1000)

#define ACTION_TITLE_MAX 200   /* characters */
#define ACTION_OWNER_MAX 200   /* characters: one named person */
#define ACTION_REASON_MAX 2000 /* characters */
#define ACTION_URL_MAX 2000    /* bytes */
#define ACTION_LIST_MAX 1000   /* items in one answer of GET /actions */
#define AFTERACTION_TAGS_MAX 20     /* root-cause tags of one review */
#define AFTERACTION_TAG_MAX 40      /* characters of one tag */
#define AFTERACTION_AT_WITHIN_MS ((int64_t)72 * 60 * 60 * 1000) /* review within 72 h (SPEC §14) */
#define KPI_WEEKS_MAX 520           /* weekly buckets of incidents per system (10 years) */

/* ---- action items ---- */

enum action_state {
	ACTION_OPEN,        /* "open" */
	ACTION_IN_PROGRESS, /* "in_progress" */
	ACTION_DONE,        /* "done" */
	ACTION_WONT_DO,     /* "wont_do": needs a reason */
	ACTION_STATE__MAX
};

enum action_priority {
	ACTION_PRIORITY_HIGH,   /* "high" */
	ACTION_PRIORITY_MEDIUM, /* "medium" */
	ACTION_PRIORITY_LOW,    /* "low" */
	ACTION_PRIORITY__MAX
};

const char *action_state_name(enum action_state s);
int action_state_parse(const char *name, enum action_state *out);
const char *action_priority_name(enum action_priority p);
int action_priority_parse(const char *name, enum action_priority *out);
bool action_state_closed(enum action_state s);

/* Why a change of an action item is refused: NULL when allowed, else the rule's name
 * ("action.closed", "action.forwardOnly", "action.nonNegotiable", "action.reasonRequired").
 * `reason` is the reason the item will have after the change (NULL or blank: none). */
const char *action_transition_refusal(enum action_state from, enum action_state to,
				      bool non_negotiable, const char *reason);

/* One action item as stored, and its wire form (overdue and closedOnTime computed at `now`). */
struct action_item {
	int64_t id;
	int64_t incident;
	const char *title, *owner, *priority, *tracker_url, *state, *reason, *created_by;
	int64_t due_at, created_at, updated_at, closed_at;
	bool non_negotiable;
};
json_t *afteraction_action_json(const struct action_item *a, int64_t now);

/* ---- the document ---- */

enum afteraction_state {
	AFTERACTION_DRAFT,     /* "draft" */
	AFTERACTION_REVIEW,    /* "review" */
	AFTERACTION_PUBLISHED, /* "published": frozen */
	AFTERACTION_STATE__MAX
};
const char *afteraction_state_name(enum afteraction_state s);
int afteraction_state_parse(const char *name, enum afteraction_state *out);
/* NULL when `from` → `to` is allowed for an incident that is (or is not) resolved, else the
 * rule: "afterAction.published" (frozen), "afterAction.reviewFirst" (draft → published),
 * "afterAction.notResolved" (review before resolution). */
const char *afteraction_transition_refusal(enum afteraction_state from, enum afteraction_state to,
					   bool resolved);

/* The names of the editable text sections, in document order, NULL-terminated. */
extern const char *const afteraction_sections[];

/* The document generated from `record` (above) at `now`; NULL when out of memory or the
 * record has no incident.  The caller adds state, version and the like. */
json_t *afteraction_generate(const json_t *record, int64_t now);
/* The document as Markdown (CommonMark with GFM tables). */
char *afteraction_markdown(const json_t *doc);
/* An iCalendar event for the review meeting (RFC 5545, CRLF, folded lines); NULL also when
 * the document has no reviewAt. */
char *afteraction_ics(const json_t *doc, int64_t now);

/* The document as an HTML5 page: its Markdown rendered by cmark with CMARK_OPT_SAFE (raw
 * HTML is omitted, javascript:/vbscript:/file: links are emptied), in a page whose own
 * markup is XHTML-compatible (void elements self-closed), so the whole answer parses as
 * XML.  NULL when out of memory. */
char *afteraction_html(const json_t *doc);

/* Root-cause tags: trimmed, lower-cased, 1..AFTERACTION_TAG_MAX characters, no control
 * characters, duplicates dropped, at most AFTERACTION_TAGS_MAX.  0 with a new array in
 * `*out`, or -1 with a reason in `why` (the array is not changed). */
int afteraction_tags_normalize(const json_t *tags, json_t **out, char *why, size_t whylen);

/* Whether `after_action_at` is an acceptable review time for an incident resolved at
 * `resolved_at` (TIME_NONE: not yet, then `now` is the resolution): not before it and at
 * most 72 h after it. */
bool afteraction_at_acceptable(int64_t after_action_at, int64_t resolved_at, int64_t now);

/* The public part of a published document (the postmortem on the public incident page):
 * {publishedAt, sections: [{name, heading, text}]} holding only `summary`, `impact` and
 * `rootCause`, and of those only the ones a person wrote (edited: true) — generated text is
 * drawn from internal records (hypotheses, nudges, internal entries) and never goes public.
 * NULL when the document is not published (or out of memory).  Allow-list: nothing else of
 * the document is ever read. */
json_t *afteraction_public_part(const json_t *doc);

/* The phase Gantt chart of a document as a standalone SVG image (no script, no external
 * reference): one bar per phase entered, its duration written beside it. */
char *afteraction_gantt_svg(const json_t *doc);

/* "1 h 05 min", "4 min 30 s", "45 s" into `out`. */
void afteraction_duration_text(int64_t ms, char *out, size_t outlen);

/* ---- KPIs ---- */

/* `items`: [{incident: stored form, firstUpdateAt: ISO|null, actions: [...], updates:
 * [{at, audience}] oldest first (optional)}] for the incidents opened in [from, to); drills
 * are counted apart and excluded from every figure.  Returns the figures of GET /kpis.
 *
 * Cadence adherence, per audience: the intervals between consecutive updates of that
 * audience while the incident was open (each update up to resolvedAt, the last one closed
 * by resolvedAt), counted only where the doctrine owes a cadence at the incident's severity
 * (doctrine_default_cadence: public 30 min; internal and exec 60 min at critical/high);
 * an interval is within target when it is not longer than the cadence.  Open incidents
 * count their closed intervals only.
 * Incidents per system over time: per ISO week (Monday 00:00 UTC) of openedAt,
 * [{week, systems: [{system, incidents}]}] oldest week first, weeks without incidents left
 * out. */
json_t *kpi_compute(const json_t *items, int64_t from, int64_t to, int64_t now);
/* One chart of the KPI figures as SVG: "durations" (kpi_svg), "cadence", "actions",
 * "incidents" (counts and reopens), "mtta" (per team), "systems" or "weeks"; NULL for
 * another name or when out of memory. */
char *kpi_chart_svg(const json_t *kpis, const char *chart);
/* The duration figures (mean per measure and per phase) as a standalone SVG bar chart,
 * each bar with its number and count written beside it. */
char *kpi_svg(const json_t *kpis);
/* The same figures in the Prometheus text exposition format (version 0.0.4). */
char *kpi_prometheus(const json_t *kpis);

#endif
