/* display.c — the Display API (tiktok-api.md §2.10, scope video.list):
 * POST /v2/video/query/ and POST /v2/video/list/ over the creator's public
 * posts, with view/like/comment/share counts that grow with each post's
 * age on the emulator's clock. 600 requests a minute per endpoint and token
 * (rate_video_per_min; the brief leaves the dimension open, the emulator
 * picks the token, like the other per-minute limits). */
#include "emu.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX_IDS 20
#define LIST_MAX_COUNT 20

int video_listed(const struct post *p)
{
	return p->post_id[0] && !p->removed_ms && !strcmp(p->status, "PUBLISH_COMPLETE");
}

/* Rates per hour of age, drawn from the id's digits: a popular clip and a
 * quiet one side by side, reproducible from the state alone. README gives
 * the formula. */
void video_counts_at(const struct post *p, int64_t at_ms, struct video_counts *out)
{
	uint64_t seed = strtoull(p->post_id, NULL, 10) % 1000003ULL;
	int64_t age_ms = at_ms > p->published_ms ? at_ms - p->published_ms : 0;
	int64_t views_per_hour = 60 + (int64_t)(seed % 541);

	out->view = age_ms * views_per_hour / 3600000;
	out->like = out->view * (4 + (int64_t)(seed % 9)) / 100;
	out->comment = out->like * (3 + (int64_t)(seed % 5)) / 100;
	out->share = out->like * (1 + (int64_t)(seed % 4)) / 100;
}

static const char *const known_fields[] = {
	"id", "create_time", "cover_image_url", "share_url", "video_description", "duration", "height",
	"width", "title", "embed_html", "embed_link", "like_count", "comment_count", "share_count",
	"view_count",
};

static int field_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(known_fields); i++)
		if (!strcmp(known_fields[i], name))
			return 1;
	return 0;
}

/* ?fields= is required and every name must be a Display API field. 0, or
 * replies 400 and returns -1. */
static int check_fields(struct request *req, const char *fields)
{
	if (!fields || !*fields) {
		violation(req, "missing_parameter", "%s without fields", req->path);
		reply_envelope(req, 400, NULL, "invalid_params", "fields is required");
		return -1;
	}
	for (const char *s = fields; s && *s;) {
		const char *e = strchr(s, ',');
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
		if (!field_known(name)) {
			violation(req, "unknown_field", "video field %s", name);
			reply_envelope(req, 400, NULL, "invalid_params", "Unknown field: %s", name);
			return -1;
		}
		s = e ? e + 1 : NULL;
	}
	return 0;
}

static int wanted(const char *fields, const char *name)
{
	return scope_has(fields, name);   /* the same comma-list lookup */
}

/* One video object with the requested fields (G.mu held). */
static struct json_object *video_json(const struct post *p, const char *fields, int64_t now)
{
	struct json_object *v = json_object_new_object();
	struct video_counts c;
	const struct profile *prof = profile_find(p->open_id);
	const char *user = prof ? prof->username : "user";
	uint64_t seed = strtoull(p->post_id, NULL, 10);
	char url[600];

