/* Pages, their escalation and acknowledgement, MTTA per team (see pages.h). */
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "doctrine.h"
#include "incident.h"
#include "oncall.h"
#include "parse.h"
#include "secret.h"
#include "service.h"
#include "service_internal.h"
#include "teams.h"

#define MINUTE_MS_ ((int64_t)60 * 1000)
#define PAGE_STATE_MAX 16

/* ================================================================ the row */

struct page {
	int64_t id, incident, team, paged_at, acknowledged_at, next_at, updated_at;
	bool drill;
	char state[PAGE_STATE_MAX];
	char *team_name; /* NULL for a named escalation */
	/* {person, email, step, stepKind, rotation, reason, authorizer, acknowledgedBy,
	 *  createdBy, ackMinutes, plan: [{kind, person, email}],
	 *  steps: [{step, kind, person, email, pagedAt, responder, token}]} */
	json_t *doc;
};

static void page_free(struct page *p)
{
	free(p->team_name);
	json_decref(p->doc);
	memset(p, 0, sizeof(*p));
}

static int64_t col_time(struct store_stmt *st, int col)
{
	return store_col_null(st, col) ? TIME_NONE : store_col_int(st, col);
}

/* id, incident, team, team_name, state, paged_at, acknowledged_at, next_at, drill, doc,
 * updated_at */
static int page_read(struct store_stmt *st, struct page *p)
{
	memset(p, 0, sizeof(*p));
	p->id = store_col_int(st, 0);
	p->incident = store_col_int(st, 1);
	p->team = store_col_null(st, 2) ? 0 : store_col_int(st, 2);
	p->team_name = store_col_null(st, 3) ? NULL : strdup(store_col_text(st, 3));
	str_copy(p->state, store_col_text(st, 4), sizeof(p->state));
	p->paged_at = col_time(st, 5);
	p->acknowledged_at = col_time(st, 6);
	p->next_at = col_time(st, 7);
	p->drill = store_col_int(st, 8) != 0;
	p->doc = json_loads(store_col_text(st, 9), 0, NULL);
	p->updated_at = store_col_int(st, 10);
	if (!json_is_object(p->doc) || (!store_col_null(st, 3) && p->team_name == NULL)) {
		page_free(p);
		return -1;
	}
	return 0;
}

static int page_load(struct store_conn *c, int64_t id, struct page *p, struct api_error *err)
{
	struct store_stmt *st = store_bind(c, STMT_PAGE_GET, "i", id);
	int rc = st ? store_step(st) : -1;

	memset(p, 0, sizeof(*p));
	if (rc == 1 && page_read(st, p) != 0)
		rc = -1;
	if (st)
		store_reset(st);
	if (rc == 0)
		return api_error_set(err, 404, "not_found", NULL, "no page %lld", (long long)id);
	return rc == 1 ? 0 : io_error(err);
}

static int page_save(struct store_conn *c, const struct page *p)
{
	char *doc = json_to_text(p->doc);
	int rc = -1;

	if (doc)
		rc = store_run(c, STMT_PAGE_UPDATE, "tzztii", p->state, p->acknowledged_at, p->next_at,
			       doc, p->updated_at, p->id);
	free(doc);
	return rc;
}

static const char *doc_str(const struct page *p, const char *key)
{
	return json_string_value(json_object_get(p->doc, key));
}

static int64_t doc_int(const struct page *p, const char *key)
{
	return json_integer_value(json_object_get(p->doc, key));
}

static json_t *current_step(const struct page *p)
{
	json_t *steps = json_object_get(p->doc, "steps");

	return json_array_get(steps, json_array_size(steps) - 1);
}

/* ================================================================ views */

/* "<public url>/ack/<token>" or "/ack/<token>"; the caller frees it. */
static char *ack_url(const struct app *app, const char *token)
{
	const char *base = app->public_url ? app->public_url : "";
	size_t len = strlen(base);
	struct buf b;

	if (token == NULL)
		return NULL;
	while (len && base[len - 1] == '/')
		len--;
	buf_init(&b, 4096);
	if (buf_printf(&b, "%.*s/ack/%s", (int)len, base, token) != 0)
		return NULL;
	return buf_detach(&b);
}

