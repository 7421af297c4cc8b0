/* Integration tests: what happens after the post (issue 12), against the
 * emulator through the whole stack.
 *
 *   - a public post whose id arrives 3 polls later ends with the real link,
 *     with exactly the status calls it needed and none refused;
 *   - a webhook-delivered id wins over polling, with one timeline entry;
 *   - counts of 45 clips of one account cost 3 calls a round; readings
 *     accumulate, and /results rolls up what the emulator's own counts say;
 *   - a post removed in the emulator is marked and counted per show;
 *   - an inbox draft the "user" posts leaves /drafts and joins the results;
 *   - an account without video.list gets a clear note and no calls.
 *
 * The stack's worker is paused; each test starts its own with
 * results_minute_ms short (lib/results.h: every after-post schedule is in
 * minutes, so a day of schedule runs in seconds with the same code), and
 * freezes or advances the emulator's clock where counts must hold still
 * or grow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "tiktok_connect.h"
#include "emu_test.h"
#include "worker_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account_plan.h"
#include "accounts.h"
#include "buf.h"
#include "jobs.h"
#include "results.h"

#define PASSWORD "results-test-password-1"
#define ALL_SCOPES WT_SCOPES ",video.list"

static int seq;

/* A worker of the test's own: one slot, polls every second, and a
 * "minute" of the after-post schedules of minute_ms. */
static pid_t worker(int minute_ms)
{
	static char minute[64];
	static const char *env[] = { "LANGFLIX_WORKER_SLOTS=1", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
				     "LANGFLIX_WORKER_POLL_MS=100", minute, NULL };

	snprintf(minute, sizeof(minute), "LANGFLIX_RESULTS_MINUTE_MS=%d", minute_ms);
	return wt_worker_start(env);
}

/* A dashboard user the test logs in as, with a client holding its session. */
struct user {
	char name[64];
	long long id;
	struct tclient *c;
};

static void user_new(struct user *u)
{
	snprintf(u->name, sizeof(u->name), "res%d_%d", (int)getpid(), ++seq);
	u->c = t_user_signed_in(u->name, PASSWORD, &u->id);
	assert_true(u->id > 0);
}

static void user_free(struct user *u)
{
	tc_free(u->c);
}

/* GET path as the user: the body (malloc'd); fails unless 200. */
static char *page(struct user *u, const char *path)
{
	struct tresp r;
	char *body;

	assert_int_equal(tc_get(u->c, path, &r), 0);
	if (r.status != 200)
		fail_msg("GET %s -> %ld %.400s", path, r.status, r.body.data);
	body = strdup(r.body.data ? r.body.data : "");
	tresp_free(&r);
	return body;
}

/* A posted clip: a small file, its videos row, a public Direct Post. */
static long long post_clip(const struct tconn *acc, const char *privacy, const char *mode)
{
	struct wt_job j = { .privacy = privacy, .mode = mode, .title = "results clip #langflix",
			    .bytes_total = 100000 };
	char rel[256];

	wt_file(j.bytes_total, rel, sizeof(rel));
	return wt_enqueue(t_dbc, acc, wt_video(t_dbc, rel, j.bytes_total, 10000), &j);
}

/* Wait until the job's column is not empty; its value (malloc'd, "" on timeout). */
static char *wait_col(long long job, const char *col, int timeout_s)
{
	double until = now_mono() + timeout_s;
	char *v;

	for (;;) {
		v = wt_col(t_dbc, job, col);
		if (*v || now_mono() > until)
			return v;
		free(v);
		usleep(100 * 1000);
	}
}

/* The emulator's calls of a path: how many, and the most in any window of
 * window_ms; answered with status refused (e.g. 429) into *refused. */
static int emu_calls(struct emu_ctx *e, const char *path, int window_ms, int *most, int *refused)
{
	struct json_object *s = emu_state(e), *calls = emu_get(s, "calls");
	long long at[4096];
	int n = 0;

	*most = 0;
	if (refused)
		*refused = 0;
	for (size_t i = 0; calls && i < json_object_array_length(calls); i++) {
		struct json_object *c = json_object_array_get_idx(calls, i), *v;
		if (strcmp(emu_str(c, "path"), path) != 0)
			continue;
		if (refused && json_object_object_get_ex(c, "status", &v) && json_object_get_int(v) != 200)
			(*refused)++;
		if (n < 4096 && json_object_object_get_ex(c, "time_ms", &v))
			at[n++] = json_object_get_int64(v);
	}
	for (int i = 0; i < n; i++) {
		int k = 0;
		for (int m = i; m < n; m++)
			if (at[m] >= at[i] && at[m] < at[i] + window_ms)
				k++;
		if (k > *most)
			*most = k;
	}
	json_object_put(s);
	return n;
}

#define STATUS_PATH "/v2/post/publish/status/fetch/"
#define QUERY_PATH  "/v2/video/query/"

/* The test is over: the worker stops following its jobs (so the next
 * test's counts are its own). */
