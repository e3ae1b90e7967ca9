/* The public filter and renderers: the allow-list, the Statuspage v2 shapes, escaping, and
 * the leak property (random incidents, every renderer, no internal marker anywhere). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "incident.h"
#include "json.h"
#include "parse.h"
#include "statuspage.h"
#include "unit.h"

/* Every internal marker starts with INT_MARK and every public one with PUB_MARK; markers
 * are letters and digits only, so no escaping changes them and one scan for the prefix
 * finds any internal text that got out. */
#define INT_MARK "zzINT"
#define PUB_MARK "zzPUB"
#define T0 ((int64_t)1795000000000) /* 2026-11-18 */
#define MIN_MS ((int64_t)60000)
#define DAY_MS_TEST ((int64_t)86400000)
/* Internal updates promise their next update in 2037: no public time is ever that late. */
#define INTERNAL_ETA ((int64_t)2130000000000)

static const struct statuspage_config test_config = {
	.page_name = "Acme status",
	.public_url = "https://status.example.com",
	.time_zone = "Etc/UTC",
	.epoch = T0,
};

/* ---------------------------------------------------------------- building the record */

static json_t *incident_json(int64_t number, const char *title, const char *severity,
			     const char *status, bool external, bool drill, bool bridge_public,
			     const char *mark)
{
	struct incident inc;
	char text[160];
	json_t *o;

	incident_init(&inc);
	inc.number = number;
	inc.version = 3;
	severity_parse(severity, &inc.severity);
	status_parse(status, &inc.status);
	inc.phase = strcmp(status, "resolved") == 0 ? PHASE_RESOLUTION : PHASE_ISOLATION;
	inc.phase_entered_at[PHASE_ALERT] = T0;
	inc.phase_entered_at[inc.phase] = T0 + 5 * MIN_MS;
	inc.external_impact = external;
	inc.drill = drill;
	inc.bridge_public = bridge_public;
	inc.customer_count = 4242;
	inc.started_at = T0 - MIN_MS;
	inc.opened_at = T0;
	inc.alert_fired_at = T0 - 2 * MIN_MS;
	inc.next_update_eta = INTERNAL_ETA;
	inc.updated_at = T0 + 90 * MIN_MS;
	if (inc.status == STATUS_RESOLVED)
		inc.resolved_at = T0 + 60 * MIN_MS;
	incident_set_text(&inc.title, title);
#define MARK(field, what)                                                   \
	do {                                                                 \
		snprintf(text, sizeof(text), INT_MARK "%s%s", what, mark);   \
		incident_set_text(&inc.field, text);                          \
	} while (0)
	MARK(description, "desc");
	MARK(business_impact, "biz");
	MARK(customer_impact_summary, "cust");
	MARK(risk_level, "risk");
	MARK(exec_summary, "exec");
	MARK(channel, "chan");
	MARK(created_by, "creator");
	MARK(information_authority, "authority");
	for (int r = 0; r < ROLE__MAX; r++) {
		snprintf(text, sizeof(text), INT_MARK "role%d%s", r, mark);
		incident_set_text(&inc.roles[r], text);
	}
	if (bridge_public)
		snprintf(text, sizeof(text), "https://bridge.example.com/" PUB_MARK "bridge%s", mark);
	else
		snprintf(text, sizeof(text), "https://bridge.example.com/" INT_MARK "bridge%s", mark);
	incident_set_text(&inc.bridge_url, text);
#undef MARK
	o = incident_to_json(&inc);
	incident_free(&inc);
	/* What the service adds at read time, and what later modules may add: all internal. */
	snprintf(text, sizeof(text), INT_MARK "future%s", mark);
	json_object_set_new(o, "command", json_pack("{s:s}", "note", text));
	json_object_set_new(o, "cadence", json_pack("{s:s}", "public", "ok"));
	json_object_set_new(o, "staffing", json_pack("{s:[], s:b}", "gaps", "ok", 1));
	return o;
}

static void set_systems(json_t *inc, const char *a, const char *b)
{
	json_object_set_new(inc, "affectedSystems", json_pack("[s,s]", a, b));
}

static json_t *update_json(int64_t id, int64_t number, int64_t at, const char *body,
			   const char *audience, const char *status, int64_t eta, const char *author)
{
	char iid[32];

	incident_id_format(number, iid);
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:s?, s:o}", "id", (json_int_t)id,
			 "incident", iid, "at", json_time_or_null(at), "author", author, "body", body,
			 "audience", audience, "kind", "milestone", "status", status, "nextUpdateEta",
			 json_time_or_null(eta));
}

static json_t *entry_json(int64_t id, int64_t number, int64_t at, const char *type,
			  const char *text, const char *visibility, const char *author)
{
	char iid[32];

	incident_id_format(number, iid);
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:{s:s}, s:n}", "id", (json_int_t)id,
			 "incident", iid, "at", json_time_or_null(at), "author", author, "type", type,
			 "text", text, "visibility", visibility, "payload", "secret",
			 INT_MARK "payload", "amends");
}

