/* main.c — the TikTok emulator: configuration, the route table, the
 * response helpers, fault injection and the server loop.
 *
 * An emulator of TikTok's OAuth v2 + Content Posting API + upload URLs for
 * development and tests (shared/tiktok-api.md is the specification). It is
 * not TikTok. See emulator/README.md. */
#include "emu.h"
#include "config.h"
#include "crypto.h"
#include "escape.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#define O(f) offsetof(struct emu_config, f)

static const struct config_setting settings[] = {
	{ "listen",                    CONFIG_STR,   O(listen),                    0, 1024, "var/run/emulator.sock", 0 },
	{ "threads",                   CONFIG_INT,   O(threads),                   1, 64, "8", 0 },
	{ "client_key",                CONFIG_STR,   O(client_key),                1, 256, "langflix-emulator-key", 0 },
	{ "client_name",               CONFIG_STR,   O(client_name),               1, 128, "LangFlix Publisher", 0 },
	{ "client_secret",             CONFIG_STR,   O(client_secret),             1, 256, "langflix-emulator-secret", 1 },
	{ "redirect_uris",             CONFIG_STR,   O(redirect_uris),             1, 5120, "http://127.0.0.1:8080/auth/tiktok/callback", 0 },
	{ "public_base_url",           CONFIG_STR,   O(public_base_url),           1, 200, "http://127.0.0.1:8081", 0 },
	{ "access_ttl_sec",            CONFIG_INT,   O(access_ttl_sec),            1, 31536000, "7200", 0 },
	{ "refresh_ttl_sec",           CONFIG_INT,   O(refresh_ttl_sec),           1, 31536000, "15552000", 0 },
	{ "code_ttl_sec",              CONFIG_INT,   O(code_ttl_sec),              1, 3600, "300", 0 },
	{ "upload_url_ttl_sec",        CONFIG_INT,   O(upload_url_ttl_sec),        1, 86400, "3600", 0 },
	{ "processing_delay_ms",       CONFIG_INT,   O(processing_delay_ms),       0, 3600000, "1500", 0 },
	{ "webhook_url",               CONFIG_STR,   O(webhook_url),               0, 1000, "", 0 },
	{ "webhook_retries",           CONFIG_INT,   O(webhook_retries),           0, 10, "3", 0 },
	{ "log_level",                 CONFIG_LEVEL, O(log_level),                 0, 0, "info", 0 },
	{ "profiles_file",             CONFIG_STR,   O(profiles_file),             0, 4096, "", 0 },
	{ "data_dir",                  CONFIG_STR,   O(data_dir),                  0, 4096, "", 0 },
	{ "unaudited_client",          CONFIG_BOOL,  O(unaudited_client),          0, 1, "false", 0 },
	{ "rate_init_per_min",         CONFIG_INT,   O(rate_init_per_min),         1, 1000000, "6", 0 },
	{ "rate_creator_info_per_min", CONFIG_INT,   O(rate_creator_info_per_min), 1, 1000000, "20", 0 },
	{ "rate_status_per_min",       CONFIG_INT,   O(rate_status_per_min),       1, 1000000, "30", 0 },
	{ "rate_user_info_per_min",    CONFIG_INT,   O(rate_user_info_per_min),    1, 1000000, "600", 0 },
	{ "rate_window_sec",           CONFIG_INT,   O(rate_window_sec),           1, 3600, "60", 0 },
	{ "max_pending_inbox",         CONFIG_INT,   O(max_pending_inbox),         0, 1000, "5", 0 },
	{ "fail_reason",               CONFIG_STR,   O(fail_reason),               0, 63, "", 0 },
	{ "auto_approve_account",      CONFIG_STR,   O(auto_approve_account),      0, 127, "", 0 },
	{ "post_id_delay_ms",          CONFIG_INT,   O(post_id_delay_ms),          -1, 864000000, "0", 0 },
	{ "post_id_after_polls",       CONFIG_INT,   O(post_id_after_polls),       0, 1000000, "0", 0 },
	{ "rate_video_per_min",        CONFIG_INT,   O(rate_video_per_min),        1, 1000000, "600", 0 },
	{ "verified_url_prefixes",     CONFIG_STR,   O(verified_url_prefixes),     0, 2047, "", 0 },
	{ "verified_domains",          CONFIG_STR,   O(verified_domains),          0, 1023, "", 0 },
	{ "pull_allow_http_loopback",  CONFIG_BOOL,  O(pull_allow_http_loopback),  0, 1, "true", 0 },
	{ "pull_max_bytes",            CONFIG_INT,   O(pull_max_bytes),            1, 4000000000LL, "4000000000", 0 },
	{ "pull_timeout_sec",          CONFIG_INT,   O(pull_timeout_sec),          1, 86400, "3600", 0 },
	{ "pull_rate_bytes_per_sec",   CONFIG_INT,   O(pull_rate_bytes_per_sec),   0, 10000000000LL, "12500000", 0 },
};

