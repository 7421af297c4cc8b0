#include "ratelimit.h"

#include <stdio.h>
#include <string.h>

static const struct rl_limit limits[] = {
	[RL_INIT]         = { "init", 6, 60, 1 },
	[RL_CREATOR_INFO] = { "creator_info", 20, 60, 1 },
	[RL_STATUS]       = { "status", 30, 60, 1 },
	[RL_POST_DAILY]   = { "post_daily", 15, 86400, 0 },
	[RL_VIDEO_QUERY]  = { "video_query", 600, 60, 1 },
};

const struct rl_limit *ratelimit_limit(enum rl_kind kind)
{
	return &limits[kind];
}

int ratelimit_window(const struct rl_limit *l, int minute_sec)
{
	return l->per_minute ? minute_sec + 1 : l->window_sec;
}

int ratelimit_spacing_sec(enum rl_kind kind)
{
	const struct rl_limit *l = ratelimit_limit(kind);

	return (l->window_sec + l->limit - 1) / l->limit;
}

/* One round trip: the function (sql/007) locks per account, counts and
 * takes the slot; 0 = taken, N = seconds until a slot frees up. */
static struct db_stmt q_take = { "rl_take",
	"SELECT ratelimit_take($1, $2, $3, $4) AS wait_sec" };
static struct db_stmt q_window = { "rl_window",
	"SELECT count(*) AS calls FROM tiktok_calls WHERE account_id = $1 AND endpoint = $2"
	"  AND at > now() - make_interval(secs => $3::int)" };

int ratelimit_take(struct db *db, int64_t account_id, const char *endpoint, int limit,
		   int window_sec, int *wait_sec)
{
	PGresult *r;
	long long wait;

	*wait_sec = 0;
	r = db_query(db, &q_take, DB_PARAMS(DB_INT(account_id), DB_TEXT(endpoint), DB_INT(limit),
					    DB_INT(window_sec)));
	if (!r)
		return -1;
	wait = db_get_int(r, 0, "wait_sec");
	PQclear(r);
	if (wait == 0)
		return 1;
	*wait_sec = (int)wait;
	return 0;
}

int ratelimit_used(struct db *db, int64_t account_id, const char *endpoint, int window_sec)
{
	PGresult *r;
	int n;

	r = db_query(db, &q_window, DB_PARAMS(DB_INT(account_id), DB_TEXT(endpoint),
					      DB_INT(window_sec)));
	if (!r)
		return -1;
	n = (int)db_get_int(r, 0, "calls");
	PQclear(r);
	return n;
}

int ratelimit_take_kind(struct db *db, int64_t account_id, enum rl_kind kind, int minute_sec,
			int *wait_sec)
{
	const struct rl_limit *l = ratelimit_limit(kind);

	return ratelimit_take(db, account_id, l->endpoint, l->limit, ratelimit_window(l, minute_sec),
			      wait_sec);
}

int ratelimit_used_kind(struct db *db, int64_t account_id, enum rl_kind kind, int minute_sec)
{
	const struct rl_limit *l = ratelimit_limit(kind);

	return ratelimit_used(db, account_id, l->endpoint, ratelimit_window(l, minute_sec));
}
