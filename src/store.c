/*
 * The half of the store both backends share: choosing the backend, the writer thread with
 * its group-commit queue, the read pool, the events of a batch and their publication in
 * sequence order, the worker lease, and copying or exporting a whole store.
 */
#include "store_backend.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

#define PUBLISH_PAGE 256 /* events read back from the log per step */

struct write_job {
	store_command_fn fn;
	void *arg;
	int rc;
	bool done;
	struct write_job *next;
};

/* ---- the --db value ---- */

bool store_db_is_postgres(const char *db)
{
	return strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0;
}

/* Appends db[from, to) to `b`. */
static int append_range(struct buf *b, const char *from, const char *to)
{
	return buf_append(b, from, (size_t)(to - from));
}

void store_db_display(const char *db, char *out, size_t outlen)
{
	const char *start = strstr(db, "://"), *query, *at = NULL, *colon = NULL, *p;
	struct buf b;

	if (!store_db_is_postgres(db) || start == NULL) {
		str_copy(out, db, outlen);
		return;
	}
	start += 3;
	query = strchr(start, '?');
	if (query == NULL)
		query = start + strlen(start);
	/* The user info ends at the last '@' before the query: a password may hold '/'. */
	for (p = start; p < query; p++)
		if (*p == '@')
			at = p;
	if (at)
		colon = memchr(start, ':', (size_t)(at - start));
	buf_init(&b, outlen > 0 ? outlen - 1 : 0);
	if (colon) {
		if (append_range(&b, db, colon + 1) != 0 || buf_append_str(&b, "***") != 0 ||
		    append_range(&b, at, query) != 0)
			goto fail;
	} else if (append_range(&b, db, query) != 0) {
		goto fail;
	}
	/* Query parameters, with the value of any password=… hidden. */
	for (p = query; *p;) {
		const char *end = strchr(p + 1, '&');

		if (end == NULL)
			end = p + strlen(p);
		if (strncmp(p + 1, "password=", 9) == 0) {
			if (append_range(&b, p, p + 10) != 0 || buf_append_str(&b, "***") != 0)
				goto fail;
		} else if (append_range(&b, p, end) != 0) {
			goto fail;
		}
		p = end;
	}
	str_copy(out, b.ptr, outlen);
	buf_free(&b);
	return;
fail:
	/* Too long to show whole: the scheme alone still says which store it was. */
	buf_free(&b);
	str_copy(out, strncmp(db, "postgresql", 10) == 0 ? "postgresql://…" : "postgres://…",
		 outlen);
}

int64_t store_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- pending events ---- */

static void pending_clear(struct store_conn *c, size_t from)
{
	for (size_t i = from; i < c->npending; i++) {
		free(c->pending[i].type);
		free(c->pending[i].visibility);
		free(c->pending[i].payload);
	}
	c->npending = from;
}

static void conn_close(struct store *s, struct store_conn *c)
{
	if (c == NULL)
		return;
	pending_clear(c, 0);
	free(c->pending);
	c->pending = NULL;
	s->be->conn_close(c);
}

/* ---- publication ---- */

static void publish_events(struct store *s, const struct store_event *events, size_t n)
{
	if (n == 0)
		return;
	if (s->cfg.on_commit)
		s->cfg.on_commit(s->cfg.on_commit_ctx, events, n);
	pthread_mutex_lock(&s->lock);
	s->head = events[n - 1].seq;
	pthread_mutex_unlock(&s->lock);
}

int64_t store_event_head(struct store *s)
{
	int64_t head;

	pthread_mutex_lock(&s->lock);
	head = s->head;
	pthread_mutex_unlock(&s->lock);
	return head;
}

static char *dup_str(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = malloc(len);

	if (d)
		memcpy(d, s, len);
	return d;
}

int store_publish_from_log(struct store *s)
{
	struct store_event events[PUBLISH_PAGE];
	int rc = 0;

	for (;;) {
		struct store_conn *c = store_read_begin(s);
		struct store_stmt *st;
		size_t n = 0, first = 0;
		int64_t head;
		int step = -1;

		/* Read outside the publish lock (the writer publishes meanwhile); what it
		 * published by then is skipped below. */
		st = store_bind(c, STMT_EVENTS_AFTER, "ii", store_event_head(s), (int64_t)PUBLISH_PAGE);
		if (st != NULL) {
			while (n < PUBLISH_PAGE && (step = store_step(st)) == 1) {
				struct store_event *ev = &events[n];

				ev->seq = store_col_int(st, 0);
				ev->incident = store_col_int(st, 1);
				ev->at = store_col_int(st, 2);
				ev->type = dup_str(store_col_text(st, 3));
				ev->visibility = dup_str(store_col_text(st, 4));
				ev->payload = dup_str(store_col_text(st, 5));
				n++;
				if (!ev->type || !ev->visibility || !ev->payload) {
					step = -1;
					break;
				}
			}
		}
		store_read_end(s, c);
		if (step >= 0) {
			/* The page is the log's next events after some head at or below the current
			 * one, in order: publishing those above the current head keeps the rule
			 * that everything at or below the head is out. */
			pthread_mutex_lock(&s->publish_lock);
			head = store_event_head(s);
			while (first < n && events[first].seq <= head)
				first++;
			publish_events(s, events + first, n - first);
			pthread_mutex_unlock(&s->publish_lock);
		}
		for (size_t i = 0; i < n; i++) {
			free((char *)events[i].type);
			free((char *)events[i].visibility);
			free((char *)events[i].payload);
		}
		if (step < 0) {
			rc = -1;
			break;
		}
		if (n < PUBLISH_PAGE)
			break;
	}
	return rc;
}

