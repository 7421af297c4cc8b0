/* Integration tests: the publishing plan's batches (issue 11, plan-b) on
 * the real stack (nginx, app, worker, PostgreSQL, the TikTok emulator):
 * an account's plan settings (slots, languages, caption template, cap),
 * language routing, the batch review and its confirmation, a plan that no
 * rolling 24 hours puts over the cap and that reaches the emulator in its
 * order without a spam_risk refusal, inbox drafts held at five, a 09:00
 * Europe/Madrid slot that stays 09:00 across the DST change, and an account
 * at risk before its slot.
 *
 * The plan lies days ahead; the replay makes its jobs due one after the
 * other through the jobs fixture (lib/jobs.c stays the only writer) and
 * moves the emulator's clock by the plan's gaps, so TikTok's side sees the
 * plan's spacing while the test runs in seconds. The worker runs with a
 * short minute and day (tiktok_rate_window_sec, tiktok_day_sec) for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "tiktok_connect.h"

#include <json-c/json.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "jobs.h"
#include "util.h"

#define PASSWORD "plan-test-password"

static int seq;

static const char *const profiles[] = {
	"{\"open_id\": \"plan-es-0001\", \"username\": \"profe.es\", \"display_name\": \"Profe ES\","
	" \"private\": false}",
	"{\"open_id\": \"plan-fr-0001\", \"username\": \"prof.fr\", \"display_name\": \"Prof FR\","
	" \"private\": false}",
	"{\"open_id\": \"plan-dr-0001\", \"username\": \"drafts.es\", \"display_name\": \"Drafts ES\","
	" \"private\": false}",
	"{\"open_id\": \"plan-rk-0001\", \"username\": \"risky.es\", \"display_name\": \"Risky ES\","
	" \"private\": false}",
};

/* ---- actors ---- */

struct actor {
	char name[64];
	char id[24];
	struct tclient *c;
	char csrf[128];
};

static void actor_new(struct actor *a)
{
	long long uid;
	char *csrf;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "plan%d_%d", (int)getpid(), ++seq);
	a->c = t_user_signed_in(a->name, PASSWORD, &uid);
	assert_true(uid > 0);
	snprintf(a->id, sizeof(a->id), "%lld", uid);
	/* the session's token, from any page */
	csrf = t_page_csrf(a->c, "/");
	snprintf(a->csrf, sizeof(a->csrf), "%s", csrf);
	free(csrf);
}

