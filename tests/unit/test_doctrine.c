/* Unit tests for src/doctrine.c and src/incident.c: the rules of incident command. */
#include <stdint.h>
#include <stdlib.h>

#include "doctrine.h"
#include "parse.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define CRIT SEVERITY_CRITICAL
#define HIGH SEVERITY_HIGH
#define MED SEVERITY_MEDIUM
#define LOW SEVERITY_LOW

/* 2026-05-20T09:15:00Z: the incidents below open here. */
#define T0 ((int64_t)1779268500000)
#define MIN MINUTE_MS
#define SEC ((int64_t)1000)
/* Marks "not set" in tables whose times are relative offsets. */
#define UNSET INT64_MIN

/*
 * A refusal names its rule and says why in a sentence ending with the rule's machine name,
 * e.g. "… (gate.onScene)"; an acceptance is DOCTRINE_OK with an empty message.
 */
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

/* A fresh incident in `phase`, each phase so far entered 20 minutes after the last. */
static void incident_fixture(struct incident *inc, enum severity sev, int phase)
{
	incident_init(inc);
	inc->number = 42;
	inc->severity = sev;
	inc->phase = phase;
	inc->opened_at = T0;
	for (int p = PHASE_FIRST; p <= phase; p++)
		inc->phase_entered_at[p] = T0 + (p - 1) * 20 * MIN;
}

static int incident_fixture_roles(struct incident *inc, const char *const names[ROLE__MAX])
{
	for (int r = 0; r < ROLE__MAX; r++)
		if (incident_set_text(&inc->roles[r], names[r]) != 0)
			return -1;
	return 0;
}

/* --- names --------------------------------------------------------------------------- */

static void test_doctrine_rule_names(void)
{
	static const char *const want[DOCTRINE__MAX] = {
		"ok", "phase.range", "phase.forwardOnly", "phase.terminal", "gate.onScene",
		"gate.severityConfirmed", "gate.milestone", "gate.tenMinuteRule",
		"status.resolvedOnlyInResolution", "roles.neverCombine", "roles.onlyMediumLow",
		"roles.onlyBelowCritical", "roles.existentialNoCombination",
		"reopen.notResolved", "responder.forwardOnly",
		"track.notActive", "track.timeboxRange", "hypothesis.terminal", "hypothesis.untested",
		"hypothesis.forwardOnly", "hypothesis.evidenceRequired", "handoff.noMim",
		"handoff.notMim", "handoff.noTarget", "handoff.selfOffer", "handoff.noBrief",
		"handoff.alreadyPending", "handoff.noOffer", "handoff.notOffered", "handoff.offerStale",
		"handoff.notParty", "handoff.required", "authority.noMim", "authority.notMim",
		"authority.noTarget", "authority.alreadyHolder", "authority.notGiven",
		"authority.notHolder", "approval.required", "approval.notApprover",
		"clock.duplicate", "clock.alreadyMet",
	};

	for (int r = 0; r < DOCTRINE__MAX; r++)
		CHECK_STR(doctrine_rule_name((enum doctrine_rule)r), want[r]);
	CHECK_STR(doctrine_rule_name(DOCTRINE__MAX), "?");
	CHECK_STR(staffing_reason_name(STAFFING_VACANT), "vacant");
	CHECK_STR(staffing_reason_name(STAFFING_SHARED), "shared");
	CHECK_STR(staffing_reason_name(STAFFING_COMBINATION), "combination");
	CHECK_STR(staffing_reason_name(STAFFING_REASON__MAX), "?");
}

static void test_doctrine_alarm_levels(void)
{
	CHECK_INT(doctrine_alarm_level(CRIT), 3);
	CHECK_INT(doctrine_alarm_level(HIGH), 2);
	CHECK_INT(doctrine_alarm_level(MED), 1);
	CHECK_INT(doctrine_alarm_level(LOW), 0);
}

/* Every wire name parses back to its value; near misses do not parse and write nothing. */
static void test_wire_names_round_trip(void)
{
	static const char *const bad[] = {"", "Critical", "CUSTOMEROPS", "onscene", "x", " mim"};

	for (int i = 0; i < SEVERITY__MAX; i++) {
		enum severity v = SEVERITY__MAX;
		CHECK(severity_parse(severity_name((enum severity)i), &v) == 0 && (int)v == i);
	}
	for (int i = 0; i < STATUS__MAX; i++) {
		enum status v = STATUS__MAX;
		CHECK(status_parse(status_name((enum status)i), &v) == 0 && (int)v == i);
	}
	for (int i = 0; i < ROLE__MAX; i++) {
		enum role v = ROLE__MAX;
		CHECK(role_parse(role_name((enum role)i), &v) == 0 && (int)v == i);
	}
	for (int i = 0; i < AUDIENCE__MAX; i++) {
		enum audience v = AUDIENCE__MAX;
		CHECK(audience_parse(audience_name((enum audience)i), &v) == 0 && (int)v == i);
	}
	for (int i = 0; i < UPDATE_KIND__MAX; i++) {
		enum update_kind v = UPDATE_KIND__MAX;
		CHECK(update_kind_parse(update_kind_name((enum update_kind)i), &v) == 0 &&
		      (int)v == i);
	}
	for (int i = 0; i < RESPONDER_STATE__MAX; i++) {
		enum responder_state v = RESPONDER_STATE__MAX;
		CHECK(responder_state_parse(responder_state_name((enum responder_state)i), &v) ==
			      0 &&
		      (int)v == i);
	}
	for (int i = 0; i < VISIBILITY__MAX; i++) {
		enum visibility v = VISIBILITY__MAX;
		CHECK(visibility_parse(visibility_name((enum visibility)i), &v) == 0 &&
		      (int)v == i);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		enum severity s = SEVERITY__MAX;
		enum status st = STATUS__MAX;
		enum role r = ROLE__MAX;
		enum audience a = AUDIENCE__MAX;
		enum update_kind k = UPDATE_KIND__MAX;
		enum responder_state rs = RESPONDER_STATE__MAX;
		enum visibility vis = VISIBILITY__MAX;

		CHECK(severity_parse(bad[i], &s) == -1 && s == SEVERITY__MAX);
		CHECK(status_parse(bad[i], &st) == -1 && st == STATUS__MAX);
		CHECK(role_parse(bad[i], &r) == -1 && r == ROLE__MAX);
		CHECK(audience_parse(bad[i], &a) == -1 && a == AUDIENCE__MAX);
		CHECK(update_kind_parse(bad[i], &k) == -1 && k == UPDATE_KIND__MAX);
		CHECK(responder_state_parse(bad[i], &rs) == -1 && rs == RESPONDER_STATE__MAX);
		CHECK(visibility_parse(bad[i], &vis) == -1 && vis == VISIBILITY__MAX);
	}
	{
		enum role r = ROLE__MAX;
		CHECK(role_parse(NULL, &r) == -1 && r == ROLE__MAX);
	}
}

static void test_wire_names_spelling(void)
{
	static const char *const roles[ROLE__MAX] = {
		"mim", "deputy", "scribe", "sre", "sme", "customerOps", "internalLiaison",
		"leader", "serviceManager", "legal", "pr",
	};
	static const char *const phases[PHASE_LAST + 2] = {
		"?", "Alert", "Gather", "Assess", "Initial", "Isolation", "Mitigation",
		"Validation", "Resolution", "?",
	};

	for (int i = 0; i < ROLE__MAX; i++)
		CHECK_STR(role_name((enum role)i), roles[i]);
	for (int p = 0; p <= PHASE_LAST + 1; p++)
		CHECK_STR(phase_name(p), phases[p]);
	CHECK_STR(phase_name(-1), "?");
	CHECK_STR(severity_name(CRIT), "critical");
	CHECK_STR(severity_name(HIGH), "high");
	CHECK_STR(severity_name(MED), "medium");
	CHECK_STR(severity_name(LOW), "low");
	CHECK_STR(status_name(STATUS_INVESTIGATING), "investigating");
	CHECK_STR(status_name(STATUS_IDENTIFIED), "identified");
	CHECK_STR(status_name(STATUS_MONITORING), "monitoring");
	CHECK_STR(status_name(STATUS_RESOLVED), "resolved");
	CHECK_STR(audience_name(AUDIENCE_PUBLIC), "public");
	CHECK_STR(audience_name(AUDIENCE_INTERNAL), "internal");
	CHECK_STR(audience_name(AUDIENCE_EXEC), "exec");
	CHECK_STR(update_kind_name(UPDATE_MILESTONE), "milestone");
	CHECK_STR(update_kind_name(UPDATE_HOLDING), "holding");
	CHECK_STR(update_kind_name(UPDATE_RESOLUTION), "resolution");
	CHECK_STR(responder_state_name(RESPONDER_PAGED), "paged");
	CHECK_STR(responder_state_name(RESPONDER_ACKNOWLEDGED), "acknowledged");
	CHECK_STR(responder_state_name(RESPONDER_JOINING), "joining");
	CHECK_STR(responder_state_name(RESPONDER_ON_SCENE), "onScene");
	CHECK_STR(responder_state_name(RESPONDER_RELEASED), "released");
	CHECK_STR(visibility_name(VISIBILITY_INTERNAL), "internal");
	CHECK_STR(visibility_name(VISIBILITY_PUBLIC), "public");
	CHECK_STR(cadence_state_name(CADENCE_NONE), "none");
	CHECK_STR(cadence_state_name(CADENCE_OK), "ok");
	CHECK_STR(cadence_state_name(CADENCE_DUE), "due");
	CHECK_STR(cadence_state_name(CADENCE_OVERDUE), "overdue");
	/* out of range: never NULL */
	CHECK_STR(severity_name(SEVERITY__MAX), "?");
	CHECK_STR(status_name(STATUS__MAX), "?");
	CHECK_STR(role_name(ROLE__MAX), "?");
	CHECK_STR(audience_name(AUDIENCE__MAX), "?");
	CHECK_STR(update_kind_name(UPDATE_KIND__MAX), "?");
	CHECK_STR(responder_state_name(RESPONDER_STATE__MAX), "?");
	CHECK_STR(visibility_name(VISIBILITY__MAX), "?");
	CHECK_STR(cadence_state_name(CADENCE__MAX), "?");
}

