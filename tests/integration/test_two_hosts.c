/* test_two_hosts.c — two complete hosts on one PostgreSQL (issue: "stateless
 * hosts"). Host A is the test stack; host B is a second nginx + app + worker
 * with its own var folder, started by `scripts/stack.sh host-start` on A's
 * database, emulator, keys and media. One browser (one cookie jar) moves
 * between them as a load balancer would send it:
 *
 *   - a session made on A works on B, and a logout on B ends it on A;
 *   - OAuth started on A (state, PKCE, the session binding) completes on B's
 *     callback;
 *   - a job claimed by A's worker is SIGKILLed mid-upload and resumes on B's
 *     worker once the lease runs out, with one post whose bytes match;
 *   - the login throttle counts failures made on both hosts together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "worker_test.h"

#include "escape.h"

#define PW "two-hosts-password-1"

static PGconn *dbc;
static struct emu_ctx emu;
static char host_b[512], url_b[64];
static pid_t b_worker, b_supervisor;
static const char *url_a;

static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

static void pause_b_worker(void)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/run/worker.supervisor.pid", host_b);
	b_supervisor = read_pid(p);
	snprintf(p, sizeof(p), "%s/run/worker.pid", host_b);
	b_worker = read_pid(p);
	assert_true(b_supervisor > 0 && b_worker > 0);
	kill(b_supervisor, SIGSTOP);
	kill(b_worker, SIGSTOP);
}

static void resume_b_worker(void)
{
	if (b_worker > 0)
		kill(b_worker, SIGCONT);
	if (b_supervisor > 0)
		kill(b_supervisor, SIGCONT);
	b_worker = b_supervisor = 0;
}

static void login(struct tclient *c, const char *name, const char *password, long want)
{
	struct tresp r;
	char *csrf, *body;

	assert_int_equal(tc_get(c, "/login", &r), 0);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	body = t_printf("csrf=%s&name=%s&password=%s&next=%%2F", csrf, name, password);
	assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
	if (r.status != want)
		fail_msg("login of %s: status %ld, want %ld", name, r.status, want);
	tresp_free(&r);
	free(body);
	free(csrf);
}

static long get_status(struct tclient *c, const char *path)
{
	struct tresp r;
	long st;

	assert_int_equal(tc_get(c, path, &r), 0);
	st = r.status;
	tresp_free(&r);
	return st;
}

static long long user_id(const char *name)
{
	return t_db_num(dbc, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ name });
}

static void a_session_made_on_a_works_on_b(void **state)
{
	struct tclient *c = tc_new();
	struct tresp r;
	char *csrf, *body;

	(void)state;
	assert_int_equal(t_user_add("hosts_s", PW), 0);
	login(c, "hosts_s", PW, 303);
	assert_int_equal(get_status(c, "/"), 200);
	tc_set_base(c, url_b);
	assert_int_equal(tc_get(c, "/", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "hosts_s");
	/* log out on B: the session ends on A too */
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	body = t_printf("csrf=%s", csrf);
	assert_int_equal(tc_post_form(c, "/logout", body, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	tc_set_base(c, url_a);
	assert_int_equal(get_status(c, "/"), 303);
	free(body);
	free(csrf);
	tc_free(c);
}

/* OAuth begun on A, TikTok's redirect answered by B. The account's id. */
static long long connect_across(struct tclient *c, long long uid)
{
	struct tclient *e = tc_new_base(t_env("LF_EMU_URL"));
	struct buf b = BUF_INIT;
	struct tresp r;
	const char *loc;
	char *cb, u[24];
	long long acc;

	tc_set_base(c, url_a);
	assert_int_equal(tc_get(c, "/auth/tiktok/start", &r), 0);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	assert_non_null(strchr(loc, '?'));
	buf_puts(&b, strchr(loc, '?') + 1);
	buf_puts(&b, "&decision=authorize&emulator_account=lena.public");
	tresp_free(&r);
	assert_int_equal(tc_post_form(e, "/v2/auth/authorize/decide", buf_cstr(&b), &r), 0);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	/* the redirect names the site's one public address (A's here); the
	 * load balancer sends it to B */
	t_contains(loc, url_a);
	cb = xstrdup(strstr(loc, "/auth/tiktok/callback"));
	tresp_free(&r);
	tc_set_base(c, url_b);
	assert_int_equal(tc_get(c, cb, &r), 0);
	if (r.status != 303)
		fail_msg("B's callback answered %ld: %.300s", r.status, r.body.data);
	tresp_free(&r);
	snprintf(u, sizeof(u), "%lld", uid);
	acc = t_db_num(dbc, "SELECT max(id) FROM tiktok_accounts WHERE user_id = $1 AND status = 'connected'",
		       1, (const char *[]){ u });
	assert_true(acc > 0);
	free(cb);
	buf_free(&b);
	tc_free(e);
	return acc;
}

static void oauth_from_a_completes_on_b_and_a_job_moves_from_a_to_b(void **state)
{
	const char *env[] = { "LANGFLIX_WORKER_SLOTS=1", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
			      "LANGFLIX_WORKER_LEASE_SEC=10", NULL };
	struct tclient *c = tc_new();
	struct tconn acc = { 0 };
	struct wt_job j = { .privacy = "PUBLIC_TO_EVERYONE", .title = "Two hosts" };
	struct json_object *post;
	char rel[256], sha[65], *bs, *log, *needle;
	long long job, size = 70LL * 1000 * 1000 + 3;
	pid_t a_worker;

	(void)state;
	emu_ctl(&emu, "/_emulator/config", "{\"webhook_url\":\"\",\"processing_delay_ms\":200}");
	assert_int_equal(t_user_add("hosts_o", PW), 0);
	login(c, "hosts_o", PW, 303);
	acc.user_id = user_id("hosts_o");
	acc.account_id = connect_across(c, acc.user_id);
	snprintf(acc.open_id, sizeof(acc.open_id), "%s", WT_PUBLIC);

	/* only A's worker runs: it claims the job and starts the upload */
	wt_pause_stack_worker();
	pause_b_worker();
	wt_file(size, rel, sizeof(rel));
	wt_sha256(rel, sha);
	j.bytes_total = size;
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":300}");
	a_worker = wt_worker_start(env);
	job = wt_enqueue(dbc, &acc, wt_video(dbc, rel, size, 20000), &j);
	assert_int_equal(wt_wait_bytes(dbc, job, 20LL * 1000 * 1000, 40), 0);
	wt_worker_kill(a_worker);
	bs = wt_col(dbc, job, "bytes_sent");
	assert_true(atoll(bs) < size);
	free(bs);
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":0}");
	/* B's worker takes it over once A's lease (10 s) ran out */
	resume_b_worker();
	wt_assert_state(dbc, job, "published", 50);
	wt_resume_stack_worker();
	assert_int_equal(wt_emu_posts(&emu, WT_PUBLIC, &post), 1);   /* one init, one post */
	assert_string_equal(emu_str(post, "sha256"), sha);
	assert_string_equal(emu_str(post, "status"), "PUBLISH_COMPLETE");
	json_object_put(post);
	assert_int_equal(wt_events(dbc, job, "init", NULL), 1);
	assert_true(wt_events(dbc, job, "resumed", NULL) >= 1);
	/* and it was B's worker (its own log, in its own folder) */
	assert_int_equal(t_sh_output(&log, "cat '%s/log/worker.log'", host_b), 0);
	needle = t_printf("event=job_claimed job=%lld ", job);
	t_contains(log, needle);
	free(needle);
	free(log);
	wt_file_remove(rel);
	tc_free(c);
}

