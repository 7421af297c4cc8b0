/* worker_test.h — helpers for the worker's integration tests
 * (tests/integration/test_worker_*.c): own worker processes, video files
 * and rows, jobs inserted as the composer inserts them, waiting for an
 * outcome. Static inline, like emu_test.h.
 *
 * The stack's supervised worker is paused (SIGSTOP) while these tests
 * run, so every job is taken by a worker the test started itself, with
 * the settings it needs (short lease, short rate window) and a PID whose
 * peak memory it can read. wt_resume_stack_worker() lets it go again.
 *
 * Include after cmocka.h, testlib.h and emu_test.h. */
#ifndef WORKER_TEST_H
#define WORKER_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "tiktok_connect.h"
#include "util.h"

#define WT_PUBLIC   "5f0c2a8e-1b7d-4c3e-9a61-000000000001"   /* lena.public */
#define WT_PRIVATE  "5f0c2a8e-1b7d-4c3e-9a61-000000000002"   /* max.private */
#define WT_CAPPED   "5f0c2a8e-1b7d-4c3e-9a61-000000000003"   /* capped.creator */
#define WT_BADMEDIA "5f0c2a8e-1b7d-4c3e-9a61-000000000004"   /* bad.framerate */
#define WT_SCOPES   "user.info.basic,video.publish,video.upload"

static int wt_seq;
static pid_t wt_stack_worker;

static inline pid_t wt_read_pid(const char *file)
{
	char path[512];
	FILE *f;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/run/%s", t_env("LF_VAR"), file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

static pid_t wt_stack_supervisor;

/* Pause the stack's worker so only the test's own workers claim jobs: its
 * supervisor first (so it cannot start a new one, e.g. while it waits to
 * restart a worker another test killed), then the worker itself. */
static inline void wt_pause_stack_worker(void)
{
	wt_stack_supervisor = wt_read_pid("worker.supervisor.pid");
	if (wt_stack_supervisor > 0 && kill(wt_stack_supervisor, SIGSTOP) < 0)
		wt_stack_supervisor = 0;
	wt_stack_worker = wt_read_pid("worker.pid");
	if (wt_stack_worker > 0 && kill(wt_stack_worker, SIGSTOP) < 0)
		wt_stack_worker = 0;
}

static inline void wt_resume_stack_worker(void)
{
	if (wt_stack_worker > 0)
		kill(wt_stack_worker, SIGCONT);
	if (wt_stack_supervisor > 0)
		kill(wt_stack_supervisor, SIGCONT);
	wt_stack_worker = wt_stack_supervisor = 0;
}

/* 1 when the process has a SIGTERM handler (SigCgt in /proc/PID/status). */
static inline int wt_catches_sigterm(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask >> (SIGTERM - 1)) & 1;
}

/* Start langflix-worker (LF_WORKER_BIN, else $LF_BIN/langflix-worker) with
 * LF_CONFIG and extra "KEY=value" environment settings (NULL-terminated);
 * its output is appended to $LF_VAR/log/worker.log, where tests/run.sh
 * looks for sanitizer reports. */
static inline pid_t wt_worker_start(const char *const *env)
{
	char bin[512], log[512];
	const char *wb = getenv("LF_WORKER_BIN");
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/langflix-worker", t_env("LF_BIN"));
	snprintf(log, sizeof(log), "%s/log/worker.log", t_env("LF_VAR"));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		for (int i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execl(wb && *wb ? wb : bin, "langflix-worker", "-c", t_env("LF_CONFIG"), (char *)NULL);
		_exit(127);
	}
	/* ready once it catches SIGTERM (a stop before that would kill it) */
	for (int i = 0; i < 500 && !wt_catches_sigterm(pid); i++)
		usleep(10 * 1000);
	return pid;
}

