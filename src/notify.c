/* What a notification says, per channel kind (see notify.h): pure, no I/O. */
#include "notify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "parse.h"

const char *const notify_topics[] = {"incident.opened", "update.public", "update.internal",
				     "update.exec", "severity", "phase", "resolved", "reopened",
				     "guardrail", "page", "digest", NULL};

#define SECRET_PREFIX "whsec_"
#define B64_LINE 76

/* ---- topics ---- */

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

bool notify_topic_known(const char *name)
{
	for (size_t i = 0; name && notify_topics[i]; i++)
		if (strcmp(name, notify_topics[i]) == 0)
			return true;
	return false;
}

bool notify_topic_public(const char *topic)
{
	return topic && strcmp(topic, "update.public") == 0;
}

const char *notify_topic(const char *event_type, const json_t *event)
{
	const json_t *entry = json_object_get(event, "entry");

	if (event_type == NULL)
		return NULL;
	if (strcmp(event_type, "incident.opened") == 0)
		return "incident.opened";
	if (strcmp(event_type, "update.published") == 0) {
		const char *audience = jstr(json_object_get(event, "update"), "audience");

		if (audience == NULL)
			return NULL;
		if (strcmp(audience, "public") == 0)
			return "update.public";
		if (strcmp(audience, "internal") == 0)
			return "update.internal";
		if (strcmp(audience, "exec") == 0)
			return "update.exec";
		return NULL;
	}
	if (strcmp(event_type, "incident.updated") == 0) {
		const char *type = jstr(entry, "type");

		return type && strcmp(type, "severity") == 0 ? "severity" : NULL;
	}
	if (strcmp(event_type, "incident.phase") == 0) {
		json_int_t to = json_integer_value(json_object_get(json_object_get(entry, "payload"), "to"));

		return to == 8 ? "resolved" : "phase";
	}
	if (strcmp(event_type, "incident.reopened") == 0)
		return "reopened";
	if (strcmp(event_type, "guardrail.fired") == 0)
		return "guardrail";
	if (strcmp(event_type, "page") == 0)
		return "page";
	return NULL;
}

/* Copies `key` of `src` into `dst` when it is present (allow-list copying). */
static int copy_key(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);

	if (v == NULL)
		return 0;
	return json_object_set(dst, key, v);
}

json_t *notify_public_message(const json_t *msg, const char *public_incident_url)
{
	const json_t *data = json_object_get(msg, "data");
	const json_t *inc = json_object_get(data, "incident");
	const json_t *upd = json_object_get(data, "update");
	json_t *out = NULL, *pdata = NULL, *pinc = NULL, *pupd = NULL;

	if (!notify_topic_public(jstr(msg, "type")))
		return NULL;
	out = json_object();
	pdata = json_object();
	pinc = json_object();
	pupd = json_object();
	if (out == NULL || pdata == NULL || pinc == NULL || pupd == NULL)
		goto fail;
	if (copy_key(out, msg, "type") || copy_key(out, msg, "incident") || copy_key(out, msg, "at") ||
	    copy_key(pinc, inc, "id") || copy_key(pinc, inc, "title") ||
	    copy_key(pinc, inc, "severity") || copy_key(pinc, inc, "status") ||
	    json_object_set_new(pinc, "url", json_string_or_null(public_incident_url)) ||
	    copy_key(pupd, upd, "body") || copy_key(pupd, upd, "kind") ||
	    copy_key(pupd, upd, "status") || copy_key(pupd, upd, "at") ||
	    copy_key(pupd, upd, "nextUpdateEta"))
		goto fail;
	if (json_object_set_new(pdata, "incident", pinc) != 0) {
		pinc = NULL;
		goto fail;
	}
	pinc = NULL;
	if (json_object_set_new(pdata, "update", pupd) != 0) {
		pupd = NULL;
		goto fail;
	}
	pupd = NULL;
	if (json_object_set_new(out, "data", pdata) != 0) {
		pdata = NULL;
		goto fail;
	}
	return out;
fail:
	json_decref(pinc);
	json_decref(pupd);
	json_decref(pdata);
	json_decref(out);
	return NULL;
}

/* ---- text ---- */

