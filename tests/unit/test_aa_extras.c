/*
 * Unit tests for the second part of issue 10: the After Action rendered to HTML by cmark
 * (well-formed, hostile text escaped or omitted), root-cause tags, the 72-hour rule of the
 * review date, the public part of a published review and the leak property of the public
 * surface with it attached, the noAfterAction guardrail (table-driven), and the KPI
 * arithmetic of cadence adherence and incidents per system per week against hand-computed
 * values, with their charts and Prometheus lines.  Every clock is fake.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afteraction.h"
#include "buf.h"
#include "guardrails.h"
#include "incident.h"
#include "parse.h"
#include "statuspage.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MIN ((int64_t)60 * 1000)
#define HOUR (60 * MIN)
/* 2026-05-20T09:15:00Z, a Wednesday */
#define T0 ((int64_t)1779268500000)
#define INT_MARK "zzINT"
#define PUB_MARK "zzPUB"

/* ---- a small XML well-formedness check: tags balance, attributes quoted, every & an
 * entity.  Enough for the HTML the After Action and the charts produce (no CDATA). ---- */

static const char *xml_error(const char *s)
{
	static char why[160];
	char stack[64][32];
	int depth = 0;

	while (*s) {
		if (*s == '&') {
			const char *p = s + 1;

			if (*p == '#')
				p++;
			while (isalnum((unsigned char)*p))
				p++;
			if (*p != ';' || p == s + 1)
				return "a bare & in text";
			s = p + 1;
			continue;
		}
		if (*s != '<') {
			s++;
			continue;
		}
		if (strncmp(s, "<!--", 4) == 0) {
			const char *end = strstr(s, "-->");

			if (end == NULL)
				return "an unterminated comment";
			s = end + 3;
			continue;
		}
		if (strncmp(s, "<!DOCTYPE", 9) == 0 || strncmp(s, "<?xml", 5) == 0) {
			s = strchr(s, '>');
			if (s == NULL)
				return "an unterminated declaration";
			s++;
			continue;
		}
		{
			bool closing = s[1] == '/';
			const char *p = s + (closing ? 2 : 1), *name = p;
			char quote = 0;
			size_t len;

			while (isalnum((unsigned char)*p))
				p++;
			len = (size_t)(p - name);
			if (len == 0 || len >= sizeof(stack[0]))
				return "a tag without a name";
			for (; *p && (quote || *p != '>'); p++) {
				if (quote && *p == quote)
					quote = 0;
				else if (!quote && (*p == '"' || *p == '\''))
					quote = *p;
				else if (!quote && *p == '<')
					return "a < inside a tag";
				else if (!quote && *p == '=' && p[1] != '"' && p[1] != '\'')
					return "an unquoted attribute";
			}
			if (*p != '>')
				return "an unterminated tag";
			if (closing) {
				if (depth == 0 || strlen(stack[depth - 1]) != len ||
				    strncmp(stack[depth - 1], name, len) != 0) {
					snprintf(why, sizeof(why), "</%.*s> closes <%s>", (int)len, name,
						 depth ? stack[depth - 1] : "nothing");
					return why;
				}
				depth--;
			} else if (p[-1] != '/') {
				if (depth == (int)NELEM(stack))
					return "nested too deep";
				memcpy(stack[depth], name, len);
				stack[depth][len] = '\0';
				depth++;
			}
			s = p + 1;
		}
	}
	if (depth != 0) {
		snprintf(why, sizeof(why), "<%s> is never closed", stack[depth - 1]);
		return why;
	}
	return NULL;
}

/* ---- the record of a small resolved incident ---- */

