/*
 * The public filter and the public renderers (see statuspage.h).  Pure: the only inputs are
 * the arguments; the only outputs are new JSON objects and bytes appended to buffers.
 */
#include "statuspage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "incident.h"
#include "json.h"
#include "parse.h"

#define DAY_MS ((int64_t)24 * 60 * 60 * 1000)
#define HUMAN_TIME_MAX 64
#define ID_MAX 32

/* ================================================================ small helpers */

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t time_of(const json_t *o, const char *key)
{
	const char *s = str_of(o, key);
	int64_t ms;

	if (s && time_from_iso(s, &ms) == 0)
		return ms;
	return TIME_NONE;
}

static int64_t int_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* json_object_set_new that remembers a failure instead of checking every call. */
static void set(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL) {
		*failed = 1;
		return;
	}
	if (json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A time copied through the parser, so only a well-formed instant ever crosses. */
static json_t *time_copy(const json_t *src, const char *key)
{
	return json_time_or_null(time_of(src, key));
}

static bool is_http_url(const char *s)
{
	return s && (strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0);
}

static bool one_of(const char *s, const char *const *names)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static const char *const status_words[] = {"investigating", "identified", "monitoring", "resolved",
					   NULL};
static const char *const kind_words[] = {"milestone", "holding", "resolution", NULL};
/* Entry types a public entry may show (SPEC §6); anything else shows as an action. */
static const char *const entry_types[] = {"alert", "phase", "update", "command", "action", "can",
					  "track", "hypothesis", "page", "severity", "guardrail",
					  NULL};
static const char *const maintenance_states[] = {"scheduled", "in_progress", "verifying",
						 "completed", NULL};

/* 64-bit FNV-1a: ids and ETags only need to be stable and well spread, not secret. */
static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_SEED 0xcbf29ce484222325ULL

/* A Statuspage-style opaque id: 12 lowercase base-36 characters. */
static void opaque_id(const char *salt, const char *text, char out[13])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t h = fnv1a(text, strlen(text), fnv1a(salt, strlen(salt), FNV_SEED));

	for (int i = 0; i < 12; i++) {
		out[i] = digits[h % 36];
		h /= 36;
		if (h == 0)
			h = fnv1a(out, (size_t)i + 1, FNV_SEED);
	}
	out[12] = '\0';
}

void statuspage_etag(const void *data, size_t len, char out[STATUSPAGE_ETAG_MAX])
{
	snprintf(out, STATUSPAGE_ETAG_MAX, "\"%016llx-%zx\"",
		 (unsigned long long)fnv1a(data, len, FNV_SEED), len);
}

/* ================================================================ the filter */

bool statuspage_entry_is_public(const json_t *entry)
{
	const char *v = str_of(entry, "visibility");

	return v && strcmp(v, "public") == 0;
}

bool statuspage_update_is_public(const json_t *update)
{
	const char *a = str_of(update, "audience");

	return a && strcmp(a, "public") == 0;
}

/* The public core of an incident: what may be said of it without its updates and entries.
 * NULL when the incident is unreadable (fail closed) or out of memory. */
static json_t *public_core(const json_t *inc)
{
	json_t *o = json_object(), *systems = json_array(), *phase = json_object();
	const json_t *src_systems = json_object_get(inc, "affectedSystems");
	const json_t *src_phase = json_object_get(inc, "phase");
	const char *severity = str_of(inc, "severity"), *status = str_of(inc, "status");
	const char *bridge = str_of(inc, "bridgeUrl");
	int64_t number = int_of(inc, "number"), phase_number = int_of(src_phase, "number");
	enum severity sev;
	enum status st;
	char id[ID_MAX];
	int failed = 0;
	size_t i;
	const json_t *v;

	if (o == NULL || systems == NULL || phase == NULL || number <= 0 ||
	    severity_parse(severity, &sev) != 0 || status_parse(status, &st) != 0 ||
	    phase_number < PHASE_FIRST || phase_number > PHASE_LAST)
		goto fail;
	snprintf(id, sizeof(id), "INC-%lld", (long long)number);
	json_array_foreach(src_systems, i, v) {
		if (json_is_string(v) && json_array_append_new(systems, json_string(json_string_value(v))) != 0)
			goto fail;
	}
	set(phase, "number", json_integer(phase_number), &failed);
	set(phase, "name", json_string(phase_name((int)phase_number)), &failed);
	set(o, "id", json_string(id), &failed);
	set(o, "number", json_integer(number), &failed);
	set(o, "title", string_or_null(str_of(inc, "title")), &failed);
	set(o, "severity", json_string(severity_name(sev)), &failed);
	set(o, "status", json_string(status_name(st)), &failed);
	set(o, "phase", phase, &failed);
	phase = NULL;
	set(o, "affectedSystems", systems, &failed);
	systems = NULL;
	/* The bridge is public only when the MIM said so, and only as a web link. */
	if (json_is_true(json_object_get(inc, "bridgePublic")) && is_http_url(bridge))
		set(o, "bridgeUrl", json_string(bridge), &failed);
	set(o, "startedAt", time_copy(inc, "startedAt"), &failed);
	set(o, "openedAt", time_copy(inc, "openedAt"), &failed);
	set(o, "resolvedAt", time_copy(inc, "resolvedAt"), &failed);
	if (failed)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(systems);
	json_decref(phase);
	return NULL;
}

