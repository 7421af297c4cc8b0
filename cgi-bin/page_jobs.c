/* page_jobs.c — progress and history: GET /jobs (the user's jobs, by
 * state, paged), GET /jobs/{id} (progress, timeline, outcome, Retry and
 * Cancel), GET /api/jobs/{id} (the JSON static/progress.js polls), and
 * POST /jobs/{id}/retry and /jobs/{id}/cancel.
 *
 * A job is visible only to the user who made it: anyone else gets the same
 * 404 as for a job that does not exist.
 *
 * Retry makes a NEW job (new submission id, retry_of = the failed job) with
 * the same settings, so the failed job keeps its history; it is offered
 * only when TikTok never received the whole file for the failed job (no
 * chance of a second post), the account is still connected and the file
 * is still there. Cancel works only while the job is queued and no worker
 * holds it. */
#include "app.h"
#include "escape.h"
#include "log.h"
#include "jobs.h"
#include "tiktok_creator.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define JOBS_PAGE_SIZE 25

/* Column order of q_job; keep in step with the SELECT. */
enum {
	J_ID, J_STATE, J_MODE, J_BYTES_SENT, J_BYTES_TOTAL, J_CHUNK_SIZE, J_CHUNK_COUNT,
	J_TIKTOK_STATUS, J_FAIL_REASON, J_PUBLISH_ID, J_POST_URL, J_UPDATED_ISO, J_VIDEO_ID,
	J_VIDEO_TITLE, J_VIDEO_PATH, J_ACCOUNT_ID, J_ACCOUNT_NAME, J_ACCOUNT_USERNAME, J_PRIVACY,
	J_TITLE, J_CREATED, J_FINISHED, J_LOCKED, J_WAITING, J_RUN_AT, J_ATTEMPTS, J_RETRY_ID,
	J_RETRY_OF, J_ACCOUNT_STATUS, J_VIDEO_MISSING, J_POST_ID, J_NOT_PUBLIC_SINCE,
	J_RESOLVE_ENDED, J_VIEWS,
};

static struct db_stmt q_job = { "job_of_user",
	"SELECT j.id, j.state, j.mode, j.bytes_sent, j.bytes_total, j.chunk_size, j.chunk_count,"
	"       j.tiktok_status, j.fail_reason, j.publish_id, j.post_url,"
	"       to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"       j.video_id, v.title, v.path, j.account_id, a.display_name, a.username, j.privacy_level,"
	"       j.title, to_char(j.created_at, 'YYYY-MM-DD HH24:MI:SS'),"
	"       to_char(j.finished_at, 'YYYY-MM-DD HH24:MI:SS'),"
	"       coalesce(j.locked_until > now(), false), j.run_at > now(),"
	"       to_char(j.run_at, 'HH24:MI:SS'), j.attempts,"
	"       (SELECT r.id FROM upload_jobs r WHERE r.retry_of = j.id), j.retry_of,"
	"       a.status, v.missing, j.post_id, to_char(j.no_longer_public_at, 'YYYY-MM-DD'),"
	"       j.resolve_ended_at IS NOT NULL, c.views "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"LEFT JOIN clip_results c ON c.job_id = j.id "
	"WHERE j.id = $1 AND j.user_id = $2" };

static struct db_stmt q_events = { "job_events_of_job",
	"SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"       to_char(at, 'YYYY-MM-DD HH24:MI:SS'), kind, message "
	"FROM job_events WHERE job_id = $1 ORDER BY id" };

static struct db_stmt q_jobs = { "jobs_of_user",
	"SELECT j.id, j.state, j.mode, v.title, v.path, a.display_name,"
	"       to_char(j.created_at, 'YYYY-MM-DD HH24:MI'), j.post_url, j.fail_reason, j.video_id,"
	"       j.bytes_sent, j.bytes_total "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE j.user_id = $1 AND ($2 = '' OR j.state = $2) "
	"ORDER BY j.id DESC LIMIT $3 OFFSET $4" };

