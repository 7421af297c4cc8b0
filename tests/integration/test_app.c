/* Integration tests of the web app through nginx, against the real
 * PostgreSQL of the test stack (tests/run.sh starts it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testlib.h"

#define PASSWORD "correct-horse-battery"

static int user_seq;

/* The Set-Cookie line (up to its end) that sets cookie `name`, or NULL. */
static const char *set_cookie_line(const struct tresp *r, const char *name)
{
	static char line[512];
	const char *p = r->headers.data ? r->headers.data : "";
	char pat[64];

	snprintf(pat, sizeof(pat), "%s=", name);
	while ((p = strcasestr(p, "\nSet-Cookie:"))) {
		const char *v = p + 12, *e;
		while (*v == ' ')
			v++;
		e = v + strcspn(v, "\r\n");
		if (!strncmp(v, pat, strlen(pat))) {
			snprintf(line, sizeof(line), "%.*s", (int)(e - v), v);
			return line;
		}
		p = e;
	}
	return NULL;
}

/* A fresh user per test, so throttling and sessions never interfere. */
static const char *new_user(char *name, size_t n)
{
	snprintf(name, n, "u%d_%d", (int)getpid(), ++user_seq);
	assert_int_equal(t_sh("printf '%%s\\n' '" PASSWORD "' | %s/langflix -c %s user add %s >/dev/null",
			      t_env("LF_BIN"), t_env("LF_CONFIG"), name), 0);
	return name;
}

static void get_ok(struct tclient *c, const char *path, struct tresp *r)
{
	assert_int_equal(tc_get(c, path, r), 0);
}

/* Log in through the form, as a browser does. */
static void login(struct tclient *c, const char *name)
{
	struct tresp r;
	char body[256], *csrf;

	get_ok(c, "/login", &r);
	assert_int_equal(r.status, 200);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	snprintf(body, sizeof(body), "csrf=%s&name=%s&password=" PASSWORD "&next=%%2F", csrf, name);
	tresp_free(&r);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(tresp_header(&r, "Location"), "/");
	free(csrf);
	tresp_free(&r);
}

static char *page_csrf(struct tclient *c, const char *path)
{
	struct tresp r;
	char *csrf;

	get_ok(c, path, &r);
	assert_int_equal(r.status, 200);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	return csrf;
}

