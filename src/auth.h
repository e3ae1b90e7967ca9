/*
 * auth — accounts, sessions, API tokens, the audit log, and the check every request passes
 * (API.md "Auth"; docs/auth.md).
 *
 * Who a request is comes from, in this order: `Authorization: Bearer <api token>`, the
 * session cookie `majorops_session`, or — only when the peer address is in the
 * --trusted-proxy list — the --trusted-header an SSO proxy sets.  Nothing matching is
 * anonymous.  auth_authorize() (the HTTP server's hook, run after a route matched and
 * before its handler) then answers 401 / 303 to /login / 403, or lets the handler run with
 * req->role, req->user and req->actor set.
 *
 * Secrets are never stored: a session id (256 random bits, base64url in the cookie) and an
 * API token ("mo_" + 256 random bits) are kept as their BLAKE2b-256 hash; passwords as
 * libsodium's Argon2id string.  A session's CSRF token is a keyed hash of its id hash with a
 * key derived from the server secret, so it needs no storage and every replica agrees.
 * Every check reads the account too: a disabled account's sessions and tokens stop at once.
 *
 * Everything lives in the store, so every replica on one PostgreSQL agrees: the tables
 * users, sessions, api_tokens, audit_log (store.h "issue 7") and login_throttle, the
 * failed sign-ins per account and per address under a hash keyed by the server secret.
 *
 * --insecure-no-auth (MAJOROPS_INSECURE_NO_AUTH=1) turns all of it off: every request acts
 * with the admin role, the actor named by X-MajorOps-Actor.
 */
#ifndef MAJOROPS_AUTH_H
#define MAJOROPS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct app;
struct store;

#define AUTH_NAME_MAX 254          /* bytes of a user name (an e-mail address fits) */
#define AUTH_DISPLAY_MAX 100       /* characters of a display name */
#define AUTH_PASSWORD_MIN 10       /* characters of a password, at least */
#define AUTH_PASSWORD_MAX 256      /* characters of a password, at most */
#define AUTH_TOKEN_NAME_MAX 100    /* characters of an API token's label */
#define AUTH_PROXIES_MAX 16        /* CIDR ranges in --trusted-proxy */
#define AUTH_SESSION_IDLE_MS (12LL * 3600 * 1000)       /* default idle expiry: 12 hours */
#define AUTH_SESSION_ABSOLUTE_MS (7LL * 24 * 3600 * 1000) /* default absolute expiry: 7 days */
#define AUTH_TOUCH_MS (60 * 1000)  /* last-seen / last-used written at most this often */
#define AUTH_COOKIE "majorops_session"
#define AUTH_ID_TEXT 44            /* base64url of 32 bytes (43) + NUL */
#define AUTH_HASH_TEXT 65          /* hex of a 32-byte hash + NUL */
#define AUTH_TOKEN_TEXT 47         /* "mo_" + 43 + NUL */

/* Login throttling: after `limit` failures the next try waits base·2^(failures-limit),
 * at most max; failures older than the window are forgotten. */
#define AUTH_THROTTLE_ACCOUNT_LIMIT 5
#define AUTH_THROTTLE_ADDRESS_LIMIT 20
#define AUTH_THROTTLE_BASE_MS 1000
#define AUTH_THROTTLE_MAX_MS (15 * 60 * 1000)
#define AUTH_THROTTLE_WINDOW_MS (15 * 60 * 1000)

/* One CIDR range, IPv4 or IPv6 (IPv4 kept as IPv4-mapped IPv6). */
struct auth_cidr {
	unsigned char addr[16];
	int prefix; /* 0..128 */
};

struct auth_options {
	bool insecure;               /* --insecure-no-auth */
	bool tls;                    /* served over TLS: cookies get Secure */
	const char *public_url;      /* --public-url: its origin is accepted in Origin */
	const char *trusted_header;  /* --trusted-header NAME, or NULL */
	const char *trusted_proxies; /* --trusted-proxy "CIDR,CIDR", or NULL */
	const char *proxy_default_role; /* --proxy-default-role, default "viewer" */
	int64_t idle_ms, absolute_ms;   /* 0: the defaults above */
};

/* Parses the options into app->auth (allocated; auth_free() releases it).  0, or -1 with
 * `err` filled (a bad CIDR, an unknown role). */
int auth_init(struct app *app, const struct auth_options *opt, char *err, size_t errlen);

