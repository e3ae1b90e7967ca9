/* The SQLite backend of store.h: one process, WAL, synchronous=FULL; the writer's
 * BEGIN IMMEDIATE holds the database for the batch, so sequence order is commit order. */
#include "store_backend.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

/* Migrations are numbered from 1 and never edited once released: add a new one instead.
 * store_pg.c keeps the same numbers, so a schema version means the same tables on both. */
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
	/* 2: the worker lease holder's heartbeat */
	"CREATE TABLE worker_heartbeat ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  holder TEXT NOT NULL,"
	"  beat_at INTEGER NOT NULL);",
	/* 3: the public status page's configured components and scheduled maintenance (issue 6) */
	"CREATE TABLE components ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT,"
	"  position INTEGER NOT NULL,"
	"  status TEXT CHECK (status IN ('operational','degraded_performance','partial_outage',"
	"    'major_outage','under_maintenance')),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE maintenances ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  title TEXT NOT NULL,"
	"  body TEXT,"
	"  components TEXT NOT NULL,"
	"  scheduled_for INTEGER NOT NULL,"
	"  scheduled_until INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('scheduled','in_progress','verifying','completed')),"
	"  started_at INTEGER,"
	"  completed_at INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX maintenances_state ON maintenances(state, completed_at);",
	/* 4: alert intake and run cards (issue 8) */
	"CREATE TABLE integrations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('alertmanager','grafana','generic')),"
	"  token_hash TEXT NOT NULL,"
	"  severity_label TEXT NOT NULL,"
	"  severity_map TEXT NOT NULL,"
	"  default_severity TEXT NOT NULL,"
	"  systems TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE integration_log ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  integration INTEGER NOT NULL REFERENCES integrations(id),"
	"  at INTEGER NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  incident INTEGER,"
	"  message TEXT NOT NULL,"
	"  payload TEXT NOT NULL);"
	"CREATE INDEX integration_log_integration ON integration_log(integration, id);"
	"CREATE TABLE alert_groups ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  integration INTEGER NOT NULL REFERENCES integrations(id),"
	"  group_key TEXT NOT NULL,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  count INTEGER NOT NULL,"
	"  first_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  UNIQUE (integration, group_key));"
	"CREATE INDEX alert_groups_incident ON alert_groups(incident);"
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  integration INTEGER NOT NULL REFERENCES integrations(id),"
	"  fingerprint TEXT NOT NULL,"
	"  group_key TEXT NOT NULL,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  status TEXT NOT NULL CHECK (status IN ('firing','resolved')),"
	"  starts_at INTEGER,"
	"  ends_at INTEGER,"
	"  last_seen INTEGER NOT NULL,"
	"  UNIQUE (integration, fingerprint));"
	"CREATE INDEX alerts_incident ON alerts(incident);"
	"CREATE TABLE runcards ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  alarm_level INTEGER NOT NULL CHECK (alarm_level BETWEEN 0 AND 3),"
	"  service TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  UNIQUE (alarm_level, service, version));",
	/* 5: After Action reviews and their action items (issue 10) */
	"CREATE TABLE action_items ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  title TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  due_at INTEGER NOT NULL,"
	"  priority TEXT NOT NULL CHECK (priority IN ('high','medium','low')),"
	"  tracker_url TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('open','in_progress','done','wont_do')),"
	"  reason TEXT,"
	"  non_negotiable INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  closed_at INTEGER);"
	"CREATE INDEX action_items_incident ON action_items(incident, id);"
	"CREATE INDEX action_items_state ON action_items(state, due_at);"
	"CREATE TABLE after_actions ("
	"  incident INTEGER PRIMARY KEY REFERENCES incidents(number),"
	"  state TEXT NOT NULL CHECK (state IN ('draft','review','published')),"
	"  version INTEGER NOT NULL,"
	"  sections TEXT NOT NULL,"
	"  published TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  updated_by TEXT NOT NULL,"
	"  published_at INTEGER);",
	/* ---- migration for issue 7: accounts, sessions, tokens, audit (auth.h) goes here ---- */
	/* 6: settings, the server's own values (its secret: secret.h) */
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 7: accounts, sessions, API tokens and the audit log (issue 7, auth.h) */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  display TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer','responder','mim','admin')),"
	"  password_hash TEXT,"
	"  disabled INTEGER NOT NULL,"
	"  source TEXT NOT NULL CHECK (source IN ('local','sso','proxy')),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE sessions ("
	"  id_hash TEXT PRIMARY KEY,"
	"  user_name TEXT NOT NULL REFERENCES users(name),"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  address TEXT NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(user_name);"
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  token_hash TEXT NOT NULL UNIQUE,"
	"  user_name TEXT NOT NULL REFERENCES users(name),"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer','responder','mim','admin')),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER,"
	"  revoked_at INTEGER,"
	"  last_used_at INTEGER);"
	"CREATE INDEX api_tokens_user ON api_tokens(user_name);"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  detail TEXT NOT NULL);",
	/* ---- migration for issue 9: on-call teams, rotations, pages (oncall.h) goes here ---- */
	/* on-call teams, rotations and their overrides, pages (issue 9, teams.h, pages.h) */
	"CREATE TABLE teams ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  manager TEXT,"
	"  manager_email TEXT,"
	"  ack_minutes INTEGER NOT NULL,"
	"  steps TEXT NOT NULL,"
	"  members TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE rotations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  team INTEGER NOT NULL REFERENCES teams(id),"
	"  name TEXT NOT NULL,"
	"  shift_hours INTEGER NOT NULL,"
	"  handover TEXT NOT NULL,"
	"  zone TEXT NOT NULL,"
	"  start_date TEXT NOT NULL,"
	"  members TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  UNIQUE (team, name));"
	"CREATE TABLE rotation_overrides ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  rotation INTEGER NOT NULL REFERENCES rotations(id),"
	"  person TEXT NOT NULL,"
	"  from_at INTEGER NOT NULL,"
	"  to_at INTEGER NOT NULL,"
	"  reason TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL);"
	"CREATE INDEX rotation_overrides_rotation ON rotation_overrides(rotation, to_at);"
	"CREATE TABLE pages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident INTEGER NOT NULL REFERENCES incidents(number),"
	"  team INTEGER REFERENCES teams(id),"
	"  team_name TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('paged','acknowledged','expired')),"
	"  paged_at INTEGER NOT NULL,"
	"  acknowledged_at INTEGER,"
	"  next_at INTEGER,"
	"  drill INTEGER NOT NULL,"
	"  doc TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX pages_incident ON pages(incident, id);"
	"CREATE INDEX pages_due ON pages(state, next_at);"
	"CREATE INDEX pages_paged_at ON pages(paged_at);",
	/* ---- migration for issue 9: notifications outbox, channels, subscribers (outbox.h) goes here ---- */
	/* issue 9: notification channels, status-page subscribers and the durable outbox (outbox.h) */
	"CREATE TABLE channels ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('webhook','slack','mattermost','teams','email')),"
	"  url TEXT,"
	"  address TEXT,"
	"  secret TEXT,"
	"  events TEXT NOT NULL,"
	"  audience TEXT NOT NULL CHECK (audience IN ('internal','public')),"
	"  enabled INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE subscribers ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  email TEXT NOT NULL UNIQUE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending','confirmed','unsubscribed')),"
	"  created_at INTEGER NOT NULL,"
	"  confirmed_at INTEGER,"
	"  unsubscribed_at INTEGER,"
	"  last_mail_at INTEGER,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX subscribers_state ON subscribers(state, id);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  created_at INTEGER NOT NULL,"
	"  incident INTEGER,"
	"  seq INTEGER,"
	"  topic TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  channel INTEGER,"
	"  subscriber INTEGER,"
	"  dest TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  payload TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('pending','delivered','failed')),"
	"  attempts INTEGER NOT NULL,"
	"  next_at INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox(state, next_at);"
	"CREATE INDEX outbox_topic ON outbox(topic, created_at);",
	/* ---- migration for issue 10, second part: After Action additions goes here ---- */
	/* sign-in throttling shared by every replica (auth.h) */
	"CREATE TABLE login_throttle ("
	"  key TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  last_failure INTEGER NOT NULL);"
	"CREATE INDEX login_throttle_last ON login_throttle(last_failure);",
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
	/* STMT_INCIDENT_GET_FOR_UPDATE: the writer's BEGIN IMMEDIATE already holds the database */
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
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
	/* STMT_EVENTS_AFTER */
	"SELECT seq, incident, at, type, visibility, payload FROM events "
	"WHERE seq > ?1 ORDER BY seq LIMIT ?2",
	/* STMT_EVENT_HEAD */
	"SELECT coalesce(max(seq), 0) FROM events",
	/* STMT_TIMELINE_APPEND */
	"INSERT INTO timeline (incident, at, author, type, visibility, text, payload, amends) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
	/* STMT_TIMELINE_LIST */
	"SELECT id, at, author, type, visibility, text, payload, amends FROM timeline "
	"WHERE incident = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
	/* STMT_TIMELINE_LIST_JSON: the wire form built by SQLite's JSON functions, so a page of
	 * entries is served without a jansson tree per row; times as time_to_iso() writes them */
	"SELECT id, json_object('id', id, 'incident', 'INC-' || incident, 'at', "
	"CASE WHEN at % 1000 = 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', at / 1000, 'unixepoch') "
	"ELSE strftime('%Y-%m-%dT%H:%M:%S', at / 1000, 'unixepoch') || '.' || "
	"substr('00' || (at % 1000), -3) || 'Z' END, "
	"'author', author, 'type', type, 'text', text, 'visibility', visibility, "
	"'payload', json(payload), 'amends', amends) FROM timeline "
	"WHERE incident = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
	/* STMT_TIMELINE_GET */
	"SELECT incident FROM timeline WHERE id = ?1",
	/* STMT_UPDATE_APPEND */
	"INSERT INTO updates (incident, at, author, body, audience, kind, status, next_update_eta) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
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
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
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
	/* STMT_WORKER_BEAT */
	"INSERT INTO worker_heartbeat (id, holder, beat_at) VALUES (1, ?1, ?2) "
	"ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, beat_at = excluded.beat_at",
	/* STMT_STORE_ROWS */
	"SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM timeline) + "
	"(SELECT count(*) FROM updates) + (SELECT count(*) FROM responders) + "
	"(SELECT count(*) FROM events) + (SELECT count(*) FROM worker_heartbeat) + "
	"(SELECT count(*) FROM components) + (SELECT count(*) FROM maintenances) + "
	/* issue 8 */
	"(SELECT count(*) FROM integrations) + (SELECT count(*) FROM integration_log) + "
	"(SELECT count(*) FROM alert_groups) + (SELECT count(*) FROM alerts) + "
	"(SELECT count(*) FROM runcards) + "
	/* issue 7: accounts (sessions belong to one) */
	"(SELECT count(*) FROM users) + (SELECT count(*) FROM api_tokens) + "
	"(SELECT count(*) FROM audit_log) + "
	/* issue 9: on-call */
	"(SELECT count(*) FROM teams) + (SELECT count(*) FROM pages) + "
	/* issue 9: notifications */
	"(SELECT count(*) FROM channels) + (SELECT count(*) FROM subscribers) + "
	"(SELECT count(*) FROM outbox) + "
	/* issue 10 */
	"(SELECT count(*) FROM action_items) + (SELECT count(*) FROM after_actions)",
	/* STMT_COPY_INCIDENTS_SELECT */
	"SELECT number, version, active, opened_at, search, doc FROM incidents ORDER BY number",
	/* STMT_COPY_INCIDENTS_INSERT */
	"INSERT INTO incidents (number, version, active, opened_at, search, doc) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* STMT_COPY_TIMELINE_SELECT */
	"SELECT id, incident, at, author, type, visibility, text, payload, amends FROM timeline "
	"ORDER BY id",
	/* STMT_COPY_TIMELINE_INSERT */
	"INSERT INTO timeline (id, incident, at, author, type, visibility, text, payload, amends) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* STMT_COPY_UPDATES_SELECT */
	"SELECT id, incident, at, author, body, audience, kind, status, next_update_eta "
	"FROM updates ORDER BY id",
	/* STMT_COPY_UPDATES_INSERT */
	"INSERT INTO updates (id, incident, at, author, body, audience, kind, status, "
	"next_update_eta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* STMT_COPY_RESPONDERS_SELECT */
	"SELECT id, incident, person, rotation, role, state, paged_at, acknowledged_at, "
	"joining_at, on_scene_at, released_at, updated_at FROM responders ORDER BY id",
	/* STMT_COPY_RESPONDERS_INSERT */
	"INSERT INTO responders (id, incident, person, rotation, role, state, paged_at, "
	"acknowledged_at, joining_at, on_scene_at, released_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	/* STMT_COPY_EVENTS_SELECT */
	"SELECT seq, incident, at, actor, type, visibility, payload FROM events ORDER BY seq",
	/* STMT_COPY_EVENTS_INSERT */
	"INSERT INTO events (seq, incident, at, actor, type, visibility, payload) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* STMT_COPY_HEARTBEAT_SELECT */
	"SELECT id, holder, beat_at FROM worker_heartbeat ORDER BY id",
	/* STMT_COPY_HEARTBEAT_INSERT */
	"INSERT INTO worker_heartbeat (id, holder, beat_at) VALUES (?1, ?2, ?3)",
	/* ---- public status page (issue 6) ---- */
	/* STMT_COMPONENT_INSERT */
	"INSERT INTO components (name, description, position, status, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	/* STMT_COMPONENT_UPDATE */
	"UPDATE components SET name = ?1, description = ?2, position = ?3, status = ?4, "
	"updated_at = ?5 WHERE id = ?6",
	/* STMT_COMPONENT_GET */
	"SELECT id, name, description, position, status, created_at, updated_at FROM components "
	"WHERE id = ?1",
	/* STMT_COMPONENT_FIND */
	"SELECT id FROM components WHERE name = ?1",
	/* STMT_COMPONENT_LIST: SQLite compares text bytewise, as PostgreSQL's COLLATE "C" */
	"SELECT id, name, description, position, status, created_at, updated_at FROM components "
	"ORDER BY position, name, id",
	/* STMT_COMPONENT_STATS */
	"SELECT count(*), coalesce(max(position), 0) FROM components",
	/* STMT_MAINTENANCE_INSERT */
	"INSERT INTO maintenances (title, body, components, scheduled_for, scheduled_until, state, "
	"created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
	/* STMT_MAINTENANCE_UPDATE */
	"UPDATE maintenances SET state = ?1, started_at = ?2, completed_at = ?3, components = ?4, "
	"updated_at = ?5 WHERE id = ?6",
	/* STMT_MAINTENANCE_GET */
	"SELECT id, title, body, components, scheduled_for, scheduled_until, state, started_at, "
	"completed_at, created_at, updated_at FROM maintenances WHERE id = ?1",
	/* STMT_MAINTENANCE_LIST */
	"SELECT id, title, body, components, scheduled_for, scheduled_until, state, started_at, "
	"completed_at, created_at, updated_at FROM maintenances "
	"WHERE (?1 IS NULL OR state = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3",
	/* STMT_MAINTENANCE_PUBLIC */
	"SELECT id, title, body, components, scheduled_for, scheduled_until, state, started_at, "
	"completed_at, created_at, updated_at FROM maintenances "
	"WHERE state <> 'completed' OR completed_at >= ?1 "
	"ORDER BY CASE state WHEN 'scheduled' THEN 1 WHEN 'completed' THEN 2 ELSE 0 END, "
	"CASE WHEN state = 'completed' THEN -completed_at ELSE scheduled_for END, id LIMIT ?2",
	/* STMT_MAINTENANCE_NAMING */
	"SELECT id FROM maintenances WHERE instr(components, ?1) > 0 ORDER BY id",
	/* STMT_COPY_COMPONENTS_SELECT */
	"SELECT id, name, description, position, status, created_at, updated_at FROM components "
	"ORDER BY id",
	/* STMT_COPY_COMPONENTS_INSERT */
	"INSERT INTO components (id, name, description, position, status, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* STMT_COPY_MAINTENANCES_SELECT */
	"SELECT id, title, body, components, scheduled_for, scheduled_until, state, started_at, "
	"completed_at, created_at, updated_at FROM maintenances ORDER BY id",
	/* STMT_COPY_MAINTENANCES_INSERT */
	"INSERT INTO maintenances (id, title, body, components, scheduled_for, scheduled_until, "
	"state, started_at, completed_at, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	/* ---- alert intake and run cards (issue 8) ---- */
	/* STMT_INTEGRATION_INSERT */
	"INSERT INTO integrations (name, kind, token_hash, severity_label, severity_map, "
	"default_severity, systems, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	"RETURNING id",
	/* STMT_INTEGRATION_GET */
	"SELECT id, name, kind, token_hash, severity_label, severity_map, "
	"default_severity, systems, created_at FROM integrations WHERE id = ?1",
	/* STMT_INTEGRATION_LOG_APPEND */
	"INSERT INTO integration_log (integration, at, outcome, incident, message, "
	"payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	/* STMT_INTEGRATION_LOG_LIST */
	"SELECT id, at, outcome, incident, message, payload FROM integration_log WHERE "
	"integration = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
	/* STMT_INTEGRATION_LOG_PRUNE */
	"DELETE FROM integration_log WHERE integration = ?1 AND id < (SELECT id FROM "
	"integration_log WHERE integration = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	/* STMT_ALERT_GROUP_GET */
	"SELECT incident, count, first_at FROM alert_groups WHERE integration = ?1 AND "
	"group_key = ?2",
	/* STMT_ALERT_GROUP_PUT */
	"INSERT INTO alert_groups (integration, group_key, incident, count, first_at, "
	"last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (integration, group_key) "
	"DO UPDATE SET incident = excluded.incident, count = excluded.count, first_at = "
	"excluded.first_at, last_seen = excluded.last_seen",
	/* STMT_ALERT_GET */
	"SELECT incident, status, starts_at FROM alerts WHERE integration = ?1 AND "
	"fingerprint = ?2",
	/* STMT_ALERT_PUT */
	"INSERT INTO alerts (integration, fingerprint, group_key, incident, status, "
	"starts_at, ends_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON "
	"CONFLICT (integration, fingerprint) DO UPDATE SET group_key = "
	"excluded.group_key, incident = excluded.incident, status = excluded.status, "
	"starts_at = excluded.starts_at, ends_at = excluded.ends_at, last_seen = "
	"excluded.last_seen",
	/* STMT_ALERT_SUMMARY */
	"SELECT (SELECT coalesce(sum(count), 0) FROM alert_groups WHERE incident = ?1), "
	"(SELECT count(*) FROM alerts WHERE incident = ?1 AND status = 'firing'), (SELECT "
	"count(*) FROM alerts WHERE incident = ?1 AND status = 'resolved'), (SELECT "
	"coalesce(max(last_seen), 0) FROM alerts WHERE incident = ?1)",
	/* STMT_RUNCARD_LATEST */
	"SELECT id, version, body, created_at, created_by FROM runcards WHERE alarm_level "
	"= ?1 AND service = ?2 ORDER BY version DESC LIMIT 1",
	/* STMT_RUNCARD_VERSION */
	"SELECT id, version, body, created_at, created_by FROM runcards WHERE alarm_level "
	"= ?1 AND service = ?2 AND version = ?3",
	/* STMT_RUNCARD_INSERT */
	"INSERT INTO runcards (alarm_level, service, version, body, created_at, "
	"created_by) SELECT ?1, ?2, coalesce(max(version), 0) + 1, ?3, ?4, ?5 FROM "
	"runcards WHERE alarm_level = ?1 AND service = ?2 RETURNING id, version",
	/* STMT_COPY_INTEGRATIONS_SELECT */
	"SELECT id, name, kind, token_hash, severity_label, severity_map, "
	"default_severity, systems, created_at FROM integrations ORDER BY id",
	/* STMT_COPY_INTEGRATIONS_INSERT */
	"INSERT INTO integrations (id, name, kind, token_hash, severity_label, "
	"severity_map, default_severity, systems, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
	"?6, ?7, ?8, ?9)",
	/* STMT_COPY_INTEGRATION_LOG_SELECT */
	"SELECT id, integration, at, outcome, incident, message, payload FROM "
	"integration_log ORDER BY id",
	/* STMT_COPY_INTEGRATION_LOG_INSERT */
	"INSERT INTO integration_log (id, integration, at, outcome, incident, message, "
	"payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* STMT_COPY_ALERT_GROUPS_SELECT */
	"SELECT id, integration, group_key, incident, count, first_at, last_seen FROM "
	"alert_groups ORDER BY id",
	/* STMT_COPY_ALERT_GROUPS_INSERT */
	"INSERT INTO alert_groups (id, integration, group_key, incident, count, first_at, "
	"last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* STMT_COPY_ALERTS_SELECT */
	"SELECT id, integration, fingerprint, group_key, incident, status, starts_at, "
	"ends_at, last_seen FROM alerts ORDER BY id",
	/* STMT_COPY_ALERTS_INSERT */
	"INSERT INTO alerts (id, integration, fingerprint, group_key, incident, status, "
	"starts_at, ends_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* STMT_COPY_RUNCARDS_SELECT */
	"SELECT id, alarm_level, service, version, body, created_at, created_by FROM "
	"runcards ORDER BY id",
	/* STMT_COPY_RUNCARDS_INSERT */
	"INSERT INTO runcards (id, alarm_level, service, version, body, created_at, "
	"created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* ---- end of issue 8 ---- */
	/* ---- after action and KPIs (issue 10) ---- */
	/* STMT_ACTION_INSERT */
	"INSERT INTO action_items (incident, title, owner, due_at, priority, tracker_url, state, "
	"reason, non_negotiable, created_at, created_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
	/* STMT_ACTION_UPDATE */
	"UPDATE action_items SET title = ?1, owner = ?2, due_at = ?3, priority = ?4, "
	"tracker_url = ?5, state = ?6, reason = ?7, updated_at = ?8, closed_at = ?9 "
	"WHERE id = ?10",
	/* STMT_ACTION_GET */
	"SELECT id, incident, title, owner, due_at, priority, tracker_url, state, "
	"reason, non_negotiable, created_at, created_by, updated_at, closed_at FROM action_items WHERE id = ?1",
	/* STMT_ACTION_LIST: open and in progress are what "overdue" can mean */
	"SELECT id, incident, title, owner, due_at, priority, tracker_url, state, "
	"reason, non_negotiable, created_at, created_by, updated_at, closed_at FROM action_items WHERE (?1 IS NULL OR state = ?1) "
	"AND (?2 IS NULL OR incident = ?2) AND (?3 IS NULL OR "
	"(state IN ('open', 'in_progress') AND due_at < ?3)) ORDER BY due_at, id LIMIT ?4",
	/* STMT_AFTER_ACTION_GET */
	"SELECT state, version, sections, published, created_at, updated_at, updated_by, "
	"published_at FROM after_actions WHERE incident = ?1",
	/* STMT_AFTER_ACTION_PUT */
	"INSERT INTO after_actions (incident, state, version, sections, published, created_at, "
	"updated_at, updated_by, published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT (incident) DO UPDATE SET state = excluded.state, version = excluded.version, "
	"sections = excluded.sections, published = excluded.published, updated_at = "
	"excluded.updated_at, updated_by = excluded.updated_by, published_at = excluded.published_at",
	/* STMT_KPI_INCIDENTS */
	"SELECT number, doc FROM incidents WHERE opened_at >= ?1 AND opened_at < ?2 ORDER BY number",
	/* STMT_UPDATE_FIRST_AT */
	"SELECT min(at) FROM updates WHERE incident = ?1",
	/* STMT_COPY_ACTION_ITEMS_SELECT */
	"SELECT id, incident, title, owner, due_at, priority, tracker_url, state, "
	"reason, non_negotiable, created_at, created_by, updated_at, closed_at FROM action_items ORDER BY id",
	/* STMT_COPY_ACTION_ITEMS_INSERT */
	"INSERT INTO action_items (id, incident, title, owner, due_at, priority, tracker_url, state, "
	"reason, non_negotiable, created_at, created_by, updated_at, closed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	/* STMT_COPY_AFTER_ACTIONS_SELECT */
	"SELECT incident, state, version, sections, published, created_at, updated_at, updated_by, "
	"published_at FROM after_actions ORDER BY incident",
	/* STMT_COPY_AFTER_ACTIONS_INSERT */
	"INSERT INTO after_actions (incident, state, version, sections, published, created_at, "
	"updated_at, updated_by, published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* ---- end of issue 10 ---- */
	/* ---- issue 7: accounts, sessions, tokens, audit (auth.h) ---- */
	/* STMT_SETTING_GET */
	"SELECT value FROM settings WHERE key = ?1",
	/* STMT_SETTING_PUT_NEW */
	"INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
	/* STMT_COPY_SETTINGS_SELECT */
	"SELECT key, value FROM settings ORDER BY key",
	/* STMT_COPY_SETTINGS_INSERT */
	"INSERT INTO settings (key, value) VALUES (?1, ?2)",
	/* STMT_USER_INSERT */
	"INSERT INTO users (name, display, role, password_hash, disabled, source, created_at, "
	"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* STMT_USER_GET */
	"SELECT name, display, role, password_hash, disabled, source, created_at, updated_at FROM "
	"users WHERE name = ?1",
	/* STMT_USER_LIST */
	"SELECT name, display, role, password_hash, disabled, source, created_at, updated_at FROM "
	"users ORDER BY name",
	/* STMT_USER_COUNT */
	"SELECT count(*) FROM users",
	/* STMT_USER_SET_ROLE */
	"UPDATE users SET role = ?1, updated_at = ?2 WHERE name = ?3",
	/* STMT_USER_SET_DISABLED */
	"UPDATE users SET disabled = ?1, updated_at = ?2 WHERE name = ?3",
	/* STMT_USER_SET_PASSWORD */
	"UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE name = ?3",
	/* STMT_USER_SET_DISPLAY */
	"UPDATE users SET display = ?1, updated_at = ?2 WHERE name = ?3",
	/* STMT_SESSION_INSERT */
	"INSERT INTO sessions (id_hash, user_name, created_at, last_seen, address) VALUES (?1, "
	"?2, ?3, ?4, ?5)",
	/* STMT_SESSION_LOOKUP */
	"SELECT s.user_name, s.created_at, s.last_seen, u.display, u.role, u.disabled FROM "
	"sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = ?1",
	/* STMT_SESSION_TOUCH */
	"UPDATE sessions SET last_seen = ?1 WHERE id_hash = ?2",
	/* STMT_SESSION_DELETE */
	"DELETE FROM sessions WHERE id_hash = ?1",
	/* STMT_SESSION_DELETE_USER */
	"DELETE FROM sessions WHERE user_name = ?1",
	/* STMT_SESSION_PRUNE */
	"DELETE FROM sessions WHERE created_at < ?1 OR last_seen < ?2",
	/* STMT_TOKEN_INSERT */
	"INSERT INTO api_tokens (token_hash, user_name, name, role, created_at, expires_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	/* STMT_TOKEN_LOOKUP */
	"SELECT t.id, t.user_name, t.role, t.expires_at, t.revoked_at, t.last_used_at, u.display, "
	"u.role, u.disabled FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE "
	"t.token_hash = ?1",
	/* STMT_TOKEN_LIST */
	"SELECT id, user_name, name, role, created_at, expires_at, revoked_at, last_used_at FROM "
	"api_tokens WHERE ?1 IS NULL OR user_name = ?1 ORDER BY id",
	/* STMT_TOKEN_GET */
	"SELECT id, user_name, name, role, created_at, expires_at, revoked_at, last_used_at FROM "
	"api_tokens WHERE id = ?1",
	/* STMT_TOKEN_REVOKE */
	"UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
	/* STMT_TOKEN_TOUCH */
	"UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2",
	/* STMT_AUDIT_APPEND */
	"INSERT INTO audit_log (at, actor, action, subject, address, detail) VALUES (?1, ?2, ?3, "
	"?4, ?5, ?6) RETURNING id",
	/* STMT_AUDIT_LIST */
	"SELECT id, at, actor, action, subject, address, detail FROM audit_log WHERE id < ?1 "
	"ORDER BY id DESC LIMIT ?2",
	/* STMT_COPY_USERS_SELECT */
	"SELECT name, display, role, password_hash, disabled, source, created_at, updated_at FROM "
	"users ORDER BY name",
	/* STMT_COPY_USERS_INSERT */
	"INSERT INTO users (name, display, role, password_hash, disabled, source, created_at, "
	"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* STMT_COPY_SESSIONS_SELECT */
	"SELECT id_hash, user_name, created_at, last_seen, address FROM sessions ORDER BY id_hash",
	/* STMT_COPY_SESSIONS_INSERT */
	"INSERT INTO sessions (id_hash, user_name, created_at, last_seen, address) VALUES (?1, "
	"?2, ?3, ?4, ?5)",
	/* STMT_COPY_API_TOKENS_SELECT */
	"SELECT id, token_hash, user_name, name, role, created_at, expires_at, revoked_at, "
	"last_used_at FROM api_tokens ORDER BY id",
	/* STMT_COPY_API_TOKENS_INSERT */
	"INSERT INTO api_tokens (id, token_hash, user_name, name, role, created_at, expires_at, "
	"revoked_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* STMT_COPY_AUDIT_LOG_SELECT */
	"SELECT id, at, actor, action, subject, address, detail FROM audit_log ORDER BY id",
	/* STMT_COPY_AUDIT_LOG_INSERT */
	"INSERT INTO audit_log (id, at, actor, action, subject, address, detail) VALUES (?1, ?2, "
	"?3, ?4, ?5, ?6, ?7)",
	/* ---- end of issue 7 ---- */
	/* ---- issue 9: on-call teams, rotations, pages (oncall.h) ---- */
	/* STMT_TEAM_INSERT */
	"INSERT INTO teams (name, manager, manager_email, ack_minutes, steps, members, created_at, "
	"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
	/* STMT_TEAM_UPDATE */
	"UPDATE teams SET name = ?1, manager = ?2, manager_email = ?3, ack_minutes = ?4, steps = ?5, "
	"members = ?6, updated_at = ?7 WHERE id = ?8",
	/* STMT_TEAM_GET */
	"SELECT id, name, manager, manager_email, ack_minutes, steps, members, created_at, "
	"updated_at FROM teams WHERE id = ?1",
	/* STMT_TEAM_FIND */
	"SELECT id FROM teams WHERE name = ?1",
	/* STMT_TEAM_LIST */
	"SELECT id, name, manager, manager_email, ack_minutes, steps, members, created_at, "
	"updated_at FROM teams ORDER BY name, id",
	/* STMT_ROTATION_INSERT */
	"INSERT INTO rotations (team, name, shift_hours, handover, zone, start_date, members, "
	"created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
	/* STMT_ROTATION_GET */
	"SELECT id, team, name, shift_hours, handover, zone, start_date, members, created_at, "
	"created_by FROM rotations WHERE id = ?1",
	/* STMT_ROTATION_LIST */
	"SELECT id, team, name, shift_hours, handover, zone, start_date, members, created_at, "
	"created_by FROM rotations WHERE (?1 IS NULL OR team = ?1) ORDER BY team, id",
	/* STMT_OVERRIDE_INSERT */
	"INSERT INTO rotation_overrides (rotation, person, from_at, to_at, reason, created_at, "
	"created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
	/* STMT_OVERRIDE_LIST */
	"SELECT id, rotation, person, from_at, to_at, reason, created_at, created_by FROM "
	"rotation_overrides WHERE rotation = ?1 AND to_at > ?2 AND from_at < ?3 ORDER BY id",
	/* STMT_PAGE_INSERT */
	"INSERT INTO pages (incident, team, team_name, state, paged_at, acknowledged_at, next_at, "
	"drill, doc, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
	/* STMT_PAGE_UPDATE */
	"UPDATE pages SET state = ?1, acknowledged_at = ?2, next_at = ?3, doc = ?4, updated_at = ?5 "
	"WHERE id = ?6",
	/* STMT_PAGE_GET */
	"SELECT id, incident, team, team_name, state, paged_at, acknowledged_at, next_at, drill, "
	"doc, updated_at FROM pages WHERE id = ?1",
	/* STMT_PAGE_LIST */
	"SELECT id, incident, team, team_name, state, paged_at, acknowledged_at, next_at, drill, "
	"doc, updated_at FROM pages WHERE incident = ?1 ORDER BY id",
	/* STMT_PAGE_DUE */
	"SELECT id FROM pages WHERE state = 'paged' AND next_at IS NOT NULL AND next_at <= ?1 "
	"ORDER BY next_at, id LIMIT ?2",
	/* STMT_PAGE_MTTA */
	"SELECT team_name, paged_at, acknowledged_at FROM pages WHERE drill = 0 AND team_name IS "
	"NOT NULL AND paged_at >= ?1 AND paged_at < ?2 ORDER BY team_name, id",
	/* STMT_COPY_TEAMS_SELECT */
	"SELECT id, name, manager, manager_email, ack_minutes, steps, members, created_at, "
	"updated_at FROM teams ORDER BY id",
	/* STMT_COPY_TEAMS_INSERT */
	"INSERT INTO teams (id, name, manager, manager_email, ack_minutes, steps, members, "
	"created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* STMT_COPY_ROTATIONS_SELECT */
	"SELECT id, team, name, shift_hours, handover, zone, start_date, members, created_at, "
	"created_by FROM rotations ORDER BY id",
	/* STMT_COPY_ROTATIONS_INSERT */
	"INSERT INTO rotations (id, team, name, shift_hours, handover, zone, start_date, members, "
	"created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* STMT_COPY_ROTATION_OVERRIDES_SELECT */
	"SELECT id, rotation, person, from_at, to_at, reason, created_at, created_by FROM "
	"rotation_overrides ORDER BY id",
	/* STMT_COPY_ROTATION_OVERRIDES_INSERT */
	"INSERT INTO rotation_overrides (id, rotation, person, from_at, to_at, reason, created_at, "
	"created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* STMT_COPY_PAGES_SELECT */
	"SELECT id, incident, team, team_name, state, paged_at, acknowledged_at, next_at, drill, "
	"doc, updated_at FROM pages ORDER BY id",
	/* STMT_COPY_PAGES_INSERT */
	"INSERT INTO pages (id, incident, team, team_name, state, paged_at, acknowledged_at, "
	"next_at, drill, doc, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	/* ---- end of issue 9 on-call ---- */
	/* ---- issue 9: notifications outbox, channels, subscribers (outbox.h) ---- */
	/* STMT_CHANNEL_INSERT */
	"INSERT INTO channels (name, kind, url, address, secret, events, audience, enabled, "
	"created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
	/* STMT_CHANNEL_UPDATE */
	"UPDATE channels SET name = ?1, url = ?2, address = ?3, secret = ?4, events = ?5, "
	"audience = ?6, enabled = ?7, updated_at = ?8 WHERE id = ?9",
	/* STMT_CHANNEL_GET */
	"SELECT id, name, kind, url, address, secret, events, audience, enabled, created_at, "
	"updated_at FROM channels WHERE id = ?1",
	/* STMT_CHANNEL_LIST */
	"SELECT id, name, kind, url, address, secret, events, audience, enabled, created_at, "
	"updated_at FROM channels ORDER BY id",
	/* STMT_CHANNEL_DELETE */
	"DELETE FROM channels WHERE id = ?1",
	/* STMT_SUBSCRIBER_FIND */
	"SELECT id, email, state, created_at, confirmed_at, last_mail_at FROM subscribers "
	"WHERE email = ?1",
	/* STMT_SUBSCRIBER_GET */
	"SELECT id, email, state, created_at, confirmed_at, last_mail_at FROM subscribers "
	"WHERE id = ?1",
	/* STMT_SUBSCRIBER_INSERT */
	"INSERT INTO subscribers (email, state, created_at, last_mail_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?3) RETURNING id",
	/* STMT_SUBSCRIBER_UPDATE */
	"UPDATE subscribers SET state = ?1, confirmed_at = ?2, unsubscribed_at = ?3, "
	"last_mail_at = ?4, updated_at = ?5 WHERE id = ?6",
	/* STMT_SUBSCRIBER_LIST */
	"SELECT id, email, state, created_at, confirmed_at, last_mail_at FROM subscribers "
	"WHERE (?1 IS NULL OR state = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3",
	/* STMT_OUTBOX_ROUTE_CHANNELS */
	"INSERT INTO outbox (created_at, incident, seq, topic, kind, channel, subscriber, dest, "
	"address, payload, state, attempts, next_at, last_error, updated_at) SELECT ?1, ?2, ?3, ?4, "
	"kind, id, NULL, CASE WHEN kind = 'email' THEN 'smtp' ELSE 'c' || id END, "
	"CASE WHEN kind = 'email' THEN address ELSE url END, ?6, 'pending', 0, ?1, NULL, ?1 "
	"FROM channels WHERE enabled = 1 AND instr(events, ?5) > 0 AND audience = ?7 ORDER BY id",
	/* STMT_OUTBOX_ROUTE_SUBSCRIBERS */
	"INSERT INTO outbox (created_at, incident, seq, topic, kind, channel, subscriber, dest, "
	"address, payload, state, attempts, next_at, last_error, updated_at) SELECT ?1, ?2, ?3, ?4, "
	"'email', NULL, id, 'smtp', email, ?5, 'pending', 0, ?1, NULL, ?1 FROM subscribers "
	"WHERE state = 'confirmed' ORDER BY id",
	/* STMT_OUTBOX_INSERT */
	"INSERT INTO outbox (created_at, incident, seq, topic, kind, channel, subscriber, dest, "
	"address, payload, state, attempts, next_at, last_error, updated_at) VALUES (?1, ?2, ?3, ?4, "
	"?5, ?6, ?7, ?8, ?9, ?10, 'pending', 0, ?1, NULL, ?1) RETURNING id",
	/* STMT_OUTBOX_DUE */
	"SELECT o.id, o.kind, o.topic, o.channel, o.subscriber, o.dest, o.address, o.payload, "
	"o.attempts, o.created_at, ch.id, ch.url, ch.address, ch.secret, s.email, s.state FROM "
	"(SELECT *, row_number() OVER (PARTITION BY dest ORDER BY next_at, id) AS rn FROM outbox "
	"WHERE state = 'pending' AND next_at <= ?1) o LEFT JOIN channels ch ON ch.id = o.channel "
	"LEFT JOIN subscribers s ON s.id = o.subscriber WHERE o.rn <= ?2 ORDER BY o.next_at, o.id "
	"LIMIT ?3",
	/* STMT_OUTBOX_RESULT */
	"UPDATE outbox SET state = ?1, attempts = ?2, next_at = ?3, last_error = ?4, "
	"updated_at = ?5 WHERE id = ?6",
	/* STMT_OUTBOX_GET */
	"SELECT id, created_at, incident, seq, topic, kind, channel, subscriber, dest, address, state, attempts, next_at, last_error, updated_at FROM outbox WHERE id = ?1",
	/* STMT_OUTBOX_LIST */
	"SELECT id, created_at, incident, seq, topic, kind, channel, subscriber, dest, address, state, attempts, next_at, last_error, updated_at FROM outbox "
	"WHERE (?1 IS NULL OR state = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3",
	/* STMT_OUTBOX_RETRY */
	"UPDATE outbox SET state = 'pending', next_at = ?1, updated_at = ?1 WHERE id = ?2",
	/* STMT_OUTBOX_COUNTS */
	"SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state",
	/* STMT_OUTBOX_TOPIC_SINCE */
	"SELECT count(*) FROM outbox WHERE topic = ?1 AND created_at >= ?2",
	/* STMT_COPY_CHANNELS_SELECT */
	"SELECT id, name, kind, url, address, secret, events, audience, enabled, created_at, "
	"updated_at FROM channels ORDER BY id",
	/* STMT_COPY_CHANNELS_INSERT */
	"INSERT INTO channels (id, name, kind, url, address, secret, events, audience, enabled, "
	"created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	/* STMT_COPY_SUBSCRIBERS_SELECT */
	"SELECT id, email, state, created_at, confirmed_at, unsubscribed_at, last_mail_at, "
	"updated_at FROM subscribers ORDER BY id",
	/* STMT_COPY_SUBSCRIBERS_INSERT */
	"INSERT INTO subscribers (id, email, state, created_at, confirmed_at, unsubscribed_at, "
	"last_mail_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* STMT_COPY_OUTBOX_SELECT */
	"SELECT id, created_at, incident, seq, topic, kind, channel, subscriber, dest, address, "
	"payload, state, attempts, next_at, last_error, updated_at FROM outbox ORDER BY id",
	/* STMT_COPY_OUTBOX_INSERT */
	"INSERT INTO outbox (id, created_at, incident, seq, topic, kind, channel, subscriber, dest, "
	"address, payload, state, attempts, next_at, last_error, updated_at) VALUES (?1, ?2, ?3, ?4, "
	"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	/* ---- end of issue 9 notifications ---- */
	/* ---- issue 10, second part: After Action additions ---- */
	/* STMT_AFTER_ACTION_TAGGED */
	"SELECT incident, sections FROM after_actions WHERE incident <> ?1 AND "
	"sections LIKE '%\"rootCauseTags\"%' ORDER BY incident DESC LIMIT ?2",
	/* ---- end of issue 10, second part ---- */
	/* STMT_THROTTLE_GET */
	"SELECT failures, last_failure FROM login_throttle WHERE key = ?1",
	/* STMT_THROTTLE_FAIL */
	"INSERT INTO login_throttle (key, failures, last_failure) VALUES (?1, 1, ?2) ON CONFLICT "
	"(key) DO UPDATE SET failures = CASE WHEN login_throttle.last_failure < ?3 THEN 1 ELSE "
	"login_throttle.failures + 1 END, last_failure = excluded.last_failure",
	/* STMT_THROTTLE_CLEAR */
	"DELETE FROM login_throttle WHERE key = ?1",
	/* STMT_THROTTLE_PRUNE */
	"DELETE FROM login_throttle WHERE last_failure < ?1",
	/* STMT_USER_BY_PERSON */
	"SELECT name FROM users WHERE (name = ?1 OR display = ?1) AND disabled = 0 ORDER BY name "
	"LIMIT 2",
};