static void stop_following(long long job)
{
	assert_int_equal(jobs_resolve_end(t_jobs_db(), job, "The test is over."), 0);
}

/* The test is over: its account is nobody's to read or poll any more (the
 * emulator's reset killed its tokens). */
static void done_with(const struct tconn *acc)
{
	assert_int_equal(accounts_mark_reconnect(t_jobs_db(), acc->account_id, "The test is over."), 0);
}

static int events_of(long long job, const char *kind)
{
	return wt_events(t_dbc, job, kind, NULL);
}

/* ---- post ids that arrive late ---- */

/* TikTok's moderation answers [] to three polls (the job's own, which ends
 * it published, and two of the worker's follow-up), then gives the id: the
 * fourth poll brings it and then polling stops. No webhook (switched off),
 * no call refused, never more than 30 in a minute. */
static void late_id_arrives_three_polls_later(void **state)
{
	struct emu_ctx emu;
	struct user u;
	struct tconn acc;
	struct json_object *s, *p;
	long long job;
	int before, after, later, most, refused;
	char *pub, *post_id, *url, *html, *want, *path, *polls;
	pid_t w;

	(void)state;
	emu_open(&emu);   /* webhooks off: polling alone must find the id */
	emu_ctl(&emu, "/_emulator/config", "{\"post_id_after_polls\":3,\"processing_delay_ms\":300}");
	user_new(&u);
	tconn_connect_user(u.id, WT_PUBLIC, WT_SCOPES, &acc);
	w = worker(1000);
	job = post_clip(&acc, "PUBLIC_TO_EVERYONE", NULL);
	wt_assert_state(t_dbc, job, "published", 60);
	before = emu_calls(&emu, STATUS_PATH, 60000, &most, NULL);
	post_id = wt_col(t_dbc, job, "post_id");
	assert_string_equal(post_id, "");
	free(post_id);
	path = t_printf("/jobs/%lld", job);
	html = page(&u, path);
	if (!strstr(html, "Waiting for TikTok's moderation"))
		fail_msg("no moderation note on the job page:\n%.900s",
			 strstr(html, "job-state") ? strstr(html, "job-state") : html);
	free(html);

	post_id = wait_col(job, "post_id", 30);
	if (!*post_id)
		fail_msg("no post id after 30 s:\n%s", wt_timeline(t_dbc, job));
	pub = wt_col(t_dbc, job, "publish_id");
	s = emu_state(&emu);
	p = emu_state_post(s, pub);
	assert_string_equal(emu_str(p, "post_id"), post_id);
	assert_int_equal(json_object_get_int(emu_get(p, "id_polls")), 3);
	json_object_put(s);
	url = wt_col(t_dbc, job, "post_url");
	want = t_printf("https://www.tiktok.com/@lena.public/video/%s", post_id);
	assert_string_equal(url, want);
	/* the worker's polls of this publish: two that saw [] (counted on the
	 * job), then the one that saw the id (which ended the following) */
	polls = wt_col(t_dbc, job, "resolve_polls");
	assert_string_equal(polls, "2");
	free(polls);
	after = emu_calls(&emu, STATUS_PATH, 60000, &most, &refused);
	assert_true(after - before >= 3);
	/* five more schedule minutes: nothing more to ask */
	sleep(5);
	polls = wt_col(t_dbc, job, "resolve_polls");
	assert_string_equal(polls, "2");
	free(polls);
	s = emu_state(&emu);
	assert_int_equal(json_object_get_int(emu_get(emu_state_post(s, pub), "id_polls")), 3);
	json_object_put(s);
	later = emu_calls(&emu, STATUS_PATH, 60000, &most, &refused);
	assert_true(later >= after);
	assert_int_equal(refused, 0);   /* never refused: inside 30 a minute */
	assert_true(most <= 30);
	assert_int_equal(events_of(job, "public"), 1);
	html = page(&u, path);
	t_lacks(html, "Waiting for TikTok's moderation");
	t_contains(html, want);
	free(html);
	emu_assert_no_violations(&emu);
	wt_worker_stop(w);
	stop_following(job);
	free(path);
	free(want);
	free(url);
	free(pub);
	free(post_id);
	user_free(&u);
	done_with(&acc);
	emu_close(&emu);
}

/* Moderation takes 2.5 s and TikTok's webhook brings the id: the job gets
 * it once (one timeline entry, the webhook applied), and the worker's
 * polling for it stops. */
