/* jobs.h — the upload job (design.md, "the upload job is a persisted state
 * machine"). This is the only code that writes upload_jobs and job_events:
 * the composer, the operator actions (pages and CLI), the worker, the
 * webhook, tests and the benchmark all change a job through these
 * functions, so each rule and each sentence the user reads exists once.
 *
 *   queued → uploading → processing → published | inboxed
 *      ↘          ↘           ↘
 *       failed (with the user's reason)            cancelled (queued only)
 *
 * Conventions: 0 on success, -1 on a database error (db->err says why),
 * other outcomes as JOBS_* codes. A worker's writes are guarded by its
 * claim (id AND locked_by): a miss (-1) means the lease was lost and the
 * claim must write nothing more. Every state change writes its timeline
 * entry in the same statement. */
#ifndef LF_JOBS_H
#define LF_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "post_settings.h"

/* The states a job can still move out of: the one place that names them.
 * JOBS_ACTIVE_SQL is the same list for SQL text. The other lists of
 * states that SQL needs are here too, so no query spells one (the
 * layering check, tests/cli/layering.sh, refuses an IN list or an ARRAY
 * of states anywhere else):
 *   JOBS_POSTED_SQL            at TikTok: published, or a draft in the inbox
 *   JOBS_ACTIVE_OR_POSTED_SQL  both: what the duplicate guard counts (sql/032)
 *   JOBS_DRAFT_PENDING_SQL     an inbox draft TikTok may still hold pending:
 *                              started, or in the inbox
 *   JOBS_EVERY_STATE_ARRAY_SQL every state, as an SQL array: a count per
 *                              state that shows 0 for a state with no job */
#define JOBS_ACTIVE_SQL "('queued', 'uploading', 'processing')"
#define JOBS_POSTED_SQL "('published', 'inboxed')"
#define JOBS_ACTIVE_OR_POSTED_SQL "('queued', 'uploading', 'processing', 'published', 'inboxed')"
#define JOBS_DRAFT_PENDING_SQL "('uploading', 'processing', 'inboxed')"
#define JOBS_EVERY_STATE_ARRAY_SQL \
	"ARRAY['queued', 'uploading', 'processing', 'published', 'inboxed', 'failed', 'cancelled']"
int jobs_state_active(const char *state);

/* The NOTIFY channel the workers LISTEN on. */
#define JOBS_CHANNEL "upload_jobs"

/* Outcomes besides 0 and -1. */
enum {
	JOBS_TAKEN = 1,       /* enqueue: the submission id made a job already */
	JOBS_NOT_FOUND = 2,   /* no such job (of that user) */
	JOBS_REFUSED = 3,     /* the rule says no; *why says why in words */
	JOBS_PAST = 4,        /* a run_at that has passed */
	JOBS_TOO_FAR = 5,     /* a run_at more than JOBS_SCHEDULE_MAX_DAYS ahead */
	JOBS_BAD_TIME = 6,    /* a date and time that is not one */
	JOBS_DUPLICATE = 7,   /* enqueue: the same content is live or posted on this
	                       * account already (*job_id = that job) */
};
/* The sentence for JOBS_PAST, JOBS_TOO_FAR or JOBS_BAD_TIME (for the user,
 * next to the time field) or JOBS_DUPLICATE, NULL for other codes. */
const char *jobs_refusal_text(int rc);

/* How far ahead a post can be scheduled. TikTok's refresh tokens last a
 * year; 90 days keeps a plan short enough to still be meant, and inside
 * every token's life. */
#define JOBS_SCHEDULE_MAX_DAYS 90

/* ---- making jobs ---- */

struct job_new {
	const char *submission_id;    /* the form's one-time id (UNIQUE) */
	int64_t user_id, video_id, account_id;
	const char *platform;         /* NULL: "tiktok" */
	struct post_settings post;
	int64_t bytes_total;          /* the file's size when it was enqueued */
	int max_attempts;             /* 0: the table's default */
	const char *message;          /* the first timeline entry ("Queued: ...") */
	const char *run_at;           /* NULL: now. Else an instant PostgreSQL reads as
	                               * timestamptz ("2026-12-03T17:30:00Z", or the
	                               * `instant` of jobs_schedule_instant): a scheduled
	                               * post, claimed no earlier than that */
	int repost;                   /* the user said "post again": exempt from the
	                               * duplicate guard */
	const char *source;           /* "FILE_UPLOAD" (NULL) or "PULL_FROM_URL" (sql/050) */
};

