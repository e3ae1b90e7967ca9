/*
 * jwt — ID token checks (jwt.h).  Public keys and signatures go through OpenSSL 3's EVP
 * interface: libsodium, which MajorOps uses for everything else, has no RSA, and every
 * identity provider signs with RSA by default.
 */
#include "jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

#define JWK_KID_MAX 256
#define JWK_ALG_MAX 16
#define JWK_FIELD_MAX 1024 /* decoded bytes of n (8192-bit RSA), e, x or y */
#define EC_FIELD_MAX 66    /* P-521 coordinates */

enum key_type { KEY_RSA, KEY_EC };

struct alg_info {
	const char *name;
	enum key_type type;
	int ec_bits;          /* the curve for ESnnn; 0 for RSA */
	bool pss;             /* PSnnn */
	const EVP_MD *(*md)(void);
};

static const struct alg_info algs[] = {
	{"RS256", KEY_RSA, 0, false, EVP_sha256}, {"RS384", KEY_RSA, 0, false, EVP_sha384},
	{"RS512", KEY_RSA, 0, false, EVP_sha512}, {"PS256", KEY_RSA, 0, true, EVP_sha256},
	{"PS384", KEY_RSA, 0, true, EVP_sha384},  {"PS512", KEY_RSA, 0, true, EVP_sha512},
	{"ES256", KEY_EC, 256, false, EVP_sha256}, {"ES384", KEY_EC, 384, false, EVP_sha384},
	{"ES512", KEY_EC, 521, false, EVP_sha512},
};

struct curve_info {
	const char *jwk_name;     /* JWA "crv" */
	const char *ossl_name;    /* OpenSSL's group name */
	int bits;
	size_t field_len;         /* bytes of one coordinate, and of r and s */
};

static const struct curve_info curves[] = {
	{"P-256", "prime256v1", 256, 32},
	{"P-384", "secp384r1", 384, 48},
	{"P-521", "secp521r1", 521, 66},
};

struct jwk {
	char kid[JWK_KID_MAX];
	bool has_kid;
	char alg[JWK_ALG_MAX]; /* "" when the key names no algorithm */
	enum key_type type;
	const struct curve_info *curve; /* EC keys */
	EVP_PKEY *pkey;
};

struct jwks {
	size_t n;
	struct jwk keys[];
};

const char *jwt_strerror(enum jwt_status status)
{
	switch (status) {
	case JWT_OK: return "valid";
	case JWT_MALFORMED: return "malformed token";
	case JWT_BAD_ALG: return "unacceptable algorithm";
	case JWT_UNKNOWN_KID: return "signed with an unknown key";
	case JWT_BAD_SIGNATURE: return "bad signature";
	case JWT_BAD_CLAIMS: return "claims refused";
	}
	return "invalid token";
}

