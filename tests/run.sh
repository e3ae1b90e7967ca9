#!/bin/sh
# The whole suite: unit tests, then the integration tests against the sanitized binary.
# Every part prints "ok - …"/"FAIL - …" lines and its own "N passed, N failed"; this script
# sums them and prints the total as its very last line.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
PY=/usr/bin/python3
total_pass=0
total_fail=0
logdir=$(mktemp -d)

run_part() {
	name=$1; shift
	echo "== $name"
	"$@" >"$logdir/$name.log" 2>&1
	rc=$?
	grep -E '^(ok|FAIL) - |^       and: ' "$logdir/$name.log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL - $name: exited $rc without a summary line; its output:"
		tail -n 40 "$logdir/$name.log"
		total_fail=$((total_fail + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }; f=${f%% failed*}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL - $name: exited $rc (sanitizer report?):"
		tail -n 40 "$logdir/$name.log"
		total_fail=$((total_fail + 1))
	fi
}

run_part unit build/unit
for t in tests/integration/test_*.py; do
	[ -e "$t" ] || continue
	run_part "$(basename "$t" .py)" "$PY" "$t"
done
for t in tests/browser/test_*.mjs; do
	[ -e "$t" ] || continue
	run_part "$(basename "$t" .mjs)" node "$t"
done
rm -rf "$logdir"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
