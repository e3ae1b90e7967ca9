#include "service.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "afteraction.h"
#include "buf.h"
#include "codec.h"
#include "command.h"
#include "doctrine.h"
#include "intake.h"
#include "outbox.h"
#include "parse.h"
#include "service_internal.h"

#define HOLDING_DEFAULT_MS (15 * MINUTE_MS)
#define TIMELINE_TEXT_MAX 12000

int64_t clock_wall_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
#ifdef UNITTEST
	/* Test builds only: integration tests move the clock ahead without sleeping. */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + command_test_clock_offset_ms();
#else
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#endif
}

int64_t app_now(const struct app *app)
{
	return app->clock(app->clock_ctx);
}

/* ---- reading the record (any connection) ---- */

int load_incident(struct store_conn *c, int64_t number, struct incident *inc,
			 struct api_error *err)
{
	/* Inside a command the row stays locked until commit, so no other replica changes the
	 * incident between this read and our write (If-Match, doctrine). */
	struct store_stmt *st = store_bind(
		c, store_conn_writes(c) ? STMT_INCIDENT_GET_FOR_UPDATE : STMT_INCIDENT_GET, "i", number);
	json_t *doc = NULL;
	int rc;

	incident_init(inc);
	if (st == NULL)
		goto io;
	rc = store_step(st);
	if (rc == 0) {
		store_reset(st);
		return api_error_set(err, 404, "not_found", NULL, "no incident INC-%lld",
				     (long long)number);
	}
	if (rc < 0)
		goto io;
	doc = json_loads(store_col_text(st, 0), 0, NULL);
	store_reset(st);
	if (doc == NULL || incident_from_json(doc, inc) != 0) {
		json_decref(doc);
		return api_error_set(err, 500, "internal", NULL, "INC-%lld cannot be read back",
				     (long long)number);
	}
	json_decref(doc);
	return 0;
io:
	return api_error_set(err, 503, "store_unavailable", NULL, "the store did not answer");
}

int cadence_inputs(struct store_conn *c, int64_t number,
			  struct cadence_input in[AUDIENCE__MAX])
{
	for (int a = 0; a < AUDIENCE__MAX; a++) {
		struct store_stmt *st =
			store_bind(c, STMT_UPDATE_LATEST, "it", number, audience_name((enum audience)a));
		int rc;

		memset(&in[a], 0, sizeof(in[a]));
		if (st == NULL)
			return -1;
		rc = store_step(st);
		if (rc == 1) {
			in[a].has_update = true;
			in[a].last_published_at = store_col_int(st, 0);
			in[a].next_update_eta = store_col_null(st, 1) ? TIME_NONE : store_col_int(st, 1);
			in[a].last_was_resolution =
				strcmp(store_col_text(st, 2), update_kind_name(UPDATE_RESOLUTION)) == 0;
		}
		store_reset(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The incident as clients see it: the stored form plus staffing and cadence now. */
json_t *incident_view(struct store_conn *c, const struct incident *inc, int64_t now)
{
	struct cadence_input in[AUDIENCE__MAX];
	struct staffing staffing;
	json_t *o, *cadence;

	if (cadence_inputs(c, inc->number, in) != 0)
		return NULL;
	o = incident_to_json(inc);
	cadence = json_object();
	if (o == NULL || cadence == NULL)
		goto fail;
	for (int a = 0; a < AUDIENCE__MAX; a++)
		if (json_object_set_new(cadence, audience_name((enum audience)a),
					json_string(cadence_state_name(
						doctrine_cadence((enum audience)a, inc, &in[a], now)))))
			goto fail;
	doctrine_staffing(inc, &staffing);
	if (json_object_set_new(o, "cadence", cadence) != 0)
		goto fail_o;
	if (json_object_set_new(o, "staffing", staffing_to_json(&staffing)) != 0)
		goto fail_o;
	/* The command doctrine's members (guardrails, tracks, CANs, …): command.h. */
	if (command_view(c, inc, in, now, o) != 0)
		goto fail_o;
	/* Alert intake's members: the run card that fired, the alerts counted (intake.h). */
	if (intake_view(c, inc, o) != 0)
		goto fail_o;
	return o;
fail:
	json_decref(cadence);
fail_o:
	json_decref(o);
	return NULL;
}

/* ---- writing the record (inside a store command) ---- */


int io_error(struct api_error *err)
{
	return api_error_set(err, 503, "store_unavailable", NULL,
			     "the store could not record this; nothing was written");
}

/* Lowercased text the list's `q` searches. */
static char *search_text(const struct incident *inc)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	if (buf_printf(&b, "inc-%lld\n%s\n%s\n%s", (long long)inc->number, inc->title ? inc->title : "",
		       inc->description ? inc->description : "", inc->channel ? inc->channel : "") != 0)
		return NULL;
	for (size_t i = 0; i < b.len; i++)
		b.ptr[i] = (char)tolower((unsigned char)b.ptr[i]);
	return buf_detach(&b);
}

/* Writes the projection of `inc` after bumping its version. */
static int save_incident(struct store_conn *c, struct incident *inc, int64_t now, bool insert)
{
	json_t *doc;
	char *text = NULL, *search = NULL;
	int rc = -1;

	inc->version++;
	inc->updated_at = now;
	doc = incident_to_json(inc);
	if (doc == NULL)
		return -1;
	text = json_to_text(doc);
	search = search_text(inc);
	if (text == NULL || search == NULL)
		goto done;
	if (insert)
		rc = store_run(c, STMT_INCIDENT_INSERT, "iibitt", inc->number, inc->version,
			       inc->status != STATUS_RESOLVED, inc->opened_at, search, text);
	else
		rc = store_run(c, STMT_INCIDENT_UPDATE, "ibtti", inc->version,
			       inc->status != STATUS_RESOLVED, search, text, inc->number);
done:
	json_decref(doc);
	free(text);
	free(search);
	return rc;
}

json_t *entry_json(int64_t id, int64_t number, int64_t at, const char *author,
			  const char *type, const char *visibility, const char *text,
			  json_t *payload, int64_t amends)
{
	char inc_id[32];

	incident_id_format(number, inc_id);
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:O, s:o}", "id", (json_int_t)id,
			 "incident", inc_id, "at", json_time_or_null(at), "author", author, "type",
			 type, "text", text, "visibility", visibility, "payload",
			 payload ? payload : json_null(),
			 "amends", amends ? json_integer(amends) : json_null());
}


/* Appends the timeline entry and the event for `inc` (already saved). */
int record_change(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
			 struct record *r)
{
	json_t *event = NULL, *state = NULL, *entry = NULL;
	char *payload_text = NULL, *event_text = NULL;
	char inc_id[32];
	int64_t seq;
	int rc = -1;

