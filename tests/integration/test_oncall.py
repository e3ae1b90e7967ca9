#!/usr/bin/env python3
"""On-call and paging through the real binary (issue 9, teams.h, pages.h): teams, rotations
and overrides with their validation errors, who is on call at a time (a Europe/Berlin
rotation across the spring change), the iCalendar feed parsed line by line (signed URL,
CRLF, folding at 75 octets, escaping, BEGIN/END balance), paging a team (the on-call person
paged, a responder and an internal timeline entry), escalation after ackMinutes on a
server whose clock the case moves (next person, manager, expired), acknowledgement by the
signed link once (a second use and a tampered or expired link refused), named escalation
rules, a run card paging a configured team, and MTTA per team without drills.
test_postgres.py runs this file on PostgreSQL too."""

import datetime
import os
import sys
import tempfile
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, expect_error, expect_status, iso,  # noqa: E402
                     owned_server_check, parse_iso, short, utcnow)

suite = Suite("oncall")
case = suite.case
S = lambda: suite.shared()  # noqa: E731
MIN = 60 * 1000


def tag():
    return uuid.uuid4().hex[:8]


def make_team(s, name=None, members=("Ann Alpha", "Bob Beta", "Cy Gamma"), **fields):
    body = {"name": name or "Team " + tag(),
            "members": [{"name": m, "email": m.split()[0].lower() + "@example.com"} for m in members]}
    body.update(fields)
    r = s.post("/api/v1/teams", body, actor="Admin Ada")
    expect_status(r, 201)
    check(r.header("Location") == "/api/v1/teams/%d" % r.json["id"], "Location %r" % r.header("Location"))
    return r.json


def make_rotation(s, team, **fields):
    body = {"name": "Primary", "shiftHours": 24, "handoverTime": "09:00", "zone": "UTC",
            "startDate": "2026-01-01", "order": [m["name"] for m in team["members"]]}
    body.update(fields)
    r = s.post("/api/v1/teams/%d/rotations" % team["id"], body, actor="Admin Ada")
    expect_status(r, 201)
    check(r.header("Location") == "/api/v1/rotations/%d" % r.json["id"], "Location %r" % r.header("Location"))
    return r.json


def oncall_of(s, team_id, at=None):
    path = "/api/v1/oncall" + ("?at=" + urllib.parse.quote(at) if at else "")
    r = expect_status(s.get(path), 200).json
    for t in r["teams"]:
        if t["team"]["id"] == team_id:
            return t
    raise AssertionError("team %d missing from %s" % (team_id, short(r)))


def timeline_pages(s, iid):
    r = expect_status(s.get("/api/v1/incidents/%s/timeline" % iid), 200).json
    return [e for e in r["entries"] if e["type"] == "page"]


def responders(s, iid):
    return expect_status(s.get("/api/v1/incidents/%s/responders" % iid), 200).json["responders"]


def ack_path(url):
    """The path of an ackUrl (absolute or relative)."""
    p = urllib.parse.urlparse(url)
    check(p.path.startswith("/ack/"), "ackUrl %r" % url)
    return p.path


# ---------------------------------------------------------------- teams

