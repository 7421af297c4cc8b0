/* page_dashboard.c — GET /: the video library with search, filters and
 * pagination, each video with its LangFlix data, TikTok readiness and
 * TikTok state. */
#include "app.h"
#include "escape.h"
#include "frames.h"
#include "jobs.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Search: the seven searched columns as one lowercased text, stored and
 * indexed by pg_trgm (sql/053; ui.c's rule), without joining and
 * lowercasing the columns again for every row. */
#define SEARCH_MATCHES(param) UI_SEARCH_MATCHES("v", param) " AND "

/* The viewer: a one-row relation "viewer" (viewer.id is users.id), so the
 * filters' conditions name the viewer the same way in every statement. */
#define VIEWER(param) "CROSS JOIN (SELECT " param "::bigint AS id) viewer "

/* The viewer's own latest job of the video: another user's job outcome
 * (account, link, reason, even that it failed) is theirs alone. */
#define VIEWERS_LATEST_JOB \
	"(SELECT m.state, m.post_url, m.fail_reason, m.id," \
	"        (SELECT c.views FROM clip_results c WHERE c.job_id = m.id) AS views FROM upload_jobs m" \
	"  WHERE m.video_id = v.id AND m.user_id = viewer.id ORDER BY m.id DESC LIMIT 1)"

/* Whether the video was posted (a published or inboxed job) by anyone, or
 * by another user than the viewer: all that others may learn of a job. */
#define POSTED_WHERE(who) \
	"EXISTS (SELECT 1 FROM upload_jobs p WHERE p.video_id = v.id" who \
	"        AND p.state IN " JOBS_POSTED_SQL ")"
#define POSTED_BY_ANYONE POSTED_WHERE("")
#define POSTED_BY_OTHERS POSTED_WHERE(" AND p.user_id <> viewer.id")

/* What the page shows of each video: the viewer's latest job of it, whether
 * another user posted it, and the library's numbers; $3 the viewer. */
#define ROW_COLUMNS \
	"SELECT v.id, v.path, v.size_bytes, v.duration_ms, v.width, v.height, v.fps," \
	"       v.video_codec, v.container, v.expression, v.expression_translation, v.title," \
	"       v.title_translation, array_to_string(v.keywords, E'\\x1f') AS keywords, v.language," \
	"       v.learn_language, v.show_name, v.episode, v.ready, v.not_ready_reason, v.missing," \
	"       coalesce(array_length(v.frame_times_ms, 1), 0) AS frames, v.frames_source," \
	"       j.state AS job_state, j.post_url, j.fail_reason, j.id AS job_id, j.views AS job_views," \
	"       " POSTED_BY_OTHERS " AS posted_by_other," \
	"       (SELECT total FROM video_counts) AS library_total," \
	"       (SELECT ready FROM video_counts) AS library_ready"
#define ROW_JOINS VIEWER("$3") "LEFT JOIN LATERAL " VIEWERS_LATEST_JOB " j ON true "

/* One page of videos ($1 limit, $2 offset), when the counts table says how
 * many match. */
#define ROWS_SQL(where) \
	ROW_COLUMNS " FROM videos v " ROW_JOINS "WHERE " where " ORDER BY v.id DESC LIMIT $1 OFFSET $2"

/* One page of the matches of a search or filter and how many match, counted
 * up to a cap ($4; $5 the pattern), from one scan: the newest matches up to
 * the cap, or to the page's end when that is further, each found once; the
 * page's rows are read from those. Counting without a cap would cost a
 * recheck of every row for a term every video matches, on every view (the
 * stall of issue 15 item 9). */
#define PAGED_MATCHES_SQL(where) \
	"WITH matches AS MATERIALIZED (SELECT v.id FROM videos v " VIEWER("$3") "WHERE " where \
	"  ORDER BY v.id DESC LIMIT greatest($4::bigint, $1::bigint + $2::bigint)) " \
	ROW_COLUMNS ", (SELECT count(*) FROM matches) AS matches " \
	"FROM (SELECT id FROM matches ORDER BY id DESC LIMIT $1 OFFSET $2) page" \
	"     JOIN videos v ON v.id = page.id " ROW_JOINS "ORDER BY v.id DESC"
#define MATCHES_COUNTED 1000     /* "More than 1000 matching" past it */
#define STR_(x) #x
#define STR(x) STR_(x)

/* One statement per filter, with and without a search, rather than one
 * with "$1 = '' OR ...": a generic plan of that could use no index. The
 * searches are planned for each term (db_call's plan_each_call): a rare
 * term wants the trigram index, a term every video matches wants the id
 * order and stops at the cap; the one generic plan that a prepared
 * statement settles on after five calls is slow for one of them. */
struct filter {
	const char *name, *label;
	struct db_stmt rows, paged, paged_search;
};

#define FILTER(name, label, cond) { name, label, \
	{ "dashboard_rows_" name, ROWS_SQL(cond) }, \
	{ "dashboard_paged_" name, PAGED_MATCHES_SQL(cond) }, \
	{ "dashboard_paged_q_" name, PAGED_MATCHES_SQL(SEARCH_MATCHES("$5") cond) } }

