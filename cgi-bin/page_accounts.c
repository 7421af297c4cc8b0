/* page_accounts.c — the user's TikTok accounts: the list the dashboard and
 * the composer show, and POST /accounts/{id}/disconnect. */
#include "accounts.h"
#include "app.h"
#include "jobs.h"
#include "log.h"
#include "tiktok.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_accounts = { "accounts_of_user",
	"SELECT id, open_id, display_name, username, avatar_url, status, status_reason, scopes "
	"FROM tiktok_accounts WHERE user_id = $1 AND status <> 'disconnected' "
	"AND ($2 = '' OR status = $2) ORDER BY id" };

/* Only web URLs reach an <img src>. */
static int web_url(const char *s)
{
	return s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7));
}

static struct json_object *account_json(PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	const char *name = db_val(r, i, 2), *status = db_val(r, i, 5);
	unsigned scopes = tiktok_scopes_parse(db_val(r, i, 7));
	int connected = !strcmp(status, "connected");

	json_object_object_add(o, "id", json_object_new_int64(db_ll(r, i, 0)));
	ctx_add_str(o, "name", name && *name ? name : db_val(r, i, 1));
	ctx_add_str(o, "username", db_val(r, i, 3));
	if (web_url(db_val(r, i, 4)))
		ctx_add_str(o, "avatar_url", db_val(r, i, 4));
	ctx_add_str(o, "status", status);
	json_object_object_add(o, "connected", json_object_new_boolean(connected));
	json_object_object_add(o, "needs_reconnect", json_object_new_boolean(!connected));
	ctx_add_str(o, "status_reason", db_val(r, i, 6));
	ctx_add_str(o, "note", tiktok_scopes_note(scopes));
	json_object_object_add(o, "can_direct", json_object_new_boolean(!!(scopes & TT_SCOPE_VIDEO_PUBLISH)));
	json_object_object_add(o, "can_inbox", json_object_new_boolean(!!(scopes & TT_SCOPE_VIDEO_UPLOAD)));
	return o;
}

struct json_object *accounts_for_page(struct request *req, int only_connected, int *count)
{
	struct page *pg = page_of(req);
	struct json_object *arr;
	char uid[24];
	PGresult *r;
	int n;

	snprintf(uid, sizeof(uid), "%lld", (long long)pg->user_id);
	r = db_run(pg->db, &q_accounts, 2, (const char *[]){ uid, only_connected ? "connected" : "" });
	if (!r)
		return NULL;
	arr = json_object_new_array();
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, account_json(r, i));
	PQclear(r);
	*count = n;
	return arr;
}

/* Disconnect, then fail the account's queued jobs: they cannot start
 * without it. (Should the second step fail, a worker ends each of them
 * anyway when it finds the account disconnected.) */
int page_account_disconnect(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = param_id(req, "id");
	struct json_object *ctx;
	struct buf name = BUF_INIT, reason = BUF_INIT;
	int revoked = 0, rc, failed;

	if (id < 0)
		return render_error(req, 404, "Account not found", "There is no such TikTok account.");
	rc = accounts_disconnect(pg->db, &app.cfg, pg->user_id, id, &revoked, &name);
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
	if (failed < 0)
		return -1;
	log_info("event=account_jobs_failed account_id=%lld jobs_failed=%d", (long long)id, failed);
	ctx = page_context(req, "TikTok account disconnected");
	json_object_object_add(ctx, "revoked", json_object_new_boolean(revoked));
	return render_page(req, 200, "oauth_disconnected", ctx);
}
