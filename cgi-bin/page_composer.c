/* page_composer.c — GET/POST /videos/{id}/tiktok: the post composer.
 *
 * It follows TikTok's content sharing guidelines point by point
 * (tiktok-api.md §3): creator_info on every render (rate-limited in the
 * database), the creator's avatar and nickname, a stop when TikTok says
 * the creator cannot post, a preview, pre-flight file checks, an editable
 * prefilled caption counted in UTF-16 units, privacy with no default,
 * interactions off by default and greyed when disabled, the commercial
 * content disclosure with its prompts and consent texts, and the inbox
 * mode. The page works without JavaScript; static/composer.js only makes
 * the rules interactive. Every rule is enforced again on POST by
 * lib/post_rules (a 422 re-renders the form with the user's values and
 * each problem in words).
 *
 * POST makes at most one job per form: the form carries a random
 * submission id, UNIQUE in upload_jobs, so a double click or a resubmit
 * lands on the job the first one made. */
#include "account_plan.h"
#include "accounts.h"
#include "app.h"
#include "caption.h"
#include "crypto.h"
#include "frames.h"
#include "log.h"
#include "mediapath.h"
#include "platform.h"
#include "post_rules.h"
#include "jobs.h"
#include "library.h"
#include "ratelimit.h"
#include "tiktok_creator.h"
#include "tiktok_errors.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MUSIC_URL "https://www.tiktok.com/legal/page/global/music-usage-confirmation/en"
#define BRANDED_URL "https://www.tiktok.com/legal/page/global/bc-policy/en"

static struct db_stmt q_video = { "composer_video",
	"SELECT id, path, title, title_translation, expression, expression_translation,"
	"       array_to_json(keywords)::text AS keywords, ready, not_ready_reason, missing,"
	"       coalesce(duration_ms, 0) AS duration_ms, size_bytes, width, height, fps, video_codec,"
	"       container, array_to_string(frame_times_ms, ',') AS frame_times, expression_start_ms,"
	"       frames_source "
	"FROM videos WHERE id = $1" };

/* A scheduled job of the viewer's, to edit in this form before it starts. */
static struct db_stmt q_job_to_edit = { "composer_job_to_edit",
	"SELECT id, video_id, coalesce(account_id, 0) AS account_id, mode, title,"
	"       coalesce(privacy_level, '') AS privacy_level, disable_comment, disable_duet,"
	"       disable_stitch, brand_organic, brand_content, is_aigc,"
	"       coalesce(cover_timestamp_ms::text, '') AS cover_ms, state, started_at IS NOT NULL AS started,"
	"       coalesce(locked_until > now(), false) AS locked, " UI_TIME("run_at", "$3") " AS run_at_shown "
	"FROM upload_jobs WHERE id = $1 AND user_id = $2" };

static struct db_stmt q_job_by_submission = { "composer_job_by_submission",
	"SELECT id, user_id FROM upload_jobs WHERE submission_id = $1" };

/* The viewer's own earlier post of the video to this account (accounts are
 * per user; the user_id condition keeps another user's jobs out anyway):
 * this row, or another row of the same content (the duplicate guard's
 * view, sql/032). */
static struct db_stmt q_previous = { "composer_previous_jobs",
	"SELECT id, state, post_url FROM upload_jobs "
	"WHERE (video_id = $1 OR content_sha256 = (SELECT content_sha256 FROM videos WHERE id = $1))"
	"  AND account_id = $2 AND user_id = $3 "
	"  AND state IN " JOBS_ACTIVE_OR_POSTED_SQL " "
	"ORDER BY (state IN " JOBS_POSTED_SQL ") DESC, id DESC LIMIT 1" };

/* "Edit and retry": an earlier job of the viewer's, of this video, whose
 * caption and settings the composer opens with. */
static struct db_stmt q_from_job = { "composer_from_job",
	"SELECT account_id, mode, title, privacy_level, disable_comment, disable_duet, disable_stitch,"
	"       brand_organic, brand_content, is_aigc, cover_timestamp_ms "
	"FROM upload_jobs WHERE id = $1 AND user_id = $2 AND video_id = $3" };

/* Everything the page knows while it is built. */
struct composer {
	int64_t video_id;
	PGresult *video;
	char file_path[PATH_MAX];
	int64_t file_size;           /* -1 when the file is not there */

	struct json_object *accounts;
	int naccounts;
	struct json_object *account; /* the chosen one (inside accounts) */
	int64_t account_id;
	unsigned scopes;
	const struct platform *pf;   /* the account's platform; NULL: unknown (problem says so) */

	struct tiktok_creator creator;
	int have_creator;
	int cannot_post;
	const char *cannot_post_text;
	char problem[512];           /* why creator info is unavailable ("" when it is) */
	int reconnect;               /* the account must be connected again */
	int retry_after;             /* seconds, when our creator_info budget is spent */
	int tiktok_slow;             /* TikTok did not answer in time: 503, try again */

	struct post_facts facts;
	const char *note;            /* a line at the top of the page, or NULL */
	int account_revoked;         /* the chosen account needs a reconnect */

	int64_t edit_job;            /* editing this scheduled job (0: a new post) */
	int64_t duplicate_job;       /* the job the duplicate guard pointed at */
	char edit_run_at[64];        /* its time, shown in the viewer's zone */
};

static void composer_free(struct composer *c)
{
	if (c->video)
		PQclear(c->video);
	if (c->accounts)
		json_object_put(c->accounts);
}

static int not_found(struct request *req)
{
	return render_error(req, 404, "Video not found",
			    "There is no video with this number in the library.");
}

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The video row, and whether its file is really there (its size is what
 * the job will send). 0, 1 when there is no such video, -1 on error. */
