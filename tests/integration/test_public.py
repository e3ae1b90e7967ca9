#!/usr/bin/env python3
"""The public surface through the real binary: the status page, incident pages, the
Statuspage v2 JSON, feeds, badge and the public stream; ETags and 304s; drills and
internal-only incidents 404; live updates; and the leak property over HTTP (random incidents
with a marker in every internal field, then every public surface scanned for them)."""

import gzip
import json
import os
import random
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, SSEClient, Suite, check, expect_status, iso_in,  # noqa: E402
                     owned_server_check, run_binary, short)

suite = Suite("public")
case = suite.case
S = lambda: suite.shared()  # noqa: E731

INT = "zzINT"   # every internal marker starts so; letters and digits only
PUB = "zzPUB"
V2_DOCS = ["/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
           "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json",
           "/api/v2/scheduled-maintenances.json", "/api/v2/scheduled-maintenances/upcoming.json",
           "/api/v2/scheduled-maintenances/active.json"]
OTHER_DOCS = {"/": "text/html", "/feed.atom": "application/atom+xml", "/feed.rss": "application/rss+xml",
              "/badge.svg": "image/svg+xml", "/status.css": "text/css", "/status.js": "text/javascript"}
CACHE = "public, max-age=5, stale-while-revalidate=30"
INCIDENT_STATUS = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACT = {"none", "minor", "major", "critical"}
COMPONENT_STATUS = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}


def tag():
    return uuid.uuid4().hex[:10]


def text_of(resp):
    return resp.raw.decode("utf-8", "replace")


def make_mim(s, iid, person):
    expect_status(s.put("/api/v1/incidents/%s/roles/mim" % iid, {"person": person}), 200)


def publish(s, iid, person, body, **extra):
    fields = {"body": body, "audience": "public", "nextUpdateEta": iso_in(1800)}
    fields.update(extra)
    r = s.post("/api/v1/incidents/%s/updates" % iid, fields, actor=person)
    expect_status(r, 201)
    return r.json


def check_public_headers(r, what):
    etag = r.header("ETag")
    check(etag and etag.startswith('"') and etag.endswith('"'), "%s: no strong ETag (%r)" % (what, etag))
    check(r.header("Cache-Control") == CACHE, "%s: Cache-Control %r" % (what, r.header("Cache-Control")))
    return etag


# ---------------------------------------------------------------- routes and caching

@case
def test_every_route_answers():
    """every public route answers 200 with its type, a strong ETag and CDN caching"""
    s = S()
    for path in V2_DOCS:
        r = s.get(path)
        expect_status(r, 200)
        check((r.header("Content-Type") or "").startswith("application/json"), "%s: %s" % (path, r.header("Content-Type")))
        check_public_headers(r, path)
        page = r.json.get("page")
        check(isinstance(page, dict) and {"id", "name", "url", "time_zone", "updated_at"} <= set(page),
              "%s: page object %s" % (path, short(page)))
        check(r.header("Access-Control-Allow-Origin") == "*", "%s: no CORS for aggregators" % path)
    for path, ctype in OTHER_DOCS.items():
        r = s.get(path)
        expect_status(r, 200)
        check((r.header("Content-Type") or "").startswith(ctype), "%s: Content-Type %r" % (path, r.header("Content-Type")))
        check(r.header("ETag"), "%s: no ETag" % path)
    r = s.get("/")
    csp = " ".join(r.headers.get_all("Content-Security-Policy"))
    check("script-src 'self'" in csp and "default-src 'none'" in csp, "/: CSP %r" % csp)
    check(len(r.headers.get_all("Content-Security-Policy")) == 1,
          "/: one policy, not the strict one plus the API's (both would apply): %r" % csp)
    html = text_of(r)
    check("<script src=\"/status.js\"" in html and "<link rel=\"stylesheet\" href=\"/status.css\">" in html,
          "/: no external script and stylesheet")
    check(not re.search(r"<script>|<style|style=\"| on[a-z]+=\"", html), "/: inline script or style")


