/* The HTTP handlers of issue 10 (afteraction_api.h): validate, call actions.h, reply. */
#include "afteraction_api.h"

#include <microhttpd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "afteraction.h"
#include "buf.h"
#include "json.h"
#include "parse.h"
#include "service.h"

static const char *const action_state_all[] = {"open", "in_progress", "done", "wont_do", NULL};
static const char *const action_state_new[] = {"open", "in_progress", NULL};
static const char *const priorities[] = {"high", "medium", "low", NULL};
static const char *const review_states[] = {"draft", "review", "published", NULL};

/* ---- helpers ---- */

static int reply_text(struct http_request *req, const char *content_type, char *text)
{
	struct MHD_Response *resp;

	if (text == NULL) {
		struct api_error err;

		api_error_set(&err, 500, "internal", NULL, "the document could not be rendered");
		return http_reply_error(req, &err);
	}
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", content_type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, MHD_HTTP_OK, resp);
}

static int incident_of(struct http_request *req, int64_t *number, int *reply_rc)
{
	if (parse_incident_id(req->captures[0], number) != 0) {
		*reply_rc = http_reply_fail(req, 404, "not_found", NULL, "no such incident");
		return -1;
	}
	return 0;
}

/* If-Match: "<version>" (quoted or bare, W/ tolerated) into `*out`; -1 when absent. */
/* ---- the After Action document ---- */

int afteraction_handle_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	rc = actions_review_get(req->app, number, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

enum {
	REVIEW_F_SUMMARY, REVIEW_F_IMPACT, REVIEW_F_ROOT_CAUSE, REVIEW_F_FACTORS,
	REVIEW_F_WELL, REVIEW_F_POORLY, REVIEW_F_STATE, REVIEW_F__MAX
};

#define F_SECTION(n) \
	{.name = (n), .type = FIELD_STRING, .nullable = true, .empty_ok = true, \
	 .max = AFTERACTION_TEXT_MAX}

static const struct field_spec review_fields[REVIEW_F__MAX] = {
	F_SECTION("summary"),  F_SECTION("impact"),   F_SECTION("rootCause"),
	F_SECTION("contributingFactors"), F_SECTION("wentWell"), F_SECTION("wentPoorly"),
	{.name = "state", .type = FIELD_STRING, .one_of = review_states},
};

int afteraction_handle_patch(struct http_request *req)
{
	struct field_value v[REVIEW_F__MAX];
	struct review_edit edit = {0};
	struct api_error err;
	json_t *body = NULL, *timeline = NULL, *sections = NULL, *out = NULL, *tags = NULL;
	int64_t number, if_match;
	int rc = MHD_NO;

	if (incident_of(req, &number, &rc) != 0 ||
	    http_if_match(req, "the After Action's version", &if_match, &rc) != 0)
		return rc;
	if (json_parse_body(req->body ? req->body : "", req->body_len, &body, &err) != 0)
		return http_reply_error(req, &err);
	/* `rootCauseTags`: an array of short strings (or null), normalized here. */
	if (json_object_get(body, "rootCauseTags")) {
		json_t *sent = json_object_get(body, "rootCauseTags");
		char why[160];

		if (json_is_null(sent)) {
			tags = json_null();
		} else if (afteraction_tags_normalize(sent, &tags, why, sizeof(why)) != 0) {
			rc = http_reply_fail(req, 400, "invalid_field", "rootCauseTags", why);
			goto done;
		}
		json_object_del(body, "rootCauseTags");
	}
	/* `timeline` is an array of entry ids, which the field table has no type for. */
	timeline = json_object_get(body, "timeline");
	if (timeline) {
		json_incref(timeline);
		json_object_del(body, "timeline");
		if (!json_is_null(timeline) &&
		    (!json_is_array(timeline) || json_array_size(timeline) > AFTERACTION_CITED_MAX)) {
			rc = http_reply_fail(req, 400, "invalid_field", "timeline",
				  "timeline must be an array of entry ids (at most 1000) or null");
			goto done;
		}
	}
	if (json_validate(body, review_fields, REVIEW_F__MAX, v, &err) != 0) {
		rc = http_reply_error(req, &err);
		goto done;
	}
	sections = json_object();
	if (sections == NULL)
		goto done;
	for (int i = REVIEW_F_SUMMARY; i <= REVIEW_F_POORLY; i++)
		if (v[i].present &&
		    json_object_set_new(sections, review_fields[i].name,
					v[i].is_null ? json_null() : json_string(v[i].str)) != 0)
			goto done;
	if (json_object_size(sections) == 0 && timeline == NULL && tags == NULL &&
	    !v[REVIEW_F_STATE].present) {
		rc = http_reply_fail(req, 400, "missing_field", "state",
			  "send a section, timeline or state to change");
		goto done;
	}
	edit.sections = sections;
	edit.has_timeline = timeline != NULL;
	edit.timeline = timeline;
	edit.has_state = v[REVIEW_F_STATE].present;
	if (edit.has_state)
		afteraction_state_parse(v[REVIEW_F_STATE].str, &edit.state);
	edit.has_tags = tags != NULL;
	edit.tags = tags;
	edit.if_match = if_match;
	rc = actions_review_patch(req->app, req->actor, number, &edit, &out, &err);
	rc = http_reply_result(req, rc, 200, out, &err);
done:
	json_decref(tags);
	json_decref(sections);
	json_decref(timeline);
	json_decref(body);
	return rc;
}

/* The incident's After Action rendered by `render` (a malloc'd text) as `content_type`. */
static int reply_rendered(struct http_request *req, char *(*render)(const json_t *doc),
			  const char *content_type)
{
	struct api_error err;
	json_t *doc = NULL;
	int64_t number;
	char *text;
	int rc;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	if (actions_review_get(req->app, number, &doc, &err) != 0)
		return http_reply_error(req, &err);
	text = render(doc);
	json_decref(doc);
	return reply_text(req, content_type, text);
}

int afteraction_handle_md(struct http_request *req)
{
	return reply_rendered(req, afteraction_markdown, "text/markdown; charset=utf-8");
}

int afteraction_handle_html(struct http_request *req)
{
	return reply_rendered(req, afteraction_html, "text/html; charset=utf-8");
}

int afteraction_handle_ics(struct http_request *req)
{
	struct api_error err;
	json_t *doc = NULL;
	int64_t number;
	char *text, disposition[96];
	int rc;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	if (actions_review_get(req->app, number, &doc, &err) != 0)
		return http_reply_error(req, &err);
	if (json_is_null(json_object_get(doc, "reviewAt"))) {
		json_decref(doc);
		return http_reply_fail(req, 404, "not_found", NULL,
			    "no After Action review is scheduled: set afterActionAt on the incident");
	}
	text = afteraction_ics(doc, app_now(req->app));
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"INC-%lld-after-action.ics\"",
		 (long long)number);
	json_decref(doc);
	http_reply_header(req, "Content-Disposition", disposition);
	return reply_text(req, "text/calendar; charset=utf-8", text);
}

