/* fuzz_content_range — Content-Range as the emulator reads it from a chunk
 * PUT (http_parse_content_range: "bytes F-L/T") and as the worker reads
 * TikTok's answer (tiktok_parse_held_range: "bytes 0-N/T" or "bytes * /T").
 * Accepted ranges are always consistent: first <= last < total. */
#include "fuzz.h"

#include <inttypes.h>

#include "http.h"
#include "tiktok_post.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	long long f = -1, l = -1, t = -1;
	int64_t held = -1, total = -1;

	if (http_parse_content_range(s, &f, &l, &t) == 0) {
		FUZZ_CHECK(f >= 0 && f <= l && l < t);
		/* what was accepted prints back to the same value */
		char again[96];
		snprintf(again, sizeof(again), "bytes %lld-%lld/%lld", f, l, t);
		long long f2, l2, t2;
		FUZZ_CHECK(http_parse_content_range(again, &f2, &l2, &t2) == 0);
		FUZZ_CHECK(f2 == f && l2 == l && t2 == t);
	}
	if (tiktok_parse_held_range(s, &held, &total) == 0) {
		FUZZ_CHECK(held >= 0 && total > 0 && held <= total);
	}
	free(s);
	return 0;
}