static json_t *page_json(const struct app *app, const struct page *p)
{
	json_t *steps = json_array(), *s, *o = NULL, *cur = current_step(p);
	char inc_id[32], *url = ack_url(app, json_string_value(json_object_get(cur, "token")));
	size_t i;

	incident_id_format(p->incident, inc_id);
	if (steps == NULL)
		goto done;
	json_array_foreach(json_object_get(p->doc, "steps"), i, s) {
		json_t *copy = json_copy(s);
		char *u = ack_url(app, json_string_value(json_object_get(s, "token")));

		if (copy == NULL || json_object_del(copy, "token") != 0 ||
		    json_object_set_new(copy, "ackUrl", json_string_or_null(u)) != 0 ||
		    json_array_append_new(steps, copy) != 0) {
			free(u);
			goto done;
		}
		free(u);
	}
	o = json_pack("{s:I, s:s, s:o, s:o, s:O, s:O, s:O, s:I, s:O, s:O, s:O, s:s, s:o, s:o, "
		      "s:O, s:o, s:I, s:o, s:O, s:O, s:b, s:O}",
		      "id", (json_int_t)p->id, "incident", inc_id, "team",
		      json_string_or_null(p->team_name), "teamId",
		      p->team ? json_integer(p->team) : json_null(), "rotation",
		      json_object_get(p->doc, "rotation"), "person", json_object_get(p->doc, "person"),
		      "email", json_object_get(p->doc, "email"), "step",
		      (json_int_t)doc_int(p, "step"), "stepKind", json_object_get(p->doc, "stepKind"),
		      "reason", json_object_get(p->doc, "reason"), "authorizer",
		      json_object_get(p->doc, "authorizer"), "state", p->state, "pagedAt",
		      json_time_or_null(p->paged_at), "acknowledgedAt",
		      json_time_or_null(p->acknowledged_at), "acknowledgedBy",
		      json_object_get(p->doc, "acknowledgedBy"), "nextEscalationAt",
		      json_time_or_null(p->next_at), "ackMinutes", (json_int_t)doc_int(p, "ackMinutes"),
		      "ackUrl", json_string_or_null(url), "plan", json_object_get(p->doc, "plan"),
		      "steps", steps, "drill", p->drill, "createdBy",
		      json_object_get(p->doc, "createdBy"));
done:
	free(url);
	json_decref(steps);
	return o;
}

/* The responder row `id` of incident `number`, in service.c's shape (API.md responders). */
static json_t *responder_view(struct store_conn *c, int64_t number, int64_t id)
{
	struct store_stmt *st = store_bind(c, STMT_RESPONDER_GET, "ii", number, id);
	json_t *o = NULL;
	char inc_id[32];

	incident_id_format(number, inc_id);
	if (st && store_step(st) == 1) {
		const char *role = store_col_text(st, 3), *person = store_col_text(st, 1);
		const char *rotation = store_col_text(st, 2);

		o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
			      (json_int_t)id, "incident", inc_id, "person", *person ? person : NULL,
			      "rotation", *rotation ? rotation : NULL, "role", *role ? role : NULL,
			      "state", store_col_text(st, 4), "pagedAt", json_time_or_null(col_time(st, 5)),
			      "acknowledgedAt", json_time_or_null(col_time(st, 6)), "joiningAt",
			      json_time_or_null(col_time(st, 7)), "onSceneAt",
			      json_time_or_null(col_time(st, 8)), "releasedAt",
			      json_time_or_null(col_time(st, 9)), "updatedAt",
			      json_time_or_null(store_col_int(st, 10)));
	}
	if (st)
		store_reset(st);
	return o;
}

/* ================================================================ recording a step */

/* Records one step of `p`: the responder's change with the timeline entry (the incident's
 * version bumped when `bump`, as every responder change does) and the `page` event the
 * outbox routes (pages.h).  Sets cmd->result to the page when `answer`. */
