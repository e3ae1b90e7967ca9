#!/usr/bin/env python3
"""Notifications through the real binary (issue 9, outbox.h): channels and their validation;
a published update reaching a generic webhook (Standard Webhooks HMAC checked here with the
stdlib), a Slack and a Microsoft Teams receiver in their shapes; status-page subscribers with
double opt-in through a real SMTP server (Debian's python3-aiosmtpd) and the mailed links;
internal updates never reaching a subscriber; the delivery log and a replay by hand; a
receiver down for a while getting everything once back; kill -9 with 500 notifications
pending, and every one delivered after the restart; a page mailed to the paged person."""

import base64
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, expect_error, expect_status, free_port,  # noqa: E402
                     owned_server_check, short)

from aiosmtpd.controller import Controller  # noqa: E402  (Debian python3-aiosmtpd)

suite = Suite("notify")
case = suite.case
MIM = "Dana Reyes"
PUBLIC_URL = "https://status.example.test"


def tag():
    return uuid.uuid4().hex[:8]


# ---------------------------------------------------------------- receivers

class Receiver:
    """A small HTTP receiver on loopback: records every POST; answers `status`; can be
    stopped (connection refused) and started again on the same port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.requests = []
        self.lock = threading.Lock()
        self.status = 200
        self.httpd = None
        self.thread = None

    def start(self):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body, "at": time.time()})
                    status = outer.status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def at(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def wait(self, path, pred=lambda r: True, count=1, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = [r for r in self.at(path) if pred(r)]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        got = [r for r in self.at(path) if pred(r)]
        check(len(got) >= count, "%s: %d of %d requests arrived within %.0f s (all: %s)"
              % (path, len(got), count, timeout, short([json.loads(r["body"]) for r in self.at(path)][-3:])))
        return got


class Mailbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "msg": msg,
                                  "raw": envelope.content})
        return "250 OK"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m["to"]]

    def wait(self, address, pred=lambda m: True, count=1, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = [m for m in self.to(address) if pred(m)]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        got = [m for m in self.to(address) if pred(m)]
        check(len(got) >= count, "%s: %d of %d mails within %.0f s (subjects: %s)"
              % (address, len(got), count, timeout, [str(m["msg"]["Subject"]) for m in self.to(address)]))
        return got


def plain_of(m):
    return m["msg"].get_body(preferencelist=("plain",)).get_content()


def html_of(m):
    return m["msg"].get_body(preferencelist=("html",)).get_content()


SMTP = {}


def smtp():
    if "ctl" not in SMTP:
        box = Mailbox()
        port = free_port()
        ctl = Controller(box, hostname="127.0.0.1", port=port)
        ctl.start()
        SMTP.update(ctl=ctl, box=box, port=port)
    return SMTP["box"]


def server_args(**over):
    smtp()
    args = {"--smtp-url": "smtp://127.0.0.1:%d" % SMTP["port"], "--smtp-from": "ops@example.com",
            "--outbox-retry-base-ms": "100", "--outbox-retry-cap-ms": "400", "--public-url": PUBLIC_URL}
    args.update(over)
    out = []
    for k, v in args.items():
        out += [k, v]
    return out


SHARED = {}


def srv():
    s = SHARED.get("server")
    if s is None or not s.alive():
        s = Server(extra_args=server_args()).start()
        s.default_actor = MIM
        SHARED["server"] = s
    return s


def open_with_mim(s, title, **fields):
    inc = s.open_incident(title=title, **fields)
    expect_status(s.put("/api/v1/incidents/%s/roles/mim" % inc["id"], {"person": MIM}), 200)
    return inc


def publish(s, iid, body, audience):
    r = s.post("/api/v1/incidents/%s/updates" % iid,
               {"body": body, "audience": audience, "kind": "holding"})
    expect_status(r, 201)
    return r.json


def channel(s, **fields):
    r = s.post("/api/v1/channels", fields)
    expect_status(r, 201)
    check(r.header("Location") == "/api/v1/channels/%d" % r.json["id"], "Location %r" % r.header("Location"))
    return r.json


def verify_standard_webhook(secret, headers, body):
    """Standard Webhooks verification with the stdlib (the receiver's side)."""
    key = base64.b64decode(secret[len("whsec_"):])
    signed = ("%s.%s." % (headers["webhook-id"], headers["webhook-timestamp"])).encode() + body
    expect = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    sigs = [p.split(",", 1)[1] for p in headers["webhook-signature"].split(" ") if p.startswith("v1,")]
    return any(hmac.compare_digest(expect, s) for s in sigs)


# ---------------------------------------------------------------- cases

@case
def test_signature_vector():
    """the Standard Webhooks vector of the unit test holds with Python's hmac"""
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    check(verify_standard_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, b'{"test": 2432232314}'),
          "the fixed vector does not verify")
    headers["webhook-timestamp"] = "1614265331"
    check(not verify_standard_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, b'{"test": 2432232314}'),
          "a changed timestamp still verifies")


