/* test_worker_upload.c — the worker end to end against the real stack
 * (PostgreSQL, nginx, emulator): jobs inserted as the composer inserts
 * them reach PUBLISH_COMPLETE / SEND_TO_USER_INBOX with the bytes the
 * emulator received identical to the file (SHA-256) and no protocol
 * violation; a private post ends with the profile URL; peak RSS does not
 * grow with the file; upload throughput compared with `curl -T`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "worker_test.h"

#include "accounts.h"
#include "chunkplan.h"
#include "db.h"
#include "tiktok_post.h"

static PGconn *dbc;
static struct emu_ctx emu;

/* A fresh emulator (posts, tokens, logs) with quick processing. */
static void fresh_emulator(void)
{
	emu_ctl(&emu, "/_emulator/reset", "{}");
	emu_ctl(&emu, "/_emulator/config", "{\"webhook_url\":\"\",\"processing_delay_ms\":300}");
}

static const char *const worker_env[] = { "LANGFLIX_WORKER_SLOTS=1",
					  "LANGFLIX_WORKER_STATUS_POLL_SEC=1", NULL };

/* Post a file of size bytes for the creator; checks everything the issue
 * asks of a published upload and returns the job id. */
static long long post_and_check(const char *open_id, const char *privacy, long long size,
				int want_chunks)
{
	struct tconn acc;
	struct wt_job j = { .privacy = privacy, .title = "Hola 👋 #spanish @lena", .bytes_total = size,
			    .allow_comment = 1, .cover_ms = 1500 };
	struct json_object *post;
	char rel[256], sha[65], *url, *pid, *tst;
	long long job;

	tconn_connect(open_id, WT_SCOPES, &acc);
	wt_file(size, rel, sizeof(rel));
	wt_sha256(rel, sha);
	job = wt_enqueue(dbc, &acc, wt_video(dbc, rel, size, 20000), &j);
	wt_assert_state(dbc, job, "published", 120);

	assert_int_equal(wt_emu_posts(&emu, open_id, &post), 1);
	assert_string_equal(emu_str(post, "sha256"), sha);
	assert_int_equal(json_object_get_int64(emu_get(post, "bytes")), size);
	assert_int_equal(json_object_get_int(emu_get(post, "total_chunk_count")), want_chunks);
	assert_int_equal(json_object_get_int(emu_get(post, "chunks_received")), want_chunks);
	assert_string_equal(emu_str(post, "status"), "PUBLISH_COMPLETE");
	assert_string_equal(emu_str(post, "privacy_level"), privacy);
	assert_string_equal(emu_str(post, "title"), "Hola 👋 #spanish @lena");
	assert_string_equal(emu_str(post, "content_type"), "video/mp4");
	assert_int_equal(json_object_get_int(emu_get(post, "flags.video_cover_timestamp_ms")), 1500);
	assert_false(json_object_get_boolean(emu_get(post, "flags.disable_comment")));
	assert_true(json_object_get_boolean(emu_get(post, "flags.disable_duet")) ||
		    strcmp(open_id, WT_PUBLIC) != 0);
	emu_assert_no_violations(&emu);

	tst = wt_col(dbc, job, "tiktok_status");
	assert_string_equal(tst, "PUBLISH_COMPLETE");
	pid = wt_col(dbc, job, "post_id");
	url = wt_col(dbc, job, "post_url");
	if (!strcmp(privacy, "PUBLIC_TO_EVERYONE")) {
		char want[200];
		assert_string_equal(pid, emu_str(post, "post_id"));
		snprintf(want, sizeof(want), "https://www.tiktok.com/@lena.public/video/%s", pid);
		assert_string_equal(url, want);
	} else {
		/* no public id yet: the profile, and the timeline says why */
		assert_string_equal(pid, "");
		assert_string_equal(url, "https://www.tiktok.com/@max.private");
		assert_int_equal(wt_events(dbc, job, "published", "under review"), 1);
	}
	/* the timeline: each step once, each chunk once */
	assert_int_equal(wt_events(dbc, job, "init", NULL), 1);
	assert_int_equal(wt_events(dbc, job, "creator_info", NULL), 1);
	assert_int_equal(wt_events(dbc, job, "chunk", NULL), want_chunks);
	assert_int_equal(wt_events(dbc, job, "upload_complete", NULL), 1);
	assert_int_equal(wt_events(dbc, job, "published", NULL), 1);
	free(tst);
	free(pid);
	free(url);
	{
		char *bs = wt_col(dbc, job, "bytes_sent"), *cc = wt_col(dbc, job, "chunk_count"),
		     *att = wt_col(dbc, job, "attempts"), *fin = wt_col(dbc, job, "finished_at"),
		     *lock = wt_col(dbc, job, "locked_by");
		assert_int_equal(atoll(bs), size);
		assert_int_equal(atoi(cc), want_chunks);
		assert_int_equal(atoi(att), 1);       /* polls and waits used no attempt */
		assert_string_not_equal(fin, "");
		assert_string_equal(lock, "");
		free(bs);
		free(cc);
		free(att);
		free(fin);
		free(lock);
	}
	json_object_put(post);
	wt_file_remove(rel);
	return job;
}