static const struct filter filters[] = {
	FILTER("all", "All", "true"),
	FILTER("ready", "Ready", "v.ready AND NOT v.missing"),
	FILTER("not_ready", "Not ready", "(NOT v.ready OR v.missing)"),
	/* posted by anyone (that much is shared); failed: the viewer's own */
	FILTER("posted", "Posted", POSTED_BY_ANYONE),
	FILTER("failed", "Failed", "coalesce((SELECT l.state = 'failed' FROM " VIEWERS_LATEST_JOB " l), false)"),
};

/* The library's numbers, kept by triggers (sql/013, 014): no count per
 * view. The page's rows carry them too; this is for a page without rows. */
static const struct db_stmt q_library_counts = { "dashboard_counts",
	"SELECT total, ready FROM video_counts" };

/* ---- the page's rows as a template context (template.h) ----
 * The template reads each video straight from the PGresult: no json-c tree
 * per request. What the template sees per video is what it always saw:
 * the columns under their names ("" and NULL are missing, so a lookup goes
 * on outwards), size/duration/resolution/fps formatted, keywords as a list
 * (kept as text[], read here split at a unit separator, never parsed as
 * JSON), job {state, label, post_url, fail_reason, id} (the viewer's own
 * job only) and posted_by_other. */

struct rows_ctx;

struct row_ctx {
	const struct rows_ctx *rows;
	int i;
	struct tmpl_value *keywords;   /* in the request arena */
	size_t nkeywords;
};

/* Column numbers, looked up once per page. */
enum {
	C_ID, C_PATH, C_SIZE, C_DURATION, C_WIDTH, C_HEIGHT, C_FPS, C_CODEC, C_CONTAINER,
	C_EXPRESSION, C_EXPRESSION_TR, C_TITLE, C_TITLE_TR, C_KEYWORDS, C_LANGUAGE, C_LEARN,
	C_SHOW, C_EPISODE, C_READY, C_NOT_READY, C_MISSING, C_JOB_STATE, C_POST_URL,
	C_FAIL_REASON, C_JOB_ID, C_POSTED_BY_OTHER, C_FRAMES, C_FRAMES_SOURCE, C_JOB_VIEWS, C__COUNT
};

static const char *const column_names[C__COUNT] = {
	"id", "path", "size_bytes", "duration_ms", "width", "height", "fps", "video_codec", "container",
	"expression", "expression_translation", "title", "title_translation", "keywords", "language",
	"learn_language", "show_name", "episode", "ready", "not_ready_reason", "missing", "job_state",
	"post_url", "fail_reason", "job_id", "posted_by_other", "frames", "frames_source", "job_views",
};

struct rows_ctx {
	PGresult *r;
	int col[C__COUNT];
	int64_t user_id;
	struct arena *arena;
	struct row_ctx *row;
	struct json_object *page;       /* everything else the page shows */
};

/* A text column: found unless NULL or "" (as ctx_add_str skipped them). */
static int text_col(const struct row_ctx *rc, int c, struct tmpl_value *out)
{
	const PGresult *r = rc->rows->r;
	int col = rc->rows->col[c];

	if (PQgetisnull(r, rc->i, col) || PQgetlength(r, rc->i, col) == 0)
		return 0;
	*out = tmpl_str(PQgetvalue(r, rc->i, col), (size_t)PQgetlength(r, rc->i, col));
	return 1;
}

static int is_null(const struct row_ctx *rc, int c)
{
	return PQgetisnull(rc->rows->r, rc->i, rc->rows->col[c]);
}