	video_counts_at(p, now, &c);
	/* ids are 19 digits: a string, never a JSON number a client might read as a double */
	if (wanted(fields, "id"))
		json_object_object_add(v, "id", json_object_new_string(p->post_id));
	if (wanted(fields, "create_time"))
		json_object_object_add(v, "create_time", json_object_new_int64(p->published_ms / 1000));
	if (wanted(fields, "cover_image_url")) {
		/* signed and expiring, like TikTok's: not a permanent link */
		snprintf(url, sizeof(url), "%s/cover/%s.jpeg?x-expires=%lld&x-signature=emu%llx", G.cfg->public_base_url,
			 p->post_id, (long long)(now / 1000 + 6 * 3600), (unsigned long long)(seed * 2654435761ULL));
		json_object_object_add(v, "cover_image_url", json_object_new_string(url));
	}
	if (wanted(fields, "share_url") || wanted(fields, "embed_link") || wanted(fields, "embed_html")) {
		snprintf(url, sizeof(url), "https://www.tiktok.com/@%s/video/%s", user, p->post_id);
		if (wanted(fields, "share_url"))
			json_object_object_add(v, "share_url", json_object_new_string(url));
		if (wanted(fields, "embed_link")) {
			snprintf(url, sizeof(url), "https://www.tiktok.com/player/v1/%s", p->post_id);
			json_object_object_add(v, "embed_link", json_object_new_string(url));
		}
		if (wanted(fields, "embed_html")) {
			char html[800];
			snprintf(html, sizeof(html), "<blockquote class=\"tiktok-embed\" cite=\"https://www.tiktok.com/@%s/video/%s\" "
				 "data-video-id=\"%s\"></blockquote>", user, p->post_id, p->post_id);
			json_object_object_add(v, "embed_html", json_object_new_string(html));
		}
	}
	if (wanted(fields, "video_description"))
		json_object_object_add(v, "video_description", json_object_new_string(p->title ? p->title : ""));
	if (wanted(fields, "title"))
		json_object_object_add(v, "title", json_object_new_string(p->title ? p->title : ""));
	if (wanted(fields, "duration"))
		json_object_object_add(v, "duration", json_object_new_int((int)(10 + seed % 50)));
	if (wanted(fields, "height"))
		json_object_object_add(v, "height", json_object_new_int(1920));
	if (wanted(fields, "width"))
		json_object_object_add(v, "width", json_object_new_int(1080));
	if (wanted(fields, "view_count"))
		json_object_object_add(v, "view_count", json_object_new_int64(c.view));
	if (wanted(fields, "like_count"))
		json_object_object_add(v, "like_count", json_object_new_int64(c.like));
	if (wanted(fields, "comment_count"))
		json_object_object_add(v, "comment_count", json_object_new_int64(c.comment));
	if (wanted(fields, "share_count"))
		json_object_object_add(v, "share_count", json_object_new_int64(c.share));
	return v;
}

static int bad_request(struct request *req, const char *kind, const char *msg)
{
	violation(req, kind, "%s", msg);
	reply_envelope(req, 400, NULL, "invalid_params", "%s", msg);
	return -1;
}

/* Auth, fields, body and rate limit shared by both endpoints. The body,
 * or NULL after replying. */
static struct json_object *display_call(struct request *req, int kind, struct token *tok, const char **fields)
{
	struct json_object *body;

	if (bearer_auth(req, "video.list", NULL, tok) < 0)
		return NULL;
	*fields = kv_get(&req->query, "fields");
	if (check_fields(req, *fields) < 0)
		return NULL;
	if (!(body = read_json_body(req, kind == RL_VIDEO_LIST)))
		return NULL;
	if (rate_limited(req, tok, kind) < 0) {
		json_object_put(body);
		return NULL;
	}
	return body;
}

/* filters.video_ids: 1..20 strings of digits. The count, or -1 after replying. */
static int query_ids(struct request *req, struct json_object *body, const char **ids)
{
	struct json_object *f, *list;
	size_t n;

	if (!json_object_object_get_ex(body, "filters", &f) || !json_object_is_type(f, json_type_object) ||
	    !json_object_object_get_ex(f, "video_ids", &list) || !json_object_is_type(list, json_type_array))
		return bad_request(req, "invalid_params", "filters.video_ids (a list) is required");
	n = json_object_array_length(list);
	if (n < 1 || n > QUERY_MAX_IDS) {
		char msg[96];
		snprintf(msg, sizeof(msg), "video_ids has %zu ids; 1..%d per call", n, QUERY_MAX_IDS);
		return bad_request(req, n ? "too_many_video_ids" : "invalid_params", msg);
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		if (!json_object_is_type(v, json_type_string))
			return bad_request(req, "invalid_params",
					   "video_ids are strings (19-digit ids do not survive as JSON numbers)");
		ids[i] = json_object_get_string(v);
	}
	return (int)n;
}

