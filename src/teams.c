/* On-call teams, rotations, overrides, who is on call, calendar feeds (see teams.h). */
#include "teams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "oncall.h"
#include "parse.h"
#include "secret.h"
#include "service.h"
#include "service_internal.h"
#include "tz.h"

#define NAME_BUF (TEAM_NAME_MAX * 4 + 1)
#define PERSON_BUF (TEAM_PERSON_MAX * 4 + 1)
#define EMAIL_BUF (TEAM_EMAIL_MAX * 4 + 1)
#define DAY_MS ((int64_t)24 * 3600 * 1000)
/* Overrides read around an instant: long enough before it to see one that ended inside
 * the longest shift, long enough after to see the next hand-over's. */
#define OVERRIDE_LOOKBACK_MS ((int64_t)(ONCALL_SHIFT_HOURS_MAX / 24 + 1) * DAY_MS)
#define OVERRIDE_LOOKAHEAD_MS ((int64_t)(2 * ONCALL_SHIFT_HOURS_MAX / 24 + 1) * DAY_MS)
#define OVERRIDES_READ_MAX 2000
#define CALENDAR_MAX (4 * 1024 * 1024)

const char *const team_step_names[] = {"next", "manager", NULL};

/* ================================================================ rows */

struct team {
	int64_t id, created_at, updated_at;
	char *name, *manager, *manager_email; /* manager and email may be NULL */
	int ack_minutes;
	json_t *steps;   /* array of step names */
	json_t *members; /* array of {name, email} */
};

struct rotation {
	int64_t id, team, created_at;
	char *name, *created_by;
	int shift_hours;
	char handover[8];
	char zone[TZ_NAME_MAX + 1];
	char start_date[16];
	json_t *order; /* array of names */
};

struct override_row {
	int64_t id, from, to, created_at;
	char *person, *reason, *created_by;
};

static char *dup_or_null(struct store_stmt *st, int col)
{
	return store_col_null(st, col) ? NULL : strdup(store_col_text(st, col));
}

static json_t *json_array_or_empty(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (!json_is_array(v)) {
		json_decref(v);
		v = json_array();
	}
	return v;
}

static void team_free(struct team *t)
{
	free(t->name);
	free(t->manager);
	free(t->manager_email);
	json_decref(t->steps);
	json_decref(t->members);
	memset(t, 0, sizeof(*t));
}

/* id, name, manager, manager_email, ack_minutes, steps, members, created_at, updated_at */
static int team_read(struct store_stmt *st, struct team *t)
{
	memset(t, 0, sizeof(*t));
	t->id = store_col_int(st, 0);
	t->name = strdup(store_col_text(st, 1));
	t->manager = dup_or_null(st, 2);
	t->manager_email = dup_or_null(st, 3);
	t->ack_minutes = (int)store_col_int(st, 4);
	t->steps = json_array_or_empty(store_col_text(st, 5));
	t->members = json_array_or_empty(store_col_text(st, 6));
	t->created_at = store_col_int(st, 7);
	t->updated_at = store_col_int(st, 8);
	if (t->name == NULL || t->steps == NULL || t->members == NULL) {
		team_free(t);
		return -1;
	}
	return 0;
}

static void rotation_free(struct rotation *r)
{
	free(r->name);
	free(r->created_by);
	json_decref(r->order);
	memset(r, 0, sizeof(*r));
}

/* id, team, name, shift_hours, handover, zone, start_date, members, created_at, created_by */
static int rotation_read(struct store_stmt *st, struct rotation *r)
{
	memset(r, 0, sizeof(*r));
	r->id = store_col_int(st, 0);
	r->team = store_col_int(st, 1);
	r->name = strdup(store_col_text(st, 2));
	r->shift_hours = (int)store_col_int(st, 3);
	str_copy(r->handover, store_col_text(st, 4), sizeof(r->handover));
	str_copy(r->zone, store_col_text(st, 5), sizeof(r->zone));
	str_copy(r->start_date, store_col_text(st, 6), sizeof(r->start_date));
	r->order = json_array_or_empty(store_col_text(st, 7));
	r->created_at = store_col_int(st, 8);
	r->created_by = strdup(store_col_text(st, 9));
	if (r->name == NULL || r->order == NULL || r->created_by == NULL) {
		rotation_free(r);
		return -1;
	}
	return 0;
}

static void overrides_free(struct override_row *ov, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ov[i].person);
		free(ov[i].reason);
		free(ov[i].created_by);
	}
	free(ov);
}

/* The overrides of `rotation` overlapping [from, to), by id (creation order). */
static int overrides_load(struct store_conn *c, int64_t rotation, int64_t from, int64_t to,
			  struct override_row **out, size_t *nout)
{
	struct store_stmt *st = store_bind(c, STMT_OVERRIDE_LIST, "iii", rotation, from, to);
	struct override_row *ov = NULL;
	size_t n = 0, cap = 0;
	int step = -1;

	*out = NULL;
	*nout = 0;
	while (st && (step = store_step(st)) == 1 && n < OVERRIDES_READ_MAX) {
		if (n == cap) {
			struct override_row *grown = realloc(ov, (cap ? cap * 2 : 8) * sizeof(*ov));

			if (grown == NULL) {
				step = -1;
				break;
			}
			ov = grown;
			cap = cap ? cap * 2 : 8;
		}
		memset(&ov[n], 0, sizeof(ov[n]));
		ov[n].id = store_col_int(st, 0);
		ov[n].person = strdup(store_col_text(st, 2));
		ov[n].from = store_col_int(st, 3);
		ov[n].to = store_col_int(st, 4);
		ov[n].reason = dup_or_null(st, 5);
		ov[n].created_at = store_col_int(st, 6);
		ov[n].created_by = strdup(store_col_text(st, 7));
		n++;
		if (ov[n - 1].person == NULL || ov[n - 1].created_by == NULL) {
			step = -1;
			break;
		}
	}
	if (st)
		store_reset(st);
	if (step < 0) {
		overrides_free(ov, n);
		return -1;
	}
	*out = ov;
	*nout = n;
	return 0;
}

