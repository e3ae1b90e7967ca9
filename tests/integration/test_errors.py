#!/usr/bin/env python3
"""Every row of the error table: the right status, a JSON error with the right code and
field, the server still answers afterwards, nothing was written, never a 500.
One shared server; a probe incident is the witness that nothing changed."""

import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SSEClient, Suite, check, expect_error, expect_status, iso_in, short  # noqa: E402

suite = Suite("errors")
case = suite.case
S = lambda: suite.shared()  # noqa: E731
PROBE = {}
INC = "/api/v1/incidents"


def probe():
    """The probe incident (opened on first use, re-opened when a fresh server replaced the last)."""
    s = S()
    if PROBE.get("server") is not s:
        inc = s.open_incident("Probe incident", "high")
        PROBE.clear()
        PROBE.update(server=s, id=inc["id"])
        r = s.post(INC + "/%s/timeline" % inc["id"], {"text": "first entry"})
        expect_status(r, 201)
    return PROBE["id"]


def snapshot():
    s = S()
    iid = probe()
    inc = s.incident(iid)
    return {
        "incidents": len(s.list_all("all")),
        "version": inc["version"],
        "entries": len(s.timeline(iid)),
        "updates": len(s.get(INC + "/%s/updates" % iid).json["updates"]),
        "responders": len(s.get(INC + "/%s/responders" % iid).json["responders"]),
    }


class unchanged:
    """with unchanged(): … — the server still answers, nothing was written, no event was
    published on the live stream."""

    def __enter__(self):
        self.before = snapshot()
        self.stream = SSEClient(S(), "/api/v1/stream")
        return self

    def __exit__(self, etype, e, tb):
        try:
            if etype is not None:
                return False
            check(S().healthy(), "the server stopped answering /healthz")
            after = snapshot()
            check(after == self.before, "something was written: before %s, after %s" % (self.before, after))
            evs = self.stream.collect(timeout=0.3, quiet=0.3)
            check(not evs, "refused requests published events: %s" % short([(x.id, x.type) for x in evs]))
        finally:
            self.stream.close()
        return False


def post_json_bytes(path, data, content_type="application/json", method="POST"):
    return S().request(method, path, body=data, content_type=content_type)


def incident_body(**over):
    b = {"title": "Valid title", "severity": "low"}
    b.update(over)
    return b


def nested(depth):
    """A JSON value of exactly `depth` nested objects: depth 1 is {}."""
    v = {}
    for _ in range(depth - 1):
        v = {"a": v}
    return v


# ---------------------------------------------------------------- 400 malformed_json

@case
def test_malformed_json():
    """400 malformed_json: syntax errors, truncation, trailing garbage"""
    with unchanged():
        for data in (b'{"title":', b"not json", b'{"title":"x","severity":"low",}',
                     b"{'title':'x','severity':'low'}", b'{"title":"x","severity":"low"} trailing',
                     b'{"title":"x" "severity":"low"}', b'{"title":"x","severity":"low"}}', b"{"):
            expect_error(post_json_bytes(INC, data), 400, "malformed_json")
        iid = probe()
        expect_error(post_json_bytes(INC + "/%s/timeline" % iid, b'{"text": "x'), 400, "malformed_json")
        expect_error(post_json_bytes(INC + "/%s" % iid, b'{"title": }', method="PATCH"), 400, "malformed_json")


@case
def test_not_an_object():
    """400: empty body, array, string or null where an object is taken"""
    with unchanged():
        expect_error(post_json_bytes(INC, b""), 400, ("malformed_json", "missing_field"))
        for data in (b"[]", b'"title"', b"null", b"42", b'[{"title":"x","severity":"low"}]'):
            expect_error(post_json_bytes(INC, data), 400, ("malformed_json", "invalid_field"))


