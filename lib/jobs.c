/* jobs.c — the upload job: the only writer of upload_jobs and job_events.
 * See jobs.h. Every statement that changes a job is declared here, beside
 * the rule it carries; each state change writes its timeline entry in the
 * same statement, so the entry exists exactly when the row moved. */
#include "jobs.h"

#include "accounts.h"
#include "crypto.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jobs_state_active(const char *state)
{
	return state && (!strcmp(state, "queued") || !strcmp(state, "uploading") ||
			 !strcmp(state, "processing"));
}

/* 0 when the statement changed exactly one row, else -1 (lease lost or error). */
static int affected_one(PGresult *r)
{
	int ok = r && strcmp(PQcmdTuples(r), "1") == 0;

	if (r)
		PQclear(r);
	return ok ? 0 : -1;
}

/* ---- making jobs ---- */

/* The schedule window, in SQL, for the instant $N (NULL = now). */
#define IN_WINDOW(t) \
	"(" t "::timestamptz IS NULL OR (" t "::timestamptz >= now() AND " t "::timestamptz <= now() + " \
	"make_interval(days => " STR(JOBS_SCHEDULE_MAX_DAYS) ")))"
#define STR(x) STR_(x)
#define STR_(x) #x

/* The row comes from a SELECT so that a run_at outside the window (a
 * scheduled post) inserts nothing. */
/* The guard's key of a video row: its content hash, or the row itself
 * ('video:N') while the hash is not known yet. */
#define JOBS_CONTENT_KEY(v) "coalesce(" v ".content_sha256, 'video:' || " v ".id)"

#define ENQUEUE(cols, vals) \
	"WITH j AS (" \
	" INSERT INTO upload_jobs (submission_id, user_id, video_id, account_id, platform, mode, title," \
	"     privacy_level, disable_comment, disable_duet, disable_stitch, brand_organic," \
	"     brand_content, is_aigc, cover_timestamp_ms, bytes_total, state, run_at," \
	"     content_sha256, repost, source" cols ")" \
	" SELECT $1, $2, $3, $4, $5, $6, $7, nullif($8, ''), $9, $10, $11, $12, $13, $14," \
	"     $15::integer, $16, 'queued', coalesce($18::timestamptz, now())," \
	"     (SELECT " JOBS_CONTENT_KEY("v") " FROM videos v WHERE v.id = $3), $19, $20" vals \
	" WHERE " IN_WINDOW("$18") " RETURNING id), " \
	"e AS (INSERT INTO job_events (job_id, kind, message) SELECT id, 'queued', $17 FROM j) " \
	"SELECT id FROM j"
static struct db_stmt q_enqueue = { "jobs_enqueue", ENQUEUE("", "") };
/* the same, with a bound of attempts other than the table's default */
static struct db_stmt q_enqueue_attempts = { "jobs_enqueue_attempts",
	ENQUEUE(", max_attempts", ", $21::int") };
/* Why an instant is outside the window: "past", "far" or "". */
static struct db_stmt q_window = { "jobs_window",
	"SELECT CASE WHEN $1::timestamptz < now() THEN 'past' WHEN NOT " IN_WINDOW("$1")
	" THEN 'far' ELSE '' END AS why" };

const char *jobs_refusal_text(int rc)
{
	switch (rc) {
	case JOBS_PAST:
		return "That time has already passed. Choose a later time, or choose Post now.";
	case JOBS_TOO_FAR:
		return "That is too far ahead: a post can be scheduled at most "
		       STR(JOBS_SCHEDULE_MAX_DAYS) " days from now.";
	case JOBS_BAD_TIME:
		return "Enter a date and a time, for example 2026-12-24 18:30.";
	case JOBS_DUPLICATE:
		return "This video is already queued or posted to this TikTok account, so nothing new "
		       "was queued. To post it there a second time, tick \"Post it again\" and send the form again.";
	default:
		return NULL;
	}
}

/* JOBS_PAST or JOBS_TOO_FAR for an instant outside the window, 0 inside, -1. */
static int window_check(struct db *db, const char *run_at)
{
	PGresult *r;
	const char *why;
	int rc;

	if (!run_at)
		return 0;
	r = db_query(db, &q_window, DB_PARAMS(DB_TEXT(run_at)));
	if (!r)
		return -1;
	why = db_get_text(r, 0, "why");
	rc = !strcmp(why, "past") ? JOBS_PAST : !strcmp(why, "far") ? JOBS_TOO_FAR : 0;
	PQclear(r);
	return rc;
}

static struct db_stmt q_submission = { "jobs_submission_taken",
	"SELECT 1 FROM upload_jobs WHERE submission_id = $1" };
/* The guard's own condition (sql/032), for the job it points at. */
static struct db_stmt q_duplicate = { "jobs_find_duplicate",
	"SELECT j.id FROM upload_jobs j JOIN videos v ON j.content_sha256 = " JOBS_CONTENT_KEY("v") " "
	"WHERE v.id = $1 AND j.account_id = $2 AND NOT j.repost "
	"  AND j.state IN " JOBS_ACTIVE_OR_POSTED_SQL " "
	"ORDER BY j.id LIMIT 1" };

/* The video's hash became known (import, or lazily before a post): its
 * jobs keyed by the row ('video:N') take the content's key, so the guard
 * sees them from other rows of the same content too. A job that would
 * collide with a live one of the same content keeps the row key (it was
 * made before the content was known to be the same). */
static struct db_stmt q_rekey = { "jobs_content_known",
	"UPDATE upload_jobs j SET content_sha256 = $2 "
	"WHERE j.content_sha256 = 'video:' || $1::bigint"
	"  AND NOT EXISTS (SELECT 1 FROM upload_jobs o WHERE o.account_id = j.account_id"
	"                  AND o.content_sha256 = $2 AND NOT o.repost"
	"                  AND o.state IN " JOBS_ACTIVE_OR_POSTED_SQL ")" };

int jobs_content_known(struct db *db, int64_t video_id, const char *sha)
{
	long long n = db_command(db, &q_rekey, DB_PARAMS(DB_INT(video_id), DB_TEXT(sha)));

	return n < 0 ? -1 : (int)n;
}

static int submission_taken(struct db *db, const char *submission_id)
{
	PGresult *r = db_query(db, &q_submission, DB_PARAMS(DB_TEXT(submission_id)));
	int n = r ? PQntuples(r) : 0;

	PQclear(r);
	return n > 0;
}

int jobs_find_duplicate(struct db *db, int64_t video_id, int64_t account_id, int64_t *existing)
{
	PGresult *r = db_query(db, &q_duplicate, DB_PARAMS(DB_INT(video_id), DB_INT(account_id)));
	int n;

	*existing = 0;
	if (!r)
		return -1;
	n = PQntuples(r);
	if (n)
		*existing = db_get_int(r, 0, "id");
	PQclear(r);
	return n > 0;
}

int jobs_find_duplicates(struct db *db, const struct job_pair *pairs, size_t n, int64_t *existing)
{
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		int rc = jobs_find_duplicate(db, pairs[i].video_id, pairs[i].account_id, &existing[i]);
		if (rc < 0)
			return -1;
		found += rc;
	}
	return found;
}

/* A savepoint around one statement inside the caller's transaction, so a
 * refused row (a unique violation) does not abort the whole batch. */
