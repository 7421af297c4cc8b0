/* Integration tests: the job page speaks plainly (issue 13 item 3). The
 * words a user reads carry no internal event name (claimed, creator_info,
 * init, chunk, upload_complete), no raw TikTok state (PROCESSING_UPLOAD)
 * and no byte count; the parts of the file fold into one line; a failed
 * job says which step failed, what to do, and offers Edit and retry with a
 * red bar; an "Only me" post says why it has no link; a finished post
 * offers "Back to the library" and "Post another"; Cancel only while a job
 * can be cancelled; times name their zone. Jobs come from the jobs
 * fixture and their events from lib/jobs.c, as the worker writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD "job-page-test-password"

static struct tclient *client;
static long long user_id, video_id;

/* The text of a page as a reader gets it: no tags, no script. */
static char *visible_text(const char *html)
{
	char *out = malloc(strlen(html) + 1), *o = out;
	int in_tag = 0;

	for (const char *p = html; *p; p++) {
		if (!strncmp(p, "<script", 7)) {
			const char *end = strstr(p, "</script>");
			if (!end)
				break;
			p = end + 8;
			continue;
		}
		if (*p == '<')
			in_tag = 1;
		else if (*p == '>')
			in_tag = 0, *o++ = ' ';
		else if (!in_tag)
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void event(long long job, const char *kind, const char *message)
{
	if (jobs_event(t_jobs_db(), job, kind, message) < 0)
		fail_msg("jobs_event: %s", t_jobs_db()->err);
}

static char *job_page(long long job)
{
	char *path = t_printf("/jobs/%lld", job), *body;
	struct tresp r;

	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 200);
	body = strdup(r.body.data);
	tresp_free(&r);
	free(path);
	return body;
}

static void no_internals(const char *html)
{
	char *text = visible_text(html);

	for (const char *const *w = (const char *const[]){ "claimed", "creator_info", "init ", "chunk",
							   "upload_complete", "PROCESSING_UPLOAD",
							   "PUBLISH_COMPLETE", "bytes", "worker", NULL }; *w; w++)
		if (strstr(text, *w))
			fail_msg("the page's words contain \"%s\":\n%s", *w, text);
	free(text);
}

static void a_processing_job_reads_plainly(void **state)
{
	long long job = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "processing", .publish_id = "v_pub_words_1", .tiktok_status = "PROCESSING_UPLOAD",
		.bytes_sent = 3000000, .bytes_total = 3000000, .privacy_level = "PUBLIC_TO_EVERYONE",
		.run_in_sec = 3600 });   /* the stack's worker leaves it alone */
	char *html, *text;

	(void)state;
	event(job, "claimed", "A worker picked up the job.");
	event(job, "creator_info", "TikTok confirmed @words can post (Everyone).");
	event(job, "init", "TikTok accepted the upload (direct post) in 3 parts.");
	event(job, "chunk", "Sent part 1 of 3 (1.0 MB of 3.0 MB).");
	event(job, "chunk", "Sent part 2 of 3 (2.0 MB of 3.0 MB).");
	event(job, "chunk", "Sent part 3 of 3 (3.0 MB of 3.0 MB).");
	event(job, "upload_complete", "All 3000000 bytes reached TikTok; TikTok is processing the video.");
	event(job, "status", "TikTok status: PROCESSING_UPLOAD.");
	html = job_page(job);
	no_internals(html);
	text = visible_text(html);
	/* three parts, one line */
	t_contains(text, "Sent all 3.0 MB of the video in 3 parts.");
	assert_null(strstr(strstr(text, "Sent all") + 1, "Sent all"));
	t_contains(text, "TikTok is receiving and checking the video.");
	t_contains(text, "UTC");
	/* TikTok holds it: too late to cancel */
	t_lacks(html, "id=\"cancel-form\"");
	t_contains(html, "class=\"bar-running\"");
	free(text);
	free(html);

	/* the API the page polls speaks the same words */
	{
		char *path = t_printf("/api/jobs/%lld", job);
		struct tresp r;
		assert_int_equal(tc_get(client, path, &r), 0);
		t_contains(r.body.data, "\"label\":\"Upload started\"");
		t_contains(r.body.data, "\"stage\":\"TikTok is receiving and checking the video. This can take a few minutes.\"");
		t_contains(r.body.data, "\"can_cancel\":false");
		tresp_free(&r);
		free(path);
	}
}

