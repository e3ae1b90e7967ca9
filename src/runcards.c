/* Run cards: validation, the Box 0–3 defaults, application at open (runcards.h). */
#include "runcards.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "doctrine.h"
#include "parse.h"

static const char *const card_members[] = {"service", "roles", "page", "checklist", "runbooks",
					   "cadence"};

/* An array of 0..RUNCARD_ITEMS_MAX strings of 1..`maxc` characters, copied into a new array. */
static json_t *string_list(const json_t *v, const char *field, size_t maxc, struct api_error *err)
{
	json_t *out = json_array(), *item;
	size_t i;

	if (out == NULL)
		goto oom;
	if (v == NULL || json_is_null(v))
		return out;
	if (!json_is_array(v) || json_array_size(v) > RUNCARD_ITEMS_MAX) {
		api_error_set(err, 400, "invalid_field", field, "%s must be an array of at most %d strings",
			      field, RUNCARD_ITEMS_MAX);
		goto fail;
	}
	json_array_foreach((json_t *)v, i, item) {
		const char *s = json_string_value(item);

		if (s == NULL || str_blank(s) || utf8_length(s) > maxc) {
			api_error_set(err, 400, "invalid_field", field,
				      "%s[%zu] must be a string of 1 to %zu characters", field, i, maxc);
			goto fail;
		}
		if (json_array_append_new(out, json_string(s)) != 0)
			goto oom;
	}
	return out;
oom:
	api_error_set(err, 500, "internal", NULL, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

static bool web_url(const char *s)
{
	return s && strlen(s) <= INCIDENT_URL_MAX &&
	       (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) && strlen(s) > 8;
}

static json_t *runbooks(const json_t *v, struct api_error *err)
{
	json_t *out = json_array(), *item;
	size_t i;

	if (out == NULL)
		goto oom;
	if (v == NULL || json_is_null(v))
		return out;
	if (!json_is_array(v) || json_array_size(v) > RUNCARD_ITEMS_MAX) {
		api_error_set(err, 400, "invalid_field", "runbooks",
			      "runbooks must be an array of at most %d links", RUNCARD_ITEMS_MAX);
		goto fail;
	}
	json_array_foreach((json_t *)v, i, item) {
		/* A bare URL is its own title. */
		const char *url = json_is_string(item) ? json_string_value(item)
						       : json_string_value(json_object_get(item, "url"));
		const char *title = json_is_string(item) ? url
							 : json_string_value(json_object_get(item, "title"));

		if (!web_url(url)) {
			api_error_set(err, 400, "invalid_field", "runbooks",
				      "runbooks[%zu] needs an http(s) url", i);
			goto fail;
		}
		if (title == NULL || str_blank(title))
			title = url;
		if (utf8_length(title) > RUNCARD_TEXT_MAX) {
			api_error_set(err, 400, "invalid_field", "runbooks",
				      "runbooks[%zu].title is longer than %d characters", i, RUNCARD_TEXT_MAX);
			goto fail;
		}
		if (json_array_append_new(out, json_pack("{s:s, s:s}", "title", title, "url", url)) != 0)
			goto oom;
	}
	return out;
oom:
	api_error_set(err, 500, "internal", NULL, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

static json_t *roles(const json_t *v, struct api_error *err)
{
	json_t *out = json_object(), *person;
	const char *key;
	enum role r;

	if (out == NULL)
		goto oom;
	if (v == NULL || json_is_null(v))
		return out;
	if (!json_is_object(v)) {
		api_error_set(err, 400, "invalid_field", "roles", "roles must be an object of role → person");
		goto fail;
	}
	json_object_foreach((json_t *)v, key, person) {
		const char *name = json_string_value(person);

		if (role_parse(key, &r) != 0) {
			api_error_set(err, 400, "invalid_field", "roles", "roles: no role '%.40s'", key);
			goto fail;
		}
		/* null or "" leaves the role for the MIM to fill. */
		if (json_is_null(person) || (name && str_blank(name)))
			continue;
		if (name == NULL || utf8_length(name) > INCIDENT_SHORT_MAX) {
			api_error_set(err, 400, "invalid_field", "roles",
				      "roles.%s must be a person's name of at most %d characters", key,
				      INCIDENT_SHORT_MAX);
			goto fail;
		}
		if (json_object_set_new(out, key, json_string(name)) != 0)
			goto oom;
	}
	return out;
oom:
	api_error_set(err, 500, "internal", NULL, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

static json_t *cadence(const json_t *v, struct api_error *err)
{
	json_t *out = json_object();

	if (out == NULL)
		goto oom;
	if (v != NULL && !json_is_null(v) && !json_is_object(v)) {
		api_error_set(err, 400, "invalid_field", "cadence",
			      "cadence must be an object of audience → minutes");
		goto fail;
	}
	if (json_is_object(v)) {
		const char *key;
		json_t *m;
		enum audience a;

		json_object_foreach((json_t *)v, key, m) {
			if (audience_parse(key, &a) != 0 ||
			    (!json_is_null(m) && (!json_is_integer(m) || json_integer_value(m) < 1 ||
						  json_integer_value(m) > RUNCARD_CADENCE_MAX))) {
				api_error_set(err, 400, "invalid_field", "cadence",
					      "cadence.%.40s must be public, internal or exec with 1 to %d minutes or null",
					      key, RUNCARD_CADENCE_MAX);
				goto fail;
			}
		}
	}
	for (int a = 0; a < AUDIENCE__MAX; a++) {
		json_t *m = json_object_get(v, audience_name((enum audience)a));

		if (json_object_set_new(out, audience_name((enum audience)a),
					json_is_integer(m) ? json_integer(json_integer_value(m)) : json_null()) != 0)
			goto oom;
	}
	return out;
oom:
	api_error_set(err, 500, "internal", NULL, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

int runcard_normalize(const json_t *in, json_t **out, struct api_error *err)
{
	const char *key;
	json_t *v, *card;

	*out = NULL;
	if (!json_is_object(in))
		return api_error_set(err, 400, "malformed_json", NULL, "a run card is a JSON object");
	json_object_foreach((json_t *)in, key, v) {
		bool known = false;

		for (size_t i = 0; i < sizeof(card_members) / sizeof(card_members[0]); i++)
			known = known || strcmp(key, card_members[i]) == 0;
		if (!known)
			return api_error_set(err, 400, "unknown_field", key, "unknown field '%.40s'", key);
	}
	card = json_object();
	if (card == NULL)
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	if (json_object_set_new(card, "roles", roles(json_object_get(in, "roles"), err)) != 0 ||
	    json_object_set_new(card, "page", string_list(json_object_get(in, "page"), "page",
							  INCIDENT_SHORT_MAX, err)) != 0 ||
	    json_object_set_new(card, "checklist", string_list(json_object_get(in, "checklist"),
							       "checklist", RUNCARD_TEXT_MAX, err)) != 0 ||
	    json_object_set_new(card, "runbooks", runbooks(json_object_get(in, "runbooks"), err)) != 0 ||
	    json_object_set_new(card, "cadence", cadence(json_object_get(in, "cadence"), err)) != 0) {
		/* json_object_set_new() refuses NULL: the member's builder filled `err`. */
		json_decref(card);
		return -1;
	}
	*out = card;
	return 0;
}

/* The SPEC §2 postures, as a checklist a responder can work down. */
static const char *const default_checklists[RUNCARD_LEVELS][6] = {
	/* Box 0, low: triage only — monitor, no bridge */
	{"Triage: confirm the signal is real and who is affected",
	 "Monitor; no bridge unless it grows",
	 "Raise the alarm level if impact widens", NULL},
	/* Box 1, medium: single responder, MIM on standby */
	{"One responder takes the incident; the MIM stays on standby",
	 "Confirm severity within the first minutes",
	 "Post an internal update", NULL},
	/* Box 2, high: active MIM, stakeholder notification, multi-team response */
	{"Assign the MIM", "Open the bridge", "Page the teams of the affected services",
	 "Notify stakeholders", "Post the first internal update", NULL},
	/* Box 3, critical: full command structure, executive notification, run card activation */
	{"Assign the MIM, deputy and scribe", "Open the bridge",
	 "Page every team of the affected services", "Notify the executives",
	 "Post the first public update", NULL},
};

json_t *runcard_default(int level)
{
	json_t *checklist, *cad, *card;
	enum severity sev = level == 3 ? SEVERITY_CRITICAL
			  : level == 2 ? SEVERITY_HIGH
			  : level == 1 ? SEVERITY_MEDIUM : SEVERITY_LOW;

	if (level < 0 || level >= RUNCARD_LEVELS)
		return NULL;
	checklist = json_array();
	cad = json_object();
	card = json_pack("{s:{}, s:[], s:o, s:[], s:o}", "roles", "page", "checklist", checklist,
			 "runbooks", "cadence", cad);
	if (card == NULL)
		return NULL;
	for (int i = 0; default_checklists[level][i]; i++)
		if (json_array_append_new(checklist, json_string(default_checklists[level][i])) != 0)
			goto fail;
	/* The doctrine's own cadence defaults, in minutes. */
	for (int a = 0; a < AUDIENCE__MAX; a++) {
		int64_t ms = doctrine_default_cadence((enum audience)a, sev);

		if (json_object_set_new(cad, audience_name((enum audience)a),
					ms > 0 ? json_integer(ms / MINUTE_MS) : json_null()) != 0)
			goto fail;
	}
	return card;
fail:
	json_decref(card);
	return NULL;
}

int runcard_apply(const json_t *card, struct incident *inc, int64_t now, json_t **skipped)
{
	json_t *roles_in = json_object_get(card, "roles"), *state = NULL, *record = NULL;
	char *text;
	int rc = -1;

	*skipped = json_array();
	if (*skipped == NULL)
		return -1;
	/* Role order is the doctrine's (MIM first), so the gravest seat is filled first. */
	for (int r = 0; r < ROLE__MAX; r++) {
		const char *person = json_string_value(json_object_get(roles_in, role_name((enum role)r)));
		struct doctrine_verdict v;

		if (person == NULL || str_blank(person) || inc->roles[r] != NULL)
			continue;
		if (doctrine_check_role_assignment(inc, (enum role)r, person, &v) != 0) {
			if (json_array_append_new(*skipped, json_pack("{s:s, s:s, s:s}", "role",
								      role_name((enum role)r), "person",
								      person, "reason", v.message)) != 0)
				return -1;
			continue;
		}
		if (incident_set_text(&inc->roles[r], person) != 0)
			return -1;
	}
	state = inc->command_json ? json_loads(inc->command_json, 0, NULL) : json_object();
	record = json_deep_copy(card);
	if (!json_is_object(state) || record == NULL ||
	    json_object_set_new(record, "firedAt", json_time_or_null(now)) != 0 ||
	    json_object_set(state, "runCard", record) != 0)
		goto done;
	text = json_to_text(state);
	if (text == NULL)
		goto done;
	free(inc->command_json);
	inc->command_json = text;
	rc = 0;
done:
	json_decref(record);
	json_decref(state);
	return rc;
}

json_t *runcard_of_incident(const struct incident *inc)
{
	json_t *state, *card;

	if (inc->command_json == NULL)
		return json_null();
	state = json_loads(inc->command_json, 0, NULL);
	card = json_object_get(state, "runCard");
	card = json_is_object(card) ? json_incref(card) : json_null();
	json_decref(state);
	return card;
}
