/* Unit tests for src/notify.c: topics and routing rules, Standard Webhooks signatures, chat
 * bodies, the mail (MIME structure, RFC 2047), backoff bounds. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "notify.h"
#include "unit.h"

/* ---- topics: which event goes where ---- */

static json_t *event_of(const char *json)
{
	json_t *v = json_loads(json, 0, NULL);

	if (v == NULL)
		unit_fail(__FILE__, __LINE__, "bad test JSON: %s", json);
	return v;
}

static void test_notify_topics(void)
{
	static const struct {
		const char *type, *event, *topic;
	} rows[] = {
		{"incident.opened", "{}", "incident.opened"},
		{"update.published", "{\"update\":{\"audience\":\"public\"}}", "update.public"},
		{"update.published", "{\"update\":{\"audience\":\"internal\"}}", "update.internal"},
		{"update.published", "{\"update\":{\"audience\":\"exec\"}}", "update.exec"},
		{"update.published", "{\"update\":{\"audience\":\"partners\"}}", NULL},
		{"update.published", "{}", NULL},
		{"incident.updated", "{\"entry\":{\"type\":\"severity\"}}", "severity"},
		{"incident.updated", "{\"entry\":{\"type\":\"command\"}}", NULL},
		{"incident.phase", "{\"entry\":{\"payload\":{\"from\":3,\"to\":4}}}", "phase"},
		{"incident.phase", "{\"entry\":{\"payload\":{\"from\":7,\"to\":8}}}", "resolved"},
		{"incident.reopened", "{}", "reopened"},
		{"guardrail.fired", "{}", "guardrail"},
		{"page", "{\"page\":{}}", "page"},
		{"timeline.entry", "{}", NULL},
		{"role.assigned", "{}", NULL},
		{"responder.changed", "{}", NULL},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *ev = event_of(rows[i].event);

		CHECK_STR(notify_topic(rows[i].type, ev), rows[i].topic);
		json_decref(ev);
	}
	CHECK(notify_topic(NULL, NULL) == NULL);
	for (size_t i = 0; notify_topics[i]; i++) {
		CHECK(notify_topic_known(notify_topics[i]));
		/* Only public updates are public content: everything else stays internal. */
		CHECK_INT(notify_topic_public(notify_topics[i]),
			  strcmp(notify_topics[i], "update.public") == 0);
	}
	CHECK(!notify_topic_known("update.partners"));
	CHECK(!notify_topic_known(""));
	CHECK(!notify_topic_known(NULL));
}

/* The public message holds the allow-list and nothing else; internal topics have none. */
static void test_notify_public_message(void)
{
	json_t *msg = event_of(
		"{\"type\":\"update.public\",\"incident\":\"INC-3\",\"at\":\"2026-11-23T14:00:00Z\","
		"\"data\":{\"incident\":{\"id\":\"INC-3\",\"title\":\"Checkout down\",\"severity\":\"high\","
		"\"alarmLevel\":2,\"status\":\"identified\",\"phase\":{\"number\":4,\"name\":\"Initial\"},"
		"\"drill\":false,\"url\":\"https://x/admin/incidents/INC-3\"},"
		"\"update\":{\"id\":9,\"author\":\"Dana SECRET\",\"audience\":\"public\",\"body\":\"We are on it\","
		"\"kind\":\"milestone\",\"status\":\"identified\",\"at\":\"2026-11-23T14:00:00Z\","
		"\"nextUpdateEta\":\"2026-11-23T14:30:00Z\"},\"actor\":\"Dana SECRET\",\"text\":\"internal SECRET\"}}");
	json_t *pub = notify_public_message(msg, "https://status.example.com/incidents/INC-3");
	char *text;

	REQUIRE(pub != NULL);
	text = json_dumps(pub, JSON_COMPACT | JSON_SORT_KEYS);
	REQUIRE(text != NULL);
	CHECK_MSG(strstr(text, "SECRET") == NULL, "public message leaks: %s", text);
	CHECK_MSG(strstr(text, "admin") == NULL, "public message links the console: %s", text);
	CHECK_STR(text,
		  "{\"at\":\"2026-11-23T14:00:00Z\",\"data\":{\"incident\":{\"id\":\"INC-3\",\"severity\":\"high\","
		  "\"status\":\"identified\",\"title\":\"Checkout down\",\"url\":"
		  "\"https://status.example.com/incidents/INC-3\"},\"update\":{\"at\":\"2026-11-23T14:00:00Z\","
		  "\"body\":\"We are on it\",\"kind\":\"milestone\",\"nextUpdateEta\":\"2026-11-23T14:30:00Z\","
		  "\"status\":\"identified\"}},\"incident\":\"INC-3\",\"type\":\"update.public\"}");
	free(text);
	json_decref(pub);
	/* An internal update has no public form at all. */
	json_object_set_new(msg, "type", json_string("update.internal"));
	CHECK(notify_public_message(msg, "https://x") == NULL);
	json_object_set_new(msg, "type", json_string("guardrail"));
	CHECK(notify_public_message(msg, "https://x") == NULL);
	json_decref(msg);
}

