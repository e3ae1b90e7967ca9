#!/usr/bin/env python3
"""Single sign-on with OpenID Connect end to end (issue 7, oidc.h): the real binary with
sign-in enforced, against a real provider — Debian's glewlwyd, started here on loopback with
its own configuration and SQLite file (oidc_provider.py; scripts/deps.sh test installs it).
The browser's part is scripted with a cookie jar, hop by hop: MajorOps' /auth/oidc/login →
the provider's authorization endpoint → its login API → consent → back to MajorOps'
callback → a session.  Then what must fail, fails with a page saying why: a tampered state,
a replayed code, a missing sign-in cookie, the provider's own error, a wrong client secret;
the provider's key rotation; a provider that is down at start-up.
The provider keeps nothing on PostgreSQL's side of things and the flow is store-agnostic:
"""
# pg: sqlite-only

import os
import re
import secrets
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, Suite, check, free_port, owned_server_check, run_binary, short  # noqa: E402
import oidc_provider  # noqa: E402
from oidc_provider import Browser, Provider  # noqa: E402

suite = Suite("oidc")
case = suite.case

CLIENT_ID = "majorops"
CLIENT_SECRET = secrets.token_urlsafe(24)
ROLE_MAP = "sre-leads=mim,ops=responder,it-admins=admin"
PASSWORDS = {"alice": "alice-Pass-1x", "bob": "bob-Pass-22x", "carol": "carol-Pass-3x", "dave": "dave-Pass-4x"}

state = {}  # the provider and the MajorOps server the cases share


def start_on(server, port):
    """Starts a harness server on a chosen port: the redirect URI registered at the
    provider names it, so it must be known before the server runs."""
    chosen = harness.free_port
    harness.free_port = lambda: port
    try:
        server.start()
    finally:
        harness.free_port = chosen
    return server


def majorops(provider, issuer, client_id=CLIENT_ID, secret=CLIENT_SECRET, extra=()):
    """A MajorOps server with sign-in on and single sign-on configured; the secret comes
    through the environment (as the docs advise), the rest as flags."""
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    srv = Server(auth=True, extra_args=["--public-url", base, "--oidc-issuer", issuer,
                                        "--oidc-client-id", client_id, "--oidc-role-map", ROLE_MAP]
                 + list(extra), env={"MAJOROPS_OIDC_CLIENT_SECRET": secret})
    srv.base = base
    srv.redirect_uri = base + "/auth/oidc/callback"
    return srv, port


def setup():
    """The provider with its plugin, users and client, and the MajorOps server."""
    if "srv" in state:
        return state
    why = oidc_provider.available()
    check(why is None, why or "")
    if state.get("prov") is not None:  # a set-up that failed half-way: start afresh
        state.pop("prov").stop()
    prov = Provider()
    state["prov"] = prov
    prov.start()
    prov.add_plugin("oidc")
    prov.add_user("alice", PASSWORDS["alice"], "Alice Example", "alice@example.test", ["sre-leads", "ops"])
    prov.add_user("bob", PASSWORDS["bob"], "Bob Example", "bob@example.test", ["finance"])
    prov.add_user("carol", PASSWORDS["carol"], "Carol Example", "carol@example.test", ["it-admins"])
    srv, port = majorops(prov, prov.issuer("oidc"))
    prov.add_client(CLIENT_ID, CLIENT_SECRET, srv.redirect_uri)
    start_on(srv, port)
    state["srv"] = srv
    return state


def query_of(url):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def begin(srv, browser, next_path=None):
    """GET /auth/oidc/login: checks the redirect and the cookie; returns the provider URL."""
    path = "/auth/oidc/login" + ("?next=" + urllib.parse.quote(next_path, safe="") if next_path else "")
    a = browser.get(srv.base + path)
    check(a.status == 302, "GET %s: expected 302, got %s" % (path, a))
    return a.header("Location"), a


def to_callback(srv, prov, user, next_path=None):
    """The browser's part up to the provider's redirect back: (browser, callback URL)."""
    b = Browser()
    auth_url, _ = begin(srv, b, next_path)
    a = prov.sign_in(b, auth_url, user, PASSWORDS[user], CLIENT_ID)
    loc = a.header("Location") or ""
    check(a.status == 302 and loc.startswith(srv.redirect_uri + "?"),
          "the provider did not send the browser back to %s: %s %s" % (srv.redirect_uri, a, loc))
    return b, loc


def finish(srv, b, callback_url):
    """GETs the callback as a browser arriving from the provider's site would."""
    return b.get(callback_url, headers={"Sec-Fetch-Site": "cross-site"})


