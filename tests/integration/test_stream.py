#!/usr/bin/env python3
"""The live stream (SSE) on /api/v1/stream: events in order with increasing ids, exactly the
missed ones after a reconnect with Last-Event-ID (also across a server restart), and the
?incident= filter."""

import os
import shutil
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, SSEClient, Suite, check, expect_status, incident_ref,  # noqa: E402
                     owned_server_check, short)

suite = Suite("stream")
case = suite.case
S = lambda: suite.shared()  # noqa: E731
STREAM = "/api/v1/stream"
EVENT_TYPES = {"incident.opened", "incident.updated", "incident.phase", "incident.reopened", "timeline.entry",
               "update.published", "role.assigned", "responder.changed"}


def tag():
    return uuid.uuid4().hex[:8]


def post_entry(s, iid, text):
    r = s.post("/api/v1/incidents/%s/timeline" % iid, {"text": text})
    expect_status(r, 201)
    return r.json


def entry_text(ev):
    d = ev.data if isinstance(ev.data, dict) else {}
    e = d.get("entry")
    return e.get("text") if isinstance(e, dict) else None


def until_entry(client, text, timeout=10.0):
    """Events up to and including the timeline.entry event carrying `text`."""
    evs = client.collect(timeout=timeout, until=lambda ev: ev.type == "timeline.entry" and entry_text(ev) == text)
    check(evs and entry_text(evs[-1]) == text, "no timeline.entry event with text %r within %.0fs (got %s)"
          % (text, timeout, short([(e.id, e.type) for e in evs])))
    return evs


def check_sane(evs, what="stream"):
    seqs = [ev.seq for ev in evs]
    check(all(isinstance(x, int) for x in seqs), "%s: an event without an integer id: %s" % (what, short(evs)))
    check(all(a < b for a, b in zip(seqs, seqs[1:])), "%s: ids not strictly increasing: %r" % (what, seqs))
    for ev in evs:
        check(isinstance(ev.data, dict), "%s: event data is not JSON: %s" % (what, short(ev.data_text)))
        check(ev.data.get("seq") == ev.seq, "%s: data.seq %r differs from id %r" % (what, ev.data.get("seq"), ev.id))
        check(ev.data.get("type") == ev.type, "%s: data.type %r differs from event %r"
              % (what, ev.data.get("type"), ev.type))
        check(ev.type in EVENT_TYPES, "%s: unknown event type %r" % (what, ev.type))
        for k in ("incident", "at", "actor"):
            check(k in ev.data, "%s: event %s lacks %r: %s" % (what, ev.id, k, short(ev.data, 200)))
        # An internal note leaves the incident unchanged, so its event carries no state;
        # every other event (public entries included) carries the incident as it now is.
        internal_note = (ev.type == "timeline.entry"
                         and (ev.data.get("entry") or {}).get("visibility") == "internal")
        check(("incidentState" in ev.data) != internal_note,
              "%s: event %s (%s) %s incidentState: %s" % (
                  what, ev.id, ev.type, "has" if internal_note else "lacks", short(ev.data, 200)))
    return seqs


@case
def test_stream_answers():
    """stream: 200 text/event-stream"""
    c = SSEClient(S(), STREAM)
    try:
        check(c.status == 200, "GET %s: %d %s" % (STREAM, c.status, short(c.body)))
        ctype = c.headers.get("Content-Type") or ""
        check(ctype.startswith("text/event-stream"), "Content-Type: %r" % ctype)
    finally:
        c.close()


@case
def test_starts_at_present():
    """stream: without Last-Event-ID it starts at the present"""
    s = S()
    inc = s.open_incident("Before connecting %s" % tag(), "low")
    post_entry(s, inc["id"], "old news")
    c = SSEClient(s, STREAM)
    try:
        old = c.collect(timeout=1.0, quiet=1.0)
        check(old == [], "events replayed without Last-Event-ID: %s" % short([(e.id, e.type) for e in old]))
        text = "fresh " + tag()
        post_entry(s, inc["id"], text)
        evs = until_entry(c, text)
        check_sane(evs)
    finally:
        c.close()


