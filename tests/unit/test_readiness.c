/* test_readiness.c — TikTok's limits at every boundary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "readiness.h"

/* A video TikTok takes: 1080x1920, 30 fps, 20 s, 10 MB, H.264 in MP4. */
static struct probe_result good(void)
{
	struct probe_result p;

	memset(&p, 0, sizeof(p));
	p.size_bytes = 10000000;
	p.duration_ms = 20000;
	p.width = 1080;
	p.height = 1920;
	p.fps = 30.0;
	snprintf(p.video_codec, sizeof(p.video_codec), "h264");
	snprintf(p.container, sizeof(p.container), "mp4");
	return p;
}

static void assert_ready(const struct probe_result *p)
{
	struct readiness r;

	if (!readiness_check(p, &r))
		fail_msg("expected ready, got: %s", r.reason);
	assert_int_equal(r.ready, 1);
	assert_string_equal(r.reason, "");
}

static void assert_not_ready(const struct probe_result *p, const char *expected_reason)
{
	struct readiness r;

	assert_int_equal(readiness_check(p, &r), 0);
	assert_int_equal(r.ready, 0);
	assert_string_equal(r.reason, expected_reason);
}

static void test_good_video_is_ready(void **state)
{
	struct probe_result p = good();
	struct readiness r;

	(void)state;
	assert_int_equal(readiness_check(&p, &r), 1);
	assert_string_equal(r.reason, "");
	assert_string_equal(r.warning, "");
}

static void test_frame_rate_boundaries(void **state)
{
	struct probe_result p = good();

	(void)state;
	p.fps = 22.9;
	assert_not_ready(&p, "Frame rate 22.9 fps is outside TikTok's 23–60 fps range");
	p.fps = 23.0;
	assert_ready(&p);
	p.fps = 23.976023976;
	assert_ready(&p);
	p.fps = 29.97;
	assert_ready(&p);
	p.fps = 60.0;
	assert_ready(&p);
	p.fps = 60.1;
	assert_not_ready(&p, "Frame rate 60.1 fps is outside TikTok's 23–60 fps range");
	p.fps = 15.0;
	assert_not_ready(&p, "Frame rate 15 fps is outside TikTok's 23–60 fps range");
	p.fps = 120.0;
	assert_not_ready(&p, "Frame rate 120 fps is outside TikTok's 23–60 fps range");
	/* just past the edge must not print as the edge itself */
	p.fps = 60.0001;
	assert_not_ready(&p, "Frame rate 60.0001 fps is outside TikTok's 23–60 fps range");
	p.fps = 0.0;
	assert_not_ready(&p, "Frame rate is unknown (TikTok needs 23–60 fps)");
	p.fps = NAN;
	assert_not_ready(&p, "Frame rate is unknown (TikTok needs 23–60 fps)");
}

static void test_width_boundaries(void **state)
{
	struct probe_result p = good();

	(void)state;
	p.width = 359;
	assert_not_ready(&p, "Width 359 px is below TikTok's minimum of 360 px");
	p.width = 360;
	assert_ready(&p);
	p.width = 4096;
	assert_ready(&p);
	p.width = 4097;
	assert_not_ready(&p, "Width 4097 px is above TikTok's maximum of 4096 px");
	p.width = 0;
	assert_not_ready(&p, "Width is unknown (TikTok needs 360–4096 px)");
}

static void test_height_boundaries(void **state)
{
	struct probe_result p = good();

	(void)state;
	p.height = 359;
	assert_not_ready(&p, "Height 359 px is below TikTok's minimum of 360 px");
	p.height = 360;
	assert_ready(&p);
	p.height = 4096;
	assert_ready(&p);
	p.height = 4097;
	assert_not_ready(&p, "Height 4097 px is above TikTok's maximum of 4096 px");
	p.height = -1;
	assert_not_ready(&p, "Height is unknown (TikTok needs 360–4096 px)");
}

static void test_size_boundaries(void **state)
{
	struct probe_result p = good();

	(void)state;
	p.size_bytes = 1;
	assert_ready(&p);
	p.size_bytes = 4000000000LL;
	assert_ready(&p);
	p.size_bytes = 4000000001LL;
	assert_not_ready(&p, "File size 4 GB (4000000001 bytes) is above TikTok's 4 GB limit");
	/* 4 GiB is over the conservative decimal limit */
	p.size_bytes = 4294967296LL;
	assert_not_ready(&p, "File size 4.295 GB (4294967296 bytes) is above TikTok's 4 GB limit");
	p.size_bytes = 0;
	assert_not_ready(&p, "The file is empty");
}