@case
def test_channels_crud():
    """channels: create (secret shown once), list, get, patch, rotate, delete; validation names the field"""
    s = srv()
    rcv = "http://127.0.0.1:9/x"
    expect_error(s.post("/api/v1/channels", {"kind": "webhook", "events": ["page"]}), 400, "missing_field", "url")
    expect_error(s.post("/api/v1/channels", {"url": rcv, "events": ["page"]}), 400, "missing_field", "kind")
    expect_error(s.post("/api/v1/channels", {"kind": "pager", "url": rcv, "events": ["page"]}), 400, "invalid_field", "kind")
    expect_error(s.post("/api/v1/channels", {"kind": "slack", "url": rcv}), 400, "missing_field", "events")
    expect_error(s.post("/api/v1/channels", {"kind": "slack", "url": rcv, "events": []}), 400, "invalid_field", "events")
    expect_error(s.post("/api/v1/channels", {"kind": "slack", "url": rcv, "events": ["update.everyone"]}),
                 400, "invalid_field", "events")
    expect_error(s.post("/api/v1/channels", {"kind": "slack", "url": "ftp://x/y", "events": ["page"]}),
                 400, "invalid_field", "url")
    expect_error(s.post("/api/v1/channels", {"kind": "slack", "url": "http://a b/", "events": ["page"]}),
                 400, "invalid_field", "url")
    expect_error(s.post("/api/v1/channels", {"kind": "email", "url": rcv, "events": ["page"]}), 400, "invalid_field", "url")
    expect_error(s.post("/api/v1/channels", {"kind": "email", "events": ["page"]}), 400, "missing_field", "address")
    expect_error(s.post("/api/v1/channels", {"kind": "email", "address": "nobody", "events": ["page"]}),
                 400, "invalid_field", "address")
    expect_error(s.post("/api/v1/channels", {"kind": "slack", "url": rcv, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                             "events": ["page"]}), 400, "invalid_field", "secret")
    expect_error(s.post("/api/v1/channels", {"kind": "webhook", "url": rcv, "secret": "hunter2", "events": ["page"]}),
                 400, "invalid_field", "secret")
    expect_error(s.post("/api/v1/channels", {"kind": "webhook", "url": rcv, "audience": "public",
                                             "events": ["update.public", "update.internal"]}), 400, "invalid_field", "events")
    expect_error(s.post("/api/v1/channels", {"kind": "webhook", "url": rcv, "events": ["page"], "colour": "red"}),
                 400, "unknown_field")
    before = len(s.get("/api/v1/channels").json["channels"])
    c = channel(s, kind="webhook", name="Ops hook " + tag(), url=rcv, events=["page", "severity", "page"])
    check(re.match(r"^whsec_[A-Za-z0-9+/=]{32}$", c.get("secret") or ""), "no generated secret shown: %s" % short(c))
    check(c["events"] == ["page", "severity"] and c["audience"] == "internal" and c["enabled"] is True, short(c))
    g = s.get("/api/v1/channels/%d" % c["id"])
    expect_status(g, 200)
    check("secret" not in g.json and g.json["hasSecret"] is True, "the secret is shown again: %s" % short(g.json))
    lst = s.get("/api/v1/channels").json["channels"]
    check(len(lst) == before + 1 and all("secret" not in x for x in lst), "list: %s" % short(lst))
    p = s.patch("/api/v1/channels/%d" % c["id"], {"events": ["guardrail"], "enabled": False, "name": "Renamed"})
    expect_status(p, 200)
    check(p.json["events"] == ["guardrail"] and p.json["enabled"] is False and p.json["name"] == "Renamed"
          and "secret" not in p.json, short(p.json))
    rot = s.patch("/api/v1/channels/%d" % c["id"], {"rotateSecret": True})
    expect_status(rot, 200)
    check(rot.json.get("secret", "").startswith("whsec_") and rot.json["secret"] != c["secret"], short(rot.json))
    expect_error(s.patch("/api/v1/channels/%d" % c["id"], {"kind": "slack"}), 400, "invalid_field", "kind")
    expect_error(s.patch("/api/v1/channels/%d" % c["id"], {"address": "a@example.com"}), 400, "invalid_field", "address")
    d = s.request("DELETE", "/api/v1/channels/%d" % c["id"])
    expect_status(d, 204)
    expect_error(s.get("/api/v1/channels/%d" % c["id"]), 404, "not_found")
    expect_error(s.request("DELETE", "/api/v1/channels/%d" % c["id"]), 404, "not_found")
    expect_error(s.get("/api/v1/channels/abc"), 404)
    e = channel(s, kind="email", address="oncall@example.com", events=["digest"])
    check(e["address"] == "oncall@example.com" and "secret" not in e and e["hasSecret"] is False, short(e))
    expect_status(s.request("DELETE", "/api/v1/channels/%d" % e["id"]), 204)


