/* page_accounts.c — POST /accounts/{id}/disconnect. (The list of the
 * user's accounts that the dashboard and the composer show is in ui.c.) */
#include "accounts.h"
#include "app.h"
#include "log.h"
#include "tiktok.h"

#include <stdio.h>
#include <string.h>

int page_account_disconnect(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = param_id(req, "id");
	struct json_object *ctx;
	int revoked = 0, rc;

	if (id < 0)
		return render_error(req, 404, "Account not found", "There is no such TikTok account.");
	rc = accounts_disconnect(pg->db, &app.cfg, pg->user_id, id, &revoked);
	if (rc == ACC_NOT_FOUND)
		return render_error(req, 404, "Account not found",
				    "You have no TikTok account with this number. Nothing was changed.");
	if (rc != ACC_OK)
		return -1;
	ctx = page_context(req, "TikTok account disconnected");
	json_object_object_add(ctx, "revoked", json_object_new_boolean(revoked));
	return render_page(req, 200, "oauth_disconnected", ctx);
}
