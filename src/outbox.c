/* Notifications that are never lost: routing, the sender, channels, subscribers (outbox.h). */
#include "outbox.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "buf.h"
#include "codec.h"
#include "deliver.h"
#include "doctrine.h"
#include "incident.h"
#include "notify.h"
#include "parse.h"
#include "secret.h"
#include "service.h"
#include "teams.h"
#include "worker.h"

#define BREAKERS_MAX 64
#define RESULTS_MAX (OUTBOX_INFLIGHT_MAX * 4)

/* A receiver that failed is paused as a whole for a while (see outbox.h). */
struct breaker {
	char dest[DELIVER_DEST_MAX];
	int failures;
	int64_t until;
};

struct result {
	int64_t id;
	char state[16];
	int attempts;
	int64_t next_at;
	char error[OUTBOX_ERROR_MAX];
};

struct outbox {
	struct app *app;
	char *smtp_url, *smtp_from, *public_url, *page_name;
	int64_t retry_base_ms, retry_cap_ms, give_up_ms, digest_interval_ms;
	unsigned char subscriber_key[SECRET_BYTES];

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	int64_t leader_until; /* the deliver task said "this process holds the lease" until then */
	int64_t digest_done;  /* the digest slot already handled (the worker thread's) */

	/* The sender thread's own state. */
	struct deliver_pool *pool;
	struct breaker breakers[BREAKERS_MAX];
	struct result results[RESULTS_MAX];
	size_t nresults;
};

static int64_t now_of(const struct outbox *ob)
{
	return app_now(ob->app);
}

/* ================================================================ set-up */

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* An http(s) URL without spaces, quotes or control characters. */
static bool url_ok(const char *s, const char *const *schemes)
{
	bool scheme = false;

	if (s == NULL || strlen(s) > OUTBOX_URL_MAX)
		return false;
	for (size_t i = 0; schemes[i]; i++)
		if (has_prefix(s, schemes[i]) && s[strlen(schemes[i])] != '\0')
			scheme = true;
	if (!scheme)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == 0x7F)
			return false;
	return true;
}

static const char *const http_schemes[] = {"http://", "https://", NULL};
static const char *const smtp_schemes[] = {"smtp://", "smtps://", NULL};

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

void outbox_config_from_env(struct outbox_config *cfg)
{
	cfg->smtp_url = getenv("MAJOROPS_SMTP_URL");
	cfg->smtp_from = getenv("MAJOROPS_SMTP_FROM");
	cfg->retry_base_ms = getenv("MAJOROPS_OUTBOX_RETRY_BASE_MS");
	cfg->retry_cap_ms = getenv("MAJOROPS_OUTBOX_RETRY_CAP_MS");
	cfg->give_up_ms = getenv("MAJOROPS_OUTBOX_GIVE_UP_MS");
	cfg->digest_interval_ms = getenv("MAJOROPS_DIGEST_INTERVAL_MS");
}

/* A duration option: 1 ms to 400 days. */
static int ms_option(const char *flag, const char *text, int64_t dflt, int64_t *out, char *err,
		     size_t errlen)
{
	const char *cursor = text;
	uint64_t n;

	*out = dflt;
	if (text == NULL || *text == '\0')
		return 0;
	if (parse_u64(&cursor, &n, (uint64_t)400 * 24 * 3600 * 1000) != 0 || *cursor != '\0' || n == 0) {
		snprintf(err, errlen, "%s must be a number of milliseconds, 1 to 400 days", flag);
		return -1;
	}
	*out = (int64_t)n;
	return 0;
}

struct outbox *outbox_new(const struct outbox_config *cfg, struct app *app, char *err,
			  size_t errlen)
{
	struct outbox *ob;
	int64_t retry_base, retry_cap, give_up, digest;
	const char *pub = cfg->public_url && *cfg->public_url ? cfg->public_url : "";

	if (cfg->smtp_url && *cfg->smtp_url && !url_ok(cfg->smtp_url, smtp_schemes)) {
		snprintf(err, errlen, "cannot use --smtp-url: expected smtp://[user:pass@]host:port or smtps://…");
		return NULL;
	}
	if (cfg->smtp_url && *cfg->smtp_url && !notify_address_valid(cfg->smtp_from)) {
		snprintf(err, errlen, "--smtp-url needs --smtp-from, a plain address such as alerts@example.com");
		return NULL;
	}
	if (ms_option("--outbox-retry-base-ms", cfg->retry_base_ms, OUTBOX_RETRY_BASE_MS, &retry_base,
		      err, errlen) != 0 ||
	    ms_option("--outbox-retry-cap-ms", cfg->retry_cap_ms, OUTBOX_RETRY_CAP_MS, &retry_cap, err,
		      errlen) != 0 ||
	    ms_option("--outbox-give-up-ms", cfg->give_up_ms, OUTBOX_GIVE_UP_MS, &give_up, err,
		      errlen) != 0 ||
	    ms_option("--digest-interval-ms", cfg->digest_interval_ms, OUTBOX_DIGEST_INTERVAL_MS,
		      &digest, err, errlen) != 0)
		return NULL;
	if (deliver_global_init() != 0) {
		snprintf(err, errlen, "cannot set up libcurl");
		return NULL;
	}
	ob = calloc(1, sizeof(*ob));
	if (ob == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ob->app = app;
	ob->smtp_url = dup_or_null(cfg->smtp_url);
	ob->smtp_from = dup_or_null(cfg->smtp_from);
	ob->public_url = strdup(pub);
	ob->page_name = strdup(cfg->page_name && *cfg->page_name ? cfg->page_name : "Status");
	ob->retry_base_ms = retry_base;
	ob->retry_cap_ms = retry_cap < retry_base ? retry_base : retry_cap;
	ob->give_up_ms = give_up;
	ob->digest_interval_ms = digest;
	secret_derive(app->secret, "subscriber", ob->subscriber_key);
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->wake, NULL);
	/* The public URL must not end in '/': links append "/incidents/…". */
	if (ob->public_url) {
		size_t n = strlen(ob->public_url);

		while (n > 0 && ob->public_url[n - 1] == '/')
			ob->public_url[--n] = '\0';
	}
	if (ob->public_url == NULL || ob->page_name == NULL ||
	    (cfg->smtp_url && *cfg->smtp_url && (ob->smtp_url == NULL || ob->smtp_from == NULL))) {
		outbox_free(ob);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return ob;
}

static void *sender_main(void *arg);

int outbox_start(struct outbox *ob, char *err, size_t errlen)
{
	ob->pool = deliver_pool_new();
	if (ob->pool == NULL) {
		snprintf(err, errlen, "cannot set up the outbox sender: out of memory");
		return -1;
	}
	if (pthread_create(&ob->thread, NULL, sender_main, ob) != 0) {
		snprintf(err, errlen, "cannot start the outbox sender thread");
		return -1;
	}
	ob->started = true;
	return 0;
}

void outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	if (ob->started) {
		pthread_mutex_lock(&ob->lock);
		ob->stop = true;
		pthread_cond_signal(&ob->wake);
		pthread_mutex_unlock(&ob->lock);
		pthread_join(ob->thread, NULL);
	}
	/* Deliveries still running stay pending: at least once means they go again later. */
	deliver_pool_free(ob->pool);
	pthread_cond_destroy(&ob->wake);
	pthread_mutex_destroy(&ob->lock);
	free(ob->smtp_url);
	free(ob->smtp_from);
	free(ob->public_url);
	free(ob->page_name);
	sodium_memzero(ob->subscriber_key, sizeof(ob->subscriber_key));
	free(ob);
}

/* ================================================================ routing */

