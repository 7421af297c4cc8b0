#!/usr/bin/env bash
# tests/cli/render.sh — `langflix render` from the outside: a page with a
# standalone partial from --partials DIR, escaping, the exit codes and the
# messages for bad JSON, a bad template and bad usage.
#
#   BUILD=build/test tests/cli/render.sh      (needs $BUILD/langflix)
set -u

BUILD=${BUILD:-build}
BIN=${LANGFLIX:-$BUILD/langflix}
[ -x "$BIN" ] || { echo "render.sh: $BIN not built" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tpl/partials"
printf '<h1>{{title}}</h1>\n<ul>\n{{#items}}\n  {{>item}}\n{{/items}}\n{{^items}}\n  <li>none</li>\n{{/items}}\n</ul>\n' >"$tmp/page.mustache"
printf '<li>{{name}} ({{{raw}}}, {{n}})</li>\n' >"$tmp/tpl/partials/item.mustache"
printf 'a\n{{#open}}\n' >"$tmp/bad.mustache"

passed=0 failed=0

# check NAME EXPECTED_RC EXPECTED_STDOUT STDERR_SUBSTRING STDIN -- ARGS...
check() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4 input=$5
	shift 6
	local out err rc
	out=$(printf '%s' "$input" | "$BIN" "$@" 2>"$tmp/err"; echo "rc=$?")
	rc=${out##*rc=}
	out=${out%rc=*}
	err=$(cat "$tmp/err")
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] &&
	   { [ -z "$want_err" ] || [[ $err == *"$want_err"* ]]; }; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name (rc=$rc, want $want_rc)"
		echo "  stdout: $(printf '%q' "$out")"
		echo "  want:   $(printf '%q' "$want_out")"
		echo "  stderr: $err"
	fi
}

nl=$'\n'
check "page with partials" 0 \
	"<h1>A &amp; B</h1>${nl}<ul>${nl}  <li>&lt;x&gt; (<b>, 1)</li>${nl}  <li>y (, 2.5)</li>${nl}</ul>${nl}" "" \
	'{"title":"A & B","items":[{"name":"<x>","raw":"<b>","n":1},{"name":"y","n":2.5}]}' \
	-- render "$tmp/page.mustache" --partials "$tmp/tpl"
check "empty list takes the inverted section" 0 \
	"<h1>e</h1>${nl}<ul>${nl}  <li>none</li>${nl}</ul>${nl}" "" '{"title":"e","items":[]}' \
	-- render "$tmp/page.mustache" --partials "$tmp/tpl"
check "missing partial renders nothing" 0 \
	"<h1></h1>${nl}<ul>${nl}</ul>${nl}" "" '{"items":[{}]}' \
	-- render "$tmp/page.mustache"
check "truncated JSON" 1 "" "invalid JSON" '{"title": ' -- render "$tmp/page.mustache"
check "empty input" 1 "" "invalid JSON" '' -- render "$tmp/page.mustache"
check "trailing garbage" 1 "" "invalid JSON" '{} x' -- render "$tmp/page.mustache"
check "template error names file and line" 1 "" "bad.mustache:2: unclosed section 'open'" \
	'{}' -- render "$tmp/bad.mustache"
check "missing template" 1 "" "No such file" '{}' -- render "$tmp/none.mustache"
check "missing partials dir" 1 "" "No such file" '{}' \
	-- render "$tmp/page.mustache" --partials "$tmp/none"
check "no template argument" 2 "" "usage" '{}' -- render
check "unknown option" 2 "" "usage" '{}' -- render --nope "$tmp/page.mustache"

echo "render: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
