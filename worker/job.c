/* job.c — one claimed upload job, advanced as far as it can go without
 * waiting, then finished or given back (design.md, the job state machine):
 *
 *   queued ──(token, creator_info, limits, init: publish_id committed)──▶ uploading
 *   uploading ──(chunks; bytes_sent after each)──▶ processing
 *   processing ──(status/fetch, rescheduled; no thread sleeps)──▶ published | inboxed | failed
 *
 * A job that already has a publish_id (a worker died, the lease ran out,
 * or it is polling) asks TikTok for that publish's status before anything
 * else; a second init happens only when the upload URL is dead and TikTok
 * confirms nothing was posted. Every TikTok error goes through the one
 * table in lib/tiktok_errors.h. Every call to a limited endpoint takes its
 * slot in the database first (lib/ratelimit.h); a wait gives the job back
 * with a delay and does not count as an attempt. */
#include "worker.h"

#include "account_plan.h"
#include "accounts.h"
#include "chunkplan.h"
#include "log.h"
#include "mediapath.h"
#include "pullurl.h"
#include "ratelimit.h"
#include "tiktok_creator.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Every figure that bounds a retry, in one place. Nothing here sleeps
 * while it holds a claim: a wait is the job given back with a later run_at.
 *
 *   attempts        a claim that does not end the job counts one, except
 *                   waits (rate limits, status polls, shutdown, re-inits);
 *                   the bound is the row's max_attempts (8, sql/001), and a
 *                   job whose every try crashed its worker is ended by the
 *                   claim itself (lib/jobs.c)
 *   backoff         RETRY_BASE_SEC doubled per attempt, at most RETRY_MAX_SEC
 *   chunk tries     CHUNK_TRIES sends of one part within a claim, back to back
 *                   (a dropped connection or one 5xx), then the backoff
 *   stalled resyncs STALLED_RESYNCS 416s in a row that move nothing forward
 *                   (TikTok answering "I hold N" to every part), then the backoff
 *   re-inits        MAX_REINITS new upload URLs after dead ones, then failed
 *   processing      PROCESSING_GIVE_UP_SEC of TikTok processing, then failed */
#define RETRY_BASE_SEC         2
#define RETRY_MAX_SEC          300
#define CHUNK_TRIES            3
#define STALLED_RESYNCS        3
#define MAX_REINITS            2
#define PROCESSING_GIVE_UP_SEC (6 * 3600)

static struct db_stmt q_load = { "worker_job_load",
	"SELECT j.state, j.title, coalesce(j.privacy_level, '') AS privacy_level, j.disable_comment,"
	"       j.disable_duet, j.disable_stitch, j.brand_organic, j.brand_content, j.is_aigc,"
	"       coalesce(j.cover_timestamp_ms, -1) AS cover_ms, coalesce(j.upload_url, '') AS upload_url,"
	"       coalesce(j.chunk_size, 0) AS chunk_size, coalesce(j.chunk_count, 0) AS chunk_count,"
	"       coalesce(j.tiktok_status, '') AS tiktok_status, j.status_polls, j.reinits,"
	"       coalesce(j.creator_username, a.username, '') AS username, v.path,"
	"       coalesce(v.duration_ms, 0) AS duration_ms,"
	"       coalesce(extract(epoch FROM now() - j.processing_since)::bigint, 0) AS processing_sec,"
	"       coalesce(a.scopes, '') AS scopes "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id"
	"     LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE j.id = $1 AND j.locked_by = $2" };

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

/* ---- the row ---- */

static int load(struct jobctx *j)
{
	PGresult *r = db_query(&j->s->db, &q_load, DB_PARAMS(DB_INT(j->q.id), DB_TEXT(j->s->worker_id)));

	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		j->lease_lost = 1;
		return -1;
	}
	str_copy(j->state, sizeof(j->state), db_get(r, 0, "state"));
	j->title = dup_or_empty(db_get(r, 0, "title"));
	str_copy(j->privacy, sizeof(j->privacy), db_get(r, 0, "privacy_level"));
	j->post = (struct post_settings){
		.direct = strcmp(j->q.mode, "inbox") != 0, .title = j->title,
		.privacy_level = j->privacy, .disable_comment = db_get_bool(r, 0, "disable_comment"),
		.disable_duet = db_get_bool(r, 0, "disable_duet"),
		.disable_stitch = db_get_bool(r, 0, "disable_stitch"),
		.brand_organic = db_get_bool(r, 0, "brand_organic"),
		.brand_content = db_get_bool(r, 0, "brand_content"),
		.is_aigc = db_get_bool(r, 0, "is_aigc"), .cover_ms = db_get_int(r, 0, "cover_ms"),
	};
	j->upload_url = dup_or_empty(db_get(r, 0, "upload_url"));
	j->chunk_size = db_get_int(r, 0, "chunk_size");
	j->chunk_count = db_get_int(r, 0, "chunk_count");
	str_copy(j->tiktok_status, sizeof(j->tiktok_status), db_get(r, 0, "tiktok_status"));
	j->status_polls = (int)db_get_int(r, 0, "status_polls");
	j->reinits = (int)db_get_int(r, 0, "reinits");
	str_copy(j->username, sizeof(j->username), db_get(r, 0, "username"));
	j->video_path = dup_or_empty(db_get(r, 0, "path"));
	j->duration_ms = db_get_int(r, 0, "duration_ms");
	j->processing_sec = db_get_int(r, 0, "processing_sec");
	j->scopes = tiktok_scopes_parse(db_get(r, 0, "scopes"));
	PQclear(r);
	return 0;
}

