/* The HTTP handlers of notifications (outbox_api.h): validate, call outbox.h, reply. */
#include "outbox_api.h"

#include <microhttpd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "notify.h"
#include "outbox.h"
#include "parse.h"
#include "service.h"

#define FORM_EMAIL_MAX 254

static const char *const channel_kind_names[] = {"webhook", "slack", "mattermost", "teams",
						 "email", NULL};
static const char *const audiences[] = {"internal", "public", NULL};
static const char *const delivery_states[] = {"pending", "delivered", "failed", NULL};
static const char *const subscriber_states[] = {"pending", "confirmed", "unsubscribed", NULL};

/* ---- helpers ---- */

/* ---- channels ---- */

enum {
	CH_F_NAME, CH_F_KIND, CH_F_URL, CH_F_ADDRESS, CH_F_SECRET, CH_F_EVENTS, CH_F_AUDIENCE,
	CH_F_ENABLED, CH_F_ROTATE, CH_F__MAX
};

static const struct field_spec channel_fields[CH_F__MAX] = {
	[CH_F_NAME] = {.name = "name", .type = FIELD_STRING, .max = OUTBOX_NAME_MAX},
	[CH_F_KIND] = {.name = "kind", .type = FIELD_STRING, .one_of = channel_kind_names},
	[CH_F_URL] = {.name = "url", .type = FIELD_STRING, .max = OUTBOX_URL_MAX},
	[CH_F_ADDRESS] = {.name = "address", .type = FIELD_STRING, .max = 254},
	[CH_F_SECRET] = {.name = "secret", .type = FIELD_STRING, .max = NOTIFY_SECRET_TEXT_MAX - 1},
	[CH_F_EVENTS] = {.name = "events", .type = FIELD_STRING_ARRAY, .max = NOTIFY_TOPIC_MAX,
			 .max_items = OUTBOX_EVENTS_MAX},
	[CH_F_AUDIENCE] = {.name = "audience", .type = FIELD_STRING, .one_of = audiences},
	[CH_F_ENABLED] = {.name = "enabled", .type = FIELD_BOOL},
	[CH_F_ROTATE] = {.name = "rotateSecret", .type = FIELD_BOOL},
};

/* Parses and validates the body into `in`; the returned object backs its strings. */
static json_t *channel_body(struct http_request *req, struct channel_input *in, int *reply_rc)
{
	struct field_value v[CH_F__MAX];
	json_t *body = http_json_body(req, channel_fields, CH_F__MAX, v, reply_rc);

	if (body == NULL)
		return NULL;
	*in = (struct channel_input){
		.name = v[CH_F_NAME].present ? v[CH_F_NAME].str : NULL,
		.kind = v[CH_F_KIND].present ? v[CH_F_KIND].str : NULL,
		.url = v[CH_F_URL].present ? v[CH_F_URL].str : NULL,
		.address = v[CH_F_ADDRESS].present ? v[CH_F_ADDRESS].str : NULL,
		.secret = v[CH_F_SECRET].present ? v[CH_F_SECRET].str : NULL,
		.audience = v[CH_F_AUDIENCE].present ? v[CH_F_AUDIENCE].str : NULL,
		.events = v[CH_F_EVENTS].present ? v[CH_F_EVENTS].json : NULL,
		.has_enabled = v[CH_F_ENABLED].present,
		.enabled = v[CH_F_ENABLED].flag,
		.rotate_secret = v[CH_F_ROTATE].present && v[CH_F_ROTATE].flag,
	};
	return body;
}

int outbox_handle_channel_create(struct http_request *req)
{
	struct channel_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int rc = MHD_NO;

	body = channel_body(req, &in, &rc);
	if (body == NULL)
		return rc;
	if (in.rotate_secret) {
		json_decref(body);
		return http_reply_fail(req, 400, "invalid_field", "rotateSecret",
			    "rotateSecret is for PATCH; a new webhook channel gets a secret anyway");
	}
	rc = outbox_channel_create(req->app, &in, &out, &err);
	json_decref(body);
	if (rc == 0) {
		char location[64];

		snprintf(location, sizeof(location), "/api/v1/channels/%lld",
			 (long long)json_integer_value(json_object_get(out, "id")));
		http_reply_header(req, "Location", location);
		http_reply_header(req, "Cache-Control", "no-store");
	}
	return http_reply_result(req, rc, 201, out, &err);
}

int outbox_handle_channel_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int rc = outbox_channel_list(req->app, &out, &err);

	return http_reply_result(req, rc, 200, out, &err);
}

