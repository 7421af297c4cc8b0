/* page_jobs.c — progress and history: GET /jobs (the user's jobs, by
 * state, paged), GET /jobs/{id} (progress, timeline, outcome, Retry and
 * Cancel), GET /api/jobs/{id} (the JSON static/progress.js polls), and
 * POST /jobs/{id}/retry, /jobs/{id}/cancel and /jobs/{id}/move (a post
 * that has not started, to another time).
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
	J_RETRY_OF, J_ACCOUNT_STATUS, J_VIDEO_MISSING, J_SOURCE, J_STARTED, J_RUN_AT_LOCAL, J_POST_ID,
	J_NOT_PUBLIC_SINCE, J_RESOLVE_ENDED, J_VIEWS,
};

static struct db_stmt q_job = { "job_of_user",
	"SELECT j.id, j.state, j.mode, j.bytes_sent, j.bytes_total, j.chunk_size, j.chunk_count,"
	"       j.tiktok_status, j.fail_reason, j.publish_id, j.post_url,"
	"       to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"       j.video_id, v.title, v.path, j.account_id, a.display_name, a.username, j.privacy_level,"
	"       j.title, " UI_TIME("j.created_at", "$3") ","
	"       " UI_TIME("j.finished_at", "$3") ","
	"       coalesce(j.locked_until > now(), false), j.run_at > now(),"
	"       " UI_TIME("j.run_at", "$3") ", j.attempts,"
	"       (SELECT r.id FROM upload_jobs r WHERE r.retry_of = j.id), j.retry_of,"
	"       a.status, v.missing, j.source, j.started_at IS NOT NULL,"
	"       to_char(j.run_at AT TIME ZONE $3, 'YYYY-MM-DD\"T\"HH24:MI'),"
	"       j.post_id, to_char(j.no_longer_public_at, 'YYYY-MM-DD'),"
	"       j.resolve_ended_at IS NOT NULL, c.views "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"LEFT JOIN clip_results c ON c.job_id = j.id "
	"WHERE j.id = $1 AND j.user_id = $2" };

static struct db_stmt q_events = { "job_events_of_job",
	"SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"       " UI_TIME("at", "$2") ", kind, message "
	"FROM job_events WHERE job_id = $1 ORDER BY id" };

static struct db_stmt q_jobs = { "jobs_of_user",
	"SELECT j.id, j.state, j.mode, v.title, v.path, a.display_name,"
	"       " UI_TIME("j.created_at", "$5") ", j.post_url, j.fail_reason, j.video_id,"
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

/* The job (none when it is not the user's) and its events, in one round
 * trip: 0, or -1 with nothing to clear. The events are read only when the
 * job row says the job is the user's. */
