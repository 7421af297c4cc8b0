/* test_limits.c — TikTok's limits are one table (lib/ratelimit.h): each
 * row's figures, and one window per limit for every caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

static void the_documented_figures(void **state)
{
	(void)state;
	assert_string_equal(ratelimit_limit(RL_INIT)->endpoint, "init");
	assert_int_equal(ratelimit_limit(RL_INIT)->limit, 6);
	assert_string_equal(ratelimit_limit(RL_CREATOR_INFO)->endpoint, "creator_info");
	assert_int_equal(ratelimit_limit(RL_CREATOR_INFO)->limit, 20);
	assert_string_equal(ratelimit_limit(RL_STATUS)->endpoint, "status");
	assert_int_equal(ratelimit_limit(RL_STATUS)->limit, 30);
	assert_string_equal(ratelimit_limit(RL_POST_DAILY)->endpoint, "post_daily");
	assert_int_equal(ratelimit_limit(RL_POST_DAILY)->limit, 15);
	assert_string_equal(ratelimit_limit(RL_VIDEO_QUERY)->endpoint, "video_query");
	assert_int_equal(ratelimit_limit(RL_VIDEO_QUERY)->limit, 600);
	assert_int_equal(ratelimit_window(ratelimit_limit(RL_VIDEO_QUERY), 60), 61);
}

static void one_window_per_limit(void **state)
{
	(void)state;
	/* the per-minute ones follow the configured minute, with a second of margin */
	assert_int_equal(ratelimit_window(ratelimit_limit(RL_INIT), 60), 61);
	assert_int_equal(ratelimit_window(ratelimit_limit(RL_CREATOR_INFO), 6), 7);
	assert_int_equal(ratelimit_window(ratelimit_limit(RL_STATUS), 60), 61);
	/* the daily cap is a day, whatever the minute */
	assert_int_equal(ratelimit_window(ratelimit_limit(RL_POST_DAILY), 60), 86400);
	assert_int_equal(ratelimit_window(ratelimit_limit(RL_POST_DAILY), 6), 86400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_documented_figures),
		cmocka_unit_test(one_window_per_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