/* Publishes the batch's own events straight from memory when every event before them has
 * been published; otherwise (another replica committed in between and the feed has not
 * read it yet) leaves them to the feed, which reads the log in order and is told of this
 * commit by its own notification. */
static void publish_batch(struct store *s, struct store_conn *c, int64_t base)
{
	struct store_event events[64];
	size_t n = 0;
	int64_t head;

	pthread_mutex_lock(&s->publish_lock);
	head = store_event_head(s);
	if (s->be->shared && head < base) {
		pthread_mutex_unlock(&s->publish_lock);
		return;
	}
	for (size_t i = 0; i < c->npending; i++) {
		const struct pending_event *p = &c->pending[i];

		if (p->seq <= head)
			continue; /* the feed already read it from the log */
		events[n++] = (struct store_event){
			.seq = p->seq,
			.incident = p->incident,
			.at = p->at,
			.type = p->type,
			.visibility = p->visibility,
			.payload = p->payload,
		};
		if (n == 64) {
			publish_events(s, events, n);
			n = 0;
		}
	}
	publish_events(s, events, n);
	pthread_mutex_unlock(&s->publish_lock);
}

/* ---- the writer ---- */

/* Takes the queued commands, at most the backend's max_batch (NULL when none). */
static struct write_job *take_queue(struct store *s)
{
	struct write_job *batch, *last;
	int n = 1;

	pthread_mutex_lock(&s->lock);
	batch = last = s->queue_head;
	while (last && last->next && (s->be->max_batch == 0 || n < s->be->max_batch)) {
		last = last->next;
		n++;
	}
	if (last) {
		s->queue_head = last->next;
		last->next = NULL;
		if (s->queue_head == NULL)
			s->queue_tail = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return batch;
}

/* One batch: begin, then take the queue — what arrived while the transaction waited for
 * the database (another replica's batch holds the write lock) joins this batch rather
 * than waiting a whole turn more — run each command in its savepoint, commit, publish. */
static struct write_job *run_batch(struct store *s)
{
	const struct store_backend *be = s->be;
	struct store_conn *c = s->writer;
	struct write_job *batch;
	int64_t base = -1;
	int rc = 0;

