/* langflix cancel ID — cancel a queued job that no worker holds, as the
 * job page's Cancel button does. A job already uploading is not
 * cancelled: bytes are on their way to TikTok and the outcome must be
 * followed to the end (one click, one honest final state). */
#include "commands.h"
#include "db.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_cancel = { "cli_cancel",
	"WITH c AS ("
	" UPDATE upload_jobs SET state = 'cancelled', finished_at = now(), updated_at = now()"
	"  WHERE id = $1 AND state = 'queued' AND (locked_until IS NULL OR locked_until < now())"
	"  RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message)"
	" SELECT id, 'cancelled', 'Cancelled by an operator before anything was sent.' FROM c "
	"RETURNING job_id" };
static struct db_stmt q_state = { "cli_cancel_state",
	"SELECT state, coalesce(locked_until > now(), false) FROM upload_jobs WHERE id = $1" };

int cmd_cancel(struct config *cfg, int argc, char **argv)
{
	struct db db;
	PGresult *r;
	int64_t id;
	int rc = 1;

	if (argc != 2 || parse_int64(argv[1], 1, INT64_MAX, &id) < 0) {
		fprintf(stderr, "usage: langflix cancel JOB_ID\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	r = db_run(&db, &q_cancel, 1, (const char *[]){ argv[1] });
	if (!r) {
		fprintf(stderr, "langflix: database: %s\n", db.err);
		goto out;
	}
	if (PQntuples(r) == 1) {
		printf("job %s cancelled\n", argv[1]);
		rc = 0;
		PQclear(r);
		goto out;
	}
	PQclear(r);
	r = db_run(&db, &q_state, 1, (const char *[]){ argv[1] });
	if (!r)
		fprintf(stderr, "langflix: database: %s\n", db.err);
	else if (PQntuples(r) == 0)
		fprintf(stderr, "langflix: there is no job %s\n", argv[1]);
	else if (!strcmp(PQgetvalue(r, 0, 0), "queued"))
		fprintf(stderr, "langflix: job %s cannot be cancelled: a worker is working on it right now\n",
			argv[1]);
	else
		fprintf(stderr, "langflix: job %s cannot be cancelled: it is %s (only queued jobs can be)\n",
			argv[1], PQgetvalue(r, 0, 0));
	if (r)
		PQclear(r);
out:
	db_close(&db);
	return rc;
}