static struct db_stmt q_jobs_count = { "jobs_of_user_count",
	"SELECT count(*) FROM upload_jobs WHERE user_id = $1 AND ($2 = '' OR state = $2)" };


static void add_bool(struct json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static int is_true(const char *v)
{
	return v && !strcmp(v, "t");
}

static int job_not_found(struct request *req)
{
	return render_error(req, 404, "Job not found", "You have no upload job with this number.");
}

static PGresult *load_job(struct request *req, int64_t id)
{
	struct page *pg = page_of(req);

	return db_query(pg->db, &q_job, DB_PARAMS(DB_INT(id), DB_INT(pg->user_id)));
}

/* Chunks TikTok accepted: every chunk is chunk_size bytes except the last,
 * which absorbs the remainder (tiktok-api.md §2.4). */
static long long chunks_accepted(PGresult *r)
{
	long long sent = db_ll(r, 0, J_BYTES_SENT), total = db_ll(r, 0, J_BYTES_TOTAL);
	long long size = db_ll(r, 0, J_CHUNK_SIZE), count = db_ll(r, 0, J_CHUNK_COUNT);
	long long k;

	if (size <= 0 || count <= 0)
		return 0;
	if (total > 0 && sent >= total)
		return count;
	k = sent / size;
	return k < count ? k : count - 1;
}

/* The line under the progress bar, in words. */
static void stage_text(PGresult *r, long long chunk, struct buf *out)
{
	const char *state = db_val(r, 0, J_STATE), *st = db_val(r, 0, J_TIKTOK_STATUS);
	double sent = (double)db_ll(r, 0, J_BYTES_SENT) / 1e6, total = (double)db_ll(r, 0, J_BYTES_TOTAL) / 1e6;
	long long count = db_ll(r, 0, J_CHUNK_COUNT);

	if (!strcmp(state, "queued")) {
		if (is_true(db_val(r, 0, J_WAITING)))
			buf_printf(out, "Waiting to try again at %s.", db_val(r, 0, J_RUN_AT));
		else
			buf_puts(out, "Waiting for an upload worker.");
	} else if (!strcmp(state, "uploading")) {
		buf_printf(out, "Uploading to TikTok: %.1f MB of %.1f MB", sent, total);
		if (count > 0)
			buf_printf(out, " (chunk %lld of %lld)", chunk, count);
		buf_putc(out, '.');
	} else if (!strcmp(state, "processing")) {
		buf_puts(out, "TikTok is processing the video");
		if (st && *st)
			buf_printf(out, " (%s)", st);
		buf_puts(out, ". This can take a few minutes.");
	} else if (!strcmp(state, "published")) {
		buf_puts(out, "Posted on TikTok.");
	} else if (!strcmp(state, "inboxed")) {
		buf_puts(out, "Sent to the TikTok inbox. Open the TikTok app to finish the post.");
	} else if (!strcmp(state, "cancelled")) {
		buf_puts(out, "Cancelled before anything was sent.");
	} else {
		buf_puts(out, "The upload failed.");
	}
}

static struct json_object *events_json(struct request *req, int64_t id, int for_page)
{
	struct json_object *arr = json_object_new_array();
	PGresult *r;

	r = db_query(page_of(req)->db, &q_events, DB_PARAMS(DB_INT(id)));
	if (!r) {
		json_object_put(arr);
		return NULL;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *e = json_object_new_object();
		ctx_add_str(e, "at", db_val(r, i, for_page ? 1 : 0));
		ctx_add_str(e, "kind", db_val(r, i, 2));
		json_object_object_add(e, "message", json_object_new_string(db_val(r, i, 3)));
		json_object_array_add(arr, e);
	}
	PQclear(r);
	return arr;
}

static int64_t job_id_param(struct request *req)
{
	return param_id(req, "id");
}

int page_job(struct request *req)
{
	int64_t id = job_id_param(req);
	struct json_object *ctx, *job, *events;
	struct buf stage = BUF_INIT;
	const char *state, *why = NULL, *privacy;
	long long chunk;
	PGresult *r;
	int rc;

	if (id < 0)
		return job_not_found(req);
	r = load_job(req, id);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return job_not_found(req);
	}
	events = events_json(req, id, 1);
	if (!events) {
		PQclear(r);
		return -1;
	}
	state = db_val(r, 0, J_STATE);
	chunk = chunks_accepted(r);
	ctx = page_context(req, "Upload job");
	job = json_object_new_object();
	json_object_object_add(job, "id", json_object_new_int64(id));
	ctx_add_str(job, "state", state);
	ctx_add_str(job, "state_label", job_state_label(state));
	add_bool(job, "inbox", !strcmp(db_val(r, 0, J_MODE), "inbox"));
	ctx_add_str(job, "video_id", db_val(r, 0, J_VIDEO_ID));
	ctx_add_str(job, "video_title", db_val(r, 0, J_VIDEO_TITLE) ? db_val(r, 0, J_VIDEO_TITLE)
								 : db_val(r, 0, J_VIDEO_PATH));
	ctx_add_str(job, "account_name", db_val(r, 0, J_ACCOUNT_NAME));
	ctx_add_str(job, "account_username", db_val(r, 0, J_ACCOUNT_USERNAME));
	privacy = db_val(r, 0, J_PRIVACY);
	if (privacy) {
		ctx_add_str(job, "privacy_label", tiktok_privacy_label(privacy));
		add_bool(job, "private_post", strcmp(privacy, "PUBLIC_TO_EVERYONE") != 0);
	}
	ctx_add_str(job, "title", db_val(r, 0, J_TITLE));
	ctx_add_str(job, "created", db_val(r, 0, J_CREATED));
	ctx_add_str(job, "finished", db_val(r, 0, J_FINISHED));
	json_object_object_add(job, "bytes_sent", json_object_new_int64(db_ll(r, 0, J_BYTES_SENT)));
	json_object_object_add(job, "bytes_total", json_object_new_int64(db_ll(r, 0, J_BYTES_TOTAL)));
	json_object_object_add(job, "progress_max", json_object_new_int64(db_ll(r, 0, J_BYTES_TOTAL) > 0 ?
									   db_ll(r, 0, J_BYTES_TOTAL) : 1));
	json_object_object_add(job, "progress_value", json_object_new_int64(
		!strcmp(state, "processing") || !strcmp(state, "published") || !strcmp(state, "inboxed")
			? (db_ll(r, 0, J_BYTES_TOTAL) > 0 ? db_ll(r, 0, J_BYTES_TOTAL) : 1)
			: db_ll(r, 0, J_BYTES_SENT)));
	json_object_object_add(job, "chunk_index", json_object_new_int64(chunk));
	json_object_object_add(job, "chunk_count", json_object_new_int64(db_ll(r, 0, J_CHUNK_COUNT)));
	stage_text(r, chunk, &stage);
	ctx_add_str(job, "stage", buf_cstr(&stage));
	ctx_add_str(job, "tiktok_status", db_val(r, 0, J_TIKTOK_STATUS));
	ctx_add_str(job, "fail_reason", db_val(r, 0, J_FAIL_REASON));
	ctx_add_str(job, "post_url", db_val(r, 0, J_POST_URL));
	add_bool(job, "failed", !strcmp(state, "failed"));
	add_bool(job, "published", !strcmp(state, "published"));
	/* a public post whose id TikTok has not given yet (worker/resolve.c follows it) */
	add_bool(job, "moderation", !strcmp(state, "published") && !db_val(r, 0, J_POST_ID) &&
		 (!privacy || !strcmp(privacy, "PUBLIC_TO_EVERYONE")) &&
		 !is_true(db_val(r, 0, J_RESOLVE_ENDED)));
	ctx_add_str(job, "not_public_since", db_val(r, 0, J_NOT_PUBLIC_SINCE));
	ctx_add_str(job, "views", db_val(r, 0, J_VIEWS));
	add_bool(job, "running", jobs_state_active(state));
	add_bool(job, "can_cancel", jobs_cancel_allowed(state, is_true(db_val(r, 0, J_LOCKED))));
	add_bool(job, "can_retry", jobs_repost_allowed(page_of(req)->db, id, &why) == 1);
	ctx_add_str(job, "retry_note", why);
	ctx_add_str(job, "retry_id", db_val(r, 0, J_RETRY_ID));
	ctx_add_str(job, "retry_of", db_val(r, 0, J_RETRY_OF));
	json_object_object_add(ctx, "job", job);
	json_object_object_add(ctx, "events", events);
	buf_free(&stage);
	PQclear(r);
	rc = render_page(req, 200, "job", ctx);
	return rc;
}

