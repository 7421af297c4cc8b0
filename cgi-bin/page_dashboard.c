/* page_dashboard.c — GET /: the video library with search, filters and
 * pagination, each video with its LangFlix data, TikTok readiness and
 * TikTok state. */
#include "app.h"
#include "escape.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Search: the seven searched columns as one text, indexed by pg_trgm
 * (sql/012), which serves ILIKE '%term%'. The expression must stay exactly
 * the index's for the planner to use the index. */
#define SEARCH_TEXT \
	"videos_search_text(v.title, v.title_translation, v.expression, v.expression_translation," \
	"                   v.show_name, v.path, v.keywords)"

/* The viewer: a one-row relation "viewer" (viewer.id is users.id), so the
 * filters' conditions name the viewer the same way in every statement. */
#define VIEWER(param) "CROSS JOIN (SELECT " param "::bigint AS id) viewer "

/* The viewer's own latest job of the video: another user's job outcome
 * (account, link, reason, even that it failed) is theirs alone. */
#define VIEWERS_LATEST_JOB \
	"(SELECT m.state, m.post_url, m.fail_reason, m.id FROM upload_jobs m" \
	"  WHERE m.video_id = v.id AND m.user_id = viewer.id ORDER BY m.id DESC LIMIT 1)"

/* Whether the video was posted (a published or inboxed job) by anyone, or
 * by another user than the viewer: all that others may learn of a job. */
#define POSTED_WHERE(who) \
	"EXISTS (SELECT 1 FROM upload_jobs p WHERE p.video_id = v.id" who \
	"        AND p.state IN ('published', 'inboxed'))"
#define POSTED_BY_ANYONE POSTED_WHERE("")
#define POSTED_BY_OTHERS POSTED_WHERE(" AND p.user_id <> viewer.id")

/* One page of videos with the viewer's latest job of each and whether
 * another user posted it; $1 limit, $2 offset, $3 the viewer, $4 the pattern. */
#define ROWS_SQL(where) \
	"SELECT v.id, v.path, v.size_bytes, v.duration_ms, v.width, v.height, v.fps," \
	"       v.video_codec, v.container, v.expression, v.expression_translation, v.title," \
	"       v.title_translation, array_to_json(v.keywords)::text AS keywords_json, v.language," \
	"       v.learn_language, v.show_name, v.episode, v.ready, v.not_ready_reason, v.missing," \
	"       j.state AS job_state, j.post_url, j.fail_reason, j.id AS job_id," \
	"       " POSTED_BY_OTHERS " AS posted_by_other " \
	"FROM videos v " VIEWER("$3") "LEFT JOIN LATERAL " VIEWERS_LATEST_JOB " j ON true " \
	"WHERE " where " ORDER BY v.id DESC LIMIT $1 OFFSET $2"
/* The videos a search or filter matches; $1 the viewer, $2 the pattern. */
#define COUNT_SQL(where) "SELECT count(*) AS matches FROM videos v " VIEWER("$1") "WHERE " where

/* One statement per filter, with and without a search, rather than one
 * with "$1 = '' OR ...": a generic plan of that could use no index. */
struct filter {
	const char *name, *label;
	struct db_stmt rows, rows_search, count, count_search;
};

#define FILTER(name, label, cond) { name, label, \
	{ "dashboard_rows_" name, ROWS_SQL(cond) }, \
	{ "dashboard_rows_q_" name, ROWS_SQL(SEARCH_TEXT " ILIKE $4 AND " cond) }, \
	{ "dashboard_count_" name, COUNT_SQL(cond) }, \
	{ "dashboard_count_q_" name, COUNT_SQL(SEARCH_TEXT " ILIKE $2 AND " cond) } }

static const struct filter filters[] = {
	FILTER("all", "All", "true"),
	FILTER("ready", "Ready", "v.ready AND NOT v.missing"),
	FILTER("not_ready", "Not ready", "(NOT v.ready OR v.missing)"),
	/* posted by anyone (that much is shared); failed: the viewer's own */
	FILTER("posted", "Posted", POSTED_BY_ANYONE),
	FILTER("failed", "Failed", "coalesce((SELECT l.state = 'failed' FROM " VIEWERS_LATEST_JOB " l), false)"),
};

/* The library's numbers, kept by triggers (sql/013): no count per view. */
static const struct db_stmt q_library_counts = { "dashboard_counts",
	"SELECT total, ready FROM video_counts" };

/* Control characters become spaces: the search text joins its columns
 * with line breaks, so a term never matches across two of them. */