void notify_text_free(struct notify_text *t)
{
	free(t->subject);
	free(t->text);
	free(t->url);
	memset(t, 0, sizeof(*t));
}

/* "2026-11-23T14:32:05Z" → "2026-11-23 14:32 UTC" (a wire time for people). */
static void human_time(const char *iso, char out[32])
{
	if (iso == NULL || strlen(iso) < 16) {
		str_copy(out, iso ? iso : "", 32);
		return;
	}
	snprintf(out, 32, "%.10s %.5s UTC", iso, iso + 11);
}

static int incident_line(struct buf *b, const json_t *inc)
{
	const json_t *phase = json_object_get(inc, "phase");
	const char *severity = jstr(inc, "severity");

	if (inc == NULL)
		return 0;
	if (severity && buf_printf(b, "Severity %s (Box %d)", severity,
				   (int)json_integer_value(json_object_get(inc, "alarmLevel"))) != 0)
		return -1;
	if (jstr(inc, "status") && buf_printf(b, "%sstatus %s", severity ? ", " : "Status ",
					      jstr(inc, "status")) != 0)
		return -1;
	if (json_is_object(phase) &&
	    buf_printf(b, ", phase %d %s", (int)json_integer_value(json_object_get(phase, "number")),
		       jstr(phase, "name") ? jstr(phase, "name") : "") != 0)
		return -1;
	return buf_append_str(b, ".\n");
}

