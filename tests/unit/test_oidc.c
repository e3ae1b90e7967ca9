/* Single sign-on: ID token checks (jwt.h), PKCE, the sealed sign-in state, role mapping
 * (oidc.h).  The signing keys are made here with OpenSSL, once per run, so nothing secret
 * lives in the tree and every token is signed for real. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "jwt.h"
#include "oidc.h"
#include "service.h"
#include "unit.h"

#define ISS "https://idp.example.test/realms/ops"
#define CLIENT "majorops"
#define NONCE "n-0S6_WzA2Mj"
#define NOW ((int64_t)1764460800) /* 2025-11-30T00:00:00Z */

static EVP_PKEY *rsa_key, *rsa_key2, *ec_key, *rsa_small;
static char *jwks_text; /* the set holding rsa_key ("rsa-1"), ec_key ("ec-1") */

/* ---- making keys and tokens ---- */

static void b64url(const unsigned char *raw, size_t len, struct buf *out)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *text = malloc(cap);

	sodium_bin2base64(text, cap, raw, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (buf_append_str(out, text) != 0)
		abort();
	free(text);
}

static void b64url_str(const char *s, struct buf *out)
{
	b64url((const unsigned char *)s, strlen(s), out);
}

static void bn_member(EVP_PKEY *k, const char *param, struct buf *out)
{
	BIGNUM *bn = NULL;
	unsigned char raw[1024];
	int len;

	if (EVP_PKEY_get_bn_param(k, param, &bn) != 1)
		abort();
	len = BN_bn2bin(bn, raw);
	b64url(raw, (size_t)len, out);
	BN_free(bn);
}

/* {"kty":"RSA","kid":kid,"n":…,"e":…} plus `extra` members ("" or `,"alg":"PS256"` …). */
static void jwk_rsa(EVP_PKEY *k, const char *kid, const char *extra, struct buf *out)
{
	if (buf_printf(out, "{\"kty\":\"RSA\",\"kid\":\"%s\"%s,\"n\":\"", kid, extra) != 0)
		abort();
	bn_member(k, OSSL_PKEY_PARAM_RSA_N, out);
	if (buf_append_str(out, "\",\"e\":\"") != 0)
		abort();
	bn_member(k, OSSL_PKEY_PARAM_RSA_E, out);
	if (buf_append_str(out, "\"}") != 0)
		abort();
}

static void jwk_ec(EVP_PKEY *k, const char *kid, struct buf *out)
{
	unsigned char point[65];
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
					    sizeof(point), &len) != 1 || len != 65)
		abort();
	if (buf_printf(out, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"sig\",\"kid\":\"%s\",\"x\":\"", kid) != 0)
		abort();
	b64url(point + 1, 32, out);
	if (buf_append_str(out, "\",\"y\":\"") != 0)
		abort();
	b64url(point + 33, 32, out);
	if (buf_append_str(out, "\"}") != 0)
		abort();
}

/* Signs "header.payload" with `k` under `alg` (RS256, PS256, ES256); appends ".sig". */
static void sign_into(EVP_PKEY *k, const char *alg, struct buf *tok)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char sig[1024];
	size_t sig_len = sizeof(sig);

	if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, k) != 1)
		abort();
	if (strcmp(alg, "PS256") == 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		abort();
	if (EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)tok->ptr, tok->len) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	if (strcmp(alg, "ES256") == 0) {
		/* DER → JWA's r‖s */
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
		unsigned char rs[64];

		if (es == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32) != 32 ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32) != 32)
			abort();
		ECDSA_SIG_free(es);
		memcpy(sig, rs, 64);
		sig_len = 64;
	}
	if (buf_append_char(tok, '.') != 0)
		abort();
	b64url(sig, sig_len, tok);
}

/* A token with the given header and claims (JSON texts), signed by `k` (NULL: unsigned,
 * empty signature part). The caller frees the result. */
static char *make_token(const char *header, const char *claims, EVP_PKEY *k, const char *alg)
{
	struct buf tok;

	buf_init(&tok, 64 * 1024);
	b64url_str(header, &tok);
	if (buf_append_char(&tok, '.') != 0)
		abort();
	b64url_str(claims, &tok);
	if (k)
		sign_into(k, alg, &tok);
	else if (buf_append_char(&tok, '.') != 0)
		abort();
	return buf_detach(&tok);
}

/* Claims as a sign-in expects them, with `exp` and `iat` relative to NOW and the rest
 * overridable by `extra` (appended JSON members; later duplicates are not allowed, so
 * the base omits what `extra` names — the callers pass complete sets). */