static void search_term_clean(char *q)
{
	for (; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
}

/* ILIKE pattern for a search term, with % _ \ taken literally. */
static const char *search_pattern(struct request *req, const char *q)
{
	struct buf b = BUF_INIT;
	const char *out;

	if (!q || !*q)
		return "";
	buf_putc(&b, '%');
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *q);
	}
	buf_putc(&b, '%');
	out = arena_strdup(&req->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void format_size(char *out, size_t n, long long bytes)
{
	if (bytes >= 1000LL * 1000 * 1000)
		snprintf(out, n, "%.2f GB", (double)bytes / 1e9);
	else if (bytes >= 1000LL * 1000)
		snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
	else
		snprintf(out, n, "%.0f kB", (double)bytes / 1e3);
}

static void format_duration(char *out, size_t n, long long ms)
{
	long long s = (ms + 500) / 1000;

	snprintf(out, n, "%lld:%02lld", s / 60, s % 60);
}

static struct json_object *video_row(PGresult *r, int i)
{
	struct json_object *v = json_object_new_object(), *kw;
	char tmp[64];
	const char *s;

	json_object_object_add(v, "id", json_object_new_int64(db_get_int(r, i, "id")));
	ctx_add_str(v, "path", db_get(r, i, "path"));
	format_size(tmp, sizeof(tmp), db_get_int(r, i, "size_bytes"));
	ctx_add_str(v, "size", tmp);
	if (!db_is_null(r, i, "duration_ms")) {
		format_duration(tmp, sizeof(tmp), db_get_int(r, i, "duration_ms"));
		ctx_add_str(v, "duration", tmp);
	}
	if (!db_is_null(r, i, "width") && !db_is_null(r, i, "height")) {
		snprintf(tmp, sizeof(tmp), "%lld×%lld", (long long)db_get_int(r, i, "width"),
			 (long long)db_get_int(r, i, "height"));
		ctx_add_str(v, "resolution", tmp);
	}
	if ((s = db_get(r, i, "fps"))) {
		snprintf(tmp, sizeof(tmp), "%.4g fps", strtod(s, NULL));
		ctx_add_str(v, "fps", tmp);
	}
	ctx_add_str(v, "codec", db_get(r, i, "video_codec"));
	ctx_add_str(v, "container", db_get(r, i, "container"));
	ctx_add_str(v, "expression", db_get(r, i, "expression"));
	ctx_add_str(v, "expression_translation", db_get(r, i, "expression_translation"));
	ctx_add_str(v, "title", db_get(r, i, "title"));
	ctx_add_str(v, "title_translation", db_get(r, i, "title_translation"));
	kw = json_tokener_parse(db_get(r, i, "keywords_json") ? db_get(r, i, "keywords_json") : "[]");
	if (kw && json_object_is_type(kw, json_type_array) && json_object_array_length(kw) > 0) {
		json_object_object_add(v, "keywords", kw);
		json_object_object_add(v, "has_keywords", json_object_new_boolean(1));
	} else
		json_object_put(kw);
	ctx_add_str(v, "language", db_get(r, i, "language"));
	ctx_add_str(v, "learn_language", db_get(r, i, "learn_language"));
	ctx_add_str(v, "show_name", db_get(r, i, "show_name"));
	ctx_add_str(v, "episode", db_get(r, i, "episode"));
	json_object_object_add(v, "ready", json_object_new_boolean(db_get_bool(r, i, "ready")));
	ctx_add_str(v, "not_ready_reason", db_get(r, i, "not_ready_reason"));
	json_object_object_add(v, "missing", json_object_new_boolean(db_get_bool(r, i, "missing")));
	if ((s = db_get(r, i, "job_state"))) {
		/* the viewer's own job (the query returns no other's) */
		struct json_object *job = json_object_new_object();
		ctx_add_str(job, "state", s);
		ctx_add_str(job, "label", job_state_label(s));
		ctx_add_str(job, "post_url", db_get(r, i, "post_url"));
		ctx_add_str(job, "fail_reason", db_get(r, i, "fail_reason"));
		ctx_add_str(job, "id", db_get(r, i, "job_id"));   /* the job page: progress, timeline, outcome */
		json_object_object_add(v, "job", job);
	}
	/* the library is shared: others learn only that someone posted it */
	json_object_object_add(v, "posted_by_other", json_object_new_boolean(db_get_bool(r, i, "posted_by_other")));
	return v;
}

static void add_filters(struct json_object *ctx, const char *current, const char *q)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < ARRAY_LEN(filters); i++) {
		struct json_object *f = json_object_new_object();
		struct buf href = BUF_INIT;
		buf_puts(&href, "/?filter=");
		buf_puts(&href, filters[i].name);
		if (q && *q) {
			buf_puts(&href, "&q=");
			url_encode(&href, q);
		}
		json_object_object_add(f, "label", json_object_new_string(filters[i].label));
		json_object_object_add(f, "href", json_object_new_string(buf_cstr(&href)));
		json_object_object_add(f, "value", json_object_new_string(filters[i].name));
		json_object_object_add(f, "current", json_object_new_boolean(!strcmp(current, filters[i].name)));
		json_object_array_add(arr, f);
		buf_free(&href);
	}
	json_object_object_add(ctx, "filters", arr);
}

