#!/bin/sh
# MajorOps benchmark suite — `make bench` (docs/benchmarks.md explains every figure).
#
# Four targets, each measured beside nginx serving the same bytes in the same run, so the
# ratio survives a noisy machine:
#   1. durable writes: 50 clients POSTing timeline entries  (>= 2,000 201/s, p99 < 50 ms)
#   2. reads of an incident with 10,000 entries              (p99 < 10 ms)
#   3. 5,000 idle SSE clients: memory each, one event to all (< 16 KiB, < 250 ms)
#   4. exec to the first 200 from /healthz on a 100 MB database (< 100 ms)
# Loopback only; every load is bounded in count and time; every process started here is
# stopped by the trap.  Exit status: 0 when every benchmark ran (a MISS is a result, not a
# failure — BENCH_STRICT=1 turns a MISS into exit 1), 1 when one could not run.
#
# Every wrk figure is the median of BENCH_ROUNDS rounds that alternate MajorOps and nginx,
# so a burst of noise on the host lands on both sides of a ratio rather than one.
# Knobs (environment): BENCH_DURATION (s per wrk load, default 8), BENCH_ROUNDS (default 3),
# BENCH_STARTS (start-up repetitions, default 25), BENCH_DB_MB (start-up database size,
# default 100), BENCH_ENTRY_TEXT (characters per loaded timeline entry, default 1000),
# BENCH_SSE_EVENTS (events timed to the 5,000 streams, one at a time; the median one is
# reported, default 5), BENCH_KEEP=1 (keep the work directory with logs),
# MAJOROPS_BENCH_BIN (binary to measure, default ./majorops).
set -u
cd "$(dirname "$0")/.."
BIN=${MAJOROPS_BENCH_BIN:-./majorops}
# The benchmarks measure the server, not sign-in: every server here runs without it (every
# request acts as admin; loopback only).
export MAJOROPS_INSECURE_NO_AUTH=1
DUR=${BENCH_DURATION:-8}
ROUNDS=${BENCH_ROUNDS:-3}
STARTS=${BENCH_STARTS:-25}
DB_MB=${BENCH_DB_MB:-100}
ENTRY_TEXT=${BENCH_ENTRY_TEXT:-1000}
SSE_CLIENTS=5000
SSE_EVENTS=${BENCH_SSE_EVENTS:-5}
HOST=127.0.0.1

say() { printf '%s\n' "$*"; }
die() { say "bench: $*" >&2; exit 1; }

# --- dependencies -------------------------------------------------------------------------
need_pkgs=""
command -v wrk >/dev/null 2>&1 || need_pkgs="$need_pkgs wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs="$need_pkgs nginx-light"
command -v curl >/dev/null 2>&1 || need_pkgs="$need_pkgs curl"
command -v cc >/dev/null 2>&1 || need_pkgs="$need_pkgs gcc libc6-dev"
if [ -n "$need_pkgs" ]; then
	if [ "$(id -u)" = 0 ]; then
		say "bench: installing$need_pkgs"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null || die "apt-get update failed"
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $need_pkgs >/dev/null ||
			die "apt-get install$need_pkgs failed"
	else
		die "missing tools; as root run: apt-get install -y$need_pkgs"
	fi
fi
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
[ -x "$BIN" ] || die "no $BIN; build it with 'make majorops'"

# The servers and the clients hold thousands of sockets: raise the descriptor limit to the
# hard limit (capped at 65536) for everything started from here.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 65536 ] && [ "$(id -u)" = 0 ]; then
	ulimit -Hn 65536 2>/dev/null && hard=65536
fi
[ "$hard" = unlimited ] && hard=65536
[ "$hard" -gt 65536 ] && hard=65536
ulimit -n "$hard" || die "cannot raise ulimit -n to $hard"
[ "$hard" -ge $((SSE_CLIENTS + 200)) ] ||
	say "bench: warning: ulimit -n is $hard, below $SSE_CLIENTS SSE clients"

