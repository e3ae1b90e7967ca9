/*
 * statuspage — the public face of the record: what may be shown, and how it is shown.
 *
 * Pure: no I/O, no clock (the caller passes `now`), no global state.  Two halves:
 *
 * 1. The filter (SPEC §10).  From the internal JSON the service produces — the incident view
 *    of service_incident_get/list, its updates (service_update_list) and its timeline entries
 *    (service_timeline_list) — it builds the *public model* of the incident.  The public
 *    model is a new object filled field by field from an allow-list; nothing is ever deleted
 *    from an internal object, so a field added to the record later stays internal until
 *    someone names it here.  It holds only: id, number, title, severity, status, phase
 *    {number, name}, affectedSystems, bridgeUrl (only when bridgePublic and http(s)),
 *    startedAt, openedAt, resolvedAt, the updates whose audience is "public" (body, kind,
 *    status, nextUpdateEta — never the author) and the timeline entries whose visibility is
 *    "public" (time, type and text — never the author or payload).  A drill is never
 *    public; otherwise an incident is public when externalImpact is true or it has at
 *    least one public update or entry.  Every test fails closed: a missing or malformed
 *    flag counts as "internal"/"drill".
 *
 * 2. The renderers.  From a snapshot (the public models, the components and the scheduled
 *    maintenances) they write the status page (HTML), the incident page, the Atlassian
 *    Statuspage v2 JSON documents (same object shapes, field names and enums), an Atom and
 *    an RSS feed of public updates, and an SVG badge.  All user text is escaped for its
 *    target (HTML, XML, JSON).  Output depends only on the snapshot (and `now` only through
 *    the 90-day history window), so equal input gives equal bytes and equal ETags.
 *
 * Ownership: every json_t returned is a new reference the caller json_decref()s.  The
 * snapshot borrows its arrays; renderers never change them.
 */
#ifndef MAJOROPS_STATUSPAGE_H
#define MAJOROPS_STATUSPAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STATUSPAGE_HISTORY_DAYS 90
#define STATUSPAGE_HISTORY_PAGE 20      /* resolved incidents per page of history */
#define STATUSPAGE_API_INCIDENTS 50     /* incidents.json and scheduled-maintenances.json */
#define STATUSPAGE_FEED_ENTRIES 50      /* newest public updates in a feed */
#define STATUSPAGE_DOC_MAX (16 * 1024 * 1024) /* one rendered document */
#define STATUSPAGE_NAME_MAX 100         /* characters of a page name or logo text */
#define STATUSPAGE_URL_MAX 300          /* bytes of the public URL */
#define STATUSPAGE_TZ_MAX 64            /* bytes of a time zone name */
#define STATUSPAGE_ETAG_MAX 48          /* "\"<16 hex>-<len hex>\"" and NUL */

#define STATUSPAGE_DEFAULT_NAME "Status"
#define STATUSPAGE_DEFAULT_TZ "Etc/UTC"

/* A wall-clock time in the page's zone, for people (the wire stays UTC). */
struct statuspage_tm {
	int year, month, day, hour, minute, second; /* month 1..12 */
	char zone[16];                              /* abbreviation: "UTC", "CET" */
};
/* Converts `ms` (UTC) to the page's zone; 0, or -1 to fall back to UTC. */
typedef int (*statuspage_localtime_fn)(int64_t ms, struct statuspage_tm *out);

/* The page's configuration (serve flags --page-name, --page-logo-text, --public-url,
 * --page-timezone).  Strings are borrowed and outlive every use. */
struct statuspage_config {
	const char *page_name;  /* NULL → STATUSPAGE_DEFAULT_NAME */
	const char *logo_text;  /* NULL → page_name */
	const char *public_url; /* "https://status.example.com", no trailing slash; NULL or "" →
				   links are relative and feed ids are URNs */
	const char *time_zone;  /* IANA name shown as page.time_zone; NULL → Etc/UTC */
	statuspage_localtime_fn local_time; /* NULL: times are shown in UTC */
	int64_t epoch;          /* page.updated_at when nothing was ever published */
};

/* ---- the filter ---- */

/* Whether one internal timeline entry / update may be shown (visibility/audience exactly
 * "public"). */
bool statuspage_entry_is_public(const json_t *entry);
bool statuspage_update_is_public(const json_t *update);

/* The public model of an incident, or NULL when it is not public (a drill, or neither
 * external impact nor any public update or entry) or when out of memory.  `updates` and
 * `entries` are the internal arrays, oldest first (NULL counts as empty); entries of type
 * "update" (the echo of a published update) are left out, the update itself is kept.
 * Model: {id, number, title, severity, status, phase{number,name}, affectedSystems,
 * bridgeUrl?, startedAt, openedAt, resolvedAt, updatedAt, monitoringAt, nextUpdateEta,
 * updates[{id, at, body, kind, status, nextUpdateEta}], entries[{id, at, type, text}]},
 * updatedAt being the latest public time (opened, resolved, a public update or entry) so
 * that internal activity never shows through it. */
json_t *statuspage_public_incident(const json_t *incident, const json_t *updates,
				   const json_t *entries);

/* Attaches the public postmortem of a published After Action (issue 10; actions.h
 * actions_public_postmortem: {publishedAt, sections: [{name, heading, text}]}) to a public
 * model of a resolved incident, itself through an allow-list: only publishedAt and each
 * section's heading and text are copied, as model.postmortem = {publishedAt, sections:
 * [{heading, text}]}.  An unresolved model, a NULL or malformed postmortem attach nothing.
 * The renderers then show it on the incident page, and the Statuspage documents give the
 * incident the status "postmortem" with postmortem_body.  0, or -1 when out of memory. */
