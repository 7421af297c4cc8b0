/* health.c — connection health before the slots (issue 11): an hour
 * (worker_health_lead_sec) before an account's next planned post, check
 * that its token still refreshes and that creator_info says it can post.
 * When not, the account is marked at risk (lib/accounts.h), its queued
 * jobs get the reason on their timeline, and the dashboard shows a banner
 * with a Reconnect button; when it recovers, the mark goes. A check that
 * could not reach TikTok (network, 5xx, our creator_info budget) changes
 * nothing: it is tried again after worker_health_recheck_sec. */
#include "worker.h"

#include "accounts.h"
#include "log.h"
#include "ratelimit.h"
#include "tiktok_creator.h"
#include "tiktok_errors.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define RECONNECT_TEXT \
	"TikTok no longer accepts this account's sign-in, so its planned posts cannot go out. " \
	"Reconnect the account before its next slot."

static void mark(struct slot *s, int64_t id, const char *reason)
{
	int changed = accounts_set_at_risk(&s->db, id, reason);

	if (changed == 1 && reason) {
		char msg[700];

		snprintf(msg, sizeof(msg), "The account is at risk before this planned post: %s", reason);
		if (jobs_note_queued(&s->db, id, "at_risk", msg) < 0)
			log_warn("event=health_note_failed account_id=%lld", (long long)id);
	} else if (changed == 1) {
		jobs_note_queued(&s->db, id, "healthy", "The account can post again.");
	}
}

static void check_one(struct slot *s, int64_t id, unsigned scopes)
{
	struct tiktok_client client;
	struct tiktok_creator cr;
	struct tiktok_result res;
	struct buf token = BUF_INIT;
	int rc, wait = 0;

	/* the refresh must work now, not only when the post starts */
	if (accounts_expire_access(&s->db, id) < 0)
		return;
	rc = accounts_access_token(&s->db, s->cfg, id, &token);
	if (rc == ACC_RECONNECT || rc == ACC_NOT_FOUND) {
		mark(s, id, RECONNECT_TEXT);
		goto out;
	}
	if (rc != ACC_OK)
		goto out;
	if (!(scopes & TT_SCOPE_VIDEO_PUBLISH)) {
		/* an inbox-only account cannot ask creator_info: the refresh is the check */
		mark(s, id, NULL);
		goto out;
	}
	rc = ratelimit_take_kind(&s->db, id, RL_CREATOR_INFO, (int)s->cfg->tiktok_rate_window_sec, &wait);
	if (rc != 1)
		goto out;
	accounts_client(s->cfg, &client);
	tiktok_result_init(&res);
	rc = tiktok_creator_info(&client, buf_cstr(&token), &cr, &res);
	if (rc == TT_CREATOR_OK)
		mark(s, id, NULL);
	else if (rc == TT_CREATOR_CANNOT_POST)
		mark(s, id, tiktok_cannot_post_text(res.error));
	else if (res.outcome == TT_API && (!strcmp(res.error, "access_token_invalid") ||
					   !strcmp(res.error, "scope_not_authorized")))
		mark(s, id, RECONNECT_TEXT);
	log_info("event=account_health_checked account_id=%lld result=%d code=%s", (long long)id, rc,
		 log_quote(res.error));
	tiktok_result_free(&res);
out:
	accounts_wipe(&token);
}

void health_run(struct slot *s)
{
	int64_t ids[32];
	unsigned scopes[32];
	int n = accounts_health_due(&s->db, (int)s->cfg->worker_health_lead_sec,
				    (int)s->cfg->worker_health_recheck_sec, ids, scopes, 32);

	for (int i = 0; i < n && !worker_stopping(); i++)
		check_one(s, ids[i], scopes[i]);
}