static void webhook_id_wins_over_polling(void **state)
{
	struct emu_ctx emu;
	struct tconn acc;
	long long job;
	int at_id, later, most, refused;
	char *post_id, *pub, *cfg, *polls;
	pid_t w;

	(void)state;
	emu_open(&emu);
	cfg = t_printf("{\"webhook_url\":\"%s/webhooks/tiktok\",\"post_id_delay_ms\":2500,"
		       "\"processing_delay_ms\":300}", t_env("LF_BASE_URL"));
	emu_ctl(&emu, "/_emulator/config", cfg);
	free(cfg);
	tconn_connect(WT_PUBLIC, WT_SCOPES, &acc);
	w = worker(1000);
	job = post_clip(&acc, "PUBLIC_TO_EVERYONE", NULL);
	wt_assert_state(t_dbc, job, "published", 60);
	post_id = wait_col(job, "post_id", 30);
	assert_true(*post_id);
	pub = wt_col(t_dbc, job, "publish_id");
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM webhook_events WHERE publish_id = $1 AND "
				  "event = 'post.publish.publicly_available' AND result = 'applied'", 1,
				  (const char *[]){ pub }), 1);
	at_id = atoi(polls = wt_col(t_dbc, job, "resolve_polls"));
	free(polls);
	sleep(4);
	later = atoi(polls = wt_col(t_dbc, job, "resolve_polls"));
	free(polls);
	assert_true(later <= at_id + 1);   /* at most a poll that was under way */
	emu_calls(&emu, STATUS_PATH, 60000, &most, &refused);
	assert_int_equal(refused, 0);
	if (events_of(job, "public") != 1)
		fail_msg("the id was recorded %d times:\n%s", events_of(job, "public"), wt_timeline(t_dbc, job));
	emu_assert_no_violations(&emu);
	wt_worker_stop(w);
	stop_following(job);
	free(pub);
	free(post_id);
	done_with(&acc);
	emu_close(&emu);
}

/* ---- per-clip results ---- */

static const char *const shows[] = { "Friends", "The Office", "Dark" };
static const char *const expressions[] = { "break a leg", "piece of cake", "hit the road", "on the fence",
					   "call it a day" };
static const char *const languages[] = { "es", "ko" };

/* A clip made "with other tools" in the emulator for the account, recorded
 * as a published job of ours with that post (lib/jobs.c's fixture: the
 * job as the worker would have left it). i picks its show, expression and
 * target language. */
struct clip {
	long long job;
	char publish_id[96], post_id[24];
	int show, expr, lang;
};

static void posts_elsewhere(struct emu_ctx *e, const char *open_id, int n)
{
	char *body = t_printf("{\"open_id\":\"%s\",\"count\":%d}", open_id, n);

	emu_ctl(e, "/_emulator/posts_elsewhere", body);
	free(body);
}

/* make: the emulator's posts are made here (else they were made before). */
static void clips_elsewhere(struct emu_ctx *e, const struct tconn *acc, struct clip *c, int n, int make)
{
	struct json_object *s, *posts;
	int k = 0;

	if (make)
		posts_elsewhere(e, acc->open_id, n);
	s = emu_state(e);
	posts = emu_get(s, "posts");
	for (size_t i = 0; posts && i < json_object_array_length(posts) && k < n; i++) {
		struct json_object *p = json_object_array_get_idx(posts, i), *el;
		char path[128], title[32], *vid;
		long long video;

		if (strcmp(emu_str(p, "open_id"), acc->open_id) != 0 ||
		    !json_object_object_get_ex(p, "elsewhere", &el) || !json_object_get_boolean(el))
			continue;
		snprintf(c[k].publish_id, sizeof(c[k].publish_id), "%s", emu_str(p, "publish_id"));
		snprintf(c[k].post_id, sizeof(c[k].post_id), "%s", emu_str(p, "post_id"));
		if (t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE publish_id = $1", 1,
			     (const char *[]){ c[k].publish_id }) > 0)
			continue;   /* an earlier test's */
		c[k].show = k % 3;
		c[k].expr = k % 5;
		c[k].lang = k % 2;
		snprintf(path, sizeof(path), "results-tests/%d-%d-%d.mp4", (int)getpid(), ++seq, k);
		snprintf(title, sizeof(title), "clip %d", k);
		vid = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, ready, title, show_name,"
				      " expression, learn_language) VALUES ($1, 1000, 0, true, $2, $3, $4, $5)"
				      " RETURNING id", 5,
				 (const char *[]){ path, title, shows[c[k].show],
						   expressions[c[k].expr], languages[c[k].lang] });
		assert_non_null(vid);
		video = atoll(vid);
		free(vid);
		c[k].job = t_job(&(struct job_fixture){
			.user_id = acc->user_id, .video_id = video, .account_id = acc->account_id,
			.state = "published", .privacy_level = "PUBLIC_TO_EVERYONE",
			.publish_id = c[k].publish_id, .post_id = c[k].post_id,
			.tiktok_status = "PUBLISH_COMPLETE", .creator_username = "lena.public",
			.finished_ago_sec = 1, .bytes_total = 1000, .bytes_sent = 1000 });
		k++;
	}
	json_object_put(s);
	assert_int_equal(k, n);
}

static long long readings_min(const struct tconn *acc, const char *agg)
{
	char uid[24], *sql;
	long long v;

	snprintf(uid, sizeof(uid), "%lld", acc->account_id);
	sql = t_printf("SELECT coalesce(%s(readings), 0) FROM clip_results WHERE account_id = $1", agg);
	v = t_db_num(t_dbc, sql, 1, (const char *[]){ uid });
	free(sql);
	return v;
}

