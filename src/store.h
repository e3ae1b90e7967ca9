/*
 * store — the durable record: an append-only event log plus the projections commands touch.
 *
 * Two backends sit behind this one interface, chosen by the --db value: a `postgres://` or
 * `postgresql://` URL is PostgreSQL (any number of `majorops serve` replicas may share it),
 * anything else is a SQLite file (one process).  Each backend has a statement table indexed
 * by `enum stmt` (SQL never built at run time) and numbered migrations; the primitives are
 * the same: bind by position with a tiny format string, step, read columns.
 *
 * All writes go through store_write(): one writer thread per process takes every queued
 * command, runs each inside its own savepoint of one shared transaction and commits the
 * batch at once (group commit).  A command that fails rolls back alone; the others commit.
 * store_write() returns only after the commit is durable, so an acknowledged write is never
 * lost.  On PostgreSQL a batch first takes a cluster-wide advisory lock, so batches of all
 * replicas commit one after another and the event sequence is global and commit-ordered: no
 * reader ever sees seq N+1 committed while N is still to come.
 *
 * Publication: the `on_commit` hook receives every committed event of the log exactly once,
 * in sequence order, after commit — the events this process wrote (straight from the
 * writer) and, on PostgreSQL, those other replicas wrote (read back from the events table
 * when a LISTEN/NOTIFY tells of them).
 *
 * Reads use a pool of read connections (store_read_begin/store_read_end), each a consistent
 * snapshot while held.  A PostgreSQL connection that is lost is re-established by itself;
 * meanwhile statements fail (the callers answer 503) and nothing acknowledged is lost.
 *
 * Ownership: text returned by store_col_text() belongs to the statement and is valid until
 * the next store_step()/store_reset() on it; copy what you keep.
 */
#ifndef MAJOROPS_STORE_H
#define MAJOROPS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every statement, in the order of each backend's table.  A statement added here gets a
 * row in both tables (store_sqlite.c, store_pg.c); a table added by a migration gets its
 * two copy statements and a row in store.c's copy_tables, so migrate and export see it. */