static int load_video(struct request *req, struct composer *c)
{
	struct stat st;

	c->video = db_query(page_of(req)->db, &q_video, DB_PARAMS(DB_INT(c->video_id)));
	if (!c->video)
		return -1;
	if (PQntuples(c->video) == 0)
		return 1;
	c->file_size = -1;
	if (media_resolve(app.cfg.media_root, db_get(c->video, 0, "path"), c->file_path) == 0 &&
	    stat(c->file_path, &st) == 0)
		c->file_size = st.st_size;
	c->facts.video_missing = c->file_size < 0 || !strcmp(db_get(c->video, 0, "missing"), "t");
	c->facts.video_ready = !strcmp(db_get(c->video, 0, "ready"), "t");
	c->facts.not_ready_reason = db_get(c->video, 0, "not_ready_reason");
	c->facts.duration_ms = db_get_int(c->video, 0, "duration_ms");
	return 0;
}

/* The user's accounts (revoked ones too, so that a chosen account that
 * needs a reconnect is said so and never silently replaced); the chosen
 * one is `wanted` when it is among them, else the first connected one. */
static int choose_account(struct request *req, struct composer *c, int64_t wanted)
{
	c->accounts = accounts_for_page(req, 0, &c->naccounts);
	if (!c->accounts)
		return -1;
	for (int i = 0; i < c->naccounts; i++) {
		struct json_object *a = json_object_array_get_idx(c->accounts, (size_t)i);
		if (ctx_int(a, "id") == wanted || (!c->account && ctx_flag(a, "connected")))
			c->account = a;
		if (ctx_int(a, "id") == wanted)
			break;
	}
	if (!c->account)
		return 0;
	c->account_id = ctx_int(c->account, "id");
	json_object_object_add(c->account, "selected", json_object_new_boolean(1));
	c->pf = platform_for(json_str(c->account, "platform"));
	if (!c->pf)
		platform_refusal(json_str(c->account, "platform"), c->problem, sizeof(c->problem));
	if (!ctx_flag(c->account, "connected")) {
		const char *why = json_str(c->account, "status_reason");
		c->reconnect = 1;
		c->account_revoked = 1;
		snprintf(c->problem, sizeof(c->problem), "This TikTok account needs to be connected again before "
			 "it can post%s%s", why && *why ? ": " : ".", why && *why ? why : "");
		return 0;
	}
	if (ctx_flag(c->account, "can_direct"))
		c->scopes |= TT_SCOPE_VIDEO_PUBLISH;
	if (ctx_flag(c->account, "can_inbox"))
		c->scopes |= TT_SCOPE_VIDEO_UPLOAD;
	c->facts.scopes = c->scopes;
	return 0;
}

/* creator_info for the chosen account: fresh on every render (guideline
 * 1), through the pages' one fetch (ui.c). Accounts without video.publish
 * cannot ask (the call needs that scope): they post to the inbox, where
 * TikTok's app shows the creator the settings. */
static int fetch_creator(struct request *req, struct composer *c)
{
	struct creator_check k;

	if (!c->pf || !(c->scopes & TT_SCOPE_VIDEO_PUBLISH) || c->account_revoked)
		return 0;
	if (creator_check(req, json_str(c->account, "platform"), c->account_id, &k) < 0)
		return -1;
	c->creator = k.creator;
	c->have_creator = k.have_creator;
	c->cannot_post = k.cannot_post;
	c->cannot_post_text = k.cannot_post_text;
	memcpy(c->problem, k.problem, sizeof(c->problem));
	c->reconnect = k.reconnect;
	c->retry_after = k.retry_after;
	c->tiktok_slow = k.tiktok_slow;
	if (c->have_creator)
		c->facts.creator = &c->creator;
	c->facts.cannot_post = c->cannot_post;
	c->facts.cannot_post_text = c->cannot_post_text;
	return 0;
}

/* ---- the page ---- */

