/* langflix.fcgi — the web app: dashboard, login, composer, OAuth callback.
 *
 *   langflix.fcgi [-c CONFIG]
 *
 * Listens on the configured FastCGI socket (or fd 0 when `listen` is empty,
 * as spawn-fcgi and systemd socket activation hand it over). */
#include "app.h"
#include "tiktok.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct app app;

static void *thread_init(int index)
{
	struct thread_state *ts = xcalloc(1, sizeof(*ts));

	(void)index;
	db_init(&ts->db, app.cfg.database_url);
	db_ensure(&ts->db); /* failure is fine: each request retries */
	return ts;
}

static void thread_fini(void *p)
{
	struct thread_state *ts = p;

	db_close(&ts->db);
	free(ts);
}

static void after_request(struct request *req, double seconds)
{
	log_info("event=request method=%s path=%s route=%s status=%d ms=%.2f", req->method,
		 log_quote(req->path), req->route ? req->route->name : "-", req->status,
		 seconds * 1000.0);
	metrics_request(req->route ? req->route->name : "unmatched", req->status, seconds);
}

/* Every TikTok call of this process is made while someone waits for a
 * page: short deadlines, and never all threads waiting on TikTok (at least
 * one thread keeps serving the other pages). */
static void limit_tiktok_calls(const struct config *cfg)
{
	int at_once = (int)cfg->tiktok_page_calls;

	if (cfg->threads > 1 && at_once > cfg->threads - 1)
		at_once = (int)cfg->threads - 1;
	tiktok_limit_waiting_calls(at_once, (long)cfg->tiktok_page_timeout_ms);
	log_info("event=tiktok_limits at_once=%d deadline_ms=%lld", at_once,
		 (long long)cfg->tiktok_page_timeout_ms);
}

int main(int argc, char **argv)
{
	struct server_opts opts;
	char err[512];
	int rc;

	/* no core dump ever holds a token, a password or the secret key */
	if (process_protect_memory() < 0)
		fprintf(stderr, "langflix.fcgi: cannot switch core dumps off\n");
	if ((rc = config_for_program(&app.cfg, "langflix.fcgi", argc, argv)) != 0)
		return rc;
	app.templates = tmpl_set_load(app.cfg.templates_dir, err, sizeof(err));
	if (!app.templates) {
		fprintf(stderr, "langflix.fcgi: templates: %s\n", err);
		return 1;
	}
	limit_tiktok_calls(&app.cfg);
	memset(&opts, 0, sizeof(opts));
	opts.listen = app.cfg.listen;
	opts.threads = (int)app.cfg.threads;
	opts.trusted_proxies = app.cfg.trusted_proxies;
	opts.thread_init = thread_init;
	opts.thread_fini = thread_fini;
	opts.handle = app_handle;
	opts.after = after_request;
	log_info("event=app_start memory_protected=%d", process_memory_protected());
	if (page_listen_start() < 0)
		log_warn("event=page_listen_not_started");  /* kept pages are checked instead */
	rc = server_run(&opts);
	page_listen_stop();
	tmpl_set_free(app.templates);
	config_free(&app.cfg);
	return rc < 0 ? 1 : 0;
}
