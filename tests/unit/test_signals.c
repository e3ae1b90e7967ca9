/*
 * Unit tests for alert intake's pure parts: the three payload shapes (src/signals.c, with
 * real-world samples carrying extra fields), the severity mapping, times with offsets,
 * keys, trimming; and run cards (src/runcards.c): validation, the Box 0–3 defaults,
 * application to a new incident.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "parse.h"
#include "runcards.h"
#include "signals.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* An Alertmanager 0.25 webhook as sent, two alerts, with the members intake ignores. */
static const char am_sample[] =
	"{\"receiver\":\"majorops\",\"status\":\"firing\",\"alerts\":["
	"{\"status\":\"firing\",\"labels\":{\"alertname\":\"HighErrorRate\",\"instance\":\"web-1\","
	"\"job\":\"checkout\",\"service\":\"checkout\",\"severity\":\"page\"},"
	"\"annotations\":{\"summary\":\"5xx above 5%\",\"description\":\"checkout answers 5xx\"},"
	"\"startsAt\":\"2026-05-20T09:15:00.123456789Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
	"\"generatorURL\":\"http://prometheus:9090/graph?g0.expr=x\",\"fingerprint\":\"1a2b3c4d5e6f7a8b\"},"
	"{\"status\":\"resolved\",\"labels\":{\"alertname\":\"HighErrorRate\",\"instance\":\"web-2\"},"
	"\"annotations\":{},\"startsAt\":\"2026-05-20T09:10:00+02:00\","
	"\"endsAt\":\"2026-05-20T09:20:00Z\",\"generatorURL\":\"\",\"fingerprint\":\"ffff000011112222\"}],"
	"\"groupLabels\":{\"alertname\":\"HighErrorRate\"},\"commonLabels\":{\"alertname\":\"HighErrorRate\"},"
	"\"commonAnnotations\":{},\"externalURL\":\"http://am:9093\",\"version\":\"4\","
	"\"groupKey\":\"{}:{alertname=\\\"HighErrorRate\\\"}\",\"truncatedAlerts\":0}";

/* A Grafana 10 alerting webhook. */
static const char grafana_sample[] =
	"{\"receiver\":\"mo\",\"status\":\"firing\",\"orgId\":1,\"alerts\":[{\"status\":\"firing\","
	"\"labels\":{\"alertname\":\"DiskFull\",\"grafana_folder\":\"infra\",\"severity\":\"warning\"},"
	"\"annotations\":{\"summary\":\"disk 95%\"},\"startsAt\":\"2026-05-20T09:00:00+01:00\","
	"\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://grafana/alerting/x\","
	"\"fingerprint\":\"9f8e7d\",\"silenceURL\":\"http://grafana/s\",\"dashboardURL\":\"http://grafana/d/1\","
	"\"panelURL\":\"http://grafana/d/1?viewPanel=2\",\"values\":{\"B\":95.1},\"valueString\":\"[ var='B' value=95.1 ]\"}],"
	"\"groupLabels\":{\"alertname\":\"DiskFull\"},\"commonLabels\":{},\"commonAnnotations\":{},"
	"\"externalURL\":\"http://grafana/\",\"version\":\"1\",\"groupKey\":\"{}:{alertname=\\\"DiskFull\\\"}\","
	"\"truncatedAlerts\":0,\"title\":\"[FIRING:1] DiskFull (infra)\",\"state\":\"alerting\","
	"\"message\":\"**Firing**\"}";

static json_t *load(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (v == NULL)
		unit_fail(__FILE__, __LINE__, "sample does not parse");
	return v;
}

