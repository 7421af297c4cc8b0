/* langflix accounts — the connected TikTok accounts: who owns them, their
 * status (connected, needs_reconnect, disconnected) and why, the granted
 * scopes, when the tokens expire, and their jobs by state. No token is
 * ever printed (they are sealed in the database anyway). */
#include "commands.h"
#include "arena.h"
#include "db.h"

#include <stdio.h>

static struct db_stmt q_accounts = { "cli_accounts",
	"SELECT a.id, u.name, coalesce(nullif(a.display_name, ''), '-'),"
	"       coalesce(nullif(a.username, ''), '-'), a.open_id, a.status,"
	"       coalesce(a.status_reason, ''), a.scopes,"
	"       coalesce(to_char(a.access_expires_at, 'YYYY-MM-DD HH24:MI'), '-'),"
	"       coalesce(to_char(a.refresh_expires_at, 'YYYY-MM-DD'), '-'),"
	"       (SELECT count(*) FROM upload_jobs j WHERE j.account_id = a.id"
	"          AND j.state IN ('queued', 'uploading', 'processing')),"
	"       (SELECT count(*) FROM upload_jobs j WHERE j.account_id = a.id AND j.state = 'published'),"
	"       (SELECT count(*) FROM upload_jobs j WHERE j.account_id = a.id AND j.state = 'failed') "
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
	r = db_run(&db, &q_accounts, 0, NULL);
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
#define COL(n) cli_text(&a, PQgetvalue(r, i, (n)))
		snprintf(jobs, sizeof(jobs), "%s/%s/%s", COL(10), COL(11), COL(12));
		printf("%-5s %-16s %-15s %-20s %-16s %-16s %-16s %s\n", COL(0), COL(1), COL(5), COL(2),
		       COL(8), COL(9), jobs, COL(7));
		printf("      open_id %s, @%s", COL(4), COL(3));
		if (*PQgetvalue(r, i, 6))
			printf(" — %s", COL(6));
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
