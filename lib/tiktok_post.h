/* tiktok_post.h — the Content Posting calls the worker makes
 * (tiktok-api.md §2.2–§2.4, §2.7): Direct Post init, inbox init, one
 * chunk PUT streamed from a file, status fetch. The JSON calls run on
 * tiktok_call() (lib/tiktok.h); the PUT uses a caller-owned curl handle,
 * so an upload slot reuses its connection across chunks.
 *
 * Memory does not grow with the file: a chunk is read by pread() straight
 * into libcurl's own upload buffer (a fixed size), with the exact
 * Content-Length and Content-Range of the chunk.
 *
 * Builders and parsers are pure functions (unit-tested on documented
 * answers). Nothing here logs a token. */
#ifndef LF_TIKTOK_POST_H
#define LF_TIKTOK_POST_H

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdint.h>

#include "buf.h"
#include "post_settings.h"
#include "tiktok.h"

/* source_info: FILE_UPLOAD with a plan from chunk_plan_make(), or, when
 * video_url is set, PULL_FROM_URL (§2.5: TikTok fetches that address; no
 * upload step, no upload_url in the answer). */
struct tiktok_source {
	int64_t video_size, chunk_size, chunk_count;
	const char *video_url;
};

struct tiktok_init {
	char publish_id[72];          /* ≤ 64 characters per the docs */
	char upload_url[1024];        /* ≤ 256 per the docs; use it whole */
};

/* The init request body: with post_info for a Direct Post (every boolean
 * sent explicitly, §2.2), source_info only for an inbox draft (post NULL
 * or not direct). */
void tiktok_init_body(const struct post_settings *post, const struct tiktok_source *src,
		      struct buf *out);
/* {"data":{"publish_id","upload_url"},"error":{"code":"ok"}} → 0, else -1
 * (missing, empty, too long or wrongly typed fields, an upload_url that
 * url_https_or_loopback (util.h) refuses). */
int tiktok_parse_init(struct json_object *body, struct tiktok_init *out);
/* The same for a PULL_FROM_URL init: publish_id only (upload_url stays ""). */
int tiktok_parse_pull_init(struct json_object *body, struct tiktok_init *out);

/* POST /v2/post/publish/video/init/ (post->direct) or
 * /v2/post/publish/inbox/video/init/ (a draft). 0 with *out filled,
 * or -1 with res saying why (classify it with tiktok_errors.h). */
int tiktok_post_init(const struct tiktok_client *c, const char *access_token,
		     const struct post_settings *post, const struct tiktok_source *src,
		     struct tiktok_init *out, struct tiktok_result *res);

#define TT_POST_IDS_MAX 4

struct tiktok_status {
	char status[32];              /* PROCESSING_UPLOAD, PUBLISH_COMPLETE, ... */
	char fail_reason[64];         /* when FAILED */
	int n_post_ids;               /* publicaly_available_post_id (may be 0) */
	char post_ids[TT_POST_IDS_MAX][24];   /* kept as decimal strings, never doubles */
	int64_t uploaded_bytes;       /* -1 when absent */
	int64_t downloaded_bytes;     /* PULL_FROM_URL: -1 when absent */
};

/* The data object of an {"data":{...},"error":{"code":"ok"}} answer, or
 * NULL when the envelope is not ok (shared with lib/tiktok_display.c). */
struct json_object *tiktok_envelope_data(struct json_object *body);
/* A post (video) id as decimal digits into dst: a JSON integer (never read
 * as a double: 19 digits do not fit one) or a string of digits. 0 or -1. */
int tiktok_take_post_id(struct json_object *v, char *dst, size_t n);

/* The status/fetch answer → 0, or -1 when the envelope is not ok or a
 * field has the wrong type. Ids beyond TT_POST_IDS_MAX are ignored. */
int tiktok_parse_status(struct json_object *body, struct tiktok_status *out);
/* POST /v2/post/publish/status/fetch/ {"publish_id": ...}. */
int tiktok_status_fetch(const struct tiktok_client *c, const char *access_token,
			const char *publish_id, struct tiktok_status *out,
			struct tiktok_result *res);

/* ---- the chunk PUT ---- */

/* "bytes 0-N/T" (what TikTok holds: N+1 bytes) or "bytes * /T" (nothing,
 * without the space) → *held and *total. 0, or -1 when it is neither. */
int tiktok_parse_held_range(const char *value, int64_t *held, int64_t *total);

/* Called during a PUT with the bytes of this chunk sent so far; return
 * non-zero to abort the transfer (the chunk then counts as not sent). */
typedef int (*tiktok_progress_fn)(void *arg, int64_t chunk_bytes_sent);

struct tiktok_put {
	/* in */
	const char *upload_url;
	int fd;                       /* the video, opened read-only */
	const char *content_type;     /* video/mp4, video/quicktime, video/webm */
	int64_t first, last, total;   /* this chunk: bytes first..last (inclusive) of total */
	tiktok_progress_fn progress;  /* may be NULL */
	void *progress_arg;
	/* out */
	long http_status;             /* 0 when no answer */
	int aborted;                  /* the progress callback stopped it */
	int file_error;               /* the file could not be read (shrank?) */
	char error[160];              /* curl's words, or TikTok's error.code when answered */
	int has_range;                /* a Content-Range came back: */
	int64_t held, held_total;     /*   TikTok holds bytes 0..held-1 of held_total */
	int64_t bytes_read;           /* bytes taken from the file for this PUT */
};

/* PUT one chunk with Content-Type, Content-Length = last-first+1 and
 * Content-Range: bytes first-last/total, the body read from fd at offset
 * first. Returns 0 when an HTTP answer arrived (any status), -1 when not
 * (network, a short file, aborted). The handle is reset and reused. */
int tiktok_put_chunk(CURL *curl, struct tiktok_put *p);

/* The Content-Range header value for a chunk (pure). */
void tiktok_content_range(int64_t first, int64_t last, int64_t total, char *out, size_t n);

/* The Content-Type for a video file name (.mp4/.mov/.webm, any case);
 * video/mp4 when unknown. */
const char *tiktok_video_content_type(const char *path);

#endif
