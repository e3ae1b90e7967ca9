#!/usr/bin/env python3
"""The second part of issue 10 end to end: the resolution milestone carrying the After
Action date (72 h rule, the incident's afterActionAt, the .ics), guardrail.noAfterAction
firing on a resolved incident without a date (test clock), the .html rendering by cmark
(XML-parsable, hostile text inert), If-Match on the document, root-cause tags and
recurrence by tag, the public postmortem (cache invalidated on publish, Statuspage status
`postmortem`, nothing internal on any public surface), the new KPI figures, charts and
metrics, and `majorops import`: export → import into a fresh SQLite file → export gives the
same bytes (on PostgreSQL the first export comes from PostgreSQL)."""

import datetime
import json
import os
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, expect_error, expect_status, parse_iso,  # noqa: E402
                     run_binary, short)

suite = Suite("aa_extras")
case = suite.case
MIN = 60 * 1000
INT = "zzINT"
STATE = {}
V2_DOCS = ["/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
           "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"]


def path(iid, rest=""):
    return "/api/v1/incidents/%s%s" % (iid, rest)


def ms(text):
    return int(parse_iso(text).timestamp() * 1000)


def iso_ms(value):
    dt = datetime.datetime.fromtimestamp(value / 1000.0, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value % 1000)


def world():
    """One server whose clock the cases move (MAJOROPS_TEST_CLOCK_OFFSET_FILE)."""
    if STATE.get("srv") is not None and STATE["srv"].alive():
        return STATE
    d = tempfile.mkdtemp(prefix="majorops-aax-")
    offset_file = os.path.join(d, "offset")
    with open(offset_file, "w") as f:
        f.write("0")
    srv = Server(workdir=d, env={"MAJOROPS_TEST_CLOCK_OFFSET_FILE": offset_file})
    srv.own_dir = True
    suite.server = srv.start()

    def jump(minutes):
        with open(offset_file + ".tmp", "w") as f:
            f.write(str(int(minutes * MIN)))
        os.replace(offset_file + ".tmp", offset_file)
    STATE.update(srv=srv, jump=jump, offset=0)
    return STATE


def resolved_incident(s, title, severity="critical", systems=("checkout",), public=False):
    inc = s.open_incident(title, severity, affectedSystems=list(systems))
    iid = inc["id"]
    if public:
        expect_status(s.put(path(iid, "/roles/mim"), {"person": "Dana"}), 200)
        expect_status(s.post(path(iid, "/updates"), {"body": "We are investigating.", "audience": "public",
                                                     "nextUpdateEta": iso_ms(ms(inc["openedAt"]) + 30 * MIN)},
                             actor="Dana"), 201)
    r = expect_status(s.post(path(iid, "/phase"), {"to": 8, "override": "test record"}), 200)
    return iid, r.json


def rules(view):
    return [g["rule"] for g in view.get("guardrails", [])]


@case
def test_resolution_update_carries_the_date():
    """a resolution update's afterActionAt: within 72 h after the resolution, sets the incident's date, the .ics uses it"""
    w = world()
    s = w["srv"]
    iid, inc = resolved_incident(s, "Cert expired")
    resolved = ms(inc["resolvedAt"])
    body = {"body": "Resolved.", "audience": "internal", "kind": "resolution"}
    expect_error(s.post(path(iid, "/updates"), dict(body, afterActionAt=iso_ms(resolved + 73 * 60 * MIN))),
                 400, "invalid_field", "afterActionAt")
    expect_error(s.post(path(iid, "/updates"), dict(body, afterActionAt=iso_ms(resolved - MIN))),
                 400, "invalid_field", "afterActionAt")
    expect_error(s.post(path(iid, "/updates"), dict(body, afterActionAt="tomorrow")),
                 400, "invalid_field", "afterActionAt")
    expect_error(s.post(path(iid, "/updates"), {"body": "x", "audience": "internal", "kind": "milestone",
                                                 "nextUpdateEta": iso_ms(resolved + 60 * MIN),
                                                 "afterActionAt": iso_ms(resolved + 60 * MIN)}),
                 400, "invalid_field", "afterActionAt")
    check(s.incident(iid)["afterActionAt"] is None, "a refused update changed the date")
    at = resolved + 48 * 60 * MIN
    expect_status(s.post(path(iid, "/updates"), dict(body, afterActionAt=iso_ms(at))), 201)
    check(ms(s.incident(iid)["afterActionAt"]) == at, "afterActionAt: %s" % s.incident(iid)["afterActionAt"])
    doc = expect_status(s.get(path(iid, "/after-action")), 200).json
    check(ms(doc["reviewAt"]) == at, "reviewAt: %s" % doc["reviewAt"])
    ics = expect_status(s.get(path(iid, "/after-action.ics")), 200).raw.decode()
    start = datetime.datetime.fromtimestamp(at / 1000.0, datetime.timezone.utc).strftime("DTSTART:%Y%m%dT%H%M%SZ")
    check(start in ics, "the invitation does not start at afterActionAt: %s" % short(ics, 400))
    # The last moment of the window is accepted.
    expect_status(s.post(path(iid, "/updates"), dict(body, afterActionAt=iso_ms(resolved + 72 * 60 * MIN))), 201)


