/* app.h — what every page handler of langflix.fcgi shares. */
#ifndef LF_APP_H
#define LF_APP_H

#include <json-c/json.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "server.h"
#include "template.h"
#include "tiktok_creator.h"

/* The media types of the answers the app writes itself. */
#define CONTENT_HTML "text/html; charset=utf-8"
#define CONTENT_JSON "application/json; charset=utf-8"

/* Route flags, enforced centrally in dispatch.c before a handler runs. */
enum {
	R_LOGIN = 1 << 0,   /* needs a logged-in user; otherwise 303 to /login */
	R_CSRF  = 1 << 1,   /* POST must carry the session's CSRF token */
	R_NODB  = 1 << 2,   /* works without the database (static answers) */
	R_NOREFERRER = 1 << 3, /* Referrer-Policy: no-referrer (URLs carrying codes) */
	R_RAWBODY = 1 << 4,  /* POST body read raw by the handler (req_read_body), not as a form */
	/* GET only: the handler loads the session itself, in the round trip of
	 * its own statements (session_load_with), and answers
	 * page_login_required when nobody is signed in (R_LOGIN is then its
	 * duty: dispatch neither loads the session nor checks the login) */
	R_OWN_SESSION = 1 << 5,
	/* GET only: an answer the page cache keeps; a trusted one is sent
	 * before anything else is asked (page_cache_serve_heard) */
	R_KEPT = 1 << 6,
};

/* Process-wide, read-only after start-up. */
struct app {
	struct config cfg;
	struct tmpl_set *templates;
};
extern struct app app;

/* Per-thread: one database connection. */
struct thread_state {
	struct db db;
};

/* Per-request, in the request arena. */
struct page {
	struct db *db;
	int64_t user_id;             /* 0 when anonymous */
	const char *user_name;
	const char *session_hash;    /* sha256 of the cookie value */
	const char *csrf;            /* the session's CSRF token */
	const char *user_tz;         /* the user's IANA time zone (users.time_zone);
	                              * "UTC" when anonymous. Use page_tz(). */
	int64_t page_generation;     /* what the user's pages show, as of the
	                              * session lookup (sql/051) */
	int page_generation_known;   /* set by that lookup only */
	/* for the page cache's trust (page_cache.c): the notifications heard
	 * and now_mono() before the request's first statement, and for how
	 * long after that what the statements read holds by the clock (the
	 * session's expiry, and the page's own times: page_holds); 0: no trust */
	uint64_t heard_seq;
	double read_at;
	int64_t holds_ms;
};

static inline struct page *page_of(struct request *req) { return req->ctx; }

/* dispatch.c */
void app_handle(struct request *req);
/* The answer to a visitor who is not signed in on an R_LOGIN route: the
 * login page, with the way back for a GET. Returns 0. */
int page_login_required(struct request *req);
extern const struct route app_routes[];
extern const size_t app_nroutes;

/* render.c — pages from templates. ctx is consumed (json_object_put). */
int render_page(struct request *req, int status, const char *tmpl, struct json_object *ctx);
/* The same from a context of the page's own (template.h); ctx is not consumed. */
int render_page_value(struct request *req, int status, const char *tmpl, const struct tmpl_value *ctx);
/* A complete error page in plain words; never includes secrets. */
int render_error(struct request *req, int status, const char *title, const char *detail);
void redirect(struct request *req, int status, const char *location);
/* Base context every page gets: user, csrf, flash. */
struct json_object *page_context(struct request *req, const char *title);

/* session.c */
int session_load(struct request *req);
/* For R_OWN_SESSION routes: the session lookup and the page's own
 * statements (at most SESSION_MAX_CALLS) in one round trip, filling pg as
 * session_load does. The statements cannot know the user beforehand: they
 * read the viewer only through SQL on the session hash (SESSION_VIEWER),
 * which this writes into *hash, a parameter of their own arrays, before
 * they run. cookie_hash is session_cookie_hash(req): the hash of the
 * session cookie when the cookie alone says who it is, NULL when it cannot
 * (no well-formed session cookie, trust_remote_user on); then
 * session_load runs first and the statements after it. 0: the statements
 * ran for the signed-in user (calls[i].r, the caller clears them); 1:
 * nobody is signed in (no result to clear): answer page_login_required;
 * -1: database error. */
