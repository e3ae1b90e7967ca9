/*
 * posture — approvals and regulatory clocks as small pure rules (SPEC §2).
 */
#include "posture.h"

#include <string.h>

#include "can.h"
#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[] = {
	"gdpr",   /* REGULATORY_GDPR */
	"custom", /* REGULATORY_CUSTOM */
};
_Static_assert(NELEM(kind_names) == REGULATORY_KIND__MAX, "kind_names out of step");

static const char *const state_names[] = {
	"offered", /* REGULATORY_OFFERED */
	"running", /* REGULATORY_RUNNING */
	"due",     /* REGULATORY_DUE */
	"overdue", /* REGULATORY_OVERDUE */
	"met",     /* REGULATORY_MET */
};
_Static_assert(NELEM(state_names) == REGULATORY_STATE__MAX, "state_names out of step");

/* The roles whose holder may approve a public statement: the exec sponsor and the two
 * roles Sev-0 adds for exactly this (SPEC §2). */
static const enum role approver_roles[] = {ROLE_LEADER, ROLE_LEGAL, ROLE_PR};

const char *regulatory_kind_name(enum regulatory_kind k)
{
	if ((int)k < 0 || k >= REGULATORY_KIND__MAX)
		return "?";
	return kind_names[k];
}

int regulatory_kind_parse(const char *name, enum regulatory_kind *out)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < NELEM(kind_names); i++) {
		if (strcmp(kind_names[i], name) == 0) {
			*out = (enum regulatory_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *regulatory_state_name(enum regulatory_state s)
{
	if ((int)s < 0 || s >= REGULATORY_STATE__MAX)
		return "?";
	return state_names[s];
}

bool posture_gdpr_offered(const struct incident *inc)
{
	return inc->security || inc->existential;
}

enum regulatory_state posture_clock_state(const struct regulatory_clock *c, int64_t warn_ms,
					  int64_t now)
{
	if (c->met)
		return REGULATORY_MET;
	if (c->deadline == TIME_NONE)
		return REGULATORY_OFFERED;
	if (now >= c->deadline)
		return REGULATORY_OVERDUE;
	/* The same boundary as the guardrail: at deadline - window exactly it is due. */
	if (warn_ms > 0 && now >= c->deadline - warn_ms)
		return REGULATORY_DUE;
	return REGULATORY_RUNNING;
}

int posture_check_clock_start(const struct regulatory_clock *clocks, size_t nclocks,
			      const char *name, struct doctrine_verdict *v)
{
	for (size_t i = 0; i < nclocks; i++) {
		if (clocks[i].met || !doctrine_person_same(clocks[i].name, name))
			continue;
		doctrine_verdict_set(v, DOCTRINE_CLOCK_DUPLICATE,
				     "the %s clock is already running: record it as met before "
				     "starting it again",
				     clocks[i].name);
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}

int posture_check_clock_met(const struct regulatory_clock *c, struct doctrine_verdict *v)
{
	if (c->met) {
		doctrine_verdict_set(v, DOCTRINE_CLOCK_MET,
				     "the %s clock is already met and stopped; start a new clock "
				     "for a new obligation",
				     can_text_blank(c->name) ? "regulatory" : c->name);
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}

bool posture_approval_required(const struct incident *inc)
{
	return inc->existential || inc->security;
}

int posture_check_approver(const struct incident *inc, const char *actor,
			   struct doctrine_verdict *v)
{
	for (size_t i = 0; i < NELEM(approver_roles); i++) {
		if (doctrine_person_same(inc->roles[approver_roles[i]], actor)) {
			doctrine_verdict_ok(v);
			return 0;
		}
	}
	doctrine_verdict_set(v, DOCTRINE_APPROVAL_NOT_APPROVER,
			     "%s does not hold the leader, legal or PR role: a public statement is "
			     "approved by one of them (assign the role first)",
			     can_text_blank(actor) ? "nobody named" : actor);
	return -1;
}

int posture_check_public_statement(const struct incident *inc, size_t napprovals,
				   struct doctrine_verdict *v)
{
	if (posture_approval_required(inc) && napprovals == 0) {
		doctrine_verdict_set(v, DOCTRINE_APPROVAL_REQUIRED,
				     "this %s incident needs a public-statement approval on the "
				     "timeline before each public update: the leader, legal or PR "
				     "records it first",
				     inc->existential ? "existential (Sev-0)" : "security");
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}