static int load_one(struct store_conn *c, enum stmt id, int64_t key, const char *what,
		    void *row, int (*read)(struct store_stmt *, void *), struct api_error *err)
{
	struct store_stmt *st = store_bind(c, id, "i", key);
	int rc = st ? store_step(st) : -1;

	if (rc == 1 && read(st, row) != 0)
		rc = -1;
	if (st)
		store_reset(st);
	if (rc == 0)
		return api_error_set(err, 404, "not_found", NULL, "no %s %lld", what, (long long)key);
	if (rc != 1)
		return io_error(err);
	return 0;
}

static int team_read_v(struct store_stmt *st, void *row)
{
	return team_read(st, row);
}

static int rotation_read_v(struct store_stmt *st, void *row)
{
	return rotation_read(st, row);
}

static int team_load(struct store_conn *c, int64_t id, struct team *t, struct api_error *err)
{
	memset(t, 0, sizeof(*t));
	return load_one(c, STMT_TEAM_GET, id, "team", t, team_read_v, err);
}

static int rotation_load(struct store_conn *c, int64_t id, struct rotation *r,
			 struct api_error *err)
{
	memset(r, 0, sizeof(*r));
	return load_one(c, STMT_ROTATION_GET, id, "rotation", r, rotation_read_v, err);
}

/* The rotations of `team` (0: of every team), by team then id. */
static int rotations_load(struct store_conn *c, int64_t team, struct rotation **out, size_t *nout)
{
	struct store_stmt *st = store_bind(c, STMT_ROTATION_LIST, "z", team);
	struct rotation *rs = NULL;
	size_t n = 0, cap = 0;
	int step = -1;

	*out = NULL;
	*nout = 0;
	while (st && (step = store_step(st)) == 1) {
		if (n == cap) {
			struct rotation *grown = realloc(rs, (cap ? cap * 2 : 8) * sizeof(*rs));

			if (grown == NULL) {
				step = -1;
				break;
			}
			rs = grown;
			cap = cap ? cap * 2 : 8;
		}
		if (rotation_read(st, &rs[n]) != 0) {
			step = -1;
			break;
		}
		n++;
	}
	if (st)
		store_reset(st);
	if (step < 0) {
		for (size_t i = 0; i < n; i++)
			rotation_free(&rs[i]);
		free(rs);
		return -1;
	}
	*out = rs;
	*nout = n;
	return 0;
}

static void rotations_free(struct rotation *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rotation_free(&rs[i]);
	free(rs);
}

/* The email of `person` among the team's members, or NULL. */
static const char *member_email(const struct team *t, const char *person)
{
	size_t i;
	json_t *m;

	json_array_foreach(t->members, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));

		if (name && person && strcmp(name, person) == 0)
			return json_string_value(json_object_get(m, "email"));
	}
	return NULL;
}

/* ================================================================ views */

char *teams_calendar_url(const struct app *app, int64_t rotation)
{
	unsigned char key[SECRET_BYTES];
	char token[ONCALL_CAL_TOKEN_LEN + 1];
	const char *base = app->public_url ? app->public_url : "";
	size_t len = strlen(base);
	struct buf b;

	while (len && base[len - 1] == '/')
		len--;
	secret_derive(app->secret, "calendar", key);
	oncall_calendar_token(key, rotation, token);
	buf_init(&b, 4096);
	if (buf_printf(&b, "%.*s/api/v1/rotations/%lld/calendar.ics?token=%s", (int)len, base,
		       (long long)rotation, token) != 0)
		return NULL;
	return buf_detach(&b);
}

static json_t *team_json(const struct team *t)
{
	return json_pack("{s:I, s:s, s:o, s:o, s:i, s:O, s:O, s:o, s:o}", "id", (json_int_t)t->id,
			 "name", t->name, "manager", json_string_or_null(t->manager), "managerEmail",
			 json_string_or_null(t->manager_email), "ackMinutes", t->ack_minutes, "steps",
			 t->steps, "members", t->members, "createdAt", json_time_or_null(t->created_at),
			 "updatedAt", json_time_or_null(t->updated_at));
}

static json_t *override_json(const struct override_row *o, int64_t rotation)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:s}", "id", (json_int_t)o->id,
			 "rotation", (json_int_t)rotation, "person", o->person, "from",
			 json_time_or_null(o->from), "to", json_time_or_null(o->to), "reason",
			 json_string_or_null(o->reason), "createdAt", json_time_or_null(o->created_at),
			 "createdBy", o->created_by);
}

/* The arithmetic's view of a stored rotation; -1 when its zone cannot be loaded. */
static int rotation_spec(const struct rotation *r, struct tz_zone **zone,
			 struct oncall_rotation *spec)
{
	memset(spec, 0, sizeof(*spec));
	if (tz_load(r->zone, zone) != 0)
		return -1;
	spec->zone = *zone;
	spec->shift_hours = r->shift_hours;
	spec->handover_minutes = oncall_parse_handover(r->handover);
	spec->nmembers = json_array_size(r->order);
	if (spec->handover_minutes < 0 || oncall_parse_date(r->start_date, &spec->start_day) != 0 ||
	    !oncall_shift_hours_valid(spec->shift_hours)) {
		tz_free(*zone);
		*zone = NULL;
		return -1;
	}
	return 0;
}

/* Who holds rotation `r` at `at`: {person, email, since, until, override} or null. */
struct holder {
	const char *person; /* borrowed from the rotation or the overrides; NULL: nobody */
	const struct override_row *override;
	struct oncall_slot slot;
};

static void holder_at(const struct rotation *r, const struct oncall_rotation *spec,
		      const struct override_row *rows, size_t nrows,
		      const struct oncall_override *ov, int64_t at, struct holder *h)
{
	memset(h, 0, sizeof(*h));
	oncall_at(spec, ov, nrows, at, &h->slot);
	if (h->slot.override >= 0) {
		h->override = &rows[h->slot.override];
		h->person = h->override->person;
	} else if (h->slot.member >= 0) {
		h->person = json_string_value(json_array_get(r->order, (size_t)h->slot.member));
	}
}