static void security_headers_everywhere(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;

	(void)state;
	get_ok(c, "/login", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(tresp_header(&r, "Content-Security-Policy"), "frame-ancestors 'none'"));
	assert_string_equal(tresp_header(&r, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(tresp_header(&r, "X-Frame-Options"), "DENY");
	assert_non_null(tresp_header(&r, "Referrer-Policy"));
	tresp_free(&r);
	get_ok(c, "/no/such/page", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(tresp_header(&r, "X-Frame-Options"), "DENY");
	assert_non_null(strstr(r.body.data, "Page not found"));
	tresp_free(&r);
	tc_free(c);
}

static void not_found_and_method_not_allowed_differ(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;

	(void)state;
	assert_int_equal(tc_request(c, "DELETE", "/login", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 405);
	assert_non_null(strstr(tresp_header(&r, "Allow"), "GET"));
	assert_non_null(strstr(tresp_header(&r, "Allow"), "POST"));
	tresp_free(&r);
	assert_int_equal(tc_post_form(c, "/healthz", "x=1", &r), 0);
	assert_int_equal(r.status, 405);
	tresp_free(&r);
	get_ok(c, "/videos/abc/tiktokx", &r);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	tc_free(c);
}

static void anonymous_is_sent_to_login(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;

	(void)state;
	get_ok(c, "/", &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(tresp_header(&r, "Location"), "/login");
	tresp_free(&r);
	get_ok(c, "/videos/7/tiktok", &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(tresp_header(&r, "Location"), "/login?next=%2Fvideos%2F7%2Ftiktok");
	tresp_free(&r);
	tc_free(c);
}

static void login_success_sets_a_safe_cookie(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64], body[256], *csrf;
	const char *cookie;

	(void)state;
	new_user(name, sizeof(name));
	csrf = page_csrf(c, "/login");
	snprintf(body, sizeof(body), "csrf=%s&name=%s&password=" PASSWORD "&next=%%2Fvideos%%2F1%%2Ftiktok",
		 csrf, name);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(tresp_header(&r, "Location"), "/videos/1/tiktok");
	cookie = set_cookie_line(&r, "lf_session");
	assert_non_null(cookie);
	assert_non_null(strstr(cookie, "HttpOnly"));
	assert_non_null(strstr(cookie, "SameSite=Lax"));
	tresp_free(&r);
	get_ok(c, "/", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, name));
	tresp_free(&r);
	free(csrf);
	tc_free(c);
}

static void login_failure_and_open_redirect(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64], body[256], *csrf;

	(void)state;
	new_user(name, sizeof(name));
	csrf = page_csrf(c, "/login");
	snprintf(body, sizeof(body), "csrf=%s&name=%s&password=wrong-password", csrf, name);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body.data, "The user name or password is not correct."));
	{
		const char *sc = set_cookie_line(&r, "lf_session");
		assert_true(sc == NULL || strstr(sc, "Max-Age=0") != NULL);
	}
	tresp_free(&r);
	/* a next= pointing to another site lands on / instead */
	snprintf(body, sizeof(body), "csrf=%s&name=%s&password=" PASSWORD "&next=%%2F%%2Fevil.example%%2F",
		 csrf, name);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(tresp_header(&r, "Location"), "/");
	tresp_free(&r);
	free(csrf);
	tc_free(c);
}

static void csrf_is_refused(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64], body[256];

	(void)state;
	new_user(name, sizeof(name));
	/* login without the token, and with a forged one */
	snprintf(body, sizeof(body), "name=%s&password=" PASSWORD, name);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	snprintf(body, sizeof(body), "csrf=%064d&name=%s&password=" PASSWORD, 0, name);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	/* logged in: logout without the session's token changes nothing */
	login(c, name);
	assert_int_equal(tc_post_form(c, "/logout", "csrf=nope", &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	get_ok(c, "/", &r);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	tc_free(c);
}

static void logout_ends_the_session(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64], body[128], *csrf;

	(void)state;
	new_user(name, sizeof(name));
	login(c, name);
	csrf = page_csrf(c, "/");
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	assert_int_equal(tc_post_form(c, "/logout", body, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	get_ok(c, "/", &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(csrf);
	tc_free(c);
}

static void planted_session_cookie_is_not_adopted(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64];
	const char *planted = "lf_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

	(void)state;
	new_user(name, sizeof(name));
	tc_set_cookie(c, planted);
	login(c, name);
	get_ok(c, "/", &r);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	/* the planted value itself opens nothing */
	{
		struct tclient *attacker = tc_new();
		tc_set_cookie(attacker, planted);
		get_ok(attacker, "/", &r);
		assert_int_equal(r.status, 303);
		tresp_free(&r);
		tc_free(attacker);
	}
	tc_free(c);
}

static void oversized_body_is_413(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	size_t n = 1536 * 1024;
	char *big = malloc(n + 1);

	(void)state;
	memset(big, 'a', n);
	memcpy(big, "name=", 5);
	big[n] = '\0';
	assert_int_equal(tc_post_form(c, "/login", big, &r), 0);
	assert_int_equal(r.status, 413);
	tresp_free(&r);
	free(big);
	tc_free(c);
}

static void login_is_throttled(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64], body[256], *csrf;

	(void)state;
	new_user(name, sizeof(name));
	csrf = page_csrf(c, "/login");
	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "csrf=%s&name=%s&password=wrong-%d", csrf, name, i);
		assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
		assert_int_equal(r.status, 401);
		tresp_free(&r);
	}
	/* now even the right password is refused for a while */
	snprintf(body, sizeof(body), "csrf=%s&name=%s&password=" PASSWORD, csrf, name);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 429);
	assert_non_null(strstr(r.body.data, "Too many failed sign-in attempts"));
	tresp_free(&r);
	free(csrf);
	tc_free(c);
}

/* Make a short test video with ffmpeg and its LangFlix sidecar. */
static void make_video(const char *dir, const char *file, const char *size, int fps, const char *title)
{
	assert_int_equal(t_sh("mkdir -p %s/%s && ffmpeg -loglevel error -y -f lavfi -i "
			      "testsrc2=size=%s:rate=%d -t 1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "
			      "%s/%s/%s", t_env("LF_MEDIA"), dir, size, fps, t_env("LF_MEDIA"), dir, file), 0);
	if (title) {
		char path[1024];
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s/%s.meta.json", t_env("LF_MEDIA"), dir, file);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "{\"title\": \"%s\", \"title_translation\": \"Le titre\", \"expression\": "
			   "\"break the ice\", \"expression_translation\": \"romper el hielo\", "
			   "\"catchy_keywords\": [\"#english\", \"ice\"], \"language\": \"es\", "
			   "\"learn_language\": \"en\", \"show_name\": \"Suits\", \"episode\": \"S01E02\"}", title);
		fclose(f);
	}
}

