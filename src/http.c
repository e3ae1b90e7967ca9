#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "parse.h"

#define HTTP_EXTRA_HEADERS 4
#define HTTP_HEADER_VALUE_MAX 256
#define HTTP_CAPTURE_SCRATCH 1024

struct offload;

/* The handler pool (HTTP_RUN_POOL routes, see http.h). */
struct handler_pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t idle; /* busy reached 0 */
	struct offload *head, *tail;
	int busy;      /* jobs queued or running */
	bool draining; /* shutting down: requests run in place, so none is left suspended */
	bool stop;
	pthread_t *threads;
	int nthreads;
};

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_server_config cfg;
	/* Routes without a `{capture}` that no earlier route of the same method shadows, by
	 * pattern then method: the busiest paths (the public page and its documents) skip
	 * the table scan (dispatch).  Indexes into cfg.routes. */
	size_t *exact;
	size_t nexact;
	struct handler_pool pool;
};

/* Per-connection request state, from the first call of the access handler to the end.
 * Kept small: a live stream holds one for its whole life (HTTP_CONNECTION_MEMORY). */
struct request_state {
	struct buf body;
	bool too_large;
	char extra_names[HTTP_EXTRA_HEADERS][48];
	char extra_values[HTTP_EXTRA_HEADERS][HTTP_HEADER_VALUE_MAX];
	int nextra;
	struct offload *job; /* set while and after the request runs on the pool */
};

/* A request handed to the pool, with the connection suspended: a copy of the request (its
 * captures in `scratch`), and then the reply the handler made, which the event thread
 * queues when the connection resumes (libmicrohttpd queues replies only from there). */
struct offload {
	struct offload *next;
	struct http_server *srv;
	struct request_state *rs;
	const struct http_route *route;
	struct http_request req;
	char scratch[HTTP_CAPTURE_SCRATCH];
	enum MHD_Result result;
	unsigned int status;
	struct MHD_Response *reply;
};

static struct request_state *state_of(struct http_request *req)
{
	return req->state;
}

/* Every reply carries these (STYLE: security habits).  A reply with a policy of its own
 * (the public pages' stricter one) keeps only that: two policies would both apply. */
static void add_security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (MHD_get_response_header(resp, "Content-Security-Policy") == NULL)
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

void http_response_secure(struct MHD_Response *resp)
{
	add_security_headers(resp);
}

int http_reply_shared(struct http_request *req, int status, struct MHD_Response *resp)
{
	if (resp == NULL)
		return MHD_NO;
	if (state_of(req) && state_of(req)->job) {
		/* The pool cannot hold a reference to a response it does not own. */
		fprintf(stderr, "majorops: %s %s: a shared reply from a pooled route (declare it "
				"HTTP_RUN_IN_PLACE)\n", req->method, req->path);
		return MHD_NO;
	}
	return MHD_queue_response(req->conn, (unsigned int)status, resp);
}

void http_reply_header(struct http_request *req, const char *name, const char *value)
{
	struct request_state *rs = state_of(req);

	if (rs == NULL || rs->nextra == HTTP_EXTRA_HEADERS)
		return;
	str_copy(rs->extra_names[rs->nextra], name, sizeof(rs->extra_names[0]));
	str_copy(rs->extra_values[rs->nextra], value, sizeof(rs->extra_values[0]));
	rs->nextra++;
}

int http_reply_response(struct http_request *req, int status, struct MHD_Response *resp)
{
	struct request_state *rs = state_of(req);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	if (rs)
		for (int i = 0; i < rs->nextra; i++)
			MHD_add_response_header(resp, rs->extra_names[i], rs->extra_values[i]);
	add_security_headers(resp);
	if (rs && rs->job) {
		/* On the pool: kept for the event thread (one reply per request). */
		if (rs->job->reply) {
			MHD_destroy_response(resp);
			return MHD_NO;
		}
		rs->job->reply = resp;
		rs->job->status = (unsigned int)status;
		return MHD_YES;
	}
	ret = MHD_queue_response(req->conn, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int http_reply_json(struct http_request *req, int status, json_t *body)
{
	struct MHD_Response *resp;
	char *text = NULL;
	size_t len = 0;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (text == NULL) {
			static const char oom[] =
				"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
			resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
							       MHD_RESPMEM_PERSISTENT);
			MHD_add_response_header(resp, "Content-Type", "application/json");
			return http_reply_response(req, 500, resp);
		}
		len = strlen(text);
	}
	resp = MHD_create_response_from_buffer(len, text ? text : (void *)"", text ? MHD_RESPMEM_MUST_FREE
										    : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	if (body)
		MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, status, resp);
}

