/* tiktok_creator.c — creator_info: the call and its pure parser. */
#include "tiktok_creator.h"

#include <string.h>

#include "buf.h"
#include "tiktok_errors.h"

static int take_bool(struct json_object *o, const char *key, int *dst)
{
	struct json_object *v;

	*dst = 0;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*dst = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

static int take_duration(struct json_object *o, int *dst)
{
	struct json_object *v;
	int64_t n;

	*dst = 0;
	if (!json_object_object_get_ex(o, "max_video_post_duration_sec", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || n > 86400)
		return -1;
	*dst = (int)n;
	return 0;
}

static int take_privacy(struct json_object *o, struct tiktok_creator *out)
{
	struct json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(o, "privacy_level_options", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	if (n == 0 || n > TT_PRIVACY_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *s;

		if (!v || !json_object_is_type(v, json_type_string))
			return -1;
		s = json_object_get_string(v);
		if (!*s || strlen(s) >= sizeof(out->privacy[0]))
			return -1;
		/* a repeated option would show twice in the dropdown */
		if (tiktok_creator_has_privacy(out, s))
			continue;
		memcpy(out->privacy[out->n_privacy++], s, strlen(s) + 1);
	}
	return 0;
}

int tiktok_parse_creator(struct json_object *body, struct tiktok_creator *out)
{
	struct json_object *data;
	struct tiktok_result r;

	memset(out, 0, sizeof(*out));
	if (!body || !json_object_is_type(body, json_type_object))
		return -1;
	tiktok_result_init(&r);
	tiktok_parse_error(body, &r);
	if (strcmp(r.error, "ok") != 0)
		return -1;
	if (!json_object_object_get_ex(body, "data", &data) || !json_object_is_type(data, json_type_object))
		goto bad;
	if (tiktok_json_string(data, "creator_nickname", out->nickname, sizeof(out->nickname), 1) < 0 ||
	    tiktok_json_string(data, "creator_username", out->username, sizeof(out->username), 0) < 0 ||
	    tiktok_json_string(data, "creator_avatar_url", out->avatar_url, sizeof(out->avatar_url), 0) < 0 ||
	    take_privacy(data, out) < 0 ||
	    take_bool(data, "comment_disabled", &out->comment_disabled) < 0 ||
	    take_bool(data, "duet_disabled", &out->duet_disabled) < 0 ||
	    take_bool(data, "stitch_disabled", &out->stitch_disabled) < 0 ||
	    take_duration(data, &out->max_duration_sec) < 0)
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -1;
}

int tiktok_creator_info(const struct tiktok_client *c, const char *access_token,
			struct tiktok_creator *out, struct tiktok_result *res)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tiktok_call(c, "POST", "post/publish/creator_info/query", NULL, access_token,
			 "application/json; charset=UTF-8", "{}", res);
	if (rc < 0)
		return TT_CREATOR_FAILED;
	/* HTTP 200 with one of these codes is TikTok's deliberate "not now" */
	if (res->outcome == TT_API && res->http_status == 200 && tiktok_cannot_post(res->error))
		return TT_CREATOR_CANNOT_POST;
	if (res->outcome != TT_OK)
		return TT_CREATOR_FAILED;
	if (tiktok_parse_creator(res->json, out) < 0) {
		res->outcome = TT_MALFORMED;
		return TT_CREATOR_FAILED;
	}
	return TT_CREATOR_OK;
}

int tiktok_creator_has_privacy(const struct tiktok_creator *c, const char *level)
{
	if (!level)
		return 0;
	for (int i = 0; i < c->n_privacy; i++)
		if (!strcmp(c->privacy[i], level))
			return 1;
	return 0;
}

int tiktok_creator_posts_private(const struct tiktok_creator *c)
{
	return !tiktok_creator_has_privacy(c, "PUBLIC_TO_EVERYONE");
}

const char *tiktok_privacy_label(const char *level)
{
	static const struct { const char *code, *label; } labels[] = {
		{ "PUBLIC_TO_EVERYONE", "Everyone" },
		{ "MUTUAL_FOLLOW_FRIENDS", "Friends" },
		{ "FOLLOWER_OF_CREATOR", "Followers" },
		{ "SELF_ONLY", "Only me" },
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(labels[i].code, level))
			return labels[i].label;
	return level;
}