static int set_new(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

/* <public URL>/<path>/<id> */
static json_t *link_json(const struct outbox *ob, const char *path, const char *id)
{
	char url[OUTBOX_URL_MAX + 64];

	snprintf(url, sizeof(url), "%s/%s/%s", ob->public_url, path, id);
	return json_string(url);
}

/* data.incident: what every message says about the incident. */
static json_t *incident_summary(const struct outbox *ob, const struct incident *inc)
{
	char id[32];
	json_t *o = json_object();

	incident_id_format(inc->number, id);
	if (o == NULL || set_new(o, "id", json_string(id)) != 0 ||
	    set_new(o, "title", json_string(inc->title ? inc->title : "")) != 0 ||
	    set_new(o, "severity", json_string(severity_name(inc->severity))) != 0 ||
	    set_new(o, "alarmLevel", json_integer(doctrine_alarm_level(inc->severity))) != 0 ||
	    set_new(o, "status", json_string(status_name(inc->status))) != 0 ||
	    set_new(o, "phase", json_pack("{s:i, s:s}", "number", inc->phase, "name",
					  phase_name(inc->phase))) != 0 ||
	    set_new(o, "drill", json_boolean(inc->drill)) != 0 ||
	    set_new(o, "url", link_json(ob, "admin/incidents", id)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int copy_into(json_t *dst, const char *key, const json_t *v)
{
	if (v == NULL)
		return 0;
	return json_object_set_new(dst, key, json_deep_copy(v));
}

/* The full (internal) message of an event (notify.h "The message"). */
static json_t *message_of(const struct outbox *ob, const struct incident *inc, const char *topic,
			  const json_t *event)
{
	const json_t *entry = json_object_get(event, "entry");
	const json_t *payload = json_object_get(entry, "payload");
	json_t *msg = json_object(), *data = json_object();
	char id[32];

	incident_id_format(inc->number, id);
	if (msg == NULL || data == NULL || set_new(msg, "type", json_string(topic)) != 0 ||
	    set_new(msg, "incident", json_string(id)) != 0 ||
	    copy_into(msg, "at", json_object_get(event, "at")) != 0 ||
	    set_new(data, "incident", incident_summary(ob, inc)) != 0)
		goto fail;
	if (strncmp(topic, "update.", 7) == 0) {
		if (copy_into(data, "update", json_object_get(event, "update")) != 0)
			goto fail;
	} else if (strcmp(topic, "severity") == 0) {
		if (copy_into(data, "severity", payload) != 0)
			goto fail;
	} else if (strcmp(topic, "phase") == 0 || strcmp(topic, "resolved") == 0) {
		if (copy_into(data, "phase", payload) != 0)
			goto fail;
	} else if (strcmp(topic, "guardrail") == 0) {
		if (copy_into(data, "guardrail", json_object_get(event, "guardrail")) != 0)
			goto fail;
	} else if (strcmp(topic, "page") == 0) {
		json_t *page;
		const char *ack;

		if (copy_into(data, "page", json_object_get(event, "page")) != 0)
			goto fail;
		/* Without --public-url the ack link is a path: a mail needs it absolute. */
		page = json_object_get(data, "page");
		ack = json_string_value(json_object_get(page, "ackUrl"));
		if (ack && ack[0] == '/') {
			char url[OUTBOX_URL_MAX + 512];

			snprintf(url, sizeof(url), "%s%s", ob->public_url, ack);
			if (json_object_set_new(page, "ackUrl", json_string(url)) != 0)
				goto fail;
		}
	}
	if (copy_into(data, "text", json_object_get(entry, "text")) != 0 ||
	    copy_into(data, "actor", json_object_get(event, "actor")) != 0 ||
	    json_object_set_new(msg, "data", data) != 0) {
		data = NULL;
		goto fail;
	}
	return msg;
fail:
	json_decref(data);
	json_decref(msg);
	return NULL;
}

/* A page is mailed to the person until it is answered. */
static bool page_wants_mail(const json_t *page)
{
	static const char *const answered[] = {"acknowledged", "acked", "resolved", "cancelled",
					       "canceled", "expired", "released", NULL};
	const char *state = json_string_value(json_object_get(page, "state"));

	for (size_t i = 0; state && answered[i]; i++)
		if (strcmp(state, answered[i]) == 0)
			return false;
	return true;
}

/* The address of the person in the MIM seat, or "": the one a team lists for them; else
 * the name itself when it is an address; else the name of the one enabled account whose
 * name or display name it is, when that is an address (sign-in by single sign-on names
 * accounts by e-mail).  -1 when the store cannot be read. */
static int mim_email_of(struct store_conn *c, const char *person, char *out, size_t outlen)
{
	struct store_stmt *st;
	int step, rows = 0;

	if (teams_email_of(c, person, out, outlen) != 0)
		return -1;
	if (*out)
		return 0;
	if (notify_address_valid(person)) {
		str_copy(out, person, outlen);
		return 0;
	}
	st = store_bind(c, STMT_USER_BY_PERSON, "t", person);
	if (st == NULL)
		return -1;
	while ((step = store_step(st)) == 1)
		if (++rows == 1)
			str_copy(out, store_col_text(st, 0), outlen);
	store_reset(st);
	if (step < 0)
		return -1;
	/* Two accounts answering to one display name: no guess. */
	if (rows != 1 || !notify_address_valid(out))
		*out = '\0';
	return 0;
}

int outbox_route_event(struct store_conn *c, struct app *app, const struct incident *inc,
		       int64_t seq, const char *event_type, const json_t *event)
{
	struct outbox *ob = app->outbox;
	const char *topic;
	json_t *msg = NULL, *pub = NULL;
	char *text = NULL, *pub_text = NULL, quoted[NOTIFY_TOPIC_MAX + 2];
	int64_t at;
	int rc = -1;

	if (ob == NULL)
		return 0;
	topic = notify_topic(event_type, event);
	if (topic == NULL)
		return 0;
	at = app_now(app);
	msg = message_of(ob, inc, topic, event);
	text = msg ? json_to_text(msg) : NULL;
	if (text == NULL)
		goto done;
	snprintf(quoted, sizeof(quoted), "\"%s\"", topic);
	if (store_run(c, STMT_OUTBOX_ROUTE_CHANNELS, "iiitttt", at, inc->number, seq, topic, quoted,
		      text, "internal") != 0)
		goto done;
	/* Public content only, rebuilt from the allow-list; never a drill. */
	if (notify_topic_public(topic) && !inc->drill) {
		char id[32], url[OUTBOX_URL_MAX + 64];

		incident_id_format(inc->number, id);
		snprintf(url, sizeof(url), "%s/incidents/%s", ob->public_url, id);
		pub = notify_public_message(msg, url);
		pub_text = pub ? json_to_text(pub) : NULL;
		if (pub_text == NULL ||
		    store_run(c, STMT_OUTBOX_ROUTE_CHANNELS, "iiitttt", at, inc->number, seq, topic,
			      quoted, pub_text, "public") != 0 ||
		    store_run(c, STMT_OUTBOX_ROUTE_SUBSCRIBERS, "iiitt", at, inc->number, seq, topic,
			      pub_text) != 0)
			goto done;
	}
	/* A guardrail nudge also goes to the MIM, when an address is known (mim_email_of). */
	if (strcmp(topic, "guardrail") == 0 && inc->roles[ROLE_MIM] && *inc->roles[ROLE_MIM]) {
		char email[OUTBOX_ADDRESS_MAX];
		int64_t id;

		if (mim_email_of(c, inc->roles[ROLE_MIM], email, sizeof(email)) != 0)
			goto done;
		if (notify_address_valid(email) &&
		    store_query_int(c, &id, 0, STMT_OUTBOX_INSERT, "iiittzzttt", at, inc->number, seq,
				    topic, "email", (int64_t)0, (int64_t)0, "smtp", email, text) != 0)
			goto done;
	}
	if (strcmp(topic, "page") == 0) {
		const json_t *page = json_object_get(event, "page");
		const char *email = json_string_value(json_object_get(page, "email"));
		int64_t id;

		if (email && notify_address_valid(email) && page_wants_mail(page) &&
		    store_query_int(c, &id, 0, STMT_OUTBOX_INSERT, "iiittzztt" "t", at, inc->number, seq,
				    topic, "email", (int64_t)0, (int64_t)0, "smtp", email, text) != 0)
			goto done;
	}
	rc = 0;
done:
	json_decref(msg);
	json_decref(pub);
	free(text);
	free(pub_text);
	return rc;
}

/* ================================================================ the sender */

static struct breaker *breaker_find(struct outbox *ob, const char *dest, bool create)
{
	struct breaker *oldest = &ob->breakers[0];

	for (size_t i = 0; i < BREAKERS_MAX; i++) {
		if (strcmp(ob->breakers[i].dest, dest) == 0)
			return &ob->breakers[i];
		if (ob->breakers[i].until < oldest->until)
			oldest = &ob->breakers[i];
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	str_copy(oldest->dest, dest, sizeof(oldest->dest));
	return oldest;
}

static void result_add(struct outbox *ob, int64_t id, const char *state, int attempts,
		       int64_t next_at, const char *error)
{
	struct result *r;

	if (ob->nresults == RESULTS_MAX)
		return; /* not recorded: the row stays pending and goes again (at least once) */
	r = &ob->results[ob->nresults++];
	r->id = id;
	str_copy(r->state, state, sizeof(r->state));
	r->attempts = attempts;
	r->next_at = next_at;
	str_copy(r->error, error ? error : "", sizeof(r->error));
}

/* A failed attempt: retry later, or give up after give_up_ms since creation. */
static void result_failed(struct outbox *ob, int64_t id, int attempts, int64_t created_at,
			  int64_t now, const char *error, bool permanent)
{
	if (permanent || now - created_at >= ob->give_up_ms)
		result_add(ob, id, "failed", attempts, now, error);
	else
		result_add(ob, id, "pending", attempts,
			   now + notify_backoff_ms(attempts, ob->retry_base_ms, ob->retry_cap_ms,
						   randombytes_random()),
			   error);
}

static int cmd_results(struct store_conn *c, void *arg)
{
	struct outbox *ob = arg;
	int64_t now = now_of(ob);

	for (size_t i = 0; i < ob->nresults; i++) {
		const struct result *r = &ob->results[i];

		if (store_run(c, STMT_OUTBOX_RESULT, "tiitii", r->state, (int64_t)r->attempts, r->next_at,
			      r->error[0] ? r->error : NULL, now, r->id) != 0)
			return -1;
	}
	return 0;
}

static void results_flush(struct outbox *ob)
{
	if (ob->nresults == 0)
		return;
	if (store_write(ob->app->store, cmd_results, ob) != 0)
		fprintf(stderr, "majorops: cannot record %zu outbox results: the store failed; they "
				"will be sent again\n", ob->nresults);
	ob->nresults = 0;
}

static bool in_flight(const struct outbox *ob, const struct deliver_job *const *jobs,
		      size_t njobs, int64_t id)
{
	(void)ob;
	for (size_t i = 0; i < njobs; i++)
		if (jobs[i]->id == id)
			return true;
	return false;
}

/* The columns of STMT_OUTBOX_DUE. */
struct due {
	int64_t id, channel, subscriber, attempts, created_at;
	const char *kind, *topic, *dest, *address, *payload;
	bool channel_exists;
	const char *ch_url, *ch_address, *ch_secret, *sub_email, *sub_state;
};

static void due_read(struct store_stmt *st, struct due *d)
{
	d->id = store_col_int(st, 0);
	d->kind = store_col_text(st, 1);
	d->topic = store_col_text(st, 2);
	d->channel = store_col_null(st, 3) ? 0 : store_col_int(st, 3);
	d->subscriber = store_col_null(st, 4) ? 0 : store_col_int(st, 4);
	d->dest = store_col_text(st, 5);
	d->address = store_col_text(st, 6);
	d->payload = store_col_text(st, 7);
	d->attempts = store_col_int(st, 8);
	d->created_at = store_col_int(st, 9);
	d->channel_exists = !store_col_null(st, 10);
	d->ch_url = store_col_null(st, 11) ? NULL : store_col_text(st, 11);
	d->ch_address = store_col_null(st, 12) ? NULL : store_col_text(st, 12);
	d->ch_secret = store_col_null(st, 13) ? NULL : store_col_text(st, 13);
	d->sub_email = store_col_null(st, 14) ? NULL : store_col_text(st, 14);
	d->sub_state = store_col_null(st, 15) ? NULL : store_col_text(st, 15);
}

void outbox_subscriber_token(const unsigned char secret[32], const char *purpose, int64_t id,
			     const char *email, char out[OUTBOX_TOKEN_MAX])
{
	unsigned char mac[crypto_auth_BYTES];
	char msg[512], b64[sodium_base64_ENCODED_LEN(crypto_auth_BYTES,
						     sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	int n = snprintf(msg, sizeof(msg), "%s\n%lld\n%s", purpose, (long long)id, email);
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	crypto_auth(mac, (const unsigned char *)msg, len, secret);
	sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, OUTBOX_TOKEN_MAX, "%lld.%s", (long long)id, b64);
}

/* The mail of a due row, or NULL with `why` set (a permanent reason) / out of memory. */
static char *mail_of(struct outbox *ob, const struct due *d, json_t *msg, const char *to,
		     int64_t now, const char **why)
{
	struct notify_text t = {0};
	struct notify_mail m = {.from = ob->smtp_from, .to = to, .date = now};
	struct buf mail;
	char key[32], unsub[OUTBOX_URL_MAX + OUTBOX_TOKEN_MAX + 64], token[OUTBOX_TOKEN_MAX];
	char *out = NULL;

	snprintf(key, sizeof(key), "msg_%lld", (long long)d->id);
	m.message_id = key;
	if (d->subscriber) {
		if (strcmp(d->topic, "subscriber.confirm") == 0) {
			char confirm[OUTBOX_URL_MAX + OUTBOX_TOKEN_MAX + 64];

			outbox_subscriber_token(ob->subscriber_key, "confirm", d->subscriber, to, token);
			snprintf(confirm, sizeof(confirm), "%s/subscribers/confirm/%s", ob->public_url, token);
			if (json_object_set_new(json_object_get(msg, "data"), "confirmUrl",
						json_string(confirm)) != 0)
				return NULL;
		}
		outbox_subscriber_token(ob->subscriber_key, "unsubscribe", d->subscriber, to, token);
		snprintf(unsub, sizeof(unsub), "%s/subscribers/unsubscribe/%s", ob->public_url, token);
		m.unsubscribe_url = unsub;
		m.footer = "You receive this because you subscribed to incident updates on the status page.";
	}
	if (notify_text_of(msg, &t) != 0)
		return NULL;
	buf_init(&mail, NOTIFY_MAIL_MAX);
	if (notify_mail_build(&mail, &m, &t) == 0)
		out = buf_detach(&mail);
	else
		*why = "the mail could not be rendered (too large)";
	buf_free(&mail);
	notify_text_free(&t);
	return out;
}

/* Builds the job of a due row.  NULL with `why` set when it cannot be sent at all
 * (`*permanent`), or NULL without `why` when out of memory (tried again later). */
static struct deliver_job *job_of(struct outbox *ob, const struct due *d, int64_t now,
				  const char **why, bool *permanent)
{
	json_t *msg = json_loads(d->payload, 0, NULL);
	struct deliver_job *job = NULL;
	char key[32], h_id[64], h_ts[64], h_sig[NOTIFY_SIGNATURE_MAX + 32], h_idem[64];
	const char *url = d->channel_exists && d->ch_url ? d->ch_url : d->address;

	*why = NULL;
	*permanent = false;
	snprintf(key, sizeof(key), "msg_%lld", (long long)d->id);
	if (msg == NULL) {
		*why = "the stored message is not JSON";
		*permanent = true;
		return NULL;
	}
	if (d->channel && !d->channel_exists) {
		*why = "the channel was deleted";
		*permanent = true;
		goto done;
	}
	snprintf(h_idem, sizeof(h_idem), "Idempotency-Key: %s", key);
	if (strcmp(d->kind, "email") == 0) {
		const char *to = d->address;

		if (d->subscriber) {
			bool confirm = strcmp(d->topic, "subscriber.confirm") == 0;

			to = d->sub_email;
			if (to == NULL || d->sub_state == NULL ||
			    strcmp(d->sub_state, confirm ? "pending" : "confirmed") != 0) {
				*why = confirm ? "the address is no longer waiting for confirmation"
					       : "the subscriber unsubscribed";
				*permanent = true;
				goto done;
			}
		} else if (d->channel_exists && d->ch_address) {
			to = d->ch_address;
		}
		if (ob->smtp_url == NULL) {
			*why = "no SMTP server is configured (serve --smtp-url, --smtp-from)";
			goto done;
		}
		{
			char *mail = mail_of(ob, d, msg, to, now, why);

			if (mail == NULL) {
				*permanent = *why != NULL;
				goto done;
			}
			job = deliver_smtp(ob->smtp_url, ob->smtp_from, to, mail);
		}
	} else if (strcmp(d->kind, "webhook") == 0) {
		unsigned char secret[NOTIFY_SECRET_KEY_MAX];
		int keylen = notify_secret_decode(d->ch_secret, secret);
		char sig[NOTIFY_SIGNATURE_MAX];
		const char *headers[6];
		char *body = strdup(d->payload);

		if (keylen < 0) {
			free(body);
			*why = "the channel has no usable secret";
			*permanent = true;
			goto done;
		}
		if (body == NULL)
			goto done;
		notify_sign(secret, (size_t)keylen, key, now / 1000, body, strlen(body), sig);
		sodium_memzero(secret, sizeof(secret));
		snprintf(h_id, sizeof(h_id), "webhook-id: %s", key);
		snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", (long long)(now / 1000));
		snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
		headers[0] = "Content-Type: application/json";
		headers[1] = h_id;
		headers[2] = h_ts;
		headers[3] = h_sig;
		headers[4] = h_idem;
		job = deliver_http(url, body, headers, 5);
	} else {
		char *body = strcmp(d->kind, "teams") == 0 ? notify_teams_body(msg)
			     : notify_slack_body(msg, strcmp(d->kind, "slack") == 0);
		const char *headers[2] = {"Content-Type: application/json", h_idem};

		if (body)
			job = deliver_http(url, body, headers, 2);
	}
done:
	json_decref(msg);
	return job;
}

/* Reads due rows and starts what the limits allow. */
static void refill(struct outbox *ob, struct deliver_job **jobs, size_t *njobs, int64_t now)
{
	struct store_conn *c = store_read_begin(ob->app->store);
	struct store_stmt *st;

	if (c == NULL)
		return;
	st = store_bind(c, STMT_OUTBOX_DUE, "iii", now, (int64_t)OUTBOX_PER_DEST_MAX,
			(int64_t)OUTBOX_DUE_BATCH);
	while (st && *njobs < OUTBOX_INFLIGHT_MAX && store_step(st) == 1) {
		struct due d;
		struct breaker *b;
		struct deliver_job *job;
		const char *why = NULL;
		bool permanent = false;
		size_t per_dest = 0;

		due_read(st, &d);
		if (in_flight(ob, (const struct deliver_job *const *)jobs, *njobs, d.id))
			continue;
		for (size_t i = 0; i < *njobs; i++)
			if (strcmp(jobs[i]->dest, d.dest) == 0)
				per_dest++;
		if (per_dest >= OUTBOX_PER_DEST_MAX)
			continue;
		b = breaker_find(ob, d.dest, false);
		if (b && b->until > now)
			continue;
		job = job_of(ob, &d, now, &why, &permanent);
		if (job == NULL) {
			if (why)
				result_failed(ob, d.id, (int)d.attempts + 1, d.created_at, now, why,
					      permanent);
			continue;
		}
		job->id = d.id;
		job->created_at = d.created_at;
		job->attempts = (int)d.attempts;
		str_copy(job->dest, d.dest, sizeof(job->dest));
		if (deliver_pool_add(ob->pool, job) != 0)
			continue;
		jobs[(*njobs)++] = job;
	}
	if (st)
		store_reset(st);
	store_read_end(ob->app->store, c);
}

static void finished(struct outbox *ob, struct deliver_job *job, bool ok, const char *error,
		     int64_t now)
{
	struct breaker *b = breaker_find(ob, job->dest, !ok);

	if (ok) {
		if (b)
			memset(b, 0, sizeof(*b));
		result_add(ob, job->id, "delivered", job->attempts + 1, now, NULL);
		return;
	}
	if (b) {
		b->failures++;
		b->until = now + notify_backoff_ms(b->failures, ob->retry_base_ms, ob->retry_cap_ms,
						   randombytes_random());
	}
	result_failed(ob, job->id, job->attempts + 1, job->created_at, now, error, false);
}

static bool leader_now(struct outbox *ob, int64_t now)
{
	bool leader;

	pthread_mutex_lock(&ob->lock);
	leader = now < ob->leader_until;
	pthread_mutex_unlock(&ob->lock);
	return leader;
}

static void *sender_main(void *arg)
{
	struct outbox *ob = arg;
	struct deliver_job *jobs[OUTBOX_INFLIGHT_MAX];
	size_t njobs = 0;

	for (;;) {
		int64_t now = now_of(ob);
		struct deliver_job *job;
		char error[OUTBOX_ERROR_MAX];
		bool ok, stop;

		pthread_mutex_lock(&ob->lock);
		stop = ob->stop;
		pthread_mutex_unlock(&ob->lock);
		if (stop)
			break;
		if (leader_now(ob, now) && njobs < OUTBOX_INFLIGHT_MAX)
			refill(ob, jobs, &njobs, now);
		results_flush(ob);
		if (njobs == 0) {
			struct timespec until;

			/* Idle: sleep until the deliver task's next beat (or a stop). */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)OUTBOX_POLL_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_mutex_lock(&ob->lock);
			if (!ob->stop)
				pthread_cond_timedwait(&ob->wake, &ob->lock, &until);
			pthread_mutex_unlock(&ob->lock);
			continue;
		}
		deliver_pool_run(ob->pool, 100);
		now = now_of(ob);
		while ((job = deliver_pool_done(ob->pool, &ok, error, sizeof(error))) != NULL) {
			for (size_t i = 0; i < njobs; i++) {
				if (jobs[i] == job) {
					jobs[i] = jobs[--njobs];
					break;
				}
			}
			finished(ob, job, ok, error, now);
			deliver_job_free(job);
		}
		results_flush(ob);
	}
	return NULL;
}

int outbox_task_deliver(void *ctx, int64_t now)
{
	struct outbox *ob = ctx;

	/* Runs only on the lease holder: lets the sender work for a few beats. */
	pthread_mutex_lock(&ob->lock);
	ob->leader_until = now + 4 * OUTBOX_POLL_MS + WORKER_LEASE_RETRY_MS;
	pthread_cond_signal(&ob->wake);
	pthread_mutex_unlock(&ob->lock);
	return 0;
}

/* ================================================================ the digest */

struct digest_cmd {
	struct outbox *ob;
	int64_t now, slot;
	const char *payload;
};

static int cmd_digest(struct store_conn *c, void *arg)
{
	struct digest_cmd *dc = arg;
	int64_t already;

	/* Once per slot, also across a handover to another replica. */
	if (store_query_int(c, &already, 0, STMT_OUTBOX_TOPIC_SINCE, "ti", "digest", dc->slot) != 0)
		return -1;
	if (already > 0)
		return 0;
	return store_run(c, STMT_OUTBOX_ROUTE_CHANNELS, "izzttt" "t", dc->now, (int64_t)0, (int64_t)0,
			 "digest", "\"digest\"", dc->payload, "internal");
}

int outbox_digest_check_ms(const struct outbox *ob)
{
	return ob->digest_interval_ms < 60000 ? (int)ob->digest_interval_ms : 60000;
}

int outbox_task_digest(void *ctx, int64_t now)
{
	struct outbox *ob = ctx;
	struct action_filter filter = {.overdue = true, .limit = OUTBOX_DIGEST_MAX};
	struct digest_cmd dc = {.ob = ob, .now = now};
	struct api_error err;
	json_t *list = NULL, *msg = NULL, *actions;
	char *text = NULL, at[TIME_ISO_MAX];
	int64_t last_slot;
	int rc = -1;

	if (now < OUTBOX_DIGEST_ANCHOR_MS)
		return 0;
	dc.slot = OUTBOX_DIGEST_ANCHOR_MS +
		  (now - OUTBOX_DIGEST_ANCHOR_MS) / ob->digest_interval_ms * ob->digest_interval_ms;
	if (dc.slot == ob->digest_done)
		return 0;
	{
		struct store_conn *c = store_read_begin(ob->app->store);

		if (c == NULL)
			return -1;
		rc = store_query_int(c, &last_slot, 0, STMT_OUTBOX_TOPIC_SINCE, "ti", "digest", dc.slot);
		store_read_end(ob->app->store, c);
		if (rc != 0)
			return -1;
		if (last_slot > 0) {
			ob->digest_done = dc.slot;
			return 0;
		}
		rc = -1;
	}
	if (actions_list(ob->app, &filter, &list, &err) != 0)
		goto done;
	actions = json_object_get(list, "actions");
	if (json_array_size(actions) == 0) {
		rc = 0; /* nothing overdue: no digest */
		goto done;
	}
	time_to_iso(now, at);
	msg = json_pack("{s:s, s:n, s:s, s:{s:O}}", "type", "digest", "incident", "at", at, "data",
			"actions", actions);
	text = msg ? json_to_text(msg) : NULL;
	if (text == NULL)
		goto done;
	dc.payload = text;
	rc = store_write(ob->app->store, cmd_digest, &dc) == 0 ? 0 : -1;
done:
	/* Handled for this slot (also "nothing overdue"); a failure tries again next time. */
	if (rc == 0)
		ob->digest_done = dc.slot;
	json_decref(list);
	json_decref(msg);
	free(text);
	return rc;
}

/* ================================================================ channels */

struct channel {
	int64_t id, created_at, updated_at;
	bool enabled;
	char *name, *kind, *url, *address, *secret, *events, *audience;
};

static void channel_free(struct channel *ch)
{
	free(ch->name);
	free(ch->kind);
	free(ch->url);
	free(ch->address);
	if (ch->secret)
		sodium_memzero(ch->secret, strlen(ch->secret));
	free(ch->secret);
	free(ch->events);
	free(ch->audience);
	memset(ch, 0, sizeof(*ch));
}

static int text_set(char **dst, const char *src)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (copy == NULL)
			return -1;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

static const char *col_or_null(struct store_stmt *st, int col)
{
	return store_col_null(st, col) ? NULL : store_col_text(st, col);
}

/* The columns of STMT_CHANNEL_GET. */
static int channel_read(struct store_stmt *st, struct channel *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->id = store_col_int(st, 0);
	ch->enabled = store_col_int(st, 8) != 0;
	ch->created_at = store_col_int(st, 9);
	ch->updated_at = store_col_int(st, 10);
	if (text_set(&ch->name, store_col_text(st, 1)) != 0 ||
	    text_set(&ch->kind, store_col_text(st, 2)) != 0 ||
	    text_set(&ch->url, col_or_null(st, 3)) != 0 ||
	    text_set(&ch->address, col_or_null(st, 4)) != 0 ||
	    text_set(&ch->secret, col_or_null(st, 5)) != 0 ||
	    text_set(&ch->events, store_col_text(st, 6)) != 0 ||
	    text_set(&ch->audience, store_col_text(st, 7)) != 0) {
		channel_free(ch);
		return -1;
	}
	return 0;
}

static json_t *channel_json(const struct channel *ch, const char *shown_secret)
{
	json_t *events = json_loads(ch->events ? ch->events : "[]", 0, NULL);
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:b, s:b, s:o, s:o}", "id", (json_int_t)ch->id,
			      "name", ch->name, "kind", ch->kind, "events",
			      events ? events : json_array(), "audience", ch->audience, "enabled",
			      ch->enabled, "hasSecret", ch->secret != NULL, "createdAt",
			      json_time_or_null(ch->created_at), "updatedAt",
			      json_time_or_null(ch->updated_at));

	if (o == NULL)
		return NULL;
	if ((ch->url && json_object_set_new(o, "url", json_string(ch->url)) != 0) ||
	    (ch->address && json_object_set_new(o, "address", json_string(ch->address)) != 0) ||
	    (shown_secret && json_object_set_new(o, "secret", json_string(shown_secret)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int not_found(struct api_error *err, int64_t id)
{
	return api_error_set(err, 404, "not_found", NULL, "no channel %lld", (long long)id);
}

static int unavailable(struct api_error *err)
{
	return api_error_set(err, 503, "store_unavailable", NULL,
			     "the store is not reachable; nothing was changed, retry");
}

/* Checks and normalizes the fields of a channel against its kind; fills `ch` from `in`. */
static int channel_apply(struct channel *ch, const struct channel_input *in, bool create,
			 char **shown_secret, struct api_error *err)
{
	const char *kind = ch->kind ? ch->kind : "";
	bool email = strcmp(kind, "email") == 0;
	const char *audience;
	json_t *v;
	size_t i;

	if (in->name && text_set(&ch->name, in->name) != 0)
		return unavailable(err);
	if (in->url) {
		if (email)
			return api_error_set(err, 400, "invalid_field", "url",
					     "an email channel has an address, not a url");
		if (!url_ok(in->url, http_schemes))
			return api_error_set(err, 400, "invalid_field", "url",
					     "url must be an http:// or https:// URL without spaces");
		if (text_set(&ch->url, in->url) != 0)
			return unavailable(err);
	}
	if (in->address) {
		if (!email)
			return api_error_set(err, 400, "invalid_field", "address",
					     "only an email channel has an address; use url");
		if (!notify_address_valid(in->address))
			return api_error_set(err, 400, "invalid_field", "address",
					     "address must be a mail address such as oncall@example.com");
		if (text_set(&ch->address, in->address) != 0)
			return unavailable(err);
	}
	if (create && email && ch->address == NULL)
		return api_error_set(err, 400, "missing_field", "address",
				     "an email channel needs an address");
	if (create && !email && ch->url == NULL)
		return api_error_set(err, 400, "missing_field", "url", "a %s channel needs a url", kind);
	if (in->secret || in->rotate_secret || (create && strcmp(kind, "webhook") == 0)) {
		unsigned char key[NOTIFY_SECRET_KEY_MAX];
		char text[NOTIFY_SECRET_TEXT_MAX];

		if (strcmp(kind, "webhook") != 0)
			return api_error_set(err, 400, "invalid_field", in->secret ? "secret" : "rotateSecret",
					     "only a webhook channel is signed with a secret");
		if (in->secret) {
			if (notify_secret_decode(in->secret, key) < 16)
				return api_error_set(err, 400, "invalid_field", "secret",
						     "secret must be whsec_ followed by the base64 of 16 to 64 bytes");
			str_copy(text, in->secret, sizeof(text));
		} else {
			randombytes_buf(key, NOTIFY_SECRET_BYTES);
			if (notify_secret_encode(key, NOTIFY_SECRET_BYTES, text) != 0)
				return unavailable(err);
			/* A generated secret is shown this once. */
			*shown_secret = strdup(text);
			if (*shown_secret == NULL)
				return unavailable(err);
		}
		sodium_memzero(key, sizeof(key));
		if (text_set(&ch->secret, text) != 0)
			return unavailable(err);
		sodium_memzero(text, sizeof(text));
	}
	audience = in->audience ? in->audience : ch->audience ? ch->audience : "internal";
	if (in->audience && text_set(&ch->audience, in->audience) != 0)
		return unavailable(err);
	if (in->events) {
		json_t *list = json_array();
		char *text;

		if (list == NULL)
			return unavailable(err);
		if (json_array_size(in->events) == 0) {
			json_decref(list);
			return api_error_set(err, 400, "invalid_field", "events",
					     "events must name at least one of: incident.opened, update.public, "
					     "update.internal, update.exec, severity, phase, resolved, "
					     "reopened, guardrail, page, digest");
		}
		json_array_foreach(in->events, i, v) {
			const char *name = json_string_value(v);
			bool seen = false;
			size_t k;
			json_t *w;

			if (!notify_topic_known(name)) {
				json_decref(list);
				return api_error_set(err, 400, "invalid_field", "events",
						     "unknown event '%.40s'; known: incident.opened, update.public, "
						     "update.internal, update.exec, severity, phase, resolved, "
						     "reopened, guardrail, page, digest", name ? name : "");
			}
			json_array_foreach(list, k, w)
				if (strcmp(json_string_value(w), name) == 0)
					seen = true;
			if (!seen && json_array_append_new(list, json_string(name)) != 0) {
				json_decref(list);
				return unavailable(err);
			}
		}
		text = json_to_text(list);
		json_decref(list);
		if (text == NULL)
			return unavailable(err);
		free(ch->events);
		ch->events = text;
	}
	/* A public channel (a customer-facing room, a partner's endpoint) gets public content
	 * only: nothing internal may ever be routed to it. */
	if (strcmp(audience, "public") == 0) {
		json_t *list = json_loads(ch->events, 0, NULL);

		json_array_foreach(list, i, v) {
			if (!notify_topic_public(json_string_value(v))) {
				json_decref(list);
				return api_error_set(err, 400, "invalid_field", "events",
						     "a channel with audience public may only take update.public");
			}
		}
		json_decref(list);
	}
	if (in->has_enabled)
		ch->enabled = in->enabled;
	return 0;
}

struct channel_cmd {
	struct app *app;
	int64_t id;
	const struct channel_input *in;
	struct api_error *err;
	json_t *result;
	bool remove;
};

static int channel_load(struct store_conn *c, int64_t id, struct channel *ch, struct api_error *err)
{
	struct store_stmt *st = store_bind(c, STMT_CHANNEL_GET, "i", id);
	int step;

	memset(ch, 0, sizeof(*ch));
	if (st == NULL)
		return unavailable(err);
	step = store_step(st);
	if (step == 1 && channel_read(st, ch) != 0)
		step = -1;
	store_reset(st);
	if (step < 0)
		return unavailable(err);
	if (step == 0)
		return not_found(err, id);
	return 0;
}

static int channel_save(struct store_conn *c, struct channel_cmd *cc, struct channel *ch,
			bool create)
{
	int64_t now = app_now(cc->app);

	ch->updated_at = now;
	if (create) {
		ch->created_at = now;
		return store_query_int(c, &ch->id, 0, STMT_CHANNEL_INSERT, "tttttttbii", ch->name, ch->kind,
				       ch->url, ch->address, ch->secret, ch->events, ch->audience,
				       (int)ch->enabled, now, now);
	}
	return store_run(c, STMT_CHANNEL_UPDATE, "ttttttbii", ch->name, ch->url, ch->address,
			 ch->secret, ch->events, ch->audience, (int)ch->enabled, now, ch->id);
}

static int cmd_channel_create(struct store_conn *c, void *arg)
{
	struct channel_cmd *cc = arg;
	struct channel ch = {0};
	char *shown = NULL;
	int rc = -1;

	ch.enabled = true;
	if (text_set(&ch.kind, cc->in->kind) != 0 || text_set(&ch.audience, "internal") != 0 ||
	    text_set(&ch.name, cc->in->kind) != 0 || text_set(&ch.events, "[]") != 0) {
		unavailable(cc->err);
		goto done;
	}
	if (cc->in->events == NULL) {
		api_error_set(cc->err, 400, "missing_field", "events",
			      "events is required: the topics this channel receives");
		goto done;
	}
	if (channel_apply(&ch, cc->in, true, &shown, cc->err) != 0)
		goto done;
	if (channel_save(c, cc, &ch, true) != 0) {
		unavailable(cc->err);
		goto done;
	}
	cc->result = channel_json(&ch, shown);
	rc = cc->result ? 0 : unavailable(cc->err);
done:
	if (shown)
		sodium_memzero(shown, strlen(shown));
	free(shown);
	channel_free(&ch);
	return rc;
}

static int cmd_channel_patch(struct store_conn *c, void *arg)
{
	struct channel_cmd *cc = arg;
	struct channel ch;
	char *shown = NULL;
	int rc = -1;

	if (channel_load(c, cc->id, &ch, cc->err) != 0)
		return -1;
	if (cc->remove) {
		rc = store_run(c, STMT_CHANNEL_DELETE, "i", cc->id) == 0 ? 0 : unavailable(cc->err);
		goto done;
	}
	if (cc->in->kind && (ch.kind == NULL || strcmp(cc->in->kind, ch.kind) != 0)) {
		api_error_set(cc->err, 400, "invalid_field", "kind",
			      "a channel's kind cannot change; create a new channel");
		goto done;
	}
	if (channel_apply(&ch, cc->in, false, &shown, cc->err) != 0)
		goto done;
	if (channel_save(c, cc, &ch, false) != 0) {
		unavailable(cc->err);
		goto done;
	}
	cc->result = channel_json(&ch, shown);
	rc = cc->result ? 0 : unavailable(cc->err);
done:
	if (shown)
		sodium_memzero(shown, strlen(shown));
	free(shown);
	channel_free(&ch);
	return rc;
}

static int run(struct app *app, store_command_fn fn, void *arg, struct api_error *err)
{
	int rc = store_write(app->store, fn, arg);

	if (rc == STORE_ERR_IO)
		return unavailable(err);
	return rc == 0 ? 0 : -1;
}

int outbox_channel_create(struct app *app, const struct channel_input *in, json_t **out,
			  struct api_error *err)
{
	struct channel_cmd cc = {.app = app, .in = in, .err = err};

	if (in->kind == NULL)
		return api_error_set(err, 400, "missing_field", "kind",
				     "kind is required: webhook, slack, mattermost, teams or email");
	if (run(app, cmd_channel_create, &cc, err) != 0) {
		json_decref(cc.result);
		return -1;
	}
	*out = cc.result;
	return 0;
}

int outbox_channel_patch(struct app *app, int64_t id, const struct channel_input *in,
			 json_t **out, struct api_error *err)
{
	struct channel_cmd cc = {.app = app, .id = id, .in = in, .err = err};

	if (run(app, cmd_channel_patch, &cc, err) != 0) {
		json_decref(cc.result);
		return -1;
	}
	*out = cc.result;
	return 0;
}

int outbox_channel_delete(struct app *app, int64_t id, struct api_error *err)
{
	struct channel_input none = {0};
	struct channel_cmd cc = {.app = app, .id = id, .in = &none, .err = err, .remove = true};

	return run(app, cmd_channel_patch, &cc, err);
}

int outbox_channel_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct channel ch;
	int rc;

	if (c == NULL)
		return unavailable(err);
	rc = channel_load(c, id, &ch, err);
	store_read_end(app->store, c);
	if (rc != 0)
		return -1;
	*out = channel_json(&ch, NULL);
	channel_free(&ch);
	return *out ? 0 : unavailable(err);
}

int outbox_channel_list(struct app *app, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st;
	json_t *list = json_array();
	int step = -1;

	if (c == NULL || list == NULL)
		goto fail;
	st = store_bind(c, STMT_CHANNEL_LIST, "");
	while (st && (step = store_step(st)) == 1) {
		struct channel ch;

		if (channel_read(st, &ch) != 0 ||
		    json_array_append_new(list, channel_json(&ch, NULL)) != 0) {
			channel_free(&ch);
			step = -1;
			break;
		}
		channel_free(&ch);
	}
	if (st)
		store_reset(st);
	if (step != 0)
		goto fail;
	store_read_end(app->store, c);
	*out = json_pack("{s:o}", "channels", list);
	return *out ? 0 : unavailable(err);
fail:
	if (c)
		store_read_end(app->store, c);
	json_decref(list);
	return unavailable(err);
}

/* ================================================================ deliveries */

/* The columns of STMT_OUTBOX_GET. */
static json_t *delivery_json(struct store_stmt *st)
{
	char key[32], inc[32];
	const char *state = store_col_text(st, 10);
	bool pending = strcmp(state, "pending") == 0;
	json_t *o;

	snprintf(key, sizeof(key), "msg_%lld", (long long)store_col_int(st, 0));
	if (!store_col_null(st, 2))
		incident_id_format(store_col_int(st, 2), inc);
	o = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:o, s:o, s:o, s:o}",
		      "id", (json_int_t)store_col_int(st, 0), "key", key, "createdAt",
		      json_time_or_null(store_col_int(st, 1)), "incident",
		      store_col_null(st, 2) ? json_null() : json_string(inc), "topic",
		      store_col_text(st, 4), "kind", store_col_text(st, 5), "channel",
		      store_col_null(st, 6) ? json_null() : json_integer(store_col_int(st, 6)),
		      "subscriber",
		      store_col_null(st, 7) ? json_null() : json_integer(store_col_int(st, 7)),
		      "destination", store_col_text(st, 9), "state", state, "attempts",
		      (json_int_t)store_col_int(st, 11), "nextAttemptAt",
		      pending ? json_time_or_null(store_col_int(st, 12)) : json_null(), "lastError",
		      json_string_or_null(col_or_null(st, 13)), "updatedAt",
		      json_time_or_null(store_col_int(st, 14)), "deliveredAt",
		      strcmp(state, "delivered") == 0 ? json_time_or_null(store_col_int(st, 14))
						      : json_null());
	return o;
}

int outbox_delivery_list(struct app *app, const char *state, int64_t before, int limit,
			 json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st;
	json_t *list = json_array(), *counts = json_object();
	int64_t last = 0;
	int step = -1, n = 0;

	if (c == NULL || list == NULL || counts == NULL)
		goto fail;
	st = store_bind(c, STMT_OUTBOX_LIST, "tii", state, before, (int64_t)limit);
	while (st && (step = store_step(st)) == 1) {
		last = store_col_int(st, 0);
		n++;
		if (json_array_append_new(list, delivery_json(st)) != 0) {
			step = -1;
			break;
		}
	}
	if (st)
		store_reset(st);
	if (step != 0)
		goto fail;
	st = store_bind(c, STMT_OUTBOX_COUNTS, "");
	while (st && (step = store_step(st)) == 1)
		if (json_object_set_new(counts, store_col_text(st, 0), json_integer(store_col_int(st, 1))) != 0)
			step = -1;
	if (st)
		store_reset(st);
	if (step != 0)
		goto fail;
	store_read_end(app->store, c);
	*out = json_pack("{s:o, s:o, s:o}", "deliveries", list, "counts", counts, "nextBefore",
			 n == limit && last > 0 ? json_integer(last) : json_null());
	return *out ? 0 : unavailable(err);
fail:
	if (c)
		store_read_end(app->store, c);
	json_decref(list);
	json_decref(counts);
	return unavailable(err);
}

struct retry_cmd {
	struct app *app;
	int64_t id;
	struct api_error *err;
	json_t *result;
};

static int cmd_retry(struct store_conn *c, void *arg)
{
	struct retry_cmd *rc = arg;
	struct store_stmt *st;
	int step;

	if (store_run(c, STMT_OUTBOX_RETRY, "ii", app_now(rc->app), rc->id) != 0)
		return unavailable(rc->err);
	st = store_bind(c, STMT_OUTBOX_GET, "i", rc->id);
	if (st == NULL)
		return unavailable(rc->err);
	step = store_step(st);
	if (step == 1)
		rc->result = delivery_json(st);
	store_reset(st);
	if (step == 0)
		return api_error_set(rc->err, 404, "not_found", NULL, "no delivery %lld",
				     (long long)rc->id);
	return rc->result ? 0 : unavailable(rc->err);
}

int outbox_delivery_retry(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct retry_cmd rc = {.app = app, .id = id, .err = err};

	if (run(app, cmd_retry, &rc, err) != 0) {
		json_decref(rc.result);
		return -1;
	}
	/* Wake the sender: a replay by hand should go now, not at the next beat. */
	if (app->outbox) {
		pthread_mutex_lock(&app->outbox->lock);
		pthread_cond_signal(&app->outbox->wake);
		pthread_mutex_unlock(&app->outbox->lock);
	}
	*out = rc.result;
	return 0;
}

/* ================================================================ subscribers */

struct subscriber {
	int64_t id, created_at, confirmed_at, last_mail_at;
	char email[256];
	char state[16];
};

static int subscriber_row(struct store_stmt *st, struct subscriber *s)
{
	s->id = store_col_int(st, 0);
	str_copy(s->email, store_col_text(st, 1), sizeof(s->email));
	str_copy(s->state, store_col_text(st, 2), sizeof(s->state));
	s->created_at = store_col_int(st, 3);
	s->confirmed_at = store_col_null(st, 4) ? TIME_NONE : store_col_int(st, 4);
	s->last_mail_at = store_col_null(st, 5) ? TIME_NONE : store_col_int(st, 5);
	return 0;
}

/* 1 found, 0 not, -1 error. */
static int subscriber_load(struct store_conn *c, enum stmt id, const char *fmt, const void *key,
			   struct subscriber *s)
{
	struct store_stmt *st = fmt[0] == 't' ? store_bind(c, id, "t", (const char *)key)
					      : store_bind(c, id, "i", *(const int64_t *)key);
	int step;

	memset(s, 0, sizeof(*s));
	if (st == NULL)
		return -1;
	step = store_step(st);
	if (step == 1)
		subscriber_row(st, s);
	store_reset(st);
	return step;
}

struct subscribe_cmd {
	struct app *app;
	const char *email;
	const char *token;
	const char *purpose;
	struct api_error *err;
};

/* Queues the confirmation mail of subscriber `id`. */
static int confirm_mail(struct store_conn *c, struct outbox *ob, int64_t id, const char *email,
			int64_t now)
{
	char at[TIME_ISO_MAX], *text;
	json_t *msg;
	int64_t row;
	int rc;

	time_to_iso(now, at);
	msg = json_pack("{s:s, s:n, s:s, s:{s:s}}", "type", "subscriber.confirm", "incident", "at", at,
			"data", "page", ob->page_name);
	text = msg ? json_to_text(msg) : NULL;
	json_decref(msg);
	if (text == NULL)
		return -1;
	rc = store_query_int(c, &row, 0, STMT_OUTBOX_INSERT, "izzttzitt" "t", now, (int64_t)0,
			     (int64_t)0, "subscriber.confirm", "email", (int64_t)0, id, "smtp", email, text);
	free(text);
	return rc;
}

static int cmd_subscribe(struct store_conn *c, void *arg)
{
	struct subscribe_cmd *sc = arg;
	struct outbox *ob = sc->app->outbox;
	struct subscriber s;
	int64_t now = app_now(sc->app);
	int found = subscriber_load(c, STMT_SUBSCRIBER_FIND, "t", sc->email, &s);

	if (found < 0)
		return unavailable(sc->err);
	if (found == 0) {
		if (store_query_int(c, &s.id, 0, STMT_SUBSCRIBER_INSERT, "ttii", sc->email, "pending", now,
				    now) != 0)
			return unavailable(sc->err);
		return confirm_mail(c, ob, s.id, sc->email, now) == 0 ? 0 : unavailable(sc->err);
	}
	/* Confirmed already: nothing to do, and the answer does not say so. */
	if (strcmp(s.state, "confirmed") == 0)
		return 0;
	/* Pending or unsubscribed: (again) a confirmation, at most one per interval. */
	if (s.last_mail_at != TIME_NONE && now - s.last_mail_at < OUTBOX_SUBSCRIBE_MAIL_MS)
		return 0;
	if (store_run(c, STMT_SUBSCRIBER_UPDATE, "tzzzii", "pending", (int64_t)TIME_NONE,
		      (int64_t)TIME_NONE, now, now, s.id) != 0 ||
	    confirm_mail(c, ob, s.id, s.email, now) != 0)
		return unavailable(sc->err);
	return 0;
}

int outbox_subscribe(struct app *app, const char *email, struct api_error *err)
{
	char lower[256];
	struct subscribe_cmd sc = {.app = app, .email = lower, .err = err};
	size_t i;

	if (email == NULL)
		return api_error_set(err, 400, "missing_field", "email", "email is required");
	if (!notify_address_valid(email))
		return api_error_set(err, 400, "invalid_field", "email",
				     "email must be a mail address such as you@example.com");
	if (app->outbox == NULL)
		return unavailable(err);
	for (i = 0; i < sizeof(lower) - 1 && email[i]; i++)
		lower[i] = (char)tolower((unsigned char)email[i]);
	lower[i] = '\0';
	return run(app, cmd_subscribe, &sc, err);
}

/* Parses "<id>.<mac>" and checks the MAC against the subscriber's address. */
static int token_check(struct store_conn *c, struct outbox *ob, const char *token,
		       const char *purpose, struct subscriber *s)
{
	const char *cursor = token;
	uint64_t id;
	int64_t sid;
	char expect[OUTBOX_TOKEN_MAX];

	if (token == NULL || parse_u64(&cursor, &id, (uint64_t)INT64_MAX) != 0 || *cursor != '.')
		return 0;
	sid = (int64_t)id;
	if (subscriber_load(c, STMT_SUBSCRIBER_GET, "i", &sid, s) != 1)
		return 0;
	outbox_subscriber_token(ob->subscriber_key, purpose, s->id, s->email, expect);
	if (strlen(expect) != strlen(token) ||
	    sodium_memcmp(expect, token, strlen(expect)) != 0)
		return 0;
	return 1;
}

static int cmd_token(struct store_conn *c, void *arg)
{
	struct subscribe_cmd *sc = arg;
	struct subscriber s;
	int64_t now = app_now(sc->app);
	bool confirm = strcmp(sc->purpose, "confirm") == 0;

	if (token_check(c, sc->app->outbox, sc->token, sc->purpose, &s) != 1)
		return api_error_set(sc->err, 404, "not_found", NULL, "this link is not valid");
	if (confirm) {
		if (strcmp(s.state, "confirmed") == 0)
			return 0;
		if (strcmp(s.state, "pending") != 0)
			return api_error_set(sc->err, 404, "not_found", NULL,
					     "this link is no longer valid: subscribe again");
		return store_run(c, STMT_SUBSCRIBER_UPDATE, "tizzii", "confirmed", now,
				 (int64_t)TIME_NONE, s.last_mail_at, now, s.id) == 0
			       ? 0 : unavailable(sc->err);
	}
	if (strcmp(s.state, "unsubscribed") == 0)
		return 0;
	return store_run(c, STMT_SUBSCRIBER_UPDATE, "tzizii", "unsubscribed",
			 s.confirmed_at, now, s.last_mail_at, now, s.id) == 0
		       ? 0 : unavailable(sc->err);
}

static int token_command(struct app *app, const char *token, const char *purpose,
			 struct api_error *err)
{
	struct subscribe_cmd sc = {.app = app, .token = token, .purpose = purpose, .err = err};

	if (app->outbox == NULL)
		return unavailable(err);
	return run(app, cmd_token, &sc, err);
}

int outbox_subscriber_token_valid(struct app *app, const char *token, const char *purpose,
				  struct api_error *err)
{
	struct store_conn *c;
	struct subscriber s;
	int valid;

	if (app->outbox == NULL)
		return unavailable(err);
	c = store_read_begin(app->store);
	if (c == NULL)
		return unavailable(err);
	valid = token_check(c, app->outbox, token, purpose, &s);
	store_read_end(app->store, c);
	if (valid != 1)
		return api_error_set(err, 404, "not_found", NULL, "this link is not valid");
	return 0;
}

int outbox_subscriber_confirm(struct app *app, const char *token, struct api_error *err)
{
	return token_command(app, token, "confirm", err);
}

int outbox_subscriber_unsubscribe(struct app *app, const char *token, struct api_error *err)
{
	return token_command(app, token, "unsubscribe", err);
}

int outbox_subscriber_list(struct app *app, const char *state, int limit, json_t **out,
			   struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st;
	json_t *list = json_array();
	int step = -1;

	if (c == NULL || list == NULL)
		goto fail;
	st = store_bind(c, STMT_SUBSCRIBER_LIST, "tii", state, INT64_MAX, (int64_t)limit);
	while (st && (step = store_step(st)) == 1) {
		struct subscriber s;

		subscriber_row(st, &s);
		if (json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:o, s:o}", "id",
							  (json_int_t)s.id, "email", s.email, "state",
							  s.state, "createdAt",
							  json_time_or_null(s.created_at), "confirmedAt",
							  json_time_or_null(s.confirmed_at))) != 0) {
			step = -1;
			break;
		}
	}
	if (st)
		store_reset(st);
	if (step != 0)
		goto fail;
	store_read_end(app->store, c);
	*out = json_pack("{s:o}", "subscribers", list);
	return *out ? 0 : unavailable(err);
fail:
	if (c)
		store_read_end(app->store, c);
	json_decref(list);
	return unavailable(err);
}