# --- work directory, process bookkeeping, cleanup ------------------------------------------
W=$(mktemp -d /tmp/majorops-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$W"
PIDS=""
cleanup() {
	trap - EXIT INT TERM HUP
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "bench: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

forget_pid() {
	np=""
	for p in $PIDS; do [ "$p" = "$1" ] || np="$np $p"; done
	PIDS=$np
}

# stop_pid PID: TERM, up to 5 s, then KILL; reaps it.
stop_pid() {
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget_pid "$1"
}

# pick_port: sets PORT to one nobody listens on or talks to (per /proc/net/tcp*), never
# the same twice in a run.  Ports stay below the kernel's ephemeral range (32768+), where
# other programs' outgoing connections and port-0 listeners would collide with ours
# between start-up repetitions.  (Called directly, not in $(...), so NEXT_PORT advances.)
NEXT_PORT=$((20000 + $$ % 10000))
pick_port() {
	while :; do
		NEXT_PORT=$((NEXT_PORT + 1))
		[ "$NEXT_PORT" -ge 32768 ] && NEXT_PORT=20001
		hex=$(printf ':%04X ' "$NEXT_PORT")
		if ! grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			PORT=$NEXT_PORT
			return
		fi
	done
}

# wait_200 URL SECONDS [PID]: gives up early when PID has exited.
wait_200() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# kv FILE KEY: a value from the file's last RESULT line ("-" when absent).
kv() {
	awk -v k="$2" '/^RESULT/ { v = ""; for (i = 2; i <= NF; i++) { n = index($i, "=");
		if (substr($i, 1, n - 1) == k) v = substr($i, n + 1) } }
		END { print (v == "" ? "-" : v) }' "$1" 2>/dev/null
}

# --- the tools ------------------------------------------------------------------------------
say "bench: building the load tools"
for t in sse_clients httpload startup; do
	cc -std=c11 -O2 -Wall -Wextra -o "$W/$t" "bench/$t.c" -lpthread ||
		die "cannot build bench/$t.c"
done

# --- the nginx reference ----------------------------------------------------------------------
# One private nginx for the static-file references and the idle-connection reference.
ngx_conf() { # DIR PORT [WORKER_CONNECTIONS]
	mkdir -p "$1/www" "$1/tmp"
	cat >"$1/nginx.conf" <<EOF
user root;
worker_processes 2;
worker_rlimit_nofile $hard;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections ${3:-12000}; }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	default_type application/json;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 600s;
	server {
		listen $HOST:$2;
		root $1/www;
		location = /healthz { return 200 '{"status":"ok"}'; }
	}
}
EOF
}
NGX_DIR=$W/nginx
pick_port
NGX_PORT=$PORT
ngx_conf "$NGX_DIR" "$NGX_PORT"
"$NGINX" -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -g 'daemon off;' >"$NGX_DIR/stdout.log" 2>&1 &
NGX_PID=$!
PIDS="$PIDS $NGX_PID"
wait_200 "http://$HOST:$NGX_PORT/healthz" 10 || die "nginx did not start: $(tail -n 5 "$NGX_DIR/error.log")"
NGX=http://$HOST:$NGX_PORT

# --- MajorOps servers ---------------------------------------------------------------------------
# start_server NAME: a fresh server on a fresh database; sets SPID, SPORT, S.
start_server() {
	pick_port
	SPORT=$PORT
	"$BIN" serve --listen "$HOST:$SPORT" --db "$W/$1.db" >"$W/$1.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	S=http://$HOST:$SPORT
	if ! wait_200 "$S/healthz" 10 "$SPID"; then
		say "bench: $BIN did not answer /healthz with 200 within 10 s (or exited); its log:" >&2
		tail -n 20 "$W/$1.log" >&2
		return 1
	fi
}

# create_incident: POSTs one incident, sets INC (expected INC-1 on a fresh database).
create_incident() {
	code=$(curl -s -D "$W/inc.hdr" -o "$W/inc.json" -w '%{http_code}' --max-time 10 \
		-H 'Content-Type: application/json' -H 'X-MajorOps-Actor: bench' \
		-d '{"title":"Benchmark incident","severity":"high","affectedSystems":["bench"]}' \
		"$S/api/v1/incidents")
	if [ "$code" != 201 ]; then
		say "bench: POST /api/v1/incidents answered $code: $(head -c 300 "$W/inc.json")" >&2
		return 1
	fi
	INC=$(tr -d '\r' <"$W/inc.hdr" | sed -n 's#^[Ll]ocation: */api/v1/incidents/\(INC-[0-9]*\).*#\1#p' | head -n 1)
	[ -n "$INC" ] || INC=$(sed -n 's/^{"id" *: *"\(INC-[0-9]*\)".*/\1/p' "$W/inc.json")
	[ -n "$INC" ] || INC=INC-1
}

