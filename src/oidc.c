/*
 * oidc — single sign-on with OpenID Connect (oidc.h): the two routes, the provider's
 * metadata and keys fetched with libcurl, the sign-in state sealed in a cookie.
 */
#include "oidc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "json.h"
#include "jwt.h"
#include "parse.h"
#include "secret.h"
#include "service.h"

#define OIDC_ID_MAX 256     /* bytes of the client id */
#define OIDC_SECRET_MAX 512 /* bytes of the client secret */
#define OIDC_CLAIM_NAME_MAX 128
#define OIDC_SCOPES_MAX 512
#define OIDC_CODE_MAX 2048  /* bytes of the authorization code in the callback */
#define OIDC_ERR_MAX 400
#define FLOW_VERSION "1"
#ifndef MAJOROPS_VERSION
#define MAJOROPS_VERSION "0.0.0"
#endif
/* fail_page()'s `who` for failures that are logged but not audited */
static const char NOT_AUDITED[] = "";

/* A key set shared by the requests verifying with it; freed by whoever drops the last
 * reference (the cache's own counts as one). */
struct key_set {
	struct jwks *jwks;
	int refs;
	int64_t fetched_ms;
};

/* What discovery told us about the provider. */
struct provider {
	char authorization_endpoint[OIDC_URL_MAX];
	char token_endpoint[OIDC_URL_MAX];
	char jwks_uri[OIDC_URL_MAX];
	bool secret_post; /* the provider takes client_secret_post but not client_secret_basic */
};

struct oidc {
	/* set once by oidc_new, read-only afterwards */
	char issuer[OIDC_URL_MAX];
	char discovery_url[OIDC_URL_MAX];
	char client_id[OIDC_ID_MAX];
	char client_secret[OIDC_SECRET_MAX];
	char groups_claim[OIDC_CLAIM_NAME_MAX];
	char scopes[OIDC_SCOPES_MAX];
	char redirect_uri[OIDC_URL_MAX];
	enum access_role default_role;
	struct oidc_role_rule rules[OIDC_ROLE_RULES_MAX];
	size_t nrules;
	bool secure_cookie;

	pthread_mutex_t lock; /* guards what follows */
	bool discovered;
	struct provider provider;
	struct key_set *keys;
};

/* ---- small helpers ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

/* libcurl's global state is set up once, before any handle (its rule for threads); the
 * call is reference-counted, so llm.c doing the same is harmless. */
