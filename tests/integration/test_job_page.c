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

#include <json-c/json.h>

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

/* ---- /api/jobs/{id}: what static/progress.js reads, key by key ---- */

#define API_ZONE "Europe/Madrid"
/* every character a JSON string must escape, a slash, and UTF-8 */
#define API_REASON "He said \"no\" \\ a/b <b>&amp;</b>\n\ttab \x01 caf\xc3\xa9 \xe2\x9c\x93"

static struct json_object *api_get(struct tclient *c, long long job, long want_status)
{
	char *path = t_printf("/api/jobs/%lld", job);
	struct json_object *o;
	struct tresp r;

	assert_int_equal(tc_get(c, path, &r), 0);
	if (r.status != want_status)
		fail_msg("%s: HTTP %ld, not %ld:\n%s", path, r.status, want_status, r.body.data);
	t_contains(tresp_header(&r, "Content-Type"), "application/json");
	o = json_tokener_parse(r.body.data);
	if (!o)
		fail_msg("%s: not JSON:\n%s", path, r.body.data);
	tresp_free(&r);
	free(path);
	return o;
}

/* o's keys are exactly keys, in that order */
static void keys_are(struct json_object *o, const char *const *keys)
{
	size_t i = 0;

	assert_true(json_object_is_type(o, json_type_object));
	json_object_object_foreach(o, k, v) {
		(void)v;
		if (!keys[i] || strcmp(k, keys[i]) != 0)
			fail_msg("key %zu is \"%s\", expected \"%s\"", i, k, keys[i] ? keys[i] : "(none)");
		i++;
	}
	if (keys[i])
		fail_msg("key \"%s\" is missing", keys[i]);
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key \"%s\"", key);
	return v;
}

static void str_is(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = member(o, key);

	if (!want) {
		if (v)
			fail_msg("\"%s\" is %s, not null", key, json_object_to_json_string(v));
		return;
	}
	if (!json_object_is_type(v, json_type_string))
		fail_msg("\"%s\" is not a string", key);
	if (strcmp(json_object_get_string(v), want) != 0)
		fail_msg("\"%s\" is \"%s\", not \"%s\"", key, json_object_get_string(v), want);
}

static void int_is(struct json_object *o, const char *key, long long want)
{
	struct json_object *v = member(o, key);

	if (!json_object_is_type(v, json_type_int))
		fail_msg("\"%s\" is not a number", key);
	assert_int_equal(json_object_get_int64(v), want);
}

static void bool_is(struct json_object *o, const char *key, int want)
{
	struct json_object *v = member(o, key);

	if (!json_object_is_type(v, json_type_boolean))
		fail_msg("\"%s\" is not a boolean", key);
	assert_int_equal(json_object_get_boolean(v), want);
}

static const char *const api_keys[] = {
	"id", "state", "mode", "bytes_sent", "bytes_total", "chunk_size", "chunk_count",
	"chunk_index", "tiktok_status", "fail_reason", "publish_id", "post_url", "updated_at",
	"events", "stage", "state_label", "can_cancel", NULL,
};
static const char *const event_keys[] = { "at", "at_iso", "kind", "label", "message", NULL };

/* A value the database computes for the job or its nth event, as the
 * page shows it in the viewer's zone. */
static char *job_value(const char *expr, long long job)
{
	char *sql = t_printf("SELECT %s FROM upload_jobs WHERE id = $1", expr);
	char *id = t_printf("%lld", job), *v = t_db_value(t_dbc, sql, 1, (const char *[]){ id });

	free(sql);
	free(id);
	return v;
}

static char *event_value(const char *expr, long long job, int nth)
{
	char *sql = t_printf("SELECT %s FROM job_events WHERE job_id = $1 ORDER BY id OFFSET %d LIMIT 1", expr, nth);
	char *id = t_printf("%lld", job), *v = t_db_value(t_dbc, sql, 1, (const char *[]){ id });

	free(sql);
	free(id);
	return v;
}

/* event i of the answer: its times are those of the job's nth event */
static void event_is(struct json_object *events, size_t i, long long job, int nth, const char *kind,
		     const char *label, const char *message)
{
	struct json_object *e = json_object_array_get_idx(events, i);
	char *at = event_value("lf_user_time(at, '" API_ZONE "')", job, nth);
	char *at_iso = event_value("to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", job, nth);

	assert_non_null(e);
	keys_are(e, event_keys);
	str_is(e, "at", at);
	str_is(e, "at_iso", at_iso);
	str_is(e, "kind", kind);
	str_is(e, "label", label);
	str_is(e, "message", message);
	free(at);
	free(at_iso);
}

static struct tclient *zoned_user(const char *tag, long long *uid)
{
	char name[64], *id;
	struct tclient *c;

