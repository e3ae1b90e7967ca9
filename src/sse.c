#include "sse.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

struct ring_event {
	int64_t seq;
	int64_t incident;
	char *frame;
	size_t len;
	char *public_frame; /* NULL: nothing public in this event */
	size_t public_len;
};

struct sse_client {
	struct sse_hub *hub;
	struct MHD_Connection *conn;
	int64_t cursor;   /* last sequence number framed for this client */
	int64_t incident; /* 0: every incident */
	struct buf out;   /* framed, not yet handed to MHD */
	size_t out_pos;
	bool suspended;
	bool ping_due;
	bool public_only; /* the public stream: public frames only */
	bool ended;       /* its credential ended: the next read ends the stream */
	uint64_t user_key; /* user_key() of the account that opened it; 0 none */
	int64_t token_id;  /* the API token it was opened with; 0 none */
	char *user;        /* the account and session hash it was opened with (copies, NULL */
	char *session;     /* when none), rechecked by the hub's owner check */
	struct sse_client *prev, *next;
};

struct sse_hub {
	struct store *store;
	pthread_mutex_t lock;
	struct ring_event ring[SSE_RING_EVENTS];
	size_t ring_start, ring_count; /* oldest at ring_start */
	struct sse_client *clients;
	size_t nclients;
	pthread_t ping_thread;
	pthread_cond_t stop_cond;
	bool stopping;
	bool closing; /* streams end at their next read */
	int64_t head; /* the highest committed sequence the hub knows of */
	sse_public_filter public_filter; /* set once before serving */
	void *public_ctx;
	sse_listener listener;
	void *listener_ctx;
	sse_owner_check owner_check; /* set before serving; NULL: no rechecks (after shutdown) */
	void *owner_check_ctx;
	int owner_check_ms;
	bool rechecking;             /* the ping thread is in the owner check, lock released */
	pthread_cond_t recheck_done; /* rechecking went false */
};

static int frame_event(struct buf *b, int64_t seq, const char *type, const char *payload)
{
	/* The payload is one compact JSON object; the seq goes in front of its members. */
	if (buf_printf(b, "id: %lld\nevent: %s\ndata: {\"seq\":%lld,", (long long)seq, type,
		       (long long)seq) != 0)
		return -1;
	if (payload[0] == '{')
		payload++;
	if (buf_append_str(b, payload) != 0 || buf_append_str(b, "\n\n") != 0)
		return -1;
	return 0;
}

/* The account name as a 64-bit FNV-1a hash, never 0: a client keeps 8 bytes rather than a
 * name (5,000 streams), and a collision only ends one stream more, which reconnects. */
static uint64_t user_key(const char *user)
{
	uint64_t h = 14695981039346656037ULL;

	if (user == NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ? h : 1;
}

/* Wakes a suspended client; under hub->lock. */
static void client_wake(struct sse_client *c)
{
	if (c->suspended) {
		c->suspended = false;
		MHD_resume_connection(c->conn);
	}
}

static int64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Orders owners by session, token, account (NULLs first), so equal ones sit together. */
static int owner_cmp(const void *pa, const void *pb)
{
	const struct sse_owner *a = pa, *b = pb;
	int d = strcmp(a->session ? a->session : "", b->session ? b->session : "");

	if (d)
		return d;
	if (a->token_id != b->token_id)
		return a->token_id < b->token_id ? -1 : 1;
	return strcmp(a->user ? a->user : "", b->user ? b->user : "");
}

static void owners_free(struct sse_owner *owners, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)owners[i].user);
		free((char *)owners[i].session);
	}
	free(owners);
}

/* Asks the owner check about every distinct credential that has a stream open, and ends
 * the streams of those that may no longer read (a session signed out or expired, a token
 * revoked, an account disabled) — including changes this process did not make: another
 * replica's, or a command-line verb's.  Called with hub->lock held; drops it while the
 * check reads the store. */