/* Wait until every clip of the account has at least n readings. */
static void wait_readings(const struct tconn *acc, long long n, int timeout_s)
{
	double until = now_mono() + timeout_s;

	while (readings_min(acc, "min") < n) {
		if (now_mono() > until)
			fail_msg("readings: min %lld, want %lld", readings_min(acc, "min"), n);
		usleep(100 * 1000);
	}
}

/* The counts the emulator shows for post_id now (its /_emulator/state). */
static long long emu_views(struct json_object *state, const char *post_id)
{
	struct json_object *posts = emu_get(state, "posts");

	for (size_t i = 0; posts && i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i), *v;
		if (!strcmp(emu_str(p, "post_id"), post_id)) {
			if (!json_object_object_get_ex(emu_get(p, "counts"), "view_count", &v))
				fail_msg("post %s has no counts", post_id);
			return json_object_get_int64(v);
		}
	}
	fail_msg("no post %s in the emulator", post_id);
	return -1;
}

/* The data-views of the roll-up row of dim/key on the results page (-1 when absent). */
static long long rollup_attr(const char *html, const char *dim, const char *key, const char *attr)
{
	char *needle = t_printf("data-dim=\"%s\" data-key=\"%s\"", dim, key), *at, *a;
	long long v = -1;

	at = strstr(html, needle);
	free(needle);
	if (!at)
		return -1;
	a = t_printf("%s=\"", attr);
	at = strstr(at, a);
	if (at)
		v = atoll(at + strlen(a));
	free(a);
	return v;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

#define N_CLIPS 45

/* 45 clips of one account: each round reads them in 3 calls (20 + 20 + 5),
 * readings accumulate (a time series), and /results's roll-ups equal the
 * sums of the emulator's own counts, read with its clock frozen. */
static void counts_of_45_clips_in_3_calls_a_round(void **state)
{
	static struct clip c[N_CLIPS];
	struct emu_ctx emu;
	struct user u;
	struct tconn acc;
	struct json_object *s;
	long long rounds, calls, total = 0, per_show[3] = { 0 }, per_expr[5] = { 0 }, per_lang[2] = { 0 };
	long long show0[N_CLIPS], last_views = -1;
	int most, refused, n0 = 0;
	char *html, *csv, aid[24];
	pid_t w;

	(void)state;
	emu_open(&emu);
	posts_elsewhere(&emu, WT_PUBLIC, N_CLIPS);
	/* a day of TikTok's time: counts worth reading (and then the account
	 * connects, so its token is TikTok's of that day) */
	emu_ctl(&emu, "/_emulator/clock", "{\"advance_sec\":86400}");
	user_new(&u);
	tconn_connect_user(u.id, WT_PUBLIC, ALL_SCOPES, &acc);
	clips_elsewhere(&emu, &acc, c, N_CLIPS, 0);
	/* a minute of 50 ms: a clip's first day reads hourly, every 3 s */
	w = worker(50);
	wait_readings(&acc, 1, 30);
	emu_ctl(&emu, "/_emulator/clock", "{\"advance_sec\":3600}");
	wait_readings(&acc, 3, 30);
	wt_worker_stop(w);
	rounds = readings_min(&acc, "max");
	assert_int_equal(readings_min(&acc, "min"), rounds);   /* the clips are read together */
	calls = emu_calls(&emu, QUERY_PATH, 60000, &most, &refused);
	if (calls != 3 * rounds)
		fail_msg("%lld video/query calls for %lld rounds of 45 clips", calls, rounds);
	assert_int_equal(refused, 0);
	/* every reading is kept, and the counts grew with TikTok's clock */
	snprintf(aid, sizeof(aid), "%lld", acc.account_id);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM clip_readings r JOIN clip_results c USING (job_id)"
				  " WHERE c.account_id = $1", 1, (const char *[]){ aid }), N_CLIPS * rounds);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM clip_results c WHERE c.account_id = $1 AND"
				  " c.views > (SELECT min(r.views) FROM clip_readings r WHERE r.job_id = c.job_id)",
				  1, (const char *[]){ aid }), N_CLIPS);

	/* TikTok's clock stands still; one more round reads exactly what it shows */
	emu_ctl(&emu, "/_emulator/clock", "{\"advance_sec\":600,\"freeze\":true}");
	w = worker(50);
	wait_readings(&acc, rounds + 1, 30);
	wt_worker_stop(w);
	s = emu_state(&emu);
	for (int i = 0; i < N_CLIPS; i++) {
		long long v = emu_views(s, c[i].post_id);
		total += v;
		per_show[c[i].show] += v;
		per_expr[c[i].expr] += v;
		per_lang[c[i].lang] += v;
		if (c[i].show == 0)
			show0[n0++] = v;
		if (i == N_CLIPS - 1)
			last_views = v;
	}
	json_object_put(s);
	/* the worker kept the roll-ups with its last round's readings: fresh
	 * before any request, and already the emulator's sums */
	{
		char uid[24];
		snprintf(uid, sizeof(uid), "%lld", u.id);
		assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM result_rollups_state WHERE user_id = $1"
					  " AND NOT stale", 1, (const char *[]){ uid }), 1);
		assert_int_equal(t_db_num(t_dbc, "SELECT views FROM result_rollups WHERE user_id = $1 AND dim = 4",
					  1, (const char *[]){ uid }), total);
	}
	/* the clip's card on the dashboard shows its views (the newest video) */
	html = page(&u, "/");
	csv = t_printf("<span class=\"views\">%lld views</span>", last_views);
	t_contains(html, csv);
	free(csv);
	free(html);
	html = page(&u, "/results?sort=views&dir=desc");
	assert_int_equal(rollup_attr(html, "account", "Worker test " WT_PUBLIC, "data-views"), total);
	assert_int_equal(rollup_attr(html, "account", "Worker test " WT_PUBLIC, "data-posts"), N_CLIPS);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rollup_attr(html, "show", shows[i], "data-views"), per_show[i]);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rollup_attr(html, "expression", expressions[i], "data-views"), per_expr[i]);
	for (int i = 0; i < 2; i++)
		assert_int_equal(rollup_attr(html, "language", languages[i], "data-views"), per_lang[i]);
	/* the median of the 15 clips of the first show: the 8th */
	qsort(show0, (size_t)n0, sizeof(show0[0]), cmp_ll);
	assert_int_equal(n0, 15);
	assert_int_equal(rollup_attr(html, "show", shows[0], "data-median"), show0[7]);
	/* a chart per clip, drawn on the server, with words for it */
	t_contains(html, "<svg class=\"spark\"");
	t_contains(html, "<polyline points=\"");
	t_contains(html, "readings in the first 30 days");
	t_contains(html, "<svg class=\"bars\"");
	free(html);
	/* sorted on the server: the first row is the most viewed clip */
	csv = page(&u, "/results.csv");
	t_contains(csv, "job,posted,title,expression,show,target_language,account,views,");
	{
		int lines = 0;
		for (char *p = csv; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, N_CLIPS + 1);
	}
	free(csv);
	emu_assert_no_violations(&emu);
	user_free(&u);
	done_with(&acc);
	emu_close(&emu);
}

