/*
 * command — the command doctrine's commands, views and guardrail sweep (command.h).
 *
 * Every command is one store command run through op_run(): load the incident and its
 * projection ("command" in the stored document), let the op change both and describe the
 * change (timeline entry, event, what to answer), save, record, commit.  Reads load the
 * same projection on a read snapshot.  The doctrine's decisions are the pure modules';
 * nothing here decides a rule on its own.
 */
#include "command.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assist.h"
#include "buf.h"
#include "codec.h"
#include "firstten.h"
#include "guardrails.h"
#include "llm.h"
#include "parse.h"
#include "service_internal.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define RECORD_TEXT_MAX 8192 /* bytes of one timeline entry's text written here */
#define CLIP_SLOT 600        /* bytes quoted from each CAN slot in an entry's text */
#define CLIP_LABEL 200       /* bytes quoted from a goal, statement or name */
#define NAME_BYTES (INCIDENT_SHORT_MAX * 4 + 1) /* a person's name, UTF-8, NUL */
#define KEY_MAX 160          /* "guardrail.regulatoryClock|<subject>|<ms>" */
#define SECOND_MS 1000

static const char *const assist_kind_names[] = {
	"suggestion", /* ASSIST_SUGGESTION */
	"draft",      /* ASSIST_DRAFT */
	"brief",      /* ASSIST_BRIEF */
};
_Static_assert(NELEM(assist_kind_names) == ASSIST_KIND__MAX, "assist_kind_names out of step");

int assist_kind_parse(const char *name, enum assist_kind *out)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < NELEM(assist_kind_names); i++) {
		if (strcmp(assist_kind_names[i], name) == 0) {
			*out = (enum assist_kind)i;
			return 0;
		}
	}
	return -1;
}

/* ---- small JSON helpers: the projection keeps times as ISO strings, like the wire ---- */

static int64_t jtime(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	int64_t ms;

	if (s == NULL || time_from_iso(s, &ms) != 0)
		return TIME_NONE;
	return ms;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* Sets `key` to `v` (stolen); -1 when `v` is NULL (out of memory, invalid UTF-8). */
static int jset(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static int jset_time(json_t *o, const char *key, int64_t ms)
{
	return jset(o, key, json_time_or_null(ms));
}

static int jset_str(json_t *o, const char *key, const char *s)
{
	return jset(o, key, json_string_or_null(s));
}

static bool blank(const char *s)
{
	return can_text_blank(s);
}

/* The member `key` of `o` as an array, created when absent; NULL when out of memory. */
static json_t *jlist(json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	if (json_is_array(a))
		return a;
	a = json_array();
	if (a == NULL || json_object_set_new(o, key, a) != 0)
		return NULL;
	return a;
}

/* The element of `list` whose "id" is `id`, or NULL. */
static json_t *jfind(json_t *list, int64_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		if (jint(v, "id") == id)
			return v;
	}
	return NULL;
}

/* ---- the projection ---- */

/* The projection of `inc` as a new object ({} when nothing is recorded yet); NULL when it
 * cannot be read back (out of memory, or a document this code did not write). */
static json_t *state_load(const struct incident *inc)
{
	json_t *state;

	if (inc->command_json == NULL)
		return json_object();
	state = json_loads(inc->command_json, 0, NULL);
	if (!json_is_object(state)) {
		json_decref(state);
		return NULL;
	}
	return state;
}

static int state_save(struct incident *inc, const json_t *state)
{
	char *text = json_to_text(state);

	if (text == NULL)
		return -1;
	free(inc->command_json);
	inc->command_json = text;
	return 0;
}

static int state_error(struct api_error *err, int64_t number)
{
	return api_error_set(err, 500, "internal", NULL,
			     "the command record of INC-%lld cannot be read back", (long long)number);
}

/* Takes the next id from the counter `key` (ids count from 1 per incident); -1 when out
 * of memory. */
static int64_t state_take_id(json_t *state, const char *key)
{
	int64_t id = jint(state, key);

	if (id < 1)
		id = 1;
	if (jset(state, key, json_integer(id + 1)) != 0)
		return -1;
	return id;
}

static int limit_error(struct api_error *err, int64_t number, const char *what, int max)
{
	return api_error_set(err, 409, "limit_reached", NULL,
			     "INC-%lld already has %d %s, the most one incident keeps",
			     (long long)number, max, what);
}

/* Appends `event` (stolen) to the "history" of `obj`, keeping the newest
 * COMMAND_HISTORY_MAX (the timeline keeps them all). */
static int history_push(json_t *obj, json_t *event)
{
	json_t *history = jlist(obj, "history");

	if (history == NULL || event == NULL || json_array_append_new(history, event) != 0) {
		json_decref(event);
		return -1;
	}
	while (json_array_size(history) > COMMAND_HISTORY_MAX)
		json_array_remove(history, 0);
	return 0;
}

/* A copy of `obj` without its history, for timeline payloads (the entry is the history). */
static json_t *without_history(const json_t *obj)
{
	json_t *copy = json_deep_copy(obj);

	if (copy != NULL)
		json_object_del(copy, "history");
	return copy;
}

/* ---- text of timeline entries ---- */

/* Appends `s` cut to at most `max` bytes on a code point boundary; "…" marks a cut. */
static int put_clip(struct buf *b, const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len <= max)
		return buf_append(b, s ? s : "", len);
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	if (buf_append(b, s, max) != 0)
		return -1;
	return buf_append_str(b, "…");
}

/* "14:32 UTC", or "2026-11-23 14:32 UTC" with the date. */
static int put_time(struct buf *b, int64_t ms, bool with_date)
{
	char iso[TIME_ISO_MAX];

	time_to_iso(ms, iso);
	if (with_date)
		return buf_printf(b, "%.10s %.5s UTC", iso, iso + 11);
	return buf_printf(b, "%.5s UTC", iso + 11);
}

/* " — Conditions: …; Actions: …; Needs: …" for the slots that say something. */
static int put_can_slots(struct buf *b, const struct can_report *r)
{
	static const char *const labels[] = {"Conditions", "Actions", "Needs"};
	const char *slots[] = {r->conditions, r->actions, r->needs};
	bool first = true;

	for (size_t i = 0; i < NELEM(slots); i++) {
		if (blank(slots[i]))
			continue;
		if (buf_printf(b, "%s%s: ", first ? " — " : "; ", labels[i]) != 0 ||
		    put_clip(b, slots[i], CLIP_SLOT) != 0)
			return -1;
		first = false;
	}
	return 0;
}

/* ---- what the record says beyond the incident (read on any connection) ---- */

struct command_facts {
	json_t *state;               /* the projection, owned */
	struct track *tracks;        /* every track; strings borrowed from `state` */
	size_t ntracks;
	struct regulatory_clock *clocks; /* every clock started; strings borrowed */
	size_t nclocks;
	struct cadence_input cadence[AUDIENCE__MAX];
	int64_t first_update_at;     /* any audience */
	int64_t first_public_at;
	int64_t first_internal_at;   /* internal or exec */
	int64_t first_paged_at;      /* the first responder dispatched */
	bool has_latest;
	struct assist_milestone latest; /* body: latest_body */
	char *latest_body;
};

static void track_read(const json_t *o, struct track *t)
{
	memset(t, 0, sizeof(*t));
	t->id = jint(o, "id");
	t->owner = jstr(o, "owner");
	t->team = jstr(o, "team");
	t->goal = jstr(o, "goal");
	if (track_state_parse(jstr(o, "state"), &t->state) != 0)
		t->state = TRACK_ACTIVE;
	t->timebox_minutes = jint(o, "timeboxMinutes");
	t->timebox_started_at = jtime(o, "timeboxStartedAt");
	t->deadline = jtime(o, "deadline");
	t->escalated_at = jtime(o, "escalatedAt");
	t->nextensions = jint(o, "extensions");
	t->ended_at = jtime(o, "endedAt");
}

/* Writes the state fields of `t` (not its labels) into `o`. */
static int track_write(json_t *o, const struct track *t)
{
	if (jset_str(o, "state", track_state_name(t->state)) != 0 ||
	    jset(o, "timeboxMinutes", json_integer(t->timebox_minutes)) != 0 ||
	    jset_time(o, "timeboxStartedAt", t->timebox_started_at) != 0 ||
	    jset_time(o, "deadline", t->deadline) != 0 ||
	    jset_time(o, "escalatedAt", t->escalated_at) != 0 ||
	    jset(o, "extensions", json_integer(t->nextensions)) != 0 ||
	    jset_time(o, "endedAt", t->ended_at) != 0)
		return -1;
	return 0;
}

static void clock_read(const json_t *o, struct regulatory_clock *c)
{
	c->name = jstr(o, "name");
	c->deadline = jtime(o, "deadline");
	c->met = json_is_true(json_object_get(o, "met"));
}

/* Reads tracks and clocks out of `cf->state` into arrays that borrow its strings. */
static int facts_arrays(struct command_facts *cf)
{
	json_t *tracks = json_object_get(cf->state, "tracks");
	json_t *clocks = json_object_get(cf->state, "clocks");
	size_t i;
	json_t *v;

	if (json_array_size(tracks) > 0) {
		cf->tracks = calloc(json_array_size(tracks), sizeof(*cf->tracks));
		if (cf->tracks == NULL)
			return -1;
		json_array_foreach(tracks, i, v) {
			track_read(v, &cf->tracks[cf->ntracks++]);
		}
	}
	if (json_array_size(clocks) > 0) {
		cf->clocks = calloc(json_array_size(clocks), sizeof(*cf->clocks));
		if (cf->clocks == NULL)
			return -1;
		json_array_foreach(clocks, i, v) {
			clock_read(v, &cf->clocks[cf->nclocks++]);
		}
	}
	return 0;
}

static void facts_free(struct command_facts *cf)
{
	json_decref(cf->state);
	free(cf->tracks);
	free(cf->clocks);
	free(cf->latest_body);
	memset(cf, 0, sizeof(*cf));
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a == TIME_NONE)
		return b;
	if (b == TIME_NONE)
		return a;
	return a < b ? a : b;
}

/* Updates published: the first per audience group and, `with_latest`, the latest of all
 * (its body copied: only the drafter needs it). */
