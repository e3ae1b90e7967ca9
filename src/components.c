/*
 * The status page's configured components and scheduled maintenance (see components.h):
 * the rows, the commands that change them — service.h's way: one transaction, one event per
 * changed object, published after commit — and the reads.
 */
#include "components.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "parse.h"
#include "service.h"
#include "service_internal.h"
#include "store.h"

#define NAME_BUF (COMPONENT_NAME_MAX * 4 + 1) /* a trimmed name, UTF-8, and its NUL */
#define MAINTENANCE_STATE_MAX 16

const char *const component_status_names[] = {"operational", "degraded_performance",
					      "partial_outage", "major_outage",
					      "under_maintenance", NULL};
const char *const maintenance_state_names[] = {"scheduled", "in_progress", "verifying",
					       "completed", NULL};

/* ================================================================ rows */

struct component {
	int64_t id, position, created_at, updated_at;
	char *name;
	char *description; /* NULL: none */
	char *status;      /* NULL: derived from the incidents */
};

struct maintenance {
	int64_t id, scheduled_for, scheduled_until, started_at, completed_at, created_at,
		updated_at;
	char *title;
	char *body;         /* NULL: none */
	json_t *components; /* array of names, never NULL once read */
	char state[MAINTENANCE_STATE_MAX];
};

/* Replaces *dst with a copy of `src` (NULL clears); -1 when out of memory. */
static int text_set(char **dst, const char *src)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (copy == NULL)
			return -1;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

static bool text_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* An optional text as stored: "" is none. */
static const char *text_or_none(const char *s)
{
	return s && *s ? s : NULL;
}

static void component_free(struct component *cp)
{
	free(cp->name);
	free(cp->description);
	free(cp->status);
	memset(cp, 0, sizeof(*cp));
}

static void maintenance_free(struct maintenance *m)
{
	free(m->title);
	free(m->body);
	json_decref(m->components);
	memset(m, 0, sizeof(*m));
}

/* The columns id, name, description, position, status, created_at, updated_at. */
static int component_read(struct store_stmt *st, struct component *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->id = store_col_int(st, 0);
	cp->position = store_col_int(st, 3);
	cp->created_at = store_col_int(st, 5);
	cp->updated_at = store_col_int(st, 6);
	if (text_set(&cp->name, store_col_text(st, 1)) != 0 ||
	    text_set(&cp->description, store_col_null(st, 2) ? NULL : store_col_text(st, 2)) != 0 ||
	    text_set(&cp->status, store_col_null(st, 4) ? NULL : store_col_text(st, 4)) != 0 ||
	    cp->name == NULL) {
		component_free(cp);
		return -1;
	}
	return 0;
}

static int64_t col_time(struct store_stmt *st, int col)
{
	return store_col_null(st, col) ? TIME_NONE : store_col_int(st, col);
}

/* The columns id, title, body, components, scheduled_for, scheduled_until, state,
 * started_at, completed_at, created_at, updated_at. */
static int maintenance_read(struct store_stmt *st, struct maintenance *m)
{
	json_t *names;

	memset(m, 0, sizeof(*m));
	m->id = store_col_int(st, 0);
	m->scheduled_for = col_time(st, 4);
	m->scheduled_until = col_time(st, 5);
	str_copy(m->state, store_col_text(st, 6), sizeof(m->state));
	m->started_at = col_time(st, 7);
	m->completed_at = col_time(st, 8);
	m->created_at = col_time(st, 9);
	m->updated_at = col_time(st, 10);
	/* Written by this module as a JSON array of names; anything else reads as none. */
	names = json_loads(store_col_text(st, 3), 0, NULL);
	if (!json_is_array(names)) {
		json_decref(names);
		names = json_array();
	}
	m->components = names;
	if (m->components == NULL || text_set(&m->title, store_col_text(st, 1)) != 0 ||
	    text_set(&m->body, store_col_null(st, 2) ? NULL : store_col_text(st, 2)) != 0 ||
	    m->title == NULL) {
		maintenance_free(m);
		return -1;
	}
	return 0;
}

static json_t *component_json(const struct component *cp)
{
	return json_pack("{s:I, s:s, s:o, s:I, s:o, s:o, s:o}", "id", (json_int_t)cp->id, "name",
			 cp->name, "description", json_string_or_null(cp->description), "position",
			 (json_int_t)cp->position, "status", json_string_or_null(cp->status),
			 "createdAt", json_time_or_null(cp->created_at), "updatedAt",
			 json_time_or_null(cp->updated_at));
}

