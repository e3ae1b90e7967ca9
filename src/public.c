/*
 * The public routes and their cache (see public.h).  What is public is statuspage.c's
 * decision; this file reads the record, keeps the rendered documents and serves them.
 */
#include "public.h"

#include <microhttpd.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "buf.h"
#include "components.h"
#include "gzip.h"
#include "http.h"
#include "json.h"
#include "parse.h"
#include "service.h"
#include "sse.h"
#include "store.h"

#define PUBLIC_LIST_PAGE 200      /* incidents per service_incident_list call */
#define PUBLIC_TIMELINE_PAGE 1000 /* entries per service_timeline_list call */
#define PUBLIC_ASSET_CACHE "public, max-age=300"
#define PUBLIC_DIRTY_MAX 1024     /* incidents remembered as changed; more → a full rescan */
#define DAY_MS ((int64_t)24 * 60 * 60 * 1000)
#define PUBLIC_ETAG_MAX (STATUSPAGE_ETAG_MAX + sizeof(GZIP_ETAG_SUFFIX))

/* One rendered document: its ETag and the two answers built once and shared by every
 * request (libmicrohttpd counts references, so a response outlives the cache that made it
 * for as long as a connection still sends it).  A cache's documents are rendered on their
 * first request, not when the cache is built, so a rebuild — which every request waits
 * for — is only the reading; `ready` is set once, after which the doc never changes. */
struct public_variant {
	char etag[PUBLIC_ETAG_MAX];
	struct MHD_Response *ok;           /* 200 with the body */
	struct MHD_Response *not_modified; /* 304 */
};

/* Each document comes as its bytes and, when that saves enough, gzipped (gzip.h): two
 * representations with their own strong ETag, both marked Vary: Accept-Encoding so a CDN
 * in front keeps them apart. */
struct public_doc {
	atomic_bool ready;
	pthread_mutex_t lock; /* held while rendering */
	struct public_variant plain;
	struct public_variant gzip; /* gzip.ok NULL: everyone gets the plain bytes */
};

struct public_page {
	int64_t number;
	struct public_doc doc;
};

/* An immutable snapshot of everything public, rendered.  Shared by reference count. */
struct public_cache {
	int refs;            /* under site->lock */
	uint64_t generation; /* site->generation when its build began */
	int64_t built_at;    /* monotonic ms */
	json_t *incidents, *components, *maintenances;
	struct statuspage_snapshot snap;
	struct public_doc docs[STATUSPAGE_DOC__MAX];
	struct public_page *pages; /* the incident pages of the snapshot */
	size_t npages;
};

enum public_asset {
	ASSET_CSS, /* /status.css */
	ASSET_JS,  /* /status.js */
	ASSET__MAX
};

struct public_site {
	struct statuspage_config config; /* points at the copies below */
	char *page_name, *logo_text, *public_url, *time_zone;
	struct app *app;
	pthread_mutex_t lock;
	pthread_cond_t built;
	uint64_t generation; /* bumped by every commit that may change public output */
	bool building;       /* one builder at a time */
	/* An on_commit rebuild runs (rebuild_eager): the change it builds is not acknowledged
	 * yet, so readers keep the previous cache meanwhile instead of waiting. */
	bool eager;
	struct public_cache *cache;
	/* The incidents changed since the last build began (under lock): a build re-reads only
	 * these; `dirty_all` (overflow, a failed build) asks for a full rescan. */
	int64_t dirty[PUBLIC_DIRTY_MAX];
	size_t ndirty;
	bool dirty_all;
	/* The builder's own (one builder at a time, so no lock): per incident number, its
	 * public model, and what was read of it (public updates and entries so far). */
	json_t *models;
	json_t *memo;
	struct public_doc assets[ASSET__MAX];
};

/* ================================================================ the page's own assets */

static const char status_css[] =
	"/* MajorOps public status page: light, plain, readable on a phone and on paper. */\n"
	":root{--fg:#1b1f24;--dim:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--link:#0a58ca;"
	"--ok:#1a7f37;--minor:#8a5a00;--major:#c43e00;--critical:#b71c1c;--maint:#1565c0;"
	"color-scheme:light dark}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--dim:#9da7b3;--bg:#0d1117;"
	"--panel:#161b22;--line:#30363d;--link:#6cb6ff;--ok:#3fb950;--minor:#d29922;--major:#f0883e;"
	"--critical:#ff6b6b;--maint:#6cb6ff}}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"
	"\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif}\n"
	"a{color:var(--link)}\n"
	".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.25rem .5rem}\n"
	":focus-visible{outline:3px solid var(--link);outline-offset:2px}\n"
	"header.site,main,footer.site{max-width:52rem;margin:0 auto;padding:0 1rem}\n"
	"header.site{padding-top:1.25rem;padding-bottom:.5rem}\n"
	".logo{font-weight:700;font-size:1.25rem;text-decoration:none;color:var(--fg)}\n"
	"h1{font-size:1.5rem;margin:.25rem 0}h2{font-size:1.15rem;margin:1.75rem 0 .5rem}"
	"h3{font-size:1.05rem;margin:0 0 .5rem}\n"
	".overall{border-radius:6px;padding:1rem 1.25rem;color:#fff;background:var(--ok);margin-top:.5rem}\n"
	".overall p{margin:.25rem 0 0}.overall time{color:inherit}\n"
	".indicator-minor{background:var(--minor)}.indicator-major{background:var(--major)}"
	".indicator-critical{background:var(--critical)}\n"
	"@media (prefers-color-scheme:dark){.overall{color:#0d1117}}\n"
	".incident,.incident-page{border:1px solid var(--line);border-left:6px solid var(--ok);"
	"border-radius:6px;padding:1rem;margin:.75rem 0;background:var(--panel)}\n"
	".incident-page{background:transparent}\n"
	".impact-minor{border-left-color:var(--minor)}.impact-major{border-left-color:var(--major)}"
	".impact-critical{border-left-color:var(--critical)}\n"
	".facts{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:.25rem 0 .5rem}\n"
	".facts div{min-width:8rem}.facts dt{font-size:.8rem;color:var(--dim)}.facts dd{margin:0}\n"
	".body{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0}\n"
	".meta,.eta,.note,.crumb,.systems{color:var(--dim);font-size:.9rem;margin:.25rem 0}\n"
	".update{border-top:1px solid var(--line);padding:.5rem 0}\n"
	"ol.updates,ol.timeline,ol.history,ul.components,ul.maintenance{list-style:none;padding:0;margin:0}\n"
	".components li{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;"
	"padding:.6rem 0;border-bottom:1px solid var(--line)}\n"
	".components .description{flex-basis:100%;color:var(--dim);font-size:.9rem}\n"
	".cstatus{font-weight:600;color:var(--ok)}.cs-degraded_performance{color:var(--minor)}"
	".cs-partial_outage{color:var(--major)}.cs-major_outage{color:var(--critical)}"
	".cs-under_maintenance{color:var(--maint)}\n"
	".timeline li,.history li{padding:.4rem 0;border-bottom:1px solid var(--line)}\n"
	".timeline .text{white-space:pre-wrap;overflow-wrap:anywhere}\n"
	".pager{display:flex;gap:1rem;margin:.75rem 0}.none{color:var(--dim)}\n"
	"footer.site{margin-top:2rem;padding-bottom:2rem;color:var(--dim);font-size:.9rem}\n"
	"@media print{.skip,footer.site,.pager{display:none}body{font-size:11pt;color:#000;background:#fff}"
	".overall{color:#000;background:none;border:2px solid #000}.incident{break-inside:avoid}"
	"a{color:#000}}\n";

