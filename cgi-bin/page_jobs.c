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
 * holds it.
 *
 * The page and the API are kept rendered (page_cache.c) while the job's
 * version is the same, so the poll of an unchanged job asks the database
 * for the session and that version only (load_job). */
#include "app.h"
#include "escape.h"
#include "log.h"
#include "jobs.h"
#include "tiktok_creator.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define JOBS_PAGE_SIZE 25

/* Read by column name (lib/db.h): every computed column has its name.
 * The job page and its API load the session in the same round trip
 * (R_OWN_SESSION): the statements take the session hash ($2) and see the
 * job only when it is the viewer's, times in the viewer's zone. */

/* What an answer kept rendered (page_cache.c) depends on, beyond the
 * viewer's page generation (the video, the account, the post's views, a
 * retry made, the zone: sql/051): the job row's own version (xmin changes
 * with every update of the row, and only then), its last event, and the
 * two facts that change with the clock alone (a worker's lease running
 * out, the time to run coming). */
#define JOB_VERSION \
	"concat_ws(':', j.xmin, coalesce((SELECT max(e.id) FROM job_events e WHERE e.job_id = j.id), 0)," \
	" coalesce(j.locked_until > now(), false), coalesce(j.run_at > now(), false))"
/* In how many ms the first of those two facts turns (NULL: neither will),
 * for the page cache's trust (page_holds). */
#define JOB_TURNS_IN_MS \
	"floor(1000 * extract(epoch FROM least(CASE WHEN j.locked_until > now() THEN j.locked_until - now() END," \
	" CASE WHEN j.run_at > now() THEN j.run_at - now() END)))::bigint"

static struct db_stmt q_job = { "job_of_session",
	"WITH " SESSION_VIEWER("$2") " "
	"SELECT j.id, j.state, j.mode, j.bytes_sent, j.bytes_total, j.chunk_size, j.chunk_count,"
	"       j.tiktok_status, j.fail_reason, j.publish_id, j.post_url,"
	"       to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS updated_iso,"
	"       j.video_id, v.title AS video_title, v.path AS video_path, j.account_id,"
	"       a.display_name AS account_name, a.username AS account_username,"
	"       j.privacy_level AS privacy,"
	"       j.title, " UI_TIME("j.created_at", "w.tz") " AS created,"
	"       " UI_TIME("j.finished_at", "w.tz") " AS finished,"
	"       coalesce(j.locked_until > now(), false) AS locked, j.run_at > now() AS waiting,"
	"       " UI_TIME("j.run_at", "w.tz") " AS run_at, j.attempts,"
	"       (SELECT r.id FROM upload_jobs r WHERE r.retry_of = j.id) AS retry_id, j.retry_of,"
	"       a.status AS account_status, v.missing AS video_missing, j.source,"
	"       j.started_at IS NOT NULL AS started,"
	"       to_char(j.run_at AT TIME ZONE w.tz, 'YYYY-MM-DD\"T\"HH24:MI') AS run_at_local,"
	"       j.post_id, to_char(j.no_longer_public_at, 'YYYY-MM-DD') AS not_public_since,"
	"       j.resolve_ended_at IS NOT NULL AS resolve_ended, c.views,"
	"       " JOB_VERSION " AS job_version, " JOB_TURNS_IN_MS " AS turns_in_ms "
	"FROM viewer w JOIN upload_jobs j ON j.user_id = w.user_id "
	"JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"LEFT JOIN clip_results c ON c.job_id = j.id "
	"WHERE j.id = $1" };

static struct db_stmt q_events = { "job_events_of_session",
	"WITH " SESSION_VIEWER("$2") " "
	"SELECT to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at_iso,"
	"       " UI_TIME("e.at", "w.tz") " AS at, e.kind, e.message "
	"FROM viewer w JOIN upload_jobs j ON j.user_id = w.user_id "
	"JOIN job_events e ON e.job_id = j.id "
	"WHERE j.id = $1 ORDER BY e.id" };

/* The job's version alone: all a poll of an unchanged job asks. */
static struct db_stmt q_job_version = { "job_version_of_session",
	"WITH " SESSION_VIEWER("$2") " "
	"SELECT " JOB_VERSION " AS job_version, " JOB_TURNS_IN_MS " AS turns_in_ms "
	"FROM viewer w JOIN upload_jobs j ON j.user_id = w.user_id WHERE j.id = $1" };

