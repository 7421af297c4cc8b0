#include "queue.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next due job whose lease is free, in one statement: leased to $1
 * for $2 seconds, one more attempt counted. A job whose attempts are used
 * up is never handed out again: a claim that never ended (the worker
 * crashed or hung on it) counts as an attempt, so a job that kills every
 * worker that touches it ends here, as failed with the reason ($3, or $4
 * when TikTok may hold the upload), and its timeline entry. The first
 * column tells which of the two happened. */
static struct db_stmt q_claim = { "queue_claim",
	"WITH next AS ("
	" SELECT id, attempts >= max_attempts AS spent FROM upload_jobs"
	"  WHERE state IN ('queued', 'uploading', 'processing') AND run_at <= now()"
	"    AND (locked_until IS NULL OR locked_until < now())"
	"  ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
	"spent AS ("
	" UPDATE upload_jobs j SET state = 'failed', locked_by = NULL, locked_until = NULL,"
	"        fail_reason = format(CASE WHEN j.publish_id IS NULL THEN $3 ELSE $4 END, j.attempts),"
	"        finished_at = now(), updated_at = now()"
	"  FROM next WHERE j.id = next.id AND next.spent RETURNING j.id, j.fail_reason), "
	"spent_event AS ("
	" INSERT INTO job_events (job_id, kind, message) SELECT id, 'failed', fail_reason FROM spent), "
	"claimed AS ("
	" UPDATE upload_jobs j SET locked_by = $1,"
	"        locked_until = now() + make_interval(secs => $2::int),"
	"        attempts = j.attempts + 1, updated_at = now()"
	"  FROM next WHERE j.id = next.id AND NOT next.spent"
	"  RETURNING j.id, j.video_id, coalesce(j.account_id, 0) AS account_id, j.state, j.mode,"
	"            j.attempts, j.max_attempts, coalesce(j.publish_id, '') AS publish_id,"
	"            j.bytes_sent, j.bytes_total) "
	"SELECT false, id, video_id, account_id, state, mode, attempts, max_attempts, publish_id,"
	"       bytes_sent, bytes_total FROM claimed "
	"UNION ALL "
	"SELECT true, id, 0, 0, '', '', 0, 0, '', 0, 0 FROM spent" };
/* The reasons of a job whose attempts ran out while no try ever ended
 * (%s = the attempts). */
#define SPENT_REASON \
	"LangFlix tried %s times and gave up: every try stopped before it ended (the worker " \
	"stopped or crashed while working on it)."
#define SPENT_NOTHING_SENT SPENT_REASON " Nothing was posted. Post the video again later."
#define SPENT_MAYBE_SENT SPENT_REASON " TikTok may still have the video: check the TikTok app " \
	"before you post it again."
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

/* One claim statement: 1 claimed (*out), 2 a spent job was ended instead,
 * 0 nothing due, -1 error. */
static int claim_once(struct db *db, const char *worker_id, const char *lease, struct job *out)
{
	PGresult *r = db_run(db, &q_claim, 4,
			     (const char *[]){ worker_id, lease, SPENT_NOTHING_SENT, SPENT_MAYBE_SENT });

	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	if (!strcmp(db_val(r, 0, 0), "t")) {
		log_warn("event=job_attempts_spent job=%lld", db_ll(r, 0, 1));
		PQclear(r);
		return 2;
	}
	memset(out, 0, sizeof(*out));
	out->id = db_ll(r, 0, 1);
	out->video_id = db_ll(r, 0, 2);
	out->account_id = db_ll(r, 0, 3);
	copy(out->state, sizeof(out->state), db_val(r, 0, 4));
	copy(out->mode, sizeof(out->mode), db_val(r, 0, 5));
	out->attempts = (int)db_ll(r, 0, 6);
	out->max_attempts = (int)db_ll(r, 0, 7);
	copy(out->publish_id, sizeof(out->publish_id), db_val(r, 0, 8));
	out->bytes_sent = db_ll(r, 0, 9);
	out->bytes_total = db_ll(r, 0, 10);
	PQclear(r);
	return 1;
}

int queue_claim(struct db *db, const char *worker_id, int lease_sec, struct job *out)
{
	char lease[16];
	int rc;

	snprintf(lease, sizeof(lease), "%d", lease_sec);
	/* each spent job found is ended, so this ends when one is claimed or none is due */
	while ((rc = claim_once(db, worker_id, lease, out)) == 2)
		;
	return rc;
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
