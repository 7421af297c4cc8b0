/* test_frames.c — posters and strips from real files made by ffmpeg at test
 * time (a declared test dependency): a portrait clip, a landscape clip
 * tagged "rotate 90" as phones record, and files that cannot be decoded.
 * The pictures are read back with ffmpeg to check their size and which
 * way up they are. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frames.h"

static char tmpdir[64];

static void in_tmp(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", tmpdir, name);
}

static int ffmpeg(const char *args, const char *name)
{
	char cmd[1024], out[256];

	in_tmp(out, sizeof(out), name);
	snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -hide_banner -loglevel error -y %s '%s'", args, out);
	return system(cmd);
}

static int setup(void **state)
{
	char src[256], args[512];

	(void)state;
	if (system("command -v ffmpeg >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_frames: ffmpeg is not installed; it is a test dependency\n");
		return -1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lf-frames-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* 4 s portrait; a landscape clip whose left half is red and right half
	 * blue, then the same frames tagged "display rotated by 90°" */
	if (ffmpeg("-f lavfi -i testsrc2=size=360x640:rate=25:duration=4 "
		   "-c:v libx264 -preset ultrafast -pix_fmt yuv420p", "portrait.mp4") ||
	    ffmpeg("-f lavfi -i color=c=red:size=320x360:rate=25:duration=2 "
		   "-f lavfi -i color=c=blue:size=320x360:rate=25:duration=2 "
		   "-filter_complex hstack -c:v libx264 -preset ultrafast -pix_fmt yuv420p",
		   "halves.mp4")) {
		fprintf(stderr, "test_frames: ffmpeg could not make the test videos\n");
		return -1;
	}
	in_tmp(src, sizeof(src), "halves.mp4");
	snprintf(args, sizeof(args), "-i '%s' -c copy -metadata:s:v:0 rotate=90", src);
	if (ffmpeg(args, "rotated.mp4"))
		return -1;
	snprintf(args, sizeof(args), "-i '%s' -c copy -metadata:s:v:0 rotate=270", src);
	if (ffmpeg(args, "rotated270.mp4"))
		return -1;
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

/* A picture decoded back to RGB by ffmpeg: its size from ffprobe, the
 * pixels into *rgb (malloc'd). */
static void read_picture(const char *jpg, int *w, int *h, unsigned char **rgb)
{
	char cmd[768], raw[300];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 -show_entries stream=width,height "
		 "-of csv=p=0:s=x '%s'", jpg);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%dx%d", w, h), 2);
	pclose(f);
	snprintf(raw, sizeof(raw), "%s.rgb", jpg);
	snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -y -i '%s' -f rawvideo -pix_fmt rgb24 '%s'",
		 jpg, raw);
	assert_int_equal(system(cmd), 0);
	n = (size_t)*w * (size_t)*h * 3;
	*rgb = malloc(n);
	assert_non_null(*rgb);
	f = fopen(raw, "rb");
	assert_non_null(f);
	assert_int_equal(fread(*rgb, 1, n, f), n);
	fclose(f);
	unlink(raw);
}

static int files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static void test_portrait(void **state)
{
	char video[256], dir[256], jpg[300], err[256] = "";
	struct frames_result fr;
	unsigned char *rgb, magic[2];
	int w, h;
	FILE *f;

	(void)state;
	in_tmp(video, sizeof(video), "portrait.mp4");
	in_tmp(dir, sizeof(dir), "portrait");
	if (frames_extract(video, dir, -1, &fr, err, sizeof(err)) != 0)
		fail_msg("frames_extract: %s", err);
	assert_int_equal(fr.n, FRAMES_MAX);
	assert_int_equal(fr.width, 320);
	assert_int_equal(fr.height, 568);
	assert_int_equal(fr.times_ms[0], 1000);        /* a quarter in */
	assert_int_equal(fr.times_ms[1], 250);         /* the middles of 8 half-second slices */
	assert_int_equal(fr.times_ms[8], 3750);
	assert_int_equal(files_in(dir), FRAMES_MAX);   /* and no temporary file left */
	for (int i = 0; i < fr.n; i++) {
		snprintf(jpg, sizeof(jpg), "%s/%d.jpg", dir, i);
		f = fopen(jpg, "rb");
		assert_non_null(f);
		assert_int_equal(fread(magic, 1, 2, f), 2);
		fclose(f);
		assert_true(magic[0] == 0xff && magic[1] == 0xd8);
	}
	snprintf(jpg, sizeof(jpg), "%s/0.jpg", dir);
	read_picture(jpg, &w, &h, &rgb);
	assert_int_equal(w, 320);
	assert_int_equal(h, 568);
	free(rgb);
}

/* Whether ffmpeg itself, turning the clip upright, shows red on top. */
static int ffmpeg_red_on_top(const char *video)
{
	char cmd[600];
	unsigned char px[3];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -i '%s' -frames:v 1 -vf scale=8:8 "
		 "-f rawvideo -pix_fmt rgb24 -", video);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fread(px, 1, 3, f), 3);   /* the top left pixel */
	while (fgetc(f) != EOF)
		;
	pclose(f);
	return px[0] > px[2];
}

