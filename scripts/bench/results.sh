#!/usr/bin/env bash
# results.sh — a section of scripts/bench.sh (which starts the stack and
# exports its LF_* variables): GET /results with 10,000 posted clips of one
# user and 30 readings each (issue 12), target under 50 ms at the server.
# Never pass/fail.
#
# How it is measured: the app's own timing of each request, the ms= of its
# event=request log line (cgi-bin/main.c: from the request read to the
# answer written, so nginx and the network are outside it), over
# BENCH_RESULTS_REQUESTS sequential requests per page (default 100) after 5
# warm-up ones; median, p95 and max. Beside them, in the same run: the same
# page when each request follows a new reading (a roll-up change: the page
# recomputes the roll-ups it keeps, sql/043, as every request did before),
# and the app's transport floor for the same bytes (/_bench/floor, no
# database). The library is seeded through
# lib/jobs.c (jobs_fixture) and lib/results.c by scripts/bench/seed_results.c.
#
# Environment: BENCH_SEED (the seed_results binary), BENCH_RESULTS_CLIPS
# (default 10000), BENCH_RESULTS_READINGS (default 30), BENCH_RESULTS_REQUESTS.
set -euo pipefail

: "${LF_BASE_URL:?run through scripts/bench.sh}"
SEED=${BENCH_SEED:-$LF_ROOT/build/bench/seed_results}
CLIPS=${BENCH_RESULTS_CLIPS:-10000}
READINGS=${BENCH_RESULTS_READINGS:-30}
REQUESTS=${BENCH_RESULTS_REQUESTS:-100}
LOG=$LF_VAR/log/app.log
base=$LF_BASE_URL
[ -x "$SEED" ] || { echo "bench: $SEED is not built (make bench builds it)" >&2; exit 1; }

printf 'bench-password-123\n' | "$LF_BIN/langflix" -c "$LF_CONFIG" user add benchres >/dev/null 2>&1 || true
jar="$LF_VAR/cookies-benchres"
rm -f "$jar"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf&name=benchres&password=bench-password-123" "$base/login"
cookie=$(awk '$6 == "lf_session" { print $7 }' "$jar")
[ -n "$cookie" ] || { echo "bench: login failed" >&2; exit 1; }

t0=$(date +%s)
LF_DB_URL=$LF_DB_URL "$SEED" benchres "$CLIPS" "$READINGS"
echo
echo "results page: $CLIPS posted clips x $READINGS readings (seeded in $(($(date +%s) - t0)) s)," \
	"$REQUESTS sequential requests each, the app's own ms= per request"
printf '%-44s %9s %8s %8s %8s  %s\n' "" "bytes" "p50 ms" "p95 ms" "max ms" "target"
# PATH ROUTE [BEFORE] → "bytes p50 p95 max" from the app log lines of these
# requests; BEFORE (a command) runs before each one, outside its timing.
measure() {
	local from bytes before=${3:-:}
	for _ in 1 2 3 4 5; do $before; curl -s -o /dev/null -b "lf_session=$cookie" "$base$1"; done
	bytes=$(curl -s -b "lf_session=$cookie" "$base$1" | wc -c)
	from=$(wc -l <"$LOG")
	for _ in $(seq "$REQUESTS"); do $before; curl -s -o /dev/null -b "lf_session=$cookie" "$base$1"; done
	tail -n +"$((from + 1))" "$LOG" |
		awk -v route="$2" 'index($0, "event=request") && index($0, " route=" route " ") &&
			index($0, " status=200 ") { for (i = 1; i <= NF; i++) if ($i ~ /^ms=/) print substr($i, 4) + 0 }' |
		sort -n | awk -v bytes="$bytes" '{ v[++n] = $1 }
		END {
			if (n == 0) { print bytes, "-", "-", "-"; exit }
			k = int(n * 0.95); if (k < 1) k = 1
			printf "%s %.2f %.2f %.2f\n", bytes, v[int((n + 1) / 2)], v[k], v[n]
		}'
}
new_reading() { LF_DB_URL=$LF_DB_URL "$SEED" benchres reading; }
page_bytes=0
for p in "/results results" "/results?sort=views&dir=desc results" "/results?sort=change&dir=desc&page=100 results" \
	 "/results results new_reading" "/_bench/floor bench_floor" "/drafts drafts" "/results.csv results_csv"; do
	read -r path route before <<<"$p"
	label="  $path"
	target=""
	case "$route:$before" in
	results:new_reading) label="  /results, each after a new reading"; target="(reference: roll-ups recomputed)" ;;
	results:) target="p50 < 50 ms at the server" ;;
	bench_floor:) path="$path?bytes=$page_bytes"; label="  transport floor, same bytes as /results"
		target="(reference: no database)" ;;
	esac
	read -r bytes p50 p95 max < <(measure "$path" "$route" "$before")
	[ "$path" = /results ] && [ -z "$before" ] && page_bytes=$bytes
	printf '%-44s %9s %8s %8s %8s  %s\n' "$label" "$bytes" "$p50" "$p95" "$max" "$target"
done
echo "(the roll-ups are kept (sql/043) and recomputed only after a change, the row \"after a new" \
	"reading\"; a page shows 50 rows and charts; /results.csv writes every row)"