#define SESSION_MAX_CALLS 4
const char *session_cookie_hash(struct request *req);
int session_load_with(struct request *req, const char *cookie_hash, struct db_call *calls, int ncalls,
		      struct db_param *hash);
/* A CTE "viewer (user_id, tz)" for such a statement: the user of the live
 * session whose hash is parameter p (the rule of session_load's lookup),
 * with page_tz's zone. No live session: no row, so nothing joined to it. */
#define SESSION_VIEWER(p) \
	"viewer AS (SELECT s.user_id, coalesce(nullif(u.time_zone, ''), 'UTC') AS tz" \
	" FROM sessions s JOIN users u ON u.id = s.user_id" \
	" WHERE s.id_hash = " p " AND s.expires_at > now())"
/* A fresh session for the user (a new identifier, a new CSRF token); the
 * request carries it from now on (user_id, user_name, csrf). */
int session_create(struct request *req, int64_t user_id, const char *user_name);
void session_destroy(struct request *req);
int csrf_check(struct request *req);
/* Set the signed-in user's time zone (an IANA name PostgreSQL knows).
 * chosen: the user picked it (/settings); otherwise it is the browser's,
 * taken only while the user never picked one. 0 done (or nothing to do),
 * 1 not a zone PostgreSQL knows (nothing changed), -1 database error. */
int session_set_time_zone(struct request *req, const char *tz, int chosen);

/* page_cache.c — rendered answers kept per session while exact: an entry
 * is used only for the same session, path and query string, and the same
 * version (the caller's words for what the answer showed: a change to any
 * of it changes them, e.g. the page generation of sql/051), and never past
 * its expiry (a time on the page that changes what it says). Process-wide,
 * one mutex; page_cache_entries entries (0: off). The answer says
 * X-Page-Cache: heard (a trusted entry, sent with no statement), hit (an
 * entry whose version was checked) or miss.
 * page_cache_serve: 1 when the answer kept for the signed-in session with
 * this version was put in req (status, headers, body, this request's id in
 * place of the one it was rendered with), 0 otherwise.
 * page_cache_copy: the answer kept for the session whose hash is given,
 * with that version (NULL: whatever version it has), copied into kept
 * (body, version) before the caller knows whether it is still exact: 1
 * found, 0 none. page_cache_answer puts it in req as page_cache_serve does.
 * page_cache_store: keep the answer just rendered into req (a 200 for the
 * signed-in session), until expires (unix seconds; 0 = no time in it). */
struct page_kept {
	struct buf body;
	const char *version;         /* in the request's arena */
	const char *content_type;
	int heard;                   /* trusted: sent with no statement */
};
int page_cache_serve(struct request *req, const char *version);
int page_cache_copy(struct request *req, const char *session_hash, const char *version,
		    struct page_kept *kept);
void page_cache_answer(struct request *req, struct page_kept *kept);
void page_cache_store(struct request *req, const char *content_type, const char *version,
		      int64_t expires);
/* Trust without statements (page_listen.c tells what changed).
 * page_cache_serve_heard: 1 when the request was answered from a trusted
 * entry, after page_listen_sync; 0: go on as without it.
 * page_cache_trust: the entry kept for this request with this version is
 * the database's now (its version was just read): trust it, as
 * page_cache_serve does on a hit and page_cache_store on a render, when
 * nothing was heard since the request's first statement.
 * page_cache_heard: a notification for user_id's pages (0: anyone's).
 * page_holds: what the page read changes by the clock in ms (a lease, a
 * run time; negative: never); trust ends then. */