	incident_id_format(inc->number, inc_id);
	if (r->entry_type) {
		int64_t id;

		if (r->payload) {
			payload_text = json_to_text(r->payload);
			if (payload_text == NULL)
				goto done;
		}
		if (store_query_int(c, &id, 0, STMT_TIMELINE_APPEND, "iitttttz", inc->number, cmd->now,
				    cmd->actor, r->entry_type, visibility_name(r->visibility), r->text,
				    payload_text, r->amends) != 0)
			goto done;
		entry = entry_json(id, inc->number, cmd->now, cmd->actor, r->entry_type,
				   visibility_name(r->visibility), r->text, r->payload, r->amends);
		if (entry == NULL)
			goto done;
	}
	event = json_pack("{s:s, s:s, s:o, s:s}", "type", r->event_type, "incident", inc_id, "at",
			  json_time_or_null(cmd->now), "actor", cmd->actor);
	if (event == NULL)
		goto done;
	if (!r->without_state) {
		state = incident_view(c, inc, cmd->now);
		if (state == NULL || json_object_set(event, "incidentState", state) != 0)
			goto done;
	}
	if (entry && json_object_set(event, "entry", entry) != 0)
		goto done;
	if (r->extra_key && json_object_set(event, r->extra_key, r->extra) != 0)
		goto done;
	event_text = json_to_text(event);
	if (event_text == NULL)
		goto done;
	if (store_event_append(c, inc->number, cmd->now, cmd->actor, r->event_type,
			       visibility_name(entry ? r->visibility : VISIBILITY_INTERNAL), event_text,
			       &seq) != 0)
		goto done;
	/* Notifications are written in this same transaction (outbox.h). */
	if (outbox_route_event(c, cmd->app, inc, seq, r->event_type, event) != 0)
		goto done;
	r->entry_out = entry;
	entry = NULL;
	rc = 0;
done:
	json_decref(entry);
	json_decref(state);
	json_decref(event);
	free(payload_text);
	free(event_text);
	return rc;
}

/* Saves `inc`, records the change and sets cmd->result to the incident view. */
int commit_incident(struct store_conn *c, struct cmd *cmd, struct incident *inc,
			   struct record *r, bool insert)
{
	/* command_observe stamps what the guardrails read off every change (command.h). */
	if (command_observe(inc, cmd->now) != 0 || save_incident(c, inc, cmd->now, insert) != 0 ||
	    record_change(c, cmd, inc, r) != 0)
		return io_error(cmd->err);
	json_decref(r->entry_out);
	r->entry_out = NULL;
	cmd->result = incident_view(c, inc, cmd->now);
	if (cmd->result == NULL)
		return io_error(cmd->err);
	return 0;
}

int doctrine_refusal(struct api_error *err, const struct doctrine_verdict *v)
{
	api_error_set(err, 409, "doctrine", NULL, "%s", v->message);
	str_copy(err->rule, doctrine_rule_name(v->rule), sizeof(err->rule));
	return -1;
}

/* Runs `fn` as one durable command; maps a failed commit to 503. */
int run_command(struct cmd *cmd, store_command_fn fn, json_t **out)
{
	int rc = store_write(cmd->app->store, fn, cmd);

	if (rc == STORE_ERR_IO) {
		json_decref(cmd->result);
		cmd->result = NULL;
		return io_error(cmd->err);
	}
	if (rc != 0) {
		json_decref(cmd->result);
		return -1;
	}
	*out = cmd->result;
	return 0;
}

/* ---- open ---- */

struct open_cmd {
	struct cmd base;
	const struct open_input *in;
};

static int set_systems(struct incident *inc, json_t *systems)
{
	size_t i, n = json_array_size(systems);
	json_t *v;

	for (i = 0; i < inc->naffected_systems; i++)
		free(inc->affected_systems[i]);
	free(inc->affected_systems);
	inc->affected_systems = NULL;
	inc->naffected_systems = 0;
	if (n == 0)
		return 0;
	inc->affected_systems = calloc(n, sizeof(char *));
	if (inc->affected_systems == NULL)
		return -1;
	json_array_foreach(systems, i, v) {
		if (incident_set_text(&inc->affected_systems[i], json_string_value(v)) != 0)
			return -1;
		inc->naffected_systems = i + 1;
	}
	return 0;
}

int open_in_command(struct store_conn *c, struct cmd *cmd, const struct open_input *in,
		    int64_t *number)
{
	struct incident inc;
	char channel[CHANNEL_NAME_MAX], text[600], card_note[200] = "";
	struct record r = {.event_type = "incident.opened", .entry_type = "command", .text = text};
	json_t *pages = NULL;
	int rc = -1;

	incident_init(&inc);
	if (store_query_int(c, &inc.number, 1, STMT_INCIDENT_NEXT_NUMBER, "") != 0) {
		io_error(cmd->err);
		goto done;
	}
	inc.severity = in->severity;
	inc.opened_at = cmd->now;
	inc.phase_entered_at[PHASE_ALERT] = cmd->now;
	inc.started_at = in->started_at != TIME_NONE ? in->started_at : cmd->now;
	inc.alert_fired_at = in->alert_fired_at;
	inc.customer_count = in->customer_count;
	inc.external_impact = in->external_impact;
	inc.security = in->security;
	inc.existential = in->existential;
	inc.drill = in->drill;
	inc.severity_confirmed_at = cmd->now;
	doctrine_channel_name(in->title, cmd->now, channel);
	if (incident_set_text(&inc.title, in->title) || incident_set_text(&inc.description, in->description) ||
	    incident_set_text(&inc.bridge_url, in->bridge_url) || incident_set_text(&inc.channel, channel) ||
	    incident_set_text(&inc.created_by, cmd->actor) || set_systems(&inc, in->affected_systems)) {
		io_error(cmd->err);
		goto done;
	}
	/* The run card of the alarm level fires for every new incident, from /new or an alert
	 * (intake.h): roles before the first save, pages once the row exists. */
	if (intake_runcard_fire(c, &inc, cmd->now, &pages, card_note, sizeof(card_note), cmd->err) != 0)
		goto done;
	snprintf(text, sizeof(text), "Incident declared: %s — %s, Box %d; channel %s%s%s",
		 severity_name(inc.severity), in->drill ? "drill" : "live",
		 doctrine_alarm_level(inc.severity), channel, *card_note ? "; " : "", card_note);
	rc = commit_incident(c, cmd, &inc, &r, true);
	if (rc == 0 && json_array_size(pages) > 0) {
		if (intake_runcard_page(c, cmd, &inc, cmd->now, pages) != 0) {
			rc = io_error(cmd->err);
			goto done;
		}
	}
	if (rc == 0 && number)
		*number = inc.number;
done:
	json_decref(pages);
	incident_free(&inc);
	return rc;
}