@case
def test_update_reaches_receivers():
    """an internal update reaches a signed webhook, Slack and Teams in their shapes; mail too"""
    s = srv()
    box = smtp()
    rcv = Receiver().start()
    try:
        secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        wh = channel(s, kind="webhook", url=rcv.url("/hook"), secret=secret, events=["update.internal", "severity"])
        check("secret" not in wh, "a given secret is echoed back")
        channel(s, kind="slack", url=rcv.url("/slack"), events=["update.internal"])
        channel(s, kind="mattermost", url=rcv.url("/mm"), events=["update.internal"])
        channel(s, kind="teams", url=rcv.url("/teams"), events=["update.internal"])
        mail_to = "team-%s@example.com" % tag()
        channel(s, kind="email", address=mail_to, events=["update.internal"])
        t = tag()
        inc = open_with_mim(s, "Payments <slow> " + t, severity="high")
        publish(s, inc["id"], "Failover started " + t, "internal")
        expect_status(s.patch("/api/v1/incidents/%s" % inc["id"], {"severity": "critical", "severityReason": "spreading"}), 200)
        mine = lambda r: t in r["body"].decode("utf-8", "replace")  # noqa: E731
        got = rcv.wait("/hook", mine, count=2)
        bodies = {}
        for r in got:
            h = r["headers"]
            check(verify_standard_webhook(secret, h, r["body"]), "bad signature: %s" % short(h))
            check(re.match(r"^msg_\d+$", h["webhook-id"]) and h.get("idempotency-key") == h["webhook-id"],
                  "idempotency headers: %s" % short(h))
            check(abs(int(h["webhook-timestamp"]) - time.time()) < 300, "timestamp %s" % h["webhook-timestamp"])
            check(h.get("content-type") == "application/json", "content type %r" % h.get("content-type"))
            b = json.loads(r["body"])
            check(set(b) == {"type", "incident", "at", "data"} and b["incident"] == inc["id"], short(b))
            bodies[b["type"]] = b
        check(set(bodies) == {"update.internal", "severity"}, "webhook types: %s" % list(bodies))
        u = bodies["update.internal"]["data"]
        check(u["update"]["body"] == "Failover started " + t and u["update"]["audience"] == "internal", short(u))
        check(u["incident"]["title"] == "Payments <slow> " + t and u["incident"]["alarmLevel"] == 2
              and u["incident"]["url"] == PUBLIC_URL + "/admin/incidents/" + inc["id"], short(u))
        sev = bodies["severity"]["data"]["severity"]
        check(sev == {"from": "high", "to": "critical", "reason": "spreading"}, short(sev))
        # a webhook that must not have received the severity change: slack is not subscribed
        sl = json.loads(rcv.wait("/slack", mine)[0]["body"])
        check(isinstance(sl.get("text"), str) and "Failover started " + t in sl["text"], short(sl))
        blocks = sl.get("blocks")
        check(isinstance(blocks, list) and blocks[0]["type"] == "section" and blocks[0]["text"]["type"] == "mrkdwn"
              and "&lt;slow&gt;" in blocks[0]["text"]["text"], "slack blocks: %s" % short(blocks))
        check(blocks[1]["elements"][0]["url"] == PUBLIC_URL + "/admin/incidents/" + inc["id"], short(blocks[1]))
        check(not any("critical" in r["body"].decode() and "severity" in json.loads(r["body"])["text"].lower()
                      and "→" in json.loads(r["body"])["text"] for r in rcv.at("/slack")),
              "slack got the severity change it did not subscribe to")
        mm = json.loads(rcv.wait("/mm", mine)[0]["body"])
        check(list(mm) == ["text"] and "Failover started " + t in mm["text"], short(mm))
        tm = json.loads(rcv.wait("/teams", mine)[0]["body"])
        check(tm.get("@type") == "MessageCard" and tm.get("@context") == "https://schema.org/extensions", short(tm))
        check(all(isinstance(tm.get(k), str) and tm[k] for k in ("summary", "themeColor", "title", "text")), short(tm))
        check(re.match(r"^[0-9A-F]{6}$", tm["themeColor"]) and "Failover started " + t in tm["text"], short(tm))
        act = tm["potentialAction"][0]
        check(act["@type"] == "OpenUri" and act["targets"][0]["uri"] == PUBLIC_URL + "/admin/incidents/" + inc["id"],
              short(act))
        m = box.wait(mail_to, lambda m: t in str(m["msg"]["Subject"]))[0]
        check(m["from"] == "ops@example.com" and m["msg"].get_content_type() == "multipart/alternative", short(m["raw"]))
        for hname in ("Date", "Message-ID", "From", "To", "Subject"):
            check(m["msg"][hname], "mail without %s" % hname)
        check("Failover started " + t in plain_of(m), "plain part: %s" % short(plain_of(m)))
        check("Payments &lt;slow&gt; " + t in html_of(m) and "<slow>" not in html_of(m), "html not escaped: %s"
              % short(html_of(m)))
    finally:
        rcv.stop()


