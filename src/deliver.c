/* The libcurl sender of the outbox (see deliver.h). */
#include "deliver.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "outbox.h"

#ifndef MAJOROPS_VERSION
#define MAJOROPS_VERSION "0.0.0"
#endif

struct deliver_pool {
	CURLM *multi;
	size_t count;
	struct deliver_job *jobs[DELIVER_POOL_MAX]; /* running, for deliver_pool_free */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_setup(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int deliver_global_init(void)
{
	pthread_once(&curl_once, curl_setup);
	return curl_init_result == CURLE_OK ? 0 : -1;
}

/* Keeps the start of a reply for the error text; the rest is read and dropped. */
static size_t on_reply(char *data, size_t size, size_t n, void *ctx)
{
	struct deliver_job *job = ctx;
	size_t len = size * n, room = DELIVER_REPLY_MAX - job->reply_len;
	size_t take = len < room ? len : room;

	memcpy(job->reply + job->reply_len, data, take);
	job->reply_len += take;
	job->reply[job->reply_len] = '\0';
	return len;
}

/* Feeds the mail to curl's SMTP upload. */
static size_t on_read(char *out, size_t size, size_t n, void *ctx)
{
	struct deliver_job *job = ctx;
	size_t room = size * n, left = job->len - job->off;
	size_t take = left < room ? left : room;

	memcpy(out, job->body + job->off, take);
	job->off += take;
	return take;
}

static struct deliver_job *job_new(char *body)
{
	struct deliver_job *job;

	if (body == NULL || deliver_global_init() != 0) {
		free(body);
		return NULL;
	}
	job = calloc(1, sizeof(*job));
	if (job == NULL) {
		free(body);
		return NULL;
	}
	job->body = body;
	job->len = strlen(body);
	job->easy = curl_easy_init();
	if (job->easy == NULL) {
		deliver_job_free(job);
		return NULL;
	}
	curl_easy_setopt(job->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(job->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)OUTBOX_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(job->easy, CURLOPT_TIMEOUT_MS, (long)OUTBOX_TOTAL_TIMEOUT_MS);
	curl_easy_setopt(job->easy, CURLOPT_ERRORBUFFER, job->errbuf);
	curl_easy_setopt(job->easy, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(job->easy, CURLOPT_WRITEDATA, job);
	curl_easy_setopt(job->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(job->easy, CURLOPT_PRIVATE, job);
	return job;
}

struct deliver_job *deliver_http(const char *url, char *body, const char *const *headers,
				 size_t nheaders)
{
	struct deliver_job *job = job_new(body);
	struct curl_slist *list = NULL;

	if (job == NULL)
		return NULL;
	for (size_t i = 0; i < nheaders; i++) {
		struct curl_slist *next = curl_slist_append(list, headers[i]);

		if (next == NULL)
			goto fail;
		list = next;
	}
	job->headers = list;
	curl_easy_setopt(job->easy, CURLOPT_URL, url);
	curl_easy_setopt(job->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(job->easy, CURLOPT_USERAGENT, "MajorOps/" MAJOROPS_VERSION);
	curl_easy_setopt(job->easy, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(job->easy, CURLOPT_POSTFIELDS, job->body);
	curl_easy_setopt(job->easy, CURLOPT_POSTFIELDSIZE, (long)job->len);
	return job;
fail:
	curl_slist_free_all(list);
	deliver_job_free(job);
	return NULL;
}

struct deliver_job *deliver_smtp(const char *smtp_url, const char *from, const char *to,
				 char *message)
{
	struct deliver_job *job = job_new(message);
	char addr[320];

	if (job == NULL)
		return NULL;
	snprintf(addr, sizeof(addr), "<%s>", to);
	job->rcpt = curl_slist_append(NULL, addr);
	if (job->rcpt == NULL) {
		deliver_job_free(job);
		return NULL;
	}
	snprintf(addr, sizeof(addr), "<%s>", from);
	curl_easy_setopt(job->easy, CURLOPT_URL, smtp_url);
	curl_easy_setopt(job->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS when the server offers it; smtps:// is TLS from the first byte. */
	curl_easy_setopt(job->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(job->easy, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(job->easy, CURLOPT_MAIL_RCPT, (struct curl_slist *)job->rcpt);
	curl_easy_setopt(job->easy, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(job->easy, CURLOPT_READDATA, job);
	curl_easy_setopt(job->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(job->easy, CURLOPT_INFILESIZE, (long)job->len);
	return job;
}

void deliver_job_free(struct deliver_job *job)
{
	if (job == NULL)
		return;
	if (job->easy)
		curl_easy_cleanup(job->easy);
	curl_slist_free_all(job->headers);
	curl_slist_free_all(job->rcpt);
	free(job->body);
	free(job);
}

struct deliver_pool *deliver_pool_new(void)
{
	struct deliver_pool *pool;

	if (deliver_global_init() != 0)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return NULL;
	pool->multi = curl_multi_init();
	if (pool->multi == NULL) {
		free(pool);
		return NULL;
	}
	return pool;
}

int deliver_pool_add(struct deliver_pool *pool, struct deliver_job *job)
{
	if (pool->count == DELIVER_POOL_MAX ||
	    curl_multi_add_handle(pool->multi, job->easy) != CURLM_OK) {
		deliver_job_free(job);
		return -1;
	}
	pool->jobs[pool->count++] = job;
	return 0;
}

static void pool_forget(struct deliver_pool *pool, const struct deliver_job *job)
{
	for (size_t i = 0; i < pool->count; i++) {
		if (pool->jobs[i] == job) {
			pool->jobs[i] = pool->jobs[--pool->count];
			return;
		}
	}
}

void deliver_pool_run(struct deliver_pool *pool, int timeout_ms)
{
	int running = 0;

	curl_multi_perform(pool->multi, &running);
	if (running > 0)
		curl_multi_poll(pool->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(pool->multi, &running);
}

/* Writes what went wrong with a finished job. */
static bool job_outcome(struct deliver_job *job, CURLcode code, char *err, size_t errlen)
{
	long status = 0;
	char *scheme = NULL;

	if (code != CURLE_OK) {
		snprintf(err, errlen, "%s%s%s", curl_easy_strerror(code), job->errbuf[0] ? ": " : "",
			 job->errbuf);
		return false;
	}
	curl_easy_getinfo(job->easy, CURLINFO_SCHEME, &scheme);
	if (scheme && (strcasecmp(scheme, "smtp") == 0 || strcasecmp(scheme, "smtps") == 0)) {
		err[0] = '\0';
		return true;
	}
	curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300) {
		err[0] = '\0';
		return true;
	}
	/* One line: the status and the start of what the receiver said. */
	for (size_t i = 0; i < job->reply_len; i++)
		if (job->reply[i] == '\n' || job->reply[i] == '\r' || job->reply[i] == '\t')
			job->reply[i] = ' ';
	snprintf(err, errlen, "HTTP %ld%s%.200s", status, job->reply_len ? ": " : "", job->reply);
	return false;
}

struct deliver_job *deliver_pool_done(struct deliver_pool *pool, bool *ok, char *err,
				      size_t errlen)
{
	CURLMsg *msg;
	int left = 0;

	while ((msg = curl_multi_info_read(pool->multi, &left)) != NULL) {
		struct deliver_job *job = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job);
		*ok = job_outcome(job, msg->data.result, err, errlen);
		curl_multi_remove_handle(pool->multi, job->easy);
		pool_forget(pool, job);
		return job;
	}
	return NULL;
}

size_t deliver_pool_count(const struct deliver_pool *pool)
{
	return pool->count;
}

void deliver_pool_free(struct deliver_pool *pool)
{
	if (pool == NULL)
		return;
	for (size_t i = 0; i < pool->count; i++) {
		curl_multi_remove_handle(pool->multi, pool->jobs[i]->easy);
		deliver_job_free(pool->jobs[i]);
	}
	curl_multi_cleanup(pool->multi);
	free(pool);
}