static struct json_object *page_link(const char *filter, const char *q, long long page)
{
	struct buf href = BUF_INIT;
	struct json_object *s;

	buf_printf(&href, "/?filter=%s&page=%lld", filter, page);
	if (q && *q) {
		buf_puts(&href, "&q=");
		url_encode(&href, q);
	}
	s = json_object_new_string(buf_cstr(&href));
	buf_free(&href);
	return s;
}

static void add_pager(struct json_object *ctx, const char *filter, const char *q, long long page,
		      long long pages)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "page", json_object_new_int64(page));
	json_object_object_add(p, "pages", json_object_new_int64(pages));
	if (page > 1)
		json_object_object_add(p, "prev", page_link(filter, q, page - 1));
	if (page < pages)
		json_object_object_add(p, "next", page_link(filter, q, page + 1));
	json_object_object_add(ctx, "pager", p);
}

static const struct filter *valid_filter(const char *f)
{
	for (size_t i = 0; f && i < ARRAY_LEN(filters); i++)
		if (!strcmp(f, filters[i].name))
			return &filters[i];
	return &filters[0];
}

/* How many videos the page's search and filter match: from the counts
 * table when that says it, else counted through an index. -1 on error. */
static int64_t count_matches(struct page *pg, const struct filter *f, const char *pattern,
			     int64_t total, int64_t ready)
{
	PGresult *r;
	int64_t n;

	if (!*pattern && f == &filters[0])
		return total;
	if (!*pattern && !strcmp(f->name, "ready"))
		return ready;
	if (!*pattern && !strcmp(f->name, "not_ready"))
		return total - ready;
	r = *pattern ? db_query(pg->db, &f->count_search, DB_PARAMS(DB_INT(pg->user_id), DB_TEXT(pattern)))
		     : db_query(pg->db, &f->count, DB_PARAMS(DB_INT(pg->user_id)));
	if (!r)
		return -1;
	n = db_get_int(r, 0, "matches");
	PQclear(r);
	return n;
}

int page_dashboard(struct request *req)
{
	struct page *pg = page_of(req);
	char *q = (char *)kv_get(&req->query, "q");
	const struct filter *f = valid_filter(kv_get(&req->query, "filter"));
	const char *filter = f->name, *pattern;
	int64_t page = 1, size = app.cfg.page_size, matches = 0, total = 0, ready = 0;
	struct json_object *ctx, *videos, *accounts;
	PGresult *r, *t;
	int n, naccounts = 0;

	if (q && strlen(q) > 200)
		q = NULL;
	if (q)
		search_term_clean(q);
	pattern = search_pattern(req, q);
	if (kv_get(&req->query, "page") && parse_int64(kv_get(&req->query, "page"), 1, 1000000, &page) < 0)
		page = 1;
	r = *pattern ? db_query(pg->db, &f->rows_search,
				DB_PARAMS(DB_INT(size), DB_INT((page - 1) * size), DB_INT(pg->user_id),
					  DB_TEXT(pattern)))
		     : db_query(pg->db, &f->rows,
				DB_PARAMS(DB_INT(size), DB_INT((page - 1) * size), DB_INT(pg->user_id)));
	if (!r)
		return -1;
	t = db_query(pg->db, &q_library_counts, 0, NULL);
	if (!t) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(t) == 1) {
		total = db_get_int(t, 0, "total");
		ready = db_get_int(t, 0, "ready");
	}
	PQclear(t);
	matches = count_matches(pg, f, pattern, total, ready);
	accounts = matches < 0 ? NULL : accounts_for_page(req, 0, &naccounts);
	if (!accounts) {
		PQclear(r);
		return -1;
	}
	ctx = page_context(req, "Library");
	json_object_object_add(ctx, "accounts", accounts);
	json_object_object_add(ctx, "has_accounts", json_object_new_boolean(naccounts > 0));
	videos = json_object_new_array();
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		json_object_array_add(videos, video_row(r, i));
	json_object_object_add(ctx, "videos", videos);
	json_object_object_add(ctx, "has_videos", json_object_new_boolean(n > 0));
	json_object_object_add(ctx, "library_empty", json_object_new_boolean(total == 0));
	json_object_object_add(ctx, "library_total", json_object_new_int64(total));
	json_object_object_add(ctx, "library_ready", json_object_new_int64(ready));
	json_object_object_add(ctx, "matches", json_object_new_int64(matches));
	json_object_object_add(ctx, "q", json_object_new_string(q ? q : ""));
	json_object_object_add(ctx, "filter", json_object_new_string(filter));
	add_filters(ctx, filter, q);
	if (matches > size)
		add_pager(ctx, filter, q, page, (matches + size - 1) / size);
	PQclear(r);
	return render_page(req, 200, "dashboard", ctx);
}