	snprintf(name, sizeof(name), "jobapi%s%d", tag, (int)getpid());
	c = t_user_signed_in(name, PASSWORD, uid);
	id = t_printf("%lld", *uid);
	free(t_db_value(t_dbc, "UPDATE users SET time_zone = '" API_ZONE "' WHERE id = $1 RETURNING id", 1,
			(const char *[]){ id }));
	free(id);
	return c;
}

static void the_api_answer_is_what_it_was(void **state)
{
	long long uid, failed, queued;
	struct tclient *c = zoned_user("eq", &uid);
	struct json_object *o, *events;
	char *updated, *run_at, *stage;

	(void)state;
	failed = t_job(&(struct job_fixture){ .user_id = uid, .video_id = video_id, .state = "failed",
		.publish_id = "v_pub_api_1", .tiktok_status = "FAILED", .bytes_sent = 1500000,
		.bytes_total = 3000000, .privacy_level = "PUBLIC_TO_EVERYONE", .fail_reason = API_REASON });
	event(failed, "chunk", "Sent part 1 of 2 (1.5 MB of 3.0 MB).");
	event(failed, "chunk", "Sent part 2 of 2.");
	event(failed, "status", "TikTok status: FAILED.");
	event(failed, "failed", API_REASON);
	o = api_get(c, failed, 200);
	keys_are(o, api_keys);
	int_is(o, "id", failed);
	str_is(o, "state", "failed");
	str_is(o, "mode", "direct");
	int_is(o, "bytes_sent", 1500000);
	int_is(o, "bytes_total", 3000000);
	str_is(o, "chunk_size", NULL);
	str_is(o, "chunk_count", NULL);
	int_is(o, "chunk_index", 0);
	str_is(o, "tiktok_status", "FAILED");
	str_is(o, "fail_reason", API_REASON);
	str_is(o, "publish_id", "v_pub_api_1");
	str_is(o, "post_url", NULL);
	updated = job_value("to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", failed);
	str_is(o, "updated_at", updated);
	str_is(o, "stage", "Failed during the upload, after 1.5 MB of 3.0 MB.");
	str_is(o, "state_label", "Failed");
	bool_is(o, "can_cancel", 0);
	/* the two parts in one line (at the last one's time), TikTok's state
	 * in words, the reason as stored */
	events = member(o, "events");
	assert_int_equal(json_object_array_length(events), 3);
	event_is(events, 0, failed, 1, "chunk", "Sending", "Sent 1.5 MB of 3.0 MB (2 parts so far).");
	event_is(events, 1, failed, 2, "status", "TikTok processing",
		 "TikTok could not process the video.");
	event_is(events, 2, failed, 3, "failed", "Failed", API_REASON);
	json_object_put(o);
	free(updated);

	/* a job waiting for its time: nulls, a scheduled sentence in the
	 * viewer's zone, Cancel offered */
	queued = t_job(&(struct job_fixture){ .user_id = uid, .video_id = video_id, .state = "queued",
		.run_in_sec = 3600, .bytes_total = 1000 });
	o = api_get(c, queued, 200);
	keys_are(o, api_keys);
	int_is(o, "id", queued);
	str_is(o, "state", "queued");
	int_is(o, "bytes_sent", 0);
	int_is(o, "bytes_total", 1000);
	str_is(o, "tiktok_status", NULL);
	str_is(o, "fail_reason", NULL);
	str_is(o, "publish_id", NULL);
	run_at = job_value("lf_user_time(run_at, '" API_ZONE "')", queued);
	t_contains(run_at, "CE");       /* CET or CEST: the viewer's zone, not UTC */
	stage = t_printf("Waiting to try again at %s.", run_at);
	str_is(o, "stage", stage);
	str_is(o, "state_label", "Queued");
	bool_is(o, "can_cancel", 1);
	assert_int_equal(json_object_array_length(member(o, "events")), 0);
	json_object_put(o);
	free(run_at);
	free(stage);
	tc_free(c);
}

/* Another user's job is the 404 of a job that does not exist, on the page
 * and in the API. */
static void another_users_job_is_not_found(void **state)
{
	long long other_uid;
	struct tclient *other = zoned_user("other", &other_uid);
	long long job = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "failed", .fail_reason = "Jobapi private reason" });
	char *path = t_printf("/jobs/%lld", job);
	struct json_object *o;
	struct tresp r;

	(void)state;
	assert_int_equal(tc_get(other, path, &r), 0);
	assert_int_equal(r.status, 404);
	t_lacks(r.body.data, "Jobapi private reason");
	t_contains(r.body.data, "Job not found");
	tresp_free(&r);
	o = api_get(other, job, 404);
	str_is(o, "error", "not_found");
	json_object_put(o);
	/* and its owner still sees it */
	o = api_get(client, job, 200);
	str_is(o, "fail_reason", "Jobapi private reason");
	json_object_put(o);
	free(path);
	tc_free(other);
}