	if (be->ensure(c) != 0 || be->begin_write(c, &base) != 0)
		rc = -1;
	batch = take_queue(s);
	for (struct write_job *j = batch; j; j = j->next) {
		size_t mark = c->npending;

		if (rc != 0 || be->savepoint(c) != 0) {
			j->rc = STORE_ERR_IO;
			continue;
		}
		j->rc = j->fn(c, j->arg);
		be->reset_all(c);
		/* A statement failed but the command went on: keep nothing of it. */
		if (j->rc == 0 && be->aborted(c))
			j->rc = STORE_ERR_IO;
		if (j->rc != 0) {
			if (be->rollback_savepoint(c) != 0)
				rc = -1;
			pending_clear(c, mark);
		}
		if (rc == 0 && be->release_savepoint(c) != 0)
			rc = -1;
	}
	if (rc == 0)
		rc = be->commit(c, c->npending > 0);
	if (rc != 0) {
		be->rollback(c);
		for (struct write_job *j = batch; j; j = j->next)
			j->rc = STORE_ERR_IO;
		pending_clear(c, 0);
		return batch;
	}
	publish_batch(s, c, base);
	pending_clear(c, 0);
	return batch;
}

static void *writer_main(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct write_job *batch;

		while (s->queue_head == NULL && !s->stopping)
			pthread_cond_wait(&s->job_ready, &s->lock);
		if (s->queue_head == NULL && s->stopping)
			break;
		pthread_mutex_unlock(&s->lock);

		batch = run_batch(s);

		pthread_mutex_lock(&s->lock);
		for (struct write_job *j = batch; j; j = j->next)
			j->done = true;
		pthread_cond_broadcast(&s->job_done);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int store_write(struct store *s, store_command_fn fn, void *arg)
{
	struct write_job job = {.fn = fn, .arg = arg};

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return STORE_ERR_IO;
	}
	/* The job lives on this stack until the writer marks it done, which we wait for
	 * below: the queue never holds it past this function. */
	if (s->queue_tail)
		s->queue_tail->next = &job;
	else
		s->queue_head = &job; /* cppcheck-suppress autoVariables */
	s->queue_tail = &job; /* cppcheck-suppress autoVariables */
	pthread_cond_signal(&s->job_ready);
	while (!job.done)
		pthread_cond_wait(&s->job_done, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return job.rc;
}

/* ---- open and close ---- */

int store_open(struct store **out, const struct store_config *cfg, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	bool locks = false;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = *cfg;
	if (s->cfg.nreaders <= 0)
		s->cfg.nreaders = 8;
	if (s->cfg.busy_timeout_ms <= 0)
		s->cfg.busy_timeout_ms = 5000;
	s->be = store_db_is_postgres(cfg->db) ? &store_pg_backend : &store_sqlite_backend;
	store_db_display(cfg->db, s->display, sizeof(s->display));
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->publish_lock, NULL);
	pthread_cond_init(&s->job_ready, NULL);
	pthread_cond_init(&s->job_done, NULL);
	pthread_cond_init(&s->reader_free, NULL);
	locks = true;
	s->writer = s->be->conn_open(s, true, err, errlen);
	if (s->writer == NULL)
		goto fail;
	if (s->be->migrate(s->writer, err, errlen) != 0)
		goto fail;
	/* An array of connection pointers. */
	s->readers = calloc((size_t)s->cfg.nreaders, sizeof(*s->readers)); /* NOLINT(bugprone-sizeof-expression) */
	if (s->readers == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < s->cfg.nreaders; i++) {
		s->readers[i] = s->be->conn_open(s, false, err, errlen);
		if (s->readers[i] == NULL)
			goto fail;
		s->nreaders_free++;
	}
	if (store_query_int(s->writer, &s->head, 0, STMT_EVENT_HEAD, "") != 0) {
		snprintf(err, errlen, "cannot read the event log of '%s'", s->display);
		goto fail;
	}
	s->writer->be->reset_all(s->writer);
	if (s->cfg.on_commit && s->be->feed_start && s->be->feed_start(s, err, errlen) != 0)
		goto fail;
	if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		goto fail;
	}
	s->writer_started = true;
	*out = s;
	return 0;
fail:
	if (s->be->feed_stop)
		s->be->feed_stop(s);
	if (s->readers)
		for (int i = 0; i < s->cfg.nreaders; i++)
			conn_close(s, s->readers[i]);
	free(s->readers);
	conn_close(s, s->writer);
	if (s->be->close)
		s->be->close(s);
	if (locks) {
		pthread_mutex_destroy(&s->lock);
		pthread_mutex_destroy(&s->publish_lock);
		pthread_cond_destroy(&s->job_ready);
		pthread_cond_destroy(&s->job_done);
		pthread_cond_destroy(&s->reader_free);
	}
	free(s);
	return -1;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->be->feed_stop)
		s->be->feed_stop(s);
	store_lease_release(s);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->job_ready);
	pthread_mutex_unlock(&s->lock);
	if (s->writer_started)
		pthread_join(s->writer_thread, NULL);
	for (int i = 0; i < s->cfg.nreaders; i++)
		conn_close(s, s->readers[i]);
	free(s->readers);
	conn_close(s, s->writer);
	if (s->be->close)
		s->be->close(s);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->publish_lock);
	pthread_cond_destroy(&s->job_ready);
	pthread_cond_destroy(&s->job_done);
	pthread_cond_destroy(&s->reader_free);
	free(s);
}

/* ---- reads ---- */

struct store_conn *store_read_begin(struct store *s)
{
	struct store_conn *c;

	pthread_mutex_lock(&s->lock);
	while (s->nreaders_free == 0)
		pthread_cond_wait(&s->reader_free, &s->lock);
	c = s->readers[--s->nreaders_free];
	pthread_mutex_unlock(&s->lock);
	/* One snapshot for everything read until store_read_end().  When the store cannot
	 * be reached the statements fail and the caller answers 503. */
	if (s->be->ensure(c) == 0)
		s->be->begin_read(c);
	return c;
}

void store_read_end(struct store *s, struct store_conn *c)
{
	s->be->reset_all(c);
	s->be->end_read(c);
	pthread_mutex_lock(&s->lock);
	s->readers[s->nreaders_free++] = c;
	pthread_cond_signal(&s->reader_free);
	pthread_mutex_unlock(&s->lock);
}

bool store_conn_writes(const struct store_conn *c)
{
	return c->writer;
}

bool store_ping(struct store *s)
{
	struct store_conn *c = store_read_begin(s);
	int64_t n;
	int rc = store_query_int(c, &n, 0, STMT_EVENT_HEAD, "");

	store_read_end(s, c);
	return rc == 0;
}

/* ---- statements ---- */

/* Folds store_bind()'s format into values: 'b' and 'z' become 'i' or 'n'. */
static int values_from_format(const char *fmt, va_list ap, struct store_value *v, int *n)
{
	int i;

	for (i = 0; fmt[i]; i++) {
		if (i == STORE_PARAMS_MAX)
			return -1;
		v[i] = (struct store_value){.kind = 'n'};
		switch (fmt[i]) {
		case 'i':
			v[i].kind = 'i';
			v[i].i = va_arg(ap, int64_t);
			break;
		case 'b':
			v[i].kind = 'i';
			v[i].i = va_arg(ap, int) ? 1 : 0;
			break;
		case 't':
			v[i].t = va_arg(ap, const char *);
			if (v[i].t)
				v[i].kind = 't';
			break;
		case 'z':
			v[i].i = va_arg(ap, int64_t);
			if (v[i].i)
				v[i].kind = 'i';
			break;
		case 'n':
			break;
		default:
			return -1;
		}
	}
	*n = i;
	return 0;
}

