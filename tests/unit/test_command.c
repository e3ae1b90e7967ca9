/*
 * Unit tests for the command doctrine (issue 4): src/can.c, src/tracks.c,
 * src/guardrails.c, src/firstten.c and src/assist.c.  Table-driven; every clock is fake.
 */
#include <stdint.h>
#include <stdlib.h>

#include "assist.h"
#include "can.h"
#include "firstten.h"
#include "guardrails.h"
#include "parse.h"
#include "tracks.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-05-20T09:15:00Z: the incidents below open here. */
#define T0 ((int64_t)1779268500000)
#define MIN MINUTE_MS
#define HOUR (60 * MIN)
#define MS ((int64_t)1)

#define CRIT SEVERITY_CRITICAL
#define HIGH SEVERITY_HIGH
#define MED SEVERITY_MEDIUM
#define LOW SEVERITY_LOW

/* A refusal names its rule and ends with " (rule)"; an acceptance is OK and empty. */
#define CHECK_VERDICT(v, want) check_verdict(&(v), (want), __FILE__, __LINE__)

static void check_verdict(const struct doctrine_verdict *v, enum doctrine_rule want,
			  const char *file, int line)
{
	char tail[64];
	const char *nul = memchr(v->message, '\0', sizeof(v->message));
	size_t len = nul ? (size_t)(nul - v->message) : sizeof(v->message);

	if (v->rule != want) {
		unit_fail(file, line, "verdict rule %s, want %s (\"%.*s\")",
			  doctrine_rule_name(v->rule), doctrine_rule_name(want),
			  (int)sizeof(v->message), v->message);
		return;
	}
	if (len == sizeof(v->message)) {
		unit_fail(file, line, "verdict message is not terminated");
		return;
	}
	if (want == DOCTRINE_OK) {
		if (len != 0)
			unit_fail(file, line, "an OK verdict carries \"%s\"", v->message);
		return;
	}
	snprintf(tail, sizeof(tail), " (%s)", doctrine_rule_name(want));
	if (len <= strlen(tail) || strcmp(v->message + len - strlen(tail), tail) != 0)
		unit_fail(file, line, "message \"%s\" does not end with \"%s\"", v->message, tail);
}

/*
 * A read-only incident whose strings point at literals (never freed: no incident_free).
 * Opened at T0, each phase up to `phase` entered 10 minutes after the last.
 */
static void incident_fixture(struct incident *inc, enum severity sev, int phase)
{
	incident_init(inc);
	inc->number = 42;
	inc->severity = sev;
	inc->phase = phase;
	inc->opened_at = T0;
	for (int p = PHASE_FIRST; p <= phase; p++)
		inc->phase_entered_at[p] = T0 + (p - 1) * 10 * MIN;
}

/* The six roles of high/critical, filled by six different people. */
static void incident_staff_six(struct incident *inc)
{
	static char mim[] = "Dana Reyes", deputy[] = "Lee Park", scribe[] = "Ana Costa",
		    sre[] = "Sam Ortiz", ops[] = "Priya Nair", liaison[] = "Tom Berg";

	inc->roles[ROLE_MIM] = mim;
	inc->roles[ROLE_DEPUTY] = deputy;
	inc->roles[ROLE_SCRIBE] = scribe;
	inc->roles[ROLE_SRE] = sre;
	inc->roles[ROLE_CUSTOMER_OPS] = ops;
	inc->roles[ROLE_INTERNAL_LIAISON] = liaison;
}

/* ===================================================================================== */
/* can                                                                                    */
/* ===================================================================================== */

static void test_can_names(void)
{
	static const char *const rules[CAN_RULE__MAX] = {
		"can.needsEmpty", "can.speculation", "can.promise", "can.allConditions",
		"can.noConditions",
	};
	static const char *const slots[CAN_SLOT__MAX] = {"conditions", "actions", "needs"};

	for (int r = 0; r < CAN_RULE__MAX; r++)
		CHECK_STR(can_rule_name((enum can_rule)r), rules[r]);
	for (int s = 0; s < CAN_SLOT__MAX; s++)
		CHECK_STR(can_slot_name((enum can_slot)s), slots[s]);
	CHECK_STR(can_rule_name(CAN_RULE__MAX), "?");
	CHECK_STR(can_slot_name(CAN_SLOT__MAX), "?");
	CHECK(CAN_TEAM_MAX > 0 && CAN_AUTHOR_MAX > 0 && CAN_SLOT_MAX >= 1000);
}