int statuspage_attach_postmortem(json_t *model, const json_t *postmortem);

/* The public event for the public stream derived from one committed internal event
 * (`type`, `visibility` and the event's JSON `payload` as stored).  Returns 1 with `*out`
 * ({type, incident, at, incidentState, update?|entry?}, incidentState being the public
 * core of the incident: no updates, entries or computed times) and `*out_type` (static),
 * 0 when nothing public may be said about this event, -1 when out of memory or the
 * payload is unreadable.  Public: a public update or entry of a non-drill incident; an
 * opened/updated/phase/reopened event of a non-drill incident with external impact; a
 * public component.changed ({type, at, component{id, name, description, position}}) or
 * maintenance.changed ({type, at, maintenance: its public model}) (components.h). */
int statuspage_public_event(const char *type, const char *visibility, const char *payload,
			    json_t **out, const char **out_type);

/* Scheduled maintenance (components.h, the maintenances table), internal shape: {id, title,
 * body, components[names], scheduledFor, scheduledUntil, state
 * scheduled|in_progress|verifying|completed, startedAt, completedAt, createdAt, updatedAt}.
 * Public model: {id, name, status, body, components, scheduledFor, scheduledUntil,
 * startedAt, completedAt, createdAt, updatedAt}; NULL when malformed. */
json_t *statuspage_public_maintenance(const json_t *maintenance);

/* The components: the configured ones in the order given (internal shape {id, name,
 * description, position, status|null, createdAt, updatedAt} as components.h reads them, by
 * position then name; NULL: none) followed by one per affected system of the public
 * incidents not configured (by name, ordered by name), so an unconfigured system an
 * incident names is never hidden.
 * A component's status is the worst over the unresolved incidents affecting it
 * (critical → major_outage, high → partial_outage, medium → degraded_performance, low →
 * operational), an explicitly configured status wins, and an operational component under
 * an in-progress maintenance is under_maintenance.  Model: {id, name, description,
 * position, status, createdAt, updatedAt}. */
json_t *statuspage_components(const json_t *incidents, const json_t *configured,
			      const json_t *maintenances);

/* ---- the renderers ---- */

struct statuspage_snapshot {
	const struct statuspage_config *config;
	int64_t now;          /* only for the history window */
	json_t *incidents;    /* public models, newest (highest number) first */
	json_t *components;   /* statuspage_components() */
	json_t *maintenances; /* public maintenance models (may be empty, never NULL): running,
			       * then upcoming soonest first, then completed newest first */
};

enum statuspage_doc {
	STATUSPAGE_DOC_INDEX,           /* "/" (history page 1), text/html */
	STATUSPAGE_DOC_SUMMARY,         /* /api/v2/summary.json */
	STATUSPAGE_DOC_STATUS,          /* /api/v2/status.json */
	STATUSPAGE_DOC_COMPONENTS,      /* /api/v2/components.json */
	STATUSPAGE_DOC_INCIDENTS,       /* /api/v2/incidents.json */
	STATUSPAGE_DOC_UNRESOLVED,      /* /api/v2/incidents/unresolved.json */
	STATUSPAGE_DOC_MAINTENANCES,    /* /api/v2/scheduled-maintenances.json */
	STATUSPAGE_DOC_MAINT_UPCOMING,  /* /api/v2/scheduled-maintenances/upcoming.json */
	STATUSPAGE_DOC_MAINT_ACTIVE,    /* /api/v2/scheduled-maintenances/active.json */
	STATUSPAGE_DOC_ATOM,            /* /feed.atom */
	STATUSPAGE_DOC_RSS,             /* /feed.rss */
	STATUSPAGE_DOC_BADGE,           /* /badge.svg */
	STATUSPAGE_DOC__MAX
};

const char *statuspage_doc_content_type(enum statuspage_doc doc);

/* Appends the document to `out`; 0, or -1 when out of memory / over the cap. */
int statuspage_render(const struct statuspage_snapshot *s, enum statuspage_doc doc,
		      struct buf *out);
/* The status page with history page `page` (1-based); 1 when the page does not exist
 * (nothing appended), -1 on error. */
int statuspage_render_index(const struct statuspage_snapshot *s, int page, struct buf *out);
/* The incident page of one public model (from the snapshot or built on demand). */
int statuspage_render_incident(const struct statuspage_snapshot *s, const json_t *incident,
			       struct buf *out);
/* The public model with this number in the snapshot, or NULL (borrowed). */
const json_t *statuspage_find_incident(const struct statuspage_snapshot *s, int64_t number);

/* The overall indicator (none|minor|major|critical) and its sentence. */
const char *statuspage_indicator(const struct statuspage_snapshot *s, const char **description);

/* Severity → Statuspage impact / component status (NULL for an unknown severity). */
const char *statuspage_impact(const char *severity);
const char *statuspage_component_status(const char *severity);

/* A strong ETag of `len` bytes, quotes included. */
void statuspage_etag(const void *data, size_t len, char out[STATUSPAGE_ETAG_MAX]);

/* Appends `s` escaped for HTML and XML text and attributes (& < > " ' and the control
 * characters XML forbids, which are dropped). */
int statuspage_escape(struct buf *b, const char *s) BUF_WARN_UNUSED;

#endif
