#!/bin/sh
# The public status page under a crowd (issue 6) — standalone: `sh bench/public_bench.sh`.
# docs/public-status.md records the figures and how to read them.
#
#   1. `/` and `/api/v2/summary.json`: wrk on loopback at 256 connections against MajorOps,
#      and against nginx serving the same bytes as a static file in the same run (rounds
#      alternate the two so noise on the host lands on both sides of the ratio), while a
#      writer posts a public update every second and checks that each is visible on the very
#      next request.  Targets: ratio >= 1.0, p99 < 10 ms, no update missed.  Then the same
#      with Accept-Encoding: gzip, which browsers, CDNs and most HTTP libraries send, against
#      nginx's gzip_static serving the same compressed bytes.
#   2. 10,000 public SSE viewers on /api/v2/stream: one public update, the time until every
#      viewer has it.  Target: < 500 ms.
# Loopback only; every load is bounded in count and time; every process started here is
# stopped by the trap.  Exit status: 0 when everything ran (a MISS is a result;
# BENCH_STRICT=1 turns a MISS into exit 1), 1 when something could not run.
# Knobs: BENCH_DURATION (s per wrk run, default 8), BENCH_ROUNDS (default 3), BENCH_CONNS
# (default 256), BENCH_SSE_CLIENTS (default 10000), BENCH_KEEP=1 (keep the work directory),
# MAJOROPS_BENCH_BIN (default ./majorops).
set -u
cd "$(dirname "$0")/.."
BIN=${MAJOROPS_BENCH_BIN:-./majorops}
# The benchmarks measure the server, not sign-in: every server here runs without it (every
# request acts as admin; loopback only).
export MAJOROPS_INSECURE_NO_AUTH=1
DUR=${BENCH_DURATION:-8}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNS:-256}
SSE_CLIENTS=${BENCH_SSE_CLIENTS:-10000}
HOST=127.0.0.1

say() { printf '%s\n' "$*"; }
die() { say "public_bench: $*" >&2; exit 1; }

# --- dependencies ----------------------------------------------------------------------------
need=""
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || die "missing tools; as root run: apt-get install -y$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $need >/dev/null || die "apt-get install$need failed"
fi
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
[ -x "$BIN" ] || die "no $BIN; build it with 'make majorops'"

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
[ "$hard" -gt 65536 ] && hard=65536
ulimit -n "$hard" || die "cannot raise ulimit -n to $hard"
[ "$hard" -ge $((SSE_CLIENTS + 200)) ] || say "public_bench: warning: ulimit -n is $hard, below $SSE_CLIENTS viewers"

# --- work directory and cleanup -----------------------------------------------------------------
W=$(mktemp -d /tmp/majorops-public-bench.XXXXXX) || die "mktemp failed"
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
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "public_bench: work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

forget_pid() {
	np=""
	for p in $PIDS; do [ "$p" = "$1" ] || np="$np $p"; done
	PIDS=$np
}
stop_pid() {
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget_pid "$1"
}

NEXT_PORT=$((30000 + $$ % 20000))
pick_port() {
	while :; do
		NEXT_PORT=$((NEXT_PORT + 1))
		hex=$(printf ':%04X ' "$NEXT_PORT")
		grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$NEXT_PORT"; return; }
	done
}

wait_200() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# --- the SSE load tool (bench/sse_clients.c, used as it is) ------------------------------------------
cc -std=c11 -O2 -Wall -Wextra -o "$W/sse_clients" bench/sse_clients.c -lpthread || die "cannot build bench/sse_clients.c"