/* Taken down: a post of ours that TikTok removes (its webhook), and one
 * the Display API stops returning (twice in a row): both are marked
 * "removed from public view" with the date and counted per show. */
static void removed_posts_are_marked_and_counted(void **state)
{
	struct emu_ctx emu;
	struct user u;
	struct tconn acc;
	struct clip c[1];
	long long job;
	char *pub, *cfg, *html, *body, *since;
	pid_t w;

	(void)state;
	emu_open(&emu);
	cfg = t_printf("{\"webhook_url\":\"%s/webhooks/tiktok\",\"processing_delay_ms\":300}",
		       t_env("LF_BASE_URL"));
	emu_ctl(&emu, "/_emulator/config", cfg);
	free(cfg);
	user_new(&u);
	tconn_connect_user(u.id, WT_PUBLIC, ALL_SCOPES, &acc);
	w = worker(50);
	job = post_clip(&acc, "PUBLIC_TO_EVERYONE", NULL);
	wt_assert_state(t_dbc, job, "published", 60);
	free(wait_col(job, "post_id", 30));
	clips_elsewhere(&emu, &acc, c, 1, 1);
	wait_readings(&acc, 1, 30);
	/* TikTok takes our post down: its webhook */
	pub = wt_col(t_dbc, job, "publish_id");
	body = t_printf("{\"publish_id\":\"%s\"}", pub);
	emu_ctl(&emu, "/_emulator/post/remove", body);
	free(body);
	/* and the other one silently: the Display API leaves it out */
	body = t_printf("{\"post_id\":\"%s\"}", c[0].post_id);
	emu_ctl(&emu, "/_emulator/post/remove", body);
	free(body);
	since = wait_col(job, "no_longer_public_at", 20);
	assert_true(*since);
	free(since);
	since = wait_col(c[0].job, "no_longer_public_at", 30);
	if (!*since)
		fail_msg("the post the Display API left out was not marked:\n%s", wt_timeline(t_dbc, c[0].job));
	free(since);
	wt_worker_stop(w);
	assert_int_equal(events_of(job, "not_public"), 1);
	assert_int_equal(events_of(c[0].job, "not_public"), 1);
	html = page(&u, "/results");
	t_contains(html, "Removed from public view on ");
	t_contains(html, "<strong id=\"removals-total\">2</strong>");
	free(html);
	body = t_printf("/jobs/%lld", job);
	html = page(&u, body);
	t_contains(html, "Removed from public view on ");
	free(html);
	free(body);
	free(pub);
	user_free(&u);
	done_with(&acc);
	emu_close(&emu);
}