@case
def test_guardrail_no_after_action():
    """guardrail.noAfterAction: a critical incident resolved without a date, 15 min on; gone once the date is set"""
    w = world()
    s, jump = w["srv"], w["jump"]
    iid, inc = resolved_incident(s, "Nobody scheduled the review")
    check("guardrail.noAfterAction" not in rules(inc), "fires inside the grace: %s" % rules(inc))
    try:
        jump(16)
        view = expect_status(s.get(path(iid)), 200).json
        check("guardrail.noAfterAction" in rules(view), "does not fire after 16 min: %s" % rules(view))
        g = [x for x in view["guardrails"] if x["rule"] == "guardrail.noAfterAction"][0]
        check(g["severity"] == "warning" and "72 h" in g["message"], "nudge: %s" % short(g))
        # A low incident owes no review: no nudge.
        lid, _ = resolved_incident(s, "Minor blip", "low")
        jump(40)
        check("guardrail.noAfterAction" not in rules(s.get(path(lid)).json), "fires for a low incident")
        now = ms(s.get(path(iid)).json["resolvedAt"]) + 40 * MIN
        expect_status(s.post(path(iid, "/updates"), {"body": "Resolved.", "audience": "internal", "kind": "resolution",
                                                      "afterActionAt": iso_ms(now + 24 * 60 * MIN)}), 201)
        view = expect_status(s.get(path(iid)), 200).json
        check("guardrail.noAfterAction" not in rules(view), "still fires with a date: %s" % rules(view))
    finally:
        jump(0)


def xml_of(text, what):
    try:
        return ET.fromstring(text)
    except ET.ParseError as e:
        raise AssertionError("%s is not well-formed: %s in %s" % (what, e, short(text, 400)))


@case
def test_html_export():
    """GET …/after-action.html: the Markdown rendered by cmark, parsable as XML, hostile text inert"""
    w = world()
    s = w["srv"]
    iid, _ = resolved_incident(s, "<script>alert(1)</script> & co")
    expect_status(s.patch(path(iid, "/after-action"),
                          {"summary": "Payments down <img src=x onerror=alert(2)>; see [it](javascript:alert(3)) & more",
                           "rootCause": "**Expired** certificate"}), 200)
    r = expect_status(s.get(path(iid, "/after-action.html")), 200)
    check(r.header("Content-Type").startswith("text/html"), "type: %s" % r.header("Content-Type"))
    html = r.raw.decode()
    root = xml_of(html, "the HTML")
    check(root.tag.endswith("html"), "root element: %s" % root.tag)
    for bad in ("<script", "<img", "onerror", "javascript:"):
        check(bad not in html, "%r reached the HTML: %s" % (bad, short(html, 500)))
    check("<strong>Expired</strong> certificate" in html, "Markdown not rendered: %s" % short(html, 600))
    check("&lt;script&gt;" in html.split("</title>")[0], "the title is not escaped")
    expect_error(s.get(path("INC-99999", "/after-action.html")), 404, "not_found")


