#!/bin/sh
# Installs the missing dependencies on Debian 12 when run as root; otherwise prints the one
# apt command that would.  `deps.sh` (make run): what the build needs.  `deps.sh test`
# (make test): that plus the real services the suite starts.
set -eu
what=${1:-build}
need="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev"
# libcurl: the optional LLM rewriter of drafts (src/llm.c)
need="$need libcurl4-openssl-dev"
# tzdata: the IANA zones on-call rotations hand over in; src/tz.c reads its TZif files
need="$need tzdata"
# libcmark: the After Action's Markdown rendered to HTML (src/afteraction.c)
need="$need libcmark-dev"
# zlib: the public status page's documents compressed once per change (src/gzip.c)
need="$need zlib1g-dev"
# libcrypto (OpenSSL 3): RSA/ECDSA signatures of OpenID Connect ID tokens (src/jwt.c);
# libsodium has no RSA
need="$need libssl-dev"
if [ "$what" = test ]; then
	# the integration suite: python3, the sqlite3 CLI (integrity checks), a private
	# PostgreSQL cluster, and a real Alertmanager for tests/integration/test_signals.py
	need="$need python3 sqlite3 curl postgresql prometheus-alertmanager"
	# cmark-gfm renders the After Action's Markdown in tests/integration/test_afteraction.py
	need="$need cmark-gfm"
	# a real SMTP server (aiosmtpd) receives the mail of tests/integration/test_notify.py
	need="$need python3-aiosmtpd"
	# a real OpenID Connect provider for tests/integration/test_oidc.py
	# (/work/shared/recipes/oidc-provider.md): dbconfig-sqlite3, or apt picks dbconfig-mysql
	# and pulls mariadb-client (NOT dbconfig-no-thanks: glewlwyd's postinst then fails);
	# python3-cryptography and openssl make the provider's signing key
	need="$need glewlwyd dbconfig-sqlite3 python3-cryptography openssl"
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
	# glewlwyd's postinst starts its system service unless a policy-rc.d refuses: add one
	# only if the machine has none, and take it away again
	guard=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		guard=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null || install_rc=$?
	[ "$guard" = 1 ] && rm -f /usr/sbin/policy-rc.d
	[ "${install_rc:-0}" = 0 ] || exit "$install_rc"
	# where systemd runs, keep the package's own instance off (the tests start their own)
	if [ -d /run/systemd/system ] && systemctl is-enabled glewlwyd.service >/dev/null 2>&1; then
		systemctl disable --now glewlwyd.service >/dev/null 2>&1 || true
	fi
else
	echo "missing $what dependencies; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
