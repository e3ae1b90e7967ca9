#!/usr/bin/env python3
"""The command doctrine end to end (issue 4): CAN reports and their lint, recovery tracks,
hypotheses, the two-step MIM hand-off, information authority, regulatory clocks and
public-statement approvals, the drafting assistant, the computed members of the incident,
the live stream, and guardrails written by the server's timer with no request in flight
(the clock moved with MAJOROPS_TEST_CLOCK_OFFSET_FILE, a test-build-only hook).
One shared server for most cases; the clock cases start their own."""

import datetime
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, SSEClient, Suite, check, expect_error, expect_status,  # noqa: E402
                     iso, iso_in, owned_server_check, parse_iso, short, utcnow)

suite = Suite("command")
case = suite.case
S = lambda: suite.shared()  # noqa: E731
MIN = 60 * 1000

VIEW_MEMBERS = ("guardrails", "firstTenMinutes", "tracks", "hypotheses", "cans", "handoff",
                "regulatoryClocks", "statementApproval", "informationAuthority")


def tag():
    return uuid.uuid4().hex[:8]


def path(iid, rest=""):
    return "/api/v1/incidents/%s%s" % (iid, rest)


def entries(server, iid, etype=None):
    out = server.timeline(iid)
    return [e for e in out if etype is None or e["type"] == etype]


def rules_of(err_or_list):
    return sorted(w["rule"] for w in err_or_list)


def open_staffed(server, title, severity="high", **fields):
    """An incident with a MIM (Mia Commander) and the actor names the cases use."""
    inc = server.open_incident("%s %s" % (title, tag()), severity, **fields)
    expect_status(server.put(path(inc["id"], "/roles/mim"), {"person": "Mia Commander"}), 200)
    return inc["id"]


def guardrail_rules(inc):
    g = inc.get("guardrails")
    check(isinstance(g, list), "incident has no guardrails list: %s" % short(inc))
    for n in g:
        check(set(n) >= {"rule", "severity", "message", "since"}, "nudge shape: %s" % short(n))
        parse_iso(n["since"])
        check(n["severity"] in ("info", "warning", "critical"), "nudge severity: %s" % short(n))
    return [n["rule"] for n in g]


# ---------------------------------------------------------------- the incident view

@case
def test_view_members():
    """view: incident carries guardrails, firstTenMinutes, tracks, hypotheses, cans, handoff, regulatoryClocks; no stored internals"""
    s = S()
    inc = s.open_incident("View %s" % tag(), "high", affectedSystems=["checkout"])
    for m in VIEW_MEMBERS:
        check(m in inc, "POST answer lacks %s: %s" % (m, short(inc)))
    got = s.incident(inc["id"])
    for m in VIEW_MEMBERS:
        check(m in got, "GET answer lacks %s" % m)
    check("command" not in got, "the stored projection leaks as 'command': %s" % short(got.get("command")))
    check(got["tracks"] == [] and got["hypotheses"] == [] and got["cans"] == [], "fresh lists not empty")
    check(got["handoff"] is None, "handoff should be null: %r" % got["handoff"])
    check(got["regulatoryClocks"] == [], "no clock offered without security: %s" % short(got["regulatoryClocks"]))
    check(got["statementApproval"] == {"required": False, "available": 0},
          "statementApproval: %s" % short(got["statementApproval"]))
    ft = got["firstTenMinutes"]
    items = {i["item"]: i for i in ft["items"]}
    check(len(ft["items"]) == 10, "ten checklist items: %s" % short(ft))
    for name in ("declared", "channel", "severitySet", "timelineStarted"):
        check(items[name]["state"] == "done", "%s should be done at opening: %s" % (name, short(items[name])))
        check(items[name]["at"] == got["openedAt"], "%s at %r, opened %r" % (name, items[name]["at"], got["openedAt"]))
    for name in ("mimAssigned", "rolesPaged", "bridgeOpen", "firstCan", "firstInternalUpdate"):
        check(items[name]["state"] == "pending", "%s should be pending: %s" % (name, short(items[name])))
    check(items["firstExternalUpdate"]["state"] == "notApplicable", "no external impact: %s"
          % short(items["firstExternalUpdate"]))
    check(ft["windowOpen"] is True and parse_iso(ft["windowEndsAt"]) - parse_iso(got["openedAt"])
          == datetime.timedelta(minutes=10), "window: %s" % short(ft))
    check(guardrail_rules(got) == [], "no nudge in the first minutes: %s" % short(got["guardrails"]))
    lst = s.get("/api/v1/incidents?state=all&limit=5")
    expect_status(lst, 200)
    mine = [i for i in lst.json["incidents"] if i["id"] == inc["id"]]
    check(mine and "guardrails" in mine[0] and "command" not in mine[0], "list items carry the view")


@case
def test_first_ten_ticks():
    """first ten minutes: MIM, page, bridge, CAN and updates tick their items with the time they happened"""
    s = S()
    inc = s.open_incident("Ticks %s" % tag(), "critical", externalImpact=True,
                          bridgeUrl="https://meet.example/x")
    iid = inc["id"]
    items = {i["item"]: i for i in inc["firstTenMinutes"]["items"]}
    check(items["bridgeOpen"]["state"] == "done", "bridge given at opening: %s" % short(items["bridgeOpen"]))
    expect_status(s.put(path(iid, "/roles/mim"), {"person": "Mia Commander"}), 200)
    expect_status(s.post(path(iid, "/responders"), {"person": "Sam Ortiz", "role": "sre"}), 201)
    expect_status(s.post(path(iid, "/can"), {"team": "App", "conditions": "5xx at 30%", "actions": "rollback",
                                             "needs": "none"}), 201)
    expect_status(s.post(path(iid, "/updates"), {"body": "Internal: investigating", "audience": "internal",
                                                 "nextUpdateEta": iso_in(1800)}), 201)
    r = s.post(path(iid, "/updates"), {"body": "We are investigating", "audience": "public",
                                        "nextUpdateEta": iso_in(1800)}, actor="Mia Commander")
    expect_status(r, 201)
    got = s.incident(iid)
    ft = got["firstTenMinutes"]
    items = {i["item"]: i for i in ft["items"]}
    for name in ("mimAssigned", "rolesPaged", "firstCan", "firstInternalUpdate", "firstExternalUpdate"):
        check(items[name]["state"] == "done" and items[name]["at"], "%s not ticked: %s" % (name, short(items[name])))
        check(items[name]["late"] is False, "%s late inside the window" % name)
    check(ft["done"] == 10 and ft["applicable"] == 10, "every item done: %s" % short(ft))


# ---------------------------------------------------------------- CAN reports

