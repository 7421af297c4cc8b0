# shellcheck shell=bash
# deps.sh — the one list of Debian packages LangFlix needs, sourced by
# scripts/stack.sh (make run) and .ci/run. Keep the list here and nowhere else.
#
#   deps_missing          prints the packages of DEPS that are not installed
#   deps_install [-q]     apt-get update once + install what is missing (root only)

# Build: compiler, pkg-config and the libraries the Makefile asks pkg-config for.
# Run: PostgreSQL 15, nginx, ffmpeg (demo videos), curl/openssl (the stack script),
# fonts-noto-cjk (Korean, Japanese and Chinese titles; app.css names Noto Sans CJK).
# Test: cmocka, valgrind, clang (sanitizers/fuzzers; libFuzzer is in
# libclang-rt-14-dev, only recommended by clang), wrk (make bench), gcovr (make
# coverage), chromium + nodejs/npm (the browser test; NodeSource's nodejs bundles npm).
DEPS="build-essential pkg-config
libfcgi-dev libfcgi-bin spawn-fcgi
libcurl4-openssl-dev libjson-c-dev libssl-dev libpq-dev
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
libcmocka-dev
postgresql-15 postgresql-client-15
nginx ffmpeg curl ca-certificates openssl fonts-noto-cjk
wrk valgrind clang libclang-rt-14-dev gcovr chromium nodejs"
command -v npm >/dev/null 2>&1 || DEPS="$DEPS npm"

deps_missing()
{
	local p status
	for p in $DEPS; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		case "$status" in
		ii*) ;;
		*) printf '%s\n' "$p" ;;
		esac
	done
}

# Installs the missing packages without any question asked (no stdin needed).
# Returns 1 when something is missing and we are not root.
deps_install()
{
	local missing
	missing=$(deps_missing | tr '\n' ' ')
	missing=${missing% }
	if [ -z "$missing" ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages: $missing" >&2
		echo "deps: install them with: sudo apt-get install -y $missing" >&2
		return 1
	fi
	echo "deps: installing $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q </dev/null
	# shellcheck disable=SC2086 # word splitting of the list is intended
	apt-get install -y -q --no-install-recommends $missing </dev/null
}