/* The lint as one string: "rule/slot/term" per warning, space separated, in order. */
static void lint_summary(const struct can_lint *lint, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < lint->nwarnings && len < size; i++) {
		const struct can_warning *w = &lint->warnings[i];
		int n = snprintf(out + len, size - len, "%s%s/%s%s%s", i ? " " : "",
				 can_rule_name(w->rule), can_slot_name(w->slot), w->term ? "/" : "",
				 w->term ? w->term : "");
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* Every rule's hits and near misses; NULL slots read as blank. */
static void test_can_lint_table(void)
{
	static const struct {
		const char *conditions, *actions, *needs;
		const char *want;
	} rows[] = {
		/* a clean report */
		{"CPU 95%, p99 8 s against 200 ms", "Provisioning a read replica, ETA 6 min",
		 "Approval to fail over", ""},
		/* can.needsEmpty: blank in every spelling; any text is explicit */
		{"CPU 95%", "Rolling back", "", "can.needsEmpty/needs"},
		{"CPU 95%", "Rolling back", " \n\t ", "can.needsEmpty/needs"},
		{"CPU 95%", "Rolling back", NULL, "can.needsEmpty/needs"},
		{"CPU 95%", "Rolling back", "none", ""},
		{"CPU 95%", "Rolling back", "None.", ""},
		{"CPU 95%", "Rolling back", "n/a", ""},
		{"CPU 95%", "Rolling back", "-", ""},
		/* can.speculation: each word, any case, any white space inside "I think" */
		{"I think the database is overloaded", "Checking", "none",
		 "can.speculation/conditions/I think"},
		{"i  think\nit is DNS", "Checking", "none", "can.speculation/conditions/I think"},
		{"Maybe a memory leak", "Checking", "none", "can.speculation/conditions/maybe"},
		{"It is PROBABLY the cache", "Checking", "none",
		 "can.speculation/conditions/probably"},
		{"The deploy might be related", "Checking", "none",
		 "can.speculation/conditions/might"},
		{"Latency seems high", "Checking", "none", "can.speculation/conditions/seems"},
		{"It might've been the deploy", "Checking", "none",
		 "can.speculation/conditions/might"},
		{"It might\xe2\x80\x99ve been the deploy", "Checking", "none",
		 "can.speculation/conditions/might"},
		{"(maybe) DNS", "Checking", "none", "can.speculation/conditions/maybe"},
		/* speculation near misses: whole words only, and only in Conditions */
		{"A mighty spike in 5xx", "Checking", "none", ""},
		{"Maybelline storefront down", "Checking", "none", ""},
		{"Seamless failover did not trigger; the graph seem flat", "Checking", "none", ""},
		{"GenAI think-tank page is slow", "Checking", "none", ""},
		{"Flag might_fail=true set on 3 hosts", "Checking", "none", ""},
		{"Thinking time 8 s", "Checking", "none", ""},
		{"Mightý unicode", "Checking", "none", ""},
		{"CPU 95%", "Maybe restarting the pool", "none", ""},
		/* can.promise */
		{"CPU 95%", "I'm going to fail over the database", "none",
		 "can.promise/actions/going to"},
		{"CPU 95%", "We will restart the pool", "none", "can.promise/actions/will"},
		{"CPU 95%", "WILL restart", "none", "can.promise/actions/will"},
		{"CPU 95%", "We'll fail over", "none", "can.promise/actions/'ll"},
		{"CPU 95%", "I\xe2\x80\x99ll fail over", "none", "can.promise/actions/'ll"},
		{"CPU 95%", "We plan to roll back", "none", "can.promise/actions/plan to"},
		{"CPU 95%", "Team plans to roll back", "none", "can.promise/actions/plans to"},
		{"CPU 95%", "Planning to  roll back", "none", "can.promise/actions/planning to"},
		{"CPU 95%", "gonna restart", "none", "can.promise/actions/gonna"},
		{"CPU 95%", "Will restart the pool", "none", "can.promise/actions/will"},
		{"CPU 95%", "Paged Will. Will retry at 10:00", "none", "can.promise/actions/will"},
		{"CPU 95%", "- Will fail over", "none", "can.promise/actions/will"},
		/* promise near misses */
		{"CPU 95%", "Paged Will from the DBA team", "none", ""},
		{"CPU 95%", "Goodwill refunds issued; willing helpers on the bridge", "none", ""},
		{"CPU 95%", "Ongoing tomorrow's capacity plan review", "none", ""},
		{"CPU 95%", "Explanation to support sent; planet toolkit reloaded", "none", ""},
		{"CPU 95%", "Restarted all pods; Bill's script ran", "none", ""},
		{"CPU 95%", "Rolled back; 'll is not a word", "none", ""},
		{"We will see more load at noon", "Checking", "none", ""},
		/* can.allConditions: Conditions only, Needs blank or "none" */
		{"CPU 95%, replication lag 4 min", "", "", "can.needsEmpty/needs "
		 "can.allConditions/actions"},
		{"CPU 95%, replication lag 4 min", NULL, "None", "can.allConditions/actions"},
		{"CPU 95%", "", "Need a DBA", ""},
		/* can.noConditions */
		{"", "Rolling back the deploy", "none", "can.noConditions/conditions"},
		{NULL, "Rolling back the deploy", "Need approval", "can.noConditions/conditions"},
		/* several at once, in rule order */
		{"I think it is the DB", "", "", "can.needsEmpty/needs "
		 "can.speculation/conditions/I think can.allConditions/actions"},
		{"Maybe DNS", "We will fail over", " ", "can.needsEmpty/needs "
		 "can.speculation/conditions/maybe can.promise/actions/will"},
		{"", "", "", "can.needsEmpty/needs"},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct can_report r = {"App team", "Sam", rows[i].conditions, rows[i].actions,
				       rows[i].needs};
		struct can_lint lint;
		char got[512];

		can_lint(&r, &lint);
		lint_summary(&lint, got, sizeof(got));
		CHECK_MSG(strcmp(got, rows[i].want) == 0, "row %zu (C \"%s\" A \"%s\"): got \"%s\", "
			  "want \"%s\"", i, rows[i].conditions ? rows[i].conditions : "(null)",
			  rows[i].actions ? rows[i].actions : "(null)", got, rows[i].want);
		for (size_t k = 0; k < lint.nwarnings; k++)
			CHECK(lint.warnings[k].message[0] != '\0');
	}
}

static void test_can_messages(void)
{
	struct can_report r = {"Database", "Sam", "I think it might be the pool, maybe the DNS",
			       "We'll fail over, going to page the DBA", ""};
	struct can_lint lint;

	can_lint(&r, &lint);
	REQUIRE(lint.nwarnings == 3);
	CHECK_STR(lint.warnings[0].term, NULL);
	CHECK_STR(lint.warnings[1].term, "I think");
	CHECK_STR(lint.warnings[2].term, "'ll");
	CHECK_STR(lint.warnings[0].message,
		  "Needs is empty: say what you need to keep going (resources, a decision, "
		  "access, another responder) or write \"none\". Empty Needs is fine, implicit "
		  "Needs is not.");
	CHECK_STR(lint.warnings[1].message,
		  "Conditions speculate (\"I think\", \"might\", \"maybe\"): Conditions are "
		  "observed facts only (metrics, error rates, customer reports). Move a "
		  "suspicion to Actions (\"investigating a possible ...\") or Needs (\"need eyes "
		  "on ...\").");
	CHECK_STR(lint.warnings[2].message,
		  "Actions promise (\"'ll\", \"going to\"): Actions are work in flight now. What "
		  "has not started belongs in Needs (\"need approval to ...\") until the MIM "
		  "approves it.");
	r.conditions = "CPU 95%";
	r.actions = "";
	r.needs = "none";
	can_lint(&r, &lint);
	REQUIRE(lint.nwarnings == 1);
	CHECK_STR(lint.warnings[0].message,
		  "All Conditions, no Actions or Needs: the MIM cannot act on this. What are you "
		  "doing about it? What do you need?");
	r.conditions = "";
	r.actions = "Rolling back";
	can_lint(&r, &lint);
	REQUIRE(lint.nwarnings == 1);
	CHECK_STR(lint.warnings[0].message,
		  "Actions without Conditions: the MIM cannot judge whether the work fits the "
		  "situation. Tell me what you are seeing first.");
}

static void test_can_helpers(void)
{
	static const struct {
		const char *needs;
		bool none;
	} rows[] = {
		{"none", true}, {"None", true}, {"NONE.", true}, {"  none!  ", true},
		{"nothing", true}, {"N/A", true}, {"no needs", true}, {"Nothing needed.", true},
		{"", false}, {NULL, false}, {"none yet, but maybe a DBA soon", false},
		{"nonetheless", false}, {"no", false}, {"none..", false},
	};
	struct can_report blank = {"App", NULL, " ", NULL, "\n"};
	struct can_report some = {"App", NULL, " ", NULL, "none"};

	for (size_t i = 0; i < NELEM(rows); i++)
		CHECK_MSG(can_needs_is_none(rows[i].needs) == rows[i].none, "row %zu \"%s\"", i,
			  rows[i].needs ? rows[i].needs : "(null)");
	CHECK(can_text_blank(NULL) && can_text_blank("") && can_text_blank(" \t\r\n"));
	CHECK(!can_text_blank(" x "));
	CHECK(can_report_blank(&blank));
	CHECK(!can_report_blank(&some));
}

/* A full-size slot of nothing but flagged words stays bounded (one warning per rule). */
static void test_can_lint_large(void)
{
	char *text = malloc(CAN_SLOT_MAX * 4 + 1);
	struct can_report r = {"App", "Sam", NULL, NULL, NULL};
	struct can_lint lint;
	size_t len = 0;

	REQUIRE(text != NULL);
	while (len + 6 < (size_t)CAN_SLOT_MAX * 4) {
		memcpy(text + len, "maybe ", 6);
		len += 6;
	}
	memcpy(text + len, "will", 5); /* ends on a hit, exactly at the terminator */
	r.conditions = text;
	r.actions = text;
	r.needs = text;
	can_lint(&r, &lint);
	CHECK_INT(lint.nwarnings, 2);
	CHECK_INT(lint.warnings[0].rule, CAN_SPECULATION);
	CHECK_INT(lint.warnings[1].rule, CAN_PROMISE);
	/* A slot ending in the first byte of a typographic apostrophe reads no further. */
	memcpy(text, "we\xe2", 4);
	can_lint(&r, &lint);
	CHECK_INT(lint.nwarnings, 0);
	free(text);
}

UNIT_SUITE(can_suite) = {
	{"can_names", test_can_names},
	{"can_lint_table", test_can_lint_table},
	{"can_messages", test_can_messages},
	{"can_helpers", test_can_helpers},
	{"can_lint_large", test_can_lint_large},
	UNIT_END
};

/* ===================================================================================== */
/* tracks, hypotheses, hand-off, information authority                                   */
/* ===================================================================================== */

static void test_track_names(void)
{
	static const char *const names[TRACK_STATE__MAX] = {"active", "succeeded", "failed",
							    "abandoned"};
	static const char *const hnames[HYPOTHESIS_STATE__MAX] = {"proposed", "testing",
								  "confirmed", "rejected"};

	for (int i = 0; i < TRACK_STATE__MAX; i++) {
		enum track_state s = TRACK_STATE__MAX;

		CHECK_STR(track_state_name((enum track_state)i), names[i]);
		CHECK(track_state_parse(names[i], &s) == 0 && (int)s == i);
	}
	for (int i = 0; i < HYPOTHESIS_STATE__MAX; i++) {
		enum hypothesis_state s = HYPOTHESIS_STATE__MAX;

		CHECK_STR(hypothesis_state_name((enum hypothesis_state)i), hnames[i]);
		CHECK(hypothesis_state_parse(hnames[i], &s) == 0 && (int)s == i);
	}
	{
		enum track_state s = TRACK_FAILED;
		enum hypothesis_state h = HYPOTHESIS_TESTING;

		CHECK(track_state_parse("Active", &s) == -1 && s == TRACK_FAILED);
		CHECK(track_state_parse(NULL, &s) == -1);
		CHECK(hypothesis_state_parse("done", &h) == -1 && h == HYPOTHESIS_TESTING);
	}
	CHECK_STR(track_state_name(TRACK_STATE__MAX), "?");
	CHECK_STR(hypothesis_state_name(HYPOTHESIS_STATE__MAX), "?");
}

static void test_track_open(void)
{
	static const struct {
		int64_t timebox;
		enum doctrine_rule want;
	} rows[] = {
		{-5, DOCTRINE_TRACK_TIMEBOX}, {0, DOCTRINE_TRACK_TIMEBOX}, {1, DOCTRINE_OK},
		{15, DOCTRINE_OK}, {1440, DOCTRINE_OK}, {1441, DOCTRINE_TRACK_TIMEBOX},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct track t = {.id = 7, .goal = "Roll back", .deadline = 123};
		struct doctrine_verdict v;
		int rc = track_open(&t, rows[i].timebox, T0, &v);

		CHECK_VERDICT(v, rows[i].want);
		CHECK_INT(rc, rows[i].want == DOCTRINE_OK ? 0 : -1);
		CHECK_INT(t.id, 7);
		CHECK_STR(t.goal, "Roll back");
		if (rc != 0) {
			CHECK_INT(t.deadline, 123); /* untouched on refusal */
			continue;
		}
		CHECK_INT(t.state, TRACK_ACTIVE);
		CHECK_INT(t.deadline, T0 + rows[i].timebox * MIN);
		CHECK_INT(t.deadline, track_deadline(T0, rows[i].timebox));
		CHECK_INT(t.timebox_started_at, T0);
		CHECK_INT(t.escalated_at, TIME_NONE);
		CHECK_INT(t.ended_at, TIME_NONE);
		CHECK_INT(t.nextensions, 0);
	}
}

/* Every from × to pair. */
static void test_track_transitions(void)
{
	static const enum doctrine_rule want[TRACK_STATE__MAX][TRACK_STATE__MAX] = {
		/* to: active, succeeded, failed, abandoned */
		[TRACK_ACTIVE] = {DOCTRINE_OK, DOCTRINE_OK, DOCTRINE_OK, DOCTRINE_OK},
		[TRACK_SUCCEEDED] = {DOCTRINE_TRACK_NOT_ACTIVE, DOCTRINE_OK,
				     DOCTRINE_TRACK_NOT_ACTIVE, DOCTRINE_TRACK_NOT_ACTIVE},
		[TRACK_FAILED] = {DOCTRINE_TRACK_NOT_ACTIVE, DOCTRINE_TRACK_NOT_ACTIVE, DOCTRINE_OK,
				  DOCTRINE_TRACK_NOT_ACTIVE},
		[TRACK_ABANDONED] = {DOCTRINE_TRACK_NOT_ACTIVE, DOCTRINE_TRACK_NOT_ACTIVE,
				     DOCTRINE_TRACK_NOT_ACTIVE, DOCTRINE_OK},
	};

	for (int from = 0; from < TRACK_STATE__MAX; from++) {
		for (int to = 0; to < TRACK_STATE__MAX; to++) {
			struct track t;
			struct track before;
			struct doctrine_verdict v;
			int rc;

			REQUIRE(track_open(&t, 15, T0, NULL) == 0);
			if (from != TRACK_ACTIVE)
				REQUIRE(track_set_state(&t, (enum track_state)from, T0 + MIN, NULL) ==
					0);
			before = t;
			rc = track_set_state(&t, (enum track_state)to, T0 + 2 * MIN, &v);
			CHECK_VERDICT(v, want[from][to]);
			CHECK_INT(rc, want[from][to] == DOCTRINE_OK ? 0 : -1);
			if (rc != 0 || from == to) {
				CHECK(memcmp(&t, &before, sizeof(t)) == 0);
				continue;
			}
			CHECK_INT(t.state, to);
			CHECK_INT(t.ended_at, T0 + 2 * MIN);
		}
	}
}

static void test_track_extend_escalate(void)
{
	struct track t, before;
	struct doctrine_verdict v;

	REQUIRE(track_open(&t, 15, T0, NULL) == 0);
	/* Extending after expiry: the new timebox runs from now. */
	CHECK(track_extend(&t, 20, T0 + 17 * MIN, &v) == 0);
	CHECK_VERDICT(v, DOCTRINE_OK);
	CHECK_INT(t.deadline, T0 + 37 * MIN);
	CHECK_INT(t.timebox_minutes, 20);
	CHECK_INT(t.timebox_started_at, T0 + 17 * MIN);
	CHECK_INT(t.nextensions, 1);
	/* Extending early also counts from now, not from the old deadline. */
	CHECK(track_extend(&t, 5, T0 + 20 * MIN, &v) == 0);
	CHECK_INT(t.deadline, T0 + 25 * MIN);
	CHECK_INT(t.nextensions, 2);
	before = t;
	CHECK(track_extend(&t, 0, T0 + 21 * MIN, &v) == -1);
	CHECK_VERDICT(v, DOCTRINE_TRACK_TIMEBOX);
	CHECK(memcmp(&t, &before, sizeof(t)) == 0);
	CHECK(track_escalate(&t, T0 + 26 * MIN, &v) == 0);
	CHECK_VERDICT(v, DOCTRINE_OK);
	CHECK_INT(t.escalated_at, T0 + 26 * MIN);
	CHECK(track_escalate(&t, T0 + 27 * MIN, &v) == 0); /* repeatable: the latest counts */
	CHECK_INT(t.escalated_at, T0 + 27 * MIN);

	for (int s = TRACK_SUCCEEDED; s < TRACK_STATE__MAX; s++) {
		REQUIRE(track_open(&t, 15, T0, NULL) == 0);
		REQUIRE(track_set_state(&t, (enum track_state)s, T0 + MIN, NULL) == 0);
		before = t;
		CHECK(track_extend(&t, 15, T0 + 2 * MIN, &v) == -1);
		CHECK_VERDICT(v, DOCTRINE_TRACK_NOT_ACTIVE);
		CHECK(track_escalate(&t, T0 + 2 * MIN, &v) == -1);
		CHECK_VERDICT(v, DOCTRINE_TRACK_NOT_ACTIVE);
		CHECK(memcmp(&t, &before, sizeof(t)) == 0);
	}
	REQUIRE(track_open(&t, 15, T0, NULL) == 0);
	REQUIRE(track_set_state(&t, TRACK_SUCCEEDED, T0 + MIN, NULL) == 0);
	track_extend(&t, 15, T0 + 2 * MIN, &v);
	CHECK_STR(v.message, "the track has succeeded and cannot be extended: open a new track "
			     "instead (track.notActive)");
}

/* The fake clock walks through the deadline: just before, at, after. */
static void test_track_expiry(void)
{
	static const struct {
		int64_t at;
		bool expired;
	} walk[] = {
		{T0, false}, {T0 + 15 * MIN - MS, false}, {T0 + 15 * MIN, true},
		{T0 + 15 * MIN + MS, true}, {T0 + 3 * HOUR, true},
	};
	struct track t;

	REQUIRE(track_open(&t, 15, T0, NULL) == 0);
	for (size_t i = 0; i < NELEM(walk); i++) {
		CHECK_MSG(track_expired(&t, walk[i].at) == walk[i].expired, "step %zu", i);
		CHECK_MSG(track_needs_attention(&t, walk[i].at) == walk[i].expired, "step %zu", i);
	}
	/* Escalated after expiry: handled.  Escalated before: the expiry still counts. */
	t.escalated_at = T0 + 16 * MIN;
	CHECK(track_expired(&t, T0 + 17 * MIN));
	CHECK(!track_needs_attention(&t, T0 + 17 * MIN));
	t.escalated_at = T0 + 15 * MIN;
	CHECK(!track_needs_attention(&t, T0 + 17 * MIN));
	t.escalated_at = T0 + 14 * MIN;
	CHECK(track_needs_attention(&t, T0 + 17 * MIN));
	/* Extended: quiet until the new deadline, then it needs attention again even though
	 * an escalation happened under the old one. */
	REQUIRE(track_extend(&t, 10, T0 + 17 * MIN, NULL) == 0);
	CHECK(!track_needs_attention(&t, T0 + 27 * MIN - MS));
	CHECK(track_needs_attention(&t, T0 + 27 * MIN));
	/* A finished track never expires. */
	REQUIRE(track_set_state(&t, TRACK_FAILED, T0 + 30 * MIN, NULL) == 0);
	CHECK(!track_expired(&t, T0 + 5 * HOUR));
	CHECK(!track_needs_attention(&t, T0 + 5 * HOUR));
}

static void test_hypothesis_transitions(void)
{
	/* With evidence / without evidence, every from × to. */
	static const struct {
		enum hypothesis_state from, to;
		enum doctrine_rule with, without;
	} rows[] = {
		{HYPOTHESIS_PROPOSED, HYPOTHESIS_PROPOSED, DOCTRINE_OK, DOCTRINE_OK},
		{HYPOTHESIS_PROPOSED, HYPOTHESIS_TESTING, DOCTRINE_OK, DOCTRINE_OK},
		{HYPOTHESIS_PROPOSED, HYPOTHESIS_CONFIRMED, DOCTRINE_HYPOTHESIS_UNTESTED,
		 DOCTRINE_HYPOTHESIS_UNTESTED},
		{HYPOTHESIS_PROPOSED, HYPOTHESIS_REJECTED, DOCTRINE_OK, DOCTRINE_HYPOTHESIS_EVIDENCE},
		{HYPOTHESIS_TESTING, HYPOTHESIS_PROPOSED, DOCTRINE_HYPOTHESIS_BACKWARD,
		 DOCTRINE_HYPOTHESIS_BACKWARD},
		{HYPOTHESIS_TESTING, HYPOTHESIS_TESTING, DOCTRINE_OK, DOCTRINE_OK},
		{HYPOTHESIS_TESTING, HYPOTHESIS_CONFIRMED, DOCTRINE_OK, DOCTRINE_HYPOTHESIS_EVIDENCE},
		{HYPOTHESIS_TESTING, HYPOTHESIS_REJECTED, DOCTRINE_OK, DOCTRINE_HYPOTHESIS_EVIDENCE},
		{HYPOTHESIS_CONFIRMED, HYPOTHESIS_PROPOSED, DOCTRINE_HYPOTHESIS_TERMINAL,
		 DOCTRINE_HYPOTHESIS_TERMINAL},
		{HYPOTHESIS_CONFIRMED, HYPOTHESIS_TESTING, DOCTRINE_HYPOTHESIS_TERMINAL,
		 DOCTRINE_HYPOTHESIS_TERMINAL},
		{HYPOTHESIS_CONFIRMED, HYPOTHESIS_CONFIRMED, DOCTRINE_OK, DOCTRINE_OK},
		{HYPOTHESIS_CONFIRMED, HYPOTHESIS_REJECTED, DOCTRINE_HYPOTHESIS_TERMINAL,
		 DOCTRINE_HYPOTHESIS_TERMINAL},
		{HYPOTHESIS_REJECTED, HYPOTHESIS_PROPOSED, DOCTRINE_HYPOTHESIS_TERMINAL,
		 DOCTRINE_HYPOTHESIS_TERMINAL},
		{HYPOTHESIS_REJECTED, HYPOTHESIS_TESTING, DOCTRINE_HYPOTHESIS_TERMINAL,
		 DOCTRINE_HYPOTHESIS_TERMINAL},
		{HYPOTHESIS_REJECTED, HYPOTHESIS_CONFIRMED, DOCTRINE_HYPOTHESIS_TERMINAL,
		 DOCTRINE_HYPOTHESIS_TERMINAL},
		{HYPOTHESIS_REJECTED, HYPOTHESIS_REJECTED, DOCTRINE_OK, DOCTRINE_OK},
	};
	struct doctrine_verdict v;

	for (size_t i = 0; i < NELEM(rows); i++) {
		int rc = hypothesis_check_transition(rows[i].from, rows[i].to,
						     "p99 unchanged after the cache flush", &v);

		CHECK_MSG(v.rule == rows[i].with, "row %zu with evidence: %s", i, v.message);
		CHECK_VERDICT(v, rows[i].with);
		CHECK_INT(rc, rows[i].with == DOCTRINE_OK ? 0 : -1);
		rc = hypothesis_check_transition(rows[i].from, rows[i].to, i % 2 ? NULL : "  ", &v);
		CHECK_MSG(v.rule == rows[i].without, "row %zu without evidence: %s", i, v.message);
		CHECK_VERDICT(v, rows[i].without);
		CHECK_INT(rc, rows[i].without == DOCTRINE_OK ? 0 : -1);
	}
	hypothesis_check_transition(HYPOTHESIS_REJECTED, HYPOTHESIS_TESTING, "x", &v);
	CHECK_STR(v.message, "the hypothesis was rejected and stays so: record a new hypothesis "
			     "to test the idea again (hypothesis.terminal)");
	/* A NULL verdict is allowed everywhere. */
	CHECK(hypothesis_check_transition(HYPOTHESIS_TESTING, HYPOTHESIS_PROPOSED, "x", NULL) ==
	      -1);
}

/* An incident for the hand-off tables: MIM Dana, deputy Lee, SRE Sam, SME Ivo. */
static void handoff_fixture(struct incident *inc, enum severity sev)
{
	static char mim[] = "Dana Reyes", deputy[] = "Lee Park", sre[] = "Sam Ortiz",
		    sme[] = "Ivo Petrov";

	incident_fixture(inc, sev, PHASE_MITIGATION);
	inc->roles[ROLE_MIM] = mim;
	inc->roles[ROLE_DEPUTY] = deputy;
	inc->roles[ROLE_SRE] = sre;
	inc->roles[ROLE_SME] = sme;
}

static void test_handoff_offer(void)
{
	static const struct can_report brief = {"Command", "Dana Reyes", "Payments errors at 5%",
						"Rollback 80% done", "none"};
	static const struct can_report empty_brief = {"Command", "Dana Reyes", " ", "", NULL};
	static const struct {
		bool no_mim;
		const char *pending_to;
		const char *actor, *to;
		const struct can_report *brief;
		enum severity sev;
		enum doctrine_rule want;
	} rows[] = {
		{false, NULL, "Dana Reyes", "Lee Park", &brief, HIGH, DOCTRINE_OK},
		{false, NULL, " dana reyes ", "Kim Alvarez", &brief, CRIT, DOCTRINE_OK},
		{true, NULL, "Dana Reyes", "Lee Park", &brief, HIGH, DOCTRINE_HANDOFF_NO_MIM},
		{false, NULL, "Lee Park", "Kim Alvarez", &brief, HIGH, DOCTRINE_HANDOFF_NOT_MIM},
		{false, NULL, NULL, "Kim Alvarez", &brief, HIGH, DOCTRINE_HANDOFF_NOT_MIM},
		{false, "Lee Park", "Dana Reyes", "Kim Alvarez", &brief, HIGH,
		 DOCTRINE_HANDOFF_PENDING},
		{false, "Lee Park", "Dana Reyes", "Lee Park", &brief, HIGH, DOCTRINE_HANDOFF_PENDING},
		{false, NULL, "Dana Reyes", "  ", &brief, HIGH, DOCTRINE_HANDOFF_NO_TARGET},
		{false, NULL, "Dana Reyes", "DANA REYES", &brief, HIGH, DOCTRINE_HANDOFF_SELF},
		{false, NULL, "Dana Reyes", "Lee Park", NULL, HIGH, DOCTRINE_HANDOFF_NO_BRIEF},
		{false, NULL, "Dana Reyes", "Lee Park", &empty_brief, HIGH, DOCTRINE_HANDOFF_NO_BRIEF},
		/* the SRE / SME may never be MIM: release that role first */
		{false, NULL, "Dana Reyes", "Sam Ortiz", &brief, HIGH, DOCTRINE_ROLE_NEVER},
		{false, NULL, "Dana Reyes", "Ivo Petrov", &brief, LOW, DOCTRINE_ROLE_NEVER},
		/* the deputy steps up at any severity (deputy is vacated on accept) */
		{false, NULL, "Dana Reyes", "Lee Park", &brief, CRIT, DOCTRINE_OK},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct incident inc;
		struct handoff_offer pending = {"Dana Reyes", rows[i].pending_to, T0};
		struct doctrine_verdict v;
		int rc;

		handoff_fixture(&inc, rows[i].sev);
		if (rows[i].no_mim)
			inc.roles[ROLE_MIM] = NULL;
		rc = handoff_check_offer(&inc, &pending, rows[i].actor, rows[i].to, rows[i].brief,
					 &v);
		CHECK_MSG(v.rule == rows[i].want, "row %zu: %s", i, v.message);
		CHECK_VERDICT(v, rows[i].want);
		CHECK_INT(rc, rows[i].want == DOCTRINE_OK ? 0 : -1);
	}
	{
		struct incident inc;
		struct doctrine_verdict v;

		handoff_fixture(&inc, HIGH);
		CHECK(handoff_check_offer(&inc, NULL, "Dana Reyes", "Kim Alvarez", &brief, &v) == 0);
		CHECK(!handoff_pending(NULL));
		handoff_check_offer(&inc, NULL, "Dana Reyes", "Sam Ortiz", &brief, &v);
		CHECK_STR(v.message, "the MIM may never also be the SRE: the MIM commands and never "
				     "fixes (roles.neverCombine)");
	}
}

static void test_handoff_accept_withdraw(void)
{
	static const struct {
		const char *from, *to; /* the pending offer; to NULL: none */
		const char *actor;
		const char *authority;
		enum doctrine_rule want;
		bool vacate_deputy, authority_to_mim;
	} rows[] = {
		{"Dana Reyes", "Kim Alvarez", "Kim Alvarez", NULL, DOCTRINE_OK, false, false},
		{"Dana Reyes", "Lee Park", "lee park", NULL, DOCTRINE_OK, true, false},
		/* authority follows the MIM when one of the two MIMs holds it by name */
		{"Dana Reyes", "Kim Alvarez", "Kim Alvarez", "Dana Reyes", DOCTRINE_OK, false, true},
		{"Dana Reyes", "Kim Alvarez", "Kim Alvarez", "Kim Alvarez", DOCTRINE_OK, false, true},
		/* given to an SME hands-on: it stays there */
		{"Dana Reyes", "Kim Alvarez", "Kim Alvarez", "Ivo Petrov", DOCTRINE_OK, false, false},
		{"Dana Reyes", NULL, "Kim Alvarez", NULL, DOCTRINE_HANDOFF_NO_OFFER, false, false},
		{"Dana Reyes", "", "Kim Alvarez", NULL, DOCTRINE_HANDOFF_NO_OFFER, false, false},
		{"Dana Reyes", "Kim Alvarez", "Lee Park", NULL, DOCTRINE_HANDOFF_NOT_OFFERED, false,
		 false},
		{"Dana Reyes", "Kim Alvarez", NULL, NULL, DOCTRINE_HANDOFF_NOT_OFFERED, false, false},
		{"Pat Quinn", "Kim Alvarez", "Kim Alvarez", NULL, DOCTRINE_HANDOFF_STALE, false,
		 false},
		/* the SRE was offered command, then took the SRE role too: refused on accept */
		{"Dana Reyes", "Sam Ortiz", "Sam Ortiz", NULL, DOCTRINE_ROLE_NEVER, false, false},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct incident inc;
		struct handoff_offer pending = {rows[i].from, rows[i].to, T0};
		struct handoff_outcome out = {true, true};
		struct doctrine_verdict v;
		char authority[32];
		int rc;

		handoff_fixture(&inc, CRIT);
		if (rows[i].authority != NULL) {
			str_copy(authority, rows[i].authority, sizeof(authority));
			inc.information_authority = authority;
		}
		rc = handoff_check_accept(&inc, &pending, rows[i].actor, &out, &v);
		CHECK_MSG(v.rule == rows[i].want, "row %zu: %s", i, v.message);
		CHECK_VERDICT(v, rows[i].want);
		CHECK_INT(rc, rows[i].want == DOCTRINE_OK ? 0 : -1);
		if (rc == 0) {
			CHECK_MSG(out.vacate_deputy == rows[i].vacate_deputy, "row %zu", i);
			CHECK_MSG(out.authority_to_mim == rows[i].authority_to_mim, "row %zu", i);
		}
	}

	{
		static const struct {
			const char *to, *actor;
			enum doctrine_rule want;
		} wrows[] = {
			{"Kim Alvarez", "Dana Reyes", DOCTRINE_OK},  /* the offering MIM withdraws */
			{"Kim Alvarez", "kim alvarez", DOCTRINE_OK}, /* the person offered declines */
			{"Kim Alvarez", "Lee Park", DOCTRINE_HANDOFF_NOT_PARTY},
			{"Kim Alvarez", NULL, DOCTRINE_HANDOFF_NOT_PARTY},
			{NULL, "Dana Reyes", DOCTRINE_HANDOFF_NO_OFFER},
		};

		for (size_t i = 0; i < NELEM(wrows); i++) {
			struct incident inc;
			struct handoff_offer pending = {"Dana Reyes", wrows[i].to, T0};
			struct doctrine_verdict v;
			int rc;

			handoff_fixture(&inc, HIGH);
			rc = handoff_check_withdraw(&inc, &pending, wrows[i].actor, &v);
			CHECK_VERDICT(v, wrows[i].want);
			CHECK_INT(rc, wrows[i].want == DOCTRINE_OK ? 0 : -1);
		}
	}
}

static void test_handoff_mim_assignment(void)
{
	static const struct {
		bool mim_present;
		const char *person;
		enum doctrine_rule want;
	} rows[] = {
		{false, "Kim Alvarez", DOCTRINE_OK},          /* filling a vacancy */
		{true, "", DOCTRINE_OK},                      /* vacating */
		{true, NULL, DOCTRINE_OK},
		{true, " DANA reyes", DOCTRINE_OK},           /* the same person again */
		{true, "Kim Alvarez", DOCTRINE_HANDOFF_REQUIRED}, /* a second MIM: never */
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct incident inc;
		struct doctrine_verdict v;

		handoff_fixture(&inc, HIGH);
		if (!rows[i].mim_present)
			inc.roles[ROLE_MIM] = NULL;
		CHECK_INT(handoff_check_mim_assignment(&inc, rows[i].person, &v),
			  rows[i].want == DOCTRINE_OK ? 0 : -1);
		CHECK_VERDICT(v, rows[i].want);
	}
	{
		struct incident inc;
		struct doctrine_verdict v;

		handoff_fixture(&inc, HIGH);
		handoff_check_mim_assignment(&inc, "Kim Alvarez", &v);
		CHECK_STR(v.message, "Dana Reyes is the MIM: command changes hands only by hand-off "
				     "(Dana Reyes offers it with a CAN brief, Kim Alvarez accepts) "
				     "(handoff.required)");
	}
}

static void test_authority(void)
{
	static const struct {
		bool mim_present;
		const char *authority; /* current informationAuthority */
		const char *actor, *to; /* to NULL: a return */
		enum doctrine_rule want;
	} rows[] = {
		/* give */
		{true, NULL, "Dana Reyes", "Ivo Petrov", DOCTRINE_OK},
		{true, "Ivo Petrov", "Dana Reyes", "Sam Ortiz", DOCTRINE_OK}, /* MIM moves it */
		{true, "Ivo Petrov", "Dana Reyes", "Dana Reyes", DOCTRINE_OK}, /* = a return */
		{false, NULL, "Dana Reyes", "Ivo Petrov", DOCTRINE_AUTHORITY_NO_MIM},
		{true, NULL, "Ivo Petrov", "Sam Ortiz", DOCTRINE_AUTHORITY_NOT_MIM},
		{true, "Ivo Petrov", "Ivo Petrov", "Sam Ortiz", DOCTRINE_AUTHORITY_NOT_MIM},
		{true, NULL, "Dana Reyes", " ", DOCTRINE_AUTHORITY_NO_TARGET},
		{true, NULL, "Dana Reyes", "dana reyes", DOCTRINE_AUTHORITY_ALREADY},
		{true, "Ivo Petrov", "Dana Reyes", "Ivo Petrov", DOCTRINE_AUTHORITY_ALREADY},
		/* return */
		{true, "Ivo Petrov", "Ivo Petrov", NULL, DOCTRINE_OK},
		{true, "Ivo Petrov", "Dana Reyes", NULL, DOCTRINE_OK},
		{false, "Ivo Petrov", "Ivo Petrov", NULL, DOCTRINE_OK}, /* to the vacant MIM role */
		{true, "Ivo Petrov", "Sam Ortiz", NULL, DOCTRINE_AUTHORITY_NOT_HOLDER},
		{true, NULL, "Dana Reyes", NULL, DOCTRINE_AUTHORITY_NOT_GIVEN},
		{true, "Dana Reyes", "Dana Reyes", NULL, DOCTRINE_AUTHORITY_NOT_GIVEN},
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct incident inc;
		struct doctrine_verdict v;
		char authority[32];
		int rc;

		handoff_fixture(&inc, HIGH);
		if (!rows[i].mim_present)
			inc.roles[ROLE_MIM] = NULL;
		if (rows[i].authority != NULL) {
			str_copy(authority, rows[i].authority, sizeof(authority));
			inc.information_authority = authority;
		}
		rc = rows[i].to != NULL
			     ? authority_check_give(&inc, rows[i].actor, rows[i].to, &v)
			     : authority_check_return(&inc, rows[i].actor, &v);
		CHECK_MSG(v.rule == rows[i].want, "row %zu: %s", i, v.message);
		CHECK_VERDICT(v, rows[i].want);
		CHECK_INT(rc, rows[i].want == DOCTRINE_OK ? 0 : -1);
	}
	{
		struct incident inc;
		char sme[] = "Ivo Petrov";

		handoff_fixture(&inc, HIGH);
		CHECK_STR(authority_holder(&inc), "Dana Reyes");
		inc.information_authority = sme;
		CHECK_STR(authority_holder(&inc), "Ivo Petrov");
		inc.information_authority = NULL;
		inc.roles[ROLE_MIM] = NULL;
		CHECK(authority_holder(&inc) == NULL);
	}
}

UNIT_SUITE(tracks_suite) = {
	{"track_names", test_track_names},
	{"track_open", test_track_open},
	{"track_transitions", test_track_transitions},
	{"track_extend_escalate", test_track_extend_escalate},
	{"track_expiry", test_track_expiry},
	{"hypothesis_transitions", test_hypothesis_transitions},
	{"handoff_offer", test_handoff_offer},
	{"handoff_accept_withdraw", test_handoff_accept_withdraw},
	{"handoff_mim_assignment", test_handoff_mim_assignment},
	{"authority", test_authority},
	UNIT_END
};

/* ===================================================================================== */
/* guardrails                                                                             */
/* ===================================================================================== */

static void snapshot_fixture(struct guardrail_snapshot *s, const struct incident *inc)
{
	memset(s, 0, sizeof(*s));
	s->inc = inc;
}

static const struct guardrail_nudge *nudge_find(const struct guardrail_nudges *n,
						enum guardrail_rule rule, const char *subject)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->nudges[i].rule == rule && strcmp(n->nudges[i].subject, subject) == 0)
			return &n->nudges[i];
	return NULL;
}

