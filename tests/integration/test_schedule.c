/* Integration tests: the publishing plan's single posts (issue 11, plan-a):
 * the user's time zone, scheduled posts (run_at), moving, editing and
 * cancelling them until they start, the duplicate guard, and the schedule
 * page and its JSON, on the real stack (nginx, app, worker, PostgreSQL,
 * the TikTok emulator). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "worker_test.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "library.h"
#include "util.h"

/* Our own creator in the emulator: a daily cap no run reaches (the
 * stack's worker posts what these tests schedule). */
#define SCHED_OPEN_ID "5c4ed01e-0000-4000-8000-00000000a001"
#define SCHED_PROFILE \
	"{\"open_id\":\"" SCHED_OPEN_ID "\",\"username\":\"schedule.public\"," \
	"\"display_name\":\"Sam (schedule)\",\"private\":false,\"max_video_post_duration_sec\":600," \
	"\"daily_post_cap\":100000}"

#define PASSWORD "schedule-test-password"

static int seq;

/* A dashboard user, signed in (with the browser's zone when tz != NULL),
 * with a connected TikTok account after actor_connect. */
struct actor {
	char name[64];
	char id[24];
	struct tclient *c;
	struct tconn acc;
	char account[24];
};

static void actor_new(struct actor *a, const char *browser_tz)
{
	char *id, *extra = NULL;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "sched%d_%d", (int)getpid(), ++seq);
	assert_int_equal(t_user_add(a->name, PASSWORD), 0);
	id = t_db_value(t_dbc, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ a->name });
	assert_non_null(id);
	snprintf(a->id, sizeof(a->id), "%s", id);
	free(id);
	a->c = tc_new();
	if (browser_tz)
		extra = t_printf("browser_tz=%s", browser_tz);
	assert_int_equal(t_login(a->c, a->name, PASSWORD, extra), 303);
	free(extra);
}

static void actor_free(struct actor *a)
{
	tc_free(a->c);
}

static void actor_connect(struct actor *a)
{
	tconn_connect_user(atoll(a->id), SCHED_OPEN_ID, WT_SCOPES, &a->acc);
	snprintf(a->account, sizeof(a->account), "%lld", a->acc.account_id);
}

/* A ready video with a real file (10 s long, 4096 random bytes); its
 * SHA-256 into sha when not NULL. */
static long long clip_new_sha(char sha[65])
{
	char rel[128];

	wt_file(4096, rel, sizeof(rel));
	if (sha)
		wt_sha256(rel, sha);
	return wt_video(t_dbc, rel, 4096, 10000);
}

static long long clip_new(void)
{
	return clip_new_sha(NULL);
}

/* Posts the emulator holds whose content has this SHA-256. */
static int emu_posts_of(const char *sha)
{
	struct emu_ctx e = { .c = tc_new_base(t_env("LF_EMU_URL")) };
	struct json_object *st = emu_state(&e), *posts = emu_get(st, "posts");
	int n = 0;

	for (size_t i = 0; posts && i < json_object_array_length(posts); i++)
		if (!strcmp(emu_str(json_object_array_get_idx(posts, i), "sha256"), sha))
			n++;
	json_object_put(st);
	tc_free(e.c);
	return n;
}

/* The wall-clock time `offset` from now in zone tz, as a datetime-local
 * input sends it ("2026-12-03T18:30:05"), computed by PostgreSQL (malloc'd). */
static char *local_in(const char *tz, const char *offset)
{
	char *v = t_db_value(t_dbc, "SELECT to_char((now() + $2::interval) AT TIME ZONE $1,"
				  " 'YYYY-MM-DD\"T\"HH24:MI:SS')", 2, (const char *[]){ tz, offset });
	assert_non_null(v);
	return v;
}

/* The value of the hidden input `name` in html (malloc'd) or NULL. */
static char *hidden(const char *html, const char *name)
{
	char *needle = t_printf("name=\"%s\" value=\"", name);
	const char *p = strstr(html, needle), *e;
	char *v = NULL;

	if (p) {
		p += strlen(needle);
		e = strchr(p, '"');
		v = xstrndup(p, (size_t)(e - p));
	}
	free(needle);
	return v;
}

/* One composer form (one browser tab): GET it, keep its hidden fields. */
struct tab {
	char *csrf, *submission_id, *account;
	long long video;
	char *query;                 /* "?job=N" when editing */
};

static void tab_open(struct actor *a, long long video, const char *query, struct tab *t)
{
	char *path = t_printf("/videos/%lld/tiktok%s", video, query ? query : "");
	struct tresp r;

	assert_int_equal(tc_get(a->c, path, &r), 0);
	if (r.status != 200)
		fail_msg("GET %s -> %ld %.400s", path, r.status, r.body.data);
	t->video = video;
	t->csrf = hidden(r.body.data, "csrf");
	t->submission_id = hidden(r.body.data, "submission_id");
	t->account = hidden(r.body.data, "account");
	assert_non_null(t->csrf);
	assert_non_null(t->submission_id);
	assert_non_null(t->account);
	tresp_free(&r);
	free(path);
}