static struct store_stmt *store_vbind(struct store_conn *c, enum stmt id, const char *fmt,
				      va_list ap)
{
	struct store_value values[STORE_PARAMS_MAX];
	int n;

	if (values_from_format(fmt, ap, values, &n) != 0) {
		fprintf(stderr, "majorops: cannot bind statement %d: bad format '%s'\n", (int)id, fmt);
		return NULL;
	}
	return c->be->bind(c, id, values, n);
}

struct store_stmt *store_bind(struct store_conn *c, enum stmt id, const char *fmt, ...)
{
	struct store_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = store_vbind(c, id, fmt, ap);
	va_end(ap);
	return st;
}

int store_step(struct store_stmt *st)
{
	return st->conn->be->step(st);
}

void store_reset(struct store_stmt *st)
{
	st->conn->be->reset(st);
}

int64_t store_col_int(struct store_stmt *st, int col)
{
	return st->conn->be->col_int(st, col);
}

bool store_col_null(struct store_stmt *st, int col)
{
	return st->conn->be->col_null(st, col);
}

const char *store_col_text(struct store_stmt *st, int col)
{
	return st->conn->be->col_text(st, col);
}

int store_run(struct store_conn *c, enum stmt id, const char *fmt, ...)
{
	struct store_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	st = store_vbind(c, id, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	rc = store_step(st);
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_query_int(struct store_conn *c, int64_t *out, int64_t dflt, enum stmt id,
		    const char *fmt, ...)
{
	struct store_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	st = store_vbind(c, id, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	rc = store_step(st);
	*out = rc == 1 && !store_col_null(st, 0) ? store_col_int(st, 0) : dflt;
	store_reset(st);
	return rc < 0 ? -1 : 0;
}

int store_event_append(struct store_conn *c, int64_t incident, int64_t at, const char *actor,
		       const char *type, const char *visibility, const char *payload,
		       int64_t *seq)
{
	struct pending_event *ev;
	int64_t appended;

	if (!c->writer)
		return -1;
	if (store_query_int(c, &appended, 0, STMT_EVENT_APPEND, "iitttt", incident, at, actor, type,
			    visibility, payload) != 0 || appended <= 0)
		return -1;
	if (c->npending == c->cappending) {
		size_t cap = c->cappending ? c->cappending * 2 : 16;
		struct pending_event *p = realloc(c->pending, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		c->pending = p;
		c->cappending = cap;
	}
	ev = &c->pending[c->npending];
	ev->seq = appended;
	ev->incident = incident;
	ev->at = at;
	ev->type = dup_str(type);
	ev->visibility = dup_str(visibility);
	ev->payload = dup_str(payload);
	if (!ev->type || !ev->visibility || !ev->payload) {
		free(ev->type);
		free(ev->visibility);
		free(ev->payload);
		return -1;
	}
	c->npending++;
	*seq = appended;
	return 0;
}

/* ---- the worker lease ---- */

bool store_lease_acquire(struct store *s)
{
	bool held = s->be->lease_acquire ? s->be->lease_acquire(s) : true;

	pthread_mutex_lock(&s->lock);
	s->lease_held = held;
	pthread_mutex_unlock(&s->lock);
	return held;
}

bool store_lease_held(struct store *s)
{
	bool held;

	pthread_mutex_lock(&s->lock);
	held = s->lease_held;
	pthread_mutex_unlock(&s->lock);
	return held;
}

void store_lease_release(struct store *s)
{
	if (s->be->lease_release)
		s->be->lease_release(s);
	pthread_mutex_lock(&s->lock);
	s->lease_held = false;
	pthread_mutex_unlock(&s->lock);
}

struct beat_cmd {
	const char *holder;
	int64_t now;
};

static int cmd_beat(struct store_conn *c, void *arg)
{
	const struct beat_cmd *b = arg;

	return store_run(c, STMT_WORKER_BEAT, "ti", b->holder, b->now);
}

int store_lease_beat(struct store *s, const char *holder, int64_t now)
{
	struct beat_cmd b = {.holder = holder, .now = now};

	return store_write(s, cmd_beat, &b) == 0 ? 0 : -1;
}

/* ---- copying and exporting a whole store ---- */

/* Every table, parents first (foreign keys hold while copying), with its columns:
 * 'i' integer, 't' text; either may be NULL. */
static const struct copy_table {
	const char *name;
	const char *types;
	const char *const *columns;
	enum stmt select, insert;
} copy_tables[] = {
	{"incidents", "iiiitt",
	 (const char *const[]){"number", "version", "active", "opened_at", "search", "doc", NULL},
	 STMT_COPY_INCIDENTS_SELECT, STMT_COPY_INCIDENTS_INSERT},
	{"timeline", "iiittttti",
	 (const char *const[]){"id", "incident", "at", "author", "type", "visibility", "text",
			       "payload", "amends", NULL},
	 STMT_COPY_TIMELINE_SELECT, STMT_COPY_TIMELINE_INSERT},
	{"updates", "iiittttti",
	 (const char *const[]){"id", "incident", "at", "author", "body", "audience", "kind",
			       "status", "next_update_eta", NULL},
	 STMT_COPY_UPDATES_SELECT, STMT_COPY_UPDATES_INSERT},
	{"responders", "iittttiiiiii",
	 (const char *const[]){"id", "incident", "person", "rotation", "role", "state", "paged_at",
			       "acknowledged_at", "joining_at", "on_scene_at", "released_at",
			       "updated_at", NULL},
	 STMT_COPY_RESPONDERS_SELECT, STMT_COPY_RESPONDERS_INSERT},
	{"events", "iiitttt",
	 (const char *const[]){"seq", "incident", "at", "actor", "type", "visibility", "payload", NULL},
	 STMT_COPY_EVENTS_SELECT, STMT_COPY_EVENTS_INSERT},
	{"worker_heartbeat", "iti", (const char *const[]){"id", "holder", "beat_at", NULL},
	 STMT_COPY_HEARTBEAT_SELECT, STMT_COPY_HEARTBEAT_INSERT},
	/* public status page (issue 6) */
	{"components", "ittitii",
	 (const char *const[]){"id", "name", "description", "position", "status", "created_at",
			       "updated_at", NULL},
	 STMT_COPY_COMPONENTS_SELECT, STMT_COPY_COMPONENTS_INSERT},
	{"maintenances", "itttiitiiii",
	 (const char *const[]){"id", "title", "body", "components", "scheduled_for",
			       "scheduled_until", "state", "started_at", "completed_at", "created_at",
			       "updated_at", NULL},
	 STMT_COPY_MAINTENANCES_SELECT, STMT_COPY_MAINTENANCES_INSERT},
	/* alert intake and run cards (issue 8): integrations before what refers to them */
	{"integrations", "ittttttti",
	 (const char *const[]){"id", "name", "kind", "token_hash", "severity_label", "severity_map",
			       "default_severity", "systems", "created_at", NULL},
	 STMT_COPY_INTEGRATIONS_SELECT, STMT_COPY_INTEGRATIONS_INSERT},
	{"integration_log", "iiititt",
	 (const char *const[]){"id", "integration", "at", "outcome", "incident", "message",
			       "payload", NULL},
	 STMT_COPY_INTEGRATION_LOG_SELECT, STMT_COPY_INTEGRATION_LOG_INSERT},
	{"alert_groups", "iitiiii",
	 (const char *const[]){"id", "integration", "group_key", "incident", "count", "first_at",
			       "last_seen", NULL},
	 STMT_COPY_ALERT_GROUPS_SELECT, STMT_COPY_ALERT_GROUPS_INSERT},
	{"alerts", "iittitiii",
	 (const char *const[]){"id", "integration", "fingerprint", "group_key", "incident", "status",
			       "starts_at", "ends_at", "last_seen", NULL},
	 STMT_COPY_ALERTS_SELECT, STMT_COPY_ALERTS_INSERT},
	{"runcards", "iititit",
	 (const char *const[]){"id", "alarm_level", "service", "version", "body", "created_at",
			       "created_by", NULL},
	 STMT_COPY_RUNCARDS_SELECT, STMT_COPY_RUNCARDS_INSERT},
	/* After Action reviews and their action items (issue 10) */
	{"action_items", "iittittttiitii",
	 (const char *const[]){"id", "incident", "title", "owner", "due_at", "priority", "tracker_url",
			       "state", "reason", "non_negotiable", "created_at", "created_by",
			       "updated_at", "closed_at", NULL},
	 STMT_COPY_ACTION_ITEMS_SELECT, STMT_COPY_ACTION_ITEMS_INSERT},
	{"after_actions", "itittiiti",
	 (const char *const[]){"incident", "state", "version", "sections", "published", "created_at",
			       "updated_at", "updated_by", "published_at", NULL},
	 STMT_COPY_AFTER_ACTIONS_SELECT, STMT_COPY_AFTER_ACTIONS_INSERT},
	/* ---- issue 7: accounts, sessions, tokens, audit (auth.h) ---- */
	{"settings", "tt", (const char *const[]){"key", "value", NULL}, STMT_COPY_SETTINGS_SELECT,
	 STMT_COPY_SETTINGS_INSERT},
	{"users", "ttttitii",
	 (const char *const[]){"name", "display", "role", "password_hash", "disabled", "source",
			       "created_at", "updated_at", NULL},
	 STMT_COPY_USERS_SELECT, STMT_COPY_USERS_INSERT},
	{"sessions", "ttiit",
	 (const char *const[]){"id_hash", "user_name", "created_at", "last_seen", "address", NULL},
	 STMT_COPY_SESSIONS_SELECT, STMT_COPY_SESSIONS_INSERT},
	{"api_tokens", "ittttiiii",
	 (const char *const[]){"id", "token_hash", "user_name", "name", "role", "created_at",
			       "expires_at", "revoked_at", "last_used_at", NULL},
	 STMT_COPY_API_TOKENS_SELECT, STMT_COPY_API_TOKENS_INSERT},
	{"audit_log", "iittttt",
	 (const char *const[]){"id", "at", "actor", "action", "subject", "address", "detail", NULL},
	 STMT_COPY_AUDIT_LOG_SELECT, STMT_COPY_AUDIT_LOG_INSERT},
	/* ---- issue 9: on-call teams, rotations, pages (oncall.h) ---- */
	{"teams", "itttittii",
	 (const char *const[]){"id", "name", "manager", "manager_email", "ack_minutes", "steps",
			       "members", "created_at", "updated_at", NULL},
	 STMT_COPY_TEAMS_SELECT, STMT_COPY_TEAMS_INSERT},
	{"rotations", "iitittttit",
	 (const char *const[]){"id", "team", "name", "shift_hours", "handover", "zone", "start_date",
			       "members", "created_at", "created_by", NULL},
	 STMT_COPY_ROTATIONS_SELECT, STMT_COPY_ROTATIONS_INSERT},
	{"rotation_overrides", "iitiitit",
	 (const char *const[]){"id", "rotation", "person", "from_at", "to_at", "reason", "created_at",
			       "created_by", NULL},
	 STMT_COPY_ROTATION_OVERRIDES_SELECT, STMT_COPY_ROTATION_OVERRIDES_INSERT},
	{"pages", "iiittiiiiti",
	 (const char *const[]){"id", "incident", "team", "team_name", "state", "paged_at",
			       "acknowledged_at", "next_at", "drill", "doc", "updated_at", NULL},
	 STMT_COPY_PAGES_SELECT, STMT_COPY_PAGES_INSERT},
	/* ---- issue 9: notifications outbox, channels, subscribers (outbox.h) ---- */
	{"channels", "itttttttiii",
	 (const char *const[]){"id", "name", "kind", "url", "address", "secret", "events", "audience",
			       "enabled", "created_at", "updated_at", NULL},
	 STMT_COPY_CHANNELS_SELECT, STMT_COPY_CHANNELS_INSERT},
	{"subscribers", "ittiiiii",
	 (const char *const[]){"id", "email", "state", "created_at", "confirmed_at", "unsubscribed_at",
			       "last_mail_at", "updated_at", NULL},
	 STMT_COPY_SUBSCRIBERS_SELECT, STMT_COPY_SUBSCRIBERS_INSERT},
	{"outbox", "iiiittiittttiiti",
	 (const char *const[]){"id", "created_at", "incident", "seq", "topic", "kind", "channel",
			       "subscriber", "dest", "address", "payload", "state", "attempts", "next_at",
			       "last_error", "updated_at", NULL},
	 STMT_COPY_OUTBOX_SELECT, STMT_COPY_OUTBOX_INSERT},
	/* ---- issue 10, second part: After Action additions ---- */
};
#define NCOPY_TABLES (sizeof(copy_tables) / sizeof(copy_tables[0]))

/* Whether every table's type string matches its column list (a broken one would read
 * past a statement's columns). */
static bool copy_tables_sane(void)
{
	for (size_t t = 0; t < NCOPY_TABLES; t++) {
		size_t n = 0;

		while (copy_tables[t].columns[n])
			n++;
		if (n != strlen(copy_tables[t].types) || n > STORE_PARAMS_MAX)
			return false;
	}
	return true;
}

/* The current row of a copy SELECT as bind values (texts borrowed from the statement). */
static void row_values(struct store_stmt *st, const struct copy_table *t,
		       struct store_value *v)
{
	for (int i = 0; t->types[i]; i++) {
		v[i] = (struct store_value){.kind = 'n'};
		if (store_col_null(st, i))
			continue;
		if (t->types[i] == 'i') {
			v[i].kind = 'i';
			v[i].i = store_col_int(st, i);
		} else {
			v[i].kind = 't';
			v[i].t = store_col_text(st, i);
		}
	}
}

struct copy_cmd {
	struct store *from;
	int64_t rows;
	char *err;
	size_t errlen;
};

static int cmd_copy(struct store_conn *c, void *arg)
{
	struct copy_cmd *cc = arg;
	struct store_conn *src = store_read_begin(cc->from);
	int64_t existing;
	int rc = -1;

	if (store_query_int(c, &existing, 0, STMT_STORE_ROWS, "") != 0) {
		snprintf(cc->err, cc->errlen, "cannot read the destination");
		goto done;
	}
	if (existing != 0) {
		snprintf(cc->err, cc->errlen,
			 "the destination is not empty (%lld rows): migrate copies into a new store only",
			 (long long)existing);
		goto done;
	}
	for (size_t t = 0; t < NCOPY_TABLES; t++) {
		const struct copy_table *tab = &copy_tables[t];
		struct store_stmt *st = store_bind(src, tab->select, "");
		int step;

		if (st == NULL) {
			snprintf(cc->err, cc->errlen, "cannot read table %s of the source", tab->name);
			goto done;
		}
		while ((step = store_step(st)) == 1) {
			struct store_value v[STORE_PARAMS_MAX];
			struct store_stmt *ins;
			int ins_rc;

			row_values(st, tab, v);
			ins = c->be->bind(c, tab->insert, v, (int)strlen(tab->types));
			ins_rc = ins ? store_step(ins) : -1;
			if (ins)
				store_reset(ins);
			if (ins_rc < 0) {
				snprintf(cc->err, cc->errlen, "cannot write a row of table %s", tab->name);
				goto done;
			}
			cc->rows++;
		}
		store_reset(st);
		if (step < 0) {
			snprintf(cc->err, cc->errlen, "cannot read table %s of the source", tab->name);
			goto done;
		}
	}
	if (c->be->after_copy && c->be->after_copy(c) != 0) {
		snprintf(cc->err, cc->errlen, "cannot move the id sequences past the copied rows");
		goto done;
	}
	rc = 0;
done:
	store_read_end(cc->from, src);
	return rc;
}

int64_t store_copy(struct store *from, struct store *to, char *err, size_t errlen)
{
	struct copy_cmd cc = {.from = from, .err = err, .errlen = errlen};
	struct store_conn *a = store_read_begin(from), *b = store_read_begin(to);
	int from_version = 0, to_version = 0, rc;

	if (!copy_tables_sane())
		abort(); /* a broken invariant of this file, not a runtime condition */
	rc = from->be->schema_version(a, &from_version) | to->be->schema_version(b, &to_version);
	store_read_end(from, a);
	store_read_end(to, b);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the schema versions");
		return -1;
	}
	if (from_version != to_version) {
		snprintf(err, errlen, "schema versions differ (%d and %d)", from_version, to_version);
		return -1;
	}
	*err = '\0';
	rc = store_write(to, cmd_copy, &cc);
	if (rc != 0) {
		if (*err == '\0')
			snprintf(err, errlen, "the copy could not be committed to '%s'", to->display);
		return -1;
	}
	return cc.rows;
}

/* Writes one row as a compact JSON array: integers as numbers, text as strings. */
static int export_row(FILE *out, struct store_stmt *st, const struct copy_table *t)
{
	json_t *row = json_array();
	char *text;
	int rc = -1;

	if (row == NULL)
		return -1;
	for (int i = 0; t->types[i]; i++) {
		json_t *v;

		if (store_col_null(st, i))
			v = json_null();
		else if (t->types[i] == 'i')
			v = json_integer(store_col_int(st, i));
		else
			v = json_string(store_col_text(st, i));
		if (json_array_append_new(row, v) != 0)
			goto done;
	}
	text = json_dumps(row, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL)
		goto done;
	rc = fputs(text, out) < 0 ? -1 : 0;
	free(text);
done:
	json_decref(row);
	return rc;
}

int store_export(struct store *s, FILE *out, char *err, size_t errlen)
{
	struct store_conn *c = store_read_begin(s);
	int version;

	if (!copy_tables_sane())
		abort(); /* a broken invariant of this file, not a runtime condition */
	if (s->be->schema_version(c, &version) != 0) {
		snprintf(err, errlen, "cannot read the schema version of '%s'", s->display);
		goto fail;
	}
	if (fprintf(out, "{\"format\":\"majorops-export\",\"schema\":%d,\"tables\":[", version) < 0)
		goto write_fail;
	for (size_t t = 0; t < NCOPY_TABLES; t++) {
		const struct copy_table *tab = &copy_tables[t];
		struct store_stmt *st = store_bind(c, tab->select, "");
		int step;
		bool first = true;

		if (fprintf(out, "%s\n{\"name\":\"%s\",\"columns\":[", t ? "," : "", tab->name) < 0)
			goto write_fail;
		for (int i = 0; tab->types[i]; i++)
			if (fprintf(out, "%s\"%s\"", i ? "," : "", tab->columns[i]) < 0)
				goto write_fail;
		if (fputs("],\"rows\":[", out) < 0)
			goto write_fail;
		if (st == NULL) {
			snprintf(err, errlen, "cannot read table %s of '%s'", tab->name, s->display);
			goto fail;
		}
		while ((step = store_step(st)) == 1) {
			if (fputs(first ? "\n" : ",\n", out) < 0 || export_row(out, st, tab) != 0)
				goto write_fail;
			first = false;
		}
		store_reset(st);
		if (step < 0) {
			snprintf(err, errlen, "cannot read table %s of '%s'", tab->name, s->display);
			goto fail;
		}
		if (fputs("]}", out) < 0)
			goto write_fail;
	}
	if (fputs("]}\n", out) < 0 || fflush(out) != 0)
		goto write_fail;
	store_read_end(s, c);
	return 0;
write_fail:
	snprintf(err, errlen, "cannot write the export");
fail:
	store_read_end(s, c);
	return -1;
}

/* ---- importing an export (majorops import) ---- */

struct import_cmd {
	const json_t *tables; /* the export's "tables" */
	int64_t rows;
	char *err;
	size_t errlen;
};

/* The export's table named `name`, or NULL. */
static const json_t *import_table(const json_t *tables, const char *name)
{
	const json_t *t;
	size_t i;

	json_array_foreach(tables, i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));

		if (n && strcmp(n, name) == 0)
			return t;
	}
	return NULL;
}

/* Whether the export's column list is exactly the table's (same names, same order). */
static bool import_columns_match(const json_t *columns, const struct copy_table *tab)
{
	size_t n = strlen(tab->types);

	if (!json_is_array(columns) || json_array_size(columns) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *name = json_string_value(json_array_get(columns, i));

		if (name == NULL || strcmp(name, tab->columns[i]) != 0)
			return false;
	}
	return true;
}

/* One row of the export as bind values (texts borrowed from the JSON); -1 when a value
 * has the wrong type for its column. */
static int import_row_values(const json_t *row, const struct copy_table *tab,
			     struct store_value *v)
{
	size_t n = strlen(tab->types);

	if (!json_is_array(row) || json_array_size(row) != n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *x = json_array_get(row, i);

		v[i] = (struct store_value){.kind = 'n'};
		if (json_is_null(x))
			continue;
		if (tab->types[i] == 'i' && json_is_integer(x)) {
			v[i].kind = 'i';
			v[i].i = (int64_t)json_integer_value(x);
		} else if (tab->types[i] == 't' && json_is_string(x)) {
			v[i].kind = 't';
			v[i].t = json_string_value(x);
		} else {
			return -1;
		}
	}
	return 0;
}

static int cmd_import(struct store_conn *c, void *arg)
{
	struct import_cmd *ic = arg;
	const json_t *t;
	int64_t existing;
	size_t i;

	if (store_query_int(c, &existing, 0, STMT_STORE_ROWS, "") != 0) {
		snprintf(ic->err, ic->errlen, "cannot read the destination");
		return -1;
	}
	if (existing != 0) {
		snprintf(ic->err, ic->errlen,
			 "the destination is not empty (%lld rows): import restores into a new store only",
			 (long long)existing);
		return -1;
	}
	/* Every table of the export must be one this build knows: nothing is dropped. */
	json_array_foreach(ic->tables, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		size_t k;

		for (k = 0; name && k < NCOPY_TABLES; k++)
			if (strcmp(copy_tables[k].name, name) == 0)
				break;
		if (name == NULL || k == NCOPY_TABLES) {
			snprintf(ic->err, ic->errlen, "the export has a table this build does not know: %s",
				 name ? name : "(no name)");
			return -1;
		}
	}
	/* In copy order, parents first, so foreign keys hold while rows go in. */
	for (size_t k = 0; k < NCOPY_TABLES; k++) {
		const struct copy_table *tab = &copy_tables[k];
		const json_t *row;

		t = import_table(ic->tables, tab->name);
		if (t == NULL) {
			snprintf(ic->err, ic->errlen, "the export has no table %s", tab->name);
			return -1;
		}
		if (!import_columns_match(json_object_get(t, "columns"), tab) ||
		    !json_is_array(json_object_get(t, "rows"))) {
			snprintf(ic->err, ic->errlen, "table %s of the export does not have the columns "
				 "of this build", tab->name);
			return -1;
		}
		json_array_foreach(json_object_get(t, "rows"), i, row) {
			struct store_value v[STORE_PARAMS_MAX];
			struct store_stmt *ins;
			int ins_rc;

			if (import_row_values(row, tab, v) != 0) {
				snprintf(ic->err, ic->errlen, "row %zu of table %s is malformed", i, tab->name);
				return -1;
			}
			ins = c->be->bind(c, tab->insert, v, (int)strlen(tab->types));
			ins_rc = ins ? store_step(ins) : -1;
			if (ins)
				store_reset(ins);
			if (ins_rc < 0) {
				snprintf(ic->err, ic->errlen, "cannot write row %zu of table %s", i, tab->name);
				return -1;
			}
			ic->rows++;
		}
	}
	if (c->be->after_copy && c->be->after_copy(c) != 0) {
		snprintf(ic->err, ic->errlen, "cannot move the id sequences past the imported rows");
		return -1;
	}
	return 0;
}

int64_t store_import(struct store *s, FILE *in, char *err, size_t errlen)
{
	struct import_cmd ic = {.err = err, .errlen = errlen};
	struct store_conn *c;
	json_error_t jerr;
	json_t *doc;
	int version = 0, rc;

	if (!copy_tables_sane())
		abort(); /* a broken invariant of this file, not a runtime condition */
	doc = json_loadf(in, 0, &jerr);
	if (doc == NULL) {
		snprintf(err, errlen, "the export is not JSON: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	if (strcmp(json_string_value(json_object_get(doc, "format")) ?: "", "majorops-export") != 0 ||
	    !json_is_integer(json_object_get(doc, "schema")) ||
	    !json_is_array(json_object_get(doc, "tables"))) {
		snprintf(err, errlen, "not a majorops export (format, schema and tables expected)");
		json_decref(doc);
		return -1;
	}
	c = store_read_begin(s);
	rc = s->be->schema_version(c, &version);
	store_read_end(s, c);
	if (rc != 0 || version != json_integer_value(json_object_get(doc, "schema"))) {
		if (rc != 0)
			snprintf(err, errlen, "cannot read the schema version of '%s'", s->display);
		else
			snprintf(err, errlen, "the export is of schema %lld, the store of schema %d",
				 (long long)json_integer_value(json_object_get(doc, "schema")), version);
		json_decref(doc);
		return -1;
	}
	ic.tables = json_object_get(doc, "tables");
	*err = '\0';
	rc = store_write(s, cmd_import, &ic);
	json_decref(doc);
	if (rc != 0) {
		if (*err == '\0')
			snprintf(err, errlen, "the import could not be committed to '%s'", s->display);
		return -1;
	}
	return ic.rows;
}

int store_backup(const char *db, const char *out_path, char *err, size_t errlen)
{
	if (store_db_is_postgres(db)) {
		snprintf(err, errlen,
			 "backup copies SQLite stores; back up PostgreSQL with pg_dump (docs/postgres.md)");
		return -1;
	}
	return store_sqlite_backup(db, out_path, err, errlen);
}
