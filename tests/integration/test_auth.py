#!/usr/bin/env python3
"""Accounts, sign-in and permissions through the real binary with sign-in on (issue 7,
auth.h): the first-start admin, sessions and their cookie, fixation, idle and absolute
expiry (the server's test clock, MAJOROPS_TEST_CLOCK_OFFSET_FILE), CSRF and Origin, bearer
tokens (roles, expiry, revocation), disabled accounts, login throttling, no user
enumeration, security headers, the trusted proxy header, TLS, the /login and /logout pages,
the command-line verbs and the audit log.  test_postgres.py runs this file on PostgreSQL
too (TLS and the CLI take the same --db URL)."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BIN, CaseFailure, Resp, Server, SSEClient, Suite, check, child_env,  # noqa: E402
                     expect_error, expect_status, free_port, owned_server_check, short)

suite = Suite("auth")
case = suite.case
HOUR = 3600 * 1000
DAY = 24 * HOUR
STATE = {}
GOOD_PW = "orange-staple-cactus-42"


# ---------------------------------------------------------------- helpers

def cli(args, db, stdin_text=None, timeout=60):
    """Runs `majorops ARGS --db DB` on the shared server's clock: (exit code, stdout, stderr)."""
    extra = {"MAJOROPS_TEST_CLOCK_OFFSET_FILE": STATE["offset_file"]} if STATE.get("offset_file") else None
    p = subprocess.run([BIN] + list(args) + ["--db", db], input=(stdin_text or "").encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       env=child_env(extra, auth=True))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def first_admin_password(srv):
    m = re.search(r"password:\s+(\S+)", srv.stderr())
    check(m is not None, "the first start printed no admin password: %s" % short(srv.stderr(), 500))
    return m.group(1)


def world():
    """The shared server with sign-in on and a movable clock."""
    if STATE.get("srv") is not None and STATE["srv"].alive():
        return STATE
    d = tempfile.mkdtemp(prefix="majorops-auth-")
    offset_file = os.path.join(d, "offset")
    with open(offset_file, "w") as f:
        f.write("0")
    # Streams' credentials rechecked every 300 ms (30 s by default), for the cases that end
    # them from another process.
    srv = Server(workdir=d, env={"MAJOROPS_TEST_CLOCK_OFFSET_FILE": offset_file,
                                 "MAJOROPS_STREAM_CHECK_MS": "300"}, auth=True)
    srv.own_dir = True
    suite.server = srv.start()
    STATE.update(srv=srv, offset_file=offset_file, offset=0, admin_pw=first_admin_password(srv))
    return STATE


def S():
    return world()["srv"]


def advance(ms):
    """Moves the server's clock ahead by `ms`."""
    w = world()
    w["offset"] += int(ms)
    with open(w["offset_file"] + ".tmp", "w") as f:
        f.write(str(w["offset"]))
    os.replace(w["offset_file"] + ".tmp", w["offset_file"])


def set_cookie_of(resp):
    """The majorops_session Set-Cookie header of an answer, or None."""
    headers = resp.headers
    values = headers.get_all("Set-Cookie") if hasattr(headers, "get_all") else [headers.get("Set-Cookie")]
    for v in values or []:
        if v and v.startswith("majorops_session="):
            return v
    return None


def cookie_value(set_cookie):
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


class Session:
    """A signed-in browser: its cookie and CSRF token."""

    def __init__(self, srv, cookie, csrf, body):
        self.srv, self.cookie, self.csrf, self.body = srv, cookie, csrf, body

    def headers(self, write=True, extra=None):
        h = {"Cookie": "majorops_session=%s" % self.cookie}
        if write and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        if extra:
            h.update(extra)
        return h

    def get(self, path, **kw):
        return self.srv.request("GET", path, headers=self.headers(False), **kw)

    def post(self, path, body=None, **kw):
        return self.srv.request("POST", path, body=body if body is not None else {}, headers=self.headers(), **kw)

    def patch(self, path, body, **kw):
        return self.srv.request("PATCH", path, body=body, headers=self.headers(), **kw)

    def delete(self, path, **kw):
        return self.srv.request("DELETE", path, headers=self.headers(), **kw)


def login(srv, user, password, headers=None, expect=200):
    r = srv.request("POST", "/api/v1/session", body={"username": user, "password": password}, headers=headers)
    if expect is None:
        return r
    expect_status(r, expect)
    sc = set_cookie_of(r)
    check(sc is not None, "sign-in set no majorops_session cookie: %r" % r)
    return Session(srv, cookie_value(sc), r.json.get("csrfToken"), r.json)


def admin(srv=None):
    srv = srv or S()
    return login(srv, "admin", world()["admin_pw"] if srv is S() else first_admin_password(srv))


def bearer(token):
    return {"Authorization": "Bearer %s" % token}


def make_user(name, role, password=GOOD_PW, srv=None):
    a = admin(srv)
    r = a.post("/api/v1/users", {"name": name, "role": role, "password": password, "display": name.title()})
    expect_status(r, 201)
    return r.json


def make_token(user, role=None, expires=None, srv=None):
    a = admin(srv)
    body = {"user": user, "name": "test"}
    if role:
        body["role"] = role
    if expires:
        body["expiresAt"] = expires
    r = a.post("/api/v1/tokens", body)
    expect_status(r, 201)
    return r.json


