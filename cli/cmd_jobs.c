/* langflix jobs — the upload queue, newest first. */
#include "commands.h"
#include "db.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_jobs = { "jobs_list",
	"SELECT j.id, j.state, j.mode, v.path, coalesce(a.display_name, '-'), j.attempts,"
	"       j.bytes_sent, j.bytes_total, coalesce(j.tiktok_status, '-'),"
	"       to_char(j.created_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(j.fail_reason, '') "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE ($1 = '' OR j.state = $1) ORDER BY j.id DESC LIMIT 200" };

int cmd_jobs(struct config *cfg, int argc, char **argv)
{
	const char *state = "";
	struct db db;
	PGresult *r;
	int rc = 1;

	if (argc == 3 && !strcmp(argv[1], "--state"))
		state = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: langflix jobs [--state STATE]\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	r = db_run(&db, &q_jobs, 1, (const char *[]){ state });
	if (!r) {
		fprintf(stderr, "langflix: cannot read the queue: %s\n", db.err);
		goto out;
	}
	printf("%-6s %-10s %-6s %-9s %-19s %-20s %s\n", "ID", "STATE", "MODE", "ATTEMPTS", "CREATED",
	       "ACCOUNT", "VIDEO");
	for (int i = 0; i < PQntuples(r); i++) {
		printf("%-6s %-10s %-6s %-9s %-19s %-20s %s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 2), PQgetvalue(r, i, 5), PQgetvalue(r, i, 9), PQgetvalue(r, i, 4),
		       PQgetvalue(r, i, 3));
		if (*PQgetvalue(r, i, 10))
			printf("  (%s)", PQgetvalue(r, i, 10));
		putchar('\n');
	}
	if (PQntuples(r) == 0)
		printf("(the queue is empty)\n");
	PQclear(r);
	rc = 0;
out:
	db_close(&db);
	return rc;
}