# wrk_run OUT URL CONNS METHOD EXPECTED CAP_PER_THREAD [BODY|fast]
wrk_run() {
	out=$1 url=$2 conns=$3
	shift 3
	timeout $((DUR + 30)) wrk -t2 -c"$conns" -d"${DUR}s" --timeout 5s -s bench/status.lua \
		"$url" -- "$@" >"$out" 2>&1
	grep -q '^RESULT' "$out" || { say "bench: wrk failed against $url:" >&2; tail -n 5 "$out" >&2; }
}
wrk_warm() { # URL CONNS METHOD EXPECTED [BODY|fast]
	url=$1 conns=$2
	shift 2
	timeout 30 wrk -t2 -c"$conns" -d2s --timeout 5s -s bench/status.lua "$url" -- "$1" "$2" 0 ${3+"$3"} \
		>/dev/null 2>&1
}

# pair NAME MAJOROPS_URL NGINX_URL CONNS NGINX_MODE METHOD EXPECTED CAP [BODY|fast]:
# ROUNDS rounds, MajorOps then nginx in each, into $W/NAME-m-R.out and $W/NAME-n-R.out.
# nginx always answers a GET of the same bytes (NGINX_MODE "fast" or "count").
pair() {
	name=$1 murl=$2 nurl=$3 conns=$4 nmode=$5
	shift 5
	r=1
	while [ $r -le "$ROUNDS" ]; do
		wrk_run "$W/$name-m-$r.out" "$murl" "$conns" "$@"
		if [ "$nmode" = fast ]; then
			wrk_run "$W/$name-n-$r.out" "$nurl" "$conns" GET 200 2000000 fast
		else
			wrk_run "$W/$name-n-$r.out" "$nurl" "$conns" GET 200 2000000
		fi
		r=$((r + 1))
	done
	for side in m n; do
		if [ $side = m ]; then label="majorops"; else label="nginx   "; fi
		say "   $label rounds: $(for f in "$W/$name-$side"-*.out; do
			printf '%s/s p50 %s p99 %s ms; ' "$(kv "$f" rate)" "$(kv "$f" p50_ms)" "$(kv "$f" p99_ms)"; done)"
	done
}
# med NAME SIDE KEY: the median over the rounds ("-" when a round has no value).
med() {
	for f in "$W/$1-$2"-*.out; do kv "$f" "$3"; done | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
			for (i = 1; i <= NR; i++) if (v[i] == "-") { print "-"; exit }
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# total NAME SIDE KEY: the sum over the rounds.
total() {
	for f in "$W/$1-$2"-*.out; do kv "$f" "$3"; done |
		awk '{ if ($1 == "-") bad = 1; else t += $1 } END { print bad ? "-" : t }'
}
capped() {
	for f in "$W/$1"-*.out; do [ "$(kv "$f" capped)" = 1 ] && return 0; done
	return 1
}

# --- results ------------------------------------------------------------------------------------
RES=$W/results
: >"$RES"
MISSES=0
FAILURES=0
# row ID FIGURE VALUE UNIT TARGET_OP TARGET REF: one line of the table.
#   TARGET_OP is ">=", "<", or "-" (reported only); VALUE "-" means it could not be measured.
row() {
	printf '%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$RES"
}
fmt() { awk -v v="$1" 'BEGIN { if (v == "-" || v == "") print "-"; else if (v ~ /^-?[0-9]+$/ || v + 0 >= 1000) printf "%.0f", v;
	else if (v + 0 >= 100) printf "%.1f", v; else printf "%.2f", v }'; }

print_table() {
	say ""
	say "MajorOps benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, loopback; ratio = MajorOps / nginx"
	say "load average before the run: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows here)"
	printf '%-3s %-44s %12s %-6s %-10s %12s %9s  %s\n' "#" "figure" "MajorOps" "unit" "target" "nginx ref" "ratio" "verdict"
	printf '%s\n' "--------------------------------------------------------------------------------------------------------------"
	while IFS='|' read -r id fig val unit op tgt ref; do
		v=$(fmt "$val")
		r=$(fmt "$ref")
		ratio=$(awk -v a="$val" -v b="$ref" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-";
			else { x = a / b; if (x >= 100) printf "%.0fx", x; else if (x >= 10) printf "%.1fx", x; else printf "%.3fx", x } }')
		if [ "$op" = "-" ]; then
			verdict="(report)" target="-"
		else
			target="$op $tgt"
			verdict=$(awk -v a="$val" -v op="$op" -v t="$tgt" 'BEGIN { if (a == "-") { print "MISS (not measured)"; exit }
				ok = (op == ">=") ? (a + 0 >= t + 0) : (a + 0 < t + 0); print ok ? "PASS" : "MISS" }')
		fi
		case $verdict in MISS*) MISSES=$((MISSES + 1)) ;; esac
		printf '%-3s %-44s %12s %-6s %-10s %12s %9s  %s\n' "$id" "$fig" "$v" "$unit" "$target" "$r" "$ratio" "$verdict"
	done <"$RES"
	say ""
}

