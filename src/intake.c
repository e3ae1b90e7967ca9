/* Alert intake and run cards: integrations, signals, grouping, the log, run cards (intake.h). */
#include "intake.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "codec.h"
#include "doctrine.h"
#include "pages.h"
#include "parse.h"
#include "runcards.h"
#include "service_internal.h"

#define TOKEN_BYTES 32
#define TOKEN_PREFIX "mo_"
#define HASH_BYTES 32

/* An integration as stored (severity_map and systems owned). */
struct integration {
	int64_t id;
	char name[INCIDENT_SHORT_MAX * 4 + 1];
	enum signal_kind kind;
	unsigned char token_hash[HASH_BYTES];
	char severity_label[SIGNAL_LABEL_MAX * 4 + 1];
	json_t *severity_map;
	enum severity default_severity;
	json_t *systems;
	int64_t created_at;
};

static void integration_free(struct integration *ig)
{
	json_decref(ig->severity_map);
	json_decref(ig->systems);
	ig->severity_map = ig->systems = NULL;
}

static void token_hash(const char *token, unsigned char out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* 1 found, 0 absent, -1 the store did not answer. */
static int integration_load(struct store_conn *c, int64_t id, struct integration *ig)
{
	struct store_stmt *st = store_bind(c, STMT_INTEGRATION_GET, "i", id);
	int rc;

	memset(ig, 0, sizeof(*ig));
	if (st == NULL)
		return -1;
	rc = store_step(st);
	if (rc == 1) {
		ig->id = store_col_int(st, 0);
		str_copy(ig->name, store_col_text(st, 1), sizeof(ig->name));
		if (signal_kind_parse(store_col_text(st, 2), &ig->kind) != 0 ||
		    sodium_hex2bin(ig->token_hash, sizeof(ig->token_hash), store_col_text(st, 3),
				   strlen(store_col_text(st, 3)), NULL, NULL, NULL) != 0 ||
		    severity_parse(store_col_text(st, 6), &ig->default_severity) != 0)
			rc = -1;
		str_copy(ig->severity_label, store_col_text(st, 4), sizeof(ig->severity_label));
		ig->severity_map = json_loads(store_col_text(st, 5), 0, NULL);
		ig->systems = json_loads(store_col_text(st, 7), 0, NULL);
		ig->created_at = store_col_int(st, 8);
		if (!json_is_object(ig->severity_map) || !json_is_array(ig->systems))
			rc = -1;
	}
	store_reset(st);
	if (rc < 0)
		integration_free(ig);
	return rc;
}

static json_t *integration_json(const struct integration *ig)
{
	char url[64];

	snprintf(url, sizeof(url), "/api/v1/signals/%lld", (long long)ig->id);
	return json_pack("{s:I, s:s, s:s, s:s, s:O, s:s, s:O, s:o, s:s}", "id", (json_int_t)ig->id,
			 "name", ig->name, "kind", signal_kind_name(ig->kind), "severityLabel",
			 ig->severity_label, "severityMap", ig->severity_map, "defaultSeverity",
			 severity_name(ig->default_severity), "systems", ig->systems, "createdAt",
			 json_time_or_null(ig->created_at), "signalsUrl", url);
}

/* ---- integrations ---- */

struct create_cmd {
	struct cmd base;
	struct integration *ig;
	const char *hash_hex, *map_text, *systems_text;
};

static int cmd_integration_create(struct store_conn *c, void *arg)
{
	struct create_cmd *cc = arg;
	struct integration *ig = cc->ig;

	if (store_query_int(c, &ig->id, 0, STMT_INTEGRATION_INSERT, "ttttttti", ig->name,
			    signal_kind_name(ig->kind), cc->hash_hex, ig->severity_label, cc->map_text,
			    severity_name(ig->default_severity), cc->systems_text, ig->created_at) != 0)
		return io_error(cc->base.err);
	return 0;
}

int intake_integration_create(struct app *app, const char *actor,
			      const struct integration_input *in, json_t **out,
			      struct api_error *err)
{
	struct integration ig;
	struct create_cmd cc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
				.ig = &ig};
	unsigned char raw[TOKEN_BYTES];
	char token[sizeof(TOKEN_PREFIX) + TOKEN_BYTES * 2], hash_hex[HASH_BYTES * 2 + 1];
	char *map_text = NULL, *systems_text = NULL;
	json_t *result = NULL;
	int rc = -1;

	memset(&ig, 0, sizeof(ig));
	if (sodium_init() < 0)
		return api_error_set(err, 500, "internal", NULL, "the random source is unavailable");
	str_copy(ig.name, in->name, sizeof(ig.name));
	ig.kind = in->kind;
	str_copy(ig.severity_label, in->severity_label ? in->severity_label : "severity",
		 sizeof(ig.severity_label));
	ig.severity_map = in->severity_map ? json_deep_copy(in->severity_map) : json_object();
	ig.systems = in->systems ? json_deep_copy(in->systems) : json_array();
	ig.default_severity = in->default_severity;
	ig.created_at = cc.base.now;
	/* The token is shown once; only its hash is kept. */
	randombytes_buf(raw, sizeof(raw));
	memcpy(token, TOKEN_PREFIX, sizeof(TOKEN_PREFIX) - 1);
	sodium_bin2base64(token + sizeof(TOKEN_PREFIX) - 1, sizeof(token) - sizeof(TOKEN_PREFIX) + 1,
			  raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	{
		unsigned char hash[HASH_BYTES];

		token_hash(token, hash);
		sodium_bin2hex(hash_hex, sizeof(hash_hex), hash, sizeof(hash));
	}
	map_text = json_to_text(ig.severity_map);
	systems_text = json_to_text(ig.systems);
	if (map_text == NULL || systems_text == NULL) {
		api_error_set(err, 500, "internal", NULL, "out of memory");
		goto done;
	}
	cc.hash_hex = hash_hex;
	cc.map_text = map_text;
	cc.systems_text = systems_text;
	rc = store_write(app->store, cmd_integration_create, &cc);
	if (rc != 0) {
		if (rc == STORE_ERR_IO)
			io_error(err);
		rc = -1;
		goto done;
	}
	result = integration_json(&ig);
	if (result == NULL || json_object_set_new(result, "token", json_string(token)) != 0) {
		json_decref(result);
		rc = api_error_set(err, 500, "internal", NULL, "out of memory");
		goto done;
	}
	*out = result;
done:
	sodium_memzero(token, sizeof(token));
	free(map_text);
	free(systems_text);
	integration_free(&ig);
	return rc;
}

int intake_integration_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct integration ig;
	int rc = integration_load(c, id, &ig);

	store_read_end(app->store, c);
	if (rc < 0)
		return io_error(err);
	if (rc == 0)
		return api_error_set(err, 404, "not_found", NULL, "no integration %lld", (long long)id);
	*out = integration_json(&ig);
	integration_free(&ig);
	return *out ? 0 : api_error_set(err, 500, "internal", NULL, "out of memory");
}

