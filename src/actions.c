/* After Action reviews, action items and KPIs as commands and queries (actions.h). */
#include "actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "codec.h"
#include "parse.h"
#include "service_internal.h"

#define RELATED_SCAN 200   /* newest incidents compared for shared affected systems */
#define TIMELINE_PAGE 500  /* entries read per statement while loading a record */

/* ---- action items: rows ---- */

static json_t *action_row_json(struct store_stmt *st, int64_t now)
{
	struct action_item a = {
		.id = store_col_int(st, 0),
		.incident = store_col_int(st, 1),
		.title = store_col_text(st, 2),
		.owner = store_col_text(st, 3),
		.due_at = store_col_int(st, 4),
		.priority = store_col_text(st, 5),
		.tracker_url = store_col_null(st, 6) ? NULL : store_col_text(st, 6),
		.state = store_col_text(st, 7),
		.reason = store_col_null(st, 8) ? NULL : store_col_text(st, 8),
		.non_negotiable = store_col_int(st, 9) != 0,
		.created_at = store_col_int(st, 10),
		.created_by = store_col_text(st, 11),
		.updated_at = store_col_int(st, 12),
		.closed_at = store_col_null(st, 13) ? TIME_NONE : store_col_int(st, 13),
	};

	return afteraction_action_json(&a, now);
}

/* The item `id` as JSON; 404 when absent. */
static int action_load(struct store_conn *c, int64_t id, int64_t now, json_t **out,
		       struct api_error *err)
{
	struct store_stmt *st = store_bind(c, STMT_ACTION_GET, "i", id);
	int rc;

	*out = NULL;
	if (st == NULL)
		return io_error(err);
	rc = store_step(st);
	if (rc == 1)
		*out = action_row_json(st, now);
	store_reset(st);
	if (rc == 0)
		return api_error_set(err, 404, "not_found", NULL, "no action item %lld", (long long)id);
	if (rc < 0 || *out == NULL)
		return io_error(err);
	return 0;
}

/* Appends the items matching (state, incident, overdue at) to `list`. */
static int action_rows(struct store_conn *c, const char *state, int64_t incident,
		       int64_t overdue_at, int limit, int64_t now, json_t *list)
{
	struct store_stmt *st = store_bind(c, STMT_ACTION_LIST, "tzzi", state, incident, overdue_at,
					   (int64_t)limit);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1)
		if (json_array_append_new(list, action_row_json(st, now)) != 0) {
			rc = -1;
			break;
		}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* ---- action items: commands ---- */

struct action_cmd {
	struct cmd base;
	int64_t id;
	const struct action_input *in;
};

static int rule_refusal(struct api_error *err, const char *rule, const char *message)
{
	api_error_set(err, 409, "doctrine", NULL, "%s", message);
	str_copy(err->rule, rule, sizeof(err->rule));
	return -1;
}

/* Records the change of an item on its incident: a `command` entry and action.changed. */
static int action_record(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
			 const char *text, const char *change, json_t *item)
{
	json_t *payload = json_pack("{s:O, s:s}", "actionItem", json_object_get(item, "id"), "change",
				    change);
	struct record r = {.event_type = "action.changed", .entry_type = "command", .text = text,
			   .visibility = VISIBILITY_INTERNAL, .payload = payload,
			   .extra_key = "actionItem", .extra = item,
			   /* the incident itself did not change */
			   .without_state = true};
	int rc;

	if (payload == NULL)
		return io_error(cmd->err);
	rc = record_change(c, cmd, inc, &r);
	json_decref(payload);
	json_decref(r.entry_out);
	return rc != 0 ? io_error(cmd->err) : 0;
}

static int cmd_action_create(struct store_conn *c, void *arg)
{
	struct action_cmd *ac = arg;
	struct cmd *cmd = &ac->base;
	const struct action_input *in = ac->in;
	struct incident inc;
	char text[700], due[TIME_ISO_MAX];
	json_t *item = NULL;
	int64_t id;
	int rc = -1;

	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		goto done;
	/* SPEC §14: items from critical incidents are non-negotiable. */
	if (store_query_int(c, &id, 0, STMT_ACTION_INSERT, "ittittttbiti", cmd->number, in->title,
			    in->owner, in->due_at, in->priority, in->tracker_url,
			    action_state_name(in->has_state ? in->state : ACTION_OPEN), (const char *)NULL,
			    inc.severity == SEVERITY_CRITICAL, cmd->now, cmd->actor, cmd->now) != 0) {
		io_error(cmd->err);
		goto done;
	}
	if (action_load(c, id, cmd->now, &item, cmd->err) != 0)
		goto done;
	time_to_iso(in->due_at, due);
	snprintf(text, sizeof(text), "Action item #%lld opened: %.200s — owner %.200s, due %s, %s%s",
		 (long long)id, in->title, in->owner, due, in->priority,
		 inc.severity == SEVERITY_CRITICAL ? ", non-negotiable" : "");
	if (action_record(c, cmd, &inc, text, "created", item) != 0)
		goto done;
	cmd->result = item;
	item = NULL;
	rc = 0;
done:
	json_decref(item);
	incident_free(&inc);
	return rc;
}

