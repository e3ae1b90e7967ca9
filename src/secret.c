/* The server's key, made once per database (see secret.h). */
#include "secret.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

struct secret_job {
	unsigned char *out;
	int found;
};

/* 1 when `value` is the 64 hex digits of a secret (written to `out`), else 0. */
static int secret_from_hex(const char *value, unsigned char out[SECRET_BYTES])
{
	size_t len = 0;

	return strlen(value) == SECRET_BYTES * 2 &&
	       sodium_hex2bin(out, SECRET_BYTES, value, SECRET_BYTES * 2, NULL, &len, NULL) == 0 &&
	       len == SECRET_BYTES;
}

static int secret_in_store(struct store_conn *c, void *arg)
{
	struct secret_job *job = arg;
	unsigned char fresh[SECRET_BYTES];
	char hex[SECRET_BYTES * 2 + 1];
	struct store_stmt *st;
	int rc = -1;

	randombytes_buf(fresh, sizeof(fresh));
	sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
	sodium_memzero(fresh, sizeof(fresh));
	/* Insert-if-absent then read: whoever inserted first, every replica reads one value. */
	if (store_run(c, STMT_SETTING_PUT_NEW, "tt", "secret", hex) != 0)
		goto done;
	st = store_bind(c, STMT_SETTING_GET, "t", "secret");
	if (st == NULL)
		goto done;
	if (store_step(st) == 1)
		job->found = secret_from_hex(store_col_text(st, 0), job->out);
	store_reset(st);
	rc = 0;
done:
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int secret_load(struct store *s, unsigned char out[SECRET_BYTES], char *err, size_t errlen)
{
	struct secret_job job = {.out = out};

	struct store_conn *reader;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium could not start");
		return -1;
	}
	/* Every start but the first finds it: a read, not a durable commit (start-up time). */
	reader = store_read_begin(s);
	if (reader) {
		struct store_stmt *st = store_bind(reader, STMT_SETTING_GET, "t", "secret");

		if (st && store_step(st) == 1)
			job.found = secret_from_hex(store_col_text(st, 0), out);
		if (st)
			store_reset(st);
		store_read_end(s, reader);
		if (job.found)
			return 0;
	}
	if (store_write(s, secret_in_store, &job) != 0) {
		snprintf(err, errlen, "cannot read or make the server secret in the store");
		return -1;
	}
	if (!job.found) {
		snprintf(err, errlen, "the stored server secret is not 64 hex digits");
		return -1;
	}
	return 0;
}

void secret_derive(const unsigned char secret[SECRET_BYTES], const char *purpose,
		   unsigned char key[SECRET_BYTES])
{
	crypto_generichash(key, SECRET_BYTES, (const unsigned char *)purpose, strlen(purpose),
			   secret, SECRET_BYTES);
}