def landing(answer):
    """Where a successful callback sends the browser: a 303's Location, or the target of the
    same-site page (meta refresh) answered after a cross-site arrival."""
    if answer.status in (302, 303):
        return answer.header("Location")
    m = re.search(r'http-equiv="?refresh"?\s+content="0;\s*url=([^"]+)"', answer.text, re.I)
    return m.group(1) if m else None


def session_of(srv, b):
    a = b.get(srv.base + "/api/v1/session")
    check(a.status == 200, "GET /api/v1/session with the new cookie: %s" % a)
    return a.json


def sign_in(srv, prov, user, next_path=None):
    b, cb = to_callback(srv, prov, user, next_path)
    a = finish(srv, b, cb)
    check(a.status in (200, 303), "callback for %s: expected success, got %s" % (user, a))
    check(b.cookie("majorops_session"), "callback for %s set no session cookie: %s" % (user, a))
    return b, a


def expect_page(a, status, *words):
    """An HTML error page with `status` that says `words`, and no session."""
    check(a.status == status, "expected %d, got %s" % (status, a))
    ctype = (a.header("Content-Type") or "").lower()
    check(ctype.startswith("text/html"), "error page with Content-Type %r" % ctype)
    text = a.text.lower()
    for w in words:
        check(w.lower() in text, "the page does not say %r: %s" % (w, short(a.text, 600)))
    check(not any(c.startswith("majorops_session=") and "Max-Age=0" not in c for c in a.cookies_set()),
          "a failed sign-in set a session cookie: %s" % a.cookies_set())


@case
def test_sign_in_maps_groups_to_role():
    """a sign-in through the provider creates the account with the role its groups map to"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b = Browser()
    auth_url, a = begin(srv, b, "/admin/kpis")
    check(auth_url.startswith(prov.issuer("oidc") + "/auth?"), "not the provider's endpoint: %s" % auth_url)
    q = query_of(auth_url)
    check(q.get("response_type") == "code" and q.get("client_id") == CLIENT_ID, "request: %s" % q)
    check(q.get("redirect_uri") == srv.redirect_uri, "redirect_uri %r" % q.get("redirect_uri"))
    check(q.get("scope") == "openid email profile", "scope %r" % q.get("scope"))
    check(q.get("code_challenge_method") == "S256" and len(q.get("code_challenge", "")) == 43,
          "PKCE: %s" % q)
    check(len(q.get("state", "")) >= 32 and len(q.get("nonce", "")) >= 32 and q["state"] != q["nonce"],
          "state/nonce: %s" % q)
    cookie = [c for c in a.cookies_set() if c.startswith("majorops_oidc=")]
    check(len(cookie) == 1, "sign-in cookie: %s" % a.cookies_set())
    for attr in ("HttpOnly", "SameSite=Lax", "Path=/auth/oidc", "Max-Age=600"):
        check(attr in cookie[0], "the sign-in cookie lacks %s: %s" % (attr, cookie[0]))
    # the user's part at the provider, then back
    a = prov.sign_in(b, auth_url, "alice", PASSWORDS["alice"], CLIENT_ID)
    cb = a.header("Location")
    check(query_of(cb).get("state") == q["state"], "the provider returned another state: %s" % cb)
    a = finish(srv, b, cb)
    check(a.status in (200, 303), "callback: %s" % a)
    check(landing(a) == "/admin/kpis", "lands on %r, not /admin/kpis: %s" % (landing(a), a))
    cleared = [c for c in a.cookies_set() if c.startswith("majorops_oidc=")]
    check(cleared and "Max-Age=0" in cleared[0], "the sign-in cookie is not cleared: %s" % a.cookies_set())
    s = session_of(srv, b)
    check(s.get("user") == "alice" and s.get("role") == "mim" and s.get("auth") == "session",
          "session: %s" % s)
    # the account exists now, an SSO one with the provider's display name
    users = b.get(srv.base + "/api/v1/users")
    check(users.status == 403, "a mim may not list users: %s" % users)


@case
def test_default_role_without_mapped_group():
    """an account whose groups map to nothing gets the default role (viewer)"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b, a = sign_in(srv, prov, "bob")
    s = session_of(srv, b)
    check(s.get("user") == "bob" and s.get("role") == "viewer", "session: %s" % s)
    # a viewer reads but may not declare
    r = b.get(srv.base + "/api/v1/incidents")
    check(r.status == 200, "viewer reading incidents: %s" % r)


