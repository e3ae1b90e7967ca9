/*
 * The JSON API of API.md: the route table and its thin handlers (parse, validate against
 * the field table, call the service, reply).
 */
#include "api.h"

#include <microhttpd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afteraction_api.h"
#include "oncall_api.h"
#include "outbox_api.h"
#include "auth_api.h"
#include "buf.h"
#include "codec.h"
#include "command.h"
#include "components.h"
#include "doctrine.h"
#include "intake.h"
#include "oidc.h"
#include "parse.h"
#include "public.h"
#include "service.h"
#include "sse.h"
#include "store.h"
#include "web.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 200
#define TIMELINE_LIMIT_DEFAULT 500
#define TIMELINE_LIMIT_MAX 1000

static const char *const severity_names[] = {"critical", "high", "medium", "low", NULL};
static const char *const status_names[] = {"investigating", "identified", "monitoring", "resolved", NULL};
static const char *const audience_names[] = {"public", "internal", "exec", NULL};
static const char *const kind_names[] = {"milestone", "holding", "resolution", NULL};
static const char *const visibility_names[] = {"internal", "public", NULL};
static const char *const entry_type_names[] = {"action", "alert", NULL};
static const char *const responder_state_names[] = {"paged", "acknowledged", "joining", "onScene",
						    "released", NULL};
static const char *const role_names[] = {"mim", "deputy", "scribe", "sre", "sme", "customerOps",
					 "internalLiaison", "leader", "serviceManager", "legal", "pr",
					 NULL};

/* Shorthands for field tables. */
#define F_TEXT(n, req, maxc) {.name = (n), .type = FIELD_STRING, .required = (req), .max = (maxc)}
#define F_TEXT_OPT(n, maxc) \
	{.name = (n), .type = FIELD_STRING, .nullable = true, .empty_ok = true, .max = (maxc)}
#define F_ENUM(n, req, list) {.name = (n), .type = FIELD_STRING, .required = (req), .one_of = (list)}
#define F_BOOL(n) {.name = (n), .type = FIELD_BOOL}
#define F_TIME(n) {.name = (n), .type = FIELD_TIME, .nullable = true}

/* ---- helpers ---- */

static int reply_result(struct http_request *req, int rc, int status, json_t *out,
			const struct api_error *err)
{
	if (rc != 0)
		return http_reply_error(req, err);
	return http_reply_json(req, status, out);
}

static int bad_request(struct http_request *req, const char *code, const char *field,
		       const char *message)
{
	struct api_error err;

	api_error_set(&err, 400, code, field, "%s", message);
	return http_reply_error(req, &err);
}

/* The incident number from the first capture; replies 404 when it is not an id. */
static int incident_number(struct http_request *req, int64_t *number, int *reply_rc)
{
	struct api_error err;

	*reply_rc = MHD_NO;
	if (parse_incident_id(req->captures[0], number) != 0) {
		api_error_set(&err, 404, "not_found", NULL, "no incident %.40s", req->captures[0]);
		*reply_rc = http_reply_error(req, &err);
		return -1;
	}
	return 0;
}

/* The shape of every read that takes only the incident: GET …/{id}/<things>. */
typedef int (*incident_query_fn)(struct app *app, int64_t number, json_t **out,
				 struct api_error *err);