static int cmd_open(struct store_conn *c, void *arg)
{
	struct open_cmd *oc = arg;

	return open_in_command(c, &oc->base, oc->in, NULL);
}

int service_incident_open(struct app *app, const char *actor, const struct open_input *in,
			  json_t **out, struct api_error *err)
{
	struct open_cmd oc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
			      .in = in};

	return run_command(&oc.base, cmd_open, out);
}

/* ---- read ---- */

int service_incident_get(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct incident inc;
	int rc = -1;

	if (load_incident(c, number, &inc, err) == 0) {
		*out = incident_view(c, &inc, app_now(app));
		rc = *out ? 0 : io_error(err);
		incident_free(&inc);
	}
	store_read_end(app->store, c);
	return rc;
}

int service_incident_list(struct app *app, enum incident_filter state, const char *q,
			  int64_t before, int limit, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *list = json_array(), *result = NULL;
	struct store_stmt *st;
	char *needle = NULL;
	int64_t last = 0;
	int rc, n = 0;
	int64_t now = app_now(app);

	if (q && *q) {
		needle = strdup(q);
		if (needle == NULL)
			goto io;
		for (char *p = needle; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	/* One row more than asked tells whether another page exists. */
	st = store_bind(c, STMT_INCIDENT_LIST, "itii", (int64_t)state, needle, before,
			(int64_t)limit + 1);
	if (list == NULL || st == NULL)
		goto io;
	while ((rc = store_step(st)) == 1) {
		json_t *doc;
		struct incident inc;
		json_t *view;

		if (n == limit)
			break;
		doc = json_loads(store_col_text(st, 1), 0, NULL);
		if (doc == NULL || incident_from_json(doc, &inc) != 0) {
			json_decref(doc);
			goto io;
		}
		json_decref(doc);
		last = inc.number;
		/* The cadence query needs its own statement; this one stays positioned. */
		view = incident_view(c, &inc, now);
		incident_free(&inc);
		if (view == NULL || json_array_append_new(list, view) != 0)
			goto io;
		n++;
	}
	if (rc < 0)
		goto io;
	result = json_pack("{s:o, s:o}", "incidents", list, "nextCursor",
			   rc == 1 ? json_sprintf("%lld", (long long)last) : json_null());
	list = NULL;
	if (result == NULL)
		goto io;
	store_read_end(app->store, c);
	free(needle);
	*out = result;
	return 0;
io:
	store_read_end(app->store, c);
	json_decref(list);
	free(needle);
	return io_error(err);
}

/* ---- patch ---- */

struct patch_cmd {
	struct cmd base;
	int64_t if_match;
	json_t *fields;
};

/* Text fields PATCH may set, by wire name. */
static char **patch_text_field(struct incident *inc, const char *key)
{
	if (strcmp(key, "title") == 0) return &inc->title;
	if (strcmp(key, "description") == 0) return &inc->description;
	if (strcmp(key, "bridgeUrl") == 0) return &inc->bridge_url;
	if (strcmp(key, "businessImpact") == 0) return &inc->business_impact;
	if (strcmp(key, "customerImpactSummary") == 0) return &inc->customer_impact_summary;
	if (strcmp(key, "riskLevel") == 0) return &inc->risk_level;
	if (strcmp(key, "execSummary") == 0) return &inc->exec_summary;
	return NULL;
}

static bool *patch_bool_field(struct incident *inc, const char *key)
{
	if (strcmp(key, "bridgePublic") == 0) return &inc->bridge_public;
	if (strcmp(key, "externalImpact") == 0) return &inc->external_impact;
	if (strcmp(key, "security") == 0) return &inc->security;
	if (strcmp(key, "existential") == 0) return &inc->existential;
	return NULL;
}

static int64_t *patch_time_field(struct incident *inc, const char *key)
{
	if (strcmp(key, "startedAt") == 0) return &inc->started_at;
	if (strcmp(key, "alertFiredAt") == 0) return &inc->alert_fired_at;
	if (strcmp(key, "afterActionAt") == 0) return &inc->after_action_at;
	return NULL;
}

static int cmd_patch(struct store_conn *c, void *arg)
{
	struct patch_cmd *pc = arg;
	struct cmd *cmd = &pc->base;
	struct incident inc;
	struct buf changed;
	const char *key;
	json_t *v, *sev = json_object_get(pc->fields, "severity");
	json_t *status = json_object_get(pc->fields, "status");
	const char *reason = json_string_value(json_object_get(pc->fields, "severityReason"));
	enum severity old_severity;
	struct record r = {.event_type = "incident.updated", .entry_type = "command"};
	int rc = -1;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	buf_init(&changed, 4096);
	if (pc->if_match >= 0 && pc->if_match != inc.version) {
		api_error_set(cmd->err, 409, "version_conflict", NULL,
			      "INC-%lld is at version %lld, not %lld: someone else changed it; reload and retry",
			      (long long)inc.number, (long long)inc.version, (long long)pc->if_match);
		goto done;
	}
	old_severity = inc.severity;
	json_object_foreach(pc->fields, key, v) {
		char **text = patch_text_field(&inc, key);
		bool *flag = patch_bool_field(&inc, key);
		int64_t *when = patch_time_field(&inc, key);

		if (text) {
			if (incident_set_text(text, json_string_value(v)) != 0)
				goto io;
		} else if (flag) {
			*flag = json_is_true(v);
		} else if (when) {
			if (json_is_null(v))
				*when = TIME_NONE;
			else if (time_from_iso(json_string_value(v), when) != 0)
				goto io;
		} else if (strcmp(key, "customerCount") == 0) {
			inc.customer_count = json_is_integer(v) ? json_integer_value(v) : -1;
		} else if (strcmp(key, "affectedSystems") == 0) {
			if (set_systems(&inc, v) != 0)
				goto io;
		} else {
			continue; /* severity, status, severityReason: below */
		}
		if (buf_printf(&changed, "%s%s", changed.len ? ", " : "", key) != 0)
			goto io;
	}
	if (sev && severity_parse(json_string_value(sev), &inc.severity) == 0) {
		/* Setting severity, even to the same value, is the MIM confirming it. */
		inc.severity_confirmed_at = cmd->now;
		if (inc.severity != old_severity && inc.existential && inc.severity != SEVERITY_CRITICAL)
			inc.existential = false;
	}
	if (status) {
		struct doctrine_verdict verdict;
		enum status to;

		if (status_parse(json_string_value(status), &to) != 0)
			goto io;
		if (doctrine_check_status(&inc, to, &verdict) != 0) {
			doctrine_refusal(cmd->err, &verdict);
			goto done;
		}
		if (to != inc.status && buf_printf(&changed, "%sstatus %s → %s", changed.len ? ", " : "",
						   status_name(inc.status), status_name(to)) != 0)
			goto io;
		inc.status = to;
	}
	if (sev && inc.severity != old_severity) {
		/* A severity change is its own entry: who, when, from, to and why. */
		char text[400];
		json_t *payload = json_pack("{s:s, s:s, s:s?}", "from", severity_name(old_severity),
					    "to", severity_name(inc.severity), "reason", reason);
		struct record sr = {.event_type = "incident.updated", .entry_type = "severity",
				    .text = text, .payload = payload};

		snprintf(text, sizeof(text), "Severity %s → %s (Box %d → Box %d)%s%s",
			 severity_name(old_severity), severity_name(inc.severity),
			 doctrine_alarm_level(old_severity), doctrine_alarm_level(inc.severity),
			 reason ? ": " : "", reason ? reason : "");
		rc = payload ? commit_incident(c, cmd, &inc, &sr, false) : io_error(cmd->err);
		json_decref(payload);
		if (rc != 0 || changed.len == 0)
			goto done;
		json_decref(cmd->result);
		cmd->result = NULL;
	} else if (sev && buf_printf(&changed, "%sseverity %s confirmed", changed.len ? ", " : "",
				     severity_name(inc.severity)) != 0) {
		goto io;
	}
	if (changed.len == 0) {
		/* Nothing changed: answer the incident as it is, write nothing. */
		cmd->result = incident_view(c, &inc, cmd->now);
		rc = cmd->result ? 0 : io_error(cmd->err);
		goto done;
	}
	if (buf_printf(&changed, " (updated)") != 0)
		goto io;
	r.text = changed.ptr;
	rc = commit_incident(c, cmd, &inc, &r, false);
	goto done;
io:
	rc = io_error(cmd->err);
done:
	buf_free(&changed);
	incident_free(&inc);
	return rc;
}

int service_incident_patch(struct app *app, const char *actor, int64_t number, int64_t if_match,
			   json_t *fields, json_t **out, struct api_error *err)
{
	struct patch_cmd pc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.if_match = if_match,
		.fields = fields,
	};

	return run_command(&pc.base, cmd_patch, out);
}

/* ---- phases ---- */

struct phase_cmd {
	struct cmd base;
	int to;
	const char *override;
	const char *reason; /* reopen */
};

static int phase_facts_read(struct store_conn *c, const struct incident *inc,
			    struct phase_facts *facts)
{
	int64_t on_scene;

	if (store_query_int(c, &on_scene, 0, STMT_RESPONDER_TECH_ON_SCENE, "itt", inc->number,
			    inc->roles[ROLE_SRE], inc->roles[ROLE_SME]) != 0 ||
	    store_query_int(c, &facts->published_milestones, 0, STMT_UPDATE_COUNT, "i",
			    inc->number) != 0)
		return -1;
	facts->technical_on_scene = on_scene > 0;
	return 0;
}

static int cmd_phase(struct store_conn *c, void *arg)
{
	struct phase_cmd *pc = arg;
	struct cmd *cmd = &pc->base;
	struct incident inc;
	struct phase_facts facts;
	struct doctrine_verdict refusal, gates[DOCTRINE_GATES_MAX];
	json_t *payload = NULL, *overridden = NULL;
	struct record r = {.event_type = "incident.phase", .entry_type = "phase"};
	char text[600];
	int ngates, to, from, rc = -1;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	to = pc->to ? pc->to : inc.phase + 1;
	from = inc.phase;
	if (phase_facts_read(c, &inc, &facts) != 0) {
		io_error(cmd->err);
		goto done;
	}
	ngates = doctrine_phase_change(&inc, &facts, to, cmd->now, &refusal, gates);
	if (ngates < 0) {
		doctrine_refusal(cmd->err, &refusal);
		goto done;
	}
	if (ngates > 0 && pc->override == NULL) {
		doctrine_refusal(cmd->err, &gates[0]);
		goto done;
	}
	overridden = json_array();
	if (overridden == NULL)
		goto io;
	for (int i = 0; i < ngates; i++)
		if (json_array_append_new(overridden, json_string(doctrine_rule_name(gates[i].rule))))
			goto io;
	inc.phase = to;
	inc.phase_entered_at[to] = cmd->now;
	if (to == PHASE_RESOLUTION) {
		inc.status = STATUS_RESOLVED;
		if (inc.resolved_at == TIME_NONE)
			inc.resolved_at = cmd->now;
	}
	if (ngates)
		snprintf(text, sizeof(text), "Phase %d %s → %d %s (override: %s; gates passed: %s)", from,
			 phase_name(from), to, phase_name(to), pc->override, gates[0].message);
	else
		snprintf(text, sizeof(text), "Phase %d %s → %d %s", from, phase_name(from), to,
			 phase_name(to));
	payload = json_pack("{s:i, s:i, s:s?, s:O}", "from", from, "to", to, "override",
			    pc->override, "gatesOverridden", overridden);
	if (payload == NULL)
		goto io;
	r.text = text;
	r.payload = payload;
	rc = commit_incident(c, cmd, &inc, &r, false);
	goto done;
io:
	rc = io_error(cmd->err);
done:
	json_decref(payload);
	json_decref(overridden);
	incident_free(&inc);
	return rc;
}

int service_incident_phase(struct app *app, const char *actor, int64_t number, int to,
			   const char *override, json_t **out, struct api_error *err)
{
	struct phase_cmd pc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.to = to,
		.override = override,
	};

	return run_command(&pc.base, cmd_phase, out);
}