static long long num_col(const struct row_ctx *rc, int c)
{
	return strtoll(PQgetvalue(rc->rows->r, rc->i, rc->rows->col[c]), NULL, 10);
}

static int bool_col(const struct row_ctx *rc, int c)
{
	return !is_null(rc, c) && PQgetvalue(rc->rows->r, rc->i, rc->rows->col[c])[0] == 't';
}

/* A formatted value lives in the request arena, for the whole render. */
static int arena_text(const struct row_ctx *rc, const char *s, struct tmpl_value *out)
{
	*out = tmpl_str(arena_strdup(rc->rows->arena, s), strlen(s));
	return 1;
}

static int job_get(const void *obj, const char *name, struct tmpl_value *out)
{
	const struct row_ctx *rc = obj;
	const char *state = PQgetvalue(rc->rows->r, rc->i, rc->rows->col[C_JOB_STATE]);

	if (!strcmp(name, "state"))
		return text_col(rc, C_JOB_STATE, out);
	if (!strcmp(name, "label")) {
		const char *label = job_state_label(state);
		*out = tmpl_str(label, strlen(label));
		return *label != '\0';
	}
	if (!strcmp(name, "post_url"))
		return text_col(rc, C_POST_URL, out);
	if (!strcmp(name, "fail_reason"))
		return text_col(rc, C_FAIL_REASON, out);
	if (!strcmp(name, "id"))      /* the job page: progress, timeline, outcome */
		return text_col(rc, C_JOB_ID, out);
	if (!strcmp(name, "views"))   /* the post's latest count (lib/results.h) */
		return text_col(rc, C_JOB_VIEWS, out);
	if (!strcmp(name, "done")) {  /* posted or sent to the inbox: "Posted · view" */
		*out = tmpl_bool(!strcmp(state, "published") || !strcmp(state, "inboxed"));
		return 1;
	}
	if (!strcmp(name, "active")) {
		*out = tmpl_bool(jobs_state_active(state));
		return 1;
	}
	return 0;
}

static const struct tmpl_ops job_ops = { job_get, NULL };

static void keyword_item(const void *obj, size_t i, struct tmpl_value *out)
{
	*out = ((const struct row_ctx *)obj)->keywords[i];
}

static const struct tmpl_ops keywords_ops = { NULL, keyword_item };

/* What a name of the video means; found by binary search (the template
 * looks up some forty names per video, and a row of strcmp showed). */
enum video_kind { V_TEXT, V_SIZE, V_DURATION, V_RESOLUTION, V_FPS, V_READY, V_MISSING,
		  V_KEYWORDS, V_HAS_KEYWORDS, V_JOB, V_POSTED_BY_OTHER, V_POSTER, V_POSTER_WIDTH,
		  V_POSTER_HEIGHT };

struct video_name {
	const char *name;
	enum video_kind kind;
	int col;                  /* V_TEXT */
};

static const struct video_name video_names[] = {   /* sorted by name (strcmp) */
	{ "codec", V_TEXT, C_CODEC },
	{ "container", V_TEXT, C_CONTAINER },
	{ "duration", V_DURATION, 0 },
	{ "episode", V_TEXT, C_EPISODE },
	{ "expression", V_TEXT, C_EXPRESSION },
	{ "expression_translation", V_TEXT, C_EXPRESSION_TR },
	{ "fps", V_FPS, 0 },
	{ "has_keywords", V_HAS_KEYWORDS, 0 },
	{ "id", V_TEXT, C_ID },
	{ "job", V_JOB, 0 },
	{ "keywords", V_KEYWORDS, 0 },
	{ "language", V_TEXT, C_LANGUAGE },
	{ "learn_language", V_TEXT, C_LEARN },
	{ "missing", V_MISSING, 0 },
	{ "not_ready_reason", V_TEXT, C_NOT_READY },
	{ "path", V_TEXT, C_PATH },
	{ "posted_by_other", V_POSTED_BY_OTHER, 0 },   /* all others may learn of a job */
	{ "poster", V_POSTER, 0 },                     /* its address, when there is one */
	{ "poster_height", V_POSTER_HEIGHT, 0 },
	{ "poster_width", V_POSTER_WIDTH, 0 },
	{ "ready", V_READY, 0 },
	{ "resolution", V_RESOLUTION, 0 },
	{ "show_name", V_TEXT, C_SHOW },
	{ "size", V_SIZE, 0 },
	{ "title", V_TEXT, C_TITLE },
	{ "title_translation", V_TEXT, C_TITLE_TR },
};