static int load_job(struct request *req, int64_t id, PGresult **job, PGresult **events)
{
	struct page *pg = page_of(req);
	const struct db_param jp[] = { DB_INT(id), DB_INT(pg->user_id), DB_TEXT(page_tz(req)) };
	const struct db_param ep[] = { DB_INT(id), DB_TEXT(page_tz(req)) };
	struct db_call calls[2] = {
		{ .st = &q_job, .n = 3, .p = jp },
		{ .st = &q_events, .n = 2, .p = ep },
	};

	if (db_pipeline(pg->db, calls, 2) < 0)
		return -1;
	*job = calls[0].r;
	*events = calls[1].r;
	return 0;
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

/* The step a failed job stopped at: before anything was sent (the account
 * or the file), while the file went to TikTok, or in TikTok's processing
 * (TikTok held the whole file). */
enum fail_step { FAIL_BEFORE, FAIL_UPLOAD, FAIL_PROCESSING };

static enum fail_step failed_step(PGresult *r)
{
	long long sent = db_ll(r, 0, J_BYTES_SENT), total = db_ll(r, 0, J_BYTES_TOTAL);

	if (total > 0 && sent >= total)
		return FAIL_PROCESSING;
	if (!db_val(r, 0, J_PUBLISH_ID) && sent == 0)
		return FAIL_BEFORE;
	return FAIL_UPLOAD;
}

/* The line under the progress bar, in words: no byte counts, no TikTok
 * state names. */
static void stage_text(PGresult *r, struct buf *out)
{
	const char *state = db_val(r, 0, J_STATE), *st = db_val(r, 0, J_TIKTOK_STATUS);
	char sent[32], total[32];

	ui_size(sent, sizeof(sent), db_ll(r, 0, J_BYTES_SENT));
	ui_size(total, sizeof(total), db_ll(r, 0, J_BYTES_TOTAL));
	if (!strcmp(state, "queued")) {
		if (is_true(db_val(r, 0, J_WAITING)) && !is_true(db_val(r, 0, J_STARTED)))
			buf_printf(out, "Scheduled for %s.", db_val(r, 0, J_RUN_AT));
		else if (is_true(db_val(r, 0, J_WAITING)))
			buf_printf(out, "Waiting to try again at %s.", db_val(r, 0, J_RUN_AT));
		else
			buf_puts(out, "Waiting for its turn to upload.");
	} else if (!strcmp(state, "uploading")) {
		buf_printf(out, "Sent %s of %s.", sent, total);
	} else if (!strcmp(state, "processing")) {
		buf_printf(out, "%s This can take a few minutes.", tiktok_status_words(st));
	} else if (!strcmp(state, "published")) {
		buf_puts(out, "Posted on TikTok.");
	} else if (!strcmp(state, "inboxed")) {
		buf_puts(out, "Sent to the TikTok inbox. Open the TikTok app to finish the post.");
	} else if (!strcmp(state, "cancelled")) {
		buf_puts(out, "Cancelled before anything was sent.");
	} else {
		switch (failed_step(r)) {
		case FAIL_BEFORE:
			buf_puts(out, "Failed before the upload: nothing was sent to TikTok.");
			break;
		case FAIL_UPLOAD:
			buf_printf(out, "Failed during the upload, after %s of %s.", sent, total);
			break;
		case FAIL_PROCESSING:
			buf_puts(out, "Failed in TikTok's processing, after the whole file was sent.");
			break;
		}
	}
}

/* The timeline in words (ui.c's table): the parts of the file sent fold
 * into one line, at the place of the first part, with the time of the
 * last. */
static struct json_object *events_json(PGresult *r, PGresult *job)
{
	struct json_object *arr = json_object_new_array(), *chunks = NULL;
	long long nchunks = 0;

	for (int i = 0; i < PQntuples(r); i++) {
		const char *kind = db_val(r, i, 2);
		struct json_object *e;
		struct buf text = BUF_INIT;

		if (!strcmp(kind, "chunk") && chunks) {
			nchunks++;
			json_object_object_add(chunks, "at", json_object_new_string(db_val(r, i, 1)));
			json_object_object_add(chunks, "at_iso", json_object_new_string(db_val(r, i, 0)));
			continue;
		}
		e = json_object_new_object();
		ctx_add_str(e, "at", db_val(r, i, 1));
		ctx_add_str(e, "at_iso", db_val(r, i, 0));
		ctx_add_str(e, "kind", kind);
		ctx_add_str(e, "label", job_event_label(kind));
		job_event_text(kind, db_val(r, i, 3), &text);
		json_object_object_add(e, "message", json_object_new_string(buf_cstr(&text)));
		buf_free(&text);
		json_object_array_add(arr, e);
		if (!strcmp(kind, "chunk")) {
			chunks = e;
			nchunks = 1;
		}
	}
	if (chunks) {
		char sent[32], total[32], parts[48];
		struct buf text = BUF_INIT;

		ui_size(sent, sizeof(sent), db_ll(job, 0, J_BYTES_SENT));
		ui_size(total, sizeof(total), db_ll(job, 0, J_BYTES_TOTAL));
		ui_count(parts, sizeof(parts), nchunks, "part", "parts");
		if (db_ll(job, 0, J_BYTES_TOTAL) > 0 && db_ll(job, 0, J_BYTES_SENT) >= db_ll(job, 0, J_BYTES_TOTAL))
			buf_printf(&text, "Sent all %s of the video in %s.", total, parts);
		else
			buf_printf(&text, "Sent %s of %s (%s so far).", sent, total, parts);
		json_object_object_add(chunks, "message", json_object_new_string(buf_cstr(&text)));
		buf_free(&text);
	}
	return arr;
}

/* What the page says after the end, and the buttons: which step failed
 * and what to do, the post's link or why there is none, the next steps. */
static void job_next_steps(PGresult *r, struct json_object *job, const char *privacy)
{
	const char *state = db_val(r, 0, J_STATE);
	int failed = !strcmp(state, "failed"), done = !strcmp(state, "published") || !strcmp(state, "inboxed");

	add_bool(job, "done", done);
	ctx_add_str(job, "bar_class", failed ? "bar-failed" : done ? "bar-done" :
		    !strcmp(state, "cancelled") ? "bar-cancelled" : "bar-running");
	if (failed) {
		switch (failed_step(r)) {
		case FAIL_BEFORE:
			ctx_add_str(job, "what_to_do", "Nothing reached TikTok. Fix what the reason above says, "
				    "then choose Edit and retry: the composer opens with this post's caption and settings.");
			break;
		case FAIL_UPLOAD:
			ctx_add_str(job, "what_to_do", "TikTok did not get the whole video, so nothing was posted. "
				    "Retry sends it again with the same settings; Edit and retry lets you change them first.");
			break;
		case FAIL_PROCESSING:
			ctx_add_str(job, "what_to_do", "TikTok received the video and then refused it. Fix what the "
				    "reason above says (often the video file itself), then post it again with Edit and retry.");
			break;
		}
	}
	/* an "Only me" post: TikTok announces the id of public posts only */
	if (!strcmp(state, "published") && privacy && !strcmp(privacy, "SELF_ONLY") && !db_val(r, 0, J_POST_URL))
		ctx_add_str(job, "no_link_why", "TikTok gives no link to a post that only you can see. "
			    "Find it in the TikTok app, on your profile, under your private videos.");
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
	PGresult *r, *er;
	int rc;

	if (id < 0)
		return job_not_found(req);
	if (load_job(req, id, &r, &er) < 0)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		PQclear(er);
		return job_not_found(req);
	}
	events = events_json(er, r);
	PQclear(er);
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
	ctx_add_str(job, "source_label", job_source_label(db_val(r, 0, J_SOURCE)));
	add_bool(job, "pulled", !strcmp(db_val(r, 0, J_SOURCE), "PULL_FROM_URL"));
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
	stage_text(r, &stage);
	ctx_add_str(job, "stage", buf_cstr(&stage));
	job_next_steps(r, job, privacy);
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
	if (jobs_changeable(state, is_true(db_val(r, 0, J_STARTED)), is_true(db_val(r, 0, J_LOCKED)))) {
		/* a post that has not started: its time and settings can change */
		add_bool(job, "can_change", 1);
		ctx_add_str(job, "run_at_shown", db_val(r, 0, J_RUN_AT));
		ctx_add_str(job, "run_local", db_val(r, 0, J_RUN_AT_LOCAL));
		ctx_add_str(job, "zone", page_tz(req));
	}
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
	PGresult *r, *er;

	req_header(req, "Content-Type: application/json; charset=utf-8");
	if (id < 0)
		goto not_found;
	if (load_job(req, id, &r, &er) < 0)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		PQclear(er);
		goto not_found;
	}
	events = events_json(er, r);
	PQclear(er);
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
		stage_text(r, &stage);
		json_object_object_add(o, "stage", json_object_new_string(buf_cstr(&stage)));
		json_object_object_add(o, "state_label", json_object_new_string(job_state_label(db_val(r, 0, J_STATE))));
		json_object_object_add(o, "can_cancel", json_object_new_boolean(
			jobs_cancel_allowed(db_val(r, 0, J_STATE), is_true(db_val(r, 0, J_LOCKED)))));
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
						 DB_INT((pageno - 1) * JOBS_PAGE_SIZE), DB_TEXT(page_tz(req))));
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

/* Move a post that has not started to another time (the user's wall-clock
 * time in their zone, as the composer takes it). Back to the schedule page
 * when the form came from there. */
int page_job_move(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = job_id_param(req);
	const char *why = NULL, *back = kv_get(&req->form, "back");
	char loc[48], instant[40], shown[64];
	int rc;

	if (id < 0)
		return job_not_found(req);
	rc = jobs_schedule_instant(pg->db, kv_get(&req->form, "run_local"), page_tz(req), instant, shown);
	if (rc == 0)
		rc = jobs_move(pg->db, id, pg->user_id, instant, pg->user_name, &why);
	if (rc == JOBS_NOT_FOUND)
		return job_not_found(req);
	if (rc == JOBS_REFUSED)
		return render_error(req, 409, "This post can no longer be moved", why);
	if (rc > 0)
		return render_error(req, 422, "The post was not moved", jobs_refusal_text(rc));
	if (rc < 0)
		return -1;
	log_info("event=job_move_page job_id=%lld", (long long)id);
	if (back && !strcmp(back, "schedule"))
		redirect(req, 303, "/schedule");
	else {
		snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)id);
		redirect(req, 303, loc);
	}
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
