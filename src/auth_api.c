/*
 * auth_api — the HTTP side of sign-in (API.md "Auth"): /api/v1/session, users, tokens,
 * the audit log, and the /login and /logout pages that work without JavaScript.
 */
#include "auth_api.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "parse.h"
#include "service.h"
#include "sse.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 500
#define FORM_FIELD_MAX 512
#define PAGE_MAX (16 * 1024)

static const char *const role_names[] = {"viewer", "responder", "mim", "admin", NULL};

/* ---- helpers ---- */

static int reply_err(struct http_request *req, int status, const char *code, const char *field,
		     const char *message)
{
	struct api_error err;

	api_error_set(&err, status, code, field, "%s", message);
	return http_reply_error(req, &err);
}

static int reply_rate_limited(struct http_request *req, int64_t retry_after_s,
			      const struct api_error *err)
{
	char value[24];

	snprintf(value, sizeof(value), "%lld", (long long)(retry_after_s > 0 ? retry_after_s : 1));
	http_reply_header(req, "Retry-After", value);
	return http_reply_error(req, err);
}

static void actor_of(struct http_request *req, struct auth_actor *by, char *address,
		     size_t addrlen)
{
	http_peer_text(req, address, addrlen);
	by->name = req->user ? req->user : req->actor;
	by->address = address;
}

/* The session JSON: who, role, how, and the CSRF token for cookie sessions. */
static json_t *session_json(struct http_request *req)
{
	char csrf[AUTH_ID_TEXT];
	json_t *out;

	auth_csrf_token(req, csrf, sizeof(csrf));
	out = json_pack("{s:s, s:s, s:s, s:s}", "user", req->user ? req->user : req->actor,
			"display", req->actor, "role",
			access_role_name((enum access_role)req->role), "auth",
			req->auth_via ? req->auth_via : "none");
	if (out)
		json_object_set_new(out, "csrfToken", csrf[0] ? json_string(csrf) : json_null());
	return out;
}

/* ---- /api/v1/session ---- */

/* After auth_session_create(): the session JSON of the account just signed in. */
static int reply_new_session(struct http_request *req)
{
	struct api_error err;
	json_t *user = NULL;
	enum access_role role = ACCESS_VIEWER;

	if (auth_user_get(req->app->store, req->user, &user, &err) != 0)
		return http_reply_error(req, &err);
	auth_role_parse(json_string_value(json_object_get(user, "role")), &role);
	str_copy(req->actor_buf, json_string_value(json_object_get(user, "display")),
		 sizeof(req->actor_buf));
	req->actor = req->actor_buf;
	req->role = (int)role;
	json_decref(user);
	return http_reply_json(req, 200, session_json(req));
}

int auth_handle_session_get(struct http_request *req)
{
	bool bad;
	int rc = auth_identify(req, &bad);

	if (rc < 0)
		return reply_err(req, 503, "unavailable", NULL, "the store cannot be read now");
	if (rc == 0)
		return reply_err(req, 401, "unauthenticated", NULL, "not signed in");
	if (auth_insecure(req->app)) {
		req->user = NULL;
		req->auth_via = "none";
	}
	return http_reply_json(req, 200, session_json(req));
}

int auth_handle_session_post(struct http_request *req)
{
	static const struct field_spec specs[] = {
		{.name = "username", .type = FIELD_STRING, .required = true, .max = AUTH_NAME_MAX},
		{.name = "password", .type = FIELD_STRING, .required = true, .max = AUTH_PASSWORD_MAX},
	};
	struct field_value v[2];
	struct api_error err;
	int64_t retry = 0;
	json_t *body;
	int rc;

	if (auth_insecure(req->app))
		return reply_err(req, 400, "auth_off", NULL,
				 "sign-in is off (--insecure-no-auth): every request acts as admin");
	if (!auth_origin_ok(req))
		return reply_err(req, 403, "csrf", NULL, "the Origin is not this server");
	body = http_json_body(req, specs, 2, v, &rc);
	if (body == NULL)
		return rc;
	if (auth_login_check(req, v[0].str, v[1].str, &retry, &err) != 0 ||
	    auth_session_create(req, v[0].str, "password", &err) != 0) {
		json_decref(body);
		return err.status == 429 ? reply_rate_limited(req, retry, &err)
					 : http_reply_error(req, &err);
	}
	json_decref(body);
	return reply_new_session(req);
}

