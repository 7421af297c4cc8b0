/* Integration tests of the dashboard's page cache (cgi-bin/page_cache.c,
 * sql/051): a page asked for again is served from the cache, byte for byte
 * what a render gives (with its own request id); whatever changes what the
 * page shows — a new video, a new job, another user's post, an account, a
 * logout, the clock reaching a re-consent date — shows on the very next
 * request; users never get each other's pages; page_cache_entries = 0
 * turns it off. The job page and its API (polled by every progress bar)
 * are kept the same way, while the job's version is the same: a change to
 * the job, a new event, a lease or a wait running out, the video, the
 * account, the zone, the job gone: each shows on the next poll. A kept
 * answer nothing changed is sent with no statement (heard: page_listen.c,
 * sql/055), and still never after a change committed before the request,
 * however late its notification, nor while the listener is away. Jobs are
 * made and changed through lib/jobs.c (t_job, t_job_set, jobs_event). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "jobs.h"
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

/* The cache's word is want; "kept" is either kind of hit: sent with no
 * statement (heard) or after its version was checked (hit). */
static int cache_says(const char *got, const char *want)
{
	if (!want || !got)
		return !want && !got;
	if (!strcmp(want, "kept"))
		return !strcmp(got, "hit") || !strcmp(got, "heard");
	return !strcmp(got, want);
}

