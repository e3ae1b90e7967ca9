/*
 * store_backend — the contract between store.c (the half of the store both backends share)
 * and a backend (store_sqlite.c, store_pg.c).  Private to the store modules.
 *
 * store.c owns the writer thread and its group-commit queue, the read pool, the events a
 * batch appended, and their publication in sequence order.  A backend owns its
 * connections, its statement table, its migrations, and what it needs to share one
 * database between processes (PostgreSQL's listener and lease connections).
 *
 * Every backend connection struct starts with `struct store_conn`, every backend statement
 * struct with `struct store_stmt`, so store.c dispatches through `conn->be`.
 */
#ifndef MAJOROPS_STORE_BACKEND_H
#define MAJOROPS_STORE_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* An event appended by the running batch, kept (owned copies) until it is published. */
struct pending_event {
	int64_t seq;
	int64_t incident;
	int64_t at;
	char *type;
	char *visibility;
	char *payload;
};

struct store_conn {
	const struct store_backend *be;
	struct store *store;
	bool writer;
	/* writer only: the batch's events, published after commit */
	struct pending_event *pending;
	size_t npending, cappending;
};

struct store_stmt {
	struct store_conn *conn;
};

/* One bound parameter, from store_bind()'s format ('i', 't' or 'n' after folding). */
struct store_value {
	char kind;        /* 'i' integer, 't' text, 'n' NULL */
	int64_t i;
	const char *t;
};

struct store_backend {
	const char *name;
	/* Other processes may write the same database: publication must read their events. */
	bool shared;
	/* Most commands in one batch (0: no limit). */
	int max_batch;

	/* Opens one connection (the writer prepares every statement, so a broken one fails
	 * start-up).  NULL with `err` filled. */
	struct store_conn *(*conn_open)(struct store *s, bool writer, char *err, size_t errlen);
	void (*conn_close)(struct store_conn *c);
	/* Brings the schema up to date, on the writer before anything else runs. */
	int (*migrate)(struct store_conn *c, char *err, size_t errlen);
	/* The number of migrations applied. */
	int (*schema_version)(struct store_conn *c, int *version);
	/* Re-establishes a lost connection (throttled); 0 when usable. */
	int (*ensure)(struct store_conn *c);

	/* The writer's transaction.  begin_write() also returns `base`, the highest sequence
	 * committed before this batch (shared backends; -1 where not needed). */
	int (*begin_write)(struct store_conn *c, int64_t *base);
	int (*savepoint)(struct store_conn *c);
	int (*rollback_savepoint)(struct store_conn *c);
	int (*release_savepoint)(struct store_conn *c);
	/* Whether a failed statement left the transaction unusable until a rollback. */
	bool (*aborted)(struct store_conn *c);
	/* 0 only when durably committed.  `announce`: the batch appended events, so tell the
	 * other processes, atomically with the commit. */
	int (*commit)(struct store_conn *c, bool announce);
	void (*rollback)(struct store_conn *c);
	/* A read snapshot on a pool connection. */
	int (*begin_read)(struct store_conn *c);
	void (*end_read)(struct store_conn *c);

	/* Statements (see store.h). */
	struct store_stmt *(*bind)(struct store_conn *c, enum stmt id,
				   const struct store_value *values, int nvalues);
	int (*step)(struct store_stmt *st);
	void (*reset)(struct store_stmt *st);
	int64_t (*col_int)(struct store_stmt *st, int col);
	bool (*col_null)(struct store_stmt *st, int col);
	const char *(*col_text)(struct store_stmt *st, int col);
	/* Resets every statement left bound, so no snapshot or result outlives its use. */
	void (*reset_all)(struct store_conn *c);

	/* Optional (NULL: nothing to do). */
	int (*feed_start)(struct store *s, char *err, size_t errlen); /* hear other replicas */
	void (*feed_stop)(struct store *s);
	bool (*lease_acquire)(struct store *s);
	void (*lease_release)(struct store *s);
	/* After a copy into this store: move id generators past the copied ids. */
	int (*after_copy)(struct store_conn *c);
	void (*close)(struct store *s); /* frees backend state after every connection closed */
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

struct write_job;

struct store {
	struct store_config cfg;
	const struct store_backend *be;
	void *be_state;                /* the backend's own (listener, lease), or NULL */
	char display[STORE_DISPLAY_MAX]; /* cfg.db without secrets, for messages */
	struct store_conn *writer;
	pthread_t writer_thread;
	bool writer_started;
	pthread_mutex_t lock;          /* queue, pool, head, lease_held */
	pthread_cond_t job_ready;
	pthread_cond_t job_done;
	struct write_job *queue_head, *queue_tail;
	bool stopping;
	struct store_conn **readers;
	int nreaders_free;
	pthread_cond_t reader_free;
	/* Publication: one publisher at a time (writer or feed), events in order. */
	pthread_mutex_t publish_lock;
	int64_t head;                  /* highest seq handed to on_commit; under lock */
	bool lease_held;               /* under lock */
};

/* Hands every committed event after the published head to on_commit, reading them from
 * the log in pages, in order (the feed of a shared backend calls it when told of new
 * events).  0, or -1 when the log could not be read (try again later). */
int store_publish_from_log(struct store *s);

/* Monotonic milliseconds, for throttling reconnects. */
int64_t store_monotonic_ms(void);

/* SQLite's online backup of `path` into `out_path` (store_backup() for SQLite). */
int store_sqlite_backup(const char *path, const char *out_path, char *err, size_t errlen);

#endif
