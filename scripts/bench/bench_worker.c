/* bench_worker.c — the worker's figures for `make bench` (scripts/bench.sh
 * starts a release-build stack and runs this with its LF_* variables).
 * Figures, never pass/fail: a section fails only when the stack misbehaves
 * (a job that does not end, a refused PUT).
 *
 *   BENCH_SECTION=upload  the worker's PUTs beside `curl -T` of the same
 *       bytes with the same headers (Content-Type, Content-Range, no
 *       Expect) to an upload URL of the same emulator, chunk by chunk in one
 *       curl process (connection reused, as the worker does), and the peak
 *       RSS (VmHWM) of a worker process started for the measurement with
 *       worker_slots=1; for 30 MB (one chunk) and 1 GB (100 chunks).
 *   BENCH_SECTION=queue   jobs per second from enqueue to terminal state
 *       with the emulator answering at once (processing_delay_ms 0, its
 *       rate limits lifted, 4 kB inbox drafts spread over many accounts so
 *       TikTok's per-account limits, which the worker keeps, are not what is
 *       measured), for 1 worker process (1 slot), 4 processes (1 slot
 *       each) and 1 process with 4 slots; then enqueue-to-claim latency:
 *       from the INSERT+NOTIFY transaction to the job's 'claimed' event,
 *       jobs enqueued one at a time into idle workers.
 *
 * The table goes to the file BENCH_TABLE (appended), cmocka's chatter to
 * stdout. Built by `make bench` as build/bench/bench_worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "../../tests/integration/emu_test.h"
#include "../../tests/integration/worker_test.h"

#include "accounts.h"
#include "chunkplan.h"
#include "db.h"
#include "tiktok_post.h"

static PGconn *dbc;
static struct emu_ctx emu;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	const char *path = getenv("BENCH_TABLE");
	FILE *f = path && *path ? fopen(path, "a") : NULL;
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f ? f : stdout, fmt, ap);
	va_end(ap);
	if (f)
		fclose(f);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? atol(v) : def;
}

/* An emulator that answers at once and limits nobody. */
static void instant_emulator(void)
{
	emu_ctl(&emu, "/_emulator/reset", "{}");
	emu_ctl(&emu, "/_emulator/config",
		"{\"webhook_url\":\"\",\"processing_delay_ms\":0,\"rate_init_per_min\":1000000,"
		"\"rate_status_per_min\":1000000,\"rate_creator_info_per_min\":1000000,"
		"\"rate_user_info_per_min\":1000000,\"max_pending_inbox\":1000}");
}

static char *sql1(const char *sql, int n, const char *const *params)
{
	char *v = t_db_value(dbc, sql, n, params);

	assert_non_null(v);
	return v;
}

static void exec_ok(const char *sql)
{
	PGresult *r = PQexec(dbc, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(dbc));
	PQclear(r);
}

static double sql_double(const char *sql, int n, const char *const *params)
{
	char *v = sql1(sql, n, params);
	double d = atof(v);

	free(v);
	return d;
}

/* ======================= upload ======================= */

/* A file of size bytes under the media root made of one random block
 * repeated (so each chunk of a multi-chunk plan is the block file itself,
 * which curl can send as is). rel: its path under the media root; block:
 * the block file (absolute). */
static void pattern_file(long long size, long long blocksz, char *rel, size_t nrel, char *block,
			 size_t nblock)
{
	const char *media = t_env("LF_MEDIA");

	snprintf(rel, nrel, "bench/upload-%lld.mp4", size);
	snprintf(block, nblock, "%s/bench-block-%lld.bin", t_env("LF_VAR"), size);
	assert_int_equal(t_sh("mkdir -p '%s/bench' && head -c %lld /dev/urandom > '%s'", media, blocksz,
			      block), 0);
	assert_int_equal(t_sh("f='%s/%s'; : > \"$f\"; for i in $(seq 1 %lld); do cat '%s' >> \"$f\"; done",
			      media, rel, size / blocksz, block), 0);
}