static void add_bool(struct json_object *o, const char *key, int val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

/* The prefilled caption from the video's LangFlix metadata. */
static char *prefill_caption(struct composer *c)
{
	struct json_object *kw = json_tokener_parse(db_get(c->video, 0, "keywords") ? db_get(c->video, 0, "keywords") : "[]");
	const char *words[64];
	struct caption_meta m = { db_get(c->video, 0, "title"), db_get(c->video, 0, "title_translation"), db_get(c->video, 0, "expression"),
				  db_get(c->video, 0, "expression_translation"), words, 0 };
	struct buf out = BUF_INIT;

	if (kw && json_object_is_type(kw, json_type_array))
		for (size_t i = 0; i < json_object_array_length(kw) && m.nkeywords < 64; i++) {
			struct json_object *w = json_object_array_get_idx(kw, i);
			if (w && json_object_is_type(w, json_type_string))
				words[m.nkeywords++] = json_object_get_string(w);
		}
	caption_prefill(&m, &out);
	if (kw)
		json_object_put(kw);
	return buf_detach(&out);
}

/* The cover picker: the strip's frames as radio choices, the one nearest
 * to the sidecar's expression moment marked. Which one is checked: the
 * form's cover time when it is one of them (a re-render), none when the
 * form had another or no time, and on a fresh form the expression's. */
static void frames_context(struct composer *c, struct json_object *v, const struct post_form *f,
			   int fresh)
{
	int64_t times[FRAMES_MAX], chosen = -1, ms;
	const char *p = db_get(c->video, 0, "frame_times");
	struct json_object *arr;
	int n = 0, expr = -1, w = 0, h = 0, any = 0;
	char src[96], t[32];

	while (p && *p && n < FRAMES_MAX) {
		times[n++] = strtoll(p, NULL, 10);
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	if (n < 2 || c->facts.video_missing)
		return;
	if (db_get(c->video, 0, "expression_start_ms"))
		expr = frames_nearest(times, n, strtoll(db_get(c->video, 0, "expression_start_ms"), NULL, 10));
	if (f->cover_ms && *f->cover_ms && parse_int64(f->cover_ms, 0, INT64_MAX, &ms) == 0)
		chosen = ms;
	else if (fresh && expr > 0)
		chosen = times[expr];
	if (db_get(c->video, 0, "width") && db_get(c->video, 0, "height"))
		frames_size(atoi(db_get(c->video, 0, "width")), atoi(db_get(c->video, 0, "height")), &w, &h);
	arr = json_object_new_array();
	for (int i = 1; i < n; i++) {
		struct json_object *o = json_object_new_object();
		frames_url(c->video_id, i, db_get(c->video, 0, "frames_source"), src, sizeof(src));
		snprintf(t, sizeof(t), "%.1f s", (double)times[i] / 1000.0);
		json_object_object_add(o, "ms", json_object_new_int64(times[i]));
		ctx_add_str(o, "src", src);
		ctx_add_str(o, "time", t);
		if (w > 0) {
			json_object_object_add(o, "width", json_object_new_int(w));
			json_object_object_add(o, "height", json_object_new_int(h));
		}
		add_bool(o, "expression", i == expr);
		add_bool(o, "checked", times[i] == chosen && !any);
		any |= times[i] == chosen;
		json_object_array_add(arr, o);
	}
	json_object_object_add(v, "frames", arr);
	add_bool(v, "has_frames", 1);
	add_bool(v, "expression_frame", expr > 0);
	add_bool(v, "cover_none", !any);
	frames_url(c->video_id, 0, db_get(c->video, 0, "frames_source"), src, sizeof(src));
	ctx_add_str(v, "poster", src);
	if (w > 0) {
		json_object_object_add(v, "poster_width", json_object_new_int(w));
		json_object_object_add(v, "poster_height", json_object_new_int(h));
	}
}

static void video_context(struct composer *c, struct json_object *ctx, const struct post_form *f,
			  int fresh)
{
	struct json_object *v = json_object_new_object();
	PGresult *r = c->video;
	char size[32];

	json_object_object_add(v, "id", json_object_new_int64(c->video_id));
	ctx_add_str(v, "path", db_get(r, 0, "path"));
	ctx_add_str(v, "title", db_get(r, 0, "title"));
	ctx_add_str(v, "title_translation", db_get(r, 0, "title_translation"));
	ctx_add_str(v, "expression", db_get(r, 0, "expression"));
	ctx_add_str(v, "expression_translation", db_get(r, 0, "expression_translation"));
	add_bool(v, "missing", c->facts.video_missing);
	if (c->facts.duration_ms > 0) {
		char d[32];
		ui_duration(d, sizeof(d), c->facts.duration_ms);
		ctx_add_str(v, "duration", d);
		json_object_object_add(v, "duration_ms", json_object_new_int64(c->facts.duration_ms));
		json_object_object_add(v, "cover_max", json_object_new_int64(c->facts.duration_ms - 1));
	}
	if (c->file_size >= 0) {
		ui_size(size, sizeof(size), c->file_size);
		ctx_add_str(v, "size", size);
	}
	if (db_get(r, 0, "width") && db_get(r, 0, "height")) {
		char dim[48];
		snprintf(dim, sizeof(dim), "%s×%s", db_get(r, 0, "width"), db_get(r, 0, "height"));
		ctx_add_str(v, "dimensions", dim);
	}
	ctx_add_str(v, "codec", db_get(r, 0, "video_codec"));
	ctx_add_str(v, "container", db_get(r, 0, "container"));
	frames_context(c, v, f, fresh);
	json_object_object_add(ctx, "video", v);
}

/* What the form shows: the user's values on a re-render, else the
 * guideline defaults (nothing chosen, everything off). */
static int checked(struct request *req, const char *name)
{
	const char *v = kv_get(&req->form, name);
	return v && *v && strcmp(v, "0") != 0;
}

static void form_from_request(struct request *req, struct post_form *f)
{
	f->submission_id = kv_get(&req->form, "submission_id");
	f->title = kv_get(&req->form, "title");
	f->privacy = kv_get(&req->form, "privacy");
	f->mode = kv_get(&req->form, "mode");
	/* a time typed into the number field wins; else the frame picked
	 * among the pictures (without JavaScript the radios send it) */
	f->cover_ms = kv_get(&req->form, "cover_ms");
	if (!f->cover_ms || !*f->cover_ms)
		f->cover_ms = kv_get(&req->form, "cover_frame");
	f->allow_comment = checked(req, "allow_comment");
	f->allow_duet = checked(req, "allow_duet");
	f->allow_stitch = checked(req, "allow_stitch");
	f->commercial = checked(req, "commercial");
	f->brand_organic = checked(req, "brand_organic");
	f->brand_content = checked(req, "brand_content");
	f->is_aigc = checked(req, "is_aigc");
}

static struct json_object *privacy_options(struct composer *c, const struct post_form *f)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < c->creator.n_privacy; i++) {
		struct json_object *o = json_object_new_object();
		const char *lvl = c->creator.privacy[i];
		int self = !strcmp(lvl, "SELF_ONLY");

		ctx_add_str(o, "value", lvl);
		ctx_add_str(o, "label", tiktok_privacy_label(lvl));
		add_bool(o, "selected", f->privacy && !strcmp(f->privacy, lvl));
		add_bool(o, "self_only", self);
		/* guideline 3(b): with branded content chosen, "Only me" is off */
		add_bool(o, "disabled", self && f->commercial && f->brand_content);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void interaction(struct json_object *form, const char *name, const char *label,
			int allowed, int disabled_by_creator)
{
	struct json_object *o = json_object_new_object();

	ctx_add_str(o, "name", name);
	ctx_add_str(o, "label", label);
	add_bool(o, "checked", allowed && !disabled_by_creator);
	add_bool(o, "disabled", disabled_by_creator);
	json_object_array_add(form, o);
}

static void warnings_context(struct request *req, struct composer *c, struct json_object *ctx)
{
	struct json_object *w = json_object_new_array();
	char msg[512];
	PGresult *r;

	r = db_query(page_of(req)->db, &q_previous,
		     DB_PARAMS(DB_INT(c->video_id), DB_INT(c->account_id), DB_INT(page_of(req)->user_id)));
	if (r && PQntuples(r) > 0) {
		const char *state = db_get(r, 0, "state");
		struct json_object *o = json_object_new_object();
		if (!strcmp(state, "published") || !strcmp(state, "inboxed"))
			snprintf(msg, sizeof(msg), "This video was already %s this account (job %s). "
				 "Posting it again makes a second, separate post.",
				 !strcmp(state, "published") ? "posted to" : "sent to the TikTok inbox of",
				 db_get(r, 0, "id"));
		else
			snprintf(msg, sizeof(msg), "A post of this video to this account is already in progress "
				 "or scheduled (job %s). Posting again makes a second post.", db_get(r, 0, "id"));
		ctx_add_str(o, "text", msg);
		ctx_add_str(o, "job_id", db_get(r, 0, "id"));
		json_object_array_add(w, o);
		/* the duplicate guard refuses a second post unless asked for */
		ctx_add_str(ctx, "previous_job", db_get(r, 0, "id"));
	}
	if (r)
		PQclear(r);
	if (c->have_creator && tiktok_creator_posts_private(&c->creator)) {
		struct json_object *o = json_object_new_object();
		int self_only = c->creator.n_privacy == 1 && !strcmp(c->creator.privacy[0], "SELF_ONLY");

		ctx_add_str(o, "text", tiktok_creator_state(self_only ? TTC_SELF_ONLY : TTC_PRIVATE_ACCOUNT)->sentence);
		json_object_array_add(w, o);
	}
	if (json_object_array_length(w))
		json_object_object_add(ctx, "warnings", w);
	else
		json_object_put(w);
}

static void quota_context(struct request *req, struct composer *c, struct json_object *ctx)
{
	struct db *db = page_of(req)->db;
	int minute_sec = (int)app.cfg.tiktok_rate_window_sec;
	int day = ratelimit_used_kind(db, c->account_id, RL_POST_DAILY, minute_sec);
	int minute = ratelimit_used_kind(db, c->account_id, RL_INIT, minute_sec);
	int day_cap = ratelimit_limit(RL_POST_DAILY)->limit;
	struct json_object *q = json_object_new_object();

	if (day < 0 || minute < 0) {
		json_object_put(q);
		return;
	}
	json_object_object_add(q, "day_used", json_object_new_int(day));
	json_object_object_add(q, "day_cap", json_object_new_int(day_cap));
	json_object_object_add(q, "day_left", json_object_new_int(day < day_cap ? day_cap - day : 0));
	json_object_object_add(q, "minute_used", json_object_new_int(minute));
	json_object_object_add(q, "minute_cap", json_object_new_int(ratelimit_limit(RL_INIT)->limit));
	json_object_object_add(ctx, "quota", q);
}

/* The form's fields that show their own errors: err_<field> next to the
 * field (tied to it by aria-describedby), a link to each in the message at
 * the top; the others (the video, the account) are said at the top. */
static const struct { const char *field, *label; } field_places[] = {
	{ "mode", "How to send it" }, { "title", "Caption" }, { "privacy", "Who can see this post" },
	{ "commercial", "Content disclosure" }, { "cover_ms", "Cover frame" },
	{ "run_at", "When to post" },
};

static void errors_context(struct json_object *ctx, const struct post_violations *errors)
{
	struct json_object *top = json_object_new_array(), *links = json_object_new_array();

	for (int i = 0; i < errors->n; i++) {
		size_t k;
		for (k = 0; k < ARRAY_LEN(field_places); k++)
			if (!strcmp(errors->v[i].field, field_places[k].field))
				break;
		if (k == ARRAY_LEN(field_places)) {
			struct json_object *e = json_object_new_object();
			ctx_add_str(e, "field", errors->v[i].field);
			ctx_add_str(e, "text", errors->v[i].text);
			json_object_array_add(top, e);
			continue;
		}
		{
			char key[32];
			struct json_object *prev;
			snprintf(key, sizeof(key), "err_%s", field_places[k].field);
			if (json_object_object_get_ex(ctx, key, &prev)) {
				/* a second problem of the same field: one paragraph */
				struct buf both = BUF_INIT;
				buf_printf(&both, "%s %s", json_object_get_string(prev), errors->v[i].text);
				json_object_object_add(ctx, key, json_object_new_string(buf_cstr(&both)));
				buf_free(&both);
			} else {
				struct json_object *l = json_object_new_object();
				json_object_object_add(ctx, key, json_object_new_string(errors->v[i].text));
				ctx_add_str(l, "anchor", field_places[k].field);
				ctx_add_str(l, "label", field_places[k].label);
				json_object_array_add(links, l);
			}
		}
	}
	add_bool(ctx, "has_top_errors", json_object_array_length(top) > 0);
	json_object_object_add(ctx, "top_errors", top);
	add_bool(ctx, "has_field_errors", json_object_array_length(links) > 0);
	json_object_object_add(ctx, "field_errors", links);
}

/* The whole page: status 200 (GET) or 422 (POST refused, with errors). */
/* The account, the creator as TikTok answered, and what stands in the way. */
static void account_context(struct composer *c, struct json_object *ctx)
{
	json_object_object_add(ctx, "accounts", json_object_get(c->accounts));
	add_bool(ctx, "several_accounts", c->naccounts > 1);
	json_object_object_add(ctx, "account", json_object_get(c->account));
	if (c->have_creator) {
		struct json_object *cr = json_object_new_object();
		ctx_add_str(cr, "nickname", c->creator.nickname);
		ctx_add_str(cr, "username", c->creator.username);
		if (!strncmp(c->creator.avatar_url, "https://", 8) || !strncmp(c->creator.avatar_url, "http://", 7))
			ctx_add_str(cr, "avatar_url", c->creator.avatar_url);
		if (c->creator.max_duration_sec > 0)
			json_object_object_add(cr, "max_duration_sec", json_object_new_int(c->creator.max_duration_sec));
		json_object_object_add(ctx, "creator", cr);
	}
	ctx_add_str(ctx, "note", c->note);
	if (c->cannot_post)
		ctx_add_str(ctx, "cannot_post", c->cannot_post_text);
	ctx_add_str(ctx, "problem", c->problem);
	ctx_add_str(ctx, "source_label", job_source_label(config_source_name(app.cfg.tiktok_source)));
	add_bool(ctx, "reconnect", c->reconnect);
	if (c->retry_after)
		json_object_object_add(ctx, "retry_after", json_object_new_int(c->retry_after));
}

/* Pre-flight: the file and the creator, before any byte moves. The
 * number of failures. */
static int preflight_context(struct composer *c, struct json_object *ctx, int direct)
{
	struct post_violations preflight = { 0 };
	struct json_object *pre = json_object_new_array();

	if (c->pf)
		c->pf->preflight(&c->facts, direct, &preflight);
	for (int i = 0; i < preflight.n; i++)
		if (strcmp(preflight.v[i].field, "account") != 0)   /* cannot_post shown on its own */
			json_object_array_add(pre, json_object_new_string(preflight.v[i].text));
	add_bool(ctx, "has_preflight", json_object_array_length(pre) > 0);
	json_object_object_add(ctx, "preflight_failures", pre);
	return preflight.n;
}

/* The caption: the form's, else the one made from the clip. */
static void form_caption(struct composer *c, const struct post_form *f, struct json_object *form)
{
	char *caption = f->title ? NULL : prefill_caption(c);
	const char *t = f->title ? f->title : caption;
	long units = caption_utf16_len(t, strlen(t));

	/* always set, even empty: a missing key would fall through to the page title */
	json_object_object_add(form, "title", json_object_new_string(t));
	json_object_object_add(form, "title_units", json_object_new_int64(units < 0 ? 0 : units));
	free(caption);
	json_object_object_add(form, "title_max", json_object_new_int(CAPTION_MAX_UTF16));
}

/* The post's settings: mode, privacy, interactions, disclosure, cover. */
static void form_settings(struct composer *c, const struct post_form *f, struct json_object *form,
			  int direct)
{
	int direct_possible = !!(c->scopes & TT_SCOPE_VIDEO_PUBLISH) && c->have_creator;
	int inbox_possible = !!(c->scopes & TT_SCOPE_VIDEO_UPLOAD);
	int64_t ms;

	add_bool(form, "direct_possible", direct_possible);
	add_bool(form, "inbox_possible", inbox_possible);
	add_bool(form, "inbox_only", inbox_possible && !direct_possible);
	add_bool(form, "direct", direct && direct_possible);
	add_bool(form, "inbox", !(direct && direct_possible));
	add_bool(form, "no_privacy", !f->privacy || !*f->privacy);
	if (c->have_creator) {
		struct json_object *inter = json_object_new_array();

		json_object_object_add(form, "privacy_options", privacy_options(c, f));
		interaction(inter, "allow_comment", "Comment", f->allow_comment, c->creator.comment_disabled);
		interaction(inter, "allow_duet", "Duet", f->allow_duet, c->creator.duet_disabled);
		interaction(inter, "allow_stitch", "Stitch", f->allow_stitch, c->creator.stitch_disabled);
		json_object_object_add(form, "interactions", inter);
		add_bool(form, "some_disabled",
			 c->creator.comment_disabled || c->creator.duet_disabled || c->creator.stitch_disabled);
	}
	add_bool(form, "commercial", f->commercial);
	add_bool(form, "brand_organic", f->commercial && f->brand_organic);
	add_bool(form, "brand_content", f->commercial && f->brand_content);
	/* prompts only after a selection; "Paid partnership" wins when both */
	add_bool(form, "prompt_paid", f->commercial && f->brand_content);
	add_bool(form, "prompt_promo", f->commercial && f->brand_organic && !f->brand_content);
	add_bool(form, "branded_blocked", f->privacy && !strcmp(f->privacy, "SELF_ONLY"));
	add_bool(form, "disclose_missing", f->commercial && !f->brand_organic && !f->brand_content);
	add_bool(form, "consent_branded", f->commercial && f->brand_content);
	add_bool(form, "is_aigc", f->is_aigc);
	/* back into a number input only as a number: anything else is
	 * invalid there (the error above the field says what was wrong) */
	if (f->cover_ms && parse_int64(f->cover_ms, 0, INT64_MAX, &ms) == 0)
		ctx_add_str(form, "cover_ms", f->cover_ms);
}

/* When: now, or a time in the viewer's zone (not when editing a job). */
static void form_when(struct request *req, struct composer *c, struct json_object *form)
{
	if (c->edit_job) {
		json_object_object_add(form, "edit_job", json_object_new_int64(c->edit_job));
		ctx_add_str(form, "edit_run_at", c->edit_run_at);
	} else {
		const char *when = kv_get(&req->form, "when");
		int later = when && !strcmp(when, "later"), queue = when && !strcmp(when, "queue");
		add_bool(form, "when_later", later);
		add_bool(form, "when_queue", queue);
		add_bool(form, "when_now", !later && !queue);
		json_object_object_add(form, "account_plan", json_object_new_int64(c->account_id));
		ctx_add_str(form, "run_local", kv_get(&req->form, "run_local"));
	}
	ctx_add_str(form, "zone", page_tz(req));
}

static int render_composer(struct request *req, struct composer *c, const struct post_form *f,
			   const struct post_violations *errors, int status)
{
	struct json_object *ctx = page_context(req, "Post to TikTok"), *form;
	int direct_possible = !!(c->scopes & TT_SCOPE_VIDEO_PUBLISH);
	int inbox_possible = !!(c->scopes & TT_SCOPE_VIDEO_UPLOAD);
	int direct = f->mode ? !strcmp(f->mode, "direct") : direct_possible;
	int can_post, show_form, button_shown, preflight_failures;

	video_context(c, ctx, f, !errors);
	account_context(c, ctx);
	preflight_failures = preflight_context(c, ctx, direct);
	if (errors && errors->n)
		errors_context(ctx, errors);
	add_bool(ctx, "has_errors", errors && errors->n > 0);

	/* Post is offered only when TikTok said the creator can post (direct)
	 * or the account can use the inbox, and the pre-flight passed */
	show_form = c->have_creator || (!direct_possible && inbox_possible);
	button_shown = show_form && !c->cannot_post && !c->problem[0];
	can_post = button_shown && preflight_failures == 0;
	add_bool(ctx, "show_form", show_form);
	add_bool(ctx, "button_shown", button_shown);
	add_bool(ctx, "can_post", can_post);

	form = json_object_new_object();
	ctx_add_str(form, "submission_id", f->submission_id);
	form_caption(c, f, form);
	form_settings(c, f, form, direct);
	form_when(req, c, form);
	if (c->duplicate_job)
		json_object_object_add(ctx, "duplicate_job", json_object_new_int64(c->duplicate_job));
	ctx_add_str(ctx, "music_url", MUSIC_URL);
	ctx_add_str(ctx, "branded_url", BRANDED_URL);
	ctx_add_str(ctx, "disclose_text", POST_RULES_DISCLOSE_TEXT);
	ctx_add_str(ctx, "branded_private_text", POST_RULES_BRANDED_PRIVATE_TEXT);
	json_object_object_add(ctx, "form", form);

	warnings_context(req, c, ctx);
	quota_context(req, c, ctx);
	if (c->tiktok_slow && status == 200) {
		/* the page is complete, but what it is for is not available yet */
		status = 503;
		req_header(req, "Retry-After: 5");
	}
	return render_page(req, status, "composer", ctx);
}

/* Load video, accounts and creator for a request. 0 ready, 1 answered
 * already (404, redirect), -1 error. */
static int prepare(struct request *req, struct composer *c, int64_t wanted_account)
{
	int rc;

	c->video_id = param_id(req, "id");
	if (c->video_id < 0) {
		not_found(req);
		return 1;
	}
	rc = load_video(req, c);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		not_found(req);
		return 1;
	}
	if (choose_account(req, c, wanted_account) < 0)
		return -1;
	if (!c->account) {
		/* connect first; TikTok's redirect brings the user back here */
		char loc[64];
		snprintf(loc, sizeof(loc), "/auth/tiktok/start?video=%lld", (long long)c->video_id);
		redirect(req, 303, loc);
		return 1;
	}
	return fetch_creator(req, c);
}

/* Editing a scheduled job (?job= on GET, job= on POST): the job of the
 * viewer's for this video, still unstarted. With fill, its settings go into
 * f (the GET). 0 and c->edit_job set (or no job asked for: 0, edit_job 0),
 * 1 answered already (404, 409), -1 error. *account = the job's account. */
static int load_edit_job(struct request *req, struct composer *c, struct post_form *f, int fill,
			 int64_t *account)
{
	const char *s = kv_get(&req->query, "job") ? kv_get(&req->query, "job") : kv_get(&req->form, "job");
	int64_t id;
	PGresult *r;

	if (!s)
		return 0;
	if (parse_int64(s, 1, INT64_MAX, &id) < 0)
		return render_error(req, 404, "Post not found", "There is no scheduled post with this number."), 1;
	r = db_query(page_of(req)->db, &q_job_to_edit,
		     DB_PARAMS(DB_INT(id), DB_INT(page_of(req)->user_id), DB_TEXT(page_tz(req))));
	if (!r)
		return -1;
	if (PQntuples(r) != 1 || db_get_int(r, 0, "video_id") != param_id(req, "id")) {
		PQclear(r);
		return render_error(req, 404, "Post not found", "There is no scheduled post with this number."), 1;
	}
	if (!jobs_changeable(db_get_text(r, 0, "state"), db_get_bool(r, 0, "started"),
			     db_get_bool(r, 0, "locked"))) {
		PQclear(r);
		return render_error(req, 409, "This post can no longer be changed",
				    "It has already started (or ended), so its caption and settings stay as "
				    "they were."), 1;
	}
	c->edit_job = id;
	snprintf(c->edit_run_at, sizeof(c->edit_run_at), "%s", db_get_text(r, 0, "run_at_shown"));
	*account = db_get_int(r, 0, "account_id");
	if (fill) {
		struct arena *a = &req->arena;
		f->mode = arena_strdup(a, db_get_text(r, 0, "mode"));
		f->title = arena_strdup(a, db_get_text(r, 0, "title"));
		f->privacy = arena_strdup(a, db_get_text(r, 0, "privacy_level"));
		f->allow_comment = !db_get_bool(r, 0, "disable_comment");
		f->allow_duet = !db_get_bool(r, 0, "disable_duet");
		f->allow_stitch = !db_get_bool(r, 0, "disable_stitch");
		f->brand_organic = db_get_bool(r, 0, "brand_organic");
		f->brand_content = db_get_bool(r, 0, "brand_content");
		f->commercial = f->brand_organic || f->brand_content;
		f->is_aigc = db_get_bool(r, 0, "is_aigc");
		f->cover_ms = arena_strdup(a, db_get_text(r, 0, "cover_ms"));
	}
	PQclear(r);
	return 0;
}

/* The form of an earlier job (from_job=ID): its values in the request
 * arena, its account in *account. 1 when found, 0 when not, -1. */
static int form_from_job(struct request *req, int64_t job_id, struct post_form *f, int64_t *account)
{
	struct page *pg = page_of(req);
	PGresult *r;

	r = db_query(pg->db, &q_from_job, DB_PARAMS(DB_INT(job_id), DB_INT(pg->user_id),
						    DB_INT(param_id(req, "id"))));
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
#define COPY(col) (db_get(r, 0, col) ? arena_strdup(&req->arena, db_get(r, 0, col)) : NULL)
#define FLAG(col) (db_get(r, 0, col) && db_get(r, 0, col)[0] == 't')
	*account = db_get(r, 0, "account_id") ? db_get_int(r, 0, "account_id") : -1;
	f->mode = COPY("mode");
	f->title = COPY("title");
	if (!f->title)
		f->title = "";
	f->privacy = COPY("privacy_level");
	f->cover_ms = COPY("cover_timestamp_ms");
	f->allow_comment = !FLAG("disable_comment");
	f->allow_duet = !FLAG("disable_duet");
	f->allow_stitch = !FLAG("disable_stitch");
	f->brand_organic = FLAG("brand_organic");
	f->brand_content = FLAG("brand_content");
	f->commercial = f->brand_organic || f->brand_content;
	f->is_aigc = FLAG("is_aigc");
#undef COPY
#undef FLAG
	PQclear(r);
	return 1;
}

int page_composer(struct request *req)
{
	struct composer c = { 0 };
	struct post_form f = { 0 };
	int64_t wanted = param_id(req, "account_id"), from_job = param_id(req, "from_job"), job_account = -1;
	char sid[65];
	int rc, from = 0;

	rc = load_edit_job(req, &c, &f, 1, &job_account);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (c.edit_job)
		wanted = job_account;
	else if (from_job > 0) {
		from = form_from_job(req, from_job, &f, &job_account);
		if (from < 0)
			return -1;
		if (from && wanted < 0)
			wanted = job_account;
	}
	rc = prepare(req, &c, wanted);
	if (rc != 0) {
		composer_free(&c);
		return rc < 0 ? -1 : 0;
	}
	/* a fresh one-time id for this form */
	if (crypto_random_hex(sid, 16) < 0) {
		composer_free(&c);
		return -1;
	}
	f.submission_id = sid;
	if (from)
		c.note = "The caption and settings of the earlier post are filled in: check them, then post again.";
	else if (kv_get(&req->query, "connected") && c.account && c.account_id == wanted)
		c.note = arena_printf(&req->arena, "Connected %s: this post goes to it.", json_str(c.account, "name"));
	rc = render_composer(req, &c, &f, NULL, 200);
	composer_free(&c);
	return rc;
}

/* ---- POST: enforce, enqueue ---- */

/* The account chosen in the form (a hidden field), -1 when absent or bad. */
static int64_t form_account(struct request *req)
{
	const char *s = kv_get(&req->form, "account");
	int64_t v;

	return s && parse_int64(s, 1, INT64_MAX, &v) == 0 ? v : -1;
}

static int valid_submission_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 32 && n <= 64 && strspn(s, "0123456789abcdef") == n;
}

