#!/usr/bin/env python3
"""The status page's configured components and scheduled maintenance through the real binary
(issue 6, components.h): the admin routes under /api/v1 and their validation, ordering,
explicit status against the status incidents derive, a maintenance's life (create, start,
complete) and what it does to the components, to every /api/v2 maintenance document and to
the HTML page; ETags and 304s after a change; the public stream; renames; nothing internal
on any public surface.  test_postgres.py runs this file on PostgreSQL too."""

import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, SSEClient, Suite, check, expect_error, expect_status, iso_in,  # noqa: E402
                     owned_server_check, parse_iso, short)

suite = Suite("components")
case = suite.case
S = lambda: suite.shared()  # noqa: E731

INT = "zzINT"
COMPONENT_STATUS = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
MAINT_DOCS = {"all": "/api/v2/scheduled-maintenances.json",
              "upcoming": "/api/v2/scheduled-maintenances/upcoming.json",
              "active": "/api/v2/scheduled-maintenances/active.json"}
PUBLIC_PATHS = ["/", "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
                "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json", "/feed.atom", "/feed.rss",
                "/badge.svg"] + list(MAINT_DOCS.values())
SP_MAINT_KEYS = {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
                 "shortlink", "started_at", "page_id", "incident_updates", "components", "scheduled_for",
                 "scheduled_until"}
SP_UPDATE_KEYS = {"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
                  "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"}
