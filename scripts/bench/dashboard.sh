#!/usr/bin/env bash
# dashboard.sh — a section of scripts/bench.sh (which starts the stack and
# exports its LF_* variables): the dashboard's requests per second and p99
# latency through nginx with wrk, for libraries of 100 and 10,000 videos,
# beside the same HTML bytes served by nginx as a static file in the same
# run (the reference), and their ratio.
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64).
set -euo pipefail

: "${LF_BASE_URL:?run through scripts/bench.sh}"
ROOT=$LF_ROOT
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
STATIC_NAME=".bench-$$.html"
trap 'rm -f "$ROOT/static/$STATIC_NAME"' EXIT

printf 'bench-password-123\n' | "$LF_BIN/langflix" -c "$LF_CONFIG" user add bench >/dev/null 2>&1 || true

base=$LF_BASE_URL
jar="$LF_VAR/cookies"
login() {
	local csrf
	csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
	curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&name=bench&password=bench-password-123" "$base/login"
	awk '$6 == "lf_session" { print $7 }' "$jar"
}

# N videos with realistic LangFlix metadata, all probed as TikTok-ready.
fill_library() {
	psql -q "$LF_DB_URL" >/dev/null 2>&1 <<SQL
SET client_min_messages = warning;
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

wrk_run() { # URL [cookie] → "rps p99_ms non2xx"
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

printf '\n%-40s %12s %10s %8s\n' "dashboard (wrk -t2 -c$CONNS, ${SECS}s)" "req/s" "p99 ms" "non-2xx"
for n in 100 10000; do
	fill_library "$n"
	curl -s -b "lf_session=$cookie" "$base/" >"$ROOT/static/$STATIC_NAME"
	bytes=$(wc -c <"$ROOT/static/$STATIC_NAME")
	read -r app_rps app_p99 app_err < <(wrk_run "$base/" "$cookie")
	read -r st_rps st_p99 st_err < <(wrk_run "$base/static/$STATIC_NAME")
	printf '%-40s %12s %10s %8s\n' "app, $n videos ($bytes B page)" "$app_rps" "$app_p99" "$app_err"
	printf '%-40s %12s %10s %8s\n' "nginx static file, same bytes" "$st_rps" "$st_p99" "$st_err"
	awk -v a="$app_rps" -v s="$st_rps" 'BEGIN { printf "%-40s %12.3f   (target >= 0.35, p99 < 5 ms)\n", "ratio app/static", a / s }'
done
echo "(nginx worker_processes $(awk '$1 == "worker_processes" { sub(";", "", $2); print $2 }' "$LF_VAR/nginx.conf"), app threads $(awk -F' *= *' '$1 == "threads" { print $2 }' "$LF_CONFIG" | tail -1), wrk -t2, PostgreSQL: all on the same $(nproc)-core machine)"