static json_t *public_update(const json_t *u, const char *status)
{
	const char *kind = str_of(u, "kind");
	json_t *o = json_object();
	int failed = 0;

	if (o == NULL)
		return NULL;
	set(o, "id", json_integer(int_of(u, "id")), &failed);
	set(o, "at", time_copy(u, "at"), &failed);
	set(o, "body", json_string(str_of(u, "body") ? str_of(u, "body") : ""), &failed);
	set(o, "kind", json_string(one_of(kind, kind_words) ? kind : "milestone"), &failed);
	set(o, "status", json_string(status), &failed);
	set(o, "nextUpdateEta", time_copy(u, "nextUpdateEta"), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *public_entry(const json_t *e)
{
	const char *type = str_of(e, "type");
	json_t *o = json_object();
	int failed = 0;

	if (o == NULL)
		return NULL;
	set(o, "id", json_integer(int_of(e, "id")), &failed);
	set(o, "at", time_copy(e, "at"), &failed);
	set(o, "type", json_string(one_of(type, entry_types) ? type : "action"), &failed);
	set(o, "text", json_string(str_of(e, "text") ? str_of(e, "text") : ""), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void latest(int64_t *acc, int64_t t)
{
	if (t > *acc)
		*acc = t;
}

json_t *statuspage_public_incident(const json_t *incident, const json_t *updates,
				   const json_t *entries)
{
	json_t *o = NULL, *ups = json_array(), *ents = json_array();
	const char *status = "investigating", *now_status;
	int64_t updated, monitoring_at = TIME_NONE, eta = TIME_NONE;
	size_t i, npublic = 0;
	const json_t *v;
	int failed = 0;

	if (ups == NULL || ents == NULL || !json_is_object(incident))
		goto fail;
	/* A drill never reaches the public; a missing flag counts as a drill. */
	if (!json_is_false(json_object_get(incident, "drill")))
		goto fail;
	o = public_core(incident);
	if (o == NULL)
		goto fail;
	now_status = str_of(o, "status");
	updated = time_of(o, "openedAt");
	latest(&updated, time_of(o, "resolvedAt"));
	json_array_foreach(updates, i, v) {
		const char *explicit = str_of(v, "status");
		json_t *pu;

		if (!statuspage_update_is_public(v))
			continue;
		npublic++;
		/* An update's status is the one it set, else the one before it (Statuspage's
		 * incident_updates each carry the incident status of their moment), derived
		 * from public updates only. */
		if (one_of(explicit, status_words))
			status = explicit;
		else if (strcmp(str_of(v, "kind") ? str_of(v, "kind") : "", "resolution") == 0 &&
			 strcmp(now_status, "resolved") == 0)
			status = "resolved";
		pu = public_update(v, status);
		if (pu == NULL || json_array_append_new(ups, pu) != 0)
			goto fail;
		latest(&updated, time_of(v, "at"));
		if (monitoring_at == TIME_NONE && strcmp(status, "monitoring") == 0)
			monitoring_at = time_of(v, "at");
		eta = time_of(v, "nextUpdateEta");
	}
	json_array_foreach(entries, i, v) {
		json_t *pe;
		const char *type = str_of(v, "type");

		if (!statuspage_entry_is_public(v))
			continue;
		npublic++;
		/* A published update writes a public "update" entry too; show the update once. */
		if (type && strcmp(type, "update") == 0)
			continue;
		pe = public_entry(v);
		if (pe == NULL || json_array_append_new(ents, pe) != 0)
			goto fail;
		latest(&updated, time_of(v, "at"));
	}
	if (npublic == 0 && !json_is_true(json_object_get(incident, "externalImpact")))
		goto fail;
	if (strcmp(now_status, "resolved") == 0)
		eta = TIME_NONE;
	set(o, "updatedAt", json_time_or_null(updated), &failed);
	set(o, "monitoringAt", json_time_or_null(monitoring_at), &failed);
	set(o, "nextUpdateEta", json_time_or_null(eta), &failed);
	set(o, "updates", ups, &failed);
	ups = NULL;
	set(o, "entries", ents, &failed);
	ents = NULL;
	if (failed)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(ups);
	json_decref(ents);
	return NULL;
}

/* The public face of a configured component in an event: {id, name, description,
 * position} (its status on the page depends on the incidents too: the page says it). */
static json_t *public_component_ref(const json_t *c)
{
	json_t *o = json_object();
	char id[ID_MAX];
	int failed = 0;

	if (o == NULL || str_of(c, "name") == NULL || int_of(c, "id") <= 0) {
		json_decref(o);
		return NULL;
	}
	snprintf(id, sizeof(id), "%lld", (long long)int_of(c, "id"));
	set(o, "id", json_string(id), &failed);
	set(o, "name", json_string(str_of(c, "name")), &failed);
	set(o, "description", string_or_null(str_of(c, "description")), &failed);
	set(o, "position", json_integer(int_of(c, "position")), &failed);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* component.changed / maintenance.changed (components.h): {type, at, component|maintenance},
 * the maintenance as its public model.  1, 0 when the object is unreadable, -1. */
static int page_config_event(const char *type, const json_t *ev, json_t **out,
			     const char **out_type)
{
	bool maint = strcmp(type, "maintenance.changed") == 0;
	json_t *o, *obj;
	int failed = 0;

	obj = maint ? statuspage_public_maintenance(json_object_get(ev, "maintenance"))
		    : public_component_ref(json_object_get(ev, "component"));
	if (obj == NULL)
		return 0; /* fail closed: nothing is said of what cannot be read */
	o = json_object();
	if (o == NULL) {
		json_decref(obj);
		return -1;
	}
	*out_type = maint ? "maintenance.changed" : "component.changed";
	set(o, "type", json_string(*out_type), &failed);
	set(o, "at", time_copy(ev, "at"), &failed);
	set(o, maint ? "maintenance" : "component", obj, &failed);
	if (failed) {
		json_decref(o);
		return -1;
	}
	*out = o;
	return 1;
}

int statuspage_public_event(const char *type, const char *visibility, const char *payload,
			    json_t **out, const char **out_type)
{
	static const char *const state_events[] = {"incident.opened", "incident.updated",
						   "incident.phase", "incident.reopened", NULL};
	static const char *const public_types[] = {"update.published", "timeline.entry",
						   "component.changed", "maintenance.changed", NULL};
	json_t *ev = NULL, *o = NULL, *core = NULL, *extra = NULL;
	const json_t *state;
	const char *extra_key = NULL;
	bool public_visibility = visibility && strcmp(visibility, "public") == 0;
	int failed = 0, rc = 0;

	*out = NULL;
	*out_type = NULL;
	if (type == NULL || payload == NULL)
		return 0;
	/* Decided by type and visibility alone for most events (every internal entry, role,
	 * responder, alert, …): nothing public, without parsing the payload — the writer
	 * thread publishes each committed event through here. */
	if (public_visibility ? !one_of(type, public_types) : !one_of(type, state_events))
		return 0;
	ev = json_loads(payload, 0, NULL);
	if (ev == NULL)
		return -1;
	if (public_visibility && (strcmp(type, "component.changed") == 0 ||
				  strcmp(type, "maintenance.changed") == 0)) {
		rc = page_config_event(type, ev, out, out_type);
		goto done;
	}
	state = json_object_get(ev, "incidentState");
	if (!json_is_object(state) || !json_is_false(json_object_get(state, "drill")))
		goto done;
	if (public_visibility && strcmp(type, "update.published") == 0) {
		const json_t *u = json_object_get(ev, "update");
		const char *st = str_of(u, "status");

		if (!statuspage_update_is_public(u))
			goto done;
		/* At its own moment the incident's status is the update's status. */
		if (!one_of(st, status_words))
			st = str_of(state, "status");
		extra = public_update(u, one_of(st, status_words) ? st : "investigating");
		extra_key = "update";
		*out_type = "update.published";
	} else if (public_visibility && strcmp(type, "timeline.entry") == 0) {
		const json_t *e = json_object_get(ev, "entry");

		if (!statuspage_entry_is_public(e))
			goto done;
		extra = public_entry(e);
		extra_key = "entry";
		*out_type = "timeline.entry";
	} else if (!public_visibility && one_of(type, state_events) &&
		   json_is_true(json_object_get(state, "externalImpact"))) {
		for (size_t i = 0; state_events[i]; i++)
			if (strcmp(type, state_events[i]) == 0)
				*out_type = state_events[i];
	} else {
		goto done;
	}
	core = public_core(state);
	o = json_object();
	if (core == NULL || o == NULL || (extra_key && extra == NULL)) {
		rc = -1;
		goto done;
	}
	set(o, "type", json_string(*out_type), &failed);
	set(o, "incident", json_string(str_of(core, "id")), &failed);
	set(o, "at", time_copy(ev, "at"), &failed);
	set(o, "incidentState", core, &failed);
	core = NULL;
	if (extra_key) {
		set(o, extra_key, extra, &failed);
		extra = NULL;
	}
	if (failed) {
		rc = -1;
		goto done;
	}
	*out = o;
	o = NULL;
	rc = 1;
done:
	if (rc != 1)
		*out_type = NULL;
	json_decref(o);
	json_decref(core);
	json_decref(extra);
	json_decref(ev);
	return rc;
}

json_t *statuspage_public_maintenance(const json_t *m)
{
	const char *state = str_of(m, "state"), *title = str_of(m, "title");
	json_t *o = json_object(), *comps = json_array();
	const json_t *v;
	size_t i;
	int failed = 0;

	if (o == NULL || comps == NULL || title == NULL || !one_of(state, maintenance_states) ||
	    int_of(m, "id") <= 0)
		goto fail;
	json_array_foreach(json_object_get(m, "components"), i, v) {
		if (json_is_string(v) && json_array_append_new(comps, json_string(json_string_value(v))) != 0)
			goto fail;
	}
	set(o, "id", json_integer(int_of(m, "id")), &failed);
	set(o, "name", json_string(title), &failed);
	set(o, "status", json_string(state), &failed);
	set(o, "body", string_or_null(str_of(m, "body")), &failed);
	set(o, "components", comps, &failed);
	comps = NULL;
	set(o, "scheduledFor", time_copy(m, "scheduledFor"), &failed);
	set(o, "scheduledUntil", time_copy(m, "scheduledUntil"), &failed);
	set(o, "startedAt", time_copy(m, "startedAt"), &failed);
	set(o, "completedAt", time_copy(m, "completedAt"), &failed);
	set(o, "createdAt", time_copy(m, "createdAt"), &failed);
	set(o, "updatedAt", time_copy(m, "updatedAt"), &failed);
	if (failed)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(comps);
	return NULL;
}

/* ================================================================ components */

/* Component statuses from best to worst; the index is the rank. */
static const char *const component_statuses[] = {"operational", "under_maintenance",
						 "degraded_performance", "partial_outage",
						 "major_outage", NULL};

static int component_rank(const char *status)
{
	for (int i = 0; component_statuses[i]; i++)
		if (status && strcmp(status, component_statuses[i]) == 0)
			return i;
	return 0;
}

const char *statuspage_component_status(const char *severity)
{
	enum severity s;

	if (severity_parse(severity, &s) != 0)
		return NULL;
	switch (s) {
	case SEVERITY_CRITICAL: return "major_outage";
	case SEVERITY_HIGH: return "partial_outage";
	case SEVERITY_MEDIUM: return "degraded_performance";
	default: return "operational";
	}
}

const char *statuspage_impact(const char *severity)
{
	enum severity s;

	if (severity_parse(severity, &s) != 0)
		return NULL;
	switch (s) {
	case SEVERITY_CRITICAL: return "critical";
	case SEVERITY_HIGH: return "major";
	case SEVERITY_MEDIUM: return "minor";
	default: return "none";
	}
}

static bool is_resolved(const json_t *inc)
{
	const char *st = str_of(inc, "status");

	return st && strcmp(st, "resolved") == 0;
}

int statuspage_attach_postmortem(json_t *model, const json_t *postmortem)
{
	json_t *pm, *sections;
	const json_t *v;
	size_t i;

	if (!json_is_object(model) || !is_resolved(model) || !json_is_object(postmortem) ||
	    time_of(postmortem, "publishedAt") == TIME_NONE)
		return 0;
	sections = json_array();
	pm = json_pack("{s:o, s:o}", "publishedAt", time_copy(postmortem, "publishedAt"), "sections",
		       sections);
	if (pm == NULL)
		return -1;
	json_array_foreach(json_object_get(postmortem, "sections"), i, v) {
		json_t *o;

		if (str_of(v, "heading") == NULL || str_of(v, "text") == NULL)
			continue;
		o = json_pack("{s:s, s:s}", "heading", str_of(v, "heading"), "text", str_of(v, "text"));
		if (o == NULL || json_array_append_new(sections, o) != 0) {
			json_decref(pm);
			return -1;
		}
	}
	return json_object_set_new(model, "postmortem", pm);
}

static bool names_system(const json_t *list, const char *name)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return true;
	}
	return false;
}

static json_t *find_by_name(const json_t *components, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(components, i, c) {
		if (str_of(c, "name") && strcmp(str_of(c, "name"), name) == 0)
			return c;
	}
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Status and times of one component from the incidents and maintenances. */
static int component_settle(json_t *c, const json_t *explicit_status, const json_t *incidents,
			    const json_t *maintenances)
{
	const char *name = str_of(c, "name");
	const char *status = "operational";
	int64_t created = time_of(c, "createdAt"), updated = time_of(c, "updatedAt");
	const json_t *inc, *m;
	size_t i;
	int failed = 0;

	json_array_foreach(incidents, i, inc) {
		const char *derived;

		if (!names_system(json_object_get(inc, "affectedSystems"), name))
			continue;
		latest(&updated, time_of(inc, "updatedAt"));
		if (created == TIME_NONE || (time_of(inc, "openedAt") != TIME_NONE &&
					     time_of(inc, "openedAt") < created))
			created = time_of(inc, "openedAt");
		if (is_resolved(inc))
			continue;
		derived = statuspage_component_status(str_of(inc, "severity"));
		if (derived && component_rank(derived) > component_rank(status))
			status = derived;
	}
	if (json_is_string(explicit_status) &&
	    one_of(json_string_value(explicit_status), component_statuses))
		status = json_string_value(explicit_status);
	json_array_foreach(maintenances, i, m) {
		const char *ms = str_of(m, "status");

		if (!names_system(json_object_get(m, "components"), name))
			continue;
		/* Its status changed when a maintenance naming it started or ended. */
		latest(&updated, time_of(m, "startedAt"));
		latest(&updated, time_of(m, "completedAt"));
		if (ms && (strcmp(ms, "in_progress") == 0 || strcmp(ms, "verifying") == 0) &&
		    strcmp(status, "operational") == 0)
			status = "under_maintenance";
	}
	set(c, "status", json_string(status), &failed);
	set(c, "createdAt", json_time_or_null(created), &failed);
	set(c, "updatedAt", json_time_or_null(updated), &failed);
	return failed ? -1 : 0;
}

json_t *statuspage_components(const json_t *incidents, const json_t *configured,
			      const json_t *maintenances)
{
	json_t *out = json_array();
	const char **names = NULL;
	size_t nnames = 0, cap = 0, i, j;
	int64_t position = 0;
	const json_t *v, *inc;
	int failed = 0;

	if (out == NULL)
		return NULL;
	json_array_foreach(configured, i, v) {
		json_t *c = json_object();
		const char *name = str_of(v, "name");
		char id[ID_MAX];

		if (c == NULL)
			goto fail;
		if (name == NULL) {
			json_decref(c);
			continue;
		}
		if (int_of(v, "id") > 0)
			snprintf(id, sizeof(id), "%lld", (long long)int_of(v, "id"));
		else
			opaque_id("component:", name, id);
		set(c, "id", json_string(id), &failed);
		set(c, "name", json_string(name), &failed);
		set(c, "description", string_or_null(str_of(v, "description")), &failed);
		set(c, "position", json_integer(int_of(v, "position")), &failed);
		set(c, "createdAt", time_copy(v, "createdAt"), &failed);
		set(c, "updatedAt", time_copy(v, "updatedAt"), &failed);
		if (failed || json_array_append_new(out, c) != 0 ||
		    component_settle(c, json_object_get(v, "status"), incidents, maintenances) != 0)
			goto fail;
		if (int_of(v, "position") > position)
			position = int_of(v, "position");
	}
	/* Systems named by public incidents and not configured become components too, so a
	 * status page without configuration still lists what is affected. */
	json_array_foreach(incidents, i, inc) {
		json_array_foreach(json_object_get(inc, "affectedSystems"), j, v) {
			const char *name = json_string_value(v);
			bool seen = false;

			if (name == NULL || find_by_name(out, name))
				continue;
			for (size_t k = 0; k < nnames && !seen; k++)
				seen = strcmp(names[k], name) == 0;
			if (seen)
				continue;
			if (nnames == cap) {
				const char **grown = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));

				if (grown == NULL)
					goto fail;
				names = grown;
				cap = cap ? cap * 2 : 16;
			}
			names[nnames++] = name;
		}
	}
	if (nnames)
		qsort(names, nnames, sizeof(*names), cmp_names);
	for (i = 0; i < nnames; i++) {
		json_t *c = json_object();
		char id[ID_MAX];

		if (c == NULL)
			goto fail;
		opaque_id("component:", names[i], id);
		set(c, "id", json_string(id), &failed);
		set(c, "name", json_string(names[i]), &failed);
		set(c, "description", json_null(), &failed);
		set(c, "position", json_integer(++position), &failed);
		if (failed || json_array_append_new(out, c) != 0 ||
		    component_settle(c, NULL, incidents, maintenances) != 0)
			goto fail;
	}
	free(names);
	return out;
fail:
	free(names);
	json_decref(out);
	return NULL;
}

/* ================================================================ writing */

/* A writer that remembers its first failure, so renderers read as straight-line markup. */
struct out {
	struct buf *b;
	int failed;
};

static void put(struct out *o, const char *s)
{
	if (!o->failed && buf_append_str(o->b, s) != 0)
		o->failed = 1;
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->failed)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(o->b, fmt, ap) != 0)
		o->failed = 1;
	va_end(ap);
}

