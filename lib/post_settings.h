/* post_settings.h — what one post asks TikTok for, as one type from the
 * composer's enforced decision (lib/post_rules.h), through the job row
 * (lib/jobs.h) to the init request's post_info (lib/tiktok_post.h).
 *
 * Strings are borrowed: whoever fills the struct keeps them alive. */
#ifndef LF_POST_SETTINGS_H
#define LF_POST_SETTINGS_H

#include <stdint.h>

struct post_settings {
	int direct;                   /* 1 Direct Post, 0 inbox draft (no post_info sent) */
	const char *title;            /* the caption; "" when none */
	const char *privacy_level;    /* direct only; NULL for a draft */
	int disable_comment, disable_duet, disable_stitch;
	int brand_organic;            /* "Your brand" → brand_organic_toggle */
	int brand_content;            /* "Branded content" → brand_content_toggle */
	int is_aigc;
	int64_t cover_ms;             /* < 0: not sent (TikTok uses the first frame) */
};

/* The job row's mode for it. */
#define POST_MODE(s) ((s)->direct ? "direct" : "inbox")

#endif