static int cmd_reopen(struct store_conn *c, void *arg)
{
	struct phase_cmd *pc = arg;
	struct cmd *cmd = &pc->base;
	struct incident inc;
	struct doctrine_verdict verdict;
	struct record r = {.event_type = "incident.reopened", .entry_type = "phase"};
	char text[600];
	json_t *payload;
	int rc;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	if (doctrine_check_reopen(&inc, &verdict) != 0) {
		incident_free(&inc);
		return doctrine_refusal(cmd->err, &verdict);
	}
	inc.status = STATUS_INVESTIGATING;
	inc.resolved_at = TIME_NONE;
	inc.reopen_count++;
	/* Reopening re-enters the chosen phase; later phases are entered afresh. */
	for (int p = pc->to; p <= PHASE_LAST; p++)
		inc.phase_entered_at[p] = TIME_NONE;
	inc.phase = pc->to;
	inc.phase_entered_at[pc->to] = cmd->now;
	snprintf(text, sizeof(text), "Reopened (%lld) into phase %d %s: %s",
		 (long long)inc.reopen_count, pc->to, phase_name(pc->to), pc->reason);
	payload = json_pack("{s:s, s:i, s:I}", "reason", pc->reason, "phase", pc->to, "reopenCount",
			    (json_int_t)inc.reopen_count);
	r.text = text;
	r.payload = payload;
	rc = payload ? commit_incident(c, cmd, &inc, &r, false) : io_error(cmd->err);
	json_decref(payload);
	incident_free(&inc);
	return rc;
}

