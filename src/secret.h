/*
 * secret — the server's own key: 32 random bytes made once per database and kept in its
 * `settings` table, so every replica on one PostgreSQL signs and checks the same links
 * (session CSRF tokens, OIDC state, page acknowledgement links, subscriber confirmations)
 * and a restart does not invalidate what was already sent out.
 *
 * Derive a key per purpose rather than using the secret directly:
 * secret_derive(app_secret, "ack-link", key) gives a key that cannot sign anything else.
 */
#ifndef MAJOROPS_SECRET_H
#define MAJOROPS_SECRET_H

#include <stddef.h>

#define SECRET_BYTES 32

struct store;

/* Reads the secret, making it first if the database has none (one racing replica wins;
 * the others read its value).  0, or -1 with `err` filled. */
int secret_load(struct store *s, unsigned char out[SECRET_BYTES], char *err, size_t errlen);

/* key = BLAKE2b-256 keyed with `secret` over `purpose`: a separate key per use. */
void secret_derive(const unsigned char secret[SECRET_BYTES], const char *purpose,
		   unsigned char key[SECRET_BYTES]);

#endif
