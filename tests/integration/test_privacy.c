/* Integration tests: another user's job outcome is theirs (issue 15 item 8).
 *
 * The video library is shared by every dashboard user; upload jobs are not.
 * Two users, A and B: A posts one video, fails another and is uploading a
 * third. B's pages (the dashboard and its filters, /jobs, the job page, the
 * JSON API) may show that the first video was posted by someone, and nothing
 * else: never A's TikTok account, post link, failure reason or job. B's own
 * later job of a video must not hide A's outcome from A either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD "privacy-test-password"
#define A_ACCOUNT_NAME "Alice Private Name"
#define A_USERNAME "alice_secret_handle"
#define A_POST_URL "https://www.tiktok.com/@alice_secret_handle/video/7300000000000000777"
#define A_REASON "Alice private failure reason"

struct user {
	char name[64];
	char *id;
	struct tclient *c;
};

static void user_new(struct user *u, const char *tag)
{
	long long uid;

	snprintf(u->name, sizeof(u->name), "priv%s%d", tag, (int)getpid());
	u->c = t_user_signed_in(u->name, PASSWORD, &uid);
	assert_true(uid > 0);
	u->id = t_printf("%lld", uid);
}

static void user_free(struct user *u)
{
	free(u->id);
	tc_free(u->c);
}

/* A video row (the library import is tested elsewhere); returns its id. */
static char *video_new(const char *path, const char *title)
{
	char *id = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, ready) "
				   "VALUES ($1, 1000, 0, $2, true) RETURNING id",
			      2, (const char *[]){ path, title });
	assert_non_null(id);
	return id;
}

/* A job as the worker leaves it; due tomorrow, so the stack's worker keeps
 * its hands off the unfinished one. */
static char *job_new(const char *user_id, const char *video_id, const char *account_id,
		     const char *state, const char *post_url, const char *reason)
{
	char *id = t_printf("%lld", t_job(&(struct job_fixture){
		.user_id = atoll(user_id), .video_id = atoll(video_id),
		.account_id = account_id ? atoll(account_id) : 0, .state = state,
		.post_url = post_url, .fail_reason = reason, .run_in_sec = 86400 }));

	assert_non_null(id);
	return id;
}

static char *get(struct user *u, const char *path, long want_status)
{
	struct tresp r;
	char *body;

	assert_int_equal(tc_get(u->c, path, &r), 0);
	assert_int_equal(r.status, want_status);
	body = strdup(r.body.data);
	tresp_free(&r);
	return body;
}

/* The <li> of one video on a dashboard page (malloc'd), so an assertion
 * looks at that video only. */
static char *video_card(const char *html, const char *video_id)
{
	char *start = t_printf("id=\"video-%s\"", video_id);
	const char *s = strstr(html, start), *e;
	char *out;

	assert_non_null(s);
	/* up to the next card, or the end of the list */
	e = strstr(s + 1, "<li class=\"video card\"");
	if (!e)
		e = strstr(s, "\n  </ul>");
	assert_non_null(e);
	out = strndup(s, (size_t)(e - s));
	free(start);
	return out;
}

/* Nothing of A's outcome in a page B sees. */
static void lacks_a_outcome(const char *html, const char *const *job_links)
{
	t_lacks(html, A_ACCOUNT_NAME);
	t_lacks(html, A_USERNAME);
	t_lacks(html, A_POST_URL);
	t_lacks(html, A_REASON);
	for (; *job_links; job_links++)
		t_lacks(html, *job_links);
}