SP_COMPONENT_KEYS = {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
                     "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}


def tag():
    return uuid.uuid4().hex[:8]


def text_of(resp):
    return resp.raw.decode("utf-8", "replace")


def create_component(s, name, **fields):
    body = {"name": name}
    body.update(fields)
    r = s.post("/api/v1/components", body)
    expect_status(r, 201)
    check(r.header("Location") == "/api/v1/components/%d" % r.json["id"], "Location %r" % r.header("Location"))
    return r.json


def create_maintenance(s, title, components, start_in=3600, length=7200, **fields):
    body = {"title": title, "components": components, "scheduledFor": iso_in(start_in),
            "scheduledUntil": iso_in(start_in + length)}
    body.update(fields)
    r = s.post("/api/v1/maintenances", body)
    expect_status(r, 201)
    check(r.header("Location") == "/api/v1/maintenances/%d" % r.json["id"], "Location %r" % r.header("Location"))
    return r.json


def public_component(s, name, path="/api/v2/components.json"):
    """The component named `name` in a v2 document (None when absent)."""
    for c in s.get(path).json["components"]:
        if c["name"] == name:
            return c
    return None


def maint_in(doc_json, mid):
    for m in doc_json["scheduled_maintenances"]:
        if m["id"] == "MNT-%d" % mid:
            return m
    return None


# ---------------------------------------------------------------- components

@case
def test_component_create_and_list_order():
    """components: 201 with Location; listed by position, then name, then id; default position after the last"""
    s = S()
    t = tag()
    a = create_component(s, " b-%s " % t, position=20, description="Second by name")
    b = create_component(s, "a-%s" % t, position=20)
    c = create_component(s, "c-%s" % t, position=10)
    d = create_component(s, "d-%s" % t)
    check(a["name"] == "b-" + t, "the name is not trimmed: %r" % a["name"])
    check(set(a) == {"id", "name", "description", "position", "status", "createdAt", "updatedAt"}, short(a))
    check(a["status"] is None and a["description"] == "Second by name" and b["description"] is None, short(a))
    parse_iso(a["createdAt"])
    check(d["position"] > 20, "a component without a position is not after the last: %s" % short(d))
    listed = s.get("/api/v1/components")
    expect_status(listed, 200)
    mine = [x["name"] for x in listed.json["components"] if x["name"].endswith(t)]
    check(mine == ["c-" + t, "a-" + t, "b-" + t, "d-" + t], "admin order: %s" % mine)
    pub = [x["name"] for x in s.get("/api/v2/components.json").json["components"] if x["name"].endswith(t)]
    check(pub == mine, "public order %s differs from the configured order %s" % (pub, mine))
    html = text_of(s.get("/"))
    positions = [html.find(">%s<" % n) for n in mine]
    check(all(p > 0 for p in positions) and positions == sorted(positions), "HTML order: %s" % positions)
    check("Second by name" in html, "the description is not on the page")
    one = s.get("/api/v1/components/%d" % c["id"])
    expect_status(one, 200)
    check(one.json == c, "GET one: %s vs %s" % (short(one.json), short(c)))
    pc = public_component(s, "c-" + t)
    check(set(pc) == SP_COMPONENT_KEYS and pc["id"] == str(c["id"]) and pc["position"] == 10,
          "v2 component shape: %s" % short(pc))


@case
def test_component_validation_names_the_field():
    """components: every refusal is a JSON error naming the field (400), 409 for a taken name, 404 for none"""
    s = S()
    t = tag()
    create_component(s, "v-" + t)
    bad = [
        ({}, "missing_field", "name"),
        ({"name": "   "}, "invalid_field", "name"),
        ({"name": "x" * 201}, "invalid_field", "name"),
        ({"name": None}, "invalid_field", "name"),
        ({"name": "ok" + t, "description": "d" * 10001}, "invalid_field", "description"),
        ({"name": "ok" + t, "position": "3"}, "invalid_field", "position"),
        ({"name": "ok" + t, "position": -1}, "invalid_field", "position"),
        ({"name": "ok" + t, "position": 1.5}, "invalid_field", "position"),
        ({"name": "ok" + t, "position": 1000001}, "invalid_field", "position"),
        ({"name": "ok" + t, "status": "broken"}, "invalid_field", "status"),
        ({"name": "ok" + t, "status": ""}, "invalid_field", "status"),
        ({"name": "ok" + t, "colour": "red"}, "unknown_field", "colour"),
    ]
    for body, code, field in bad:
        expect_error(s.post("/api/v1/components", body), 400, code, field)
    expect_error(s.post("/api/v1/components", {"name": " v-%s " % t}), 409, "already_exists", "name")
    check(s.post("/api/v1/components", {"name": "x" * 200}).status in (201, 409), "a 200-character name is refused")
    expect_error(s.post("/api/v1/components", "{not json"), 400, "malformed_json")
    expect_error(s.request("POST", "/api/v1/components", body='{"name":"ct%s"}' % t, content_type="text/plain"),
                 415, "unsupported_media_type")
    expect_error(s.patch("/api/v1/components/999999", {"position": 1}), 404, "not_found")
    expect_error(s.patch("/api/v1/components/abc", {"position": 1}), 404, "not_found")
    expect_error(s.get("/api/v1/components/999999"), 404, "not_found")
    w = create_component(s, "w-" + t)
    expect_error(s.patch("/api/v1/components/%d" % w["id"], {}), 400, "missing_field")
    expect_error(s.patch("/api/v1/components/%d" % w["id"], {"name": "v-" + t}), 409, "already_exists", "name")
    expect_error(s.patch("/api/v1/components/%d" % w["id"], {"status": "down"}), 400, "invalid_field", "status")
    expect_error(s.patch("/api/v1/components/%d" % w["id"], {"id": 3}), 400, "unknown_field", "id")
    check(s.get("/api/v1/components/%d" % w["id"]).json == w, "a refused PATCH changed the component")


@case
def test_component_patch():
    """components: PATCH name, description (null or "" clears), position, status; nothing changed writes nothing"""
    s = S()
    t = tag()
    c = create_component(s, "p-" + t, description="first words", position=50)
    path = "/api/v1/components/%d" % c["id"]
    r = s.patch(path, {"name": "  q-%s " % t, "description": "second <b>words</b>", "position": 7,
                       "status": "partial_outage"})
    expect_status(r, 200)
    p = r.json
    check(p["name"] == "q-" + t and p["description"] == "second <b>words</b>" and p["position"] == 7
          and p["status"] == "partial_outage" and p["createdAt"] == c["createdAt"], short(p))
    check(parse_iso(p["updatedAt"]) >= parse_iso(c["updatedAt"]), "updatedAt went back")
    html = text_of(s.get("/"))
    check("second &lt;b&gt;words&lt;/b&gt;" in html and "<b>words" not in html, "the description is not escaped")
    check(public_component(s, "p-" + t) is None and public_component(s, "q-" + t)["status"] == "partial_outage",
          "the public page still shows the old name or not the explicit status")
    etag = s.get("/api/v2/summary.json").header("ETag")
    same = s.patch(path, {"name": "q-" + t, "position": 7})
    expect_status(same, 200)
    check(same.json == p, "a PATCH that changes nothing changed something: %s" % short(same.json))
    check(s.get("/api/v2/summary.json").header("ETag") == etag, "a PATCH that changes nothing moved the ETag")
    for clear in (None, ""):
        expect_status(s.patch(path, {"description": "again"}), 200)
        r = s.patch(path, {"description": clear})
        expect_status(r, 200)
        check(r.json["description"] is None, "description %r did not clear: %s" % (clear, short(r.json)))
    r = s.patch(path, {"status": None})
    expect_status(r, 200)
    check(r.json["status"] is None and public_component(s, "q-" + t)["status"] == "operational",
          "status null does not go back to derived: %s" % short(r.json))


@case
def test_explicit_status_against_derived():
    """components: derived from active public incidents, an explicit status wins, null derives again; unconfigured systems follow"""
    s = S()
    t = tag()
    name, loose = "pay-" + t, "loose-" + t
    comp = create_component(s, name, position=0)
    inc = s.open_incident(title="Payments slow " + t, severity="high", externalImpact=True,
                          affectedSystems=[name, loose])
    check(public_component(s, name)["status"] == "partial_outage", "high does not derive partial_outage")
    names = [c["name"] for c in s.get("/api/v2/components.json").json["components"]]
    check(loose in names and names.index(loose) > names.index(name),
          "an unconfigured affected system is not listed after the configured ones: %s" % names)
    loose_c = public_component(s, loose)
    check(loose_c["status"] == "partial_outage" and loose_c["description"] is None, short(loose_c))
    expect_status(s.patch("/api/v1/components/%d" % comp["id"], {"status": "degraded_performance"}), 200)
    check(public_component(s, name)["status"] == "degraded_performance", "the explicit status does not win")
    check(public_component(s, name, "/api/v2/summary.json")["status"] == "degraded_performance", "summary differs")
    expect_status(s.patch("/api/v1/incidents/%s" % inc["id"], {"severity": "critical"}), 200)
    check(public_component(s, name)["status"] == "degraded_performance", "a derived change beat the explicit status")
    expect_status(s.patch("/api/v1/components/%d" % comp["id"], {"status": None}), 200)
    check(public_component(s, name)["status"] == "major_outage", "back to derived: not major_outage")
    page = text_of(s.get("/incidents/%s" % inc["id"]))
    check(name in page and "Major outage" in page, "the incident page does not show the component's status")
    inc_doc = [i for i in s.get("/api/v2/incidents/unresolved.json").json["incidents"] if i["id"] == inc["id"]][0]
    check({c["name"] for c in inc_doc["components"]} >= {name, loose}, "incident components: %s" % short(inc_doc))
    expect_status(s.post("/api/v1/incidents/%s/phase" % inc["id"], {"to": 8, "override": "test ends"}), 200)
    check(public_component(s, name)["status"] == "operational", "a resolved incident still derives an outage")


# ---------------------------------------------------------------- maintenances

@case
def test_maintenance_validation_names_the_field():
    """maintenance: missing or bad fields, an unknown or repeated component, an inverted window: 400 naming the field"""
    s = S()
    t = tag()
    create_component(s, "mv-" + t)
    good = {"title": "Upgrade " + t, "components": ["mv-" + t], "scheduledFor": iso_in(60), "scheduledUntil": iso_in(120)}

    def without(key):
        return {k: v for k, v in good.items() if k != key}

    def with_(**kw):
        body = dict(good)
        body.update(kw)
        return body

    bad = [
        (without("title"), 400, "missing_field", "title"),
        (without("scheduledFor"), 400, "missing_field", "scheduledFor"),
        (without("scheduledUntil"), 400, "missing_field", "scheduledUntil"),
        (with_(title=""), 400, "invalid_field", "title"),
        (with_(title="t" * 201), 400, "invalid_field", "title"),
        (with_(body="b" * 10001), 400, "invalid_field", "body"),
        (with_(scheduledFor="tomorrow"), 400, "invalid_field", "scheduledFor"),
        (with_(scheduledUntil=good["scheduledFor"]), 400, "invalid_field", "scheduledUntil"),
        (with_(scheduledFor=iso_in(200)), 400, "invalid_field", "scheduledUntil"),
        (with_(components="mv-" + t), 400, "invalid_field", "components"),
        (with_(components=["mv-" + t, 3]), 400, "invalid_field", "components"),
        (with_(components=["nope-" + t]), 400, "invalid_field", "components"),
        (with_(components=["mv-" + t, " mv-%s " % t]), 400, "invalid_field", "components"),
        (with_(components=["c%d" % i for i in range(65)]), 400, "invalid_field", "components"),
        (with_(state="in_progress"), 400, "unknown_field", "state"),
    ]
    for body, status, code, field in bad:
        expect_error(s.post("/api/v1/maintenances", body), status, code, field)
    m = s.post("/api/v1/maintenances", without("components"))
    expect_status(m, 201)
    check(m.json["components"] == [] and m.json["state"] == "scheduled" and m.json["body"] is None, short(m.json))
    for path in ["/api/v1/maintenances/999999", "/api/v1/maintenances/MNT-999999", "/api/v1/maintenances/x"]:
        expect_error(s.get(path), 404, "not_found")
        expect_error(s.post(path + "/start"), 404, "not_found")
    expect_error(s.post("/api/v1/maintenances/%d/start" % m.json["id"], {"now": True}), 400, "unknown_field", "now")
    expect_error(s.get("/api/v1/maintenances?state=done"), 400, "invalid_field", "state")
    expect_error(s.get("/api/v1/maintenances?limit=0"), 400, "invalid_field", "limit")


@case
def test_maintenance_lifecycle_everywhere():
    """maintenance: scheduled → in progress → completed on every /api/v2 document, the components and the HTML page"""
    s = Server().start()
    try:
        t = tag()
        db, api = "db-" + t, "api-" + t
        create_component(s, db, position=1, description="Primary database")
        create_component(s, api, position=2)
        body = "We upgrade the database. <script>alert(1)</script>"
        m = create_maintenance(s, "DB upgrade " + t, [db], body=body)
        mid = m["id"]
        check(set(m) == {"id", "title", "body", "components", "scheduledFor", "scheduledUntil", "state",
                         "startedAt", "completedAt", "createdAt", "updatedAt"}, short(m))
        check(m["state"] == "scheduled" and m["startedAt"] is None and m["components"] == [db], short(m))

        def docs():
            return {k: s.get(p).json for k, p in MAINT_DOCS.items()}

        def check_shape(sm, status):
            check(set(sm) == SP_MAINT_KEYS, "maintenance keys: %s" % sorted(set(sm) ^ SP_MAINT_KEYS))
            check(sm["status"] == status and sm["impact"] == "maintenance" and sm["name"] == "DB upgrade " + t,
                  short(sm))
            check(sm["scheduled_for"] == m["scheduledFor"] and sm["scheduled_until"] == m["scheduledUntil"], short(sm))
            check(sm["shortlink"].endswith("/#MNT-%d" % mid), sm["shortlink"])
            check([c["name"] for c in sm["components"]] == [db], short(sm["components"]))
            check(set(sm["components"][0]) == SP_COMPONENT_KEYS, short(sm["components"][0]))
            ups = sm["incident_updates"]
            check(ups and all(set(u) == SP_UPDATE_KEYS and u["incident_id"] == sm["id"] for u in ups), short(ups))
            check(ups[0]["status"] == status and ups[-1]["status"] == "scheduled" and ups[-1]["body"] == body,
                  "updates newest first, the first one the body: %s" % short(ups))
            return sm

        # scheduled
        d = docs()
        check_shape(maint_in(d["all"], mid), "scheduled")
        check_shape(maint_in(d["upcoming"], mid), "scheduled")
        check(maint_in(d["active"], mid) is None, "a scheduled maintenance is active")
        summary = s.get("/api/v2/summary.json").json
        check_shape(maint_in(summary, mid), "scheduled")
        check(public_component(s, db)["status"] == "operational", "scheduled already changes the component")
        html = text_of(s.get("/"))
        check("DB upgrade " + t in html and 'id="MNT-%d"' % mid in html and "Scheduled ·" in html, "HTML: not scheduled")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html, "the body is not escaped")
        etag = s.get("/").header("ETag")

        # started
        r = s.post("/api/v1/maintenances/MNT-%d/start" % mid)
        expect_status(r, 200)
        check(r.json["state"] == "in_progress" and r.json["startedAt"], short(r.json))
        d = docs()
        sm = check_shape(maint_in(d["active"], mid), "in_progress")
        check(sm["started_at"] == r.json["startedAt"] and [u["status"] for u in sm["incident_updates"]]
              == ["in_progress", "scheduled"], short(sm))
        check(maint_in(d["upcoming"], mid) is None and maint_in(d["all"], mid)["status"] == "in_progress",
              "a running maintenance is still upcoming")
        check(public_component(s, db)["status"] == "under_maintenance", "the component is not under maintenance")
        check(public_component(s, db, "/api/v2/summary.json")["status"] == "under_maintenance", "summary component")
        check(public_component(s, api)["status"] == "operational", "a component the maintenance does not name changed")
        st = s.get("/api/v2/status.json").json["status"]
        check(st == {"indicator": "none", "description": "Service Under Maintenance"}, "status.json: %s" % st)
        html = text_of(s.get("/"))
        check("In progress ·" in html and "Under maintenance" in html, "HTML does not show the running maintenance")
        check(s.get("/").header("ETag") != etag, "starting did not move the page's ETag")
        again = s.post("/api/v1/maintenances/%d/start" % mid)
        expect_status(again, 200)
        check(again.json == r.json, "starting twice changed it: %s" % short(again.json))

        # an active incident that derives something worse wins over the maintenance
        inc = s.open_incident(title="DB down " + t, severity="critical", externalImpact=True, affectedSystems=[db])
        check(public_component(s, db)["status"] == "major_outage", "the maintenance hides a major outage")
        expect_status(s.post("/api/v1/incidents/%s/phase" % inc["id"], {"to": 8, "override": "test"}), 200)
        low = s.open_incident(title="DB blip " + t, severity="low", externalImpact=True, affectedSystems=[db])
        check(public_component(s, db)["status"] == "under_maintenance", "a low incident hides the maintenance")
        expect_status(s.post("/api/v1/incidents/%s/phase" % low["id"], {"to": 8, "override": "test"}), 200)

        # completed
        r = s.post("/api/v1/maintenances/%d/complete" % mid, {})
        expect_status(r, 200)
        check(r.json["state"] == "completed" and r.json["completedAt"], short(r.json))
        d = docs()
        sm = check_shape(maint_in(d["all"], mid), "completed")
        check(sm["resolved_at"] == r.json["completedAt"] and [u["status"] for u in sm["incident_updates"]]
              == ["completed", "in_progress", "scheduled"], short(sm))
        check(maint_in(d["upcoming"], mid) is None and maint_in(d["active"], mid) is None, "completed is listed as current")
        check(maint_in(s.get("/api/v2/summary.json").json, mid) is None, "summary lists a completed maintenance")
        check(public_component(s, db)["status"] == "operational", "the component stays under maintenance")
        check(s.get("/api/v2/status.json").json["status"]["description"] == "All Systems Operational", "status.json")
        check("DB upgrade " + t not in text_of(s.get("/")), "the page still shows a completed maintenance")
        expect_status(s.post("/api/v1/maintenances/%d/complete" % mid), 200)
        expect_error(s.post("/api/v1/maintenances/%d/start" % mid), 409, "invalid_state")
        got = s.get("/api/v1/maintenances/MNT-%d" % mid)
        expect_status(got, 200)
        check(got.json == r.json, "GET after complete: %s" % short(got.json))

        # called off: completed straight from scheduled
        off = create_maintenance(s, "Called off " + t, [api])
        r = s.post("/api/v1/maintenances/%d/complete" % off["id"])
        expect_status(r, 200)
        check(r.json["state"] == "completed" and r.json["startedAt"] is None, short(r.json))
        sm = maint_in(s.get(MAINT_DOCS["all"]).json, off["id"])
        check([u["status"] for u in sm["incident_updates"]] == ["completed", "scheduled"], short(sm))

        # a restart reads the same tables (the migration is not applied twice)
        owned_server_check(s)
        s2 = Server(workdir=s.dir).start()
        try:
            check(maint_in(s2.get(MAINT_DOCS["all"]).json, mid)["status"] == "completed", "lost over a restart")
            check([c["name"] for c in s2.get("/api/v1/components").json["components"]] == [db, api], "components")
        finally:
            owned_server_check(s2)
            s2.cleanup()
    finally:
        s.cleanup()


