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

/* Whether the video was posted (a published or inboxed job) by anyone, or
 * by another user than the viewer. */
#define POSTED_WHERE(who) \
	"EXISTS (SELECT 1 FROM upload_jobs p WHERE p.video_id = v.id" who \
	"        AND p.state IN ('published', 'inboxed'))"
#define POSTED_BY_ANYONE POSTED_WHERE("")
#define POSTED_BY_OTHERS POSTED_WHERE(" AND p.user_id <> $3")

/* The viewer's own latest job of the video: another user's job outcome
 * (account, link, reason, even that it failed) is theirs alone. */
#define VIEWERS_LATEST_JOB \
	"(SELECT m.state, m.post_url, m.fail_reason, m.id FROM upload_jobs m" \
	"  WHERE m.video_id = v.id AND m.user_id = $3 ORDER BY m.id DESC LIMIT 1)"

/* The filters, one SQL condition used by both statements below:
 * $1 search pattern ('' for none), $2 filter name, $3 the viewer (users.id). */
#define LIBRARY_WHERE_COND \
	"($1 = '' OR v.title ILIKE $1 OR v.title_translation ILIKE $1" \
	"       OR v.expression ILIKE $1 OR v.expression_translation ILIKE $1" \
	"       OR v.show_name ILIKE $1 OR v.path ILIKE $1" \
	"       OR array_to_string(v.keywords, ' ') ILIKE $1)" \
	"  AND CASE $2" \
	"        WHEN 'ready' THEN v.ready AND NOT v.missing" \
	"        WHEN 'not_ready' THEN NOT v.ready OR v.missing" \
	"        WHEN 'posted' THEN " POSTED_BY_ANYONE \
	"        WHEN 'failed' THEN coalesce((SELECT l.state = 'failed' FROM " VIEWERS_LATEST_JOB " l), false)" \
	"        ELSE true END "

/* One page of videos with the viewer's latest job and whether anyone
 * posted it; $4 limit, $5 offset. */
static struct db_stmt q_library = { "dashboard_library",
	"SELECT v.id, v.path, v.size_bytes, v.duration_ms, v.width, v.height, v.fps,"
	"       v.video_codec, v.container, v.expression, v.expression_translation, v.title,"
	"       v.title_translation, array_to_json(v.keywords)::text, v.language, v.learn_language,"
	"       v.show_name, v.episode, v.ready, v.not_ready_reason, v.missing,"
	"       j.state, j.post_url, j.fail_reason, j.id, " POSTED_BY_OTHERS " "
	"FROM videos v LEFT JOIN LATERAL " VIEWERS_LATEST_JOB " j ON true "
	"WHERE " LIBRARY_WHERE_COND
	"ORDER BY v.id DESC LIMIT $4 OFFSET $5" };

/* The pager's and the header's numbers in one scan of videos. */
static struct db_stmt q_library_counts = { "dashboard_counts",
	"SELECT count(*) FILTER (WHERE " LIBRARY_WHERE_COND "), count(*),"
	"       count(*) FILTER (WHERE v.ready AND NOT v.missing) FROM videos v" };

static const char *const filters[] = { "all", "ready", "not_ready", "posted", "failed" };
static const char *const filter_labels[] = { "All", "Ready", "Not ready", "Posted", "Failed" };

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

	json_object_object_add(v, "id", json_object_new_int64(db_ll(r, i, 0)));
	ctx_add_str(v, "path", db_val(r, i, 1));
	format_size(tmp, sizeof(tmp), db_ll(r, i, 2));
	ctx_add_str(v, "size", tmp);
	if (db_val(r, i, 3)) {
		format_duration(tmp, sizeof(tmp), db_ll(r, i, 3));
		ctx_add_str(v, "duration", tmp);
	}
	if (db_val(r, i, 4) && db_val(r, i, 5)) {
		snprintf(tmp, sizeof(tmp), "%lld×%lld", db_ll(r, i, 4), db_ll(r, i, 5));
		ctx_add_str(v, "resolution", tmp);
	}
	if ((s = db_val(r, i, 6))) {
		snprintf(tmp, sizeof(tmp), "%.4g fps", strtod(s, NULL));
		ctx_add_str(v, "fps", tmp);
	}
	ctx_add_str(v, "codec", db_val(r, i, 7));
	ctx_add_str(v, "container", db_val(r, i, 8));
	ctx_add_str(v, "expression", db_val(r, i, 9));
	ctx_add_str(v, "expression_translation", db_val(r, i, 10));
	ctx_add_str(v, "title", db_val(r, i, 11));
	ctx_add_str(v, "title_translation", db_val(r, i, 12));
	kw = json_tokener_parse(db_val(r, i, 13) ? db_val(r, i, 13) : "[]");
	if (kw && json_object_is_type(kw, json_type_array) && json_object_array_length(kw) > 0) {
		json_object_object_add(v, "keywords", kw);
		json_object_object_add(v, "has_keywords", json_object_new_boolean(1));
	} else
		json_object_put(kw);
	ctx_add_str(v, "language", db_val(r, i, 14));
	ctx_add_str(v, "learn_language", db_val(r, i, 15));
	ctx_add_str(v, "show_name", db_val(r, i, 16));
	ctx_add_str(v, "episode", db_val(r, i, 17));
	json_object_object_add(v, "ready", json_object_new_boolean(!strcmp(db_val(r, i, 18), "t")));
	ctx_add_str(v, "not_ready_reason", db_val(r, i, 19));
	json_object_object_add(v, "missing", json_object_new_boolean(!strcmp(db_val(r, i, 20), "t")));
	if ((s = db_val(r, i, 21))) {
		/* the viewer's own job (the query returns no other's) */
		struct json_object *job = json_object_new_object();
		ctx_add_str(job, "state", s);
		ctx_add_str(job, "label", job_state_label(s));
		ctx_add_str(job, "post_url", db_val(r, i, 22));
		ctx_add_str(job, "fail_reason", db_val(r, i, 23));
		ctx_add_str(job, "id", db_val(r, i, 24));   /* the job page: progress, timeline, outcome */
		json_object_object_add(v, "job", job);
	}
	/* the library is shared: others learn only that someone posted it */
	json_object_object_add(v, "posted_by_other", json_object_new_boolean(!strcmp(db_val(r, i, 25), "t")));
	return v;
}

