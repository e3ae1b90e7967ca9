"""harness — shared helpers for the end-to-end tests against the real binary.

Stdlib only.  Each test file builds a Suite, registers cases with @suite.case, and calls
suite.main().  Every case prints `ok - NAME` or `FAIL - NAME: reason`; the last line is
`N passed, N failed`; the exit status is 1 when anything failed.

The binary is $MAJOROPS_BIN, default build/majorops-san relative to the repository root.
A Server runs `BIN serve --listen 127.0.0.1:PORT --db DIR/x.db` on a free loopback port
with its own temporary directory; stop() sends SIGTERM and reports a non-zero exit or a
sanitizer report on stderr as problems of the case that owns the server.
"""

import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary_path():
    path = os.environ.get("MAJOROPS_BIN") or "build/majorops-san"
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    return path


BIN = binary_path()
HEALTH_TIMEOUT = 10.0
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer", "UndefinedBehaviorSanitizer")

# Sanitizer defaults when a file is run by hand (tests/run.sh exports its own).
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")


class CaseFailure(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise CaseFailure(message)


def short(value, limit=300):
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value[:limit]).decode("utf-8", "replace")
    elif isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, default=repr)
    else:
        text = str(value)
    text = text.replace("\n", " | ")
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------- times

def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_in(seconds):
    return iso(utcnow() + datetime.timedelta(seconds=seconds))


def iso_ms_in(seconds):
    """now + seconds as an ISO time with milliseconds."""
    dt = utcnow() + datetime.timedelta(seconds=seconds)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def parse_iso(text):
    check(isinstance(text, str) and ISO_RE.match(text), "not an ISO 8601 UTC time with Z: %r" % (text,))
    base = text[:19]
    dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    if len(text) > 20:
        frac = text[20:-1]
        dt += datetime.timedelta(milliseconds=int(frac.ljust(3, "0")))
    return dt


# ---------------------------------------------------------------- ports and processes

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def child_env(extra=None, auth=False):
    """The environment of a child process.  Servers run without sign-in
    (MAJOROPS_INSECURE_NO_AUTH=1: every request acts as admin, the actor from
    X-MajorOps-Actor) unless `auth` is true — the auth suites opt in with Server(auth=True)."""
    env = dict(os.environ)
    for k, v in SAN_ENV.items():
        env.setdefault(k, v)
    if auth:
        env.pop("MAJOROPS_INSECURE_NO_AUTH", None)
    else:
        env["MAJOROPS_INSECURE_NO_AUTH"] = "1"
    if extra:
        env.update(extra)
    return env


def sanitizer_lines(text, limit=12):
    """The lines of a sanitizer report worth showing (first `limit`)."""
    out = []
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS) or line.lstrip().startswith("#") or "SUMMARY" in line:
            out.append(line.rstrip())
        if len(out) >= limit:
            break
    return out


def run_binary(args, timeout=15, env=None):
    """Runs BIN with args to completion: (exit code, stdout text, stderr text)."""
    p = subprocess.run([BIN] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=child_env(env))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class Resp:
    """One HTTP answer: status, headers (case-insensitive .get), body (parsed JSON when the
    answer is JSON, else raw bytes), raw (bytes)."""

    def __init__(self, status, headers, raw, method="", path=""):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.method = method
        self.path = path
        self.body = raw
        ctype = (headers.get("Content-Type") or "") if headers is not None else ""
        if "json" in ctype.lower() or raw[:1] in (b"{", b"["):
            try:
                self.body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.body = raw

    @property
    def json(self):
        check(isinstance(self.body, (dict, list)),
              "%s %s: expected a JSON body, got %d %s" % (self.method, self.path, self.status, short(self.raw)))
        return self.body

    def header(self, name):
        return self.headers.get(name) if self.headers is not None else None

    def __repr__(self):
        return "%s %s -> %d %s" % (self.method, self.path, self.status, short(self.raw, 400))


class RawHeaders:
    def __init__(self, pairs):
        self.pairs = pairs

    def get(self, name, default=None):
        for k, v in self.pairs:
            if k.lower() == name.lower():
                return v
        return default

    def get_all(self, name):
        return [v for k, v in self.pairs if k.lower() == name.lower()]