@case
def test_invalid_utf8():
    """400 malformed_json: invalid UTF-8 bytes (stray, overlong, surrogate, truncated)"""
    with unchanged():
        for bad in (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80abc", b"\xf8\x88\x80\x80\x80"):
            data = b'{"title":"bad ' + bad + b' bytes","severity":"low"}'
            expect_error(post_json_bytes(INC, data), 400, "malformed_json")
        iid = probe()
        expect_error(post_json_bytes(INC + "/%s/timeline" % iid, b'{"text":"\xfe\xff"}'), 400, "malformed_json")


@case
def test_nul_bytes():
    """400 malformed_json: a raw NUL byte or \\u0000, in values, keys and after the document"""
    with unchanged():
        for data in (b'{"title":"a\x00b","severity":"low"}', b'{"title":"ab","severity":"low"}\x00',
                     b'\x00{"title":"ab","severity":"low"}', b'{"title":"a\\u0000b","severity":"low"}',
                     b'{"ti\\u0000tle":"ab","severity":"low"}', b'{"title":"\\u0000","severity":"low"}'):
            expect_error(post_json_bytes(INC, data), 400, "malformed_json")
        iid = probe()
        expect_error(post_json_bytes(INC + "/%s/timeline" % iid, b'{"text":"x\\u0000y"}'), 400, "malformed_json")
        expect_error(post_json_bytes(INC + "/%s/timeline" % iid, b'{"text":"x","payload":{"k":"\\u0000"}}'), 400,
                     "malformed_json")


@case
def test_lone_surrogate_escape():
    """400: a lone surrogate escape (\\ud800) is not valid text"""
    with unchanged():
        r = post_json_bytes(INC, b'{"title":"a\\ud800b","severity":"low"}')
        expect_error(r, 400, ("malformed_json", "invalid_field"))


@case
def test_depth_limit():
    """JSON nesting: 32 deep accepted (timeline payload), 33 deep → 400 malformed_json"""
    s = S()
    iid = probe()
    # document = {"text": ..., "payload": P}: the outer object is level 1, P holds the rest
    ok_body = {"text": "depth 32", "payload": nested(31)}
    bad_body = {"text": "depth 33", "payload": nested(32)}
    with unchanged():
        expect_error(s.post(INC + "/%s/timeline" % iid, bad_body), 400, "malformed_json")
        arr = {"text": "depth 33 arrays", "payload": {"a": json.loads("[" * 31 + "]" * 31)}}
        expect_error(s.post(INC + "/%s/timeline" % iid, arr), 400, "malformed_json")
        # 10,000 deep must not blow the stack either
        expect_error(post_json_bytes(INC, b"[" * 10000 + b"]" * 10000), 400)
        expect_error(post_json_bytes(INC, b'{"a":' * 10000 + b"1" + b"}" * 10000), 400)
    r = s.post(INC + "/%s/timeline" % iid, ok_body)
    expect_status(r, 201)
    check(r.json.get("payload") == nested(31), "the 31-deep payload did not round-trip")


# ---------------------------------------------------------------- 400 invalid_field / missing_field / unknown_field

@case
def test_wrong_types():
    """400 invalid_field naming the field: wrong JSON types"""
    s = S()
    iid = probe()
    with unchanged():
        for field, value in (("title", 5), ("title", True), ("title", ["x"]), ("severity", 1),
                             ("affectedSystems", "checkout"), ("affectedSystems", [1]),
                             ("externalImpact", "yes"), ("customerCount", "many"), ("customerCount", 1.5),
                             ("drill", "no"), ("description", {"a": 1})):
            expect_error(s.post(INC, incident_body(**{field: value})), 400, "invalid_field", field=field)
        expect_error(s.patch(INC + "/" + iid, {"title": 5}), 400, "invalid_field", field="title")
        expect_error(s.patch(INC + "/" + iid, {"customerCount": "x"}), 400, "invalid_field", field="customerCount")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": 5}), 400, "invalid_field", field="text")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "x", "payload": "str"}), 400, "invalid_field",
                     field="payload")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "x", "payload": [1]}), 400, "invalid_field",
                     field="payload")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "x", "amends": "one"}), 400, "invalid_field",
                     field="amends")
        expect_error(s.put(INC + "/%s/roles/mim" % iid, {"person": 5}), 400, "invalid_field", field="person")
        expect_error(s.post(INC + "/%s/phase" % iid, {"to": "four"}), 400, "invalid_field", field="to")
        expect_error(s.post(INC + "/%s/phase" % iid, {"advance": "yes"}), 400, "invalid_field", field="advance")
        expect_error(s.post(INC + "/%s/updates" % iid, {"body": 5, "audience": "internal",
                                                        "nextUpdateEta": iso_in(600)}), 400, "invalid_field",
                     field="body")