static void test_signals_alertmanager_sample(void)
{
	json_t *body = load(am_sample);
	struct signal_batch b;
	struct api_error err;
	int64_t t;

	REQUIRE(body != NULL);
	REQUIRE(signal_parse(SIGNAL_ALERTMANAGER, body, "severity", &b, &err) == 0);
	CHECK_INT(b.nalerts, 2);
	CHECK_STR(b.group_key, "{}:{alertname=\"HighErrorRate\"}");
	CHECK(b.alerts[0].firing);
	CHECK(!b.alerts[1].firing);
	CHECK_STR(b.alerts[0].fingerprint, "1a2b3c4d5e6f7a8b");
	CHECK_STR(b.alerts[0].name, "HighErrorRate");
	CHECK_STR(b.alerts[0].severity, "page");
	CHECK_STR(b.alerts[0].service, "checkout");
	CHECK_STR(b.alerts[0].summary, "5xx above 5%");
	CHECK_STR(b.alerts[0].url, "http://prometheus:9090/graph?g0.expr=x");
	CHECK(b.alerts[1].url == NULL);
	CHECK(b.alerts[1].severity == NULL);
	REQUIRE(time_from_iso("2026-05-20T09:15:00.123Z", &t) == 0);
	CHECK_INT(b.alerts[0].starts_at, t);
	CHECK_INT(b.alerts[0].ends_at, TIME_NONE);
	REQUIRE(time_from_iso("2026-05-20T07:10:00Z", &t) == 0);
	CHECK_INT(b.alerts[1].starts_at, t);
	signal_batch_free(&b);
	json_decref(body);
}

static void test_signals_grafana_sample(void)
{
	json_t *body = load(grafana_sample);
	struct signal_batch b;
	struct api_error err;
	int64_t t;

	REQUIRE(body != NULL);
	REQUIRE(signal_parse(SIGNAL_GRAFANA, body, "severity", &b, &err) == 0);
	CHECK_INT(b.nalerts, 1);
	CHECK_STR(b.title, "[FIRING:1] DiskFull (infra)");
	CHECK_STR(b.alerts[0].url, "http://grafana/d/1?viewPanel=2");
	CHECK_STR(b.alerts[0].severity, "warning");
	REQUIRE(time_from_iso("2026-05-20T08:00:00Z", &t) == 0);
	CHECK_INT(b.alerts[0].starts_at, t);
	signal_batch_free(&b);
	json_decref(body);
}

static void test_signals_generic(void)
{
	json_t *body = load("{\"title\":\"Checkout down\",\"severity\":\"critical\",\"systems\":[\"checkout\"],"
			    "\"fingerprint\":\"chk-1\",\"status\":\"firing\",\"description\":\"d\",\"url\":\"https://x\","
			    "\"extra\":true}");
	json_t *bare = load("{\"title\":\"Only a title\"}");
	struct signal_batch b;
	struct api_error err;

	REQUIRE(body != NULL && bare != NULL);
	REQUIRE(signal_parse(SIGNAL_GENERIC, body, "severity", &b, &err) == 0);
	CHECK_INT(b.nalerts, 1);
	CHECK_STR(b.alerts[0].fingerprint, "chk-1");
	CHECK_STR(b.group_key, "chk-1");
	CHECK_STR(b.alerts[0].severity, "critical");
	CHECK(b.alerts[0].firing);
	CHECK_INT(json_array_size(b.systems), 1);
	signal_batch_free(&b);
	REQUIRE(signal_parse(SIGNAL_GENERIC, bare, "severity", &b, &err) == 0);
	CHECK_STR(b.alerts[0].fingerprint, "Only a title");
	CHECK(b.alerts[0].firing);
	signal_batch_free(&b);
	json_decref(body);
	json_decref(bare);
}