static int page_record(struct store_conn *c, struct cmd *cmd, struct incident *inc,
		       const struct page *p, int64_t responder, const char *text, bool bump,
		       bool answer)
{
	json_t *pj = page_json(cmd->app, p), *rj = responder_view(c, inc->number, responder);
	struct record rr = {.event_type = "responder.changed", .entry_type = "page", .text = text,
			    .visibility = VISIBILITY_INTERNAL, .payload = pj,
			    .extra_key = "responder", .extra = rj};
	struct record pr = {.event_type = "page", .extra_key = "page", .extra = pj};
	int rc = -1;

	if (pj == NULL || rj == NULL)
		goto io;
	if (bump) {
		if (commit_incident(c, cmd, inc, &rr, false) != 0)
			goto done;
		json_decref(cmd->result);
		cmd->result = NULL;
	} else {
		if (record_change(c, cmd, inc, &rr) != 0)
			goto io;
		json_decref(rr.entry_out);
	}
	if (record_change(c, cmd, inc, &pr) != 0)
		goto io;
	json_decref(pr.entry_out);
	if (answer)
		cmd->result = json_incref(pj);
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	json_decref(pj);
	json_decref(rj);
	return rc;
}

/* Adds the responder for a paged person; its id in `*id`. */
static int responder_add(struct store_conn *c, int64_t number, const char *person,
			 const char *rotation, int64_t now, int64_t *id)
{
	return store_query_int(c, id, 0, STMT_RESPONDER_INSERT, "ittttzzzzzi", number, person,
			       rotation, (const char *)NULL, responder_state_name(RESPONDER_PAGED),
			       now, (int64_t)0, (int64_t)0, (int64_t)0, (int64_t)0, now);
}

/* Appends step `n` ({kind, person, email}) to the page: responder, token, doc fields. */
static int page_add_step(struct store_conn *c, struct cmd *cmd, struct page *p, int n,
			 const char *kind, const char *person, const char *email, int64_t *responder)
{
	unsigned char key[SECRET_BYTES];
	char token[ONCALL_TOKEN_MAX];
	json_t *steps = json_object_get(p->doc, "steps");

	secret_derive(cmd->app->secret, "ack-link", key);
	if (responder_add(c, p->incident, person, p->team_name, cmd->now, responder) != 0 ||
	    oncall_ack_token(key, p->id, n, cmd->now / 1000 + PAGE_ACK_TTL_S, token) != 0)
		return -1;
	if (json_array_append_new(steps, json_pack("{s:i, s:s, s:s, s:o, s:o, s:I, s:s}", "step", n,
						   "kind", kind, "person", person, "email",
						   json_string_or_null(email && *email ? email : NULL),
						   "pagedAt", json_time_or_null(cmd->now),
						   "responder", (json_int_t)*responder, "token",
						   token)) != 0 ||
	    json_object_set_new(p->doc, "person", json_string(person)) != 0 ||
	    json_object_set_new(p->doc, "email", json_string_or_null(email && *email ? email : NULL)) != 0 ||
	    json_object_set_new(p->doc, "step", json_integer(n)) != 0 ||
	    json_object_set_new(p->doc, "stepKind", json_string(kind)) != 0)
		return -1;
	return 0;
}

/* ================================================================ paging */

struct page_cmd {
	struct cmd base;
	int64_t id;
	const struct page_input *in;
	const char *token;
	int step; /* the link's step, -1 for the API */
};

