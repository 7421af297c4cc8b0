/* Integration tests of the dashboard's page cache (cgi-bin/page_cache.c,
 * sql/051): a page asked for again is served from the cache, byte for byte
 * what a render gives (with its own request id); whatever changes what the
 * page shows — a new video, a new job, another user's post, an account, a
 * logout, the clock reaching a re-consent date — shows on the very next
 * request; users never get each other's pages; page_cache_entries = 0
 * turns it off. Jobs are made through lib/jobs.c (t_job). */
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

static int seq;

struct user {
	char name[64];
	long long id;
	struct tclient *c;
};

static void user_new(struct user *u, PGconn *db)
{
	char *id;

	snprintf(u->name, sizeof(u->name), "pc%d_%d", (int)getpid(), ++seq);
	assert_int_equal(t_user_add(u->name, PASSWORD), 0);
	id = t_db_value(db, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ u->name });
	assert_non_null(id);
	u->id = atoll(id);
	free(id);
	u->c = tc_new();
	assert_int_equal(t_login(u->c, u->name, PASSWORD, NULL), 303);
}

static void user_free(struct user *u)
{
	tc_free(u->c);
}

/* A video whose title carries term (the tests search for their own term,
 * so other tests' videos stay off their pages); its id. */
static long long video_new(PGconn *db, const char *term, const char *what)
{
	char *path = t_printf("pc/%s-%s-%d.mp4", term, what, ++seq);
	char *title = t_printf("Clip %s %s", term, what);
	char *id = t_db_value(db,
			      "INSERT INTO videos (path, size_bytes, mtime, duration_ms, width, height, fps,"
			      " video_codec, container, title, ready) "
			      "VALUES ($1, 1000, 1700000000, 5000, 720, 1280, 30, 'h264', 'mp4', $2, true) "
			      "RETURNING id", 2, (const char *[]){ path, title });
	long long v;

	assert_non_null(id);
	v = atoll(id);
	free(id);
	free(path);
	free(title);
	return v;
}

static void sql(PGconn *db, const char *q, int n, const char *const *params)
{
	PGresult *r = PQexecParams(db, q, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(db));
	PQclear(r);
}

/* GET path as u: status 200 and the cache's word (hit, miss, or NULL when
 * the answer names none) into *cache (malloc'd). */
static void page(struct user *u, const char *path, struct tresp *r, char **cache)
{
	const char *h;

	assert_int_equal(tc_get(u->c, path, r), 0);
	assert_int_equal(r->status, 200);
	h = tresp_header(r, "X-Page-Cache");
	*cache = h ? strdup(h) : NULL;
}

static void expect(struct user *u, const char *path, const char *want, struct tresp *r)
{
	char *cache;

	page(u, path, r, &cache);
	if (!want)
		assert_null(cache);
	else {
		assert_non_null(cache);
		assert_string_equal(cache, want);
	}
	free(cache);
}

/* The request id the page's footer names (malloc'd). */
static char *footer_id(const char *html)
{
	const char *p = strstr(html, "LangFlix Publisher · request ");

	assert_non_null(p);
	p += strlen("LangFlix Publisher · request ");
	return strndup(p, strspn(p, "0123456789abcdef"));
}

/* body with every from replaced by to (malloc'd) */
static char *replaced(const char *body, const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	const char *p;

	while ((p = strstr(body, from))) {
		buf_append(&b, body, (size_t)(p - body));
		buf_puts(&b, to);
		body = p + strlen(from);
	}
	buf_puts(&b, body);
	return buf_detach(&b);
}

static void second_request_is_a_byte_identical_hit(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp a, b;
	char *path, *ida, *idb, *want;

	(void)state;
	user_new(&u, db);
	video_new(db, "pcsame", "one");
	path = t_printf("/?q=pcsame");
	expect(&u, path, "miss", &a);
	t_contains(a.body.data, "Clip pcsame one");
	expect(&u, path, "hit", &b);
	/* the same page, naming its own request */
	ida = footer_id(a.body.data);
	idb = footer_id(b.body.data);
	assert_int_equal(strlen(ida), 16);
	assert_string_not_equal(ida, idb);
	want = replaced(a.body.data, ida, idb);
	assert_int_equal(b.body.len, strlen(want));
	assert_memory_equal(b.body.data, want, b.body.len);
	assert_string_equal(tresp_header(&b, "Content-Type"), tresp_header(&a, "Content-Type"));
	assert_string_equal(tresp_header(&b, "Cache-Control"), "no-store");
	/* another address is another page */
	tresp_free(&b);
	expect(&u, "/?q=pcsame&filter=ready", "miss", &b);
	free(want);
	free(ida);
	free(idb);
	free(path);
	tresp_free(&a);
	tresp_free(&b);
	user_free(&u);
	PQfinish(db);
}

