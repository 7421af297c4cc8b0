/* page_results.c — what the posts brought (issue 12), the viewer's own
 * posts only:
 *
 *   GET /results        the posted clips with their latest counts and the
 *                       change since the day before, sorted on the server
 *                       (?sort=views&dir=desc, paged), a chart of each clip's
 *                       views over its first 30 days, and roll-ups by
 *                       expression, show, target language and account
 *                       (totals, median views per post, best and worst clip,
 *                       removals) with a bar chart each
 *   GET /results.csv    the table, every row, as CSV
 *
 * The counts come from the worker's readings (worker/readings.c, lib/results.h):
 * clip_results holds each clip's latest reading, so the page never scans the
 * readings except for the charts of the clips on the page. The roll-ups are
 * kept by lib/results.c (sql/043: recomputed when stale, here before they
 * are read, so they are exact on every request), and the table's 50 rows
 * are chosen before anything is joined to them. Charts are SVG
 * written by the template from numbers computed here (no raw HTML), each
 * with a title and a description in words. */
#include "app.h"
#include "escape.h"
#include "log.h"
#include "results.h"
#include "tiktok.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESULTS_PAGE_SIZE 50
#define ROLLUP_GROUPS     25    /* groups listed per roll-up, the best first */
#define CHART_W           120   /* a clip's chart, in SVG units */
#define CHART_H           36
#define BAR_W             200   /* a roll-up's bars */

/* The columns a reader may sort by: the query value, the heading, the SQL. */
static const struct sort_key {
	const char *name, *label, *sql;
	int numeric;                 /* descending first */
} sort_keys[] = {
	{ "posted", "Posted", "c.posted_at", 1 },
	{ "views", "Views", "c.views", 1 },
	{ "likes", "Likes", "c.likes", 1 },
	{ "comments", "Comments", "c.comments", 1 },
	{ "shares", "Shares", "c.shares", 1 },
	{ "change", "Views since yesterday", "c.views - c.views_day_before", 1 },
	{ "expression", "Expression", "lower(v.expression)", 0 },
	{ "show", "Show", "lower(v.show_name)", 0 },
	{ "language", "Target language", "lower(v.learn_language)", 0 },
	{ "account", "Account", "lower(coalesce(nullif(a.display_name, ''), a.username))", 0 },
};
#define NSORT ARRAY_LEN(sort_keys)

/* One statement per sort key and direction (ORDER BY cannot be a
 * parameter): $1 the viewer, $2 limit, $3 offset. The page's rows are
 * chosen first on a narrow query (the sort key and the job, over only the
 * tables the key needs), then only those rows are joined to their job,
 * video and account. */
#define ROWS_SQL(from, order, dir) \
	"SELECT c.job_id, j.post_url, coalesce(nullif(v.title, ''), v.path) AS title," \
	"       v.expression, v.show_name, v.learn_language AS language," \
	"       coalesce(nullif(a.display_name, ''), a.username, '') AS account," \
	"       c.views, c.likes, c.comments, c.shares, c.views - c.views_day_before AS change," \
	"       c.readings, to_char(c.posted_at, 'YYYY-MM-DD') AS posted," \
	"       to_char(j.no_longer_public_at, 'YYYY-MM-DD') AS removed " \
	"FROM (SELECT c.job_id, " order " AS k FROM " from " WHERE c.user_id = $1" \
	"      ORDER BY k " dir " NULLS LAST, c.job_id " dir " LIMIT $2 OFFSET $3) p " \
	"JOIN clip_results c ON c.job_id = p.job_id JOIN upload_jobs j ON j.id = c.job_id " \
	"JOIN videos v ON v.id = j.video_id LEFT JOIN tiktok_accounts a ON a.id = c.account_id " \
	"ORDER BY p.k " dir " NULLS LAST, p.job_id " dir