static const char status_js[] =
	"// Live status page: when the public stream reports a change, fetch this page again and\n"
	"// swap <main> for the server's rendering (already escaped), so there is one rendering\n"
	"// path and the page works the same without JavaScript.\n"
	"(() => {\n"
	"  const first = document.getElementById('main');\n"
	"  if (!first || !window.EventSource || !window.fetch || !window.DOMParser) return;\n"
	"  let timer = null;\n"
	"  let busy = false;\n"
	"  const refresh = async () => {\n"
	"    timer = null;\n"
	"    if (busy) { timer = setTimeout(refresh, 500); return; }\n"
	"    busy = true;\n"
	"    try {\n"
	"      const r = await fetch(location.href, { cache: 'no-cache', headers: { Accept: 'text/html' } });\n"
	"      if (r.ok) {\n"
	"        const doc = new DOMParser().parseFromString(await r.text(), 'text/html');\n"
	"        const next = doc.getElementById('main');\n"
	"        const cur = document.getElementById('main');\n"
	"        if (next && cur) cur.replaceWith(document.adoptNode(next));\n"
	"      }\n"
	"    } catch (e) {\n"
	"      // the next event tries again\n"
	"    }\n"
	"    busy = false;\n"
	"  };\n"
	"  const schedule = () => { if (!timer) timer = setTimeout(refresh, 250); };\n"
	"  const es = new EventSource(first.dataset.stream || '/api/v2/stream');\n"
	"  for (const type of ['update.published', 'timeline.entry', 'incident.opened',\n"
	"    'incident.updated', 'incident.phase', 'incident.reopened', 'component.changed',\n"
	"    'maintenance.changed']) {\n"
	"    es.addEventListener(type, schedule);\n"
	"  }\n"
	"})();\n";

/* ================================================================ documents */

static void doc_init(struct public_doc *d)
{
	atomic_init(&d->ready, false);
	pthread_mutex_init(&d->lock, NULL);
}

static void variant_drop(struct public_variant *v)
{
	if (v->ok)
		MHD_destroy_response(v->ok);
	if (v->not_modified)
		MHD_destroy_response(v->not_modified);
	v->ok = v->not_modified = NULL;
}

static void doc_drop_responses(struct public_doc *d)
{
	variant_drop(&d->plain);
	variant_drop(&d->gzip);
}

static void doc_free(struct public_doc *d)
{
	doc_drop_responses(d);
	pthread_mutex_destroy(&d->lock);
}

static void add_public_headers(struct MHD_Response *r, const char *etag, const char *cache,
			       bool html, bool cors)
{
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", cache);
	if (html)
		MHD_add_response_header(r, "Content-Security-Policy", PUBLIC_CSP);
	if (cors)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	http_response_secure(r);
}

/* The 200 and 304 of one representation; takes `data` (freed on failure too).  `gzip`:
 * this is the gzipped one; `vary`: the document has two (both answers say so). */
static int variant_build(struct public_variant *v, char *data, size_t len, const char *content_type,
			 bool gzip, bool vary, const char *cache, bool html, bool cors)
{
	v->ok = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (v->ok == NULL) {
		free(data);
		return -1;
	}
	v->not_modified = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (v->not_modified == NULL) {
		variant_drop(v);
		return -1;
	}
	MHD_add_response_header(v->ok, "Content-Type", content_type);
	if (gzip)
		MHD_add_response_header(v->ok, "Content-Encoding", "gzip");
	if (vary) {
		MHD_add_response_header(v->ok, "Vary", "Accept-Encoding");
		MHD_add_response_header(v->not_modified, "Vary", "Accept-Encoding");
	}
	add_public_headers(v->ok, v->etag, cache, html, cors);
	add_public_headers(v->not_modified, v->etag, cache, html, cors);
	return 0;
}

