/*
 * Unit tests for the After Action review (src/afteraction.c): the state rules of action
 * items and of the document, generation from a realistic record (golden texts, clocks,
 * the cited timeline, edits), Markdown, iCalendar, KPI arithmetic checked against
 * hand-computed values, and the Prometheus text.  Every clock is fake.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afteraction.h"
#include "parse.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-05-20T09:15:00Z: the incident opened */
#define T0 ((int64_t)1779268500000)
#define MIN ((int64_t)60 * 1000)

/* A critical incident: problem 09:05, alert 09:11, opened 09:15, first CAN 09:21, first
 * update 09:27, phases 1..8, reopened once (the phase list is the final pass), resolved
 * 10:25; a guardrail nudge, a correction, and an action item's bookkeeping entry. */
static const char record_text[] =
	"{\"incident\": {\"id\": \"INC-7\", \"title\": \"Checkout down\", \"severity\": \"critical\","
	" \"alarmLevel\": 3, \"status\": \"resolved\", \"drill\": false, \"reopenCount\": 1,"
	" \"affectedSystems\": [\"checkout\", \"payments\"], \"customerCount\": 1200,"
	" \"externalImpact\": true, \"customerImpactSummary\": \"Card payments failed for EU customers.\","
	" \"businessImpact\": \"Lost orders.\","
	" \"startedAt\": \"2026-05-20T09:05:00Z\", \"alertFiredAt\": \"2026-05-20T09:11:00Z\","
	" \"openedAt\": \"2026-05-20T09:15:00Z\", \"resolvedAt\": \"2026-05-20T10:25:00Z\","
	" \"afterActionAt\": \"2026-05-21T14:00:00Z\","
	" \"phases\": [{\"number\": 1, \"name\": \"Alert\", \"enteredAt\": \"2026-05-20T09:15:00Z\"},"
	"  {\"number\": 2, \"name\": \"Gather\", \"enteredAt\": \"2026-05-20T09:17:00Z\"},"
	"  {\"number\": 3, \"name\": \"Assess\", \"enteredAt\": \"2026-05-20T09:20:00Z\"},"
	"  {\"number\": 4, \"name\": \"Initial\", \"enteredAt\": \"2026-05-20T09:27:00Z\"},"
	"  {\"number\": 5, \"name\": \"Isolation\", \"enteredAt\": \"2026-05-20T09:35:00Z\"},"
	"  {\"number\": 6, \"name\": \"Mitigation\", \"enteredAt\": \"2026-05-20T09:45:00Z\"},"
	"  {\"number\": 7, \"name\": \"Validation\", \"enteredAt\": \"2026-05-20T10:05:00Z\"},"
	"  {\"number\": 8, \"name\": \"Resolution\", \"enteredAt\": \"2026-05-20T10:25:00Z\"}],"
	" \"command\": {\"firstCanAt\": \"2026-05-20T09:21:00Z\", \"hypotheses\": ["
	"  {\"statement\": \"Database failover\", \"state\": \"rejected\", \"evidence\": \"primary healthy\"},"
	"  {\"statement\": \"Expired TLS certificate on the payment gateway\", \"state\": \"confirmed\","
	"   \"evidence\": \"cert expired 09:04\"}]}},"
	" \"timeline\": ["
	"  {\"id\": 10, \"at\": \"2026-05-20T09:15:00Z\", \"author\": \"ana\", \"type\": \"command\","
	"   \"visibility\": \"internal\", \"text\": \"Incident declared\", \"payload\": null, \"amends\": null},"
	"  {\"id\": 11, \"at\": \"2026-05-20T09:16:00Z\", \"author\": \"ana\", \"type\": \"action\","
	"   \"visibility\": \"internal\", \"text\": \"Payments | checkout both red\", \"payload\": null, \"amends\": null},"
	"  {\"id\": 12, \"at\": \"2026-05-20T09:25:00Z\", \"author\": \"majorops\", \"type\": \"guardrail\","
	"   \"visibility\": \"internal\", \"text\": \"Public update overdue\", \"payload\": null, \"amends\": null},"
	"  {\"id\": 13, \"at\": \"2026-05-20T09:26:00Z\", \"author\": \"ana\", \"type\": \"action\","
	"   \"visibility\": \"internal\", \"text\": \"Correction: only checkout red\", \"payload\": null, \"amends\": 11},"
	"  {\"id\": 14, \"at\": \"2026-05-20T10:00:00Z\", \"author\": \"ana\", \"type\": \"phase\","
	"   \"visibility\": \"internal\", \"text\": \"Reopened\", \"payload\": {\"reason\": \"errors returned\","
	"   \"phase\": 3, \"reopenCount\": 1}, \"amends\": null},"
	"  {\"id\": 15, \"at\": \"2026-05-20T10:30:00Z\", \"author\": \"ana\", \"type\": \"command\","
	"   \"visibility\": \"internal\", \"text\": \"Action item #1 opened\", \"payload\": {\"actionItem\": 1,"
	"   \"change\": \"created\"}, \"amends\": null}],"
	" \"updates\": [{\"id\": 1, \"at\": \"2026-05-20T09:27:00Z\", \"audience\": \"public\", \"kind\": \"milestone\"}],"
	" \"actions\": [{\"id\": 1, \"title\": \"Alert on cert expiry\", \"owner\": \"bo\","
	"  \"dueDate\": \"2026-06-01T00:00:00Z\", \"priority\": \"high\", \"state\": \"open\","
	"  \"nonNegotiable\": true, \"trackerUrl\": \"https://jira/OPS-1\"}],"
	" \"related\": [], \"edits\": {}}";