int outbox_handle_channel_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (http_capture_id(req, 0, "channel", &id, &rc) != 0)
		return rc;
	rc = outbox_channel_get(req->app, id, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int outbox_handle_channel_patch(struct http_request *req)
{
	struct channel_input in;
	struct api_error err;
	json_t *body, *out = NULL;
	int64_t id;
	int rc = MHD_NO;

	if (http_capture_id(req, 0, "channel", &id, &rc) != 0)
		return rc;
	body = channel_body(req, &in, &rc);
	if (body == NULL)
		return rc;
	rc = outbox_channel_patch(req->app, id, &in, &out, &err);
	json_decref(body);
	if (rc == 0)
		http_reply_header(req, "Cache-Control", "no-store");
	return http_reply_result(req, rc, 200, out, &err);
}

int outbox_handle_channel_delete(struct http_request *req)
{
	struct api_error err;
	int64_t id;
	int rc;

	if (http_capture_id(req, 0, "channel", &id, &rc) != 0)
		return rc;
	rc = outbox_channel_delete(req->app, id, &err);
	return rc != 0 ? http_reply_error(req, &err) : http_reply_json(req, 204, NULL);
}

/* ---- deliveries ---- */

int outbox_handle_delivery_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	const char *state;
	int64_t limit, before;
	int rc = MHD_NO;

	if (http_query_enum(req, "state", delivery_states, &state, &rc) != 0 ||
	    http_query_int(req, "limit", 100, 1, OUTBOX_LIST_MAX, &limit, &rc) != 0 ||
	    http_query_int(req, "before", INT64_MAX, 1, INT64_MAX, &before, &rc) != 0)
		return rc;
	rc = outbox_delivery_list(req->app, state, before, (int)limit, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

int outbox_handle_delivery_retry(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	int64_t id;
	int rc;

	if (http_capture_id(req, 0, "delivery", &id, &rc) != 0)
		return rc;
	rc = outbox_delivery_retry(req->app, id, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

/* ---- subscribers ---- */

int outbox_handle_subscriber_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;
	const char *state;
	int64_t limit;
	int rc = MHD_NO;

	if (http_query_enum(req, "state", subscriber_states, &state, &rc) != 0 ||
	    http_query_int(req, "limit", 100, 1, OUTBOX_LIST_MAX, &limit, &rc) != 0)
		return rc;
	rc = outbox_subscriber_list(req->app, state, (int)limit, &out, &err);
	return http_reply_result(req, rc, 200, out, &err);
}

static const struct field_spec subscribe_fields[] = {
	{.name = "email", .type = FIELD_STRING, .required = true, .max = FORM_EMAIL_MAX},
};

/* The same answer whatever the address's state: nobody learns who subscribed. */
static json_t *accepted(void)
{
	return json_pack("{s:s}", "message",
			 "If the address can receive mail, a confirmation link is on its way.");
}

int outbox_handle_subscribe(struct http_request *req)
{
	struct field_value v[1];
	struct api_error err;
	int rc;
	json_t *body = http_json_body(req, subscribe_fields, 1, v, &rc);

	if (body == NULL)
		return rc;
	rc = outbox_subscribe(req->app, v[0].str, &err);
	json_decref(body);
	return http_reply_result(req, rc, 202, rc == 0 ? accepted() : NULL, &err);
}

/* ---- the HTML side (the status page's form and the mailed links) ---- */

/* A small public page; with `button`, a form that posts to the same address. */
static int reply_html_form(struct http_request *req, int status, const char *title,
			   const char *text, const char *button)
{
	struct buf b;
	struct MHD_Response *resp;
	char *page;

	buf_init(&b, 16 * 1024);
	if (buf_append_str(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			       "<title>") != 0 ||
	    notify_html_escape(&b, title) != 0 ||
	    buf_append_str(&b, "</title><link rel=\"stylesheet\" href=\"/status.css\"></head>\n"
			       "<body><main class=\"subscribe-result\"><h1>") != 0 ||
	    notify_html_escape(&b, title) != 0 || buf_append_str(&b, "</h1>\n<p>") != 0 ||
	    notify_html_escape(&b, text) != 0 || buf_append_str(&b, "</p>\n") != 0 ||
	    (button && (buf_append_str(&b, "<form method=\"post\" action=\"") != 0 ||
			notify_html_escape(&b, req->path) != 0 ||
			buf_append_str(&b, "\"><button type=\"submit\">") != 0 ||
			notify_html_escape(&b, button) != 0 ||
			buf_append_str(&b, "</button></form>\n") != 0)) ||
	    buf_append_str(&b, "<p><a href=\"/\">Back to the status page</a></p></main>"
			       "</body></html>\n") != 0) {
		buf_free(&b);
		return http_reply_fail(req, 500, "internal", NULL, "the page could not be rendered");
	}
	page = buf_detach(&b);
	if (page == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(page), page, free);
	if (resp == NULL) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, status, resp);
}

static int reply_html(struct http_request *req, int status, const char *title, const char *text)
{
	return reply_html_form(req, status, title, text, NULL);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of `name` in an application/x-www-form-urlencoded body, decoded into `out`;
 * -1 when absent, malformed or too long. */
static int form_value(const char *body, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		size_t end = i;

		while (end < len && body[end] != '&')
			end++;
		if (end - i > nlen && strncmp(body + i, name, nlen) == 0 && body[i + nlen] == '=') {
			size_t o = 0;

			for (size_t k = i + nlen + 1; k < end; k++) {
				char c = body[k];

				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					int hi = k + 2 < end ? hex_value(body[k + 1]) : -1;
					int lo = k + 2 < end ? hex_value(body[k + 2]) : -1;

					if (hi < 0 || lo < 0)
						return -1;
					c = (char)(hi * 16 + lo);
					k += 2;
				}
				if (c == '\0' || o + 1 >= outlen)
					return -1;
				out[o++] = c;
			}
			out[o] = '\0';
			return 0;
		}
		i = end + 1;
	}
	return -1;
}

int outbox_handle_subscribe_form(struct http_request *req)
{
	char email[FORM_EMAIL_MAX + 1];
	struct api_error err;
	char trimmed[FORM_EMAIL_MAX + 1];

	if (req->body == NULL ||
	    form_value(req->body, req->body_len, "email", email, sizeof(email)) != 0)
		return reply_html(req, 400, "Subscribe",
				  "Please give a mail address to send the updates to.");
	str_trim_copy(trimmed, email, sizeof(trimmed));
	if (outbox_subscribe(req->app, trimmed, &err) != 0)
		return reply_html(req, err.status, "Subscribe",
				  err.status == 400 ? "That does not look like a mail address; please check it."
						    : "Something went wrong on our side; please try again.");
	return reply_html(req, 202, "Check your mail",
			  "If the address can receive mail, a message with a confirmation link is on its "
			  "way. Updates start once you have opened it. Prefer no mail? The Atom feed at "
			  "/feed.atom carries the same updates.");
}

static int token_page(struct http_request *req, int rc, const struct api_error *err,
		      const char *title, const char *done)
{
	if (rc == 0)
		return reply_html(req, 200, title, done);
	return reply_html(req, err->status, title,
			  err->status == 404 ? err->message
					     : "Something went wrong on our side; please try again.");
}

/* Opening a signed link (GET) changes nothing: mail scanners and link previews open
 * links before people do.  It asks, and its button posts to the same address. */
static int token_question(struct http_request *req, const char *purpose, const char *title,
			  const char *question, const char *button)
{
	struct api_error err;
	int rc = outbox_subscriber_token_valid(req->app, req->captures[0], purpose, &err);

	if (rc != 0)
		return token_page(req, rc, &err, title, NULL);
	return reply_html_form(req, 200, title, question, button);
}

int outbox_handle_subscriber_confirm(struct http_request *req)
{
	struct api_error err;
	int rc;

	if (strcmp(req->method, "GET") == 0)
		return token_question(req, "confirm", "Subscription",
				      "Send incident updates from this status page to this address?",
				      "Subscribe");
	rc = outbox_subscriber_confirm(req->app, req->captures[0], &err);
	return token_page(req, rc, &err, "Subscription",
			  "You are subscribed: incident updates will come to this address. Every mail "
			  "has a link to unsubscribe.");
}

int outbox_handle_subscriber_unsubscribe(struct http_request *req)
{
	struct api_error err;
	int rc;

	/* A mail client's one-click unsubscribe (RFC 8058) posts; a person opening the link
	 * gets the question first. */
	if (strcmp(req->method, "GET") == 0)
		return token_question(req, "unsubscribe", "Unsubscribe",
				      "Stop sending incident updates from this status page to this "
				      "address?",
				      "Unsubscribe");
	rc = outbox_subscriber_unsubscribe(req->app, req->captures[0], &err);
	return token_page(req, rc, &err, "Unsubscribed",
			  "You are unsubscribed: no more incident updates will come to this address.");
}
