/* test_reliability.c — many uploads through the real stack while things
 * break, each ending with exactly one post on TikTok's side (test_worker_*
 * cover one job per fault; these cover many jobs at once):
 *
 *   - worker processes SIGKILLed at random moments (claim, token,
 *     creator_info, init, a chunk, a status poll) and restarted, as the
 *     stack's supervisor restarts a dead worker;
 *   - PostgreSQL stopped and started while jobs run: the app answers 503,
 *     then 200; the workers stay up, reconnect and finish everything;
 *   - the emulator answering 10% 5xx, 5% 429 and dropping 5% of the calls.
 *
 * "Exactly one post": every job's file has its own bytes, so each job is
 * matched to the emulator's posts by SHA-256; exactly one of them reached
 * PUBLISH_COMPLETE and its post id is the job's. Uploads abandoned by a
 * killed worker between init and the commit of the publish_id may exist,
 * but never with bytes, so never as a post.
 *
 * The counts fit `make test`; scripts/soak.sh runs the same tests bigger:
 * REL_SCALE multiplies the number of jobs (and the kill phase), REL_SEED
 * fixes the random kills, REL_PG_RESTARTS repeats the restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "worker_test.h"

#define REL_PROFILES 8
#define REL_LEASE "LANGFLIX_WORKER_LEASE_SEC=10"

static PGconn *dbc;
static struct emu_ctx emu;
static int scale = 1;

struct rjob {
	char rel[256];
	char sha[65];
	long long size;
	long long job;
};

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? atol(v) : def;
}

/* Creators of our own (a big daily cap, so many posts per creator are
 * fine), TikTok's per-token limits on a 3 s window as the workers count
 * them, processing that takes a moment. */
static void fresh_emulator(int processing_ms)
{
	struct buf b = BUF_INIT;

	emu_ctl(&emu, "/_emulator/reset", "{}");
	buf_printf(&b, "{\"webhook_url\":\"\",\"processing_delay_ms\":%d,\"rate_window_sec\":3,\"profiles\":[",
		   processing_ms);
	for (int i = 0; i < REL_PROFILES; i++)
		buf_printf(&b, "%s{\"open_id\":\"rel-%d\",\"username\":\"rel.creator%d\",\"private\":false,"
			   "\"daily_post_cap\":1000}", i ? "," : "", i, i);
	buf_puts(&b, "]}");
	emu_ctl(&emu, "/_emulator/config", buf_cstr(&b));
	buf_free(&b);
}

static const char *worker_env[] = { "LANGFLIX_WORKER_SLOTS=2", "LANGFLIX_WORKER_STATUS_POLL_SEC=1",
				    "LANGFLIX_TIKTOK_RATE_WINDOW_SEC=3", "LANGFLIX_WORKER_POLL_MS=500",
				    REL_LEASE, NULL };

/* The test's worker processes, so a failing test leaves none behind to
 * take the next test's jobs. */
static pid_t live[16];

static pid_t start_worker(void)
{
	pid_t pid = wt_worker_start(worker_env);

	for (size_t i = 0; i < ARRAY_LEN(live); i++)
		if (!live[i]) {
			live[i] = pid;
			break;
		}
	return pid;
}

static void forget(pid_t pid)
{
	for (size_t i = 0; i < ARRAY_LEN(live); i++)
		if (live[i] == pid)
			live[i] = 0;
}

static void kill_worker(pid_t pid)
{
	wt_worker_kill(pid);
	forget(pid);
}

/* SIGTERM and wait: a clean exit, or the default action of SIGTERM when
 * the process had only just been started (before its handler was set;
 * test_worker_faults checks the clean shutdown). */
static void stop_worker(pid_t pid)
{
	int st = 0;

	forget(pid);
	kill(pid, SIGTERM);
	for (int i = 0; i < 2000 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(10 * 1000);
	if (kill(pid, 0) == 0) {
		wt_worker_kill(pid);
		fail_msg("worker %d did not exit within 20 s of SIGTERM", (int)pid);
	}
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM))
		fail_msg("worker %d ended with status %d", (int)pid, st);
}

static void kill_leftovers(void)
{
	for (size_t i = 0; i < ARRAY_LEN(live); i++)
		if (live[i])
			kill_worker(live[i]);
}

/* n direct posts spread over the creators; every `big`-th one is a
 * 6-chunk upload (64,000,001+ bytes), the rest one chunk of 0.1-2 MB. */
static struct rjob *enqueue_many(int n, int big)
{
	struct tconn acc[REL_PROFILES];
	struct rjob *r = calloc((size_t)n, sizeof(*r));
	int naccts = n < REL_PROFILES ? n : REL_PROFILES;

