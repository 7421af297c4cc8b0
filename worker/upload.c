/* upload.c — the chunk transfer of one job (tiktok-api.md §2.4): PUT the
 * chunks of the committed plan in order, streamed from the file, and record
 * bytes_sent after each accepted one. It reports how the transfer ended
 * and decides nothing (worker.h, enum xfer_end; job.c acts on it):
 *
 *   206 → the next chunk; 201 → XFER_DONE;
 *   5xx / 429 / no answer → XFER_RETRY (job.c: send again or reschedule);
 *   416, or an answer whose Content-Range disagrees → XFER_RESYNC with what
 *     TikTok holds (job.c: continue from there, a bounded number of times);
 *   403 / 404 → XFER_URL_DEAD; 400 → XFER_BROKEN.
 *
 * The lease is extended between chunks and from libcurl's progress
 * callback (at most every few seconds). On SIGTERM a chunk in flight gets
 * a few seconds to finish, then XFER_STOPPED. */
#include "worker.h"

#include "chunkplan.h"
#include "log.h"
#include "metrics.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define STOP_GRACE_SEC       3.0   /* a chunk in flight may finish after SIGTERM */
#define EXTEND_EVERY_MAX_SEC 5.0   /* lease extensions at most this often (or lease/4) */

/* Extend the claim's lease, at most every few seconds unless forced. */
static int keep_lease(struct transfer *t, int force)
{
	double now = now_mono(), every = (double)t->claim->lease_sec / 4.0;

	if (every > EXTEND_EVERY_MAX_SEC)
		every = EXTEND_EVERY_MAX_SEC;
	if (!force && now - *t->last_extend < every)
		return 0;
	if (jobs_extend(t->claim) < 0)
		return -1;
	*t->last_extend = now;
	return 0;
}

/* libcurl's progress callback: keep the lease alive, give up a chunk when
 * the lease is gone or the stop grace is over. Non-zero aborts. */
static int on_progress(void *arg, int64_t sent)
{
	struct transfer *t = arg;

	(void)sent;
	if (keep_lease(t, 0) < 0)
		return 1;
	if (worker_stopping() && worker_stopping_for() > STOP_GRACE_SEC)
		return 1;
	return 0;
}

static void mb(int64_t bytes, char *out, size_t n)
{
	snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
}

/* What TikTok's answer to the chunk first..last means. */
static enum tt_upload_action classify(const struct platform *pf, const struct tiktok_put *put,
				      int64_t total, int64_t last)
{
	enum tt_upload_action act = pf->classify_part(put->http_status);

	/* some clients saw 200 for an accepted part (Postiz accepts it): what
	 * TikTok says it holds decides */
	if (put->http_status == 200 && put->has_range && put->held_total == total)
		act = put->held == total ? TTU_COMPLETE : TTU_RESYNC;
	/* an accepted part, but TikTok holds something else: believe it */
	if ((act == TTU_ACCEPTED || act == TTU_COMPLETE) && put->has_range &&
	    put->held_total == total && put->held != last + 1)
		act = TTU_RESYNC;
	return act;
}

/* The part was accepted: record it. 0, or -1 when the lease was lost. */
static int accepted(struct transfer *t, int64_t from, int64_t last)
{
	char a[32], b[32], msg[160];

	if (jobs_progress(t->claim, last + 1) < 0)
		return -1;
	*t->last_extend = now_mono();
	metrics_upload_bytes(last + 1 - from);
	mb(last + 1, a, sizeof(a));
	mb(t->total, b, sizeof(b));
	snprintf(msg, sizeof(msg), "Sent part %lld of %lld (%s of %s).", (long long)t->part,
		 (long long)t->chunk_count, a, b);
	jobs_event(t->claim->db, t->job_id, "chunk", msg);
	t->sent = last + 1;
	return 0;
}

/* One PUT of the chunk that starts at from; how it ended, or -1 to go on. */
static int send_part(struct transfer *t, struct tiktok_put *put, int64_t from)
{
	int64_t first, last, idx = from / t->chunk_size;
	enum tt_upload_action act;
	double t0 = now_mono();

	if (idx >= t->chunk_count)
		idx = t->chunk_count - 1;
	if (idx * t->chunk_size != from) {
		snprintf(t->why, sizeof(t->why), "TikTok reported a position inside a part of the video.");
		return XFER_CONFUSED;
	}
	chunk_plan_range(t->total, t->chunk_size, t->chunk_count, idx, &first, &last);
	t->part = idx + 1;
	put->first = first;
	put->last = last;
	if (t->pf->upload_part(t->curl, put) < 0 && put->aborted)
		return worker_stopping() ? XFER_STOPPED : XFER_LEASE_LOST;
	if (put->file_error)
		return XFER_FILE_GONE;
	t->http_status = put->http_status;
	snprintf(t->error, sizeof(t->error), "%s", put->error);
	act = classify(t->pf, put, t->total, last);
	log_info("event=chunk_put job=%lld chunk=%lld/%lld first=%lld last=%lld status=%ld ms=%.0f "
		 "error=%s", (long long)t->job_id, (long long)t->part, (long long)t->chunk_count,
		 (long long)first, (long long)last, put->http_status, (now_mono() - t0) * 1000.0,
		 log_quote(put->error));
	switch (act) {
	case TTU_ACCEPTED:
	case TTU_COMPLETE:
		if (accepted(t, from, last) < 0)
			return XFER_LEASE_LOST;
		if (act == TTU_COMPLETE && t->sent != t->total) {
			snprintf(t->why, sizeof(t->why), "TikTok said the upload was complete before the last part.");
			return XFER_CONFUSED;
		}
		return t->sent == t->total ? XFER_DONE : -1;
	case TTU_RESYNC:
		if (!put->has_range || put->held_total != t->total || put->held > t->total) {
			snprintf(t->why, sizeof(t->why), "TikTok refused a part without saying what it holds.");
			return XFER_CONFUSED;
		}
		t->held = put->held;
		return XFER_RESYNC;
	case TTU_URL_DEAD:
		return XFER_URL_DEAD;
	case TTU_RETRY:
		return XFER_RETRY;
	case TTU_BROKEN:
		break;
	}
	log_error("event=chunk_refused job=%lld status=%ld error=%s", (long long)t->job_id,
		  put->http_status, log_quote(put->error));
	return XFER_BROKEN;
}

enum xfer_end upload_send(struct transfer *t, int64_t from)
{
	struct tiktok_put put;
	int rc = -1;

	memset(&put, 0, sizeof(put));
	put.upload_url = t->upload_url;
	put.fd = t->fd;
	put.content_type = t->content_type;
	put.total = t->total;
	put.progress = on_progress;
	put.progress_arg = t;
	t->sent = from;
	t->parts = t->chunk_count;
	t->why[0] = t->error[0] = '\0';
	t->http_status = 0;
	while (rc < 0) {
		if (worker_stopping())
			return XFER_STOPPED;
		if (keep_lease(t, 1) < 0)
			return XFER_LEASE_LOST;
		rc = send_part(t, &put, t->sent);
	}
	return (enum xfer_end)rc;
}