@case
def test_unknown_enum():
    """400 invalid_field: unknown enum values (severity sev1, status, audience, visibility, state)"""
    s = S()
    iid = probe()
    with unchanged():
        for sev in ("sev1", "CRITICAL", "", "Sev-1"):
            expect_error(s.post(INC, incident_body(severity=sev)), 400, "invalid_field", field="severity")
        expect_error(s.patch(INC + "/" + iid, {"severity": "sev1"}), 400, "invalid_field", field="severity")
        expect_error(s.patch(INC + "/" + iid, {"status": "fixed"}), 400, "invalid_field", field="status")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "x", "visibility": "everyone"}), 400,
                     "invalid_field", field="visibility")
        expect_error(s.post(INC + "/%s/updates" % iid, {"body": "x", "audience": "world",
                                                        "nextUpdateEta": iso_in(600)}), 400, "invalid_field",
                     field="audience")
        expect_error(s.post(INC + "/%s/responders" % iid, {"person": "x", "state": "sleeping"}), 400,
                     "invalid_field", field="state")


@case
def test_missing_required():
    """400 missing_field naming the field"""
    s = S()
    iid = probe()
    with unchanged():
        expect_error(s.post(INC, {"severity": "high"}), 400, "missing_field", field="title")
        expect_error(s.post(INC, {"title": "No severity"}), 400, "missing_field", field="severity")
        expect_error(s.post(INC, {}), 400, "missing_field")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"type": "action"}), 400, "missing_field", field="text")
        expect_error(s.post(INC + "/%s/phase" % iid, {}), 400, "missing_field", field="to")
        expect_error(s.post(INC + "/%s/updates" % iid, {"body": "x", "nextUpdateEta": iso_in(600)}), 400,
                     "missing_field", field="audience")
        expect_error(s.post(INC + "/%s/updates" % iid, {"body": "x", "audience": "internal"}), 400,
                     "missing_field", field="nextUpdateEta")
        expect_error(s.put(INC + "/%s/roles/sre" % iid, {}), 400, "missing_field", field="person")
        expect_error(s.post(INC + "/%s/responders" % iid, {}), 400, "missing_field")


@case
def test_unknown_field():
    """400 unknown_field naming the field"""
    s = S()
    iid = probe()
    with unchanged():
        expect_error(s.post(INC, incident_body(colour="red")), 400, "unknown_field", field="colour")
        expect_error(s.post(INC, incident_body(Title="x")), 400, "unknown_field", field="Title")
        for key in ("phase", "id", "version", "roles", "openedAt", "reopenCount", "nope"):
            expect_error(s.patch(INC + "/" + iid, {key: 1}), 400, "unknown_field", field=key)
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "x", "author": "me"}), 400, "unknown_field",
                     field="author")
        expect_error(s.post(INC + "/%s/phase" % iid, {"to": 2, "force": True}), 400, "unknown_field", field="force")


