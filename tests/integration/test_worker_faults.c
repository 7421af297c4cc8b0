/* test_worker_faults.c — the worker when things go wrong, against the real
 * stack: SIGKILL in the middle of a multi-chunk upload (a new worker
 * resumes, exactly one post), SIGTERM (prompt exit, the job given back),
 * seeded 5xx/429/dropped answers, an upload URL that expires (one re-init,
 * one post), a refused access token (one refresh), rate limits for many
 * jobs of one account (no 429 from TikTok), the permanent errors with
 * the user's reason in plain words, a job whose every try crashed the
 * worker (ended after its attempts, never claimed again) and an upload
 * TikTok keeps refusing with 416 (bounded, no spin). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "worker_test.h"

#include "db.h"
#include "jobs.h"

static PGconn *dbc;
static struct emu_ctx emu;

static void fresh_emulator(void)
{
	emu_ctl(&emu, "/_emulator/reset", "{}");
	emu_ctl(&emu, "/_emulator/config", "{\"webhook_url\":\"\",\"processing_delay_ms\":300}");
}

static const char *const worker_env[] = { "LANGFLIX_WORKER_SLOTS=1", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
					  "LANGFLIX_WORKER_LEASE_SEC=10", NULL };

struct upload {
	struct tconn acc;
	char rel[256];
	char sha[65];
	long long size;
	long long job;
};

static void enqueue(struct upload *u, const char *open_id, const char *scopes, long long size,
		    const struct wt_job *tmpl)
{
	struct wt_job j = tmpl ? *tmpl : (struct wt_job){ .privacy = "PUBLIC_TO_EVERYONE" };

	if (!u->acc.account_id)
		tconn_connect(open_id, scopes, &u->acc);
	u->size = size;
	if (!j.bytes_total)
		j.bytes_total = size;
	wt_file(size, u->rel, sizeof(u->rel));
	wt_sha256(u->rel, u->sha);
	u->job = wt_enqueue(dbc, &u->acc, wt_video(dbc, u->rel, size, 20000), &j);
}

/* Exactly one post of the creator reached PUBLISH_COMPLETE, with the
 * file's bytes. */
static void assert_one_published(const struct upload *u)
{
	struct json_object *s = emu_state(&emu), *posts = emu_get(s, "posts");
	int complete = 0;

	for (size_t i = 0; posts && i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		if (strcmp(emu_str(p, "open_id"), u->acc.open_id) != 0 ||
		    strcmp(emu_str(p, "status"), "PUBLISH_COMPLETE") != 0)
			continue;
		complete++;
		assert_string_equal(emu_str(p, "sha256"), u->sha);
	}
	json_object_put(s);
	assert_int_equal(complete, 1);
}

/* Violations other than `allowed` (NULL: none allowed). */
static void assert_no_violations_but(const char *allowed)
{
	struct json_object *s = emu_state(&emu), *v = emu_get(s, "violations");

	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		const char *kind = emu_str(json_object_array_get_idx(v, i), "kind");
		if (!allowed || strcmp(kind, allowed) != 0)
			fail_msg("unexpected violation: %s",
				 json_object_to_json_string(json_object_array_get_idx(v, i)));
	}
	json_object_put(s);
}

/* ---- crashes and shutdown ---- */