int http_reply_json_text(struct http_request *req, int status, char *text)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);

	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, status, resp);
}

int http_reply_error(struct http_request *req, const struct api_error *err)
{
	json_t *e = json_pack("{s:s, s:s}", "code", err->code ? err->code : "internal", "message",
			      err->message);

	if (e && err->field[0])
		json_object_set_new(e, "field", json_string(err->field));
	if (e && err->rule[0])
		json_object_set_new(e, "rule", json_string(err->rule));
	return http_reply_json(req, err->status ? err->status : 500, json_pack("{s:o}", "error", e));
}

const char *http_query(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

json_t *http_json_body(struct http_request *req, const struct field_spec *specs, size_t nspecs,
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

int http_reply_result(struct http_request *req, int rc, int status, json_t *out,
		      const struct api_error *err)
{
	return rc != 0 ? http_reply_error(req, err) : http_reply_json(req, status, out);
}

int http_reply_fail(struct http_request *req, int status, const char *code, const char *field,
		    const char *message)
{
	struct api_error err;

	api_error_set(&err, status, code, field, "%s", message);
	return http_reply_error(req, &err);
}

int http_capture_id(struct http_request *req, size_t index, const char *what, int64_t *id,
		    int *reply_rc)
{
	const char *cursor = index < req->ncaptures ? req->captures[index] : NULL;
	uint64_t n;
	char message[96];

	if (cursor == NULL || parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 || *cursor != '\0' ||
	    n == 0) {
		snprintf(message, sizeof(message), "no such %s", what);
		*reply_rc = http_reply_fail(req, 404, "not_found", NULL, message);
		return -1;
	}
	*id = (int64_t)n;
	return 0;
}

int http_query_int(struct http_request *req, const char *name, int64_t dflt, int64_t min,
		   int64_t max, int64_t *out, int *reply_rc)
{
	const char *v = http_query(req, name);
	const char *cursor = v;
	char message[128];
	uint64_t n;

	if (v == NULL || *v == '\0') {
		*out = dflt;
		return 0;
	}
	if (parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 || *cursor != '\0' ||
	    (int64_t)n < min || (int64_t)n > max) {
		snprintf(message, sizeof(message), "%s must be an integer from %lld to %lld", name,
			 (long long)min, (long long)max);
		*reply_rc = http_reply_fail(req, 400, "invalid_field", name, message);
		return -1;
	}
	*out = (int64_t)n;
	return 0;
}

int http_query_enum(struct http_request *req, const char *name, const char *const *names,
		    const char **out, int *reply_rc)
{
	const char *v = http_query(req, name);
	char message[256];
	int used;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	for (const char *const *n = names; *n; n++) {
		if (strcmp(*n, v) == 0) {
			*out = *n;
			return 0;
		}
	}
	/* The list is cut, not overflowed, when it is longer than the message. */
	used = snprintf(message, sizeof(message), "%s must be one of:", name);
	for (const char *const *n = names; *n && used >= 0 && (size_t)used < sizeof(message); n++) {
		int more = snprintf(message + used, sizeof(message) - (size_t)used, "%s %s",
				    n == names ? "" : ",", *n);

		used = more < 0 ? -1 : used + more;
	}
	*reply_rc = http_reply_fail(req, 400, "invalid_field", name, message);
	return -1;
}

bool http_if_none_match(struct http_request *req, const char *etag)
{
	const char *p = http_header(req, "If-None-Match");
	size_t n = strlen(etag);

	if (p == NULL)
		return false;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

int http_if_match(struct http_request *req, const char *what, int64_t *out, int *reply_rc)
{
	const char *v = http_header(req, "If-Match");
	const char *cursor;
	char message[128];
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
		snprintf(message, sizeof(message), "If-Match must be %s, e.g. \"3\"", what);
		*reply_rc = http_reply_fail(req, 400, "invalid_field", "If-Match", message);
		return -1;
	}
	*out = (int64_t)n;
	return 0;
}

const char *http_cookie(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const void *http_peer(struct http_request *req)
{
	const union MHD_ConnectionInfo *info =
		req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
			  : NULL;

	return info ? (const void *)info->client_addr : NULL;
}

void http_peer_text(struct http_request *req, char *out, size_t outlen)
{
	const struct sockaddr *sa = http_peer(req);

	str_copy(out, "", outlen);
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)outlen);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)outlen);
}

