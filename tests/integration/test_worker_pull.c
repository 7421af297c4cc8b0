/* test_worker_pull.c — PULL_FROM_URL end to end (tiktok-api.md §2.5,
 * tiktok_source = pull_from_url): the worker asks the emulator to fetch the
 * video from the site's signed address (GET /pull/videos/{id}, checked by
 * the app, sent by nginx from disk), so the worker never opens the file (its
 * media root here is an empty folder) and sends no video bytes; the bytes
 * the emulator fetched match the file (SHA-256). The failures end with a
 * sentence each: an address TikTok has not verified, an address the site
 * refuses (expired or forged signature: 403; no such route: 404; the
 * emulator then reports video_pull_failed), and a file larger than TikTok
 * fetches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "worker_test.h"

#include "pullurl.h"

#include <time.h>

#define VIEWER_PW "pull-viewer-password-1"

static PGconn *dbc;
static struct emu_ctx emu;
static char empty_media[512];
static long long viewer_id;

/* The emulator trusts the site's /pull/ prefix (or prefix when given). */
static void emulator_verifies(const char *prefix, long long max_bytes)
{
	char cfg[600];

	emu_ctl(&emu, "/_emulator/reset", "{}");
	snprintf(cfg, sizeof(cfg), "{\"webhook_url\":\"\",\"processing_delay_ms\":200,"
		 "\"verified_url_prefixes\":\"%s\",\"pull_max_bytes\":%lld}",
		 prefix, max_bytes > 0 ? max_bytes : 4000000000LL);
	emu_ctl(&emu, "/_emulator/config", cfg);
}

static char *site_prefix(void)
{
	return t_printf("%s/pull/", t_env("LF_BASE_URL"));
}

/* A worker in pull mode whose media root holds nothing: a worker that
 * tried to read the video would fail the job. */
static pid_t pull_worker(const char *base_url)
{
	char *b = t_printf("LANGFLIX_MEDIA_PUBLIC_BASE_URL=%s", base_url);
	char *m = t_printf("LANGFLIX_MEDIA_ROOT=%s", empty_media);
	const char *env[] = { "LANGFLIX_WORKER_SLOTS=1", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
			      "LANGFLIX_TIKTOK_SOURCE=pull_from_url", b, m, NULL };
	pid_t w = wt_worker_start(env);

	free(b);
	free(m);
	return w;
}

/* Bytes the process has written so far (sockets included): /proc/PID/io. */
static long long written_bytes(pid_t pid)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static long long pull_job_of(const struct tconn *acc, long long video, long long size)
{
	struct wt_job j = { .privacy = "PUBLIC_TO_EVERYONE", .title = "Pulled #spanish",
			    .bytes_total = size, .source = "PULL_FROM_URL", .user_id = viewer_id };

	return wt_enqueue(dbc, acc, video, &j);
}

static long long pull_job(const struct tconn *acc, const char *rel, long long size)
{
	return pull_job_of(acc, wt_video(dbc, rel, size, 20000), size);
}

static void expect_failed_with(long long job, const char *words)
{
	char *why;

	wt_assert_state(dbc, job, "failed", 60);
	why = wt_col(dbc, job, "fail_reason");
	if (!strstr(why, words)) {
		char msg[900];
		snprintf(msg, sizeof(msg), "job %lld failed with \"%s\", want a sentence with \"%s\"", job,
			 why, words);
		free(why);
		fail_msg("%s", msg);
	}
	free(why);
}

