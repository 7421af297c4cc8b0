#!/usr/bin/env bash
# tests/cli/fuzz_smoke.sh — the fuzz targets briefly, as part of `make test`:
# build them (clang libFuzzer, build/fuzz/) and run each for FUZZ_SECONDS
# (5 by default). Ends with "fuzz: N passed, N failed" (tests/run.sh counts
# it). The long runs are `make fuzz` (60 s each) and `make fuzz-ci` (10 s).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz_smoke: clang is not installed (scripts/deps.sh lists it)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
# the build does not use $BUILD: fuzz objects always live in build/fuzz
if ! env -u BUILD make -s -j"$(nproc)" fuzz-bins >/tmp/fuzz_smoke_build.$$ 2>&1; then
	tail -n 30 /tmp/fuzz_smoke_build.$$
	rm -f /tmp/fuzz_smoke_build.$$
	echo "fuzz_smoke: building the fuzz targets failed (clang, libclang-rt-14-dev?)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
rm -f /tmp/fuzz_smoke_build.$$
FUZZ_SECONDS=${FUZZ_SECONDS:-5} tests/fuzz/run.sh