bool http_is_tls(struct http_request *req)
{
	return req->conn &&
	       MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION) != NULL;
}

/* Matches `path` against `pattern`, filling captures; 1 on a match. */
static int route_match(const char *pattern, const char *path, struct http_request *req,
		       char *scratch, size_t scratch_len)
{
	const char *p = pattern, *s = path;
	size_t used = 0;

	req->ncaptures = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);

			if (len == 0 || req->ncaptures == HTTP_MAX_CAPTURES || used + len + 1 > scratch_len)
				return 0;
			memcpy(scratch + used, s, len);
			scratch[used + len] = '\0';
			req->captures[req->ncaptures++] = scratch + used;
			used += len + 1;
			s += len;
			p = strchr(p, '}');
			if (p == NULL)
				return 0;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

/* ---- the exact-route index (struct http_server) ---- */

static const struct http_route *exact_sort_routes; /* for qsort's comparator, start-up only */

static int exact_cmp(const char *path, const char *method, const struct http_route *r)
{
	int c = strcmp(path, r->pattern);

	return c ? c : strcmp(method, r->method);
}

static int exact_sort_cmp(const void *a, const void *b)
{
	const struct http_route *ra = &exact_sort_routes[*(const size_t *)a];

	return exact_cmp(ra->pattern, ra->method, &exact_sort_routes[*(const size_t *)b]);
}

/* Builds srv->exact.  A route goes in only when the linear scan would pick it for its own
 * path and method: no earlier route of the same method (with captures, or a duplicate)
 * matches its pattern.  So the index answers exactly as the scan does, only sooner. */
static int exact_build(struct http_server *srv)
{
	const struct http_route *routes = srv->cfg.routes;
	struct http_request probe;
	char scratch[1024];

	srv->exact = calloc(srv->cfg.nroutes ? srv->cfg.nroutes : 1, sizeof(*srv->exact));
	if (srv->exact == NULL)
		return -1;
	for (size_t i = 0; i < srv->cfg.nroutes; i++) {
		bool shadowed = strchr(routes[i].pattern, '{') != NULL;

		for (size_t j = 0; j < i && !shadowed; j++)
			shadowed = strcmp(routes[j].method, routes[i].method) == 0 &&
				   route_match(routes[j].pattern, routes[i].pattern, &probe, scratch,
					       sizeof(scratch));
		if (!shadowed)
			srv->exact[srv->nexact++] = i;
	}
	/* One thread at start-up: qsort takes no context argument in C11. */
	exact_sort_routes = routes;
	qsort(srv->exact, srv->nexact, sizeof(*srv->exact), exact_sort_cmp);
	return 0;
}

/* The route an exact path and method select, or NULL (then the scan decides: a capture
 * route, or 404/405). */
