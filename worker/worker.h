/* worker.h — the parts of langflix-worker: main.c (slots, signals, the
 * claim loop), job.c (one claimed job's state machine), upload.c (the
 * chunk transfer). */
#ifndef LF_WORKER_H
#define LF_WORKER_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "jobs.h"
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

/* 1 once SIGTERM/SIGINT arrived: stop claiming, end the current step. */
int worker_stopping(void);
/* Seconds since the stop signal (0 when none came). */
double worker_stopping_for(void);

/* ---- job.c ---- */

/* Everything one claim knows about its job. */
struct jobctx {
	struct slot *s;
	const struct config *cfg;
	struct job q;                /* what jobs_claim returned */
	struct job_claim claim;      /* this slot's claim on it (lib/jobs.h) */
	char id[24];                 /* q.id as text, for SQL parameters */
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

/* Helpers upload.c uses. */
int job_event(struct jobctx *j, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Give the job back, due after delay_sec; refund=1 when this claim must
 * not count as an attempt (rate-limit waits, polling, shutdown). STEP_END. */
int job_release(struct jobctx *j, int delay_sec, int refund);
/* A transient failure: release with backoff, or end the job as failed
 * when its attempts are used up. STEP_END. */
int job_retry(struct jobctx *j, const char *reason);
/* End the job as failed with the user's reason. STEP_END. */
int job_fail(struct jobctx *j, const char *tiktok_status, const char *reason);
/* Extend the lease (at most every few seconds unless force). 0, or -1
 * when the lease was lost. */
int job_extend(struct jobctx *j, int force);
/* Record bytes TikTok holds (after an accepted chunk or a resync). 0/-1. */
int job_commit_bytes(struct jobctx *j, int64_t bytes);
/* The upload URL is dead (403/404): ask TikTok for the status, re-init
 * only when nothing was posted. STEP_END or STEP_GO (never). */
int job_url_dead(struct jobctx *j, long http_status);
/* The last byte was accepted: state processing, first poll soon. STEP_END. */
int job_upload_complete(struct jobctx *j);
/* Open the video and check it is the file that was enqueued: *fd, or
 * the job ends as failed ("the file changed or is missing"). */
int job_open_video(struct jobctx *j, int *fd);

/* ---- upload.c ---- */

/* Send the chunks from `from` (bytes TikTok holds) to the end. Always ends
 * the claim (STEP_END): processing, released, failed or lost. */
int upload_transfer(struct jobctx *j, int64_t from);

#endif
