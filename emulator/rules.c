/* rules.c — see rules.h: TikTok's chunk, Content-Range and signature rules,
 * the emulator's own reading of the brief. */
#include "rules.h"
#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int refused(char *why, const char *fmt, long long a, long long b)
{
	if (why)
		snprintf(why, TT_WHY_LEN, fmt, a, b);
	return -1;
}

/* A whole-file upload: one chunk that is the file ("a video < 5 MB must be
 * sent whole", and anything up to the chunk ceiling may be). */
static int check_whole_file(int64_t size, int64_t chunk, char *why)
{
	if (size > TT_WHOLE_FILE_CEILING)
		return refused(why, "a video of %lld bytes is over %lld and must be sent in chunks", size,
			       TT_WHOLE_FILE_CEILING);
	if (chunk != size)
		return refused(why, "one chunk means chunk_size (%lld) equal to video_size (%lld)", chunk, size);
	return 0;
}

int tt_chunk_plan_check(int64_t size, int64_t chunk, int64_t count, char *why)
{
	int64_t whole, last;

	if (why)
		*why = '\0';
	if (size <= 0 || size > TT_VIDEO_CEILING)
		return refused(why, "video_size %lld is not within 1..%lld", size, TT_VIDEO_CEILING);
	if (chunk <= 0)
		return refused(why, "chunk_size %lld is below %lld", chunk, 1);
	if (count <= 0 || count > TT_MAX_CHUNKS)
		return refused(why, "total_chunk_count %lld is not within 1..%lld", count, TT_MAX_CHUNKS);
	if (count == 1)
		return check_whole_file(size, chunk, why);
	/* several chunks: each one inside [floor, ceiling], counted with floor() */
	if (chunk < TT_CHUNK_FLOOR || chunk > TT_CHUNK_CEILING)
		return refused(why, "chunk_size %lld is outside the allowed chunk sizes (ceiling %lld)", chunk,
			       TT_CHUNK_CEILING);
	whole = size / chunk;
	if (count != whole)
		return refused(why, "total_chunk_count %lld, but floor(video_size / chunk_size) is %lld", count,
			       whole);
	last = size - (count - 1) * chunk;
	if (last > TT_LAST_CHUNK_CEILING)
		return refused(why, "the last chunk would be %lld bytes, over %lld", last, TT_LAST_CHUNK_CEILING);
	return 0;
}

void tt_chunk_bytes(int64_t size, int64_t chunk, int64_t count, int64_t index, int64_t *first, int64_t *last)
{
	*first = chunk * index;
	*last = index + 1 < count ? *first + chunk - 1 : size - 1;
}

/* Decimal digits at *p into *out (no sign, no spaces, no overflow). */
static int digits(const char **p, int64_t *out)
{
	const char *s = *p;
	int64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int tt_parse_content_range(const char *value, int64_t *first, int64_t *last, int64_t *total)
{
	const char *p = value;

	if (!p || strncmp(p, "bytes ", 6) != 0)
		return -1;
	p += 6;
	if (digits(&p, first) < 0 || *p++ != '-')
		return -1;
	if (digits(&p, last) < 0 || *p++ != '/')
		return -1;
	if (digits(&p, total) < 0 || *p != '\0')
		return -1;
	return *first <= *last && *last < *total ? 0 : -1;
}

void tt_webhook_signature(const char *secret, int64_t t, const void *body, size_t len, char sig[65])
{
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "%lld.", (long long)t);
	char *payload = malloc((size_t)n + len + 1);

	if (!payload) {
		sig[0] = '\0';
		return;
	}
	/* signed_payload = t + "." + the body bytes exactly as sent */
	memcpy(payload, prefix, (size_t)n);
	memcpy(payload + n, body, len);
	crypto_hmac_sha256_hex(secret, strlen(secret), payload, (size_t)n + len, sig);
	free(payload);
}

void tt_webhook_signature_header(const char *secret, int64_t t, const void *body, size_t len, char *out,
				 size_t outlen)
{
	char sig[65];

	tt_webhook_signature(secret, t, body, len, sig);
	snprintf(out, outlen, "t=%lld,s=%s", (long long)t, sig);
}
