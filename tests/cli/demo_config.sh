#!/usr/bin/env bash
# tests/cli/demo_config.sh — `langflix` without -c and $LANGFLIX_CONFIG
# finds the demo's configuration (var/langflix.conf beside the program's
# folder, as `make run` writes it) and says which file it used; and when the
# database does not answer, `langflix import` says in words what to do and
# which file to pass, not only the driver's line.
#
#   BUILD=build/test tests/cli/demo_config.sh      (needs $BUILD/langflix)
set -u

BUILD=${BUILD:-build}
BIN=${LANGFLIX:-$BUILD/langflix}
[ -x "$BIN" ] || { echo "demo_config.sh: $BIN not built" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a copy of the program in tmp/build/, the demo's folder tmp/var/
mkdir -p "$tmp/build" "$tmp/var" "$tmp/elsewhere" "$tmp/media"
cp "$BIN" "$tmp/build/langflix"
# a database nobody listens on (a closed loopback port)
printf 'database_url = postgresql://nobody@127.0.0.1:9/none?connect_timeout=2\nmedia_root = %s\n' \
	"$tmp/media" >"$tmp/var/langflix.conf"

passed=0 failed=0
ok()  { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

err=$(cd "$tmp/elsewhere" && env -u LANGFLIX_CONFIG "$tmp/build/langflix" import "$tmp/media" 2>&1 >/dev/null)
rc=$?
case "$err" in
*"using the demo's configuration $tmp/var/langflix.conf"*) ok "finds var/langflix.conf beside the program" ;;
*) bad "finds var/langflix.conf beside the program: $err" ;;
esac
[ "$rc" -ne 0 ] && ok "fails without a database (rc=$rc)" || bad "fails without a database (rc=$rc)"
case "$err" in
*"the database did not answer, so nothing was imported."*"-c FILE"*"var/langflix.conf"*) ok "says what to do in words" ;;
*) bad "says what to do in words: $err" ;;
esac

# with -c, the given file and no demo message
printf 'database_url = postgresql://nobody@127.0.0.1:9/other?connect_timeout=2\nmedia_root = %s\n' \
	"$tmp/media" >"$tmp/own.conf"
err=$(cd "$tmp/elsewhere" && "$tmp/build/langflix" -c "$tmp/own.conf" import "$tmp/media" 2>&1 >/dev/null)
case "$err" in
*"using the demo's configuration"*) bad "-c wins over the demo's file" ;;
*) ok "-c wins over the demo's file" ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
