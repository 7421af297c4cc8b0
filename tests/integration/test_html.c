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

static PGconn *dbc;
static struct tclient *client;
static char *job_id;

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

static void check_page(const char *path)
{
	struct tresp r;

	assert_int_equal(tc_get(client, path, &r), 0);
	assert_int_equal(r.status, 200);
	headings_never_skip(r.body.data, path);
	navs_are_labelled(r.body.data, path);
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

static int setup(void **state)
{
	char name[64], *uid, *vid, *csrf, *body;
	struct tresp r;

	(void)state;
	dbc = t_db();
	snprintf(name, sizeof(name), "html%d", (int)getpid());
	if (t_user_add(name, PASSWORD) != 0)
		return -1;
	uid = t_db_value(dbc, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ name });
	vid = t_db_value(dbc, "INSERT INTO videos (path, size_bytes, mtime, title, ready) "
			      "VALUES ('html/clip.mp4', 1000, 0, 'Htmlzebra clip', true) RETURNING id", 0, NULL);
	/* a finished job: the stack's worker leaves it alone */
	job_id = t_printf("%lld", t_job(&(struct job_fixture){ .user_id = atoll(uid),
				.video_id = atoll(vid), .state = "failed", .fail_reason = "A reason" }));
	free(uid);
	free(vid);
	client = tc_new();
	if (tc_get(client, "/login", &r) != 0)
		return -1;
	csrf = tc_extract_csrf(r.body.data);
	tresp_free(&r);
	body = t_printf("csrf=%s&name=%s&password=" PASSWORD "&next=%%2F", csrf, name);
	if (tc_post_form(client, "/login", body, &r) != 0 || r.status != 303)
		return -1;
	tresp_free(&r);
	free(body);
	free(csrf);
	return job_id ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tc_free(client);
	free(job_id);
	PQfinish(dbc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages_have_ordered_headings_and_named_navigation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
