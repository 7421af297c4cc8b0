/* bench_job.c — one job for the dashboard benchmark's job page
 * (scripts/bench/dashboard.sh), made through lib/jobs.c like every other
 * job: the row by the fixture writer (state processing, every byte at
 * TikTok, held by a worker of no host for an hour, as a job a worker is
 * following is: the stack's own worker leaves it alone, so the pages
 * measured are those of the job the progress bar polls, not of a job the
 * worker failed meanwhile) and its timeline by jobs_event. lib/jobs.c stays the only code
 * that writes upload_jobs and job_events.
 *
 *   bench_job USER_ID VIDEO_ID   (database: LF_DB_URL)   prints the job id
 *
 * Built by `make bench` as build/bench/bench_job. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "jobs.h"
#include "util.h"

int main(int argc, char **argv)
{
	static const char *const timeline[][2] = {
		{ "queued", "Queued by bench" },
		{ "init", "Upload initialised" },
		{ "chunk", "Chunk 1 of 1 accepted" },
		{ "processing", "TikTok is processing the video" },
	};
	const char *url = getenv("LF_DB_URL");
	int64_t user_id, video_id, id = 0;
	char sub[48];
	struct db db;
	int rc = 1;

	if (argc != 3 || !url || parse_int64(argv[1], 1, INT64_MAX, &user_id) < 0 ||
	    parse_int64(argv[2], 1, INT64_MAX, &video_id) < 0) {
		fprintf(stderr, "usage: LF_DB_URL=... bench_job USER_ID VIDEO_ID\n");
		return 2;
	}
	snprintf(sub, sizeof(sub), "bench-job-%ld-%ld", (long)getpid(), (long)time(NULL));
	db_init(&db, url);
	if (jobs_fixture(&db, &(struct job_fixture){
			.user_id = user_id, .video_id = video_id, .submission_id = sub,
			.state = "processing", .title = "How Harvey breaks the ice #Suits",
			.privacy_level = "SELF_ONLY", .publish_id = "v_pub_bench",
			.tiktok_status = "PROCESSING_UPLOAD", .bytes_sent = 8000000,
			.bytes_total = 8000000, .locked_by = "bench-host:1:0",
			.lock_sec = 3600 }, &id) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(timeline) / sizeof(timeline[0]); i++)
		if (jobs_event(&db, id, timeline[i][0], timeline[i][1]) < 0)
			goto out;
	printf("%lld\n", (long long)id);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_job: %s\n", db.err);
	db_close(&db);
	return rc;
}
