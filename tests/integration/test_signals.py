#!/usr/bin/env python3
"""Alert intake and run cards end to end (issue 8): integrations and their tokens, the three
payload shapes (Alertmanager v4, Grafana v1, generic), severity mapping, grouping and
dedup, resolved alerts that never close, a flood that stays one incident, run cards
(defaults, versions, service cards, application at open from an alert and from /new), the
integration log, bad tokens and bad payloads — and a real Prometheus Alertmanager on
loopback whose webhook receiver posts to the server under test.

Nothing is skipped: without /usr/bin/prometheus-alertmanager the Alertmanager case fails,
saying so (scripts/deps.sh installs it)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, expect_error, expect_status, free_port,  # noqa: E402
                     iso, iso_in, parse_iso, short, utcnow)

suite = Suite("signals")
case = suite.case
S = lambda: suite.shared()  # noqa: E731
AM_BIN = "/usr/bin/prometheus-alertmanager"


def tag():
    return uuid.uuid4().hex[:8]


def integration(server, kind="alertmanager", **fields):
    body = {"name": "%s-%s" % (kind, tag()), "kind": kind}
    body.update(fields)
    r = expect_status(server.post("/api/v1/integrations", body), 201)
    return r.json


def signal(server, integ, payload, token=None, **kw):
    tok = token if token is not None else integ["token"]
    headers = {"Authorization": "Bearer %s" % tok} if tok else {}
    return server.post("/api/v1/signals/%s" % integ["id"], payload, headers=headers, **kw)


def am_payload(group, alerts, status=None):
    firing = any(a.get("status", "firing") == "firing" for a in alerts)
    return {"receiver": "majorops", "status": status or ("firing" if firing else "resolved"),
            "alerts": alerts, "groupLabels": {"alertname": group}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://am:9093", "version": "4",
            "groupKey": "{}:{alertname=\"%s\"}" % group, "truncatedAlerts": 0}


def am_alert(name, fp, severity="page", status="firing", starts=None, ends=None, service=None, summary=None):
    labels = {"alertname": name, "severity": severity, "instance": "web-1"}
    if service:
        labels["service"] = service
    return {"status": status, "labels": labels,
            "annotations": {"summary": summary or ("%s is failing" % name)},
            "startsAt": starts or iso_in(-60), "endsAt": ends or "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": fp}


def entries(server, iid, etype=None):
    return [e for e in server.timeline(iid) if etype is None or e["type"] == etype]


def log_of(server, integ, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    r = expect_status(server.get("/api/v1/integrations/%s/log%s" % (integ["id"], "?" + qs if qs else "")), 200)
    return r.json


# ---------------------------------------------------------------- integrations

@case
def test_integration_create():
    """integrations: 201 with Location and the token shown once; GET never shows it; bad fields name themselves"""
    s = S()
    r = expect_status(s.post("/api/v1/integrations", {"name": "prom", "kind": "alertmanager",
                                                      "severityMap": {"page": "critical"}, "systems": ["web"]}), 201)
    ig = r.json
    check(ig["token"].startswith("mo_") and len(ig["token"]) > 40, "token: %s" % short(ig))
    check(r.header("Location") == "/api/v1/integrations/%d" % ig["id"], "Location: %s" % r.header("Location"))
    check(ig["severityLabel"] == "severity" and ig["defaultSeverity"] == "high", "defaults: %s" % short(ig))
    check(ig["signalsUrl"] == "/api/v1/signals/%d" % ig["id"], "signalsUrl: %s" % short(ig))
    got = expect_status(s.get("/api/v1/integrations/%d" % ig["id"]), 200).json
    check("token" not in got and got["name"] == "prom", "GET shows: %s" % short(got))
    expect_error(s.get("/api/v1/integrations/999999"), 404, "not_found")
    expect_error(s.post("/api/v1/integrations", {"name": "x", "kind": "pagerduty"}), 400, "invalid_field", "kind")
    expect_error(s.post("/api/v1/integrations", {"kind": "generic"}), 400, "missing_field", "name")
    expect_error(s.post("/api/v1/integrations", {"name": "x", "kind": "generic", "severityMap": {"p1": "urgent"}}),
                 400, "invalid_field", "severityMap")
    expect_error(s.post("/api/v1/integrations", {"name": "x", "kind": "generic", "defaultSeverity": "meh"}),
                 400, "invalid_field", "defaultSeverity")
    expect_error(s.post("/api/v1/integrations", {"name": "x", "kind": "generic", "token": "mine"}),
                 400, "unknown_field", "token")


@case
def test_bad_tokens():
    """auth: unknown integration, wrong token, no token, a non-numeric id — the same 401, never which"""
    s = S()
    ig = integration(s, "generic")
    body = {"title": "t"}
    answers = [
        signal(s, ig, body, token="mo_wrong"),
        signal(s, ig, body, token=""),
        s.post("/api/v1/signals/999999", body, headers={"Authorization": "Bearer " + ig["token"]}),
        s.post("/api/v1/signals/abc", body, headers={"Authorization": "Bearer " + ig["token"]}),
        s.post("/api/v1/signals/%d" % ig["id"], body, headers={"Authorization": "Basic " + ig["token"]}),
    ]
    for r in answers:
        expect_error(r, 401, "unauthenticated")
    check(len({r.raw for r in answers}) == 1, "the 401 answers differ: %s" % [short(r.raw) for r in answers])
    check(not s.list_all(q=ig["name"]), "a refused signal opened an incident")
    log = log_of(s, ig)["entries"]
    check([e["outcome"] for e in log] == ["unauthorized"] * 3, "log of refusals: %s" % short(log))


@case
def test_bad_payloads():
    """bad payloads: 400 naming what is wrong (logged as rejected), 413 over the body limit, 415 not JSON"""
    s = S()
    ig = integration(s, "alertmanager")
    err = expect_error(signal(s, ig, {"groupKey": "g", "alerts": []}), 400, "missing_field", "version")
    check("version" in err["message"], "message: %s" % short(err))
    expect_error(signal(s, ig, {"version": "4", "alerts": []}), 400, "missing_field", "groupKey")
    expect_error(signal(s, ig, {"version": "4", "groupKey": "g", "status": "firing",
                                "alerts": [{"labels": {}}, {"labels": "x"}]}), 400, "invalid_field", "alerts[1].labels")
    expect_error(signal(s, ig, {"version": "4", "groupKey": "g", "alerts": [{"status": "firing", "labels": {},
                                                                              "startsAt": "yesterday"}]}),
                 400, "invalid_field", "alerts[0].startsAt")
    expect_error(signal(s, ig, "{not json"), 400, "malformed_json")
    expect_error(signal(s, ig, [1, 2]), 400, "malformed_json")
    big = am_payload("Big", [am_alert("Big", "b1")])
    big["commonAnnotations"]["pad"] = "x" * (300 * 1024)
    expect_error(signal(s, ig, big), 413, "too_large")
    expect_error(signal(s, ig, json.dumps(am_payload("T", [am_alert("T", "t1")])), content_type="text/plain"), 415)
    g = integration(s, "generic")
    expect_error(signal(s, g, {"severity": "high"}), 400, "missing_field", "title")
    expect_error(signal(s, g, {"title": "x", "status": "maybe"}), 400, "invalid_field", "status")
    log = log_of(s, ig)["entries"]
    outcomes = [e["outcome"] for e in log]
    check(outcomes.count("rejected") == 6, "rejected deliveries logged: %s" % short(outcomes))
    check(all(e["incident"] is None for e in log), "a rejected delivery names an incident: %s" % short(log))
    check(any("alerts[1].labels" in e["message"] for e in log), "the log says what was wrong: %s" % short(log))


# ---------------------------------------------------------------- shapes, mapping, grouping

@case
def test_alertmanager_open_attach_dedup():
    """alertmanager: opens with the mapped severity and times, attaches a new alert of the group, a repeat is idempotent"""
    s = S()
    ig = integration(s, "alertmanager", severityMap={"page": "critical", "ticket": "low"}, systems=["edge"])
    group = "CheckoutErrors" + tag()
    started = iso_in(-300)
    a1 = am_alert(group, "fp-1-" + tag(), severity="ticket", starts=started, service="checkout",
                  summary="Checkout 5xx above 5%")
    r = expect_status(signal(s, ig, am_payload(group, [a1])), 200).json
    check(r["outcome"] == "opened" and r["new"] == 1, "first delivery: %s" % short(r))
    iid = r["incident"]
    inc = s.incident(iid)
    check(inc["severity"] == "low", "severity from the map: %s" % inc["severity"])
    check(inc["title"] == "Checkout 5xx above 5%", "title: %s" % inc["title"])
    check(parse_iso(inc["alertFiredAt"]) == parse_iso(started), "alertFiredAt %s, alert started %s" % (inc["alertFiredAt"], started))
    check(parse_iso(inc["startedAt"]) == parse_iso(started), "startedAt %s" % inc["startedAt"])
    check(set(inc["affectedSystems"]) == {"edge", "checkout"}, "systems: %s" % inc["affectedSystems"])
    check(inc["alerts"]["received"] == 1 and inc["alerts"]["firing"] == 1, "alerts: %s" % short(inc["alerts"]))
    check(inc["runCard"] and inc["runCard"]["alarmLevel"] == 0, "run card: %s" % short(inc["runCard"]))
    al = entries(s, iid, "alert")
    check(len(al) == 1 and al[0]["text"].startswith("Alert firing: " + group), "alert entries: %s" % short(al))
    check(al[0]["payload"]["alerts"][0]["fingerprint"] == a1["fingerprint"], "payload: %s" % short(al[0]["payload"]))
    # the same payload again: nothing new
    version = inc["version"]
    n_entries = len(s.timeline(iid))
    r = expect_status(signal(s, ig, am_payload(group, [a1])), 200).json
    check(r["outcome"] == "duplicate" and r["incident"] == iid and r["duplicates"] == 1, "repeat: %s" % short(r))
    inc = s.incident(iid)
    check(inc["version"] == version and len(s.timeline(iid)) == n_entries, "a repeat changed the incident")
    check(inc["alerts"]["received"] == 2, "the counter counts the repeat: %s" % short(inc["alerts"]))
    # a new, graver alert of the same group, which started earlier: attached, raises, moves the clocks
    earlier = iso_in(-900)
    a2 = am_alert(group, "fp-2-" + tag(), severity="page", starts=earlier)
    r = expect_status(signal(s, ig, am_payload(group, [a1, a2])), 200).json
    check(r["outcome"] == "attached" and r["incident"] == iid and r["new"] == 1 and r["duplicates"] == 1,
          "second alert: %s" % short(r))
    inc = s.incident(iid)
    check(inc["severity"] == "critical", "a graver alert raises the severity: %s" % inc["severity"])
    check(parse_iso(inc["alertFiredAt"]) == parse_iso(earlier) and parse_iso(inc["startedAt"]) == parse_iso(earlier),
          "earlier start moves the clocks: %s %s" % (inc["alertFiredAt"], inc["startedAt"]))
    al = entries(s, iid, "alert")
    check(len(al) == 2 and al[1]["payload"].get("severityFrom") == "low" and al[1]["payload"].get("severityTo") == "critical",
          "the raise is recorded: %s" % short(al[-1]))
    check(len([i for i in s.list_all(q=inc["title"])]) == 1, "one incident for the group")


@case
def test_resolved_never_closes():
    """resolved: recorded as 'alert resolved at HH:MM — validate before closing', the incident stays open; a new firing after resolution opens a new incident"""
    s = S()
    ig = integration(s, "alertmanager")
    group = "Latency" + tag()
    a = am_alert(group, "lat-" + tag(), severity="critical")
    iid = expect_status(signal(s, ig, am_payload(group, [a])), 200).json["incident"]
    ended = iso_in(-5)
    res = dict(a, status="resolved", endsAt=ended)
    r = expect_status(signal(s, ig, am_payload(group, [res])), 200).json
    check(r["outcome"] == "resolved" and r["incident"] == iid, "resolved delivery: %s" % short(r))
    inc = s.incident(iid)
    check(inc["status"] == "investigating" and inc["resolvedAt"] is None,
          "a resolved alert closed the incident: %s" % inc["status"])
    hhmm = ended[11:16]
    al = entries(s, iid, "alert")
    check(al[-1]["text"].startswith("Alert resolved at %s UTC — validate before closing" % hhmm), "entry: %s" % short(al[-1]))
    check(inc["alerts"]["firing"] == 0 and "validate before closing" in (inc["alerts"]["notice"] or ""),
          "notice on the incident: %s" % short(inc["alerts"]))
    # the same resolution again: a duplicate
    r = expect_status(signal(s, ig, am_payload(group, [res])), 200).json
    check(r["outcome"] == "duplicate", "repeat of the resolution: %s" % short(r))
    # a resolution nobody knows: logged, ignored
    other = am_alert("Ghost" + tag(), "ghost-" + tag(), status="resolved", ends=ended)
    r = expect_status(signal(s, ig, am_payload(other["labels"]["alertname"], [other])), 200).json
    check(r["outcome"] == "ignored" and r["incident"] is None, "unknown resolution: %s" % short(r))
    # the incident is resolved by people; the alert fires again later: a new incident
    s.patch("/api/v1/incidents/%s" % iid, {"severity": "critical"})
    expect_status(s.post("/api/v1/incidents/%s/phase" % iid, {"to": 8, "override": "test"},
                         actor="Mia"), 200)
    again = dict(a, startsAt=iso_in(-1))
    r = expect_status(signal(s, ig, am_payload(group, [again])), 200).json
    check(r["outcome"] == "opened" and r["incident"] != iid, "fires after resolution: %s" % short(r))


@case
def test_grafana_shape():
    """grafana: v1 payload with panelURL and values opens with its title; 'warning' maps to medium (Box 1)"""
    s = S()
    ig = integration(s, "grafana")
    name = "DiskFull" + tag()
    body = {"receiver": "mo", "status": "firing", "orgId": 1, "alerts": [{
        "status": "firing", "labels": {"alertname": name, "severity": "warning", "grafana_folder": "infra"},
        "annotations": {"summary": "disk 95%"}, "startsAt": iso_in(-30), "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://grafana/alerting/x", "fingerprint": "g-" + tag(), "silenceURL": "http://grafana/s",
        "dashboardURL": "http://grafana/d/1", "panelURL": "http://grafana/d/1?viewPanel=2",
        "values": {"B": 95.1}, "valueString": "[ var='B' value=95.1 ]"}],
        "groupLabels": {"alertname": name}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://grafana/", "version": "1", "groupKey": "{}:{alertname=\"%s\"}" % name,
        "truncatedAlerts": 0, "title": "[FIRING:1] %s (infra)" % name, "state": "alerting", "message": "**Firing**"}
    r = expect_status(signal(s, ig, body), 200).json
    check(r["outcome"] == "opened", "grafana: %s" % short(r))
    inc = s.incident(r["incident"])
    check(inc["title"] == "[FIRING:1] %s (infra)" % name and inc["severity"] == "medium", "incident: %s %s" % (inc["title"], inc["severity"]))
    check(inc["runCard"]["alarmLevel"] == 1, "Box 1 card: %s" % short(inc["runCard"]))
    al = entries(s, inc["id"], "alert")
    check(al and al[0]["payload"]["alerts"][0]["url"] == "http://grafana/d/1?viewPanel=2", "panel link: %s" % short(al))
    expect_error(signal(s, ig, dict(body, version="2")), 400, "invalid_field", "version")


@case
def test_generic_shape():
    """generic: {title, severity, systems, fingerprint, status}; unknown severity → the default (the higher level); resolve keeps it open"""
    s = S()
    ig = integration(s, "generic", defaultSeverity="high")
    fp = "gen-" + tag()
    r = expect_status(signal(s, ig, {"title": "Queue backlog " + fp, "severity": "whatever", "systems": ["queue"],
                                     "fingerprint": fp, "status": "firing", "description": "backlog grows",
                                     "url": "https://grafana/q"}), 200).json
    check(r["outcome"] == "opened", "generic: %s" % short(r))
    inc = s.incident(r["incident"])
    check(inc["severity"] == "high" and inc["affectedSystems"] == ["queue"], "incident: %s %s" % (inc["severity"], inc["affectedSystems"]))
    check("backlog grows" in (inc["description"] or ""), "description: %s" % short(inc["description"]))
    r2 = expect_status(signal(s, ig, {"title": "Queue backlog " + fp, "fingerprint": fp, "status": "firing"}), 200).json
    check(r2["outcome"] == "duplicate" and r2["incident"] == r["incident"], "same fingerprint: %s" % short(r2))
    r3 = expect_status(signal(s, ig, {"title": "Queue backlog " + fp, "fingerprint": fp, "status": "resolved"}), 200).json
    check(r3["outcome"] == "resolved" and s.incident(r["incident"])["status"] == "investigating", "resolve: %s" % short(r3))


@case
def test_flood_one_incident():
    """flood: 200 concurrent deliveries for one group → one incident, a counter of 200, a bounded timeline"""
    s = S()
    ig = integration(s, "alertmanager")
    group = "Flood" + tag()
    results, errors = [], []

    def worker(k):
        for i in range(20):
            a = am_alert(group, "flood-%d-%d" % (k, i), severity="critical")
            try:
                r = signal(s, ig, am_payload(group, [a]))
                results.append((r.status, r.body.get("incident") if isinstance(r.body, dict) else None))
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "errors: %s" % errors[:3])
    check(all(st == 200 for st, _ in results) and len(results) == 200, "statuses: %s" % sorted({st for st, _ in results}))
    incidents = {i for _, i in results}
    check(len(incidents) == 1, "a flood opened %d incidents" % len(incidents))
    iid = incidents.pop()
    inc = s.incident(iid)
    check(inc["alerts"]["received"] == 200 and inc["alerts"]["firing"] == 200, "counter: %s" % short(inc["alerts"]))
    al = entries(s, iid, "alert")
    check(len(al) <= 101, "the timeline grew with the flood: %d alert entries" % len(al))


# ---------------------------------------------------------------- run cards

@case
def test_runcard_defaults_and_versions():
    """run cards: Box 0–3 defaults (version 0), each PUT a new version, old versions kept, bad cards named"""
    s = S()
    for level in range(4):
        c = expect_status(s.get("/api/v1/runcards/%d" % level), 200).json
        check(c["alarmLevel"] == level and c["default"] in (True, False), "card %d: %s" % (level, short(c)))
    c = expect_status(s.get("/api/v1/runcards/0"), 200).json
    check(c.get("version") is not None and len(c["checklist"]) >= 3, "Box 0: %s" % short(c))
    expect_error(s.get("/api/v1/runcards/4"), 404, "not_found")
    expect_error(s.put("/api/v1/runcards/7", {}), 404, "not_found")
    svc = "svc-" + tag()
    v1 = expect_status(s.put("/api/v1/runcards/1", {"service": svc, "checklist": ["one"]}), 200).json
    v2 = expect_status(s.put("/api/v1/runcards/1", {"service": svc, "checklist": ["two"],
                                                   "runbooks": [{"title": "RB", "url": "https://rb/1"}],
                                                   "cadence": {"internal": 20}}), 200).json
    check(v2["version"] == v1["version"] + 1 and v2["service"] == svc, "versions: %s %s" % (short(v1), short(v2)))
    old = expect_status(s.get("/api/v1/runcards/1?service=%s&version=%d" % (svc, v1["version"])), 200).json
    check(old["checklist"] == ["one"], "old version kept: %s" % short(old))
    cur = expect_status(s.get("/api/v1/runcards/1?service=%s" % svc), 200).json
    check(cur["version"] == v2["version"] and cur["cadence"]["internal"] == 20, "latest: %s" % short(cur))
    expect_error(s.get("/api/v1/runcards/1?service=%s&version=99" % svc), 404, "not_found")
    expect_error(s.put("/api/v1/runcards/1", {"roles": {"captain": "x"}}), 400, "invalid_field", "roles")
    expect_error(s.put("/api/v1/runcards/1", {"runbooks": ["ftp://x"]}), 400, "invalid_field", "runbooks")
    expect_error(s.put("/api/v1/runcards/1", {"pages": ["x"]}), 400, "unknown_field", "pages")


@case
def test_runcard_applied_at_open_from_new():
    """run cards: an incident opened from /new gets its level's card — roles pre-assigned, teams paged, the card recorded — a service card wins for its system"""
    srv = Server().start()
    try:
        card = expect_status(srv.put("/api/v1/runcards/2", {
            "roles": {"mim": "Dana Reyes", "scribe": "Sam Scribe"}, "page": ["payments-oncall", "db-oncall"],
            "checklist": ["Freeze deploys"], "runbooks": ["https://runbooks/payments"],
            "cadence": {"public": 30, "internal": 15}}), 200).json
        svc_card = expect_status(srv.put("/api/v1/runcards/2", {"service": "search", "page": ["search-oncall"]}), 200).json
        inc = srv.open_incident("Payments slow", "high", affectedSystems=["payments"])
        check(inc["roles"]["mim"] == "Dana Reyes" and inc["roles"]["scribe"] == "Sam Scribe", "roles: %s" % short(inc["roles"]))
        rc = inc["runCard"]
        check(rc["id"] == card["id"] and rc["version"] == card["version"] and rc["alarmLevel"] == 2, "runCard: %s" % short(rc))
        check(rc["runbooks"][0]["url"] == "https://runbooks/payments" and rc["cadence"]["internal"] == 15, "shown: %s" % short(rc))
        resp = expect_status(srv.get("/api/v1/incidents/%s/responders" % inc["id"]), 200).json["responders"]
        check(sorted(r["rotation"] for r in resp) == ["db-oncall", "payments-oncall"] and all(r["state"] == "paged" for r in resp),
              "paged: %s" % short(resp))
        opening = srv.timeline(inc["id"])[0]
        check("run card Box 2" in opening["text"], "opening entry: %s" % opening["text"])
        other = srv.open_incident("Search slow", "high", affectedSystems=["search"])
        check(other["runCard"]["id"] == svc_card["id"] and other["runCard"]["service"] == "search", "service card: %s" % short(other["runCard"]))
        check(other["roles"]["mim"] is None, "the service card has no roles: %s" % short(other["roles"]))
        # a later edit does not change what fired
        expect_status(srv.put("/api/v1/runcards/2", {"page": []}), 200)
        check(srv.incident(inc["id"])["runCard"]["version"] == card["version"], "the fired version stays")
        low = srv.open_incident("Minor", "low")
        check(low["runCard"]["default"] is True and low["runCard"]["version"] == 0, "default card: %s" % short(low["runCard"]))
        problems = srv.stop()
        check(not problems, "; ".join(problems))
    finally:
        srv.cleanup()