static void recheck_owners(struct sse_hub *hub)
{
	sse_owner_check check = hub->owner_check;
	void *check_ctx = hub->owner_check_ctx;
	struct sse_owner *owners;
	signed char *verdict;
	size_t n = 0, u = 0;

	for (struct sse_client *c = hub->clients; c; c = c->next)
		n += c->user != NULL;
	if (n == 0)
		return;
	owners = calloc(n, sizeof(*owners));
	verdict = calloc(n, 1);
	if (owners == NULL || verdict == NULL)
		goto done;
	for (struct sse_client *c = hub->clients; c && u < n; c = c->next) {
		if (c->user == NULL)
			continue;
		owners[u].user = strdup(c->user);
		owners[u].session = c->session ? strdup(c->session) : NULL;
		owners[u].token_id = c->token_id;
		if (owners[u].user == NULL || (c->session && owners[u].session == NULL)) {
			owners_free(owners, u + 1);
			owners = NULL;
			goto done;
		}
		u++;
	}
	qsort(owners, u, sizeof(*owners), owner_cmp);
	n = 0;
	for (size_t i = 0; i < u; i++) {
		if (n > 0 && owner_cmp(&owners[n - 1], &owners[i]) == 0) {
			free((char *)owners[i].user);
			free((char *)owners[i].session);
			continue;
		}
		owners[n++] = owners[i];
	}
	/* sse_hub_shutdown waits for this, so the store the check reads outlives it. */
	hub->rechecking = true;
	pthread_mutex_unlock(&hub->lock);
	for (size_t i = 0; i < n; i++)
		verdict[i] = (signed char)check(check_ctx, &owners[i]);
	pthread_mutex_lock(&hub->lock);
	hub->rechecking = false;
	pthread_cond_broadcast(&hub->recheck_done);
	for (struct sse_client *c = hub->clients; c; c = c->next) {
		struct sse_owner key = {.user = c->user, .session = c->session, .token_id = c->token_id};
		const struct sse_owner *hit;

		if (c->user == NULL)
			continue;
		hit = bsearch(&key, owners, n, sizeof(*owners), owner_cmp);
		/* Only a clear "no" ends a stream: a store that cannot answer ends none. */
		if (hit && verdict[hit - owners] == 0) {
			c->ended = true;
			client_wake(c);
		}
	}
done:
	if (owners)
		owners_free(owners, n);
	free(verdict);
}

static void *ping_main(void *arg)
{
	struct sse_hub *hub = arg;
	int64_t next_ping = realtime_ms() + SSE_PING_MS, next_check = INT64_MAX;

	pthread_mutex_lock(&hub->lock);
	while (!hub->stopping) {
		struct timespec deadline;
		int64_t now, wake;

		if (hub->owner_check && next_check == INT64_MAX)
			next_check = realtime_ms() + hub->owner_check_ms;
		wake = next_ping < next_check ? next_ping : next_check;
		deadline.tv_sec = (time_t)(wake / 1000);
		deadline.tv_nsec = (long)(wake % 1000) * 1000000;
		pthread_cond_timedwait(&hub->stop_cond, &hub->lock, &deadline);
		if (hub->stopping)
			break;
		now = realtime_ms();
		if (now >= next_ping) {
			next_ping = now + SSE_PING_MS;
			for (struct sse_client *c = hub->clients; c; c = c->next) {
				c->ping_due = true;
				client_wake(c);
			}
		}
		if (hub->owner_check && now >= next_check) {
			recheck_owners(hub);
			next_check = realtime_ms() + hub->owner_check_ms;
		}
	}
	pthread_mutex_unlock(&hub->lock);
	return NULL;
}

void sse_hub_set_owner_check(struct sse_hub *hub, sse_owner_check check, void *ctx,
			     int interval_ms)
{
	pthread_mutex_lock(&hub->lock);
	hub->owner_check = check;
	hub->owner_check_ctx = ctx;
	hub->owner_check_ms = interval_ms > 0 ? interval_ms : SSE_OWNER_CHECK_MS;
	pthread_cond_signal(&hub->stop_cond); /* the ping thread picks up the interval */
	pthread_mutex_unlock(&hub->lock);
}

struct sse_hub *sse_hub_new(struct store *store)
{
	struct sse_hub *hub = calloc(1, sizeof(*hub));

	if (hub == NULL)
		return NULL;
	hub->store = store;
	pthread_mutex_init(&hub->lock, NULL);
	pthread_cond_init(&hub->stop_cond, NULL);
	pthread_cond_init(&hub->recheck_done, NULL);
	if (pthread_create(&hub->ping_thread, NULL, ping_main, hub) != 0) {
		pthread_mutex_destroy(&hub->lock);
		pthread_cond_destroy(&hub->stop_cond);
		pthread_cond_destroy(&hub->recheck_done);
		free(hub);
		return NULL;
	}
	return hub;
}