@case
def test_can_lint_round_trip():
    """CAN: 201 with lint warnings, recorded anyway; latest per team as cans with at; GET /can lists the timeline"""
    s = S()
    iid = open_staffed(s, "CAN", affectedSystems=["checkout", "payments"])
    r = s.post(path(iid, "/can"), {"team": "App team", "conditions": "I think the database is slow",
                                    "actions": "We will restart the pods", "needs": ""}, actor="Sam Ortiz")
    expect_status(r, 201)
    rep = r.json
    check(rep.get("id") == 1 and rep.get("incident") == iid, "report id/incident: %s" % short(rep))
    check(rep.get("team") == "App team" and rep.get("author") == "Sam Ortiz", "team/author: %s" % short(rep))
    parse_iso(rep.get("at"))
    rules = rules_of(rep.get("lint", []))
    check(rules == ["can.needsEmpty", "can.promise", "can.speculation"], "lint rules: %s" % short(rep.get("lint")))
    for w in rep["lint"]:
        check(w.get("slot") in ("conditions", "actions", "needs") and w.get("message"), "warning shape: %s" % short(w))
    spec = [w for w in rep["lint"] if w["rule"] == "can.speculation"][0]
    check(spec.get("term") == "I think", "speculation term: %s" % short(spec))
    r = s.post(path(iid, "/can"), {"team": "app TEAM ", "conditions": "p99 latency 4 s on checkout",
                                    "actions": "Rolling back build 512", "needs": "none"}, actor="Sam Ortiz")
    expect_status(r, 201)
    check(r.json["lint"] == [] and r.json["id"] == 2, "clean report: %s" % short(r.json))
    r = s.post(path(iid, "/can"), {"team": "Database", "conditions": "Replica lag 40 s",
                                    "actions": "Failing over", "needs": "A decision on read-only mode"},
               actor="Dee Bee")
    expect_status(r, 201)
    inc = s.incident(iid)
    cans = {c["team"]: c for c in inc["cans"]}
    check(len(inc["cans"]) == 2, "latest per team: 2 teams, got %s" % short(inc["cans"]))
    check(cans.get("app TEAM") and cans["app TEAM"]["conditions"] == "p99 latency 4 s on checkout",
          "the latest App report replaces the first: %s" % short(inc["cans"]))
    for c in inc["cans"]:
        parse_iso(c["at"])
    r = s.get(path(iid, "/can"))
    expect_status(r, 200)
    check([c["id"] for c in r.json["cans"]] == [1, 2, 3], "every report oldest first: %s" % short(r.json))
    check(len(r.json["latest"]) == 2, "latest: %s" % short(r.json["latest"]))
    r = s.get(path(iid, "/can?team=App%20Team"))
    expect_status(r, 200)
    check([c["id"] for c in r.json["cans"]] == [1, 2] and len(r.json["latest"]) == 1,
          "team filter (case-insensitive): %s" % short(r.json))
    es = entries(s, iid, "can")
    check(len(es) == 3, "three can entries: %s" % short(es))
    check(es[0]["payload"]["lint"] and es[0]["visibility"] == "internal" and es[0]["author"] == "Sam Ortiz",
          "entry carries the report: %s" % short(es[0]))
    check("App team" in es[0]["text"] and "I think" in es[0]["text"], "entry text: %r" % es[0]["text"])


@case
def test_can_bad_input():
    """CAN: blank report 400 conditions; missing team; unknown field; too long; unknown incident 404"""
    s = S()
    iid = s.open_incident("CAN bad %s" % tag(), "medium")["id"]
    expect_error(s.post(path(iid, "/can"), {"team": "App", "conditions": " ", "actions": "", "needs": None}),
                 400, "invalid_field", field="conditions")
    expect_error(s.post(path(iid, "/can"), {"conditions": "x"}), 400, "missing_field", field="team")
    expect_error(s.post(path(iid, "/can"), {"team": "App", "conditions": "x", "mood": "grim"}),
                 400, "unknown_field", field="mood")
    expect_error(s.post(path(iid, "/can"), {"team": "App", "conditions": "x" * 4001}), 400, "invalid_field",
                 field="conditions")
    expect_error(s.post(path(iid, "/can"), {"team": "A" * 101, "conditions": "x"}), 400, "invalid_field",
                 field="team")
    expect_error(s.post(path(iid, "/can"), {"team": "App", "conditions": 5}), 400, "invalid_field",
                 field="conditions")
    expect_error(s.post(path("INC-999999", "/can"), {"team": "App", "conditions": "x"}), 404, "not_found")
    expect_error(s.get(path("INC-999999", "/can")), 404, "not_found")
    check(entries(s, iid, "can") == [], "a refused report wrote an entry")


# ---------------------------------------------------------------- recovery tracks

@case
def test_tracks_lifecycle():
    """tracks: open → extend → escalate → succeeded; a succeeded track extended is 409 track.notActive"""
    s = S()
    iid = open_staffed(s, "Tracks")
    r = s.post(path(iid, "/tracks"), {"owner": "Sam Ortiz", "team": "App", "goal": "Roll back build 512",
                                       "timeboxMinutes": 30})
    expect_status(r, 201)
    t = r.json
    check(t["id"] == 1 and t["state"] == "active" and t["extensions"] == 0, "new track: %s" % short(t))
    check(parse_iso(t["deadline"]) - parse_iso(t["timeboxStartedAt"]) == datetime.timedelta(minutes=30),
          "deadline = start + 30 min: %s" % short(t))
    check(t["expired"] is False and t["needsAttention"] is False, "fresh track not expired")
    tid = t["id"]
    r = s.patch(path(iid, "/tracks/%d" % tid), {"timeboxMinutes": 45, "note": "new build needed"})
    expect_status(r, 200)
    check(r.json["extensions"] == 1 and r.json["timeboxMinutes"] == 45, "extended: %s" % short(r.json))
    check(parse_iso(r.json["deadline"]) - parse_iso(r.json["timeboxStartedAt"]) == datetime.timedelta(minutes=45),
          "new timebox from now: %s" % short(r.json))
    r = s.patch(path(iid, "/tracks/%d" % tid), {"escalate": True, "note": "needs DBA"})
    expect_status(r, 200)
    parse_iso(r.json["escalatedAt"])
    r = s.patch(path(iid, "/tracks/%d" % tid), {"state": "succeeded"})
    expect_status(r, 200)
    check(r.json["state"] == "succeeded" and r.json["endedAt"], "succeeded: %s" % short(r.json))
    n_entries = len(entries(s, iid, "track"))
    check(n_entries == 4, "open, extend, escalate, succeed entries: %d" % n_entries)
    expect_error(s.patch(path(iid, "/tracks/%d" % tid), {"timeboxMinutes": 10}), 409, "doctrine",
                 rule="track.notActive")
    expect_error(s.patch(path(iid, "/tracks/%d" % tid), {"state": "active"}), 409, "doctrine",
                 rule="track.notActive")
    expect_error(s.patch(path(iid, "/tracks/%d" % tid), {"escalate": True}), 409, "doctrine",
                 rule="track.notActive")
    expect_error(s.patch(path(iid, "/tracks/%d" % tid), {"goal": "other"}), 409, "doctrine",
                 rule="track.notActive")
    r = s.patch(path(iid, "/tracks/%d" % tid), {"state": "succeeded"})
    expect_status(r, 200)
    check(len(entries(s, iid, "track")) == n_entries, "the same state again wrote an entry")
    hist = [h["action"] for h in r.json["history"]]
    check(hist == ["opened", "extended", "escalated", "succeeded"], "history: %s" % hist)
    r = s.get(path(iid, "/tracks"))
    expect_status(r, 200)
    check([x["id"] for x in r.json["tracks"]] == [1], "GET tracks: %s" % short(r.json))
    inc = s.incident(iid)
    check(inc["tracks"][0]["state"] == "succeeded", "incident tracks: %s" % short(inc["tracks"]))
    e = entries(s, iid, "track")[-1]
    check(e["payload"]["action"] == "succeeded" and e["payload"]["track"]["id"] == 1, "entry payload: %s"
          % short(e["payload"]))


