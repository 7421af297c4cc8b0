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
static const struct db_stmt q_next_due = { "results_next_due",
	"SELECT greatest(extract(epoch FROM min(c.next_at) - now()), 0) AS secs "
	"FROM clip_results c JOIN upload_jobs j ON j.id = c.job_id"
	" JOIN tiktok_accounts a ON a.id = c.account_id WHERE " READABLE };
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
	PGresult *r = db_query(db, &q_next_due, 0, NULL);
	double secs = -1;

	if (!r)
		return -1;
	if (db_get(r, 0, "secs"))
		secs = strtod(db_get(r, 0, "secs"), NULL);
	PQclear(r);
	return secs;
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
