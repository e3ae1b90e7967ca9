/* The SQLite backend of store.h: WAL, synchronous=FULL, one writer thread, group commit. */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Migrations are numbered from 1 and never edited once released: add a new one instead. */
static const char *const migrations[] = {
	/* 1: the event log and the first projections */
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident INTEGER,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  visibility TEXT NOT NULL CHECK (visibility IN ('public','internal')),"
	"  payload TEXT NOT NULL);"
	"CREATE TABLE incidents ("
	"  number INTEGER PRIMARY KEY,"
	"  version INTEGER NOT NULL,"
	"  active INTEGER NOT NULL,"
	"  opened_at INTEGER NOT NULL,"
	"  search TEXT NOT NULL,"
	"  doc TEXT NOT NULL);"
	"CREATE INDEX incidents_active ON incidents(active, number);"
	"CREATE TABLE timeline ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  at INTEGER NOT NULL,"
	"  author TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  visibility TEXT NOT NULL CHECK (visibility IN ('public','internal')),"
	"  text TEXT NOT NULL,"
	"  payload TEXT,"
	"  amends INTEGER REFERENCES timeline(id));"
	"CREATE INDEX timeline_incident ON timeline(incident, id);"
	"CREATE TABLE updates ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  at INTEGER NOT NULL,"
	"  author TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  audience TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  status TEXT,"
	"  next_update_eta INTEGER);"
	"CREATE INDEX updates_incident ON updates(incident, audience, id);"
	"CREATE TABLE responders ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  person TEXT,"
	"  rotation TEXT,"
	"  role TEXT,"
	"  state TEXT NOT NULL,"
	"  paged_at INTEGER, acknowledged_at INTEGER, joining_at INTEGER,"
	"  on_scene_at INTEGER, released_at INTEGER, updated_at INTEGER NOT NULL);"
	"CREATE INDEX responders_incident ON responders(incident, id);",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The statement table: one row per enum stmt, in enum order. */
static const char *const sqlite_stmts[STMT__MAX] = {
	/* STMT_INCIDENT_NEXT_NUMBER */
	"SELECT coalesce(max(number), 0) + 1 FROM incidents",
	/* STMT_INCIDENT_INSERT */
	"INSERT INTO incidents (number, version, active, opened_at, search, doc) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* STMT_INCIDENT_UPDATE */
	"UPDATE incidents SET version = ?1, active = ?2, search = ?3, doc = ?4 WHERE number = ?5",
	/* STMT_INCIDENT_GET */
	"SELECT doc FROM incidents WHERE number = ?1",
	/* STMT_INCIDENT_EXISTS */
	"SELECT 1 FROM incidents WHERE number = ?1",
	/* STMT_INCIDENT_LIST */
	"SELECT number, doc FROM incidents "
	"WHERE (?1 = 2 OR active = (?1 = 0)) AND (?2 IS NULL OR instr(search, ?2) > 0) "
	"AND number < ?3 ORDER BY number DESC LIMIT ?4",
	/* STMT_INCIDENT_COUNT */
	"SELECT count(*) FROM incidents",
	/* STMT_EVENT_APPEND */
	"INSERT INTO events (incident, at, actor, type, visibility, payload) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* STMT_EVENTS_AFTER */
	"SELECT seq, incident, at, type, visibility, payload FROM events "
	"WHERE seq > ?1 ORDER BY seq LIMIT ?2",
	/* STMT_EVENT_HEAD */
	"SELECT coalesce(max(seq), 0) FROM events",
	/* STMT_TIMELINE_APPEND */
	"INSERT INTO timeline (incident, at, author, type, visibility, text, payload, amends) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* STMT_TIMELINE_LIST */
	"SELECT id, at, author, type, visibility, text, payload, amends FROM timeline "
	"WHERE incident = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
	/* STMT_TIMELINE_GET */
	"SELECT incident FROM timeline WHERE id = ?1",
	/* STMT_UPDATE_APPEND */
	"INSERT INTO updates (incident, at, author, body, audience, kind, status, next_update_eta) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* STMT_UPDATE_LIST */
	"SELECT id, at, author, body, audience, kind, status, next_update_eta FROM updates "
	"WHERE incident = ?1 ORDER BY id",
	/* STMT_UPDATE_LATEST */
	"SELECT at, next_update_eta, kind FROM updates WHERE incident = ?1 AND audience = ?2 "
	"ORDER BY id DESC LIMIT 1",
	/* STMT_UPDATE_COUNT */
	"SELECT count(*) FROM updates WHERE incident = ?1",
	/* STMT_RESPONDER_INSERT */
	"INSERT INTO responders (incident, person, rotation, role, state, paged_at, "
	"acknowledged_at, joining_at, on_scene_at, released_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	/* STMT_RESPONDER_UPDATE */
	"UPDATE responders SET role = ?1, state = ?2, paged_at = ?3, acknowledged_at = ?4, "
	"joining_at = ?5, on_scene_at = ?6, released_at = ?7, updated_at = ?8 WHERE id = ?9",
	/* STMT_RESPONDER_GET */
	"SELECT id, person, rotation, role, state, paged_at, acknowledged_at, joining_at, "
	"on_scene_at, released_at, updated_at FROM responders WHERE incident = ?1 AND id = ?2",
	/* STMT_RESPONDER_LIST */
	"SELECT id, person, rotation, role, state, paged_at, acknowledged_at, joining_at, "
	"on_scene_at, released_at, updated_at FROM responders WHERE incident = ?1 ORDER BY id",
	/* STMT_RESPONDER_TECH_ON_SCENE */
	"SELECT count(*) FROM responders WHERE incident = ?1 AND state = 'onScene' AND "
	"(role IN ('sre', 'sme') OR lower(trim(person)) = lower(trim(?2)) "
	" OR lower(trim(person)) = lower(trim(?3)))",
};

struct store_stmt {
	sqlite3_stmt *st;
};

/* Events appended by the running command, kept until its batch commits. */
struct pending_event {
	int64_t seq;
	int64_t incident;
	int64_t at;
	char *type;
	char *visibility;
	char *payload;
};

struct store_conn {
	sqlite3 *db;
	struct store_stmt stmts[STMT__MAX];
	struct store_stmt *active[STMT__MAX]; /* statements bound and not yet reset */
	/* writer only */
	struct pending_event *pending;
	size_t npending, cappending;
};

struct write_job {
	store_command_fn fn;
	void *arg;
	int rc;
	bool done;
	struct write_job *next;
};

struct store {
	struct store_config cfg;
	struct store_conn *writer;
	pthread_t writer_thread;
	pthread_mutex_t lock;
	pthread_cond_t job_ready;
	pthread_cond_t job_done;
	struct write_job *queue_head, *queue_tail;
	bool stopping;
	/* the read pool */
	struct store_conn **readers;
	int nreaders_free;
	pthread_cond_t reader_free;
	int64_t head; /* highest committed seq, under lock */
};

static void conn_close(struct store_conn *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(c->stmts[i].st);
	sqlite3_close(c->db);
	for (size_t i = 0; i < c->npending; i++) {
		free(c->pending[i].type);
		free(c->pending[i].visibility);
		free(c->pending[i].payload);
	}
	free(c->pending);
	free(c);
}

static int conn_exec(struct store_conn *c, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "majorops: sql failed '%.60s': %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static struct store_conn *conn_open(const char *path, int busy_ms, bool writer, char *err,
				    size_t errlen)
{
	struct store_conn *c = calloc(1, sizeof(*c));
	int flags = writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;

	if (c == NULL) {
		snprintf(err, errlen, "cannot open database '%s': out of memory", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database '%s': %s", path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, busy_ms);
	sqlite3_extended_result_codes(c->db, 1);
	if (writer) {
		/* WAL with FULL sync: a commit is on disk before store_write() returns. */
		if (conn_exec(c, "PRAGMA journal_mode=WAL") || conn_exec(c, "PRAGMA synchronous=FULL") ||
		    conn_exec(c, "PRAGMA foreign_keys=ON")) {
			snprintf(err, errlen, "cannot open database '%s': %s", path,
				 sqlite3_errmsg(c->db));
			goto fail;
		}
	}
	return c;
fail:
	conn_close(c);
	return NULL;
}

static int conn_prepare(struct store_conn *c, char *err, size_t errlen)
{
	for (int i = 0; i < STMT__MAX; i++) {
		if (sqlite3_prepare_v3(c->db, sqlite_stmts[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmts[i].st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "cannot prepare statement %d: %s", i,
				 sqlite3_errmsg(c->db));
			return -1;
		}
	}
	return 0;
}

static int store_migrate(struct store_conn *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int version = 0;

	if (conn_exec(c, "PRAGMA user_version") != 0)
		goto fail;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > NMIGRATIONS) {
		snprintf(err, errlen, "database schema version %d is newer than this majorops (%d)",
			 version, NMIGRATIONS);
		return -1;
	}
	for (int v = version; v < NMIGRATIONS; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
		if (conn_exec(c, "BEGIN IMMEDIATE") != 0)
			goto fail;
		if (conn_exec(c, migrations[v]) != 0 || conn_exec(c, pragma) != 0) {
			conn_exec(c, "ROLLBACK");
			snprintf(err, errlen, "migration %d failed", v + 1);
			return -1;
		}
		if (conn_exec(c, "COMMIT") != 0)
			goto fail;
	}
	return 0;
fail:
	sqlite3_finalize(st);
	snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(c->db));
	return -1;
}

static void pending_clear(struct store_conn *c, size_t from)
{
	for (size_t i = from; i < c->npending; i++) {
		free(c->pending[i].type);
		free(c->pending[i].visibility);
		free(c->pending[i].payload);
	}
	c->npending = from;
}

/* Resets every statement a command left bound, so no read lock outlives it. */
static void conn_reset_active(struct store_conn *c)
{
	for (int i = 0; i < STMT__MAX; i++) {
		if (c->active[i]) {
			sqlite3_reset(c->active[i]->st);
			sqlite3_clear_bindings(c->active[i]->st);
			c->active[i] = NULL;
		}
	}
}

static void *writer_main(void *arg)
{
	struct store *s = arg;
	struct store_conn *c = s->writer;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct write_job *batch;
		int commit_rc;

		while (s->queue_head == NULL && !s->stopping)
			pthread_cond_wait(&s->job_ready, &s->lock);
		if (s->queue_head == NULL && s->stopping)
			break;
		batch = s->queue_head;
		s->queue_head = s->queue_tail = NULL;
		pthread_mutex_unlock(&s->lock);

		commit_rc = conn_exec(c, "BEGIN IMMEDIATE");
		for (struct write_job *j = batch; j; j = j->next) {
			size_t mark = c->npending;

			if (commit_rc != 0) {
				j->rc = STORE_ERR_IO;
				continue;
			}
			if (conn_exec(c, "SAVEPOINT job") != 0) {
				j->rc = STORE_ERR_IO;
				continue;
			}
			j->rc = j->fn(c, j->arg);
			conn_reset_active(c);
			if (j->rc != 0) {
				conn_exec(c, "ROLLBACK TO job");
				pending_clear(c, mark);
			}
			conn_exec(c, "RELEASE job");
		}
		if (commit_rc == 0 && conn_exec(c, "COMMIT") != 0) {
			conn_exec(c, "ROLLBACK");
			commit_rc = -1;
		}
		if (commit_rc != 0) {
			for (struct write_job *j = batch; j; j = j->next)
				j->rc = STORE_ERR_IO;
			pending_clear(c, 0);
		}
		if (c->npending) {
			struct store_event events[64];
			size_t n = 0;

			for (size_t i = 0; i < c->npending; i++) {
				events[n++] = (struct store_event){
					.seq = c->pending[i].seq,
					.incident = c->pending[i].incident,
					.at = c->pending[i].at,
					.type = c->pending[i].type,
					.visibility = c->pending[i].visibility,
					.payload = c->pending[i].payload,
				};
				if (n == 64 || i + 1 == c->npending) {
					if (s->cfg.on_commit)
						s->cfg.on_commit(s->cfg.on_commit_ctx, events, n);
					n = 0;
				}
			}
			pthread_mutex_lock(&s->lock);
			s->head = c->pending[c->npending - 1].seq;
			pthread_mutex_unlock(&s->lock);
			pending_clear(c, 0);
		}

		pthread_mutex_lock(&s->lock);
		for (struct write_job *j = batch; j; j = j->next)
			j->done = true;
		pthread_cond_broadcast(&s->job_done);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

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
	s->writer = conn_open(cfg->path, s->cfg.busy_timeout_ms, true, err, errlen);
	if (s->writer == NULL)
		goto fail;
	if (store_migrate(s->writer, err, errlen) != 0 || conn_prepare(s->writer, err, errlen) != 0)
		goto fail;
	s->readers = calloc((size_t)s->cfg.nreaders, sizeof(*s->readers));
	if (s->readers == NULL)
		goto fail;
	for (int i = 0; i < s->cfg.nreaders; i++) {
		s->readers[i] = conn_open(cfg->path, s->cfg.busy_timeout_ms, false, err, errlen);
		if (s->readers[i] == NULL || conn_prepare(s->readers[i], err, errlen) != 0)
			goto fail;
		s->nreaders_free++;
	}
	if (store_query_int(s->writer, &s->head, 0, STMT_EVENT_HEAD, "") != 0) {
		snprintf(err, errlen, "cannot read the event log of '%s'", cfg->path);
		goto fail;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->job_ready, NULL);
	pthread_cond_init(&s->job_done, NULL);
	pthread_cond_init(&s->reader_free, NULL);
	locks = true;
	if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (locks) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->job_ready);
		pthread_cond_destroy(&s->job_done);
		pthread_cond_destroy(&s->reader_free);
	}
	if (s->readers)
		for (int i = 0; i < s->cfg.nreaders; i++)
			conn_close(s->readers[i]);
	free(s->readers);
	conn_close(s->writer);
	free(s);
	return -1;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->job_ready);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->writer_thread, NULL);
	for (int i = 0; i < s->cfg.nreaders; i++)
		conn_close(s->readers[i]);
	free(s->readers);
	/* A clean close checkpoints the WAL so the next start-up has nothing to replay. */
	sqlite3_wal_checkpoint_v2(s->writer->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	conn_close(s->writer);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->job_ready);
	pthread_cond_destroy(&s->job_done);
	pthread_cond_destroy(&s->reader_free);
	free(s);
}