/* SIGTERM and wait (up to 20 s); the seconds it took to exit. */
static inline double wt_worker_stop(pid_t pid)
{
	double t0 = now_mono();
	int st;

	kill(pid, SIGTERM);
	for (int i = 0; i < 2000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				fail_msg("the worker ended with status %d", st);
			return now_mono() - t0;
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("the worker did not exit within 20 s of SIGTERM");
	return -1;
}

static inline void wt_worker_kill(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* Peak resident memory (VmHWM) of a running process, in kB. */
static inline long wt_peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* A file of size random bytes under the media root; its path relative to
 * the media root goes to rel. */
static inline void wt_file(long long size, char *rel, size_t n)
{
	char dir[512];

	snprintf(rel, n, "wtest/%d-%d.mp4", (int)getpid(), ++wt_seq);
	snprintf(dir, sizeof(dir), "%s/wtest", t_env("LF_MEDIA"));
	mkdir(dir, 0755);
	assert_int_equal(t_sh("head -c %lld /dev/urandom > '%s/%s'", size, t_env("LF_MEDIA"), rel), 0);
}

static inline void wt_file_remove(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", t_env("LF_MEDIA"), rel);
	unlink(path);
}

static inline void wt_sha256(const char *rel, char out[65])
{
	char cmd[1200];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s/%s'", t_env("LF_MEDIA"), rel);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", out), 1);
	pclose(p);
}

/* A videos row for the file (size as recorded at import). */
static inline long long wt_video(PGconn *db, const char *rel, long long size, long long duration_ms)
{
	char s[24], d[24], *id;
	long long v;

	snprintf(s, sizeof(s), "%lld", size);
	snprintf(d, sizeof(d), "%lld", duration_ms);
	id = t_db_value(db, "INSERT INTO videos (path, size_bytes, mtime, duration_ms, title, ready) "
			    "VALUES ($1, $2, 0, $3, 'Worker test clip', true) RETURNING id",
			3, (const char *[]){ rel, s, d });
	assert_non_null(id);
	v = atoll(id);
	free(id);
	return v;
}

struct wt_job {
	const char *mode;            /* "direct" (default) or "inbox" */
	const char *privacy;         /* NULL for inbox */
	const char *title;
	int allow_comment;
	long long bytes_total;
	long long cover_ms;          /* 0: none */
	int max_attempts;            /* 0: the default */
	const char *source;          /* NULL: FILE_UPLOAD; "PULL_FROM_URL" */
	long long user_id;           /* 0: the account's user */
	const char *platform;        /* NULL: "tiktok" */
	int repost;                  /* the same clip to the same account again, on purpose */
};

/* Enqueue a job as the composer does (lib/jobs.h: row + 'queued' event,
 * then NOTIFY). db is unused: the job goes through the product's writer. */
static inline long long wt_enqueue(PGconn *db, const struct tconn *acc, long long video,
				   const struct wt_job *j)
{
	char sub[64];
	int64_t id = 0;
	int rc;
	int direct = !j->mode || strcmp(j->mode, "inbox") != 0;
	struct job_new n = {
		.submission_id = sub, .user_id = j->user_id ? j->user_id : acc->user_id, .video_id = video,
		.source = j->source, .platform = j->platform, .repost = j->repost,
		.account_id = acc->account_id, .bytes_total = j->bytes_total,
		.max_attempts = j->max_attempts, .message = "Queued by a test.",
		.post = { .direct = direct, .title = j->title ? j->title : "",
			  .privacy_level = j->privacy, .disable_comment = !j->allow_comment,
			  .disable_duet = 1, .disable_stitch = 1,
			  .cover_ms = j->cover_ms > 0 ? j->cover_ms : -1 },
	};

	(void)db;
	snprintf(sub, sizeof(sub), "wt-%d-%d", (int)getpid(), ++wt_seq);
	rc = jobs_enqueue(t_jobs_db(), &n, &id);
	/* a database restarted under the test's connection (test_reliability):
	 * the db layer reconnects on the next statement */
	if (rc < 0)
		rc = jobs_enqueue(t_jobs_db(), &n, &id);
	if (rc != 0)
		fail_msg("jobs_enqueue failed: %s", t_jobs_db()->err);
	return (long long)id;
}

/* A column of the job as text (malloc'd; "" for NULL). */
static inline char *wt_col(PGconn *db, long long job, const char *col)
{
	char sql[200], id[24], *v;

	snprintf(sql, sizeof(sql), "SELECT coalesce(%s::text, '') FROM upload_jobs WHERE id = $1", col);
	snprintf(id, sizeof(id), "%lld", job);
	v = t_db_value(db, sql, 1, (const char *[]){ id });
	assert_non_null(v);
	return v;
}

static inline int wt_terminal(const char *state)
{
	return !strcmp(state, "published") || !strcmp(state, "inboxed") || !strcmp(state, "failed") ||
	       !strcmp(state, "cancelled");
}

/* Wait for a terminal state (or timeout_s); the state (malloc'd). */
static inline char *wt_wait(PGconn *db, long long job, int timeout_s)
{
	double until = now_mono() + timeout_s;
	char *st;

	for (;;) {
		st = wt_col(db, job, "state");
		if (wt_terminal(st) || now_mono() > until)
			return st;
		free(st);
		usleep(100 * 1000);
	}
}

/* Wait until bytes_sent >= bytes (or timeout); 0 when reached. */
static inline int wt_wait_bytes(PGconn *db, long long job, long long bytes, int timeout_s)
{
	double until = now_mono() + timeout_s;

	while (now_mono() < until) {
		char *b = wt_col(db, job, "bytes_sent");
		long long got = atoll(b);
		free(b);
		if (got >= bytes)
			return 0;
		usleep(20 * 1000);
	}
	return -1;
}

/* Count of the job's events of kind whose message contains needle (NULL: any). */
static inline int wt_events(PGconn *db, long long job, const char *kind, const char *needle)
{
	char id[24], *v;
	int n;

	snprintf(id, sizeof(id), "%lld", job);
	v = t_db_value(db, "SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = $2"
			   " AND ($3::text IS NULL OR strpos(message, $3) > 0)",
		       3, (const char *[]){ id, kind, needle });
	n = atoi(v);
	free(v);
	return n;
}

/* The job's timeline as one string, for failure messages. */
static inline char *wt_timeline(PGconn *db, long long job)
{
	char id[24], *v;

	snprintf(id, sizeof(id), "%lld", job);
	v = t_db_value(db, "SELECT coalesce(string_agg(kind || ': ' || message, E'\\n' ORDER BY id), '') "
			   "FROM job_events WHERE job_id = $1", 1, (const char *[]){ id });
	return v ? v : strdup("");
}

/* Fail with the timeline unless the job ended in want. */
static inline void wt_assert_state(PGconn *db, long long job, const char *want, int timeout_s)
{
	char *st = wt_wait(db, job, timeout_s);

	if (strcmp(st, want) != 0) {
		char *tl = wt_timeline(db, job), *why = wt_col(db, job, "fail_reason");
		fail_msg("job %lld: state %s, want %s (fail_reason: %s)\n%s", job, st, want, why, tl);
	}
	free(st);
}

/* The emulator's posts of one creator (open_id); count and the last one
 * (a new reference the caller puts, or NULL). */
static inline int wt_emu_posts(struct emu_ctx *e, const char *open_id, struct json_object **last)
{
	struct json_object *s = emu_state(e), *posts = emu_get(s, "posts");
	int n = 0;

	if (last)
		*last = NULL;
	for (size_t i = 0; posts && i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		if (strcmp(emu_str(p, "open_id"), open_id) != 0)
			continue;
		n++;
		if (last) {
			if (*last)
				json_object_put(*last);
			*last = json_object_get(p);
		}
	}
	json_object_put(s);
	return n;
}

/* How many API calls the emulator answered with status (e.g. 429). */
static inline int wt_emu_calls_with_status(struct emu_ctx *e, int status)
{
	struct json_object *s = emu_state(e), *calls = emu_get(s, "calls");
	int n = 0;

	for (size_t i = 0; calls && i < json_object_array_length(calls); i++) {
		struct json_object *st;
		if (json_object_object_get_ex(json_object_array_get_idx(calls, i), "status", &st) &&
		    json_object_get_int(st) == status)
			n++;
	}
	json_object_put(s);
	return n;
}

#endif
