/* Integration tests: preview pictures end to end. `langflix import` makes
 * a poster and a strip of a real clip (ffmpeg makes it here) with the
 * sidecar's expression moment as the poster; nginx serves them from
 * frames_dir through its internal /_frames/ location after the app checked
 * the session, with cache headers (private, max-age, ETag, Last-Modified,
 * a 304 on revalidation); a missing picture is a 404, the internal location
 * is not reachable from outside; the dashboard shows posters, not <video>
 * players; a file that cannot be decoded gets no pictures and a warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD "frames-test-password"

static struct tclient *client;    /* signed in */
static char dir[128];             /* under the media root */
static char *import_out;
static char *vid, *broken_vid;

/* hollow.mp4: a clip whose index (moov, first: faststart) is whole but
 * whose picture data (mdat) is cut off: it probes as a video, it cannot
 * be decoded. */
static int hollow_copy(const char *media)
{
	char *src = t_printf("%s/%s/faststart.tmp", media, dir), *dst = t_printf("%s/%s/hollow.mp4", media, dir);
	static char data[1 << 20];
	size_t n = 0, cut = 0;
	FILE *f;
	int rc = -1;

	if (t_sh("ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=360x640:rate=25:duration=2 "
		 "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -movflags +faststart -f mp4 '%s'", src) != 0)
		goto out;
	f = fopen(src, "rb");
	if (!f)
		goto out;
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	for (size_t i = 4; i + 4 <= n; i++)
		if (!memcmp(data + i, "mdat", 4)) {
			cut = i + 12;
			break;
		}
	f = cut ? fopen(dst, "wb") : NULL;
	if (f) {
		rc = fwrite(data, 1, cut, f) == cut ? 0 : -1;
		fclose(f);
	}
	unlink(src);
out:
	free(src);
	free(dst);
	return rc;
}

