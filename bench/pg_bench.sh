#!/bin/sh
# MajorOps on PostgreSQL with two replicas — the issue's performance targets, with the
# SQLite figures from the same run beside them.  Standalone (bench/run.sh is the main suite).
#
#   1. durable writes: 50 clients POSTing timeline entries, 25 on each of two replicas of
#      one PostgreSQL database (>= 2,000 201/s together, p99 < 50 ms); SQLite: the same 50
#      clients on one server.
#   2. cross-replica live events: 2,000 idle SSE clients on replica B, one write on replica
#      A, time until every client has it (< 250 ms); SQLite: clients and write on one server.
#
# PostgreSQL is a private cluster (initdb into the work directory, Unix socket only, default
# durability: fsync and synchronous_commit on), stopped by the trap with everything else.
# Loopback only, bounded in time.  Exit 0 when every figure was measured (a MISS is a
# result; BENCH_STRICT=1 makes a MISS exit 1), 1 when something could not run.
#
# Knobs: BENCH_DURATION (s per load, default 10), BENCH_ROUNDS (default 3),
# BENCH_SSE_CLIENTS (default 2000), BENCH_KEEP=1 (keep the work directory),
# MAJOROPS_BENCH_BIN (default ./majorops).
set -u
cd "$(dirname "$0")/.."
BIN=${MAJOROPS_BENCH_BIN:-./majorops}
# The benchmarks measure the server, not sign-in: every server here runs without it (every
# request acts as admin; loopback only).
export MAJOROPS_INSECURE_NO_AUTH=1
DUR=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
SSE_CLIENTS=${BENCH_SSE_CLIENTS:-2000}
HOST=127.0.0.1
BODY='{"text":"Restarted the payment gateway pods in eu-west-1; error rate falling","type":"action"}'

say() { printf '%s\n' "$*"; }
die() { say "pg_bench: $*" >&2; exit 1; }

# --- dependencies ---------------------------------------------------------------------------
need=""
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || die "missing tools; as root run: apt-get install -y$need"
	say "pg_bench: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $need >/dev/null || die "apt-get install$need failed"
fi
[ -x "$BIN" ] || die "no $BIN; build it with 'make majorops'"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
[ "$hard" -gt 65536 ] && hard=65536
ulimit -n "$hard" 2>/dev/null
[ "$(ulimit -n)" -ge $((SSE_CLIENTS + 200)) ] || say "pg_bench: warning: ulimit -n $(ulimit -n) is low for $SSE_CLIENTS clients"

# --- work directory, processes, cleanup ------------------------------------------------------
W=$(mktemp -d /tmp/majorops-pgbench.XXXXXX) || die "mktemp failed"
chmod 755 "$W"
PIDS=""
PG_UP=0
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	trap - EXIT INT TERM HUP
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ "$PG_UP" = 1 ] && as_pg "$PGBIN/pg_ctl" -D "$W/pg/data" -m fast -w stop >/dev/null 2>&1
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "pg_bench: work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

NEXT_PORT=$((30000 + $$ % 20000))
pick_port() {
	while :; do
		NEXT_PORT=$((NEXT_PORT + 1))
		grep -q "$(printf ':%04X ' "$NEXT_PORT")" /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$NEXT_PORT"; return; }
	done
}
wait_200() { # URL SECONDS
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
kv() { # FILE KEY: a value of the file's last RESULT line, "-" when absent
	awk -v k="$2" '/^RESULT/ { v = ""; for (i = 2; i <= NF; i++) { n = index($i, "=");
		if (substr($i, 1, n - 1) == k) v = substr($i, n + 1) } } END { print (v == "" ? "-" : v) }' "$1" 2>/dev/null
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say "pg_bench: building the load tools"
cc -std=c11 -O2 -Wall -Wextra -o "$W/pg_fanout" bench/pg_fanout.c || die "cannot build bench/pg_fanout.c"

# --- PostgreSQL --------------------------------------------------------------------------------
PG_PORT=$(pick_port)
mkdir -p "$W/pg"
[ "$(id -u)" = 0 ] && chown postgres "$W/pg"
as_pg "$PGBIN/initdb" -D "$W/pg/data" -A trust -U postgres -E UTF8 --no-locale >"$W/initdb.log" 2>&1 ||
	die "initdb failed: $(tail -n 3 "$W/initdb.log")"
