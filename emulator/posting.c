/* posting.c — Content Posting API (tiktok-api.md §2): creator_info,
 * Direct Post init, inbox (draft) init, status fetch, cancel. */
#include "emu.h"
#include "crypto.h"
#include "log.h"
#include "rules.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define TITLE_MAX_UTF16 2200

int utf16_length(const char *s, size_t n)
{
	int units = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 || (c >= 0xC0 && c < 0xF0))
			units += 1;             /* ASCII, or the lead byte of a BMP code point */
		else if (c >= 0xF0 && c < 0xF8)
			units += 2;             /* non-BMP: a surrogate pair in UTF-16 */
		else if (c >= 0xF8)
			return -1;
		/* 0x80..0xBF: continuation bytes add nothing */
	}
	return units;
}

static int64_t rate_limit_of(int kind)
{
	switch (kind) {
	case RL_INIT: return G.rt.rate_init;
	case RL_STATUS: return G.rt.rate_status;
	case RL_VIDEO_QUERY:
	case RL_VIDEO_LIST: return G.rt.rate_video;   /* each endpoint its own window */
	default: return G.rt.rate_creator_info;
	}
}

int rate_limited(struct request *req, const struct token *tok, int kind)
{
	int64_t limit;
	int ok;

	pthread_mutex_lock(&G.mu);
	limit = rate_limit_of(kind);
	ok = rate_allow(tok->value, kind, limit, G.rt.rate_window_sec);
	pthread_mutex_unlock(&G.mu);
	if (ok)
		return 0;
	violation(req, "rate_limit_exceeded", "more than %lld calls in %lld s for one token",
		  (long long)limit, (long long)G.rt.rate_window_sec);
	reply_envelope(req, 429, NULL, "rate_limit_exceeded",
		       "The API rate limit was exceeded. Please try again later.");
	return -1;
}

/* In the last 24 h of the emulator's clock (G.mu held): inbox == 0, the
 * creator's direct posts that did not fail, those made by other tools
 * included (TikTok's cap is shared); inbox == 1, the drafts still pending
 * (not failed, not yet posted by the user). */
static int64_t posts_today(const char *open_id, int inbox)
{
	int64_t n = 0, since = emu_now() - 86400;

	for (size_t i = 0; i < G.posts.n; i++) {
		const struct post *p = G.posts.v[i];
		if (p->inbox == inbox && p->created > since && !strcmp(p->open_id, open_id) &&
		    strcmp(p->status, "FAILED") != 0 && !(inbox && !strcmp(p->status, "PUBLISH_COMPLETE")))
			n++;
	}
	return n;
}

/* A refusal that the client could have avoided: creator_info reports the
 * daily cap (HTTP 200, spam_risk_too_many_posts) and the guidelines ask for
 * it right before init; the pending drafts are the client's own count. So
 * hitting either at init is recorded as a violation as well as answered. */
static void refuse_cap(struct request *req, const char *code, const char *msg, int64_t have, int64_t cap)
{
	violation(req, code, "%lld in the last 24 h; the limit is %lld", (long long)have, (long long)cap);
	reply_envelope(req, 403, NULL, code, "%s", msg);
}

/* Copy the creator's profile (G.mu not held). 0 or -1 when gone. */
static int creator(const char *open_id, struct profile *out)
{
	const struct profile *p;

	pthread_mutex_lock(&G.mu);
	p = profile_find(open_id);
	if (p)
		*out = *p;
	pthread_mutex_unlock(&G.mu);
	return p ? 0 : -1;
}

/* The options creator_info shows: in unaudited mode only SELF_ONLY (as
 * observed in practice, tiktok-api.md §2.1). */
static int privacy_options(const struct profile *p, int unaudited, const char **out)
{
	if (unaudited) {
		out[0] = "SELF_ONLY";
		return 1;
	}
	for (int i = 0; i < p->n_privacy; i++)
		out[i] = p->privacy[i];
	return p->n_privacy;
}