@case
def test_title_length():
    """title: 201 characters → invalid_field, 0 → invalid_field, 200 (also multibyte) accepted"""
    s = S()
    with unchanged():
        expect_error(s.post(INC, incident_body(title="x" * 201)), 400, "invalid_field", field="title")
        expect_error(s.post(INC, incident_body(title="é" * 201)), 400, "invalid_field", field="title")
        expect_error(s.post(INC, incident_body(title="")), 400, "invalid_field", field="title")
        expect_error(s.patch(INC + "/" + probe(), {"title": "y" * 201}), 400, "invalid_field", field="title")
    before = len(s.list_all("all"))
    r = s.post(INC, incident_body(title="x" * 200))
    expect_status(r, 201)
    check(r.json["title"] == "x" * 200, "200-char title not stored whole")
    r = s.post(INC, incident_body(title="é" * 200))
    expect_status(r, 201)
    check(r.json["title"] == "é" * 200, "200 two-byte characters (400 bytes) must count as 200 characters")
    r = s.post(INC, incident_body(title="🚨" * 200))
    expect_status(r, 201)
    check(len(s.list_all("all")) == before + 3, "expected exactly 3 more incidents")


@case
def test_text_length():
    """text over 10,000 characters → invalid_field; 10,000 accepted"""
    s = S()
    iid = probe()
    with unchanged():
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "a" * 10001}), 400, "invalid_field", field="text")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": "€" * 10001}), 400, "invalid_field", field="text")
        expect_error(s.post(INC, incident_body(description="d" * 10001)), 400, "invalid_field", field="description")
        expect_error(s.patch(INC + "/" + iid, {"execSummary": "e" * 10001}), 400, "invalid_field",
                     field="execSummary")
        expect_error(s.post(INC + "/%s/updates" % iid, {"body": "b" * 10001, "audience": "internal",
                                                        "nextUpdateEta": iso_in(600)}), 400, "invalid_field",
                     field="body")
        expect_error(s.post(INC + "/%s/timeline" % iid, {"text": ""}), 400, ("invalid_field", "missing_field"),
                     field="text")
    n = len(s.timeline(iid))
    r = s.post(INC + "/%s/timeline" % iid, {"text": "€" * 10000})
    expect_status(r, 201)
    check(r.json["text"] == "€" * 10000, "10,000 three-byte characters not stored whole")
    check(len(s.timeline(iid)) == n + 1, "expected one more entry")


@case
def test_other_field_limits():
    """field limits from incident.h: affected system name ≤ 200, ≤ 64 systems, URL ≤ 2000 bytes"""
    s = S()
    with unchanged():
        expect_error(s.post(INC, incident_body(affectedSystems=["s" * 201])), 400, "invalid_field",
                     field="affectedSystems")
        expect_error(s.post(INC, incident_body(affectedSystems=["s%d" % i for i in range(65)])), 400,
                     "invalid_field", field="affectedSystems")
        expect_error(s.post(INC, incident_body(bridgeUrl="https://x.example/" + "p" * 2000)), 400,
                     "invalid_field", field="bridgeUrl")
        expect_error(s.post(INC, incident_body(customerCount=-5)), 400, "invalid_field", field="customerCount")


# ---------------------------------------------------------------- 413, 415

@case
def test_too_large():
    """413 too_large: body over 256 KiB (Content-Length and chunked); exactly 256 KiB accepted"""
    s = S()
    limit = 256 * 1024
    head = b'{"title":"big body","severity":"low"}'
    with unchanged():
        body = head + b" " * (limit + 1 - len(head))
        r = s.raw_request("POST", INC, body, {"Content-Type": "application/json"}, timeout=10)
        check(r is not None, "no answer to a %d-byte body" % len(body))
        expect_error(r, 413, "too_large")
        big = head[:-1] + b',"description":"' + b"d" * (2 * 1024 * 1024) + b'"}'
        r = s.raw_request("POST", INC, big, {"Content-Type": "application/json"}, timeout=10)
        check(r is not None, "no answer to a 2 MiB body")
        expect_error(r, 413, "too_large")
        # chunked, no Content-Length
        chunks = b""
        payload = head + b" " * (300 * 1024)
        for i in range(0, len(payload), 16384):
            piece = payload[i:i + 16384]
            chunks += b"%x\r\n" % len(piece) + piece + b"\r\n"
        chunks += b"0\r\n\r\n"
        hdr = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\n" % INC).encode()
        r = s.raw(hdr + chunks, timeout=10)
        check(r is not None, "no answer to a chunked 300 KiB body")
        expect_error(r, 413, "too_large")
    body = head + b" " * (limit - len(head))
    r = s.raw_request("POST", INC, body, {"Content-Type": "application/json"}, timeout=10)
    check(r is not None, "no answer to a body of exactly 256 KiB")
    expect_status(r, 201)