enum stmt {
	STMT_INCIDENT_NEXT_NUMBER,  /* () → max(number)+1 */
	STMT_INCIDENT_INSERT,       /* (number, version, active, opened_at, search, doc) */
	STMT_INCIDENT_UPDATE,       /* (version, active, search, doc, number) */
	STMT_INCIDENT_GET,          /* (number) → doc */
	STMT_INCIDENT_GET_FOR_UPDATE, /* (number) → doc, the row locked until commit (writes) */
	STMT_INCIDENT_EXISTS,       /* (number) → 1 */
	STMT_INCIDENT_LIST,         /* (state 0 active 1 resolved 2 all, q or NULL, before, limit) → number, doc */
	STMT_INCIDENT_COUNT,        /* () → count */
	STMT_EVENT_APPEND,          /* (incident, at, actor, type, visibility, payload) → seq */
	STMT_EVENTS_AFTER,          /* (seq, limit) → seq, incident, at, type, visibility, payload */
	STMT_EVENT_HEAD,            /* () → max(seq) or 0 */
	STMT_TIMELINE_APPEND,       /* (incident, at, author, type, visibility, text, payload, amends) → id */
	STMT_TIMELINE_LIST,         /* (incident, after, limit) → id, at, author, type, visibility, text, payload, amends */
	STMT_TIMELINE_LIST_JSON,    /* (incident, after, limit) → id, the entry as JSON text (the wire form) */
	STMT_TIMELINE_GET,          /* (id) → incident */
	STMT_UPDATE_APPEND,         /* (incident, at, author, body, audience, kind, status, eta) → id */
	STMT_UPDATE_LIST,           /* (incident) → id, at, author, body, audience, kind, status, eta */
	STMT_UPDATE_LATEST,         /* (incident, audience) → at, eta, kind */
	STMT_UPDATE_COUNT,          /* (incident) → count */
	STMT_RESPONDER_INSERT,      /* (incident, person, rotation, role, state, paged, ack, joining, onscene, released, updated) → id */
	STMT_RESPONDER_UPDATE,      /* (role, state, paged, ack, joining, onscene, released, updated, id) */
	STMT_RESPONDER_GET,         /* (incident, id) → id, person, rotation, role, state, paged, ack, joining, onscene, released, updated */
	STMT_RESPONDER_LIST,        /* (incident) → same columns as GET */
	STMT_RESPONDER_TECH_ON_SCENE, /* (incident, sre person or NULL, sme person or NULL) → count */
	STMT_WORKER_BEAT,           /* (holder, at): the worker lease holder's heartbeat row */
	STMT_STORE_ROWS,            /* () → rows in every table (an empty store has 0) */
	/* Copying a whole store (migrate, export): every column, in primary-key order. */
	STMT_COPY_INCIDENTS_SELECT, /* () → number, version, active, opened_at, search, doc */
	STMT_COPY_INCIDENTS_INSERT, /* (the same columns) */
	STMT_COPY_TIMELINE_SELECT,  /* () → id, incident, at, author, type, visibility, text, payload, amends */
	STMT_COPY_TIMELINE_INSERT,
	STMT_COPY_UPDATES_SELECT,   /* () → id, incident, at, author, body, audience, kind, status, next_update_eta */
	STMT_COPY_UPDATES_INSERT,
	STMT_COPY_RESPONDERS_SELECT, /* () → id, incident, person, rotation, role, state, paged_at, acknowledged_at, joining_at, on_scene_at, released_at, updated_at */
	STMT_COPY_RESPONDERS_INSERT,
	STMT_COPY_EVENTS_SELECT,    /* () → seq, incident, at, actor, type, visibility, payload */
	STMT_COPY_EVENTS_INSERT,
	STMT_COPY_HEARTBEAT_SELECT, /* () → id, holder, beat_at */
	STMT_COPY_HEARTBEAT_INSERT,
	/* public status page (issue 6): configured components and scheduled maintenance
	 * (components.h).  Times in ms; a maintenance's components are a JSON array of names. */
	STMT_COMPONENT_INSERT,      /* (name, description, position, status, created, updated) → id */
	STMT_COMPONENT_UPDATE,      /* (name, description, position, status, updated, id) */
	STMT_COMPONENT_GET,         /* (id) → id, name, description, position, status, created_at, updated_at */
	STMT_COMPONENT_FIND,        /* (name) → id */
	STMT_COMPONENT_LIST,        /* () → same columns as GET, by position, then name (bytewise), then id */
	STMT_COMPONENT_STATS,       /* () → count, max(position) or 0 */
	STMT_MAINTENANCE_INSERT,    /* (title, body, components, for, until, state, created, updated) → id */
	STMT_MAINTENANCE_UPDATE,    /* (state, started_at, completed_at, components, updated, id) */
	STMT_MAINTENANCE_GET,       /* (id) → id, title, body, components, scheduled_for, scheduled_until, state, started_at, completed_at, created_at, updated_at */
	STMT_MAINTENANCE_LIST,      /* (state or NULL, before id, limit) → same columns, newest first */
	STMT_MAINTENANCE_PUBLIC,    /* (completed since, limit) → same columns: running, upcoming (soonest first), completed since (newest first) */
	STMT_MAINTENANCE_NAMING,    /* (a JSON string, quotes included) → id of each maintenance whose components hold it */
	STMT_COPY_COMPONENTS_SELECT, /* () → id, name, description, position, status, created_at, updated_at */
	STMT_COPY_COMPONENTS_INSERT,
	STMT_COPY_MAINTENANCES_SELECT, /* () → id, title, body, components, scheduled_for, scheduled_until, state, started_at, completed_at, created_at, updated_at */
	STMT_COPY_MAINTENANCES_INSERT,
	/* alert intake and run cards (issue 8): integrations and their log, alert groups and
	 * fingerprints mapped to incidents, versioned run cards (signals.h, runcards.h) */
	STMT_INTEGRATION_INSERT,    /* (name, kind, token_hash, severity_label, severity_map, default_severity, systems, created_at) → id */
	STMT_INTEGRATION_GET,       /* (id) → id, name, kind, token_hash, severity_label, severity_map, default_severity, systems, created_at */
	STMT_INTEGRATION_LOG_APPEND, /* (integration, at, outcome, incident or NULL, message, payload) → id */
	STMT_INTEGRATION_LOG_LIST,  /* (integration, before id, limit) → id, at, outcome, incident, message, payload; newest first */
	STMT_INTEGRATION_LOG_PRUNE, /* (integration, keep): drops all but the newest `keep` entries */
	STMT_ALERT_GROUP_GET,       /* (integration, group_key) → incident, count, first_at */
	STMT_ALERT_GROUP_PUT,       /* (integration, group_key, incident, count, first_at, last_seen): upsert */
	STMT_ALERT_GET,             /* (integration, fingerprint) → incident, status, starts_at */
	STMT_ALERT_PUT,             /* (integration, fingerprint, group_key, incident, status, starts_at, ends_at, last_seen): upsert */
	STMT_ALERT_SUMMARY,         /* (incident) → received, firing, resolved, last_seen */
	STMT_RUNCARD_LATEST,        /* (alarm_level, service) → id, version, body, created_at, created_by */
	STMT_RUNCARD_VERSION,       /* (alarm_level, service, version) → the same columns */
	STMT_RUNCARD_INSERT,        /* (alarm_level, service, body, created_at, created_by) → id, version (max + 1) */
	STMT_COPY_INTEGRATIONS_SELECT, /* () → id, name, kind, token_hash, severity_label, severity_map, default_severity, systems, created_at */
	STMT_COPY_INTEGRATIONS_INSERT,
	STMT_COPY_INTEGRATION_LOG_SELECT, /* () → id, integration, at, outcome, incident, message, payload */
	STMT_COPY_INTEGRATION_LOG_INSERT,
	STMT_COPY_ALERT_GROUPS_SELECT, /* () → id, integration, group_key, incident, count, first_at, last_seen */
	STMT_COPY_ALERT_GROUPS_INSERT,
	STMT_COPY_ALERTS_SELECT,    /* () → id, integration, fingerprint, group_key, incident, status, starts_at, ends_at, last_seen */
	STMT_COPY_ALERTS_INSERT,
	STMT_COPY_RUNCARDS_SELECT,  /* () → id, alarm_level, service, version, body, created_at, created_by */
	STMT_COPY_RUNCARDS_INSERT,
	/* end of issue 8 */
	/* after action and KPIs (issue 10): action items and After Action documents
	 * (afteraction.h, actions.h).  Times in ms; an item's state is open|in_progress|done|wont_do. */
	STMT_ACTION_INSERT,         /* (incident, title, owner, due_at, priority, tracker_url, state, reason, non_negotiable, created_at, created_by, updated_at) → id */
	STMT_ACTION_UPDATE,         /* (title, owner, due_at, priority, tracker_url, state, reason, updated_at, closed_at, id) */
	STMT_ACTION_GET,            /* (id) → id, incident, title, owner, due_at, priority, tracker_url, state, reason, non_negotiable, created_at, created_by, updated_at, closed_at */
	STMT_ACTION_LIST,           /* (state or NULL, incident or NULL, overdue at or NULL, limit) → same columns, by due_at then id */
	STMT_AFTER_ACTION_GET,      /* (incident) → state, version, sections, published, created_at, updated_at, updated_by, published_at */
	STMT_AFTER_ACTION_PUT,      /* (incident, state, version, sections, published, created_at, updated_at, updated_by, published_at): upsert */
	STMT_KPI_INCIDENTS,         /* (from, to) → number, doc of the incidents opened in [from, to), by number */
	STMT_UPDATE_FIRST_AT,       /* (incident) → min(at), NULL when none */
	STMT_COPY_ACTION_ITEMS_SELECT, /* () → the columns of STMT_ACTION_GET */
	STMT_COPY_ACTION_ITEMS_INSERT,
	STMT_COPY_AFTER_ACTIONS_SELECT, /* () → incident, state, version, sections, published, created_at, updated_at, updated_by, published_at */
	STMT_COPY_AFTER_ACTIONS_INSERT,
	/* end of issue 10 */
	/* ---- issue 7: accounts, sessions, tokens, audit (auth.h) ---- */
	STMT_SETTING_GET,           /* (key) → value */
	STMT_SETTING_PUT_NEW,       /* (key, value): inserted only when the key is absent */
	STMT_COPY_SETTINGS_SELECT,  /* () → key, value */
	STMT_COPY_SETTINGS_INSERT,
	STMT_USER_INSERT,            /* (name, display, role, password_hash, disabled, source, created, updated) */
	STMT_USER_GET,               /* (name) → name, display, role, password_hash, disabled, source, created_at, updated_at */
	STMT_USER_LIST,              /* () → the columns of GET, by name */
	STMT_USER_COUNT,             /* () → count */
	STMT_USER_SET_ROLE,          /* (role, updated, name) */
	STMT_USER_SET_DISABLED,      /* (disabled, updated, name) */
	STMT_USER_SET_PASSWORD,      /* (password_hash, updated, name) */
	STMT_USER_SET_DISPLAY,       /* (display, updated, name) */
	STMT_SESSION_INSERT,         /* (id_hash, user, created, last_seen, address) */
	STMT_SESSION_LOOKUP,         /* (id_hash) → user, created_at, last_seen, display, role, disabled */
	STMT_SESSION_TOUCH,          /* (last_seen, id_hash) */
	STMT_SESSION_DELETE,         /* (id_hash) */
	STMT_SESSION_DELETE_USER,    /* (user) → the sessions of an account end */
	STMT_SESSION_PRUNE,          /* (created before, last seen before): expired sessions go */
	STMT_TOKEN_INSERT,           /* (token_hash, user, name, role, created, expires or NULL) → id */
	STMT_TOKEN_LOOKUP,           /* (token_hash) → id, user, role, expires_at, revoked_at, last_used_at, display, user role, disabled */
	STMT_TOKEN_LIST,             /* (user or NULL) → id, user, name, role, created_at, expires_at, revoked_at, last_used_at, by id */
	STMT_TOKEN_GET,              /* (id) → the columns of LIST */
	STMT_TOKEN_REVOKE,           /* (revoked_at, id): once */
	STMT_TOKEN_TOUCH,            /* (last_used_at, id) */
	STMT_AUDIT_APPEND,           /* (at, actor, action, subject, address, detail) → id */
	STMT_AUDIT_LIST,             /* (before id, limit) → id, at, actor, action, subject, address, detail; newest first */
	STMT_COPY_USERS_SELECT,      /* () → name, display, role, password_hash, disabled, source, created_at, updated_at */
	STMT_COPY_USERS_INSERT,
	STMT_COPY_SESSIONS_SELECT,   /* () → id_hash, user_name, created_at, last_seen, address */
	STMT_COPY_SESSIONS_INSERT,
	STMT_COPY_API_TOKENS_SELECT, /* () → id, token_hash, user_name, name, role, created_at, expires_at, revoked_at, last_used_at */
	STMT_COPY_API_TOKENS_INSERT,
	STMT_COPY_AUDIT_LOG_SELECT,  /* () → id, at, actor, action, subject, address, detail */
	STMT_COPY_AUDIT_LOG_INSERT,
	/* ---- end of issue 7 ---- */
	/* ---- issue 9: on-call teams, rotations, pages (oncall.h) ---- */
	/* Teams keep their members ({name, email}) and escalation steps as JSON arrays, a
	 * rotation its order (member names); a page's person, steps and the rest are its
	 * `doc` (pages.h).  Times in ms. */
	STMT_TEAM_INSERT,           /* (name, manager, manager_email, ack_minutes, steps, members, created, updated) → id */
	STMT_TEAM_UPDATE,           /* (name, manager, manager_email, ack_minutes, steps, members, updated, id) */
	STMT_TEAM_GET,              /* (id) → id, name, manager, manager_email, ack_minutes, steps, members, created_at, updated_at */
	STMT_TEAM_FIND,             /* (name) → id */
	STMT_TEAM_LIST,             /* () → the columns of GET, by name then id */
	STMT_ROTATION_INSERT,       /* (team, name, shift_hours, handover, zone, start_date, members, created, created_by) → id */
	STMT_ROTATION_GET,          /* (id) → id, team, name, shift_hours, handover, zone, start_date, members, created_at, created_by */
	STMT_ROTATION_LIST,         /* (team or NULL) → the columns of GET, by team then id */
	STMT_OVERRIDE_INSERT,       /* (rotation, person, from_at, to_at, reason, created, created_by) → id */
	STMT_OVERRIDE_LIST,         /* (rotation, from, to) → id, rotation, person, from_at, to_at, reason, created_at, created_by of those overlapping [from, to), by id */
	STMT_PAGE_INSERT,           /* (incident, team, team_name, state, paged_at, acknowledged_at, next_at, drill, doc, updated) → id */
	STMT_PAGE_UPDATE,           /* (state, acknowledged_at, next_at, doc, updated, id) */
	STMT_PAGE_GET,              /* (id) → id, incident, team, team_name, state, paged_at, acknowledged_at, next_at, drill, doc, updated_at */
	STMT_PAGE_LIST,             /* (incident) → the columns of GET, by id */
	STMT_PAGE_DUE,              /* (now, limit) → id of pages still paged whose escalation is due, soonest first */
	STMT_PAGE_MTTA,             /* (from, to) → team_name, paged_at, acknowledged_at of team pages of live incidents paged in [from, to), by team_name */
	STMT_COPY_TEAMS_SELECT,     /* () → the columns of STMT_TEAM_GET, by id */
	STMT_COPY_TEAMS_INSERT,
	STMT_COPY_ROTATIONS_SELECT, /* () → the columns of STMT_ROTATION_GET, by id */
	STMT_COPY_ROTATIONS_INSERT,
	STMT_COPY_ROTATION_OVERRIDES_SELECT, /* () → the columns of STMT_OVERRIDE_LIST, by id */
	STMT_COPY_ROTATION_OVERRIDES_INSERT,
	STMT_COPY_PAGES_SELECT,     /* () → the columns of STMT_PAGE_GET, by id */
	STMT_COPY_PAGES_INSERT,
	/* ---- end of issue 9 on-call ---- */
	/* ---- issue 9: notifications outbox, channels, subscribers (outbox.h) ---- */
	/* Times in ms.  A channel's events are a JSON array of topic names (notify.h); an
	 * outbox row's dest groups rows that share a receiver ("c<channel id>" or "smtp"). */
	STMT_CHANNEL_INSERT,        /* (name, kind, url, address, secret, events, audience, enabled, created, updated) → id */
	STMT_CHANNEL_UPDATE,        /* (name, url, address, secret, events, audience, enabled, updated, id) */
	STMT_CHANNEL_GET,           /* (id) → id, name, kind, url, address, secret, events, audience, enabled, created_at, updated_at */
	STMT_CHANNEL_LIST,          /* () → same columns, by id */
	STMT_CHANNEL_DELETE,        /* (id) */
	STMT_SUBSCRIBER_FIND,       /* (email) → id, email, state, created_at, confirmed_at, last_mail_at */
	STMT_SUBSCRIBER_GET,        /* (id) → same columns */
	STMT_SUBSCRIBER_INSERT,     /* (email, state, created, last_mail_at) → id */
	STMT_SUBSCRIBER_UPDATE,     /* (state, confirmed_at, unsubscribed_at, last_mail_at, updated, id) */
	STMT_SUBSCRIBER_LIST,       /* (state or NULL, before id, limit) → same columns as FIND, newest first */
	STMT_OUTBOX_ROUTE_CHANNELS, /* (created, incident, seq, topic, "\"topic\"", payload, audience): a row per enabled channel of that audience with the topic */
	STMT_OUTBOX_ROUTE_SUBSCRIBERS, /* (created, incident, seq, topic, payload): a row per confirmed subscriber */
	STMT_OUTBOX_INSERT,         /* (created, incident, seq, topic, kind, channel, subscriber, dest, address, payload) → id */
	STMT_OUTBOX_DUE,            /* (now, per dest, limit) → id, kind, topic, channel, subscriber, dest, address, payload, attempts, created_at, channel id, url, address, secret, subscriber email, subscriber state */
	STMT_OUTBOX_RESULT,         /* (state, attempts, next_at, last_error, updated, id) */
	STMT_OUTBOX_GET,            /* (id) → id, created_at, incident, seq, topic, kind, channel, subscriber, dest, address, state, attempts, next_at, last_error, updated_at */
	STMT_OUTBOX_LIST,           /* (state or NULL, before id, limit) → same columns, newest first */
	STMT_OUTBOX_RETRY,          /* (now, id): pending again, due now */
	STMT_OUTBOX_COUNTS,         /* () → state, count */
	STMT_OUTBOX_TOPIC_SINCE,    /* (topic, since) → count of rows created since */
	STMT_COPY_CHANNELS_SELECT,  /* () → id, name, kind, url, address, secret, events, audience, enabled, created_at, updated_at */
	STMT_COPY_CHANNELS_INSERT,
	STMT_COPY_SUBSCRIBERS_SELECT, /* () → id, email, state, created_at, confirmed_at, unsubscribed_at, last_mail_at, updated_at */
	STMT_COPY_SUBSCRIBERS_INSERT,
	STMT_COPY_OUTBOX_SELECT,    /* () → id, created_at, incident, seq, topic, kind, channel, subscriber, dest, address, payload, state, attempts, next_at, last_error, updated_at */
	STMT_COPY_OUTBOX_INSERT,
	/* ---- end of issue 9 notifications ---- */
	/* ---- issue 10, second part: After Action additions ---- */
	STMT_AFTER_ACTION_TAGGED,   /* (incident to leave out, limit) → incident, sections: reviews with root-cause tags, newest first */
	/* ---- end of issue 10, second part ---- */
	/* sign-in throttling shared by every replica (auth.h): a key is the keyed hash of an
	 * account name or an address; not copied by `majorops copy` (it is minutes-long state) */
	STMT_THROTTLE_GET,          /* (key) → failures, last_failure */
	STMT_THROTTLE_FAIL,         /* (key, now, window start): one more failure, counted from 1 again when the last is older than the window */
	STMT_THROTTLE_CLEAR,        /* (key) */
	STMT_THROTTLE_PRUNE,        /* (before): keys whose last failure is older go */
	/* the account a person named on an incident is (outbox.c: the MIM's guardrail mail) */
	STMT_USER_BY_PERSON,        /* (person) → name of enabled accounts whose name or display it is; at most 2 */
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
	const char *db;         /* a SQLite file, or a postgres:// or postgresql:// URL */
	int nreaders;           /* read connections in the pool (default 8) */
	int busy_timeout_ms;    /* SQLite: default 5000 */
	/* Every committed event once, in order (see above); NULL for the admin commands, which
	 * then also do not listen for other replicas. */
	store_commit_hook on_commit;
	void *on_commit_ctx;
};