static int setup(void **state)
{
	char name[64];
	const char *media = t_env("LF_MEDIA");

	t_db_setup(state);
	snprintf(dir, sizeof(dir), "frames-test-%d", (int)getpid());
	/* a 4 s portrait clip with its sidecar, and a file that is not a video */
	if (t_sh("mkdir -p '%s/%s' && ffmpeg -nostdin -hide_banner -loglevel error -y "
		 "-f lavfi -i testsrc2=size=360x640:rate=25:duration=4 -c:v libx264 -preset ultrafast "
		 "-pix_fmt yuv420p '%s/%s/clip.mp4'", media, dir, media, dir) != 0)
		return -1;
	if (t_sh("printf '%%s' '{\"title\": \"Frames clip\", \"expression\": \"hit the road\","
		 " \"expression_start_ms\": 2600}' >'%s/%s/clip.mp4.meta.json' && "
		 "head -c 5000 /dev/urandom >'%s/%s/broken.mp4'", media, dir, media, dir) != 0)
		return -1;
	if (hollow_copy(media) < 0)
		return -1;
	t_sh_output(&import_out, "'%s/langflix' -c '%s' import '%s/%s'", t_env("LF_BIN"),
		    t_env("LF_CONFIG"), media, dir);
	vid = t_printf("%s/clip.mp4", dir);
	broken_vid = t_printf("%s/broken.mp4", dir);
	{
		char *id = t_db_value(t_dbc, "SELECT id FROM videos WHERE path = $1", 1,
				      (const char *[]){ vid });
		char *bid = t_db_value(t_dbc, "SELECT id FROM videos WHERE path = $1", 1,
				       (const char *[]){ broken_vid });
		free(vid);
		free(broken_vid);
		vid = id;
		broken_vid = bid;
	}
	if (!vid || !broken_vid) {
		fprintf(stderr, "import did not add the videos:\n%s\n", import_out);
		return -1;
	}
	snprintf(name, sizeof(name), "frames%d", (int)getpid());
	client = t_user_signed_in(name, PASSWORD, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_free(client);
	free(import_out);
	free(vid);
	free(broken_vid);
	return t_db_teardown(state);
}

static void import_makes_pictures(void **state)
{
	char *times, *path;

	(void)state;
	times = t_db_value(t_dbc, "SELECT frame_times_ms::text FROM videos WHERE id = $1", 1,
			   (const char *[]){ vid });
	assert_non_null(times);
	/* the poster at the sidecar's moment, then the middles of 8 half-second slices */
	assert_string_equal(times, "{2600,250,750,1250,1750,2250,2750,3250,3750}");
	free(times);
	for (int n = 0; n < 9; n++) {
		path = t_printf("%s/%s/%d.jpg", t_env("LF_FRAMES"), vid, n);
		assert_int_equal(access(path, R_OK), 0);
		free(path);
	}
	/* the broken file: no pictures, and said so (it did not even probe) */
	t_contains(import_out, "broken.mp4");
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM videos WHERE id = $1 AND frame_times_ms IS NULL",
				  1, (const char *[]){ broken_vid }), 1);
	/* the hollow one probes, but has no picture to decode: a warning in
	 * words, the reason on the row, no pictures, and the import goes on */
	{
		char *line = t_printf("warning   %s/hollow.mp4: no preview pictures: ", dir);
		t_contains(import_out, line);
		free(line);
		path = t_printf("%s/hollow.mp4", dir);
		assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM videos WHERE path = $1 AND frame_times_ms IS NULL"
					  " AND frames_error <> '' AND probe_error IS NULL", 1, (const char *[]){ path }), 1);
		free(path);
	}

	/* an unchanged file is not decoded again; the pictures stay */
	{
		char *out = NULL;
		char *before = t_db_value(t_dbc, "SELECT frames_source FROM videos WHERE id = $1", 1,
					  (const char *[]){ vid });
		assert_int_equal(t_sh_output(&out, "'%s/langflix' -c '%s' import '%s/%s'", t_env("LF_BIN"),
					     t_env("LF_CONFIG"), t_env("LF_MEDIA"), dir), 0);
		t_contains(out, "unchanged");
		t_lacks(out, "no preview pictures");
		char *after = t_db_value(t_dbc, "SELECT frames_source FROM videos WHERE id = $1", 1,
					 (const char *[]){ vid });
		assert_string_equal(before, after);
		free(before);
		free(after);
		free(out);
	}
}

