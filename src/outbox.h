/*
 * outbox — notifications that are never lost (SPEC §12): channels, status-page subscribers,
 * routing in the transaction of the event, and the delivery loop.
 *
 * Routing.  record_change() (service.c) calls outbox_route_event() right after the event
 * is appended, on the writer's connection: the event's topic (notify.h) picks the enabled
 * channels whose `events` name it, and one `outbox` row per destination is inserted in
 * the SAME transaction — the notification exists exactly when the event does.  Internal
 * topics go only to channels of audience "internal"; `update.public` (never of a drill)
 * also goes, rebuilt from the public allow-list, to channels of audience "public" and to
 * every confirmed status-page subscriber.  A `page` event also mails the paged person's
 * `email` unless the page is already answered; a `guardrail` nudge also mails the MIM when a
 * team lists the MIM's address (teams.h).
 *
 * Delivery.  A sender thread per process sends due rows with libcurl's multi interface:
 * at most OUTBOX_INFLIGHT_MAX at once and OUTBOX_PER_DEST_MAX per receiver, connect
 * timeout 5 s, total 10 s, so one dead receiver never holds the others up; nothing of it
 * runs on the command path.  It sends only while the worker task outbox_task_deliver()
 * keeps telling it this process holds the worker lease (worker.h), so exactly one replica
 * delivers.  A failure is retried with exponential backoff and full jitter between
 * --outbox-retry-base-ms and --outbox-retry-cap-ms; a receiver that failed is also paused
 * for such a delay as a whole (its other rows keep their attempts); after
 * --outbox-give-up-ms from creation (24 h) a row is `failed`.  Delivery is at least once:
 * a row is marked delivered only after the receiver answered 2xx (or the SMTP server took
 * the mail), so a crash in between sends it again.  Receivers deduplicate with the stable
 * key `msg_<row id>`: webhook-id and Idempotency-Key headers, the mail's Message-ID.
 *
 * Subscribers: double opt-in.  outbox_subscribe() answers the same for every address (no
 * enumeration), mails a confirmation link at most once per OUTBOX_SUBSCRIBE_MAIL_MS per
 * address; tokens are "<id>.<base64url MAC>" signed with crypto_auth under
 * secret_derive(app->secret, "subscriber") over purpose, id and address.
 *
 * Weekly digest: outbox_task_digest() enqueues, once per --digest-interval-ms slot
 * (anchored at Monday 08:00 UTC; default one week), a `digest` message with the overdue
 * action items (actions.h) for the channels subscribed to `digest`.
 *
 * Ownership: main creates the outbox after the store and the secret, sets app->outbox,
 * registers the two tasks, and frees it after the HTTP server and the worker stopped and
 * before the store closes.  Functions returning JSON give a new reference in `*out`, or -1
 * with `err` filled.
 */
#ifndef MAJOROPS_OUTBOX_H
#define MAJOROPS_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "store.h"

struct app;
struct incident;
struct outbox;

#define OUTBOX_INFLIGHT_MAX 16
#define OUTBOX_PER_DEST_MAX 4
#define OUTBOX_DUE_BATCH 64
#define OUTBOX_CONNECT_TIMEOUT_MS 5000
#define OUTBOX_TOTAL_TIMEOUT_MS 10000
#define OUTBOX_RETRY_BASE_MS (5 * 1000)
#define OUTBOX_RETRY_CAP_MS (15 * 60 * 1000)
#define OUTBOX_GIVE_UP_MS ((int64_t)24 * 60 * 60 * 1000)
#define OUTBOX_POLL_MS 250
#define OUTBOX_DIGEST_INTERVAL_MS ((int64_t)7 * 24 * 60 * 60 * 1000)
#define OUTBOX_DIGEST_ANCHOR_MS ((int64_t)374400000) /* Monday 1970-01-05 08:00 UTC */
#define OUTBOX_DIGEST_MAX 200          /* overdue items listed in one digest */
#define OUTBOX_SUBSCRIBE_MAIL_MS (5 * 60 * 1000)
#define OUTBOX_ERROR_MAX 300           /* bytes of a delivery's last error */
#define OUTBOX_URL_MAX 2000
#define OUTBOX_NAME_MAX 100
#define OUTBOX_EVENTS_MAX 16
#define OUTBOX_LIST_MAX 500
#define OUTBOX_TOKEN_MAX 96
#define OUTBOX_ADDRESS_MAX 256       /* bytes of a mail address and its NUL */