@case
def test_content_type():
    """415 unsupported_media_type on writes without application/json; charset parameter accepted"""
    s = S()
    iid = probe()
    data = json.dumps(incident_body()).encode()
    with unchanged():
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data",
                      "text/json"):
            expect_error(post_json_bytes(INC, data, content_type=ctype), 415, "unsupported_media_type")
        expect_error(post_json_bytes(INC, data, content_type=None), 415, "unsupported_media_type")
        expect_error(s.request("PATCH", INC + "/" + iid, body=b'{"title":"t"}', content_type="text/plain"), 415,
                     "unsupported_media_type")
        expect_error(s.request("POST", INC + "/%s/timeline" % iid, body=b'{"text":"t"}', content_type="text/plain"),
                     415, "unsupported_media_type")
    r = post_json_bytes(INC, data, content_type="application/json; charset=utf-8")
    expect_status(r, 201)
    r = post_json_bytes(INC, data, content_type="Application/JSON")
    expect_status(r, 201)


# ---------------------------------------------------------------- 404, 405, 409

@case
def test_unknown_incident():
    """404 not_found: unknown incident on every incident route"""
    s = S()
    with unchanged():
        for ref in ("INC-999999", "999999", "INC-0", "INC-abc", "INC--1", "INC-99999999999999999999999"):
            expect_error(s.get(INC + "/" + ref), 404, "not_found")
        expect_error(s.patch(INC + "/INC-999999", {"title": "x"}), 404, "not_found")
        expect_error(s.post(INC + "/INC-999999/timeline", {"text": "x"}), 404, "not_found")
        expect_error(s.get(INC + "/INC-999999/timeline"), 404, "not_found")
        expect_error(s.post(INC + "/INC-999999/phase", {"advance": True}), 404, "not_found")
        expect_error(s.post(INC + "/INC-999999/reopen", {"reason": "x"}), 404, "not_found")
        expect_error(s.post(INC + "/INC-999999/updates", {"audience": "internal", "kind": "holding"}), 404,
                     "not_found")
        expect_error(s.put(INC + "/INC-999999/roles/mim", {"person": "x"}), 404, "not_found")
        expect_error(s.post(INC + "/INC-999999/responders", {"person": "x"}), 404, "not_found")
        expect_error(s.get(INC + "/INC-999999/responders"), 404, "not_found")


@case
def test_stale_if_match():
    """409 version_conflict on a stale If-Match; the write is not applied"""
    s = S()
    iid = probe()
    v = s.incident(iid)["version"]
    with unchanged():
        for tag in ('"%d"' % (v - 1), '"0"', str(v + 100), '"%d"' % (v + 1)):
            expect_error(s.patch(INC + "/" + iid, {"title": "stale"}, headers={"If-Match": tag}), 409,
                         "version_conflict")
        r = s.patch(INC + "/" + iid, {"title": "stale"}, headers={"If-Match": '"not-a-version"'})
        expect_error(r, (400, 409, 412))
    check(s.incident(iid)["title"] == "Probe incident", "title changed by a refused PATCH")


@case
def test_unknown_route():
    """404 not_found JSON for unknown API routes"""
    s = S()
    with unchanged():
        for p in ("/api/v1/nope", "/api/v1/incidents/INC-1/nope", "/api/v1/", "/api/v9/incidents",
                  "/api/v1/incidents/INC-1/timeline/extra/parts"):
            expect_error(s.get(p), 404, "not_found")
        expect_error(s.post("/api/v1/nope", {}), 404, "not_found")
        # an encoded NUL must not truncate the path into a known route
        expect_error(s.get("/api/v1/incidents%00"), (400, 404))
        expect_error(s.get("/api/v1/incidents%00/INC-1"), (400, 404))