# --- nginx with the same bytes --------------------------------------------------------------------
NGX_DIR=$W/nginx
NGX_PORT=$(pick_port)
mkdir -p "$NGX_DIR/www" "$NGX_DIR/tmp"
cat >"$NGX_DIR/nginx.conf" <<EOF
user root;
worker_processes 2;
worker_rlimit_nofile $hard;
pid $NGX_DIR/nginx.pid;
error_log $NGX_DIR/error.log;
events { worker_connections 12000; }
http {
	access_log off;
	client_body_temp_path $NGX_DIR/tmp/body;
	proxy_temp_path $NGX_DIR/tmp/proxy;
	fastcgi_temp_path $NGX_DIR/tmp/fastcgi;
	uwsgi_temp_path $NGX_DIR/tmp/uwsgi;
	scgi_temp_path $NGX_DIR/tmp/scgi;
	types { text/html html; application/json json; }
	sendfile on;
	tcp_nopush on;
	etag on;
	gzip_static on;
	gzip_vary on;
	keepalive_requests 1000000;
	keepalive_timeout 600s;
	server {
		listen $HOST:$NGX_PORT;
		root $NGX_DIR/www;
		location = /healthz { return 200 'ok'; }
	}
}
EOF
"$NGINX" -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -g 'daemon off;' >"$NGX_DIR/stdout.log" 2>&1 &
NGX_PID=$!
PIDS="$PIDS $NGX_PID"
wait_200 "http://$HOST:$NGX_PORT/healthz" 10 || die "nginx did not start: $(tail -n 5 "$NGX_DIR/error.log")"
NGX=http://$HOST:$NGX_PORT

# --- MajorOps with a realistic page ------------------------------------------------------------------
SPORT=$(pick_port)
"$BIN" serve --listen "$HOST:$SPORT" --db "$W/public.db" --page-name "Bench status" \
	--public-url "https://status.example.com" >"$W/server.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
S=http://$HOST:$SPORT
wait_200 "$S/healthz" 10 || die "majorops did not start: $(tail -n 5 "$W/server.log")"

api() { # METHOD PATH BODY → prints the status code
	curl -s -o "$W/api.out" -w '%{http_code}' --max-time 10 -X "$1" -H 'Content-Type: application/json' \
		-H 'X-MajorOps-Actor: bench' -d "$3" "$S$2"
}
eta() { date -u -d '+1 hour' '+%Y-%m-%dT%H:%M:%SZ'; }

say "public_bench: seeding 3 active and 25 resolved public incidents, 5 internal ones"
n=0
while [ $n -lt 33 ]; do
	n=$((n + 1))
	if [ $n -le 28 ]; then ext=true; else ext=false; fi
	[ "$(api POST /api/v1/incidents "{\"title\":\"Elevated checkout errors in region $n\",\"severity\":\"high\",\"affectedSystems\":[\"Checkout\",\"Payments API\",\"Region $((n % 4))\"],\"externalImpact\":$ext,\"description\":\"internal notes\"}")" = 201 ] ||
		die "cannot open incident $n: $(cat "$W/api.out")"
	[ "$(api PUT /api/v1/incidents/$n/roles/mim '{"person":"bench"}')" = 200 ] || die "cannot assign the MIM: $(cat "$W/api.out")"
	if [ $n -le 28 ]; then
		for k in 1 2 3; do
			[ "$(api POST /api/v1/incidents/$n/updates "{\"body\":\"We are investigating elevated error rates for card payments at checkout. Some customers see timeouts. Update $k.\",\"audience\":\"public\",\"nextUpdateEta\":\"$(eta)\"}")" = 201 ] ||
				die "cannot publish: $(cat "$W/api.out")"
		done
	fi
	if [ $n -gt 3 ] && [ $n -le 28 ]; then
		[ "$(api POST /api/v1/incidents/$n/phase '{"to":8,"override":"bench history"}')" = 200 ] ||
			die "cannot resolve: $(cat "$W/api.out")"
	fi
done
curl -s -o "$NGX_DIR/www/index.html" "$S/"
curl -s -o "$NGX_DIR/www/summary.json" "$S/api/v2/summary.json"
say "   / is $(wc -c <"$NGX_DIR/www/index.html") bytes, /api/v2/summary.json $(wc -c <"$NGX_DIR/www/summary.json") bytes; nginx serves the same bytes"

# --- the writer: one public update a second, each checked on the next request --------------------------
# One curl a second does both requests on one connection, and the check reads the
# answer with shell built-ins: the writer is there to change the page, and the processes
# it spawns (six a second before) took CPU from the very rounds it was measuring.
writer() {
	i=0
	run=$(date +%s)
	until=$(eta)
	while :; do
		i=$((i + 1))
		body="Writer update $i of run $run"
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
			-H 'Content-Type: application/json' -H 'X-MajorOps-Actor: bench' \
			-d "{\"body\":\"$body\",\"audience\":\"public\",\"nextUpdateEta\":\"$until\"}" \
			"$S/api/v1/incidents/1/updates" \
			--next -s --max-time 5 -o "$W/writer.seen" "$S/api/v2/summary.json")
		if [ "$code" = 201 ]; then
			doc=""
			IFS= read -r doc <"$W/writer.seen" || :
			case $doc in
			*"\"$body\\n"* | *"\"$body\""*) echo ok ;;
			*) echo miss ;;
			esac
		else
			echo "post $code"
		fi
		: >"$W/writer.seen"
		sleep 1
	done
}