int actions_create(struct app *app, const char *actor, int64_t number,
		   const struct action_input *in, json_t **out, struct api_error *err)
{
	struct action_cmd ac = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.in = in};

	return run_command(&ac.base, cmd_action_create, out);
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int cmd_action_patch(struct store_conn *c, void *arg)
{
	struct action_cmd *ac = arg;
	struct cmd *cmd = &ac->base;
	const struct action_input *in = ac->in;
	struct incident inc;
	json_t *item = NULL, *after = NULL;
	enum action_state from = ACTION_OPEN, to;
	const char *title, *owner, *priority, *tracker, *reason;
	int64_t due, stored_due, closed_at, number;
	char text[700];
	bool changed;
	int rc = -1;

	incident_init(&inc);
	if (action_load(c, ac->id, cmd->now, &item, cmd->err) != 0)
		goto done;
	action_state_parse(json_string_value(json_object_get(item, "state")), &from);
	to = in->has_state ? in->state : from;
	title = in->title ? in->title : json_string_value(json_object_get(item, "title"));
	owner = in->owner ? in->owner : json_string_value(json_object_get(item, "owner"));
	priority = in->priority ? in->priority : json_string_value(json_object_get(item, "priority"));
	tracker = in->has_tracker_url ? in->tracker_url
				      : json_string_value(json_object_get(item, "trackerUrl"));
	reason = in->reason ? in->reason : json_string_value(json_object_get(item, "reason"));
	if (time_from_iso(json_string_value(json_object_get(item, "dueDate")), &stored_due) != 0)
		stored_due = TIME_NONE;
	due = in->due_at != TIME_NONE ? in->due_at : stored_due;
	changed = to != from || !same_text(title, json_string_value(json_object_get(item, "title"))) ||
		  !same_text(owner, json_string_value(json_object_get(item, "owner"))) ||
		  !same_text(priority, json_string_value(json_object_get(item, "priority"))) ||
		  !same_text(tracker, json_string_value(json_object_get(item, "trackerUrl"))) ||
		  !same_text(reason, json_string_value(json_object_get(item, "reason"))) ||
		  due != stored_due;
	if (!changed) {
		cmd->result = item;
		item = NULL;
		rc = 0;
		goto done;
	}
	if (action_state_closed(from))
		goto refuse;
	if (to != from) {
		const char *rule = action_transition_refusal(
			from, to, json_is_true(json_object_get(item, "nonNegotiable")), reason);

		if (rule && strcmp(rule, "action.reasonRequired") == 0) {
			api_error_set(cmd->err, 400, "missing_field", "reason",
				      "an item that will not be done needs a reason");
			goto done;
		}
		if (rule && strcmp(rule, "action.nonNegotiable") == 0) {
			rule_refusal(cmd->err, rule,
				     "items from critical incidents are non-negotiable: they are done");
			goto done;
		}
		if (rule) {
			rule_refusal(cmd->err, rule, "action items move forward only: open → "
						     "in_progress → done | wont_do");
			goto done;
		}
	}
	/* The item's incident, locked like every command's, for its entry and event. */
	if (parse_incident_id(json_string_value(json_object_get(item, "incident")), &number) != 0 ||
	    load_incident(c, number, &inc, cmd->err) != 0)
		goto done;
	closed_at = action_state_closed(to) ? cmd->now : TIME_NONE;
	if (store_run(c, STMT_ACTION_UPDATE, "ttittttizi", title, owner, due, priority, tracker,
		      action_state_name(to), reason, cmd->now, closed_at, ac->id) != 0) {
		io_error(cmd->err);
		goto done;
	}
	if (action_load(c, ac->id, cmd->now, &after, cmd->err) != 0)
		goto done;
	if (to != from)
		snprintf(text, sizeof(text), "Action item #%lld: %s → %s%s%.400s", (long long)ac->id,
			 action_state_name(from), action_state_name(to),
			 to == ACTION_WONT_DO ? " — " : "", to == ACTION_WONT_DO ? reason : "");
	else
		snprintf(text, sizeof(text), "Action item #%lld updated: %.200s — owner %.200s",
			 (long long)ac->id, title, owner);
	if (action_record(c, cmd, &inc, text, to != from ? action_state_name(to) : "updated", after) != 0)
		goto done;
	cmd->result = after;
	after = NULL;
	rc = 0;
	goto done;
refuse:
	rule_refusal(cmd->err, "action.closed", "a done or won't-do action item changes no more");
done:
	json_decref(item);
	json_decref(after);
	incident_free(&inc);
	return rc;
}