int afteraction_handle_svg(struct http_request *req)
{
	struct api_error err;
	json_t *doc = NULL;
	int64_t number;
	char *text;
	int rc;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	if (actions_review_get(req->app, number, &doc, &err) != 0)
		return http_reply_error(req, &err);
	text = afteraction_gantt_svg(doc);
	json_decref(doc);
	return reply_text(req, "image/svg+xml", text);
}

int afteraction_handle_export(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	char disposition[96];
	int64_t number;
	int rc;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	rc = actions_export(req->app, number, &out, &err);
	if (rc == 0) {
		snprintf(disposition, sizeof(disposition), "inline; filename=\"INC-%lld.json\"",
			 (long long)number);
		http_reply_header(req, "Content-Disposition", disposition);
	}
	return http_reply_result(req, rc, 200, out, &err);
}

/* ---- action items ---- */

enum {
	ACT_F_TITLE, ACT_F_OWNER, ACT_F_DUE, ACT_F_PRIORITY, ACT_F_TRACKER, ACT_F_STATE,
	ACT_F_REASON, ACT_F__MAX
};

static const struct field_spec action_create_fields[ACT_F__MAX] = {
	{.name = "title", .type = FIELD_STRING, .required = true, .max = ACTION_TITLE_MAX},
	{.name = "owner", .type = FIELD_STRING, .required = true, .max = ACTION_OWNER_MAX},
	{.name = "dueDate", .type = FIELD_TIME, .required = true},
	{.name = "priority", .type = FIELD_STRING, .required = true, .one_of = priorities},
	{.name = "trackerUrl", .type = FIELD_STRING, .nullable = true, .max = ACTION_URL_MAX},
	{.name = "state", .type = FIELD_STRING, .one_of = action_state_new},
	/* a reason is for wont_do, which a new item cannot be; listed so the error says so */
	{.name = "reason", .type = FIELD_STRING, .nullable = true, .max = ACTION_REASON_MAX},
};

