/* langflix-worker — pulls upload jobs from the PostgreSQL queue and posts
 * them to TikTok.
 *
 *   langflix-worker [-c CONFIG]
 *
 * worker_slots threads, each with its own database connection and curl
 * handle, LISTEN on the queue channel and claim due jobs with one SKIP
 * LOCKED statement (a lease of worker_lease_sec, extended while a transfer
 * runs); a poll every worker_poll_ms catches a lost notification.
 * SIGTERM/SIGINT stop claiming; a slot ends or releases its current step
 * (a chunk in flight gets a few seconds to finish) and the process exits.
 * The per-job decisions are in job.c, the chunk transfer in upload.c, the
 * stop signal in stop.c. */
#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "jobs.h"
#include "util.h"
#include "worker.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct config cfg;
static int start_listening(struct slot *s)
{
	if (s->listening && PQstatus(s->db.conn) == CONNECTION_OK)
		return 0;
	s->listening = 0;
	if (db_ensure(&s->db) < 0 || db_simple(&s->db, "LISTEN " JOBS_CHANNEL) < 0)
		return -1;
	s->listening = 1;
	return 0;
}

/* Sleep until a notification arrives, the next rescheduled or scheduled
 * job is due (jobs_next_due: the earliest run_at; a scheduled post moved
 * earlier or enqueued NOTIFYs, which recomputes it),
 * the poll interval passes, or a stop is asked for (checked every 200 ms so
 * shutdown takes well under a second). */
static void wait_for_work(struct slot *s, double after_due)
{
	double wait = (double)cfg.worker_poll_ms / 1000.0;
	double due = s->listening ? jobs_next_due(&s->db) : -1;
	double until;

	if (after_due >= 0 && (due < 0 || after_due < due))
		due = after_due;
	/* a hair after it is due, and never a busy loop: a due job can be
	 * skipped for a moment while another transaction holds its row */
	if (due >= 0 && due < wait)
		wait = due < 0.05 ? 0.05 : due + 0.01;
	until = now_mono() + wait;

	while (!worker_stopping() && now_mono() < until) {
		struct pollfd pfd;
		PGnotify *n;
		int got = 0, left_ms;

		if (!s->listening || PQstatus(s->db.conn) != CONNECTION_OK) {
			usleep(200 * 1000);
			continue;
		}
		pfd.fd = PQsocket(s->db.conn);
		pfd.events = POLLIN;
		/* never past `until`: a scheduled job starts on its time, not up
		 * to a poll step later */
		left_ms = (int)((until - now_mono()) * 1000.0) + 1;
		if (poll(&pfd, 1, left_ms < 1 ? 1 : left_ms > 200 ? 200 : left_ms) > 0) {
			if (!PQconsumeInput(s->db.conn)) {
				s->listening = 0;
				continue;
			}
			while ((n = PQnotifies(s->db.conn))) {
				got = 1;
				PQfreemem(n);
			}
			if (got)
				return;
		}
	}
}

/* The post ids, drafts and counts due now (resolve.c, readings.c); the
 * seconds until the next is due, -1 when none. */
static double after_post(struct slot *s)
{
	double a = resolve_run(s), b;

	if (worker_stopping())
		return -1;
	b = readings_run(s);
	if (a < 0)
		return b;
	return b >= 0 && b < a ? b : a;
}

static void *slot_main(void *p)
{
	struct slot *s = p;
	double last_health = 0;

	db_init(&s->db, cfg.database_url);
	s->cfg = &cfg;
	s->curl = curl_easy_init();
	while (!worker_stopping() && s->curl) {
		struct job job;
		double after = -1;
		int rc;

		if (start_listening(s) < 0) {
			/* the database is away: wait and try again, nothing is lost */
			usleep(500 * 1000);
			continue;
		}
		while (!worker_stopping() && (rc = jobs_claim(&s->db, s->worker_id, (int)cfg.worker_lease_sec, &job)) == 1) {
			metrics_slot_busy(1);
			job_run(s, &job);
			metrics_slot_busy(-1);
		}
		/* the first slot checks the accounts whose next post is near */
		if (!worker_stopping() && s->index == 0 && now_mono() - last_health >= 1.0) {
			health_run(s);
			last_health = now_mono();
		}
		/* between claims, holding none: what follows the posts */
		if (!worker_stopping())
			after = after_post(s);
		if (!worker_stopping())
			wait_for_work(s, after);
	}
	if (s->curl)
		curl_easy_cleanup(s->curl);
	else
		log_error("event=worker_slot_failed slot=%d why=%s", s->index, log_quote("no curl handle"));
	db_close(&s->db);
	return NULL;
}

int main(int argc, char **argv)
{
	struct slot *slots;
	char host[64] = "host";
	int rc;

	/* no core dump ever holds a token or the secret key */
	if (process_protect_memory() < 0)
		fprintf(stderr, "langflix-worker: cannot switch core dumps off\n");
	/* first, so a stop that arrives during start-up is a clean exit too */
	worker_catch_stop();
	if ((rc = config_for_program(&cfg, "langflix-worker", argc, argv)) != 0)
		return rc;
	metrics_slots_total((int)cfg.worker_slots);
	if (*cfg.worker_metrics_file && metrics_file_start(cfg.worker_metrics_file, 5) < 0)
		log_warn("event=worker_metrics_file_failed path=%s", log_quote(cfg.worker_metrics_file));
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);   /* before any thread starts */
	gethostname(host, sizeof(host) - 1);
	slots = xcalloc((size_t)cfg.worker_slots, sizeof(*slots));
	log_info("event=worker_start slots=%lld memory_protected=%d", (long long)cfg.worker_slots,
		 process_memory_protected());
	for (int i = 0; i < cfg.worker_slots; i++) {
		slots[i].index = i;
		snprintf(slots[i].worker_id, sizeof(slots[i].worker_id), "%s:%d:%d", host, (int)getpid(), i);
		pthread_create(&slots[i].tid, NULL, slot_main, &slots[i]);
	}
	for (int i = 0; i < cfg.worker_slots; i++)
		pthread_join(slots[i].tid, NULL);
	log_info("event=worker_stop");
	free(slots);
	curl_global_cleanup();
	config_free(&cfg);
	return 0;
}