static void tab_close(struct tab *t)
{
	free(t->csrf);
	free(t->submission_id);
	free(t->account);
}

/* A direct, public post with the extra fields ("when=later&run_local=..."). */
static void tab_post(struct actor *a, const struct tab *t, const char *extra, struct tresp *r)
{
	char *path = t_printf("/videos/%lld/tiktok", t->video);
	char *body = t_printf("csrf=%s&submission_id=%s&account=%s&mode=direct&privacy=PUBLIC_TO_EVERYONE"
			      "&%s&%s", t->csrf, t->submission_id, t->account,
			      extra && strstr(extra, "title=") ? "" : "title=Scheduled+clip", extra ? extra : "");

	assert_int_equal(tc_post_form(a->c, path, body, r), 0);
	free(body);
	free(path);
}

/* The job id from a 303 to /jobs/{id}. */
static long long job_from_redirect(const struct tresp *r)
{
	const char *loc = tresp_header(r, "Location");

	if (r->status != 303)
		fail_msg("want 303, got %ld: %.600s", r->status, r->body.data);
	assert_non_null(loc);
	assert_int_equal(strncmp(loc, "/jobs/", 6), 0);
	return atoll(loc + 6);
}

/* Schedule the clip through the composer for local time `local`. */
static long long schedule(struct actor *a, long long video, const char *local)
{
	struct tab t;
	struct tresp r;
	struct buf extra = BUF_INIT;
	long long job;

	tab_open(a, video, NULL, &t);
	buf_puts(&extra, "when=later&run_local=");
	url_encode(&extra, local);
	tab_post(a, &t, buf_cstr(&extra), &r);
	job = job_from_redirect(&r);
	tresp_free(&r);
	buf_free(&extra);
	tab_close(&t);
	return job;
}

static long long user_jobs(struct actor *a)
{
	return t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ a->id });
}

/* POST a form to path with the page's CSRF token; the response in r. */
static void post_with_csrf(struct actor *a, const char *csrf_page, const char *path, const char *fields,
			   struct tresp *r)
{
	char *csrf = NULL, *body;
	struct tresp p;

	assert_int_equal(tc_get(a->c, csrf_page, &p), 0);
	csrf = tc_extract_csrf(p.body.data);
	assert_non_null(csrf);
	tresp_free(&p);
	body = t_printf("csrf=%s%s%s", csrf, fields ? "&" : "", fields ? fields : "");
	assert_int_equal(tc_post_form(a->c, path, body, r), 0);
	free(body);
	free(csrf);
}

static char *user_tz(struct actor *a)
{
	return t_db_value(t_dbc, "SELECT time_zone FROM users WHERE id = $1", 1, (const char *[]){ a->id });
}

/* The CSRF token of a page the actor can see. */
static char *page_csrf(struct actor *a, const char *path)
{
	struct tresp r;
	char *csrf;

	assert_int_equal(tc_get(a->c, path, &r), 0);
	assert_int_equal(r.status, 200);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	return csrf;
}

/* ---- the time zone ---- */