static int savepoint(struct db *db, const char *what)
{
	if (!db_in_transaction(db))
		return 0;
	if (!strcmp(what, "begin"))
		return db_simple(db, "SAVEPOINT jobs_enqueue");
	if (!strcmp(what, "undo"))
		return db_simple(db, "ROLLBACK TO SAVEPOINT jobs_enqueue");
	return db_simple(db, "RELEASE SAVEPOINT jobs_enqueue");
}

int jobs_enqueue(struct db *db, const struct job_new *n, int64_t *job_id)
{
	const struct post_settings *p = &n->post;
	struct db_param cover = p->direct && p->cover_ms >= 0 ? DB_INT(p->cover_ms) : DB_NULL;
	int with_attempts = n->max_attempts > 0;
	PGresult *r;
	int rows;

	if (savepoint(db, "begin") < 0)
		return -1;
	r = db_query(db, with_attempts ? &q_enqueue_attempts : &q_enqueue,
		     with_attempts ? 21 : 20, (const struct db_param[]){
		DB_TEXT(n->submission_id), DB_INT(n->user_id), DB_INT(n->video_id), DB_INT(n->account_id),
		DB_TEXT(n->platform ? n->platform : "tiktok"), DB_TEXT(POST_MODE(p)),
		DB_TEXT(p->title ? p->title : ""),
		DB_TEXT(p->direct && p->privacy_level ? p->privacy_level : ""),
		DB_BOOL(p->disable_comment), DB_BOOL(p->disable_duet), DB_BOOL(p->disable_stitch),
		DB_BOOL(p->brand_organic), DB_BOOL(p->brand_content), DB_BOOL(p->is_aigc), cover,
		DB_INT(n->bytes_total), DB_TEXT(n->message ? n->message : ""), DB_TEXT(n->run_at),
		DB_BOOL(n->repost), DB_TEXT(n->source ? n->source : "FILE_UPLOAD"), DB_INT(n->max_attempts) });
	if (!r) {
		int unique = !strcmp(db_sqlstate(db), "23505");
		savepoint(db, "undo");
		if (!unique)
			return -1;
		/* the submission id (a double submit), or the duplicate guard (the
		 * same content live or posted on this account: another tab) */
		return submission_taken(db, n->submission_id) ? JOBS_TAKEN
		       : jobs_find_duplicate(db, n->video_id, n->account_id, job_id) == 1 ? JOBS_DUPLICATE
		       : -1;
	}
	rows = PQntuples(r);
	if (rows == 1)
		*job_id = db_get_int(r, 0, "id");
	PQclear(r);
	if (savepoint(db, "release") < 0)
		return -1;
	if (rows != 1) {
		/* nothing inserted: the run_at was outside the window */
		int rc = window_check(db, n->run_at);
		return rc > 0 ? rc : -1;
	}
	if (jobs_notify(db) < 0)   /* the workers poll too: late, not lost */
		log_warn("event=queue_notify_failed job_id=%lld", (long long)*job_id);
	return 0;
}

/* "2026-12-03T18:30", "2026-12-03 18:30" or with ":SS": the shape only;
 * PostgreSQL decides whether the date exists. */
static int local_time_shape(const char *s)
{
	static const char pat[] = "dddd-dd-ddXdd:dd";
	size_t n = s ? strlen(s) : 0;

	if (n != 16 && n != 19)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char want = i < 16 ? pat[i] : (i == 16 ? ':' : 'd');
		if (want == 'd' ? !isdigit((unsigned char)s[i])
				: want == 'X' ? (s[i] != 'T' && s[i] != ' ') : s[i] != want)
			return 0;
	}
	return 1;
}

static struct db_stmt q_instant = { "jobs_schedule_instant",
	"SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS instant,"
	"       lf_user_time(t, $2) AS shown,"
	"       CASE WHEN t < now() THEN 'past' WHEN NOT " IN_WINDOW("t") " THEN 'far' ELSE '' END AS why "
	"FROM (SELECT ($1::timestamp AT TIME ZONE $2) AS t) x" };

int jobs_schedule_instant(struct db *db, const char *local, const char *zone, char instant[40],
			  char shown[64])
{
	PGresult *r;
	const char *why;
	int rc;

	instant[0] = shown[0] = '\0';
	if (!local_time_shape(local) || !zone || !*zone)
		return JOBS_BAD_TIME;
	r = db_query(db, &q_instant, DB_PARAMS(DB_TEXT(local), DB_TEXT(zone)));
	if (!r)   /* 22008 and kin: the 31st of February */
		return !strncmp(db_sqlstate(db), "22", 2) ? JOBS_BAD_TIME : -1;
	str_copy(instant, 40, db_get(r, 0, "instant"));
	str_copy(shown, 64, db_get(r, 0, "shown"));
	why = db_get_text(r, 0, "why");
	rc = !strcmp(why, "past") ? JOBS_PAST : !strcmp(why, "far") ? JOBS_TOO_FAR : 0;
	PQclear(r);
	return rc;
}

/* ---- a scheduled job before it starts ---- */

/* Not started: queued, never claimed, no lease. */
#define NOT_STARTED \
	"state = 'queued' AND started_at IS NULL AND (locked_until IS NULL OR locked_until < now())"
#define OF_USER "id = $1 AND ($2::bigint = 0 OR user_id = $2::bigint)"

int jobs_changeable(const char *state, int started, int locked)
{
	return !strcmp(state, "queued") && !started && !locked;
}

static struct db_stmt q_move = { "jobs_move",
	"WITH m AS ("
	" UPDATE upload_jobs SET run_at = $3::timestamptz, updated_at = now()"
	"  WHERE " OF_USER " AND " NOT_STARTED " AND $3::timestamptz IS NOT NULL AND " IN_WINDOW("$3")
	"  RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'moved', $4 FROM m RETURNING job_id" };
static struct db_stmt q_edit = { "jobs_edit",
	"WITH m AS ("
	" UPDATE upload_jobs SET mode = $3, title = $4, privacy_level = nullif($5, ''),"
	"        disable_comment = $6, disable_duet = $7, disable_stitch = $8, brand_organic = $9,"
	"        brand_content = $10, is_aigc = $11, cover_timestamp_ms = $12::integer,"
	"        updated_at = now()"
	"  WHERE " OF_USER " AND " NOT_STARTED " RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'edited', $13 FROM m "
	"RETURNING job_id" };
static struct db_stmt q_change_state = { "jobs_change_state",
	"SELECT state FROM upload_jobs WHERE " OF_USER };

/* After a change that touched no row: JOBS_NOT_FOUND or JOBS_REFUSED. */
static int change_refused(struct db *db, int64_t job_id, int64_t user_id, const char *verb,
			  const char **why)
{
	PGresult *r = db_query(db, &q_change_state, DB_PARAMS(DB_INT(job_id), DB_INT(user_id)));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	if (n == 0)
		return JOBS_NOT_FOUND;
	*why = !strcmp(verb, "move")
		? "This post has already started (or ended), so its time cannot change any more."
		: "This post has already started (or ended), so its caption and settings cannot "
		  "change any more.";
	return JOBS_REFUSED;
}