#define STORE_DISPLAY_MAX 512 /* a scrubbed --db value, for messages */

/* Whether `db` names a PostgreSQL database (a postgres:// or postgresql:// URL). */
bool store_db_is_postgres(const char *db);
/* Writes `db` fit for a message into `out`: a URL loses its password ("user:***@",
 * "password=***"), so no log line or error ever echoes it. */
void store_db_display(const char *db, char *out, size_t outlen);

/* Opens (creating and migrating) the store and starts its writer thread.  On failure
 * returns -1 and writes a message ("cannot open database 'x.db': …") into `err`. */
int store_open(struct store **out, const struct store_config *cfg, char *err, size_t errlen);
/* Drains queued writes, stops the writer, closes every connection. */
void store_close(struct store *s);

/* A command: runs on the writer thread inside its own savepoint.  Return 0 to keep its
 * writes, anything else to roll them back (the value is handed back by store_write()). */
typedef int (*store_command_fn)(struct store_conn *c, void *arg);

/* Queues `fn`, waits until its batch is durably committed (or rolled back), and returns
 * fn's result; STORE_ERR_IO when the commit itself failed (nothing of it was kept) or the
 * store is unreachable.  A command whose statement failed is rolled back with STORE_ERR_IO
 * even when it returned 0. */
#define STORE_ERR_IO (-1000)
int store_write(struct store *s, store_command_fn fn, void *arg);

