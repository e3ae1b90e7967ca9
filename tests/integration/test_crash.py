#!/usr/bin/env python3
"""Durability and the command line: kill -9 in the middle of a write burst loses nothing
that was acknowledged and leaves an intact database; a public listen address serves with
sign-in on, and --insecure-no-auth warns loudly; --version, --help and serve --help work."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REPO, Server, Suite, check, child_env, expect_status, free_port,  # noqa: E402
                     owned_server_check, run_binary, short, BIN)

suite = Suite("crash")
case = suite.case
CRASH = {}

WRITERS = 16
BURST_SECONDS = 2.0
KILL_AFTER = 1.0


def writer(port, iids, idx, stop, acked, errors):
    conn = None
    n = 0
    while not stop.is_set():
        iid = iids[(idx + n) % len(iids)]
        text = "w%d-%d" % (idx, n)
        n += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/api/v1/incidents/%s/timeline" % iid, body=json.dumps({"text": text}),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
            if r.status == 201:
                e = json.loads(raw)
                acked.append((iid, e["id"], text))
            else:
                errors.append((r.status, raw[:200]))
            if (r.getheader("Connection") or "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException, ValueError):
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
    if conn is not None:
        conn.close()


@case
def test_kill9_loses_nothing():
    """kill -9 mid-burst: every acknowledged entry survives the restart"""
    s = Server().start()
    CRASH["dir"] = s.dir
    CRASH["db"] = s.db
    try:
        iids = [s.open_incident("Crash target %d" % i, "high")["id"] for i in range(4)]
        stop = threading.Event()
        acked = []
        errors = []
        threads = [threading.Thread(target=writer, args=(s.port, iids, i, stop, acked, errors), daemon=True)
                   for i in range(WRITERS)]
        t0 = time.time()
        for t in threads:
            t.start()
        time.sleep(KILL_AFTER)
        n_at_kill = len(acked)
        s.kill9()
        time.sleep(max(0.0, BURST_SECONDS - (time.time() - t0)))
        stop.set()
        for t in threads:
            t.join(timeout=10)
        CRASH["acked"] = list(acked)
        print("# %d entries acknowledged before kill -9, %d in all, %d other answers"
              % (n_at_kill, len(acked), len(errors)), flush=True)
        s2 = Server(workdir=s.dir).start()
        try:
            missing = []
            wrong = []
            found = {}
            for iid in iids:
                for e in s2.timeline(iid, limit=1000):
                    found[e["id"]] = (iid, e["text"])
            for iid, eid, text in acked:
                got = found.get(eid)
                if got is None:
                    missing.append(eid)
                elif got != (iid, text):
                    wrong.append((eid, got, (iid, text)))
            check(not missing, "%d of %d acknowledged entries lost after kill -9, e.g. %r"
                  % (len(missing), len(acked), missing[:10]))
            check(not wrong, "entries changed after kill -9: %s" % short(wrong[:3]))
            # ids are never reused after the crash
            r = s2.post("/api/v1/incidents/%s/timeline" % iids[0], {"text": "after the crash"})
            expect_status(r, 201)
            top = max(found) if found else 0
            check(r.json["id"] > top, "new entry id %r not above the highest before the crash %r"
                  % (r.json["id"], top))
            inc = s2.open_incident("After crash", "low")
            check(inc["number"] == 5, "incident numbering after the crash: %r" % inc["id"])
            check(n_at_kill >= 20, "only %d entries acknowledged before the kill (server too slow?)" % n_at_kill)
            check(not errors, "non-201 answers during the burst: %d, e.g. %s" % (len(errors), short(errors[:3])))
        finally:
            owned_server_check(s2)
    finally:
        s.kill9()


@case
def test_integrity_check():
    """after kill -9 and restart: PRAGMA integrity_check says ok"""
    db = CRASH.get("db")
    check(db and os.path.exists(db), "no database from the crash case")
    try:
        p = subprocess.run(["sqlite3", db, "PRAGMA integrity_check;"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        out = p.stdout.decode().strip()
        check(p.returncode == 0 and out == "ok", "integrity_check: rc %d, %r %r"
              % (p.returncode, out[:300], p.stderr.decode()[:300]))
    finally:
        if CRASH.get("dir"):
            shutil.rmtree(CRASH["dir"], ignore_errors=True)


@case
def test_sigterm_mid_burst():
    """SIGTERM mid-burst: exit 0 without a sanitizer report, every acknowledged entry kept"""
    s = Server().start()
    try:
        iids = [s.open_incident("Term target %d" % i, "low")["id"] for i in range(2)]
        stop = threading.Event()
        acked = []
        errors = []
        threads = [threading.Thread(target=writer, args=(s.port, iids, i, stop, acked, errors), daemon=True)
                   for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.7)
        problems = s.stop(timeout=15)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        check(not problems, "; ".join(problems))
        bad = [e for e in errors if e[0] >= 500 and e[0] != 503]
        check(not bad, "5xx answers while stopping: %s" % short(bad[:3]))
        s2 = Server(workdir=s.dir).start()
        try:
            found = set()
            for iid in iids:
                found.update(e["id"] for e in s2.timeline(iid, limit=1000))
            lost = [eid for _, eid, _ in acked if eid not in found]
            check(not lost, "%d of %d acknowledged entries lost after SIGTERM" % (len(lost), len(acked)))
        finally:
            owned_server_check(s2)
    finally:
        s.cleanup()


@case
def test_public_listen_and_insecure_warning():
    """beyond loopback: sign-in on serves and refuses the anonymous; --insecure-no-auth serves and warns loudly"""
    import tempfile
    d = tempfile.mkdtemp(prefix="majorops-it-")
    procs = []
    try:
        for insecure in (False, True):
            port = free_port()
            args = [BIN, "serve", "--listen", "0.0.0.0:%d" % port, "--db", os.path.join(d, "%s.db" % insecure)]
            if insecure:
                args.append("--insecure-no-auth")
            errf = open(os.path.join(d, "err-%s.log" % insecure), "wb")
            p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errf,
                                 env=child_env(auth=True))
            errf.close()
            procs.append(p)
            deadline = time.time() + 15
            status = None
            while time.time() < deadline and p.poll() is None:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/api/v1/incidents")
                    status = c.getresponse().status
                    c.close()
                    break
                except OSError:
                    time.sleep(0.1)
            with open(os.path.join(d, "err-%s.log" % insecure), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            check(p.poll() is None, "serve on 0.0.0.0 (insecure=%s) exited: %r" % (insecure, text[:400]))
            if insecure:
                check(status == 200, "insecure: GET /api/v1/incidents answered %s" % status)
                check("WARNING" in text and "ANYONE" in text and "insecure-no-auth" in text,
                      "no loud warning on stderr: %r" % text[:600])
            else:
                check(status == 401, "sign-in on: anonymous GET /api/v1/incidents answered %s" % status)
                check("WARNING" not in text, "a warning without --insecure-no-auth: %r" % text[:400])
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=20)
            check(p.returncode == 0, "serve exited %s after SIGTERM" % p.returncode)
            text = open(os.path.join(d, "err-%s.log" % insecure), "rb").read().decode("utf-8", "replace")
            check(not any(m in text for m in ("AddressSanitizer", "runtime error:")), "sanitizer report: %r" % text[:400])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)


@case
def test_version():
    """--version prints the version from VERSION and exits 0"""
    rc, out, err = run_binary(["--version"])
    with open(os.path.join(REPO, "VERSION")) as f:
        want = f.read().strip()
    check(rc == 0, "--version exited %d: %r" % (rc, err[:300]))
    check(want in out, "--version output %r lacks %r" % (out[:200], want))


@case
def test_help():
    """--help and serve --help exit 0; serve --help lists the flags"""
    rc, out, err = run_binary(["--help"])
    check(rc == 0, "--help exited %d: %r" % (rc, err[:300]))
    check("serve" in out, "--help does not mention serve: %r" % out[:300])
    rc, out, err = run_binary(["serve", "--help"])
    check(rc == 0, "serve --help exited %d: %r" % (rc, err[:300]))
    for flag in ("--listen", "--db", "--insecure-no-auth"):
        check(flag in out, "serve --help does not list %s: %r" % (flag, out[:500]))
    rc, out, err = run_binary(["no-such-command"])
    check(rc != 0, "an unknown command exited 0")
    rc, out, err = run_binary(["serve", "--no-such-flag"])
    check(rc != 0, "an unknown serve flag exited 0")


@case
def test_unwritable_db():
    """a database path that cannot be opened: non-zero exit with a message naming it"""
    path = "/nonexistent-dir-%d/x.db" % os.getpid()
    port = free_port()
    try:
        rc, out, err = run_binary(["serve", "--listen", "127.0.0.1:%d" % port, "--db", path], timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError("the server kept running with an unopenable database")
    check(rc != 0, "exited 0 with an unopenable database")
    check(path in err or path in out, "the message should name the database path: %r" % (err[:300] or out[:300]))


if __name__ == "__main__":
    suite.main()
