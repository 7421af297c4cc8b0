/* dispatch.c — the one route table, and the checks every request passes
 * before its handler runs: route (404/405), database (503), session,
 * login (R_LOGIN), body limits and CSRF (R_CSRF). Routes with R_RAWBODY
 * read their body themselves (req_read_body) instead of as a form; routes
 * with R_OWN_SESSION load the session in their own round trip
 * (session_load_with) and check the login themselves. Routes with R_KEPT
 * are answered from the page cache, before all of that, when it holds an
 * answer trusted without statements (page_cache_serve_heard). */
#include "app.h"
#include "escape.h"
#include "log.h"
#include "util.h"

#include <string.h>

const struct route app_routes[] = {
	{ "GET",  "/",                    page_dashboard,    R_LOGIN | R_KEPT, "dashboard" },
	{ "GET",  "/login",               page_login_form,   0,                "login_form" },
	{ "POST", "/login",               page_login_submit, R_CSRF,           "login" },
	{ "POST", "/logout",              page_logout,       R_LOGIN | R_CSRF, "logout" },
	{ "GET",  "/videos/{id}/tiktok",  page_composer,     R_LOGIN,          "composer" },
	{ "POST", "/videos/{id}/tiktok",  page_composer_submit, R_LOGIN | R_CSRF, "composer_submit" },
	{ "GET",  "/jobs",                page_jobs,         R_LOGIN,          "jobs" },
	/* polled every two seconds: the session and the job in one round trip */
	{ "GET",  "/jobs/{id}",           page_job,          R_LOGIN | R_OWN_SESSION | R_KEPT, "job" },
	{ "GET",  "/api/jobs/{id}",       page_job_api,      R_LOGIN | R_OWN_SESSION | R_KEPT, "job_api" },
	{ "POST", "/jobs/{id}/retry",     page_job_retry,    R_LOGIN | R_CSRF, "job_retry" },
	{ "POST", "/jobs/{id}/cancel",    page_job_cancel,   R_LOGIN | R_CSRF, "job_cancel" },
	{ "GET",  "/results",             page_results,      R_LOGIN,          "results" },
	{ "GET",  "/results.csv",         page_results_csv,  R_LOGIN,          "results_csv" },
	{ "GET",  "/drafts",              page_drafts,       R_LOGIN,          "drafts" },
	{ "POST", "/jobs/{id}/move",      page_job_move,     R_LOGIN | R_CSRF, "job_move" },
	{ "GET",  "/schedule",            page_schedule,     R_LOGIN,          "schedule" },
	{ "GET",  "/api/schedule",        page_schedule_api, R_LOGIN,          "schedule_api" },
	{ "GET",  "/settings",            page_settings,     R_LOGIN,          "settings" },
	{ "POST", "/settings",            page_settings_submit, R_LOGIN | R_CSRF, "settings_submit" },
	{ "GET",  "/videos/{id}/file",    page_video_file,   R_LOGIN,          "video_file" },
	{ "GET",  "/videos/{id}/frames/{n}", page_video_frame, R_LOGIN,        "video_frame" },
	/* TikTok fetching a video (PULL_FROM_URL): no login; the signed,
	 * expiring address is the authentication (lib/pullurl.h) */
	{ "GET",  "/pull/videos/{id}",    page_video_pull,   0,                "video_pull" },
	{ "GET",  "/healthz",             page_healthz,      R_NODB,           "healthz" },
	/* the metrics page reads the database itself, so it answers without it */
	{ "GET",  "/metrics",             page_metrics,      R_NODB,           "metrics" },
	/* make bench's transport floor; 404 unless bench_floor = true */
	{ "GET",  "/_bench/floor",        page_bench_floor,  R_NODB,           "bench_floor" },
	/* TikTok's webhooks: no login, no CSRF; the signature over the raw
	 * body is the authentication (page_webhook.c) */
	{ "POST", "/webhooks/tiktok",     page_webhook_tiktok, R_RAWBODY,      "webhook_tiktok" },
	{ "GET",  "/auth/tiktok/start",   page_oauth_start,  R_LOGIN,          "oauth_start" },
	/* no R_LOGIN: a lost session gets a clear page, not a login redirect
	 * that would carry TikTok's code along in ?next= */
	{ "GET",  "/auth/tiktok/callback", page_oauth_callback, R_NOREFERRER,  "oauth_callback" },
	{ "GET",  "/accounts",            page_accounts,     R_LOGIN,          "accounts" },
	{ "GET",  "/accounts/{id}/disconnect", page_account_disconnect_confirm, R_LOGIN, "account_disconnect_confirm" },
	{ "POST", "/accounts/{id}/disconnect", page_account_disconnect, R_LOGIN | R_CSRF, "account_disconnect" },
	{ "GET",  "/accounts/{id}/plan",  page_account_plan, R_LOGIN,          "account_plan" },
	{ "POST", "/accounts/{id}/plan",  page_account_plan_save, R_LOGIN | R_CSRF, "account_plan_save" },
	/* the batch review; /batch is the name design.md gives it */
	{ "GET",  "/plan",                page_plan_review,  R_LOGIN,          "plan_review" },
	{ "POST", "/plan",                page_plan_submit,  R_LOGIN | R_CSRF, "plan_submit" },
	{ "GET",  "/batch",               page_plan_review,  R_LOGIN,          "batch_review" },
	{ "POST", "/batch",               page_plan_submit,  R_LOGIN | R_CSRF, "batch_submit" },
};
const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);

