#!/usr/bin/env python3
"""After Action reviews, action items and KPIs end to end (issue 10, SPEC §14–15).

One realistic record built on a server whose clock the cases move
(MAJOROPS_TEST_CLOCK_OFFSET_FILE, a test-build-only hook): a critical incident with a
problem start, an alert, CANs, a milestone, a confirmed hypothesis, every phase, a reopen
and its second resolution; a high incident without an alert; a drill, which every KPI
leaves out.  Checks the generated document against the record (golden texts, cited
entries, computed delays), edits, the draft → review → published flow and the frozen
copy, Markdown and iCalendar, action items (owner, due date, priority, tracker, states,
reasons, non-negotiable, overdue), `majorops actions --overdue`, and the KPI arithmetic
against hand-computed values — the same figures in Prometheus text at /metrics."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, expect_error, expect_status, iso,  # noqa: E402
                     parse_iso, run_binary, short)
import datetime  # noqa: E402

suite = Suite("afteraction")
case = suite.case
MIN = 60 * 1000
STATE = {}


def path(iid, rest=""):
    return "/api/v1/incidents/%s%s" % (iid, rest)


def ms(text):
    return int(parse_iso(text).timestamp() * 1000)


def iso_ms(value):
    dt = datetime.datetime.fromtimestamp(value / 1000.0, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value % 1000)


def near(got, want, tolerance, what):
    check(got is not None and abs(got - want) <= tolerance, "%s: got %s, want %s ± %s" % (what, got, want, tolerance))


def world():
    """The shared record (built once): server, clock, incidents, items."""
    if STATE.get("srv") is not None and STATE["srv"].alive():
        return STATE
    d = tempfile.mkdtemp(prefix="majorops-aa-")
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
    STATE.update(srv=srv, jump=jump, offset_file=offset_file)
    build(srv, jump)
    return STATE


def phase(s, iid, to):
    expect_status(s.post(path(iid, "/phase"), {"to": to, "override": "test record"}), 200)


def build(s, jump):
    # A: critical, alerted, every phase, reopened once.
    a = s.open_incident("Checkout down", "critical", affectedSystems=["checkout", "payments"])
    ia = a["id"]
    oa = ms(a["openedAt"])
    expect_status(s.patch(path(ia), {"startedAt": iso_ms(oa - 10 * MIN), "alertFiredAt": iso_ms(oa - 4 * MIN),
                                     "customerCount": 1200, "externalImpact": True,
                                     "customerImpactSummary": "Card payments failed for EU customers."}), 200)
    jump(2)
    phase(s, ia, 2)
    rsp = expect_status(s.post(path(ia, "/responders"), {"person": "ana", "rotation": "payments-oncall"}), 201).json
    jump(5)
    expect_status(s.patch(path(ia, "/responders/%s" % rsp["id"]), {"state": "acknowledged"}), 200)
    phase(s, ia, 3)
    jump(6)
    expect_status(s.post(path(ia, "/can"), {"team": "payments", "conditions": "gateway refuses TLS",
                                            "actions": "checking certificates", "needs": "vendor contact"}), 201)
    r = expect_status(s.post(path(ia, "/hypotheses"), {"statement": "Expired TLS certificate on the gateway",
                                                      "state": "testing"}), 201)
    expect_status(s.patch(path(ia, "/hypotheses/%s" % r.json["id"]),
                          {"state": "confirmed", "evidence": "certificate expired 09:04"}), 200)
    note = expect_status(s.post(path(ia, "/timeline"), {"text": "Payments | checkout both red"}), 201).json
    expect_status(s.post(path(ia, "/timeline"), {"text": "Correction: only checkout red", "amends": note["id"]}), 201)
    jump(12)
    expect_status(s.post(path(ia, "/updates"), {"body": "We are restoring card payments.", "audience": "internal",
                                                "nextUpdateEta": iso_ms(oa + 60 * MIN)}), 201)
    phase(s, ia, 4)
    jump(20)
    phase(s, ia, 5)
    jump(30)
    phase(s, ia, 6)
    jump(50)
    phase(s, ia, 7)
    jump(60)
    phase(s, ia, 8)
    jump(65)
    expect_status(s.post(path(ia, "/reopen"), {"reason": "errors returned"}), 200)
    jump(70)
    phase(s, ia, 8)
    expect_status(s.patch(path(ia), {"afterActionAt": iso_ms(oa + 24 * 60 * MIN)}), 200)
    # Action items of A (non-negotiable: critical).
    a1 = expect_status(s.post(path(ia, "/actions"), {"title": "Alert on certificate expiry", "owner": "bo",
                                                     "dueDate": iso_ms(oa + 24 * 60 * MIN), "priority": "high",
                                                     "trackerUrl": "https://jira.example/OPS-1"}), 201)
    a2 = expect_status(s.post(path(ia, "/actions"), {"title": "Runbook for gateway certs", "owner": "cy",
                                                     "dueDate": iso_ms(oa + 90 * MIN), "priority": "medium"}), 201)
    # B: high, no alert, opened at +100 min, resolved at +130.
    jump(100)
    b = s.open_incident("Checkout slow", "high", affectedSystems=["checkout"])
    ib = b["id"]
    ob = ms(b["openedAt"])
    expect_status(s.patch(path(ib), {"startedAt": iso_ms(ob - 4 * MIN)}), 200)
    b1 = expect_status(s.post(path(ib, "/actions"), {"title": "Cache warmup", "owner": "dee",
                                                     "dueDate": iso_ms(ob + 24 * 60 * MIN), "priority": "low"}), 201)
    b2 = expect_status(s.post(path(ib, "/actions"), {"title": "Load test", "owner": "eve",
                                                     "dueDate": iso_ms(ob + 10 * MIN), "priority": "high"}), 201)
    jump(102)
    expect_status(s.post(path(ib, "/updates"), {"body": "Checkout is slow; we are on it.", "audience": "internal",
                                                "nextUpdateEta": iso_ms(ob + 30 * MIN)}), 201)
    jump(120)
    expect_status(s.patch("/api/v1/actions/%s" % a1.json["id"], {"state": "in_progress"}), 200)
    expect_status(s.patch("/api/v1/actions/%s" % a1.json["id"], {"state": "done"}), 200)
    jump(130)
    phase(s, ib, 8)
    # D: a drill, long and slow, with an item: left out of every KPI.
    jump(140)
    d = s.open_incident("Game day: checkout", "critical", affectedSystems=["checkout"], drill=True)
    idd = d["id"]
    d1 = expect_status(s.post(path(idd, "/actions"), {"title": "Drill follow-up", "owner": "fay",
                                                      "dueDate": iso_ms(ms(d["openedAt"]) + 10 * 24 * 60 * MIN),
                                                      "priority": "low"}), 201)
    jump(200)
    expect_status(s.patch("/api/v1/actions/%s" % b2.json["id"], {"state": "done"}), 200)
    expect_status(s.patch("/api/v1/actions/%s" % b1.json["id"], {"state": "wont_do",
                                                                "reason": "superseded by the CDN move"}), 200)
    jump(500)
    STATE.update(ia=ia, ib=ib, idd=idd, oa=oa, ob=ob, a1=a1.json["id"], a2=a2.json["id"], b1=b1.json["id"],
                 b2=b2.json["id"], d1=d1.json["id"])


def review(s, iid):
    return expect_status(s.get(path(iid, "/after-action")), 200).json


@case
def test_generated_document():
    """generated document: golden summary, impact and root cause; computed delays; reopen"""
    w = world()
    s, ia, oa = w["srv"], w["ia"], w["oa"]
    inc = s.incident(ia)
    doc = review(s, ia)
    check(doc["state"] == "draft" and doc["version"] == 0, "a new review is a draft: %s" % short(doc))
    summary = doc["sections"]["summary"]["text"]
    n = ia.split("-")[1]
    started = datetime.datetime.fromtimestamp((oa - 10 * MIN) / 1000.0, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    want_start = "INC-%s (critical, Box 3): Checkout down. The problem began at %s, the alert fired at " % (n, started)
    check(summary.startswith(want_start), "summary opens with the record: %r, want %r" % (summary, want_start))
    check("after 1 h 14 min of impact. Affected systems: checkout, payments. Card payments failed for EU "
          "customers. Root cause: Expired TLS certificate on the gateway. Reopened 1 time." in summary,
          "summary: %r" % summary)
    impact = doc["sections"]["impact"]
    check(impact["text"].startswith("Customers affected: 1200. Duration of impact: 1 h 14 min (from "),
          "impact: %r" % impact["text"])
    check(impact["facts"]["customers"] == 1200 and impact["facts"]["externalImpact"] is True, short(impact))
    check(doc["sections"]["rootCause"]["text"] ==
          "Confirmed: Expired TLS certificate on the gateway (evidence: certificate expired 09:04).",
          "root cause: %r" % doc["sections"]["rootCause"]["text"])
    check("- Reopened: errors returned" in doc["sections"]["contributingFactors"]["text"],
          "factors: %r" % doc["sections"]["contributingFactors"]["text"])
    check("- Incident declared after the alert in 4 min." in doc["sections"]["wentWell"]["text"],
          "went well: %r" % doc["sections"]["wentWell"]["text"])
    check("- The incident was reopened 1 time." in doc["sections"]["wentPoorly"]["text"],
          "went poorly: %r" % doc["sections"]["wentPoorly"]["text"])
    dl = doc["delays"]
    check(dl["detectionSeconds"] == 360 and dl["escalationSeconds"] == 240, "delays: %s" % short(dl))
    resolved = ms(inc["resolvedAt"])
    near(dl["toResolveSeconds"], (resolved - (oa - 4 * MIN)) / 1000.0, 0.001, "toResolveSeconds (exact)")
    near(dl["toResolveSeconds"], 74 * 60, 5, "toResolveSeconds (nominal)")
    near(dl["toFirstCanSeconds"], 360, 5, "toFirstCanSeconds")
    near(dl["toFirstMilestoneSeconds"], 720, 5, "toFirstMilestoneSeconds")
    names = [c["clock"] for c in doc["clocks"]]
    check(names[:5] == ["started", "alertFired", "opened", "firstCan", "firstMilestone"] and names[-1] == "resolved",
          "clocks in story order: %s" % names)
    check(len(doc["reopens"]) == 1 and doc["reopens"][0]["reason"] == "errors returned", short(doc["reopens"]))
    check(doc["reviewAt"] == inc["afterActionAt"], "reviewAt is afterActionAt")
    check([x["id"] for x in doc["actionItems"]] == [w["a2"], w["a1"]], "items by due date: %s" % short(doc["actionItems"]))
    rel = [x["id"] for x in doc["related"]]
    check(w["ib"] in rel and w["idd"] in rel, "recurrence: incidents sharing checkout are related: %s" % rel)


@case
def test_timeline_cited_not_rewritten():
    """timeline section: entries of record cited by id with their text; bookkeeping left out"""
    w = world()
    s, ia = w["srv"], w["ia"]
    record = {e["id"]: e for e in s.timeline(ia)}
    doc = review(s, ia)
    cited = doc["timeline"]["entries"]
    check(len(cited) > 10, "the story is cited: %d entries" % len(cited))
    for c in cited:
        e = record.get(c["entry"])
        check(e is not None, "entry %s is on the timeline" % c["entry"])
        check(c["text"] == e["text"] and c["at"] == e["at"] and c["type"] == e["type"],
              "entry %s cited as written: %s vs %s" % (c["entry"], short(c), short(e)))
        check(not (e.get("payload") or {}).get("actionItem"), "action item bookkeeping is not the story")
    note = [c for c in cited if c["text"] == "Payments | checkout both red"]
    check(len(note) == 1 and len(note[0]["amendedBy"]) == 1, "a corrected entry says so: %s" % short(note))


@case
def test_edit_and_publish():
    """edits in place, draft → review → published, frozen: 409 doctrine afterward"""
    w = world()
    s, ia, ib, idd = w["srv"], w["ia"], w["ib"], w["idd"]
    ids = [e["id"] for e in s.timeline(ia)][:3]
    other = s.timeline(ib)[0]["id"]
    expect_error(s.patch(path(ia, "/after-action"), {"state": "published"}), 409, "doctrine",
                 rule="afterAction.reviewFirst")
    expect_error(s.patch(path(ia, "/after-action"), {"timeline": [other]}), 400, "invalid_field", field="timeline")
    expect_error(s.patch(path(ia, "/after-action"), {"timeline": ["x"]}), 400, "invalid_field", field="timeline")
    expect_error(s.patch(path(ia, "/after-action"), {"verdict": "bad"}), 400, "unknown_field")
    expect_error(s.patch(path(ia, "/after-action"), {}), 400, "missing_field")
    expect_error(s.patch(path(idd, "/after-action"), {"state": "review"}), 409, "doctrine",
                 rule="afterAction.notResolved")
    r = expect_status(s.patch(path(ia, "/after-action"), {"summary": "Card payments failed for 74 minutes.",
                                                         "wentWell": "Fast declaration.", "timeline": ids}), 200)
    doc = r.json
    check(doc["sections"]["summary"] == {"text": "Card payments failed for 74 minutes.", "edited": True,
                                         "generated": doc["sections"]["summary"]["generated"]}, short(doc["sections"]["summary"]))
    check([c["entry"] for c in doc["timeline"]["entries"]] == ids and doc["timeline"]["edited"] is True,
          "the edit chose the cited entries: %s" % short(doc["timeline"]))
    check(doc["version"] == 1 and doc["updatedBy"], "version and author: %s" % short(doc))
    r = expect_status(s.patch(path(ia, "/after-action"), {"wentWell": None}), 200)
    check(r.json["sections"]["wentWell"]["edited"] is False, "null goes back to the generated text")
    expect_status(s.patch(path(ia, "/after-action"), {"state": "review"}), 200)
    entries = s.timeline(ia)
    check(any(e["text"] == "After Action: draft → review" for e in entries), "the state change is on the timeline")
    pub = expect_status(s.patch(path(ia, "/after-action"), {"state": "published"}), 200).json
    check(pub["state"] == "published" and pub["publishedAt"], "published: %s" % short(pub))
    expect_error(s.patch(path(ia, "/after-action"), {"summary": "rewrite"}), 409, "doctrine",
                 rule="afterAction.published")
    expect_error(s.patch(path(ia, "/after-action"), {"state": "draft"}), 409, "doctrine",
                 rule="afterAction.published")
    # The record moves on; the published document does not.
    expect_status(s.post(path(ia, "/timeline"), {"text": "late note"}), 201)
    expect_status(s.patch(path(ia), {"title": "Checkout down (renamed)"}), 200)
    again = review(s, ia)
    check(again == pub, "the published document is frozen: %s" % short(again))


@case
def test_markdown_and_ics():
    """.md renders the document as Markdown; .ics is the review meeting; 404 when unscheduled"""
    w = world()
    s, ia, ib = w["srv"], w["ia"], w["ib"]
    r = expect_status(s.get(path(ia, "/after-action.md")), 200)
    check(r.header("Content-Type").startswith("text/markdown"), "content type %s" % r.header("Content-Type"))
    md = r.raw.decode("utf-8")
    check(md.startswith("# After Action: %s — Checkout down\n" % ia), "title line: %r" % md[:80])
    for heading in ("## Summary", "## Timeline", "## Impact", "## Root cause", "## Contributing factors",
                    "## Detection and escalation", "## What went well", "## What went poorly", "## Action items"):
        check("\n%s\n" % heading in md, "Markdown has %s" % heading)
    check("| Entry | Time | Type | Author | Text |" in md, "the timeline is a table")
    r = expect_status(s.get(path(ia, "/after-action.ics")), 200)
    check(r.header("Content-Type").startswith("text/calendar"), "content type %s" % r.header("Content-Type"))
    ics = r.raw.decode("utf-8")
    check(ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n"), "a calendar: %r" % ics[:60])
    start = parse_iso(s.incident(ia)["afterActionAt"]).strftime("%Y%m%dT%H%M%SZ")
    check("\r\nDTSTART:%s\r\n" % start in ics, "DTSTART is afterActionAt (%s): %r" % (start, ics))
    check(all(len(line.encode("utf-8")) <= 75 for line in ics.split("\r\n")), "lines folded at 75 octets")
    expect_error(s.get(path(ib, "/after-action.ics")), 404, "not_found")
    expect_error(s.get(path("INC-9999", "/after-action")), 404, "not_found")


@case
def test_markdown_renders():
    """the Markdown export renders with cmark-gfm: headings, tables, escaped cells intact"""
    import subprocess
    import xml.etree.ElementTree as ET
    w = world()
    s = w["srv"]
    cmark = "/usr/bin/cmark-gfm"
    check(os.path.exists(cmark), "no %s (scripts/deps.sh test installs cmark-gfm)" % cmark)
    expect_status(s.post(path(w["ib"], "/timeline"), {"text": "cache | CDN both cold"}), 201)
    md = expect_status(s.get(path(w["ib"], "/after-action.md")), 200).raw
    p = subprocess.run([cmark, "-e", "table", "--to", "xml"], input=md, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    check(p.returncode == 0, "cmark-gfm failed: %s" % short(p.stderr))
    root = ET.fromstring(p.stdout)
    ns = "{http://commonmark.org/xml/1.0}"
    def words(node):
        return "".join(t.text or "" for t in node.iter() if t.tag in (ns + "text", ns + "code"))
    headings = [words(h) for h in root.iter(ns + "heading")]
    check(headings[0] == "After Action: %s — Checkout slow" % w["ib"] and "Action items" in headings,
          "headings: %s" % headings)
    tables = list(root.iter(ns + "table"))
    check(len(tables) == 4, "timeline, clocks, phases and action items are tables: %d" % len(tables))
    cells = [words(c) for c in tables[0].iter(ns + "table_cell")]
    check("cache | CDN both cold" in cells, "a cell with a pipe stays one cell: %s" % short(cells, 600))


@case
def test_svg_charts():
    """SVG charts: the phase Gantt and the KPI bars are well-formed XML with their numbers"""
    import xml.etree.ElementTree as ET
    w = world()
    s = w["srv"]
    ns = "{http://www.w3.org/2000/svg}"
    r = expect_status(s.get(path(w["ib"], "/after-action.svg")), 200)
    check(r.header("Content-Type") == "image/svg+xml", r.header("Content-Type"))
    root = ET.fromstring(r.raw)
    check(root.tag == ns + "svg", "root element: %s" % root.tag)
    texts = [t.text for t in root.iter(ns + "text")]
    check("1 Alert" in texts and "30 min" in texts, "B's Alert bar with its duration: %s" % texts)
    r = expect_status(s.get("/api/v1/kpis.svg"), 200)
    root = ET.fromstring(r.raw)
    texts = [t.text for t in root.iter(ns + "text")]
    check("MTTR" in texts and "Time to open" in texts and "7 min (n=2)" in texts, "KPI bars: %s" % texts)
    check(any(x and x.startswith("54 min") and x.endswith("(n=2)") for x in texts), "MTTR 54 min: %s" % texts)


@case
def test_action_items():
    """action items: validation, states forward, wont_do needs a reason, non-negotiable, overdue list"""
    w = world()
    s, ia, ib = w["srv"], w["ia"], w["ib"]
    due = iso(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30))
    base = {"title": "t", "owner": "gil", "dueDate": due, "priority": "high"}
    for field in ("title", "owner", "dueDate", "priority"):
        body = dict(base)
        del body[field]
        expect_error(s.post(path(ib, "/actions"), body), 400, "missing_field", field=field)
    expect_error(s.post(path(ib, "/actions"), dict(base, priority="p0")), 400, "invalid_field", field="priority")
    expect_error(s.post(path(ib, "/actions"), dict(base, owner="   ")), 400, "invalid_field", field="owner")
    expect_error(s.post(path(ib, "/actions"), dict(base, trackerUrl="ftp://x")), 400, "invalid_field", field="trackerUrl")
    expect_error(s.post(path(ib, "/actions"), dict(base, state="done")), 400, "invalid_field", field="state")
    expect_error(s.post(path("INC-9999", "/actions"), base), 404, "not_found")
    r = expect_status(s.post(path(ib, "/actions"), base), 201)
    item = r.json
    check(r.header("Location") == "/api/v1/actions/%s" % item["id"], "Location: %s" % r.header("Location"))
    check(item["state"] == "open" and item["nonNegotiable"] is False and item["overdue"] is False, short(item))
    p = "/api/v1/actions/%s" % item["id"]
    expect_status(s.patch(p, {"state": "in_progress"}), 200)
    expect_error(s.patch(p, {"state": "open"}), 409, "doctrine", rule="action.forwardOnly")
    expect_error(s.patch(p, {"state": "wont_do"}), 400, "missing_field", field="reason")
    done = expect_status(s.patch(p, {"state": "wont_do", "reason": "no longer needed"}), 200).json
    check(done["reason"] == "no longer needed" and done["closedAt"], short(done))
    expect_error(s.patch(p, {"title": "again"}), 409, "doctrine", rule="action.closed")
    n_entries = len(s.timeline(ib))
    same = expect_status(s.patch(p, {"title": "t", "owner": "gil"}), 200).json
    check(same["updatedAt"] == done["updatedAt"] and len(s.timeline(ib)) == n_entries,
          "a change that changes nothing answers the item and writes nothing")
    expect_error(s.patch("/api/v1/actions/%s" % w["a2"], {"state": "wont_do", "reason": "costly"}), 409,
                 "doctrine", rule="action.nonNegotiable")
    expect_error(s.patch("/api/v1/actions/999999", {"state": "done"}), 404, "not_found")
    expect_error(s.get("/api/v1/actions?state=bogus"), 400, "invalid_field", field="state")
    expect_error(s.get("/api/v1/actions?overdue=maybe"), 400, "invalid_field", field="overdue")
    overdue = expect_status(s.get("/api/v1/actions?overdue=true"), 200).json["actions"]
    check([x["id"] for x in overdue] == [w["a2"]] and overdue[0]["overdue"] is True,
          "only the open item past its due date: %s" % short(overdue))
    mine = expect_status(s.get(path(ia, "/actions")), 200).json["actions"]
    check({x["id"] for x in mine} == {w["a1"], w["a2"]} and all(x["nonNegotiable"] for x in mine),
          "A's items, non-negotiable (critical): %s" % short(mine))
    wont = expect_status(s.get("/api/v1/actions?state=wont_do"), 200).json["actions"]
    check({x["id"] for x in wont} == {w["b1"], item["id"]}, "wont_do filter: %s" % short(wont))
    entries = s.timeline(ib)
    check(any(e["text"].startswith("Action item #%s: in_progress → wont_do" % item["id"]) for e in entries),
          "every change is on the incident's timeline")


@case
def test_cli_overdue():
    """majorops actions --overdue prints the overdue items for scripts (tab-separated)"""
    w = world()
    env = {"MAJOROPS_TEST_CLOCK_OFFSET_FILE": w["offset_file"]}
    rc, out, err = run_binary(["actions", "--overdue", "--db", w["srv"].db], env=env)
    check(rc == 0, "exit %d: %s" % (rc, err))
    lines = [line.split("\t") for line in out.splitlines()]
    check(len(lines) == 1 and lines[0][0] == str(w["a2"]) and lines[0][1] == w["ia"] and lines[0][3] == "open"
          and lines[0][5] == "cy" and lines[0][6] == "Runbook for gateway certs", "overdue lines: %r" % out)
    rc, out, err = run_binary(["actions", "--state", "bogus", "--db", w["srv"].db], env=env)
    check(rc == 2 and "unknown state" in err, "a bad state is a usage error: %d %r" % (rc, err))


@case
def test_export_record():
    """GET /incidents/{id}/export: the whole record of one incident as JSON"""
    w = world()
    s, ia = w["srv"], w["ia"]
    r = expect_status(s.get(path(ia, "/export")), 200)
    x = r.json
    check(set(x) == {"exportedAt", "incident", "timeline", "updates", "responders", "actionItems", "afterAction"},
          "members: %s" % sorted(x))
    check(x["incident"]["id"] == ia and x["timeline"] == s.timeline(ia), "incident and every timeline entry")
    check(x["updates"] == expect_status(s.get(path(ia, "/updates")), 200).json["updates"], "updates as GET answers them")
    check({a["id"] for a in x["actionItems"]} >= {w["a1"], w["a2"]}, "action items: %s" % short(x["actionItems"]))
    check(x["afterAction"]["incident"] == ia, "the After Action document")
    expect_error(s.get(path("INC-9999", "/export")), 404, "not_found")


@case
def test_kpis():
    """KPIs: hand-computed figures, drill excluded; window; the same at /metrics"""
    w = world()
    s = w["srv"]
    k = expect_status(s.get("/api/v1/kpis"), 200).json
    check(k["incidents"] == 2 and k["drillsExcluded"] == 1 and k["resolved"] == 2, "counts: %s" % short(k))
    check(k["reopened"] == 1 and k["reopenRate"] == 0.5, "reopen rate: %s" % k["reopenRate"])
    # time to open: A 10 min (set exactly), B 4 min (set exactly)
    check(k["timeToOpen"] == {"count": 2, "meanSeconds": 420.0, "medianSeconds": 420.0}, short(k["timeToOpen"]))
    # MTTR: A alert -4 → 70 = 74 min, B start -4 → +30 = 34 min: mean 54 min
    check(k["mttr"]["count"] == 2, short(k["mttr"]))
    near(k["mttr"]["meanSeconds"], 54 * 60, 5, "MTTR mean")
    ia, ib = s.incident(w["ia"]), s.incident(w["ib"])
    exact = ((ms(ia["resolvedAt"]) - ms(ia["alertFiredAt"])) + (ms(ib["resolvedAt"]) - ms(ib["startedAt"]))) / 2000.0
    near(k["mttr"]["meanSeconds"], exact, 0.001, "MTTR mean (from the record)")
    check(k["timeToFirstCan"]["count"] == 1, short(k["timeToFirstCan"]))
    near(k["timeToFirstCan"]["meanSeconds"], 360, 5, "time to first CAN")
    near(k["timeToFirstMilestone"]["meanSeconds"], (720 + 120) / 2, 5, "time to first milestone")
    alert = k["phases"][0]
    check(alert["number"] == 1 and alert["count"] == 2, short(alert))
    near(alert["meanSeconds"], (2 * 60 + 30 * 60) / 2, 5, "time in Alert (A 2 min, B 30 min)")
    ai = k["actionItems"]
    # A: a1 done on time, a2 open and overdue; B: b1 wont_do, b2 done late, plus the item
    # the action item case added and abandoned; the drill's item is not counted.
    check(ai["done"] == 2 and ai["closedOnTime"] == 1 and ai["closedLate"] == 1, short(ai))
    check(ai["overdue"] == 1 and ai["open"] == 1, short(ai))
    check(ai["wontDo"] in (1, 2) and ai["total"] == 4 + (ai["wontDo"] - 1), short(ai))
    check(k["systems"][0] == {"system": "checkout", "incidents": 2}, "recurrence per system: %s" % short(k["systems"]))
    team = [t for t in k["mttaByTeam"] if t["team"] == "payments-oncall"]
    check(len(team) == 1 and team[0]["count"] == 1, "MTTA per team: %s" % short(k["mttaByTeam"]))
    near(team[0]["meanSeconds"], 180, 5, "MTTA payments-oncall (paged +2 min, acknowledged +5 min)")
    # A window after A: only B.
    after_a = iso_ms(w["oa"] + 80 * MIN)
    k2 = expect_status(s.get("/api/v1/kpis?from=%s" % after_a), 200).json
    check(k2["incidents"] == 1 and k2["drillsExcluded"] == 1 and k2["timeToOpen"]["meanSeconds"] == 240.0, short(k2))
    k3 = expect_status(s.get("/api/v1/kpis?to=%s" % after_a), 200).json
    check(k3["incidents"] == 1 and k3["drillsExcluded"] == 0, short(k3))
    expect_error(s.get("/api/v1/kpis?from=yesterday"), 400, "invalid_field", field="from")
    expect_error(s.get("/api/v1/kpis?from=%s&to=%s" % (after_a, after_a)), 400, "invalid_field", field="to")
    r = expect_status(s.get("/metrics"), 200)
    check(r.header("Content-Type").startswith("text/plain; version=0.0.4"), r.header("Content-Type"))
    text = r.raw.decode("utf-8")
    for line in ("majorops_incidents 2", "majorops_drills_excluded 1", "majorops_reopen_ratio 0.5",
                 'majorops_time_to_open_seconds{stat="mean"} 420', 'majorops_action_items_overdue 1',
                 'majorops_incidents_by_system{system="checkout"} 2',
                 'majorops_mtta_seconds{team="payments-oncall",stat="count"} 1'):
        check("\n%s\n" % line in "\n" + text, "metrics has %r: %s" % (line, short(text, 800)))
    for line in text.splitlines():
        check(line.startswith("# HELP ") or line.startswith("# TYPE ") or
              (line.startswith("majorops_") and len(line.split(" ")) == 2), "exposition line: %r" % line)


if __name__ == "__main__":
    suite.main()