static void sigkill_mid_upload_resumes_with_one_post(void **state)
{
	struct upload u = { 0 };
	char *bs, *att;
	pid_t w1, w2;

	(void)state;
	fresh_emulator();
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 70LL * 1000 * 1000 + 5, NULL);
	/* slow answers make the 7 chunks last long enough to kill in between */
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":300}");
	w1 = wt_worker_start(worker_env);
	assert_int_equal(wt_wait_bytes(dbc, u.job, 20LL * 1000 * 1000, 60), 0);
	wt_worker_kill(w1);
	bs = wt_col(dbc, u.job, "bytes_sent");
	assert_true(atoll(bs) < u.size);
	free(bs);
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":0}");
	/* the replacement claims the job once the dead worker's lease (10 s) ran out */
	w2 = wt_worker_start(worker_env);
	wt_assert_state(dbc, u.job, "published", 60);
	wt_worker_stop(w2);
	assert_one_published(&u);
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), 1);   /* never a second init */
	assert_int_equal(wt_events(dbc, u.job, "init", NULL), 1);
	assert_true(wt_events(dbc, u.job, "resumed", NULL) >= 1);
	att = wt_col(dbc, u.job, "attempts");
	assert_int_equal(atoi(att), 2);   /* the killed claim counts, the rest did not */
	free(att);
	/* a body cut short by the kill is the only thing the emulator may note */
	assert_no_violations_but("content_length_mismatch");
	wt_file_remove(u.rel);
}

static void sigterm_gives_the_job_back_at_once(void **state)
{
	struct upload u = { 0 };
	char *lock, *st, *bs;
	double took;
	pid_t w1, w2;

	(void)state;
	fresh_emulator();
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 70LL * 1000 * 1000 + 9, NULL);
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":400}");
	w1 = wt_worker_start(worker_env);
	assert_int_equal(wt_wait_bytes(dbc, u.job, 10LL * 1000 * 1000, 60), 0);
	took = wt_worker_stop(w1);
	print_message("worker exited %.2f s after SIGTERM\n", took);
	assert_true(took < 5.0);
	lock = wt_col(dbc, u.job, "locked_by");
	st = wt_col(dbc, u.job, "state");
	bs = wt_col(dbc, u.job, "bytes_sent");
	assert_string_equal(lock, "");          /* released, not left to expire */
	assert_string_equal(st, "uploading");
	assert_true(atoll(bs) >= 10LL * 1000 * 1000 && atoll(bs) < u.size);
	assert_int_equal(wt_events(dbc, u.job, "retry", "shutting down"), 1);
	free(lock);
	free(st);
	free(bs);
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":0}");
	w2 = wt_worker_start(worker_env);
	wt_assert_state(dbc, u.job, "published", 30);
	wt_worker_stop(w2);
	assert_one_published(&u);
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), 1);
	assert_no_violations_but("content_length_mismatch");
	wt_file_remove(u.rel);
}

/* ---- transient faults ---- */

static void survives_5xx_429_and_drops(void **state)
{
	static const char *const env[] = { "LANGFLIX_WORKER_SLOTS=2", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
					   "LANGFLIX_TIKTOK_RATE_WINDOW_SEC=6", NULL };
	struct upload a = { 0 }, b = { 0 };
	pid_t w;

	(void)state;
	fresh_emulator();
	emu_ctl(&emu, "/_emulator/config", "{\"rate_window_sec\":6}");
	enqueue(&a, WT_PUBLIC, WT_SCOPES, 3LL * 1000 * 1000, NULL);
	enqueue(&b, WT_PRIVATE, WT_SCOPES, 70LL * 1000 * 1000 + 77,
		&(struct wt_job){ .privacy = "SELF_ONLY" });
	emu_ctl(&emu, "/_emulator/faults",
		"{\"seed\":11,\"rate_5xx\":0.2,\"rate_429\":0.2,\"rate_drop\":0.05}");
	w = wt_worker_start(env);
	wt_assert_state(dbc, a.job, "published", 120);
	wt_assert_state(dbc, b.job, "published", 120);
	wt_worker_stop(w);
	emu_ctl(&emu, "/_emulator/faults", "{\"rate_5xx\":0,\"rate_429\":0,\"rate_drop\":0}");
	print_message("faults answered: %d x 500, %d x 429, %d x 502\n", wt_emu_calls_with_status(&emu, 500),
		      wt_emu_calls_with_status(&emu, 429), wt_emu_calls_with_status(&emu, 502));
	/* the faults did happen, and were survived */
	assert_true(wt_emu_calls_with_status(&emu, 500) >= 1);
	assert_true(wt_emu_calls_with_status(&emu, 429) >= 1);
	assert_one_published(&a);
	assert_one_published(&b);
	assert_int_equal(wt_events(dbc, a.job, "init", NULL) + wt_events(dbc, b.job, "init", NULL), 2);
	emu_assert_no_violations(&emu);
	wt_file_remove(a.rel);
	wt_file_remove(b.rel);
}

