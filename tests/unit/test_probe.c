/* test_probe.c — probing real files made by ffmpeg at test time.
 * ffmpeg is a declared test dependency; without it the tests fail loudly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

static char tmpdir[64];

static void path_in_tmp(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", tmpdir, name);
}

/* Run ffmpeg quietly with the given arguments and output file. */
static int ffmpeg(const char *args, const char *name)
{
	char cmd[1024], out[256];

	path_in_tmp(out, sizeof(out), name);
	snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -hide_banner -loglevel error -y %s '%s'", args, out);
	return system(cmd);
}

static int setup(void **state)
{
	char src[256], args[400];

	(void)state;
	if (system("command -v ffmpeg >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_probe: ffmpeg is not installed; it is a test dependency "
				"(apt-get install ffmpeg)\n");
		return -1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lf-probe-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (ffmpeg("-f lavfi -i testsrc2=size=360x640:rate=25:duration=1 "
		   "-f lavfi -i sine=frequency=440:duration=1 "
		   "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest", "clip.mp4") ||
	    ffmpeg("-f lavfi -i testsrc2=size=400x400:rate=30:duration=1 "
		   "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -f mov", "clip.mov") ||
	    ffmpeg("-f lavfi -i testsrc2=size=368x368:rate=24:duration=1 "
		   "-c:v libvpx -deadline realtime -b:v 200k", "clip.webm") ||
	    ffmpeg("-f lavfi -i sine=frequency=440:duration=1 -c:a aac", "audio.mp4") ||
	    /* audio as the first stream, 23.976 fps HEVC second */
	    ffmpeg("-f lavfi -i testsrc2=size=480x360:rate=24000/1001:duration=1 "
		   "-f lavfi -i sine=frequency=440:duration=1 -map 1:a -map 0:v "
		   "-c:v libx265 -preset ultrafast -x265-params log-level=none -pix_fmt yuv420p "
		   "-c:a aac -tag:v hvc1", "hevc.mp4") ||
	    ffmpeg("-f lavfi -i testsrc2=size=640x360:rate=30:duration=1 "
		   "-c:v libx264 -preset ultrafast -pix_fmt yuv420p", "landscape.mp4") ||
	    ffmpeg("-f lavfi -i testsrc2=size=400x400:rate=30:duration=1 -c:v mpeg4 -f avi",
		   "avi.mp4") ||
	    ffmpeg("-f lavfi -i testsrc2=size=400x400:rate=30:duration=1 "
		   "-c:v libx264 -preset ultrafast -f matroska", "h264.webm")) {
		fprintf(stderr, "test_probe: ffmpeg could not make the test videos\n");
		return -1;
	}
	/* the same frames tagged "display rotated by 90°", as phones record */
	path_in_tmp(src, sizeof(src), "landscape.mp4");
	snprintf(args, sizeof(args), "-i '%s' -c copy -metadata:s:v:0 rotate=90", src);
	if (ffmpeg(args, "rotated.mp4")) {
		fprintf(stderr, "test_probe: ffmpeg could not make the test videos\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (!tmpdir[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *content)
{
	char p[256];
	FILE *f;

	path_in_tmp(p, sizeof(p), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void test_mp4(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "clip.mp4");
	if (probe_file(p, &r, err, sizeof(err)) != 0)
		fail_msg("probe failed: %s", err);
	assert_int_equal(r.width, 360);
	assert_int_equal(r.height, 640);
	assert_true(r.fps > 24.999 && r.fps < 25.001);
	assert_string_equal(r.video_codec, "h264");
	assert_string_equal(r.container, "mp4");
	/* 1 s of video; the audio track may pad it by a frame or two */
	assert_in_range(r.duration_ms, 950, 1100);
	assert_true(r.size_bytes > 1000);
}

static void test_mov(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "clip.mov");
	if (probe_file(p, &r, err, sizeof(err)) != 0)
		fail_msg("probe failed: %s", err);
	assert_int_equal(r.width, 400);
	assert_int_equal(r.height, 400);
	assert_true(r.fps > 29.999 && r.fps < 30.001);
	assert_string_equal(r.container, "mov");
	assert_in_range(r.duration_ms, 950, 1050);
}

static void test_webm(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "clip.webm");
	if (probe_file(p, &r, err, sizeof(err)) != 0)
		fail_msg("probe failed: %s", err);
	assert_int_equal(r.width, 368);
	assert_int_equal(r.height, 368);
	assert_true(r.fps > 23.999 && r.fps < 24.001);
	assert_string_equal(r.video_codec, "vp8");
	assert_string_equal(r.container, "webm");
	assert_in_range(r.duration_ms, 950, 1050);
}

static void test_hevc_after_audio(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "hevc.mp4");
	if (probe_file(p, &r, err, sizeof(err)) != 0)
		fail_msg("probe failed: %s", err);
	assert_int_equal(r.width, 480);
	assert_int_equal(r.height, 360);
	assert_true(r.fps > 23.975 && r.fps < 23.977);
	assert_string_equal(r.video_codec, "hevc");
	assert_string_equal(r.container, "mp4");
}

static void test_rotation_swaps_sides(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "landscape.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), 0);
	assert_int_equal(r.width, 640);
	assert_int_equal(r.height, 360);
	path_in_tmp(p, sizeof(p), "rotated.mp4");
	if (probe_file(p, &r, err, sizeof(err)) != 0)
		fail_msg("probe failed: %s", err);
	assert_int_equal(r.width, 360);
	assert_int_equal(r.height, 640);
}

static void test_h264_in_webm_is_matroska(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "h264.webm");
	if (probe_file(p, &r, err, sizeof(err)) != 0)
		fail_msg("probe failed: %s", err);
	assert_string_equal(r.video_codec, "h264");
	assert_string_equal(r.container, "matroska");
}

static void test_text_file_named_mp4(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	write_file("notes.mp4", "this is not a video, just some text\n");
	path_in_tmp(p, sizeof(p), "notes.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a recognised media file"));
}