static int facts_updates(struct store_conn *c, int64_t number, bool with_latest,
			 struct command_facts *cf)
{
	struct store_stmt *st = store_bind(c, STMT_UPDATE_LIST, "i", number);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1) {
		int64_t at = store_col_int(st, 1);
		enum audience audience = AUDIENCE_INTERNAL;
		enum update_kind kind = UPDATE_MILESTONE;
		char *body;

		audience_parse(store_col_text(st, 4), &audience);
		update_kind_parse(store_col_text(st, 5), &kind);
		cf->first_update_at = earliest(cf->first_update_at, at);
		if (audience == AUDIENCE_PUBLIC)
			cf->first_public_at = earliest(cf->first_public_at, at);
		else
			cf->first_internal_at = earliest(cf->first_internal_at, at);
		if (!with_latest)
			continue;
		/* Oldest first: the last row read is the latest. */
		body = strdup(store_col_text(st, 3));
		if (body == NULL) {
			store_reset(st);
			return -1;
		}
		free(cf->latest_body);
		cf->latest_body = body;
		cf->has_latest = true;
		cf->latest.at = at;
		cf->latest.audience = audience;
		cf->latest.kind = kind;
		cf->latest.next_update_eta = store_col_null(st, 7) ? TIME_NONE : store_col_int(st, 7);
	}
	store_reset(st);
	cf->latest.body = cf->latest_body;
	return rc < 0 ? -1 : 0;
}

/* The first responder dispatched, whatever state it arrived in. */
static int facts_responders(struct store_conn *c, int64_t number, struct command_facts *cf)
{
	struct store_stmt *st = store_bind(c, STMT_RESPONDER_LIST, "i", number);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1)
		for (int col = 5; col < 5 + RESPONDER_STATE__MAX; col++)
			if (!store_col_null(st, col))
				cf->first_paged_at = earliest(cf->first_paged_at, store_col_int(st, col));
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Loads everything the doctrine reads about `inc`; `cadence` NULL: read it here;
 * `with_latest`: the latest update too (the drafter's).  -1 with `err` filled (`cf` is
 * always safe to facts_free). */
static int facts_load(struct store_conn *c, const struct incident *inc,
		      const struct cadence_input cadence[AUDIENCE__MAX], bool with_latest,
		      struct command_facts *cf, struct api_error *err)
{
	memset(cf, 0, sizeof(*cf));
	cf->state = state_load(inc);
	if (cf->state == NULL)
		return state_error(err, inc->number);
	if (facts_arrays(cf) != 0)
		return io_error(err);
	if (cadence != NULL)
		memcpy(cf->cadence, cadence, sizeof(cf->cadence));
	else if (cadence_inputs(c, inc->number, cf->cadence) != 0)
		return io_error(err);
	if (facts_updates(c, inc->number, with_latest, cf) != 0 ||
	    facts_responders(c, inc->number, cf) != 0)
		return io_error(err);
	return 0;
}

static void facts_snapshot(const struct incident *inc, const struct command_facts *cf,
			   struct guardrail_snapshot *snap)
{
	const json_t *facts = json_object_get(cf->state, "facts");

	memset(snap, 0, sizeof(*snap));
	snap->inc = inc;
	snap->first_can_at = jtime(cf->state, "firstCanAt");
	snap->first_milestone_at = cf->first_update_at;
	memcpy(snap->cadence, cf->cadence, sizeof(snap->cadence));
	snap->tracks = cf->tracks;
	snap->ntracks = cf->ntracks;
	snap->clocks = cf->clocks;
	snap->nclocks = cf->nclocks;
	/* Entering Resolution is the attempt: refused attempts leave nothing behind (their
	 * transaction rolled back), overridden ones are what the rule is for. */
	snap->resolution_attempted_at = inc->phase_entered_at[PHASE_RESOLUTION];
	snap->mim_vacant_since = jtime(facts, "mimVacantSince");
	snap->staffing_short_since = jtime(facts, "staffingShortSince");
}

/* The guardrail thresholds in force: the SPEC's defaults (guardrails.h; docs/api-decisions.md
 * lists them) with the operator's overrides.  Set once by command_configure_guardrails()
 * before any thread starts, read-only afterwards. */
static struct guardrail_config guardrails_in_force;
static bool guardrails_configured;

int command_configure_guardrails(const char *overrides, char *err, size_t errlen)
{
	struct guardrail_config cfg;

	guardrail_config_default(&cfg);
	if (overrides && guardrail_config_parse(overrides, &cfg, err, errlen) != 0)
		return -1;
	guardrails_in_force = cfg;
	guardrails_configured = true;
	return 0;
}

static void guardrail_config(struct guardrail_config *cfg)
{
	if (guardrails_configured)
		*cfg = guardrails_in_force;
	else
		guardrail_config_default(cfg);
}

/* ---- views ---- */

static json_t *nudge_json(const struct guardrail_nudge *n)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:s?}", "rule", guardrail_rule_name(n->rule),
			 "severity", guardrail_severity_name(n->severity), "message", n->message,
			 "since", json_time_or_null(n->since), "subject",
			 n->subject[0] ? n->subject : NULL);
}