/* --- struct incident ---------------------------------------------------------------- */

static void test_incident_init_defaults(void)
{
	struct incident inc;

	memset(&inc, 0x5a, sizeof(inc));
	incident_init(&inc);
	CHECK_INT(inc.phase, PHASE_ALERT);
	CHECK_INT(inc.status, STATUS_INVESTIGATING);
	CHECK_INT(inc.customer_count, -1);
	CHECK(inc.title == NULL && inc.description == NULL && inc.channel == NULL);
	CHECK(inc.affected_systems == NULL && inc.naffected_systems == 0);
	CHECK_INT(inc.resolved_at, TIME_NONE);
	CHECK_INT(inc.severity_confirmed_at, TIME_NONE);
	CHECK_INT(inc.reopen_count, 0);
	CHECK(!inc.security && !inc.existential && !inc.drill);
	for (int p = 0; p <= PHASE_LAST; p++)
		CHECK_INT(inc.phase_entered_at[p], TIME_NONE);
	for (int r = 0; r < ROLE__MAX; r++)
		CHECK(inc.roles[r] == NULL);
	incident_free(&inc);
}

static void test_incident_set_text(void)
{
	char *field = NULL;

	CHECK_INT(incident_set_text(&field, "Checkout failing"), 0);
	CHECK_STR(field, "Checkout failing");
	CHECK_INT(incident_set_text(&field, "Checkout degraded"), 0);
	CHECK_STR(field, "Checkout degraded");
	CHECK_INT(incident_set_text(&field, ""), 0);
	CHECK(field == NULL);
	CHECK_INT(incident_set_text(&field, "again"), 0);
	CHECK_INT(incident_set_text(&field, NULL), 0);
	CHECK(field == NULL);
	/* setting a field from its own value must not read freed memory */
	CHECK_INT(incident_set_text(&field, "self"), 0);
	CHECK_INT(incident_set_text(&field, field), 0);
	CHECK_STR(field, "self");
	free(field);
}

static void test_incident_copy_deep(void)
{
	struct incident src, dst;
	char **systems = calloc(2, sizeof(char *));
	int rc;

	incident_fixture(&src, HIGH, 4);
	if (systems != NULL) {
		src.affected_systems = systems;
		src.naffected_systems = 2;
		CHECK_INT(incident_set_text(&src.affected_systems[0], "checkout"), 0);
		CHECK_INT(incident_set_text(&src.affected_systems[1], "payments"), 0);
	}
	CHECK_INT(incident_set_text(&src.title, "Checkout failing"), 0);
	CHECK_INT(incident_set_text(&src.roles[ROLE_MIM], "Ada"), 0);
	CHECK_INT(incident_set_text(&src.created_by, "local"), 0);
	src.existential = true;
	src.reopen_count = 2;

	rc = incident_copy(&dst, &src);
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_STR(dst.title, "Checkout failing");
		CHECK(dst.title != src.title);
		CHECK_STR(dst.roles[ROLE_MIM], "Ada");
		CHECK(dst.roles[ROLE_MIM] != src.roles[ROLE_MIM]);
		CHECK(dst.roles[ROLE_SRE] == NULL);
		CHECK_STR(dst.created_by, "local");
		CHECK(dst.description == NULL);
		CHECK_INT(dst.naffected_systems, src.naffected_systems);
		if (dst.naffected_systems == 2) {
			CHECK(dst.affected_systems != src.affected_systems);
			CHECK_STR(dst.affected_systems[0], "checkout");
			CHECK_STR(dst.affected_systems[1], "payments");
		}
		CHECK_INT(dst.phase, 4);
		CHECK_INT(dst.severity, HIGH);
		CHECK_INT(dst.phase_entered_at[4], src.phase_entered_at[4]);
		CHECK(dst.existential);
		CHECK_INT(dst.reopen_count, 2);
		/* the copy lives on after the original is gone */
		incident_free(&src);
		CHECK_STR(dst.title, "Checkout failing");
		incident_free(&dst);
	} else {
		incident_free(&src);
	}
	/* free leaves a fresh incident behind, so freeing again is harmless */
	incident_free(&dst);
	CHECK(dst.title == NULL && dst.phase == PHASE_ALERT);
}

static void test_incident_copy_empty(void)
{
	struct incident src, dst;

	incident_init(&src);
	CHECK_INT(incident_copy(&dst, &src), 0);
	CHECK(dst.title == NULL && dst.affected_systems == NULL && dst.naffected_systems == 0);
	incident_free(&dst);
	incident_free(&src);
}

/* --- phases -------------------------------------------------------------------------- */

struct refusal_case {
	int from, to;
	enum doctrine_rule rule;
};

static const struct refusal_case refusal_cases[] = {
	{1, 0, DOCTRINE_PHASE_RANGE},
	{1, -1, DOCTRINE_PHASE_RANGE},
	{1, 9, DOCTRINE_PHASE_RANGE},
	{8, 9, DOCTRINE_PHASE_RANGE},
	{1, 1, DOCTRINE_PHASE_BACKWARD},
	{3, 3, DOCTRINE_PHASE_BACKWARD},
	{3, 2, DOCTRINE_PHASE_BACKWARD},
	{5, 1, DOCTRINE_PHASE_BACKWARD},
	{7, 7, DOCTRINE_PHASE_BACKWARD},
	{7, 6, DOCTRINE_PHASE_BACKWARD},
	{8, 8, DOCTRINE_PHASE_TERMINAL},
	{8, 3, DOCTRINE_PHASE_TERMINAL},
	{8, 1, DOCTRINE_PHASE_TERMINAL},
};

static void test_phase_refusals(void)
{
	/* Facts that meet every gate: only the refusal itself can stop these moves. */
	struct phase_facts facts = {.technical_on_scene = true, .published_milestones = 3};

	for (size_t i = 0; i < NELEM(refusal_cases); i++) {
		const struct refusal_case *c = &refusal_cases[i];
		struct incident inc;
		struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];
		int n;

		incident_fixture(&inc, LOW, c->from);
		inc.severity_confirmed_at = T0 + 10 * 60 * MIN;
		n = doctrine_phase_change(&inc, &facts, c->to, T0 + 10 * 60 * MIN, &refusal, gates);
		CHECK_MSG(n == -1, "%d -> %d: got %d, want a refusal", c->from, c->to, n);
		if (n == -1)
			CHECK_VERDICT(refusal, c->rule);
		incident_free(&inc);
	}
}

struct gate_case {
	const char *name;
	enum severity sev;
	int from, to;
	bool on_scene;
	int64_t milestones;
	int64_t confirmed; /* severity_confirmed_at relative to now, or UNSET */
	int64_t in_phase;  /* now - phase_entered_at[from] */
	int ngates;
	enum doctrine_rule gates[4];
};