/* When this submission already made a job: 1 and the 303 sent (or a 409
 * for another user's id), 0 when not, -1 on error. */
static int existing_submission(struct request *req, const char *submission_id)
{
	struct page *pg = page_of(req);
	PGresult *r = db_query(pg->db, &q_job_by_submission, DB_PARAMS(DB_TEXT(submission_id)));
	char loc[48];

	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	if (db_get_int(r, 0, "user_id") != pg->user_id) {
		PQclear(r);
		render_error(req, 409, "This form was already used",
			     "Reload the composer and submit it again.");
		return 1;
	}
	snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)db_get_int(r, 0, "id"));
	PQclear(r);
	log_info("event=composer_resubmit job_id=%s", loc + 6);
	redirect(req, 303, loc);
	return 1;
}

/* The first event's words: what the user asked for. */
static void queued_message(struct composer *c, const struct post_decision *d, struct buf *out)
{
	const char *who = c->have_creator ? c->creator.nickname : json_str(c->account, "name");

	if (d->post.direct)
		buf_printf(out, "Queued: direct post to %s, visible to \"%s\".", who ? who : "the account",
			   tiktok_privacy_label(d->post.privacy_level));
	else
		buf_printf(out, "Queued: send to the TikTok inbox of %s as a draft.", who ? who : "the account");
	if (d->forced_comment || d->forced_duet || d->forced_stitch) {
		const char *names[3];
		int n = 0;

		if (d->forced_comment)
			names[n++] = "Comments";
		if (d->forced_duet)
			names[n++] = "Duet";
		if (d->forced_stitch)
			names[n++] = "Stitch";
		buf_putc(out, ' ');
		for (int i = 0; i < n; i++)
			buf_printf(out, "%s%s", i == 0 ? "" : i == n - 1 ? " and " : ", ", names[i]);
		buf_printf(out, " %s off: the creator turned %s off in TikTok.", n > 1 ? "stay" : "stays",
			   n > 1 ? "them" : "it");
	}
}

