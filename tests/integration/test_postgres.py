#!/usr/bin/env python3
"""The PostgreSQL store and replicas, on a private cluster this file starts (pg.py): the core
suites unchanged on PostgreSQL; two replicas on one database (live events cross over, a
stream resumes on the other replica after kill -9, the worker lease moves, conflicting
commands on both replicas obey If-Match and the doctrine); PostgreSQL restarted under load;
kill -9 in a burst of writes; a wrong password; migrate SQLite → PostgreSQL → SQLite with
byte-identical exports; an online backup of a running SQLite store.

Nothing is skipped: without the PostgreSQL binaries every case fails, saying so."""

import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg  # noqa: E402
from harness import (BIN, CaseFailure, Server, SSEClient, Suite, check, child_env,  # noqa: E402
                     expect_error, expect_status, free_port, iso_in, owned_server_check, run_binary, short)

HERE = os.path.dirname(os.path.abspath(__file__))
suite = Suite("postgres")
case = suite.case
STATE = {"cluster": None, "error": None}

# Suites that run on SQLite and, through pg.py, unchanged on PostgreSQL too.  Not here:
# this file, and test_crash.py, which inspects the SQLite file itself (its PostgreSQL
# counterpart is kill9_burst below).  A suite may opt out with a line "# pg: sqlite-only".
NOT_ON_PG = {"test_postgres.py", "test_crash.py"}


def cluster():
    if STATE["cluster"] is None:
        raise CaseFailure("no PostgreSQL cluster: %s" % (STATE["error"] or "not started"))
    return STATE["cluster"]


def replicas(n=2, db=None):
    """n servers on one fresh database (started); the caller stops them."""
    url = db or cluster().fresh_db("rep")
    servers = []
    try:
        for _ in range(n):
            servers.append(pg.PgServer(db=url).start())
    except Exception:
        for s in servers:
            s.cleanup()
        raise
    return url, servers


def stop_all(servers, problems=None):
    """Stops servers still running; collects unclean exits into `problems`."""
    for s in servers:
        if s.proc is not None:
            p = s.stop()
            if problems is not None:
                problems.extend(p)
        s.cleanup()


class Writer(threading.Thread):
    """Posts timeline entries to `server` until stopped, recording every answer."""

    def __init__(self, server, iid, tag):
        super().__init__(daemon=True)
        self.port = server.port
        self.iid = iid
        self.tag = tag
        self.stop = threading.Event()
        self.acked = []       # (entry id, text, monotonic time of the answer)
        self.refused = []     # (status, error code, time)
        self.broken = []      # exceptions (connection refused/reset …)

    def run(self):
        conn = None
        n = 0
        while not self.stop.is_set():
            text = "%s-%d" % (self.tag, n)
            n += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                conn.request("POST", "/api/v1/incidents/%s/timeline" % self.iid, body=json.dumps({"text": text}),
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                raw = r.read()
                now = time.monotonic()
                if r.status == 201:
                    self.acked.append((json.loads(raw)["id"], text, now))
                else:
                    try:
                        code = json.loads(raw)["error"]["code"]
                    except (ValueError, KeyError, TypeError):
                        code = "not json: %s" % short(raw, 80)
                    self.refused.append((r.status, code, now))
                    time.sleep(0.02)
                if (r.getheader("Connection") or "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.broken.append(repr(e))
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.02)
        if conn is not None:
            conn.close()


def timeline_texts(server, iid):
    return {e["id"]: e["text"] for e in server.timeline(iid)}


def wait_for(fn, timeout, step=0.05):
    """fn() until it returns a true value or `timeout` passes; returns the last value."""
    deadline = time.time() + timeout
    v = fn()
    while not v and time.time() < deadline:
        time.sleep(step)
        v = fn()
    return v


# ---------------------------------------------------------------- the cluster

@case
def test_cluster_starts():
    """PostgreSQL: a private cluster starts (initdb, Unix socket, pg_ctl)"""
    c = pg.Cluster()
    try:
        c.start()
    except CaseFailure as e:
        STATE["error"] = str(e)
        c.cleanup()
        raise
    STATE["cluster"] = c
    check(c.psql("SELECT 1") == "1", "psql does not answer on the new cluster")


@case
def test_core_suites():
    """PostgreSQL: the core suites run unchanged (results below, prefixed pg/)"""
    c = cluster()
    files = sorted(f for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py") and f not in NOT_ON_PG)
    ran = 0
    for f in files:
        with open(os.path.join(HERE, f), encoding="utf-8") as fh:
            if "# pg: sqlite-only" in fh.read():
                continue
        name = "pg/" + f[5:-3]
        env = child_env({"MAJOROPS_PG_HOST": c.dir, "MAJOROPS_PG_PORT": str(c.port)})
        try:
            p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "pg.py"), "suite", f], cwd=HERE, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=900)
            out = p.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            suite.report(name, "did not finish within 900 s: %s" % short((e.stdout or b"")[-600:], 600))
            continue
        summary = None
        pending = None  # a FAIL line waiting for its "and:" details
        for line in out.splitlines():
            if line.startswith("       and: ") and pending is not None:
                pending[2].append(line[12:])
                continue
            if pending is not None:
                suite.report(*pending)
                pending = None
            if line.startswith("ok - "):
                suite.report("%s: %s" % (name, line[5:]))
            elif line.startswith("FAIL - "):
                pending = ["%s" % name, line[7:], []]
            elif line.rstrip().endswith(" failed") and " passed, " in line:
                summary = line
        if pending is not None:
            suite.report(*pending)
        if summary is None:
            suite.report(name, "exited %s without a summary line: %s" % (p.returncode, short(out[-800:], 800)))
        ran += 1
    check(ran >= 3, "expected at least the lifecycle, errors and stream suites, ran %d" % ran)


