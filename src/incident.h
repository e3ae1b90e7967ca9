/*
 * incident — the domain's types: an incident and the enumerations the doctrine speaks in.
 *
 * Pure data: nothing here does I/O or reads a clock.  Strings in struct incident are heap
 * strings owned by the struct (NULL means "not set" for optional text); incident_free()
 * releases them.  Times are int64_t milliseconds since the epoch, UTC, TIME_NONE when unset.
 * Every enum that sizes a table ends in a __MAX sentinel; its names are the wire names.
 */
#ifndef MAJOROPS_INCIDENT_H
#define MAJOROPS_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum severity {
	SEVERITY_CRITICAL, /* "critical", Box 3, Sev-1 */
	SEVERITY_HIGH,     /* "high",     Box 2, Sev-2 */
	SEVERITY_MEDIUM,   /* "medium",   Box 1, Sev-3 */
	SEVERITY_LOW,      /* "low",      Box 0, Sev-4 */
	SEVERITY__MAX
};

enum status {
	STATUS_INVESTIGATING, /* "investigating" */
	STATUS_IDENTIFIED,    /* "identified" */
	STATUS_MONITORING,    /* "monitoring" */
	STATUS_RESOLVED,      /* "resolved" */
	STATUS__MAX
};

/* Phases are numbered 1..8 as in SPEC §3; PHASE_FIRST/PHASE_LAST bound them. */
enum phase {
	PHASE_ALERT = 1,
	PHASE_GATHER = 2,
	PHASE_ASSESS = 3,
	PHASE_INITIAL = 4,
	PHASE_ISOLATION = 5,
	PHASE_MITIGATION = 6,
	PHASE_VALIDATION = 7,
	PHASE_RESOLUTION = 8
};
#define PHASE_FIRST PHASE_ALERT
#define PHASE_LAST PHASE_RESOLUTION

enum role {
	ROLE_MIM,              /* "mim" */
	ROLE_DEPUTY,           /* "deputy" */
	ROLE_SCRIBE,           /* "scribe" */
	ROLE_SRE,              /* "sre" */
	ROLE_SME,              /* "sme" */
	ROLE_CUSTOMER_OPS,     /* "customerOps" */
	ROLE_INTERNAL_LIAISON, /* "internalLiaison" */
	ROLE_LEADER,           /* "leader" */
	ROLE_SERVICE_MANAGER,  /* "serviceManager" */
	ROLE_LEGAL,            /* "legal" (required when existential) */
	ROLE_PR,               /* "pr" (required when existential) */
	ROLE__MAX
};

enum audience {
	AUDIENCE_PUBLIC,   /* "public" */
	AUDIENCE_INTERNAL, /* "internal" */
	AUDIENCE_EXEC,     /* "exec" */
	AUDIENCE__MAX
};

enum update_kind {
	UPDATE_MILESTONE,  /* "milestone" */
	UPDATE_HOLDING,    /* "holding" */
	UPDATE_RESOLUTION, /* "resolution" */
	UPDATE_KIND__MAX
};

enum responder_state {
	RESPONDER_PAGED,        /* "paged" */
	RESPONDER_ACKNOWLEDGED, /* "acknowledged" */
	RESPONDER_JOINING,      /* "joining" */
	RESPONDER_ON_SCENE,     /* "onScene" */
	RESPONDER_RELEASED,     /* "released" */
	RESPONDER_STATE__MAX
};

enum visibility {
	VISIBILITY_INTERNAL, /* "internal" (the default) */
	VISIBILITY_PUBLIC,   /* "public" */
	VISIBILITY__MAX
};

enum cadence_state {
	CADENCE_NONE,    /* "none": nothing published for the audience, or nothing owed */
	CADENCE_OK,      /* "ok" */
	CADENCE_DUE,     /* "due": 5 minutes or less left */
	CADENCE_OVERDUE, /* "overdue" */
	CADENCE__MAX
};

#define INCIDENT_TITLE_MAX 200      /* characters (code points) */
#define INCIDENT_TEXT_MAX 10000     /* characters, for every long text */
#define INCIDENT_SHORT_MAX 200      /* characters: names, systems, channel */
#define INCIDENT_URL_MAX 2000       /* bytes */
#define INCIDENT_SYSTEMS_MAX 64     /* affected systems per incident */

struct incident {
	int64_t number; /* INC-<number>, from 1, never reused */
	int64_t version; /* bumped by every change; the ETag */
	char *title;
	char *description;
	enum severity severity;
	enum status status;
	int phase;                               /* 1..8 */
	int64_t phase_entered_at[PHASE_LAST + 1]; /* index 1..8; TIME_NONE when never entered */
	char **affected_systems;
	size_t naffected_systems;
	char *bridge_url;
	bool bridge_public;
	char *channel;
	bool external_impact;
	int64_t customer_count; /* -1 when unknown */
	char *business_impact;
	char *customer_impact_summary;
	char *risk_level;
	char *exec_summary;
	int64_t next_update_eta;
	int64_t started_at;
	int64_t alert_fired_at;
	int64_t opened_at;
	int64_t resolved_at;
	int64_t after_action_at;
	int64_t severity_confirmed_at; /* last time severity was set or confirmed */
	char *roles[ROLE__MAX];        /* person holding each role, NULL when vacant */
	char *information_authority;   /* NULL means the MIM holds it */
	bool security;
	bool existential;
	bool drill;
	int64_t reopen_count;
	char *created_by;
	int64_t updated_at;
	/* The command doctrine's projection (command.h): tracks, hypotheses, latest CAN per
	 * team, the pending hand-off, regulatory clocks, approvals, guardrails already written.
	 * A serialized JSON object owned by the struct, NULL when nothing has been recorded.
	 * Internal: stored with the incident, never sent as it is (incident_view shows what
	 * clients see of it). */
	char *command_json;
};

/* Zeroes `inc` with the defaults of a new incident (phase 1, investigating, count -1). */
void incident_init(struct incident *inc);
void incident_free(struct incident *inc);
/* Deep copy; returns -1 (and leaves `dst` freeable) when out of memory. */
int incident_copy(struct incident *dst, const struct incident *src);
/* Replaces a heap string field with a copy of `value` (NULL or "" clears it). */
int incident_set_text(char **field, const char *value);

/* Wire names.  *_name() never returns NULL for a valid enum; *_parse() returns -1 on an
 * unknown name and leaves `out` untouched. */
const char *severity_name(enum severity s);
int severity_parse(const char *name, enum severity *out);
const char *status_name(enum status s);
int status_parse(const char *name, enum status *out);
const char *phase_name(int phase); /* "Alert".."Resolution", "?" out of range */
const char *role_name(enum role r);
int role_parse(const char *name, enum role *out);
const char *audience_name(enum audience a);
int audience_parse(const char *name, enum audience *out);
const char *update_kind_name(enum update_kind k);
int update_kind_parse(const char *name, enum update_kind *out);
const char *responder_state_name(enum responder_state s);
int responder_state_parse(const char *name, enum responder_state *out);
const char *visibility_name(enum visibility v);
int visibility_parse(const char *name, enum visibility *out);
const char *cadence_state_name(enum cadence_state c);

#endif
