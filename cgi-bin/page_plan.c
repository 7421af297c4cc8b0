/* page_plan.c — the publishing plan's pages (issue 11):
 *
 *   GET/POST /accounts/{id}/plan   an account's slots, languages, caption
 *                                  template, daily cap and headroom
 *   GET /plan?videos=1,2,3         the batch review: one row per video ×
 *   (or ?video=1&video=2, or       account, with the account chosen by
 *    ?all=1&q=term)                language routing, the caption rendered
 *                                  from the account's template, the
 *                                  planned slot, per-row settings chosen
 *                                  explicitly, pre-flight results, and
 *                                  where the batch spills and why
 *   POST /plan                     action=update re-plans with the form's
 *                                  values; action=confirm makes every row
 *                                  a scheduled job in one transaction
 *
 * TikTok's content sharing rules apply to every row through the composer's
 * rule code (lib/post_rules.h); creator info is asked once per account for
 * the page (ui.c, creator_check), not once per row. */
#include "account_plan.h"
#include "app.h"
#include "caption.h"
#include "crypto.h"
#include "jobs.h"
#include "library.h"
#include "log.h"
#include "mediapath.h"
#include "plan.h"
#include "post_rules.h"
#include "ratelimit.h"
#include "tiktok.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#define MUSIC_URL "https://www.tiktok.com/legal/page/global/music-usage-confirmation/en"
#define BRANDED_URL "https://www.tiktok.com/legal/page/global/bc-policy/en"
#define PLAN_MAX_ROWS 60
#define RECONSENT_WARN_DAYS 7

