#include "queue.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct db_stmt q_claim = { "queue_claim",
	"UPDATE upload_jobs SET locked_by = $1,"
	"       locked_until = now() + make_interval(secs => $2::int),"
	"       attempts = attempts + 1, updated_at = now() "
	"WHERE id = (SELECT id FROM upload_jobs"
	"            WHERE state IN ('queued', 'uploading', 'processing') AND run_at <= now()"
	"              AND (locked_until IS NULL OR locked_until < now())"
	"            ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
	"RETURNING id, video_id, coalesce(account_id, 0), state, mode, attempts, max_attempts,"
	"          coalesce(publish_id, ''), bytes_sent, bytes_total" };
static struct db_stmt q_extend = { "queue_extend",
	"UPDATE upload_jobs SET locked_until = now() + make_interval(secs => $3::int) "
	"WHERE id = $1 AND locked_by = $2" };
static struct db_stmt q_event = { "queue_event",
	"INSERT INTO job_events (job_id, kind, message) VALUES ($1, $2, $3)" };

static struct db_stmt q_next_due = { "queue_next_due",
	"SELECT greatest(extract(epoch FROM min(greatest(run_at, coalesce(locked_until, run_at)))"
	"                                    - now()), 0) "
	"FROM upload_jobs WHERE state IN ('queued', 'uploading', 'processing')" };

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int queue_claim(struct db *db, const char *worker_id, int lease_sec, struct job *out)
{
	char lease[16];
	PGresult *r;

	snprintf(lease, sizeof(lease), "%d", lease_sec);
	r = db_run(db, &q_claim, 2, (const char *[]){ worker_id, lease });
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->id = db_ll(r, 0, 0);
	out->video_id = db_ll(r, 0, 1);
	out->account_id = db_ll(r, 0, 2);
	copy(out->state, sizeof(out->state), db_val(r, 0, 3));
	copy(out->mode, sizeof(out->mode), db_val(r, 0, 4));
	out->attempts = (int)db_ll(r, 0, 5);
	out->max_attempts = (int)db_ll(r, 0, 6);
	copy(out->publish_id, sizeof(out->publish_id), db_val(r, 0, 7));
	out->bytes_sent = db_ll(r, 0, 8);
	out->bytes_total = db_ll(r, 0, 9);
	PQclear(r);
	return 1;
}

static int affected_one(PGresult *r)
{
	int ok = r && strcmp(PQcmdTuples(r), "1") == 0;

	if (r)
		PQclear(r);
	return ok ? 0 : -1;
}

int queue_extend(struct db *db, int64_t job_id, const char *worker_id, int lease_sec)
{
	char id[24], lease[16];

	snprintf(id, sizeof(id), "%lld", (long long)job_id);
	snprintf(lease, sizeof(lease), "%d", lease_sec);
	return affected_one(db_run(db, &q_extend, 3, (const char *[]){ id, worker_id, lease }));
}

int queue_event(struct db *db, int64_t job_id, const char *kind, const char *message)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)job_id);
	return db_exec(db, &q_event, 3, (const char *[]){ id, kind, message ? message : "" });
}

double queue_next_due(struct db *db)
{
	PGresult *r = db_run(db, &q_next_due, 0, NULL);
	double secs = -1;

	if (!r)
		return -1;
	if (db_val(r, 0, 0))
		secs = strtod(db_val(r, 0, 0), NULL);
	PQclear(r);
	return secs;
}

int queue_notify(struct db *db)
{
	return db_simple(db, "NOTIFY " QUEUE_CHANNEL);
}
