#!/usr/bin/env bash
# tests/fuzz/run.sh — run every built fuzz target for FUZZ_SECONDS, each
# starting from its committed seeds (tests/fuzz/corpus/NAME/) plus what
# earlier runs found (build/fuzz/corpus/NAME/, not committed). Prints one
# line per target (runs, coverage, corpus size) and ends with
# "fuzz: N passed, N failed". A target fails when libFuzzer reports a crash,
# a sanitizer error, a leak, a timeout or an out-of-memory; the input is
# kept in build/fuzz/artifacts/.
#
#   make fuzz-bins && FUZZ_SECONDS=10 tests/fuzz/run.sh [NAME...]
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
DIR=build/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-60}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		names+=("$(basename "$src" .c)")
	done
fi

passed=0 failed=0
mkdir -p "$DIR/artifacts" "$DIR/logs"
printf '%-20s %10s %8s %8s %7s  %s\n' target runs exec/s cov corpus result
for name in "${names[@]}"; do
	bin=$DIR/$name
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=$DIR/corpus/$name
	log=$DIR/logs/$name.log
	if [ ! -x "$bin" ]; then
		printf '%-20s not built (make fuzz-bins)\n' "$name"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work"
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	# new inputs go to the first folder (work); the seeds are only read
	timeout -k 10 $((SECONDS_EACH + 60)) "$bin" -max_total_time="$SECONDS_EACH" \
		-timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$DIR/artifacts/$name-" "${dict[@]}" \
		"$work" $([ -d "$seeds" ] && echo "$seeds") >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	corp=$(grep -aoE 'corp: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ] && ! grep -aqE '^==[0-9]+==ERROR|runtime error:|SUMMARY: libFuzzer' "$log"; then
		result=ok
		passed=$((passed + 1))
	else
		result="FAILED (exit $rc, log $log)"
		failed=$((failed + 1))
	fi
	printf '%-20s %10s %8s %8s %7s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "${cov:-?}" \
		"${corp:-?}" "$result"
	if [ "$result" != ok ]; then
		grep -aE 'ERROR|runtime error|invariant|SUMMARY|Test unit written' "$log" | head -n 8 |
			sed 's/^/    /'
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
