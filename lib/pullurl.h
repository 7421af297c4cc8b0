/* pullurl.h — the signed address TikTok fetches a video from in
 * PULL_FROM_URL mode (tiktok-api.md §2.5):
 *
 *   {media_public_base_url}/pull/videos/{id}?job={job}&expires={unix time}&sig={hex}
 *
 * sig = HMAC-SHA256 over "{id}.{job}.{expires}" under a key derived from the
 * server's secret_key (never the secret itself), so only this site can make
 * one, it names one video (and the job it is for, whose timeline records
 * that TikTok came for the file), and it stops working at `expires`. The app checks
 * it in constant time (GET /pull/videos/{id}, cgi-bin/page_video.c) and
 * answers X-Accel-Redirect: nginx sends the file from disk, no worker reads
 * it. Pure functions: the time is the caller's. */
#ifndef LF_PULLURL_H
#define LF_PULLURL_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "config.h"

/* The route's prefix under the base URL: TikTok's verified URL prefix is
 * {media_public_base_url}/pull/ (or the whole verified domain). */
#define PULL_URL_PATH "/pull/videos/"

enum pull_check { PULL_OK = 0, PULL_EXPIRED = 1, PULL_FORGED = 2 };

/* The address for video_id, valid until now + media_url_ttl_sec, appended
 * to out. -1 when the configuration has no base URL or no secret key. */
int pull_url_make(const struct config *c, int64_t video_id, int64_t job_id, time_t now,
		  struct buf *out);
/* Check the query's job, expires and sig for video_id (any may be NULL);
 * *job_id gets the job when PULL_OK. PULL_FORGED also for a missing,
 * malformed or wrongly keyed signature. */
enum pull_check pull_url_check(const struct config *c, int64_t video_id, const char *job,
			       const char *expires, const char *sig, time_t now, int64_t *job_id);

#endif