/* Sum of the worker's chunk_put ms for one job, from its log. */
static double worker_put_seconds(long long job, int *puts)
{
	char path[512], needle[64], line[1024];
	double ms = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log/worker.log", t_env("LF_VAR"));
	snprintf(needle, sizeof(needle), "event=chunk_put job=%lld ", job);
	*puts = 0;
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *m;
		if (!strstr(line, needle) || !(m = strstr(line, " ms=")))
			continue;
		ms += atof(m + 4);
		(*puts)++;
	}
	fclose(f);
	return ms / 1000.0;
}

/* Seconds between two of the job's events (first of `from`, last of `to`). */
static double event_span(long long job, const char *from, const char *to)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", job);
	return sql_double("SELECT extract(epoch FROM max(at) FILTER (WHERE kind = $3)"
			  " - min(at) FILTER (WHERE kind = $2)) FROM job_events WHERE job_id = $1",
			  3, (const char *[]){ id, from, to });
}

/* An upload URL of the same emulator for the same account and size. */
static void init_for_curl(const struct tconn *acc, long long size, struct tiktok_init *in,
			  int64_t *chunk, int64_t *count)
{
	const struct config *cfg = tconn_config();
	struct tiktok_client client;
	struct tiktok_result res;
	struct tiktok_source src = { .video_size = size };
	struct buf tok = BUF_INIT;
	struct db db;

	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(accounts_access_token(&db, cfg, acc->account_id, &tok), ACC_OK);
	db_close(&db);
	assert_int_equal(chunk_plan_make(size, &src.chunk_size, &src.chunk_count), 0);
	accounts_client(cfg, &client);
	tiktok_result_init(&res);
	assert_int_equal(tiktok_post_init(&client, buf_cstr(&tok), NULL, &src, in, &res), 0);
	tiktok_result_free(&res);
	accounts_wipe(&tok);
	*chunk = src.chunk_size;
	*count = src.chunk_count;
}

/* Every chunk with `curl -T` in one curl process (--next reuses the
 * connection); the sum of curl's time_total over the PUTs. */
static double curl_put_seconds(const struct tconn *acc, const char *rel, const char *block, long long size)
{
	struct tiktok_init in;
	struct buf cmd = BUF_INIT;
	int64_t chunk, count;
	double secs = 0;
	char line[128];
	int puts = 0;
	FILE *p;

	init_for_curl(acc, size, &in, &chunk, &count);
	buf_puts(&cmd, "curl -sS");
	for (int64_t i = 0; i < count; i++) {
		int64_t first, last;
		chunk_plan_range(size, chunk, count, i, &first, &last);
		/* a multi-chunk file is the block repeated: chunk i is the block */
		if (count > 1)
			assert_int_equal(last - first + 1, chunk);
		buf_printf(&cmd, "%s -o /dev/null -w '%%{http_code} %%{time_total}\\n' -T '%s%s%s'"
			   " -H 'Content-Type: video/mp4' -H 'Content-Range: bytes %lld-%lld/%lld' -H 'Expect:' '%s'",
			   i ? " --next" : "", count > 1 ? "" : t_env("LF_MEDIA"), count > 1 ? "" : "/",
			   count > 1 ? block : rel, (long long)first, (long long)last, size, in.upload_url);
	}
	p = popen(buf_cstr(&cmd), "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		int code = 0;
		double t = 0;
		assert_int_equal(sscanf(line, "%d %lf", &code, &t), 2);
		puts++;
		if (code != (puts == count ? 201 : 206))
			fail_msg("curl PUT %d of %lld answered %d", puts, (long long)count, code);
		secs += t;
	}
	pclose(p);
	assert_int_equal(puts, count);
	buf_free(&cmd);
	return secs;
}

/* The workers of the run going on: a failed assertion leaves the run
 * before stop_workers, and the group's teardown stops them then (else they
 * outlive the bench, retrying a database that is gone). */
static pid_t live_workers[8];
static int nlive_workers;

static void workers_track(pid_t w)
{
	if (nlive_workers < (int)(sizeof(live_workers) / sizeof(live_workers[0])))
		live_workers[nlive_workers++] = w;
}

