/* test_browser — the browser end-to-end tests (tests/e2e/, node's test
 * runner + playwright-core driving Debian's headless chromium) against the
 * stack that tests/run.sh started, counted as one test in the summary.
 *
 * The LF_* variables are already exported by tests/run.sh; the node
 * packages are installed once from tests/e2e/package-lock.json (`npm ci`,
 * the npm registry only) when tests/e2e/node_modules is missing.
 * Screenshots of every page: out/e2e/, one PNG each (LF_E2E_OUT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

static void browser_end_to_end(void **state)
{
	const char *root = t_env("LF_ROOT");

	(void)state;
	t_env("LF_BASE_URL");
	t_env("LF_EMU_URL");
	if (t_sh("command -v node >/dev/null && command -v npm >/dev/null") != 0)
		fail_msg("node and npm are needed for the browser tests (scripts/deps.sh: nodejs, npm)");
	if (t_sh("test -x \"${LF_CHROMIUM:-/usr/bin/chromium}\"") != 0)
		fail_msg("chromium is needed for the browser tests (scripts/deps.sh: chromium)");
	if (t_sh("cd '%s/tests/e2e' && { test -d node_modules/playwright-core && test -d node_modules/axe-core || "
		 "npm ci --no-audit --no-fund --loglevel=error; }", root) != 0)
		fail_msg("npm ci in tests/e2e failed (is the npm registry reachable?)");
	/* node's own runner: prints TAP-like results, exits non-zero on a failure */
	assert_int_equal(t_sh("cd '%s/tests/e2e' && timeout -k 10 600 node --test --test-concurrency=1", root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(browser_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