static const struct gate_case gate_cases[] = {
	{"alert->gather, SRE on scene", HIGH, 1, 2, true, 0, UNSET, MIN, 0, {0}},
	{"alert->gather, nobody on scene", HIGH, 1, 2, false, 0, UNSET, MIN, 1,
	 {DOCTRINE_GATE_ON_SCENE}},
	{"alert->gather at low, nobody on scene", LOW, 1, 2, false, 0, UNSET, MIN, 1,
	 {DOCTRINE_GATE_ON_SCENE}},
	{"gather->assess has no gate", HIGH, 2, 3, false, 0, UNSET, 30 * MIN, 0, {0}},
	{"assess->initial, confirmed in Assess", HIGH, 3, 4, false, 0, -MIN, 5 * MIN, 0, {0}},
	{"assess->initial, confirmed as Assess began", HIGH, 3, 4, false, 0, -5 * MIN, 5 * MIN,
	 0, {0}},
	{"assess->initial, confirmed before Assess", HIGH, 3, 4, false, 0, -5 * MIN - 1,
	 5 * MIN, 1, {DOCTRINE_GATE_SEVERITY}},
	{"assess->initial, never confirmed", HIGH, 3, 4, false, 0, UNSET, 5 * MIN, 1,
	 {DOCTRINE_GATE_SEVERITY}},
	{"gather->initial jumps over Assess", HIGH, 2, 4, false, 0, 0, MIN, 1,
	 {DOCTRINE_GATE_SEVERITY}},
	{"initial->isolation, one milestone", HIGH, 4, 5, false, 1, UNSET, MIN, 0, {0}},
	{"initial->isolation, no milestone", HIGH, 4, 5, false, 0, UNSET, MIN, 1,
	 {DOCTRINE_GATE_MILESTONE}},
	{"assess->isolation jumps Initial with a milestone", MED, 3, 5, false, 2, 0, MIN, 0,
	 {0}},
	{"assess->isolation jumps Initial without one", MED, 3, 5, false, 0, 0, MIN, 1,
	 {DOCTRINE_GATE_MILESTONE}},
	{"isolation->mitigation has no gate", CRIT, 5, 6, false, 0, UNSET, 0, 0, {0}},
	{"mitigation->validation has no gate", CRIT, 6, 7, false, 0, UNSET, 0, 0, {0}},
	{"isolation->validation has no gate", CRIT, 5, 7, false, 0, UNSET, 0, 0, {0}},
	{"validation->resolution, critical, 10 min", CRIT, 7, 8, false, 0, UNSET, 10 * MIN, 0,
	 {0}},
	{"validation->resolution, critical, 9:59", CRIT, 7, 8, false, 0, UNSET,
	 10 * MIN - SEC, 1, {DOCTRINE_GATE_TEN_MINUTE}},
	{"validation->resolution, critical, 0 min", CRIT, 7, 8, false, 0, UNSET, 0, 1,
	 {DOCTRINE_GATE_TEN_MINUTE}},
	{"validation->resolution, high, 10 min", HIGH, 7, 8, false, 0, UNSET, 10 * MIN, 0, {0}},
	{"validation->resolution, high, 3 h", HIGH, 7, 8, false, 0, UNSET, 180 * MIN, 0, {0}},
	{"validation->resolution, high, 9 min", HIGH, 7, 8, false, 0, UNSET, 9 * MIN, 1,
	 {DOCTRINE_GATE_TEN_MINUTE}},
	{"validation->resolution, medium, 1 min", MED, 7, 8, false, 0, UNSET, MIN, 0, {0}},
	{"validation->resolution, low, 0 min", LOW, 7, 8, false, 0, UNSET, 0, 0, {0}},
	{"mitigation->resolution jumps Validation, high", HIGH, 6, 8, false, 0, UNSET, 60 * MIN,
	 1, {DOCTRINE_GATE_TEN_MINUTE}},
	{"mitigation->resolution jumps Validation, critical", CRIT, 6, 8, false, 0, UNSET,
	 60 * MIN, 1, {DOCTRINE_GATE_TEN_MINUTE}},
	{"mitigation->resolution jumps Validation, medium", MED, 6, 8, false, 0, UNSET, 0, 0,
	 {0}},
	{"mitigation->resolution jumps Validation, low", LOW, 6, 8, false, 0, UNSET, 0, 0, {0}},
	{"alert->resolution, critical, nothing met", CRIT, 1, 8, false, 0, UNSET, 0, 4,
	 {DOCTRINE_GATE_ON_SCENE, DOCTRINE_GATE_SEVERITY, DOCTRINE_GATE_MILESTONE,
	  DOCTRINE_GATE_TEN_MINUTE}},
	{"alert->resolution, low, facts met", LOW, 1, 8, true, 1, 0, 0, 1,
	 {DOCTRINE_GATE_SEVERITY}},
	{"assess->resolution, high, all met but Validation jumped", HIGH, 3, 8, true, 1, 0,
	 5 * MIN, 1, {DOCTRINE_GATE_TEN_MINUTE}},
	{"assess->resolution, medium, all met", MED, 3, 8, true, 1, 0, 5 * MIN, 0, {0}},
};

static void test_phase_gates(void)
{
	for (size_t i = 0; i < NELEM(gate_cases); i++) {
		const struct gate_case *c = &gate_cases[i];
		struct incident inc;
		struct phase_facts facts = {c->on_scene, c->milestones};
		struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];
		int64_t now;
		int n;

		incident_fixture(&inc, c->sev, c->from);
		now = inc.phase_entered_at[c->from] + c->in_phase;
		inc.severity_confirmed_at = c->confirmed == UNSET ? TIME_NONE : now + c->confirmed;
		n = doctrine_phase_change(&inc, &facts, c->to, now, &refusal, gates);
		CHECK_MSG(n == c->ngates, "%s: %d gates, want %d", c->name, n, c->ngates);
		if (n >= 0)
			CHECK_VERDICT(refusal, DOCTRINE_OK);
		for (int g = 0; g < n && g < c->ngates; g++) {
			CHECK_MSG(gates[g].rule == c->gates[g], "%s: gate %d is %s, want %s",
				  c->name, g, doctrine_rule_name(gates[g].rule),
				  doctrine_rule_name(c->gates[g]));
			CHECK_VERDICT(gates[g], c->gates[g]);
		}
		incident_free(&inc);
	}
}

static void test_phase_gate_assess_never_entered(void)
{
	struct incident inc;
	struct phase_facts facts = {true, 1};
	struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];

	/* In Assess with no entry time on record: the gate cannot be shown met. */
	incident_fixture(&inc, HIGH, 3);
	inc.phase_entered_at[3] = TIME_NONE;
	inc.severity_confirmed_at = T0 + 90 * MIN;
	CHECK_INT(doctrine_phase_change(&inc, &facts, 4, T0 + 91 * MIN, &refusal, gates), 1);
	CHECK_VERDICT(gates[0], DOCTRINE_GATE_SEVERITY);
	incident_free(&inc);
}

static void test_phase_gate_reopened_stale_times(void)
{
	struct incident inc;
	struct phase_facts facts = {true, 1};
	struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];

	/* Reopened into Alert: the old Assess and Validation entry times belong to the first
	 * run and must not carry a jump over those phases. */
	incident_fixture(&inc, CRIT, 8);
	inc.phase = PHASE_ALERT;
	inc.phase_entered_at[1] = T0 + 600 * MIN;
	inc.severity_confirmed_at = T0 + 601 * MIN;
	CHECK_INT(doctrine_phase_change(&inc, &facts, 8, T0 + 700 * MIN, &refusal, gates), 2);
	CHECK_VERDICT(gates[0], DOCTRINE_GATE_SEVERITY);
	CHECK_VERDICT(gates[1], DOCTRINE_GATE_TEN_MINUTE);
	incident_free(&inc);
}

static void test_phase_gate_facts_null(void)
{
	struct incident inc;
	struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];

	/* No facts means none known: nobody on scene, nothing published. */
	incident_fixture(&inc, MED, 1);
	CHECK_INT(doctrine_phase_change(&inc, NULL, 2, T0, &refusal, gates), 1);
	CHECK_VERDICT(gates[0], DOCTRINE_GATE_ON_SCENE);
	incident_free(&inc);
	incident_fixture(&inc, MED, 4);
	CHECK_INT(doctrine_phase_change(&inc, NULL, 5, T0, &refusal, gates), 1);
	CHECK_VERDICT(gates[0], DOCTRINE_GATE_MILESTONE);
	incident_free(&inc);
}