int service_incident_reopen(struct app *app, const char *actor, int64_t number,
			    const char *reason, int phase, json_t **out, struct api_error *err)
{
	struct phase_cmd pc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.to = phase ? phase : PHASE_ASSESS,
		.reason = reason,
	};

	return run_command(&pc.base, cmd_reopen, out);
}

/* ---- timeline ---- */

/* Only the MIM or customerOps may put words in front of the public (SPEC §6). */
bool may_publish(const struct incident *inc, const char *actor)
{
	return (inc->roles[ROLE_MIM] && strcasecmp(inc->roles[ROLE_MIM], actor) == 0) ||
	       (inc->roles[ROLE_CUSTOMER_OPS] && strcasecmp(inc->roles[ROLE_CUSTOMER_OPS], actor) == 0);
}

int publish_refusal(struct api_error *err)
{
	return api_error_set(err, 403, "forbidden", "visibility",
			     "only the MIM or customerOps of this incident may publish");
}

struct entry_cmd {
	struct cmd base;
	const struct entry_input *in;
};

static int cmd_timeline_post(struct store_conn *c, void *arg)
{
	struct entry_cmd *ec = arg;
	struct cmd *cmd = &ec->base;
	const struct entry_input *in = ec->in;
	struct incident inc;
	/* An internal note leaves the incident as it was, so its event carries no incident
	 * state: the busiest write stays cheap.  A public entry keeps it, because the public
	 * stream renders the incident's public face beside the entry. */
	struct record r = {.event_type = "timeline.entry", .entry_type = in->type, .text = in->text,
			   .visibility = in->visibility, .payload = in->payload,
			   .amends = in->amends,
			   .without_state = in->visibility != VISIBILITY_PUBLIC};
	int rc = -1;

	if (in->visibility != VISIBILITY_PUBLIC) {
		/* An internal entry needs the incident to exist, nothing of its document: an
		 * indexed lookup rather than parsing the whole incident (the bulk of a note's
		 * cost on the writer thread).  record_change reads only inc.number then (notifications
		 * route no timeline entry: outbox_route_event returns before reading `inc`). */
		int64_t exists;

		incident_init(&inc);
		if (store_query_int(c, &exists, 0, STMT_INCIDENT_EXISTS, "i", cmd->number) != 0)
			return io_error(cmd->err);
		if (!exists)
			return api_error_set(cmd->err, 404, "not_found", NULL, "no incident INC-%lld",
					     (long long)cmd->number);
		inc.number = cmd->number;
	} else if (load_incident(c, cmd->number, &inc, cmd->err) != 0) {
		return -1;
	}
	if (in->visibility == VISIBILITY_PUBLIC && !may_publish(&inc, cmd->actor)) {
		publish_refusal(cmd->err);
		goto done;
	}
	if (in->amends) {
		int64_t owner;

		if (store_query_int(c, &owner, 0, STMT_TIMELINE_GET, "i", in->amends) != 0)
			goto io;
		if (owner != inc.number) {
			api_error_set(cmd->err, 400, "invalid_field", "amends",
				      "amends must name an entry of INC-%lld", (long long)inc.number);
			goto done;
		}
	}
	/* An entry changes the record, not the incident's fields: no version bump. */
	if (record_change(c, cmd, &inc, &r) != 0)
		goto io;
	cmd->result = r.entry_out;
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	incident_free(&inc);
	return rc;
}

int service_timeline_post(struct app *app, const char *actor, int64_t number,
			  const struct entry_input *in, json_t **out, struct api_error *err)
{
	struct entry_cmd ec = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.in = in,
	};

	return run_command(&ec.base, cmd_timeline_post, out);
}

int service_timeline_list(struct app *app, int64_t number, int64_t after, int limit,
			  json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *entries = json_array();
	struct store_stmt *st;
	int64_t exists, last = 0;
	int rc = 0, n = 0;

	if (entries == NULL || store_query_int(c, &exists, 0, STMT_INCIDENT_EXISTS, "i", number) != 0)
		goto io;
	if (!exists) {
		store_read_end(app->store, c);
		json_decref(entries);
		return api_error_set(err, 404, "not_found", NULL, "no incident INC-%lld",
				     (long long)number);
	}
	st = store_bind(c, STMT_TIMELINE_LIST, "iii", number, after, (int64_t)limit + 1);
	if (st == NULL)
		goto io;
	while (n < limit && (rc = store_step(st)) == 1) {
		const char *payload_text = store_col_text(st, 6);
		json_t *payload = store_col_null(st, 6) ? NULL : json_loads(payload_text, 0, NULL);
		json_t *entry;

		last = store_col_int(st, 0);
		entry = entry_json(last, number, store_col_int(st, 1), store_col_text(st, 2),
				   store_col_text(st, 3), store_col_text(st, 4), store_col_text(st, 5),
				   payload, store_col_int(st, 7));
		json_decref(payload);
		if (entry == NULL || json_array_append_new(entries, entry) != 0)
			goto io;
		n++;
	}
	if (rc >= 0 && n == limit)
		rc = store_step(st);
	if (rc < 0)
		goto io;
	store_read_end(app->store, c);
	*out = json_pack("{s:o, s:o}", "entries", entries, "nextAfter",
			 rc == 1 ? json_integer(last) : json_null());
	return *out ? 0 : io_error(err);
io:
	store_read_end(app->store, c);
	json_decref(entries);
	return io_error(err);
}

#define TIMELINE_CACHE_PAGES 64

struct timeline_cache_page {
	int64_t number, after;
	int limit;
	char *text; /* NULL: the slot is free */
};

struct timeline_cache {
	pthread_mutex_t lock;
	struct timeline_cache_page pages[TIMELINE_CACHE_PAGES];
	size_t next; /* the slot the next page replaces (round robin) */
};

struct timeline_cache *timeline_cache_new(void)
{
	struct timeline_cache *cache = calloc(1, sizeof(*cache));