def uniq(prefix):
    return "%s%d" % (prefix, int(time.time() * 1000000) % 10 ** 9)


def audit_actions(srv=None):
    r = admin(srv).get("/api/v1/audit?limit=500")
    expect_status(r, 200)
    return r.json["entries"]


# ---------------------------------------------------------------- cases

@case
def test_first_start_admin():
    """the first start with sign-in on makes 'admin' with a printed password, once"""
    srv = S()
    pw = world()["admin_pw"]
    check(len(pw) >= 20, "a short first password: %r" % pw)
    check("majorops user passwd admin" in srv.stderr(), "no hint how to change it: %s" % short(srv.stderr(), 500))
    s = login(srv, "admin", pw)
    check(s.body["role"] == "admin" and s.body["user"] == "admin", "session: %s" % s.body)
    rc, out, err = cli(["user", "list"], srv.db)
    check(rc == 0 and out.startswith("admin\tadmin\tenabled\tlocal"), "user list: %d %r %r" % (rc, out, err))


@case
def test_anonymous():
    """anonymous: 401 JSON on /api, a 303 to /login?next= for pages, public routes open"""
    srv = S()
    for path in ("/api/v1/incidents", "/api/v1/users", "/api/v1/stream"):
        expect_error(srv.get(path), 401, "unauthenticated")
    expect_error(srv.post("/api/v1/incidents", {"title": "x", "severity": "high"}), 401, "unauthenticated")
    for path in ("/admin", "/new", "/exec", "/admin/users", "/admin/incidents/INC-1"):
        r = srv.get(path)
        expect_status(r, 303)
        loc = r.header("Location")
        check(loc == "/login?next=" + urllib.parse.quote(path, safe="/"), "%s: Location %r" % (path, loc))
    for path in ("/healthz", "/", "/api/v2/summary.json", "/login"):
        expect_status(srv.get(path), 200)
    # X-MajorOps-Actor claims nothing with sign-in on
    expect_error(srv.get("/api/v1/incidents", actor="admin"), 401, "unauthenticated")
    expect_error(srv.get("/api/v1/session"), 401, "unauthenticated")


@case
def test_login_logout_cookie():
    """sign-in sets an HttpOnly SameSite=Strict cookie (no Secure on plain HTTP); sign-out ends it"""
    srv = S()
    make_user(uniq("carol"), "responder")
    r = srv.request("POST", "/api/v1/session", body={"username": "admin", "password": world()["admin_pw"]})
    expect_status(r, 200)
    sc = set_cookie_of(r)
    check(sc is not None, "no cookie: %r" % r)
    attrs = [a.strip().lower() for a in sc.split(";")[1:]]
    for want in ("httponly", "samesite=strict", "path=/"):
        check(want in attrs, "cookie lacks %s: %r" % (want, sc))
    check("secure" not in attrs, "Secure on plain HTTP: %r" % sc)
    check(len(cookie_value(sc)) == 43, "the session id is not 256 bits of base64url: %r" % sc)
    body = r.json
    check(body["user"] == "admin" and body["role"] == "admin" and isinstance(body["csrfToken"], str)
          and len(body["csrfToken"]) >= 40, "session answer %s" % body)
    s = Session(srv, cookie_value(sc), body["csrfToken"], body)
    who = s.get("/api/v1/session")
    expect_status(who, 200)
    check(who.json["user"] == "admin" and who.json["auth"] == "session" and who.json["csrfToken"] == s.csrf,
          "GET /api/v1/session %s" % who.json)
    expect_status(s.get("/api/v1/incidents"), 200)
    # the actor of a write is the account's display name, whatever X-MajorOps-Actor says
    inc = srv.request("POST", "/api/v1/incidents", body={"title": "by admin", "severity": "low"},
                      headers=s.headers(extra={"X-MajorOps-Actor": "mallory"}))
    expect_status(inc, 201)
    tl = s.get("/api/v1/incidents/%s/timeline" % inc.json["id"]).json["entries"]
    check(all(e.get("author") != "mallory" for e in tl) and any(e.get("author") == "Administrator" for e in tl),
          "timeline authors %s" % [e.get("author") for e in tl])
    out = s.delete("/api/v1/session")
    expect_status(out, 204)
    cleared = set_cookie_of(out)
    check(cleared is not None and "max-age=0" in cleared.lower(), "sign-out did not clear the cookie: %r" % cleared)
    expect_error(s.get("/api/v1/incidents"), 401, "unauthenticated")


@case
def test_session_fixation():
    """sign-in always issues a fresh session id; a planted id is never promoted"""
    srv = S()
    planted = "A" * 43
    s = login(srv, "admin", world()["admin_pw"], headers={"Cookie": "majorops_session=%s" % planted})
    check(s.cookie != planted, "the planted session id was kept")
    expect_error(srv.get("/api/v1/incidents", headers={"Cookie": "majorops_session=%s" % planted}), 401)
    # signing in again from a live session replaces it
    s2 = login(srv, "admin", world()["admin_pw"], headers={"Cookie": "majorops_session=%s" % s.cookie})
    check(s2.cookie != s.cookie, "a second sign-in kept the session id")
    expect_error(s.get("/api/v1/incidents"), 401)
    expect_status(s2.get("/api/v1/incidents"), 200)
    check(s2.csrf != s.csrf, "the CSRF token did not change with the session")