# ================================================================================================
# 1. Durable writes
# ================================================================================================
bench_writes() {
	say "== 1/4 durable writes: 50 clients POST /api/v1/incidents/INC-1/timeline, $ROUNDS x ${DUR}s"
	start_server writes || return 1
	create_incident || return 1
	body='{"text":"Restarted the payment gateway pods in eu-west-1; error rate falling","type":"action"}'
	code=$(curl -s -o "$NGX_DIR/www/entry.json" -w '%{http_code}' --max-time 10 \
		-H 'Content-Type: application/json' -H 'X-MajorOps-Actor: bench' -d "$body" \
		"$S/api/v1/incidents/$INC/timeline")
	[ "$code" = 201 ] || { say "bench: POST timeline answered $code: $(head -c 300 "$NGX_DIR/www/entry.json")" >&2; return 1; }
	say "   201 body is $(wc -c <"$NGX_DIR/www/entry.json") bytes; nginx serves the same bytes as /entry.json"
	wrk_warm "$S/api/v1/incidents/$INC/timeline" 50 POST 201 "$body"
	# the nginx side GETs the same bytes (a POST to a static file is 405), counted the same way
	pair w "$S/api/v1/incidents/$INC/timeline" "$NGX/entry.json" 50 count POST 201 150000 "$body"
	capped w-m && say "   note: a wrk thread reached its request cap; the rate is a lower bound"
	row 1 "writes: acknowledged (201) entries/s" "$(med w m rate)" "1/s" ">=" 2000 "$(med w n rate)"
	row 1 "writes: p50 latency" "$(med w m p50_ms)" "ms" "-" "" "$(med w n p50_ms)"
	row 1 "writes: p99 latency" "$(med w m p99_ms)" "ms" "<" 50 "$(med w n p99_ms)"
	nn=$(awk -v o="$(total w m other)" -v e="$(total w m errors)" 'BEGIN { if (o == "-" || e == "-") print "-"; else print o + e }')
	row 1 "writes: non-201 answers + socket errors" "$nn" "count" "-" "" "-"
	stop_server_now
}

stop_server_now() {
	[ -n "${SPID:-}" ] && stop_pid "$SPID"
	SPID=""
}

