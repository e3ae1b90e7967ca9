/*
 * firstten — the first-ten-minutes checklist (SPEC §9): one table row per item.
 */
#include "firstten.h"

#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* When an item is owed at all. */
enum firstten_owed {
	OWED_ALWAYS,
	OWED_HIGH_SEVERITY,   /* critical or high */
	OWED_EXTERNAL_IMPACT, /* externalImpact set */
};

struct firstten_def {
	const char *name;
	const char *label;
	enum firstten_owed owed;
};

static const struct firstten_def defs[] = {
	{"declared", "Declared", OWED_ALWAYS},                          /* FIRSTTEN_DECLARED */
	{"channel", "Channel name set", OWED_ALWAYS},                   /* FIRSTTEN_CHANNEL */
	{"mimAssigned", "MIM assigned", OWED_ALWAYS},                   /* FIRSTTEN_MIM */
	{"rolesPaged", "Roles paged", OWED_ALWAYS},                     /* FIRSTTEN_ROLES_PAGED */
	{"severitySet", "Severity set", OWED_ALWAYS},                   /* FIRSTTEN_SEVERITY */
	{"timelineStarted", "Timeline started", OWED_ALWAYS},           /* FIRSTTEN_TIMELINE */
	{"bridgeOpen", "Bridge open", OWED_HIGH_SEVERITY},              /* FIRSTTEN_BRIDGE */
	{"firstCan", "First CAN", OWED_ALWAYS},                         /* FIRSTTEN_FIRST_CAN */
	{"firstExternalUpdate", "First external update",
	 OWED_EXTERNAL_IMPACT},                                         /* FIRSTTEN_EXTERNAL_UPDATE */
	{"firstInternalUpdate", "First internal update", OWED_ALWAYS}, /* FIRSTTEN_INTERNAL_UPDATE */
};
_Static_assert(NELEM(defs) == FIRSTTEN__MAX, "defs out of step");

/* The time the record gives for `item`. */
static int64_t fact_at(const struct firstten_facts *facts, enum firstten_item item)
{
	switch (item) {
	case FIRSTTEN_DECLARED:
		return facts->opened_at;
	case FIRSTTEN_CHANNEL:
		return facts->channel_at;
	case FIRSTTEN_MIM:
		return facts->mim_at;
	case FIRSTTEN_ROLES_PAGED:
		return facts->paged_at;
	case FIRSTTEN_SEVERITY:
		return facts->severity_at;
	case FIRSTTEN_TIMELINE:
		return facts->timeline_at;
	case FIRSTTEN_BRIDGE:
		return facts->bridge_at;
	case FIRSTTEN_FIRST_CAN:
		return facts->first_can_at;
	case FIRSTTEN_EXTERNAL_UPDATE:
		return facts->external_update_at;
	case FIRSTTEN_INTERNAL_UPDATE:
		return facts->internal_update_at;
	default:
		return TIME_NONE;
	}
}

static const char *const state_names[] = {
	"done",          /* FIRSTTEN_DONE */
	"pending",       /* FIRSTTEN_PENDING */
	"overdue",       /* FIRSTTEN_OVERDUE */
	"notApplicable", /* FIRSTTEN_NOT_APPLICABLE */
};
_Static_assert(NELEM(state_names) == FIRSTTEN_STATE__MAX, "state_names out of step");

const char *firstten_item_name(enum firstten_item item)
{
	if ((int)item < 0 || item >= FIRSTTEN__MAX)
		return "?";
	return defs[item].name;
}

const char *firstten_item_label(enum firstten_item item)
{
	if ((int)item < 0 || item >= FIRSTTEN__MAX)
		return "?";
	return defs[item].label;
}

const char *firstten_state_name(enum firstten_state state)
{
	if ((int)state < 0 || state >= FIRSTTEN_STATE__MAX)
		return "?";
	return state_names[state];
}

static bool owed(enum firstten_owed rule, const struct firstten_facts *facts)
{
	switch (rule) {
	case OWED_HIGH_SEVERITY:
		return facts->severity == SEVERITY_CRITICAL || facts->severity == SEVERITY_HIGH;
	case OWED_EXTERNAL_IMPACT:
		return facts->external_impact;
	default:
		return true;
	}
}

void firstten_evaluate(const struct firstten_facts *facts, int64_t now, struct firstten *out)
{
	out->window_ends_at = facts->opened_at + FIRSTTEN_WINDOW_MS;
	out->window_open = now < out->window_ends_at;
	out->ndone = 0;
	out->napplicable = 0;
	for (int i = 0; i < FIRSTTEN__MAX; i++) {
		struct firstten_row *row = &out->rows[i];
		int64_t at = fact_at(facts, (enum firstten_item)i);

		row->item = (enum firstten_item)i;
		row->at = at;
		row->late = false;
		/* As of `now`: a time still in the future is not done yet. */
		if (at != TIME_NONE && at <= now) {
			row->state = FIRSTTEN_DONE;
			row->late = at >= out->window_ends_at;
		} else if (!owed(defs[i].owed, facts)) {
			row->state = FIRSTTEN_NOT_APPLICABLE;
		} else {
			row->state = out->window_open ? FIRSTTEN_PENDING : FIRSTTEN_OVERDUE;
		}
		if (row->state == FIRSTTEN_DONE)
			out->ndone++;
		if (row->state != FIRSTTEN_NOT_APPLICABLE)
			out->napplicable++;
	}
}
