/*
 * Unit tests for the Sev-0 posture (src/posture.c: approvals, regulatory clocks) and the
 * store-free hooks of the command doctrine (src/command.c: command_observe,
 * command_check_role, command_public_statement).  Table-driven; every clock is fake.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "command.h"
#include "guardrails.h"
#include "parse.h"
#include "posture.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 2026-05-20T09:15:00Z */
#define T0 ((int64_t)1779268500000)
#define MIN MINUTE_MS
#define HOUR (60 * MIN)

static void fixture(struct incident *inc, enum severity sev)
{
	incident_init(inc);
	inc->number = 7;
	inc->severity = sev;
	inc->opened_at = T0;
	inc->phase_entered_at[PHASE_ALERT] = T0;
}

static void check_rule(const struct doctrine_verdict *v, enum doctrine_rule want, const char *file,
		       int line)
{
	if (v->rule != want)
		unit_fail(file, line, "verdict %s, want %s (\"%s\")", doctrine_rule_name(v->rule),
			  doctrine_rule_name(want), v->message);
}
#define CHECK_RULE(v, want) check_rule(&(v), (want), __FILE__, __LINE__)

static void test_posture_names(void)
{
	static const char *const kinds[] = {"gdpr", "custom"};
	static const char *const states[] = {"offered", "running", "due", "overdue", "met"};
	enum regulatory_kind k;

	for (size_t i = 0; i < NELEM(kinds); i++) {
		CHECK_STR(regulatory_kind_name((enum regulatory_kind)i), kinds[i]);
		CHECK(regulatory_kind_parse(kinds[i], &k) == 0 && k == (enum regulatory_kind)i);
	}
	for (size_t i = 0; i < NELEM(states); i++)
		CHECK_STR(regulatory_state_name((enum regulatory_state)i), states[i]);
	CHECK_STR(regulatory_kind_name(REGULATORY_KIND__MAX), "?");
	CHECK_STR(regulatory_state_name(REGULATORY_STATE__MAX), "?");
	CHECK(regulatory_kind_parse("GDPR", &k) == -1);
	CHECK(regulatory_kind_parse(NULL, &k) == -1);
}

/* A GDPR clock aware at T0 walked through its states, the warning window being 24 h. */
static void test_posture_clock_states(void)
{
	static const struct {
		int64_t now;
		bool met;
		enum regulatory_state want;
	} rows[] = {
		{T0, false, REGULATORY_RUNNING},
		{T0 + 48 * HOUR - 1, false, REGULATORY_RUNNING},
		{T0 + 48 * HOUR, false, REGULATORY_DUE}, /* 24 h left exactly: due */
		{T0 + 72 * HOUR - 1, false, REGULATORY_DUE},
		{T0 + 72 * HOUR, false, REGULATORY_OVERDUE},
		{T0 + 100 * HOUR, false, REGULATORY_OVERDUE},
		{T0 + 100 * HOUR, true, REGULATORY_MET},
		{T0, true, REGULATORY_MET},
	};
	struct regulatory_clock c = {POSTURE_GDPR_NAME, regulatory_gdpr_deadline(T0), false};
	struct regulatory_clock unstarted = {POSTURE_GDPR_NAME, TIME_NONE, false};

	CHECK_INT(c.deadline, T0 + 72 * HOUR);
	for (size_t i = 0; i < NELEM(rows); i++) {
		c.met = rows[i].met;
		CHECK_MSG(posture_clock_state(&c, 24 * HOUR, rows[i].now) == rows[i].want,
			  "row %zu: %s", i,
			  regulatory_state_name(posture_clock_state(&c, 24 * HOUR, rows[i].now)));
	}
	c.met = false;
	/* No window: never "due". */
	CHECK(posture_clock_state(&c, GUARDRAIL_OFF, T0 + 71 * HOUR) == REGULATORY_RUNNING);
	CHECK(posture_clock_state(&c, 0, T0 + 71 * HOUR) == REGULATORY_RUNNING);
	CHECK(posture_clock_state(&unstarted, 24 * HOUR, T0) == REGULATORY_OFFERED);
}

static void test_posture_clock_rules(void)
{
	struct regulatory_clock clocks[] = {
		{POSTURE_GDPR_NAME, T0 + 72 * HOUR, false},
		{"Card scheme notice", T0 + 5 * 24 * HOUR, true},
	};
	struct doctrine_verdict v;
	struct incident inc;

	CHECK(posture_check_clock_start(clocks, 2, " gdpr breach NOTIFICATION ", &v) == -1);
	CHECK_RULE(v, DOCTRINE_CLOCK_DUPLICATE);
	/* A met clock may be started again: a new obligation. */
	CHECK(posture_check_clock_start(clocks, 2, "card scheme notice", &v) == 0);
	CHECK_RULE(v, DOCTRINE_OK);
	CHECK(posture_check_clock_start(clocks, 0, POSTURE_GDPR_NAME, &v) == 0);
	CHECK(posture_check_clock_met(&clocks[0], &v) == 0);
	CHECK(posture_check_clock_met(&clocks[1], &v) == -1);
	CHECK_RULE(v, DOCTRINE_CLOCK_MET);
	fixture(&inc, SEVERITY_HIGH);
	CHECK(!posture_gdpr_offered(&inc));
	inc.security = true;
	CHECK(posture_gdpr_offered(&inc));
	inc.security = false;
	inc.severity = SEVERITY_CRITICAL;
	inc.existential = true;
	CHECK(posture_gdpr_offered(&inc));
}