static void json_str_or_null(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

int page_job_api(struct request *req)
{
	int64_t id = job_id_param(req);
	struct json_object *o, *events;
	PGresult *r;

	req_header(req, "Content-Type: application/json; charset=utf-8");
	if (id < 0)
		goto not_found;
	if (!(r = load_job(req, id)))
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		goto not_found;
	}
	events = events_json(req, id, 0);
	if (!events) {
		PQclear(r);
		return -1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_str_or_null(o, "state", db_val(r, 0, J_STATE));
	json_str_or_null(o, "mode", db_val(r, 0, J_MODE));
	json_object_object_add(o, "bytes_sent", json_object_new_int64(db_ll(r, 0, J_BYTES_SENT)));
	json_object_object_add(o, "bytes_total", json_object_new_int64(db_ll(r, 0, J_BYTES_TOTAL)));
	json_object_object_add(o, "chunk_size", db_val(r, 0, J_CHUNK_SIZE) ?
				json_object_new_int64(db_ll(r, 0, J_CHUNK_SIZE)) : NULL);
	json_object_object_add(o, "chunk_count", db_val(r, 0, J_CHUNK_COUNT) ?
				json_object_new_int64(db_ll(r, 0, J_CHUNK_COUNT)) : NULL);
	json_object_object_add(o, "chunk_index", json_object_new_int64(chunks_accepted(r)));
	json_str_or_null(o, "tiktok_status", db_val(r, 0, J_TIKTOK_STATUS));
	json_str_or_null(o, "fail_reason", db_val(r, 0, J_FAIL_REASON));
	json_str_or_null(o, "publish_id", db_val(r, 0, J_PUBLISH_ID));
	json_str_or_null(o, "post_url", db_val(r, 0, J_POST_URL));
	json_str_or_null(o, "updated_at", db_val(r, 0, J_UPDATED_ISO));
	json_object_object_add(o, "events", events);
	{
		/* the words the page shows, so the script needs no copy of them */
		struct buf stage = BUF_INIT;
		stage_text(r, chunks_accepted(r), &stage);
		json_object_object_add(o, "stage", json_object_new_string(buf_cstr(&stage)));
		buf_free(&stage);
	}
	PQclear(r);
	req->status = 200;
	buf_reset(&req->out);
	buf_puts(&req->out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
not_found:
	req->status = 404;
	buf_reset(&req->out);
	buf_puts(&req->out, "{\"error\":\"not_found\"}");
	return 0;
}

int page_jobs(struct request *req)
{
	struct page *pg = page_of(req);
	const char *state = kv_get(&req->query, "state");
	int64_t pageno = 1;
	const char *p = kv_get(&req->query, "page");
	struct json_object *ctx, *list, *filters;
	char href[96];
	long long total;
	PGresult *r, *c;

	if (!state || !*state || !strcmp(state, "all"))
		state = "";
	else {
		size_t i;
		for (i = 0; i < job_nstates; i++)
			if (!strcmp(state, job_states[i]))
				break;
		if (i == job_nstates)
			state = "";
	}
	if (p && parse_int64(p, 1, 1000000, &pageno) < 0)
		pageno = 1;
	c = db_query(pg->db, &q_jobs_count, DB_PARAMS(DB_INT(pg->user_id), DB_TEXT(state)));
	if (!c)
		return -1;
	total = db_ll(c, 0, 0);
	PQclear(c);
	r = db_query(pg->db, &q_jobs, DB_PARAMS(DB_INT(pg->user_id), DB_TEXT(state), DB_INT(JOBS_PAGE_SIZE),
						 DB_INT((pageno - 1) * JOBS_PAGE_SIZE)));
	if (!r)
		return -1;

	ctx = page_context(req, "Upload history");
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_int64(db_ll(r, i, 0)));
		ctx_add_str(j, "state", db_val(r, i, 1));
		ctx_add_str(j, "state_label", job_state_label(db_val(r, i, 1)));
		add_bool(j, "inbox", !strcmp(db_val(r, i, 2), "inbox"));
		ctx_add_str(j, "video_title", db_val(r, i, 3) ? db_val(r, i, 3) : db_val(r, i, 4));
		ctx_add_str(j, "account_name", db_val(r, i, 5));
		ctx_add_str(j, "created", db_val(r, i, 6));
		ctx_add_str(j, "post_url", db_val(r, i, 7));
		ctx_add_str(j, "fail_reason", db_val(r, i, 8));
		json_object_array_add(list, j);
	}
	PQclear(r);
	json_object_object_add(ctx, "jobs", list);
	add_bool(ctx, "no_jobs", json_object_array_length(list) == 0);

	filters = json_object_new_array();
	{
		struct json_object *f = json_object_new_object();
		ctx_add_str(f, "label", "All");
		ctx_add_str(f, "href", "/jobs");
		add_bool(f, "current", !*state);
		json_object_array_add(filters, f);
	}
	for (size_t i = 0; i < job_nstates; i++) {
		struct json_object *f = json_object_new_object();
		snprintf(href, sizeof(href), "/jobs?state=%s", job_states[i]);
		ctx_add_str(f, "label", job_state_label(job_states[i]));
		ctx_add_str(f, "href", href);
		add_bool(f, "current", !strcmp(state, job_states[i]));
		json_object_array_add(filters, f);
	}
	json_object_object_add(ctx, "filters", filters);
	json_object_object_add(ctx, "total", json_object_new_int64(total));
	ctx_add_count(ctx, "total_text", total, "job", "jobs");
	if (pageno > 1) {
		snprintf(href, sizeof(href), "/jobs?%s%s%spage=%lld", *state ? "state=" : "", state,
			 *state ? "&" : "", (long long)pageno - 1);
		ctx_add_str(ctx, "prev_href", href);
	}
	if (pageno * JOBS_PAGE_SIZE < total) {
		snprintf(href, sizeof(href), "/jobs?%s%s%spage=%lld", *state ? "state=" : "", state,
			 *state ? "&" : "", (long long)pageno + 1);
		ctx_add_str(ctx, "next_href", href);
	}
	json_object_object_add(ctx, "page", json_object_new_int64(pageno));
	return render_page(req, 200, "jobs", ctx);
}

