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
#include "tiktok_connect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define PASSWORD "schedule-test-password"

static PGconn *dbc;
static int seq;

/* A dashboard user, signed in (with the browser's zone when tz != NULL). */
struct actor {
	char name[64];
	char id[24];
	struct tclient *c;
};

static void actor_new(struct actor *a, const char *browser_tz)
{
	char *id, *extra = NULL;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "sched%d_%d", (int)getpid(), ++seq);
	assert_int_equal(t_user_add(a->name, PASSWORD), 0);
	id = t_db_value(dbc, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ a->name });
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

static char *user_tz(struct actor *a)
{
	return t_db_value(dbc, "SELECT time_zone FROM users WHERE id = $1", 1, (const char *[]){ a->id });
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

static int setup(void **state)
{
	(void)state;
	dbc = t_db();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(dbc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zone_defaults_to_utc_then_browser),
		cmocka_unit_test(zone_setting_is_kept),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