int auth_handle_session_delete(struct http_request *req)
{
	bool bad;
	int rc = auth_identify(req, &bad);

	if (rc < 0)
		return reply_err(req, 503, "unavailable", NULL, "the store cannot be read now");
	if (rc == 1 && !auth_insecure(req->app)) {
		if (!auth_csrf_ok(req))
			return reply_err(req, 403, "csrf", NULL,
					 "signing out with a cookie needs the X-CSRF-Token header");
		if (strcmp(req->auth_via, "session") == 0 && auth_session_end(req, false) != 0)
			return reply_err(req, 503, "unavailable", NULL, "the store cannot be written now");
		sse_hub_end_streams(req->app->hub, req->user, 0);
	}
	return http_reply_json(req, 204, NULL);
}

int auth_handle_session_revoke_all(struct http_request *req)
{
	if (auth_insecure(req->app) || req->user == NULL)
		return reply_err(req, 400, "auth_off", NULL, "sign-in is off: there are no sessions");
	if (auth_session_end(req, true) != 0)
		return reply_err(req, 503, "unavailable", NULL, "the store cannot be written now");
	sse_hub_end_streams(req->app->hub, req->user, 0);
	return http_reply_json(req, 204, NULL);
}

int auth_handle_session_password(struct http_request *req)
{
	static const struct field_spec specs[] = {
		{.name = "currentPassword", .type = FIELD_STRING, .required = true, .max = AUTH_PASSWORD_MAX},
		{.name = "newPassword", .type = FIELD_STRING, .required = true, .max = AUTH_PASSWORD_MAX},
	};
	struct field_value v[2];
	struct api_error err;
	struct auth_actor by;
	char address[64];
	int64_t retry = 0;
	bool by_cookie;
	json_t *body;
	int rc;

	if (auth_insecure(req->app) || req->user == NULL)
		return reply_err(req, 400, "auth_off", NULL, "sign-in is off: there are no passwords");
	body = http_json_body(req, specs, 2, v, &rc);
	if (body == NULL)
		return rc;
	by_cookie = strcmp(req->auth_via, "session") == 0;
	actor_of(req, &by, address, sizeof(address));
	if (auth_login_check(req, req->user, v[0].str, &retry, &err) != 0) {
		json_decref(body);
		if (err.status == 401)
			api_error_set(&err, 403, "forbidden", "currentPassword",
				      "the current password is not right");
		return err.status == 429 ? reply_rate_limited(req, retry, &err)
					 : http_reply_error(req, &err);
	}
	rc = auth_user_set_password(req->app->store, &by, app_now(req->app), req->user, v[1].str,
				    &err);
	if (rc != 0 && strcmp(err.field, "password") == 0)
		str_copy(err.field, "newPassword", sizeof(err.field));
	/* Every session ended with the change, and their streams; the one that made it goes on
	 * with a new id. */
	if (rc == 0)
		sse_hub_end_streams(req->app->hub, req->user, 0);
	if (rc == 0 && by_cookie)
		rc = auth_session_create(req, req->user, "password-change", &err);
	json_decref(body);
	if (rc != 0)
		return http_reply_error(req, &err);
	return http_reply_json(req, 200, session_json(req));
}

/* ---- users ---- */

int auth_handle_users_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;

	if (auth_user_list(req->app->store, &out, &err) != 0)
		return http_reply_error(req, &err);
	return http_reply_json(req, 200, out);
}

int auth_handle_user_get(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;

	if (auth_user_get(req->app->store, req->captures[0], &out, &err) != 0)
		return http_reply_error(req, &err);
	return http_reply_json(req, 200, out);
}