void sse_hub_attach_store(struct sse_hub *hub, struct store *store)
{
	pthread_mutex_lock(&hub->lock);
	hub->store = store;
	hub->head = store_event_head(store);
	pthread_mutex_unlock(&hub->lock);
}

void sse_hub_free(struct sse_hub *hub)
{
	if (hub == NULL)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->stopping = true;
	pthread_cond_signal(&hub->stop_cond);
	pthread_mutex_unlock(&hub->lock);
	pthread_join(hub->ping_thread, NULL);
	for (size_t i = 0; i < hub->ring_count; i++) {
		free(hub->ring[(hub->ring_start + i) % SSE_RING_EVENTS].frame);
		free(hub->ring[(hub->ring_start + i) % SSE_RING_EVENTS].public_frame);
	}
	pthread_mutex_destroy(&hub->lock);
	pthread_cond_destroy(&hub->stop_cond);
	pthread_cond_destroy(&hub->recheck_done);
	free(hub);
}

/* The public frame of one event, or NULL (nothing public, or no filter, or no memory). */
static char *public_frame(struct sse_hub *hub, const struct store_event *ev, size_t *len)
{
	char *data = NULL;
	const char *type = NULL;
	struct buf b;

	*len = 0;
	if (hub->public_filter == NULL ||
	    hub->public_filter(hub->public_ctx, ev, &data, &type) != 1 || data == NULL)
		return NULL;
	buf_init(&b, SSE_CLIENT_QUEUE_MAX);
	if (frame_event(&b, ev->seq, type, data) != 0) {
		free(data);
		return NULL;
	}
	free(data);
	*len = b.len;
	return buf_detach(&b);
}

void sse_hub_publish(void *arg, const struct store_event *events, size_t nevents)
{
	struct sse_hub *hub = arg;
	char **publics = nevents ? calloc(nevents, sizeof(char *)) : NULL;
	size_t *public_lens = nevents ? calloc(nevents, sizeof(size_t)) : NULL;

	/* The public form is derived outside the lock: it parses and re-renders JSON. */
	for (size_t i = 0; publics && public_lens && i < nevents; i++)
		publics[i] = public_frame(hub, &events[i], &public_lens[i]);
	pthread_mutex_lock(&hub->lock);
	for (size_t i = 0; i < nevents; i++) {
		struct buf b;
		struct ring_event *slot;

		/* Each event once and in order, whoever offers it: with replicas the store's
		 * writer and its feed of other replicas' events both publish. */
		if (events[i].seq <= hub->head)
			continue;
		buf_init(&b, SSE_CLIENT_QUEUE_MAX);
		if (frame_event(&b, events[i].seq, events[i].type, events[i].payload) != 0)
			continue; /* a client will read it from the store instead */
		if (hub->ring_count == SSE_RING_EVENTS) {
			free(hub->ring[hub->ring_start].frame);
			free(hub->ring[hub->ring_start].public_frame);
			hub->ring_start = (hub->ring_start + 1) % SSE_RING_EVENTS;
			hub->ring_count--;
		}
		slot = &hub->ring[(hub->ring_start + hub->ring_count) % SSE_RING_EVENTS];
		slot->seq = events[i].seq;
		slot->incident = events[i].incident;
		slot->len = b.len;
		slot->frame = buf_detach(&b);
		slot->public_frame = publics ? publics[i] : NULL;
		slot->public_len = public_lens ? public_lens[i] : 0;
		if (publics)
			publics[i] = NULL;
		if (events[i].seq > hub->head)
			hub->head = events[i].seq;
		if (slot->frame == NULL) {
			free(slot->public_frame);
			slot->public_frame = NULL;
			continue;
		}
		hub->ring_count++;
	}
	for (struct sse_client *c = hub->clients; c; c = c->next)
		client_wake(c);
	pthread_mutex_unlock(&hub->lock);
	for (size_t i = 0; publics && i < nevents; i++)
		free(publics[i]);
	free(publics);
	free(public_lens);
	if (hub->listener)
		hub->listener(hub->listener_ctx, events, nevents);
}