# ================================================================================================
# 2. Reads of a big incident
# ================================================================================================
bench_reads() {
	say "== 2/4 reads: GET incident and timeline with 10,000 entries, 10 connections, $ROUNDS x ${DUR}s each"
	start_server reads || return 1
	create_incident || return 1
	timeout 300 "$W/httpload" -p "$SPORT" -c 8 -n 10000 -t 240 -T 100 \
		-u "/api/v1/incidents/$INC/timeline" >"$W/seed2.out" 2>&1
	say "   seeding: $(sed -n 's/^RESULT //p' "$W/seed2.out")"
	[ "$(kv "$W/seed2.out" status_201)" = 10000 ] || say "   warning: not every seed entry was acknowledged with 201"
	for what in incident timeline; do
		if [ $what = incident ]; then p=/api/v1/incidents/$INC; else p=/api/v1/incidents/$INC/timeline; fi
		code=$(curl -s -o "$NGX_DIR/www/$what.json" -w '%{http_code}' --max-time 10 \
			-H 'X-MajorOps-Actor: bench' "$S$p")
		[ "$code" = 200 ] || { say "bench: GET $p answered $code" >&2; continue; }
		say "   GET $p: $(wc -c <"$NGX_DIR/www/$what.json") bytes; nginx serves the same bytes as /$what.json"
		wrk_warm "$S$p" 10 GET 200 fast
		pair "r-$what" "$S$p" "$NGX/$what.json" 10 fast GET 200 2000000 fast
		row 2 "GET $what: p99 latency" "$(med "r-$what" m p99_ms)" "ms" "<" 10 "$(med "r-$what" n p99_ms)"
		row 2 "GET $what: p50 latency" "$(med "r-$what" m p50_ms)" "ms" "-" "" "$(med "r-$what" n p50_ms)"
		row 2 "GET $what: 200 answers/s" "$(med "r-$what" m rate)" "1/s" "-" "" "$(med "r-$what" n rate)"
		nn=$(awk -v o="$(total "r-$what" m other)" -v e="$(total "r-$what" m errors)" 'BEGIN { if (o == "-" || e == "-") print "-"; else print o + e }')
		[ "$nn" != 0 ] && row 2 "GET $what: non-200 answers + socket errors" "$nn" "count" "-" "" "-"
	done
	stop_server_now
}