static json_t *holder_json(const struct holder *h, const struct team *t)
{
	json_t *ov = json_null();

	if (h->person == NULL)
		return json_null();
	if (h->override)
		ov = json_pack("{s:I, s:o}", "id", (json_int_t)h->override->id, "reason",
			       json_string_or_null(h->override->reason));
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "person", h->person, "email",
			 json_string_or_null(member_email(t, h->person)), "since",
			 json_time_or_null(h->slot.since), "until", json_time_or_null(h->slot.until),
			 "override", ov);
}

/* The rotation's holder now and next, with the overrides around `at`. */
struct rotation_now {
	struct holder now, next;
	struct override_row *rows;
	size_t nrows;
	struct oncall_override *ov;
	struct tz_zone *zone;
	struct oncall_rotation spec;
};

static void rotation_now_free(struct rotation_now *rn)
{
	overrides_free(rn->rows, rn->nrows);
	free(rn->ov);
	tz_free(rn->zone);
	memset(rn, 0, sizeof(*rn));
}

/* 0, or -1 when the store failed (the zone missing makes nobody on call, not an error). */
static int rotation_now_compute(struct store_conn *c, const struct rotation *r, int64_t at,
				struct rotation_now *rn)
{
	memset(rn, 0, sizeof(*rn));
	if (overrides_load(c, r->id, at - OVERRIDE_LOOKBACK_MS, at + OVERRIDE_LOOKAHEAD_MS,
			   &rn->rows, &rn->nrows) != 0)
		return -1;
	rn->ov = calloc(rn->nrows ? rn->nrows : 1, sizeof(*rn->ov));
	if (rn->ov == NULL) {
		rotation_now_free(rn);
		return -1;
	}
	for (size_t i = 0; i < rn->nrows; i++)
		rn->ov[i] = (struct oncall_override){rn->rows[i].from, rn->rows[i].to};
	if (rotation_spec(r, &rn->zone, &rn->spec) != 0)
		return 0; /* a zone the system lost: nobody on call, still answerable */
	holder_at(r, &rn->spec, rn->rows, rn->nrows, rn->ov, at, &rn->now);
	holder_at(r, &rn->spec, rn->rows, rn->nrows, rn->ov, rn->now.slot.until, &rn->next);
	return 0;
}