static json_t *maintenance_json(const struct maintenance *m)
{
	return json_pack("{s:I, s:o, s:o, s:O, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "id",
			 (json_int_t)m->id, "title", json_string(m->title), "body",
			 json_string_or_null(m->body),
			 "components", m->components, "scheduledFor",
			 json_time_or_null(m->scheduled_for), "scheduledUntil",
			 json_time_or_null(m->scheduled_until), "state", m->state, "startedAt",
			 json_time_or_null(m->started_at), "completedAt",
			 json_time_or_null(m->completed_at), "createdAt",
			 json_time_or_null(m->created_at), "updatedAt",
			 json_time_or_null(m->updated_at));
}

/* Loads component `id`: 0, or -1 with 404 not_found / 503 in `err`. */
static int component_load(struct store_conn *c, int64_t id, struct component *cp,
			  struct api_error *err)
{
	struct store_stmt *st = store_bind(c, STMT_COMPONENT_GET, "i", id);
	int rc;

	memset(cp, 0, sizeof(*cp));
	if (st == NULL) {
		io_error(err);
		return -1;
	}
	rc = store_step(st);
	if (rc == 1 && component_read(st, cp) != 0)
		rc = -1;
	store_reset(st);
	if (rc == 0) {
		api_error_set(err, 404, "not_found", NULL, "no component %lld", (long long)id);
		return -1;
	}
	if (rc != 1) {
		io_error(err);
		return -1;
	}
	return 0;
}

static int maintenance_load(struct store_conn *c, int64_t id, struct maintenance *m,
			    struct api_error *err)
{
	struct store_stmt *st = store_bind(c, STMT_MAINTENANCE_GET, "i", id);
	int rc;

	memset(m, 0, sizeof(*m));
	if (st == NULL) {
		io_error(err);
		return -1;
	}
	rc = store_step(st);
	if (rc == 1 && maintenance_read(st, m) != 0)
		rc = -1;
	store_reset(st);
	if (rc == 0) {
		api_error_set(err, 404, "not_found", NULL, "no maintenance MNT-%lld", (long long)id);
		return -1;
	}
	if (rc != 1) {
		io_error(err);
		return -1;
	}
	return 0;
}

static int name_taken(struct api_error *err, const char *name)
{
	return api_error_set(err, 409, "already_exists", "name",
			     "a component named '%.200s' already exists", name);
}

/* ================================================================ events */

/* Appends the public event `type` {type, at, actor, change, <key>: obj} about no incident
 * (0), so the streams carry it and the public cache reads the tables again. */
static int record_public(struct store_conn *c, struct cmd *cmd, const char *type,
			 const char *change, const char *key, json_t *obj)
{
	json_t *ev = json_pack("{s:s, s:o, s:s, s:s, s:O}", "type", type, "at",
			       json_time_or_null(cmd->now), "actor", cmd->actor, "change", change,
			       key, obj);
	char *text = ev ? json_to_text(ev) : NULL;
	int64_t seq;
	int rc = -1;

	if (text && store_event_append(c, 0, cmd->now, cmd->actor, type, "public", text, &seq) == 0)
		rc = 0;
	free(text);
	json_decref(ev);
	return rc;
}

/* Records the change of `cp` and answers it in cmd->result. */
static int component_publish(struct store_conn *c, struct cmd *cmd, const struct component *cp,
			     const char *change)
{
	json_t *o = component_json(cp);

	if (o == NULL || record_public(c, cmd, "component.changed", change, "component", o) != 0) {
		json_decref(o);
		return io_error(cmd->err);
	}
	cmd->result = o;
	return 0;
}

/* Records the change of `m`; the new object, or NULL when it could not be recorded. */
static json_t *maintenance_record(struct store_conn *c, struct cmd *cmd,
				  const struct maintenance *m, const char *change)
{
	json_t *o = maintenance_json(m);

	if (o && record_public(c, cmd, "maintenance.changed", change, "maintenance", o) == 0)
		return o;
	json_decref(o);
	return NULL;
}

