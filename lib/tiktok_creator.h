/* tiktok_creator.h — creator_info (tiktok-api.md §2.1): who will receive
 * the post and what they may choose. Shared by the composer (called on
 * every render, guideline 1) and the worker (called again just before init).
 *
 * "Cannot post now" arrives as HTTP 200 with an error code
 * (spam_risk_too_many_posts, spam_risk_user_banned_from_posting,
 * reached_active_user_cap): tiktok_creator_info() reports it separately
 * from other failures, so callers stop and tell the user to try later. */
#ifndef LF_TIKTOK_CREATOR_H
#define LF_TIKTOK_CREATOR_H

#include <json-c/json.h>

#include "tiktok.h"

#define TT_PRIVACY_MAX 8

struct tiktok_creator {
	char avatar_url[1024];       /* valid about 2 h; "" when absent */
	char username[128];          /* the @handle */
	char nickname[256];          /* creator_nickname: must be shown */
	int n_privacy;
	char privacy[TT_PRIVACY_MAX][32];   /* privacy_level_options, TikTok's order */
	int comment_disabled;
	int duet_disabled;
	int stitch_disabled;
	int max_duration_sec;        /* max_video_post_duration_sec; 0 when absent */
};

/* Return values of tiktok_creator_info(). */
enum {
	TT_CREATOR_OK = 0,
	TT_CREATOR_FAILED = -1,      /* res says why (network, 401, 429, 5xx, malformed) */
	TT_CREATOR_CANNOT_POST = 1,  /* TikTok says the creator cannot post now; res->error has the code */
};

/* POST /v2/post/publish/creator_info/query/ with the user's access token
 * (body "{}"). TT_CREATOR_OK and *out filled, TT_CREATOR_CANNOT_POST, or
 * TT_CREATOR_FAILED. The caller frees res (tiktok_result_free). */
int tiktok_creator_info(const struct tiktok_client *c, const char *access_token,
			struct tiktok_creator *out, struct tiktok_result *res);

/* Pure: the body TikTok sent → *out. 0, or -1 when the envelope is not
 * "ok" or a field is missing/has the wrong type/does not fit. Required:
 * creator_nickname (non-empty), privacy_level_options (array of strings,
 * at least one). Booleans default to false and max duration to 0 when
 * absent, but a present field of the wrong type is refused. */
int tiktok_parse_creator(struct json_object *body, struct tiktok_creator *out);

/* The "creator cannot post right now" codes and their sentences are rows
 * of lib/tiktok_errors.c: tiktok_cannot_post(), tiktok_cannot_post_text(). */

/* 1 when level is among the creator's privacy_level_options. */
int tiktok_creator_has_privacy(const struct tiktok_creator *c, const char *level);
/* 1 when the options suggest posts will be private whatever is chosen:
 * no PUBLIC_TO_EVERYONE (private account, or an unaudited app offering only
 * SELF_ONLY). */
int tiktok_creator_posts_private(const struct tiktok_creator *c);
/* Human label of a privacy level ("Everyone", "Friends", "Followers",
 * "Only me"); the raw value for an unknown one. */
const char *tiktok_privacy_label(const char *level);

#endif