/* Takes the bytes of `body` (which is left empty) into a shared document. */
static int doc_build(struct public_doc *d, struct buf *body, const char *content_type,
		     const char *cache, bool html, bool cors)
{
	size_t len = body->len, zlen = 0;
	char *data = buf_detach(body);
	char *zdata = NULL;

	if (data == NULL)
		return -1;
	statuspage_etag(data, len, d->plain.etag);
	if (len >= GZIP_MIN_BYTES)
		zdata = gzip_compress(data, len, &zlen);
	if (zdata && !gzip_worth_it(len, zlen)) {
		free(zdata);
		zdata = NULL;
	}
	if (zdata) {
		size_t n = strlen(d->plain.etag);

		/* A strong ETag names one representation's bytes (gzip.h). */
		snprintf(d->gzip.etag, sizeof(d->gzip.etag), "%.*s" GZIP_ETAG_SUFFIX "\"",
			 (int)(n - 1), d->plain.etag);
		if (variant_build(&d->gzip, zdata, zlen, content_type, true, true, cache, html,
				  cors) != 0) {
			free(data);
			return -1;
		}
	}
	if (variant_build(&d->plain, data, len, content_type, false, zdata != NULL, cache, html,
			  cors) != 0) {
		variant_drop(&d->gzip);
		return -1;
	}
	atomic_store_explicit(&d->ready, true, memory_order_release);
	return 0;
}

static int serve_doc(struct http_request *req, const struct public_doc *d)
{
	const struct public_variant *v =
		d->gzip.ok && gzip_accepted(http_header(req, "Accept-Encoding")) ? &d->gzip
										 : &d->plain;

	if (http_if_none_match(req, v->etag))
		return http_reply_shared(req, MHD_HTTP_NOT_MODIFIED, v->not_modified);
	return http_reply_shared(req, MHD_HTTP_OK, v->ok);
}

