/* langflix accounts — the connected TikTok accounts: who owns them, their
 * status (connected, needs_reconnect, disconnected) and why, the granted
 * scopes, when the tokens expire, and their jobs by state. No token is
 * ever printed (they are sealed in the database anyway). */
#include "commands.h"
#include "arena.h"
#include "db.h"
#include "jobs.h"

#include <stdio.h>

static struct db_stmt q_accounts = { "cli_accounts",
	"SELECT a.id, u.name AS user_name, coalesce(nullif(a.display_name, ''), '-') AS display_name,"
	"       coalesce(nullif(a.username, ''), '-') AS username, a.open_id, a.status,"
	"       a.status_reason, a.scopes,"
	"       coalesce(to_char(a.access_expires_at, 'YYYY-MM-DD HH24:MI'), '-') AS access_until,"
	"       coalesce(to_char(a.refresh_expires_at, 'YYYY-MM-DD'), '-') AS refresh_until,"
	"       (SELECT count(*) FROM upload_jobs j WHERE j.account_id = a.id"
	"          AND j.state IN " JOBS_ACTIVE_SQL ") AS active,"
	"       (SELECT count(*) FROM upload_jobs j WHERE j.account_id = a.id"
	"          AND j.state = 'published') AS published,"
	"       (SELECT count(*) FROM upload_jobs j WHERE j.account_id = a.id"
	"          AND j.state = 'failed') AS failed "
	"FROM tiktok_accounts a JOIN users u ON u.id = a.user_id ORDER BY a.id" };

int cmd_accounts(struct config *cfg, int argc, char **argv)
{
	struct db db;
	PGresult *r;
	int rc = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: langflix accounts\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	r = db_query(&db, &q_accounts, 0, NULL);
	if (!r) {
		fprintf(stderr, "langflix: cannot read the accounts: %s\n", db.err);
		goto out;
	}
	printf("%-5s %-16s %-15s %-20s %-16s %-16s %-10s %s\n", "ID", "USER", "STATUS", "NAME",
	       "ACCESS UNTIL", "REFRESH UNTIL", "ACTIVE/OK/FAILED", "SCOPES");
	for (int i = 0; i < PQntuples(r); i++) {
		struct arena a;
		char jobs[48];

		/* names and reasons come from TikTok: never raw to the terminal */
		arena_init(&a);
#define COL(name) cli_text(&a, db_get_text(r, i, (name)))
		snprintf(jobs, sizeof(jobs), "%s/%s/%s", COL("active"), COL("published"), COL("failed"));
		printf("%-5s %-16s %-15s %-20s %-16s %-16s %-16s %s\n", COL("id"), COL("user_name"),
		       COL("status"), COL("display_name"), COL("access_until"), COL("refresh_until"), jobs,
		       COL("scopes"));
		printf("      open_id %s, @%s", COL("open_id"), COL("username"));
		if (*db_get_text(r, i, "status_reason"))
			printf(" — %s", COL("status_reason"));
#undef COL
		putchar('\n');
		arena_free(&a);
	}
	if (PQntuples(r) == 0)
		printf("(no TikTok accounts)\n");
	PQclear(r);
	rc = 0;
out:
	db_close(&db);
	return rc;
}
