/* The HTTP handlers of on-call and paging (oncall_api.h): validate, call, reply. */
#include "oncall_api.h"

#include <microhttpd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "pages.h"
#include "parse.h"
#include "service.h"
#include "teams.h"

#define MTTA_WINDOW_DEFAULT_MS ((int64_t)90 * 24 * 3600 * 1000)

/* ---- helpers ---- */

/* Takes `key` (an array of objects the field tables have no type for) out of `body`. */
static json_t *take(json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);

	if (v) {
		json_incref(v);
		json_object_del(body, key);
	}
	return v;
}

static int created(struct http_request *req, int rc, json_t *out, const struct api_error *err,
		   const char *prefix)
{
	char location[160];

	if (rc != 0)
		return http_reply_error(req, err);
	snprintf(location, sizeof(location), "%s%lld", prefix,
		 (long long)json_integer_value(json_object_get(out, "id")));
	http_reply_header(req, "Location", location);
	return http_reply_json(req, 201, out);
}

/* A query time: absent → `dflt`; present and not ISO 8601 → 400 naming it. */
static int query_time(struct http_request *req, const char *name, int64_t dflt, int64_t *out,
		      int *reply_rc)
{
	const char *v = http_query(req, name);
	char msg[120];

	*out = dflt;
	if (v == NULL || *v == '\0')
		return 0;
	if (time_from_iso(v, out) != 0) {
		snprintf(msg, sizeof(msg), "%s must be an ISO 8601 UTC time, e.g. 2026-11-23T14:32:05Z",
			 name);
		*reply_rc = http_reply_fail(req, 400, "invalid_field", name, msg);
		return -1;
	}
	return 0;
}

/* ---- teams ---- */

#define F_TEXT(n, req_, max_) {.name = (n), .type = FIELD_STRING, .required = (req_), .max = (max_)}
#define F_OPT_TEXT(n, max_) \
	{.name = (n), .type = FIELD_STRING, .nullable = true, .empty_ok = true, .max = (max_)}

enum { TEAM_F_NAME, TEAM_F_MANAGER, TEAM_F_EMAIL, TEAM_F_ACK, TEAM_F_STEPS, TEAM_F__MAX };

static const struct field_spec team_fields[TEAM_F__MAX] = {
	F_TEXT("name", false, TEAM_NAME_MAX),
	F_OPT_TEXT("manager", TEAM_PERSON_MAX),
	F_OPT_TEXT("managerEmail", TEAM_EMAIL_MAX),
	{.name = "ackMinutes", .type = FIELD_INT, .min = 1, .max = TEAM_ACK_MINUTES_MAX},
	{.name = "steps", .type = FIELD_STRING_ARRAY, .max = 16, .max_items = TEAM_STEPS_MAX},
};

/* Reads a team body; `creating` makes name required.  NULL when it replied. */
static json_t *team_body(struct http_request *req, bool creating, struct team_input *in,
			 json_t **members, int *reply_rc)
{
	struct field_value v[TEAM_F__MAX];
	struct api_error err;
	json_t *body = NULL;

	*members = NULL;
	if (json_parse_body(req->body ? req->body : "", req->body_len, &body, &err) != 0) {
		*reply_rc = http_reply_error(req, &err);
		return NULL;
	}
	*members = take(body, "members");
	if (json_validate(body, team_fields, TEAM_F__MAX, v, &err) != 0) {
		*reply_rc = http_reply_error(req, &err);
		goto fail;
	}
	if (creating && !v[TEAM_F_NAME].present) {
		*reply_rc = http_reply_fail(req, 400, "missing_field", "name", "a team needs a name");
		goto fail;
	}
	if (*members && !json_is_array(*members)) {
		*reply_rc = http_reply_fail(req, 400, "invalid_field", "members",
				 "members must be an array of {name, email}");
		goto fail;
	}
	memset(in, 0, sizeof(*in));
	in->name = v[TEAM_F_NAME].present ? v[TEAM_F_NAME].str : NULL;
	in->has_manager = v[TEAM_F_MANAGER].present;
	in->manager = v[TEAM_F_MANAGER].is_null ? NULL : v[TEAM_F_MANAGER].str;
	in->has_manager_email = v[TEAM_F_EMAIL].present;
	in->manager_email = v[TEAM_F_EMAIL].is_null ? NULL : v[TEAM_F_EMAIL].str;
	in->has_ack_minutes = v[TEAM_F_ACK].present;
	in->ack_minutes = (int)v[TEAM_F_ACK].num;
	in->steps = v[TEAM_F_STEPS].present ? v[TEAM_F_STEPS].json : NULL;
	in->members = *members;
	return body;
fail:
	json_decref(*members);
	*members = NULL;
	json_decref(body);
	return NULL;
}