/* ---- the roll-ups kept (sql/043) ---- */

/* A posted clip of show on the account, with no reading yet (a fixture of
 * lib/jobs.c; the trigger of sql/042 gives it its clip_results row). Its
 * video's id in *video, its publish id in pub (of n bytes). */
static long long rollup_clip(const struct tconn *acc, const char *show, long long *video, char *pub,
			     size_t n)
{
	char path[128], post[24], *vid;
	long long job;

	snprintf(path, sizeof(path), "results-rollups/%d-%d.mp4", (int)getpid(), ++seq);
	snprintf(post, sizeof(post), "76%08d%09d", (int)getpid() % 100000000, seq);
	snprintf(pub, n, "v_pub_rollup~%d~%d", (int)getpid(), seq);
	vid = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, ready, title, show_name,"
			      " expression, learn_language) VALUES ($1, 1000, 0, true, $1, $2, 'kept', 'es')"
			      " RETURNING id", 2, (const char *[]){ path, show });
	assert_non_null(vid);
	*video = atoll(vid);
	free(vid);
	job = t_job(&(struct job_fixture){
		.user_id = acc->user_id, .video_id = *video, .account_id = acc->account_id,
		.state = "published", .privacy_level = "PUBLIC_TO_EVERYONE", .publish_id = pub,
		.post_id = post, .tiktok_status = "PUBLISH_COMPLETE", .creator_username = "lena.public",
		.finished_ago_sec = 1, .bytes_total = 1000, .bytes_sent = 1000 });
	return job;
}

/* A reading of the clip, as the worker keeps it (lib/results.c). */
static void reading(long long job, long long views)
{
	assert_int_equal(results_record(t_jobs_db(), job, views, views / 10, views / 100, 0, 3600, 86400), 0);
}

/* The user's roll-ups: "t" stale, "f" fresh, "" never computed. */
static char *rollups_stale(long long user)
{
	char uid[24], *v;

	snprintf(uid, sizeof(uid), "%lld", user);
	v = t_db_value(t_dbc, "SELECT CASE WHEN stale THEN 't' ELSE 'f' END FROM result_rollups_state"
			    " WHERE user_id = $1", 1, (const char *[]){ uid });
	return v ? v : strdup("");
}

static void assert_stale(long long user, const char *want)
{
	char *v = rollups_stale(user);

	if (strcmp(v, want) != 0)
		fail_msg("roll-ups of user %lld: stale=%s, want %s", user, v, want);
	free(v);
}

/* The roll-ups are kept between requests and follow what they are made
 * of: a new reading, a takedown and a video moved to another show each
 * show on the next request, without the worker (which is paused). */
static void rollups_show_a_change_on_the_next_request(void **state)
{
	struct user u;
	struct tconn acc;
	long long video1, video2, job1, job2;
	char pub1[96], pub2[96], show_a[64], show_b[64], uid[24], *html, *at1, *at2;
	int64_t gone = 0;

	(void)state;
	user_new(&u);
	tconn_connect_user(u.id, WT_PUBLIC, ALL_SCOPES, &acc);
	snprintf(show_a, sizeof(show_a), "Kept show %d", (int)getpid());
	snprintf(show_b, sizeof(show_b), "Moved show %d", (int)getpid());
	job1 = rollup_clip(&acc, show_a, &video1, pub1, sizeof(pub1));
	job2 = rollup_clip(&acc, show_a, &video2, pub2, sizeof(pub2));
	reading(job1, 100);
	reading(job2, 300);
	assert_stale(u.id, "t");
	html = page(&u, "/results");
	assert_int_equal(rollup_attr(html, "show", show_a, "data-views"), 400);
	assert_int_equal(rollup_attr(html, "show", show_a, "data-posts"), 2);
	assert_int_equal(rollup_attr(html, "show", show_a, "data-median"), 200);
	free(html);
	assert_stale(u.id, "f");
	/* kept: another request with nothing changed does not recompute */
	snprintf(uid, sizeof(uid), "%lld", u.id);
	at1 = t_db_value(t_dbc, "SELECT refreshed_at::text FROM result_rollups_state WHERE user_id = $1", 1,
			 (const char *[]){ uid });
	free(page(&u, "/results"));
	at2 = t_db_value(t_dbc, "SELECT refreshed_at::text FROM result_rollups_state WHERE user_id = $1", 1,
			 (const char *[]){ uid });
	assert_non_null(at1);
	assert_non_null(at2);
	assert_string_equal(at1, at2);
	free(at1);
	free(at2);

	/* a new reading */
	reading(job1, 250);
	assert_stale(u.id, "t");
	html = page(&u, "/results");
	assert_int_equal(rollup_attr(html, "show", show_a, "data-views"), 550);
	assert_int_equal(rollup_attr(html, "show", show_a, "data-median"), 275);
	assert_int_equal(rollup_attr(html, "account", "Worker test " WT_PUBLIC, "data-views"), 550);
	free(html);

	/* a takedown */
	assert_int_equal(jobs_not_public(t_jobs_db(), pub2, &gone), 1);
	assert_int_equal(gone, job2);
	html = page(&u, "/results");
	t_contains(html, "<strong id=\"removals-total\">1</strong>");
	assert_int_equal(rollup_attr(html, "show", show_a, "data-removed"), 1);
	free(html);

	/* the first clip's video moves to another show (the library's import) */
	snprintf(uid, sizeof(uid), "%lld", video1);
	free(t_db_value(t_dbc, "UPDATE videos SET show_name = $2 WHERE id = $1 RETURNING id", 2,
			(const char *[]){ uid, show_b }));
	html = page(&u, "/results");
	assert_int_equal(rollup_attr(html, "show", show_a, "data-views"), 300);
	assert_int_equal(rollup_attr(html, "show", show_b, "data-views"), 250);
	assert_int_equal(rollup_attr(html, "show", show_b, "data-posts"), 1);
	free(html);
	user_free(&u);
	done_with(&acc);
}