static void the_login_throttle_counts_both_hosts(void **state)
{
	struct tclient *c = tc_new();

	(void)state;
	assert_int_equal(t_user_add("hosts_t", PW), 0);
	/* a client address of its own (every 127/8 address is this machine) */
	tc_set_source(c, "127.0.0.9");
	/* login_max_failures (5) wrong passwords, three on A and two on B */
	for (int i = 0; i < 5; i++) {
		tc_set_base(c, i < 3 ? url_a : url_b);
		login(c, "hosts_t", "wrong-password", 401);
	}
	/* now even the right password waits, on either host: one count in PG */
	tc_set_base(c, url_b);
	login(c, "hosts_t", PW, 429);
	tc_set_base(c, url_a);
	login(c, "hosts_t", PW, 429);
	tc_free(c);
}

static int setup(void **state)
{
	int fd, port;

	(void)state;
	dbc = t_db();
	emu_open(&emu);
	url_a = t_env("LF_BASE_URL");
	fd = emu_loopback_socket(0, &port);
	close(fd);
	snprintf(url_b, sizeof(url_b), "http://127.0.0.1:%d", port);
	snprintf(host_b, sizeof(host_b), "%s/host-b", t_env("LF_VAR"));
	assert_int_equal(t_sh("mkdir -p '%s' && printf 'worker_lease_sec = 10\\nworker_status_poll_sec = 1\\n"
			      "worker_slots = 1\\n' >'%s/langflix.local.conf'", host_b, host_b), 0);
	if (t_sh("LF_VAR='%s' LF_PRIMARY='%s' LF_PORT=%d LF_BIN='%s' '%s' host-start >'%s.log' 2>&1",
		 host_b, t_env("LF_VAR"), port, t_env("LF_BIN"), t_env("LF_STACK"), host_b) != 0) {
		t_sh("cat '%s.log' >&2", host_b);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	resume_b_worker();
	wt_resume_stack_worker();
	t_sh("LF_VAR='%s' '%s' stop >>'%s.log' 2>&1", host_b, t_env("LF_STACK"), host_b);
	/* tests/run.sh reads A's logs for sanitizer reports (and a program
	 * killed at stop): B's join them */
	t_sh("cat '%s/log/app.log' >>'%s/log/app.log'; cat '%s/log/worker.log' >>'%s/log/worker.log'; "
	     "cat '%s/log/stack.log' >>'%s/log/stack.log'", host_b, t_env("LF_VAR"), host_b,
	     t_env("LF_VAR"), host_b, t_env("LF_VAR"));
	emu_close(&emu);
	PQfinish(dbc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_session_made_on_a_works_on_b),
		cmocka_unit_test(oauth_from_a_completes_on_b_and_a_job_moves_from_a_to_b),
		cmocka_unit_test(the_login_throttle_counts_both_hosts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