#define FROM_CLIPS  "clip_results c"
#define FROM_VIDEOS "clip_results c JOIN upload_jobs j ON j.id = c.job_id JOIN videos v ON v.id = j.video_id"
#define FROM_ACCTS  "clip_results c LEFT JOIN tiktok_accounts a ON a.id = c.account_id"
#define ROWS_PAIR(name, from, order) \
	{ { "results_rows_" name "_asc", ROWS_SQL(from, order, "ASC") }, \
	  { "results_rows_" name "_desc", ROWS_SQL(from, order, "DESC") } }
static const struct db_stmt q_rows[][2] = {
	ROWS_PAIR("posted", FROM_CLIPS, "c.posted_at"),
	ROWS_PAIR("views", FROM_CLIPS, "c.views"),
	ROWS_PAIR("likes", FROM_CLIPS, "c.likes"),
	ROWS_PAIR("comments", FROM_CLIPS, "c.comments"),
	ROWS_PAIR("shares", FROM_CLIPS, "c.shares"),
	ROWS_PAIR("change", FROM_CLIPS, "c.views - c.views_day_before"),
	ROWS_PAIR("expression", FROM_VIDEOS, "lower(v.expression)"),
	ROWS_PAIR("show", FROM_VIDEOS, "lower(v.show_name)"),
	ROWS_PAIR("language", FROM_VIDEOS, "lower(v.learn_language)"),
	ROWS_PAIR("account", FROM_ACCTS, "lower(coalesce(nullif(a.display_name, ''), a.username))"),
};
_Static_assert(ARRAY_LEN(q_rows) == ARRAY_LEN(sort_keys), "one statement pair per sort key");

/* The viewer's roll-ups as lib/results.c keeps them (sql/043; made fresh
 * first, results_rollups_fresh): the best groups of each dimension, at most
 * $2 of each, with the viewer's clip and removal counts on every row (and
 * on one row of NULLs when there is no group). */
static const struct db_stmt q_rollups = { "results_rollups_read",
	"SELECT s.clips, s.removals, r.dim, r.key, r.groups, r.posts, r.views, r.likes, r.comments,"
	"       r.shares, r.median, r.removed, r.best_id, r.best_title, r.best_views, r.worst_id,"
	"       r.worst_title, r.worst_views "
	"FROM result_rollups_state s LEFT JOIN result_rollups r"
	"  ON r.user_id = s.user_id AND r.rank <= $2 "
	"WHERE s.user_id = $1 ORDER BY r.dim, r.rank" };

/* The readings of the page's clips within their first 30 days ($2 seconds). */
static const struct db_stmt q_readings = { "results_readings",
	"SELECT r.job_id, extract(epoch FROM r.taken_at - c.posted_at) AS t, r.views "
	"FROM clip_results c JOIN clip_readings r ON r.job_id = c.job_id "
	"WHERE c.job_id = ANY($1::bigint[]) AND c.user_id = $3"
	"  AND r.taken_at <= c.posted_at + make_interval(secs => $2::double precision) "
	"ORDER BY r.job_id, r.taken_at" };

static const struct db_stmt q_csv = { "results_csv",
	"SELECT c.job_id, j.post_url, coalesce(nullif(v.title, ''), v.path) AS title,"
	"       v.expression, v.show_name, v.learn_language AS language,"
	"       coalesce(nullif(a.display_name, ''), a.username, '') AS account,"
	"       c.views, c.likes, c.comments, c.shares, c.views - c.views_day_before AS change,"
	"       c.readings, to_char(c.posted_at, 'YYYY-MM-DD') AS posted,"
	"       to_char(j.no_longer_public_at, 'YYYY-MM-DD') AS removed "
	"FROM clip_results c JOIN upload_jobs j ON j.id = c.job_id JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = c.account_id "
	"WHERE c.user_id = $1 ORDER BY c.posted_at DESC, c.job_id DESC" };

static const char *const dim_names[] = { "", "expression", "show", "language", "account" };
static const char *const dim_labels[] = { "", "By expression", "By show", "By target language",
					  "By account" };