int actions_patch(struct app *app, const char *actor, int64_t id, const struct action_input *in,
		  json_t **out, struct api_error *err)
{
	struct action_cmd ac = {.base = {.app = app, .actor = actor, .now = app_now(app), .err = err},
				.id = id,
				.in = in};

	return run_command(&ac.base, cmd_action_patch, out);
}

int actions_get(struct app *app, int64_t id, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	int rc = action_load(c, id, app_now(app), out, err);

	store_read_end(app->store, c);
	return rc;
}

int actions_list(struct app *app, const struct action_filter *f, json_t **out,
		 struct api_error *err)
{
	struct store_conn *c;
	json_t *list = json_array();
	int64_t now = app_now(app), exists = 1;
	int rc;

	if (list == NULL)
		return io_error(err);
	c = store_read_begin(app->store);
	rc = f->incident ? store_query_int(c, &exists, 0, STMT_INCIDENT_EXISTS, "i", f->incident) : 0;
	if (rc == 0 && exists)
		rc = action_rows(c, f->state, f->incident, f->overdue ? now : TIME_NONE, f->limit, now,
				 list);
	store_read_end(app->store, c);
	if (rc != 0) {
		json_decref(list);
		return io_error(err);
	}
	if (!exists) {
		json_decref(list);
		return api_error_set(err, 404, "not_found", NULL, "no incident INC-%lld",
				     (long long)f->incident);
	}
	*out = json_pack("{s:o}", "actions", list);
	return *out ? 0 : io_error(err);
}

/* ---- the After Action document: the record ---- */

struct review_row {
	bool exists;
	enum afteraction_state state;
	int64_t version, created_at, updated_at, published_at;
	char updated_by[256];
	json_t *edits;     /* object, never NULL after review_row_load */
	json_t *published; /* the frozen document, or NULL */
};

static void review_row_free(struct review_row *row)
{
	json_decref(row->edits);
	json_decref(row->published);
	memset(row, 0, sizeof(*row));
}

static int review_row_load(struct store_conn *c, int64_t number, struct review_row *row)
{
	struct store_stmt *st = store_bind(c, STMT_AFTER_ACTION_GET, "i", number);
	int rc;

	memset(row, 0, sizeof(*row));
	if (st == NULL)
		return -1;
	rc = store_step(st);
	if (rc == 1) {
		row->exists = true;
		afteraction_state_parse(store_col_text(st, 0), &row->state);
		row->version = store_col_int(st, 1);
		row->edits = json_loads(store_col_text(st, 2), 0, NULL);
		row->published = store_col_null(st, 3) ? NULL : json_loads(store_col_text(st, 3), 0, NULL);
		row->created_at = store_col_int(st, 4);
		row->updated_at = store_col_int(st, 5);
		str_copy(row->updated_by, store_col_text(st, 6), sizeof(row->updated_by));
		row->published_at = store_col_null(st, 7) ? TIME_NONE : store_col_int(st, 7);
	}
	store_reset(st);
	if (rc < 0)
		return -1;
	if (!json_is_object(row->edits)) {
		json_decref(row->edits);
		row->edits = json_object();
	}
	return row->edits ? 0 : -1;
}

static int load_timeline(struct store_conn *c, int64_t number, json_t *entries)
{
	int64_t after = 0;

	for (;;) {
		struct store_stmt *st = store_bind(c, STMT_TIMELINE_LIST, "iii", number, after,
						   (int64_t)TIMELINE_PAGE);
		int rc, n = 0;

		if (st == NULL)
			return -1;
		while ((rc = store_step(st)) == 1) {
			json_t *payload = store_col_null(st, 6) ? NULL
								: json_loads(store_col_text(st, 6), 0, NULL);
			json_t *entry;

			after = store_col_int(st, 0);
			entry = entry_json(after, number, store_col_int(st, 1), store_col_text(st, 2),
					   store_col_text(st, 3), store_col_text(st, 4),
					   store_col_text(st, 5), payload, store_col_int(st, 7));
			json_decref(payload);
			if (entry == NULL || json_array_append_new(entries, entry) != 0) {
				rc = -1;
				break;
			}
			n++;
		}
		store_reset(st);
		if (rc < 0)
			return -1;
		/* A record longer than the document reads is cited up to its cap. */
		if (n < TIMELINE_PAGE || json_array_size(entries) >= AFTERACTION_TIMELINE_MAX)
			return 0;
	}
}