@case
def test_runcard_applied_from_alert():
    """run cards: an alert's incident gets the same card a person's would (alarm level from the mapped severity)"""
    s = S()
    team = "team-" + tag()
    svc = "svc-" + tag()
    card = expect_status(s.put("/api/v1/runcards/3", {"service": svc, "page": [team], "checklist": ["Call exec"]}), 200).json
    ig = integration(s, "alertmanager", severityMap={"sev1": "critical"})
    group = "Outage" + tag()
    r = expect_status(signal(s, ig, am_payload(group, [am_alert(group, "o-" + tag(), severity="sev1", service=svc)])), 200).json
    inc = s.incident(r["incident"])
    check(inc["severity"] == "critical" and inc["runCard"]["id"] == card["id"], "card: %s" % short(inc["runCard"]))
    resp = expect_status(s.get("/api/v1/incidents/%s/responders" % inc["id"]), 200).json["responders"]
    check([x["rotation"] for x in resp] == [team], "paged: %s" % short(resp))


# ---------------------------------------------------------------- the log

@case
def test_integration_log():
    """log: every delivery with time, outcome, incident and a payload trimmed to 4 KiB; newest first, paged"""
    s = S()
    ig = integration(s, "generic")
    fp = "log-" + tag()
    first = expect_status(signal(s, ig, {"title": "L " + fp, "fingerprint": fp, "description": "d" * 9000}), 200).json
    expect_status(signal(s, ig, {"title": "L " + fp, "fingerprint": fp}), 200)
    expect_status(signal(s, ig, {"title": "L " + fp, "fingerprint": fp, "status": "resolved"}), 200)
    expect_error(signal(s, ig, {"nope": 1}), 400)
    log = log_of(s, ig)["entries"]
    check([e["outcome"] for e in log] == ["rejected", "resolved", "duplicate", "opened"], "outcomes: %s" % short(log))
    check(log[3]["incident"] == first["incident"] and log[0]["incident"] is None, "incidents: %s" % short(log))
    check(len(log[3]["payload"].encode()) <= 4096 and log[3]["payload"].startswith('{"title"'), "trimmed: %d" % len(log[3]["payload"]))
    for e in log:
        parse_iso(e["at"])
    page = log_of(s, ig, limit=2)
    check(len(page["entries"]) == 2 and page["nextBefore"] is not None, "page 1: %s" % short(page))
    rest = log_of(s, ig, limit=2, before=page["nextBefore"])
    check([e["outcome"] for e in rest["entries"]] == ["duplicate", "opened"] and rest["nextBefore"] is None, "page 2: %s" % short(rest))
    expect_error(s.get("/api/v1/integrations/999999/log"), 404)


