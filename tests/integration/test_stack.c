/* The stack itself: nginx serves static files with caching and security
 * headers, keeps the media location internal, hides its version; the
 * stack's PostgreSQL answers and can be stopped and started again; an app
 * that stopped or was killed is restarted by its supervisor; the committed nginx.conf.example
 * matches its templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

/* The first regular file in static/, read from disk (name and content). */
static int first_static_file(char *name, size_t n, struct buf *content)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	struct dirent *e;
	struct stat st;
	DIR *d;
	FILE *f;
	int found = 0;

	buf_printf(&dir, "%s/static", t_env("LF_ROOT"));
	d = opendir(dir.data);
	assert_non_null(d);
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir.data, e->d_name);
		if (stat(path.data, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
			found = 1;
	}
	closedir(d);
	if (found) {
		char chunk[4096];
		size_t got;
		snprintf(name, n, "%s", strrchr(path.data, '/') + 1);
		f = fopen(path.data, "rb");
		assert_non_null(f);
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(content, chunk, got);
		fclose(f);
	}
	buf_free(&dir);
	buf_free(&path);
	return found ? 0 : -1;
}

static void static_files_come_from_nginx_with_headers(void **state)
{
	struct tclient *c = tc_new();
	struct buf want = BUF_INIT;
	struct tresp r;
	char name[256], path[300];
	const char *cc;

	(void)state;
	if (first_static_file(name, sizeof(name), &want) < 0) {
		tc_free(c);
		skip();   /* static/ is empty: nothing to serve yet */
	}
	snprintf(path, sizeof(path), "/static/%s", name);
	assert_int_equal(tc_get(c, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.data, want.len);
	cc = tresp_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_non_null(strstr(cc, "max-age="));
	assert_non_null(tresp_header(&r, "Expires"));
	assert_string_equal(tresp_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_non_null(tresp_header(&r, "Referrer-Policy"));
	/* nginx's version stays private (server_tokens off) */
	assert_string_equal(tresp_header(&r, "Server"), "nginx");
	tresp_free(&r);

	/* Byte ranges work on static files too. */
	{
		static const char *const range[] = { "Range: bytes=0-0", NULL };
		assert_int_equal(tc_request(c, "GET", path, range, NULL, 0, &r), 0);
		assert_int_equal(r.status, 206);
		assert_int_equal(r.body.len, 1);
		tresp_free(&r);
	}

	/* A missing static file is nginx's 404, not the app's page. */
	assert_int_equal(tc_get(c, "/static/no-such-file.css", &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(tresp_header(&r, "X-Content-Type-Options"), "nosniff");
	tresp_free(&r);
	buf_free(&want);
	tc_free(c);
}

static void media_location_is_internal(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	const char *media = t_env("LF_MEDIA");

	(void)state;
	/* A real file in the media root, so a 404 means "internal", not "missing". */
	assert_int_equal(t_sh("mkdir -p '%s/stacktest' && printf 'secret clip' > '%s/stacktest/probe.mp4'",
			      media, media), 0);
	assert_int_equal(tc_get(c, "/_media/stacktest/probe.mp4", &r), 0);
	assert_int_equal(r.status, 404);
	assert_null(strstr(r.body.data, "secret clip"));
	tresp_free(&r);
	/* Encoded or dotted variants do not get around it either. */
	assert_int_equal(tc_get(c, "/%5Fmedia/stacktest/probe.mp4", &r), 0);
	assert_null(strstr(r.body.data, "secret clip"));
	tresp_free(&r);
	assert_int_equal(tc_get(c, "/static/../_media/stacktest/probe.mp4", &r), 0);
	assert_null(strstr(r.body.data, "secret clip"));
	tresp_free(&r);
	assert_int_equal(tc_get(c, "/static/..%2f_media/stacktest/probe.mp4", &r), 0);
	assert_null(strstr(r.body.data, "secret clip"));
	tresp_free(&r);
	assert_int_equal(t_sh("rm -rf '%s/stacktest'", media), 0);
	tc_free(c);
}

static void oversized_body_is_refused_by_nginx(void **state)
{
	struct tclient *c = tc_new();
	static const char *const form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	size_t len = 3u << 20;   /* over nginx's client_max_body_size 2m */
	char *body = malloc(len);
	struct tresp r;

	(void)state;
	assert_non_null(body);
	memset(body, 'a', len);
	assert_int_equal(tc_request(c, "POST", "/login", form, body, len, &r), 0);
	assert_int_equal(r.status, 413);
	tresp_free(&r);
	free(body);
	tc_free(c);
}

static void database_answers(void **state)
{
	PGconn *db = t_db();
	char *v;

	(void)state;
	v = t_db_value(db, "SELECT 1 + 1", 0, NULL);
	assert_non_null(v);
	assert_string_equal(v, "2");
	free(v);
	/* the migrations ran: the schema_migrations table has rows */
	v = t_db_value(db, "SELECT count(*) > 0 FROM schema_migrations", 0, NULL);
	assert_non_null(v);
	assert_string_equal(v, "t");
	free(v);
	PQfinish(db);
}

static int can_connect(void)
{
	PGconn *db = PQconnectdb(t_env("LF_DB_URL"));
	int ok = PQstatus(db) == CONNECTION_OK;

	PQfinish(db);
	return ok;
}

static void pg_stop_and_start(void **state)
{
	(void)state;
	assert_true(can_connect());
	assert_int_equal(t_sh("'%s' pg-stop >/dev/null", t_env("LF_STACK")), 0);
	assert_false(can_connect());
	/* stopping twice is harmless */
	assert_int_equal(t_sh("'%s' pg-stop >/dev/null", t_env("LF_STACK")), 0);
	assert_int_equal(t_sh("'%s' pg-start >/dev/null", t_env("LF_STACK")), 0);
	assert_true(can_connect());
}

static long read_pid(const char *name)
{
	struct buf path = BUF_INIT;
	long pid = 0;
	FILE *f;

	buf_printf(&path, "%s/run/%s.pid", t_env("LF_VAR"), name);
	f = fopen(path.data, "r");
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	buf_free(&path);
	return pid;
}

/* The app's pid once the supervisor has started a process other than
 * old_pid and the site answers through it again; 0 when that took too long. */
static long restarted_app(long old_pid)
{
	long pid = 0;

	for (int i = 0; i < 100; i++) {
		pid = read_pid("app");
		if (pid > 0 && pid != old_pid)
			break;
		usleep(100 * 1000);
	}
	if (pid <= 0 || pid == old_pid || t_wait_http("/login", 200, 20000) != 0)
		return 0;
	return pid;
}

/* The supervisor brings the app back when it ends by itself (SIGTERM, a
 * clean exit) and when it is killed (SIGKILL, as a crash or the OOM killer
 * would). The clean stop comes first on purpose: a SIGKILLed process never
 * runs its exit handlers, so killing the process that served every earlier
 * test would throw away its coverage counters (make coverage); the process
 * killed here has served only this test's few requests. */
static void stopped_or_killed_app_is_restarted(void **state)
{
	long first, second, third;

	(void)state;
	/* the site answers, so an app process is up (not between restarts) */
	assert_int_equal(t_wait_http("/login", 200, 20000), 0);
	first = read_pid("app");
	assert_true(first > 0);
	assert_int_equal(t_sh("kill -TERM %ld", first), 0);
	second = restarted_app(first);
	assert_true(second > 0);
	assert_int_equal(t_sh("grep -q 'app exited (status 0); restarting' '%s/log/stack.log'",
			      t_env("LF_VAR")), 0);
	assert_int_equal(t_sh("kill -KILL %ld", second), 0);
	third = restarted_app(second);
	assert_true(third > 0);
	assert_int_equal(t_sh("grep -q 'app exited (status 137); restarting' '%s/log/stack.log'",
			      t_env("LF_VAR")), 0);
}

static void nginx_example_matches_its_templates(void **state)
{
	(void)state;
	assert_int_equal(t_sh("'%s' example --check >/dev/null", t_env("LF_STACK")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(static_files_come_from_nginx_with_headers),
		cmocka_unit_test(media_location_is_internal),
		cmocka_unit_test(oversized_body_is_refused_by_nginx),
		cmocka_unit_test(database_answers),
		cmocka_unit_test(pg_stop_and_start),
		cmocka_unit_test(stopped_or_killed_app_is_restarted),
		cmocka_unit_test(nginx_example_matches_its_templates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
