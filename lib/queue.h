/* queue.h — the upload_jobs table as a queue: claim with a lease, extend it,
 * record events, wake workers. Shared by the app and the worker; releasing
 * and ending a job (with their timeline entries) live in worker/job.c. */
#ifndef LF_QUEUE_H
#define LF_QUEUE_H

#include <stdint.h>
#include "db.h"

#define QUEUE_CHANNEL "upload_jobs"

struct job {
	int64_t id;
	int64_t video_id;
	int64_t account_id;          /* 0 when none */
	char state[16];
	char mode[8];
	int attempts;
	int max_attempts;
	char publish_id[72];         /* "" until init */
	int64_t bytes_sent, bytes_total;
};

/* Claim one due job: the oldest runnable one whose lease is free, in one
 * statement (FOR UPDATE SKIP LOCKED), leasing it for lease_sec seconds to
 * worker_id. A due job whose attempts are used up (every try crashed or
 * hung the worker) is ended as failed with its reason instead, and the
 * next one is tried. 1 when a job was claimed, 0 when none is due, -1 on
 * error. */
int queue_claim(struct db *db, const char *worker_id, int lease_sec, struct job *out);
/* Extend the lease while work goes on. 0, or -1 when the lease was lost. */
int queue_extend(struct db *db, int64_t job_id, const char *worker_id, int lease_sec);
/* Append to the job's history. */
int queue_event(struct db *db, int64_t job_id, const char *kind, const char *message);
/* Seconds until the next runnable job becomes claimable (due, and its
 * lease free): 0 when one is claimable now, -1 when none is waiting or
 * on error. Lets an idle worker sleep exactly until a rescheduled job
 * (a status poll, a backoff) is due instead of a whole poll interval. */
double queue_next_due(struct db *db);
/* Wake the workers (NOTIFY), e.g. right after an enqueue commits. */
int queue_notify(struct db *db);

#endif