static void small_video_one_chunk(void **state)
{
	pid_t w = wt_worker_start(worker_env);

	(void)state;
	fresh_emulator();
	post_and_check(WT_PUBLIC, "PUBLIC_TO_EVERYONE", 3 * 1000 * 1000 + 7, 1);
	wt_worker_stop(w);
}

static void thirty_mb_and_over_64_mb(void **state)
{
	pid_t w = wt_worker_start(worker_env);

	(void)state;
	fresh_emulator();
	/* 30 MB is one chunk under the conservative plan (≤ 64,000,000) */
	post_and_check(WT_PUBLIC, "PUBLIC_TO_EVERYONE", 30 * 1000 * 1000 + 11, 1);
	fresh_emulator();
	/* over 64 MB must chunk: 10,000,000-byte chunks, the last absorbs the rest */
	post_and_check(WT_PUBLIC, "PUBLIC_TO_EVERYONE", 70 * 1000 * 1000 + 123, 7);
	wt_worker_stop(w);
}

static void private_post_gets_profile_url(void **state)
{
	pid_t w = wt_worker_start(worker_env);

	(void)state;
	fresh_emulator();
	post_and_check(WT_PRIVATE, "SELF_ONLY", 2 * 1000 * 1000, 1);
	wt_worker_stop(w);
}

static void inbox_reaches_user_inbox(void **state)
{
	struct tconn acc;
	struct wt_job j = { .mode = "inbox", .bytes_total = 6 * 1000 * 1000 };
	struct json_object *post;
	char rel[256], sha[65], *st;
	long long job;
	pid_t w = wt_worker_start(worker_env);

	(void)state;
	fresh_emulator();
	/* an inbox-only account (no video.publish): no creator_info call */
	tconn_connect(WT_PRIVATE, "user.info.basic,video.upload", &acc);
	wt_file(j.bytes_total, rel, sizeof(rel));
	wt_sha256(rel, sha);
	job = wt_enqueue(dbc, &acc, wt_video(dbc, rel, j.bytes_total, 20000), &j);
	wt_assert_state(dbc, job, "inboxed", 60);
	assert_int_equal(wt_emu_posts(&emu, WT_PRIVATE, &post), 1);
	assert_string_equal(emu_str(post, "mode"), "INBOX");
	assert_string_equal(emu_str(post, "sha256"), sha);
	assert_string_equal(emu_str(post, "status"), "SEND_TO_USER_INBOX");
	st = wt_col(dbc, job, "tiktok_status");
	assert_string_equal(st, "SEND_TO_USER_INBOX");
	assert_int_equal(wt_events(dbc, job, "inboxed", "TikTok app"), 1);
	assert_int_equal(wt_events(dbc, job, "creator_info", NULL), 0);
	emu_assert_no_violations(&emu);
	free(st);
	json_object_put(post);
	wt_file_remove(rel);
	wt_worker_stop(w);
}

/* ---- memory and throughput ---- */

/* AddressSanitizer keeps freed blocks in a quarantine of up to 256 MB, so
 * under the sanitizers the RSS grows with the number of allocations (more
 * chunks, more log lines) whatever the program does; without the
 * quarantine the figure is the program's own. */
static const char *const rss_env[] = { "LANGFLIX_WORKER_SLOTS=1", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
				       "ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=0", NULL };

/* The worker's peak RSS after uploading one file of size bytes, in a
 * worker process of its own. *seconds gets init→upload_complete. */
static long peak_rss_for(long long size, int want_chunks, double *seconds)
{
	struct tconn acc;
	struct wt_job j = { .privacy = "PUBLIC_TO_EVERYONE", .bytes_total = size };
	struct json_object *post;
	char rel[256], sha[65], id[24], *secs;
	long long job;
	long kb;
	pid_t w;

	fresh_emulator();
	tconn_connect(WT_PUBLIC, WT_SCOPES, &acc);
	wt_file(size, rel, sizeof(rel));
	wt_sha256(rel, sha);
	w = wt_worker_start(rss_env);
	job = wt_enqueue(dbc, &acc, wt_video(dbc, rel, size, 20000), &j);
	wt_assert_state(dbc, job, "published", 170);
	kb = wt_peak_rss_kb(w);
	wt_worker_stop(w);
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, &post), 1);
	assert_string_equal(emu_str(post, "sha256"), sha);
	assert_int_equal(json_object_get_int(emu_get(post, "chunks_received")), want_chunks);
	json_object_put(post);
	emu_assert_no_violations(&emu);
	snprintf(id, sizeof(id), "%lld", job);
	secs = t_db_value(dbc, "SELECT extract(epoch FROM max(at) FILTER (WHERE kind = 'upload_complete')"
			       " - min(at) FILTER (WHERE kind = 'init')) FROM job_events WHERE job_id = $1",
			  1, (const char *[]){ id });
	*seconds = atof(secs);
	free(secs);
	wt_file_remove(rel);
	return kb;
}