@case
def test_team_validation():
    """teams: create, list, get, patch; every bad field answered 400 naming it, names unique"""
    s = S()
    name = "Payments " + tag()
    team = make_team(s, name, manager="Mia Manager", managerEmail="mia@example.com", ackMinutes=7)
    check(team["ackMinutes"] == 7 and team["steps"] == ["next", "manager"] and team["manager"] == "Mia Manager",
          "team: %s" % short(team))
    check(len(team["members"]) == 3 and team["members"][0] == {"name": "Ann Alpha", "email": "ann@example.com"},
          "members: %s" % short(team["members"]))
    check(team["rotations"] == [], "rotations: %s" % short(team))
    defaults = make_team(s, members=("Solo",))
    check(defaults["ackMinutes"] == 5 and defaults["manager"] is None, "defaults: %s" % short(defaults))
    expect_error(s.post("/api/v1/teams", {"name": name}), 409, "already_exists", "name")
    expect_error(s.post("/api/v1/teams", {}), 400, "missing_field", "name")
    expect_error(s.post("/api/v1/teams", {"name": "  "}), 400, "invalid_field", "name")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "ackMinutes": 0}), 400, field="ackMinutes")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "steps": ["next", "ceo"]}), 400, "invalid_field", "steps")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "members": [{"name": "A", "email": "nope"}]}),
                 400, "invalid_field", "members")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "members": [{"name": "A"}, {"name": "A"}]}),
                 400, "invalid_field", "members")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "members": "Ann"}), 400, "invalid_field", "members")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "members": [{"name": "A", "phone": "1"}]}),
                 400, "unknown_field", "members")
    expect_error(s.post("/api/v1/teams", {"name": "x" + tag(), "colour": "red"}), 400, "unknown_field", "colour")
    got = expect_status(s.get("/api/v1/teams/%d" % team["id"]), 200).json
    check(got["name"] == name, "get: %s" % short(got))
    listed = expect_status(s.get("/api/v1/teams"), 200).json["teams"]
    check(name in [t["name"] for t in listed], "list: %s" % short(listed))
    expect_error(s.get("/api/v1/teams/999999"), 404, "not_found")
    expect_error(s.get("/api/v1/teams/abc"), 404, "not_found")
    patched = expect_status(s.patch("/api/v1/teams/%d" % team["id"], {"manager": "Max Manager", "ackMinutes": 3}), 200).json
    check(patched["manager"] == "Max Manager" and patched["ackMinutes"] == 3, "patched: %s" % short(patched))
    expect_error(s.patch("/api/v1/teams/%d" % team["id"], {"name": defaults["name"]}), 409, "already_exists", "name")
    expect_error(s.patch("/api/v1/teams/%d" % team["id"], {}), 400, "missing_field")
    # Nobody leaves a team while a rotation's order names them.
    make_rotation(s, team)
    expect_error(s.patch("/api/v1/teams/%d" % team["id"], {"members": [{"name": "Ann Alpha"}]}), 409, field="members")


@case
def test_rotation_validation():
    """rotations: shift length, hand-over time, zone, start date and order checked; the rotation shows who is on call and its calendar URL"""
    s = S()
    team = make_team(s)
    tid = team["id"]
    base = {"name": "R", "shiftHours": 24, "handoverTime": "09:00", "zone": "Europe/Berlin",
            "startDate": "2026-03-02", "order": ["Ann Alpha"]}
    for field, value, code in [("shiftHours", 5, "invalid_field"), ("shiftHours", 36, "invalid_field"),
                               ("shiftHours", 0, "invalid_field"), ("handoverTime", "9:00", "invalid_field"),
                               ("handoverTime", "24:00", "invalid_field"), ("zone", "Mars/Base", "invalid_field"),
                               ("zone", "../../etc/passwd", "invalid_field"), ("startDate", "2026-02-30", "invalid_field"),
                               ("order", ["Zed Unknown"], "invalid_field"), ("order", [], "invalid_field"),
                               ("order", ["Ann Alpha", "Ann Alpha"], "invalid_field")]:
        body = dict(base)
        body[field] = value
        expect_error(s.post("/api/v1/teams/%d/rotations" % tid, body), 400, code, field)
    body = dict(base)
    del body["zone"]
    expect_error(s.post("/api/v1/teams/%d/rotations" % tid, body), 400, "missing_field", "zone")
    expect_error(s.post("/api/v1/teams/999999/rotations", base), 404, "not_found")
    rot = make_rotation(s, team, zone="Europe/Berlin", shiftHours=12)
    check(rot["shiftHours"] == 12 and rot["zone"] == "Europe/Berlin" and rot["handoverTime"] == "09:00",
          "rotation: %s" % short(rot))
    check(rot["team"] == {"id": tid, "name": team["name"]}, "team: %s" % short(rot["team"]))
    check([m["name"] for m in rot["order"]] == ["Ann Alpha", "Bob Beta", "Cy Gamma"] and
          rot["order"][1]["email"] == "bob@example.com", "order: %s" % short(rot["order"]))
    check(rot["oncall"] is not None and rot["oncall"]["person"] in ("Ann Alpha", "Bob Beta", "Cy Gamma"),
          "oncall: %s" % short(rot["oncall"]))
    check("/api/v1/rotations/%d/calendar.ics?token=" % rot["id"] in rot["calendarUrl"], "calendarUrl %r" % rot["calendarUrl"])
    expect_error(s.post("/api/v1/teams/%d/rotations" % tid, dict(base, name="Primary")), 409, "already_exists", "name")
    got = expect_status(s.get("/api/v1/rotations/%d" % rot["id"]), 200).json
    check(got["calendarUrl"] == rot["calendarUrl"] and got["overrides"] == [], "get: %s" % short(got))
    expect_error(s.get("/api/v1/rotations/999999"), 404, "not_found")


