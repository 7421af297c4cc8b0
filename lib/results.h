/* results.h — what happens after the post (issue 12): the schedules that
 * follow a post (pure functions, unit-tested) and per-clip results (the
 * only writer of clip_results and clip_readings, sql/042).
 *
 * Time: every schedule here is written in minutes, and a "minute" lasts
 * minute_sec seconds (config results_minute_ms, 60,000 in production), so
 * the integration tests run a day of schedule in seconds with the same
 * code and the same numbers. */
#ifndef LF_RESULTS_H
#define LF_RESULTS_H

#include <stdint.h>

#include "db.h"

/* ---- the schedules (minutes of minute_sec seconds) ---- */

#define RESULTS_FOLLOW_MIN   (30 * 1440)   /* ask for a post id for 30 days */
#define RESULTS_DRAFT_MIN    1440          /* TikTok's window for a pending draft (24 h,
					    * as it counts its 5 pending drafts, §2.8) */
#define RESULTS_DAY_MIN      1440

/* The wait before the next status poll of a post still waiting for its id,
 * after `polls` polls: every minute for ten minutes, every ten minutes to
 * about the first hour and a quarter, hourly to about a day, then daily. */
double results_resolve_delay(int polls, double minute_sec);
/* The wait before the next reading of a clip age_sec old: hourly on its
 * first day, daily to day 30, weekly after. */
double results_reading_delay(int64_t age_sec, double minute_sec);

/* ---- per-clip readings (the worker's side) ---- */

#define RESULTS_ROUND_MAX 200      /* clips of one account read in one round */

struct results_clip {
	int64_t job_id, account_id;
	char post_id[24];
	char publish_id[72];
	int64_t age_sec;             /* since it was posted */
	int missing;                 /* rounds in a row the Display API left it out */
};

/* One round: the clips of the account whose reading is the most overdue,
 * due now or within a quarter of an hour (so the clips of an account are
 * read together, 20 to a call), at most max, each held for hold_sec. Only
 * connected accounts that granted video.list, and clips still public. The
 * number (0: nothing due), or -1. */
int results_take_round(struct db *db, double minute_sec, int hold_sec, struct results_clip *out,
		       int max);
/* Seconds until the next reading is due (0: now), -1 when none or on error. */
double results_next_due(struct db *db);
/* A reading of the clip's counts, kept (clip_readings) and made its latest;
 * the next one after next_sec. day_sec: what "the day before" means. */
int results_record(struct db *db, int64_t job_id, int64_t views, int64_t likes, int64_t comments,
		   int64_t shares, double next_sec, double day_sec);
/* The Display API left the clip out; the rounds in a row it did, or -1. */
int results_missing(struct db *db, int64_t job_id, double next_sec);
/* Try the clip again after delay_sec (a limit, an error). 0 or -1. */
int results_later(struct db *db, int64_t job_id, double delay_sec);

/* ---- the results page's roll-ups (sql/043) ----
 * The roll-ups of /results (by expression, show, target language and
 * account: totals, median views per post, best and worst clip, removals)
 * are kept in result_rollups; the triggers of sql/043 mark a user stale
 * when anything they are computed from changes, and these recompute. */

/* The user's roll-ups, recomputed if stale (in one transaction: the
 * caller's when it is in one, else its own). 1 recomputed, 0 they were
 * fresh, -1 on error. */
int results_rollups_fresh(struct db *db, int64_t user_id);
/* The same for every stale user (the worker, after a round), skipping
 * another transaction holds right now (they stay stale for the next
 * call). Inside the caller's transaction if any. The number recomputed,
 * or -1. */
int results_rollups_fresh_all(struct db *db);

/* ---- drafts ----
 * The drafts pending in an account's TikTok inbox, as TikTok counts them
 * (at most 5 in 24 h), are counted by the plan's acctplan_pending_drafts
 * (lib/account_plan.h); a draft stops counting when the worker or the
 * webhook sees it posted (lib/jobs.h, jobs_draft_posted and jobs_finish). */

/* ---- the benchmark only ---- */

/* n readings of the clip, one every step_sec up to now, views growing
 * linearly to views (and the others in proportion). 0 or -1. */
int results_seed_readings(struct db *db, int64_t job_id, int n, double step_sec, int64_t views);

#endif