@case
def test_if_match_and_tags():
    """PATCH …/after-action: If-Match is the version (409 version_conflict when stale); rootCauseTags normalized, validated"""
    w = world()
    s = w["srv"]
    iid, _ = resolved_incident(s, "Tagged one")
    doc = expect_status(s.get(path(iid, "/after-action")), 200).json
    v = doc["version"]
    expect_status(s.patch(path(iid, "/after-action"), {"summary": "one"}, headers={"If-Match": '"%d"' % v}), 200)
    expect_error(s.patch(path(iid, "/after-action"), {"summary": "two"}, headers={"If-Match": '"%d"' % v}),
                 409, "version_conflict")
    expect_error(s.patch(path(iid, "/after-action"), {"summary": "two"}, headers={"If-Match": "nope"}),
                 400, "invalid_field", "If-Match")
    check(s.get(path(iid, "/after-action")).json["sections"]["summary"]["text"] == "one", "a refused edit was written")
    r = expect_status(s.patch(path(iid, "/after-action"), {"rootCauseTags": [" Cert Expiry", "cert expiry", "DNS"]}), 200)
    check(r.json["rootCauseTags"] == ["cert expiry", "dns"], "tags: %s" % r.json["rootCauseTags"])
    for bad in (["a|b"], [""], "dns", [1], ["x" * 41], ["t%d" % i for i in range(21)]):
        expect_error(s.patch(path(iid, "/after-action"), {"rootCauseTags": bad}), 400, "invalid_field", "rootCauseTags")
    md = s.get(path(iid, "/after-action.md")).raw.decode()
    check("Root-cause tags: `cert expiry`, `dns`" in md, "tags not in the Markdown: %s" % short(md, 300))
    r = expect_status(s.patch(path(iid, "/after-action"), {"rootCauseTags": None}), 200)
    check(r.json["rootCauseTags"] == [], "tags not cleared: %s" % r.json["rootCauseTags"])
    expect_status(s.patch(path(iid, "/after-action"), {"rootCauseTags": ["cert expiry"]}), 200)
    STATE["tagged"] = iid


@case
def test_recurrence_by_tag():
    """recurrence: incidents sharing a root-cause tag link to each other, even without a shared system"""
    w = world()
    s = w["srv"]
    if "tagged" not in STATE:
        test_if_match_and_tags()
    a = STATE["tagged"]
    b, _ = resolved_incident(s, "Other system, same cause", systems=("search",))
    doc = expect_status(s.get(path(b, "/after-action")), 200).json
    check(all(r["id"] != a for r in doc["related"]), "related before tagging: %s" % short(doc["related"]))
    doc = expect_status(s.patch(path(b, "/after-action"), {"rootCauseTags": ["Cert expiry"]}), 200).json
    rel = [r for r in doc["related"] if r["id"] == a]
    check(len(rel) == 1 and rel[0]["tags"] == ["cert expiry"] and rel[0]["systems"] == [],
          "related by tag: %s" % short(doc["related"]))
    back = expect_status(s.get(path(a, "/after-action")), 200).json
    rel = [r for r in back["related"] if r["id"] == b]
    check(len(rel) == 1 and rel[0]["tags"] == ["cert expiry"], "the link goes both ways: %s" % short(back["related"]))


@case
def test_open_items_on_shared_systems():
    """GET …/{id}/system-actions: open items of other incidents sharing an affected system (the fireground's note)"""
    w = world()
    s = w["srv"]
    a, inc = resolved_incident(s, "Queue backlog", systems=("Queue", "billing"))
    due = iso_ms(ms(inc["resolvedAt"]) + 24 * 60 * MIN)
    i1 = expect_status(s.post(path(a, "/actions"), {"title": "Alert on backlog", "owner": "Bo", "dueDate": due,
                                                     "priority": "high"}), 201).json
    i2 = expect_status(s.post(path(a, "/actions"), {"title": "Done already", "owner": "Cy", "dueDate": due,
                                                     "priority": "low"}), 201).json
    expect_status(s.patch("/api/v1/actions/%d" % i2["id"], {"state": "done"}), 200)
    b = s.open_incident("Queue slow again", "high", affectedSystems=["queue"])["id"]
    got = expect_status(s.get(path(b, "/system-actions")), 200).json["actions"]
    mine = [x for x in got if x["incident"] == a]
    check([x["id"] for x in mine] == [i1["id"]] and mine[0]["systems"] == ["queue"],
          "open items on the shared system: %s" % short(got))
    own = expect_status(s.get(path(a, "/system-actions")), 200).json["actions"]
    check(all(x["incident"] != a for x in own), "an incident's own items are listed")
    c = s.open_incident("Unrelated", "low", affectedSystems=["cdn-zz"])["id"]
    check(expect_status(s.get(path(c, "/system-actions")), 200).json["actions"] == [], "unrelated incident")
    expect_error(s.get(path("INC-99999", "/system-actions")), 404, "not_found")