/* The job and its 'queued' entry in one statement, then NOTIFY. 0 and
 * *job_id, JOBS_TAKEN when the submission id was used (a double submit),
 * JOBS_PAST / JOBS_TOO_FAR when run_at is outside [now, now + 90 days]
 * (nothing is written; jobs_refusal_text says why), JOBS_DUPLICATE with
 * *job_id = the existing job when the video's content (videos.content_sha256)
 * is queued, running or posted on that account already and repost is 0
 * (sql/032: a unique index, so two racing requests make one job), -1.
 * The guard's key is the video's content hash; while a row has none (it
 * was imported before there were hashes) the row itself ('video:N'), and
 * library_video_hash() computes the hash and re-keys those jobs
 * (jobs_content_known).
 * Inside the caller's transaction (a batch) a refusal rolls back only this
 * row (a savepoint), so the caller may go on with the next one. */
int jobs_enqueue(struct db *db, const struct job_new *n, int64_t *job_id);

/* The duplicate guard, asked before enqueueing (the composer's warning, a
 * batch's review rows). 1 and *existing = the live or posted job of the
 * same content on the account, 0 (and *existing = 0) when there is none, -1. */
int jobs_find_duplicate(struct db *db, int64_t video_id, int64_t account_id, int64_t *existing);
/* The video's content hash is now known: its jobs keyed by the row take
 * it (library.c calls this). The number re-keyed, or -1. */
int jobs_content_known(struct db *db, int64_t video_id, const char *sha);
/* The same for n rows (a batch: video × account): existing[i] = the job
 * row i would duplicate, or 0. The number of duplicates, or -1. */
struct job_pair {
	int64_t video_id, account_id;
};
int jobs_find_duplicates(struct db *db, const struct job_pair *pairs, size_t n, int64_t *existing);

/* A user's wall-clock time ("2026-12-03T18:30" as <input type=
 * datetime-local> sends it, seconds optional) in IANA zone `zone`, as an
 * instant computed in PostgreSQL ($local::timestamp AT TIME ZONE $zone):
 * instant = ISO 8601 in UTC ("2026-12-03T17:30:00Z"), shown = the same in
 * that zone for people (lf_user_time). Checked against the schedule window:
 * 0; JOBS_BAD_TIME, JOBS_PAST, JOBS_TOO_FAR (instant and shown still set
 * for the last two); -1. */
int jobs_schedule_instant(struct db *db, const char *local, const char *zone, char instant[40],
			  char shown[64]);

/* ---- a scheduled job before it starts ----
 * Move, edit and cancel are allowed while the job is queued and no worker
 * ever claimed it (started_at IS NULL, no lease), checked in the UPDATE's
 * own WHERE: a claim racing the change wins cleanly and the change is
 * refused. user_id 0 = an operator; who = who asked, in words (for the
 * timeline). 0; JOBS_NOT_FOUND; JOBS_REFUSED with *why (it started);
 * JOBS_PAST / JOBS_TOO_FAR (move); -1. Each writes a timeline entry. */
int jobs_move(struct db *db, int64_t job_id, int64_t user_id, const char *run_at, const char *who,
	      const char **why);
/* New settings (caption, privacy, interactions, disclosure, mode, cover),
 * already enforced by the caller (post_rules_check), replace the job's. */
int jobs_edit(struct db *db, int64_t job_id, int64_t user_id, const struct post_settings *post,
	      const char *who, const char **why);
/* Whether move/edit is offered: 1 when the job has not started. */
int jobs_changeable(const char *state, int started, int locked);

/* Repost a failed job as a NEW job with the same settings (retry_of = id),
 * so the failed one keeps its history. Allowed only when it failed, was
 * not reposted before, TikTok never received the whole file (no chance of
 * a second post), the account is still connected and the file is there.
 * user_id 0 = an operator (any user's job); who = who asked, in words.
 * 0 and *new_id; JOBS_NOT_FOUND; JOBS_REFUSED with *why (and *new_id = the
 * existing repost when there is one, else 0); -1. */
int jobs_repost(struct db *db, int64_t job_id, int64_t user_id, const char *who, int64_t *new_id,
		const char **why);
/* Whether jobs_repost would be allowed (for the job page's button): 1, or
 * 0 with *why (NULL when it simply is not a failed job). -1 on error.
 * state: the job's, as the page read it; only a failed job is asked about
 * (jobs_repost checks again anyway). */
int jobs_repost_allowed(struct db *db, int64_t job_id, const char *state, const char **why);

/* Cancel a queued job that no worker holds (bytes on their way are never
 * abandoned); a scheduled one included, until it starts. user_id 0 = an operator. 0; JOBS_NOT_FOUND; JOBS_REFUSED with
 * *why; -1. */
int jobs_cancel(struct db *db, int64_t job_id, int64_t user_id, const char *who, const char **why);
/* Whether Cancel is offered for a job in state, held by a worker or not. */
int jobs_cancel_allowed(const char *state, int locked);