static void upload_one_size(long long size, int reps)
{
	static const char *const env[] = { "LANGFLIX_WORKER_SLOTS=1", "LANGFLIX_WORKER_STATUS_POLL_SEC=1", NULL };
	struct tconn acc;
	char rel[256], block[512], label[64];
	double wbest = 1e9, cbest = 1e9, jbest = 1e9;
	long long video, blocksz = size <= CHUNK_SINGLE_MAX_BYTES ? size : CHUNK_DEFAULT_BYTES;
	int64_t chunk, count;
	long kb;
	pid_t w;

	assert_int_equal(chunk_plan_make(size, &chunk, &count), 0);
	assert_true(count == 1 || (chunk == blocksz && size % blocksz == 0));
	instant_emulator();
	tconn_connect(WT_PRIVATE, "user.info.basic,video.upload", &acc);
	pattern_file(size, blocksz, rel, sizeof(rel), block, sizeof(block));
	video = wt_video(dbc, rel, size, 20000);
	w = wt_worker_start(env);
	workers_track(w);
	for (int r = 0; r < reps; r++) {
		/* the same clip again to the same account: on purpose, a repost
		 * (else the duplicate guard of sql/032 refuses the second rep) */
		struct wt_job j = { .mode = "inbox", .bytes_total = size, .repost = r > 0 };
		long long job = wt_enqueue(dbc, &acc, video, &j);
		double ws, js, cs;
		int puts;

		wt_assert_state(dbc, job, "inboxed", 900);
		ws = worker_put_seconds(job, &puts);
		assert_int_equal(puts, count);
		js = event_span(job, "init", "upload_complete");
		cs = curl_put_seconds(&acc, rel, block, size);
		print_message("size %lld rep %d: worker PUTs %.3f s (init→complete %.3f s), curl %.3f s\n", size, r,
			      ws, js, cs);
		if (ws < wbest)
			wbest = ws;
		if (js < jbest)
			jbest = js;
		if (cs < cbest)
			cbest = cs;
	}
	kb = wt_peak_rss_kb(w);
	wt_worker_stop(w);
	nlive_workers = 0;
	emu_assert_no_violations(&emu);
	if (size >= 1000000000LL)
		snprintf(label, sizeof(label), "%.0f GB, %lld chunks", size / 1e9, (long long)count);
	else
		snprintf(label, sizeof(label), "%.0f MB, %lld chunk%s", size / 1e6, (long long)count,
			 count == 1 ? "" : "s");
	out("%-20s %9.1f %9.1f %7.3f %11.1f %8.3f %11.1f\n", label, size / 1e6 / wbest, size / 1e6 / cbest,
	    cbest / wbest, size / 1e6 / jbest, cbest / jbest, kb / 1024.0);
	t_sh("rm -f '%s/%s' '%s'", t_env("LF_MEDIA"), rel, block);
}

static void upload(void **state)
{
	const char *sizes = getenv("BENCH_UPLOAD_SIZES");
	char *copy = strdup(sizes && *sizes ? sizes : "30000000 1000000000"), *save = NULL;
	int reps = (int)env_long("BENCH_UPLOAD_REPS", 3);

	(void)state;
	out("\nupload: one inbox draft through nginx to the emulator, best of %d; MB = 10^6 bytes\n", reps);
	out("%-20s %9s %9s %7s %11s %8s %11s\n", "file", "worker", "curl -T", "ratio", "worker job", "ratio",
	    "worker peak");
	out("%-20s %9s %9s %7s %11s %8s %11s\n", "", "MB/s", "MB/s", "w/curl", "MB/s", "job/curl", "RSS MB");
	for (char *s = strtok_r(copy, " ", &save); s; s = strtok_r(NULL, " ", &save))
		upload_one_size(atoll(s), reps);
	out("(worker: the sum of its PUT times from its log; worker job: init→upload_complete events,\n"
	    " i.e. PUTs plus the per-chunk bookkeeping in PostgreSQL; curl: the sum of time_total of\n"
	    " the same PUTs in one curl process; peak RSS: VmHWM of a worker started for the size with\n"
	    " worker_slots=1, release build; targets: ratio >= 0.95, peak RSS < 16 MB)\n");
	free(copy);
}