/* The subject and text of one topic. */
static int render(const json_t *msg, struct buf *subject, struct buf *text)
{
	const char *topic = jstr(msg, "type");
	const json_t *data = json_object_get(msg, "data");
	const json_t *inc = json_object_get(data, "incident");
	const char *id = jstr(inc, "id") ? jstr(inc, "id") : "";
	const char *title = jstr(inc, "title") ? jstr(inc, "title") : "";
	char when[32];

	if (topic == NULL)
		topic = "";
	if (json_is_true(json_object_get(inc, "drill")) && buf_append_str(subject, "[DRILL] ") != 0)
		return -1;
	if (strcmp(topic, "incident.opened") == 0) {
		if (buf_printf(subject, "%s opened: %s", id, title) != 0 ||
		    buf_printf(text, "A new incident was opened: %s %s.\n", id, title) != 0 ||
		    incident_line(text, inc) != 0)
			return -1;
	} else if (strncmp(topic, "update.", 7) == 0) {
		const json_t *u = json_object_get(data, "update");
		const char *status = jstr(u, "status");

		if (buf_printf(subject, "%s %s update: %s", id, topic + 7, title) != 0 ||
		    buf_printf(text, "%s\n\n", jstr(u, "body") ? jstr(u, "body") : "") != 0)
			return -1;
		if (status && buf_printf(text, "Status: %s.\n", status) != 0)
			return -1;
		human_time(jstr(u, "nextUpdateEta"), when);
		if (jstr(u, "nextUpdateEta") && buf_printf(text, "Next update by %s.\n", when) != 0)
			return -1;
		if (!notify_topic_public(topic) && incident_line(text, inc) != 0)
			return -1;
	} else if (strcmp(topic, "severity") == 0) {
		const json_t *s = json_object_get(data, "severity");

		if (buf_printf(subject, "%s severity %s → %s: %s", id, jstr(s, "from") ? jstr(s, "from") : "?",
			       jstr(s, "to") ? jstr(s, "to") : "?", title) != 0 ||
		    (jstr(s, "reason") && buf_printf(text, "Reason: %s\n", jstr(s, "reason")) != 0) ||
		    incident_line(text, inc) != 0)
			return -1;
	} else if (strcmp(topic, "phase") == 0 || strcmp(topic, "resolved") == 0) {
		const json_t *p = json_object_get(data, "phase");

		if ((strcmp(topic, "resolved") == 0
			     ? buf_printf(subject, "%s resolved: %s", id, title)
			     : buf_printf(subject, "%s phase %d → %d: %s", id,
					  (int)json_integer_value(json_object_get(p, "from")),
					  (int)json_integer_value(json_object_get(p, "to")), title)) != 0 ||
		    (jstr(data, "text") && buf_printf(text, "%s\n", jstr(data, "text")) != 0) ||
		    incident_line(text, inc) != 0)
			return -1;
	} else if (strcmp(topic, "reopened") == 0) {
		if (buf_printf(subject, "%s reopened: %s", id, title) != 0 ||
		    (jstr(data, "text") && buf_printf(text, "%s\n", jstr(data, "text")) != 0) ||
		    incident_line(text, inc) != 0)
			return -1;
	} else if (strcmp(topic, "guardrail") == 0) {
		const json_t *g = json_object_get(data, "guardrail");
		const char *message = jstr(g, "message") ? jstr(g, "message") : "";

		if (buf_printf(subject, "%s guardrail: %s", id, message) != 0 ||
		    buf_printf(text, "Guardrail %s (%s) on %s %s:\n%s\n",
			       jstr(g, "rule") ? jstr(g, "rule") : "?",
			       jstr(g, "severity") ? jstr(g, "severity") : "?", id, title, message) != 0 ||
		    incident_line(text, inc) != 0)
			return -1;
	} else if (strcmp(topic, "page") == 0) {
		const json_t *p = json_object_get(data, "page");
		const char *person = jstr(p, "person") ? jstr(p, "person") : "on call";
		const char *state = jstr(p, "state");

		if (buf_printf(subject, "Page%s%s: %s for %s %s", state ? " " : "", state ? state : "",
			       person, id, title) != 0 ||
		    buf_printf(text, "%s is paged for %s %s", person, id, title) != 0 ||
		    (jstr(inc, "severity") &&
		     buf_printf(text, " (%s, Box %d)", jstr(inc, "severity"),
				(int)json_integer_value(json_object_get(inc, "alarmLevel"))) != 0) ||
		    buf_append_str(text, ".\n") != 0 ||
		    (jstr(p, "team") && buf_printf(text, "Team: %s", jstr(p, "team")) != 0) ||
		    (json_is_integer(json_object_get(p, "step")) &&
		     buf_printf(text, "%sescalation step %d%s%s%s", jstr(p, "team") ? ", " : "",
				(int)json_integer_value(json_object_get(p, "step")),
				jstr(p, "stepKind") ? " (" : "",
				jstr(p, "stepKind") ? jstr(p, "stepKind") : "",
				jstr(p, "stepKind") ? ")" : "") != 0) ||
		    ((jstr(p, "team") || json_is_integer(json_object_get(p, "step"))) &&
		     buf_append_str(text, ".\n") != 0) ||
		    (jstr(p, "reason") && buf_printf(text, "Reason: %s\n", jstr(p, "reason")) != 0) ||
		    (jstr(p, "ackUrl") &&
		     buf_printf(text, "Acknowledge: %s\n", jstr(p, "ackUrl")) != 0))
			return -1;
	} else if (strcmp(topic, "digest") == 0) {
		const json_t *actions = json_object_get(data, "actions");
		const json_t *a;
		size_t i;

		if (buf_printf(subject, "Weekly digest: %zu overdue action item%s",
			       json_array_size(actions), json_array_size(actions) == 1 ? "" : "s") != 0 ||
		    buf_append_str(text, "Overdue action items:\n") != 0)
			return -1;
		json_array_foreach(actions, i, a) {
			if (buf_printf(text, "- #%lld %s %s — %s, due %s%s\n",
				       (long long)json_integer_value(json_object_get(a, "id")),
				       jstr(a, "incident") ? jstr(a, "incident") : "",
				       jstr(a, "title") ? jstr(a, "title") : "",
				       jstr(a, "owner") ? jstr(a, "owner") : "",
				       jstr(a, "dueDate") ? jstr(a, "dueDate") : "",
				       json_is_true(json_object_get(a, "nonNegotiable")) ? " (non-negotiable)" : "") != 0)
				return -1;
		}
	} else if (strcmp(topic, "subscriber.confirm") == 0) {
		const char *page = jstr(data, "page") ? jstr(data, "page") : "Status";

		if (buf_printf(subject, "Confirm your subscription to %s", page) != 0 ||
		    buf_printf(text, "Someone (hopefully you) asked to receive incident updates from %s "
				     "at this address.\nConfirm by opening this link: %s\n"
				     "If it was not you, ignore this mail: nothing will be sent.\n",
			       page, jstr(data, "confirmUrl") ? jstr(data, "confirmUrl") : "") != 0)
			return -1;
	} else {
		if (buf_printf(subject, "%s %s", id, topic) != 0)
			return -1;
	}
	return 0;
}

