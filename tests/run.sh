#!/usr/bin/env bash
# tests/run.sh — run the tests and end with one line: "N passed, N failed".
#
#   BUILD=build/test tests/run.sh                 unit tests, then integration tests
#   BUILD=build/test tests/run.sh unit            unit tests only (incl. tests/cli/*.sh)
#   BUILD=build/test tests/run.sh integration [test_NAME...]
#                                                 integration tests only (or some)
#
# Unit tests: every $BUILD/tests/test_NAME built from tests/unit/test_NAME.c,
# and every tests/cli/*.sh (they print "N passed, N failed" themselves).
# Integration tests: every $BUILD/tests/test_NAME built from
# tests/integration/test_NAME.c, run against a complete stack (PostgreSQL,
# nginx, app, worker, emulator) started by scripts/stack.sh in a fresh
# temporary folder on free loopback ports. The tests find it through the
# LF_* variables that `scripts/stack.sh env` prints (see tests/support/testlib.h).
#
# Counting: cmocka's "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s),
# listed below:" lines are summed; a binary that exits non-zero without a
# FAILED line (a crash, a sanitizer abort, a timeout) counts as one failure, and
# so does a sanitizer report in a stack process's log. On failure the temporary
# folder is kept and the ends of the logs are printed. A stack program that
# did not stop on SIGTERM (and was killed) counts as a failure too. Exit
# status 1 when anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build/test}
case "$BUILD" in /*) ABS_BUILD=$BUILD ;; *) ABS_BUILD=$ROOT/$BUILD ;; esac
MODE=${1:-all}
[ $# -gt 0 ] && shift
ONLY=("$@")
TIMEOUT=${LF_TEST_TIMEOUT:-600}

# Sanitizer builds: report leaks, stop at the first undefined behaviour.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
failures=()
STACK_VAR=""
STACK_UP=0

note_failure() { failures+=("$1"); }

wanted() # NAME — true when no names were given or NAME is one of them
{
	local n
	[ ${#ONLY[@]} -eq 0 ] && return 0
	for n in "${ONLY[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	return 1
}

sum_of() # sed expression capturing a number per matching line, file
{
	sed -n "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'
}

run_cmocka() # NAME BINARY
{
	local name=$1 bin=$2 out rc p f e
	echo "=== $name"
	if [ ! -x "$bin" ]; then
		echo "$bin is not built"
		failed=$((failed + 1))
		note_failure "$name: not built"
		return
	fi
	out=$(mktemp)
	timeout -k 10 "$TIMEOUT" "$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(sum_of 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$out")
	f=$(sum_of 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:.*/\1/p' "$out")
	# Tests whose setup or teardown failed are reported as "[  ERROR   ] NAME"
	# and are not in the FAILED count ("[  ERROR   ] --- ..." lines are messages).
	e=$(grep -cE '^\[  ERROR   \] [^-]' "$out")
	f=$((f + e))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			note_failure "$name: timed out after ${TIMEOUT}s"
		else
			note_failure "$name: exited with status $rc without a test failure line (crash?)"
		fi
	elif [ "$f" -gt 0 ]; then
		while IFS= read -r line; do
			note_failure "$name: $line"
		done < <(awk '/^\[  FAILED  \] [0-9]+ test\(s\), listed below:/ { list = 1; next }
			      list && /^\[  FAILED  \] / { sub(/^\[  FAILED  \] /, ""); print; next }
			      { list = 0 }
			      /^\[  ERROR   \] [^-]/ { sub(/^\[  ERROR   \] /, ""); print $0 " (setup/teardown error)" }' "$out")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$out"
}

run_script() # NAME SCRIPT — a shell test ending with "N passed, N failed"
{
	local name=$1 script=$2 out rc p f
	echo "=== $name"
	out=$(mktemp)
	BUILD=$BUILD timeout -k 10 "$TIMEOUT" bash "$script" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' "$out" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		note_failure "$name: exited with status $rc"
	elif [ "$f" -gt 0 ]; then
		note_failure "$name: $f failed"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$out"
}