# wrk_run OUT URL [HEADER]: one wrk run; prints "rate p99_ms non2xx_plus_errors" into OUT.
wrk_run() {
	raw=$W/raw/$(basename "$1").txt
	wrk -t2 -c"$CONNS" -d"${DUR}s" --latency ${3:+-H "$3"} "$2" >"$raw" 2>&1
	awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec:/ { rate = $2 }
		/^ +99%/ { p99 = ms($2) }
		/Non-2xx/ { bad += $NF }
		/Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) bad += $i + 0 }
		END { printf "%s %s %d\n", (rate == "" ? "-" : rate), (p99 == "" ? "-" : p99), bad }' "$raw" >"$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

RES=$W/results
: >"$RES"
mkdir -p "$W/raw"
MISSES=0
row() { printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$RES"; }

writer >"$W/writer.log" 2>&1 &
WPID=$!
PIDS="$PIDS $WPID"
GZ="Accept-Encoding: gzip"
for what in index summary index-gz summary-gz; do
	case $what in
	index*) mpath=/ npath=/index.html ;;
	*) mpath=/api/v2/summary.json npath=/summary.json ;;
	esac
	case $what in *-gz) hdr=$GZ label="$mpath (gzip)" ;; *) hdr="" label=$mpath ;; esac
	say "== $label: wrk -t2 -c$CONNS, $ROUNDS x ${DUR}s each side, a public update every second"
	wrk -t2 -c"$CONNS" -d2s ${hdr:+-H "$hdr"} "$S$mpath" >/dev/null 2>&1
	wrk -t2 -c"$CONNS" -d2s ${hdr:+-H "$hdr"} "$NGX$npath" >/dev/null 2>&1
	r=1
	while [ $r -le "$ROUNDS" ]; do
		# The writer's updates make the documents grow (summary.json carries every update
		# of an active incident): each round nginx gets the bytes MajorOps serves as the
		# round starts (MajorOps' grow a little during its own round, never nginx's), and
		# the gzipped bytes beside them for gzip_static.
		curl -s -o "$NGX_DIR/www$npath" "$S$mpath"
		curl -s -H "$GZ" -o "$NGX_DIR/www$npath.gz" "$S$mpath"
		touch -r "$NGX_DIR/www$npath" "$NGX_DIR/www$npath.gz"
		say "   round $r: $mpath is $(wc -c <"$NGX_DIR/www$npath") bytes, $(wc -c <"$NGX_DIR/www$npath.gz") gzipped, as it starts"
		wrk_run "$W/$what-m-$r" "$S$mpath" "$hdr"
		wrk_run "$W/$what-n-$r" "$NGX$npath" "$hdr"
		say "   round $r: majorops $(cat "$W/$what-m-$r") | nginx $(cat "$W/$what-n-$r")   (req/s p99_ms errors)"
		r=$((r + 1))
	done
	mrate=$(cat "$W/$what-m-"* | awk '{ print $1 }' | median)
	nrate=$(cat "$W/$what-n-"* | awk '{ print $1 }' | median)
	mp99=$(cat "$W/$what-m-"* | awk '{ print $2 }' | median)
	np99=$(cat "$W/$what-n-"* | awk '{ print $2 }' | median)
	merr=$(cat "$W/$what-m-"* | awk '{ t += $3 } END { print t + 0 }')
	ratio=$(awk -v a="$mrate" -v b="$nrate" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }')
	row "$label requests/s (median)" "$mrate" "$nrate" "$ratio" ">= 1.0 x nginx" "$(awk -v x="$ratio" 'BEGIN { print (x != "-" && x + 0 >= 1.0) ? "PASS" : "MISS" }')"
	row "$label p99 latency ms (median)" "$mp99" "$np99" "-" "< 10" "$(awk -v x="$mp99" 'BEGIN { print (x != "-" && x + 0 < 10) ? "PASS" : "MISS" }')"
	row "$label non-2xx + socket errors" "$merr" "-" "-" "0" "$([ "$merr" = 0 ] && echo PASS || echo MISS)"