static const struct http_route *exact_find(const struct http_server *srv, const char *path,
					   const char *method)
{
	size_t lo = 0, hi = srv->nexact;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct http_route *r = &srv->cfg.routes[srv->exact[mid]];
		int c = exact_cmp(path, method, r);

		if (c == 0)
			return r;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool is_json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

const char *access_role_name(enum access_role role)
{
	static const char *const names[] = {"undeclared", "public", "viewer", "responder", "mim",
					     "admin"};

	return (unsigned)role < sizeof(names) / sizeof(names[0]) ? names[role] : "undeclared";
}

/* The route for the request (captures into `scratch`); NULL after replying 404 or 405 with
 * the MHD result in *result. */
static const struct http_route *route_find(struct http_server *srv, struct http_request *req,
					   char *scratch, size_t scratch_len,
					   enum MHD_Result *result)
{
	const struct http_route *found = NULL;
	char allow[128] = "";
	struct buf allowed;
	struct api_error err;

	buf_init(&allowed, sizeof(allow));
	req->ncaptures = 0;
	found = exact_find(srv, req->path, req->method);
	for (size_t i = 0; found == NULL && i < srv->cfg.nroutes; i++) {
		const struct http_route *r = &srv->cfg.routes[i];

		if (!route_match(r->pattern, req->path, req, scratch, scratch_len))
			continue;
		if (strcmp(r->method, req->method) == 0) {
			found = r;
			break;
		}
		if (strstr(allowed.ptr, r->method) == NULL &&
		    buf_printf(&allowed, "%s%s", allowed.len ? ", " : "", r->method) != 0)
			break;
	}
	if (found == NULL) {
		if (allowed.len) {
			str_copy(allow, allowed.ptr, sizeof(allow));
			buf_free(&allowed);
			http_reply_header(req, "Allow", allow);
			api_error_set(&err, 405, "method_not_allowed", NULL, "%s is not allowed on %s; use %s",
				      req->method, req->path, allow);
			*result = (enum MHD_Result)http_reply_error(req, &err);
			return NULL;
		}
		buf_free(&allowed);
		api_error_set(&err, 404, "not_found", NULL, "no route %s %s", req->method, req->path);
		*result = (enum MHD_Result)http_reply_error(req, &err);
		return NULL;
	}
	buf_free(&allowed);
	return found;
}

/* Authorizes the request, checks its body and runs the route's handler. */
static enum MHD_Result route_run(struct http_server *srv, struct http_request *req,
				 struct request_state *rs, const struct http_route *found)
{
	struct api_error err;

	/* Who may: before anything about the body, so an anonymous caller learns nothing
	 * about what a route takes. */
	if (srv->cfg.authorize) {
		int result = MHD_NO;

		if (srv->cfg.authorize(req, found, &result) != 0)
			return (enum MHD_Result)result;
	}
	if (found->takes_json) {
		if (rs->too_large) {
			api_error_set(&err, 413, "too_large", NULL, "the body is over %d bytes", BODY_MAX);
			return (enum MHD_Result)http_reply_error(req, &err);
		}
		if (!is_json_content_type(http_header(req, "Content-Type"))) {
			api_error_set(&err, 415, "unsupported_media_type", NULL,
				      "writes must be sent as Content-Type: application/json");
			return (enum MHD_Result)http_reply_error(req, &err);
		}
	}
	req->body = rs->body.len || rs->body.cap ? rs->body.ptr : NULL;
	req->body_len = rs->body.len;
	return (enum MHD_Result)found->handler(req);
}

/* ---- the handler pool ---- */

static void *pool_main(void *arg)
{
	struct handler_pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct offload *job;

		while (pool->head == NULL && !pool->stop)
			pthread_cond_wait(&pool->work, &pool->lock);
		job = pool->head;
		if (job == NULL)
			break;
		pool->head = job->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->lock);

		job->result = route_run(job->srv, &job->req, job->rs, job->route);
		/* The event thread takes it from here (access_handler, job->reply). */
		MHD_resume_connection(job->req.conn);

		pthread_mutex_lock(&pool->lock);
		if (--pool->busy == 0)
			pthread_cond_broadcast(&pool->idle);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Hands the request to the pool and suspends its connection; -1 when it must run in place
 * (no pool, shutting down, no memory). */
static int pool_offload(struct http_server *srv, const struct http_request *req,
			struct request_state *rs, const struct http_route *route,
			const char *scratch)
{
	struct handler_pool *pool = &srv->pool;
	struct offload *job;

	if (pool->nthreads == 0)
		return -1;
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return -1;
	job->srv = srv;
	job->rs = rs;
	job->route = route;
	job->req = *req;
	memcpy(job->scratch, scratch, sizeof(job->scratch));
	for (size_t i = 0; i < req->ncaptures; i++)
		job->req.captures[i] = job->scratch + (req->captures[i] - scratch);
	pthread_mutex_lock(&pool->lock);
	if (pool->draining) {
		pthread_mutex_unlock(&pool->lock);
		free(job);
		return -1;
	}
	rs->job = job;
	/* Suspended before any pool thread can see the job, so its resume never comes first. */
	MHD_suspend_connection(req->conn);
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pool->busy++;
	pthread_cond_signal(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

/* Back on the event thread after the pool ran the handler: queues the reply it made. */
static enum MHD_Result pool_reply(struct MHD_Connection *conn, struct offload *job)
{
	enum MHD_Result ret;

	if (job->reply == NULL)
		return MHD_NO; /* the handler gave up on the connection */
	ret = MHD_queue_response(conn, job->status, job->reply);
	MHD_destroy_response(job->reply);
	job->reply = NULL;
	return ret == MHD_YES ? job->result : MHD_NO;
}

static int pool_start(struct handler_pool *pool, int nthreads)
{
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->idle, NULL);
	pool->threads = calloc((size_t)nthreads, sizeof(*pool->threads));
	if (pool->threads == NULL)
		return -1;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&pool->threads[i], NULL, pool_main, pool) != 0)
			return -1;
		pool->nthreads++;
	}
	return 0;
}