int intake_integration_log(struct app *app, int64_t id, int64_t before, int limit, json_t **out,
			   struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct integration ig;
	struct store_stmt *st;
	json_t *entries = json_array();
	int64_t last = 0;
	int rc = integration_load(c, id, &ig), n = 0;

	if (rc == 0) {
		store_read_end(app->store, c);
		json_decref(entries);
		return api_error_set(err, 404, "not_found", NULL, "no integration %lld", (long long)id);
	}
	integration_free(&ig);
	if (rc < 0 || entries == NULL)
		goto io;
	st = store_bind(c, STMT_INTEGRATION_LOG_LIST, "iii", id, before, (int64_t)limit + 1);
	if (st == NULL)
		goto io;
	while ((rc = store_step(st)) == 1) {
		char inc_id[32];
		json_t *e;

		if (n == limit)
			break;
		last = store_col_int(st, 0);
		incident_id_format(store_col_int(st, 3), inc_id);
		e = json_pack("{s:I, s:o, s:s, s:o, s:s, s:s}", "id", (json_int_t)last, "at",
			      json_time_or_null(store_col_int(st, 1)), "outcome", store_col_text(st, 2),
			      "incident", store_col_null(st, 3) ? json_null() : json_string(inc_id),
			      "message", store_col_text(st, 4), "payload", store_col_text(st, 5));
		if (json_array_append_new(entries, e) != 0) {
			store_reset(st);
			goto io;
		}
		n++;
	}
	store_reset(st);
	if (rc < 0)
		goto io;
	store_read_end(app->store, c);
	*out = json_pack("{s:o, s:o}", "entries", entries, "nextBefore",
			 rc == 1 ? json_integer(last) : json_null());
	return *out ? 0 : api_error_set(err, 500, "internal", NULL, "out of memory");
io:
	store_read_end(app->store, c);
	json_decref(entries);
	return io_error(err);
}

/* ---- the log ---- */

/* Appends one log row inside a command; prunes now and then so a flood stays bounded. */
static int log_append(struct store_conn *c, int64_t integration, int64_t now, const char *outcome,
		      int64_t incident, const char *message, const char *payload)
{
	int64_t id;

	if (store_query_int(c, &id, 0, STMT_INTEGRATION_LOG_APPEND, "iitztt", integration, now,
			    outcome, incident, message, payload) != 0)
		return -1;
	if (id % INTAKE_LOG_PRUNE_EVERY == 0 &&
	    store_run(c, STMT_INTEGRATION_LOG_PRUNE, "ii", integration, (int64_t)INTAKE_LOG_KEEP) != 0)
		return -1;
	return 0;
}

struct log_cmd {
	int64_t integration, now;
	const char *outcome, *message, *payload;
};

static int cmd_log(struct store_conn *c, void *arg)
{
	struct log_cmd *lc = arg;

	return log_append(c, lc->integration, lc->now, lc->outcome, 0, lc->message, lc->payload);
}

/* ---- signals ---- */

#define NAME_CUT 300 /* bytes of an alert's name quoted in an entry's text */

/* The length of `s` to print, cut on a UTF-8 boundary, for "%.*s". */
static int cut(const char *s, size_t max)
{
	return (int)signal_trim_len(s, strlen(s), max);
}

enum alert_fate {
	FATE_NEW,       /* firing, not seen firing since this start */
	FATE_DUPLICATE, /* the same status and start again */
	FATE_RESOLVED,  /* resolved, was firing (or its group has an open incident) */
	FATE_IGNORED,   /* resolved, nothing to record it on */
};

struct signal_cmd {
	struct cmd base;
	const struct integration *ig;
	const struct signal_batch *b;
	const char *payload; /* trimmed, for the log */
	/* out */
	const char *outcome;
	int64_t incident;
	size_t counts[FATE_IGNORED + 1];
	bool opened;
	/* The group's open incident as loaded at the start of the command (nothing else in
	 * the command writes it before the alert entry does): attach_firing takes it rather
	 * than parsing the same document again.  `group_loaded` tells whether it is held. */
	struct incident group_inc;
	bool group_loaded;
};

