/*
 * notify — what a notification says, per channel kind: pure functions, no I/O, no clock
 * (the caller passes times), no global state.
 *
 * Topics.  A recorded event that may notify has one topic (notify_topic): the names channels
 * subscribe to with their `events` list —
 *   incident.opened  a new incident
 *   update.public    a published milestone for the public (also to status-page subscribers)
 *   update.internal  a milestone for internal stakeholders
 *   update.exec      a milestone for executives
 *   severity         a severity change (who, from, to, why)
 *   phase            a phase change other than into Resolution
 *   resolved         the incident entered phase 8 Resolution
 *   reopened         a resolved incident was reopened
 *   guardrail        a guardrail nudge fired (SPEC §8)
 *   page             an on-call page (the on-call module's `page` events)
 *   digest           the weekly digest of overdue action items
 * Only `update.public` is public content; every other topic is internal and never reaches
 * a status-page subscriber or a channel whose audience is "public" (notify_topic_public).
 *
 * The message.  Routing (outbox.h) turns an event into one message object, stored with the
 * outbox row and sent as the generic webhook's body:
 *   {"type": <topic>, "incident": "INC-7" | null, "at": ISO, "data": {…}}
 * data.incident is a summary {id, title, severity, alarmLevel, status, phase, drill, url};
 * the topic adds update / severity / phase / reason / guardrail / page / actions.  A public
 * message (notify_public_message) is rebuilt from an allow-list: incident {id, title,
 * severity, status, url} and update {body, kind, status, at, nextUpdateEta} — nothing else.
 *
 * Renderers take the message and write the Slack/Mattermost body, the Microsoft Teams body
 * (a MessageCard: @type, @context, summary, themeColor, title, text, potentialAction
 * OpenUri), and a complete RFC 5322 mail (multipart/alternative, text/plain and text/html,
 * base64 bodies, RFC 2047 subject).  Webhook signatures follow Standard Webhooks.
 *
 * Ownership: returned strings are heap strings the caller frees; json_t results are new
 * references.  Inputs are borrowed.
 */
#ifndef MAJOROPS_NOTIFY_H
#define MAJOROPS_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define NOTIFY_TOPIC_MAX 32
#define NOTIFY_SIGNATURE_MAX 64      /* "v1," + 44 base64 characters + NUL */
#define NOTIFY_SECRET_BYTES 24       /* a generated webhook secret's key */
#define NOTIFY_SECRET_KEY_MAX 64     /* the longest key a given secret may decode to */
#define NOTIFY_SECRET_TEXT_MAX 128   /* "whsec_" + base64 */
#define NOTIFY_MAIL_MAX (512 * 1024) /* one rendered mail */
#define NOTIFY_BODY_MAX (256 * 1024) /* one rendered webhook/chat body */
#define NOTIFY_SUBJECT_MAX 200       /* characters of a subject before it is cut */

/* The topics, NULL-terminated, in the order above. */
extern const char *const notify_topics[];

/* The topic of a recorded event (event_type as record_change writes it, the event object
 * it publishes), or NULL when it notifies nobody.  Returns a static string. */
const char *notify_topic(const char *event_type, const json_t *event);
/* Whether `name` is one of notify_topics. */
bool notify_topic_known(const char *name);
/* Whether the topic's content is public (only update.public). */
bool notify_topic_public(const char *topic);

/* The public message of a full one (topic update.public only; NULL otherwise or when out of
 * memory): the allow-list above, `public_incident_url` as data.incident.url. */
json_t *notify_public_message(const json_t *msg, const char *public_incident_url);

/* ---- text: subject, plain text, HTML ---- */

struct notify_text {
	char *subject; /* one line */
	char *text;    /* plain text, lines separated by \n */
	char *url;     /* the link the message is about, or NULL */
};
void notify_text_free(struct notify_text *t);
/* Renders the people's words of a message.  0, or -1 when out of memory. */
int notify_text_of(const json_t *msg, struct notify_text *out);

/* Chat bodies (JSON text; the caller frees).  Slack: {"text", "blocks"}; Mattermost
 * {"text"}; Teams: a MessageCard.  NULL when out of memory. */
char *notify_slack_body(const json_t *msg, bool with_blocks);
char *notify_teams_body(const json_t *msg);

/* ---- mail ---- */

struct notify_mail {
	const char *from;            /* an address (validated by the caller) */
	const char *to;
	const char *message_id;      /* "msg_7": becomes <msg_7@domain-of-from> */
	int64_t date;                /* ms since the epoch */
	const char *unsubscribe_url; /* List-Unsubscribe and a footer line, or NULL */
	const char *footer;          /* an extra last line (plain), or NULL */
};
/* Appends the whole message (CRLF line ends) for `t` to `out`.  0 or -1. */
int notify_mail_build(struct buf *out, const struct notify_mail *m, const struct notify_text *t);
/* Appends `s` as a header value: as is when printable ASCII, otherwise RFC 2047 encoded
 * words (=?UTF-8?B?…?=, each at most 75 characters, never splitting a character) folded
 * with CRLF SP.  Line breaks in `s` become spaces.  0 or -1. */
int notify_rfc2047(struct buf *out, const char *s);
/* Appends `s` HTML-escaped (& < > " '). */
int notify_html_escape(struct buf *out, const char *s);
/* Whether `s` looks like a mail address we may send to: 3..254 bytes, printable ASCII
 * without spaces, quotes, angle brackets or commas, one @ with text on both sides and a
 * dot in the domain. */
bool notify_address_valid(const char *s);

/* ---- Standard Webhooks ---- */

/* Decodes "whsec_<base64>" into `key` (1..NOTIFY_SECRET_KEY_MAX bytes); returns the key's
 * length or -1 when malformed. */
int notify_secret_decode(const char *secret, unsigned char key[NOTIFY_SECRET_KEY_MAX]);
/* Writes "whsec_<base64 of key>" into `out`. */
int notify_secret_encode(const unsigned char *key, size_t keylen, char out[NOTIFY_SECRET_TEXT_MAX]);
/* "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" into `out`. */
void notify_sign(const unsigned char *key, size_t keylen, const char *id, int64_t timestamp,
		 const char *body, size_t body_len, char out[NOTIFY_SIGNATURE_MAX]);

/* ---- retries ---- */

/* The delay before retry number `attempt` (1 after the first failure) with exponential
 * backoff and full jitter: uniform in [0, min(cap, base * 2^(attempt-1))] drawn from
 * `random` (any 32-bit value).  base, cap > 0. */
int64_t notify_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t random);

#endif
