/*
 * tracks — recovery tracks, hypotheses, MIM hand-off and information authority as pure
 * state machines.  Each refusal says, in a sentence for the bridge, what the doctrine asks
 * for instead.
 */
#include "tracks.h"

#include <string.h>

#include "parse.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const track_state_names[] = {
	"active",    /* TRACK_ACTIVE */
	"succeeded", /* TRACK_SUCCEEDED */
	"failed",    /* TRACK_FAILED */
	"abandoned", /* TRACK_ABANDONED */
};
_Static_assert(NELEM(track_state_names) == TRACK_STATE__MAX, "track_state_names out of step");

static const char *const hypothesis_state_names[] = {
	"proposed",  /* HYPOTHESIS_PROPOSED */
	"testing",   /* HYPOTHESIS_TESTING */
	"confirmed", /* HYPOTHESIS_CONFIRMED */
	"rejected",  /* HYPOTHESIS_REJECTED */
};
_Static_assert(NELEM(hypothesis_state_names) == HYPOTHESIS_STATE__MAX,
	       "hypothesis_state_names out of step");

static int name_parse(const char *const names[], int n, const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static bool person_blank(const char *name)
{
	return can_text_blank(name);
}

static const char *person_or(const char *name, const char *otherwise)
{
	return person_blank(name) ? otherwise : name;
}

/* --- recovery tracks ------------------------------------------------------------------ */

const char *track_state_name(enum track_state s)
{
	if ((int)s < 0 || s >= TRACK_STATE__MAX)
		return "?";
	return track_state_names[s];
}

int track_state_parse(const char *name, enum track_state *out)
{
	int i = name_parse(track_state_names, TRACK_STATE__MAX, name);

	if (i < 0)
		return -1;
	*out = (enum track_state)i;
	return 0;
}

int64_t track_deadline(int64_t start, int64_t timebox_minutes)
{
	return start + timebox_minutes * MINUTE_MS;
}

static int timebox_check(int64_t timebox_minutes, struct doctrine_verdict *v)
{
	if (timebox_minutes >= TRACK_TIMEBOX_MIN_MINUTES &&
	    timebox_minutes <= TRACK_TIMEBOX_MAX_MINUTES)
		return 0;
	doctrine_verdict_set(v, DOCTRINE_TRACK_TIMEBOX,
			     "a timebox is %d to %d minutes, not %lld: pick the time after which "
			     "you will extend or escalate",
			     TRACK_TIMEBOX_MIN_MINUTES, TRACK_TIMEBOX_MAX_MINUTES,
			     (long long)timebox_minutes);
	return -1;
}

static int active_check(const struct track *t, const char *what, struct doctrine_verdict *v)
{
	if (t->state == TRACK_ACTIVE)
		return 0;
	doctrine_verdict_set(v, DOCTRINE_TRACK_NOT_ACTIVE,
			     "the track has %s and cannot %s: open a new track instead",
			     track_state_name(t->state), what);
	return -1;
}

int track_open(struct track *t, int64_t timebox_minutes, int64_t now, struct doctrine_verdict *v)
{
	if (timebox_check(timebox_minutes, v) != 0)
		return -1;
	t->state = TRACK_ACTIVE;
	t->timebox_minutes = timebox_minutes;
	t->timebox_started_at = now;
	t->deadline = track_deadline(now, timebox_minutes);
	t->escalated_at = TIME_NONE;
	t->nextensions = 0;
	t->ended_at = TIME_NONE;
	doctrine_verdict_ok(v);
	return 0;
}

int track_extend(struct track *t, int64_t timebox_minutes, int64_t now, struct doctrine_verdict *v)
{
	if (active_check(t, "be extended", v) != 0 || timebox_check(timebox_minutes, v) != 0)
		return -1;
	t->timebox_minutes = timebox_minutes;
	t->timebox_started_at = now;
	t->deadline = track_deadline(now, timebox_minutes);
	t->nextensions++;
	doctrine_verdict_ok(v);
	return 0;
}

int track_escalate(struct track *t, int64_t now, struct doctrine_verdict *v)
{
	if (active_check(t, "be escalated", v) != 0)
		return -1;
	t->escalated_at = now;
	doctrine_verdict_ok(v);
	return 0;
}

int track_set_state(struct track *t, enum track_state to, int64_t now, struct doctrine_verdict *v)
{
	if ((int)to < 0 || to >= TRACK_STATE__MAX) {
		doctrine_verdict_set(v, DOCTRINE_TRACK_NOT_ACTIVE,
				     "a track is active, succeeded, failed or abandoned");
		return -1;
	}
	if (to == t->state) {
		doctrine_verdict_ok(v);
		return 0;
	}
	if (t->state != TRACK_ACTIVE) {
		doctrine_verdict_set(v, DOCTRINE_TRACK_NOT_ACTIVE,
				     "the track has %s and cannot become %s: open a new track "
				     "instead",
				     track_state_name(t->state), track_state_name(to));
		return -1;
	}
	t->state = to;
	t->ended_at = now;
	doctrine_verdict_ok(v);
	return 0;
}

bool track_expired(const struct track *t, int64_t now)
{
	return t->state == TRACK_ACTIVE && now >= t->deadline;
}

bool track_needs_attention(const struct track *t, int64_t now)
{
	if (!track_expired(t, now))
		return false;
	return t->escalated_at == TIME_NONE || t->escalated_at < t->deadline;
}

/* --- hypotheses ----------------------------------------------------------------------- */

const char *hypothesis_state_name(enum hypothesis_state s)
{
	if ((int)s < 0 || s >= HYPOTHESIS_STATE__MAX)
		return "?";
	return hypothesis_state_names[s];
}

int hypothesis_state_parse(const char *name, enum hypothesis_state *out)
{
	int i = name_parse(hypothesis_state_names, HYPOTHESIS_STATE__MAX, name);

	if (i < 0)
		return -1;
	*out = (enum hypothesis_state)i;
	return 0;
}

static bool hypothesis_concluded(enum hypothesis_state s)
{
	return s == HYPOTHESIS_CONFIRMED || s == HYPOTHESIS_REJECTED;
}

int hypothesis_check_transition(enum hypothesis_state from, enum hypothesis_state to,
				const char *evidence, struct doctrine_verdict *v)
{
	if ((int)to < 0 || to >= HYPOTHESIS_STATE__MAX || (int)from < 0 ||
	    from >= HYPOTHESIS_STATE__MAX) {
		doctrine_verdict_set(v, DOCTRINE_HYPOTHESIS_BACKWARD,
				     "a hypothesis is proposed, testing, confirmed or rejected");
		return -1;
	}
	if (to == from) {
		doctrine_verdict_ok(v);
		return 0;
	}
	if (hypothesis_concluded(from)) {
		doctrine_verdict_set(v, DOCTRINE_HYPOTHESIS_TERMINAL,
				     "the hypothesis was %s and stays so: record a new hypothesis "
				     "to test the idea again",
				     hypothesis_state_name(from));
		return -1;
	}
	if (from == HYPOTHESIS_TESTING && to == HYPOTHESIS_PROPOSED) {
		doctrine_verdict_set(v, DOCTRINE_HYPOTHESIS_BACKWARD,
				     "a hypothesis under test does not go back to proposed: "
				     "confirm or reject it with the evidence");
		return -1;
	}
	if (from == HYPOTHESIS_PROPOSED && to == HYPOTHESIS_CONFIRMED) {
		doctrine_verdict_set(v, DOCTRINE_HYPOTHESIS_UNTESTED,
				     "a hypothesis is confirmed only after testing: move it to "
				     "testing first");
		return -1;
	}
	if (hypothesis_concluded(to) && can_text_blank(evidence)) {
		doctrine_verdict_set(v, DOCTRINE_HYPOTHESIS_EVIDENCE,
				     "a hypothesis is %s with evidence: say what showed it, so the "
				     "record answers what was tried and why",
				     hypothesis_state_name(to));
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}

/* --- MIM hand-off --------------------------------------------------------------------- */

bool handoff_pending(const struct handoff_offer *offer)
{
	return offer != NULL && !person_blank(offer->to);
}

/* Whether `person` may take the MIM role on top of the roles they hold on `inc`: the
 * deputy role is left out (it is vacated on accept). */
static int handoff_combination_check(const struct incident *inc, const char *person,
				     struct doctrine_verdict *v)
{
	for (int r = 0; r < ROLE__MAX; r++) {
		if (r == ROLE_MIM || r == ROLE_DEPUTY || !doctrine_person_same(inc->roles[r], person))
			continue;
		if (doctrine_combination_allowed(ROLE_MIM, (enum role)r, inc->severity,
						 inc->existential, v) != 0)
			return -1;
	}
	return 0;
}

int handoff_check_offer(const struct incident *inc, const struct handoff_offer *pending,
			const char *actor, const char *to, const struct can_report *brief,
			struct doctrine_verdict *v)
{
	const char *mim = inc->roles[ROLE_MIM];

	if (person_blank(mim)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NO_MIM,
				     "nobody holds command, so there is nothing to hand off: "
				     "assign the MIM role");
		return -1;
	}
	if (!doctrine_person_same(actor, mim)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NOT_MIM,
				     "only the MIM (%s) offers command; %s is not the MIM", mim,
				     person_or(actor, "nobody named"));
		return -1;
	}
	if (handoff_pending(pending)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_PENDING,
				     "command is already offered to %s: withdraw that offer first",
				     pending->to);
		return -1;
	}
	if (person_blank(to)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NO_TARGET,
				     "name the person who is to take command");
		return -1;
	}
	if (doctrine_person_same(to, mim)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_SELF,
				     "%s is already the MIM: offer command to someone else", mim);
		return -1;
	}
	if (brief == NULL || can_report_blank(brief)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NO_BRIEF,
				     "a hand-off carries a CAN brief: brief %s on Conditions, "
				     "Actions and Needs",
				     to);
		return -1;
	}
	if (handoff_combination_check(inc, to, v) != 0)
		return -1;
	doctrine_verdict_ok(v);
	return 0;
}