/* One incident with one public and one internal update and entry each. */
static json_t *sample_model(const char *title, bool bridge_public)
{
	json_t *inc = incident_json(7, title, "high", "identified", false, false, bridge_public, "s");
	json_t *updates = json_pack("[o,o,o]",
				    update_json(1, 7, T0 + MIN_MS, PUB_MARK "body1", "public",
						"identified", T0 + 30 * MIN_MS, INT_MARK "author1"),
				    update_json(2, 7, T0 + 2 * MIN_MS, INT_MARK "body2", "internal",
						"monitoring", INTERNAL_ETA, INT_MARK "author2"),
				    update_json(3, 7, T0 + 3 * MIN_MS, INT_MARK "body3", "exec", NULL,
						INTERNAL_ETA, INT_MARK "author3"));
	json_t *entries = json_pack("[o,o,o]",
				    entry_json(10, 7, T0 + MIN_MS, "action", PUB_MARK "entry10", "public",
					       INT_MARK "author10"),
				    entry_json(11, 7, T0 + 2 * MIN_MS, "action", INT_MARK "entry11",
					       "internal", INT_MARK "author11"),
				    entry_json(12, 7, T0 + MIN_MS, "update", PUB_MARK "echo12", "public",
					       INT_MARK "author12"));
	json_t *model;

	set_systems(inc, PUB_MARK "sysA", PUB_MARK "sysB");
	model = statuspage_public_incident(inc, updates, entries);
	json_decref(inc);
	json_decref(updates);
	json_decref(entries);
	return model;
}

static bool text_has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT);
}

/* ---------------------------------------------------------------- the filter */

static void test_statuspage_allow_list(void)
{
	static const char *const allowed[] = {"id", "number", "title", "severity", "status", "phase",
					      "affectedSystems", "startedAt", "openedAt",
					      "resolvedAt", "updatedAt", "monitoringAt",
					      "nextUpdateEta", "updates", "entries", NULL};
	json_t *model = sample_model(PUB_MARK "title", false);
	const char *key;
	json_t *v;
	char *text;

	REQUIRE(model != NULL);
	json_object_foreach(model, key, v) {
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			ok = ok || strcmp(key, allowed[i]) == 0;
		CHECK_MSG(ok, "field %s is not on the allow-list", key);
	}
	CHECK_INT(json_array_size(json_object_get(model, "updates")), 1);
	CHECK_INT(json_array_size(json_object_get(model, "entries")), 1); /* the echo is folded */
	CHECK_STR(json_string_value(json_object_get(json_object_get(model, "phase"), "name")),
		  "Isolation");
	json_object_foreach(json_array_get(json_object_get(model, "updates"), 0), key, v)
		CHECK_MSG(strcmp(key, "author") != 0 && strcmp(key, "audience") != 0,
			  "update field %s", key);
	json_object_foreach(json_array_get(json_object_get(model, "entries"), 0), key, v)
		CHECK_MSG(strcmp(key, "author") != 0 && strcmp(key, "payload") != 0 &&
			  strcmp(key, "visibility") != 0, "entry field %s", key);
	text = dump(model);
	CHECK_MSG(!text_has(text, INT_MARK), "internal text in the model: %s", text);
	CHECK(text_has(text, PUB_MARK "body1") && text_has(text, PUB_MARK "entry10"));
	/* The ETA is the public update's, never the incident's (an internal one set it). */
	CHECK(!text_has(text, "2037-"));
	CHECK_STR(json_string_value(json_object_get(model, "nextUpdateEta")), "2026-11-18T11:36:40Z");
	free(text);
	json_decref(model);
}

static void test_statuspage_publicity(void)
{
	json_t *inc = incident_json(3, "t", "low", "investigating", false, false, false, "p");
	json_t *pub = json_pack("[o]", update_json(1, 3, T0, "b", "public", NULL, T0 + MIN_MS, "a"));
	json_t *internal = json_pack("[o]", update_json(2, 3, T0, "b", "internal", NULL, T0 + MIN_MS, "a"));
	json_t *pub_entry = json_pack("[o]", entry_json(5, 3, T0, "action", "x", "public", "a"));
	json_t *m;

	/* Internal-only: nothing public, no external impact. */
	m = statuspage_public_incident(inc, internal, NULL);
	CHECK(m == NULL);
	m = statuspage_public_incident(inc, pub, NULL);
	CHECK(m != NULL);
	json_decref(m);
	m = statuspage_public_incident(inc, NULL, pub_entry);
	CHECK(m != NULL);
	json_decref(m);
	/* External impact alone makes it public. */
	json_object_set_new(inc, "externalImpact", json_true());
	m = statuspage_public_incident(inc, NULL, NULL);
	CHECK(m != NULL);
	json_decref(m);
	/* Drills never; a missing or malformed drill flag counts as a drill. */
	json_object_set_new(inc, "drill", json_true());
	CHECK(statuspage_public_incident(inc, pub, pub_entry) == NULL);
	json_object_del(inc, "drill");
	CHECK(statuspage_public_incident(inc, pub, pub_entry) == NULL);
	json_object_set_new(inc, "drill", json_string("false"));
	CHECK(statuspage_public_incident(inc, pub, pub_entry) == NULL);
	/* An audience or visibility other than exactly "public" is internal. */
	json_object_set_new(inc, "drill", json_false());
	json_object_set_new(inc, "externalImpact", json_false());
	json_object_set_new(json_array_get(pub, 0), "audience", json_string("Public"));
	json_object_set_new(json_array_get(pub_entry, 0), "visibility", json_string("public "));
	CHECK(statuspage_public_incident(inc, pub, pub_entry) == NULL);
	json_decref(inc);
	json_decref(pub);
	json_decref(internal);
	json_decref(pub_entry);
}

