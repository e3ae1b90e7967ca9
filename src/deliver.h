/*
 * deliver — the libcurl sender of the outbox: one job per message (an HTTP POST or an SMTP
 * submission), many at once in a pool built on curl's multi interface.
 *
 * Every job has a connect timeout of OUTBOX_CONNECT_TIMEOUT_MS and a total timeout of
 * OUTBOX_TOTAL_TIMEOUT_MS, follows no redirects, speaks only http/https (or smtp/smtps),
 * and keeps at most DELIVER_REPLY_MAX bytes of a reply (for the error text).  SMTP uses
 * STARTTLS when the server offers it (CURLUSESSL_TRY) on smtp://, implicit TLS on
 * smtps://, and the user and password of the URL for AUTH.
 *
 * A job succeeds when curl finished without error and, for HTTP, the status is 2xx.
 *
 * Ownership: a job owns its body and headers; the pool owns the jobs added to it until
 * deliver_pool_done() hands one back (the caller frees it with deliver_job_free());
 * deliver_pool_free() aborts and frees those still running.  One thread uses a pool.
 */
#ifndef MAJOROPS_DELIVER_H
#define MAJOROPS_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DELIVER_REPLY_MAX 512
#define DELIVER_DEST_MAX 48
#define DELIVER_ERROR_MAX 300
#define DELIVER_POOL_MAX 64 /* jobs running at once in one pool */

struct deliver_job {
	/* The caller's bookkeeping, untouched by this module. */
	int64_t id;
	int64_t created_at;
	int attempts;
	char dest[DELIVER_DEST_MAX];
	/* Private. */
	void *easy;
	void *headers, *rcpt;
	char *body;
	size_t len, off;
	char reply[DELIVER_REPLY_MAX + 1];
	size_t reply_len;
	char errbuf[256];
};

/* Sets libcurl's global state up once (thread-safe to call again). */
int deliver_global_init(void);

/* A POST of `body` (taken over: freed with the job, also on failure) to `url` with
 * `headers` ("Name: value", copied).  NULL when out of memory. */
struct deliver_job *deliver_http(const char *url, char *body, const char *const *headers,
				 size_t nheaders);
/* A mail (`message`, a complete RFC 5322 text with CRLF; taken over) from `from` to `to`
 * through `smtp_url`.  NULL when out of memory. */
struct deliver_job *deliver_smtp(const char *smtp_url, const char *from, const char *to,
				 char *message);
void deliver_job_free(struct deliver_job *job);

struct deliver_pool;
struct deliver_pool *deliver_pool_new(void);
/* Starts `job` (the pool owns it now, also on failure).  0 or -1. */
int deliver_pool_add(struct deliver_pool *pool, struct deliver_job *job);
/* Lets the jobs run for up to `timeout_ms` (returns early when one finishes). */
void deliver_pool_run(struct deliver_pool *pool, int timeout_ms);
/* A finished job, removed from the pool, or NULL: `*ok` says whether it succeeded and
 * `err` what went wrong ("HTTP 503: …", "Couldn't connect to server: …"). */
struct deliver_job *deliver_pool_done(struct deliver_pool *pool, bool *ok, char *err,
				      size_t errlen);
size_t deliver_pool_count(const struct deliver_pool *pool);
void deliver_pool_free(struct deliver_pool *pool);

#endif