int jobs_move(struct db *db, int64_t job_id, int64_t user_id, const char *run_at, const char *who,
	      const char **why)
{
	char msg[200];
	PGresult *r;
	int n, rc;

	*why = NULL;
	rc = window_check(db, run_at);
	if (rc != 0)
		return rc;
	/* no time in the words: the page shows run_at in each viewer's own zone */
	snprintf(msg, sizeof(msg), "Moved to another time by %s.", who);
	r = db_query(db, &q_move, DB_PARAMS(DB_INT(job_id), DB_INT(user_id), DB_TEXT(run_at), DB_TEXT(msg)));
	if (!r)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	if (n != 1)
		return change_refused(db, job_id, user_id, "move", why);
	log_info("event=job_moved job_id=%lld", (long long)job_id);
	jobs_notify(db);   /* an earlier time: the workers' wait changes */
	return 0;
}

int jobs_edit(struct db *db, int64_t job_id, int64_t user_id, const struct post_settings *p,
	      const char *who, const char **why)
{
	struct db_param cover = p->direct && p->cover_ms >= 0 ? DB_INT(p->cover_ms) : DB_NULL;
	char msg[200];
	PGresult *r;
	int n;

	*why = NULL;
	snprintf(msg, sizeof(msg), "Caption and settings changed by %s before the upload started.", who);
	r = db_query(db, &q_edit, DB_PARAMS(DB_INT(job_id), DB_INT(user_id), DB_TEXT(POST_MODE(p)),
					    DB_TEXT(p->title ? p->title : ""),
					    DB_TEXT(p->direct && p->privacy_level ? p->privacy_level : ""),
					    DB_BOOL(p->disable_comment), DB_BOOL(p->disable_duet),
					    DB_BOOL(p->disable_stitch), DB_BOOL(p->brand_organic),
					    DB_BOOL(p->brand_content), DB_BOOL(p->is_aigc), cover,
					    DB_TEXT(msg)));
	if (!r)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	if (n != 1)
		return change_refused(db, job_id, user_id, "edit", why);
	log_info("event=job_edited job_id=%lld", (long long)job_id);
	return 0;
}

/* What the repost rule looks at. "Reached TikTok": TikTok reported a
 * status for it, or holds every byte of its publish — then it may post. */
static struct db_stmt q_repost_facts = { "jobs_repost_facts",
	"SELECT j.state, (SELECT r.id FROM upload_jobs r WHERE r.retry_of = j.id) AS retried_as,"
	"       coalesce(j.tiktok_status, '') <> ''"
	"         OR (j.publish_id IS NOT NULL AND j.bytes_total > 0 AND j.bytes_sent >= j.bytes_total)"
	"         AS reached_platform,"
	"       coalesce(a.status, 'removed') = 'connected' AS account_connected, v.missing "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id"
	"     LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE j.id = $1 AND ($2::bigint = 0 OR j.user_id = $2::bigint)" };
static struct db_stmt q_repost = { "jobs_repost",
	"WITH n AS ("
	" INSERT INTO upload_jobs (submission_id, user_id, video_id, account_id, platform, mode, title,"
	"     privacy_level, disable_comment, disable_duet, disable_stitch, brand_organic,"
	"     brand_content, is_aigc, cover_timestamp_ms, bytes_total, state, run_at, retry_of,"
	"     content_sha256, repost, source)"
	" SELECT $2, user_id, video_id, account_id, platform, mode, title, privacy_level,"
	"        disable_comment, disable_duet, disable_stitch, brand_organic, brand_content, is_aigc,"
	"        cover_timestamp_ms, bytes_total, 'queued', now(), id, content_sha256, repost, source"
	" FROM upload_jobs WHERE id = $1 AND state = 'failed' RETURNING id, retry_of), "
	"e AS (INSERT INTO job_events (job_id, kind, message)"
	" SELECT id, 'queued', $3 FROM n UNION ALL SELECT retry_of, 'retry', format($4, id) FROM n) "
	"SELECT id FROM n" };
static struct db_stmt q_repost_of = { "jobs_repost_of",
	"SELECT id FROM upload_jobs WHERE retry_of = $1" };

/* The rule, once: NULL when a repost is allowed, else why. */
static const char *repost_refusal(PGresult *r, int64_t *existing)
{
	*existing = db_get_int(r, 0, "retried_as");
	if (strcmp(db_get_text(r, 0, "state"), "failed") != 0)
		return "Only a failed job can be retried.";
	if (*existing)
		return "This job was already retried.";
	if (db_get_bool(r, 0, "reached_platform"))
		return "TikTok already received the whole video for this job, so trying again could "
		       "post it twice. If you are sure it is not on TikTok, post it again from the composer.";
	if (!db_get_bool(r, 0, "account_connected"))
		return "The TikTok account of this job is not connected any more. Connect it again, "
		       "then post the video from the composer.";
	if (db_get_bool(r, 0, "missing"))
		return "The video file is missing from the media folder, so there is nothing to send.";
	return NULL;
}

/* The facts of job_id (of user_id, 0 = any): a result with one row, NULL
 * with *rc = JOBS_NOT_FOUND or -1. */
static PGresult *repost_facts(struct db *db, int64_t job_id, int64_t user_id, int *rc)
{
	PGresult *r = db_query(db, &q_repost_facts, DB_PARAMS(DB_INT(job_id), DB_INT(user_id)));

	*rc = r ? JOBS_NOT_FOUND : -1;
	if (r && PQntuples(r) == 0) {
		PQclear(r);
		r = NULL;
	}
	return r;
}

int jobs_repost_allowed(struct db *db, int64_t job_id, const char *state, const char **why)
{
	int64_t existing;
	int failed;
	PGresult *r;

	*why = NULL;
	/* a job that did not fail needs no explanation, nor a round trip */
	if (strcmp(state, "failed") != 0)
		return 0;
	r = repost_facts(db, job_id, 0, &(int){ 0 });
	if (!r)
		return -1;
	failed = !strcmp(db_get_text(r, 0, "state"), "failed");
	/* a job that did not fail needs no explanation */
	*why = failed ? repost_refusal(r, &existing) : NULL;
	PQclear(r);
	return failed && !*why;
}

/* The repost made meanwhile by someone else (a double click). */
static int64_t repost_of(struct db *db, int64_t job_id)
{
	PGresult *r = db_query(db, &q_repost_of, DB_PARAMS(DB_INT(job_id)));
	int64_t id = r && PQntuples(r) ? db_get_int(r, 0, "id") : 0;

	if (r)
		PQclear(r);
	return id;
}

int jobs_repost(struct db *db, int64_t job_id, int64_t user_id, const char *who, int64_t *new_id,
		const char **why)
{
	char sid[33], queued[200], retried[64];
	int rc;
	PGresult *r = repost_facts(db, job_id, user_id, &rc);

	*new_id = 0;
	*why = NULL;
	if (!r)
		return rc;
	*why = repost_refusal(r, new_id);
	PQclear(r);
	if (*why)
		return JOBS_REFUSED;
	if (crypto_random_hex(sid, 16) < 0)
		return -1;
	snprintf(queued, sizeof(queued), "Queued again by %s: a retry of job %lld with the same settings.",
		 who, (long long)job_id);
	/* format()'s only placeholder is the new id: no user text goes in here */
	snprintf(retried, sizeof(retried), "Retried as job %%s%s.", user_id ? "" : " (by an operator)");
	r = db_query(db, &q_repost, DB_PARAMS(DB_INT(job_id), DB_TEXT(sid), DB_TEXT(queued), DB_TEXT(retried)));
	if (!r || PQntuples(r) != 1) {
		int dup = !r && !strcmp(db_sqlstate(db), "23505");
		if (r)
			PQclear(r);
		if (!dup && !r)
			return -1;
		if (!dup) {   /* no longer failed: it was changed meanwhile */
			*why = "Only a failed job can be retried.";
			return JOBS_REFUSED;
		}
		*new_id = repost_of(db, job_id);
		*why = *new_id ? "This job was already retried."
			       : "This video is queued or posted to this account by another job already, "
				 "so retrying this one could post it twice.";
		return JOBS_REFUSED;
	}
	*new_id = db_get_int(r, 0, "id");
	PQclear(r);
	log_info("event=job_retried job_id=%lld new_job_id=%lld", (long long)job_id, (long long)*new_id);
	jobs_notify(db);
	return 0;
}