static int by_video_name(const void *key, const void *entry)
{
	return strcmp(key, ((const struct video_name *)entry)->name);
}

static int video_formatted(const struct row_ctx *rc, enum video_kind kind, struct tmpl_value *out)
{
	char tmp[64];

	switch (kind) {
	case V_SIZE:
		ui_size(tmp, sizeof(tmp), num_col(rc, C_SIZE));
		break;
	case V_DURATION:
		if (is_null(rc, C_DURATION))
			return 0;
		ui_duration(tmp, sizeof(tmp), num_col(rc, C_DURATION));
		break;
	case V_RESOLUTION:
		if (is_null(rc, C_WIDTH) || is_null(rc, C_HEIGHT))
			return 0;
		snprintf(tmp, sizeof(tmp), "%lld×%lld", num_col(rc, C_WIDTH), num_col(rc, C_HEIGHT));
		break;
	case V_POSTER:
		/* versioned by what the pictures were made from: a changed file
		 * gets a new address, so the browser may keep the old one a day */
		if (num_col(rc, C_FRAMES) < 1)
			return 0;
		frames_url(num_col(rc, C_ID), 0, PQgetvalue(rc->rows->r, rc->i, rc->rows->col[C_FRAMES_SOURCE]),
			   tmp, sizeof(tmp));
		break;
	case V_POSTER_WIDTH:
	case V_POSTER_HEIGHT: {
		int w, h;
		if (is_null(rc, C_WIDTH) || is_null(rc, C_HEIGHT) ||
		    frames_size((int)num_col(rc, C_WIDTH), (int)num_col(rc, C_HEIGHT), &w, &h) < 0)
			return 0;
		snprintf(tmp, sizeof(tmp), "%d", kind == V_POSTER_WIDTH ? w : h);
		break;
	}
	default:   /* V_FPS */
		if (is_null(rc, C_FPS))
			return 0;
		snprintf(tmp, sizeof(tmp), "%.4g fps",
			 strtod(PQgetvalue(rc->rows->r, rc->i, rc->rows->col[C_FPS]), NULL));
		break;
	}
	return arena_text(rc, tmp, out);
}

static int video_get(const void *obj, const char *name, struct tmpl_value *out)
{
	const struct row_ctx *rc = obj;
	const struct video_name *vn = bsearch(name, video_names, ARRAY_LEN(video_names),
					      sizeof(video_names[0]), by_video_name);

	if (!vn)
		return 0;
	switch (vn->kind) {
	case V_TEXT:
		if (vn->col == C_TITLE && !text_col(rc, vn->col, out)) {
			/* a video without a title has none: the lookup must not go
			 * on to the page's title ("Library") */
			*out = tmpl_null();
			return 1;
		}
		return text_col(rc, vn->col, out);
	case V_READY:
	case V_MISSING:
		*out = tmpl_bool(bool_col(rc, vn->kind == V_READY ? C_READY : C_MISSING));
		return 1;
	case V_POSTED_BY_OTHER:
		*out = tmpl_bool(bool_col(rc, C_POSTED_BY_OTHER));
		return 1;
	case V_KEYWORDS:
	case V_HAS_KEYWORDS:
		if (rc->nkeywords == 0)
			return 0;
		*out = vn->kind == V_KEYWORDS ? tmpl_list(&keywords_ops, rc, rc->nkeywords) : tmpl_bool(1);
		return 1;
	case V_JOB:
		if (is_null(rc, C_JOB_STATE))
			return 0;
		*out = tmpl_obj(&job_ops, rc);
		return 1;
	default:
		return video_formatted(rc, vn->kind, out);
	}
}

static const struct tmpl_ops video_ops = { video_get, NULL };

static void video_item(const void *obj, size_t i, struct tmpl_value *out)
{
	*out = tmpl_obj(&video_ops, &((const struct rows_ctx *)obj)->row[i]);
}

static const struct tmpl_ops videos_ops = { NULL, video_item };

