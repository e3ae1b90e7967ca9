#!/bin/sh
# make lint: clang-tidy and cppcheck over src/, and the banned-function check.
set -u
cd "$(dirname "$0")/.."
status=0
flags="-std=c11 -D_GNU_SOURCE -Isrc $(pkg-config --cflags libmicrohttpd jansson sqlite3 libsodium libpq)"
banned=$(grep -nE '\b(sprintf|strcat|strcpy|strncpy|strtok|atoi|gets|localtime|gmtime)\s*\(' src/*.c src/*.h | grep -v 'banned-ok')
if [ -n "$banned" ]; then
	echo "banned functions (see STYLE.md):"; echo "$banned"; status=1
fi
if command -v cppcheck >/dev/null; then
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=unknownMacro -Isrc src/*.c || status=1
fi
if command -v clang-tidy >/dev/null; then
	out=$(clang-tidy --quiet src/*.c -- $flags 2>/dev/null | grep -E 'warning:|error:')
	if [ -n "$out" ]; then echo "$out"; status=1; fi
fi
[ $status -eq 0 ] && echo "lint clean"
exit $status