# ---------------------------------------------------------------- a real Alertmanager

def wait_for(fn, timeout, what):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.25)
    check(False, "timed out after %ds waiting for %s" % (timeout, what))


def am_post(port, alerts):
    req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % port, data=json.dumps(alerts).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        check(r.status == 200, "alertmanager refused the alerts: %d" % r.status)


@case
def test_real_alertmanager():
    """alertmanager 0.25: its webhook opens the incident (severity, Box, run card, timeline), then records the resolution"""
    check(os.path.exists(AM_BIN), "%s is missing: install Debian's prometheus-alertmanager (scripts/deps.sh)" % AM_BIN)
    s = S()
    svc = "am-svc-" + tag()
    card = expect_status(s.put("/api/v1/runcards/3", {"service": svc, "roles": {"mim": "Ava Incident"},
                                                     "page": ["am-oncall"], "checklist": ["Check the canary"]}), 200).json
    ig = integration(s, "alertmanager", severityMap={"page": "critical"})
    work = tempfile.mkdtemp(prefix="majorops-am-")
    port = free_port()
    config = {
        "route": {"receiver": "majorops", "group_by": ["alertname"], "group_wait": "1s",
                  "group_interval": "1s", "repeat_interval": "4h"},
        "receivers": [{"name": "majorops", "webhook_configs": [{
            "url": "http://127.0.0.1:%d/api/v1/signals/%d" % (s.port, ig["id"]), "send_resolved": True,
            "http_config": {"authorization": {"type": "Bearer", "credentials": ig["token"]}}}]}],
    }
    cfg = os.path.join(work, "am.json")
    with open(cfg, "w") as f:
        json.dump(config, f)
    log = open(os.path.join(work, "am.log"), "wb")
    proc = subprocess.Popen([AM_BIN, "--config.file=" + cfg, "--storage.path=" + os.path.join(work, "data"),
                             "--web.listen-address=127.0.0.1:%d" % port, "--cluster.listen-address="],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        def ready():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for(ready, 20, "alertmanager to be ready")
        name = "CheckoutDown" + tag()
        started = utcnow().replace(microsecond=0)
        alert = {"labels": {"alertname": name, "severity": "page", "service": svc},
                 "annotations": {"summary": "Checkout is down", "description": "no 2xx for 2 minutes"},
                 "startsAt": iso(started), "generatorURL": "http://prometheus:9090/graph?x"}
        am_post(port, [alert])

        def opened():
            e = [x for x in log_of(s, ig)["entries"] if x["outcome"] == "opened"]
            return e[0]["incident"] if e else None
        iid = wait_for(opened, 30, "the webhook to open an incident")
        inc = s.incident(iid)
        check(inc["severity"] == "critical", "severity: %s" % inc["severity"])
        check(inc["title"] == "Checkout is down", "title: %s" % inc["title"])
        check(parse_iso(inc["alertFiredAt"]) == started, "alertFiredAt %s, alert started %s" % (inc["alertFiredAt"], iso(started)))
        rc = inc["runCard"]
        check(rc["alarmLevel"] == 3 and rc["id"] == card["id"] and rc["version"] == card["version"], "run card: %s" % short(rc))
        check(inc["roles"]["mim"] == "Ava Incident", "pre-assigned MIM: %s" % short(inc["roles"]))
        tl = s.timeline(iid)
        check("Box 3" in tl[0]["text"] and "run card Box 3" in tl[0]["text"], "opening: %s" % tl[0]["text"])
        check(any(e["type"] == "alert" and e["text"].startswith("Alert firing: " + name) for e in tl), "alert entry: %s" % short(tl))
        resp = expect_status(s.get("/api/v1/incidents/%s/responders" % iid), 200).json["responders"]
        check([r["rotation"] for r in resp] == ["am-oncall"], "paged: %s" % short(resp))
        # resolve in Alertmanager: the same alert with an end in the past
        am_post(port, [dict(alert, endsAt=iso_in(-1))])

        def resolved():
            return [e for e in s.timeline(iid) if e["type"] == "alert" and e["text"].startswith("Alert resolved at")]
        got = wait_for(resolved, 30, "the resolution to reach the timeline")
        check("validate before closing" in got[0]["text"], "resolution entry: %s" % got[0]["text"])
        inc = s.incident(iid)
        check(inc["status"] == "investigating", "the alert closed the incident: %s" % inc["status"])
        check(len([i for i in s.list_all(q=inc["title"])]) == 1, "Alertmanager's deliveries opened more than one incident")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    suite.main()