static struct db_stmt q_cancel = { "jobs_cancel",
	"WITH c AS ("
	" UPDATE upload_jobs SET state = 'cancelled', finished_at = now(), updated_at = now()"
	"  WHERE id = $1 AND ($2::bigint = 0 OR user_id = $2::bigint) AND state = 'queued'"
	"    AND (locked_until IS NULL OR locked_until < now())"
	"  RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'cancelled', $3 FROM c "
	"RETURNING job_id" };
static struct db_stmt q_cancel_state = { "jobs_cancel_state",
	"SELECT state, coalesce(locked_until > now(), false) AS locked FROM upload_jobs "
	"WHERE id = $1 AND ($2::bigint = 0 OR user_id = $2::bigint)" };

int jobs_cancel_allowed(const char *state, int locked)
{
	return !strcmp(state, "queued") && !locked;
}

int jobs_cancel(struct db *db, int64_t job_id, int64_t user_id, const char *who, const char **why)
{
	char msg[200];
	PGresult *r;
	int n;

	*why = NULL;
	snprintf(msg, sizeof(msg), "Cancelled by %s before the upload started.", who);
	r = db_query(db, &q_cancel, DB_PARAMS(DB_INT(job_id), DB_INT(user_id), DB_TEXT(msg)));
	if (!r)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	if (n == 1) {
		log_info("event=job_cancelled job_id=%lld", (long long)job_id);
		return 0;
	}
	r = db_query(db, &q_cancel_state, DB_PARAMS(DB_INT(job_id), DB_INT(user_id)));
	if (!r)
		return -1;
	n = PQntuples(r);
	if (n == 1)
		*why = !strcmp(db_get_text(r, 0, "state"), "queued")
			? "An upload worker is working on it right now."
			: "It has already started or ended; only queued jobs can be cancelled.";
	PQclear(r);
	return n == 1 ? JOBS_REFUSED : JOBS_NOT_FOUND;
}

static struct db_stmt q_fail_queued = { "jobs_fail_queued",
	"WITH f AS ("
	" UPDATE upload_jobs SET state = 'failed', fail_reason = $2, locked_by = NULL,"
	"        locked_until = NULL, finished_at = now(), updated_at = now()"
	"  WHERE account_id = $1 AND state = 'queued' RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'failed', $2 FROM f RETURNING job_id" };

int jobs_fail_queued(struct db *db, int64_t account_id, const char *reason)
{
	PGresult *r = db_query(db, &q_fail_queued, DB_PARAMS(DB_INT(account_id), DB_TEXT(reason)));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n;
}

/* ---- the worker's claim ---- */

/* The next due job whose lease is free, in one statement: leased to $1
 * for $2 seconds, one more attempt counted. A job whose attempts are used
 * up is never handed out again: a claim that never ended (the worker
 * crashed or hung on it) counts as an attempt, so a job that kills every
 * worker that touches it ends here, as failed with the reason ($3, or $4
 * when the platform may hold the upload), and its timeline entry. The
 * first column tells which of the two happened. */
static struct db_stmt q_claim = { "jobs_claim",
	"WITH next AS ("
	" SELECT id, attempts >= max_attempts AS spent FROM upload_jobs"
	"  WHERE state IN " JOBS_ACTIVE_SQL " AND run_at <= now()"
	"    AND (locked_until IS NULL OR locked_until < now())"
	"  ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
	"spent AS ("
	" UPDATE upload_jobs j SET state = 'failed', locked_by = NULL, locked_until = NULL,"
	"        fail_reason = format(CASE WHEN j.publish_id IS NULL THEN $3 ELSE $4 END, j.attempts),"
	"        finished_at = now(), updated_at = now()"
	"  FROM next WHERE j.id = next.id AND next.spent RETURNING j.id, j.fail_reason), "
	"spent_event AS ("
	" INSERT INTO job_events (job_id, kind, message) SELECT id, 'failed', fail_reason FROM spent), "
	"claimed AS ("
	" UPDATE upload_jobs j SET locked_by = $1,"
	"        locked_until = now() + make_interval(secs => $2::int),"
	"        attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()),"
	"        updated_at = now()"
	"  FROM next WHERE j.id = next.id AND NOT next.spent"
	"  RETURNING j.id, j.video_id, coalesce(j.account_id, 0) AS account_id, j.platform, j.state,"
	"            j.mode, j.attempts, j.max_attempts, coalesce(j.publish_id, '') AS publish_id,"
	"            j.bytes_sent, j.bytes_total, j.source) "
	"SELECT false AS spent, id, video_id, account_id, platform, state, mode, attempts, max_attempts,"
	"       publish_id, bytes_sent, bytes_total, source FROM claimed "
	"UNION ALL "
	"SELECT true, id, 0, 0, '', '', '', 0, 0, '', 0, 0, '' FROM spent" };
/* The reasons of a job whose attempts ran out while no try ever ended
 * (%s = the attempts). */
#define SPENT_REASON \
	"LangFlix tried %s times and gave up: every try stopped before it ended (the worker " \
	"stopped or crashed while working on it)."
#define SPENT_NOTHING_SENT SPENT_REASON " Nothing was posted. Post the video again later."
#define SPENT_MAYBE_SENT SPENT_REASON " TikTok may still have the video: check the TikTok app " \
	"before you post it again."

/* One claim statement: 1 claimed (*out), 2 a spent job was ended instead,
 * 0 nothing due, -1 error. */
static int claim_once(struct db *db, const char *worker_id, int lease_sec, struct job *out)
{
	PGresult *r = db_query(db, &q_claim,
			       DB_PARAMS(DB_TEXT(worker_id), DB_INT(lease_sec), DB_TEXT(SPENT_NOTHING_SENT),
					 DB_TEXT(SPENT_MAYBE_SENT)));

	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	if (db_get_bool(r, 0, "spent")) {
		log_warn("event=job_attempts_spent job=%lld", (long long)db_get_int(r, 0, "id"));
		PQclear(r);
		return 2;
	}
	memset(out, 0, sizeof(*out));
	out->id = db_get_int(r, 0, "id");
	out->video_id = db_get_int(r, 0, "video_id");
	out->account_id = db_get_int(r, 0, "account_id");
	str_copy(out->platform, sizeof(out->platform), db_get(r, 0, "platform"));
	str_copy(out->state, sizeof(out->state), db_get(r, 0, "state"));
	str_copy(out->mode, sizeof(out->mode), db_get(r, 0, "mode"));
	out->attempts = (int)db_get_int(r, 0, "attempts");
	out->max_attempts = (int)db_get_int(r, 0, "max_attempts");
	str_copy(out->publish_id, sizeof(out->publish_id), db_get(r, 0, "publish_id"));
	out->bytes_sent = db_get_int(r, 0, "bytes_sent");
	out->bytes_total = db_get_int(r, 0, "bytes_total");
	str_copy(out->source, sizeof(out->source), db_get(r, 0, "source"));
	PQclear(r);
	return 1;
}