/* Prime the cache (a miss then a hit), so the next request shows whether
 * the change in between was seen. */
static void primed(struct user *u, const char *path)
{
	struct tresp r;
	char *cache;

	page(u, path, &r, &cache);
	free(cache);
	tresp_free(&r);
	expect(u, path, "hit", &r);
	tresp_free(&r);
}

static void every_change_shows_on_the_next_request(void **state)
{
	PGconn *db = t_db();
	struct user u, other;
	struct tresp r;
	const char *path = "/?q=pcchange";
	long long v;
	char *uid, *acc;

	(void)state;
	user_new(&u, db);
	user_new(&other, db);
	uid = t_printf("%lld", u.id);

	/* a new video */
	video_new(db, "pcchange", "first");
	primed(&u, path);
	v = video_new(db, "pcchange", "second");
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "Clip pcchange second");
	tresp_free(&r);

	/* a video's shown column changes */
	primed(&u, path);
	{
		char *vid = t_printf("%lld", v);
		sql(db, "UPDATE videos SET title = 'Clip pcchange renamed' WHERE id = $1", 1,
		    (const char *[]){ vid });
		free(vid);
	}
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "Clip pcchange renamed");
	tresp_free(&r);

	/* a new job of the user's (through lib/jobs.c) */
	primed(&u, path);
	t_job(&(struct job_fixture){ .user_id = u.id, .video_id = v, .state = "failed",
				     .fail_reason = "pcchange went wrong" });
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "pcchange went wrong");
	t_lacks(r.body.data, "also posted by another user");
	tresp_free(&r);

	/* another user posts the video: the mark shows on this user's page */
	primed(&u, path);
	t_job(&(struct job_fixture){ .user_id = other.id, .video_id = v, .state = "published",
				     .post_url = "https://www.tiktok.com/@pc/video/7300000000000000051" });
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "also posted by another user");
	t_lacks(r.body.data, "7300000000000000051");     /* theirs alone */
	tresp_free(&r);

	/* an account connected, then its state changes */
	primed(&u, path);
	acc = t_db_value(db, "INSERT INTO tiktok_accounts (user_id, open_id, display_name, scopes) "
			     "VALUES ($1, 'pc-open-id', 'PC Account', 'user.info.basic,video.publish,video.upload') "
			     "RETURNING id", 1, (const char *[]){ uid });
	assert_non_null(acc);
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "PC Account");
	t_lacks(r.body.data, "Needs reconnect");
	tresp_free(&r);
	primed(&u, path);
	sql(db, "UPDATE tiktok_accounts SET status = 'needs_reconnect' WHERE id = $1", 1,
	    (const char *[]){ acc });
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "Needs reconnect");
	tresp_free(&r);

	/* what the page does not show changes nothing: still a hit */
	primed(&u, path);
	sql(db, "UPDATE tiktok_accounts SET health_checked_at = now() WHERE id = $1", 1,
	    (const char *[]){ acc });
	sql(db, "UPDATE users SET time_zone_chosen = true WHERE id = $1", 1, (const char *[]){ uid });
	expect(&u, path, "hit", &r);
	tresp_free(&r);

	/* a re-consent date, then the user's zone: every time on the page */
	sql(db, "UPDATE tiktok_accounts SET refresh_expires_at = now() + interval '2 days' WHERE id = $1", 1,
	    (const char *[]){ acc });
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, " UTC. Connect the account again");
	tresp_free(&r);
	primed(&u, path);
	sql(db, "UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = $1", 1, (const char *[]){ uid });
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, " JST. Connect the account again");
	tresp_free(&r);

	/* a logout: the next request is signed out, not a kept page */
	primed(&u, path);
	{
		struct tresp p;
		char *csrf, *form;

		assert_int_equal(tc_get(u.c, path, &p), 0);
		csrf = tc_extract_csrf(p.body.data);
		tresp_free(&p);
		assert_non_null(csrf);
		form = t_printf("csrf=%s", csrf);
		assert_int_equal(tc_post_form(u.c, "/logout", form, &p), 0);
		assert_int_equal(p.status, 303);
		tresp_free(&p);
		assert_int_equal(tc_get(u.c, path, &p), 0);
		assert_int_equal(p.status, 303);
		assert_string_equal(tresp_header(&p, "Location"), "/login");
		assert_null(tresp_header(&p, "X-Page-Cache"));
		t_lacks(p.body.data, "Clip pcchange");
		tresp_free(&p);
		free(form);
		free(csrf);
	}
	free(acc);
	free(uid);
	user_free(&u);
	user_free(&other);
	PQfinish(db);
}

