#!/usr/bin/env bash
# coverage.sh — the part of `make coverage` after the build: run the unit and
# integration suites against the gcc --coverage build, then report with gcovr.
#
#   make coverage                    build/coverage, every test, the report
#   COV_TESTS=unit make coverage     unit tests only (a quick partial figure)
#   scripts/coverage.sh --report     only the report, from the counters there are
#
# The counters (*.gcda next to each object in build/coverage) are deleted
# first, so the figures are this run's. The app, the worker and the emulator
# write theirs when they exit: tests/run.sh stops the stack with SIGTERM and
# waits, and each program returns through exit() on SIGTERM.
#
# Output: line and branch coverage per folder, the total of the product code
# (lib/, cgi-bin/, worker/, cli/) and, apart, the emulator and the tests; the
# product files with the most lines not run; an annotated HTML report in
# build/coverage/report/index.html. Exit status: that of the tests.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=build/coverage
REPORT=$BUILD/report
PRODUCT="lib cgi-bin worker cli"

run_tests()
{
	find "$BUILD" -name '*.gcda' -delete
	BUILD=$BUILD tests/run.sh "${COV_TESTS:-all}"
}

# gcovr's CSV has one row per source file:
# filename,line_total,line_covered,line_percent,branch_total,branch_covered,...
summarise() # CSV
{
	awk -F, -v product="$PRODUCT" '
	function pct(c, t) { return t ? sprintf("%5.1f%%", 100 * c / t) : "    -" }
	function row(name, lc, lt, bc, bt) {
		printf "  %-14s lines %s (%5d of %5d)   branches %s (%5d of %5d)\n",
		       name, pct(lc, lt), lc, lt, pct(bc, bt), bc, bt
	}
	BEGIN { n = split(product, p, " "); for (i = 1; i <= n; i++) is_product[p[i]] = 1 }
	NR == 1 { next }
	{
		dir = $1; sub(/\/.*/, "", dir)
		if (dir == $1) dir = "."
		lt[dir] += $2; lc[dir] += $3; bt[dir] += $5; bc[dir] += $6
		if (dir in is_product) {
			plt += $2; plc += $3; pbt += $5; pbc += $6
			missed[$1] = $2 - $3
		}
	}
	END {
		print "coverage (gcc --coverage, gcovr):"
		for (i = 1; i <= n; i++) row(p[i] "/", lc[p[i]], lt[p[i]], bc[p[i]], bt[p[i]])
		row("product total", plc, plt, pbc, pbt)
		print "apart from the product:"
		for (d in lt) if (!(d in is_product)) row(d "/", lc[d], lt[d], bc[d], bt[d])
		print "product files with the most lines not run:"
		k = 0
		for (f in missed) order[++k] = f
		for (i = 1; i <= k; i++)            # a small insertion sort: no gawk needed
			for (j = i; j > 1 && missed[order[j]] > missed[order[j - 1]]; j--) {
				t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
			}
		for (i = 1; i <= k && i <= 10; i++) printf "  %5d  %s\n", missed[order[i]], order[i]
	}' "$1"
}

report()
{
	rm -rf "$REPORT"
	mkdir -p "$REPORT"
	# Branches on lines without code of their own (a closing brace, say) are
	# compiler artefacts, not decisions in the source: left out.
	if ! gcovr -r "$ROOT" -j 2 --exclude-unreachable-branches \
		--csv "$REPORT/files.csv" --html-details "$REPORT/index.html" "$BUILD" \
		>"$REPORT/gcovr.log" 2>&1; then
		cat "$REPORT/gcovr.log" >&2
		echo "coverage: gcovr failed" >&2
		return 1
	fi
	summarise "$REPORT/files.csv"
	echo "annotated report: $REPORT/index.html"
}

command -v gcovr >/dev/null 2>&1 || { echo "coverage: gcovr is not installed (apt-get install gcovr)" >&2; exit 1; }
[ -x "$BUILD/langflix.fcgi" ] || { echo "coverage: $BUILD is not built (run make coverage)" >&2; exit 1; }
status=0
if [ "${1:-}" != --report ]; then
	run_tests
	status=$?
fi
report || status=1
exit "$status"