static void test_phase_gate_messages(void)
{
	struct incident inc;
	struct phase_facts facts = {false, 0};
	struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];

	incident_fixture(&inc, HIGH, 1);
	CHECK_INT(doctrine_phase_change(&inc, &facts, 2, T0, &refusal, gates), 1);
	CHECK_STR(gates[0].message,
		  "leaving Alert needs a technical responder (SRE or SME) on scene "
		  "(gate.onScene)");
	incident_free(&inc);

	incident_fixture(&inc, HIGH, 7);
	CHECK_INT(doctrine_phase_change(&inc, &facts, 8,
					inc.phase_entered_at[7] + 4 * MIN + 30 * SEC, &refusal,
					gates),
		  1);
	CHECK_STR(gates[0].message,
		  "a high incident needs 10 minutes of clean validation before resolving; "
		  "only 4 min 30 s so far (gate.tenMinuteRule)");
	incident_free(&inc);

	incident_fixture(&inc, HIGH, 5);
	CHECK_INT(doctrine_phase_change(&inc, &facts, 2, T0, &refusal, gates), -1);
	CHECK_STR(refusal.message, "phases move forward only: the incident is in Isolation, "
				   "it cannot go to Gather (phase.forwardOnly)");
	incident_free(&inc);
}

/* --- status and reopen --------------------------------------------------------------- */

static void test_status_rule(void)
{
	for (int phase = PHASE_FIRST; phase <= PHASE_LAST; phase++) {
		for (int s = 0; s < STATUS__MAX; s++) {
			struct incident inc;
			struct doctrine_verdict v;
			bool refused = s == STATUS_RESOLVED && phase != PHASE_RESOLUTION;

			incident_fixture(&inc, HIGH, phase);
			CHECK_MSG(doctrine_check_status(&inc, (enum status)s, &v) == (refused ? -1 : 0),
				  "status %s in phase %d", status_name((enum status)s), phase);
			CHECK_VERDICT(v, refused ? DOCTRINE_STATUS_RESOLVED : DOCTRINE_OK);
			incident_free(&inc);
		}
	}
}

struct reopen_case {
	enum status status;
	int phase;
	bool resolved_at;
	int rc;
};

static const struct reopen_case reopen_cases[] = {
	{STATUS_RESOLVED, 8, true, 0},
	{STATUS_MONITORING, 8, true, 0},  /* status moved on, but it was resolved */
	{STATUS_INVESTIGATING, 1, false, -1},
	{STATUS_IDENTIFIED, 5, false, -1},
	{STATUS_MONITORING, 7, false, -1},
};

static void test_reopen(void)
{
	for (size_t i = 0; i < NELEM(reopen_cases); i++) {
		const struct reopen_case *c = &reopen_cases[i];
		struct incident inc;
		struct doctrine_verdict v;

		incident_fixture(&inc, HIGH, c->phase);
		inc.status = c->status;
		inc.resolved_at = c->resolved_at ? T0 + 200 * MIN : TIME_NONE;
		CHECK_MSG(doctrine_check_reopen(&inc, &v) == c->rc, "reopen %s in phase %d",
			  status_name(c->status), c->phase);
		CHECK_VERDICT(v, c->rc ? DOCTRINE_REOPEN_NOT_RESOLVED : DOCTRINE_OK);
		incident_free(&inc);
	}
}

/* --- responders ---------------------------------------------------------------------- */

static void test_responder_transitions(void)
{
	for (int from = 0; from < RESPONDER_STATE__MAX; from++) {
		for (int to = 0; to < RESPONDER_STATE__MAX; to++) {
			struct doctrine_verdict v;
			int rc = doctrine_check_responder_transition((enum responder_state)from,
								     (enum responder_state)to, &v);
			/* forward, skipping ahead, or staying put; never back */
			int want = to >= from ? 0 : -1;

			CHECK_MSG(rc == want, "%s -> %s: %d, want %d",
				  responder_state_name((enum responder_state)from),
				  responder_state_name((enum responder_state)to), rc, want);
			CHECK_VERDICT(v, want ? DOCTRINE_RESPONDER_BACKWARD : DOCTRINE_OK);
		}
	}
}

/* --- role combinations --------------------------------------------------------------- */

struct combination_case {
	enum role a, b;
	enum severity sev;
	bool existential;
	bool allowed;
	enum doctrine_rule rule;
};

#define NEVER DOCTRINE_ROLE_NEVER
#define MEDLOW DOCTRINE_ROLE_LOW_SEVERITY
#define BELOWCRIT DOCTRINE_ROLE_BELOW_CRITICAL
#define EXIST DOCTRINE_ROLE_EXISTENTIAL
#define OK DOCTRINE_OK

static const struct combination_case combination_cases[] = {
	/* never, at any severity; "never" is the reason even when existential */
	{ROLE_MIM, ROLE_SRE, CRIT, true, false, NEVER},
	{ROLE_MIM, ROLE_SRE, CRIT, false, false, NEVER},
	{ROLE_MIM, ROLE_SRE, HIGH, false, false, NEVER},
	{ROLE_MIM, ROLE_SRE, MED, false, false, NEVER},
	{ROLE_MIM, ROLE_SRE, LOW, false, false, NEVER},
	{ROLE_MIM, ROLE_SME, CRIT, true, false, NEVER},
	{ROLE_MIM, ROLE_SME, CRIT, false, false, NEVER},
	{ROLE_MIM, ROLE_SME, HIGH, false, false, NEVER},
	{ROLE_MIM, ROLE_SME, MED, false, false, NEVER},
	{ROLE_MIM, ROLE_SME, LOW, false, false, NEVER},
	{ROLE_MIM, ROLE_SCRIBE, CRIT, true, false, NEVER},
	{ROLE_MIM, ROLE_SCRIBE, CRIT, false, false, NEVER},
	{ROLE_MIM, ROLE_SCRIBE, HIGH, false, false, NEVER},
	{ROLE_MIM, ROLE_SCRIBE, MED, false, false, NEVER},
	{ROLE_MIM, ROLE_SCRIBE, LOW, false, false, NEVER},
	{ROLE_MIM, ROLE_CUSTOMER_OPS, CRIT, true, false, NEVER},
	{ROLE_MIM, ROLE_CUSTOMER_OPS, CRIT, false, false, NEVER},
	{ROLE_MIM, ROLE_CUSTOMER_OPS, HIGH, false, false, NEVER},
	{ROLE_MIM, ROLE_CUSTOMER_OPS, MED, false, false, NEVER},
	{ROLE_MIM, ROLE_CUSTOMER_OPS, LOW, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SRE, CRIT, true, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SRE, CRIT, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SRE, HIGH, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SRE, MED, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SRE, LOW, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SME, CRIT, true, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SME, CRIT, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SME, HIGH, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SME, MED, false, false, NEVER},
	{ROLE_CUSTOMER_OPS, ROLE_SME, LOW, false, false, NEVER},
	/* only at medium/low */
	{ROLE_MIM, ROLE_DEPUTY, CRIT, true, false, EXIST},
	{ROLE_MIM, ROLE_DEPUTY, CRIT, false, false, MEDLOW},
	{ROLE_MIM, ROLE_DEPUTY, HIGH, false, false, MEDLOW},
	{ROLE_MIM, ROLE_DEPUTY, MED, false, true, OK},
	{ROLE_MIM, ROLE_DEPUTY, LOW, false, true, OK},
	{ROLE_INTERNAL_LIAISON, ROLE_SCRIBE, CRIT, true, false, EXIST},
	{ROLE_INTERNAL_LIAISON, ROLE_SCRIBE, CRIT, false, false, MEDLOW},
	{ROLE_INTERNAL_LIAISON, ROLE_SCRIBE, HIGH, false, false, MEDLOW},
	{ROLE_INTERNAL_LIAISON, ROLE_SCRIBE, MED, false, true, OK},
	{ROLE_INTERNAL_LIAISON, ROLE_SCRIBE, LOW, false, true, OK},
	/* only below critical */
	{ROLE_DEPUTY, ROLE_SCRIBE, CRIT, true, false, EXIST},
	{ROLE_DEPUTY, ROLE_SCRIBE, CRIT, false, false, BELOWCRIT},
	{ROLE_DEPUTY, ROLE_SCRIBE, HIGH, false, true, OK},
	{ROLE_DEPUTY, ROLE_SCRIBE, MED, false, true, OK},
	{ROLE_DEPUTY, ROLE_SCRIBE, LOW, false, true, OK},
	/* any non-existential severity */
	{ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON, CRIT, true, false, EXIST},
	{ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON, CRIT, false, true, OK},
	{ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON, HIGH, false, true, OK},
	{ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON, MED, false, true, OK},
	{ROLE_CUSTOMER_OPS, ROLE_INTERNAL_LIAISON, LOW, false, true, OK},
	/* pairs the doctrine does not name: allowed unless existential */
	{ROLE_SRE, ROLE_SME, CRIT, true, false, EXIST},
	{ROLE_SRE, ROLE_SME, CRIT, false, true, OK},
	{ROLE_SRE, ROLE_SME, HIGH, false, true, OK},
	{ROLE_SRE, ROLE_SME, MED, false, true, OK},
	{ROLE_SRE, ROLE_SME, LOW, false, true, OK},
	{ROLE_DEPUTY, ROLE_SRE, CRIT, false, true, OK},
	{ROLE_SCRIBE, ROLE_SRE, LOW, false, true, OK},
	{ROLE_MIM, ROLE_INTERNAL_LIAISON, HIGH, false, true, OK},
	{ROLE_MIM, ROLE_LEADER, CRIT, false, true, OK},
	{ROLE_MIM, ROLE_LEADER, CRIT, true, false, EXIST},
	{ROLE_LEADER, ROLE_SERVICE_MANAGER, CRIT, false, true, OK},
	{ROLE_LEADER, ROLE_SERVICE_MANAGER, CRIT, true, false, EXIST},
	{ROLE_LEGAL, ROLE_PR, CRIT, true, false, EXIST},
	{ROLE_SME, ROLE_SERVICE_MANAGER, CRIT, true, false, EXIST},
	/* the existential flag is the Sev-0 posture only on a critical incident */
	{ROLE_MIM, ROLE_DEPUTY, HIGH, true, false, MEDLOW},
	{ROLE_MIM, ROLE_DEPUTY, MED, true, true, OK},
	{ROLE_DEPUTY, ROLE_SCRIBE, HIGH, true, true, OK},
	{ROLE_SRE, ROLE_SME, LOW, true, true, OK},
	{ROLE_MIM, ROLE_SRE, HIGH, true, false, NEVER},
	/* holding one role twice is no combination */
	{ROLE_MIM, ROLE_MIM, CRIT, true, true, OK},
	{ROLE_SCRIBE, ROLE_SCRIBE, CRIT, false, true, OK},
	{ROLE_SRE, ROLE_SRE, LOW, false, true, OK},
};

