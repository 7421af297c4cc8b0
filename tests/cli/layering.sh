#!/usr/bin/env bash
# tests/cli/layering.sh — the rules of docs/architecture.md that a build and
# grep can check:
#
#   * no include cycle between the files of worker/ or of emulator/ (from
#     their #include "..." lines);
#   * no call cycle between the files of worker/ or of emulator/: for each
#     object of the folder, `nm` gives the symbols it defines and the ones it
#     uses; file A depends on file B when A uses a symbol B defines (a call,
#     or a global it reads); any loop in that graph fails, named;
#   * lib/jobs.c is the only writer of upload_jobs and job_events (product
#     code, tests, scripts; migrations in sql/ may);
#   * no file of lib/ cgi-bin/ worker/ cli/ spells a list of job states in
#     SQL (IN ('queued', 'uploading', ...) or ARRAY['queued', ...]):
#     lib/jobs.h names them (JOBS_ACTIVE_SQL, JOBS_EVERY_STATE_ARRAY_SQL, ...).
#
# Before checking the tree it checks itself on a tiny fabricated folder (two
# objects that call each other, two headers that include each other, a file
# that writes upload_jobs), so a check that can no longer fail is noticed.
#
#   BUILD=build/test tests/cli/layering.sh     (needs $BUILD/worker/*.o, $BUILD/emulator/*.o)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

BUILD=${BUILD:-build}
NM=${NM:-nm}
CC=${CC:-cc}
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

# cycles_of — read "A B" edges (A depends on B) on stdin; print each loop
# that tsort finds as "a -> b -> ... -> a" (nothing when there is none).
cycles_of()
{
	tsort 2>&1 >/dev/null | awk '
		/input contains a loop/ { if (n) print path " -> " first; n = 0; next }
		{ sub(/^tsort: /, ""); if (!n) { first = $0; path = $0 } else path = path " -> " $0; n++ }
		END { if (n) print path " -> " first }'
}