def public_surface(s, iid):
    texts = []
    for p in ["/", "/incidents/%s" % iid, "/feed.atom", "/feed.rss", "/badge.svg"] + V2_DOCS:
        r = s.get(p)
        check(r.status == 200, "%s answered %s" % (p, r.status))
        texts.append(r.raw.decode())
    return "\n".join(texts)


@case
def test_public_postmortem():
    """publishing: the public part on the public page at the next request, status postmortem in /api/v2, nothing internal"""
    w = world()
    s = w["srv"]
    mark = INT + uuid.uuid4().hex[:8]
    iid, _ = resolved_incident(s, "Card payments failed", public=True)
    expect_status(s.post(path(iid, "/timeline"), {"text": mark + " internal note"}), 201)
    expect_status(s.patch(path(iid), {"businessImpact": mark + " revenue", "description": mark + " desc"}), 200)
    r = expect_status(s.post(path(iid, "/hypotheses"), {"statement": mark + " hypothesis", "state": "testing"}), 201)
    expect_status(s.patch(path(iid, "/hypotheses/%s" % r.json["id"]), {"state": "confirmed", "evidence": mark + " ev"}), 200)
    before = s.get("/incidents/%s" % iid).raw.decode()   # the cache holds the page now
    check("Postmortem" not in before, "a postmortem before publication")
    v2 = s.get("/api/v2/incidents.json").json
    check([i["status"] for i in v2["incidents"] if i["id"] == iid] == ["resolved"], "status before: %s" % short(v2))
    expect_status(s.patch(path(iid, "/after-action"),
                          {"summary": "Card payments failed for 42 minutes; the gateway certificate had expired.",
                           "wentPoorly": mark + " poorly", "contributingFactors": mark + " factors"}), 200)
    expect_status(s.patch(path(iid, "/after-action"), {"state": "review"}), 200)
    pub = expect_status(s.patch(path(iid, "/after-action"), {"state": "published"}), 200).json
    check(pub["state"] == "published", "not published: %s" % pub["state"])
    page = s.get("/incidents/%s" % iid).raw.decode()
    check("Postmortem" in page and "Card payments failed for 42 minutes" in page,
          "the next request does not show the postmortem: %s" % short(page, 600))
    v2 = s.get("/api/v2/incidents.json").json
    mine = [i for i in v2["incidents"] if i["id"] == iid]
    check(mine and mine[0]["status"] == "postmortem" and "42 minutes" in mine[0]["postmortem_body"],
          "Statuspage incident: %s" % short(mine))
    summary = s.get("/api/v2/summary.json").json
    check(all(i["id"] != iid for i in summary.get("incidents", [])), "a postmortem incident counts as unresolved")
    everything = public_surface(s, iid)
    check(INT not in everything, "internal text on a public surface: %s"
          % short(everything[max(0, everything.find(INT) - 100):], 300))


@case
def test_kpi_figures_charts_metrics():
    """/kpis: cadence adherence per audience and incidents per system by week; /kpis.svg?chart=…; /metrics"""
    w = world()
    s = w["srv"]
    k = expect_status(s.get("/api/v1/kpis"), 200).json
    check([c["audience"] for c in k["cadenceAdherence"]] == ["public", "internal", "exec"],
          "cadenceAdherence: %s" % short(k.get("cadenceAdherence")))
    check(k["systemsByWeek"] and all(set(x) == {"week", "incidents", "systems"} for x in k["systemsByWeek"]),
          "systemsByWeek: %s" % short(k.get("systemsByWeek")))
    check(sum(x["incidents"] for x in k["systemsByWeek"]) == k["incidents"], "weeks do not add up to the incidents")
    for chart in ("durations", "cadence", "actions", "incidents", "mtta", "systems", "weeks"):
        r = expect_status(s.get("/api/v1/kpis.svg?chart=%s" % chart), 200)
        check(r.header("Content-Type").startswith("image/svg+xml"), "%s type" % chart)
        xml_of(r.raw.decode(), "chart %s" % chart)
    expect_error(s.get("/api/v1/kpis.svg?chart=pie"), 400, "invalid_field", "chart")
    m = expect_status(s.get("/metrics"), 200).raw.decode()
    check('majorops_cadence_adherence_ratio{audience="public"}' in m, "no cadence metric")
    check('majorops_cadence_intervals{audience="internal"}' in m, "no interval count metric")