static void pulled_post_sends_no_bytes_through_the_worker(void **state)
{
	const long long size = 6 * 1000 * 1000 + 17;
	char rel[256], sha[65], *prefix = site_prefix(), *st, *path;
	struct json_object *post;
	struct tclient *c;
	struct tresp r;
	struct tconn acc;
	long long job, before;
	pid_t w;

	(void)state;
	emulator_verifies(prefix, 0);
	tconn_connect(WT_PUBLIC, WT_SCOPES, &acc);
	wt_file(size, rel, sizeof(rel));
	wt_sha256(rel, sha);
	w = pull_worker(t_env("LF_BASE_URL"));
	before = written_bytes(w);
	job = pull_job(&acc, rel, size);
	wt_assert_state(dbc, job, "published", 60);
	/* everything the worker wrote (logs, SQL, JSON to the emulator) is a
	 * small fraction of one copy of the video */
	if (written_bytes(w) - before > size / 10)
		fail_msg("the worker wrote %lld bytes for a %lld-byte video", written_bytes(w) - before, size);
	wt_worker_stop(w);

	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, &post), 1);
	assert_string_equal(emu_str(post, "source"), "PULL_FROM_URL");
	assert_string_equal(emu_str(post, "sha256"), sha);
	assert_int_equal(json_object_get_int64(emu_get(post, "video_size")), size);
	path = t_printf("%svideos/", prefix);
	assert_true(!strncmp(emu_str(post, "video_url"), path, strlen(path)));
	t_contains(emu_str(post, "video_url"), "&sig=");
	free(path);
	json_object_put(post);
	emu_assert_no_violations(&emu);
	/* the timeline: TikTok came for the file once; no part was sent */
	assert_int_equal(wt_events(dbc, job, "pull_fetch", NULL), 1);
	assert_int_equal(wt_events(dbc, job, "chunk", NULL), 0);
	assert_int_equal(wt_events(dbc, job, "init", "PULL_FROM_URL"), 1);
	st = wt_col(dbc, job, "source");
	assert_string_equal(st, "PULL_FROM_URL");
	free(st);
	/* the job page says which way the file went */
	c = tc_new();
	t_sign_in(c, "pullviewer", VIEWER_PW);
	path = t_printf("/jobs/%lld", job);
	assert_int_equal(tc_get(c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "TikTok fetches the file from this site.");
	tresp_free(&r);
	free(path);
	tc_free(c);
	wt_file_remove(rel);
	free(prefix);
}

static void unverified_address_fails_with_a_sentence(void **state)
{
	char rel[256];
	struct tconn acc;
	long long job;
	pid_t w;

	(void)state;
	/* TikTok verified some other site only */
	emulator_verifies("https://elsewhere.example.com/pull/", 0);
	tconn_connect(WT_PUBLIC, WT_SCOPES, &acc);
	wt_file(100000, rel, sizeof(rel));
	w = pull_worker(t_env("LF_BASE_URL"));
	job = pull_job(&acc, rel, 100000);
	expect_failed_with(job, "not verified for LangFlix at TikTok");
	wt_worker_stop(w);
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, NULL), 0);
	wt_file_remove(rel);
}

/* The emulator, asked directly (as TikTok would be) to fetch addr. */
static const char *emulator_pull(const char *tok, const char *addr)
{
	static char why[64];
	char *body = t_printf("{\"source_info\":{\"source\":\"PULL_FROM_URL\",\"video_url\":\"%s\"}}", addr);
	char pid[96];
	long st;
	struct json_object *o = emu_api(&emu, "/v2/post/publish/inbox/video/init/", tok, body, &st);

	free(body);
	assert_int_equal(st, 200);
	snprintf(pid, sizeof(pid), "%s", emu_str(o, "data.publish_id"));
	json_object_put(o);
	for (int i = 0; i < 200; i++) {
		o = emu_status(&emu, tok, pid, &st);
		if (strcmp(emu_str(o, "data.status"), "PROCESSING_DOWNLOAD") != 0) {
			snprintf(why, sizeof(why), "%s", emu_str(o, "data.fail_reason"));
			json_object_put(o);
			return why;
		}
		json_object_put(o);
		usleep(50000);
	}
	fail_msg("the pull of %s never ended", addr);
	return NULL;
}

