#!/usr/bin/env bash
# dashboard.sh — a section of scripts/bench.sh (which starts the stack and
# exports its LF_* variables): the figures issue 14 asks for, each beside its
# target and its same-run references. Never pass/fail.
#
#   dashboard    signed in, page_size (50) videos shown, with 100, 10,000 and
#                100,000 videos in the library: req/s, mean and p99 at c=64,
#                non-2xx, with the page cache off (page_cache_entries = 0:
#                every request renders) and on (the same page asked again is
#                a hit); beside nginx serving the same bytes as a static file
#                and beside the transport floor: the app's /_bench/floor (no
#                database, the same headers, a body of the same size) through
#                the same nginx; the ratios, and 100k/100 (flat cost)
#   search       over 100,000 videos, cache on but every search at a new
#                address (a counter in the query: never a hit): p99 unloaded
#                of a rare term, a term every video matches and a filter;
#                then another user's dashboard p99 while 8 searches run at
#                once, beside the same page unloaded and the static file
#                under the same load
#   job          the job page and /api/jobs/{id} beside static files of their bytes
#                and the transport floor of the same size
#
# Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64),
# BENCH_SIZES (default "100 10000 100000"), BENCH_ROUNDS (default 3): the
# rows a ratio is taken of run in turn, this many times, and each shows its
# median round (failures: the sum over every round).
set -euo pipefail

: "${LF_BASE_URL:?run through scripts/bench.sh}"
ROOT=$LF_ROOT
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
SIZES=${BENCH_SIZES:-100 10000 100000}
ROUNDS=${BENCH_ROUNDS:-3}
STATIC_NAME=".bench-$$.html"
trap 'rm -f "$ROOT/static/$STATIC_NAME"' EXIT

for u in bench bench2; do
	printf 'bench-password-123\n' | "$LF_BIN/langflix" -c "$LF_CONFIG" user add "$u" >/dev/null 2>&1 || true
done

base=$LF_BASE_URL
login() { # NAME → the session cookie's value
	local csrf jar="$LF_VAR/cookies-$1"
	rm -f "$jar"
	csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 |
		sed 's/.*value="//; s/"$//')
	curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&name=$1&password=bench-password-123" "$base/login"
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
VACUUM ANALYZE videos;
SQL
	# The fill's dirty pages are written now, not by the checkpointer during
	# the next rows' runs (the bench's own cluster: its superuser on the
	# stack's socket; elsewhere this may be refused, and only costs noise).
	psql -q "${LF_DB_URL/user=langflix/user=postgres}" -c CHECKPOINT >/dev/null 2>&1 || true
}

# One job of user bench with a realistic timeline, made through lib/jobs.c
# (scripts/bench/bench_job.c; no SQL here writes a job); prints its id.
make_job() {
	local user video
	user=$(psql -qtA "$LF_DB_URL" -c "SELECT id FROM users WHERE name = 'bench'")
	video=$(psql -qtA "$LF_DB_URL" -c "SELECT max(id) FROM videos")
	LF_DB_URL=$LF_DB_URL "${BENCH_JOB:?make bench builds bench_job}" "$user" "$video"
}

# A wrk script that sends every request to a new address (&r=N appended):
# searches that the page cache never answers, as different terms would be.
FRESH_LUA=$LF_VAR/fresh-address.lua
cat >"$FRESH_LUA" <<'LUA'
local n = 0
request = function()
	n = n + 1
	return wrk.format(nil, wrk.path .. "&r=" .. n)
end
LUA

