/* The lease-holding task runner of worker.h. */
#include "worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define WORKER_TICK_MS 100 /* the thread's resolution for task intervals */

struct worker_task {
	char name[48];
	int interval_ms;
	worker_task_fn fn;
	void *ctx;
	int64_t due; /* monotonic ms */
};

struct worker {
	struct store *store;
	int64_t (*clock)(void *ctx);
	void *clock_ctx;
	struct worker_task tasks[WORKER_TASKS_MAX];
	size_t ntasks;
	char holder[WORKER_HOLDER_MAX];
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* on CLOCK_MONOTONIC */
	bool stopping;
	bool leader; /* under lock */
};

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct worker *worker_new(struct store *store, int64_t (*clock)(void *ctx), void *clock_ctx)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;
	char host[64];

	if (w == NULL)
		return NULL;
	w->store = store;
	w->clock = clock;
	w->clock_ctx = clock_ctx;
	if (gethostname(host, sizeof(host)) != 0)
		str_copy(host, "unknown", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(w->holder, sizeof(w->holder), "%s:%ld", host, (long)getpid());
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	return w;
}

int worker_register(struct worker *w, const char *name, int interval_ms, worker_task_fn fn,
		    void *ctx)
{
	struct worker_task *t;

	if (w->started || w->ntasks == WORKER_TASKS_MAX || interval_ms <= 0 || fn == NULL)
		return -1;
	t = &w->tasks[w->ntasks++];
	str_copy(t->name, name, sizeof(t->name));
	t->interval_ms = interval_ms;
	t->fn = fn;
	t->ctx = ctx;
	return 0;
}

static void set_leader(struct worker *w, bool leader)
{
	pthread_mutex_lock(&w->lock);
	if (leader != w->leader)
		fprintf(stderr, "majorops: worker %s the lease (%s)\n", leader ? "took" : "lost",
			w->holder);
	w->leader = leader;
	pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int64_t lease_due = 0;
	bool leader = false;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		int64_t now = monotonic_ms();
		struct timespec until;
		int64_t next;

		pthread_mutex_unlock(&w->lock);
		if (now >= lease_due) {
			bool was = leader;

			leader = store_lease_acquire(w->store);
			set_leader(w, leader);
			if (leader && !was)
				/* Taking over: every task is due now, whatever the last holder did. */
				for (size_t i = 0; i < w->ntasks; i++)
					w->tasks[i].due = now;
			lease_due = now + WORKER_LEASE_RETRY_MS;
		}
		for (size_t i = 0; leader && i < w->ntasks; i++) {
			struct worker_task *t = &w->tasks[i];

			if (monotonic_ms() < t->due)
				continue;
			if (t->fn(t->ctx, w->clock(w->clock_ctx)) != 0)
				fprintf(stderr, "majorops: worker task '%s' failed\n", t->name);
			t->due = monotonic_ms() + t->interval_ms;
		}
		next = monotonic_ms() + WORKER_TICK_MS;
		until.tv_sec = next / 1000;
		until.tv_nsec = (next % 1000) * 1000000;
		pthread_mutex_lock(&w->lock);
		if (!w->stopping)
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int worker_start(struct worker *w, char *err, size_t errlen)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		snprintf(err, errlen, "cannot start the worker thread");
		return -1;
	}
	w->started = true;
	return 0;
}

void worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		store_lease_release(w->store);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}

bool worker_is_leader(struct worker *w)
{
	bool leader;

	pthread_mutex_lock(&w->lock);
	leader = w->leader;
	pthread_mutex_unlock(&w->lock);
	return leader;
}

const char *worker_holder(const struct worker *w)
{
	return w->holder;
}

int worker_heartbeat(void *ctx, int64_t now)
{
	struct worker *w = ctx;

	return store_lease_beat(w->store, w->holder, now);
}