static void test_posture_approvals(void)
{
	static char legal[] = "Lena Legal", pr[] = "Pat Press", leader[] = "Lee Boss", mim[] = "Mia";
	static const struct {
		bool security, existential;
		size_t napprovals;
		enum doctrine_rule want;
	} rows[] = {
		{false, false, 0, DOCTRINE_OK},
		{true, false, 0, DOCTRINE_APPROVAL_REQUIRED},
		{true, false, 1, DOCTRINE_OK},
		{false, true, 0, DOCTRINE_APPROVAL_REQUIRED},
		{false, true, 3, DOCTRINE_OK},
	};
	struct doctrine_verdict v;
	struct incident inc;

	fixture(&inc, SEVERITY_CRITICAL);
	for (size_t i = 0; i < NELEM(rows); i++) {
		inc.security = rows[i].security;
		inc.existential = rows[i].existential;
		CHECK_INT(posture_approval_required(&inc), rows[i].security || rows[i].existential);
		CHECK_INT(posture_check_public_statement(&inc, rows[i].napprovals, &v),
			  rows[i].want == DOCTRINE_OK ? 0 : -1);
		CHECK_RULE(v, rows[i].want);
	}
	inc.roles[ROLE_MIM] = mim;
	CHECK(posture_check_approver(&inc, "Mia", &v) == -1);
	CHECK_RULE(v, DOCTRINE_APPROVAL_NOT_APPROVER);
	CHECK(posture_check_approver(&inc, "", &v) == -1);
	inc.roles[ROLE_LEGAL] = legal;
	inc.roles[ROLE_PR] = pr;
	inc.roles[ROLE_LEADER] = leader;
	CHECK(posture_check_approver(&inc, " lena legal", &v) == 0);
	CHECK(posture_check_approver(&inc, "Pat Press", &v) == 0);
	CHECK(posture_check_approver(&inc, "Lee Boss", &v) == 0);
	CHECK(posture_check_approver(&inc, "Mia", &v) == -1);
}

/* --- command.c hooks that need no store ------------------------------------------------ */

static json_t *state_of(const struct incident *inc)
{
	return inc->command_json ? json_loads(inc->command_json, 0, NULL) : json_object();
}

static int64_t fact(const struct incident *inc, const char *key)
{
	json_t *s = state_of(inc);
	const char *v = json_string_value(json_object_get(json_object_get(s, "facts"), key));
	int64_t ms = TIME_NONE;

	if (v != NULL && time_from_iso(v, &ms) != 0)
		ms = -1;
	json_decref(s);
	return ms;
}

/* Each commit stamps the facts the guardrails and the checklist read, once. */
static void test_command_observe(void)
{
	struct incident inc;

	fixture(&inc, SEVERITY_LOW);
	REQUIRE(command_observe(&inc, T0) == 0);
	CHECK_INT(fact(&inc, "mimVacantSince"), T0);
	CHECK_INT(fact(&inc, "staffingShortSince"), T0);
	CHECK_INT(fact(&inc, "mimAt"), TIME_NONE);
	CHECK_INT(fact(&inc, "bridgeAt"), TIME_NONE);
	/* Nothing new: the projection stays as it was. */
	REQUIRE(command_observe(&inc, T0 + MIN) == 0);
	CHECK_INT(fact(&inc, "mimVacantSince"), T0);
	REQUIRE(incident_set_text(&inc.roles[ROLE_MIM], "Mia") == 0);
	REQUIRE(incident_set_text(&inc.roles[ROLE_SRE], "Sam") == 0);
	REQUIRE(incident_set_text(&inc.bridge_url, "https://meet.example/x") == 0);
	REQUIRE(command_observe(&inc, T0 + 2 * MIN) == 0);
	CHECK_INT(fact(&inc, "mimAt"), T0 + 2 * MIN);
	CHECK_INT(fact(&inc, "bridgeAt"), T0 + 2 * MIN);
	CHECK_INT(fact(&inc, "mimVacantSince"), TIME_NONE);
	CHECK_INT(fact(&inc, "staffingShortSince"), TIME_NONE); /* low: mim + sre is enough */
	/* Vacated later: a new vacancy with its own time; the first assignment is kept. */
	REQUIRE(incident_set_text(&inc.roles[ROLE_MIM], NULL) == 0);
	REQUIRE(command_observe(&inc, T0 + 30 * MIN) == 0);
	CHECK_INT(fact(&inc, "mimVacantSince"), T0 + 30 * MIN);
	CHECK_INT(fact(&inc, "staffingShortSince"), T0 + 30 * MIN);
	CHECK_INT(fact(&inc, "mimAt"), T0 + 2 * MIN);
	incident_free(&inc);
}