# include_edges DIR — "file included" for each #include "x" of a file of
# DIR that names another file of DIR.
include_edges()
{
	local dir=$1 f inc
	for f in "$dir"/*.[ch]; do
		[ -e "$f" ] || continue
		echo "$(basename "$f") $(basename "$f")"      # every file a node
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while IFS= read -r inc; do
			[ -e "$dir/$inc" ] && [ "$inc" != "$(basename "$f")" ] &&
				echo "$(basename "$f") $inc"
		done
	done
}

# call_edges SRC_DIR OBJ_DIR — "a.c b.c" when a's object uses a symbol that
# b's object defines (only objects whose source is still in SRC_DIR).
call_edges()
{
	local src=$1 obj=$2 c o
	for c in "$src"/*.c; do
		[ -e "$c" ] || continue
		o=$obj/$(basename "$c" .c).o
		[ -e "$o" ] || { echo "MISSING $o"; continue; }
		"$NM" -P -g --defined-only "$o" | awk -v f="$(basename "$c")" '{ print "D", f, $1 }'
		"$NM" -P -u "$o" | awk -v f="$(basename "$c")" '{ print "U", f, $1 }'
	done | awk '
		$1 == "MISSING" { print; next }
		$1 == "D" { def[$3] = $2; print $2, $2; next }
		{ use[++n] = $2 " " $3 }
		END {
			for (i = 1; i <= n; i++) {
				split(use[i], u, " ")
				if ((u[2] in def) && def[u[2]] != u[1] && !seen[u[1] " " def[u[2]]]++)
					print u[1], def[u[2]]
			}
		}'
}

# check_folder LABEL SRC_DIR OBJ_DIR — prints the loops, returns 1 on any.
check_folder()
{
	local label=$1 src=$2 obj=$3 edges loops rc=0
	loops=$(include_edges "$src" | cycles_of)
	if [ -n "$loops" ]; then
		echo "  include cycle in $label: $loops"
		rc=1
	fi
	edges=$(call_edges "$src" "$obj")
	if grep -q '^MISSING ' <<<"$edges"; then
		echo "  $label: not built: $(grep '^MISSING ' <<<"$edges" | cut -d' ' -f2- | tr '\n' ' ')"
		return 1
	fi
	loops=$(cycles_of <<<"$edges")
	if [ -n "$loops" ]; then
		echo "  call cycle in $label: $loops"
		rc=1
	fi
	return $rc
}

# job_writers DIR... — the lines outside lib/jobs.c that write upload_jobs
# or job_events.
job_writers()
{
	grep -rniE '(INSERT[[:space:]]+INTO|UPDATE|DELETE[[:space:]]+FROM|TRUNCATE([[:space:]]+TABLE)?|COPY)[[:space:]]+(ONLY[[:space:]]+)?(upload_jobs|job_events)\b' \
		--include='*.c' --include='*.h' --include='*.sh' --include='*.js' --include='*.sql' "$@" 2>/dev/null |
		grep -v '^lib/jobs\.c:'
}

# state_lists DIR... — the lines that spell an SQL IN list or ARRAY of two
# or more job states, outside lib/jobs.h.
state_lists()
{
	local st="'(queued|uploading|processing|published|inboxed|failed|cancelled)'"
	grep -rniE "(IN[[:space:]]*\\(|ARRAY[[:space:]]*\\[)[[:space:]]*$st[[:space:]]*,[[:space:]]*$st" \
		--include='*.c' --include='*.h' "$@" 2>/dev/null |
		grep -v '^lib/jobs\.h:'
}

# ---- the check checks itself: a fabricated folder with one of each fault --
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/obj" "$tmp/ok" "$tmp/okobj" "$tmp/lib" "$tmp/tests"
printf 'int a_pub(int);\nint b_pub(int);\nint a_pub(int x) { return x ? b_pub(x - 1) : 0; }\n' >"$tmp/src/a.c"
printf 'int a_pub(int);\nint b_pub(int);\nint b_pub(int x) { return x ? a_pub(x - 1) : 1; }\n' >"$tmp/src/b.c"
printf '#include "b.h"\n' >"$tmp/src/a.h"
printf '#include "a.h"\n' >"$tmp/src/b.h"
# the same shape without loops: top -> mid -> leaf
printf '#include "mid.h"\nint mid(int);\nint top(int);\nint top(int x) { return mid(x); }\n' >"$tmp/ok/top.c"
printf '#include "mid.h"\nint leaf(int);\nint mid(int);\nint mid(int x) { return leaf(x) + 1; }\n' >"$tmp/ok/mid.c"
printf 'int leaf(int);\nint leaf(int x) { return x; }\n' >"$tmp/ok/leaf.c"
printf '#include "leaf.h"\n' >"$tmp/ok/mid.h"
printf '\n' >"$tmp/ok/leaf.h"
built=1
for f in a b; do "$CC" -c "$tmp/src/$f.c" -o "$tmp/obj/$f.o" || built=0; done
for f in top mid leaf; do "$CC" -c "$tmp/ok/$f.c" -o "$tmp/okobj/$f.o" || built=0; done
if [ "$built" -ne 1 ]; then
	fail "self-check: the fabricated objects did not compile"
else
	out=$(check_folder fixture "$tmp/src" "$tmp/obj")
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q 'call cycle in fixture: a.c -> b.c -> a.c\|call cycle in fixture: b.c -> a.c -> b.c' <<<"$out" &&
	   grep -q 'include cycle in fixture: .*a.h.*b.h\|include cycle in fixture: .*b.h.*a.h' <<<"$out"; then
		pass "self-check: a fabricated call cycle and include cycle are found and named"
	else
		fail "self-check: the fabricated cycles were not both reported (rc=$rc): $out"
	fi
	out=$(check_folder fixture-ok "$tmp/ok" "$tmp/okobj")
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ] &&
	   [ "$(call_edges "$tmp/ok" "$tmp/okobj" | awk '$1 != $2' | sort | tr '\n' ' ')" = "mid.c leaf.c top.c mid.c " ]; then
		pass "self-check: a chain without loops passes and its calls are seen"
	else
		fail "self-check: a chain without loops (rc=$rc): $out"
	fi
	rm "$tmp/obj/b.o"
	out=$(check_folder fixture "$tmp/src" "$tmp/obj")
	if [ $? -ne 0 ] && grep -q 'not built' <<<"$out"; then
		pass "self-check: a missing object fails the check"
	else
		fail "self-check: a missing object went unnoticed: $out"
	fi
fi
# (the table names are put in apart, so this file does not match itself)
printf 'static const char *q = "UPDATE %s SET state = $1";\n' upload_jobs >"$tmp/tests/t.c"
printf 'static const char *q = "insert into %s (job_id) values ($1)";\n' job_events >"$tmp/lib/x.c"
printf 'static const char *q = "SELECT state FROM %s";\n' upload_jobs >"$tmp/lib/reader.c"
printf 'static const char *q = "WHERE state IN (%s, %s)";\n' "'queued'" "'uploading'" >"$tmp/lib/states.c"
printf 'static const char *q = "unnest(array[%s,%s])";\n' "'failed'" "'cancelled'" >"$tmp/lib/array.c"
printf 'static const char *q = "WHERE state = %s";\n' "'queued'" >"$tmp/lib/one_state.c"
out=$(cd "$tmp" && state_lists lib)
if [ "$(wc -l <<<"$out")" -eq 2 ] && grep -q '^lib/states.c:' <<<"$out" && grep -q '^lib/array.c:' <<<"$out"; then
	pass "self-check: fabricated lists of job states in SQL (IN and ARRAY) are found, one state is not"
else
	fail "self-check: the state lists' grep found: $out"
fi
rm "$tmp/lib/states.c" "$tmp/lib/array.c" "$tmp/lib/one_state.c"
out=$(cd "$tmp" && job_writers lib tests)
if [ "$(wc -l <<<"$out")" -eq 2 ] && grep -q '^tests/t.c:' <<<"$out" && grep -q '^lib/x.c:' <<<"$out"; then
	pass "self-check: fabricated writers of upload_jobs/job_events are found, a reader is not"
else
	fail "self-check: the writers' grep found: $out"
fi

# ---- the tree ----------------------------------------------------------
for d in worker emulator; do
	if out=$(check_folder "$d/" "$d" "$BUILD/$d"); then
		pass "no include cycle and no call cycle between the files of $d/"
	else
		fail "$d/:"
		echo "$out"
	fi
done

out=$(job_writers lib cgi-bin worker cli emulator tests scripts)
if [ -z "$out" ]; then
	pass "only lib/jobs.c writes upload_jobs and job_events"
else
	fail "upload_jobs/job_events written outside lib/jobs.c (go through lib/jobs.h):"
	sed 's/^/  /' <<<"$out"
fi

out=$(state_lists lib cgi-bin worker cli)
if [ -z "$out" ]; then
	pass "no SQL outside lib/jobs.h spells a list of job states"
else
	fail "lists of job states spelled in SQL (use JOBS_*_SQL of lib/jobs.h):"
	sed 's/^/  /' <<<"$out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