@case
def test_tracks_bad_input():
    """tracks: field validation (timebox range, required fields, empty PATCH), unknown track 404"""
    s = S()
    iid = open_staffed(s, "Tracks bad")
    good = {"owner": "Sam", "goal": "Fail over", "timeboxMinutes": 15}
    for field, value, code in (("timeboxMinutes", 0, "invalid_field"), ("timeboxMinutes", 1441, "invalid_field"),
                               ("timeboxMinutes", "15", "invalid_field"), ("owner", "", "invalid_field"),
                               ("state", "succeeded", "invalid_field")):
        body = dict(good)
        body[field] = value
        expect_error(s.post(path(iid, "/tracks"), body), 400, code, field=field)
    for field in ("owner", "goal", "timeboxMinutes"):
        body = dict(good)
        del body[field]
        expect_error(s.post(path(iid, "/tracks"), body), 400, "missing_field", field=field)
    r = s.post(path(iid, "/tracks"), good)
    expect_status(r, 201)
    check(r.json["team"] is None, "team absent is null: %s" % short(r.json))
    tid = r.json["id"]
    expect_error(s.patch(path(iid, "/tracks/%d" % tid), {}), 400, "missing_field")
    expect_error(s.patch(path(iid, "/tracks/%d" % tid), {"state": "paused"}), 400, "invalid_field", field="state")
    expect_error(s.patch(path(iid, "/tracks/99"), {"state": "failed"}), 404, "not_found")
    expect_error(s.patch(path(iid, "/tracks/abc"), {"state": "failed"}), 404, "not_found")
    r = s.patch(path(iid, "/tracks/%d" % tid), {"owner": "Dee", "state": "abandoned"})
    expect_status(r, 200)
    check(r.json["owner"] == "Dee" and r.json["state"] == "abandoned", "edit + abandon: %s" % short(r.json))


# ---------------------------------------------------------------- hypotheses

@case
def test_hypotheses():
    """hypotheses: proposed → testing → rejected with evidence; rejected back to testing is 409 hypothesis.terminal"""
    s = S()
    iid = open_staffed(s, "Hypotheses")
    r = s.post(path(iid, "/hypotheses"), {"statement": "Connection pool exhausted after deploy 512"},
               actor="Sam Ortiz")
    expect_status(r, 201)
    h = r.json
    check(h["id"] == 1 and h["state"] == "proposed" and h["owner"] == "Sam Ortiz", "new: %s" % short(h))
    expect_error(s.patch(path(iid, "/hypotheses/1"), {"state": "confirmed", "evidence": "x"}), 409, "doctrine",
                 rule="hypothesis.untested")
    expect_status(s.patch(path(iid, "/hypotheses/1"), {"state": "testing"}), 200)
    expect_error(s.patch(path(iid, "/hypotheses/1"), {"state": "proposed"}), 409, "doctrine",
                 rule="hypothesis.forwardOnly")
    expect_error(s.patch(path(iid, "/hypotheses/1"), {"state": "rejected"}), 409, "doctrine",
                 rule="hypothesis.evidenceRequired")
    r = s.patch(path(iid, "/hypotheses/1"), {"state": "rejected", "evidence": "Pool at 20% during the errors"})
    expect_status(r, 200)
    check(r.json["state"] == "rejected" and r.json["concludedAt"], "rejected: %s" % short(r.json))
    expect_error(s.patch(path(iid, "/hypotheses/1"), {"state": "testing"}), 409, "doctrine",
                 rule="hypothesis.terminal")
    expect_error(s.patch(path(iid, "/hypotheses/1"), {"evidence": "rewritten"}), 409, "doctrine",
                 rule="hypothesis.terminal")
    r = s.post(path(iid, "/hypotheses"), {"statement": "Bad feature flag", "owner": "Dee", "state": "testing"})
    expect_status(r, 201)
    expect_status(s.patch(path(iid, "/hypotheses/2"), {"state": "confirmed", "evidence": "Flag flip fixed canary"}),
                  200)
    r = s.post(path(iid, "/hypotheses"), {"statement": "DNS", "state": "rejected", "evidence": "Resolvers healthy"})
    expect_status(r, 201)
    expect_error(s.post(path(iid, "/hypotheses"), {"statement": "Cosmic rays", "state": "confirmed",
                                                    "evidence": "vibes"}), 409, "doctrine",
                 rule="hypothesis.untested")
    r = s.get(path(iid, "/hypotheses?state=rejected"))
    expect_status(r, 200)
    tried = r.json["hypotheses"]
    check([h["id"] for h in tried] == [1, 3], "rejected ones: %s" % short(tried))
    check(tried[0]["evidence"] == "Pool at 20% during the errors", "why it was dropped: %s" % short(tried[0]))
    check([x["to"] for x in tried[0]["history"]] == ["proposed", "testing", "rejected"],
          "history: %s" % short(tried[0]["history"]))
    r = s.get(path(iid, "/hypotheses"))
    check(len(r.json["hypotheses"]) == 3, "all: %s" % short(r.json))
    expect_error(s.get(path(iid, "/hypotheses?state=maybe")), 400, "invalid_field", field="state")
    expect_error(s.patch(path(iid, "/hypotheses/9"), {"state": "testing"}), 404, "not_found")
    expect_error(s.post(path(iid, "/hypotheses"), {"owner": "x"}), 400, "missing_field", field="statement")
    es = entries(s, iid, "hypothesis")
    check(len(es) == 6, "six hypothesis entries (3 created, 3 moved): %d" % len(es))
    check("Pool at 20%" in es[2]["text"], "rejection entry says why: %r" % es[2]["text"])


# ---------------------------------------------------------------- hand-off and roles

BRIEF = {"conditions": "Checkout 5xx at 30%, DB replica lagging", "actions": "Rollback in flight",
         "needs": "none"}