/* left red, right blue, shown a quarter turned: red on top or at the
 * bottom, as ffmpeg's own player turns it */
static int check_turned(const char *name)
{
	int red_on_top;
	char video[256], dir[256], jpg[300], err[256] = "";
	struct frames_result fr;
	unsigned char *rgb, *top, *bottom;
	int w, h;

	in_tmp(video, sizeof(video), name);
	red_on_top = ffmpeg_red_on_top(video);
	snprintf(dir, sizeof(dir), "%s/%s.d", tmpdir, name);
	if (frames_extract(video, dir, 500, &fr, err, sizeof(err)) != 0)
		fail_msg("frames_extract %s: %s", name, err);
	assert_int_equal(fr.times_ms[0], 500);
	/* 640×360 coded, 360×640 shown: portrait, inside 320×576 */
	assert_int_equal(fr.width, 320);
	assert_int_equal(fr.height, 568);
	snprintf(jpg, sizeof(jpg), "%s/3.jpg", dir);
	read_picture(jpg, &w, &h, &rgb);
	assert_int_equal(w, 320);
	assert_int_equal(h, 568);
	top = rgb + ((size_t)(h / 8) * (size_t)w + (size_t)(w / 2)) * 3;
	bottom = rgb + ((size_t)(h * 7 / 8) * (size_t)w + (size_t)(w / 2)) * 3;
	if (red_on_top) {
		assert_true(top[0] > 200 && top[2] < 60);
		assert_true(bottom[2] > 200 && bottom[0] < 60);
	} else {
		assert_true(top[2] > 200 && top[0] < 60);
		assert_true(bottom[0] > 200 && bottom[2] < 60);
	}
	free(rgb);
	return red_on_top;
}

/* a quarter turn each way: opposite results, both as ffmpeg shows them */
static void test_rotated(void **state)
{
	(void)state;
	assert_int_not_equal(check_turned("rotated.mp4"), check_turned("rotated270.mp4"));
}

static void write_bytes(const char *name, const void *data, size_t n)
{
	char p[256];
	FILE *f;

	in_tmp(p, sizeof(p), name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void expect_failure(const char *name)
{
	char video[256], dir[256], err[256] = "";
	struct frames_result fr;

	in_tmp(video, sizeof(video), name);
	snprintf(dir, sizeof(dir), "%s/%s.d", tmpdir, name);
	assert_int_equal(frames_extract(video, dir, -1, &fr, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	assert_int_equal(fr.n, 0);
	assert_int_equal(files_in(dir), 0);
}

static void test_broken(void **state)
{
	char src[256], junk[4096];
	FILE *f;
	size_t n;
	unsigned char *half;

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7919u >> 3);
	write_bytes("junk.mp4", junk, sizeof(junk));
	write_bytes("empty.mp4", "", 0);
	expect_failure("junk.mp4");
	expect_failure("empty.mp4");
	expect_failure("does-not-exist.mp4");

	/* the first 2 kB of a real clip: a header whose frames are gone */
	in_tmp(src, sizeof(src), "portrait.mp4");
	f = fopen(src, "rb");
	assert_non_null(f);
	half = malloc(2048);
	assert_non_null(half);
	n = fread(half, 1, 2048, f);
	fclose(f);
	write_bytes("cut.mp4", half, n);
	free(half);
	expect_failure("cut.mp4");
}

static void test_times_and_sizes(void **state)
{
	int64_t t[FRAMES_MAX];
	int w, h;

	(void)state;
	assert_int_equal(frames_times(0, 100, t), 1);
	assert_int_equal(t[0], 0);
	assert_int_equal(frames_times(8000, 7999, t), FRAMES_MAX);
	assert_int_equal(t[0], 7999);
	assert_int_equal(frames_times(8000, 8000, t), FRAMES_MAX);   /* past the end: a quarter in */
	assert_int_equal(t[0], 2000);
	assert_int_equal(frames_nearest(t, FRAMES_MAX, 0), 1);
	assert_int_equal(frames_nearest(t, FRAMES_MAX, 4100), 5);    /* strip times 500, 1500 .. 7500 */
	assert_int_equal(frames_nearest(t, FRAMES_MAX, 999999), 8);
	assert_int_equal(frames_nearest(t, 1, 0), -1);

	assert_int_equal(frames_size(1920, 1080, &w, &h), 0);
	assert_int_equal(w, 320);
	assert_int_equal(h, 180);
	assert_int_equal(frames_size(1080, 1920, &w, &h), 0);
	assert_int_equal(w, 320);
	assert_int_equal(h, 568);
	assert_int_equal(frames_size(100, 4000, &w, &h), 0);          /* very tall: the height bounds it */
	assert_int_equal(h, 576);
	assert_int_equal(w, 14);
	assert_int_equal(frames_size(100, 60, &w, &h), 0);            /* small: never enlarged */
	assert_int_equal(w, 100);
	assert_int_equal(h, 60);
	assert_int_equal(frames_size(0, 100, &w, &h), -1);
	assert_int_equal(frames_size(100000, 100, &w, &h), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times_and_sizes),
		cmocka_unit_test(test_portrait),
		cmocka_unit_test(test_rotated),
		cmocka_unit_test(test_broken),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
