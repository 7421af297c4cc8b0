/* page_drafts.c — GET /drafts, "Finish in TikTok" (issue 12): the
 * viewer's inbox drafts waiting in the creator's TikTok app, each with its
 * account, its age and the prepared caption (drafts reach TikTok without
 * one, so it must be pasted there). A draft leaves the list when TikTok
 * reports it posted (webhook, or the worker's poll: worker/resolve.c), and
 * then joins the results once TikTok gives its post id; after TikTok's
 * window (lib/results.h, RESULTS_DRAFT_MIN) it is marked expired. The Copy
 * button is static/drafts.js; without it the caption is a read-only field
 * to select and copy. */
#include "app.h"
#include "util.h"

#include <string.h>

#define DRAFTS_EXPIRED_SHOWN 20

static const struct db_stmt q_drafts = { "drafts_of_user",
	"SELECT j.id, coalesce(nullif(v.title, ''), v.path) AS video_title, j.title AS caption,"
	"       coalesce(nullif(a.display_name, ''), a.username, '') AS account,"
	"       to_char(j.finished_at, 'YYYY-MM-DD HH24:MI') AS sent,"
	"       extract(epoch FROM now() - j.finished_at)::bigint AS age,"
	"       to_char(j.draft_expired_at, 'YYYY-MM-DD') AS expired "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE j.user_id = $1 AND j.state = 'inboxed' AND ($2::boolean = (j.draft_expired_at IS NOT NULL)) "
	"ORDER BY j.finished_at DESC, j.id DESC LIMIT $3" };

/* "3 hours", "2 days": how long the draft has waited. */
static const char *age_words(struct request *req, int64_t sec)
{
	if (sec < 3600)
		return arena_printf(&req->arena, "%lld minute%s", (long long)(sec / 60),
				    sec / 60 == 1 ? "" : "s");
	if (sec < 2 * 86400)
		return arena_printf(&req->arena, "%lld hour%s", (long long)(sec / 3600),
				    sec / 3600 == 1 ? "" : "s");
	return arena_printf(&req->arena, "%lld days", (long long)(sec / 86400));
}

static struct json_object *drafts_json(struct request *req, int expired, int limit)
{
	struct page *pg = page_of(req);
	struct json_object *arr;
	PGresult *r = db_query(pg->db, &q_drafts, DB_PARAMS(DB_INT(pg->user_id), DB_BOOL(expired),
							    DB_INT(limit)));

	if (!r)
		return NULL;
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(db_get_int(r, i, "id")));
		ctx_add_str(o, "video_title", db_get(r, i, "video_title"));
		ctx_add_str(o, "caption", db_get(r, i, "caption"));
		ctx_add_str(o, "account", db_get(r, i, "account"));
		ctx_add_str(o, "sent", db_get(r, i, "sent"));
		ctx_add_str(o, "age", age_words(req, db_get_int(r, i, "age")));
		ctx_add_str(o, "expired", db_get(r, i, "expired"));
		json_object_array_add(arr, o);
	}
	PQclear(r);
	return arr;
}

int page_drafts(struct request *req)
{
	struct json_object *ctx, *pending, *expired;

	if (!(pending = drafts_json(req, 0, 500)))
		return -1;
	if (!(expired = drafts_json(req, 1, DRAFTS_EXPIRED_SHOWN))) {
		json_object_put(pending);
		return -1;
	}
	ctx = page_context(req, "Finish in TikTok");
	json_object_object_add(ctx, "none", json_object_new_boolean(json_object_array_length(pending) == 0));
	json_object_object_add(ctx, "drafts", pending);
	json_object_object_add(ctx, "has_expired",
			       json_object_new_boolean(json_object_array_length(expired) > 0));
	json_object_object_add(ctx, "expired", expired);
	return render_page(req, 200, "drafts", ctx);
}