@case
def test_wrong_method():
    """405 method_not_allowed with an Allow header"""
    s = S()
    iid = probe()
    with unchanged():
        for method, p, allowed in (("DELETE", INC, {"GET", "POST"}),
                                   ("PUT", INC, {"GET", "POST"}),
                                   ("PUT", INC + "/" + iid, {"GET", "PATCH"}),
                                   ("DELETE", INC + "/" + iid, {"GET", "PATCH"}),
                                   ("GET", INC + "/%s/phase" % iid, {"POST"}),
                                   ("DELETE", INC + "/%s/timeline" % iid, {"GET", "POST"}),
                                   ("POST", INC + "/%s/roles/mim" % iid, {"PUT"}),
                                   ("POST", "/healthz", {"GET"})):
            r = s.request(method, p, body=b"{}" if method != "GET" else None)
            expect_error(r, 405, "method_not_allowed")
            allow = r.header("Allow")
            check(allow, "%s %s: 405 without an Allow header" % (method, p))
            got = {m.strip().upper() for m in allow.split(",") if m.strip()}
            check(allowed <= got and method not in got, "%s %s: Allow %r, expected to include %s"
                  % (method, p, allow, sorted(allowed)))


# ---------------------------------------------------------------- query parameters and headers

@case
def test_bad_last_event_id():
    """400 on a bad Last-Event-ID (header or ?lastEventId=)"""
    s = S()
    with unchanged():
        for bad in ("abc", "-1", "1.5", "99999999999999999999999", "12abc", "0x10"):
            c = SSEClient(s, last_event_id=bad, timeout=5)
            try:
                check(c.status == 400, "Last-Event-ID %r: expected 400, got %d" % (bad, c.status))
                try:
                    body = json.loads(c.body.decode("utf-8"))
                except ValueError:
                    body = None
                check(isinstance(body, dict) and isinstance(body.get("error"), dict)
                      and body["error"].get("code") == "invalid_field",
                      "Last-Event-ID %r: expected a JSON invalid_field error, got %s" % (bad, short(c.body)))
            finally:
                c.close()
        c = SSEClient(s, path="/api/v1/stream?lastEventId=abc", timeout=5)
        try:
            check(c.status == 400, "?lastEventId=abc: expected 400, got %d" % c.status)
        finally:
            c.close()


@case
def test_bad_cursor_and_limit():
    """400 invalid_field on a bad cursor, limit, state, after"""
    s = S()
    iid = probe()
    with unchanged():
        for cur in ("garbage", "!!!", "Zm9v", "%00", "x" * 3000, "-1"):
            expect_error(s.get(INC + "?cursor=" + urllib.parse.quote(cur)), 400, "invalid_field", field="cursor")
        for lim in ("0", "201", "-1", "abc", "10x", "1e2", "99999999999999999999"):
            expect_error(s.get(INC + "?limit=" + lim), 400, "invalid_field", field="limit")
        expect_error(s.get(INC + "?state=closed"), 400, "invalid_field", field="state")
        for lim in ("0", "1001", "x"):
            expect_error(s.get(INC + "/%s/timeline?limit=%s" % (iid, lim)), 400, "invalid_field", field="limit")
        for after in ("abc", "-1", "1.5"):
            expect_error(s.get(INC + "/%s/timeline?after=%s" % (iid, after)), 400, "invalid_field", field="after")
    for lim in ("1", "200"):
        expect_status(s.get(INC + "?limit=" + lim), 200)
    expect_status(s.get(INC + "/%s/timeline?limit=1000" % iid), 200)