static void test_statuspage_bridge(void)
{
	json_t *m = sample_model("t", false);
	json_t *inc;

	REQUIRE(m != NULL);
	CHECK(json_object_get(m, "bridgeUrl") == NULL);
	json_decref(m);
	m = sample_model("t", true);
	REQUIRE(m != NULL);
	CHECK(text_has(json_string_value(json_object_get(m, "bridgeUrl")), PUB_MARK "bridges"));
	json_decref(m);
	/* Only a web link crosses, whatever the MIM typed. */
	inc = incident_json(9, "t", "low", "investigating", true, false, true, "b");
	json_object_set_new(inc, "bridgeUrl", json_string("javascript:alert(1)"));
	m = statuspage_public_incident(inc, NULL, NULL);
	REQUIRE(m != NULL);
	CHECK(json_object_get(m, "bridgeUrl") == NULL);
	json_decref(m);
	json_decref(inc);
}

static void test_statuspage_statuses(void)
{
	static const char *const sev[] = {"critical", "high", "medium", "low"};
	static const char *const impact[] = {"critical", "major", "minor", "none"};
	static const char *const comp[] = {"major_outage", "partial_outage", "degraded_performance",
					   "operational"};

	for (int i = 0; i < 4; i++) {
		CHECK_STR(statuspage_impact(sev[i]), impact[i]);
		CHECK_STR(statuspage_component_status(sev[i]), comp[i]);
	}
	CHECK(statuspage_impact("bogus") == NULL);
}

/* ---------------------------------------------------------------- shapes */

static void snapshot_of(struct statuspage_snapshot *s, json_t *models)
{
	s->config = &test_config;
	s->now = T0 + DAY_MS_TEST;
	s->incidents = models;
	s->maintenances = json_array();
	s->components = statuspage_components(models, NULL, s->maintenances);
}

static void snapshot_free(struct statuspage_snapshot *s)
{
	json_decref(s->incidents);
	json_decref(s->components);
	json_decref(s->maintenances);
}

static json_t *render_json(const struct statuspage_snapshot *s, enum statuspage_doc doc)
{
	struct buf b;
	json_t *v;

	buf_init(&b, STATUSPAGE_DOC_MAX);
	if (statuspage_render(s, doc, &b) != 0) {
		buf_free(&b);
		return NULL;
	}
	v = json_loads(b.ptr, 0, NULL);
	buf_free(&b);
	return v;
}

static bool has_keys(const json_t *o, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++)
		if (json_object_get(o, keys[i]) == NULL) {
			printf("# missing key %s\n", keys[i]);
			return false;
		}
	return true;
}

static void test_statuspage_v2_shapes(void)
{
	static const char *const page_keys[] = {"id", "name", "url", "time_zone", "updated_at", NULL};
	static const char *const component_keys[] = {"id", "name", "status", "created_at",
						     "updated_at", "position", "description",
						     "showcase", "start_date", "group_id", "page_id",
						     "group", "only_show_if_degraded", NULL};
	static const char *const incident_keys[] = {"id", "name", "status", "created_at",
						    "updated_at", "monitoring_at", "resolved_at",
						    "impact", "shortlink", "started_at", "page_id",
						    "incident_updates", "components", NULL};
	static const char *const update_keys[] = {"id", "status", "body", "incident_id",
						  "created_at", "updated_at", "display_at",
						  "affected_components", "deliver_notifications",
						  "custom_tweet", "tweet_id", NULL};
	struct statuspage_snapshot s;
	json_t *models = json_pack("[o]", sample_model(PUB_MARK "title", false));
	json_t *summary, *inc, *upd, *status;

	snapshot_of(&s, models);
	summary = render_json(&s, STATUSPAGE_DOC_SUMMARY);
	REQUIRE(summary != NULL);
	CHECK(has_keys(json_object_get(summary, "page"), page_keys));
	CHECK(json_is_array(json_object_get(summary, "scheduled_maintenances")));
	CHECK_INT(json_array_size(json_object_get(summary, "components")), 2);
	CHECK(has_keys(json_array_get(json_object_get(summary, "components"), 0), component_keys));
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(summary, "components"), 0), "status")),
		  "partial_outage");
	inc = json_array_get(json_object_get(summary, "incidents"), 0);
	REQUIRE(inc != NULL);
	CHECK(has_keys(inc, incident_keys));
	CHECK_STR(json_string_value(json_object_get(inc, "id")), "INC-7");
	CHECK_STR(json_string_value(json_object_get(inc, "impact")), "major");
	CHECK_STR(json_string_value(json_object_get(inc, "status")), "identified");
	CHECK_STR(json_string_value(json_object_get(inc, "shortlink")),
		  "https://status.example.com/incidents/INC-7");
	upd = json_array_get(json_object_get(inc, "incident_updates"), 0);
	REQUIRE(upd != NULL);
	CHECK(has_keys(upd, update_keys));
	CHECK(json_is_string(json_object_get(upd, "id")));
	/* The ETA as our extra field and written into the body the Statuspage way. */
	CHECK_STR(json_string_value(json_object_get(upd, "next_update_at")), "2026-11-18T11:36:40Z");
	CHECK(text_has(json_string_value(json_object_get(upd, "body")),
		       "Next update by 18 Nov 2026, 11:36 UTC."));
	status = json_object_get(summary, "status");
	CHECK_STR(json_string_value(json_object_get(status, "indicator")), "major");
	CHECK_STR(json_string_value(json_object_get(status, "description")), "Partial System Outage");
	json_decref(summary);

	for (int d = STATUSPAGE_DOC_SUMMARY; d <= STATUSPAGE_DOC_MAINT_ACTIVE; d++) {
		json_t *doc = render_json(&s, (enum statuspage_doc)d);

		CHECK_MSG(doc && json_is_object(json_object_get(doc, "page")), "doc %d has no page", d);
		json_decref(doc);
	}
	snapshot_free(&s);

	/* Nothing public: all operational. */
	snapshot_of(&s, json_array());
	status = render_json(&s, STATUSPAGE_DOC_STATUS);
	REQUIRE(status != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(status, "status"), "indicator")), "none");
	CHECK_STR(json_string_value(json_object_get(json_object_get(status, "status"), "description")),
		  "All Systems Operational");
	json_decref(status);
	snapshot_free(&s);
}