int page_cache_serve_heard(struct request *req);
void page_cache_trust(struct request *req, const char *session_hash, const char *version);
uint64_t page_cache_heard_seq(void);
void page_cache_heard(int64_t user_id);
static inline void page_holds(struct request *req, int64_t ms)
{
	struct page *pg = req->ctx;

	if (ms >= 0 && ms < pg->holds_ms)
		pg->holds_ms = ms;
}

/* page_listen.c — the notifications of sql/055, heard by a thread of the
 * process on a connection of its own (page_cache_listen). page_listen_sync:
 * 1 when every change committed before the call has been heard (a round
 * trip shared by the requests waiting at once), 0 when that cannot be said
 * now (not listening, or too slow): ask the database. */
int page_listen_start(void);
void page_listen_stop(void);
int page_listen_sync(void);

/* Handlers (one file per page group). */
int page_login_form(struct request *req);
int page_login_submit(struct request *req);
int page_logout(struct request *req);
int page_dashboard(struct request *req);
int page_composer(struct request *req);
int page_composer_submit(struct request *req);
int page_video_file(struct request *req);
int page_video_frame(struct request *req);      /* page_video.c: the poster and strip */
int page_video_pull(struct request *req);
int page_healthz(struct request *req);
int page_oauth_start(struct request *req);
int page_oauth_callback(struct request *req);
int page_account_disconnect(struct request *req);
int page_accounts(struct request *req);                   /* page_accounts.c */
int page_account_disconnect_confirm(struct request *req);
int page_jobs(struct request *req);
int page_job(struct request *req);
int page_job_api(struct request *req);
int page_job_retry(struct request *req);
int page_job_cancel(struct request *req);
int page_job_move(struct request *req);
int page_webhook_tiktok(struct request *req);   /* page_webhook.c */
int page_results(struct request *req);          /* page_results.c */
int page_results_csv(struct request *req);
int page_drafts(struct request *req);           /* page_drafts.c */
int page_metrics(struct request *req);          /* page_ops.c, with page_healthz */
int page_bench_floor(struct request *req);      /* page_ops.c: make bench's transport floor */
int page_account_plan(struct request *req);     /* page_plan.c: an account's plan, the batch review */
int page_account_plan_save(struct request *req);
int page_plan_review(struct request *req);
int page_plan_submit(struct request *req);
int page_settings(struct request *req);         /* page_settings.c: GET/POST /settings */
int page_settings_submit(struct request *req);
int page_schedule(struct request *req);         /* page_schedule.c: GET /schedule */
int page_schedule_api(struct request *req);     /* GET /api/schedule */

/* ui.c — what pages share (no page file depends on another page file). */
/* Times for people. Every time a page shows is formatted in PostgreSQL in
 * the viewer's zone, with the zone named, by the SQL function
 * lf_user_time(ts, tz) (sql/030): "2026-03-29 09:00 CEST". In a statement:
 *     "SELECT " UI_TIME("j.run_at", "$2") " AS run_at_shown ..."
 *     db_query(db, &q, DB_PARAMS(DB_INT(id), DB_TEXT(page_tz(req))));
 * page_tz: the viewer's IANA zone name ("UTC" when anonymous or unset). */
#define UI_TIME(ts, tz_param) "lf_user_time(" ts ", " tz_param ")"
/* The same instant for scripts (JSON): ISO 8601 with the zone's offset at
 * that instant, "2026-03-29T09:00:00+02:00" (lf_iso_time, sql/033). */
#define UI_ISO_TIME(ts, tz_param) "lf_iso_time(" ts ", " tz_param ")"
const char *page_tz(struct request *req);
/* Search, for the dashboard and the plan's "everything the search matches":
 * a term of at most UI_SEARCH_MAX bytes (a longer one searches nothing, as
 * no term); its control characters as spaces (the searched text joins its
 * columns with line breaks, so a term never matches across two of them);
 * the LIKE pattern of the term ("%term%", with % _ \ taken literally; ""
 * for no term), matched by UI_SEARCH_MATCHES against the stored lowercased
 * search text (sql/053), which a pg_trgm index serves: lower() of the
 * pattern makes it the ILIKE of the term, to the row. */