/*
 * The fake clock walks through a threshold: absent 1 ms before `fires_at`, present at it
 * and after it with `since`.  `until` (when not TIME_NONE) is when it goes away again.
 */
#define WALK(cfg, snap, rule, subject, fires_at, since, until) \
	walk_check(cfg, snap, rule, subject, fires_at, since, until, __FILE__, __LINE__)

static void walk_check(const struct guardrail_config *cfg, const struct guardrail_snapshot *snap,
		       enum guardrail_rule rule, const char *subject, int64_t fires_at,
		       int64_t since, int64_t until, const char *file, int line)
{
	const int64_t steps[] = {fires_at - MS, fires_at, fires_at + MS, fires_at + 7 * MIN};
	struct guardrail_nudges out;

	for (size_t i = 0; i < NELEM(steps); i++) {
		const struct guardrail_nudge *n;
		bool want = i > 0 && (until == TIME_NONE || steps[i] < until);

		guardrails_evaluate(cfg, snap, steps[i], &out);
		n = nudge_find(&out, rule, subject);
		if ((n != NULL) != want) {
			unit_fail(file, line, "%s \"%s\" at fires_at%+lld ms: %s, want %s",
				  guardrail_rule_name(rule), subject,
				  (long long)(steps[i] - fires_at), n ? "present" : "absent",
				  want ? "present" : "absent");
			continue;
		}
		if (n != NULL && n->since != since)
			unit_fail(file, line, "%s since %+lld ms from T0, want %+lld",
				  guardrail_rule_name(rule), (long long)(n->since - T0),
				  (long long)(since - T0));
		if (n != NULL && (n->message[0] == '\0' ||
				  n->severity >= GUARDRAIL_SEVERITY__MAX))
			unit_fail(file, line, "%s has no message or a bad severity",
				  guardrail_rule_name(rule));
	}
	if (until != TIME_NONE) {
		guardrails_evaluate(cfg, snap, until, &out);
		if (nudge_find(&out, rule, subject) != NULL)
			unit_fail(file, line, "%s still present at its end",
				  guardrail_rule_name(rule));
	}
}