/* ======================= queue ======================= */

#define QB_FILE_BYTES 4096

struct qaccounts {
	int n;
	long long *acc, *usr;        /* account i and its user */
};

/* TikTok keeps at most max_pending_inbox (≤ 1000) drafts per creator a
 * day: the queue's accounts are spread over QB_PROFILES creators. */
#define QB_PROFILES 50

static void queue_profiles(void)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "{\"profiles\":[");
	for (int i = 0; i < QB_PROFILES; i++)
		buf_printf(&b, "%s{\"open_id\":\"qbench-%d\",\"username\":\"qbench%d\",\"private\":true}",
			   i ? "," : "", i, i);
	buf_puts(&b, "]}");
	emu_ctl(&emu, "/_emulator/config", buf_cstr(&b));
	buf_free(&b);
}

static void connect_accounts(struct qaccounts *q, int n)
{
	char open_id[32];

	q->n = n;
	q->acc = xcalloc((size_t)n, sizeof(*q->acc));
	q->usr = xcalloc((size_t)n, sizeof(*q->usr));
	for (int i = 0; i < n; i++) {
		struct tconn a;
		snprintf(open_id, sizeof(open_id), "qbench-%d", i % QB_PROFILES);
		tconn_connect(open_id, "user.info.basic,video.upload", &a);
		q->acc[i] = a.account_id;
		q->usr[i] = a.user_id;
	}
}

/* The video row of qbench/i.mp4, looked up once. */
static long long *qb_videos;

/* n tiny files and their video rows (once). */
static void queue_videos(int n)
{
	char dir[512], path[600], nn[16], sz[16];
	static char data[QB_FILE_BYTES];

	snprintf(dir, sizeof(dir), "%s/qbench", t_env("LF_MEDIA"));
	mkdir(dir, 0755);
	for (int i = 0; i < n; i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%d.mp4", dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		memset(data, 'a' + i % 26, sizeof(data));
		assert_int_equal(fwrite(data, 1, sizeof(data), f), sizeof(data));
		fclose(f);
	}
	snprintf(nn, sizeof(nn), "%d", n);
	snprintf(sz, sizeof(sz), "%d", QB_FILE_BYTES);
	free(sql1("WITH v AS (INSERT INTO videos (path, size_bytes, mtime, duration_ms, title, ready)"
		  " SELECT 'qbench/' || g || '.mp4', $2, 0, 20000, 'Queue bench clip', true"
		  " FROM generate_series(0, $1::int - 1) g ON CONFLICT (path) DO NOTHING RETURNING 1)"
		  " SELECT count(*) FROM v", 2, (const char *[]){ nn, sz }));
	qb_videos = xcalloc((size_t)n, sizeof(*qb_videos));
	for (int i = 0; i < n; i++) {
		char rel[64], *v;
		snprintf(rel, sizeof(rel), "qbench/%d.mp4", i);
		v = sql1("SELECT id FROM videos WHERE path = $1", 1, (const char *[]){ rel });
		qb_videos[i] = atoll(v);
		free(v);
	}
}

/* Job i of a run (submission tag-i), an inbox draft, through the one
 * enqueue of the product (lib/jobs.h). */
static void enqueue_one(struct qaccounts *q, const char *tag, int i)
{
	char sub[96];
	int64_t id;
	struct job_new n = { .submission_id = sub, .user_id = q->usr[i % q->n],
			     .video_id = qb_videos[i], .account_id = q->acc[i % q->n],
			     .post = { .direct = 0, .title = "", .cover_ms = -1 },
			     .bytes_total = QB_FILE_BYTES, .message = "Queued by the benchmark." };

	snprintf(sub, sizeof(sub), "%s-%d", tag, i);
	assert_int_equal(jobs_enqueue(t_jobs_db(), &n, &id), 0);
}

static int run_seq;
static char cpu_lines[4096];
static int cpu_lines_n;

/* Enqueue n inbox jobs in one transaction (each with its 'queued' event;
 * the NOTIFYs of one transaction arrive as one, at COMMIT); returns the
 * run's submission prefix in tag. */