static json_t *record(void)
{
	json_error_t e;
	json_t *r = json_loads(record_text, 0, &e);

	if (r == NULL)
		unit_fail(__FILE__, __LINE__, "fixture: %s at %d", e.text, e.position);
	return r;
}

static const char *section(const json_t *doc, const char *name)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(doc, "sections"), name),
						 "text"));
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void test_action_transitions(void)
{
	static const struct {
		enum action_state from, to;
		bool non_negotiable;
		const char *reason, *want;
	} cases[] = {
		{ACTION_OPEN, ACTION_IN_PROGRESS, false, NULL, NULL},
		{ACTION_OPEN, ACTION_DONE, false, NULL, NULL},
		{ACTION_IN_PROGRESS, ACTION_DONE, true, NULL, NULL},
		{ACTION_IN_PROGRESS, ACTION_OPEN, false, NULL, "action.forwardOnly"},
		{ACTION_OPEN, ACTION_WONT_DO, false, NULL, "action.reasonRequired"},
		{ACTION_OPEN, ACTION_WONT_DO, false, "  ", "action.reasonRequired"},
		{ACTION_OPEN, ACTION_WONT_DO, false, "superseded by OPS-9", NULL},
		{ACTION_OPEN, ACTION_WONT_DO, true, "too costly", "action.nonNegotiable"},
		{ACTION_DONE, ACTION_IN_PROGRESS, false, NULL, "action.closed"},
		{ACTION_WONT_DO, ACTION_DONE, false, "x", "action.closed"},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *got = action_transition_refusal(cases[i].from, cases[i].to,
							    cases[i].non_negotiable, cases[i].reason);

		CHECK_MSG(got == NULL ? cases[i].want == NULL
				      : cases[i].want != NULL && strcmp(got, cases[i].want) == 0,
			  "case %zu: got %s, want %s", i, got ? got : "allowed",
			  cases[i].want ? cases[i].want : "allowed");
	}
}

static void test_action_json(void)
{
	struct action_item a = {.id = 3, .incident = 7, .title = "t", .owner = "bo",
				.priority = "high", .state = "open", .created_by = "ana",
				.due_at = T0, .created_at = T0 - MIN, .updated_at = T0 - MIN};
	json_t *o = afteraction_action_json(&a, T0);

	REQUIRE(o != NULL);
	CHECK(json_is_false(json_object_get(o, "overdue"))); /* due now is not yet late */
	CHECK(json_is_null(json_object_get(o, "closedOnTime")));
	CHECK_STR(json_string_value(json_object_get(o, "incident")), "INC-7");
	json_decref(o);
	o = afteraction_action_json(&a, T0 + 1);
	CHECK(json_is_true(json_object_get(o, "overdue")));
	json_decref(o);
	a.state = "done";
	a.closed_at = T0 + 1;
	o = afteraction_action_json(&a, T0 + 5);
	CHECK(json_is_false(json_object_get(o, "overdue")));
	CHECK(json_is_false(json_object_get(o, "closedOnTime")));
	json_decref(o);
	a.closed_at = T0;
	o = afteraction_action_json(&a, T0 + 5);
	CHECK(json_is_true(json_object_get(o, "closedOnTime")));
	json_decref(o);
}