static json_t *rotation_json(const struct app *app, const struct rotation *r, const struct team *t,
			     const struct rotation_now *rn, bool with_overrides)
{
	json_t *o, *order = json_array(), *name;
	char *url = teams_calendar_url(app, r->id);
	size_t i;

	if (order == NULL || url == NULL)
		goto fail;
	json_array_foreach(r->order, i, name) {
		const char *n = json_string_value(name);

		if (json_array_append_new(order, json_pack("{s:s, s:o}", "name", n ? n : "", "email",
							   json_string_or_null(member_email(t, n)))) != 0)
			goto fail;
	}
	o = json_pack("{s:I, s:{s:I, s:s}, s:s, s:i, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:s}",
		      "id", (json_int_t)r->id, "team", "id", (json_int_t)t->id, "name", t->name,
		      "name", r->name, "shiftHours", r->shift_hours, "handoverTime", r->handover,
		      "zone", r->zone, "startDate", r->start_date, "order", order, "calendarUrl", url,
		      "oncall", holder_json(&rn->now, t), "next", holder_json(&rn->next, t),
		      "createdAt", json_time_or_null(r->created_at), "createdBy", r->created_by);
	order = NULL;
	free(url);
	url = NULL;
	if (o && with_overrides) {
		json_t *list = json_array();

		for (size_t k = 0; list && k < rn->nrows; k++)
			if (json_array_append_new(list, override_json(&rn->rows[k], r->id)) != 0) {
				json_decref(list);
				list = NULL;
			}
		if (list == NULL || json_object_set_new(o, "overrides", list) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
fail:
	json_decref(order);
	free(url);
	return NULL;
}

/* The team with its rotations (each with who holds it at `at`). */
static json_t *team_full_json(struct store_conn *c, const struct app *app, const struct team *t,
			      int64_t at)
{
	struct rotation *rs = NULL;
	size_t n = 0;
	json_t *o = team_json(t), *list = json_array();

	if (o == NULL || list == NULL || rotations_load(c, t->id, &rs, &n) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct rotation_now rn;
		json_t *ro;

		if (rotation_now_compute(c, &rs[i], at, &rn) != 0)
			goto fail;
		ro = rotation_json(app, &rs[i], t, &rn, false);
		rotation_now_free(&rn);
		if (json_array_append_new(list, ro) != 0)
			goto fail;
	}
	rotations_free(rs, n);
	if (json_object_set_new(o, "rotations", list) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	rotations_free(rs, n);
	json_decref(list);
	json_decref(o);
	return NULL;
}

/* ================================================================ validation */

static bool email_plausible(const char *s)
{
	const char *at = strchr(s, '@');

	return at && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
	       strpbrk(s, " \t\r\n<>,;\"") == NULL;
}

/* members: [{name, email?}], names 1..TEAM_PERSON_MAX, unique; a clean copy in `*out`. */
static int members_check(json_t *members, json_t **out, struct api_error *err)
{
	json_t *clean = json_array(), *m;
	size_t i;

	*out = NULL;
	if (clean == NULL)
		return io_error(err);
	if (!json_is_array(members) || json_array_size(members) > ONCALL_MEMBERS_MAX) {
		json_decref(clean);
		return api_error_set(err, 400, "invalid_field", "members",
				     "members must be an array of at most %d {name, email}",
				     ONCALL_MEMBERS_MAX);
	}
	json_array_foreach(members, i, m) {
		json_t *name = json_object_get(m, "name"), *email = json_object_get(m, "email");
		const char *key;
		json_t *v;
		char trimmed[PERSON_BUF];

		json_object_foreach(m, key, v) {
			if (strcmp(key, "name") != 0 && strcmp(key, "email") != 0) {
				json_decref(clean);
				return api_error_set(err, 400, "unknown_field", "members",
						     "members[%zu] has an unknown field '%.40s'", i, key);
			}
		}
		if (!json_is_object(m) || !json_is_string(name) ||
		    utf8_length(json_string_value(name)) > TEAM_PERSON_MAX) {
			json_decref(clean);
			return api_error_set(err, 400, "invalid_field", "members",
					     "members[%zu] needs a name of 1..%d characters", i,
					     TEAM_PERSON_MAX);
		}
		str_trim_copy(trimmed, json_string_value(name), sizeof(trimmed));
		if (*trimmed == '\0') {
			json_decref(clean);
			return api_error_set(err, 400, "invalid_field", "members",
					     "members[%zu] needs a name", i);
		}
		if (email && !json_is_null(email) &&
		    (!json_is_string(email) || strlen(json_string_value(email)) > TEAM_EMAIL_MAX ||
		     !email_plausible(json_string_value(email)))) {
			json_decref(clean);
			return api_error_set(err, 400, "invalid_field", "members",
					     "members[%zu].email is not an address", i);
		}
		for (size_t k = 0; k < json_array_size(clean); k++) {
			if (strcmp(json_string_value(json_object_get(json_array_get(clean, k), "name")),
				   trimmed) == 0) {
				json_decref(clean);
				return api_error_set(err, 400, "invalid_field", "members",
						     "'%.200s' is a member twice", trimmed);
			}
		}
		if (json_array_append_new(clean, json_pack("{s:s, s:o}", "name", trimmed, "email",
							   json_string_or_null(json_is_string(email) ? json_string_value(email) : NULL))) != 0) {
			json_decref(clean);
			return io_error(err);
		}
	}
	*out = clean;
	return 0;
}

static int steps_check(json_t *steps, struct api_error *err)
{
	size_t i;
	json_t *s;

	if (!json_is_array(steps) || json_array_size(steps) > TEAM_STEPS_MAX)
		return api_error_set(err, 400, "invalid_field", "steps",
				     "steps must be an array of at most %d of next, manager",
				     TEAM_STEPS_MAX);
	json_array_foreach(steps, i, s) {
		const char *v = json_string_value(s);

		if (v == NULL || (strcmp(v, "next") != 0 && strcmp(v, "manager") != 0))
			return api_error_set(err, 400, "invalid_field", "steps",
					     "steps[%zu] must be next or manager", i);
	}
	return 0;
}

static bool member_named(json_t *members, const char *name)
{
	size_t i;
	json_t *m;

	json_array_foreach(members, i, m) {
		const char *n = json_string_value(json_object_get(m, "name"));

		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* ================================================================ teams */

struct team_cmd {
	struct cmd base;
	int64_t id;
	const struct team_input *in;
	const struct rotation_input *rin;
	const struct override_input *oin;
};

static const char *opt_text(const char *s)
{
	return s && *s ? s : NULL;
}

/* Applies `in` to `t` (name already trimmed into `name`). */
static int team_apply(struct team *t, const struct team_input *in, const char *name,
		      struct api_error *err)
{
	if (name) {
		free(t->name);
		t->name = strdup(name);
		if (t->name == NULL)
			return io_error(err);
	}
	if (in->has_manager) {
		free(t->manager);
		t->manager = opt_text(in->manager) ? strdup(in->manager) : NULL;
	}
	if (in->has_manager_email) {
		if (opt_text(in->manager_email) && !email_plausible(in->manager_email))
			return api_error_set(err, 400, "invalid_field", "managerEmail",
					     "managerEmail is not an address");
		free(t->manager_email);
		t->manager_email = opt_text(in->manager_email) ? strdup(in->manager_email) : NULL;
	}
	if (in->has_ack_minutes)
		t->ack_minutes = in->ack_minutes;
	if (in->steps) {
		if (steps_check(in->steps, err) != 0)
			return -1;
		json_decref(t->steps);
		t->steps = json_deep_copy(in->steps);
	}
	if (in->members) {
		json_t *clean;

		if (members_check(in->members, &clean, err) != 0)
			return -1;
		json_decref(t->members);
		t->members = clean;
	}
	if (t->steps == NULL || t->members == NULL)
		return io_error(err);
	return 0;
}

static int team_save(struct store_conn *c, struct team *t, bool insert)
{
	char *steps = json_to_text(t->steps), *members = json_to_text(t->members);
	int rc = -1;

	if (steps && members) {
		if (insert)
			rc = store_query_int(c, &t->id, 0, STMT_TEAM_INSERT, "tttittii", t->name,
					     t->manager, t->manager_email, (int64_t)t->ack_minutes,
					     steps, members, t->created_at, t->updated_at);
		else
			rc = store_run(c, STMT_TEAM_UPDATE, "tttittii", t->name, t->manager,
				       t->manager_email, (int64_t)t->ack_minutes, steps, members,
				       t->updated_at, t->id);
	}
	free(steps);
	free(members);
	return rc;
}

static int name_taken(struct api_error *err, const char *name)
{
	return api_error_set(err, 409, "already_exists", "name", "a team named '%.100s' exists",
			     name);
}

static int cmd_team_create(struct store_conn *c, void *arg)
{
	struct team_cmd *tc = arg;
	struct cmd *cmd = &tc->base;
	struct team t = {0};
	char name[NAME_BUF];
	int64_t existing = 0, count = 0;
	struct store_stmt *st;
	int rc = -1;

	str_trim_copy(name, tc->in->name ? tc->in->name : "", sizeof(name));
	if (*name == '\0')
		return api_error_set(cmd->err, 400, "invalid_field", "name", "name must not be blank");
	if (store_query_int(c, &existing, 0, STMT_TEAM_FIND, "t", name) != 0)
		return io_error(cmd->err);
	if (existing)
		return name_taken(cmd->err, name);
	st = store_bind(c, STMT_TEAM_LIST, "");
	while (st && store_step(st) == 1)
		count++;
	if (st)
		store_reset(st);
	if (count >= TEAMS_MAX)
		return api_error_set(cmd->err, 409, "limit_reached", NULL, "there are %d teams already",
				     TEAMS_MAX);
	t.ack_minutes = TEAM_ACK_MINUTES_DEFAULT;
	t.steps = json_pack("[s, s]", "next", "manager");
	t.members = json_array();
	t.created_at = t.updated_at = cmd->now;
	if (team_apply(&t, tc->in, name, cmd->err) != 0)
		goto done;
	if (team_save(c, &t, true) != 0 || t.id <= 0) {
		io_error(cmd->err);
		goto done;
	}
	cmd->result = team_full_json(c, cmd->app, &t, cmd->now);
	rc = cmd->result ? 0 : io_error(cmd->err);
done:
	team_free(&t);
	return rc;
}

int teams_create(struct app *app, const char *actor, const struct team_input *in, json_t **out,
		 struct api_error *err)
{
	struct team_cmd tc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
			      .in = in};

	return run_command(&tc.base, cmd_team_create, out);
}

static int cmd_team_patch(struct store_conn *c, void *arg)
{
	struct team_cmd *tc = arg;
	struct cmd *cmd = &tc->base;
	struct team t;
	struct rotation *rs = NULL;
	size_t nrs = 0;
	char name[NAME_BUF] = "";
	int rc = -1;

	if (team_load(c, tc->id, &t, cmd->err) != 0)
		return -1;
	if (tc->in->name) {
		int64_t existing = 0;

		str_trim_copy(name, tc->in->name, sizeof(name));
		if (*name == '\0') {
			api_error_set(cmd->err, 400, "invalid_field", "name", "name must not be blank");
			goto done;
		}
		if (store_query_int(c, &existing, 0, STMT_TEAM_FIND, "t", name) != 0) {
			io_error(cmd->err);
			goto done;
		}
		if (existing && existing != t.id) {
			name_taken(cmd->err, name);
			goto done;
		}
	}
	if (team_apply(&t, tc->in, tc->in->name ? name : NULL, cmd->err) != 0)
		goto done;
	/* Nobody leaves the team while a rotation's order still names them. */
	if (tc->in->members) {
		if (rotations_load(c, t.id, &rs, &nrs) != 0) {
			io_error(cmd->err);
			goto done;
		}
		for (size_t i = 0; i < nrs; i++) {
			size_t k;
			json_t *n;

			json_array_foreach(rs[i].order, k, n) {
				if (!member_named(t.members, json_string_value(n))) {
					api_error_set(cmd->err, 409, "in_use", "members",
						      "'%.200s' is in the order of rotation '%.100s'",
						      json_string_value(n), rs[i].name);
					goto done;
				}
			}
		}
	}
	t.updated_at = cmd->now;
	if (team_save(c, &t, false) != 0) {
		io_error(cmd->err);
		goto done;
	}
	cmd->result = team_full_json(c, cmd->app, &t, cmd->now);
	rc = cmd->result ? 0 : io_error(cmd->err);
done:
	rotations_free(rs, nrs);
	team_free(&t);
	return rc;
}

int teams_patch(struct app *app, const char *actor, int64_t id, const struct team_input *in,
		json_t **out, struct api_error *err)
{
	struct team_cmd tc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
			      .id = id,
			      .in = in};

	return run_command(&tc.base, cmd_team_patch, out);
}

int teams_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct team t;
	int rc = -1;

	if (team_load(c, id, &t, err) == 0) {
		*out = team_full_json(c, app, &t, app_now(app));
		rc = *out ? 0 : io_error(err);
		team_free(&t);
	}
	store_read_end(app->store, c);
	return rc;
}

/* Every team, by name; `fn` turns each into its JSON. */
static int teams_each(struct app *app, int64_t at, const char *key,
		      json_t *(*fn)(struct store_conn *, const struct app *, const struct team *,
				    int64_t),
		      json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st = store_bind(c, STMT_TEAM_LIST, "");
	struct team *ts = NULL;
	size_t n = 0, cap = 0;
	json_t *list = json_array();
	int step = -1, rc = -1;

	while (st && list && (step = store_step(st)) == 1) {
		if (n == cap) {
			struct team *grown = realloc(ts, (cap ? cap * 2 : 16) * sizeof(*ts));

			if (grown == NULL) {
				step = -1;
				break;
			}
			ts = grown;
			cap = cap ? cap * 2 : 16;
		}
		if (team_read(st, &ts[n]) != 0) {
			step = -1;
			break;
		}
		n++;
	}
	if (st)
		store_reset(st);
	if (step < 0 || list == NULL) {
		io_error(err);
		goto done;
	}
	/* The statement is done with before each team's rotations are read. */
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(list, fn(c, app, &ts[i], at)) != 0) {
			io_error(err);
			goto done;
		}
	}
	*out = json_pack("{s:O}", key, list);
	rc = *out ? 0 : io_error(err);
done:
	for (size_t i = 0; i < n; i++)
		team_free(&ts[i]);
	free(ts);
	json_decref(list);
	store_read_end(app->store, c);
	return rc;
}

