/* langflix prune --days N [--dry-run] — keep the tables small: delete what
 * is older than N days and no longer needed, in one transaction:
 *
 *   finished jobs (published, inboxed, failed, cancelled; by finished_at)
 *                 and their events (ON DELETE CASCADE): lib/jobs.h, jobs_prune
 *   webhook events (by received_at; at least 3 days are always kept, since
 *                 TikTok retries a delivery for up to 72 hours and the
 *                 stored body hash is what recognises the retry)
 *   sessions and OAuth states that expired more than N days ago
 *   failed-login records, and TikTok call records (rate-limit counts; at
 *                 least 2 days are kept, the longest window is one day)
 *
 * Jobs still running are never touched. --dry-run counts and changes
 * nothing. Run it daily from a timer (contrib/langflix-prune.timer). */
#include "commands.h"
#include "db.h"
#include "jobs.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_webhooks = { "prune_webhooks",
	"WITH d AS (DELETE FROM webhook_events"
	"  WHERE received_at < now() - make_interval(days => greatest($1::int, 3)) RETURNING 1) "
	"SELECT count(*) FROM d" };
static struct db_stmt q_sessions = { "prune_sessions",
	"WITH d AS (DELETE FROM sessions"
	"  WHERE expires_at < now() - make_interval(days => $1::int) RETURNING 1) "
	"SELECT count(*) FROM d" };
static struct db_stmt q_states = { "prune_oauth_states",
	"WITH d AS (DELETE FROM oauth_states"
	"  WHERE expires_at < now() - make_interval(days => $1::int) RETURNING 1) "
	"SELECT count(*) FROM d" };
static struct db_stmt q_logins = { "prune_login_failures",
	"WITH d AS (DELETE FROM login_failures"
	"  WHERE at < now() - make_interval(days => $1::int) RETURNING 1) "
	"SELECT count(*) FROM d" };
static struct db_stmt q_calls = { "prune_tiktok_calls",
	"WITH d AS (DELETE FROM tiktok_calls"
	"  WHERE at < now() - make_interval(days => greatest($1::int, 2)) RETURNING 1) "
	"SELECT count(*) FROM d" };

static int count_of(struct db *db, const struct db_stmt *st, int64_t days, long long *n)
{
	PGresult *r = db_query(db, st, DB_PARAMS(DB_INT(days)));

	if (!r)
		return -1;
	*n = db_get_int(r, 0, "count");
	PQclear(r);
	return 0;
}

int cmd_prune(struct config *cfg, int argc, char **argv)
{
	long long jobs = 0, events = 0, hooks = 0, sessions = 0, states = 0, logins = 0, calls = 0;
	const char *days = NULL;
	int dry = 0, rc = 1;
	int64_t d;
	struct db db;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--days") && i + 1 < argc)
			days = argv[++i];
		else if (!strcmp(argv[i], "--dry-run"))
			dry = 1;
		else
			days = NULL, i = argc;
	}
	if (!days || parse_int64(days, 1, 100000, &d) < 0) {
		fprintf(stderr, "usage: langflix prune --days N [--dry-run]   (N >= 1)\n");
		return 2;
	}
	db_init(&db, cfg->database_url);
	if (db_begin(&db) < 0)
		goto fail;
	if (jobs_prune(&db, (int)d, &jobs, &events) < 0 ||
	    count_of(&db, &q_webhooks, d, &hooks) < 0 ||
	    count_of(&db, &q_sessions, d, &sessions) < 0 ||
	    count_of(&db, &q_states, d, &states) < 0 ||
	    count_of(&db, &q_logins, d, &logins) < 0 ||
	    count_of(&db, &q_calls, d, &calls) < 0) {
		db_rollback(&db);
		goto fail;
	}
	if ((dry ? db_rollback(&db) : db_commit(&db)) < 0)
		goto fail;
	printf("%s older than %s days: %lld finished jobs (%lld job events), %lld webhook events, "
	       "%lld sessions, %lld OAuth states, %lld failed logins, %lld TikTok call records\n",
	       dry ? "would prune" : "pruned", days, jobs, events, hooks, sessions, states, logins, calls);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "langflix: prune failed, nothing was deleted: %s\n", db.err);
out:
	db_close(&db);
	return rc;
}