static struct emu_config cfg;

enum { R_API = 1, R_LOCAL = 2, R_NOLOG = 4 };

static int handle_index(struct request *req)
{
	reply_text(req, 200, "text/html; charset=utf-8",
		   "<!doctype html><meta charset=utf-8><title>TikTok emulator</title>"
		   "<h1>TikTok emulator</h1><p>An emulator of TikTok's OAuth and Content Posting "
		   "API for development and tests. This is <strong>not</strong> TikTok.</p>"
		   "<p>Control endpoints: <code>/_emulator/state</code>, <code>/_emulator/reset</code>, "
		   "<code>/_emulator/faults</code>, <code>/_emulator/config</code>.</p>\n");
	return 0;
}

static int handle_healthz(struct request *req)
{
	reply_text(req, 200, "text/plain", "ok\n");
	return 0;
}

static const struct route routes[] = {
	{ "GET",  "/",                                      handle_index,              R_NOLOG, "index" },
	{ "GET",  "/healthz",                               handle_healthz,            R_NOLOG, "healthz" },
	{ "GET",  "/v2/auth/authorize/",                    handle_authorize,          0, "authorize" },
	{ "POST", "/v2/auth/authorize/decide",              handle_authorize_decide,   0, "authorize_decide" },
	{ "POST", "/v2/oauth/token/",                       handle_token,              R_API, "token" },
	{ "POST", "/v2/oauth/revoke/",                      handle_revoke,             R_API, "revoke" },
	{ "GET",  "/v2/user/info/",                         handle_user_info,          R_API, "user_info" },
	{ "POST", "/v2/post/publish/creator_info/query/",   handle_creator_info,       R_API, "creator_info" },
	{ "POST", "/v2/post/publish/video/init/",           handle_video_init,         R_API, "video_init" },
	{ "POST", "/v2/post/publish/inbox/video/init/",     handle_inbox_init,         R_API, "inbox_init" },
	{ "POST", "/v2/post/publish/status/fetch/",         handle_status_fetch,       R_API, "status_fetch" },
	{ "POST", "/v2/post/publish/cancel/",               handle_cancel,             R_API, "cancel" },
	{ "POST", "/v2/video/query/",                       handle_video_query,        R_API, "video_query" },
	{ "POST", "/v2/video/list/",                        handle_video_list,         R_API, "video_list" },
	{ "PUT",  "/upload/{id}",                           handle_upload_put,         R_API, "upload" },
	{ "GET",  "/avatar/{file}",                         handle_avatar,             R_NOLOG, "avatar" },
	{ "GET",  "/_emulator/state",                       handle_ctl_state,          R_LOCAL | R_NOLOG, "ctl_state" },
	{ "POST", "/_emulator/reset",                       handle_ctl_reset,          R_LOCAL | R_NOLOG, "ctl_reset" },
	{ "POST", "/_emulator/faults",                      handle_ctl_faults,         R_LOCAL | R_NOLOG, "ctl_faults" },
	{ "POST", "/_emulator/revoke",                      handle_ctl_revoke,         R_LOCAL | R_NOLOG, "ctl_revoke" },
	{ "GET",  "/_emulator/config",                      handle_ctl_config_get,     R_LOCAL | R_NOLOG, "ctl_config_get" },
	{ "POST", "/_emulator/config",                      handle_ctl_config_set,     R_LOCAL | R_NOLOG, "ctl_config_set" },
	{ "POST", "/_emulator/inbox/publish",               handle_ctl_inbox_publish,  R_LOCAL | R_NOLOG, "ctl_inbox_publish" },
	{ "POST", "/_emulator/expire_tokens",               handle_ctl_expire_tokens,  R_LOCAL | R_NOLOG, "ctl_expire_tokens" },
	{ "POST", "/_emulator/post/remove",                 handle_ctl_post_remove,    R_LOCAL | R_NOLOG, "ctl_post_remove" },
	{ "POST", "/_emulator/post/publicize",              handle_ctl_post_publicize, R_LOCAL | R_NOLOG, "ctl_post_publicize" },
	{ "GET",  "/_emulator/clock",                       handle_ctl_clock_get,      R_LOCAL | R_NOLOG, "ctl_clock_get" },
	{ "POST", "/_emulator/clock",                       handle_ctl_clock_set,      R_LOCAL | R_NOLOG, "ctl_clock_set" },
	{ "POST", "/_emulator/posts_elsewhere",             handle_ctl_posts_elsewhere, R_LOCAL | R_NOLOG, "ctl_posts_elsewhere" },
};

/* ---- faults ---- */

struct fault_plan {
	int64_t slow_ms;
	int drop, err5xx, err429, truncate;
};

