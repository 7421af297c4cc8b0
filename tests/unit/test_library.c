/* Unit tests: the pure helpers of the library import (lib/library.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "library.h"
#include "mediapath.h"

static void video_names(void **state)
{
	(void)state;
	assert_true(library_is_video_name("clip.mp4"));
	assert_true(library_is_video_name("CLIP.MP4"));
	assert_true(library_is_video_name("a.b.mov"));
	assert_true(library_is_video_name("x.webm"));
	assert_false(library_is_video_name("clip.mp4.meta.json"));
	assert_false(library_is_video_name("clip.avi"));
	assert_false(library_is_video_name("mp4"));
	assert_false(library_is_video_name(".mp4x"));
	assert_false(library_is_video_name(""));
}

static void paths_under_the_media_root(void **state)
{
	(void)state;
	assert_true(media_path_under("/srv/media", "/srv/media"));
	assert_true(media_path_under("/srv/media", "/srv/media/a/b.mp4"));
	assert_false(media_path_under("/srv/media", "/srv/mediaX/b.mp4"));
	assert_false(media_path_under("/srv/media", "/srv"));
	assert_false(media_path_under("/srv/media", "/etc/passwd"));
	assert_true(media_path_under("/", "/anything"));
}

static void resolving_stored_paths(void **state)
{
	char root[] = "/tmp/lfmediaXXXXXX", cmd[512], out[PATH_MAX], want[PATH_MAX + 16];

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/a && echo x > %s/a/clip.mp4 && ln -s /etc/passwd %s/out.mp4 &&"
		 " ln -s a/clip.mp4 %s/in.mp4", root, root, root, root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(media_resolve(root, "a/clip.mp4", out), 0);
	snprintf(want, sizeof(want), "%s/a/clip.mp4", root);
	assert_string_equal(out, want);
	assert_int_equal(media_resolve(root, "in.mp4", out), 0);      /* a link that stays inside */
	assert_string_equal(out, want);
	assert_int_equal(media_resolve(root, "out.mp4", out), -1);    /* a link out */
	assert_int_equal(media_resolve(root, "../../etc/passwd", out), -1);
	assert_int_equal(media_resolve(root, "/etc/passwd", out), -1);
	assert_int_equal(media_resolve(root, "a", out), -1);          /* a folder */
	assert_int_equal(media_resolve(root, "", out), -1);           /* the root itself */
	assert_int_equal(media_resolve(root, "a/missing.mp4", out), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(video_names),
		cmocka_unit_test(paths_under_the_media_root),
		cmocka_unit_test(resolving_stored_paths),
	};
	return cmocka_run_group_tests_name("library", tests, NULL, NULL);
}
