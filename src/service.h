/*
 * service — the commands and queries of the incident record.
 *
 * Each command loads what it needs inside one store transaction, asks the doctrine,
 * writes the event, the timeline entry and the projections together, and returns the
 * result after the commit is durable; the live streams hear of it after commit.
 * Queries read one consistent snapshot.  Every function returns 0 with a new JSON
 * reference in `*out` (the caller json_decref()s it) or -1 with `err` filled.
 * Input arrives already validated for shape by the HTTP edge; the service checks what
 * needs the record (existence, versions, doctrine).
 */
#ifndef MAJOROPS_SERVICE_H
#define MAJOROPS_SERVICE_H

#include <jansson.h>

#include "incident.h"
#include "json.h"
#include "store.h"

struct sse_hub;
struct timeline_cache;
struct public_site;
struct auth;
struct oidc;
struct outbox;

/* The explicit application context: everything a request may touch. */
struct app {
	struct store *store;
	struct sse_hub *hub;
	/* The injected clock (ms since the epoch, UTC). */
	int64_t (*clock)(void *ctx);
	void *clock_ctx;
	/* The public status page (public.h): its configuration and cache; NULL disables it. */
	struct public_site *public_site;
	/* Full timeline pages already served (service_timeline_page); NULL: no caching. */
	struct timeline_cache *timeline_cache;
	/* The server's key (secret.h), loaded at start; derive a key per purpose from it. */
	unsigned char secret[32];
	/* Sign-in and permissions (auth.h); NULL in the admin verbs, which serve nothing. */
	struct auth *auth;
	/* --public-url as given ("https://ops.example.com", maybe with a trailing '/'), or
	 * NULL: absolute links in pages, mails and calendar feeds (relative without it). */
	const char *public_url;
	/* Single sign-on with OpenID Connect (oidc.h); NULL when no --oidc-issuer is set. */
	struct oidc *oidc;
	/* Notifications (outbox.h): routes events into the outbox; NULL routes nothing. */
	struct outbox *outbox;
};

/* A small cache of complete timeline pages.  The timeline is append-only and a page with
 * entries after it never changes again, so such a page is kept as the text it was served
 * as; the page at the tail is always read afresh. */
struct timeline_cache *timeline_cache_new(void);
void timeline_cache_free(struct timeline_cache *cache);

int64_t app_now(const struct app *app);
/* The real clock, for app.clock. */
int64_t clock_wall_ms(void *ctx);

struct open_input {
	const char *title;
	enum severity severity;
	json_t *affected_systems; /* array of strings or NULL */
	const char *bridge_url;
	const char *description;
	int64_t started_at;
	int64_t alert_fired_at;
	int64_t customer_count; /* -1 unknown */
	bool external_impact, security, existential, drill;
};

int service_incident_open(struct app *app, const char *actor, const struct open_input *in,
			  json_t **out, struct api_error *err);
int service_incident_get(struct app *app, int64_t number, json_t **out, struct api_error *err);

enum incident_filter { FILTER_ACTIVE, FILTER_RESOLVED, FILTER_ALL };
/* Newest first, numbers below `before` (INT64_MAX for the first page). */
int service_incident_list(struct app *app, enum incident_filter state, const char *q,
			  int64_t before, int limit, json_t **out, struct api_error *err);

/* `fields` is the validated PATCH body; `if_match` is -1 when not sent. */
int service_incident_patch(struct app *app, const char *actor, int64_t number, int64_t if_match,
			   json_t *fields, json_t **out, struct api_error *err);
/* `to` 0 means "the next phase". */
int service_incident_phase(struct app *app, const char *actor, int64_t number, int to,
			   const char *override, json_t **out, struct api_error *err);
/* `phase` 0 means the default (Assess). */
int service_incident_reopen(struct app *app, const char *actor, int64_t number,
			    const char *reason, int phase, json_t **out, struct api_error *err);

struct entry_input {
	const char *type;       /* "action" or "alert" */
	const char *text;
	enum visibility visibility;
	int64_t amends;         /* 0 when not a correction */
	json_t *payload;        /* object or NULL */
};
int service_timeline_post(struct app *app, const char *actor, int64_t number,
			  const struct entry_input *in, json_t **out, struct api_error *err);
int service_timeline_list(struct app *app, int64_t number, int64_t after, int limit,
			  json_t **out, struct api_error *err);
/* The same page as JSON text `{"entries":[…],"nextAfter":…}`, built by the store without a
 * jansson tree per entry (the API's hot read).  The caller frees `*out`. */
int service_timeline_page(struct app *app, int64_t number, int64_t after, int limit,
			  char **out, struct api_error *err);

struct update_input {
	const char *body;        /* NULL for a holding statement's default */
	enum audience audience;
	enum update_kind kind;
	int64_t next_update_eta; /* TIME_NONE when not sent */
	bool has_status;
	enum status status;
	/* A resolution update carries the After Action date (issue 10): within 72 h after
	 * the resolution, sets the incident's afterActionAt.  TIME_NONE when not sent. */
	int64_t after_action_at;
};
int service_update_post(struct app *app, const char *actor, int64_t number,
			const struct update_input *in, json_t **out, struct api_error *err);
int service_update_list(struct app *app, int64_t number, json_t **out, struct api_error *err);

/* `person` "" vacates the role. */
int service_role_assign(struct app *app, const char *actor, int64_t number, enum role role,
			const char *person, json_t **out, struct api_error *err);

struct responder_input {
	const char *person;   /* or NULL */
	const char *rotation; /* or NULL */
	const char *role;     /* a role name, or NULL */
	bool has_state;
	enum responder_state state;
};
int service_responder_post(struct app *app, const char *actor, int64_t number,
			   const struct responder_input *in, json_t **out, struct api_error *err);
int service_responder_patch(struct app *app, const char *actor, int64_t number, int64_t id,
			    const struct responder_input *in, json_t **out, struct api_error *err);
int service_responder_list(struct app *app, int64_t number, json_t **out, struct api_error *err);

#endif