@case
def test_idle_and_absolute_expiry():
    """sessions end after 12 h idle and after 7 days whatever the use"""
    srv = S()
    s = login(srv, "admin", world()["admin_pw"])
    advance(11 * HOUR)
    expect_status(s.get("/api/v1/incidents"), 200)  # within idle; touches it
    advance(11 * HOUR)
    expect_status(s.get("/api/v1/incidents"), 200)  # 22 h since sign-in, 11 h idle
    advance(12 * HOUR + 60 * 1000)
    expect_error(s.get("/api/v1/incidents"), 401, "unauthenticated")
    # absolute: used every 10 hours, still over after 7 days
    s = login(srv, "admin", world()["admin_pw"])
    used = 0
    while used + 10 * HOUR < 7 * DAY:
        advance(10 * HOUR)
        used += 10 * HOUR
        expect_status(s.get("/api/v1/session"), 200)
    advance(7 * DAY - used + 60 * 1000)
    expect_error(s.get("/api/v1/session"), 401)
    expect_error(s.get("/api/v1/incidents"), 401)


@case
def test_csrf_and_origin():
    """a cookie write needs the session's X-CSRF-Token and a same-origin Origin; bearer writes need neither"""
    srv = S()
    s = login(srv, "admin", world()["admin_pw"])
    body = {"title": "csrf check", "severity": "low"}
    h = s.headers()
    del h["X-CSRF-Token"]
    expect_error(srv.request("POST", "/api/v1/incidents", body=body, headers=h), 403, "csrf")
    h["X-CSRF-Token"] = "x" * len(s.csrf)
    expect_error(srv.request("POST", "/api/v1/incidents", body=body, headers=h), 403, "csrf")
    other = login(srv, "admin", world()["admin_pw"])
    h["X-CSRF-Token"] = other.csrf  # another session's token
    expect_error(srv.request("POST", "/api/v1/incidents", body=body, headers=h), 403, "csrf")
    expect_error(srv.request("POST", "/api/v1/incidents", body=body,
                             headers=s.headers(extra={"Origin": "https://evil.example"})), 403, "csrf")
    expect_error(srv.request("POST", "/api/v1/incidents", body=body,
                             headers=s.headers(extra={"Origin": "http://127.0.0.1:%d.evil.example" % srv.port})),
                 403, "csrf")
    expect_status(srv.request("POST", "/api/v1/incidents", body=body,
                              headers=s.headers(extra={"Origin": "http://127.0.0.1:%d" % srv.port})), 201)
    expect_status(s.post("/api/v1/incidents", body), 201)
    # sign-in itself refuses a foreign Origin (login CSRF)
    r = srv.request("POST", "/api/v1/session", body={"username": "admin", "password": world()["admin_pw"]},
                    headers={"Origin": "https://evil.example"})
    expect_error(r, 403, "csrf")
    check(set_cookie_of(r) is None, "a cross-origin sign-in set a cookie")
    tok = make_token("admin")
    expect_status(srv.request("POST", "/api/v1/incidents", body=body, headers=bearer(tok["token"])), 201)


@case
def test_bearer_tokens():
    """tokens: shown once, role at most the account's, lower role enforced, expiry, revocation, last use"""
    srv = S()
    name = uniq("mia")
    make_user(name, "mim")
    t = make_token(name, role="responder")
    check(t["token"].startswith("mo_") and t["role"] == "responder" and t["user"] == name, "token %s" % t)
    a = admin()
    listed = a.get("/api/v1/tokens").json["tokens"]
    mine = [x for x in listed if x["id"] == t["id"]]
    check(len(mine) == 1 and "token" not in mine[0], "the token list shows the secret or misses it: %s" % mine)
    inc = srv.request("POST", "/api/v1/incidents", body={"title": "token incident", "severity": "low"},
                      headers=bearer(t["token"]))
    expect_status(inc, 201)
    expect_error(srv.request("PATCH", "/api/v1/incidents/%s" % inc.json["id"], body={"title": "renamed"},
                             headers=bearer(t["token"])), 403, "forbidden")
    expect_error(srv.request("GET", "/api/v1/users", headers=bearer(t["token"])), 403, "forbidden")
    used = [x for x in admin().get("/api/v1/tokens").json["tokens"] if x["id"] == t["id"]][0]
    check(used["lastUsedAt"] is not None, "lastUsedAt not set after use: %s" % used)
    # above the account's role: refused
    expect_error(a.post("/api/v1/tokens", {"user": name, "role": "admin"}), 400, "invalid_field", field="role")
    expect_error(a.post("/api/v1/tokens", {"user": "nobody-" + name}), 404, "not_found")
    # garbage and unknown tokens: 401, never the cookie's identity
    for bad in ("mo_" + "A" * 43, "nonsense", ""):
        expect_error(srv.request("GET", "/api/v1/incidents", headers=bearer(bad)), 401, "unauthenticated")
    # expiry on the server's clock
    exp = make_token(name, expires=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                 time.gmtime(time.time() + world()["offset"] / 1000 + 3600)))
    expect_status(srv.request("GET", "/api/v1/incidents", headers=bearer(exp["token"])), 200)
    advance(2 * HOUR)
    expect_error(srv.request("GET", "/api/v1/incidents", headers=bearer(exp["token"])), 401, "unauthenticated")
    # revocation
    expect_status(srv.request("GET", "/api/v1/incidents", headers=bearer(t["token"])), 200)
    expect_status(admin().delete("/api/v1/tokens/%d" % t["id"]), 204)
    expect_error(srv.request("GET", "/api/v1/incidents", headers=bearer(t["token"])), 401, "unauthenticated")
    expect_error(admin().delete("/api/v1/tokens/999999"), 404, "not_found")