static void test_review_transitions(void)
{
	CHECK(afteraction_transition_refusal(AFTERACTION_DRAFT, AFTERACTION_REVIEW, true) == NULL);
	CHECK(afteraction_transition_refusal(AFTERACTION_REVIEW, AFTERACTION_DRAFT, true) == NULL);
	CHECK(afteraction_transition_refusal(AFTERACTION_REVIEW, AFTERACTION_PUBLISHED, true) == NULL);
	CHECK(afteraction_transition_refusal(AFTERACTION_DRAFT, AFTERACTION_DRAFT, false) == NULL);
	CHECK_STR(afteraction_transition_refusal(AFTERACTION_DRAFT, AFTERACTION_PUBLISHED, true),
		  "afterAction.reviewFirst");
	CHECK_STR(afteraction_transition_refusal(AFTERACTION_DRAFT, AFTERACTION_REVIEW, false),
		  "afterAction.notResolved");
	CHECK_STR(afteraction_transition_refusal(AFTERACTION_PUBLISHED, AFTERACTION_PUBLISHED, true),
		  "afterAction.published");
	CHECK_STR(afteraction_transition_refusal(AFTERACTION_PUBLISHED, AFTERACTION_DRAFT, true),
		  "afterAction.published");
}

static void test_duration_text(void)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
		{0, "0 s"}, {45000, "45 s"}, {4 * MIN, "4 min"}, {4 * MIN + 30000, "4 min 30 s"},
		{74 * MIN, "1 h 14 min"}, {60 * MIN, "1 h 00 min"}, {-5, "0 s"},
	};
	char out[48];

	for (size_t i = 0; i < NELEM(cases); i++) {
		afteraction_duration_text(cases[i].ms, out, sizeof(out));
		CHECK_STR(out, cases[i].want);
	}
}