static void expired_upload_url_reinits_once(void **state)
{
	struct upload u = { 0 };
	double until;
	pid_t w;

	(void)state;
	fresh_emulator();
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 70LL * 1000 * 1000 + 3, NULL);
	/* URLs live 1 s and every call takes 0.7 s: a later chunk finds the URL dead */
	emu_ctl(&emu, "/_emulator/faults", "{\"upload_url_ttl_sec\":1,\"slow_ms\":700}");
	w = wt_worker_start(worker_env);
	until = now_mono() + 60;
	while (wt_events(dbc, u.job, "reinit", NULL) == 0 && now_mono() < until)
		usleep(50 * 1000);
	/* the next upload URL lives long enough */
	emu_ctl(&emu, "/_emulator/faults", "{\"upload_url_ttl_sec\":3600,\"slow_ms\":0}");
	wt_assert_state(dbc, u.job, "published", 60);
	wt_worker_stop(w);
	assert_int_equal(wt_events(dbc, u.job, "reinit", "Nothing was posted"), 1);
	assert_int_equal(wt_events(dbc, u.job, "init", NULL), 2);
	/* the abandoned upload never became a post; the second one did, once */
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), 2);
	assert_one_published(&u);
	emu_assert_no_violations(&emu);
	wt_file_remove(u.rel);
}

static void attempts_are_bounded_and_the_end_is_explicit(void **state)
{
	struct upload u = { 0 };
	char *why, *att;
	pid_t w;

	(void)state;
	fresh_emulator();
	tconn_connect(WT_PUBLIC, WT_SCOPES, &u.acc);
	/* TikTok answers every call with 500 */
	emu_ctl(&emu, "/_emulator/faults", "{\"seed\":3,\"rate_5xx\":1}");
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000,
		&(struct wt_job){ .privacy = "SELF_ONLY", .max_attempts = 3 });
	w = wt_worker_start(worker_env);
	wt_assert_state(dbc, u.job, "failed", 60);
	wt_worker_stop(w);
	emu_ctl(&emu, "/_emulator/faults", "{\"rate_5xx\":0}");
	why = wt_col(dbc, u.job, "fail_reason");
	att = wt_col(dbc, u.job, "attempts");
	print_message("  %s\n", why);
	assert_non_null(strstr(why, "tried 3 times and gave up"));
	assert_int_equal(atoi(att), 3);
	assert_int_equal(wt_events(dbc, u.job, "retry", "Next try"), 2);
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), 0);
	free(why);
	free(att);
	wt_file_remove(u.rel);
}

static void refused_token_is_refreshed_once(void **state)
{
	struct upload u = { 0 };
	pid_t w;

	(void)state;
	fresh_emulator();
	tconn_connect(WT_PUBLIC, WT_SCOPES, &u.acc);
	/* TikTok kills the access token before the expiry we recorded */
	emu_ctl(&emu, "/_emulator/expire_tokens", "{\"open_id\":\"" WT_PUBLIC "\",\"kind\":\"access\"}");
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 2LL * 1000 * 1000, NULL);
	w = wt_worker_start(worker_env);
	wt_assert_state(dbc, u.job, "published", 60);
	wt_worker_stop(w);
	assert_int_equal(wt_events(dbc, u.job, "token_refreshed", NULL), 1);
	assert_one_published(&u);
	emu_assert_no_violations(&emu);
	wt_file_remove(u.rel);
}

