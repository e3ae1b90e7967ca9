#!/usr/bin/env python3
"""The incident lifecycle end to end: opening, reading, editing, listing, the eight phases
and their gates, reopening, roles and staffing, responders, updates and cadence, timeline.
One shared server; every case opens its own incidents."""

import datetime
import threading
import time
import json
import os
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Suite, check, expect_error, expect_status, incident_ref, iso_in,  # noqa: E402
                     iso_ms_in, parse_iso, short, utcnow)

suite = Suite("lifecycle")
case = suite.case

ROLES = ["mim", "deputy", "scribe", "sre", "sme", "customerOps", "internalLiaison", "leader",
         "serviceManager", "legal", "pr"]
SIX = {"mim", "deputy", "scribe", "sre", "customerOps", "internalLiaison"}
REQUIRED = {
    "low": {"mim", "sre"},
    "medium": {"mim", "sre", "scribe"},
    "high": SIX,
    "critical": SIX,
}
ALARM = {"critical": 3, "high": 2, "medium": 1, "low": 0}
PHASES = {1: "Alert", 2: "Gather", 3: "Assess", 4: "Initial", 5: "Isolation", 6: "Mitigation",
          7: "Validation", 8: "Resolution"}

S = lambda: suite.shared()  # noqa: E731
SHARED = {}


def tag():
    return uuid.uuid4().hex[:8]


def path(iid, rest=""):
    return "/api/v1/incidents/%s%s" % (iid, rest)


def gaps(inc):
    st = inc.get("staffing")
    check(isinstance(st, dict), "incident has no staffing object: %s" % short(inc))
    return st


def gap_roles(inc):
    return sorted(g["role"] for g in gaps(inc)["gaps"])


def phase_of(inc):
    ph = inc.get("phase")
    check(isinstance(ph, dict), "phase is not an object: %s" % short(ph))
    return ph.get("number")


def move(iid, body, actor=None):
    return S().post(path(iid, "/phase"), body, actor=actor)


def advance(iid, **extra):
    body = {"advance": True}
    body.update(extra)
    return move(iid, body)


def expect_phase(resp, n):
    expect_status(resp, 200)
    inc = resp.json
    check(phase_of(inc) == n, "expected phase %d, got %s" % (n, short(inc.get("phase"))))
    check(inc["phase"].get("name") == PHASES[n], "phase %d name: expected %s, got %s"
          % (n, PHASES[n], short(inc["phase"])))
    parse_iso(inc["phase"].get("enteredAt"))
    return inc


def assign(iid, role, person, actor=None):
    return S().put(path(iid, "/roles/%s" % role), {"person": person}, actor=actor)


def add_responder(iid, **body):
    r = S().post(path(iid, "/responders"), body)
    expect_status(r, 201)
    return r.json


def responder_state(iid, rid, state):
    return S().patch(path(iid, "/responders/%s" % rid), {"state": state})


def post_update(iid, actor=None, **body):
    return S().post(path(iid, "/updates"), body, actor=actor)


def entries_of(iid):
    return S().timeline(iid)


# ---------------------------------------------------------------- opening and reading

@case
def test_open_first_incident():
    """open: 201, Location, INC-1, defaults, channel, roles null, staffing, cadence none"""
    s = S()
    before = utcnow() - datetime.timedelta(seconds=2)
    r = s.post("/api/v1/incidents", {"title": "Checkout API 500s on EU", "severity": "high",
                                      "affectedSystems": ["checkout", "payments"]},
               actor="Dana Reyes")
    expect_status(r, 201)
    inc = r.json
    check(inc.get("id") == "INC-1", "first incident id: expected INC-1, got %r" % inc.get("id"))
    check(inc.get("number") == 1, "number: expected 1, got %r" % inc.get("number"))
    check(r.header("Location") == "/api/v1/incidents/INC-1",
          "Location: expected /api/v1/incidents/INC-1, got %r" % r.header("Location"))
    check(inc.get("title") == "Checkout API 500s on EU", "title: %r" % inc.get("title"))
    check(inc.get("severity") == "high" and inc.get("alarmLevel") == 2,
          "severity/alarmLevel: %r/%r" % (inc.get("severity"), inc.get("alarmLevel")))
    check(inc.get("status") == "investigating", "status: expected investigating, got %r" % inc.get("status"))
    check(phase_of(inc) == 1 and inc["phase"].get("name") == "Alert", "phase: %s" % short(inc.get("phase")))
    check(inc.get("affectedSystems") == ["checkout", "payments"], "affectedSystems: %r" % inc.get("affectedSystems"))
    opened = parse_iso(inc.get("openedAt"))
    check(before <= opened <= utcnow() + datetime.timedelta(seconds=2), "openedAt not now: %s" % inc.get("openedAt"))
    parse_iso(inc["phase"].get("enteredAt"))
    check(inc.get("resolvedAt") is None, "resolvedAt should be null: %r" % inc.get("resolvedAt"))
    chan = "#inc-%s-checkout-api-500s-on" % opened.strftime("%Y-%m-%d")
    check(inc.get("channel") == chan, "channel: expected %r, got %r" % (chan, inc.get("channel")))
    roles = inc.get("roles")
    check(isinstance(roles, dict), "roles is not an object: %r" % roles)
    for role in ROLES:
        check(role in roles, "roles lacks key %r: %s" % (role, short(roles)))
        check(roles[role] is None, "role %s should be null, got %r" % (role, roles[role]))
    st = gaps(inc)
    check(set(st.get("required", [])) == REQUIRED["high"], "staffing.required for high: %r" % st.get("required"))
    check(set(gap_roles(inc)) == REQUIRED["high"], "staffing gaps for high: %r" % st.get("gaps"))
    check(all(g.get("reason") == "vacant" for g in st["gaps"]), "all gaps should be vacant: %r" % st["gaps"])
    check(st.get("ok") is False, "staffing.ok should be false: %r" % st.get("ok"))
    cad = inc.get("cadence")
    check(cad == {"public": "none", "internal": "none", "exec": "none"},
          "cadence: expected all none, got %r" % cad)
    check(isinstance(inc.get("version"), int), "version not an integer: %r" % inc.get("version"))
    check(inc.get("createdBy") == "Dana Reyes", "createdBy should be the actor: %r" % inc.get("createdBy"))
    check(inc.get("reopenCount") == 0, "reopenCount: expected 0, got %r" % inc.get("reopenCount"))
    check(inc.get("drill") is False and inc.get("existential") is False and inc.get("security") is False,
          "flags default false: drill=%r existential=%r security=%r"
          % (inc.get("drill"), inc.get("existential"), inc.get("security")))
    parse_iso(inc.get("updatedAt"))
    fields = ("id number title description severity alarmLevel status phase affectedSystems bridgeUrl channel "
              "externalImpact customerCount businessImpact customerImpactSummary riskLevel execSummary "
              "nextUpdateEta cadence startedAt alertFiredAt openedAt resolvedAt afterActionAt roles "
              "informationAuthority security existential drill version createdBy updatedAt bridgePublic "
              "severityConfirmedAt reopenCount phases staffing").split()
    missing = [f for f in fields if f not in inc]
    check(not missing, "incident lacks fields %r" % missing)