@case
def test_maintenance_order_and_list():
    """maintenance: public order running, upcoming soonest first, completed newest; GET /maintenances pages and filters"""
    s = S()
    t = tag()
    create_component(s, "o-" + t)
    late = create_maintenance(s, "late " + t, ["o-" + t], start_in=7200)
    soon = create_maintenance(s, "soon " + t, ["o-" + t], start_in=600)
    run = create_maintenance(s, "run " + t, ["o-" + t], start_in=9000)
    done = create_maintenance(s, "done " + t, [], start_in=100)
    expect_status(s.post("/api/v1/maintenances/%d/start" % run["id"]), 200)
    expect_status(s.post("/api/v1/maintenances/%d/complete" % done["id"]), 200)
    order = [m["name"] for m in s.get(MAINT_DOCS["all"]).json["scheduled_maintenances"] if m["name"].endswith(t)]
    check(order == ["run " + t, "soon " + t, "late " + t, "done " + t], "public order: %s" % order)
    html = text_of(s.get("/"))
    pos = [html.find(n + " " + t) for n in ("run", "soon", "late")]
    check(all(p > 0 for p in pos) and pos == sorted(pos), "HTML order: %s" % pos)
    page1 = s.get("/api/v1/maintenances?limit=2")
    expect_status(page1, 200)
    check(len(page1.json["maintenances"]) == 2 and page1.json["nextCursor"], short(page1.json))
    ids = [m["id"] for m in page1.json["maintenances"]]
    check(ids == sorted(ids, reverse=True) and ids[0] == done["id"], "not newest first: %s" % ids)
    page2 = s.get("/api/v1/maintenances?limit=2&cursor=%s" % page1.json["nextCursor"])
    expect_status(page2, 200)
    check(ids == [done["id"], run["id"]], "page 1: %s" % ids)
    check([m["id"] for m in page2.json["maintenances"]] == [soon["id"], late["id"]], short(page2.json))
    scheduled = s.get("/api/v1/maintenances?state=scheduled&limit=200").json["maintenances"]
    check({late["id"], soon["id"]} <= {m["id"] for m in scheduled} and all(m["state"] == "scheduled" for m in scheduled),
          "state filter: %s" % short(scheduled))
    check(run["id"] in [m["id"] for m in s.get("/api/v1/maintenances?state=in_progress").json["maintenances"]],
          "state=in_progress misses the running one")