@case
def test_bad_times():
    """400 invalid_field on a bad ISO time (nextUpdateEta, startedAt)"""
    s = S()
    iid = probe()
    with unchanged():
        for bad in ("tomorrow", "2026-13-01T00:00:00Z", "2026-11-23T25:00:00Z", "2026-11-23T14:61:00Z",
                    "2026-02-30T10:00:00Z", "2026-11-23", "", "2026-11-23T14:32:05Zjunk", 1732370000, None):
            body = {"body": "x", "audience": "internal", "nextUpdateEta": bad}
            r = s.post(INC + "/%s/updates" % iid, body)
            if bad is None:
                expect_error(r, 400, ("invalid_field", "missing_field"), field="nextUpdateEta")
            else:
                expect_error(r, 400, "invalid_field", field="nextUpdateEta")
        expect_error(s.post(INC, incident_body(startedAt="yesterday")), 400, "invalid_field", field="startedAt")
        expect_error(s.patch(INC + "/" + iid, {"alertFiredAt": "2026-99-99T00:00:00Z"}), 400, "invalid_field",
                     field="alertFiredAt")
    r = s.post(INC + "/%s/updates" % iid, {"body": "millis", "audience": "exec",
                                            "nextUpdateEta": "2030-01-02T03:04:05.678Z"})
    expect_status(r, 201)


@case
def test_phase_body_errors():
    """phase: to and advance together, out of range → 4xx, nothing moves"""
    s = S()
    iid = probe()
    with unchanged():
        expect_error(s.post(INC + "/%s/phase" % iid, {"to": 3, "advance": True}), 400)
        for to in (0, 9, -1, 100000000000):
            expect_error(s.post(INC + "/%s/phase" % iid, {"to": to}), (400, 409))
        expect_error(s.post(INC + "/%s/phase" % iid, {"to": 2.5}), 400, "invalid_field", field="to")
        expect_error(s.post(INC + "/%s/phase" % iid, {"advance": True, "override": 5}), 400, "invalid_field",
                     field="override")


# ---------------------------------------------------------------- broken HTTP

@case
def test_broken_http():
    """malformed requests on a raw socket: the server answers 4xx or closes, and keeps serving"""
    s = S()
    with unchanged():
        for data in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
                     b"POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: -1\r\n\r\n{}",
                     b"POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: abc\r\n\r\n{}",
                     b"\x00\x01\x02\x03\r\n\r\n", b"GET /api/v1/incidents?q=%zz HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n"):
            r = s.raw(data, timeout=5)
            if r is not None:
                check(r.status < 500 or (r.status == 505 and b"HTTP/9.9" in data),
                      "%r: answered %d" % (data[:40], r.status))
            check(s.healthy(), "server stopped answering after %r" % data[:40])
        # a body shorter than its Content-Length, then the client goes away
        import socket as _socket
        c = _socket.create_connection(("127.0.0.1", s.port), timeout=5)
        c.sendall(b"POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"title\":\"half")
        c.close()
        time.sleep(0.2)
        check(s.healthy(), "server stopped answering after a half-sent body")


@case
def test_keepalive_after_refusals():
    """a refused request leaves its keep-alive connection usable (the body was consumed)"""
    import http.client as hc
    s = S()
    iid = probe()
    with unchanged():
        conn = hc.HTTPConnection("127.0.0.1", s.port, timeout=10)
        try:
            reqs = [("POST", INC, b'{"title":"x","severity":"low"}' + b" " * 5000, "text/plain", 415),
                    ("POST", INC, b'{"title": broken' + b" " * 5000, "application/json", 400),
                    ("POST", INC + "/INC-999999/timeline", b'{"text":"' + b"t" * 5000 + b'"}', "application/json", 404),
                    ("DELETE", INC, b'{"x":"' + b"y" * 5000 + b'"}', "application/json", 405),
                    ("PATCH", INC + "/" + iid, b'{"title":"stale"}', "application/json", 409),
                    ("POST", "/api/v1/nope", b'{"a":"' + b"b" * 5000 + b'"}', "application/json", 404)]
            for method, p, body, ctype, want in reqs:
                h = {"Content-Type": ctype}
                if want == 409:
                    h["If-Match"] = '"0"'
                conn.request(method, p, body=body, headers=h)
                r = conn.getresponse()
                raw = r.read()
                check(r.status == want, "%s %s: expected %d, got %d %s" % (method, p, want, r.status, short(raw)))
                closing = (r.getheader("Connection") or "").lower() == "close"
                if closing:
                    conn.close()
                    conn = hc.HTTPConnection("127.0.0.1", s.port, timeout=10)
                    continue
                conn.request("GET", "/healthz")
                r2 = conn.getresponse()
                raw2 = r2.read()
                check(r2.status == 200, "GET /healthz on the same connection after %s %s: %d %s"
                      % (method, p, r2.status, short(raw2)))
        finally:
            conn.close()


