#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "parse.h"

void incident_id_format(int64_t number, char out[32])
{
	snprintf(out, 32, "INC-%lld", (long long)number);
}

/* json_object_set_new that remembers a failure instead of checking every call. */
static void put(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

json_t *incident_to_json(const struct incident *inc)
{
	json_t *o = json_object(), *systems = json_array(), *roles = json_object(),
	       *phases = json_array(), *phase = json_object();
	char id[32];
	int failed = 0;

	if (!o || !systems || !roles || !phases || !phase)
		goto fail;
	incident_id_format(inc->number, id);
	for (size_t i = 0; i < inc->naffected_systems; i++)
		if (json_array_append_new(systems, json_string(inc->affected_systems[i])) != 0)
			goto fail;
	for (int r = 0; r < ROLE__MAX; r++)
		put(roles, role_name((enum role)r), json_string_or_null(inc->roles[r]), &failed);
	for (int p = PHASE_FIRST; p <= PHASE_LAST; p++) {
		json_t *entry;

		if (inc->phase_entered_at[p] == TIME_NONE)
			continue;
		entry = json_pack("{s:i, s:s, s:o}", "number", p, "name", phase_name(p), "enteredAt",
				  json_time_or_null(inc->phase_entered_at[p]));
		if (entry == NULL || json_array_append_new(phases, entry) != 0)
			goto fail;
	}
	put(phase, "number", json_integer(inc->phase), &failed);
	put(phase, "name", json_string(phase_name(inc->phase)), &failed);
	put(phase, "enteredAt", json_time_or_null(inc->phase_entered_at[inc->phase]), &failed);

	put(o, "id", json_string(id), &failed);
	put(o, "number", json_integer(inc->number), &failed);
	put(o, "title", json_string_or_null(inc->title), &failed);
	put(o, "description", json_string_or_null(inc->description), &failed);
	put(o, "severity", json_string(severity_name(inc->severity)), &failed);
	put(o, "alarmLevel", json_integer(doctrine_alarm_level(inc->severity)), &failed);
	put(o, "status", json_string(status_name(inc->status)), &failed);
	put(o, "phase", phase, &failed);
	phase = NULL;
	put(o, "phases", phases, &failed);
	phases = NULL;
	put(o, "affectedSystems", systems, &failed);
	systems = NULL;
	put(o, "bridgeUrl", json_string_or_null(inc->bridge_url), &failed);
	put(o, "bridgePublic", json_boolean(inc->bridge_public), &failed);
	put(o, "channel", json_string_or_null(inc->channel), &failed);
	put(o, "externalImpact", json_boolean(inc->external_impact), &failed);
	put(o, "customerCount", inc->customer_count < 0 ? json_null() : json_integer(inc->customer_count),
	    &failed);
	put(o, "businessImpact", json_string_or_null(inc->business_impact), &failed);
	put(o, "customerImpactSummary", json_string_or_null(inc->customer_impact_summary), &failed);
	put(o, "riskLevel", json_string_or_null(inc->risk_level), &failed);
	put(o, "execSummary", json_string_or_null(inc->exec_summary), &failed);
	put(o, "nextUpdateEta", json_time_or_null(inc->next_update_eta), &failed);
	put(o, "startedAt", json_time_or_null(inc->started_at), &failed);
	put(o, "alertFiredAt", json_time_or_null(inc->alert_fired_at), &failed);
	put(o, "openedAt", json_time_or_null(inc->opened_at), &failed);
	put(o, "resolvedAt", json_time_or_null(inc->resolved_at), &failed);
	put(o, "afterActionAt", json_time_or_null(inc->after_action_at), &failed);
	put(o, "severityConfirmedAt", json_time_or_null(inc->severity_confirmed_at), &failed);
	put(o, "roles", roles, &failed);
	roles = NULL;
	put(o, "informationAuthority",
	    json_string_or_null(inc->information_authority ? inc->information_authority
							   : inc->roles[ROLE_MIM]),
	    &failed);
	put(o, "informationAuthorityDelegated", json_boolean(inc->information_authority != NULL),
	    &failed);
	put(o, "security", json_boolean(inc->security), &failed);
	put(o, "existential", json_boolean(inc->existential), &failed);
	put(o, "drill", json_boolean(inc->drill), &failed);
	put(o, "reopenCount", json_integer(inc->reopen_count), &failed);
	put(o, "version", json_integer(inc->version), &failed);
	put(o, "createdBy", json_string_or_null(inc->created_by), &failed);
	put(o, "updatedAt", json_time_or_null(inc->updated_at), &failed);
	if (inc->command_json) {
		/* The stored form only: incident_view replaces it with what clients see. */
		json_t *command = json_loads(inc->command_json, 0, NULL);

		if (!json_is_object(command)) {
			json_decref(command);
			goto fail;
		}
		put(o, "command", command, &failed);
	}
	if (failed)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(systems);
	json_decref(roles);
	json_decref(phases);
	json_decref(phase);
	return NULL;
}

/* Reads an optional string member into a heap field. */
static int get_text(const json_t *doc, const char *key, char **field)
{
	const json_t *v = json_object_get(doc, key);

	if (v == NULL || json_is_null(v))
		return incident_set_text(field, NULL);
	if (!json_is_string(v))
		return -1;
	return incident_set_text(field, json_string_value(v));
}

static int get_time(const json_t *doc, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(doc, key);

	if (v == NULL || json_is_null(v)) {
		*out = TIME_NONE;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	return time_from_iso(json_string_value(v), out);
}

static bool get_bool(const json_t *doc, const char *key)
{
	return json_is_true(json_object_get(doc, key));
}

int incident_from_json(const json_t *doc, struct incident *inc)
{
	const json_t *v, *systems, *roles, *phases;
	size_t i;

	incident_init(inc);
	inc->number = json_integer_value(json_object_get(doc, "number"));
	inc->version = json_integer_value(json_object_get(doc, "version"));
	inc->reopen_count = json_integer_value(json_object_get(doc, "reopenCount"));
	v = json_object_get(doc, "customerCount");
	inc->customer_count = json_is_integer(v) ? json_integer_value(v) : -1;
	if (severity_parse(json_string_value(json_object_get(doc, "severity")) ?: "", &inc->severity) ||
	    status_parse(json_string_value(json_object_get(doc, "status")) ?: "", &inc->status))
		goto fail;
	inc->phase = (int)json_integer_value(json_object_get(json_object_get(doc, "phase"), "number"));
	if (inc->phase < PHASE_FIRST || inc->phase > PHASE_LAST)
		goto fail;
	if (get_text(doc, "title", &inc->title) || get_text(doc, "description", &inc->description) ||
	    get_text(doc, "bridgeUrl", &inc->bridge_url) || get_text(doc, "channel", &inc->channel) ||
	    get_text(doc, "businessImpact", &inc->business_impact) ||
	    get_text(doc, "customerImpactSummary", &inc->customer_impact_summary) ||
	    get_text(doc, "riskLevel", &inc->risk_level) ||
	    get_text(doc, "execSummary", &inc->exec_summary) ||
	    get_text(doc, "createdBy", &inc->created_by))
		goto fail;
	if (get_time(doc, "nextUpdateEta", &inc->next_update_eta) ||
	    get_time(doc, "startedAt", &inc->started_at) ||
	    get_time(doc, "alertFiredAt", &inc->alert_fired_at) ||
	    get_time(doc, "openedAt", &inc->opened_at) ||
	    get_time(doc, "resolvedAt", &inc->resolved_at) ||
	    get_time(doc, "afterActionAt", &inc->after_action_at) ||
	    get_time(doc, "severityConfirmedAt", &inc->severity_confirmed_at) ||
	    get_time(doc, "updatedAt", &inc->updated_at))
		goto fail;
	inc->bridge_public = get_bool(doc, "bridgePublic");
	inc->external_impact = get_bool(doc, "externalImpact");
	inc->security = get_bool(doc, "security");
	inc->existential = get_bool(doc, "existential");
	inc->drill = get_bool(doc, "drill");
	if (get_bool(doc, "informationAuthorityDelegated") &&
	    get_text(doc, "informationAuthority", &inc->information_authority))
		goto fail;

	roles = json_object_get(doc, "roles");
	for (int r = 0; r < ROLE__MAX; r++)
		if (get_text(roles, role_name((enum role)r), &inc->roles[r]))
			goto fail;
	phases = json_object_get(doc, "phases");
	json_array_foreach(phases, i, v) {
		int64_t n = json_integer_value(json_object_get(v, "number"));

		if (n < PHASE_FIRST || n > PHASE_LAST ||
		    get_time(v, "enteredAt", &inc->phase_entered_at[n]))
			goto fail;
	}
	v = json_object_get(doc, "command");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_object(v))
			goto fail;
		inc->command_json = json_to_text(v);
		if (inc->command_json == NULL)
			goto fail;
	}
	systems = json_object_get(doc, "affectedSystems");
	if (json_array_size(systems)) {
		inc->affected_systems = calloc(json_array_size(systems), sizeof(char *));
		if (inc->affected_systems == NULL)
			goto fail;
		json_array_foreach(systems, i, v) {
			if (incident_set_text(&inc->affected_systems[i], json_string_value(v) ?: "?"))
				goto fail;
			inc->naffected_systems = i + 1;
		}
	}
	return 0;
fail:
	incident_free(inc);
	return -1;
}

json_t *staffing_to_json(const struct staffing *st)
{
	json_t *o = json_object(), *required = json_array(), *gaps = json_array();
	int failed = 0;

	if (!o || !required || !gaps)
		goto fail;
	for (size_t i = 0; i < st->nrequired; i++)
		if (json_array_append_new(required, json_string(role_name(st->required[i]))))
			goto fail;
	for (size_t i = 0; i < st->ngaps; i++) {
		json_t *g = json_object();

		put(g, "role", json_string(role_name(st->gaps[i].role)), &failed);
		put(g, "reason", json_string(staffing_reason_name(st->gaps[i].reason)), &failed);
		if (st->gaps[i].with != ROLE__MAX)
			put(g, "with", json_string(role_name(st->gaps[i].with)), &failed);
		if (g == NULL || json_array_append_new(gaps, g) != 0)
			goto fail;
	}
	put(o, "required", required, &failed);
	required = NULL;
	put(o, "gaps", gaps, &failed);
	put(o, "ok", json_boolean(st->ngaps == 0), &failed);
	if (failed)
		goto fail_o;
	return o;
fail:
	json_decref(gaps);
fail_o:
	json_decref(required);
	json_decref(o);
	return NULL;
}