/* results_rollups_fresh recomputes only what is stale, and
 * results_rollups_fresh_all (the worker's, after a round) leaves a user
 * whose roll-ups another transaction holds without waiting for it. */
static void rollups_refresh_only_when_stale_and_never_wait(void **state)
{
	struct tconn a1, a2;
	struct db other;
	long long v, job1, job2;
	char pub[96], uid[24];

	(void)state;
	tconn_connect(WT_PUBLIC, ALL_SCOPES, &a1);
	tconn_connect(WT_PUBLIC, ALL_SCOPES, &a2);
	job1 = rollup_clip(&a1, "Refresh show", &v, pub, sizeof(pub));
	job2 = rollup_clip(&a2, "Refresh show", &v, pub, sizeof(pub));
	reading(job1, 70);
	assert_int_equal(results_rollups_fresh(t_jobs_db(), a1.user_id), 1);
	assert_int_equal(results_rollups_fresh(t_jobs_db(), a1.user_id), 0);
	snprintf(uid, sizeof(uid), "%lld", a1.user_id);
	assert_int_equal(t_db_num(t_dbc, "SELECT views FROM result_rollups WHERE user_id = $1 AND dim = 2", 1,
				  (const char *[]){ uid }), 70);
	reading(job1, 90);
	reading(job2, 40);
	assert_stale(a1.user_id, "t");
	assert_stale(a2.user_id, "t");
	/* another connection is recomputing a2's (a request of a2's page) */
	db_init(&other, t_env("LF_DB_URL"));
	assert_int_equal(db_begin(&other), 0);
	assert_int_equal(results_rollups_fresh(&other, a2.user_id), 1);
	assert_true(results_rollups_fresh_all(t_jobs_db()) >= 1);
	assert_stale(a1.user_id, "f");
	assert_int_equal(t_db_num(t_dbc, "SELECT views FROM result_rollups WHERE user_id = $1 AND dim = 2", 1,
				  (const char *[]){ uid }), 90);
	assert_stale(a2.user_id, "t");   /* not yet committed: left alone */
	assert_int_equal(db_commit(&other), 0);
	assert_stale(a2.user_id, "f");
	snprintf(uid, sizeof(uid), "%lld", a2.user_id);
	assert_int_equal(t_db_num(t_dbc, "SELECT views FROM result_rollups WHERE user_id = $1 AND dim = 2", 1,
				  (const char *[]){ uid }), 40);
	db_close(&other);
	done_with(&a1);
	done_with(&a2);
}

/* The worker sleeps until the next reading is due: results_next_due says
 * "none" (-1) when no clip can be read, not "now". */
static void next_reading_due_none_now_and_later(void **state)
{
	struct tconn acc;
	long long v, job;
	char pub[96];
	double due;

	(void)state;
	/* the accounts of the tests before are done with: nothing to read */
	assert_true(results_next_due(t_jobs_db()) == -1);
	tconn_connect(WT_PUBLIC, ALL_SCOPES, &acc);
	job = rollup_clip(&acc, "Due show", &v, pub, sizeof(pub));
	assert_true(results_next_due(t_jobs_db()) == 0);   /* a new post is read at once */
	assert_int_equal(results_later(t_jobs_db(), job, 3600), 0);
	due = results_next_due(t_jobs_db());
	if (due < 3500 || due > 3600)
		fail_msg("next reading due in %.1f s, want about 3600", due);
	done_with(&acc);
	assert_true(results_next_due(t_jobs_db()) == -1);
}

/* An account that did not grant video.list: the results page says so and
 * offers Reconnect, and TikTok's Display API is never called for it. */