static void others_see_only_that_a_video_was_posted(void **state)
{
	struct user a, b;
	char *v_posted, *v_failed, *v_busy, *acc, *j_posted, *j_failed, *j_busy, *j_b;
	char *html, *card, *path;
	char link_posted[48], link_failed[48], link_busy[48];

	(void)state;
	user_new(&a, "a");
	user_new(&b, "b");
	acc = t_db_value(t_dbc, "INSERT INTO tiktok_accounts (user_id, open_id, display_name, username) "
			      "VALUES ($1, 'priv-open-id', '" A_ACCOUNT_NAME "', '" A_USERNAME "') RETURNING id",
			 1, (const char *[]){ a.id });
	v_posted = video_new("priv/posted.mp4", "Privzebra posted clip");
	v_failed = video_new("priv/failed.mp4", "Privzebra failed clip");
	v_busy = video_new("priv/busy.mp4", "Privzebra busy clip");
	j_posted = job_new(a.id, v_posted, acc, "published", A_POST_URL, NULL);
	j_failed = job_new(a.id, v_failed, acc, "failed", NULL, A_REASON);
	j_busy = job_new(a.id, v_busy, acc, "uploading", NULL, NULL);
	snprintf(link_posted, sizeof(link_posted), "/jobs/%s\"", j_posted);
	snprintf(link_failed, sizeof(link_failed), "/jobs/%s\"", j_failed);
	snprintf(link_busy, sizeof(link_busy), "/jobs/%s\"", j_busy);
	const char *a_links[] = { link_posted, link_failed, link_busy, NULL };

	/* B's dashboard: "posted by another user" for the first, nothing for the others */
	html = get(&b, "/?q=privzebra", 200);
	t_contains(html, "Privzebra failed clip");
	lacks_a_outcome(html, a_links);
	card = video_card(html, v_posted);
	t_contains(card, "Posted by another user");
	t_lacks(card, "View post");
	free(card);
	card = video_card(html, v_failed);
	t_contains(card, "Not posted");
	t_lacks(card, "state-failed");
	free(card);
	card = video_card(html, v_busy);
	t_contains(card, "Not posted");
	t_lacks(card, "state-uploading");
	free(card);
	free(html);

	/* the filters answer for B's own jobs (failed) or anyone's post (posted) */
	html = get(&b, "/?filter=failed&q=privzebra", 200);
	t_lacks(html, "Privzebra failed clip");
	lacks_a_outcome(html, a_links);
	free(html);
	html = get(&b, "/?filter=posted&q=privzebra", 200);
	t_contains(html, "Privzebra posted clip");
	t_lacks(html, "Privzebra failed clip");
	lacks_a_outcome(html, a_links);
	free(html);

	/* B's history, A's job pages and the JSON API: nothing of A's */
	html = get(&b, "/jobs", 200);
	t_lacks(html, "Privzebra");
	lacks_a_outcome(html, a_links);
	free(html);
	for (const char *const *j = (const char *const[]){ j_posted, j_failed, j_busy, NULL }; *j; j++) {
		path = t_printf("/jobs/%s", *j);
		html = get(&b, path, 404);
		lacks_a_outcome(html, a_links);
		free(html);
		free(path);
		path = t_printf("/api/jobs/%s", *j);
		html = get(&b, path, 404);
		lacks_a_outcome(html, a_links);
		free(html);
		free(path);
	}

	/* A sees all of A's own outcome */
	html = get(&a, "/?q=privzebra", 200);
	t_contains(html, A_POST_URL);
	t_contains(html, A_REASON);
	t_contains(html, link_posted);
	t_contains(html, link_busy);
	free(html);

	/* B fails the posted video later: B sees B's failure and that someone
	 * posted it; A still sees A's post, never B's failure */
	j_b = job_new(b.id, v_posted, NULL, "failed", NULL, "Bob private failure reason");
	html = get(&b, "/?q=privzebra", 200);
	card = video_card(html, v_posted);
	t_contains(card, "Bob private failure reason");
	t_contains(card, "also posted by another user");
	t_lacks(card, A_POST_URL);
	free(card);
	free(html);
	html = get(&a, "/?q=privzebra", 200);
	card = video_card(html, v_posted);
	t_contains(card, A_POST_URL);
	t_contains(card, "state-published");
	t_lacks(card, "Bob private failure reason");
	free(card);
	free(html);
	html = get(&a, "/?filter=failed&q=privzebra", 200);
	t_lacks(html, "Privzebra posted clip");   /* the failure is B's, not A's */
	t_contains(html, "Privzebra failed clip");
	free(html);

	free(v_posted);
	free(v_failed);
	free(v_busy);
	free(acc);
	free(j_posted);
	free(j_failed);
	free(j_busy);
	free(j_b);
	user_free(&a);
	user_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(others_see_only_that_a_video_was_posted),
	};
	return cmocka_run_group_tests(tests, t_db_setup, t_db_teardown);
}