def _read_http_response(sock, deadline):
    """Reads one HTTP response from a socket: (status, RawHeaders, body bytes)."""
    buf = b""
    while b"\r\n\r\n" not in buf and time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buf += chunk
    if b"\r\n\r\n" not in buf:
        raise CaseFailure("no complete HTTP response head (got %s)" % short(buf))
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    check(len(parts) >= 2 and parts[0].startswith("HTTP/"), "bad status line %r" % lines[0])
    status = int(parts[1])
    pairs = []
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            pairs.append((k.strip(), v.strip()))
    headers = RawHeaders(pairs)

    def more():
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            return sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return b""

    te = (headers.get("Transfer-Encoding") or "").lower()
    cl = headers.get("Content-Length")
    if "chunked" in te:
        dec = ChunkDecoder()
        body = dec.feed(rest)
        while not dec.done and time.time() < deadline:
            c = more()
            if not c:
                break
            body += dec.feed(c)
    elif cl is not None:
        n = int(cl)
        body = rest
        while len(body) < n and time.time() < deadline:
            c = more()
            if not c:
                break
            body += c
        body = body[:n]
    else:
        body = rest
        while time.time() < deadline:
            c = more()
            if not c:
                break
            body += c
    return status, headers, body


class ChunkDecoder:
    """Incremental decoder for Transfer-Encoding: chunked."""

    def __init__(self):
        self.buf = b""
        self.need = None  # bytes left in the current chunk (+2 for CRLF) or None for a size line
        self.done = False

    def feed(self, data):
        self.buf += data
        out = b""
        while not self.done:
            if self.need is None:
                if b"\r\n" not in self.buf:
                    break
                line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.done = True
                    break
                self.need = size
            else:
                if len(self.buf) < self.need + 2:
                    break
                out += self.buf[:self.need]
                self.buf = self.buf[self.need + 2:]
                self.need = None
        return out