static void refused_addresses_end_in_download_failed(void **state)
{
	const struct config *cfg = tconn_config();
	char rel[256], tok[200], *prefix = site_prefix(), *good, *bad, *base;
	struct buf u = BUF_INIT;
	struct tresp r;
	struct tclient *c = tc_new_base("");
	struct tconn acc;
	long long video, job;
	pid_t w;

	(void)state;
	emulator_verifies(prefix, 0);
	wt_file(50000, rel, sizeof(rel));
	video = wt_video(dbc, rel, 50000, 20000);
	/* the site itself: a fresh address works, an expired or forged one gets 403 */
	{
		struct config mine = *cfg;
		mine.media_public_base_url = (char *)t_env("LF_BASE_URL");
		assert_int_equal(pull_url_make(&mine, video, 1, time(NULL), &u), 0);
		good = xstrdup(buf_cstr(&u));
		buf_reset(&u);
		assert_int_equal(tc_get(c, good, &r), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal((long long)r.body.len, 50000);
		tresp_free(&r);
		/* expired an hour ago */
		assert_int_equal(pull_url_make(&mine, video, 1, time(NULL) - 3600 - mine.media_url_ttl_sec, &u), 0);
		bad = xstrdup(buf_cstr(&u));
		buf_reset(&u);
		assert_int_equal(tc_get(c, bad, &r), 0);
		assert_int_equal(r.status, 403);
		t_contains(r.body.data, "expired");
		tresp_free(&r);
		emu_token(&emu, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
		assert_string_equal(emulator_pull(tok, bad), "video_pull_failed");
		free(bad);
		/* forged: the signature of another video */
		bad = t_printf("%s", good);
		{
			char *v = strstr(bad, "/videos/") + 8;
			char other[24];
			snprintf(other, sizeof(other), "%lld", video + 1);
			/* a longer id would move the rest: keep the same length */
			if (strlen(other) == strcspn(v, "?"))
				memcpy(v, other, strlen(other));
			else
				v[strcspn(v, "?") - 1] = v[strcspn(v, "?") - 1] == '1' ? '2' : '1';
		}
		assert_int_equal(tc_get(c, bad, &r), 0);
		assert_int_equal(r.status, 403);
		tresp_free(&r);
		assert_string_equal(emulator_pull(tok, bad), "video_pull_failed");
		free(bad);
		free(good);
	}
	buf_free(&u);
	tc_free(c);
	/* a job whose address the site refuses (no such route: 404) ends with
	 * the sentence for an address TikTok could not fetch */
	base = t_printf("%s/", t_env("LF_BASE_URL"));
	emulator_verifies(base, 0);
	free(base);
	tconn_connect(WT_PUBLIC, WT_SCOPES, &acc);
	base = t_printf("%s/not-here", t_env("LF_BASE_URL"));
	w = pull_worker(base);
	job = pull_job_of(&acc, video, 50000);
	expect_failed_with(job, "could not fetch the video from this site's address");
	assert_int_equal(wt_events(dbc, job, "pull_fetch", NULL), 0);
	wt_worker_stop(w);
	free(base);
	free(prefix);
	wt_file_remove(rel);
}

static void too_large_for_tiktok_fails_with_a_sentence(void **state)
{
	char rel[256], *prefix = site_prefix();
	struct tconn acc;
	long long job;
	pid_t w;

	(void)state;
	/* this TikTok fetches at most 1,000,000 bytes */
	emulator_verifies(prefix, 1000000);
	tconn_connect(WT_PUBLIC, WT_SCOPES, &acc);
	wt_file(3000000, rel, sizeof(rel));
	w = pull_worker(t_env("LF_BASE_URL"));
	job = pull_job(&acc, rel, 3000000);
	expect_failed_with(job, "larger than TikTok accepts");
	assert_int_equal(wt_events(dbc, job, "pull_fetch", NULL), 1);
	wt_worker_stop(w);
	wt_file_remove(rel);
	free(prefix);
}

static int setup(void **state)
{
	char *id;

	(void)state;
	dbc = t_db();
	emu_open(&emu);
	snprintf(empty_media, sizeof(empty_media), "%s/empty-media", t_env("LF_VAR"));
	mkdir(empty_media, 0755);
	assert_int_equal(t_user_add("pullviewer", VIEWER_PW), 0);
	id = t_db_value(dbc, "SELECT id FROM users WHERE name = 'pullviewer'", 0, NULL);
	assert_non_null(id);
	viewer_id = atoll(id);
	free(id);
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
		cmocka_unit_test(pulled_post_sends_no_bytes_through_the_worker),
		cmocka_unit_test(unverified_address_fails_with_a_sentence),
		cmocka_unit_test(refused_addresses_end_in_download_failed),
		cmocka_unit_test(too_large_for_tiktok_fails_with_a_sentence),
	};

	if (getenv("WT_ONLY"))
		cmocka_set_test_filter(getenv("WT_ONLY"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