int statuspage_escape(struct buf *b, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return 0;
	for (; *s; s++) {
		const char *rep;
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			/* XML 1.0 has no way to write these; they carry nothing a reader needs. */
			rep = ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' ? "" : NULL;
		}
		if (rep == NULL)
			continue;
		if (buf_append(b, run, (size_t)(s - run)) != 0 || buf_append_str(b, rep) != 0)
			return -1;
		run = s + 1;
	}
	return buf_append(b, run, (size_t)(s - run));
}

static void put_esc(struct out *o, const char *s)
{
	if (!o->failed && statuspage_escape(o->b, s) != 0)
		o->failed = 1;
}

static void put_json(struct out *o, json_t *doc)
{
	char *text;

	if (doc == NULL) {
		o->failed = 1;
		return;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH);
	json_decref(doc);
	if (text == NULL) {
		o->failed = 1;
		return;
	}
	/* < > & only occur inside strings in JSON; written as \u escapes the document stays
	 * inert even where someone serves or sniffs it as HTML. */
	for (const char *p = text; *p && !o->failed; p++) {
		if (*p == '<')
			put(o, "\\u003c");
		else if (*p == '>')
			put(o, "\\u003e");
		else if (*p == '&')
			put(o, "\\u0026");
		else if (buf_append_char(o->b, *p) != 0)
			o->failed = 1;
	}
	free(text);
}

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const weekday_names[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};

static void utc_tm(int64_t ms, struct statuspage_tm *t)
{
	int64_t sec = ((ms % DAY_MS) + DAY_MS) % DAY_MS / 1000;

	time_civil(ms, &t->year, &t->month, &t->day);
	t->hour = (int)(sec / 3600);
	t->minute = (int)(sec / 60 % 60);
	t->second = (int)(sec % 60);
	str_copy(t->zone, "UTC", sizeof(t->zone));
}

/* "23 Nov 2026, 14:32 CET": the page's zone, for people. */
static void human_time(const struct statuspage_config *cfg, int64_t ms, char out[HUMAN_TIME_MAX])
{
	struct statuspage_tm t;

	if (cfg->local_time == NULL || cfg->local_time(ms, &t) != 0 || t.month < 1 || t.month > 12)
		utc_tm(ms, &t);
	snprintf(out, HUMAN_TIME_MAX, "%d %s %04d, %02d:%02d %s", t.day, month_names[t.month - 1],
		 t.year, t.hour, t.minute, t.zone);
}