static json_t *record(const char *title, json_t *edits)
{
	json_t *r = json_pack(
		"{s:{s:s, s:s, s:s, s:s, s:b, s:i, s:[s], s:s, s:s, s:s, s:s,"
		"    s:[{s:i, s:s, s:s}, {s:i, s:s, s:s}],"
		"    s:{s:s, s:[{s:s, s:s, s:s}]}},"
		" s:[{s:i, s:s, s:s, s:s, s:s, s:s, s:n, s:n}],"
		" s:[{s:i, s:s, s:s, s:s}], s:[], s:[], s:o}",
		"incident", "id", "INC-9", "title", title, "severity", "critical", "status", "resolved",
		"drill", 0, "reopenCount", 0, "affectedSystems", "checkout", "startedAt",
		"2026-05-20T09:05:00Z", "alertFiredAt", "2026-05-20T09:11:00Z", "openedAt",
		"2026-05-20T09:15:00Z", "resolvedAt", "2026-05-20T10:25:00Z", "phases", "number", 1,
		"name", "Alert", "enteredAt", "2026-05-20T09:15:00Z", "number", 8, "name", "Resolution",
		"enteredAt", "2026-05-20T10:25:00Z", "command", "firstCanAt", "2026-05-20T09:21:00Z",
		"hypotheses", "statement", INT_MARK "hypothesis", "state", "confirmed", "evidence",
		INT_MARK "evidence",
		"timeline", "id", 10, "at", "2026-05-20T09:16:00Z", "author", INT_MARK "author", "type",
		"action", "visibility", "internal", "text", INT_MARK "note & <b>bold</b> | pipe",
		"payload", "amends",
		"updates", "id", 1, "at", "2026-05-20T09:27:00Z", "audience", "public", "kind", "milestone",
		"actions", "related", "edits", edits ? edits : json_object());

	return r;
}

static void test_html(void)
{
	json_t *r = record("Checkout down", NULL), *doc;
	const char *bad;
	char *html;

	REQUIRE(r != NULL);
	doc = afteraction_generate(r, T0 + 2 * HOUR);
	REQUIRE(doc != NULL);
	html = afteraction_html(doc);
	REQUIRE(html != NULL);
	CHECK(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\"", strlen("<!DOCTYPE html>\n<html lang=\"en\"")) == 0);
	CHECK(strstr(html, "<title>After Action: INC-9 — Checkout down</title>") != NULL);
	CHECK(strstr(html, "<h1>After Action: INC-9 — Checkout down</h1>") != NULL);
	CHECK(strstr(html, "<h2>Summary</h2>") != NULL && strstr(html, "<h2>Root cause</h2>") != NULL);
	CHECK(strstr(html, "<h2>Action items</h2>\n<p>None yet.</p>") != NULL);
	/* The entry's text reaches HTML escaped: its <b> is text, not markup. */
	CHECK(strstr(html, "<b>bold</b>") == NULL);
	bad = xml_error(html);
	CHECK_MSG(bad == NULL, "not well-formed: %s", bad ? bad : "");
	free(html);
	json_decref(doc);
	json_decref(r);
}

static void test_html_hostile(void)
{
	json_t *edits = json_pack("{s:s, s:s, s:s}", "summary",
				  "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> & done",
				  "rootCause", "[click](javascript:alert(3)) and <a href=\"x\" onclick=\"y\">z</a>",
				  "wentWell", "<div>\n\nraw block\n\n</div>\n<iframe src=//evil></iframe>");
	json_t *r = record("<script>alert('t')</script> & \"q\"", edits), *doc;
	const char *bad;
	char *html;

	REQUIRE(r != NULL);
	doc = afteraction_generate(r, T0 + 2 * HOUR);
	REQUIRE(doc != NULL);
	html = afteraction_html(doc);
	REQUIRE(html != NULL);
	CHECK(strstr(html, "<script") == NULL);
	CHECK(strstr(html, "<img") == NULL);
	CHECK(strstr(html, "<iframe") == NULL);
	CHECK(strstr(html, "<div") == NULL);
	CHECK(strstr(html, "onclick=") == NULL && strstr(html, "onerror=") == NULL);
	CHECK(strstr(html, "javascript:") == NULL);
	CHECK(strstr(html, "<!-- raw HTML omitted -->") != NULL);
	/* The page's <title> is escaped, not parsed. */
	CHECK(strstr(html, "<title>After Action: INC-9 — &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; "
			   "&amp; &quot;q&quot;</title>") != NULL);
	CHECK(strstr(html, "&amp; done") != NULL);
	bad = xml_error(html);
	CHECK_MSG(bad == NULL, "not well-formed: %s", bad ? bad : "");
	free(html);
	json_decref(doc);
	json_decref(r);
}

