/* results.c — schedules and per-clip readings. See results.h. */
#include "results.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- the schedules ---- */

double results_resolve_delay(int polls, double minute_sec)
{
	if (polls < 10)
		return minute_sec;
	if (polls < 16)
		return 10 * minute_sec;
	if (polls < 40)
		return 60 * minute_sec;
	return RESULTS_DAY_MIN * minute_sec;
}

double results_reading_delay(int64_t age_sec, double minute_sec)
{
	double age_min = (double)age_sec / minute_sec;

	if (age_min < RESULTS_DAY_MIN)
		return 60 * minute_sec;
	if (age_min < 30 * RESULTS_DAY_MIN)
		return RESULTS_DAY_MIN * minute_sec;
	return 7 * RESULTS_DAY_MIN * minute_sec;
}

/* ---- per-clip readings ---- */

/* A clip worth reading: its job is published and public, its account is
 * connected and granted video.list (an account without it gets no calls). */
#define READABLE \
	"j.state = 'published' AND j.no_longer_public_at IS NULL AND a.status = 'connected'" \
	" AND a.scopes ~ '(^|,)\\s*video\\.list\\s*(,|$)'"

static const struct db_stmt q_round = { "results_round",
	"WITH acc AS ("
	" SELECT c.account_id FROM clip_results c"
	"  JOIN upload_jobs j ON j.id = c.job_id JOIN tiktok_accounts a ON a.id = c.account_id"
	"  WHERE c.next_at <= now() AND " READABLE
	"  ORDER BY c.next_at LIMIT 1), "
	"next AS ("
	" SELECT c.job_id FROM clip_results c JOIN upload_jobs j ON j.id = c.job_id"
	"  WHERE c.account_id = (SELECT account_id FROM acc)"
	"    AND c.next_at <= now() + make_interval(secs => $1::double precision)"
	"    AND j.state = 'published' AND j.no_longer_public_at IS NULL"
	"  ORDER BY c.next_at, c.job_id LIMIT $3 FOR UPDATE OF c SKIP LOCKED) "
	"UPDATE clip_results c SET next_at = now() + make_interval(secs => $2::int) "
	"FROM next, upload_jobs j WHERE c.job_id = next.job_id AND j.id = c.job_id "
	"RETURNING c.job_id, c.account_id, c.post_id, coalesce(j.publish_id, '') AS publish_id,"
	"          extract(epoch FROM now() - c.posted_at)::bigint AS age, c.missing" };
/* The earliest readable clip, in the order of clip_results_due_idx: it
 * stops at the first one instead of scanning every clip (no row: none). */
static const struct db_stmt q_next_due = { "results_next_due",
	"SELECT extract(epoch FROM c.next_at - now()) AS secs "
	"FROM clip_results c JOIN upload_jobs j ON j.id = c.job_id"
	" JOIN tiktok_accounts a ON a.id = c.account_id WHERE " READABLE
	" ORDER BY c.next_at LIMIT 1" };
static const struct db_stmt q_record = { "results_record",
	"WITH r AS (INSERT INTO clip_readings (job_id, taken_at, views, likes, comments, shares)"
	"  VALUES ($1, clock_timestamp(), $2, $3, $4, $5) RETURNING taken_at) "
	"UPDATE clip_results SET readings = readings + 1, last_at = (SELECT taken_at FROM r),"
	"       views = $2, likes = $3, comments = $4, shares = $5, missing = 0,"
	"       next_at = now() + make_interval(secs => $6::double precision),"
	"       views_day_before = (SELECT o.views FROM clip_readings o WHERE o.job_id = $1"
	"           AND o.taken_at <= now() - make_interval(secs => $7::double precision)"
	"           ORDER BY o.taken_at DESC LIMIT 1) "
	"WHERE job_id = $1" };
static const struct db_stmt q_missing = { "results_missing",
	"UPDATE clip_results SET missing = missing + 1,"
	"       next_at = now() + make_interval(secs => $2::double precision) "
	"WHERE job_id = $1 RETURNING missing" };
static const struct db_stmt q_later = { "results_later",
	"UPDATE clip_results SET next_at = now() + make_interval(secs => $2::double precision) "
	"WHERE job_id = $1" };

int results_take_round(struct db *db, double minute_sec, int hold_sec, struct results_clip *out,
		       int max)
{
	PGresult *r = db_query(db, &q_round, DB_PARAMS(DB_DOUBLE(15 * minute_sec), DB_INT(hold_sec),
						       DB_INT(max)));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n && i < max; i++) {
		struct results_clip *c = &out[i];
		memset(c, 0, sizeof(*c));
		c->job_id = db_get_int(r, i, "job_id");
		c->account_id = db_get_int(r, i, "account_id");
		str_copy(c->post_id, sizeof(c->post_id), db_get(r, i, "post_id"));
		str_copy(c->publish_id, sizeof(c->publish_id), db_get(r, i, "publish_id"));
		c->age_sec = db_get_int(r, i, "age");
		c->missing = (int)db_get_int(r, i, "missing");
	}
	PQclear(r);
	return n;
}