int oncall_handle_team_create(struct http_request *req)
{
	struct team_input in;
	struct api_error err;
	json_t *members, *out = NULL, *body;
	int rc = MHD_NO;

	body = team_body(req, true, &in, &members, &rc);
	if (body == NULL)
		return rc;
	rc = teams_create(req->app, req->actor, &in, &out, &err);
	rc = created(req, rc, out, &err, "/api/v1/teams/");
	json_decref(members);
	json_decref(body);
	return rc;
}

int oncall_handle_team_patch(struct http_request *req)
{
	struct team_input in;
	struct api_error err;
	json_t *members, *out = NULL, *body;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "team", &id, &rc) != 0)
		return rc;
	body = team_body(req, false, &in, &members, &rc);
	if (body == NULL)
		return rc;
	if (json_object_size(body) == 0 && members == NULL) {
		rc = http_reply_fail(req, 400, "missing_field", "name", "send a field to change");
	} else {
		rc = teams_patch(req->app, req->actor, id, &in, &out, &err);
		rc = http_reply_result(req, rc, 200, out, &err);
	}
	json_decref(members);
	json_decref(body);
	return rc;
}

int oncall_handle_team_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int rc = teams_list(req->app, &out, &err);

	return http_reply_result(req, rc, 200, out, &err);
}

int oncall_handle_team_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "team", &id, &rc) != 0)
		return rc;
	rc = teams_get(req->app, id, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

/* ---- rotations and overrides ---- */

enum { ROT_F_NAME, ROT_F_SHIFT, ROT_F_HANDOVER, ROT_F_ZONE, ROT_F_START, ROT_F_ORDER, ROT_F__MAX };

static const struct field_spec rotation_fields[ROT_F__MAX] = {
	F_TEXT("name", true, TEAM_NAME_MAX),
	{.name = "shiftHours", .type = FIELD_INT, .required = true, .min = 1,
	 .max = 24 * 28},
	F_TEXT("handoverTime", true, 5),
	F_TEXT("zone", true, 64),
	F_TEXT("startDate", true, 10),
	{.name = "order", .type = FIELD_STRING_ARRAY, .required = true, .max = TEAM_PERSON_MAX,
	 .max_items = 100},
};

int oncall_handle_rotation_create(struct http_request *req)
{
	struct field_value v[ROT_F__MAX];
	struct rotation_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t team;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "team", &team, &rc) != 0)
		return rc;
	body = http_json_body(req, rotation_fields, ROT_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	in = (struct rotation_input){.name = v[ROT_F_NAME].str,
				     .shift_hours = (int)v[ROT_F_SHIFT].num,
				     .handover = v[ROT_F_HANDOVER].str,
				     .zone = v[ROT_F_ZONE].str,
				     .start_date = v[ROT_F_START].str,
				     .order = v[ROT_F_ORDER].json};
	rc = teams_rotation_create(req->app, req->actor, team, &in, &out, &err);
	rc = created(req, rc, out, &err, "/api/v1/rotations/");
	json_decref(body);
	return rc;
}

int oncall_handle_rotation_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "rotation", &id, &rc) != 0)
		return rc;
	rc = teams_rotation_get(req->app, id, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

enum { OV_F_PERSON, OV_F_FROM, OV_F_TO, OV_F_REASON, OV_F__MAX };

static const struct field_spec override_fields[OV_F__MAX] = {
	F_TEXT("person", true, TEAM_PERSON_MAX),
	{.name = "from", .type = FIELD_TIME, .required = true},
	{.name = "to", .type = FIELD_TIME, .required = true},
	F_OPT_TEXT("reason", OVERRIDE_REASON_MAX),
};

int oncall_handle_override_create(struct http_request *req)
{
	struct field_value v[OV_F__MAX];
	struct override_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t rotation;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "rotation", &rotation, &rc) != 0)
		return rc;
	body = http_json_body(req, override_fields, OV_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	in = (struct override_input){.person = v[OV_F_PERSON].str,
				     .from = v[OV_F_FROM].num,
				     .to = v[OV_F_TO].num,
				     .reason = v[OV_F_REASON].is_null ? NULL : v[OV_F_REASON].str};
	rc = teams_override_create(req->app, req->actor, rotation, &in, &out, &err);
	if (rc == 0) {
		char location[96];

		snprintf(location, sizeof(location), "/api/v1/rotations/%lld", (long long)rotation);
		http_reply_header(req, "Location", location);
	}
	rc = http_reply_result(req, rc, 201, out, &err);
	json_decref(body);
	return rc;
}