@case
def test_handoff_two_steps():
    """hand-off: the MIM offers with a CAN brief, the offered person accepts; both steps on the timeline"""
    s = S()
    iid = open_staffed(s, "Handoff")
    expect_status(s.put(path(iid, "/roles/deputy"), {"person": "Lee Park"}), 200)
    n0 = len(entries(s, iid, "command"))
    expect_error(s.post(path(iid, "/handoff/accept"), {}, actor="Lee Park"), 409, "doctrine", rule="handoff.noOffer")
    expect_error(s.post(path(iid, "/handoff"), {"to": "Lee Park", "brief": BRIEF}, actor="Sam Ortiz"), 409,
                 "doctrine", rule="handoff.notMim")
    r = s.post(path(iid, "/handoff"), {"to": " Lee Park ", "brief": BRIEF}, actor="Mia Commander")
    expect_status(r, 200)
    inc = r.json
    check(inc["roles"]["mim"] == "Mia Commander", "the role does not move on offer: %s" % short(inc["roles"]))
    h = inc["handoff"]
    check(h and h["from"] == "Mia Commander" and h["to"] == "Lee Park" and h["brief"]["actions"] == "Rollback in flight",
          "pending offer: %s" % short(h))
    parse_iso(h["offeredAt"])
    check(h["lint"] == [], "clean brief: %s" % short(h["lint"]))
    expect_error(s.post(path(iid, "/handoff"), {"to": "Other", "brief": BRIEF}, actor="Mia Commander"), 409,
                 "doctrine", rule="handoff.alreadyPending")
    expect_error(s.post(path(iid, "/handoff/accept"), {}, actor="Sam Ortiz"), 409, "doctrine",
                 rule="handoff.notOffered")
    r = s.post(path(iid, "/handoff/accept"), actor="lee park")
    expect_status(r, 200)
    inc = r.json
    check(inc["roles"]["mim"] == "Lee Park" and inc["roles"]["deputy"] is None,
          "accepted: MIM moves, the deputy seat empties: %s" % short(inc["roles"]))
    check(inc["handoff"] is None and inc["informationAuthority"] == "Lee Park", "after accept: %s"
          % short({k: inc[k] for k in ("handoff", "informationAuthority")}))
    es = entries(s, iid, "command")[n0:]
    kinds = [e["payload"].get("action") for e in es]
    check(kinds == ["offered", "accepted"], "timeline steps: %s" % short(es))
    check("offers command to Lee Park" in es[0]["text"] and "Rollback in flight" in es[0]["text"],
          "offer text: %r" % es[0]["text"])
    check("is now MIM" in es[1]["text"], "accept text: %r" % es[1]["text"])
    expect_error(s.post(path(iid, "/handoff/accept"), {}, actor="Lee Park"), 409, "doctrine", rule="handoff.noOffer")


@case
def test_handoff_withdraw_and_brief():
    """hand-off: withdraw/decline, nothing to withdraw, brief validation and noBrief, self offer, body rules"""
    s = S()
    iid = open_staffed(s, "Withdraw")
    expect_error(s.post(path(iid, "/handoff/withdraw"), {}, actor="Mia Commander"), 409, "doctrine",
                 rule="handoff.noOffer")
    expect_error(s.post(path(iid, "/handoff"), {"to": "Lee"}, actor="Mia Commander"), 400, "missing_field",
                 field="brief")
    expect_error(s.post(path(iid, "/handoff"), {"to": "Lee", "brief": {"conditions": "x", "mood": 1}},
                        actor="Mia Commander"), 400, "unknown_field", field="brief.mood")
    expect_error(s.post(path(iid, "/handoff"), {"to": "Lee", "brief": {"conditions": " ", "actions": ""}},
                        actor="Mia Commander"), 409, "doctrine", rule="handoff.noBrief")
    expect_error(s.post(path(iid, "/handoff"), {"to": "mia commander", "brief": BRIEF}, actor="Mia Commander"),
                 409, "doctrine", rule="handoff.selfOffer")
    r = s.post(path(iid, "/handoff"), {"to": "Lee", "brief": {"conditions": "Maybe the cache", "actions": "",
                                                              "needs": ""}}, actor="Mia Commander")
    expect_status(r, 200)
    check(sorted(w["rule"] for w in r.json["handoff"]["lint"]) == ["can.allConditions", "can.needsEmpty",
                                                                   "can.speculation"],
          "the brief is linted: %s" % short(r.json["handoff"]["lint"]))
    expect_error(s.post(path(iid, "/handoff/withdraw"), {}, actor="Nobody"), 409, "doctrine",
                 rule="handoff.notParty")
    expect_error(s.post(path(iid, "/handoff/accept"), {"now": True}, actor="Lee"), 400, "unknown_field")
    r = s.post(path(iid, "/handoff/withdraw"), {}, actor="Lee")
    expect_status(r, 200)
    check(r.json["handoff"] is None and r.json["roles"]["mim"] == "Mia Commander", "declined: %s"
          % short(r.json["handoff"]))
    e = entries(s, iid, "command")[-1]
    check(e["payload"]["action"] == "declined" and "declined" in e["text"], "decline entry: %s" % short(e))
    expect_status(s.post(path(iid, "/handoff"), {"to": "Lee", "brief": BRIEF}, actor="Mia Commander"), 200)
    r = s.post(path(iid, "/handoff/withdraw"), {}, actor="Mia Commander")
    expect_status(r, 200)
    e = entries(s, iid, "command")[-1]
    check(e["payload"]["action"] == "withdrawn", "withdraw entry: %s" % short(e))
    expect_error(s.post(path(iid, "/handoff/accept"), {}, actor="Lee"), 409, "doctrine", rule="handoff.noOffer")
    # an SRE cannot take command without releasing the SRE role first (never mim+sre)
    expect_status(s.put(path(iid, "/roles/sre"), {"person": "Sam Ortiz"}), 200)
    expect_error(s.post(path(iid, "/handoff"), {"to": "Sam Ortiz", "brief": BRIEF}, actor="Mia Commander"), 409,
                 "doctrine", rule="roles.neverCombine")


@case
def test_second_mim_refused():
    """roles: PUT roles/mim replacing a sitting MIM is 409 handoff.required; vacancy, same person and vacating stay allowed"""
    s = S()
    iid = s.open_incident("Second MIM %s" % tag(), "high")["id"]
    expect_status(s.put(path(iid, "/roles/mim"), {"person": "Mia Commander"}), 200)
    v = s.incident(iid)["version"]
    err = expect_error(s.put(path(iid, "/roles/mim"), {"person": "Lee Park"}), 409, "doctrine",
                       rule="handoff.required")
    check("hand-off" in err["message"], "the refusal names the way: %r" % err["message"])
    check(s.incident(iid)["version"] == v, "a refused assignment changed the incident")
    expect_status(s.put(path(iid, "/roles/mim"), {"person": " mia commander "}), 200)
    r = s.put(path(iid, "/roles/mim"), {"person": ""})
    expect_status(r, 200)
    r = s.put(path(iid, "/roles/mim"), {"person": "Lee Park"})
    expect_status(r, 200)
    check(r.json["roles"]["mim"] == "Lee Park", "a vacancy is filled directly")


@case
def test_offer_lapses_when_mim_vacated():
    """hand-off: a pending offer lapses when the offering MIM leaves the role another way"""
    s = S()
    iid = open_staffed(s, "Lapse")
    expect_status(s.post(path(iid, "/handoff"), {"to": "Lee", "brief": BRIEF}, actor="Mia Commander"), 200)
    r = s.put(path(iid, "/roles/mim"), {"person": ""})
    expect_status(r, 200)
    check(r.json["handoff"] is None, "the offer should lapse: %s" % short(r.json["handoff"]))
    expect_error(s.post(path(iid, "/handoff/accept"), {}, actor="Lee"), 409, "doctrine", rule="handoff.noOffer")