int auth_handle_users_create(struct http_request *req)
{
	static const struct field_spec specs[] = {
		{.name = "name", .type = FIELD_STRING, .required = true, .max = AUTH_NAME_MAX},
		{.name = "display", .type = FIELD_STRING, .max = AUTH_DISPLAY_MAX},
		{.name = "role", .type = FIELD_STRING, .required = true, .one_of = role_names},
		{.name = "password", .type = FIELD_STRING, .required = true, .max = AUTH_PASSWORD_MAX},
	};
	struct field_value v[4];
	struct api_error err;
	struct auth_actor by;
	enum access_role role = ACCESS_VIEWER;
	char address[64], location[300];
	json_t *body, *out = NULL;
	int rc;

	body = http_json_body(req, specs, 4, v, &rc);
	if (body == NULL)
		return rc;
	actor_of(req, &by, address, sizeof(address));
	auth_role_parse(v[2].str, &role);
	rc = auth_user_add(req->app->store, &by, app_now(req->app), v[0].str,
			   v[1].present ? v[1].str : NULL, role, v[3].str, "local", &err);
	if (rc == 0)
		rc = auth_user_get(req->app->store, v[0].str, &out, &err);
	if (rc == 0) {
		snprintf(location, sizeof(location), "/api/v1/users/%s", v[0].str);
		http_reply_header(req, "Location", location);
	}
	json_decref(body);
	return rc == 0 ? http_reply_json(req, 201, out) : http_reply_error(req, &err);
}

int auth_handle_user_patch(struct http_request *req)
{
	static const struct field_spec specs[] = {
		{.name = "role", .type = FIELD_STRING, .one_of = role_names},
		{.name = "disabled", .type = FIELD_BOOL},
		{.name = "password", .type = FIELD_STRING, .max = AUTH_PASSWORD_MAX},
		{.name = "display", .type = FIELD_STRING, .max = AUTH_DISPLAY_MAX},
	};
	struct field_value v[4];
	struct api_error err;
	struct auth_actor by;
	const char *name = req->captures[0];
	char address[64];
	int64_t now = app_now(req->app);
	json_t *body, *out = NULL;
	int rc;

	body = http_json_body(req, specs, 4, v, &rc);
	if (body == NULL)
		return rc;
	actor_of(req, &by, address, sizeof(address));
	/* Existence first, so a bad field of a missing user answers 404. */
	rc = auth_user_get(req->app->store, name, &out, &err);
	json_decref(out);
	out = NULL;
	if (rc == 0 && req->user && strcmp(name, req->user) == 0 &&
	    ((v[0].present && strcmp(v[0].str, "admin") != 0) || (v[1].present && v[1].flag)))
		rc = api_error_set(&err, 409, "conflict", v[0].present ? "role" : "disabled",
				   "an administrator cannot demote or disable their own account "
				   "(another administrator can)");
	if (rc == 0 && v[0].present) {
		enum access_role role = ACCESS_VIEWER;

		auth_role_parse(v[0].str, &role);
		rc = auth_user_set_role(req->app->store, &by, now, name, role, &err);
	}
	if (rc == 0 && v[3].present)
		rc = auth_user_set_display(req->app->store, &by, now, name, v[3].str, &err);
	if (rc == 0 && v[2].present)
		rc = auth_user_set_password(req->app->store, &by, now, name, v[2].str, &err);
	if (rc == 0 && v[1].present)
		rc = auth_user_set_disabled(req->app->store, &by, now, name, v[1].flag, &err);
	/* A new role or password, or a disabled account: its open streams end (they reconnect
	 * with whatever the account may still do). */
	if (rc == 0 && (v[0].present || v[2].present || (v[1].present && v[1].flag)))
		sse_hub_end_streams(req->app->hub, name, 0);
	if (rc == 0)
		rc = auth_user_get(req->app->store, name, &out, &err);
	json_decref(body);
	return rc == 0 ? http_reply_json(req, 200, out) : http_reply_error(req, &err);
}

/* ---- tokens ---- */