/* POST /v2/post/publish/creator_info/query/ */
int handle_creator_info(struct request *req)
{
	struct token tok;
	struct profile p;
	struct json_object *body, *data, *opts;
	const char *levels[EMU_MAX_PRIVACY];
	char url[512];
	int64_t today, unaudited;
	int n;

	if (bearer_auth(req, "video.publish", NULL, &tok) < 0)
		return 0;
	if (!(body = read_json_body(req, 1)))
		return 0;
	json_object_put(body);
	if (rate_limited(req, &tok, RL_CREATOR_INFO) < 0)
		return 0;
	if (creator(tok.open_id, &p) < 0) {
		reply_envelope(req, 401, NULL, "access_token_invalid", "The account no longer exists.");
		return 0;
	}
	pthread_mutex_lock(&G.mu);
	today = posts_today(p.open_id, 0);
	unaudited = G.rt.unaudited;
	pthread_mutex_unlock(&G.mu);
	/* "cannot post now" is an HTTP 200 with an error code, on purpose */
	if (p.banned) {
		reply_envelope(req, 200, NULL, "spam_risk_user_banned_from_posting",
			       "The user is banned from making new posts.");
		return 0;
	}
	if (today >= p.daily_post_cap) {
		reply_envelope(req, 200, NULL, "spam_risk_too_many_posts",
			       "The user has reached the daily post limit.");
		return 0;
	}
	data = json_object_new_object();
	avatar_url(&p, "", url, sizeof(url));
	json_object_object_add(data, "creator_avatar_url", json_object_new_string(url));
	json_object_object_add(data, "creator_username", json_object_new_string(p.username));
	json_object_object_add(data, "creator_nickname", json_object_new_string(p.display_name));
	opts = json_object_new_array();
	n = privacy_options(&p, (int)unaudited, levels);
	for (int i = 0; i < n; i++)
		json_object_array_add(opts, json_object_new_string(levels[i]));
	json_object_object_add(data, "privacy_level_options", opts);
	json_object_object_add(data, "comment_disabled", json_object_new_boolean(p.comment_disabled));
	json_object_object_add(data, "duet_disabled", json_object_new_boolean(p.duet_disabled));
	json_object_object_add(data, "stitch_disabled", json_object_new_boolean(p.stitch_disabled));
	json_object_object_add(data, "max_video_post_duration_sec", json_object_new_int64(p.max_duration_sec));
	reply_envelope(req, 200, data, "ok", "%s", "");
	return 0;
}

/* ---- init ---- */

struct source {
	int64_t size, chunk, count;   /* FILE_UPLOAD */
	const char *video_url;        /* PULL_FROM_URL (inside the request's JSON) */
};

static int invalid(struct request *req, const char *kind, const char *msg, const char *detail)
{
	violation(req, kind, "%s", detail ? detail : msg);
	reply_envelope(req, 400, NULL, "invalid_params", "%s", msg);
	return -1;
}

static int get_int(struct json_object *o, const char *k, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

/* PULL_FROM_URL: video_url must be https (http only to loopback, when
 * allowed) and under a verified domain or URL prefix (rules.h). */
static int parse_pull(struct request *req, struct json_object *si, struct source *s)
{
	struct json_object *v;
	char why[TT_WHY_LEN], prefixes[sizeof(G.rt.verified_prefixes)], domains[sizeof(G.rt.verified_domains)];
	int loopback_http;
	enum tt_url_verdict verdict;

	if (!json_object_object_get_ex(si, "video_url", &v) || !json_object_is_type(v, json_type_string))
		return invalid(req, "invalid_video_url", "source_info.video_url is required for PULL_FROM_URL", NULL);
	s->video_url = json_object_get_string(v);
	pthread_mutex_lock(&G.mu);
	snprintf(prefixes, sizeof(prefixes), "%s", G.rt.verified_prefixes);
	snprintf(domains, sizeof(domains), "%s", G.rt.verified_domains);
	loopback_http = (int)G.rt.pull_allow_http_loopback;
	pthread_mutex_unlock(&G.mu);
	verdict = tt_pull_url_check(s->video_url, prefixes, domains, loopback_http, why);
	if (verdict == TT_URL_MALFORMED)
		return invalid(req, "invalid_video_url", "The video_url is invalid.", why);
	if (verdict == TT_URL_UNVERIFIED) {
		/* the client must use its verified URL properties */
		violation(req, "url_ownership_unverified", "%s", why);
		reply_envelope(req, 403, NULL, "url_ownership_unverified",
			       "The URL ownership of video_url is not verified.");
		return -1;
	}
	return 0;
}

/* source_info: FILE_UPLOAD with TikTok's chunk rules (rules.h). */
static int parse_source(struct request *req, struct json_object *body, struct source *s)
{
	struct json_object *si, *src;
	const char *source;
	char why[TT_WHY_LEN];

	if (!json_object_object_get_ex(body, "source_info", &si) || !json_object_is_type(si, json_type_object))
		return invalid(req, "invalid_params", "source_info is required", NULL);
	if (!json_object_object_get_ex(si, "source", &src) || !json_object_is_type(src, json_type_string))
		return invalid(req, "invalid_params", "source_info.source is required", NULL);
	source = json_object_get_string(src);
	memset(s, 0, sizeof(*s));
	if (!strcmp(source, "PULL_FROM_URL"))
		return parse_pull(req, si, s);
	if (strcmp(source, "FILE_UPLOAD") != 0)
		return invalid(req, "invalid_params", "source_info.source must be FILE_UPLOAD or PULL_FROM_URL", NULL);
	if (get_int(si, "video_size", &s->size) < 0 || get_int(si, "chunk_size", &s->chunk) < 0 ||
	    get_int(si, "total_chunk_count", &s->count) < 0)
		return invalid(req, "invalid_chunk_plan", "The chunk size is invalid",
			       "video_size, chunk_size and total_chunk_count must be integers");
	if (tt_chunk_plan_check(s->size, s->chunk, s->count, why) < 0)
		return invalid(req, "invalid_chunk_plan", "The chunk size is invalid", why);
	return 0;
}

struct postinfo {
	const char *title;
	const char *privacy;
	int disable_comment, disable_duet, disable_stitch;
	int brand_content, brand_organic, is_aigc;
	int64_t cover_ms;
};

/* An optional boolean: absent → def; present but not a boolean → -1. */
static int get_bool(struct json_object *o, const char *k, int def, int *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v)) {
		*out = def;
		return 0;
	}
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

