#!/usr/bin/env bash
# tests/cli/security_routes.sh — the POST routes that
# tests/integration/test_security.c checks for CSRF (its post_routes list,
# between "routes-begin" and "routes-end") are exactly the POST routes of
# cgi-bin/dispatch.c's app_routes. The test cannot link the route table, so
# this keeps a new POST route from escaping the CSRF test unnoticed.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

table=$(sed -n 's/^[[:space:]]*{[[:space:]]*"POST",[[:space:]]*"\([^"]*\)".*/\1/p' cgi-bin/dispatch.c | sort)
tested=$(sed -n '/routes-begin/,/routes-end/s/^[[:space:]]*"\([^"]*\)",.*/\1/p' \
	tests/integration/test_security.c | sort)
passed=0 failed=0
if [ -n "$table" ] && [ "$table" = "$tested" ]; then
	passed=1
	echo "the $(wc -l <<<"$table") POST routes of dispatch.c are all in test_security.c"
else
	failed=1
	echo "FAIL: POST routes of cgi-bin/dispatch.c and tests/integration/test_security.c differ:"
	diff <(echo "$table") <(echo "$tested") | sed 's/^/  /'
	echo "  (< only in dispatch.c, > only in the test: update post_routes and the CSRF test)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