static void peak_rss_does_not_grow_with_the_file(void **state)
{
	double s30, s300;
	long kb30, kb300;

	(void)state;
	kb30 = peak_rss_for(30LL * 1000 * 1000, 1, &s30);
	kb300 = peak_rss_for(300LL * 1000 * 1000, 30, &s300);
	print_message("worker peak RSS: %ld kB for 30 MB, %ld kB for 300 MB; upload %.1f MB/s and "
		      "%.1f MB/s\n", kb30, kb300, 30.0 / s30, 300.0 / s300);
	/* the same within allocator noise: nothing is sized by the file */
	assert_true(kb300 <= kb30 + 3 * 1024);
}

/* One single-chunk PUT of the same file by the worker and by curl -T to
 * an upload URL of the same emulator; the figures are printed, not
 * asserted (the machine's load decides them). */
static double curl_put_seconds(const struct tconn *acc, const char *rel, long long size)
{
	const struct config *cfg = tconn_config();
	struct tiktok_client client;
	struct tiktok_result res;
	struct tiktok_source src = { .video_size = size };
	struct tiktok_init in;
	struct buf tok = BUF_INIT;
	struct db db;
	char cmd[2400];
	double secs = -1;
	int code = 0;
	FILE *p;

	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(accounts_access_token(&db, cfg, acc->account_id, &tok), ACC_OK);
	db_close(&db);
	assert_int_equal(chunk_plan_make(size, &src.chunk_size, &src.chunk_count), 0);
	assert_int_equal(src.chunk_count, 1);
	accounts_client(cfg, &client);
	tiktok_result_init(&res);
	assert_int_equal(tiktok_post_init(&client, buf_cstr(&tok), NULL, &src, &in, &res), 0);
	tiktok_result_free(&res);
	accounts_wipe(&tok);
	snprintf(cmd, sizeof(cmd), "curl -sS -o /dev/null -w '%%{http_code} %%{time_total}' -T '%s/%s' "
		 "-H 'Content-Type: video/mp4' -H 'Content-Range: bytes 0-%lld/%lld' '%s'",
		 t_env("LF_MEDIA"), rel, size - 1, size, in.upload_url);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d %lf", &code, &secs), 2);
	pclose(p);
	assert_int_equal(code, 201);
	return secs;
}

/* The worker's own time for the PUT, from its log line
 * "event=chunk_put job=N ... ms=T" in $LF_VAR/log/worker.log. */
static double logged_put_seconds(long long job)
{
	char cmd[1024];
	double ms = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "grep -h 'event=chunk_put job=%lld ' '%s/log/worker.log' | "
		 "sed -n 's/.* ms=\\([0-9.]*\\) .*/\\1/p' | tail -n 1", job, t_env("LF_VAR"));
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%lf", &ms) != 1)
		ms = -1;
	pclose(p);
	assert_true(ms > 0);
	return ms / 1000.0;
}

static double worker_put_seconds(const struct tconn *acc, long long video, long long size)
{
	/* the same clip three times: "post again" each time (the duplicate guard) */
	struct wt_job j = { .mode = "inbox", .bytes_total = size, .repost = 1 };
	long long job = wt_enqueue(dbc, acc, video, &j);

	wt_assert_state(dbc, job, "inboxed", 120);
	return logged_put_seconds(job);
}

static void throughput_against_curl(void **state)
{
	const long long size = 60LL * 1000 * 1000;
	struct tconn acc;
	char rel[256];
	double wbest = 1e9, cbest = 1e9;
	long long video;
	pid_t w;

	(void)state;
	fresh_emulator();
	emu_ctl(&emu, "/_emulator/config", "{\"max_pending_inbox\":10}");
	tconn_connect(WT_PRIVATE, "user.info.basic,video.upload", &acc);
	wt_file(size, rel, sizeof(rel));
	video = wt_video(dbc, rel, size, 20000);
	w = wt_worker_start(worker_env);
	for (int i = 0; i < 3; i++) {
		double ws = worker_put_seconds(&acc, video, size), cs = curl_put_seconds(&acc, rel, size);
		if (ws < wbest)
			wbest = ws;
		if (cs < cbest)
			cbest = cs;
	}
	wt_worker_stop(w);
	print_message("throughput, one 60 MB PUT through nginx to the emulator (best of 3): worker %.1f MB/s "
		      "(%.3f s), curl -T %.1f MB/s (%.3f s), ratio %.2f\n", 60.0 / wbest, wbest, 60.0 / cbest,
		      cbest, cbest / wbest);
	emu_assert_no_violations(&emu);
	wt_file_remove(rel);
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
		cmocka_unit_test(small_video_one_chunk),
		cmocka_unit_test(thirty_mb_and_over_64_mb),
		cmocka_unit_test(private_post_gets_profile_url),
		cmocka_unit_test(inbox_reaches_user_inbox),
		cmocka_unit_test(peak_rss_does_not_grow_with_the_file),
		cmocka_unit_test(throughput_against_curl),
	};

	/* WT_ONLY=name runs one test (while working on it) */
	if (getenv("WT_ONLY"))
		cmocka_set_test_filter(getenv("WT_ONLY"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