static void enqueue_bulk(struct qaccounts *q, int n, char *tag, size_t ntag)
{
	snprintf(tag, ntag, "qb-%d-%d", (int)getpid(), ++run_seq);
	assert_int_equal(db_begin(t_jobs_db()), 0);
	for (int i = 0; i < n; i++)
		enqueue_one(q, tag, i);
	assert_int_equal(db_commit(t_jobs_db()), 0);
}

static int count_where(const char *tag, const char *cond)
{
	char sql[400], pat[80], *v;
	int n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM upload_jobs WHERE submission_id LIKE $1 AND %s", cond);
	snprintf(pat, sizeof(pat), "%s-%%", tag);
	v = sql1(sql, 1, (const char *[]){ pat });
	n = atoi(v);
	free(v);
	return n;
}

/* procs worker processes of `slots` slots; poll_ms 0: the configured poll. */
static void start_workers(pid_t *w, int procs, int slots, int poll_ms)
{
	static char slotenv[40], pollenv[40];
	const char *env[] = { slotenv, "LANGFLIX_WORKER_STATUS_POLL_SEC=1", "LANGFLIX_TIKTOK_RATE_WINDOW_SEC=1",
			      poll_ms ? pollenv : NULL, NULL };

	snprintf(slotenv, sizeof(slotenv), "LANGFLIX_WORKER_SLOTS=%d", slots);
	snprintf(pollenv, sizeof(pollenv), "LANGFLIX_WORKER_POLL_MS=%d", poll_ms);
	for (int i = 0; i < procs; i++) {
		w[i] = wt_worker_start(env);
		workers_track(w[i]);
	}
	usleep(800 * 1000);   /* connected and listening */
}

static void stop_workers(pid_t *w, int procs)
{
	for (int i = 0; i < procs; i++)
		wt_worker_stop(w[i]);
	nlive_workers = 0;
}

/* CPU seconds used so far by the stack's processes, by program
 * (/proc/PID/stat utime+stime of the live processes; PostgreSQL backends
 * live as long as the connections of the workers they serve). */
enum { CPU_PG, CPU_WORKER, CPU_EMU, CPU_NGINX, CPU_APP, CPU_N };
static const char *const cpu_names[CPU_N] = { "postgres", "worker", "emulator", "nginx", "app" };

static void cpu_sample(double *out)
{
	static const char *const comm[CPU_N] = { "postgres", "langflix-worker", "tiktok-emulato", "nginx",
						 "langflix.fcgi" };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *p = popen("cat /proc/[0-9]*/stat 2>/dev/null", "r");
	char line[2048];

	memset(out, 0, sizeof(double) * CPU_N);
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *open = strchr(line, '('), *close = strrchr(line, ')');
		unsigned long ut = 0, st = 0;
		if (!open || !close)
			continue;
		/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
		if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
			continue;
		for (int i = 0; i < CPU_N; i++)
			if (!strncmp(open + 1, comm[i], strlen(comm[i])))
				out[i] += (double)(ut + st) / (double)hz;
	}
	pclose(p);
}

/* Forget a run's jobs and the rate-limit log, so every run starts from a
 * queue of the same size (as `langflix prune` keeps it). */
static void queue_cleanup(const char *tag)
{
	char pat[80];

	snprintf(pat, sizeof(pat), "%s-", tag);
	assert_true(jobs_fixture_forget(t_jobs_db(), pat) >= 0);
	free(sql1("WITH d AS (DELETE FROM tiktok_calls RETURNING 1) SELECT count(*) FROM d", 0, NULL));
	exec_ok("VACUUM ANALYZE upload_jobs");
	exec_ok("VACUUM ANALYZE job_events");
	exec_ok("VACUUM ANALYZE tiktok_calls");
}

