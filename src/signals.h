/*
 * signals — alert payloads in (SPEC §11, the Gamewell box): a Prometheus Alertmanager
 * webhook (version 4), a Grafana alerting webhook (version 1) or the generic MajorOps shape
 * `{title, severity, systems, fingerprint, status, description, url}`, parsed into one
 * batch of alerts; the label → severity mapping; group keys and fingerprints.
 *
 * Pure: no I/O, no clock.  Parsing validates what intake relies on and tolerates every
 * member it does not read (real senders add fields with each release).  A payload that is
 * none of the shapes is refused with a 400 naming the member (`alerts[2].labels`).
 *
 * Ownership: a batch's strings borrow from the json_t it was parsed from (keep the body
 * alive while using the batch); signal_batch_free() releases the alert array only.
 */
#ifndef MAJOROPS_SIGNALS_H
#define MAJOROPS_SIGNALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incident.h"
#include "json.h"

#define SIGNAL_ALERTS_MAX 1000       /* alerts in one payload; more → 400 */
#define SIGNAL_KEY_MAX 256           /* bytes of a group key or fingerprint kept as sent;
				      * a longer one is kept as "h:" + its BLAKE2b hex */
#define SIGNAL_LOG_PAYLOAD_MAX 4096  /* bytes of a payload kept in the integration log */
#define SIGNAL_LABEL_MAX 100         /* characters of a severity label name or map key */
#define SIGNAL_MAP_MAX 64            /* entries of a severity map */
#define SIGNAL_SERVICE_LABEL "service" /* the label naming the service a run card may target */

enum signal_kind {
	SIGNAL_ALERTMANAGER, /* "alertmanager" */
	SIGNAL_GRAFANA,      /* "grafana" */
	SIGNAL_GENERIC,      /* "generic" */
	SIGNAL_KIND__MAX
};

const char *signal_kind_name(enum signal_kind k);
int signal_kind_parse(const char *name, enum signal_kind *out);

struct signal_alert {
	bool firing;                           /* else resolved */
	char fingerprint[SIGNAL_KEY_MAX + 1];  /* as sent, or derived from the labels / title */
	const char *name;        /* alertname label, generic title; never NULL */
	const char *summary;     /* annotations.summary, or NULL */
	const char *description; /* annotations.description / generic description, or NULL */
	const char *url;         /* generatorURL, panelURL, dashboardURL, generic url, or NULL */
	const char *service;     /* the service label, or NULL */
	const char *severity;    /* the severity label's value (generic: severity), or NULL */
	int64_t starts_at;       /* TIME_NONE when not sent */
	int64_t ends_at;         /* TIME_NONE when not sent or Go's zero time */
};

struct signal_batch {
	enum signal_kind kind;
	char group_key[SIGNAL_KEY_MAX + 1];
	const char *title;       /* Grafana's or the generic title, or NULL */
	json_t *systems;         /* the generic `systems` (borrowed array of strings), or NULL */
	size_t nalerts;
	struct signal_alert *alerts; /* heap, nalerts long */
};

/* Parses `body` (one JSON object, already through json_parse_body) as `kind`.  The severity
 * of each alert is read from the label `severity_label`.  0, or -1 with a 400 in `err`
 * (code missing_field / invalid_field, field naming the member). */
int signal_parse(enum signal_kind kind, json_t *body, const char *severity_label,
		 struct signal_batch *out, struct api_error *err);
void signal_batch_free(struct signal_batch *b);

/*
 * The severity a label value means: the integration's `map` first (keys compare
 * case-insensitively), then the built-in names (critical/high/medium/low and the common
 * words: page, sev1…sev4, p1…p4, error, warning, info…).  Returns 1 when it was mapped,
 * 0 when `value` is NULL or unknown and `dflt` was used (SPEC §2: unsure → the default the
 * admin chose, which intake sets to the higher level).
 */
int signal_severity(const char *value, const json_t *map, enum severity dflt,
		    enum severity *out);
/* The graver of two severities. */
enum severity signal_severity_max(enum severity a, enum severity b);

/* Whether `map` is a valid severity map: an object of at most SIGNAL_MAP_MAX keys, each
 * 1..SIGNAL_LABEL_MAX characters, whose values are severity names.  -1 with a 400 naming
 * `field` otherwise. */
int signal_map_check(const json_t *map, const char *field, struct api_error *err);

/* An RFC 3339 time with any offset ("2026-05-20T09:15:00.123456789+02:00") into UTC ms;
 * Go's zero time (year 1) reads as TIME_NONE.  0 or -1. */
int signal_time(const char *s, int64_t *out);

/* `raw` as a key: copied when it fits SIGNAL_KEY_MAX, else "h:" + hex BLAKE2b-128. */
void signal_key(const char *raw, char out[SIGNAL_KEY_MAX + 1]);

/* The number of bytes of `text` (length `len`) to keep under `max`, cut on a UTF-8
 * boundary. */
size_t signal_trim_len(const char *text, size_t len, size_t max);

#endif
