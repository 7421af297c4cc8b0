/* chunkplan.c — see chunkplan.h for the rules and why they are this strict. */
#include "chunkplan.h"

#include <stdio.h>

static int refuse(char *why, const char *fmt, long long a, long long b)
{
	if (why)
		snprintf(why, CHUNK_WHY_LEN, fmt, a, b);
	return 0;
}

int chunk_plan_valid(int64_t size, int64_t chunk, int64_t count, char *why)
{
	int64_t last;

	if (why)
		why[0] = '\0';
	if (size < 1 || size > CHUNK_VIDEO_MAX_BYTES)
		return refuse(why, "video_size %lld is outside 1..%lld", size, CHUNK_VIDEO_MAX_BYTES);
	if (count < 1 || count > CHUNK_MAX_COUNT)
		return refuse(why, "total_chunk_count %lld is outside 1..%lld", count, CHUNK_MAX_COUNT);
	if (chunk < 1)
		return refuse(why, "chunk_size %lld must be at least %lld", chunk, 1);
	if (count == 1) {
		if (size > CHUNK_SINGLE_MAX_BYTES)
			return refuse(why, "video_size %lld is over %lld and must be chunked", size,
				      CHUNK_SINGLE_MAX_BYTES);
		if (chunk != size)
			return refuse(why, "a single chunk must have chunk_size %lld == video_size %lld",
				      chunk, size);
		return 1;
	}
	if (chunk < CHUNK_MIN_BYTES)
		return refuse(why, "chunk_size %lld is under the minimum %lld", chunk, CHUNK_MIN_BYTES);
	if (chunk > CHUNK_MAX_BYTES)
		return refuse(why, "chunk_size %lld is over the maximum %lld", chunk, CHUNK_MAX_BYTES);
	if (size / chunk != count)
		return refuse(why, "total_chunk_count %lld != floor(video_size / chunk_size) = %lld", count,
			      size / chunk);
	last = chunk + size % chunk;
	if (last > CHUNK_FINAL_MAX_BYTES)
		return refuse(why, "the final chunk of %lld bytes is over %lld", last, CHUNK_FINAL_MAX_BYTES);
	return 1;
}

int chunk_plan_make(int64_t size, int64_t *chunk, int64_t *count)
{
	int64_t c;

	if (size < 1 || size > CHUNK_VIDEO_MAX_BYTES)
		return -1;
	if (size <= CHUNK_SINGLE_MAX_BYTES) {
		*chunk = size;
		*count = 1;
		return 0;
	}
	c = CHUNK_DEFAULT_BYTES;
	if (size / c > CHUNK_MAX_COUNT)
		c = (size + CHUNK_MAX_COUNT - 1) / CHUNK_MAX_COUNT; /* grow chunks to stay at 1000 */
	*chunk = c;
	*count = size / c;
	return chunk_plan_valid(size, *chunk, *count, NULL) ? 0 : -1;
}

void chunk_plan_range(int64_t size, int64_t chunk, int64_t count, int64_t index, int64_t *first,
		      int64_t *last)
{
	*first = index * chunk;
	*last = index == count - 1 ? size - 1 : *first + chunk - 1;
}