int teams_list(struct app *app, json_t **out, struct api_error *err)
{
	return teams_each(app, app_now(app), "teams", team_full_json, out, err);
}

/* ================================================================ rotations */

static int cmd_rotation_create(struct store_conn *c, void *arg)
{
	struct team_cmd *tc = arg;
	struct cmd *cmd = &tc->base;
	const struct rotation_input *in = tc->rin;
	struct team t;
	struct rotation r = {0};
	struct rotation *rs = NULL;
	size_t nrs = 0, i;
	char name[NAME_BUF];
	char *order_text = NULL;
	struct tz_zone *zone = NULL;
	int64_t day;
	json_t *n;
	int rc = -1;

	if (team_load(c, tc->id, &t, cmd->err) != 0)
		return -1;
	str_trim_copy(name, in->name ? in->name : "", sizeof(name));
	if (*name == '\0') {
		api_error_set(cmd->err, 400, "invalid_field", "name", "name must not be blank");
		goto done;
	}
	if (!oncall_shift_hours_valid(in->shift_hours)) {
		api_error_set(cmd->err, 400, "invalid_field", "shiftHours",
			      "shiftHours must divide 24 (1, 2, 3, 4, 6, 8, 12) or be a multiple "
			      "of 24 up to %d", ONCALL_SHIFT_HOURS_MAX);
		goto done;
	}
	if (oncall_parse_handover(in->handover) < 0) {
		api_error_set(cmd->err, 400, "invalid_field", "handoverTime",
			      "handoverTime must be HH:MM, 00:00..23:59");
		goto done;
	}
	if (tz_load(in->zone, &zone) != 0) {
		api_error_set(cmd->err, 400, "invalid_field", "zone",
			      "zone must be an IANA time zone such as Europe/Berlin");
		goto done;
	}
	if (oncall_parse_date(in->start_date, &day) != 0) {
		api_error_set(cmd->err, 400, "invalid_field", "startDate",
			      "startDate must be a date, YYYY-MM-DD");
		goto done;
	}
	if (!json_is_array(in->order) || json_array_size(in->order) == 0) {
		api_error_set(cmd->err, 400, "invalid_field", "order",
			      "order must name at least one member of the team");
		goto done;
	}
	json_array_foreach(in->order, i, n) {
		const char *who = json_string_value(n);

		if (who == NULL || !member_named(t.members, who)) {
			api_error_set(cmd->err, 400, "invalid_field", "order",
				      "order[%zu] '%.200s' is not a member of team '%.100s'", i,
				      who ? who : "", t.name);
			goto done;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_array_get(in->order, k)), who) == 0) {
				api_error_set(cmd->err, 400, "invalid_field", "order",
					      "'%.200s' is in the order twice", who);
				goto done;
			}
	}
	if (rotations_load(c, t.id, &rs, &nrs) != 0) {
		io_error(cmd->err);
		goto done;
	}
	if (nrs >= TEAM_ROTATIONS_MAX) {
		api_error_set(cmd->err, 409, "limit_reached", NULL, "team '%.100s' has %d rotations",
			      t.name, TEAM_ROTATIONS_MAX);
		goto done;
	}
	for (size_t k = 0; k < nrs; k++)
		if (strcmp(rs[k].name, name) == 0) {
			api_error_set(cmd->err, 409, "already_exists", "name",
				      "team '%.100s' has a rotation named '%.100s'", t.name, name);
			goto done;
		}
	order_text = json_to_text(in->order);
	r.team = t.id;
	r.name = strdup(name);
	r.created_by = strdup(cmd->actor);
	r.shift_hours = in->shift_hours;
	r.created_at = cmd->now;
	str_copy(r.handover, in->handover, sizeof(r.handover));
	str_copy(r.zone, in->zone, sizeof(r.zone));
	str_copy(r.start_date, in->start_date, sizeof(r.start_date));
	r.order = json_deep_copy(in->order);
	if (order_text == NULL || r.name == NULL || r.created_by == NULL || r.order == NULL ||
	    store_query_int(c, &r.id, 0, STMT_ROTATION_INSERT, "itittttit", r.team, r.name,
			    (int64_t)r.shift_hours, r.handover, r.zone, r.start_date, order_text,
			    r.created_at, r.created_by) != 0 ||
	    r.id <= 0) {
		io_error(cmd->err);
		goto done;
	}
	{
		struct rotation_now rn;

		if (rotation_now_compute(c, &r, cmd->now, &rn) != 0) {
			io_error(cmd->err);
			goto done;
		}
		cmd->result = rotation_json(cmd->app, &r, &t, &rn, true);
		rotation_now_free(&rn);
	}
	rc = cmd->result ? 0 : io_error(cmd->err);
