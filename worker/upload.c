/* upload.c — the chunk transfer of one job (tiktok-api.md §2.4): PUT the
 * chunks of the committed plan in order, streamed from the file, and commit
 * bytes_sent after each accepted one.
 *
 *   206 → next chunk; 201 → processing;
 *   5xx / 429 / no answer → the same chunk again after a short pause, a few
 *     times while holding the lease, then give the job back with a delay;
 *   416 → continue from what TikTok's Content-Range says it holds;
 *   403 / 404 → the URL is dead: job_url_dead() asks for the status and
 *     re-initialises only when nothing was posted;
 *   400 → our request was wrong: fail, never blind-retry.
 *
 * The lease is extended between chunks and from libcurl's progress
 * callback (at most every few seconds). On SIGTERM a chunk in flight gets
 * a few seconds to finish; then the job is given back at once so another
 * worker continues from the committed bytes. */
#include "worker.h"

#include "chunkplan.h"
#include "log.h"
#include "metrics.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_TRIES          4     /* sends of one chunk within one claim */
/* 416s in a row that move nothing forward (TikTok answering "bytes
 * star-slash-N", it holds nothing, to every part): then the job is given back
 * with backoff, never a spin. */
#define STALLED_RESYNCS      3
#define STOP_GRACE_SEC       3.0   /* a chunk in flight may finish after SIGTERM */

struct progress {
	struct jobctx *j;
};

/* libcurl's progress callback: keep the lease alive, give up a chunk when
 * the lease is gone or the stop grace is over. Non-zero aborts. */
static int on_progress(void *arg, int64_t sent)
{
	struct progress *pr = arg;

	(void)sent;
	if (job_extend(pr->j, 0) < 0)
		return 1;
	if (worker_stopping() && worker_stopping_for() > STOP_GRACE_SEC)
		return 1;
	return 0;
}

/* Sleep up to sec seconds, waking early on a stop. */
static void pause_for(double sec)
{
	double until = now_mono() + sec;

	while (!worker_stopping() && now_mono() < until)
		usleep(100 * 1000);
}

static int stop_now(struct jobctx *j)
{
	job_event(j, "retry", "The worker is shutting down; another worker continues the upload "
		  "from byte %lld.", (long long)j->q.bytes_sent);
	return job_release(j, 0, 1);
}

static void mb(int64_t bytes, char *out, size_t n)
{
	snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
}

/* The chunk that starts at `from` under the job's plan: its index, or -1
 * when `from` is not a chunk boundary. */
static int64_t chunk_at(const struct jobctx *j, int64_t from)
{
	int64_t idx = from / j->chunk_size;

	if (idx >= j->chunk_count)
		idx = j->chunk_count - 1;
	return idx * j->chunk_size == from ? idx : -1;
}