@case
def test_if_none_match_304():
    """If-None-Match answers 304 for the current ETag (plain, weak, in a list, *), 200 otherwise"""
    s = S()
    for path in ["/", "/api/v2/summary.json", "/feed.atom", "/badge.svg", "/status.css"]:
        r = s.get(path)
        expect_status(r, 200)
        etag = r.header("ETag")
        for value in [etag, "W/" + etag, '"nope", ' + etag, "*"]:
            r2 = s.get(path, headers={"If-None-Match": value})
            check(r2.status == 304, "%s with If-None-Match %s: %d" % (path, value, r2.status))
            check(r2.header("ETag") == etag and not r2.raw, "%s: 304 without the ETag or with a body" % path)
        r3 = s.get(path, headers={"If-None-Match": '"something-else"'})
        expect_status(r3, 200)


GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def gunzipped(r):
    """The bytes of a response, inflated when it says Content-Encoding: gzip."""
    return gzip.decompress(r.raw) if r.header("Content-Encoding") == "gzip" else r.raw


@case
def test_gzip_negotiation():
    """gzip when asked: the same bytes inflated, its own ETag and 304, Vary on both; refusals honoured"""
    s = S()
    inc = s.open_incident(title="Gzip probe " + tag(), severity="high", externalImpact=True)
    make_mim(s, inc["id"], "Gzip Mim")
    for k in range(3):
        publish(s, inc["id"], "Gzip Mim", "Public words %d %s" % (k, tag()))
    compressed = []
    for path in V2_DOCS + list(OTHER_DOCS) + ["/incidents/%s" % inc["id"]]:
        plain = s.get(path)
        z = s.get(path, headers=GZIP)
        expect_status(plain, 200)
        expect_status(z, 200)
        check(plain.header("Content-Encoding") is None, "%s: encoded without being asked" % path)
        check(gunzipped(z) == plain.raw, "%s: the gzip body is not the same document" % path)
        check(z.header("Content-Type") == plain.header("Content-Type")
              and z.header("Cache-Control") == plain.header("Cache-Control")
              and z.header("Access-Control-Allow-Origin") == plain.header("Access-Control-Allow-Origin"),
              "%s: the representations differ in more than the coding" % path)
        if z.header("Content-Encoding") != "gzip":
            check(len(plain.raw) < 1024, "%s: %d bytes and never compressed" % (path, len(plain.raw)))
            check(z.header("ETag") == plain.header("ETag"), "%s: one representation, two ETags" % path)
            continue
        compressed.append(path)
        etag, zetag = plain.header("ETag"), z.header("ETag")
        check(zetag == etag[:-1] + '-gz"', "%s: gzip ETag %r for %r" % (path, zetag, etag))
        check(len(z.raw) < len(plain.raw), "%s: gzip is not smaller" % path)
        for r in (plain, z):
            check("Accept-Encoding" in (r.header("Vary") or ""), "%s: no Vary: Accept-Encoding" % path)
        r304 = s.get(path, headers=dict(GZIP, **{"If-None-Match": zetag}))
        check(r304.status == 304 and r304.header("ETag") == zetag and not r304.raw
              and "Accept-Encoding" in (r304.header("Vary") or ""),
              "%s: If-None-Match with the gzip ETag: %d %r" % (path, r304.status, r304.header("ETag")))
        # Each ETag names its own bytes: the other representation is a 200.
        check(s.get(path, headers={"If-None-Match": zetag}).status == 200, "%s: gzip ETag matched the plain bytes" % path)
        check(s.get(path, headers=dict(GZIP, **{"If-None-Match": etag})).status == 200,
              "%s: the plain ETag matched the gzip bytes" % path)
    for path in ("/", "/api/v2/summary.json", "/feed.atom", "/incidents/%s" % inc["id"]):
        check(path in compressed, "%s was not compressed" % path)
    for value, want in (("gzip;q=0", None), ("identity", None), ("*;q=0", None), ("deflate, br", None),
                        ("*", "gzip"), ("GZIP;q=0.5", "gzip"), ("x-gzip", "gzip")):
        r = s.get("/api/v2/summary.json", headers={"Accept-Encoding": value})
        check(r.header("Content-Encoding") == want,
              "Accept-Encoding %r: Content-Encoding %r, want %r" % (value, r.header("Content-Encoding"), want))