static void curl_setup(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Whether the authority of a URL (after "http://") names this machine: 127.0.0.0/8,
 * [::1] or localhost, with an optional port and no user part. */
static bool loopback_authority(const char *authority)
{
	char host[64];
	size_t len = strcspn(authority, "/?#");
	const char *colon;
	struct in_addr v4;

	if (len == 0 || len >= sizeof(host) || memchr(authority, '@', len) != NULL)
		return false;
	memcpy(host, authority, len);
	host[len] = '\0';
	if (strncmp(host, "[::1]", 5) == 0)
		return host[5] == '\0' || host[5] == ':';
	colon = strchr(host, ':');
	if (colon)
		host[colon - host] = '\0';
	if (strcmp(host, "localhost") == 0)
		return true;
	return inet_pton(AF_INET, host, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

/*
 * Whether `url` may be the issuer or one of its endpoints: https, or plain http to a
 * loopback host only (a development provider on the same machine).  Anything else over
 * plain http would let whoever sits on the path hand us its own keys.  No quotes, spaces
 * or control characters either: endpoints end up in a Location header.
 */
static bool provider_url_ok(const char *url)
{
	if (url == NULL || strlen(url) >= OIDC_URL_MAX || !printable_ascii(url) ||
	    strpbrk(url, "\"'<>\\`") != NULL)
		return false;
	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0' && url[8] != '/';
	return strncmp(url, "http://", 7) == 0 && loopback_authority(url + 7);
}

/* A path on this server that is safe to send the browser to and to write into a page:
 * "/x", not "//x" or "/\x", and none of the characters that would need escaping. */
static bool next_ok(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strlen(next) > OIDC_NEXT_MAX || !printable_ascii(next))
		return false;
	return strpbrk(next, "\"'<>\\`") == NULL;
}

/* ---- PKCE and the sealed sign-in state ---- */

void oidc_pkce_challenge(const char *verifier, char out[OIDC_CHALLENGE_LEN + 1])
{
	unsigned char hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(out, OIDC_CHALLENGE_LEN + 1, hash, sizeof(hash),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void random_text(char out[OIDC_RANDOM_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, OIDC_RANDOM_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void oidc_flow_new(struct oidc_flow *f, const char *next, int64_t now_s)
{
	memset(f, 0, sizeof(*f));
	random_text(f->state);
	random_text(f->nonce);
	random_text(f->verifier);
	str_copy(f->next, next_ok(next) ? next : "/", sizeof(f->next));
	f->expires_s = now_s + OIDC_FLOW_TTL_S;
}

int oidc_flow_seal(const struct oidc_flow *f, const unsigned char key[32], char *out,
		   size_t outlen)
{
	unsigned char tag[crypto_auth_BYTES];
	char fields[4 * OIDC_RANDOM_LEN + OIDC_NEXT_MAX + 64];
	size_t flen, b64len, need;
	int n;

	n = snprintf(fields, sizeof(fields), FLOW_VERSION "\n%lld\n%s\n%s\n%s\n%s",
		     (long long)f->expires_s, f->state, f->nonce, f->verifier, f->next);
	if (n < 0 || (size_t)n >= sizeof(fields))
		return -1;
	flen = (size_t)n;
	b64len = sodium_base64_ENCODED_LEN(flen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	need = b64len + 1 +
	       sodium_base64_ENCODED_LEN(sizeof(tag), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (need > outlen)
		return -1;
	sodium_bin2base64(out, b64len, (const unsigned char *)fields, flen,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	/* The tag covers the text as sent, so nothing unauthenticated is ever decoded. */
	crypto_auth(tag, (const unsigned char *)out, strlen(out), key);
	b64len = strlen(out);
	out[b64len] = '.';
	sodium_bin2base64(out + b64len + 1, outlen - b64len - 1, tag, sizeof(tag),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(fields, sizeof(fields));
	return 0;
}

/* Copies the next '\n'-terminated field (or the rest) of `*cursor` into `out`. */
static int take_field(const char **cursor, char *out, size_t outlen, bool last)
{
	const char *end = last ? *cursor + strlen(*cursor) : strchr(*cursor, '\n');
	size_t len;

	if (end == NULL)
		return -1;
	len = (size_t)(end - *cursor);
	if (len >= outlen)
		return -1;
	memcpy(out, *cursor, len);
	out[len] = '\0';
	*cursor = *end ? end + 1 : end;
	return 0;
}

int oidc_flow_open(const char *cookie, const unsigned char key[32], int64_t now_s,
		   struct oidc_flow *f, char *err, size_t errlen)
{
	unsigned char tag[crypto_auth_BYTES];
	char fields[4 * OIDC_RANDOM_LEN + OIDC_NEXT_MAX + 64], version[4], expires[24];
	const char *dot, *cursor, *p;
	size_t body_len, tag_len = 0, flen = 0;
	uint64_t exp;

	memset(f, 0, sizeof(*f));
	dot = cookie ? strchr(cookie, '.') : NULL;
	if (dot == NULL || strlen(cookie) >= OIDC_COOKIE_MAX) {
		snprintf(err, errlen, "the sign-in cookie is malformed");
		return -1;
	}
	body_len = (size_t)(dot - cookie);
	if (b64url_decode(dot + 1, strlen(dot + 1), tag, sizeof(tag), &tag_len) != 0 ||
	    tag_len != sizeof(tag) ||
	    crypto_auth_verify(tag, (const unsigned char *)cookie, body_len, key) != 0) {
		snprintf(err, errlen, "the sign-in cookie was not made by this server (or was altered)");
		return -1;
	}
	if (b64url_decode(cookie, body_len, (unsigned char *)fields, sizeof(fields) - 1, &flen) != 0) {
		snprintf(err, errlen, "the sign-in cookie is malformed");
		return -1;
	}
	fields[flen] = '\0';
	cursor = fields;
	if (take_field(&cursor, version, sizeof(version), false) != 0 ||
	    strcmp(version, FLOW_VERSION) != 0 ||
	    take_field(&cursor, expires, sizeof(expires), false) != 0 ||
	    take_field(&cursor, f->state, sizeof(f->state), false) != 0 ||
	    take_field(&cursor, f->nonce, sizeof(f->nonce), false) != 0 ||
	    take_field(&cursor, f->verifier, sizeof(f->verifier), false) != 0 ||
	    take_field(&cursor, f->next, sizeof(f->next), true) != 0) {
		snprintf(err, errlen, "the sign-in cookie is malformed");
		goto fail;
	}
	p = expires;
	if (parse_u64(&p, &exp, INT64_MAX) != 0 || *p != '\0') {
		snprintf(err, errlen, "the sign-in cookie is malformed");
		goto fail;
	}
	f->expires_s = (int64_t)exp;
	if (now_s >= f->expires_s) {
		snprintf(err, errlen, "the sign-in took longer than %d minutes", OIDC_FLOW_TTL_S / 60);
		goto fail;
	}
	sodium_memzero(fields, sizeof(fields));
	return 0;
fail:
	sodium_memzero(fields, sizeof(fields));
	memset(f, 0, sizeof(*f));
	return -1;
}

/* ---- roles ---- */

static void trim_span(const char **start, const char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
}

int oidc_role_map_parse(const char *spec, struct oidc_role_rule *rules, size_t max, size_t *n,
			char *err, size_t errlen)
{
	const char *item = spec;

	*n = 0;
	if (spec == NULL)
		return 0;
	while (*item) {
		const char *comma = strchr(item, ',');
		const char *end = comma ? comma : item + strlen(item);
		const char *start = item, *eq = NULL;
		char role[16];
		size_t glen, rlen;

		trim_span(&start, &end);
		for (const char *p = start; p < end; p++)
			if (*p == '=')
				eq = p;
		if (start == end && comma == NULL && *n > 0)
			break; /* a trailing comma */
		if (eq == NULL || eq == start || eq + 1 == end) {
			snprintf(err, errlen, "--oidc-role-map: '%.*s' is not GROUP=ROLE",
				 (int)(end - start > 80 ? 80 : end - start), start);
			return -1;
		}
		{
			const char *gs = start, *ge = eq, *rs = eq + 1, *re = end;

			trim_span(&gs, &ge);
			trim_span(&rs, &re);
			glen = (size_t)(ge - gs);
			rlen = (size_t)(re - rs);
			if (glen == 0 || glen >= OIDC_GROUP_MAX || rlen == 0 || rlen >= sizeof(role)) {
				snprintf(err, errlen, "--oidc-role-map: '%.*s' is not GROUP=ROLE",
					 (int)(end - start > 80 ? 80 : end - start), start);
				return -1;
			}
			if (*n == max) {
				snprintf(err, errlen, "--oidc-role-map: more than %zu entries", max);
				return -1;
			}
			memcpy(rules[*n].group, gs, glen);
			rules[*n].group[glen] = '\0';
			memcpy(role, rs, rlen);
			role[rlen] = '\0';
			if (auth_role_parse(role, &rules[*n].role) != 0) {
				snprintf(err, errlen,
					 "--oidc-role-map: unknown role '%s' for group '%s' (viewer, "
					 "responder, mim or admin)", role, rules[*n].group);
				return -1;
			}
			(*n)++;
		}
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	return 0;
}

/* The claim named `name`, or — when there is none and the name has dots — the value at
 * that path through nested objects (Keycloak's realm_access.roles).  Namespaced claims
 * such as "https://example.com/groups" are found by their full name first. */
static const json_t *claim_at(const json_t *claims, const char *name)
{
	const json_t *v = json_object_get(claims, name);
	char part[OIDC_CLAIM_NAME_MAX];
	const char *p = name;

	if (v != NULL || strchr(name, '.') == NULL)
		return v;
	v = claims;
	while (v != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len == 0 || len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		v = json_object_get(v, part);
		p = dot ? dot + 1 : p + len;
	}
	return v;
}

static void map_group(const char *group, const struct oidc_role_rule *rules, size_t n,
		      enum access_role *best, bool *matched)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rules[i].group, group) != 0)
			continue;
		if (!*matched || rules[i].role > *best)
			*best = rules[i].role;
		*matched = true;
	}
}

enum access_role oidc_role_from_claims(const json_t *claims, const char *groups_claim,
				       const struct oidc_role_rule *rules, size_t n,
				       bool *matched)
{
	const json_t *groups = claim_at(claims, groups_claim), *g;
	enum access_role best = ACCESS_UNDECLARED;
	size_t i;

	*matched = false;
	if (json_is_string(groups)) {
		map_group(json_string_value(groups), rules, n, &best, matched);
	} else if (json_is_array(groups)) {
		json_array_foreach(groups, i, g) {
			if (i >= OIDC_GROUPS_SCAN_MAX)
				break;
			if (json_is_string(g))
				map_group(json_string_value(g), rules, n, &best, matched);
		}
	}
	return best;
}

const char *oidc_username_from_claims(const json_t *claims)
{
	static const char *const names[] = {"preferred_username", "email", "sub"};

	/* A candidate the account rules refuse (spaces, other scripts) gives way to the next;
	 * so does an address the provider says it has not verified. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = json_string_value(json_object_get(claims, names[i]));

		if (i == 1 && json_is_false(json_object_get(claims, "email_verified")))
			continue;

		if (v != NULL && auth_name_valid(v))
			return v;
	}
	return NULL;
}

/* ---- configuration ---- */

bool oidc_configured(const struct app *app)
{
	return app != NULL && app->oidc != NULL;
}

const char *oidc_redirect_uri(const struct oidc *o)
{
	return o->redirect_uri;
}

static const char *or_default(const char *v, const char *dflt)
{
	return v && *v ? v : dflt;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

struct oidc *oidc_new(const struct oidc_config *cfg, char *err, size_t errlen)
{
	const char *public_url = cfg->public_url, *issuer = cfg->issuer;
	const char *scopes = or_default(cfg->scopes, OIDC_DEFAULT_SCOPES);
	const char *claim = or_default(cfg->groups_claim, OIDC_DEFAULT_GROUPS_CLAIM);
	const char *dflt = or_default(cfg->default_role, "viewer");
	struct oidc *o;
	size_t len;

	if (issuer == NULL || *issuer == '\0') {
		snprintf(err, errlen, "--oidc-issuer is needed for single sign-on");
		return NULL;
	}
	if (!provider_url_ok(issuer)) {
		snprintf(err, errlen,
			 "--oidc-issuer '%.200s' must be an https:// URL (plain http only to a "
			 "loopback address)", issuer);
		return NULL;
	}
	if (cfg->client_id == NULL || *cfg->client_id == '\0' ||
	    strlen(cfg->client_id) >= OIDC_ID_MAX || !printable_ascii(cfg->client_id)) {
		snprintf(err, errlen, "--oidc-client-id is needed with --oidc-issuer (up to %d "
			 "visible ASCII characters)", OIDC_ID_MAX - 1);
		return NULL;
	}
	if (cfg->client_secret == NULL || *cfg->client_secret == '\0' ||
	    strlen(cfg->client_secret) >= OIDC_SECRET_MAX) {
		snprintf(err, errlen, "--oidc-client-secret (better: MAJOROPS_OIDC_CLIENT_SECRET) is "
			 "needed with --oidc-issuer");
		return NULL;
	}
	if (public_url == NULL || *public_url == '\0' ||
	    (strncmp(public_url, "https://", 8) != 0 && strncmp(public_url, "http://", 7) != 0) ||
	    !printable_ascii(public_url) || strpbrk(public_url, "\"'<>\\`?#") != NULL ||
	    strlen(public_url) + sizeof(OIDC_CALLBACK_PATH) >= OIDC_URL_MAX) {
		snprintf(err, errlen, "--public-url is needed with --oidc-issuer: the provider sends "
			 "browsers back to <public-url>" OIDC_CALLBACK_PATH);
		return NULL;
	}
	if (strlen(scopes) >= OIDC_SCOPES_MAX || !has_word(scopes, "openid")) {
		snprintf(err, errlen, "--oidc-scopes '%.200s' must include openid", scopes);
		return NULL;
	}
	if (strlen(claim) >= OIDC_CLAIM_NAME_MAX) {
		snprintf(err, errlen, "--oidc-groups-claim is longer than %d bytes",
			 OIDC_CLAIM_NAME_MAX - 1);
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (auth_role_parse(dflt, &o->default_role) != 0) {
		snprintf(err, errlen, "--oidc-default-role '%.40s' is not viewer, responder, mim or admin",
			 dflt);
		goto fail;
	}
	if (oidc_role_map_parse(cfg->role_map, o->rules, OIDC_ROLE_RULES_MAX, &o->nrules, err,
				errlen) != 0)
		goto fail;
	str_copy(o->issuer, issuer, sizeof(o->issuer));
	/* The issuer is compared as written (Auth0's ends in '/'); the discovery path is
	 * appended to it without a doubled slash. */
	len = strlen(issuer);
	while (len > 0 && issuer[len - 1] == '/')
		len--;
	snprintf(o->discovery_url, sizeof(o->discovery_url), "%.*s/.well-known/openid-configuration",
		 (int)len, issuer);
	str_copy(o->client_id, cfg->client_id, sizeof(o->client_id));
	str_copy(o->client_secret, cfg->client_secret, sizeof(o->client_secret));
	str_copy(o->groups_claim, claim, sizeof(o->groups_claim));
	str_copy(o->scopes, scopes, sizeof(o->scopes));
	len = strlen(public_url);
	while (len > 0 && public_url[len - 1] == '/')
		len--;
	snprintf(o->redirect_uri, sizeof(o->redirect_uri), "%.*s" OIDC_CALLBACK_PATH, (int)len,
		 public_url);
	o->secure_cookie = strncmp(public_url, "https://", 8) == 0;
	if (pthread_mutex_init(&o->lock, NULL) != 0) {
		snprintf(err, errlen, "cannot set up single sign-on: no mutex");
		goto fail;
	}
	pthread_once(&curl_once, curl_setup);
	return o;
fail:
	sodium_memzero(o->client_secret, sizeof(o->client_secret));
	free(o);
	return NULL;
}

static void key_set_unref(struct oidc *o, struct key_set *ks)
{
	bool last;

	if (ks == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	last = --ks->refs == 0;
	pthread_mutex_unlock(&o->lock);
	if (last) {
		jwks_free(ks->jwks);
		free(ks);
	}
}

void oidc_free(struct oidc *o)
{
	if (o == NULL)
		return;
	key_set_unref(o, o->keys);
	pthread_mutex_destroy(&o->lock);
	sodium_memzero(o->client_secret, sizeof(o->client_secret));
	free(o);
}

/* ---- talking to the provider ---- */

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, data, size * n) != 0)
		return 0;
	return size * n;
}

/* One request to the provider: a GET, or a POST of `form` when it is non-NULL, with Basic
 * credentials when `user` is non-NULL.  0 with the status and the answer in `reply`
 * (which the caller frees), or -1 with `err` saying why no answer came. */
static int provider_call(const char *url, const char *form, const char *user, const char *pass,
			 long *status, struct buf *reply, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *curl = NULL;
	CURLcode rc;
	int result = -1;

	buf_init(reply, OIDC_REPLY_MAX);
	if (curl_init_result != CURLE_OK) {
		snprintf(err, errlen, "libcurl did not initialise");
		return -1;
	}
	curl = curl_easy_init();
	headers = curl_slist_append(headers, "Accept: application/json");
	if (curl == NULL || headers == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)OIDC_HTTP_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)OIDC_CONNECT_TIMEOUT_MS);
	/* Timeouts by signal are not for a threaded server. */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "MajorOps/" MAJOROPS_VERSION);
	if (form != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	if (user != NULL) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, pass);
	}
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	result = 0;
done:
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	if (result != 0)
		buf_free(reply);
	return result;
}

/* GETs `url`, which must answer 200 with a JSON object. */
static int provider_get_json(const char *url, const char *what, json_t **out, char *err,
			     size_t errlen)
{
	struct api_error perr;
	struct buf reply;
	char why[256];
	long status = 0;
	int rc = -1;

	*out = NULL;
	if (provider_call(url, NULL, NULL, NULL, &status, &reply, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "cannot read the provider's %s from '%.300s': %s", what, url, why);
		return -1;
	}
	if (status != 200)
		snprintf(err, errlen, "cannot read the provider's %s from '%.300s': it answered %ld",
			 what, url, status);
	else if (json_parse_body(reply.ptr, reply.len, out, &perr) != 0)
		snprintf(err, errlen, "the provider's %s from '%.300s' is not a JSON object: %s", what,
			 url, perr.message);
	else
		rc = 0;
	buf_free(&reply);
	return rc;
}

/* Copies an endpoint of the discovery document after checking it. */
static int endpoint_copy(const json_t *doc, const char *name, char *out, size_t outlen,
			 char *err, size_t errlen)
{
	const char *v = json_string_value(json_object_get(doc, name));

	if (v == NULL) {
		snprintf(err, errlen, "the provider's discovery document has no %s", name);
		return -1;
	}
	if (!provider_url_ok(v)) {
		snprintf(err, errlen, "the provider's %s '%.300s' is not an https:// URL", name, v);
		return -1;
	}
	str_copy(out, v, outlen);
	return 0;
}

/* Whether a JSON array of strings holds `word`. */
static bool array_has(const json_t *list, const char *word)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), word) == 0)
			return true;
	return false;
}