/* The job and its first event (lib/jobs.h). 0 and *job_id; JOBS_TAKEN
 * when the submission id was used meanwhile (a parallel double submit); -1. */
static int enqueue(struct request *req, struct composer *c, const struct post_decision *d,
		   const char *run_at, const char *run_at_shown, int64_t *job_id)
{
	struct buf msg = BUF_INIT;
	struct job_new n = {
		.submission_id = kv_get(&req->form, "submission_id"), .user_id = page_of(req)->user_id,
		.video_id = c->video_id, .account_id = c->account_id, .post = d->post,
		.bytes_total = c->file_size, .run_at = run_at, .repost = checked(req, "post_again"),
		.platform = c->pf->name,
		/* this site's setting decides, once: the job keeps it (sql/050) */
		.source = config_source_name(app.cfg.tiktok_source),
	};
	char sha[65];
	int rc;

	/* the duplicate guard works on the content hash: a video imported
	 * before there were hashes gets its own now */
	if (library_video_hash(page_of(req)->db, c->video_id, c->file_size >= 0 ? c->file_path : NULL, sha) < 0)
		return -1;
	if (run_at)
		buf_printf(&msg, "Scheduled for %s. ", run_at_shown);
	queued_message(c, d, &msg);
	n.message = buf_cstr(&msg);
	rc = jobs_enqueue(page_of(req)->db, &n, job_id);
	buf_free(&msg);
	return rc;
}

