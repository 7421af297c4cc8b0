/* resolve.c — following a job after it ended, without a claim
 * (issue 12): a published public post still waiting for its video id
 * (TikTok fills publicaly_available_post_id only after moderation,
 * sometimes days later) and an inbox draft the creator has not posted yet.
 *
 * The webhook usually tells first (post.publish.publicly_available,
 * post.publish.complete: lib/webhook.c); this is the fallback: a status
 * poll on a widening schedule (lib/results.h, results_resolve_delay) for
 * up to 30 days. jobs_resolve_take hands each due job to one caller by
 * moving its next time forward, so no claim is held and no upload slot
 * waits. Every poll takes its slot of TikTok's 30 status calls a minute
 * first (lib/ratelimit.h), and leaves at least half of them to uploads in
 * progress. A webhook and a poll that both bring the id change the job once
 * (jobs_public is conditional): one timeline entry. */
#include "worker.h"

#include "accounts.h"
#include "log.h"
#include "ratelimit.h"
#include "results.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"

#include <stdio.h>
#include <string.h>

#define RESOLVE_BATCH    8      /* jobs taken at once */
#define RESOLVE_HOLD_SEC 120    /* a taken job is nobody else's for this long */

static double minute_of(const struct config *cfg)
{
	return (double)cfg->results_minute_ms / 1000.0;
}

/* Ask again later; polled: a status call was made. */
static void later(struct slot *s, const struct job_resolve *r, double delay, int polled)
{
	if (jobs_resolve_later(&s->db, r->id, delay, polled) < 0)
		log_warn("event=resolve_later_failed job=%lld", (long long)r->id);
}

/* A slot of the status limit for the account, leaving half of the
 * minute's calls to uploads that are being processed. 1 taken, 0 not now
 * (*wait), -1 error. */
static int take_status_slot(struct slot *s, int64_t account_id, int *wait)
{
	const struct rl_limit *l = ratelimit_limit(RL_STATUS);
	int minute = (int)s->cfg->tiktok_rate_window_sec;
	int used = ratelimit_used_kind(&s->db, account_id, RL_STATUS, minute);

	*wait = minute / 4 > 0 ? minute / 4 : 1;
	if (used < 0)
		return -1;
	if (used >= l->limit / 2)
		return 0;
	return ratelimit_take_kind(&s->db, account_id, RL_STATUS, minute, wait);
}

/* What TikTok said about the publish. */
static void on_status(struct slot *s, const struct job_resolve *r, const struct tiktok_status *st)
{
	int inboxed = !strcmp(r->state, "inboxed");
	int64_t id = 0;

	if (!strcmp(st->status, "PUBLISH_COMPLETE") && inboxed &&
	    jobs_draft_posted(&s->db, r->publish_id, &id) == 1)
		log_info("event=draft_posted job=%lld", (long long)r->id);
	if (!strcmp(st->status, "PUBLISH_COMPLETE") && st->n_post_ids > 0) {
		int rc = jobs_public(&s->db, r->publish_id, st->post_ids[0], &id);
		log_info("event=post_id_resolved job=%lld polls=%d changed=%d", (long long)r->id,
			 r->polls + 1, rc);
		if (rc >= 0)
			return;
	}
	if (!strcmp(st->status, "FAILED")) {
		char msg[300];
		snprintf(msg, sizeof(msg), "TikTok reports that the post failed after all (%s); "
			 "LangFlix stopped following it.", tiktok_fail_reason_text(st->fail_reason, NULL));
		jobs_resolve_end(&s->db, r->id, msg);
		return;
	}
	/* a draft just posted starts the schedule anew: its id comes within minutes */
	later(s, r, results_resolve_delay(inboxed && !strcmp(st->status, "PUBLISH_COMPLETE") ? 0
					  : r->polls + 1, minute_of(s->cfg)), 1);
}

static void resolve_one(struct slot *s, const struct tiktok_client *client, const struct job_resolve *r)
{
	double minute = minute_of(s->cfg);
	struct buf token = BUF_INIT;
	struct tiktok_status st;
	struct tiktok_result res;
	int wait, rc;

	if (!strcmp(r->state, "inboxed") && r->age_sec >= RESULTS_DRAFT_MIN * minute) {
		jobs_draft_expire(&s->db, r->id, "The draft waited in the TikTok inbox longer than "
				  "TikTok's window (24 hours) without being posted. If you still want it "
				  "on TikTok, send it again.");
		return;
	}
	if (r->age_sec >= RESULTS_FOLLOW_MIN * minute) {
		jobs_resolve_end(&s->db, r->id, "TikTok did not make the post public within 30 days; "
				 "LangFlix stopped asking. Check the post in the TikTok app.");
		return;
	}
	if (r->account_id == 0) {
		jobs_resolve_end(&s->db, r->id, "The TikTok account was removed; LangFlix stopped "
				 "following the post.");
		return;
	}
	rc = take_status_slot(s, r->account_id, &wait);
	if (rc <= 0) {
		later(s, r, rc < 0 ? minute : wait, 0);
		return;
	}
	rc = accounts_access_token(&s->db, s->cfg, r->account_id, &token);
	if (rc != ACC_OK) {
		/* a reconnected account brings new tokens: ask again a day later */
		later(s, r, rc == ACC_ERROR ? minute : RESULTS_DAY_MIN * minute, 0);
		accounts_wipe(&token);
		return;
	}
	tiktok_result_init(&res);
	rc = tiktok_status_fetch(client, buf_cstr(&token), r->publish_id, &st, &res);
	accounts_wipe(&token);
	if (rc == 0) {
		on_status(s, r, &st);
	} else if (res.outcome == TT_API && !strcmp(res.error, "invalid_publish_id")) {
		jobs_resolve_end(&s->db, r->id, "TikTok no longer knows this post; LangFlix stopped "
				 "following it.");
	} else {
		char desc[300];
		log_warn("event=resolve_status_failed job=%lld error=%s log_id=%s", (long long)r->id,
			 log_quote(tiktok_result_describe(&res, desc, sizeof(desc))), log_quote(res.log_id));
		/* a token refused before its time: the next poll refreshes it */
		if (tiktok_error_classify(&res, NULL) == TTA_REFRESH)
			accounts_expire_access(&s->db, r->account_id);
		later(s, r, results_resolve_delay(r->polls + 1, minute), 1);
	}
	tiktok_result_free(&res);
}

double resolve_run(struct slot *s)
{
	struct job_resolve due[RESOLVE_BATCH];
	struct tiktok_client client;
	double first = minute_of(s->cfg);
	int n;

	accounts_client(s->cfg, &client);
	/* one batch, so a slot goes back to uploads soon */
	n = jobs_resolve_take(&s->db, first, RESOLVE_HOLD_SEC, RESOLVE_BATCH, due);
	for (int i = 0; i < n && !worker_stopping(); i++)
		resolve_one(s, &client, &due[i]);
	return jobs_resolve_next_due(&s->db, first);
}