static char *claims_json(const char *iss, const char *aud_json, const char *nonce,
			 long long exp_delta, long long iat_delta, const char *extra)
{
	struct buf b;

	buf_init(&b, 8192);
	if (buf_printf(&b, "{\"iss\":\"%s\",\"sub\":\"2b7f0c\",\"aud\":%s,\"exp\":%lld,\"iat\":%lld",
		       iss, aud_json, (long long)NOW + exp_delta, (long long)NOW + iat_delta) != 0 ||
	    (nonce && buf_printf(&b, ",\"nonce\":\"%s\"", nonce) != 0) ||
	    buf_printf(&b, "%s}", extra ? extra : "") != 0)
		abort();
	return buf_detach(&b);
}

static const struct jwt_expect want = {
	.issuer = ISS, .client_id = CLIENT, .nonce = NONCE, .now_s = NOW, .leeway_s = JWT_LEEWAY_S,
};

static struct jwks *test_keys(void)
{
	char err[256];
	struct jwks *keys = jwks_parse(jwks_text, strlen(jwks_text), err, sizeof(err));

	if (keys == NULL)
		unit_fail(__FILE__, __LINE__, "test key set refused: %s", err);
	return keys;
}

/* Verifies `token` against the test set: the status, and the error text in `err`. */
static enum jwt_status check_token(const char *token, const struct jwt_expect *w, char *err,
				   size_t errlen)
{
	struct jwks *keys = test_keys();
	json_t *claims = NULL;
	enum jwt_status st = jwt_verify_id_token(token, keys, w, &claims, err, errlen);

	if ((st == JWT_OK) != (claims != NULL))
		unit_fail(__FILE__, __LINE__, "claims returned %s the status %d", claims ? "with" : "without", st);
	json_decref(claims);
	jwks_free(keys);
	return st;
}

static void setup_keys(void)
{
	struct buf set;

	if (rsa_key != NULL)
		return;
	rsa_key = EVP_RSA_gen(2048);
	rsa_key2 = EVP_RSA_gen(2048);
	rsa_small = EVP_RSA_gen(1024);
	ec_key = EVP_EC_gen("P-256");
	if (rsa_key == NULL || rsa_key2 == NULL || ec_key == NULL || rsa_small == NULL)
		abort();
	buf_init(&set, 64 * 1024);
	if (buf_append_str(&set, "{\"keys\":[") != 0)
		abort();
	jwk_rsa(rsa_key, "rsa-1", ",\"use\":\"sig\"", &set);
	if (buf_append_char(&set, ',') != 0)
		abort();
	jwk_ec(ec_key, "ec-1", &set);
	if (buf_append_str(&set, "]}") != 0)
		abort();
	jwks_text = buf_detach(&set);
}

/* ---- base64url and splitting ---- */

static void test_b64url_strict(void)
{
	unsigned char out[16];
	size_t len = 0;

	REQUIRE(b64url_decode("aGk", 3, out, sizeof(out), &len) == 0);
	CHECK_INT(len, 2);
	CHECK(memcmp(out, "hi", 2) == 0);
	CHECK(b64url_decode("aGk=", 4, out, sizeof(out), &len) != 0);      /* padding */
	CHECK(b64url_decode("a+k", 3, out, sizeof(out), &len) != 0);       /* not url-safe */
	CHECK(b64url_decode("aGk.", 4, out, sizeof(out), &len) != 0);
	CHECK(b64url_decode("aGlhA", 5, out, sizeof(out), &len) != 0);     /* 1 mod 4 */
	CHECK(b64url_decode("aGloaWhpaGk", 11, out, 4, &len) != 0);        /* does not fit */
}