@case
def test_roles_and_demotion():
    """a viewer reads but may not write; demoting an account demotes its token at once"""
    srv = S()
    name = uniq("ron")
    make_user(name, "responder")
    v = login(srv, name, GOOD_PW)
    check(v.body["role"] == "responder", "role %s" % v.body)
    expect_status(v.post("/api/v1/incidents", {"title": "by responder", "severity": "low"}), 201)
    t = make_token(name)
    check(t["role"] == "responder", "default token role %s" % t)
    expect_status(admin().patch("/api/v1/users/%s" % name, {"role": "viewer"}), 200)
    expect_error(srv.request("POST", "/api/v1/incidents", body={"title": "x", "severity": "low"},
                             headers=bearer(t["token"])), 403, "forbidden")
    expect_error(v.post("/api/v1/incidents", {"title": "x", "severity": "low"}), 403, "forbidden")
    expect_status(v.get("/api/v1/incidents"), 200)
    err = expect_error(v.get("/api/v1/audit"), 403, "forbidden")
    check("admin" in err["message"], "403 does not name the role needed: %s" % err)
    # an admin may not demote themselves (another admin can)
    expect_error(admin().patch("/api/v1/users/admin", {"role": "viewer"}), 409)


@case
def test_disabled_user():
    """disabling an account stops its sessions and tokens at once and its sign-in, with the same error"""
    srv = S()
    name = uniq("dan")
    make_user(name, "mim")
    s = login(srv, name, GOOD_PW)
    t = make_token(name)
    expect_status(s.get("/api/v1/incidents"), 200)
    expect_status(srv.request("GET", "/api/v1/incidents", headers=bearer(t["token"])), 200)
    r = admin().patch("/api/v1/users/%s" % name, {"disabled": True})
    expect_status(r, 200)
    check(r.json["disabled"] is True, "PATCH answer %s" % r.json)
    expect_error(s.get("/api/v1/incidents"), 401)
    expect_error(srv.request("GET", "/api/v1/incidents", headers=bearer(t["token"])), 401)
    r = login(srv, name, GOOD_PW, expect=None)
    e1 = expect_error(r, 401, "unauthenticated")
    e2 = expect_error(login(srv, name, "wrong-password-123", expect=None), 401, "unauthenticated")
    check(e1["message"] == e2["message"], "a disabled account answers differently: %s vs %s" % (e1, e2))
    expect_status(admin().patch("/api/v1/users/%s" % name, {"disabled": False}), 200)
    login(srv, name, GOOD_PW)


@case
def test_password_rules_and_change():
    """short and common passwords are refused; a password change ends the other sessions"""
    srv = S()
    a = admin()
    name = uniq("pam")
    for pw, why in (("short1", "at least"), ("password123", "common"), ("Qwertyuiop", "common"), (name, "user name")):
        err = expect_error(a.post("/api/v1/users", {"name": name, "role": "viewer", "password": pw}), 400,
                           "invalid_field", field="password")
        check(why in err["message"], "%r: message %r lacks %r" % (pw, err["message"], why))
    expect_error(a.post("/api/v1/users", {"name": "bad name", "role": "viewer", "password": GOOD_PW}), 400,
                 field="name")
    expect_error(a.post("/api/v1/users", {"name": name, "role": "root", "password": GOOD_PW}), 400, field="role")
    make_user(name, "viewer")
    expect_error(a.post("/api/v1/users", {"name": name, "role": "viewer", "password": GOOD_PW}), 409)
    s1 = login(srv, name, GOOD_PW)
    s2 = login(srv, name, GOOD_PW)
    new_pw = "another-quiet-harbour-7"
    expect_error(srv.request("PUT", "/api/v1/session/password",
                             body={"currentPassword": "not-the-password-1", "newPassword": new_pw},
                             headers=s1.headers()), 403, field="currentPassword")
    r = srv.request("PUT", "/api/v1/session/password", body={"currentPassword": GOOD_PW, "newPassword": new_pw},
                    headers=s1.headers())
    expect_status(r, 200)
    s1b = Session(srv, cookie_value(set_cookie_of(r)), r.json["csrfToken"], r.json)
    expect_status(s1b.get("/api/v1/incidents"), 200)
    expect_error(s2.get("/api/v1/incidents"), 401)
    expect_error(s1.get("/api/v1/incidents"), 401)
    login(srv, name, new_pw)
    expect_error(login(srv, name, GOOD_PW, expect=None), 401)


@case
def test_revoke_all():
    """sign out everywhere ends every session of the account"""
    srv = S()
    name = uniq("eve")
    make_user(name, "viewer")
    s1, s2 = login(srv, name, GOOD_PW), login(srv, name, GOOD_PW)
    expect_status(s1.post("/api/v1/session/revoke-all", None), 204)
    expect_error(s1.get("/api/v1/incidents"), 401)
    expect_error(s2.get("/api/v1/incidents"), 401)