/* A document rendered for this request only (history pages, incidents outside the cache). */
static int serve_once(struct http_request *req, struct buf *body, const char *content_type)
{
	char etag[STATUSPAGE_ETAG_MAX];
	struct MHD_Response *resp;
	char *data;
	size_t len = body->len;

	statuspage_etag(body->ptr, body->len, etag);
	http_reply_header(req, "ETag", etag);
	http_reply_header(req, "Cache-Control", PUBLIC_CACHE_CONTROL);
	http_reply_header(req, "Content-Security-Policy", PUBLIC_CSP);
	if (http_if_none_match(req, etag)) {
		buf_free(body);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		return http_reply_response(req, MHD_HTTP_NOT_MODIFIED, resp);
	}
	data = buf_detach(body);
	if (data == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (resp == NULL) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", content_type);
	return http_reply_response(req, MHD_HTTP_OK, resp);
}

static int reply_unavailable(struct http_request *req)
{
	struct api_error err;

	api_error_set(&err, 503, "store_unavailable", NULL,
		      "the status page cannot be read right now; try again shortly");
	http_reply_header(req, "Retry-After", "5");
	return http_reply_error(req, &err);
}

static int reply_not_found(struct http_request *req, const char *what)
{
	struct api_error err;

	api_error_set(&err, 404, "not_found", NULL, "no public %s %.60s", what,
		      req->ncaptures ? req->captures[0] : req->path);
	return http_reply_error(req, &err);
}

/* ================================================================ reading the record */

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t json_int(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Appends the public entries of incident `number` after entry `*after` to `out` and moves
 * `*after` to the last entry read.  Entries are append-only, so what was read stays true. */
static int read_public_entries(struct app *app, int64_t number, int64_t *after, json_t *out)
{
	for (;;) {
		struct api_error err;
		json_t *page = NULL, *e;
		const json_t *next;
		size_t i;

		if (service_timeline_list(app, number, *after, PUBLIC_TIMELINE_PAGE, &page, &err) != 0)
			return -1;
		json_array_foreach(json_object_get(page, "entries"), i, e) {
			if (json_int(e, "id") > *after)
				*after = json_int(e, "id");
			if (statuspage_entry_is_public(e) && json_array_append(out, e) != 0) {
				json_decref(page);
				return -1;
			}
		}
		next = json_object_get(page, "nextAfter");
		json_decref(page);
		if (!json_is_integer(next))
			return 0;
	}
}

/* The public updates of incident `number` (internal objects; the filter picks fields). */
static json_t *read_public_updates(struct app *app, int64_t number)
{
	struct api_error err;
	json_t *page = NULL, *out = json_array(), *u;
	size_t i;

	if (out == NULL || service_update_list(app, number, &page, &err) != 0) {
		json_decref(out);
		return NULL;
	}
	json_array_foreach(json_object_get(page, "updates"), i, u) {
		if (statuspage_update_is_public(u) && json_array_append(out, u) != 0) {
			json_decref(out);
			out = NULL;
			break;
		}
	}
	json_decref(page);
	return out;
}

/* The public model of one listed incident, reusing what the last build read: updates are
 * read again only when the incident's version moved (publishing bumps it), entries only
 * after the last one seen.  0 with *model NULL when it is not public (or outside the
 * history window); -1 when the store failed. */
static int incident_model(struct public_site *site, const json_t *inc, int64_t now,
			  json_t *memo, json_t **model)
{
	int64_t number = json_int(inc, "number"), version = json_int(inc, "version"), after;
	const char *status = json_string_value(json_object_get(inc, "status"));
	int64_t resolved = TIME_NONE;
	json_t *m;
	char key[32];

	*model = NULL;
	if (number <= 0 || !json_is_false(json_object_get(inc, "drill")))
		return 0;
	if (status && strcmp(status, "resolved") == 0 &&
	    (json_string_value(json_object_get(inc, "resolvedAt")) == NULL ||
	     time_from_iso(json_string_value(json_object_get(inc, "resolvedAt")), &resolved) != 0 ||
	     resolved < now - STATUSPAGE_HISTORY_DAYS * DAY_MS))
		return 0;
	snprintf(key, sizeof(key), "%lld", (long long)number);
	m = json_object_get(site->memo, key);
	if (m)
		json_incref(m);
	else
		m = json_pack("{s:I, s:[], s:I, s:[]}", "version", (json_int_t)-1, "updates", "after",
			      (json_int_t)0, "entries");
	if (m == NULL)
		return -1;
	if (json_int(m, "version") != version) {
		json_t *updates = read_public_updates(site->app, number), *pm = NULL;

		if (updates == NULL || json_object_set_new(m, "updates", updates) != 0 ||
		    json_object_set_new(m, "version", json_integer(version)) != 0)
			goto fail;
		/* A published After Action's public part (issue 10); publishing moves the version.
		 * Only a resolved incident shows one: no read for the others. */
		if ((status && strcmp(status, "resolved") == 0 &&
		     actions_public_postmortem(site->app, number, &pm) != 0) ||
		    json_object_set_new(m, "postmortem", pm ? pm : json_null()) != 0)
			goto fail;
	}
	after = json_int(m, "after");
	if (read_public_entries(site->app, number, &after, json_object_get(m, "entries")) != 0 ||
	    json_object_set_new(m, "after", json_integer(after)) != 0 ||
	    json_object_set(memo, key, m) != 0)
		goto fail;
	*model = statuspage_public_incident(inc, json_object_get(m, "updates"),
					    json_object_get(m, "entries"));
	if (*model && statuspage_attach_postmortem(*model, json_object_get(m, "postmortem")) != 0) {
		json_decref(*model);
		*model = NULL;
		goto fail;
	}
	json_decref(m);
	return 0;
fail:
	json_decref(m);
	return -1;
}

/* Every incident of one list state through incident_model, into `models` (by number). */
static int collect(struct public_site *site, enum incident_filter state, int64_t now,
		   json_t *memo, json_t *models)
{
	int64_t before = INT64_MAX;
	size_t scanned = 0;

	for (;;) {
		struct api_error err;
		json_t *page = NULL, *inc;
		const char *next;
		const char *cursor;
		uint64_t n;
		size_t i;

		if (service_incident_list(site->app, state, NULL, before, PUBLIC_LIST_PAGE, &page,
					  &err) != 0)
			return -1;
		json_array_foreach(json_object_get(page, "incidents"), i, inc) {
			json_t *model;

			if (incident_model(site, inc, now, memo, &model) != 0) {
				json_decref(page);
				return -1;
			}
			if (model) {
				char key[32];

				snprintf(key, sizeof(key), "%lld", (long long)json_int(model, "number"));
				if (json_object_set_new(models, key, model) != 0) {
					json_decref(page);
					return -1;
				}
			}
			scanned++;
		}
		next = json_string_value(json_object_get(page, "nextCursor"));
		cursor = next;
		if (next == NULL || parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 ||
		    (state == FILTER_RESOLVED && scanned >= PUBLIC_RESOLVED_SCAN_MAX)) {
			json_decref(page);
			return 0;
		}
		before = (int64_t)n;
		json_decref(page);
	}
}

static int cmp_number_desc(const void *a, const void *b)
{
	int64_t x = json_int(*(json_t *const *)a, "number");
	int64_t y = json_int(*(json_t *const *)b, "number");

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The models (an object by number) as an array, newest first. */
static json_t *sorted_by_number(json_t *models)
{
	size_t n = json_object_size(models), k = 0;
	json_t **items = calloc(n ? n : 1, sizeof(json_t *)), *out = json_array(), *v;
	const char *key;

	if (items == NULL || out == NULL)
		goto fail;
	json_object_foreach(models, key, v) {
		items[k++] = v;
	}
	qsort(items, n, sizeof(json_t *), cmp_number_desc);
	for (size_t i = 0; i < n; i++)
		if (json_array_append(out, items[i]) != 0)
			goto fail;
	free(items);
	return out;
fail:
	free(items);
	json_decref(out);
	return NULL;
}

/* ================================================================ the cache */

static void cache_free(struct public_cache *c)
{
	if (c == NULL)
		return;
	for (int d = 0; d < STATUSPAGE_DOC__MAX; d++)
		doc_free(&c->docs[d]);
	for (size_t i = 0; i < c->npages; i++)
		doc_free(&c->pages[i].doc);
	free(c->pages);
	json_decref(c->incidents);
	json_decref(c->components);
	json_decref(c->maintenances);
	free(c);
}

static bool doc_is_html(enum statuspage_doc d)
{
	return d == STATUSPAGE_DOC_INDEX;
}

/* Re-reads the incidents in `dirty` into `models` (a copy of the last build's). */
static int refresh_dirty(struct public_site *site, const int64_t *dirty, size_t ndirty,
			 int64_t now, json_t *models)
{
	for (size_t i = 0; i < ndirty; i++) {
		struct api_error err;
		json_t *inc = NULL, *model = NULL;
		char key[32];

		snprintf(key, sizeof(key), "%lld", (long long)dirty[i]);
		if (service_incident_get(site->app, dirty[i], &inc, &err) != 0) {
			if (err.status != 404)
				return -1;
		} else if (incident_model(site, inc, now, site->memo, &model) != 0) {
			json_decref(inc);
			return -1;
		}
		json_decref(inc);
		if (model) {
			if (json_object_set_new(models, key, model) != 0)
				return -1;
		} else {
			json_object_del(models, key);
			json_object_del(site->memo, key);
		}
	}
	return 0;
}

/* The configured components (internal shape, page order) and the public models of the
 * maintenances the page shows (components.h), read at every build: a few rows. */
static int read_page_config(struct public_site *site, int64_t now, json_t **configured,
			    json_t **maintenances)
{
	json_t *rows = NULL, *models = json_array(), *row;
	size_t i;

	*configured = NULL;
	*maintenances = NULL;
	if (models == NULL ||
	    components_read_public(site->app, now - STATUSPAGE_HISTORY_DAYS * DAY_MS, configured,
				   &rows) != 0)
		goto fail;
	json_array_foreach(rows, i, row) {
		json_t *m = statuspage_public_maintenance(row);

		/* A row the filter refuses is left out, never shown half. */
		if (m && json_array_append_new(models, m) != 0)
			goto fail;
	}
	json_decref(rows);
	*maintenances = models;
	return 0;
fail:
	json_decref(rows);
	json_decref(models);
	json_decref(*configured);
	*configured = NULL;
	return -1;
}

/* Reads what is public — everything when `full`, else only the incidents in `dirty` — and
 * renders every document.  Runs on one thread at a time. */
static struct public_cache *cache_build(struct public_site *site, uint64_t generation, bool full,
					const int64_t *dirty, size_t ndirty)
{
	struct public_cache *c = calloc(1, sizeof(*c));
	int64_t now = app_now(site->app);
	json_t *memo = NULL, *models = NULL, *configured = NULL;
	size_t i;
	json_t *inc;

	if (c == NULL)
		goto fail;
	for (int d = 0; d < STATUSPAGE_DOC__MAX; d++)
		doc_init(&c->docs[d]);
	if (full || site->models == NULL) {
		memo = json_object();
		models = json_object();
		if (memo == NULL || models == NULL ||
		    collect(site, FILTER_ACTIVE, now, memo, models) != 0 ||
		    collect(site, FILTER_RESOLVED, now, memo, models) != 0)
			goto fail;
		/* Only what this scan saw is worth remembering. */
		json_decref(site->memo);
		site->memo = memo;
		memo = NULL;
	} else {
		models = json_copy(site->models);
		if (models == NULL || refresh_dirty(site, dirty, ndirty, now, models) != 0)
			goto fail;
	}
	c->incidents = sorted_by_number(models);
	if (c->incidents == NULL ||
	    read_page_config(site, now, &configured, &c->maintenances) != 0)
		goto fail;
	c->components = statuspage_components(c->incidents, configured, c->maintenances);
	json_decref(configured);
	configured = NULL;
	if (c->components == NULL)
		goto fail;
	c->snap = (struct statuspage_snapshot){.config = &site->config, .now = now,
					       .incidents = c->incidents,
					       .components = c->components,
					       .maintenances = c->maintenances};
	c->pages = calloc(json_array_size(c->incidents) + 1, sizeof(*c->pages));
	if (c->pages == NULL)
		goto fail;
	json_array_foreach(c->incidents, i, inc) {
		c->pages[c->npages].number = json_int(inc, "number");
		doc_init(&c->pages[c->npages].doc);
		c->npages++;
	}
	json_decref(site->models);
	site->models = models;
	c->generation = generation;
	c->built_at = monotonic_ms();
	c->refs = 1;
	return c;
fail:
	json_decref(memo);
	json_decref(models);
	json_decref(configured);
	cache_free(c);
	return NULL;
}

/* Renders `doc` of `c` unless done; NULL when it cannot be rendered. */
static struct public_doc *cache_doc(struct public_cache *c, enum statuspage_doc doc)
{
	struct public_doc *d = &c->docs[doc];
	struct buf b;

	if (atomic_load_explicit(&d->ready, memory_order_acquire))
		return d;
	pthread_mutex_lock(&d->lock);
	if (!atomic_load_explicit(&d->ready, memory_order_relaxed)) {
		buf_init(&b, STATUSPAGE_DOC_MAX);
		if (statuspage_render(&c->snap, doc, &b) != 0 ||
		    doc_build(d, &b, statuspage_doc_content_type(doc), PUBLIC_CACHE_CONTROL,
			      doc_is_html(doc), !doc_is_html(doc)) != 0)
			buf_free(&b);
	}
	pthread_mutex_unlock(&d->lock);
	return atomic_load_explicit(&d->ready, memory_order_acquire) ? d : NULL;
}

/* The incident page of `number` if the snapshot has that incident; *found tells. */
static struct public_doc *cache_page(struct public_cache *c, int64_t number, bool *found)
{
	struct public_page *p = NULL;
	struct buf b;

	*found = false;
	for (size_t i = 0; i < c->npages; i++)
		if (c->pages[i].number == number)
			p = &c->pages[i];
	if (p == NULL)
		return NULL;
	*found = true;
	if (atomic_load_explicit(&p->doc.ready, memory_order_acquire))
		return &p->doc;
	pthread_mutex_lock(&p->doc.lock);
	if (!atomic_load_explicit(&p->doc.ready, memory_order_relaxed)) {
		buf_init(&b, STATUSPAGE_DOC_MAX);
		if (statuspage_render_incident(&c->snap, statuspage_find_incident(&c->snap, number),
					       &b) != 0 ||
		    doc_build(&p->doc, &b, "text/html; charset=utf-8", PUBLIC_CACHE_CONTROL, true,
			      false) != 0)
			buf_free(&b);
	}
	pthread_mutex_unlock(&p->doc.lock);
	return atomic_load_explicit(&p->doc.ready, memory_order_acquire) ? &p->doc : NULL;
}

static void cache_release(struct public_site *site, struct public_cache *c)
{
	bool last;

	if (c == NULL)
		return;
	pthread_mutex_lock(&site->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&site->lock);
	if (last)
		cache_free(c);
}

/* The current cache with a reference the caller releases; NULL when none can be built.
 * A cache that missed a commit is never served: the first caller rebuilds, the others
 * wait for it.  A cache that is only old is served while one caller rebuilds. */
static struct public_cache *cache_get(struct public_site *site)
{
	struct public_cache *c, *fresh, *old = NULL;
	int64_t dirty[PUBLIC_DIRTY_MAX];
	size_t ndirty;
	uint64_t generation;
	bool full;
	int64_t now = monotonic_ms();

	pthread_mutex_lock(&site->lock);
	for (;;) {
		c = site->cache;
		if (c && (c->generation == site->generation || site->eager) &&
		    (now - c->built_at < PUBLIC_REFRESH_MS || site->building)) {
			c->refs++;
			pthread_mutex_unlock(&site->lock);
			return c;
		}
		if (!site->building)
			break;
		pthread_cond_wait(&site->built, &site->lock);
		now = monotonic_ms();
	}
	site->building = true;
	generation = site->generation;
	/* A rescan when asked, or when the cache is merely old (the history window moved):
	 * then the old one keeps serving meanwhile, so nobody waits for the long read. */
	full = site->dirty_all || c == NULL || c->generation == generation;
	ndirty = site->ndirty;
	memcpy(dirty, site->dirty, ndirty * sizeof(dirty[0]));
	site->ndirty = 0;
	site->dirty_all = false;
	pthread_mutex_unlock(&site->lock);

	fresh = cache_build(site, generation, full, dirty, ndirty);

	pthread_mutex_lock(&site->lock);
	site->building = false;
	pthread_cond_broadcast(&site->built);
	if (fresh == NULL)
		site->dirty_all = true; /* what this build took off the list is not lost */
	if (fresh) {
		old = site->cache;
		site->cache = fresh;
		if (old && --old->refs != 0)
			old = NULL; /* a request still holds it; its release frees it */
	}
	/* When the build failed the last good cache is better than nothing. */
	c = site->cache;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&site->lock);
	cache_free(old);
	return c;
}

/* Whether a committed event may change anything public.  Unknown event types count as
 * "may": a needless rebuild costs a little, a missed one shows a stale page. */
static bool event_may_change_public(const struct store_event *ev)
{
	static const char *const never[] = {"role.assigned", "responder.changed", "page", NULL};

	if (ev->visibility && strcmp(ev->visibility, "public") == 0)
		return true;
	if (ev->type == NULL)
		return true;
	if (strcmp(ev->type, "timeline.entry") == 0)
		return false; /* internal: an entry changes no incident field */
	for (size_t i = 0; never[i]; i++)
		if (strcmp(ev->type, never[i]) == 0)
			return false;
	return true;
}

/* An event about the configured components or maintenances (components.h): about no
 * incident, and nothing a rescan of the incidents would find. */
static bool event_is_page_config(const struct store_event *ev)
{
	return ev->incident <= 0 && ev->type &&
	       (strcmp(ev->type, "component.changed") == 0 ||
		strcmp(ev->type, "maintenance.changed") == 0);
}

/* Builds the cache of `generation` on the committing thread (the writer, or the feed of
 * other replicas' commits), before the write's 201 leaves: requests meanwhile keep the
 * previous cache — the change is not acknowledged yet — so no reader waits for a rebuild,
 * and the request after the 201 finds the new cache, with its two busiest documents
 * already rendered.  Costs the committing batch one incremental rebuild (1–2 ms), only
 * for commits that change the public page. */
static void rebuild_eager(struct public_site *site, uint64_t generation, bool full,
			  const int64_t *dirty, size_t ndirty)
{
	struct public_cache *fresh = cache_build(site, generation, full, dirty, ndirty), *old = NULL;

	if (fresh) {
		(void)cache_doc(fresh, STATUSPAGE_DOC_INDEX);
		(void)cache_doc(fresh, STATUSPAGE_DOC_SUMMARY);
	}
	pthread_mutex_lock(&site->lock);
	site->building = site->eager = false;
	pthread_cond_broadcast(&site->built);
	if (fresh == NULL) {
		site->dirty_all = true; /* the next request rebuilds, as before */
	} else {
		old = site->cache;
		site->cache = fresh;
		if (old && --old->refs != 0)
			old = NULL; /* a request still holds it; its release frees it */
	}
	pthread_mutex_unlock(&site->lock);
	cache_free(old);
}

static void on_commit(void *ctx, const struct store_event *events, size_t nevents)
{
	struct public_site *site = ctx;
	bool changed = false, eager;
	int64_t dirty[PUBLIC_DIRTY_MAX];
	size_t ndirty = 0;
	uint64_t generation = 0;
	bool full = false;

	pthread_mutex_lock(&site->lock);
	for (size_t i = 0; i < nevents; i++) {
		size_t k;

		if (!event_may_change_public(&events[i]))
			continue;
		changed = true;
		/* The page's own tables are read at every build: no incident to re-read. */
		if (event_is_page_config(&events[i]))
			continue;
		for (k = 0; k < site->ndirty; k++)
			if (site->dirty[k] == events[i].incident)
				break;
		if (k < site->ndirty)
			continue;
		if (site->ndirty == PUBLIC_DIRTY_MAX || events[i].incident <= 0)
			site->dirty_all = true;
		else
			site->dirty[site->ndirty++] = events[i].incident;
	}
	if (changed)
		site->generation++;
	/* Eagerly only from a cache that was current up to this commit: one that already
	 * missed an acknowledged change must not be served meanwhile (cache_get). */
	eager = changed && !site->building && site->cache &&
		site->cache->generation + 1 == site->generation;
	if (eager) {
		site->building = site->eager = true;
		generation = site->generation;
		full = site->dirty_all;
		ndirty = site->ndirty;
		memcpy(dirty, site->dirty, ndirty * sizeof(dirty[0]));
		site->ndirty = 0;
		site->dirty_all = false;
	}
	pthread_mutex_unlock(&site->lock);
	if (eager)
		rebuild_eager(site, generation, full, dirty, ndirty);
}

static int stream_filter(void *ctx, const struct store_event *ev, char **data, const char **type)
{
	json_t *out = NULL;
	int rc = statuspage_public_event(ev->type, ev->visibility, ev->payload, &out, type);

	(void)ctx;
	*data = NULL;
	if (rc != 1)
		return rc;
	*data = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return *data ? 1 : -1;
}

/* ================================================================ configuration */

static int local_time(int64_t ms, struct statuspage_tm *out)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	out->hour = tm.tm_hour;
	out->minute = tm.tm_min;
	out->second = tm.tm_sec;
	str_copy(out->zone, tm.tm_zone ? tm.tm_zone : "", sizeof(out->zone));
	return 0;
}

static bool zone_is_utc(const char *tz)
{
	static const char *const utc[] = {"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Zulu",
					  "Etc/Zulu", "UCT", "Etc/UCT", "Universal", NULL};

	for (size_t i = 0; utc[i]; i++)
		if (strcmp(tz, utc[i]) == 0)
			return true;
	return false;
}

/* An IANA zone name the system knows, without path tricks. */
static int zone_check(const char *tz, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	char path[512];

	if (*tz == '\0' || strlen(tz) >= STATUSPAGE_TZ_MAX || tz[0] == '/' || strstr(tz, "..")) {
		snprintf(err, errlen, "cannot use --page-timezone '%.64s': expected a zone name like Europe/Berlin", tz);
		return -1;
	}
	for (const char *p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '/' || *p == '_' || *p == '-' || *p == '+')) {
			snprintf(err, errlen, "cannot use --page-timezone '%.64s': expected a zone name like Europe/Berlin", tz);
			return -1;
		}
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "cannot use --page-timezone '%s': no such time zone on this system (%s)", tz, path);
		return -1;
	}
	return 0;
}