static void test_generate_golden(void)
{
	json_t *r = record(), *doc, *delays, *entries, *clocks, *phases;

	REQUIRE(r != NULL);
	doc = afteraction_generate(r, T0 + 200 * MIN);
	REQUIRE(doc != NULL);
	CHECK_STR(section(doc, "summary"),
		  "INC-7 (critical, Box 3): Checkout down. The problem began at 2026-05-20 09:05 UTC, "
		  "the alert fired at 2026-05-20 09:11 UTC and the incident was declared at "
		  "2026-05-20 09:15 UTC; it was resolved at 2026-05-20 10:25 UTC after 1 h 14 min of "
		  "impact. Affected systems: checkout, payments. Card payments failed for EU customers. "
		  "Root cause: Expired TLS certificate on the payment gateway. Reopened 1 time.");
	CHECK_STR(section(doc, "impact"),
		  "Customers affected: 1200. Duration of impact: 1 h 14 min (from 2026-05-20 09:11 UTC "
		  "to 2026-05-20 10:25 UTC). Systems: checkout, payments. External impact: yes. "
		  "Business impact: Lost orders.");
	CHECK_STR(section(doc, "rootCause"),
		  "Confirmed: Expired TLS certificate on the payment gateway (evidence: cert expired "
		  "09:04). Ruled out: Database failover.");
	CHECK_STR(section(doc, "contributingFactors"),
		  "- Guardrail: Public update overdue\n- Reopened: errors returned");
	CHECK_STR(section(doc, "wentWell"),
		  "- Incident declared after the alert in 4 min.\n"
		  "- First CAN report after opening in 6 min.\n"
		  "- First milestone after opening in 12 min.");
	CHECK_STR(section(doc, "wentPoorly"),
		  "- 1 guardrail nudge fired.\n- The incident was reopened 1 time.");
	delays = json_object_get(doc, "delays");
	CHECK(num(delays, "detectionSeconds") == 360);
	CHECK(num(delays, "escalationSeconds") == 240);
	CHECK(num(delays, "toFirstCanSeconds") == 360);
	CHECK(num(delays, "toFirstMilestoneSeconds") == 720);
	CHECK(num(delays, "toResolveSeconds") == 74 * 60);
	/* Cited: the story without the nudge (12) or the item's bookkeeping (15). */
	entries = json_object_get(json_object_get(doc, "timeline"), "entries");
	REQUIRE(json_array_size(entries) == 4);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(entries, 0), "entry")), 10);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(entries, 3), "entry")), 14);
	CHECK_STR(json_string_value(json_object_get(json_array_get(entries, 1), "text")),
		  "Payments | checkout both red");
	CHECK_INT(json_integer_value(json_array_get(
			  json_object_get(json_array_get(entries, 1), "amendedBy"), 0)), 13);
	clocks = json_object_get(doc, "clocks");
	CHECK_INT(json_array_size(clocks), 5 + 8 + 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(clocks, 3), "clock")), "firstCan");
	CHECK(num(json_array_get(clocks, 13), "sinceStartSeconds") == 80 * 60);
	phases = json_object_get(doc, "phases");
	REQUIRE(json_array_size(phases) == 8);
	CHECK(num(json_array_get(phases, 5), "seconds") == 20 * 60); /* Mitigation 09:45 → 10:05 */
	CHECK(json_is_null(json_object_get(json_array_get(phases, 7), "seconds")));
	CHECK_INT(json_array_size(json_object_get(doc, "reopens")), 1);
	CHECK_INT(json_array_size(json_object_get(doc, "actionItems")), 1);
	CHECK_STR(json_string_value(json_object_get(doc, "reviewAt")), "2026-05-21T14:00:00Z");
	json_decref(doc);
	json_decref(r);
}

static void test_generate_edits(void)
{
	json_t *r = record(), *doc, *entries, *summary;

	REQUIRE(r != NULL);
	json_object_set_new(json_object_get(r, "edits"), "summary", json_string("Edited."));
	json_object_set_new(json_object_get(r, "edits"), "timeline", json_pack("[i, i]", 12, 14));
	doc = afteraction_generate(r, T0);
	REQUIRE(doc != NULL);
	summary = json_object_get(json_object_get(doc, "sections"), "summary");
	CHECK_STR(json_string_value(json_object_get(summary, "text")), "Edited.");
	CHECK(json_is_true(json_object_get(summary, "edited")));
	CHECK(strncmp(json_string_value(json_object_get(summary, "generated")), "INC-7 (critical", 15) == 0);
	CHECK(json_is_false(json_object_get(json_object_get(json_object_get(doc, "sections"), "impact"),
					    "edited")));
	entries = json_object_get(json_object_get(doc, "timeline"), "entries");
	REQUIRE(json_array_size(entries) == 2);
	/* An edit chooses entries; their text is the record's. */
	CHECK_STR(json_string_value(json_object_get(json_array_get(entries, 0), "text")),
		  "Public update overdue");
	CHECK(json_is_true(json_object_get(json_object_get(doc, "timeline"), "edited")));
	json_decref(doc);
	json_decref(r);
}

static void test_generate_unresolved_drill(void)
{
	json_t *r = record(), *doc, *inc;

	REQUIRE(r != NULL);
	inc = json_object_get(r, "incident");
	json_object_set_new(inc, "resolvedAt", json_null());
	json_object_set_new(inc, "drill", json_true());
	json_object_set_new(inc, "alertFiredAt", json_null());
	json_object_set_new(inc, "phases", json_pack("[{s:i, s:s, s:s}]", "number", 1, "name",
						     "Alert", "enteredAt", "2026-05-20T09:15:00Z"));
	doc = afteraction_generate(r, T0 + 3 * MIN);
	REQUIRE(doc != NULL);
	CHECK(strstr(section(doc, "summary"), "(critical, Box 3, drill)") != NULL);
	CHECK(strstr(section(doc, "summary"), "it is not resolved yet.") != NULL);
	CHECK(strstr(section(doc, "impact"), "Impact ongoing since 2026-05-20 09:05 UTC.") != NULL);
	CHECK(num(json_object_get(doc, "delays"), "detectionSeconds") == 600); /* start → opened */
	CHECK(json_is_null(json_object_get(json_object_get(doc, "delays"), "escalationSeconds")));
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(doc, "phases"), 0), "ongoing")));
	CHECK(num(json_array_get(json_object_get(doc, "phases"), 0), "seconds") == 180);
	json_decref(doc);
	json_decref(r);
}