/* Browsers send a textarea's line breaks as CRLF; the counter in the page
 * (and TikTok's app) count one unit per line break, so store LF. */
static const char *normalise_newlines(struct request *req, const char *s)
{
	char *out, *o;

	if (!s || !strchr(s, '\r'))
		return s;
	out = o = arena_alloc(&req->arena, strlen(s) + 1);
	for (; *s; s++) {
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

/* Add one refusal (the caller left room for it). */
static void add_refusal(struct post_violations *v, const char *field, const char *text)
{
	v->v[v->n].field = field;
	snprintf(v->v[v->n].text, sizeof(v->v[0].text), "%s", text);
	v->n++;
}

/* When the post goes: "later" at the viewer's time, or "queue" in the
 * account's next free slot; *instant (and *shown) are filled, or a
 * refusal is added. -1 on a database failure. */
static int submit_when(struct request *req, const struct composer *c, const struct post_decision *d,
		       int later, int queue, struct post_violations *errors, char instant[40],
		       char shown[64])
{
	int rc;

	if (later && !c->edit_job && errors->n < POST_RULES_MAX) {
		/* the time, in the viewer's zone, as an instant computed in PostgreSQL */
		rc = jobs_schedule_instant(page_of(req)->db, kv_get(&req->form, "run_local"), page_tz(req),
					   instant, shown);
		if (rc < 0)
			return -1;
		if (rc > 0)
			add_refusal(errors, "run_at", jobs_refusal_text(rc));
	}
	if (queue && !c->edit_job && errors->n < POST_RULES_MAX) {
		/* "Add to queue": the account's next free slot, inside its caps (lib/plan.h) */
		int64_t at;
		const char *why;

		rc = acctplan_next_slot(page_of(req)->db, c->account_id, d->post.direct, page_tz(req), &at,
					shown, &why);
		if (rc < 0)
			return -1;
		if (rc > 0)
			add_refusal(errors, "run_at", why ? why : "This account has no free posting slot.");
		else
			time_iso_utc(at, instant);
	}
	return 0;
}

/* TikTok's failure, said once and precisely, in place of the rules'
 * general "could not be read". */
static void account_problem(const struct composer *c, struct post_violations *errors)
{
	int k;

	if (!c->problem[0])
		return;
	for (k = 0; k < errors->n && strcmp(errors->v[k].field, "account") != 0; k++)
		;
	if (k == errors->n && errors->n < POST_RULES_MAX)
		errors->v[errors->n++].field = "account";
	if (k < errors->n)
		snprintf(errors->v[k].text, sizeof(errors->v[0].text), "%s", c->problem);
}

/* A scheduled post changed in place; frees c. */
static int submit_edit(struct request *req, struct composer *c, const struct post_decision *d)
{
	const char *why = NULL;
	int64_t id = c->edit_job;
	char loc[48];
	int rc;

	rc = jobs_edit(page_of(req)->db, id, page_of(req)->user_id, &d->post, page_of(req)->user_name,
		       &why);
	composer_free(c);
	if (rc == JOBS_REFUSED)
		return render_error(req, 409, "This post can no longer be changed", why);
	if (rc != 0)
		return rc == JOBS_NOT_FOUND ? not_found(req) : -1;
	snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)id);
	redirect(req, 303, loc);
	return 0;
}