@case
def test_etag_changes_only_with_public_content():
    """the ETag holds across internal changes and moves on a public one"""
    s = S()
    inc = s.open_incident(title="Etag probe " + tag(), severity="medium", externalImpact=True)
    iid = inc["id"]
    e1 = s.get("/api/v2/summary.json").header("ETag")
    expect_status(s.post("/api/v1/incidents/%s/timeline" % iid, {"text": INT + "note" + tag()}), 201)
    expect_status(s.patch("/api/v1/incidents/%s" % iid, {"execSummary": INT + "exec" + tag()}), 200)
    e2 = s.get("/api/v2/summary.json").header("ETag")
    check(e1 == e2, "an internal change moved the ETag (%s → %s)" % (e1, e2))
    make_mim(s, iid, "Etag Mim")
    publish(s, iid, "Etag Mim", "Public words " + tag())
    e3 = s.get("/api/v2/summary.json").header("ETag")
    check(e3 != e2, "a public update did not move the ETag")


# ---------------------------------------------------------------- what is public

@case
def test_drill_and_internal_only_404():
    """drills and internal-only incidents are 404 on /incidents/INC-n and absent from the API"""
    s = S()
    t = tag()
    drill = s.open_incident(title="Drill " + t, severity="critical", drill=True, externalImpact=True)
    make_mim(s, drill["id"], "Drill Mim")
    publish(s, drill["id"], "Drill Mim", "Drill public words " + t)
    internal = s.open_incident(title="Quiet " + t, severity="high")
    expect_status(s.post("/api/v1/incidents/%s/updates" % internal["id"],
                         {"body": "internal words", "audience": "internal", "nextUpdateEta": iso_in(600)}), 201)
    for inc in (drill, internal):
        r = s.get("/incidents/%s" % inc["id"])
        check(r.status == 404, "/incidents/%s: %d" % (inc["id"], r.status))
    r = s.get("/incidents/INC-999999")
    check(r.status == 404, "a missing incident: %d" % r.status)
    for path in V2_DOCS + ["/", "/feed.atom"]:
        body = text_of(s.get(path))
        check(t not in body, "%s mentions a drill or internal-only incident" % path)
    # External impact alone makes an incident public, with no update yet.
    ext = s.open_incident(title="Outage " + t, severity="high", externalImpact=True)
    expect_status(s.get("/incidents/%s" % ext["id"]), 200)
    # A first public entry makes a quiet one public.
    make_mim(s, internal["id"], "Quiet Mim")
    expect_status(s.post("/api/v1/incidents/%s/timeline" % internal["id"],
                         {"text": "Now public " + t, "visibility": "public"}, actor="Quiet Mim"), 201)
    r = s.get("/incidents/%s" % internal["id"])
    expect_status(r, 200)
    check("Now public " + t in text_of(r) and "internal words" not in text_of(r), "the incident page content")


@case
def test_statuspage_shapes():
    """Statuspage v2 objects: enums, impact from severity, component status from the worst incident"""
    s = S()
    t = tag()
    a = s.open_incident(title="Shape A " + t, severity="critical", externalImpact=True,
                        affectedSystems=["Shape-%s-x" % t, "Shape-%s-y" % t])
    b = s.open_incident(title="Shape B " + t, severity="medium", externalImpact=True,
                        affectedSystems=["Shape-%s-y" % t, "Shape-%s-z" % t])
    make_mim(s, a["id"], "Shape Mim")
    publish(s, a["id"], "Shape Mim", "Looking into it " + t, status="identified")
    summary = s.get("/api/v2/summary.json").json
    check(summary["status"]["indicator"] == "critical", "indicator %s" % short(summary["status"]))
    check(summary["status"]["description"] == "Major Service Outage", short(summary["status"]))
    comps = {c["name"]: c for c in summary["components"]}
    check(comps["Shape-%s-x" % t]["status"] == "major_outage", short(comps["Shape-%s-x" % t]))
    check(comps["Shape-%s-y" % t]["status"] == "major_outage", "worst of critical and medium")
    check(comps["Shape-%s-z" % t]["status"] == "degraded_performance", short(comps["Shape-%s-z" % t]))
    for c in summary["components"]:
        check(c["status"] in COMPONENT_STATUS, "component status %r" % c["status"])
    incs = {i["id"]: i for i in summary["incidents"]}
    ia, ib = incs[a["id"]], incs[b["id"]]
    check(ia["impact"] == "critical" and ib["impact"] == "minor", "impacts %s %s" % (ia["impact"], ib["impact"]))
    for i in summary["incidents"]:
        check(i["status"] in INCIDENT_STATUS and i["impact"] in IMPACT, "incident enums %s" % short(i))
        check(i["shortlink"].endswith("/incidents/" + i["id"]), "shortlink %r" % i["shortlink"])
    upd = ia["incident_updates"][0]
    check(upd["status"] == "identified", "update status %r" % upd["status"])
    check(upd["next_update_at"] and "Next update by" in upd["body"], "the ETA: %s" % short(upd))
    check(ia["next_update_at"] == upd["next_update_at"], "incident next_update_at")
    unresolved = s.get("/api/v2/incidents/unresolved.json").json["incidents"]
    check(a["id"] in [i["id"] for i in unresolved], "unresolved.json misses an active incident")


