/*
 * The JSON API of API.md: the route table and its thin handlers (parse, validate against
 * the field table, call the service, reply).
 */
#include "api.h"

#include <microhttpd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "doctrine.h"
#include "parse.h"
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

/* Parses the body and validates it against `specs`; on failure replies and returns -1
 * with *reply_rc holding the MHD result. */
static json_t *read_body(struct http_request *req, const struct field_spec *specs, size_t nspecs,
			 struct field_value *values, int *reply_rc)
{
	struct api_error err;
	json_t *body = NULL;

	*reply_rc = MHD_NO;
	if (json_parse_body(req->body ? req->body : "", req->body_len, &body, &err) != 0 ||
	    json_validate(body, specs, nspecs, values, &err) != 0) {
		json_decref(body);
		*reply_rc = http_reply_error(req, &err);
		return NULL;
	}
	return body;
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

/* Reads an optional bounded integer query parameter. */
static int query_int(struct http_request *req, const char *name, int64_t dflt, int64_t min,
		     int64_t max, int64_t *out, int *reply_rc)
{
	const char *v = http_query(req, name);
	const char *cursor = v;
	uint64_t n;
	char message[128];

	*reply_rc = MHD_NO;
	if (v == NULL || *v == '\0') {
		*out = dflt;
		return 0;
	}
	if (parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 || *cursor != '\0' ||
	    (int64_t)n < min || (int64_t)n > max) {
		snprintf(message, sizeof(message), "%s must be an integer from %lld to %lld", name,
			 (long long)min, (long long)max);
		*reply_rc = bad_request(req, "invalid_field", name, message);
		return -1;
	}
	*out = (int64_t)n;
	return 0;
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

	body = read_body(req, open_fields, OPEN__MAX, v, &rc);
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
	if (query_int(req, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &limit, &rc) != 0 ||
	    query_int(req, "cursor", INT64_MAX, 1, INT64_MAX, &before, &rc) != 0)
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
static int if_match_version(struct http_request *req, int64_t *out, int *reply_rc)
{
	const char *v = http_header(req, "If-Match");
	const char *cursor;
	uint64_t n;

	*out = -1;
	if (v == NULL || strcmp(v, "*") == 0)
		return 0;
	cursor = v;
	if (strncmp(cursor, "W/", 2) == 0)
		cursor += 2;
	if (*cursor == '"')
		cursor++;
	if (parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 ||
	    (*cursor != '\0' && !(cursor[0] == '"' && cursor[1] == '\0'))) {
		*reply_rc = bad_request(req, "invalid_field", "If-Match",
					"If-Match must be the incident's ETag, e.g. \"3\"");
		return -1;
	}
	*out = (int64_t)n;
	return 0;
}

static int handle_incident_patch(struct http_request *req)
{
	struct field_value v[NPATCH_FIELDS];
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number, if_match;
	int rc;

	if (incident_number(req, &number, &rc) != 0 || if_match_version(req, &if_match, &rc) != 0)
		return rc;
	body = read_body(req, patch_fields, NPATCH_FIELDS, v, &rc);
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
	body = read_body(req, phase_fields, 3, v, &rc);
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
	body = read_body(req, reopen_fields, 2, v, &rc);
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
	body = read_body(req, entry_fields, 5, v, &rc);
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
	json_t *out = NULL;
	int64_t number, after, limit;
	int rc;

	if (incident_number(req, &number, &rc) != 0 ||
	    query_int(req, "after", 0, 0, INT64_MAX, &after, &rc) != 0 ||
	    query_int(req, "limit", TIMELINE_LIMIT_DEFAULT, 1, TIMELINE_LIMIT_MAX, &limit, &rc) != 0)
		return rc;
	rc = service_timeline_list(req->app, number, after, (int)limit, &out, &err);
	return reply_result(req, rc, 200, out, &err);
}

/* ---- updates ---- */

static const struct field_spec update_fields[] = {
	F_TEXT("body", false, INCIDENT_TEXT_MAX),
	F_ENUM("audience", true, audience_names),
	F_ENUM("kind", false, kind_names),
	F_TIME("nextUpdateEta"),
	F_ENUM("status", false, status_names),
};

static int handle_update_post(struct http_request *req)
{
	struct field_value v[5];
	struct update_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	body = read_body(req, update_fields, 5, v, &rc);
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
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	rc = service_update_list(req->app, number, &out, &err);
	return reply_result(req, rc, 200, out, &err);
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
	body = read_body(req, role_fields, 1, v, &rc);
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
	body = read_body(req, responder_fields, 4, v, &rc);
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
	body = read_body(req, responder_fields, 4, v, &rc);
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
	struct api_error err;
	json_t *out = NULL;
	int64_t number;
	int rc;

	if (incident_number(req, &number, &rc) != 0)
		return rc;
	rc = service_responder_list(req->app, number, &out, &err);
	return reply_result(req, rc, 200, out, &err);
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
	resp = sse_response_new(req->app->hub, req->conn, cursor, incident);
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

/* ---- the route table: the map of the API ---- */

const struct http_route api_routes[] = {
	{"GET", "/healthz", handle_healthz, false},
	{"GET", "/readyz", handle_readyz, false},
	{"GET", "/api/v1/stream", handle_stream, false},
	{"POST", "/api/v1/incidents", handle_incident_open, true},
	{"GET", "/api/v1/incidents", handle_incident_list, false},
	{"GET", "/api/v1/incidents/{id}", handle_incident_get, false},
	{"PATCH", "/api/v1/incidents/{id}", handle_incident_patch, true},
	{"POST", "/api/v1/incidents/{id}/phase", handle_incident_phase, true},
	{"POST", "/api/v1/incidents/{id}/reopen", handle_incident_reopen, true},
	{"GET", "/api/v1/incidents/{id}/timeline", handle_timeline_list, false},
	{"POST", "/api/v1/incidents/{id}/timeline", handle_timeline_post, true},
	{"GET", "/api/v1/incidents/{id}/updates", handle_update_list, false},
	{"POST", "/api/v1/incidents/{id}/updates", handle_update_post, true},
	{"PUT", "/api/v1/incidents/{id}/roles/{role}", handle_role_put, true},
	{"GET", "/api/v1/incidents/{id}/responders", handle_responder_list, false},
	{"POST", "/api/v1/incidents/{id}/responders", handle_responder_post, true},
	{"PATCH", "/api/v1/incidents/{id}/responders/{rid}", handle_responder_patch, true},
	/* the browser UI (web.h): the embedded assets and the app shell */
	{"GET", "/assets/{a}", web_handle_asset, false},
	{"GET", "/assets/{a}/{b}", web_handle_asset, false},
	{"GET", "/assets/{a}/{b}/{c}", web_handle_asset, false},
	{"GET", "/new", web_handle_shell, false},
	{"GET", "/admin", web_handle_shell, false},
	{"GET", "/admin/incidents/{id}", web_handle_shell, false},
	{"GET", "/exec", web_handle_shell, false},
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