/* Payloads that are none of the shapes: the 400 names the member. */
static void test_signals_bad_payloads(void)
{
	static const struct {
		enum signal_kind kind;
		const char *body;
		const char *field;
	} cases[] = {
		{SIGNAL_ALERTMANAGER, "{\"groupKey\":\"g\",\"alerts\":[]}", "version"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"3\",\"groupKey\":\"g\",\"alerts\":[]}", "version"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"alerts\":[]}", "groupKey"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"groupKey\":\"g\"}", "alerts"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":{}}", "alerts"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[]}", "alerts"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":[{\"labels\":{}},{\"labels\":3}]}",
		 "alerts[1].labels"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[{\"labels\":{}}]}",
		 "alerts[0].status"},
		{SIGNAL_ALERTMANAGER, "{\"version\":\"4\",\"groupKey\":\"g\",\"alerts\":[{\"status\":\"firing\",\"labels\":{},\"startsAt\":\"yesterday\"}]}",
		 "alerts[0].startsAt"},
		{SIGNAL_GRAFANA, "{\"version\":\"2\",\"alerts\":[]}", "version"},
		{SIGNAL_GRAFANA, "{\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\"}]}", "alerts[0].labels"},
		{SIGNAL_GENERIC, "{\"severity\":\"high\"}", "title"},
		{SIGNAL_GENERIC, "{\"title\":\"x\",\"status\":\"gone\"}", "status"},
		{SIGNAL_GENERIC, "{\"title\":\"x\",\"systems\":\"web\"}", "systems"},
		{SIGNAL_GENERIC, "{\"title\":7}", "title"},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		json_t *body = json_loads(cases[i].body, 0, NULL);
		struct signal_batch b;
		struct api_error err;

		CHECK_MSG(body != NULL, "case %zu does not parse", i);
		if (body == NULL)
			continue;
		CHECK_MSG(signal_parse(cases[i].kind, body, "severity", &b, &err) == -1,
			  "case %zu accepted", i);
		CHECK_INT(err.status, 400);
		CHECK_STR(err.field, cases[i].field);
		signal_batch_free(&b);
		json_decref(body);
	}
}

static void test_signals_severity_mapping(void)
{
	json_t *map = load("{\"P1\":\"critical\",\"warning\":\"high\"}");
	enum severity s;

	REQUIRE(map != NULL);
	CHECK_INT(signal_severity("p1", map, SEVERITY_HIGH, &s), 1);
	CHECK_INT(s, SEVERITY_CRITICAL);
	/* The integration's map wins over the built-in words. */
	CHECK_INT(signal_severity("WARNING", map, SEVERITY_LOW, &s), 1);
	CHECK_INT(s, SEVERITY_HIGH);
	CHECK_INT(signal_severity("warning", NULL, SEVERITY_LOW, &s), 1);
	CHECK_INT(s, SEVERITY_MEDIUM);
	CHECK_INT(signal_severity("page", NULL, SEVERITY_LOW, &s), 1);
	CHECK_INT(s, SEVERITY_CRITICAL);
	CHECK_INT(signal_severity("info", NULL, SEVERITY_HIGH, &s), 1);
	CHECK_INT(s, SEVERITY_LOW);
	/* Unsure → the default. */
	CHECK_INT(signal_severity("banana", map, SEVERITY_HIGH, &s), 0);
	CHECK_INT(s, SEVERITY_HIGH);
	CHECK_INT(signal_severity(NULL, map, SEVERITY_MEDIUM, &s), 0);
	CHECK_INT(s, SEVERITY_MEDIUM);
	CHECK_INT(signal_severity_max(SEVERITY_LOW, SEVERITY_HIGH), SEVERITY_HIGH);
	CHECK_INT(signal_severity_max(SEVERITY_CRITICAL, SEVERITY_MEDIUM), SEVERITY_CRITICAL);
	json_decref(map);
}

static void test_signals_map_check(void)
{
	json_t *good = load("{\"page\":\"critical\"}"), *bad_value = load("{\"page\":\"urgent\"}");
	json_t *empty_key = load("{\"\":\"low\"}");
	struct api_error err;

	REQUIRE(good && bad_value && empty_key);
	CHECK_INT(signal_map_check(good, "severityMap", &err), 0);
	CHECK_INT(signal_map_check(bad_value, "severityMap", &err), -1);
	CHECK_STR(err.field, "severityMap");
	CHECK_INT(signal_map_check(empty_key, "severityMap", &err), -1);
	json_decref(good);
	json_decref(bad_value);
	json_decref(empty_key);
}

static void test_signals_time(void)
{
	static const struct {
		const char *in;
		const char *utc; /* NULL: refused */
	} cases[] = {
		{"2026-05-20T09:15:00Z", "2026-05-20T09:15:00Z"},
		{"2026-05-20T09:15:00.5Z", "2026-05-20T09:15:00.500Z"},
		{"2026-05-20T09:15:00.123456789Z", "2026-05-20T09:15:00.123Z"},
		{"2026-05-20T09:15:00+02:00", "2026-05-20T07:15:00Z"},
		{"2026-05-20T01:15:00-05:30", "2026-05-20T06:45:00Z"},
		{"2026-05-20T09:15:00.250+00:00", "2026-05-20T09:15:00.250Z"},
		{"2026-05-20 09:15:00", NULL},
		{"2026-05-20T09:15:00+2:00", NULL},
		{"", NULL},
	};
	int64_t t;

	for (size_t i = 0; i < NELEM(cases); i++) {
		int rc = signal_time(cases[i].in, &t);

		if (cases[i].utc == NULL) {
			CHECK_MSG(rc == -1, "'%s' accepted", cases[i].in);
		} else {
			char iso[TIME_ISO_MAX];

			CHECK_MSG(rc == 0, "'%s' refused", cases[i].in);
			time_to_iso(t, iso);
			CHECK_STR(iso, cases[i].utc);
		}
	}
	CHECK_INT(signal_time("0001-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, TIME_NONE);
}

static void test_signals_keys_and_trim(void)
{
	char key[SIGNAL_KEY_MAX + 1], longer[SIGNAL_KEY_MAX + 20], again[SIGNAL_KEY_MAX + 1];
	const char *text = "ab\xc3\xa9"; /* "abé": é is two bytes */

	signal_key("short", key);
	CHECK_STR(key, "short");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	signal_key(longer, key);
	signal_key(longer, again);
	CHECK(strncmp(key, "h:", 2) == 0);
	CHECK_INT(strlen(key), 2 + 32);
	CHECK_STR(key, again);
	CHECK_INT(signal_trim_len(text, 4, 10), 4);
	CHECK_INT(signal_trim_len(text, 4, 3), 2); /* never half of é */
	CHECK_INT(signal_trim_len(text, 4, 2), 2);
}

/* A fingerprint derived from labels does not depend on their order. */
static void test_signals_derived_fingerprint(void)
{
	json_t *a = load("{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":[{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}]}");
	json_t *b = load("{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":[{\"labels\":{\"b\":\"2\",\"a\":\"1\"}}]}");
	struct signal_batch ba, bb;
	struct api_error err;

	REQUIRE(a && b);
	REQUIRE(signal_parse(SIGNAL_ALERTMANAGER, a, "severity", &ba, &err) == 0);
	REQUIRE(signal_parse(SIGNAL_ALERTMANAGER, b, "severity", &bb, &err) == 0);
	CHECK_STR(ba.alerts[0].fingerprint, bb.alerts[0].fingerprint);
	CHECK(strncmp(ba.alerts[0].fingerprint, "l:", 2) == 0);
	CHECK_STR(ba.alerts[0].name, "alert");
	signal_batch_free(&ba);
	signal_batch_free(&bb);
	json_decref(a);
	json_decref(b);
}

static void test_signals_kind_names(void)
{
	enum signal_kind k;

	for (int i = 0; i < SIGNAL_KIND__MAX; i++) {
		CHECK_INT(signal_kind_parse(signal_kind_name((enum signal_kind)i), &k), 0);
		CHECK_INT(k, i);
	}
	CHECK_INT(signal_kind_parse("pagerduty", &k), -1);
}

/* ---- run cards ---- */

static void test_runcards_normalize(void)
{
	json_t *in = load("{\"service\":\"checkout\",\"roles\":{\"mim\":\"Dana\",\"scribe\":null},"
			  "\"page\":[\"payments\"],\"checklist\":[\"Freeze deploys\"],"
			  "\"runbooks\":[\"https://rb/1\",{\"title\":\"DB\",\"url\":\"https://rb/db\"}],"
			  "\"cadence\":{\"public\":20}}");
	json_t *card = NULL;
	struct api_error err;

	REQUIRE(in != NULL);
	REQUIRE(runcard_normalize(in, &card, &err) == 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(card, "roles"), "mim")), "Dana");
	CHECK(json_object_get(json_object_get(card, "roles"), "scribe") == NULL);
	CHECK_INT(json_array_size(json_object_get(card, "runbooks")), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(card, "runbooks"), 0), "title")),
		  "https://rb/1");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(card, "cadence"), "public")), 20);
	CHECK(json_is_null(json_object_get(json_object_get(card, "cadence"), "exec")));
	CHECK(json_object_get(card, "service") == NULL);
	json_decref(card);
	json_decref(in);
}