@case
def test_rename_follows_into_maintenances():
    """components: a rename renames the component in every maintenance naming it"""
    s = S()
    t = tag()
    c = create_component(s, "old-" + t)
    other = create_component(s, "keep-" + t)
    m = create_maintenance(s, "Rename " + t, ["keep-" + t, "old-" + t])
    expect_status(s.post("/api/v1/maintenances/%d/start" % m["id"]), 200)
    expect_status(s.patch("/api/v1/components/%d" % c["id"], {"name": "new-" + t}), 200)
    got = s.get("/api/v1/maintenances/%d" % m["id"]).json
    check(got["components"] == ["keep-" + t, "new-" + t], "maintenance components: %s" % got["components"])
    check(public_component(s, "new-" + t)["status"] == "under_maintenance", "the renamed component lost its maintenance")
    check(public_component(s, "old-" + t) is None, "the old name is still a component")
    check(s.get("/api/v1/components/%d" % other["id"]).json["name"] == "keep-" + t, "the other component changed")
    expect_status(s.post("/api/v1/maintenances/%d/complete" % m["id"]), 200)


# ---------------------------------------------------------------- caching, streams, leaks

@case
def test_etag_refresh_after_change():
    """caching: a 304 for the current ETag, then a component or maintenance change answers 200 with a new ETag"""
    s = S()
    t = tag()
    c = create_component(s, "e-" + t)
    for change in [lambda: s.patch("/api/v1/components/%d" % c["id"], {"description": "now " + t}),
                   lambda: s.post("/api/v1/maintenances", {"title": "E " + t, "components": ["e-" + t],
                                                           "scheduledFor": iso_in(60), "scheduledUntil": iso_in(120)})]:
        tags = {}
        for path in ["/", "/api/v2/summary.json", "/api/v2/components.json", MAINT_DOCS["all"], MAINT_DOCS["upcoming"]]:
            r = s.get(path)
            expect_status(r, 200)
            tags[path] = r.header("ETag")
            check(s.get(path, headers={"If-None-Match": tags[path]}).status == 304, "%s: no 304" % path)
        check(change().status in (200, 201), "the change failed")
        moved = 0
        for path, etag in tags.items():
            r = s.get(path, headers={"If-None-Match": etag})
            check(r.status in (200, 304), "%s: %d" % (path, r.status))
            if r.status == 200:
                moved += 1
                check(r.header("ETag") != etag, "%s: 200 with the old ETag" % path)
        check(moved >= 3, "only %d documents changed after the change" % moved)
        check(("now " + t) in text_of(s.get("/")) or ("E " + t) in text_of(s.get("/")), "the page missed the change")