static void account_without_video_list_gets_a_note_and_no_calls(void **state)
{
	struct emu_ctx emu;
	struct user u;
	struct tconn acc;
	struct clip c[2];
	int most, refused;
	char *html;
	pid_t w;

	(void)state;
	emu_open(&emu);
	user_new(&u);
	tconn_connect_user(u.id, WT_PUBLIC, WT_SCOPES, &acc);
	clips_elsewhere(&emu, &acc, c, 2, 1);
	w = worker(50);
	sleep(3);   /* a clip's first day reads every 3 s */
	wt_worker_stop(w);
	assert_int_equal(emu_calls(&emu, QUERY_PATH, 60000, &most, &refused), 0);
	assert_int_equal(emu_calls(&emu, "/v2/video/list/", 60000, &most, &refused), 0);
	assert_int_equal(readings_min(&acc, "max"), 0);
	html = page(&u, "/results");
	t_contains(html, "did not allow LangFlix to read its videos&#39; counts (video.list)");
	t_contains(html, "Reconnect");
	t_contains(html, "Not read yet");
	free(html);
	/* and so does the accounts page */
	html = page(&u, "/accounts");
	t_contains(html, "did not allow LangFlix to read its videos&#39; counts (video.list)");
	t_contains(html, "href=\"/auth/tiktok/start\">Reconnect</a>");
	free(html);
	emu_assert_no_violations(&emu);
	user_free(&u);
	done_with(&acc);
	emu_close(&emu);
}

/* ---- drafts to finish ---- */

/* An inbox draft waits in /drafts with its caption; the "user" posts it in
 * TikTok (the emulator), the worker's poll sees it (webhooks off), and it
 * leaves the list and joins the results. */
static void posted_draft_leaves_the_list_and_joins_the_results(void **state)
{
	struct emu_ctx emu;
	struct user u;
	struct tconn acc;
	long long job;
	char *html, *pub, *body, *post_id, *row;
	pid_t w;

	(void)state;
	emu_open(&emu);
	emu_ctl(&emu, "/_emulator/config", "{\"processing_delay_ms\":300}");
	user_new(&u);
	tconn_connect_user(u.id, WT_PUBLIC, ALL_SCOPES, &acc);
	w = worker(200);
	job = post_clip(&acc, NULL, "inbox");
	wt_assert_state(t_dbc, job, "inboxed", 60);
	/* the plan's count of pending drafts (held at 5) sees it... */
	assert_int_equal(acctplan_pending_drafts(t_jobs_db(), acc.account_id), 1);
	html = page(&u, "/drafts");
	row = t_printf("id=\"draft-%lld\"", job);
	t_contains(html, row);
	t_contains(html, "results clip #langflix</textarea>");
	t_contains(html, "readonly");
	free(html);
	pub = wt_col(t_dbc, job, "publish_id");
	body = t_printf("{\"publish_id\":\"%s\",\"privacy_level\":\"PUBLIC_TO_EVERYONE\"}", pub);
	emu_ctl(&emu, "/_emulator/inbox/publish", body);
	free(body);
	post_id = wait_col(job, "post_id", 30);
	if (!*post_id)
		fail_msg("the posted draft got no post id:\n%s", wt_timeline(t_dbc, job));
	wt_assert_state(t_dbc, job, "published", 5);
	assert_int_equal(acctplan_pending_drafts(t_jobs_db(), acc.account_id), 0);   /* ...no more */
	wait_readings(&acc, 1, 30);
	wt_worker_stop(w);
	html = page(&u, "/drafts");
	t_lacks(html, row);
	free(html);
	free(row);
	html = page(&u, "/results");
	row = t_printf("<tr data-job=\"%lld\">", job);
	t_contains(html, row);
	free(html);
	free(row);
	emu_assert_no_violations(&emu);
	free(post_id);
	free(pub);
	user_free(&u);
	done_with(&acc);
	emu_close(&emu);
}

static int setup_all(void **state)
{
	PGresult *r;

	t_db_setup(state);
	wt_pause_stack_worker();
	/* the accounts of the test binaries before this one (their tokens died
	 * with the emulator's resets) would keep this binary's worker busy and
	 * its call counts mixed: they are nobody's to read or poll any more */
	r = PQexec(t_dbc, "SELECT id FROM tiktok_accounts WHERE status = 'connected'");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	for (int i = 0; i < PQntuples(r); i++)
		assert_int_equal(accounts_mark_reconnect(t_jobs_db(), atoll(PQgetvalue(r, i, 0)),
							 "An earlier test is over."), 0);
	PQclear(r);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	wt_resume_stack_worker();
	return t_db_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_id_arrives_three_polls_later),
		cmocka_unit_test(webhook_id_wins_over_polling),
		cmocka_unit_test(counts_of_45_clips_in_3_calls_a_round),
		cmocka_unit_test(removed_posts_are_marked_and_counted),
		cmocka_unit_test(rollups_show_a_change_on_the_next_request),
		cmocka_unit_test(rollups_refresh_only_when_stale_and_never_wait),
		cmocka_unit_test(next_reading_due_none_now_and_later),
		cmocka_unit_test(account_without_video_list_gets_a_note_and_no_calls),
		cmocka_unit_test(posted_draft_leaves_the_list_and_joins_the_results),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