static void queue_run(struct qaccounts *q, int n, int procs, int slots, int poll_ms)
{
	char tag[64], pat[80], label[80];
	double t0, wall, whole, phase1, p50, p99, cpu0[CPU_N], cpu1[CPU_N];
	int done = 0, failed;
	pid_t w[8];

	start_workers(w, procs, slots, poll_ms);
	cpu_sample(cpu0);
	t0 = now_mono();
	enqueue_bulk(q, n, tag, sizeof(tag));
	while ((done = count_where(tag, "finished_at IS NOT NULL")) < n && now_mono() - t0 < 600)
		usleep(100 * 1000);
	wall = now_mono() - t0;
	cpu_sample(cpu1);
	stop_workers(w, procs);
	assert_int_equal(done, n);
	failed = count_where(tag, "state <> 'inboxed'");
	snprintf(pat, sizeof(pat), "%s-%%", tag);
	/* whole run: enqueue transaction → last terminal state (PostgreSQL's clock) */
	whole = sql_double("SELECT count(*) / extract(epoch FROM max(finished_at) - min(created_at))"
			   " FROM upload_jobs WHERE submission_id LIKE $1", 1, (const char *[]){ pat });
	/* the first claim of every job (token, init, PUT, upload_complete) */
	phase1 = sql_double("SELECT count(DISTINCT j.id) / extract(epoch FROM max(e.at) - min(j.created_at))"
			    " FROM upload_jobs j JOIN job_events e ON e.job_id = j.id AND e.kind = 'upload_complete'"
			    " WHERE j.submission_id LIKE $1", 1, (const char *[]){ pat });
	/* how long each job took, enqueue → terminal */
	p50 = sql_double("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
			 " finished_at - created_at)) FROM upload_jobs WHERE submission_id LIKE $1",
			 1, (const char *[]){ pat });
	p99 = sql_double("SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM"
			 " finished_at - created_at)) FROM upload_jobs WHERE submission_id LIKE $1",
			 1, (const char *[]){ pat });
	snprintf(label, sizeof(label), "%d proc x %d slot%s, poll %s", procs, slots, slots == 1 ? "" : "s",
		 poll_ms ? (poll_ms == 100 ? "0.1 s" : "?") : "5 s");
	out("%-30s %6d %9.0f %9.0f %9.2f %9.2f %7d\n", label, n, whole, phase1, p50, p99, failed);
	print_message("%s: %d jobs, %.0f jobs/s whole, %.0f first claims/s\n", label, n, whole, phase1);
	{
		char cpu[256];
		int len = 0;
		for (int i = 0; i < CPU_N; i++)
			len += snprintf(cpu + len, sizeof(cpu) - (size_t)len, "%s %s %.2f", i ? "," : "",
					cpu_names[i], (cpu1[i] - cpu0[i]) * 1000.0 / n);
		cpu_lines_n += snprintf(cpu_lines + cpu_lines_n, sizeof(cpu_lines) - (size_t)cpu_lines_n,
					"  %-28s %s; %.0f%% of 2 cores busy\n", label, cpu,
					100.0 * ((cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1]) + (cpu1[2] - cpu0[2]) +
						 (cpu1[3] - cpu0[3]) + (cpu1[4] - cpu0[4])) / (2.0 * wall));
	}
	queue_cleanup(tag);
	sleep(2);   /* the per-account rate windows of this run close */
}

/* Enqueue-to-claim: n jobs one at a time (the product's enqueue: row,
 * event, NOTIFY), every gap_ms, into idle workers. */
static void claim_latency(struct qaccounts *q, int procs, int slots, int n, int gap_ms)
{
	char tag[64], pat[80], label[64];
	double p50, p99, mx;
	pid_t w[8];

	start_workers(w, procs, slots, 0);
	snprintf(tag, sizeof(tag), "ql-%d-%d", (int)getpid(), ++run_seq);
	for (int i = 0; i < n; i++) {
		enqueue_one(q, tag, i);
		usleep((useconds_t)gap_ms * 1000);
	}
	snprintf(pat, sizeof(pat), "%s-%%", tag);
	for (double until = now_mono() + 120; now_mono() < until;) {
		if (count_where(tag, "finished_at IS NOT NULL") == n)
			break;
		usleep(100 * 1000);
	}
	stop_workers(w, procs);
	assert_int_equal(count_where(tag, "state = 'inboxed'"), n);
#define LAT_SQL(q) "SELECT " q " FROM (SELECT extract(epoch FROM min(e.at) - j.created_at) * 1000 AS ms" \
		   " FROM upload_jobs j JOIN job_events e ON e.job_id = j.id AND e.kind = 'claimed'" \
		   " WHERE j.submission_id LIKE $1 GROUP BY j.id, j.created_at) x"
	p50 = sql_double(LAT_SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)"), 1, (const char *[]){ pat });
	p99 = sql_double(LAT_SQL("percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)"), 1, (const char *[]){ pat });
	mx = sql_double(LAT_SQL("max(ms)"), 1, (const char *[]){ pat });
	snprintf(label, sizeof(label), "%d proc x %d slot%s, poll 5 s", procs, slots, slots == 1 ? "" : "s");
	out("%-30s %6d %9.2f %9.2f %9.2f\n", label, n, p50, p99, mx);
	/* its drafts are "posted": the next run's jobs (the same clips to the
	 * same accounts) would meet the duplicate guard (sql/032) */
	queue_cleanup(tag);
	sleep(2);
}