@case
def test_escaping_on_every_surface():
    """user text is escaped in HTML, XML, SVG and JSON"""
    s = S()
    t = tag()
    evil = "<script>alert('%s')</script> & \"q\"" % t
    inc = s.open_incident(title=evil, severity="low", externalImpact=True, affectedSystems=["<b>%s</b>" % t])
    make_mim(s, inc["id"], "Esc Mim")
    publish(s, inc["id"], "Esc Mim", "<img src=x onerror=alert(1)> " + t)
    for path in ["/", "/incidents/%s" % inc["id"], "/feed.atom", "/feed.rss"]:
        body = text_of(s.get(path))
        check("<script>alert" not in body and "<img src=x" not in body and "<b>" + t not in body,
              "%s carries raw markup" % path)
        check("&lt;script&gt;alert(" in body, "%s does not show the title escaped" % path)
    raw = text_of(s.get("/api/v2/incidents.json"))
    check("<script>" not in raw, "JSON carries a raw <script>")
    doc = json.loads(raw)
    check(evil in [i["name"] for i in doc["incidents"]], "JSON does not round-trip the title")


# ---------------------------------------------------------------- the leak property

def random_incident(s, rnd, n, t):
    """One random incident via the API; returns (iid, is_public, public_markers)."""
    mark = "%s%d" % (t, n)
    drill = rnd.random() < 0.2
    external = rnd.random() < 0.3
    plan_updates = [rnd.choice(["public", "internal", "exec"]) for _ in range(rnd.randint(0, 3))]
    plan_entries = [rnd.choice(["public", "internal"]) for _ in range(rnd.randint(0, 3))]
    has_public = "public" in plan_updates or "public" in plan_entries
    public = not drill and (external or has_public)
    cls = PUB if public else INT
    bridge_public = rnd.random() < 0.5
    fields = {
        "title": "%stitle%s <&>" % (cls, mark), "severity": rnd.choice(["critical", "high", "medium", "low"]),
        "affectedSystems": ["%ssys%s" % (cls, mark)],
        "description": INT + "desc" + mark, "customerCount": 900000000 + n,
        "externalImpact": external, "drill": drill,
        "bridgeUrl": "https://bridge.example.com/%sbridge%s" % (PUB if public and bridge_public else INT, mark),
    }
    inc = s.open_incident(**fields)
    iid = inc["id"]
    expect_status(s.patch("/api/v1/incidents/%s" % iid, {
        "businessImpact": INT + "biz" + mark, "customerImpactSummary": INT + "cust" + mark,
        "riskLevel": INT + "risk" + mark, "execSummary": INT + "exec" + mark,
        "bridgePublic": bridge_public}), 200)
    mim = INT + "mim" + mark
    make_mim(s, iid, mim)
    expect_status(s.put("/api/v1/incidents/%s/roles/scribe" % iid, {"person": INT + "scribe" + mark}), 200)
    expect_status(s.post("/api/v1/incidents/%s/responders" % iid, {"person": INT + "resp" + mark}), 201)
    for k, aud in enumerate(plan_updates):
        body = "%supd%d%s" % (PUB if aud == "public" and public else INT, k, mark)
        r = s.post("/api/v1/incidents/%s/updates" % iid,
                   {"body": body, "audience": aud, "nextUpdateEta": iso_in(600 + k)}, actor=mim)
        expect_status(r, 201)
    for k, vis in enumerate(plan_entries):
        text = "%sent%d%s" % (PUB if vis == "public" and public else INT, k, mark)
        r = s.post("/api/v1/incidents/%s/timeline" % iid, {"text": text, "visibility": vis}, actor=mim)
        expect_status(r, 201)
    if rnd.random() < 0.3:
        expect_status(s.post("/api/v1/incidents/%s/phase" % iid, {"to": 8, "override": INT + "why" + mark}), 200)
        # Issue 10: a published After Action puts only what people wrote for the public on it.
        if rnd.random() < 0.7:
            aa = "/api/v1/incidents/%s/after-action" % iid
            expect_status(s.patch(aa, {"summary": "%spm%s <&>" % (cls, mark), "wentPoorly": INT + "poorly" + mark,
                                       "contributingFactors": INT + "factors" + mark}), 200)
            expect_status(s.patch(aa, {"state": "review"}), 200)
            expect_status(s.patch(aa, {"state": "published"}), 200)
    return iid, public