static const struct field_spec action_patch_fields[ACT_F__MAX] = {
	{.name = "title", .type = FIELD_STRING, .max = ACTION_TITLE_MAX},
	{.name = "owner", .type = FIELD_STRING, .max = ACTION_OWNER_MAX},
	{.name = "dueDate", .type = FIELD_TIME},
	{.name = "priority", .type = FIELD_STRING, .one_of = priorities},
	{.name = "trackerUrl", .type = FIELD_STRING, .nullable = true, .max = ACTION_URL_MAX},
	{.name = "state", .type = FIELD_STRING, .one_of = action_state_all},
	{.name = "reason", .type = FIELD_STRING, .nullable = true, .max = ACTION_REASON_MAX},
};

/* The typed input, or a 400 naming the field. */
static int action_input_of(struct http_request *req, const struct field_value *v,
			   struct action_input *in, int *reply_rc)
{
	const char *url = v[ACT_F_TRACKER].present && !v[ACT_F_TRACKER].is_null ? v[ACT_F_TRACKER].str
										    : NULL;

	memset(in, 0, sizeof(*in));
	if (v[ACT_F_TITLE].present && str_blank(v[ACT_F_TITLE].str)) {
		*reply_rc = http_reply_fail(req, 400, "invalid_field", "title", "title must not be blank");
		return -1;
	}
	/* One named person: a blank owner is nobody. */
	if (v[ACT_F_OWNER].present && str_blank(v[ACT_F_OWNER].str)) {
		*reply_rc = http_reply_fail(req, 400, "invalid_field", "owner", "owner must name one person");
		return -1;
	}
	if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		*reply_rc = http_reply_fail(req, 400, "invalid_field", "trackerUrl",
				 "trackerUrl must be an http:// or https:// link");
		return -1;
	}
	in->title = v[ACT_F_TITLE].present ? v[ACT_F_TITLE].str : NULL;
	in->owner = v[ACT_F_OWNER].present ? v[ACT_F_OWNER].str : NULL;
	in->priority = v[ACT_F_PRIORITY].present ? v[ACT_F_PRIORITY].str : NULL;
	in->due_at = v[ACT_F_DUE].present ? v[ACT_F_DUE].num : TIME_NONE;
	in->has_tracker_url = v[ACT_F_TRACKER].present;
	in->tracker_url = url;
	in->reason = v[ACT_F_REASON].present && !v[ACT_F_REASON].is_null ? v[ACT_F_REASON].str : NULL;
	in->has_state = v[ACT_F_STATE].present;
	if (in->has_state)
		action_state_parse(v[ACT_F_STATE].str, &in->state);
	return 0;
}

int afteraction_handle_action_create(struct http_request *req)
{
	struct field_value v[ACT_F__MAX];
	struct action_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc = MHD_NO;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, action_create_fields, ACT_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	if (v[ACT_F_REASON].present && !v[ACT_F_REASON].is_null) {
		json_decref(body);
		return http_reply_fail(req, 400, "invalid_field", "reason",
			    "a reason goes with wont_do, which a new item cannot be");
	}
	if (action_input_of(req, v, &in, &rc) != 0) {
		json_decref(body);
		return rc;
	}
	rc = actions_create(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	if (rc == 0) {
		char location[64];

		snprintf(location, sizeof(location), "/api/v1/actions/%lld",
			 (long long)json_integer_value(json_object_get(out, "id")));
		http_reply_header(req, "Location", location);
	}
	return http_reply_result(req, rc, 201, out, &err);
}

int afteraction_handle_action_patch(struct http_request *req)
{
	struct field_value v[ACT_F__MAX];
	struct action_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	bool any = false;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "action item", &id, &rc) != 0)
		return rc;
	body = http_json_body(req, action_patch_fields, ACT_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	for (int i = 0; i < ACT_F__MAX; i++)
		any = any || v[i].present;
	if (!any) {
		json_decref(body);
		return http_reply_fail(req, 400, "missing_field", "state", "send at least one field to change");
	}
	if (action_input_of(req, v, &in, &rc) != 0) {
		json_decref(body);
		return rc;
	}
	rc = actions_patch(req->app, req->actor, id, &in, &out, &err);
	json_decref(body);
	return http_reply_result(req, rc, 200, out, &err);
}

