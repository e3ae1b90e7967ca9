#!/bin/sh
# Installs the missing build and test dependencies on Debian 12 when run as root;
# otherwise prints the one apt command that would.
set -eu
need="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev python3 sqlite3 curl postgresql"
# libcurl: the optional LLM rewriter of drafts (src/llm.c)
need="$need libcurl4-openssl-dev"
# alert intake (issue 8): a real Alertmanager for tests/integration/test_signals.py
need="$need prometheus-alertmanager"
missing=""
for p in $need; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# The browser tests: Debian's Chromium, and Node.js with npm (for playwright-core).  These
# are checked by command, so a Node.js installed another way (with its own npm) is kept.
for pc in chromium:chromium nodejs:node npm:npm; do
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
	echo "missing build dependencies; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