int store_write(struct store *s, store_command_fn fn, void *arg)
{
	struct write_job job = {.fn = fn, .arg = arg};

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return STORE_ERR_IO;
	}
	if (s->queue_tail)
		s->queue_tail->next = &job;
	else
		s->queue_head = &job;
	s->queue_tail = &job;
	pthread_cond_signal(&s->job_ready);
	while (!job.done)
		pthread_cond_wait(&s->job_done, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return job.rc;
}

struct store_conn *store_read_begin(struct store *s)
{
	struct store_conn *c;

	pthread_mutex_lock(&s->lock);
	while (s->nreaders_free == 0)
		pthread_cond_wait(&s->reader_free, &s->lock);
	c = s->readers[--s->nreaders_free];
	pthread_mutex_unlock(&s->lock);
	/* One snapshot for everything read until store_read_end(). */
	conn_exec(c, "BEGIN");
	return c;
}

void store_read_end(struct store *s, struct store_conn *c)
{
	conn_reset_active(c);
	conn_exec(c, "COMMIT");
	pthread_mutex_lock(&s->lock);
	s->readers[s->nreaders_free++] = c;
	pthread_cond_signal(&s->reader_free);
	pthread_mutex_unlock(&s->lock);
}

static struct store_stmt *store_vbind(struct store_conn *c, enum stmt id, const char *fmt,
				      va_list ap)
{
	struct store_stmt *st = &c->stmts[id];
	int rc = SQLITE_OK;

	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		const char *text;

		switch (fmt[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st->st, i + 1, va_arg(ap, int64_t));
			break;
		case 'b':
			rc = sqlite3_bind_int(st->st, i + 1, va_arg(ap, int) ? 1 : 0);
			break;
		case 't':
			text = va_arg(ap, const char *);
			rc = text ? sqlite3_bind_text(st->st, i + 1, text, -1, SQLITE_STATIC)
				  : sqlite3_bind_null(st->st, i + 1);
			break;
		case 'z': {
			int64_t v = va_arg(ap, int64_t);

			rc = v ? sqlite3_bind_int64(st->st, i + 1, v) : sqlite3_bind_null(st->st, i + 1);
			break;
		}
		case 'n':
			rc = sqlite3_bind_null(st->st, i + 1);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "majorops: cannot bind statement %d: %s\n", (int)id,
			sqlite3_errmsg(c->db));
		return NULL;
	}
	c->active[id] = st;
	return st;
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
	int rc = sqlite3_step(st->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	fprintf(stderr, "majorops: statement failed: %s\n",
		sqlite3_errmsg(sqlite3_db_handle(st->st)));
	return -1;
}