/* ---- root-cause tags ---- */

static void test_tags(void)
{
	static const struct {
		const char *in; /* JSON */
		const char *want; /* JSON, or NULL: refused */
	} cases[] = {
		{"[\"Certificate Expiry\", \" cert \", \"certificate expiry\"]",
		 "[\"certificate expiry\", \"cert\"]"},
		{"[]", "[]"},
		{"[\"Ünïcode ok\"]", "[\"Ünïcode ok\"]"},
		{"[\"\"]", NULL},
		{"[\"   \"]", NULL},
		{"[\"a|b\"]", NULL},
		{"[\"a`b\"]", NULL},
		{"[\"<b>\"]", NULL},
		{"[\"line\\nbreak\"]", NULL},
		{"[1]", NULL},
		{"\"one\"", NULL},
		{"[\"0123456789012345678901234567890123456789\"]",
		 "[\"0123456789012345678901234567890123456789\"]"},
		{"[\"01234567890123456789012345678901234567890\"]", NULL},
		{"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","
		 "\"o\",\"p\",\"q\",\"r\",\"s\",\"t\",\"t\"]",
		 "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","
		 "\"o\",\"p\",\"q\",\"r\",\"s\",\"t\"]"},
		{"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\","
		 "\"o\",\"p\",\"q\",\"r\",\"s\",\"t\",\"u\"]", NULL},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		json_t *in = json_loads(cases[i].in, JSON_DECODE_ANY, NULL), *out = NULL;
		char why[160] = "";
		int rc;

		REQUIRE(in != NULL);
		rc = afteraction_tags_normalize(in, &out, why, sizeof(why));
		if (cases[i].want == NULL) {
			CHECK_MSG(rc == -1 && *why, "case %zu accepted", i);
		} else {
			json_t *want = json_loads(cases[i].want, 0, NULL);

			CHECK_MSG(rc == 0 && json_equal(out, want), "case %zu: %s", i, why);
			json_decref(want);
		}
		json_decref(out);
		json_decref(in);
	}
}

static void test_review_date(void)
{
	static const struct {
		int64_t at, resolved, now;
		bool ok;
	} cases[] = {
		{T0 + 24 * HOUR, T0, T0 + HOUR, true},
		{T0, T0, T0 + HOUR, true},                   /* at the resolution itself */
		{T0 + 72 * HOUR, T0, T0 + HOUR, true},       /* the last moment */
		{T0 + 72 * HOUR + 1, T0, T0 + HOUR, false},  /* one ms too late */
		{T0 - 1, T0, T0 + HOUR, false},              /* before the resolution */
		{T0 + 2 * HOUR, TIME_NONE, T0 + HOUR, true}, /* not resolved yet: from now */
		{T0 + 30 * MIN, TIME_NONE, T0 + HOUR, false},
		{T0 + 74 * HOUR, TIME_NONE, T0 + HOUR, false},
		{TIME_NONE, T0, T0, false},
	};

	for (size_t i = 0; i < NELEM(cases); i++)
		CHECK_MSG(afteraction_at_acceptable(cases[i].at, cases[i].resolved, cases[i].now) ==
				  cases[i].ok, "case %zu", i);
}

/* ---- the public part and the public surface ---- */

/* A published document whose generated sections quote internal records and whose edited
 * summary and root cause are what people wrote for the public. */