static json_t *track_view(const json_t *obj, int64_t now)
{
	json_t *v = json_deep_copy(obj);
	struct track t;

	if (v == NULL)
		return NULL;
	track_read(obj, &t);
	if (jset(v, "expired", json_boolean(track_expired(&t, now))) != 0 ||
	    jset(v, "needsAttention", json_boolean(track_needs_attention(&t, now))) != 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static json_t *clock_view(const json_t *obj, int64_t now)
{
	struct guardrail_config cfg;
	struct regulatory_clock c;
	json_t *v = json_deep_copy(obj);
	enum regulatory_state state;

	if (v == NULL)
		return NULL;
	guardrail_config(&cfg);
	clock_read(obj, &c);
	state = posture_clock_state(&c, cfg.level[GUARDRAIL_LEVELS - 1].regulatory, now);
	if (jset_str(v, "state", regulatory_state_name(state)) != 0 ||
	    jset(v, "remainingSeconds", c.met || c.deadline == TIME_NONE
						? json_null()
						: json_integer((c.deadline - now) / SECOND_MS)) != 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Every clock started, then the GDPR clock as "offered" when it applies and is not
 * running yet. */
static json_t *clocks_view(const struct incident *inc, const json_t *state, int64_t now)
{
	json_t *list = json_array(), *clocks = json_object_get(state, "clocks"), *v;
	bool gdpr = false;
	size_t i;

	if (list == NULL)
		return NULL;
	json_array_foreach(clocks, i, v) {
		const char *kind = jstr(v, "kind");

		if (kind && strcmp(kind, regulatory_kind_name(REGULATORY_GDPR)) == 0)
			gdpr = true;
		if (json_array_append_new(list, clock_view(v, now)) != 0)
			goto fail;
	}
	if (!gdpr && posture_gdpr_offered(inc)) {
		json_t *offer = json_pack("{s:n, s:s, s:s, s:s, s:i, s:n, s:n}", "id", "kind",
					  regulatory_kind_name(REGULATORY_GDPR), "name",
					  POSTURE_GDPR_NAME, "state",
					  regulatory_state_name(REGULATORY_OFFERED), "hours",
					  REGULATORY_GDPR_HOURS, "deadline", "remainingSeconds");

		if (json_array_append_new(list, offer) != 0)
			goto fail;
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}

static size_t approvals_unused(const json_t *state)
{
	json_t *approvals = json_object_get(state, "approvals"), *v;
	size_t i, n = 0;

	json_array_foreach(approvals, i, v) {
		if (jtime(v, "usedAt") == TIME_NONE)
			n++;
	}
	return n;
}

static json_t *list_copy(const json_t *state, const char *key)
{
	json_t *v = json_object_get(state, key);

	return json_is_array(v) ? json_deep_copy(v) : json_array();
}

static json_t *tracks_view(const json_t *state, int64_t now)
{
	json_t *list = json_array(), *v;
	size_t i;

	if (list == NULL)
		return NULL;
	json_array_foreach(json_object_get(state, "tracks"), i, v) {
		if (json_array_append_new(list, track_view(v, now)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *firstten_json(const struct incident *inc, const struct command_facts *cf,
			     int64_t now)
{
	const json_t *facts = json_object_get(cf->state, "facts");
	struct firstten_facts ff = {
		.opened_at = inc->opened_at,
		.severity = inc->severity,
		.external_impact = inc->external_impact,
		.channel_at = blank(inc->channel) ? TIME_NONE : inc->opened_at,
		.mim_at = jtime(facts, "mimAt"),
		.paged_at = cf->first_paged_at,
		/* Intake sets severity and writes the declaration entry at opening. */
		.severity_at = inc->opened_at,
		.timeline_at = inc->opened_at,
		.bridge_at = jtime(facts, "bridgeAt"),
		.first_can_at = jtime(cf->state, "firstCanAt"),
		.external_update_at = cf->first_public_at,
		.internal_update_at = cf->first_internal_at,
	};
	struct firstten ft;
	json_t *items = json_array(), *o;

	if (items == NULL)
		return NULL;
	firstten_evaluate(&ff, now, &ft);
	for (int i = 0; i < FIRSTTEN__MAX; i++) {
		const struct firstten_row *row = &ft.rows[i];
		json_t *item = json_pack("{s:s, s:s, s:s, s:o, s:b}", "item",
					 firstten_item_name(row->item), "label",
					 firstten_item_label(row->item), "state",
					 firstten_state_name(row->state), "at",
					 json_time_or_null(row->at), "late", row->late);

		if (json_array_append_new(items, item) != 0) {
			json_decref(items);
			return NULL;
		}
	}
	o = json_pack("{s:o, s:b, s:I, s:I, s:o}", "windowEndsAt",
		      json_time_or_null(ft.window_ends_at), "windowOpen", ft.window_open, "done",
		      (json_int_t)ft.ndone, "applicable", (json_int_t)ft.napplicable, "items", items);
	return o;
}

int command_view(struct store_conn *c, const struct incident *inc,
		 const struct cadence_input cadence[AUDIENCE__MAX], int64_t now, json_t *view)
{
	struct command_facts cf;
	struct guardrail_snapshot snap;
	struct guardrail_config gcfg;
	struct guardrail_nudges *nudges = malloc(sizeof(*nudges));
	struct api_error err;
	json_t *guardrails = json_array(), *handoff;
	int rc = -1;

	/* The stored projection is internal: clients see only what is built below. */
	json_object_del(view, "command");
	if (facts_load(c, inc, cadence, false, &cf, &err) != 0 || nudges == NULL || guardrails == NULL)
		goto done;
	facts_snapshot(inc, &cf, &snap);
	guardrail_config(&gcfg);
	guardrails_evaluate(&gcfg, &snap, now, nudges);
	for (size_t i = 0; i < nudges->n; i++)
		if (json_array_append_new(guardrails, nudge_json(&nudges->nudges[i])) != 0)
			goto done;
	handoff = json_object_get(cf.state, "handoff");
	if (jset(view, "guardrails", guardrails) != 0)
		goto done;
	guardrails = NULL;
	if (jset(view, "firstTenMinutes", firstten_json(inc, &cf, now)) != 0 ||
	    jset(view, "tracks", tracks_view(cf.state, now)) != 0 ||
	    jset(view, "hypotheses", list_copy(cf.state, "hypotheses")) != 0 ||
	    jset(view, "cans", list_copy(cf.state, "cans")) != 0 ||
	    jset(view, "handoff", json_is_object(handoff) ? json_deep_copy(handoff) : json_null()) != 0 ||
	    jset(view, "regulatoryClocks", clocks_view(inc, cf.state, now)) != 0 ||
	    jset(view, "statementApproval",
		 json_pack("{s:b, s:I}", "required", posture_approval_required(inc), "available",
			   (json_int_t)approvals_unused(cf.state))) != 0)
		goto done;
	rc = 0;
done:
	json_decref(guardrails);
	free(nudges);
	facts_free(&cf);
	return rc;
}

/* ---- hooks inside the service's own commands ---- */

/* Sets facts[key] = now unless it is set already; *changed when it was not. */
static int stamp(json_t *state, json_t **facts, const char *key, int64_t now, bool *changed)
{
	if (*facts == NULL) {
		*facts = json_object_get(state, "facts");
		if (!json_is_object(*facts)) {
			*facts = json_object();
			if (jset(state, "facts", *facts) != 0)
				return -1;
		}
	}
	if (jtime(*facts, key) != TIME_NONE)
		return 0;
	*changed = true;
	return jset_time(*facts, key, now);
}

static void unstamp(json_t *state, const char *key, bool *changed)
{
	json_t *facts = json_object_get(state, "facts");

	if (json_object_get(facts, key) != NULL) {
		json_object_del(facts, key);
		*changed = true;
	}
}

int command_observe(struct incident *inc, int64_t now)
{
	json_t *state = state_load(inc), *facts = NULL, *handoff;
	bool changed = false, has_mim = !blank(inc->roles[ROLE_MIM]);
	struct staffing staffing;
	int rc = -1;

	if (state == NULL)
		return -1;
	if (has_mim) {
		if (stamp(state, &facts, "mimAt", now, &changed) != 0)
			goto done;
		unstamp(state, "mimVacantSince", &changed);
	} else if (stamp(state, &facts, "mimVacantSince", now, &changed) != 0) {
		goto done;
	}
	if (!blank(inc->bridge_url) && stamp(state, &facts, "bridgeAt", now, &changed) != 0)
		goto done;
	doctrine_staffing(inc, &staffing);
	if (staffing.ngaps > 0) {
		if (stamp(state, &facts, "staffingShortSince", now, &changed) != 0)
			goto done;
	} else {
		unstamp(state, "staffingShortSince", &changed);
	}
	/* A pending offer belongs to the MIM who made it: once the role moved any other way,
	 * it lapses (tracks.h: the caller clears it). */
	handoff = json_object_get(state, "handoff");
	if (json_is_object(handoff) && !doctrine_person_same(inc->roles[ROLE_MIM], jstr(handoff, "from"))) {
		json_object_del(state, "handoff");
		changed = true;
	}
	rc = changed ? state_save(inc, state) : 0;
done:
	json_decref(state);
	return rc;
}

int command_check_role(const struct incident *inc, enum role role, const char *person,
		       struct api_error *err)
{
	struct doctrine_verdict v;

	if (role == ROLE_MIM && handoff_check_mim_assignment(inc, person, &v) != 0)
		return doctrine_refusal(err, &v);
	return 0;
}

int command_public_statement(struct incident *inc, int64_t now, struct api_error *err)
{
	json_t *state = state_load(inc), *v;
	struct doctrine_verdict verdict;
	size_t i;
	int rc = -1;

	if (state == NULL)
		return state_error(err, inc->number);
	if (posture_check_public_statement(inc, approvals_unused(state), &verdict) != 0) {
		doctrine_refusal(err, &verdict);
		goto done;
	}
	if (!posture_approval_required(inc)) {
		rc = 0;
		goto done;
	}
	/* One approval per statement: the oldest unused one is spent. */
	json_array_foreach(json_object_get(state, "approvals"), i, v) {
		if (jtime(v, "usedAt") != TIME_NONE)
			continue;
		if (jset_time(v, "usedAt", now) != 0 || state_save(inc, state) != 0) {
			io_error(err);
			goto done;
		}
		break;
	}
	rc = 0;
done:
	json_decref(state);
	return rc;
}

/* ---- the command runner ---- */

struct op {
	struct cmd base;
	const void *in;   /* the command's input */
	int64_t id;       /* the track, hypothesis or clock a PATCH names */
	const char *text; /* a person (hand-off, authority) or a note */
};

/*
 * The part of a doctrine command that differs: changes `inc` and `state`, fills `r` (its
 * payload and extra are new references the runner releases) and its text, and may set
 * `*answer` to a new reference answered instead of the incident.  Returns 0 to write, 1
 * when nothing changed (answer without writing), -1 with the error set.
 */
typedef int (*op_fn)(struct op *op, struct incident *inc, json_t *state, struct record *r,
		     struct buf *text, json_t **answer);

static int op_run(struct store_conn *c, struct op *op, op_fn fn)
{
	struct cmd *cmd = &op->base;
	struct incident inc;
	struct record r;
	struct buf text;
	json_t *state = NULL, *answer = NULL;
	int rc;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	buf_init(&text, RECORD_TEXT_MAX);
	state = state_load(&inc);
	if (state == NULL) {
		rc = state_error(cmd->err, inc.number);
		goto done;
	}
	rc = fn(op, &inc, state, &r, &text, &answer);
	if (rc < 0)
		goto done;
	if (rc == 1) {
		cmd->result = answer ? answer : incident_view(c, &inc, cmd->now);
		answer = NULL;
		rc = cmd->result ? 0 : io_error(cmd->err);
		goto done;
	}
	if (state_save(&inc, state) != 0) {
		rc = io_error(cmd->err);
		goto done;
	}
	r.text = text.ptr;
	rc = commit_incident(c, cmd, &inc, &r, false);
	if (rc == 0 && answer != NULL) {
		json_decref(cmd->result);
		cmd->result = answer;
		answer = NULL;
	}
done:
	json_decref(answer);
	json_decref(r.payload);
	json_decref(r.extra);
	json_decref(state);
	buf_free(&text);
	incident_free(&inc);
	return rc;
}

/* One store command per op: the op's function is chosen by the wrapper. */
#define OP_COMMAND(name, fn)                                             \
	static int name(struct store_conn *c, void *arg)                 \
	{                                                                \
		return op_run(c, arg, fn);                               \
	}

static int op_start(struct app *app, const char *actor, int64_t number, store_command_fn fn,
		    const void *in, int64_t id, const char *text, json_t **out,
		    struct api_error *err)
{
	struct op op = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app),
			 .err = err},
		.in = in,
		.id = id,
		.text = text,
	};

	return run_command(&op.base, fn, out);
}

/* Gives `obj` to the record as payload and extra (one reference each) and as the answer. */
static void record_object(struct record *r, const char *event, const char *entry,
			  const char *key, json_t *payload, json_t *obj, json_t **answer)
{
	r->event_type = event;
	r->entry_type = entry;
	r->visibility = VISIBILITY_INTERNAL;
	r->payload = payload;
	r->extra_key = key;
	r->extra = json_incref(obj);
	*answer = json_incref(obj);
}

/* ---- CAN reports ---- */

static json_t *lint_json(const struct can_lint *lint)
{
	json_t *list = json_array();

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < lint->nwarnings; i++) {
		const struct can_warning *w = &lint->warnings[i];
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s}", "rule", can_rule_name(w->rule), "slot",
				      can_slot_name(w->slot), "term", w->term, "message",
				      w->message);

		if (json_array_append_new(list, o) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *brief_json(const struct can_report *r)
{
	return json_pack("{s:s, s:s, s:s}", "conditions", r->conditions ? r->conditions : "",
			 "actions", r->actions ? r->actions : "", "needs", r->needs ? r->needs : "");
}

static int op_can(struct op *op, struct incident *inc, json_t *state, struct record *r,
		  struct buf *text, json_t **answer)
{
	const struct can_input *in = op->in;
	struct cmd *cmd = &op->base;
	struct can_report report = {in->team, in->author ? in->author : cmd->actor,
				    in->conditions ? in->conditions : "",
				    in->actions ? in->actions : "", in->needs ? in->needs : ""};
	json_t *cans = jlist(state, "cans"), *obj, *v;
	struct can_lint lint;
	char inc_id[32];
	size_t i, slot;
	int64_t id;

	if (cans == NULL)
		return io_error(cmd->err);
	slot = json_array_size(cans);
	json_array_foreach(cans, i, v) {
		if (doctrine_person_same(jstr(v, "team"), in->team))
			slot = i;
	}
	if (slot == json_array_size(cans) && slot >= COMMAND_TEAMS_MAX)
		return limit_error(cmd->err, inc->number, "teams reporting CANs", COMMAND_TEAMS_MAX);
	id = state_take_id(state, "nextCan");
	can_lint(&report, &lint);
	incident_id_format(inc->number, inc_id);
	obj = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o}", "id", (json_int_t)id,
			"incident", inc_id, "team", report.team, "author", report.author, "at",
			json_time_or_null(cmd->now), "conditions", report.conditions, "actions",
			report.actions, "needs", report.needs, "lint", lint_json(&lint));
	if (id < 0 || obj == NULL)
		goto io;
	if ((slot < json_array_size(cans) ? json_array_set(cans, slot, obj)
					  : json_array_append(cans, obj)) != 0)
		goto io;
	if (jtime(state, "firstCanAt") == TIME_NONE && jset_time(state, "firstCanAt", cmd->now) != 0)
		goto io;
	if (buf_append_str(text, "CAN from ") != 0 || put_clip(text, report.team, CLIP_LABEL) != 0 ||
	    buf_append_str(text, " (") != 0 || put_clip(text, report.author, CLIP_LABEL) != 0 ||
	    buf_append_str(text, ")") != 0 || put_can_slots(text, &report) != 0 ||
	    (lint.nwarnings > 0 &&
	     buf_printf(text, " [%zu lint warning%s]", lint.nwarnings, lint.nwarnings == 1 ? "" : "s") != 0))
		goto io;
	record_object(r, "can.reported", "can", "can", json_incref(obj), obj, answer);
	json_decref(obj);
	return 0;
io:
	json_decref(obj);
	return io_error(cmd->err);
}
OP_COMMAND(cmd_can, op_can)

int command_can_post(struct app *app, const char *actor, int64_t number,
		     const struct can_input *in, json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_can, in, 0, NULL, out, err);
}

/* ---- reads ---- */

/* Begins a read of INC-number's projection: the incident and its state. */
static struct store_conn *read_begin(struct app *app, int64_t number, struct incident *inc,
				     json_t **state, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);

	*state = NULL;
	if (load_incident(c, number, inc, err) != 0)
		goto fail;
	*state = state_load(inc);
	if (*state == NULL) {
		state_error(err, number);
		goto fail;
	}
	return c;
fail:
	incident_free(inc);
	store_read_end(app->store, c);
	return NULL;
}

static void read_end(struct app *app, struct store_conn *c, struct incident *inc, json_t *state)
{
	json_decref(state);
	incident_free(inc);
	store_read_end(app->store, c);
}

int command_can_list(struct app *app, int64_t number, const char *team, json_t **out,
		     struct api_error *err)
{
	struct incident inc;
	json_t *state, *list = json_array(), *latest = NULL;
	struct store_conn *c = read_begin(app, number, &inc, &state, err);
	int64_t after = 0;
	int rc = 0, n;

	if (c == NULL) {
		json_decref(list);
		return -1;
	}
	if (list == NULL)
		goto io;
	/* The timeline is the record of every report; pages keep each step bounded. */
	do {
		struct store_stmt *st = store_bind(c, STMT_TIMELINE_LIST, "iii", number, after,
						   (int64_t)1000);

		if (st == NULL)
			goto io;
		n = 0;
		while ((rc = store_step(st)) == 1) {
			json_t *payload;

			n++;
			after = store_col_int(st, 0);
			if (strcmp(store_col_text(st, 3), "can") != 0 || store_col_null(st, 6))
				continue;
			payload = json_loads(store_col_text(st, 6), 0, NULL);
			if (payload == NULL) {
				store_reset(st);
				goto io;
			}
			if (team != NULL && !doctrine_person_same(jstr(payload, "team"), team)) {
				json_decref(payload);
				continue;
			}
			if (json_array_append_new(list, payload) != 0) {
				store_reset(st);
				goto io;
			}
		}
		store_reset(st);
		if (rc < 0)
			goto io;
	} while (n == 1000);
	latest = list_copy(state, "cans");
	if (latest == NULL)
		goto io;
	if (team != NULL) {
		size_t i = 0;

		while (i < json_array_size(latest)) {
			if (doctrine_person_same(jstr(json_array_get(latest, i), "team"), team))
				i++;
			else
				json_array_remove(latest, i);
		}
	}
	read_end(app, c, &inc, state);
	*out = json_pack("{s:o, s:o}", "cans", list, "latest", latest);
	return *out ? 0 : io_error(err);
io:
	read_end(app, c, &inc, state);
	json_decref(list);
	json_decref(latest);
	return io_error(err);
}

/* Answers `build(state)` under `key` for INC-number. */
static int list_answer(struct app *app, int64_t number, const char *key,
		       json_t *(*build)(const struct incident *inc, const json_t *state,
					int64_t now, const void *arg),
		       const void *arg, json_t **out, struct api_error *err)
{
	struct incident inc;
	json_t *state, *list;
	struct store_conn *c = read_begin(app, number, &inc, &state, err);

	if (c == NULL)
		return -1;
	list = build(&inc, state, app_now(app), arg);
	read_end(app, c, &inc, state);
	*out = list ? json_pack("{s:o}", key, list) : NULL;
	return *out ? 0 : io_error(err);
}

/* ---- recovery tracks ---- */

static json_t *tracks_build(const struct incident *inc, const json_t *state, int64_t now,
			    const void *arg)
{
	return tracks_view(state, now);
}

int command_track_list(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	return list_answer(app, number, "tracks", tracks_build, NULL, out, err);
}

static json_t *track_change(struct cmd *cmd, const char *action, const char *note)
{
	return json_pack("{s:o, s:s, s:s, s:s?}", "at", json_time_or_null(cmd->now), "by",
			 cmd->actor, "action", action, "note", note);
}

/* The track as its entry's payload and the answer; `r` and `answer` take references. */
static int track_record(struct cmd *cmd, struct record *r, json_t *obj, const char *action,
			json_t **answer)
{
	json_t *view = track_view(obj, cmd->now);
	json_t *payload = view ? json_pack("{s:s, s:o}", "action", action, "track",
					   without_history(view)) : NULL;

	if (payload == NULL) {
		json_decref(view);
		return io_error(cmd->err);
	}
	record_object(r, "track.changed", "track", "track", payload, view, answer);
	json_decref(view);
	return 0;
}

static int op_track_open(struct op *op, struct incident *inc, json_t *state, struct record *r,
			 struct buf *text, json_t **answer)
{
	const struct track_input *in = op->in;
	struct cmd *cmd = &op->base;
	json_t *tracks = jlist(state, "tracks"), *obj;
	struct doctrine_verdict v;
	struct track t;
	char inc_id[32];

	if (tracks == NULL)
		return io_error(cmd->err);
	if (json_array_size(tracks) >= COMMAND_TRACKS_MAX)
		return limit_error(cmd->err, inc->number, "recovery tracks", COMMAND_TRACKS_MAX);
	memset(&t, 0, sizeof(t));
	if (track_open(&t, in->timebox_minutes, cmd->now, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	t.id = state_take_id(state, "nextTrack");
	incident_id_format(inc->number, inc_id);
	obj = json_pack("{s:I, s:s, s:s, s:s?, s:s, s:o, s:s}", "id", (json_int_t)t.id, "incident",
			inc_id, "owner", in->owner, "team", in->team, "goal", in->goal, "openedAt",
			json_time_or_null(cmd->now), "openedBy", cmd->actor);
	if (t.id < 0 || obj == NULL || track_write(obj, &t) != 0 ||
	    jset_time(obj, "updatedAt", cmd->now) != 0 ||
	    history_push(obj, json_pack("{s:o, s:s, s:s, s:I}", "at", json_time_or_null(cmd->now),
					"by", cmd->actor, "action", "opened", "timeboxMinutes",
					(json_int_t)t.timebox_minutes)) != 0 ||
	    json_array_append(tracks, obj) != 0)
		goto io;
	if (buf_printf(text, "Track %lld opened: \"", (long long)t.id) != 0 ||
	    put_clip(text, in->goal, CLIP_LABEL) != 0 || buf_append_str(text, "\" — ") != 0 ||
	    put_clip(text, in->owner, CLIP_LABEL) != 0 ||
	    (in->team && (buf_append_str(text, " (") != 0 || put_clip(text, in->team, CLIP_LABEL) != 0 ||
			  buf_append_str(text, ")") != 0)) ||
	    buf_printf(text, ", timebox %lld min until ", (long long)t.timebox_minutes) != 0 ||
	    put_time(text, t.deadline, false) != 0)
		goto io;
	json_decref(obj);
	return track_record(cmd, r, json_array_get(tracks, json_array_size(tracks) - 1), "opened",
			    answer);
io:
	json_decref(obj);
	return io_error(cmd->err);
}
OP_COMMAND(cmd_track_open, op_track_open)

int command_track_post(struct app *app, const char *actor, int64_t number,
		       const struct track_input *in, json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_track_open, in, 0, NULL, out, err);
}

/* Sets a label of `obj` when `value` is sent and differs; notes the change. */
static int label_edit(json_t *obj, const char *key, const char *value, json_t *changes)
{
	const char *old = jstr(obj, key);

	if (value == NULL || (old != NULL && strcmp(old, value) == 0))
		return 0;
	if (json_array_append_new(changes, json_string(key)) != 0)
		return -1;
	return jset_str(obj, key, value);
}

static int op_track_patch(struct op *op, struct incident *inc, json_t *state, struct record *r,
			  struct buf *text, json_t **answer)
{
	const struct track_input *in = op->in;
	struct cmd *cmd = &op->base;
	json_t *obj = jfind(json_object_get(state, "tracks"), op->id);
	json_t *changes = NULL, *events = NULL, *ev;
	struct doctrine_verdict v;
	const char *action = NULL;
	struct track t;
	size_t i;
	int rc = -1;

	if (obj == NULL)
		return api_error_set(cmd->err, 404, "not_found", NULL, "no track %lld on INC-%lld",
				     (long long)op->id, (long long)inc->number);
	track_read(obj, &t);
	changes = json_array();
	events = json_array();
	if (changes == NULL || events == NULL)
		goto io;
	if ((in->owner || in->team || in->goal) && t.state != TRACK_ACTIVE) {
		doctrine_verdict_set(&v, DOCTRINE_TRACK_NOT_ACTIVE,
				     "the track has %s and its record is final: open a new track "
				     "instead", track_state_name(t.state));
		doctrine_refusal(cmd->err, &v);
		goto done;
	}
	/* Checked in a fixed order on a copy, so a refusal leaves the track untouched. */
	if (in->escalate) {
		if (track_escalate(&t, cmd->now, &v) != 0) {
			doctrine_refusal(cmd->err, &v);
			goto done;
		}
		action = "escalated";
		if (json_array_append_new(events, track_change(cmd, "escalated", in->note)) != 0 ||
		    buf_printf(text, "Track %lld escalated", (long long)t.id) != 0)
			goto io;
	}
	if (in->timebox_minutes > 0) {
		if (track_extend(&t, in->timebox_minutes, cmd->now, &v) != 0) {
			doctrine_refusal(cmd->err, &v);
			goto done;
		}
		action = "extended";
		ev = track_change(cmd, "extended", in->note);
		if (ev == NULL || jset(ev, "timeboxMinutes", json_integer(in->timebox_minutes)) != 0 ||
		    json_array_append_new(events, ev) != 0 ||
		    buf_printf(text, "%sTrack %lld extended: new timebox %lld min until ",
			       text->len ? "; " : "", (long long)t.id,
			       (long long)in->timebox_minutes) != 0 ||
		    put_time(text, t.deadline, false) != 0)
			goto io;
	}
	if (in->has_state && in->state != t.state) {
		if (track_set_state(&t, in->state, cmd->now, &v) != 0) {
			doctrine_refusal(cmd->err, &v);
			goto done;
		}
		action = track_state_name(in->state);
		if (json_array_append_new(events, track_change(cmd, action, in->note)) != 0 ||
		    buf_printf(text, "%sTrack %lld %s", text->len ? "; " : "", (long long)t.id,
			       action) != 0)
			goto io;
	}
	if (label_edit(obj, "owner", in->owner, changes) != 0 ||
	    label_edit(obj, "team", in->team, changes) != 0 ||
	    label_edit(obj, "goal", in->goal, changes) != 0)
		goto io;
	if (json_array_size(changes) > 0) {
		ev = track_change(cmd, "edited", in->note);
		if (action == NULL)
			action = "edited";
		if (ev == NULL || jset(ev, "fields", json_incref(changes)) != 0 ||
		    json_array_append_new(events, ev) != 0 ||
		    buf_printf(text, "%sTrack %lld edited (", text->len ? "; " : "", (long long)t.id) != 0)
			goto io;
		json_array_foreach(changes, i, ev) {
			if (buf_printf(text, "%s%s", i ? ", " : "", json_string_value(ev)) != 0)
				goto io;
		}
		if (buf_append_str(text, ")") != 0)
			goto io;
	}
	if (json_array_size(events) == 0) {
		/* The same state again, or nothing new: a retried PATCH records nothing. */
		*answer = track_view(obj, cmd->now);
		rc = *answer ? 1 : io_error(cmd->err);
		goto done;
	}
	if (track_write(obj, &t) != 0 || jset_time(obj, "updatedAt", cmd->now) != 0)
		goto io;
	json_array_foreach(events, i, ev) {
		if (history_push(obj, json_incref(ev)) != 0)
			goto io;
	}
	if (in->note && (buf_append_str(text, ": ") != 0 || put_clip(text, in->note, CLIP_SLOT) != 0))
		goto io;
	rc = track_record(cmd, r, obj, action, answer);
	goto done;
io:
	rc = io_error(cmd->err);
done:
	json_decref(changes);
	json_decref(events);
	return rc;
}
OP_COMMAND(cmd_track_patch, op_track_patch)

int command_track_patch(struct app *app, const char *actor, int64_t number, int64_t id,
			const struct track_input *in, json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_track_patch, in, id, NULL, out, err);
}

/* ---- hypotheses ---- */

static bool hypothesis_terminal(enum hypothesis_state s)
{
	return s == HYPOTHESIS_CONFIRMED || s == HYPOTHESIS_REJECTED;
}

static int hypothesis_record(struct cmd *cmd, struct record *r, json_t *obj, const char *action,
			     json_t **answer)
{
	json_t *payload = json_pack("{s:s, s:o}", "action", action, "hypothesis",
				    without_history(obj));

	if (payload == NULL)
		return io_error(cmd->err);
	record_object(r, "hypothesis.changed", "hypothesis", "hypothesis", payload, obj, answer);
	return 0;
}

/* "Hypothesis 2 rejected: "statement" — evidence: …" */
static int hypothesis_text(struct buf *text, const json_t *obj, const char *action)
{
	const char *evidence = jstr(obj, "evidence");

	if (buf_printf(text, "Hypothesis %lld %s: \"", (long long)jint(obj, "id"), action) != 0 ||
	    put_clip(text, jstr(obj, "statement"), CLIP_LABEL) != 0 ||
	    buf_append_str(text, "\" (") != 0 || put_clip(text, jstr(obj, "owner"), CLIP_LABEL) != 0 ||
	    buf_append_str(text, ")") != 0)
		return -1;
	if (!blank(evidence) &&
	    (buf_append_str(text, " — evidence: ") != 0 || put_clip(text, evidence, CLIP_SLOT) != 0))
		return -1;
	return 0;
}

static json_t *hypothesis_change(struct cmd *cmd, const char *from, const char *to,
				 const char *evidence)
{
	return json_pack("{s:o, s:s, s:s?, s:s, s:s?}", "at", json_time_or_null(cmd->now), "by",
			 cmd->actor, "from", from, "to", to, "evidence", evidence);
}

static int op_hypothesis_post(struct op *op, struct incident *inc, json_t *state,
			      struct record *r, struct buf *text, json_t **answer)
{
	const struct hypothesis_input *in = op->in;
	struct cmd *cmd = &op->base;
	enum hypothesis_state to = in->has_state ? in->state : HYPOTHESIS_PROPOSED;
	json_t *list = jlist(state, "hypotheses"), *obj;
	struct doctrine_verdict v;
	char inc_id[32];
	int64_t id;

	if (list == NULL)
		return io_error(cmd->err);
	if (json_array_size(list) >= COMMAND_HYPOTHESES_MAX)
		return limit_error(cmd->err, inc->number, "hypotheses", COMMAND_HYPOTHESES_MAX);
	/* A hypothesis may arrive already under test, or dropped untested with evidence. */
	if (to != HYPOTHESIS_PROPOSED &&
	    hypothesis_check_transition(HYPOTHESIS_PROPOSED, to, in->evidence, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	id = state_take_id(state, "nextHypothesis");
	incident_id_format(inc->number, inc_id);
	obj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:o, s:s, s:o, s:o}", "id", (json_int_t)id,
			"incident", inc_id, "statement", in->statement, "owner",
			in->owner ? in->owner : cmd->actor, "state", hypothesis_state_name(to),
			"evidence", in->evidence, "createdAt", json_time_or_null(cmd->now),
			"createdBy", cmd->actor, "updatedAt", json_time_or_null(cmd->now),
			"concludedAt", json_time_or_null(hypothesis_terminal(to) ? cmd->now : TIME_NONE));
	if (id < 0 || obj == NULL ||
	    history_push(obj, hypothesis_change(cmd, NULL, hypothesis_state_name(to), in->evidence)) != 0 ||
	    json_array_append(list, obj) != 0 || hypothesis_text(text, obj, hypothesis_state_name(to)) != 0 ||
	    hypothesis_record(cmd, r, obj, hypothesis_state_name(to), answer) != 0) {
		json_decref(obj);
		return io_error(cmd->err);
	}
	json_decref(obj);
	return 0;
}
OP_COMMAND(cmd_hypothesis_post, op_hypothesis_post)

int command_hypothesis_post(struct app *app, const char *actor, int64_t number,
			    const struct hypothesis_input *in, json_t **out,
			    struct api_error *err)
{
	return op_start(app, actor, number, cmd_hypothesis_post, in, 0, NULL, out, err);
}

static int op_hypothesis_patch(struct op *op, struct incident *inc, json_t *state,
			       struct record *r, struct buf *text, json_t **answer)
{
	const struct hypothesis_input *in = op->in;
	struct cmd *cmd = &op->base;
	json_t *obj = jfind(json_object_get(state, "hypotheses"), op->id);
	enum hypothesis_state from = HYPOTHESIS_PROPOSED, to;
	const char *evidence, *old;
	struct doctrine_verdict v;
	bool edits;

	if (obj == NULL)
		return api_error_set(cmd->err, 404, "not_found", NULL,
				     "no hypothesis %lld on INC-%lld", (long long)op->id,
				     (long long)inc->number);
	hypothesis_state_parse(jstr(obj, "state"), &from);
	to = in->has_state ? in->state : from;
	old = jstr(obj, "evidence");
	edits = (in->statement && strcmp(in->statement, jstr(obj, "statement") ?: "") != 0) ||
		(in->owner && strcmp(in->owner, jstr(obj, "owner") ?: "") != 0) ||
		(in->evidence && strcmp(in->evidence, old ? old : "") != 0);
	if (to == from && !edits) {
		*answer = json_incref(obj);
		return 1;
	}
	if (to != from) {
		evidence = in->evidence ? in->evidence : old;
		if (hypothesis_check_transition(from, to, evidence, &v) != 0)
			return doctrine_refusal(cmd->err, &v);
	} else if (hypothesis_terminal(from)) {
		/* What was concluded, and why, stays as it was recorded. */
		doctrine_verdict_set(&v, DOCTRINE_HYPOTHESIS_TERMINAL,
				     "the hypothesis is %s and its record is final: propose a new "
				     "hypothesis instead", hypothesis_state_name(from));
		return doctrine_refusal(cmd->err, &v);
	}
	if ((in->statement && jset_str(obj, "statement", in->statement) != 0) ||
	    (in->owner && jset_str(obj, "owner", in->owner) != 0) ||
	    (in->evidence && jset_str(obj, "evidence", in->evidence) != 0) ||
	    jset_str(obj, "state", hypothesis_state_name(to)) != 0 ||
	    jset_time(obj, "updatedAt", cmd->now) != 0 ||
	    (hypothesis_terminal(to) && to != from && jset_time(obj, "concludedAt", cmd->now) != 0) ||
	    history_push(obj, hypothesis_change(cmd, hypothesis_state_name(from),
						hypothesis_state_name(to), in->evidence)) != 0 ||
	    hypothesis_text(text, obj, to != from ? hypothesis_state_name(to) : "edited") != 0 ||
	    hypothesis_record(cmd, r, obj, to != from ? hypothesis_state_name(to) : "edited",
			      answer) != 0)
		return io_error(cmd->err);
	return 0;
}
OP_COMMAND(cmd_hypothesis_patch, op_hypothesis_patch)

int command_hypothesis_patch(struct app *app, const char *actor, int64_t number, int64_t id,
			     const struct hypothesis_input *in, json_t **out,
			     struct api_error *err)
{
	return op_start(app, actor, number, cmd_hypothesis_patch, in, id, NULL, out, err);
}

static json_t *hypotheses_build(const struct incident *inc, const json_t *state, int64_t now,
				const void *arg)
{
	const char *want = arg;
	json_t *list = list_copy(state, "hypotheses");
	size_t i = 0;

	while (list && want && i < json_array_size(list)) {
		if (strcmp(jstr(json_array_get(list, i), "state") ?: "", want) == 0)
			i++;
		else
			json_array_remove(list, i);
	}
	return list;
}

int command_hypothesis_list(struct app *app, int64_t number, const char *state, json_t **out,
			    struct api_error *err)
{
	return list_answer(app, number, "hypotheses", hypotheses_build, state, out, err);
}

/* ---- MIM hand-off ---- */

/* The pending offer, borrowing from `state`. */
static void handoff_read(const json_t *state, struct handoff_offer *offer)
{
	const json_t *h = json_object_get(state, "handoff");

	offer->from = jstr(h, "from");
	offer->to = jstr(h, "to");
	offer->offered_at = jtime(h, "offeredAt");
}

static void record_command(struct record *r, const char *event, json_t *payload)
{
	r->event_type = event;
	r->entry_type = "command";
	r->visibility = VISIBILITY_INTERNAL;
	r->payload = payload;
}

static int op_handoff_offer(struct op *op, struct incident *inc, json_t *state,
			    struct record *r, struct buf *text, json_t **answer)
{
	const struct can_report *brief = op->in;
	struct cmd *cmd = &op->base;
	struct handoff_offer pending;
	struct doctrine_verdict v;
	struct can_lint lint;
	json_t *h;

	handoff_read(state, &pending);
	if (handoff_check_offer(inc, &pending, cmd->actor, op->text, brief, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	can_lint(brief, &lint);
	h = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from", inc->roles[ROLE_MIM], "to", op->text,
		      "offeredAt", json_time_or_null(cmd->now), "brief", brief_json(brief), "lint",
		      lint_json(&lint));
	if (h == NULL || json_object_set(state, "handoff", h) != 0)
		goto io;
	if (put_clip(text, inc->roles[ROLE_MIM], CLIP_LABEL) != 0 ||
	    buf_append_str(text, " offers command to ") != 0 ||
	    put_clip(text, op->text, CLIP_LABEL) != 0 || buf_append_str(text, "; brief") != 0 ||
	    put_can_slots(text, brief) != 0)
		goto io;
	record_command(r, "handoff.offered", json_pack("{s:s, s:O}", "action", "offered", "handoff", h));
	json_decref(h);
	return r->payload ? 0 : io_error(cmd->err);
io:
	json_decref(h);
	return io_error(cmd->err);
}
OP_COMMAND(cmd_handoff_offer, op_handoff_offer)

int command_handoff_offer(struct app *app, const char *actor, int64_t number, const char *to,
			  const struct can_report *brief, json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_handoff_offer, brief, 0, to, out, err);
}

static int op_handoff_accept(struct op *op, struct incident *inc, json_t *state,
			     struct record *r, struct buf *text, json_t **answer)
{
	struct cmd *cmd = &op->base;
	struct handoff_offer pending;
	struct handoff_outcome outcome;
	struct doctrine_verdict v;
	char from[NAME_BYTES], to[NAME_BYTES];
	json_t *h = json_object_get(state, "handoff");

	handoff_read(state, &pending);
	if (handoff_check_accept(inc, &pending, cmd->actor, &outcome, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	/* Copied: the offer is deleted below and its strings with it. */
	str_copy(from, pending.from, sizeof(from));
	str_copy(to, pending.to, sizeof(to));
	record_command(r, "handoff.accepted",
		       json_pack("{s:s, s:s, s:s, s:O?, s:b}", "action", "accepted", "from", from,
				 "to", to, "brief", json_object_get(h, "brief"), "deputyVacated",
				 outcome.vacate_deputy));
	if (r->payload == NULL || incident_set_text(&inc->roles[ROLE_MIM], to) != 0 ||
	    (outcome.vacate_deputy && incident_set_text(&inc->roles[ROLE_DEPUTY], NULL) != 0) ||
	    (outcome.authority_to_mim && incident_set_text(&inc->information_authority, NULL) != 0))
		return io_error(cmd->err);
	json_object_del(state, "handoff");
	if (buf_printf(text, "%s accepted command from %s: %s is now MIM%s", to, from, to,
		       outcome.vacate_deputy ? " (the deputy role is vacant)" : "") != 0)
		return io_error(cmd->err);
	return 0;
}
OP_COMMAND(cmd_handoff_accept, op_handoff_accept)

int command_handoff_accept(struct app *app, const char *actor, int64_t number, json_t **out,
			   struct api_error *err)
{
	return op_start(app, actor, number, cmd_handoff_accept, NULL, 0, NULL, out, err);
}

static int op_handoff_withdraw(struct op *op, struct incident *inc, json_t *state,
			       struct record *r, struct buf *text, json_t **answer)
{
	struct cmd *cmd = &op->base;
	struct handoff_offer pending;
	struct doctrine_verdict v;
	bool declined;
	int rc;

	handoff_read(state, &pending);
	if (handoff_check_withdraw(inc, &pending, cmd->actor, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	declined = doctrine_person_same(cmd->actor, pending.to) &&
		   !doctrine_person_same(cmd->actor, inc->roles[ROLE_MIM]);
	if (declined)
		rc = buf_printf(text, "%s declined command offered by %s", pending.to,
				pending.from ? pending.from : "the MIM");
	else
		rc = buf_printf(text, "%s withdrew the offer of command to %s", cmd->actor,
				pending.to);
	record_command(r, "handoff.withdrawn",
		       json_pack("{s:s, s:s?, s:s}", "action", declined ? "declined" : "withdrawn",
				 "from", pending.from, "to", pending.to));
	if (rc != 0 || r->payload == NULL)
		return io_error(cmd->err);
	json_object_del(state, "handoff");
	return 0;
}
OP_COMMAND(cmd_handoff_withdraw, op_handoff_withdraw)

int command_handoff_withdraw(struct app *app, const char *actor, int64_t number, json_t **out,
			     struct api_error *err)
{
	return op_start(app, actor, number, cmd_handoff_withdraw, NULL, 0, NULL, out, err);
}

/* ---- information authority ---- */

static int op_authority_give(struct op *op, struct incident *inc, json_t *state,
			     struct record *r, struct buf *text, json_t **answer)
{
	struct cmd *cmd = &op->base;
	struct doctrine_verdict v;
	char before[NAME_BYTES];
	bool to_mim;

	if (authority_check_give(inc, cmd->actor, op->text, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	str_copy(before, authority_holder(inc), sizeof(before));
	/* Giving it to the MIM is a return: the default holder is stored as none. */
	to_mim = doctrine_person_same(op->text, inc->roles[ROLE_MIM]);
	record_command(r, "authority.changed",
		       json_pack("{s:s, s:s, s:s}", "action", to_mim ? "returned" : "given",
				 "from", before, "to", op->text));
	if (r->payload == NULL ||
	    incident_set_text(&inc->information_authority, to_mim ? NULL : op->text) != 0)
		return io_error(cmd->err);
	if (buf_printf(text, "%s (MIM) gives information authority to %s%s", inc->roles[ROLE_MIM],
		       op->text, to_mim ? "" : "; the MIM takes it back with a return") != 0)
		return io_error(cmd->err);
	return 0;
}
OP_COMMAND(cmd_authority_give, op_authority_give)

int command_authority_give(struct app *app, const char *actor, int64_t number, const char *to,
			   json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_authority_give, NULL, 0, to, out, err);
}

static int op_authority_return(struct op *op, struct incident *inc, json_t *state,
			       struct record *r, struct buf *text, json_t **answer)
{
	struct cmd *cmd = &op->base;
	struct doctrine_verdict v;
	char before[NAME_BYTES];

	if (authority_check_return(inc, cmd->actor, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	str_copy(before, inc->information_authority, sizeof(before));
	record_command(r, "authority.changed",
		       json_pack("{s:s, s:s, s:s?}", "action", "returned", "from", before, "to",
				 inc->roles[ROLE_MIM]));
	if (r->payload == NULL || incident_set_text(&inc->information_authority, NULL) != 0 ||
	    buf_printf(text, "Information authority returns from %s to the MIM, %s", before,
		       inc->roles[ROLE_MIM] ? inc->roles[ROLE_MIM] : "vacant") != 0)
		return io_error(cmd->err);
	return 0;
}
OP_COMMAND(cmd_authority_return, op_authority_return)

int command_authority_return(struct app *app, const char *actor, int64_t number, json_t **out,
			     struct api_error *err)
{
	return op_start(app, actor, number, cmd_authority_return, NULL, 0, NULL, out, err);
}

/* ---- regulatory clocks ---- */

static int clock_record(struct cmd *cmd, struct record *r, json_t *obj, const char *action,
			json_t **answer)
{
	json_t *view = clock_view(obj, cmd->now);
	json_t *payload = view ? json_pack("{s:s, s:O}", "action", action, "clock", view) : NULL;

	if (payload == NULL) {
		json_decref(view);
		return io_error(cmd->err);
	}
	record_object(r, "clock.changed", "command", "clock", payload, view, answer);
	json_decref(view);
	return 0;
}

static int op_clock_start(struct op *op, struct incident *inc, json_t *state, struct record *r,
			  struct buf *text, json_t **answer)
{
	const struct clock_input *in = op->in;
	struct cmd *cmd = &op->base;
	json_t *clocks = jlist(state, "clocks"), *obj, *v;
	struct regulatory_clock existing[COMMAND_CLOCKS_MAX];
	struct doctrine_verdict verdict;
	bool gdpr = in->kind == REGULATORY_GDPR;
	const char *name = gdpr ? POSTURE_GDPR_NAME : in->name;
	int64_t aware = in->aware_at != TIME_NONE ? in->aware_at : cmd->now;
	int64_t deadline = gdpr ? regulatory_gdpr_deadline(aware) : in->deadline, id;
	size_t i, n = 0;

	if (clocks == NULL)
		return io_error(cmd->err);
	if (json_array_size(clocks) >= COMMAND_CLOCKS_MAX)
		return limit_error(cmd->err, inc->number, "regulatory clocks", COMMAND_CLOCKS_MAX);
	json_array_foreach(clocks, i, v) {
		clock_read(v, &existing[n++]);
	}
	if (posture_check_clock_start(existing, n, name, &verdict) != 0)
		return doctrine_refusal(cmd->err, &verdict);
	if (gdpr && aware > cmd->now)
		return api_error_set(cmd->err, 400, "invalid_field", "awareAt",
				     "awareAt is when the breach became known: not in the future");
	id = state_take_id(state, "nextClock");
	obj = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:b, s:n, s:n, s:s?}", "id",
			(json_int_t)id, "kind", regulatory_kind_name(in->kind), "name", name,
			"awareAt", json_time_or_null(gdpr ? aware : TIME_NONE), "deadline",
			json_time_or_null(deadline), "startedAt", json_time_or_null(cmd->now),
			"startedBy", cmd->actor, "met", 0, "metAt", "metBy", "note", in->note);
	if (id < 0 || obj == NULL || json_array_append(clocks, obj) != 0)
		goto io;
	if (buf_append_str(text, "Regulatory clock started: ") != 0 ||
	    put_clip(text, name, CLIP_LABEL) != 0 || buf_append_str(text, ", due ") != 0 ||
	    put_time(text, deadline, true) != 0 ||
	    (gdpr && (buf_printf(text, " (%d h from awareness at ", REGULATORY_GDPR_HOURS) != 0 ||
		      put_time(text, aware, true) != 0 || buf_append_str(text, ")") != 0)))
		goto io;
	if (clock_record(cmd, r, obj, "started", answer) != 0)
		goto io;
	json_decref(obj);
	return 0;
io:
	json_decref(obj);
	return io_error(cmd->err);
}
OP_COMMAND(cmd_clock_start, op_clock_start)

int command_clock_start(struct app *app, const char *actor, int64_t number,
			const struct clock_input *in, json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_clock_start, in, 0, NULL, out, err);
}

static int op_clock_met(struct op *op, struct incident *inc, json_t *state, struct record *r,
			struct buf *text, json_t **answer)
{
	struct cmd *cmd = &op->base;
	json_t *obj = jfind(json_object_get(state, "clocks"), op->id);
	struct regulatory_clock c;
	struct doctrine_verdict v;

	if (obj == NULL)
		return api_error_set(cmd->err, 404, "not_found", NULL,
				     "no regulatory clock %lld on INC-%lld", (long long)op->id,
				     (long long)inc->number);
	clock_read(obj, &c);
	if (posture_check_clock_met(&c, &v) != 0)
		return doctrine_refusal(cmd->err, &v);
	if (buf_append_str(text, "Regulatory clock met: ") != 0 ||
	    put_clip(text, c.name, CLIP_LABEL) != 0 || buf_append_str(text, " (due ") != 0 ||
	    put_time(text, c.deadline, true) != 0 || buf_append_str(text, ")") != 0 ||
	    (op->text && (buf_append_str(text, ": ") != 0 || put_clip(text, op->text, CLIP_SLOT) != 0)))
		return io_error(cmd->err);
	if (jset(obj, "met", json_true()) != 0 || jset_time(obj, "metAt", cmd->now) != 0 ||
	    jset_str(obj, "metBy", cmd->actor) != 0 ||
	    (op->text && jset_str(obj, "note", op->text) != 0))
		return io_error(cmd->err);
	return clock_record(cmd, r, obj, "met", answer);
}
OP_COMMAND(cmd_clock_met, op_clock_met)

int command_clock_met(struct app *app, const char *actor, int64_t number, int64_t id,
		      const char *note, json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_clock_met, NULL, id, note, out, err);
}

static json_t *clocks_build(const struct incident *inc, const json_t *state, int64_t now,
			    const void *arg)
{
	return clocks_view(inc, state, now);
}

int command_clock_list(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	return list_answer(app, number, "clocks", clocks_build, NULL, out, err);
}

/* ---- public-statement approvals ---- */

static int op_approval(struct op *op, struct incident *inc, json_t *state, struct record *r,
		       struct buf *text, json_t **answer)
{
	static const enum role approvers[] = {ROLE_LEADER, ROLE_LEGAL, ROLE_PR};
	struct cmd *cmd = &op->base;
	json_t *list = jlist(state, "approvals"), *obj, *v;
	struct doctrine_verdict verdict;
	const char *role = NULL;
	size_t i;
	int64_t id;

	if (list == NULL)
		return io_error(cmd->err);
	if (posture_check_approver(inc, cmd->actor, &verdict) != 0)
		return doctrine_refusal(cmd->err, &verdict);
	for (i = 0; i < NELEM(approvers) && role == NULL; i++)
		if (doctrine_person_same(inc->roles[approvers[i]], cmd->actor))
			role = role_name(approvers[i]);
	/* Spent approvals make room first; unused ones are commitments and stay. */
	while (json_array_size(list) >= COMMAND_APPROVALS_MAX) {
		size_t used = json_array_size(list);

		json_array_foreach(list, i, v) {
			if (jtime(v, "usedAt") != TIME_NONE) {
				used = i;
				break;
			}
		}
		if (used == json_array_size(list))
			return limit_error(cmd->err, inc->number, "unused approvals",
					   COMMAND_APPROVALS_MAX);
		json_array_remove(list, used);
	}
	id = state_take_id(state, "nextApproval");
	obj = json_pack("{s:I, s:o, s:s, s:s, s:s?, s:n}", "id", (json_int_t)id, "at",
			json_time_or_null(cmd->now), "approver", cmd->actor, "role", role, "text",
			op->text, "usedAt");
	if (id < 0 || obj == NULL || json_array_append(list, obj) != 0 ||
	    buf_printf(text, "Public statement approved by %s (%s)", cmd->actor, role) != 0 ||
	    (op->text && (buf_append_str(text, ": \"") != 0 ||
			  put_clip(text, op->text, CLIP_SLOT) != 0 ||
			  buf_append_str(text, "\"") != 0))) {
		json_decref(obj);
		return io_error(cmd->err);
	}
	record_object(r, "approval.recorded", "command", "approval",
		      json_pack("{s:s, s:O}", "action", "approved", "approval", obj), obj, answer);
	json_decref(obj);
	return r->payload ? 0 : io_error(cmd->err);
}
OP_COMMAND(cmd_approval, op_approval)

int command_approval_post(struct app *app, const char *actor, int64_t number, const char *text,
			  json_t **out, struct api_error *err)
{
	return op_start(app, actor, number, cmd_approval, NULL, 0, text, out, err);
}

int command_approval_list(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	struct incident inc;
	json_t *state;
	struct store_conn *c = read_begin(app, number, &inc, &state, err);

	if (c == NULL)
		return -1;
	*out = json_pack("{s:b, s:I, s:o}", "required", posture_approval_required(&inc),
			 "available", (json_int_t)approvals_unused(state), "approvals",
			 list_copy(state, "approvals"));
	read_end(app, c, &inc, state);
	return *out ? 0 : io_error(err);
}

/* ---- drafting assistant ---- */

/* What the rewriter may use besides the draft: the facts the built-in drafter reads.
 * Never built for a public draft (llm.h). */
static json_t *assist_facts(const struct incident *inc, const json_t *state)
{
	json_t *systems = json_array(), *cans = json_array(), *v;
	size_t i;

	if (systems == NULL || cans == NULL)
		goto fail;
	for (i = 0; i < inc->naffected_systems; i++)
		if (json_array_append_new(systems, json_string(inc->affected_systems[i])) != 0)
			goto fail;
	json_array_foreach(json_object_get(state, "cans"), i, v) {
		if (json_array_append_new(cans, json_pack("{s:O?, s:O?, s:O?}", "team",
							  json_object_get(v, "team"), "conditions",
							  json_object_get(v, "conditions"), "actions",
							  json_object_get(v, "actions"))) != 0)
			goto fail;
	}
	return json_pack("{s:s?, s:s, s:s, s:s, s:o, s:s?, s:s?, s:s?, s:s?, s:s?, s:o}", "title",
			 inc->title, "severity", severity_name(inc->severity), "status",
			 status_name(inc->status), "phase", phase_name(inc->phase), "affectedSystems",
			 systems, "description", inc->description, "businessImpact",
			 inc->business_impact, "customerImpactSummary", inc->customer_impact_summary,
			 "riskLevel", inc->risk_level, "execSummary", inc->exec_summary, "cans", cans);
fail:
	json_decref(systems);
	json_decref(cans);
	return NULL;
}

/* Who the text is for, as the rewriter is told. */
static const char *assist_hint(enum assist_kind kind, enum audience audience)
{
	if (kind == ASSIST_SUGGESTION)
		return "the Major Incident Manager (what to do next)";
	if (kind == ASSIST_BRIEF)
		return "executives (one paragraph)";
	if (audience == AUDIENCE_PUBLIC)
		return "the public status page (customers)";
	return audience == AUDIENCE_EXEC ? "executives" : "internal stakeholders";
}

int command_assist(struct app *app, int64_t number, enum assist_kind kind,
		   enum audience audience, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct incident inc;
	struct command_facts cf;
	struct assist_record rec;
	struct assist_can *cans = NULL;
	struct llm_config llm;
	json_t *list, *v, *facts = NULL;
	char *rewritten = NULL;
	int64_t now = app_now(app);
	struct buf b;
	size_t i, n = 0;
	int rc = -1;

	memset(&cf, 0, sizeof(cf));
	buf_init(&b, ASSIST_TEXT_MAX);
	if (load_incident(c, number, &inc, err) != 0)
		goto done;
	if (facts_load(c, &inc, NULL, true, &cf, err) != 0)
		goto done;
	list = json_object_get(cf.state, "cans");
	/* One spare, so even no CAN at all allocates: the array is never NULL when read. */
	cans = calloc(json_array_size(list) + 1, sizeof(*cans));
	if (cans == NULL) {
		io_error(err);
		goto done;
	}
	/* CAN reports are internal (a public statement is a milestone the MIM writes). */
	json_array_foreach(list, i, v) {
		struct assist_can *a = &cans[n++];

		a->report.team = jstr(v, "team");
		a->report.author = jstr(v, "author");
		a->report.conditions = jstr(v, "conditions");
		a->report.actions = jstr(v, "actions");
		a->report.needs = jstr(v, "needs");
		a->at = jtime(v, "at");
		a->visibility = VISIBILITY_INTERNAL;
	}
	memset(&rec, 0, sizeof(rec));
	rec.inc = &inc;
	rec.cans = cans;
	rec.ncans = n;
	rec.tracks = cf.tracks;
	rec.ntracks = cf.ntracks;
	memcpy(rec.cadence, cf.cadence, sizeof(rec.cadence));
	rec.latest_milestone = cf.has_latest ? &cf.latest : NULL;
	switch (kind) {
	case ASSIST_SUGGESTION:
		rc = assist_suggestion(&rec, now, &b);
		break;
	case ASSIST_DRAFT:
		rc = assist_draft_update(&rec, audience, now, &b);
		break;
	default:
		rc = assist_exec_brief(&rec, now, &b);
		break;
	}
	if (rc != 0) {
		rc = io_error(err);
		goto done;
	}
	llm_config_from_env(&llm);
	if (llm.url != NULL && !(kind == ASSIST_DRAFT && audience == AUDIENCE_PUBLIC)) {
		facts = assist_facts(&inc, cf.state);
		if (facts == NULL) {
			rc = io_error(err);
			goto done;
		}
	}
	/* A model answers in seconds, a read in microseconds: the snapshot goes back first. */
	store_read_end(app->store, c);
	c = NULL;
	if (llm.url != NULL)
		rewritten = llm_rewrite(&llm, assist_hint(kind, audience), b.ptr, facts);
	*out = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "text", rewritten ? rewritten : b.ptr,
			 "source", rewritten ? "llm" : "builtin", "kind", assist_kind_names[kind],
			 "audience", kind == ASSIST_DRAFT ? audience_name(audience) : NULL, "model",
			 rewritten ? llm.model : NULL);
	rc = *out ? 0 : io_error(err);
done:
	if (c != NULL)
		store_read_end(app->store, c);
	json_decref(facts);
	free(rewritten);
	buf_free(&b);
	free(cans);
	facts_free(&cf);
	incident_free(&inc);
	return rc;
}

/* ---- guardrails written to the timeline ---- */

/* "guardrail.trackExpired|track 3|1779269100000": one firing (guardrails.h). */
static void nudge_key(const struct guardrail_nudge *n, char out[KEY_MAX])
{
	snprintf(out, KEY_MAX, "%s|%s|%lld", guardrail_rule_name(n->rule), n->subject,
		 (long long)n->since);
}

/* Evaluates `inc` at `now` into `nudges`; marks in `fresh` those not yet written and
 * returns how many they are. */
static size_t guardrails_fresh(const struct incident *inc, const struct command_facts *cf,
			       int64_t now, struct guardrail_nudges *nudges,
			       bool fresh[GUARDRAIL_NUDGES_MAX])
{
	const json_t *fired = json_object_get(cf->state, "fired");
	struct guardrail_snapshot snap;
	struct guardrail_config cfg;
	size_t nfresh = 0;

	guardrail_config(&cfg);
	facts_snapshot(inc, cf, &snap);
	guardrails_evaluate(&cfg, &snap, now, nudges);
	for (size_t i = 0; i < nudges->n; i++) {
		char key[KEY_MAX];
		const json_t *v;
		size_t j;

		nudge_key(&nudges->nudges[i], key);
		fresh[i] = true;
		json_array_foreach(fired, j, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), key) == 0) {
				fresh[i] = false;
				break;
			}
		}
		if (fresh[i])
			nfresh++;
	}
	return nfresh;
}

/* The store command of one incident: writes each guardrail that fired and is not on the
 * timeline yet, and remembers the identities of those active now. */
static int cmd_guardrails(struct store_conn *c, void *arg)
{
	struct cmd *cmd = arg;
	struct incident inc;
	struct command_facts cf;
	struct guardrail_nudges *nudges = malloc(sizeof(*nudges));
	bool fresh[GUARDRAIL_NUDGES_MAX];
	json_t *fired = json_array();
	bool first = true;
	int rc = -1;

	memset(&cf, 0, sizeof(cf));
	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		goto done;
	if (nudges == NULL || fired == NULL) {
		io_error(cmd->err);
		goto done;
	}
	if (facts_load(c, &inc, NULL, false, &cf, cmd->err) != 0)
		goto done;
	if (guardrails_fresh(&inc, &cf, cmd->now, nudges, fresh) == 0) {
		rc = 0; /* another sweep (or replica) wrote them first */
		goto done;
	}
	/* Only active identities are kept: one that cleared can never come back the same. */
	for (size_t i = 0; i < nudges->n; i++) {
		char key[KEY_MAX];

		nudge_key(&nudges->nudges[i], key);
		if (json_array_append_new(fired, json_string(key)) != 0)
			goto io;
	}
	if (json_object_set(cf.state, "fired", fired) != 0 || state_save(&inc, cf.state) != 0)
		goto io;
	for (size_t i = 0; i < nudges->n; i++) {
		json_t *payload;
		struct record r = {.event_type = "guardrail.fired", .entry_type = "guardrail",
				   .text = nudges->nudges[i].message, .extra_key = "guardrail"};

		if (!fresh[i])
			continue;
		payload = nudge_json(&nudges->nudges[i]);
		if (payload == NULL)
			goto io;
		r.payload = payload;
		r.extra = payload;
		/* The first saves the incident (version + 1); the rest only add entries. */
		if (first) {
			rc = commit_incident(c, cmd, &inc, &r, false);
		} else {
			rc = record_change(c, cmd, &inc, &r) == 0 ? 0 : io_error(cmd->err);
			json_decref(r.entry_out);
		}
		json_decref(payload);
		if (rc != 0)
			goto done;
		first = false;
	}
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	json_decref(fired);
	free(nudges);
	facts_free(&cf);
	incident_free(&inc);
	return rc;
}

/* Whether INC (read at `now` on `c`) has a guardrail not yet on its timeline. */
static bool guardrails_due(struct store_conn *c, const struct incident *inc, int64_t now,
			   struct guardrail_nudges *nudges)
{
	struct command_facts cf;
	struct api_error err;
	bool fresh[GUARDRAIL_NUDGES_MAX];
	bool due = false;

	if (facts_load(c, inc, NULL, false, &cf, &err) == 0)
		due = guardrails_fresh(inc, &cf, now, nudges, fresh) > 0;
	facts_free(&cf);
	return due;
}

/* Writes the guardrails due on the incidents in `due` (one store command each). */
static void guardrails_write(struct app *app, const int64_t *due, size_t ndue)
{
	for (size_t i = 0; i < ndue; i++) {
		struct api_error err;
		struct cmd cmd = {.app = app, .actor = COMMAND_ACTOR, .number = due[i],
				  .now = app_now(app), .err = &err};
		json_t *result = NULL;

		if (run_command(&cmd, cmd_guardrails, &result) != 0)
			fprintf(stderr, "majorops: cannot write the guardrails of INC-%lld: %s\n",
				(long long)due[i], err.message);
		json_decref(result);
	}
}

/* One page of a sweep's pass over `filter`, numbers below *before (moved on): reads first,
 * on a snapshot, then writes only where something fired, so a quiet deployment costs one
 * read per page.  Incidents opened before `oldest` end the pass.  1 when another page
 * follows, 0 when the pass is over, -1 when the store cannot be read. */
static int sweep_page(struct app *app, enum incident_filter filter, int64_t *before,
		      int64_t oldest, int64_t now, struct guardrail_nudges *nudges, int64_t *due)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st = store_bind(c, STMT_INCIDENT_LIST, "itii", (int64_t)filter,
					   (const char *)NULL, *before, (int64_t)COMMAND_SWEEP_PAGE);
	size_t ndue = 0, nseen = 0;
	bool too_old = false;
	int step = -1;

	while (!too_old && st != NULL && (step = store_step(st)) == 1) {
		json_t *doc = json_loads(store_col_text(st, 1), 0, NULL);
		struct incident inc;

		nseen++;
		*before = store_col_int(st, 0);
		if (doc != NULL && incident_from_json(doc, &inc) == 0) {
			too_old = inc.opened_at < oldest;
			if (!too_old && guardrails_due(c, &inc, now, nudges))
				due[ndue++] = inc.number;
			incident_free(&inc);
		}
		json_decref(doc);
	}
	if (st != NULL)
		store_reset(st);
	store_read_end(app->store, c);
	if (step < 0)
		return -1;
	guardrails_write(app, due, ndue);
	return !too_old && nseen == COMMAND_SWEEP_PAGE;
}

