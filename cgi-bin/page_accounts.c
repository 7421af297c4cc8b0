/* page_accounts.c — POST /accounts/{id}/disconnect. (The list of the
 * user's accounts that the dashboard and the composer show is in ui.c.) */
#include "accounts.h"
#include "app.h"
#include "jobs.h"
#include "log.h"
#include "tiktok.h"

#include <stdio.h>
#include <string.h>

/* Forget the account, fail its queued jobs, then revoke at TikTok: in
 * this order, so the authorization.removed webhook that answers the revoke
 * finds nothing left to do (lib/accounts.h). */
int page_account_disconnect(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = param_id(req, "id");
	struct json_object *ctx;
	struct buf name = BUF_INIT, reason = BUF_INIT, token = BUF_INIT;
	int revoked, rc, failed;

	if (id < 0)
		return render_error(req, 404, "Account not found", "There is no such TikTok account.");
	rc = accounts_forget(pg->db, &app.cfg, pg->user_id, id, &name, &token);
	if (rc == ACC_NOT_FOUND) {
		buf_free(&name);
		return render_error(req, 404, "Account not found",
				    "You have no TikTok account with this number. Nothing was changed.");
	}
	buf_printf(&reason, "The TikTok account %s was disconnected before this upload started. "
		   "Connect it again, then post the video anew.", buf_cstr(&name));
	failed = rc == ACC_OK ? jobs_fail_queued(pg->db, id, buf_cstr(&reason)) : -1;
	buf_free(&name);
	buf_free(&reason);
	/* the account is forgotten either way: TikTok is told even when the jobs
	 * could not be failed (a worker ends them when it finds the account gone) */
	revoked = rc == ACC_OK ? accounts_revoke(&app.cfg, id, &token) : 0;
	accounts_wipe(&token);
	if (failed < 0)
		return -1;
	log_info("event=account_jobs_failed account_id=%lld jobs_failed=%d", (long long)id, failed);
	ctx = page_context(req, "TikTok account disconnected");
	json_object_object_add(ctx, "revoked", json_object_new_boolean(revoked));
	return render_page(req, 200, "oauth_disconnected", ctx);
}