@case
def test_events_in_order():
    """stream: each kind of change arrives as its event, in order, ids increasing"""
    s = S()
    c = SSEClient(s, STREAM)
    try:
        inc = s.open_incident("Stream order %s" % tag(), "medium")
        iid = inc["id"]
        texts = ["one " + tag(), "two " + tag(), "three " + tag()]
        for t in texts:
            post_entry(s, iid, t)
        expect_status(s.patch("/api/v1/incidents/%s" % iid, {"title": "Stream order renamed"}), 200)
        expect_status(s.put("/api/v1/incidents/%s/roles/sre" % iid, {"person": "Rae"}), 200)
        r = s.post("/api/v1/incidents/%s/responders" % iid, {"person": "Rae", "state": "onScene"})
        expect_status(r, 201)
        expect_status(s.post("/api/v1/incidents/%s/updates" % iid, {"audience": "internal", "kind": "holding"}), 201)
        expect_status(s.post("/api/v1/incidents/%s/phase" % iid, {"advance": True}), 200)
        last = "last " + tag()
        post_entry(s, iid, last)
        evs = until_entry(c, last)
        check_sane(evs)
        mine = [e for e in evs if incident_ref(e.data.get("incident")) == inc["number"]]
        types = [e.type for e in mine]
        want = ["incident.opened", "timeline.entry", "timeline.entry", "timeline.entry", "incident.updated",
                "role.assigned", "responder.changed", "update.published", "incident.phase", "timeline.entry"]
        it = iter(types)
        check(all(w in it for w in want), "event types %r do not contain %r in order" % (types, want))
        got_texts = [entry_text(e) for e in mine if e.type == "timeline.entry" and entry_text(e) in texts + [last]]
        check(got_texts == texts + [last], "timeline entries out of order: %r" % got_texts)
        opened = [e for e in mine if e.type == "incident.opened"][0]
        st = opened.data.get("incidentState")
        check(isinstance(st, dict) and st.get("id") == iid, "incident.opened carries incidentState: %s"
              % short(opened.data))
        ph = [e for e in mine if e.type == "incident.phase"][0]
        check(ph.data["incidentState"]["phase"]["number"] == 2, "incident.phase state: %s" % short(ph.data))
        up = [e for e in mine if e.type == "incident.updated"][0]
        check(up.data["incidentState"]["title"] == "Stream order renamed", "incident.updated state: %s"
              % short(up.data))
        for e in mine:
            check(e.data.get("at"), "event without at: %s" % short(e.data))
    finally:
        c.close()


@case
def test_refusals_publish_nothing():
    """stream: refused commands publish no event; an event's incidentState matches GET"""
    s = S()
    inc = s.open_incident("Refusals %s" % tag(), "critical")
    iid = inc["id"]
    c = SSEClient(s, STREAM)
    try:
        r = s.post("/api/v1/incidents/%s/phase" % iid, {"advance": True})
        check(r.status == 409, "advance without anyone on scene: %d" % r.status)
        r = s.post("/api/v1/incidents/%s/timeline" % iid, {"text": ""})
        check(r.status == 400, "empty text: %d" % r.status)
        r = s.patch("/api/v1/incidents/%s" % iid, {"title": "x"}, headers={"If-Match": '"0"'})
        check(r.status == 409, "stale If-Match: %d" % r.status)
        text = "after refusals " + tag()
        post_entry(s, iid, text)
        evs = until_entry(c, text)
        check(len(evs) == 1, "refused commands published events: %s" % short([(e.id, e.type) for e in evs]))
        r = s.patch("/api/v1/incidents/%s" % iid, {"title": "Refusals renamed"})
        expect_status(r, 200)
        ev = c.next(timeout=5)
        check(ev is not None and ev.type == "incident.updated", "no incident.updated event: %r" % ev)
        state = ev.data.get("incidentState") or {}
        cur = s.incident(iid)
        check(state.get("version") == cur["version"] and state.get("title") == "Refusals renamed",
              "incidentState (version %r, title %r) differs from GET (version %r)"
              % (state.get("version"), state.get("title"), cur["version"]))
    finally:
        c.close()


@case
def test_resume_with_last_event_id():
    """stream: reconnect with Last-Event-ID gets exactly the missed events, in order, none twice"""
    s = S()
    inc = s.open_incident("Resume %s" % tag(), "low")
    iid = inc["id"]
    witness = SSEClient(s, STREAM)
    c = SSEClient(s, STREAM)
    try:
        t = [("e%d " % i) + tag() for i in range(1, 8)]
        for x in t[:3]:
            post_entry(s, iid, x)
        seen = until_entry(c, t[2])
        last = c.last_id
        check(last is not None, "no id on the events read")
        c.close()
        for x in t[3:6]:
            post_entry(s, iid, x)
        wev = until_entry(witness, t[5])
        check_sane(wev, "witness")
        missed = [e.seq for e in wev if e.seq > int(last)]
        check(len(missed) >= 3, "the witness saw only %r after %s" % (missed, last))
        r = SSEClient(s, STREAM, last_event_id=last)
        try:
            check(r.status == 200, "reconnect: %d %s" % (r.status, short(r.body)))
            replay = until_entry(r, t[5])
            got = check_sane(replay, "replay")
            check(got == missed, "replay after %s: expected ids %r, got %r" % (last, missed, got))
            check(not set(got) & {e.seq for e in seen}, "replay repeated events already read")
            check([entry_text(e) for e in replay if e.type == "timeline.entry"] == t[3:6],
                  "replayed texts: %r" % [entry_text(e) for e in replay])
            # and the stream goes on live without a gap or a repeat
            post_entry(s, iid, t[6])
            live = until_entry(r, t[6])
            wlive = until_entry(witness, t[6])
            check([e.seq for e in live] == [e.seq for e in wlive],
                  "live after replay %r differs from the witness %r" % ([e.seq for e in live], [e.seq for e in wlive]))
            check(live[0].seq > got[-1], "live ids do not continue after the replay")
        finally:
            r.close()
        # the query-string form
        q = SSEClient(s, STREAM + "?lastEventId=%s" % last)
        try:
            check(q.status == 200, "?lastEventId: %d" % q.status)
            again = until_entry(q, t[5])
            check([e.seq for e in again] == missed, "?lastEventId replay: %r, expected %r"
                  % ([e.seq for e in again], missed))
        finally:
            q.close()
    finally:
        witness.close()
        c.close()