static void test_jwt_split(void)
{
	char err[256];
	struct jwt t;
	char *good;

	setup_keys();
	CHECK_INT(jwt_decode("abc.def", &t, err, sizeof(err)), JWT_MALFORMED);
	CHECK_INT(jwt_decode("a.b.c.d", &t, err, sizeof(err)), JWT_MALFORMED);
	CHECK_INT(jwt_decode("a.b.c.d.e", &t, err, sizeof(err)), JWT_MALFORMED); /* JWE */
	CHECK_INT(jwt_decode(".eyJ9.sig", &t, err, sizeof(err)), JWT_MALFORMED);
	CHECK_INT(jwt_decode("", &t, err, sizeof(err)), JWT_MALFORMED);
	/* a header that is JSON but not an object */
	good = make_token("[1]", "{}", NULL, NULL);
	CHECK_INT(jwt_decode(good, &t, err, sizeof(err)), JWT_MALFORMED);
	free(good);
	/* duplicate names are refused (two parsers could read two different tokens) */
	good = make_token("{\"alg\":\"RS256\",\"alg\":\"none\"}", "{}", NULL, NULL);
	CHECK_INT(jwt_decode(good, &t, err, sizeof(err)), JWT_MALFORMED);
	free(good);
	good = make_token("{\"kid\":\"x\"}", "{}", NULL, NULL);
	CHECK_INT(jwt_decode(good, &t, err, sizeof(err)), JWT_MALFORMED); /* no alg */
	free(good);

	good = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"JWT\"}",
			  "{\"sub\":\"x\",\"n\":1}", rsa_key, "RS256");
	REQUIRE(jwt_decode(good, &t, err, sizeof(err)) == JWT_OK);
	CHECK_STR(t.alg, "RS256");
	CHECK_STR(t.kid, "rsa-1");
	CHECK_STR(json_string_value(json_object_get(t.claims, "sub")), "x");
	CHECK_INT(t.sig_len, 256);
	CHECK_INT(t.signed_len, (size_t)(strrchr(good, '.') - good));
	jwt_free(&t);
	free(good);
}

/* ---- signatures ---- */

static void test_jwt_valid_algorithms(void)
{
	static const char *const algs[] = {"RS256", "PS256", "ES256"};
	char err[256];

	setup_keys();
	for (size_t i = 0; i < 3; i++) {
		char header[128];
		char *claims = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, NULL);
		char *tok;

		snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[i],
			 i == 2 ? "ec-1" : "rsa-1");
		tok = make_token(header, claims, i == 2 ? ec_key : rsa_key, algs[i]);
		CHECK_MSG(check_token(tok, &want, err, sizeof(err)) == JWT_OK, "%s: %s", algs[i], err);
		free(tok);
		free(claims);
	}
}

static void test_jwt_refuses_none_and_hmac(void)
{
	unsigned char mac[32];
	unsigned int mac_len = 0;
	char err[256], *claims, *tok;
	struct buf forged;

	setup_keys();
	claims = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, NULL);
	tok = make_token("{\"alg\":\"none\"}", claims, NULL, NULL);
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_ALG);
	CHECK(strstr(err, "none") != NULL);
	free(tok);
	/* The confusion attack: HS256 "signed" with the provider's public key as the secret. */
	buf_init(&forged, 64 * 1024);
	b64url_str("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", &forged);
	REQUIRE(buf_append_char(&forged, '.') == 0);
	b64url_str(claims, &forged);
	HMAC(EVP_sha256(), jwks_text, (int)strlen(jwks_text), (const unsigned char *)forged.ptr,
	     forged.len, mac, &mac_len);
	REQUIRE(buf_append_char(&forged, '.') == 0);
	b64url(mac, mac_len, &forged);
	CHECK_INT(check_token(forged.ptr, &want, err, sizeof(err)), JWT_BAD_ALG);
	CHECK(strstr(err, "HS256") != NULL);
	buf_free(&forged);
	tok = make_token("{\"alg\":\"RS1\",\"kid\":\"rsa-1\"}", claims, rsa_key, "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_ALG);
	free(tok);
	/* crit names an extension nobody here understands */
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[\"exp\"]}", claims, rsa_key,
			 "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_ALG);
	free(tok);
	free(claims);
}

static void test_jwt_alg_must_fit_key(void)
{
	char err[256], *claims, *tok, *set_text;
	struct jwks *keys;
	json_t *out = NULL;
	struct buf set;

	setup_keys();
	claims = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, NULL);
	/* ES256 naming the RSA key: refused before any verification */
	tok = make_token("{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", claims, ec_key, "ES256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_ALG);
	free(tok);
	/* RS256 naming the EC key */
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"ec-1\"}", claims, rsa_key, "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_ALG);
	free(tok);
	/* a key that declares PS256 does not take RS256 */
	buf_init(&set, 64 * 1024);
	REQUIRE(buf_append_str(&set, "{\"keys\":[") == 0);
	jwk_rsa(rsa_key, "rsa-1", ",\"alg\":\"PS256\"", &set);
	REQUIRE(buf_append_str(&set, "]}") == 0);
	set_text = buf_detach(&set);
	keys = jwks_parse(set_text, strlen(set_text), err, sizeof(err));
	REQUIRE(keys != NULL);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", claims, rsa_key, "RS256");
	CHECK_INT(jwt_verify_id_token(tok, keys, &want, &out, err, sizeof(err)), JWT_BAD_ALG);
	free(tok);
	tok = make_token("{\"alg\":\"PS256\",\"kid\":\"rsa-1\"}", claims, rsa_key, "PS256");
	CHECK_INT(jwt_verify_id_token(tok, keys, &want, &out, err, sizeof(err)), JWT_OK);
	json_decref(out);
	free(tok);
	jwks_free(keys);
	free(set_text);
	free(claims);
}

static void test_jwt_tampered_payload(void)
{
	char err[256], *claims, *other, *tok, *evil, *dot1, *dot2;
	struct buf forged;

	setup_keys();
	claims = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, NULL);
	other = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, ",\"groups\":[\"it-admins\"]");
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", claims, rsa_key, "RS256");
	dot1 = strchr(tok, '.');
	dot2 = strrchr(tok, '.');
	/* the header and signature of a real token around another payload */
	buf_init(&forged, 64 * 1024);
	REQUIRE(buf_append(&forged, tok, (size_t)(dot1 - tok + 1)) == 0);
	b64url_str(other, &forged);
	REQUIRE(buf_append_str(&forged, dot2) == 0);
	CHECK_INT(check_token(forged.ptr, &want, err, sizeof(err)), JWT_BAD_SIGNATURE);
	buf_free(&forged);
	/* one flipped bit in the signature */
	evil = strdup(tok);
	evil[strlen(evil) - 5] = evil[strlen(evil) - 5] == 'A' ? 'B' : 'A';
	CHECK_INT(check_token(evil, &want, err, sizeof(err)), JWT_BAD_SIGNATURE);
	free(evil);
	/* signed by a key the provider does not have, under its kid */
	free(tok);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", claims, rsa_key2, "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_SIGNATURE);
	free(tok);
	free(other);
	free(claims);
}