static void security_headers(struct request *req, unsigned flags)
{
	req_header(req, "Content-Security-Policy: default-src 'self'; img-src 'self' data: https: http:; "
			"media-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; "
			"base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	req_header(req, "X-Content-Type-Options: nosniff");
	req_header(req, "X-Frame-Options: DENY");
	req_header(req, "Referrer-Policy: %s", (flags & R_NOREFERRER) ? "no-referrer" : "same-origin");
	req_header(req, "Permissions-Policy: camera=(), microphone=(), geolocation=()");
	req_header(req, "Cache-Control: no-store");
	if (req->https)
		req_header(req, "Strict-Transport-Security: max-age=31536000");
}

/* A login redirect for GET keeps where the user wanted to go. */
int page_login_required(struct request *req)
{
	struct buf loc = BUF_INIT;

	buf_puts(&loc, "/login");
	if (!strcmp(req->method, "GET") && strcmp(req->path, "/") != 0) {
		struct buf next = BUF_INIT;
		buf_puts(&next, req->path);
		if (*req->query_string) {
			buf_putc(&next, '?');
			buf_puts(&next, req->query_string);
		}
		buf_puts(&loc, "?next=");
		url_encode(&loc, buf_cstr(&next));
		buf_free(&next);
	}
	redirect(req, 303, buf_cstr(&loc));
	buf_free(&loc);
	return 0;
}

static int check_post_body(struct request *req)
{
	int rc = req_parse_form(req, (size_t)app.cfg.max_body_bytes);

	switch (rc) {
	case 0:
		return 0;
	case 413:
		render_error(req, 413, "That request is too large",
			     "The form you sent is larger than this site accepts.");
		return -1;
	case 415:
		render_error(req, 415, "Unsupported form encoding",
			     "Forms must be sent as application/x-www-form-urlencoded.");
		return -1;
	default:
		render_error(req, 400, "That request could not be read",
			     "The form data was malformed. Reload the page and try again.");
		return -1;
	}
}

static int database_down(struct request *req)
{
	return render_error(req, 503, "The database is not reachable",
			    "LangFlix Publisher cannot reach its database right now. Nothing was "
			    "changed. Please try again in a moment.");
}

void app_handle(struct request *req)
{
	struct thread_state *ts = req->thread_ctx;
	struct page *pg = arena_alloc(&req->arena, sizeof(*pg));
	const struct route *rt = NULL;
	int rc;

	req->ctx = pg;
	pg->db = &ts->db;
	/* before any statement: what the page cache may trust (page_cache.c) */
	pg->heard_seq = page_cache_heard_seq();
	pg->read_at = now_mono();

	rc = router_match(app_routes, app_nroutes, req, &rt);
	security_headers(req, rc == 0 ? rt->flags : 0);
	if (rc != 0 && db_ensure(pg->db) == 0)
		session_load(req);   /* the error page keeps the signed-in header */
	if (rc == 404) {
		render_error(req, 404, "Page not found", "There is no page at this address.");
		return;
	}
	if (rc == 405) {
		render_error(req, 405, "Method not allowed", "This page does not accept that kind of request.");
		return;
	}
	req->route = rt;
	if ((rt->flags & R_KEPT) && page_cache_serve_heard(req))
		return;

	if (!(rt->flags & R_NODB)) {
		if (db_ensure(pg->db) < 0) {
			database_down(req);
			return;
		}
		if (!(rt->flags & R_OWN_SESSION) && session_load(req) < 0) {
			database_down(req);
			return;
		}
	}
	if ((rt->flags & R_LOGIN) && !(rt->flags & R_OWN_SESSION) && !pg->user_id) {
		page_login_required(req);
		return;
	}
	if (!strcmp(req->method, "POST") && !(rt->flags & R_RAWBODY)) {
		if (check_post_body(req) < 0)
			return;
		if ((rt->flags & R_CSRF) && !csrf_check(req)) {
			log_warn("event=csrf_refused route=%s", rt->name);
			render_error(req, 403, "This form has expired",
				     "The security token of the form did not match your session. "
				     "Go back, reload the page and submit it again.");
			return;
		}
	}
	if (rt->handler(req) < 0) {
		/* the handler left no answer: tell the user what kind of failure */
		buf_reset(&req->out);
		if (!(rt->flags & R_NODB) && db_ensure(pg->db) < 0)
			database_down(req);
		else
			render_error(req, 500, "Something went wrong",
				     "The request could not be completed. It has been logged; "
				     "please try again.");
	}
}
