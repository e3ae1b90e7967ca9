#!/usr/bin/env python3
"""The authorization matrix (issue 7): reads the route table from `majorops routes`, makes
an account and an API token per role, and for EVERY route × {anonymous, viewer, responder,
mim, admin} checks the answer against the route's declared least role — anonymous: 401 on
the API, a 303 to /login for pages; a role below: 403; otherwise anything but 401/403.
A route whose role is missing, unknown, or public where the public has no business fails,
so a new route cannot slip in open.  {captures} are filled with real records (an incident,
its responder, track, hypothesis, …) where there are such."""

import http.client
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Server, Suite, check, child_env, expect_status, short  # noqa: E402

suite = Suite("authz-matrix")
case = suite.case
ROLES = ["viewer", "responder", "mim", "admin"]
RANK = {"public": 0, "viewer": 1, "responder": 2, "mim": 3, "admin": 4}
PRINCIPALS = ["anonymous"] + ROLES
PW = "matrix-walk-password-1"
STATE = {}

# Where a public route may live: the status page and its feeds and API (v2), health, the UI's
# static assets, metrics, the ways in (session, /login, /logout, single sign-on) and what
# carries its own credential (alert signals with an integration token, signed links).
PUBLIC_OK = re.compile(r"^/(|healthz|readyz|metrics|status\.css|status\.js|feed\.atom|feed\.rss|badge\.svg"
                       r"|incidents/\{[a-z]+\}|assets/.*|api/v2/.*|api/v1/session|login|logout|auth/oidc/.*"
                       r"|api/v1/signals/\{[a-z]+\}|ack/.*|api/v1/subscribers.*|subscribers/.*|confirm/.*"
                       r"|unsubscribe/.*|subscribe|api/v1/rotations/\{id\}/calendar\.ics)$")
# Routes that are admin business, whatever else changes.
ADMIN_ONLY = re.compile(r"^/api/v1/(users|tokens|audit|integrations|runcards)(/|$)")
# A public route that answers 401 by design to the anonymous: who-am-I.
SELF_401 = {("GET", "/api/v1/session")}