int afteraction_handle_action_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (http_capture_id(req, 0, "action item", &id, &rc) != 0)
		return rc;
	rc = actions_get(req->app, id, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

/* The query of GET /actions (and of an incident's list): state, overdue, limit. */
static int list_query(struct http_request *req, struct action_filter *f, int *reply_rc)
{
	const char *state = http_query(req, "state"), *overdue = http_query(req, "overdue");
	const char *limit = http_query(req, "limit"), *incident = http_query(req, "incident");
	const char *field = NULL, *message = NULL;
	enum action_state st;

	f->limit = ACTION_LIST_MAX;
	if (state && *state && action_state_parse(state, &st) != 0) {
		field = "state";
		message = "state must be one of open, in_progress, done, wont_do";
	} else if (state && *state) {
		f->state = action_state_name(st);
	}
	if (overdue && *overdue && strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0) {
		field = "overdue";
		message = "overdue must be true or false";
	}
	f->overdue = overdue && strcmp(overdue, "true") == 0;
	if (limit && *limit) {
		const char *cursor = limit;
		uint64_t n;

		if (parse_u64(&cursor, &n, ACTION_LIST_MAX) != 0 || *cursor != '\0' || n == 0) {
			field = "limit";
			message = "limit must be an integer from 1 to 1000";
		} else {
			f->limit = (int)n;
		}
	}
	if (incident && *incident && parse_incident_id(incident, &f->incident) != 0) {
		field = "incident";
		message = "incident must be INC-n";
	}
	if (field) {
		*reply_rc = http_reply_fail(req, 400, "invalid_field", field, message);
		return -1;
	}
	return 0;
}

int afteraction_handle_action_list(struct http_request *req)
{
	struct action_filter f = {0};
	struct api_error err;
	json_t *out = NULL;
	int rc;

	if (list_query(req, &f, &rc) != 0)
		return rc;
	rc = actions_list(req->app, &f, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int afteraction_handle_incident_actions(struct http_request *req)
{
	struct action_filter f = {0};
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_of(req, &number, &rc) != 0 || list_query(req, &f, &rc) != 0)
		return rc;
	f.incident = number;
	rc = actions_list(req->app, &f, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int afteraction_handle_system_actions(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_of(req, &number, &rc) != 0)
		return rc;
	rc = actions_on_systems(req->app, number, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

/* ---- KPIs ---- */

static int time_query(struct http_request *req, const char *name, int64_t *out, int *reply_rc)
{
	const char *v = http_query(req, name);
	char message[128];

	*out = TIME_NONE;
	if (v == NULL || *v == '\0')
		return 0;
	if (time_from_iso(v, out) != 0) {
		snprintf(message, sizeof(message), "%s must be an ISO 8601 UTC time", name);
		*reply_rc = http_reply_fail(req, 400, "invalid_field", name, message);
		return -1;
	}
	return 0;
}

int afteraction_handle_kpis(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t from, to;
	int rc;

	if (time_query(req, "from", &from, &rc) != 0 || time_query(req, "to", &to, &rc) != 0)
		return rc;
	if (to != TIME_NONE && to <= from)
		return http_reply_fail(req, 400, "invalid_field", "to", "to must be after from");
	rc = actions_kpis(req->app, from, to, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int afteraction_handle_kpis_svg(struct http_request *req)
{
	struct api_error err;
	json_t *kpis = NULL;
	int64_t from, to;
	const char *chart;
	char *text;
	int rc;

	if (time_query(req, "from", &from, &rc) != 0 || time_query(req, "to", &to, &rc) != 0)
		return rc;
	if (to != TIME_NONE && to <= from)
		return http_reply_fail(req, 400, "invalid_field", "to", "to must be after from");
	chart = http_query(req, "chart");
	if (chart && *chart && strcmp(chart, "durations") != 0 && strcmp(chart, "cadence") != 0 &&
	    strcmp(chart, "actions") != 0 && strcmp(chart, "systems") != 0 &&
	    strcmp(chart, "weeks") != 0 && strcmp(chart, "incidents") != 0 &&
	    strcmp(chart, "mtta") != 0)
		return http_reply_fail(req, 400, "invalid_field", "chart",
			    "chart must be one of durations, cadence, actions, incidents, mtta, systems, weeks");
	if (actions_kpis(req->app, from, to, &kpis, &err) != 0)
		return http_reply_error(req, &err);
	text = kpi_chart_svg(kpis, chart);
	json_decref(kpis);
	return reply_text(req, "image/svg+xml", text);
}

int afteraction_handle_metrics(struct http_request *req)
{
	struct api_error err;
	json_t *kpis = NULL;
	char *text;

	if (actions_kpis(req->app, TIME_NONE, TIME_NONE, &kpis, &err) != 0)
		return http_reply_error(req, &err);
	text = kpi_prometheus(kpis);
	json_decref(kpis);
	return reply_text(req, "text/plain; version=0.0.4; charset=utf-8", text);
}