/* Writes `m` back (state, times, components). */
static int maintenance_save(struct store_conn *c, const struct maintenance *m)
{
	char *names = json_to_text(m->components);
	int rc;

	if (names == NULL)
		return -1;
	rc = store_run(c, STMT_MAINTENANCE_UPDATE, "tzztii", m->state, m->started_at,
		       m->completed_at, names, m->updated_at, m->id);
	free(names);
	return rc;
}

/* ================================================================ components */

struct component_cmd {
	struct cmd base;
	int64_t id;
	const struct component_input *in;
};

static int cmd_component_create(struct store_conn *c, void *arg)
{
	struct component_cmd *cc = arg;
	struct cmd *cmd = &cc->base;
	const struct component_input *in = cc->in;
	struct component cp = {0};
	struct store_stmt *st;
	char name[NAME_BUF];
	int64_t count = 0, last = 0, existing = 0;
	int rc = -1, step;

	str_trim_copy(name, in->name ? in->name : "", sizeof(name));
	if (*name == '\0')
		return api_error_set(cmd->err, 400, "invalid_field", "name", "name must not be blank");
	st = store_bind(c, STMT_COMPONENT_STATS, "");
	step = st ? store_step(st) : -1;
	if (step == 1) {
		count = store_col_int(st, 0);
		last = store_col_int(st, 1);
	}
	if (st)
		store_reset(st);
	if (step < 0 || store_query_int(c, &existing, 0, STMT_COMPONENT_FIND, "t", name) != 0)
		return io_error(cmd->err);
	if (count >= COMPONENTS_MAX)
		return api_error_set(cmd->err, 409, "limit_reached", NULL,
				     "the page already has %d components, the most it keeps",
				     COMPONENTS_MAX);
	if (existing)
		return name_taken(cmd->err, name);
	/* Without a position a new component goes after the last one. */
	if (in->has_position)
		cp.position = in->position;
	else
		cp.position = count == 0 ? 0 : last < COMPONENT_POSITION_MAX ? last + 1 : last;
	cp.created_at = cp.updated_at = cmd->now;
	if (text_set(&cp.name, name) != 0 ||
	    text_set(&cp.description, in->has_description ? text_or_none(in->description) : NULL) != 0 ||
	    text_set(&cp.status, in->has_status ? in->status : NULL) != 0)
		goto io;
	if (store_query_int(c, &cp.id, 0, STMT_COMPONENT_INSERT, "ttitii", cp.name, cp.description,
			    cp.position, cp.status, cp.created_at, cp.updated_at) != 0 ||
	    cp.id <= 0)
		goto io;
	rc = component_publish(c, cmd, &cp, "created");
	goto done;
io:
	rc = io_error(cmd->err);
done:
	component_free(&cp);
	return rc;
}

int component_create(struct app *app, const char *actor, const struct component_input *in,
		     json_t **out, struct api_error *err)
{
	struct component_cmd cc = {
		.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
		.in = in,
	};

	return run_command(&cc.base, cmd_component_create, out);
}

/* Renames `from` to `to` in every maintenance naming it, one event each. */
static int rename_in_maintenances(struct store_conn *c, struct cmd *cmd, const char *from,
				  const char *to)
{
	json_t *quoted = json_string(from);
	char *needle = quoted ? json_dumps(quoted, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	int64_t *ids = NULL;
	size_t nids = 0, cap = 0;
	struct store_stmt *st;
	int rc = -1, step = -1;

	json_decref(quoted);
	if (needle == NULL)
		return -1;
	/* The text search only narrows the rows down; each is compared name by name below.
	 * The ids are read first: the statement is reused for nothing while they are. */
	st = store_bind(c, STMT_MAINTENANCE_NAMING, "t", needle);
	while (st && (step = store_step(st)) == 1) {
		if (nids == cap) {
			int64_t *grown = realloc(ids, (cap ? cap * 2 : 16) * sizeof(*ids));

			if (grown == NULL) {
				step = -1;
				break;
			}
			ids = grown;
			cap = cap ? cap * 2 : 16;
		}
		ids[nids++] = store_col_int(st, 0);
	}
	if (st)
		store_reset(st);
	if (step < 0)
		goto done;
	for (size_t i = 0; i < nids; i++) {
		struct maintenance m;
		json_t *v, *o;
		size_t k;
		bool hit = false;

		if (maintenance_load(c, ids[i], &m, cmd->err) != 0)
			goto done;
		json_array_foreach(m.components, k, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), from) == 0) {
				if (json_array_set_new(m.components, k, json_string(to)) != 0) {
					maintenance_free(&m);
					goto done;
				}
				hit = true;
			}
		}
		if (!hit) {
			maintenance_free(&m);
			continue;
		}
		m.updated_at = cmd->now;
		o = maintenance_save(c, &m) == 0 ? maintenance_record(c, cmd, &m, "renamed") : NULL;
		maintenance_free(&m);
		if (o == NULL)
			goto done;
		json_decref(o);
	}
	rc = 0;