double results_next_due(struct db *db)
{
	return db_take_wait(db_query(db, &q_next_due, 0, NULL), "secs");
}

int results_record(struct db *db, int64_t job_id, int64_t views, int64_t likes, int64_t comments,
		   int64_t shares, double next_sec, double day_sec)
{
	return db_command(db, &q_record, DB_PARAMS(DB_INT(job_id), DB_INT(views), DB_INT(likes),
						   DB_INT(comments), DB_INT(shares), DB_DOUBLE(next_sec),
						   DB_DOUBLE(day_sec))) == 1 ? 0 : -1;
}

int results_missing(struct db *db, int64_t job_id, double next_sec)
{
	PGresult *r = db_query(db, &q_missing, DB_PARAMS(DB_INT(job_id), DB_DOUBLE(next_sec)));
	int n = -1;

	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		n = (int)db_get_int(r, 0, "missing");
	PQclear(r);
	return n;
}

int results_later(struct db *db, int64_t job_id, double delay_sec)
{
	return db_command(db, &q_later, DB_PARAMS(DB_INT(job_id), DB_DOUBLE(delay_sec))) < 0 ? -1 : 0;
}

/* ---- the results page's roll-ups ---- */

/* Stale or missing: the page's fast path reads this without a lock (the
 * triggers mark stale in the transaction that changes a figure, so a
 * committed change is never behind a "fresh" that is already committed). */
static const struct db_stmt q_rollups_state = { "results_rollups_state",
	"SELECT stale FROM result_rollups_state WHERE user_id = $1" };
/* Take the user's roll-ups for recomputing: a row only when they were
 * stale or never computed. The row lock serialises this with the triggers
 * of sql/043: a change committed meanwhile waits for it and marks again. */
static const struct db_stmt q_rollups_claim = { "results_rollups_claim",
	"INSERT INTO result_rollups_state (user_id, stale) VALUES ($1, false)"
	" ON CONFLICT (user_id) DO UPDATE SET stale = false WHERE result_rollups_state.stale "
	"RETURNING user_id" };
static const struct db_stmt q_rollups_stale = { "results_rollups_stale",
	"SELECT user_id FROM result_rollups_state WHERE stale ORDER BY user_id "
	"FOR UPDATE SKIP LOCKED" };
static const struct db_stmt q_rollups_clear = { "results_rollups_clear",
	"DELETE FROM result_rollups WHERE user_id = $1" };
/* The roll-ups in one pass over the user's clips: one grouping set per
 * dimension, every group ranked by views (then key); with the user's clip
 * and removal counts. A clip with no reading yet counts as 0 views. */
static const struct db_stmt q_rollups_compute = { "results_rollups_compute",
	"WITH b AS ("
	" SELECT c.job_id, coalesce(c.views, 0) AS views, coalesce(c.likes, 0) AS likes,"
	"        coalesce(c.comments, 0) AS comments, coalesce(c.shares, 0) AS shares,"
	"        j.no_longer_public_at IS NOT NULL AS removed,"
	"        coalesce(nullif(v.expression, ''), '(none)') AS expression,"
	"        coalesce(nullif(v.show_name, ''), '(none)') AS show,"
	"        coalesce(nullif(v.learn_language, ''), '(none)') AS language,"
	"        coalesce(nullif(a.display_name, ''), nullif(a.username, ''), '(removed account)') AS account,"
	"        coalesce(nullif(v.title, ''), v.path) AS title"
	" FROM clip_results c JOIN upload_jobs j ON j.id = c.job_id JOIN videos v ON v.id = j.video_id"
	" LEFT JOIN tiktok_accounts a ON a.id = c.account_id WHERE c.user_id = $1), "
	"g AS ("
	" SELECT CASE WHEN GROUPING(expression) = 0 THEN 1 WHEN GROUPING(show) = 0 THEN 2"
	"             WHEN GROUPING(language) = 0 THEN 3 ELSE 4 END AS dim,"
	"        coalesce(expression, show, language, account) AS key,"
	"        count(*) AS posts, sum(views) AS views, sum(likes) AS likes,"
	"        sum(comments) AS comments, sum(shares) AS shares,"
	"        percentile_cont(0.5) WITHIN GROUP (ORDER BY views) AS median,"
	"        count(*) FILTER (WHERE removed) AS removed,"
	"        (array_agg(job_id ORDER BY views DESC, job_id))[1] AS best_id,"
	"        (array_agg(title ORDER BY views DESC, job_id))[1] AS best_title, max(views) AS best_views,"
	"        (array_agg(job_id ORDER BY views, job_id))[1] AS worst_id,"
	"        (array_agg(title ORDER BY views, job_id))[1] AS worst_title, min(views) AS worst_views"
	" FROM b GROUP BY GROUPING SETS ((expression), (show), (language), (account))), "
	"r AS (SELECT g.*, row_number() OVER (PARTITION BY dim ORDER BY views DESC, key) AS rank,"
	"             count(*) OVER (PARTITION BY dim) AS groups FROM g), "
	"ins AS (INSERT INTO result_rollups (user_id, dim, rank, key, groups, posts, views, likes,"
	"            comments, shares, median, removed, best_id, best_title, best_views, worst_id,"
	"            worst_title, worst_views)"
	" SELECT $1, dim, rank, key, groups, posts, views, likes, comments, shares, median, removed,"
	"        best_id, best_title, best_views, worst_id, worst_title, worst_views FROM r) "
	"UPDATE result_rollups_state SET clips = (SELECT count(*) FROM b),"
	"       removals = (SELECT count(*) FROM b WHERE removed), refreshed_at = now() "
	"WHERE user_id = $1" };

