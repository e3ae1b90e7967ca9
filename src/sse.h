/*
 * sse — the live streams: Server-Sent Events fed from the event log.
 *
 * Clients pull: each holds a cursor (the last sequence number it was sent).  The hub keeps
 * a ring of the most recent committed events already framed as SSE text; a client whose
 * cursor has fallen behind the ring (a reconnect with an old Last-Event-ID, or a slow
 * reader) catches up from the store in pages, so nothing is ever lost and nothing is
 * buffered without end.  A client with nothing to read is suspended in libmicrohttpd and
 * costs no thread; the writer's on_commit hook (sse_hub_publish) resumes them.
 * A ": ping" comment goes to every client every SSE_PING_MS so dead peers are noticed.
 *
 * Ownership: the hub owns its clients; each client is freed when libmicrohttpd destroys
 * its response.  sse_hub_free() must run after the HTTP daemon has stopped.
 */
#ifndef MAJOROPS_SSE_H
#define MAJOROPS_SSE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SSE_RING_EVENTS 4096      /* recent events kept framed in memory */
#define SSE_CATCHUP_PAGE 256      /* events read from the store per catch-up step */
#define SSE_CLIENT_QUEUE_MAX (1024 * 1024) /* bytes framed for one client at once */
#define SSE_PING_MS 15000
#define SSE_OWNER_CHECK_MS 30000 /* credentials of open streams rechecked this often */

struct sse_hub;
struct MHD_Connection;
struct MHD_Response;

/* `store` may be NULL and attached later, before any client connects or event commits. */
struct sse_hub *sse_hub_new(struct store *store);
void sse_hub_attach_store(struct sse_hub *hub, struct store *store);
/* Ends every stream (their readers report end of stream) and wakes the suspended ones,
 * as libmicrohttpd requires before its daemon stops.  Also ends the owner checks, waiting
 * for one in progress, so the store may close after this returns. */
void sse_hub_shutdown(struct sse_hub *hub);
/* Stops the ping thread and frees the ring; clients must be gone (daemon stopped). */
void sse_hub_free(struct sse_hub *hub);

/* The store's on_commit hook: frames the events and wakes every waiting client.  An event
 * at or below the highest sequence already published is dropped (never twice, never out
 * of order), so the events other replicas wrote may come through here as well. */
void sse_hub_publish(void *hub, const struct store_event *events, size_t nevents);

/* Who opened a stream: the account (NULL when sign-in is off), the hash of its session
 * (NULL or "" for a token or the proxy header) and the API token it used (0 for a session
 * or the proxy header), so that sse_hub_end_streams() and the owner check can find it. */
struct sse_owner {
	const char *user;
	const char *session;
	int64_t token_id;
};

/* A streaming response for `conn` starting after `cursor` (the Last-Event-ID, or the
 * current head for a fresh client), optionally only for one incident (0 = all). */
struct MHD_Response *sse_response_new(struct sse_hub *hub, struct MHD_Connection *conn,
				      int64_t cursor, int64_t incident,
				      const struct sse_owner *owner);

/* Ends, at their next read, the streams opened by `user` (any of them; NULL: none) and
 * those opened with API token `token_id` (0: none): called when a session ends, an
 * account is disabled or its password changes, or a token is revoked, so no stream goes
 * on carrying internal events past its credential.  A browser's EventSource reconnects
 * and resumes from its Last-Event-ID if it may still. */
void sse_hub_end_streams(struct sse_hub *hub, const char *user, int64_t token_id);

/* Whether the credential a stream was opened with may still read: 1 yes, 0 no (the
 * stream ends), -1 cannot tell now (it goes on).  Runs on the hub's ping thread. */
typedef int (*sse_owner_check)(void *ctx, const struct sse_owner *owner);

/* Asks `check` every `interval_ms` (0: SSE_OWNER_CHECK_MS) about each distinct credential
 * with a stream open, and ends the streams of those that may no longer read.  This is
 * what ends streams after changes this process did not make itself: on another replica,
 * or by a command-line verb.  Set once, before serving. */
void sse_hub_set_owner_check(struct sse_hub *hub, sse_owner_check check, void *ctx,
			     int interval_ms);

/* Number of connected clients (for metrics and tests). */
size_t sse_hub_clients(struct sse_hub *hub);

/*
 * The public flavour (the public status stream, /api/v2/stream).  A public client is sent
 * only what `filter` derives from each committed event: 1 with `*data` (a JSON object as
 * text, malloc'd, the caller frees) and `*type` (static), or 0 for "nothing public here",
 * -1 on failure.  Ids stay the global sequence, so Last-Event-ID works as on the
 * authenticated stream.  The hub frames the public form once per event at publish time
 * (and again only for public clients catching up from the store).  Set the filter and the
 * listener once, before the server starts; without a filter a public client gets nothing.
 */
typedef int (*sse_public_filter)(void *ctx, const struct store_event *ev, char **data,
				 const char **type);
void sse_hub_set_public_filter(struct sse_hub *hub, sse_public_filter filter, void *ctx);
struct MHD_Response *sse_public_response_new(struct sse_hub *hub, struct MHD_Connection *conn,
					     int64_t cursor);
/* Called after every publish, outside the hub's lock, with the same events (the public
 * page cache listens here to know when to rebuild).  One listener. */
typedef void (*sse_listener)(void *ctx, const struct store_event *events, size_t nevents);
void sse_hub_set_listener(struct sse_hub *hub, sse_listener listener, void *ctx);

#endif