@case
def test_leak_property_over_http():
    """random incidents with markers in every internal field: no marker on any public surface"""
    s = Server().start()
    try:
        rnd = random.Random(20261130)
        t = tag()
        live = SSEClient(s, "/api/v2/stream")
        check(live.status == 200, "public stream: %d" % live.status)
        incidents = [random_incident(s, rnd, n, t) for n in range(40)]
        npublic = sum(1 for _, p in incidents if p)
        check(5 < npublic < 35, "a lopsided mix: %d public of 40" % npublic)
        surfaces = {}
        for path in V2_DOCS + ["/", "/feed.atom", "/feed.rss", "/badge.svg"]:
            r = s.get(path)
            expect_status(r, 200)
            surfaces[path] = text_of(r)
        # The gzip representations are the same bytes (compressed once per change).
        for path in V2_DOCS + ["/", "/feed.atom", "/feed.rss", "/badge.svg"]:
            r = s.get(path, headers=GZIP)
            check(gunzipped(r).decode("utf-8", "replace") == surfaces[path], "%s: gzip differs" % path)
        for page in range(2, 10):
            r = s.get("/?page=%d" % page)
            if r.status == 404:
                break
            surfaces["/?page=%d" % page] = text_of(r)
        for iid, public in incidents:
            r = s.get("/incidents/%s" % iid)
            check(r.status == (200 if public else 404), "/incidents/%s: %d (public=%s)" % (iid, r.status, public))
            surfaces["/incidents/" + iid] = text_of(r)
        # The live stream (ring) and a replay from the very start (the store).
        evs = live.collect(timeout=3.0, quiet=1.0)
        live.close()
        surfaces["stream live"] = "\n".join(e.data_text for e in evs)
        replay = SSEClient(s, "/api/v2/stream", last_event_id=0)
        evs2 = replay.collect(timeout=5.0, quiet=1.0)
        replay.close()
        surfaces["stream replay"] = "\n".join(e.data_text for e in evs2)
        check(evs2, "the public replay carried nothing")
        check([e.seq for e in evs2] == sorted(e.seq for e in evs2), "public ids not increasing")
        for where, text in surfaces.items():
            m = re.search(INT + r"\w*", text)
            check(m is None, "%s shows internal %r" % (where, m.group(0) if m else ""))
            check("90000000" not in text, "%s shows a customer count" % where)
        everything = "\n".join(surfaces.values())
        for probe in ("title", "sys", "upd", "ent"):
            check(PUB + probe in everything, "no public %s anywhere: the scan saw nothing" % probe)
        check(PUB + "title" in surfaces["stream replay"], "the replay has no public incident")
    finally:
        problems = s.stop()
        s.cleanup()
    check(not problems, "; ".join(problems))


# ---------------------------------------------------------------- live