int jobs_claim(struct db *db, const char *worker_id, int lease_sec, struct job *out)
{
	int rc;

	/* each spent job found is ended, so this ends when one is claimed or none is due */
	while ((rc = claim_once(db, worker_id, lease_sec, out)) == 2)
		;
	return rc;
}

/* Every write of a claim names the job and the worker that holds it. */
#define CLAIMED "WHERE id = $1 AND locked_by = $2"

static struct db_stmt q_extend = { "jobs_extend",
	"UPDATE upload_jobs SET locked_until = now() + make_interval(secs => $3::int) " CLAIMED };
/* A release that may give the claim's attempt back (waits are not failures). */
static struct db_stmt q_release = { "jobs_release",
	"UPDATE upload_jobs SET locked_by = NULL, locked_until = NULL,"
	"       run_at = now() + make_interval(secs => $3::int),"
	"       attempts = greatest(attempts - $4::int, 0), updated_at = now() " CLAIMED };
/* publish_id, upload_url and the plan, at once, right after init. */
static struct db_stmt q_initialised = { "jobs_initialised",
	"WITH i AS ("
	" UPDATE upload_jobs SET state = 'uploading', publish_id = $3, upload_url = $4,"
	"        chunk_size = $5, chunk_count = $6, bytes_sent = 0, tiktok_status = 'PROCESSING_UPLOAD',"
	"        creator_username = nullif($7, ''), status_polls = 0, processing_since = NULL,"
	"        locked_until = now() + make_interval(secs => $8::int), updated_at = now() "
	CLAIMED " RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'init', $9 FROM i" };
/* PULL_FROM_URL: TikTok accepted the address and fetches the file itself,
 * so there is no upload step: the job goes straight to processing. */
static struct db_stmt q_pull_started = { "jobs_pull_started",
	"WITH i AS ("
	" UPDATE upload_jobs SET state = 'processing', publish_id = $3, upload_url = NULL,"
	"        chunk_size = NULL, chunk_count = NULL, bytes_sent = 0,"
	"        tiktok_status = 'PROCESSING_DOWNLOAD', creator_username = nullif($4, ''),"
	"        status_polls = 0, processing_since = now(),"
	"        locked_until = now() + make_interval(secs => $5::int), updated_at = now() "
	CLAIMED " RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'init', $6 FROM i" };
/* The first fetch of a job's signed address, once, while the job runs. */
static struct db_stmt q_pull_fetched = { "jobs_pull_fetched",
	"INSERT INTO job_events (job_id, kind, message)"
	" SELECT id, 'pull_fetch', $3 FROM upload_jobs"
	"  WHERE id = $1 AND video_id = $2 AND source = 'PULL_FROM_URL' AND state IN " JOBS_ACTIVE_SQL
	"    AND NOT EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = $1 AND e.kind = 'pull_fetch')" };
static struct db_stmt q_pull_was_fetched = { "jobs_pull_was_fetched",
	"SELECT EXISTS (SELECT 1 FROM job_events WHERE job_id = $1 AND kind = 'pull_fetch') AS fetched" };
static struct db_stmt q_progress = { "jobs_progress",
	"UPDATE upload_jobs SET bytes_sent = $3,"
	"       locked_until = now() + make_interval(secs => $4::int), updated_at = now() " CLAIMED };
static struct db_stmt q_uploaded = { "jobs_uploaded",
	"UPDATE upload_jobs SET state = 'processing', bytes_sent = bytes_total,"
	"       processing_since = coalesce(processing_since, now()), status_polls = 0,"
	"       updated_at = now() " CLAIMED };
static struct db_stmt q_polled = { "jobs_polled",
	"UPDATE upload_jobs SET tiktok_status = $3, status_polls = status_polls + 1, updated_at = now() "
	CLAIMED };
static struct db_stmt q_reinit = { "jobs_reinit",
	"UPDATE upload_jobs SET publish_id = NULL, upload_url = NULL, chunk_size = NULL,"
	"       chunk_count = NULL, bytes_sent = 0, tiktok_status = NULL, reinits = reinits + 1,"
	"       updated_at = now() " CLAIMED };
static struct db_stmt q_event = { "jobs_event",
	"INSERT INTO job_events (job_id, kind, message) VALUES ($1, $2, $3)" };
static struct db_stmt q_next_due = { "jobs_next_due",
	"SELECT extract(epoch FROM min(greatest(run_at, coalesce(locked_until, run_at))) - now())"
	"       AS secs "
	"FROM upload_jobs WHERE state IN " JOBS_ACTIVE_SQL };

#define CLAIM_MAX_EXTRA 8

/* Run a statement of the claim: $1 the job, $2 the worker, then extra. */
static int claimed(const struct job_claim *c, const struct db_stmt *st, int n,
		   const struct db_param *extra)
{
	struct db_param params[2 + CLAIM_MAX_EXTRA] = { DB_INT(c->id), DB_TEXT(c->worker_id) };

	for (int i = 0; i < n && i < CLAIM_MAX_EXTRA; i++)
		params[2 + i] = extra[i];
	return affected_one(db_query(c->db, st, 2 + n, params));
}

int jobs_extend(const struct job_claim *c)
{
	return claimed(c, &q_extend, DB_PARAMS(DB_INT(c->lease_sec)));
}

int jobs_release(const struct job_claim *c, int delay_sec, int refund)
{
	return claimed(c, &q_release, DB_PARAMS(DB_INT(delay_sec < 0 ? 0 : delay_sec), DB_INT(refund ? 1 : 0)));
}

int jobs_pull_started(const struct job_claim *c, const char *publish_id,
		      const char *creator_username, const char *message)
{
	return claimed(c, &q_pull_started,
		       DB_PARAMS(DB_TEXT(publish_id), DB_TEXT(creator_username ? creator_username : ""),
				 DB_INT(c->lease_sec), DB_TEXT(message)));
}