static struct db_stmt q_jobs = { "jobs_of_user",
	"SELECT j.id, j.state, j.mode, v.title AS video_title, v.path AS video_path,"
	"       a.display_name AS account_name,"
	"       " UI_TIME("j.created_at", "$5") " AS created, j.post_url, j.fail_reason, j.video_id,"
	"       j.bytes_sent, j.bytes_total "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE j.user_id = $1 AND ($2 = '' OR j.state = $2) "
	"ORDER BY j.id DESC LIMIT $3 OFFSET $4" };

static struct db_stmt q_jobs_count = { "jobs_of_user_count",
	"SELECT count(*) AS n FROM upload_jobs WHERE user_id = $1 AND ($2 = '' OR state = $2)" };


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

/* The version of an answer rendered from the job's row now, or read from
 * q_job_version: the viewer's page generation and the job's own. The
 * row's clock facts also bound the page cache's trust (page_holds). */
static const char *answer_version(struct request *req, PGresult *r)
{
	struct page *pg = page_of(req);

	if (!pg->page_generation_known)
		return NULL;
	page_holds(req, db_is_null(r, 0, "turns_in_ms") ? -1 : db_get_int(r, 0, "turns_in_ms"));
	return arena_printf(&req->arena, "%lld:%s", (long long)pg->page_generation,
			    db_get_text(r, 0, "job_version"));
}

/* The session, then either the job's version alone (an answer is kept for
 * this page: kept) or the job (no row when it is not the viewer's) and its
 * events, in one round trip (session_load_with). A kept answer that is no
 * longer exact costs a second round trip, for the job and its events. 2:
 * the kept answer is still exact; 0: *job and *events hold the results; 1:
 * nobody is signed in; -1: database error (2, 1 and -1: nothing to
 * clear). */
static int load_job(struct request *req, int64_t id, struct page_kept *kept, PGresult **job,
		    PGresult **events)
{
	const char *cookie_hash = session_cookie_hash(req), *now;
	struct db_param p[2] = { DB_INT(id), DB_NULL };   /* p[1]: the session hash */
	struct db_call calls[2] = {
		{ .st = &q_job, .n = 2, .p = p },
		{ .st = &q_events, .n = 2, .p = p },
	};
	struct db_call version = { .st = &q_job_version, .n = 2, .p = p };
	int rc, exact;

	kept->version = NULL;
	if (cookie_hash && page_cache_copy(req, cookie_hash, NULL, kept)) {
		rc = session_load_with(req, cookie_hash, &version, 1, &p[1]);
		if (rc != 0)
			return rc;
		now = PQntuples(version.r) == 1 ? answer_version(req, version.r) : NULL;
		exact = now && !strcmp(now, kept->version);
		PQclear(version.r);
		if (exact) {
			page_cache_trust(req, cookie_hash, kept->version);
			return 2;
		}
		/* changed, or gone: the job as it is now (p[1] is set) */
		if (db_pipeline(page_of(req)->db, calls, 2) < 0)
			return -1;
	} else {
		rc = session_load_with(req, cookie_hash, calls, 2, &p[1]);
		if (rc != 0)
			return rc;
	}
	*job = calls[0].r;
	*events = calls[1].r;
	return 0;
}

/* Chunks TikTok accepted: every chunk is chunk_size bytes except the last,
 * which absorbs the remainder (tiktok-api.md §2.4). */
static long long chunks_accepted(PGresult *r)
{
	long long sent = db_get_int(r, 0, "bytes_sent"), total = db_get_int(r, 0, "bytes_total");
	long long size = db_get_int(r, 0, "chunk_size"), count = db_get_int(r, 0, "chunk_count");
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
	long long sent = db_get_int(r, 0, "bytes_sent"), total = db_get_int(r, 0, "bytes_total");

	if (total > 0 && sent >= total)
		return FAIL_PROCESSING;
	if (!db_get(r, 0, "publish_id") && sent == 0)
		return FAIL_BEFORE;
	return FAIL_UPLOAD;
}

/* The line under the progress bar, in words: no byte counts, no TikTok
 * state names. */
