/* profiles.c — the emulated creator accounts: the built-in set, a JSON
 * file, and back to JSON. Plain data: it knows neither the store nor
 * requests (the store's lookup is profile_find in state.c, the avatar
 * avatar.c). */
#include "emu.h"
#include "escape.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void set(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void default_privacy(struct profile *p)
{
	static const char *pub[] = { "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY" };
	static const char *priv[] = { "FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY" };
	const char **opts = p->is_private ? priv : pub;

	p->n_privacy = 3;
	for (int i = 0; i < 3; i++)
		set(p->privacy[i], sizeof(p->privacy[i]), opts[i]);
}

static struct profile make(const char *open_id, const char *username, const char *name,
			   int is_private, int64_t cap)
{
	struct profile p;

	memset(&p, 0, sizeof(p));
	set(p.open_id, sizeof(p.open_id), open_id);
	snprintf(p.union_id, sizeof(p.union_id), "u-%s", open_id);
	set(p.username, sizeof(p.username), username);
	set(p.display_name, sizeof(p.display_name), name);
	snprintf(p.bio, sizeof(p.bio), "Emulated TikTok account @%s (not a real TikTok user)", username);
	p.is_private = is_private;
	default_privacy(&p);
	p.max_duration_sec = 600;
	p.daily_post_cap = cap;
	p.follower_count = 1200;
	p.following_count = 80;
	p.likes_count = 34000;
	p.video_count = 42;
	return p;
}

void profiles_builtin(struct profile *out, int *n)
{
	struct profile p;

	*n = 0;
	/* public: every privacy option, nothing disabled */
	out[(*n)++] = make("5f0c2a8e-1b7d-4c3e-9a61-000000000001", "lena.public", "Lena (public)", 0, 15);
	/* private: follower options, duet and stitch disabled */
	p = make("5f0c2a8e-1b7d-4c3e-9a61-000000000002", "max.private", "Max (private)", 1, 15);
	p.duet_disabled = p.stitch_disabled = 1;
	p.max_duration_sec = 180;
	out[(*n)++] = p;
	/* cannot post: its daily cap is already spent */
	p = make("5f0c2a8e-1b7d-4c3e-9a61-000000000003", "capped.creator", "Cat (cannot post)", 0, 0);
	p.comment_disabled = 1;
	out[(*n)++] = p;
	/* posts, but processing fails on the media check */
	p = make("5f0c2a8e-1b7d-4c3e-9a61-000000000004", "bad.framerate", "Finn (media fails)", 1, 15);
	set(p.fail_reason, sizeof(p.fail_reason), "frame_rate_check_failed");
	out[(*n)++] = p;
}

static const char *jstr(struct json_object *o, const char *k, const char *def)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return def;
}

static int64_t jint(struct json_object *o, const char *k, int64_t def)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, k, &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean)))
		return json_object_get_int64(v);
	return def;
}

static int valid_privacy(const char *s)
{
	return !strcmp(s, "PUBLIC_TO_EVERYONE") || !strcmp(s, "MUTUAL_FOLLOW_FRIENDS") ||
	       !strcmp(s, "FOLLOWER_OF_CREATOR") || !strcmp(s, "SELF_ONLY");
}

/* "refuse_scopes": ["video.list", ...] — the scopes this user leaves
 * unticked on the consent page (kept as TikTok's comma list). */
static int refuse_scopes_from_json(struct json_object *o, struct profile *p, char *err, size_t errlen)
{
	struct json_object *list;
	size_t used = 0;

	if (!json_object_object_get_ex(o, "refuse_scopes", &list))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		goto bad;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *s = json_object_array_get_idx(list, i);
		const char *v = json_object_get_string(s);
		size_t n = v ? strlen(v) : 0;
		if (!json_object_is_type(s, json_type_string) || !n || strchr(v, ',') ||
		    used + n + 2 > sizeof(p->refuse_scopes))
			goto bad;
		used += (size_t)snprintf(p->refuse_scopes + used, sizeof(p->refuse_scopes) - used, "%s%s",
					 used ? "," : "", v);
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: refuse_scopes must be a short list of scope names", p->open_id);
	return -1;
}