@case
def test_default_actor_and_health():
    """actor defaults to local; /healthz and /readyz answer"""
    s = S()
    r = s.post("/api/v1/incidents", {"title": "No actor %s" % tag(), "severity": "low"})
    expect_status(r, 201)
    check(r.json.get("createdBy") == "local", "createdBy without X-MajorOps-Actor: %r" % r.json.get("createdBy"))
    e = s.post(path(r.json["id"], "/timeline"), {"text": "who"})
    expect_status(e, 201)
    check(e.json.get("author") == "local", "author without X-MajorOps-Actor: %r" % e.json.get("author"))
    h = s.get("/healthz")
    check(h.status == 200 and h.body == {"status": "ok"}, "/healthz: %r" % h)
    h = s.get("/readyz")
    check(h.status == 200 and h.body == {"status": "ready"}, "/readyz: %r" % h)


@case
def test_alarm_levels():
    """open: alarmLevel and staffing follow each of the 4 severities"""
    s = S()
    for sev, level in ALARM.items():
        inc = s.open_incident("Alarm %s %s" % (sev, tag()), sev)
        check(inc.get("severity") == sev, "severity echoed: %r" % inc.get("severity"))
        check(inc.get("alarmLevel") == level, "%s: alarmLevel expected %d, got %r" % (sev, level, inc.get("alarmLevel")))
        check(set(gap_roles(inc)) == REQUIRED[sev], "%s: staffing gaps %r, expected %r"
              % (sev, gap_roles(inc), sorted(REQUIRED[sev])))
    ex = s.open_incident("Existential %s" % tag(), "critical", existential=True)
    check(ex.get("existential") is True and ex.get("alarmLevel") == 3, "existential incident: %s" % short(ex))
    want = SIX | {"leader", "legal", "pr"}
    check(set(gaps(ex).get("required", [])) == want, "existential staffing.required: %r" % gaps(ex).get("required"))
    check(set(gap_roles(ex)) == want, "existential gaps: %r" % gap_roles(ex))


@case
def test_channel_slug():
    """open: channel slug folds punctuation and case, keeps 4 words; defaults when empty"""
    s = S()
    inc = s.open_incident("DB  Replica -- LAG!! (us-east)", "low")
    day = parse_iso(inc["openedAt"]).strftime("%Y-%m-%d")
    check(inc["channel"] == "#inc-%s-db-replica-lag-us" % day, "channel: %r" % inc["channel"])
    inc = s.open_incident("!!!", "low")
    check(inc["channel"] == "#inc-%s-incident" % day, "channel for a title without words: %r" % inc["channel"])
    inc = s.open_incident("Café down", "low")
    check(inc["channel"] == "#inc-%s-caf-down" % day, "non-ASCII folds to a hyphen: %r" % inc["channel"])
    inc = s.open_incident("Supercalifragilisticexpialidocious extraordinarily long", "low")
    check(inc["channel"] == "#inc-%s-supercalifragilisticexpialidocious" % day,
          "slug over 40 characters is cut on a word boundary: %r" % inc["channel"])


@case
def test_get_with_etag():
    """GET: incident with ETag "<version>", by INC-n and by n"""
    s = S()
    inc = s.open_incident("Etag check %s" % tag(), "medium")
    r = s.get(path(inc["id"]))
    expect_status(r, 200)
    check(r.json == inc or r.json["id"] == inc["id"], "GET returns a different incident")
    check(r.header("ETag") == '"%d"' % inc["version"], "ETag: expected %r, got %r"
          % ('"%d"' % inc["version"], r.header("ETag")))
    r2 = s.get(path(inc["number"]))
    expect_status(r2, 200)
    check(r2.json["id"] == inc["id"], "GET by number gives %r" % r2.json.get("id"))


@case
def test_patch_if_match():
    """PATCH: If-Match current applies (quoted and bare); stale → 409 version_conflict, not applied"""
    s = S()
    inc = s.open_incident("If-Match %s" % tag(), "medium")
    v = inc["version"]
    r = s.patch(path(inc["id"]), {"title": "renamed once"}, headers={"If-Match": '"%d"' % v})
    expect_status(r, 200)
    check(r.json["title"] == "renamed once", "title not changed: %r" % r.json["title"])
    v2 = r.json["version"]
    check(v2 > v, "version did not increase: %r → %r" % (v, v2))
    r = s.get(path(inc["id"]))
    check(r.header("ETag") == '"%d"' % v2, "ETag after PATCH: %r, version %r" % (r.header("ETag"), v2))
    r = s.patch(path(inc["id"]), {"title": "renamed twice"}, headers={"If-Match": str(v2)})
    expect_status(r, 200)
    v3 = r.json["version"]
    r = s.patch(path(inc["id"]), {"title": "stale write"}, headers={"If-Match": '"%d"' % v})
    expect_error(r, 409, "version_conflict")
    cur = s.incident(inc["id"])
    check(cur["title"] == "renamed twice" and cur["version"] == v3,
          "a stale PATCH changed the incident: title %r version %r" % (cur["title"], cur["version"]))
    r = s.patch(path(inc["id"]), {"description": "no If-Match at all"})
    expect_status(r, 200)
    check(r.json["description"] == "no If-Match at all", "description not set")


@case
def test_concurrent_if_match():
    """PATCH: 8 concurrent writers with the same If-Match: exactly one wins, the rest 409"""
    s = S()
    inc = s.open_incident("Race %s" % tag(), "medium")
    v = inc["version"]
    results = [None] * 8

    def write(i):
        try:
            results[i] = s.patch(path(inc["id"]), {"title": "winner %d" % i}, headers={"If-Match": '"%d"' % v})
        except Exception as e:  # noqa: BLE001
            results[i] = e
    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = [getattr(r, "status", repr(r)) for r in results]
    check(codes.count(200) == 1 and codes.count(409) == 7, "expected one 200 and seven 409, got %r" % codes)
    win = [i for i, r in enumerate(results) if getattr(r, "status", None) == 200][0]
    cur = s.incident(inc["id"])
    check(cur["title"] == "winner %d" % win, "the stored title %r is not the winner's" % cur["title"])