int jobs_pull_fetched(struct db *db, int64_t job_id, int64_t video_id)
{
	PGresult *r = db_query(db, &q_pull_fetched, DB_PARAMS(DB_INT(job_id), DB_INT(video_id),
		DB_TEXT("TikTok started fetching the video from this site's signed address.")));

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int jobs_pull_was_fetched(struct db *db, int64_t job_id)
{
	PGresult *r = db_query(db, &q_pull_was_fetched, DB_PARAMS(DB_INT(job_id)));
	int yes;

	if (!r)
		return -1;
	yes = db_get_bool(r, 0, "fetched");
	PQclear(r);
	return yes;
}

int jobs_initialised(const struct job_claim *c, const char *publish_id, const char *upload_url,
		     int64_t chunk_size, int64_t chunk_count, const char *creator_username,
		     const char *message)
{
	return claimed(c, &q_initialised,
		       DB_PARAMS(DB_TEXT(publish_id), DB_TEXT(upload_url), DB_INT(chunk_size),
				 DB_INT(chunk_count), DB_TEXT(creator_username ? creator_username : ""),
				 DB_INT(c->lease_sec), DB_TEXT(message)));
}

int jobs_progress(const struct job_claim *c, int64_t bytes_sent)
{
	return claimed(c, &q_progress, DB_PARAMS(DB_INT(bytes_sent), DB_INT(c->lease_sec)));
}

int jobs_uploaded(const struct job_claim *c)
{
	return claimed(c, &q_uploaded, 0, NULL);
}

int jobs_polled(const struct job_claim *c, const char *tiktok_status)
{
	return claimed(c, &q_polled, DB_PARAMS(DB_TEXT(tiktok_status)));
}

int jobs_reinit(const struct job_claim *c)
{
	return claimed(c, &q_reinit, 0, NULL);
}

int jobs_event(struct db *db, int64_t job_id, const char *kind, const char *message)
{
	return db_command(db, &q_event, DB_PARAMS(DB_INT(job_id), DB_TEXT(kind), DB_TEXT(message ? message : "")))
		< 0 ? -1 : 0;
}

double jobs_next_due(struct db *db)
{
	return db_take_wait(db_query(db, &q_next_due, 0, NULL), "secs");
}

int jobs_notify(struct db *db)
{
	return db_simple(db, "NOTIFY " JOBS_CHANNEL);
}

/* ---- the end ---- */

/* The creator's @handle: what creator_info said before init, else the
 * account's username (only present with user.info.profile). */
#define USERNAME_OF_J \
	"coalesce(nullif(j.creator_username, ''), " \
	"(SELECT nullif(a.username, '') FROM tiktok_accounts a WHERE a.id = j.account_id))"
/* The job a report is about: the claim's ($1, $2), or the publish's ($3). */
#define REPORTED_JOB \
	"CASE WHEN $1::bigint IS NOT NULL THEN j.id = $1::bigint AND j.locked_by = $2" \
	"     ELSE j.publish_id = $3 END"

static struct db_stmt q_username = { "jobs_username",
	"SELECT " USERNAME_OF_J " AS username FROM upload_jobs j WHERE " REPORTED_JOB " ORDER BY j.id DESC LIMIT 1" };
/* A final state only from a non-terminal one, and, for a webhook, to
 * published from inboxed too (the creator posted the draft). */
static struct db_stmt q_finish = { "jobs_finish",
	"WITH done AS ("
	" UPDATE upload_jobs j SET state = $4, tiktok_status = coalesce($5, j.tiktok_status),"
	"        fail_reason = CASE WHEN $4 = 'failed' THEN coalesce($6, j.fail_reason) END,"
	"        post_id = coalesce($7, j.post_id), post_url = coalesce($8, j.post_url),"
	"        locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()"
	"  WHERE " REPORTED_JOB
	"    AND (j.state IN " JOBS_ACTIVE_SQL
	"         OR ($4 = 'published' AND $1::bigint IS NULL AND j.state = 'inboxed'))"
	"  RETURNING j.id, coalesce(j.account_id, 0) AS account_id), "
	"e AS (INSERT INTO job_events (job_id, kind, message) SELECT id, $4::text, $9::text FROM done) "
	"SELECT id, account_id FROM done" };

static int url_safe_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

int jobs_post_url(const char *username, const char *post_id, struct buf *out)
{
	if (!username || !url_safe_name(username) || (post_id && !str_all_digits(post_id)))
		return -1;
	if (post_id)
		buf_printf(out, "https://www.tiktok.com/@%s/video/%s", username, post_id);
	else
		buf_printf(out, "https://www.tiktok.com/@%s", username);
	return 0;
}

static const char *const end_states[] = { [JOB_PUBLISHED] = "published", [JOB_INBOXED] = "inboxed",
					  [JOB_FAILED] = "failed" };

#define INBOX_SENTENCE "The video is in the TikTok inbox of the account. Open the TikTok app, " \
	"tap the notification and finish the post there."

/* The last timeline entry of an end, in words. */
static void end_sentence(const struct job_outcome *o, int by_webhook, const struct buf *url,
			 struct buf *out)
{
	switch (o->end) {
	case JOB_INBOXED:
		buf_puts(out, INBOX_SENTENCE);
		return;
	case JOB_FAILED:
		buf_puts(out, o->reason ? o->reason : "");
		return;
	case JOB_PUBLISHED:
		break;
	}
	if (by_webhook)
		buf_puts(out, o->from_inbox
			 ? "The video was posted from the TikTok inbox draft (TikTok notified LangFlix)."
			 : "TikTok published the video (TikTok notified LangFlix).");
	else if (o->post_id)
		buf_printf(out, "Published on TikTok: %s", url->len ? url->data : o->post_id);
	else
		buf_printf(out, "TikTok published the video. It may still be under review or visible "
			   "only to some viewers, so there is no public link yet%s%s.",
			   url->len ? "; see the profile: " : "", url->len ? url->data : "");
}

/* The post's address for a published end: the video, else the profile. */
static int finish_url(struct db *db, const struct db_param key[3], const struct job_outcome *o,
		      struct buf *url)
{
	PGresult *r;

	if (o->end != JOB_PUBLISHED)
		return 0;
	r = db_query(db, &q_username, 3, key);
	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		jobs_post_url(db_get(r, 0, "username"), o->post_id, url);
	PQclear(r);
	return 0;
}

int jobs_finish(struct db *db, const struct job_claim *c, const char *publish_id,
		const struct job_outcome *o, int64_t *job_id)
{
	/* $1, $2: the claim's job and worker; $3: the publish (REPORTED_JOB) */
	const struct db_param key[3] = { c ? DB_INT(c->id) : DB_NULL, DB_TEXT(c ? c->worker_id : NULL),
					 DB_TEXT(publish_id) };
	struct buf url = BUF_INIT, msg = BUF_INIT;
	PGresult *r;
	int64_t id = 0, account_id = 0;
	int rc = -1;

	if (finish_url(db, key, o, &url) < 0)
		goto out;
	end_sentence(o, c == NULL, &url, &msg);
	r = db_query(db, &q_finish,
		     DB_PARAMS(key[0], key[1], key[2], DB_TEXT(end_states[o->end]), DB_TEXT(o->tiktok_status),
			       DB_TEXT(o->reason), DB_TEXT(o->post_id), DB_TEXT(url.len ? url.data : NULL),
			       DB_TEXT(buf_cstr(&msg))));
	if (!r)
		goto out;
	rc = PQntuples(r) > 0 ? 1 : 0;
	if (rc) {
		id = db_get_int(r, 0, "id");
		account_id = db_get_int(r, 0, "account_id");
	}
	PQclear(r);
	if (rc && job_id)
		*job_id = id;
	/* the platform withdrew the authorization: the account must be connected again */
	if (rc && o->auth_removed && account_id > 0 && accounts_mark_reconnect(db, account_id, o->reason) < 0)
		rc = -1;
	if (rc == 1)
		log_info("event=job_end job=%lld publish_id=%s state=%s tiktok_status=%s", (long long)id,
			 log_quote(publish_id), end_states[o->end], log_quote(o->tiktok_status));
out:
	buf_free(&url);
	buf_free(&msg);
	return rc;
}

static struct db_stmt q_public = { "jobs_public",
	"WITH done AS ("
	" UPDATE upload_jobs j SET post_id = $2, post_url = coalesce($3, j.post_url),"
	"        state = 'published', tiktok_status = $4, no_longer_public_at = NULL,"
	"        locked_by = NULL, locked_until = NULL, finished_at = coalesce(j.finished_at, now()),"
	"        updated_at = now()"
	"  WHERE j.publish_id = $1"
	"    AND j.state IN " JOBS_ACTIVE_OR_POSTED_SQL
	"    AND (j.state <> 'published' OR j.post_id IS DISTINCT FROM $2"
	"         OR j.no_longer_public_at IS NOT NULL)"
	"  RETURNING j.id, j.post_url) "
	"INSERT INTO job_events (job_id, kind, message)"
	" SELECT id, 'public', 'The post is public on TikTok: ' || coalesce(post_url, 'post ' || $2) || '.'"
	" FROM done RETURNING job_id" };
static struct db_stmt q_not_public = { "jobs_not_public",
	"WITH done AS ("
	" UPDATE upload_jobs SET no_longer_public_at = now(), updated_at = now()"
	"  WHERE publish_id = $1 AND state = 'published' AND no_longer_public_at IS NULL"
	"  RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message)"
	" SELECT id, 'not_public', 'TikTok reports that the post is no longer public: the creator "
	"made it private or deleted it, or TikTok took it down. Check it in the TikTok app.'"
	" FROM done RETURNING job_id" };

/* Rows returned: 1 and *job_id when one changed, 0, -1. */
static int changed_job(PGresult *r, int64_t *job_id)
{
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	if (n > 0 && job_id)
		*job_id = db_get_int(r, 0, "job_id");
	PQclear(r);
	return n > 0 ? 1 : 0;
}

int jobs_public(struct db *db, const char *publish_id, const char *post_id, int64_t *job_id)
{
	struct buf url = BUF_INIT;
	PGresult *r = db_query(db, &q_username, DB_PARAMS(DB_NULL, DB_NULL, DB_TEXT(publish_id)));
	int rc;

	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		jobs_post_url(db_get(r, 0, "username"), post_id, &url);
	PQclear(r);
	rc = changed_job(db_query(db, &q_public,
				  DB_PARAMS(DB_TEXT(publish_id), DB_TEXT(post_id), DB_TEXT(url.len ? url.data : NULL),
					    DB_TEXT("PUBLISH_COMPLETE"))), job_id);
	buf_free(&url);
	return rc;
}

int jobs_not_public(struct db *db, const char *publish_id, int64_t *job_id)
{
	return changed_job(db_query(db, &q_not_public, DB_PARAMS(DB_TEXT(publish_id))), job_id);
}

/* ---- after the end: following a post ---- */

/* The jobs still followed (the partial index of sql/041 holds exactly
 * these): public posts and posted drafts without their id (a post only its
 * creator or friends see never gets one), and drafts not posted yet. */
#define RESOLVE_FOLLOWED \
	"resolve_ended_at IS NULL AND publish_id IS NOT NULL" \
	" AND ((state = 'published' AND post_id IS NULL" \
	"       AND (mode = 'inbox' OR privacy_level = 'PUBLIC_TO_EVERYONE'))" \
	"      OR (state = 'inboxed' AND draft_expired_at IS NULL))"
#define RESOLVE_DUE_AT "coalesce(resolve_next_at, finished_at)"

static struct db_stmt q_resolve_take = { "jobs_resolve_take",
	"WITH next AS ("
	" SELECT id FROM upload_jobs"
	"  WHERE " RESOLVE_FOLLOWED
	"    AND " RESOLVE_DUE_AT " <= now() - CASE WHEN resolve_next_at IS NULL"
	"        THEN make_interval(secs => $1::double precision) ELSE interval '0' END"
	"  ORDER BY " RESOLVE_DUE_AT ", id LIMIT $3 FOR UPDATE SKIP LOCKED) "
	"UPDATE upload_jobs j SET resolve_next_at = now() + make_interval(secs => $2::int) "
	"FROM next WHERE j.id = next.id "
	"RETURNING j.id, coalesce(j.account_id, 0) AS account_id, j.publish_id, j.state, j.mode,"
	"          j.resolve_polls AS polls,"
	"          extract(epoch FROM now() - coalesce(j.finished_at, j.updated_at))::bigint AS age" };
static struct db_stmt q_resolve_next_due = { "jobs_resolve_next_due",
	"SELECT extract(epoch FROM min(CASE WHEN resolve_next_at IS NULL"
	"           THEN finished_at + make_interval(secs => $1::double precision)"
	"           ELSE resolve_next_at END) - now()) AS secs "
	"FROM upload_jobs WHERE " RESOLVE_FOLLOWED };
static struct db_stmt q_resolve_later = { "jobs_resolve_later",
	"UPDATE upload_jobs SET resolve_next_at = now() + make_interval(secs => $2::double precision),"
	"       resolve_polls = resolve_polls + $3::int WHERE id = $1" };
static struct db_stmt q_resolve_end = { "jobs_resolve_end",
	"WITH done AS (UPDATE upload_jobs SET resolve_ended_at = now()"
	"  WHERE id = $1 AND resolve_ended_at IS NULL RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'resolve_end', $2 FROM done" };
static struct db_stmt q_draft_posted = { "jobs_draft_posted",
	"WITH done AS ("
	" UPDATE upload_jobs SET state = 'published', tiktok_status = 'PUBLISH_COMPLETE',"
	"        resolve_polls = 0, resolve_next_at = NULL, updated_at = now()"
	"  WHERE publish_id = $1 AND state = 'inboxed' RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message)"
	" SELECT id, 'published', 'The video was posted from the TikTok inbox draft (LangFlix asked "
	"TikTok). The link follows once TikTok makes the post public.' FROM done RETURNING job_id" };
static struct db_stmt q_draft_expire = { "jobs_draft_expire",
	"WITH done AS (UPDATE upload_jobs SET draft_expired_at = now(), updated_at = now()"
	"  WHERE id = $1 AND state = 'inboxed' AND draft_expired_at IS NULL RETURNING id) "
	"INSERT INTO job_events (job_id, kind, message) SELECT id, 'draft_expired', $2 FROM done "
	"RETURNING job_id" };

int jobs_resolve_take(struct db *db, double first_sec, int hold_sec, int max, struct job_resolve *out)
{
	PGresult *r = db_query(db, &q_resolve_take,
			       DB_PARAMS(DB_DOUBLE(first_sec), DB_INT(hold_sec), DB_INT(max)));
	int n;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n && i < max; i++) {
		struct job_resolve *o = &out[i];
		memset(o, 0, sizeof(*o));
		o->id = db_get_int(r, i, "id");
		o->account_id = db_get_int(r, i, "account_id");
		str_copy(o->publish_id, sizeof(o->publish_id), db_get(r, i, "publish_id"));
		str_copy(o->state, sizeof(o->state), db_get(r, i, "state"));
		str_copy(o->mode, sizeof(o->mode), db_get(r, i, "mode"));
		o->polls = (int)db_get_int(r, i, "polls");
		o->age_sec = db_get_int(r, i, "age");
	}
	PQclear(r);
	return n;
}