/* POST /v2/video/query/?fields=... {"filters":{"video_ids":[...]}} — the
 * caller's listed posts among the ids; the others are simply missing. */
int handle_video_query(struct request *req)
{
	struct token tok;
	const char *fields, *ids[QUERY_MAX_IDS];
	struct json_object *body, *data, *videos;
	int n;
	int64_t now = emu_now_ms();

	if (!(body = display_call(req, RL_VIDEO_QUERY, &tok, &fields)))
		return 0;
	if ((n = query_ids(req, body, ids)) < 0) {
		json_object_put(body);
		return 0;
	}
	videos = json_object_new_array();
	pthread_mutex_lock(&G.mu);
	posts_tick();
	for (int i = 0; i < n; i++) {
		int dup = 0;
		for (int j = 0; j < i; j++)
			dup |= !strcmp(ids[i], ids[j]);
		for (size_t k = 0; !dup && k < G.posts.n; k++) {
			const struct post *p = G.posts.v[k];
			if (video_listed(p) && !strcmp(p->post_id, ids[i]) && !strcmp(p->open_id, tok.open_id)) {
				json_object_array_add(videos, video_json(p, fields, now));
				break;
			}
		}
	}
	pthread_mutex_unlock(&G.mu);
	json_object_put(body);
	data = json_object_new_object();
	json_object_object_add(data, "videos", videos);
	reply_envelope(req, 200, data, "ok", "%s", "");
	return 0;
}

/* The newest listed post of open_id published before the cursor (G.mu held). */
static const struct post *next_older(const char *open_id, int64_t before_ms)
{
	const struct post *best = NULL;

	for (size_t k = 0; k < G.posts.n; k++) {
		const struct post *p = G.posts.v[k];
		if (video_listed(p) && !strcmp(p->open_id, open_id) && p->published_ms < before_ms &&
		    (!best || p->published_ms > best->published_ms))
			best = p;
	}
	return best;
}

/* POST /v2/video/list/?fields=... {"max_count": 1..20, "cursor": ms} —
 * newest first; cursor is the create time in ms of the last one returned. */
int handle_video_list(struct request *req)
{
	struct token tok;
	const char *fields;
	struct json_object *body, *v, *data, *videos;
	int64_t max_count = 10, cursor = INT64_MAX, now = emu_now_ms();
	const struct post *p;
	int has_more;

	if (!(body = display_call(req, RL_VIDEO_LIST, &tok, &fields)))
		return 0;
	if (json_object_object_get_ex(body, "max_count", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > LIST_MAX_COUNT) {
			json_object_put(body);
			bad_request(req, "invalid_params", "max_count is an integer 1..20");
			return 0;
		}
		max_count = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(body, "cursor", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
			json_object_put(body);
			bad_request(req, "invalid_params", "cursor is the int64 the previous page returned");
			return 0;
		}
		cursor = json_object_get_int64(v);
	}
	json_object_put(body);
	videos = json_object_new_array();
	pthread_mutex_lock(&G.mu);
	posts_tick();
	for (int64_t i = 0; i < max_count && (p = next_older(tok.open_id, cursor)); i++) {
		json_object_array_add(videos, video_json(p, fields, now));
		cursor = p->published_ms;
	}
	has_more = next_older(tok.open_id, cursor) != NULL;
	pthread_mutex_unlock(&G.mu);
	data = json_object_new_object();
	json_object_object_add(data, "videos", videos);
	json_object_object_add(data, "cursor", json_object_new_int64(cursor == INT64_MAX ? 0 : cursor));
	json_object_object_add(data, "has_more", json_object_new_boolean(has_more));
	reply_envelope(req, 200, data, "ok", "%s", "");
	return 0;
}