static void zone_defaults_to_utc_then_browser(void **state)
{
	struct actor a, b;
	char *tz;
	struct tresp r;

	(void)state;
	/* no JavaScript: no browser zone, UTC, and the settings page says so */
	actor_new(&a, NULL);
	tz = user_tz(&a);
	assert_string_equal(tz, "UTC");
	free(tz);
	assert_int_equal(tc_get(a.c, "/settings", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "Your zone is UTC");
	t_contains(r.body.data, "<option value=\"Europe/Madrid\">Europe/Madrid</option>");
	tresp_free(&r);

	/* the browser's zone comes with the login form */
	actor_new(&b, "Europe%2FMadrid");
	tz = user_tz(&b);
	assert_string_equal(tz, "Europe/Madrid");
	free(tz);
	assert_int_equal(tc_get(b.c, "/settings", &r), 0);
	t_contains(r.body.data, "<option value=\"Europe/Madrid\" selected>");
	/* the time shown is in Madrid, zone named */
	assert_true(strstr(r.body.data, " CET</strong>") || strstr(r.body.data, " CEST</strong>"));
	tresp_free(&r);

	/* a name PostgreSQL does not know is ignored at login */
	assert_int_equal(t_login(a.c, a.name, PASSWORD, "browser_tz=Mars%2FOlympus"), 303);
	tz = user_tz(&a);
	assert_string_equal(tz, "UTC");
	free(tz);
	actor_free(&a);
	actor_free(&b);
}

static void zone_setting_is_kept(void **state)
{
	struct actor a;
	struct tresp r;
	char *csrf, *form, *tz;

	(void)state;
	actor_new(&a, NULL);
	csrf = page_csrf(&a, "/settings");

	/* an unknown zone: a clear error, nothing changed */
	form = t_printf("csrf=%s&time_zone=Mars%%2FOlympus", csrf);
	assert_int_equal(tc_post_form(a.c, "/settings", form, &r), 0);
	assert_int_equal(r.status, 400);
	t_contains(r.body.data, "not a time zone this site knows");
	tresp_free(&r);
	free(form);
	tz = user_tz(&a);
	assert_string_equal(tz, "UTC");
	free(tz);

	/* without the CSRF token: refused */
	assert_int_equal(tc_post_form(a.c, "/settings", "time_zone=Asia%2FTokyo", &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);

	form = t_printf("csrf=%s&time_zone=Asia%%2FTokyo", csrf);
	assert_int_equal(tc_post_form(a.c, "/settings", form, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(form);
	tz = user_tz(&a);
	assert_string_equal(tz, "Asia/Tokyo");
	free(tz);
	assert_int_equal(tc_get(a.c, "/settings?saved=1", &r), 0);
	t_contains(r.body.data, " JST</strong>");
	t_contains(r.body.data, "Your time zone was saved.");
	tresp_free(&r);

	/* a zone the user picked is not replaced by a browser's at the next login */
	assert_int_equal(t_login(a.c, a.name, PASSWORD, "browser_tz=America%2FLima"), 303);
	tz = user_tz(&a);
	assert_string_equal(tz, "Asia/Tokyo");
	free(tz);
	free(csrf);
	actor_free(&a);
}

/* ---- scheduled posts ---- */

/* When nothing waits, the worker's next wake-up is "none" (-1), not "now":
 * the queries ran greatest(NULL, 0), which is 0, and an idle worker woke
 * every 50 ms. A private connection sees its own empty temporary
 * upload_jobs (temporary tables come first in the search path), so the
 * shared queue of the other tests does not matter; its rows are made
 * through lib/jobs.c like every other job. */
static void idle_queue_means_no_wake_up(void **state)
{
	struct db db;
	struct job_fixture later = { .user_id = 1, .video_id = 1, .run_in_sec = 3600 };
	struct job_fixture overdue = { .user_id = 1, .video_id = 1, .run_in_sec = -30, .scheduled = 1 };
	int64_t id;
	double secs;

	(void)state;
	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(db_ensure(&db), 0);
	assert_int_equal(db_simple(&db, "CREATE TEMPORARY TABLE upload_jobs"
				   " (LIKE public.upload_jobs INCLUDING DEFAULTS)"), 0);
	assert_true(jobs_next_due(&db) == -1);
	assert_true(jobs_resolve_next_due(&db, 60) == -1);

	assert_int_equal(jobs_fixture(&db, &later, &id), 0);
	secs = jobs_next_due(&db);
	assert_true(secs > 3590 && secs <= 3600);

	assert_int_equal(jobs_fixture(&db, &overdue, &id), 0);
	assert_true(jobs_next_due(&db) == 0);
	db_close(&db);
}

static void scheduled_post_starts_on_time(void **state)
{
	struct actor a;
	char *local, jid[24], *ok, *tl;
	long long video, job;

	(void)state;
	actor_new(&a, "Europe%2FMadrid");
	actor_connect(&a);
	video = clip_new();
	local = local_in("Europe/Madrid", "5 seconds");
	job = schedule(&a, video, local);
	snprintf(jid, sizeof(jid), "%lld", job);

	/* run_at is the Madrid wall-clock time, as an instant */
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'queued'"
				" AND run_at = ($2::timestamp AT TIME ZONE 'Europe/Madrid') AND run_at > now()",
				2, (const char *[]){ jid, local }), 1);
	wt_assert_state(t_dbc, job, "published", 60);

	/* it started no earlier than its time and within 2 s of it: the claim
	 * (started_at) and its first entry after 'queued'. (run_at itself moves
	 * on while TikTok processes: status polls are rescheduled claims.) */
	ok = t_db_value(t_dbc, "SELECT format('%s %s', j.started_at >= t AND j.started_at < t + interval '2 s',"
			     " (SELECT min(e.at) FROM job_events e WHERE e.job_id = j.id AND e.kind <> 'queued')"
			     "   BETWEEN t AND t + interval '2 s')"
			     " FROM upload_jobs j, (SELECT $2::timestamp AT TIME ZONE 'Europe/Madrid' AS t) x"
			     " WHERE id = $1", 2, (const char *[]){ jid, local });
	tl = wt_timeline(t_dbc, job);
	if (strcmp(ok, "t t") != 0) {
		char *d = t_db_value(t_dbc, "SELECT format('due %s started_at %s', $2::timestamp AT TIME ZONE"
				     " 'Europe/Madrid', started_at) FROM upload_jobs WHERE id = $1", 2,
				     (const char *[]){ jid, local });
		fail_msg("started off time (%s): %s\n%s", ok, d, tl);
	}
	/* how late, for the record (make bench holds timing figures) */
	{
		char *late = t_db_value(t_dbc, "SELECT round(extract(epoch FROM started_at - ($2::timestamp AT TIME"
					" ZONE 'Europe/Madrid')) * 1000) FROM upload_jobs WHERE id = $1", 2,
					(const char *[]){ jid, local });
		print_message("scheduled post started %s ms after its time\n", late);
		free(late);
	}
	/* at posting time the worker asked creator_info again */
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM job_events e JOIN upload_jobs j ON j.id = e.job_id"
				" WHERE j.id = $1 AND e.kind = 'creator_info'"
				" AND e.at >= ($2::timestamp AT TIME ZONE 'Europe/Madrid')",
				2, (const char *[]){ jid, local }), 1);
	free(tl);
	free(ok);
	free(local);
	actor_free(&a);
}

