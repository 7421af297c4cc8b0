/* Unit tests: the pure helpers of the library import (lib/library.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "library.h"

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
	assert_true(library_path_under("/srv/media", "/srv/media"));
	assert_true(library_path_under("/srv/media", "/srv/media/a/b.mp4"));
	assert_false(library_path_under("/srv/media", "/srv/mediaX/b.mp4"));
	assert_false(library_path_under("/srv/media", "/srv"));
	assert_false(library_path_under("/srv/media", "/etc/passwd"));
	assert_true(library_path_under("/", "/anything"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(video_names),
		cmocka_unit_test(paths_under_the_media_root),
	};
	return cmocka_run_group_tests_name("library", tests, NULL, NULL);
}
