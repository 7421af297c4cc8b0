#!/usr/bin/env bash
# soak.sh — `make soak`: the long reliability runs, on a release-build stack
# of its own (minutes; not part of `make test`).
#
#   scripts/soak.sh [jobs] [dashboard]          (default: both)
#
#   jobs       tests/integration/test_reliability.c at REL_SCALE (default 5):
#              random SIGKILLs of the workers over many uploads, PostgreSQL
#              restarted REL_PG_RESTARTS (default 3) times mid-run, emulator
#              faults; every job ends with exactly one post
#   dashboard  wrk on the dashboard (100 videos) for SOAK_SECONDS (default
#              300) at SOAK_CONNECTIONS (default 64): no non-2xx answer and
#              no socket error, and the app's VmRSS (all its threads) after
#              the load within SOAK_RSS_SLACK_KB (default 4096) of the
#              figure after a warm-up of the same length as one sample
#
# Environment: LF_BIN (binaries, default build), SOAK_KEEP=1 keeps the
# stack's folder. Ends with "N passed, N failed"; exit status 1 on a failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
SECTIONS=("$@")
[ ${#SECTIONS[@]} -gt 0 ] || SECTIONS=(jobs dashboard)
BIN=${LF_BIN:-$ROOT/build}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
SECS=${SOAK_SECONDS:-300}
CONNS=${SOAK_CONNECTIONS:-64}
SLACK=${SOAK_RSS_SLACK_KB:-4096}
passed=0
failed=0

ok() { echo "soak: ok: $*"; passed=$((passed + 1)); }
bad() { echo "soak: FAILED: $*"; failed=$((failed + 1)); }

[ -x "$BIN/tests/test_reliability" ] || { echo "soak: $BIN/tests/test_reliability is not built (make soak builds it)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "soak: wrk is not installed" >&2; exit 1; }

VAR=$(mktemp -d /tmp/langflix-soak.XXXXXX)
chmod 755 "$VAR"
PORT=$((20000 + RANDOM % 10000))
export LF_VAR=$VAR LF_PORT=$PORT LF_EMU_PORT=$((PORT + 1)) LF_BIN=$BIN LF_NO_DEMO=1 LF_SKIP_DEPS=1 LF_NO_BUILD=1

cleanup() {
	scripts/stack.sh stop >/dev/null 2>&1 || true
	if [ "${SOAK_KEEP:-0}" = 1 ] || [ "$failed" -gt 0 ]; then
		echo "soak: the stack's folder is kept: $VAR"
	else
		local pg=""
		[ -L "$VAR/pg" ] && pg=$(readlink "$VAR/pg")
		rm -rf "$VAR"
		case "$pg" in /var/tmp/langflix-*) rm -rf "$pg" ;; esac
	fi
}
trap cleanup EXIT

echo "soak: starting a stack from $BIN in $VAR"
scripts/stack.sh start >"$VAR/start.log" 2>&1 || { cat "$VAR/start.log"; exit 1; }
eval "$(scripts/stack.sh env)"

soak_jobs() {
	local scale=${REL_SCALE:-5} restarts=${REL_PG_RESTARTS:-3} out
	echo "soak: test_reliability at REL_SCALE=$scale, REL_PG_RESTARTS=$restarts"
	out=$VAR/reliability.out
	REL_SCALE=$scale REL_PG_RESTARTS=$restarts "$BIN/tests/test_reliability" 2>&1 | tee "$out"
	if [ "${PIPESTATUS[0]}" -eq 0 ] && grep -q '^\[  PASSED  \] 3 test(s)' "$out"; then
		ok "every job of test_reliability ended with exactly one post"
	else
		bad "test_reliability (see above; logs in $LF_VAR/log)"
	fi
}

app_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$LF_VAR/run/app.pid")/status"; }

wrk_for() { # SECONDS → wrk's output
	wrk -t2 -c"$CONNS" -d"$1s" --latency -H "Cookie: lf_session=$cookie" "$LF_BASE_URL/"
}

soak_dashboard() {
	local jar=$VAR/cookies csrf warm rss0 rss1 out non2xx sockerr total pid0 pid1
	printf 'soak-password-123\n' | "$LF_BIN/langflix" -c "$LF_CONFIG" user add soak >/dev/null 2>&1
	csrf=$(curl -s -c "$jar" -b "$jar" "$LF_BASE_URL/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
	curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&name=soak&password=soak-password-123" "$LF_BASE_URL/login"
	cookie=$(awk '$6 == "lf_session" { print $7 }' "$jar")
	[ -n "$cookie" ] || { bad "dashboard: login failed"; return; }
	psql -q "$LF_DB_URL" >/dev/null 2>&1 <<SQL
INSERT INTO videos (path, size_bytes, mtime, duration_ms, width, height, fps, video_codec, container,
                    expression, title, show_name, episode, ready)
SELECT 'soak/clip-' || g || '.mp4', 8000000 + g, 1700000000, 42000, 1080, 1920, 30, 'h264', 'mp4',
       'break the ice #' || g, 'Soak clip <' || g || '> & co', 'Suits', 'S01E01', true
FROM generate_series(1, 100) AS g ON CONFLICT DO NOTHING;
SQL
	# warm up: thread stacks, caches and allocator arenas reach their size
	warm=$((SECS / 10 < 10 ? 10 : SECS / 10))
	wrk_for "$warm" >/dev/null
	pid0=$(cat "$LF_VAR/run/app.pid")
	rss0=$(app_rss_kb)
	echo "soak: dashboard under wrk -c$CONNS for ${SECS}s (app VmRSS after a ${warm}s warm-up: $rss0 kB)"
	out=$(wrk_for "$SECS")
	echo "$out" | sed 's/^/  /'
	pid1=$(cat "$LF_VAR/run/app.pid")
	rss1=$(app_rss_kb)
	total=$(awk '/requests in/ { print $1 }' <<<"$out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
	sockerr=$(awk '/Socket errors/ { print }' <<<"$out")
	echo "soak: $total requests; app VmRSS $rss0 kB → $rss1 kB ($((rss1 - rss0)) kB)"
	if [ "$pid0" != "$pid1" ]; then
		bad "dashboard: the app restarted during the load (pid $pid0 → $pid1)"
	fi
	if [ -n "$non2xx" ] && [ "$non2xx" != 0 ]; then
		bad "dashboard: $non2xx non-2xx answers"
	elif [ -n "$sockerr" ]; then
		bad "dashboard: $sockerr"
	else
		ok "dashboard: $total requests, all 2xx"
	fi
	if [ $((rss1 - rss0)) -gt "$SLACK" ]; then
		bad "dashboard: the app grew by $((rss1 - rss0)) kB under load (slack $SLACK kB)"
	else
		ok "dashboard: app memory steady ($rss0 kB → $rss1 kB)"
	fi
}

for s in "${SECTIONS[@]}"; do
	case "$s" in
	jobs) soak_jobs ;;
	dashboard) soak_dashboard ;;
	*) bad "unknown section $s" ;;
	esac
done
for f in app worker emulator; do
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$LF_VAR/log/$f.log" 2>/dev/null; then
		bad "sanitizer report in $LF_VAR/log/$f.log"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