static void past_or_far_time_is_refused(void **state)
{
	static const struct { const char *local_offset, *literal, *words; } bad[] = {
		{ "-1 hour", NULL, "That time has already passed." },
		{ "-1 minute", NULL, "That time has already passed." },
		{ "100 days", NULL, "too far ahead" },
		{ NULL, "2026-02-31T10:00", "Enter a date and a time" },
		{ NULL, "tomorrow", "Enter a date and a time" },
		{ NULL, "", "Enter a date and a time" },
	};
	struct actor a;
	long long video;

	(void)state;
	actor_new(&a, "Asia%2FTokyo");
	actor_connect(&a);
	video = clip_new();
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct tab t;
		struct tresp r;
		struct buf extra = BUF_INIT;
		char *local = bad[i].literal ? xstrdup(bad[i].literal) : local_in("Asia/Tokyo", bad[i].local_offset);

		tab_open(&a, video, NULL, &t);
		buf_puts(&extra, "when=later&run_local=");
		url_encode(&extra, local);
		tab_post(&a, &t, buf_cstr(&extra), &r);
		if (r.status != 422)
			fail_msg("%s: want 422, got %ld", local, r.status);
		/* the error sits next to the field, and the zone is named */
		t_contains(r.body.data, "id=\"run_local-error\"");
		t_contains(r.body.data, bad[i].words);
		t_contains(r.body.data, "in your time zone (Asia/Tokyo)");
		t_contains(r.body.data, "value=\"later\" id=\"when-later\" checked");
		tresp_free(&r);
		buf_free(&extra);
		tab_close(&t);
		free(local);
		assert_int_equal(user_jobs(&a), 0);
	}
	actor_free(&a);
}