static json_t *published_doc(const char *mark)
{
	char summary[128], cause[128];
	json_t *edits, *r, *doc;

	snprintf(summary, sizeof(summary), PUB_MARK "summary%s <b>&", mark);
	snprintf(cause, sizeof(cause), PUB_MARK "cause%s", mark);
	edits = json_pack("{s:s, s:s, s:s}", "summary", summary, "rootCause", cause, "wentPoorly",
			  INT_MARK "poorly");
	r = record(INT_MARK "title", edits);
	doc = r ? afteraction_generate(r, T0 + 2 * HOUR) : NULL;
	json_decref(r);
	if (doc) {
		json_object_set_new(doc, "state", json_string("published"));
		json_object_set_new(doc, "publishedAt", json_string("2026-05-21T10:00:00Z"));
	}
	return doc;
}

static void test_public_part(void)
{
	json_t *doc = published_doc("p"), *pm;
	char *text;

	REQUIRE(doc != NULL);
	pm = afteraction_public_part(doc);
	REQUIRE(pm != NULL);
	CHECK_STR(json_string_value(json_object_get(pm, "publishedAt")), "2026-05-21T10:00:00Z");
	/* Summary and root cause (edited); impact is generated, so not public. */
	CHECK_INT(json_array_size(json_object_get(pm, "sections")), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(pm, "sections"), 0), "heading")),
		  "Summary");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(pm, "sections"), 1), "name")),
		  "rootCause");
	text = json_dumps(pm, 0);
	CHECK(text && strstr(text, INT_MARK) == NULL);
	free(text);
	json_decref(pm);
	/* Not published: nothing public. */
	json_object_set_new(doc, "state", json_string("review"));
	CHECK(afteraction_public_part(doc) == NULL);
	json_decref(doc);
}

static const struct statuspage_config page_config = {
	.page_name = "Acme status",
	.public_url = "https://status.example.com",
	.time_zone = "Etc/UTC",
	.epoch = T0,
};

/* A public model of a resolved incident with an internal note and an internal update. */
static json_t *public_model(int64_t number, const char *status)
{
	json_t *inc = json_pack("{s:I, s:I, s:s, s:s, s:s, s:{s:i}, s:b, s:b, s:[s], s:s, s:s, s:s?,"
				" s:s, s:s}",
				"number", (json_int_t)number, "version", (json_int_t)3, "title",
				PUB_MARK "title", "severity", "high", "status", status, "phase", "number",
				strcmp(status, "resolved") == 0 ? 8 : 5, "externalImpact", 1, "drill", 0,
				"affectedSystems", PUB_MARK "sys", "startedAt", "2026-05-20T09:05:00Z",
				"openedAt", "2026-05-20T09:15:00Z", "resolvedAt",
				strcmp(status, "resolved") == 0 ? "2026-05-20T10:25:00Z" : NULL,
				"description", INT_MARK "desc", "businessImpact", INT_MARK "biz");
	json_t *updates = json_pack("[{s:i, s:s, s:s, s:s, s:s}]", "id", 1, "at", "2026-05-20T09:27:00Z",
				    "body", INT_MARK "update", "audience", "internal", "kind", "milestone");
	json_t *entries = json_pack("[{s:i, s:s, s:s, s:s, s:s}]", "id", 2, "at", "2026-05-20T09:28:00Z",
				    "type", "action", "text", INT_MARK "entry", "visibility", "internal");
	json_t *model = statuspage_public_incident(inc, updates, entries);

	json_decref(inc);
	json_decref(updates);
	json_decref(entries);
	return model;
}

