#!/usr/bin/env bash
# tests/cli/migrate.sh — `langflix migrate --dir` with a folder that holds no
# migrations says so and exits non-zero before it connects anywhere (it used
# to qsort a NULL list and report "schema up to date"); a missing folder is
# an error too.
#
#   BUILD=build/test tests/cli/migrate.sh      (needs $BUILD/langflix)
set -u

BUILD=${BUILD:-build}
BIN=${LANGFLIX:-$BUILD/langflix}
[ -x "$BIN" ] || { echo "migrate.sh: $BIN not built" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/empty" "$tmp/other"
touch "$tmp/other/README" "$tmp/other/01_short.sql" "$tmp/other/001_x.txt"
# no database at all: the folder check comes first
export LANGFLIX_DATABASE_URL="host=$tmp/nowhere dbname=none connect_timeout=1"

passed=0 failed=0
check() { # NAME DIR WANT_STDERR_SUBSTRING
	local out rc
	out=$("$BIN" migrate --dir "$2" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [[ "$out" == *"$3"* ]] && [[ "$out" != *"up to date"* ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1: rc=$rc output: $out"
	fi
}
check "empty folder" "$tmp/empty" "holds no migrations"
check "no NNN_name.sql in it" "$tmp/other" "holds no migrations"
check "missing folder" "$tmp/missing" "No such file or directory"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
