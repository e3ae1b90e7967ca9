/*
 * incident — lifetime of struct incident and the wire names of the domain's enums.
 *
 * The name tables are the single place a wire name is spelled; every *_parse() walks the
 * same table its *_name() reads, so a name can never parse to something it does not print.
 */
#include "incident.h"

#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const severity_names[] = {
	"critical", /* SEVERITY_CRITICAL */
	"high",     /* SEVERITY_HIGH */
	"medium",   /* SEVERITY_MEDIUM */
	"low",      /* SEVERITY_LOW */
};
_Static_assert(NELEM(severity_names) == SEVERITY__MAX, "severity_names out of step");

static const char *const status_names[] = {
	"investigating", /* STATUS_INVESTIGATING */
	"identified",    /* STATUS_IDENTIFIED */
	"monitoring",    /* STATUS_MONITORING */
	"resolved",      /* STATUS_RESOLVED */
};
_Static_assert(NELEM(status_names) == STATUS__MAX, "status_names out of step");

/* Indexed by phase number; row 0 exists only because phases count from 1. */
static const char *const phase_names[] = {
	"?",          /* (no phase 0) */
	"Alert",      /* PHASE_ALERT */
	"Gather",     /* PHASE_GATHER */
	"Assess",     /* PHASE_ASSESS */
	"Initial",    /* PHASE_INITIAL */
	"Isolation",  /* PHASE_ISOLATION */
	"Mitigation", /* PHASE_MITIGATION */
	"Validation", /* PHASE_VALIDATION */
	"Resolution", /* PHASE_RESOLUTION */
};
_Static_assert(NELEM(phase_names) == PHASE_LAST + 1, "phase_names out of step");

static const char *const role_names[] = {
	"mim",             /* ROLE_MIM */
	"deputy",          /* ROLE_DEPUTY */
	"scribe",          /* ROLE_SCRIBE */
	"sre",             /* ROLE_SRE */
	"sme",             /* ROLE_SME */
	"customerOps",     /* ROLE_CUSTOMER_OPS */
	"internalLiaison", /* ROLE_INTERNAL_LIAISON */
	"leader",          /* ROLE_LEADER */
	"serviceManager",  /* ROLE_SERVICE_MANAGER */
	"legal",           /* ROLE_LEGAL */
	"pr",              /* ROLE_PR */
};
_Static_assert(NELEM(role_names) == ROLE__MAX, "role_names out of step");

static const char *const audience_names[] = {
	"public",   /* AUDIENCE_PUBLIC */
	"internal", /* AUDIENCE_INTERNAL */
	"exec",     /* AUDIENCE_EXEC */
};
_Static_assert(NELEM(audience_names) == AUDIENCE__MAX, "audience_names out of step");

static const char *const update_kind_names[] = {
	"milestone",  /* UPDATE_MILESTONE */
	"holding",    /* UPDATE_HOLDING */
	"resolution", /* UPDATE_RESOLUTION */
};
_Static_assert(NELEM(update_kind_names) == UPDATE_KIND__MAX, "update_kind_names out of step");

static const char *const responder_state_names[] = {
	"paged",        /* RESPONDER_PAGED */
	"acknowledged", /* RESPONDER_ACKNOWLEDGED */
	"joining",      /* RESPONDER_JOINING */
	"onScene",      /* RESPONDER_ON_SCENE */
	"released",     /* RESPONDER_RELEASED */
};
_Static_assert(NELEM(responder_state_names) == RESPONDER_STATE__MAX,
	       "responder_state_names out of step");

static const char *const visibility_names[] = {
	"internal", /* VISIBILITY_INTERNAL */
	"public",   /* VISIBILITY_PUBLIC */
};
_Static_assert(NELEM(visibility_names) == VISIBILITY__MAX, "visibility_names out of step");

static const char *const cadence_state_names[] = {
	"none",    /* CADENCE_NONE */
	"ok",      /* CADENCE_OK */
	"due",     /* CADENCE_DUE */
	"overdue", /* CADENCE_OVERDUE */
};
_Static_assert(NELEM(cadence_state_names) == CADENCE__MAX, "cadence_state_names out of step");

/* "?" rather than NULL for a value outside the table, so a broken caller prints
 * something recognisable instead of crashing inside printf. */
static const char *table_name(const char *const *names, size_t nnames, long value)
{
	if (value < 0 || (size_t)value >= nnames)
		return "?";
	return names[value];
}

