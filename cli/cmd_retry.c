/* langflix retry ID — queue a failed job again, as the job page's Retry
 * button does (cgi-bin/page_jobs.c): a NEW job with the same settings and
 * retry_of = ID, so the failed one keeps its history. Refused — with the
 * reason — unless the job failed, was not retried before, TikTok never
 * received the whole file (no chance of a second post), the account is
 * still connected and the video file is still there. */
#include "commands.h"
#include "crypto.h"
#include "db.h"
#include "queue.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_check = { "cli_retry_check",
	"SELECT j.state, (SELECT r.id FROM upload_jobs r WHERE r.retry_of = j.id),"
	"       coalesce(j.tiktok_status, '') <> ''"
	"         OR (j.publish_id IS NOT NULL AND j.bytes_total > 0 AND j.bytes_sent >= j.bytes_total),"
	"       coalesce(a.status, 'removed'), v.missing "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id WHERE j.id = $1" };
static struct db_stmt q_retry = { "cli_retry",
	"INSERT INTO upload_jobs (submission_id, user_id, video_id, account_id, mode, title,"
	"    privacy_level, disable_comment, disable_duet, disable_stitch, brand_organic,"
	"    brand_content, is_aigc, cover_timestamp_ms, bytes_total, state, run_at, retry_of) "
	"SELECT $2, user_id, video_id, account_id, mode, title, privacy_level, disable_comment,"
	"       disable_duet, disable_stitch, brand_organic, brand_content, is_aigc,"
	"       cover_timestamp_ms, bytes_total, 'queued', now(), id "
	"FROM upload_jobs WHERE id = $1 AND state = 'failed' RETURNING id" };
static struct db_stmt q_event = { "cli_retry_event",
	"INSERT INTO job_events (job_id, kind, message) VALUES ($1, $2, $3)" };

/* Why the job cannot be retried, or NULL when it can. */
static const char *refusal(PGresult *r)
{
	if (strcmp(PQgetvalue(r, 0, 0), "failed") != 0)
		return "only a failed job can be retried";
	if (!PQgetisnull(r, 0, 1))
		return "it was already retried";
	if (!strcmp(PQgetvalue(r, 0, 2), "t"))
		return "TikTok already received the whole video for it, so a retry could post it twice "
		       "(post it again from the composer if you are sure it is not on TikTok)";
	if (strcmp(PQgetvalue(r, 0, 3), "connected") != 0)
		return "its TikTok account is not connected";
	if (!strcmp(PQgetvalue(r, 0, 4), "t"))
		return "the video file is missing";
	return NULL;
}

int cmd_retry(struct config *cfg, int argc, char **argv)
{
	char sid[33], nid[24], msg[160];
	const char *why;
	struct db db;
	PGresult *r;
	int64_t id;
	int rc = 1;

	if (argc != 2 || parse_int64(argv[1], 1, INT64_MAX, &id) < 0) {
		fprintf(stderr, "usage: langflix retry JOB_ID\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	r = db_run(&db, &q_check, 1, (const char *[]){ argv[1] });
	if (!r)
		goto dberr;
	if (PQntuples(r) == 0) {
		fprintf(stderr, "langflix: there is no job %s\n", argv[1]);
		PQclear(r);
		goto out;
	}
	why = refusal(r);
	if (why) {
		if (!PQgetisnull(r, 0, 1))
			fprintf(stderr, "langflix: job %s cannot be retried: %s (as job %s)\n", argv[1], why,
				PQgetvalue(r, 0, 1));
		else
			fprintf(stderr, "langflix: job %s cannot be retried: %s\n", argv[1], why);
		PQclear(r);
		goto out;
	}
	PQclear(r);
	if (crypto_random_hex(sid, 16) < 0 || db_simple(&db, "BEGIN") < 0)
		goto dberr;
	r = db_run(&db, &q_retry, 2, (const char *[]){ argv[1], sid });
	if (!r || PQntuples(r) != 1) {
		/* 23505: someone retried it at the same moment */
		fprintf(stderr, "langflix: job %s was not retried: %s\n", argv[1],
			!strcmp(db_sqlstate(&db), "23505") ? "it was retried meanwhile" : db.err);
		if (r)
			PQclear(r);
		db_simple(&db, "ROLLBACK");
		goto out;
	}
	snprintf(nid, sizeof(nid), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	snprintf(msg, sizeof(msg), "Queued again by an operator: a retry of job %s with the same "
		 "settings.", argv[1]);
	if (db_exec(&db, &q_event, 3, (const char *[]){ nid, "queued", msg }) < 0)
		goto rollback;
	snprintf(msg, sizeof(msg), "Retried as job %s (by an operator).", nid);
	if (db_exec(&db, &q_event, 3, (const char *[]){ argv[1], "retry", msg }) < 0 ||
	    db_simple(&db, "COMMIT") < 0)
		goto rollback;
	queue_notify(&db);
	printf("job %s queued again as job %s\n", argv[1], nid);
	rc = 0;
	goto out;
rollback:
	db_simple(&db, "ROLLBACK");
dberr:
	fprintf(stderr, "langflix: database: %s\n", db.err);
out:
	db_close(&db);
	return rc;
}