static enum jwt_status fail_with(enum jwt_status status, char *err, size_t errlen,
				 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum jwt_status fail_with(enum jwt_status status, char *err, size_t errlen,
				 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

static bool is_b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int b64url_decode(const char *text, size_t len, unsigned char *out, size_t max, size_t *out_len)
{
	const char *end = NULL;

	for (size_t i = 0; i < len; i++)
		if (!is_b64url_char(text[i]))
			return -1;
	/* A length of 1 mod 4 is never the encoding of whole bytes. */
	if (len % 4 == 1)
		return -1;
	if (sodium_base642bin(out, max, text, len, NULL, out_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != text + len)
		return -1;
	return 0;
}

/* Decodes one base64url part that must hold a JSON object. */
static enum jwt_status decode_json_part(const char *text, size_t len, const char *what,
					json_t **out, char *err, size_t errlen)
{
	unsigned char *raw = malloc(len + 1);
	struct api_error perr;
	size_t raw_len = 0;
	enum jwt_status st = JWT_MALFORMED;

	if (raw == NULL)
		return fail_with(JWT_MALFORMED, err, errlen, "out of memory");
	if (b64url_decode(text, len, raw, len, &raw_len) != 0) {
		fail_with(st, err, errlen, "the %s is not base64url", what);
		goto done;
	}
	if (json_parse_body((const char *)raw, raw_len, out, &perr) != 0) {
		fail_with(st, err, errlen, "the %s is not one JSON object: %s", what, perr.message);
		goto done;
	}
	st = JWT_OK;
done:
	free(raw);
	return st;
}

void jwt_free(struct jwt *t)
{
	if (t == NULL)
		return;
	json_decref(t->header);
	json_decref(t->claims);
	free(t->signed_part);
	free(t->sig);
	memset(t, 0, sizeof(*t));
}

enum jwt_status jwt_decode(const char *token, struct jwt *out, char *err, size_t errlen)
{
	const char *dot1, *dot2, *sig_text, *why = NULL;
	size_t len, sig_text_len, sig_len = 0;
	unsigned char *sig;
	const json_t *kid;

	memset(out, 0, sizeof(*out));
	if (token == NULL) {
		snprintf(err, errlen, "no token");
		return JWT_MALFORMED;
	}
	len = strnlen(token, JWT_TOKEN_MAX + 1);
	if (len > JWT_TOKEN_MAX) {
		snprintf(err, errlen, "the token is over %d bytes", JWT_TOKEN_MAX);
		return JWT_MALFORMED;
	}
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL) {
		snprintf(err, errlen, "the token is not three dot-separated parts (an encrypted token?)");
		return JWT_MALFORMED;
	}
	if (dot1 == token || dot2 == dot1 + 1) {
		snprintf(err, errlen, "the token has an empty part");
		return JWT_MALFORMED;
	}
	/* decode_json_part() writes its own message */
	if (decode_json_part(token, (size_t)(dot1 - token), "header", &out->header, err, errlen) != JWT_OK ||
	    decode_json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1), "payload", &out->claims, err,
			     errlen) != JWT_OK)
		goto fail;
	out->alg = json_string_value(json_object_get(out->header, "alg"));
	kid = json_object_get(out->header, "kid");
	if (out->alg == NULL) {
		why = "the header has no alg";
		goto fail;
	}
	if (kid != NULL && !json_is_string(kid)) {
		why = "the header's kid is not a string";
		goto fail;
	}
	out->kid = json_string_value(kid);
	out->signed_len = (size_t)(dot2 - token);
	out->signed_part = malloc(out->signed_len + 1);
	sig_text = dot2 + 1;
	sig_text_len = strlen(sig_text);
	/* An empty signature is kept as such: `alg: none` is then refused as an algorithm. */
	out->sig = malloc(sig_text_len + 1);
	if (out->signed_part == NULL || out->sig == NULL) {
		why = "out of memory";
		goto fail;
	}
	memcpy(out->signed_part, token, out->signed_len);
	out->signed_part[out->signed_len] = '\0';
	/* into locals: a write through a pointer into *out would hide its allocations from
	 * the static analyzer */
	sig = out->sig;
	if (b64url_decode(sig_text, sig_text_len, sig, sig_text_len + 1, &sig_len) != 0) {
		why = "the signature is not base64url";
		goto fail;
	}
	out->sig_len = sig_len;
	return JWT_OK;
fail:
	if (why != NULL)
		snprintf(err, errlen, "%s", why);
	jwt_free(out);
	return JWT_MALFORMED;
}

/* ---- JWK sets ---- */

/* A base64url member of a JWK as a big-endian number; NULL when absent or bad. */
static BIGNUM *jwk_bignum(const json_t *key, const char *name)
{
	const char *text = json_string_value(json_object_get(key, name));
	unsigned char raw[JWK_FIELD_MAX];
	size_t len = 0;

	if (text == NULL || b64url_decode(text, strlen(text), raw, sizeof(raw), &len) != 0 || len == 0)
		return NULL;
	return BN_bin2bn(raw, (int)len, NULL);
}