void sse_hub_shutdown(struct sse_hub *hub)
{
	pthread_mutex_lock(&hub->lock);
	hub->closing = true;
	/* No owner check from here on, and none still reading the store when this returns. */
	hub->owner_check = NULL;
	while (hub->rechecking)
		pthread_cond_wait(&hub->recheck_done, &hub->lock);
	for (struct sse_client *c = hub->clients; c; c = c->next)
		client_wake(c);
	pthread_mutex_unlock(&hub->lock);
}

void sse_hub_end_streams(struct sse_hub *hub, const char *user, int64_t token_id)
{
	uint64_t key = user_key(user);

	if (key == 0 && token_id == 0)
		return;
	pthread_mutex_lock(&hub->lock);
	for (struct sse_client *c = hub->clients; c; c = c->next) {
		if ((key && c->user_key == key) || (token_id && c->token_id == token_id)) {
			c->ended = true;
			client_wake(c);
		}
	}
	pthread_mutex_unlock(&hub->lock);
}

size_t sse_hub_clients(struct sse_hub *hub)
{
	size_t n;

	pthread_mutex_lock(&hub->lock);
	n = hub->nclients;
	pthread_mutex_unlock(&hub->lock);
	return n;
}

/* Frames ring events after the client's cursor; under hub->lock.  Returns 1 when the
 * cursor lies before the ring (the store must fill the gap), else 0. */
static int client_fill_from_ring(struct sse_hub *hub, struct sse_client *c)
{
	size_t i;

	if (hub->ring_count == 0)
		return c->cursor < hub->head; /* e.g. a resume right after a restart */
	if (c->cursor + 1 < hub->ring[hub->ring_start].seq)
		return 1;
	/* Sequence numbers in the ring are increasing: skip what the client has. */
	for (i = 0; i < hub->ring_count; i++)
		if (hub->ring[(hub->ring_start + i) % SSE_RING_EVENTS].seq > c->cursor)
			break;
	for (; i < hub->ring_count && c->out.len < SSE_CLIENT_QUEUE_MAX / 2; i++) {
		const struct ring_event *ev = &hub->ring[(hub->ring_start + i) % SSE_RING_EVENTS];

		const char *frame = c->public_only ? ev->public_frame : ev->frame;
		size_t len = c->public_only ? ev->public_len : ev->len;

		if (frame && (!c->incident || c->incident == ev->incident))
			if (buf_append(&c->out, frame, len) != 0)
				return 0;
		c->cursor = ev->seq;
	}
	return 0;
}

/* Catches up from the store, one page, outside the hub lock. */
static int client_fill_from_store(struct sse_client *c)
{
	struct store_conn *conn = store_read_begin(c->hub->store);
	struct store_stmt *st = store_bind(conn, STMT_EVENTS_AFTER, "ii", c->cursor,
					   (int64_t)SSE_CATCHUP_PAGE);
	int rc = -1;

	if (st == NULL)
		goto done;
	while ((rc = store_step(st)) == 1) {
		int64_t seq = store_col_int(st, 0);

		if (c->public_only) {
			struct store_event ev = {.seq = seq, .incident = store_col_int(st, 1),
						 .at = store_col_int(st, 2), .type = store_col_text(st, 3),
						 .visibility = store_col_text(st, 4),
						 .payload = store_col_text(st, 5)};
			size_t len;
			char *frame = public_frame(c->hub, &ev, &len);

			if (frame && buf_append(&c->out, frame, len) != 0) {
				free(frame);
				rc = -1;
				break;
			}
			free(frame);
		} else if (!c->incident || c->incident == store_col_int(st, 1)) {
			if (frame_event(&c->out, seq, store_col_text(st, 3), store_col_text(st, 5)) != 0) {
				rc = -1;
				break;
			}
		}
		c->cursor = seq;
	}
done:
	store_read_end(c->hub->store, conn);
	return rc < 0 ? -1 : 0;
}

