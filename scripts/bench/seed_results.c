/* seed_results — make bench's results library (scripts/bench/results.sh):
 * N posted clips of one user, each a published job with its TikTok post id
 * made by lib/jobs.c (jobs_fixture, the jobs module's own writer: the
 * trigger of sql/042 gives each its clip_results row) and R readings of
 * its counts over its first 30 days (lib/results.c). Videos spread over
 * 40 expressions, 12 shows, 3 target languages, one account.
 *
 *   seed_results USER_NAME N R        (LF_DB_URL from the environment)
 *   seed_results USER_NAME reading    one more reading of the user's first
 *                                     clip, a view more (its roll-ups go
 *                                     stale: the next /results recomputes) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jobs.h"
#include "results.h"

static const struct db_stmt q_user = { "seed_user", "SELECT id FROM users WHERE name = $1" };
static const struct db_stmt q_account = { "seed_account",
	"INSERT INTO tiktok_accounts (user_id, open_id, display_name, username, scopes, status)"
	" VALUES ($1, 'bench-open-id', 'Bench account', 'bench.account',"
	"         'user.info.basic,video.publish,video.upload,video.list', 'disconnected')"
	" ON CONFLICT (user_id, platform, open_id) DO UPDATE SET status = 'disconnected' RETURNING id" };
static const struct db_stmt q_videos = { "seed_videos",
	"INSERT INTO videos (path, size_bytes, mtime, ready, title, expression, show_name, learn_language)"
	" SELECT 'bench-results/' || g || '.mp4', 1000, 0, true, 'Results clip ' || g,"
	"        'expression ' || (g % 40), 'Show ' || (g % 12), (ARRAY['es', 'ko', 'ja'])[g % 3 + 1]"
	" FROM generate_series(1, $1::int) g ON CONFLICT (path) DO NOTHING" };
static const struct db_stmt q_first_clip = { "seed_first_clip",
	"SELECT c.job_id, coalesce(c.views, 0) AS views FROM clip_results c JOIN upload_jobs j ON j.id = c.job_id"
	" WHERE c.user_id = $1 AND j.submission_id LIKE 'bench-results-%' ORDER BY c.job_id LIMIT 1" };
static const struct db_stmt q_video_ids = { "seed_video_ids",
	"SELECT id FROM videos WHERE path LIKE 'bench-results/%' ORDER BY id LIMIT $1" };

int main(int argc, char **argv)
{
	struct db db;
	const char *url = getenv("LF_DB_URL");
	int64_t user, account;
	int n, readings;
	PGresult *r;

	if ((argc != 4 && !(argc == 3 && !strcmp(argv[2], "reading"))) || !url) {
		fprintf(stderr, "usage: LF_DB_URL=... seed_results USER N READINGS | USER reading\n");
		return 2;
	}
	db_init(&db, url);
	if (db_ensure(&db) < 0 || !(r = db_query(&db, &q_user, DB_PARAMS(DB_TEXT(argv[1])))) ||
	    PQntuples(r) != 1) {
		fprintf(stderr, "seed_results: no user %s (%s)\n", argv[1], db.err);
		return 1;
	}
	user = db_get_int(r, 0, "id");
	PQclear(r);
	if (argc == 3) {
		int64_t job, views;
		if (!(r = db_query(&db, &q_first_clip, DB_PARAMS(DB_INT(user)))) || PQntuples(r) != 1) {
			fprintf(stderr, "seed_results: no clip of %s (%s)\n", argv[1], db.err);
			return 1;
		}
		job = db_get_int(r, 0, "job_id");
		views = db_get_int(r, 0, "views") + 1;
		PQclear(r);
		if (results_record(&db, job, views, views / 20, views / 400, views / 800, 86400.0, 86400.0) < 0) {
			fprintf(stderr, "seed_results: %s\n", db.err);
			return 1;
		}
		db_close(&db);
		return 0;
	}
	n = atoi(argv[2]);
	readings = atoi(argv[3]);
	/* disconnected: the stack's worker leaves its clips alone */
	if (!(r = db_query(&db, &q_account, DB_PARAMS(DB_INT(user)))))
		return 1;
	account = db_get_int(r, 0, "id");
	PQclear(r);
	if (jobs_fixture_forget(&db, "bench-results-") < 0 ||
	    db_command(&db, &q_videos, DB_PARAMS(DB_INT(n))) < 0 ||
	    !(r = db_query(&db, &q_video_ids, DB_PARAMS(DB_INT(n)))))
		return 1;
	for (int i = 0; i < PQntuples(r); i++) {
		char sub[48], post[24], pub[48];
		int64_t job;

		snprintf(sub, sizeof(sub), "bench-results-%d", i);
		snprintf(post, sizeof(post), "73%017d", i);
		snprintf(pub, sizeof(pub), "v_pub_bench~%d", i);
		if (jobs_fixture(&db, &(struct job_fixture){
			.user_id = user, .video_id = db_get_int(r, i, "id"), .account_id = account,
			.submission_id = sub, .state = "published", .privacy_level = "PUBLIC_TO_EVERYONE",
			.publish_id = pub, .post_id = post, .tiktok_status = "PUBLISH_COMPLETE",
			.creator_username = "bench.account", .finished_ago_sec = 1 + i % 86400,
			.bytes_total = 1000, .bytes_sent = 1000 }, &job) < 0 ||
		    results_seed_readings(&db, job, readings, 86400.0, 1000 + (int64_t)(i * 7919) % 500000) < 0) {
			fprintf(stderr, "seed_results: %s\n", db.err);
			return 1;
		}
	}
	PQclear(r);
	db_simple(&db, "VACUUM ANALYZE clip_results");
	db_simple(&db, "VACUUM ANALYZE clip_readings");
	db_close(&db);
	return 0;
}