def routes():
    p = subprocess.run([BIN, "routes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                       env=child_env())
    check(p.returncode == 0, "majorops routes exited %d: %s" % (p.returncode, short(p.stderr)))
    table = json.loads(p.stdout.decode("utf-8"))
    check(isinstance(table, list) and len(table) > 50, "routes: %s" % short(p.stdout))
    return table


def call(srv, method, path, token=None, body=None, extra=None):
    """(status, headers, body bytes); a live stream is answered by its status line alone."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=15)
    try:
        h = dict(extra or {})
        data = None
        if token:
            h["Authorization"] = "Bearer %s" % token
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        if "event-stream" in (r.getheader("Content-Type") or ""):
            raw = b""
        else:
            raw = r.read()
        return r.status, r, raw
    finally:
        conn.close()


def world():
    if STATE.get("srv") is not None and STATE["srv"].alive():
        return STATE
    srv = Server(auth=True)
    suite.server = srv.start()
    m = re.search(r"password:\s+(\S+)", srv.stderr())
    check(m is not None, "no first admin password: %s" % short(srv.stderr(), 400))
    st, _, raw = call(srv, "POST", "/api/v1/session", body={"username": "admin", "password": m.group(1)})
    check(st == 200, "admin sign-in %d %s" % (st, short(raw)))
    STATE["srv"] = srv
    tokens = {}
    # an admin API token first (CLI-free, through the API with the session: one token is enough)
    cookie = None
    for line in (call(srv, "POST", "/api/v1/session", body={"username": "admin", "password": m.group(1)})[1]
                 .headers.get_all("Set-Cookie") or []):
        if line.startswith("majorops_session="):
            cookie = line.split(";")[0]
    who = json.loads(call(srv, "GET", "/api/v1/session", extra={"Cookie": cookie})[2])
    admin_h = {"Cookie": cookie, "X-CSRF-Token": who["csrfToken"]}
    for role in ROLES:
        name = "m-" + role
        st, _, raw = call(srv, "POST", "/api/v1/users", body={"name": name, "role": role, "password": PW},
                          extra=admin_h)
        check(st == 201, "user %s: %d %s" % (name, st, short(raw)))
        st, _, raw = call(srv, "POST", "/api/v1/tokens", body={"user": name, "name": "matrix"}, extra=admin_h)
        check(st == 201, "token %s: %d %s" % (name, st, short(raw)))
        tokens[role] = json.loads(raw)["token"]
    STATE["tokens"] = tokens
    STATE["fill"] = fixtures(srv, tokens["admin"])
    return STATE


def created(srv, token, path, body, key="id"):
    st, _, raw = call(srv, "POST", path, token=token, body=body)
    if st in (200, 201):
        try:
            return str(json.loads(raw)[key])
        except (ValueError, KeyError, TypeError):
            return None
    return None


def fixtures(srv, tok):
    """Real records for the {captures}; "1" where there is nothing to make."""
    f = {}
    inc = created(srv, tok, "/api/v1/incidents", {"title": "Matrix incident", "severity": "high"}) or "INC-1"
    f["incident"] = inc
    base = "/api/v1/incidents/%s" % inc
    f["rid"] = created(srv, tok, base + "/responders", {"person": "Robin", "role": "scribe"}) or "1"
    f["tid"] = created(srv, tok, base + "/tracks", {"owner": "Sam", "goal": "Find it", "timeboxMinutes": 30}) or "1"
    f["hid"] = created(srv, tok, base + "/hypotheses", {"statement": "It is DNS"}) or "1"
    f["cid"] = created(srv, tok, base + "/clocks", {"kind": "gdpr"}) or "1"
    f["component"] = created(srv, tok, "/api/v1/components", {"name": "Matrix API"}) or "1"
    f["maintenance"] = created(srv, tok, "/api/v1/maintenances", {
        "title": "Matrix maintenance", "scheduledFor": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
        "scheduledUntil": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200))}) or "1"
    f["action"] = created(srv, tok, base + "/actions", {"title": "Fix it", "owner": "Sam",
                                                        "dueDate": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400 * 7))}) or "1"
    st, _, raw = call(srv, "POST", "/api/v1/integrations", token=tok, body={"name": "matrix", "kind": "generic"})
    f["integration"], f["integration_token"] = "1", None
    if st == 201:
        j = json.loads(raw)
        f["integration"], f["integration_token"] = str(j["id"]), j.get("token")
    # a token and a user that the admin's walk may revoke or change without harm
    f["token"] = created(srv, tok, "/api/v1/tokens", {"user": "m-viewer", "name": "throwaway"}) or "999"
    f["user"] = "m-viewer"
    return f


def fill(method, pattern, f):
    def one(m):
        name = m.group(1)
        if name == "id":
            if pattern.startswith("/api/v1/incidents/") or pattern.startswith("/incidents/") \
                    or pattern.startswith("/admin/incidents/"):
                return f["incident"]
            for prefix, key in (("/api/v1/components/", "component"), ("/api/v1/maintenances/", "maintenance"),
                                ("/api/v1/actions/", "action"), ("/api/v1/integrations/", "integration"),
                                ("/api/v1/signals/", "integration"), ("/api/v1/tokens/", "token")):
                if pattern.startswith(prefix):
                    return f[key]
            return "1"
        if name in ("rid", "tid", "hid", "cid"):
            return f[name]
        if name == "name":
            return f["user"]
        if name == "role":
            return "scribe"
        if name == "level":
            return "2"
        if name == "kind":
            return "holding"
        if name in ("a", "b", "c"):
            return "app.css"
        return "1"
    return re.sub(r"\{([a-zA-Z]+)\}", one, pattern)


def layer_refused(status, raw):
    """Whether an answer is the authorization layer's refusal (auth.c auth_authorize)."""
    try:
        err = json.loads(raw).get("error", {})
    except (ValueError, AttributeError):
        return False
    if status == 401:
        return err.get("code") == "unauthenticated"
    return status == 403 and err.get("code") in ("forbidden", "csrf") and "needs the role" in err.get("message", "")


def body_for(method):
    return {} if method in ("POST", "PUT", "PATCH") else None


@case
def test_every_route_declares_a_known_role():
    """every route declares a known role; public ones only where the public belongs; admin business is admin"""
    bad = []
    for r in routes():
        role = r.get("role")
        key = "%s %s" % (r.get("method"), r.get("pattern"))
        if role not in RANK:
            bad.append("%s: role %r" % (key, role))
        elif role == "public" and not PUBLIC_OK.match(r["pattern"]):
            bad.append("%s: public, but not a public surface" % key)
        elif ADMIN_ONLY.match(r["pattern"]) and role != "admin":
            bad.append("%s: %s, but it is admin business" % (key, role))
        elif r["method"] not in ("GET", "HEAD") and r["pattern"].startswith("/api/v1/") and role == "viewer" \
                and not r["pattern"].startswith("/api/v1/session"):
            bad.append("%s: a write open to viewers" % key)
    check(not bad, "; ".join(bad))


@case
def test_matrix():
    """every route × anonymous, viewer, responder, mim, admin answers as its declared role says"""
    w = world()
    srv, tokens, f = w["srv"], w["tokens"], w["fill"]
    wrong = []
    walked = 0
    for r in routes():
        method, pattern, role = r["method"], r["pattern"], r["role"]
        path = fill(method, pattern, f)
        is_page = not path.startswith("/api/")
        for who in PRINCIPALS:
            token = tokens.get(who)
            extra = None
            if pattern == "/api/v1/signals/{id}":
                token, extra = f["integration_token"], None  # its own credential, whoever asks
            st, resp, raw = call(srv, method, path, token=token, body=body_for(method), extra=extra)
            walked += 1
            need = RANK[role]
            if who == "anonymous" and need > 0:
                want = "303 to /login" if is_page and method == "GET" else "401"
                ok = (st == 303 and (resp.getheader("Location") or "").startswith("/login?next=")) \
                    if want.startswith("303") else st == 401
                if ok and st == 401:
                    ok = json.loads(raw).get("error", {}).get("code") == "unauthenticated"
            elif who == "anonymous" and (method, pattern) in SELF_401:
                want, ok = "401 (who-am-I)", st == 401
            elif who != "anonymous" and RANK[who] < need:
                want = "403"
                ok = st == 403 and json.loads(raw).get("error", {}).get("code") == "forbidden"
            elif need == 0:
                # a public route may refuse a bad credential of its own (a signed link, an
                # integration token), never by the authorization layer's rule
                want, ok = "not refused by role", not layer_refused(st, raw)
            else:
                want, ok = "allowed", st not in (401, 403)
            if not ok:
                wrong.append("%s %s as %s: want %s, got %d %s" % (method, path, who, want, st, short(raw, 120)))
    check(walked >= 5 * 50, "walked only %d requests" % walked)
    check(not wrong, "%d wrong: %s" % (len(wrong), " || ".join(wrong[:12])))
    check(not srv.errors_5xx, "5xx: %s" % srv.errors_5xx[:3])


@case
def test_session_cookie_matrix_sample():
    """the same roles by cookie session: reads need no CSRF token, writes do"""
    w = world()
    srv = w["srv"]
    for role in ROLES:
        st, resp, raw = call(srv, "POST", "/api/v1/session", body={"username": "m-" + role, "password": PW})
        check(st == 200, "sign-in %s: %d %s" % (role, st, short(raw)))
        cookie = [c for c in resp.headers.get_all("Set-Cookie") if c.startswith("majorops_session=")][0].split(";")[0]
        csrf = json.loads(raw)["csrfToken"]
        st, _, _ = call(srv, "GET", "/api/v1/incidents", extra={"Cookie": cookie})
        check(st == 200, "%s read: %d" % (role, st))
        body = {"title": "cookie write", "severity": "low"}
        st, _, raw = call(srv, "POST", "/api/v1/incidents", body=body, extra={"Cookie": cookie})
        check(st == 403, "%s write without CSRF token: %d" % (role, st))
        st, _, raw = call(srv, "POST", "/api/v1/incidents", body=body, extra={"Cookie": cookie, "X-CSRF-Token": csrf})
        check(st == (403 if role == "viewer" else 201), "%s write with token: %d %s" % (role, st, short(raw)))


if __name__ == "__main__":
    suite.main()