static void test_public_postmortem_no_leak(void)
{
	json_t *models = json_array(), *resolved = public_model(3, "resolved");
	json_t *active = public_model(4, "identified"), *doc = published_doc("x"), *pm;
	struct statuspage_snapshot s = {.config = &page_config, .now = T0 + 2 * 24 * HOUR};
	struct buf all;
	const char *hit;

	REQUIRE(models && resolved && active && doc);
	pm = afteraction_public_part(doc);
	REQUIRE(pm != NULL);
	/* A postmortem with internal members besides its sections: the allow-list drops them. */
	json_object_set_new(pm, "internal", json_string(INT_MARK "extra"));
	json_object_set_new(json_array_get(json_object_get(pm, "sections"), 0), "note",
			    json_string(INT_MARK "note"));
	CHECK(statuspage_attach_postmortem(resolved, pm) == 0);
	CHECK(json_object_get(resolved, "postmortem") != NULL);
	/* Only a resolved incident carries one. */
	CHECK(statuspage_attach_postmortem(active, pm) == 0);
	CHECK(json_object_get(active, "postmortem") == NULL);
	json_array_append_new(models, active);
	json_array_append_new(models, resolved);
	s.incidents = models;
	s.maintenances = json_array();
	s.components = statuspage_components(models, NULL, s.maintenances);
	buf_init(&all, (size_t)64 * 1024 * 1024);
	for (int d = 0; d < STATUSPAGE_DOC__MAX; d++) {
		struct buf b;

		buf_init(&b, STATUSPAGE_DOC_MAX);
		CHECK(statuspage_render(&s, (enum statuspage_doc)d, &b) == 0);
		CHECK(buf_append_str(&all, b.ptr) == 0);
		buf_free(&b);
	}
	{
		struct buf b;
		json_t *v2;

		buf_init(&b, STATUSPAGE_DOC_MAX);
		CHECK(statuspage_render_incident(&s, resolved, &b) == 0);
		CHECK(strstr(b.ptr, "<h2 id=\"postmortem-h\">Postmortem</h2>") != NULL);
		CHECK(strstr(b.ptr, PUB_MARK "summaryx &lt;b&gt;&amp;") != NULL);
		CHECK(strstr(b.ptr, PUB_MARK "causex") != NULL);
		CHECK(buf_append_str(&all, b.ptr) == 0);
		buf_free(&b);
		buf_init(&b, STATUSPAGE_DOC_MAX);
		CHECK(statuspage_render(&s, STATUSPAGE_DOC_INCIDENTS, &b) == 0);
		v2 = json_loads(b.ptr, 0, NULL);
		buf_free(&b);
		REQUIRE(v2 != NULL);
		for (size_t i = 0; i < json_array_size(json_object_get(v2, "incidents")); i++) {
			const json_t *o = json_array_get(json_object_get(v2, "incidents"), i);
			const char *id = json_string_value(json_object_get(o, "id"));

			if (strcmp(id, "INC-3") == 0) {
				CHECK_STR(json_string_value(json_object_get(o, "status")), "postmortem");
				CHECK(strstr(json_string_value(json_object_get(o, "postmortem_body")) ?: "",
					     "## Summary\n\n" PUB_MARK "summaryx") != NULL);
			} else {
				CHECK_STR(json_string_value(json_object_get(o, "status")), "identified");
				CHECK(json_object_get(o, "postmortem_body") == NULL);
			}
		}
		json_decref(v2);
	}
	hit = strstr(all.ptr, INT_MARK);
	CHECK_MSG(hit == NULL, "internal marker on a public surface: …%.80s", hit ? hit : "");
	CHECK(strstr(all.ptr, PUB_MARK "summaryx") != NULL);
	buf_free(&all);
	json_decref(pm);
	json_decref(doc);
	json_decref(s.components);
	json_decref(s.maintenances);
	json_decref(models);
}

/* ---- guardrail.noAfterAction, table-driven ---- */

