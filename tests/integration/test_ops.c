/* Integration tests: operations (issue 5) — GET /healthz with the database
 * up, down and back; GET /metrics' format and its values after a scripted
 * run (requests by route and status, webhook results, TikTok calls, jobs by
 * state, database_up); and the admin command's jobs filters, retry,
 * cancel, accounts and prune against the stack's database. */
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

#include "buf.h"
#include "crypto.h"
#include "tiktok_sig.h"
#include "util.h"

#define PASSWORD "ops-test-password"

static char tag[17];
static int seq;

static char *q1(const char *sql, int n, const char *const *params)
{
	return t_db_value(t_dbc, sql, n, params);
}

static long long qn(const char *sql, int n, const char *const *params)
{
	char *v = q1(sql, n, params);
	long long x = v ? atoll(v) : -1;

	free(v);
	return x;
}

static int setup_all(void **state)
{
	t_db_setup(state);
	assert_int_equal(crypto_random_hex(tag, 8), 0);
	return 0;
}

/* ---- metrics text ---- */

static char *scrape(void)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char *text;

	assert_int_equal(tc_get(c, "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	text = xstrdup(r.body.data);
	tresp_free(&r);
	tc_free(c);
	return text;
}

/* The value of the sample whose "name{labels}" is exactly series; 0 when
 * the series is absent (a counter that never moved). */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return 0;
}

