/* Integration tests: the structure of the pages' HTML that assistive
 * technology relies on (issue 15 item 12, the Nu HTML checker's findings):
 * headings never skip a level going down (the dashboard went from h1 to
 * h3), and every navigation landmark has a name, since a page has several. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD "html-test-password"

static struct tclient *client;
static char *job_id;
static char user_name[64];

/* Headings in document order: one h1, and a deeper heading is at most one
 * level deeper than the one before it (axe's heading-order rule). */
static void headings_never_skip(const char *html, const char *page)
{
	int prev = 0, n = 0;

	for (const char *p = html; (p = strstr(p, "<h")); p++) {
		int level;
		if (p[2] < '1' || p[2] > '6' || (p[3] != '>' && !isspace((unsigned char)p[3])))
			continue;
		level = p[2] - '0';
		if (level == 1)
			n++;
		if (prev && level > prev + 1)
			fail_msg("%s: h%d follows h%d", page, level, prev);
		prev = level;
	}
	if (n != 1)
		fail_msg("%s: %d h1 headings, wanted one", page, n);
}

/* Every <nav> names itself (aria-label or aria-labelledby). */
static void navs_are_labelled(const char *html, const char *page)
{
	int n = 0;

	for (const char *p = html; (p = strstr(p, "<nav")); p++) {
		const char *end = strchr(p, '>');
		char *tag;
		assert_non_null(end);
		tag = strndup(p, (size_t)(end - p));
		if (!strstr(tag, "aria-label=\"") && !strstr(tag, "aria-labelledby=\""))
			fail_msg("%s: %s> has no label", page, tag);
		free(tag);
		n++;
	}
	if (n == 0)
		fail_msg("%s: no navigation at all", page);
}

/* What every page shares (issue 13 items 7 and 8): the skip link is the
 * first thing in the body and leads to the main region, a favicon, no
 * empty table header, the signed-in header. */
static void finished_look(const char *html, const char *page, int signed_in)
{
	const char *body = strstr(html, "<body>"), *skip = "<body>\n<a class=\"skip-link\" href=\"#main\">";

	assert_non_null(body);
	if (strncmp(body, skip, strlen(skip)) != 0)
		fail_msg("%s: the skip link is not the first element of the body", page);
	if (!strstr(html, "<main id=\"main\""))
		fail_msg("%s: the skip link's target is missing", page);
	if (!strstr(html, "<link rel=\"icon\" href=\"/static/favicon.svg\""))
		fail_msg("%s: no favicon", page);
	if (strstr(html, "<th></th>") || strstr(html, "\"></th>"))
		fail_msg("%s: an empty table header", page);
	if (signed_in && !strstr(html, "Signed in as <strong>"))
		fail_msg("%s: the signed-in header is missing", page);
}

static void check_page(const char *path)
{
	struct tresp r;

	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 200);
	headings_never_skip(r.body.data, path);
	navs_are_labelled(r.body.data, path);
	finished_look(r.body.data, path, 1);
	tresp_free(&r);
}

static void pages_have_ordered_headings_and_named_navigation(void **state)
{
	char *path;

	(void)state;
	check_page("/");                        /* with a video card */
	check_page("/?q=htmlzebra&filter=all"); /* the filters' navigation */
	check_page("/jobs");
	path = t_printf("/jobs/%s", job_id);
	check_page(path);
	free(path);
}

/* A page that does not exist keeps the header of the signed-in user. */
static void not_found_keeps_the_signed_in_header(void **state)
{
	struct tresp r;

	(void)state;
	assert_int_equal(tc_get(client, "/no/such/page", &r), 0);
	assert_int_equal(r.status, 404);
	headings_never_skip(r.body.data, "404");
	finished_look(r.body.data, "404", 1);
	tresp_free(&r);
}

/* Counts in words: "1 job", not "1 job(s)". */
static void counts_are_words(void **state)
{
	struct tresp r;

	(void)state;
	assert_int_equal(tc_get(client, "/jobs", &r), 0);
	assert_non_null(strstr(r.body.data, ">1 job</p>"));
	assert_null(strstr(r.body.data, "job(s)"));
	tresp_free(&r);
}

/* Signing out says so on the sign-in page it lands on. */
static void sign_out_says_so(void **state)
{
	struct tclient *c = tc_new();
	char *csrf, *body;
	struct tresp r;

	(void)state;
	assert_int_equal(tc_get(c, "/login", &r), 0);
	finished_look(r.body.data, "/login", 0);
	assert_null(strstr(r.body.data, "You are signed out"));
	tresp_free(&r);
	t_sign_in(c, user_name, PASSWORD);
	csrf = t_page_csrf(c, "/jobs");
	body = t_printf("csrf=%s", csrf);
	assert_int_equal(tc_post_form(c, "/logout", body, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(tresp_header(&r, "Location"), "/login?signed_out=1");
	tresp_free(&r);
	assert_int_equal(tc_get(c, "/login?signed_out=1", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "You are signed out."));
	assert_null(strstr(r.body.data, "Signed in as"));
	tresp_free(&r);
	free(body);
	free(csrf);
	tc_free(c);
}

static int setup(void **state)
{
	char name[64], *vid;
	long long uid;

	t_db_setup(state);
	snprintf(name, sizeof(name), "html%d", (int)getpid());
	snprintf(user_name, sizeof(user_name), "%s", name);
	client = t_user_signed_in(name, PASSWORD, &uid);
	vid = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, ready) "
			      "VALUES ('html/clip.mp4', 1000, 0, 'Htmlzebra clip', true) RETURNING id", 0, NULL);
	/* a finished job: the stack's worker leaves it alone */
	job_id = t_printf("%lld", t_job(&(struct job_fixture){ .user_id = uid,
				.video_id = atoll(vid), .state = "failed", .fail_reason = "A reason" }));
	free(vid);
	return job_id ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tc_free(client);
	free(job_id);
	return t_db_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages_have_ordered_headings_and_named_navigation),
		cmocka_unit_test(not_found_keeps_the_signed_in_header),
		cmocka_unit_test(counts_are_words),
		cmocka_unit_test(sign_out_says_so),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