/* RFC 822 for RSS: "Mon, 23 Nov 2026 14:32:05 GMT". */
static void rfc822_time(int64_t ms, char out[HUMAN_TIME_MAX])
{
	struct statuspage_tm t;
	int64_t days = ms >= 0 ? ms / DAY_MS : (ms - DAY_MS + 1) / DAY_MS;

	utc_tm(ms, &t);
	snprintf(out, HUMAN_TIME_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 weekday_names[((days % 7) + 7) % 7], t.day, month_names[t.month - 1], t.year, t.hour,
		 t.minute, t.second);
}

/* <time datetime="ISO">human</time> */
static void put_time(struct out *o, const struct statuspage_config *cfg, int64_t ms)
{
	char iso[TIME_ISO_MAX], human[HUMAN_TIME_MAX];

	if (ms == TIME_NONE) {
		put(o, "—");
		return;
	}
	time_to_iso(ms, iso);
	human_time(cfg, ms, human);
	putf(o, "<time datetime=\"%s\">", iso);
	put_esc(o, human);
	put(o, "</time>");
}

static const char *page_name(const struct statuspage_config *cfg)
{
	return cfg->page_name && *cfg->page_name ? cfg->page_name : STATUSPAGE_DEFAULT_NAME;
}

static const char *base_url(const struct statuspage_config *cfg)
{
	return cfg->public_url ? cfg->public_url : "";
}

static const char *time_zone(const struct statuspage_config *cfg)
{
	return cfg->time_zone && *cfg->time_zone ? cfg->time_zone : STATUSPAGE_DEFAULT_TZ;
}

static void page_id(const struct statuspage_config *cfg, char out[13])
{
	opaque_id("page:", *base_url(cfg) ? base_url(cfg) : page_name(cfg), out);
}

/* The latest public time in the snapshot: page.updated_at, stable while nothing public
 * changes (so the ETag is too). */
static int64_t page_updated(const struct statuspage_snapshot *s)
{
	int64_t t = TIME_NONE;
	const json_t *v;
	size_t i;

	json_array_foreach(s->incidents, i, v) {
		latest(&t, time_of(v, "updatedAt"));
	}
	json_array_foreach(s->components, i, v) {
		latest(&t, time_of(v, "updatedAt"));
	}
	json_array_foreach(s->maintenances, i, v) {
		latest(&t, time_of(v, "updatedAt"));
	}
	return t != TIME_NONE ? t : s->config->epoch;
}

/* ================================================================ the overall status */

static const char *const indicators[] = {"none", "minor", "major", "critical"};
static const char *const indicator_sentences[] = {"All Systems Operational", "Minor Service Outage",
						  "Partial System Outage", "Major Service Outage"};

static int impact_level(const char *impact)
{
	for (int i = 0; i < 4; i++)
		if (impact && strcmp(impact, indicators[i]) == 0)
			return i;
	return 0;
}

static bool maintenance_running(const json_t *m)
{
	const char *st = str_of(m, "status");

	return st && (strcmp(st, "in_progress") == 0 || strcmp(st, "verifying") == 0);
}

const char *statuspage_indicator(const struct statuspage_snapshot *s, const char **description)
{
	static const int component_levels[] = {0, 0, 1, 2, 3}; /* by component rank */
	int level = 0;
	bool maintenance = false;
	const json_t *v;
	size_t i;

	json_array_foreach(s->incidents, i, v) {
		int l;

		if (is_resolved(v))
			continue;
		l = impact_level(statuspage_impact(str_of(v, "severity")));
		if (l > level)
			level = l;
	}
	json_array_foreach(s->components, i, v) {
		int l = component_levels[component_rank(str_of(v, "status"))];

		if (l > level)
			level = l;
	}
	json_array_foreach(s->maintenances, i, v) {
		maintenance = maintenance || maintenance_running(v);
	}
	if (description)
		*description = level == 0 && maintenance ? "Service Under Maintenance"
							 : indicator_sentences[level];
	return indicators[level];
}

/* ================================================================ Statuspage v2 JSON */

static json_t *sp_page(const struct statuspage_snapshot *s)
{
	char id[13];

	page_id(s->config, id);
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "name", page_name(s->config), "url",
			 base_url(s->config), "time_zone", time_zone(s->config), "updated_at",
			 json_time_or_null(page_updated(s)));
}

static json_t *sp_component(const struct statuspage_snapshot *s, const json_t *c)
{
	char pid[13];

	page_id(s->config, pid);
	return json_pack("{s:s?, s:s?, s:s?, s:O?, s:O?, s:I, s:O?, s:b, s:n, s:n, s:s, s:b, s:b}",
			 "id", str_of(c, "id"), "name", str_of(c, "name"), "status",
			 str_of(c, "status"), "created_at", json_object_get(c, "createdAt"),
			 "updated_at", json_object_get(c, "updatedAt"), "position",
			 (json_int_t)int_of(c, "position"), "description",
			 json_object_get(c, "description"), "showcase", 0, "start_date", "group_id",
			 "page_id", pid, "group", 0, "only_show_if_degraded", 0);
}

/* The body the Statuspage way: the next-update promise written into the text. */
static char *body_with_eta(const struct statuspage_config *cfg, const char *body, int64_t eta)
{
	struct buf b;
	char human[HUMAN_TIME_MAX];

	buf_init(&b, STATUSPAGE_DOC_MAX);
	if (buf_append_str(&b, body ? body : "") != 0)
		return NULL;
	if (eta != TIME_NONE) {
		human_time(cfg, eta, human);
		if (buf_printf(&b, "%sNext update by %s.", b.len ? "\n\n" : "", human) != 0)
			return NULL;
	}
	return buf_detach(&b);
}

static json_t *sp_incident_update(const struct statuspage_snapshot *s, const json_t *inc,
				  const json_t *u)
{
	char id[ID_MAX];
	char *body = body_with_eta(s->config, str_of(u, "body"), time_of(u, "nextUpdateEta"));
	json_t *o;

	if (body == NULL)
		return NULL;
	snprintf(id, sizeof(id), "%lld", (long long)int_of(u, "id"));
	o = json_pack("{s:s, s:s?, s:s, s:s?, s:O?, s:O?, s:O?, s:n, s:b, s:n, s:n, s:O?}", "id", id,
		      "status", str_of(u, "status"), "body", body, "incident_id", str_of(inc, "id"),
		      "created_at", json_object_get(u, "at"), "updated_at", json_object_get(u, "at"),
		      "display_at", json_object_get(u, "at"), "affected_components",
		      "deliver_notifications", 1, "custom_tweet", "tweet_id", "next_update_at",
		      json_object_get(u, "nextUpdateEta"));
	free(body);
	return o;
}