static void test_statuspage_components_derive(void)
{
	json_t *a = incident_json(1, "a", "critical", "investigating", true, false, false, "a");
	json_t *b = incident_json(2, "b", "medium", "investigating", true, false, false, "b");
	json_t *c = incident_json(3, "c", "critical", "resolved", true, false, false, "c");
	json_t *models, *comps, *configured, *maint;

	set_systems(a, "API", "Web");
	set_systems(b, "Web", "Mail");
	set_systems(c, "Billing", "API");
	models = json_pack("[o,o,o]", statuspage_public_incident(a, NULL, NULL),
			   statuspage_public_incident(b, NULL, NULL),
			   statuspage_public_incident(c, NULL, NULL));
	REQUIRE(models != NULL);
	comps = statuspage_components(models, NULL, NULL);
	REQUIRE(comps != NULL);
	CHECK_INT(json_array_size(comps), 4); /* API, Billing, Mail, Web by name */
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 0), "name")), "API");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 0), "status")), "major_outage");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 1), "status")), "operational");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 2), "status")),
		  "degraded_performance");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 3), "status")), "major_outage");
	json_decref(comps);
	/* Configured components come first in their order; an explicit status wins; an
	 * operational one under running maintenance is under_maintenance. */
	configured = json_pack("[{s:i, s:s, s:s, s:i, s:n}, {s:i, s:s, s:s, s:i, s:s}]", "id", 5,
			       "name", "Mail", "description", "Outbound mail", "position", 1,
			       "status", "id", 6, "name", "API", "description", "Public API",
			       "position", 2, "status", "degraded_performance");
	maint = json_pack("[{s:s, s:[s]}]", "status", "in_progress", "components", "Billing");
	comps = statuspage_components(models, configured, maint);
	json_decref(maint);
	REQUIRE(comps != NULL);
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 0), "name")), "Mail");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 0), "id")), "5");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 1), "status")),
		  "degraded_performance");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 2), "name")), "Billing");
	CHECK_STR(json_string_value(json_object_get(json_array_get(comps, 2), "status")),
		  "under_maintenance");
	json_decref(comps);
	json_decref(configured);
	json_decref(models);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* ---------------------------------------------------------------- escaping */

static char *render_text(const struct statuspage_snapshot *s, enum statuspage_doc doc)
{
	struct buf b;

	buf_init(&b, STATUSPAGE_DOC_MAX);
	if (statuspage_render(s, doc, &b) != 0)
		return NULL;
	return buf_detach(&b);
}