def subscribe_and_confirm(s, box, address):
    r = s.post("/api/v2/subscribers", {"email": address})
    expect_status(r, 202)
    m = box.wait(address, lambda m: "Confirm" in str(m["msg"]["Subject"]))[-1]
    links = re.findall(re.escape(PUBLIC_URL) + r"(/subscribers/confirm/[A-Za-z0-9._-]+)", plain_of(m))
    check(links, "no confirmation link in: %s" % short(plain_of(m)))
    check(m["msg"]["List-Unsubscribe"], "a confirmation mail without List-Unsubscribe")
    # Opening the link only asks (a mail scanner following it subscribes nobody); the
    # button posts.
    page = s.get(links[0])
    expect_status(page, 200)
    check(b'method="post"' in page.raw and b"subscribed" not in page.raw, short(page.raw))
    pending = s.get("/api/v1/subscribers?state=pending").json["subscribers"]
    check(any(x["email"] == address for x in pending), "opening the link confirmed: %s" % short(pending))
    page = s.request("POST", links[0], body=b"", content_type="application/x-www-form-urlencoded")
    expect_status(page, 200)
    check(b"subscribed" in page.raw, short(page.raw))
    return m


@case
def test_subscribers_double_opt_in():
    """subscribers: double opt-in by the mailed link, public updates only, unsubscribe link, no enumeration"""
    s = srv()
    box = smtp()
    address = "reader-%s@example.org" % tag()
    # the page offers the form, and the feed as the no-mail alternative
    page = s.get("/")
    expect_status(page, 200)
    check(b'action="/subscribe"' in page.raw and b'name="email"' in page.raw and b"/feed.atom" in page.raw,
          "no subscribe form on the status page")
    csp = page.header("Content-Security-Policy") or ""
    check("form-action 'self'" in csp, "the page's CSP blocks its own form: %s" % csp)
    expect_error(s.post("/api/v2/subscribers", {"email": "not-an-address"}), 400, "invalid_field", "email")
    expect_error(s.post("/api/v2/subscribers", {}), 400, "missing_field", "email")
    # before confirming: a public update mails nothing
    t0 = tag()
    inc = open_with_mim(s, "Status page test " + t0, severity="high", externalImpact=True)
    first = s.post("/api/v2/subscribers", {"email": address})
    expect_status(first, 202)
    publish(s, inc["id"], "Before confirmation " + t0, "public")
    subscribe_and_confirm(s, box, address)
    again = s.post("/api/v2/subscribers", {"email": address.upper()})
    expect_status(again, 202)
    check(again.json == first.json, "answers differ for a known address: %s vs %s" % (short(first.json), short(again.json)))
    # confirmed: a public update arrives, an internal one never
    t = tag()
    publish(s, inc["id"], "INTERNAL-%s the database is corrupt" % t, "internal")
    publish(s, inc["id"], "INTERNAL-%s exec brief" % t, "exec")
    publish(s, inc["id"], "Public words " + t, "public")
    m = box.wait(address, lambda m: ("Public words " + t) in plain_of(m))[0]
    time.sleep(1.0)
    for mm in box.to(address):
        check("INTERNAL-" + t not in mm["raw"].decode("utf-8", "replace") and "INTERNAL-" + t not in plain_of(mm)
              and "INTERNAL-" + t not in html_of(mm), "internal content reached a subscriber")
        check("Before confirmation " + t0 not in plain_of(mm), "a mail went out before the confirmation")
    raw = m["raw"].decode("utf-8", "replace")
    check(MIM not in raw and MIM not in plain_of(m) and "/admin/" not in plain_of(m),
          "the subscriber mail names the author or links the console")
    check(PUBLIC_URL + "/incidents/" + inc["id"] in plain_of(m), "no public link: %s" % short(plain_of(m)))
    lu = m["msg"]["List-Unsubscribe"]
    check(lu and lu.startswith("<" + PUBLIC_URL + "/subscribers/unsubscribe/"), "List-Unsubscribe %r" % lu)
    check(m["msg"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "List-Unsubscribe-Post missing")
    link = lu[1 + len(PUBLIC_URL):-1]
    check(link in plain_of(m) and link in html_of(m), "the unsubscribe link is not in the text")
    # a forged token does nothing
    forged = re.sub(r"\.(.)", lambda mo: "." + ("A" if mo.group(1) != "A" else "B"), link, count=1)
    bad = s.get(forged)
    check(bad.status == 404, "a forged unsubscribe link answered %d" % bad.status)
    # Opening the link only asks; the button, or a mail client's one-click POST, unsubscribes.
    asked = expect_status(s.get(link), 200)
    check(b'method="post"' in asked.raw, "no unsubscribe button: %s" % short(asked.raw))
    subs = s.get("/api/v1/subscribers?state=unsubscribed").json["subscribers"]
    check(not any(x["email"] == address for x in subs), "opening the link unsubscribed")
    one_click = "List-Unsubscribe=One-Click"
    expect_status(s.request("POST", link, body=one_click, content_type="application/x-www-form-urlencoded"), 200)
    expect_status(s.request("POST", link, body=one_click, content_type="application/x-www-form-urlencoded"),
                  200)  # idempotent
    subs = s.get("/api/v1/subscribers?state=unsubscribed").json["subscribers"]
    check(any(x["email"] == address for x in subs), "not unsubscribed: %s" % short(subs))
    n = len(box.to(address))
    publish(s, inc["id"], "After unsubscribe " + t, "public")
    time.sleep(1.5)
    check(len(box.to(address)) == n, "a mail after unsubscribing")
    # the form, without JavaScript
    form_addr = "form-%s@example.org" % tag()
    r = s.request("POST", "/subscribe", body="email=" + urllib.parse.quote(form_addr),
                  content_type="application/x-www-form-urlencoded")
    check(r.status == 202 and b"Check your mail" in r.raw and (r.header("Content-Type") or "").startswith("text/html"),
          "form answer: %s" % short(r.raw))
    box.wait(form_addr, lambda m: "Confirm" in str(m["msg"]["Subject"]))
    r = s.request("POST", "/subscribe", body="email=nonsense", content_type="application/x-www-form-urlencoded")
    check(r.status == 400 and b"<html" in r.raw, "a bad form address: %d %s" % (r.status, short(r.raw)))
    # throttled: asking again at once sends no second confirmation
    r = s.request("POST", "/subscribe", body="email=" + urllib.parse.quote(form_addr),
                  content_type="application/x-www-form-urlencoded")
    expect_status(r, 202)
    time.sleep(1.0)
    check(len(box.to(form_addr)) == 1, "confirmation mails not throttled: %d" % len(box.to(form_addr)))
    # drills never reach subscribers
    drill_addr = "drill-%s@example.org" % tag()
    subscribe_and_confirm(s, box, drill_addr)
    d = open_with_mim(s, "Game day " + t, severity="high", drill=True)
    publish(s, d["id"], "Drill words " + t, "public")
    publish(s, inc["id"], "Real words " + t, "public")
    box.wait(drill_addr, lambda m: ("Real words " + t) in plain_of(m))
    check(not any("Drill words " + t in plain_of(mm) for mm in box.to(drill_addr)), "a drill reached a subscriber")


@case
def test_delivery_log_and_retry():
    """the delivery log filters by state, shows the last error; a replay by hand sends again"""
    s = srv()
    rcv = Receiver().start()
    try:
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        channel(s, kind="webhook", url=rcv.url("/log"), secret=secret, events=["incident.opened"])
        t = tag()
        inc = s.open_incident(title="Log " + t)
        r0 = rcv.wait("/log", lambda r: t in r["body"].decode())[0]
        key = r0["headers"]["webhook-id"]
        did = int(key[4:])
        deadline = time.time() + 5
        row = None
        while time.time() < deadline:
            lst = s.get("/api/v1/deliveries?state=delivered&limit=50").json
            row = next((d for d in lst["deliveries"] if d["id"] == did), None)
            if row:
                break
            time.sleep(0.1)
        check(row is not None, "delivery %d not listed as delivered" % did)
        check(row["key"] == key and row["incident"] == inc["id"] and row["topic"] == "incident.opened"
              and row["attempts"] == 1 and row["deliveredAt"] and row["nextAttemptAt"] is None, short(row))
        check(all(d["state"] == "delivered" for d in lst["deliveries"]), "state filter")
        check(isinstance(lst["counts"].get("delivered"), int), short(lst["counts"]))
        expect_error(s.get("/api/v1/deliveries?state=lost"), 400, "invalid_field", "state")
        expect_error(s.get("/api/v1/deliveries?limit=0"), 400, "invalid_field", "limit")
        expect_error(s.post("/api/v1/deliveries/999999/retry"), 404, "not_found")
        # replay by hand: the same id again (receivers deduplicate on it)
        rr = s.post("/api/v1/deliveries/%d/retry" % did)
        expect_status(rr, 200)
        again = rcv.wait("/log", lambda r: r["headers"]["webhook-id"] == key, count=2)
        check(verify_standard_webhook(secret, again[1]["headers"], again[1]["body"]), "replay not signed")
        # a failing receiver: the error is logged, then a retry after it recovers delivers
        rcv.status = 503
        t2 = tag()
        s.open_incident(title="Fail " + t2)
        rcv.wait("/log", lambda r: t2 in r["body"].decode(), count=2)
        failing = None
        deadline = time.time() + 5
        while time.time() < deadline:
            failing = next((d for d in s.get("/api/v1/deliveries?state=pending").json["deliveries"]
                            if d["lastError"] and d["lastError"].startswith("HTTP 503")), None)
            if failing:
                break
            time.sleep(0.1)
        check(failing is not None and failing["attempts"] >= 1 and failing["nextAttemptAt"], "no pending delivery "
              "with the receiver's error: %s" % short(s.get("/api/v1/deliveries?state=pending").json))
        rcv.status = 200
        deadline = time.time() + 10
        while time.time() < deadline:
            d = next((x for x in s.get("/api/v1/deliveries?limit=500").json["deliveries"] if x["id"] == failing["id"]), None)
            if d and d["state"] == "delivered":
                break
            time.sleep(0.1)
        check(d and d["state"] == "delivered" and d["attempts"] >= 2, "not delivered after recovery: %s" % short(d))
    finally:
        rcv.stop()


@case
def test_failed_after_give_up_and_replay():
    """past --outbox-give-up-ms a delivery is failed with its last error; a replay by hand delivers it"""
    rcv = Receiver()
    s = Server(extra_args=server_args(**{"--outbox-give-up-ms": "300"})).start()
    s.default_actor = MIM
    try:
        channel(s, kind="slack", url=rcv.url("/gone"), events=["incident.opened"])
        s.open_incident(title="Nobody listens")
        deadline = time.time() + 10
        failed = []
        while time.time() < deadline and not failed:
            failed = s.get("/api/v1/deliveries?state=failed").json["deliveries"]
            time.sleep(0.1)
        check(len(failed) == 1 and failed[0]["lastError"] and failed[0]["nextAttemptAt"] is None,
              "no failed delivery: %s" % short(failed))
        check("connect" in failed[0]["lastError"].lower() or "refused" in failed[0]["lastError"].lower(),
              "last error %r" % failed[0]["lastError"])
        rcv.start()
        expect_status(s.post("/api/v1/deliveries/%d/retry" % failed[0]["id"]), 200)
        rcv.wait("/gone")
        owned_server_check(s)
    finally:
        rcv.stop()
        s.cleanup()


@case
def test_receiver_down_then_back():
    """a receiver down for a while gets everything, each once or more, once it is back"""
    s = srv()
    port = free_port()
    rcv = Receiver(port)
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    channel(s, kind="webhook", url=rcv.url("/down"), secret=secret, events=["update.internal"])
    inc = open_with_mim(s, "Down receiver " + tag())
    sent = []
    for i in range(30):
        sent.append("down-%d-%s" % (i, tag()))
        publish(s, inc["id"], sent[-1], "internal")
    time.sleep(3.0)  # several retries fail meanwhile
    pend = s.get("/api/v1/deliveries?state=pending&limit=500").json["deliveries"]
    check(len([d for d in pend if d["lastError"]]) >= 1, "nothing failed while the receiver was down")
    rcv.start()
    try:
        got = rcv.wait("/down", count=30, timeout=20)
        bodies = {json.loads(r["body"])["data"]["update"]["body"] for r in got}
        check(set(sent) <= bodies, "missing after recovery: %s" % sorted(set(sent) - bodies)[:5])
        for r in got:
            check(verify_standard_webhook(secret, r["headers"], r["body"]), "bad signature after recovery")
    finally:
        rcv.stop()


@case
def test_kill9_with_500_pending():
    """kill -9 with 500 notifications pending: after the restart every one is delivered (by idempotency key)"""
    port = free_port()
    rcv = Receiver(port)
    s = Server(extra_args=server_args(**{"--outbox-retry-base-ms": "200", "--outbox-retry-cap-ms": "1000"})).start()
    s.default_actor = MIM
    s2 = None
    try:
        for k in range(5):
            channel(s, kind="webhook", url=rcv.url("/crash%d" % k), events=["update.internal"])
        inc = open_with_mim(s, "Crash " + tag())
        for i in range(100):
            publish(s, inc["id"], "crash-%d" % i, "internal")
        keys = set()
        lst = s.get("/api/v1/deliveries?state=pending&limit=500").json
        check(lst["counts"].get("pending", 0) >= 500, "not 500 pending: %s" % short(lst["counts"]))
        keys = {d["key"] for d in lst["deliveries"] if d["topic"] == "update.internal"}
        check(len(keys) == 500, "%d update deliveries pending" % len(keys))
        s.kill9()
        rcv.start()
        s2 = Server(workdir=s.dir, extra_args=server_args(**{"--outbox-retry-base-ms": "200",
                                                              "--outbox-retry-cap-ms": "1000"})).start()
        deadline = time.time() + 60
        seen = set()
        while time.time() < deadline:
            with rcv.lock:
                seen = {r["headers"]["webhook-id"] for r in rcv.requests}
            if keys <= seen:
                break
            time.sleep(0.2)
        check(keys <= seen, "%d of 500 delivered after the restart" % len(keys & seen))
        deadline = time.time() + 10
        while time.time() < deadline:
            counts = s2.get("/api/v1/deliveries?limit=1").json["counts"]
            if counts.get("pending", 0) == 0:
                break
            time.sleep(0.1)
        check(counts.get("pending", 0) == 0 and counts.get("delivered", 0) >= 500, short(counts))
        owned_server_check(s2)
    finally:
        rcv.stop()
        s.cleanup()
        if s2:
            s2.cleanup()


@case
def test_page_mailed_to_person():
    """a page is mailed to the paged person: who, which incident, severity and alarm level, reason, ack link"""
    s = srv()
    box = smtp()
    rcv = Receiver().start()
    try:
        channel(s, kind="mattermost", url=rcv.url("/pages"), events=["page"])
        t = tag()
        person_mail = "sam-%s@example.com" % t
        inc = open_with_mim(s, "Login fails " + t, severity="critical")
        r = s.post("/api/v1/incidents/%s/pages" % inc["id"],
                   {"person": "Sam Ortiz", "email": person_mail, "reason": "database expert needed " + t,
                    "authorizer": MIM})
        expect_status(r, 201)
        m = box.wait(person_mail)[0]
        text = plain_of(m)
        check("Sam Ortiz" in str(m["msg"]["Subject"]) and inc["id"] in str(m["msg"]["Subject"]), str(m["msg"]["Subject"]))
        check("Sam Ortiz is paged for %s Login fails %s (critical, Box 3)" % (inc["id"], t) in text, short(text))
        check("database expert needed " + t in text, "no reason: %s" % short(text))
        acks = re.findall(r"Acknowledge: (\S+)", text)
        check(acks and "/ack/" in acks[0], "no ack link: %s" % short(text))
        check(m["msg"]["List-Unsubscribe"] is None, "a page mail with List-Unsubscribe")
        mm = json.loads(rcv.wait("/pages", lambda r: t in r["body"].decode())[0]["body"])
        check("Sam Ortiz" in mm["text"] and "Acknowledge:" in mm["text"], short(mm))
    finally:
        rcv.stop()


@case
def test_guardrail_to_channel_and_mim():
    """a guardrail nudge reaches channels subscribed to guardrail and is mailed to the MIM"""
    box = smtp()
    rcv = Receiver().start()
    s = Server(extra_args=server_args(**{"--guardrails": "all.noCan=1s"}),
               env={"MAJOROPS_GUARDRAIL_SWEEP_MS": "200"}).start()
    s.default_actor = MIM
    try:
        t = tag()
        mim_mail = "mim-%s@example.com" % t
        expect_status(s.post("/api/v1/teams", {"name": "Command " + t,
                                               "members": [{"name": MIM, "email": mim_mail}]}), 201)
        channel(s, kind="mattermost", url=rcv.url("/guard"), events=["guardrail"])
        inc = open_with_mim(s, "Guarded " + t, severity="high")
        got = rcv.wait("/guard", lambda r: inc["id"] in r["body"].decode() and "noCan" in r["body"].decode(),
                       timeout=15)
        check("guardrail" in json.loads(got[0]["body"])["text"], short(got[0]["body"]))
        m = box.wait(mim_mail, lambda m: inc["id"] in str(m["msg"]["Subject"]), timeout=15)[0]
        check("guardrail" in str(m["msg"]["Subject"]) and "Guarded " + t in plain_of(m), short(plain_of(m)))
        # No team lists them: the MIM is an account (named by its address, as single sign-on
        # names them) by its display name, or is named by an address.
        account = "dana-%s@example.com" % t
        expect_status(s.post("/api/v1/users", {"name": account, "role": "mim", "display": "Dana " + t,
                                               "password": "Guardrail-mail-%s" % t}), 201)
        direct = "ops-%s@example.com" % t
        for person, address in (("Dana " + t, account), (direct, direct)):
            inc2 = s.open_incident(title="Guarded again " + t, severity="high")
            expect_status(s.put("/api/v1/incidents/%s/roles/mim" % inc2["id"], {"person": person}), 200)
            m = box.wait(address, lambda m: inc2["id"] in str(m["msg"]["Subject"]), timeout=15)[0]
            check("guardrail" in str(m["msg"]["Subject"]), "%s: %s" % (person, m["msg"]["Subject"]))
        owned_server_check(s)
    finally:
        rcv.stop()
        s.cleanup()


@case
def test_weekly_digest():
    """the digest lists overdue action items to channels subscribed to digest, once per period"""
    rcv = Receiver().start()
    interval = 1500
    s = Server(extra_args=server_args(**{"--digest-interval-ms": str(interval)})).start()
    s.default_actor = MIM
    try:
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        channel(s, kind="webhook", url=rcv.url("/digest"), secret=secret, events=["digest"])
        channel(s, kind="webhook", url=rcv.url("/nodigest"), events=["incident.opened"])
        t = tag()
        inc = s.open_incident(title="Digest " + t, severity="critical")
        r = s.post("/api/v1/incidents/%s/actions" % inc["id"],
                   {"title": "Add the missing alert " + t, "owner": "Sam Ortiz", "priority": "high",
                    "dueDate": "2026-01-05T09:00:00Z"})
        expect_status(r, 201)
        t0 = time.time()
        got = rcv.wait("/digest", lambda r: ("Add the missing alert " + t) in r["body"].decode(), timeout=10)
        b = json.loads(got[0]["body"])
        check(verify_standard_webhook(secret, got[0]["headers"], got[0]["body"]), "digest not signed")
        check(b["type"] == "digest" and b["incident"] is None, short(b))
        item = [a for a in b["data"]["actions"] if a["title"] == "Add the missing alert " + t]
        check(item and item[0]["owner"] == "Sam Ortiz" and item[0]["incident"] == inc["id"], short(b["data"]))
        time.sleep(3 * interval / 1000.0)
        n = len(rcv.at("/digest"))
        slots = (time.time() - t0) * 1000 / interval + 2
        check(1 <= n <= slots, "%d digests in %.1f periods" % (n, slots - 2))
        check(not any(json.loads(x["body"]).get("type") == "digest" for x in rcv.at("/nodigest")),
              "a channel not subscribed to digest got one")
        owned_server_check(s)
    finally:
        rcv.stop()
        s.cleanup()


@case
def test_export_round_trip():
    """channels, subscribers and outbox rows are in majorops export and survive migrate"""
    from harness import run_binary
    import tempfile
    s = Server(extra_args=server_args()).start()
    s.default_actor = MIM
    try:
        channel(s, kind="slack", url="http://127.0.0.1:9/export", events=["incident.opened"])
        channel(s, kind="webhook", url="http://127.0.0.1:9/export2", events=["incident.opened"])
        expect_status(s.post("/api/v2/subscribers", {"email": "export-%s@example.org" % tag()}), 202)
        s.open_incident(title="Export " + tag())
        owned_server_check(s)  # stopped: the copy must be of a store nobody writes
    finally:
        s.proc = None
    rc, out, err = run_binary(["export", "--db", s.db])
    check(rc == 0, "export failed: %s" % short(err))
    doc = json.loads(out)
    text = json.dumps(doc)
    for table in ("channels", "subscribers", "outbox"):
        check(table in text, "export lacks %s" % table)
    d = tempfile.mkdtemp(prefix="majorops-nf-")
    target = os.path.join(d, "copy.db")
    rc, _, err = run_binary(["migrate", "--from", s.db, "--to", target], timeout=60)
    check(rc == 0, "migrate failed: %s" % short(err))
    rc, out2, err = run_binary(["export", "--db", target])
    check(rc == 0 and out2 == out, "the export of the copy differs")
    tables = {t["name"]: t for t in doc["tables"]}
    ob = tables["outbox"]
    rows = [dict(zip(ob["columns"], r)) for r in ob["rows"]]
    check(len(rows) >= 3, "outbox rows: %s" % short(rows))
    for r in rows:
        check(isinstance(r["dest"], str) and isinstance(r["attempts"], int) and isinstance(r["payload"], str)
              and (r["channel"] is None or isinstance(r["channel"], int))
              and (r["subscriber"] is None or isinstance(r["subscriber"], int)), "column types: %s" % short(r))
    check(len(tables["channels"]["rows"]) == 2 and len(tables["subscribers"]["rows"]) == 1, "channels/subscribers")
    s.cleanup()


@case
def test_shared_server_stops_cleanly():
    """the notification server exits cleanly on SIGTERM with deliveries in flight"""
    s = SHARED.pop("server", None)
    if s is not None:
        try:
            owned_server_check(s)
        finally:
            s.cleanup()
    if "ctl" in SMTP:
        SMTP["ctl"].stop()


if __name__ == "__main__":
    suite.main()