done:
	tz_free(zone);
	free(order_text);
	rotations_free(rs, nrs);
	rotation_free(&r);
	team_free(&t);
	return rc;
}

int teams_rotation_create(struct app *app, const char *actor, int64_t team,
			  const struct rotation_input *in, json_t **out, struct api_error *err)
{
	struct team_cmd tc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
			      .id = team,
			      .rin = in};

	return run_command(&tc.base, cmd_rotation_create, out);
}

/* The rotation with its team, holders and the overrides around `at`. */
static json_t *rotation_view(struct store_conn *c, const struct app *app, int64_t id, int64_t at,
			     struct api_error *err)
{
	struct rotation r;
	struct team t;
	struct rotation_now rn;
	json_t *o = NULL;

	if (rotation_load(c, id, &r, err) != 0)
		return NULL;
	if (team_load(c, r.team, &t, err) != 0) {
		rotation_free(&r);
		return NULL;
	}
	if (rotation_now_compute(c, &r, at, &rn) == 0) {
		o = rotation_json(app, &r, &t, &rn, true);
		rotation_now_free(&rn);
	}
	if (o == NULL)
		io_error(err);
	team_free(&t);
	rotation_free(&r);
	return o;
}

int teams_rotation_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);

	*out = rotation_view(c, app, id, app_now(app), err);
	store_read_end(app->store, c);
	return *out ? 0 : -1;
}

static int cmd_override_create(struct store_conn *c, void *arg)
{
	struct team_cmd *tc = arg;
	struct cmd *cmd = &tc->base;
	const struct override_input *in = tc->oin;
	struct rotation r;
	struct override_row o = {0};
	char person[PERSON_BUF];
	int rc = -1;

	if (rotation_load(c, tc->id, &r, cmd->err) != 0)
		return -1;
	str_trim_copy(person, in->person ? in->person : "", sizeof(person));
	if (*person == '\0') {
		api_error_set(cmd->err, 400, "invalid_field", "person", "person must not be blank");
		goto done;
	}
	if (in->to <= in->from) {
		api_error_set(cmd->err, 400, "invalid_field", "to", "to must be after from");
		goto done;
	}
	if (in->to - in->from > OVERRIDE_SPAN_MAX_MS) {
		api_error_set(cmd->err, 400, "invalid_field", "to",
			      "an override lasts at most 90 days");
		goto done;
	}
	if (in->to <= cmd->now) {
		api_error_set(cmd->err, 400, "invalid_field", "to",
			      "the override's window is already over");
		goto done;
	}
	o.person = person;
	o.from = in->from;
	o.to = in->to;
	o.reason = (char *)(uintptr_t)opt_text(in->reason);
	o.created_at = cmd->now;
	o.created_by = (char *)(uintptr_t)cmd->actor;
	if (store_query_int(c, &o.id, 0, STMT_OVERRIDE_INSERT, "itiitit", r.id, o.person, o.from,
			    o.to, o.reason, o.created_at, o.created_by) != 0 ||
	    o.id <= 0) {
		io_error(cmd->err);
		goto done;
	}
	cmd->result = override_json(&o, r.id);
	rc = cmd->result ? 0 : io_error(cmd->err);
done:
	rotation_free(&r);
	return rc;
}