static void move_edit_cancel_until_started(void **state)
{
	struct actor a;
	struct tresp r;
	long long video, job, started;
	char jid[24], *path, *local, *field, *before, *after;
	struct buf f = BUF_INIT;
	struct tab t;

	(void)state;
	actor_new(&a, "America%2FNew_York");
	actor_connect(&a);
	video = clip_new();
	local = local_in("America/New_York", "1 hour");
	job = schedule(&a, video, local);
	free(local);
	snprintf(jid, sizeof(jid), "%lld", job);
	path = t_printf("/jobs/%lld", job);

	/* the job page offers the changes, with the time in the user's zone */
	assert_int_equal(tc_get(a.c, path, &r), 0);
	t_contains(r.body.data, "id=\"move-form\"");
	t_contains(r.body.data, "Change caption and settings");
	assert_true(strstr(r.body.data, " EST</strong>") || strstr(r.body.data, " EDT</strong>"));
	tresp_free(&r);

	/* move: two hours ahead, then a time in the past is refused and changes nothing */
	local = local_in("America/New_York", "2 hours");
	buf_puts(&f, "run_local=");
	url_encode(&f, local);
	free(path);
	path = t_printf("/jobs/%lld/move", job);
	post_with_csrf(&a, "/settings", path, buf_cstr(&f), &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1"
				" AND run_at = ($2::timestamp AT TIME ZONE 'America/New_York')",
				2, (const char *[]){ jid, local }), 1);
	assert_int_equal(wt_events(t_dbc, job, "moved", NULL), 1);
	free(local);
	before = wt_col(t_dbc, job, "run_at");
	buf_reset(&f);
	local = local_in("America/New_York", "-5 minutes");
	buf_puts(&f, "run_local=");
	url_encode(&f, local);
	post_with_csrf(&a, "/settings", path, buf_cstr(&f), &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "That time has already passed.");
	tresp_free(&r);
	after = wt_col(t_dbc, job, "run_at");
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(local);

	/* edit: the composer opens with the job's settings, and saves new ones */
	field = t_printf("?job=%lld", job);
	tab_open(&a, video, field, &t);
	{
		char *p2 = t_printf("/videos/%lld/tiktok%s", video, field);
		assert_int_equal(tc_get(a.c, p2, &r), 0);
		t_contains(r.body.data, "Save changes");
		t_contains(r.body.data, "Scheduled clip</textarea>");
		tresp_free(&r);
		free(p2);
	}
	{
		char *extra = t_printf("job=%lld&title=A+new+caption&allow_comment=1", job);
		tab_post(&a, &t, extra, &r);
		free(extra);
	}
	assert_int_equal(job_from_redirect(&r), job);
	tresp_free(&r);
	tab_close(&t);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND NOT disable_comment"
				" AND title = 'A new caption'"
				" AND state = 'queued'", 1, (const char *[]){ jid }), 1);
	assert_int_equal(wt_events(t_dbc, job, "edited", NULL), 1);
	assert_int_equal(user_jobs(&a), 1);

	/* cancel works before it starts */
	free(path);
	path = t_printf("/jobs/%lld/cancel", job);
	post_with_csrf(&a, "/settings", path, NULL, &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	before = wt_col(t_dbc, job, "state");
	assert_string_equal(before, "cancelled");
	free(before);

	/* a job a worker holds right now (a claim that won the race): refused */
	started = t_job(&(struct job_fixture){ .user_id = atoll(a.id), .video_id = video,
					       .account_id = a.acc.account_id, .run_in_sec = 3600,
					       .locked_by = "test-worker:1", .lock_sec = 600 });
	free(path);
	path = t_printf("/jobs/%lld/move", started);
	buf_reset(&f);
	local = local_in("America/New_York", "3 hours");
	buf_puts(&f, "run_local=");
	url_encode(&f, local);
	post_with_csrf(&a, "/settings", path, buf_cstr(&f), &r);
	assert_int_equal(r.status, 409);
	t_contains(r.body.data, "already started");
	tresp_free(&r);
	free(local);

	/* and a job that ran: move, edit and cancel are all refused */
	local = local_in("America/New_York", "2 seconds");
	job = schedule(&a, clip_new(), local);
	free(local);
	wt_assert_state(t_dbc, job, "published", 60);
	free(path);
	path = t_printf("/jobs/%lld/move", job);
	buf_reset(&f);
	local = local_in("America/New_York", "3 hours");
	buf_puts(&f, "run_local=");
	url_encode(&f, local);
	post_with_csrf(&a, "/settings", path, buf_cstr(&f), &r);
	assert_int_equal(r.status, 409);
	t_contains(r.body.data, "already started");
	tresp_free(&r);
	free(local);
	{
		char *vs = wt_col(t_dbc, job, "video_id");
		char *p2 = t_printf("/videos/%s/tiktok?job=%lld", vs, job);
		free(vs);
		assert_int_equal(tc_get(a.c, p2, &r), 0);
		assert_int_equal(r.status, 409);
		t_contains(r.body.data, "already started");
		tresp_free(&r);
		free(p2);
	}
	free(path);
	path = t_printf("/jobs/%lld/cancel", job);
	post_with_csrf(&a, "/settings", path, NULL, &r);
	assert_int_equal(r.status, 409);
	tresp_free(&r);
	free(field);
	free(path);
	buf_free(&f);
	actor_free(&a);
}

/* ---- the duplicate guard ---- */

static void two_tabs_make_one_post(void **state)
{
	struct actor a;
	struct tab t1, t2, t3;
	struct tresp r;
	char sha[65], *stored, vid[24], *link;
	long long video, job, again;

	(void)state;
	actor_new(&a, NULL);
	actor_connect(&a);
	video = clip_new_sha(sha);
	snprintf(vid, sizeof(vid), "%lld", video);
	/* two tabs open the composer before either posts */
	tab_open(&a, video, NULL, &t1);
	tab_open(&a, video, NULL, &t2);
	tab_post(&a, &t1, "when=now", &r);
	job = job_from_redirect(&r);
	tresp_free(&r);
	/* the hash was computed on the way (the row had none) */
	stored = t_db_value(t_dbc, "SELECT content_sha256 FROM videos WHERE id = $1", 1, (const char *[]){ vid });
	assert_string_equal(stored, sha);
	free(stored);

	tab_post(&a, &t2, "when=now", &r);
	assert_int_equal(r.status, 409);
	t_contains(r.body.data, "already queued or posted to this TikTok account");
	link = t_printf("<a href=\"/jobs/%lld\" id=\"duplicate-link\">", job);
	t_contains(r.body.data, link);
	free(link);
	/* the re-rendered form offers "Post it again" */
	t_contains(r.body.data, "name=\"post_again\"");
	tresp_free(&r);
	assert_int_equal(user_jobs(&a), 1);

	wt_assert_state(t_dbc, job, "published", 60);
	assert_int_equal(emu_posts_of(sha), 1);

	/* after it is posted, a third tab is refused too ... */
	tab_open(&a, video, NULL, &t3);
	tab_post(&a, &t3, "when=now", &r);
	assert_int_equal(r.status, 409);
	tresp_free(&r);
	assert_int_equal(user_jobs(&a), 1);
	/* ... unless the user says "post again" on purpose */
	tab_post(&a, &t3, "when=now&post_again=1", &r);
	again = job_from_redirect(&r);
	tresp_free(&r);
	assert_true(again != job);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE video_id = $1 AND repost", 1,
				(const char *[]){ vid }), 1);
	wt_assert_state(t_dbc, again, "published", 60);
	assert_int_equal(emu_posts_of(sha), 2);
	tab_close(&t1);
	tab_close(&t2);
	tab_close(&t3);
	actor_free(&a);
}

