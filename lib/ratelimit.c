#include "ratelimit.h"

#include <stdio.h>
#include <string.h>

/* One round trip: the function (sql/007) locks per account, counts and
 * takes the slot; 0 = taken, N = seconds until a slot frees up. */
static struct db_stmt q_take = { "rl_take",
	"SELECT ratelimit_take($1, $2, $3, $4)" };
static struct db_stmt q_window = { "rl_window",
	"SELECT count(*) FROM tiktok_calls WHERE account_id = $1 AND endpoint = $2"
	"  AND at > now() - make_interval(secs => $3::int)" };

int ratelimit_take(struct db *db, int64_t account_id, const char *endpoint, int limit,
		   int window_sec, int *wait_sec)
{
	char acc[24], lim[16], win[16];
	PGresult *r;
	long long wait;

	snprintf(acc, sizeof(acc), "%lld", (long long)account_id);
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(win, sizeof(win), "%d", window_sec);
	*wait_sec = 0;
	r = db_run(db, &q_take, 4, (const char *[]){ acc, endpoint, lim, win });
	if (!r)
		return -1;
	wait = db_ll(r, 0, 0);
	PQclear(r);
	if (wait == 0)
		return 1;
	*wait_sec = (int)wait;
	return 0;
}

int ratelimit_used(struct db *db, int64_t account_id, const char *endpoint, int window_sec)
{
	char acc[24], win[16];
	PGresult *r;
	int n;

	snprintf(acc, sizeof(acc), "%lld", (long long)account_id);
	snprintf(win, sizeof(win), "%d", window_sec);
	r = db_run(db, &q_window, 3, (const char *[]){ acc, endpoint, win });
	if (!r)
		return -1;
	n = (int)db_ll(r, 0, 0);
	PQclear(r);
	return n;
}