done:
	free(ids);
	free(needle);
	return rc;
}

static int cmd_component_patch(struct store_conn *c, void *arg)
{
	struct component_cmd *cc = arg;
	struct cmd *cmd = &cc->base;
	const struct component_input *in = cc->in;
	struct component cp;
	char name[NAME_BUF];
	char *old_name = NULL;
	bool changed = false;
	int rc = -1;

	if (component_load(c, cc->id, &cp, cmd->err) != 0)
		return -1;
	if (in->name) {
		int64_t existing = 0;

		str_trim_copy(name, in->name, sizeof(name));
		if (*name == '\0') {
			api_error_set(cmd->err, 400, "invalid_field", "name", "name must not be blank");
			goto done;
		}
		if (strcmp(name, cp.name) != 0) {
			if (store_query_int(c, &existing, 0, STMT_COMPONENT_FIND, "t", name) != 0)
				goto io;
			if (existing && existing != cp.id) {
				name_taken(cmd->err, name);
				goto done;
			}
			old_name = cp.name;
			cp.name = NULL;
			if (text_set(&cp.name, name) != 0)
				goto io;
			changed = true;
		}
	}
	if (in->has_description && !text_same(text_or_none(in->description), cp.description)) {
		if (text_set(&cp.description, text_or_none(in->description)) != 0)
			goto io;
		changed = true;
	}
	if (in->has_position && in->position != cp.position) {
		cp.position = in->position;
		changed = true;
	}
	if (in->has_status && !text_same(in->status, cp.status)) {
		if (text_set(&cp.status, in->status) != 0)
			goto io;
		changed = true;
	}
	if (!changed) {
		/* Nothing differs: answer the component as it is, write nothing. */
		cmd->result = component_json(&cp);
		rc = cmd->result ? 0 : io_error(cmd->err);
		goto done;
	}
	cp.updated_at = cmd->now;
	if (store_run(c, STMT_COMPONENT_UPDATE, "ttitii", cp.name, cp.description, cp.position,
		      cp.status, cp.updated_at, cp.id) != 0)
		goto io;
	rc = component_publish(c, cmd, &cp, "updated");
	if (rc == 0 && old_name && rename_in_maintenances(c, cmd, old_name, cp.name) != 0)
		goto io;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	free(old_name);
	component_free(&cp);
	return rc;
}

int component_patch(struct app *app, const char *actor, int64_t id,
		    const struct component_input *in, json_t **out, struct api_error *err)
{
	struct component_cmd cc = {
		.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
		.id = id,
		.in = in,
	};

	return run_command(&cc.base, cmd_component_patch, out);
}

int component_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct component cp;
	int rc = -1;

	if (component_load(c, id, &cp, err) == 0) {
		*out = component_json(&cp);
		rc = *out ? 0 : io_error(err);
		component_free(&cp);
	}
	store_read_end(app->store, c);
	return rc;
}

