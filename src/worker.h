/*
 * worker — the deployment's periodic tasks (guardrails, cadence, outbox, digests, …), run
 * by exactly one replica at a time.
 *
 * One thread per process.  About once a second it takes or re-checks the store's worker
 * lease (store_lease_acquire: a PostgreSQL session advisory lock; a SQLite store always
 * holds it).  Only while the lease is held does it run the registered tasks, each every
 * `interval_ms` from the moment the lease was taken.  A replica that dies loses the lease
 * with its database session, and another replica's next try takes it: the tasks move
 * within seconds.  A task must therefore be safe to run twice across a handover (do its
 * writes with store_write, idempotently), and it runs on the worker thread: keep it short.
 *
 * Ownership: the worker borrows the store (which must outlive it) and each task's `ctx`.
 * worker_free() stops the thread and releases the lease; call it before store_close().
 */
#ifndef MAJOROPS_WORKER_H
#define MAJOROPS_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define WORKER_TASKS_MAX 16
#define WORKER_LEASE_RETRY_MS 1000 /* how often the lease is taken or re-checked */
#define WORKER_HEARTBEAT_MS 2000   /* the heartbeat task's interval */
#define WORKER_HOLDER_MAX 128

struct worker;

/* A task: `now` is the application clock (ms since the epoch).  Returns 0, or -1 when it
 * failed (logged by the worker; the task runs again at its next interval). */
typedef int (*worker_task_fn)(void *ctx, int64_t now);

/* `clock` gives the `now` handed to tasks (the app's injected clock). */
struct worker *worker_new(struct store *store, int64_t (*clock)(void *ctx), void *clock_ctx);
/* Adds a task before worker_start(); -1 when the table is full or the arguments are bad. */
int worker_register(struct worker *w, const char *name, int interval_ms, worker_task_fn fn,
		    void *ctx);
int worker_start(struct worker *w, char *err, size_t errlen);
/* Stops the thread (waiting for a running task), releases the lease and frees `w`. */
void worker_free(struct worker *w);

/* Whether this process holds the lease (and so runs the tasks) now. */
bool worker_is_leader(struct worker *w);
/* This process as the heartbeat row names it: "host:pid". */
const char *worker_holder(const struct worker *w);

/* The first real task: the leader writes "I am here, now" to the heartbeat row, so an
 * operator (and the tests) can see which replica works and that it is alive.  `ctx` is
 * the worker itself. */
int worker_heartbeat(void *ctx, int64_t now);

#endif