static int url_check(const char *url, char *err, size_t errlen)
{
	if (strlen(url) > STATUSPAGE_URL_MAX ||
	    (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
		goto bad;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"'<>\\`", *p))
			goto bad;
	return 0;
bad:
	snprintf(err, errlen, "cannot use --public-url '%.80s': expected an http(s) URL of at most %d bytes, e.g. https://status.example.com",
		 url, STATUSPAGE_URL_MAX);
	return -1;
}

static int name_check(const char *flag, const char *name, char *err, size_t errlen)
{
	if (!utf8_valid(name) || str_blank(name) || utf8_length(name) > STATUSPAGE_NAME_MAX) {
		snprintf(err, errlen, "cannot use %s: expected 1 to %d characters", flag, STATUSPAGE_NAME_MAX);
		return -1;
	}
	return 0;
}

static int assets_build(struct public_site *site)
{
	static const struct {
		const char *text;
		size_t len;
		const char *type;
	} src[ASSET__MAX] = {
		[ASSET_CSS] = {status_css, sizeof(status_css) - 1, "text/css; charset=utf-8"},
		[ASSET_JS] = {status_js, sizeof(status_js) - 1, "text/javascript; charset=utf-8"},
	};

	for (int a = 0; a < ASSET__MAX; a++) {
		struct buf b;

		doc_init(&site->assets[a]);
		buf_init(&b, src[a].len + 1);
		if (buf_append(&b, src[a].text, src[a].len) != 0 ||
		    doc_build(&site->assets[a], &b, src[a].type, PUBLIC_ASSET_CACHE, false, false) != 0) {
			buf_free(&b);
			return -1;
		}
	}
	return 0;
}