static void rate_limits_hold_for_many_jobs(void **state)
{
	static const char *const env[] = { "LANGFLIX_WORKER_SLOTS=3", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
					   "LANGFLIX_TIKTOK_RATE_WINDOW_SEC=5", NULL };
	enum { N = 9 };
	struct upload u[N];
	int waited = 0;
	pid_t w;

	(void)state;
	memset(u, 0, sizeof(u));
	fresh_emulator();
	/* TikTok's per-minute limits, on a 5 s window for the test's sake */
	emu_ctl(&emu, "/_emulator/config", "{\"rate_window_sec\":5}");
	tconn_connect(WT_PUBLIC, WT_SCOPES, &u[0].acc);
	for (int i = 0; i < N; i++) {
		u[i].acc = u[0].acc;
		enqueue(&u[i], WT_PUBLIC, WT_SCOPES, 1000 * 1000 + i, NULL);
	}
	w = wt_worker_start(env);
	for (int i = 0; i < N; i++) {
		wt_assert_state(dbc, u[i].job, "published", 90);
		waited += wt_events(dbc, u[i].job, "retry", "limit");
	}
	wt_worker_stop(w);
	print_message("%d waits for a rate limit among %d jobs\n", waited, N);
	assert_true(waited >= 1);                         /* the limiter did engage */
	assert_int_equal(wt_emu_calls_with_status(&emu, 429), 0);   /* and TikTok never had to say so */
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), N);
	emu_assert_no_violations(&emu);
	for (int i = 0; i < N; i++) {
		char *att = wt_col(dbc, u[i].job, "attempts");
		assert_int_equal(atoi(att), 1);   /* waiting is not a failed attempt */
		free(att);
		wt_file_remove(u[i].rel);
	}
}

/* ---- permanent errors ---- */

/* Run one job to failure; returns the fail_reason (malloc'd). */
static char *fail_with(struct upload *u, const char *open_id, const char *scopes, long long size,
		       const struct wt_job *tmpl)
{
	pid_t w;
	char *why;

	enqueue(u, open_id, scopes, size, tmpl);
	w = wt_worker_start(worker_env);
	wt_assert_state(dbc, u->job, "failed", 60);
	wt_worker_stop(w);
	why = wt_col(dbc, u->job, "fail_reason");
	assert_int_equal(wt_events(dbc, u->job, "failed", why), 1);
	print_message("  %s\n", why);
	wt_file_remove(u->rel);
	return why;
}

static int init_calls(void)
{
	struct json_object *s = emu_state(&emu), *calls = emu_get(s, "calls");
	int n = 0;

	for (size_t i = 0; calls && i < json_object_array_length(calls); i++)
		if (strstr(emu_str(json_object_array_get_idx(calls, i), "path"), "/video/init/"))
			n++;
	json_object_put(s);
	return n;
}