int auth_handle_tokens_list(struct http_request *req)
{
	struct api_error err;
	json_t *out = NULL;

	if (auth_token_list(req->app->store, http_query(req, "user"), &out, &err) != 0)
		return http_reply_error(req, &err);
	return http_reply_json(req, 200, out);
}

int auth_handle_tokens_create(struct http_request *req)
{
	static const struct field_spec specs[] = {
		{.name = "user", .type = FIELD_STRING, .required = true, .max = AUTH_NAME_MAX},
		{.name = "role", .type = FIELD_STRING, .one_of = role_names},
		{.name = "expiresAt", .type = FIELD_TIME, .nullable = true},
		{.name = "name", .type = FIELD_STRING, .max = AUTH_TOKEN_NAME_MAX},
	};
	struct field_value v[4];
	struct api_error err;
	struct auth_actor by;
	enum access_role role = ACCESS_UNDECLARED;
	char address[64], token[AUTH_TOKEN_TEXT], location[64];
	json_t *body, *out = NULL;
	int rc;

	body = http_json_body(req, specs, 4, v, &rc);
	if (body == NULL)
		return rc;
	actor_of(req, &by, address, sizeof(address));
	if (v[1].present)
		auth_role_parse(v[1].str, &role);
	rc = auth_token_create(req->app->store, &by, app_now(req->app), v[0].str, role,
			       v[2].present && !v[2].is_null ? v[2].num : 0,
			       v[3].present ? v[3].str : NULL, &out, token, &err);
	sodium_memzero(token, sizeof(token));
	json_decref(body);
	if (rc != 0)
		return http_reply_error(req, &err);
	snprintf(location, sizeof(location), "/api/v1/tokens/%lld",
		 (long long)json_integer_value(json_object_get(out, "id")));
	http_reply_header(req, "Location", location);
	return http_reply_json(req, 201, out);
}

int auth_handle_token_delete(struct http_request *req)
{
	const char *p = req->captures[0];
	struct api_error err;
	struct auth_actor by;
	char address[64];
	uint64_t id;

	if (parse_u64(&p, &id, INT64_MAX) != 0 || *p != '\0')
		return reply_err(req, 404, "not_found", NULL, "no such token");
	actor_of(req, &by, address, sizeof(address));
	if (auth_token_revoke(req->app->store, &by, app_now(req->app), (int64_t)id, NULL, &err) != 0)
		return http_reply_error(req, &err);
	sse_hub_end_streams(req->app->hub, NULL, (int64_t)id);
	return http_reply_json(req, 204, NULL);
}

/* ---- audit ---- */

int auth_handle_audit(struct http_request *req)
{
	const char *before_text = http_query(req, "before"), *limit_text = http_query(req, "limit");
	uint64_t before = 0, limit = AUDIT_LIMIT_DEFAULT;
	struct api_error err;
	json_t *out = NULL;

	if (before_text) {
		const char *p = before_text;

		if (parse_u64(&p, &before, INT64_MAX) != 0 || *p != '\0')
			return reply_err(req, 400, "invalid_field", "before",
					 "before must be an audit entry id");
	}
	if (limit_text) {
		const char *p = limit_text;

		if (parse_u64(&p, &limit, AUDIT_LIMIT_MAX) != 0 || *p != '\0' || limit == 0)
			return reply_err(req, 400, "invalid_field", "limit",
					 "limit must be 1..500");
	}
	if (auth_audit_list(req->app->store, (int64_t)before, (int)limit, &out, &err) != 0)
		return http_reply_error(req, &err);
	return http_reply_json(req, 200, out);
}

/* ---- the pages ---- */

static int html_escape(struct buf *b, const char *s)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++) {
		switch (*s) {
		case '&': rc = buf_append_str(b, "&amp;"); break;
		case '<': rc = buf_append_str(b, "&lt;"); break;
		case '>': rc = buf_append_str(b, "&gt;"); break;
		case '"': rc = buf_append_str(b, "&quot;"); break;
		case '\'': rc = buf_append_str(b, "&#39;"); break;
		default: rc = buf_append_char(b, *s); break;
		}
	}
	return rc;
}