static void test_guardrail_names(void)
{
	static const char *const names[GUARDRAIL_RULE__MAX] = {
		"guardrail.noMim", "guardrail.noCan", "guardrail.noMilestone",
		"guardrail.cadenceOverdue", "guardrail.gatherLong", "guardrail.trackExpired",
		"guardrail.staffing", "guardrail.resolutionTime", "guardrail.regulatoryClock",
		"guardrail.validationShort", "guardrail.noAfterAction",
	};

	for (int r = 0; r < GUARDRAIL_RULE__MAX; r++)
		CHECK_STR(guardrail_rule_name((enum guardrail_rule)r), names[r]);
	CHECK_STR(guardrail_rule_name(GUARDRAIL_RULE__MAX), "?");
	CHECK_STR(guardrail_severity_name(GUARDRAIL_INFO), "info");
	CHECK_STR(guardrail_severity_name(GUARDRAIL_WARNING), "warning");
	CHECK_STR(guardrail_severity_name(GUARDRAIL_CRITICAL), "critical");
	CHECK_STR(guardrail_severity_name(GUARDRAIL_SEVERITY__MAX), "?");
	CHECK_INT(regulatory_gdpr_deadline(T0), T0 + 72 * HOUR);
}

/* The SPEC's values per alarm level (Box 0..3). */
static void test_guardrail_defaults(void)
{
	struct guardrail_config cfg;

	guardrail_config_default(&cfg);
	for (int level = 0; level < GUARDRAIL_LEVELS; level++) {
		const struct guardrail_thresholds *th = &cfg.level[level];

		CHECK_INT(th->no_mim, 5 * MIN);
		CHECK_INT(th->no_can, 10 * MIN);
		CHECK_INT(th->no_milestone, 20 * MIN);
		CHECK_INT(th->gather, 10 * MIN);
		CHECK_INT(th->staffing, 10 * MIN);
		CHECK_INT(th->regulatory, 24 * HOUR);
		CHECK_INT(th->resolution, level == 3 ? 2 * HOUR : GUARDRAIL_OFF);
		CHECK_INT(th->validation, level >= 2 ? 10 * MIN : GUARDRAIL_OFF);
		CHECK(th->cadence && th->tracks);
	}
}

static void test_guardrail_no_mim(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;

	incident_fixture(&inc, CRIT, PHASE_ALERT);
	snapshot_fixture(&s, &inc);
	WALK(NULL, &s, GUARDRAIL_NO_MIM, "", T0 + 5 * MIN, T0 + 5 * MIN, TIME_NONE);
	/* The MIM left at minute 30: a vacancy counts from then. */
	s.mim_vacant_since = T0 + 30 * MIN;
	WALK(NULL, &s, GUARDRAIL_NO_MIM, "", T0 + 30 * MIN, T0 + 30 * MIN, TIME_NONE);
	/* A vacancy in the first minutes still waits for the threshold. */
	s.mim_vacant_since = T0 + 2 * MIN;
	WALK(NULL, &s, GUARDRAIL_NO_MIM, "", T0 + 5 * MIN, T0 + 5 * MIN, TIME_NONE);
	incident_staff_six(&inc);
	guardrails_evaluate(NULL, &s, T0 + HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_NO_MIM, "") == NULL);
}

static void test_guardrail_no_can_no_milestone(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;

	incident_fixture(&inc, HIGH, PHASE_GATHER);
	snapshot_fixture(&s, &inc);
	WALK(NULL, &s, GUARDRAIL_NO_CAN, "", T0 + 10 * MIN, T0 + 10 * MIN, TIME_NONE);
	WALK(NULL, &s, GUARDRAIL_NO_MILESTONE, "", T0 + 20 * MIN, T0 + 20 * MIN, TIME_NONE);
	s.first_can_at = T0 + 12 * MIN;
	s.first_milestone_at = T0 + 25 * MIN;
	guardrails_evaluate(NULL, &s, T0 + HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_NO_CAN, "") == NULL);
	CHECK(nudge_find(&out, GUARDRAIL_NO_MILESTONE, "") == NULL);
}

