/*
 * public — the public routes (SPEC §10, API.md "Public, no authentication"): the status
 * page `/`, incident pages `/incidents/INC-n`, the Statuspage v2 JSON under `/api/v2/`, the
 * feeds `/feed.atom` and `/feed.rss`, the badge `/badge.svg`, the public stream
 * `/api/v2/stream`, and the page's own `/status.css` and `/status.js`.
 *
 * What may be shown is decided by statuspage.h's filter alone; this module reads the record
 * through service.h (incidents) and components.h (configured components and scheduled
 * maintenance, re-read at every rebuild), hands it to the filter and serves what the
 * renderers write.
 *
 * The cache: every public document is rendered once into memory, with its strong ETag and a
 * libmicrohttpd response built once and shared by every request (no copy, no per-request
 * render).  The hub's listener marks the cache stale when a committed event may change
 * public output (anything but internal timeline entries, role and responder changes) and,
 * when the cache was current up to that commit, rebuilds it right there on the committing
 * thread (rendering `/` and summary.json too) before the write's 201 leaves, while requests
 * keep the previous cache; otherwise the first request rebuilds it while the others wait.
 * Either way a public update is on the next request after its 201.  A cache older than PUBLIC_REFRESH_MS is rebuilt too (the
 * 90-day history window moves) — then the others keep serving the old one meanwhile.
 * Every public answer carries `ETag`, `Cache-Control: public, max-age=5,
 * stale-while-revalidate=30` and answers a matching If-None-Match with 304.
 *
 * Time zone: a configured --page-timezone other than UTC sets the process's TZ (nothing else
 * in MajorOps reads local time; the wire stays UTC) and pages show times in that zone.
 *
 * Ownership: main creates the site before the store opens (so TZ is set while no other
 * thread reads the environment) and frees it after the HTTP server and the store stopped.
 */
#ifndef MAJOROPS_PUBLIC_H
#define MAJOROPS_PUBLIC_H

#include <stddef.h>

#include "statuspage.h"

struct app;
struct http_request;
struct public_site;

#define PUBLIC_REFRESH_MS (60 * 1000)
#define PUBLIC_CACHE_CONTROL "public, max-age=5, stale-while-revalidate=30"
/* Resolved incidents scanned for the 90-day history at each rebuild, newest first. */
#define PUBLIC_RESOLVED_SCAN_MAX 2000
/* The strict policy of public pages: scripts and styles from this origin only; forms post
 * only here (the subscribe form, outbox.h). */
#define PUBLIC_CSP                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "       \
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Validates and copies `cfg` (page name 1..STATUSPAGE_NAME_MAX characters, public URL
 * http(s) without quotes or spaces, a time zone known to the system), registers the public
 * filter and the cache listener on app->hub.  NULL with `err` filled on bad configuration. */
struct public_site *public_site_new(const struct statuspage_config *cfg, struct app *app,
				    char *err, size_t errlen);
void public_site_free(struct public_site *site);

/* Handlers (GET). */
int public_handle_index(struct http_request *req);    /* /  (?page=N: history page N) */
int public_handle_incident(struct http_request *req); /* /incidents/{id} */
int public_handle_doc(struct http_request *req);      /* /api/v2/….json, feeds, badge */
int public_handle_stream(struct http_request *req);   /* /api/v2/stream */
int public_handle_asset(struct http_request *req);    /* /status.css, /status.js */

#endif
