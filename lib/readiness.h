/* readiness.h — can TikTok take this video as it is?
 *
 * The rules are TikTok's Media Transfer Guide (shared/tiktok-api.md §2.9):
 * MP4/MOV/WebM, H.264/H.265/VP8/VP9, 23–60 fps, each side 360–4096 px,
 * at most 4 GB, and at most 10 minutes (the upload init's ceiling; each
 * creator's own max_video_post_duration_sec is checked in the composer). */
#ifndef LF_READINESS_H
#define LF_READINESS_H

#include "probe.h"

#define READY_MIN_FPS          23.0
#define READY_MAX_FPS          60.0
#define READY_MIN_SIDE         360
#define READY_MAX_SIDE         4096
/* "4 GB": the decimal reading, the more conservative of 4e9 and 4 GiB. */
#define READY_MAX_BYTES        4000000000LL
#define READY_MAX_DURATION_MS  600000LL     /* 10 minutes */
/* An often-quoted 3 s minimum is UNCONFIRMED for the Content Posting API:
 * shorter videos only get a warning. */
#define READY_WARN_DURATION_MS 3000LL

struct readiness {
	int ready;              /* 1 when every check passes */
	char reason[1024];      /* every failing check, "; "-separated; "" when ready */
	char warning[256];      /* advisory only (e.g. very short); "" when none */
};

/* Pure: judges a probe result. Returns out->ready. */
int readiness_check(const struct probe_result *p, struct readiness *out);

#endif