/* ---- Standard Webhooks ---- */

static void test_notify_signature_vector(void)
{
	/* The Standard Webhooks specification's example, checked with Python's hmac too
	 * (tests/integration/test_notify.py verifies every delivery the same way). */
	unsigned char key[NOTIFY_SECRET_KEY_MAX];
	char sig[NOTIFY_SIGNATURE_MAX], back[NOTIFY_SECRET_TEXT_MAX];
	const char *body = "{\"test\": 2432232314}";
	int keylen = notify_secret_decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key);

	REQUIRE(keylen == 24);
	notify_sign(key, (size_t)keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
		    strlen(body), sig);
	CHECK_STR(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	REQUIRE(notify_secret_encode(key, (size_t)keylen, back) == 0);
	CHECK_STR(back, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	/* Any change to id, time or body changes the signature. */
	notify_sign(key, (size_t)keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body,
		    strlen(body), sig);
	CHECK(strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") != 0);
	/* Malformed secrets are refused. */
	CHECK(notify_secret_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key) < 0);
	CHECK(notify_secret_decode("whsec_", key) < 0);
	CHECK(notify_secret_decode("whsec_not base64!", key) < 0);
	CHECK(notify_secret_decode(NULL, key) < 0);
}

/* ---- chat bodies ---- */

static json_t *sample_update(const char *audience, const char *body)
{
	json_t *msg = json_pack(
		"{s:s, s:s, s:s, s:{s:{s:s, s:s, s:s, s:i, s:s, s:{s:i, s:s}, s:b, s:s}, s:{s:s, s:s, s:s}}}",
		"type", audience, "incident", "INC-7", "at", "2026-11-23T14:00:00Z", "data", "incident",
		"id", "INC-7", "title", "Payments <down> & \"out\"", "severity", "critical", "alarmLevel", 3,
		"status", "investigating", "phase", "number", 2, "name", "Gather", "drill", 0, "url",
		"https://ops.example.com/admin/incidents/INC-7", "update", "body", body, "kind",
		"milestone", "nextUpdateEta", "2026-11-23T14:30:00Z");

	if (msg == NULL)
		unit_fail(__FILE__, __LINE__, "json_pack failed");
	return msg;
}

static void test_notify_chat_shapes(void)
{
	json_t *msg = sample_update("update.internal", "DB failover <b>started</b>");
	char *slack = notify_slack_body(msg, true), *mm = notify_slack_body(msg, false);
	char *teams = notify_teams_body(msg);
	json_t *s = slack ? json_loads(slack, 0, NULL) : NULL;
	json_t *m = mm ? json_loads(mm, 0, NULL) : NULL;
	json_t *t = teams ? json_loads(teams, 0, NULL) : NULL;
	const char *mrkdwn;

	REQUIRE(s && m && t);
	CHECK(json_is_string(json_object_get(s, "text")));
	CHECK(strstr(json_string_value(json_object_get(s, "text")), "INC-7 internal update") != NULL);
	CHECK(json_array_size(json_object_get(s, "blocks")) == 2);
	mrkdwn = json_string_value(json_object_get(
		json_object_get(json_array_get(json_object_get(s, "blocks"), 0), "text"), "text"));
	REQUIRE(mrkdwn != NULL);
	/* Slack's three escapes: the title's < > & never become markup. */
	CHECK(strstr(mrkdwn, "&lt;down&gt; &amp;") != NULL);
	CHECK(strstr(mrkdwn, "<b>") == NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(
			  json_array_get(json_object_get(s, "blocks"), 1), "elements"), 0), "text"), "text")),
		  "Open INC-7");
	/* Mattermost: text only. */
	CHECK(json_object_size(m) == 1 && json_is_string(json_object_get(m, "text")));
	/* Teams: a MessageCard with an OpenUri action to the incident. */
	CHECK_STR(json_string_value(json_object_get(t, "@type")), "MessageCard");
	CHECK_STR(json_string_value(json_object_get(t, "@context")), "https://schema.org/extensions");
	CHECK_STR(json_string_value(json_object_get(t, "themeColor")), "D92D20");
	CHECK(json_is_string(json_object_get(t, "summary")) && json_is_string(json_object_get(t, "title")));
	CHECK(strstr(json_string_value(json_object_get(t, "text")), "DB failover") != NULL);
	{
		json_t *action = json_array_get(json_object_get(t, "potentialAction"), 0);

		CHECK_STR(json_string_value(json_object_get(action, "@type")), "OpenUri");
		CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(action, "targets"), 0), "uri")),
			  "https://ops.example.com/admin/incidents/INC-7");
	}
	json_decref(s);
	json_decref(m);
	json_decref(t);
	free(slack);
	free(mm);
	free(teams);
	json_decref(msg);
}