/* The composer again, with one refusal. */
static int refuse_one(struct request *req, struct composer *c, const struct post_form *f,
		      const char *field, const char *text, int status)
{
	struct post_violations errors = { 0 };

	add_refusal(&errors, field, text);
	return render_composer(req, c, f, &errors, status);
}

/* A new job; frees c. */
static int submit_new(struct request *req, struct composer *c, const struct post_form *f,
		      const struct post_decision *d, const char *run_at, const char *shown, int later)
{
	int64_t job_id = 0;
	char loc[48];
	int rc = enqueue(req, c, d, run_at, shown, &job_id);

	if (rc == JOBS_PAST || rc == JOBS_TOO_FAR) {
		/* the time passed between the check and the insert: nothing was written */
		rc = refuse_one(req, c, f, "run_at", jobs_refusal_text(rc), 422);
	} else if (rc == JOBS_DUPLICATE) {
		/* another tab or click queued this content for this account already */
		log_info("event=composer_duplicate video_id=%lld account_id=%lld existing_job_id=%lld",
			 (long long)c->video_id, (long long)c->account_id, (long long)job_id);
		c->duplicate_job = job_id;
		rc = refuse_one(req, c, f, "post_again", jobs_refusal_text(rc), 409);
	} else if (rc == JOBS_TAKEN) {
		/* the same form, submitted twice at once: the other request won */
		composer_free(c);
		rc = existing_submission(req, f->submission_id);
		return rc == 1 ? 0 : -1;
	} else if (rc < 0) {
		rc = -1;
	} else {
		log_info("event=job_queued job_id=%lld video_id=%lld account_id=%lld mode=%s scheduled=%d",
			 (long long)job_id, (long long)c->video_id, (long long)c->account_id,
			 POST_MODE(&d->post), later);
		snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)job_id);
		redirect(req, 303, loc);
		rc = 0;
	}
	composer_free(c);
	return rc;
}