struct outbox_config {
	const char *smtp_url;      /* smtp://[user:pass@]host:port or smtps://…; NULL: no mail */
	const char *smtp_from;     /* the From address; required with smtp_url */
	const char *public_url;    /* links in messages, no trailing slash */
	const char *page_name;     /* the status page's name, for subscriber mails */
	/* Milliseconds as decimal text (flags and environment), NULL for the defaults above:
	 * --outbox-retry-base-ms, --outbox-retry-cap-ms, --outbox-give-up-ms,
	 * --digest-interval-ms. */
	const char *retry_base_ms, *retry_cap_ms, *give_up_ms, *digest_interval_ms;
};

/* Fills `cfg` from MAJOROPS_SMTP_URL, MAJOROPS_SMTP_FROM, MAJOROPS_OUTBOX_RETRY_BASE_MS,
 * MAJOROPS_OUTBOX_RETRY_CAP_MS, MAJOROPS_OUTBOX_GIVE_UP_MS, MAJOROPS_DIGEST_INTERVAL_MS. */
void outbox_config_from_env(struct outbox_config *cfg);

/* Validates `cfg` (URL schemes, the From address, the numbers) and copies it.  NULL with
 * `err` filled. */
struct outbox *outbox_new(const struct outbox_config *cfg, struct app *app, char *err,
			  size_t errlen);
/* Starts the sender thread.  0, or -1 with `err` filled. */
int outbox_start(struct outbox *ob, char *err, size_t errlen);
/* Stops the sender (deliveries in flight stay pending) and frees `ob`; NULL is fine. */
void outbox_free(struct outbox *ob);

/* The hook of record_change (see above); inside a store command.  0, or -1 on a store
 * error (the command then rolls back).  `app->outbox` NULL routes nothing. */
int outbox_route_event(struct store_conn *c, struct app *app, const struct incident *inc,
		       int64_t seq, const char *event_type, const json_t *event);

/* Worker tasks (worker.h); `ctx` is the outbox. */
int outbox_task_deliver(void *ctx, int64_t now);
int outbox_task_digest(void *ctx, int64_t now);
/* The digest task's interval: the slot, capped at a minute. */
int outbox_digest_check_ms(const struct outbox *ob);

/* ---- channels (admin) ---- */

struct channel_input {
	const char *name, *kind, *url, *address, *secret, *audience; /* NULL: not sent */
	json_t *events;        /* array of topic names, or NULL */
	bool has_enabled, enabled;
	bool rotate_secret;    /* PATCH: make a new secret and show it once */
};
int outbox_channel_create(struct app *app, const struct channel_input *in, json_t **out,
			  struct api_error *err);
int outbox_channel_patch(struct app *app, int64_t id, const struct channel_input *in,
			 json_t **out, struct api_error *err);
int outbox_channel_get(struct app *app, int64_t id, json_t **out, struct api_error *err);
int outbox_channel_list(struct app *app, json_t **out, struct api_error *err);
int outbox_channel_delete(struct app *app, int64_t id, struct api_error *err);

/* ---- deliveries (admin) ---- */

/* {"deliveries": [...] newest first, "counts": {state: n}, "nextBefore": id|null} */
int outbox_delivery_list(struct app *app, const char *state, int64_t before, int limit,
			 json_t **out, struct api_error *err);
/* Pending again and due now (also a delivered or failed one): the delivery. */
int outbox_delivery_retry(struct app *app, int64_t id, json_t **out, struct api_error *err);

/* ---- status-page subscribers ---- */

/* Always 0 for a well-formed address (the same answer whatever its state); 400 naming
 * `email` otherwise. */
int outbox_subscribe(struct app *app, const char *email, struct api_error *err);
/* Whether a signed link's token is valid for `purpose` ("confirm", "unsubscribe"),
 * changing nothing (a GET of the link: mail scanners open links): 0, or 404. */
int outbox_subscriber_token_valid(struct app *app, const char *token, const char *purpose,
				  struct api_error *err);
/* The signed links: 0 when the token was valid and applied, 404 otherwise. */
int outbox_subscriber_confirm(struct app *app, const char *token, struct api_error *err);
int outbox_subscriber_unsubscribe(struct app *app, const char *token, struct api_error *err);
/* {"subscribers": [...]} (admin), newest first. */
int outbox_subscriber_list(struct app *app, const char *state, int limit, json_t **out,
			   struct api_error *err);

/* The token of subscriber `id` with `email` for `purpose` ("confirm", "unsubscribe"). */
void outbox_subscriber_token(const unsigned char secret[32], const char *purpose, int64_t id,
			     const char *email, char out[OUTBOX_TOKEN_MAX]);

#endif