static int parse_post_info(struct request *req, struct json_object *body, struct postinfo *pi)
{
	struct json_object *o, *v;
	int len;

	memset(pi, 0, sizeof(*pi));
	pi->cover_ms = -1;
	if (!json_object_object_get_ex(body, "post_info", &o) || !json_object_is_type(o, json_type_object))
		return invalid(req, "invalid_params", "post_info is required", NULL);
	if (json_object_object_get_ex(o, "title", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return invalid(req, "invalid_params", "post_info.title must be a string", NULL);
		pi->title = json_object_get_string(v);
		len = utf16_length(pi->title, (size_t)json_object_get_string_len(v));
		if (len < 0 || len > TITLE_MAX_UTF16) {
			char d[96];
			snprintf(d, sizeof(d), "title is %d UTF-16 units; the limit is %d", len, TITLE_MAX_UTF16);
			return invalid(req, "title_too_long", "The title is longer than 2200 characters", d);
		}
	}
	if (json_object_object_get_ex(o, "privacy_level", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return invalid(req, "invalid_params", "post_info.privacy_level must be a string", NULL);
		pi->privacy = json_object_get_string(v);
	}
	/* brand_content_toggle is marked required in the docs */
	if (!json_object_object_get_ex(o, "brand_content_toggle", &v))
		return invalid(req, "invalid_params", "post_info.brand_content_toggle is required", NULL);
	if (get_bool(o, "disable_comment", 0, &pi->disable_comment) < 0 ||
	    get_bool(o, "disable_duet", 0, &pi->disable_duet) < 0 ||
	    get_bool(o, "disable_stitch", 0, &pi->disable_stitch) < 0 ||
	    get_bool(o, "brand_content_toggle", 0, &pi->brand_content) < 0 ||
	    get_bool(o, "brand_organic_toggle", 0, &pi->brand_organic) < 0 ||
	    get_bool(o, "is_aigc", 0, &pi->is_aigc) < 0)
		return invalid(req, "invalid_params", "post_info flags must be booleans", NULL);
	if (json_object_object_get_ex(o, "video_cover_timestamp_ms", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return invalid(req, "invalid_params", "video_cover_timestamp_ms must be an integer", NULL);
		pi->cover_ms = json_object_get_int64(v);
	}
	return 0;
}

static void new_ids(struct post *p, const char *prefix)
{
	char digits[24];
	unsigned char r[8];
	uint64_t v;

	crypto_random(r, sizeof(r));
	memcpy(&v, r, sizeof(v));
	snprintf(digits, sizeof(digits), "7%018llu", (unsigned long long)(v % 1000000000000000000ULL));
	snprintf(p->publish_id, sizeof(p->publish_id), "%s~v2-1.%s", prefix, digits);
	crypto_random_hex(p->upload_id, 16);
	crypto_random_hex(p->upload_token, 16);
}

/* Create the post and answer {publish_id, upload_url}. */
static void create_post(struct request *req, const struct token *tok, const struct profile *prof,
			int inbox, const struct source *s, const struct postinfo *pi)
{
	struct post *p = xcalloc(1, sizeof(*p));
	struct json_object *data = json_object_new_object();
	char url[512];

	p->pull = s->video_url != NULL;
	if (p->pull)
		new_ids(p, inbox ? "v_inbox_url" : "v_pub_url");
	else
		new_ids(p, inbox ? "v_inbox_file" : "v_pub_file");
	p->video_url = s->video_url ? xstrdup(s->video_url) : NULL;
	snprintf(p->open_id, sizeof(p->open_id), "%s", tok->open_id);
	p->inbox = inbox;
	p->video_size = s->size;
	p->chunk_size = s->chunk;
	p->chunk_count = s->count;
	p->sha = EVP_MD_CTX_new();
	EVP_DigestInit_ex(p->sha, EVP_sha256(), NULL);
	p->title = xstrdup(pi && pi->title ? pi->title : "");
	if (pi) {
		snprintf(p->privacy, sizeof(p->privacy), "%s", pi->privacy ? pi->privacy : "");
		/* TikTok forces these on when the creator has them disabled */
		p->disable_comment = pi->disable_comment || prof->comment_disabled;
		p->disable_duet = pi->disable_duet || prof->duet_disabled;
		p->disable_stitch = pi->disable_stitch || prof->stitch_disabled;
		p->brand_content = pi->brand_content;
		p->brand_organic = pi->brand_organic;
		p->is_aigc = pi->is_aigc;
		p->cover_ms = pi->cover_ms;
	}
	snprintf(p->status, sizeof(p->status), p->pull ? "PROCESSING_DOWNLOAD" : "PROCESSING_UPLOAD");
	p->created = emu_now();
	if (G.cfg->data_dir && *G.cfg->data_dir) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s.bin", G.cfg->data_dir, p->upload_id);
		p->data_path = xstrdup(path);
	}
	pthread_mutex_lock(&G.mu);
	p->upload_expires = emu_now() + G.rt.upload_url_ttl_sec;
	snprintf(p->planned_failure, sizeof(p->planned_failure), "%s",
		 G.rt.fail_reason[0] ? G.rt.fail_reason : prof->fail_reason);
	VEC_PUSH(G.posts, p);
	if (p->pull)
		p->refs++;   /* the download's, taken before a reset can free it */
	pthread_mutex_unlock(&G.mu);
	json_object_object_add(data, "publish_id", json_object_new_string(p->publish_id));
	if (p->pull) {
		/* no upload step: TikTok fetches the URL itself */
		log_info("event=post_init publish_id=%s open_id=%s source=PULL_FROM_URL", log_quote(p->publish_id),
			 tok->open_id);
		reply_envelope(req, 200, data, "ok", "%s", "");
		pull_start(p);
		return;
	}
	snprintf(url, sizeof(url), "%s/upload/%s?upload_token=%s", G.cfg->public_base_url, p->upload_id,
		 p->upload_token);
	json_object_object_add(data, "upload_url", json_object_new_string(url));
	log_info("event=post_init publish_id=%s open_id=%s size=%lld chunk=%lld count=%lld",
		 log_quote(p->publish_id), tok->open_id, (long long)s->size, (long long)s->chunk,
		 (long long)s->count);
	reply_envelope(req, 200, data, "ok", "%s", "");
}

static int privacy_allowed(const struct profile *p, int unaudited, const char *level)
{
	const char *opts[EMU_MAX_PRIVACY];
	int n = privacy_options(p, unaudited, opts);

	for (int i = 0; level && i < n; i++)
		if (!strcmp(opts[i], level))
			return 1;
	return 0;
}

/* POST /v2/post/publish/video/init/ */
int handle_video_init(struct request *req)
{
	struct token tok;
	struct profile prof;
	struct json_object *body;
	struct source s;
	struct postinfo pi;
	int64_t today, unaudited;

	if (bearer_auth(req, "video.publish", NULL, &tok) < 0)
		return 0;
	if (!(body = read_json_body(req, 0)))
		return 0;
	if (rate_limited(req, &tok, RL_INIT) < 0 || parse_post_info(req, body, &pi) < 0 ||
	    parse_source(req, body, &s) < 0)
		goto out;
	if (creator(tok.open_id, &prof) < 0) {
		reply_envelope(req, 401, NULL, "access_token_invalid", "The account no longer exists.");
		goto out;
	}
	pthread_mutex_lock(&G.mu);
	today = posts_today(prof.open_id, 0);
	unaudited = G.rt.unaudited;
	pthread_mutex_unlock(&G.mu);
	if (prof.banned) {
		reply_envelope(req, 403, NULL, "spam_risk_user_banned_from_posting",
			       "The user is banned from making new posts.");
		goto out;
	}
	if (today >= prof.daily_post_cap) {
		refuse_cap(req, "spam_risk_too_many_posts", "The user has reached the daily post limit.", today,
			   prof.daily_post_cap);
		goto out;
	}
	/* the account must be private while the app is unaudited, whatever
	 * the post's own privacy */
	if (unaudited && !prof.is_private) {
		reply_envelope(req, 403, NULL, "unaudited_client_can_only_post_to_private_accounts",
			       "Unaudited clients can only post to private accounts.");
		goto out;
	}
	if (!privacy_allowed(&prof, (int)unaudited, pi.privacy)) {
		violation(req, "privacy_level_option_mismatch", "privacy_level %s is not among the creator's options",
			  pi.privacy ? pi.privacy : "(missing)");
		reply_envelope(req, 403, NULL, "privacy_level_option_mismatch",
			       "The privacy_level is not one of the creator's privacy_level_options.");
		goto out;
	}
	/* Branded content cannot be private (guidelines 3b). TikTok's code for
	 * it is undocumented; the emulator answers invalid_params. */
	if (pi.brand_content && !strcmp(pi.privacy, "SELF_ONLY")) {
		invalid(req, "branded_content_private", "Branded content visibility cannot be set to private.",
			NULL);
		goto out;
	}
	if ((prof.duet_disabled && !pi.disable_duet) || (prof.stitch_disabled && !pi.disable_stitch) ||
	    (prof.comment_disabled && !pi.disable_comment))
		notice(req, "interaction_forced", "the creator has comment/duet/stitch disabled but the "
		       "post asks to allow it; TikTok forces it off");
	create_post(req, &tok, &prof, 0, &s, &pi);
out:
	json_object_put(body);
	return 0;
}

/* POST /v2/post/publish/inbox/video/init/ — source_info only. */
int handle_inbox_init(struct request *req)
{
	struct token tok;
	struct profile prof;
	struct json_object *body, *o, *v;
	struct source s;
	struct postinfo pi;
	int64_t pending, max_pending;

	if (bearer_auth(req, "video.upload", NULL, &tok) < 0)
		return 0;
	if (!(body = read_json_body(req, 0)))
		return 0;
	if (rate_limited(req, &tok, RL_INIT) < 0 || parse_source(req, body, &s) < 0)
		goto out;
	memset(&pi, 0, sizeof(pi));
	pi.cover_ms = -1;
	if (json_object_object_get_ex(body, "post_info", &o)) {
		/* the docs give the inbox endpoint no post_info; keep a title
		 * for inspection, drop the rest, as TikTok seems to */
		notice(req, "inbox_post_info_ignored", "post_info is not part of the inbox init");
		if (json_object_object_get_ex(o, "title", &v) && json_object_is_type(v, json_type_string))
			pi.title = json_object_get_string(v);
	}
	if (creator(tok.open_id, &prof) < 0) {
		reply_envelope(req, 401, NULL, "access_token_invalid", "The account no longer exists.");
		goto out;
	}
	if (prof.banned) {
		reply_envelope(req, 403, NULL, "spam_risk_user_banned_from_posting",
			       "The user is banned from making new posts.");
		goto out;
	}
	pthread_mutex_lock(&G.mu);
	pending = posts_today(prof.open_id, 1);
	max_pending = G.rt.max_pending_inbox;
	pthread_mutex_unlock(&G.mu);
	if (pending >= max_pending) {
		refuse_cap(req, "spam_risk_too_many_pending_share", "The user has too many pending inbox shares.",
			   pending, max_pending);
		goto out;
	}
	/* no interaction settings in an inbox draft */
	prof.comment_disabled = prof.duet_disabled = prof.stitch_disabled = 0;
	create_post(req, &tok, &prof, 1, &s, &pi);
out:
	json_object_put(body);
	return 0;
}

/* count direct posts "made by another tool" for open_id now (G.mu held):
 * they count toward the daily cap like the client's own. */
void posts_elsewhere_locked(const char *open_id, int count)
{
	for (int i = 0; i < count; i++) {
		struct post *p = xcalloc(1, sizeof(*p));
		new_ids(p, "v_pub_url");
		snprintf(p->open_id, sizeof(p->open_id), "%s", open_id);
		p->elsewhere = 1;
		p->title = xstrdup("");
		snprintf(p->privacy, sizeof(p->privacy), "PUBLIC_TO_EVERYONE");
		snprintf(p->status, sizeof(p->status), "PUBLISH_COMPLETE");
		p->created = emu_now();
		p->complete_ms = emu_now_ms();
		p->wants_id = 1;
		post_id_arrive_locked(p);
		VEC_PUSH(G.posts, p);
	}
}

/* Look up publish_id for tok (G.mu held); replies and returns NULL on error. */
static struct post *owned_post(struct request *req, const struct token *tok, const char *publish_id)
{
	struct post *p = publish_id ? post_find(publish_id) : NULL;

	if (!p) {
		reply_envelope(req, 400, NULL, "invalid_publish_id", "The publish_id does not exist.");
		return NULL;
	}
	if (strcmp(p->open_id, tok->open_id) != 0) {
		reply_envelope(req, 400, NULL, "token_not_authorized_for_specified_publish_id",
			       "The token is not authorized for this publish_id.");
		return NULL;
	}
	return p;
}

static const char *body_publish_id(struct json_object *body)
{
	struct json_object *v;

	if (json_object_object_get_ex(body, "publish_id", &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* POST /v2/post/publish/status/fetch/ */
int handle_status_fetch(struct request *req)
{
	struct token tok;
	struct json_object *body, *data, *ids;
	struct post *p;

	if (bearer_auth(req, "video.upload", "video.publish", &tok) < 0)
		return 0;
	if (!(body = read_json_body(req, 0)))
		return 0;
	if (rate_limited(req, &tok, RL_STATUS) < 0)
		goto out;
	pthread_mutex_lock(&G.mu);
	posts_tick();
	p = owned_post(req, &tok, body_publish_id(body));
	if (p) {
		data = json_object_new_object();
		json_object_object_add(data, "status", json_object_new_string(p->status));
		if (!strcmp(p->status, "FAILED"))
			json_object_object_add(data, "fail_reason", json_object_new_string(p->fail_reason));
		ids = json_object_new_array();
		/* int64 in the JSON, never a double: 19 digits do not fit one */
		if (p->post_id[0])
			json_object_array_add(ids, json_object_new_int64(strtoll(p->post_id, NULL, 10)));
		json_object_object_add(data, "publicaly_available_post_id", ids);
		if (p->pull)
			json_object_object_add(data, "downloaded_bytes", json_object_new_int64(p->downloaded));
		else
			json_object_object_add(data, "uploaded_bytes", json_object_new_int64(p->received));
		post_polled_locked(p);
		pthread_mutex_unlock(&G.mu);
		reply_envelope(req, 200, data, "ok", "%s", "");
	} else {
		pthread_mutex_unlock(&G.mu);
	}
out:
	json_object_put(body);
	return 0;
}

/* POST /v2/post/publish/cancel/ — best effort, and only for a
 * PULL_FROM_URL download still running: it fails with publish_cancelled
 * (status and webhook). Anything else is publish_not_cancellable. */
int handle_cancel(struct request *req)
{
	struct token tok;
	struct json_object *body;
	struct post *p;
	int cancelled = 0;

	if (bearer_auth(req, "video.upload", "video.publish", &tok) < 0)
		return 0;
	if (!(body = read_json_body(req, 0)))
		return 0;
	pthread_mutex_lock(&G.mu);
	posts_tick();
	p = owned_post(req, &tok, body_publish_id(body));
	if (p && p->pull && !strcmp(p->status, "PROCESSING_DOWNLOAD") && p->process_due == 0) {
		/* the download thread sees the status and stops */
		post_fail_locked(p, "publish_cancelled");
		cancelled = 1;
	}
	pthread_mutex_unlock(&G.mu);
	if (cancelled)
		reply_envelope(req, 200, NULL, "ok", "%s", "");
	else if (p)
		reply_envelope(req, 400, NULL, "publish_not_cancellable",
			       "Only an ongoing PULL_FROM_URL download can be cancelled.");
	json_object_put(body);
	return 0;
}