static void test_combination_table(void)
{
	for (size_t i = 0; i < NELEM(combination_cases); i++) {
		const struct combination_case *c = &combination_cases[i];

		/* the order of the two roles never matters */
		for (int swap = 0; swap < 2; swap++) {
			enum role a = swap ? c->b : c->a, b = swap ? c->a : c->b;
			struct doctrine_verdict v;
			int rc = doctrine_combination_allowed(a, b, c->sev, c->existential, &v);

			CHECK_MSG(rc == (c->allowed ? 0 : -1), "%s+%s at %s%s: rc %d", role_name(a),
				  role_name(b), severity_name(c->sev),
				  c->existential ? " existential" : "", rc);
			CHECK_VERDICT(v, c->rule);
		}
	}
}

static void test_combination_exhaustive(void)
{
	/* Symmetric everywhere; every distinct pair refused at existential critical. */
	for (int a = 0; a < ROLE__MAX; a++) {
		for (int b = 0; b < ROLE__MAX; b++) {
			for (int s = 0; s < SEVERITY__MAX; s++) {
				for (int ex = 0; ex < 2; ex++) {
					struct doctrine_verdict vab, vba;
					int ab = doctrine_combination_allowed(
						(enum role)a, (enum role)b, (enum severity)s, ex, &vab);
					int ba = doctrine_combination_allowed(
						(enum role)b, (enum role)a, (enum severity)s, ex, &vba);

					CHECK_MSG(ab == ba && vab.rule == vba.rule,
						  "%s+%s is not symmetric",
						  role_name((enum role)a), role_name((enum role)b));
					if (ex && s == CRIT && a != b)
						CHECK_MSG(ab == -1, "%s+%s allowed when existential",
							  role_name((enum role)a),
							  role_name((enum role)b));
				}
			}
		}
	}
	/* NULL verdicts are allowed for callers that only need the answer. */
	CHECK_INT(doctrine_combination_allowed(ROLE_MIM, ROLE_SRE, LOW, false, NULL), -1);
	CHECK_INT(doctrine_combination_allowed(ROLE_SRE, ROLE_SME, LOW, false, NULL), 0);
}

static void test_combination_messages(void)
{
	struct doctrine_verdict v;

	CHECK_INT(doctrine_combination_allowed(ROLE_MIM, ROLE_SRE, LOW, false, &v), -1);
	CHECK_STR(v.message,
		  "the MIM may never also be the SRE: the MIM commands and never fixes "
		  "(roles.neverCombine)");
	CHECK_INT(doctrine_combination_allowed(ROLE_DEPUTY, ROLE_MIM, HIGH, false, &v), -1);
	CHECK_STR(v.message,
		  "the deputy and the MIM may be one person only at medium or low severity, "
		  "not high: above medium the deputy must be free to take over command "
		  "(roles.onlyMediumLow)");
	CHECK_INT(doctrine_combination_allowed(ROLE_DEPUTY, ROLE_SCRIBE, CRIT, false, &v), -1);
	CHECK_STR(v.message,
		  "the deputy and the scribe may be one person only below critical: at critical "
		  "fatigue compounds and the timeline suffers first (roles.onlyBelowCritical)");
	CHECK_INT(doctrine_combination_allowed(ROLE_LEGAL, ROLE_PR, CRIT, true, &v), -1);
	CHECK_STR(v.message,
		  "an existential incident combines no roles: the legal counsel and the PR "
		  "principal need two people (roles.existentialNoCombination)");
}

/* --- role assignment ------------------------------------------------------------------ */

struct assign_case {
	const char *name;
	enum severity sev;
	bool existential;
	const char *roles[ROLE__MAX];
	enum role role;
	const char *person;
	int rc;
	enum doctrine_rule rule;
};

static const struct assign_case assign_cases[] = {
	{"mim is taken as sre, trimmed and case-folded", CRIT, false,
	 {[ROLE_MIM] = "Ada Lovelace"}, ROLE_SRE, "  ada LOVELACE ", -1, NEVER},
	{"tabs and newlines trim too", LOW, false, {[ROLE_MIM] = "\tAda\n"}, ROLE_SRE, "ada",
	 -1, NEVER},
	{"another person as sre", CRIT, false, {[ROLE_MIM] = "Ada Lovelace"}, ROLE_SRE,
	 "Grace Hopper", 0, OK},
	{"a name prefix is another person", CRIT, false, {[ROLE_MIM] = "Ada Lovelace"},
	 ROLE_SRE, "Ada", 0, OK},
	{"the same role again", CRIT, true, {[ROLE_MIM] = "Ada"}, ROLE_MIM, "ADA", 0, OK},
	{"vacating with NULL", CRIT, true, {[ROLE_MIM] = "Ada"}, ROLE_SRE, NULL, 0, OK},
	{"vacating with empty", CRIT, true, {[ROLE_MIM] = "Ada"}, ROLE_SRE, "", 0, OK},
	{"vacating with blanks", CRIT, true, {[ROLE_MIM] = "Ada"}, ROLE_SRE, "   ", 0, OK},
	{"blank holders are nobody", CRIT, false, {[ROLE_MIM] = "  "}, ROLE_SRE, " ", 0, OK},
	{"mim as deputy at medium", MED, false, {[ROLE_MIM] = "Ada"}, ROLE_DEPUTY, "Ada", 0, OK},
	{"mim as deputy at high", HIGH, false, {[ROLE_MIM] = "Ada"}, ROLE_DEPUTY, "Ada", -1,
	 MEDLOW},
	{"deputy as scribe at high", HIGH, false, {[ROLE_DEPUTY] = "Bea"}, ROLE_SCRIBE, "bea", 0,
	 OK},
	{"deputy as scribe at critical", CRIT, false, {[ROLE_DEPUTY] = "Bea"}, ROLE_SCRIBE,
	 "bea", -1, BELOWCRIT},
	{"existential flag on high is high", HIGH, true, {[ROLE_DEPUTY] = "Bea"}, ROLE_SCRIBE,
	 "Bea", 0, OK},
	{"sre as leader when existential", CRIT, true, {[ROLE_SRE] = "Dan"}, ROLE_LEADER, "dan",
	 -1, EXIST},
	{"mim as customerOps when existential", CRIT, true, {[ROLE_MIM] = "Ada"},
	 ROLE_CUSTOMER_OPS, "Ada", -1, NEVER},
	{"customerOps as liaison at critical", CRIT, false, {[ROLE_CUSTOMER_OPS] = "Eve"},
	 ROLE_INTERNAL_LIAISON, "Eve", 0, OK},
	{"a person with several roles", CRIT, false, {[ROLE_SCRIBE] = "Cy", [ROLE_SRE] = "Cy"},
	 ROLE_MIM, "cy", -1, NEVER},
	{"someone else's roles do not count", HIGH, false,
	 {[ROLE_MIM] = "Ada", [ROLE_DEPUTY] = "Bea", [ROLE_SRE] = "Dan"}, ROLE_SCRIBE, "Bea", 0,
	 OK},
};