void store_reset(struct store_stmt *st)
{
	sqlite3_reset(st->st);
}

int64_t store_col_int(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

bool store_col_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

const char *store_col_text(struct store_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);

	return t ? (const char *)t : "";
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
	sqlite3_reset(st->st);
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
	sqlite3_reset(st->st);
	return rc < 0 ? -1 : 0;
}

int64_t store_last_insert_id(struct store_conn *c)
{
	return sqlite3_last_insert_rowid(c->db);
}

static char *dup_str(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = malloc(len);

	if (d)
		memcpy(d, s, len);
	return d;
}

int store_event_append(struct store_conn *c, int64_t incident, int64_t at, const char *actor,
		       const char *type, const char *visibility, const char *payload,
		       int64_t *seq)
{
	struct pending_event *ev;

	if (store_run(c, STMT_EVENT_APPEND, "iitttt", incident, at, actor, type, visibility,
		      payload) != 0)
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
	ev->seq = store_last_insert_id(c);
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
	*seq = ev->seq;
	return 0;
}

int64_t store_event_head(struct store *s)
{
	int64_t head;

	pthread_mutex_lock(&s->lock);
	head = s->head;
	pthread_mutex_unlock(&s->lock);
	return head;
}

bool store_ping(struct store *s)
{
	struct store_conn *c = store_read_begin(s);
	int64_t n;
	int rc = store_query_int(c, &n, 0, STMT_EVENT_HEAD, "");

	store_read_end(s, c);
	return rc == 0;
}