static void test_runcards_refusals(void)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
		{"{\"roles\":{\"captain\":\"x\"}}", "roles"},
		{"{\"roles\":[]}", "roles"},
		{"{\"page\":\"payments\"}", "page"},
		{"{\"page\":[\"\"]}", "page"},
		{"{\"checklist\":[1]}", "checklist"},
		{"{\"runbooks\":[\"ftp://x\"]}", "runbooks"},
		{"{\"cadence\":{\"public\":0}}", "cadence"},
		{"{\"cadence\":{\"customers\":10}}", "cadence"},
		{"{\"pages\":[]}", "pages"},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		json_t *in = json_loads(cases[i].body, 0, NULL), *card = NULL;
		struct api_error err;

		CHECK_MSG(runcard_normalize(in, &card, &err) == -1, "case %zu accepted", i);
		CHECK_INT(err.status, 400);
		CHECK_STR(err.field, cases[i].field);
		CHECK(card == NULL);
		json_decref(in);
	}
}

static void test_runcards_defaults(void)
{
	for (int level = 0; level < RUNCARD_LEVELS; level++) {
		json_t *card = runcard_default(level), *again = NULL;
		struct api_error err;

		REQUIRE(card != NULL);
		CHECK(json_array_size(json_object_get(card, "checklist")) >= 3);
		/* A default is a valid card: it survives its own validation unchanged. */
		CHECK_INT(runcard_normalize(card, &again, &err), 0);
		CHECK(json_equal(card, again));
		json_decref(again);
		json_decref(card);
	}
	CHECK(runcard_default(4) == NULL);
	CHECK(runcard_default(-1) == NULL);
}

