/* langflix cancel ID — cancel a queued job that no worker holds, as the
 * job page's Cancel button does (lib/jobs.h, jobs_cancel). A job already
 * uploading is not cancelled: bytes are on their way to TikTok and the
 * outcome must be followed to the end (one click, one honest final state). */
#include "commands.h"
#include "db.h"
#include "jobs.h"

#include <stdio.h>

int cmd_cancel(struct config *cfg, int argc, char **argv)
{
	const char *why = NULL;
	struct db db;
	int64_t id;
	int rc;

	if (cli_job_arg(argc, argv, &id) < 0)
		return 2;
	db_init(&db, cfg->database_url);
	rc = jobs_cancel(&db, id, 0, "an operator", &why);
	if (rc == 0)
		printf("job %lld cancelled\n", (long long)id);
	else
		cli_job_failed(&db, rc, id, "cancelled", why, 0);
	db_close(&db);
	return rc == 0 ? 0 : 1;
}