static void test_jwt_unknown_kid(void)
{
	char err[256], *claims, *tok;

	setup_keys();
	claims = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, NULL);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-2\"}", claims, rsa_key2, "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_UNKNOWN_KID);
	CHECK(strstr(err, "rsa-2") != NULL);
	free(tok);
	/* no kid: every key that fits the algorithm is tried */
	tok = make_token("{\"alg\":\"RS256\"}", claims, rsa_key, "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_OK);
	free(tok);
	tok = make_token("{\"alg\":\"RS256\"}", claims, rsa_key2, "RS256");
	CHECK_INT(check_token(tok, &want, err, sizeof(err)), JWT_BAD_SIGNATURE);
	free(tok);
	free(claims);
}

/* ---- claims ---- */

struct claim_case {
	const char *name;
	const char *iss, *aud, *nonce;
	long long exp_delta, iat_delta;
	const char *extra;
	enum jwt_status want;
	const char *says; /* a word the error must contain */
};

static void test_jwt_claims(void)
{
	static const struct claim_case cases[] = {
		{"valid", ISS, "\"" CLIENT "\"", NONCE, 600, -5, NULL, JWT_OK, NULL},
		{"expired", ISS, "\"" CLIENT "\"", NONCE, -120, -4000, NULL, JWT_BAD_CLAIMS, "expired"},
		{"expired within leeway", ISS, "\"" CLIENT "\"", NONCE, -30, -4000, NULL, JWT_OK, NULL},
		{"issued in the future", ISS, "\"" CLIENT "\"", NONCE, 7200, 300, NULL, JWT_BAD_CLAIMS, "future"},
		{"wrong issuer", "https://evil.example.test", "\"" CLIENT "\"", NONCE, 600, 0, NULL, JWT_BAD_CLAIMS, "issued by"},
		{"issuer with a trailing slash", ISS "/", "\"" CLIENT "\"", NONCE, 600, 0, NULL, JWT_BAD_CLAIMS, "issued by"},
		{"wrong audience", ISS, "\"someone-else\"", NONCE, 600, 0, NULL, JWT_BAD_CLAIMS, "audience"},
		{"audience array", ISS, "[\"" CLIENT "\"]", NONCE, 600, 0, NULL, JWT_OK, NULL},
		{"several audiences without azp", ISS, "[\"api\",\"" CLIENT "\"]", NONCE, 600, 0, NULL, JWT_BAD_CLAIMS, "azp"},
		{"several audiences with azp", ISS, "[\"api\",\"" CLIENT "\"]", NONCE, 600, 0, ",\"azp\":\"" CLIENT "\"", JWT_OK, NULL},
		{"azp of another client", ISS, "\"" CLIENT "\"", NONCE, 600, 0, ",\"azp\":\"other\"", JWT_BAD_CLAIMS, "azp"},
		{"audience array without us", ISS, "[\"api\"]", NONCE, 600, 0, NULL, JWT_BAD_CLAIMS, "audience"},
		{"wrong nonce", ISS, "\"" CLIENT "\"", "n-0S6_WzA2Mx", 600, 0, NULL, JWT_BAD_CLAIMS, "nonce"},
		{"no nonce", ISS, "\"" CLIENT "\"", NULL, 600, 0, NULL, JWT_BAD_CLAIMS, "nonce"},
		{"not yet valid", ISS, "\"" CLIENT "\"", NONCE, 600, 0, ",\"nbf\":1764464400", JWT_BAD_CLAIMS, "nbf"},
		{"audience not a string", ISS, "42", NONCE, 600, 0, NULL, JWT_BAD_CLAIMS, "audience"},
	};
	char err[256];

	setup_keys();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct claim_case *c = &cases[i];
		char *claims = claims_json(c->iss, c->aud, c->nonce, c->exp_delta, c->iat_delta, c->extra);
		char *tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", claims, rsa_key, "RS256");
		enum jwt_status st;

		err[0] = '\0';
		st = check_token(tok, &want, err, sizeof(err));
		CHECK_MSG(st == c->want, "%s: status %d (%s), want %d", c->name, st, err, c->want);
		if (c->says)
			CHECK_MSG(strstr(err, c->says) != NULL, "%s: error '%s' lacks '%s'", c->name, err,
				  c->says);
		free(tok);
		free(claims);
	}
}

