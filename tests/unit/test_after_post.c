/* test_after_post.c — the after-post schedules (lib/results.h) and the
 * Display API's answers (lib/tiktok_display.h): ids as strings or int64,
 * never doubles; counts; ids left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "results.h"
#include "tiktok_display.h"

static void resolve_schedule_widens(void **state)
{
	double m = 60;   /* a real minute */
	double total = 0;
	int polls = 0;

	(void)state;
	assert_true(results_resolve_delay(0, m) == 60);
	assert_true(results_resolve_delay(9, m) == 60);
	assert_true(results_resolve_delay(10, m) == 600);
	assert_true(results_resolve_delay(16, m) == 3600);
	assert_true(results_resolve_delay(40, m) == 86400);
	assert_true(results_resolve_delay(1000, m) == 86400);
	/* never narrower than the poll before */
	for (int i = 1; i < 100; i++)
		assert_true(results_resolve_delay(i, m) >= results_resolve_delay(i - 1, m));
	/* 30 days of it: far inside 30 status calls a minute, and few calls */
	while (total < RESULTS_FOLLOW_MIN * m) {
		total += results_resolve_delay(polls++, m);
	}
	assert_true(polls < 80);
	/* the test minute scales everything alike */
	assert_true(results_resolve_delay(12, 0.5) == 5);
}

static void reading_schedule_follows_age(void **state)
{
	double m = 60;

	(void)state;
	assert_true(results_reading_delay(0, m) == 3600);                 /* day 1: hourly */
	assert_true(results_reading_delay(86399, m) == 3600);
	assert_true(results_reading_delay(86400, m) == 86400);            /* to day 30: daily */
	assert_true(results_reading_delay(30 * 86400 - 1, m) == 86400);
	assert_true(results_reading_delay(30 * 86400, m) == 7 * 86400);   /* then weekly */
	assert_true(results_reading_delay(1, 0.001) > 0.0599 && results_reading_delay(1, 0.001) < 0.0601);
}

static int parse(const char *text, struct tiktok_video *out, int max)
{
	struct json_object *o = json_tokener_parse(text);
	int n = tiktok_parse_videos(o, out, max);

	json_object_put(o);
	return n;
}

static void videos_ids_never_doubles(void **state)
{
	struct tiktok_video v[4];

	(void)state;
	/* a string id and an int64 id, both 19 digits, exact */
	assert_int_equal(parse("{\"data\":{\"videos\":[{\"id\":\"7300000000000000123\",\"view_count\":5,"
			       "\"like_count\":4,\"comment_count\":3,\"share_count\":2},"
			       "{\"id\":7399999999999999999,\"view_count\":0}]},"
			       "\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"x\"}}", v, 4), 2);
	assert_string_equal(v[0].id, "7300000000000000123");
	assert_int_equal(v[0].views, 5);
	assert_int_equal(v[0].likes, 4);
	assert_int_equal(v[0].comments, 3);
	assert_int_equal(v[0].shares, 2);
	assert_string_equal(v[1].id, "7399999999999999999");
	assert_int_equal(v[1].views, 0);
	assert_int_equal(v[1].likes, -1);   /* left out: not zero */
	/* an id that went through a double has lost digits: refused */
	assert_int_equal(parse("{\"data\":{\"videos\":[{\"id\":7.3e18}]},\"error\":{\"code\":\"ok\"}}", v, 4), -1);
	assert_int_equal(parse("{\"data\":{\"videos\":[{\"id\":\"73a\"}]},\"error\":{\"code\":\"ok\"}}", v, 4), -1);
	/* a count of the wrong type */
	assert_int_equal(parse("{\"data\":{\"videos\":[{\"id\":\"7\",\"view_count\":\"5\"}]},"
			       "\"error\":{\"code\":\"ok\"}}", v, 4), -1);
	/* none public any more: an empty list, or none at all */
	assert_int_equal(parse("{\"data\":{\"videos\":[]},\"error\":{\"code\":\"ok\"}}", v, 4), 0);
	assert_int_equal(parse("{\"data\":{},\"error\":{\"code\":\"ok\"}}", v, 4), 0);
	/* an error envelope */
	assert_int_equal(parse("{\"data\":{},\"error\":{\"code\":\"scope_not_authorized\"}}", v, 4), -1);
	/* more than asked for are ignored */
	assert_int_equal(parse("{\"data\":{\"videos\":[{\"id\":\"1\"},{\"id\":\"2\"},{\"id\":\"3\"}]},"
			       "\"error\":{\"code\":\"ok\"}}", v, 2), 2);
}

static void query_body_sends_strings(void **state)
{
	const char *ids[] = { "7300000000000000123", "7300000000000000124" };
	struct buf b = BUF_INIT;

	(void)state;
	tiktok_video_query_body(ids, 2, &b);
	assert_string_equal(buf_cstr(&b),
			    "{\"filters\":{\"video_ids\":[\"7300000000000000123\",\"7300000000000000124\"]}}");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolve_schedule_widens),
		cmocka_unit_test(reading_schedule_follows_age),
		cmocka_unit_test(videos_ids_never_doubles),
		cmocka_unit_test(query_body_sends_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