static void add_bool(struct json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static int checked(struct request *req, const char *name)
{
	const char *v = kv_get(&req->form, name);

	return v && *v && strcmp(v, "0") != 0;
}

/* Browsers send a textarea's line breaks as CRLF; store LF. */
static char *lf_only(struct request *req, const char *s)
{
	char *out, *o;

	out = o = arena_alloc(&req->arena, strlen(s ? s : "") + 1);
	for (; s && *s; s++) {
		if (*s == '\r') {
			*o++ = '\n';
			if (s[1] == '\n')
				s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* ================================================================ settings */

static const struct db_stmt q_account_facts = { "plan_account_facts",
	"SELECT coalesce(nullif(display_name, ''), open_id) AS name, username, at_risk_reason,"
	"       " UI_TIME("at_risk_since", "$3") " AS at_risk_since,"
	"       " UI_TIME("refresh_expires_at", "$3") " AS reconsent,"
	"       coalesce(refresh_expires_at < now() + make_interval(days => $4::int), false) AS reconsent_soon "
	"FROM tiktok_accounts WHERE id = $1 AND user_id = $2 AND status <> 'disconnected'" };
static const struct db_stmt q_upcoming = { "plan_upcoming_slots",
	"SELECT " UI_TIME("at", "$3") " AS shown FROM plan_free_slots($1, now(), 7) LIMIT $2" };
static const struct db_stmt q_newest_video = { "plan_newest_video",
	"SELECT title, title_translation, expression, expression_translation,"
	"       array_to_string(keywords, E'\\x1f') AS keywords, show_name, episode, language "
	"FROM videos WHERE NOT missing ORDER BY id DESC LIMIT 1" };

/* A video row's fields for a caption template; keywords become hashtag
 * bodies ("business English" → "businessEnglish"), in the arena. */
static void fields_of(struct request *req, const PGresult *r, int i, struct caption_fields *f)
{
	const char *kw = db_get_text(r, i, "keywords");
	const char **words;
	size_t n = 0, cap = 1;

	for (const char *p = kw; *p; p++)
		cap += *p == '\x1f';
	words = arena_alloc(&req->arena, cap * sizeof(*words));
	while (*kw) {
		size_t len = strcspn(kw, "\x1f");
		char *one = arena_strndup(&req->arena, kw, len);
		struct buf tag = BUF_INIT;

		if (caption_hashtag(one, &tag) == 0 && tag.len > 1)
			words[n++] = arena_strdup(&req->arena, buf_cstr(&tag) + 1);
		buf_free(&tag);
		kw += len;
		if (*kw)
			kw++;
	}
	*f = (struct caption_fields){
		.title = db_get(r, i, "title"), .title_translation = db_get(r, i, "title_translation"),
		.expression = db_get(r, i, "expression"),
		.expression_translation = db_get(r, i, "expression_translation"),
		.keywords = words, .nkeywords = n, .show = db_get(r, i, "show_name"),
		.episode = db_get(r, i, "episode"), .language = db_get(r, i, "language"),
	};
}

static int render_settings(struct request *req, int64_t id, const struct acct_plan *p,
			   const char *slots_text, const char *langs_text, const char *error, int saved)
{
	struct page *pg = page_of(req);
	struct json_object *ctx, *acc, *form, *up;
	PGresult *r;
	struct buf slots = BUF_INIT, langs = BUF_INIT;
	int rc;

	r = db_query(pg->db, &q_account_facts, DB_PARAMS(DB_INT(id), DB_INT(pg->user_id),
							 DB_TEXT(page_tz(req)), DB_INT(RECONSENT_WARN_DAYS)));
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return render_error(req, 404, "Account not found", "You have no TikTok account with this number.");
	}
	ctx = page_context(req, "Publishing plan");
	acc = json_object_new_object();
	json_object_object_add(acc, "id", json_object_new_int64(id));
	ctx_add_str(acc, "name", db_get(r, 0, "name"));
	ctx_add_str(acc, "username", db_get(r, 0, "username"));
	json_object_object_add(ctx, "account", acc);
	ctx_add_str(ctx, "at_risk", db_get(r, 0, "at_risk_reason"));
	ctx_add_str(ctx, "at_risk_since", db_get(r, 0, "at_risk_since"));
	ctx_add_str(ctx, "reconsent", db_get(r, 0, "reconsent"));
	add_bool(ctx, "reconsent_soon", db_get_bool(r, 0, "reconsent_soon"));
	PQclear(r);

	if (!slots_text) {
		acctplan_format_slots(p->slots, p->nslots, &slots);
		slots_text = buf_cstr(&slots);
	}
	if (!langs_text) {
		for (int i = 0; i < p->nlangs; i++)
			buf_printf(&langs, "%s%s", i ? ", " : "", p->langs[i]);
		langs_text = buf_cstr(&langs);
	}
	form = json_object_new_object();
	json_object_object_add(form, "slots", json_object_new_string(slots_text));
	json_object_object_add(form, "languages", json_object_new_string(langs_text));
	json_object_object_add(form, "time_zone", json_object_new_string(p->zone));
	json_object_object_add(form, "caption_template",
			       json_object_new_string(p->caption_template ? p->caption_template : ""));
	json_object_object_add(form, "daily_cap", json_object_new_int(p->daily_cap));
	json_object_object_add(form, "headroom", json_object_new_int(p->headroom));
	json_object_object_add(ctx, "form", form);
	buf_free(&slots);
	buf_free(&langs);
	ctx_add_str(ctx, "error", error);
	add_bool(ctx, "saved", saved);

	/* the template on the newest clip, when it renders */
	r = db_query(pg->db, &q_newest_video, 0, NULL);
	if (r && PQntuples(r) == 1) {
		struct caption_fields f;
		struct buf out = BUF_INIT;
		char err[300];

		fields_of(req, r, 0, &f);
		if (acctplan_caption(p->caption_template, &f, &out, err, sizeof(err)) >= 0)
			ctx_add_str(ctx, "preview", buf_cstr(&out));
		buf_free(&out);
	}
	if (r)
		PQclear(r);
	up = json_object_new_array();
	r = db_query(pg->db, &q_upcoming, DB_PARAMS(DB_INT(id), DB_INT(8), DB_TEXT(page_tz(req))));
	for (int i = 0; r && i < PQntuples(r); i++)
		json_object_array_add(up, json_object_new_string(db_get_text(r, i, "shown")));
	if (r)
		PQclear(r);
	add_bool(ctx, "has_upcoming", json_object_array_length(up) > 0);
	json_object_object_add(ctx, "upcoming", up);
	rc = render_page(req, error ? 422 : 200, "account_plan", ctx);
	return rc;
}

/* The plan of the viewer's account id into *p: 1 (acctplan_free it), or 0
 * and *rc what the handler answers (the 404 page, or -1 on a database
 * failure). */
static int load_plan(struct request *req, int64_t id, struct acct_plan *p, int *rc)
{
	struct page *pg = page_of(req);
	int found;

	if (id < 0) {
		*rc = render_error(req, 404, "Account not found", "There is no such TikTok account.");
		return 0;
	}
	found = acctplan_load(pg->db, pg->user_id, id, p);
	if (found < 0) {
		*rc = -1;
		return 0;
	}
	if (found > 0) {
		*rc = render_error(req, 404, "Account not found", "You have no TikTok account with this number.");
		return 0;
	}
	return 1;
}

int page_account_plan(struct request *req)
{
	int64_t id = param_id(req, "id");
	struct acct_plan p;
	int rc;

	if (!load_plan(req, id, &p, &rc))
		return rc;
	rc = render_settings(req, id, &p, NULL, NULL, NULL, kv_get(&req->query, "saved") != NULL);
	acctplan_free(&p);
	return rc;
}

int page_account_plan_save(struct request *req)
{
	struct page *pg = page_of(req);
	int64_t id = param_id(req, "id"), cap, headroom;
	const char *slots = lf_only(req, kv_get(&req->form, "slots"));
	const char *langs = kv_get(&req->form, "languages");
	const char *zone = kv_get(&req->form, "time_zone");
	struct acct_plan p;
	char err[400] = "", loc[64];
	int rc;

	if (!load_plan(req, id, &p, &rc))
		return rc;
	free(p.caption_template);
	p.caption_template = xstrdup(lf_only(req, kv_get(&req->form, "caption_template")));
	snprintf(p.zone, sizeof(p.zone), "%s", zone ? zone : "");
	if (parse_int64(kv_get(&req->form, "daily_cap"), 1, ACCPLAN_DEFAULT_CAP, &cap) < 0)
		snprintf(err, sizeof(err), "The daily cap must be a whole number from 1 to %d.", ACCPLAN_DEFAULT_CAP);
	else if (parse_int64(kv_get(&req->form, "headroom"), 0, ACCPLAN_DEFAULT_CAP - 1, &headroom) < 0)
		snprintf(err, sizeof(err), "The posts left for other tools must be a whole number from 0 to %d.",
			 ACCPLAN_DEFAULT_CAP - 1);
	else {
		p.daily_cap = (int)cap;
		p.headroom = (int)headroom;
	}
	if (!err[0] && acctplan_parse_slots(slots, p.slots, ACCPLAN_MAX_SLOTS, &p.nslots, err, sizeof(err)) < 0)
		;
	else if (!err[0] && acctplan_parse_langs(langs, p.langs, ACCPLAN_MAX_LANGS, &p.nlangs, err,
						 sizeof(err)) < 0)
		;
	else if (!err[0]) {
		rc = acctplan_save(pg->db, pg->user_id, &p, err, sizeof(err));
		if (rc < 0) {
			acctplan_free(&p);
			return -1;
		}
		if (rc == 0) {
			log_info("event=account_plan_saved account_id=%lld slots=%d languages=%d",
				 (long long)id, p.nslots, p.nlangs);
			acctplan_free(&p);
			snprintf(loc, sizeof(loc), "/accounts/%lld/plan?saved=1", (long long)id);
			redirect(req, 303, loc);
			return 0;
		}
	}
	rc = render_settings(req, id, &p, slots ? slots : "", langs ? langs : "", err, 0);
	acctplan_free(&p);
	return rc;
}

/* ================================================================== batches */

static const struct db_stmt q_videos = { "plan_videos",
	"SELECT id, path, size_bytes, coalesce(duration_ms, 0) AS duration_ms, title, title_translation,"
	"       expression, expression_translation, array_to_string(keywords, E'\\x1f') AS keywords,"
	"       show_name, episode, lower(coalesce(language, '')) AS language, ready, not_ready_reason, missing "
	"FROM videos WHERE id = ANY($1::bigint[]) ORDER BY array_position($1::bigint[], id)" };
static const struct db_stmt q_matching = { "plan_matching_videos",
	"SELECT id FROM videos v WHERE NOT v.missing AND v.ready AND ($1 = '' OR "
	"  " UI_SEARCH_MATCHES("v", "$1") ") ORDER BY v.id DESC LIMIT $2" };
/* the state of the job the duplicate guard found (jobs_find_duplicate):
 * only the viewer's own job says which; another user's says nothing */
static const struct db_stmt q_existing = { "plan_existing_state",
	"SELECT CASE WHEN user_id = $2 THEN state ELSE '' END AS state FROM upload_jobs WHERE id = $1" };
static const struct db_stmt q_shown_time = { "plan_shown_time",
	"SELECT " UI_TIME("to_timestamp($1::bigint)", "$2") " AS shown,"
	"       to_char(to_timestamp($1::bigint) AT TIME ZONE $2, 'YYYY-MM-DD') AS day" };
static const struct db_stmt q_lock_account = { "plan_lock_account",
	"SELECT pg_advisory_xact_lock(7318463, ($1::bigint & 2147483647)::int)" };
static const struct db_stmt q_batch_used = { "plan_batch_used",
	"SELECT count(*) AS n FROM upload_jobs WHERE user_id = $2 AND submission_id LIKE $1 || '-%'" };

struct pacct {
	int64_t id;
	struct json_object *json;    /* from accounts_for_page */
	unsigned scopes;
	struct acct_plan plan;
	int have_plan;
	struct creator_check cc;
	int asked;
	struct plan_inputs in;
	int have_inputs;
};

struct prow {
	int64_t video_id;
	int vi;                      /* row in the videos result */
	int64_t size;                /* file size now, -1 when missing */
	struct pacct *acc;           /* NULL: none chosen */
	int included, post_again;
	int64_t existing_job;        /* a job that makes this one a second post */
	const char *existing_state;
	char *caption;               /* arena */
	char caption_err[400];
	struct post_form form;
	struct post_facts facts;
	struct post_decision d;
	struct post_violations errs;
	struct plan_row plan;
};

struct batch {
	PGresult *videos;
	struct json_object *accounts;
	int naccounts;
	struct pacct acc[16];
	int nacc;
	struct prow rows[PLAN_MAX_ROWS];
	int nrows;
	char batch_id[40];
	int all_privacy_set;
};

static void batch_free(struct batch *b)
{
	if (b->videos)
		PQclear(b->videos);
	if (b->accounts)
		json_object_put(b->accounts);
	for (int i = 0; i < b->nacc; i++) {
		if (b->acc[i].have_plan)
			acctplan_free(&b->acc[i].plan);
		if (b->acc[i].have_inputs)
			acctplan_inputs_free(&b->acc[i].in);
	}
}

/* The account of the user's connected ones (loaded once). */
static struct pacct *account_of(struct request *req, struct batch *b, int64_t id)
{
	struct pacct *a;

	for (int i = 0; i < b->nacc; i++)
		if (b->acc[i].id == id)
			return &b->acc[i];
	if (b->nacc >= (int)ARRAY_LEN(b->acc))
		return NULL;
	for (int i = 0; i < b->naccounts; i++) {
		struct json_object *o = json_object_array_get_idx(b->accounts, (size_t)i);

		if (ctx_int(o, "id") != id)
			continue;
		a = &b->acc[b->nacc++];
		memset(a, 0, sizeof(*a));
		a->id = id;
		a->json = o;
		if (ctx_flag(o, "can_direct"))
			a->scopes |= TT_SCOPE_VIDEO_PUBLISH;
		if (ctx_flag(o, "can_inbox"))
			a->scopes |= TT_SCOPE_VIDEO_UPLOAD;
		if (acctplan_load(page_of(req)->db, page_of(req)->user_id, id, &a->plan) == 0)
			a->have_plan = 1;
		return a;
	}
	return NULL;
}

/* The videos of the batch, in the order asked: ?videos=1,2 (the form's
 * hidden list too), ?video=1&video=2 (the dashboard's checkboxes), or
 * ?all=1&q=term (everything the search matches that is ready). */
static int batch_ids(struct request *req, const struct kvlist *kv, struct buf *arr, int *n)
{
	const char *list = kv_get(kv, "videos");
	struct page *pg = page_of(req);

	*n = 0;
	buf_putc(arr, '{');
	if (kv_get(kv, "all")) {
		const char *pattern = ui_search_pattern(req, kv_get(kv, "q"));
		PGresult *r;

		r = db_query(pg->db, &q_matching, DB_PARAMS(DB_TEXT(pattern), DB_INT(PLAN_MAX_ROWS)));
		if (!r)
			return -1;
		for (int i = 0; i < PQntuples(r); i++)
			buf_printf(arr, "%s%lld", (*n)++ ? "," : "", (long long)db_get_int(r, i, "id"));
		PQclear(r);
	}
	if (kv_get(kv, "all"))
		list = NULL;   /* everything matching; the ticked ones are among it or not wanted */
	while (list && *list && *n < PLAN_MAX_ROWS) {
		int64_t v;
		size_t len = strcspn(list, ", ");
		char one[24];

		if (len && len < sizeof(one)) {
			memcpy(one, list, len);
			one[len] = '\0';
			if (parse_int64(one, 1, INT64_MAX, &v) == 0)
				buf_printf(arr, "%s%lld", (*n)++ ? "," : "", (long long)v);
		}
		list += len;
		while (*list == ',' || *list == ' ')
			list++;
	}
	for (size_t i = 0; i < kv->n && *n < PLAN_MAX_ROWS && !kv_get(kv, "all"); i++) {
		int64_t v;

		if (!strcmp(kv->items[i].key, "video") && parse_int64(kv->items[i].val, 1, INT64_MAX, &v) == 0)
			buf_printf(arr, "%s%lld", (*n)++ ? "," : "", (long long)v);
	}
	buf_putc(arr, '}');
	return 0;
}

static const char *row_field(struct request *req, const struct prow *r, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_%lld", name, (long long)r->video_id);
	return kv_get(&req->form, key);
}

static int row_checked(struct request *req, const struct prow *r, const char *name)
{
	const char *v = row_field(req, r, name);

	return v && *v && strcmp(v, "0") != 0;
}

/* The batch's videos (as asked), the viewer's connected accounts, and the
 * batch's id (the form's, else a new one). */
static int batch_load(struct request *req, struct batch *b, const struct kvlist *kv, int from_form)
{
	struct page *pg = page_of(req);
	struct buf ids = BUF_INIT;
	int n;

	if (batch_ids(req, kv, &ids, &n) < 0) {
		buf_free(&ids);
		return -1;
	}
	b->videos = db_query(pg->db, &q_videos, DB_PARAMS(DB_TEXT(buf_cstr(&ids))));
	buf_free(&ids);
	if (!b->videos)
		return -1;
	b->accounts = accounts_for_page(req, 1, &b->naccounts);
	if (!b->accounts)
		return -1;
	snprintf(b->batch_id, sizeof(b->batch_id), "%s", from_form && kv_get(kv, "batch_id") ? kv_get(kv, "batch_id") : "");
	if (strlen(b->batch_id) != 32 || strspn(b->batch_id, "0123456789abcdef") != 32)
		if (crypto_random_hex(b->batch_id, 16) < 0)
			return -1;
	return 0;
}

/* The row's account: its choice in the form, else the language's
 * default, else the only one. */
static int row_account(struct request *req, struct batch *b, struct prow *r, int from_form)
{
	struct page *pg = page_of(req);
	const char *v = from_form ? row_field(req, r, "account") : NULL;
	int64_t aid = 0;

	if (!v || parse_int64(v, 1, INT64_MAX, &aid) < 0) {
		aid = acctplan_route(pg->db, pg->user_id, db_get_text(b->videos, r->vi, "language"));
		if (aid < 0)
			return -1;
		if (aid == 0 && b->naccounts == 1)
			aid = ctx_int(json_object_array_get_idx(b->accounts, 0), "id");
	}
	r->acc = aid > 0 ? account_of(req, b, aid) : NULL;
	return 0;
}

/* The row's file as it is now (size, content hash) and what the rules
 * need to know of the video. */
static int row_file_facts(struct request *req, const PGresult *videos, struct prow *r)
{
	struct page *pg = page_of(req);
	char path[PATH_MAX], sha[65];
	struct stat st;
	int i = r->vi;

	r->size = -1;
	if (media_resolve(app.cfg.media_root, db_get_text(videos, i, "path"), path) == 0 &&
	    stat(path, &st) == 0)
		r->size = st.st_size;
	/* the duplicate guard goes by content: a row imported before
	 * there were hashes gets its hash now (lib/library.h) */
	if (library_video_hash(pg->db, r->video_id, r->size >= 0 ? path : NULL, sha) < 0)
		return -1;
	r->facts.video_missing = r->size < 0 || db_get_bool(videos, i, "missing");
	r->facts.video_ready = db_get_bool(videos, i, "ready");
	r->facts.not_ready_reason = db_get(videos, i, "not_ready_reason");
	r->facts.duration_ms = db_get_int(videos, i, "duration_ms");
	return 0;
}

/* The row's settings: explicit per row; "set for all rows" fills them. */
static void row_settings(struct request *req, struct prow *r, int from_form, int apply_all)
{
	const char *all_privacy = kv_get(&req->form, "privacy_all");
	const char *v;

	r->form.privacy = from_form ? row_field(req, r, "privacy") : NULL;
	r->form.allow_comment = from_form && row_checked(req, r, "allow_comment");
	r->form.allow_duet = from_form && row_checked(req, r, "allow_duet");
	r->form.allow_stitch = from_form && row_checked(req, r, "allow_stitch");
	r->form.commercial = from_form && row_checked(req, r, "commercial");
	r->form.brand_organic = from_form && row_checked(req, r, "brand_organic");
	r->form.brand_content = from_form && row_checked(req, r, "brand_content");
	r->form.is_aigc = from_form && row_checked(req, r, "is_aigc");
	if (apply_all) {
		if (all_privacy && *all_privacy)
			r->form.privacy = all_privacy;
		r->form.allow_comment = checked(req, "allow_comment_all");
		r->form.allow_duet = checked(req, "allow_duet_all");
		r->form.allow_stitch = checked(req, "allow_stitch_all");
		r->form.commercial = checked(req, "commercial_all");
		r->form.brand_organic = checked(req, "brand_organic_all");
		r->form.brand_content = checked(req, "brand_content_all");
		r->form.is_aigc = checked(req, "is_aigc_all");
	}
	r->form.mode = from_form ? row_field(req, r, "mode") : NULL;
	v = from_form ? row_field(req, r, "caption") : NULL;
	r->caption = v ? lf_only(req, v) : NULL;
}

/* One row per video, as the request says. */
static int batch_rows(struct request *req, struct batch *b, int from_form, int apply_all)
{
	for (int i = 0; i < PQntuples(b->videos) && b->nrows < PLAN_MAX_ROWS; i++) {
		struct prow *r = &b->rows[b->nrows++];

		memset(r, 0, sizeof(*r));
		r->vi = i;
		r->video_id = db_get_int(b->videos, i, "id");
		r->included = from_form ? row_checked(req, r, "include") : 1;
		r->post_again = from_form && row_checked(req, r, "post_again");
		if (row_account(req, b, r, from_form) < 0 || row_file_facts(req, b->videos, r) < 0)
			return -1;
		row_settings(req, r, from_form, apply_all);
	}
	return 0;
}

/* Per account, once: creator info, the planner's inputs. */
static int batch_accounts(struct request *req, struct batch *b)
{
	for (int i = 0; i < b->nacc; i++) {
		struct pacct *a = &b->acc[i];

		if (a->scopes & TT_SCOPE_VIDEO_PUBLISH) {
			struct json_object *pl = NULL;

			json_object_object_get_ex(a->json, "platform", &pl);
			if (creator_check(req, pl ? json_object_get_string(pl) : NULL, a->id, &a->cc) < 0)
				return -1;
			a->asked = 1;
		}
		if (acctplan_inputs(page_of(req)->db, a->id, ACCPLAN_HORIZON_DAYS, &a->in) < 0)
			return -1;
		a->have_inputs = 1;
	}
	return 0;
}

/* The row's caption from its account's template, unless the form gave one. */
static void row_caption(struct request *req, const struct batch *b, struct prow *r)
{
	struct caption_fields f;
	struct buf out = BUF_INIT;

	if (r->caption)
		return;
	fields_of(req, b->videos, r->vi, &f);
	if (acctplan_caption(r->acc->have_plan ? r->acc->plan.caption_template : "", &f, &out,
			     r->caption_err, sizeof(r->caption_err)) < 0)
		buf_reset(&out);
	r->caption = arena_strdup(&req->arena, buf_cstr(&out));
	buf_free(&out);
}

/* The duplicate guard (lib/jobs.c): one post per clip's content and
 * account unless "post again"; the existing job and its state. */
static int row_duplicate(struct request *req, struct prow *r)
{
	struct page *pg = page_of(req);
	int64_t existing;
	int found = jobs_find_duplicate(pg->db, r->video_id, r->acc->id, &existing);
	PGresult *e;

	if (found <= 0)
		return found;
	e = db_query(pg->db, &q_existing, DB_PARAMS(DB_INT(existing), DB_INT(pg->user_id)));
	if (!e)
		return -1;
	r->existing_job = existing;
	r->existing_state = arena_strdup(&req->arena, PQntuples(e) ? db_get_text(e, 0, "state") : "");
	PQclear(e);
	return 0;
}

/* What the row's account brings: the mode it allows, the creator's
 * options, the caption, and whether it was posted there before. */
static int row_for_account(struct request *req, struct batch *b, struct prow *r)
{
	struct pacct *a = r->acc;
	int direct_ok = (a->scopes & TT_SCOPE_VIDEO_PUBLISH) && a->cc.have_creator;

	if (!r->form.mode || (strcmp(r->form.mode, "direct") && strcmp(r->form.mode, "inbox")))
		r->form.mode = direct_ok ? "direct" : "inbox";
	r->facts.scopes = a->scopes;
	r->facts.creator = a->cc.have_creator ? &a->cc.creator : NULL;
	r->facts.cannot_post = a->cc.cannot_post;
	r->facts.cannot_post_text = a->cc.cannot_post_text;
	row_caption(req, b, r);
	r->form.title = r->caption;
	return row_duplicate(req, r) < 0 ? -1 : 0;
}

/* The plan: rows in order, over each account's free slots and caps. */
static int batch_plan(struct batch *b)
{
	struct plan_account pa[16];
	struct plan_row prow[PLAN_MAX_ROWS];
	int np = 0, map[PLAN_MAX_ROWS];

	for (int i = 0; i < b->nacc; i++)
		pa[i] = b->acc[i].in.a;
	for (int i = 0; i < b->nrows; i++) {
		struct prow *r = &b->rows[i];

		r->plan = (struct plan_row){ .account_id = r->acc ? r->acc->id : 0 };
		if (!r->included || !r->acc || (r->existing_job && !r->post_again))
			continue;
		prow[np] = (struct plan_row){ .account_id = r->acc->id, .direct = !strcmp(r->form.mode, "direct") };
		map[np++] = i;
	}
	if (plan_make(pa, (size_t)b->nacc, prow, (size_t)np, ratelimit_spacing_sec(RL_INIT)) < 0)
		return -1;
	for (int k = 0; k < np; k++)
		b->rows[map[k]].plan = prow[k];
	return 0;
}

/* Everything the review page shows, from the request (GET: defaults;
 * POST: the form). */
static int batch_build(struct request *req, struct batch *b, int from_form)
{
	const struct kvlist *kv = from_form ? &req->form : &req->query;
	int apply_all = from_form && !strcmp(kv_get(kv, "action") ? kv_get(kv, "action") : "", "apply_all");

	if (batch_load(req, b, kv, from_form) < 0 || batch_rows(req, b, from_form, apply_all) < 0 ||
	    batch_accounts(req, b) < 0)
		return -1;
	for (int i = 0; i < b->nrows; i++)
		if (b->rows[i].acc && row_for_account(req, b, &b->rows[i]) < 0)
			return -1;
	return batch_plan(b);
}

static void add_err(struct post_violations *v, const char *field, const char *text)
{
	size_t n;

	if (v->n >= POST_RULES_MAX)
		return;
	n = strlen(text);
	if (n >= sizeof(v->v[0].text))
		n = sizeof(v->v[0].text) - 1;
	v->v[v->n].field = field;
	memmove(v->v[v->n].text, text, n);
	v->v[v->n].text[n] = '\0';
	v->n++;
}

/* Every rule on every included row; the count of rows with problems. */
static int batch_check(struct batch *b)
{
	int bad = 0;

	for (int i = 0; i < b->nrows; i++) {
		struct prow *r = &b->rows[i];

		r->errs.n = 0;
		if (!r->included || (r->existing_job && !r->post_again))
			continue;
		if (!r->acc) {
			add_err(&r->errs, "account", "Choose the TikTok account for this video.");
			bad++;
			continue;
		}
		post_rules_check(&r->form, &r->facts, &r->d, &r->errs);
		if (r->acc->cc.problem[0])
			add_err(&r->errs, "account", r->acc->cc.problem);
		if (r->caption_err[0])
			add_err(&r->errs, "title", r->caption_err);
		if (!r->plan.at)
			add_err(&r->errs, "slot", plan_reason_text(r->plan.reason));
		if (r->errs.n)
			bad++;
	}
	return bad;
}

static struct json_object *privacy_options(const struct prow *r)
{
	struct json_object *arr = json_object_new_array();
	const struct tiktok_creator *c = r->facts.creator;

	for (int i = 0; c && i < c->n_privacy; i++) {
		struct json_object *o = json_object_new_object();
		const char *lvl = c->privacy[i];

		ctx_add_str(o, "value", lvl);
		ctx_add_str(o, "label", tiktok_privacy_label(lvl));
		add_bool(o, "selected", r->form.privacy && !strcmp(r->form.privacy, lvl));
		/* guideline 3(b): branded content is never "Only me" */
		add_bool(o, "disabled", !strcmp(lvl, "SELF_ONLY") && r->form.commercial && r->form.brand_content);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void interaction(struct json_object *arr, const char *name, const char *label, int64_t vid,
			int allowed, int disabled)
{
	struct json_object *o = json_object_new_object();
	char n[64];

	snprintf(n, sizeof(n), "%s_%lld", name, (long long)vid);
	ctx_add_str(o, "name", n);
	ctx_add_str(o, "label", label);
	add_bool(o, "checked", allowed && !disabled);
	add_bool(o, "disabled", disabled);
	json_object_array_add(arr, o);
}

/* What the review page counts over its rows. */
struct batch_tally {
	int planned, spilled, any_direct, any_branded;
	struct json_object *days, *day;   /* the days with planned posts; the last one */
	char last_day[16];
	int day_count;
};

/* The row's account choice: every connected account, the row's selected. */
static struct json_object *row_account_options(const struct batch *b, const struct prow *r)
{
	struct json_object *opts = json_object_new_array();

	for (int k = 0; k < b->naccounts; k++) {
		struct json_object *a = json_object_array_get_idx(b->accounts, (size_t)k), *c, *nm;

		c = json_object_new_object();
		json_object_object_add(c, "id", json_object_new_int64(ctx_int(a, "id")));
		if (json_object_object_get_ex(a, "name", &nm))
			ctx_add_str(c, "name", json_object_get_string(nm));
		add_bool(c, "selected", r->acc && r->acc->id == ctx_int(a, "id"));
		json_object_array_add(opts, c);
	}
	return opts;
}

/* A direct post's settings against the creator's options. */
static void row_direct_settings(struct json_object *o, const struct prow *r, struct batch_tally *t)
{
	const struct pacct *a = r->acc;
	struct json_object *inter = json_object_new_array();

	t->any_direct = 1;
	json_object_object_add(o, "privacy_options", privacy_options(r));
	add_bool(o, "no_privacy", !r->form.privacy || !*r->form.privacy);
	interaction(inter, "allow_comment", "Comment", r->video_id, r->form.allow_comment,
		    a->cc.creator.comment_disabled);
	interaction(inter, "allow_duet", "Duet", r->video_id, r->form.allow_duet,
		    a->cc.creator.duet_disabled);
	interaction(inter, "allow_stitch", "Stitch", r->video_id, r->form.allow_stitch,
		    a->cc.creator.stitch_disabled);
	json_object_object_add(o, "interactions", inter);
	add_bool(o, "commercial", r->form.commercial);
	add_bool(o, "brand_organic", r->form.commercial && r->form.brand_organic);
	add_bool(o, "brand_content", r->form.commercial && r->form.brand_content);
	add_bool(o, "prompt_paid", r->form.commercial && r->form.brand_content);
	add_bool(o, "prompt_promo", r->form.commercial && r->form.brand_organic &&
		 !r->form.brand_content);
	add_bool(o, "is_aigc", r->form.is_aigc);
	ctx_add_str(o, "nickname", a->cc.creator.nickname);
	if (r->form.commercial && r->form.brand_content)
		t->any_branded = 1;
}

/* The row's caption, its modes and settings on its chosen account. */
static void row_account_context(struct json_object *o, const struct prow *r, int direct,
				struct batch_tally *t)
{
	const struct pacct *a = r->acc;
	int direct_ok = (a->scopes & TT_SCOPE_VIDEO_PUBLISH) && a->cc.have_creator;
	const char *caption = r->caption ? r->caption : "";
	long units = caption_utf16_len(caption, strlen(caption));

	json_object_object_add(o, "caption", json_object_new_string(caption));
	json_object_object_add(o, "caption_units", json_object_new_int64(units < 0 ? 0 : units));
	add_bool(o, "direct_ok", direct_ok);
	add_bool(o, "mode_choice", direct_ok && (a->scopes & TT_SCOPE_VIDEO_UPLOAD));
	add_bool(o, "inbox_ok", !!(a->scopes & TT_SCOPE_VIDEO_UPLOAD));
	add_bool(o, "direct", direct);
	add_bool(o, "inbox", !direct);
	if (direct && direct_ok)
		row_direct_settings(o, r, t);
	ctx_add_str(o, "account_problem", a->cc.cannot_post ? a->cc.cannot_post_text : a->cc.problem);
	add_bool(o, "reconnect", a->cc.reconnect);
}

/* Pre-flight: the file, the account, the caption. */
static void row_preflight(struct json_object *o, const struct prow *r, int direct)
{
	struct post_violations preflight = { 0 };
	struct json_object *pre = json_object_new_array();

	post_rules_preflight(&r->facts, direct, &preflight);
	for (int k = 0; k < preflight.n; k++)
		json_object_array_add(pre, json_object_new_string(preflight.v[k].text));
	if (r->caption_err[0])
		json_object_array_add(pre, json_object_new_string(r->caption_err));
	add_bool(o, "preflight_ok", json_object_array_length(pre) == 0 && r->acc);
	json_object_object_add(o, "preflight", pre);
}

static void row_duplicate_context(struct json_object *o, const struct prow *r)
{
	char w[300];

	if (!r->existing_job)
		return;
	snprintf(w, sizeof(w), "This clip is already %s this account (job %lld): it is left out "
		 "unless you tick \"Post again\".",
		 !strcmp(r->existing_state, "published") ? "posted to" :
		 !strcmp(r->existing_state, "inboxed") ? "in the TikTok inbox of" : "planned for",
		 (long long)r->existing_job);
	ctx_add_str(o, "duplicate", w);
	json_object_object_add(o, "duplicate_job", json_object_new_int64(r->existing_job));
	add_bool(o, "post_again", r->post_again);
}

/* The row's planned slot in the viewer's zone, counted under its day. */
static int row_slot(struct request *req, struct json_object *o, const struct prow *r,
		    struct batch_tally *t)
{
	PGresult *q;
	const char *day;

	if (!r->plan.at)
		return 0;
	q = db_query(page_of(req)->db, &q_shown_time, DB_PARAMS(DB_INT(r->plan.at), DB_TEXT(page_tz(req))));
	if (!q)
		return -1;
	ctx_add_str(o, "slot", db_get_text(q, 0, "shown"));
	day = db_get_text(q, 0, "day");
	if (strcmp(t->last_day, day)) {
		if (t->day)
			json_object_object_add(t->day, "count", json_object_new_int(t->day_count));
		t->day = json_object_new_object();
		ctx_add_str(t->day, "day", day);
		json_object_array_add(t->days, t->day);
		snprintf(t->last_day, sizeof(t->last_day), "%s", day);
		t->day_count = 0;
	}
	t->day_count++;
	PQclear(q);
	t->planned++;
	return 0;
}

/* One row of the review page. */
static int render_row(struct request *req, const struct batch *b, const struct prow *r, int show_errors,
		      struct json_object *o, struct batch_tally *t)
{
	int direct = r->form.mode && !strcmp(r->form.mode, "direct");
	const char *title = db_get(b->videos, r->vi, "title_translation");

	json_object_object_add(o, "video_id", json_object_new_int64(r->video_id));
	if (!title || !*title)
		title = db_get(b->videos, r->vi, "expression");
	if (!title || !*title)
		title = db_get(b->videos, r->vi, "path");
	ctx_add_str(o, "title", title);
	ctx_add_str(o, "language", db_get(b->videos, r->vi, "language"));
	add_bool(o, "included", r->included);
	json_object_object_add(o, "accounts", row_account_options(b, r));
	add_bool(o, "no_account", !r->acc);
	if (r->acc)
		row_account_context(o, r, direct, t);
	row_preflight(o, r, direct);
	row_duplicate_context(o, r);
	if (row_slot(req, o, r, t) < 0)
		return -1;
	if (r->included && r->acc && (!r->existing_job || r->post_again) &&
	    r->plan.reason != PLAN_NEXT_SLOT) {
		ctx_add_str(o, "spill", plan_reason_text(r->plan.reason));
		t->spilled++;
	}
	if (show_errors && r->errs.n) {
		struct json_object *errs = json_object_new_array();

		for (int k = 0; k < r->errs.n; k++)
			json_object_array_add(errs, json_object_new_string(r->errs.v[k].text));
		json_object_object_add(o, "errors", errs);
	}
	return 0;
}

/* The accounts in the batch with their caps. */
static struct json_object *batch_accounts_context(const struct batch *b)
{
	struct json_object *accs = json_object_new_array();

	for (int i = 0; i < b->nacc; i++) {
		struct json_object *o = json_object_new_object(), *nm;

		if (json_object_object_get_ex(b->acc[i].json, "name", &nm))
			ctx_add_str(o, "name", json_object_get_string(nm));
		json_object_object_add(o, "id", json_object_new_int64(b->acc[i].id));
		json_object_object_add(o, "cap", json_object_new_int(b->acc[i].in.cap));
		json_object_object_add(o, "headroom", json_object_new_int(b->acc[i].in.headroom));
		json_object_object_add(o, "slots", json_object_new_int((int)b->acc[i].in.a.nslots));
		ctx_add_str(o, "zone", b->acc[i].in.zone);
		json_object_array_add(accs, o);
	}
	return accs;
}

static int render_batch(struct request *req, struct batch *b, int status, int show_errors)
{
	struct json_object *ctx = page_context(req, "Plan posts"), *rows = json_object_new_array();
	struct batch_tally t = { .days = json_object_new_array() };
	struct buf ids = BUF_INIT;

	for (int i = 0; i < b->nrows; i++) {
		struct json_object *o = json_object_new_object();

		buf_printf(&ids, "%s%lld", i ? "," : "", (long long)b->rows[i].video_id);
		if (render_row(req, b, &b->rows[i], show_errors, o, &t) < 0)
			return -1;
		json_object_array_add(rows, o);
	}
	if (t.day)
		json_object_object_add(t.day, "count", json_object_new_int(t.day_count));
	json_object_object_add(ctx, "rows", rows);
	json_object_object_add(ctx, "days", t.days);
	json_object_object_add(ctx, "batch_accounts", batch_accounts_context(b));
	add_bool(ctx, "has_rows", b->nrows > 0);
	add_bool(ctx, "any_direct", t.any_direct);
	add_bool(ctx, "any_branded", t.any_branded);
	json_object_object_add(ctx, "planned", json_object_new_int(t.planned));
	json_object_object_add(ctx, "spilled", json_object_new_int(t.spilled));
	ctx_add_str(ctx, "videos", buf_cstr(&ids));
	ctx_add_str(ctx, "batch_id", b->batch_id);
	ctx_add_str(ctx, "zone", page_tz(req));
	ctx_add_str(ctx, "music_url", MUSIC_URL);
	ctx_add_str(ctx, "branded_url", BRANDED_URL);
	ctx_add_str(ctx, "disclose_text", POST_RULES_DISCLOSE_TEXT);
	add_bool(ctx, "has_errors", show_errors && status == 422);
	buf_free(&ids);
	return render_page(req, status, "plan", ctx);
}

int page_plan_review(struct request *req)
{
	struct batch *b = xcalloc(1, sizeof(*b));
	int rc = batch_build(req, b, 0);

	if (rc == 0)
		rc = render_batch(req, b, 200, 0);
	batch_free(b);
	free(b);
	return rc;
}

/* The first timeline entry of a planned job. */
static void planned_message(const struct prow *r, struct buf *out)
{
	const char *who = r->acc->cc.have_creator ? r->acc->cc.creator.nickname : NULL;

	if (!who) {
		struct json_object *nm;
		who = json_object_object_get_ex(r->acc->json, "name", &nm) ? json_object_get_string(nm) : "the account";
	}
	if (r->d.post.direct)
		buf_printf(out, "Planned: direct post to %s, visible to \"%s\", in the account's next slot.", who,
			   tiktok_privacy_label(r->d.post.privacy_level));
	else
		buf_printf(out, "Planned: send to the TikTok inbox of %s as a draft, in the account's next slot.", who);
}

/* Every row a job, in one transaction, planned again under each account's
 * lock so two batches never take one slot. 0 done (*made), 1 the plan
 * changed meanwhile (nothing made), -1. */
static int batch_commit(struct request *req, struct batch *b, int *made)
{
	struct page *pg = page_of(req);
	struct plan_account pa[16];
	struct plan_row prow[PLAN_MAX_ROWS];
	int np = 0, map[PLAN_MAX_ROWS];

	*made = 0;
	if (db_begin(pg->db) < 0)
		return -1;
	for (int i = 0; i < b->nacc; i++) {
		PGresult *r = db_query(pg->db, &q_lock_account, DB_PARAMS(DB_INT(b->acc[i].id)));
		if (!r)
			goto fail;
		PQclear(r);
		acctplan_inputs_free(&b->acc[i].in);
		b->acc[i].have_inputs = 0;
		if (acctplan_inputs(pg->db, b->acc[i].id, ACCPLAN_HORIZON_DAYS, &b->acc[i].in) < 0)
			goto fail;
		b->acc[i].have_inputs = 1;
		pa[i] = b->acc[i].in.a;
	}
	for (int i = 0; i < b->nrows; i++) {
		struct prow *r = &b->rows[i];

		if (!r->included || !r->acc || (r->existing_job && !r->post_again))
			continue;
		prow[np] = (struct plan_row){ .account_id = r->acc->id, .direct = r->d.post.direct };
		map[np++] = i;
	}
	if (plan_make(pa, (size_t)b->nacc, prow, (size_t)np, ratelimit_spacing_sec(RL_INIT)) < 0)
		goto fail;
	for (int k = 0; k < np; k++)
		if (!prow[k].at) {
			db_rollback(pg->db);
			b->rows[map[k]].plan = prow[k];
			return 1;
		}
	for (int k = 0; k < np; k++) {
		struct prow *r = &b->rows[map[k]];
		struct buf msg = BUF_INIT;
		char sid[64], at[32];
		int64_t job_id;
		struct job_new n = {
			.submission_id = sid, .user_id = pg->user_id, .video_id = r->video_id,
			.account_id = r->acc->id, .post = r->d.post, .bytes_total = r->size,
			.run_at = at, .repost = r->post_again,
		};
		int rc;

		time_iso_utc(prow[k].at, at);
		snprintf(sid, sizeof(sid), "%s-%lld", b->batch_id, (long long)r->video_id);
		planned_message(r, &msg);
		n.message = buf_cstr(&msg);
		rc = jobs_enqueue(pg->db, &n, &job_id);
		buf_free(&msg);
		if (rc == JOBS_DUPLICATE) {
			/* another batch or tab took this clip for the account meanwhile:
			 * one post (the savepoint undid only this row) */
			log_info("event=plan_row_duplicate video_id=%lld account_id=%lld job_id=%lld",
				 (long long)r->video_id, (long long)r->acc->id, (long long)job_id);
			continue;
		}
		if (rc != 0)
			goto fail;
		r->plan = prow[k];
		(*made)++;
	}
	if (db_commit(pg->db) < 0) {
		db_rollback(pg->db);
		return -1;
	}
	return 0;
fail:
	db_rollback(pg->db);
	return -1;
}

int page_plan_submit(struct request *req)
{
	struct page *pg = page_of(req);
	struct batch *b = xcalloc(1, sizeof(*b));
	const char *action = kv_get(&req->form, "action");
	int rc, bad, made = 0;

	rc = batch_build(req, b, 1);
	if (rc < 0)
		goto out;
	if (!action || strcmp(action, "confirm") != 0) {
		/* re-plan with the form's values ("Update the plan", "Set for all rows") */
		rc = render_batch(req, b, 200, 0);
		goto out;
	}
	/* this batch was confirmed already (a double click, a resubmit) */
	{
		PGresult *r = db_query(pg->db, &q_batch_used, DB_PARAMS(DB_TEXT(b->batch_id), DB_INT(pg->user_id)));
		if (!r) {
			rc = -1;
			goto out;
		}
		made = (int)db_get_int(r, 0, "n");
		PQclear(r);
		if (made > 0) {
			redirect(req, 303, "/jobs");
			rc = 0;
			goto out;
		}
	}
	bad = batch_check(b);
	if (bad) {
		log_info("event=plan_refused rows=%d bad=%d", b->nrows, bad);
		rc = render_batch(req, b, 422, 1);
		goto out;
	}
	rc = batch_commit(req, b, &made);
	if (rc == 1) {
		batch_check(b);
		rc = render_batch(req, b, 409, 1);
		goto out;
	}
	if (rc < 0) {
		/* a parallel confirm of the same batch won: its jobs stand */
		PGresult *r = db_query(pg->db, &q_batch_used, DB_PARAMS(DB_TEXT(b->batch_id), DB_INT(pg->user_id)));
		if (r && db_get_int(r, 0, "n") > 0) {
			PQclear(r);
			redirect(req, 303, "/jobs");
			rc = 0;
			goto out;
		}
		if (r)
			PQclear(r);
		goto out;
	}
	log_info("event=plan_confirmed batch=%s jobs=%d", b->batch_id, made);
	redirect(req, 303, "/jobs");
out:
	batch_free(b);
	free(b);
	return rc;
}