static void dashboard_lists_imported_videos_escaped(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64];

	(void)state;
	make_video("dash", "good.mp4", "720x1280", 30, "<b>Tom & Jerry</b> \\\"quoted\\\"");
	make_video("dash", "slow.mp4", "720x1280", 15, "Slow clip");
	assert_int_equal(t_sh("%s/langflix -c %s import %s/dash >/dev/null", t_env("LF_BIN"),
			      t_env("LF_CONFIG"), t_env("LF_MEDIA")), 0);
	new_user(name, sizeof(name));
	login(c, name);
	get_ok(c, "/?q=Tom", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; &quot;quoted&quot;"));
	assert_null(strstr(r.body.data, "<b>Tom"));
	assert_non_null(strstr(r.body.data, "break the ice"));
	assert_non_null(strstr(r.body.data, "romper el hielo"));
	assert_non_null(strstr(r.body.data, "Ready for TikTok"));
	assert_non_null(strstr(r.body.data, "Upload to TikTok"));
	assert_null(strstr(r.body.data, "Slow clip"));
	tresp_free(&r);
	get_ok(c, "/?filter=not_ready&q=Slow", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "Slow clip"));
	assert_non_null(strstr(r.body.data, "Not ready"));
	assert_non_null(strstr(r.body.data, "fps"));
	/* not ready: why, and a quiet "Check again", no bright Upload button */
	assert_non_null(strstr(r.body.data, ">Check again</a>"));
	assert_null(strstr(r.body.data, "tiktok\">Upload to TikTok</a>"));
	assert_null(strstr(r.body.data, "button primary"));
	tresp_free(&r);
	get_ok(c, "/?filter=ready&q=Slow", &r);
	assert_null(strstr(r.body.data, "Slow clip"));
	assert_non_null(strstr(r.body.data, "No video matches"));
	tresp_free(&r);
	/* SQL wildcards in a search are literal */
	get_ok(c, "/?q=%25%27%3B--", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "No video matches"));
	tresp_free(&r);
	tc_free(c);
}

static void dashboard_shows_the_latest_job_state(void **state)
{
	struct tclient *c = tc_new();
	PGconn *db = t_db();
	struct tresp r;
	char name[64], other[64], link[64], *vid, *uid, *jid;

	(void)state;
	make_video("jobs", "posted.mp4", "720x1280", 30, "Posted clip zebra");
	assert_int_equal(t_sh("%s/langflix -c %s import %s/jobs >/dev/null", t_env("LF_BIN"),
			      t_env("LF_CONFIG"), t_env("LF_MEDIA")), 0);
	new_user(name, sizeof(name));
	vid = t_db_value(db, "SELECT id FROM videos WHERE path = 'jobs/posted.mp4'", 0, NULL);
	uid = t_db_value(db, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ name });
	assert_non_null(vid);
	/* an older failed job, then a newer published one: the newer one shows */
	t_job(&(struct job_fixture){ .user_id = atoll(uid), .video_id = atoll(vid), .state = "failed",
				     .fail_reason = "old failure" });
	{
		/* processing, then published (the dashboard follows the change) */
		long long j = t_job(&(struct job_fixture){ .user_id = atoll(uid), .video_id = atoll(vid),
							   .state = "processing" });
		t_job_set(&(struct job_fixture){ .job_id = j, .state = "published",
			  .post_url = "https://www.tiktok.com/@demo/video/7300000000000000001" });
		jid = t_printf("%lld", j);
	}
	snprintf(link, sizeof(link), "href=\"/jobs/%s\"", jid);
	login(c, name);
	get_ok(c, "/?filter=posted&q=zebra", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "Posted clip zebra"));
	assert_non_null(strstr(r.body.data, "https://www.tiktok.com/@demo/video/7300000000000000001"));
	assert_null(strstr(r.body.data, "old failure"));
	assert_non_null(strstr(r.body.data, link));          /* the owner gets the job page */
	/* posted: "Posted · view" to the post, "Post again" as the quiet one */
	assert_non_null(strstr(r.body.data, "href=\"https://www.tiktok.com/@demo/video/7300000000000000001\" "
			       "rel=\"noopener\">Posted · view</a>"));
	assert_non_null(strstr(r.body.data, "class=\"button\" href=\"/videos/"));
	assert_non_null(strstr(r.body.data, ">Post again</a>"));
	assert_null(strstr(r.body.data, "tiktok\">Upload to TikTok</a>"));
	tresp_free(&r);
	{
		/* another user sees the state, but no link to a page that is not theirs */
		struct tclient *o = tc_new();
		new_user(other, sizeof(other));
		login(o, other);
		get_ok(o, "/?filter=posted&q=zebra", &r);
		assert_non_null(strstr(r.body.data, "Posted clip zebra"));
		assert_null(strstr(r.body.data, link));
		tresp_free(&r);
		tc_free(o);
	}
	get_ok(c, "/?filter=failed&q=zebra", &r);
	assert_null(strstr(r.body.data, "Posted clip zebra"));
	tresp_free(&r);
	free(vid);
	free(uid);
	free(jid);
	PQfinish(db);
	tc_free(c);
}