# ---------------------------------------------------------------- replicas

@case
def test_cross_replica_delivery():
    """replicas: a write on one replica reaches the other replica's stream within 1 s, same ids on both"""
    _, (a, b) = replicas(2)
    problems = []
    try:
        sa, sb = SSEClient(a), SSEClient(b)
        check(sa.status == 200 and sb.status == 200, "streams: %s %s" % (sa.status, sb.status))
        latencies = []
        seen = {"a": [], "b": []}
        for i in range(6):
            writer, other = (a, sb) if i % 2 == 0 else (b, sa)
            t0 = time.monotonic()
            inc = writer.open_incident(title="cross %d" % i, severity="medium")
            ev = other.next(timeout=3.0)
            latencies.append(time.monotonic() - t0)
            check(ev is not None, "write %d: no event on the other replica's stream within 3 s" % i)
            check(ev.type == "incident.opened" and ev.data["incident"] == inc["id"],
                  "write %d: unexpected event %r" % (i, ev))
            (seen["b"] if other is sb else seen["a"]).append(ev.seq)
            mine = (sa if other is sb else sb).next(timeout=3.0)
            check(mine is not None and mine.seq == ev.seq,
                  "write %d: the writing replica's stream has %r, the other %r" % (i, mine, ev))
        worst = max(latencies)
        print("# cross-replica delivery: worst %.0f ms, median %.0f ms"
              % (worst * 1000, sorted(latencies)[len(latencies) // 2] * 1000), flush=True)
        check(worst < 1.0, "cross-replica delivery took %.3f s (limit 1 s): %s" % (worst, latencies))
        sa.close()
        sb.close()
    finally:
        stop_all([a, b], problems)
    check(not problems, "; ".join(problems))


@case
def test_sign_in_throttle_shared():
    """replicas: failed sign-ins on one replica throttle the account and the address on the other"""
    url = cluster().fresh_db("thr")
    servers, problems = [], []
    try:
        servers = [pg.PgServer(db=url, auth=True).start() for _ in range(2)]
        a, b = servers

        def sign_in(srv, name, password):
            return srv.request("POST", "/api/v1/session", body={"username": name, "password": password})

        for i in range(5):
            r = sign_in(a if i % 2 else b, "thr-victim", "wrong-password-%d" % i)
            check(r.status == 401, "failure %d answered %d" % (i, r.status))
        for srv in (a, b):
            r = sign_in(srv, "thr-victim", "wrong-password-x")
            check(r.status == 429 and (r.header("Retry-After") or "").isdigit(),
                  "after 5 failures across replicas: %d, Retry-After %r" % (r.status, r.header("Retry-After")))
        # 15 more names from this address (20 failures in all): any new name is throttled.
        for i in range(15):
            r = sign_in(a, "thr-ghost%d" % i, "wrong-password-123")
            check(r.status == 401, "ghost %d answered %d" % (i, r.status))
        r = sign_in(b, "thr-someone-new", "wrong-password-123")
        check(r.status == 429, "the address's 20 failures on replica A: replica B answered %d" % r.status)
    finally:
        stop_all(servers, problems)
    check(not problems, "; ".join(problems))


@case
def test_stream_ends_across_replicas():
    """replicas: disabling an account on one replica ends its live stream on the other"""
    url = cluster().fresh_db("str")
    servers, problems = [], []
    env = {"MAJOROPS_STREAM_CHECK_MS": "300"}
    try:
        servers = [pg.PgServer(db=url, auth=True, env=env).start() for _ in range(2)]
        a, b = servers
        m = re.search(r"password:\s+(\S+)", a.stderr())
        check(m is not None, "the first replica printed no admin password: %s" % short(a.stderr(), 400))

        def sign_in(srv, name, password):
            r = srv.request("POST", "/api/v1/session", body={"username": name, "password": password})
            expect_status(r, 200)
            cookie = r.header("Set-Cookie").split(";")[0]
            return {"Cookie": cookie, "X-CSRF-Token": r.json["csrfToken"]}

        admin = sign_in(a, "admin", m.group(1))
        expect_status(a.request("POST", "/api/v1/users", headers=admin,
                                body={"name": "watcher", "role": "viewer", "display": "Watcher",
                                      "password": "quiet-harbour-lantern-7"}), 201)
        viewer = sign_in(b, "watcher", "quiet-harbour-lantern-7")
        stream = SSEClient(b, headers={"Cookie": viewer["Cookie"]})
        check(stream.status == 200, "stream on replica B: %s" % stream.status)
        try:
            stream.next(timeout=1.0)
            check(not stream.closed, "the stream ended with nothing changed")
            expect_status(a.request("PATCH", "/api/v1/users/watcher", headers=admin, body={"disabled": True}), 200)
            deadline = time.time() + 5
            while time.time() < deadline and not stream.closed:
                stream.next(timeout=0.5)
            check(stream.closed, "the stream on replica B is still open 5 s after replica A disabled its account")
        finally:
            stream.close()
    finally:
        stop_all(servers, problems)
    check(not problems, "; ".join(problems))


@case
def test_kill9_resume_on_other_replica():
    """replicas: kill -9 A mid-stream, resume on B with Last-Event-ID: nothing lost, none twice"""
    _, (a, b) = replicas(2)
    problems = []
    writers = []
    try:
        inc = b.open_incident(title="resume", severity="high")
        client = SSEClient(a)
        check(client.status == 200, "stream on A: %s" % client.status)
        writers = [Writer(b, inc["id"], "viaB"), Writer(a, inc["id"], "viaA")]
        for w in writers:
            w.start()
        on_a = client.collect(timeout=1.0)
        a.kill9()
        on_a += client.collect(timeout=1.0)  # what was already on the wire
        client.close()
        check(len(on_a) >= 5, "too few events on A before the kill: %d" % len(on_a))
        last = client.last_id
        time.sleep(0.7)  # B keeps writing while the client is away
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(10)
        resumed = SSEClient(b, last_event_id=last)
        check(resumed.status == 200, "resume on B: %s" % resumed.status)
        on_b = resumed.collect(timeout=10.0, quiet=1.5)
        resumed.close()
        full = SSEClient(b, last_event_id=0)
        everything = full.collect(timeout=15.0, quiet=1.5)
        full.close()
        got = [e.seq for e in on_a] + [e.seq for e in on_b]
        check(len(got) == len(set(got)), "an event arrived twice: %s" % short(got, 400))
        check(got == sorted(got), "events out of order: %s" % short(got, 400))
        expected = [e.seq for e in everything if e.seq >= got[0]]
        missing = sorted(set(expected) - set(got))
        check(not missing, "events lost across the kill (%d): %s" % (len(missing), short(missing, 300)))
        check(got == expected, "the resumed stream differs from the log: got %s, log %s"
              % (short(got, 200), short(expected, 200)))
        acked = {eid for w in writers for eid, _, _ in w.acked}
        entries = {e.data["entry"]["id"] for e in everything if e.data and isinstance(e.data.get("entry"), dict)}
        lost = sorted(acked - entries)
        check(not lost, "acknowledged entries without an event: %s" % short(lost, 300))
        print("# kill -9 resume: %d events on A, %d resumed on B, %d acknowledged writes"
              % (len(on_a), len(on_b), len(acked)), flush=True)
    finally:
        for w in writers:
            w.stop.set()
        stop_all([a, b], problems)
    check(not problems, "; ".join(problems))


def leaders(servers):
    out = []
    for s in servers:
        try:
            status, worker = s.readyz()
        except (OSError, http.client.HTTPException):
            continue
        if status == 200 and worker == "true":
            out.append(s)
    return out


def heartbeat_holder(url):
    db = url.split("@/", 1)[1].split("?", 1)[0]
    return cluster().psql("SELECT holder FROM worker_heartbeat", db=db)


@case
def test_worker_lease_moves():
    """replicas: exactly one holds the worker lease; kill -9 it and the other takes over within seconds"""
    url, servers = replicas(2)
    problems = []
    late = None
    try:
        lead = wait_for(lambda: leaders(servers), 5.0)
        check(len(lead) == 1, "expected exactly one leader, got %d" % len(lead))
        first = lead[0]
        other = servers[1] if first is servers[0] else servers[0]
        status, worker = other.readyz()
        check(status == 200 and worker == "false", "the standby says %s %s" % (status, worker))
        check(wait_for(lambda: heartbeat_holder(url).endswith(":%d" % first.proc.pid), 5.0),
              "the heartbeat row does not name the leader: %r" % heartbeat_holder(url))
        dead_pid = first.proc.pid
        t0 = time.monotonic()
        first.kill9()
        took = wait_for(lambda: leaders([other]), 10.0)
        elapsed = time.monotonic() - t0
        check(took, "the lease did not move to the survivor within 10 s")
        print("# worker lease moved in %.2f s" % elapsed, flush=True)
        check(elapsed < 5.0, "the lease took %.2f s to move (limit 5 s)" % elapsed)
        check(wait_for(lambda: heartbeat_holder(url).endswith(":%d" % other.proc.pid), 5.0),
              "after the takeover the heartbeat names %r (killed pid %d)" % (heartbeat_holder(url), dead_pid))
        # The killed replica comes back: it stays standby while the other holds the lease.
        late = pg.PgServer(db=url).start()
        time.sleep(2.5)
        status, worker = late.readyz()
        check(status == 200 and worker == "false", "a returning replica took the lease: %s %s" % (status, worker))
        check(leaders([other]), "the leader lost the lease when another replica started")
    finally:
        stop_all(servers + ([late] if late else []), problems)
    check(not problems, "; ".join(problems))


@case
def test_concurrent_conflicts_across_replicas():
    """replicas: the same If-Match on both at once → one 200 and one 409; conflicting roles → one 409 doctrine"""
    _, (a, b) = replicas(2)
    problems = []
    try:
        for round_ in range(8):
            inc = a.open_incident(title="race %d" % round_, severity="high")
            version = b.incident(inc["id"])["version"]
            results = {}
            barrier = threading.Barrier(2)

            def patch(server, key):
                barrier.wait()
                results[key] = server.patch("/api/v1/incidents/%s" % inc["id"], {"title": "from %s" % key},
                                            headers={"If-Match": '"%d"' % version})

            ts = [threading.Thread(target=patch, args=(a, "A")), threading.Thread(target=patch, args=(b, "B"))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(20)
            statuses = sorted(r.status for r in results.values())
            check(statuses == [200, 409], "round %d: PATCH statuses %s: %s" % (round_, statuses, results))
            winner = [k for k, r in results.items() if r.status == 200][0]
            loser = [r for r in results.values() if r.status == 409][0]
            expect_error(loser, 409, "version_conflict")
            final = a.incident(inc["id"])
            check(final["title"] == "from %s" % winner and final["version"] == version + 1,
                  "round %d: after the race the incident is %r v%s" % (round_, final["title"], final["version"]))
        for round_ in range(5):
            inc = b.open_incident(title="roles race %d" % round_, severity="high")
            results = {}
            barrier = threading.Barrier(2)

            def assign(server, role):
                barrier.wait()
                results[role] = server.put("/api/v1/incidents/%s/roles/%s" % (inc["id"], role), {"person": "alice"})

            ts = [threading.Thread(target=assign, args=(a, "mim")), threading.Thread(target=assign, args=(b, "sre"))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(20)
            statuses = sorted(r.status for r in results.values())
            check(statuses == [200, 409], "roles round %d: statuses %s: %s" % (round_, statuses, results))
            refused = [r for r in results.values() if r.status == 409][0]
            expect_error(refused, 409, "doctrine", rule="roles.neverCombine")
            roles = a.incident(inc["id"])["roles"]
            held = [r for r in ("mim", "sre") if roles.get(r) == "alice"]
            check(len(held) == 1, "roles round %d: alice holds %s" % (round_, held))
    finally:
        stop_all([a, b], problems)
    check(not problems, "; ".join(problems))


@case
def test_concurrent_changes_one_incident():
    """replicas: a burst of changes to one incident on both: each PATCH one version up, none lost, states in order"""
    _, (a, b) = replicas(2)
    problems = []
    try:
        inc = a.open_incident(title="busy incident", severity="high")
        v0 = inc["version"]
        s = SSEClient(b)
        check(s.status == 200, "stream: %s" % s.status)
        results = []
        lock = threading.Lock()

        def worker(server, k):
            for i in range(12):
                if i % 3 == 0:
                    r = server.patch("/api/v1/incidents/%s" % inc["id"], {"description": "w%d-%d" % (k, i)})
                else:
                    r = server.post("/api/v1/incidents/%s/timeline" % inc["id"], {"text": "w%d-%d" % (k, i)})
                with lock:
                    results.append((r.status, r.method))

        ts = [threading.Thread(target=worker, args=(srv, k)) for k, srv in enumerate([a, b, a, b, a, b])]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        bad = [x for x in results if x[0] not in (200, 201)]
        check(not bad, "answers other than 200/201: %s" % short(bad[:5]))
        patches = sum(1 for st, m in results if m == "PATCH")
        final = b.incident(inc["id"])
        check(final["version"] == v0 + patches,
              "version %d after %d patches from %d: a change was lost or counted twice" % (final["version"], patches, v0))
        events = s.collect(timeout=15.0, until=lambda e: e.type == "incident.updated"
                           and e.data["incidentState"]["version"] == v0 + patches)
        s.close()
        # internal notes carry no incident state (it did not change); every other event does
        versions = [e.data["incidentState"]["version"] for e in events
                    if e.data and e.data.get("incident") == inc["id"] and "incidentState" in e.data]
        check(versions == sorted(versions), "incident states out of order on the stream: %s" % short(versions, 300))
        updated = [e.data["incidentState"]["version"] for e in events if e.type == "incident.updated"]
        check(updated == list(range(v0 + 1, v0 + patches + 1)),
              "incident.updated versions should go up one at a time: %s" % short(updated, 300))
    finally:
        stop_all([a, b], problems)
    check(not problems, "; ".join(problems))


# ---------------------------------------------------------------- bad conditions

@case
def test_postgres_restart_under_load():
    """PostgreSQL restarted under load: 503 JSON meanwhile, /readyz 503, recovery, nothing acknowledged lost"""
    c = cluster()
    _, (a, b) = replicas(2)
    problems = []
    writers = []
    try:
        inc = a.open_incident(title="restart under load", severity="critical")
        writers = [Writer(s, inc["id"], "w%d" % i) for i, s in enumerate([a, b, a, b, a, b])]
        for w in writers:
            w.start()
        time.sleep(1.0)
        stop_at = time.monotonic()
        c.pg_stop("fast")
        down = wait_for(lambda: a.readyz()[0] == 503 and b.readyz()[0] == 503, 5.0)
        check(down, "/readyz did not answer 503 while PostgreSQL was down: %s %s" % (a.readyz(), b.readyz()))
        r = a.get("/readyz", track=False)
        expect_error(r, 503, "store_unavailable")
        time.sleep(1.0)
        c.pg_start()
        start_at = time.monotonic()
        back = wait_for(lambda: a.readyz()[0] == 200 and b.readyz()[0] == 200, 10.0)
        check(back, "/readyz did not recover within 10 s of PostgreSQL starting")
        recovered = time.monotonic() - start_at
        time.sleep(1.5)
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(20)
        check(a.alive() and b.alive(), "a replica died during the restart")
        refused = [x for w in writers for x in w.refused]
        odd = [x for x in refused if x[0] != 503 or x[1] != "store_unavailable"]
        check(not odd, "answers other than 201 or 503 store_unavailable: %s" % short(odd[:5]))
        check(refused, "no request saw 503 while PostgreSQL was down")
        broken = [x for w in writers for x in w.broken]
        check(not broken, "connections failed instead of answering: %s" % short(broken[:3]))
        before = sum(1 for w in writers for x in w.acked if x[2] < stop_at)
        after = sum(1 for w in writers for x in w.acked if x[2] > start_at)
        check(before > 0 and after > 0, "acknowledged writes before/after the restart: %d/%d" % (before, after))
        stored = timeline_texts(b, inc["id"])
        lost = [(eid, text) for w in writers for eid, text, _ in w.acked if stored.get(eid) != text]
        check(not lost, "%d acknowledged entries missing after the restart: %s" % (len(lost), short(lost[:5])))
        print("# restart under load: %d acknowledged, %d answered 503, readyz back %.2f s after start"
              % (sum(len(w.acked) for w in writers), len(refused), recovered), flush=True)
        # Live events flow again across replicas.
        sb = SSEClient(b)
        a.post("/api/v1/incidents/%s/timeline" % inc["id"], {"text": "after the restart"})
        ev = sb.next(timeout=3.0)
        sb.close()
        check(ev is not None and ev.type == "timeline.entry", "no live event across replicas after the restart: %r" % ev)
    finally:
        for w in writers:
            w.stop.set()
        if not c.running:
            c.pg_start()
        stop_all([a, b], problems)
    check(not problems, "; ".join(problems))


@case
def test_kill9_burst():
    """kill -9 in a burst of writes on PostgreSQL: every acknowledged write is in the database"""
    url, (a,) = replicas(1)
    problems = []
    writers = []
    a2 = None
    try:
        iids = [a.open_incident(title="burst %d" % i, severity="low")["id"] for i in range(4)]
        writers = [Writer(a, iids[i % 4], "k%d" % i) for i in range(16)]
        for w in writers:
            w.start()
        time.sleep(1.2)
        a.kill9()
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(20)
        acked = [(w.iid, eid, text) for w in writers for eid, text, _ in w.acked]
        check(len(acked) > 50, "too few acknowledged writes before the kill: %d" % len(acked))
        a2 = pg.PgServer(db=url).start()
        stored = {}
        for iid in iids:
            stored.update(timeline_texts(a2, iid))
        lost = [x for x in acked if stored.get(x[1]) != x[2]]
        check(not lost, "%d of %d acknowledged writes lost: %s" % (len(lost), len(acked), short(lost[:5])))
        print("# kill -9 burst on PostgreSQL: %d acknowledged, all present" % len(acked), flush=True)
    finally:
        for w in writers:
            w.stop.set()
        stop_all([a] + ([a2] if a2 else []), problems)
    check(not problems, "; ".join(problems))


@case
def test_wrong_password():
    """a wrong password: a clear start-up error naming the problem, the password never echoed"""
    c = cluster()
    db = c.fresh_db("pw")
    name = db.split("@/", 1)[1].split("?", 1)[0]
    wrong = "Wr0ng-Pass-8362"
    for url in (c.url(name, pg.PASSWORD_ROLE, wrong),
                c.url(name, pg.PASSWORD_ROLE) + "&password=" + wrong):
        rc, out, err = run_binary(["serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", url], timeout=30)
        check(rc != 0, "serve started with a wrong password (exit %s)" % rc)
        check("password authentication failed" in err, "the error does not name the problem: %s" % short(err, 400))
        check(wrong not in out + err, "the password was echoed: %s" % short(err, 400))
        check("***" in err and pg.PASSWORD_ROLE in err, "the error does not show the scrubbed URL: %s" % short(err, 400))
    s = pg.PgServer(db=c.url(name, pg.PASSWORD_ROLE, pg.PASSWORD)).start()
    try:
        check(s.readyz()[0] == 200, "/readyz with the right password: %s" % (s.readyz(),))
    finally:
        problems = s.stop()
        text = s.stderr()
        s.cleanup()
    check(not problems, "; ".join(problems))
    check(pg.PASSWORD not in text, "the right password appears on stderr: %s" % short(text, 300))


# ---------------------------------------------------------------- migrate, export, backup

def populate(s):
    """A little of everything the store holds."""
    s.default_actor = "alice"
    i1 = s.open_incident(title="Checkout down — ünïcödé ✓", severity="high",
                         affectedSystems=["checkout", "payments"], description='quotes " and \\ backslash')
    iid = i1["id"]
    expect_status(s.put("/api/v1/incidents/%s/roles/mim" % iid, {"person": "alice"}), 200)
    e = s.post("/api/v1/incidents/%s/timeline" % iid, {"text": "first look ✓", "payload": {"k": [1, 2, {"x": None}]}})
    expect_status(e, 201)
    expect_status(s.post("/api/v1/incidents/%s/timeline" % iid, {"text": "correction", "amends": e.json["id"]}), 201)
    expect_status(s.post("/api/v1/incidents/%s/timeline" % iid, {"text": "public note", "visibility": "public"}), 201)
    expect_status(s.post("/api/v1/incidents/%s/updates" % iid,
                         {"body": "We are on it", "audience": "public", "nextUpdateEta": iso_in(1800)}), 201)
    r = s.post("/api/v1/incidents/%s/responders" % iid, {"person": "bob", "role": "sre", "state": "onScene"})
    expect_status(r, 201)
    expect_status(s.patch("/api/v1/incidents/%s/responders/%s" % (iid, r.json["id"]), {"state": "released"}), 200)
    expect_status(s.post("/api/v1/incidents/%s/phase" % iid, {"to": 3, "override": "testing the copy"}), 200)
    expect_status(s.patch("/api/v1/incidents/%s" % iid, {"severity": "critical", "severityReason": "worse"}), 200)
    i2 = s.open_incident(title="Minor blip", severity="low")
    expect_status(s.post("/api/v1/incidents/%s/phase" % i2["id"], {"to": 8, "override": "false alarm"}), 200)
    expect_status(s.post("/api/v1/incidents/%s/reopen" % i2["id"], {"reason": "it came back"}), 200)
    # the status page's tables (issue 6): a component with an explicit status, one without, a
    # maintenance started (NULL and set times, a JSON array of names)
    expect_status(s.post("/api/v1/components", {"name": "payments", "description": "Card payments ✓",
                                                "status": "partial_outage"}), 201)
    expect_status(s.post("/api/v1/components", {"name": "checkout", "position": 0}), 201)
    m = s.post("/api/v1/maintenances", {"title": "Database upgrade", "components": ["payments", "checkout"],
                                        "scheduledFor": iso_in(600), "scheduledUntil": iso_in(4200)})
    expect_status(m, 201)
    expect_status(s.post("/api/v1/maintenances/%d/start" % m.json["id"]), 200)
    return iid


def export(db, out_path):
    rc, out, err = run_binary(["export", "--db", db, "--out", out_path], timeout=60)
    check(rc == 0, "export of %s failed (%s): %s" % (short(db, 80), rc, short(err, 400)))
    with open(out_path, "rb") as f:
        return f.read()


@case
def test_migrate_round_trip():
    """migrate SQLite → PostgreSQL → SQLite: exports byte-identical; ids continue; non-empty target refused"""
    c = cluster()
    work = tempfile.mkdtemp(prefix="majorops-migrate-")
    s = Server().start()
    p2 = None
    try:
        populate(s)
        wait_for(lambda: s.get("/readyz", track=False).header("X-MajorOps-Worker") == "true", 5.0)
        time.sleep(0.3)
        owned_server_check(s)
        first = export(s.db, os.path.join(work, "a.json"))
        doc = json.loads(first)
        tables = {t["name"]: t for t in doc["tables"]}
        for name in ("incidents", "timeline", "updates", "responders", "events", "worker_heartbeat",
                     "components", "maintenances"):
            check(name in tables and tables[name]["rows"], "export lacks rows of %s" % name)
        pg_url = c.fresh_db("mig")
        rc, _, err = run_binary(["migrate", "--from", s.db, "--to", pg_url], timeout=60)
        check(rc == 0, "migrate SQLite → PostgreSQL failed (%s): %s" % (rc, short(err, 400)))
        second = export(pg_url, os.path.join(work, "b.json"))
        check(second == first, "the PostgreSQL export differs from the SQLite one (%d vs %d bytes)"
              % (len(second), len(first)))
        back = os.path.join(work, "back.db")
        rc, _, err = run_binary(["migrate", "--from", pg_url, "--to", back], timeout=60)
        check(rc == 0, "migrate PostgreSQL → SQLite failed (%s): %s" % (rc, short(err, 400)))
        third = export(back, os.path.join(work, "c.json"))
        check(third == first, "the round-tripped SQLite export differs (%d vs %d bytes)" % (len(third), len(first)))
        rc, _, err = run_binary(["migrate", "--from", s.db, "--to", pg_url], timeout=60)
        check(rc != 0 and "not empty" in err, "migrate into a non-empty store: exit %s, %s" % (rc, short(err, 300)))
        # Serving from the copy: ids and the event sequence continue after the copied ones.
        max_entry = max(r[0] for r in tables["timeline"]["rows"])
        max_seq = max(r[0] for r in tables["events"]["rows"])
        iid = "INC-%d" % tables["incidents"]["rows"][0][0]
        p2 = pg.PgServer(db=pg_url).start()
        stream = SSEClient(p2, last_event_id=max_seq)
        e = p2.post("/api/v1/incidents/%s/timeline" % iid, {"text": "after the move"})
        expect_status(e, 201)
        check(e.json["id"] > max_entry, "new entry id %s not after the copied %s" % (e.json["id"], max_entry))
        ev = stream.next(timeout=3.0)
        stream.close()
        check(ev is not None and ev.seq > max_seq, "the first new event is %r (copied up to %d)" % (ev, max_seq))
        for table, path, body in (("components", "/api/v1/components", {"name": "after the move"}),
                                  ("maintenances", "/api/v1/maintenances",
                                   {"title": "after the move", "scheduledFor": iso_in(60), "scheduledUntil": iso_in(120)})):
            r = p2.post(path, body)
            expect_status(r, 201)
            copied = max(row[0] for row in tables[table]["rows"])
            check(r.json["id"] > copied, "new %s id %s not after the copied %s" % (table, r.json["id"], copied))
    finally:
        s.cleanup()
        if p2:
            p2.cleanup()
        shutil.rmtree(work, ignore_errors=True)


@case
def test_backup_running_sqlite():
    """backup: a consistent online copy of a running SQLite store that serves when restored"""
    s = Server().start()
    work = tempfile.mkdtemp(prefix="majorops-backup-")
    rdir = tempfile.mkdtemp(prefix="majorops-restore-")
    writers = []
    restored = None
    try:
        status, worker = s.get("/readyz", track=False).status, s.get("/readyz", track=False).header("X-MajorOps-Worker")
        check(status == 200 and worker == "true", "a SQLite server always holds the lease: %s %s" % (status, worker))
        inc = s.open_incident(title="backup under load", severity="medium")
        writers = [Writer(s, inc["id"], "b%d" % i) for i in range(4)]
        for w in writers:
            w.start()
        time.sleep(0.8)
        acked_before = sum(len(w.acked) for w in writers)
        out = os.path.join(work, "backup.db")
        rc, _, err = run_binary(["backup", "--db", s.db, "--out", out], timeout=60)
        time.sleep(0.3)
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(20)
        check(rc == 0, "backup failed (%s): %s" % (rc, short(err, 400)))
        check(s.alive(), "the server died during the backup")
        con = sqlite3.connect(out)
        try:
            check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "the backup fails integrity_check")
            saved = dict(con.execute("SELECT id, text FROM timeline WHERE incident = ?", (inc["number"],)))
        finally:
            con.close()
        total = sum(len(w.acked) for w in writers)
        written = sum(1 for t in saved.values() if t.startswith("b"))
        check(acked_before <= written <= total, "the backup holds %d entries: before it %d were acknowledged, %d in all"
              % (written, acked_before, total))
        rc, _, err = run_binary(["backup", "--db", s.db, "--out", out], timeout=30)
        check(rc != 0 and "exists" in err, "a backup over an existing file: exit %s, %s" % (rc, short(err, 200)))
        rc, _, err = run_binary(["backup", "--db", "postgresql://u@/x?host=/nonexistent", "--out",
                                 os.path.join(work, "pg.db")], timeout=30)
        check(rc != 0 and "pg_dump" in err, "backup of a PostgreSQL URL: exit %s, %s" % (rc, short(err, 200)))
        # Restore: the copy in place of a database file serves the same record.
        shutil.copy(out, os.path.join(rdir, "x.db"))
        restored = Server(workdir=rdir).start()
        served = {e["id"]: e["text"] for e in restored.timeline(inc["id"])}
        missing = [i for i, t in saved.items() if served.get(i) != t]
        check(not missing, "the restored store lacks %d of the backup's %d entries" % (len(missing), len(saved)))
        owned_server_check(restored)
        owned_server_check(s)
    finally:
        for w in writers:
            w.stop.set()
        s.cleanup()
        if restored:
            restored.cleanup()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(rdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        suite.main()
    finally:
        if STATE["cluster"] is not None:
            STATE["cluster"].cleanup()