# ================================================================================================
# 3. Live streams
# ================================================================================================
bench_streams() {
	say "== 3/4 live streams: $SSE_CLIENTS idle SSE clients on /api/v1/stream, then $SSE_EVENTS events one at a time"
	start_server streams || return 1
	create_incident || return 1
	timeout 300 "$W/sse_clients" -p "$SPORT" -n "$SSE_CLIENTS" -P "$SPID" -w 30 -E "$SSE_EVENTS" \
		-T "/api/v1/incidents/$INC/timeline" >"$W/sse.out" 2>"$W/sse.err"
	say "   majorops: $(sed -n 's/^RESULT //p' "$W/sse.out")"
	echo idle >"$NGX_DIR/www/idle.txt"
	timeout 120 "$W/sse_clients" -K -p "$NGX_PORT" -n "$SSE_CLIENTS" -P "$NGX_PID" -w 30 -u /idle.txt \
		>"$W/sse-n.out" 2>"$W/sse-n.err"
	say "   nginx (idle keep-alive connections): $(sed -n 's/^RESULT //p' "$W/sse-n.out")"
	row 3 "streams: clients connected (of $SSE_CLIENTS)" "$(kv "$W/sse.out" connected)" "count" ">=" "$SSE_CLIENTS" "$(kv "$W/sse-n.out" connected)"
	row 3 "streams: server memory per idle client" "$(kv "$W/sse.out" per_client_kib)" "KiB" "<" 16 "$(kv "$W/sse-n.out" per_client_kib)"
	mx=$(kv "$W/sse.out" max_ms)
	[ "$(kv "$W/sse.out" missing)" = 0 ] || mx="-" # not every client got it: no "max" to speak of
	row 3 "streams: event to every client, max" "$mx" "ms" "<" 250 "-"
	row 3 "streams: event latency, p99" "$(kv "$W/sse.out" p99_ms)" "ms" "-" "" "-"
	worst=$(kv "$W/sse.out" max_ms_each | tr ',' '\n' | awk '{ if ($1 < 0) bad = 1; if ($1 > w) w = $1 }
		END { print bad ? "-" : w }')
	row 3 "streams: event to every client, worst of $SSE_EVENTS" "$worst" "ms" "-" "" "-"
	row 3 "streams: clients that missed the event" "$(kv "$W/sse.out" missing)" "count" "-" "" "-"
	stop_server_now
}

# ================================================================================================
# 4. Start-up on a 100 MB database
# ================================================================================================
db_bytes() { # total of the database and its WAL
	t=0
	for f in "$1" "$1-wal"; do
		[ -f "$f" ] && t=$((t + $(stat -c %s "$f")))
	done
	echo $t
}
bench_startup() {
	say "== 4/4 start-up: exec to the first 200 from /healthz on a ${DB_MB} MB database"
	start_server big || return 1
	db=$W/big.db
	want=$((DB_MB * 1000 * 1000))
	nincidents=100
	timeout 120 "$W/httpload" -p "$SPORT" -c 4 -n "$nincidents" -t 60 -u /api/v1/incidents \
		-b '{"title":"Load incident","severity":"medium","affectedSystems":["bench"]}' >"$W/load-inc.out" 2>&1
	say "   incidents: $(sed -n 's/^RESULT //p' "$W/load-inc.out")"
	t0=$(date +%s)
	batch=0
	while [ "$(db_bytes "$db")" -lt "$want" ] && [ $(($(date +%s) - t0)) -lt 240 ]; do
		batch=$((batch + 1))
		timeout 200 "$W/httpload" -p "$SPORT" -c 8 -n 10000 -t 120 -T "$ENTRY_TEXT" -r "$nincidents" \
			-u '/api/v1/incidents/INC-{n}/timeline' >"$W/load-$batch.out" 2>&1
		say "   batch $batch: $(sed -n 's/^RESULT //p' "$W/load-$batch.out"); database $(($(db_bytes "$db") / 1000000)) MB"
		[ "$(kv "$W/load-$batch.out" ok)" = 0 ] && { say "bench: loading failed" >&2; break; }
	done
	stop_server_now
	size=$(db_bytes "$db")
	say "   database after a clean stop: $(stat -c %s "$db") bytes (+ WAL $((size - $(stat -c %s "$db"))) bytes)"
	row 4 "start-up: database size" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')" "MB" ">=" "$DB_MB" "-"
	pick_port
	port=$PORT
	timeout $((STARTS * 15 + 30)) "$W/startup" -p "$port" -n "$STARTS" -w 10 -l "$W/big-start.log" -- \
		"$BIN" serve --listen "$HOST:$port" --db "$db" >"$W/st.out" 2>"$W/st.err"
	say "   majorops: $(sed -n 's/^RESULT //p' "$W/st.out")"
	if grep -q -E 'exited|no 200' "$W/st.err"; then
		grep -E 'exited|no 200' "$W/st.err" | sed 's/^/   /' | head -n 5
		say "   server log lines other than start/stop:"
		grep -v -E 'serving on|stopping' "$W/big-start.log" | sort | uniq -c | head -n 5 | sed 's/^/   /'
	fi
	sdir=$W/nginx-start
	pick_port
	nport=$PORT
	ngx_conf "$sdir" "$nport" 1024
	timeout $((STARTS * 15 + 30)) "$W/startup" -p "$nport" -n "$STARTS" -w 10 -l "$sdir/stdout.log" -- \
		"$NGINX" -p "$sdir" -c "$sdir/nginx.conf" -g 'daemon off;' >"$W/st-n.out" 2>"$W/st-n.err"
	say "   nginx:    $(sed -n 's/^RESULT //p' "$W/st-n.out")"
	row 4 "start-up to /healthz 200: median ($STARTS runs)" "$(kv "$W/st.out" median_ms)" "ms" "<" 100 "$(kv "$W/st-n.out" median_ms)"
	row 4 "start-up to /healthz 200: max" "$(kv "$W/st.out" max_ms)" "ms" "<" 100 "$(kv "$W/st-n.out" max_ms)"
	nfail=$(awk -v n="$(kv "$W/st.out" n)" -v ok="$(kv "$W/st.out" ok)" 'BEGIN { if (n == "-" || ok == "-") print "-"; else print n - ok }')
	nfailn=$(awk -v n="$(kv "$W/st-n.out" n)" -v ok="$(kv "$W/st-n.out" ok)" 'BEGIN { if (n == "-" || ok == "-") print "-"; else print n - ok }')
	row 4 "start-up: runs with no 200 within 10 s" "$nfail" "count" "<" 1 "$nfailn"
}

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=""
for b in writes reads streams startup; do
	"bench_$b" || { FAILURES=$((FAILURES + 1)); FAILED="$FAILED $b"; stop_server_now; }
done
print_table
say "$MISSES target(s) missed, $FAILURES benchmark(s) could not run${FAILED:+ (}${FAILED# }${FAILED:+)}; took $(($(date +%s) - T0)) s"
[ "$FAILURES" -eq 0 ] || exit 1
[ "${BENCH_STRICT:-0}" = 1 ] && [ "$MISSES" -gt 0 ] && exit 1
exit 0