static void test_role_assignment(void)
{
	for (size_t i = 0; i < NELEM(assign_cases); i++) {
		const struct assign_case *c = &assign_cases[i];
		struct incident inc;
		struct doctrine_verdict v;

		incident_fixture(&inc, c->sev, 2);
		inc.existential = c->existential;
		if (incident_fixture_roles(&inc, c->roles) == 0) {
			int rc = doctrine_check_role_assignment(&inc, c->role, c->person, &v);

			CHECK_MSG(rc == c->rc, "%s: rc %d, want %d", c->name, rc, c->rc);
			CHECK_VERDICT(v, c->rule);
		} else {
			unit_fail(__FILE__, __LINE__, "%s: out of memory", c->name);
		}
		incident_free(&inc);
	}
}

/* --- staffing ------------------------------------------------------------------------ */

#define VACANT STAFFING_VACANT
#define SHARED STAFFING_SHARED
#define COMBINATION STAFFING_COMBINATION
#define NOBODY ROLE__MAX

struct staffing_case {
	const char *name;
	enum severity sev;
	bool existential;
	const char *roles[ROLE__MAX];
	size_t nrequired;
	enum role required[ROLE__MAX];
	size_t ngaps;
	struct staffing_gap gaps[8];
};

/* The six engineering roles by holder, in the order SPEC §4 lists them. */
#define SIX(mim, deputy, scribe, sre, cops, liaison)                                    \
	[ROLE_MIM] = (mim), [ROLE_DEPUTY] = (deputy), [ROLE_SCRIBE] = (scribe),         \
	[ROLE_SRE] = (sre), [ROLE_CUSTOMER_OPS] = (cops), [ROLE_INTERNAL_LIAISON] = (liaison)
#define SIX_DISTINCT SIX("Ada", "Bea", "Cy", "Dan", "Eve", "Fay")
#define REQ_LOW 2, {ROLE_MIM, ROLE_SRE}
#define REQ_MEDIUM 3, {ROLE_MIM, ROLE_SRE, ROLE_SCRIBE}
#define REQ_SIX                                                                    \
	6, {ROLE_MIM, ROLE_DEPUTY, ROLE_SCRIBE, ROLE_SRE, ROLE_CUSTOMER_OPS,             \
	    ROLE_INTERNAL_LIAISON}
#define REQ_NINE                                                                   \
	9, {ROLE_MIM, ROLE_DEPUTY, ROLE_SCRIBE, ROLE_SRE, ROLE_CUSTOMER_OPS,             \
	    ROLE_INTERNAL_LIAISON, ROLE_LEADER, ROLE_LEGAL, ROLE_PR}

static const struct staffing_case staffing_cases[] = {
	{"low, nobody", LOW, false, {0}, REQ_LOW, 2,
	 {{ROLE_MIM, VACANT, NOBODY}, {ROLE_SRE, VACANT, NOBODY}}},
	{"low, staffed", LOW, false, {[ROLE_MIM] = "Ada", [ROLE_SRE] = "Dan"}, REQ_LOW, 0, {{0}}},
	{"low, mim is the sre", LOW, false, {[ROLE_MIM] = "Ada", [ROLE_SRE] = " ada"}, REQ_LOW,
	 1, {{ROLE_SRE, COMBINATION, ROLE_MIM}}},
	{"low, blank mim is vacant", LOW, false, {[ROLE_MIM] = "  ", [ROLE_SRE] = "Dan"},
	 REQ_LOW, 1, {{ROLE_MIM, VACANT, NOBODY}}},
	{"medium, no scribe", MED, false, {[ROLE_MIM] = "Ada", [ROLE_SRE] = "Dan"}, REQ_MEDIUM,
	 1, {{ROLE_SCRIBE, VACANT, NOBODY}}},
	{"medium, sre doubles as scribe", MED, false,
	 {[ROLE_MIM] = "Ada", [ROLE_SRE] = "Dan", [ROLE_SCRIBE] = "Dan"}, REQ_MEDIUM, 0, {{0}}},
	{"medium, mim doubles as deputy", MED, false,
	 {[ROLE_MIM] = "Ada", [ROLE_DEPUTY] = "Ada", [ROLE_SRE] = "Dan", [ROLE_SCRIBE] = "Cy"},
	 REQ_MEDIUM, 0, {{0}}},
	{"medium, mim is the scribe", MED, false,
	 {[ROLE_MIM] = "Ada", [ROLE_SRE] = "Dan", [ROLE_SCRIBE] = "ADA"}, REQ_MEDIUM, 1,
	 {{ROLE_SCRIBE, COMBINATION, ROLE_MIM}}},
	{"high, six distinct", HIGH, false, {SIX_DISTINCT}, REQ_SIX, 0, {{0}}},
	{"high, nobody", HIGH, false, {0}, REQ_SIX, 6,
	 {{ROLE_MIM, VACANT, NOBODY}, {ROLE_DEPUTY, VACANT, NOBODY},
	  {ROLE_SCRIBE, VACANT, NOBODY}, {ROLE_SRE, VACANT, NOBODY},
	  {ROLE_CUSTOMER_OPS, VACANT, NOBODY}, {ROLE_INTERNAL_LIAISON, VACANT, NOBODY}}},
	{"high, the two allowed shares", HIGH, false,
	 {[ROLE_MIM] = "Ada", [ROLE_DEPUTY] = "Bea", [ROLE_SCRIBE] = "Bea", [ROLE_SRE] = "Dan",
	  [ROLE_CUSTOMER_OPS] = "Eve", [ROLE_INTERNAL_LIAISON] = "Eve"},
	 REQ_SIX, 0, {{0}}},
	{"high, deputy is the sre", HIGH, false,
	 {SIX("Ada", "Bea", "Cy", "Bea", "Eve", "Fay")}, REQ_SIX, 1, {{ROLE_SRE, SHARED, ROLE_DEPUTY}}},
	{"high, deputy is customerOps", HIGH, false,
	 {SIX("Ada", "Bea", "Cy", "Dan", "Bea", "Fay")}, REQ_SIX, 1,
	 {{ROLE_CUSTOMER_OPS, SHARED, ROLE_DEPUTY}}},
	{"high, mim kept the deputy role after a raise from medium", HIGH, false,
	 {SIX("Ada", "Ada", "Cy", "Dan", "Eve", "Fay")}, REQ_SIX, 1,
	 {{ROLE_DEPUTY, COMBINATION, ROLE_MIM}}},
	{"high, liaison is the scribe", HIGH, false,
	 {SIX("Ada", "Bea", "Cy", "Dan", "Eve", "Cy")}, REQ_SIX, 1,
	 {{ROLE_INTERNAL_LIAISON, COMBINATION, ROLE_SCRIBE}}},
	{"high, sre is also the sme (not required)", HIGH, false,
	 {SIX_DISTINCT, [ROLE_SME] = "Dan"}, REQ_SIX, 0, {{0}}},
	{"high, mim also fixes", HIGH, false,
	 {SIX("Ada", "Bea", "Cy", "Ada", "Eve", "Fay"), [ROLE_SME] = "Ada"}, REQ_SIX, 2,
	 {{ROLE_SRE, COMBINATION, ROLE_MIM}, {ROLE_SME, COMBINATION, ROLE_MIM}}},
	{"high, existential flag ignored", HIGH, true,
	 {SIX("Ada", "Bea", "Bea", "Dan", "Eve", "Fay")}, REQ_SIX, 0, {{0}}},
	{"critical, six distinct", CRIT, false, {SIX_DISTINCT}, REQ_SIX, 0, {{0}}},
	{"critical, deputy is the scribe", CRIT, false, {SIX("Ada", "Bea", "Bea", "Dan", "Eve", "Fay")},
	 REQ_SIX, 1, {{ROLE_SCRIBE, COMBINATION, ROLE_DEPUTY}}},
	{"critical, customerOps is the liaison", CRIT, false,
	 {SIX("Ada", "Bea", "Cy", "Dan", "Eve", "eve ")}, REQ_SIX, 1,
	 {{ROLE_INTERNAL_LIAISON, SHARED, ROLE_CUSTOMER_OPS}}},
	{"critical, deputy is the sre", CRIT, false, {SIX("Ada", "Bea", "Cy", "Bea", "Eve", "Fay")}, REQ_SIX,
	 1, {{ROLE_SRE, SHARED, ROLE_DEPUTY}}},
	{"critical, vacant and shared", CRIT, false,
	 {SIX("Ada", NULL, "Cy", "Dan", "Eve", "Eve")}, REQ_SIX, 2,
	 {{ROLE_DEPUTY, VACANT, NOBODY}, {ROLE_INTERNAL_LIAISON, SHARED, ROLE_CUSTOMER_OPS}}},
	{"critical, leader is the service manager", CRIT, false,
	 {SIX_DISTINCT, [ROLE_LEADER] = "Gus", [ROLE_SERVICE_MANAGER] = "Gus"}, REQ_SIX, 0,
	 {{0}}},
	{"existential, nine distinct", CRIT, true,
	 {SIX_DISTINCT, [ROLE_LEADER] = "Gus", [ROLE_LEGAL] = "Hal", [ROLE_PR] = "Ivy"},
	 REQ_NINE, 0, {{0}}},
	{"existential, business roles vacant", CRIT, true, {SIX_DISTINCT}, REQ_NINE, 3,
	 {{ROLE_LEADER, VACANT, NOBODY}, {ROLE_LEGAL, VACANT, NOBODY},
	  {ROLE_PR, VACANT, NOBODY}}},
	{"existential, customerOps is the liaison", CRIT, true,
	 {SIX("Ada", "Bea", "Cy", "Dan", "Eve", "Eve"), [ROLE_LEADER] = "Gus",
	  [ROLE_LEGAL] = "Hal", [ROLE_PR] = "Ivy"},
	 REQ_NINE, 1, {{ROLE_INTERNAL_LIAISON, COMBINATION, ROLE_CUSTOMER_OPS}}},
	{"existential, an sme is the leader", CRIT, true,
	 {SIX_DISTINCT, [ROLE_SME] = "Gus", [ROLE_LEADER] = "gus", [ROLE_LEGAL] = "Hal",
	  [ROLE_PR] = "Ivy"},
	 REQ_NINE, 1, {{ROLE_LEADER, COMBINATION, ROLE_SME}}},
	{"existential, legal is pr", CRIT, true,
	 {SIX_DISTINCT, [ROLE_LEADER] = "Gus", [ROLE_LEGAL] = "Hal", [ROLE_PR] = "Hal"},
	 REQ_NINE, 1, {{ROLE_PR, COMBINATION, ROLE_LEGAL}}},
};