/* Makes the page (team or named) for `inc`; cmd->result is the page when `answer`. */
static int page_make(struct store_conn *c, struct cmd *cmd, struct incident *inc,
		     const struct page_input *in, const struct team_page_plan *plan, bool bump,
		     bool answer)
{
	struct page p = {0};
	char text[1400], email[PAGE_NAMED_EMAIL_MAX + 1] = "";
	const char *person, *kind;
	json_t *first;
	int64_t responder = 0;
	char *doc = NULL;
	int rc = -1;

	p.incident = inc->number;
	p.drill = inc->drill;
	p.paged_at = p.updated_at = cmd->now;
	str_copy(p.state, "paged", sizeof(p.state));
	if (plan) {
		first = json_array_get(plan->plan, 0);
		person = json_string_value(json_object_get(first, "person"));
		kind = "oncall";
		str_copy(email, json_string_value(json_object_get(first, "email")) ?
				json_string_value(json_object_get(first, "email")) : "",
			 sizeof(email));
		p.team = plan->team;
		p.team_name = strdup(plan->team_name);
		/* The first step waits ackMinutes; so does every later one. */
		p.next_at = cmd->now + (int64_t)plan->ack_minutes * MINUTE_MS_;
		p.doc = json_pack("{s:{s:I, s:s}, s:o, s:o, s:o, s:s, s:i, s:O, s:[]}", "rotation", "id",
				  (json_int_t)plan->rotation, "name", plan->rotation_name, "reason",
				  json_string_or_null(in ? in->reason : NULL), "authorizer", json_null(),
				  "acknowledgedBy", json_null(), "createdBy", cmd->actor, "ackMinutes",
				  plan->ack_minutes, "plan", plan->plan, "steps");
		if (p.team_name == NULL)
			goto io;
	} else {
		person = in->person;
		kind = "named";
		if (in->email && *in->email)
			str_copy(email, in->email, sizeof(email));
		else if (teams_email_of(c, person, email, sizeof(email)) != 0)
			goto io;
		p.doc = json_pack("{s:n, s:s, s:s, s:n, s:s, s:i, s:[{s:s, s:s, s:o}], s:[]}",
				  "rotation", "reason", in->reason, "authorizer", in->authorizer,
				  "acknowledgedBy", "createdBy", cmd->actor, "ackMinutes", 0, "plan",
				  "kind", "named", "person", person, "email",
				  json_string_or_null(*email ? email : NULL), "steps");
	}
	if (p.doc == NULL)
		goto io;
	doc = json_to_text(p.doc);
	if (doc == NULL ||
	    store_query_int(c, &p.id, 0, STMT_PAGE_INSERT, "izttizzbti", p.incident, p.team,
			    p.team_name, p.state, p.paged_at, p.acknowledged_at, p.next_at,
			    (int)p.drill, doc, p.updated_at) != 0 ||
	    p.id <= 0)
		goto io;
	if (page_add_step(c, cmd, &p, 0, kind, person, email, &responder) != 0 || page_save(c, &p) != 0)
		goto io;
	if (plan)
		snprintf(text, sizeof(text), "Paged %s, on call for %s (rotation %s)%s%s", person,
			 plan->team_name, plan->rotation_name, in && in->reason ? ": " : "",
			 in && in->reason ? in->reason : "");
	else
		snprintf(text, sizeof(text), "Named escalation: paged %s, authorized by %s: %s", person,
			 in->authorizer, in->reason);
	rc = page_record(c, cmd, inc, &p, responder, text, bump, answer);
	goto done;
io:
	rc = io_error(cmd->err);
done:
	free(doc);
	page_free(&p);
	return rc;
}

static int cmd_page_create(struct store_conn *c, void *arg)
{
	struct page_cmd *pc = arg;
	struct cmd *cmd = &pc->base;
	const struct page_input *in = pc->in;
	struct team_page_plan plan = {0};
	struct incident inc;
	int rc = -1, found;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		return -1;
	if (inc.status == STATUS_RESOLVED) {
		api_error_set(cmd->err, 409, "invalid_state", NULL,
			      "INC-%lld is resolved; reopen it to page anyone", (long long)inc.number);
		goto done;
	}
	if (in->team) {
		found = teams_page_plan(c, in->team, 0, cmd->now, &plan, cmd->err);
		if (found < 0)
			goto done;
		if (found == 1) {
			api_error_set(cmd->err, 400, "invalid_field", "team", "no team is named '%.100s'",
				      in->team);
			goto done;
		}
		if (found == 2) {
			api_error_set(cmd->err, 409, "nobody_on_call", "team",
				      "nobody is on call for team '%.100s' now; page a person by name",
				      in->team);
			goto done;
		}
		rc = page_make(c, cmd, &inc, in, &plan, true, true);
	} else {
		rc = page_make(c, cmd, &inc, in, NULL, true, true);
	}
done:
	json_decref(plan.plan);
	incident_free(&inc);
	return rc;
}

int pages_create(struct app *app, const char *actor, int64_t number, const struct page_input *in,
		 json_t **out, struct api_error *err)
{
	struct page_cmd pc = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.in = in,
	};

	/* The edge checks shapes; what a named escalation needs is the record's rule. */
	if ((in->team == NULL) == (in->person == NULL))
		return api_error_set(err, 400, in->team ? "invalid_field" : "missing_field",
				     in->team ? "person" : "team",
				     "send either team (page whoever is on call) or person (a named "
				     "escalation)");
	if (in->person && (in->authorizer == NULL || str_blank(in->authorizer)))
		return api_error_set(err, 400, "missing_field", "authorizer",
				     "a named escalation needs the authorizer who approved it");
	if (in->person && (in->reason == NULL || str_blank(in->reason)))
		return api_error_set(err, 400, "missing_field", "reason",
				     "a named escalation needs a reason");
	return run_command(&pc.base, cmd_page_create, out);
}