static void test_jwt_needs_exp_iat_sub(void)
{
	static const char *const bodies[] = {
		"{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"iat\":1764460800,\"nonce\":\"" NONCE "\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":1764464400,\"nonce\":\"" NONCE "\"}",
		"{\"iss\":\"" ISS "\",\"aud\":\"" CLIENT "\",\"exp\":1764464400,\"iat\":1764460800,\"nonce\":\"" NONCE "\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"\",\"aud\":\"" CLIENT "\",\"exp\":1764464400,\"iat\":1764460800,\"nonce\":\"" NONCE "\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" CLIENT "\",\"exp\":\"1764464400\",\"iat\":1764460800,\"nonce\":\"" NONCE "\"}",
	};
	char err[256];

	setup_keys();
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char *tok = make_token("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", bodies[i], rsa_key, "RS256");

		CHECK_MSG(check_token(tok, &want, err, sizeof(err)) == JWT_BAD_CLAIMS, "body %zu: %s", i, err);
		free(tok);
	}
}

/* ---- key sets ---- */

static void test_jwks_parse(void)
{
	char err[256], *text;
	struct jwks *keys;
	struct buf set;

	setup_keys();
	keys = test_keys();
	CHECK_INT(jwks_count(keys), 2);
	jwks_free(keys);
	CHECK(jwks_parse("[]", 2, err, sizeof(err)) == NULL);
	CHECK(jwks_parse("{\"keys\":{}}", 11, err, sizeof(err)) == NULL);
	CHECK(jwks_parse("{\"keys\":[]}", 11, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "no usable") != NULL);
	/* a 1024-bit RSA key, an encryption key, an unknown type: all skipped */
	buf_init(&set, 64 * 1024);
	REQUIRE(buf_append_str(&set, "{\"keys\":[") == 0);
	jwk_rsa(rsa_small, "small", "", &set);
	REQUIRE(buf_append_char(&set, ',') == 0);
	jwk_rsa(rsa_key, "enc", ",\"use\":\"enc\"", &set);
	REQUIRE(buf_append_str(&set, ",{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}") == 0);
	REQUIRE(buf_append_str(&set, "]}") == 0);
	text = buf_detach(&set);
	CHECK(jwks_parse(text, strlen(text), err, sizeof(err)) == NULL);
	free(text);
	/* an EC point that is not on the curve */
	text = strdup("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"bad\","
		      "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\","
		      "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}]}");
	CHECK(jwks_parse(text, strlen(text), err, sizeof(err)) == NULL);
	free(text);
}

/* ---- PKCE, the sign-in state, roles, names ---- */