/* Connect the emulator profile through the app's own flow; our account id. */
static long long connect(struct actor *a, const char *profile, const char *scopes)
{
	struct tresp r;
	struct buf b = BUF_INIT;
	struct tclient *emu;
	const char *loc;
	char *cb, *id;
	long long v;

	assert_int_equal(tc_get(a->c, "/auth/tiktok/start", &r), 0);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	buf_puts(&b, strchr(loc, '?') + 1);
	buf_puts(&b, "&decision=authorize&emulator_account=");
	url_encode(&b, profile);
	if (scopes) {
		buf_puts(&b, "&grant_scopes=");
		url_encode(&b, scopes);
	}
	tresp_free(&r);
	emu = tc_new_base(t_env("LF_EMU_URL"));
	assert_int_equal(tc_post_form(emu, "/v2/auth/authorize/decide", buf_cstr(&b), &r), 0);
	assert_int_equal(r.status, 302);
	cb = xstrdup(strstr(tresp_header(&r, "Location"), "/auth/tiktok/callback"));
	tresp_free(&r);
	tc_free(emu);
	buf_free(&b);
	assert_int_equal(tc_get(a->c, cb, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(cb);
	id = t_db_value(t_dbc, "SELECT a.id FROM tiktok_accounts a WHERE a.user_id = $1 AND a.username = $2"
		 " AND a.status = 'connected'", 2, (const char *[]){ a->id, profile });
	if (!id)   /* user.info.basic alone gives no username: the newest account */
		id = t_db_value(t_dbc, "SELECT max(id) FROM tiktok_accounts WHERE user_id = $1", 1,
				(const char *[]){ a->id });
	assert_non_null(id);
	v = atoll(id);
	free(id);
	return v;
}

static void actor_free(struct actor *a)
{
	tc_free(a->c);
}

/* A ready video with a small real file, in a language. */
static long long video_new(const char *lang, const char *expression)
{
	char rel[128], *path, *id;
	FILE *f;
	long long v;

	snprintf(rel, sizeof(rel), "plan-test/%d-%d.mp4", (int)getpid(), ++seq);
	assert_int_equal(t_sh("mkdir -p '%s/plan-test'", t_env("LF_MEDIA")), 0);
	path = t_printf("%s/%s", t_env("LF_MEDIA"), rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	/* each file its own bytes: the duplicate guard goes by content */
	fprintf(f, "%08d-%08d", (int)getpid(), seq);
	for (int i = 17; i < 4096; i++)
		fputc(i & 0xff, f);
	fclose(f);
	free(path);
	id = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, expression,"
		 " expression_translation, keywords, language, duration_ms, width, height, fps, video_codec,"
		 " container, ready) VALUES ($1, 4096, 0, 'Suits', $2, 'to break the ice',"
		 " '{small talk,business English}', $3, 20000, 720, 1280, 30, 'h264', 'mp4', true)"
		 " RETURNING id", 3, (const char *[]){ rel, expression, lang });
	assert_non_null(id);
	v = atoll(id);
	free(id);
	return v;
}

/* POST /accounts/{id}/plan; the status. */
static long save_plan(struct actor *a, long long acc, const char *slots, const char *zone,
		      const char *langs, const char *tmpl, int cap, int headroom, struct tresp *out)
{
	struct buf b = BUF_INIT;
	char *path = t_printf("/accounts/%lld/plan", acc);
	long st;

	buf_printf(&b, "csrf=%s&slots=", a->csrf);
	url_encode(&b, slots);
	buf_puts(&b, "&time_zone=");
	url_encode(&b, zone);
	buf_puts(&b, "&languages=");
	url_encode(&b, langs);
	buf_puts(&b, "&caption_template=");
	url_encode(&b, tmpl);
	buf_printf(&b, "&daily_cap=%d&headroom=%d", cap, headroom);
	assert_int_equal(tc_post_form(a->c, path, buf_cstr(&b), out), 0);
	st = out->status;
	buf_free(&b);
	free(path);
	return st;
}

static long long num(const char *sql, int n, const char *const *p)
{
	return t_db_num(t_dbc, sql, n, p);
}

/* ---- settings, routing, the review ---- */

static void settings_refuse_bad_input(void **state)
{
	struct actor a, b2;
	struct tresp r;
	long long es, fr;
	char acc[48];

	(void)state;
	actor_new(&a);
	es = connect(&a, "profe.es", NULL);
	fr = connect(&a, "prof.fr", NULL);
	snprintf(acc, sizeof(acc), "%lld", es);

	/* a template that does not parse: refused with its line, nothing saved */
	assert_int_equal(save_plan(&a, es, "Mon-Fri 18:30 21:00", "Europe/Madrid", "es",
				   "{{expression}}\n{{#keywords}}#{{.}}", 15, 0, &r), 422);
	t_contains(r.body.data, "Line 2");
	tresp_free(&r);
	assert_int_equal(num("SELECT count(*) FROM account_slots WHERE account_id = $1", 1, (const char *[]){ acc }), 0);
	/* a zone PostgreSQL does not know, a bad slot, a cap over TikTok's */
	assert_int_equal(save_plan(&a, es, "Mon 18:30", "Mars/Olympus", "es", "", 15, 0, &r), 422);
	t_contains(r.body.data, "Mars/Olympus");
	tresp_free(&r);
	assert_int_equal(save_plan(&a, es, "Mon 25:30", "UTC", "es", "", 15, 0, &r), 422);
	t_contains(r.body.data, "Line 1");
	tresp_free(&r);
	assert_int_equal(save_plan(&a, es, "Mon 18:30", "UTC", "es", "", 16, 0, &r), 422);
	tresp_free(&r);
	assert_int_equal(save_plan(&a, es, "Mon 18:30", "UTC", "es", "", 5, 5, &r), 422);
	tresp_free(&r);

	/* good input: saved, shown back in canonical form */
	assert_int_equal(save_plan(&a, es, "Mon-Fri 18:30 21:00", "Europe/Madrid", "es, ES-mx",
				   "{{expression}} — {{expression_translation}}", 13, 2, &r), 303);
	tresp_free(&r);
	assert_int_equal(num("SELECT count(*) FROM account_slots WHERE account_id = $1", 1, (const char *[]){ acc }), 10);
	snprintf(acc, sizeof(acc), "/accounts/%lld/plan", es);
	assert_int_equal(tc_get(a.c, acc, &r), 0);
	snprintf(acc, sizeof(acc), "%lld", es);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "Mon 18:30 21:00\nTue 18:30 21:00");
	t_contains(r.body.data, "es, es-mx");
	tresp_free(&r);
	/* one account per language per user */
	assert_int_equal(save_plan(&a, fr, "Sat 10:00", "Europe/Paris", "fr, es", "", 15, 0, &r), 422);
	t_contains(r.body.data, "already goes to your account");
	tresp_free(&r);
	assert_int_equal(save_plan(&a, fr, "Sat 10:00", "Europe/Paris", "fr", "", 15, 0, &r), 303);
	tresp_free(&r);
	/* another user's account is not found */
	actor_new(&b2);
	snprintf(acc, sizeof(acc), "/accounts/%lld/plan", es);
	assert_int_equal(tc_get(b2.c, acc, &r), 0);
	assert_int_equal(r.status, 404);
	t_contains(r.body.data, "You have no TikTok account with this number.");
	tresp_free(&r);
	/* nor saved, and nothing of the owner's plan changes */
	assert_int_equal(save_plan(&b2, es, "Sun 07:00", "UTC", "de", "", 3, 0, &r), 404);
	t_contains(r.body.data, "You have no TikTok account with this number.");
	tresp_free(&r);
	assert_int_equal(tc_get(a.c, acc, &r), 0);
	t_contains(r.body.data, "es, es-mx");
	tresp_free(&r);
	/* a number that is no account's id */
	assert_int_equal(tc_get(b2.c, "/accounts/0/plan", &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	actor_free(&b2);
	actor_free(&a);
}

/* The account selected in a row of the review page, or 0. */
static long long row_account(const char *html, long long video)
{
	char *sel = t_printf("name=\"account_%lld\">", video);
	const char *p = strstr(html, sel), *end, *opt;
	long long v = 0;

	free(sel);
	if (!p)
		return 0;
	end = strstr(p, "</select>");
	opt = strstr(p, "\" selected>");
	if (opt && opt < end) {
		while (opt > p && opt[-1] != '"')
			opt--;
		v = atoll(opt);
	}
	return v;
}

static void routing_sends_spanish_to_spanish_account(void **state)
{
	struct actor a;
	struct tresp r;
	long long es, fr, v[4];
	char *path;

	(void)state;
	actor_new(&a);
	es = connect(&a, "profe.es", NULL);
	fr = connect(&a, "prof.fr", NULL);
	assert_int_equal(save_plan(&a, es, "daily 09:00 21:00", "Europe/Madrid", "es",
				   "{{expression}} — {{expression_translation}} {{#keywords}}#{{.}} {{/keywords}}",
				   15, 0, &r), 303);
	tresp_free(&r);
	assert_int_equal(save_plan(&a, fr, "daily 10:00", "Europe/Paris", "fr", "FR: {{expression}}", 15, 0, &r), 303);
	tresp_free(&r);
	v[0] = video_new("es", "romper el hielo");
	v[1] = video_new("fr", "briser la glace");
	v[2] = video_new("ES", "echar una mano");
	v[3] = video_new("de", "das Eis brechen");
	path = t_printf("/plan?video=%lld&video=%lld&video=%lld&video=%lld", v[0], v[1], v[2], v[3]);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	free(path);
	assert_int_equal(r.status, 200);
	assert_int_equal(row_account(r.body.data, v[0]), es);
	assert_int_equal(row_account(r.body.data, v[1]), fr);
	assert_int_equal(row_account(r.body.data, v[2]), es);
	assert_int_equal(row_account(r.body.data, v[3]), 0);     /* no default for German: chosen by hand */
	/* each caption from its account's template, hashtags from the keywords */
	t_contains(r.body.data, "romper el hielo — to break the ice #smalltalk #businessEnglish</textarea>");
	t_contains(r.body.data, "FR: briser la glace</textarea>");
	/* no privacy chosen for the user, interactions off */
	t_contains(r.body.data, "<option value=\"\" disabled selected>Choose who can see this post</option>");
	{
		char want[96];

		snprintf(want, sizeof(want), "name=\"allow_comment_%lld\" value=\"1\">", v[0]);
		t_contains(r.body.data, want);
		snprintf(want, sizeof(want), "name=\"allow_comment_%lld\" value=\"1\" checked", v[0]);
		t_lacks(r.body.data, want);
	}
	tresp_free(&r);
	actor_free(&a);
}

/* ---- the worker with a short minute and day, for the replays ---- */

static int worker_restart(void)
{
	const char *var = t_env("LF_VAR");

	return t_sh("old=$(cat '%s/run/worker.pid') && kill -TERM \"$old\" && "
		    "for i in $(seq 1 200); do new=$(cat '%s/run/worker.pid' 2>/dev/null); "
		    "[ -n \"$new\" ] && [ \"$new\" != \"$old\" ] && kill -0 \"$new\" 2>/dev/null && exit 0; "
		    "sleep 0.1; done; exit 1", var, var);
}

static void emu_post(const char *path, const char *json)
{
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	struct tresp r;

	static const char *const hdr[] = { "Content-Type: application/json", NULL };

	assert_int_equal(tc_request(emu, "POST", path, hdr, json, strlen(json), &r), 0);
	if (r.status != 200)
		fail_msg("%s: %ld %s", path, r.status, r.body.data);
	tresp_free(&r);
	tc_free(emu);
}

static struct json_object *emu_state(void)
{
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	struct tresp r;
	struct json_object *o;

	assert_int_equal(tc_get(emu, "/_emulator/state", &r), 0);
	o = json_tokener_parse(r.body.data);
	assert_non_null(o);
	tresp_free(&r);
	tc_free(emu);
	return o;
}

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* Posts the emulator holds for an open_id. */
static int emu_posts(const char *open_id)
{
	struct json_object *s = emu_state(), *posts = jget(s, "posts");
	int n = 0;

	for (size_t i = 0; posts && i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		if (!strcmp(json_object_get_string(jget(p, "open_id")), open_id))
			n++;
	}
	json_object_put(s);
	return n;
}

/* The review form for the videos, every row direct and public, confirmed. */
static long confirm_batch(struct actor *a, const long long *v, int n, long long acc, const char *mode,
			  struct tresp *out)
{
	struct buf b = BUF_INIT, ids = BUF_INIT;
	char *path, *batch;
	struct tresp r;
	const char *p;
	long st;

	for (int i = 0; i < n; i++)
		buf_printf(&ids, "%s%lld", i ? "," : "", v[i]);
	path = t_printf("/plan?videos=%s", buf_cstr(&ids));
	assert_int_equal(tc_get(a->c, path, &r), 0);
	assert_int_equal(r.status, 200);
	p = strstr(r.body.data, "name=\"batch_id\" value=\"");
	assert_non_null(p);
	batch = xstrndup(p + 23, 32);
	tresp_free(&r);
	free(path);
	buf_printf(&b, "csrf=%s&videos=%s&batch_id=%s&action=confirm", a->csrf, buf_cstr(&ids), batch);
	for (int i = 0; i < n; i++) {
		buf_printf(&b, "&include_%lld=1&account_%lld=%lld&mode_%lld=%s&caption_%lld=clip+%d",
			   v[i], v[i], acc, v[i], mode, v[i], i);
		if (!strcmp(mode, "direct"))
			buf_printf(&b, "&privacy_%lld=PUBLIC_TO_EVERYONE", v[i]);
	}
	assert_int_equal(tc_post_form(a->c, "/plan", buf_cstr(&b), out), 0);
	st = out->status;
	buf_free(&b);
	buf_free(&ids);
	free(batch);
	return st;
}

/* How many violations the emulator has recorded: the test binaries before
 * this one used the same emulator (test_oauth leaves PKCE refusals on
 * purpose), so a test judges only those recorded after it began. */
static size_t violations_now(void)
{
	struct json_object *s = emu_state(), *v = jget(s, "violations");
	size_t n = v ? json_object_array_length(v) : 0;

	json_object_put(s);
	return n;
}

static void no_violations_since(size_t first)
{
	struct json_object *s = emu_state(), *v = jget(s, "violations");
	size_t n = v ? json_object_array_length(v) : 0;

	for (size_t i = first; i < n; i++)
		fail_msg("violation: %s", json_object_to_json_string(json_object_array_get_idx(v, i)));
	json_object_put(s);
}

static void forty_clips_plan_inside_the_cap_and_reach_tiktok_in_order(void **state)
{
	struct actor a;
	struct tresp r;
	long long es, v[40], jobs[40];
	char acc[24];
	PGresult *res;
	int64_t at[40];
	size_t viol0 = violations_now();

	(void)state;
	actor_new(&a);
	es = connect(&a, "profe.es", NULL);
	snprintf(acc, sizeof(acc), "%lld", es);
	assert_int_equal(save_plan(&a, es, "daily 09:00 21:00", "Europe/Madrid", "es", "", 15, 0, &r), 303);
	tresp_free(&r);
	for (int i = 0; i < 40; i++)
		v[i] = video_new("es", "romper el hielo");
	if (confirm_batch(&a, v, 40, es, "direct", &r) != 303)
		fail_msg("confirm: %ld %.2000s", r.status, r.body.data);
	tresp_free(&r);

	/* 40 jobs, in the batch's order, 2 a day, never more than the cap in any 24 h */
	res = PQexecParams(t_dbc, "SELECT id, extract(epoch FROM run_at)::bigint, video_id,"
			   "  extract(hour FROM run_at AT TIME ZONE 'Europe/Madrid') FROM upload_jobs"
			   " WHERE account_id = $1 AND state = 'queued' ORDER BY run_at", 1, NULL,
			   (const char *[]){ acc }, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(res), 40);
	for (int i = 0; i < 40; i++) {
		jobs[i] = atoll(PQgetvalue(res, i, 0));
		at[i] = atoll(PQgetvalue(res, i, 1));
		assert_int_equal(atoll(PQgetvalue(res, i, 2)), v[i]);
		assert_true(atoi(PQgetvalue(res, i, 3)) == 9 || atoi(PQgetvalue(res, i, 3)) == 21);
		if (i)
			assert_true(at[i] - at[i - 1] >= 11 * 3600);
	}
	PQclear(res);
	assert_true(num("SELECT max(n) FROM (SELECT count(*) OVER (ORDER BY run_at RANGE BETWEEN CURRENT ROW"
			" AND interval '24 hours' FOLLOWING) AS n FROM upload_jobs WHERE account_id = $1) w",
			1, (const char *[]){ acc }) <= 15);
	/* the same clips again make nothing new: one post per clip and account */
	assert_int_equal(confirm_batch(&a, v, 40, es, "direct", &r), 303);
	tresp_free(&r);
	assert_int_equal(num("SELECT count(*) FROM upload_jobs WHERE account_id = $1", 1, (const char *[]){ acc }), 40);

	/* the replay: each job due in turn, TikTok's clock moved by the plan's gaps */
	emu_post("/_emulator/clock", "{\"freeze\": false}");
	for (int i = 0; i < 40; i++) {
		struct job_fixture f = { .job_id = jobs[i], .state = "queued", .move_run_at = 1 };
		int waited = 0;

		t_job_set(&f);
		jobs_notify(t_jobs_db());
		while (emu_posts("plan-es-0001") < i + 1 && waited < 15000) {
			usleep(50 * 1000);
			waited += 50;
		}
		assert_int_equal(emu_posts("plan-es-0001"), i + 1);
		/* every byte sent before TikTok's clock moves on (the upload URL lives an hour) */
		{
			char jid[24];
			snprintf(jid, sizeof(jid), "%lld", jobs[i]);
			for (waited = 0; waited < 15000 && num("SELECT count(*) FROM upload_jobs WHERE id = $1 AND"
					" state IN ('processing', 'published')", 1, (const char *[]){ jid }) == 0;
			     waited += 50)
				usleep(50 * 1000);
		}
		if (i + 1 < 40) {
			char *adv = t_printf("{\"advance_sec\": %lld}", (long long)(at[i + 1] - at[i]));
			emu_post("/_emulator/clock", adv);
			free(adv);
		}
	}
	{
		struct json_object *s = emu_state(), *posts = jget(s, "posts");
		int k = 0;

		no_violations_since(viol0);
		/* in the plan's order: the captions name the row */
		for (size_t i = 0; i < json_object_array_length(posts); i++) {
			struct json_object *p = json_object_array_get_idx(posts, i);
			char want[16];

			if (strcmp(json_object_get_string(jget(p, "open_id")), "plan-es-0001"))
				continue;
			snprintf(want, sizeof(want), "clip %d", k++);
			assert_string_equal(json_object_get_string(jget(p, "title")), want);
		}
		assert_int_equal(k, 40);
		json_object_put(s);
	}
	actor_free(&a);
}

static void eight_drafts_leave_three_waiting(void **state)
{
	struct actor a;
	struct tresp r;
	long long acc, v[8];
	char sacc[24];
	struct json_object *s, *posts;
	int pending = 0;
	size_t viol0 = violations_now();

	(void)state;
	actor_new(&a);
	acc = connect(&a, "drafts.es", "user.info.basic,video.upload");
	snprintf(sacc, sizeof(sacc), "%lld", acc);
	/* slots every 10 minutes of the day: the drafts, not the slots, hold the batch */
	{
		struct buf slots = BUF_INIT;
		buf_puts(&slots, "daily");
		for (int h = 0; h < 2; h++)
			for (int m = 0; m < 60; m += 10)
				buf_printf(&slots, " %02d:%02d", (h + 8) % 24, m);
		assert_int_equal(save_plan(&a, acc, buf_cstr(&slots), "UTC", "es", "", 15, 0, &r), 303);
		tresp_free(&r);
		buf_free(&slots);
	}
	for (int i = 0; i < 8; i++)
		v[i] = video_new("es", "romper el hielo");
	{
		char *path = t_printf("/plan?videos=%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld", v[0], v[1], v[2],
				      v[3], v[4], v[5], v[6], v[7]);
		assert_int_equal(tc_get(a.c, path, &r), 0);
		free(path);
		assert_int_equal(r.status, 200);
		/* the review says where the batch spills and why */
		t_contains(r.body.data, "at most 5 drafts waiting in the app in 24 hours");
		tresp_free(&r);
	}
	assert_int_equal(confirm_batch(&a, v, 8, acc, "inbox", &r), 303);
	tresp_free(&r);
	assert_int_equal(num("SELECT count(*) FROM upload_jobs WHERE account_id = $1 AND mode = 'inbox'", 1,
			     (const char *[]){ sacc }), 8);
	/* the 6th starts a day after the 1st at the earliest */
	assert_true(num("SELECT extract(epoch FROM max(run_at) - min(run_at)) FROM (SELECT run_at FROM upload_jobs"
			" WHERE account_id = $1 ORDER BY run_at LIMIT 6) s", 1, (const char *[]){ sacc }) >= 86400);

	/* all due now: the worker sends 5 drafts and holds 3 */
	{
		PGresult *res = PQexecParams(t_dbc, "SELECT id FROM upload_jobs WHERE account_id = $1 ORDER BY run_at",
					     1, NULL, (const char *[]){ sacc }, NULL, NULL, 0);
		for (int i = 0; i < PQntuples(res); i++) {
			struct job_fixture f = { .job_id = atoll(PQgetvalue(res, i, 0)), .state = "queued",
						 .move_run_at = 1 };
			t_job_set(&f);
		}
		PQclear(res);
		jobs_notify(t_jobs_db());
	}
	for (int waited = 0; waited < 15000 && emu_posts("plan-dr-0001") < 5; waited += 100)
		usleep(100 * 1000);
	usleep(1500 * 1000);
	assert_int_equal(emu_posts("plan-dr-0001"), 5);
	assert_int_equal(num("SELECT count(*) FROM upload_jobs WHERE account_id = $1 AND state = 'queued'", 1,
			     (const char *[]){ sacc }), 3);
	assert_true(num("SELECT count(*) FROM job_events e JOIN upload_jobs j ON j.id = e.job_id"
			" WHERE j.account_id = $1 AND e.message LIKE '%drafts are waiting%'", 1,
			(const char *[]){ sacc }) >= 3);
	/* the creator posts two drafts in the app: two more go */
	s = emu_state();
	posts = jget(s, "posts");
	for (size_t i = 0; i < json_object_array_length(posts) && pending < 2; i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		char *body;

		if (strcmp(json_object_get_string(jget(p, "open_id")), "plan-dr-0001"))
			continue;
		body = t_printf("{\"publish_id\": \"%s\", \"privacy_level\": \"SELF_ONLY\"}",
				json_object_get_string(jget(p, "publish_id")));
		emu_post("/_emulator/inbox/publish", body);
		free(body);
		pending++;
	}
	json_object_put(s);
	for (int waited = 0; waited < 20000 && emu_posts("plan-dr-0001") < 7; waited += 100)
		usleep(100 * 1000);
	assert_int_equal(emu_posts("plan-dr-0001"), 7);
	no_violations_since(viol0);
	actor_free(&a);
}

static void madrid_slot_stays_at_nine_across_dst(void **state)
{
	struct actor a;
	struct tresp r;
	long long acc;
	char sacc[24];
	PGresult *res;

	(void)state;
	actor_new(&a);
	acc = connect(&a, "profe.es", NULL);
	snprintf(sacc, sizeof(sacc), "%lld", acc);
	assert_int_equal(save_plan(&a, acc, "daily 09:00", "Europe/Madrid", "", "", 15, 0, &r), 303);
	tresp_free(&r);
	/* the fortnight around the end of summer time (25 October 2026) */
	res = PQexecParams(t_dbc, "SELECT to_char(at AT TIME ZONE 'Europe/Madrid', 'HH24:MI'),"
			   "  to_char(at AT TIME ZONE 'UTC', 'HH24:MI') FROM"
			   "  plan_slot_instants($1, '2026-10-18 12:00+00', 14) ORDER BY at", 1, NULL,
			   (const char *[]){ sacc }, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(res), 14);
	for (int i = 0; i < 14; i++) {
		assert_string_equal(PQgetvalue(res, i, 0), "09:00");
		/* 07:00 UTC in summer time, 08:00 UTC after the change */
		assert_string_equal(PQgetvalue(res, i, 1), i < 6 ? "07:00" : "08:00");
	}
	PQclear(res);
	/* and spring forward (29 March 2026) */
	res = PQexecParams(t_dbc, "SELECT to_char(at AT TIME ZONE 'Europe/Madrid', 'HH24:MI') FROM"
			   "  plan_slot_instants($1, '2026-03-25 12:00+00', 7)", 1, NULL,
			   (const char *[]){ sacc }, NULL, NULL, 0);
	for (int i = 0; i < PQntuples(res); i++)
		assert_string_equal(PQgetvalue(res, i, 0), "09:00");
	assert_int_equal(PQntuples(res), 7);
	PQclear(res);
	actor_free(&a);
}

static void account_at_risk_before_its_slot(void **state)
{
	struct actor a;
	struct tresp r;
	long long acc, v;
	char sacc[24], *slot;
	time_t soon = time(NULL) + 30 * 60;
	struct tm tm;
	int waited;

	(void)state;
	actor_new(&a);
	acc = connect(&a, "risky.es", NULL);
	snprintf(sacc, sizeof(sacc), "%lld", acc);
	/* a slot half an hour from now */
	gmtime_r(&soon, &tm);
	slot = t_printf("daily %02d:%02d", tm.tm_hour, tm.tm_min);
	assert_int_equal(save_plan(&a, acc, slot, "UTC", "", "", 15, 0, &r), 303);
	tresp_free(&r);
	free(slot);
	v = video_new("es", "romper el hielo");
	assert_int_equal(confirm_batch(&a, &v, 1, acc, "direct", &r), 303);
	tresp_free(&r);
	assert_true(num("SELECT count(*) FROM upload_jobs WHERE account_id = $1 AND state = 'queued'"
			" AND run_at > now() + interval '20 minutes' AND run_at < now() + interval '40 minutes'", 1,
			(const char *[]){ sacc }) == 1);
	/* the check an hour ahead finds it healthy */
	for (waited = 0; waited < 10000 && num("SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND"
						" health_checked_at IS NOT NULL", 1, (const char *[]){ sacc }) == 0;
	     waited += 100)
		usleep(100 * 1000);
	assert_int_equal(num("SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND at_risk_reason IS NULL",
			     1, (const char *[]){ sacc }), 1);
	/* TikTok drops the account's tokens without a word: the next check marks it */
	emu_post("/_emulator/expire_tokens", "{\"open_id\": \"plan-rk-0001\", \"kind\": \"both\"}");
	for (waited = 0; waited < 15000 && num("SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND"
						" at_risk_reason IS NOT NULL", 1, (const char *[]){ sacc }) == 0;
	     waited += 100)
		usleep(100 * 1000);
	assert_int_equal(num("SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND at_risk_reason LIKE"
			     " '%Reconnect%' AND at_risk_since IS NOT NULL", 1, (const char *[]){ sacc }), 1);
	/* its planned job says why */
	assert_int_equal(num("SELECT count(*) FROM job_events e JOIN upload_jobs j ON j.id = e.job_id"
			     " WHERE j.account_id = $1 AND e.kind = 'at_risk' AND e.message LIKE '%at risk%'", 1,
			     (const char *[]){ sacc }), 1);
	{
		char *jid = t_db_value(t_dbc, "SELECT id FROM upload_jobs WHERE account_id = $1", 1,
				       (const char *[]){ sacc });
		char *path = t_printf("/jobs/%s", jid);

		assert_int_equal(tc_get(a.c, path, &r), 0);
		t_contains(r.body.data, "at risk before this planned post");
		tresp_free(&r);
		free(path);
		free(jid);
	}
	/* the dashboard's banner, with the Reconnect button */
	assert_int_equal(tc_get(a.c, "/", &r), 0);
	{
		char want[48];

		snprintf(want, sizeof(want), "id=\"at-risk-%lld\"", acc);
		t_contains(r.body.data, want);
	}
	t_contains(r.body.data, "may not be able to post its next planned video");
	t_contains(r.body.data, "href=\"/auth/tiktok/start\">Reconnect</a>");
	tresp_free(&r);
	/* and /metrics counts it */
	{
		struct tclient *c = tc_new();
		const char *m;

		assert_int_equal(tc_get(c, "/metrics", &r), 0);
		m = strstr(r.body.data, "\nlangflix_tiktok_accounts_at_risk ");
		assert_non_null(m);
		assert_true(atoi(m + strlen("\nlangflix_tiktok_accounts_at_risk ")) >= 1);
		tresp_free(&r);
		tc_free(c);
	}
	actor_free(&a);
}

static void add_to_queue_takes_the_next_free_slot(void **state)
{
	struct actor a;
	struct tresp r;
	long long acc, v;
	char sacc[24], *path, *sid, *form, *want, *got;
	const char *p;

	(void)state;
	actor_new(&a);
	acc = connect(&a, "prof.fr", NULL);
	snprintf(sacc, sizeof(sacc), "%lld", acc);
	assert_int_equal(save_plan(&a, acc, "daily 06:15 18:45", "Europe/Paris", "", "", 15, 0, &r), 303);
	tresp_free(&r);
	v = video_new("fr", "briser la glace");
	path = t_printf("/videos/%lld/tiktok?account_id=%lld", v, acc);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "value=\"queue\"");
	p = strstr(r.body.data, "name=\"submission_id\" value=\"");
	assert_non_null(p);
	sid = xstrndup(p + strlen("name=\"submission_id\" value=\""), 32);
	tresp_free(&r);
	free(path);
	form = t_printf("csrf=%s&submission_id=%s&account=%lld&mode=direct&title=queued+clip"
			"&privacy=SELF_ONLY&when=queue", a.csrf, sid, acc);
	path = t_printf("/videos/%lld/tiktok", v);
	assert_int_equal(tc_post_form(a.c, path, form, &r), 0);
	if (r.status != 303)
		fail_msg("add to queue: %ld %.1500s", r.status, r.body.data);
	tresp_free(&r);
	/* the job waits for the account's first free slot */
	want = t_db_value(t_dbc, "SELECT min(at)::text FROM plan_slot_instants($1, now(), 2)", 1,
			  (const char *[]){ sacc });
	got = t_db_value(t_dbc, "SELECT run_at::text FROM upload_jobs WHERE account_id = $1", 1,
			 (const char *[]){ sacc });
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
	free(form);
	free(path);
	free(sid);
	actor_free(&a);
}

/* ?all=1&q=term: every ready video the search matches (the dashboard's
 * rule: any case, % taken literally), newest first, and nothing else. */
static void batch_of_everything_the_search_matches(void **state)
{
	struct actor a;
	struct tresp r;
	char term[64], *path, *want, *hidden;
	long long v[6];

	(void)state;
	actor_new(&a);
	snprintf(term, sizeof(term), "Wombat%d", (int)getpid());
	{
		/* v[5]: what "term 100%" would match if its % were a wildcard */
		static const char *const shapes[6] = { "%s kept", "the %s, TOO", "%s not ready",
							"unrelated clip", "%s 100%% sure", "%s 1000 points" };
		for (int i = 0; i < 6; i++) {
			char expr[128];
			snprintf(expr, sizeof(expr), shapes[i], term);
			v[i] = video_new("es", expr);
		}
	}
	{
		char sid[24];
		snprintf(sid, sizeof(sid), "%lld", v[2]);
		assert_int_equal(t_db_num(t_dbc, "WITH u AS (UPDATE videos SET ready = false WHERE id = $1"
					  " RETURNING 1) SELECT count(*) FROM u", 1, (const char *[]){ sid }), 1);
	}
	/* upper case finds the term in any case; a literal % only where it is */
	path = t_printf("/plan?all=1&q=%s", term);
	for (char *c = path + strlen("/plan?all=1&q="); *c; c++)
		*c = (char)toupper((unsigned char)*c);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	want = t_printf("name=\"videos\" value=\"%lld,%lld,%lld,%lld\"", v[5], v[4], v[1], v[0]);
	t_contains(r.body.data, want);
	tresp_free(&r);
	free(want);
	free(path);
	path = t_printf("/plan?all=1&q=%s+100%%25", term);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	hidden = t_printf("name=\"videos\" value=\"%lld\"", v[4]);
	t_contains(r.body.data, hidden);
	tresp_free(&r);
	free(hidden);
	free(path);
	/* the library is shared by the later files' tests: a search for "%"
	 * there must still find nothing (test_security) */
	{
		char ids[160];
		snprintf(ids, sizeof(ids), "{%lld,%lld,%lld,%lld,%lld,%lld}", v[0], v[1], v[2], v[3], v[4], v[5]);
		assert_int_equal(t_db_num(t_dbc, "WITH d AS (DELETE FROM videos WHERE id = ANY($1::bigint[])"
					  " RETURNING 1) SELECT count(*) FROM d", 1, (const char *[]){ ids }), 6);
	}
	actor_free(&a);
}

static int setup(void **state)
{
	t_db_setup(state);
	tconn_emulator_profiles(profiles, sizeof(profiles) / sizeof(profiles[0]));
	/* TikTok's minute as short as ours (ours keeps a second of margin) */
	emu_post("/_emulator/config", "{\"processing_delay_ms\": 100, \"rate_window_sec\": 2}");
	/* a short minute and day on our side: the replays run in seconds */
	if (t_app_restart("tiktok_rate_window_sec = 2\ntiktok_day_sec = 4\nworker_poll_ms = 200\n"
			  "worker_health_recheck_sec = 1") != 0 ||
	    worker_restart() != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_app_restart(NULL);
	worker_restart();
	return t_db_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings_refuse_bad_input),
		cmocka_unit_test(routing_sends_spanish_to_spanish_account),
		cmocka_unit_test(madrid_slot_stays_at_nine_across_dst),
		cmocka_unit_test(forty_clips_plan_inside_the_cap_and_reach_tiktok_in_order),
		cmocka_unit_test(eight_drafts_leave_three_waiting),
		cmocka_unit_test(account_at_risk_before_its_slot),
		cmocka_unit_test(add_to_queue_takes_the_next_free_slot),
		cmocka_unit_test(batch_of_everything_the_search_matches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