double jobs_resolve_next_due(struct db *db, double first_sec)
{
	return db_take_wait(db_query(db, &q_resolve_next_due, DB_PARAMS(DB_DOUBLE(first_sec))), "secs");
}

int jobs_resolve_later(struct db *db, int64_t job_id, double delay_sec, int polled)
{
	return db_command(db, &q_resolve_later, DB_PARAMS(DB_INT(job_id), DB_DOUBLE(delay_sec),
							  DB_INT(polled ? 1 : 0))) < 0 ? -1 : 0;
}

int jobs_resolve_end(struct db *db, int64_t job_id, const char *message)
{
	return db_command(db, &q_resolve_end, DB_PARAMS(DB_INT(job_id), DB_TEXT(message))) < 0 ? -1 : 0;
}

int jobs_draft_posted(struct db *db, const char *publish_id, int64_t *job_id)
{
	return changed_job(db_query(db, &q_draft_posted, DB_PARAMS(DB_TEXT(publish_id))), job_id);
}

int jobs_draft_expire(struct db *db, int64_t job_id, const char *message)
{
	return changed_job(db_query(db, &q_draft_expire, DB_PARAMS(DB_INT(job_id), DB_TEXT(message))),
			   NULL);
}

/* ---- housekeeping ---- */

static struct db_stmt q_prune = { "jobs_prune",
	"WITH d AS (DELETE FROM upload_jobs"
	"  WHERE state NOT IN " JOBS_ACTIVE_SQL
	"    AND coalesce(finished_at, updated_at) < now() - make_interval(days => $1::int)"
	"  RETURNING id) "
	"SELECT (SELECT count(*) FROM d) AS jobs,"
	"       (SELECT count(*) FROM job_events e WHERE e.job_id IN (SELECT id FROM d)) AS events" };