static void test_codecs(void **state)
{
	static const char *const ok[] = { "h264", "hevc", "h265", "vp8", "vp9" };
	struct probe_result p = good();

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(p.video_codec, sizeof(p.video_codec), "%s", ok[i]);
		assert_ready(&p);
	}
	snprintf(p.video_codec, sizeof(p.video_codec), "av1");
	assert_not_ready(&p, "Video codec av1 is not accepted by TikTok (H.264, H.265, VP8 or VP9 only)");
	snprintf(p.video_codec, sizeof(p.video_codec), "mpeg4");
	assert_not_ready(&p, "Video codec mpeg4 is not accepted by TikTok (H.264, H.265, VP8 or VP9 only)");
	/* names are exact, not prefixes or case-folded */
	snprintf(p.video_codec, sizeof(p.video_codec), "H264");
	assert_not_ready(&p, "Video codec H264 is not accepted by TikTok (H.264, H.265, VP8 or VP9 only)");
	p.video_codec[0] = '\0';
	assert_not_ready(&p, "Video codec unknown is not accepted by TikTok (H.264, H.265, VP8 or VP9 only)");
}

static void test_containers(void **state)
{
	static const char *const ok[] = { "mp4", "mov", "webm" };
	struct probe_result p = good();

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(p.container, sizeof(p.container), "%s", ok[i]);
		assert_ready(&p);
	}
	snprintf(p.container, sizeof(p.container), "matroska");
	assert_not_ready(&p, "Container matroska is not accepted by TikTok (MP4, MOV or WebM only)");
	snprintf(p.container, sizeof(p.container), "avi");
	assert_not_ready(&p, "Container avi is not accepted by TikTok (MP4, MOV or WebM only)");
}

static void test_duration_boundaries(void **state)
{
	struct probe_result p = good();
	struct readiness r;

	(void)state;
	p.duration_ms = 600000;
	assert_ready(&p);
	p.duration_ms = 600001;
	assert_not_ready(&p, "Duration 10 min 0.001 s is above TikTok's 10-minute upload limit");
	p.duration_ms = 660000;
	assert_not_ready(&p, "Duration 11 min is above TikTok's 10-minute upload limit");
	p.duration_ms = 754000;
	assert_not_ready(&p, "Duration 12 min 34 s is above TikTok's 10-minute upload limit");
	p.duration_ms = 0;
	assert_not_ready(&p, "Duration is unknown or zero");
	p.duration_ms = -5;
	assert_not_ready(&p, "Duration is unknown or zero");

	/* under 3 s: still ready, with a warning */
	p.duration_ms = 2999;
	assert_int_equal(readiness_check(&p, &r), 1);
	assert_string_equal(r.reason, "");
	assert_string_equal(r.warning, "Duration 2.999 s is under 3 s; TikTok may refuse very short videos");
	p.duration_ms = 1;
	assert_int_equal(readiness_check(&p, &r), 1);
	assert_string_equal(r.warning, "Duration 0.001 s is under 3 s; TikTok may refuse very short videos");
	p.duration_ms = 3000;
	assert_int_equal(readiness_check(&p, &r), 1);
	assert_string_equal(r.warning, "");
}

static void test_every_failure_is_listed(void **state)
{
	struct probe_result p = good();
	struct readiness r;

	(void)state;
	p.fps = 15.0;
	p.height = 240;
	assert_not_ready(&p, "Frame rate 15 fps is outside TikTok's 23–60 fps range; "
			     "Height 240 px is below TikTok's minimum of 360 px");

	snprintf(p.container, sizeof(p.container), "avi");
	snprintf(p.video_codec, sizeof(p.video_codec), "mpeg4");
	p.width = 5000;
	p.duration_ms = 700000;
	p.size_bytes = 5000000000LL;
	assert_int_equal(readiness_check(&p, &r), 0);
	assert_string_equal(r.reason,
		"Container avi is not accepted by TikTok (MP4, MOV or WebM only); "
		"Video codec mpeg4 is not accepted by TikTok (H.264, H.265, VP8 or VP9 only); "
		"Frame rate 15 fps is outside TikTok's 23–60 fps range; "
		"Width 5000 px is above TikTok's maximum of 4096 px; "
		"Height 240 px is below TikTok's minimum of 360 px; "
		"Duration 11 min 40 s is above TikTok's 10-minute upload limit; "
		"File size 5 GB (5000000000 bytes) is above TikTok's 4 GB limit");
}

static void test_all_unknown_fits_the_buffer(void **state)
{
	struct probe_result p;
	struct readiness r;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(p.container, 'x', sizeof(p.container) - 1);
	memset(p.video_codec, 'y', sizeof(p.video_codec) - 1);
	assert_int_equal(readiness_check(&p, &r), 0);
	/* the last check must still be there: nothing was cut off */
	assert_non_null(strstr(r.reason, "; The file is empty"));
	assert_true(strlen(r.reason) < sizeof(r.reason) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_video_is_ready),
		cmocka_unit_test(test_frame_rate_boundaries),
		cmocka_unit_test(test_width_boundaries),
		cmocka_unit_test(test_height_boundaries),
		cmocka_unit_test(test_size_boundaries),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_duration_boundaries),
		cmocka_unit_test(test_every_failure_is_listed),
		cmocka_unit_test(test_all_unknown_fits_the_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