static void test_other_demuxers_are_refused(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	/* a playlist dressed as an MP4 must not make libavformat open files */
	write_file("playlist.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nclip.mp4\n#EXT-X-ENDLIST\n");
	path_in_tmp(p, sizeof(p), "playlist.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a recognised media file"));
	/* an AVI named .mp4 is not one of TikTok's containers */
	path_in_tmp(p, sizeof(p), "avi.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a recognised media file"));
}

static void test_empty_and_missing_files(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	write_file("empty.mp4", "");
	path_in_tmp(p, sizeof(p), "empty.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "the file is empty");

	path_in_tmp(p, sizeof(p), "nope.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read the file"));

	assert_int_equal(probe_file(tmpdir, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "not a regular file");
}

static void test_audio_only(void **state)
{
	struct probe_result r;
	char p[256], err[256] = "";

	(void)state;
	path_in_tmp(p, sizeof(p), "audio.mp4");
	assert_int_equal(probe_file(p, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "no video stream");
}

static void test_truncated_file(void **state)
{
	struct probe_result r;
	char src[256], dst[256], err[256] = "", cmd[600];

	(void)state;
	/* the first 2 KB of an MP4 whose index (moov) is at the end */
	path_in_tmp(src, sizeof(src), "clip.mp4");
	path_in_tmp(dst, sizeof(dst), "cut.mp4");
	snprintf(cmd, sizeof(cmd), "head -c 2048 '%s' > '%s'", src, dst);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(probe_file(dst, &r, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
}

static void test_container_names(void **state)
{
	char out[16];

	(void)state;
	probe_container_name("mov,mp4,m4a,3gp,3g2,mj2", "isom", "a.mp4", out, sizeof(out));
	assert_string_equal(out, "mp4");
	probe_container_name("mov,mp4,m4a,3gp,3g2,mj2", "qt  ", "a.mp4", out, sizeof(out));
	assert_string_equal(out, "mov");
	/* the brand wins over the name */
	probe_container_name("mov,mp4,m4a,3gp,3g2,mj2", "mp42", "a.MOV", out, sizeof(out));
	assert_string_equal(out, "mp4");
	probe_container_name("mov,mp4,m4a,3gp,3g2,mj2", NULL, "a.MOV", out, sizeof(out));
	assert_string_equal(out, "mov");
	probe_container_name("mov,mp4,m4a,3gp,3g2,mj2", NULL, "a.mp4", out, sizeof(out));
	assert_string_equal(out, "mp4");
	probe_container_name("matroska,webm", NULL, "a.WebM", out, sizeof(out));
	assert_string_equal(out, "webm");
	probe_container_name("matroska,webm", NULL, "a.mkv", out, sizeof(out));
	assert_string_equal(out, "matroska");
	probe_container_name("avi", NULL, "a.mp4", out, sizeof(out));
	assert_string_equal(out, "avi");
	probe_container_name(NULL, NULL, "a.mp4", out, sizeof(out));
	assert_string_equal(out, "unknown");
}

struct thread_arg {
	char path[256];
	int ok;
};

static void *probe_many(void *p)
{
	struct thread_arg *a = p;
	struct probe_result r;
	char err[256];

	a->ok = 1;
	for (int i = 0; i < 5; i++)
		if (probe_file(a->path, &r, err, sizeof(err)) != 0 || r.width != 360)
			a->ok = 0;
	return NULL;
}

static void test_concurrent_probes(void **state)
{
	pthread_t t[4];
	struct thread_arg a[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		path_in_tmp(a[i].path, sizeof(a[i].path), "clip.mp4");
		assert_int_equal(pthread_create(&t[i], NULL, probe_many, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].ok, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mp4),
		cmocka_unit_test(test_mov),
		cmocka_unit_test(test_webm),
		cmocka_unit_test(test_hevc_after_audio),
		cmocka_unit_test(test_rotation_swaps_sides),
		cmocka_unit_test(test_h264_in_webm_is_matroska),
		cmocka_unit_test(test_text_file_named_mp4),
		cmocka_unit_test(test_other_demuxers_are_refused),
		cmocka_unit_test(test_empty_and_missing_files),
		cmocka_unit_test(test_audio_only),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_container_names),
		cmocka_unit_test(test_concurrent_probes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