static int load_updates(struct store_conn *c, int64_t number, json_t *updates)
{
	struct store_stmt *st = store_bind(c, STMT_UPDATE_LIST, "i", number);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1) {
		json_t *u = json_pack("{s:I, s:o, s:s, s:s}", "id", (json_int_t)store_col_int(st, 0),
				      "at", json_time_or_null(store_col_int(st, 1)), "audience",
				      store_col_text(st, 4), "kind", store_col_text(st, 5));

		if (u == NULL || json_array_append_new(updates, u) != 0) {
			rc = -1;
			break;
		}
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

static bool shares_system(const json_t *a, const json_t *b, json_t *shared)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *x = json_string_value(json_array_get(a, i));

		for (size_t j = 0; x && j < json_array_size(b); j++) {
			const char *y = json_string_value(json_array_get(b, j));

			if (y && strcasecmp(x, y) == 0) {
				json_array_append_new(shared, json_string(x));
				break;
			}
		}
	}
	return json_array_size(shared) > 0;
}

/* The incidents (other than `number`) whose reviews carry one of `tags`:
 * {"<number>": [shared tags]} from the newest RELATED_SCAN tagged reviews. */
static int load_tagged(struct store_conn *c, int64_t number, const json_t *tags, json_t *out)
{
	struct store_stmt *st;
	int rc;

	if (json_array_size(tags) == 0)
		return 0;
	st = store_bind(c, STMT_AFTER_ACTION_TAGGED, "ii", number, (int64_t)RELATED_SCAN);
	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1) {
		json_t *edits = json_loads(store_col_text(st, 1), 0, NULL), *shared = json_array();
		const json_t *theirs = json_object_get(edits, "rootCauseTags");
		char key[32];

		if (shared == NULL) {
			json_decref(edits);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < json_array_size(tags); i++)
			for (size_t j = 0; j < json_array_size(theirs); j++)
				if (json_string_value(json_array_get(theirs, j)) &&
				    strcmp(json_string_value(json_array_get(tags, i)) ?: "",
					   json_string_value(json_array_get(theirs, j))) == 0) {
					json_array_append(shared, json_array_get(tags, i));
					break;
				}
		snprintf(key, sizeof(key), "%lld", (long long)store_col_int(st, 0));
		json_decref(edits);
		if (json_array_size(shared) == 0) {
			json_decref(shared);
			continue;
		}
		if (json_object_set_new(out, key, shared) != 0) {
			rc = -1;
			break;
		}
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Recurrence: the newest incidents that share an affected system with `inc`, or a
 * root-cause tag with its review (`tags`). */
static int load_related(struct store_conn *c, const json_t *inc, int64_t number,
			const json_t *tags, json_t *related)
{
	const json_t *mine = json_object_get(inc, "affectedSystems");
	json_t *tagged = json_object();
	struct store_stmt *st;
	int rc;

	/* Tagged reviews first: one statement at a time on a connection. */
	if (tagged == NULL || load_tagged(c, number, tags, tagged) != 0) {
		json_decref(tagged);
		return -1;
	}
	if (json_array_size(mine) == 0 && json_object_size(tagged) == 0) {
		json_decref(tagged);
		return 0;
	}
	st = store_bind(c, STMT_INCIDENT_LIST, "itii", (int64_t)2, (const char *)NULL, (int64_t)INT64_MAX,
			(int64_t)RELATED_SCAN);
	if (st == NULL) {
		json_decref(tagged);
		return -1;
	}
	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1 && json_array_size(related) < AFTERACTION_RELATED_MAX) {
		json_t *doc, *shared, *o;

		if (store_col_int(st, 0) == number)
			continue;
		doc = json_loads(store_col_text(st, 1), 0, NULL);
		shared = json_array();
		if (doc == NULL || shared == NULL) {
			json_decref(doc);
			json_decref(shared);
			rc = -1;
			break;
		}
		{
			char key[32];
			json_t *tags_shared;

			snprintf(key, sizeof(key), "%lld", (long long)store_col_int(st, 0));
			tags_shared = json_object_get(tagged, key);
			if (!shares_system(mine, json_object_get(doc, "affectedSystems"), shared) &&
			    tags_shared == NULL) {
				json_decref(doc);
				json_decref(shared);
				continue;
			}
			o = json_pack("{s:O, s:O, s:O, s:O, s:O, s:o, s:o}", "id", json_object_get(doc, "id"),
				      "title", json_object_get(doc, "title"), "status",
				      json_object_get(doc, "status"), "drill",
				      json_object_get(doc, "drill") ?: json_false(), "openedAt",
				      json_object_get(doc, "openedAt"), "systems", shared, "tags",
				      tags_shared ? json_incref(tags_shared) : json_array());
		}
		json_decref(doc);
		if (o == NULL || json_array_append_new(related, o) != 0) {
			rc = -1;
			break;
		}
	}
	store_reset(st);
	json_decref(tagged);
	return rc < 0 ? -1 : 0;
}