static void test_guardrail_no_after_action(void)
{
	const int64_t resolved = T0 + HOUR;
	static const struct {
		enum severity sev;
		bool is_resolved, scheduled;
		int64_t after;       /* ms after the resolution */
		const char *config;  /* overrides, or NULL */
		bool fires;
	} cases[] = {
		{SEVERITY_CRITICAL, true, false, 15 * MIN, NULL, true},
		{SEVERITY_CRITICAL, true, false, 15 * MIN - 1, NULL, false}, /* the grace */
		{SEVERITY_CRITICAL, true, false, 72 * HOUR, NULL, true},
		{SEVERITY_CRITICAL, true, true, 72 * HOUR, NULL, false},     /* scheduled */
		{SEVERITY_HIGH, true, false, 16 * MIN, NULL, true},
		{SEVERITY_MEDIUM, true, false, 24 * HOUR, NULL, false},      /* off below Box 2 */
		{SEVERITY_LOW, true, false, 24 * HOUR, NULL, false},
		{SEVERITY_CRITICAL, false, false, 24 * HOUR, NULL, false},   /* not resolved */
		{SEVERITY_MEDIUM, true, false, 5 * MIN, "box1.afterAction=5m", true},
		{SEVERITY_CRITICAL, true, false, 24 * HOUR, "all.afterAction=off", false},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct guardrail_config cfg;
		struct guardrail_snapshot snap;
		struct guardrail_nudges *out = malloc(sizeof(*out));
		struct incident inc;
		char err[160];
		size_t hits = 0;

		REQUIRE(out != NULL);
		guardrail_config_default(&cfg);
		if (cases[i].config)
			CHECK_MSG(guardrail_config_parse(cases[i].config, &cfg, err, sizeof(err)) == 0,
				  "case %zu: %s", i, err);
		incident_init(&inc);
		inc.number = 9;
		inc.severity = cases[i].sev;
		inc.opened_at = T0;
		inc.started_at = T0;
		inc.phase_entered_at[PHASE_ALERT] = T0;
		if (cases[i].is_resolved) {
			inc.phase = PHASE_RESOLUTION;
			inc.phase_entered_at[PHASE_RESOLUTION] = resolved;
			inc.status = STATUS_RESOLVED;
			inc.resolved_at = resolved;
		} else {
			inc.phase = PHASE_MITIGATION;
			inc.phase_entered_at[PHASE_MITIGATION] = resolved;
		}
		if (cases[i].scheduled)
			inc.after_action_at = resolved + 24 * HOUR;
		memset(&snap, 0, sizeof(snap));
		snap.inc = &inc;
		guardrails_evaluate(&cfg, &snap, resolved + cases[i].after, out);
		for (size_t k = 0; k < out->n; k++) {
			if (out->nudges[k].rule != GUARDRAIL_NO_AFTER_ACTION)
				continue;
			hits++;
			CHECK_STR(guardrail_rule_name(out->nudges[k].rule), "guardrail.noAfterAction");
			CHECK_INT(out->nudges[k].severity, GUARDRAIL_WARNING);
			CHECK_MSG(out->nudges[k].since == resolved + (cases[i].config ? 5 : 15) * MIN,
				  "case %zu: since %lld", i, (long long)out->nudges[k].since);
			CHECK(strstr(out->nudges[k].message, "72 h") != NULL);
		}
		CHECK_MSG(hits == (cases[i].fires ? 1u : 0u), "case %zu: %zu nudges", i, hits);
		/* A resolved incident has no other nudge here (nothing else outlives it). */
		if (cases[i].is_resolved)
			CHECK_MSG(out->n == hits, "case %zu: %zu other nudges", i, out->n - hits);
		incident_free(&inc);
		free(out);
	}
}