@case
def test_role_follows_groups_at_each_sign_in():
    """roles follow the provider's groups at every sign-in; an admin sees the account"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b, _ = sign_in(srv, prov, "carol")
    check(session_of(srv, b).get("role") == "admin", "carol (it-admins) is not admin")
    users = b.get(srv.base + "/api/v1/users/alice")
    check(users.status == 200, "admin reading alice: %s" % users)
    alice = users.json
    check(alice.get("role") == "mim" and alice.get("source") == "sso" and alice.get("display") == "Alice Example",
          "alice as created by SSO: %s" % alice)
    # alice moves to the ops group only: responder from her next sign-in on
    prov.set_user("alice", groups=["ops"])
    b2, _ = sign_in(srv, prov, "alice")
    check(session_of(srv, b2).get("role") == "responder", "alice with ops only: %s" % session_of(srv, b2))
    prov.set_user("alice", groups=["sre-leads", "ops"])


@case
def test_local_account_not_taken_over():
    """the provider cannot sign in as a local account of the same name (403)"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    p = subprocess.run([harness.BIN, "user", "add", "dave", "--role", "admin", "--password-stdin",
                        "--db", srv.db], input=b"dave-Local-Pass-9\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30, env=harness.child_env(auth=True))
    check(p.returncode == 0, "majorops user add: %s" % p.stderr.decode("utf-8", "replace"))
    prov.add_user("dave", PASSWORDS["dave"], "Dave Impostor", "dave@example.test", ["it-admins"])
    b, cb = to_callback(srv, prov, "dave")
    expect_page(finish(srv, b, cb), 403, "dave", "exists here already")


@case
def test_tampered_state():
    """a callback whose state was changed is refused (400) and starts no session"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b, cb = to_callback(srv, prov, "alice")
    q = query_of(cb)
    forged = q["state"][:-2] + ("AA" if q["state"][-2:] != "AA" else "BB")
    bad = srv.redirect_uri + "?" + urllib.parse.urlencode({"state": forged, "code": q["code"]})
    expect_page(finish(srv, b, bad), 400, "state")
    check(b.cookie("majorops_session") is None, "a session cookie after a tampered state")
    # the sign-in cookie was cleared by the refusal: the genuine answer cannot follow it
    expect_page(finish(srv, b, cb), 400, "cookie")


@case
def test_tampered_cookie():
    """a sign-in cookie changed by the browser is refused"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b, cb = to_callback(srv, prov, "alice")
    value = b.cookie("majorops_oidc")
    body, tag = value.split(".")
    b.set_cookie("majorops_oidc", body[:-1] + ("A" if body[-1] != "A" else "B") + "." + tag, "/auth/oidc")
    expect_page(finish(srv, b, cb), 400, "altered")


@case
def test_replayed_code():
    """a replayed authorization code is refused by the provider and the page says so"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b, cb = to_callback(srv, prov, "alice")
    kept = b.cookie("majorops_oidc")
    a = finish(srv, b, cb)
    check(a.status in (200, 303), "first use of the code: %s" % a)
    # the same callback again, with the sign-in cookie put back as an attacker would
    b2 = Browser()
    b2.set_cookie("majorops_oidc", kept, "/auth/oidc")
    expect_page(finish(srv, b2, cb), 400, "refused the sign-in code")
    check(b2.cookie("majorops_session") is None, "a session from a replayed code")


@case
def test_callback_without_cookie():
    """a callback without the sign-in cookie (another browser, or too late) is refused"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    _, cb = to_callback(srv, prov, "alice")
    expect_page(finish(srv, Browser(), cb), 400, "cookie")
    expect_page(Browser().get(srv.base + "/auth/oidc/callback?state=x&code=y"), 400, "cookie")


@case
def test_provider_error_shown():
    """the provider's own refusal (error=access_denied) is shown as such"""
    st = setup()
    srv = st["srv"]
    b = Browser()
    begin(srv, b)
    a = b.get(srv.redirect_uri + "?error=access_denied&error_description=The+user+said+no&state=x")
    expect_page(a, 401, "access_denied", "The user said no")
    # HTML in the description is shown as text, not markup
    begin(srv, b)
    a = b.get(srv.redirect_uri + "?error=%3Cscript%3Ealert(1)%3C/script%3E")
    check(a.status == 401 and "<script>" not in a.text and "&lt;script&gt;" in a.text,
          "error text not escaped: %s" % a)