/* Cuts `s` (valid UTF-8) to at most `max` characters, marking the cut with an ellipsis. */
static int subject_cut(struct buf *s, size_t max)
{
	size_t chars = 0, i;

	for (i = 0; i < s->len; i++) {
		if (((unsigned char)s->ptr[i] & 0xC0) != 0x80 && chars++ == max)
			break;
	}
	if (i >= s->len)
		return 0;
	s->len = i;
	s->ptr[i] = '\0';
	return buf_append_str(s, "…");
}

int notify_text_of(const json_t *msg, struct notify_text *out)
{
	struct buf subject, text;
	const json_t *data = json_object_get(msg, "data");
	const char *url = jstr(json_object_get(data, "incident"), "url");

	memset(out, 0, sizeof(*out));
	buf_init(&subject, 4096);
	buf_init(&text, NOTIFY_BODY_MAX);
	if (render(msg, &subject, &text) != 0 || subject_cut(&subject, NOTIFY_SUBJECT_MAX) != 0)
		goto fail;
	/* A subject is one line. */
	for (size_t i = 0; i < subject.len; i++)
		if (subject.ptr[i] == '\n' || subject.ptr[i] == '\r' || subject.ptr[i] == '\t')
			subject.ptr[i] = ' ';
	if (url && *url && buf_printf(&text, "\n%s\n", url) != 0)
		goto fail;
	out->subject = buf_detach(&subject);
	out->text = buf_detach(&text);
	out->url = url && *url ? strdup(url) : NULL;
	if (out->subject == NULL || out->text == NULL || (url && *url && out->url == NULL)) {
		notify_text_free(out);
		return -1;
	}
	return 0;
fail:
	buf_free(&subject);
	buf_free(&text);
	return -1;
}

/* ---- chat bodies ---- */

/* Slack's mrkdwn escapes exactly &, < and > (its "Formatting text" rules). */
static int slack_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		int rc = *s == '&' ? buf_append_str(b, "&amp;")
			 : *s == '<' ? buf_append_str(b, "&lt;")
			 : *s == '>' ? buf_append_str(b, "&gt;")
				     : buf_append_char(b, *s);

		if (rc != 0)
			return -1;
	}
	return 0;
}

static char *dump(json_t *doc)
{
	char *text = doc ? json_to_text(doc) : NULL;

	json_decref(doc);
	return text;
}

char *notify_slack_body(const json_t *msg, bool with_blocks)
{
	struct notify_text t;
	struct buf plain, mrkdwn;
	json_t *doc = NULL;
	char *out = NULL;

	if (notify_text_of(msg, &t) != 0)
		return NULL;
	buf_init(&plain, NOTIFY_BODY_MAX);
	buf_init(&mrkdwn, NOTIFY_BODY_MAX);
	if (buf_printf(&plain, "%s\n%s", t.subject, t.text) != 0 ||
	    buf_append_str(&mrkdwn, "*") != 0 || slack_escape(&mrkdwn, t.subject) != 0 ||
	    buf_append_str(&mrkdwn, "*\n") != 0 || slack_escape(&mrkdwn, t.text) != 0)
		goto done;
	if (!with_blocks) {
		doc = json_pack("{s:s}", "text", plain.ptr);
	} else {
		/* Slack shows `text` in notifications and the blocks in the channel. */
		doc = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text", plain.ptr, "blocks", "type",
				"section", "text", "type", "mrkdwn", "text", mrkdwn.ptr);
		if (doc && t.url) {
			char label[64];
			json_t *button = NULL;
			const char *id = jstr(json_object_get(json_object_get(msg, "data"), "incident"), "id");

			snprintf(label, sizeof(label), "Open %s", id ? id : "incident");
			button = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}, s:s}]}", "type", "actions", "elements",
					   "type", "button", "text", "type", "plain_text", "text", label,
					   "url", t.url);
			if (button == NULL ||
			    json_array_append_new(json_object_get(doc, "blocks"), button) != 0) {
				json_decref(doc);
				doc = NULL;
			}
		}
	}
	out = dump(doc);