int oidc_discover(struct oidc *o, char *err, size_t errlen)
{
	struct provider p = {0};
	const json_t *methods, *challenges;
	const char *issuer;
	json_t *doc = NULL;
	int rc = -1;

	if (provider_get_json(o->discovery_url, "discovery document", &doc, err, errlen) != 0)
		return -1;
	issuer = json_string_value(json_object_get(doc, "issuer"));
	/* OIDC Discovery §4.3: the document must be about the issuer we asked, exactly. */
	if (issuer == NULL || strcmp(issuer, o->issuer) != 0) {
		snprintf(err, errlen,
			 "the provider's discovery document names the issuer '%.300s', not the "
			 "configured '%.300s'", issuer ? issuer : "(none)", o->issuer);
		goto done;
	}
	if (endpoint_copy(doc, "authorization_endpoint", p.authorization_endpoint,
			  sizeof(p.authorization_endpoint), err, errlen) != 0 ||
	    endpoint_copy(doc, "token_endpoint", p.token_endpoint, sizeof(p.token_endpoint), err,
			  errlen) != 0 ||
	    endpoint_copy(doc, "jwks_uri", p.jwks_uri, sizeof(p.jwks_uri), err, errlen) != 0)
		goto done;
	challenges = json_object_get(doc, "code_challenge_methods_supported");
	if (json_is_array(challenges) && !array_has(challenges, "S256")) {
		snprintf(err, errlen, "the provider does not offer PKCE with S256");
		goto done;
	}
	/* Absent means client_secret_basic (OIDC Discovery §3). */
	methods = json_object_get(doc, "token_endpoint_auth_methods_supported");
	p.secret_post = json_is_array(methods) && !array_has(methods, "client_secret_basic") &&
			array_has(methods, "client_secret_post");
	pthread_mutex_lock(&o->lock);
	o->provider = p;
	o->discovered = true;
	pthread_mutex_unlock(&o->lock);
	rc = 0;
done:
	json_decref(doc);
	return rc;
}

