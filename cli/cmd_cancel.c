/* langflix cancel ID — cancel a queued job that no worker holds, as the
 * job page's Cancel button does (lib/jobs.h, jobs_cancel). A job already
 * uploading is not cancelled: bytes are on their way to TikTok and the
 * outcome must be followed to the end (one click, one honest final state). */
#include "commands.h"
#include "db.h"
#include "jobs.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>

int cmd_cancel(struct config *cfg, int argc, char **argv)
{
	const char *why = NULL;
	struct db db;
	int64_t id;
	int rc;

	if (argc != 2 || parse_int64(argv[1], 1, INT64_MAX, &id) < 0) {
		fprintf(stderr, "usage: langflix cancel JOB_ID\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	rc = jobs_cancel(&db, id, 0, "an operator", &why);
	if (rc == 0)
		printf("job %lld cancelled\n", (long long)id);
	else if (rc == JOBS_NOT_FOUND)
		fprintf(stderr, "langflix: there is no job %lld\n", (long long)id);
	else if (rc == JOBS_REFUSED)
		fprintf(stderr, "langflix: job %lld cannot be cancelled: %c%s\n", (long long)id,
			tolower((unsigned char)why[0]), why + 1);
	else
		fprintf(stderr, "langflix: database: %s\n", db.err);
	db_close(&db);
	return rc == 0 ? 0 : 1;
}