@case
def test_throttle_account():
    """5 wrong passwords: the next try is 429 rate_limited with Retry-After, even with the right one"""
    srv = S()
    name = uniq("tom")
    make_user(name, "viewer")
    for _ in range(5):
        expect_error(login(srv, name, "wrong-password-123", expect=None), 401)
    for pw in ("wrong-password-123", GOOD_PW):
        r = login(srv, name, pw, expect=None)
        expect_error(r, 429, "rate_limited")
        ra = r.header("Retry-After")
        check(ra is not None and ra.isdigit() and int(ra) >= 1, "Retry-After %r" % ra)
    # other accounts from the same address are not locked by one account's failures
    login(srv, "admin", world()["admin_pw"])
    advance(20 * 1000)
    login(srv, name, GOOD_PW)


@case
def test_throttle_address():
    """20 failures from one address across user names: 429 for any further name, also after a restart"""
    srv = Server(auth=True).start()
    try:
        for i in range(20):
            expect_error(login(srv, "ghost%d" % i, "wrong-password-123", expect=None), 401)
        r = login(srv, "someone-new", "wrong-password-123", expect=None)
        expect_error(r, 429, "rate_limited")
        check((r.header("Retry-After") or "").isdigit(), "Retry-After %r" % r.header("Retry-After"))
        # The counts are in the store (shared by replicas): a restart does not forget them.
        # The 20th failure asked for a wait of 1 s, which a slow restart may outlast; then
        # the next failure is the 21st and asks for 2 s, so the try after it is throttled
        # (with the counts forgotten both would be plain 401s).
        problems = srv.stop()
        check(not problems, "; ".join(problems))
        srv.start()
        r = login(srv, "someone-else", "wrong-password-123", expect=None)
        if r.status == 401:
            r = login(srv, "someone-else-again", "wrong-password-123", expect=None)
        expect_error(r, 429, "rate_limited")
    finally:
        owned_server_check(srv)
        srv.cleanup()


@case
def test_no_enumeration():
    """an unknown user and a wrong password answer the same, in similar time"""
    srv = S()
    name = uniq("una")
    make_user(name, "viewer")
    unknown, wrong = [], []
    bodies = set()
    for i in range(3):
        for who, times in ((uniq("nobody"), unknown), (name, wrong)):
            t0 = time.time()
            r = login(srv, who, "wrong-password-%d" % i, expect=None)
            times.append(time.time() - t0)
            expect_error(r, 401, "unauthenticated")
            bodies.add(json.dumps(r.json, sort_keys=True))
    check(len(bodies) == 1, "different answers: %s" % bodies)
    mu, mw = statistics.median(unknown), statistics.median(wrong)
    check(mu > 0.4 * mw and mw > 0.4 * mu, "timing differs: unknown %.3fs, wrong password %.3fs" % (mu, mw))
    advance(20 * 1000)  # let the throttle of this case pass


@case
def test_security_headers():
    """every answer carries CSP with frame-ancestors 'none', nosniff and a Referrer-Policy"""
    srv = S()
    s = login(srv, "admin", world()["admin_pw"])
    answers = [srv.get("/healthz"), srv.get("/"), srv.get("/login"), srv.get("/api/v1/incidents"),
               srv.get("/nope"), srv.get("/admin"), s.get("/admin"), s.get("/api/v1/incidents"),
               srv.get("/assets/app.css"), login(srv, "nobody", "x-wrong-password", expect=None)]
    for r in answers:
        csp = r.header("Content-Security-Policy") or ""
        # the public page's own policy is stricter still (default-src 'none' plus what it needs)
        check(("default-src 'self'" in csp or "default-src 'none'" in csp) and "frame-ancestors 'none'" in csp,
              "%s: CSP %r" % (r, csp))
        check(r.header("X-Content-Type-Options") == "nosniff", "%s: nosniff missing" % r)
        check(r.header("Referrer-Policy"), "%s: no Referrer-Policy" % r)


@case
def test_login_page_without_js():
    """/login is a form that works without JavaScript: POST → 303 to next with the cookie; /logout ends it"""
    srv = S()
    r = srv.get("/login?next=/admin/kpis")
    expect_status(r, 200)
    html = r.raw.decode("utf-8")
    check('<form method="post" action="/login"' in html and 'name="password"' in html and "/admin/kpis" in html,
          "login page: %s" % short(html, 500))
    check("<script" not in html, "the login page has a script")
    check("single sign-on" not in html, "an SSO button without an issuer configured")
    form = urllib.parse.urlencode({"username": "admin", "password": world()["admin_pw"], "next": "/admin/kpis"})
    ct = "application/x-www-form-urlencoded"
    r = srv.request("POST", "/login", body=form, content_type=ct,
                    headers={"Origin": "http://127.0.0.1:%d" % srv.port})
    expect_status(r, 303)
    check(r.header("Location") == "/admin/kpis", "Location %r" % r.header("Location"))
    sc = set_cookie_of(r)
    check(sc is not None, "no cookie from the form sign-in")
    cookie = {"Cookie": "majorops_session=%s" % cookie_value(sc)}
    expect_status(srv.get("/admin/kpis", headers=cookie), 200)
    # an offsite next is not followed
    r = srv.request("POST", "/login", body=form.replace("%2Fadmin%2Fkpis", "%2F%2Fevil.example"), content_type=ct)
    expect_status(r, 303)
    check(r.header("Location") == "/admin", "offsite next followed: %r" % r.header("Location"))
    # wrong password: the page again, 401, no cookie
    bad = urllib.parse.urlencode({"username": "admin", "password": "wrong-password-9", "next": "/admin"})
    r = srv.request("POST", "/login", body=bad, content_type=ct)
    expect_status(r, 401)
    check(set_cookie_of(r) is None and b"Wrong user name or password" in r.raw, "bad sign-in page %r" % r)
    # a form posted from another site
    r = srv.request("POST", "/login", body=form, content_type=ct, headers={"Origin": "https://evil.example"})
    expect_status(r, 403)
    check(set_cookie_of(r) is None, "a cross-site form sign-in set a cookie")
    # signed in, /login moves on
    r = srv.get("/login?next=/exec", headers=cookie)
    expect_status(r, 303)
    check(r.header("Location") == "/exec", "Location %r" % r.header("Location"))
    # /logout: a page with a button, then the post
    r = srv.get("/logout", headers=cookie)
    expect_status(r, 200)
    m = re.search(r'name="csrf" value="([^"]+)"', r.raw.decode("utf-8"))
    check(m is not None, "no CSRF field on /logout: %s" % short(r.raw, 400))
    expect_status(srv.request("POST", "/logout", body="csrf=forged", content_type=ct, headers=cookie), 403)
    r = srv.request("POST", "/logout", body="csrf=" + m.group(1), content_type=ct, headers=cookie)
    expect_status(r, 303)
    check(r.header("Location") == "/login", "Location %r" % r.header("Location"))
    expect_status(srv.get("/admin/kpis", headers=cookie), 303)