/* Every configured component, in page order, into `list`; 0 or -1. */
static int components_read(struct store_conn *c, json_t *list)
{
	struct store_stmt *st = store_bind(c, STMT_COMPONENT_LIST, "");
	int rc = -1;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1) {
		struct component cp;
		json_t *o;

		if (component_read(st, &cp) != 0) {
			rc = -1;
			break;
		}
		o = component_json(&cp);
		component_free(&cp);
		if (o == NULL || json_array_append_new(list, o) != 0) {
			rc = -1;
			break;
		}
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int component_list(struct app *app, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *list = json_array();
	int rc = list ? components_read(c, list) : -1;

	store_read_end(app->store, c);
	if (rc != 0) {
		json_decref(list);
		return io_error(err);
	}
	*out = json_pack("{s:o}", "components", list);
	return *out ? 0 : io_error(err);
}

/* ================================================================ maintenances */

struct maintenance_cmd {
	struct cmd base;
	int64_t id;
	bool start; /* start, else complete */
	const struct maintenance_input *in;
};

/* The names of `in`, trimmed, each a configured component and named once. */
static int maintenance_names(struct store_conn *c, struct cmd *cmd, const json_t *in,
			     json_t **out)
{
	json_t *names = json_array(), *v;
	size_t i;

	*out = NULL;
	if (names == NULL)
		return io_error(cmd->err);
	json_array_foreach(in, i, v) {
		char name[NAME_BUF];
		int64_t id = 0;
		json_t *seen;
		size_t k;

		str_trim_copy(name, json_is_string(v) ? json_string_value(v) : "", sizeof(name));
		if (*name == '\0') {
			json_decref(names);
			return api_error_set(cmd->err, 400, "invalid_field", "components",
					     "components[%zu] must not be blank", i);
		}
		json_array_foreach(names, k, seen) {
			if (strcmp(json_string_value(seen), name) == 0) {
				json_decref(names);
				return api_error_set(cmd->err, 400, "invalid_field", "components",
						     "components[%zu] names '%.200s' a second time", i,
						     name);
			}
		}
		if (store_query_int(c, &id, 0, STMT_COMPONENT_FIND, "t", name) != 0) {
			json_decref(names);
			return io_error(cmd->err);
		}
		if (id == 0) {
			json_decref(names);
			return api_error_set(cmd->err, 400, "invalid_field", "components",
					     "components[%zu] '%.200s' is not a configured component "
					     "(POST /api/v1/components first)", i, name);
		}
		if (json_array_append_new(names, json_string(name)) != 0) {
			json_decref(names);
			return io_error(cmd->err);
		}
	}
	*out = names;
	return 0;
}

static int cmd_maintenance_create(struct store_conn *c, void *arg)
{
	struct maintenance_cmd *mc = arg;
	struct cmd *cmd = &mc->base;
	const struct maintenance_input *in = mc->in;
	struct maintenance m = {0};
	char *names = NULL;
	int rc = -1;

	if (in->scheduled_until <= in->scheduled_for)
		return api_error_set(cmd->err, 400, "invalid_field", "scheduledUntil",
				     "scheduledUntil must be after scheduledFor");
	if (maintenance_names(c, cmd, in->components, &m.components) != 0)
		return -1;
	str_copy(m.state, "scheduled", sizeof(m.state));
	m.scheduled_for = in->scheduled_for;
	m.scheduled_until = in->scheduled_until;
	m.created_at = m.updated_at = cmd->now;
	names = json_to_text(m.components);
	if (names == NULL || text_set(&m.title, in->title) != 0 ||
	    text_set(&m.body, text_or_none(in->body)) != 0)
		goto io;
	if (store_query_int(c, &m.id, 0, STMT_MAINTENANCE_INSERT, "tttiitii", m.title, m.body, names,
			    m.scheduled_for, m.scheduled_until, m.state, m.created_at,
			    m.updated_at) != 0 ||
	    m.id <= 0)
		goto io;
	cmd->result = maintenance_record(c, cmd, &m, "created");
	if (cmd->result == NULL)
		goto io;
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	free(names);
	maintenance_free(&m);
	return rc;
}

int maintenance_create(struct app *app, const char *actor, const struct maintenance_input *in,
		       json_t **out, struct api_error *err)
{
	struct maintenance_cmd mc = {
		.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
		.in = in,
	};

	return run_command(&mc.base, cmd_maintenance_create, out);
}

static int cmd_maintenance_move(struct store_conn *c, void *arg)
{
	struct maintenance_cmd *mc = arg;
	struct cmd *cmd = &mc->base;
	struct maintenance m;
	bool completed, changed = false;
	int rc = -1;

	if (maintenance_load(c, mc->id, &m, cmd->err) != 0)
		return -1;
	completed = strcmp(m.state, "completed") == 0;
	if (mc->start && completed) {
		api_error_set(cmd->err, 409, "invalid_state", NULL,
			      "MNT-%lld is completed; a completed maintenance does not start again "
			      "(schedule a new one)", (long long)m.id);
		goto done;
	}
	if (mc->start && strcmp(m.state, "scheduled") == 0) {
		str_copy(m.state, "in_progress", sizeof(m.state));
		m.started_at = cmd->now;
		changed = true;
	} else if (!mc->start && !completed) {
		/* Completing a maintenance that never started calls the window off. */
		str_copy(m.state, "completed", sizeof(m.state));
		m.completed_at = cmd->now;
		changed = true;
	}
	if (!changed) {
		/* Started again or completed again: the same answer, nothing written. */
		cmd->result = maintenance_json(&m);
		rc = cmd->result ? 0 : io_error(cmd->err);
		goto done;
	}
	m.updated_at = cmd->now;
	if (maintenance_save(c, &m) != 0)
		goto io;
	cmd->result = maintenance_record(c, cmd, &m, mc->start ? "started" : "completed");
	if (cmd->result == NULL)
		goto io;
	rc = 0;
	goto done;
io:
	rc = io_error(cmd->err);
done:
	maintenance_free(&m);
	return rc;
}

int maintenance_start(struct app *app, const char *actor, int64_t id, json_t **out,
		      struct api_error *err)
{
	struct maintenance_cmd mc = {
		.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
		.id = id,
		.start = true,
	};

	return run_command(&mc.base, cmd_maintenance_move, out);
}

int maintenance_complete(struct app *app, const char *actor, int64_t id, json_t **out,
			 struct api_error *err)
{
	struct maintenance_cmd mc = {
		.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
		.id = id,
		.start = false,
	};

	return run_command(&mc.base, cmd_maintenance_move, out);
}

int maintenance_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct maintenance m;
	int rc = -1;

	if (maintenance_load(c, id, &m, err) == 0) {
		*out = maintenance_json(&m);
		rc = *out ? 0 : io_error(err);
		maintenance_free(&m);
	}
	store_read_end(app->store, c);
	return rc;
}

