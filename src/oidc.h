/*
 * oidc — single sign-on with OpenID Connect (API.md "Auth"; docs/auth-oidc.md): the
 * authorization-code flow with PKCE (S256) against any standard provider, configured by its
 * issuer URL, a client id and a client secret.
 *
 *   GET /auth/oidc/login?next=/path   302 to the provider's authorization endpoint, with a
 *                                     short-lived cookie carrying this sign-in's state
 *   GET /auth/oidc/callback?code&state the provider's answer: the code is exchanged at the
 *                                     token endpoint (client_secret_basic + code_verifier),
 *                                     the ID token verified (jwt.h), the account ensured and
 *                                     a session started (auth.h), on to `next`
 *
 * The sign-in's state lives in the browser, not in a table: the cookie OIDC_COOKIE holds
 * {state, nonce, PKCE verifier, next, expiry} authenticated with crypto_auth under
 * secret_derive(app->secret, "oidc-state"), so any replica sharing the database can finish a
 * sign-in another one started.  It is HttpOnly and SameSite=Lax (the provider's redirect back
 * is a cross-site top-level GET, which Strict would strip), Path=/auth/oidc, Secure when
 * --public-url is https, lives OIDC_FLOW_TTL_S and is cleared by the callback.
 *
 * Provider metadata: discovery (<issuer>/.well-known/openid-configuration, whose `issuer`
 * must equal the configured one) is read at start-up; when that fails the server starts
 * anyway, says why, and tries again at the next sign-in.  The JWK set is fetched when first
 * needed, kept, fetched again when older than OIDC_JWKS_MAX_AGE_MS, and fetched again once
 * when a token names a key it does not hold (the provider rotated its keys).  Readers hold a
 * reference to the key set they verify with, so a refresh never frees it under them.
 *
 * Accounts: the user name is the token's `preferred_username`, else `email`, else `sub`;
 * the display name `name`.  A name that belongs to an account not made by single sign-on
 * (a local one with a password) is refused: the provider cannot sign in as it.  The role
 * comes from the groups claim (--oidc-groups-claim, a string or an array of strings; a
 * dotted path such as realm_access.roles reaches into objects) through --oidc-role-map
 * "group=role,…", the highest mapped role winning and applied at every sign-in; with no
 * mapped group the account keeps its role, or gets --oidc-default-role when it is created.
 *
 * Failures answer an HTML page saying what went wrong (400: a missing, altered or expired
 * sign-in cookie, a state mismatch, a code the provider refused; 401: the provider's own
 * error, a refused ID token; 403: a disabled or non-SSO account; 502: the provider cannot be
 * reached or refuses this client), are logged, and audited ("sign-in.failed") unless anyone
 * could cause them without starting a sign-in.
 *
 * Threads: handlers run on many HTTP threads at once; the provider's metadata and key set
 * are guarded by one mutex, never held across a network call.
 */
#ifndef MAJOROPS_OIDC_H
#define MAJOROPS_OIDC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct app;
struct oidc;

#define OIDC_COOKIE "majorops_oidc"
#define OIDC_FLOW_TTL_S 600            /* a sign-in must come back within 10 minutes */
#define OIDC_RANDOM_LEN 43             /* state, nonce, verifier: 32 random bytes, base64url */
#define OIDC_CHALLENGE_LEN 43          /* base64url of a SHA-256 */
#define OIDC_NEXT_MAX 255              /* bytes of the path to return to (auth.c keeps 255) */
#define OIDC_COOKIE_MAX 1400           /* the sealed cookie value, with room to spare */
#define OIDC_URL_MAX 2048              /* issuer, endpoints, public URL */
#define OIDC_ROLE_RULES_MAX 64         /* entries of --oidc-role-map */
#define OIDC_GROUP_MAX 256             /* bytes of one group name */
#define OIDC_GROUPS_SCAN_MAX 1000      /* groups read from one token */
#define OIDC_HTTP_TIMEOUT_MS 10000     /* one call to the provider, whole */
#define OIDC_CONNECT_TIMEOUT_MS 5000
#define OIDC_REPLY_MAX (256 * 1024)    /* bytes of one answer of the provider */
#define OIDC_JWKS_MAX_AGE_MS (60LL * 60 * 1000)
#define OIDC_DEFAULT_SCOPES "openid email profile"
#define OIDC_DEFAULT_GROUPS_CLAIM "groups"
#define OIDC_CALLBACK_PATH "/auth/oidc/callback"