@case
def test_cli_verbs():
    """majorops user and token verbs on the server's store: --password-stdin, token on the last line"""
    srv = S()
    db = srv.db
    name = uniq("cli")
    rc, out, err = cli(["user", "add", name, "--role", "responder", "--display", "Cli User", "--password-stdin"], db,
                       GOOD_PW + "\n")
    check(rc == 0, "user add: %d %r" % (rc, err))
    rc, out, err = cli(["user", "add", name + "x", "--role", "viewer", "--password-stdin"], db, "password123\n")
    check(rc != 0 and "common" in err, "a common password was accepted: %d %r" % (rc, err))
    rc, out, err = cli(["user", "add", name + "y", "--role", "viewer"], db)
    check(rc != 0 and "password-stdin" in err, "no terminal and no --password-stdin: %d %r" % (rc, err))
    rc, out, err = cli(["user", "add", name + "z", "--role", "root", "--password-stdin"], db, GOOD_PW + "\n")
    check(rc == 2, "a bad role exited %d" % rc)
    s = login(srv, name, GOOD_PW)
    check(s.body["role"] == "responder" and s.body["display"] == "Cli User", "session %s" % s.body)
    rc, out, err = cli(["user", "list"], db)
    line = [ln for ln in out.splitlines() if ln.startswith(name + "\t")]
    check(rc == 0 and line == ["%s\tresponder\tenabled\tlocal\tCli User" % name], "user list %r" % out)
    rc, out, err = cli(["user", "set-role", name, "mim"], db)
    check(rc == 0, "set-role: %r" % err)
    check(login(srv, name, GOOD_PW).body["role"] == "mim", "set-role did not take")
    rc, out, err = cli(["token", "create", name, "--role", "responder", "--days", "3", "--name", "ci bot"], db)
    check(rc == 0, "token create: %r" % err)
    token = out.strip().splitlines()[-1]
    check(re.match(r"^mo_[A-Za-z0-9_-]{43}$", token), "last line is not the token alone: %r" % out)
    r = srv.request("GET", "/api/v1/session", headers=bearer(token))
    expect_status(r, 200)
    check(r.json["role"] == "responder" and r.json["auth"] == "token", "token session %s" % r.json)
    rc, out, err = cli(["token", "list"], db)
    rows = [ln.split("\t") for ln in out.splitlines()]
    mine = [x for x in rows if len(x) == 6 and x[1] == name]
    check(rc == 0 and len(mine) == 1 and mine[0][2] == "responder" and mine[0][3] == "active"
          and mine[0][5] == "ci bot", "token list %r" % out)
    rc, out, err = cli(["token", "create", name, "--role", "admin"], db)
    check(rc != 0, "a token above the account's role was made")
    rc, out, err = cli(["token", "revoke", mine[0][0]], db)
    check(rc == 0, "revoke: %r" % err)
    expect_error(srv.request("GET", "/api/v1/session", headers=bearer(token)), 401)
    rc, out, err = cli(["user", "passwd", name, "--password-stdin"], db, "new-quiet-harbour-88\n")
    check(rc == 0, "passwd: %r" % err)
    login(srv, name, "new-quiet-harbour-88")
    rc, out, err = cli(["user", "disable", name], db)
    check(rc == 0, "disable: %r" % err)
    expect_error(login(srv, name, "new-quiet-harbour-88", expect=None), 401)
    rc, out, err = cli(["user", "disable", "nobody-" + name], db)
    check(rc != 0 and "no user" in err, "disable of nobody: %d %r" % (rc, err))
    p = subprocess.run([BIN, "routes"], stdout=subprocess.PIPE, timeout=20, env=child_env())
    routes = json.loads(p.stdout)
    check(p.returncode == 0 and {"method": "GET", "pattern": "/api/v1/audit", "role": "admin"} in routes,
          "routes: %s" % short(p.stdout))