/* ---- mail ---- */

/* Decodes the base64 body of the MIME part whose Content-Type starts with `type`. */
static char *part_body(const char *mail, const char *type)
{
	char header[96];
	const char *p, *start, *end;
	char *b64, *out;
	size_t n = 0, outlen = 0;

	snprintf(header, sizeof(header), "Content-Type: %s", type);
	p = strstr(mail, header);
	if (p == NULL)
		return NULL;
	start = strstr(p, "\r\n\r\n");
	if (start == NULL)
		return NULL;
	start += 4;
	end = strstr(start, "\r\n--");
	if (end == NULL)
		return NULL;
	b64 = malloc((size_t)(end - start) + 1);
	out = malloc((size_t)(end - start) + 1);
	if (b64 == NULL || out == NULL) {
		free(b64);
		free(out);
		return NULL;
	}
	for (const char *q = start; q < end; q++) {
		if (*q == '\r' || *q == '\n')
			continue;
		b64[n++] = *q;
	}
	b64[n] = '\0';
	if (sodium_base642bin((unsigned char *)out, (size_t)(end - start), b64, n, NULL, &outlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(b64);
		free(out);
		return NULL;
	}
	out[outlen] = '\0';
	free(b64);
	return out;
}

static void test_notify_mail_structure(void)
{
	json_t *msg = sample_update("update.public", "Ünïcode bodies & <tags> survive");
	struct notify_text t;
	struct notify_mail m = {.from = "ops@example.com", .to = "reader@example.org",
				.message_id = "msg_42", .date = 1795444325000LL,
				.unsubscribe_url = "https://status.example.com/subscribers/unsubscribe/1.abc"};
	struct buf mail;
	char *plain, *html;
	const char *boundary;

	REQUIRE(notify_text_of(msg, &t) == 0);
	buf_init(&mail, NOTIFY_MAIL_MAX);
	REQUIRE(notify_mail_build(&mail, &m, &t) == 0);
	CHECK(strncmp(mail.ptr, "Date: ", 6) == 0);
	CHECK(strstr(mail.ptr, "\r\nFrom: ops@example.com\r\n") != NULL);
	CHECK(strstr(mail.ptr, "\r\nTo: reader@example.org\r\n") != NULL);
	CHECK(strstr(mail.ptr, "\r\nMessage-ID: <msg_42@example.com>\r\n") != NULL);
	CHECK(strstr(mail.ptr, "\r\nMIME-Version: 1.0\r\n") != NULL);
	CHECK(strstr(mail.ptr, "\r\nList-Unsubscribe: <https://status.example.com/subscribers/unsubscribe/1.abc>\r\n") != NULL);
	CHECK(strstr(mail.ptr, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") != NULL);
	boundary = strstr(mail.ptr, "multipart/alternative; boundary=\"");
	REQUIRE(boundary != NULL);
	CHECK(strstr(mail.ptr, "\r\n--=_majorops_msg_42_=\r\nContent-Type: text/plain; charset=utf-8") != NULL);
	CHECK(strstr(mail.ptr, "\r\n--=_majorops_msg_42_=--\r\n") != NULL);
	/* Every line ends in CRLF and none is longer than 998 bytes (RFC 5322). */
	for (const char *p = mail.ptr; *p;) {
		const char *eol = strchr(p, '\n');

		REQUIRE(eol != NULL);
		CHECK(eol > p ? eol[-1] == '\r' : 0);
		CHECK(eol - p <= 998);
		p = eol + 1;
	}
	plain = part_body(mail.ptr, "text/plain");
	html = part_body(mail.ptr, "text/html");
	if (plain == NULL || html == NULL) {
		unit_fail(__FILE__, __LINE__, "a MIME part is missing or not base64");
		free(plain);
		free(html);
		buf_free(&mail);
		notify_text_free(&t);
		json_decref(msg);
		return;
	}
	CHECK(strstr(plain, "Ünïcode bodies & <tags> survive") != NULL);
	CHECK(strstr(plain, "Unsubscribe: https://status.example.com/subscribers/unsubscribe/1.abc") != NULL);
	CHECK(strstr(html, "Ünïcode bodies &amp; &lt;tags&gt; survive") != NULL);
	CHECK(strstr(html, "<tags>") == NULL);
	CHECK(strstr(html, "Payments &lt;down&gt; &amp; &quot;out&quot;") != NULL);
	CHECK(strstr(html, "<a href=\"https://ops.example.com/admin/incidents/INC-7\">") != NULL);
	free(plain);
	free(html);
	buf_free(&mail);
	notify_text_free(&t);
	json_decref(msg);
}

/* Decodes a header value of encoded words back to UTF-8 (only what notify_rfc2047 writes). */
static int rfc2047_decode(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	while (*in) {
		const char *q, *end;
		size_t n = 0;

		if (strncmp(in, "\r\n ", 3) == 0) {
			in += 3;
			continue;
		}
		if (strncmp(in, "=?UTF-8?B?", 10) != 0)
			return -1;
		q = in + 10;
		end = strstr(q, "?=");
		if (end == NULL || (end + 2) - in > 75)
			return -1;
		if (sodium_base642bin((unsigned char *)out + o, outlen - o - 1, q, (size_t)(end - q), NULL, &n,
				      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			return -1;
		/* Each word holds whole characters: it decodes to valid UTF-8 on its own. */
		{
			char word[128];

			if (n >= sizeof(word))
				return -1;
			memcpy(word, out + o, n);
			word[n] = '\0';
			if (!utf8_valid(word))
				return -1;
		}
		o += n;
		in = end + 2;
	}
	out[o] = '\0';
	return 0;
}

static void test_notify_rfc2047(void)
{
	struct buf b;
	char back[512];
	const char *long_text = "Zahlungsausfall für alle Kunden in Österreich — Überweisungen hängen "
				"seit 14:05 Uhr, 支付服务中断 😀";

	buf_init(&b, 4096);
	REQUIRE(notify_rfc2047(&b, "Plain ASCII subject") == 0);
	CHECK_STR(b.ptr, "Plain ASCII subject");
	buf_reset(&b);
	REQUIRE(notify_rfc2047(&b, "Störung") == 0);
	CHECK_STR(b.ptr, "=?UTF-8?B?U3TDtnJ1bmc=?=");
	buf_reset(&b);
	REQUIRE(notify_rfc2047(&b, long_text) == 0);
	CHECK(strstr(b.ptr, "\r\n ") != NULL); /* folded into several words */
	REQUIRE(rfc2047_decode(b.ptr, back, sizeof(back)) == 0);
	CHECK_STR(back, long_text);
	/* A line break in a subject can never start a new header. */
	buf_reset(&b);
	REQUIRE(notify_rfc2047(&b, "Über\r\nBcc: evil@example.com") == 0);
	REQUIRE(rfc2047_decode(b.ptr, back, sizeof(back)) == 0);
	CHECK(strchr(back, '\n') == NULL && strchr(back, '\r') == NULL);
	buf_free(&b);
	CHECK(notify_address_valid("a@b.co"));
	CHECK(notify_address_valid("first.last+tag@sub.example.com"));
	CHECK(!notify_address_valid("no-at.example.com"));
	CHECK(!notify_address_valid("a@b"));
	CHECK(!notify_address_valid("a b@example.com"));
	CHECK(!notify_address_valid("a@example.com\r\nBcc: x@y.z"));
	CHECK(!notify_address_valid("<a@example.com>"));
	CHECK(!notify_address_valid("a@@example.com"));
}

/* ---- backoff ---- */

static void test_notify_backoff_bounds(void)
{
	const int64_t base = 5000, cap = 15 * 60 * 1000;

	/* random 0 → 0; random max → the ceiling min(cap, base·2^(attempt-1)). */
	for (int attempt = 1; attempt <= 40; attempt++) {
		int64_t ceiling = base;

		for (int i = 1; i < attempt && ceiling < cap; i++)
			ceiling *= 2;
		if (ceiling > cap)
			ceiling = cap;
		CHECK_INT(notify_backoff_ms(attempt, base, cap, 0), 0);
		CHECK_INT(notify_backoff_ms(attempt, base, cap, UINT32_MAX), ceiling);
		for (int k = 0; k < 50; k++) {
			int64_t d = notify_backoff_ms(attempt, base, cap, randombytes_random());

			CHECK(d >= 0 && d <= ceiling);
		}
	}
	CHECK_INT(notify_backoff_ms(1, base, cap, UINT32_MAX), 5000);
	CHECK_INT(notify_backoff_ms(2, base, cap, UINT32_MAX), 10000);
	CHECK_INT(notify_backoff_ms(8, base, cap, UINT32_MAX), 640000);
	CHECK_INT(notify_backoff_ms(9, base, cap, UINT32_MAX), cap);
	CHECK_INT(notify_backoff_ms(1000000, base, cap, UINT32_MAX), cap);
	CHECK_INT(notify_backoff_ms(3, base, cap, UINT32_MAX / 2), 9999); /* floor of half of 20 s */
}

static void test_notify_page_text(void)
{
	json_t *msg = event_of(
		"{\"type\":\"page\",\"incident\":\"INC-5\",\"at\":\"2026-11-23T14:00:00Z\",\"data\":{"
		"\"incident\":{\"id\":\"INC-5\",\"title\":\"Login fails\",\"severity\":\"high\",\"alarmLevel\":2},"
		"\"page\":{\"id\":3,\"person\":\"Sam Ortiz\",\"team\":\"identity\",\"step\":1,\"stepKind\":\"rotation\","
		"\"reason\":\"Box 2 run card\",\"ackUrl\":\"https://ops.example.com/ack/abc\",\"state\":\"paged\"}}}");
	struct notify_text t;

	REQUIRE(notify_text_of(msg, &t) == 0);
	CHECK(strstr(t.subject, "Sam Ortiz") && strstr(t.subject, "INC-5"));
	CHECK(strstr(t.text, "Sam Ortiz is paged for INC-5 Login fails (high, Box 2).") != NULL);
	CHECK(strstr(t.text, "Reason: Box 2 run card") != NULL);
	CHECK(strstr(t.text, "Acknowledge: https://ops.example.com/ack/abc") != NULL);
	notify_text_free(&t);
	json_decref(msg);
}

UNIT_SUITE(notify_suite) = {
	{"notify_topics", test_notify_topics},
	{"notify_public_message", test_notify_public_message},
	{"notify_signature_vector", test_notify_signature_vector},
	{"notify_chat_shapes", test_notify_chat_shapes},
	{"notify_mail_structure", test_notify_mail_structure},
	{"notify_rfc2047", test_notify_rfc2047},
	{"notify_backoff_bounds", test_notify_backoff_bounds},
	{"notify_page_text", test_notify_page_text},
	UNIT_END
};