/* Waits for the jobs in flight (their connections resume); later requests run in place. */
static void pool_drain(struct handler_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->draining = true;
	while (pool->busy > 0)
		pthread_cond_wait(&pool->idle, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

static void pool_stop(struct handler_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	free(pool->threads);
	pthread_cond_destroy(&pool->idle);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
}

static enum MHD_Result dispatch(struct http_server *srv, struct http_request *req,
				struct request_state *rs)
{
	char scratch[HTTP_CAPTURE_SCRATCH];
	enum MHD_Result result = MHD_NO;
	const struct http_route *found = route_find(srv, req, scratch, sizeof(scratch), &result);

	if (found == NULL)
		return result;
	if (found->run == HTTP_RUN_POOL && pool_offload(srv, req, rs, found, scratch) == 0)
		return MHD_YES;
	return route_run(srv, req, rs, found);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct http_server *srv = cls;
	struct request_state *rs = *con_cls;
	struct http_request req = {.app = srv->cfg.app, .conn = conn, .method = method, .path = url,
				   .state = rs};
	const char *actor;

	(void)version;
	if (rs == NULL) {
		const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								  MHD_HTTP_HEADER_CONTENT_LENGTH);

		rs = calloc(1, sizeof(*rs));
		if (rs == NULL)
			return MHD_NO;
		buf_init(&rs->body, BODY_MAX);
		/* An announced length over the cap is refused without keeping a byte. */
		if (length) {
			const char *cursor = length;
			uint64_t announced;

			if (parse_u64(&cursor, &announced, UINT64_MAX) != 0 || announced > BODY_MAX)
				rs->too_large = true;
		}
		*con_cls = rs;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rs->too_large && buf_append(&rs->body, upload_data, *upload_data_size) != 0)
			rs->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rs->job)
		return pool_reply(conn, rs->job); /* resumed: the pool ran the handler */
	req.state = rs;
	actor = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-MajorOps-Actor");
	if (actor && (!utf8_valid(actor) || str_blank(actor) || utf8_length(actor) > HTTP_ACTOR_MAX)) {
		struct api_error err;

		api_error_set(&err, 400, "invalid_field", "X-MajorOps-Actor",
			      "X-MajorOps-Actor must be a name of 1 to %d characters in UTF-8",
			      HTTP_ACTOR_MAX);
		return (enum MHD_Result)http_reply_error(&req, &err);
	}
	req.actor = actor ? actor : "local";
	req.role = srv->cfg.authorize ? ACCESS_PUBLIC : ACCESS_ADMIN;
	return dispatch(srv, &req, rs);
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes paths and query values in place, except that "%00" stays as written:
 * a decoded NUL would silently cut the string short ("/api/v1/incidents%00" must not
 * become "/api/v1/incidents"). */
static size_t unescape_no_nul(void *cls, struct MHD_Connection *conn, char *s)
{
	char *out = s;

	(void)cls;
	(void)conn;
	for (const char *in = s; *in; in++) {
		int hi = *in == '%' ? hex_value(in[1]) : -1;
		int lo = hi >= 0 ? hex_value(in[2]) : -1;

		if (lo >= 0 && (hi || lo)) {
			*out++ = (char)(hi * 16 + lo);
			in += 2;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

/*
 * libmicrohttpd 0.9.75 stores every query argument in the connection's memory pool and,
 * when the pool runs out while parsing them, stalls the connection without answering.
 * The URI log callback sees the raw URI before that parse, so a URI with more arguments
 * than any route takes is answered here, directly on the socket, and the socket shut:
 * the library then tidies the connection up as closed by the peer.
 */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	static const char body[] =
		"{\"error\":{\"code\":\"too_large\",\"message\":\"the query has more than 64 parameters\"}}";
	char reply[512];
	int len;
	const char *query = strchr(uri, '?');
	const union MHD_ConnectionInfo *info;
	size_t nparams = 0;

	/* Under TLS the socket carries records, not text: leave such a URI to the library. */
	if (query == NULL || ((const struct http_server *)cls)->cfg.tls_cert_pem != NULL)
		return NULL;
	for (const char *p = query; *p; p++)
		nparams += *p == '&';
	if (nparams < HTTP_QUERY_PARAMS_MAX)
		return NULL;
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	len = snprintf(reply, sizeof(reply),
		       "HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json\r\n"
		       "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
		       sizeof(body) - 1, body);
	if (info && len > 0) {
		ssize_t sent = send(info->connect_fd, reply, (size_t)len, MSG_NOSIGNAL);

		(void)sent; /* best effort: the connection is closed either way */
		shutdown(info->connect_fd, SHUT_RDWR);
	}
	return NULL;
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct request_state *rs = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rs) {
		if (rs->job) {
			if (rs->job->reply)
				MHD_destroy_response(rs->job->reply);
			free(rs->job);
		}
		buf_free(&rs->body);
		free(rs);
		*con_cls = NULL;
	}
}

struct http_server *http_server_start(const struct http_server_config *cfg, char *err,
				      size_t errlen)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_in addr;
	/* TLS is one more daemon flag and two options, passed as an option array that is
	 * empty for plain HTTP. */
	struct MHD_OptionItem tls_opts[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cfg->tls_cert_pem},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)cfg->tls_key_pem},
		{MHD_OPTION_END, 0, NULL},
	};
	bool tls = cfg->tls_cert_pem != NULL && cfg->tls_key_pem != NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int events = cpus < 1 ? 2 : 2 * cpus > HTTP_EVENT_THREADS_MAX ? HTTP_EVENT_THREADS_MAX
									       : 2 * (unsigned int)cpus;

	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->cfg = *cfg;
	for (size_t i = 0; i < cfg->nroutes; i++) {
		if (cfg->routes[i].role == ACCESS_UNDECLARED) {
			snprintf(err, errlen, "route %s %s declares no role", cfg->routes[i].method,
				 cfg->routes[i].pattern);
			goto fail;
		}
	}
	if (exact_build(srv) != 0 ||
	    pool_start(&srv->pool, cfg->threads > 0 ? cfg->threads : HTTP_THREADS_DEFAULT) != 0) {
		snprintf(err, errlen, "out of memory or threads");
		goto fail;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(cfg->port);
	if (inet_pton(AF_INET, cfg->listen_addr, &addr.sin_addr) != 1) {
		snprintf(err, errlen, "cannot listen on '%s': not an IPv4 address", cfg->listen_addr);
		goto fail;
	}
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			MHD_USE_TURBO | (tls ? MHD_USE_TLS : 0),
		cfg->port, NULL, NULL, access_handler, srv, MHD_OPTION_SOCK_ADDR, &addr,
		MHD_OPTION_THREAD_POOL_SIZE, events,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)4096,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_no_nul, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, uri_seen, srv,
		MHD_OPTION_ARRAY, tls ? tls_opts : &tls_opts[2], MHD_OPTION_END);
	if (srv->daemon == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s", cfg->listen_addr, cfg->port,
			 tls ? "address in use or not permitted, or the TLS certificate or key "
			       "is not valid PEM"
			     : "address in use or not permitted");
		goto fail;
	}
	return srv;
fail:
	if (srv->pool.threads)
		pool_stop(&srv->pool);
	free(srv->exact);
	free(srv);
	return NULL;
}

void http_server_stop(struct http_server *srv)
{
	if (srv == NULL)
		return;
	/* No connection may stay suspended on the pool when the daemon stops. */
	pool_drain(&srv->pool);
	MHD_stop_daemon(srv->daemon);
	pool_stop(&srv->pool);
	free(srv->exact);
	free(srv);
}