/* ---- ending a claim ---- */

static int job_event(struct jobctx *j, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int job_event(struct jobctx *j, const char *kind, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	rc = jobs_event(&j->s->db, j->q.id, kind, buf_cstr(&msg));
	buf_free(&msg);
	return rc;
}

/* The result of a claim's write (lib/jobs.h): a miss means the lease was
 * lost, and from then on this claim writes nothing (callers check
 * j->lease_lost before they write). */
static int held(struct jobctx *j, int rc, const char *what)
{
	if (rc < 0 && !j->lease_lost) {
		j->lease_lost = 1;
		log_warn("event=job_lease_lost job=%lld stmt=%s", (long long)j->q.id, what);
	}
	return rc < 0 ? -1 : 0;
}

static int job_release(struct jobctx *j, int delay_sec, int refund)
{
	if (j->lease_lost)
		return STEP_END;
	if (held(j, jobs_release(&j->claim, delay_sec, refund), "release") == 0)
		log_info("event=job_released job=%lld delay_sec=%d refund=%d", (long long)j->q.id,
			 delay_sec, refund);
	return STEP_END;
}

/* End the job (lib/jobs.h holds the words and the post's address); when
 * it did not end (a webhook ended it first, or the lease was lost) this
 * claim writes nothing more. */
static int end_job(struct jobctx *j, const struct job_outcome *o)
{
	if (!j->lease_lost && jobs_finish(&j->s->db, &j->claim, NULL, o, NULL) != 1)
		held(j, -1, "finish");
	return STEP_END;
}

static int job_fail(struct jobctx *j, const char *tiktok_status, const char *reason)
{
	if (j->lease_lost)
		return STEP_END;
	log_warn("event=job_failed job=%lld reason=%s", (long long)j->q.id, log_quote(reason));
	return end_job(j, &(struct job_outcome){ .end = JOB_FAILED, .tiktok_status = tiktok_status,
						 .reason = reason });
}

static int backoff_sec(int attempts)
{
	int d = RETRY_BASE_SEC;

	for (int i = 1; i < attempts && d < RETRY_MAX_SEC; i++)
		d *= 2;
	return d > RETRY_MAX_SEC ? RETRY_MAX_SEC : d;
}

static int job_retry(struct jobctx *j, const char *reason)
{
	struct buf why = BUF_INIT;
	int delay;

	if (j->lease_lost)
		return STEP_END;
	if (j->q.attempts >= j->q.max_attempts) {
		buf_printf(&why, "LangFlix tried %d times and gave up. The last problem: %s Post the "
			   "video again later.", j->q.attempts, reason);
		job_fail(j, NULL, buf_cstr(&why));
		buf_free(&why);
		return STEP_END;
	}
	delay = backoff_sec(j->q.attempts);
	job_event(j, "retry", "%s Next try in %d seconds (try %d of %d).", reason, delay,
		  j->q.attempts + 1, j->q.max_attempts);
	buf_free(&why);
	return job_release(j, delay, 0);
}

static int job_commit_bytes(struct jobctx *j, int64_t bytes)
{
	if (j->lease_lost || held(j, jobs_progress(&j->claim, bytes), "progress") < 0)
		return -1;
	j->q.bytes_sent = bytes;
	j->last_extend = now_mono();
	return 0;
}

/* ---- errors ---- */

/* Act on a failed TikTok call (not REFRESH, which the call sites handle). */
static int on_api_error(struct jobctx *j, const char *what, const struct tiktok_result *res)
{
	const char *reason;
	char desc[400];
	enum tt_action a = j->pf->classify(res, &reason);

	tiktok_result_describe(res, desc, sizeof(desc));
	log_warn("event=tiktok_call_failed job=%lld call=%s action=%s error=%s log_id=%s", (long long)j->q.id,
		 what, tiktok_action_name(a), log_quote(desc), log_quote(res->log_id));
	switch (a) {
	case TTA_RATE_LIMIT: {
		int wait = (int)(j->cfg->tiktok_rate_window_sec / 6);
		job_event(j, "retry", "TikTok asked LangFlix to slow down (%s); waiting %d seconds.", what,
			  wait < 1 ? 1 : wait);
		return job_release(j, wait < 1 ? 1 : wait, 1);
	}
	case TTA_RECONNECT:
		accounts_mark_reconnect(&j->s->db, j->q.account_id, reason);
		return job_fail(j, NULL, reason);
	case TTA_PERMANENT:
		return job_fail(j, NULL, reason);
	case TTA_REFRESH:   /* a second refusal right after a refresh */
	case TTA_RETRY:
	case TTA_OK:
		break;
	}
	return job_retry(j, reason);
}

/* ---- token ---- */

/* End the job for an accounts_access_token() failure. STEP_END. */
static int get_token_failed(struct jobctx *j, int rc)
{
	j->ended = 1;
	switch (rc) {
	case ACC_RECONNECT:
		return job_fail(j, NULL, "The TikTok account must be reconnected before LangFlix can post "
			       "to it (its authorization expired or was removed). Reconnect the account, "
			       "then post the video again.");
	case ACC_NOT_FOUND:
		return job_fail(j, NULL, "The TikTok account of this upload no longer exists. Connect it "
			       "again, then post the video again.");
	default:
		return job_retry(j, "LangFlix could not get the account's TikTok access (TikTok or the "
				 "database did not answer).");
	}
}

static int get_token(struct jobctx *j)
{
	int rc = accounts_access_token(&j->s->db, j->cfg, j->q.account_id, &j->token);

	return rc == ACC_OK ? STEP_GO : get_token_failed(j, rc);
}

/* TikTok refused the token before its recorded expiry: refresh once.
 * 0 with a new token; -1 when that did not work (the caller treats the
 * refusal as any other error), or when the account must be reconnected —
 * then the job has already ended (j->ended). */
static int refresh_once(struct jobctx *j)
{
	int rc;

	if (j->refreshed)
		return -1;
	j->refreshed = 1;
	if (accounts_expire_access(&j->s->db, j->q.account_id) < 0)
		return -1;
	accounts_wipe(&j->token);
	rc = accounts_access_token(&j->s->db, j->cfg, j->q.account_id, &j->token);
	if (rc == ACC_RECONNECT || rc == ACC_NOT_FOUND) {
		get_token_failed(j, rc);
		return -1;
	}
	if (rc != ACC_OK)
		return -1;
	job_event(j, "token_refreshed", "TikTok asked for a fresh access token; LangFlix renewed it.");
	return 0;
}

/* ---- rate limits ---- */

/* Take one call of a limited endpoint (lib/ratelimit.h). STEP_GO when
 * taken; otherwise the job is given back until a slot frees up (no
 * attempt used). */
static int take_limit(struct jobctx *j, enum rl_kind kind)
{
	const struct rl_limit *l = ratelimit_limit(kind);
	int wait = 0, rc;

	rc = ratelimit_take_kind(&j->s->db, j->q.account_id, kind, (int)j->cfg->tiktok_rate_window_sec,
				 &wait);
	if (rc == 1)
		return STEP_GO;
	if (rc < 0)
		return job_retry(j, "The database did not answer.");
	job_event(j, "retry", "Waiting %d seconds to stay inside TikTok's limit of %d %s calls "
		  "a minute for this account.", wait, l->limit, l->endpoint);
	return job_release(j, wait, 1);
}

/* ---- the video file ---- */

static int job_open_video(struct jobctx *j, int *fd)
{
	char real[PATH_MAX];
	struct stat st;
	int f = -1;

	*fd = -1;
	if (media_resolve(j->cfg->media_root, j->video_path, real) < 0 ||
	    (f = open(real, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(f, &st) < 0 || !S_ISREG(st.st_mode) || (int64_t)st.st_size != j->q.bytes_total) {
		log_warn("event=job_file_check_failed job=%lld path=%s size=%lld expected=%lld errno=%d",
			 (long long)j->q.id, log_quote(j->video_path),
			 f >= 0 ? (long long)st.st_size : -1LL, (long long)j->q.bytes_total, errno);
		if (f >= 0)
			close(f);
		return job_fail(j, NULL, "The video file changed or is missing since the post was "
				"requested. Import the video again, then post it again.");
	}
	*fd = f;
	return STEP_GO;
}

static int check_video(struct jobctx *j)
{
	int fd;

	if (job_open_video(j, &fd) != STEP_GO)
		return STEP_END;
	close(fd);
	return STEP_GO;
}

/* ---- creator_info, just before init (direct posts) ---- */

static int check_creator(struct jobctx *j)
{
	struct tiktok_creator cr;
	struct tiktok_result res;
	int rc;

	if (take_limit(j, RL_CREATOR_INFO) != STEP_GO)
		return STEP_END;
	tiktok_result_init(&res);
	rc = j->pf->creator_info(&j->client, buf_cstr(&j->token), &cr, &res);
	if (rc == TT_CREATOR_FAILED && j->pf->classify(&res, NULL) == TTA_REFRESH &&
	    refresh_once(j) == 0) {
		if (take_limit(j, RL_CREATOR_INFO) != STEP_GO) {
			tiktok_result_free(&res);
			return STEP_END;
		}
		rc = j->pf->creator_info(&j->client, buf_cstr(&j->token), &cr, &res);
	}
	if (j->ended) {
		tiktok_result_free(&res);
		return STEP_END;
	}
	if (rc == TT_CREATOR_CANNOT_POST) {
		rc = job_fail(j, NULL, tiktok_cannot_post_text(res.error));
		tiktok_result_free(&res);
		return rc;
	}
	if (rc != TT_CREATOR_OK) {
		rc = on_api_error(j, "creator_info", &res);
		tiktok_result_free(&res);
		return rc;
	}
	tiktok_result_free(&res);
	str_copy(j->username, sizeof(j->username), cr.username);
	if (!tiktok_creator_has_privacy(&cr, j->privacy))
		return job_fail(j, NULL, tiktok_error_lookup("privacy_level_option_mismatch")->reason);
	if (cr.max_duration_sec > 0 && j->duration_ms > (int64_t)cr.max_duration_sec * 1000) {
		char why[300];
		snprintf(why, sizeof(why), "The video is %lld seconds long, but this TikTok account can "
			 "post at most %d seconds. Shorten the video, then post it again.",
			 (long long)((j->duration_ms + 999) / 1000), cr.max_duration_sec);
		return job_fail(j, NULL, why);
	}
	/* TikTok forces these on anyway when the creator turned them off */
	j->post.disable_comment |= cr.comment_disabled;
	j->post.disable_duet |= cr.duet_disabled;
	j->post.disable_stitch |= cr.stitch_disabled;
	job_event(j, "creator_info", "TikTok confirmed @%s can post (%s).", cr.username,
		  tiktok_privacy_label(j->privacy));
	return STEP_GO;
}

/* ---- init ---- */

static int direct(const struct jobctx *j)
{
	return j->post.direct;
}

/* PULL_FROM_URL (sql/050, tiktok_source): TikTok fetches the file from the
 * site's signed address; this worker never opens it. */
static int pulled(const struct jobctx *j)
{
	return !strcmp(j->q.source, "PULL_FROM_URL");
}

/* TikTok accepted the address: no upload step, straight to processing, and
 * the first status poll a little later. */
static int commit_pull(struct jobctx *j, const struct tiktok_init *in)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "TikTok accepted the %s and fetches the video from this site "
		 "(PULL_FROM_URL); no bytes pass through LangFlix's worker.",
		 direct(j) ? "direct post" : "inbox draft");
	if (j->lease_lost || held(j, jobs_pull_started(&j->claim, in->publish_id, j->username, msg),
				  "pull_started") < 0)
		return -1;
	str_copy(j->q.publish_id, sizeof(j->q.publish_id), in->publish_id);
	return 0;
}

static int commit_init(struct jobctx *j, const struct tiktok_init *in, const struct tiktok_source *src)
{
	struct buf msg = BUF_INIT;
	int rc;

	buf_printf(&msg, "TikTok accepted the upload (%s) in %lld part%s.",
		   direct(j) ? "direct post" : "inbox draft", (long long)src->chunk_count,
		   src->chunk_count == 1 ? "" : "s");
	rc = j->lease_lost ? -1 : held(j, jobs_initialised(&j->claim, in->publish_id, in->upload_url,
							   src->chunk_size, src->chunk_count, j->username,
							   buf_cstr(&msg)), "initialised");
	buf_free(&msg);
	if (rc < 0)
		return -1;
	free(j->upload_url);
	j->upload_url = xstrdup(in->upload_url);
	j->chunk_size = src->chunk_size;
	j->chunk_count = src->chunk_count;
	str_copy(j->q.publish_id, sizeof(j->q.publish_id), in->publish_id);
	j->last_extend = now_mono();
	return 0;
}

static int do_init_call(struct jobctx *j, const struct tiktok_source *srcp, struct tiktok_init *inp);

/* Init, and record it: STEP_GO to start the transfer (FILE_UPLOAD), else
 * STEP_END (a pull is followed by status polls, or the job ended). */
static int do_init_unlocked(struct jobctx *j)
{
	struct tiktok_source src = { .video_size = j->q.bytes_total };
	struct tiktok_init in;
	struct buf url = BUF_INIT;
	int rc;

	if (chunk_plan_make(src.video_size, &src.chunk_size, &src.chunk_count) < 0)
		return job_fail(j, NULL, "The video is too large for TikTok (at most 4 GB). Export a "
				"smaller file, then post it again.");
	if (!direct(j)) {
		/* TikTok keeps at most 5 drafts pending per 24 h (tiktok-api.md
		 * §2.3): wait, without using an attempt, until the creator posts
		 * one in the app or the oldest is a day old */
		int pending = acctplan_pending_drafts(&j->s->db, j->q.account_id);

		if (pending < 0)
			return job_retry(j, "The database did not answer.");
		if (pending >= ACCPLAN_DRAFT_CAP) {
			job_event(j, "retry", "Waiting: %d drafts are waiting in the TikTok app of this "
				  "account, TikTok's limit. This one is sent when the creator posts one of "
				  "them there, or when the oldest is a day old.", pending);
			return job_release(j, (int)j->cfg->tiktok_rate_window_sec, 1);
		}
	}
	if (pulled(j)) {
		if (pull_url_make(j->cfg, j->q.video_id, j->q.id, time(NULL), &url) < 0)
			return job_fail(j, NULL, "This job asks TikTok to fetch the video from the site, "
					"but the site has no public address for it (media_public_base_url "
					"is not set). Nothing was posted. Ask the site's operator to set it, "
					"then post the video again.");
		src.video_url = buf_cstr(&url);
		rc = do_init_call(j, &src, &in);
		buf_free(&url);
		if (rc != STEP_GO)
			return STEP_END;
		if (commit_pull(j, &in) < 0)
			return j->lease_lost ? STEP_END : job_retry(j, "The database did not answer.");
		return job_release(j, (int)j->cfg->worker_status_poll_sec, 1);
	}
	if (do_init_call(j, &src, &in) != STEP_GO)
		return STEP_END;
	if (commit_init(j, &in, &src) < 0) {
		/* the publish exists at TikTok but is not recorded: an upload
		 * nobody finishes is never posted, so a later init is safe */
		log_error("event=job_init_not_recorded job=%lld publish_id=%s", (long long)j->q.id,
			  log_quote(in.publish_id));
		return j->lease_lost ? STEP_END : job_retry(j, "The database did not answer.");
	}
	return STEP_GO;
}

/* Drafts: the count of pending ones and the init that adds one happen
 * under the account's drafts lock, so two worker slots never both take
 * the fifth place (lib/account_plan.h). */
static int do_init(struct jobctx *j)
{
	int rc;

	if (direct(j))
		return do_init_unlocked(j);
	if (acctplan_drafts_lock(&j->s->db, j->q.account_id) < 0)
		return job_retry(j, "The database did not answer.");
	rc = do_init_unlocked(j);
	if (acctplan_drafts_unlock(&j->s->db, j->q.account_id) < 0)
		log_warn("event=drafts_unlock_failed job=%lld", (long long)j->q.id);
	return rc;
}

/* The limits, then init (one refresh on 401). STEP_GO with *in filled. */
static int do_init_call(struct jobctx *j, const struct tiktok_source *srcp, struct tiktok_init *inp)
{
	struct tiktok_source src = *srcp;
	struct tiktok_init in;
	struct tiktok_result res;
	int rc, wait = 0;

	if (take_limit(j, RL_INIT) != STEP_GO)
		return STEP_END;
	if (direct(j)) {
		const struct rl_limit *day = ratelimit_limit(RL_POST_DAILY);

		rc = ratelimit_take(&j->s->db, j->q.account_id, day->endpoint, day->limit,
				    (int)j->cfg->tiktok_day_sec, &wait);
		if (rc < 0)
			return job_retry(j, "The database did not answer.");
		if (rc == 0)
			return job_fail(j, NULL, tiktok_error_lookup("spam_risk_too_many_posts")->reason);
	}
	tiktok_result_init(&res);
	log_info("event=tiktok_init job=%lld mode=%s source=%s video_size=%lld chunk_size=%lld "
		 "chunk_count=%lld", (long long)j->q.id, j->q.mode, src.video_url ? "PULL_FROM_URL" :
		 "FILE_UPLOAD", (long long)src.video_size, (long long)src.chunk_size,
		 (long long)src.chunk_count);
	rc = j->pf->upload_init(&j->client, buf_cstr(&j->token), &j->post, &src, &in, &res);
	if (rc < 0 && j->pf->classify(&res, NULL) == TTA_REFRESH && refresh_once(j) == 0) {
		if (take_limit(j, RL_INIT) != STEP_GO) {
			tiktok_result_free(&res);
			return STEP_END;
		}
		rc = j->pf->upload_init(&j->client, buf_cstr(&j->token), &j->post, &src,
				      &in, &res);
	}
	if (rc < 0 && j->ended) {
		tiktok_result_free(&res);
		return STEP_END;
	}
	if (rc < 0) {
		rc = on_api_error(j, "init", &res);
		tiktok_result_free(&res);
		return rc;
	}
	log_info("event=tiktok_init_ok job=%lld publish_id=%s log_id=%s", (long long)j->q.id,
		 log_quote(in.publish_id), log_quote(res.log_id));
	tiktok_result_free(&res);
	*inp = in;
	return STEP_GO;
}

/* ---- status ---- */

static int poll_delay(const struct jobctx *j)
{
	int first = (int)j->cfg->worker_status_poll_sec;

	if (j->status_polls < 5)
		return first;
	if (j->status_polls < 20)
		return first < 10 ? 10 : first;
	return first < 30 ? 30 : first;
}

/* A terminal status: published, inboxed or failed (lib/jobs.h words it). */
static int on_terminal(struct jobctx *j, const struct tiktok_status *st)
{
	if (!strcmp(st->status, "PUBLISH_COMPLETE"))
		return end_job(j, &(struct job_outcome){ .end = JOB_PUBLISHED, .tiktok_status = st->status,
							 .post_id = st->n_post_ids > 0 ? st->post_ids[0] : NULL });
	if (!strcmp(st->status, "SEND_TO_USER_INBOX"))
		return end_job(j, &(struct job_outcome){ .end = JOB_INBOXED, .tiktok_status = st->status });
	/* FAILED */
	log_warn("event=tiktok_publish_failed job=%lld fail_reason=%s", (long long)j->q.id,
		 log_quote(st->fail_reason));
	return end_job(j, &(struct job_outcome){ .end = JOB_FAILED, .tiktok_status = "FAILED",
			 .reason = pulled(j) && !strcmp(st->fail_reason, "video_pull_failed")
				   ? tiktok_pull_failed_text(jobs_pull_was_fetched(&j->s->db, j->q.id) > 0)
				   : j->pf->fail_reason_text(st->fail_reason, NULL),
			 .auth_removed = !strcmp(st->fail_reason, "auth_removed") });
}

static int is_terminal(const char *status)
{
	return !strcmp(status, "PUBLISH_COMPLETE") || !strcmp(status, "SEND_TO_USER_INBOX") ||
	       !strcmp(status, "FAILED");
}

enum { STATUS_OK = 0, STATUS_UNKNOWN_PUBLISH = 1 };

/* status/fetch for the job's publish (rate-limited, one refresh on 401).
 * STATUS_OK with *st, STATUS_UNKNOWN_PUBLISH when TikTok does not know the
 * publish (nothing can be posted from it), or STEP_END (-1 here). */
static int fetch_status(struct jobctx *j, struct tiktok_status *st)
{
	struct tiktok_result res;
	int rc;

	if (take_limit(j, RL_STATUS) != STEP_GO)
		return -1;
	tiktok_result_init(&res);
	rc = j->pf->status(&j->client, buf_cstr(&j->token), j->q.publish_id, st, &res);
	if (rc < 0 && j->pf->classify(&res, NULL) == TTA_REFRESH && refresh_once(j) == 0) {
		if (take_limit(j, RL_STATUS) != STEP_GO) {
			tiktok_result_free(&res);
			return -1;
		}
		rc = j->pf->status(&j->client, buf_cstr(&j->token), j->q.publish_id, st, &res);
	}
	if (rc == 0) {
		tiktok_result_free(&res);
		return STATUS_OK;
	}
	if (j->ended) {
		tiktok_result_free(&res);
		return -1;
	}
	if (res.outcome == TT_API && !strcmp(res.error, "invalid_publish_id")) {
		tiktok_result_free(&res);
		return STATUS_UNKNOWN_PUBLISH;
	}
	on_api_error(j, "status", &res);
	tiktok_result_free(&res);
	return -1;
}

/* Record a non-terminal status; an event only when it changed. */
static int record_status(struct jobctx *j, const struct tiktok_status *st)
{
	if (j->lease_lost || held(j, jobs_polled(&j->claim, st->status), "polled") < 0)
		return -1;
	if (strcmp(j->tiktok_status, st->status) != 0)
		job_event(j, "status", "TikTok status: %s.", st->status);
	str_copy(j->tiktok_status, sizeof(j->tiktok_status), st->status);
	j->status_polls++;
	return 0;
}

static int poll_processing(struct jobctx *j)
{
	struct tiktok_status st;
	int rc = fetch_status(j, &st);

	if (rc < 0)
		return STEP_END;
	if (rc == STATUS_UNKNOWN_PUBLISH)
		return job_fail(j, NULL, tiktok_error_lookup("invalid_publish_id")->reason);
	if (is_terminal(st.status))
		return on_terminal(j, &st);
	if (record_status(j, &st) < 0)
		return STEP_END;
	if (j->processing_sec > PROCESSING_GIVE_UP_SEC)
		return job_fail(j, st.status, "TikTok has been processing the video for more than 6 hours. "
				"Check the TikTok app: the post may still appear there. LangFlix stopped "
				"following it.");
	return job_release(j, poll_delay(j), 1);
}

static int job_upload_complete(struct jobctx *j)
{
	if (j->lease_lost || held(j, jobs_uploaded(&j->claim), "uploaded") < 0)
		return STEP_END;
	j->status_polls = 0;
	job_event(j, "upload_complete", "All %lld bytes reached TikTok; TikTok is processing the video.",
		  (long long)j->q.bytes_total);
	return job_release(j, (int)j->cfg->worker_status_poll_sec, 1);
}

/* Forget the dead upload so the next claim initialises anew. */
static int reinit(struct jobctx *j, const char *why)
{
	if (j->reinits >= MAX_REINITS)
		return job_fail(j, NULL, "TikTok's upload link stopped working several times before "
				"the video was complete. Nothing was posted. Post the video again later.");
	if (j->lease_lost || held(j, jobs_reinit(&j->claim), "reinit") < 0)
		return STEP_END;
	job_event(j, "reinit", "%s Nothing was posted; LangFlix starts the upload again.", why);
	/* the dead link is TikTok's doing and MAX_REINITS bounds it: this claim
	 * is not a used attempt (on the last one the claim would end the job) */
	return job_release(j, 0, 1);
}

static int job_url_dead(struct jobctx *j, long http_status)
{
	struct tiktok_status st;
	int rc;

	log_warn("event=upload_url_dead job=%lld http_status=%ld", (long long)j->q.id, http_status);
	/* before any new init: does TikTok already have this publish? */
	rc = fetch_status(j, &st);
	if (rc < 0)
		return STEP_END;
	if (rc == STATUS_UNKNOWN_PUBLISH)
		return reinit(j, "TikTok no longer knows the upload.");
	if (is_terminal(st.status)) {
		if (!strcmp(st.status, "FAILED") && st.uploaded_bytes >= 0 &&
		    st.uploaded_bytes < j->q.bytes_total && !strcmp(st.fail_reason, "internal"))
			return reinit(j, "TikTok dropped the unfinished upload.");
		return on_terminal(j, &st);
	}
	if (st.uploaded_bytes >= j->q.bytes_total) {
		/* everything arrived (the 201 was lost): never upload twice */
		record_status(j, &st);
		return job_upload_complete(j);
	}
	return reinit(j, http_status == 404 ? "TikTok no longer knows the upload link."
					    : "TikTok's upload link expired before all parts were sent.");
}

/* ---- the transfer: upload.c reports, this decides ---- */

static int stop_now(struct jobctx *j)
{
	job_event(j, "retry", "The worker is shutting down; another worker continues the upload "
		  "from byte %lld.", (long long)j->q.bytes_sent);
	return job_release(j, 0, 1);
}

/* A send failed tries times in a row: give the job back with backoff. */
static int chunk_failed(struct jobctx *j, const struct transfer *t, int tries)
{
	char why[300];

	snprintf(why, sizeof(why), "Sending part %lld of %lld to TikTok failed %d times (%s%s%ld).",
		 (long long)t->part, (long long)t->parts, tries, t->error, t->error[0] ? ", HTTP " : "HTTP ",
		 t->http_status);
	return job_retry(j, why);
}

static int chunk_refused(struct jobctx *j, const struct transfer *t)
{
	char why[300];

	snprintf(why, sizeof(why), "TikTok refused part %lld of %lld of the video (HTTP %ld%s%s). "
		 "Post the video again; if it keeps failing, report it.", (long long)t->part,
		 (long long)t->parts, t->http_status, t->error[0] ? ", " : "", t->error);
	return job_fail(j, NULL, why);
}

/* TikTok holds t->held bytes: continue from there, unless it keeps saying
 * so without anything moving forward. STEP_GO with *from, or STEP_END. */
static int resync(struct jobctx *j, const struct transfer *t, int *stalled, int64_t *from)
{
	*stalled = t->held > *from ? 0 : *stalled + 1;
	if (*stalled >= STALLED_RESYNCS) {
		char why[300];
		snprintf(why, sizeof(why), "TikTok refused part %lld of %lld %d times in a row and said "
			 "it holds %lld bytes.", (long long)t->part, (long long)t->parts, *stalled,
			 (long long)t->held);
		return job_retry(j, why);
	}
	if (job_commit_bytes(j, t->held) < 0)
		return STEP_END;
	job_event(j, "resumed", "TikTok holds %lld of %lld bytes; continuing from there.",
		  (long long)t->held, (long long)t->total);
	*from = t->held;
	return STEP_GO;
}

static int transfer_plan_ok(const struct jobctx *j)
{
	return j->upload_url[0] && j->chunk_size > 0 && j->chunk_count > 0 &&
	       chunk_plan_valid(j->q.bytes_total, j->chunk_size, j->chunk_count, NULL);
}

/* Send from `from` (bytes TikTok holds) to the end, acting on each way a
 * transfer ends. Always ends the claim (STEP_END). */
static int transfer(struct jobctx *j, int64_t from)
{
	struct transfer t = { .curl = j->s->curl, .pf = j->pf, .claim = &j->claim, .job_id = j->q.id,
			      .upload_url = j->upload_url, .total = j->q.bytes_total,
			      .chunk_size = j->chunk_size, .chunk_count = j->chunk_count,
			      .last_extend = &j->last_extend,
			      .content_type = tiktok_video_content_type(j->video_path) };
	int tries = 0, stalled = 0, rc = STEP_GO;

	if (!transfer_plan_ok(j))
		return job_fail(j, NULL, "The upload's record is incomplete. Post the video again.");
	if (job_open_video(j, &t.fd) != STEP_GO)
		return STEP_END;
	while (rc == STEP_GO) {
		enum xfer_end e = upload_send(&t, from);

		tries = t.sent > from ? 0 : tries;    /* progress: the tries start again */
		stalled = t.sent > from ? 0 : stalled;
		from = j->q.bytes_sent = t.sent;
		switch (e) {
		case XFER_DONE:
			rc = job_upload_complete(j);
			break;
		case XFER_RESYNC:
			rc = resync(j, &t, &stalled, &from);
			break;
		case XFER_RETRY:
			rc = ++tries < CHUNK_TRIES ? STEP_GO : chunk_failed(j, &t, tries);
			break;
		case XFER_CONFUSED:
			rc = job_retry(j, t.why);
			break;
		case XFER_URL_DEAD:
			rc = job_url_dead(j, t.http_status);
			break;
		case XFER_BROKEN:
			rc = chunk_refused(j, &t);
			break;
		case XFER_FILE_GONE:
			rc = job_fail(j, NULL, "The video file changed or is missing since the post was "
				      "requested. Import the video again, then post it again.");
			break;
		case XFER_STOPPED:
			rc = stop_now(j);
			break;
		case XFER_LEASE_LOST:
			held(j, -1, "transfer");
			rc = STEP_END;
			break;
		}
	}
	close(t.fd);
	return rc;
}

/* ---- the claim ---- */

/* A job with a publish: status first, then continue where TikTok stands. */
static int resume(struct jobctx *j)
{
	struct tiktok_status st;
	int64_t from = j->q.bytes_sent;
	int rc = fetch_status(j, &st);

	if (rc < 0)
		return STEP_END;
	if (rc == STATUS_UNKNOWN_PUBLISH)
		return reinit(j, "TikTok no longer knows the upload.");
	if (is_terminal(st.status))
		return on_terminal(j, &st);
	if (st.uploaded_bytes >= j->q.bytes_total) {
		/* every byte arrived before the previous worker could record it */
		if (record_status(j, &st) < 0)
			return STEP_END;
		return job_upload_complete(j);
	}
	/* uploading: TikTok's count wins over ours (a chunk may have been
	 * accepted just before the previous worker died) */
	if (st.uploaded_bytes >= 0 && st.uploaded_bytes != from) {
		job_event(j, "resumed", "TikTok holds %lld of %lld bytes; continuing from there.",
			  (long long)st.uploaded_bytes, (long long)j->q.bytes_total);
		from = st.uploaded_bytes;
		if (job_commit_bytes(j, from) < 0)
			return STEP_END;
	} else {
		job_event(j, "resumed", "Continuing the upload from byte %lld of %lld.", (long long)from,
			  (long long)j->q.bytes_total);
	}
	return transfer(j, from);
}

/* Calling TikTok without the scope is refused (and a protocol violation):
 * say what is missing instead. */
static int check_scopes(struct jobctx *j)
{
	if (direct(j) && !(j->scopes & TT_SCOPE_VIDEO_PUBLISH))
		return job_fail(j, NULL, "This TikTok account did not allow LangFlix to post directly "
				"(video.publish). Reconnect the account and allow posting, or send the "
				"video to the TikTok inbox instead.");
	if (!direct(j) && !(j->scopes & TT_SCOPE_VIDEO_UPLOAD))
		return job_fail(j, NULL, "This TikTok account did not allow LangFlix to send drafts "
				"(video.upload). Reconnect the account and allow drafts, or post the video "
				"directly instead.");
	return STEP_GO;
}

static int start(struct jobctx *j)
{
	/* a pulled video is read by nginx on the site's host, not here */
	if (check_scopes(j) != STEP_GO || (!pulled(j) && check_video(j) != STEP_GO))
		return STEP_END;
	if (direct(j) && check_creator(j) != STEP_GO)
		return STEP_END;
	if (do_init(j) != STEP_GO)
		return STEP_END;
	return transfer(j, 0);
}

static void run(struct jobctx *j)
{
	if (load(j) < 0) {
		if (!j->lease_lost)
			job_release(j, 5, 0);
		return;
	}
	if (!j->pf) {
		char why[300];

		platform_refusal(j->q.platform, why, sizeof(why));
		job_fail(j, NULL, why);
		return;
	}
	if (j->q.account_id == 0) {
		job_fail(j, NULL, "The TikTok account of this upload was removed. Connect it again, then "
			 "post the video again.");
		return;
	}
	if (!j->q.publish_id[0])
		job_event(j, "claimed", j->q.attempts > 1 ? "A worker picked up the job again (try %d)."
			  : "A worker picked up the job.", j->q.attempts);
	if (get_token(j) != STEP_GO)
		return;
	if (j->q.publish_id[0]) {
		/* the status first, before anything else, for every publish */
		if (!strcmp(j->state, "processing"))
			poll_processing(j);
		else
			resume(j);
		return;
	}
	start(j);
}

void job_run(struct slot *s, const struct job *claimed)
{
	struct jobctx j;

	memset(&j, 0, sizeof(j));
	j.s = s;
	j.cfg = s->cfg;
	j.q = *claimed;
	j.last_extend = now_mono();
	j.claim = (struct job_claim){ .db = &s->db, .id = claimed->id, .worker_id = s->worker_id,
				      .lease_sec = (int)s->cfg->worker_lease_sec };
	j.pf = platform_for(claimed->platform);
	if (j.pf)
		j.pf->client(s->cfg, &j.client);
	log_info("event=job_claimed job=%lld state=%s mode=%s attempt=%d/%d publish=%d", (long long)j.q.id,
		 j.q.state, j.q.mode, j.q.attempts, j.q.max_attempts, j.q.publish_id[0] != 0);
	run(&j);
	accounts_wipe(&j.token);
	free(j.title);
	free(j.upload_url);
	free(j.video_path);
}