/* The settings, as given (flags or MAJOROPS_OIDC_* variables); NULL or "" = not set. */
struct oidc_config {
	const char *issuer;
	const char *client_id;
	const char *client_secret;
	const char *groups_claim;  /* default OIDC_DEFAULT_GROUPS_CLAIM */
	const char *role_map;      /* "group=role,…" or NULL */
	const char *default_role;  /* default "viewer" */
	const char *scopes;        /* default OIDC_DEFAULT_SCOPES; must contain openid */
	const char *public_url;    /* --public-url: the redirect URI is it + OIDC_CALLBACK_PATH */
};

/* Checks and copies the settings (an https issuer, or http on a loopback host; id, secret and
 * public URL present; role names known).  Does not contact the provider.  NULL with `err`
 * filled on bad settings; oidc_free() (NULL is fine). */
struct oidc *oidc_new(const struct oidc_config *cfg, char *err, size_t errlen);
void oidc_free(struct oidc *o);

/* Reads the provider's discovery document now (start-up).  0, or -1 with `err` saying why;
 * a failure is not fatal, the next sign-in tries again. */
int oidc_discover(struct oidc *o, char *err, size_t errlen);

/* The redirect URI to register at the provider. */
const char *oidc_redirect_uri(const struct oidc *o);

/* Whether single sign-on is configured on this server (app->oidc set). */
bool oidc_configured(const struct app *app);

/* Handlers (GET, ACCESS_PUBLIC). */
int oidc_handle_login(struct http_request *req);
int oidc_handle_callback(struct http_request *req);

/* ---- pure parts, exposed for the unit tests ---- */

/* RFC 7636 S256: base64url(SHA-256(verifier)), 43 characters. */
void oidc_pkce_challenge(const char *verifier, char out[OIDC_CHALLENGE_LEN + 1]);

/* What one sign-in carries from /login to /callback. */
struct oidc_flow {
	char state[OIDC_RANDOM_LEN + 1];
	char nonce[OIDC_RANDOM_LEN + 1];
	char verifier[OIDC_RANDOM_LEN + 1];
	char next[OIDC_NEXT_MAX + 1];
	int64_t expires_s;
};

/* Fresh random state, nonce and verifier; `next` when it is a local path (else "/"),
 * expiring OIDC_FLOW_TTL_S after `now_s`. */
void oidc_flow_new(struct oidc_flow *f, const char *next, int64_t now_s);
/* The cookie value: base64url(fields) "." base64url(crypto_auth tag) into `out`
 * (OIDC_COOKIE_MAX bytes).  0, or -1 when it does not fit. */
int oidc_flow_seal(const struct oidc_flow *f, const unsigned char key[32], char *out,
		   size_t outlen);
/* Checks the tag (constant time), then the expiry against `now_s`, and fills `f`.
 * 0, or -1 with `err` saying why (tampered, expired, malformed). */
int oidc_flow_open(const char *cookie, const unsigned char key[32], int64_t now_s,
		   struct oidc_flow *f, char *err, size_t errlen);

/* One entry of --oidc-role-map. */
struct oidc_role_rule {
	char group[OIDC_GROUP_MAX];
	enum access_role role;
};

/* Parses "group=role,group=role" (spaces around items ignored; the role after the last
 * '=' of an item, so a group may contain '=' but not ','): 0 with `*n` rules, or -1 with
 * `err` naming the bad item.  NULL or "" is zero rules. */
int oidc_role_map_parse(const char *spec, struct oidc_role_rule *rules, size_t max, size_t *n,
			char *err, size_t errlen);

/* The highest role the groups in `claims[groups_claim]` map to; `*matched` false (and the
 * result ACCESS_UNDECLARED) when no group maps. */
enum access_role oidc_role_from_claims(const json_t *claims, const char *groups_claim,
				       const struct oidc_role_rule *rules, size_t n,
				       bool *matched);

/* The account name from verified claims: the first of preferred_username, email (unless
 * email_verified is false) and sub that is a valid account name (auth_name_valid), or NULL. */
const char *oidc_username_from_claims(const json_t *claims);

#endif