int handoff_check_accept(const struct incident *inc, const struct handoff_offer *pending,
			 const char *actor, struct handoff_outcome *out,
			 struct doctrine_verdict *v)
{
	const char *authority = inc->information_authority;

	if (!handoff_pending(pending)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NO_OFFER,
				     "nobody has offered command: the MIM offers it first, with a "
				     "CAN brief");
		return -1;
	}
	if (!doctrine_person_same(actor, pending->to)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NOT_OFFERED,
				     "command was offered to %s; only %s can accept it", pending->to,
				     pending->to);
		return -1;
	}
	if (!doctrine_person_same(inc->roles[ROLE_MIM], pending->from)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_STALE,
				     "the offer came from %s, who is no longer the MIM: ask the "
				     "current MIM for a new hand-off",
				     person_or(pending->from, "nobody named"));
		return -1;
	}
	if (handoff_combination_check(inc, actor, v) != 0)
		return -1;
	if (out != NULL) {
		out->vacate_deputy = doctrine_person_same(inc->roles[ROLE_DEPUTY], actor);
		out->authority_to_mim = !person_blank(authority) &&
					(doctrine_person_same(authority, pending->from) ||
					 doctrine_person_same(authority, actor));
	}
	doctrine_verdict_ok(v);
	return 0;
}