int pages_runcard_team(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
		       const char *team, bool *paged)
{
	struct team_page_plan plan = {0};
	struct page_input in = {.team = team, .reason = "run card"};
	struct incident copy;
	int found, rc;

	*paged = false;
	found = teams_page_plan(c, team, 0, cmd->now, &plan, cmd->err);
	if (found != 0) {
		json_decref(plan.plan);
		return found < 0 ? -1 : 0;
	}
	/* record_change takes the incident as saved; a copy keeps the caller's untouched. */
	incident_init(&copy);
	if (incident_copy(&copy, inc) != 0) {
		incident_free(&copy);
		json_decref(plan.plan);
		return io_error(cmd->err);
	}
	rc = page_make(c, cmd, &copy, &in, &plan, false, false);
	incident_free(&copy);
	json_decref(plan.plan);
	*paged = rc == 0;
	return rc;
}

/* ================================================================ reads */

int pages_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct page p;
	int rc = -1;

	if (page_load(c, id, &p, err) == 0) {
		*out = page_json(app, &p);
		rc = *out ? 0 : io_error(err);
		page_free(&p);
	}
	store_read_end(app->store, c);
	return rc;
}

int pages_list(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct incident inc;
	struct store_stmt *st = NULL;
	json_t *list = NULL;
	int rc = -1, step = -1;

	if (load_incident(c, number, &inc, err) != 0)
		goto done;
	incident_free(&inc);
	list = json_array();
	st = list ? store_bind(c, STMT_PAGE_LIST, "i", number) : NULL;
	while (st && (step = store_step(st)) == 1) {
		struct page p;

		if (page_read(st, &p) != 0 || json_array_append_new(list, page_json(app, &p)) != 0) {
			page_free(&p);
			step = -1;
			break;
		}
		page_free(&p);
	}
	if (st)
		store_reset(st);
	if (step != 0) {
		io_error(err);
		goto done;
	}
	*out = json_pack("{s:O}", "pages", list);
	rc = *out ? 0 : io_error(err);
done:
	json_decref(list);
	store_read_end(app->store, c);
	return rc;
}

/* ================================================================ acknowledging */