/* Whether INC-number exists and is not resolved.  With `keep`, an open incident stays
 * loaded there (*kept tells; the caller frees it). */
static int incident_open(struct store_conn *c, int64_t number, bool *open, struct incident *keep,
			 bool *kept, struct api_error *err)
{
	struct incident inc;
	int rc;

	*open = false;
	if (number <= 0)
		return 0;
	rc = load_incident(c, number, &inc, err);
	if (rc == 0)
		*open = inc.status != STATUS_RESOLVED;
	if (rc == 0 && *open && keep) {
		*keep = inc;
		*kept = true;
		return 0;
	}
	incident_free(&inc);
	if (rc != 0 && err->status == 404)
		return 0;
	return rc;
}

/* A copy of `s` cut to `maxc` code points (s valid UTF-8); NULL when out of memory. */
static char *utf8_prefix(const char *s, size_t maxc)
{
	size_t i = 0, n = 0;
	char *out;

	while (s[i] && n < maxc) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		n++;
	}
	out = malloc(i + 1);
	if (out) {
		memcpy(out, s, i);
		out[i] = '\0';
	}
	return out;
}

static int add_system(json_t *systems, const char *name)
{
	size_t i;
	json_t *v;

	if (name == NULL || str_blank(name) || utf8_length(name) > INCIDENT_SHORT_MAX ||
	    json_array_size(systems) >= INCIDENT_SYSTEMS_MAX)
		return 0;
	json_array_foreach(systems, i, v) {
		if (strcmp(json_string_value(v), name) == 0)
			return 0;
	}
	return json_array_append_new(systems, json_string(name));
}

static json_t *alert_json(const struct signal_alert *a, enum severity sev)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "fingerprint", a->fingerprint,
			 "name", a->name, "status", a->firing ? "firing" : "resolved", "severity",
			 severity_name(sev), "startsAt", json_time_or_null(a->starts_at), "endsAt",
			 json_time_or_null(a->ends_at), "url", json_string_or_null(a->url));
}

/* The timeline payload of the alerts of `fates` equal to `fate` (and, when target > 0,
 * aimed at `target`). */
static json_t *alerts_payload(struct signal_cmd *sc, const enum alert_fate *fates,
			      const int64_t *targets, enum alert_fate fate, int64_t target,
			      size_t *n, const char **first)
{
	const struct signal_batch *b = sc->b;
	json_t *list = json_array(), *p;

	*n = 0;
	*first = NULL;
	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < b->nalerts; i++) {
		enum severity sev;

		if (fates[i] != fate || (target > 0 && targets[i] != target))
			continue;
		if (*first == NULL)
			*first = b->alerts[i].name;
		signal_severity(b->alerts[i].severity, sc->ig->severity_map, sc->ig->default_severity,
				&sev);
		if (*n < INTAKE_ENTRY_ALERTS_MAX &&
		    json_array_append_new(list, alert_json(&b->alerts[i], sev)) != 0) {
			json_decref(list);
			return NULL;
		}
		(*n)++;
	}
	p = json_pack("{s:I, s:s, s:s, s:s, s:I, s:o}", "integration", (json_int_t)sc->ig->id,
		      "source", signal_kind_name(b->kind), "groupKey", b->group_key, "status",
		      fate == FATE_RESOLVED ? "resolved" : "firing", "count", (json_int_t)*n,
		      "alerts", list);
	return p;
}

/* Marks the incident as fed by this integration's group (its view then counts alerts);
 * *marked tells whether that changed the incident (false: it was marked already). */
static int mark_source(struct incident *inc, const struct signal_cmd *sc, bool *marked)
{
	json_t *state = inc->command_json ? json_loads(inc->command_json, 0, NULL) : json_object();
	char *text;
	int rc = -1;

	*marked = false;
	if (!json_is_object(state))
		goto done;
	if (json_object_get(state, "alertSource") != NULL) {
		rc = 0;
		goto done;
	}
	if (json_object_set_new(state, "alertSource",
				json_pack("{s:I, s:s}", "integration", (json_int_t)sc->ig->id,
					  "groupKey", sc->b->group_key)) != 0)
		goto done;
	text = json_to_text(state);
	if (text == NULL)
		goto done;
	free(inc->command_json);
	inc->command_json = text;
	*marked = true;
	rc = 0;
done:
	json_decref(state);
	return rc;
}

/* Opens the incident for a group's first firing alerts. */
static int open_for_alerts(struct store_conn *c, struct signal_cmd *sc, const enum alert_fate *fates,
			   enum severity sev, int64_t started, int64_t *number)
{
	const struct signal_batch *b = sc->b;
	const struct signal_alert *first = NULL;
	struct open_input in;
	struct buf desc;
	json_t *systems = json_array(), *v;
	char *title = NULL;
	size_t i;
	int rc = -1;

