/* page_accounts.c — the user's TikTok accounts: GET /accounts (each with
 * its avatar, state, permissions in words, what it can do and why, the
 * date by which TikTok wants a new consent, Reconnect and Disconnect), GET
 * /accounts/{id}/disconnect (the confirmation, naming the account; no
 * JavaScript needed) and POST /accounts/{id}/disconnect. (The list itself
 * is built in ui.c, which the dashboard's strip and the composer share.) */
#include "accounts.h"
#include "app.h"
#include "jobs.h"
#include "log.h"
#include "tiktok.h"

#include <stdio.h>
#include <string.h>

int page_accounts(struct request *req)
{
	struct json_object *ctx, *accounts;
	int n = 0;
	int64_t connected = param_id(req, "connected");

	accounts = accounts_for_page(req, 0, &n);
	if (!accounts)
		return -1;
	ctx = page_context(req, "TikTok accounts");
	if (connected > 0)
		for (int i = 0; i < n; i++) {
			struct json_object *a = json_object_array_get_idx(accounts, (size_t)i), *v;
			if (json_object_object_get_ex(a, "id", &v) && json_object_get_int64(v) == connected)
				json_object_object_add(ctx, "just_connected", json_object_get(a));
		}
	json_object_object_add(ctx, "accounts", accounts);
	json_object_object_add(ctx, "has_accounts", json_object_new_boolean(n > 0));
	return render_page(req, 200, "accounts", ctx);
}

/* The confirmation before a disconnect: which account, what happens. */
int page_account_disconnect_confirm(struct request *req)
{
	struct json_object *ctx, *accounts, *found = NULL;
	int64_t id = param_id(req, "id");
	int n = 0;

	accounts = accounts_for_page(req, 0, &n);
	if (!accounts)
		return -1;
	for (int i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(accounts, (size_t)i), *v;
		if (json_object_object_get_ex(a, "id", &v) && json_object_get_int64(v) == id)
			found = json_object_get(a);
	}
	json_object_put(accounts);
	if (!found)
		return render_error(req, 404, "Account not found",
				    "You have no TikTok account with this number. Nothing was changed.");
	ctx = page_context(req, "Disconnect a TikTok account");
	json_object_object_add(ctx, "account", found);
	return render_page(req, 200, "account_disconnect", ctx);
}

/* Forget the account, fail its queued jobs, then revoke at TikTok: in
 * this order, so the authorization.removed webhook that answers the revoke
 * finds nothing left to do (lib/accounts.h). */
int page_account_disconnect(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = param_id(req, "id");
	struct json_object *ctx;
	struct buf name = BUF_INIT, reason = BUF_INIT, token = BUF_INIT;
	const struct platform *pf;
	int revoked, rc, failed;

	if (id < 0)
		return render_error(req, 404, "Account not found", "There is no such TikTok account.");
	rc = accounts_forget(pg->db, &app.cfg, pg->user_id, id, &name, &token, &pf);
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
	revoked = rc == ACC_OK ? accounts_revoke(&app.cfg, pf, id, &token) : 0;
	accounts_wipe(&token);
	if (failed < 0)
		return -1;
	log_info("event=account_jobs_failed account_id=%lld jobs_failed=%d", (long long)id, failed);
	ctx = page_context(req, "TikTok account disconnected");
	json_object_object_add(ctx, "revoked", json_object_new_boolean(revoked));
	return render_page(req, 200, "oauth_disconnected", ctx);
}