static void video_file_is_served_by_nginx(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	PGconn *db = t_db();
	PGresult *q;
	char name[64], path[64];

	(void)state;
	make_video("file", "clip.mp4", "720x1280", 30, "File clip");
	assert_int_equal(t_sh("%s/langflix -c %s import %s/file >/dev/null", t_env("LF_BIN"),
			      t_env("LF_CONFIG"), t_env("LF_MEDIA")), 0);
	q = PQexec(db, "SELECT id, size_bytes FROM videos WHERE path = 'file/clip.mp4'");
	assert_int_equal(PQntuples(q), 1);
	new_user(name, sizeof(name));
	login(c, name);
	snprintf(path, sizeof(path), "/videos/%s/file", PQgetvalue(q, 0, 0));
	get_ok(c, path, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(tresp_header(&r, "Content-Type"), "video/mp4");
	assert_int_equal((long long)r.body.len, atoll(PQgetvalue(q, 0, 1)));
	assert_null(tresp_header(&r, "X-Accel-Redirect"));
	tresp_free(&r);
	/* the internal location is not reachable from outside */
	get_ok(c, "/_media/file/clip.mp4", &r);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	get_ok(c, "/videos/999999999/file", &r);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	PQclear(q);
	PQfinish(db);
	tc_free(c);
}

static void database_down_gives_503_then_recovers(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char name[64];
	int ok = 0;

	(void)state;
	new_user(name, sizeof(name));
	login(c, name);
	assert_int_equal(t_sh("%s pg-stop >/dev/null 2>&1", t_env("LF_STACK")), 0);
	get_ok(c, "/", &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body.data, "database is not reachable"));
	tresp_free(&r);
	get_ok(c, "/healthz", &r);
	assert_int_equal(r.status, 503);
	tresp_free(&r);
	assert_int_equal(t_sh("%s pg-start >/dev/null 2>&1", t_env("LF_STACK")), 0);
	for (int i = 0; i < 50 && !ok; i++) {
		get_ok(c, "/", &r);
		ok = r.status == 200;
		tresp_free(&r);
		if (!ok)
			usleep(200 * 1000);
	}
	assert_true(ok);
	get_ok(c, "/healthz", &r);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	tc_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(security_headers_everywhere),
		cmocka_unit_test(not_found_and_method_not_allowed_differ),
		cmocka_unit_test(anonymous_is_sent_to_login),
		cmocka_unit_test(login_success_sets_a_safe_cookie),
		cmocka_unit_test(login_failure_and_open_redirect),
		cmocka_unit_test(csrf_is_refused),
		cmocka_unit_test(logout_ends_the_session),
		cmocka_unit_test(planted_session_cookie_is_not_adopted),
		cmocka_unit_test(oversized_body_is_413),
		cmocka_unit_test(login_is_throttled),
		cmocka_unit_test(dashboard_lists_imported_videos_escaped),
		cmocka_unit_test(dashboard_shows_the_latest_job_state),
		cmocka_unit_test(video_file_is_served_by_nginx),
		cmocka_unit_test(database_down_gives_503_then_recovers),
	};
	return cmocka_run_group_tests_name("app", tests, NULL, NULL);
}
