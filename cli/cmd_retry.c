/* langflix retry ID — queue a failed job again, as the job page's Retry
 * button does: a NEW job with the same settings and retry_of = ID, so the
 * failed one keeps its history. The rule (and its refusals, in words) is
 * the page's too: lib/jobs.h, jobs_repost. */
#include "commands.h"
#include "db.h"
#include "jobs.h"

#include <stdio.h>

int cmd_retry(struct config *cfg, int argc, char **argv)
{
	const char *why = NULL;
	int64_t id, new_id = 0;
	struct db db;
	int rc;

	if (cli_job_arg(argc, argv, &id) < 0)
		return 2;
	db_init(&db, cfg->database_url);
	rc = jobs_repost(&db, id, 0, "an operator", &new_id, &why);
	if (rc == 0)
		printf("job %lld queued again as job %lld\n", (long long)id, (long long)new_id);
	else
		cli_job_failed(&db, rc, id, "retried", why, rc == JOBS_REFUSED ? new_id : 0);
	db_close(&db);
	return rc == 0 ? 0 : 1;
}