done
stop_pid "$WPID"
posted=$(grep -c . "$W/writer.log")
seen=$(grep -c '^ok$' "$W/writer.log")
row "writer: updates visible on the next request" "$seen/$posted" "-" "-" "all" "$([ "$seen" = "$posted" ] && [ "$posted" -gt 0 ] && echo PASS || echo MISS)"

# --- 10,000 public viewers --------------------------------------------------------------------------
say "== $SSE_CLIENTS public viewers on /api/v2/stream, then one public update"
timeout 180 "$W/sse_clients" -p "$SPORT" -n "$SSE_CLIENTS" -P "$SPID" -w 60 -u /api/v2/stream \
	-T /api/v1/incidents/INC-1/updates \
	-b "{\"body\":\"Fan-out to every viewer\",\"audience\":\"public\",\"nextUpdateEta\":\"$(eta)\"}" \
	>"$W/sse.out" 2>"$W/sse.err"
say "   $(sed -n 's/^RESULT //p' "$W/sse.out")"
kv() { sed -n 's/^RESULT //p' "$W/sse.out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
row "viewers connected" "$(kv connected)" "-" "-" ">= $SSE_CLIENTS" "$([ "$(kv connected)" = "$SSE_CLIENTS" ] && echo PASS || echo MISS)"
row "update to every viewer, max ms" "$(kv max_ms)" "-" "-" "< 500" "$(awk -v x="$(kv max_ms)" 'BEGIN { print (x != "" && x + 0 < 500) ? "PASS" : "MISS" }')"
row "update latency p99 ms" "$(kv p99_ms)" "-" "-" "-" "(report)"
row "viewers that missed it" "$(kv missing)" "-" "-" "0" "$([ "$(kv missing)" = 0 ] && echo PASS || echo MISS)"
row "server memory per viewer KiB" "$(kv per_client_kib)" "-" "-" "-" "(report)"

say ""
say "MajorOps public status page — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, loopback, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-46s %12s %12s %8s %-16s %s\n' "figure" "MajorOps" "nginx" "ratio" "target" "verdict"
while IFS='|' read -r fig m n ratio target verdict; do
	printf '%-46s %12s %12s %8s %-16s %s\n' "$fig" "$m" "$n" "$ratio" "$target" "$verdict"
	case $verdict in MISS*) MISSES=$((MISSES + 1)) ;; esac
done <"$RES"
say "$MISSES target(s) missed"
[ "${BENCH_STRICT:-0}" = 1 ] && [ "$MISSES" -gt 0 ] && exit 1
exit 0