/* ---- KPIs: cadence adherence and incidents per system per week ---- */

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void test_kpi_cadence_weeks(void)
{
	/*
	 * A: critical, opened Wed 2026-05-20 09:15, resolved 10:25.  Public (30 min): 09:27 →
	 *    09:50 (23 min, within), 09:50 → resolution 10:25 (35 min, late); the 10:30 update
	 *    after the resolution owes nothing.  Internal (60 min): 09:30 → 10:20 (50, within),
	 *    10:20 → 10:25 (within).  Exec: nothing published, nothing measured.
	 * B: medium, opened Tue 2026-05-26, still open.  Public: 10:00 → 10:45 (45 min, late).
	 *    Internal updates owe no cadence at medium: not counted.
	 * A drill with public updates one minute apart: excluded.
	 * Totals: public 1 of 3, internal 2 of 2, exec none.
	 * Weeks (Monday UTC): 2026-05-18: A (checkout, payments); 2026-05-25: B (checkout).
	 */
	json_t *items = json_pack(
		"[{s:{s:s, s:s, s:s, s:s, s:[s,s]}, s:n, s:[],"
		"  s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]},"
		" {s:{s:s, s:s, s:n, s:[s]}, s:n, s:[],"
		"  s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]},"
		" {s:{s:b, s:s, s:s, s:[s]}, s:n, s:[], s:[{s:s, s:s}, {s:s, s:s}]}]",
		"incident", "severity", "critical", "startedAt", "2026-05-20T09:10:00Z", "openedAt",
		"2026-05-20T09:15:00Z", "resolvedAt", "2026-05-20T10:25:00Z", "affectedSystems",
		"checkout", "payments", "firstUpdateAt", "actions", "updates",
		"at", "2026-05-20T09:27:00Z", "audience", "public",
		"at", "2026-05-20T09:30:00Z", "audience", "internal",
		"at", "2026-05-20T09:50:00Z", "audience", "public",
		"at", "2026-05-20T10:20:00Z", "audience", "internal",
		"at", "2026-05-20T10:30:00Z", "audience", "public",
		"at", "2026-05-20T10:31:00Z", "audience", "internal",
		"incident", "severity", "medium", "openedAt", "2026-05-26T09:50:00Z", "resolvedAt",
		"affectedSystems", "checkout", "firstUpdateAt", "actions", "updates",
		"at", "2026-05-26T10:00:00Z", "audience", "public",
		"at", "2026-05-26T10:05:00Z", "audience", "internal",
		"at", "2026-05-26T10:45:00Z", "audience", "public",
		"at", "2026-05-26T12:45:00Z", "audience", "internal",
		"incident", "drill", 1, "severity", "critical", "openedAt", "2026-05-19T08:00:00Z",
		"affectedSystems", "payments", "firstUpdateAt", "actions", "updates",
		"at", "2026-05-19T08:01:00Z", "audience", "public",
		"at", "2026-05-19T08:02:00Z", "audience", "public");
	json_t *k, *cad, *weeks, *w;
	char *svg, *prom;
	const char *bad;

	REQUIRE(items != NULL);
	k = kpi_compute(items, TIME_NONE, TIME_NONE, T0 + 30 * 24 * HOUR);
	REQUIRE(k != NULL);
	cad = json_object_get(k, "cadenceAdherence");
	REQUIRE(json_array_size(cad) == 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(cad, 0), "audience")), "public");
	CHECK_INT(json_integer_value(json_object_get(json_array_get(cad, 0), "intervals")), 3);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(cad, 0), "withinTarget")), 1);
	CHECK(num(json_array_get(cad, 0), "ratio") > 0.3333 && num(json_array_get(cad, 0), "ratio") < 0.3334);
	CHECK_STR(json_string_value(json_object_get(json_array_get(cad, 1), "audience")), "internal");
	CHECK_INT(json_integer_value(json_object_get(json_array_get(cad, 1), "intervals")), 2);
	CHECK(num(json_array_get(cad, 1), "ratio") == 1.0);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(cad, 2), "intervals")), 0);
	CHECK(json_is_null(json_object_get(json_array_get(cad, 2), "ratio")));
	weeks = json_object_get(k, "systemsByWeek");
	REQUIRE(json_array_size(weeks) == 2);
	w = json_array_get(weeks, 0);
	CHECK_STR(json_string_value(json_object_get(w, "week")), "2026-05-18");
	CHECK_INT(json_integer_value(json_object_get(w, "incidents")), 1);
	CHECK_INT(json_array_size(json_object_get(w, "systems")), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(w, "systems"), 0), "system")),
		  "checkout");
	w = json_array_get(weeks, 1);
	CHECK_STR(json_string_value(json_object_get(w, "week")), "2026-05-25");
	CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(w, "systems"), 0), "incidents")), 1);
	CHECK_INT(json_integer_value(json_object_get(k, "drillsExcluded")), 1);
	/* The charts: XML, each number written beside its bar. */
	svg = kpi_chart_svg(k, "cadence");
	REQUIRE(svg != NULL);
	CHECK(strstr(svg, ">33% (1/3)</text>") != NULL && strstr(svg, ">100% (2/2)</text>") != NULL);
	CHECK(strstr(svg, ">— (0 intervals)</text>") != NULL);
	bad = xml_error(svg);
	CHECK_MSG(bad == NULL, "cadence chart: %s", bad ? bad : "");
	free(svg);
	svg = kpi_chart_svg(k, "weeks");
	REQUIRE(svg != NULL);
	CHECK(strstr(svg, ">2026-05-18</text>") != NULL && strstr(svg, ">2026-05-25</text>") != NULL);
	bad = xml_error(svg);
	CHECK_MSG(bad == NULL, "weeks chart: %s", bad ? bad : "");
	free(svg);
	svg = kpi_chart_svg(k, "incidents");
	REQUIRE(svg != NULL);
	/* Two incidents (the drill left out), one resolved, none reopened. */
	CHECK(strstr(svg, ">Incidents</text>") != NULL && strstr(svg, ">0 (0%)</text>") != NULL);
	free(svg);
	for (size_t i = 0; i < 4; i++) {
		static const char *const charts[] = {"durations", "actions", "systems", "mtta"};

		svg = kpi_chart_svg(k, charts[i]);
		CHECK_MSG(svg != NULL && xml_error(svg) == NULL, "chart %s", charts[i]);
		free(svg);
	}
	CHECK(kpi_chart_svg(k, "pie") == NULL);
	prom = kpi_prometheus(k);
	REQUIRE(prom != NULL);
	CHECK(strstr(prom, "majorops_cadence_adherence_ratio{audience=\"internal\"} 1\n") != NULL);
	CHECK(strstr(prom, "majorops_cadence_adherence_ratio{audience=\"exec\"} NaN\n") != NULL);
	CHECK(strstr(prom, "majorops_cadence_intervals{audience=\"public\"} 3\n") != NULL);
	free(prom);
	json_decref(k);
	json_decref(items);
}