def export(db, out):
    rc, _, err = run_binary(["export", "--db", db, "--out", out], timeout=60)
    check(rc == 0, "export of %s failed (%s): %s" % (db, rc, short(err, 400)))
    with open(out, "rb") as f:
        return f.read()


@case
def test_import_round_trip():
    """majorops import: export → import into a fresh SQLite file → export is byte-identical; refusals"""
    w = world()
    s = w["srv"]
    work = tempfile.mkdtemp(prefix="majorops-import-")
    iid, inc = resolved_incident(s, "Backed up and restored")
    expect_status(s.post(path(iid, "/actions"), {"title": "Restore drill", "owner": "Bo", "priority": "low",
                                                  "dueDate": iso_ms(ms(inc["resolvedAt"]) + 24 * 60 * MIN),
                                                  "trackerUrl": "https://jira.example/OPS-9"}), 201)
    expect_status(s.patch(path(iid, "/after-action"), {"summary": "Ünïcode, \"quotes\" and\nlines",
                                                       "rootCauseTags": ["backup"]}), 200)
    first = export(s.db, os.path.join(work, "a.json"))
    tables = {t["name"]: t for t in json.loads(first)["tables"]}
    for name in ("incidents", "timeline", "updates", "events", "action_items", "after_actions"):
        check(name in tables and tables[name]["rows"], "the export lacks rows of %s" % name)
    fresh = os.path.join(work, "restored.db")
    rc, _, err = run_binary(["import", "--db", fresh, os.path.join(work, "a.json")], timeout=60)
    check(rc == 0 and "imported" in err, "import failed (%s): %s" % (rc, short(err, 400)))
    second = export(fresh, os.path.join(work, "b.json"))
    check(second == first, "the export of the restored store differs (%d vs %d bytes)" % (len(second), len(first)))
    # Into a store that is not empty: refused, nothing written.
    rc, _, err = run_binary(["import", "--db", fresh, os.path.join(work, "a.json")], timeout=60)
    check(rc == 1 and "not empty" in err, "import into a non-empty store: %s %s" % (rc, short(err, 300)))
    # A malformed export, an unknown table, a wrong schema: refused, the store stays empty.
    bad = os.path.join(work, "bad.json")
    doc = json.loads(first)
    cases = []
    doc2 = json.loads(first)
    doc2["tables"].append({"name": "mystery", "columns": ["x"], "rows": []})
    cases.append((doc2, "does not know"))
    doc3 = json.loads(first)
    doc3["schema"] = doc["schema"] + 100
    cases.append((doc3, "schema"))
    doc4 = json.loads(first)
    t = [x for x in doc4["tables"] if x["name"] == "incidents"][0]
    t["rows"][0][0] = "not a number"
    cases.append((doc4, "malformed"))
    for i, (d, why) in enumerate(cases):
        with open(bad, "w") as f:
            json.dump(d, f)
        target = os.path.join(work, "t%d.db" % i)
        rc, _, err = run_binary(["import", "--db", target, bad], timeout=60)
        check(rc == 1 and why in err, "case %d: exit %s, %s" % (i, rc, short(err, 300)))
        rc, out, err = run_binary(["export", "--db", target], timeout=60)
        check(rc == 0 and all(not x["rows"] for x in json.loads(out)["tables"] if x["name"] != "settings"),
              "case %d left rows behind" % i)
    rc, _, err = run_binary(["import", "--db", os.path.join(work, "x.db")], timeout=30)
    check(rc == 2, "no FILE is a usage error: %s" % rc)
    # Serving from the restored store: ids continue after the imported ones.
    r = Server(workdir=work)
    r.db = fresh
    r.start()
    try:
        max_number = max(row[0] for row in tables["incidents"]["rows"])
        inc = r.open_incident("After the restore", "low")
        check(inc["number"] > max_number, "new incident %s not after %s" % (inc["number"], max_number))
    finally:
        r.stop()


if __name__ == "__main__":
    suite.main()