	buf_init(&desc, INCIDENT_TEXT_MAX);
	for (i = 0; i < b->nalerts && first == NULL; i++)
		if (fates[i] == FATE_NEW)
			first = &b->alerts[i];
	if (systems == NULL || first == NULL)
		goto oom;
	json_array_foreach(sc->ig->systems, i, v)
		if (add_system(systems, json_string_value(v)) != 0)
			goto oom;
	json_array_foreach(b->systems, i, v)
		if (add_system(systems, json_string_value(v)) != 0)
			goto oom;
	for (i = 0; i < b->nalerts; i++)
		if (fates[i] == FATE_NEW && add_system(systems, b->alerts[i].service) != 0)
			goto oom;
	title = utf8_prefix(b->title && !str_blank(b->title) ? b->title
			    : first->summary && !str_blank(first->summary) ? first->summary
			    : first->name, INCIDENT_TITLE_MAX);
	if (title == NULL)
		goto oom;
	/* The description is what a responder reads first: what the alert says, where it
	 * comes from, and a link back; cut at the incident's limit. */
	if (buf_printf(&desc, "%s%sAlert from integration '%s' (%s)%s%s",
		       first->description ? first->description : first->summary ? first->summary : "",
		       first->description || first->summary ? "\n\n" : "", sc->ig->name, signal_kind_name(b->kind), first->url ? ": " : "",
		       first->url ? first->url : "") != 0) {
		/* Over the limit: the alert's own text goes, the source line stays. */
		buf_init(&desc, INCIDENT_TEXT_MAX);
		if (buf_printf(&desc, "Alert from integration '%s' (%s)", sc->ig->name,
			       signal_kind_name(b->kind)) != 0)
			goto oom;
	}
	memset(&in, 0, sizeof(in));
	in.title = title;
	in.severity = sev;
	in.affected_systems = systems;
	in.description = desc.ptr;
	in.started_at = started;
	in.alert_fired_at = started;
	in.customer_count = -1;
	rc = open_in_command(c, &sc->base, &in, number);
	json_decref(sc->base.result);
	sc->base.result = NULL;
	goto done;
oom:
	rc = api_error_set(sc->base.err, 500, "internal", NULL, "out of memory");
done:
	buf_free(&desc);
	free(title);
	json_decref(systems);
	return rc;
}

/* The `alert` entry for the new firing alerts on INC-number, with their times and severity. */
static int attach_firing(struct store_conn *c, struct signal_cmd *sc, const enum alert_fate *fates,
			 const int64_t *targets, int64_t number, enum severity sev, int64_t started,
			 int64_t group_count)
{
	struct incident inc;
	struct record r = {.event_type = "timeline.entry", .entry_type = "alert",
			   .visibility = VISIBILITY_INTERNAL};
	char text[2048];
	const char *first;
	size_t n;
	json_t *payload = NULL;
	bool changed = false;
	int rc = -1;

	if (sc->group_loaded && sc->group_inc.number == number) {
		inc = sc->group_inc; /* taken over: freed below */
		sc->group_loaded = false;
	} else if (load_incident(c, number, &inc, sc->base.err) != 0) {
		return -1;
	}
	if (started != TIME_NONE && (inc.alert_fired_at == TIME_NONE || started < inc.alert_fired_at)) {
		inc.alert_fired_at = started;
		changed = true;
	}
	if (started != TIME_NONE && started < inc.started_at) {
		inc.started_at = started;
		changed = true;
	}
	payload = alerts_payload(sc, fates, targets, FATE_NEW, number, &n, &first);
	if (payload == NULL)
		goto oom;
	if (sev < inc.severity) {
		/* A graver alert raises the level; the entry records from, to and why (SPEC §2). */
		if (json_object_set_new(payload, "severityFrom", json_string(severity_name(inc.severity))) != 0 ||
		    json_object_set_new(payload, "severityTo", json_string(severity_name(sev))) != 0)
			goto oom;
		snprintf(text, sizeof(text), "; severity raised from %s to %s by the alert",
			 severity_name(inc.severity), severity_name(sev));
		inc.severity = sev;
		changed = true;
	} else {
		text[0] = '\0';
	}
	/* Past the cap a group's alerts only count, unless they change the record. */
	if (!sc->opened && !changed && group_count >= INTAKE_GROUP_ENTRIES_MAX) {
		rc = 0;
		goto done;
	}
	{
		char head[400];

		if (n == 1)
			snprintf(head, sizeof(head), "Alert firing: %.*s", cut(first, NAME_CUT), first);
		else
			snprintf(head, sizeof(head), "Alerts firing: %.*s and %zu more",
				 cut(first, NAME_CUT), first, n - 1);
		{
			char tail[200];

			str_copy(tail, text, sizeof(tail));
			snprintf(text, sizeof(text), "%s (via %s)%s", head, sc->ig->name, tail);
		}
	}
	{
		bool marked;

		if (mark_source(&inc, sc, &marked) != 0)
			goto oom;
		changed = changed || marked;
	}
	r.text = text;
	r.payload = payload;
	if (!changed) {
		/* The usual delivery: one more alert on an incident it leaves as it was.  Like a
		 * timeline note it is an entry only — no save, no version bump, and an event
		 * without the incident's state, so the writer does not build the whole view
		 * (twice) for each alert of a flood. */
		r.without_state = true;
		rc = record_change(c, &sc->base, &inc, &r) != 0 ? io_error(sc->base.err) : 0;
		json_decref(r.entry_out);
		goto done;
	}
	/* The incident changed (severity, clocks, source): an incident event, so the public
	 * page and its caches see the change at once rather than at their next rescan. */
	r.event_type = "incident.updated";
	rc = commit_incident(c, &sc->base, &inc, &r, false);
	json_decref(sc->base.result);
	sc->base.result = NULL;
	goto done;
oom:
	rc = api_error_set(sc->base.err, 500, "internal", NULL, "out of memory");
done:
	json_decref(payload);
	incident_free(&inc);
	return rc;
}