static int cmd_page_ack(struct store_conn *c, void *arg)
{
	struct page_cmd *pc = arg;
	struct cmd *cmd = &pc->base;
	struct page p;
	struct incident inc;
	struct doctrine_verdict verdict;
	json_t *steps, *s, *which = NULL;
	struct store_stmt *st;
	char text[600];
	const char *who;
	int64_t responder;
	size_t i;
	int rc = -1, found;

	if (page_load(c, pc->id, &p, cmd->err) != 0)
		return -1;
	incident_init(&inc);
	steps = json_object_get(p.doc, "steps");
	if (strcmp(p.state, "acknowledged") == 0) {
		if (pc->step >= 0)
			api_error_set(cmd->err, 410, "gone", NULL,
				      "this page was acknowledged already, by %.200s",
				      doc_str(&p, "acknowledgedBy") ? doc_str(&p, "acknowledgedBy") : "someone");
		else
			api_error_set(cmd->err, 409, "already_acknowledged", NULL,
				      "page %lld was acknowledged already, by %.200s", (long long)p.id,
				      doc_str(&p, "acknowledgedBy") ? doc_str(&p, "acknowledgedBy") : "someone");
		goto done;
	}
	if (pc->step >= 0) {
		which = json_array_get(steps, (size_t)pc->step);
		if (which == NULL) {
			api_error_set(cmd->err, 403, "forbidden", NULL, "this link is not valid");
			goto done;
		}
		who = json_string_value(json_object_get(which, "person"));
	} else {
		/* By API: the actor's own step when they were paged, else the current one. */
		who = cmd->actor;
		json_array_foreach(steps, i, s)
			if (strcmp(json_string_value(json_object_get(s, "person")), cmd->actor) == 0)
				which = s;
		if (which == NULL)
			which = current_step(&p);
	}
	if (load_incident(c, p.incident, &inc, cmd->err) != 0)
		goto done;
	str_copy(p.state, "acknowledged", sizeof(p.state));
	p.acknowledged_at = p.updated_at = cmd->now;
	p.next_at = TIME_NONE;
	if (json_object_set_new(p.doc, "acknowledgedBy", json_string(who)) != 0 || page_save(c, &p) != 0)
		goto io;
	/* The paged person's responder moves to acknowledged (if still only paged). */
	responder = json_integer_value(json_object_get(which, "responder"));
	st = store_bind(c, STMT_RESPONDER_GET, "ii", p.incident, responder);
	found = st ? store_step(st) : -1;
	if (found == 1) {
		enum responder_state state;
		int64_t at[RESPONDER_STATE__MAX];
		char role[64];

		str_copy(role, store_col_text(st, 3), sizeof(role));
		if (responder_state_parse(store_col_text(st, 4), &state) != 0)
			state = RESPONDER_PAGED;
		for (int k = 0; k < RESPONDER_STATE__MAX; k++)
			at[k] = col_time(st, 5 + k);
		store_reset(st);
		if (state == RESPONDER_PAGED &&
		    doctrine_check_responder_transition(state, RESPONDER_ACKNOWLEDGED, &verdict) == 0) {
			at[RESPONDER_ACKNOWLEDGED] = cmd->now;
			if (store_run(c, STMT_RESPONDER_UPDATE, "ttzzzzzii", *role ? role : NULL,
				      responder_state_name(RESPONDER_ACKNOWLEDGED), at[0], at[1], at[2],
				      at[3], at[4], cmd->now, responder) != 0)
				goto io;
		}
	} else {
		if (st)
			store_reset(st);
		if (found < 0)
			goto io;
	}
	snprintf(text, sizeof(text), "%s acknowledged the page%s%s (%lld s after paging)", who,
		 p.team_name ? " of " : "", p.team_name ? p.team_name : "",
		 (long long)((cmd->now - p.paged_at) / 1000));
	rc = page_record(c, cmd, &inc, &p, responder, text, true, true);
	goto done;
io:
	rc = io_error(cmd->err);
done:
	incident_free(&inc);
	page_free(&p);
	return rc;
}

int pages_ack(struct app *app, const char *actor, int64_t id, json_t **out, struct api_error *err)
{
	struct page_cmd pc = {
		.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
		.id = id,
		.step = -1,
	};

	return run_command(&pc.base, cmd_page_ack, out);
}

/* The page and step a link names, the page (*pj, the caller's) and the person it was sent
 * to (`actor`); 403 or 410 for a link that is not ours or has expired. */
static int ack_link_resolve(struct app *app, const char *token, int64_t now, int64_t *page,
			    int *step, json_t **pj, char *actor, size_t actorlen,
			    struct api_error *err)
{
	unsigned char key[SECRET_BYTES];
	int64_t expires;
	enum oncall_token_check check;
	const char *person;

	secret_derive(app->secret, "ack-link", key);
	check = oncall_ack_verify(key, token, now / 1000, page, step, &expires);
	if (check == ONCALL_TOKEN_BAD)
		return api_error_set(err, 403, "forbidden", NULL,
				     "this acknowledgement link is not valid");
	if (check == ONCALL_TOKEN_EXPIRED)
		return api_error_set(err, 410, "gone", NULL,
				     "this acknowledgement link has expired; acknowledge in MajorOps");
	if (pages_get(app, *page, pj, err) != 0)
		return -1;
	person = json_string_value(json_object_get(
		json_array_get(json_object_get(*pj, "steps"), (size_t)*step), "person"));
	str_copy(actor, person ? person : "", actorlen);
	if (*actor == '\0') {
		json_decref(*pj);
		*pj = NULL;
		return api_error_set(err, 403, "forbidden", NULL, "this acknowledgement link is not valid");
	}
	return 0;
}

int pages_ack_link_peek(struct app *app, const char *token, json_t **out,
			struct api_error *err)
{
	char actor[TEAM_PERSON_MAX * 4 + 1];
	int64_t page;
	int step;
	json_t *pj = NULL;