/* A pending offer lapses when its MIM leaves the role any other way. */
static void test_command_observe_handoff(void)
{
	struct incident inc;
	json_t *s;

	fixture(&inc, SEVERITY_HIGH);
	REQUIRE(incident_set_text(&inc.roles[ROLE_MIM], "Mia") == 0);
	REQUIRE(incident_set_text(&inc.command_json,
				  "{\"handoff\":{\"from\":\"mia \",\"to\":\"Lee\"}}") == 0);
	REQUIRE(command_observe(&inc, T0) == 0);
	s = state_of(&inc);
	CHECK(json_is_object(json_object_get(s, "handoff")));
	json_decref(s);
	REQUIRE(incident_set_text(&inc.roles[ROLE_MIM], "Someone Else") == 0);
	REQUIRE(command_observe(&inc, T0 + MIN) == 0);
	s = state_of(&inc);
	CHECK(json_object_get(s, "handoff") == NULL);
	json_decref(s);
	/* A projection this code did not write is refused, not guessed at. */
	REQUIRE(incident_set_text(&inc.command_json, "[1,2]") == 0);
	CHECK(command_observe(&inc, T0) == -1);
	incident_free(&inc);
}

static void test_command_check_role(void)
{
	static const struct {
		const char *mim, *role_person;
		enum role role;
		int want;
	} rows[] = {
		{NULL, "Lee", ROLE_MIM, 0},       /* a vacancy is filled directly */
		{"Mia", "", ROLE_MIM, 0},         /* vacating */
		{"Mia", " MIA ", ROLE_MIM, 0},    /* the same person again */
		{"Mia", "Lee", ROLE_MIM, -1},     /* a second MIM: hand-off required */
		{"Mia", "Lee", ROLE_DEPUTY, 0},   /* other roles are not this rule's */
	};
	struct api_error err;
	struct incident inc;

	for (size_t i = 0; i < NELEM(rows); i++) {
		fixture(&inc, SEVERITY_HIGH);
		REQUIRE(incident_set_text(&inc.roles[ROLE_MIM], rows[i].mim) == 0);
		err.rule[0] = '\0';
		CHECK_MSG(command_check_role(&inc, rows[i].role, rows[i].role_person, &err) ==
				  rows[i].want, "row %zu", i);
		if (rows[i].want != 0) {
			CHECK_INT(err.status, 409);
			CHECK_STR(err.rule, "handoff.required");
		}
		incident_free(&inc);
	}
}

/* One approval per public statement, oldest first; none needed on an ordinary incident. */
static void test_command_public_statement(void)
{
	struct api_error err;
	struct incident inc;
	json_t *s;

	fixture(&inc, SEVERITY_HIGH);
	CHECK(command_public_statement(&inc, T0, &err) == 0);
	CHECK(inc.command_json == NULL); /* nothing to spend, nothing written */
	inc.security = true;
	CHECK(command_public_statement(&inc, T0, &err) == -1);
	CHECK_INT(err.status, 409);
	CHECK_STR(err.rule, "approval.required");
	REQUIRE(incident_set_text(&inc.command_json,
				  "{\"approvals\":[{\"id\":1,\"usedAt\":null},{\"id\":2,\"usedAt\":null}]}") == 0);
	CHECK(command_public_statement(&inc, T0 + MIN, &err) == 0);
	s = state_of(&inc);
	CHECK(json_is_string(json_object_get(json_array_get(json_object_get(s, "approvals"), 0), "usedAt")));
	CHECK(json_is_null(json_object_get(json_array_get(json_object_get(s, "approvals"), 1), "usedAt")));
	json_decref(s);
	CHECK(command_public_statement(&inc, T0 + 2 * MIN, &err) == 0);
	CHECK(command_public_statement(&inc, T0 + 3 * MIN, &err) == -1);
	CHECK_STR(err.rule, "approval.required");
	incident_free(&inc);
}

static void test_command_assist_kinds(void)
{
	enum assist_kind k;

	CHECK(assist_kind_parse("suggestion", &k) == 0 && k == ASSIST_SUGGESTION);
	CHECK(assist_kind_parse("draft", &k) == 0 && k == ASSIST_DRAFT);
	CHECK(assist_kind_parse("brief", &k) == 0 && k == ASSIST_BRIEF);
	CHECK(assist_kind_parse("Draft", &k) == -1);
	CHECK(assist_kind_parse(NULL, &k) == -1);
}

UNIT_SUITE(posture_suite) = {
	{"posture_names", test_posture_names},
	{"posture_clock_states", test_posture_clock_states},
	{"posture_clock_rules", test_posture_clock_rules},
	{"posture_approvals", test_posture_approvals},
	{"command_observe", test_command_observe},
	{"command_observe_handoff", test_command_observe_handoff},
	{"command_check_role", test_command_check_role},
	{"command_public_statement", test_command_public_statement},
	{"command_assist_kinds", test_command_assist_kinds},
	UNIT_END
};
