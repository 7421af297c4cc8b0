/* `langflix import DIR` (lib/library.c, cli/cmd_import.c) against the
 * stack's database and media root: the report line of every kind of file
 * (ready, not ready, unreadable, sidecar problems, symlinks inside and
 * outside the root, names that are not UTF-8, hidden and non-video files),
 * the rows it writes, a second run that changes nothing, an edited sidecar,
 * a vanished file, and the folders and settings it refuses. */
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

#include "buf.h"

static char folder[64];      /* this run's folder under the media root */

/* A small test video of the given frame rate and seconds at FOLDER/name. */
static void make_video(const char *name, int fps, int seconds)
{
	assert_int_equal(t_sh("mkdir -p \"$(dirname '%s/%s/%s')\" && ffmpeg -loglevel error -y -f lavfi"
			      " -i testsrc2=size=360x640:rate=%d:duration=%d -pix_fmt yuv420p '%s/%s/%s'",
			      t_env("LF_MEDIA"), folder, name, fps, seconds, t_env("LF_MEDIA"), folder, name),
			 0);
}

static void write_file(const char *name, const char *text)
{
	char *path = t_printf("%s/%s/%s", t_env("LF_MEDIA"), folder, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Run `[ENV] langflix import ARG` with its standard output and error in
 * *out (the previous text freed); the exit status. */
static int import(char **out, const char *env, const char *arg)
{
	free(*out);
	return t_sh_output(out, "%s '%s/langflix' -c '%s' import '%s'", env ? env : "", t_env("LF_BIN"),
			   t_env("LF_CONFIG"), arg);
}

/* Fail unless out has the report line "VERB      FOLDER/REST" (the verb is
 * padded to 9 columns, as lib/library.c prints it). */
static void has_line(const char *out, const char *verb, const char *rest)
{
	char *line = t_printf("%-9s %s/%s", verb, folder, rest);
	const char *p = out;

	while ((p = strstr(p, line)) && p != out && p[-1] != '\n')
		p++;
	if (!p)
		fail_msg("no line \"%s\" in:\n%s", line, out);
	free(line);
}

static char *video_value(PGconn *db, const char *column, const char *name)
{
	char *sql = t_printf("SELECT %s FROM videos WHERE path = $1", column);
	char *path = t_printf("%s/%s", folder, name);
	char *v = t_db_value(db, sql, 1, (const char *[]){ path });

	free(sql);
	free(path);
	return v;
}

static void video_is(PGconn *db, const char *column, const char *name, const char *want)
{
	char *v = video_value(db, column, name);

	if (!v)
		fail_msg("no row for %s/%s", folder, name);
	if (strcmp(v, want) != 0)
		fail_msg("%s of %s/%s is \"%s\", not \"%s\"", column, folder, name, v, want);
	free(v);
}

static int setup(void **state)
{
	(void)state;
	snprintf(folder, sizeof(folder), "import-%d", (int)getpid());
	make_video("good.mp4", 30, 3);
	make_video("slow.mp4", 15, 1);             /* too slow, and short enough for a warning */
	make_video("deep/er/nested.mp4", 30, 3);
	write_file("good.mp4.meta.json",
		   "{\"title\": \"Break the ice\", \"expression\": \"break the ice\","
		   " \"catchy_keywords\": [\"ice\", \"talk\"], \"language\": \"en\"}");
	write_file("broken.mp4", "this is not a video\n");
	write_file("broken.meta.json", "{\"title\": ");                 /* invalid JSON */
	write_file("notes.txt", "not a video name: never looked at\n");
	write_file(".hidden.mp4", "a dot file: left out\n");
	assert_int_equal(t_sh("cd '%s/%s' && ln -s good.mp4 link.mp4 && ln -s /etc/hostname escape.mp4 &&"
			      " printf 'x' > \"$(printf 'bad\\377name.mp4')\"",
			      t_env("LF_MEDIA"), folder), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_sh("rm -rf '%s/%s'", t_env("LF_MEDIA"), folder);
	return 0;
}

static void first_import_reports_every_file(void **state)
{
	char *out = NULL;
	PGconn *db = t_db();
	char *v;

	(void)state;
	assert_int_equal(import(&out, NULL, folder), 0);
	has_line(out, "added", "good.mp4 (ready)");
	has_line(out, "added", "deep/er/nested.mp4 (ready)");
	has_line(out, "added", "slow.mp4 (not ready: ");
	t_contains(out, "fps");
	has_line(out, "added", "broken.mp4 (not ready: Could not read the video");
	has_line(out, "warning", "broken.mp4: sidecar ");
	has_line(out, "warning", "slow.mp4: Duration ");
	t_contains(out, "imported without metadata");
	has_line(out, "skipped", "escape.mp4: it leads outside the media root");
	has_line(out, "skipped", "bad?name.mp4: the file name is not valid UTF-8");
	/* a link to a file imported under its own name is not a second video */
	t_lacks(out, "link.mp4");
	t_lacks(out, "notes.txt");
	t_lacks(out, "hidden");
	t_contains(out, "import: 4 added, 0 updated, 0 unchanged, 2 skipped, 0 missing; "
			     "2 ready, 2 not ready, 2 warnings");

	video_is(db, "ready::text", "good.mp4", "true");
	video_is(db, "title", "good.mp4", "Break the ice");
	video_is(db, "array_to_string(keywords, ',')", "good.mp4", "ice,talk");
	video_is(db, "width || 'x' || height", "good.mp4", "360x640");
	video_is(db, "ready::text", "slow.mp4", "false");
	video_is(db, "ready::text", "broken.mp4", "false");
	/* a failed probe stores no measurements, only the reason */
	video_is(db, "(duration_ms IS NULL AND width IS NULL)::text", "broken.mp4", "true");
	v = video_value(db, "probe_error", "broken.mp4");
	assert_non_null(v);
	assert_true(v[0] != '\0');
	free(v);
	v = video_value(db, "title", "broken.mp4");
	assert_null(v);                /* the row exists (checked above), the title is NULL */
	assert_null(video_value(db, "id", "link.mp4"));
	assert_null(video_value(db, "id", "escape.mp4"));
	PQfinish(db);
	free(out);
}

static void second_import_changes_nothing(void **state)
{
	char *out = NULL;
	PGconn *db = t_db();
	char *before, *after;

	(void)state;
	before = video_value(db, "updated_at::text", "good.mp4");
	assert_int_equal(import(&out, NULL, folder), 0);
	has_line(out, "unchanged", "good.mp4 (ready)");
	has_line(out, "unchanged", "slow.mp4 (not ready)");
	has_line(out, "unchanged", "broken.mp4 (not ready)");
	t_contains(out, "import: 0 added, 0 updated, 4 unchanged, 2 skipped, 0 missing");
	after = video_value(db, "updated_at::text", "good.mp4");
	assert_non_null(before);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);
	PQfinish(db);
	free(out);
}

static void edited_sidecar_and_vanished_file_are_noticed(void **state)
{
	char *out = NULL;
	PGconn *db = t_db();

	(void)state;
	write_file("slow.mp4.meta.json", "{\"title\": \"Now with a title\", \"shape\": 3}");
	assert_int_equal(t_sh("rm '%s/%s/broken.mp4'", t_env("LF_MEDIA"), folder), 0);
	assert_int_equal(import(&out, NULL, folder), 0);
	has_line(out, "updated", "slow.mp4 (not ready: ");
	has_line(out, "missing", "broken.mp4");
	t_contains(out, "1 updated, 2 unchanged, 2 skipped, 1 missing");
	video_is(db, "title", "slow.mp4", "Now with a title");
	video_is(db, "missing::text", "broken.mp4", "true");
	video_is(db, "missing::text", "good.mp4", "false");
	PQfinish(db);
	free(out);
}

static void bad_folders_and_settings_are_refused(void **state)
{
	char *out = NULL;
	PGconn *db = t_db();
	long long before = t_db_num(db, "SELECT count(*) FROM videos", 0, NULL);
	char *missing_dir = t_printf("%s/%s/no-such-folder", t_env("LF_MEDIA"), folder);

	(void)state;
	assert_int_equal(import(&out, NULL, "/tmp"), 1);
	t_contains(out, "error: /tmp is outside the media root");
	assert_int_equal(import(&out, NULL, missing_dir), 1);
	t_contains(out, "is not a folder");
	assert_int_equal(import(&out, NULL, "-x"), 2);
	t_contains(out, "usage: langflix import DIR");
	assert_int_equal(import(&out, "LANGFLIX_DATABASE_URL='host=/nonexistent dbname=none'", folder), 1);
	t_contains(out, "the database did not answer, so nothing was imported");
	/* a folder name relative to the media root works from anywhere */
	assert_int_equal(t_sh("cd / && '%s/langflix' -c '%s' import '%s' >/dev/null", t_env("LF_BIN"),
			      t_env("LF_CONFIG"), folder), 0);
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM videos", 0, NULL), before);
	free(missing_dir);
	PQfinish(db);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* in this order: each run starts from what the one before left */
		cmocka_unit_test(first_import_reports_every_file),
		cmocka_unit_test(second_import_changes_nothing),
		cmocka_unit_test(edited_sidecar_and_vanished_file_are_noticed),
		cmocka_unit_test(bad_folders_and_settings_are_refused),
	};

	/* one folder of files for the whole group: ffmpeg is the slow part */
	return cmocka_run_group_tests(tests, setup, teardown);
}