/* Wire names are exact: "customerOps", not "customerops". */
static int table_parse(const char *const *names, size_t nnames, const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < nnames; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *severity_name(enum severity s)
{
	return table_name(severity_names, NELEM(severity_names), (long)s);
}

int severity_parse(const char *name, enum severity *out)
{
	int i = table_parse(severity_names, NELEM(severity_names), name);

	if (i < 0)
		return -1;
	*out = (enum severity)i;
	return 0;
}

const char *status_name(enum status s)
{
	return table_name(status_names, NELEM(status_names), (long)s);
}

int status_parse(const char *name, enum status *out)
{
	int i = table_parse(status_names, NELEM(status_names), name);

	if (i < 0)
		return -1;
	*out = (enum status)i;
	return 0;
}

const char *phase_name(int phase)
{
	if (phase < PHASE_FIRST || phase > PHASE_LAST)
		return "?";
	return phase_names[phase];
}

const char *role_name(enum role r)
{
	return table_name(role_names, NELEM(role_names), (long)r);
}

int role_parse(const char *name, enum role *out)
{
	int i = table_parse(role_names, NELEM(role_names), name);

	if (i < 0)
		return -1;
	*out = (enum role)i;
	return 0;
}

const char *audience_name(enum audience a)
{
	return table_name(audience_names, NELEM(audience_names), (long)a);
}

int audience_parse(const char *name, enum audience *out)
{
	int i = table_parse(audience_names, NELEM(audience_names), name);

	if (i < 0)
		return -1;
	*out = (enum audience)i;
	return 0;
}

const char *update_kind_name(enum update_kind k)
{
	return table_name(update_kind_names, NELEM(update_kind_names), (long)k);
}

int update_kind_parse(const char *name, enum update_kind *out)
{
	int i = table_parse(update_kind_names, NELEM(update_kind_names), name);

	if (i < 0)
		return -1;
	*out = (enum update_kind)i;
	return 0;
}

const char *responder_state_name(enum responder_state s)
{
	return table_name(responder_state_names, NELEM(responder_state_names), (long)s);
}

int responder_state_parse(const char *name, enum responder_state *out)
{
	int i = table_parse(responder_state_names, NELEM(responder_state_names), name);

	if (i < 0)
		return -1;
	*out = (enum responder_state)i;
	return 0;
}

const char *visibility_name(enum visibility v)
{
	return table_name(visibility_names, NELEM(visibility_names), (long)v);
}

int visibility_parse(const char *name, enum visibility *out)
{
	int i = table_parse(visibility_names, NELEM(visibility_names), name);

	if (i < 0)
		return -1;
	*out = (enum visibility)i;
	return 0;
}

const char *cadence_state_name(enum cadence_state c)
{
	return table_name(cadence_state_names, NELEM(cadence_state_names), (long)c);
}

/* A heap copy of `s`, or NULL when out of memory. */
static char *text_dup(const char *s)
{
	size_t len = strlen(s);
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len + 1);
	return copy;
}

/* Copies an optional string: NULL stays NULL and is not a failure. */
static int text_copy(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = text_dup(src);
	return *dst == NULL ? -1 : 0;
}

void incident_init(struct incident *inc)
{
	/* Zero is TIME_NONE for every clock, NULL for every string, false for every flag. */
	memset(inc, 0, sizeof(*inc));
	for (int p = 0; p <= PHASE_LAST; p++)
		inc->phase_entered_at[p] = TIME_NONE;
	/* Unsure means the higher level (SPEC §2); intake always sets a severity anyway. */
	inc->severity = SEVERITY_CRITICAL;
	inc->status = STATUS_INVESTIGATING;
	inc->phase = PHASE_ALERT;
	inc->customer_count = -1;
}

void incident_free(struct incident *inc)
{
	free(inc->title);
	free(inc->description);
	for (size_t i = 0; i < inc->naffected_systems; i++)
		free(inc->affected_systems[i]);
	free(inc->affected_systems);
	free(inc->bridge_url);
	free(inc->channel);
	free(inc->business_impact);
	free(inc->customer_impact_summary);
	free(inc->risk_level);
	free(inc->exec_summary);
	for (int r = 0; r < ROLE__MAX; r++)
		free(inc->roles[r]);
	free(inc->information_authority);
	free(inc->created_by);
	free(inc->command_json);
	/* Back to a fresh incident, so a second free (or a reuse) is harmless. */
	incident_init(inc);
}

/*
 * `dst` is treated as raw storage: whatever it held is overwritten, not freed.  The scalars
 * are copied first and every pointer cleared, so on failure incident_free() releases exactly
 * the strings copied so far.
 */
int incident_copy(struct incident *dst, const struct incident *src)
{
	*dst = *src;
	dst->title = NULL;
	dst->description = NULL;
	dst->affected_systems = NULL;
	dst->naffected_systems = 0;
	dst->bridge_url = NULL;
	dst->channel = NULL;
	dst->business_impact = NULL;
	dst->customer_impact_summary = NULL;
	dst->risk_level = NULL;
	dst->exec_summary = NULL;
	for (int r = 0; r < ROLE__MAX; r++)
		dst->roles[r] = NULL;
	dst->information_authority = NULL;
	dst->created_by = NULL;
	dst->command_json = NULL;

	if (text_copy(&dst->title, src->title) != 0 ||
	    text_copy(&dst->description, src->description) != 0 ||
	    text_copy(&dst->bridge_url, src->bridge_url) != 0 ||
	    text_copy(&dst->channel, src->channel) != 0 ||
	    text_copy(&dst->business_impact, src->business_impact) != 0 ||
	    text_copy(&dst->customer_impact_summary, src->customer_impact_summary) != 0 ||
	    text_copy(&dst->risk_level, src->risk_level) != 0 ||
	    text_copy(&dst->exec_summary, src->exec_summary) != 0 ||
	    text_copy(&dst->information_authority, src->information_authority) != 0 ||
	    text_copy(&dst->created_by, src->created_by) != 0 ||
	    text_copy(&dst->command_json, src->command_json) != 0)
		goto fail;
	for (int r = 0; r < ROLE__MAX; r++)
		if (text_copy(&dst->roles[r], src->roles[r]) != 0)
			goto fail;
	if (src->naffected_systems > 0) {
		dst->affected_systems = calloc(src->naffected_systems, sizeof(char *));
		if (dst->affected_systems == NULL)
			goto fail;
		/* Counted as each string lands, so the cleanup frees only what exists. */
		for (size_t i = 0; i < src->naffected_systems; i++) {
			dst->naffected_systems = i + 1;
			if (text_copy(&dst->affected_systems[i], src->affected_systems[i]) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	incident_free(dst);
	return -1;
}

int incident_set_text(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && value[0] != '\0') {
		copy = text_dup(value);
		/* Out of memory leaves the old value in place: no half-applied change. */
		if (copy == NULL)
			return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}
