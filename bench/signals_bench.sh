#!/bin/sh
# Alert intake under a flood (issue 8): RATE alerts/s for SECONDS seconds, sent in bursts
# every 100 ms across GROUPS Alertmanager groups, each alert new (its own fingerprint), to a
# release build on loopback with a fresh SQLite store (or MAJOROPS_BENCH_DB, e.g. a
# postgres:// URL).  Passes when every delivery answered 200, each group is one incident,
# and the counters on those incidents add up to every alert sent (no loss).
#
#   sh bench/signals_bench.sh [RATE] [SECONDS] [GROUPS]     (defaults 1000 10 50)
#
# MAJOROPS_BENCH_BIN names the binary (default ./majorops, built first).
# The last line is `RESULT sent=.. ok=.. lost=.. incidents=.. rate=.. p50_ms=.. p99_ms=..`.
set -eu
cd "$(dirname "$0")/.."
RATE=${1:-1000}
SECONDS_RUN=${2:-10}
NGROUPS=${3:-50}
BIN=${MAJOROPS_BENCH_BIN:-./majorops}
[ -n "${MAJOROPS_BENCH_BIN:-}" ] || make --no-print-directory majorops >/dev/null
W=$(mktemp -d)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DB=${MAJOROPS_BENCH_DB:-$W/bench.db}
MAJOROPS_INSECURE_NO_AUTH=1 "$BIN" serve --listen "127.0.0.1:$PORT" --db "$DB" >"$W/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT INT TERM
i=0
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
	i=$((i + 1)); [ "$i" -lt 100 ] || { echo "server did not start"; cat "$W/server.log"; exit 1; }
	sleep 0.1
done
/usr/bin/python3 - "$PORT" "$RATE" "$SECONDS_RUN" "$NGROUPS" <<'EOF'
import http.client, json, sys, threading, time, queue, datetime
port, rate, seconds, ngroups = (int(a) for a in sys.argv[1:5])
def req(conn, method, path, body=None, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    return r.status, r.read()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
st, raw = req(c, "POST", "/api/v1/integrations", {"name": "bench", "kind": "alertmanager",
                                                  "severityMap": {"page": "critical"}})
ig = json.loads(raw)
path = "/api/v1/signals/%d" % ig["id"]
auth = {"Authorization": "Bearer " + ig["token"]}
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
def payload(g, n):
    name = "Bench%02d" % g
    return {"version": "4", "status": "firing", "receiver": "majorops", "groupKey": "{}:{alertname=\"%s\"}" % name,
            "groupLabels": {"alertname": name}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://am", "truncatedAlerts": 0,
            "alerts": [{"status": "firing", "labels": {"alertname": name, "severity": "page", "n": str(n)},
                        "annotations": {"summary": "bench group %d" % g}, "startsAt": now,
                        "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "b%d-%d" % (g, n)}]}
work = queue.Queue()
lat, statuses, incidents, lock = [], {}, {}, threading.Lock()
def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        item = work.get()
        if item is None:
            return
        g, n = item
        t0 = time.monotonic()
        try:
            st, raw = req(conn, "POST", path, payload(g, n), auth)
        except Exception:
            conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            st, raw = -1, b"{}"
        dt = time.monotonic() - t0
        with lock:
            lat.append(dt)
            statuses[st] = statuses.get(st, 0) + 1
            if st == 200:
                incidents.setdefault(g, set()).add(json.loads(raw).get("incident"))
threads = [threading.Thread(target=worker, daemon=True) for _ in range(32)]
for t in threads:
    t.start()
total = rate * seconds
burst = max(1, rate // 10)
start = time.monotonic()
sent = 0
while sent < total:
    for _ in range(min(burst, total - sent)):
        work.put((sent % ngroups, sent))
        sent += 1
    # the next burst leaves 100 ms after this one was due
    due = start + (sent / rate)
    time.sleep(max(0.0, due - time.monotonic()))
for _ in threads:
    work.put(None)
for t in threads:
    t.join()
elapsed = time.monotonic() - start
received = 0
opened = set()
for g, incs in incidents.items():
    opened |= incs
for inc in opened:
    st, raw = req(c, "GET", "/api/v1/incidents/%s" % inc)
    received += json.loads(raw)["alerts"]["received"]
lat.sort()
ok = statuses.get(200, 0)
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
one_each = all(len(v) == 1 for v in incidents.values()) and len(incidents) == ngroups
print("statuses %s; groups %d, incidents %d, one incident per group: %s" % (statuses, len(incidents), len(opened), one_each))
print("RESULT sent=%d ok=%d lost=%d incidents=%d rate=%.0f p50_ms=%.1f p99_ms=%.1f seconds=%.1f"
      % (total, ok, total - received, len(opened), total / elapsed, p(0.5), p(0.99), elapsed))
sys.exit(0 if ok == total and received == total and one_each else 1)
EOF
