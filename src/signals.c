/* Alert payloads in: Alertmanager v4, Grafana alerting v1, the generic shape (signals.h). */
#include "signals.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "parse.h"

static const char *const kind_names[SIGNAL_KIND__MAX] = {
	[SIGNAL_ALERTMANAGER] = "alertmanager",
	[SIGNAL_GRAFANA] = "grafana",
	[SIGNAL_GENERIC] = "generic",
};

const char *signal_kind_name(enum signal_kind k)
{
	return (unsigned)k < SIGNAL_KIND__MAX ? kind_names[k] : "?";
}

int signal_kind_parse(const char *name, enum signal_kind *out)
{
	for (int k = 0; k < SIGNAL_KIND__MAX; k++) {
		if (name && strcmp(name, kind_names[k]) == 0) {
			*out = (enum signal_kind)k;
			return 0;
		}
	}
	return -1;
}

/* ---- severity ---- */

/* Words monitoring systems use for severity, and what they mean here (SPEC §2). */
static const struct {
	const char *word;
	enum severity severity;
} severity_words[] = {
	{"critical", SEVERITY_CRITICAL}, {"crit", SEVERITY_CRITICAL}, {"page", SEVERITY_CRITICAL},
	{"fatal", SEVERITY_CRITICAL}, {"emergency", SEVERITY_CRITICAL}, {"sev0", SEVERITY_CRITICAL},
	{"sev1", SEVERITY_CRITICAL}, {"p1", SEVERITY_CRITICAL}, {"p0", SEVERITY_CRITICAL},
	{"high", SEVERITY_HIGH}, {"error", SEVERITY_HIGH}, {"major", SEVERITY_HIGH},
	{"sev2", SEVERITY_HIGH}, {"p2", SEVERITY_HIGH},
	{"medium", SEVERITY_MEDIUM}, {"warning", SEVERITY_MEDIUM}, {"warn", SEVERITY_MEDIUM},
	{"minor", SEVERITY_MEDIUM}, {"sev3", SEVERITY_MEDIUM}, {"p3", SEVERITY_MEDIUM},
	{"low", SEVERITY_LOW}, {"info", SEVERITY_LOW}, {"informational", SEVERITY_LOW},
	{"notice", SEVERITY_LOW}, {"sev4", SEVERITY_LOW}, {"p4", SEVERITY_LOW},
};

int signal_severity(const char *value, const json_t *map, enum severity dflt,
		    enum severity *out)
{
	const char *key;
	json_t *v;

	*out = dflt;
	if (value == NULL || *value == '\0')
		return 0;
	json_object_foreach((json_t *)map, key, v) {
		if (strcasecmp(key, value) == 0 && severity_parse(json_string_value(v), out) == 0)
			return 1;
	}
	for (size_t i = 0; i < sizeof(severity_words) / sizeof(severity_words[0]); i++) {
		if (strcasecmp(severity_words[i].word, value) == 0) {
			*out = severity_words[i].severity;
			return 1;
		}
	}
	return 0;
}

enum severity signal_severity_max(enum severity a, enum severity b)
{
	/* The enum runs from the gravest (critical = 0) down. */
	return a < b ? a : b;
}

int signal_map_check(const json_t *map, const char *field, struct api_error *err)
{
	const char *key;
	json_t *v;
	enum severity s;

	if (!json_is_object(map))
		return api_error_set(err, 400, "invalid_field", field, "%s must be an object", field);
	if (json_object_size(map) > SIGNAL_MAP_MAX)
		return api_error_set(err, 400, "invalid_field", field, "%s has more than %d entries",
				     field, SIGNAL_MAP_MAX);
	json_object_foreach((json_t *)map, key, v) {
		size_t n = utf8_length(key);

		if (n == 0 || n > SIGNAL_LABEL_MAX)
			return api_error_set(err, 400, "invalid_field", field,
					     "%s keys must be 1 to %d characters", field,
					     SIGNAL_LABEL_MAX);
		if (severity_parse(json_string_value(v), &s) != 0)
			return api_error_set(err, 400, "invalid_field", field,
					     "%s values must be one of critical, high, medium, low "
					     "('%.40s' is not)", field, key);
	}
	return 0;
}