	if (ack_link_resolve(app, token, app_now(app), &page, &step, &pj, actor, sizeof(actor),
			     err) != 0)
		return -1;
	if (json_is_string(json_object_get(pj, "state")) &&
	    strcmp(json_string_value(json_object_get(pj, "state")), "acknowledged") == 0) {
		api_error_set(err, 410, "gone", NULL, "this page was acknowledged already, by %.200s",
			      json_is_string(json_object_get(pj, "acknowledgedBy"))
				      ? json_string_value(json_object_get(pj, "acknowledgedBy"))
				      : "someone");
		json_decref(pj);
		return -1;
	}
	if (json_object_set_new(pj, "linkPerson", json_string(actor)) != 0) {
		json_decref(pj);
		return api_error_set(err, 500, "internal", NULL, "out of memory");
	}
	*out = pj;
	return 0;
}

int pages_ack_link(struct app *app, const char *token, json_t **out, struct api_error *err)
{
	struct page_cmd pc = {.base = {.app = app, .now = app_now(app), .err = err}};
	int64_t page;
	int step;
	char actor[TEAM_PERSON_MAX * 4 + 1] = "";
	json_t *pj = NULL;

	/* The link acts for the person it was sent to. */
	if (ack_link_resolve(app, token, pc.base.now, &page, &step, &pj, actor, sizeof(actor),
			     err) != 0)
		return -1;
	json_decref(pj);
	pc.base.actor = actor;
	pc.id = page;
	pc.step = step;
	pc.token = token;
	return run_command(&pc.base, cmd_page_ack, out);
}

/* ================================================================ escalation */

static int cmd_page_escalate(struct store_conn *c, void *arg)
{
	struct page_cmd *pc = arg;
	struct cmd *cmd = &pc->base;
	struct page p;
	struct incident inc;
	json_t *plan, *nextp;
	char text[2400], prev[TEAM_PERSON_MAX * 4 + 1];
	int64_t responder = 0;
	int step, rc = -1;

	if (page_load(c, pc->id, &p, cmd->err) != 0)
		return cmd->err->status == 404 ? 0 : -1;
	incident_init(&inc);
	/* Another replica, or an acknowledgement, may have been first: then nothing to do. */
	if (strcmp(p.state, "paged") != 0 || p.next_at == TIME_NONE || p.next_at > cmd->now) {
		rc = 0;
		goto done;
	}
	if (load_incident(c, p.incident, &inc, cmd->err) != 0)
		goto done;
	plan = json_object_get(p.doc, "plan");
	step = (int)doc_int(&p, "step");
	str_copy(prev, doc_str(&p, "person") ? doc_str(&p, "person") : "", sizeof(prev));
	nextp = json_array_get(plan, (size_t)step + 1);
	p.updated_at = cmd->now;
	if (nextp == NULL) {
		json_t *cur = current_step(&p);

		str_copy(p.state, "expired", sizeof(p.state));
		p.next_at = TIME_NONE;
		responder = json_integer_value(json_object_get(cur, "responder"));
		if (page_save(c, &p) != 0)
			goto io;
		snprintf(text, sizeof(text),
			 "Nobody acknowledged the page of %s: every escalation step was tried (last: %s)",
			 p.team_name ? p.team_name : prev, prev);
	} else {
		const char *kind = json_string_value(json_object_get(nextp, "kind"));
		const char *person = json_string_value(json_object_get(nextp, "person"));
		const char *email = json_string_value(json_object_get(nextp, "email"));

		p.next_at = cmd->now + doc_int(&p, "ackMinutes") * MINUTE_MS_;
		if (page_add_step(c, cmd, &p, step + 1, kind, person, email, &responder) != 0 ||
		    page_save(c, &p) != 0)
			goto io;
		snprintf(text, sizeof(text),
			 "No acknowledgement from %s within %lld min: paged %s (%s)", prev,
			 (long long)doc_int(&p, "ackMinutes"), person,
			 strcmp(kind, "manager") == 0 ? "the team's manager" : "next in the rotation");
	}
	rc = page_record(c, cmd, &inc, &p, responder, text, true, false);
	goto done;
io:
	rc = io_error(cmd->err);
done:
	incident_free(&inc);
	page_free(&p);
	return rc;
}