static void plan_faults(struct fault_plan *fp)
{
	memset(fp, 0, sizeof(*fp));
	pthread_mutex_lock(&G.mu);
	/* always four draws per API call, so the sequence depends on the seed
	 * and the order of calls only */
	fp->drop = fault_draw() < G.faults.rate_drop;
	fp->err5xx = fault_draw() < G.faults.rate_5xx;
	fp->err429 = fault_draw() < G.faults.rate_429;
	fp->truncate = fault_draw() < G.faults.rate_truncated;
	fp->slow_ms = G.faults.slow_ms;
	pthread_mutex_unlock(&G.mu);
}

static void drain_body(struct request *req)
{
	char tmp[65536];

	while (req_read(req, tmp, sizeof(tmp)) > 0)
		;
}

/* 1 when a fault answered the request instead of the handler. */
static int inject_before(struct request *req, const struct fault_plan *fp)
{
	if (fp->slow_ms > 0)
		usleep((useconds_t)(fp->slow_ms * 1000));
	if (fp->drop) {
		/* FastCGI cannot drop nginx's client connection. Sending no
		 * response at all makes nginx answer 502 Bad Gateway itself,
		 * which is what a client sees when TikTok's edge drops. */
		drain_body(req);
		ereq(req)->error_code = "fault_drop";
		req->status = 502;
		buf_reset(&req->headers);
		buf_reset(&req->out);
		req->sent = 1;
		return 1;
	}
	if (fp->err5xx) {
		drain_body(req);
		reply_envelope(req, 500, NULL, "internal_error", "Injected fault: internal error");
		return 1;
	}
	if (fp->err429) {
		drain_body(req);
		reply_envelope(req, 429, NULL, "rate_limit_exceeded", "Injected fault: rate limit exceeded");
		return 1;
	}
	return 0;
}

static void inject_after(struct request *req, const struct fault_plan *fp)
{
	if (fp->truncate && req->out.len > 1) {
		/* a valid HTTP response whose JSON body stops half way */
		req->out.len /= 2;
		req->out.data[req->out.len] = '\0';
	}
}

/* Logged here, before the response is sent: server.c's after() hook runs
 * once libfcgi has freed the request's parameters (path, method). */
static void access_log(struct request *req)
{
	struct emu_req *er = req->ctx;

	log_info("event=request method=%s path=%s status=%d error=%s ms=%.1f", req->method,
		 log_quote(req->path), req->status, er && er->error_code ? er->error_code : "-",
		 (now_mono() - req->started) * 1000);
}

static void handle(struct request *req)
{
	struct emu_req *er = arena_alloc(&req->arena, sizeof(*er));
	const struct route *rt = NULL;
	struct fault_plan fp;
	int rc;

	req->ctx = er;
	rc = router_match(routes, ARRAY_LEN(routes), req, &rt);
	if (rc == 404 || rc == 405) {
		reply_envelope(req, rc, NULL, rc == 404 ? "not_found" : "method_not_allowed",
			       rc == 404 ? "No such endpoint on the TikTok emulator" : "Method not allowed");
		call_record(req);
		access_log(req);
		return;
	}
	if ((rt->flags & R_LOCAL) && !is_loopback(req)) {
		reply_text(req, 403, "text/plain", "control endpoints answer loopback clients only\n");
		return;
	}
	er->api = (rt->flags & R_API) != 0;
	if (er->api) {
		plan_faults(&fp);
		if (!inject_before(req, &fp))
			rt->handler(req);
		inject_after(req, &fp);
	} else {
		rt->handler(req);
	}
	if (!(rt->flags & R_NOLOG))
		call_record(req);
	access_log(req);
}

static void usage(void)
{
	fprintf(stderr, "usage: tiktok-emulator.fcgi [-c CONFIG_FILE]\n"
			"  TIKTOK_EMU_<KEY> environment variables override the file.\n"
			"  This is an emulator of TikTok for development and tests, not TikTok.\n");
}

int main(int argc, char **argv)
{
	const char *path = getenv("TIKTOK_EMU_CONFIG_FILE");
	char err[512];
	enum log_level lvl;
	struct server_opts opts;
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt == 'c')
			path = optarg;
		else {
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (config_load_table(settings, ARRAY_LEN(settings), &cfg, path && *path ? path : NULL,
			      "TIKTOK_EMU_", err, sizeof(err)) < 0) {
		fprintf(stderr, "tiktok-emulator: %s\n", err);
		return 2;
	}
	if (log_parse_level(cfg.log_level, &lvl) == 0)
		log_set_level(lvl);
	if (*cfg.data_dir && mkdir(cfg.data_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "tiktok-emulator: data_dir %s: %s\n", cfg.data_dir, strerror(errno));
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	state_init(&cfg);
	webhook_start();
	memset(&opts, 0, sizeof(opts));
	opts.listen = cfg.listen;
	opts.threads = (int)cfg.threads;
	opts.handle = handle;
	rc = server_run(&opts);
	webhook_stop();
	pull_stop();
	curl_global_cleanup();
	config_free_table(settings, ARRAY_LEN(settings), &cfg);
	return rc == 0 ? 0 : 1;
}
