/* page_ops.c — what operators and their tools poll:
 *
 *   GET /healthz   200 "ok" when the database answers, 503 otherwise (for
 *                  load balancers and systemd/monitoring checks)
 *   GET /metrics   Prometheus text format 0.0.4: this app process's
 *                  counters (lib/metrics.h) plus gauges read from the
 *                  database at scrape time (jobs by state, bytes, worker
 *                  leases, accounts). Access is restricted by nginx (see
 *                  scripts/nginx/langflix-site.conf: loopback and an allow
 *                  list); the numbers hold no user data.
 *
 * Both run without the central database check (R_NODB) so they can say
 * that the database is down instead of showing the 503 page.
 *
 *   GET /_bench/floor?bytes=N   only with bench_floor = true (make bench):
 *                  N bytes of HTML with the headers every page gets and no
 *                  database, the transport floor the dashboard is measured
 *                  against (nginx, FastCGI, a thread, the headers). Off, it
 *                  is the 404 page of any unknown address. */
#include "app.h"
#include "jobs.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct db_stmt q_ping = { "ops_ping", "SELECT 1" };
static struct db_stmt q_jobs = { "ops_jobs_by_state",
	"SELECT s.state, count(j.id) AS jobs, coalesce(sum(j.bytes_sent), 0) AS bytes_sent "
	"FROM unnest(" JOBS_EVERY_STATE_ARRAY_SQL ") AS s(state) "
	"LEFT JOIN upload_jobs j ON j.state = s.state GROUP BY s.state ORDER BY s.state" };
/* worker_id is host:pid:slot; a live lease is a busy slot */
static struct db_stmt q_leases = { "ops_worker_leases",
	"SELECT split_part(locked_by, ':', 1) || ':' || split_part(locked_by, ':', 2) AS worker,"
	"       count(*) AS leases "
	"FROM upload_jobs WHERE locked_until > now() AND locked_by IS NOT NULL "
	"GROUP BY 1 ORDER BY 1" };
static struct db_stmt q_due = { "ops_queue_oldest_due",
	"SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0) AS waited FROM upload_jobs "
	"WHERE state IN " JOBS_ACTIVE_SQL " AND run_at <= now() "
	"  AND (locked_until IS NULL OR locked_until < now())" };
static struct db_stmt q_accounts = { "ops_accounts_by_status",
	"SELECT s.status, count(a.id) AS accounts "
	"FROM unnest(ARRAY['connected','needs_reconnect','disconnected']) AS s(status) "
	"LEFT JOIN tiktok_accounts a ON a.status = s.status GROUP BY s.status ORDER BY s.status" };

static struct db_stmt q_at_risk = { "ops_accounts_at_risk",
	"SELECT count(*) AS accounts FROM tiktok_accounts"
	" WHERE at_risk_reason IS NOT NULL AND status <> 'disconnected'" };

static int database_ok(struct db *db)
{
	return db_ensure(db) == 0 && db_command(db, &q_ping, 0, NULL) >= 0;
}

int page_healthz(struct request *req)
{
	struct thread_state *ts = req->thread_ctx;
	int ok = database_ok(&ts->db);

	req->status = ok ? 200 : 503;
	req_header(req, "Content-Type: text/plain; charset=utf-8");
	buf_puts(&req->out, ok ? "ok\n" : "database unreachable\n");
	return 0;
}

/* A gauge with one sample: name, its help line, value. */
static void gauge(struct buf *out, const char *name, const char *help, double value)
{
	metrics_text_header(out, name, "gauge", help);
	metrics_text_sample(out, name, NULL, NULL, value);
}

/* A gauge with a sample per row of r: the label named label holds the
 * row's column of that name, the value is its column value. */
static void gauge_rows(struct buf *out, PGresult *r, const char *name, const char *help, const char *label,
		       const char *value)
{
	metrics_text_header(out, name, "gauge", help);
	for (int i = 0; i < PQntuples(r); i++)
		metrics_text_sample(out, name, label, db_get(r, i, label), (double)db_get_int(r, i, value));
}

/* Gauges from the database; 0 when every query answered, -1 otherwise
 * (what was written stays: each block is complete or absent). */
static int database_gauges(struct db *db, struct buf *out)
{
	struct buf part = BUF_INIT;
	PGresult *r;
	int rc = -1;

	if (!(r = db_query(db, &q_jobs, 0, NULL)))
		goto out;
	gauge_rows(&part, r, "langflix_jobs", "Upload jobs in the queue table, by state.", "state", "jobs");
	gauge_rows(&part, r, "langflix_job_bytes_sent",
		   "Bytes TikTok has accepted for the jobs in the queue table, by job state.", "state", "bytes_sent");
	PQclear(r);

	if (!(r = db_query(db, &q_leases, 0, NULL)))
		goto out;
	gauge_rows(&part, r, "langflix_worker_leases",
		   "Jobs a worker process holds a live lease on (its busy slots), by host:pid.", "worker", "leases");
	PQclear(r);

	if (!(r = db_query(db, &q_due, 0, NULL)))
		goto out;
	gauge(&part, "langflix_queue_oldest_due_seconds",
	      "How long the oldest due, unclaimed job has been waiting (0 when none).",
	      PQntuples(r) ? strtod(db_get_text(r, 0, "waited"), NULL) : 0);
	PQclear(r);

	if (!(r = db_query(db, &q_accounts, 0, NULL)))
		goto out;
	gauge_rows(&part, r, "langflix_tiktok_accounts", "TikTok accounts by status.", "status", "accounts");
	PQclear(r);

	if (!(r = db_query(db, &q_at_risk, 0, NULL)))
		goto out;
	gauge(&part, "langflix_tiktok_accounts_at_risk",
	      "TikTok accounts that failed their check before a planned post (token or creator_info).",
	      (double)db_get_int(r, 0, "accounts"));
	PQclear(r);
	buf_append(out, part.data ? part.data : "", part.len);
	rc = 0;
out:
	buf_free(&part);
	return rc;
}

int page_metrics(struct request *req)
{
	struct thread_state *ts = req->thread_ctx;
	int up = database_ok(&ts->db);

	if (up && database_gauges(&ts->db, &req->out) < 0)
		up = 0;
	gauge(&req->out, "langflix_database_up", "1 when this app process reached the database during this scrape.",
	      up);
	metrics_render(&req->out);
	req->status = 200;
	req_header(req, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
	return 0;
}

#define BENCH_FLOOR_MAX_BYTES (8 << 20)

int page_bench_floor(struct request *req)
{
	const char *q = kv_get(&req->query, "bytes");
	int64_t n = 0;

	if (!app.cfg.bench_floor)
		return render_error(req, 404, "Page not found", "There is no page at this address.");
	if (!q || parse_int64(q, 1, BENCH_FLOOR_MAX_BYTES, &n) < 0)
		return render_error(req, 400, "Bad size", "bytes must be 1..8388608.");
	buf_reset(&req->out);
	buf_grow(&req->out, (size_t)n);
	memset(req->out.data, 'x', (size_t)n);
	req->out.len = (size_t)n;
	req->out.data[n] = '\0';
	req->status = 200;
	req_header(req, "Content-Type: " CONTENT_HTML);
	return 0;
}