	if (cache)
		pthread_mutex_init(&cache->lock, NULL);
	return cache;
}

void timeline_cache_free(struct timeline_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < TIMELINE_CACHE_PAGES; i++)
		free(cache->pages[i].text);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

/* A copy of the cached page, or NULL. */
static char *timeline_cache_get(struct timeline_cache *cache, int64_t number, int64_t after,
				int limit)
{
	char *copy = NULL;

	if (cache == NULL)
		return NULL;
	pthread_mutex_lock(&cache->lock);
	for (size_t i = 0; i < TIMELINE_CACHE_PAGES; i++) {
		const struct timeline_cache_page *p = &cache->pages[i];

		if (p->text && p->number == number && p->after == after && p->limit == limit) {
			copy = strdup(p->text);
			break;
		}
	}
	pthread_mutex_unlock(&cache->lock);
	return copy;
}

static void timeline_cache_put(struct timeline_cache *cache, int64_t number, int64_t after,
			       int limit, const char *text)
{
	struct timeline_cache_page *p;
	char *copy;

	if (cache == NULL)
		return;
	copy = strdup(text);
	if (copy == NULL)
		return;
	pthread_mutex_lock(&cache->lock);
	p = &cache->pages[cache->next];
	cache->next = (cache->next + 1) % TIMELINE_CACHE_PAGES;
	free(p->text);
	*p = (struct timeline_cache_page){.number = number, .after = after, .limit = limit,
					  .text = copy};
	pthread_mutex_unlock(&cache->lock);
}

int service_timeline_page(struct app *app, int64_t number, int64_t after, int limit,
			  char **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st;
	struct buf page;
	int64_t exists, last = 0;
	int rc = 0, n = 0;

	*out = timeline_cache_get(app->timeline_cache, number, after, limit);
	if (*out) {
		store_read_end(app->store, c);
		return 0;
	}
	buf_init(&page, (size_t)64 * 1024 * 1024);
	if (store_query_int(c, &exists, 0, STMT_INCIDENT_EXISTS, "i", number) != 0)
		goto io;
	if (!exists) {
		store_read_end(app->store, c);
		return api_error_set(err, 404, "not_found", NULL, "no incident INC-%lld",
				     (long long)number);
	}
	st = store_bind(c, STMT_TIMELINE_LIST_JSON, "iii", number, after, (int64_t)limit + 1);
	if (st == NULL || buf_append_str(&page, "{\"entries\":[") != 0)
		goto io;
	while (n < limit && (rc = store_step(st)) == 1) {
		last = store_col_int(st, 0);
		if ((n && buf_append_char(&page, ',') != 0) ||
		    buf_append_str(&page, store_col_text(st, 1)) != 0)
			goto io;
		n++;
	}
	if (rc >= 0 && n == limit)
		rc = store_step(st);
	if (rc < 0)
		goto io;
	store_read_end(app->store, c);
	if ((rc == 1 ? buf_printf(&page, "],\"nextAfter\":%lld}", (long long)last)
		     : buf_append_str(&page, "],\"nextAfter\":null}")) != 0)
		return io_error(err);
	/* Entries follow this page, so it is complete and can never change. */
	if (rc == 1)
		timeline_cache_put(app->timeline_cache, number, after, limit, page.ptr);
	*out = buf_detach(&page);
	return *out ? 0 : io_error(err);
io:
	store_read_end(app->store, c);
	buf_free(&page);
	return io_error(err);
}

/* ---- updates (milestones) ---- */

struct update_cmd {
	struct cmd base;
	const struct update_input *in;
};

static json_t *update_json(int64_t id, int64_t number, int64_t at, const char *author,
			   const char *body, const char *audience, const char *kind,
			   const char *status, int64_t eta)
{
	char inc_id[32];

	incident_id_format(number, inc_id);
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:s?, s:o}", "id", (json_int_t)id,
			 "incident", inc_id, "at", json_time_or_null(at), "author", author, "body",
			 body, "audience", audience, "kind", kind, "status", status,
			 "nextUpdateEta", json_time_or_null(eta));
}

static int cmd_update_post(struct store_conn *c, void *arg)
{
	struct update_cmd *uc = arg;
	struct cmd *cmd = &uc->base;
	const struct update_input *in = uc->in;
	struct incident inc;
	struct doctrine_verdict verdict;
	char holding[200], text[600];
	const char *body = in->body;
	int64_t eta = in->next_update_eta, update_id;
	json_t *update = NULL;
	struct record r = {.event_type = "update.published", .entry_type = "update",
			   .extra_key = "update"};
	int rc = -1;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	if (in->audience == AUDIENCE_PUBLIC && !may_publish(&inc, cmd->actor)) {
		publish_refusal(cmd->err);
		goto done;
	}
	/* Sev-0 and security: a public statement spends a recorded approval (command.h). */
	if (in->audience == AUDIENCE_PUBLIC && command_public_statement(&inc, cmd->now, cmd->err) != 0)
		goto done;
	if (in->kind == UPDATE_HOLDING && eta == TIME_NONE)
		eta = cmd->now + HOLDING_DEFAULT_MS;
	if (in->kind == UPDATE_MILESTONE && eta == TIME_NONE) {
		api_error_set(cmd->err, 400, "missing_field", "nextUpdateEta",
			      "a milestone is a commitment: nextUpdateEta is required");
		goto done;
	}
	if (eta != TIME_NONE && eta <= cmd->now) {
		api_error_set(cmd->err, 400, "invalid_field", "nextUpdateEta",
			      "nextUpdateEta must be in the future");
		goto done;
	}
	if (body == NULL) {
		snprintf(holding, sizeof(holding),
			 "We are continuing to work on this incident. Next update in %lld minutes.",
			 (long long)((eta - cmd->now + MINUTE_MS - 1) / MINUTE_MS));
		body = holding;
	}
	if (in->has_status) {
		if (doctrine_check_status(&inc, in->status, &verdict) != 0) {
			doctrine_refusal(cmd->err, &verdict);
			goto done;
		}
		inc.status = in->status;
	}
	/* The resolution milestone carries the After Action date (issue 10, SPEC §14). */
	if (in->after_action_at != TIME_NONE) {
		if (in->kind != UPDATE_RESOLUTION) {
			api_error_set(cmd->err, 400, "invalid_field", "afterActionAt",
				      "only a resolution update carries afterActionAt");
			goto done;
		}
		if (!afteraction_at_acceptable(in->after_action_at, inc.resolved_at, cmd->now)) {
			api_error_set(cmd->err, 400, "invalid_field", "afterActionAt",
				      "afterActionAt must be within 72 h after the resolution");
			goto done;
		}
		inc.after_action_at = in->after_action_at;
	}
	if (store_query_int(c, &update_id, 0, STMT_UPDATE_APPEND, "iitttttz", inc.number, cmd->now,
			    cmd->actor, body, audience_name(in->audience), update_kind_name(in->kind),
			    in->has_status ? status_name(in->status) : NULL, eta) != 0)
		goto io;
	update = update_json(update_id, inc.number, cmd->now, cmd->actor, body,
			     audience_name(in->audience), update_kind_name(in->kind),
			     in->has_status ? status_name(in->status) : NULL, eta);
	if (update == NULL)
		goto io;
	inc.next_update_eta = eta;
	snprintf(text, sizeof(text), "%s %s update: %.400s", audience_name(in->audience),
		 update_kind_name(in->kind), body);
	r.text = text;
	r.visibility = in->audience == AUDIENCE_PUBLIC ? VISIBILITY_PUBLIC : VISIBILITY_INTERNAL;
	r.payload = update;
	r.extra = update;
	if (commit_incident(c, cmd, &inc, &r, false) != 0)
		goto done;
	json_decref(cmd->result);
	cmd->result = json_incref(update);
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	json_decref(update);
	incident_free(&inc);
	return rc;
}