/* The provider's endpoints, discovering them first when that has not worked yet. */
static int provider_get(struct oidc *o, struct provider *out, char *err, size_t errlen)
{
	bool known;

	pthread_mutex_lock(&o->lock);
	known = o->discovered;
	if (known)
		*out = o->provider;
	pthread_mutex_unlock(&o->lock);
	if (known)
		return 0;
	if (oidc_discover(o, err, errlen) != 0)
		return -1;
	pthread_mutex_lock(&o->lock);
	*out = o->provider;
	pthread_mutex_unlock(&o->lock);
	return 0;
}

/* Fetches the key set and makes it the cached one. */
static int keys_fetch(struct oidc *o, const char *jwks_uri, int64_t now_ms, char *err,
		      size_t errlen)
{
	struct key_set *ks, *old;
	struct buf reply;
	char why[256];
	long status = 0;

	if (provider_call(jwks_uri, NULL, NULL, NULL, &status, &reply, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "cannot read the provider's keys from '%.300s': %s", jwks_uri, why);
		return -1;
	}
	if (status != 200) {
		snprintf(err, errlen, "cannot read the provider's keys from '%.300s': it answered %ld",
			 jwks_uri, status);
		buf_free(&reply);
		return -1;
	}
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL) {
		snprintf(err, errlen, "out of memory");
		buf_free(&reply);
		return -1;
	}
	ks->jwks = jwks_parse(reply.ptr, reply.len, why, sizeof(why));
	buf_free(&reply);
	if (ks->jwks == NULL) {
		snprintf(err, errlen, "the provider's keys from '%.300s': %s", jwks_uri, why);
		free(ks);
		return -1;
	}
	ks->refs = 1; /* the cache's */
	ks->fetched_ms = now_ms;
	pthread_mutex_lock(&o->lock);
	old = o->keys;
	o->keys = ks;
	pthread_mutex_unlock(&o->lock);
	key_set_unref(o, old);
	return 0;
}