as_pg "$PGBIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/log" -w \
	-o "-k $W/pg -p $PG_PORT -c listen_addresses='' -c max_connections=200" start >/dev/null 2>&1 ||
	die "PostgreSQL did not start: $(tail -n 3 "$W/pg/log")"
PG_UP=1
createdb_() { "$PGBIN/psql" -X -q -h "$W/pg" -p "$PG_PORT" -U postgres -c "CREATE DATABASE $1" postgres >/dev/null ||
	die "cannot create database $1"; }
pg_url() { echo "postgresql://postgres@/$1?host=$W/pg&port=$PG_PORT"; }

# start NAME DB: one server; sets SPID and SPORT
start() {
	SPORT=$(pick_port)
	"$BIN" serve --listen "$HOST:$SPORT" --db "$2" >"$W/$1.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_200 "http://$HOST:$SPORT/healthz" 15 || die "$1 did not start: $(tail -n 5 "$W/$1.log")"
}
open_incident() { # PORT → INC-n on stdout
	curl -s --max-time 10 -H 'Content-Type: application/json' -H 'X-MajorOps-Actor: bench' \
		-d '{"title":"Benchmark incident","severity":"high","affectedSystems":["bench"]}' \
		"http://$HOST:$1/api/v1/incidents" | sed -n 's/^{"id" *: *"\(INC-[0-9]*\)".*/\1/p'
}
wrk_post() { # OUT PORT CONNS THREADS INC SECONDS
	timeout $(($6 + 30)) wrk -t"$4" -c"$3" -d"$6s" --timeout 5s -s bench/status.lua \
		"http://$HOST:$2/api/v1/incidents/$5/timeline" -- POST 201 0 "$BODY" >"$1" 2>&1
}

# === 1. durable writes ===========================================================================
say "== 1/2 durable writes: 50 clients, $ROUNDS x ${DUR}s"
createdb_ writes
start pg_a "$(pg_url writes)"; A_PORT=$SPORT
start pg_b "$(pg_url writes)"; B_PORT=$SPORT
INC=$(open_incident "$A_PORT")
[ -n "$INC" ] || die "cannot open an incident on PostgreSQL"
start sqlite "$W/writes.db"; S_PORT=$SPORT
SINC=$(open_incident "$S_PORT")
[ -n "$SINC" ] || die "cannot open an incident on SQLite"
# warm-up
wrk_post "$W/warm-a" "$A_PORT" 25 1 "$INC" 2 &
WP=$!
wrk_post "$W/warm-b" "$B_PORT" 25 1 "$INC" 2
wait "$WP"
wrk_post "$W/warm-s" "$S_PORT" 50 2 "$SINC" 2
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# the two halves run at once; `wait` names the one in the background (servers run too)
	wrk_post "$W/pa-$r" "$A_PORT" 25 1 "$INC" "$DUR" &
	WP=$!
	wrk_post "$W/pb-$r" "$B_PORT" 25 1 "$INC" "$DUR"
	wait "$WP"
	wrk_post "$W/s-$r" "$S_PORT" 50 2 "$SINC" "$DUR"
	# two replicas: rates add up; the p99 of the whole is at most the worse of the two
	awk -v a="$(kv "$W/pa-$r" rate)" -v b="$(kv "$W/pb-$r" rate)" -v pa="$(kv "$W/pa-$r" p99_ms)" \
		-v pb="$(kv "$W/pb-$r" p99_ms)" -v oa="$(kv "$W/pa-$r" other)" -v ob="$(kv "$W/pb-$r" other)" \
		'BEGIN { if (a == "-" || b == "-") print "RESULT"; else
		printf "RESULT rate=%.1f p99_ms=%.3f other=%d\n", a + b, (pa > pb ? pa : pb), oa + ob }' >"$W/p-$r"
	say "   round $r: postgresql $(kv "$W/p-$r" rate)/s p99 $(kv "$W/p-$r" p99_ms) ms (A $(kv "$W/pa-$r" rate)/s, B $(kv "$W/pb-$r" rate)/s); sqlite $(kv "$W/s-$r" rate)/s p99 $(kv "$W/s-$r" p99_ms) ms"
	r=$((r + 1))