/* "Alert resolved at 14:52 UTC — validate before closing" on INC-number; never closes it. */
static int record_resolved(struct store_conn *c, struct signal_cmd *sc, const enum alert_fate *fates,
			   const int64_t *targets, int64_t number)
{
	const struct signal_batch *b = sc->b;
	struct incident inc;
	struct record r = {.event_type = "timeline.entry", .entry_type = "alert",
			   .visibility = VISIBILITY_INTERNAL};
	char text[2048], iso[TIME_ISO_MAX], hhmm[6];
	const char *first;
	int64_t at = TIME_NONE;
	size_t n;
	json_t *payload;
	int rc;

	for (size_t i = 0; i < b->nalerts; i++)
		if (fates[i] == FATE_RESOLVED && targets[i] == number && b->alerts[i].ends_at > at)
			at = b->alerts[i].ends_at;
	if (at == TIME_NONE || at > sc->base.now)
		at = sc->base.now;
	time_to_iso(at, iso);
	str_copy(hhmm, iso + 11, sizeof(hhmm));
	if (load_incident(c, number, &inc, sc->base.err) != 0)
		return -1;
	payload = alerts_payload(sc, fates, targets, FATE_RESOLVED, number, &n, &first);
	if (payload == NULL || json_object_set_new(payload, "resolvedAt", json_time_or_null(at)) != 0) {
		json_decref(payload);
		incident_free(&inc);
		return api_error_set(sc->base.err, 500, "internal", NULL, "out of memory");
	}
	if (n == 1)
		snprintf(text, sizeof(text), "Alert resolved at %s UTC — validate before closing: %.*s (via %s)",
			 hhmm, cut(first, NAME_CUT), first, sc->ig->name);
	else
		snprintf(text, sizeof(text),
			 "Alerts resolved at %s UTC — validate before closing: %.*s and %zu more (via %s)",
			 hhmm, cut(first, NAME_CUT), first, n - 1, sc->ig->name);
	r.text = text;
	r.payload = payload;
	rc = commit_incident(c, &sc->base, &inc, &r, false);
	json_decref(sc->base.result);
	sc->base.result = NULL;
	json_decref(payload);
	incident_free(&inc);
	return rc;
}

static int cmd_signal(struct store_conn *c, void *arg)
{
	struct signal_cmd *sc = arg;
	struct cmd *cmd = &sc->base;
	const struct signal_batch *b = sc->b;
	const struct integration *ig = sc->ig;
	enum alert_fate *fates = calloc(b->nalerts, sizeof(*fates));
	int64_t *targets = calloc(b->nalerts, sizeof(*targets));
	int64_t group_incident = 0, group_count = 0, group_first = cmd->now, started = TIME_NONE;
	enum severity sev = SEVERITY__MAX;
	struct store_stmt *st;
	bool open = false, any_new = false;
	char message[200];
	int rc = -1, step;

	if (fates == NULL || targets == NULL) {
		api_error_set(cmd->err, 500, "internal", NULL, "out of memory");
		goto done;
	}
	st = store_bind(c, STMT_ALERT_GROUP_GET, "it", ig->id, b->group_key);
	if (st == NULL)
		goto io;
	step = store_step(st);
	if (step == 1) {
		group_incident = store_col_int(st, 0);
		group_count = store_col_int(st, 1);
		group_first = store_col_int(st, 2);
	}
	store_reset(st);
	if (step < 0)
		goto io;
	if (incident_open(c, group_incident, &open, &sc->group_inc, &sc->group_loaded, cmd->err) != 0)
		goto done;
	if (!open) {
		/* The group's incident was resolved: the next firing starts a new one. */
		group_incident = 0;
		group_count = 0;
		group_first = cmd->now;
	}
	for (size_t i = 0; i < b->nalerts; i++) {
		const struct signal_alert *a = &b->alerts[i];
		int64_t prev_incident = 0, prev_starts = TIME_NONE;
		bool prev = false, prev_firing = false;

		st = store_bind(c, STMT_ALERT_GET, "it", ig->id, a->fingerprint);
		if (st == NULL)
			goto io;
		step = store_step(st);
		if (step == 1) {
			prev = true;
			prev_incident = store_col_int(st, 0);
			prev_firing = strcmp(store_col_text(st, 1), "firing") == 0;
			prev_starts = store_col_null(st, 2) ? TIME_NONE : store_col_int(st, 2);
		}
		store_reset(st);
		if (step < 0)
			goto io;
		if (a->firing) {
			if (prev && prev_firing && prev_starts == a->starts_at) {
				fates[i] = FATE_DUPLICATE;
				targets[i] = prev_incident;
				continue;
			}
			fates[i] = FATE_NEW;
			any_new = true;
			if (group_incident == 0 && prev) {
				/* The same fingerprint's open incident takes it. */
				if (incident_open(c, prev_incident, &open, NULL, NULL, cmd->err) != 0)
					goto done;
				if (open)
					group_incident = prev_incident;
			}
			{
				enum severity s;

				signal_severity(a->severity, ig->severity_map, ig->default_severity, &s);
				sev = signal_severity_max(sev, s);
			}
			if (a->starts_at != TIME_NONE && a->starts_at <= cmd->now &&
			    (started == TIME_NONE || a->starts_at < started))
				started = a->starts_at;
		} else if (prev && !prev_firing) {
			fates[i] = FATE_DUPLICATE;
			targets[i] = prev_incident;
		} else if (prev) {
			fates[i] = FATE_RESOLVED;
			targets[i] = prev_incident;
		} else if (group_incident) {
			fates[i] = FATE_RESOLVED;
			targets[i] = group_incident;
		} else {
			fates[i] = FATE_IGNORED;
		}
	}
	if (any_new) {
		if (group_incident == 0) {
			if (open_for_alerts(c, sc, fates, sev, started != TIME_NONE ? started : cmd->now,
					    &group_incident) != 0)
				goto done;
			sc->opened = true;
		}
		for (size_t i = 0; i < b->nalerts; i++)
			if (fates[i] == FATE_NEW)
				targets[i] = group_incident;
		if (attach_firing(c, sc, fates, targets, group_incident, sev, started, group_count) != 0)
			goto done;
	}
	/* One resolved entry per incident the resolved alerts belong to. */
	for (size_t i = 0; i < b->nalerts; i++) {
		bool seen = false;

		if (fates[i] != FATE_RESOLVED)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = fates[j] == FATE_RESOLVED && targets[j] == targets[i];
		if (!seen && record_resolved(c, sc, fates, targets, targets[i]) != 0)
			goto done;
	}
	for (size_t i = 0; i < b->nalerts; i++) {
		const struct signal_alert *a = &b->alerts[i];

		sc->counts[fates[i]]++;
		if (fates[i] == FATE_IGNORED || targets[i] <= 0)
			continue;
		if (store_run(c, STMT_ALERT_PUT, "ittitzzi", ig->id, a->fingerprint, b->group_key,
			      targets[i], a->firing ? "firing" : "resolved", a->starts_at, a->ends_at,
			      cmd->now) != 0)
			goto io;
		if (group_incident == 0)
			group_incident = targets[i];
	}
	/* The counter: every alert of every delivery (repeats too) — the size of a flood. */
	if (group_incident > 0 &&
	    store_run(c, STMT_ALERT_GROUP_PUT, "itiiii", ig->id, b->group_key, group_incident,
		      group_count + (int64_t)b->nalerts, group_first, cmd->now) != 0)
		goto io;
	sc->incident = group_incident;
	sc->outcome = sc->opened ? "opened"
		      : sc->counts[FATE_NEW] ? "attached"
		      : sc->counts[FATE_RESOLVED] ? "resolved"
		      : sc->counts[FATE_DUPLICATE] ? "duplicate" : "ignored";
	snprintf(message, sizeof(message), "%zu alerts: %zu new, %zu repeated, %zu resolved, %zu ignored",
		 b->nalerts, sc->counts[FATE_NEW], sc->counts[FATE_DUPLICATE],
		 sc->counts[FATE_RESOLVED], sc->counts[FATE_IGNORED]);
	if (log_append(c, ig->id, cmd->now, sc->outcome, group_incident, message, sc->payload) != 0)
		goto io;
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	if (sc->group_loaded)
		incident_free(&sc->group_inc);
	sc->group_loaded = false;
	free(fates);
	free(targets);
	return rc;
}

