/*
 * jwt — the pure checks of an OpenID Connect ID token (OIDC Core §3.1.3.7): JWS compact
 * serialization split and decoded, the provider's JWK set parsed into public keys, the
 * signature verified with OpenSSL's libcrypto, and the claims checked against what the
 * sign-in expects.  No I/O; the clock is an argument (`now_s`).  oidc.c fetches what this
 * module checks.
 *
 * Algorithms: RS256/384/512 (RSASSA-PKCS1-v1_5), PS256/384/512 (RSASSA-PSS, salt = hash
 * length) and ES256/384/512 (ECDSA on P-256/P-384/P-521, signatures as JWA's r‖s).  `none`,
 * the HMAC family HS* (whose "key" would be the public key — the classic confusion attack)
 * and anything else are refused before a key is looked at.  The header's `alg` must fit the
 * key: RS/PS need an RSA key of at least JWT_RSA_BITS_MIN bits, ESnnn an EC key on its
 * curve, and a key that names its own `alg` only that one.  A header with `crit` is refused
 * (no extension is understood).
 *
 * Key choice: by the header's `kid`; a `kid` the set does not hold is JWT_UNKNOWN_KID, so
 * the caller can fetch the provider's keys again once (key rotation).  A header without
 * `kid` is tried against every key of the set that fits its `alg`.
 *
 * Ownership: struct jwt owns its decoded header and claims (jwt_free); struct jwks is
 * immutable once parsed, so one parsed set may be read by many threads at once.
 */
#ifndef MAJOROPS_JWT_H
#define MAJOROPS_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JWT_TOKEN_MAX (16 * 1024) /* bytes of a compact token; longer → JWT_MALFORMED */
#define JWT_LEEWAY_S 60           /* clock skew tolerated on exp, iat and nbf */
#define JWT_RSA_BITS_MIN 2048     /* smaller RSA keys in a JWK set are ignored */
#define JWKS_KEYS_MAX 64          /* keys read from one set; the rest are ignored */
#define JWKS_TEXT_MAX (256 * 1024) /* bytes of a JWK set document */
#define JWT_SUB_MAX 255           /* OIDC Core: `sub` is at most 255 ASCII characters */

enum jwt_status {
	JWT_OK = 0,
	JWT_MALFORMED,     /* not three base64url parts of JSON objects, or too long */
	JWT_BAD_ALG,       /* none, HS*, unknown, or not the key's algorithm */
	JWT_UNKNOWN_KID,   /* no key of the set has the header's kid (or fits a kid-less one) */
	JWT_BAD_SIGNATURE, /* the signature does not verify */
	JWT_BAD_CLAIMS,    /* iss, aud, azp, exp, iat, nbf, nonce or sub refused */
};

/* "malformed token", "unacceptable algorithm", … (static). */
const char *jwt_strerror(enum jwt_status status);

/* A decoded, not yet verified, compact JWS. */
struct jwt {
	json_t *header;     /* the JOSE header (an object) */
	json_t *claims;     /* the payload (an object) */
	const char *alg;    /* borrowed from header; never NULL after a successful decode */
	const char *kid;    /* borrowed from header, or NULL */
	char *signed_part;  /* "header.payload" as received: what the signature covers */
	size_t signed_len;
	unsigned char *sig; /* the decoded signature */
	size_t sig_len;
};

/* Splits and decodes `token` into `out` (zeroed first): JWT_OK, or JWT_MALFORMED with `err`
 * saying why.  The JSON parts must be objects without duplicate names.  jwt_free() always. */
enum jwt_status jwt_decode(const char *token, struct jwt *out, char *err, size_t errlen);
void jwt_free(struct jwt *t);

struct jwks;

/* Parses a JWK set document ({"keys":[…]}): RSA and EC signature keys become public keys;
 * keys for encryption (`use` "enc"), of other types or unusable (short RSA, a point off its
 * curve) are skipped.  NULL with `err` filled when the document is not a JWK set or holds no
 * usable key.  jwks_free() (NULL is fine). */
struct jwks *jwks_parse(const char *text, size_t len, char *err, size_t errlen);
void jwks_free(struct jwks *keys);
size_t jwks_count(const struct jwks *keys);

/* Verifies the signature of `t` with the key chosen by its header (see above). */
enum jwt_status jwt_verify_signature(const struct jwt *t, const struct jwks *keys, char *err,
				     size_t errlen);

/* What the sign-in expects of the token's claims. */
struct jwt_expect {
	const char *issuer;    /* `iss` must equal it exactly */
	const char *client_id; /* in `aud` (a string or an array); `azp`, when present, = it */
	const char *nonce;     /* `nonce` must equal it (compared in constant time) */
	int64_t now_s;         /* the app's clock, seconds since the epoch */
	int64_t leeway_s;      /* JWT_LEEWAY_S */
};

/* Checks iss, aud (an array of several needs azp), exp (required, now < exp + leeway), iat
 * (required, not after now + leeway), nbf (when present), nonce, and a sub of 1..255
 * characters.  JWT_OK or JWT_BAD_CLAIMS with `err` naming the claim. */
enum jwt_status jwt_check_claims(const struct jwt *t, const struct jwt_expect *want, char *err,
				 size_t errlen);

/* All of it: decode, verify the signature, check the claims.  On JWT_OK `*claims` holds a
 * new reference to the verified claims (json_decref() it). */
enum jwt_status jwt_verify_id_token(const char *token, const struct jwks *keys,
				    const struct jwt_expect *want, json_t **claims, char *err,
				    size_t errlen);

/* Decodes unpadded base64url (RFC 7515 §2) into at most `max` bytes: 0, or -1 when the
 * text is not strict base64url or does not fit. */
int b64url_decode(const char *text, size_t len, unsigned char *out, size_t max, size_t *out_len);

#endif