int handoff_check_withdraw(const struct incident *inc, const struct handoff_offer *pending,
			   const char *actor, struct doctrine_verdict *v)
{
	if (!handoff_pending(pending)) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NO_OFFER,
				     "no hand-off is pending, so there is nothing to withdraw");
		return -1;
	}
	if (!doctrine_person_same(actor, pending->from) &&
	    !doctrine_person_same(actor, pending->to) &&
	    !doctrine_person_same(actor, inc->roles[ROLE_MIM])) {
		doctrine_verdict_set(v, DOCTRINE_HANDOFF_NOT_PARTY,
				     "only the MIM who offered command or %s, who was offered it, "
				     "can withdraw the offer",
				     pending->to);
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}

int handoff_check_mim_assignment(const struct incident *inc, const char *person,
				 struct doctrine_verdict *v)
{
	const char *mim = inc->roles[ROLE_MIM];

	if (person_blank(person) || person_blank(mim) || doctrine_person_same(person, mim)) {
		doctrine_verdict_ok(v);
		return 0;
	}
	doctrine_verdict_set(v, DOCTRINE_HANDOFF_REQUIRED,
			     "%s is the MIM: command changes hands only by hand-off (%s offers it "
			     "with a CAN brief, %s accepts)",
			     mim, mim, person);
	return -1;
}

/* --- information authority ------------------------------------------------------------ */

const char *authority_holder(const struct incident *inc)
{
	if (!person_blank(inc->information_authority))
		return inc->information_authority;
	if (!person_blank(inc->roles[ROLE_MIM]))
		return inc->roles[ROLE_MIM];
	return NULL;
}

int authority_check_give(const struct incident *inc, const char *actor, const char *to,
			 struct doctrine_verdict *v)
{
	const char *mim = inc->roles[ROLE_MIM];

	if (person_blank(mim)) {
		doctrine_verdict_set(v, DOCTRINE_AUTHORITY_NO_MIM,
				     "nobody holds command, so nobody can give the bridge away: "
				     "assign the MIM role");
		return -1;
	}
	if (!doctrine_person_same(actor, mim)) {
		doctrine_verdict_set(v, DOCTRINE_AUTHORITY_NOT_MIM,
				     "only the MIM (%s) gives information authority; %s is not the "
				     "MIM",
				     mim, person_or(actor, "nobody named"));
		return -1;
	}
	if (person_blank(to)) {
		doctrine_verdict_set(v, DOCTRINE_AUTHORITY_NO_TARGET,
				     "name the person who is to hold information authority");
		return -1;
	}
	if (doctrine_person_same(to, authority_holder(inc))) {
		doctrine_verdict_set(v, DOCTRINE_AUTHORITY_ALREADY,
				     "%s already holds information authority", to);
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}

int authority_check_return(const struct incident *inc, const char *actor,
			   struct doctrine_verdict *v)
{
	const char *holder = inc->information_authority;
	const char *mim = inc->roles[ROLE_MIM];

	if (person_blank(holder) || doctrine_person_same(holder, mim)) {
		doctrine_verdict_set(v, DOCTRINE_AUTHORITY_NOT_GIVEN,
				     "the MIM already holds information authority: there is nothing "
				     "to return");
		return -1;
	}
	if (!doctrine_person_same(actor, holder) && !doctrine_person_same(actor, mim)) {
		doctrine_verdict_set(v, DOCTRINE_AUTHORITY_NOT_HOLDER,
				     "%s holds information authority; only %s or the MIM can return "
				     "it",
				     holder, holder);
		return -1;
	}
	doctrine_verdict_ok(v);
	return 0;
}