@case
def test_big_numbers_and_names():
    """out-of-range numbers and over-long names → 400 naming the field"""
    s = S()
    iid = probe()
    with unchanged():
        r = post_json_bytes(INC, b'{"title":"x","severity":"low","customerCount":99999999999999999999999}')
        expect_error(r, 400, ("invalid_field", "malformed_json"))
        r = post_json_bytes(INC, b'{"title":"x","severity":"low","customerCount":1e400}')
        expect_error(r, 400, ("invalid_field", "malformed_json"))
        expect_error(s.post(INC + "/%s/phase" % iid, {"to": 2 ** 63}), 400)
        expect_error(s.put(INC + "/%s/roles/mim" % iid, {"person": "p" * 201}), 400, "invalid_field", field="person")
        expect_error(s.post(INC + "/%s/responders" % iid, {"person": "p" * 201}), 400, "invalid_field",
                     field="person")
        expect_error(s.get(INC + "/%s/timeline?after=99999999999999999999999" % iid), 400, "invalid_field",
                     field="after")


@case
def test_bad_actor_header():
    """X-MajorOps-Actor with invalid UTF-8 → 400, not a 5xx; nothing written"""
    s = S()
    iid = probe()
    with unchanged():
        for actor in (b"\xff\xfe", b"\xc0\xaf", b"ok\xed\xa0\x80"):
            for method, p, body in (("POST", "/api/v1/incidents/%s/timeline" % iid, b'{"text":"hello"}'),
                                    ("POST", "/api/v1/incidents", b'{"title":"t","severity":"low"}'),
                                    ("PUT", "/api/v1/incidents/%s/roles/scribe" % iid, b'{"person":"a"}')):
                head = ("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n" % (method, p, len(body))).encode()
                r = s.raw(head + b"X-MajorOps-Actor: " + actor + b"\r\n\r\n" + body, timeout=5)
                check(r is not None, "%s %s with actor %r: no answer" % (method, p, actor))
                expect_error(r, 400)
    # a valid non-ASCII name is fine
    body = b'{"text":"hola"}'
    r = s.raw(("POST /api/v1/incidents/%s/timeline HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n" % (iid, len(body))).encode()
              + b"X-MajorOps-Actor: Jos\xc3\xa9\r\n\r\n" + body)
    expect_status(r, 201)
    check(r.json.get("author") == "José", "UTF-8 actor recorded as %r" % r.json.get("author"))


@case
def test_many_query_parameters():
    """a GET with 300-1000 query parameters (a few KiB of URL) is answered promptly, not left hanging"""
    s = S()
    for n in (300, 1000):
        q = "&".join("x%d=1" % i for i in range(n))
        t0 = time.time()
        try:
            r = s.request("GET", "/api/v1/incidents?" + q, timeout=5)
        except Exception as e:  # noqa: BLE001
            raise AssertionError("GET /api/v1/incidents?<%d params, %d bytes>: no answer (%s after %.1fs)"
                                 % (n, len(q), type(e).__name__, time.time() - t0))
        check(r.status < 500, "%d params: %d" % (n, r.status))
    check(s.healthy(), "server stopped answering")


@case
def test_never_500():
    """no answer in this file was a 5xx"""
    s = S()
    check(not s.errors_5xx, "5xx answers: %s" % "; ".join("%s %s -> %d %s" % x for x in s.errors_5xx[:5]))


if __name__ == "__main__":
    suite.main()