static void test_staffing_table(void)
{
	for (size_t i = 0; i < NELEM(staffing_cases); i++) {
		const struct staffing_case *c = &staffing_cases[i];
		struct incident inc;
		struct staffing st;

		incident_fixture(&inc, c->sev, 2);
		inc.existential = c->existential;
		if (incident_fixture_roles(&inc, c->roles) != 0) {
			unit_fail(__FILE__, __LINE__, "%s: out of memory", c->name);
			incident_free(&inc);
			continue;
		}
		memset(&st, 0x5a, sizeof(st));
		doctrine_staffing(&inc, &st);
		CHECK_MSG(st.nrequired == c->nrequired, "%s: %zu required, want %zu", c->name,
			  st.nrequired, c->nrequired);
		for (size_t r = 0; r < st.nrequired && r < c->nrequired; r++)
			CHECK_MSG(st.required[r] == c->required[r], "%s: required[%zu] %s, want %s",
				  c->name, r, role_name(st.required[r]), role_name(c->required[r]));
		CHECK_MSG(st.ngaps == c->ngaps, "%s: %zu gaps, want %zu", c->name, st.ngaps,
			  c->ngaps);
		for (size_t g = 0; g < st.ngaps && g < c->ngaps; g++) {
			const struct staffing_gap *got = &st.gaps[g], *want = &c->gaps[g];

			CHECK_MSG(got->role == want->role && got->reason == want->reason &&
					  got->with == want->with,
				  "%s: gap %zu is %s/%s/%s, want %s/%s/%s", c->name, g,
				  role_name(got->role), staffing_reason_name(got->reason),
				  role_name(got->with), role_name(want->role),
				  staffing_reason_name(want->reason), role_name(want->with));
		}
		incident_free(&inc);
	}
}

static void test_staffing_one_person_everything(void)
{
	struct incident inc;
	struct staffing st;

	/* One person in all eleven roles makes 55 pairs: the gap table must stay in bounds. */
	incident_fixture(&inc, CRIT, 1);
	inc.existential = true;
	for (int r = 0; r < ROLE__MAX; r++)
		CHECK_INT(incident_set_text(&inc.roles[r], "Solo"), 0);
	doctrine_staffing(&inc, &st);
	CHECK_INT(st.nrequired, 9);
	CHECK_INT(st.ngaps, NELEM(st.gaps));
	for (size_t g = 0; g < st.ngaps; g++)
		CHECK(st.gaps[g].reason == COMBINATION);
	incident_free(&inc);
}

/* --- cadence ------------------------------------------------------------------------- */

struct default_cadence_case {
	enum audience a;
	enum severity s;
	int64_t want;
};

static const struct default_cadence_case default_cadence_cases[] = {
	{AUDIENCE_PUBLIC, CRIT, 30 * MIN},  {AUDIENCE_PUBLIC, HIGH, 30 * MIN},
	{AUDIENCE_PUBLIC, MED, 30 * MIN},   {AUDIENCE_PUBLIC, LOW, 30 * MIN},
	{AUDIENCE_INTERNAL, CRIT, 60 * MIN}, {AUDIENCE_INTERNAL, HIGH, 60 * MIN},
	{AUDIENCE_INTERNAL, MED, 0},        {AUDIENCE_INTERNAL, LOW, 0},
	{AUDIENCE_EXEC, CRIT, 60 * MIN},    {AUDIENCE_EXEC, HIGH, 60 * MIN},
	{AUDIENCE_EXEC, MED, 0},            {AUDIENCE_EXEC, LOW, 0},
};

static void test_default_cadence(void)
{
	for (size_t i = 0; i < NELEM(default_cadence_cases); i++) {
		const struct default_cadence_case *c = &default_cadence_cases[i];

		CHECK_MSG(doctrine_default_cadence(c->a, c->s) == c->want,
			  "%s at %s: %lld ms", audience_name(c->a), severity_name(c->s),
			  (long long)doctrine_default_cadence(c->a, c->s));
	}
}

enum cadence_incident { OPEN, RESOLVED_STATUS, RESOLVED_AT_ONLY };

struct cadence_case {
	const char *name;
	enum audience a;
	enum severity sev;
	enum cadence_incident state;
	bool has_update;
	int64_t eta;      /* relative to the last publication, or UNSET */
	bool resolution;  /* the last update was a resolution */
	int64_t now;      /* relative to the last publication */
	enum cadence_state want;
};

static const struct cadence_case cadence_cases[] = {
	{"nothing published", AUDIENCE_PUBLIC, HIGH, OPEN, false, UNSET, false, 90 * MIN,
	 CADENCE_NONE},
	{"eta 30, just published", AUDIENCE_PUBLIC, HIGH, OPEN, true, 30 * MIN, false, 0,
	 CADENCE_OK},
	{"eta 30, 5:01 left", AUDIENCE_PUBLIC, HIGH, OPEN, true, 30 * MIN, false,
	 25 * MIN - SEC, CADENCE_OK},
	{"eta 30, 5:00 left", AUDIENCE_PUBLIC, HIGH, OPEN, true, 30 * MIN, false, 25 * MIN,
	 CADENCE_DUE},
	{"eta 30, 1 min left", AUDIENCE_PUBLIC, HIGH, OPEN, true, 30 * MIN, false, 29 * MIN,
	 CADENCE_DUE},
	{"eta 30, at the deadline", AUDIENCE_PUBLIC, HIGH, OPEN, true, 30 * MIN, false,
	 30 * MIN, CADENCE_DUE},
	{"eta 30, 1 ms past", AUDIENCE_PUBLIC, HIGH, OPEN, true, 30 * MIN, false, 30 * MIN + 1,
	 CADENCE_OVERDUE},
	{"holding eta 15 beats the 30 min default", AUDIENCE_PUBLIC, CRIT, OPEN, true, 15 * MIN,
	 false, 16 * MIN, CADENCE_OVERDUE},
	{"eta 90 beats the 30 min default", AUDIENCE_PUBLIC, CRIT, OPEN, true, 90 * MIN, false,
	 40 * MIN, CADENCE_OK},
	{"eta on internal at medium is still a commitment", AUDIENCE_INTERNAL, MED, OPEN, true,
	 20 * MIN, false, 21 * MIN, CADENCE_OVERDUE},
	{"public default at low, ok", AUDIENCE_PUBLIC, LOW, OPEN, true, UNSET, false, 20 * MIN,
	 CADENCE_OK},
	{"public default at low, due", AUDIENCE_PUBLIC, LOW, OPEN, true, UNSET, false, 26 * MIN,
	 CADENCE_DUE},
	{"public default at low, overdue", AUDIENCE_PUBLIC, LOW, OPEN, true, UNSET, false,
	 31 * MIN, CADENCE_OVERDUE},
	{"internal default at critical, ok", AUDIENCE_INTERNAL, CRIT, OPEN, true, UNSET, false,
	 50 * MIN, CADENCE_OK},
	{"internal default at critical, due", AUDIENCE_INTERNAL, CRIT, OPEN, true, UNSET, false,
	 56 * MIN, CADENCE_DUE},
	{"internal default at critical, overdue", AUDIENCE_INTERNAL, CRIT, OPEN, true, UNSET,
	 false, 61 * MIN, CADENCE_OVERDUE},
	{"exec default at high, overdue", AUDIENCE_EXEC, HIGH, OPEN, true, UNSET, false,
	 61 * MIN, CADENCE_OVERDUE},
	{"internal at medium owes nothing", AUDIENCE_INTERNAL, MED, OPEN, true, UNSET, false,
	 600 * MIN, CADENCE_OK},
	{"exec at low owes nothing", AUDIENCE_EXEC, LOW, OPEN, true, UNSET, false, 600 * MIN,
	 CADENCE_OK},
	{"a resolution update owes nothing", AUDIENCE_PUBLIC, CRIT, OPEN, true, 30 * MIN, true,
	 600 * MIN, CADENCE_NONE},
	{"a resolved incident owes nothing", AUDIENCE_PUBLIC, CRIT, RESOLVED_STATUS, true,
	 30 * MIN, false, 600 * MIN, CADENCE_NONE},
	{"resolved earlier, status moved on", AUDIENCE_INTERNAL, CRIT, RESOLVED_AT_ONLY, true,
	 UNSET, false, 600 * MIN, CADENCE_NONE},
};