/* The components an incident or maintenance names, as Statuspage component objects. */
static json_t *sp_components_of(const struct statuspage_snapshot *s, const json_t *names)
{
	json_t *out = json_array();
	const json_t *v;
	size_t i;

	if (out == NULL)
		return NULL;
	json_array_foreach(names, i, v) {
		const json_t *c = json_is_string(v) ? find_by_name(s->components, json_string_value(v)) : NULL;

		if (c && json_array_append_new(out, sp_component(s, c)) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static void shortlink(const struct statuspage_config *cfg, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/incidents/%s", base_url(cfg), id ? id : "");
}

static json_t *sp_incident(const struct statuspage_snapshot *s, const json_t *inc)
{
	json_t *updates = json_array(), *o;
	const json_t *pm;
	const json_t *list = json_object_get(inc, "updates");
	char pid[13], link[STATUSPAGE_URL_MAX + 64];

	if (updates == NULL)
		return NULL;
	/* Statuspage lists incident_updates newest first. */
	for (size_t i = json_array_size(list); i-- > 0;)
		if (json_array_append_new(updates, sp_incident_update(s, inc, json_array_get(list, i))) != 0) {
			json_decref(updates);
			return NULL;
		}
	page_id(s->config, pid);
	shortlink(s->config, str_of(inc, "id"), link, sizeof(link));
	/* A published After Action is Statuspage's `postmortem` status (issue 10). */
	pm = json_object_get(inc, "postmortem");
	o = json_pack("{s:s?, s:s?, s:s?, s:O?, s:O?, s:O?, s:O?, s:s?, s:s, s:O?, s:s, s:o, s:o, s:O?}",
		      "id", str_of(inc, "id"), "name", str_of(inc, "title"), "status",
		      pm ? "postmortem" : str_of(inc, "status"), "created_at", json_object_get(inc, "openedAt"),
		      "updated_at", json_object_get(inc, "updatedAt"), "monitoring_at",
		      json_object_get(inc, "monitoringAt"), "resolved_at",
		      json_object_get(inc, "resolvedAt"), "impact",
		      statuspage_impact(str_of(inc, "severity")), "shortlink", link, "started_at",
		      json_object_get(inc, "startedAt"), "page_id", pid, "incident_updates", updates,
		      "components", sp_components_of(s, json_object_get(inc, "affectedSystems")),
		      "next_update_at", json_object_get(inc, "nextUpdateEta"));
	if (o && pm) {
		struct buf body;
		const json_t *v;
		size_t i;
		int failed = 0;

		buf_init(&body, STATUSPAGE_DOC_MAX);
		json_array_foreach(json_object_get(pm, "sections"), i, v)
			failed |= buf_printf(&body, "%s## %s\n\n%s\n", i ? "\n" : "", str_of(v, "heading"),
					     str_of(v, "text"));
		set(o, "postmortem_body", failed ? NULL : json_string(body.ptr), &failed);
		set(o, "postmortem_published_at", time_copy(pm, "publishedAt"), &failed);
		buf_free(&body);
		if (failed) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* One incident_update of a maintenance: Statuspage writes one at every state change. */
static int sp_maintenance_update(json_t *updates, const char *mid, int n, const char *status,
				 const json_t *at, const char *body)
{
	char uid[ID_MAX + 8];

	snprintf(uid, sizeof(uid), "%s-%d", mid, n);
	return json_array_append_new(
		updates,
		json_pack("{s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?, s:n, s:b, s:n, s:n}", "id", uid,
			  "status", status, "body", body, "incident_id", mid, "created_at", at,
			  "updated_at", at, "display_at", at, "affected_components",
			  "deliver_notifications", 1, "custom_tweet", "tweet_id"));
}

static json_t *sp_maintenance(const struct statuspage_snapshot *s, const json_t *m)
{
	json_t *updates = json_array();
	char pid[13], id[ID_MAX], link[STATUSPAGE_URL_MAX + 64];
	const char *status = str_of(m, "status");
	int failed = 0;

	if (updates == NULL)
		return NULL;
	page_id(s->config, pid);
	snprintf(id, sizeof(id), "MNT-%lld", (long long)int_of(m, "id"));
	snprintf(link, sizeof(link), "%s/#%s", base_url(s->config), id);
	/* Newest first, Statuspage's words for the steps the MIM took without writing any. */
	if (status && strcmp(status, "completed") == 0)
		failed |= sp_maintenance_update(updates, id, 4, "completed",
						json_object_get(m, "completedAt"),
						"The scheduled maintenance has been completed.");
	if (status && strcmp(status, "verifying") == 0)
		failed |= sp_maintenance_update(updates, id, 3, "verifying",
						json_object_get(m, "updatedAt"),
						"Verification is currently underway for the maintenance items.");
	if (time_of(m, "startedAt") != TIME_NONE)
		failed |= sp_maintenance_update(updates, id, 2, "in_progress",
						json_object_get(m, "startedAt"),
						"Scheduled maintenance is currently in progress. We will "
						"provide updates as necessary.");
	failed |= sp_maintenance_update(updates, id, 1, "scheduled", json_object_get(m, "createdAt"),
					str_of(m, "body") ? str_of(m, "body") : "");
	if (failed) {
		json_decref(updates);
		return NULL;
	}
	return json_pack("{s:s, s:s?, s:s?, s:O?, s:O?, s:n, s:O?, s:s, s:s, s:O?, s:s, s:o, s:o, "
			 "s:O?, s:O?}",
			 "id", id, "name", str_of(m, "name"), "status", status, "created_at",
			 json_object_get(m, "createdAt"), "updated_at", json_object_get(m, "updatedAt"),
			 "monitoring_at", "resolved_at", json_object_get(m, "completedAt"), "impact",
			 "maintenance", "shortlink", link, "started_at",
			 json_object_get(m, "startedAt"), "page_id", pid, "incident_updates", updates,
			 "components", sp_components_of(s, json_object_get(m, "components")),
			 "scheduled_for", json_object_get(m, "scheduledFor"), "scheduled_until",
			 json_object_get(m, "scheduledUntil"));
}

enum incident_pick { PICK_ALL, PICK_UNRESOLVED };
enum maint_pick { MAINT_ALL, MAINT_UPCOMING, MAINT_ACTIVE, MAINT_SUMMARY };

static json_t *sp_incidents(const struct statuspage_snapshot *s, enum incident_pick pick)
{
	json_t *out = json_array();
	const json_t *v;
	size_t i, n = 0;

	json_array_foreach(s->incidents, i, v) {
		if (out == NULL)
			return NULL;
		if (pick == PICK_UNRESOLVED && is_resolved(v))
			continue;
		if (pick == PICK_ALL && n == STATUSPAGE_API_INCIDENTS)
			break;
		if (json_array_append_new(out, sp_incident(s, v)) != 0) {
			json_decref(out);
			return NULL;
		}
		n++;
	}
	return out;
}

static bool maint_wanted(const json_t *m, enum maint_pick pick)
{
	const char *st = str_of(m, "status");

	if (st == NULL)
		return false;
	switch (pick) {
	case MAINT_UPCOMING: return strcmp(st, "scheduled") == 0;
	case MAINT_ACTIVE: return maintenance_running(m);
	case MAINT_SUMMARY: return strcmp(st, "scheduled") == 0 || maintenance_running(m);
	default: return true;
	}
}

static json_t *sp_maintenances(const struct statuspage_snapshot *s, enum maint_pick pick)
{
	json_t *out = json_array();
	const json_t *v;
	size_t i, n = 0;

	json_array_foreach(s->maintenances, i, v) {
		if (out == NULL)
			return NULL;
		if (!maint_wanted(v, pick))
			continue;
		if (n++ == STATUSPAGE_API_INCIDENTS)
			break;
		if (json_array_append_new(out, sp_maintenance(s, v)) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *sp_status(const struct statuspage_snapshot *s)
{
	const char *description;
	const char *indicator = statuspage_indicator(s, &description);

	return json_pack("{s:s, s:s}", "indicator", indicator, "description", description);
}

static json_t *sp_all_components(const struct statuspage_snapshot *s)
{
	json_t *out = json_array();
	const json_t *v;
	size_t i;

	json_array_foreach(s->components, i, v) {
		if (out == NULL || json_array_append_new(out, sp_component(s, v)) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *sp_document(const struct statuspage_snapshot *s, enum statuspage_doc doc)
{
	switch (doc) {
	case STATUSPAGE_DOC_SUMMARY:
		return json_pack("{s:o, s:o, s:o, s:o, s:o}", "page", sp_page(s), "components",
				 sp_all_components(s), "incidents", sp_incidents(s, PICK_UNRESOLVED),
				 "scheduled_maintenances", sp_maintenances(s, MAINT_SUMMARY),
				 "status", sp_status(s));
	case STATUSPAGE_DOC_STATUS:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "status", sp_status(s));
	case STATUSPAGE_DOC_COMPONENTS:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "components", sp_all_components(s));
	case STATUSPAGE_DOC_INCIDENTS:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "incidents", sp_incidents(s, PICK_ALL));
	case STATUSPAGE_DOC_UNRESOLVED:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "incidents",
				 sp_incidents(s, PICK_UNRESOLVED));
	case STATUSPAGE_DOC_MAINTENANCES:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "scheduled_maintenances",
				 sp_maintenances(s, MAINT_ALL));
	case STATUSPAGE_DOC_MAINT_UPCOMING:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "scheduled_maintenances",
				 sp_maintenances(s, MAINT_UPCOMING));
	case STATUSPAGE_DOC_MAINT_ACTIVE:
		return json_pack("{s:o, s:o}", "page", sp_page(s), "scheduled_maintenances",
				 sp_maintenances(s, MAINT_ACTIVE));
	default:
		return NULL;
	}
}

/* ================================================================ feeds */

struct feed_item {
	const json_t *incident;
	const json_t *update;
	int64_t at;
	int64_t id;
};

static int feed_cmp(const void *a, const void *b)
{
	const struct feed_item *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? 1 : -1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* Every public update in the snapshot, newest first; the caller frees the array. */
static struct feed_item *feed_items(const struct statuspage_snapshot *s, size_t *count)
{
	struct feed_item *items;
	size_t n = 0, i, j;
	const json_t *inc, *u;

	json_array_foreach(s->incidents, i, inc) {
		n += json_array_size(json_object_get(inc, "updates"));
	}
	items = calloc(n ? n : 1, sizeof(*items));
	if (items == NULL)
		return NULL;
	n = 0;
	json_array_foreach(s->incidents, i, inc) {
		json_array_foreach(json_object_get(inc, "updates"), j, u) {
			items[n].incident = inc;
			items[n].update = u;
			items[n].at = time_of(u, "at");
			items[n].id = int_of(u, "id");
			n++;
		}
	}
	qsort(items, n, sizeof(*items), feed_cmp);
	*count = n < STATUSPAGE_FEED_ENTRIES ? n : STATUSPAGE_FEED_ENTRIES;
	return items;
}

static const char *status_title(const char *status)
{
	if (status == NULL) return "Update";
	if (strcmp(status, "investigating") == 0) return "Investigating";
	if (strcmp(status, "identified") == 0) return "Identified";
	if (strcmp(status, "monitoring") == 0) return "Monitoring";
	if (strcmp(status, "resolved") == 0) return "Resolved";
	return "Update";
}

static void put_item_title(struct out *o, const struct feed_item *it)
{
	put_esc(o, str_of(it->incident, "id"));
	put(o, " ");
	put_esc(o, str_of(it->incident, "title"));
	put(o, " — ");
	put(o, status_title(str_of(it->update, "status")));
}

static void put_item_body(struct out *o, const struct statuspage_snapshot *s,
			  const struct feed_item *it)
{
	char *body = body_with_eta(s->config, str_of(it->update, "body"),
				   time_of(it->update, "nextUpdateEta"));

	if (body == NULL) {
		o->failed = 1;
		return;
	}
	put_esc(o, body);
	free(body);
}

static void render_atom(struct out *o, const struct statuspage_snapshot *s)
{
	const struct statuspage_config *cfg = s->config;
	const char *base = base_url(cfg);
	char iso[TIME_ISO_MAX], pid[13];
	size_t n = 0;
	struct feed_item *items = feed_items(s, &n);

	if (items == NULL) {
		o->failed = 1;
		return;
	}
	page_id(cfg, pid);
	time_to_iso(n ? items[0].at : page_updated(s), iso);
	put(o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
	put_esc(o, page_name(cfg));
	put(o, "</title>\n");
	if (*base) {
		put(o, "<id>");
		put_esc(o, base);
		put(o, "/</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
		put_esc(o, base);
		put(o, "/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
		put_esc(o, base);
		put(o, "/\"/>\n");
	} else {
		putf(o, "<id>urn:majorops:status:%s</id>\n", pid);
		put(o, "<link rel=\"alternate\" type=\"text/html\" href=\"/\"/>\n");
	}
	putf(o, "<updated>%s</updated>\n<author><name>", iso);
	put_esc(o, page_name(cfg));
	put(o, "</name></author>\n");
	for (size_t i = 0; i < n; i++) {
		const char *iid = str_of(items[i].incident, "id");

		time_to_iso(items[i].at, iso);
		if (*base) {
			put(o, "<entry>\n<id>");
			put_esc(o, base);
			putf(o, "/incidents/%s#update-%lld</id>\n", iid, (long long)items[i].id);
		} else {
			putf(o, "<entry>\n<id>urn:majorops:status:%s:%s:update:%lld</id>\n", pid, iid,
			     (long long)items[i].id);
		}
		put(o, "<title>");
		put_item_title(o, &items[i]);
		putf(o, "</title>\n<published>%s</published>\n<updated>%s</updated>\n", iso, iso);
		put(o, "<link rel=\"alternate\" type=\"text/html\" href=\"");
		put_esc(o, base);
		putf(o, "/incidents/%s\"/>\n<content type=\"text\">", iid);
		put_item_body(o, s, &items[i]);
		put(o, "</content>\n</entry>\n");
	}
	put(o, "</feed>\n");
	free(items);
}

static void render_rss(struct out *o, const struct statuspage_snapshot *s)
{
	const struct statuspage_config *cfg = s->config;
	const char *base = base_url(cfg);
	char when[HUMAN_TIME_MAX], pid[13];
	size_t n = 0;
	struct feed_item *items = feed_items(s, &n);

	if (items == NULL) {
		o->failed = 1;
		return;
	}
	page_id(cfg, pid);
	put(o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\">\n<channel>\n<title>");
	put_esc(o, page_name(cfg));
	put(o, "</title>\n<link>");
	put_esc(o, base);
	put(o, "/</link>\n<description>");
	put_esc(o, page_name(cfg));
	put(o, ": public incident updates</description>\n");
	rfc822_time(n ? items[0].at : page_updated(s), when);
	putf(o, "<lastBuildDate>%s</lastBuildDate>\n", when);
	for (size_t i = 0; i < n; i++) {
		const char *iid = str_of(items[i].incident, "id");

		rfc822_time(items[i].at, when);
		put(o, "<item>\n<title>");
		put_item_title(o, &items[i]);
		put(o, "</title>\n<link>");
		put_esc(o, base);
		putf(o, "/incidents/%s</link>\n<guid isPermaLink=\"false\">urn:majorops:status:%s:%s:update:%lld</guid>\n",
		     iid, pid, iid, (long long)items[i].id);
		putf(o, "<pubDate>%s</pubDate>\n<description>", when);
		put_item_body(o, s, &items[i]);
		put(o, "</description>\n</item>\n");
	}
	put(o, "</channel>\n</rss>\n");
	free(items);
}

/* ================================================================ badge */

static void render_badge(struct out *o, const struct statuspage_snapshot *s)
{
	static const char *const colors[] = {"#2e7d32", "#8a5a00", "#c43e00", "#b71c1c"};
	const char *label = "status", *description;
	const char *indicator = statuspage_indicator(s, &description);
	int level = impact_level(indicator);
	/* Verdana 11px averages under 7px a character; the badge only has to fit. */
	int lw = 10 + 7 * (int)strlen(label), rw = 10 + 7 * (int)strlen(description);
	const char *color = strcmp(description, "Service Under Maintenance") == 0 ? "#1565c0"
										  : colors[level];

	putf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" role=\"img\" "
		"aria-label=\"", lw + rw);
	put_esc(o, label);
	put(o, ": ");
	put_esc(o, description);
	put(o, "\">\n<title>");
	put_esc(o, page_name(s->config));
	put(o, ": ");
	put_esc(o, description);
	putf(o, "</title>\n<rect width=\"%d\" height=\"20\" rx=\"3\" fill=\"#555\"/>\n"
		"<rect x=\"%d\" width=\"%d\" height=\"20\" rx=\"3\" fill=\"%s\"/>\n"
		"<rect x=\"%d\" width=\"4\" height=\"20\" fill=\"%s\"/>\n"
		"<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,DejaVu Sans,sans-serif\" "
		"font-size=\"11\">\n<text x=\"%d\" y=\"14\">",
	     lw, lw, rw, color, lw, color, lw / 2);
	put_esc(o, label);
	putf(o, "</text>\n<text x=\"%d\" y=\"14\">", lw + rw / 2);
	put_esc(o, description);
	put(o, "</text>\n</g>\n</svg>\n");
}

/* ================================================================ HTML */

static const char *component_words(const char *status)
{
	if (status == NULL) return "Unknown";
	if (strcmp(status, "operational") == 0) return "Operational";
	if (strcmp(status, "under_maintenance") == 0) return "Under maintenance";
	if (strcmp(status, "degraded_performance") == 0) return "Degraded performance";
	if (strcmp(status, "partial_outage") == 0) return "Partial outage";
	if (strcmp(status, "major_outage") == 0) return "Major outage";
	return "Unknown";
}

static const char *maint_words(const char *status)
{
	if (status == NULL) return "Unknown";
	if (strcmp(status, "scheduled") == 0) return "Scheduled";
	if (strcmp(status, "in_progress") == 0) return "In progress";
	if (strcmp(status, "verifying") == 0) return "Verifying";
	if (strcmp(status, "completed") == 0) return "Completed";
	return "Unknown";
}

static const char *severity_words(const char *severity)
{
	if (severity == NULL) return "Unknown";
	if (strcmp(severity, "critical") == 0) return "Critical";
	if (strcmp(severity, "high") == 0) return "High";
	if (strcmp(severity, "medium") == 0) return "Medium";
	if (strcmp(severity, "low") == 0) return "Low";
	return "Unknown";
}

static void html_head(struct out *o, const struct statuspage_config *cfg, const char *title)
{
	put(o, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	if (title) {
		put_esc(o, title);
		put(o, " · ");
	}
	put_esc(o, page_name(cfg));
	put(o, "</title>\n<link rel=\"stylesheet\" href=\"/status.css\">\n"
	       "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
	put_esc(o, page_name(cfg));
	put(o, " updates\" href=\"/feed.atom\">\n<script src=\"/status.js\" defer></script>\n"
	       "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
	       "<header class=\"site\"><a class=\"logo\" href=\"/\">");
	put_esc(o, cfg->logo_text && *cfg->logo_text ? cfg->logo_text : page_name(cfg));
	put(o, "</a></header>\n<main id=\"main\" data-stream=\"/api/v2/stream\">\n");
}

static void html_foot(struct out *o, const struct statuspage_config *cfg)
{
	put(o, "</main>\n<footer class=\"site\"><p>Times are shown in ");
	put_esc(o, time_zone(cfg));
	put(o, ". <a href=\"/feed.atom\">Atom feed</a> · <a href=\"/feed.rss\">RSS</a> · "
	       "<a href=\"/api/v2/summary.json\">Status API</a> · "
	       "<a href=\"/badge.svg\">Badge</a></p></footer>\n</body>\n</html>\n");
}

static void put_fact(struct out *o, const char *term, const char *value_text)
{
	putf(o, "<div><dt>%s</dt><dd>", term);
	put_esc(o, value_text);
	put(o, "</dd></div>");
}

static void put_time_fact(struct out *o, const struct statuspage_config *cfg, const char *term,
			  int64_t ms)
{
	putf(o, "<div><dt>%s</dt><dd>", term);
	put_time(o, cfg, ms);
	put(o, "</dd></div>");
}

static void put_facts(struct out *o, const struct statuspage_config *cfg, const json_t *inc)
{
	const json_t *phase = json_object_get(inc, "phase");
	char phase_text[64];

	snprintf(phase_text, sizeof(phase_text), "%lld · %s", (long long)int_of(phase, "number"),
		 str_of(phase, "name") ? str_of(phase, "name") : "?");
	put(o, "<dl class=\"facts\">");
	put_fact(o, "Severity", severity_words(str_of(inc, "severity")));
	put_fact(o, "Status", status_title(str_of(inc, "status")));
	put_fact(o, "Phase", phase_text);
	put_time_fact(o, cfg, "Started", time_of(inc, "startedAt"));
	put_time_fact(o, cfg, "Last updated", time_of(inc, "updatedAt"));
	if (is_resolved(inc))
		put_time_fact(o, cfg, "Resolved", time_of(inc, "resolvedAt"));
	else if (time_of(inc, "nextUpdateEta") != TIME_NONE)
		put_time_fact(o, cfg, "Next update", time_of(inc, "nextUpdateEta"));
	put(o, "</dl>\n");
}

static void put_update(struct out *o, const struct statuspage_config *cfg, const json_t *u,
		       const char *tag)
{
	putf(o, "<%s class=\"update\" id=\"update-%lld\"><p class=\"meta\"><strong>", tag,
	     (long long)int_of(u, "id"));
	put(o, status_title(str_of(u, "status")));
	put(o, "</strong> · ");
	put_time(o, cfg, time_of(u, "at"));
	put(o, "</p>\n<p class=\"body\">");
	put_esc(o, str_of(u, "body"));
	put(o, "</p>\n");
	if (time_of(u, "nextUpdateEta") != TIME_NONE) {
		put(o, "<p class=\"eta\">Next update by ");
		put_time(o, cfg, time_of(u, "nextUpdateEta"));
		put(o, "</p>\n");
	}
	putf(o, "</%s>\n", tag);
}

static void put_incident_card(struct out *o, const struct statuspage_config *cfg,
			      const json_t *inc)
{
	const json_t *updates = json_object_get(inc, "updates");
	const json_t *v;
	size_t i, n = json_array_size(updates);

	putf(o, "<article class=\"incident impact-%s\">\n<h3><a href=\"/incidents/%s\">",
	     statuspage_impact(str_of(inc, "severity")), str_of(inc, "id"));
	put_esc(o, str_of(inc, "title"));
	put(o, "</a></h3>\n");
	put_facts(o, cfg, inc);
	if (json_array_size(json_object_get(inc, "affectedSystems"))) {
		put(o, "<p class=\"systems\">Affected: ");
		json_array_foreach(json_object_get(inc, "affectedSystems"), i, v) {
			if (i)
				put(o, ", ");
			put_esc(o, json_string_value(v));
		}
		put(o, "</p>\n");
	}
	if (n)
		put_update(o, cfg, json_array_get(updates, n - 1), "div");
	put(o, "</article>\n");
}

static int cmp_resolved_desc(const void *a, const void *b)
{
	int64_t x = time_of(*(const json_t *const *)a, "resolvedAt");
	int64_t y = time_of(*(const json_t *const *)b, "resolvedAt");

	return x < y ? 1 : x > y ? -1 : 0;
}

int statuspage_render_index(const struct statuspage_snapshot *s, int page, struct buf *buf)
{
	const struct statuspage_config *cfg = s->config;
	struct out o = {.b = buf};
	const char *description, *indicator = statuspage_indicator(s, &description);
	const json_t **history = NULL;
	const json_t *v;
	size_t i, nhistory = 0, nactive = 0, nmaint, npages, first;
	int64_t window = s->now - STATUSPAGE_HISTORY_DAYS * DAY_MS;

	history = calloc(json_array_size(s->incidents) + 1, sizeof(const json_t *));
	if (history == NULL)
		return -1;
	json_array_foreach(s->incidents, i, v) {
		if (!is_resolved(v))
			nactive++;
		else if (time_of(v, "resolvedAt") >= window)
			history[nhistory++] = v;
	}
	qsort(history, nhistory, sizeof(const json_t *), cmp_resolved_desc);
	npages = nhistory ? (nhistory + STATUSPAGE_HISTORY_PAGE - 1) / STATUSPAGE_HISTORY_PAGE : 1;
	if (page < 1 || (size_t)page > npages) {
		free(history);
		return 1;
	}
	first = (size_t)(page - 1) * STATUSPAGE_HISTORY_PAGE;

	html_head(&o, cfg, page > 1 ? "History" : NULL);
	putf(&o, "<section class=\"overall indicator-%s\" aria-labelledby=\"overall-h\">\n"
		 "<h1 id=\"overall-h\">", indicator);
	put(&o, description);
	put(&o, "</h1>\n<p>Last updated ");
	put_time(&o, cfg, page_updated(s));
	put(&o, "</p>\n</section>\n");
	if (page == 1) {
		put(&o, "<section aria-labelledby=\"active-h\">\n<h2 id=\"active-h\">Active incidents</h2>\n");
		if (nactive == 0)
			put(&o, "<p class=\"none\">No active incidents.</p>\n");
		json_array_foreach(s->incidents, i, v) {
			if (!is_resolved(v))
				put_incident_card(&o, cfg, v);
		}
		put(&o, "</section>\n");
		for (nmaint = 0, i = 0; i < json_array_size(s->maintenances); i++)
			nmaint += maint_wanted(json_array_get(s->maintenances, i), MAINT_SUMMARY);
		if (nmaint) {
			put(&o, "<section aria-labelledby=\"maint-h\">\n<h2 id=\"maint-h\">Scheduled maintenance</h2>\n<ul class=\"maintenance\">\n");
			json_array_foreach(s->maintenances, i, v) {
				const json_t *names = json_object_get(v, "components");
				const json_t *name;
				size_t k;

				if (!maint_wanted(v, MAINT_SUMMARY))
					continue;
				putf(&o, "<li id=\"MNT-%lld\"><strong>", (long long)int_of(v, "id"));
				put_esc(&o, str_of(v, "name"));
				put(&o, "</strong> · ");
				put(&o, maint_words(str_of(v, "status")));
				put(&o, " · ");
				put_time(&o, cfg, time_of(v, "scheduledFor"));
				put(&o, " to ");
				put_time(&o, cfg, time_of(v, "scheduledUntil"));
				if (json_array_size(names)) {
					put(&o, "<p class=\"systems\">Affected: ");
					json_array_foreach(names, k, name) {
						if (k)
							put(&o, ", ");
						put_esc(&o, json_string_value(name));
					}
					put(&o, "</p>");
				}
				if (str_of(v, "body")) {
					put(&o, "<p class=\"body\">");
					put_esc(&o, str_of(v, "body"));
					put(&o, "</p>");
				}
				put(&o, "</li>\n");
			}
			put(&o, "</ul>\n</section>\n");
		}
		put(&o, "<section aria-labelledby=\"systems-h\">\n<h2 id=\"systems-h\">Systems</h2>\n");
		if (json_array_size(s->components) == 0)
			put(&o, "<p class=\"none\">No systems are reported.</p>\n");
		else
			put(&o, "<ul class=\"components\">\n");
		json_array_foreach(s->components, i, v) {
			put(&o, "<li><span class=\"name\">");
			put_esc(&o, str_of(v, "name"));
			putf(&o, "</span> <span class=\"cstatus cs-%s\">%s</span>",
			     component_statuses[component_rank(str_of(v, "status"))],
			     component_words(str_of(v, "status")));
			if (str_of(v, "description")) {
				put(&o, "<span class=\"description\">");
				put_esc(&o, str_of(v, "description"));
				put(&o, "</span>");
			}
			put(&o, "</li>\n");
		}
		if (json_array_size(s->components))
			put(&o, "</ul>\n");
		put(&o, "</section>\n");
	}
	/* Subscriptions (issue 9, outbox.h): mail with double opt-in, or the feed. */
	put(&o, "<section class=\"subscribe\" aria-labelledby=\"subscribe-h\">\n<h2 id=\"subscribe-h\">"
		"Get updates</h2>\n<form method=\"post\" action=\"/subscribe\">"
		"<label for=\"subscribe-email\">Email address</label> <input id=\"subscribe-email\" "
		"name=\"email\" type=\"email\" required maxlength=\"254\" autocomplete=\"email\"> "
		"<button type=\"submit\">Subscribe</button></form>\n<p class=\"note\">We mail a link to "
		"confirm; every mail has a link to unsubscribe. No mail? Follow the "
		"<a href=\"/feed.atom\">Atom feed</a>.</p>\n</section>\n");
	putf(&o, "<section aria-labelledby=\"history-h\">\n<h2 id=\"history-h\">Past incidents</h2>\n"
		 "<p class=\"note\">Resolved in the last %d days.</p>\n", STATUSPAGE_HISTORY_DAYS);
	if (nhistory == 0)
		put(&o, "<p class=\"none\">No incidents.</p>\n");
	else
		put(&o, "<ol class=\"history\">\n");
	for (i = first; i < nhistory && i < first + STATUSPAGE_HISTORY_PAGE; i++) {
		putf(&o, "<li class=\"impact-%s\"><a href=\"/incidents/%s\">",
		     statuspage_impact(str_of(history[i], "severity")), str_of(history[i], "id"));
		put_esc(&o, str_of(history[i], "title"));
		putf(&o, "</a> <span class=\"sev\">%s</span> · resolved ",
		     severity_words(str_of(history[i], "severity")));
		put_time(&o, cfg, time_of(history[i], "resolvedAt"));
		put(&o, "</li>\n");
	}
	if (nhistory)
		put(&o, "</ol>\n");
	if (npages > 1) {
		put(&o, "<nav class=\"pager\" aria-label=\"History pages\">");
		if (page > 1)
			putf(&o, "<a rel=\"prev\" href=\"/?page=%d\">Newer</a> ", page - 1);
		putf(&o, "<span>Page %d of %zu</span>", page, npages);
		if ((size_t)page < npages)
			putf(&o, " <a rel=\"next\" href=\"/?page=%d\">Older</a>", page + 1);
		put(&o, "</nav>\n");
	}
	put(&o, "</section>\n");
	html_foot(&o, cfg);
	free(history);
	return o.failed ? -1 : 0;
}

int statuspage_render_incident(const struct statuspage_snapshot *s, const json_t *inc,
			       struct buf *buf)
{
	const struct statuspage_config *cfg = s->config;
	struct out o = {.b = buf};
	const json_t *updates = json_object_get(inc, "updates");
	const json_t *entries = json_object_get(inc, "entries");
	const char *bridge = str_of(inc, "bridgeUrl");
	const json_t *v;
	size_t i;
	char title[ID_MAX + 8];

	snprintf(title, sizeof(title), "%s", str_of(inc, "id") ? str_of(inc, "id") : "Incident");
	html_head(&o, cfg, title);
	putf(&o, "<article class=\"incident-page impact-%s\">\n<p class=\"crumb\"><a href=\"/\">All systems</a> › %s</p>\n<h1>",
	     statuspage_impact(str_of(inc, "severity")), title);
	put_esc(&o, str_of(inc, "title"));
	put(&o, "</h1>\n");
	put_facts(&o, cfg, inc);
	put(&o, "<section aria-labelledby=\"affected-h\">\n<h2 id=\"affected-h\">Affected systems</h2>\n");
	if (json_array_size(json_object_get(inc, "affectedSystems")) == 0)
		put(&o, "<p class=\"none\">None named.</p>\n");
	else
		put(&o, "<ul class=\"components\">\n");
	json_array_foreach(json_object_get(inc, "affectedSystems"), i, v) {
		const json_t *c = find_by_name(s->components, json_string_value(v));
		const char *st = c ? str_of(c, "status")
				   : is_resolved(inc) ? "operational"
						      : statuspage_component_status(str_of(inc, "severity"));

		put(&o, "<li><span class=\"name\">");
		put_esc(&o, json_string_value(v));
		putf(&o, "</span> <span class=\"cstatus cs-%s\">%s</span></li>\n",
		     component_statuses[component_rank(st)], component_words(st));
	}
	if (json_array_size(json_object_get(inc, "affectedSystems")))
		put(&o, "</ul>\n");
	put(&o, "</section>\n");
	if (bridge) {
		put(&o, "<p class=\"bridge\">Join the incident bridge: <a rel=\"noopener noreferrer nofollow\" href=\"");
		put_esc(&o, bridge);
		put(&o, "\">");
		put_esc(&o, bridge);
		put(&o, "</a></p>\n");
	}
	if (json_object_get(inc, "postmortem")) {
		const json_t *pm = json_object_get(inc, "postmortem");

		put(&o, "<section class=\"postmortem\" aria-labelledby=\"postmortem-h\">\n<h2 id=\"postmortem-h\">Postmortem</h2>\n<p class=\"meta\">Published ");
		put_time(&o, cfg, time_of(pm, "publishedAt"));
		put(&o, "</p>\n");
		json_array_foreach(json_object_get(pm, "sections"), i, v) {
			put(&o, "<h3>");
			put_esc(&o, str_of(v, "heading"));
			put(&o, "</h3>\n<p class=\"body\">");
			put_esc(&o, str_of(v, "text"));
			put(&o, "</p>\n");
		}
		put(&o, "</section>\n");
	}
	put(&o, "<section aria-labelledby=\"updates-h\">\n<h2 id=\"updates-h\">Updates</h2>\n");
	if (json_array_size(updates) == 0)
		put(&o, "<p class=\"none\">No updates have been published yet.</p>\n");
	else
		put(&o, "<ol class=\"updates\" reversed>\n");
	for (i = json_array_size(updates); i-- > 0;)
		put_update(&o, cfg, json_array_get(updates, i), "li");
	if (json_array_size(updates))
		put(&o, "</ol>\n");
	put(&o, "</section>\n");
	if (json_array_size(entries)) {
		put(&o, "<section aria-labelledby=\"timeline-h\">\n<h2 id=\"timeline-h\">Timeline</h2>\n<ol class=\"timeline\">\n");
		json_array_foreach(entries, i, v) {
			putf(&o, "<li id=\"entry-%lld\">", (long long)int_of(v, "id"));
			put_time(&o, cfg, time_of(v, "at"));
			put(&o, " <span class=\"text\">");
			put_esc(&o, str_of(v, "text"));
			put(&o, "</span></li>\n");
		}
		put(&o, "</ol>\n</section>\n");
	}
	put(&o, "</article>\n");
	html_foot(&o, cfg);
	return o.failed ? -1 : 0;
}

const json_t *statuspage_find_incident(const struct statuspage_snapshot *s, int64_t number)
{
	const json_t *v;
	size_t i;

	json_array_foreach(s->incidents, i, v) {
		if (int_of(v, "number") == number)
			return v;
	}
	return NULL;
}

/* ================================================================ dispatch */

const char *statuspage_doc_content_type(enum statuspage_doc doc)
{
	switch (doc) {
	case STATUSPAGE_DOC_INDEX: return "text/html; charset=utf-8";
	case STATUSPAGE_DOC_ATOM: return "application/atom+xml; charset=utf-8";
	case STATUSPAGE_DOC_RSS: return "application/rss+xml; charset=utf-8";
	case STATUSPAGE_DOC_BADGE: return "image/svg+xml; charset=utf-8";
	default: return "application/json";
	}
}

int statuspage_render(const struct statuspage_snapshot *s, enum statuspage_doc doc,
		      struct buf *buf)
{
	struct out o = {.b = buf};

	switch (doc) {
	case STATUSPAGE_DOC_INDEX:
		return statuspage_render_index(s, 1, buf) == 0 ? 0 : -1;
	case STATUSPAGE_DOC_ATOM:
		render_atom(&o, s);
		break;
	case STATUSPAGE_DOC_RSS:
		render_rss(&o, s);
		break;
	case STATUSPAGE_DOC_BADGE:
		render_badge(&o, s);
		break;
	case STATUSPAGE_DOC__MAX:
		return -1;
	default:
		put_json(&o, sp_document(s, doc));
		put(&o, "\n");
		break;
	}
	return o.failed ? -1 : 0;
}