static int reply_incident_query(struct http_request *req, incident_query_fn query)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	rc = query(req->app, number, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

/* ---- health ---- */

static int handle_healthz(struct http_request *req)
{
	return http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static int handle_readyz(struct http_request *req)
{
	if (!store_ping(req->app->store)) {
		struct api_error err;

		api_error_set(&err, 503, "store_unavailable", NULL, "the store does not answer");
		return http_reply_error(req, &err);
	}
	/* Whether this replica holds the worker lease (runs the periodic tasks): a header, so
	 * the body a load balancer checks stays the same on every replica. */
	http_reply_header(req, "X-MajorOps-Worker", store_lease_held(req->app->store) ? "true" : "false");
	return http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

/* ---- incidents ---- */

static const struct field_spec open_fields[] = {
	F_TEXT("title", true, INCIDENT_TITLE_MAX),
	F_ENUM("severity", true, severity_names),
	{.name = "affectedSystems", .type = FIELD_STRING_ARRAY, .max = INCIDENT_SHORT_MAX,
	 .max_items = INCIDENT_SYSTEMS_MAX},
	F_TEXT_OPT("bridgeUrl", INCIDENT_URL_MAX),
	F_TEXT_OPT("description", INCIDENT_TEXT_MAX),
	F_TIME("startedAt"),
	F_TIME("alertFiredAt"),
	{.name = "customerCount", .type = FIELD_INT, .nullable = true, .min = 0, .max = INT64_MAX / 2},
	F_BOOL("externalImpact"),
	F_BOOL("security"),
	F_BOOL("existential"),
	F_BOOL("drill"),
};
enum { OPEN_TITLE, OPEN_SEVERITY, OPEN_SYSTEMS, OPEN_BRIDGE, OPEN_DESCRIPTION, OPEN_STARTED,
       OPEN_ALERT_FIRED, OPEN_CUSTOMERS, OPEN_EXTERNAL, OPEN_SECURITY, OPEN_EXISTENTIAL,
       OPEN_DRILL, OPEN__MAX };

static const char *text_value(const struct field_value *v)
{
	return v->present && !v->is_null && v->str && *v->str ? v->str : NULL;
}

static int handle_incident_open(struct http_request *req)
{
	struct field_value v[OPEN__MAX];
	struct open_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int rc;

	body = http_json_body(req, open_fields, OPEN__MAX, v, &rc);
	if (body == NULL)
		return rc;
	memset(&in, 0, sizeof(in));
	in.title = v[OPEN_TITLE].str;
	severity_parse(v[OPEN_SEVERITY].str, &in.severity);
	in.affected_systems = v[OPEN_SYSTEMS].json;
	in.bridge_url = text_value(&v[OPEN_BRIDGE]);
	in.description = text_value(&v[OPEN_DESCRIPTION]);
	in.started_at = v[OPEN_STARTED].is_null ? TIME_NONE : v[OPEN_STARTED].num;
	in.alert_fired_at = v[OPEN_ALERT_FIRED].is_null ? TIME_NONE : v[OPEN_ALERT_FIRED].num;
	in.customer_count = v[OPEN_CUSTOMERS].present && !v[OPEN_CUSTOMERS].is_null
				    ? v[OPEN_CUSTOMERS].num : -1;
	in.external_impact = v[OPEN_EXTERNAL].flag;
	in.security = v[OPEN_SECURITY].flag;
	in.existential = v[OPEN_EXISTENTIAL].flag;
	in.drill = v[OPEN_DRILL].flag;
	if (in.existential && in.severity != SEVERITY_CRITICAL) {
		json_decref(body);
		return bad_request(req, "invalid_field", "existential",
				   "existential (Sev-0) applies to critical incidents only");
	}
	rc = service_incident_open(req->app, req->actor, &in, &out, &err);
	json_decref(body);
	if (rc == 0) {
		char location[64];

		snprintf(location, sizeof(location), "/api/v1/incidents/%s",
			 json_string_value(json_object_get(out, "id")));
		http_reply_header(req, "Location", location);
	}
	return reply_result(req, rc, 201, out, &err);
}

static int handle_incident_list(struct http_request *req)
{
	const char *state = http_query(req, "state");
	const char *q = http_query(req, "q");
	enum incident_filter filter = FILTER_ACTIVE;
	int64_t limit, before;
	struct api_error err;
	json_t *out = NULL;
	int rc;

	if (state == NULL || strcmp(state, "active") == 0)
		filter = FILTER_ACTIVE;
	else if (strcmp(state, "resolved") == 0)
		filter = FILTER_RESOLVED;
	else if (strcmp(state, "all") == 0)
		filter = FILTER_ALL;
	else
		return bad_request(req, "invalid_field", "state", "state must be one of active, resolved, all");
	if (q && utf8_length(q) > INCIDENT_SHORT_MAX)
		return bad_request(req, "invalid_field", "q", "q is longer than 200 characters");
	if (http_query_int(req, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &limit, &rc) != 0 ||
	    http_query_int(req, "cursor", INT64_MAX, 1, INT64_MAX, &before, &rc) != 0)
		return rc;
	rc = service_incident_list(req->app, filter, q, before, (int)limit, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static int reply_incident(struct http_request *req, int rc, int status, json_t *out,
			  const struct api_error *err)
{
	if (rc == 0) {
		char etag[32];

		snprintf(etag, sizeof(etag), "\"%lld\"",
			 (long long)json_integer_value(json_object_get(out, "version")));
		http_reply_header(req, "ETag", etag);
	}
	return reply_result(req, rc, status, out, err);
}

static int handle_incident_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	rc = service_incident_get(req->app, number, &out, &err);
	return reply_incident(req, rc, 200, out, &err);
}

static const struct field_spec patch_fields[] = {
	F_TEXT("title", false, INCIDENT_TITLE_MAX),
	F_TEXT_OPT("description", INCIDENT_TEXT_MAX),
	F_ENUM("severity", false, severity_names),
	F_TEXT_OPT("severityReason", INCIDENT_TEXT_MAX),
	F_ENUM("status", false, status_names),
	{.name = "affectedSystems", .type = FIELD_STRING_ARRAY, .max = INCIDENT_SHORT_MAX,
	 .max_items = INCIDENT_SYSTEMS_MAX},
	F_TEXT_OPT("bridgeUrl", INCIDENT_URL_MAX),
	F_BOOL("bridgePublic"),
	F_BOOL("externalImpact"),
	{.name = "customerCount", .type = FIELD_INT, .nullable = true, .min = 0, .max = INT64_MAX / 2},
	F_TEXT_OPT("businessImpact", INCIDENT_TEXT_MAX),
	F_TEXT_OPT("customerImpactSummary", INCIDENT_TEXT_MAX),
	F_TEXT_OPT("riskLevel", INCIDENT_SHORT_MAX),
	F_TEXT_OPT("execSummary", INCIDENT_TEXT_MAX),
	F_TIME("startedAt"),
	F_TIME("alertFiredAt"),
	F_TIME("afterActionAt"),
	F_BOOL("security"),
	F_BOOL("existential"),
};
#define NPATCH_FIELDS (sizeof(patch_fields) / sizeof(patch_fields[0]))

/* If-Match: "<version>" (quoted or bare, a weak W/ prefix tolerated); -1 when absent. */
static int handle_incident_patch(struct http_request *req)
{
	struct field_value v[NPATCH_FIELDS];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number, if_match;
	int rc;

	if (incident_number(req, &number, &rc) != 0 ||
	    http_if_match(req, "the incident's ETag", &if_match, &rc) != 0)
		return rc;
	body = http_json_body(req, patch_fields, NPATCH_FIELDS, v, &rc);
	if (body == NULL)
		return rc;
	rc = service_incident_patch(req->app, req->actor, number, if_match, body, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

static const struct field_spec phase_fields[] = {
	{.name = "to", .type = FIELD_INT, .min = PHASE_FIRST, .max = PHASE_LAST},
	F_BOOL("advance"),
	F_TEXT("override", false, INCIDENT_TEXT_MAX),
};

static int handle_incident_phase(struct http_request *req)
{
	struct field_value v[3];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc, to;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, phase_fields, 3, v, &rc);
	if (body == NULL)
		return rc;
	if (v[0].present && v[1].present) {
		json_decref(body);
		return bad_request(req, "invalid_field", "advance", "send either to or advance, not both");
	}
	if (!v[0].present && !(v[1].present && v[1].flag)) {
		json_decref(body);
		return bad_request(req, "missing_field", "to",
				   "to (a phase number 1..8) or \"advance\": true is required");
	}
	to = v[0].present ? (int)v[0].num : 0;
	rc = service_incident_phase(req->app, req->actor, number, to, v[2].str, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

static const struct field_spec reopen_fields[] = {
	F_TEXT("reason", true, INCIDENT_TEXT_MAX),
	{.name = "phase", .type = FIELD_INT, .min = PHASE_FIRST, .max = PHASE_LAST - 1},
};

static int handle_incident_reopen(struct http_request *req)
{
	struct field_value v[2];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, reopen_fields, 2, v, &rc);
	if (body == NULL)
		return rc;
	rc = service_incident_reopen(req->app, req->actor, number, v[0].str,
				     v[1].present ? (int)v[1].num : 0, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

/* ---- timeline ---- */

static const struct field_spec entry_fields[] = {
	F_TEXT("text", true, INCIDENT_TEXT_MAX),
	F_ENUM("type", false, entry_type_names),
	F_ENUM("visibility", false, visibility_names),
	{.name = "amends", .type = FIELD_INT, .nullable = true, .min = 1, .max = INT64_MAX},
	{.name = "payload", .type = FIELD_OBJECT, .nullable = true},
};

static int handle_timeline_post(struct http_request *req)
{
	struct field_value v[5];
	struct entry_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, entry_fields, 5, v, &rc);
	if (body == NULL)
		return rc;
	in.text = v[0].str;
	in.type = v[1].present ? v[1].str : "action";
	in.visibility = VISIBILITY_INTERNAL;
	if (v[2].present)
		visibility_parse(v[2].str, &in.visibility);
	in.amends = v[3].present && !v[3].is_null ? v[3].num : 0;
	in.payload = v[4].present && !v[4].is_null ? v[4].json : NULL;
	rc = service_timeline_post(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_timeline_list(struct http_request *req)
{
	struct api_error err;
	char *text = NULL;
	int64_t number, after, limit;
	int rc;

	if (incident_number(req, &number, &rc) != 0 ||
	    http_query_int(req, "after", 0, 0, INT64_MAX, &after, &rc) != 0 ||
	    http_query_int(req, "limit", TIMELINE_LIMIT_DEFAULT, 1, TIMELINE_LIMIT_MAX, &limit, &rc) != 0)
		return rc;
	if (service_timeline_page(req->app, number, after, (int)limit, &text, &err) != 0)
		return http_reply_error(req, &err);
	return http_reply_json_text(req, 200, text);
}

/* ---- updates ---- */

static const struct field_spec update_fields[] = {
	F_TEXT("body", false, INCIDENT_TEXT_MAX),
	F_ENUM("audience", true, audience_names),
	F_ENUM("kind", false, kind_names),
	F_TIME("nextUpdateEta"),
	F_ENUM("status", false, status_names),
	F_TIME("afterActionAt"), /* resolution updates only (issue 10) */
};

static int handle_update_post(struct http_request *req)
{
	struct field_value v[6];
	struct update_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, update_fields, 6, v, &rc);
	if (body == NULL)
		return rc;
	memset(&in, 0, sizeof(in));
	in.body = v[0].str;
	audience_parse(v[1].str, &in.audience);
	in.kind = UPDATE_MILESTONE;
	if (v[2].present)
		update_kind_parse(v[2].str, &in.kind);
	in.next_update_eta = v[3].present && !v[3].is_null ? v[3].num : TIME_NONE;
	in.has_status = v[4].present;
	if (in.has_status)
		status_parse(v[4].str, &in.status);
	in.after_action_at = v[5].present && !v[5].is_null ? v[5].num : TIME_NONE;
	if (in.body == NULL && in.kind != UPDATE_HOLDING) {
		json_decref(body);
		return bad_request(req, "missing_field", "body", "body is required");
	}
	rc = service_update_post(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_update_list(struct http_request *req)
{
	return reply_incident_query(req, service_update_list);
}

/* ---- roles ---- */

static const struct field_spec role_fields[] = {
	{.name = "person", .type = FIELD_STRING, .required = true, .empty_ok = true,
	 .max = INCIDENT_SHORT_MAX},
};

static int handle_role_put(struct http_request *req)
{
	struct field_value v[1];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	enum role role;
	char person[INCIDENT_SHORT_MAX * 4 + 1];
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	if (role_parse(req->captures[1], &role) != 0) {
		api_error_set(&err, 404, "not_found", NULL, "no role %.40s; roles are mim, deputy, scribe, "
			      "sre, sme, customerOps, internalLiaison, leader, serviceManager, legal, pr",
			      req->captures[1]);
		return http_reply_error(req, &err);
	}
	body = http_json_body(req, role_fields, 1, v, &rc);
	if (body == NULL)
		return rc;
	/* Names are kept trimmed; a blank name vacates the role like "" does. */
	str_trim_copy(person, v[0].str, sizeof(person));
	rc = service_role_assign(req->app, req->actor, number, role, person, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

/* ---- responders ---- */

static const struct field_spec responder_fields[] = {
	F_TEXT("person", false, INCIDENT_SHORT_MAX),
	F_TEXT("rotation", false, INCIDENT_SHORT_MAX),
	F_ENUM("role", false, role_names),
	F_ENUM("state", false, responder_state_names),
};

static void responder_input_from(const struct field_value *v, struct responder_input *in)
{
	memset(in, 0, sizeof(*in));
	in->person = v[0].str;
	in->rotation = v[1].str;
	in->role = v[2].str;
	in->has_state = v[3].present;
	if (in->has_state)
		responder_state_parse(v[3].str, &in->state);
}

static int handle_responder_post(struct http_request *req)
{
	struct field_value v[4];
	struct responder_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, responder_fields, 4, v, &rc);
	if (body == NULL)
		return rc;
	responder_input_from(v, &in);
	if (in.person == NULL && in.rotation == NULL) {
		json_decref(body);
		return bad_request(req, "missing_field", "person", "person (or rotation) is required");
	}
	rc = service_responder_post(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_responder_patch(struct http_request *req)
{
	struct field_value v[4];
	struct responder_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	const char *cursor = req->captures[1];
	uint64_t id;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	if (parse_u64(&cursor, &id, (uint64_t)INT64_MAX) != 0 || *cursor != '\0') {
		api_error_set(&err, 404, "not_found", NULL, "no responder %.40s", req->captures[1]);
		return http_reply_error(req, &err);
	}
	body = http_json_body(req, responder_fields, 4, v, &rc);
	if (body == NULL)
		return rc;
	responder_input_from(v, &in);
	if (in.person || in.rotation) {
		json_decref(body);
		return bad_request(req, "invalid_field", in.person ? "person" : "rotation",
				   "a responder's person and rotation cannot change; dispatch a new one");
	}
	rc = service_responder_patch(req->app, req->actor, number, (int64_t)id, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_responder_list(struct http_request *req)
{
	return reply_incident_query(req, service_responder_list);
}

/* ---- live stream ---- */

static int handle_stream(struct http_request *req)
{
	const char *last = http_header(req, "Last-Event-ID");
	const char *filter = http_query(req, "incident");
	struct MHD_Response *resp;
	int64_t cursor, incident = 0;

	if (last == NULL)
		last = http_query(req, "lastEventId");
	if (last && *last) {
		const char *p = last;
		uint64_t n;

		if (parse_u64(&p, &n, (uint64_t)INT64_MAX) != 0 || *p != '\0')
			return bad_request(req, "invalid_field", "Last-Event-ID",
					   "Last-Event-ID must be an event id (a non-negative integer)");
		cursor = (int64_t)n;
	} else {
		cursor = store_event_head(req->app->store);
	}
	if (filter && parse_incident_id(filter, &incident) != 0)
		return bad_request(req, "invalid_field", "incident", "incident must be an id like INC-7");
	resp = sse_response_new(req->app->hub, req->conn, cursor, incident,
				&(struct sse_owner){.user = req->user, .session = req->session_hash,
						    .token_id = req->token_id});
	if (resp == NULL) {
		struct api_error err;

		api_error_set(&err, 503, "unavailable", NULL, "cannot open a stream now");
		return http_reply_error(req, &err);
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	return http_reply_response(req, 200, resp);
}

/* ---- the command doctrine (issue 4): command.h ---- */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const track_state_names[] = {"active", "succeeded", "failed", "abandoned", NULL};
static const char *const track_open_states[] = {"active", NULL};
static const char *const hypothesis_state_names[] = {"proposed", "testing", "confirmed", "rejected",
						     NULL};
static const char *const clock_kind_names[] = {"gdpr", "custom", NULL};

/* A person's name as sent, trimmed (names are kept trimmed, as roles are). */
#define NAME_BUF (INCIDENT_SHORT_MAX * 4 + 1)

/* For commands whose body may be left out (accept, withdraw, return): none is {}. */
static json_t *read_body_or_empty(struct http_request *req, const struct field_spec *specs,
				  size_t nspecs, struct field_value *values, int *reply_rc)
{
	json_t *empty;

	if (req->body_len > 0)
		return http_json_body(req, specs, nspecs, values, reply_rc);
	memset(values, 0, nspecs * sizeof(*values));
	empty = json_object();
	*reply_rc = MHD_NO;
	return empty;
}

/* The numeric id in capture `i` (a track, hypothesis or clock); 404 when it is not one. */
static int capture_id(struct http_request *req, size_t i, const char *what, int64_t *out,
		      int *reply_rc)
{
	const char *cursor = req->captures[i];
	struct api_error err;
	uint64_t n;

	*reply_rc = MHD_NO;
	if (parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 || *cursor != '\0' || n == 0) {
		api_error_set(&err, 404, "not_found", NULL, "no %s %.40s", what, req->captures[i]);
		*reply_rc = http_reply_error(req, &err);
		return -1;
	}
	*out = (int64_t)n;
	return 0;
}

/* The value of an optional text field, or NULL when absent, null or "". */
static const char *opt_text(const struct field_value *v)
{
	return text_value(v);
}

static const struct field_spec can_fields[] = {
	F_TEXT("team", true, CAN_TEAM_MAX),
	F_TEXT_OPT("author", CAN_AUTHOR_MAX),
	F_TEXT_OPT("conditions", CAN_SLOT_MAX),
	F_TEXT_OPT("actions", CAN_SLOT_MAX),
	F_TEXT_OPT("needs", CAN_SLOT_MAX),
};
enum { CAN_F_TEAM, CAN_F_AUTHOR, CAN_F_CONDITIONS, CAN_F_ACTIONS, CAN_F_NEEDS, CAN_F__MAX };

static int handle_can_post(struct http_request *req)
{
	struct field_value v[CAN_F__MAX];
	struct can_input in;
	struct can_report report;
	struct api_error err;
	char team[NAME_BUF], author[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, can_fields, CAN_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	memset(&in, 0, sizeof(in));
	str_trim_copy(team, v[CAN_F_TEAM].str, sizeof(team));
	in.team = team;
	if (opt_text(&v[CAN_F_AUTHOR]) && !str_blank(v[CAN_F_AUTHOR].str)) {
		str_trim_copy(author, v[CAN_F_AUTHOR].str, sizeof(author));
		in.author = author;
	}
	in.conditions = opt_text(&v[CAN_F_CONDITIONS]);
	in.actions = opt_text(&v[CAN_F_ACTIONS]);
	in.needs = opt_text(&v[CAN_F_NEEDS]);
	report = (struct can_report){in.team, in.author, in.conditions, in.actions, in.needs};
	if (can_report_blank(&report)) {
		json_decref(body);
		return bad_request(req, "invalid_field", "conditions",
				   "a CAN says something: Conditions (facts), Actions (in flight), "
				   "Needs (or \"none\")");
	}
	rc = command_can_post(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_can_list(struct http_request *req)
{
	const char *team = http_query(req, "team");
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	if (team && utf8_length(team) > CAN_TEAM_MAX)
		return bad_request(req, "invalid_field", "team", "team is longer than 100 characters");
	rc = command_can_list(req->app, number, team && *team ? team : NULL, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static const struct field_spec track_open_fields[] = {
	F_TEXT("owner", true, TRACK_OWNER_MAX),
	F_TEXT_OPT("team", TRACK_OWNER_MAX),
	F_TEXT("goal", true, TRACK_GOAL_MAX),
	{.name = "timeboxMinutes", .type = FIELD_INT, .required = true,
	 .min = TRACK_TIMEBOX_MIN_MINUTES, .max = TRACK_TIMEBOX_MAX_MINUTES},
	F_ENUM("state", false, track_open_states),
};
static const struct field_spec track_patch_fields[] = {
	F_TEXT("owner", false, TRACK_OWNER_MAX),
	F_TEXT("team", false, TRACK_OWNER_MAX),
	F_TEXT("goal", false, TRACK_GOAL_MAX),
	{.name = "timeboxMinutes", .type = FIELD_INT,
	 .min = TRACK_TIMEBOX_MIN_MINUTES, .max = TRACK_TIMEBOX_MAX_MINUTES},
	F_ENUM("state", false, track_state_names),
	F_BOOL("escalate"),
	F_TEXT("note", false, COMMAND_NOTE_MAX),
};
enum { TRACK_F_OWNER, TRACK_F_TEAM, TRACK_F_GOAL, TRACK_F_TIMEBOX, TRACK_F_STATE,
       TRACK_F_ESCALATE, TRACK_F_NOTE, TRACK_F__MAX };

/* Fills `in` from the track fields; names trimmed into `owner` and `team`. */
static void track_input_from(const struct field_value *v, size_t nv, struct track_input *in,
			     char owner[NAME_BUF], char team[NAME_BUF])
{
	memset(in, 0, sizeof(*in));
	if (opt_text(&v[TRACK_F_OWNER])) {
		str_trim_copy(owner, v[TRACK_F_OWNER].str, NAME_BUF);
		in->owner = owner;
	}
	if (opt_text(&v[TRACK_F_TEAM]) && !str_blank(v[TRACK_F_TEAM].str)) {
		str_trim_copy(team, v[TRACK_F_TEAM].str, NAME_BUF);
		in->team = team;
	}
	in->goal = opt_text(&v[TRACK_F_GOAL]);
	in->timebox_minutes = v[TRACK_F_TIMEBOX].present ? v[TRACK_F_TIMEBOX].num : 0;
	in->has_state = v[TRACK_F_STATE].present;
	if (in->has_state)
		track_state_parse(v[TRACK_F_STATE].str, &in->state);
	if (nv > TRACK_F_NOTE) {
		in->escalate = v[TRACK_F_ESCALATE].present && v[TRACK_F_ESCALATE].flag;
		in->note = opt_text(&v[TRACK_F_NOTE]);
	}
}

static int handle_track_post(struct http_request *req)
{
	struct field_value v[TRACK_F__MAX];
	struct track_input in;
	struct api_error err;
	char owner[NAME_BUF], team[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, track_open_fields, NELEM(track_open_fields), v, &rc);
	if (body == NULL)
		return rc;
	track_input_from(v, NELEM(track_open_fields), &in, owner, team);
	in.has_state = false; /* a new track is active */
	rc = command_track_post(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_track_patch(struct http_request *req)
{
	struct field_value v[TRACK_F__MAX];
	struct track_input in;
	struct api_error err;
	char owner[NAME_BUF], team[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number, id;
	int rc;

	if (incident_number(req, &number, &rc) != 0 || capture_id(req, 1, "track", &id, &rc) != 0)
		return rc;
	body = http_json_body(req, track_patch_fields, TRACK_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	track_input_from(v, TRACK_F__MAX, &in, owner, team);
	if (!in.owner && !in.team && !in.goal && !in.timebox_minutes && !in.has_state &&
	    !in.escalate) {
		json_decref(body);
		return bad_request(req, "missing_field", "state",
				   "send state, timeboxMinutes (a new timebox), escalate, or an "
				   "owner, team or goal");
	}
	rc = command_track_patch(req->app, req->actor, number, id, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_track_list(struct http_request *req)
{
	return reply_incident_query(req, command_track_list);
}

static const struct field_spec hypothesis_fields[] = {
	F_TEXT("statement", true, HYPOTHESIS_STATEMENT_MAX),
	F_TEXT_OPT("owner", HYPOTHESIS_OWNER_MAX),
	F_ENUM("state", false, hypothesis_state_names),
	F_TEXT_OPT("evidence", HYPOTHESIS_EVIDENCE_MAX),
};
static const struct field_spec hypothesis_patch_fields[] = {
	F_TEXT("statement", false, HYPOTHESIS_STATEMENT_MAX),
	F_TEXT("owner", false, HYPOTHESIS_OWNER_MAX),
	F_ENUM("state", false, hypothesis_state_names),
	F_TEXT("evidence", false, HYPOTHESIS_EVIDENCE_MAX),
};
enum { HYP_F_STATEMENT, HYP_F_OWNER, HYP_F_STATE, HYP_F_EVIDENCE, HYP_F__MAX };

static void hypothesis_input_from(const struct field_value *v, struct hypothesis_input *in,
				  char owner[NAME_BUF])
{
	memset(in, 0, sizeof(*in));
	in->statement = opt_text(&v[HYP_F_STATEMENT]);
	if (opt_text(&v[HYP_F_OWNER]) && !str_blank(v[HYP_F_OWNER].str)) {
		str_trim_copy(owner, v[HYP_F_OWNER].str, NAME_BUF);
		in->owner = owner;
	}
	in->evidence = opt_text(&v[HYP_F_EVIDENCE]);
	in->has_state = v[HYP_F_STATE].present;
	if (in->has_state)
		hypothesis_state_parse(v[HYP_F_STATE].str, &in->state);
}

static int handle_hypothesis_post(struct http_request *req)
{
	struct field_value v[HYP_F__MAX];
	struct hypothesis_input in;
	struct api_error err;
	char owner[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, hypothesis_fields, HYP_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	hypothesis_input_from(v, &in, owner);
	rc = command_hypothesis_post(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_hypothesis_patch(struct http_request *req)
{
	struct field_value v[HYP_F__MAX];
	struct hypothesis_input in;
	struct api_error err;
	char owner[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number, id;
	int rc;

	if (incident_number(req, &number, &rc) != 0 ||
	    capture_id(req, 1, "hypothesis", &id, &rc) != 0)
		return rc;
	body = http_json_body(req, hypothesis_patch_fields, HYP_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	hypothesis_input_from(v, &in, owner);
	if (!in.statement && !in.owner && !in.evidence && !in.has_state) {
		json_decref(body);
		return bad_request(req, "missing_field", "state",
				   "send state, evidence, statement or owner");
	}
	rc = command_hypothesis_patch(req->app, req->actor, number, id, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_hypothesis_list(struct http_request *req)
{
	struct api_error err;
	const char *state;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0 ||
	    http_query_enum(req, "state", hypothesis_state_names, &state, &rc) != 0)
		return rc;
	rc = command_hypothesis_list(req->app, number, state, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static const struct field_spec handoff_fields[] = {
	F_TEXT("to", true, INCIDENT_SHORT_MAX),
	{.name = "brief", .type = FIELD_OBJECT, .required = true},
};
static const struct field_spec brief_fields[] = {
	F_TEXT_OPT("conditions", CAN_SLOT_MAX),
	F_TEXT_OPT("actions", CAN_SLOT_MAX),
	F_TEXT_OPT("needs", CAN_SLOT_MAX),
};

static int handle_handoff_offer(struct http_request *req)
{
	struct field_value v[2], b[3];
	struct can_report brief;
	struct api_error err;
	char to[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, handoff_fields, NELEM(handoff_fields), v, &rc);
	if (body == NULL)
		return rc;
	if (json_validate(v[1].json, brief_fields, NELEM(brief_fields), b, &err) != 0) {
		char field[sizeof(err.field) + 8];

		/* The brief's slots are named as they sit in the body. */
		snprintf(field, sizeof(field), "brief.%s", err.field);
		str_copy(err.field, field, sizeof(err.field));
		json_decref(body);
		return http_reply_error(req, &err);
	}
	str_trim_copy(to, v[0].str, sizeof(to));
	brief = (struct can_report){NULL, req->actor, opt_text(&b[0]), opt_text(&b[1]),
				    opt_text(&b[2])};
	rc = command_handoff_offer(req->app, req->actor, number, to, &brief, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

/* accept, withdraw and authority/return: the actor and the record say it all. */
static int handle_no_field_command(struct http_request *req,
				   int (*fn)(struct app *, const char *, int64_t, json_t **,
					     struct api_error *))
{
	struct field_value none[1];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = read_body_or_empty(req, NULL, 0, none, &rc);
	if (body == NULL)
		return rc;
	rc = fn(req->app, req->actor, number, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

static int handle_handoff_accept(struct http_request *req)
{
	return handle_no_field_command(req, command_handoff_accept);
}

static int handle_handoff_withdraw(struct http_request *req)
{
	return handle_no_field_command(req, command_handoff_withdraw);
}

static int handle_authority_return(struct http_request *req)
{
	return handle_no_field_command(req, command_authority_return);
}

static const struct field_spec authority_fields[] = {
	F_TEXT("to", true, INCIDENT_SHORT_MAX),
};

static int handle_authority_give(struct http_request *req)
{
	struct field_value v[1];
	struct api_error err;
	char to[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, authority_fields, 1, v, &rc);
	if (body == NULL)
		return rc;
	str_trim_copy(to, v[0].str, sizeof(to));
	rc = command_authority_give(req->app, req->actor, number, to, &out, &err);
	json_decref(body);
	return reply_incident(req, rc, 200, out, &err);
}

static const struct field_spec clock_fields[] = {
	F_ENUM("kind", false, clock_kind_names),
	F_TEXT("name", false, POSTURE_CLOCK_NAME_MAX),
	{.name = "awareAt", .type = FIELD_TIME},
	{.name = "deadline", .type = FIELD_TIME},
	F_TEXT("note", false, COMMAND_NOTE_MAX),
};
enum { CLOCK_F_KIND, CLOCK_F_NAME, CLOCK_F_AWARE, CLOCK_F_DEADLINE, CLOCK_F_NOTE, CLOCK_F__MAX };

static int handle_clock_post(struct http_request *req)
{
	struct field_value v[CLOCK_F__MAX];
	struct clock_input in;
	struct api_error err;
	char name[NAME_BUF];
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = http_json_body(req, clock_fields, CLOCK_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	memset(&in, 0, sizeof(in));
	in.kind = REGULATORY_GDPR;
	if (v[CLOCK_F_KIND].present)
		regulatory_kind_parse(v[CLOCK_F_KIND].str, &in.kind);
	in.note = opt_text(&v[CLOCK_F_NOTE]);
	if (in.kind == REGULATORY_GDPR) {
		/* The GDPR clock is the law's, not ours: 72 h from awareness. */
		if (v[CLOCK_F_NAME].present || v[CLOCK_F_DEADLINE].present) {
			json_decref(body);
			return bad_request(req, "invalid_field",
					   v[CLOCK_F_NAME].present ? "name" : "deadline",
					   "the GDPR clock is named and timed by the regulation (72 h "
					   "from awareAt); use kind custom for another deadline");
		}
		in.aware_at = v[CLOCK_F_AWARE].present ? v[CLOCK_F_AWARE].num : TIME_NONE;
	} else {
		if (!v[CLOCK_F_NAME].present || !v[CLOCK_F_DEADLINE].present) {
			json_decref(body);
			return bad_request(req, "missing_field",
					   v[CLOCK_F_NAME].present ? "deadline" : "name",
					   "a custom clock needs a name and a deadline");
		}
		if (v[CLOCK_F_AWARE].present) {
			json_decref(body);
			return bad_request(req, "invalid_field", "awareAt",
					   "awareAt belongs to the GDPR clock; a custom clock has a "
					   "deadline");
		}
		str_trim_copy(name, v[CLOCK_F_NAME].str, sizeof(name));
		in.name = name;
		in.deadline = v[CLOCK_F_DEADLINE].num;
	}
	rc = command_clock_start(req->app, req->actor, number, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static const struct field_spec clock_patch_fields[] = {
	{.name = "met", .type = FIELD_BOOL, .required = true},
	F_TEXT("note", false, COMMAND_NOTE_MAX),
};

static int handle_clock_patch(struct http_request *req)
{
	struct field_value v[2];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number, id;
	int rc;

	if (incident_number(req, &number, &rc) != 0 ||
	    capture_id(req, 1, "regulatory clock", &id, &rc) != 0)
		return rc;
	body = http_json_body(req, clock_patch_fields, 2, v, &rc);
	if (body == NULL)
		return rc;
	if (!v[0].flag) {
		json_decref(body);
		return bad_request(req, "invalid_field", "met",
				   "a clock is stopped by recording it met (\"met\": true); it does "
				   "not restart");
	}
	rc = command_clock_met(req->app, req->actor, number, id, opt_text(&v[1]), &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_clock_list(struct http_request *req)
{
	return reply_incident_query(req, command_clock_list);
}

static const struct field_spec approval_fields[] = {
	F_TEXT_OPT("text", POSTURE_APPROVAL_TEXT_MAX),
};

static int handle_approval_post(struct http_request *req)
{
	struct field_value v[1];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = read_body_or_empty(req, approval_fields, 1, v, &rc);
	if (body == NULL)
		return rc;
	rc = command_approval_post(req->app, req->actor, number, opt_text(&v[0]), &out, &err);
	json_decref(body);
	return reply_result(req, rc, 201, out, &err);
}

static int handle_approval_list(struct http_request *req)
{
	return reply_incident_query(req, command_approval_list);
}

static int handle_assist(struct http_request *req)
{
	enum assist_kind kind;
	enum audience audience = AUDIENCE_PUBLIC;
	struct api_error err;
	const char *which;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	if (assist_kind_parse(req->captures[1], &kind) != 0) {
		api_error_set(&err, 404, "not_found", NULL,
			      "no assistant %.40s; there are suggestion, draft and brief",
			      req->captures[1]);
		return http_reply_error(req, &err);
	}
	if (http_query_enum(req, "audience", audience_names, &which, &rc) != 0)
		return rc;
	/* A draft is for the public unless asked otherwise: the safe default leaks nothing. */
	if (which)
		audience_parse(which, &audience);
	rc = command_assist(req->app, number, kind, audience, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

/* ---- the public status page's components and scheduled maintenance (issue 6):
 * components.h.  Open like every /api/v1 route until sign-in exists (the MIM's, API.md). */

static const struct field_spec component_fields[] = {
	F_TEXT("name", false, COMPONENT_NAME_MAX),
	F_TEXT_OPT("description", COMPONENT_DESCRIPTION_MAX),
	{.name = "position", .type = FIELD_INT, .min = 0, .max = COMPONENT_POSITION_MAX},
	/* null: back to the status the incidents derive */
	{.name = "status", .type = FIELD_STRING, .nullable = true, .one_of = component_status_names},
};
enum { COMP_F_NAME, COMP_F_DESCRIPTION, COMP_F_POSITION, COMP_F_STATUS, COMP_F__MAX };

static void component_input_of(const struct field_value *v, struct component_input *in)
{
	memset(in, 0, sizeof(*in));
	in->name = v[COMP_F_NAME].present ? v[COMP_F_NAME].str : NULL;
	in->has_description = v[COMP_F_DESCRIPTION].present;
	in->description = opt_text(&v[COMP_F_DESCRIPTION]);
	in->has_position = v[COMP_F_POSITION].present;
	in->position = v[COMP_F_POSITION].num;
	in->has_status = v[COMP_F_STATUS].present;
	in->status = v[COMP_F_STATUS].is_null ? NULL : v[COMP_F_STATUS].str;
}

static int reply_created(struct http_request *req, int rc, const char *kind, json_t *out,
			 const struct api_error *err)
{
	if (rc == 0) {
		char location[64];

		snprintf(location, sizeof(location), "/api/v1/%s/%lld", kind,
			 (long long)json_integer_value(json_object_get(out, "id")));
		http_reply_header(req, "Location", location);
	}
	return reply_result(req, rc, 201, out, err);
}

static int handle_component_create(struct http_request *req)
{
	struct field_value v[COMP_F__MAX];
	struct component_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int rc;

	body = http_json_body(req, component_fields, COMP_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	if (!v[COMP_F_NAME].present) {
		json_decref(body);
		return bad_request(req, "missing_field", "name", "name is required");
	}
	component_input_of(v, &in);
	rc = component_create(req->app, req->actor, &in, &out, &err);
	json_decref(body);
	return reply_created(req, rc, "components", out, &err);
}

static int handle_component_patch(struct http_request *req)
{
	struct field_value v[COMP_F__MAX];
	struct component_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t id;
	int rc;

	if (capture_id(req, 0, "component", &id, &rc) != 0)
		return rc;
	body = http_json_body(req, component_fields, COMP_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	if (json_object_size(body) == 0) {
		json_decref(body);
		return bad_request(req, "missing_field", "name",
				   "send at least one of name, description, position, status");
	}
	component_input_of(v, &in);
	rc = component_patch(req->app, req->actor, id, &in, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_component_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (capture_id(req, 0, "component", &id, &rc) != 0)
		return rc;
	rc = component_get(req->app, id, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_component_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int rc = component_list(req->app, &out, &err);

	return reply_result(req, rc, 200, out, &err);
}

static const struct field_spec maintenance_fields[] = {
	F_TEXT("title", true, MAINTENANCE_TITLE_MAX),
	F_TEXT_OPT("body", MAINTENANCE_BODY_MAX),
	{.name = "components", .type = FIELD_STRING_ARRAY, .max = COMPONENT_NAME_MAX,
	 .max_items = MAINTENANCE_COMPONENTS_MAX},
	{.name = "scheduledFor", .type = FIELD_TIME, .required = true},
	{.name = "scheduledUntil", .type = FIELD_TIME, .required = true},
};
enum { MAINT_F_TITLE, MAINT_F_BODY, MAINT_F_COMPONENTS, MAINT_F_FOR, MAINT_F_UNTIL, MAINT_F__MAX };

static int handle_maintenance_create(struct http_request *req)
{
	struct field_value v[MAINT_F__MAX];
	struct maintenance_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int rc;

	body = http_json_body(req, maintenance_fields, MAINT_F__MAX, v, &rc);
	if (body == NULL)
		return rc;
	in = (struct maintenance_input){
		.title = v[MAINT_F_TITLE].str,
		.body = opt_text(&v[MAINT_F_BODY]),
		.components = v[MAINT_F_COMPONENTS].json,
		.scheduled_for = v[MAINT_F_FOR].num,
		.scheduled_until = v[MAINT_F_UNTIL].num,
	};
	rc = maintenance_create(req->app, req->actor, &in, &out, &err);
	json_decref(body);
	return reply_created(req, rc, "maintenances", out, &err);
}

/* The maintenance id in the first capture ("MNT-7" or "7"); replies 404 when it is not one. */
static int maintenance_capture(struct http_request *req, int64_t *id, int *reply_rc)
{
	struct api_error err;

	*reply_rc = MHD_NO;
	if (maintenance_id_parse(req->captures[0], id) != 0) {
		api_error_set(&err, 404, "not_found", NULL, "no maintenance %.40s", req->captures[0]);
		*reply_rc = http_reply_error(req, &err);
		return -1;
	}
	return 0;
}

/* start and complete: the path says it all (the body, when sent, is {}). */
static int handle_maintenance_move(struct http_request *req,
				   int (*fn)(struct app *, const char *, int64_t, json_t **,
					     struct api_error *))
{
	struct field_value none[1];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t id;
	int rc;

	if (maintenance_capture(req, &id, &rc) != 0)
		return rc;
	body = read_body_or_empty(req, NULL, 0, none, &rc);
	if (body == NULL)
		return rc;
	rc = fn(req->app, req->actor, id, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_maintenance_start(struct http_request *req)
{
	return handle_maintenance_move(req, maintenance_start);
}

static int handle_maintenance_complete(struct http_request *req)
{
	return handle_maintenance_move(req, maintenance_complete);
}

static int handle_maintenance_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (maintenance_capture(req, &id, &rc) != 0)
		return rc;
	rc = maintenance_get(req->app, id, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_maintenance_list(struct http_request *req)
{
	struct api_error err;
	const char *state;
	json_t *out = NULL;
	int64_t limit, before;
	int rc;

	if (http_query_enum(req, "state", maintenance_state_names, &state, &rc) != 0 ||
	    http_query_int(req, "limit", MAINTENANCE_LIST_DEFAULT, 1, MAINTENANCE_LIST_MAX, &limit,
		      &rc) != 0 ||
	    http_query_int(req, "cursor", INT64_MAX, 1, INT64_MAX, &before, &rc) != 0)
		return rc;
	rc = maintenance_list(req->app, state, before, (int)limit, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

/* ---- the route table: the map of the API ---- */

/* ---- alert intake and run cards (issue 8, intake.h) ----
 * Until sign-in exists these admin routes are open like the rest of /api/v1 (the server
 * listens on loopback unless told otherwise); docs/signals.md says so. */

static const char *const integration_kind_names[] = {"alertmanager", "grafana", "generic", NULL};

static const struct field_spec integration_fields[] = {
	F_TEXT("name", true, INCIDENT_SHORT_MAX),
	F_ENUM("kind", true, integration_kind_names),
	F_TEXT("severityLabel", false, SIGNAL_LABEL_MAX),
	{.name = "severityMap", .type = FIELD_OBJECT},
	F_ENUM("defaultSeverity", false, severity_names),
	{.name = "systems", .type = FIELD_STRING_ARRAY, .max = INCIDENT_SHORT_MAX,
	 .max_items = INCIDENT_SYSTEMS_MAX},
};
enum { INTEG_NAME, INTEG_KIND, INTEG_LABEL, INTEG_MAP, INTEG_DEFAULT, INTEG_SYSTEMS, INTEG__MAX };

static int handle_integration_create(struct http_request *req)
{
	struct field_value v[INTEG__MAX];
	struct integration_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	char location[80];
	int rc;

	body = http_json_body(req, integration_fields, INTEG__MAX, v, &rc);
	if (body == NULL)
		return rc;
	memset(&in, 0, sizeof(in));
	in.name = v[INTEG_NAME].str;
	signal_kind_parse(v[INTEG_KIND].str, &in.kind);
	in.severity_label = v[INTEG_LABEL].present ? v[INTEG_LABEL].str : NULL;
	in.severity_map = v[INTEG_MAP].present ? v[INTEG_MAP].json : NULL;
	/* Unsure → the higher level (SPEC §2): an unmapped alert is high unless told. */
	in.default_severity = SEVERITY_HIGH;
	if (v[INTEG_DEFAULT].present)
		severity_parse(v[INTEG_DEFAULT].str, &in.default_severity);
	in.systems = v[INTEG_SYSTEMS].present ? v[INTEG_SYSTEMS].json : NULL;
	if (in.severity_map && signal_map_check(in.severity_map, "severityMap", &err) != 0) {
		json_decref(body);
		return http_reply_error(req, &err);
	}
	rc = intake_integration_create(req->app, req->actor, &in, &out, &err);
	json_decref(body);
	if (rc == 0) {
		snprintf(location, sizeof(location), "/api/v1/integrations/%lld",
			 (long long)json_integer_value(json_object_get(out, "id")));
		http_reply_header(req, "Location", location);
	}
	return reply_result(req, rc, 201, out, &err);
}

/* The integration id of the first capture; replies 404 when it is not one. */
static int integration_id(struct http_request *req, int64_t *id, int *reply_rc)
{
	const char *cursor = req->captures[0];
	uint64_t n;
	struct api_error err;

	*reply_rc = MHD_NO;
	if (parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 || *cursor != '\0' || n == 0) {
		api_error_set(&err, 404, "not_found", NULL, "no integration %.40s", req->captures[0]);
		*reply_rc = http_reply_error(req, &err);
		return -1;
	}
	*id = (int64_t)n;
	return 0;
}

static int handle_integration_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (integration_id(req, &id, &rc) != 0)
		return rc;
	rc = intake_integration_get(req->app, id, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_integration_log(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id, before, limit;
	int rc;

	if (integration_id(req, &id, &rc) != 0 ||
	    http_query_int(req, "before", INT64_MAX, 1, INT64_MAX, &before, &rc) != 0 ||
	    http_query_int(req, "limit", 100, 1, INTAKE_LOG_LIMIT_MAX, &limit, &rc) != 0)
		return rc;
	rc = intake_integration_log(req->app, id, before, (int)limit, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_signal(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int rc = intake_signal(req->app, req->captures[0], http_header(req, "Authorization"),
			       req->body, req->body_len, &out, &err);

	return reply_result(req, rc, 200, out, &err);
}

/* The alarm level of the first capture (0..3); replies 404 otherwise. */
static int alarm_level(struct http_request *req, int *level, int *reply_rc)
{
	const char *cursor = req->captures[0];
	uint64_t n;
	struct api_error err;

	*reply_rc = MHD_NO;
	if (parse_u64(&cursor, &n, 3) != 0 || *cursor != '\0') {
		api_error_set(&err, 404, "not_found", NULL, "no alarm level %.40s (Box 0 to 3)",
			      req->captures[0]);
		*reply_rc = http_reply_error(req, &err);
		return -1;
	}
	*level = (int)n;
	return 0;
}

static int handle_runcard_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	const char *service = http_query(req, "service");
	int64_t version;
	int level, rc;

	if (alarm_level(req, &level, &rc) != 0 ||
	    http_query_int(req, "version", 0, 1, INT64_MAX, &version, &rc) != 0)
		return rc;
	if (service && utf8_length(service) > INCIDENT_SHORT_MAX)
		return bad_request(req, "invalid_field", "service", "service is too long");
	rc = intake_runcard_get(req->app, level, service, version, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

static int handle_runcard_put(struct http_request *req)
{
	struct api_error err;
	json_t *body = NULL, *out = NULL;
	int level, rc;

	if (alarm_level(req, &level, &rc) != 0)
		return rc;
	if (json_parse_body(req->body ? req->body : "", req->body_len, &body, &err) != 0)
		return http_reply_error(req, &err);
	/* runcard_normalize() is this route's field table: the card has nested members. */
	rc = intake_runcard_put(req->app, req->actor, level, body, &out, &err);
	json_decref(body);
	return reply_result(req, rc, 200, out, &err);
}

const struct http_route api_routes[] = {
	{"GET", "/healthz", handle_healthz, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/readyz", handle_readyz, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v1/stream", handle_stream, false, ACCESS_VIEWER, HTTP_RUN_IN_PLACE},
	{"POST", "/api/v1/incidents", handle_incident_open, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents", handle_incident_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}", handle_incident_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/incidents/{id}", handle_incident_patch, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/phase", handle_incident_phase, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/reopen", handle_incident_reopen, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/timeline", handle_timeline_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/timeline", handle_timeline_post, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/updates", handle_update_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/updates", handle_update_post, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"PUT", "/api/v1/incidents/{id}/roles/{role}", handle_role_put, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/responders", handle_responder_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/responders", handle_responder_post, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/incidents/{id}/responders/{rid}", handle_responder_patch, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	/* the browser UI (web.h): the embedded assets and the app shell */
	{"GET", "/assets/{a}", web_handle_asset, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/assets/{a}/{b}", web_handle_asset, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/assets/{a}/{b}/{c}", web_handle_asset, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/new", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/incidents/{id}", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/incidents/{id}/after-action", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/kpis", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/runcards", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/users", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/oncall", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/admin/notifications", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/exec", web_handle_shell, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	/* the public status page (public.h): no authentication, public content only */
	{"GET", "/", public_handle_index, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/incidents/{id}", public_handle_incident, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/status.css", public_handle_asset, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/status.js", public_handle_asset, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/feed.atom", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/feed.rss", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/badge.svg", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/stream", public_handle_stream, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/summary.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/status.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/components.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/incidents.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/incidents/unresolved.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/scheduled-maintenances.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/scheduled-maintenances/upcoming.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	{"GET", "/api/v2/scheduled-maintenances/active.json", public_handle_doc, false, ACCESS_PUBLIC, HTTP_RUN_IN_PLACE},
	/* the command doctrine (issue 4, command.h): CAN, tracks, hypotheses, hand-off,
	 * information authority, regulatory clocks, approvals, drafting assistant */
	{"GET", "/api/v1/incidents/{id}/can", handle_can_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/can", handle_can_post, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/tracks", handle_track_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/tracks", handle_track_post, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/incidents/{id}/tracks/{tid}", handle_track_patch, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/hypotheses", handle_hypothesis_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/hypotheses", handle_hypothesis_post, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/incidents/{id}/hypotheses/{hid}", handle_hypothesis_patch, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/handoff", handle_handoff_offer, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/handoff/accept", handle_handoff_accept, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/handoff/withdraw", handle_handoff_withdraw, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/authority", handle_authority_give, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/authority/return", handle_authority_return, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/clocks", handle_clock_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/clocks", handle_clock_post, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/incidents/{id}/clocks/{cid}", handle_clock_patch, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/approvals", handle_approval_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/approvals", handle_approval_post, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/assist/{kind}", handle_assist, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	/* alert intake and run cards (issue 8, intake.h): integrations and their log, signals
	 * in (Bearer integration token), run cards per alarm level */
	{"POST", "/api/v1/integrations", handle_integration_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/integrations/{id}", handle_integration_get, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/integrations/{id}/log", handle_integration_log, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v1/signals/{id}", handle_signal, true, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"GET", "/api/v1/runcards/{level}", handle_runcard_get, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"PUT", "/api/v1/runcards/{level}", handle_runcard_put, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	/* the public status page's configured components and scheduled maintenance (issue 6,
	 * components.h); open like every /api/v1 route until sign-in exists */
	{"GET", "/api/v1/components", handle_component_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/components", handle_component_create, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/components/{id}", handle_component_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/components/{id}", handle_component_patch, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/maintenances", handle_maintenance_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/maintenances", handle_maintenance_create, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"GET", "/api/v1/maintenances/{id}", handle_maintenance_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/maintenances/{id}/start", handle_maintenance_start, true, ACCESS_MIM, HTTP_RUN_POOL},
	{"POST", "/api/v1/maintenances/{id}/complete", handle_maintenance_complete, true, ACCESS_MIM, HTTP_RUN_POOL},
	/* After Action reviews, action items and KPIs (issue 10, actions.h) */
	{"GET", "/api/v1/incidents/{id}/after-action", afteraction_handle_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/incidents/{id}/after-action", afteraction_handle_patch, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/after-action.md", afteraction_handle_md, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/after-action.html", afteraction_handle_html, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/system-actions", afteraction_handle_system_actions, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/after-action.ics", afteraction_handle_ics, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/after-action.svg", afteraction_handle_svg, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/export", afteraction_handle_export, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/actions", afteraction_handle_incident_actions, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/actions", afteraction_handle_action_create, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/actions", afteraction_handle_action_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/actions/{id}", afteraction_handle_action_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/actions/{id}", afteraction_handle_action_patch, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/kpis", afteraction_handle_kpis, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/kpis.svg", afteraction_handle_kpis_svg, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/metrics", afteraction_handle_metrics, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	/* on-call and paging (issue 9, teams.h, pages.h): the calendar feed and the
	 * acknowledgement link are public and check their own signed tokens */
	{"POST", "/api/v1/teams", oncall_handle_team_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/teams", oncall_handle_team_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/teams/{id}", oncall_handle_team_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/teams/{id}", oncall_handle_team_patch, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v1/teams/{id}/rotations", oncall_handle_rotation_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/rotations/{id}", oncall_handle_rotation_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/rotations/{id}/overrides", oncall_handle_override_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/rotations/{id}/calendar.ics", oncall_handle_calendar, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"GET", "/api/v1/oncall", oncall_handle_oncall, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/oncall/mtta", oncall_handle_mtta, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/incidents/{id}/pages", oncall_handle_page_list, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/incidents/{id}/pages", oncall_handle_page_create, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/api/v1/pages/{id}", oncall_handle_page_get, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"POST", "/api/v1/pages/{id}/ack", oncall_handle_page_ack, true, ACCESS_RESPONDER, HTTP_RUN_POOL},
	{"GET", "/ack/{token}", oncall_handle_ack_link, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/ack/{token}", oncall_handle_ack_link_post, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	/* notifications (issue 9, outbox_api.h): channels and the delivery log (admin),
	 * status-page subscribers (public: the API, the page's form, the mailed links) */
	{"GET", "/api/v1/channels", outbox_handle_channel_list, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v1/channels", outbox_handle_channel_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/channels/{id}", outbox_handle_channel_get, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/channels/{id}", outbox_handle_channel_patch, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"DELETE", "/api/v1/channels/{id}", outbox_handle_channel_delete, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/deliveries", outbox_handle_delivery_list, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v1/deliveries/{id}/retry", outbox_handle_delivery_retry, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/subscribers", outbox_handle_subscriber_list, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v2/subscribers", outbox_handle_subscribe, true, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/subscribe", outbox_handle_subscribe_form, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"GET", "/subscribers/confirm/{token}", outbox_handle_subscriber_confirm, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/subscribers/confirm/{token}", outbox_handle_subscriber_confirm, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"GET", "/subscribers/unsubscribe/{token}", outbox_handle_subscriber_unsubscribe, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/subscribers/unsubscribe/{token}", outbox_handle_subscriber_unsubscribe, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	/* accounts, sign-in, tokens and audit (issue 7, auth.h, auth_api.h).  The session
	 * routes are public and look at the caller themselves (signing in is how one gets a
	 * role); /login and /logout are pages that work without JavaScript. */
	{"GET", "/api/v1/session", auth_handle_session_get, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/api/v1/session", auth_handle_session_post, true, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"DELETE", "/api/v1/session", auth_handle_session_delete, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/api/v1/session/revoke-all", auth_handle_session_revoke_all, false, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"PUT", "/api/v1/session/password", auth_handle_session_password, true, ACCESS_VIEWER, HTTP_RUN_POOL},
	{"GET", "/api/v1/users", auth_handle_users_list, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v1/users", auth_handle_users_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/users/{name}", auth_handle_user_get, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"PATCH", "/api/v1/users/{name}", auth_handle_user_patch, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/tokens", auth_handle_tokens_list, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"POST", "/api/v1/tokens", auth_handle_tokens_create, true, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"DELETE", "/api/v1/tokens/{id}", auth_handle_token_delete, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/api/v1/audit", auth_handle_audit, false, ACCESS_ADMIN, HTTP_RUN_POOL},
	{"GET", "/login", auth_handle_login_page, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/login", auth_handle_login_post, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"GET", "/logout", auth_handle_logout_page, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"POST", "/logout", auth_handle_logout_post, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	/* single sign-on with OpenID Connect (issue 7, oidc.h): the way in, so public */
	{"GET", "/auth/oidc/login", oidc_handle_login, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
	{"GET", "/auth/oidc/callback", oidc_handle_callback, false, ACCESS_PUBLIC, HTTP_RUN_POOL},
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