/* The login redirect a request without a live session gets. */
static void refused_to_login(struct tclient *c, const char *path)
{
	struct tresp r;

	assert_int_equal(tc_get(c, path, &r), 0);
	assert_int_equal(r.status, 303);
	t_contains(tresp_header(&r, "Location"), "/login?next=");
	t_lacks(r.body.data, "bytes_sent");
	tresp_free(&r);
}

/* Logged out (the session row gone) or expired: the very next poll is
 * refused, with the old cookie still sent. */
static void a_poll_after_logout_or_expiry_is_refused(void **state)
{
	long long uid;
	struct tclient *c = zoned_user("out", &uid);
	long long job = t_job(&(struct job_fixture){ .user_id = uid, .video_id = video_id,
		.state = "queued", .run_in_sec = 3600, .bytes_total = 1000 });
	char *api = t_printf("/api/jobs/%lld", job), *page = t_printf("/jobs/%lld", job);
	char *cookie = tc_cookie(c, "lf_session"), *jar, *csrf, *form, *id = t_printf("%lld", uid);
	struct tresp r;

	(void)state;
	assert_non_null(cookie);
	jar = t_printf("lf_session=%s", cookie);
	json_object_put(api_get(c, job, 200));
	/* expired: the row is there, its time is past */
	free(t_db_value(t_dbc, "UPDATE sessions SET expires_at = now() - interval '1 second' "
			       "WHERE user_id = $1 RETURNING user_id", 1, (const char *[]){ id }));
	refused_to_login(c, api);
	refused_to_login(c, page);
	free(t_db_value(t_dbc, "UPDATE sessions SET expires_at = now() + interval '1 hour' "
			       "WHERE user_id = $1 RETURNING user_id", 1, (const char *[]){ id }));
	json_object_put(api_get(c, job, 200));
	/* logged out: the old cookie again, at once */
	csrf = t_page_csrf(c, "/jobs");
	form = t_printf("csrf=%s", csrf);
	assert_int_equal(tc_post_form(c, "/logout", form, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM sessions WHERE user_id = $1", 1,
				  (const char *[]){ id }), 0);
	tc_set_cookie(c, jar);
	refused_to_login(c, api);
	refused_to_login(c, page);
	free(api);
	free(page);
	free(cookie);
	free(jar);
	free(csrf);
	free(form);
	free(id);
	tc_free(c);
}

/* A timeline entry written after one poll is in the next. */
static void a_new_event_shows_on_the_next_poll(void **state)
{
	long long job = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "uploading", .publish_id = "v_pub_api_poll", .bytes_sent = 0,
		.bytes_total = 4000, .locked_by = "test-worker", .lock_sec = 600 });
	struct json_object *o;
	size_t before;

	(void)state;
	o = api_get(client, job, 200);
	before = json_object_array_length(member(o, "events"));
	json_object_put(o);
	event(job, "init", "TikTok accepted the upload (direct post) in 1 part.");
	o = api_get(client, job, 200);
	assert_int_equal(json_object_array_length(member(o, "events")), before + 1);
	str_is(json_object_array_get_idx(member(o, "events"), before), "label", "Upload started");
	json_object_put(o);
}

/* Retry is explained on a failed job only (the rule of lib/jobs.c). */
static void the_retry_rule_speaks_for_failed_jobs_only(void **state)
{
	long long failed = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "failed", .bytes_total = 2000, .fail_reason = "Jobapi retry reason" });
	long long done = t_job(&(struct job_fixture){ .user_id = user_id, .video_id = video_id,
		.state = "published", .publish_id = "v_pub_api_done", .bytes_sent = 2000, .bytes_total = 2000,
		.privacy_level = "SELF_ONLY" });
	char *html;

	(void)state;
	/* no account: the job cannot be retried, and the page says why */
	html = job_page(failed);
	t_contains(html, "The TikTok account of this job is not connected any more.");
	t_lacks(html, "action=\"/jobs/");
	free(html);
	html = job_page(done);
	t_lacks(html, "not connected any more");
	t_lacks(html, "Only a failed job");
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
		cmocka_unit_test(the_api_answer_is_what_it_was),
		cmocka_unit_test(another_users_job_is_not_found),
		cmocka_unit_test(a_poll_after_logout_or_expiry_is_refused),
		cmocka_unit_test(a_new_event_shows_on_the_next_poll),
		cmocka_unit_test(the_retry_rule_speaks_for_failed_jobs_only),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