@case
def test_audit_log():
    """the audit log records sign-in, failure, sign-out, role change, user add/disable, password, tokens"""
    entries = audit_actions()
    actions = {e["action"] for e in entries}
    for want in ("sign-in", "sign-in.failure", "sign-out", "sign-out.everywhere", "user.add", "user.role",
                 "user.disable", "user.enable", "user.password", "token.create", "token.revoke", "token.use"):
        check(want in actions, "no %r in the audit log (have %s)" % (want, sorted(actions)))
    e = [x for x in entries if x["action"] == "sign-in.failure"][0]
    check(e["address"] == "127.0.0.1" and e["at"] and e["subject"], "failure entry %s" % e)
    ids = [x["id"] for x in entries]
    check(ids == sorted(ids, reverse=True), "not newest first")
    r = admin().get("/api/v1/audit?limit=2&before=%d" % ids[0])
    expect_status(r, 200)
    check([x["id"] for x in r.json["entries"]] == ids[1:3], "paging: %s" % r.json)
    expect_error(admin().get("/api/v1/audit?limit=0"), 400, field="limit")


@case
def test_trusted_proxy_header():
    """the trusted header counts only from --trusted-proxy addresses; its users are made with the default role"""
    srv = Server(auth=True, extra_args=["--trusted-header", "X-Forwarded-Email", "--trusted-proxy",
                                        "10.0.0.0/8, 127.0.0.1/32", "--proxy-default-role", "responder"]).start()
    other = Server(auth=True, extra_args=["--trusted-header", "Cf-Access-Authenticated-User-Email",
                                          "--trusted-proxy", "10.0.0.0/8"]).start()
    try:
        h = {"X-Forwarded-Email": "pat@example.com"}
        r = srv.request("GET", "/api/v1/session", headers=h)
        expect_status(r, 200)
        check(r.json["user"] == "pat@example.com" and r.json["role"] == "responder" and r.json["auth"] == "proxy",
              "proxy session %s" % r.json)
        expect_status(srv.request("POST", "/api/v1/incidents", body={"title": "via proxy", "severity": "low"},
                                  headers=h), 201)
        expect_error(srv.request("GET", "/api/v1/users", headers=h), 403, "forbidden")
        users = admin(srv).get("/api/v1/users").json["users"]
        pat = [u for u in users if u["name"] == "pat@example.com"]
        check(len(pat) == 1 and pat[0]["source"] == "proxy" and pat[0]["role"] == "responder", "users %s" % users)
        expect_status(admin(srv).patch("/api/v1/users/pat@example.com", {"disabled": True}), 200)
        expect_error(srv.request("GET", "/api/v1/incidents", headers=h), 401)
        expect_error(srv.request("GET", "/api/v1/incidents", headers={"X-Forwarded-Email": "not an email"}), 401)
        # from an address outside the list the header is nobody
        r = other.request("GET", "/api/v1/incidents", headers={"Cf-Access-Authenticated-User-Email": "pat@example.com"})
        expect_error(r, 401, "unauthenticated")
        names = [u["name"] for u in admin(other).get("/api/v1/users").json["users"]]
        check(names == ["admin"], "an untrusted header made an account: %s" % names)
        rc, out, err = cli(["serve", "--trusted-header", "X-Email", "--listen", "127.0.0.1:%d" % free_port()],
                           os.path.join(srv.dir, "z.db"), timeout=20)
        check(rc == 2 and "--trusted-proxy" in err, "a trusted header without proxies: %d %r" % (rc, err))
    finally:
        for s in (srv, other):
            owned_server_check(s)
            s.cleanup()


def https_request(port, method, path, body=None, headers=None, ctx=None):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return Resp(r.status, r.headers, r.read(), method, path)
    finally:
        conn.close()


@case
def test_tls():
    """--tls-cert/--tls-key serve HTTPS (a self-signed cert made by openssl); the cookie gets Secure"""
    d = tempfile.mkdtemp(prefix="majorops-tls-")
    proc = None
    try:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        check(p.returncode == 0, "openssl req failed: %s" % short(p.stderr))
        port = free_port()
        errpath = os.path.join(d, "err.log")
        db = os.path.join(d, "x.db")
        if S().db.startswith("postgres"):
            db = S().db  # on PostgreSQL: the shared server's database (its admin exists already)
        with open(errpath, "wb") as ef:
            proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:%d" % port, "--db", db, "--tls-cert",
                                     cert, "--tls-key", key], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=ef, env=child_env(auth=True))
        ctx = ssl.create_default_context(cafile=cert)
        deadline = time.time() + 15
        up = None
        while time.time() < deadline and proc.poll() is None:
            try:
                up = https_request(port, "GET", "/healthz", ctx=ctx)
                break
            except (OSError, ssl.SSLError, http.client.HTTPException):
                time.sleep(0.1)
        err = open(errpath, "rb").read().decode("utf-8", "replace")
        check(up is not None and up.status == 200, "no HTTPS answer: %r; stderr %s" % (up, short(err, 600)))
        check("https://127.0.0.1:%d/" % port in err, "the start line does not say https: %s" % short(err, 400))
        pw = re.search(r"password:\s+(\S+)", err)
        pw = pw.group(1) if pw else world()["admin_pw"]
        r = https_request(port, "POST", "/api/v1/session", {"username": "admin", "password": pw}, ctx=ctx)
        expect_status(r, 200)
        sc = set_cookie_of(r)
        check(sc is not None and "secure" in [a.strip().lower() for a in sc.split(";")], "cookie %r" % sc)
        h = {"Cookie": "majorops_session=%s" % cookie_value(sc), "X-CSRF-Token": r.json["csrfToken"],
             "Origin": "https://127.0.0.1:%d" % port}
        expect_status(https_request(port, "POST", "/api/v1/incidents", {"title": "over TLS", "severity": "low"},
                                    headers=h, ctx=ctx), 201)
        # plain HTTP on the TLS port gets no answer
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            try:
                got = s.recv(100)
            except (socket.timeout, ConnectionResetError):
                got = b""
        finally:
            s.close()
        check(not got.startswith(b"HTTP/1.1 200"), "plain HTTP answered on the TLS port: %r" % got)
        # a key that is not PEM stops the start
        with open(os.path.join(d, "bad.pem"), "w") as f:
            f.write("not a key\n")
        q = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", os.path.join(d, "y.db"),
                            "--tls-cert", cert, "--tls-key", os.path.join(d, "bad.pem")],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20,
                           env=child_env(auth=True))
        check(q.returncode == 2 and b"PEM" in q.stderr, "a bad key: %d %r" % (q.returncode, q.stderr[:300]))
    finally:
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            err = open(os.path.join(d, "err.log"), "rb").read().decode("utf-8", "replace")
            shutil.rmtree(d, ignore_errors=True)
            if proc.returncode != 0 or "AddressSanitizer" in err or "runtime error:" in err:
                raise CaseFailure("the TLS server exited %s: %s" % (proc.returncode, short(err[-800:], 800)))
        else:
            shutil.rmtree(d, ignore_errors=True)