/* The Bearer token of an Authorization header into `out`; -1 when there is none. */
static int bearer_token(const char *header, char *out, size_t outlen)
{
	size_t len;

	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return -1;
	header += 7;
	while (*header == ' ')
		header++;
	len = strlen(header);
	while (len > 0 && header[len - 1] == ' ')
		len--;
	if (len == 0 || len >= outlen || len > INTAKE_TOKEN_MAX)
		return -1;
	memcpy(out, header, len);
	out[len] = '\0';
	return 0;
}

static int unauthenticated(struct api_error *err)
{
	/* The same answer whether the integration is unknown or the token wrong. */
	return api_error_set(err, 401, "unauthenticated", NULL,
			     "unknown integration or wrong token (Authorization: Bearer <integration token>)");
}

/* Records a refused delivery; a failure to log changes nothing in the answer. */
static void log_refusal(struct app *app, int64_t integration, const char *outcome,
			const char *message, const char *payload)
{
	struct log_cmd lc = {.integration = integration, .now = app_now(app), .outcome = outcome,
			     .message = message, .payload = payload};

	(void)store_write(app->store, cmd_log, &lc);
}

int intake_signal(struct app *app, const char *id_text, const char *authorization,
		  const char *body, size_t len, json_t **out, struct api_error *err)
{
	struct integration ig;
	struct signal_batch batch;
	struct signal_cmd sc;
	struct store_conn *c;
	unsigned char hash[HASH_BYTES];
	char token[INTAKE_TOKEN_MAX + 1], *payload = NULL, inc_id[32];
	const char *cursor = id_text;
	uint64_t id = 0;
	json_t *doc = NULL;
	bool have_token, found;
	int rc;

	memset(&ig, 0, sizeof(ig));
	memset(&batch, 0, sizeof(batch));
	if (sodium_init() < 0)
		return api_error_set(err, 500, "internal", NULL, "the hash is unavailable");
	if (parse_u64(&cursor, &id, INT64_MAX) != 0 || *cursor != '\0')
		id = 0;
	have_token = bearer_token(authorization, token, sizeof(token)) == 0;
	if (id == 0)
		return unauthenticated(err);
	c = store_read_begin(app->store);
	rc = integration_load(c, (int64_t)id, &ig);
	store_read_end(app->store, c);
	if (rc < 0)
		return io_error(err);
	found = rc == 1;
	token_hash(have_token ? token : "", hash);
	sodium_memzero(token, sizeof(token));
	/* Constant time, and the hash is computed whether or not the integration exists. */
	if (!found || !have_token || sodium_memcmp(hash, ig.token_hash, HASH_BYTES) != 0) {
		if (found)
			log_refusal(app, ig.id, "unauthorized", "wrong or missing token", "");
		integration_free(&ig);
		return unauthenticated(err);
	}
	payload = malloc(SIGNAL_LOG_PAYLOAD_MAX + 1);
	if (payload == NULL) {
		rc = api_error_set(err, 500, "internal", NULL, "out of memory");
		goto done;
	}
	{
		size_t keep = signal_trim_len(body ? body : "", body ? len : 0, SIGNAL_LOG_PAYLOAD_MAX);

		memcpy(payload, body ? body : "", keep);
		payload[keep] = '\0';
		/* A NUL inside the body would cut the copy: harmless, the body is refused anyway. */
	}
	if (json_parse_body(body ? body : "", body ? len : 0, &doc, err) != 0 ||
	    signal_parse(ig.kind, doc, ig.severity_label, &batch, err) != 0) {
		if (err->status == 400)
			log_refusal(app, ig.id, "rejected", err->message, payload);
		rc = -1;
		goto done;
	}
	memset(&sc, 0, sizeof(sc));
	sc.base = (struct cmd){.app = app, .actor = ig.name, .now = app_now(app), .err = err};
	sc.ig = &ig;
	sc.b = &batch;
	sc.payload = payload;
	rc = store_write(app->store, cmd_signal, &sc);
	if (rc != 0) {
		json_decref(sc.base.result);
		if (rc == STORE_ERR_IO)
			io_error(err);
		rc = -1;
		goto done;
	}
	json_decref(sc.base.result);
	incident_id_format(sc.incident, inc_id);
	*out = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I}", "outcome", sc.outcome, "incident",
			 sc.incident > 0 ? json_string(inc_id) : json_null(), "alerts",
			 (json_int_t)batch.nalerts, "new", (json_int_t)sc.counts[FATE_NEW], "duplicates",
			 (json_int_t)sc.counts[FATE_DUPLICATE], "resolved",
			 (json_int_t)sc.counts[FATE_RESOLVED], "ignored",
			 (json_int_t)sc.counts[FATE_IGNORED]);
	rc = *out ? 0 : api_error_set(err, 500, "internal", NULL, "out of memory");