/* A row without a hash yet is guarded by itself; once its hash is known,
 * another row of the same content is refused too. */
static void unhashed_rows_are_guarded(void **state)
{
	struct actor a;
	struct db *db = t_jobs_db();
	char rel[128], sha[65], *real, *copy_rel, *later_iso;
	long long v1, v2;
	int64_t id1 = 0, dup = 0;
	struct job_new n = { .message = "Queued by a test.", .run_at = NULL,
			     .post = { .direct = 0, .title = "", .cover_ms = -1 } };

	(void)state;
	actor_new(&a, NULL);
	actor_connect(&a);
	wt_file(4096, rel, sizeof(rel));
	v1 = wt_video(t_dbc, rel, 4096, 10000);
	/* the same bytes under another name: another row, the same content */
	copy_rel = t_printf("%s.copy.mp4", rel);
	assert_int_equal(t_sh("cp '%s/%s' '%s/%s'", t_env("LF_MEDIA"), rel, t_env("LF_MEDIA"), copy_rel), 0);
	v2 = wt_video(t_dbc, copy_rel, 4096, 10000);
	n.user_id = atoll(a.id);
	n.account_id = a.acc.account_id;
	n.video_id = v1;
	n.submission_id = "unhashed-1";
	/* due in two days: no worker takes it meanwhile */
	n.run_at = later_iso = t_db_value(t_dbc, "SELECT to_char((now() + interval '2 days') AT TIME ZONE 'UTC',"
					  " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", 0, NULL);
	assert_int_equal(jobs_enqueue(db, &n, &id1), 0);
	n.submission_id = "unhashed-2";
	assert_int_equal(jobs_enqueue(db, &n, &dup), JOBS_DUPLICATE);
	assert_int_equal(dup, id1);
	/* the hash becomes known (the composer asks before a post) */
	real = t_printf("%s/%s", t_env("LF_MEDIA"), rel);
	assert_int_equal(library_video_hash(db, v1, real, sha), 0);
	{
		char *rr = t_printf("%s/%s", t_env("LF_MEDIA"), copy_rel);
		char s2[65];
		assert_int_equal(library_video_hash(db, v2, rr, s2), 0);
		assert_string_equal(s2, sha);
		free(rr);
	}
	n.video_id = v2;
	n.submission_id = "unhashed-3";
	assert_int_equal(jobs_enqueue(db, &n, &dup), JOBS_DUPLICATE);
	assert_int_equal(dup, id1);
	{
		const char *why;
		assert_int_equal(jobs_cancel(db, id1, 0, "a test", &why), 0);
	}
	free(real);
	free(copy_rel);
	free(later_iso);
	actor_free(&a);
}

/* `langflix import` hashes every file it records, and a row that had no
 * hash (imported before there were hashes) gets it on the next import. */
static void import_hashes_the_content(void **state)
{
	char rel[128], sha[65], *dir, *got, *out = NULL;

	(void)state;
	wt_file(8192, rel, sizeof(rel));
	wt_sha256(rel, sha);
	dir = t_printf("%s/wtest", t_env("LF_MEDIA"));
	assert_int_equal(t_sh_output(&out, "'%s/langflix' -c '%s' import '%s'", t_env("LF_BIN"), t_env("LF_CONFIG"),
				     dir), 0);
	free(out);
	got = t_db_value(t_dbc, "SELECT coalesce(content_sha256, '') FROM videos WHERE path = $1", 1,
			 (const char *[]){ rel });
	assert_non_null(got);
	assert_string_equal(got, sha);
	free(got);
	/* forget it, as an old row would be, and import again */
	got = t_db_value(t_dbc, "UPDATE videos SET content_sha256 = NULL WHERE path = $1 RETURNING id", 1,
			 (const char *[]){ rel });
	assert_non_null(got);
	free(got);
	assert_int_equal(t_sh_output(&out, "'%s/langflix' -c '%s' import '%s'", t_env("LF_BIN"), t_env("LF_CONFIG"),
				     dir), 0);
	free(out);
	got = t_db_value(t_dbc, "SELECT coalesce(content_sha256, '') FROM videos WHERE path = $1", 1,
			 (const char *[]){ rel });
	assert_string_equal(got, sha);
	free(got);
	free(dir);
}

/* What a batch (many rows in one transaction) sees through lib/jobs.h: the
 * duplicates found up front, and a row that races into the guard refused
 * alone, the rest of the transaction going on. */