static void test_guardrail_cadence(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;
	const struct guardrail_nudge *n;

	incident_fixture(&inc, CRIT, PHASE_MITIGATION);
	snapshot_fixture(&s, &inc);
	/* Public promised 09:45 (T0+30); internal published T0+20 with no ETA: the default
	 * 60 minutes.  doctrine_cadence calls a deadline overdue only once it has passed, so
	 * the walk starts 1 ms after it. */
	s.cadence[AUDIENCE_PUBLIC] = (struct cadence_input){true, T0 + 10 * MIN, T0 + 30 * MIN,
							    false};
	s.cadence[AUDIENCE_INTERNAL] = (struct cadence_input){true, T0 + 20 * MIN, TIME_NONE,
							      false};
	WALK(NULL, &s, GUARDRAIL_CADENCE_OVERDUE, "public", T0 + 30 * MIN + MS, T0 + 30 * MIN,
	     TIME_NONE);
	WALK(NULL, &s, GUARDRAIL_CADENCE_OVERDUE, "internal", T0 + 80 * MIN + MS, T0 + 80 * MIN,
	     TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + 31 * MIN, &out);
	n = nudge_find(&out, GUARDRAIL_CADENCE_OVERDUE, "public");
	REQUIRE(n != NULL);
	CHECK_INT(n->severity, GUARDRAIL_WARNING);
	CHECK_STR(n->message, "The public update promised for 09:45 UTC is overdue: publish now, "
			      "even a holding milestone (\"next update in 15 minutes\").");
	/* A resolution update owes nothing. */
	s.cadence[AUDIENCE_PUBLIC].last_was_resolution = true;
	guardrails_evaluate(NULL, &s, T0 + 2 * HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_CADENCE_OVERDUE, "public") == NULL);
	CHECK(nudge_find(&out, GUARDRAIL_CADENCE_OVERDUE, "internal") != NULL);
}

static void test_guardrail_gather(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;

	incident_fixture(&inc, MED, PHASE_GATHER);
	inc.phase_entered_at[PHASE_GATHER] = T0 + 3 * MIN;
	snapshot_fixture(&s, &inc);
	WALK(NULL, &s, GUARDRAIL_GATHER_LONG, "", T0 + 13 * MIN, T0 + 13 * MIN, TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + 13 * MIN, &out);
	CHECK_INT(nudge_find(&out, GUARDRAIL_GATHER_LONG, "")->severity, GUARDRAIL_INFO);
	/* Advancing to Assess ends it. */
	inc.phase = PHASE_ASSESS;
	inc.phase_entered_at[PHASE_ASSESS] = T0 + 20 * MIN;
	guardrails_evaluate(NULL, &s, T0 + 25 * MIN, &out);
	CHECK(nudge_find(&out, GUARDRAIL_GATHER_LONG, "") == NULL);
}

static void test_guardrail_tracks(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;
	struct track tracks[3] = {
		{.id = 7, .owner = "Sam Ortiz", .team = "Payments", .goal = "Roll back payments-gw"},
		{.id = 12, .owner = "Ivo Petrov", .team = "Database", .goal = "Fail over primary"},
		{.id = 3, .owner = NULL, .team = NULL, .goal = NULL},
	};

	incident_fixture(&inc, CRIT, PHASE_MITIGATION);
	snapshot_fixture(&s, &inc);
	REQUIRE(track_open(&tracks[0], 15, T0 + 30 * MIN, NULL) == 0);
	REQUIRE(track_open(&tracks[1], 30, T0 + 30 * MIN, NULL) == 0);
	REQUIRE(track_open(&tracks[2], 10, T0 + 30 * MIN, NULL) == 0);
	REQUIRE(track_set_state(&tracks[2], TRACK_SUCCEEDED, T0 + 35 * MIN, NULL) == 0);
	s.tracks = tracks;
	s.ntracks = NELEM(tracks);
	WALK(NULL, &s, GUARDRAIL_TRACK_EXPIRED, "track 7", T0 + 45 * MIN, T0 + 45 * MIN,
	     TIME_NONE);
	WALK(NULL, &s, GUARDRAIL_TRACK_EXPIRED, "track 12", T0 + 60 * MIN, T0 + 60 * MIN,
	     TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + 50 * MIN, &out);
	CHECK(nudge_find(&out, GUARDRAIL_TRACK_EXPIRED, "track 3") == NULL);
	CHECK_STR(nudge_find(&out, GUARDRAIL_TRACK_EXPIRED, "track 7")->message,
		  "Track \"Roll back payments-gw\" (Sam Ortiz) ran out of its 15-minute timebox at "
		  "10:00 UTC: extend it with a new timebox or escalate.");
	/* Escalated: handled.  Extended: quiet until the new deadline. */
	REQUIRE(track_escalate(&tracks[0], T0 + 47 * MIN, NULL) == 0);
	guardrails_evaluate(NULL, &s, T0 + 50 * MIN, &out);
	CHECK(nudge_find(&out, GUARDRAIL_TRACK_EXPIRED, "track 7") == NULL);
	REQUIRE(track_extend(&tracks[0], 10, T0 + 50 * MIN, NULL) == 0);
	WALK(NULL, &s, GUARDRAIL_TRACK_EXPIRED, "track 7", T0 + 60 * MIN, T0 + 60 * MIN,
	     TIME_NONE);
}

static void test_guardrail_staffing(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;
	char shared[] = "Priya Nair";

	incident_fixture(&inc, CRIT, PHASE_ASSESS);
	snapshot_fixture(&s, &inc);
	WALK(NULL, &s, GUARDRAIL_STAFFING, "", T0 + 10 * MIN, T0 + 10 * MIN, TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + 10 * MIN, &out);
	CHECK_STR(nudge_find(&out, GUARDRAIL_STAFFING, "")->message,
		  "Staffing is below the minimum for critical (Box 3): vacant: MIM, deputy, "
		  "scribe, SRE, customer ops lead, internal liaison. Page more responders or "
		  "escalate to mobilise them.");
	incident_staff_six(&inc);
	guardrails_evaluate(NULL, &s, T0 + HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_STAFFING, "") == NULL);
	/* At critical customer ops and internal liaison must be two people. */
	inc.roles[ROLE_INTERNAL_LIAISON] = shared;
	s.staffing_short_since = T0 + 40 * MIN;
	WALK(NULL, &s, GUARDRAIL_STAFFING, "", T0 + 40 * MIN, T0 + 40 * MIN, TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + HOUR, &out);
	CHECK_STR(nudge_find(&out, GUARDRAIL_STAFFING, "")->message,
		  "Staffing is below the minimum for critical (Box 3): shared: internal liaison "
		  "with customer ops lead. Page more responders or escalate to mobilise them.");
	/* At high that pair may share. */
	inc.severity = HIGH;
	guardrails_evaluate(NULL, &s, T0 + HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_STAFFING, "") == NULL);
}

static void test_guardrail_resolution_time(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;
	char leader[] = "Morgan Lee";

	incident_fixture(&inc, CRIT, PHASE_MITIGATION);
	inc.started_at = T0 - 30 * MIN; /* the problem began before anyone opened it */
	inc.alert_fired_at = T0 - 10 * MIN;
	snapshot_fixture(&s, &inc);
	WALK(NULL, &s, GUARDRAIL_RESOLUTION_TIME, "", T0 + 90 * MIN, T0 + 90 * MIN, TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + 90 * MIN, &out);
	CHECK_INT(nudge_find(&out, GUARDRAIL_RESOLUTION_TIME, "")->severity, GUARDRAIL_CRITICAL);
	CHECK_STR(nudge_find(&out, GUARDRAIL_RESOLUTION_TIME, "")->message,
		  "Impact has lasted over 120 min: escalate to the leader for resources and "
		  "decisions; the leader role is vacant, so name one.");
	inc.roles[ROLE_LEADER] = leader;
	guardrails_evaluate(NULL, &s, T0 + 90 * MIN, &out);
	CHECK_STR(nudge_find(&out, GUARDRAIL_RESOLUTION_TIME, "")->message,
		  "Impact has lasted over 120 min: escalate to the leader (Morgan Lee) for "
		  "resources and decisions.");
	/* The impact clock falls back to alertFiredAt, then openedAt. */
	inc.started_at = TIME_NONE;
	WALK(NULL, &s, GUARDRAIL_RESOLUTION_TIME, "", T0 + 110 * MIN, T0 + 110 * MIN, TIME_NONE);
	inc.alert_fired_at = TIME_NONE;
	WALK(NULL, &s, GUARDRAIL_RESOLUTION_TIME, "", T0 + 120 * MIN, T0 + 120 * MIN, TIME_NONE);
	/* Only critical by default. */
	inc.severity = HIGH;
	guardrails_evaluate(NULL, &s, T0 + 10 * HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_RESOLUTION_TIME, "") == NULL);
}

static void test_guardrail_regulatory(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;
	struct regulatory_clock clocks[2] = {
		{"GDPR breach notification", 0, false},
		{"Regulator notice", 0, true},
	};
	const struct guardrail_nudge *n;

	incident_fixture(&inc, CRIT, PHASE_ASSESS);
	inc.security = true;
	inc.existential = true;
	clocks[0].deadline = regulatory_gdpr_deadline(T0);
	clocks[1].deadline = T0 + HOUR;
	snapshot_fixture(&s, &inc);
	s.clocks = clocks;
	s.nclocks = NELEM(clocks);
	WALK(NULL, &s, GUARDRAIL_REGULATORY_CLOCK, "GDPR breach notification", T0 + 48 * HOUR,
	     T0 + 48 * HOUR, TIME_NONE);
	guardrails_evaluate(NULL, &s, T0 + 48 * HOUR, &out);
	n = nudge_find(&out, GUARDRAIL_REGULATORY_CLOCK, "GDPR breach notification");
	REQUIRE(n != NULL);
	CHECK_INT(n->severity, GUARDRAIL_CRITICAL);
	CHECK_STR(n->message, "GDPR breach notification is due 2026-05-23 09:15 UTC, less than "
			      "24 h away: confirm who files it and when.");
	CHECK(nudge_find(&out, GUARDRAIL_REGULATORY_CLOCK, "Regulator notice") == NULL);
	guardrails_evaluate(NULL, &s, T0 + 73 * HOUR, &out);
	n = nudge_find(&out, GUARDRAIL_REGULATORY_CLOCK, "GDPR breach notification");
	REQUIRE(n != NULL);
	CHECK_INT(n->since, T0 + 48 * HOUR);
	CHECK_STR(n->message, "GDPR breach notification was due 2026-05-23 09:15 UTC and is not "
			      "recorded as met: escalate to legal now.");
	/* It outlives resolution; meeting it stops it. */
	inc.phase = PHASE_RESOLUTION;
	inc.status = STATUS_RESOLVED;
	inc.resolved_at = T0 + 5 * HOUR;
	inc.after_action_at = T0 + 24 * HOUR; /* scheduled: guardrail.noAfterAction stays quiet */
	guardrails_evaluate(NULL, &s, T0 + 50 * HOUR, &out);
	CHECK(nudge_find(&out, GUARDRAIL_REGULATORY_CLOCK, "GDPR breach notification") != NULL);
	clocks[0].met = true;
	guardrails_evaluate(NULL, &s, T0 + 50 * HOUR, &out);
	CHECK_INT(out.n, 0);
}

static void test_guardrail_validation(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;

	incident_fixture(&inc, HIGH, PHASE_VALIDATION);
	inc.phase_entered_at[PHASE_VALIDATION] = T0 + 60 * MIN;
	snapshot_fixture(&s, &inc);
	/* Resolution attempted after 4 minutes: flagged until validation reaches 10. */
	s.resolution_attempted_at = T0 + 64 * MIN;
	WALK(NULL, &s, GUARDRAIL_VALIDATION_SHORT, "", T0 + 64 * MIN, T0 + 64 * MIN,
	     T0 + 70 * MIN);
	guardrails_evaluate(NULL, &s, T0 + 65 * MIN, &out);
	CHECK_STR(nudge_find(&out, GUARDRAIL_VALIDATION_SHORT, "")->message,
		  "Resolution was attempted after 4 min of validation; the 10-minute rule asks "
		  "for clean validation until 10:25 UTC. Premature closure and a reopen cost more "
		  "trust than waiting.");
	/* Overridden into Resolution: the flag outlives resolution, same window. */
	inc.phase = PHASE_RESOLUTION;
	inc.phase_entered_at[PHASE_RESOLUTION] = T0 + 64 * MIN;
	inc.status = STATUS_RESOLVED;
	inc.resolved_at = T0 + 64 * MIN;
	WALK(NULL, &s, GUARDRAIL_VALIDATION_SHORT, "", T0 + 64 * MIN, T0 + 64 * MIN,
	     T0 + 70 * MIN);
	/* Validation skipped entirely (6 → 8): zero minutes, the window runs from the attempt. */
	inc.phase_entered_at[PHASE_VALIDATION] = TIME_NONE;
	WALK(NULL, &s, GUARDRAIL_VALIDATION_SHORT, "", T0 + 64 * MIN, T0 + 64 * MIN,
	     T0 + 74 * MIN);
	/* An attempt after ten clean minutes is no finding. */
	incident_fixture(&inc, CRIT, PHASE_VALIDATION);
	inc.phase_entered_at[PHASE_VALIDATION] = T0 + 60 * MIN;
	s.resolution_attempted_at = T0 + 70 * MIN;
	guardrails_evaluate(NULL, &s, T0 + 70 * MIN, &out);
	CHECK(nudge_find(&out, GUARDRAIL_VALIDATION_SHORT, "") == NULL);
	/* Off below high; stale after a reopen back to Assess. */
	inc.severity = MED;
	s.resolution_attempted_at = T0 + 61 * MIN;
	guardrails_evaluate(NULL, &s, T0 + 62 * MIN, &out);
	CHECK(nudge_find(&out, GUARDRAIL_VALIDATION_SHORT, "") == NULL);
	inc.severity = CRIT;
	inc.phase = PHASE_ASSESS;
	guardrails_evaluate(NULL, &s, T0 + 62 * MIN, &out);
	CHECK(nudge_find(&out, GUARDRAIL_VALIDATION_SHORT, "") == NULL);
}