int pages_sweep(void *ctx, int64_t now)
{
	struct app *app = ctx;
	int64_t ids[PAGE_SWEEP_BATCH];
	size_t n = 0;
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st = store_bind(c, STMT_PAGE_DUE, "ii", now, (int64_t)PAGE_SWEEP_BATCH);
	int step = -1, rc = 0;

	while (st && n < PAGE_SWEEP_BATCH && (step = store_step(st)) == 1)
		ids[n++] = store_col_int(st, 0);
	if (st)
		store_reset(st);
	store_read_end(app->store, c);
	if (step < 0)
		return -1;
	/* One command per page: a page that fails does not hold up the others. */
	for (size_t i = 0; i < n; i++) {
		struct api_error err;
		json_t *out = NULL;
		struct page_cmd pc = {
			.base = {.app = app, .actor = PAGE_SYSTEM_ACTOR, .now = now, .err = &err},
			.id = ids[i],
		};

		if (run_command(&pc.base, cmd_page_escalate, &out) != 0) {
			fprintf(stderr, "majorops: cannot escalate page %lld: %s\n", (long long)ids[i],
				err.message);
			rc = -1;
		}
		json_decref(out);
	}
	return rc;
}

int pages_sweep_interval_ms(void)
{
	return parse_env_ms("MAJOROPS_PAGE_SWEEP_MS", PAGE_SWEEP_MS_MIN, 3600 * 1000,
			    PAGE_SWEEP_MS_DEFAULT);
}

/* ================================================================ MTTA */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static json_t *team_figures(const char *team, int64_t pages, int64_t *acks, size_t nacks)
{
	double mean = 0, p50 = 0;

	if (nacks) {
		int64_t sum = 0;
		size_t mid;
		int64_t middle;

		qsort(acks, nacks, sizeof(*acks), cmp_i64);
		for (size_t i = 0; i < nacks; i++)
			sum += acks[i];
		mid = nacks / 2;
		middle = nacks % 2 ? 2 * acks[mid] : acks[mid - 1] + acks[mid];
		mean = (double)sum / (double)nacks / 1000.0;
		p50 = (double)middle / 2000.0; /* the median: the middle one, or the mean of two */
	}
	return json_pack("{s:s, s:I, s:I, s:o, s:o}", "team", team, "pages", (json_int_t)pages,
			 "acknowledged", (json_int_t)nacks, "mttaSeconds",
			 nacks ? json_real(mean) : json_null(), "p50", nacks ? json_real(p50) : json_null());
}

json_t *pages_mtta_by_team(struct app *app, int64_t from, int64_t to)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st = store_bind(c, STMT_PAGE_MTTA, "ii", from, to);
	json_t *list = json_array();
	char team[TEAM_NAME_MAX * 4 + 1] = "";
	int64_t *acks = NULL, pages = 0;
	size_t nacks = 0, cap = 0;
	int step = -1;
	bool ok = list != NULL;

	while (ok && st && (step = store_step(st)) == 1) {
		const char *name = store_col_text(st, 0);

		if (pages && strcmp(name, team) != 0) {
			ok = json_array_append_new(list, team_figures(team, pages, acks, nacks)) == 0;
			pages = 0;
			nacks = 0;
		}
		str_copy(team, name, sizeof(team));
		pages++;
		if (!store_col_null(st, 2)) {
			if (nacks == cap) {
				int64_t *grown = realloc(acks, (cap ? cap * 2 : 64) * sizeof(*acks));

				if (grown == NULL) {
					ok = false;
					break;
				}
				acks = grown;
				cap = cap ? cap * 2 : 64;
			}
			acks[nacks++] = store_col_int(st, 2) - store_col_int(st, 1);
		}
	}
	if (st)
		store_reset(st);
	store_read_end(app->store, c);
	if (ok && step == 0 && pages)
		ok = json_array_append_new(list, team_figures(team, pages, acks, nacks)) == 0;
	free(acks);
	if (!ok || step != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int pages_mtta(struct app *app, int64_t from, int64_t to, json_t **out, struct api_error *err)
{
	json_t *list = pages_mtta_by_team(app, from, to);

	if (list == NULL)
		return io_error(err);
	*out = json_pack("{s:o, s:o, s:o}", "from", json_time_or_null(from), "to",
			 json_time_or_null(to), "teams", list);
	return *out ? 0 : io_error(err);
}