static void stage_text(PGresult *r, struct buf *out)
{
	const char *state = db_get(r, 0, "state"), *st = db_get(r, 0, "tiktok_status");
	char sent[32], total[32];

	ui_size(sent, sizeof(sent), db_get_int(r, 0, "bytes_sent"));
	ui_size(total, sizeof(total), db_get_int(r, 0, "bytes_total"));
	if (!strcmp(state, "queued")) {
		if (is_true(db_get(r, 0, "waiting")) && !is_true(db_get(r, 0, "started")))
			buf_printf(out, "Scheduled for %s.", db_get(r, 0, "run_at"));
		else if (is_true(db_get(r, 0, "waiting")))
			buf_printf(out, "Waiting to try again at %s.", db_get(r, 0, "run_at"));
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

/* One line of a job's timeline, as the page and the API show it. */
struct timeline_line {
	const char *at, *at_iso, *kind, *label, *message;
};

/* The timeline in words (ui.c's table): the parts of the file sent fold
 * into one line, at the place of the first part, with the time of the
 * last. The lines (in the request's arena; they point into r, which must
 * outlive them) and their number. */
static size_t job_timeline(struct request *req, PGresult *r, PGresult *job, struct timeline_line **out)
{
	struct timeline_line *lines = arena_alloc(&req->arena, sizeof(*lines) * (size_t)(PQntuples(r) + 1));
	struct timeline_line *chunks = NULL;
	long long nchunks = 0;
	size_t n = 0;

	for (int i = 0; i < PQntuples(r); i++) {
		const char *kind = db_get(r, i, "kind");
		struct buf text = BUF_INIT;

		if (!strcmp(kind, "chunk") && chunks) {
			nchunks++;
			chunks->at = db_get(r, i, "at");
			chunks->at_iso = db_get(r, i, "at_iso");
			continue;
		}
		job_event_text(kind, db_get(r, i, "message"), &text);
		lines[n] = (struct timeline_line){ .at = db_get(r, i, "at"), .at_iso = db_get(r, i, "at_iso"),
			.kind = kind, .label = job_event_label(kind),
			.message = arena_strdup(&req->arena, buf_cstr(&text)) };
		buf_free(&text);
		if (!strcmp(kind, "chunk")) {
			chunks = &lines[n];
			nchunks = 1;
		}
		n++;
	}
	if (chunks) {
		long long sent = db_get_int(job, 0, "bytes_sent"), total = db_get_int(job, 0, "bytes_total");
		char sent_s[32], total_s[32], parts[48];

		ui_size(sent_s, sizeof(sent_s), sent);
		ui_size(total_s, sizeof(total_s), total);
		ui_count(parts, sizeof(parts), nchunks, "part", "parts");
		if (total > 0 && sent >= total)
			chunks->message = arena_printf(&req->arena, "Sent all %s of the video in %s.", total_s, parts);
		else
			chunks->message = arena_printf(&req->arena, "Sent %s of %s (%s so far).", sent_s, total_s, parts);
	}
	*out = lines;
	return n;
}

/* The timeline for the page's template (ctx_add_str: an empty value is
 * no key). */
static struct json_object *events_json(const struct timeline_line *lines, size_t n)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();

		ctx_add_str(e, "at", lines[i].at);
		ctx_add_str(e, "at_iso", lines[i].at_iso);
		ctx_add_str(e, "kind", lines[i].kind);
		ctx_add_str(e, "label", lines[i].label);
		json_object_object_add(e, "message", json_object_new_string(lines[i].message));
		json_object_array_add(arr, e);
	}
	return arr;
}

/* ---- JSON written straight into the answer (/api/jobs/{id}) ----
 * One object at a time: jw_open, members (keys are the code's own
 * words, written as they are), jw_close. */
struct json_out {
	struct buf *out;
	int members;             /* written so far in the open object */
};

static void jw_open(struct json_out *j)
{
	buf_putc(j->out, '{');
	j->members = 0;
}

static void jw_close(struct json_out *j)
{
	buf_putc(j->out, '}');
}

static void jw_key(struct json_out *j, const char *key)
{
	buf_printf(j->out, "%s\"%s\":", j->members++ ? "," : "", key);
}

/* a string, or null for NULL */
static void jw_str(struct json_out *j, const char *key, const char *v)
{
	jw_key(j, key);
	if (!v) {
		buf_puts(j->out, "null");
		return;
	}
	buf_putc(j->out, '"');
	json_escape(j->out, v);
	buf_putc(j->out, '"');
}