/* Thresholds per alarm level: a low incident and a critical one read different rows. */
static void test_guardrail_levels(void)
{
	static const struct {
		enum severity sev;
		int64_t fires_at;
	} rows[] = {
		{LOW, T0 + 30 * MIN}, {MED, T0 + 15 * MIN}, {HIGH, T0 + 5 * MIN},
		{CRIT, T0 + 2 * MIN},
	};
	struct guardrail_config cfg;
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;

	guardrail_config_default(&cfg);
	cfg.level[0].no_mim = 30 * MIN;
	cfg.level[1].no_mim = 15 * MIN;
	cfg.level[3].no_mim = 2 * MIN;
	for (size_t i = 0; i < NELEM(rows); i++) {
		incident_fixture(&inc, rows[i].sev, PHASE_ALERT);
		snapshot_fixture(&s, &inc);
		WALK(&cfg, &s, GUARDRAIL_NO_MIM, "", rows[i].fires_at, rows[i].fires_at, TIME_NONE);
	}
	/* GUARDRAIL_OFF and false switch rules off at one level only. */
	cfg.level[3].no_can = GUARDRAIL_OFF;
	cfg.level[3].tracks = false;
	incident_fixture(&inc, CRIT, PHASE_GATHER);
	snapshot_fixture(&s, &inc);
	{
		struct track t = {.id = 1};

		REQUIRE(track_open(&t, 5, T0, NULL) == 0);
		s.tracks = &t;
		s.ntracks = 1;
		guardrails_evaluate(&cfg, &s, T0 + HOUR, &out);
		CHECK(nudge_find(&out, GUARDRAIL_NO_CAN, "") == NULL);
		CHECK(nudge_find(&out, GUARDRAIL_TRACK_EXPIRED, "track 1") == NULL);
		inc.severity = HIGH;
		guardrails_evaluate(&cfg, &s, T0 + HOUR, &out);
		CHECK(nudge_find(&out, GUARDRAIL_NO_CAN, "") != NULL);
		CHECK(nudge_find(&out, GUARDRAIL_TRACK_EXPIRED, "track 1") != NULL);
	}
}

/* Everything at once: the order is rule, then since, then subject, and it is stable. */
static void test_guardrail_order(void)
{
	static const enum guardrail_rule want[] = {
		GUARDRAIL_NO_MIM, GUARDRAIL_NO_CAN, GUARDRAIL_NO_MILESTONE,
		GUARDRAIL_CADENCE_OVERDUE, GUARDRAIL_CADENCE_OVERDUE, GUARDRAIL_GATHER_LONG,
		GUARDRAIL_TRACK_EXPIRED, GUARDRAIL_TRACK_EXPIRED, GUARDRAIL_STAFFING,
		GUARDRAIL_RESOLUTION_TIME, GUARDRAIL_REGULATORY_CLOCK,
	};
	static const char *const subjects[] = {
		"", "", "", "exec", "public", "", "track 9", "track 2", "", "", "GDPR",
	};
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out, again;
	struct track tracks[2] = {{.id = 2, .goal = "b"}, {.id = 9, .goal = "a"}};
	struct regulatory_clock clock = {"GDPR", 0, false};

	incident_fixture(&inc, CRIT, PHASE_GATHER);
	snapshot_fixture(&s, &inc);
	REQUIRE(track_open(&tracks[0], 20, T0, NULL) == 0);
	REQUIRE(track_open(&tracks[1], 10, T0, NULL) == 0);
	s.tracks = tracks;
	s.ntracks = 2;
	clock.deadline = T0 + 3 * HOUR;
	s.clocks = &clock;
	s.nclocks = 1;
	/* exec and public both promised for the same minute: subject decides */
	s.cadence[AUDIENCE_PUBLIC] = (struct cadence_input){true, T0, T0 + 30 * MIN, false};
	s.cadence[AUDIENCE_EXEC] = (struct cadence_input){true, T0, T0 + 30 * MIN, false};
	guardrails_evaluate(NULL, &s, T0 + 3 * HOUR, &out);
	REQUIRE(out.n == NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++) {
		CHECK_MSG(out.nudges[i].rule == want[i], "position %zu: %s", i,
			  guardrail_rule_name(out.nudges[i].rule));
		CHECK_STR(out.nudges[i].subject, subjects[i]);
	}
	CHECK_INT(out.ndropped, 0);
	/* The same again, and later: messages do not depend on `now`. */
	for (int pass = 0; pass < 2; pass++) {
		guardrails_evaluate(NULL, &s, T0 + 3 * HOUR + pass * 17 * MIN, &again);
		REQUIRE(again.n == out.n);
		for (size_t i = 0; i < out.n; i++) {
			CHECK_INT(again.nudges[i].rule, out.nudges[i].rule);
			CHECK_INT(again.nudges[i].severity, out.nudges[i].severity);
			CHECK_INT(again.nudges[i].since, out.nudges[i].since);
			CHECK_STR(again.nudges[i].subject, out.nudges[i].subject);
			CHECK_STR(again.nudges[i].message, out.nudges[i].message);
		}
	}
}

/* Resolved: nothing but what outlives resolution; a full list keeps the incident's rules. */
static void test_guardrail_resolved_and_full(void)
{
	struct incident inc;
	struct guardrail_snapshot s;
	struct guardrail_nudges out;
	struct track *tracks = calloc(100, sizeof(*tracks));

	REQUIRE(tracks != NULL);
	incident_fixture(&inc, CRIT, PHASE_RESOLUTION);
	inc.status = STATUS_RESOLVED;
	inc.resolved_at = T0 + 70 * MIN;
	inc.after_action_at = T0 + 24 * HOUR; /* scheduled: guardrail.noAfterAction stays quiet */
	snapshot_fixture(&s, &inc);
	for (int i = 0; i < 100; i++) {
		tracks[i].id = i;
		REQUIRE(track_open(&tracks[i], 5, T0, NULL) == 0);
	}
	s.tracks = tracks;
	s.ntracks = 100;
	s.cadence[AUDIENCE_PUBLIC] = (struct cadence_input){true, T0, T0 + 30 * MIN, false};
	guardrails_evaluate(NULL, &s, T0 + 5 * HOUR, &out);
	CHECK_INT(out.n, 0);
	CHECK_INT(out.ndropped, 0);

	inc.phase = PHASE_GATHER;
	inc.status = STATUS_INVESTIGATING;
	inc.resolved_at = TIME_NONE;
	guardrails_evaluate(NULL, &s, T0 + 5 * HOUR, &out);
	CHECK_INT(out.n, GUARDRAIL_NUDGES_MAX);
	CHECK_INT(out.ndropped, 100 + 7 - GUARDRAIL_NUDGES_MAX);
	CHECK(nudge_find(&out, GUARDRAIL_NO_MIM, "") != NULL);
	CHECK(nudge_find(&out, GUARDRAIL_STAFFING, "") != NULL);
	CHECK(nudge_find(&out, GUARDRAIL_RESOLUTION_TIME, "") != NULL);
	free(tracks);
}

/* Operator overrides of the thresholds: accepted forms, and refusals that change nothing. */
static void test_guardrail_config_parse(void)
{
	static const char *const refused[] = {
		"box4.noMim=5m", "box3.noMim", "box3.nope=5m", "box3.noMim=5", "box3.noMim=5d",
		"boxx.noMim=5m", "all.cadence=5m", "box1.noMim=m", "all.tracks=maybe", "=5m",
	};
	struct guardrail_config cfg, before;
	char err[256];

	guardrail_config_default(&cfg);
	CHECK_INT(guardrail_config_parse("", &cfg, err, sizeof(err)), 0);
	CHECK_INT(guardrail_config_parse("all.noMilestone=15m, box3.resolution=1h box0.staffing=off,"
					 "box2.cadence=off,box1.regulatory=90s",
					 &cfg, err, sizeof(err)),
		  0);
	for (int level = 0; level < GUARDRAIL_LEVELS; level++)
		CHECK_INT(cfg.level[level].no_milestone, 15 * MINUTE_MS);
	CHECK_INT(cfg.level[3].resolution, 60 * MINUTE_MS);
	CHECK_INT(cfg.level[0].staffing, GUARDRAIL_OFF);
	CHECK_INT(cfg.level[1].staffing, 10 * MINUTE_MS);
	CHECK(!cfg.level[2].cadence);
	CHECK(cfg.level[3].cadence);
	CHECK_INT(cfg.level[1].regulatory, 90 * 1000);
	CHECK_INT(cfg.level[2].no_mim, 5 * MINUTE_MS);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		before = cfg;
		err[0] = '\0';
		CHECK_MSG(guardrail_config_parse(refused[i], &cfg, err, sizeof(err)) != 0,
			  "'%s' accepted", refused[i]);
		CHECK_MSG(memcmp(&before, &cfg, sizeof(cfg)) == 0, "'%s' changed the config", refused[i]);
		CHECK_MSG(strstr(err, "cannot read guardrail setting") != NULL, "'%s': message '%s'",
			  refused[i], err);
	}
	/* A bad item anywhere leaves even the good items before it unapplied. */
	before = cfg;
	CHECK(guardrail_config_parse("all.noMim=1m,box3.bogus=2m", &cfg, err, sizeof(err)) != 0);
	CHECK(memcmp(&before, &cfg, sizeof(cfg)) == 0);
}

UNIT_SUITE(guardrails_suite) = {
	{"guardrail_config_parse", test_guardrail_config_parse},
	{"guardrail_names", test_guardrail_names},
	{"guardrail_defaults", test_guardrail_defaults},
	{"guardrail_no_mim", test_guardrail_no_mim},
	{"guardrail_no_can_no_milestone", test_guardrail_no_can_no_milestone},
	{"guardrail_cadence", test_guardrail_cadence},
	{"guardrail_gather", test_guardrail_gather},
	{"guardrail_tracks", test_guardrail_tracks},
	{"guardrail_staffing", test_guardrail_staffing},
	{"guardrail_resolution_time", test_guardrail_resolution_time},
	{"guardrail_regulatory", test_guardrail_regulatory},
	{"guardrail_validation", test_guardrail_validation},
	{"guardrail_levels", test_guardrail_levels},
	{"guardrail_order", test_guardrail_order},
	{"guardrail_resolved_and_full", test_guardrail_resolved_and_full},
	UNIT_END
};

/* ===================================================================================== */
/* first ten minutes                                                                      */
/* ===================================================================================== */

static void test_firstten_names(void)
{
	static const char *const names[FIRSTTEN__MAX] = {
		"declared", "channel", "mimAssigned", "rolesPaged", "severitySet",
		"timelineStarted", "bridgeOpen", "firstCan", "firstExternalUpdate",
		"firstInternalUpdate",
	};
	static const char *const states[FIRSTTEN_STATE__MAX] = {"done", "pending", "overdue",
								"notApplicable"};

	for (int i = 0; i < FIRSTTEN__MAX; i++) {
		CHECK_STR(firstten_item_name((enum firstten_item)i), names[i]);
		CHECK(strcmp(firstten_item_label((enum firstten_item)i), "?") != 0);
	}
	for (int i = 0; i < FIRSTTEN_STATE__MAX; i++)
		CHECK_STR(firstten_state_name((enum firstten_state)i), states[i]);
	CHECK_STR(firstten_item_name(FIRSTTEN__MAX), "?");
	CHECK_STR(firstten_item_label(FIRSTTEN__MAX), "?");
	CHECK_STR(firstten_state_name(FIRSTTEN_STATE__MAX), "?");
	CHECK_STR(firstten_item_label(FIRSTTEN_BRIDGE), "Bridge open");
}