static void an_uploading_job_shows_one_progress_line(void **state)
{
	long long job = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "uploading", .publish_id = "v_pub_words_2", .bytes_sent = 530000000,
		.bytes_total = 892000000, .privacy_level = "PUBLIC_TO_EVERYONE",
		.locked_by = "test-worker", .lock_sec = 600 });
	char *html;

	(void)state;
	event(job, "chunk", "Sent part 1 of 89 (10.0 MB of 892.0 MB).");
	event(job, "chunk", "Sent part 2 of 89 (20.0 MB of 892.0 MB).");
	html = job_page(job);
	no_internals(html);
	t_contains(html, "Sent 530.0 MB of 892.0 MB.");
	t_contains(html, "Sent 530.0 MB of 892.0 MB (2 parts so far).");
	free(html);
}

static void a_queued_job_offers_cancel(void **state)
{
	long long job = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "queued", .run_in_sec = 3600, .bytes_total = 1000 });
	char *html;

	(void)state;
	html = job_page(job);
	t_contains(html, "id=\"cancel-form\"");
	t_contains(html, "Waiting to try again at ");
	free(html);
}

static void a_failed_job_says_which_step_and_what_to_do(void **state)
{
	long long processing = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "failed", .publish_id = "v_pub_words_3", .tiktok_status = "FAILED",
		.bytes_sent = 2000, .bytes_total = 2000, .privacy_level = "SELF_ONLY",
		.fail_reason = "TikTok could not process the video: its frame rate is not supported." });
	long long before = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "failed", .bytes_total = 2000, .privacy_level = "SELF_ONLY",
		.fail_reason = "TikTok could not be asked about the account." });
	char *html, *edit;

	(void)state;
	event(processing, "status", "TikTok status: FAILED.");
	html = job_page(processing);
	no_internals(html);
	t_contains(html, "Failed in TikTok&#39;s processing, after the whole file was sent.");
	t_contains(html, "TikTok received the video and then refused it.");
	t_contains(html, "class=\"bar-failed\"");
	edit = t_printf("href=\"/videos/%lld/tiktok?from_job=%lld\">Edit and retry</a>", video_id, processing);
	t_contains(html, edit);
	free(edit);
	free(html);

	html = job_page(before);
	t_contains(html, "Failed before the upload: nothing was sent to TikTok.");
	t_contains(html, "Nothing reached TikTok.");
	free(html);
}

static void a_finished_post_shows_the_next_steps(void **state)
{
	long long only_me = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "published", .publish_id = "v_pub_words_4", .tiktok_status = "PUBLISH_COMPLETE",
		.bytes_sent = 2000, .bytes_total = 2000, .privacy_level = "SELF_ONLY" });
	long long public = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "published", .publish_id = "v_pub_words_5", .tiktok_status = "PUBLISH_COMPLETE",
		.bytes_sent = 2000, .bytes_total = 2000, .privacy_level = "PUBLIC_TO_EVERYONE",
		.post_url = "https://www.tiktok.com/@words/video/7300000000000000001" });
	char *html;

	(void)state;
	html = job_page(only_me);
	t_contains(html, "TikTok gives no link to a post that only you can see.");
	t_contains(html, ">Back to the library</a>");
	t_contains(html, "href=\"/?filter=ready\">Post another</a>");
	t_contains(html, "class=\"bar-done\"");
	t_lacks(html, "Edit and retry");
	free(html);

	html = job_page(public);
	t_contains(html, "href=\"https://www.tiktok.com/@words/video/7300000000000000001\"");
	t_lacks(html, "TikTok gives no link");
	free(html);
}

static int setup(void **state)
{
	char name[64], *vid;
	long long uid;

	t_db_setup(state);
	snprintf(name, sizeof(name), "jobwords%d", (int)getpid());
	client = t_user_signed_in(name, PASSWORD, &uid);
	vid = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, ready) "
			      "VALUES ('jobwords/clip.mp4', 2000, 0, 'Words clip', true) RETURNING id", 0, NULL);
	user_id = uid;
	video_id = atoll(vid);
	free(vid);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tc_free(client);
	return t_db_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_processing_job_reads_plainly),
		cmocka_unit_test(an_uploading_job_shows_one_progress_line),
		cmocka_unit_test(a_queued_job_offers_cancel),
		cmocka_unit_test(a_failed_job_says_which_step_and_what_to_do),
		cmocka_unit_test(a_finished_post_shows_the_next_steps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