/* ---- times, keys, trimming ---- */

int signal_time(const char *s, int64_t *out)
{
	char copy[64];
	size_t len;
	int64_t ms, offset_min = 0;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len < 20 || len >= sizeof(copy))
		return -1;
	if (strncmp(s, "0001-01-01T", 11) == 0) {
		/* Go's zero time: Alertmanager's endsAt of an alert with no end. */
		*out = TIME_NONE;
		return 0;
	}
	memcpy(copy, s, len + 1);
	if (copy[len - 1] != 'Z' && copy[len - 1] != 'z') {
		const char *tz = copy + len - 6;
		const char *cur = tz + 1;
		uint64_t hh, mm;

		if ((*tz != '+' && *tz != '-') || parse_u64(&cur, &hh, 23) != 0 || *cur != ':')
			return -1;
		cur++;
		if (parse_u64(&cur, &mm, 59) != 0 || *cur != '\0')
			return -1;
		offset_min = (int64_t)(hh * 60 + mm) * (*tz == '-' ? -1 : 1);
		copy[len - 6] = 'Z';
		copy[len - 5] = '\0';
	} else {
		copy[len - 1] = 'Z';
	}
	if (time_from_iso(copy, &ms) != 0)
		return -1;
	*out = ms - offset_min * 60 * 1000;
	return 0;
}

void signal_key(const char *raw, char out[SIGNAL_KEY_MAX + 1])
{
	size_t len = strlen(raw);
	unsigned char hash[16];

	if (len <= SIGNAL_KEY_MAX) {
		memcpy(out, raw, len + 1);
		return;
	}
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)raw, len, NULL, 0);
	out[0] = 'h';
	out[1] = ':';
	sodium_bin2hex(out + 2, SIGNAL_KEY_MAX - 1, hash, sizeof(hash));
}

size_t signal_trim_len(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	/* Back off continuation bytes so the cut never splits a character. */
	while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
		len--;
	return len;
}

/* ---- parsing ---- */

static int bad(struct api_error *err, const char *code, const char *field, const char *what)
{
	return api_error_set(err, 400, code, field, "%s %s", field, what);
}

/* An optional string member; -1 (with a 400) when present but not a string. */
static int opt_string(json_t *o, const char *key, const char *field, const char **out,
		      struct api_error *err)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(err, "invalid_field", field, "must be a string");
	*out = *json_string_value(v) ? json_string_value(v) : NULL;
	return 0;
}

static int opt_time(json_t *o, const char *key, const char *field, int64_t *out,
		    struct api_error *err)
{
	const char *s;

	*out = TIME_NONE;
	if (opt_string(o, key, field, &s, err) != 0)
		return -1;
	if (s && signal_time(s, out) != 0)
		return bad(err, "invalid_field", field, "must be an RFC 3339 time");
	return 0;
}

static int status_of(const char *s, const char *field, bool *firing, struct api_error *err)
{
	if (s && strcmp(s, "firing") == 0) {
		*firing = true;
		return 0;
	}
	if (s && strcmp(s, "resolved") == 0) {
		*firing = false;
		return 0;
	}
	return bad(err, s ? "invalid_field" : "missing_field", field,
		   "must be \"firing\" or \"resolved\"");
}

/* The fingerprint of an alert that came without one: a hash of its labels, sorted, so the
 * same alert always gets the same fingerprint. */
static int derive_fingerprint(json_t *labels, char out[SIGNAL_KEY_MAX + 1])
{
	char *text = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char hash[8];

	if (text == NULL)
		return -1;
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)text, strlen(text), NULL, 0);
	free(text);
	out[0] = 'l';
	out[1] = ':';
	sodium_bin2hex(out + 2, SIGNAL_KEY_MAX - 1, hash, sizeof(hash));
	return 0;
}