/* The page: "videos" from the rows, every other name from the json part. */
static int page_get(const void *obj, const char *name, struct tmpl_value *out)
{
	const struct rows_ctx *rows = obj;
	struct tmpl_value page = tmpl_json(rows->page);

	if (!strcmp(name, "videos")) {
		*out = tmpl_list(&videos_ops, rows, (size_t)PQntuples(rows->r));
		return 1;
	}
	return page.v.ref.ops->get(page.v.ref.obj, name, out);
}

static const struct tmpl_ops page_ops = { page_get, NULL };

/* Keywords arrive joined by U+001F (array_to_string; NULL elements are
 * dropped there): split them once per row, pointing into the result. */
static void split_keywords(struct row_ctx *rc, struct arena *a)
{
	const PGresult *r = rc->rows->r;
	int col = rc->rows->col[C_KEYWORDS];
	const char *s = PQgetvalue(r, rc->i, col), *end = s + PQgetlength(r, rc->i, col);
	size_t n = 0;

	if (PQgetisnull(r, rc->i, col) || s == end)
		return;
	for (const char *p = s; p < end; p++)
		n += *p == '\x1f';
	rc->keywords = arena_alloc(a, (n + 1) * sizeof(*rc->keywords));
	while (s <= end) {
		const char *sep = memchr(s, '\x1f', (size_t)(end - s));
		if (!sep)
			sep = end;
		rc->keywords[rc->nkeywords++] = tmpl_str(s, (size_t)(sep - s));
		s = sep + 1;
	}
}