/* The account went away: every queued job of it ends as failed with the
 * reason (its timeline too). Runs inside the caller's transaction if there
 * is one. The number of jobs failed, or -1. */
int jobs_fail_queued(struct db *db, int64_t account_id, const char *reason);

/* The same timeline entry on every queued job of the account (the
 * account's health before its slots, say). The number of jobs, or -1. */
int jobs_note_queued(struct db *db, int64_t account_id, const char *kind, const char *message);

/* ---- the worker's claim ---- */

struct job {
	int64_t id;
	int64_t video_id;
	int64_t account_id;          /* 0 when none */
	char platform[16];
	char state[16];
	char mode[8];
	int attempts;
	int max_attempts;
	char publish_id[72];         /* "" until init */
	int64_t bytes_sent, bytes_total;
	char source[16];             /* FILE_UPLOAD or PULL_FROM_URL */
};

/* The claim of one worker slot on one job. */
struct job_claim {
	struct db *db;
	int64_t id;
	const char *worker_id;
	int lease_sec;
};

/* Claim the oldest due job whose lease is free, in one statement (FOR
 * UPDATE SKIP LOCKED), leased for lease_sec to worker_id, one attempt
 * counted. A due job whose attempts are used up (every try crashed or hung
 * its worker) is ended as failed with its reason instead, and the next one
 * is tried. 1 claimed, 0 none due, -1 error. */
int jobs_claim(struct db *db, const char *worker_id, int lease_sec, struct job *out);
/* Extend the lease while work goes on. */
int jobs_extend(const struct job_claim *c);
/* Give the job back, due after delay_sec; refund: this claim does not
 * count as an attempt (waits for a limit, polling, shutdown). */
int jobs_release(const struct job_claim *c, int delay_sec, int refund);
/* Right after init: state uploading, publish_id, upload URL and the chunk
 * plan at once, with the 'init' entry (message). */
int jobs_initialised(const struct job_claim *c, const char *publish_id, const char *upload_url,
		     int64_t chunk_size, int64_t chunk_count, const char *creator_username,
		     const char *message);
/* PULL_FROM_URL: TikTok accepted the signed address (publish_id) and
 * downloads the file itself: state processing at once (no upload step),
 * tiktok_status PROCESSING_DOWNLOAD, with the 'init' entry (message). */
int jobs_pull_started(const struct job_claim *c, const char *publish_id,
		      const char *creator_username, const char *message);
/* TikTok came for the file of job_id (video_id) at its signed address:
 * a 'pull_fetch' timeline entry, once, while the job runs (else nothing). */
int jobs_pull_fetched(struct db *db, int64_t job_id, int64_t video_id);
/* 1 when TikTok fetched the job's address at least once, 0 not, -1 error. */
int jobs_pull_was_fetched(struct db *db, int64_t job_id);
/* Bytes TikTok holds (after an accepted part or a resync); extends the lease. */
int jobs_progress(const struct job_claim *c, int64_t bytes_sent);
/* The last byte was accepted: state processing. */
int jobs_uploaded(const struct job_claim *c);
/* A status poll that did not end the job. */
int jobs_polled(const struct job_claim *c, const char *tiktok_status);
/* Forget a dead upload (TikTok confirmed nothing was posted) so the next
 * claim initialises anew; counts a re-init. */
int jobs_reinit(const struct job_claim *c);
/* A timeline entry. */
int jobs_event(struct db *db, int64_t job_id, const char *kind, const char *message);

/* Seconds until the next runnable job is claimable (0: now), -1 when none
 * is waiting or on error. */
double jobs_next_due(struct db *db);
/* Wake the workers. */
int jobs_notify(struct db *db);

/* ---- the end: one transition for the worker's polling and the webhook ---- */

enum job_end { JOB_PUBLISHED, JOB_INBOXED, JOB_FAILED };

/* Who reports the end. */
enum job_source {
	JOB_BY_WORKER,               /* the claim's own status poll (or its checks) */
	JOB_BY_WEBHOOK,              /* TikTok's webhook, keyed by publish_id */
};

struct job_outcome {
	enum job_end end;
	const char *tiktok_status;   /* NULL keeps the job's */
	const char *reason;          /* failed: the user's sentence */
	int auth_removed;            /* failed: the platform withdrew the account's
	                              * authorization; the account must be connected again */
	const char *post_id;         /* published: TikTok's public id, NULL when none yet */
	int from_inbox;              /* published: the creator posted the inbox draft */
};