/* One alert object of an Alertmanager or Grafana payload. */
static int parse_alert(json_t *a, size_t i, const char *payload_status,
		       const char *severity_label, struct signal_alert *out,
		       struct api_error *err)
{
	char field[64];
	json_t *labels, *annotations;
	const char *status, *fp, *s;

	snprintf(field, sizeof(field), "alerts[%zu]", i);
	if (!json_is_object(a))
		return bad(err, "invalid_field", field, "must be an object");
	snprintf(field, sizeof(field), "alerts[%zu].labels", i);
	labels = json_object_get(a, "labels");
	if (labels == NULL)
		return bad(err, "missing_field", field, "is required");
	if (!json_is_object(labels))
		return bad(err, "invalid_field", field, "must be an object");
	snprintf(field, sizeof(field), "alerts[%zu].annotations", i);
	annotations = json_object_get(a, "annotations");
	if (annotations != NULL && !json_is_null(annotations) && !json_is_object(annotations))
		return bad(err, "invalid_field", field, "must be an object");
	snprintf(field, sizeof(field), "alerts[%zu].status", i);
	if (opt_string(a, "status", field, &status, err) != 0 ||
	    status_of(status ? status : payload_status, field, &out->firing, err) != 0)
		return -1;
	snprintf(field, sizeof(field), "alerts[%zu].startsAt", i);
	if (opt_time(a, "startsAt", field, &out->starts_at, err) != 0)
		return -1;
	snprintf(field, sizeof(field), "alerts[%zu].endsAt", i);
	if (opt_time(a, "endsAt", field, &out->ends_at, err) != 0)
		return -1;
	snprintf(field, sizeof(field), "alerts[%zu].fingerprint", i);
	if (opt_string(a, "fingerprint", field, &fp, err) != 0)
		return -1;
	if (fp)
		signal_key(fp, out->fingerprint);
	else if (derive_fingerprint(labels, out->fingerprint) != 0)
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	/* Labels and annotations are strings in both senders; anything else reads as absent. */
	out->name = json_string_value(json_object_get(labels, "alertname"));
	if (out->name == NULL || *out->name == '\0')
		out->name = "alert";
	out->service = json_string_value(json_object_get(labels, SIGNAL_SERVICE_LABEL));
	out->severity = json_string_value(json_object_get(labels, severity_label));
	out->summary = json_string_value(json_object_get(annotations, "summary"));
	out->description = json_string_value(json_object_get(annotations, "description"));
	/* Grafana's panel or dashboard says more than the rule's generator URL. */
	out->url = NULL;
	s = json_string_value(json_object_get(a, "panelURL"));
	if (s == NULL || *s == '\0')
		s = json_string_value(json_object_get(a, "dashboardURL"));
	if (s == NULL || *s == '\0')
		s = json_string_value(json_object_get(a, "generatorURL"));
	if (s && *s)
		out->url = s;
	return 0;
}

/* Alertmanager v4 and Grafana v1 share the envelope: status, groupKey, alerts[]. */
static int parse_grouped(json_t *body, const char *severity_label, struct signal_batch *out,
			 struct api_error *err)
{
	const char *version, *status, *group_key;
	json_t *alerts = json_object_get(body, "alerts"), *a;
	bool am = out->kind == SIGNAL_ALERTMANAGER;
	size_t i;