int teams_override_create(struct app *app, const char *actor, int64_t rotation,
			  const struct override_input *in, json_t **out, struct api_error *err)
{
	struct team_cmd tc = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
			      .id = rotation,
			      .oin = in};

	return run_command(&tc.base, cmd_override_create, out);
}

/* ================================================================ who is on call */

static json_t *team_oncall_json(struct store_conn *c, const struct app *app, const struct team *t,
				int64_t at)
{
	struct rotation *rs = NULL;
	size_t n = 0;
	json_t *list = json_array(), *primary = json_null(), *next = json_null(), *o = NULL;

	if (list == NULL || rotations_load(c, t->id, &rs, &n) != 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		struct rotation_now rn;
		json_t *now_j, *next_j, *ro;

		if (rotation_now_compute(c, &rs[i], at, &rn) != 0)
			goto done;
		now_j = holder_json(&rn.now, t);
		next_j = holder_json(&rn.next, t);
		rotation_now_free(&rn);
		if (now_j == NULL || next_j == NULL) {
			json_decref(now_j);
			json_decref(next_j);
			goto done;
		}
		/* The first rotation with somebody on it answers for the team. */
		if (json_is_null(primary) && !json_is_null(now_j)) {
			json_decref(primary);
			json_decref(next);
			primary = json_deep_copy(now_j);
			next = json_deep_copy(next_j);
			json_object_set_new(primary, "rotation",
					    json_pack("{s:I, s:s}", "id", (json_int_t)rs[i].id, "name",
						      rs[i].name));
		}
		ro = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)rs[i].id, "name", rs[i].name,
			       "oncall", now_j, "next", next_j);
		if (json_array_append_new(list, ro) != 0)
			goto done;
	}
	o = json_pack("{s:{s:I, s:s}, s:O, s:O, s:O}", "team", "id", (json_int_t)t->id, "name",
		      t->name, "oncall", primary, "next", next, "rotations", list);
done:
	rotations_free(rs, n);
	json_decref(list);
	json_decref(primary);
	json_decref(next);
	return o;
}

int teams_oncall(struct app *app, int64_t at, json_t **out, struct api_error *err)
{
	json_t *teams = NULL;

	if (teams_each(app, at, "teams", team_oncall_json, &teams, err) != 0)
		return -1;
	*out = json_pack("{s:o, s:O}", "at", json_time_or_null(at), "teams",
			 json_object_get(teams, "teams"));
	json_decref(teams);
	return *out ? 0 : io_error(err);
}

/* ================================================================ the calendar */

static int ics_event(struct buf *b, const char *uid, int64_t from, int64_t to, int64_t stamp,
		     const char *summary, const char *description)
{
	char start[17], end[17], now[17];

	oncall_ics_time(from, start);
	oncall_ics_time(to, end);
	oncall_ics_time(stamp, now);
	if (buf_append_str(b, "BEGIN:VEVENT\r\n") != 0 || oncall_ics_line(b, "UID", uid, false) != 0 ||
	    oncall_ics_line(b, "DTSTAMP", now, false) != 0 ||
	    oncall_ics_line(b, "DTSTART", start, false) != 0 ||
	    oncall_ics_line(b, "DTEND", end, false) != 0 ||
	    oncall_ics_line(b, "SUMMARY", summary, true) != 0 ||
	    (description && oncall_ics_line(b, "DESCRIPTION", description, true) != 0) ||
	    oncall_ics_line(b, "TRANSP", "TRANSPARENT", false) != 0 ||
	    buf_append_str(b, "END:VEVENT\r\n") != 0)
		return -1;
	return 0;
}

int teams_calendar(struct app *app, int64_t rotation, const char *token, int weeks, char **out,
		   struct api_error *err)
{
	unsigned char key[SECRET_BYTES];
	struct store_conn *c;
	struct rotation r = {0};
	struct team t = {0};
	struct override_row *ov = NULL;
	size_t nov = 0;
	struct tz_zone *zone = NULL;
	struct oncall_rotation spec;
	struct buf b;
	int64_t now = app_now(app), end = now + (int64_t)weeks * 7 * DAY_MS, k;
	char text[1024], uid[128];
	int rc = -1;

