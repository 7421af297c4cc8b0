#!/usr/bin/env bash
# bench.sh — `make bench`: figures, never pass/fail.
#
# Dashboard: requests per second and p99 latency through nginx with wrk, for
# libraries of 100 and 10,000 videos, beside the same HTML bytes served by
# nginx as a static file in the same run (the reference), and their ratio.
#
#   scripts/bench.sh [dashboard]
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

VAR=$(mktemp -d /tmp/langflix-bench.XXXXXX)
PORT=$((20000 + RANDOM % 10000))
STATIC_NAME=".bench-$$.html"
export LF_VAR=$VAR LF_PORT=$PORT LF_EMU_PORT=$((PORT + 1)) LF_NO_DEMO=1 LF_SKIP_DEPS=1

cleanup() {
	rm -f "$ROOT/static/$STATIC_NAME"
	scripts/stack.sh stop >/dev/null 2>&1 || true
	rm -rf "$VAR"
}
trap cleanup EXIT

echo "bench: starting a release-build stack in $VAR"
scripts/stack.sh start >"$VAR.start.log" 2>&1 || { cat "$VAR.start.log"; exit 1; }
rm -f "$VAR.start.log"
eval "$(scripts/stack.sh env)"
# the benchmark measures the server, not its access log writes
printf 'bench-password-123\n' | "$LF_BIN/langflix" -c "$LF_CONFIG" user add bench >/dev/null

base="http://127.0.0.1:$PORT"
jar="$VAR/cookies"
login() {
	local csrf
	csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
	curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&name=bench&password=bench-password-123" "$base/login"
	awk '$6 == "lf_session" { print $7 }' "$jar"
}

# N videos with realistic LangFlix metadata, all probed as TikTok-ready.
fill_library() {
	psql -q "$LF_DB_URL" <<SQL
TRUNCATE videos CASCADE;
INSERT INTO videos (path, size_bytes, mtime, duration_ms, width, height, fps, video_codec, container,
                    expression, expression_translation, title, title_translation, keywords,
                    language, learn_language, show_name, episode, ready)
SELECT 'bench/clip-' || g || '.mp4', 8000000 + g, 1700000000, 42000, 1080, 1920, 30, 'h264', 'mp4',
       'break the ice #' || g, 'romper el hielo', 'How Harvey breaks the ice & wins (' || g || ')',
       'Cómo Harvey rompe el hielo', ARRAY['break the ice', 'small talk', 'Suits'],
       'en', 'es', 'Suits', 'S01E0' || (g % 9 + 1), g % 7 <> 0
FROM generate_series(1, $1) AS g;
ANALYZE videos;
SQL
}

wrk_run() { # URL [cookie] → "rps p99_ms"
	local out
	if [ -n "${2:-}" ]; then
		out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: lf_session=$2" "$1")
	else
		out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$1")
	fi
	local rps p99 non2xx
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 } print v }' <<<"$out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
	echo "$rps $p99 ${non2xx:-0}"
}

cookie=$(login)
[ -n "$cookie" ] || { echo "bench: login failed" >&2; exit 1; }

printf '\n%-34s %12s %10s %8s\n' "dashboard (c=$CONNS, ${SECS}s)" "req/s" "p99 ms" "errors"
for n in 100 10000; do
	fill_library "$n"
	curl -s -b "lf_session=$cookie" "$base/" >"$ROOT/static/$STATIC_NAME"
	bytes=$(wc -c <"$ROOT/static/$STATIC_NAME")
	read -r app_rps app_p99 app_err < <(wrk_run "$base/" "$cookie")
	read -r st_rps st_p99 st_err < <(wrk_run "$base/static/$STATIC_NAME")
	printf '%-34s %12s %10s %8s\n' "app, $n videos ($bytes B page)" "$app_rps" "$app_p99" "$app_err"
	printf '%-34s %12s %10s %8s\n' "nginx static file, same bytes" "$st_rps" "$st_p99" "$st_err"
	awk -v a="$app_rps" -v s="$st_rps" 'BEGIN { printf "%-34s %12.2f\n", "ratio app/static", a / s }'
done
echo
echo "bench: nginx worker_processes 1, app threads $(awk -F' *= *' '$1 == "threads" { print $2 }' "$LF_CONFIG" | tail -1), wrk -t2 on the same 2-core machine"