# URL [cookie] [threads] [connections] [wrk script] → "rps mean_ms p99_ms
# failed" (failed: non-2xx answers plus socket errors and timeouts)
wrk_run() {
	local out t=${3:-2} c=${4:-$CONNS} script=()
	[ -n "${5:-}" ] && script=(-s "$5")
	if [ -n "${2:-}" ]; then
		out=$(wrk -t"$t" -c"$c" -d"${SECS}s" --timeout 30s --latency "${script[@]}" \
			-H "Cookie: lf_session=$2" "$1")
	else
		out=$(wrk -t"$t" -c"$c" -d"${SECS}s" --timeout 30s --latency "${script[@]}" "$1")
	fi
	awk '
	function ms(v) { if (v ~ /us$/) { sub("us", "", v); return v / 1000 }
	                 if (v ~ /ms$/) { sub("ms", "", v); return v + 0 }
	                 if (v ~ /s$/)  { sub("s", "", v);  return v * 1000 }
	                 return v + 0 }
	/^Requests\/sec:/ { rps = $2 }
	$1 == "Latency" && mean == "" { mean = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/Non-2xx/ { bad += $NF }
	/Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
	END { printf "%s %.2f %.2f %d\n", rps, mean, p99, bad + 0 }' <<<"$out"
}

# "rps mean p99 failed" lines → the round with the median req/s, with the
# failures of every round (a bad answer in another round is not hidden)
median_round() {
	sort -n -k1,1 | awk '{ l[NR] = $1 " " $2 " " $3; bad += $4 }
	                     END { print l[int((NR + 1) / 2)], bad + 0 }'
}

# URL COOKIE [URL COOKIE]... → a line per URL, of its median round. The
# URLs run in turn, ROUNDS times, so a change in the machine's background
# load (it is shared) falls on the app and on its references alike, and
# their ratio compares like with like.
interleave() {
	local r i n=$(($# / 2)) args=("$@") out=$LF_VAR/round
	for ((i = 0; i < n; i++)); do : >"$out.$i"; done
	for ((r = 0; r < ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			wrk_run "${args[2 * i]}" "${args[2 * i + 1]}" >>"$out.$i"
		done
	done
	for ((i = 0; i < n; i++)); do median_round <"$out.$i"; done
}

row() { printf '%-46s %10s %8s %8s %7s  %s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

# The app again with page_cache_entries N (the stack's supervisor starts it
# anew from the changed configuration); waits until it answers.
[ -f "$LF_CONFIG.bench" ] || cp -p "$LF_CONFIG" "$LF_CONFIG.bench"
app_cache() {
	local old new i
	cp -p "$LF_CONFIG.bench" "$LF_CONFIG"
	printf '# dashboard.sh\npage_cache_entries = %s\n' "$1" >>"$LF_CONFIG"
	old=$(cat "$LF_VAR/run/app.pid")
	kill -TERM "$old"
	for i in $(seq 1 300); do
		new=$(cat "$LF_VAR/run/app.pid" 2>/dev/null || true)
		if [ -n "$new" ] && [ "$new" != "$old" ] &&
			[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "bench: the app did not come back with page_cache_entries = $1" >&2
	exit 1
}

cookie=$(login bench)
cookie2=$(login bench2)
[ -n "$cookie" ] && [ -n "$cookie2" ] || { echo "bench: login failed" >&2; exit 1; }

echo
echo "dashboard, signed in, 50 shown (wrk -t2 -c$CONNS, ${SECS}s each; the median of $ROUNDS rounds, run in turn)"
row "" "req/s" "mean ms" "p99 ms" "failed" "ratio (target)"
declare -A APP_RPS OFF_RPS
for n in $SIZES; do
	fill_library "$n"
	curl -s -b "lf_session=$cookie" "$base/" >"$ROOT/static/$STATIC_NAME"
	bytes=$(wc -c <"$ROOT/static/$STATIC_NAME")
	{
		read -r s_rps s_mean s_p99 s_bad
		read -r f_rps f_mean f_p99 f_bad
		read -r a_rps a_mean a_p99 a_bad
	} < <(interleave "$base/static/$STATIC_NAME" "" "$base/_bench/floor?bytes=$bytes" "$cookie" \
		"$base/" "$cookie")
	app_cache 0
	read -r o_rps o_mean o_p99 o_bad < <(interleave "$base/" "$cookie")
	app_cache 128
	APP_RPS[$n]=$a_rps
	OFF_RPS[$n]=$o_rps
	row "$n videos ($bytes B page)" "" "" "" "" ""
	row "  nginx static file, same bytes" "$s_rps" "$s_mean" "$s_p99" "$s_bad" "(reference)"
	row "  transport floor, same bytes" "$f_rps" "$f_mean" "$f_p99" "$f_bad" \
		"(reference) floor/static $(ratio "$f_rps" "$s_rps")"
	row "  app, page cache off" "$o_rps" "$o_mean" "$o_p99" "$o_bad" \
		"app/static $(ratio "$o_rps" "$s_rps") (>= 0.25, aim 0.35), app/floor $(ratio "$o_rps" "$f_rps") (>= 0.8)"
	row "  app, page cache on" "$a_rps" "$a_mean" "$a_p99" "$a_bad" \
		"app/static $(ratio "$a_rps" "$s_rps") (>= 0.25, aim 0.35), app/floor $(ratio "$a_rps" "$f_rps") (>= 0.8)"
done
first=${SIZES%% *}
last=${SIZES##* }
echo "flat cost: app req/s at $last / at $first = cache off $(ratio "${OFF_RPS[$last]}" "${OFF_RPS[$first]}"), cache on $(ratio "${APP_RPS[$last]}" "${APP_RPS[$first]}") (target ~1.0)"

echo
echo "search and filter over $last videos (unloaded: wrk -t1 -c1, ${SECS}s each, every request a new address; target p99 < 20 ms)"
row "" "req/s" "mean ms" "p99 ms" "failed" ""
for path in "/?q=clip-4242" "/?q=small+talk" "/?filter=not_ready" "/?filter=not_ready&q=clip-77"; do
	read -r rps mean p99 bad < <(wrk_run "$base$path" "$cookie" 1 1 "$FRESH_LUA")
	row "  $path" "$rps" "$mean" "$p99" "$bad" ""
done
curl -s -b "lf_session=$cookie2" "$base/" >"$ROOT/static/$STATIC_NAME"
read -r rps mean p99 bad < <(wrk_run "$base/" "$cookie2" 1 4)
row "another user's dashboard, c=4, unloaded" "$rps" "$mean" "$p99" "$bad" ""
# TERM URL [cookie] → the figures of URL at c=4 while 8 searches for TERM run
under_searches() {
	local load
	wrk -t1 -c8 -d"$((SECS + 2))s" -s "$FRESH_LUA" -H "Cookie: lf_session=$cookie" "$base/?q=$1" >/dev/null 2>&1 &
	load=$!
	sleep 1
	wrk_run "$2" "${3:-}" 1 4
	wait "$load" || true
}
for term in clip-4242 small+talk; do
	read -r rps mean p99 bad < <(under_searches "$term" "$base/" "$cookie2")
	row "  same, 8 searches for '$term' running" "$rps" "$mean" "$p99" "$bad" "target p99 < 50 ms"
done
read -r rps mean p99 bad < <(under_searches small+talk "$base/static/$STATIC_NAME")
row "  static file of its bytes, same load" "$rps" "$mean" "$p99" "$bad" "(reference)"

echo
echo "job page and /api/jobs/{id} (wrk -t2 -c$CONNS, ${SECS}s; the median of $ROUNDS rounds, run in turn; target >= 0.4 of static)"
row "" "req/s" "mean ms" "p99 ms" "failed" "ratio (target)"
job=$(make_job)
for path in "/jobs/$job" "/api/jobs/$job"; do
	curl -s -b "lf_session=$cookie" "$base$path" >"$ROOT/static/$STATIC_NAME"
	bytes=$(wc -c <"$ROOT/static/$STATIC_NAME")
	{
		read -r a_rps a_mean a_p99 a_bad
		read -r s_rps s_mean s_p99 s_bad
		read -r f_rps f_mean f_p99 f_bad
	} < <(interleave "$base$path" "$cookie" "$base/static/$STATIC_NAME" "" \
		"$base/_bench/floor?bytes=$bytes" "$cookie")
	row "app $path ($bytes B)" "$a_rps" "$a_mean" "$a_p99" "$a_bad" ""
	row "  nginx static file, same bytes" "$s_rps" "$s_mean" "$s_p99" "$s_bad" \
		"app/static $(ratio "$a_rps" "$s_rps") (>= 0.4)"
	row "  transport floor, same bytes" "$f_rps" "$f_mean" "$f_p99" "$f_bad" \
		"floor/static $(ratio "$f_rps" "$s_rps"), app/floor $(ratio "$a_rps" "$f_rps")"
done
echo "(nginx worker_processes $(awk '$1 == "worker_processes" { sub(";", "", $2); print $2 }' "$LF_VAR/nginx.conf"), app threads $(awk -F' *= *' '$1 == "threads" { print $2 }' "$LF_CONFIG" | tail -1), wrk -t2, PostgreSQL: all on the same $(nproc)-core machine)"