/* The live streams' owner check (sse.h sse_owner_check; `ctx` is the struct app): 1 while
 * the credential a stream was opened with may still read — its session exists and is
 * within its absolute lifetime (an open stream is not idle), or its token is neither
 * revoked nor expired, and its account is enabled; 0 when not; -1 when the store cannot
 * tell. */
struct sse_owner;
int auth_stream_check(void *ctx, const struct sse_owner *owner);
void auth_free(struct app *app);

/* Whether sign-in is off (--insecure-no-auth). */
bool auth_insecure(const struct app *app);

/* The HTTP server's authorization hook (http_server_config.authorize): fills req->role,
 * req->user, req->actor from the credentials and returns 0 to run the handler, or replies
 * (401, 303 to /login, 403, 400 for a bad actor header) and returns 1 with the MHD result
 * in *result. */
int auth_authorize(struct http_request *req, const struct http_route *route, int *result);

/* Whether this request may write with its cookie: X-CSRF-Token matches the session's and
 * Origin (when sent) is this host or --public-url.  Requests not authenticated by cookie
 * always pass.  Used by auth_authorize for every non-GET route. */
bool auth_csrf_ok(struct http_request *req);

/* ---- for the single sign-on module (oidc.c) ---- */

/* Ensures the account `username` exists: created with source "sso", no password, display
 * name `display` (NULL: the name) and `role`; when `set_role` and the account exists with
 * another role, its role becomes `role` (audited "user.role").  -1 with `err` filled for a
 * disabled account or a store failure; 0 otherwise. */
int auth_sso_user(struct app *app, const char *username, const char *display,
		  enum access_role role, bool set_role, char *err, size_t errlen);

/* Starts a session for `username` (a fresh id, so a planted cookie is worthless), sets the
 * cookie, audits "sign-in" and replies 303 to `next` when it is a local path ("/…", not
 * "//…"), else to /admin.  Returns the MHD result, like a handler. */
int auth_session_start(struct http_request *req, const char *username, const char *next);

/* Single sign-on is configured (the /login page shows its button).  The OIDC module calls
 * auth_set_sso_configured(app, true) once at start-up when an issuer is set. */
void auth_set_sso_configured(struct app *app, bool on);
bool auth_sso_configured(const struct app *app);

/* ---- accounts (the API handlers and the CLI verbs) ---- */

/* "viewer", "responder", "mim", "admin" → role; -1 for anything else (public included). */
int auth_role_parse(const char *name, enum access_role *out);

/* Password rules: AUTH_PASSWORD_MIN..MAX characters of valid UTF-8, not the user name, not
 * one of the most common passwords.  0, or -1 with a message for the user in `why`. */
int auth_password_check(const char *username, const char *password, char *why, size_t whylen);

/* A user name: 1..AUTH_NAME_MAX bytes of [A-Za-z0-9._@+-], starting with a letter or digit. */
bool auth_name_valid(const char *name);

/* Argon2id string of `password` (libsodium crypto_pwhash_str).  0 or -1 (out of memory). */
int auth_password_hash(const char *password, char *out, size_t outlen);

/* Who did it and from where, for the audit log. */
struct auth_actor {
	const char *name;    /* the acting account, "cli" for the command line */
	const char *address; /* the peer address, "" for the command line */
};

/* The account operations; each audits what it changes.  0, or -1 with `err` filled
 * (400 invalid_field naming the field, 404 not_found, 409 conflict, 503). */
int auth_user_add(struct store *s, const struct auth_actor *by, int64_t now, const char *name,
		  const char *display, enum access_role role, const char *password,
		  const char *source, struct api_error *err);
int auth_user_set_role(struct store *s, const struct auth_actor *by, int64_t now,
		       const char *name, enum access_role role, struct api_error *err);
int auth_user_set_disabled(struct store *s, const struct auth_actor *by, int64_t now,
			   const char *name, bool disabled, struct api_error *err);
int auth_user_set_password(struct store *s, const struct auth_actor *by, int64_t now,
			   const char *name, const char *password, struct api_error *err);
int auth_user_set_display(struct store *s, const struct auth_actor *by, int64_t now,
			  const char *name, const char *display, struct api_error *err);
/* {"users":[{name, display, role, disabled, source, createdAt}]}; one user with `name`. */
int auth_user_list(struct store *s, json_t **out, struct api_error *err);
int auth_user_get(struct store *s, const char *name, json_t **out, struct api_error *err);
/* Number of accounts, -1 when the store cannot say. */
int64_t auth_user_count(struct store *s);