	assert_non_null(r);
	for (int i = 0; i < naccts; i++) {
		char open_id[16];
		snprintf(open_id, sizeof(open_id), "rel-%d", i);
		tconn_connect(open_id, WT_SCOPES, &acc[i]);
	}
	for (int i = 0; i < n; i++) {
		struct wt_job j = { .privacy = "PUBLIC_TO_EVERYONE", .title = "Reliability", .max_attempts = 30 };
		r[i].size = big && i % big == big - 1 ? 64LL * 1000 * 1000 + 1 + i
						      : 100 * 1000 + (long long)(rand() % 1900000);
		j.bytes_total = r[i].size;
		wt_file(r[i].size, r[i].rel, sizeof(r[i].rel));
		wt_sha256(r[i].rel, r[i].sha);
		r[i].job = wt_enqueue(dbc, &acc[i % naccts], wt_video(dbc, r[i].rel, r[i].size, 20000), &j);
	}
	return r;
}

static int all_terminal(const struct rjob *r, int n)
{
	for (int i = 0; i < n; i++) {
		char *st = wt_col(dbc, r[i].job, "state");
		int t = wt_terminal(st);
		free(st);
		if (!t)
			return 0;
	}
	return 1;
}

static void wait_all(const struct rjob *r, int n, int timeout_s)
{
	double until = now_mono() + timeout_s;

	while (!all_terminal(r, n) && now_mono() < until)
		usleep(200 * 1000);
	for (int i = 0; i < n; i++)
		wt_assert_state(dbc, r[i].job, "published", 1);
}

/* Every job: exactly one PUBLISH_COMPLETE post with its bytes, and that
 * post's id on the job. Violations other than a body cut short by a kill
 * fail. Returns the number of abandoned (never completed) uploads. */
static int assert_exactly_one_post_each(const struct rjob *r, int n)
{
	struct json_object *s = emu_state(&emu), *posts = emu_get(s, "posts"), *v = emu_get(s, "violations");
	size_t np = posts ? json_object_array_length(posts) : 0;
	int complete_total = 0, abandoned = 0;

	for (int i = 0; i < n; i++) {
		int complete = 0;
		char *pid = wt_col(dbc, r[i].job, "post_id");
		for (size_t k = 0; k < np; k++) {
			struct json_object *p = json_object_array_get_idx(posts, k);
			if (strcmp(emu_str(p, "status"), "PUBLISH_COMPLETE") != 0 ||
			    strcmp(emu_str(p, "sha256"), r[i].sha) != 0)
				continue;
			complete++;
			assert_string_equal(emu_str(p, "post_id"), pid);
		}
		if (complete != 1) {
			char *tl = wt_timeline(dbc, r[i].job);
			fail_msg("job %lld (%lld bytes): %d complete posts, want 1\n%s", r[i].job, r[i].size,
				 complete, tl);
		}
		free(pid);
		complete_total++;
	}
	for (size_t k = 0; k < np; k++) {
		struct json_object *p = json_object_array_get_idx(posts, k);
		if (strcmp(emu_str(p, "status"), "PUBLISH_COMPLETE") != 0) {
			/* an upload begun and abandoned: nothing of it was ever posted */
			assert_int_equal(json_object_get_int64(emu_get(p, "bytes")), 0);
			abandoned++;
		}
	}
	/* no post of anything else either */
	assert_int_equal((int)np - abandoned, complete_total);
	for (size_t k = 0; v && k < json_object_array_length(v); k++) {
		const char *kind = emu_str(json_object_array_get_idx(v, k), "kind");
		if (strcmp(kind, "content_length_mismatch") != 0)
			fail_msg("unexpected violation: %s",
				 json_object_to_json_string(json_object_array_get_idx(v, k)));
	}
	json_object_put(s);
	return abandoned;
}

static void remove_files(struct rjob *r, int n)
{
	for (int i = 0; i < n; i++)
		wt_file_remove(r[i].rel);
	free(r);
}

/* ---- SIGKILL at random moments ---- */

static void random_sigkills_leave_exactly_one_post_each(void **state)
{
	const int n = 20 * scale, workers = 2;
	unsigned seed = (unsigned)env_long("REL_SEED", (long)time(NULL));
	double kill_until;
	int kills = 0, abandoned, attempts_max = 0;
	struct rjob *r;
	pid_t w[2];

	(void)state;
	srand(seed);
	print_message("seed %u (REL_SEED=%u reproduces the kill times)\n", seed, seed);
	fresh_emulator(300);
	/* every call takes a moment, so kills land inside calls as well as between them */
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":100}");
	r = enqueue_many(n, 7);
	for (int i = 0; i < workers; i++)
		w[i] = start_worker();
	kill_until = now_mono() + 14.0 * scale;
	while (now_mono() < kill_until && !all_terminal(r, n)) {
		int victim = rand() % workers;
		usleep((useconds_t)(150 + rand() % 900) * 1000);
		kill_worker(w[victim]);
		kills++;
		/* the supervisor restarts a dead worker */
		w[victim] = start_worker();
	}
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":0}");
	sleep(1);
	/* the jobs of the last victims wait for their lease (10 s) */
	wait_all(r, n, 90 * scale);
	for (int i = 0; i < workers; i++)
		stop_worker(w[i]);
	abandoned = assert_exactly_one_post_each(r, n);
	for (int i = 0; i < n; i++) {
		char *a = wt_col(dbc, r[i].job, "attempts");
		if (atoi(a) > attempts_max)
			attempts_max = atoi(a);
		free(a);
		/* one init, or one more per upload abandoned before its commit */
		assert_true(wt_events(dbc, r[i].job, "init", NULL) >= 1);
	}
	print_message("%d jobs, %d SIGKILLs, %d abandoned uploads, at most %d claims for one job\n", n, kills,
		      abandoned, attempts_max);
	assert_true(kills >= 5);
	remove_files(r, n);
}