/* The record afteraction_generate() reads, for `inc` with the edits of `row`. */
static json_t *record_load(struct store_conn *c, const struct incident *inc,
			   const struct review_row *row, int64_t now)
{
	json_t *record = json_pack("{s:o, s:[], s:[], s:[], s:[], s:O}", "incident",
				   incident_to_json(inc), "timeline", "updates", "actions", "related",
				   "edits", row->edits);

	if (record == NULL)
		return NULL;
	if (load_timeline(c, inc->number, json_object_get(record, "timeline")) != 0 ||
	    load_updates(c, inc->number, json_object_get(record, "updates")) != 0 ||
	    action_rows(c, NULL, inc->number, TIME_NONE, ACTION_LIST_MAX, now,
			json_object_get(record, "actions")) != 0 ||
	    load_related(c, json_object_get(record, "incident"), inc->number,
			 json_object_get(row->edits, "rootCauseTags"),
			 json_object_get(record, "related")) != 0) {
		json_decref(record);
		return NULL;
	}
	return record;
}

/* The document as clients see it: generated (or frozen) plus the row's state. */
static json_t *review_doc(struct store_conn *c, const struct incident *inc,
			  const struct review_row *row, int64_t now)
{
	json_t *record, *doc;

	if (row->published)
		return json_deep_copy(row->published);
	record = record_load(c, inc, row, now);
	doc = record ? afteraction_generate(record, now) : NULL;
	json_decref(record);
	if (doc == NULL)
		return NULL;
	if (json_object_set_new(doc, "state", json_string(afteraction_state_name(row->state))) ||
	    json_object_set_new(doc, "version", json_integer(row->version)) ||
	    json_object_set_new(doc, "updatedAt", json_time_or_null(row->updated_at)) ||
	    json_object_set_new(doc, "updatedBy", json_string_or_null(row->exists ? row->updated_by : NULL)) ||
	    json_object_set_new(doc, "publishedAt", json_time_or_null(row->published_at))) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int actions_review_get(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct review_row row;
	struct incident inc;
	int rc = -1;

	memset(&row, 0, sizeof(row));
	if (load_incident(c, number, &inc, err) != 0)
		goto done;
	if (review_row_load(c, number, &row) != 0) {
		io_error(err);
		goto done;
	}
	*out = review_doc(c, &inc, &row, app_now(app));
	rc = *out ? 0 : io_error(err);
done:
	review_row_free(&row);
	incident_free(&inc);
	store_read_end(app->store, c);
	return rc;
}

/* ---- the After Action document: edits ---- */

struct review_cmd {
	struct cmd base;
	const struct review_edit *edit;
};

/* Every cited id must be an entry of this incident's timeline. */
static int check_cited(struct store_conn *c, int64_t number, const json_t *ids,
		       struct api_error *err)
{
	const json_t *v;
	size_t i;

	json_array_foreach(ids, i, v) {
		int64_t owner = 0;

		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return api_error_set(err, 400, "invalid_field", "timeline",
					     "timeline must be an array of entry ids");
		if (store_query_int(c, &owner, 0, STMT_TIMELINE_GET, "i",
				    (int64_t)json_integer_value(v)) != 0)
			return io_error(err);
		if (owner != number)
			return api_error_set(err, 400, "invalid_field", "timeline",
					     "entry %lld is not on INC-%lld's timeline",
					     (long long)json_integer_value(v), (long long)number);
	}
	return 0;
}

static int apply_edits(struct store_conn *c, struct review_cmd *rc_, struct review_row *row)
{
	const struct review_edit *edit = rc_->edit;
	const char *key;
	json_t *v;

	json_object_foreach(edit->sections, key, v) {
		if (json_is_null(v))
			json_object_del(row->edits, key);
		else if (json_object_set(row->edits, key, v) != 0)
			return io_error(rc_->base.err);
	}
	if (edit->has_timeline) {
		if (json_is_null(edit->timeline)) {
			json_object_del(row->edits, "timeline");
		} else {
			if (check_cited(c, rc_->base.number, edit->timeline, rc_->base.err) != 0)
				return -1;
			if (json_object_set(row->edits, "timeline", edit->timeline) != 0)
				return io_error(rc_->base.err);
		}
	}
	/* Root-cause tags live with the edits: they are people's judgement, not the record's. */
	if (edit->has_tags) {
		if (json_is_null(edit->tags) || json_array_size(edit->tags) == 0)
			json_object_del(row->edits, "rootCauseTags");
		else if (json_object_set(row->edits, "rootCauseTags", edit->tags) != 0)
			return io_error(rc_->base.err);
	}
	return 0;
}

static int cmd_review_patch(struct store_conn *c, void *arg)
{
	struct review_cmd *rcmd = arg;
	struct cmd *cmd = &rcmd->base;
	const struct review_edit *edit = rcmd->edit;
	struct review_row row;
	struct incident inc;
	enum afteraction_state from, to;
	char text[160], *edits_text = NULL, *published_text = NULL;
	struct record r = {.event_type = "afterAction.changed", .visibility = VISIBILITY_INTERNAL,
			   .extra_key = "afterAction", .without_state = true};
	json_t *doc = NULL, *payload = NULL, *entry_payload = NULL;
	const char *rule;
	int rc = -1;

	memset(&row, 0, sizeof(row));
	if (load_incident(c, cmd->number, &inc, cmd->err) != 0)
		goto done;
	if (review_row_load(c, cmd->number, &row) != 0) {
		io_error(cmd->err);
		goto done;
	}
	if (edit->if_match >= 0 && edit->if_match != row.version) {
		api_error_set(cmd->err, 409, "version_conflict", NULL,
			      "the After Action of INC-%lld is at version %lld, not %lld: someone else "
			      "changed it; reload and retry",
			      (long long)cmd->number, (long long)row.version, (long long)edit->if_match);
		goto done;
	}
	from = row.state;
	to = edit->has_state ? edit->state : from;
	rule = afteraction_transition_refusal(from, to, inc.status == STATUS_RESOLVED);
	if (rule) {
		rule_refusal(cmd->err, rule,
			     from == AFTERACTION_PUBLISHED
				     ? "the After Action is published: it is frozen"
			     : to == AFTERACTION_PUBLISHED
				     ? "the After Action is reviewed before it is published"
				     : "the After Action goes to review once the incident is resolved");
		goto done;
	}
	if (apply_edits(c, rcmd, &row) != 0)
		goto done;
	if (!row.exists)
		row.created_at = cmd->now;
	row.state = to;
	row.version++;
	row.updated_at = cmd->now;
	str_copy(row.updated_by, cmd->actor, sizeof(row.updated_by));
	row.exists = true;
	doc = review_doc(c, &inc, &row, cmd->now);
	if (doc == NULL) {
		io_error(cmd->err);
		goto done;
	}
	if (to == AFTERACTION_PUBLISHED) {
		/* The frozen copy: what was reviewed is what stays, whatever the record does. */
		row.published_at = cmd->now;
		if (json_object_set_new(doc, "publishedAt", json_time_or_null(cmd->now)) != 0 ||
		    (published_text = json_to_text(doc)) == NULL) {
			io_error(cmd->err);
			goto done;
		}
	}
	edits_text = json_to_text(row.edits);
	if (edits_text == NULL ||
	    store_run(c, STMT_AFTER_ACTION_PUT, "itittiitz", cmd->number, afteraction_state_name(to),
		      row.version, edits_text, published_text, row.created_at, row.updated_at,
		      row.updated_by, row.published_at) != 0) {
		io_error(cmd->err);
		goto done;
	}
	payload = json_pack("{s:s, s:s, s:I}", "from", afteraction_state_name(from), "to",
			    afteraction_state_name(to), "version", (json_int_t)row.version);
	if (payload == NULL) {
		io_error(cmd->err);
		goto done;
	}
	if (to != from) {
		snprintf(text, sizeof(text), "After Action: %s → %s", afteraction_state_name(from),
			 afteraction_state_name(to));
		entry_payload = json_pack("{s:O}", "afterAction", payload);
		if (entry_payload == NULL) {
			io_error(cmd->err);
			goto done;
		}
		r.entry_type = "command";
		r.text = text;
		r.payload = entry_payload;
	}
	r.extra = payload;
	if (to == AFTERACTION_PUBLISHED && from != AFTERACTION_PUBLISHED) {
		/* The incident's version moves, so the public site re-reads it with its
		 * postmortem (public.h caches by version). */
		r.without_state = false;
		if (commit_incident(c, cmd, &inc, &r, false) != 0)
			goto done;
		json_decref(cmd->result);
	} else {
		if (record_change(c, cmd, &inc, &r) != 0) {
			io_error(cmd->err);
			goto done;
		}
		json_decref(r.entry_out);
	}
	cmd->result = doc;
	doc = NULL;
	rc = 0;
done:
	json_decref(doc);
	json_decref(payload);
	json_decref(entry_payload);
	free(edits_text);
	free(published_text);
	review_row_free(&row);
	incident_free(&inc);
	return rc;
}

int actions_review_patch(struct app *app, const char *actor, int64_t number,
			 const struct review_edit *edit, json_t **out, struct api_error *err)
{
	struct review_cmd rc_ = {
		.base = {.app = app, .actor = actor, .number = number, .now = app_now(app), .err = err},
		.edit = edit};

	return run_command(&rc_.base, cmd_review_patch, out);
}

int actions_on_systems(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	json_t *all = json_array(), *list = json_array(), *mine = NULL, *systems = json_object();
	struct incident inc;
	const json_t *item;
	int64_t now = app_now(app);
	size_t i;
	int rc = -1;

	incident_init(&inc);
	if (load_incident(c, number, &inc, err) != 0)
		goto done;
	mine = incident_to_json(&inc);
	if (all == NULL || list == NULL || mine == NULL || systems == NULL ||
	    action_rows(c, NULL, 0, TIME_NONE, ACTION_LIST_MAX, now, all) != 0) {
		io_error(err);
		goto done;
	}
	json_array_foreach(all, i, item) {
		const char *state = json_string_value(json_object_get(item, "state"));
		const char *other = json_string_value(json_object_get(item, "incident"));
		json_t *theirs, *shared, *o;
		int64_t n;

		if (state == NULL || other == NULL || strcmp(state, "done") == 0 ||
		    strcmp(state, "wont_do") == 0 || parse_incident_id(other, &n) != 0 || n == number)
			continue;
		/* The other incident's systems, read once per incident. */
		theirs = json_object_get(systems, other);
		if (theirs == NULL) {
			struct store_stmt *st = store_bind(c, STMT_INCIDENT_GET, "i", n);
			json_t *parsed = NULL;
			int step = st ? store_step(st) : -1;

			if (step == 1)
				parsed = json_loads(store_col_text(st, 0), 0, NULL);
			if (st)
				store_reset(st);
			if (step < 0) {
				json_decref(parsed);
				io_error(err);
				goto done;
			}
			theirs = json_incref(json_object_get(parsed, "affectedSystems"));
			json_decref(parsed);
			if (theirs == NULL)
				theirs = json_array();
			if (theirs == NULL || json_object_set_new(systems, other, theirs) != 0) {
				io_error(err);
				goto done;
			}
		}
		shared = json_array();
		if (shared == NULL) {
			io_error(err);
			goto done;
		}
		if (!shares_system(json_object_get(mine, "affectedSystems"), theirs, shared)) {
			json_decref(shared);
			continue;
		}
		o = json_deep_copy(item);
		if (o == NULL || json_object_set_new(o, "systems", shared) != 0 ||
		    json_array_append_new(list, o) != 0) {
			io_error(err);
			goto done;
		}
	}
	*out = json_pack("{s:O}", "actions", list);
	rc = *out ? 0 : io_error(err);
done:
	store_read_end(app->store, c);
	incident_free(&inc);
	json_decref(mine);
	json_decref(all);
	json_decref(list);
	json_decref(systems);
	return rc;
}

int actions_public_postmortem(struct app *app, int64_t number, json_t **out)
{
	struct store_conn *c = store_read_begin(app->store);
	struct review_row row;
	int rc = review_row_load(c, number, &row);

	store_read_end(app->store, c);
	*out = NULL;
	if (rc == 0 && row.published)
		*out = afteraction_public_part(row.published);
	review_row_free(&row);
	return rc;
}

/* ---- the whole record ---- */

#define EXPORT_TIMELINE_PAGE 1000

/* Moves member `key` of `from` into `to` under `as`. */
static int take(json_t *to, const char *as, json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	return v == NULL ? -1 : json_object_set(to, as, v);
}

int actions_export(struct app *app, int64_t number, json_t **out, struct api_error *err)
{
	struct action_filter filter = {.incident = number, .limit = ACTION_LIST_MAX};
	json_t *o = json_object(), *part = NULL, *entries = json_array();
	int64_t after = 0;
	int rc = -1;

	*out = NULL;
	if (o == NULL || entries == NULL) {
		io_error(err);
		goto done;
	}
	if (json_object_set_new(o, "exportedAt", json_time_or_null(app_now(app))) != 0 ||
	    service_incident_get(app, number, &part, err) != 0 ||
	    json_object_set_new(o, "incident", part) != 0)
		goto done;
	part = NULL;
	for (;;) {
		json_t *page = NULL, *next;

		if (service_timeline_list(app, number, after, EXPORT_TIMELINE_PAGE, &page, err) != 0)
			goto done;
		if (json_array_extend(entries, json_object_get(page, "entries")) != 0) {
			json_decref(page);
			io_error(err);
			goto done;
		}
		next = json_object_get(page, "nextAfter");
		after = json_is_integer(next) ? (int64_t)json_integer_value(next) : 0;
		json_decref(page);
		if (after == 0)
			break;
	}
	if (json_object_set(o, "timeline", entries) != 0) {
		io_error(err);
		goto done;
	}
	if (service_update_list(app, number, &part, err) != 0)
		goto done;
	if (take(o, "updates", part, "updates") != 0)
		goto oom;
	json_decref(part);
	part = NULL;
	if (service_responder_list(app, number, &part, err) != 0)
		goto done;
	if (take(o, "responders", part, "responders") != 0)
		goto oom;
	json_decref(part);
	part = NULL;
	if (actions_list(app, &filter, &part, err) != 0)
		goto done;
	if (take(o, "actionItems", part, "actions") != 0)
		goto oom;
	json_decref(part);
	part = NULL;
	if (actions_review_get(app, number, &part, err) != 0)
		goto done;
	if (json_object_set_new(o, "afterAction", part) != 0) {
		part = NULL;
		goto oom;
	}
	part = NULL;
	*out = o;
	o = NULL;
	rc = 0;
	goto done;
oom:
	io_error(err);
done:
	json_decref(part);
	json_decref(entries);
	json_decref(o);
	return rc;
}

/* ---- KPIs ---- */

/* The pages of an incident for MTTA: [{team, pagedAt, acknowledgedAt}], the team being the
 * rotation paged (run cards page teams that way), else the person. */
static int load_pages(struct store_conn *c, int64_t number, json_t *out)
{
	struct store_stmt *st = store_bind(c, STMT_RESPONDER_LIST, "i", number);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = store_step(st)) == 1) {
		const char *team = !store_col_null(st, 2) && *store_col_text(st, 2)
					   ? store_col_text(st, 2) : store_col_text(st, 1);
		json_t *p = json_pack("{s:s, s:o, s:o}", "team", team, "pagedAt",
				      json_time_or_null(store_col_null(st, 5) ? TIME_NONE : store_col_int(st, 5)),
				      "acknowledgedAt",
				      json_time_or_null(store_col_null(st, 6) ? TIME_NONE : store_col_int(st, 6)));

		if (p == NULL || json_array_append_new(out, p) != 0) {
			rc = -1;
			break;
		}
	}
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int actions_kpis(struct app *app, int64_t from, int64_t to, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(app->store);
	struct store_stmt *st;
	json_t *items = json_array(), *item;
	int64_t now = app_now(app);
	size_t i;
	int rc = -1;

	*out = NULL;
	st = items ? store_bind(c, STMT_KPI_INCIDENTS, "ii", from, to ? to : INT64_MAX) : NULL;
	if (st == NULL)
		goto done;
	/* Incidents first, then their updates and items: one statement at a time per connection. */
	while ((rc = store_step(st)) == 1) {
		json_t *doc = json_loads(store_col_text(st, 1), 0, NULL);

		item = json_pack("{s:o, s:I}", "incident", doc, "number", (json_int_t)store_col_int(st, 0));
		if (item == NULL || json_array_append_new(items, item) != 0) {
			rc = -1;
			break;
		}
	}
	store_reset(st);
	if (rc < 0)
		goto done;
	rc = -1;
	json_array_foreach(items, i, item) {
		int64_t number = json_integer_value(json_object_get(item, "number")), first = 0;
		json_t *actions, *pages, *updates;

		if (json_is_true(json_object_get(json_object_get(item, "incident"), "drill")))
			continue;
		updates = json_array();
		if (updates == NULL || json_object_set_new(item, "updates", updates) != 0 ||
		    load_updates(c, number, updates) != 0)
			goto done;
		actions = json_array();
		if (actions == NULL || json_object_set_new(item, "actions", actions) != 0)
			goto done;
		pages = json_array();
		if (pages == NULL || json_object_set_new(item, "responders", pages) != 0 ||
		    load_pages(c, number, pages) != 0 ||
		    store_query_int(c, &first, 0, STMT_UPDATE_FIRST_AT, "i", number) != 0 ||
		    json_object_set_new(item, "firstUpdateAt", json_time_or_null(first)) != 0 ||
		    action_rows(c, NULL, number, TIME_NONE, ACTION_LIST_MAX, now, actions) != 0)
			goto done;
	}
	*out = kpi_compute(items, from, to, now);
	rc = *out ? 0 : -1;
done:
	store_read_end(app->store, c);
	json_decref(items);
	return rc == 0 ? 0 : io_error(err);
}