static void expect(struct user *u, const char *path, const char *want, struct tresp *r)
{
	char *cache;

	page(u, path, r, &cache);
	if (!cache_says(cache, want))
		fail_msg("%s: X-Page-Cache %s, not %s", path, cache ? cache : "(none)", want ? want : "(none)");
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
	expect(&u, path, "kept", &b);
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

/* Ask until the page is sent with no statement (heard: page_listen.c), so
 * that the next request shows whether the change in between was heard.
 * Until the listener has applied every notification that came after a
 * render (someone else's, or the 50,000 of a test on a slow machine), the
 * cache rightly refuses to trust it and answers a checked hit; so ask for
 * up to five seconds, not a number of times. */
static void primed(struct user *u, const char *path)
{
	for (int i = 0; i < 250; i++) {
		struct tresp r;
		char *cache;
		int heard;

		page(u, path, &r, &cache);
		heard = cache && !strcmp(cache, "heard");
		free(cache);
		tresp_free(&r);
		if (heard)
			return;
		usleep(20000);
	}
	fail_msg("%s: never sent with no statement", path);
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

	/* what the page does not show changes nothing: still kept */
	primed(&u, path);
	sql(db, "UPDATE tiktok_accounts SET health_checked_at = now() WHERE id = $1", 1,
	    (const char *[]){ acc });
	sql(db, "UPDATE users SET time_zone_chosen = true WHERE id = $1", 1, (const char *[]){ uid });
	expect(&u, path, "kept", &r);
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

	/* a logout: the next request is signed out, not a kept page, even
	 * one that still carries the old cookie (a copy of it elsewhere) */
	primed(&u, path);
	{
		struct tresp p;
		char *csrf, *form, *old = tc_cookie(u.c, "lf_session"), *pair;
		struct tclient *copy = tc_new();

		assert_non_null(old);
		pair = t_printf("lf_session=%s", old);
		tc_set_cookie(copy, pair);
		assert_int_equal(tc_get(copy, path, &p), 0);
		assert_int_equal(p.status, 200);
		tresp_free(&p);
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
		assert_int_equal(tc_get(copy, path, &p), 0);
		assert_int_equal(p.status, 303);
		assert_null(tresp_header(&p, "X-Page-Cache"));
		t_lacks(p.body.data, "Clip pcchange");
		tresp_free(&p);
		tc_free(copy);
		free(pair);
		free(old);
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
	expect(&b, path, "kept", &r);
	who = t_printf("<strong>%s</strong>", a.name);
	t_lacks(r.body.data, who);
	free(who);
	tresp_free(&r);
	expect(&a, path, "kept", &r);
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
	expect(&u, path, "heard", &r);
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

/* ---- the job page and /api/jobs/{id} ---- */

/* GET path as u: want_status, and the cache's word as want (NULL: none). */
static void job_answer(struct user *u, const char *path, long want_status, const char *want, struct tresp *r)
{
	const char *h;

	assert_int_equal(tc_get(u->c, path, r), 0);
	if (r->status != want_status)
		fail_msg("%s: HTTP %ld, not %ld", path, r->status, want_status);
	h = tresp_header(r, "X-Page-Cache");
	if (!cache_says(h, want))
		fail_msg("%s: X-Page-Cache %s, not %s", path, h ? h : "(none)", want ? want : "(none)");
}

/* Poll both paths (primed), make the change, and expect a miss on each
 * whose answer then contains want (NULL: no check). */
struct job_paths {
	const char *api, *page;
};

static void changed(struct user *u, const struct job_paths *p, const char *api_says, const char *page_says)
{
	struct tresp r;

	job_answer(u, p->api, 200, "miss", &r);
	if (api_says)
		t_contains(r.body.data, api_says);
	tresp_free(&r);
	job_answer(u, p->page, 200, "miss", &r);
	if (page_says)
		t_contains(r.body.data, page_says);
	tresp_free(&r);
}

static void both_primed(struct user *u, const struct job_paths *p)
{
	primed(u, p->api);
	primed(u, p->page);
}

static void job_event(long long job, const char *kind, const char *message)
{
	if (jobs_event(t_jobs_db(), job, kind, message) < 0)
		fail_msg("jobs_event: %s", t_jobs_db()->err);
}

static void a_polled_job_is_a_byte_identical_hit(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp a, b;
	long long v, job;
	char *api, *page_path, *ida, *idb, *want;

	(void)state;
	user_new(&u, db);
	v = video_new(db, "pcjob", "same");
	job = t_job(&(struct job_fixture){ .user_id = u.id, .video_id = v, .state = "queued",
					   .run_in_sec = 3600, .bytes_total = 1000 });
	job_event(job, "queued", "pcjob waiting");
	api = t_printf("/api/jobs/%lld", job);
	page_path = t_printf("/jobs/%lld", job);
	job_answer(&u, api, 200, "miss", &a);
	job_answer(&u, api, 200, "kept", &b);
	assert_int_equal(a.body.len, b.body.len);
	assert_memory_equal(a.body.data, b.body.data, a.body.len);
	assert_string_equal(tresp_header(&b, "Content-Type"), tresp_header(&a, "Content-Type"));
	t_contains(tresp_header(&b, "Content-Type"), "application/json");
	tresp_free(&a);
	tresp_free(&b);
	/* the page: its own entry, naming its own request */
	job_answer(&u, page_path, 200, "miss", &a);
	job_answer(&u, page_path, 200, "kept", &b);
	ida = footer_id(a.body.data);
	idb = footer_id(b.body.data);
	assert_string_not_equal(ida, idb);
	want = replaced(a.body.data, ida, idb);
	assert_int_equal(b.body.len, strlen(want));
	assert_memory_equal(b.body.data, want, b.body.len);
	t_contains(tresp_header(&b, "Content-Type"), "text/html");
	free(want);
	free(ida);
	free(idb);
	tresp_free(&a);
	tresp_free(&b);
	free(api);
	free(page_path);
	user_free(&u);
	PQfinish(db);
}

static void every_change_to_a_job_shows_on_the_next_poll(void **state)
{
	PGconn *db = t_db();
	struct user u, other;
	struct tresp r;
	struct job_paths p;
	long long v, job;
	char *uid, *vid, *acc, *sub;

	(void)state;
	user_new(&u, db);
	user_new(&other, db);
	uid = t_printf("%lld", u.id);
	v = video_new(db, "pcjobs", "clip");
	vid = t_printf("%lld", v);
	sub = t_printf("pcjobchange-%d", (int)getpid());
	/* no account yet: the stack's worker checks accounts, and a change it
	 * made would bump the page generation and hide what the clock steps
	 * below test */
	job = t_job(&(struct job_fixture){ .user_id = u.id, .video_id = v, .submission_id = sub,
					   .state = "queued", .run_in_sec = 3600, .bytes_total = 1000 });
	p.api = t_printf("/api/jobs/%lld", job);
	p.page = t_printf("/jobs/%lld", job);

	/* a new event */
	both_primed(&u, &p);
	job_event(job, "queued", "pcjob first note");
	changed(&u, &p, "pcjob first note", "pcjob first note");

	/* the job's row (through lib/jobs.c) */
	both_primed(&u, &p);
	t_job_set(&(struct job_fixture){ .job_id = job, .state = "uploading", .locked_by = "pc-worker",
					 .lock_sec = 600 });
	changed(&u, &p, "\"state\":\"uploading\"", "Sent 0 bytes of 1 kB.");

	/* the worker's progress: a write that changes no state, no page of
	 * the library */
	both_primed(&u, &p);
	assert_int_equal(jobs_progress(&(struct job_claim){ .db = t_jobs_db(), .id = job,
							    .worker_id = "pc-worker", .lease_sec = 600 }, 600), 0);
	changed(&u, &p, "\"bytes_sent\":600", "Sent 600 bytes of 1 kB.");

	/* a worker's lease running out, with no write: Cancel comes back */
	t_job_set(&(struct job_fixture){ .job_id = job, .state = "queued", .locked_by = "pc-worker",
					 .lock_sec = 2 });
	changed(&u, &p, "\"can_cancel\":false", NULL);
	primed(&u, p.api);
	sleep(3);
	changed(&u, &p, "\"can_cancel\":true", "id=\"cancel-form\"");

	/* the time to run coming, with no write (held, so that the stack's
	 * worker leaves it alone once it is due) */
	t_job_set(&(struct job_fixture){ .job_id = job, .state = "queued", .run_in_sec = 2,
					 .move_run_at = 1, .locked_by = "pc-worker", .lock_sec = 600 });
	changed(&u, &p, "Waiting to try again at", "Waiting to try again at");
	both_primed(&u, &p);
	sleep(3);
	changed(&u, &p, "Waiting for its turn to upload.", "Waiting for its turn to upload.");

	/* the video, the zone, the account */
	both_primed(&u, &p);
	sql(db, "UPDATE videos SET title = 'Clip pcjobs renamed' WHERE id = $1", 1, (const char *[]){ vid });
	changed(&u, &p, NULL, "Clip pcjobs renamed");
	both_primed(&u, &p);
	sql(db, "UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = $1", 1, (const char *[]){ uid });
	changed(&u, &p, " JST", " JST");
	acc = t_db_value(db, "INSERT INTO tiktok_accounts (user_id, open_id, display_name, scopes) "
			     "VALUES ($1, 'pc-job-open-id', 'PC Job Account', 'video.publish,video.upload') "
			     "RETURNING id", 1, (const char *[]){ uid });
	assert_non_null(acc);
	{
		long long held = t_job(&(struct job_fixture){ .user_id = u.id, .video_id = v,
			.account_id = atoll(acc), .state = "uploading", .bytes_total = 1000,
			.locked_by = "pc-worker", .lock_sec = 600 });
		struct job_paths h = { t_printf("/api/jobs/%lld", held), t_printf("/jobs/%lld", held) };

		both_primed(&u, &h);
		sql(db, "UPDATE tiktok_accounts SET display_name = 'PC Job Renamed' WHERE id = $1", 1,
		    (const char *[]){ acc });
		changed(&u, &h, NULL, "PC Job Renamed");
		free((char *)h.api);
		free((char *)h.page);
	}

	/* another user never gets it, kept or not */
	job_answer(&other, p.api, 404, NULL, &r);
	t_lacks(r.body.data, "pcjob first note");
	tresp_free(&r);
	job_answer(&other, p.page, 404, NULL, &r);
	t_lacks(r.body.data, "pcjob first note");
	tresp_free(&r);

	/* the job gone: the 404 of a job that does not exist */
	both_primed(&u, &p);
	assert_int_equal(jobs_fixture_forget(t_jobs_db(), sub), 1);
	job_answer(&u, p.api, 404, NULL, &r);
	tresp_free(&r);
	job_answer(&u, p.page, 404, NULL, &r);
	t_lacks(r.body.data, "pcjob first note");
	tresp_free(&r);

	free((char *)p.api);
	free((char *)p.page);
	free(sub);
	free(acc);
	free(vid);
	free(uid);
	user_free(&u);
	user_free(&other);
	PQfinish(db);
}

/* A failed job's page says whether Retry is possible, which depends on
 * more than the job (the file, the other jobs): it is rendered every time.
 * Its API answer is kept. */
static void a_failed_jobs_page_is_never_kept(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp r;
	long long v, job;
	char *api, *page_path;

	(void)state;
	user_new(&u, db);
	v = video_new(db, "pcjobfail", "clip");
	job = t_job(&(struct job_fixture){ .user_id = u.id, .video_id = v, .state = "failed",
					   .bytes_total = 1000, .fail_reason = "pcjobfail reason" });
	api = t_printf("/api/jobs/%lld", job);
	page_path = t_printf("/jobs/%lld", job);
	for (int i = 0; i < 2; i++) {
		job_answer(&u, page_path, 200, NULL, &r);
		t_contains(r.body.data, "pcjobfail reason");
		tresp_free(&r);
	}
	job_answer(&u, api, 200, "miss", &r);
	tresp_free(&r);
	job_answer(&u, api, 200, "kept", &r);
	t_contains(r.body.data, "pcjobfail reason");
	tresp_free(&r);
	free(api);
	free(page_path);
	user_free(&u);
	PQfinish(db);
}

/* ---- answered with no statement (page_listen.c) ---- */

/* A change committed just before a request shows on it, however late its
 * notification arrives: a kept answer is sent only after a sync that the
 * notification precedes. Each round primes the page (heard), then commits
 * a change behind a long backlog of notifications for other users in the
 * same transaction (so that the app hears this one long after the commit)
 * and asks at once. */
static void a_change_committed_just_before_a_request_shows(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp r;
	const char *path = "/?q=pcrace";
	long long v;
	char *vid, *title;

	(void)state;
	user_new(&u, db);
	v = video_new(db, "pcrace", "clip");
	vid = t_printf("%lld", v);
	for (int i = 1; i <= 10; i++) {
		primed(&u, path);
		title = t_printf("Clip pcrace round %d", i);
		sql(db, "BEGIN", 0, NULL);
		sql(db, "SELECT count(pg_notify('lf_pages', 'u:' || (2000000000 + g))) "
			"FROM generate_series(1, 50000) g", 0, NULL);
		sql(db, "UPDATE videos SET title = $2 WHERE id = $1", 2, (const char *[]){ vid, title });
		sql(db, "COMMIT", 0, NULL);
		expect(&u, path, "miss", &r);
		t_contains(r.body.data, title);
		free(title);
		tresp_free(&r);
	}
	free(vid);
	user_free(&u);
	PQfinish(db);
}

/* The listening connection lost: a change made meanwhile was heard by
 * nobody, so nothing kept before is trusted again, and while it is away
 * every request checks its version in the database; once it is back,
 * answers are sent with no statement again. */
static void a_lost_listener_trusts_nothing_it_may_have_missed(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp r;
	const char *path = "/?q=pclost";
	long long v;
	char *vid, *ended;
	int back = 0;

	(void)state;
	user_new(&u, db);
	v = video_new(db, "pclost", "clip");
	vid = t_printf("%lld", v);
	primed(&u, path);
	ended = t_db_value(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
			       "WHERE application_name = 'langflix page_listen'", 0, NULL);
	assert_non_null(ended);
	assert_true(atoi(ended) >= 1);
	free(ended);
	sql(db, "UPDATE videos SET title = 'Clip pclost unheard' WHERE id = $1", 1, (const char *[]){ vid });
	/* the listener reconnects within its first backoff (100 ms) */
	usleep(1000000);
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "Clip pclost unheard");
	tresp_free(&r);
	for (int i = 0; i < 50 && !back; i++) {
		char *cache;
		page(&u, path, &r, &cache);
		t_contains(r.body.data, "Clip pclost unheard");
		back = cache && !strcmp(cache, "heard");
		free(cache);
		tresp_free(&r);
		if (!back)
			usleep(100000);
	}
	assert_true(back);
	sql(db, "UPDATE videos SET title = 'Clip pclost heard' WHERE id = $1", 1, (const char *[]){ vid });
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "Clip pclost heard");
	tresp_free(&r);
	free(vid);
	user_free(&u);
	PQfinish(db);
}

/* page_cache_listen = false: kept pages, each checked in the database. */
static void without_listening_every_hit_is_checked(void **state)
{
	PGconn *db = t_db();
	struct user u;
	struct tresp r;
	const char *path = "/?q=pcdeaf";

	(void)state;
	assert_int_equal(t_app_restart("page_cache_listen = false"), 0);
	user_new(&u, db);
	video_new(db, "pcdeaf", "first");
	expect(&u, path, "miss", &r);
	tresp_free(&r);
	for (int i = 0; i < 3; i++) {
		expect(&u, path, "hit", &r);
		tresp_free(&r);
	}
	video_new(db, "pcdeaf", "second");
	expect(&u, path, "miss", &r);
	t_contains(r.body.data, "Clip pcdeaf second");
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
		cmocka_unit_test(a_polled_job_is_a_byte_identical_hit),
		cmocka_unit_test(every_change_to_a_job_shows_on_the_next_poll),
		cmocka_unit_test(a_failed_jobs_page_is_never_kept),
		cmocka_unit_test(a_change_committed_just_before_a_request_shows),
		cmocka_unit_test(a_lost_listener_trusts_nothing_it_may_have_missed),
		cmocka_unit_test(without_listening_every_hit_is_checked),
		cmocka_unit_test(cache_off_serves_every_page_fresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