/* A reference to the cached key set (NULL when there is none); key_set_unref() it. */
static struct key_set *keys_get(struct oidc *o)
{
	struct key_set *ks;

	pthread_mutex_lock(&o->lock);
	ks = o->keys;
	if (ks)
		ks->refs++;
	pthread_mutex_unlock(&o->lock);
	return ks;
}

/* Verifies the ID token: with the cached keys (fetched first when there are none or they
 * are old), and once more with freshly fetched keys when the token names an unknown key. */
static enum jwt_status verify_token(struct oidc *o, const struct provider *p, const char *token,
				    const struct jwt_expect *want, int64_t now_ms, json_t **claims,
				    bool *no_keys, char *err, size_t errlen)
{
	struct key_set *ks = keys_get(o);
	enum jwt_status st;
	char why[1024]; /* room for keys_fetch()'s message around the provider's */

	*no_keys = false;
	if (ks == NULL || now_ms - ks->fetched_ms > OIDC_JWKS_MAX_AGE_MS) {
		if (keys_fetch(o, p->jwks_uri, now_ms, why, sizeof(why)) != 0) {
			if (ks == NULL) {
				str_copy(err, why, errlen);
				*no_keys = true;
				return JWT_UNKNOWN_KID;
			}
			/* Old keys beat none while the provider is unreachable. */
			fprintf(stderr, "majorops: single sign-on: keeping the old keys: %s\n", why);
		} else {
			key_set_unref(o, ks);
			ks = keys_get(o);
		}
	}
	st = jwt_verify_id_token(token, ks->jwks, want, claims, err, errlen);
	if (st == JWT_UNKNOWN_KID) {
		/* The provider may have rotated its keys since we fetched them. */
		key_set_unref(o, ks);
		ks = NULL;
		if (keys_fetch(o, p->jwks_uri, now_ms, why, sizeof(why)) != 0) {
			str_copy(err, why, errlen);
			*no_keys = true;
			return JWT_UNKNOWN_KID;
		}
		ks = keys_get(o);
		st = jwt_verify_id_token(token, ks->jwks, want, claims, err, errlen);
	}
	key_set_unref(o, ks);
	return st;
}

