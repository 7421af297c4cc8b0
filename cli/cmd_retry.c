/* langflix retry ID — queue a failed job again, as the job page's Retry
 * button does: a NEW job with the same settings and retry_of = ID, so the
 * failed one keeps its history. The rule (and its refusals, in words) is
 * the page's too: lib/jobs.h, jobs_repost. */
#include "commands.h"
#include "db.h"
#include "jobs.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>

int cmd_retry(struct config *cfg, int argc, char **argv)
{
	const char *why = NULL;
	int64_t id, new_id = 0;
	struct db db;
	int rc;

	if (argc != 2 || parse_int64(argv[1], 1, INT64_MAX, &id) < 0) {
		fprintf(stderr, "usage: langflix retry JOB_ID\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	rc = jobs_repost(&db, id, 0, "an operator", &new_id, &why);
	if (rc == 0)
		printf("job %lld queued again as job %lld\n", (long long)id, (long long)new_id);
	else if (rc == JOBS_NOT_FOUND)
		fprintf(stderr, "langflix: there is no job %lld\n", (long long)id);
	else if (rc == JOBS_REFUSED && new_id)
		fprintf(stderr, "langflix: job %lld cannot be retried: %c%s (as job %lld)\n", (long long)id,
			tolower((unsigned char)why[0]), why + 1, (long long)new_id);
	else if (rc == JOBS_REFUSED)
		fprintf(stderr, "langflix: job %lld cannot be retried: %c%s\n", (long long)id,
			tolower((unsigned char)why[0]), why + 1);
	else
		fprintf(stderr, "langflix: database: %s\n", db.err);
	db_close(&db);
	return rc == 0 ? 0 : 1;
}
