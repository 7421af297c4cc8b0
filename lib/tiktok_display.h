/* tiktok_display.h — the Display API call the worker makes for results
 * (tiktok-api.md §2.10): POST /v2/video/query/ with up to 20 video ids of
 * the authorized user, answering their counts. Scope video.list; 600 calls
 * a minute per endpoint (the limits table, RL_VIDEO_QUERY).
 *
 * Ids travel as decimal strings, both ways: the request sends strings and
 * the parser accepts a string or a JSON integer, never a double (19 digits
 * do not fit one). The parser is a pure function (unit-tested). */
#ifndef LF_TIKTOK_DISPLAY_H
#define LF_TIKTOK_DISPLAY_H

#include <json-c/json.h>
#include <stdint.h>

#include "buf.h"
#include "tiktok.h"

#define TT_VIDEO_QUERY_MAX 20        /* ids per video/query call */
#define TT_VIDEO_FIELDS "id,view_count,like_count,comment_count,share_count"

struct tiktok_video {
	char id[24];
	int64_t views, likes, comments, shares;   /* -1 when TikTok left one out */
};

/* The request body {"filters":{"video_ids":["…",…]}} for n ids. */
void tiktok_video_query_body(const char *const *ids, int n, struct buf *out);
/* The answer's videos into out (at most max) → their number, or -1 when
 * the envelope is not ok or a video has no usable id or a count of the
 * wrong type. Videos beyond max are ignored. */
int tiktok_parse_videos(struct json_object *body, struct tiktok_video *out, int max);
/* POST /v2/video/query/?fields=TT_VIDEO_FIELDS for 1..TT_VIDEO_QUERY_MAX
 * ids. The number of videos TikTok returned (the others are not public any
 * more, or not the user's), or -1 with res saying why. */
int tiktok_video_query(const struct tiktok_client *c, const char *access_token,
		       const char *const *ids, int n, struct tiktok_video *out,
		       struct tiktok_result *res);

#endif