done
med() { for f in "$W/$1"-[0-9]*; do kv "$f" "$2"; done | median; }
P_RATE=$(med p rate); P_P99=$(med p p99_ms); S_RATE=$(med s rate); S_P99=$(med s p99_ms)
P_OTHER=$(for f in "$W"/p-[0-9]*; do kv "$f" other; done | awk '{ t += $1 } END { print t + 0 }')
for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
PIDS=""

# === 2. cross-replica live events ================================================================
say "== 2/2 live events: $SSE_CLIENTS idle SSE clients on replica B, one write on replica A"
createdb_ streams
start pg_a2 "$(pg_url streams)"; A_PORT=$SPORT
start pg_b2 "$(pg_url streams)"; B_PORT=$SPORT
INC=$(open_incident "$A_PORT")
start sqlite2 "$W/streams.db"; S_PORT=$SPORT
SINC=$(open_incident "$S_PORT")
timeout 120 "$W/pg_fanout" -p "$B_PORT" -q "$A_PORT" -n "$SSE_CLIENTS" -T "/api/v1/incidents/$INC/timeline" \
	>"$W/fan-p" 2>&1
say "   postgresql: $(sed -n 's/^RESULT //p' "$W/fan-p")"
timeout 120 "$W/pg_fanout" -p "$S_PORT" -q "$S_PORT" -n "$SSE_CLIENTS" -T "/api/v1/incidents/$SINC/timeline" \
	>"$W/fan-s" 2>&1
say "   sqlite:     $(sed -n 's/^RESULT //p' "$W/fan-s")"

# === results =====================================================================================
MISSES=0
UNMEASURED=0
line() { # FIGURE PG SQLITE UNIT OP TARGET
	if [ "$2" = "-" ]; then v="MISS (not measured)"; UNMEASURED=$((UNMEASURED + 1))
	elif [ "$5" = "-" ]; then v="(report)"
	else v=$(awk -v a="$2" -v op="$5" -v t="$6" 'BEGIN { ok = (op == ">=") ? (a + 0 >= t + 0) : (a + 0 < t + 0); print ok ? "PASS" : "MISS" }'); fi
	case $v in MISS*) MISSES=$((MISSES + 1)) ;; esac
	tgt="-"; [ "$5" != "-" ] && tgt="$5 $6"
	printf '%-46s %12s %12s %-5s %-8s %s\n' "$1" "$2" "$3" "$4" "$tgt" "$v"
}
say ""
say "MajorOps on PostgreSQL, two replicas — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, loopback, $("$PGBIN/postgres" --version | sed 's/^postgres //')"
say "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows here)"
printf '%-46s %12s %12s %-5s %-8s %s\n' "figure" "postgresql" "sqlite" "unit" "target" "verdict (postgresql)"
say "----------------------------------------------------------------------------------------------------"
line "writes: acknowledged entries/s (50 clients)" "$P_RATE" "$S_RATE" "1/s" ">=" 2000
line "writes: p99 latency" "$P_P99" "$S_P99" "ms" "<" 50
line "writes: non-201 answers" "$P_OTHER" "-" "count" "-" ""
line "live event to every SSE client, max" "$(kv "$W/fan-p" max_ms)" "$(kv "$W/fan-s" max_ms)" "ms" "<" 250
line "live event, p50" "$(kv "$W/fan-p" p50_ms)" "$(kv "$W/fan-s" p50_ms)" "ms" "-" ""
line "SSE clients that missed the event" "$(kv "$W/fan-p" missing)" "$(kv "$W/fan-s" missing)" "count" "-" ""
say ""
say "postgresql: writes spread 25/25 over replicas A and B of one database; events written on A,"
say "read by clients on B.  sqlite: the same loads on one server."
[ "$UNMEASURED" -gt 0 ] && exit 1
[ "${BENCH_STRICT:-0}" = 1 ] && [ "$MISSES" -gt 0 ] && exit 1
exit 0