/* ---- pages ---- */

static int html_escape_append(struct buf *b, const char *s)
{
	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: break;
		}
		if (rep ? buf_append_str(b, rep) != 0 : buf_append_char(b, *s) != 0)
			return -1;
	}
	return 0;
}

/* The sign-in cookie, set (value non-NULL) or cleared. */
static void flow_cookie(const struct oidc *o, const char *value, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s=%s; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=%d%s",
		 OIDC_COOKIE, value ? value : "", value ? OIDC_FLOW_TTL_S : 0,
		 o->secure_cookie ? "; Secure" : "");
}

/* A small HTML page: `title`, then `message` (escaped), then a link. */
static int reply_page(struct http_request *req, int status, const char *title,
		      const char *message, const char *link, const char *link_text)
{
	struct MHD_Response *resp;
	struct buf b;
	char cookie[128];
	int bad = 0;

	buf_init(&b, 16 * 1024);
	bad |= buf_append_str(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
				  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	bad |= buf_append_str(&b, "<title>");
	bad |= html_escape_append(&b, title);
	bad |= buf_append_str(&b, " — MajorOps</title></head>\n<body><main><h1>");
	bad |= html_escape_append(&b, title);
	bad |= buf_append_str(&b, "</h1>\n<p>");
	bad |= html_escape_append(&b, message);
	bad |= buf_append_str(&b, "</p>\n<p><a href=\"");
	bad |= html_escape_append(&b, link);
	bad |= buf_append_str(&b, "\">");
	bad |= html_escape_append(&b, link_text);
	bad |= buf_append_str(&b, "</a></p></main></body></html>\n");
	if (bad) {
		buf_free(&b);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b.len, b.ptr, MHD_RESPMEM_MUST_COPY);
	buf_free(&b);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (req->app->oidc) {
		/* Whatever failed, this sign-in is over: its state must not be tried again. */
		flow_cookie(req->app->oidc, NULL, cookie, sizeof(cookie));
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	}
	return http_reply_response(req, status, resp);
}

/* A failed sign-in: logged, audited, and a page saying what went wrong.  Failures anyone
 * can cause without starting a sign-in (a callback without its cookie, the login page while
 * the provider is down) are not audited, so they cannot fill the audit log. */
static int fail_page(struct http_request *req, int status, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_page(struct http_request *req, int status, const char *who, const char *fmt, ...)
{
	char message[OIDC_ERR_MAX + 200], address[64];
	json_t *detail;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* Parts of it come from the request or the provider: one line in the log, always. */
	for (char *c = message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	fprintf(stderr, "majorops: single sign-on failed: %s\n", message);
	if (req->app->store && who != NOT_AUDITED) {
		http_peer_text(req, address, sizeof(address));
		detail = json_pack("{s:s, s:s, s:i}", "method", "oidc", "reason", message, "status",
				   status);
		/* The audit is best effort: the page answers either way. */
		(void)auth_audit(req->app->store, app_now(req->app), who ? who : "anonymous",
				 "sign-in.failed", who ? who : "", address, detail);
		json_decref(detail);
	}
	return reply_page(req, status, "Sign-in failed", message, "/login", "Back to sign-in");
}

/* ---- handlers ---- */

int oidc_handle_login(struct http_request *req)
{
	struct oidc *o = req->app->oidc;
	unsigned char key[SECRET_BYTES];
	char challenge[OIDC_CHALLENGE_LEN + 1], sealed[OIDC_COOKIE_MAX], err[OIDC_ERR_MAX];
	char cookie[OIDC_COOKIE_MAX + 128];
	char *client_id = NULL, *redirect = NULL, *scope = NULL;
	struct oidc_flow flow;
	struct provider p;
	struct MHD_Response *resp;
	struct buf url;
	int rc;

	if (o == NULL)
		return reply_page(req, 404, "Single sign-on is not configured",
				  "This server has no identity provider configured (--oidc-issuer); "
				  "sign in with a MajorOps account.", "/login", "Sign in");
	if (provider_get(o, &p, err, sizeof(err)) != 0)
		return fail_page(req, 502, NOT_AUDITED, "The identity provider cannot be reached: %s",
				 err);
	oidc_flow_new(&flow, http_query(req, "next"), app_now(req->app) / 1000);
	secret_derive(req->app->secret, "oidc-state", key);
	rc = oidc_flow_seal(&flow, key, sealed, sizeof(sealed));
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		return fail_page(req, 400, NULL, "The sign-in state does not fit in a cookie");
	oidc_pkce_challenge(flow.verifier, challenge);
	client_id = curl_easy_escape(NULL, o->client_id, 0);
	redirect = curl_easy_escape(NULL, o->redirect_uri, 0);
	scope = curl_easy_escape(NULL, o->scopes, 0);
	buf_init(&url, OIDC_URL_MAX * 4);
	if (client_id == NULL || redirect == NULL || scope == NULL ||
	    buf_printf(&url,
		       "%s%cresponse_type=code&client_id=%s&redirect_uri=%s&scope=%s&state=%s"
		       "&nonce=%s&code_challenge=%s&code_challenge_method=S256",
		       p.authorization_endpoint, strchr(p.authorization_endpoint, '?') ? '&' : '?',
		       client_id, redirect, scope, flow.state, flow.nonce, challenge) != 0) {
		rc = fail_page(req, 502, NULL, "The authorization URL is too long");
		goto done;
	}
	flow_cookie(o, sealed, cookie, sizeof(cookie));
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		rc = MHD_NO;
		goto done;
	}
	/* Location and the cookie are longer than http_reply_header() keeps. */
	MHD_add_response_header(resp, "Location", url.ptr);
	MHD_add_response_header(resp, "Set-Cookie", cookie);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	rc = http_reply_response(req, 302, resp);
done:
	sodium_memzero(&flow, sizeof(flow));
	buf_free(&url);
	curl_free(client_id);
	curl_free(redirect);
	curl_free(scope);
	return rc;
}

/* The token endpoint's error, for a page: "invalid_grant: the description". */
static void provider_error(const struct buf *reply, char *out, size_t outlen)
{
	json_t *doc = json_loadb(reply->ptr, reply->len, 0, NULL);
	const char *code = json_string_value(json_object_get(doc, "error"));
	const char *desc = json_string_value(json_object_get(doc, "error_description"));

	if (code && desc)
		snprintf(out, outlen, "%.60s: %.200s", code, desc);
	else if (code)
		snprintf(out, outlen, "%.60s", code);
	else
		snprintf(out, outlen, "no error code given");
	json_decref(doc);
}

/* Exchanges the code at the token endpoint; on success `*id_token` is a new string. */
static int exchange_code(struct http_request *req, struct oidc *o, const struct provider *p,
			 const char *code, const struct oidc_flow *flow, char **id_token)
{
	char *e_code = curl_easy_escape(NULL, code, 0);
	char *e_redirect = curl_easy_escape(NULL, o->redirect_uri, 0);
	char *e_verifier = curl_easy_escape(NULL, flow->verifier, 0);
	char *e_id = curl_easy_escape(NULL, o->client_id, 0);
	char *e_secret = curl_easy_escape(NULL, o->client_secret, 0);
	struct api_error perr;
	struct buf form, reply = {0};
	char why[OIDC_ERR_MAX];
	json_t *doc = NULL;
	const char *token;
	long status = 0;
	int rc = -1;

	*id_token = NULL;
	buf_init(&form, OIDC_URL_MAX * 4);
	if (e_code == NULL || e_redirect == NULL || e_verifier == NULL || e_id == NULL ||
	    e_secret == NULL ||
	    buf_printf(&form, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
		       e_code, e_redirect, e_verifier) != 0 ||
	    (p->secret_post &&
	     buf_printf(&form, "&client_id=%s&client_secret=%s", e_id, e_secret) != 0)) {
		rc = fail_page(req, 502, NULL, "Cannot build the token request (out of memory?)");
		goto done;
	}
	/* client_secret_basic: RFC 6749 §2.3.1 form-encodes both parts before Base64. */
	if (provider_call(p->token_endpoint, form.ptr, p->secret_post ? NULL : e_id, e_secret,
			  &status, &reply, why, sizeof(why)) != 0) {
		rc = fail_page(req, 502, NULL, "The identity provider's token endpoint cannot be "
			       "reached: %s", why);
		goto done;
	}
	if (status != 200) {
		provider_error(&reply, why, sizeof(why));
		if (strncmp(why, "invalid_client", 14) == 0 || strncmp(why, "unauthorized_client", 19) == 0)
			rc = fail_page(req, 502, NULL,
				       "The identity provider refused this server's client credentials "
				       "(%s; HTTP %ld): check --oidc-client-id and "
				       "--oidc-client-secret", why, status);
		else if (status >= 400 && status < 500)
			rc = fail_page(req, 400, NULL,
				       "The identity provider refused the sign-in code (%s; HTTP %ld): "
				       "it may have been used already or expired. Sign in again.",
				       why, status);
		else
			rc = fail_page(req, 502, NULL,
				       "The identity provider's token endpoint answered HTTP %ld (%s)",
				       status, why);
		goto done;
	}
	if (json_parse_body(reply.ptr, reply.len, &doc, &perr) != 0) {
		rc = fail_page(req, 502, NULL, "The identity provider's token answer is not JSON: %s",
			       perr.message);
		goto done;
	}
	token = json_string_value(json_object_get(doc, "id_token"));
	if (token == NULL) {
		rc = fail_page(req, 502, NULL, "The identity provider answered without an ID token "
			       "(is openid among --oidc-scopes?)");
		goto done;
	}
	*id_token = strdup(token);
	rc = *id_token ? 0 : MHD_NO;
done:
	json_decref(doc);
	buf_free(&reply);
	buf_free(&form);
	if (e_secret)
		sodium_memzero(e_secret, strlen(e_secret));
	curl_free(e_code);
	curl_free(e_redirect);
	curl_free(e_verifier);
	curl_free(e_id);
	curl_free(e_secret);
	return rc;
}

/* Whether `username` is an account that did not come from single sign-on (a local one
 * with a password, or one a proxy introduced): the provider does not get to sign in as it,
 * or anyone allowed to pick their preferred_username there could become "admin" here. */
static bool other_account(struct app *app, const char *username)
{
	struct api_error err;
	json_t *user = NULL;
	const char *source;
	bool other;

	if (auth_user_get(app->store, username, &user, &err) != 0)
		return false; /* none (404), or the store fails and auth_sso_user() says so */
	source = json_string_value(json_object_get(user, "source"));
	other = source == NULL || strcmp(source, "sso") != 0;
	json_decref(user);
	return other;
}

/* A code or state as the provider sends it: visible ASCII of bounded length. */
static bool query_value_ok(const char *v, size_t max)
{
	return v != NULL && *v != '\0' && strlen(v) <= max && printable_ascii(v);
}

int oidc_handle_callback(struct http_request *req)
{
	struct oidc *o = req->app->oidc;
	const char *cookie, *state, *code, *error, *username, *display;
	unsigned char key[SECRET_BYTES];
	char err[OIDC_ERR_MAX], clear[128];
	char *id_token = NULL;
	struct jwt_expect want;
	struct oidc_flow flow;
	struct provider p;
	json_t *claims = NULL;
	enum access_role role;
	enum jwt_status st;
	bool matched, no_keys;
	int64_t now_ms = app_now(req->app);
	int rc;

	if (o == NULL)
		return reply_page(req, 404, "Single sign-on is not configured",
				  "This server has no identity provider configured (--oidc-issuer).",
				  "/login", "Sign in");
	error = http_query(req, "error");
	cookie = http_cookie(req, OIDC_COOKIE);
	if (cookie != NULL && *cookie == '\0')
		cookie = NULL;
	if (error != NULL) {
		const char *desc = http_query(req, "error_description");

		/* audited only when this browser started a sign-in: anyone can send the rest */
		return fail_page(req, 401, cookie ? NULL : NOT_AUDITED,
				 "The identity provider did not sign you in: %.60s%s%.200s", error,
				 desc ? ": " : "", desc ? desc : "");
	}
	if (cookie == NULL)
		return fail_page(req, 400, NOT_AUDITED,
				 "This sign-in was not started from this browser, or it took longer "
				 "than %d minutes (no sign-in cookie; cookies must be allowed for this "
				 "site). Sign in again.", OIDC_FLOW_TTL_S / 60);
	secret_derive(req->app->secret, "oidc-state", key);
	rc = oidc_flow_open(cookie, key, now_ms / 1000, &flow, err, sizeof(err));
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		return fail_page(req, 400, NULL, "The sign-in cannot be finished: %s. Sign in again.", err);
	state = http_query(req, "state");
	/* The state binds the provider's answer to the browser that asked (CSRF on the
	 * callback): compared in constant time, like every secret. */
	if (!query_value_ok(state, OIDC_RANDOM_LEN) || strlen(state) != OIDC_RANDOM_LEN ||
	    sodium_memcmp(state, flow.state, OIDC_RANDOM_LEN) != 0) {
		rc = fail_page(req, 400, NULL, "The answer of the identity provider does not belong "
			       "to the sign-in this browser started (state mismatch). Sign in again.");
		goto done;
	}
	code = http_query(req, "code");
	if (!query_value_ok(code, OIDC_CODE_MAX)) {
		rc = fail_page(req, 400, NULL, "The identity provider's answer has no usable code");
		goto done;
	}
	if (provider_get(o, &p, err, sizeof(err)) != 0) {
		rc = fail_page(req, 502, NULL, "The identity provider cannot be reached: %s", err);
		goto done;
	}
	rc = exchange_code(req, o, &p, code, &flow, &id_token);
	if (id_token == NULL)
		goto done; /* it replied */
	want = (struct jwt_expect){.issuer = o->issuer, .client_id = o->client_id,
				   .nonce = flow.nonce, .now_s = now_ms / 1000,
				   .leeway_s = JWT_LEEWAY_S};
	st = verify_token(o, &p, id_token, &want, now_ms, &claims, &no_keys, err, sizeof(err));
	if (st != JWT_OK && no_keys) {
		rc = fail_page(req, 502, NULL, "The identity provider's ID token cannot be checked: %s",
			       err);
		goto done;
	}
	if (st != JWT_OK) {
		rc = fail_page(req, 401, NULL, "The identity provider's ID token was refused (%s): %s",
			       jwt_strerror(st), err);
		goto done;
	}
	username = oidc_username_from_claims(claims);
	if (username == NULL) {
		rc = fail_page(req, 401, NULL, "The ID token names no usable account: none of "
			       "preferred_username, email or sub is a valid user name");
		goto done;
	}
	display = json_string_value(json_object_get(claims, "name"));
	if (display && (!utf8_valid(display) || utf8_length(display) > AUTH_DISPLAY_MAX))
		display = NULL;
	role = oidc_role_from_claims(claims, o->groups_claim, o->rules, o->nrules, &matched);
	if (!matched)
		role = o->default_role;
	if (other_account(req->app, username)) {
		rc = fail_page(req, 403, username,
			       "An account named '%s' exists here already and does not sign in "
			       "through the identity provider; an administrator must rename or remove "
			       "it before single sign-on can use that name", username);
		goto done;
	}
	if (auth_sso_user(req->app, username, display, role, matched, err, sizeof(err)) != 0) {
		rc = fail_page(req, 403, username, "The account '%s' cannot sign in: %s", username, err);
		goto done;
	}
	/* This sign-in is over: its cookie goes with the answer that starts the session (which
	 * also copes with the browser arriving from the provider's site, see auth.h). */
	flow_cookie(o, NULL, clear, sizeof(clear));
	http_reply_header(req, "Set-Cookie", clear);
	rc = auth_session_start(req, username, flow.next);
done:
	sodium_memzero(&flow, sizeof(flow));
	json_decref(claims);
	free(id_token);
	return rc;
}