static void permanent_errors_in_plain_words(void **state)
{
	struct upload u;
	char *why, *st;

	(void)state;
	fresh_emulator();

	/* creator_info: cannot post (HTTP 200 + spam_risk_too_many_posts) */
	memset(&u, 0, sizeof(u));
	why = fail_with(&u, WT_CAPPED, WT_SCOPES, 1000 * 1000, NULL);
	assert_non_null(strstr(why, "tomorrow"));
	free(why);

	/* the privacy level is not among the creator's options: refused before init */
	memset(&u, 0, sizeof(u));
	why = fail_with(&u, WT_PRIVATE, WT_SCOPES, 1000 * 1000,
			&(struct wt_job){ .privacy = "PUBLIC_TO_EVERYONE" });
	assert_non_null(strstr(why, "privacy setting is no longer offered"));
	free(why);

	/* longer than the creator may post (max.private: 180 s) */
	memset(&u, 0, sizeof(u));
	enqueue(&u, WT_PRIVATE, WT_SCOPES, 1000 * 1000, &(struct wt_job){ .privacy = "SELF_ONLY" });
	free(t_db_value(dbc, "UPDATE videos SET duration_ms = 200000 WHERE path = $1 RETURNING id", 1,
			(const char *[]){ u.rel }));
	{
		pid_t w = wt_worker_start(worker_env);
		wt_assert_state(dbc, u.job, "failed", 60);
		wt_worker_stop(w);
	}
	why = wt_col(dbc, u.job, "fail_reason");
	assert_non_null(strstr(why, "at most 180 seconds"));
	free(why);
	wt_file_remove(u.rel);

	/* the file is not the one that was enqueued */
	memset(&u, 0, sizeof(u));
	why = fail_with(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000,
			&(struct wt_job){ .privacy = "SELF_ONLY", .bytes_total = 1000 * 1000 + 1 });
	assert_non_null(strstr(why, "changed or is missing"));
	free(why);

	/* no direct post permission: said before any call (no scope violation) */
	memset(&u, 0, sizeof(u));
	why = fail_with(&u, WT_PRIVATE, "user.info.basic,video.upload", 1000 * 1000,
			&(struct wt_job){ .privacy = "SELF_ONLY" });
	assert_non_null(strstr(why, "Reconnect the account and allow posting"));
	free(why);

	/* the user removed the app in TikTok: the token and the refresh are
	 * refused → the account needs reconnecting, and the job says so */
	memset(&u, 0, sizeof(u));
	tconn_connect(WT_PUBLIC, WT_SCOPES, &u.acc);
	emu_ctl(&emu, "/_emulator/revoke", "{\"open_id\":\"" WT_PUBLIC "\",\"reason\":1}");
	why = fail_with(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000, &(struct wt_job){ .privacy = "SELF_ONLY" });
	assert_non_null(strstr(why, "Reconnect the account"));
	free(why);
	{
		char id[24], *status;
		snprintf(id, sizeof(id), "%lld", u.acc.account_id);
		status = t_db_value(dbc, "SELECT status FROM tiktok_accounts WHERE id = $1", 1,
				    (const char *[]){ id });
		assert_string_equal(status, "needs_reconnect");
		free(status);
	}

	/* a job of a platform this build does not know: refused by name,
	 * before any call to TikTok (the worker reaches platforms only
	 * through lib/platform.h) */
	{
		struct json_object *s;
		size_t before;

		memset(&u, 0, sizeof(u));
		tconn_connect(WT_PUBLIC, WT_SCOPES, &u.acc);
		s = emu_state(&emu);
		before = json_object_array_length(emu_get(s, "calls"));
		json_object_put(s);
		why = fail_with(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000,
				&(struct wt_job){ .privacy = "SELF_ONLY", .platform = "nosuchplatform" });
		assert_non_null(strstr(why, "\"nosuchplatform\""));
		assert_non_null(strstr(why, "does not support"));
		free(why);
		s = emu_state(&emu);
		assert_int_equal(json_object_array_length(emu_get(s, "calls")), before);
		json_object_put(s);
	}

	/* no init happened for any of the above */
	assert_int_equal(init_calls(), 0);

	/* an unaudited app and a public account: init refused with 403 */
	emu_ctl(&emu, "/_emulator/faults", "{\"unaudited\":true}");
	memset(&u, 0, sizeof(u));
	why = fail_with(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000, &(struct wt_job){ .privacy = "SELF_ONLY" });
	assert_non_null(strstr(why, "private"));
	free(why);
	emu_ctl(&emu, "/_emulator/faults", "{\"unaudited\":false}");

	/* TikTok's processing fails late: frame rate */
	memset(&u, 0, sizeof(u));
	why = fail_with(&u, WT_BADMEDIA, WT_SCOPES, 1000 * 1000, &(struct wt_job){ .privacy = "SELF_ONLY" });
	assert_non_null(strstr(why, "frame rate"));
	free(why);
	st = wt_col(dbc, u.job, "tiktok_status");
	assert_string_equal(st, "FAILED");
	free(st);

	emu_assert_no_violations(&emu);
}

/* ---- poisoned jobs: bounded however they fail ---- */

/* A claim that never ends, as a worker that crashed (or hung) on the job
 * leaves it: leased for 1 s, then the lease runs out. The job's id. */