# ---------------------------------------------------------------- information authority

@case
def test_information_authority():
    """authority: the MIM gives bridge control to an SME and it returns; refusals name their rule"""
    s = S()
    iid = open_staffed(s, "Authority")
    check(s.incident(iid)["informationAuthority"] == "Mia Commander", "the MIM holds it by default")
    expect_error(s.post(path(iid, "/authority"), {"to": "Sam Ortiz"}, actor="Sam Ortiz"), 409, "doctrine",
                 rule="authority.notMim")
    expect_error(s.post(path(iid, "/authority/return"), {}, actor="Mia Commander"), 409, "doctrine",
                 rule="authority.notGiven")
    expect_error(s.post(path(iid, "/authority"), {"to": "Mia Commander"}, actor="Mia Commander"), 409,
                 "doctrine", rule="authority.alreadyHolder")
    expect_error(s.post(path(iid, "/authority"), {}, actor="Mia Commander"), 400, "missing_field", field="to")
    r = s.post(path(iid, "/authority"), {"to": "Sam Ortiz"}, actor="Mia Commander")
    expect_status(r, 200)
    check(r.json["informationAuthority"] == "Sam Ortiz" and r.json.get("informationAuthorityDelegated") is True,
          "given: %s" % short(r.json["informationAuthority"]))
    check(s.incident(iid)["informationAuthority"] == "Sam Ortiz", "persisted")
    expect_error(s.post(path(iid, "/authority/return"), {}, actor="Dee"), 409, "doctrine",
                 rule="authority.notHolder")
    r = s.post(path(iid, "/authority/return"), actor="Sam Ortiz")
    expect_status(r, 200)
    check(r.json["informationAuthority"] == "Mia Commander", "returned: %s" % short(r.json["informationAuthority"]))
    es = [e for e in entries(s, iid, "command") if e["payload"] and e["payload"].get("action") in ("given", "returned")]
    check([e["payload"]["action"] for e in es] == ["given", "returned"], "recorded: %s" % short(es))
    expect_error(s.post(path(s.open_incident("No MIM %s" % tag(), "low")["id"], "/authority"), {"to": "X"}), 409,
                 "doctrine", rule="authority.noMim")


# ---------------------------------------------------------------- Sev-0 posture

@case
def test_regulatory_clocks():
    """clocks: GDPR offered on security; started 72 h from awareness; countdown; duplicate and met refusals; custom clock"""
    s = S()
    inc = s.open_incident("Breach %s" % tag(), "high", security=True)
    iid = inc["id"]
    offered = inc["regulatoryClocks"]
    check(len(offered) == 1 and offered[0]["kind"] == "gdpr" and offered[0]["state"] == "offered"
          and offered[0]["hours"] == 72 and offered[0]["deadline"] is None, "GDPR offered: %s" % short(offered))
    aware = utcnow() - datetime.timedelta(hours=50)
    r = s.post(path(iid, "/clocks"), {"kind": "gdpr", "awareAt": iso(aware)})
    expect_status(r, 201)
    c = r.json
    check(parse_iso(c["deadline"]) - parse_iso(c["awareAt"]) == datetime.timedelta(hours=72), "72 h: %s" % short(c))
    check(c["state"] == "due" and 21 * 3600 < c["remainingSeconds"] <= 22 * 3600, "countdown: %s" % short(c))
    got = s.incident(iid)
    check([x["state"] for x in got["regulatoryClocks"]] == ["due"], "no offer once started: %s"
          % short(got["regulatoryClocks"]))
    rules = guardrail_rules(got)
    check("guardrail.regulatoryClock" in rules, "under 24 h: a regulatory guardrail: %s" % rules)
    expect_error(s.post(path(iid, "/clocks"), {"kind": "gdpr"}), 409, "doctrine", rule="clock.duplicate")
    expect_error(s.post(path(iid, "/clocks"), {"kind": "gdpr", "awareAt": iso_in(3600)}), 409, "doctrine",
                 rule="clock.duplicate")
    expect_error(s.post(path(iid, "/clocks"), {"kind": "gdpr", "deadline": iso_in(3600)}), 400, "invalid_field",
                 field="deadline")
    expect_error(s.post(path(iid, "/clocks"), {"kind": "custom", "name": "Card schemes"}), 400, "missing_field",
                 field="deadline")
    expect_error(s.post(path(iid, "/clocks"), {"kind": "sox"}), 400, "invalid_field", field="kind")
    r = s.post(path(iid, "/clocks"), {"kind": "custom", "name": "Card scheme notice", "deadline": iso_in(5 * 86400)})
    expect_status(r, 201)
    check(r.json["state"] == "running" and r.json["awareAt"] is None, "custom clock: %s" % short(r.json))
    r = s.patch(path(iid, "/clocks/%d" % c["id"]), {"met": True, "note": "Filed with the DPA, ref 77"})
    expect_status(r, 200)
    check(r.json["state"] == "met" and r.json["met"] is True and r.json["remainingSeconds"] is None,
          "met: %s" % short(r.json))
    expect_error(s.patch(path(iid, "/clocks/%d" % c["id"]), {"met": True}), 409, "doctrine", rule="clock.alreadyMet")
    expect_error(s.patch(path(iid, "/clocks/%d" % c["id"]), {"met": False}), 400, "invalid_field", field="met")
    expect_error(s.patch(path(iid, "/clocks/42"), {"met": True}), 404, "not_found")
    got = s.incident(iid)
    check("guardrail.regulatoryClock" not in guardrail_rules(got), "a met clock stops nudging")
    r = s.get(path(iid, "/clocks"))
    expect_status(r, 200)
    check([x["state"] for x in r.json["clocks"]] == ["met", "running"], "GET clocks: %s" % short(r.json))
    texts = [e["text"] for e in entries(s, iid, "command") if "Regulatory clock" in e["text"]]
    check(len(texts) == 3 and "72 h from awareness" in texts[0], "clock entries: %s" % short(texts))