int service_update_post(struct app *app, const char *actor, int64_t number,
			const struct update_input *in, json_t **out, struct api_error *err)
{
	struct update_cmd uc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.in = in,
	};

	return run_command(&uc.base, cmd_update_post, out);
}

/* One row of an incident's list as its wire object (NULL when out of memory). */
typedef json_t *(*incident_row_fn)(struct store_stmt *st, int64_t number);

/* `{"<key>": [rows of `stmt` bound to the incident]}`, or 404 for an unknown incident:
 * the shape of every per-incident list. */
static int incident_rows_list(struct app *app, int64_t number, enum stmt stmt, const char *key,
			      incident_row_fn row_json, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *list = json_array();
	struct store_stmt *st;
	int64_t exists;
	int rc;

	if (list == NULL || store_query_int(c, &exists, 0, STMT_INCIDENT_EXISTS, "i", number) != 0)
		goto io;
	if (!exists) {
		store_read_end(app->store, c);
		json_decref(list);
		return api_error_set(err, 404, "not_found", NULL, "no incident INC-%lld",
				     (long long)number);
	}
	st = store_bind(c, stmt, "i", number);
	if (st == NULL)
		goto io;
	while ((rc = store_step(st)) == 1) {
		json_t *o = row_json(st, number);

		if (o == NULL || json_array_append_new(list, o) != 0)
			goto io;
	}
	if (rc < 0)
		goto io;
	store_read_end(app->store, c);
	*out = json_pack("{s:o}", key, list);
	return *out ? 0 : io_error(err);
io:
	store_read_end(app->store, c);
	json_decref(list);
	return io_error(err);
}

static json_t *update_row_json(struct store_stmt *st, int64_t number)
{
	return update_json(store_col_int(st, 0), number, store_col_int(st, 1), store_col_text(st, 2),
			   store_col_text(st, 3), store_col_text(st, 4), store_col_text(st, 5),
			   store_col_null(st, 6) ? NULL : store_col_text(st, 6),
			   store_col_null(st, 7) ? TIME_NONE : store_col_int(st, 7));
}

int service_update_list(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	return incident_rows_list(app, number, STMT_UPDATE_LIST, "updates", update_row_json, out,
				  err);
}

/* ---- roles ---- */

struct role_cmd {
	struct cmd base;
	enum role role;
	const char *person;
};

static int cmd_role_assign(struct store_conn *c, void *arg)
{
	struct role_cmd *rc_ = arg;
	struct cmd *cmd = &rc_->base;
	struct incident inc;
	struct doctrine_verdict verdict;
	char text[600];
	const char *before;
	json_t *payload;
	struct record r = {.event_type = "role.assigned", .entry_type = "command", .text = text};
	int rc;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	before = inc.roles[rc_->role];
	/* A sitting MIM is replaced only by hand-off (command.h). */
	if (command_check_role(&inc, rc_->role, rc_->person, cmd->err) != 0) {
		incident_free(&inc);
		return -1;
	}
	if (*rc_->person && doctrine_check_role_assignment(&inc, rc_->role, rc_->person, &verdict) != 0) {
		incident_free(&inc);
		return doctrine_refusal(cmd->err, &verdict);
	}
	if (*rc_->person)
		snprintf(text, sizeof(text), "%s is now %s%s%s", rc_->person, role_name(rc_->role),
			 before ? " (was " : "", before ? before : "");
	else
		snprintf(text, sizeof(text), "%s released from %s", before ? before : "nobody",
			 role_name(rc_->role));
	if (*rc_->person && before)
		str_copy(text + strlen(text), ")", sizeof(text) - strlen(text));
	payload = json_pack("{s:s, s:s?, s:s?}", "role", role_name(rc_->role), "from", before, "to",
			    *rc_->person ? rc_->person : NULL);
	if (payload == NULL || incident_set_text(&inc.roles[rc_->role], rc_->person) != 0) {
		json_decref(payload);
		incident_free(&inc);
		return io_error(cmd->err);
	}
	/* A new MIM takes bridge control back unless it was given away explicitly. */
	if (rc_->role == ROLE_MIM && inc.information_authority &&
	    inc.roles[ROLE_MIM] && strcasecmp(inc.information_authority, inc.roles[ROLE_MIM]) == 0)
		incident_set_text(&inc.information_authority, NULL);
	r.payload = payload;
	rc = commit_incident(c, cmd, &inc, &r, false);
	json_decref(payload);
	incident_free(&inc);
	return rc;
}

int service_role_assign(struct app *app, const char *actor, int64_t number, enum role role,
			const char *person, json_t **out, struct api_error *err)
{
	struct role_cmd rc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.role = role,
		.person = person,
	};

	return run_command(&rc.base, cmd_role_assign, out);
}

/* ---- responders ---- */

struct responder {
	int64_t id;
	char person[256];
	char rotation[256];
	char role[32];
	enum responder_state state;
	int64_t at[RESPONDER_STATE__MAX]; /* when each state was reached */
	int64_t updated_at;
};

