/* readings.c — per-clip results (issue 12): the view, like, comment and
 * share counts of each posted clip, read from TikTok's Display API
 * (POST /v2/video/query/, up to 20 ids a call, tiktok-api.md §2.10) on a
 * schedule that follows the clip's age (lib/results.h: hourly on day 1,
 * daily to day 30, weekly after), every reading kept (clip_readings).
 *
 * A round is one account's due clips (those due within a quarter of an
 * hour join them, so 45 clips cost 3 calls, not 45); each call takes its
 * slot of the per-token limit first (RL_VIDEO_QUERY). An account without
 * video.list is never in a round: it gets no calls (the results page says
 * why). A clip the Display API leaves out twice in a row is no longer public
 * (§2.10: "missing twice in a row"): jobs_not_public marks it, as the
 * post.publish.no_longer_publicaly_available webhook does. No claim is
 * held; results_take_round hands each clip to one caller.
 *
 * The calls are made first; what they said is then kept in one
 * transaction, with the roll-ups of the results page recomputed in it
 * (results_rollups_fresh_all), so the page never sees a round half kept. */
#include "worker.h"

#include "accounts.h"
#include "log.h"
#include "ratelimit.h"
#include "results.h"
#include "tiktok_display.h"
#include "tiktok_errors.h"

#include <string.h>

#define ROUND_HOLD_SEC 300      /* a round's clips are nobody else's for this long */
#define MISSING_ROUNDS 2        /* left out this many times in a row: not public */

static double minute_of(const struct config *cfg)
{
	return (double)cfg->results_minute_ms / 1000.0;
}

static void later_all(struct slot *s, const struct results_clip *c, int n, double delay)
{
	for (int i = 0; i < n; i++)
		results_later(&s->db, c[i].job_id, delay);
}

/* What TikTok said of one clip of the round. */
struct seen {
	int found;                   /* 0: the Display API left it out */
	int64_t views, likes, comments, shares;
	double next;                 /* the next reading, after this many seconds */
};

/* One call for up to 20 clips, what it said in out; 0, or -1 when the rest
 * of the round must wait (the clips from c on were rescheduled). */
static int query_batch(struct slot *s, const struct tiktok_client *client, const char *token,
		       const struct results_clip *c, int n, int left, struct seen *out)
{
	double minute = minute_of(s->cfg);
	struct tiktok_video got[TT_VIDEO_QUERY_MAX];
	const char *ids[TT_VIDEO_QUERY_MAX];
	struct tiktok_result res;
	int wait = 0, rc, found;

	rc = ratelimit_take_kind(&s->db, c[0].account_id, RL_VIDEO_QUERY,
				 (int)s->cfg->tiktok_rate_window_sec, &wait);
	if (rc <= 0) {
		later_all(s, c, left, rc < 0 ? minute : wait);
		return -1;
	}
	for (int i = 0; i < n; i++)
		ids[i] = c[i].post_id;
	tiktok_result_init(&res);
	found = tiktok_video_query(client, token, ids, n, got, &res);
	if (found < 0) {
		char desc[300];
		log_warn("event=video_query_failed account_id=%lld error=%s log_id=%s",
			 (long long)c[0].account_id, log_quote(tiktok_result_describe(&res, desc, sizeof(desc))),
			 log_quote(res.log_id));
		/* a token refused before its time: the next round refreshes it */
		if (tiktok_error_classify(&res, NULL) == TTA_REFRESH)
			accounts_expire_access(&s->db, c[0].account_id);
		tiktok_result_free(&res);
		/* try the round again in a while (a limit, an outage, a token refused) */
		later_all(s, c, left, 10 * minute);
		return -1;
	}
	tiktok_result_free(&res);
	for (int i = 0; i < n; i++) {
		const struct tiktok_video *v = NULL;

		for (int k = 0; k < found && !v; k++)
			if (!strcmp(got[k].id, c[i].post_id))
				v = &got[k];
		out[i] = (struct seen){ .found = v != NULL,
					.views = v && v->views > 0 ? v->views : 0,
					.likes = v && v->likes > 0 ? v->likes : 0,
					.comments = v && v->comments > 0 ? v->comments : 0,
					.shares = v && v->shares > 0 ? v->shares : 0,
					.next = results_reading_delay(c[i].age_sec, minute) };
	}
	return 0;
}

/* Keep what the first n clips of the round said, and the roll-ups it
 * changed, in one transaction. */
static void keep_round(struct slot *s, const struct results_clip *c, const struct seen *seen, int n)
{
	double day = RESULTS_DAY_MIN * minute_of(s->cfg);
	int64_t gone[RESULTS_ROUND_MAX];
	int ngone = 0, ok;

	if (n == 0 || db_begin(&s->db) < 0)
		return;
	ok = 1;
	for (int i = 0; i < n && ok; i++) {
		int missing;

		if (seen[i].found) {
			ok = results_record(&s->db, c[i].job_id, seen[i].views, seen[i].likes,
					    seen[i].comments, seen[i].shares, seen[i].next, day) == 0;
		} else if ((missing = results_missing(&s->db, c[i].job_id, seen[i].next)) < 0) {
			ok = 0;
		} else if (missing >= MISSING_ROUNDS && c[i].publish_id[0]) {
			int64_t job = 0;
			int rc = jobs_not_public(&s->db, c[i].publish_id, &job);
			ok = rc >= 0;
			if (rc == 1)
				gone[ngone++] = job;
		}
	}
	if (!ok || results_rollups_fresh_all(&s->db) < 0) {
		log_warn("event=readings_not_recorded account_id=%lld clips=%d error=%s",
			 (long long)c[0].account_id, n, log_quote(s->db.err));
		db_rollback(&s->db);
		return;
	}
	if (db_commit(&s->db) < 0) {
		log_warn("event=readings_not_recorded account_id=%lld clips=%d error=%s",
			 (long long)c[0].account_id, n, log_quote(s->db.err));
		return;
	}
	for (int i = 0; i < ngone; i++)
		log_info("event=post_not_public job=%lld by=display_api", (long long)gone[i]);
}

double readings_run(struct slot *s)
{
	struct results_clip clips[RESULTS_ROUND_MAX];
	struct seen seen[RESULTS_ROUND_MAX];
	struct tiktok_client client;
	struct buf token = BUF_INIT;
	double minute = minute_of(s->cfg);
	int n;

	accounts_client(s->cfg, &client);
	n = results_take_round(&s->db, minute, ROUND_HOLD_SEC, clips, RESULTS_ROUND_MAX);
	if (n > 0) {
		int rc = accounts_access_token(&s->db, s->cfg, clips[0].account_id, &token);
		if (rc != ACC_OK) {
			later_all(s, clips, n, rc == ACC_ERROR ? 10 * minute : RESULTS_DAY_MIN * minute);
		} else {
			int asked = 0;
			for (int i = 0; i < n && !worker_stopping(); i += TT_VIDEO_QUERY_MAX) {
				int k = n - i < TT_VIDEO_QUERY_MAX ? n - i : TT_VIDEO_QUERY_MAX;
				if (query_batch(s, &client, buf_cstr(&token), &clips[i], k, n - i,
						&seen[i]) < 0)
					break;
				asked = i + k;
			}
			keep_round(s, clips, seen, asked);
		}
		log_info("event=readings_round account_id=%lld clips=%d", (long long)clips[0].account_id, n);
		accounts_wipe(&token);
	}
	return results_next_due(&s->db);
}