static void batch_rows_meet_the_guard(void **state)
{
	struct actor a;
	struct db *db = t_jobs_db();
	long long v1, v2;
	int64_t id1 = 0, id2 = 0, dup = 0, existing[2];
	char sha[65], s1[65], vs[24];
	struct job_new n = { .message = "Queued by a test.", .run_at = NULL,
			     .post = { .direct = 0, .title = "", .cover_ms = -1 } };

	(void)state;
	actor_new(&a, NULL);
	actor_connect(&a);
	v1 = clip_new_sha(sha);
	v2 = clip_new();
	snprintf(vs, sizeof(vs), "%lld", v1);
	/* the import path gives every row its hash; here, the lazy one */
	assert_int_equal(library_video_hash(db, v1, NULL, s1), 1);
	{
		char *rel = t_db_value(t_dbc, "SELECT path FROM videos WHERE id = $1", 1, (const char *[]){ vs });
		char *real = t_printf("%s/%s", t_env("LF_MEDIA"), rel);
		assert_int_equal(library_video_hash(db, v1, real, s1), 0);
		assert_string_equal(s1, sha);
		free(rel);
		free(real);
	}
	n.user_id = atoll(a.id);
	n.account_id = a.acc.account_id;
	n.video_id = v1;
	n.submission_id = "batch-guard-1";
	n.run_at = "2099-01-01T00:00:00Z";
	assert_int_equal(jobs_enqueue(db, &n, &id1), JOBS_TOO_FAR);
	{
		char *later = t_db_value(t_dbc, "SELECT to_char((now() + interval '2 days') AT TIME ZONE 'UTC',"
					 " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", 0, NULL);
		n.run_at = later;
		assert_int_equal(jobs_enqueue(db, &n, &id1), 0);
		{
			struct job_pair pairs[2] = { { v1, a.acc.account_id }, { v2, a.acc.account_id } };
			assert_int_equal(jobs_find_duplicates(db, pairs, 2, existing), 1);
			assert_int_equal(existing[0], id1);
			assert_int_equal(existing[1], 0);
		}
		/* in a transaction: the duplicate row is refused, the next one goes in */
		assert_int_equal(db_begin(db), 0);
		n.submission_id = "batch-guard-2";
		assert_int_equal(jobs_enqueue(db, &n, &dup), JOBS_DUPLICATE);
		assert_int_equal(dup, id1);
		n.submission_id = "batch-guard-3";
		n.video_id = v2;
		assert_int_equal(jobs_enqueue(db, &n, &id2), 0);
		assert_int_equal(db_commit(db), 0);
		free(later);
	}
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1,
				(const char *[]){ a.id }), 2);
	/* cancelled, the content is free again */
	{
		const char *why;
		assert_int_equal(jobs_cancel(db, id1, 0, "a test", &why), 0);
		assert_int_equal(jobs_find_duplicate(db, v1, a.acc.account_id, &dup), 0);
		jobs_cancel(db, id2, 0, "a test", &why);
	}
	actor_free(&a);
}

/* ---- the schedule page and its JSON ---- */

/* The jobs of GET /api/schedule as the viewer sees them (a new reference). */
static struct json_object *api_schedule(struct actor *a)
{
	struct tresp r;
	struct json_object *o;

	assert_int_equal(tc_get(a->c, "/api/schedule", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(tresp_header(&r, "Content-Type"), "application/json");
	o = json_tokener_parse(r.body.data);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_array));
	tresp_free(&r);
	return o;
}

/* The API's entry for job, or NULL. */
static struct json_object *api_job(struct json_object *arr, long long job)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *id;
		if (json_object_object_get_ex(o, "id", &id) && json_object_get_int64(id) == job)
			return o;
	}
	return NULL;
}

/* run_at as ISO 8601 in zone tz, with that zone's offset now (no zone
 * changes its offset within the few hours these tests look ahead in
 * December), computed here from pg_timezone_names (malloc'd). */
static char *iso_in(long long job, const char *tz)
{
	char jid[24], *v;

	snprintf(jid, sizeof(jid), "%lld", job);
	v = t_db_value(t_dbc, "SELECT to_char(j.run_at AT TIME ZONE $2, 'YYYY-MM-DD\"T\"HH24:MI:SS') ||"
			    " CASE WHEN z.utc_offset < interval '0' THEN '-' ELSE '+' END ||"
			    " to_char(abs(extract(epoch FROM z.utc_offset)) * interval '1 second', 'HH24:MI')"
			    " FROM upload_jobs j, pg_timezone_names z WHERE j.id = $1 AND z.name = $2",
		       2, (const char *[]){ jid, tz });
	assert_non_null(v);
	return v;
}