/* Root-cause tags reach the generated document and its Markdown. */
static void test_tags_in_document(void)
{
	json_t *r = record("Checkout down", json_pack("{s:[s,s]}", "rootCauseTags", "cert expiry", "monitoring gap"));
	json_t *doc;
	char *md;

	REQUIRE(r != NULL);
	doc = afteraction_generate(r, T0 + 2 * HOUR);
	REQUIRE(doc != NULL);
	CHECK_INT(json_array_size(json_object_get(doc, "rootCauseTags")), 2);
	md = afteraction_markdown(doc);
	REQUIRE(md != NULL);
	CHECK(strstr(md, "\nRoot-cause tags: `cert expiry`, `monitoring gap`\n") != NULL);
	free(md);
	json_decref(doc);
	json_decref(r);
}

const struct unit_case afteraction_extras_suite[] = {
	{"afteraction: HTML by cmark, well-formed (golden)", test_html},
	{"afteraction: HTML escapes or omits hostile text", test_html_hostile},
	{"afteraction: root-cause tags normalized", test_tags},
	{"afteraction: root-cause tags in the document", test_tags_in_document},
	{"afteraction: the review within 72 h of the resolution", test_review_date},
	{"afteraction: the public part of a published review", test_public_part},
	{"afteraction: public postmortem leaks nothing internal", test_public_postmortem_no_leak},
	{"afteraction: guardrail.noAfterAction", test_guardrail_no_after_action},
	{"afteraction: KPI cadence adherence and weeks (hand-computed)", test_kpi_cadence_weeks},
	{NULL, NULL},
};