struct store_conn *store_read_begin(struct store *s);
void store_read_end(struct store *s, struct store_conn *c);
/* Whether `c` is the writer's connection (the code runs inside a command). */
bool store_conn_writes(const struct store_conn *c);

/* Statements.  store_bind() binds by position from `fmt`: 'i' int64_t, 'b' bool (int),
 * 't' const char * (NULL binds NULL), 'z' int64_t where 0 (TIME_NONE, no id) binds NULL,
 * 'n' NULL.  Bound text must stay valid until the statement is reset.  Returns the
 * statement ready to step, or NULL on error (logged). */
#define STORE_PARAMS_MAX 16
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
/* Runs a statement returning one integer in its first column; `dflt` when no row.  An
 * INSERT … RETURNING id gives the new row's id this way. */
int store_query_int(struct store_conn *c, int64_t *out, int64_t dflt, enum stmt id,
		    const char *fmt, ...);

/* Appends an event on the writer's connection (inside a command) and returns its sequence
 * number in `seq`; the writer publishes it through on_commit once the batch commits. */
int store_event_append(struct store_conn *c, int64_t incident, int64_t at, const char *actor,
		       const char *type, const char *visibility, const char *payload,
		       int64_t *seq);

/* The highest sequence number handed to on_commit (at open: the highest committed). */
int64_t store_event_head(struct store *s);