@case
def test_concurrent_open():
    """open: 16 concurrent openings get 16 distinct consecutive numbers"""
    s = S()
    t = "burst" + tag()
    got = []
    errs = []

    def opener(i):
        try:
            r = s.post("/api/v1/incidents", {"title": "%s %d" % (t, i), "severity": "low"})
            got.append((r.status, r.body.get("number") if isinstance(r.body, dict) else None))
        except Exception as e:  # noqa: BLE001
            errs.append(repr(e))
    threads = [threading.Thread(target=opener, args=(i,)) for i in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    check(not errs, "requests failed: %s" % errs[:3])
    check(all(st == 201 for st, _ in got), "statuses: %r" % [st for st, _ in got])
    nums = sorted(n for _, n in got)
    check(nums == list(range(nums[0], nums[0] + 16)), "numbers not distinct and consecutive: %r" % nums)
    listed = s.list_all("all", q=t)
    check(sorted(i["number"] for i in listed) == nums, "the list does not show exactly the 16 opened")


@case
def test_patch_fields():
    """PATCH: editable fields round-trip"""
    s = S()
    inc = s.open_incident("Patch fields %s" % tag(), "low")
    body = {"description": "Long text", "affectedSystems": ["a", "b"], "bridgeUrl": "https://meet.example/x",
            "bridgePublic": True, "externalImpact": True, "customerCount": 1200,
            "businessImpact": "EU checkout blocked", "customerImpactSummary": "Cannot pay",
            "riskLevel": "high", "execSummary": "Working it", "status": "identified",
            "startedAt": "2026-01-02T03:04:05Z", "security": True}
    r = s.patch(path(inc["id"]), body)
    expect_status(r, 200)
    got = r.json
    for k, v in body.items():
        if k == "startedAt":
            check(parse_iso(got[k]) == parse_iso(v), "startedAt: %r" % got[k])
        else:
            check(got.get(k) == v, "%s: sent %r, got %r" % (k, v, got.get(k)))
    again = s.incident(inc["id"])
    check(again.get("customerImpactSummary") == "Cannot pay" and again.get("status") == "identified",
          "PATCH not persisted: %s" % short(again))


# ---------------------------------------------------------------- listing

@case
def test_list_state_filter():
    """list: state=active|resolved|all, default active"""
    s = S()
    t = "statefilter" + tag()
    a = s.open_incident("%s active" % t, "low")
    b = s.open_incident("%s resolved" % t, "low")
    expect_phase(move(b["id"], {"to": 8, "override": "closing for the list test"}), 8)

    def ids(query):
        r = s.get("/api/v1/incidents?" + query)
        expect_status(r, 200)
        check("nextCursor" in r.json, "list answer lacks nextCursor: %s" % short(r.json))
        return [i["id"] for i in r.json["incidents"]]
    act = ids("q=%s" % t)
    check(a["id"] in act and b["id"] not in act, "default (active) list: %r" % act)
    act = ids("state=active&q=%s" % t)
    check(a["id"] in act and b["id"] not in act, "state=active: %r" % act)
    res = ids("state=resolved&q=%s" % t)
    check(b["id"] in res and a["id"] not in res, "state=resolved: %r" % res)
    al = ids("state=all&q=%s" % t)
    check(set(al) == {a["id"], b["id"]}, "state=all: %r" % al)
    check(al == [b["id"], a["id"]], "newest first expected: %r" % al)


@case
def test_list_search():
    """list: q is a case-insensitive substring of title, description, channel"""
    s = S()
    t = tag()
    a = s.open_incident("Zebra%s gateway" % t, "medium")
    b = s.open_incident("Other thing", "medium", description="mentions zebra%s inside" % t.upper())
    c = s.open_incident("Unrelated", "medium")

    def ids(q):
        r = s.get("/api/v1/incidents?state=all&q=" + urllib.parse.quote(q))
        expect_status(r, 200)
        return {i["id"] for i in r.json["incidents"]}
    got = ids("ZEBRA" + t.upper())
    check(got == {a["id"], b["id"]}, "q=ZEBRA…: expected %s, got %s" % ({a["id"], b["id"]}, got))
    got = ids("zebra%s-gateway" % t.lower())
    check(got == {a["id"]}, "q matching the channel slug: %s" % got)
    got = ids(c["id"].lower())
    check(c["id"] in got, "q=%s (the id) did not find it: %s" % (c["id"].lower(), got))
    check(c["id"] not in ids("zebra"), "q=zebra matched an unrelated incident")
    # q is a substring, not a pattern: % and _ match only themselves
    pct = s.open_incident("100%% of logins fail %s" % t, "low")
    und = s.open_incident("queue_depth alarm %s" % t, "low")
    for q, want in (("%", pct["id"]), ("_", und["id"])):
        r = s.get("/api/v1/incidents?state=all&limit=200&q=" + urllib.parse.quote(q))
        expect_status(r, 200)
        got = r.json["incidents"]
        check(want in [i["id"] for i in got], "q=%s did not find %s" % (q, want))
        wrong = [i["id"] for i in got if q not in (i.get("title") or "") + (i.get("description") or "")]
        check(not wrong, "q=%s is treated as a wildcard: it matched %r" % (q, wrong[:5]))
    r = s.get("/api/v1/incidents?state=all&q=nomatch" + tag())
    expect_status(r, 200)
    check(r.json["incidents"] == [] and r.json.get("nextCursor") is None, "no-match list: %s" % short(r.json))


@case
def test_list_pagination():
    """list: cursor pagination over 55 incidents, newest first, default limit 50"""
    s = S()
    t = "pager" + tag()
    made = [s.open_incident("%s number %d" % (t, i), "low")["number"] for i in range(55)]
    seen = []
    cursor = None
    sizes = []
    for _ in range(10):
        q = {"q": t, "limit": 20}
        if cursor is not None:
            q["cursor"] = cursor
        r = s.get("/api/v1/incidents?" + urllib.parse.urlencode(q))
        expect_status(r, 200)
        page = r.json["incidents"]
        sizes.append(len(page))
        seen.extend(i["number"] for i in page)
        cursor = r.json.get("nextCursor")
        if cursor is None:
            break
        check(isinstance(cursor, str) and cursor, "nextCursor should be an opaque string: %r" % cursor)
    check(sizes == [20, 20, 15], "page sizes: expected [20, 20, 15], got %r" % sizes)
    check(len(seen) == len(set(seen)), "an incident appeared twice across pages")
    check(seen == sorted(made, reverse=True), "pages are not newest first / incomplete: %r" % seen)
    r = s.get("/api/v1/incidents?q=%s" % t)
    expect_status(r, 200)
    check(len(r.json["incidents"]) == 50, "default limit: expected 50, got %d" % len(r.json["incidents"]))
    check(r.json.get("nextCursor") is not None, "default limit page should have a nextCursor")
    r2 = s.get("/api/v1/incidents?" + urllib.parse.urlencode({"q": t, "cursor": r.json["nextCursor"]}))
    expect_status(r2, 200)
    rest = [i["number"] for i in r2.json["incidents"]]
    check(len(rest) == 5 and r2.json.get("nextCursor") is None, "second default page: %r next %r"
          % (rest, r2.json.get("nextCursor")))
    r = s.get("/api/v1/incidents?limit=200&q=%s" % t)
    expect_status(r, 200)
    check(len(r.json["incidents"]) == 55 and r.json.get("nextCursor") is None,
          "limit=200: %d incidents, nextCursor %r" % (len(r.json["incidents"]), r.json.get("nextCursor")))
    # a cursor is stable while new incidents arrive: no repeats, nothing skipped
    r = s.get("/api/v1/incidents?" + urllib.parse.urlencode({"q": t, "limit": 20}))
    first = [i["number"] for i in r.json["incidents"]]
    cursor = r.json["nextCursor"]
    for i in range(5):
        s.open_incident("%s late %d" % (t, i), "low")
    rest = []
    while cursor is not None:
        r = s.get("/api/v1/incidents?" + urllib.parse.urlencode({"q": t, "limit": 20, "cursor": cursor}))
        expect_status(r, 200)
        rest.extend(i["number"] for i in r.json["incidents"])
        cursor = r.json.get("nextCursor")
    check(first + rest == sorted(made, reverse=True),
          "paging while incidents are opened repeats or skips: %r + %r" % (first, rest))


# ---------------------------------------------------------------- the whole lifecycle

@case
def test_lifecycle_all_phases():
    """lifecycle: 8 phases, every gate refuses then passes"""
    s = S()
    inc = s.open_incident("Payments lifecycle %s" % tag(), "high", affectedSystems=["payments"])
    iid = inc["id"]
    SHARED["life"] = iid
    # 1 → 2: gate.onScene
    r = advance(iid)
    expect_error(r, 409, "doctrine", rule="gate.onScene")
    check(phase_of(s.incident(iid)) == 1, "a refused advance moved the phase")
    resp = add_responder(iid, person="Sam Sre", role="sre")
    SHARED["life_responder"] = resp["id"]
    check(resp.get("state") == "paged", "new responder state: %r" % resp.get("state"))
    expect_error(advance(iid), 409, "doctrine", rule="gate.onScene")
    expect_status(responder_state(iid, resp["id"], "joining"), 200)
    expect_error(advance(iid), 409, "doctrine", rule="gate.onScene")
    expect_status(responder_state(iid, resp["id"], "onScene"), 200)
    expect_phase(advance(iid), 2)
    # 2 → 3 free
    expect_phase(advance(iid), 3)
    # 3 → 4: severity confirmed at or after entering phase 3
    expect_error(advance(iid), 409, "doctrine", rule="gate.severityConfirmed")
    r = s.patch(path(iid), {"severity": "critical", "severityReason": "whole EU affected"})
    expect_status(r, 200)
    check(r.json["severity"] == "critical" and r.json["alarmLevel"] == 3, "severity change: %s" % short(r.json))
    check(set(gaps(r.json)["required"]) == REQUIRED["critical"], "staffing after the severity change: %s"
          % short(gaps(r.json)))
    parse_iso(r.json.get("severityConfirmedAt"))
    expect_phase(advance(iid), 4)
    # 4 → 5: a milestone
    expect_error(advance(iid), 409, "doctrine", rule="gate.milestone")
    r = post_update(iid, body="We are investigating failed payments.", audience="internal",
                    nextUpdateEta=iso_in(1800))
    expect_status(r, 201)
    expect_phase(advance(iid), 5)
    # 5 → 6 → 7 (once by "to")
    expect_phase(move(iid, {"to": 6}), 6)
    expect_phase(advance(iid), 7)
    # backwards and same phase refused
    expect_error(move(iid, {"to": 5}), 409, "doctrine", rule="phase.forwardOnly")
    expect_error(move(iid, {"to": 7}), 409, "doctrine", rule="phase.forwardOnly")
    # resolved only in phase 8
    r = s.patch(path(iid), {"status": "resolved"})
    expect_error(r, 409, "doctrine")
    check(s.incident(iid)["status"] != "resolved", "status became resolved before phase 8")
    r = s.patch(path(iid), {"status": "monitoring"})
    expect_status(r, 200)
    check(r.json["status"] == "monitoring", "status monitoring not set: %r" % r.json["status"])
    # 7 → 8: the ten-minute rule for critical, passed by override
    expect_error(advance(iid), 409, "doctrine", rule="gate.tenMinuteRule")
    check(phase_of(s.incident(iid)) == 7, "refused 7→8 moved the phase")
    SHARED["override"] = "customers confirm recovery; waiving the 10-minute rule"
    inc = expect_phase(advance(iid, override=SHARED["override"]), 8)
    check(inc["status"] == "resolved", "entering phase 8: status %r, expected resolved" % inc["status"])
    check(inc["cadence"] == {"public": "none", "internal": "none", "exec": "none"},
          "a resolved incident owes no cadence: %r" % inc["cadence"])
    resolved_at = parse_iso(inc.get("resolvedAt"))
    check(abs((utcnow() - resolved_at).total_seconds()) < 30, "resolvedAt not now: %s" % inc.get("resolvedAt"))
    phases = inc.get("phases")
    check(isinstance(phases, list) and [p.get("number") for p in phases] == list(range(1, 9)),
          "phases list: %s" % short(phases))
    check([p.get("name") for p in phases] == [PHASES[n] for n in range(1, 9)], "phase names: %s" % short(phases))
    times = [parse_iso(p.get("enteredAt")) for p in phases]
    check(times == sorted(times), "phase entry times not increasing: %s" % short(phases))
    # terminal
    r = advance(iid)
    expect_error(r, 409, "doctrine")
    expect_error(move(iid, {"to": 3}), 409, "doctrine")
    # release is explicit: resolution does not release the responder
    r = s.get(path(iid, "/responders"))
    expect_status(r, 200)
    mine = [x for x in r.json["responders"] if x["id"] == resp["id"]]
    check(mine and mine[0]["state"] == "onScene",
          "responder should still be onScene until released explicitly: %s" % short(mine))


@case
def test_lifecycle_timeline():
    """lifecycle: the timeline holds phase, command, update and severity entries"""
    s = S()
    iid = SHARED.get("life")
    check(iid, "the lifecycle case did not open its incident")
    entries = entries_of(iid)
    ids = [e["id"] for e in entries]
    check(ids == sorted(ids) and len(set(ids)) == len(ids), "entries not oldest first / unique: %r" % ids)
    for e in entries:
        for k in ("id", "incident", "at", "author", "type", "text", "visibility", "payload", "amends"):
            check(k in e, "entry lacks %r: %s" % (k, short(e)))
        check(incident_ref(e["incident"]) == incident_ref(iid), "entry of another incident: %s" % short(e))
        parse_iso(e["at"])
    types = [e["type"] for e in entries]
    phase_entries = [e for e in entries if e["type"] == "phase"]
    check(len(phase_entries) >= 7, "expected ≥ 7 phase entries (2..8), got %d: %r" % (len(phase_entries), types))
    last_phase = phase_entries[-1]
    check(SHARED["override"] in json.dumps(last_phase),
          "the phase-8 entry does not record the override reason: %s" % short(last_phase, 500))
    sev = [e for e in entries if e["type"] == "severity"]
    check(len(sev) == 1, "expected one severity entry, got %d" % len(sev))
    blob = json.dumps(sev[0])
    check("high" in blob and "critical" in blob and "whole EU affected" in blob,
          "severity entry should record from/to/reason: %s" % short(sev[0], 500))
    check(any(e["type"] == "update" for e in entries), "no update entry: %r" % types)
    cmd = [e for e in entries if e["type"] == "command"]
    check(len(cmd) >= 3, "expected ≥ 3 command entries (responder paged, joining, onScene), got %d: %r"
          % (len(cmd), types))
    # refused commands wrote nothing: exactly 7 phase entries for 7 moves
    moves = [e for e in phase_entries]
    check(len(moves) in (7, 8), "refused moves wrote phase entries? %d phase entries" % len(moves))


@case
def test_reopen():
    """reopen: reason required, only when resolved, → investigating, phase 3, reopenCount 1"""
    s = S()
    iid = SHARED.get("life")
    if not iid:
        inc = s.open_incident("Reopen %s" % tag(), "low")
        iid = inc["id"]
        expect_phase(move(iid, {"to": 8, "override": "x"}), 8)
    expect_error(s.post(path(iid, "/reopen"), {}), 400, "missing_field", field="reason")
    expect_error(s.post(path(iid, "/reopen"), {"reason": ""}), 400, ("invalid_field", "missing_field"), field="reason")
    r = s.post(path(iid, "/reopen"), {"reason": "errors came back"})
    expect_status(r, 200)
    inc = r.json
    check(inc["status"] == "investigating", "status after reopen: %r" % inc["status"])
    check(inc.get("reopenCount") == 1, "reopenCount: %r" % inc.get("reopenCount"))
    check(inc.get("resolvedAt") is None, "resolvedAt after reopen: %r" % inc.get("resolvedAt"))
    check(phase_of(inc) == 3, "phase after reopen: %s" % short(inc["phase"]))
    expect_error(s.post(path(iid, "/reopen"), {"reason": "again"}), 409, "doctrine", rule="reopen.notResolved")
    other = s.open_incident("Never resolved %s" % tag(), "low")
    expect_error(s.post(path(other["id"], "/reopen"), {"reason": "x"}), 409, "doctrine", rule="reopen.notResolved")
    # listed as active again
    r = s.get("/api/v1/incidents?state=resolved&limit=200")
    check(iid not in [i["id"] for i in r.json["incidents"]], "reopened incident still listed as resolved")
    # reopen into a chosen phase
    inc = s.open_incident("Reopen to 5 %s" % tag(), "low")
    expect_phase(move(inc["id"], {"to": 8, "override": "quick close"}), 8)
    expect_error(s.post(path(inc["id"], "/reopen"), {"reason": "x", "phase": 8}), 400, "invalid_field", field="phase")
    r = s.post(path(inc["id"], "/reopen"), {"reason": "back to isolation", "phase": 5})
    expect_status(r, 200)
    check(phase_of(r.json) == 5 and r.json["status"] == "investigating", "reopen with phase 5: %s"
          % short(r.json["phase"]))
    ents = s.timeline(inc["id"])
    check("back to isolation" in json.dumps(ents), "the reopen reason is not on the timeline")


@case
def test_gate_on_scene_by_role_holder():
    """gate.onScene: a responder whose person holds the sre/sme role counts; an sme responder counts"""
    s = S()
    inc = s.open_incident("Gate via role %s" % tag(), "medium")
    iid = inc["id"]
    expect_status(assign(iid, "sre", "Pat Keyboard"), 200)
    rsp = add_responder(iid, person="Pat Keyboard")
    expect_error(advance(iid), 409, "doctrine", rule="gate.onScene")
    expect_status(responder_state(iid, rsp["id"], "onScene"), 200)
    expect_phase(advance(iid), 2)
    inc2 = s.open_incident("Gate via sme %s" % tag(), "medium")
    other = add_responder(inc2["id"], person="Nobody Technical", role="scribe", state="onScene")
    check(other["state"] == "onScene", "responder created onScene: %s" % short(other))
    expect_error(advance(inc2["id"]), 409, "doctrine", rule="gate.onScene")
    add_responder(inc2["id"], person="Sue Domain", role="sme", state="onScene")
    expect_phase(advance(inc2["id"]), 2)


@case
def test_override_records_gates():
    """phase: {"to": 8} with override passes every closed gate and records the reason"""
    s = S()
    inc = s.open_incident("Override jump %s" % tag(), "critical")
    iid = inc["id"]
    expect_error(move(iid, {"to": 8}), 409, "doctrine", rule="gate.onScene")
    expect_error(move(iid, {"to": 0}), (400, 409))
    expect_error(move(iid, {"to": 9}), (400, 409))
    expect_error(move(iid, {"to": 4, "advance": True}), 400)
    expect_error(move(iid, {}), 400, "missing_field", field="to")
    reason = "drill of the override path " + tag()
    r = move(iid, {"to": 8, "override": reason})
    expect_phase(r, 8)
    e = [x for x in entries_of(iid) if x["type"] == "phase"]
    check(e and reason in json.dumps(e[-1]), "override reason not on the phase entry: %s" % short(e, 500))
    check("gate.onScene" in json.dumps(e[-1]) or "onScene" in json.dumps(e[-1]),
          "the phase entry should name the gates overridden: %s" % short(e[-1], 500))


@case
def test_override_needs_a_reason():
    """phase: an empty or whitespace-only override reason does not pass a gate"""
    s = S()
    inc = s.open_incident("Blank override %s" % tag(), "critical")
    iid = inc["id"]
    expect_error(move(iid, {"to": 8, "override": ""}), 400, "invalid_field", field="override")
    r = move(iid, {"to": 2, "override": "   "})
    check(phase_of(s.incident(iid)) == 1, "a whitespace-only override reason passed gate.onScene: %s" % short(r, 200))
    expect_error(r, 400, "invalid_field", field="override")


# ---------------------------------------------------------------- roles and staffing

@case
def test_roles_assign_vacate():
    """roles: PUT assigns, "" vacates, unknown role 404, command entries written"""
    s = S()
    inc = s.open_incident("Roles %s" % tag(), "medium")
    iid = inc["id"]
    n0 = len([e for e in entries_of(iid) if e["type"] == "command"])
    r = assign(iid, "mim", "Dana Reyes")
    expect_status(r, 200)
    check(r.json["roles"]["mim"] == "Dana Reyes", "mim not assigned: %s" % short(r.json["roles"]))
    check(r.json.get("informationAuthority") == "Dana Reyes",
          "informationAuthority should be the MIM: %r" % r.json.get("informationAuthority"))
    r = assign(iid, "mim", "")
    expect_status(r, 200)
    check(r.json["roles"]["mim"] is None, "mim not vacated: %r" % r.json["roles"]["mim"])
    expect_error(assign(iid, "janitor", "X"), 404, "not_found")
    expect_error(s.put(path(iid, "/roles/mim"), {}), 400, "missing_field", field="person")
    n1 = len([e for e in entries_of(iid) if e["type"] == "command"])
    check(n1 - n0 == 2, "expected 2 command entries for assign+vacate, got %d" % (n1 - n0))


@case
def test_roles_blank_person():
    """roles: a whitespace-only person is refused or vacates; never a role held by "   " """
    s = S()
    inc = s.open_incident("Blank person %s" % tag(), "medium")
    iid = inc["id"]
    r = assign(iid, "mim", "   ")
    if r.status == 200:
        check(r.json["roles"]["mim"] is None, "a whitespace-only person now holds mim: %r (staffing says %s)"
              % (r.json["roles"]["mim"], short(gaps(r.json)["gaps"])))
    else:
        expect_error(r, 400, "invalid_field", field="person")


@case
def test_roles_never_combine():
    """roles: mim+sre for one person → 409 roles.neverCombine (names compare trimmed, case-insensitive)"""
    s = S()
    inc = s.open_incident("Never combine %s" % tag(), "low")
    iid = inc["id"]
    v0 = s.incident(iid)["version"]
    expect_status(assign(iid, "mim", "Dana Reyes"), 200)
    v = s.incident(iid)["version"]
    check(v > v0, "a role assignment did not bump the version (%r → %r)" % (v0, v))
    r = assign(iid, "sre", "Dana Reyes")
    err = expect_error(r, 409, "doctrine", rule="roles.neverCombine")
    check("sre" in err["message"].lower() or "mim" in err["message"].lower(),
          "the message should name the roles: %r" % err["message"])
    expect_error(assign(iid, "sre", "  dana reyes "), 409, "doctrine", rule="roles.neverCombine")
    cur = s.incident(iid)
    check(cur["roles"]["sre"] is None and cur["version"] == v, "a refused assignment changed the incident")
    expect_status(assign(iid, "customerOps", "Cass Comms"), 200)
    expect_error(assign(iid, "sme", "Cass Comms"), 409, "doctrine", rule="roles.neverCombine")


@case
def test_roles_severity_combinations():
    """roles: mim+deputy ok at medium, refused at high (onlyMediumLow); deputy+scribe refused at critical"""
    s = S()
    med = s.open_incident("Combo medium %s" % tag(), "medium")
    expect_status(assign(med["id"], "mim", "Alex"), 200)
    r = assign(med["id"], "deputy", "Alex")
    expect_status(r, 200)
    check(r.json["roles"]["deputy"] == "Alex", "deputy not assigned at medium")
    high = s.open_incident("Combo high %s" % tag(), "high")
    expect_status(assign(high["id"], "mim", "Alex"), 200)
    expect_error(assign(high["id"], "deputy", "Alex"), 409, "doctrine", rule="roles.onlyMediumLow")
    # deputy+scribe: fine at high, refused at critical
    expect_status(assign(high["id"], "deputy", "Bo"), 200)
    r = assign(high["id"], "scribe", "Bo")
    expect_status(r, 200)
    check("deputy" not in gap_roles(r.json) and "scribe" not in gap_roles(r.json),
          "high allows deputy+scribe as one person without a gap: %s" % short(gaps(r.json)))
    crit = s.open_incident("Combo critical %s" % tag(), "critical")
    expect_status(assign(crit["id"], "deputy", "Bo"), 200)
    expect_error(assign(crit["id"], "scribe", "Bo"), 409, "doctrine", rule="roles.onlyBelowCritical")
    # customerOps+internalLiaison allowed at critical (non-existential)
    expect_status(assign(crit["id"], "customerOps", "Cy"), 200)
    expect_status(assign(crit["id"], "internalLiaison", "Cy"), 200)


@case
def test_roles_existential():
    """roles: existential refuses any combination (roles.existentialNoCombination)"""
    s = S()
    ex = s.open_incident("Existential roles %s" % tag(), "critical", existential=True)
    iid = ex["id"]
    expect_status(assign(iid, "customerOps", "Cy"), 200)
    expect_error(assign(iid, "internalLiaison", "Cy"), 409, "doctrine", rule="roles.existentialNoCombination")
    expect_status(assign(iid, "leader", "Lee"), 200)
    expect_error(assign(iid, "serviceManager", "Lee"), 409, "doctrine", rule="roles.existentialNoCombination")
    expect_error(assign(iid, "mim", "Cy"), 409, "doctrine")
    # the same pair passes on a plain critical incident
    crit = s.open_incident("Critical roles %s" % tag(), "critical")
    expect_status(assign(crit["id"], "leader", "Lee"), 200)
    expect_status(assign(crit["id"], "serviceManager", "Lee"), 200)


@case
def test_staffing_gaps_shrink():
    """staffing: gaps shrink as roles are filled; ok when complete"""
    s = S()
    inc = s.open_incident("Staffing %s" % tag(), "medium")
    iid = inc["id"]
    check(gap_roles(inc) == sorted(["mim", "sre", "scribe"]), "medium gaps: %r" % gap_roles(inc))
    r = assign(iid, "mim", "M One")
    check(gap_roles(r.json) == sorted(["sre", "scribe"]), "after mim: %r" % gap_roles(r.json))
    r = assign(iid, "sre", "S Two")
    check(gap_roles(r.json) == ["scribe"], "after sre: %r" % gap_roles(r.json))
    r = assign(iid, "scribe", "C Three")
    check(gap_roles(r.json) == [] and gaps(r.json).get("ok") is True, "complete staffing: %s" % short(gaps(r.json)))
    r = assign(iid, "sre", "")
    check(gap_roles(r.json) == ["sre"] and gaps(r.json).get("ok") is False, "after vacating sre: %s"
          % short(gaps(r.json)))
    # critical needs six distinct people: a shared pair is a gap
    crit = s.open_incident("Staffing critical %s" % tag(), "critical")
    for role, person in (("mim", "A"), ("deputy", "B"), ("scribe", "C"), ("sre", "D"), ("customerOps", "E")):
        r = assign(crit["id"], role, person)
        expect_status(r, 200)
    check(gap_roles(r.json) == ["internalLiaison"], "critical, one left: %r" % gap_roles(r.json))
    r = assign(crit["id"], "internalLiaison", "E")
    expect_status(r, 200)
    st = gaps(r.json)
    check(st.get("ok") is False and any(g.get("reason") == "shared" for g in st["gaps"]),
          "critical with customerOps+internalLiaison shared should show a shared gap: %s" % short(st))


# ---------------------------------------------------------------- responders

@case
def test_responders_presence():
    """responders: paged → acknowledged → joining → onScene → released with timestamps; backwards refused"""
    s = S()
    inc = s.open_incident("Presence %s" % tag(), "high")
    iid = inc["id"]
    rsp = add_responder(iid, person="Lee Ops", role="sre")
    for k in ("id", "person", "role", "state", "pagedAt", "acknowledgedAt", "joiningAt", "onSceneAt", "releasedAt"):
        check(k in rsp, "responder lacks %r: %s" % (k, short(rsp)))
    check(rsp["state"] == "paged" and rsp["person"] == "Lee Ops" and rsp["role"] == "sre", "new: %s" % short(rsp))
    parse_iso(rsp["pagedAt"])
    check(rsp["acknowledgedAt"] is None and rsp["onSceneAt"] is None and rsp["releasedAt"] is None,
          "later timestamps set too early: %s" % short(rsp))
    stamps = {"acknowledged": "acknowledgedAt", "joining": "joiningAt", "onScene": "onSceneAt",
              "released": "releasedAt"}
    rid = rsp["id"]
    for state in ("acknowledged", "joining", "onScene"):
        r = responder_state(iid, rid, state)
        expect_status(r, 200)
        check(r.json["state"] == state, "state %s not set: %s" % (state, short(r.json)))
        parse_iso(r.json[stamps[state]])
    r = responder_state(iid, rid, "joining")
    expect_error(r, 409, "doctrine", rule="responder.forwardOnly")
    r = responder_state(iid, rid, "paged")
    expect_error(r, 409, "doctrine", rule="responder.forwardOnly")
    r = responder_state(iid, rid, "released")
    expect_status(r, 200)
    parse_iso(r.json["releasedAt"])
    check(r.json["state"] == "released", "released: %s" % short(r.json))
    expect_error(responder_state(iid, rid, "onScene"), 409, "doctrine", rule="responder.forwardOnly")
    # skipping ahead is allowed
    r2 = add_responder(iid, person="Kim Fast", role="sme")
    r = responder_state(iid, r2["id"], "onScene")
    expect_status(r, 200)
    parse_iso(r.json["onSceneAt"])
    lst = s.get(path(iid, "/responders"))
    expect_status(lst, 200)
    got = {x["id"]: x["state"] for x in lst.json["responders"]}
    check(got == {rid: "released", r2["id"]: "onScene"}, "responder list: %r" % got)
    cmds = [e for e in entries_of(iid) if e["type"] == "command"]
    check(len(cmds) >= 7, "every presence change writes a command entry: %d entries" % len(cmds))
    expect_error(s.post(path(iid, "/responders"), {"role": "sre"}), 400, "missing_field")
    expect_error(s.post(path(iid, "/responders"), {"person": "X", "state": "asleep"}), 400, "invalid_field",
                 field="state")
    expect_error(s.patch(path(iid, "/responders/999999"), {"state": "onScene"}), 404, "not_found")


# ---------------------------------------------------------------- updates and cadence

@case
def test_updates_rules():
    """updates: milestone needs nextUpdateEta; holding defaults; status rules; incident ETA follows"""
    s = S()
    inc = s.open_incident("Updates %s" % tag(), "high")
    iid = inc["id"]
    expect_error(post_update(iid, body="x", audience="internal"), 400, "missing_field", field="nextUpdateEta")
    expect_error(post_update(iid, body="x", audience="internal", kind="milestone"), 400, "missing_field",
                 field="nextUpdateEta")
    expect_error(post_update(iid, audience="internal", nextUpdateEta=iso_in(600)), 400, "missing_field",
                 field="body")
    expect_error(post_update(iid, body="x", nextUpdateEta=iso_in(600)), 400, "missing_field", field="audience")
    expect_error(post_update(iid, body="x", audience="press", nextUpdateEta=iso_in(600)), 400, "invalid_field",
                 field="audience")
    expect_error(post_update(iid, body="x", audience="internal", kind="rumour", nextUpdateEta=iso_in(600)), 400,
                 "invalid_field", field="kind")
    r = s.get(path(iid, "/updates"))
    expect_status(r, 200)
    check(r.json["updates"] == [], "refused updates were written: %s" % short(r.json))
    # holding
    t0 = utcnow()
    r = post_update(iid, audience="internal", kind="holding")
    expect_status(r, 201)
    u = r.json
    check(u["kind"] == "holding" and isinstance(u.get("body"), str) and u["body"].strip(),
          "holding defaults its body: %s" % short(u))
    eta = parse_iso(u["nextUpdateEta"])
    delta = (eta - t0).total_seconds()
    check(14 * 60 - 5 <= delta <= 16 * 60 + 5, "holding ETA should be now + 15 min, is +%.0fs" % delta)
    cur = s.incident(iid)
    check(cur.get("nextUpdateEta") and parse_iso(cur["nextUpdateEta"]) == eta,
          "incident nextUpdateEta should follow the update: %r vs %r" % (cur.get("nextUpdateEta"), u["nextUpdateEta"]))
    for k in ("id", "incident", "at", "author", "body", "audience", "kind", "status", "nextUpdateEta"):
        check(k in u, "update lacks %r: %s" % (k, short(u)))
    # milestone with status
    r = post_update(iid, body="Cause identified", audience="exec", nextUpdateEta=iso_in(3600), status="identified")
    expect_status(r, 201)
    check(s.incident(iid)["status"] == "identified", "the update's status did not reach the incident")
    r = post_update(iid, body="Fixed?", audience="internal", nextUpdateEta=iso_in(3600), status="resolved")
    expect_error(r, 409, "doctrine")
    r = post_update(iid, body="All clear on our side", audience="internal", kind="resolution")
    expect_status(r, 201)
    check(r.json["kind"] == "resolution", "resolution update: %s" % short(r.json))
    lst = s.get(path(iid, "/updates")).json["updates"]
    check([x["kind"] for x in lst][:2] == ["holding", "milestone"], "updates oldest first: %s" % short(lst))
    ents = [e for e in entries_of(iid) if e["type"] == "update"]
    check(len(ents) == len(lst), "each update writes an update entry: %d entries for %d updates" % (len(ents), len(lst)))
    check(all(e["visibility"] == "internal" for e in ents), "non-public updates wrote public entries")


@case
def test_updates_public_permission():
    """updates: public audience needs an actor holding mim or customerOps (403 otherwise)"""
    s = S()
    inc = s.open_incident("Public updates %s" % tag(), "high")
    iid = inc["id"]
    body = {"body": "We are investigating.", "audience": "public", "nextUpdateEta": iso_in(1800)}
    expect_error(post_update(iid, actor="Random Person", **body), 403, "forbidden")
    expect_error(post_update(iid, **body), 403, "forbidden")
    check(s.get(path(iid, "/updates")).json["updates"] == [], "a forbidden update was written")
    expect_status(assign(iid, "mim", "Mia Commander"), 200)
    expect_status(assign(iid, "customerOps", "Cass Comms"), 200)
    expect_error(post_update(iid, actor="Random Person", **body), 403, "forbidden")
    r = post_update(iid, actor="Mia Commander", **body)
    expect_status(r, 201)
    check(r.json["audience"] == "public" and r.json["author"] == "Mia Commander", "public update: %s" % short(r.json))
    r = post_update(iid, actor="Cass Comms", **body)
    expect_status(r, 201)
    pub = [e for e in entries_of(iid) if e["type"] == "update"]
    check(len(pub) == 2 and all(e["visibility"] == "public" for e in pub),
          "public updates write public entries: %s" % short(pub))


@case
def test_cadence():
    """cadence: per audience, ETA +3 min → due, past → overdue, +1 h → ok, none when nothing published"""
    s = S()
    inc = s.open_incident("Cadence %s" % tag(), "high")
    iid = inc["id"]
    expect_status(assign(iid, "mim", "Mia Commander"), 200)
    check(s.incident(iid)["cadence"] == {"public": "none", "internal": "none", "exec": "none"},
          "cadence before any update: %r" % s.incident(iid)["cadence"])
    # a past ETA may be refused at posting time; an ETA that has since passed is overdue
    deadline = time.time() + 2.5
    expect_status(post_update(iid, body="exec late", audience="exec", nextUpdateEta=iso_ms_in(2.0)), 201)
    expect_status(post_update(iid, body="internal soon", audience="internal", nextUpdateEta=iso_in(180)), 201)
    expect_status(post_update(iid, body="public fine", audience="public", nextUpdateEta=iso_in(3600),
                              actor="Mia Commander"), 201)
    time.sleep(max(0.0, deadline - time.time()))
    cad = s.incident(iid)["cadence"]
    check(cad == {"public": "ok", "internal": "due", "exec": "overdue"},
          "cadence: expected public ok, internal due, exec overdue; got %r" % cad)
    # a later update for an audience replaces its deadline
    expect_status(post_update(iid, body="exec back on track", audience="exec", nextUpdateEta=iso_in(3600)), 201)
    cad = s.incident(iid)["cadence"]
    check(cad["exec"] == "ok", "exec cadence after a fresh update: %r" % cad)
    # listed incidents carry the same cadence
    r = s.get("/api/v1/incidents?state=all&limit=200")
    mine = [i for i in r.json["incidents"] if i["id"] == iid]
    check(mine and mine[0].get("cadence") == cad, "cadence in the list differs: %s" % short(mine))


# ---------------------------------------------------------------- timeline

@case
def test_timeline_post_after_amend():
    """timeline: POST entries, ?after= returns only later ones, limit/nextAfter, amends keep the original"""
    s = S()
    inc = s.open_incident("Timeline %s" % tag(), "medium")
    iid = inc["id"]
    made = []
    for i in range(5):
        r = s.post(path(iid, "/timeline"), {"text": "note %d" % i}, actor="Scribe Sam")
        expect_status(r, 201)
        e = r.json
        check(e["type"] == "action" and e["visibility"] == "internal" and e["author"] == "Scribe Sam"
              and e["text"] == "note %d" % i, "entry defaults: %s" % short(e))
        made.append(e)
    ids = [e["id"] for e in made]
    check(ids == sorted(ids) and len(set(ids)) == 5, "entry ids not increasing: %r" % ids)
    r = s.get(path(iid, "/timeline?after=%d" % ids[1]))
    expect_status(r, 200)
    got = [e["id"] for e in r.json["entries"]]
    check(got == ids[2:], "after=%d: expected %r, got %r" % (ids[1], ids[2:], got))
    check(r.json.get("nextAfter") is None, "nextAfter should be null on the last page: %r" % r.json.get("nextAfter"))
    r = s.get(path(iid, "/timeline?after=%d&limit=2" % ids[0]))
    expect_status(r, 200)
    got = [e["id"] for e in r.json["entries"]]
    check(got == ids[1:3], "after+limit=2: %r" % got)
    check(r.json.get("nextAfter") == ids[2], "nextAfter: expected %r, got %r" % (ids[2], r.json.get("nextAfter")))
    r = s.get(path(iid, "/timeline?after=%d" % ids[-1]))
    check(r.json["entries"] == [], "after the last id: %s" % short(r.json))
    # alert type, payload
    r = s.post(path(iid, "/timeline"), {"type": "alert", "text": "p99 > 2s", "payload": {"value": 2.4, "k": ["a"]}})
    expect_status(r, 201)
    check(r.json["type"] == "alert" and r.json["payload"] == {"value": 2.4, "k": ["a"]}, "alert entry: %s"
          % short(r.json))
    expect_error(s.post(path(iid, "/timeline"), {"type": "phase", "text": "sneaky"}), 400, "invalid_field",
                 field="type")
    expect_error(s.post(path(iid, "/timeline"), {}), 400, "missing_field", field="text")
    # amends
    r = s.post(path(iid, "/timeline"), {"text": "correction: it was note 9", "amends": ids[3]})
    expect_status(r, 201)
    check(r.json.get("amends") == ids[3], "amends not recorded: %s" % short(r.json))
    all_e = entries_of(iid)
    orig = [e for e in all_e if e["id"] == ids[3]]
    check(orig and orig[0]["text"] == "note 3", "the amended original must stay readable: %s" % short(orig))
    other = s.open_incident("Other timeline %s" % tag(), "low")
    n = len(entries_of(other["id"]))
    r = s.post(path(other["id"], "/timeline"), {"text": "wrong incident", "amends": ids[0]})
    expect_error(r, (400, 404, 409), field="amends")
    r = s.post(path(iid, "/timeline"), {"text": "nothing to amend", "amends": 99999999})
    expect_error(r, (400, 404, 409), field="amends")
    check(len(entries_of(other["id"])) == n, "a refused amend was written")


@case
def test_timeline_pages_stay_exact_as_it_grows():
    """timeline: a complete page served again is identical, and the tail page always shows new entries"""
    s = S()
    inc = s.open_incident("Paging %s" % tag(), "low")
    iid = inc["id"]
    for i in range(4):
        expect_status(s.post(path(iid, "/timeline"), {"text": "first %d" % i}), 201)
    first = s.get(path(iid, "/timeline?limit=2"))
    expect_status(first, 200)
    check(first.json.get("nextAfter") is not None, "a full page should say more remain: %s" % short(first.json))
    tail_after = first.json["entries"][-1]["id"]
    tail = s.get(path(iid, "/timeline?after=%d&limit=100" % tail_after)).json["entries"]
    for i in range(3):
        expect_status(s.post(path(iid, "/timeline"), {"text": "later %d" % i}), 201)
    again = s.get(path(iid, "/timeline?limit=2"))
    check(again.body == first.body, "a complete page changed: %s vs %s" % (short(first.json), short(again.json)))
    grown = s.get(path(iid, "/timeline?after=%d&limit=100" % tail_after)).json["entries"]
    check(len(grown) == len(tail) + 3 and [e["text"] for e in grown[-3:]] == ["later 0", "later 1", "later 2"],
          "the tail page missed new entries: %s" % short(grown))


@case
def test_timeline_public_permission():
    """timeline: public visibility needs mim or customerOps (403 otherwise)"""
    s = S()
    inc = s.open_incident("Public timeline %s" % tag(), "high")
    iid = inc["id"]
    n = len(entries_of(iid))
    expect_error(s.post(path(iid, "/timeline"), {"text": "public?", "visibility": "public"}, actor="Intern"),
                 403, "forbidden")
    check(len(entries_of(iid)) == n, "a forbidden public entry was written")
    expect_status(assign(iid, "customerOps", "Cass Comms"), 200)
    r = s.post(path(iid, "/timeline"), {"text": "We are aware.", "visibility": "public"}, actor="Cass Comms")
    expect_status(r, 201)
    check(r.json["visibility"] == "public", "visibility: %s" % short(r.json))
    expect_error(s.post(path(iid, "/timeline"), {"text": "x", "visibility": "secret"}), 400, "invalid_field",
                 field="visibility")


@case
def test_timeline_records_every_change():
    """timeline: role, responder, update, severity, phase changes each write their entry"""
    s = S()
    inc = s.open_incident("Every change %s" % tag(), "medium")
    iid = inc["id"]
    base = entries_of(iid)
    last = base[-1]["id"] if base else 0

    def new(kind):
        return len([e for e in s.timeline(iid, after=last) if e["type"] == kind])

    def step(what, kind, fn):
        before = new(kind)
        fn()
        got = new(kind) - before
        check(got == 1, "%s: expected 1 new %s entry, got %d" % (what, kind, got))
    step("role assignment", "command", lambda: expect_status(assign(iid, "mim", "M"), 200))
    rsp = {}
    step("responder dispatched", "command",
         lambda: rsp.update(add_responder(iid, person="R", role="sre", state="onScene")))
    step("severity change", "severity",
         lambda: expect_status(s.patch(path(iid), {"severity": "high", "severityReason": "spreading"}), 200))
    n = new("severity")
    expect_status(s.patch(path(iid), {"severity": "high"}), 200)
    check(new("severity") == n, "confirming the same severity should not write a severity (change) entry")
    step("phase", "phase", lambda: expect_phase(advance(iid), 2))
    step("update", "update", lambda: expect_status(post_update(iid, audience="internal", kind="holding"), 201))
    step("release", "command", lambda: expect_status(responder_state(iid, rsp["id"], "released"), 200))


if __name__ == "__main__":
    suite.main()