static void test_statuspage_escaping(void)
{
	static const char evil[] = "<script>alert(1)</script>&\"'\x01<img src=x onerror=y>";
	struct statuspage_snapshot s;
	json_t *models = json_pack("[o]", sample_model(evil, false));
	struct buf b;
	char *text;

	snapshot_of(&s, models);
	for (int d = 0; d < STATUSPAGE_DOC__MAX; d++) {
		text = render_text(&s, (enum statuspage_doc)d);
		REQUIRE(text != NULL);
		CHECK_MSG(!text_has(text, "<script>alert") && !text_has(text, "<img src=x"),
			  "doc %d carries raw markup", d);
		CHECK_MSG(!text_has(text, "\x01"), "doc %d carries a control character", d);
		if (d != STATUSPAGE_DOC_INDEX && d < STATUSPAGE_DOC_ATOM) {
			json_t *j = json_loads(text, 0, NULL);

			CHECK_MSG(j != NULL, "doc %d is not JSON", d);
			/* Escaped on the wire, the same text once parsed. */
			if (d == STATUSPAGE_DOC_SUMMARY)
				CHECK_STR(json_string_value(json_object_get(json_array_get(
						  json_object_get(j, "incidents"), 0), "name")),
					  "<script>alert(1)</script>&\"'\x01<img src=x onerror=y>");
			json_decref(j);
		}
		if (d == STATUSPAGE_DOC_INDEX || d == STATUSPAGE_DOC_ATOM || d == STATUSPAGE_DOC_RSS)
			CHECK_MSG(text_has(text, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"),
				  "doc %d does not show the title escaped", d);
		free(text);
	}
	buf_init(&b, STATUSPAGE_DOC_MAX);
	REQUIRE(statuspage_render_incident(&s, json_array_get(models, 0), &b) == 0);
	CHECK(!text_has(b.ptr, "<script>alert"));
	CHECK(text_has(b.ptr, "<h1>&lt;script&gt;"));
	buf_free(&b);
	buf_init(&b, 256);
	REQUIRE(statuspage_escape(&b, "a<b>&\"'\tc") == 0);
	CHECK_STR(b.ptr, "a&lt;b&gt;&amp;&quot;&#39;\tc");
	buf_free(&b);
	snapshot_free(&s);
}

/* ---------------------------------------------------------------- history and ETags */

static void test_statuspage_history_pages(void)
{
	struct statuspage_snapshot s;
	json_t *models = json_array();
	struct buf b;
	char title[64];

	/* 45 resolved within the window (numbers 1..45) and 5 resolved 100 days ago. */
	for (int i = 1; i <= 50; i++) {
		json_t *inc, *m;

		snprintf(title, sizeof(title), "%s%d", i <= 45 ? "recent" : "ancient", i);
		inc = incident_json(i, title, "medium", "resolved", true, false, false, "h");
		if (i > 45)
			json_object_set_new(inc, "resolvedAt",
					    json_time_or_null(T0 - 100 * DAY_MS_TEST));
		m = statuspage_public_incident(inc, NULL, NULL);
		json_decref(inc);
		REQUIRE(m != NULL);
		json_array_insert_new(models, 0, m);
	}
	snapshot_of(&s, models);
	buf_init(&b, STATUSPAGE_DOC_MAX);
	REQUIRE(statuspage_render_index(&s, 1, &b) == 0);
	CHECK(text_has(b.ptr, "Page 1 of 3"));
	CHECK(text_has(b.ptr, "href=\"/?page=2\""));
	CHECK(!text_has(b.ptr, "ancient"));
	buf_reset(&b);
	REQUIRE(statuspage_render_index(&s, 3, &b) == 0);
	CHECK(text_has(b.ptr, "Page 3 of 3"));
	buf_reset(&b);
	CHECK_INT(statuspage_render_index(&s, 4, &b), 1);
	CHECK_INT(statuspage_render_index(&s, 0, &b), 1);
	buf_free(&b);
	snapshot_free(&s);
}

static void test_statuspage_etag_stable(void)
{
	struct statuspage_snapshot s1, s2;
	char *a, *b2;
	char e1[STATUSPAGE_ETAG_MAX], e2[STATUSPAGE_ETAG_MAX];

	snapshot_of(&s1, json_pack("[o]", sample_model("same", false)));
	snapshot_of(&s2, json_pack("[o]", sample_model("same", false)));
	a = render_text(&s1, STATUSPAGE_DOC_INDEX);
	b2 = render_text(&s2, STATUSPAGE_DOC_INDEX);
	REQUIRE(a && b2);
	statuspage_etag(a, strlen(a), e1);
	statuspage_etag(b2, strlen(b2), e2);
	CHECK_STR(e1, e2);
	CHECK(e1[0] == '"' && e1[strlen(e1) - 1] == '"');
	statuspage_etag(a, strlen(a) - 1, e2);
	CHECK(strcmp(e1, e2) != 0);
	free(a);
	free(b2);
	snapshot_free(&s1);
	snapshot_free(&s2);
}

/* ---------------------------------------------------------------- public events */

static char *event_text(const char *type, json_t *state, const char *extra_key, json_t *extra)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:O}", "type", type, "incident", "INC-7", "at",
			       "2026-11-18T05:00:00Z", "actor", INT_MARK "actor", "incidentState", state);
	char *text;

	if (extra_key)
		json_object_set_new(ev, extra_key, extra);
	text = dump(ev);
	json_decref(ev);
	return text;
}

static void test_statuspage_public_events(void)
{
	json_t *state = incident_json(7, PUB_MARK "t", "high", "identified", false, false, false, "e");
	json_t *out = NULL;
	const char *type;
	char *ev, *text;

	ev = event_text("update.published", state, "update",
			update_json(1, 7, T0, PUB_MARK "b", "public", NULL, T0 + MIN_MS, INT_MARK "a"));
	CHECK_INT(statuspage_public_event("update.published", "public", ev, &out, &type), 1);
	REQUIRE(out != NULL);
	CHECK_STR(type, "update.published");
	text = dump(out);
	CHECK_MSG(!text_has(text, INT_MARK), "leak: %s", text);
	CHECK(text_has(text, PUB_MARK "b"));
	CHECK_STR(json_string_value(json_object_get(json_object_get(out, "update"), "status")), "identified");
	free(text);
	json_decref(out);
	free(ev);

	ev = event_text("update.published", state, "update",
			update_json(2, 7, T0, INT_MARK "b", "internal", NULL, T0 + MIN_MS, "a"));
	CHECK_INT(statuspage_public_event("update.published", "internal", ev, &out, &type), 0);
	/* A lie in the event's visibility does not publish an internal update either. */
	CHECK_INT(statuspage_public_event("update.published", "public", ev, &out, &type), 0);
	free(ev);

	ev = event_text("timeline.entry", state, "entry",
			entry_json(3, 7, T0, "action", INT_MARK "x", "internal", "a"));
	CHECK_INT(statuspage_public_event("timeline.entry", "internal", ev, &out, &type), 0);
	free(ev);

	/* State changes are public for an incident with external impact only. */
	ev = event_text("incident.phase", state, NULL, NULL);
	CHECK_INT(statuspage_public_event("incident.phase", "internal", ev, &out, &type), 0);
	free(ev);
	json_object_set_new(state, "externalImpact", json_true());
	ev = event_text("incident.phase", state, NULL, NULL);
	CHECK_INT(statuspage_public_event("incident.phase", "internal", ev, &out, &type), 1);
	text = dump(out);
	CHECK_MSG(!text_has(text, INT_MARK), "leak: %s", text);
	free(text);
	json_decref(out);
	free(ev);
	ev = event_text("role.assigned", state, NULL, NULL);
	CHECK_INT(statuspage_public_event("role.assigned", "internal", ev, &out, &type), 0);
	free(ev);
	json_object_set_new(state, "drill", json_true());
	ev = event_text("incident.phase", state, NULL, NULL);
	CHECK_INT(statuspage_public_event("incident.phase", "internal", ev, &out, &type), 0);
	free(ev);
	CHECK_INT(statuspage_public_event("incident.phase", "internal", "{not json", &out, &type), -1);
	/* Decided by type and visibility before any parsing (the writer publishes every event
	 * through here): events that can never be public are 0 whatever their payload. */
	CHECK_INT(statuspage_public_event("timeline.entry", "internal", "{not json", &out, &type), 0);
	CHECK_INT(statuspage_public_event("role.assigned", "internal", "{not json", &out, &type), 0);
	CHECK_INT(statuspage_public_event("role.assigned", "public", "{not json", &out, &type), 0);
	CHECK(out == NULL && type == NULL);
	CHECK_INT(statuspage_public_event("timeline.entry", "public", "{not json", &out, &type), -1);
	json_decref(state);
}