static void test_pkce_rfc7636(void)
{
	char challenge[OIDC_CHALLENGE_LEN + 1];

	/* RFC 7636 Appendix B */
	oidc_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", challenge);
	CHECK_STR(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	CHECK_INT(strlen(challenge), 43);
}

static void test_flow_round_trip(void)
{
	unsigned char key[32], other[32];
	char sealed[OIDC_COOKIE_MAX], err[256], *bad;
	struct oidc_flow f, back;

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	oidc_flow_new(&f, "/admin/incidents/INC-4?tab=timeline", NOW);
	CHECK_INT(strlen(f.state), OIDC_RANDOM_LEN);
	CHECK_INT(strlen(f.verifier), OIDC_RANDOM_LEN);
	CHECK(strcmp(f.state, f.nonce) != 0 && strcmp(f.nonce, f.verifier) != 0);
	REQUIRE(oidc_flow_seal(&f, key, sealed, sizeof(sealed)) == 0);
	CHECK(strlen(sealed) < 400);
	CHECK(strpbrk(sealed, " ;,\"") == NULL); /* a cookie value without quoting */
	REQUIRE(oidc_flow_open(sealed, key, NOW + 10, &back, err, sizeof(err)) == 0);
	CHECK_STR(back.state, f.state);
	CHECK_STR(back.nonce, f.nonce);
	CHECK_STR(back.verifier, f.verifier);
	CHECK_STR(back.next, "/admin/incidents/INC-4?tab=timeline");
	CHECK_INT(back.expires_s, NOW + OIDC_FLOW_TTL_S);
	/* expired */
	CHECK(oidc_flow_open(sealed, key, NOW + OIDC_FLOW_TTL_S, &back, err, sizeof(err)) != 0);
	CHECK(strstr(err, "minutes") != NULL);
	CHECK(back.state[0] == '\0');
	/* another server's key */
	CHECK(oidc_flow_open(sealed, other, NOW + 10, &back, err, sizeof(err)) != 0);
	/* a changed character in the fields, then in the tag */
	bad = strdup(sealed);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	CHECK(oidc_flow_open(bad, key, NOW + 10, &back, err, sizeof(err)) != 0);
	CHECK(strstr(err, "altered") != NULL);
	memcpy(bad, sealed, strlen(sealed) + 1);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	CHECK(oidc_flow_open(bad, key, NOW + 10, &back, err, sizeof(err)) != 0);
	/* the fields alone, the tag cut off */
	*strchr(bad, '.') = '\0';
	CHECK(oidc_flow_open(bad, key, NOW + 10, &back, err, sizeof(err)) != 0);
	free(bad);
	CHECK(oidc_flow_open("", key, NOW, &back, err, sizeof(err)) != 0);
	CHECK(oidc_flow_open(NULL, key, NOW, &back, err, sizeof(err)) != 0);
}

static void test_flow_next_is_local(void)
{
	static const char *const refused[] = {
		"//evil.example/x", "/\\evil.example", "https://evil.example/", "admin", "",
		"/a b", "/x\"onload", "/<script>", "/x\n",
	};
	struct oidc_flow f;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		oidc_flow_new(&f, refused[i], NOW);
		CHECK_MSG(strcmp(f.next, "/") == 0, "next '%s' kept as '%s'", refused[i], f.next);
	}
	oidc_flow_new(&f, NULL, NOW);
	CHECK_STR(f.next, "/");
	oidc_flow_new(&f, "/exec", NOW);
	CHECK_STR(f.next, "/exec");
}