	if (opt_string(body, "version", "version", &version, err) != 0)
		return -1;
	if (am && (version == NULL || strcmp(version, "4") != 0))
		return bad(err, version ? "invalid_field" : "missing_field", "version",
			   "must be \"4\" (the Alertmanager webhook payload version)");
	if (!am && version && strcmp(version, "1") != 0)
		return bad(err, "invalid_field", "version",
			   "must be \"1\" (the Grafana alerting webhook payload version)");
	if (opt_string(body, "status", "status", &status, err) != 0 ||
	    opt_string(body, "groupKey", "groupKey", &group_key, err) != 0 ||
	    opt_string(body, "title", "title", &out->title, err) != 0)
		return -1;
	if (am && group_key == NULL)
		return bad(err, "missing_field", "groupKey", "is required");
	if (alerts == NULL)
		return bad(err, "missing_field", "alerts", "is required");
	if (!json_is_array(alerts))
		return bad(err, "invalid_field", "alerts", "must be an array");
	if (json_array_size(alerts) == 0)
		return bad(err, "invalid_field", "alerts", "must hold at least one alert");
	if (json_array_size(alerts) > SIGNAL_ALERTS_MAX)
		return api_error_set(err, 400, "invalid_field", "alerts",
				     "alerts holds more than %d alerts", SIGNAL_ALERTS_MAX);
	out->alerts = calloc(json_array_size(alerts), sizeof(*out->alerts));
	if (out->alerts == NULL)
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	json_array_foreach(alerts, i, a) {
		if (parse_alert(a, i, status, severity_label, &out->alerts[i], err) != 0)
			return -1;
		out->nalerts = i + 1;
	}
	/* A Grafana payload without a group key groups by its first alert. */
	signal_key(group_key ? group_key : out->alerts[0].fingerprint, out->group_key);
	return 0;
}

static int parse_generic(json_t *body, struct signal_batch *out, struct api_error *err)
{
	struct signal_alert *a;
	const char *status, *fp;
	json_t *systems = json_object_get(body, "systems"), *v;
	size_t i;

	out->alerts = calloc(1, sizeof(*out->alerts));
	if (out->alerts == NULL)
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	a = &out->alerts[0];
	if (opt_string(body, "title", "title", &out->title, err) != 0)
		return -1;
	if (out->title == NULL)
		return bad(err, "missing_field", "title", "is required");
	if (utf8_length(out->title) > INCIDENT_TITLE_MAX)
		return api_error_set(err, 400, "invalid_field", "title",
				     "title must be at most %d characters", INCIDENT_TITLE_MAX);
	if (opt_string(body, "severity", "severity", &a->severity, err) != 0 ||
	    opt_string(body, "status", "status", &status, err) != 0 ||
	    opt_string(body, "fingerprint", "fingerprint", &fp, err) != 0 ||
	    opt_string(body, "description", "description", &a->description, err) != 0 ||
	    opt_string(body, "url", "url", &a->url, err) != 0 ||
	    opt_string(body, "service", "service", &a->service, err) != 0 ||
	    opt_time(body, "startsAt", "startsAt", &a->starts_at, err) != 0 ||
	    opt_time(body, "endsAt", "endsAt", &a->ends_at, err) != 0)
		return -1;
	if (status_of(status ? status : "firing", "status", &a->firing, err) != 0)
		return -1;
	if (systems != NULL && !json_is_null(systems)) {
		if (!json_is_array(systems) || json_array_size(systems) > INCIDENT_SYSTEMS_MAX)
			return api_error_set(err, 400, "invalid_field", "systems",
					     "systems must be an array of at most %d strings",
					     INCIDENT_SYSTEMS_MAX);
		json_array_foreach(systems, i, v) {
			size_t n = utf8_length(json_string_value(v) ? json_string_value(v) : "");

			if (!json_is_string(v) || n == 0 || n > INCIDENT_SHORT_MAX)
				return api_error_set(err, 400, "invalid_field", "systems",
						     "systems[%zu] must be a string of 1 to %d characters",
						     i, INCIDENT_SHORT_MAX);
		}
		out->systems = systems;
	}
	/* Without a fingerprint the title is the alert's identity. */
	signal_key(fp ? fp : out->title, a->fingerprint);
	a->name = out->title;
	out->nalerts = 1;
	signal_key(a->fingerprint, out->group_key);
	return 0;
}

int signal_parse(enum signal_kind kind, json_t *body, const char *severity_label,
		 struct signal_batch *out, struct api_error *err)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (!json_is_object(body))
		return api_error_set(err, 400, "malformed_json", NULL, "the payload must be a JSON object");
	if (kind == SIGNAL_GENERIC)
		return parse_generic(body, out, err);
	return parse_grouped(body, severity_label ? severity_label : "severity", out, err);
}

void signal_batch_free(struct signal_batch *b)
{
	free(b->alerts);
	b->alerts = NULL;
	b->nalerts = 0;
}