done:
	buf_free(&plain);
	buf_free(&mrkdwn);
	notify_text_free(&t);
	return out;
}

/* A colour per severity, the way incident tools tint cards. */
static const char *theme_color(const json_t *msg)
{
	const json_t *inc = json_object_get(json_object_get(msg, "data"), "incident");
	const char *severity = jstr(inc, "severity");

	if (severity == NULL)
		return "6B7280";
	if (strcmp(severity, "critical") == 0)
		return "D92D20";
	if (strcmp(severity, "high") == 0)
		return "F79009";
	if (strcmp(severity, "medium") == 0)
		return "FDB022";
	return "2E90FA";
}

char *notify_teams_body(const json_t *msg)
{
	struct notify_text t;
	struct buf text;
	json_t *doc;
	char *out = NULL;

	if (notify_text_of(msg, &t) != 0)
		return NULL;
	buf_init(&text, NOTIFY_BODY_MAX);
	/* MessageCard text is Markdown where a single line break is lost: use two. */
	for (const char *p = t.text; *p; p++)
		if ((*p == '\n' ? buf_append_str(&text, "\n\n") : buf_append_char(&text, *p)) != 0)
			goto done;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "@type", "MessageCard", "@context",
			"https://schema.org/extensions", "summary", t.subject, "themeColor",
			theme_color(msg), "title", t.subject, "text", text.ptr);
	if (doc && t.url) {
		const char *id = jstr(json_object_get(json_object_get(msg, "data"), "incident"), "id");
		char label[64];
		json_t *actions;

		snprintf(label, sizeof(label), "Open %s", id ? id : "incident");
		actions = json_pack("[{s:s, s:s, s:[{s:s, s:s}]}]", "@type", "OpenUri", "name", label,
				    "targets", "os", "default", "uri", t.url);
		if (actions == NULL || json_object_set_new(doc, "potentialAction", actions) != 0) {
			json_decref(doc);
			doc = NULL;
		}
	}
	out = dump(doc);
done:
	buf_free(&text);
	notify_text_free(&t);
	return out;
}

/* ---- mail ---- */

bool notify_address_valid(const char *s)
{
	const char *at, *dot;
	size_t len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len < 3 || len > 254)
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p >= 127 || strchr("\"<>(),;:\\[]", *p))
			return false;
	at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') || at[1] == '\0')
		return false;
	dot = strchr(at + 1, '.');
	return dot && dot != at + 1 && dot[1] != '\0' && s[len - 1] != '.';
}

int notify_html_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int rc;

		switch (*s) {
		case '&': rc = buf_append_str(out, "&amp;"); break;
		case '<': rc = buf_append_str(out, "&lt;"); break;
		case '>': rc = buf_append_str(out, "&gt;"); break;
		case '"': rc = buf_append_str(out, "&quot;"); break;
		case '\'': rc = buf_append_str(out, "&#39;"); break;
		default: rc = buf_append_char(out, *s); break;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
			return false;
	return true;
}

