/*
 * store — the durable record: an append-only event log plus the projections commands touch.
 *
 * The store is a statement table indexed by `enum stmt` (one table per backend, SQL never
 * built at run time) and a handful of primitives: bind by position with a tiny format
 * string, step, read columns.  All writes go through store_write(): a single writer thread
 * takes every queued command, runs each inside its own savepoint of one shared transaction
 * and commits the batch with one fsync (group commit).  A command that fails rolls back
 * alone; the others commit.  store_write() returns only after the commit is durable, so an
 * acknowledged write is never lost.  After each commit the writer hands the batch's events,
 * in sequence order, to the `on_commit` hook (the live streams) — after commit, never before.
 *
 * Reads use a pool of read connections (store_read_begin/store_read_end), each a consistent
 * snapshot while held.  The backend is SQLite in WAL mode with synchronous=FULL.
 *
 * Ownership: text returned by store_col_text() belongs to the statement and is valid until
 * the next store_step()/store_reset() on it; copy what you keep.
 */
#ifndef MAJOROPS_STORE_H
#define MAJOROPS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum stmt {
	STMT_INCIDENT_NEXT_NUMBER,  /* () → max(number)+1 */
	STMT_INCIDENT_INSERT,       /* (number, version, active, opened_at, search, doc) */
	STMT_INCIDENT_UPDATE,       /* (version, active, search, doc, number) */
	STMT_INCIDENT_GET,          /* (number) → doc */
	STMT_INCIDENT_EXISTS,       /* (number) → 1 */
	STMT_INCIDENT_LIST,         /* (state 0 active 1 resolved 2 all, q or NULL, before, limit) → number, doc */
	STMT_INCIDENT_COUNT,        /* () → count */
	STMT_EVENT_APPEND,          /* (incident, at, actor, type, visibility, payload) */
	STMT_EVENTS_AFTER,          /* (seq, limit) → seq, incident, at, type, visibility, payload */
	STMT_EVENT_HEAD,            /* () → max(seq) or 0 */
	STMT_TIMELINE_APPEND,       /* (incident, at, author, type, visibility, text, payload, amends) */
	STMT_TIMELINE_LIST,         /* (incident, after, limit) → id, at, author, type, visibility, text, payload, amends */
	STMT_TIMELINE_GET,          /* (id) → incident */
	STMT_UPDATE_APPEND,         /* (incident, at, author, body, audience, kind, status, eta) */
	STMT_UPDATE_LIST,           /* (incident) → id, at, author, body, audience, kind, status, eta */
	STMT_UPDATE_LATEST,         /* (incident, audience) → at, eta, kind */
	STMT_UPDATE_COUNT,          /* (incident) → count */
	STMT_RESPONDER_INSERT,      /* (incident, person, rotation, role, state, paged, ack, joining, onscene, released, updated) */
	STMT_RESPONDER_UPDATE,      /* (role, state, paged, ack, joining, onscene, released, updated, id) */
	STMT_RESPONDER_GET,         /* (incident, id) → id, person, rotation, role, state, paged, ack, joining, onscene, released, updated */
	STMT_RESPONDER_LIST,        /* (incident) → same columns as GET */
	STMT_RESPONDER_TECH_ON_SCENE, /* (incident, sre person or NULL, sme person or NULL) → count */
	STMT__MAX
};

struct store;
struct store_conn;

/* One committed event, as handed to the on_commit hook (valid during the call only). */
struct store_event {
	int64_t seq;
	int64_t incident;
	int64_t at;
	const char *type;
	const char *visibility;
	const char *payload; /* JSON text */
};

typedef void (*store_commit_hook)(void *ctx, const struct store_event *events, size_t nevents);

struct store_config {
	const char *path;       /* SQLite file */
	int nreaders;           /* read connections in the pool (default 8) */
	int busy_timeout_ms;    /* default 5000 */
	store_commit_hook on_commit;
	void *on_commit_ctx;
};

/* Opens (creating and migrating) the store and starts its writer thread.  On failure
 * returns -1 and writes a message ("cannot open database 'x.db': …") into `err`. */
int store_open(struct store **out, const struct store_config *cfg, char *err, size_t errlen);
/* Drains queued writes, stops the writer, closes every connection. */
void store_close(struct store *s);

/* A command: runs on the writer thread inside its own savepoint.  Return 0 to keep its
 * writes, anything else to roll them back (the value is handed back by store_write()). */
typedef int (*store_command_fn)(struct store_conn *c, void *arg);

/* Queues `fn`, waits until its batch is durably committed (or rolled back), and returns
 * fn's result; STORE_ERR_IO when the commit itself failed (nothing of it was kept). */
#define STORE_ERR_IO (-1000)
int store_write(struct store *s, store_command_fn fn, void *arg);

struct store_conn *store_read_begin(struct store *s);
void store_read_end(struct store *s, struct store_conn *c);

/* Statements.  store_bind() binds by position from `fmt`: 'i' int64_t, 'b' bool (int),
 * 't' const char * (NULL binds NULL), 'z' int64_t where 0 (TIME_NONE, no id) binds NULL,
 * 'n' NULL.  Returns the statement ready to step, or
 * NULL on error (logged). */
struct store_stmt;
struct store_stmt *store_bind(struct store_conn *c, enum stmt id, const char *fmt, ...);
/* 1 when a row is ready, 0 when done, -1 on error (constraint violations included). */
int store_step(struct store_stmt *st);
void store_reset(struct store_stmt *st);
int64_t store_col_int(struct store_stmt *st, int col);
bool store_col_null(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col); /* "" for NULL */
/* Runs a statement that returns no rows (or ignores them); 0 or -1. */
int store_run(struct store_conn *c, enum stmt id, const char *fmt, ...);
/* Runs a statement returning one integer in its first column; `dflt` when no row. */
int store_query_int(struct store_conn *c, int64_t *out, int64_t dflt, enum stmt id,
		    const char *fmt, ...);
int64_t store_last_insert_id(struct store_conn *c);

/* Appends an event on the writer's connection (inside a command) and returns its sequence
 * number in `seq`; the writer publishes it through on_commit once the batch commits. */
int store_event_append(struct store_conn *c, int64_t incident, int64_t at, const char *actor,
		       const char *type, const char *visibility, const char *payload,
		       int64_t *seq);

/* The highest committed sequence number (0 for an empty log). */
int64_t store_event_head(struct store *s);

/* Whether the store answers a trivial query (readiness). */
bool store_ping(struct store *s);

#endif
