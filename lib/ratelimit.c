#include "ratelimit.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_lock = { "rl_lock",
	"SELECT pg_advisory_xact_lock(7318462, $1::int)" };
static struct db_stmt q_window = { "rl_window",
	"SELECT count(*), coalesce(ceil(extract(epoch FROM "
	"       min(at) + make_interval(secs => $3::int) - now()))::int, 0) "
	"FROM tiktok_calls WHERE account_id = $1 AND endpoint = $2"
	"  AND at > now() - make_interval(secs => $3::int)" };
static struct db_stmt q_take = { "rl_take",
	"INSERT INTO tiktok_calls (account_id, endpoint) VALUES ($1, $2)" };
static struct db_stmt q_prune = { "rl_prune",
	"DELETE FROM tiktok_calls WHERE account_id = $1 AND endpoint = $2"
	"  AND at < now() - interval '2 days'" };

int ratelimit_take(struct db *db, int64_t account_id, const char *endpoint, int limit,
		   int window_sec, int *wait_sec)
{
	char acc[24], win[16];
	PGresult *r;
	int taken = -1;

	snprintf(acc, sizeof(acc), "%lld", (long long)account_id);
	snprintf(win, sizeof(win), "%d", window_sec);
	*wait_sec = 0;
	if (db_simple(db, "BEGIN") < 0)
		return -1;
	/* the advisory key's second half: account ids beyond 2^31 share locks,
	 * which only serialises a little more, never less */
	snprintf(acc, sizeof(acc), "%lld", (long long)(account_id & 0x7fffffff));
	if (db_exec(db, &q_lock, 1, (const char *[]){ acc }) < 0)
		goto out;
	snprintf(acc, sizeof(acc), "%lld", (long long)account_id);
	r = db_run(db, &q_window, 3, (const char *[]){ acc, endpoint, win });
	if (!r)
		goto out;
	if (db_ll(r, 0, 0) < limit) {
		PQclear(r);
		if (db_exec(db, &q_take, 2, (const char *[]){ acc, endpoint }) < 0)
			goto out;
		taken = 1;
	} else {
		*wait_sec = (int)db_ll(r, 0, 1);
		if (*wait_sec < 1)
			*wait_sec = 1;
		PQclear(r);
		taken = 0;
	}
	if (db_simple(db, "COMMIT") < 0)
		return -1;
	db_exec(db, &q_prune, 2, (const char *[]){ acc, endpoint });
	return taken;
out:
	db_simple(db, "ROLLBACK");
	return -1;
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