@case
def test_replay_from_zero():
    """stream: Last-Event-ID 0 replays the whole history in order"""
    s = S()
    w = SSEClient(s, STREAM)
    try:
        inc = s.open_incident("Replay all %s" % tag(), "low")
        text = "mark " + tag()
        post_entry(s, inc["id"], text)
        live = until_entry(w, text)
    finally:
        w.close()
    c = SSEClient(s, STREAM, last_event_id=0)
    try:
        evs = until_entry(c, text, timeout=30)
        seqs = check_sane(evs, "replay from 0")
        check(seqs[0] == 1, "the first event should have id 1, got %r" % seqs[0])
        check(seqs == list(range(1, seqs[-1] + 1)), "ids from 0 should have no gaps (1..%d): missing %r"
              % (seqs[-1], sorted(set(range(1, seqs[-1] + 1)) - set(seqs))[:10]))
        check(seqs[-len(live):] == [e.seq for e in live], "replay tail differs from what was live")
    finally:
        c.close()


@case
def test_concurrent_writers_order():
    """stream: 8 concurrent writers — every entry's event exactly once, ids contiguous and increasing"""
    import threading
    s = S()
    incs = [s.open_incident("Concurrent stream %d %s" % (i, tag()), "low")["id"] for i in range(2)]
    c = SSEClient(s, STREAM)
    acked = {}
    lock = threading.Lock()

    def write(w):
        for k in range(25):
            text = "cw%d-%d-%s" % (w, k, tag())
            r = s.post("/api/v1/incidents/%s/timeline" % incs[w % 2], {"text": text})
            if r.status == 201:
                with lock:
                    acked[r.json["id"]] = text
    try:
        threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        check(len(acked) == 200, "only %d of 200 writes acknowledged" % len(acked))
        last = "cw-done " + tag()
        post_entry(s, incs[0], last)
        evs = until_entry(c, last, timeout=30)
        seqs = check_sane(evs, "concurrent")
        check(seqs == list(range(seqs[0], seqs[-1] + 1)), "ids have gaps: missing %r"
              % sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))[:10])
        seen = {}
        for e in evs:
            if e.type == "timeline.entry":
                eid = e.data["entry"]["id"]
                check(eid not in seen, "entry %r delivered twice" % eid)
                seen[eid] = entry_text(e)
        lost = [k for k in acked if k not in seen]
        check(not lost, "%d acknowledged entries never reached the stream, e.g. %r" % (len(lost), lost[:5]))
        check(all(seen[k] == v for k, v in acked.items()), "event text differs from the acknowledged entry")
    finally:
        c.close()


@case
def test_future_last_event_id():
    """stream: a Last-Event-ID beyond the newest event is refused (400) or still gets new events"""
    s = S()
    inc = s.open_incident("Future id %s" % tag(), "low")
    c = SSEClient(s, STREAM, last_event_id=10 ** 9)
    try:
        if c.status == 200:
            text = "after a future id " + tag()
            post_entry(s, inc["id"], text)
            evs = c.collect(timeout=3, until=lambda ev: entry_text(ev) == text)
            check(evs and entry_text(evs[-1]) == text,
                  "a client that reconnects with Last-Event-ID 1000000000 (beyond the newest) gets 200 and "
                  "then no new event at all")
        else:
            check(c.status == 400, "Last-Event-ID beyond the head: %d %s" % (c.status, short(c.body)))
    finally:
        c.close()