static void queue(void **state)
{
	int n = (int)env_long("BENCH_QUEUE_JOBS", 2000), accounts = (int)env_long("BENCH_QUEUE_ACCOUNTS", 400);
	int lat_n = (int)env_long("BENCH_LATENCY_JOBS", 200);
	struct qaccounts q;

	(void)state;
	instant_emulator();
	queue_profiles();
	connect_accounts(&q, accounts);
	queue_videos(n > lat_n ? n : lat_n);
	out("\nqueue: %d inbox drafts of %d B enqueued in one transaction, emulator answering at once;\n"
	    "%d accounts (the worker keeps TikTok's per-account limits: 6 inits per rate window, here 1 s)\n",
	    n, QB_FILE_BYTES, accounts);
	out("%-30s %6s %9s %9s %9s %9s %7s\n", "workers (processes x slots)", "jobs", "jobs/s", "init+PUT", "job p50",
	    "job p99", "not ok");
	out("%-30s %6s %9s %9s %9s %9s %7s\n", "worker_poll_ms", "", "end2end", "jobs/s", "s", "s", "");
	queue_run(&q, n, 1, 1, 0);
	queue_run(&q, n, 4, 1, 0);
	queue_run(&q, n, 1, 4, 0);
	queue_run(&q, n, 1, 1, 100);
	queue_run(&q, n, 4, 1, 100);
	out("CPU ms per job (from enqueue to the last terminal state):\n%s", cpu_lines);
	out("(end2end: jobs / (last terminal state - the enqueue transaction); init+PUT: jobs / (last\n"
	    " upload_complete - enqueue), the first claim of each job; a job is claimed again for its\n"
	    " status poll worker_status_poll_sec = 1 s later; an idle slot sleeps until a NOTIFY, the\n"
	    " next job's due time or worker_poll_ms, whichever comes first;\n"
	    " target: >= 500 jobs/s with 4 workers)\n");
	out("\nenqueue-to-claim: one job at a time every 20 ms into idle workers (INSERT+NOTIFY\n"
	    "transaction start → the job's 'claimed' event, PostgreSQL's clock)\n");
	out("%-30s %6s %9s %9s %9s\n", "workers", "jobs", "p50 ms", "p99 ms", "max ms");
	claim_latency(&q, 1, 1, lat_n, 20);
	claim_latency(&q, 4, 1, lat_n, 20);
	out("(target: < 20 ms)\n");
	free(q.acc);
	free(q.usr);
	free(qb_videos);
}

static int setup(void **state)
{
	(void)state;
	dbc = t_db();
	emu_open(&emu);
	wt_pause_stack_worker();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nlive_workers; i++) {   /* the run failed: no goodbyes */
		kill(live_workers[i], SIGKILL);
		waitpid(live_workers[i], NULL, 0);
	}
	nlive_workers = 0;
	wt_resume_stack_worker();
	emu_close(&emu);
	PQfinish(dbc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(upload),
		cmocka_unit_test(queue),
	};
	const char *section = getenv("BENCH_SECTION");

	if (section && *section)
		cmocka_set_test_filter(section);
	return cmocka_run_group_tests(tests, setup, teardown);
}
