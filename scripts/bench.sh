#!/usr/bin/env bash
# bench.sh — `make bench`: figures, never pass/fail.
#
#   scripts/bench.sh [dashboard] [upload] [queue] [results]   (default: all four)
#
# Starts one release-build stack in a temporary folder, runs the sections
# against it and prints their tables; the stack is stopped at the end.
#   dashboard  scripts/bench/dashboard.sh: the dashboard through nginx with
#              wrk beside the same bytes served by nginx as a static file and
#              by the app's no-database transport floor, for libraries of
#              100, 10,000 and 100,000 videos; search and filter p99 over
#              100,000, another user's page under 8 concurrent searches;
#              the job page and /api/jobs/{id}
#   upload     scripts/bench/bench_worker.c: the worker's upload beside
#              `curl -T` of the same bytes to the same emulator upload URL,
#              and the worker's peak RSS, for 30 MB and 1 GB files
#   results    scripts/bench/results.sh: /results with 10,000 posted clips
#              of 30 readings each, the app's own request timing (target
#              under 50 ms at the server)
#   queue      the same program: jobs per second from enqueue to terminal
#              state with an instantly answering emulator (1 and 4 worker
#              processes, and 1 process with 4 slots), and enqueue-to-claim
#              latency
# Environment: BENCH_SECONDS (wrk duration, default 10), BENCH_CONNECTIONS
# (default 64), BENCH_WORKER (the bench_worker binary, default
# build/bench/bench_worker), BENCH_JOB (bench_job, default build/bench/bench_job), BENCH_QUEUE_JOBS (default 2000),
# BENCH_ROUNDS (default 3: the dashboard and job rows run in turn, median shown),
# BENCH_UPLOAD_SIZES (bytes, default "30000000 1000000000"), BENCH_KEEP=1
# keeps the stack's folder.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECTIONS=("$@")
[ ${#SECTIONS[@]} -gt 0 ] || SECTIONS=(dashboard upload queue results)
for s in "${SECTIONS[@]}"; do
	case "$s" in dashboard | upload | queue | results) ;; *) echo "bench: unknown section $s" >&2; exit 2 ;; esac
done
BENCH_WORKER=${BENCH_WORKER:-$ROOT/build/bench/bench_worker}
export BENCH_JOB=${BENCH_JOB:-$ROOT/build/bench/bench_job}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

VAR=$(mktemp -d /tmp/langflix-bench.XXXXXX)
chmod 755 "$VAR"
PORT=$((20000 + RANDOM % 10000))
export LF_VAR=$VAR LF_PORT=$PORT LF_EMU_PORT=$((PORT + 1)) LF_NO_DEMO=1 LF_SKIP_DEPS=1 LF_NO_BUILD=1
export BENCH_TABLE=$VAR/table.txt

cleanup() {
	scripts/stack.sh stop >/dev/null 2>&1 || true
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $VAR"
	else
		local pg=""
		[ -L "$VAR/pg" ] && pg=$(readlink "$VAR/pg")
		rm -rf "$VAR"
		case "$pg" in /var/tmp/langflix-*) rm -rf "$pg" ;; esac
	fi
}
trap cleanup EXIT

# The benchmark's own settings for the app (the stack appends them).
{
	echo "# written by scripts/bench.sh"
	echo "threads = ${BENCH_APP_THREADS:-4}"
	echo "bench_floor = true"
} >"$VAR/langflix.local.conf"

echo "bench: starting a release-build stack in $VAR"
scripts/stack.sh start >"$VAR/start.log" 2>&1 || { cat "$VAR/start.log"; exit 1; }
eval "$(scripts/stack.sh env)"
load() { awk '{ print $1 ", " $2 ", " $3 }' /proc/loadavg; }
echo "bench: $(nproc) cores, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(load) (1, 5, 15 min)"

for s in "${SECTIONS[@]}"; do
	case "$s" in
	dashboard)
		[ -x "$BENCH_JOB" ] || { echo "bench: $BENCH_JOB is not built (make bench builds it)" >&2; exit 1; }
		bash scripts/bench/dashboard.sh
		;;
	results)
		bash scripts/bench/results.sh
		;;
	upload | queue)
		[ -x "$BENCH_WORKER" ] || { echo "bench: $BENCH_WORKER is not built (make bench builds it)" >&2; exit 1; }
		: >"$BENCH_TABLE"
		# cmocka's chatter goes to a log; the table to BENCH_TABLE
		if ! BENCH_SECTION=$s "$BENCH_WORKER" >"$VAR/bench-$s.log" 2>&1; then
			cat "$BENCH_TABLE"
			echo "bench: the $s section failed:" >&2
			tail -n 30 "$VAR/bench-$s.log" >&2
			continue
		fi
		cat "$BENCH_TABLE"
		;;
	esac
done
echo
echo "bench: done $(date -u '+%H:%M UTC'), load average $(load) (a shared machine: other programs ran too)"