/* The RSA public key of a JWK (n, e) via OpenSSL 3's provider-side key import. */
static EVP_PKEY *jwk_rsa(const json_t *key)
{
	BIGNUM *n = jwk_bignum(key, "n"), *e = jwk_bignum(key, "e");
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (n == NULL || e == NULL || bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pkey = NULL;
		goto done;
	}
	if (EVP_PKEY_get_bits(pkey) < JWT_RSA_BITS_MIN) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

/* The EC public key of a JWK (crv, x, y): the point must lie on the curve. */
static EVP_PKEY *jwk_ec(const json_t *key, const struct curve_info **curve_out)
{
	const char *crv = json_string_value(json_object_get(key, "crv"));
	const char *x = json_string_value(json_object_get(key, "x"));
	const char *y = json_string_value(json_object_get(key, "y"));
	const struct curve_info *curve = NULL;
	unsigned char point[1 + 2 * EC_FIELD_MAX];
	size_t xlen = 0, ylen = 0;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *pkey = NULL;

	for (size_t i = 0; crv && i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(crv, curves[i].jwk_name) == 0)
			curve = &curves[i];
	if (curve == NULL || x == NULL || y == NULL ||
	    b64url_decode(x, strlen(x), point + 1, EC_FIELD_MAX, &xlen) != 0 ||
	    xlen != curve->field_len ||
	    b64url_decode(y, strlen(y), point + 1 + xlen, EC_FIELD_MAX, &ylen) != 0 ||
	    ylen != curve->field_len)
		return NULL;
	point[0] = 0x04; /* uncompressed */
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + xlen + ylen) != 1)
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pkey = NULL;
		goto done;
	}
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		goto done;
	}
	*curve_out = curve;
done:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

void jwks_free(struct jwks *keys)
{
	if (keys == NULL)
		return;
	for (size_t i = 0; i < keys->n; i++)
		EVP_PKEY_free(keys->keys[i].pkey);
	free(keys);
}

size_t jwks_count(const struct jwks *keys)
{
	return keys ? keys->n : 0;
}

struct jwks *jwks_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct api_error perr;
	json_t *doc = NULL, *list, *key;
	struct jwks *set = NULL;
	size_t i, nlist;

	if (len > JWKS_TEXT_MAX) {
		snprintf(err, errlen, "the key set is over %d bytes", JWKS_TEXT_MAX);
		return NULL;
	}
	if (json_parse_body(text, len, &doc, &perr) != 0) {
		snprintf(err, errlen, "the key set is not a JSON object: %s", perr.message);
		return NULL;
	}
	list = json_object_get(doc, "keys");
	if (!json_is_array(list)) {
		snprintf(err, errlen, "the key set has no \"keys\" array");
		goto fail;
	}
	nlist = json_array_size(list);
	if (nlist > JWKS_KEYS_MAX)
		nlist = JWKS_KEYS_MAX;
	set = calloc(1, sizeof(*set) + nlist * sizeof(set->keys[0]));
	if (set == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < nlist; i++) {
		struct jwk *k = &set->keys[set->n];
		const char *kty, *use, *kid, *alg;

		key = json_array_get(list, i);
		kty = json_string_value(json_object_get(key, "kty"));
		use = json_string_value(json_object_get(key, "use"));
		kid = json_string_value(json_object_get(key, "kid"));
		alg = json_string_value(json_object_get(key, "alg"));
		if (kty == NULL || (use && strcmp(use, "sig") != 0) ||
		    (kid && strlen(kid) >= sizeof(k->kid)) || (alg && strlen(alg) >= sizeof(k->alg)))
			continue;
		if (strcmp(kty, "RSA") == 0) {
			k->type = KEY_RSA;
			k->pkey = jwk_rsa(key);
		} else if (strcmp(kty, "EC") == 0) {
			k->type = KEY_EC;
			k->pkey = jwk_ec(key, &k->curve);
		}
		if (k->pkey == NULL) {
			ERR_clear_error();
			continue;
		}
		k->has_kid = kid != NULL;
		str_copy(k->kid, kid ? kid : "", sizeof(k->kid));
		str_copy(k->alg, alg ? alg : "", sizeof(k->alg));
		set->n++;
	}
	if (set->n == 0) {
		snprintf(err, errlen, "the key set holds no usable signature key (RSA of %d bits or "
			 "more, or EC on P-256, P-384 or P-521)", JWT_RSA_BITS_MIN);
		goto fail;
	}
	json_decref(doc);
	return set;
fail:
	jwks_free(set);
	json_decref(doc);
	return NULL;
}