/* Whether the store answers a trivial query (readiness). */
bool store_ping(struct store *s);

/* The worker lease: at most one process per database holds it.  On PostgreSQL it is a
 * session advisory lock on a connection of its own, so it vanishes with a killed process
 * and another replica takes it at its next try; a SQLite store has one process, which
 * always holds it.  store_lease_acquire() takes the lease or checks it is still held and
 * returns whether this process holds it now; call it about once a second. */
bool store_lease_acquire(struct store *s);
bool store_lease_held(struct store *s);
void store_lease_release(struct store *s);
/* Records the holder's heartbeat (who, when) as one command; 0 or -1. */
int store_lease_beat(struct store *s, const char *holder, int64_t now);

/* Copies every row of `from` into `to`, which must be empty, in one transaction of `to`
 * read from one snapshot of `from`; ids and sequence numbers are kept, so an export of
 * each is byte-identical.  Returns the rows copied, or -1 with `err` filled. */
int64_t store_copy(struct store *from, struct store *to, char *err, size_t errlen);
/* Writes every table as JSON to `out` in a fixed order (tables, then primary key), from one
 * snapshot; the same records give the same bytes on either backend.  0 or -1. */
int store_export(struct store *s, FILE *out, char *err, size_t errlen);
/* Reads an export (store_export's JSON) from `in` into `s`, which must be empty and of the
 * export's schema version, in one transaction: every table of copy_tables, parents first,
 * through the backends' COPY_*_INSERT statements, then the identity sequences moved past
 * the rows (as store_copy does), so an export of `s` afterwards is byte-identical.  A
 * table the export lacks or this build does not know, different columns or a malformed
 * row refuse the whole import.  The export is held in memory while it is read.  Returns
 * the rows imported, or -1 with `err` filled. */
int64_t store_import(struct store *s, FILE *in, char *err, size_t errlen);
/* A consistent copy of a SQLite store into the new file `out_path` with the online
 * backup API, while servers keep writing.  0 or -1 with `err` filled (also for a
 * PostgreSQL URL, whose backups are pg_dump's job). */
int store_backup(const char *db, const char *out_path, char *err, size_t errlen);

#endif