static int profile_from_json(struct json_object *o, struct profile *p, char *err, size_t errlen)
{
	struct json_object *opts;
	const char *open_id = jstr(o, "open_id", NULL), *username = jstr(o, "username", NULL);

	if (!json_object_is_type(o, json_type_object) || !open_id || !username || !*open_id ||
	    !*username) {
		snprintf(err, errlen, "every profile needs open_id and username");
		return -1;
	}
	*p = make(open_id, username, jstr(o, "display_name", username),
		  (int)jint(o, "private", 0), jint(o, "daily_post_cap", 15));
	set(p->union_id, sizeof(p->union_id), jstr(o, "union_id", p->union_id));
	set(p->bio, sizeof(p->bio), jstr(o, "bio_description", p->bio));
	p->comment_disabled = (int)jint(o, "comment_disabled", 0);
	p->duet_disabled = (int)jint(o, "duet_disabled", p->is_private);
	p->stitch_disabled = (int)jint(o, "stitch_disabled", p->is_private);
	p->max_duration_sec = jint(o, "max_video_post_duration_sec", 600);
	p->banned = (int)jint(o, "banned", 0);
	p->is_verified = (int)jint(o, "is_verified", 0);
	set(p->fail_reason, sizeof(p->fail_reason), jstr(o, "fail_reason", ""));
	p->follower_count = jint(o, "follower_count", p->follower_count);
	p->following_count = jint(o, "following_count", p->following_count);
	p->likes_count = jint(o, "likes_count", p->likes_count);
	p->video_count = jint(o, "video_count", p->video_count);
	if (refuse_scopes_from_json(o, p, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(o, "privacy_level_options", &opts)) {
		size_t n = json_object_is_type(opts, json_type_array) ? json_object_array_length(opts) : 0;
		if (n < 1 || n > EMU_MAX_PRIVACY) {
			snprintf(err, errlen, "%s: privacy_level_options must list 1..%d levels", open_id,
				 EMU_MAX_PRIVACY);
			return -1;
		}
		p->n_privacy = (int)n;
		for (size_t i = 0; i < n; i++) {
			const char *lv = json_object_get_string(json_object_array_get_idx(opts, i));
			if (!lv || !valid_privacy(lv)) {
				snprintf(err, errlen, "%s: unknown privacy level", open_id);
				return -1;
			}
			set(p->privacy[i], sizeof(p->privacy[i]), lv);
		}
	}
	return 0;
}

int profiles_from_json(struct json_object *arr, struct profile *out, int *n, char *err, size_t errlen)
{
	struct json_object *inner;
	size_t len;

	if (json_object_is_type(arr, json_type_object) &&
	    json_object_object_get_ex(arr, "profiles", &inner))
		arr = inner;
	if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1 ||
	    json_object_array_length(arr) > EMU_MAX_PROFILES) {
		snprintf(err, errlen, "profiles must be a list of 1..%d objects", EMU_MAX_PROFILES);
		return -1;
	}
	len = json_object_array_length(arr);
	for (size_t i = 0; i < len; i++)
		if (profile_from_json(json_object_array_get_idx(arr, i), &out[i], err, errlen) < 0)
			return -1;
	*n = (int)len;
	return 0;
}

int profiles_load_file(const char *path, struct profile *out, int *n, char *err, size_t errlen)
{
	struct json_object *root = json_object_from_file(path);
	struct profile tmp[EMU_MAX_PROFILES];
	int cnt = 0, rc;

	if (!root) {
		snprintf(err, errlen, "%s: %s", path, json_util_get_last_err());
		return -1;
	}
	rc = profiles_from_json(root, tmp, &cnt, err, errlen);
	json_object_put(root);
	if (rc < 0)
		return -1;
	memcpy(out, tmp, sizeof(tmp[0]) * (size_t)cnt);
	*n = cnt;
	return 0;
}

/* TikTok's comma list as a JSON list (what profile_from_json reads back). */
static struct json_object *scopes_to_json(const char *list)
{
	struct json_object *a = json_object_new_array();

	for (const char *s = list; s && *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		json_object_array_add(a, json_object_new_string_len(s, (int)n));
		s = e ? e + 1 : NULL;
	}
	return a;
}

struct json_object *profile_to_json(const struct profile *p)
{
	struct json_object *o = json_object_new_object(), *opts = json_object_new_array();

	json_object_object_add(o, "open_id", json_object_new_string(p->open_id));
	json_object_object_add(o, "username", json_object_new_string(p->username));
	json_object_object_add(o, "display_name", json_object_new_string(p->display_name));
	json_object_object_add(o, "private", json_object_new_boolean(p->is_private));
	for (int i = 0; i < p->n_privacy; i++)
		json_object_array_add(opts, json_object_new_string(p->privacy[i]));
	json_object_object_add(o, "privacy_level_options", opts);
	json_object_object_add(o, "comment_disabled", json_object_new_boolean(p->comment_disabled));
	json_object_object_add(o, "duet_disabled", json_object_new_boolean(p->duet_disabled));
	json_object_object_add(o, "stitch_disabled", json_object_new_boolean(p->stitch_disabled));
	json_object_object_add(o, "max_video_post_duration_sec", json_object_new_int64(p->max_duration_sec));
	json_object_object_add(o, "daily_post_cap", json_object_new_int64(p->daily_post_cap));
	json_object_object_add(o, "banned", json_object_new_boolean(p->banned));
	json_object_object_add(o, "fail_reason", json_object_new_string(p->fail_reason));
	json_object_object_add(o, "refuse_scopes", scopes_to_json(p->refuse_scopes));
	return o;
}