static void rows_init(struct rows_ctx *rows, struct request *req, PGresult *r, int64_t user_id)
{
	int n = PQntuples(r);

	rows->r = r;
	rows->user_id = user_id;
	rows->arena = &req->arena;
	for (int c = 0; c < C__COUNT; c++)
		rows->col[c] = db_col(r, column_names[c]);
	rows->row = arena_alloc(&req->arena, (size_t)(n > 0 ? n : 1) * sizeof(*rows->row));
	for (int i = 0; i < n; i++) {
		rows->row[i] = (struct row_ctx){ rows, i, NULL, 0 };
		split_keywords(&rows->row[i], &req->arena);
	}
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

/* pages is exact, unless more: then there are more than pages pages and
 * next is offered while this page is full. */
static void add_pager(struct json_object *ctx, const char *filter, const char *q, long long page,
		      long long pages, int more, int page_full)
{
	struct json_object *p = json_object_new_object();
	char text[48];

	json_object_object_add(p, "page", json_object_new_int64(page));
	if (more) {
		snprintf(text, sizeof(text), "more than %lld", pages);
		json_object_object_add(p, "pages", json_object_new_string(text));
	} else
		json_object_object_add(p, "pages", json_object_new_int64(pages));
	if (page > 1)
		json_object_object_add(p, "prev", page_link(filter, q, page - 1));
	if (more ? page_full : page < pages)
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

/* Whether the counts table says how many videos the page matches (no
 * search; all, ready or not ready); otherwise they are counted through an
 * index up to MATCHES_COUNTED + 1, in the page's round trip. */
static int counts_table_says(const struct filter *f, const char *pattern)
{
	return !*pattern && (f == &filters[0] || !strcmp(f->name, "ready") || !strcmp(f->name, "not_ready"));
}

static int64_t matches_from_counts(const struct filter *f, int64_t total, int64_t ready)
{
	if (f == &filters[0])
		return total;
	return !strcmp(f->name, "ready") ? ready : total - ready;
}

/* The earliest time the accounts strip changes by itself (a re-consent
 * banner appears), unix seconds by this host's clock; 0 when none will.
 * The seconds until then are rounded down, so never late. */
static int64_t accounts_expiry(const PGresult *r)
{
	int col = db_col(r, "reconsent_soon_in");
	int64_t now = (int64_t)time(NULL), first = 0;

	for (int i = 0; col >= 0 && i < PQntuples(r); i++) {
		int64_t in;
		if (PQgetisnull(r, i, col))
			continue;
		in = strtoll(PQgetvalue(r, i, col), NULL, 10);
		if (in >= 0 && (first == 0 || now + in < first))
			first = now + in;
	}
	return first;
}

int page_dashboard(struct request *req)
{
	struct page *pg = page_of(req);
	char *q = (char *)kv_get(&req->query, "q");
	const struct filter *f = valid_filter(kv_get(&req->query, "filter"));
	const char *filter = f->name, *pattern;
	int64_t page = 1, size = app.cfg.page_size, matches = 0, total = 0, ready = 0, expires;
	struct json_object *ctx, *accounts;
	struct rows_ctx rows;
	struct tmpl_value root;
	PGresult *r, *accounts_r;
	int n, naccounts = 0, rc, counted;
	/* what the page shows, as of the session lookup (sql/051) */
	const char *version = pg->page_generation_known
		? arena_printf(&req->arena, "%lld", (long long)pg->page_generation) : NULL;

	if (page_cache_serve(req, version))
		return 0;
	if (q && strlen(q) > UI_SEARCH_MAX)
		q = NULL;
	if (q)
		ui_search_term_clean(q);
	pattern = ui_search_pattern(req, q);
	if (kv_get(&req->query, "page") && parse_int64(kv_get(&req->query, "page"), 1, 1000000, &page) < 0)
		page = 1;
	/* the page's rows and the accounts in one round trip (after the
	 * session's): the rows carry the library's numbers, and the count of
	 * matches when the counts table does not say it */
	counted = !counts_table_says(f, pattern);
	{
		const struct db_param params[] = { DB_INT(size), DB_INT((page - 1) * size), DB_INT(pg->user_id),
						   DB_INT(MATCHES_COUNTED + 1), DB_TEXT(pattern) };
		struct db_call calls[2] = {
			{ .st = !counted ? &f->rows : *pattern ? &f->paged_search : &f->paged,
			  .n = !counted ? 3 : *pattern ? 5 : 4, .p = params, .plan_each_call = *pattern != '\0' },
			accounts_call(req, 0),
		};
		if (db_pipeline(pg->db, calls, 2) < 0)
			return -1;
		r = calls[0].r;
		accounts_r = calls[1].r;
	}
	if (PQntuples(r) > 0) {
		total = db_get_int(r, 0, "library_total");
		ready = db_get_int(r, 0, "library_ready");
		if (counted)
			matches = db_get_int(r, 0, "matches");
	} else {
		/* no rows: the library's numbers asked for; the count of matches
		 * is never shown without rows (templates/dashboard.mustache) */
		PGresult *t = db_query(pg->db, &q_library_counts, 0, NULL);
		if (!t) {
			PQclear(r);
			PQclear(accounts_r);
			return -1;
		}
		if (PQntuples(t) == 1) {
			total = db_get_int(t, 0, "total");
			ready = db_get_int(t, 0, "ready");
		}
		PQclear(t);
	}
	if (!counted)
		matches = matches_from_counts(f, total, ready);
	expires = accounts_expiry(accounts_r);
	accounts = accounts_from_result(accounts_r, &naccounts);
	ctx = page_context(req, "Library");
	json_object_object_add(ctx, "accounts", accounts);
	json_object_object_add(ctx, "has_accounts", json_object_new_boolean(naccounts > 0));
	n = PQntuples(r);
	json_object_object_add(ctx, "has_videos", json_object_new_boolean(n > 0));
	json_object_object_add(ctx, "library_empty", json_object_new_boolean(total == 0));
	json_object_object_add(ctx, "library_total", json_object_new_int64(total));
	ctx_add_count(ctx, "library_total_text", total, "video", "videos");
	json_object_object_add(ctx, "library_ready", json_object_new_int64(ready));
	if (matches > MATCHES_COUNTED)
		json_object_object_add(ctx, "matches", json_object_new_string("More than " STR(MATCHES_COUNTED)));
	else
		json_object_object_add(ctx, "matches", json_object_new_int64(matches));
	json_object_object_add(ctx, "q", json_object_new_string(q ? q : ""));
	json_object_object_add(ctx, "filter", json_object_new_string(filter));
	add_filters(ctx, filter, q);
	if (matches > MATCHES_COUNTED)
		add_pager(ctx, filter, q, page, MATCHES_COUNTED / size, 1, n == size);
	else if (matches > size)
		add_pager(ctx, filter, q, page, (matches + size - 1) / size, 0, 0);
	rows_init(&rows, req, r, pg->user_id);
	rows.page = ctx;
	root = tmpl_obj(&page_ops, &rows);
	rc = render_page_value(req, 200, "dashboard", &root);
	json_object_put(ctx);
	PQclear(r);
	if (rc == 0)
		page_cache_store(req, CONTENT_HTML, version, expires);
	return rc;
}