/* ---- signatures ---- */

static const struct alg_info *alg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}

static bool key_fits(const struct jwk *k, const struct alg_info *a)
{
	if (k->type != a->type)
		return false;
	if (a->type == KEY_EC && (k->curve == NULL || k->curve->bits != a->ec_bits))
		return false;
	return k->alg[0] == '\0' || strcmp(k->alg, a->name) == 0;
}

/* JWA's ECDSA signature is r‖s of the curve's size; OpenSSL verifies DER. */
static unsigned char *ecdsa_to_der(const unsigned char *sig, size_t sig_len, size_t field_len,
				   int *der_len)
{
	BIGNUM *r, *s;
	ECDSA_SIG *es;
	unsigned char *der = NULL;

	if (sig_len != 2 * field_len)
		return NULL;
	r = BN_bin2bn(sig, (int)field_len, NULL);
	s = BN_bin2bn(sig + field_len, (int)field_len, NULL);
	es = ECDSA_SIG_new();
	if (r == NULL || s == NULL || es == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	*der_len = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (*der_len <= 0) {
		OPENSSL_free(der);
		return NULL;
	}
	return der;
}

/* 1 when `k` verifies the signature of `t` under `a`. */
static int verify_with(const struct jwt *t, const struct alg_info *a, const struct jwk *k)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const unsigned char *sig = t->sig;
	unsigned char *der = NULL;
	size_t sig_len = t->sig_len;
	int der_len = 0, ok = 0;

	if (ctx == NULL)
		goto done;
	if (a->type == KEY_EC) {
		der = ecdsa_to_der(t->sig, t->sig_len, k->curve->field_len, &der_len);
		if (der == NULL)
			goto done;
		sig = der;
		sig_len = (size_t)der_len;
	}
	if (EVP_DigestVerifyInit(ctx, &pctx, a->md(), NULL, k->pkey) != 1)
		goto done;
	if (a->type == KEY_RSA &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, a->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1 ||
	     (a->pss && (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
			 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, a->md()) != 1))))
		goto done;
	ok = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)t->signed_part,
			      t->signed_len) == 1;
done:
	if (!ok)
		ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return ok;
}

enum jwt_status jwt_verify_signature(const struct jwt *t, const struct jwks *keys, char *err,
				     size_t errlen)
{
	const struct alg_info *a;
	bool kid_seen = false, fitting = false;

	if (strcmp(t->alg, "none") == 0)
		return fail_with(JWT_BAD_ALG, err, errlen, "an unsigned token (alg none) is not accepted");
	if (strncmp(t->alg, "HS", 2) == 0)
		return fail_with(JWT_BAD_ALG, err, errlen,
				 "%s (a shared-secret MAC) is not accepted for ID tokens", t->alg);
	a = alg_find(t->alg);
	if (a == NULL)
		return fail_with(JWT_BAD_ALG, err, errlen, "the algorithm '%.16s' is not supported",
				 t->alg);
	if (json_object_get(t->header, "crit") != NULL)
		return fail_with(JWT_BAD_ALG, err, errlen,
				 "the header names critical extensions (crit), none understood");
	for (size_t i = 0; keys && i < keys->n; i++) {
		const struct jwk *k = &keys->keys[i];

		if (t->kid && !(k->has_kid && strcmp(k->kid, t->kid) == 0))
			continue;
		kid_seen = true;
		if (!key_fits(k, a))
			continue;
		fitting = true;
		if (verify_with(t, a, k))
			return JWT_OK;
	}
	if (t->kid && !kid_seen)
		return fail_with(JWT_UNKNOWN_KID, err, errlen,
				 "the provider's key set has no key '%.64s'", t->kid);
	if (!fitting)
		return fail_with(t->kid ? JWT_BAD_ALG : JWT_UNKNOWN_KID, err, errlen,
				 "no key of the provider's set fits the algorithm %s", a->name);
	return fail_with(JWT_BAD_SIGNATURE, err, errlen, "the signature does not verify (%s)",
			 a->name);
}

/* ---- claims ---- */