@case
def test_failures_audited():
    """failed sign-ins are in the audit log an admin reads"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    b, _ = sign_in(srv, prov, "carol")
    a = b.get(srv.base + "/api/v1/audit")
    check(a.status == 200, "audit: %s" % a)
    entries = a.json.get("entries", [])
    failed = [e for e in entries if e.get("action") == "sign-in.failed"]
    check(failed, "no sign-in.failed entries in %s" % short(entries, 600))
    check(any("state" in short(e.get("detail")) for e in failed), "the tampered state is not audited: %s"
          % short(failed, 600))


@case
def test_key_rotation():
    """after the provider rotates its signing key, the next sign-in fetches the new keys"""
    st = setup()
    srv, prov = st["srv"], st["prov"]
    sign_in(srv, prov, "bob")  # keys cached now
    old = Browser().get(prov.issuer("oidc") + "/jwks").json["keys"][0]["kid"]
    prov.rotate_key("oidc")
    new = Browser().get(prov.issuer("oidc") + "/jwks").json["keys"][0]["kid"]
    check(old != new, "the provider kept its key id %s" % old)
    b, _ = sign_in(srv, prov, "bob")
    check(session_of(srv, b).get("user") == "bob", "sign-in after the key rotation")


@case
def test_wrong_client_secret():
    """a wrong client secret gives a page that names the setting to check (502)"""
    st = setup()
    prov = st["prov"]
    srv, port = majorops(prov, prov.issuer("oidc"), client_id="majorops-2", secret="not-the-secret")
    prov.add_client("majorops-2", secrets.token_urlsafe(24), srv.redirect_uri)
    start_on(srv, port)
    try:
        b = Browser()
        auth_url, _ = begin(srv, b)
        a = prov.sign_in(b, auth_url, "alice", PASSWORDS["alice"], "majorops-2")
        expect_page(finish(srv, b, a.header("Location")), 502, "client credentials", "--oidc-client-secret")
        check("single sign-on failed" in srv.stderr(), "not logged: %s" % short(srv.stderr(), 600))
    finally:
        owned_server_check(srv)
        srv.cleanup()


@case
def test_provider_down_at_start():
    """a provider not answering at start-up: the server starts, says why, and asks again at sign-in"""
    st = setup()
    prov = st["prov"]
    srv, port = majorops(prov, prov.issuer("late"))
    start_on(srv, port)
    try:
        check("single sign-on is not ready" in srv.stderr(), "start-up message: %s" % short(srv.stderr(), 600))
        expect_page(Browser().get(srv.base + "/auth/oidc/login"), 502, "cannot be reached")
        prov.add_plugin("late")
        auth_url, _ = begin(srv, Browser())
        check(auth_url.startswith(prov.issuer("late") + "/auth?"), "after the provider came up: %s" % auth_url)
    finally:
        owned_server_check(srv)
        srv.cleanup()


@case
def test_not_configured_and_bad_settings():
    """without an issuer the routes say SSO is off; bad settings stop the start with a reason"""
    srv = Server(auth=True).start()
    try:
        a = Browser().get("http://127.0.0.1:%d/auth/oidc/login" % srv.port)
        check(a.status == 404 and "not configured" in a.text, "unconfigured login: %s" % a)
    finally:
        owned_server_check(srv)
        srv.cleanup()
    rc, _, err = run_binary(["serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", "/nonexistent/x.db",
                             "--public-url", "https://ops.example.test", "--oidc-issuer",
                             "http://idp.example.test/", "--oidc-client-id", "x", "--oidc-client-secret", "y"])
    check(rc == 2 and "--oidc-issuer" in err and "https" in err, "plain-http issuer: %s %s" % (rc, err))
    rc, _, err = run_binary(["serve", "--listen", "127.0.0.1:%d" % free_port(), "--db", "/nonexistent/x.db",
                             "--oidc-issuer", "https://idp.example.test", "--oidc-client-id", "x",
                             "--oidc-client-secret", "y"])
    check(rc == 2 and "--public-url" in err, "no public URL: %s %s" % (rc, err))
    rc, out, _ = run_binary(["serve", "--help"])
    check(rc == 0 and all(f in out for f in ("--oidc-issuer", "--oidc-client-id", "--oidc-client-secret",
                                             "--oidc-groups-claim", "--oidc-role-map", "--oidc-default-role",
                                             "--oidc-scopes")), "serve --help lacks the oidc flags")


@case
def test_servers_stop_cleanly():
    """the shared server and the provider stop cleanly"""
    srv, prov = state.pop("srv", None), state.pop("prov", None)
    try:
        if srv is not None:
            owned_server_check(srv)
    finally:
        if srv is not None:
            srv.cleanup()
        if prov is not None:
            prov.stop()


if __name__ == "__main__":
    try:
        suite.main()
    finally:
        if state.get("srv") is not None:
            state["srv"].cleanup()
        if state.get("prov") is not None:
            state["prov"].stop()