int page_composer_submit(struct request *req)
{
	struct composer c = { 0 };
	struct post_form f = { 0 };
	struct post_decision d;
	struct post_violations errors = { 0 };
	int64_t account = -1;
	char instant[40] = "", shown[64] = "";
	const char *when = kv_get(&req->form, "when");
	int later = when && !strcmp(when, "later");
	int queue = when && !strcmp(when, "queue");
	int rc;

	form_from_request(req, &f);
	f.title = normalise_newlines(req, f.title);
	if (!valid_submission_id(f.submission_id)) {
		return render_error(req, 400, "This form is incomplete",
				    "The form did not carry its one-time id. Reload the composer and try again.");
	}
	rc = existing_submission(req, f.submission_id);
	if (rc != 0)
		return rc < 0 ? -1 : 0;

	rc = load_edit_job(req, &c, &f, 0, &account);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (c.edit_job && account != form_account(req)) {
		return render_error(req, 400, "This form is incomplete",
				    "A scheduled post stays with its account. Reload the page and try again.");
	}
	rc = prepare(req, &c, form_account(req));
	if (rc != 0) {
		composer_free(&c);
		return rc < 0 ? -1 : 0;
	}
	if (ctx_int(c.account, "id") != form_account(req))
		add_refusal(&errors, "account", "Choose one of your connected TikTok accounts to post to.");

	if (c.pf)
		c.pf->validate(&f, &c.facts, &d, &errors);
	if (submit_when(req, &c, &d, later, queue, &errors, instant, shown) < 0) {
		composer_free(&c);
		return -1;
	}
	account_problem(&c, &errors);
	if (errors.n) {
		log_info("event=composer_refused video_id=%lld account_id=%lld problems=%d first=%s",
			 (long long)c.video_id, (long long)c.account_id, errors.n, log_quote(errors.v[0].field));
		rc = render_composer(req, &c, &f, &errors, 422);
		composer_free(&c);
		return rc;
	}
	if (c.edit_job)
		return submit_edit(req, &c, &d);
	return submit_new(req, &c, &f, &d, (later || queue) ? instant : NULL, shown, later);
}