static ssize_t client_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct sse_client *c = cls;
	struct sse_hub *hub = c->hub;
	size_t n;

	(void)pos;
	pthread_mutex_lock(&hub->lock);
	if (hub->closing || c->ended) {
		pthread_mutex_unlock(&hub->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (c->out_pos == c->out.len) {
		int behind;

		buf_reset(&c->out);
		c->out_pos = 0;
		behind = client_fill_from_ring(hub, c);
		if (behind) {
			pthread_mutex_unlock(&hub->lock);
			if (client_fill_from_store(c) != 0)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			pthread_mutex_lock(&hub->lock);
		}
		if (c->out.len == 0 && c->ping_due && buf_append_str(&c->out, ": ping\n\n") != 0) {
			pthread_mutex_unlock(&hub->lock);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		c->ping_due = false;
		if (c->out.len == 0) {
			/* Nothing to say: park the connection until the next publish or ping. */
			c->suspended = true;
			MHD_suspend_connection(c->conn);
			pthread_mutex_unlock(&hub->lock);
			return 0;
		}
	}
	n = c->out.len - c->out_pos;
	if (n > max)
		n = max;
	memcpy(dst, c->out.ptr + c->out_pos, n);
	c->out_pos += n;
	pthread_mutex_unlock(&hub->lock);
	return (ssize_t)n;
}

static void client_free(void *cls)
{
	struct sse_client *c = cls;
	struct sse_hub *hub = c->hub;

	pthread_mutex_lock(&hub->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		hub->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	hub->nclients--;
	pthread_mutex_unlock(&hub->lock);
	buf_free(&c->out);
	free(c->user);
	free(c->session);
	free(c);
}

static struct MHD_Response *response_new(struct sse_hub *hub, struct MHD_Connection *conn,
					 int64_t cursor, int64_t incident, bool public_only,
					 const struct sse_owner *owner)
{
	struct sse_client *c = calloc(1, sizeof(*c));
	struct MHD_Response *resp;

	if (c == NULL)
		return NULL;
	c->hub = hub;
	c->conn = conn;
	/* An id from the future (a store that was reset or restored) means "from now". */
	pthread_mutex_lock(&hub->lock);
	c->cursor = cursor > hub->head ? hub->head : cursor;
	pthread_mutex_unlock(&hub->lock);
	c->incident = incident;
	c->public_only = public_only;
	c->user_key = owner ? user_key(owner->user) : 0;
	c->token_id = owner ? owner->token_id : 0;
	if (owner && owner->user) {
		c->user = strdup(owner->user);
		c->session = owner->session && *owner->session ? strdup(owner->session) : NULL;
		if (c->user == NULL || (owner->session && *owner->session && c->session == NULL)) {
			free(c->user);
			free(c->session);
			free(c);
			return NULL;
		}
	}
	buf_init(&c->out, SSE_CLIENT_QUEUE_MAX);
	/* A first comment flushes the headers through proxies right away. */
	if (buf_append_str(&c->out, ": majorops stream\nretry: 2000\n\n") != 0)
		goto fail;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, client_read, c,
						 client_free);
	if (resp == NULL)
		goto fail;
	pthread_mutex_lock(&hub->lock);
	c->next = hub->clients;
	if (hub->clients)
		hub->clients->prev = c;
	hub->clients = c;
	hub->nclients++;
	pthread_mutex_unlock(&hub->lock);
	return resp;
fail:
	buf_free(&c->out);
	free(c->user);
	free(c->session);
	free(c);
	return NULL;
}

struct MHD_Response *sse_response_new(struct sse_hub *hub, struct MHD_Connection *conn,
				      int64_t cursor, int64_t incident,
				      const struct sse_owner *owner)
{
	return response_new(hub, conn, cursor, incident, false, owner);
}

struct MHD_Response *sse_public_response_new(struct sse_hub *hub, struct MHD_Connection *conn,
					     int64_t cursor)
{
	return response_new(hub, conn, cursor, 0, true, NULL);
}

void sse_hub_set_public_filter(struct sse_hub *hub, sse_public_filter filter, void *ctx)
{
	pthread_mutex_lock(&hub->lock);
	hub->public_filter = filter;
	hub->public_ctx = ctx;
	pthread_mutex_unlock(&hub->lock);
}

void sse_hub_set_listener(struct sse_hub *hub, sse_listener listener, void *ctx)
{
	pthread_mutex_lock(&hub->lock);
	hub->listener = listener;
	hub->listener_ctx = ctx;
	pthread_mutex_unlock(&hub->lock);
}