@case
def test_oncall_at_across_dst():
    """/oncall?at=: a daily 09:00 Europe/Berlin rotation hands over at 08:00Z before and 07:00Z after the spring change"""
    s = S()
    team = make_team(s)
    make_rotation(s, team, zone="Europe/Berlin", startDate="2026-03-27")
    # 27th Ann, 28th Bob (a 23-hour shift), 29th Cy, 30th Ann.
    t = oncall_of(s, team["id"], "2026-03-28T12:00:00Z")
    check(t["oncall"]["person"] == "Bob Beta" and t["oncall"]["since"] == "2026-03-28T08:00:00Z"
          and t["oncall"]["until"] == "2026-03-29T07:00:00Z", "28th: %s" % short(t))
    check(t["next"]["person"] == "Cy Gamma" and t["next"]["until"] == "2026-03-30T07:00:00Z", "next: %s" % short(t["next"]))
    check(t["oncall"]["rotation"]["name"] == "Primary" and t["oncall"]["email"] == "bob@example.com", "oncall: %s" % short(t))
    t = oncall_of(s, team["id"], "2026-03-29T07:00:00Z")
    check(t["oncall"]["person"] == "Cy Gamma", "29th: %s" % short(t))
    t = oncall_of(s, team["id"], "2026-03-30T06:59:59Z")
    check(t["oncall"]["person"] == "Cy Gamma", "30th before the hand-over: %s" % short(t))
    t = oncall_of(s, team["id"], "2026-03-30T07:00:00Z")
    check(t["oncall"]["person"] == "Ann Alpha", "wraps round: %s" % short(t))
    t = oncall_of(s, team["id"], "2026-03-27T07:59:59Z")
    check(t["oncall"] is None, "before the start: %s" % short(t))
    expect_error(s.get("/api/v1/oncall?at=yesterday"), 400, "invalid_field", "at")