int upload_transfer(struct jobctx *j, int64_t from)
{
	struct progress pr = { j };
	struct tiktok_put put;
	int64_t total = j->q.bytes_total, first, last, idx;
	int fd = -1, rc = STEP_END, stalled = 0;
	char a[32], b[32];

	if (!j->upload_url[0] || j->chunk_size <= 0 || j->chunk_count <= 0 ||
	    !chunk_plan_valid(total, j->chunk_size, j->chunk_count, NULL))
		return job_fail(j, NULL, "The upload's record is incomplete. Post the video again.");
	if (job_open_video(j, &fd) != STEP_GO)
		return STEP_END;
	memset(&put, 0, sizeof(put));
	put.upload_url = j->upload_url;
	put.fd = fd;
	put.content_type = tiktok_video_content_type(j->video_path);
	put.total = total;
	put.progress = on_progress;
	put.progress_arg = &pr;

	while (from < total) {
		int tries = 0;
		enum tt_upload_action act;

		if (worker_stopping()) {
			rc = stop_now(j);
			goto out;
		}
		if (job_extend(j, 1) < 0)
			goto out;
		idx = chunk_at(j, from);
		if (idx < 0) {
			rc = job_retry(j, "TikTok reported a position inside a part of the video.");
			goto out;
		}
		chunk_plan_range(total, j->chunk_size, j->chunk_count, idx, &first, &last);
		put.first = first;
		put.last = last;
		for (;;) {
			double t0 = now_mono();
			tries++;
			if (tiktok_put_chunk(j->s->curl, &put) < 0 && put.aborted) {
				if (j->lease_lost)
					goto out;
				rc = stop_now(j);
				goto out;
			}
			if (put.file_error) {
				rc = job_fail(j, NULL, "The video file changed or is missing since the post "
					      "was requested. Import the video again, then post it again.");
				goto out;
			}
			act = tiktok_upload_classify(put.http_status);
			/* some clients saw 200 for an accepted part (Postiz accepts
			 * it): what TikTok says it holds decides */
			if (put.http_status == 200 && put.has_range && put.held_total == total)
				act = put.held == total ? TTU_COMPLETE : TTU_RESYNC;
			/* an accepted part, but TikTok holds something else: believe it */
			if ((act == TTU_ACCEPTED || act == TTU_COMPLETE) && put.has_range &&
			    put.held_total == total && put.held != last + 1)
				act = TTU_RESYNC;
			log_info("event=chunk_put job=%lld chunk=%lld/%lld first=%lld last=%lld status=%ld "
				 "ms=%.0f error=%s", (long long)j->q.id, (long long)idx + 1,
				 (long long)j->chunk_count, (long long)first, (long long)last,
				 put.http_status, (now_mono() - t0) * 1000.0, log_quote(put.error));
			if (act != TTU_RETRY || tries >= CHUNK_TRIES)
				break;
			pause_for(0.5 * (double)(1 << (tries - 1)));
			if (worker_stopping()) {
				rc = stop_now(j);
				goto out;
			}
			if (job_extend(j, 1) < 0)
				goto out;
		}
		switch (act) {
		case TTU_ACCEPTED:
		case TTU_COMPLETE:
			if (job_commit_bytes(j, last + 1) < 0)
				goto out;
			metrics_upload_bytes(last + 1 - from);
			mb(last + 1, a, sizeof(a));
			mb(total, b, sizeof(b));
			job_event(j, "chunk", "Sent part %lld of %lld (%s of %s).", (long long)idx + 1,
				  (long long)j->chunk_count, a, b);
			from = last + 1;
			stalled = 0;
			if (act == TTU_COMPLETE && from != total) {
				rc = job_retry(j, "TikTok said the upload was complete before the last part.");
				goto out;
			}
			break;
		case TTU_RESYNC:
			if (!put.has_range || put.held_total != total || put.held > total) {
				rc = job_retry(j, "TikTok refused a part without saying what it holds.");
				goto out;
			}
			/* a resync that does not move past `from` is a stall */
			stalled = put.held > from ? 0 : stalled + 1;
			if (stalled >= STALLED_RESYNCS) {
				char why[300];
				snprintf(why, sizeof(why), "TikTok refused part %lld of %lld %d times in a row "
					 "and said it holds %lld bytes.", (long long)idx + 1,
					 (long long)j->chunk_count, stalled, (long long)put.held);
				rc = job_retry(j, why);
				goto out;
			}
			if (job_commit_bytes(j, put.held) < 0)
				goto out;
			job_event(j, "resumed", "TikTok holds %lld of %lld bytes; continuing from there.",
				  (long long)put.held, (long long)total);
			from = put.held;
			break;
		case TTU_URL_DEAD:
			rc = job_url_dead(j, put.http_status);
			goto out;
		case TTU_RETRY: {
			char why[300];
			snprintf(why, sizeof(why), "Sending part %lld of %lld to TikTok failed %d times "
				 "(%s%s%ld).", (long long)idx + 1, (long long)j->chunk_count, tries,
				 put.error[0] ? put.error : "", put.error[0] ? ", HTTP " : "HTTP ",
				 put.http_status);
			rc = job_retry(j, why);
			goto out;
		}
		case TTU_BROKEN: {
			char why[300];
			log_error("event=chunk_refused job=%lld status=%ld error=%s", (long long)j->q.id,
				  put.http_status, log_quote(put.error));
			snprintf(why, sizeof(why), "TikTok refused part %lld of %lld of the video (HTTP %ld%s%s). "
				 "Post the video again; if it keeps failing, report it.", (long long)idx + 1,
				 (long long)j->chunk_count, put.http_status, put.error[0] ? ", " : "",
				 put.error);
			rc = job_fail(j, NULL, why);
			goto out;
		}
		}
	}
	rc = job_upload_complete(j);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
