/* langflix-worker — pulls upload jobs from the PostgreSQL queue.
 *
 *   langflix-worker [-c CONFIG]
 *
 * worker_slots threads, each with its own database connection, LISTEN on
 * the queue channel and claim due jobs with one SKIP LOCKED statement; a
 * poll every worker_poll_ms catches a lost notification. SIGTERM/SIGINT
 * stop claiming; the slot finishes its current step and the process exits.
 *
 * The upload itself is not built yet (the posting issue fills it in): a
 * claimed job is recorded and ended as failed with a reason that says so,
 * so nothing waits forever on work that cannot happen. */
#include "config.h"
#include "db.h"
#include "log.h"
#include "queue.h"
#include "util.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEASE_SEC 60

static struct config cfg;
static volatile sig_atomic_t stopping;

struct slot {
	int index;
	pthread_t tid;
	struct db db;
	char worker_id[128];
	int listening;
};

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int start_listening(struct slot *s)
{
	if (s->listening && PQstatus(s->db.conn) == CONNECTION_OK)
		return 0;
	s->listening = 0;
	if (db_ensure(&s->db) < 0 || db_simple(&s->db, "LISTEN " QUEUE_CHANNEL) < 0)
		return -1;
	s->listening = 1;
	return 0;
}

/* Sleep until a notification arrives, the poll interval passes, or a stop
 * is asked for (checked every 200 ms so shutdown takes well under a second). */
static void wait_for_work(struct slot *s)
{
	double until = now_mono() + (double)cfg.worker_poll_ms / 1000.0;

	while (!stopping && now_mono() < until) {
		struct pollfd pfd;
		PGnotify *n;
		int got = 0;

		if (!s->listening || PQstatus(s->db.conn) != CONNECTION_OK) {
			usleep(200 * 1000);
			continue;
		}
		pfd.fd = PQsocket(s->db.conn);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) > 0) {
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

static void process_job(struct slot *s, const struct job *job)
{
	log_info("event=job_claimed job=%lld video=%lld state=%s mode=%s attempt=%d", (long long)job->id,
		 (long long)job->video_id, job->state, job->mode, job->attempts);
	queue_event(&s->db, job->id, "claimed", "A worker picked up the job.");
	queue_event(&s->db, job->id, "failed",
		    "This build of LangFlix Publisher cannot upload to TikTok yet.");
	if (queue_finish(&s->db, job->id, s->worker_id, "failed",
			 "Uploading to TikTok is not available in this build yet.") < 0)
		log_warn("event=job_lease_lost job=%lld", (long long)job->id);
}

static void *slot_main(void *p)
{
	struct slot *s = p;

	db_init(&s->db, cfg.database_url);
	while (!stopping) {
		struct job job;
		int rc;

		if (start_listening(s) < 0) {
			/* the database is away: wait and try again, nothing is lost */
			usleep(500 * 1000);
			continue;
		}
		while (!stopping && (rc = queue_claim(&s->db, s->worker_id, LEASE_SEC, &job)) == 1)
			process_job(s, &job);
		if (!stopping)
			wait_for_work(s);
	}
	db_close(&s->db);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *cfgpath = getenv("LANGFLIX_CONFIG");
	struct slot *slots;
	struct sigaction sa;
	enum log_level lvl;
	char err[512], host[64] = "host";

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			cfgpath = argv[++i];
		} else {
			fprintf(stderr, "usage: langflix-worker [-c CONFIG]\n");
			return 2;
		}
	}
	if (config_load(&cfg, cfgpath && *cfgpath ? cfgpath : NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "langflix-worker: %s\n", err);
		return 1;
	}
	if (log_parse_level(cfg.log_level, &lvl) == 0)
		log_set_level(lvl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	gethostname(host, sizeof(host) - 1);
	slots = xcalloc((size_t)cfg.worker_slots, sizeof(*slots));
	log_info("event=worker_start slots=%lld", (long long)cfg.worker_slots);
	for (int i = 0; i < cfg.worker_slots; i++) {
		slots[i].index = i;
		snprintf(slots[i].worker_id, sizeof(slots[i].worker_id), "%s:%d:%d", host, (int)getpid(), i);
		pthread_create(&slots[i].tid, NULL, slot_main, &slots[i]);
	}
	for (int i = 0; i < cfg.worker_slots; i++)
		pthread_join(slots[i].tid, NULL);
	log_info("event=worker_stop");
	free(slots);
	config_free(&cfg);
	return 0;
}