/* Appends the rows of a bound maintenance statement to `list`, at most `max` (0: all);
 * 1 when a row was left over, 0 when not, -1 on failure. */
static int maintenances_read(struct store_stmt *st, json_t *list, size_t max, int64_t *last)
{
	size_t n = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1) {
		struct maintenance m;
		json_t *o;

		if (max && n == max)
			break;
		if (maintenance_read(st, &m) != 0) {
			rc = -1;
			break;
		}
		o = maintenance_json(&m);
		if (last)
			*last = m.id;
		maintenance_free(&m);
		if (o == NULL || json_array_append_new(list, o) != 0) {
			rc = -1;
			break;
		}
		n++;
	}
	store_reset(st);
	return rc;
}

int maintenance_list(struct app *app, const char *state, int64_t before, int limit,
		     json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *list = json_array();
	int64_t last = 0;
	int rc = -1;

	/* One row more than asked tells whether another page exists. */
	if (list)
		rc = maintenances_read(store_bind(c, STMT_MAINTENANCE_LIST, "tii", state, before,
						 (int64_t)limit + 1),
				       list, (size_t)limit, &last);
	store_read_end(app->store, c);
	if (rc < 0) {
		json_decref(list);
		return io_error(err);
	}
	*out = json_pack("{s:o, s:o}", "maintenances", list, "nextCursor",
			 rc == 1 ? json_sprintf("%lld", (long long)last) : json_null());
	return *out ? 0 : io_error(err);
}

int maintenance_id_parse(const char *s, int64_t *out)
{
	const char *cursor = s;
	uint64_t n;

	if (s == NULL)
		return -1;
	if (strncasecmp(cursor, "MNT-", 4) == 0)
		cursor += 4;
	if (parse_u64(&cursor, &n, (uint64_t)INT64_MAX) != 0 || *cursor != '\0' || n == 0)
		return -1;
	*out = (int64_t)n;
	return 0;
}

int components_read_public(struct app *app, int64_t completed_since, json_t **components,
			   json_t **maintenances)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *comps = json_array(), *maints = json_array();
	int rc = -1;

	if (comps && maints && components_read(c, comps) == 0 &&
	    maintenances_read(store_bind(c, STMT_MAINTENANCE_PUBLIC, "ii", completed_since,
					 (int64_t)MAINTENANCE_PUBLIC_MAX),
			      maints, 0, NULL) >= 0)
		rc = 0;
	store_read_end(app->store, c);
	if (rc != 0) {
		json_decref(comps);
		json_decref(maints);
		return -1;
	}
	*components = comps;
	*maintenances = maints;
	return 0;
}