/* A critical incident with external impact, walked minute by minute. */
static void test_firstten_walk(void)
{
	/* state letters per item at each step: d done, p pending, o overdue, n not owed */
	static const struct {
		int64_t now;
		const char *states;
		bool window_open;
		size_t ndone;
	} steps[] = {
		{T0, "ddpdddpppp", true, 5},
		{T0 + 3 * MIN, "ddddddpppp", true, 6},
		{T0 + 10 * MIN - MS, "ddddddpppp", true, 6},
		{T0 + 10 * MIN, "ddddddoooo", false, 6},
		{T0 + 20 * MIN, "ddddddoooo", false, 6},
	};
	struct firstten_facts f = {
		.opened_at = T0, .severity = CRIT, .external_impact = true,
		.channel_at = T0, .mim_at = T0 + 2 * MIN, .paged_at = T0, .severity_at = T0,
		.timeline_at = T0, .bridge_at = TIME_NONE, .first_can_at = TIME_NONE,
		.external_update_at = TIME_NONE, .internal_update_at = TIME_NONE,
	};
	struct firstten out;

	for (size_t i = 0; i < NELEM(steps); i++) {
		char got[FIRSTTEN__MAX + 1];

		firstten_evaluate(&f, steps[i].now, &out);
		for (int k = 0; k < FIRSTTEN__MAX; k++) {
			got[k] = "dpon"[out.rows[k].state];
			CHECK_INT(out.rows[k].item, k);
		}
		got[FIRSTTEN__MAX] = '\0';
		CHECK_MSG(strcmp(got, steps[i].states) == 0, "step %zu: %s, want %s", i, got,
			  steps[i].states);
		CHECK_INT(out.window_open, steps[i].window_open);
		CHECK_INT(out.ndone, steps[i].ndone);
		CHECK_INT(out.napplicable, FIRSTTEN__MAX);
		CHECK_INT(out.window_ends_at, T0 + 10 * MIN);
	}
	/* Ticks carry their time; one done at exactly ten minutes is late. */
	f.first_can_at = T0 + 9 * MIN;
	f.internal_update_at = T0 + 10 * MIN;
	f.bridge_at = T0 + 4 * MIN;
	firstten_evaluate(&f, T0 + 30 * MIN, &out);
	CHECK_INT(out.rows[FIRSTTEN_FIRST_CAN].state, FIRSTTEN_DONE);
	CHECK_INT(out.rows[FIRSTTEN_FIRST_CAN].at, T0 + 9 * MIN);
	CHECK(!out.rows[FIRSTTEN_FIRST_CAN].late);
	CHECK_INT(out.rows[FIRSTTEN_INTERNAL_UPDATE].state, FIRSTTEN_DONE);
	CHECK(out.rows[FIRSTTEN_INTERNAL_UPDATE].late);
	CHECK_INT(out.rows[FIRSTTEN_MIM].at, T0 + 2 * MIN);
	CHECK_INT(out.rows[FIRSTTEN_EXTERNAL_UPDATE].state, FIRSTTEN_OVERDUE);
	CHECK_INT(out.rows[FIRSTTEN_EXTERNAL_UPDATE].at, TIME_NONE);
	CHECK_INT(out.ndone, 9);
}

/* Bridge: owed at high/critical only; external update: only with external impact. */
static void test_firstten_applicability(void)
{
	static const struct {
		enum severity sev;
		bool external, bridge_done;
		enum firstten_state bridge, external_update;
		size_t napplicable;
	} rows[] = {
		{CRIT, true, false, FIRSTTEN_PENDING, FIRSTTEN_PENDING, 10},
		{HIGH, false, false, FIRSTTEN_PENDING, FIRSTTEN_NOT_APPLICABLE, 9},
		{MED, true, false, FIRSTTEN_NOT_APPLICABLE, FIRSTTEN_PENDING, 9},
		{LOW, false, false, FIRSTTEN_NOT_APPLICABLE, FIRSTTEN_NOT_APPLICABLE, 8},
		{LOW, false, true, FIRSTTEN_DONE, FIRSTTEN_NOT_APPLICABLE, 9}, /* done anyway */
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct firstten_facts f = {
			.opened_at = T0, .severity = rows[i].sev,
			.external_impact = rows[i].external, .severity_at = T0,
			.bridge_at = rows[i].bridge_done ? T0 + MIN : TIME_NONE,
		};
		struct firstten out;

		firstten_evaluate(&f, T0 + 5 * MIN, &out);
		CHECK_MSG(out.rows[FIRSTTEN_BRIDGE].state == rows[i].bridge, "row %zu", i);
		CHECK_MSG(out.rows[FIRSTTEN_EXTERNAL_UPDATE].state == rows[i].external_update,
			  "row %zu", i);
		CHECK_MSG(out.napplicable == rows[i].napplicable, "row %zu: %zu", i,
			  out.napplicable);
		firstten_evaluate(&f, T0 + 11 * MIN, &out);
		if (rows[i].bridge == FIRSTTEN_PENDING)
			CHECK_INT(out.rows[FIRSTTEN_BRIDGE].state, FIRSTTEN_OVERDUE);
		if (rows[i].bridge == FIRSTTEN_NOT_APPLICABLE)
			CHECK_INT(out.rows[FIRSTTEN_BRIDGE].state, FIRSTTEN_NOT_APPLICABLE);
	}
}

UNIT_SUITE(firstten_suite) = {
	{"firstten_names", test_firstten_names},
	{"firstten_walk", test_firstten_walk},
	{"firstten_applicability", test_firstten_applicability},
	UNIT_END
};

/* ===================================================================================== */
/* assist                                                                                 */
/* ===================================================================================== */

static char *systems_checkout[] = {"Checkout API", "Payments"};

/*
 * INC-42, the running example: critical, Mitigation, a payments-gateway deploy gone bad.
 * Every internal-only fact carries a marker word the public draft must not contain.
 */
static void checkout_incident(struct incident *inc)
{
	static char title[] = "Checkout payments failing",
		    description[] = "Root cause: connection pool exhaustion in payments-gw 4.2.0",
		    impact[] = "Customers cannot complete card payments at checkout",
		    business[] = "Checkout revenue down about 40% (roughly $18k per 10 minutes)",
		    risk[] = "High: the Black Friday promotion starts at 12:00 UTC",
		    summary[] = "A faulty payments-gw deploy is being rolled back; card payments "
				"are partly restored";

	incident_fixture(inc, CRIT, PHASE_MITIGATION);
	incident_staff_six(inc);
	inc->roles[ROLE_DEPUTY] = NULL;
	inc->title = title;
	inc->description = description;
	inc->status = STATUS_IDENTIFIED;
	inc->affected_systems = systems_checkout;
	inc->naffected_systems = NELEM(systems_checkout);
	inc->external_impact = true;
	inc->customer_count = 12000;
	inc->customer_impact_summary = impact;
	inc->business_impact = business;
	inc->risk_level = risk;
	inc->exec_summary = summary;
	inc->started_at = T0 - 12 * MIN; /* 09:03 */
}

static const struct assist_can checkout_cans[] = {
	{{"Payments", "Sam Ortiz", "Card authorisation errors at 38%, down from 61% at 09:20 UTC",
	  "Rolling back payments-gw 4.2.0 to 4.1.3;\n60% of pods done",
	  "A DBA on the bridge to check pool settings"},
	 T0 + 48 * MIN, VISIBILITY_INTERNAL},
	{{"Status page", "Priya Nair", "Card payments failing for some customers.",
	  "Engineers are rolling back a recent change.", "none"},
	 T0 + 50 * MIN, VISIBILITY_PUBLIC},
};

static void checkout_record(struct assist_record *rec, struct incident *inc,
			    struct track *track, struct assist_milestone *m)
{
	checkout_incident(inc);
	memset(rec, 0, sizeof(*rec));
	rec->inc = inc;
	rec->cans = checkout_cans;
	rec->ncans = NELEM(checkout_cans);
	*track = (struct track){.id = 7, .owner = "Sam Ortiz", .team = "Payments",
			       .goal = "Roll back payments-gw to 4.1.3"};
	(void)track_open(track, 15, T0 + 40 * MIN, NULL); /* deadline 10:10 */
	rec->tracks = track;
	rec->ntracks = 1;
	rec->cadence[AUDIENCE_PUBLIC] = (struct cadence_input){true, T0 + 25 * MIN, T0 + 55 * MIN,
							       false}; /* due 10:10 */
	rec->cadence[AUDIENCE_INTERNAL] = (struct cadence_input){true, T0 + 30 * MIN,
								 T0 + 90 * MIN, false};
	*m = (struct assist_milestone){T0 + 25 * MIN, AUDIENCE_PUBLIC, UPDATE_MILESTONE,
				       "We have identified the cause of failing card payments "
				       "and are rolling back a recent change.",
				       T0 + 55 * MIN};
	rec->latest_milestone = m;
}

/* Runs one drafter into a fresh buffer; returns the text (caller frees) or NULL. */
enum draft_kind { DRAFT_SUGGESTION, DRAFT_PUBLIC, DRAFT_INTERNAL, DRAFT_EXEC, DRAFT_BRIEF };