done:
	signal_batch_free(&batch);
	json_decref(doc);
	free(payload);
	integration_free(&ig);
	return rc;
}

/* ---- run cards ---- */

/* The stored card of (level, service), version 0 = latest, as a card view; 1 found, 0 not,
 * -1 the store did not answer. */
static int runcard_load(struct store_conn *c, int level, const char *service, int64_t version,
			json_t **out)
{
	struct store_stmt *st = version > 0
		? store_bind(c, STMT_RUNCARD_VERSION, "iti", (int64_t)level, service, version)
		: store_bind(c, STMT_RUNCARD_LATEST, "it", (int64_t)level, service);
	int rc;

	*out = NULL;
	if (st == NULL)
		return -1;
	rc = store_step(st);
	if (rc == 1) {
		json_t *card = json_loads(store_col_text(st, 2), 0, NULL);

		if (!json_is_object(card) ||
		    json_object_update_new(card, json_pack("{s:I, s:i, s:o, s:I, s:o, s:s, s:b}", "id",
						       (json_int_t)store_col_int(st, 0), "alarmLevel",
						       level, "service", json_string_or_null(*service ? service : NULL),
						       "version", (json_int_t)store_col_int(st, 1),
						       "createdAt", json_time_or_null(store_col_int(st, 3)),
						       "createdBy", store_col_text(st, 4), "default", 0)) != 0) {
			json_decref(card);
			rc = -1;
		} else {
			*out = card;
		}
	}
	store_reset(st);
	return rc;
}

static json_t *runcard_builtin(int level)
{
	json_t *card = runcard_default(level);

	if (card && json_object_update_new(card, json_pack("{s:n, s:i, s:n, s:i, s:n, s:n, s:b}", "id",
						       "alarmLevel", level, "service", "version", 0,
						       "createdAt", "createdBy", "default", 1)) != 0) {
		json_decref(card);
		return NULL;
	}
	return card;
}

int intake_runcard_get(struct app *app, int level, const char *service, int64_t version,
		       json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	int rc = runcard_load(c, level, service ? service : "", version, out);

	store_read_end(app->store, c);
	if (rc < 0)
		return io_error(err);
	if (rc == 0 && version > 0)
		return api_error_set(err, 404, "not_found", NULL, "no version %lld of the Box %d run card",
				     (long long)version, level);
	if (rc == 0)
		*out = runcard_builtin(level);
	return *out ? 0 : api_error_set(err, 500, "internal", NULL, "out of memory");
}

struct runcard_cmd {
	struct cmd base;
	int level;
	const char *service;
	const char *body;
};

static int cmd_runcard_put(struct store_conn *c, void *arg)
{
	struct runcard_cmd *rc = arg;
	struct store_stmt *st = store_bind(c, STMT_RUNCARD_INSERT, "ittit", (int64_t)rc->level,
					   rc->service, rc->body, rc->base.now, rc->base.actor);
	int step;

	if (st == NULL)
		return io_error(rc->base.err);
	step = store_step(st);
	store_reset(st);
	if (step != 1)
		return io_error(rc->base.err);
	return runcard_load(c, rc->level, rc->service, 0, &rc->base.result) == 1
		       ? 0 : io_error(rc->base.err);
}