#define UI_SEARCH_MAX 200
void ui_search_term_clean(char *q);
const char *ui_search_pattern(struct request *req, const char *q);
#define UI_SEARCH_MATCHES(alias, param) alias ".search_lower LIKE lower(" param "::text)"
/* The positive id in route parameter or query value `name`; -1 when absent
 * or not a positive id. */
int64_t param_id(struct request *req, const char *name);
/* Add key: val to a template context, skipping NULL and "" (so that a
 * {{#key}} section stays closed for a missing value). */
void ctx_add_str(struct json_object *o, const char *key, const char *val);
/* A context's value back (an account of accounts_for_page, say): the
 * integer at key (0 when absent), and whether key is true (0 when absent). */
int64_t ctx_int(struct json_object *o, const char *key);
int ctx_flag(struct json_object *o, const char *key);
/* One style for what pages print: sizes "1.2 MB" (decimal units, as
 * TikTok's limits are written), durations "0:05" (m:ss, h:mm:ss from an
 * hour), counts "1 job" / "3 jobs" (the singular and plural given). */
void ui_size(char *out, size_t n, long long bytes);
void ui_duration(char *out, size_t n, long long ms);
void ui_count(char *out, size_t n, long long k, const char *one, const char *many);
/* ui_count's words under key. */
void ctx_add_count(struct json_object *o, const char *key, long long k, const char *one, const char *many);
/* The job states, in the order pages list them, and each one in words
 * ("processing" → "Processing on TikTok"; an unknown state as it is). */
extern const char *const job_states[];
extern const size_t job_nstates;
const char *job_state_label(const char *state);
/* A job's timeline in words (one table, ui.c): the short label of an
 * event kind ("init" → "Upload started"), and the sentence the page shows
 * for it (the stored message unless that carries internals). */
const char *job_event_label(const char *kind);
void job_event_text(const char *kind, const char *message, struct buf *out);
/* TikTok's publish state ("PROCESSING_UPLOAD") in words. */
const char *tiktok_status_words(const char *status);
/* How a job's video reaches TikTok, in words, for a source name
 * ("FILE_UPLOAD", "PULL_FROM_URL"; sql/050, tiktok_source). */
const char *job_source_label(const char *source);
/* The user's TikTok accounts as a JSON array for a page (all but
 * disconnected ones, or only connected ones); NULL on a database failure. */
struct json_object *accounts_for_page(struct request *req, int only_connected, int *count);
/* The same in two halves, for a page that sends it in one round trip with
 * its other statements (db_pipeline): the call, and the array from its
 * result (which it clears). */
struct db_call accounts_call(struct request *req, int only_connected);
struct json_object *accounts_from_result(PGresult *r, int *count);

/* creator_info for an account, asked once for a page (guideline 1: fresh
 * whenever the post form is shown), inside our share of TikTok's 20 calls
 * a minute. The account needs video.publish. Fills *c: the creator, or
 * "cannot post now", or a problem in words (reconnect, TikTok slow, our
 * budget spent). 0, or -1 on a database failure. */
struct creator_check {
	struct tiktok_creator creator;
	int have_creator;
	int cannot_post;
	const char *cannot_post_text;
	char problem[512];           /* "" when creator info is available */
	int reconnect;               /* the account must be connected again */
	int retry_after;             /* seconds, when our creator_info budget is spent */
	int tiktok_slow;             /* TikTok did not answer in time */
};
/* platform: the account's (its `platform`); an unknown one is a problem in words. */
int creator_check(struct request *req, const char *platform, int64_t account_id,
		  struct creator_check *c);

#endif