static long long crashed_claim(void)
{
	struct db db;
	struct job got;

	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(jobs_claim(&db, "crashed:1:0", 1, &got), 1);
	db_close(&db);
	usleep(1200 * 1000);
	return got.id;
}

static void a_job_that_kills_every_worker_ends_failed(void **state)
{
	struct upload u = { 0 };
	struct db db;
	struct job got;
	char *why, *att;
	pid_t w;

	(void)state;
	fresh_emulator();
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000,
		&(struct wt_job){ .privacy = "SELF_ONLY", .max_attempts = 2 });
	/* both of its attempts crashed their worker */
	assert_int_equal(crashed_claim(), u.job);
	assert_int_equal(crashed_claim(), u.job);
	w = wt_worker_start(worker_env);
	wt_assert_state(dbc, u.job, "failed", 30);
	wt_worker_stop(w);
	why = wt_col(dbc, u.job, "fail_reason");
	att = wt_col(dbc, u.job, "attempts");
	print_message("  %s\n", why);
	assert_non_null(strstr(why, "tried 2 times and gave up"));
	assert_non_null(strstr(why, "Nothing was posted"));
	assert_int_equal(atoi(att), 2);                 /* no third claim */
	assert_int_equal(wt_events(dbc, u.job, "failed", "tried 2 times"), 1);
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), 0);
	/* and it is never handed out again */
	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(jobs_claim(&db, "test:1:0", 1, &got), 0);
	db_close(&db);
	free(why);
	free(att);
	wt_file_remove(u.rel);
}

/* TikTok answers every part with 416 `bytes *\/N` ("I hold nothing"): the
 * worker resends part 1 a bounded number of times per claim, backs off,
 * and ends the job after its attempts. */
static void a_part_refused_forever_is_bounded(void **state)
{
	struct upload u = { 0 };
	int refused;
	char *why;
	pid_t w;

	(void)state;
	fresh_emulator();
	emu_ctl(&emu, "/_emulator/faults", "{\"rate_416\":1}");
	enqueue(&u, WT_PUBLIC, WT_SCOPES, 1000 * 1000,
		&(struct wt_job){ .privacy = "SELF_ONLY", .max_attempts = 2 });
	w = wt_worker_start(worker_env);
	wt_assert_state(dbc, u.job, "failed", 60);
	wt_worker_stop(w);
	refused = wt_emu_calls_with_status(&emu, 416);
	emu_ctl(&emu, "/_emulator/faults", "{\"rate_416\":0}");
	why = wt_col(dbc, u.job, "fail_reason");
	print_message("  %d parts refused; %s\n", refused, why);
	assert_non_null(strstr(why, "tried 2 times and gave up"));
	assert_non_null(strstr(why, "refused part 1 of 1"));
	assert_true(refused >= 2 && refused <= 8);     /* 3 a claim, 2 claims */
	assert_int_equal(wt_events(dbc, u.job, "retry", "Next try"), 1);
	free(why);
	wt_file_remove(u.rel);
}

static int setup(void **state)
{
	(void)state;
	dbc = t_db();
	emu_open(&emu);
	wt_pause_stack_worker();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wt_resume_stack_worker();
	emu_close(&emu);
	PQfinish(dbc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigkill_mid_upload_resumes_with_one_post),
		cmocka_unit_test(sigterm_gives_the_job_back_at_once),
		cmocka_unit_test(survives_5xx_429_and_drops),
		cmocka_unit_test(expired_upload_url_reinits_once),
		cmocka_unit_test(attempts_are_bounded_and_the_end_is_explicit),
		cmocka_unit_test(refused_token_is_refreshed_once),
		cmocka_unit_test(rate_limits_hold_for_many_jobs),
		cmocka_unit_test(permanent_errors_in_plain_words),
		cmocka_unit_test(a_job_that_kills_every_worker_ends_failed),
		cmocka_unit_test(a_part_refused_forever_is_bounded),
	};

	/* WT_ONLY=name runs one test (while working on it) */
	if (getenv("WT_ONLY"))
		cmocka_set_test_filter(getenv("WT_ONLY"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