@case
def test_overrides():
    """overrides: the person wins inside the window only; validation names the field"""
    s = S()
    team = make_team(s)
    rot = make_rotation(s, team)
    start = utcnow().replace(microsecond=0) + datetime.timedelta(days=2)
    end = start + datetime.timedelta(hours=6)
    path = "/api/v1/rotations/%d/overrides" % rot["id"]
    expect_error(s.post(path, {"person": "Zoe", "from": iso(end), "to": iso(start)}), 400, "invalid_field", "to")
    expect_error(s.post(path, {"person": "Zoe", "from": iso(start)}), 400, "missing_field", "to")
    expect_error(s.post(path, {"person": "", "from": iso(start), "to": iso(end)}), 400, "invalid_field", "person")
    expect_error(s.post(path, {"person": "Zoe", "from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}),
                 400, "invalid_field", "to")
    expect_error(s.post("/api/v1/rotations/999999/overrides", {"person": "Zoe", "from": iso(start), "to": iso(end)}),
                 404, "not_found")
    r = s.post(path, {"person": "Zoe Override", "from": iso(start), "to": iso(end), "reason": "I take Friday night"})
    ov = expect_status(r, 201).json
    check(ov["person"] == "Zoe Override" and ov["reason"] == "I take Friday night" and ov["from"] == iso(start),
          "override: %s" % short(ov))
    inside = oncall_of(s, team["id"], iso(start + datetime.timedelta(hours=1)))["oncall"]
    check(inside["person"] == "Zoe Override" and inside["override"]["id"] == ov["id"] and inside["until"] == iso(end),
          "inside: %s" % short(inside))
    before = oncall_of(s, team["id"], iso(start - datetime.timedelta(seconds=1)))["oncall"]
    after = oncall_of(s, team["id"], iso(end))["oncall"]
    check(before["person"] != "Zoe Override" and before["override"] is None and before["until"] == iso(start),
          "before: %s" % short(before))
    check(after["person"] != "Zoe Override" and after["override"] is None, "after: %s" % short(after))
    got = expect_status(s.get("/api/v1/rotations/%d" % rot["id"]), 200).json
    check([o["id"] for o in got["overrides"]] == [ov["id"]], "listed: %s" % short(got["overrides"]))


# ---------------------------------------------------------------- the calendar

def parse_ics(raw):
    """Checks the iCalendar framing and returns the unfolded content lines."""
    check(raw.endswith(b"\r\n"), "does not end with CRLF")
    check(b"\n" not in raw.replace(b"\r\n", b""), "a bare LF")
    physical = raw[:-2].split(b"\r\n")
    lines = []
    for p in physical:
        check(len(p) <= 75, "a line of %d octets: %r" % (len(p), p[:90]))
        if p[:1] == b" ":
            check(lines, "a continuation first")
            lines[-1] += p[1:]
        else:
            lines.append(p)
    text = [line.decode("utf-8") for line in lines]
    stack = []
    for line in text:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            check(stack and stack[-1] == line[4:], "END:%s does not close %s" % (line[4:], stack))
            stack.pop()
    check(stack == [], "unclosed: %s" % stack)
    check(text[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in text and any(t.startswith("PRODID:") for t in text),
          "header: %s" % text[:4])
    return text


def events_of(lines):
    events, cur = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            cur = {}
        elif line == "END:VEVENT":
            events.append(cur)
            cur = None
        elif cur is not None:
            k, v = line.split(":", 1)
            cur[k.split(";")[0]] = v
    return events


@case
def test_calendar_feed():
    """calendar.ics: needs its signed token; VEVENT per shift in UTC, CRLF, folded at 75 octets, TEXT escaped"""
    s = S()
    long_name = "Storage, Backup; and Recovery — Europe " + tag() + " " + "ü" * 30
    team = make_team(s, long_name, members=("Ann Alpha", "Bob Beta"))
    rot = make_rotation(s, team, zone="America/New_York", startDate="2026-01-05", shiftHours=24)
    url = urllib.parse.urlparse(rot["calendarUrl"])
    path = url.path
    token = urllib.parse.parse_qs(url.query)["token"][0]
    expect_error(s.get(path), 403, "forbidden", "token")
    expect_error(s.get(path + "?token=" + "0" * 64), 403, "forbidden", "token")
    other = make_rotation(s, team, name="Other")
    expect_error(s.get("/api/v1/rotations/%d/calendar.ics?token=%s" % (other["id"], token)), 403, "forbidden")
    expect_error(s.get(path + "?token=%s&weeks=99" % token), 400, "invalid_field", "weeks")
    r = s.get(path + "?token=%s&weeks=2" % token)
    expect_status(r, 200)
    check((r.header("Content-Type") or "").startswith("text/calendar"), "Content-Type %r" % r.header("Content-Type"))
    lines = parse_ics(r.raw)
    events = events_of(lines)
    check(14 <= len(events) <= 15, "%d events for two weeks of daily shifts" % len(events))
    for e in events:
        for k in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            check(k in e, "event without %s: %s" % (k, short(e)))
        start = datetime.datetime.strptime(e["DTSTART"], "%Y%m%dT%H%M%SZ")
        end = datetime.datetime.strptime(e["DTEND"], "%Y%m%dT%H%M%SZ")
        check((end - start) in (datetime.timedelta(hours=23), datetime.timedelta(hours=24), datetime.timedelta(hours=25)),
              "shift %s..%s" % (e["DTSTART"], e["DTEND"]))
        check(start.hour in (13, 14) and start.minute == 0, "09:00 New York is 13:00Z or 14:00Z: %s" % e["DTSTART"])
    summary = events[0]["SUMMARY"]
    check("\\," in summary and "\\;" in summary and "Storage" in summary, "escaping: %r" % summary)
    check(any(len(line.encode()) > 75 for line in lines), "nothing long enough to fold")
    check(len({e["UID"] for e in events}) == len(events), "UIDs not unique")


# ---------------------------------------------------------------- paging

@case
def test_page_team():
    """paging a team pages whoever is on call now: a page with its steps, a responder in state paged, an internal timeline entry"""
    s = S()
    team = make_team(s, manager="Mia Manager", managerEmail="mia@example.com")
    make_rotation(s, team)
    who = oncall_of(s, team["id"])["oncall"]["person"]
    inc = s.open_incident("Checkout 502s " + tag(), "high")
    iid = inc["id"]
    r = s.post("/api/v1/incidents/%s/pages" % iid, {"team": team["name"], "reason": "checkout down"}, actor="Rita Responder")
    page = expect_status(r, 201).json
    check(r.header("Location") == "/api/v1/pages/%d" % page["id"], "Location %r" % r.header("Location"))
    check(page["person"] == who and page["stepKind"] == "oncall" and page["step"] == 0 and page["state"] == "paged",
          "page: %s" % short(page))
    check(page["team"] == team["name"] and page["incident"] == iid and page["reason"] == "checkout down",
          "page: %s" % short(page))
    check(page["email"] == who.split()[0].lower() + "@example.com", "email: %s" % page["email"])
    check(page["ackUrl"].startswith("/ack/") and parse_iso(page["pagedAt"]) and page["acknowledgedAt"] is None,
          "ack: %s" % short(page))
    check([p["kind"] for p in page["plan"]] == ["oncall", "next", "manager"] and page["plan"][2]["person"] == "Mia Manager",
          "plan: %s" % short(page["plan"]))
    check(len(page["steps"]) == 1 and page["steps"][0]["person"] == who and "token" not in page["steps"][0],
          "steps: %s" % short(page["steps"]))
    rs = [x for x in responders(s, iid) if x.get("person") == who]
    check(len(rs) == 1 and rs[0]["state"] == "paged" and rs[0]["rotation"] == team["name"], "responders: %s" % short(rs))
    entries = timeline_pages(s, iid)
    check(len(entries) == 1 and who in entries[0]["text"] and entries[0]["visibility"] == "internal"
          and entries[0]["author"] == "Rita Responder", "timeline: %s" % short(entries))
    listed = expect_status(s.get("/api/v1/incidents/%s/pages" % iid), 200).json["pages"]
    check([p["id"] for p in listed] == [page["id"]], "list: %s" % short(listed))
    check(expect_status(s.get("/api/v1/pages/%d" % page["id"]), 200).json["person"] == who, "get")
    # Acknowledged by API: the responder follows; a second acknowledgement is refused.
    acked = expect_status(s.post("/api/v1/pages/%d/ack" % page["id"], {}, actor=who), 200).json
    check(acked["state"] == "acknowledged" and acked["acknowledgedBy"] == who and acked["acknowledgedAt"],
          "acked: %s" % short(acked))
    rs = [x for x in responders(s, iid) if x.get("person") == who]
    check(rs[0]["state"] == "acknowledged" and rs[0]["acknowledgedAt"], "responder: %s" % short(rs))
    expect_error(s.post("/api/v1/pages/%d/ack" % page["id"], {}, actor=who), 409, "already_acknowledged")
    expect_error(s.post("/api/v1/pages/999999/ack", {}), 404, "not_found")
    expect_error(s.post("/api/v1/pages/%d/ack" % page["id"], {"x": 1}), 400, "unknown_field")


@case
def test_page_validation_and_named_escalation():
    """pages: team or person; a named escalation needs authorizer and reason, both recorded"""
    s = S()
    team = make_team(s)
    inc = s.open_incident("Named " + tag(), "medium")
    path = "/api/v1/incidents/%s/pages" % inc["id"]
    expect_error(s.post(path, {}), 400, "missing_field", "team")
    expect_error(s.post(path, {"team": team["name"], "person": "X"}), 400, "invalid_field", "person")
    expect_error(s.post(path, {"team": "No such team " + tag()}), 400, "invalid_field", "team")
    expect_error(s.post(path, {"team": team["name"]}), 409, "nobody_on_call", "team")  # no rotation yet
    expect_error(s.post(path, {"person": "Dr. Database", "reason": "only she knows"}), 400, "missing_field", "authorizer")
    expect_error(s.post(path, {"person": "Dr. Database", "authorizer": "Dana MIM"}), 400, "missing_field", "reason")
    expect_error(s.post(path, {"person": "Dr. Database", "authorizer": " ", "reason": "r"}), 400, field="authorizer")
    expect_error(s.post("/api/v1/incidents/INC-999999/pages", {"team": team["name"]}), 404, "not_found")
    r = s.post(path, {"person": "Dr. Database", "email": "db@example.com", "authorizer": "Dana MIM",
                      "reason": "only she knows the shard map"}, actor="Dana MIM")
    page = expect_status(r, 201).json
    check(page["stepKind"] == "named" and page["authorizer"] == "Dana MIM" and page["team"] is None
          and page["reason"] == "only she knows the shard map" and page["email"] == "db@example.com"
          and page["nextEscalationAt"] is None, "named: %s" % short(page))
    entries = timeline_pages(s, inc["id"])
    check(entries and "Dana MIM" in entries[-1]["text"] and "shard map" in entries[-1]["text"], "timeline: %s" % short(entries))


@case
def test_ack_link_once():
    """/ack/{token}: no sign-in; GET only asks (mail scanners open links), POST acknowledges once; again 410, tampered 403"""
    s = S()
    team = make_team(s)
    make_rotation(s, team)
    inc = s.open_incident("Ack link " + tag(), "high")
    page = expect_status(s.post("/api/v1/incidents/%s/pages" % inc["id"], {"team": team["name"]}), 201).json
    link = ack_path(page["ackUrl"])
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    r = s.get(tampered)
    check(r.status == 403 and b"not valid" in r.raw and (r.header("Content-Type") or "").startswith("text/html"),
          "tampered: %s" % short(r.raw))
    r = s.get("/ack/1.0.99999999999.xyz")
    check(r.status == 403, "forged: %d" % r.status)
    # Opening the link (a person, or a mail scanner following it) changes nothing: it asks.
    for _ in range(2):
        r = s.get(link)
        check(r.status == 200 and b"Acknowledge this page?" in r.raw and b'method="post"' in r.raw
              and (r.header("Content-Type") or "").startswith("text/html"),
              "opening the link: %d %s" % (r.status, short(r.raw)))
        check(page["person"].encode() in r.raw and inc["id"].encode() in r.raw,
              "the question names the person and the incident: %s" % short(r.raw))
    got = expect_status(s.get("/api/v1/pages/%d" % page["id"]), 200).json
    check(got["state"] == "paged", "opening the link acknowledged the page: %s" % short(got))
    r = s.request("POST", link, body=b"", content_type="application/x-www-form-urlencoded")
    check(r.status == 200 and b"Acknowledged" in r.raw and (r.header("Content-Type") or "").startswith("text/html"),
          "first use: %d %s" % (r.status, short(r.raw)))
    check(page["person"].encode() in r.raw, "the page names who acknowledged: %s" % short(r.raw))
    got = expect_status(s.get("/api/v1/pages/%d" % page["id"]), 200).json
    check(got["state"] == "acknowledged" and got["acknowledgedBy"] == page["person"], "after: %s" % short(got))
    r = s.request("POST", link, body=b"", content_type="application/x-www-form-urlencoded")
    check(r.status == 410 and b"acknowledged already" in r.raw, "second use: %d %s" % (r.status, short(r.raw)))
    r = s.get(link)
    check(r.status == 410 and b"acknowledged already" in r.raw, "opened after: %d %s" % (r.status, short(r.raw)))
    entries = timeline_pages(s, inc["id"])
    check(len([e for e in entries if "acknowledged" in e["text"]]) == 1, "one acknowledgement: %s" % short(entries))


@case
def test_runcard_pages_configured_team():
    """run cards: a configured team's on-call person gets a real page; other names stay a paged rotation"""
    s = S()
    team = make_team(s, "rc-team-" + tag())
    make_rotation(s, team)
    who = oncall_of(s, team["id"])["oncall"]["person"]
    plain = "plain-" + tag()
    expect_status(s.put("/api/v1/runcards/2", {"page": [team["name"], plain]}), 200)
    try:
        inc = s.open_incident("Run card " + tag(), "high")
    finally:
        expect_status(s.put("/api/v1/runcards/2", {"page": []}), 200)
    pages = expect_status(s.get("/api/v1/incidents/%s/pages" % inc["id"]), 200).json["pages"]
    check(len(pages) == 1 and pages[0]["person"] == who and pages[0]["team"] == team["name"]
          and pages[0]["reason"] == "run card", "pages: %s" % short(pages))
    rs = responders(s, inc["id"])
    check(sorted((x.get("person") or "", x["rotation"]) for x in rs) == sorted([(who, team["name"]), ("", plain)]),
          "responders: %s" % short(rs))
    check(timeline_pages(s, inc["id"]), "no page entry on the timeline")


@case
def test_mtta_per_team():
    """GET /oncall/mtta: pages, acknowledged, mean and median seconds per team; drills excluded"""
    s = S()
    team = make_team(s)
    make_rotation(s, team)
    inc = s.open_incident("MTTA " + tag(), "high")
    drill = s.open_incident("MTTA drill " + tag(), "high", drill=True)
    p1 = expect_status(s.post("/api/v1/incidents/%s/pages" % inc["id"], {"team": team["name"]}), 201).json
    expect_status(s.post("/api/v1/incidents/%s/pages" % inc["id"], {"team": team["name"]}), 201)
    p3 = expect_status(s.post("/api/v1/incidents/%s/pages" % drill["id"], {"team": team["name"]}), 201).json
    check(p3["drill"] is True, "drill page: %s" % short(p3))
    expect_status(s.post("/api/v1/pages/%d/ack" % p1["id"], {}), 200)
    expect_status(s.post("/api/v1/pages/%d/ack" % p3["id"], {}), 200)
    r = expect_status(s.get("/api/v1/oncall/mtta"), 200).json
    row = [t for t in r["teams"] if t["team"] == team["name"]]
    check(len(row) == 1 and row[0]["pages"] == 2 and row[0]["acknowledged"] == 1
          and isinstance(row[0]["mttaSeconds"], (int, float)) and row[0]["mttaSeconds"] >= 0
          and row[0]["p50"] == row[0]["mttaSeconds"], "mtta: %s" % short(row))
    expect_error(s.get("/api/v1/oncall/mtta?from=nope"), 400, "invalid_field", "from")
    r = expect_status(s.get("/api/v1/oncall/mtta?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z"), 200).json
    check(r["teams"] == [], "empty window: %s" % short(r))


# ---------------------------------------------------------------- escalation on a moved clock

def clock_server():
    d = tempfile.mkdtemp(prefix="majorops-oncall-")
    offset_file = os.path.join(d, "offset")
    with open(offset_file, "w") as f:
        f.write("0")
    srv = Server(workdir=d, env={"MAJOROPS_TEST_CLOCK_OFFSET_FILE": offset_file, "MAJOROPS_PAGE_SWEEP_MS": "150"})
    srv.own_dir = True

    def jump(minutes):
        with open(offset_file + ".tmp", "w") as f:
            f.write(str(int(minutes * MIN)))
        os.replace(offset_file + ".tmp", offset_file)
    return srv.start(), jump


def wait_page(srv, pid, cond, what, timeout=8.0):
    deadline = time.time() + timeout
    page = None
    while time.time() < deadline:
        page = expect_status(srv.get("/api/v1/pages/%d" % pid), 200).json
        if cond(page):
            return page
        time.sleep(0.1)
    raise AssertionError("page %d: no %s within %.0f s: %s" % (pid, what, timeout, short(page, 600)))


@case
def test_escalation_on_timer():
    """escalation: no acknowledgement within ackMinutes pages the next person, then the manager, then expires; each step on the timeline; old links expire"""
    srv, jump = clock_server()
    try:
        team = make_team(srv, manager="Mia Manager", managerEmail="mia@example.com", ackMinutes=5)
        make_rotation(srv, team)
        first = oncall_of(srv, team["id"])["oncall"]["person"]
        order = [m["name"] for m in team["members"]]
        nxt = order[(order.index(first) + 1) % len(order)]
        inc = srv.open_incident("Escalate " + tag(), "critical")
        page = expect_status(srv.post("/api/v1/incidents/%s/pages" % inc["id"], {"team": team["name"]}), 201).json
        link0 = ack_path(page["ackUrl"])
        time.sleep(0.5)  # several sweeps: nothing due yet
        check(expect_status(srv.get("/api/v1/pages/%d" % page["id"]), 200).json["step"] == 0, "escalated early")
        jump(6)
        p = wait_page(srv, page["id"], lambda x: x["step"] == 1, "step 1")
        check(p["stepKind"] == "next" and p["person"] == nxt and p["state"] == "paged"
              and p["email"] == nxt.split()[0].lower() + "@example.com", "step 1: %s" % short(p))
        check(parse_iso(p["nextEscalationAt"]) > parse_iso(p["steps"][1]["pagedAt"]), "next escalation: %s" % short(p))
        jump(12)
        p = wait_page(srv, page["id"], lambda x: x["step"] == 2, "step 2")
        check(p["stepKind"] == "manager" and p["person"] == "Mia Manager" and p["email"] == "mia@example.com",
              "step 2: %s" % short(p))
        jump(18)
        p = wait_page(srv, page["id"], lambda x: x["state"] == "expired", "expiry")
        check(p["nextEscalationAt"] is None and len(p["steps"]) == 3, "expired: %s" % short(p))
        texts = [e["text"] for e in timeline_pages(srv, inc["id"])]
        check(len(texts) == 4 and "No acknowledgement from %s" % first in texts[1] and "Mia Manager" in texts[2]
              and "Nobody acknowledged" in texts[3], "timeline: %s" % short(texts))
        rs = responders(srv, inc["id"])
        check(sorted(x["person"] for x in rs) == sorted([first, nxt, "Mia Manager"]), "responders: %s" % short(rs))
        # A day later the first link has expired: 410, and nothing changes.
        jump(18 + 24 * 60)
        r = srv.get(link0)
        check(r.status == 410 and b"expired" in r.raw, "expired link: %d %s" % (r.status, short(r.raw)))
        check(expect_status(srv.get("/api/v1/pages/%d" % page["id"]), 200).json["state"] == "expired", "changed")
        # An expired page may still be acknowledged by API.
        acked = expect_status(srv.post("/api/v1/pages/%d/ack" % page["id"], {}, actor="Mia Manager"), 200).json
        check(acked["state"] == "acknowledged" and acked["acknowledgedBy"] == "Mia Manager", "late ack: %s" % short(acked))
    finally:
        owned_server_check(srv)


if __name__ == "__main__":
    suite.main()
