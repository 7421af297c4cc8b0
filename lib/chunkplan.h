/* chunkplan.h — TikTok's FILE_UPLOAD chunk rules (tiktok-api.md §2.4).
 *
 * The Media Transfer Guide says "5 MB" and "64 MB" without saying whether
 * MB is 10^6 or 2^20, and integrations disagree. These functions use the
 * conservative intersection of both readings, so a plan accepted here is
 * accepted under either:
 *   - video_size in 1..4,000,000,000 (the decimal reading of "4 GB");
 *   - one chunk only when video_size <= 64,000,000, and then
 *     chunk_size == video_size (this also covers "a video < 5 MB is sent
 *     whole");
 *   - otherwise chunk_size in [5,242,880, 64,000,000],
 *     total_chunk_count == floor(video_size / chunk_size) (never ceil), the
 *     last chunk (chunk_size + remainder) <= 128,000,000, and 2..1000 chunks.
 * Chunk i covers [i*chunk_size, (i+1)*chunk_size - 1]; the last one runs to
 * video_size - 1. The emulator refuses every other plan, the worker plans
 * with chunk_plan_make. */
#ifndef LF_CHUNKPLAN_H
#define LF_CHUNKPLAN_H

#include <stddef.h>
#include <stdint.h>

#define CHUNK_MIN_BYTES        5242880LL      /* 5 MiB: the larger reading of 5 MB */
#define CHUNK_MAX_BYTES        64000000LL     /* 64 MB decimal: the smaller reading */
#define CHUNK_FINAL_MAX_BYTES  128000000LL    /* the last chunk absorbs the remainder */
#define CHUNK_SINGLE_MAX_BYTES 64000000LL     /* largest video sent as one chunk */
#define CHUNK_MAX_COUNT        1000LL
#define CHUNK_VIDEO_MAX_BYTES  4000000000LL   /* "4 GB", decimal */
#define CHUNK_DEFAULT_BYTES    10000000LL     /* the doc example's chunk size */
#define CHUNK_WHY_LEN          160

/* 1 when TikTok accepts the plan, 0 when not; then why (CHUNK_WHY_LEN
 * bytes, may be NULL) says which rule failed. */
int chunk_plan_valid(int64_t video_size, int64_t chunk_size, int64_t chunk_count, char *why);

/* The plan the worker sends: one chunk up to 64,000,000 bytes, otherwise
 * 10,000,000-byte chunks (larger only when 1000 chunks would not do).
 * 0, or -1 when no valid plan exists (size out of range). */
int chunk_plan_make(int64_t video_size, int64_t *chunk_size, int64_t *chunk_count);

/* Byte range [first, last] of chunk index (0-based) under a valid plan. */
void chunk_plan_range(int64_t video_size, int64_t chunk_size, int64_t chunk_count, int64_t index,
		      int64_t *first, int64_t *last);

#endif
