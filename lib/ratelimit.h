/* ratelimit.h — TikTok's per-token limits, counted in the database so any
 * number of app threads and workers on any number of machines stay inside
 * them together (tiktok-api.md §2.8). Every call to a limited endpoint is
 * recorded in tiktok_calls; a caller asks before calling. */
#ifndef LF_RATELIMIT_H
#define LF_RATELIMIT_H

#include <stdint.h>
#include "db.h"

/* TikTok's documented limits, per user access token, per minute. */
#define RL_INIT_PER_MIN          6    /* video/init, inbox/video/init */
#define RL_CREATOR_INFO_PER_MIN  20
#define RL_STATUS_PER_MIN        30

/* Take one call of `endpoint` for the account if fewer than `limit` were
 * taken in the last window_sec seconds. Returns 1 (taken: go ahead and
 * call), 0 (not now: *wait_sec says when a slot frees up), -1 on a
 * database error. Serialised per account with an advisory lock, so two
 * callers never both take the last slot. One round trip (the SQL function
 * ratelimit_take, sql/007); inside a caller's open transaction the
 * account's lock is held until that transaction ends. */
int ratelimit_take(struct db *db, int64_t account_id, const char *endpoint, int limit,
		   int window_sec, int *wait_sec);
/* How many calls of endpoint were taken in the last window_sec seconds
 * (for the UI: "3 of 6 uploads left this minute"). -1 on error. */
int ratelimit_used(struct db *db, int64_t account_id, const char *endpoint, int window_sec);

#endif