@case
def test_public_statement_approval():
    """approvals: a public update on a security incident needs a recorded approval first (409 approval.required), one per statement"""
    s = S()
    iid = open_staffed(s, "Approval", security=True)
    upd = {"body": "We are investigating an issue", "audience": "public", "nextUpdateEta": iso_in(1800)}
    err = expect_error(s.post(path(iid, "/updates"), upd, actor="Mia Commander"), 409, "doctrine",
                       rule="approval.required")
    check("approval" in err["message"], "message: %r" % err["message"])
    expect_error(s.post(path(iid, "/approvals"), {"text": "ok"}, actor="Mia Commander"), 409, "doctrine",
                 rule="approval.notApprover")
    expect_status(s.put(path(iid, "/roles/legal"), {"person": "Lena Legal"}), 200)
    r = s.post(path(iid, "/approvals"), {"text": "Approved wording: investigating an issue"}, actor="Lena Legal")
    expect_status(r, 201)
    check(r.json["approver"] == "Lena Legal" and r.json["role"] == "legal" and r.json["usedAt"] is None,
          "approval: %s" % short(r.json))
    check(s.incident(iid)["statementApproval"] == {"required": True, "available": 1}, "one available")
    expect_status(s.post(path(iid, "/updates"), upd, actor="Mia Commander"), 201)
    r = s.get(path(iid, "/approvals"))
    expect_status(r, 200)
    check(r.json["available"] == 0 and r.json["approvals"][0]["usedAt"], "spent: %s" % short(r.json))
    expect_error(s.post(path(iid, "/updates"), upd, actor="Mia Commander"), 409, "doctrine",
                 rule="approval.required")
    # internal updates need none; the approval is on the timeline before the public update
    expect_status(s.post(path(iid, "/updates"), dict(upd, audience="internal")), 201)
    es = s.timeline(iid)
    idx_approval = [i for i, e in enumerate(es) if e["payload"] and e["payload"].get("action") == "approved"]
    idx_public = [i for i, e in enumerate(es) if e["type"] == "update" and e["visibility"] == "public"]
    check(len(idx_approval) == 1 and len(idx_public) == 1 and idx_approval[0] < idx_public[0],
          "approval recorded before the public update: %s / %s" % (idx_approval, idx_public))
    # existential (Sev-0) too; an ordinary incident needs none
    ex = open_staffed(s, "Sev0", "critical", existential=True)
    expect_error(s.post(path(ex, "/updates"), upd, actor="Mia Commander"), 409, "doctrine", rule="approval.required")
    plain = open_staffed(s, "Plain")
    expect_status(s.post(path(plain, "/updates"), upd, actor="Mia Commander"), 201)


# ---------------------------------------------------------------- the drafting assistant

SECRETS = ("SECRET-DESC", "SECRET-BIZ", "SECRET-RISK", "SECRET-EXEC", "SECRET-CAN", "SECRET-NEED",
           "SECRET-TRACK", "SECRET-HYP", "Mia Commander", "Sam Ortiz", "12,345", "12345")


@case
def test_assist():
    """assist: suggestion, draft (public leaks nothing internal; internal has the CANs), brief; builtin source"""
    s = S()
    iid = open_staffed(s, "Checkout API errors", affectedSystems=["Checkout API", "Payments"])
    expect_status(s.patch(path(iid, ""), {"description": "SECRET-DESC root cause", "businessImpact": "SECRET-BIZ",
                                           "riskLevel": "SECRET-RISK", "execSummary": "SECRET-EXEC",
                                           "customerCount": 12345,
                                           "customerImpactSummary": "Some customers cannot pay."}), 200)
    expect_status(s.post(path(iid, "/can"), {"team": "Checkout API", "conditions": "SECRET-CAN errors at 30%",
                                             "actions": "Rolling back", "needs": "SECRET-NEED"},
                         actor="Sam Ortiz"), 201)
    expect_status(s.post(path(iid, "/tracks"), {"owner": "Sam Ortiz", "goal": "SECRET-TRACK", "timeboxMinutes": 30}),
                  201)
    expect_status(s.post(path(iid, "/hypotheses"), {"statement": "SECRET-HYP"}), 201)
    r = s.get(path(iid, "/assist/draft?audience=public"))
    expect_status(r, 200)
    check(r.json.get("source") == "builtin" and r.json.get("audience") == "public", "draft: %s" % short(r.json))
    text = r.json["text"]
    check("Checkout API errors" in text and "Some customers cannot pay." in text, "public draft: %r" % text)
    for secret in SECRETS:
        check(secret not in text, "the public draft leaks %r: %r" % (secret, text))
    r = s.get(path(iid, "/assist/draft"))
    check(r.json["audience"] == "public" and r.json["text"] == text, "public is the default audience")
    r = s.get(path(iid, "/assist/draft?audience=internal"))
    expect_status(r, 200)
    check("SECRET-CAN" in r.json["text"] and "12,345" in r.json["text"], "internal draft: %r" % r.json["text"])
    check("SECRET-NEED" not in r.json["text"], "Needs are never drafted: %r" % r.json["text"])
    r = s.get(path(iid, "/assist/brief"))
    expect_status(r, 200)
    b = r.json["text"]
    check("SECRET-BIZ" in b and "SECRET-EXEC" in b and "SECRET-RISK" in b and "\n" not in b.strip(),
          "one-paragraph brief: %r" % b)
    r = s.get(path(iid, "/assist/suggestion"))
    expect_status(r, 200)
    sug = r.json["text"]
    check(sug.startswith("Phase 1 of 8, Alert") and "Gaps on the fireground" in sug, "suggestion: %r" % sug)
    check("deputy" in sug.lower(), "the suggestion names the vacant roles: %r" % sug)
    check(r.json.get("audience") is None, "audience only for drafts: %s" % short(r.json))
    expect_error(s.get(path(iid, "/assist/poem")), 404, "not_found")
    expect_error(s.get(path(iid, "/assist/draft?audience=everyone")), 400, "invalid_field", field="audience")
    expect_error(s.get(path("INC-999999", "/assist/brief")), 404, "not_found")
    n = len(s.timeline(iid))
    s.get(path(iid, "/assist/draft"))
    check(len(s.timeline(iid)) == n, "drafting wrote to the timeline")
    sec = open_staffed(s, "Unauthorized access to billing DB", security=True, affectedSystems=["Billing"])
    t = s.get(path(sec, "/assist/draft?audience=public")).json["text"]
    check("Unauthorized" not in t and "Billing" in t, "a security incident's title stays out: %r" % t)


# ---------------------------------------------------------------- live stream

@case
def test_stream_events():
    """stream: CAN, track, hypothesis, hand-off and authority commands are pushed with their entries"""
    s = S()
    iid = open_staffed(s, "Stream")
    sse = SSEClient(s, "/api/v1/stream?incident=%s" % iid)
    try:
        check(sse.status == 200, "stream status %s" % sse.status)
        expect_status(s.post(path(iid, "/can"), {"team": "App", "conditions": "x", "needs": "none"}), 201)
        expect_status(s.post(path(iid, "/tracks"), {"owner": "Sam", "goal": "g", "timeboxMinutes": 5}), 201)
        expect_status(s.post(path(iid, "/hypotheses"), {"statement": "h"}), 201)
        expect_status(s.post(path(iid, "/handoff"), {"to": "Lee", "brief": BRIEF}, actor="Mia Commander"), 200)
        expect_status(s.post(path(iid, "/handoff/accept"), {}, actor="Lee"), 200)
        expect_status(s.post(path(iid, "/authority"), {"to": "Sam"}, actor="Lee"), 200)
        want = ["can.reported", "track.changed", "hypothesis.changed", "handoff.offered", "handoff.accepted",
                "authority.changed"]
        evs = sse.collect(count=len(want), timeout=10)
    finally:
        sse.close()
    check([e.type for e in evs] == want, "event types: %s" % [e.type for e in evs])
    for e in evs:
        check(e.data and e.data.get("entry") and e.data["entry"]["visibility"] == "internal",
              "%s carries its internal entry: %s" % (e.type, short(e.data)))
        st = e.data.get("incidentState", {})
        check("guardrails" in st and "command" not in st, "%s incidentState is the view" % e.type)
    check(evs[0].data["can"]["team"] == "App" and evs[1].data["track"]["goal"] == "g"
          and evs[2].data["hypothesis"]["statement"] == "h", "extras: %s" % short([e.data for e in evs[:3]]))
    check(evs[4].data["incidentState"]["roles"]["mim"] == "Lee", "accept event shows the new MIM")