static void test_role_map(void)
{
	struct oidc_role_rule rules[8];
	char err[256];
	size_t n = 0;
	bool matched;
	json_t *claims;

	REQUIRE(oidc_role_map_parse(" sre-leads=mim, ops = responder ,it-admins=admin,", rules, 8, &n,
				    err, sizeof(err)) == 0);
	CHECK_INT(n, 3);
	CHECK_STR(rules[1].group, "ops");
	CHECK_INT(rules[1].role, ACCESS_RESPONDER);
	CHECK(oidc_role_map_parse("ops", rules, 8, &n, err, sizeof(err)) != 0);
	CHECK(oidc_role_map_parse("ops=root", rules, 8, &n, err, sizeof(err)) != 0);
	CHECK(strstr(err, "root") != NULL);
	CHECK(oidc_role_map_parse("=mim", rules, 8, &n, err, sizeof(err)) != 0);
	CHECK(oidc_role_map_parse("ops=public", rules, 8, &n, err, sizeof(err)) != 0);
	CHECK(oidc_role_map_parse("a=mim,b=mim,c=mim", rules, 2, &n, err, sizeof(err)) != 0);
	REQUIRE(oidc_role_map_parse("cn=ops=mim", rules, 8, &n, err, sizeof(err)) == 0);
	CHECK_STR(rules[0].group, "cn=ops");
	REQUIRE(oidc_role_map_parse(NULL, rules, 8, &n, err, sizeof(err)) == 0);
	CHECK_INT(n, 0);

	REQUIRE(oidc_role_map_parse("sre-leads=mim,ops=responder,it-admins=admin", rules, 8, &n, err,
				    sizeof(err)) == 0);
	/* the highest mapped role wins, whatever the order */
	claims = json_pack("{s:[s,s,s]}", "groups", "it-admins", "ops", "finance");
	CHECK_INT(oidc_role_from_claims(claims, "groups", rules, n, &matched), ACCESS_ADMIN);
	CHECK(matched);
	json_decref(claims);
	claims = json_pack("{s:[s,s]}", "groups", "ops", "sre-leads");
	CHECK_INT(oidc_role_from_claims(claims, "groups", rules, n, &matched), ACCESS_MIM);
	json_decref(claims);
	/* a single string; no match; another claim name; a nested path */
	claims = json_pack("{s:s, s:[s], s:{s:[s]}}", "role", "ops", "groups", "finance",
			   "realm_access", "roles", "sre-leads");
	CHECK_INT(oidc_role_from_claims(claims, "role", rules, n, &matched), ACCESS_RESPONDER);
	CHECK(matched);
	oidc_role_from_claims(claims, "groups", rules, n, &matched);
	CHECK(!matched);
	oidc_role_from_claims(claims, "missing", rules, n, &matched);
	CHECK(!matched);
	CHECK_INT(oidc_role_from_claims(claims, "realm_access.roles", rules, n, &matched), ACCESS_MIM);
	CHECK(matched);
	json_decref(claims);
	/* a namespaced claim with dots is found by its full name */
	claims = json_pack("{s:[s]}", "https://example.com/groups", "it-admins");
	CHECK_INT(oidc_role_from_claims(claims, "https://example.com/groups", rules, n, &matched),
		  ACCESS_ADMIN);
	json_decref(claims);
}

static void test_username_choice(void)
{
	json_t *claims = json_pack("{s:s, s:s, s:s}", "preferred_username", "alice", "email",
				   "alice@example.test", "sub", "248289761001");

	CHECK_STR(oidc_username_from_claims(claims), "alice");
	json_object_del(claims, "preferred_username");
	CHECK_STR(oidc_username_from_claims(claims), "alice@example.test");
	json_object_del(claims, "email");
	CHECK_STR(oidc_username_from_claims(claims), "248289761001");
	/* a preferred_username the account rules refuse gives way to the e-mail address */
	json_object_set_new(claims, "preferred_username", json_string("Alice Example"));
	json_object_set_new(claims, "email", json_string("alice@example.test"));
	CHECK_STR(oidc_username_from_claims(claims), "alice@example.test");
	/* an address the provider has not verified is not a name */
	json_object_set_new(claims, "email_verified", json_false());
	json_object_set_new(claims, "sub", json_string("248289761001"));
	CHECK_STR(oidc_username_from_claims(claims), "248289761001");
	json_object_set_new(claims, "email_verified", json_true());
	CHECK_STR(oidc_username_from_claims(claims), "alice@example.test");
	json_object_clear(claims);
	CHECK(oidc_username_from_claims(claims) == NULL);
	json_decref(claims);
}

static void test_oidc_config_checks(void)
{
	struct oidc_config cfg = {.issuer = "https://idp.example.test", .client_id = "c",
				  .client_secret = "s", .public_url = "https://ops.example.test/"};
	char err[512];
	struct app app = {0};
	struct oidc *o = oidc_new(&cfg, err, sizeof(err));

	REQUIRE(o != NULL);
	CHECK_STR(oidc_redirect_uri(o), "https://ops.example.test/auth/oidc/callback");
	CHECK(!oidc_configured(&app));
	app.oidc = o;
	CHECK(oidc_configured(&app));
	oidc_free(o);
	cfg.issuer = "http://idp.example.test"; /* plain http off the machine */
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.issuer = "http://127.0.0.1:4593/api/oidc";
	o = oidc_new(&cfg, err, sizeof(err));
	CHECK(o != NULL);
	oidc_free(o);
	cfg.issuer = "http://[::1]:8080/realms/ops";
	o = oidc_new(&cfg, err, sizeof(err));
	CHECK(o != NULL);
	oidc_free(o);
	/* names that only look like this machine */
	cfg.issuer = "http://localhost.evil.example/";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.issuer = "http://127.evil.example/";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.issuer = "http://127.0.0.1@evil.example/";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.issuer = "https://idp.example.test/\"><script>";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.issuer = "https://idp.example.test";
	cfg.public_url = NULL;
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "--public-url") != NULL);
	cfg.public_url = "https://ops.example.test";
	cfg.client_secret = "";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.client_secret = "s";
	cfg.scopes = "email profile";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.scopes = "openid";
	cfg.default_role = "root";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	cfg.default_role = "responder";
	cfg.role_map = "ops";
	CHECK(oidc_new(&cfg, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "--oidc-role-map") != NULL);
}