@case
def test_live_update_next_request_and_stream():
    """a public update is on the very next request and on /api/v2/stream; internal ones are not"""
    s = S()
    t = tag()
    inc = s.open_incident(title="Live " + t, severity="high", externalImpact=True)
    iid = inc["id"]
    make_mim(s, iid, "Live Mim")
    before = s.get("/").header("ETag")
    stream = SSEClient(s, "/api/v2/stream")
    check(stream.status == 200 and (stream.headers.get("Content-Type") or "").startswith("text/event-stream"),
          "public stream head")
    expect_status(s.post("/api/v1/incidents/%s/updates" % iid,
                         {"body": INT + "hidden" + t, "audience": "internal", "nextUpdateEta": iso_in(900)}), 201)
    body = "We found it " + t
    publish(s, iid, "Live Mim", body, status="identified")
    for path in ["/", "/api/v2/summary.json", "/incidents/" + iid, "/feed.atom"]:
        text = text_of(s.get(path))
        check(body in text, "%s does not show the update on the next request" % path)
        check(INT + "hidden" not in text, "%s shows the internal update" % path)
    check(s.get("/").header("ETag") != before, "the ETag did not move")
    evs = stream.collect(timeout=5.0, until=lambda e: e.type == "update.published")
    stream.close()
    pubs = [e for e in evs if e.type == "update.published"]
    check(pubs, "no update.published on the public stream: %s" % short([(e.id, e.type) for e in evs]))
    d = pubs[0].data
    check(d["update"]["body"] == body and d["incident"] == iid and d["seq"] == pubs[0].seq, short(d))
    check("author" not in d["update"] and "actor" not in d, "the stream names people: %s" % short(d))
    check(all(INT not in e.data_text for e in evs), "the stream carries the internal update")


@case
def test_history_pages():
    """resolved public incidents fill the history, 20 a page; a page past the end is 404"""
    s = Server().start()
    try:
        for n in range(23):
            inc = s.open_incident(title="Old %d" % n, severity="low", externalImpact=True)
            expect_status(s.post("/api/v1/incidents/%s/phase" % inc["id"], {"to": 8, "override": "test"}), 200)
        first = text_of(s.get("/"))
        check("Page 1 of 2" in first and "/?page=2" in first, "no pager on /")
        expect_status(s.get("/?page=2"), 200)
        check("Old 0" in text_of(s.get("/?page=2")), "the oldest resolved is not on page 2")
        check(s.get("/?page=3").status == 404 and s.get("/?page=x").status == 404, "past the end")
        check(len(s.get("/api/v2/incidents.json").json["incidents"]) == 23, "incidents.json")
        check(s.get("/api/v2/incidents/unresolved.json").json["incidents"] == [], "unresolved.json")
        check(s.get("/api/v2/status.json").json["status"]["indicator"] == "none", "indicator after resolution")
    finally:
        problems = s.stop()
        s.cleanup()
    check(not problems, "; ".join(problems))


@case
def test_page_configuration():
    """--page-name, --public-url and --page-timezone reach the page; a bad zone is refused"""
    s = Server(extra_args=["--page-name", "Acme <Status>", "--public-url", "https://status.example.com/",
                           "--page-timezone", "Europe/Berlin"]).start()
    try:
        page = s.get("/api/v2/summary.json").json["page"]
        check(page["name"] == "Acme <Status>" and page["url"] == "https://status.example.com"
              and page["time_zone"] == "Europe/Berlin", short(page))
        inc = s.open_incident(title="Zone probe", severity="low", externalImpact=True)
        html = text_of(s.get("/incidents/%s" % inc["id"]))
        check("Acme &lt;Status&gt;" in html, "the page name is not shown escaped")
        check(re.search(r"\d{2}:\d{2} CES?T<", html), "times are not in Europe/Berlin")
        atom = text_of(s.get("/feed.atom"))
        check("<id>https://status.example.com/</id>" in atom, "the feed id is not the public URL")
    finally:
        problems = s.stop()
        s.cleanup()
    check(not problems, "; ".join(problems))
    for bad in (["--page-timezone", "Mars/Olympus"], ["--page-timezone", "../etc/passwd"],
                ["--public-url", "javascript:alert(1)"], ["--page-name", " "]):
        rc, out, err = run_binary(["serve", "--listen", "127.0.0.1:1", "--db", "/nonexistent/x.db"] + bad)
        check(rc == 2 and "majorops serve:" in err, "%s: exit %d, %s" % (bad, rc, short(err)))


if __name__ == "__main__":
    suite.main()