static int reply_html(struct http_request *req, int status, struct buf *b)
{
	struct MHD_Response *resp;
	size_t len = b->len;
	char *html = buf_detach(b);

	if (html == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, html, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(html);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, status, resp);
}

static int redirect(struct http_request *req, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
								    MHD_RESPMEM_PERSISTENT);

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Location", location);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, MHD_HTTP_SEE_OTHER, resp);
}

static int page_head(struct buf *b, const char *title)
{
	int rc = buf_append_str(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
				   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
				   "<link rel=\"stylesheet\" href=\"/assets/app.css\"><title>");

	rc |= html_escape(b, title);
	rc |= buf_append_str(b, " · MajorOps</title></head><body class=\"auth-page\"><main class=\"auth-box\">"
				"<h1>MajorOps</h1>");
	return rc;
}

static int login_page(struct http_request *req, int status, const char *next, const char *username,
		      const char *message)
{
	struct buf b;
	int rc;

	buf_init(&b, PAGE_MAX);
	rc = page_head(&b, "Sign in");
	if (message) {
		rc |= buf_append_str(&b, "<p class=\"auth-error\" role=\"alert\">");
		rc |= html_escape(&b, message);
		rc |= buf_append_str(&b, "</p>");
	}
	rc |= buf_append_str(&b, "<form method=\"post\" action=\"/login\" class=\"auth-form\">"
				 "<input type=\"hidden\" name=\"next\" value=\"");
	rc |= html_escape(&b, next);
	rc |= buf_append_str(&b, "\"><label>User name <input name=\"username\" autocomplete=\"username\" "
				 "required autofocus value=\"");
	rc |= html_escape(&b, username ? username : "");
	rc |= buf_append_str(&b, "\"></label><label>Password <input type=\"password\" name=\"password\" "
				 "autocomplete=\"current-password\" required></label>"
				 "<button type=\"submit\">Sign in</button></form>");
	if (auth_sso_configured(req->app)) {
		rc |= buf_append_str(&b, "<p class=\"auth-sso\"><a href=\"/auth/oidc/login?next=");
		for (const char *p = next; *p && rc == 0; p++) {
			unsigned char ch = (unsigned char)*p;

			rc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
					     (ch >= '0' && ch <= '9') || ch == '/' || ch == '-' ||
					     ch == '_' || ch == '.'
				     ? buf_append_char(&b, (char)ch)
				     : buf_printf(&b, "%%%02X", ch);
		}
		rc |= buf_append_str(&b, "\">Sign in with single sign-on</a></p>");
	}
	rc |= buf_append_str(&b, "</main></body></html>\n");
	if (rc != 0) {
		buf_free(&b);
		return reply_err(req, 500, "internal", NULL, "cannot build the page");
	}
	return reply_html(req, status, &b);
}

