/* tiktok_display.c — Display API video/query. See tiktok_display.h. */
#include "tiktok_display.h"

#include "tiktok_post.h"

#include <string.h>

void tiktok_video_query_body(const char *const *ids, int n, struct buf *out)
{
	struct json_object *root = json_object_new_object(), *filters = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(ids[i]));
	json_object_object_add(filters, "video_ids", arr);
	json_object_object_add(root, "filters", filters);
	buf_puts(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

/* A count: absent → -1; a non-negative integer; anything else is an error. */
static int take_count(struct json_object *o, const char *key, int64_t *dst)
{
	struct json_object *v;

	*dst = -1;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	*dst = json_object_get_int64(v);
	return 0;
}

int tiktok_parse_videos(struct json_object *body, struct tiktok_video *out, int max)
{
	struct json_object *data = tiktok_envelope_data(body), *videos, *id;
	int n = 0;

	if (!data)
		return -1;
	if (!json_object_object_get_ex(data, "videos", &videos) || !videos)
		return 0;   /* none of the ids is public any more */
	if (!json_object_is_type(videos, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(videos) && n < max; i++) {
		struct json_object *v = json_object_array_get_idx(videos, i);
		struct tiktok_video *t = &out[n];

		memset(t, 0, sizeof(*t));
		if (!json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, "id", &id) ||
		    tiktok_take_post_id(id, t->id, sizeof(t->id)) < 0 ||
		    take_count(v, "view_count", &t->views) < 0 ||
		    take_count(v, "like_count", &t->likes) < 0 ||
		    take_count(v, "comment_count", &t->comments) < 0 ||
		    take_count(v, "share_count", &t->shares) < 0)
			return -1;
		n++;
	}
	return n;
}

int tiktok_video_query(const struct tiktok_client *c, const char *access_token,
		       const char *const *ids, int n, struct tiktok_video *out,
		       struct tiktok_result *res)
{
	struct buf body = BUF_INIT;
	int rc = -1;

	if (n < 1 || n > TT_VIDEO_QUERY_MAX)
		return -1;
	tiktok_video_query_body(ids, n, &body);
	if (tiktok_call(c, "POST", "video/query", "fields=" TT_VIDEO_FIELDS, access_token,
			"application/json; charset=UTF-8", buf_cstr(&body), res) < 0 ||
	    res->outcome != TT_OK)
		goto out;
	rc = tiktok_parse_videos(res->json, out, TT_VIDEO_QUERY_MAX);
	if (rc < 0)
		res->outcome = TT_MALFORMED;
out:
	buf_free(&body);
	return rc;
}