static void add_filters(struct json_object *ctx, const char *current, const char *q)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < ARRAY_LEN(filters); i++) {
		struct json_object *f = json_object_new_object();
		struct buf href = BUF_INIT;
		buf_puts(&href, "/?filter=");
		buf_puts(&href, filters[i]);
		if (q && *q) {
			buf_puts(&href, "&q=");
			url_encode(&href, q);
		}
		json_object_object_add(f, "label", json_object_new_string(filter_labels[i]));
		json_object_object_add(f, "href", json_object_new_string(buf_cstr(&href)));
		json_object_object_add(f, "value", json_object_new_string(filters[i]));
		json_object_object_add(f, "current", json_object_new_boolean(!strcmp(current, filters[i])));
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

static const char *valid_filter(const char *f)
{
	for (size_t i = 0; f && i < ARRAY_LEN(filters); i++)
		if (!strcmp(f, filters[i]))
			return filters[i];
	return "all";
}

int page_dashboard(struct request *req)
{
	struct page *pg = page_of(req);
	const char *q = kv_get(&req->query, "q");
	const char *filter = valid_filter(kv_get(&req->query, "filter"));
	int64_t page = 1, size = app.cfg.page_size, matches = 0;
	struct json_object *ctx, *videos, *accounts;
	char lim[24], off[24], uid[24];
	PGresult *r, *t;
	int n, naccounts = 0;

	if (q && strlen(q) > 200)
		q = NULL;
	if (kv_get(&req->query, "page") && parse_int64(kv_get(&req->query, "page"), 1, 1000000, &page) < 0)
		page = 1;
	snprintf(lim, sizeof(lim), "%lld", (long long)size);
	snprintf(off, sizeof(off), "%lld", (long long)((page - 1) * size));
	snprintf(uid, sizeof(uid), "%lld", (long long)pg->user_id);
	r = db_run(pg->db, &q_library, 5,
		   (const char *[]){ search_pattern(req, q), filter, uid, lim, off });
	if (!r)
		return -1;
	t = db_run(pg->db, &q_library_counts, 3, (const char *[]){ search_pattern(req, q), filter, uid });
	if (!t) {
		PQclear(r);
		return -1;
	}
	matches = db_ll(t, 0, 0);
	accounts = accounts_for_page(req, 0, &naccounts);
	if (!accounts) {
		PQclear(r);
		PQclear(t);
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
	json_object_object_add(ctx, "library_empty", json_object_new_boolean(db_ll(t, 0, 1) == 0));
	json_object_object_add(ctx, "library_total", json_object_new_int64(db_ll(t, 0, 1)));
	json_object_object_add(ctx, "library_ready", json_object_new_int64(db_ll(t, 0, 2)));
	json_object_object_add(ctx, "matches", json_object_new_int64(matches));
	json_object_object_add(ctx, "q", json_object_new_string(q ? q : ""));
	json_object_object_add(ctx, "filter", json_object_new_string(filter));
	add_filters(ctx, filter, q);
	if (matches > size)
		add_pager(ctx, filter, q, page, (matches + size - 1) / size);
	PQclear(r);
	PQclear(t);
	return render_page(req, 200, "dashboard", ctx);
}