	*out = NULL;
	secret_derive(app->secret, "calendar", key);
	if (!oncall_calendar_verify(key, rotation, token))
		return api_error_set(err, 403, "forbidden", "token",
				     "this calendar link is not valid; copy it again from the rotation");
	buf_init(&b, CALENDAR_MAX);
	c = store_read_begin(app->store);
	if (rotation_load(c, rotation, &r, err) != 0 || team_load(c, r.team, &t, err) != 0)
		goto done;
	if (overrides_load(c, r.id, now, end, &ov, &nov) != 0) {
		io_error(err);
		goto done;
	}
	snprintf(text, sizeof(text), "On call: %s (%s)", r.name, t.name);
	if (buf_append_str(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") != 0 ||
	    oncall_ics_line(&b, "PRODID", "-//MajorOps//On-call//EN", false) != 0 ||
	    buf_append_str(&b, "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n") != 0 ||
	    oncall_ics_line(&b, "X-WR-CALNAME", text, true) != 0)
		goto io;
	/* A rotation whose zone the system lost has no shifts to show, only overrides. */
	if (rotation_spec(&r, &zone, &spec) == 0) {
		k = oncall_shift_at(&spec, now);
		if (k < 0)
			k = 0;
		for (; oncall_shift_start(&spec, k) < end; k++) {
			int64_t from = oncall_shift_start(&spec, k), to = oncall_shift_start(&spec, k + 1);
			const char *who = json_string_value(
				json_array_get(r.order, (size_t)(k % (int64_t)spec.nmembers)));

			if (to <= from || who == NULL)
				continue;
			snprintf(uid, sizeof(uid), "rotation-%lld-shift-%lld@majorops", (long long)r.id,
				 (long long)k);
			snprintf(text, sizeof(text), "On call: %s (%s, %s)", who, t.name, r.name);
			if (ics_event(&b, uid, from, to, now, text,
				      "Shift of the rotation; overrides are separate events.") != 0)
				goto io;
		}
	}
	for (size_t i = 0; i < nov; i++) {
		snprintf(uid, sizeof(uid), "rotation-%lld-override-%lld@majorops", (long long)r.id,
			 (long long)ov[i].id);
		snprintf(text, sizeof(text), "On call (override): %s (%s, %s)", ov[i].person, t.name,
			 r.name);
		if (ics_event(&b, uid, ov[i].from, ov[i].to, now, text, ov[i].reason) != 0)
			goto io;
	}
	if (buf_append_str(&b, "END:VCALENDAR\r\n") != 0)
		goto io;
	*out = buf_detach(&b);
	rc = *out ? 0 : io_error(err);
	goto done;
io:
	api_error_set(err, 500, "internal", NULL, "the calendar could not be written");
done:
	store_read_end(app->store, c);
	buf_free(&b);
	tz_free(zone);
	overrides_free(ov, nov);
	rotation_free(&r);
	team_free(&t);
	return rc;
}

/* ================================================================ for pages */

int teams_email_of(struct store_conn *c, const char *person, char *out, size_t outlen)
{
	struct store_stmt *st = store_bind(c, STMT_TEAM_LIST, "");
	int step = -1;

	*out = '\0';
	while (st && (step = store_step(st)) == 1) {
		struct team t;
		const char *email;

		if (team_read(st, &t) != 0) {
			step = -1;
			break;
		}
		email = member_email(&t, person);
		if (email == NULL && t.manager && strcmp(t.manager, person) == 0)
			email = t.manager_email;
		if (email)
			str_copy(out, email, outlen);
		team_free(&t);
		if (*out)
			break;
	}
	if (st)
		store_reset(st);
	return step < 0 ? -1 : 0;
}

static bool plan_has(json_t *plan, const char *person)
{
	size_t i;
	json_t *s;

	json_array_foreach(plan, i, s)
		if (strcmp(json_string_value(json_object_get(s, "person")), person) == 0)
			return true;
	return false;
}

static int plan_add(json_t *plan, const char *kind, const char *person, const char *email)
{
	return json_array_append_new(plan, json_pack("{s:s, s:s, s:o}", "kind", kind, "person",
						     person, "email", json_string_or_null(email)));
}

int teams_page_plan(struct store_conn *c, const char *name, int64_t id, int64_t now,
		    struct team_page_plan *out, struct api_error *err)
{
	struct team t;
	struct rotation *rs = NULL;
	size_t nrs = 0, i;
	int64_t found = id;
	int rc = -1;
	size_t s_i;
	bool failed = false;
	json_t *kind;

	memset(out, 0, sizeof(*out));
	if (name && store_query_int(c, &found, 0, STMT_TEAM_FIND, "t", name) != 0)
		return io_error(err);
	if (found <= 0)
		return 1;
	if (team_load(c, found, &t, err) != 0)
		return err->status == 404 ? 1 : -1;
	out->team = t.id;
	out->ack_minutes = t.ack_minutes;
	str_copy(out->team_name, t.name, sizeof(out->team_name));
	out->plan = json_array();
	if (out->plan == NULL || rotations_load(c, t.id, &rs, &nrs) != 0) {
		io_error(err);
		goto done;
	}
	/* The first rotation with somebody on call now is the team's. */
	for (i = 0; i < nrs; i++) {
		struct rotation_now rn;
		int member;

		if (rotation_now_compute(c, &rs[i], now, &rn) != 0) {
			io_error(err);
			goto done;
		}
		if (rn.now.person == NULL) {
			rotation_now_free(&rn);
			continue;
		}
		out->rotation = rs[i].id;
		str_copy(out->rotation_name, rs[i].name, sizeof(out->rotation_name));
		if (plan_add(out->plan, "oncall", rn.now.person, member_email(&t, rn.now.person)) != 0) {
			rotation_now_free(&rn);
			io_error(err);
			goto done;
		}
		/* "next": from the shift's own member when an override holds it, then on
		 * round the order; nobody twice. */
		member = rn.now.slot.member;
		if (member < 0 && rn.now.slot.shift >= 0 && rn.spec.nmembers)
			member = (int)((rn.now.slot.shift + (int64_t)rn.spec.nmembers - 1) %
				       (int64_t)rn.spec.nmembers);
		json_array_foreach(t.steps, s_i, kind) {
			const char *k = json_string_value(kind);

			if (strcmp(k, "manager") == 0) {
				if (t.manager && !plan_has(out->plan, t.manager) &&
				    plan_add(out->plan, "manager", t.manager, t.manager_email) != 0)
					failed = true;
				continue;
			}
			for (size_t tries = 0; tries < rn.spec.nmembers; tries++) {
				const char *who;

				member = oncall_next_member(&rn.spec, member);
				who = json_string_value(json_array_get(rs[i].order, (size_t)member));
				if (who && !plan_has(out->plan, who)) {
					if (plan_add(out->plan, "next", who, member_email(&t, who)) != 0)
						failed = true;
					break;
				}
			}
		}
		if (failed) {
			rotation_now_free(&rn);
			io_error(err);
			goto done;
		}
		rotation_now_free(&rn);
		break;
	}
	rc = out->rotation ? 0 : 2;
	if (rc == 2) {
		json_decref(out->plan);
		out->plan = NULL;
	}
done:
	if (rc < 0) {
		json_decref(out->plan);
		out->plan = NULL;
	}
	rotations_free(rs, nrs);
	team_free(&t);
	return rc;
}
