/* worker.h — the parts of langflix-worker, each calling only downwards:
 *
 *   main.c    slots and the claim loop          → job.c, health.c, stop.c
 *   health.c  accounts checked before their slots
 *   job.c     one claimed job: every decision   → upload.c (and lib/)
 *   upload.c  the chunk transfer: reports what happened, decides nothing
 *                                               → stop.c (and lib/)
 *   stop.c    the stop signal */
#ifndef LF_WORKER_H
#define LF_WORKER_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "jobs.h"
#include "platform.h"
#include "tiktok.h"

/* An upload slot: one thread, one database connection, one curl handle
 * (reused across chunks, so the upload connection stays open). */
struct slot {
	int index;
	pthread_t tid;
	struct db db;
	CURL *curl;
	char worker_id[128];
	int listening;
	const struct config *cfg;
};

/* ---- stop.c ---- */

/* Catch SIGTERM/SIGINT (first thing at start-up). */
void worker_catch_stop(void);
/* 1 once SIGTERM/SIGINT arrived: stop claiming, end the current step. */
int worker_stopping(void);
/* Seconds since the stop signal (0 when none came). */
double worker_stopping_for(void);

/* ---- health.c ---- */

/* Check the accounts whose next planned post is near (claimed in the
 * database, so one worker checks each); called by a slot between claims. */
void health_run(struct slot *s);

/* ---- job.c ---- */

/* Everything one claim knows about its job. */
struct jobctx {
	struct slot *s;
	const struct config *cfg;
	struct job q;                /* what jobs_claim returned */
	struct job_claim claim;      /* this slot's claim on it (lib/jobs.h) */
	const struct platform *pf;   /* the job's platform (lib/platform.h): every call goes there */
	/* the row */
	char state[16];
	struct post_settings post;   /* the row's settings, as TikTok's init gets them */
	char *title;                 /* post.title's storage */
	char privacy[40];            /* post.privacy_level's storage */
	char *upload_url;            /* "" before init */
	int64_t chunk_size, chunk_count;
	char tiktok_status[40];
	int status_polls, reinits;
	char username[128];
	char *video_path;            /* relative to media_root */
	int64_t duration_ms;
	int64_t processing_sec;      /* seconds since the last byte was accepted */
	unsigned scopes;             /* the account's granted scopes (TT_SCOPE_*) */
	/* the call */
	struct tiktok_client client;
	struct buf token;
	int refreshed;               /* the one forced refresh of this claim was used */
	int lease_lost;              /* stop touching the row */
	int ended;                   /* the claim already ended (failed/released) */
	double last_extend;          /* now_mono() of the last lease extension */
};

void job_run(struct slot *s, const struct job *claimed);

/* Step results: the claim goes on, or it has ended (released, finished,
 * or lost) and the caller must return. */
enum { STEP_GO = 0, STEP_END = 1 };

/* ---- upload.c ---- */

/* How a transfer ended. It reports; job.c decides what follows. */
enum xfer_end {
	XFER_DONE,                   /* TikTok holds every byte */
	XFER_RESYNC,                 /* TikTok holds `held` bytes, not what was sent */
	XFER_URL_DEAD,               /* 403/404: the upload URL is dead (http_status) */
	XFER_RETRY,                  /* one send of `part` failed for a passing reason */
	XFER_CONFUSED,               /* TikTok's answer made no sense (why) */
	XFER_BROKEN,                 /* TikTok refused `part`: the request was wrong */
	XFER_FILE_GONE,              /* the file changed or vanished since the enqueue */
	XFER_STOPPED,                /* shutdown: the job is to be given back */
	XFER_LEASE_LOST,             /* the claim is gone: write nothing more */
};

struct transfer {
	/* in */
	CURL *curl;
	const struct platform *pf;   /* sends the parts, reads the answers */
	const struct job_claim *claim;
	int64_t job_id;
	int fd;                      /* the video, opened and checked */
	const char *upload_url, *content_type;
	int64_t total, chunk_size, chunk_count;
	double *last_extend;         /* now_mono() of the claim's last lease extension */
	/* out */
	int64_t sent;                /* bytes TikTok holds, recorded (bytes_sent) */
	int64_t held;                /* XFER_RESYNC: what TikTok says it holds */
	int64_t part, parts;         /* the part it ended on (1-based) of how many */
	long http_status;            /* the last answer (0: none) */
	char error[160];             /* curl's words or TikTok's code, "" when none */
	char why[200];               /* XFER_CONFUSED: what made no sense */
};

/* Send the chunks from `from` (a chunk boundary TikTok holds) until the
 * end or the first thing job.c must decide about. Records what TikTok
 * accepted (bytes_sent, a timeline entry per part) and keeps the lease;
 * never sleeps, never retries. */
enum xfer_end upload_send(struct transfer *t, int64_t from);

#endif