/* Creates an API token for `user` with `role` (≤ the account's; ACCESS_UNDECLARED: the
 * account's), `expires` ms (0: never) and a label.  *out: the token object with its
 * "token" (shown this once); `token_text` (AUTH_TOKEN_TEXT bytes) receives the token. */
int auth_token_create(struct store *s, const struct auth_actor *by, int64_t now,
		      const char *user, enum access_role role, int64_t expires, const char *label,
		      json_t **out, char *token_text, struct api_error *err);
/* {"tokens":[…]} of `user`, or of everyone when NULL. */
int auth_token_list(struct store *s, const char *user, json_t **out, struct api_error *err);
/* Revokes a token; `owner` non-NULL: only that account's. */
int auth_token_revoke(struct store *s, const struct auth_actor *by, int64_t now, int64_t id,
		      const char *owner, struct api_error *err);

/* Appends to the audit log (its own write); `detail` is a JSON object or NULL. */
int auth_audit(struct store *s, int64_t now, const char *actor, const char *action,
	       const char *subject, const char *address, json_t *detail);
/* {"entries":[{id, at, actor, action, subject, address, detail}]}, newest first. */
int auth_audit_list(struct store *s, int64_t before, int limit, json_t **out,
		    struct api_error *err);

/* The first start with sign-in on and no account: creates "admin" with a random password
 * written to `password` (at least 32 bytes); 1 when created, 0 when accounts exist, -1 on
 * failure. */
int auth_first_admin(struct store *s, int64_t now, char *password, size_t passlen);

/* ---- the sign-in handlers' helpers (auth_api.c) ---- */

/* Fills the request's identity from its credentials (public routes are not identified by
 * auth_authorize).  1 identified, 0 anonymous (*bad: credentials were sent and are not
 * valid), -1 the store failed. */
int auth_identify(struct http_request *req, bool *bad);
/* Checks a user name and password: 0 when right; otherwise -1 with `err` 401
 * unauthenticated (one message for an unknown name and a wrong password, similar time) or
 * 429 rate_limited with *retry_after_s.  Throttles and audits failures. */
int auth_login_check(struct http_request *req, const char *username, const char *password,
		     int64_t *retry_after_s, struct api_error *err);
/* Starts a session for `username` (fresh id; an old cookie's session ends), sets the cookie
 * and req->session_hash, audits "sign-in" with `how`.  0 or -1 with `err`. */
int auth_session_create(struct http_request *req, const char *username, const char *how,
			struct api_error *err);
/* Ends the request's session, or with `everywhere` every session of its account, and
 * clears the cookie.  0 or -1. */
int auth_session_end(struct http_request *req, bool everywhere);
/* The request's session's CSRF token into `out` (AUTH_ID_TEXT bytes); "" without one. */
void auth_csrf_token(struct http_request *req, char *out, size_t outlen);
/* Whether Origin, when sent, is this server (Host) or --public-url's origin. */
bool auth_origin_ok(struct http_request *req);

/* ---- pure helpers, exposed for the unit tests ---- */

/* Parses "10.0.0.0/8" or "::1" (a bare address is /32 or /128).  0 or -1. */
int auth_cidr_parse(const char *text, struct auth_cidr *out);
/* Whether the address `sa` (struct sockaddr *) falls in `c`. */
bool auth_cidr_match(const struct auth_cidr *c, const void *sa);
/* The same for an address in text form. */
bool auth_cidr_match_text(const struct auth_cidr *c, const char *addr);

/* BLAKE2b-256 of `secret` as lowercase hex (AUTH_HASH_TEXT bytes). */
void auth_hash_hex(const char *secret, char out[AUTH_HASH_TEXT]);
/* 32 random bytes as base64url without padding (AUTH_ID_TEXT bytes). */
void auth_random_id(char out[AUTH_ID_TEXT]);

/* Throttle arithmetic: given `failures` within the window and the time of the last one,
 * the ms the next try must still wait at `now` (0: go ahead). */
int64_t auth_throttle_wait(int failures, int limit, int64_t last_failure, int64_t now);

/* Whether `next` is a local path safe to redirect to ("/x", not "//x" or "/\x"). */
bool auth_local_path(const char *next);

#endif
