#!/bin/sh
# Installs the missing dependencies on Debian 12 when run as root; otherwise prints the one
# apt command that would.  `deps.sh` (make run): what the build needs.  `deps.sh test`
# (make test): that plus the real services the suite starts.
set -eu
what=${1:-build}
need="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev"
# libcurl: the optional LLM rewriter of drafts (src/llm.c)
need="$need libcurl4-openssl-dev"
if [ "$what" = test ]; then
	# the integration suite: python3, the sqlite3 CLI (integrity checks), a private
	# PostgreSQL cluster, and a real Alertmanager for tests/integration/test_signals.py
	need="$need python3 sqlite3 curl postgresql prometheus-alertmanager"
	# cmark-gfm renders the After Action's Markdown in tests/integration/test_afteraction.py
	need="$need cmark-gfm"
fi
missing=""
for p in $need; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# The browser tests: Debian's Chromium, and Node.js with npm (for playwright-core).  These
# are checked by command, so a Node.js installed another way (with its own npm) is kept.
[ "$what" = test ] && for pc in chromium:chromium nodejs:node npm:npm; do
	if ! command -v "${pc#*:}" >/dev/null 2>&1; then
		missing="$missing ${pc%%:*}"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
else
	echo "missing $what dependencies; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