static void schedule_page_and_api(void **state)
{
	struct actor a, b;
	struct tresp r;
	struct json_object *arr, *o;
	long long ja, jb, video;
	char *local, *want, *s, *csrf, *form, jas[24];

	(void)state;
	actor_new(&a, "Europe%2FMadrid");
	actor_connect(&a);
	actor_new(&b, "America%2FLima");
	actor_connect(&b);
	video = clip_new();
	local = local_in("Europe/Madrid", "3 hours");
	ja = schedule(&a, video, local);
	snprintf(jas, sizeof(jas), "%lld", ja);
	free(local);
	local = local_in("America/Lima", "4 hours");
	jb = schedule(&b, clip_new(), local);
	free(local);

	/* the page: the job, its time in Madrid with the zone named, a move
	 * form, and the day's count against the cap */
	assert_int_equal(tc_get(a.c, "/schedule", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "<strong>Europe/Madrid</strong>");
	s = t_printf("id=\"job-%lld\"", ja);
	t_contains(r.body.data, s);
	free(s);
	s = t_printf("id=\"move-%lld\"", ja);
	t_contains(r.body.data, s);
	free(s);
	s = t_db_value(t_dbc, "SELECT lf_user_time(run_at, 'Europe/Madrid') FROM upload_jobs WHERE id = $1", 1,
		       (const char *[]){ jas });
	assert_true(strstr(s, " CET") || strstr(s, " CEST"));
	t_contains(r.body.data, s);
	free(s);
	t_contains(r.body.data, "1 of 15 direct posts");
	t_contains(r.body.data, "Worker test clip");
	s = t_printf("id=\"job-%lld\"", jb);
	t_lacks(r.body.data, s);
	free(s);
	tresp_free(&r);

	/* the JSON: only the viewer's jobs, run_at with the zone's offset */
	arr = api_schedule(&a);
	o = api_job(arr, ja);
	assert_non_null(o);
	assert_null(api_job(arr, jb));
	want = iso_in(ja, "Europe/Madrid");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "run_at")), want);
	free(want);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "video_id")), video);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "account_id")), a.acc.account_id);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "mode")), "direct");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "state")), "queued");
	json_object_put(arr);
	arr = api_schedule(&b);
	assert_non_null(api_job(arr, jb));
	assert_null(api_job(arr, ja));
	json_object_put(arr);

	/* another zone: the same job, shown in Tokyo */
	csrf = page_csrf(&a, "/settings");
	form = t_printf("csrf=%s&time_zone=Asia%%2FTokyo", csrf);
	assert_int_equal(tc_post_form(a.c, "/settings", form, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(form);
	free(csrf);
	assert_int_equal(tc_get(a.c, "/schedule", &r), 0);
	t_contains(r.body.data, "<strong>Asia/Tokyo</strong>");
	s = t_db_value(t_dbc, "SELECT lf_user_time(run_at, 'Asia/Tokyo') FROM upload_jobs WHERE id = $1", 1,
		       (const char *[]){ jas });
	t_contains(s, " JST");
	t_contains(r.body.data, s);
	free(s);
	tresp_free(&r);
	arr = api_schedule(&a);
	want = iso_in(ja, "Asia/Tokyo");
	t_contains(want, "+09:00");
	assert_string_equal(json_object_get_string(json_object_object_get(api_job(arr, ja), "run_at")), want);
	free(want);
	json_object_put(arr);

	/* the page's move form moves it and comes back to the page */
	{
		struct buf f = BUF_INIT;
		char *path = t_printf("/jobs/%lld/move", ja);
		local = local_in("Asia/Tokyo", "5 hours");
		buf_puts(&f, "back=schedule&run_local=");
		url_encode(&f, local);
		post_with_csrf(&a, "/schedule", path, buf_cstr(&f), &r);
		assert_int_equal(r.status, 303);
		assert_string_equal(tresp_header(&r, "Location"), "/schedule");
		tresp_free(&r);
		assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1"
					" AND run_at = ($2::timestamp AT TIME ZONE 'Asia/Tokyo')", 2,
					(const char *[]){ jas, local }), 1);
		free(local);
		free(path);
		buf_free(&f);
	}
	actor_free(&a);
	actor_free(&b);
}

static int setup(void **state)
{
	static const char *const mine[] = { SCHED_PROFILE };

	t_db_setup(state);
	tconn_emulator_profiles(mine, 1);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zone_defaults_to_utc_then_browser),
		cmocka_unit_test(zone_setting_is_kept),
		cmocka_unit_test(idle_queue_means_no_wake_up),
		cmocka_unit_test(scheduled_post_starts_on_time),
		cmocka_unit_test(past_or_far_time_is_refused),
		cmocka_unit_test(move_edit_cancel_until_started),
		cmocka_unit_test(two_tabs_make_one_post),
		cmocka_unit_test(batch_rows_meet_the_guard),
		cmocka_unit_test(unhashed_rows_are_guarded),
		cmocka_unit_test(import_hashes_the_content),
		cmocka_unit_test(schedule_page_and_api),
	};
	return cmocka_run_group_tests(tests, setup, t_db_teardown);
}
