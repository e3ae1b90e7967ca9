#!/usr/bin/env python3
"""The HTTP threads (http.h): event threads answer the public page, the assets and the
streams in place, while every route that may wait runs on the handler pool.  A slow
request on the pool (a sign-in: Argon2id) must not hold up the public page, and SIGTERM
with requests still on the pool answers them and exits cleanly."""
# pg: sqlite-only

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CaseFailure, Server, Suite, check, short  # noqa: E402

suite = Suite("threads")
case = suite.case
SIGN_INS = 4


def admin_password(srv):
    m = re.search(r"password:\s+(\S+)", srv.stderr())
    check(m is not None, "the first start printed no admin password: %s" % short(srv.stderr(), 500))
    return m.group(1)


def sign_in(srv, password, out, index):
    try:
        r = srv.request("POST", "/api/v1/session", body={"username": "admin", "password": password},
                        timeout=60.0)
        out[index] = (r.status, time.monotonic())
    except OSError as e:  # refused or reset while the server stops
        out[index] = (e, time.monotonic())


def start_sign_ins(srv, password):
    """SIGN_INS sign-ins at once on a one-thread pool: they run one after the other."""
    out = [None] * SIGN_INS
    threads = [threading.Thread(target=sign_in, args=(srv, password, out, i)) for i in range(SIGN_INS)]
    for t in threads:
        t.start()
    return threads, out


def queue_sign_ins(srv):
    """Times one sign-in on the one-thread pool, then starts SIGN_INS more at once:
    (seconds one took, their threads, their results)."""
    pw = admin_password(srv)
    t0 = time.monotonic()
    r = srv.request("POST", "/api/v1/session", body={"username": "admin", "password": pw})
    one = time.monotonic() - t0
    check(r.status == 200, "sign-in: %r" % r)
    threads, out = start_sign_ins(srv, pw)
    return one, threads, out


@case
def test_pool_does_not_hold_up_the_public_page():
    """a queue of slow sign-ins on a one-thread pool: the public page and /healthz still answer at once"""
    srv = Server(auth=True, extra_args=["--threads", "1"]).start()
    try:
        one, threads, out = queue_sign_ins(srv)
        time.sleep(min(0.05, one / 4))
        answered = {}
        for path in ("/", "/api/v2/summary.json", "/healthz"):
            t = time.monotonic()
            r = srv.get(path)
            answered[path] = (r.status, time.monotonic() - t, time.monotonic())
        for t in threads:
            t.join(120)
        check(all(o is not None and o[0] == 200 for o in out), "sign-ins: %r" % (out,))
        last = max(o[1] for o in out)
        for path, (status, took, at) in answered.items():
            check(status == 200, "%s answered %s" % (path, status))
            # The sign-ins take about SIGN_INS x `one` on the single pool thread; the page
            # must not have waited for them.
            check(at < last - one, "%s answered %.0f ms after it was asked, when the queued "
                  "sign-ins (%.0f ms each) were done: it waited for the pool"
                  % (path, took * 1000, one * 1000))
        check(not srv.errors_5xx, "5xx: %r" % srv.errors_5xx)
    finally:
        problems = srv.stop()
        srv.cleanup()
    check(not problems, "; ".join(problems))


@case
def test_sigterm_with_requests_on_the_pool():
    """SIGTERM while sign-ins wait on the pool: each is answered, the server exits 0 promptly"""
    srv = Server(auth=True, extra_args=["--threads", "1"]).start()
    try:
        one, threads, out = queue_sign_ins(srv)
        time.sleep(one / 2)  # all sent; the first running, the others queued behind it
        t = time.monotonic()
        problems = srv.stop(timeout=30.0)
        took = time.monotonic() - t
        for th in threads:
            th.join(60)
        check(not problems, "; ".join(problems))
        check(took < 30.0, "exit took %.1f s" % took)
        # Those on the pool when the signal came are answered; a request that had not
        # reached the server yet may find it gone.
        answered = [o for o in out if o is not None and o[0] == 200]
        check(all(o is not None and (o[0] == 200 or isinstance(o[0], OSError)) for o in out),
              "a sign-in got neither its answer nor a closed connection: %r" % (out,))
        check(len(answered) >= 1, "no sign-in in flight was answered: %r" % (out,))
    finally:
        srv.cleanup()


if __name__ == "__main__":
    suite.main()