@case
def test_insecure_mode_session():
    """--insecure-no-auth: GET /api/v1/session answers the header's actor as admin with auth none"""
    srv = Server().start()
    try:
        r = srv.get("/api/v1/session", actor="Riley")
        expect_status(r, 200)
        check(r.json["user"] == "Riley" and r.json["role"] == "admin" and r.json["auth"] == "none"
              and r.json["csrfToken"] is None, "insecure session %s" % r.json)
        expect_status(srv.get("/api/v1/users"), 200)
        check("WARNING" in srv.stderr(), "no warning on stderr in insecure mode")
    finally:
        owned_server_check(srv)
        srv.cleanup()


def stream_ends(stream, what, within=5.0):
    """Reads the stream until it ends; fails when it is still open after `within` seconds."""
    deadline = time.time() + within
    while time.time() < deadline and not stream.closed:
        stream.next(timeout=0.5)
    check(stream.closed, "the live stream is still open %.0f s after %s" % (within, what))


@case
def test_streams_end_with_their_credential():
    """a live stream ends when its session signs out, its account is disabled or its token is revoked"""
    srv = S()
    name = uniq("streamer")
    make_user(name, "viewer")
    # Signing out ends the stream of that browser; the cookie no longer opens one.
    sess = login(srv, name, GOOD_PW)
    stream = SSEClient(srv, headers=sess.headers(False))
    check(stream.status == 200, "stream: %s" % stream.status)
    expect_status(sess.delete("/api/v1/session"), 204)
    stream_ends(stream, "signing out")
    again = SSEClient(srv, headers=sess.headers(False))
    check(again.status == 401, "a signed-out cookie opened a stream: %s" % again.status)
    again.close()
    # Revoking a token ends the streams opened with it, and only those; disabling the
    # account ends the rest.
    try:
        revoke_then_disable(srv, name,
                            lambda tok: expect_status(admin().delete("/api/v1/tokens/%d" % tok["id"]), 204),
                            lambda: expect_status(admin().patch("/api/v1/users/%s" % name, {"disabled": True}), 200),
                            "")
    finally:
        stream.close()


def revoke_then_disable(srv, name, revoke, disable, how):
    """Opens a stream of `name` with a new token and one by a session; revoke(token) must end
    the first only, then disable() the second."""
    tok = make_token(name)
    by_token = SSEClient(srv, headers=bearer(tok["token"]))
    by_session = SSEClient(srv, headers=login(srv, name, GOOD_PW).headers(False))
    try:
        check(by_token.status == 200 and by_session.status == 200,
              "streams: %s %s" % (by_token.status, by_session.status))
        by_session.next(timeout=1.0)  # rechecks with nothing changed: both stay open
        check(not by_token.closed and not by_session.closed, "a stream ended with nothing changed")
        revoke(tok)
        stream_ends(by_token, "revoking its token" + how)
        by_session.next(timeout=1.0)
        check(not by_session.closed, "revoking a token ended a stream opened by a session")
        disable()
        stream_ends(by_session, "disabling the account" + how)
    finally:
        by_token.close()
        by_session.close()


def cli_ok(args, db):
    rc, out, err = cli(args, db)
    check(rc == 0, "majorops %s: %r" % (" ".join(args), err))


@case
def test_streams_end_after_changes_elsewhere():
    """a live stream ends when another process (a command-line verb) revokes its token or disables its account"""
    srv = S()
    name = uniq("remote")
    make_user(name, "viewer")
    revoke_then_disable(srv, name, lambda tok: cli_ok(["token", "revoke", str(tok["id"])], srv.db),
                        lambda: cli_ok(["user", "disable", name], srv.db), " from the command line")


if __name__ == "__main__":
    suite.main()