static void test_markdown(void)
{
	json_t *r = record(), *doc;
	char *md;

	REQUIRE(r != NULL);
	doc = afteraction_generate(r, T0);
	REQUIRE(doc != NULL);
	md = afteraction_markdown(doc);
	REQUIRE(md != NULL);
	CHECK(strncmp(md, "# After Action: INC-7 — Checkout down\n", 40) == 0);
	CHECK(strstr(md, "\n## Summary\n\nINC-7 (critical, Box 3)") != NULL);
	CHECK(strstr(md, "| #11 | 2026-05-20 09:16 UTC | action | ana | Payments \\| checkout both red |") != NULL);
	CHECK(strstr(md, "| 6 Mitigation | 2026-05-20 09:45 UTC | 2026-05-20 10:05 UTC | 20 min |") != NULL);
	CHECK(strstr(md, "Detection delay: 6 min · Escalation delay: 4 min · Time to resolve: 1 h 14 min") != NULL);
	CHECK(strstr(md, "| 1 | Alert on cert expiry (non-negotiable) | bo | 2026-06-01 00:00 UTC | high | open | https://jira/OPS-1 |") != NULL);
	free(md);
	json_decref(doc);
	json_decref(r);
}

static void test_ics(void)
{
	json_t *r = record(), *doc;
	char *ics, *line, *end;

	REQUIRE(r != NULL);
	doc = afteraction_generate(r, T0);
	REQUIRE(doc != NULL);
	ics = afteraction_ics(doc, T0);
	REQUIRE(ics != NULL);
	CHECK(strncmp(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0);
	CHECK(strstr(ics, "\r\nDTSTART:20260521T140000Z\r\n") != NULL);
	CHECK(strstr(ics, "\r\nDTEND:20260521T150000Z\r\n") != NULL);
	CHECK(strstr(ics, "\r\nUID:INC-7-after-action@majorops\r\n") != NULL);
	CHECK(strstr(ics, "END:VEVENT\r\nEND:VCALENDAR\r\n") != NULL);
	/* Escaped commas and folded lines of at most 75 octets. */
	CHECK(strstr(ics, "\\,") != NULL);
	for (line = ics; *line; line = end + 1) {
		end = strchr(line, '\n');
		REQUIRE(end != NULL && end > line && end[-1] == '\r');
		CHECK_MSG(end - line - 1 <= 75, "line of %d octets: %.40s", (int)(end - line - 1), line);
	}
	free(ics);
	json_object_set_new(doc, "reviewAt", json_null());
	CHECK(afteraction_ics(doc, T0) == NULL);
	json_decref(doc);
	json_decref(r);
}

/* Three live incidents and a drill.  Hand-computed: time to open 10, 4 and 2 min (mean
 * 5.333…, median 4 min); MTTR 74 and 30 min (mean 52, median 52); one reopened of three. */
static void test_kpis(void)
{
	json_t *r = record(), *items, *k, *a, *second, *third, *drill;

	REQUIRE(r != NULL);
	second = json_pack("{s:{s:s, s:s, s:s, s:s, s:i, s:[s], s:[{s:i, s:s}, {s:i, s:s}]}, s:s, s:[]}",
			   "incident", "startedAt", "2026-05-22T10:00:00Z", "alertFiredAt",
			   "2026-05-22T10:02:00Z", "openedAt", "2026-05-22T10:04:00Z", "resolvedAt",
			   "2026-05-22T10:32:00Z", "reopenCount", 0, "affectedSystems", "checkout",
			   "phases", "number", 1, "enteredAt", "2026-05-22T10:04:00Z", "number", 3,
			   "enteredAt", "2026-05-22T10:14:00Z", "firstUpdateAt", "2026-05-22T10:10:00Z",
			   "actions");
	third = json_pack("{s:{s:s, s:s, s:n, s:[s]}, s:n, s:[]}", "incident", "startedAt",
			  "2026-05-23T10:00:00Z", "openedAt", "2026-05-23T10:02:00Z", "resolvedAt",
			  "affectedSystems", "search", "firstUpdateAt", "actions");
	drill = json_pack("{s:{s:b, s:s, s:s, s:s, s:[s]}, s:n, s:[{s:s, s:s}]}", "incident", "drill",
			  1, "startedAt", "2026-05-23T09:00:00Z", "openedAt", "2026-05-23T11:00:00Z",
			  "resolvedAt", "2026-05-23T12:00:00Z", "affectedSystems", "checkout",
			  "firstUpdateAt", "actions", "state", "open", "dueDate", "2026-01-01T00:00:00Z");
	REQUIRE(second && third && drill);
	/* The first incident's items: one open and overdue, one done late, one won't do. */
	a = json_pack("[{s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}]", "state", "open",
		      "dueDate", "2026-05-25T00:00:00Z", "state", "done", "dueDate",
		      "2026-05-24T00:00:00Z", "closedAt", "2026-05-24T12:00:00Z", "state", "wont_do",
		      "dueDate", "2026-05-24T00:00:00Z", "state", "done", "dueDate",
		      "2026-05-24T00:00:00Z", "closedAt", "2026-05-23T00:00:00Z");
	items = json_pack("[{s:O, s:s, s:o, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s}]}, o, o, o]",
			  "incident", json_object_get(r, "incident"), "firstUpdateAt",
			  "2026-05-20T09:27:00Z", "actions", a, "responders", "team", "payments",
			  "pagedAt", "2026-05-20T09:15:00Z", "acknowledgedAt", "2026-05-20T09:17:00Z",
			  "team", "db", "pagedAt", "2026-05-20T09:15:00Z", "acknowledgedAt",
			  "2026-05-20T09:20:00Z", "team", "db", "pagedAt", "2026-05-20T09:30:00Z",
			  second, third, drill);
	/* one more page of payments, on the second incident: 4 min */
	json_object_set_new(second, "responders",
			    json_pack("[{s:s, s:s, s:s}]", "team", "payments", "pagedAt",
				      "2026-05-22T10:04:00Z", "acknowledgedAt", "2026-05-22T10:08:00Z"));
	REQUIRE(items != NULL);
	k = kpi_compute(items, TIME_NONE, TIME_NONE, T0 + 10 * 24 * 60 * MIN);
	REQUIRE(k != NULL);
	CHECK_INT(json_integer_value(json_object_get(k, "incidents")), 3);
	CHECK_INT(json_integer_value(json_object_get(k, "drillsExcluded")), 1);
	CHECK_INT(json_integer_value(json_object_get(k, "resolved")), 2);
	CHECK(num(k, "reopenRate") > 0.3333 && num(k, "reopenRate") < 0.3334);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(k, "timeToOpen"), "count")), 3);
	CHECK(num(json_object_get(k, "timeToOpen"), "medianSeconds") == 240);
	CHECK(num(json_object_get(k, "timeToOpen"), "meanSeconds") > 319.99 &&
	      num(json_object_get(k, "timeToOpen"), "meanSeconds") < 320.01);
	CHECK(num(json_object_get(k, "mttr"), "meanSeconds") == 52 * 60);
	CHECK(num(json_object_get(k, "mttr"), "medianSeconds") == 52 * 60);
	CHECK(num(json_object_get(k, "timeToFirstCan"), "meanSeconds") == 360);
	CHECK(num(json_object_get(k, "timeToFirstMilestone"), "meanSeconds") == (720 + 360) / 2.0);
	/* Assess: 09:20 → 09:27 (7 min) and 10:14 → nothing after it (not counted). */
	CHECK(num(json_array_get(json_object_get(k, "phases"), 2), "meanSeconds") == 7 * 60);
	/* Alert: 0 → 2 min, and the second incident 10:04 → 10:14 (skipped to 3). */
	CHECK(num(json_array_get(json_object_get(k, "phases"), 0), "meanSeconds") == 6 * 60);
	a = json_object_get(k, "actionItems");
	CHECK_INT(json_integer_value(json_object_get(a, "total")), 4);
	CHECK_INT(json_integer_value(json_object_get(a, "overdue")), 1);
	CHECK_INT(json_integer_value(json_object_get(a, "closedOnTime")), 1);
	CHECK_INT(json_integer_value(json_object_get(a, "closedLate")), 1);
	CHECK_INT(json_integer_value(json_object_get(a, "wontDo")), 1);
	/* MTTA per team, by name: db 5 min (the unacknowledged page not counted), payments
	 * 2 and 4 min. */
	{
		const json_t *m = json_object_get(k, "mttaByTeam");

		REQUIRE(json_array_size(m) == 2);
		CHECK_STR(json_string_value(json_object_get(json_array_get(m, 0), "team")), "db");
		CHECK(num(json_array_get(m, 0), "meanSeconds") == 300);
		CHECK_INT(json_integer_value(json_object_get(json_array_get(m, 1), "count")), 2);
		CHECK(num(json_array_get(m, 1), "meanSeconds") == 180);
	}
	/* Recurrence: checkout twice (the drill's not counted), then payments and search. */
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(k, "systems"), 0), "system")),
		  "checkout");
	CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(k, "systems"), 0),
						     "incidents")), 2);
	{
		char *prom = kpi_prometheus(k);

		REQUIRE(prom != NULL);
		CHECK(strstr(prom, "# TYPE majorops_incidents gauge\nmajorops_incidents 3\n") != NULL);
		CHECK(strstr(prom, "majorops_mttr_seconds{stat=\"mean\"} 3120\n") != NULL);
		CHECK(strstr(prom, "majorops_action_items{state=\"wont_do\"} 1\n") != NULL);
		CHECK(strstr(prom, "majorops_incidents_by_system{system=\"checkout\"} 2\n") != NULL);
		CHECK(strstr(prom, "majorops_phase_seconds{phase=\"2\",name=\"Gather\",stat=\"mean\"} 180\n") != NULL);
		CHECK(strstr(prom, "majorops_mtta_seconds{team=\"payments\",stat=\"median\"} 180\n") != NULL);
		free(prom);
	}
	json_decref(k);
	json_decref(items);
	json_decref(r);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_svg(void)
{
	json_t *r = record(), *doc;
	char *svg;

	REQUIRE(r != NULL);
	json_object_set_new(json_object_get(r, "incident"), "id", json_string("INC-7 <&>"));
	doc = afteraction_generate(r, T0);
	REQUIRE(doc != NULL);
	svg = afteraction_gantt_svg(doc);
	REQUIRE(svg != NULL);
	CHECK(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	CHECK(strstr(svg, "<title>Phases of INC-7 &lt;&amp;&gt;</title>") != NULL);
	CHECK_INT(count(svg, "<g>"), 8);
	CHECK(strstr(svg, ">6 Mitigation</text>") != NULL && strstr(svg, ">20 min</text>") != NULL);
	CHECK(strstr(svg, "</svg>\n") != NULL);
	free(svg);
	json_decref(doc);
	json_decref(r);
}

const struct unit_case afteraction_suite[] = {
	{"afteraction: action item transitions", test_action_transitions},
	{"afteraction: action item overdue and closed on time", test_action_json},
	{"afteraction: document states", test_review_transitions},
	{"afteraction: duration text", test_duration_text},
	{"afteraction: generated document (golden)", test_generate_golden},
	{"afteraction: edited sections and cited entries", test_generate_edits},
	{"afteraction: unresolved drill without an alert", test_generate_unresolved_drill},
	{"afteraction: Markdown", test_markdown},
	{"afteraction: iCalendar", test_ics},
	{"afteraction: KPI arithmetic and Prometheus text", test_kpis},
	{"afteraction: phase Gantt SVG", test_svg},
	{NULL, NULL},
};