int command_guardrails_sweep(void *ctx, int64_t now)
{
	struct app *app = ctx;
	struct guardrail_nudges *nudges = malloc(sizeof(*nudges));
	int64_t *due = calloc(COMMAND_SWEEP_PAGE, sizeof(*due));
	/* Active incidents whatever their age; resolved ones opened recently (numbers grow
	 * with opening time, so that pass stops at the first older one). */
	const struct {
		enum incident_filter filter;
		int64_t oldest;
	} passes[] = {
		{FILTER_ACTIVE, INT64_MIN},
		{FILTER_RESOLVED, now - (int64_t)COMMAND_SWEEP_RESOLVED_DAYS * 24 * 3600 * 1000},
	};
	/* When the resolved pass last ran (the worker runs one sweep at a time). */
	static _Atomic int64_t resolved_at = 0;
	size_t npasses = 1;
	int rc = -1;

	if (nudges == NULL || due == NULL)
		goto done;
	if (now - atomic_load(&resolved_at) >= COMMAND_SWEEP_RESOLVED_MS ||
	    now < atomic_load(&resolved_at)) {
		atomic_store(&resolved_at, now);
		npasses = 2;
	}
	for (size_t p = 0; p < npasses; p++) {
		int64_t before = INT64_MAX;
		int more;

		while ((more = sweep_page(app, passes[p].filter, &before, passes[p].oldest, now,
					  nudges, due)) == 1)
			;
		if (more < 0)
			goto done;
	}
	rc = 0;
done:
	free(nudges);
	free(due);
	return rc;
}

/* ---- the sweep's interval ---- */

int command_sweep_interval_ms(void)
{
	return parse_env_ms("MAJOROPS_GUARDRAIL_SWEEP_MS", COMMAND_SWEEP_MS_MIN, 24 * 3600 * 1000,
			    COMMAND_SWEEP_MS_DEFAULT);
}

#ifdef UNITTEST
int64_t command_test_clock_offset_ms(void)
{
	const char *path = getenv("MAJOROPS_TEST_CLOCK_OFFSET_FILE");
	char text[32];
	const char *p = text;
	bool negative;
	uint64_t n;
	size_t len;
	FILE *f;

	if (path == NULL || *path == '\0')
		return 0;
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	while (*p == ' ' || *p == '\n')
		p++;
	negative = *p == '-';
	if (negative)
		p++;
	if (parse_u64(&p, &n, (uint64_t)INT64_MAX / 2) != 0)
		return 0;
	return negative ? -(int64_t)n : (int64_t)n;
}
#endif
