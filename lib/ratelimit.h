/* ratelimit.h — TikTok's per-token limits, counted in the database so any
 * number of app threads and workers on any number of machines stay inside
 * them together (tiktok-api.md §2.8). Every call to a limited endpoint is
 * recorded in tiktok_calls; a caller asks before calling. */
#ifndef LF_RATELIMIT_H
#define LF_RATELIMIT_H

#include <stdint.h>
#include "db.h"

/* TikTok's limits (tiktok-api.md §2.8), one row each in ratelimit.c:
 * the endpoint's name in tiktok_calls, how many calls, in what window.
 * Callers name a row; no other file writes a limit's number. */
enum rl_kind {
	RL_INIT,                     /* video/init, inbox/video/init: 6 a minute */
	RL_CREATOR_INFO,             /* creator_info/query: 20 a minute */
	RL_STATUS,                   /* status/fetch: 30 a minute */
	RL_POST_DAILY,               /* Direct Posts per creator: "typically around 15/day" */
	RL_VIDEO_QUERY,              /* Display API video/query: 600 a minute */
};

struct rl_limit {
	const char *endpoint;        /* the tiktok_calls.endpoint of its calls */
	int limit;                   /* calls ... */
	int window_sec;              /* ... per window */
	int per_minute;              /* the window is the configurable minute (tests shorten it) */
};

const struct rl_limit *ratelimit_limit(enum rl_kind kind);
/* The window a limit is counted in: a per-minute one in minute_sec seconds
 * (tiktok_rate_window_sec) with one second of margin (our clock and
 * TikTok's see a call a moment apart); the others as written. */
int ratelimit_window(const struct rl_limit *l, int minute_sec);
/* The even spacing of a limit's calls: its window over its count (10 s
 * for 6 inits a minute). The planner keeps two planned starts of one
 * account this far apart, so jobs that fall due together do not queue up
 * at the limit. */
int ratelimit_spacing_sec(enum rl_kind kind);
/* ratelimit_take / ratelimit_used for a row of the table. */
int ratelimit_take_kind(struct db *db, int64_t account_id, enum rl_kind kind, int minute_sec,
			int *wait_sec);
int ratelimit_used_kind(struct db *db, int64_t account_id, enum rl_kind kind, int minute_sec);

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