@case
def test_public_stream_and_no_leak():
    """public surfaces: component and maintenance events on /api/v2/stream, no actor; internal markers nowhere"""
    s = S()
    t = tag()
    actor = INT + "actor" + t
    stream = SSEClient(s, "/api/v2/stream")
    check(stream.status == 200, "public stream: %s" % stream.status)
    internal = SSEClient(s, "/api/v1/stream")
    c = s.post("/api/v1/components", {"name": "s-" + t, "description": "Public words " + t}, actor=actor)
    expect_status(c, 201)
    m = s.post("/api/v1/maintenances", {"title": "Stream " + t, "components": ["s-" + t], "scheduledFor": iso_in(60),
                                        "scheduledUntil": iso_in(120), "body": "Planned " + t}, actor=actor)
    expect_status(m, 201)
    expect_status(s.post("/api/v1/maintenances/%d/start" % m.json["id"], actor=actor), 200)
    inc = s.open_incident(title="Leak probe " + t, severity="medium", externalImpact=True, affectedSystems=["s-" + t],
                          description=INT + "desc" + t)
    expect_status(s.patch("/api/v1/incidents/%s" % inc["id"], {"execSummary": INT + "exec" + t}), 200)
    evs = stream.collect(timeout=5.0, until=lambda e: e.type == "maintenance.changed"
                         and e.data.get("maintenance", {}).get("status") == "in_progress")
    stream.close()
    types = [e.type for e in evs]
    check("component.changed" in types and types.count("maintenance.changed") >= 2, "public stream: %s" % types)
    comp_ev = [e for e in evs if e.type == "component.changed"][0].data
    check(comp_ev["component"] == {"id": str(c.json["id"]), "name": "s-" + t, "description": "Public words " + t,
                                   "position": c.json["position"]} and set(comp_ev) <= {"seq", "type", "at", "component"},
          "component event: %s" % short(comp_ev))
    maint_ev = [e for e in evs if e.type == "maintenance.changed"][-1].data
    check(maint_ev["maintenance"]["name"] == "Stream " + t and set(maint_ev) <= {"seq", "type", "at", "maintenance"},
          "maintenance event: %s" % short(maint_ev))
    check(all(INT not in e.data_text for e in evs), "the public stream names the actor or internal text")
    iev = internal.collect(timeout=3.0, until=lambda e: e.type == "maintenance.changed"
                           and e.data.get("maintenance", {}).get("state") == "in_progress")
    internal.close()
    check(any(e.type == "component.changed" and e.data.get("actor") == actor for e in iev),
          "the internal stream does not carry the component change with its actor: %s" % [e.type for e in iev])
    for path in PUBLIC_PATHS + ["/incidents/" + inc["id"]]:
        r = s.get(path)
        expect_status(r, 200)
        text = text_of(r)
        check(INT not in text, "%s shows internal text: %s" % (path, short(text[text.find(INT) - 80:], 200)))
    replay = SSEClient(s, "/api/v2/stream", last_event_id=0)
    old = replay.collect(timeout=3.0, quiet=1.0)
    replay.close()
    check(old and all(INT not in e.data_text for e in old), "the replay from 0 leaks")
    summary = json.dumps(s.get("/api/v2/summary.json").json)
    check("Planned " + t in summary and "Public words " + t in summary, "public text missing: the scan is vacuous")
    expect_status(s.post("/api/v1/maintenances/%d/complete" % m.json["id"]), 200)


if __name__ == "__main__":
    suite.main()