int oncall_handle_calendar(struct http_request *req)
{
	struct api_error err;
	struct MHD_Response *resp;
	const char *weeks_text = http_query(req, "weeks"), *p = weeks_text;
	uint64_t weeks = CALENDAR_WEEKS_DEFAULT;
	char *text = NULL;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "rotation", &id, &rc) != 0)
		return rc;
	if (weeks_text && (parse_u64(&p, &weeks, CALENDAR_WEEKS_MAX) != 0 || *p != '\0' || weeks == 0))
		return http_reply_fail(req, 400, "invalid_field", "weeks", "weeks must be 1..52");
	if (teams_calendar(req->app, id, http_query(req, "token"), (int)weeks, &text, &err) != 0)
		return http_reply_error(req, &err);
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/calendar; charset=utf-8");
	MHD_add_response_header(resp, "Content-Disposition", "inline; filename=\"oncall.ics\"");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, MHD_HTTP_OK, resp);
}

/* ---- who is on call, MTTA ---- */

int oncall_handle_oncall(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t at;
	int rc = MHD_NO;

	if (query_time(req, "at", app_now(req->app), &at, &rc) != 0)
		return rc;
	rc = teams_oncall(req->app, at, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int oncall_handle_mtta(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t now = app_now(req->app), from, to;
	int rc = MHD_NO;

	if (query_time(req, "to", now + 1, &to, &rc) != 0 ||
	    query_time(req, "from", to - MTTA_WINDOW_DEFAULT_MS, &from, &rc) != 0)
		return rc;
	if (from >= to)
		return http_reply_fail(req, 400, "invalid_field", "from", "from must be before to");
	rc = pages_mtta(req->app, from, to, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

/* ---- pages ---- */

enum { PAGE_F_TEAM, PAGE_F_PERSON, PAGE_F_EMAIL, PAGE_F_REASON, PAGE_F_AUTHORIZER, PAGE_F__MAX };

static const struct field_spec page_fields[PAGE_F__MAX] = {
	F_TEXT("team", false, TEAM_NAME_MAX),
	F_TEXT("person", false, TEAM_PERSON_MAX),
	F_TEXT("email", false, TEAM_EMAIL_MAX),
	F_TEXT("reason", false, PAGE_REASON_MAX),
	F_TEXT("authorizer", false, TEAM_PERSON_MAX),
};

static const char *present(const struct field_value *v)
{
	return v->present && !v->is_null && !str_blank(v->str) ? v->str : NULL;
}

int oncall_handle_page_create(struct http_request *req)
{
	struct field_value v[PAGE_F__MAX];
	struct page_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc = MHD_NO;

	if (parse_incident_id(req->captures[0], &number) != 0)
		return http_reply_fail(req, 404, "not_found", NULL, "no such incident");
	body = http_json_body(req, page_fields, PAGE_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	in = (struct page_input){.team = present(&v[PAGE_F_TEAM]),
				 .person = present(&v[PAGE_F_PERSON]),
				 .email = present(&v[PAGE_F_EMAIL]),
				 .reason = present(&v[PAGE_F_REASON]),
				 .authorizer = present(&v[PAGE_F_AUTHORIZER])};
	rc = pages_create(req->app, req->actor, number, &in, &out, &err);
	rc = created(req, rc, out, &err, "/api/v1/pages/");
	json_decref(body);
	return rc;
}

int oncall_handle_page_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc = MHD_NO;

	if (parse_incident_id(req->captures[0], &number) != 0)
		return http_reply_fail(req, 404, "not_found", NULL, "no such incident");
	rc = pages_list(req->app, number, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int oncall_handle_page_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "page", &id, &rc) != 0)
		return rc;
	rc = pages_get(req->app, id, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int oncall_handle_page_ack(struct http_request *req)
{
	static const struct field_spec none[1] = {{.name = ""}};
	struct field_value unused[1];
	struct api_error err;
	json_t *body = NULL, *out = NULL;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "page", &id, &rc) != 0)
		return rc;
	/* The body may be empty or {}; nothing else is taken. */
	if (req->body_len > 0) {
		body = http_json_body(req, none, 0, unused, &rc);
		if (body == NULL)
			return rc;
	}
	rc = pages_ack(req->app, req->actor, id, &out, &err);
	json_decref(body);
	return http_reply_result(req, rc, 200, out, &err);
}

/* ---- the acknowledgement link: a small page, no script, no sign-in ---- */

static int html_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" :
				*s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;

		if (e ? buf_append_str(b, e) != 0 : buf_append_char(b, *s) != 0)
			return -1;
	}
	return 0;
}

/* A small page for the person who opened an acknowledgement link; with `form`, a button
 * that posts to the link (a GET acknowledges nothing: mail scanners open links). */
static int ack_page(struct http_request *req, int status, const char *title, const char *line1,
		    const char *line2, bool form)
{
	struct MHD_Response *resp;
	struct buf b;
	char *text;

	buf_init(&b, 64 * 1024);
	if (buf_append_str(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			       "<meta name=\"robots\" content=\"noindex\"><title>") != 0 ||
	    html_escape(&b, title) != 0 ||
	    buf_append_str(&b, " — MajorOps</title></head><body><main><h1>") != 0 ||
	    html_escape(&b, title) != 0 || buf_append_str(&b, "</h1><p>") != 0 ||
	    html_escape(&b, line1) != 0 || buf_append_str(&b, "</p><p>") != 0 ||
	    html_escape(&b, line2) != 0 || buf_append_str(&b, "</p>") != 0 ||
	    (form && (buf_append_str(&b, "<form method=\"post\" action=\"") != 0 ||
		      html_escape(&b, req->path) != 0 ||
		      buf_append_str(&b, "\"><button type=\"submit\">Acknowledge</button></form>") !=
			      0)) ||
	    buf_append_str(&b, "</main></body></html>\n") != 0) {
		buf_free(&b);
		return MHD_NO;
	}
	text = buf_detach(&b);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	return http_reply_response(req, status, resp);
}

static int ack_error_page(struct http_request *req, const struct api_error *err)
{
	if (err->status == 410)
		return ack_page(req, 410, "Link no longer valid", err->message,
				"Nothing was changed by opening it again.", false);
	if (err->status == 403 || err->status == 404)
		return ack_page(req, err->status, "Link not valid", err->message,
				"Check that the whole link was opened.", false);
	return ack_page(req, err->status, "Not acknowledged", err->message,
			"Try again in a moment, or acknowledge in MajorOps.", false);
}

int oncall_handle_ack_link(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL, *team;
	const char *who, *incident;
	char line[600];
	int rc;

	if (pages_ack_link_peek(req->app, req->captures[0], &out, &err) != 0)
		return ack_error_page(req, &err);
	team = json_object_get(out, "team");
	who = json_string_value(json_object_get(out, "linkPerson"));
	incident = json_string_value(json_object_get(out, "incident"));
	snprintf(line, sizeof(line), "%s is paged for %s%s%s.", who ? who : "Someone",
		 incident ? incident : "an incident", json_is_string(team) ? ", team " : "",
		 json_is_string(team) ? json_string_value(team) : "");
	rc = ack_page(req, 200, "Acknowledge this page?", line,
		      "Acknowledging tells the incident's responders you are on it and stops the "
		      "escalation.",
		      true);
	json_decref(out);
	return rc;
}

int oncall_handle_ack_link_post(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	char line[600];
	int rc = MHD_NO;

	if (pages_ack_link(req->app, req->captures[0], &out, &err) != 0)
		return ack_error_page(req, &err);
	snprintf(line, sizeof(line), "%s acknowledged the page for %s%s%s.",
		 json_string_value(json_object_get(out, "acknowledgedBy")),
		 json_string_value(json_object_get(out, "incident")),
		 json_is_string(json_object_get(out, "team")) ? ", team " : "",
		 json_is_string(json_object_get(out, "team")) ?
			 json_string_value(json_object_get(out, "team")) : "");
	rc = ack_page(req, 200, "Acknowledged", line,
		      "The incident's responders now show you as acknowledged. Join the bridge.", false);
	json_decref(out);
	return rc;
}