/* ---------------------------------------------------------------- the leak property */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Appends `text` to `all`; 0, or -1 when out of memory. */
static int collect_text(struct buf *all, const char *text)
{
	if (text == NULL)
		return -1;
	if (buf_append_str(all, text) != 0 || buf_append_char(all, '\n') != 0)
		return -1;
	return 0;
}

#define PROPERTY_INCIDENTS 300

static void test_statuspage_property_no_leak(void)
{
	static const char *const sev[] = {"critical", "high", "medium", "low"};
	static const char *const st[] = {"investigating", "identified", "monitoring", "resolved"};
	static const char *const audiences[] = {"public", "internal", "exec"};
	static const char *const nasty[] = {"", "<b>", "&amp;", "\"", "'", "</title>", "]]>", "\n"};
	json_t *models = json_array(), *events = json_array();
	struct statuspage_snapshot s;
	struct buf all;
	size_t npublic = 0, i;
	const json_t *m;
	const char *hit;

	REQUIRE(models && events);
	buf_init(&all, (size_t)512 * 1024 * 1024);
	for (int n = 1; n <= PROPERTY_INCIDENTS; n++) {
		bool drill = rnd(5) == 0, external = rnd(3) == 0;
		int nupdates = (int)rnd(5), nentries = (int)rnd(6);
		json_t *updates = json_array(), *entries = json_array(), *inc, *model;
		bool has_public = false;
		const char *cls;
		char mark[32], text[256], sys1[64], sys2[64];

		/* Decide first which content is public, then mark each text as it must be. */
		int pub_update[5], pub_entry[6];

		for (int k = 0; k < nupdates; k++) {
			pub_update[k] = rnd(3) == 0;
			has_public = has_public || pub_update[k];
		}
		for (int k = 0; k < nentries; k++) {
			pub_entry[k] = rnd(3) == 0;
			has_public = has_public || pub_entry[k];
		}
		cls = !drill && (external || has_public) ? PUB_MARK : INT_MARK;
		snprintf(mark, sizeof(mark), "n%d", n);
		snprintf(text, sizeof(text), "%s%stitle%s%s", nasty[rnd(8)], cls, mark, nasty[rnd(8)]);
		inc = incident_json(n, text, sev[rnd(4)], st[rnd(4)], external, drill, rnd(2) == 0, mark);
		if (strcmp(cls, INT_MARK) == 0) {
			/* Nothing of a non-public incident is public, its bridge included. */
			snprintf(text, sizeof(text), "https://b.example.com/" INT_MARK "bridge%s", mark);
			json_object_set_new(inc, "bridgeUrl", json_string(text));
		}
		snprintf(sys1, sizeof(sys1), "%ssysA%s", cls, mark);
		snprintf(sys2, sizeof(sys2), "%ssysB%d", cls, n % 7);
		set_systems(inc, sys1, sys2);
		for (int k = 0; k < nupdates; k++) {
			const char *aud = pub_update[k] ? "public" : audiences[1 + rnd(2)];
			const char *ucls = pub_update[k] && strcmp(cls, PUB_MARK) == 0 ? PUB_MARK : INT_MARK;

			snprintf(text, sizeof(text), "%s%supd%d%s%s", nasty[rnd(8)], ucls, k, mark, nasty[rnd(8)]);
			json_array_append_new(updates, update_json(n * 10 + k, n, T0 + k * MIN_MS, text, aud,
								   rnd(2) ? st[rnd(4)] : NULL,
								   pub_update[k] ? T0 + 30 * MIN_MS : INTERNAL_ETA,
								   INT_MARK "author"));
		}
		for (int k = 0; k < nentries; k++) {
			const char *ecls = pub_entry[k] && strcmp(cls, PUB_MARK) == 0 ? PUB_MARK : INT_MARK;

			snprintf(text, sizeof(text), "%s%sent%d%s", nasty[rnd(8)], ecls, k, mark);
			json_array_append_new(entries, entry_json(n * 10 + k, n, T0 + k * MIN_MS,
								  rnd(4) == 0 ? "update" : "action", text,
								  pub_entry[k] ? "public" : "internal",
								  INT_MARK "author"));
		}
		model = statuspage_public_incident(inc, updates, entries);
		/* Issue 10: a published After Action's public part on resolved incidents; only
		 * the allow-listed members (publishedAt, heading, text) may come through. */
		if (model && strcmp(json_string_value(json_object_get(model, "status")), "resolved") == 0 &&
		    rnd(2)) {
			json_t *pm = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}", "publishedAt",
					       "2026-11-19T10:00:00Z", "author", INT_MARK "pmauthor", "sections",
					       "name", "summary", "heading", "Summary", "text", PUB_MARK "pm",
					       "note", INT_MARK "pmnote");

			CHECK(pm != NULL && statuspage_attach_postmortem(model, pm) == 0);
			json_decref(pm);
		}
		CHECK_MSG((model != NULL) == (strcmp(cls, PUB_MARK) == 0 &&
					      (external || has_public)),
			  "INC-%d: public=%d, expected %d", n, model != NULL, strcmp(cls, PUB_MARK) == 0);
		if (model) {
			json_array_insert_new(models, 0, model);
			npublic++;
		}
		/* The committed events of this incident, as the public stream would see them. */
		for (size_t k = 0; k < json_array_size(updates); k++) {
			json_t *u = json_array_get(updates, k);
			char *ev = event_text("update.published", inc, "update", json_incref(u));

			json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "type", "update.published",
								"visibility", json_string_value(json_object_get(u, "audience")),
								"payload", ev));
			free(ev);
		}
		for (size_t k = 0; k < json_array_size(entries); k++) {
			json_t *e = json_array_get(entries, k);
			char *ev = event_text("timeline.entry", inc, "entry", json_incref(e));

			json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "type", "timeline.entry",
								"visibility", json_string_value(json_object_get(e, "visibility")),
								"payload", ev));
			free(ev);
		}
		{
			char *ev = event_text("incident.updated", inc, NULL, NULL);

			json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "type", "incident.updated",
								"visibility", "internal", "payload", ev));
			free(ev);
		}
		json_decref(inc);
		json_decref(updates);
		json_decref(entries);
	}
	CHECK_MSG(npublic > 50 && npublic < PROPERTY_INCIDENTS - 50,
		  "the mix is lopsided: %zu public of %d", npublic, PROPERTY_INCIDENTS);
	snapshot_of(&s, models);
	s.now = T0 + 30 * DAY_MS_TEST;
	/* Every renderer, every history page, every incident page, every public event. */
	for (int d = 0; d < STATUSPAGE_DOC__MAX; d++) {
		char *text = render_text(&s, (enum statuspage_doc)d);

		CHECK_MSG(collect_text(&all, text) == 0, "doc %d did not render", d);
		free(text);
	}
	for (int page = 2;; page++) {
		struct buf b;
		int rc;

		buf_init(&b, STATUSPAGE_DOC_MAX);
		rc = statuspage_render_index(&s, page, &b);
		if (rc == 0)
			CHECK(collect_text(&all, b.ptr) == 0);
		buf_free(&b);
		if (rc != 0)
			break;
	}
	json_array_foreach(s.incidents, i, m) {
		struct buf b;

		buf_init(&b, STATUSPAGE_DOC_MAX);
		CHECK(statuspage_render_incident(&s, m, &b) == 0);
		CHECK(collect_text(&all, b.ptr) == 0);
		buf_free(&b);
	}
	json_array_foreach(events, i, m) {
		json_t *out = NULL;
		const char *type;
		int rc = statuspage_public_event(json_string_value(json_object_get(m, "type")),
						 json_string_value(json_object_get(m, "visibility")),
						 json_string_value(json_object_get(m, "payload")), &out,
						 &type);

		CHECK(rc >= 0);
		if (rc == 1) {
			char *text = dump(out);

			CHECK(collect_text(&all, text) == 0);
			free(text);
		}
		json_decref(out);
	}
	hit = strstr(all.ptr, INT_MARK);
	CHECK_MSG(hit == NULL, "internal marker on a public surface: …%.80s", hit ? hit : "");
	CHECK_MSG(strstr(all.ptr, "2037") == NULL, "an internal next-update time is public");
	/* And the public content is there, so the scan looked at something. */
	CHECK(strstr(all.ptr, PUB_MARK "title") && strstr(all.ptr, PUB_MARK "upd") &&
	      strstr(all.ptr, PUB_MARK "ent") && strstr(all.ptr, PUB_MARK "sysA"));
	CHECK(strstr(all.ptr, PUB_MARK "pm") && strstr(all.ptr, "\"status\":\"postmortem\""));
	buf_free(&all);
	json_decref(events);
	snapshot_free(&s);
}