static double minute_sec(void)
{
	return (double)app.cfg.results_minute_ms / 1000.0;
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_bool(struct json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

/* 12345 → "12,345" (a count, for reading). */
static const char *grouped(struct request *req, int64_t v)
{
	char digits[32], out[48];
	int n, k = 0, neg = v < 0;

	snprintf(digits, sizeof(digits), "%lld", (long long)(neg ? -v : v));
	n = (int)strlen(digits);
	if (neg)
		out[k++] = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	return arena_printf(&req->arena, "%s", out);
}

static const struct sort_key *sort_of(struct request *req, size_t *index, int *desc)
{
	const char *s = kv_get(&req->query, "sort"), *d = kv_get(&req->query, "dir");

	*index = 0;
	for (size_t i = 0; s && i < NSORT; i++)
		if (!strcmp(s, sort_keys[i].name))
			*index = i;
	*desc = d ? !strcmp(d, "desc") : sort_keys[*index].numeric;
	return &sort_keys[*index];
}

/* ---- the table ---- */

static struct json_object *row_json(struct request *req, PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	const char *change = db_get(r, i, "change");

	add_int(o, "id", db_get_int(r, i, "job_id"));
	ctx_add_str(o, "post_url", db_get(r, i, "post_url"));
	ctx_add_str(o, "title", db_get(r, i, "title"));
	ctx_add_str(o, "expression", db_get(r, i, "expression"));
	ctx_add_str(o, "show", db_get(r, i, "show_name"));
	ctx_add_str(o, "language", db_get(r, i, "language"));
	ctx_add_str(o, "account", db_get(r, i, "account"));
	add_bool(o, "counted", db_get(r, i, "views") != NULL);
	ctx_add_str(o, "views", grouped(req, db_get_int(r, i, "views")));
	ctx_add_str(o, "likes", grouped(req, db_get_int(r, i, "likes")));
	ctx_add_str(o, "comments", grouped(req, db_get_int(r, i, "comments")));
	ctx_add_str(o, "shares", grouped(req, db_get_int(r, i, "shares")));
	if (change) {
		int64_t c = db_get_int(r, i, "change");
		ctx_add_str(o, "change", arena_printf(&req->arena, "%s%s", c > 0 ? "+" : "", grouped(req, c)));
	}
	add_int(o, "readings", db_get_int(r, i, "readings"));
	ctx_add_str(o, "posted", db_get(r, i, "posted"));
	ctx_add_str(o, "removed", db_get(r, i, "removed"));
	return o;
}

/* The chart of one clip: its readings (t seconds since posting, views)
 * over the first 30 days as a polyline, scaled to the box. */
static void clip_chart(struct request *req, struct json_object *row, const double *t,
		       const int64_t *views, int n, double span)
{
	struct buf pts = BUF_INIT;
	int64_t top = 1;
	double x = 0, y = 0;

	for (int i = 0; i < n; i++)
		if (views[i] > top)
			top = views[i];
	for (int i = 0; i < n; i++) {
		x = t[i] <= 0 ? 0 : t[i] >= span ? CHART_W : t[i] / span * CHART_W;
		y = CHART_H - 2 - (double)views[i] / (double)top * (CHART_H - 4);
		buf_printf(&pts, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	json_object_object_add(row, "chart", json_object_new_boolean(n > 0));
	ctx_add_str(row, "points", buf_cstr(&pts));
	ctx_add_str(row, "dot_x", arena_printf(&req->arena, "%.1f", x));
	ctx_add_str(row, "dot_y", arena_printf(&req->arena, "%.1f", y));
	ctx_add_str(row, "chart_desc", n == 0 ? "No reading yet." :
		    arena_printf(&req->arena, "%d reading%s in the first 30 days, from %s to %s views.",
				 n, n == 1 ? "" : "s", grouped(req, views[0]), grouped(req, views[n - 1])));
	buf_free(&pts);
}

/* Charts for the rows of the page (one query for all of them). */
static int add_charts(struct request *req, struct json_object *rows)
{
	struct page *pg = page_of(req);
	size_t n = json_object_array_length(rows);
	double span = 30 * RESULTS_DAY_MIN * minute_sec();
	struct buf ids = BUF_INIT;
	PGresult *r;
	int k = 0, nr, cj, ct, cv;
	int64_t *jobs;

	if (n == 0)
		return 0;
	buf_putc(&ids, '{');
	for (size_t i = 0; i < n; i++) {
		struct json_object *id;
		json_object_object_get_ex(json_object_array_get_idx(rows, i), "id", &id);
		buf_printf(&ids, "%s%lld", i ? "," : "", (long long)json_object_get_int64(id));
	}
	buf_putc(&ids, '}');
	r = db_query(pg->db, &q_readings, DB_PARAMS(DB_TEXT(buf_cstr(&ids)), DB_DOUBLE(span),
						    DB_INT(pg->user_id)));
	buf_free(&ids);
	if (!r)
		return -1;
	nr = PQntuples(r);
	/* each reading's job, read once (its columns looked up once): the
	 * readings are in job order, the rows in the reader's */
	cj = db_col(r, "job_id");
	ct = db_col(r, "t");
	cv = db_col(r, "views");
	if (cj < 0 || ct < 0 || cv < 0) {
		PQclear(r);
		return -1;
	}
	jobs = arena_alloc(&req->arena, sizeof(int64_t) * (size_t)(nr + 1));
	for (k = 0; k < nr; k++)
		jobs[k] = strtoll(PQgetvalue(r, k, cj), NULL, 10);
	for (size_t i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *id;
		int64_t job;
		int from, lo = 0, hi = nr;
		double *t;
		int64_t *v;
		int m = 0;

		json_object_object_get_ex(row, "id", &id);
		job = json_object_get_int64(id);
		while (lo < hi) {   /* the first reading of the job */
			int mid = lo + (hi - lo) / 2;
			if (jobs[mid] < job)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (from = k = lo; k < nr && jobs[k] == job; k++)
			;
		t = arena_alloc(&req->arena, sizeof(double) * (size_t)(k - from + 1));
		v = arena_alloc(&req->arena, sizeof(int64_t) * (size_t)(k - from + 1));
		for (int q = from; q < k; q++, m++) {
			t[m] = strtod(PQgetvalue(r, q, ct), NULL);
			v[m] = strtoll(PQgetvalue(r, q, cv), NULL, 10);
		}
		clip_chart(req, row, t, v, m, span);
	}
	PQclear(r);
	return 0;
}

/* ---- the roll-ups ---- */

/* The roll-ups, fresh (a reading, a takedown or a renamed show committed
 * before this request is in them), with the viewer's clip and removal counts. */
static struct json_object *rollups_json(struct request *req, int64_t *clips, int64_t *removals)
{
	struct page *pg = page_of(req);
	struct json_object *dims, *cur = NULL, *groups = NULL, *bars = NULL;
	PGresult *r;
	int64_t top = 1;
	int dim = 0, nbars = 0;

	*clips = *removals = 0;
	if (results_rollups_fresh(pg->db, pg->user_id) < 0 ||
	    !(r = db_query(pg->db, &q_rollups, DB_PARAMS(DB_INT(pg->user_id), DB_INT(ROLLUP_GROUPS)))))
		return NULL;
	dims = json_object_new_array();
	if (PQntuples(r) > 0) {
		*clips = db_get_int(r, 0, "clips");
		*removals = db_get_int(r, 0, "removals");
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *g = json_object_new_object(), *bar;
		int d = (int)db_get_int(r, i, "dim");
		double median = strtod(db_get_text(r, i, "median"), NULL);
		int64_t views = db_get_int(r, i, "views");

		if (d < 1 || d > 4) {
			json_object_put(g);
			continue;
		}
		if (d != dim) {
			cur = json_object_new_object();
			groups = json_object_new_array();
			bars = json_object_new_array();
			dim = d;
			nbars = 0;
			top = views > 0 ? views : 1;   /* the first is the largest */
			ctx_add_str(cur, "dim", dim_names[d]);
			ctx_add_str(cur, "label", dim_labels[d]);
			add_int(cur, "groups_total", db_get_int(r, i, "groups"));
			add_bool(cur, "more", db_get_int(r, i, "groups") > ROLLUP_GROUPS);
			add_bool(cur, "show_removals", d == 2);
			json_object_object_add(cur, "groups", groups);
			json_object_object_add(cur, "bars", bars);
			json_object_array_add(dims, cur);
		}
		ctx_add_str(g, "key", db_get(r, i, "key"));
		add_int(g, "posts", db_get_int(r, i, "posts"));
		add_int(g, "views_n", views);
		ctx_add_str(g, "views", grouped(req, views));
		ctx_add_str(g, "likes", grouped(req, db_get_int(r, i, "likes")));
		ctx_add_str(g, "comments", grouped(req, db_get_int(r, i, "comments")));
		ctx_add_str(g, "shares", grouped(req, db_get_int(r, i, "shares")));
		ctx_add_str(g, "median", arena_printf(&req->arena, median == floor(median) ? "%.0f" : "%.1f",
						     median));
		ctx_add_str(g, "median_n", arena_printf(&req->arena, "%.1f", median));
		add_int(g, "removed", db_get_int(r, i, "removed"));
		add_int(g, "best_id", db_get_int(r, i, "best_id"));
		ctx_add_str(g, "best_title", db_get(r, i, "best_title"));
		ctx_add_str(g, "best_views", grouped(req, db_get_int(r, i, "best_views")));
		add_int(g, "worst_id", db_get_int(r, i, "worst_id"));
		ctx_add_str(g, "worst_title", db_get(r, i, "worst_title"));
		ctx_add_str(g, "worst_views", grouped(req, db_get_int(r, i, "worst_views")));
		json_object_array_add(groups, g);
		if (nbars < 10) {   /* the chart shows the ten best */
			bar = json_object_new_object();
			ctx_add_str(bar, "key", db_get(r, i, "key"));
			ctx_add_str(bar, "views", grouped(req, views));
			add_int(bar, "y", nbars * 22);
			add_int(bar, "text_y", nbars * 22 + 14);
			add_int(bar, "w", views > 0 ? (int64_t)((double)views / (double)top * BAR_W) + 1 : 1);
			json_object_array_add(bars, bar);
			nbars++;
			json_object_object_add(cur, "bars_height", json_object_new_int(nbars * 22));
		}
	}
	PQclear(r);
	return dims;
}

/* Accounts that cannot show counts (no video.list): a note and Reconnect. */
static struct json_object *blind_accounts(struct request *req)
{
	int n = 0;
	struct json_object *all = accounts_for_page(req, 0, &n), *out;

	if (!all)
		return NULL;
	out = json_object_new_array();
	for (int i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(all, i), *note;
		if (json_object_object_get_ex(a, "results_note", &note))
			json_object_array_add(out, json_object_get(a));
	}
	json_object_put(all);
	return out;
}

static void add_sort_links(struct request *req, struct json_object *ctx, size_t current, int desc)
{
	struct json_object *cols = json_object_new_object();

	for (size_t i = 0; i < NSORT; i++) {
		struct json_object *c = json_object_new_object();
		int next_desc = i == current ? !desc : sort_keys[i].numeric;
		ctx_add_str(c, "href", arena_printf(&req->arena, "/results?sort=%s&dir=%s", sort_keys[i].name,
						    next_desc ? "desc" : "asc"));
		ctx_add_str(c, "label", sort_keys[i].label);
		if (i == current)
			ctx_add_str(c, "aria_sort", desc ? "descending" : "ascending");
		json_object_object_add(cols, sort_keys[i].name, c);
	}
	json_object_object_add(ctx, "cols", cols);
}

int page_results(struct request *req)
{
	struct page *pg = page_of(req);
	struct json_object *ctx, *rows, *dims, *blind;
	size_t sort;
	int desc, page_no = 1;
	int64_t total, removals, p;
	const char *ps = kv_get(&req->query, "page");
	const struct sort_key *k = sort_of(req, &sort, &desc);
	PGresult *r;

	(void)k;
	if (ps && parse_int64(ps, 1, 100000, &p) == 0)
		page_no = (int)p;
	if (!(dims = rollups_json(req, &total, &removals)))
		return -1;
	r = db_query(pg->db, &q_rows[sort][desc], DB_PARAMS(DB_INT(pg->user_id), DB_INT(RESULTS_PAGE_SIZE),
							    DB_INT((int64_t)(page_no - 1) * RESULTS_PAGE_SIZE)));
	if (!r) {
		json_object_put(dims);
		return -1;
	}
	rows = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_array_add(rows, row_json(req, r, i));
	PQclear(r);
	if (add_charts(req, rows) < 0) {
		json_object_put(rows);
		json_object_put(dims);
		return -1;
	}
	if (!(blind = blind_accounts(req))) {
		json_object_put(rows);
		json_object_put(dims);
		return -1;
	}
	ctx = page_context(req, "Results");
	json_object_object_add(ctx, "rows", rows);
	json_object_object_add(ctx, "rollups", dims);
	json_object_object_add(ctx, "blind_accounts", blind);
	add_int(ctx, "total", total);
	add_int(ctx, "removals", removals);
	add_bool(ctx, "empty", total == 0);
	add_sort_links(req, ctx, sort, desc);
	ctx_add_str(ctx, "sort", sort_keys[sort].name);
	ctx_add_str(ctx, "sort_label", sort_keys[sort].label);
	ctx_add_str(ctx, "dir", desc ? "desc" : "asc");
	add_int(ctx, "page", page_no);
	if (page_no > 1)
		ctx_add_str(ctx, "prev_href", arena_printf(&req->arena, "/results?sort=%s&dir=%s&page=%d",
							   sort_keys[sort].name, desc ? "desc" : "asc", page_no - 1));
	if ((int64_t)page_no * RESULTS_PAGE_SIZE < total)
		ctx_add_str(ctx, "next_href", arena_printf(&req->arena, "/results?sort=%s&dir=%s&page=%d",
							   sort_keys[sort].name, desc ? "desc" : "asc", page_no + 1));
	return render_page(req, 200, "results", ctx);
}

/* ---- CSV ---- */

static void csv_int(struct buf *out, const PGresult *r, int i, const char *col)
{
	if (db_get(r, i, col))
		buf_printf(out, "%lld", (long long)db_get_int(r, i, col));
}

int page_results_csv(struct request *req)
{
	static const char *const text_cols[] = { "title", "expression", "show_name", "language",
						 "account" };
	struct page *pg = page_of(req);
	PGresult *r = db_query(pg->db, &q_csv, DB_PARAMS(DB_INT(pg->user_id)));

	if (!r)
		return -1;
	buf_reset(&req->out);
	buf_puts(&req->out, "job,posted,title,expression,show,target_language,account,views,likes,"
		 "comments,shares,views_since_day_before,readings,removed_from_public_view,post_url\r\n");
	for (int i = 0; i < PQntuples(r); i++) {
		buf_printf(&req->out, "%lld,", (long long)db_get_int(r, i, "job_id"));
		csv_field(&req->out, db_get_text(r, i, "posted"));
		for (size_t c = 0; c < ARRAY_LEN(text_cols); c++) {
			buf_putc(&req->out, ',');
			csv_field(&req->out, db_get_text(r, i, text_cols[c]));
		}
		buf_putc(&req->out, ',');
		csv_int(&req->out, r, i, "views");
		buf_putc(&req->out, ',');
		csv_int(&req->out, r, i, "likes");
		buf_putc(&req->out, ',');
		csv_int(&req->out, r, i, "comments");
		buf_putc(&req->out, ',');
		csv_int(&req->out, r, i, "shares");
		buf_putc(&req->out, ',');
		csv_int(&req->out, r, i, "change");
		buf_printf(&req->out, ",%lld,", (long long)db_get_int(r, i, "readings"));
		csv_field(&req->out, db_get_text(r, i, "removed"));
		buf_putc(&req->out, ',');
		csv_field(&req->out, db_get_text(r, i, "post_url"));
		buf_puts(&req->out, "\r\n");
	}
	PQclear(r);
	req->status = 200;
	req_header(req, "Content-Type: text/csv; charset=utf-8");
	req_header(req, "Content-Disposition: attachment; filename=\"langflix-results.csv\"");
	return 0;
}
