/*
 * The embedded browser UI: asset serving with ETags and the app shell (see web.h).
 */
#include "web.h"

#include <microhttpd.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gzip.h"
#include "http.h"
#include "json.h"
#include "parse.h"

#define WEB_NAME_MAX 256
#define WEB_SHELL_MAX (16 * 1024)
#define WEB_CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define WEB_CACHE_REVALIDATE "no-cache"

const struct web_asset *web_asset_find(const char *name)
{
	for (size_t i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

static int reply_not_found(struct http_request *req, const char *what)
{
	struct api_error err;

	api_error_set(&err, 404, "not_found", NULL, "no %s %.200s", what, req->path);
	return http_reply_error(req, &err);
}

int web_handle_asset(struct http_request *req)
{
	const struct web_asset *asset;
	const char *cache = WEB_CACHE_REVALIDATE, *etag;
	struct MHD_Response *resp;
	bool gz;
	char name[WEB_NAME_MAX];
	size_t first = 0, used = 0;

	/* /assets/<build>/<name…> is the versioned, immutable form. */
	if (req->ncaptures > 1 && strcmp(req->captures[0], web_assets_build) == 0) {
		first = 1;
		cache = WEB_CACHE_IMMUTABLE;
	}
	name[0] = '\0';
	for (size_t i = first; i < req->ncaptures; i++) {
		size_t len = strlen(req->captures[i]);

		if (len == 0 || strcmp(req->captures[i], "..") == 0 ||
		    used + len + 2 > sizeof(name))
			return reply_not_found(req, "asset");
		if (used)
			name[used++] = '/';
		memcpy(name + used, req->captures[i], len);
		used += len;
		name[used] = '\0';
	}
	asset = web_asset_find(name);
	if (asset == NULL)
		return reply_not_found(req, "asset");
	gz = asset->gzip != NULL && gzip_accepted(http_header(req, "Accept-Encoding"));
	etag = gz ? asset->gzip_etag : asset->etag;
	http_reply_header(req, "ETag", etag);
	http_reply_header(req, "Cache-Control", cache);
	if (asset->gzip)
		http_reply_header(req, "Vary", "Accept-Encoding");
	if (http_if_none_match(req, etag)) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		return http_reply_response(req, MHD_HTTP_NOT_MODIFIED, resp);
	}
	resp = MHD_create_response_from_buffer(gz ? asset->gzip_len : asset->len,
					       (void *)(gz ? asset->gzip : asset->data),
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", asset->content_type);
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	return http_reply_response(req, MHD_HTTP_OK, resp);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The shell: fixed markup; the only variable parts are the build id, asset names and
 * an incident number printed as digits, so nothing here needs escaping. */
static int shell_write(struct buf *b, const char *view, const char *title, int64_t number)
{
	int rc = 0;

	rc |= buf_printf(b,
			 "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			 "<meta name=\"color-scheme\" content=\"dark\">\n");
	if (number > 0)
		rc |= buf_printf(b, "<title>INC-%lld · MajorOps</title>\n", (long long)number);
	else
		rc |= buf_printf(b, "<title>%s · MajorOps</title>\n", title);
	if (web_asset_find("favicon.svg"))
		rc |= buf_printf(b, "<link rel=\"icon\" type=\"image/svg+xml\" href=\"/assets/%s/favicon.svg\">\n",
				 web_assets_build);
	rc |= buf_printf(b, "<link rel=\"stylesheet\" href=\"/assets/%s/app.css\">\n", web_assets_build);
	/* Preloading the shared modules and this view's own saves the import waterfall on the
	 * first paint; the other views load only when navigated to. */
	for (size_t i = 0; i < web_nassets; i++) {
		const char *name = web_assets[i].name;

		if (!ends_with(name, ".js") || strcmp(name, "app.js") == 0)
			continue;
		if (strncmp(name, "views/", 6) == 0 &&
		    (strncmp(name + 6, view, strlen(view)) != 0 || strcmp(name + 6 + strlen(view), ".js") != 0))
			continue;
		rc |= buf_printf(b, "<link rel=\"modulepreload\" href=\"/assets/%s/%s\">\n",
				 web_assets_build, name);
	}
	rc |= buf_printf(b, "<script type=\"module\" src=\"/assets/%s/app.js\"></script>\n",
			 web_assets_build);
	rc |= buf_printf(b, "</head>\n<body data-view=\"%s\"", view);
	if (number > 0)
		rc |= buf_printf(b, " data-incident=\"INC-%lld\"", (long long)number);
	rc |= buf_printf(b, ">\n<div id=\"app\" class=\"app\">"
			    "<p class=\"boot\">›MAJORops — loading…</p></div>\n"
			    "<noscript><p class=\"boot\">MajorOps needs JavaScript for the console. "
			    "The public status page at / works without it.</p></noscript>\n"
			    "</body>\n</html>\n");
	return rc ? -1 : 0;
}

int web_handle_shell(struct http_request *req)
{
	const char *view = "admin", *title = "Incidents";
	struct MHD_Response *resp;
	struct buf b;
	int64_t number = 0;
	size_t len;
	char *html;

	if (strcmp(req->path, "/new") == 0) {
		view = "new";
		title = "Call for Service";
	} else if (strcmp(req->path, "/exec") == 0) {
		view = "exec";
		title = "Exec view";
	} else if (req->ncaptures == 1) {
		if (parse_incident_id(req->captures[0], &number) != 0 || number <= 0)
			return reply_not_found(req, "incident at");
		view = "fireground";
	}
	buf_init(&b, WEB_SHELL_MAX);
	if (shell_write(&b, view, title, number) != 0) {
		struct api_error err;

		buf_free(&b);
		api_error_set(&err, 500, "internal", NULL, "cannot build the page");
		return http_reply_error(req, &err);
	}
	len = b.len;
	html = buf_detach(&b);
	if (html == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, html, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(html);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", WEB_CACHE_REVALIDATE);
	return http_reply_response(req, MHD_HTTP_OK, resp);
}