static void users_never_see_each_others_pages(void **state)
{
	PGconn *db = t_db();
	struct user a, b;
	struct tresp r;
	const char *path = "/?q=pctwo";
	char *who;

	(void)state;
	user_new(&a, db);
	user_new(&b, db);
	video_new(db, "pctwo", "shared");
	primed(&a, path);
	/* b's first view of the same address renders b's own page */
	expect(&b, path, "miss", &r);
	who = t_printf("Signed in as <strong>%s</strong>", b.name);
	t_contains(r.body.data, who);
	free(who);
	who = t_printf("<strong>%s</strong>", a.name);
	t_lacks(r.body.data, who);
	free(who);
	tresp_free(&r);
	/* and each one's hit is their own */
	expect(&b, path, "hit", &r);
	who = t_printf("<strong>%s</strong>", a.name);
	t_lacks(r.body.data, who);
	free(who);
	tresp_free(&r);
	expect(&a, path, "hit", &r);
	who = t_printf("Signed in as <strong>%s</strong>", a.name);
	t_contains(r.body.data, who);
	free(who);
	tresp_free(&r);
	/* another session of the same user is another cache entry */
	{
		struct user a2 = a;
		a2.c = tc_new();
		assert_int_equal(t_login(a2.c, a.name, PASSWORD, NULL), 303);
		expect(&a2, path, "miss", &r);
		tresp_free(&r);
		tc_free(a2.c);
	}
	user_free(&a);
	user_free(&b);
	PQfinish(db);
}

/* A re-consent banner appears by itself when its date comes near: the kept
 * page expires then, not at the next change. */
static void a_kept_page_expires_with_the_time_on_it(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp r;
	const char *path = "/?q=pcclock";
	char *uid, *acc, *banner;

	(void)state;
	user_new(&u, db);
	uid = t_printf("%lld", u.id);
	video_new(db, "pcclock", "one");
	/* the banner shows from 7 days before the end: 3 seconds from now */
	acc = t_db_value(db, "INSERT INTO tiktok_accounts (user_id, open_id, display_name, scopes, refresh_expires_at) "
			     "VALUES ($1, 'pc-clock', 'PC Clock', 'video.publish', now() + interval '7 days 3 seconds') "
			     "RETURNING id", 1, (const char *[]){ uid });
	assert_non_null(acc);
	banner = t_printf("id=\"reconsent-%s\"", acc);
	primed(&u, path);
	expect(&u, path, "hit", &r);
	t_lacks(r.body.data, banner);
	tresp_free(&r);
	sleep(4);
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, banner);
	tresp_free(&r);
	free(banner);
	free(acc);
	free(uid);
	user_free(&u);
	PQfinish(db);
}

static void cache_off_serves_every_page_fresh(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp r;
	const char *path = "/?q=pcoff";

	(void)state;
	assert_int_equal(t_app_restart("page_cache_entries = 0"), 0);
	user_new(&u, db);
	video_new(db, "pcoff", "first");
	expect(&u, path, NULL, &r);
	t_contains(r.body.data, "Clip pcoff first");
	tresp_free(&r);
	expect(&u, path, NULL, &r);
	t_contains(r.body.data, "Clip pcoff first");
	tresp_free(&r);
	video_new(db, "pcoff", "second");
	expect(&u, path, NULL, &r);
	t_contains(r.body.data, "Clip pcoff second");
	tresp_free(&r);
	user_free(&u);
	assert_int_equal(t_app_restart(NULL), 0);
	PQfinish(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(second_request_is_a_byte_identical_hit),
		cmocka_unit_test(every_change_shows_on_the_next_request),
		cmocka_unit_test(users_never_see_each_others_pages),
		cmocka_unit_test(a_kept_page_expires_with_the_time_on_it),
		cmocka_unit_test(cache_off_serves_every_page_fresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