static char *draft(const struct assist_record *rec, enum draft_kind kind, int64_t now)
{
	struct buf b;
	int rc;

	buf_init(&b, ASSIST_TEXT_MAX);
	switch (kind) {
	case DRAFT_SUGGESTION:
		rc = assist_suggestion(rec, now, &b);
		break;
	case DRAFT_PUBLIC:
		rc = assist_draft_update(rec, AUDIENCE_PUBLIC, now, &b);
		break;
	case DRAFT_INTERNAL:
		rc = assist_draft_update(rec, AUDIENCE_INTERNAL, now, &b);
		break;
	case DRAFT_EXEC:
		rc = assist_draft_update(rec, AUDIENCE_EXEC, now, &b);
		break;
	default:
		rc = assist_exec_brief(rec, now, &b);
		break;
	}
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

#define CHECK_DRAFT(rec, kind, now, want)                      \
	do {                                                   \
		char *got_ = draft((rec), (kind), (now));      \
		CHECK_STR(got_, (want));                       \
		free(got_);                                    \
	} while (0)

static void test_assist_checkout(void)
{
	struct incident inc;
	struct assist_record rec;
	struct track track;
	struct assist_milestone m;
	int64_t now = T0 + 57 * MIN; /* 10:12 */

	checkout_record(&rec, &inc, &track, &m);
	CHECK_DRAFT(&rec, DRAFT_SUGGESTION, now,
		    "Phase 6 of 8, Mitigation (Box 3, critical). Remediation is running: run the "
		    "recovery tracks and timebox each team's work.\n"
		    "Gaps on the fireground:\n"
		    "- Vacant roles: deputy.\n"
		    "- Overdue updates: public (due 10:10 UTC); publish now, even a holding "
		    "milestone.\n"
		    "- Expired tracks: \"Roll back payments-gw to 4.1.3\" (Sam Ortiz, timebox ended "
		    "10:10 UTC); extend each with a new timebox or escalate.\n"
		    "- No CAN yet from: Checkout API.\n"
		    "Next: Cut a milestone at every meaningful change; once the primary recovery "
		    "action is applied and systems improve, advance to Validation.");
	CHECK_DRAFT(&rec, DRAFT_PUBLIC, now,
		    "Identified: Checkout payments failing\n"
		    "\n"
		    "We have identified the cause of a major outage affecting Checkout API and "
		    "Payments and are working on a fix. Customers cannot complete card payments at "
		    "checkout.\n"
		    "\n"
		    "What we see:\n"
		    "- Status page: Card payments failing for some customers.\n"
		    "\n"
		    "What we are doing:\n"
		    "- Status page: Engineers are rolling back a recent change.\n"
		    "\n"
		    "Next update within 30 minutes.");
	CHECK_DRAFT(&rec, DRAFT_INTERNAL, now,
		    "Identified: Checkout payments failing\n"
		    "\n"
		    "We have identified the cause of a major outage affecting Checkout API and "
		    "Payments and are working on a fix. Customers cannot complete card payments at "
		    "checkout. Approximately 12,000 customers are affected.\n"
		    "\n"
		    "What we see:\n"
		    "- Payments: Card authorisation errors at 38%, down from 61% at 09:20 UTC.\n"
		    "- Status page: Card payments failing for some customers.\n"
		    "\n"
		    "What we are doing:\n"
		    "- Payments: Rolling back payments-gw 4.2.0 to 4.1.3; 60% of pods done.\n"
		    "- Status page: Engineers are rolling back a recent change.\n"
		    "\n"
		    "Next update by 10:45 UTC.");
	CHECK_DRAFT(&rec, DRAFT_BRIEF, now,
		    "INC-42 \"Checkout payments failing\" is a critical incident (Box 3), "
		    "identified, in phase 6 Mitigation; impact began at 09:03 UTC, 1 h 9 min ago. "
		    "Business impact: Checkout revenue down about 40% (roughly $18k per 10 "
		    "minutes). Customer impact: Customers cannot complete card payments at "
		    "checkout. Approximately 12,000 customers affected. Risk: High: the Black "
		    "Friday promotion starts at 12:00 UTC. A faulty payments-gw deploy is being "
		    "rolled back; card payments are partly restored. Latest milestone (public, "
		    "09:40 UTC): \"We have identified the cause of failing card payments and are "
		    "rolling back a recent change.\"");
}

/* The public draft leaves every internal-only fact out; the internal one keeps them. */
static void test_assist_public_leaks_nothing(void)
{
	static const char *const internal_only[] = {
		"payments-gw", "pool", "12,000", "12000", "$18k", "Black Friday", "Sam Ortiz",
		"Priya Nair", "DBA", "Root cause", "38%", "revenue", "Dana Reyes",
	};
	struct incident inc;
	struct assist_record rec;
	struct track track;
	struct assist_milestone m;
	char *pub, *internal;

	checkout_record(&rec, &inc, &track, &m);
	pub = draft(&rec, DRAFT_PUBLIC, T0 + 57 * MIN);
	internal = draft(&rec, DRAFT_INTERNAL, T0 + 57 * MIN);
	REQUIRE(pub != NULL && internal != NULL);
	for (size_t i = 0; i < NELEM(internal_only); i++)
		CHECK_MSG(strstr(pub, internal_only[i]) == NULL, "public draft leaks \"%s\"",
			  internal_only[i]);
	CHECK(strstr(internal, "payments-gw") != NULL);
	CHECK(strstr(internal, "12,000") != NULL);
	/* Needs are never drafted, for any audience. */
	CHECK(strstr(internal, "DBA") == NULL);
	free(pub);
	free(internal);
}

/* A suspected breach: the public draft does not name it; exec hears it plainly. */
static void test_assist_security(void)
{
	static char title[] = "Suspected credential stuffing on customer login";
	static char *systems[] = {"Login"};
	static const struct assist_can cans[] = {
		{{"Identity", "Ivo Petrov", "40k failed logins per minute from 3 ASNs",
		  "Rate limiting the ASNs at the edge", "Legal on the bridge"},
		 T0 + 20 * MIN, VISIBILITY_INTERNAL},
	};
	struct incident inc;
	struct assist_record rec;

	incident_fixture(&inc, HIGH, PHASE_ASSESS);
	incident_staff_six(&inc);
	inc.title = title;
	inc.security = true;
	inc.affected_systems = systems;
	inc.naffected_systems = 1;
	memset(&rec, 0, sizeof(rec));
	rec.inc = &inc;
	rec.cans = cans;
	rec.ncans = 1;
	CHECK_DRAFT(&rec, DRAFT_PUBLIC, T0 + 25 * MIN,
		    "Investigating: issue affecting Login\n"
		    "\n"
		    "We are investigating a significant disruption affecting Login.\n"
		    "\n"
		    "Next update within 30 minutes.");
	CHECK_DRAFT(&rec, DRAFT_EXEC, T0 + 25 * MIN,
		    "Investigating: Suspected credential stuffing on customer login\n"
		    "\n"
		    "We are investigating a significant disruption affecting Login.\n"
		    "\n"
		    "What we see:\n"
		    "- Identity: 40k failed logins per minute from 3 ASNs.\n"
		    "\n"
		    "What we are doing:\n"
		    "- Identity: Rate limiting the ASNs at the edge.\n"
		    "\n"
		    "Next update within 60 minutes.");
	CHECK_DRAFT(&rec, DRAFT_BRIEF, T0 + 25 * MIN,
		    "INC-42 \"Suspected credential stuffing on customer login\" is a high incident "
		    "(Box 2), investigating, in phase 3 Assess; impact began at 09:15 UTC, 25 min "
		    "ago. It is flagged as a suspected security breach. Business impact: not yet "
		    "assessed. Customer impact: not yet assessed. No milestone has been published "
		    "yet.");
	CHECK_DRAFT(&rec, DRAFT_SUGGESTION, T0 + 25 * MIN,
		    "Phase 3 of 8, Assess (Box 2, high). Determine scope and blast radius, confirm "
		    "or adjust severity, identify the fault domain, and set external impact and "
		    "customer count.\n"
		    "Gaps on the fireground:\n"
		    "- No CAN yet from: Login.\n"
		    "Next: Confirm the severity in this phase, then advance to Initial; root cause "
		    "is not needed yet.");
}

/* Resolved (and a drill): a final update, the close in the brief, the After Action gap. */
static void test_assist_resolved_drill(void)
{
	struct incident inc;
	struct assist_record rec;
	struct track track;
	struct assist_milestone m;

	checkout_record(&rec, &inc, &track, &m);
	inc.drill = true;
	inc.phase = PHASE_RESOLUTION;
	inc.status = STATUS_RESOLVED;
	inc.resolved_at = T0 + 95 * MIN; /* 10:50 */
	inc.customer_impact_summary = NULL;
	m = (struct assist_milestone){T0 + 95 * MIN, AUDIENCE_PUBLIC, UPDATE_RESOLUTION,
				      "Card payments are working normally again.", TIME_NONE};
	CHECK_DRAFT(&rec, DRAFT_PUBLIC, T0 + 100 * MIN,
		    "[Drill] Resolved: Checkout payments failing\n"
		    "\n"
		    "A major outage affecting Checkout API and Payments has been resolved.\n"
		    "\n"
		    "What we see:\n"
		    "- Status page: Card payments failing for some customers.\n"
		    "\n"
		    "What we are doing:\n"
		    "- Status page: Engineers are rolling back a recent change.\n"
		    "\n"
		    "No further updates are planned.");
	CHECK_DRAFT(&rec, DRAFT_BRIEF, T0 + 100 * MIN,
		    "[Drill] INC-42 \"Checkout payments failing\" was a critical incident (Box 3), "
		    "resolved at 10:50 UTC after 1 h 47 min of impact. Business impact: Checkout "
		    "revenue down about 40% (roughly $18k per 10 minutes). Customer impact: "
		    "approximately 12,000 customers affected. Risk: High: the Black Friday "
		    "promotion starts at 12:00 UTC. A faulty payments-gw deploy is being rolled "
		    "back; card payments are partly restored. Latest resolution milestone (public, "
		    "10:50 UTC): \"Card payments are working normally again.\"");
	CHECK_DRAFT(&rec, DRAFT_SUGGESTION, T0 + 100 * MIN,
		    "[Drill] Phase 8 of 8, Resolution (Box 3, critical). Close cleanly: cut the "
		    "resolution milestone, release the responders and schedule the After Action.\n"
		    "Gaps on the fireground:\n"
		    "- After Action not scheduled yet.\n"
		    "Next: Hold the After Action within 72 hours.");
	inc.after_action_at = T0 + 48 * HOUR;
	CHECK_DRAFT(&rec, DRAFT_SUGGESTION, T0 + 100 * MIN,
		    "[Drill] Phase 8 of 8, Resolution (Box 3, critical). Close cleanly: cut the "
		    "resolution milestone, release the responders and schedule the After Action.\n"
		    "Gaps on the fireground: none.\n"
		    "Next: Hold the After Action within 72 hours.");
}

/* A small, fully staffed low incident in Alert; then Validation under the 10-minute rule. */
static void test_assist_suggestion_phases(void)
{
	static char mim[] = "Dana Reyes", sre[] = "Sam Ortiz", title[] = "Search latency high";
	struct incident inc;
	struct assist_record rec;

	incident_fixture(&inc, LOW, PHASE_ALERT);
	inc.roles[ROLE_MIM] = mim;
	inc.roles[ROLE_SRE] = sre;
	inc.title = title;
	inc.affected_systems = systems_checkout; /* owed CANs, but not in Alert */
	inc.naffected_systems = 1;
	memset(&rec, 0, sizeof(rec));
	rec.inc = &inc;
	CHECK_DRAFT(&rec, DRAFT_SUGGESTION, T0 + MIN,
		    "Phase 1 of 8, Alert (Box 0, low). Confirm the alert is real, get the right "
		    "people paged and open the bridge.\n"
		    "Gaps on the fireground: none.\n"
		    "Next: Advance to Gather once a technical responder (SRE or SME) is on the "
		    "bridge; do not gather conditions yet.");

	incident_fixture(&inc, CRIT, PHASE_VALIDATION);
	incident_staff_six(&inc);
	inc.existential = true;
	inc.roles[ROLE_LEADER] = mim; /* the MIM as exec sponsor: not at existential */
	{
		static const char *const teams[] = {"Payments", "Checkout API", " "};
		static const struct assist_can cans[] = {
			{{" payments ", NULL, "Errors 0.1%", NULL, "none"}, T0, VISIBILITY_INTERNAL},
		};

		rec.expected_teams = teams;
		rec.nexpected_teams = NELEM(teams);
		rec.cans = cans;
		rec.ncans = 1;
		rec.cadence[AUDIENCE_EXEC] = (struct cadence_input){true, T0 + 60 * MIN,
								    T0 + 66 * MIN, false};
		CHECK_DRAFT(&rec, DRAFT_SUGGESTION, T0 + 63 * MIN,
			    "Phase 7 of 8, Validation (Box 3, critical, existential). Confirm "
			    "recovery across every affected system; do not close early.\n"
			    "Gaps on the fireground:\n"
			    "- Vacant roles: legal counsel, PR principal.\n"
			    "- Roles that may not be combined: leader with MIM.\n"
			    "- Updates due soon: exec (by 10:21 UTC).\n"
			    "- No CAN yet from: Checkout API.\n"
			    "- 10-minute rule: keep validating until 10:25 UTC before Resolution.\n"
			    "Next: Each affected team confirms recovery on the bridge; critical and "
			    "high incidents need 10 minutes of clean validation before Resolution.");
	}
}

/* The same record gives the same bytes; a buffer too small fails cleanly and empty. */
static void test_assist_deterministic_and_bounded(void)
{
	struct incident inc;
	struct assist_record rec;
	struct track track;
	struct assist_milestone m;
	struct buf b;

	checkout_record(&rec, &inc, &track, &m);
	for (int kind = DRAFT_SUGGESTION; kind <= DRAFT_BRIEF; kind++) {
		char *a = draft(&rec, (enum draft_kind)kind, T0 + 57 * MIN);
		char *again = draft(&rec, (enum draft_kind)kind, T0 + 57 * MIN);

		CHECK(a != NULL && again != NULL && strcmp(a, again) == 0);
		free(a);
		free(again);
	}
	for (int kind = 0; kind < 4; kind++) {
		int rc;

		buf_init(&b, 40);
		switch (kind) {
		case 0:
			rc = assist_suggestion(&rec, T0 + 57 * MIN, &b);
			break;
		case 1:
			rc = assist_draft_update(&rec, AUDIENCE_PUBLIC, T0 + 57 * MIN, &b);
			break;
		case 2:
			rc = assist_draft_update(&rec, AUDIENCE_INTERNAL, T0 + 57 * MIN, &b);
			break;
		default:
			rc = assist_exec_brief(&rec, T0 + 57 * MIN, &b);
			break;
		}
		CHECK_MSG(rc == -1, "kind %d fits in 40 bytes?", kind);
		CHECK(b.len == 0 && b.ptr != NULL && b.ptr[0] == '\0');
		buf_free(&b);
	}
}

UNIT_SUITE(assist_suite) = {
	{"assist_checkout", test_assist_checkout},
	{"assist_public_leaks_nothing", test_assist_public_leaks_nothing},
	{"assist_security", test_assist_security},
	{"assist_resolved_drill", test_assist_resolved_drill},
	{"assist_suggestion_phases", test_assist_suggestion_phases},
	{"assist_deterministic_and_bounded", test_assist_deterministic_and_bounded},
	UNIT_END
};