int jobs_prune(struct db *db, int days, long long *jobs, long long *events)
{
	PGresult *r = db_query(db, &q_prune, DB_PARAMS(DB_INT(days)));

	if (!r)
		return -1;
	*jobs = db_get_int(r, 0, "jobs");
	*events = db_get_int(r, 0, "events");
	PQclear(r);
	return 0;
}

/* ---- tests and the benchmark only ---- */

static struct db_stmt q_fixture = { "jobs_fixture",
	"INSERT INTO upload_jobs (submission_id, user_id, video_id, account_id, state, mode, title,"
	"    privacy_level, publish_id, tiktok_status, fail_reason, post_url, creator_username,"
	"    bytes_sent, bytes_total, run_at, finished_at, created_at, updated_at, locked_by,"
	"    locked_until, started_at, post_id) "
	"VALUES (coalesce($1, md5(random()::text)), $2, $3, nullif($4::bigint, 0),"
	"    coalesce($5, 'queued'), coalesce($6, 'direct'), coalesce($7, ''), $8, $9, $10, $11, $12,"
	"    $13, $14, $15, now() + make_interval(secs => $16::int),"
	"    CASE WHEN $17::int > 0 THEN now() - make_interval(secs => $17::int) END,"
	"    now() - make_interval(secs => $18::int), now() - make_interval(secs => $18::int),"
	"    $19::text, CASE WHEN $19::text IS NOT NULL THEN now() + make_interval(secs => $20::int) END,"
	/* claimed before, as the product's claim leaves it: any state but
	 * queued, a lease, or a queued job due later (given back to wait);
	 * a scheduled post ($21) never was */
	"    CASE WHEN NOT $21::bool AND (coalesce($5, 'queued') <> 'queued' OR $16::int > 0"
	"              OR $19::text IS NOT NULL) THEN now() END, $22) "
	"RETURNING id" };
static struct db_stmt q_fixture_set = { "jobs_fixture_set",
	"UPDATE upload_jobs SET state = coalesce($2, state), fail_reason = coalesce($3, fail_reason),"
	"    post_url = coalesce($4, post_url),"
	"    finished_at = CASE WHEN $5::int > 0 THEN now() - make_interval(secs => $5::int)"
	"                       ELSE finished_at END,"
	"    created_at = CASE WHEN $6::int > 0 THEN now() - make_interval(secs => $6::int)"
	"                      ELSE created_at END,"
	"    updated_at = CASE WHEN $6::int > 0 THEN now() - make_interval(secs => $6::int)"
	"                      ELSE now() END,"
	"    locked_by = $7::text, locked_until = CASE WHEN $7::text IS NOT NULL"
	"                                   THEN now() + make_interval(secs => $8::int) END,"
	"    run_at = CASE WHEN $9::boolean THEN now() + make_interval(secs => $10::int) ELSE run_at END "
	"WHERE id = $1" };

int jobs_fixture(struct db *db, const struct job_fixture *f, int64_t *id)
{
	PGresult *r = db_query(db, &q_fixture, DB_PARAMS(
		DB_TEXT(f->submission_id), DB_INT(f->user_id), DB_INT(f->video_id), DB_INT(f->account_id),
		DB_TEXT(f->state), DB_TEXT(f->mode), DB_TEXT(f->title), DB_TEXT(f->privacy_level),
		DB_TEXT(f->publish_id), DB_TEXT(f->tiktok_status), DB_TEXT(f->fail_reason),
		DB_TEXT(f->post_url), DB_TEXT(f->creator_username), DB_INT(f->bytes_sent),
		DB_INT(f->bytes_total), DB_INT(f->run_in_sec), DB_INT(f->finished_ago_sec),
		DB_INT(f->created_ago_sec), DB_TEXT(f->locked_by), DB_INT(f->lock_sec),
		DB_BOOL(f->scheduled), DB_TEXT(f->post_id)));

	if (!r)
		return -1;
	*id = db_get_int(r, 0, "id");
	PQclear(r);
	return 0;
}

int jobs_fixture_set(struct db *db, const struct job_fixture *f)
{
	return affected_one(db_query(db, &q_fixture_set, DB_PARAMS(
		DB_INT(f->job_id), DB_TEXT(f->state), DB_TEXT(f->fail_reason), DB_TEXT(f->post_url),
		DB_INT(f->finished_ago_sec), DB_INT(f->created_ago_sec), DB_TEXT(f->locked_by),
		DB_INT(f->lock_sec), DB_BOOL(f->move_run_at), DB_INT(f->run_in_sec))));
}

static struct db_stmt q_fixture_forget = { "jobs_fixture_forget",
	"WITH d AS (DELETE FROM upload_jobs WHERE left(submission_id, length($1)) = $1 RETURNING 1) "
	"SELECT count(*) FROM d" };

long long jobs_fixture_forget(struct db *db, const char *prefix)
{
	PGresult *r = db_query(db, &q_fixture_forget, DB_PARAMS(DB_TEXT(prefix)));
	long long n;

	if (!r)
		return -1;
	n = db_get_int(r, 0, "count");
	PQclear(r);
	return n;
}

static const struct db_stmt q_note_queued = { "jobs_note_queued",
	"WITH e AS (INSERT INTO job_events (job_id, kind, message)"
	"  SELECT id, $2, $3 FROM upload_jobs WHERE account_id = $1 AND state = 'queued' RETURNING 1) "
	"SELECT count(*) AS n FROM e" };

int jobs_note_queued(struct db *db, int64_t account_id, const char *kind, const char *message)
{
	PGresult *r = db_query(db, &q_note_queued, DB_PARAMS(DB_INT(account_id), DB_TEXT(kind), DB_TEXT(message)));
	int n;

	if (!r)
		return -1;
	n = (int)db_get_int(r, 0, "n");
	PQclear(r);
	return n;
}