static void responder_read(struct store_stmt *st, struct responder *r)
{
	memset(r, 0, sizeof(*r));
	r->id = store_col_int(st, 0);
	str_copy(r->person, store_col_text(st, 1), sizeof(r->person));
	str_copy(r->rotation, store_col_text(st, 2), sizeof(r->rotation));
	str_copy(r->role, store_col_text(st, 3), sizeof(r->role));
	if (responder_state_parse(store_col_text(st, 4), &r->state) != 0)
		r->state = RESPONDER_PAGED;
	for (int s = 0; s < RESPONDER_STATE__MAX; s++)
		r->at[s] = store_col_null(st, 5 + s) ? TIME_NONE : store_col_int(st, 5 + s);
	r->updated_at = store_col_int(st, 10);
}

static json_t *responder_json(int64_t number, const struct responder *r)
{
	char inc_id[32];

	incident_id_format(number, inc_id);
	return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
			 (json_int_t)r->id, "incident", inc_id, "person",
			 *r->person ? r->person : NULL, "rotation",
			 *r->rotation ? r->rotation : NULL, "role", *r->role ? r->role : NULL,
			 "state", responder_state_name(r->state), "pagedAt",
			 json_time_or_null(r->at[RESPONDER_PAGED]), "acknowledgedAt",
			 json_time_or_null(r->at[RESPONDER_ACKNOWLEDGED]), "joiningAt",
			 json_time_or_null(r->at[RESPONDER_JOINING]), "onSceneAt",
			 json_time_or_null(r->at[RESPONDER_ON_SCENE]), "releasedAt",
			 json_time_or_null(r->at[RESPONDER_RELEASED]), "updatedAt",
			 json_time_or_null(r->updated_at));
}

struct responder_cmd {
	struct cmd base;
	int64_t id;
	const struct responder_input *in;
};

static int responder_record(struct store_conn *c, struct cmd *cmd, struct incident *inc,
			    const struct responder *resp, const char *what)
{
	char text[700];
	json_t *obj = responder_json(inc->number, resp);
	struct record r = {.event_type = "responder.changed", .entry_type = "command", .text = text,
			   .payload = obj, .extra_key = "responder", .extra = obj};
	int rc;

	if (obj == NULL)
		return io_error(cmd->err);
	snprintf(text, sizeof(text), "%s %s%s%s%s", *resp->person ? resp->person : resp->rotation,
		 what, *resp->role ? " (" : "", resp->role, *resp->role ? ")" : "");
	/* The responders are part of the incident: bump its version with theirs. */
	rc = commit_incident(c, cmd, inc, &r, false);
	if (rc == 0) {
		json_decref(cmd->result);
		cmd->result = json_incref(obj);
	}
	json_decref(obj);
	return rc;
}

static int cmd_responder_post(struct store_conn *c, void *arg)
{
	struct responder_cmd *rc_ = arg;
	struct cmd *cmd = &rc_->base;
	const struct responder_input *in = rc_->in;
	struct incident inc;
	struct responder resp;
	char what[64];
	int rc = -1;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	memset(&resp, 0, sizeof(resp));
	str_copy(resp.person, in->person ? in->person : "", sizeof(resp.person));
	str_copy(resp.rotation, in->rotation ? in->rotation : "", sizeof(resp.rotation));
	str_copy(resp.role, in->role ? in->role : "", sizeof(resp.role));
	resp.state = in->has_state ? in->state : RESPONDER_PAGED;
	/* Arriving directly in a later state stamps that state only: what was skipped
	 * did not happen, and the record does not pretend it did. */
	resp.at[resp.state] = cmd->now;
	resp.updated_at = cmd->now;
	if (store_query_int(c, &resp.id, 0, STMT_RESPONDER_INSERT, "ittttzzzzzi", inc.number,
			    in->person, in->rotation, in->role, responder_state_name(resp.state),
			    resp.at[0], resp.at[1], resp.at[2], resp.at[3], resp.at[4],
			    resp.updated_at) != 0) {
		io_error(cmd->err);
		goto done;
	}
	snprintf(what, sizeof(what), "dispatched: %s", responder_state_name(resp.state));
	rc = responder_record(c, cmd, &inc, &resp, what);
done:
	incident_free(&inc);
	return rc;
}

int service_responder_post(struct app *app, const char *actor, int64_t number,
			   const struct responder_input *in, json_t **out, struct api_error *err)
{
	struct responder_cmd rc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.in = in,
	};

	return run_command(&rc.base, cmd_responder_post, out);
}

static int cmd_responder_patch(struct store_conn *c, void *arg)
{
	struct responder_cmd *rc_ = arg;
	struct cmd *cmd = &rc_->base;
	const struct responder_input *in = rc_->in;
	struct incident inc;
	struct responder resp = {0};
	struct store_stmt *st;
	struct doctrine_verdict verdict;
	char what[64];
	int rc = -1, found;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	st = store_bind(c, STMT_RESPONDER_GET, "ii", inc.number, rc_->id);
	found = st ? store_step(st) : -1;
	if (found == 1)
		responder_read(st, &resp);
	if (st)
		store_reset(st);
	if (found < 0) {
		io_error(cmd->err);
		goto done;
	}
	if (found == 0) {
		api_error_set(cmd->err, 404, "not_found", NULL, "no responder %lld on INC-%lld",
			      (long long)rc_->id, (long long)inc.number);
		goto done;
	}
	if (in->has_state && in->state != resp.state) {
		if (doctrine_check_responder_transition(resp.state, in->state, &verdict) != 0) {
			doctrine_refusal(cmd->err, &verdict);
			goto done;
		}
		resp.state = in->state;
		resp.at[in->state] = cmd->now;
	}
	if (in->role)
		str_copy(resp.role, in->role, sizeof(resp.role));
	resp.updated_at = cmd->now;
	if (store_run(c, STMT_RESPONDER_UPDATE, "ttzzzzzii", *resp.role ? resp.role : NULL,
		      responder_state_name(resp.state), resp.at[0], resp.at[1], resp.at[2], resp.at[3],
		      resp.at[4], resp.updated_at, resp.id) != 0) {
		io_error(cmd->err);
		goto done;
	}
	snprintf(what, sizeof(what), "is %s", responder_state_name(resp.state));
	rc = responder_record(c, cmd, &inc, &resp, what);
done:
	incident_free(&inc);
	return rc;
}

int service_responder_patch(struct app *app, const char *actor, int64_t number, int64_t id,
			    const struct responder_input *in, json_t **out, struct api_error *err)
{
	struct responder_cmd rc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.id = id,
		.in = in,
	};

	return run_command(&rc.base, cmd_responder_patch, out);
}

static json_t *responder_row_json(struct store_stmt *st, int64_t number)
{
	struct responder resp;

	responder_read(st, &resp);
	return responder_json(number, &resp);
}

int service_responder_list(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	return incident_rows_list(app, number, STMT_RESPONDER_LIST, "responders",
				  responder_row_json, out, err);
}