@case
def test_incident_filter():
    """stream: ?incident=INC-n carries only that incident's events (live and replayed)"""
    s = S()
    a = s.open_incident("Filter A %s" % tag(), "low")
    b = s.open_incident("Filter B %s" % tag(), "low")
    w = SSEClient(s, STREAM)
    f = SSEClient(s, STREAM + "?incident=%s" % a["id"])
    try:
        check(f.status == 200, "?incident=: %d %s" % (f.status, short(f.body)))
        start = None
        texts = []
        for i in range(3):
            post_entry(s, b["id"], "b%d %s" % (i, tag()))
            t = "a%d %s" % (i, tag())
            texts.append(t)
            post_entry(s, a["id"], t)
        evs = until_entry(f, texts[-1])
        check_sane(evs, "filtered")
        refs = {incident_ref(e.data.get("incident")) for e in evs}
        check(refs == {a["number"]}, "filtered stream carried incidents %r" % refs)
        check([entry_text(e) for e in evs if e.type == "timeline.entry"] == texts, "filtered texts: %r"
              % [entry_text(e) for e in evs])
        wev = until_entry(w, texts[-1])
        start = wev[0].seq - 1
        r = SSEClient(s, STREAM + "?incident=%s" % a["id"], last_event_id=start)
        try:
            rev = until_entry(r, texts[-1])
            check({incident_ref(e.data.get("incident")) for e in rev} == {a["number"]},
                  "filtered replay carried other incidents")
            check([e.seq for e in rev] == [e.seq for e in evs], "filtered replay %r differs from live %r"
                  % ([e.seq for e in rev], [e.seq for e in evs]))
        finally:
            r.close()
        n = SSEClient(s, STREAM + "?incident=INC-999999")
        try:
            check(n.status in (200, 404), "?incident=unknown: %d" % n.status)
        finally:
            n.close()
    finally:
        w.close()
        f.close()


@case
def test_many_clients():
    """stream: 20 clients all get the event; dropping them abruptly leaves the server serving"""
    s = S()
    inc = s.open_incident("Many clients %s" % tag(), "low")
    clients = [SSEClient(s, STREAM) for _ in range(20)]
    try:
        text = "broadcast " + tag()
        post_entry(s, inc["id"], text)
        for i, c in enumerate(clients):
            evs = until_entry(c, text)
            check_sane(evs, "client %d" % i)
    finally:
        for c in clients:
            c.close()
    # a client that never reads: the server must not block others
    lazy = SSEClient(s, STREAM)
    try:
        for i in range(200):
            post_entry(s, inc["id"], "flood %d %s" % (i, "x" * 2000))
        check(s.healthy(), "server stopped answering with a lazy stream client")
    finally:
        lazy.close()


@case
def test_sigterm_with_open_streams():
    """stream: SIGTERM with open stream clients (live and catching up) exits 0 promptly"""
    import time
    s = Server().start()
    clients = []
    try:
        inc = s.open_incident("Stop with clients %s" % tag(), "low")
        for i in range(20):
            post_entry(s, inc["id"], "before stop %d" % i)
        clients = [SSEClient(s, STREAM) for _ in range(3)] + [SSEClient(s, STREAM, last_event_id=0)]
        t0 = time.time()
        problems = s.stop(timeout=10)
        took = time.time() - t0
        check(not problems, "; ".join(problems))
        check(took < 5, "took %.1fs to stop with stream clients connected" % took)
    finally:
        for c in clients:
            c.close()
        s.cleanup()


@case
def test_resume_after_restart():
    """stream: Last-Event-ID works across a server restart on the same database"""
    s1 = Server().start()
    s2 = None
    try:
        c = SSEClient(s1, STREAM)
        inc = s1.open_incident("Restart %s" % tag(), "low")
        t = ["r%d %s" % (i, tag()) for i in range(5)]
        post_entry(s1, inc["id"], t[0])
        first = until_entry(c, t[0])
        last = c.last_id
        for x in t[1:4]:
            post_entry(s1, inc["id"], x)
        after = until_entry(c, t[3])
        c.close()
        missed = [e.seq for e in after]
        owned_server_check(s1)
        s2 = Server(workdir=s1.dir).start()
        r = SSEClient(s2, STREAM, last_event_id=last)
        try:
            check(r.status == 200, "reconnect after restart: %d %s" % (r.status, short(r.body)))
            replay = until_entry(r, t[3])
            check([e.seq for e in replay] == missed, "replay after restart: expected %r, got %r"
                  % (missed, [e.seq for e in replay]))
            check([entry_text(e) for e in replay if e.type == "timeline.entry"] == t[1:4], "texts after restart: %r"
                  % [entry_text(e) for e in replay])
            post_entry(s2, inc["id"], t[4])
            live = until_entry(r, t[4])
            check(live[0].seq > missed[-1], "ids after the restart (%r) do not continue after %r"
                  % (live[0].seq, missed[-1]))
        finally:
            r.close()
        check(first, "nothing read before the restart")
        owned_server_check(s2)
        s2 = None
    finally:
        if s2 is not None:
            s2.kill9()
        s1.kill9()
        shutil.rmtree(s1.dir, ignore_errors=True)


if __name__ == "__main__":
    suite.main()