/* the events' keys follow ctx_add_str's rule: an empty value is no key */
static void jw_str_nonempty(struct json_out *j, const char *key, const char *v)
{
	if (v && *v)
		jw_str(j, key, v);
}

static void jw_int(struct json_out *j, const char *key, long long v)
{
	jw_key(j, key);
	buf_printf(j->out, "%lld", v);
}

/* column col of r's first row: a number, or null for SQL NULL */
static void jw_int_col(struct json_out *j, const char *key, PGresult *r, const char *col)
{
	if (db_is_null(r, 0, col)) {
		jw_key(j, key);
		buf_puts(j->out, "null");
	} else {
		jw_int(j, key, db_get_int(r, 0, col));
	}
}

static void jw_bool(struct json_out *j, const char *key, int v)
{
	jw_key(j, key);
	buf_puts(j->out, v ? "true" : "false");
}

static void events_write_json(struct json_out *j, const struct timeline_line *lines, size_t n)
{
	struct json_out e = { .out = j->out };

	jw_key(j, "events");
	buf_putc(j->out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(j->out, ',');
		jw_open(&e);
		jw_str_nonempty(&e, "at", lines[i].at);
		jw_str_nonempty(&e, "at_iso", lines[i].at_iso);
		jw_str_nonempty(&e, "kind", lines[i].kind);
		jw_str_nonempty(&e, "label", lines[i].label);
		jw_str(&e, "message", lines[i].message);
		jw_close(&e);
	}
	buf_putc(j->out, ']');
}

/* What the page says after the end, and the buttons: which step failed
 * and what to do, the post's link or why there is none, the next steps. */
static void job_next_steps(PGresult *r, struct json_object *job, const char *privacy)
{
	const char *state = db_get(r, 0, "state");
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
	if (!strcmp(state, "published") && privacy && !strcmp(privacy, "SELF_ONLY") && !db_get(r, 0, "post_url"))
		ctx_add_str(job, "no_link_why", "TikTok gives no link to a post that only you can see. "
			    "Find it in the TikTok app, on your profile, under your private videos.");
}

static int64_t job_id_param(struct request *req)
{
	return param_id(req, "id");
}

/* The job page from its statements' results: 1 done and the page may be
 * kept, 0 done and it may not (a failed job: the Retry button depends on
 * more than the job's version), -1 error. */