/* Base64 (RFC 4648 with padding) of `len` bytes appended to `out`. */
static int b64_append(struct buf *out, const unsigned char *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = malloc(n);
	int rc;

	if (tmp == NULL)
		return -1;
	sodium_bin2base64(tmp, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	rc = buf_append_str(out, tmp);
	free(tmp);
	return rc;
}

int notify_rfc2047(struct buf *out, const char *s)
{
	/* 75 characters per word: "=?UTF-8?B?" + 60 base64 characters (45 bytes) + "?=". */
	enum { WORD_BYTES = 45 };
	unsigned char chunk[WORD_BYTES];
	size_t len = strlen(s), i = 0;
	bool first = true;

	if (plain_ascii(s))
		return buf_append_str(out, s);
	while (i < len) {
		size_t n = 0;

		while (i + n < len) {
			size_t clen = 1;
			unsigned char c = (unsigned char)s[i + n];

			if (c >= 0xF0)
				clen = 4;
			else if (c >= 0xE0)
				clen = 3;
			else if (c >= 0xC0)
				clen = 2;
			if (n + clen > WORD_BYTES || i + n + clen > len)
				break;
			for (size_t k = 0; k < clen; k++) {
				unsigned char b = (unsigned char)s[i + n + k];

				/* Line breaks and other controls become spaces: one header line. */
				chunk[n + k] = b < 0x20 || b == 0x7F ? ' ' : b;
			}
			n += clen;
		}
		if (n == 0) /* a truncated sequence at the end: drop it */
			break;
		if ((!first && buf_append_str(out, "\r\n ") != 0) ||
		    buf_append_str(out, "=?UTF-8?B?") != 0 || b64_append(out, chunk, n) != 0 ||
		    buf_append_str(out, "?=") != 0)
			return -1;
		first = false;
		i += n;
	}
	return 0;
}

/* `text` as base64 in lines of 76 characters, CRLF-terminated. */
static int b64_body(struct buf *out, const char *text)
{
	struct buf enc;
	int rc = -1;

	buf_init(&enc, NOTIFY_MAIL_MAX);
	if (b64_append(&enc, (const unsigned char *)text, strlen(text)) != 0)
		goto done;
	for (size_t i = 0; i < enc.len; i += B64_LINE) {
		size_t n = enc.len - i < B64_LINE ? enc.len - i : B64_LINE;

		if (buf_append(out, enc.ptr + i, n) != 0 || buf_append_str(out, "\r\n") != 0)
			goto done;
	}
	rc = 0;
done:
	buf_free(&enc);
	return rc;
}

/* Plain text as HTML: escaped, paragraphs per blank line, http(s) links clickable. */
static int html_of(struct buf *out, const struct notify_text *t, const struct notify_mail *m)
{
	const char *p = t->text;

	if (buf_append_str(out, "<!doctype html>\r\n<html><head><meta charset=\"utf-8\"><title>") != 0 ||
	    notify_html_escape(out, t->subject) != 0 ||
	    buf_append_str(out, "</title></head>\r\n<body style=\"font-family:sans-serif\">\r\n<h1 "
				"style=\"font-size:18px\">") != 0 ||
	    notify_html_escape(out, t->subject) != 0 || buf_append_str(out, "</h1>\r\n<p>") != 0)
		return -1;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *line = strndup(p, n);
		const char *url;
		int rc = 0;

		if (line == NULL)
			return -1;
		url = strstr(line, "https://");
		if (url == NULL)
			url = strstr(line, "http://");
		if (n == 0) {
			rc = buf_append_str(out, "</p>\r\n<p>");
		} else if (url) {
			size_t ulen = strcspn(url, " \t");
			char *href = strndup(url, ulen);

			line[url - line] = '\0';
			rc = href == NULL || notify_html_escape(out, line) != 0 ||
			     buf_append_str(out, "<a href=\"") != 0 || notify_html_escape(out, href) != 0 ||
			     buf_append_str(out, "\">") != 0 || notify_html_escape(out, href) != 0 ||
			     buf_append_str(out, "</a>") != 0 || notify_html_escape(out, url + ulen) != 0 ||
			     buf_append_str(out, "<br>\r\n") != 0;
			free(href);
		} else {
			rc = notify_html_escape(out, line) != 0 || buf_append_str(out, "<br>\r\n") != 0;
		}
		free(line);
		if (rc != 0)
			return -1;
		p += n;
		if (*p == '\n')
			p++;
	}
	if (buf_append_str(out, "</p>\r\n") != 0)
		return -1;
	if (m->footer && (buf_append_str(out, "<p style=\"color:#666;font-size:12px\">") != 0 ||
			  notify_html_escape(out, m->footer) != 0 || buf_append_str(out, "</p>\r\n") != 0))
		return -1;
	if (m->unsubscribe_url &&
	    (buf_append_str(out, "<p style=\"color:#666;font-size:12px\"><a href=\"") != 0 ||
	     notify_html_escape(out, m->unsubscribe_url) != 0 ||
	     buf_append_str(out, "\">Unsubscribe</a></p>\r\n") != 0))
		return -1;
	return buf_append_str(out, "</body></html>\r\n");
}