int intake_runcard_put(struct app *app, const char *actor, int level, json_t *body,
		       json_t **out, struct api_error *err)
{
	struct runcard_cmd rc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
				 .level = level};
	json_t *card = NULL, *service = json_object_get(body, "service");
	char *text = NULL;
	int result = -1;

	if (service != NULL && !json_is_null(service) &&
	    (!json_is_string(service) || utf8_length(json_string_value(service)) > INCIDENT_SHORT_MAX))
		return api_error_set(err, 400, "invalid_field", "service",
				     "service must be a string of at most %d characters", INCIDENT_SHORT_MAX);
	if (runcard_normalize(body, &card, err) != 0)
		return -1;
	text = json_to_text(card);
	if (text == NULL) {
		api_error_set(err, 500, "internal", NULL, "out of memory");
		goto done;
	}
	rc.service = json_is_string(service) ? json_string_value(service) : "";
	rc.body = text;
	result = run_command(&rc.base, cmd_runcard_put, out);
done:
	free(text);
	json_decref(card);
	return result;
}

int intake_runcard_fire(struct store_conn *c, struct incident *inc, int64_t now, json_t **pages,
			char *note, size_t notelen, struct api_error *err)
{
	int level = doctrine_alarm_level(inc->severity), rc = 0;
	json_t *card = NULL, *skipped = NULL;
	size_t assigned = 0;

	*pages = NULL;
	/* The first affected system with a card of its own narrows the choice. */
	for (size_t i = 0; i < inc->naffected_systems && rc == 0; i++)
		rc = runcard_load(c, level, inc->affected_systems[i], 0, &card);
	if (rc == 0)
		rc = runcard_load(c, level, "", 0, &card);
	if (rc < 0)
		return io_error(err);
	if (rc == 0)
		card = runcard_builtin(level);
	if (card == NULL)
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	for (int r = 0; r < ROLE__MAX; r++)
		assigned += inc->roles[r] == NULL;
	if (runcard_apply(card, inc, now, &skipped) != 0) {
		json_decref(card);
		json_decref(skipped);
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	}
	for (int r = 0; r < ROLE__MAX; r++)
		assigned -= inc->roles[r] == NULL;
	*pages = json_incref(json_object_get(card, "page"));
	if (json_is_true(json_object_get(card, "default")))
		snprintf(note, notelen, "run card Box %d (default) fired", level);
	else
		snprintf(note, notelen, "run card Box %d%s%s v%lld fired: %zu roles pre-assigned, %zu teams paged",
			 level, json_string_value(json_object_get(card, "service")) ? " for " : "",
			 json_string_value(json_object_get(card, "service"))
				 ? json_string_value(json_object_get(card, "service")) : "",
			 (long long)json_integer_value(json_object_get(card, "version")), assigned,
			 json_array_size(*pages));
	json_decref(card);
	json_decref(skipped);
	return 0;
}

int intake_runcard_page(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
			int64_t now, const json_t *pages)
{
	size_t i;
	json_t *team;

	json_array_foreach((json_t *)pages, i, team) {
		int64_t id;
		bool paged = false;

		/* A configured on-call team: a real page of whoever is on call now (pages.h),
		 * delivered by the outbox.  Otherwise the team itself is recorded as paged. */
		if (pages_runcard_team(c, cmd, inc, json_string_value(team), &paged) != 0)
			return -1;
		if (paged)
			continue;
		if (store_query_int(c, &id, 0, STMT_RESPONDER_INSERT, "ittttzzzzzi", inc->number,
				    (const char *)NULL, json_string_value(team), (const char *)NULL,
				    responder_state_name(RESPONDER_PAGED), now, (int64_t)0, (int64_t)0,
				    (int64_t)0, (int64_t)0, now) != 0)
			return -1;
	}
	return 0;
}

/* ---- the incident's view ---- */

static json_t *alerts_view(struct store_conn *c, const struct incident *inc, bool *failed)
{
	json_t *state = inc->command_json ? json_loads(inc->command_json, 0, NULL) : NULL;
	bool from_alerts = json_object_get(state, "alertSource") != NULL;
	struct store_stmt *st;
	int64_t received = 0, firing = 0, resolved = 0, last = 0;
	char notice[160] = "", iso[TIME_ISO_MAX];
	int step;

	json_decref(state);
	if (!from_alerts)
		return json_null();
	st = store_bind(c, STMT_ALERT_SUMMARY, "i", inc->number);
	if (st == NULL)
		goto fail;
	step = store_step(st);
	if (step == 1) {
		received = store_col_int(st, 0);
		firing = store_col_int(st, 1);
		resolved = store_col_int(st, 2);
		last = store_col_int(st, 3);
	}
	store_reset(st);
	if (step < 0)
		goto fail;
	if (firing == 0 && resolved > 0) {
		time_to_iso(last, iso);
		snprintf(notice, sizeof(notice), "alert resolved at %.5s UTC — validate before closing",
			 iso + 11);
	}
	return json_pack("{s:I, s:I, s:I, s:o, s:o}", "received", (json_int_t)received, "firing",
			 (json_int_t)firing, "resolved", (json_int_t)resolved, "lastAt",
			 json_time_or_null(last), "notice", json_string_or_null(*notice ? notice : NULL));
fail:
	*failed = true;
	return NULL;
}

int intake_view(struct store_conn *c, const struct incident *inc, json_t *view)
{
	bool failed = false;
	json_t *alerts = alerts_view(c, inc, &failed);

	if (failed || json_object_set_new(view, "alerts", alerts) != 0)
		return -1;
	return json_object_set_new(view, "runCard", runcard_of_incident(inc));
}
