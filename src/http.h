/*
 * http — the HTTP server: libmicrohttpd in its epoll thread-pool mode, one handler shape.
 *
 * Every request goes route → method → content type → body cap → handler, and every reply
 * leaves through http_reply_*(), which sets the security headers.  Routes are a table of
 * {method, pattern, handler}; a pattern's `{name}` segment captures one path segment.
 * A path that matches no pattern is 404; a path matched only under other methods is 405
 * with `Allow`.  Handlers return the MHD result of queuing their reply.
 */
#ifndef MAJOROPS_HTTP_H
#define MAJOROPS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h"

struct app;
struct MHD_Connection;
struct MHD_Response;
struct request_state;

#define HTTP_MAX_CAPTURES 4
/*
 * Threads.  A few event threads (two per CPU, at most HTTP_EVENT_THREADS_MAX)
 * read requests and write replies for every connection, and answer in place the routes
 * that only copy memory (the public page's documents, the assets, the streams): a crowd on
 * the status page costs no thread hand-offs.  Every other route runs on the handler pool
 * (`--threads`), because it waits — on a durable write (store_write), on PostgreSQL, on
 * Argon2id — and a waiting event thread would stall all of its connections.  32 handlers
 * let 50 concurrent writers each wait on their own and join one group commit.
 */
#define HTTP_THREADS_DEFAULT 32
#define HTTP_EVENT_THREADS_MAX 8
#define HTTP_CONNECTIONS_MAX 20000
#define HTTP_IDLE_TIMEOUT_S 120
#define HTTP_QUERY_PARAMS_MAX 64 /* more → 414 (each costs pool memory, see below) */
#define HTTP_ACTOR_MAX 200 /* characters in X-MajorOps-Actor */
/* Per-connection pool for the request line, headers, query arguments and reply buffers;
 * libmicrohttpd answers 431 when the headers do not fit.  Every idle live stream holds one
 * for its whole life, so it is small: 8 KiB keeps a parked stream under 16 KiB in all
 * (docs/benchmarks.md) and still takes the few hundred bytes of headers browsers,
 * proxies and scripts send. */
#define HTTP_CONNECTION_MEMORY (8 * 1024)

struct http_request {
	struct app *app;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *captures[HTTP_MAX_CAPTURES];
	size_t ncaptures;
	const char *body; /* NUL-terminated copy of the body, or NULL */
	size_t body_len;
	const char *actor;
	struct request_state *state; /* the server's, opaque to handlers */
	/* Who is asking (auth.h fills these before the handler runs): the role the request
	 * acts with (ACCESS_PUBLIC when anonymous), the account name (NULL when anonymous or
	 * with --insecure-no-auth), how it authenticated, and the session's id hash when by
	 * cookie. */
	int role;            /* enum access_role */
	const char *user;
	const char *auth_via; /* "session", "token", "proxy", "none" (insecure), NULL anonymous */
	char user_buf[256];
	char actor_buf[404];
	char session_hash[65];
	int64_t token_id; /* the API token's id when by token, else 0 */
};

typedef int (*http_handler)(struct http_request *req);

/*
 * The least role a route needs (API.md "Auth").  Roles are ordered: each may do what the
 * ones before it may.  ACCESS_UNDECLARED is the zero value on purpose: a route added
 * without a role is refused at start-up (http_server_start) and by the authorization
 * matrix test, never silently open.
 */
enum access_role {
	ACCESS_UNDECLARED = 0,
	ACCESS_PUBLIC,    /* anyone, no sign-in (public page, health, signals with their own token) */
	ACCESS_VIEWER,    /* reads everything internal */
	ACCESS_RESPONDER, /* declares, posts timeline entries, CANs, tracks, hypotheses */
	ACCESS_MIM,       /* every incident command */
	ACCESS_ADMIN,     /* users, tokens, run cards, rotations, integrations, channels */
};

/* Where a route's handler runs (see HTTP_THREADS_DEFAULT). */
enum http_run {
	HTTP_RUN_POOL = 0,  /* on the handler pool: the default */
	HTTP_RUN_IN_PLACE,  /* on the event thread: never waits on a lock, a disk or a peer
			     * for long; the only routes that may use http_reply_shared() and
			     * streams (sse.h) */
};

struct http_route {
	const char *method;  /* "GET", "POST", … */
	const char *pattern; /* "/api/v1/incidents/{id}" */
	http_handler handler;
	bool takes_json;     /* writes: body must be application/json */
	enum access_role role; /* the least role it needs; never ACCESS_UNDECLARED */
	enum http_run run;
};

/* "public", "viewer", … ; "undeclared" for ACCESS_UNDECLARED. */
const char *access_role_name(enum access_role role);