run_unit()
{
	local src name
	for src in tests/unit/test_*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		wanted "$name" || continue
		run_cmocka "$name" "$ABS_BUILD/tests/$name"
	done
	for src in tests/cli/*.sh; do
		[ -e "$src" ] || continue
		name=cli/$(basename "$src" .sh)
		wanted "$(basename "$src" .sh)" || continue
		run_script "$name" "$src"
	done
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() # a port that nobody listens on, not equal to $1
{
	local p i
	for i in $(seq 1 100); do
		p=$((18080 + RANDOM % 20000))
		[ "$p" != "${1:-}" ] && ! port_taken "$p" && { echo "$p"; return 0; }
	done
	return 1
}

stop_stack()
{
	[ "$STACK_UP" -eq 1 ] || return 0
	STACK_UP=0
	LF_VAR=$STACK_VAR scripts/stack.sh stop >>"$STACK_VAR/stop.log" 2>&1
}

# Reports that the sanitizers wrote into the stack's logs count as failures.
scan_stack_logs()
{
	local f
	for f in "$STACK_VAR"/log/{app,worker,emulator}.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			echo "=== sanitizer report in $f"
			# each report from its first line to its SUMMARY, the first two only
			awk '/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/ { on = 1; n++ }
			     on && n <= 2 { print }
			     /^SUMMARY: / { on = 0 }' "$f" | head -n 80
			failed=$((failed + 1))
			note_failure "sanitizer report in $(basename "$f")"
		fi
	done
}

# Every program must end on SIGTERM within the stack's grace time: one that
# had to be killed lost what it writes at exit (coverage counters, say).
scan_unclean_stops()
{
	local line
	[ -f "$STACK_VAR/log/stack.log" ] || return 0
	while IFS= read -r line; do
		echo "=== $line"
		failed=$((failed + 1))
		note_failure "unclean stop: ${line#* stack: }"
	done < <(grep 'did not stop within' "$STACK_VAR/log/stack.log")
}

show_stack_logs()
{
	local f
	for f in app worker emulator nginx-error postgres stack; do
		[ -f "$STACK_VAR/log/$f.log" ] || continue
		echo "--- tail of $STACK_VAR/log/$f.log"
		tail -n 30 "$STACK_VAR/log/$f.log"
	done
}

remove_stack_dir()
{
	local pg_target=""
	[ -L "$STACK_VAR/pg" ] && pg_target=$(readlink "$STACK_VAR/pg")
	rm -rf "$STACK_VAR"
	case "$pg_target" in /var/tmp/langflix-*) rm -rf "$pg_target" ;; esac
}

on_exit()
{
	[ -n "$STACK_VAR" ] && stop_stack
}

run_integration()
{
	local src name bins=() names=() port emu_port i
	for src in tests/integration/test_*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		wanted "$name" || continue
		names+=("$name")
		bins+=("$ABS_BUILD/tests/$name")
	done
	[ ${#bins[@]} -gt 0 ] || return 0

	STACK_VAR=$(mktemp -d /tmp/langflix-test.XXXXXX)
	# PostgreSQL runs as an unprivileged user when we are root: let it in.
	chmod 755 "$STACK_VAR"
	trap on_exit EXIT
	trap 'on_exit; exit 130' INT TERM
	if ! port=$(free_port) || ! emu_port=$(free_port "$port"); then
		echo "no free port found"
		failed=$((failed + ${#bins[@]}))
		note_failure "integration: no free port"
		return
	fi
	echo "=== starting the test stack in $STACK_VAR (site :$port, emulator :$emu_port)"
	STACK_UP=1
	if ! LF_VAR=$STACK_VAR LF_PORT=$port LF_EMU_PORT=$emu_port LF_BIN=$ABS_BUILD \
		LF_NO_BUILD=1 LF_NO_DEMO=1 LF_SKIP_DEPS=1 LF_LOG_LEVEL=${LF_LOG_LEVEL:-info} \
		scripts/stack.sh start >"$STACK_VAR/start.log" 2>&1; then
		cat "$STACK_VAR/start.log"
		failed=$((failed + ${#bins[@]}))
		note_failure "integration: the test stack did not start (see above)"
		stop_stack
		return
	fi
	eval "$(LF_VAR=$STACK_VAR scripts/stack.sh env)"
	for i in "${!bins[@]}"; do
		run_cmocka "${names[$i]}" "${bins[$i]}"
	done
	stop_stack
	scan_stack_logs
	scan_unclean_stops
}

case "$MODE" in
unit) run_unit ;;
integration) run_integration ;;
all)
	run_unit
	run_integration
	;;
*)
	echo "usage: BUILD=build/test tests/run.sh [unit|integration|all] [test_NAME...]" >&2
	exit 2
	;;
esac

if [ -n "$STACK_VAR" ]; then
	if [ "$failed" -gt 0 ]; then
		show_stack_logs
		echo "test stack kept for inspection: $STACK_VAR"
	else
		remove_stack_dir
	fi
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