/* End a job: by its claim (c != NULL) or by publish_id (the webhook; then
 * also published from inboxed, and any lease is cleared). The sentence of
 * the last timeline entry and the post's address (built once, validated)
 * come from here. Runs inside the caller's transaction if there is one.
 * 1 ended (and *job_id when not NULL), 0 nothing to change (already ended,
 * or the lease was lost), -1 error. */
int jobs_finish(struct db *db, const struct job_claim *c, const char *publish_id,
		const struct job_outcome *o, int64_t *job_id);

/* TikTok made the post public (post_id) or no longer public: 1 changed
 * (*job_id), 0 nothing to change, -1 error. */
int jobs_public(struct db *db, const char *publish_id, const char *post_id, int64_t *job_id);
int jobs_not_public(struct db *db, const char *publish_id, int64_t *job_id);

/* ---- after the end: following a post until TikTok gives its id ----
 * A published public job without its post id, and an inbox draft the
 * creator has not posted yet, are asked about again on the worker's
 * schedule (worker/resolve.c), without a claim: jobs_resolve_take hands
 * each due one to one caller by moving its resolve_next_at forward. */

struct job_resolve {
	int64_t id, account_id;
	char publish_id[72];
	char state[16];              /* published or inboxed */
	char mode[8];
	int polls;                   /* status calls made since it ended */
	int64_t age_sec;             /* since it ended */
};

/* Up to max due jobs into out (a job is due first_sec after it ended, then
 * at its resolve_next_at), each held for hold_sec. The number, or -1. */
int jobs_resolve_take(struct db *db, double first_sec, int hold_sec, int max, struct job_resolve *out);
/* Seconds until the next one is due (0: now), -1 when none or on error. */
double jobs_resolve_next_due(struct db *db, double first_sec);
/* Ask again after delay_sec; polled: a status call was made. 0 or -1. */
int jobs_resolve_later(struct db *db, int64_t job_id, double delay_sec, int polled);
/* Stop asking, with the timeline entry saying why. 0 or -1. */
int jobs_resolve_end(struct db *db, int64_t job_id, const char *message);
/* The creator posted the inbox draft (seen by a status poll): published,
 * without a post id yet. 1 changed (*job_id), 0 nothing to change, -1. */
int jobs_draft_posted(struct db *db, const char *publish_id, int64_t *job_id);
/* The draft outlived TikTok's window unposted. 1 changed, 0, -1. */
int jobs_draft_expire(struct db *db, int64_t job_id, const char *message);

/* https://www.tiktok.com/@{username}/video/{post_id}, or the profile
 * https://www.tiktok.com/@{username} when post_id is NULL, into out; -1
 * (out unchanged) when the username or the post id is empty or not URL-safe. */
int jobs_post_url(const char *username, const char *post_id, struct buf *out);

/* ---- housekeeping ---- */

/* Forget finished jobs (and their events) older than days; the counts. */
int jobs_prune(struct db *db, int days, long long *jobs, long long *events);

/* ---- tests and the benchmark only ---- */

/* A job row in a given state, as the product's own transitions would have
 * left it, for tests that start from there (a failed job, an old finished
 * one, one held by a worker). Strings NULL = the column's default. */
struct job_fixture {
	int64_t user_id, video_id, account_id;
	const char *submission_id;   /* NULL: a random one */
	const char *state;           /* NULL: queued */
	const char *mode;            /* NULL: direct */
	const char *title, *privacy_level;
	const char *publish_id, *tiktok_status, *fail_reason, *post_url, *creator_username;
	const char *post_id;         /* TikTok's video id of a published job */
	int64_t bytes_sent, bytes_total;
	int run_in_sec;              /* run_at = now() + this (a queued job due later
	                              * is one a worker gave back, unless scheduled) */
	int scheduled;               /* a scheduled post no worker claimed yet
	                              * (started_at NULL) */
	int finished_ago_sec;        /* > 0: finished_at = now() - this */
	int created_ago_sec;         /* > 0: created_at = updated_at = now() - this */
	const char *locked_by;       /* held by a worker for lock_sec */
	int lock_sec;
	int64_t job_id;              /* jobs_fixture_set: the job to change */
	int move_run_at;             /* jobs_fixture_set: run_at = now() + run_in_sec too
	                              * (a planned job made due, for a replay) */
};
/* Insert (jobs_fixture) or overwrite (jobs_fixture_set: the given fields of
 * f->job_id; state, locks and times always) a row. 0 and *id, or -1. */
int jobs_fixture(struct db *db, const struct job_fixture *f, int64_t *id);
int jobs_fixture_set(struct db *db, const struct job_fixture *f);
/* Forget every job whose submission id starts with prefix (and its events):
 * a benchmark run's jobs, so every run starts from a queue of one size.
 * The number forgotten, or -1. */
long long jobs_fixture_forget(struct db *db, const char *prefix);

#endif