/* The job must be the user's: anyone else gets the 404 of a missing job. */
int page_job_cancel(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = job_id_param(req);
	const char *why;
	char loc[48];
	int rc;

	if (id < 0)
		return job_not_found(req);
	rc = jobs_cancel(pg->db, id, pg->user_id, pg->user_name, &why);
	if (rc == JOBS_NOT_FOUND)
		return job_not_found(req);
	if (rc == JOBS_REFUSED)
		return render_error(req, 409, "This job can no longer be cancelled", why);
	if (rc < 0)
		return -1;
	snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)id);
	redirect(req, 303, loc);
	return 0;
}

/* Retry makes a new job (lib/jobs.h, jobs_repost); a second click lands on
 * the retry that exists already. */
int page_job_retry(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = job_id_param(req), new_id = 0;
	const char *why;
	char loc[48];
	int rc;

	if (id < 0)
		return job_not_found(req);
	rc = jobs_repost(pg->db, id, pg->user_id, pg->user_name, &new_id, &why);
	if (rc == JOBS_NOT_FOUND)
		return job_not_found(req);
	if (rc == JOBS_REFUSED && !new_id)
		return render_error(req, 409, "This job cannot be retried", why);
	if (rc < 0)
		return -1;
	snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)new_id);
	redirect(req, 303, loc);
	return 0;
}