struct sqlite_stmt {
	struct store_stmt base;
	sqlite3_stmt *st;
	bool active; /* bound and not yet reset */
};

struct sqlite_conn {
	struct store_conn base;
	sqlite3 *db;
	struct sqlite_stmt stmts[STMT__MAX];
};

static struct sqlite_conn *sconn(struct store_conn *c)
{
	return (struct sqlite_conn *)c;
}

static struct sqlite_stmt *sstmt(struct store_stmt *st)
{
	return (struct sqlite_stmt *)st;
}

static void sq_conn_close(struct store_conn *c)
{
	struct sqlite_conn *sc = sconn(c);

	if (sc == NULL)
		return;
	if (sc->db && c->writer && c->store->stopping)
		/* A clean close checkpoints the WAL so the next start-up has nothing to replay. */
		sqlite3_wal_checkpoint_v2(sc->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	for (int i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(sc->stmts[i].st);
	sqlite3_close(sc->db);
	free(sc);
}

static int conn_exec(struct sqlite_conn *sc, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(sc->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "majorops: sql failed '%.60s': %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int conn_prepare(struct sqlite_conn *sc, char *err, size_t errlen)
{
	for (int i = 0; i < STMT__MAX; i++) {
		sc->stmts[i].base.conn = &sc->base;
		if (sqlite3_prepare_v3(sc->db, sqlite_stmts[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &sc->stmts[i].st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "cannot prepare statement %d: %s", i,
				 sqlite3_errmsg(sc->db));
			return -1;
		}
	}
	return 0;
}

static struct store_conn *sq_conn_open(struct store *s, bool writer, char *err, size_t errlen)
{
	struct sqlite_conn *sc = calloc(1, sizeof(*sc));
	const char *path = s->cfg.db;
	int flags = writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;

	if (sc == NULL) {
		snprintf(err, errlen, "cannot open database '%s': out of memory", s->display);
		return NULL;
	}
	sc->base.be = &store_sqlite_backend;
	sc->base.store = s;
	sc->base.writer = writer;
	if (sqlite3_open_v2(path, &sc->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database '%s': %s", s->display,
			 sc->db ? sqlite3_errmsg(sc->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(sc->db, s->cfg.busy_timeout_ms);
	sqlite3_extended_result_codes(sc->db, 1);
	if (writer) {
		/* WAL with FULL sync: a commit is on disk before store_write() returns. */
		if (conn_exec(sc, "PRAGMA journal_mode=WAL") || conn_exec(sc, "PRAGMA synchronous=FULL") ||
		    conn_exec(sc, "PRAGMA foreign_keys=ON")) {
			snprintf(err, errlen, "cannot open database '%s': %s", s->display,
				 sqlite3_errmsg(sc->db));
			goto fail;
		}
	}
	/* The writer prepares every statement after migrating, which checks them all once at
	 * start-up; a reader prepares each on its first use (sq_bind): preparing the whole
	 * table on every pooled connection was most of the start-up time. */
	for (int i = 0; i < STMT__MAX; i++)
		sc->stmts[i].base.conn = &sc->base;
	return &sc->base;
fail:
	sq_conn_close(&sc->base);
	return NULL;
}

static int read_user_version(struct sqlite_conn *sc, int *version)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(sc->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	*version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int sq_schema_version(struct store_conn *c, int *version)
{
	return read_user_version(sconn(c), version);
}

static int sq_migrate(struct store_conn *c, char *err, size_t errlen)
{
	struct sqlite_conn *sc = sconn(c);
	int version = 0;

	if (read_user_version(sc, &version) != 0) {
		snprintf(err, errlen, "cannot read schema version of '%s': %s", c->store->display,
			 sqlite3_errmsg(sc->db));
		return -1;
	}
	if (version > NMIGRATIONS) {
		snprintf(err, errlen, "database schema version %d is newer than this majorops (%d)",
			 version, NMIGRATIONS);
		return -1;
	}
	for (int v = version; v < NMIGRATIONS; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
		if (conn_exec(sc, "BEGIN IMMEDIATE") != 0)
			goto fail;
		if (conn_exec(sc, migrations[v]) != 0 || conn_exec(sc, pragma) != 0) {
			conn_exec(sc, "ROLLBACK");
			snprintf(err, errlen, "migration %d failed", v + 1);
			return -1;
		}
		if (conn_exec(sc, "COMMIT") != 0)
			goto fail;
	}
	return conn_prepare(sc, err, errlen);
fail:
	snprintf(err, errlen, "cannot migrate '%s': %s", c->store->display, sqlite3_errmsg(sc->db));
	return -1;
}

static int sq_ensure(struct store_conn *c)
{
	(void)c;
	return 0;
}

static int sq_begin_write(struct store_conn *c, int64_t *base)
{
	*base = -1; /* one process: nobody else commits events */
	return conn_exec(sconn(c), "BEGIN IMMEDIATE");
}

static int sq_savepoint(struct store_conn *c)
{
	return conn_exec(sconn(c), "SAVEPOINT job");
}

static int sq_rollback_savepoint(struct store_conn *c)
{
	return conn_exec(sconn(c), "ROLLBACK TO job");
}

static int sq_release_savepoint(struct store_conn *c)
{
	return conn_exec(sconn(c), "RELEASE job");
}

static bool sq_aborted(struct store_conn *c)
{
	/* A failed SQLite statement undoes itself alone; the transaction goes on. */
	(void)c;
	return false;
}

static int sq_commit(struct store_conn *c, bool announce)
{
	(void)announce; /* one process: the writer publishes, nobody else needs telling */
	return conn_exec(sconn(c), "COMMIT");
}

static void sq_rollback(struct store_conn *c)
{
	struct sqlite_conn *sc = sconn(c);

	if (!sqlite3_get_autocommit(sc->db))
		conn_exec(sc, "ROLLBACK");
}

static int sq_begin_read(struct store_conn *c)
{
	return conn_exec(sconn(c), "BEGIN");
}

static void sq_end_read(struct store_conn *c)
{
	conn_exec(sconn(c), "COMMIT");
}

static void sq_reset_all(struct store_conn *c)
{
	struct sqlite_conn *sc = sconn(c);

	for (int i = 0; i < STMT__MAX; i++) {
		if (sc->stmts[i].active) {
			sqlite3_reset(sc->stmts[i].st);
			sqlite3_clear_bindings(sc->stmts[i].st);
			sc->stmts[i].active = false;
		}
	}
}

static struct store_stmt *sq_bind(struct store_conn *c, enum stmt id,
				  const struct store_value *values, int nvalues)
{
	struct sqlite_conn *sc = sconn(c);
	struct sqlite_stmt *st = &sc->stmts[id];
	int rc = SQLITE_OK;

	if (st->st == NULL &&
	    sqlite3_prepare_v3(sc->db, sqlite_stmts[id], -1, SQLITE_PREPARE_PERSISTENT, &st->st,
			       NULL) != SQLITE_OK) {
		fprintf(stderr, "majorops: cannot prepare statement %d: %s\n", (int)id,
			sqlite3_errmsg(sc->db));
		return NULL;
	}
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	for (int i = 0; i < nvalues && rc == SQLITE_OK; i++) {
		switch (values[i].kind) {
		case 'i':
			rc = sqlite3_bind_int64(st->st, i + 1, values[i].i);
			break;
		case 't':
			rc = sqlite3_bind_text(st->st, i + 1, values[i].t, -1, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(st->st, i + 1);
		}
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "majorops: cannot bind statement %d: %s\n", (int)id,
			sqlite3_errmsg(sc->db));
		return NULL;
	}
	st->active = true;
	return &st->base;
}

static int sq_step(struct store_stmt *st)
{
	int rc = sqlite3_step(sstmt(st)->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	fprintf(stderr, "majorops: statement failed: %s\n",
		sqlite3_errmsg(sqlite3_db_handle(sstmt(st)->st)));
	return -1;
}

static void sq_reset(struct store_stmt *st)
{
	sqlite3_reset(sstmt(st)->st);
}

static int64_t sq_col_int(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(sstmt(st)->st, col);
}

static bool sq_col_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(sstmt(st)->st, col) == SQLITE_NULL;
}

static const char *sq_col_text(struct store_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(sstmt(st)->st, col);

	return t ? (const char *)t : "";
}

const struct store_backend store_sqlite_backend = {
	.name = "sqlite",
	.shared = false,
	.conn_open = sq_conn_open,
	.conn_close = sq_conn_close,
	.migrate = sq_migrate,
	.schema_version = sq_schema_version,
	.ensure = sq_ensure,
	.begin_write = sq_begin_write,
	.savepoint = sq_savepoint,
	.rollback_savepoint = sq_rollback_savepoint,
	.release_savepoint = sq_release_savepoint,
	.aborted = sq_aborted,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.begin_read = sq_begin_read,
	.end_read = sq_end_read,
	.bind = sq_bind,
	.step = sq_step,
	.reset = sq_reset,
	.col_int = sq_col_int,
	.col_null = sq_col_null,
	.col_text = sq_col_text,
	.reset_all = sq_reset_all,
};

/* ---- online backup ---- */

int store_sqlite_backup(const char *path, const char *out_path, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *bk = NULL;
	sqlite3_stmt *check = NULL;
	char tmp[4096];
	int rc;

	if (access(out_path, F_OK) == 0) {
		snprintf(err, errlen, "cannot back up to '%s': the file exists", out_path);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.partial", out_path) >= sizeof(tmp)) {
		snprintf(err, errlen, "cannot back up to '%s': the path is too long", out_path);
		return -1;
	}
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database '%s': %s", path,
			 src ? sqlite3_errmsg(src) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(src, 5000);
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot create '%s': %s", tmp,
			 dst ? sqlite3_errmsg(dst) : "out of memory");
		goto fail;
	}
	bk = sqlite3_backup_init(dst, "main", src, "main");
	if (bk == NULL) {
		snprintf(err, errlen, "cannot back up '%s': %s", path, sqlite3_errmsg(dst));
		goto fail;
	}
	/* All pages in one step: it reads one snapshot of the WAL database, so a server writing
	 * meanwhile neither waits for the backup nor makes it start over. */
	do {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(bk);
	bk = NULL;
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot back up '%s': %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	/* The copy is a rollback-journal file that stands alone; check it before naming it. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &check, NULL) != SQLITE_OK ||
	    sqlite3_step(check) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(check, 0), "ok") != 0) {
		snprintf(err, errlen, "the backup of '%s' failed its integrity check", path);
		goto fail;
	}
	sqlite3_finalize(check);
	check = NULL;
	if (sqlite3_close(dst) != SQLITE_OK) {
		dst = NULL;
		snprintf(err, errlen, "cannot close '%s'", tmp);
		goto fail;
	}
	dst = NULL;
	sqlite3_close(src);
	src = NULL;
	if (rename(tmp, out_path) != 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s'", tmp, out_path);
		goto fail;
	}
	return 0;
fail:
	sqlite3_finalize(check);
	if (bk)
		sqlite3_backup_finish(bk);
	sqlite3_close(dst);
	sqlite3_close(src);
	unlink(tmp);
	return -1;
}