/* ---- PostgreSQL restarted mid-run ---- */

static int alive(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == 0;
}

static long healthz(void)
{
	struct tclient *c = tc_new();
	struct tresp r;
	long status = -1;

	if (tc_get(c, "/healthz", &r) == 0)
		status = r.status;
	tresp_free(&r);
	tc_free(c);
	return status;
}

static int started(const struct rjob *r, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		char *p = wt_col(dbc, r[i].job, "coalesce(publish_id, '')");
		k += p[0] != 0;
		free(p);
	}
	return k;
}

static void postgres_restart_loses_nothing(void **state)
{
	const int n = 12 * scale, restarts = (int)env_long("REL_PG_RESTARTS", 1);
	struct rjob *r;
	pid_t w[2];

	(void)state;
	fresh_emulator(500);
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":60}");
	r = enqueue_many(n, 6);
	for (int i = 0; i < 2; i++)
		w[i] = start_worker();
	for (int k = 0; k < restarts; k++) {
		double until = now_mono() + 30;
		int first = started(r, n);
		/* some jobs under way (and, after the first restart, more than before) */
		while (started(r, n) < first + 2 && started(r, n) < n && now_mono() < until)
			usleep(50 * 1000);
		PQfinish(dbc);
		dbc = NULL;
		assert_int_equal(t_sh("%s pg-stop >/dev/null 2>&1", t_env("LF_STACK")), 0);
		assert_int_equal(healthz(), 503);
		sleep(2);
		assert_int_equal(healthz(), 503);
		/* nobody crashed while the database was away */
		assert_true(alive(w[0]) && alive(w[1]));
		assert_int_equal(t_sh("%s pg-start >/dev/null 2>&1", t_env("LF_STACK")), 0);
		assert_int_equal(t_wait_http("/healthz", 200, 30000), 0);
		dbc = t_db();
	}
	emu_ctl(&emu, "/_emulator/faults", "{\"slow_ms\":0}");
	wait_all(r, n, 120 * scale);
	assert_true(alive(w[0]) && alive(w[1]));
	for (int i = 0; i < 2; i++)
		stop_worker(w[i]);
	assert_exactly_one_post_each(r, n);
	remove_files(r, n);
}

/* ---- 10% 5xx, 5% 429, dropped connections ---- */

static void emulator_faults_every_job_completes(void **state)
{
	const int n = 16 * scale;
	struct rjob *r;
	pid_t w[2];
	int e500, e429, e502;

	(void)state;
	fresh_emulator(300);
	/* the accounts are connected first (faults hit the token endpoint too) */
	r = enqueue_many(n, 8);
	emu_ctl(&emu, "/_emulator/faults", "{\"seed\":20261125,\"rate_5xx\":0.10,\"rate_429\":0.05,\"rate_drop\":0.05}");
	for (int i = 0; i < 2; i++)
		w[i] = start_worker();
	wait_all(r, n, 150 * scale);
	for (int i = 0; i < 2; i++)
		stop_worker(w[i]);
	emu_ctl(&emu, "/_emulator/faults", "{\"rate_5xx\":0,\"rate_429\":0,\"rate_drop\":0}");
	e500 = wt_emu_calls_with_status(&emu, 500);
	e429 = wt_emu_calls_with_status(&emu, 429);
	e502 = wt_emu_calls_with_status(&emu, 502);
	print_message("%d jobs through %d x 500, %d x 429, %d dropped\n", n, e500, e429, e502);
	/* the faults did happen */
	assert_true(e500 >= 1);
	assert_true(e429 >= 1);
	assert_exactly_one_post_each(r, n);
	remove_files(r, n);
}

static int setup(void **state)
{
	(void)state;
	scale = (int)env_long("REL_SCALE", 1);
	if (scale < 1)
		scale = 1;
	dbc = t_db();
	emu_open(&emu);
	wt_pause_stack_worker();
	return 0;
}

static int after_each(void **state)
{
	(void)state;
	kill_leftovers();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kill_leftovers();
	wt_resume_stack_worker();
	emu_close(&emu);
	if (dbc)
		PQfinish(dbc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(random_sigkills_leave_exactly_one_post_each, after_each),
		cmocka_unit_test_teardown(postgres_restart_loses_nothing, after_each),
		cmocka_unit_test_teardown(emulator_faults_every_job_completes, after_each),
	};

	/* REL_ONLY=name runs one test */
	if (getenv("REL_ONLY"))
		cmocka_set_test_filter(getenv("REL_ONLY"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