static void test_cadence(void)
{
	for (size_t i = 0; i < NELEM(cadence_cases); i++) {
		const struct cadence_case *c = &cadence_cases[i];
		struct incident inc;
		struct cadence_input in;
		int64_t published = T0 + 30 * MIN;
		enum cadence_state got;

		incident_fixture(&inc, c->sev, c->state == OPEN ? 5 : 8);
		if (c->state == RESOLVED_STATUS)
			inc.status = STATUS_RESOLVED;
		if (c->state != OPEN)
			inc.resolved_at = published - MIN;
		if (c->state == RESOLVED_AT_ONLY)
			inc.status = STATUS_MONITORING;
		in.has_update = c->has_update;
		in.last_published_at = c->has_update ? published : TIME_NONE;
		in.next_update_eta = c->eta == UNSET ? TIME_NONE : published + c->eta;
		in.last_was_resolution = c->resolution;
		got = doctrine_cadence(c->a, &inc, &in, published + c->now);
		CHECK_MSG(got == c->want, "%s: %s, want %s", c->name, cadence_state_name(got),
			  cadence_state_name(c->want));
		incident_free(&inc);
	}
}

/* --- channel names ------------------------------------------------------------------- */

struct channel_case {
	const char *title;
	int64_t opened_at;
	const char *want;
};

static const struct channel_case channel_cases[] = {
	{"DB degraded", T0, "#inc-2026-05-20-db-degraded"},
	{"Auth outage", T0, "#inc-2026-05-20-auth-outage"},
	{"DB degraded!!! (EU-west)", T0, "#inc-2026-05-20-db-degraded-eu-west"},
	{"  --Payments__API   is DOWN--  ", T0, "#inc-2026-05-20-payments-api-is-down"},
	{"Auth outage: login fails for all users", T0, "#inc-2026-05-20-auth-outage-login-fails"},
	{"5xx spike on API v2", T0, "#inc-2026-05-20-5xx-spike-on-api"},
	{"Zahlungsausfall in M\xc3\xbcnchen", T0, "#inc-2026-05-20-zahlungsausfall-in-m-nchen"},
	{"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e only", T0, "#inc-2026-05-20-only"},
	{"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", T0, "#inc-2026-05-20-incident"},
	{"\xff\xfe broken \x80 bytes", T0, "#inc-2026-05-20-broken-bytes"},
	/* 12 + 1 + 14 + 1 + 8 = 36; "-across" would make 43 */
	{"Intermittent authentication failures across multiregional deployments", T0,
	 "#inc-2026-05-20-intermittent-authentication-failures"},
	/* exactly 40 slug characters fit */
	{"aaaaaaaaa bbbbbbbbb ccccccccc dddddddddd", T0,
	 "#inc-2026-05-20-aaaaaaaaa-bbbbbbbbb-ccccccccc-dddddddddd"},
	{"aaaaaaaaa bbbbbbbbb ccccccccc ddddddddddd", T0,
	 "#inc-2026-05-20-aaaaaaaaa-bbbbbbbbb-ccccccccc"},
	{"Supercalifragilisticexpialidocious-ly-overlong-identifierword", T0,
	 "#inc-2026-05-20-supercalifragilisticexpialidocious-ly"},
	/* one word longer than the slug is cut rather than lost */
	{"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", T0,
	 "#inc-2026-05-20-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	{"", T0, "#inc-2026-05-20-incident"},
	{NULL, T0, "#inc-2026-05-20-incident"},
	{"!!! ??? ...", T0, "#inc-2026-05-20-incident"},
	{"Leap day", 1709208000000, "#inc-2024-02-29-leap-day"},
	{"Epoch", 0, "#inc-1970-01-01-epoch"},
	{"Late", 1798761599999, "#inc-2026-12-31-late"},
};

static void test_channel_names(void)
{
	for (size_t i = 0; i < NELEM(channel_cases); i++) {
		char out[CHANNEL_NAME_MAX];

		memset(out, '#', sizeof(out));
		doctrine_channel_name(channel_cases[i].title, channel_cases[i].opened_at, out);
		CHECK_STR(out, channel_cases[i].want);
	}
}

static void test_channel_name_bounds(void)
{
	char title[600];
	char out[CHANNEL_NAME_MAX];

	/* Whatever the title, the name fits, uses only the slug alphabet, and never
	 * starts, ends or doubles a hyphen. */
	for (int seed = 1; seed < 200; seed++) {
		size_t len = (size_t)(seed * 7 % 599);
		size_t slug_at = strlen("#inc-2026-05-20-");

		for (size_t i = 0; i < len; i++)
			title[i] = (char)((seed * 31 + (int)i * 17) % 255 + 1);
		title[len] = '\0';
		doctrine_channel_name(title, T0, out);
		CHECK(strlen(out) < CHANNEL_NAME_MAX);
		CHECK(strncmp(out, "#inc-2026-05-20-", slug_at) == 0);
		CHECK(strlen(out) - slug_at <= 40);
		CHECK(out[slug_at] != '-' && out[strlen(out) - 1] != '-');
		CHECK(strstr(out, "--") == NULL);
		for (const char *p = out + slug_at; *p; p++)
			CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
	}
}

UNIT_SUITE(doctrine_suite) = {
	{"doctrine_rule_names", test_doctrine_rule_names},
	{"doctrine_alarm_levels", test_doctrine_alarm_levels},
	{"wire_names_round_trip", test_wire_names_round_trip},
	{"wire_names_spelling", test_wire_names_spelling},
	{"incident_init_defaults", test_incident_init_defaults},
	{"incident_set_text", test_incident_set_text},
	{"incident_copy_deep", test_incident_copy_deep},
	{"incident_copy_empty", test_incident_copy_empty},
	{"phase_refusals", test_phase_refusals},
	{"phase_gates", test_phase_gates},
	{"phase_gate_assess_never_entered", test_phase_gate_assess_never_entered},
	{"phase_gate_reopened_stale_times", test_phase_gate_reopened_stale_times},
	{"phase_gate_facts_null", test_phase_gate_facts_null},
	{"phase_gate_messages", test_phase_gate_messages},
	{"status_rule", test_status_rule},
	{"reopen", test_reopen},
	{"responder_transitions", test_responder_transitions},
	{"combination_table", test_combination_table},
	{"combination_exhaustive", test_combination_exhaustive},
	{"combination_messages", test_combination_messages},
	{"role_assignment", test_role_assignment},
	{"staffing_table", test_staffing_table},
	{"staffing_one_person_everything", test_staffing_one_person_everything},
	{"default_cadence", test_default_cadence},
	{"cadence", test_cadence},
	{"channel_names", test_channel_names},
	{"channel_name_bounds", test_channel_name_bounds},
	UNIT_END
};