struct public_site *public_site_new(const struct statuspage_config *cfg, struct app *app,
				    char *err, size_t errlen)
{
	struct public_site *site = calloc(1, sizeof(*site));
	const char *name = cfg->page_name && *cfg->page_name ? cfg->page_name : STATUSPAGE_DEFAULT_NAME;
	const char *tz = cfg->time_zone && *cfg->time_zone ? cfg->time_zone : STATUSPAGE_DEFAULT_TZ;
	size_t len;

	if (site == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&site->lock, NULL);
	pthread_cond_init(&site->built, NULL);
	site->app = app;
	if (name_check("--page-name", name, err, errlen) != 0 ||
	    (cfg->logo_text && *cfg->logo_text &&
	     name_check("--page-logo-text", cfg->logo_text, err, errlen) != 0) ||
	    (cfg->public_url && *cfg->public_url && url_check(cfg->public_url, err, errlen) != 0) ||
	    (!zone_is_utc(tz) && zone_check(tz, err, errlen) != 0))
		goto fail;
	site->page_name = strdup(name);
	site->logo_text = strdup(cfg->logo_text && *cfg->logo_text ? cfg->logo_text : name);
	site->public_url = strdup(cfg->public_url ? cfg->public_url : "");
	site->time_zone = strdup(tz);
	site->memo = json_object();
	if (!site->page_name || !site->logo_text || !site->public_url || !site->time_zone ||
	    !site->memo || assets_build(site) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* Links are built as public_url + "/path". */
	len = strlen(site->public_url);
	while (len && site->public_url[len - 1] == '/')
		site->public_url[--len] = '\0';
	site->config = (struct statuspage_config){.page_name = site->page_name,
						  .logo_text = site->logo_text,
						  .public_url = site->public_url,
						  .time_zone = site->time_zone,
						  .epoch = app_now(app)};
	if (!zone_is_utc(tz)) {
		/* The process's zone: set before other threads read the environment. */
		setenv("TZ", tz, 1);
		tzset();
		site->config.local_time = local_time;
	}
	if (app->hub) {
		sse_hub_set_public_filter(app->hub, stream_filter, site);
		sse_hub_set_listener(app->hub, on_commit, site);
	}
	return site;
fail:
	public_site_free(site);
	return NULL;
}

void public_site_free(struct public_site *site)
{
	if (site == NULL)
		return;
	if (site->app && site->app->hub) {
		sse_hub_set_listener(site->app->hub, NULL, NULL);
		sse_hub_set_public_filter(site->app->hub, NULL, NULL);
	}
	cache_free(site->cache);
	for (int a = 0; a < ASSET__MAX; a++)
		doc_free(&site->assets[a]);
	json_decref(site->memo);
	json_decref(site->models);
	free(site->page_name);
	free(site->logo_text);
	free(site->public_url);
	free(site->time_zone);
	pthread_mutex_destroy(&site->lock);
	pthread_cond_destroy(&site->built);
	free(site);
}

/* ================================================================ handlers */

static struct public_site *site_of(struct http_request *req)
{
	return req->app ? req->app->public_site : NULL;
}

int public_handle_index(struct http_request *req)
{
	struct public_site *site = site_of(req);
	const char *page_text = http_query(req, "page");
	struct public_cache *c;
	uint64_t page = 1;
	int rc;

	if (site == NULL)
		return reply_not_found(req, "page");
	if (page_text && *page_text) {
		const char *cursor = page_text;

		if (parse_u64(&cursor, &page, 100000) != 0 || *cursor != '\0' || page == 0)
			return reply_not_found(req, "history page");
	}
	c = cache_get(site);
	if (c == NULL)
		return reply_unavailable(req);
	if (page == 1) {
		struct public_doc *d = cache_doc(c, STATUSPAGE_DOC_INDEX);

		rc = d ? serve_doc(req, d) : reply_unavailable(req);
	} else {
		struct buf b;
		int r;

		buf_init(&b, STATUSPAGE_DOC_MAX);
		r = statuspage_render_index(&c->snap, (int)page, &b);
		if (r == 0)
			rc = serve_once(req, &b, "text/html; charset=utf-8");
		else
			rc = r > 0 ? reply_not_found(req, "history page") : reply_unavailable(req);
		buf_free(&b);
	}
	cache_release(site, c);
	return rc;
}

/* The public model of an incident outside the snapshot (e.g. resolved long ago), read in
 * full; NULL when it does not exist or is not public (the same answer for both). */
static json_t *incident_model_direct(struct public_site *site, int64_t number, int *failed)
{
	struct api_error err;
	json_t *inc = NULL, *updates = NULL, *entries = json_array(), *model = NULL;
	int64_t after = 0;

	*failed = 0;
	if (entries == NULL || service_incident_get(site->app, number, &inc, &err) != 0) {
		*failed = entries == NULL || err.status != 404;
		goto done;
	}
	if (!json_is_false(json_object_get(inc, "drill")))
		goto done;
	updates = read_public_updates(site->app, number);
	if (updates == NULL || read_public_entries(site->app, number, &after, entries) != 0) {
		*failed = 1;
		goto done;
	}
	model = statuspage_public_incident(inc, updates, entries);
	if (model) {
		json_t *pm = NULL;

		if (actions_public_postmortem(site->app, number, &pm) != 0 ||
		    statuspage_attach_postmortem(model, pm) != 0) {
			json_decref(model);
			model = NULL;
			*failed = 1;
		}
		json_decref(pm);
	}
done:
	json_decref(inc);
	json_decref(updates);
	json_decref(entries);
	return model;
}

int public_handle_incident(struct http_request *req)
{
	struct public_site *site = site_of(req);
	struct public_cache *c;
	json_t *model;
	int64_t number;
	struct buf b;
	int rc, failed;

	if (site == NULL || parse_incident_id(req->captures[0], &number) != 0)
		return reply_not_found(req, "incident");
	c = cache_get(site);
	if (c == NULL)
		return reply_unavailable(req);
	{
		bool found;
		struct public_doc *d = cache_page(c, number, &found);

		if (found) {
			rc = d ? serve_doc(req, d) : reply_unavailable(req);
			cache_release(site, c);
			return rc;
		}
	}
	/* Not in the 90-day snapshot: an older public incident, or nothing public at all. */
	model = incident_model_direct(site, number, &failed);
	if (model == NULL) {
		cache_release(site, c);
		return failed ? reply_unavailable(req) : reply_not_found(req, "incident");
	}
	buf_init(&b, STATUSPAGE_DOC_MAX);
	if (statuspage_render_incident(&c->snap, model, &b) == 0)
		rc = serve_once(req, &b, "text/html; charset=utf-8");
	else
		rc = reply_unavailable(req);
	buf_free(&b);
	json_decref(model);
	cache_release(site, c);
	return rc;
}

static const struct {
	const char *path;
	enum statuspage_doc doc;
} doc_paths[] = {
	{"/api/v2/summary.json", STATUSPAGE_DOC_SUMMARY},
	{"/api/v2/status.json", STATUSPAGE_DOC_STATUS},
	{"/api/v2/components.json", STATUSPAGE_DOC_COMPONENTS},
	{"/api/v2/incidents.json", STATUSPAGE_DOC_INCIDENTS},
	{"/api/v2/incidents/unresolved.json", STATUSPAGE_DOC_UNRESOLVED},
	{"/api/v2/scheduled-maintenances.json", STATUSPAGE_DOC_MAINTENANCES},
	{"/api/v2/scheduled-maintenances/upcoming.json", STATUSPAGE_DOC_MAINT_UPCOMING},
	{"/api/v2/scheduled-maintenances/active.json", STATUSPAGE_DOC_MAINT_ACTIVE},
	{"/feed.atom", STATUSPAGE_DOC_ATOM},
	{"/feed.rss", STATUSPAGE_DOC_RSS},
	{"/badge.svg", STATUSPAGE_DOC_BADGE},
};

int public_handle_doc(struct http_request *req)
{
	struct public_site *site = site_of(req);
	struct public_cache *c;
	int rc;

	if (site == NULL)
		return reply_not_found(req, "document");
	for (size_t i = 0; i < sizeof(doc_paths) / sizeof(doc_paths[0]); i++) {
		if (strcmp(req->path, doc_paths[i].path) != 0)
			continue;
		c = cache_get(site);
		if (c == NULL)
			return reply_unavailable(req);
		{
			struct public_doc *d = cache_doc(c, doc_paths[i].doc);

			rc = d ? serve_doc(req, d) : reply_unavailable(req);
		}
		cache_release(site, c);
		return rc;
	}
	return reply_not_found(req, "document");
}

int public_handle_asset(struct http_request *req)
{
	struct public_site *site = site_of(req);

	if (site == NULL)
		return reply_not_found(req, "asset");
	if (strcmp(req->path, "/status.css") == 0)
		return serve_doc(req, &site->assets[ASSET_CSS]);
	if (strcmp(req->path, "/status.js") == 0)
		return serve_doc(req, &site->assets[ASSET_JS]);
	return reply_not_found(req, "asset");
}

int public_handle_stream(struct http_request *req)
{
	const char *last = http_header(req, "Last-Event-ID");
	struct MHD_Response *resp;
	int64_t cursor;

	if (site_of(req) == NULL)
		return reply_not_found(req, "stream");
	if (last == NULL)
		last = http_query(req, "lastEventId");
	if (last && *last) {
		const char *p = last;
		uint64_t n;

		if (parse_u64(&p, &n, (uint64_t)INT64_MAX) != 0 || *p != '\0') {
			struct api_error err;

			api_error_set(&err, 400, "invalid_field", "Last-Event-ID",
				      "Last-Event-ID must be an event id (a non-negative integer)");
			return http_reply_error(req, &err);
		}
		cursor = (int64_t)n;
	} else {
		cursor = store_event_head(req->app->store);
	}
	resp = sse_public_response_new(req->app->hub, req->conn, cursor);
	if (resp == NULL)
		return reply_unavailable(req);
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	/* A stream is never cached, by a CDN or anyone. */
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	return http_reply_response(req, 200, resp);
}