static void pictures_served_with_cache_headers(void **state)
{
	struct tresp r, r2;
	char *path;
	const char *etag, *cc;
	static const char *h[2];
	char inm[200];

	(void)state;
	path = t_printf("/videos/%s/frames/0?v=1", vid);
	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(tresp_header(&r, "Content-Type"), "image/jpeg");
	assert_true(r.body.len > 1000);
	assert_true((unsigned char)r.body.data[0] == 0xff && (unsigned char)r.body.data[1] == 0xd8);
	cc = tresp_header(&r, "Cache-Control");
	assert_non_null(cc);
	t_contains(cc, "private");
	t_contains(cc, "max-age=");
	t_lacks(r.headers.data, "no-store");
	assert_non_null(tresp_header(&r, "Last-Modified"));
	etag = tresp_header(&r, "ETag");
	assert_non_null(etag);
	t_contains(tresp_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_null(tresp_header(&r, "X-Accel-Redirect"));

	/* revalidation: the same check, then nginx's 304 */
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	h[0] = inm;
	h[1] = NULL;
	assert_int_equal(tc_request(client, "GET", path, h, NULL, 0, &r2), 0);
	assert_int_equal(r2.status, 304);
	tresp_free(&r2);
	tresp_free(&r);
	free(path);

	/* the last picture of the strip too */
	path = t_printf("/videos/%s/frames/8", vid);
	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	free(path);
}

static void pictures_need_sign_in_and_exist(void **state)
{
	struct tclient *anon = tc_new();
	struct tresp r;
	char *path, *moved;

	(void)state;
	path = t_printf("/videos/%s/frames/0", vid);
	assert_int_equal(tc_get(anon, path, &r), 0);
	assert_int_equal(r.status, 303);
	t_contains(tresp_header(&r, "Location"), "/login");
	t_lacks(tresp_header(&r, "Content-Type") ? tresp_header(&r, "Content-Type") : "", "image/jpeg");
	tresp_free(&r);
	free(path);

	/* nginx's internal location is not reachable from outside */
	path = t_printf("/_frames/%s/0.jpg", vid);
	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	free(path);
	assert_int_equal(tc_get(anon, "/_frames/1/0.jpg", &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);

	/* pictures that are not there: past the strip, not a number, a video
	 * without pictures, a video that does not exist, a deleted file */
	{
		const char *missing[] = { "/videos/%s/frames/9", "/videos/%s/frames/-1", "/videos/%s/frames/x",
					  "/videos/%s/frames/01x" };
		for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
			path = t_printf(missing[i], vid);
			assert_int_equal(tc_get(client, path, &r), 0);
			if (r.status != 404)
				fail_msg("%s answered %ld", path, r.status);
			tresp_free(&r);
			free(path);
		}
	}
	path = t_printf("/videos/%s/frames/0", broken_vid);
	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 404);
	t_contains(tresp_header(&r, "Cache-Control"), "no-store");
	tresp_free(&r);
	free(path);
	assert_int_equal(tc_get(client, "/videos/999999999/frames/0", &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	path = t_printf("%s/%s/5.jpg", t_env("LF_FRAMES"), vid);
	moved = t_printf("%s.moved", path);
	assert_int_equal(rename(path, moved), 0);
	free(path);
	path = t_printf("/videos/%s/frames/5", vid);
	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	free(path);
	path = t_printf("%s/%s/5.jpg", t_env("LF_FRAMES"), vid);
	assert_int_equal(rename(moved, path), 0);
	free(path);
	free(moved);
	tc_free(anon);
}

/* The library's cards: a poster picture (lazy, sized, described) and a
 * "Play preview" link; no <video> element loads anything with the page. */
static void dashboard_shows_posters(void **state)
{
	struct tresp r;
	char *q, *img;
	const char *p, *e;

	(void)state;
	q = t_printf("/?q=%s", dir);
	assert_int_equal(tc_get(client, q, &r), 0);
	assert_int_equal(r.status, 200);
	t_lacks(r.body.data, "<video");
	t_lacks(r.body.data, "preload");
	img = t_printf("<img class=\"poster\" id=\"poster-%s\" src=\"/videos/%s/frames/0?v&#61;", vid, vid);
	p = strstr(r.body.data, img);
	if (!p) {
		FILE *f = fopen("/tmp/lf-frames-dashboard.html", "w");
		if (f) {
			fputs(r.body.data, f);
			fclose(f);
		}
		fail_msg("no %s in the page (saved in /tmp/lf-frames-dashboard.html)", img);
	}
	e = strchr(p, '>');
	assert_non_null(e);
	{
		char *tag = strndup(p, (size_t)(e - p));
		t_contains(tag, "loading=\"lazy\"");
		t_contains(tag, "width=\"320\"");
		t_contains(tag, "height=\"568\"");
		t_contains(tag, "alt=\"A frame of Frames clip\"");
		free(tag);
	}
	free(img);
	img = t_printf("<a class=\"play-preview\" href=\"/videos/%s/file\" data-poster=\"poster-%s\">Play preview</a>",
		       vid, vid);
	t_contains(r.body.data, img);
	free(img);
	/* a video without a title is named by its path, not the page's title */
	t_lacks(r.body.data, "<h2 class=\"title\">Library</h2>");
	/* the broken file has no picture: said in words, still a preview link */
	img = t_printf("<div class=\"nofile\" id=\"poster-%s\">No picture yet</div>", broken_vid);
	t_contains(r.body.data, img);
	free(img);
	t_contains(r.body.data, "<script src=\"/static/preview.js\" defer></script>");
	tresp_free(&r);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(import_makes_pictures),
		cmocka_unit_test(pictures_served_with_cache_headers),
		cmocka_unit_test(pictures_need_sign_in_and_exist),
		cmocka_unit_test(dashboard_shows_posters),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