class Server:
    """One server process on a free loopback port, with its own temporary directory
    (or the directory of a server it follows, to reopen the same database)."""

    def __init__(self, workdir=None, extra_args=(), env=None, auth=False):
        self.auth = auth  # True: sign-in enforced (no MAJOROPS_INSECURE_NO_AUTH)
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="majorops-it-")
        self.db = os.path.join(self.dir, "x.db")
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.port = None
        self.errors_5xx = []  # every 5xx answer seen: (method, path, status, body)
        self.log_index = 0
        self.stderr_path = None
        self.default_actor = None

    # -- lifecycle
    def start(self):
        self.port = free_port()
        self.log_index += 1
        self.stderr_path = os.path.join(self.dir, "stderr.%d.log" % self.log_index)
        out = open(os.path.join(self.dir, "stdout.%d.log" % self.log_index), "wb")
        err = open(self.stderr_path, "wb")
        args = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db] + self.extra_args
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=child_env(self.env, auth=self.auth))
        finally:
            out.close()
            err.close()
        deadline = time.time() + HEALTH_TIMEOUT
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise CaseFailure("server exited with %s before answering /healthz; stderr: %s"
                                  % (self.proc.returncode, short(self.stderr(), 600)))
            try:
                r = self.request("GET", "/healthz", timeout=1.0, track=False)
                if r.status == 200:
                    return self
                last = r
            except (OSError, http.client.HTTPException) as e:
                last = e
            time.sleep(0.05)
        self.kill9()
        raise CaseFailure("server did not answer GET /healthz 200 within %.0f s (last: %s); stderr: %s"
                          % (HEALTH_TIMEOUT, short(last), short(self.stderr(), 600)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self):
        if not self.stderr_path or not os.path.exists(self.stderr_path):
            return ""
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def sanitizer_report(self):
        text = self.stderr()
        if any(m in text for m in SANITIZER_MARKS):
            return sanitizer_lines(text) or [short(text, 600)]
        return []

    def stop(self, timeout=20.0):
        """SIGTERM, wait; returns a list of problems (empty when the exit was clean)."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append("server did not exit within %.0f s of SIGTERM" % timeout)
            rc = self.proc.returncode
            if rc != 0 and not problems:
                problems.append("server exited %s after SIGTERM (expected 0)" % rc)
        else:
            problems.append("server had already exited (status %s)" % self.proc.returncode)
        rep = self.sanitizer_report()
        if rep:
            problems.append("sanitizer report on stderr: " + " | ".join(rep[:6]))
        self.proc = None
        return problems

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        if self.proc is not None:
            self.kill9()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- HTTP
    def request(self, method, path, body=None, headers=None, actor=None, content_type="application/json",
                timeout=15.0, track=True):
        """One request on a fresh connection.  `body`: dict/list (sent as JSON), str, bytes or None."""
        h = {}
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode("utf-8")
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = body
            if content_type is not None:
                h["Content-Type"] = content_type
        act = actor if actor is not None else self.default_actor
        if act is not None:
            h["X-MajorOps-Actor"] = act
        if headers:
            h.update(headers)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            resp = Resp(r.status, r.headers, raw, method, path)
        finally:
            conn.close()
        if track and resp.status >= 500:
            self.errors_5xx.append((method, path, resp.status, short(raw, 200)))
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body if body is not None else {}, **kw)

    def patch(self, path, body, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body=body, **kw)

    def raw(self, data, timeout=5.0):
        """Sends raw bytes on a new connection and reads one answer: Resp (or None when the
        server closed the connection without one).  Send errors after the server has
        answered early (e.g. 413) are tolerated."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            deadline = time.time() + timeout
            try:
                status, headers, body = _read_http_response(s, deadline)
            except CaseFailure:
                return None
            except ConnectionResetError:
                return None
        finally:
            s.close()
        first = data.split(b"\r\n", 1)[0].decode("latin-1", "replace")
        resp = Resp(status, headers, body, "RAW", first[:60])
        if resp.status >= 500 and resp.status != 505:  # 505: an HTTP version it does not speak
            self.errors_5xx.append(("RAW", first[:60], status, short(body, 200)))
        return resp

    def raw_request(self, method, path, body=b"", headers=None, timeout=5.0):
        h = {"Host": "127.0.0.1:%d" % self.port, "Connection": "close"}
        if headers:
            h.update(headers)
        if body is not None and "Content-Length" not in h:
            h["Content-Length"] = str(len(body))
        head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        return self.raw(head.encode("latin-1") + (body or b""), timeout=timeout)

    def healthy(self):
        try:
            return self.request("GET", "/healthz", timeout=5.0, track=False).status == 200
        except (OSError, http.client.HTTPException):
            return False

    # -- domain helpers
    def open_incident(self, title="Test incident", severity="high", **fields):
        body = {"title": title, "severity": severity}
        body.update(fields)
        r = self.post("/api/v1/incidents", body)
        expect_status(r, 201)
        return r.json

    def incident(self, iid):
        r = self.get("/api/v1/incidents/%s" % iid)
        expect_status(r, 200)
        return r.json

    def timeline(self, iid, after=None, limit=None):
        """Every timeline entry of the incident (follows nextAfter)."""
        entries = []
        cur = after
        for _ in range(10000):
            q = {}
            if cur is not None:
                q["after"] = cur
            if limit is not None:
                q["limit"] = limit
            path = "/api/v1/incidents/%s/timeline" % iid + ("?" + urllib.parse.urlencode(q) if q else "")
            r = self.get(path)
            expect_status(r, 200)
            page = r.json.get("entries")
            check(isinstance(page, list), "%s: no entries list: %s" % (path, short(r.json)))
            entries.extend(page)
            nxt = r.json.get("nextAfter")
            if nxt is None or not page:
                break
            cur = nxt
        return entries

    def list_all(self, state="all", q=None):
        """Every incident the list returns (follows nextCursor with limit 200)."""
        out = []
        cursor = None
        for _ in range(1000):
            params = {"state": state, "limit": 200}
            if q is not None:
                params["q"] = q
            if cursor is not None:
                params["cursor"] = cursor
            r = self.get("/api/v1/incidents?" + urllib.parse.urlencode(params))
            expect_status(r, 200)
            out.extend(r.json["incidents"])
            cursor = r.json.get("nextCursor")
            if cursor is None:
                break
        return out


# ---------------------------------------------------------------- assertions on answers

def expect_status(resp, status):
    if isinstance(status, int):
        status = (status,)
    check(resp.status in status, "%s %s: expected %s, got %d %s"
          % (resp.method, resp.path, "/".join(map(str, status)), resp.status, short(resp.raw, 400)))
    return resp


def expect_error(resp, status, code=None, field=None, rule=None):
    """The answer is `status` with a JSON error {code, message, field?, rule?}."""
    expect_status(resp, status)
    body = resp.body
    check(isinstance(body, dict) and isinstance(body.get("error"), dict),
          "%s %s: %d without a JSON error body: %s" % (resp.method, resp.path, resp.status, short(resp.raw)))
    err = body["error"]
    ctype = (resp.header("Content-Type") or "").lower()
    check(ctype.startswith("application/json"), "%s %s: error answer with Content-Type %r"
          % (resp.method, resp.path, ctype))
    check(isinstance(err.get("code"), str) and err.get("code"),
          "%s %s: error without code: %s" % (resp.method, resp.path, short(body)))
    check(isinstance(err.get("message"), str) and err.get("message"),
          "%s %s: error without message: %s" % (resp.method, resp.path, short(body)))
    if code is not None:
        codes = (code,) if isinstance(code, str) else tuple(code)
        check(err.get("code") in codes, "%s %s: expected error code %s, got %s"
              % (resp.method, resp.path, "/".join(codes), short(body)))
    if field is not None:
        check(err.get("field") == field, "%s %s: expected error field %r, got %s"
              % (resp.method, resp.path, field, short(body)))
    if rule is not None:
        check(err.get("rule") == rule, "%s %s: expected doctrine rule %r, got %s"
              % (resp.method, resp.path, rule, short(body)))
    return err


# ---------------------------------------------------------------- SSE

class Event:
    def __init__(self, eid, etype, data):
        self.id = eid
        self.type = etype
        self.data_text = data
        try:
            self.data = json.loads(data) if data else None
        except ValueError:
            self.data = None

    @property
    def seq(self):
        try:
            return int(self.id)
        except (TypeError, ValueError):
            return None

    def __repr__(self):
        return "Event(id=%s, event=%s, data=%s)" % (self.id, self.type, short(self.data_text, 120))


class SSEClient:
    """A raw-socket Server-Sent Events reader.  Connects and reads the answer head in the
    constructor; .status/.headers tell how it went (a non-200 answer keeps its body in .body)."""

    def __init__(self, server, path="/api/v1/stream", last_event_id=None, headers=None, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
        h = {"Host": "127.0.0.1:%d" % server.port, "Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id is not None:
            h["Last-Event-ID"] = str(last_event_id)
        if headers:
            h.update(headers)
        req = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        self.sock.sendall(req.encode("latin-1"))
        self.pending = b""      # decoded stream bytes not yet parsed into events
        self.events = []        # parsed, not yet returned
        self.comments = []
        self.closed = False
        self.cur = {"id": None, "event": None, "data": []}
        self.last_id = None
        # head
        buf = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in buf:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            c = self.sock.recv(65536)
            if not c:
                break
            buf += c
        check(b"\r\n\r\n" in buf, "stream %s: no answer head (got %s)" % (path, short(buf)))
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ", 2)[1])
        pairs = []
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                pairs.append((k.strip(), v.strip()))
        self.headers = RawHeaders(pairs)
        self.chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        self.decoder = ChunkDecoder() if self.chunked else None
        self.path = path
        if self.status != 200:
            # read the (small) error body
            self.body = rest
            cl = self.headers.get("Content-Length")
            end = time.time() + 3
            while time.time() < end and (cl is None or len(self.body) < int(cl)):
                try:
                    self.sock.settimeout(0.5)
                    c = self.sock.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not c:
                    break
                self.body += c
            if self.chunked:
                self.body = ChunkDecoder().feed(self.body)
            self.close()
            return
        self.body = None
        self._feed(rest)

    def _feed(self, data):
        if self.decoder is not None:
            data = self.decoder.feed(data)
            if self.decoder.done:
                self.closed = True
        self.pending += data
        text = self.pending.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # keep an incomplete last line
        if b"\n" not in text:
            return
        complete, tail = text.rsplit(b"\n", 1)
        self.pending = tail
        for line in complete.split(b"\n"):
            line = line.decode("utf-8", "replace")
            if line == "":
                if self.cur["data"] or self.cur["id"] is not None or self.cur["event"] is not None:
                    ev = Event(self.cur["id"], self.cur["event"] or "message", "\n".join(self.cur["data"]))
                    self.events.append(ev)
                    if ev.id is not None:
                        self.last_id = ev.id
                self.cur = {"id": None, "event": None, "data": []}
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            if ":" in line:
                name, value = line.split(":", 1)
                if value.startswith(" "):
                    value = value[1:]
            else:
                name, value = line, ""
            if name == "id":
                self.cur["id"] = value
            elif name == "event":
                self.cur["event"] = value
            elif name == "data":
                self.cur["data"].append(value)

    def next(self, timeout=5.0):
        """The next event, or None when none arrives within `timeout` (or the stream ended)."""
        deadline = time.time() + timeout
        while not self.events:
            if self.closed:
                return None
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                c = self.sock.recv(65536)
            except socket.timeout:
                return None
            except (ConnectionResetError, OSError):
                self.closed = True
                return None
            if not c:
                self.closed = True
                return None
            self._feed(c)
        return self.events.pop(0)

    def collect(self, count=None, timeout=5.0, until=None, quiet=None):
        """Events until `count` were read, `until(event)` is true, `timeout` passed, or no event
        came for `quiet` seconds."""
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            if count is not None and len(out) >= count:
                break
            wait = deadline - time.time()
            if quiet is not None:
                wait = min(wait, quiet)
            ev = self.next(timeout=wait)
            if ev is None:
                if quiet is not None or self.closed:
                    break
                continue
            out.append(ev)
            if until is not None and until(ev):
                break
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True


def incident_ref(value):
    """'INC-7', 7 or '7' → 7 (None when it is none of those)."""
    if isinstance(value, dict):
        value = value.get("id") or value.get("number")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = re.match(r"^(?:INC-)?(\d+)$", value)
        if m:
            return int(m.group(1))
    return None


# ---------------------------------------------------------------- the case runner

class Suite:
    """Cases run in order.  A shared server (suite.server) is started on first use of
    suite.shared(); when it dies during a case, that case fails with its stderr and a fresh
    one is started for the next; when the file ends it is stopped and its clean exit is the
    last case.  Any 5xx answer seen during a case fails that case."""

    def __init__(self, name):
        self.name = name
        self.cases = []
        self.passed = 0
        self.failed = 0
        self.server = None

    def case(self, fn):
        self.cases.append(fn)
        return fn

    def shared(self):
        if self.server is None or not self.server.alive():
            self.server = Server().start()
        return self.server

    def report(self, name, reason=None, details=()):
        if reason is None:
            self.passed += 1
            print("ok - %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL - %s: %s" % (name, reason.replace("\n", " | ")), flush=True)
            for d in details:
                print("       and: %s" % d, flush=True)

    def main(self):
        if not os.path.exists(BIN):
            self.report("binary exists", "no binary at %s (build it or set MAJOROPS_BIN)" % BIN)
            print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
            sys.exit(1)
        try:
            for fn in self.cases:
                name = fn.__name__
                if name.startswith("test_"):
                    name = name[5:]
                doc = (fn.__doc__ or "").strip().splitlines()
                if doc:
                    name = doc[0].strip()
                n5xx = len(self.server.errors_5xx) if self.server else 0
                srv_before = self.server
                reason = None
                details = []
                t0 = time.time()
                try:
                    fn()
                except CaseFailure as e:
                    reason = str(e)
                except Exception as e:  # a case that raises is a failure, the file goes on
                    tb = traceback.extract_tb(e.__traceback__)
                    where = ""
                    here = os.path.dirname(os.path.abspath(__file__))
                    mine = [fr for fr in tb if os.path.dirname(os.path.abspath(fr.filename)) == here]
                    tests = [fr for fr in mine if os.path.basename(fr.filename).startswith("test_")]
                    if tests:
                        where = " (at %s:%d)" % (os.path.basename(tests[-1].filename), tests[-1].lineno)
                    elif mine:
                        where = " (at %s:%d)" % (os.path.basename(mine[-1].filename), mine[-1].lineno)
                    reason = "%s: %s%s" % (type(e).__name__, e, where)
                srv = self.server
                if srv is not None:
                    if srv is srv_before and len(srv.errors_5xx) > n5xx:
                        extra = "5xx answers: " + "; ".join("%s %s -> %d %s" % x for x in srv.errors_5xx[n5xx:n5xx + 3])
                        reason = extra if reason is None else reason + "; " + extra
                    if srv.proc is not None and not srv.alive():
                        rep = srv.sanitizer_report()
                        msg = "the server died (exit %s)" % srv.proc.returncode
                        reason = msg if reason is None else reason + "; " + msg
                        details = rep or [short(srv.stderr()[-800:], 800)]
                        srv.proc = None
                        srv.cleanup()
                        self.server = None
                if os.environ.get("MAJOROPS_IT_TIMES"):
                    print("# %s took %.2fs" % (name, time.time() - t0), flush=True)
                self.report(name, reason, details)
            if self.server is not None:
                problems = self.server.stop()
                self.report("shared server exits cleanly on SIGTERM", "; ".join(problems) if problems else None)
        finally:
            if self.server is not None:
                self.server.cleanup()
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)


def owned_server_check(server):
    """Stops a server a case started itself and fails the case on an unclean exit."""
    problems = server.stop()
    check(not problems, "; ".join(problems))