static void metrics_are_prometheus_text(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	const char *names[] = {
		"langflix_http_requests_total counter", "langflix_http_request_duration_seconds histogram",
		"langflix_tiktok_calls_total counter", "langflix_token_refreshes_total counter",
		"langflix_webhook_events_total counter", "langflix_upload_bytes_total counter",
		"langflix_worker_slots_busy gauge", "langflix_jobs gauge", "langflix_job_bytes_sent gauge",
		"langflix_worker_leases gauge", "langflix_database_up gauge",
		"langflix_queue_oldest_due_seconds gauge", "langflix_tiktok_accounts gauge",
	};

	(void)state;
	assert_int_equal(tc_get(c, "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(tresp_header(&r, "Content-Type"));
	assert_non_null(strstr(tresp_header(&r, "Content-Type"), "text/plain; version=0.0.4"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[128], name[96];
		snprintf(line, sizeof(line), "# TYPE %s\n", names[i]);
		if (!strstr(r.body.data, line))
			fail_msg("missing %s", line);
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(names[i], " "), names[i]);
		snprintf(line, sizeof(line), "# HELP %s ", name);
		assert_non_null(strstr(r.body.data, line));
	}
	assert_true(sample(r.body.data, "langflix_database_up") == 1);
	/* every state is listed, even at zero */
	assert_non_null(strstr(r.body.data, "\nlangflix_jobs{state=\"cancelled\"} "));
	assert_non_null(strstr(r.body.data, "\nlangflix_jobs{state=\"uploading\"} "));
	tresp_free(&r);
	tc_free(c);
}

static void post_webhook(const char *body, const char *secret, long want)
{
	struct tclient *c = tc_new();
	char sig[160], hdr[200];
	const char *headers[] = { "Content-Type: application/json", hdr, NULL };
	struct tresp r;

	tiktok_signature_header(secret, now_unix(), body, strlen(body), sig, sizeof(sig));
	snprintf(hdr, sizeof(hdr), "TikTok-Signature: %s", sig);
	tresp_init(&r);
	assert_int_equal(tc_request(c, "POST", "/webhooks/tiktok", headers, body, strlen(body), &r), 0);
	assert_int_equal(r.status, want);
	tresp_free(&r);
	tc_free(c);
}

/* A dashboard user that can log in, with a connected emulator account. */
static struct tclient *logged_in_with_account(struct tconn *tc)
{
	struct tclient *c = tc_new();
	char name[64], uid[24], *csrf, *body;
	struct tresp r;

	snprintf(name, sizeof(name), "ops-%s-%d", tag, ++seq);
	assert_int_equal(t_user_add(name, PASSWORD), 0);
	tconn_connect("5f0c2a8e-1b7d-4c3e-9a61-000000000001", "user.info.basic,video.publish,video.upload", tc);
	/* move the account to the user that can log in */
	snprintf(uid, sizeof(uid), "%lld", tc->user_id);
	PQclear(PQexecParams(t_dbc, "UPDATE users SET password_hash = (SELECT password_hash FROM users "
			     "WHERE name = $2) WHERE id = $1", 2, NULL, (const char *[]){ uid, name },
			     NULL, NULL, 0));
	{
		char *n = q1("SELECT name FROM users WHERE id = $1", 1, (const char *[]){ uid });
		snprintf(name, sizeof(name), "%s", n);
		free(n);
	}
	assert_int_equal(tc_get(c, "/login", &r), 0);
	csrf = tc_extract_csrf(r.body.data);
	tresp_free(&r);
	assert_non_null(csrf);
	{
		struct buf b = BUF_INIT;
		buf_printf(&b, "csrf=%s&name=%s&password=%s&next=%%2F", csrf, name, PASSWORD);
		body = buf_detach(&b);
	}
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(body);
	free(csrf);
	return c;
}

static void metrics_count_a_scripted_run(void **state)
{
	char *before, *after, *body;
	struct tclient *c = tc_new();
	struct tconn acc;
	struct tclient *user;
	struct tresp r;
	char aid[24], path[96], sub[64], uid[24], vid[24];
	const int N = 7;

	(void)state;
	before = scrape();
	/* N login pages, one unknown page */
	for (int i = 0; i < N; i++) {
		assert_int_equal(tc_get(c, "/login", &r), 0);
		assert_int_equal(r.status, 200);
		tresp_free(&r);
	}
	assert_int_equal(tc_get(c, "/no-such-page", &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	/* webhooks: one forged, one ignored (an event this site does not act on) */
	body = xstrdup("{\"event\":\"portability.download.ready\",\"content\":\"{}\",\"n\":\"");
	{
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s%s\"}", body, tag);
		free(body);
		body = buf_detach(&b);
	}
	post_webhook(body, "forged-secret", 401);
	post_webhook(body, tconn_config()->tiktok_client_secret, 200);
	free(body);
	/* a TikTok call made by the app: disconnecting revokes the token */
	user = logged_in_with_account(&acc);
	{
		char *csrf, form[160];
		assert_int_equal(tc_get(user, "/", &r), 0);
		csrf = tc_extract_csrf(r.body.data);
		tresp_free(&r);
		assert_non_null(csrf);
		snprintf(form, sizeof(form), "csrf=%s", csrf);
		snprintf(path, sizeof(path), "/accounts/%lld/disconnect", acc.account_id);
		assert_int_equal(tc_post_form(user, path, form, &r), 0);
		assert_int_equal(r.status, 200);   /* the "disconnected" page */
		tresp_free(&r);
		free(csrf);
	}
	/* a cancelled job appears in the jobs gauge */
	snprintf(path, sizeof(path), "ops/%s.mp4", tag);
	snprintf(sub, sizeof(sub), "ops-%s", tag);
	snprintf(uid, sizeof(uid), "%lld", acc.user_id);
	snprintf(aid, sizeof(aid), "%lld", acc.account_id);
	{
		char *v = q1("INSERT INTO videos (path, size_bytes, mtime) VALUES ($1, 1, 0) RETURNING id", 1,
			     (const char *[]){ path });
		snprintf(vid, sizeof(vid), "%s", v);
		free(v);
	}
	t_job(&(struct job_fixture){ .submission_id = sub, .user_id = acc.user_id, .video_id = atoll(vid),
				     .account_id = acc.account_id, .state = "cancelled", .finished_ago_sec = 1 });

	after = scrape();
	assert_true(sample(after, "langflix_http_requests_total{route=\"login_form\",status=\"200\"}") -
		    sample(before, "langflix_http_requests_total{route=\"login_form\",status=\"200\"}") >= N);
	/* exactly N from this test unless another client hit /login meanwhile:
	 * the tests run one at a time, so exact */
	assert_true(sample(after, "langflix_http_requests_total{route=\"login_form\",status=\"200\"}") -
		    sample(before, "langflix_http_requests_total{route=\"login_form\",status=\"200\"}") ==
		    N + 1 /* the login page fetched by logged_in_with_account */);
	assert_true(sample(after, "langflix_http_requests_total{route=\"unmatched\",status=\"404\"}") -
		    sample(before, "langflix_http_requests_total{route=\"unmatched\",status=\"404\"}") == 1);
	assert_true(sample(after, "langflix_http_request_duration_seconds_count{route=\"login_form\"}") -
		    sample(before, "langflix_http_request_duration_seconds_count{route=\"login_form\"}") == N + 1);
	assert_true(sample(after, "langflix_webhook_events_total{result=\"bad_signature\"}") -
		    sample(before, "langflix_webhook_events_total{result=\"bad_signature\"}") == 1);
	assert_true(sample(after, "langflix_webhook_events_total{result=\"ignored\"}") -
		    sample(before, "langflix_webhook_events_total{result=\"ignored\"}") == 1);
	assert_true(sample(after, "langflix_tiktok_calls_total{endpoint=\"oauth/revoke\",code=\"ok\"}") -
		    sample(before, "langflix_tiktok_calls_total{endpoint=\"oauth/revoke\",code=\"ok\"}") == 1);
	assert_true(sample(after, "langflix_jobs{state=\"cancelled\"}") -
		    sample(before, "langflix_jobs{state=\"cancelled\"}") == 1);
	assert_true(sample(after, "langflix_http_requests_total{route=\"metrics\",status=\"200\"}") >= 1);
	free(before);
	free(after);
	tc_free(user);
	tc_free(c);
}

static void healthz_follows_the_database(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char *m;

	(void)state;
	assert_int_equal(tc_get(c, "/healthz", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, "ok\n");
	tresp_free(&r);

	assert_int_equal(t_sh("'%s' pg-stop >/dev/null 2>&1", t_env("LF_STACK")), 0);
	assert_int_equal(tc_get(c, "/healthz", &r), 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body.data, "database unreachable\n");
	tresp_free(&r);
	/* metrics still answer, and say so */
	assert_int_equal(tc_get(c, "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(sample(r.body.data, "langflix_database_up") == 0);
	assert_null(strstr(r.body.data, "langflix_jobs{"));
	assert_non_null(strstr(r.body.data, "langflix_http_requests_total{route=\"healthz\",status=\"503\"} "));
	tresp_free(&r);

	assert_int_equal(t_sh("'%s' pg-start >/dev/null 2>&1", t_env("LF_STACK")), 0);
	assert_int_equal(t_wait_http("/healthz", 200, 15000), 0);
	m = scrape();
	assert_true(sample(m, "langflix_database_up") == 1);
	free(m);
	tc_free(c);
	/* the test's own connection died with the server */
	PQfinish(t_dbc);
	t_dbc = t_db();
}

/* A PostgreSQL restart closes every idle connection of the app's threads.
 * The first request each thread serves afterwards must notice that before
 * it runs a statement, and reconnect: no signed-in user gets a 503 for a
 * database that is back. */
static void pages_survive_a_database_restart(void **state)
{
	struct tconn acc;
	struct tclient *user;
	struct tresp r;
	int refused = 0;

	(void)state;
	user = logged_in_with_account(&acc);
	for (int i = 0; i < 40; i++) {   /* every request thread holds a connection */
		assert_int_equal(tc_get(user, "/", &r), 0);
		assert_int_equal(r.status, 200);
		tresp_free(&r);
	}
	PQfinish(t_dbc);
	assert_int_equal(t_sh("'%s' pg-stop >/dev/null 2>&1", t_env("LF_STACK")), 0);
	assert_int_equal(t_sh("'%s' pg-start >/dev/null 2>&1", t_env("LF_STACK")), 0);
	t_dbc = t_db();   /* pg-start returned once the server accepts connections */
	for (int i = 0; i < 40; i++) {
		assert_int_equal(tc_get(user, "/", &r), 0);
		if (r.status != 200)
			refused++;
		tresp_free(&r);
	}
	assert_int_equal(refused, 0);
	tc_free(user);
}

/* ---- the admin command ---- */

/* Run `langflix ARGS` and capture stdout+stderr; the exit status. */
static int cli(char **out, const char *args)
{
	return t_sh_output(out, "'%s/langflix' -c '%s' %s", t_env("LF_BIN"), t_env("LF_CONFIG"), args);
}

struct fixture {
	char uid[24], vid[24], vid2[24], aid[24];
};

static void make_fixture(struct fixture *fx)
{
	char name[64], path[96], oid[64], *v;

	snprintf(name, sizeof(name), "cli-%s-%d", tag, ++seq);
	v = q1("INSERT INTO users (name, password_hash) VALUES ($1, 'x') RETURNING id", 1,
	       (const char *[]){ name });
	snprintf(fx->uid, sizeof(fx->uid), "%s", v);
	free(v);
	snprintf(path, sizeof(path), "cli/%s-%d-a.mp4", tag, seq);
	v = q1("INSERT INTO videos (path, size_bytes, mtime, ready) VALUES ($1, 10, 0, true) RETURNING id",
	       1, (const char *[]){ path });
	snprintf(fx->vid, sizeof(fx->vid), "%s", v);
	free(v);
	snprintf(path, sizeof(path), "cli/%s-%d-b.mp4", tag, seq);
	v = q1("INSERT INTO videos (path, size_bytes, mtime, ready) VALUES ($1, 10, 0, true) RETURNING id",
	       1, (const char *[]){ path });
	snprintf(fx->vid2, sizeof(fx->vid2), "%s", v);
	free(v);
	snprintf(oid, sizeof(oid), "cli-oid-%s-%d", tag, seq);
	v = q1("INSERT INTO tiktok_accounts (user_id, open_id, display_name, scopes) "
	       "VALUES ($1, $2, 'CLI Account', 'user.info.basic,video.publish') RETURNING id", 2,
	       (const char *[]){ fx->uid, oid });
	snprintf(fx->aid, sizeof(fx->aid), "%s", v);
	free(v);
}

#define HOUR (3600)
#define DAY (24 * HOUR)

/* A job in state, finished finished_ago seconds ago (0: not finished). Its
 * id as text (malloc'd). */
static char *make_job(const struct fixture *fx, const char *video, int finished_ago, const char *state,
		      const char *publish_id, const char *tiktok_status)
{
	char sub[64];

	snprintf(sub, sizeof(sub), "cli-%s-%d", tag, ++seq);
	/* run_at ahead: the stack's worker leaves these rows alone */
	return t_printf("%lld", t_job(&(struct job_fixture){
		.submission_id = sub, .user_id = atoll(fx->uid), .video_id = atoll(video),
		.account_id = atoll(fx->aid), .state = state, .privacy_level = "SELF_ONLY",
		.bytes_total = 10, .run_in_sec = HOUR, .publish_id = publish_id,
		.tiktok_status = tiktok_status, .finished_ago_sec = finished_ago,
		.fail_reason = !strcmp(state, "failed") ? "TikTok had a temporary problem." : NULL }));
}

static int has_job_line(const char *out, const char *id)
{
	char needle[32];
	const char *p = out;

	snprintf(needle, sizeof(needle), "%s ", id);
	while ((p = strstr(p, needle))) {
		if (p == out || p[-1] == '\n')
			return 1;
		p++;
	}
	return 0;
}

static void cli_jobs_filters(void **state)
{
	struct fixture fx;
	char *a, *b, *c, *out, args[160];

	(void)state;
	make_fixture(&fx);
	a = make_job(&fx, fx.vid, HOUR, "failed", NULL, NULL);
	b = make_job(&fx, fx.vid2, HOUR, "cancelled", NULL, NULL);
	c = make_job(&fx, fx.vid2, HOUR, "failed", NULL, NULL);
	t_job_set(&(struct job_fixture){ .job_id = atoll(c), .created_ago_sec = 10 * DAY });

	snprintf(args, sizeof(args), "jobs --account %s", fx.aid);
	assert_int_equal(cli(&out, args), 0);
	assert_true(has_job_line(out, a) && has_job_line(out, b) && has_job_line(out, c));
	free(out);
	snprintf(args, sizeof(args), "jobs --account %s --state failed", fx.aid);
	assert_int_equal(cli(&out, args), 0);
	assert_true(has_job_line(out, a) && !has_job_line(out, b) && has_job_line(out, c));
	free(out);
	snprintf(args, sizeof(args), "jobs --video %s --account %s", fx.vid2, fx.aid);
	assert_int_equal(cli(&out, args), 0);
	assert_true(!has_job_line(out, a) && has_job_line(out, b) && has_job_line(out, c));
	free(out);
	snprintf(args, sizeof(args), "jobs --account %s --since 7d", fx.aid);
	assert_int_equal(cli(&out, args), 0);
	assert_true(has_job_line(out, a) && has_job_line(out, b) && !has_job_line(out, c));
	free(out);
	snprintf(args, sizeof(args), "jobs --account %s --since 2000-01-01 --limit 1", fx.aid);
	assert_int_equal(cli(&out, args), 0);
	assert_true(!has_job_line(out, a) && has_job_line(out, b) == 0 && has_job_line(out, c));
	free(out);
	assert_int_equal(cli(&out, "jobs --state nonsense"), 2);
	free(out);
	assert_int_equal(cli(&out, "jobs --account x"), 2);
	free(out);
	free(a);
	free(b);
	free(c);
}

static void cli_retry_and_cancel(void **state)
{
	struct fixture fx;
	char *failed, *reached, *queued, *done, *out, args[96], *v;

	(void)state;
	make_fixture(&fx);
	failed = make_job(&fx, fx.vid, HOUR, "failed", NULL, NULL);
	reached = make_job(&fx, fx.vid, HOUR, "failed", "v_pub_x", "PROCESSING_UPLOAD");
	queued = make_job(&fx, fx.vid, 0, "queued", NULL, NULL);
	done = make_job(&fx, fx.vid, HOUR, "published", NULL, NULL);

	/* retry: a new queued job pointing at the failed one */
	snprintf(args, sizeof(args), "retry %s", failed);
	assert_int_equal(cli(&out, args), 0);
	assert_non_null(strstr(out, "queued again as job "));
	free(out);
	/* (the stack's worker may already have picked the new job up, so its
	 * state is not asserted here; its first event is) */
	assert_int_equal(qn("SELECT count(*) FROM upload_jobs r JOIN job_events e ON e.job_id = r.id "
			    "AND e.kind = 'queued' WHERE r.retry_of = $1 AND r.video_id = $2::bigint", 2,
			    (const char *[]){ failed, fx.vid }), 1);
	assert_int_equal(qn("SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'retry'", 1,
			    (const char *[]){ failed }), 1);
	/* twice: refused, names the retry */
	assert_int_equal(cli(&out, args), 1);
	assert_non_null(strstr(out, "already retried"));
	free(out);
	/* TikTok got the file: a retry could post twice */
	snprintf(args, sizeof(args), "retry %s", reached);
	assert_int_equal(cli(&out, args), 1);
	assert_non_null(strstr(out, "post it twice"));
	free(out);
	snprintf(args, sizeof(args), "retry %s", done);
	assert_int_equal(cli(&out, args), 1);
	assert_non_null(strstr(out, "only a failed job"));
	free(out);
	assert_int_equal(cli(&out, "retry 999999999"), 1);
	free(out);
	assert_int_equal(cli(&out, "retry abc"), 2);
	free(out);

	/* cancel: a queued job no worker holds */
	snprintf(args, sizeof(args), "cancel %s", queued);
	assert_int_equal(cli(&out, args), 0);
	free(out);
	v = q1("SELECT state FROM upload_jobs WHERE id = $1", 1, (const char *[]){ queued });
	assert_string_equal(v, "cancelled");
	free(v);
	assert_int_equal(qn("SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'cancelled'", 1,
			    (const char *[]){ queued }), 1);
	/* not again, and not a finished job */
	assert_int_equal(cli(&out, args), 1);
	assert_non_null(strstr(out, "only queued jobs"));
	free(out);
	/* a queued job a worker holds */
	free(queued);
	queued = make_job(&fx, fx.vid, 0, "queued", NULL, NULL);
	t_job_set(&(struct job_fixture){ .job_id = atoll(queued), .locked_by = "h:1:0", .lock_sec = 60 });
	snprintf(args, sizeof(args), "cancel %s", queued);
	assert_int_equal(cli(&out, args), 1);
	assert_non_null(strstr(out, "working on it"));
	free(out);
	t_job_set(&(struct job_fixture){ .job_id = atoll(queued), .state = "cancelled" });
	free(failed);
	free(reached);
	free(queued);
	free(done);
}

static void cli_accounts_lists_status_without_tokens(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	make_fixture(&fx);
	PQclear(PQexecParams(t_dbc, "UPDATE tiktok_accounts SET status = 'needs_reconnect', status_reason = "
			     "'TikTok withdrew access.', access_token_sealed = 'SEALED-SECRET' WHERE id = $1",
			     1, NULL, (const char *[]){ fx.aid }, NULL, NULL, 0));
	assert_int_equal(cli(&out, "accounts"), 0);
	assert_non_null(strstr(out, "needs_reconnect"));
	assert_non_null(strstr(out, "TikTok withdrew access."));
	assert_non_null(strstr(out, "CLI Account"));
	assert_null(strstr(out, "SEALED-SECRET"));
	free(out);
}

/* No byte of what the CLI prints can drive the terminal. */
static void no_control_characters(const char *out)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control byte 0x%02x at offset %ld", *p, (long)(p - (const unsigned char *)out));
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("C1 control U+00%02X at offset %ld", p[1], (long)(p - (const unsigned char *)out));
	}
}

/* TikTok chooses display names, usernames and error words: a name that
 * clears the screen, sets the window title or fakes a line of output is
 * printed with '?' for each control character. */
static void cli_strips_control_characters_from_tiktok_text(void **state)
{
	struct fixture fx;
	char *out, *job, *args;

	(void)state;
	make_fixture(&fx);
	PQclear(PQexecParams(t_dbc, "UPDATE tiktok_accounts SET display_name = E'Ev\\x1b[2Jil\\x1b]0;pwned\\x07', "
			     "username = E'user\\r\\nFAKE 999 connected', status_reason = E'gone\\u009b31m red', "
			     "status = 'needs_reconnect' WHERE id = $1",
			     1, NULL, (const char *[]){ fx.aid }, NULL, NULL, 0));
	job = t_printf("%lld", t_job(&(struct job_fixture){
		.user_id = atoll(fx.uid), .video_id = atoll(fx.vid), .account_id = atoll(fx.aid),
		.state = "failed", .run_in_sec = HOUR, .finished_ago_sec = HOUR,
		.fail_reason = "TikTok said \x1b[31mno\x1b[0m\n!" }));
	assert_int_equal(cli(&out, "accounts"), 0);
	no_control_characters(out);
	assert_non_null(strstr(out, "Ev?[2Jil?]0;pwned?"));
	assert_non_null(strstr(out, "@user??FAKE 999 connected"));
	assert_non_null(strstr(out, "gone?31m red"));
	free(out);
	args = t_printf("jobs --account %s", fx.aid);
	assert_int_equal(cli(&out, args), 0);
	no_control_characters(out);
	assert_non_null(strstr(out, "Ev?[2Jil?]0;pwned?"));
	assert_non_null(strstr(out, "(TikTok said ?[31mno?[0m?!)"));
	free(out);
	free(args);
	free(job);
}

static void cli_prune_deletes_only_old_finished_rows(void **state)
{
	struct fixture fx;
	char *old_done, *new_done, *old_running, *out, sha[65], *v;

	(void)state;
	make_fixture(&fx);
	old_done = make_job(&fx, fx.vid, 40 * DAY, "published", NULL, NULL);
	new_done = make_job(&fx, fx.vid, DAY, "failed", NULL, NULL);
	old_running = make_job(&fx, fx.vid, 0, "processing", NULL, NULL);
	t_job_set(&(struct job_fixture){ .job_id = atoll(old_running), .created_ago_sec = 50 * DAY });
	assert_int_equal(jobs_event(t_jobs_db(), atoll(old_done), "published", "x"), 0);
	crypto_sha256_hex(tag, strlen(tag), sha);
	PQclear(PQexecParams(t_dbc, "INSERT INTO webhook_events (body_sha256, event, body, received_at) "
			     "VALUES ($1, 'x', '{}', now() - interval '40 days')", 1, NULL,
			     (const char *[]){ sha }, NULL, NULL, 0));

	assert_int_equal(cli(&out, "prune --days 30 --dry-run"), 0);
	assert_non_null(strstr(out, "would prune"));
	free(out);
	assert_int_equal(qn("SELECT count(*) FROM upload_jobs WHERE id = $1", 1, (const char *[]){ old_done }), 1);

	assert_int_equal(cli(&out, "prune --days 30"), 0);
	assert_non_null(strstr(out, "pruned older than 30 days"));
	free(out);
	assert_int_equal(qn("SELECT count(*) FROM upload_jobs WHERE id = $1", 1, (const char *[]){ old_done }), 0);
	assert_int_equal(qn("SELECT count(*) FROM job_events WHERE job_id = $1", 1, (const char *[]){ old_done }), 0);
	assert_int_equal(qn("SELECT count(*) FROM upload_jobs WHERE id = $1", 1, (const char *[]){ new_done }), 1);
	assert_int_equal(qn("SELECT count(*) FROM upload_jobs WHERE id = $1", 1, (const char *[]){ old_running }), 1);
	assert_int_equal(qn("SELECT count(*) FROM webhook_events WHERE body_sha256 = $1", 1, (const char *[]){ sha }), 0);
	v = q1("SELECT state FROM upload_jobs WHERE id = $1", 1, (const char *[]){ old_running });
	assert_string_equal(v, "processing");
	free(v);
	t_job_set(&(struct job_fixture){ .job_id = atoll(old_running), .state = "cancelled" });
	assert_int_equal(cli(&out, "prune"), 2);
	free(out);
	assert_int_equal(cli(&out, "prune --days 0"), 2);
	free(out);
	free(old_done);
	free(new_done);
	free(old_running);
}

/* Socket activation: systemd passes the listening socket as fd 3 with
 * LISTEN_PID/LISTEN_FDS (contrib/langflix-app.socket). systemd's own
 * systemd-socket-activate does exactly that; the app, configured with an
 * empty `listen`, must answer on it. */
static void app_takes_the_socket_from_systemd(void **state)
{
	const char *var = t_env("LF_VAR");
	char conf[512], sock[512], out[512], pidf[512], logf[512], buf[4096];
	FILE *f;
	size_t n;
	int ok = 0;

	(void)state;
	if (access("/usr/bin/systemd-socket-activate", X_OK) != 0 || access("/usr/bin/cgi-fcgi", X_OK) != 0) {
		print_message("systemd-socket-activate or cgi-fcgi missing: not tested here\n");
		skip();
	}
	snprintf(conf, sizeof(conf), "%s/socket-activation.conf", var);
	snprintf(sock, sizeof(sock), "%s/sa.sock", var);
	snprintf(out, sizeof(out), "%s/sa.out", var);
	snprintf(pidf, sizeof(pidf), "%s/sa.pid", var);
	snprintf(logf, sizeof(logf), "%s/sa.log", var);
	assert_int_equal(t_sh("grep -v '^ *listen *=' '%s' > '%s' && echo 'listen =' >> '%s' && "
			      "echo 'threads = 2' >> '%s'", t_env("LF_CONFIG"), conf, conf, conf), 0);
	assert_int_equal(t_sh("rm -f '%s'; systemd-socket-activate -l '%s' '%s/langflix.fcgi' -c '%s' "
			      ">'%s' 2>&1 & echo $! > '%s'", sock, sock, t_env("LF_BIN"), conf, logf, pidf), 0);
	for (int i = 0; i < 50 && !ok; i++) {
		usleep(100 * 1000);
		ok = t_sh("REQUEST_METHOD=GET REQUEST_URI=/healthz DOCUMENT_URI=/healthz QUERY_STRING= "
			  "timeout 5 cgi-fcgi -bind -connect '%s' > '%s' 2>/dev/null && grep -q '^ok' '%s'",
			  sock, out, out) == 0;
	}
	f = fopen(out, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	t_sh("kill $(cat '%s') 2>/dev/null; sleep 0.5", pidf);
	if (!ok)
		fail_msg("no answer over the activated socket: %s", buf);
	assert_non_null(strstr(buf, "Status: 200"));
	assert_int_equal(t_sh("grep -q 'listen=\"systemd-fd3\"' '%s'", logf), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metrics_are_prometheus_text),
		cmocka_unit_test(metrics_count_a_scripted_run),
		cmocka_unit_test(cli_jobs_filters),
		cmocka_unit_test(cli_retry_and_cancel),
		cmocka_unit_test(cli_accounts_lists_status_without_tokens),
		cmocka_unit_test(cli_strips_control_characters_from_tiktok_text),
		cmocka_unit_test(cli_prune_deletes_only_old_finished_rows),
		cmocka_unit_test(app_takes_the_socket_from_systemd),
		cmocka_unit_test(healthz_follows_the_database),
		cmocka_unit_test(pages_survive_a_database_restart),
	};
	return cmocka_run_group_tests(tests, setup_all, t_db_teardown);
}