/* Inside a transaction: recompute the user's roll-ups if they are stale. */
static int rollups_refresh(struct db *db, int64_t user_id)
{
	long long claimed = db_command(db, &q_rollups_claim, DB_PARAMS(DB_INT(user_id)));

	if (claimed <= 0)
		return claimed < 0 ? -1 : 0;
	if (db_command(db, &q_rollups_clear, DB_PARAMS(DB_INT(user_id))) < 0 ||
	    db_command(db, &q_rollups_compute, DB_PARAMS(DB_INT(user_id))) != 1)
		return -1;
	return 1;
}

/* Run fn inside the caller's transaction, or in one of its own. */
static int in_transaction(struct db *db, int (*fn)(struct db *, int64_t), int64_t arg)
{
	int own = !db_in_transaction(db), rc;

	if (own && db_begin(db) < 0)
		return -1;
	rc = fn(db, arg);
	if (!own)
		return rc;
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db) < 0 ? -1 : rc;
}

int results_rollups_fresh(struct db *db, int64_t user_id)
{
	PGresult *r = db_query(db, &q_rollups_state, DB_PARAMS(DB_INT(user_id)));
	int fresh;

	if (!r)
		return -1;
	fresh = PQntuples(r) == 1 && !db_get_bool(r, 0, "stale");
	PQclear(r);
	return fresh ? 0 : in_transaction(db, rollups_refresh, user_id);
}

static int refresh_all(struct db *db, int64_t unused)
{
	PGresult *r = db_query(db, &q_rollups_stale, 0, NULL);
	int n = 0;

	(void)unused;
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && n >= 0; i++) {
		int rc = rollups_refresh(db, db_get_int(r, i, "user_id"));
		n = rc < 0 ? -1 : n + rc;
	}
	PQclear(r);
	return n;
}

int results_rollups_fresh_all(struct db *db)
{
	return in_transaction(db, refresh_all, 0);
}

/* ---- the benchmark only ---- */

static const struct db_stmt q_seed = { "results_seed_readings",
	"WITH s AS (SELECT g, now() - make_interval(secs => $3::double precision * ($2::int - g)) AS at"
	"           FROM generate_series(1, $2::int) g), "
	"r AS (INSERT INTO clip_readings (job_id, taken_at, views, likes, comments, shares)"
	"      SELECT $1, at, $4::bigint * g / $2, $4::bigint * g / $2 / 20, $4::bigint * g / $2 / 400,"
	"             $4::bigint * g / $2 / 800 FROM s ON CONFLICT DO NOTHING) "
	"UPDATE clip_results SET readings = readings + $2, last_at = now(), views = $4,"
	"       likes = $4 / 20, comments = $4 / 400, shares = $4 / 800,"
	"       views_day_before = CASE WHEN $2 > 1 THEN $4::bigint * ($2 - 1) / $2 END,"
	"       posted_at = now() - make_interval(secs => $3::double precision * $2::int),"
	"       next_at = now() + interval '1 day' "
	"WHERE job_id = $1" };

int results_seed_readings(struct db *db, int64_t job_id, int n, double step_sec, int64_t views)
{
	return db_command(db, &q_seed, DB_PARAMS(DB_INT(job_id), DB_INT(n), DB_DOUBLE(step_sec),
						 DB_INT(views))) == 1 ? 0 : -1;
}