/* A NumericDate claim (seconds; a JSON integer or real). */
static bool claim_time(const json_t *claims, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(claims, name);

	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (json_is_real(v) && json_real_value(v) > -9.0e15 && json_real_value(v) < 9.0e15) {
		*out = (int64_t)json_real_value(v);
		return true;
	}
	return false;
}

static bool same_secret_text(const char *a, const char *b)
{
	size_t len = strlen(a);

	return len == strlen(b) && sodium_memcmp(a, b, len) == 0;
}

enum jwt_status jwt_check_claims(const struct jwt *t, const struct jwt_expect *want, char *err,
				 size_t errlen)
{
	const json_t *c = t->claims, *aud = json_object_get(c, "aud"), *item;
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *azp = json_string_value(json_object_get(c, "azp"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	bool aud_ok = false;
	int64_t exp, iat, nbf;
	size_t i;

	if (iss == NULL || strcmp(iss, want->issuer) != 0)
		return fail_with(JWT_BAD_CLAIMS, err, errlen,
				 "the token was issued by '%.200s', not by the configured issuer",
				 iss ? iss : "(no iss)");
	if (json_is_string(aud)) {
		aud_ok = strcmp(json_string_value(aud), want->client_id) == 0;
	} else if (json_is_array(aud)) {
		json_array_foreach(aud, i, item)
			if (json_is_string(item) && strcmp(json_string_value(item), want->client_id) == 0)
				aud_ok = true;
		/* OIDC Core 3.1.3.7 (4): several audiences need azp naming this client. */
		if (aud_ok && json_array_size(aud) > 1 && azp == NULL)
			return fail_with(JWT_BAD_CLAIMS, err, errlen,
					 "the token has several audiences and no azp");
	}
	if (!aud_ok)
		return fail_with(JWT_BAD_CLAIMS, err, errlen,
				 "the token's audience (aud) is not this client");
	if (azp != NULL && strcmp(azp, want->client_id) != 0)
		return fail_with(JWT_BAD_CLAIMS, err, errlen,
				 "the token was issued to another client (azp)");
	if (!claim_time(c, "exp", &exp))
		return fail_with(JWT_BAD_CLAIMS, err, errlen, "the token has no expiry (exp)");
	if (want->now_s >= exp + want->leeway_s)
		return fail_with(JWT_BAD_CLAIMS, err, errlen,
				 "the token expired %lld s ago (check the server clock)",
				 (long long)(want->now_s - exp));
	if (!claim_time(c, "iat", &iat))
		return fail_with(JWT_BAD_CLAIMS, err, errlen, "the token has no issue time (iat)");
	if (iat > want->now_s + want->leeway_s)
		return fail_with(JWT_BAD_CLAIMS, err, errlen,
				 "the token was issued %lld s in the future (check the server clock)",
				 (long long)(iat - want->now_s));
	if (json_object_get(c, "nbf") != NULL &&
	    (!claim_time(c, "nbf", &nbf) || nbf > want->now_s + want->leeway_s))
		return fail_with(JWT_BAD_CLAIMS, err, errlen, "the token is not valid yet (nbf)");
	if (nonce == NULL || want->nonce == NULL || !same_secret_text(nonce, want->nonce))
		return fail_with(JWT_BAD_CLAIMS, err, errlen,
				 "the token's nonce is not the one this sign-in sent");
	if (sub == NULL || sub[0] == '\0' || strlen(sub) > JWT_SUB_MAX)
		return fail_with(JWT_BAD_CLAIMS, err, errlen, "the token has no usable subject (sub)");
	return JWT_OK;
}

enum jwt_status jwt_verify_id_token(const char *token, const struct jwks *keys,
				    const struct jwt_expect *want, json_t **claims, char *err,
				    size_t errlen)
{
	struct jwt t;
	enum jwt_status st = jwt_decode(token, &t, err, errlen);

	*claims = NULL;
	if (st != JWT_OK)
		return st;
	st = jwt_verify_signature(&t, keys, err, errlen);
	if (st == JWT_OK)
		st = jwt_check_claims(&t, want, err, errlen);
	if (st == JWT_OK)
		*claims = json_incref(t.claims);
	jwt_free(&t);
	return st;
}