static int job_page_render(struct request *req, int64_t id, PGresult *r, PGresult *er)
{
	struct json_object *ctx, *job, *events;
	struct timeline_line *lines;
	struct buf stage = BUF_INIT;
	const char *state, *why = NULL, *privacy;
	long long chunk;
	size_t nlines;
	int rc, keep;

	nlines = job_timeline(req, er, r, &lines);
	events = events_json(lines, nlines);
	state = db_get(r, 0, "state");
	keep = strcmp(state, "failed") != 0;
	chunk = chunks_accepted(r);
	ctx = page_context(req, "Upload job");
	job = json_object_new_object();
	json_object_object_add(job, "id", json_object_new_int64(id));
	ctx_add_str(job, "state", state);
	ctx_add_str(job, "state_label", job_state_label(state));
	add_bool(job, "inbox", !strcmp(db_get(r, 0, "mode"), "inbox"));
	ctx_add_str(job, "video_id", db_get(r, 0, "video_id"));
	ctx_add_str(job, "video_title", db_get(r, 0, "video_title") ? db_get(r, 0, "video_title")
								 : db_get(r, 0, "video_path"));
	ctx_add_str(job, "account_name", db_get(r, 0, "account_name"));
	ctx_add_str(job, "account_username", db_get(r, 0, "account_username"));
	privacy = db_get(r, 0, "privacy");
	if (privacy) {
		ctx_add_str(job, "privacy_label", tiktok_privacy_label(privacy));
		add_bool(job, "private_post", strcmp(privacy, "PUBLIC_TO_EVERYONE") != 0);
	}
	ctx_add_str(job, "title", db_get(r, 0, "title"));
	ctx_add_str(job, "source_label", job_source_label(db_get(r, 0, "source")));
	add_bool(job, "pulled", !strcmp(db_get(r, 0, "source"), "PULL_FROM_URL"));
	ctx_add_str(job, "created", db_get(r, 0, "created"));
	ctx_add_str(job, "finished", db_get(r, 0, "finished"));
	json_object_object_add(job, "bytes_sent", json_object_new_int64(db_get_int(r, 0, "bytes_sent")));
	json_object_object_add(job, "bytes_total", json_object_new_int64(db_get_int(r, 0, "bytes_total")));
	json_object_object_add(job, "progress_max", json_object_new_int64(db_get_int(r, 0, "bytes_total") > 0 ?
									   db_get_int(r, 0, "bytes_total") : 1));
	json_object_object_add(job, "progress_value", json_object_new_int64(
		!strcmp(state, "processing") || !strcmp(state, "published") || !strcmp(state, "inboxed")
			? (db_get_int(r, 0, "bytes_total") > 0 ? db_get_int(r, 0, "bytes_total") : 1)
			: db_get_int(r, 0, "bytes_sent")));
	json_object_object_add(job, "chunk_index", json_object_new_int64(chunk));
	json_object_object_add(job, "chunk_count", json_object_new_int64(db_get_int(r, 0, "chunk_count")));
	stage_text(r, &stage);
	ctx_add_str(job, "stage", buf_cstr(&stage));
	job_next_steps(r, job, privacy);
	ctx_add_str(job, "tiktok_status", db_get(r, 0, "tiktok_status"));
	ctx_add_str(job, "fail_reason", db_get(r, 0, "fail_reason"));
	ctx_add_str(job, "post_url", db_get(r, 0, "post_url"));
	add_bool(job, "failed", !strcmp(state, "failed"));
	add_bool(job, "published", !strcmp(state, "published"));
	/* a public post whose id TikTok has not given yet (worker/resolve.c follows it) */
	add_bool(job, "moderation", !strcmp(state, "published") && !db_get(r, 0, "post_id") &&
		 (!privacy || !strcmp(privacy, "PUBLIC_TO_EVERYONE")) &&
		 !is_true(db_get(r, 0, "resolve_ended")));
	ctx_add_str(job, "not_public_since", db_get(r, 0, "not_public_since"));
	ctx_add_str(job, "views", db_get(r, 0, "views"));
	add_bool(job, "running", jobs_state_active(state));
	add_bool(job, "can_cancel", jobs_cancel_allowed(state, is_true(db_get(r, 0, "locked"))));
	if (jobs_changeable(state, is_true(db_get(r, 0, "started")), is_true(db_get(r, 0, "locked")))) {
		/* a post that has not started: its time and settings can change */
		add_bool(job, "can_change", 1);
		ctx_add_str(job, "run_at_shown", db_get(r, 0, "run_at"));
		ctx_add_str(job, "run_local", db_get(r, 0, "run_at_local"));
		ctx_add_str(job, "zone", page_tz(req));
	}
	add_bool(job, "can_retry", jobs_repost_allowed(page_of(req)->db, id, state, &why) == 1);
	ctx_add_str(job, "retry_note", why);
	ctx_add_str(job, "retry_id", db_get(r, 0, "retry_id"));
	ctx_add_str(job, "retry_of", db_get(r, 0, "retry_of"));
	json_object_object_add(ctx, "job", job);
	json_object_object_add(ctx, "events", events);
	buf_free(&stage);
	rc = render_page(req, 200, "job", ctx);
	return rc < 0 ? -1 : keep;
}

/* The JSON static/progress.js polls: the same keys, values and types as
 * the page's data, written straight into the answer. */
static void job_write_json(struct json_out *j, int64_t id, PGresult *r, const struct timeline_line *lines,
			   size_t nlines)
{
	const char *state = db_get(r, 0, "state");
	struct buf stage = BUF_INIT;

	jw_open(j);
	jw_int(j, "id", id);
	jw_str(j, "state", state);
	jw_str(j, "mode", db_get(r, 0, "mode"));
	jw_int(j, "bytes_sent", db_get_int(r, 0, "bytes_sent"));
	jw_int(j, "bytes_total", db_get_int(r, 0, "bytes_total"));
	jw_int_col(j, "chunk_size", r, "chunk_size");
	jw_int_col(j, "chunk_count", r, "chunk_count");
	jw_int(j, "chunk_index", chunks_accepted(r));
	jw_str(j, "tiktok_status", db_get(r, 0, "tiktok_status"));
	jw_str(j, "fail_reason", db_get(r, 0, "fail_reason"));
	jw_str(j, "publish_id", db_get(r, 0, "publish_id"));
	jw_str(j, "post_url", db_get(r, 0, "post_url"));
	jw_str(j, "updated_at", db_get(r, 0, "updated_iso"));
	events_write_json(j, lines, nlines);
	/* the words the page shows, so the script needs no copy of them */
	stage_text(r, &stage);
	jw_str(j, "stage", buf_cstr(&stage));
	jw_str(j, "state_label", job_state_label(state));
	jw_bool(j, "can_cancel", jobs_cancel_allowed(state, is_true(db_get(r, 0, "locked"))));
	jw_close(j);
	buf_free(&stage);
}

