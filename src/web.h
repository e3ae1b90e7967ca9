/*
 * web — the browser UI: the files under web/ embedded in the binary, and the app shell.
 *
 * tools/embed.c turns every file under web/ into build/web_assets.c, which defines the table
 * below (its last row is all zeros).  Assets are served at /assets/<build>/<name> with an
 * immutable Cache-Control (the build id changes whenever any file does) and at
 * /assets/<name> with `no-cache`; both carry the asset's strong ETag and answer a matching
 * If-None-Match with 304.  A client that accepts gzip gets the copy compressed at build
 * time, with its own ETag, and every answer of such an asset says Vary: Accept-Encoding.
 * The shell is a fixed HTML page with no user text, no inline script and no inline style
 * (the CSP is default-src 'self'); it loads /assets/<build>/app.js, which reads the path
 * and mounts the view.  The asset bytes are static and owned by the table.
 */
#ifndef MAJOROPS_WEB_H
#define MAJOROPS_WEB_H

#include <stddef.h>

struct http_request;

struct web_asset {
	const char *name;         /* "app.js", "views/new.js" */
	const char *content_type; /* "text/javascript; charset=utf-8" */
	const unsigned char *data;
	size_t len;
	const char *etag;         /* "\"<16 hex digits>\"", quotes included */
	/* The same bytes gzipped at build time, or NULL when that saves under a tenth;
	 * its ETag is the plain one with -gz before the closing quote. */
	const unsigned char *gzip;
	size_t gzip_len;
	const char *gzip_etag;
};

extern const struct web_asset web_assets[];
extern const size_t web_nassets;
/* 12 hex digits that change whenever any asset does. */
extern const char web_assets_build[];

/* The asset called `name`, or NULL. */
const struct web_asset *web_asset_find(const char *name);

/* GET /assets/{...} (one, two or three segments). */
int web_handle_asset(struct http_request *req);
/* GET /new, /admin, /admin/incidents/{id}, /exec: the app shell. */
int web_handle_shell(struct http_request *req);

#endif