/* Configured components and maintenances (components.h): their public events carry the
 * allow-listed object and no actor, fail closed when unreadable; a maintenance's v2 object
 * has an update per step, newest first, and its components by name. */
static void test_statuspage_maintenance(void)
{
	const char *maint_text =
		"{\"type\":\"maintenance.changed\",\"at\":\"2026-11-18T10:00:00Z\",\"actor\":\"" INT_MARK
		"who\",\"change\":\"started\",\"maintenance\":{\"id\":3,\"title\":\"" PUB_MARK
		"m\",\"body\":\"b\",\"components\":[\"API\"],\"scheduledFor\":\"2026-11-18T09:00:00Z\","
		"\"scheduledUntil\":\"2026-11-18T11:00:00Z\",\"state\":\"in_progress\",\"startedAt\":"
		"\"2026-11-18T10:00:00Z\",\"completedAt\":null,\"createdAt\":\"2026-11-17T10:00:00Z\","
		"\"updatedAt\":\"2026-11-18T10:00:00Z\",\"secret\":\"" INT_MARK "s\"}}";
	const char *comp_text =
		"{\"type\":\"component.changed\",\"at\":\"2026-11-18T10:00:00Z\",\"actor\":\"" INT_MARK
		"who\",\"change\":\"created\",\"component\":{\"id\":6,\"name\":\"API\",\"description\":"
		"null,\"position\":2,\"status\":\"major_outage\",\"createdAt\":null,\"updatedAt\":null}}";
	struct statuspage_snapshot s;
	json_t *out = NULL, *maint, *configured, *doc, *sm, *ups;
	const char *type;
	char *text;

	CHECK_INT(statuspage_public_event("maintenance.changed", "public", maint_text, &out, &type), 1);
	REQUIRE(out != NULL);
	CHECK_STR(type, "maintenance.changed");
	text = dump(out);
	CHECK_MSG(!text_has(text, INT_MARK), "leak: %s", text);
	CHECK(text_has(text, PUB_MARK "m"));
	free(text);
	json_decref(out);
	CHECK_INT(statuspage_public_event("component.changed", "public", comp_text, &out, &type), 1);
	REQUIRE(out != NULL);
	CHECK_STR(type, "component.changed");
	CHECK_STR(json_string_value(json_object_get(json_object_get(out, "component"), "id")), "6");
	CHECK(json_object_get(json_object_get(out, "component"), "status") == NULL);
	text = dump(out);
	CHECK_MSG(!text_has(text, INT_MARK), "leak: %s", text);
	free(text);
	json_decref(out);
	/* Only with public visibility, and never half of an unreadable object. */
	CHECK_INT(statuspage_public_event("component.changed", "internal", comp_text, &out, &type), 0);
	CHECK_INT(statuspage_public_event("maintenance.changed", "public",
					  "{\"maintenance\":{\"id\":3,\"state\":\"bogus\"}}", &out, &type), 0);
	CHECK_INT(statuspage_public_event("component.changed", "public", "{\"component\":{}}", &out,
					  &type), 0);

	/* The v2 documents: running under active.json with two updates, newest first. */
	maint = json_loads(maint_text, 0, NULL);
	REQUIRE(maint != NULL);
	snapshot_of(&s, json_array());
	json_decref(s.components);
	json_array_append_new(s.maintenances,
			      statuspage_public_maintenance(json_object_get(maint, "maintenance")));
	configured = json_pack("[{s:i, s:s, s:n, s:i, s:n}]", "id", 6, "name", "API", "description",
			       "position", 2, "status");
	s.components = statuspage_components(s.incidents, configured, s.maintenances);
	REQUIRE(s.components != NULL);
	CHECK_STR(json_string_value(json_object_get(json_array_get(s.components, 0), "status")),
		  "under_maintenance");
	doc = render_json(&s, STATUSPAGE_DOC_MAINT_ACTIVE);
	REQUIRE(doc != NULL);
	sm = json_array_get(json_object_get(doc, "scheduled_maintenances"), 0);
	CHECK_STR(json_string_value(json_object_get(sm, "id")), "MNT-3");
	CHECK_STR(json_string_value(json_object_get(sm, "impact")), "maintenance");
	ups = json_object_get(sm, "incident_updates");
	CHECK_INT(json_array_size(ups), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(ups, 0), "status")), "in_progress");
	CHECK_STR(json_string_value(json_object_get(json_array_get(ups, 1), "body")), "b");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(sm, "components"), 0),
						    "id")), "6");
	json_decref(doc);
	doc = render_json(&s, STATUSPAGE_DOC_MAINT_UPCOMING);
	CHECK(doc && json_array_size(json_object_get(doc, "scheduled_maintenances")) == 0);
	json_decref(doc);
	doc = render_json(&s, STATUSPAGE_DOC_STATUS);
	CHECK(doc != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "status"), "description")),
		  "Service Under Maintenance");
	json_decref(doc);
	json_decref(configured);
	json_decref(maint);
	snapshot_free(&s);
}

UNIT_SUITE(statuspage_suite) = {
	{"statuspage_allow_list", test_statuspage_allow_list},
	{"statuspage_publicity_rules", test_statuspage_publicity},
	{"statuspage_bridge_only_when_public", test_statuspage_bridge},
	{"statuspage_impact_and_component_status", test_statuspage_statuses},
	{"statuspage_v2_shapes", test_statuspage_v2_shapes},
	{"statuspage_components_derive", test_statuspage_components_derive},
	{"statuspage_escaping", test_statuspage_escaping},
	{"statuspage_history_pages", test_statuspage_history_pages},
	{"statuspage_etag_stable", test_statuspage_etag_stable},
	{"statuspage_public_events", test_statuspage_public_events},
	{"statuspage_maintenance_and_component_events", test_statuspage_maintenance},
	{"statuspage_property_no_leak", test_statuspage_property_no_leak},
	UNIT_END,
};