/* Runs after a route matched and before its handler: 0 lets the handler run; 1 means it
 * replied itself (401, 403, …) with the MHD result in *result.  NULL: everyone may. */
typedef int (*http_authorize_fn)(struct http_request *req, const struct http_route *route,
				 int *result);

struct http_server_config {
	const char *listen_addr; /* "127.0.0.1", "0.0.0.0", "::" … */
	unsigned short port;
	int threads; /* the handler pool; 0 = HTTP_THREADS_DEFAULT */
	const struct http_route *routes;
	size_t nroutes;
	struct app *app;
	http_authorize_fn authorize;
	/* TLS: the PEM texts of the certificate (chain) and key, or NULL for plain HTTP. */
	const char *tls_cert_pem;
	const char *tls_key_pem;
};

struct http_server;

/* Starts listening; NULL with `err` filled on failure. */
struct http_server *http_server_start(const struct http_server_config *cfg, char *err,
				      size_t errlen);
void http_server_stop(struct http_server *srv);

/* Replies.  The JSON reply takes ownership of `body` (it may be NULL only for 204). */
int http_reply_json(struct http_request *req, int status, json_t *body);
int http_reply_error(struct http_request *req, const struct api_error *err);
/* A reply whose JSON is already text; takes ownership of `text` (freed with free(3)). */
int http_reply_json_text(struct http_request *req, int status, char *text);
/* Adds a header to the next reply of this request (at most a few; copied). */
void http_reply_header(struct http_request *req, const char *name, const char *value);
int http_reply_response(struct http_request *req, int status, struct MHD_Response *resp);
/* For a response built once and queued for many requests (the public page cache): adds the
 * security headers every reply carries, once, when it is built.  http_reply_shared()
 * queues it as is (no extra headers) and leaves the caller's reference alone. */
void http_response_secure(struct MHD_Response *resp);
int http_reply_shared(struct http_request *req, int status, struct MHD_Response *resp);

/* The request's JSON body, validated against `specs` (json.h) into `values`; on failure
 * queues the error naming the field, stores the handler's result in `*reply_rc` and returns
 * NULL.  The returned object backs the values' strings: json_decref() it after use. */
json_t *http_json_body(struct http_request *req, const struct field_spec *specs, size_t nspecs,
		       struct field_value *values, int *reply_rc);
/* A handler's answer after calling a service: `err` when rc != 0, else `out` (owned) as JSON
 * with `status`. */
int http_reply_result(struct http_request *req, int rc, int status, json_t *out,
		      const struct api_error *err);
/* An error reply with a fixed message (`field` may be NULL). */
int http_reply_fail(struct http_request *req, int status, const char *code, const char *field,
		    const char *message);
/* The positive integer id in capture `index` into `id`; otherwise queues 404 "no such
 * <what>", stores the handler's result in `*reply_rc` and returns -1. */
int http_capture_id(struct http_request *req, size_t index, const char *what, int64_t *id,
		    int *reply_rc);

/* The version an If-Match header names ("3", W/"3" or 3) into `out`, -1 when there is none
 * or it is "*"; otherwise queues 400 naming the header (`what` says what it must be, "the
 * incident's ETag"), stores the handler's result in `*reply_rc` and returns -1. */
int http_if_match(struct http_request *req, const char *what, int64_t *out, int *reply_rc);

/* True when the request's If-None-Match (a list, "*", weak tags compared weakly, RFC 9110
 * §13.1.2) names `etag`, a quoted strong tag: the reply is then a 304. */
bool http_if_none_match(struct http_request *req, const char *etag);

/* An optional integer query parameter in [min, max] into `out` (`dflt` when absent or
 * empty); otherwise queues 400 naming the parameter, stores the handler's result in
 * `*reply_rc` and returns -1. */
int http_query_int(struct http_request *req, const char *name, int64_t dflt, int64_t min,
		   int64_t max, int64_t *out, int *reply_rc);

/* An optional query parameter that must be one of `names` (NULL-terminated): the matching
 * entry into `out` (NULL when absent or empty); otherwise queues 400 naming the parameter
 * and its values, stores the handler's result in `*reply_rc` and returns -1. */
int http_query_enum(struct http_request *req, const char *name, const char *const *names,
		    const char **out, int *reply_rc);

/* Query and header lookups; NULL when absent. */
const char *http_query(struct http_request *req, const char *name);
const char *http_header(struct http_request *req, const char *name);
/* A cookie's value; NULL when absent. */
const char *http_cookie(struct http_request *req, const char *name);
/* The peer's address (struct sockaddr *), NULL when unknown; and as text into `out`. */
const void *http_peer(struct http_request *req);
void http_peer_text(struct http_request *req, char *out, size_t outlen);
/* Whether the connection is TLS. */
bool http_is_tls(struct http_request *req);

#endif