int auth_handle_login_page(struct http_request *req)
{
	const char *next = http_query(req, "next");
	bool bad;

	if (!auth_local_path(next))
		next = "/admin";
	/* Already signed in (or sign-in off): straight on. */
	if (auth_identify(req, &bad) == 1)
		return redirect(req, next);
	return login_page(req, 200, next, NULL, NULL);
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The value of `name` in an application/x-www-form-urlencoded body, decoded into `out`;
 * 0, or -1 when absent, too long or holding a NUL. */
static int form_value(const char *body, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	for (const char *p = body; p && *p;) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t o = 0;

			for (size_t i = nlen + 1; i < len; i++) {
				char ch = p[i];

				if (ch == '+') {
					ch = ' ';
				} else if (ch == '%' && i + 2 < len && hex_digit(p[i + 1]) >= 0 &&
					   hex_digit(p[i + 2]) >= 0) {
					ch = (char)(hex_digit(p[i + 1]) * 16 + hex_digit(p[i + 2]));
					i += 2;
				}
				if (ch == '\0' || o + 1 >= outlen)
					return -1;
				out[o++] = ch;
			}
			out[o] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}

/* The form posts of the pages: Origin, when sent, must be this server; failing that,
 * Referer, when sent (a form post from another site is refused either way). */
static bool form_same_origin(struct http_request *req)
{
	return auth_origin_ok(req);
}

int auth_handle_login_post(struct http_request *req)
{
	char username[AUTH_NAME_MAX + 1] = "", password[AUTH_PASSWORD_MAX * 4 + 1] = "",
	     next[FORM_FIELD_MAX] = "";
	struct api_error err;
	int64_t retry = 0;
	int rc;

	if (auth_insecure(req->app))
		return redirect(req, "/admin");
	if (form_value(req->body ? req->body : "", "next", next, sizeof(next)) != 0 ||
	    !auth_local_path(next))
		str_copy(next, "/admin", sizeof(next));
	if (!form_same_origin(req))
		return login_page(req, 403, next, NULL, "This sign-in did not come from this site.");
	if (form_value(req->body ? req->body : "", "username", username, sizeof(username)) != 0 ||
	    form_value(req->body ? req->body : "", "password", password, sizeof(password)) != 0 ||
	    !utf8_valid(username) || !utf8_valid(password))
		return login_page(req, 400, next, NULL, "Enter a user name and a password.");
	rc = auth_login_check(req, username, password, &retry, &err);
	sodium_memzero(password, sizeof(password));
	if (rc != 0) {
		if (err.status == 429) {
			char value[24];

			snprintf(value, sizeof(value), "%lld", (long long)retry);
			http_reply_header(req, "Retry-After", value);
		}
		return login_page(req, err.status, next, username,
				  err.status == 401 ? "Wrong user name or password." : err.message);
	}
	if (auth_session_create(req, username, "password", &err) != 0)
		return login_page(req, err.status, next, username, err.message);
	return redirect(req, next);
}

int auth_handle_logout_page(struct http_request *req)
{
	char csrf[AUTH_ID_TEXT];
	struct buf b;
	bool bad;
	int rc;

	if (auth_identify(req, &bad) != 1 || req->auth_via == NULL ||
	    strcmp(req->auth_via, "session") != 0)
		return redirect(req, "/login");
	auth_csrf_token(req, csrf, sizeof(csrf));
	buf_init(&b, PAGE_MAX);
	rc = page_head(&b, "Sign out");
	rc |= buf_append_str(&b, "<p>Signed in as ");
	rc |= html_escape(&b, req->actor);
	rc |= buf_append_str(&b, ".</p><form method=\"post\" action=\"/logout\" class=\"auth-form\">"
				 "<input type=\"hidden\" name=\"csrf\" value=\"");
	rc |= html_escape(&b, csrf);
	rc |= buf_append_str(&b, "\"><button type=\"submit\">Sign out</button></form>"
				 "</main></body></html>\n");
	if (rc != 0) {
		buf_free(&b);
		return reply_err(req, 500, "internal", NULL, "cannot build the page");
	}
	return reply_html(req, 200, &b);
}

int auth_handle_logout_post(struct http_request *req)
{
	char sent[AUTH_ID_TEXT + 8] = "", want[AUTH_ID_TEXT];
	bool bad;

	if (auth_identify(req, &bad) != 1 || req->auth_via == NULL ||
	    strcmp(req->auth_via, "session") != 0)
		return redirect(req, "/login");
	auth_csrf_token(req, want, sizeof(want));
	if (!form_same_origin(req) ||
	    form_value(req->body ? req->body : "", "csrf", sent, sizeof(sent)) != 0 ||
	    strlen(sent) != strlen(want) || sodium_memcmp(sent, want, strlen(want)) != 0)
		return reply_err(req, 403, "csrf", NULL, "sign out from this site's sign-out page");
	if (auth_session_end(req, false) != 0)
		return reply_err(req, 503, "unavailable", NULL, "the store cannot be written now");
	sse_hub_end_streams(req->app->hub, req->user, 0);
	return redirect(req, "/login");
}