/* Many seeded random corruptions of a valid token, key set and cookie: nothing crashes (the
 * sanitizers watch), no corrupted token verifies and no corrupted cookie opens. */
static void test_corruptions(void)
{
	unsigned char key[32];
	char sealed[OIDC_COOKIE_MAX], err[256], *claims, *tok;
	uint32_t seed = 0x5eed1234u;
	struct oidc_flow f, back;
	struct jwks *good_keys;
	size_t tok_len, set_len, sealed_len;
	int verified = 0, opened = 0;

	setup_keys();
	good_keys = test_keys();
	REQUIRE(good_keys != NULL);
	memset(key, 3, sizeof(key));
	claims = claims_json(ISS, "\"" CLIENT "\"", NONCE, 3600, 0, ",\"groups\":[\"ops\"]");
	tok = make_token("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", claims, ec_key, "ES256");
	tok_len = strlen(tok);
	set_len = strlen(jwks_text);
	oidc_flow_new(&f, "/admin", NOW);
	REQUIRE(oidc_flow_seal(&f, key, sealed, sizeof(sealed)) == 0);
	sealed_len = strlen(sealed);
	for (int round = 0; round < 3000; round++) {
		char *t = strdup(tok), *set = strdup(jwks_text), *c = strdup(sealed);
		int nflips = 1 + round % 3;
		struct jwks *keys;
		json_t *out = NULL;

		REQUIRE(t && set && c);
		for (int i = 0; i < nflips; i++) {
			/* xorshift32: the same corruptions on every run */
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			t[seed % tok_len] = (char)(' ' + (seed >> 8) % 95);
			set[(seed >> 3) % set_len] = (char)(' ' + (seed >> 12) % 95);
			c[(seed >> 5) % sealed_len] = (char)(' ' + (seed >> 16) % 95);
		}
		if (strcmp(t, tok) != 0 &&
		    jwt_verify_id_token(t, good_keys, &want, &out, err, sizeof(err)) == JWT_OK)
			verified++;
		json_decref(out);
		keys = jwks_parse(set, set_len, err, sizeof(err));
		jwks_free(keys);
		if (strcmp(c, sealed) != 0 && oidc_flow_open(c, key, NOW, &back, err, sizeof(err)) == 0)
			opened++;
		free(t);
		free(set);
		free(c);
	}
	CHECK_INT(verified, 0);
	CHECK_INT(opened, 0);
	jwks_free(good_keys);
	free(tok);
	free(claims);
}

UNIT_SUITE(oidc_suite) = {
	{"b64url: strict unpadded base64url", test_b64url_strict},
	{"jwt: splitting and decoding", test_jwt_split},
	{"jwt: RS256, PS256 and ES256 verify", test_jwt_valid_algorithms},
	{"jwt: alg none and HS256 with the RSA key refused", test_jwt_refuses_none_and_hmac},
	{"jwt: the algorithm must fit the key", test_jwt_alg_must_fit_key},
	{"jwt: tampered payload and signature refused", test_jwt_tampered_payload},
	{"jwt: unknown kid reported, kid-less tokens tried per key", test_jwt_unknown_kid},
	{"jwt: claims (exp, iat, iss, aud, azp, nonce, nbf)", test_jwt_claims},
	{"jwt: exp, iat and sub are required", test_jwt_needs_exp_iat_sub},
	{"jwks: parsing keeps usable signature keys only", test_jwks_parse},
	{"oidc: PKCE S256 known answer (RFC 7636 B)", test_pkce_rfc7636},
	{"oidc: sign-in state cookie round trip and tampering", test_flow_round_trip},
	{"oidc: next is a local path or /", test_flow_next_is_local},
	{"oidc: role map and groups claim", test_role_map},
	{"oidc: user name from the claims", test_username_choice},
	{"oidc: configuration checks", test_oidc_config_checks},
	{"oidc: corrupted tokens, key sets and cookies", test_corruptions},
	UNIT_END,
};