# ---------------------------------------------------------------- guardrails

@case
def test_validation_short_guardrail():
    """guardrails: resolving a critical incident after a short validation (override) stays flagged validationShort"""
    s = S()
    iid = open_staffed(s, "Short validation", "critical")
    r = s.post(path(iid, "/phase"), {"to": 7, "override": "drill of the rule"})
    expect_status(r, 200)
    r = s.post(path(iid, "/phase"), {"to": 8, "override": "impatient"})
    expect_status(r, 200)
    rules = guardrail_rules(r.json)
    check(rules == ["guardrail.validationShort"], "resolved incident: only validationShort: %s" % rules)


def clock_server():
    """A server of its own whose clock the case moves, sweeping every 200 ms."""
    d = __import__("tempfile").mkdtemp(prefix="majorops-clock-")
    offset_file = os.path.join(d, "offset")
    with open(offset_file, "w") as f:
        f.write("0")
    srv = Server(workdir=d, env={"MAJOROPS_TEST_CLOCK_OFFSET_FILE": offset_file,
                                 "MAJOROPS_GUARDRAIL_SWEEP_MS": "200"})
    srv.own_dir = True

    def jump(minutes):
        with open(offset_file + ".tmp", "w") as f:
            f.write(str(int(minutes * MIN)))
        os.replace(offset_file + ".tmp", offset_file)
    return srv.start(), jump


def wait_guardrail(sse, rule, timeout=8.0):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        ev = sse.next(timeout=max(0.1, deadline - time.time()))
        if ev is None:
            continue
        seen.append(ev.type)
        if ev.type == "guardrail.fired" and ev.data and ev.data.get("guardrail", {}).get("rule") == rule:
            return ev
    raise AssertionError("no guardrail.fired %s within %.0f s (saw %s)" % (rule, timeout, seen))


@case
def test_guardrail_fires_on_timer():
    """guardrails: with no request in flight the timer writes a nudge once to the timeline and the stream"""
    srv, jump = clock_server()
    try:
        inc = srv.open_incident("Quiet incident %s" % tag(), "high")
        iid = inc["id"]
        opened = parse_iso(inc["openedAt"])
        sse = SSEClient(srv, "/api/v1/stream?incident=%s" % iid)
        try:
            time.sleep(0.6)  # a few sweeps: nothing is due yet
            check(sse.next(timeout=0.2) is None, "an event before any threshold")
            jump(6)  # past "no MIM 5 min after opening"; no request from here on
            ev = wait_guardrail(sse, "guardrail.noMim")
        finally:
            sse.close()
        g = ev.data["guardrail"]
        check(g["severity"] == "critical" and parse_iso(g["since"]) == opened + datetime.timedelta(minutes=5),
              "nudge: %s" % short(g))
        check(ev.data["entry"]["type"] == "guardrail" and ev.data["entry"]["author"] == "majorops",
              "entry: %s" % short(ev.data["entry"]))
        check("guardrail.noMim" in [n["rule"] for n in ev.data["incidentState"]["guardrails"]],
              "incidentState lists the nudge")
        time.sleep(1.0)  # five more sweeps: written once
        gs = entries(srv, iid, "guardrail")
        check([e["payload"]["rule"] for e in gs] == ["guardrail.noMim"], "written once: %s" % short(gs))
        check(gs[0]["text"] == g["message"] and gs[0]["visibility"] == "internal", "entry: %s" % short(gs[0]))
        # a track whose timebox runs out, then the ten-minute marks
        r = srv.post(path(iid, "/tracks"), {"owner": "Sam", "goal": "Fail over", "timeboxMinutes": 3})
        expect_status(r, 201)
        tid = r.json["id"]
        sse = SSEClient(srv, "/api/v1/stream?incident=%s" % iid)
        try:
            jump(11)
            wait_guardrail(sse, "guardrail.trackExpired")
        finally:
            sse.close()
        time.sleep(0.6)
        rules = [e["payload"]["rule"] for e in entries(srv, iid, "guardrail")]
        for rule in ("guardrail.noCan", "guardrail.staffing", "guardrail.trackExpired"):
            check(rules.count(rule) == 1, "%s written once: %s" % (rule, rules))
        check(rules.count("guardrail.noMim") == 1, "noMim not written again: %s" % rules)
        inc = srv.incident(iid)
        t = inc["tracks"][0]
        check(t["expired"] and t["needsAttention"], "the track shows as expired: %s" % short(t))
        items = {i["item"]: i["state"] for i in inc["firstTenMinutes"]["items"]}
        check(items["mimAssigned"] == "overdue" and items["firstCan"] == "overdue", "checklist overdue: %s" % items)
        # escalating answers the expired timebox; an extension that runs out fires again
        expect_status(srv.patch(path(iid, "/tracks/%d" % tid), {"escalate": True}), 200)
        check("guardrail.trackExpired" not in guardrail_rules(srv.incident(iid)), "escalated: no nudge")
        expect_status(srv.patch(path(iid, "/tracks/%d" % tid), {"timeboxMinutes": 2}), 200)
        jump(14)
        deadline = time.time() + 5
        while time.time() < deadline:
            rules = [e["payload"]["rule"] for e in entries(srv, iid, "guardrail")]
            if rules.count("guardrail.trackExpired") == 2:
                break
            time.sleep(0.2)
        check(rules.count("guardrail.trackExpired") == 2, "the extension ran out: a second firing: %s" % rules)
        # MIM assigned: noMim clears; vacated later it fires again with a new since
        expect_status(srv.put(path(iid, "/roles/mim"), {"person": "Mia"}), 200)
        check("guardrail.noMim" not in guardrail_rules(srv.incident(iid)), "noMim cleared")
        expect_status(srv.put(path(iid, "/roles/mim"), {"person": ""}), 200)
        jump(20)
        deadline = time.time() + 5
        while time.time() < deadline:
            gs = [e for e in entries(srv, iid, "guardrail") if e["payload"]["rule"] == "guardrail.noMim"]
            if len(gs) == 2:
                break
            time.sleep(0.2)
        check(len(gs) == 2 and gs[1]["payload"]["since"] != gs[0]["payload"]["since"],
              "a new vacancy is a new firing: %s" % short(gs))
    finally:
        problems = srv.stop()
        srv.cleanup()
    check(not problems, "; ".join(problems))