/* RFC 5322 date: "Mon, 23 Nov 2026 14:32:05 +0000". */
static void mail_date(int64_t ms, char out[64])
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL) {
		str_copy(out, "Thu, 01 Jan 1970 00:00:00 +0000", 64);
		return;
	}
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
		 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int notify_mail_build(struct buf *out, const struct notify_mail *m, const struct notify_text *t)
{
	const char *domain = strchr(m->from, '@');
	struct buf plain, html;
	char date[64], boundary[96];
	int rc = -1;

	domain = domain && domain[1] ? domain + 1 : "majorops.invalid";
	mail_date(m->date, date);
	/* The boundary never occurs in base64 text ('=' and '_' runs are not base64 lines). */
	snprintf(boundary, sizeof(boundary), "=_majorops_%s_=", m->message_id);
	buf_init(&plain, NOTIFY_MAIL_MAX);
	buf_init(&html, NOTIFY_MAIL_MAX);
	if (buf_append_str(&plain, t->text) != 0 ||
	    (m->footer && buf_printf(&plain, "\n%s\n", m->footer) != 0) ||
	    (m->unsubscribe_url && buf_printf(&plain, "\nUnsubscribe: %s\n", m->unsubscribe_url) != 0) ||
	    html_of(&html, t, m) != 0)
		goto done;
	if (buf_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <%s@%s>\r\nSubject: ", date,
		       m->from, m->to, m->message_id, domain) != 0 ||
	    notify_rfc2047(out, t->subject) != 0 ||
	    buf_append_str(out, "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n") != 0)
		goto done;
	if (m->unsubscribe_url &&
	    buf_printf(out, "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		       m->unsubscribe_url) != 0)
		goto done;
	if (buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
			    "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: base64\r\n\r\n", boundary, boundary) != 0 ||
	    b64_body(out, plain.ptr) != 0 ||
	    buf_printf(out, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: base64\r\n\r\n", boundary) != 0 ||
	    b64_body(out, html.ptr) != 0 || buf_printf(out, "\r\n--%s--\r\n", boundary) != 0)
		goto done;
	rc = 0;
done:
	buf_free(&plain);
	buf_free(&html);
	return rc;
}

/* ---- Standard Webhooks ---- */

int notify_secret_decode(const char *secret, unsigned char key[NOTIFY_SECRET_KEY_MAX])
{
	size_t plen = strlen(SECRET_PREFIX), keylen = 0;
	const char *end = NULL;

	if (secret == NULL || strncmp(secret, SECRET_PREFIX, plen) != 0)
		return -1;
	secret += plen;
	if (*secret == '\0' || strlen(secret) > NOTIFY_SECRET_TEXT_MAX - plen - 1)
		return -1;
	if (sodium_base642bin(key, NOTIFY_SECRET_KEY_MAX, secret, strlen(secret), NULL, &keylen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    (end && *end != '\0') || keylen == 0)
		return -1;
	return (int)keylen;
}

int notify_secret_encode(const unsigned char *key, size_t keylen, char out[NOTIFY_SECRET_TEXT_MAX])
{
	size_t plen = strlen(SECRET_PREFIX);

	if (sodium_base64_encoded_len(keylen, sodium_base64_VARIANT_ORIGINAL) + plen > NOTIFY_SECRET_TEXT_MAX)
		return -1;
	str_copy(out, SECRET_PREFIX, NOTIFY_SECRET_TEXT_MAX);
	sodium_bin2base64(out + plen, NOTIFY_SECRET_TEXT_MAX - plen, key, keylen,
			  sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

void notify_sign(const unsigned char *key, size_t keylen, const char *id, int64_t timestamp,
		 const char *body, size_t body_len, char out[NOTIFY_SIGNATURE_MAX])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char ts[32];

	snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
	crypto_auth_hmacsha256_final(&st, mac);
	str_copy(out, "v1,", NOTIFY_SIGNATURE_MAX);
	sodium_bin2base64(out + 3, NOTIFY_SIGNATURE_MAX - 3, mac, sizeof(mac),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(&st, sizeof(st));
}

/* ---- retries ---- */

int64_t notify_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t random)
{
	int64_t ceiling = base_ms;

	if (base_ms <= 0 || cap_ms <= 0)
		return 0;
	for (int i = 1; i < attempt && ceiling < cap_ms; i++)
		ceiling = ceiling > INT64_MAX / 2 ? cap_ms : ceiling * 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	/* Full jitter (AWS architecture blog): uniform in [0, ceiling]. */
	return (int64_t)((double)random / 4294967295.0 * (double)ceiling);
}
