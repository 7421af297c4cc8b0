/* test_chunkplan.c — TikTok's FILE_UPLOAD chunk rules at every boundary
 * (lib/chunkplan.c, shared/tiktok-api.md §2.4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "chunkplan.h"

static void ok(int64_t size, int64_t chunk, int64_t count)
{
	char why[CHUNK_WHY_LEN];

	if (!chunk_plan_valid(size, chunk, count, why))
		fail_msg("plan %lld/%lld/%lld refused: %s", (long long)size, (long long)chunk,
			 (long long)count, why);
	assert_string_equal(why, "");
}

static void refused(int64_t size, int64_t chunk, int64_t count, const char *why_part)
{
	char why[CHUNK_WHY_LEN];

	if (chunk_plan_valid(size, chunk, count, why))
		fail_msg("plan %lld/%lld/%lld accepted", (long long)size, (long long)chunk, (long long)count);
	if (!strstr(why, why_part))
		fail_msg("reason '%s' does not mention '%s'", why, why_part);
}

static void doc_example_is_valid(void **state)
{
	int64_t f, l;

	(void)state;
	ok(50000123, 10000000, 5);
	/* the last chunk absorbs the remainder: bytes 40,000,000-50,000,122 */
	chunk_plan_range(50000123, 10000000, 5, 4, &f, &l);
	assert_int_equal(f, 40000000);
	assert_int_equal(l, 50000122);
	chunk_plan_range(50000123, 10000000, 5, 0, &f, &l);
	assert_int_equal(f, 0);
	assert_int_equal(l, 9999999);
}

static void count_must_be_floor(void **state)
{
	(void)state;
	refused(50000123, 10000000, 6, "floor");   /* ceil */
	refused(50000123, 10000000, 4, "floor");
}

static void single_chunk_rules(void **state)
{
	(void)state;
	ok(1, 1, 1);
	ok(4999999, 4999999, 1);                 /* < 5 MB: whole */
	ok(64000000, 64000000, 1);               /* the single-chunk ceiling */
	refused(64000001, 64000001, 1, "must be chunked");
	refused(67108864, 67108864, 1, "must be chunked"); /* 64 MiB: over 64,000,000 */
	refused(4000000, 5242880, 1, "chunk_size");        /* one chunk but chunk != size */
	refused(10000000, 5000000, 1, "chunk_size");
}

static void chunk_size_bounds(void **state)
{
	(void)state;
	ok(20000000, 5242880, 3);                /* the 5 MiB minimum */
	refused(20000000, 5242879, 3, "minimum");
	refused(20000000, 5000000, 4, "minimum"); /* 5,000,000 fails the MiB reading */
	ok(200000000, 64000000, 3);              /* the 64 MB maximum */
	refused(200000000, 64000001, 3, "maximum");
	refused(200000000, 67108864, 2, "maximum"); /* 64 MiB fails the decimal reading */
	refused(4000000, 2000000, 2, "minimum"); /* a small file may not be split */
}

static void final_chunk_and_count_limits(void **state)
{
	(void)state;
	/* the last chunk: 64,000,000 + 63,999,999 = 127,999,999 <= 128,000,000 */
	ok(191999999, 64000000, 2);
	ok(4000000000LL, 5242880, 762);
	refused(4000000001LL, 64000000, 62, "video_size");
	refused(0, 0, 1, "video_size");
	refused(-5, 5, 1, "video_size");
	refused(10000000, 10000000, 0, "total_chunk_count");
	refused(6000000000LL, 6000000, 1000, "video_size");
	refused(100000000, 0, 2, "chunk_size");
	refused(100000000, 10000000, 1001, "total_chunk_count");
}

static void planner_makes_valid_conservative_plans(void **state)
{
	int64_t sizes[] = { 1, 4999999, 5000000, 5242880, 63999999, 64000000, 64000001, 67108864,
			    128000000, 158000000, 1000000000, 3999999999LL, 4000000000LL };
	int64_t chunk, count;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(chunk_plan_make(sizes[i], &chunk, &count), 0);
		assert_true(chunk_plan_valid(sizes[i], chunk, count, NULL));
		if (sizes[i] <= 64000000) {
			assert_int_equal(count, 1);
			assert_int_equal(chunk, sizes[i]);
		} else {
			assert_int_equal(chunk, 10000000);
			assert_int_equal(count, sizes[i] / 10000000);
		}
	}
	assert_int_equal(chunk_plan_make(0, &chunk, &count), -1);
	assert_int_equal(chunk_plan_make(4000000001LL, &chunk, &count), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(doc_example_is_valid),
		cmocka_unit_test(count_must_be_floor),
		cmocka_unit_test(single_chunk_rules),
		cmocka_unit_test(chunk_size_bounds),
		cmocka_unit_test(final_chunk_and_count_limits),
		cmocka_unit_test(planner_makes_valid_conservative_plans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