static int job_api_not_found(struct request *req)
{
	req_header(req, "Content-Type: " CONTENT_JSON);
	buf_reset(&req->out);
	req->status = 404;
	buf_puts(&req->out, "{\"error\":\"not_found\"}");
	return 0;
}

/* The API's answer from the statements' results: 1 (it may be kept). */
static int job_api_render(struct request *req, int64_t id, PGresult *r, PGresult *er)
{
	struct json_out j = { .out = &req->out };
	struct timeline_line *lines;
	size_t nlines = job_timeline(req, er, r, &lines);

	req_header(req, "Content-Type: " CONTENT_JSON);
	buf_reset(&req->out);
	job_write_json(&j, id, r, lines, nlines);
	req->status = 200;
	return 1;
}

/* What the job page and its API share: the session and the job in one
 * round trip, the login page or the 404 of a job that is not the viewer's,
 * and the answer kept while the job's version is the same. */
struct job_view {
	const char *content_type;
	int (*not_found)(struct request *req);
	int (*render)(struct request *req, int64_t id, PGresult *job, PGresult *events);
};

static int job_answer(struct request *req, const struct job_view *view)
{
	int64_t id = job_id_param(req);
	struct page_kept kept = { .body = BUF_INIT };
	const char *version;
	PGresult *r, *er;
	int rc;

	/* a malformed id (-1) finds no job, once the session said who asks */
	rc = load_job(req, id, &kept, &r, &er);
	if (rc == 2)
		page_cache_answer(req, &kept);
	buf_free(&kept.body);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc < 0 ? -1 : page_login_required(req);
	if (PQntuples(r) == 0) {
		rc = view->not_found(req);
	} else {
		version = answer_version(req, r);
		rc = view->render(req, id, r, er);
		if (rc == 1 && version)
			page_cache_store(req, view->content_type, version, 0);
		rc = rc < 0 ? -1 : 0;
	}
	PQclear(r);
	PQclear(er);
	return rc;
}

int page_job(struct request *req)
{
	static const struct job_view page = { CONTENT_HTML, job_not_found, job_page_render };

	return job_answer(req, &page);
}

int page_job_api(struct request *req)
{
	static const struct job_view api = { CONTENT_JSON, job_api_not_found,
					     job_api_render };

	return job_answer(req, &api);
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
	total = db_get_int(c, 0, "n");
	PQclear(c);
	r = db_query(pg->db, &q_jobs, DB_PARAMS(DB_INT(pg->user_id), DB_TEXT(state), DB_INT(JOBS_PAGE_SIZE),
						 DB_INT((pageno - 1) * JOBS_PAGE_SIZE), DB_TEXT(page_tz(req))));
	if (!r)
		return -1;

	ctx = page_context(req, "Upload history");
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_int64(db_get_int(r, i, "id")));
		ctx_add_str(j, "state", db_get(r, i, "state"));
		ctx_add_str(j, "state_label", job_state_label(db_get(r, i, "state")));
		add_bool(j, "inbox", !strcmp(db_get(r, i, "mode"), "inbox"));
		ctx_add_str(j, "video_title", db_get(r, i, "video_title") ? db_get(r, i, "video_title") : db_get(r, i, "video_path"));
		ctx_add_str(j, "account_name", db_get(r, i, "account_name"));
		ctx_add_str(j, "created", db_get(r, i, "created"));
		ctx_add_str(j, "post_url", db_get(r, i, "post_url"));
		ctx_add_str(j, "fail_reason", db_get(r, i, "fail_reason"));
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