@case
def test_guardrails_after_resolution_on_timer():
    """guardrails: the timer writes the nudges that outlive resolution (noAfterAction) to a resolved incident, once"""
    srv, jump = clock_server()
    try:
        iid = open_staffed(srv, "Resolved quietly", "high")
        expect_status(srv.post(path(iid, "/phase"), {"to": 8, "override": "fixed by the vendor"}), 200)
        check("guardrail.noAfterAction" not in guardrail_rules(srv.incident(iid)), "noAfterAction before its grace")
        sse = SSEClient(srv, "/api/v1/stream?incident=%s" % iid)
        try:
            jump(16)  # past the 15-minute grace after resolution; no request from here on
            ev = wait_guardrail(sse, "guardrail.noAfterAction")
        finally:
            sse.close()
        check(ev.data["entry"]["type"] == "guardrail" and ev.data["entry"]["author"] == "majorops",
              "entry: %s" % short(ev.data["entry"]))
        time.sleep(1.0)  # five more sweeps: written once
        rules = [e["payload"]["rule"] for e in entries(srv, iid, "guardrail")]
        check(rules.count("guardrail.noAfterAction") == 1, "written once: %s" % rules)
        check(srv.incident(iid)["status"] == "resolved", "the sweep changed the incident's status")
    finally:
        problems = srv.stop()
        srv.cleanup()
    check(not problems, "; ".join(problems))


@case
def test_command_state_survives_restart():
    """persistence: tracks, CANs, hypotheses, clocks and fired guardrails survive a restart"""
    srv, jump = clock_server()
    try:
        iid = srv.open_incident("Restart %s" % tag(), "high", security=True)["id"]
        expect_status(srv.post(path(iid, "/can"), {"team": "App", "conditions": "x", "needs": "none"}), 201)
        expect_status(srv.post(path(iid, "/tracks"), {"owner": "Sam", "goal": "g", "timeboxMinutes": 5}), 201)
        expect_status(srv.post(path(iid, "/hypotheses"), {"statement": "h"}), 201)
        expect_status(srv.post(path(iid, "/clocks"), {"kind": "gdpr"}), 201)
        jump(6)
        deadline = time.time() + 5
        while time.time() < deadline and not entries(srv, iid, "guardrail"):
            time.sleep(0.2)
        before = srv.incident(iid)
        n_guardrails = len(entries(srv, iid, "guardrail"))
        check(n_guardrails >= 1, "a guardrail fired before the restart")
        owned_server_check(srv)
        srv.start()
        time.sleep(0.8)
        after = srv.incident(iid)
        for m in ("tracks", "cans", "hypotheses"):
            check(after[m] == before[m], "%s changed across the restart" % m)
        check(after["regulatoryClocks"][0]["deadline"] == before["regulatoryClocks"][0]["deadline"], "clock kept")
        check(len(entries(srv, iid, "guardrail")) == n_guardrails, "a restart re-wrote fired guardrails")
    finally:
        problems = srv.stop()
        srv.cleanup()
    check(not problems, "; ".join(problems))


class FakeLLM:
    """An OpenAI-compatible chat endpoint on loopback: records each request body and answers
    as `mode` says ("ok", "error" 500, "slow" after 3 s, "empty" without text)."""

    def __init__(self):
        import http.server
        import threading
        fake = self
        self.mode = "ok"
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n).decode("utf-8"))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                      "body": body})
                if fake.mode == "slow":
                    time.sleep(3)
                if fake.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                content = "" if fake.mode == "empty" else "REWRITTEN by the model."
                out = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                try:
                    self.wfile.write(out)
                except OSError:
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/v1/chat/completions" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@case
def test_assist_llm_rewrite():
    """assist: with MAJOROPS_LLM_URL the draft is rewritten (source llm); a public draft goes out alone; failures fall back to builtin"""
    fake = FakeLLM()
    srv = Server(env={"MAJOROPS_LLM_URL": fake.url, "MAJOROPS_LLM_MODEL": "test-model",
                      "MAJOROPS_LLM_API_KEY": "sk-test", "MAJOROPS_LLM_TIMEOUT_MS": "700"})
    try:
        srv.start()
        iid = srv.open_incident("Checkout API errors %s" % tag(), "high", affectedSystems=["Checkout API"])["id"]
        expect_status(srv.patch(path(iid, ""), {"businessImpact": "SECRET-BIZ", "execSummary": "SECRET-EXEC"}), 200)
        expect_status(srv.post(path(iid, "/can"), {"team": "Checkout API", "conditions": "SECRET-CAN",
                                                   "needs": "none"}), 201)
        r = srv.get(path(iid, "/assist/brief"))
        expect_status(r, 200)
        check(r.json == {"text": "REWRITTEN by the model.", "source": "llm", "kind": "brief", "audience": None,
                         "model": "test-model"},
              "rewritten brief: %s" % short(r.json))
        req = fake.requests[-1]
        check(req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test", "request: %s" % short(req))
        msgs = req["body"]["messages"]
        check(req["body"]["model"] == "test-model" and [m["role"] for m in msgs] == ["system", "user"],
              "chat shape: %s" % short(req["body"]))
        check("SECRET-BIZ" in msgs[1]["content"] and "SECRET-CAN" in msgs[1]["content"],
              "the brief is grounded in the record: %s" % short(msgs[1]["content"]))
        builtin = srv.get(path(iid, "/assist/draft?audience=public"))
        user = fake.requests[-1]["body"]["messages"][1]["content"]
        check(builtin.json["source"] == "llm", "public draft rewritten too: %s" % short(builtin.json))
        for secret in ("SECRET-BIZ", "SECRET-EXEC", "SECRET-CAN", "Record"):
            check(secret not in user, "a public draft went out with %r: %s" % (secret, short(user)))
        for mode in ("error", "empty", "slow"):
            fake.mode = mode
            t0 = time.time()
            r = srv.get(path(iid, "/assist/suggestion"))
            expect_status(r, 200)
            check(r.json["source"] == "builtin" and r.json["text"].startswith("Phase 1 of 8") and r.json.get("model") is None,
                  "%s: falls back to the built-in draft: %s" % (mode, short(r.json)))
            check(time.time() - t0 < 2.5, "%s: the fallback waited %.1f s" % (mode, time.time() - t0))
        problems = srv.stop()
        check(not problems, "; ".join(problems))
        check("cannot rewrite the draft" in srv.stderr(), "failures are logged: %s" % short(srv.stderr()[-400:]))
        # nothing listening at all
        srv.env = {"MAJOROPS_LLM_URL": "http://127.0.0.1:9/v1/chat/completions"}
        srv.start()
        r = srv.get(path(iid, "/assist/draft?audience=internal"))
        expect_status(r, 200)
        check(r.json["source"] == "builtin" and "SECRET-CAN" in r.json["text"], "unreachable: %s" % short(r.json))
    finally:
        problems = srv.stop()
        srv.cleanup()
        fake.close()
    check(not problems, "; ".join(problems))


if __name__ == "__main__":
    suite.main()