static void test_runcards_apply(void)
{
	json_t *card = load("{\"roles\":{\"mim\":\"Dana\",\"sre\":\"Dana\",\"scribe\":\"Sam\"},\"page\":[],"
			    "\"checklist\":[],\"runbooks\":[],\"cadence\":{},\"id\":4,\"version\":2}");
	json_t *skipped = NULL, *recorded;
	struct incident inc;

	REQUIRE(card != NULL);
	incident_init(&inc);
	inc.number = 1;
	inc.severity = SEVERITY_CRITICAL;
	incident_set_text(&inc.roles[ROLE_SCRIBE], "Already Here");
	REQUIRE(runcard_apply(card, &inc, 1000, &skipped) == 0);
	CHECK_STR(inc.roles[ROLE_MIM], "Dana");
	/* MIM and SRE never combine: the second seat is left for the MIM to fill. */
	CHECK(inc.roles[ROLE_SRE] == NULL);
	CHECK_INT(json_array_size(skipped), 1);
	/* A seat already taken is not overwritten. */
	CHECK_STR(inc.roles[ROLE_SCRIBE], "Already Here");
	recorded = runcard_of_incident(&inc);
	CHECK_INT(json_integer_value(json_object_get(recorded, "version")), 2);
	CHECK_INT(json_integer_value(json_object_get(recorded, "id")), 4);
	CHECK(json_object_get(recorded, "firedAt") != NULL);
	json_decref(recorded);
	json_decref(skipped);
	json_decref(card);
	/* Nothing recorded: null. */
	incident_free(&inc);
	incident_init(&inc);
	recorded = runcard_of_incident(&inc);
	CHECK(json_is_null(recorded));
	json_decref(recorded);
	incident_free(&inc);
}

const struct unit_case signals_suite[] = {
	{"signals_alertmanager_sample", test_signals_alertmanager_sample},
	{"signals_grafana_sample", test_signals_grafana_sample},
	{"signals_generic", test_signals_generic},
	{"signals_bad_payloads", test_signals_bad_payloads},
	{"signals_severity_mapping", test_signals_severity_mapping},
	{"signals_map_check", test_signals_map_check},
	{"signals_time", test_signals_time},
	{"signals_keys_and_trim", test_signals_keys_and_trim},
	{"signals_derived_fingerprint", test_signals_derived_fingerprint},
	{"signals_kind_names", test_signals_kind_names},
	{"runcards_normalize", test_runcards_normalize},
	{"runcards_refusals", test_runcards_refusals},
	{"runcards_defaults", test_runcards_defaults},
	{"runcards_apply", test_runcards_apply},
	{NULL, NULL},
};
