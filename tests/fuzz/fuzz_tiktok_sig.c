/* fuzz_tiktok_sig — the TikTok-Signature header ("t=...,s=...") as the
 * webhook handler checks it (tiktok_signature_verify). The input is
 * "header\0body". A random header essentially never verifies; a header we
 * signed ourselves over the same body always does, and stops verifying when
 * the body changes or the time is outside the tolerance. */
#include "fuzz.h"

#include "tiktok_sig.h"

static const char secret[] = "fuzz-client-secret";
#define NOW 1700000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header, *body;
	char good[128];
	size_t blen;

	fuzz_split(data, size, &header, &body);
	blen = strlen(body);

	{
		/* only a well-formed header can verify (malformed is 400, forged 401) */
		char s[65];
		int64_t t;
		int parsed = tiktok_signature_parse(header, &t, s);
		if (tiktok_signature_verify(header, secret, body, blen, NOW, 300) == 0)
			FUZZ_CHECK(parsed == 0);
		if (parsed == 0)
			FUZZ_CHECK(strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64 && t >= 0);
	}
	(void)tiktok_signature_verify(header, "", body, blen, NOW, 300);

	tiktok_signature_header(secret, NOW - 10, body, blen, good, sizeof(good));
	FUZZ_CHECK(tiktok_signature_verify(good, secret, body, blen, NOW, 300) == 0);
	FUZZ_CHECK(tiktok_signature_verify(good, "other", body, blen, NOW, 300) == -1);
	FUZZ_CHECK(tiktok_signature_verify(good, secret, body, blen, NOW + 1000, 300) == -1);
	if (blen > 0) {
		FUZZ_CHECK(tiktok_signature_verify(good, secret, body, blen - 1, NOW, 300) == -1);
		body[0] ^= 1;
		FUZZ_CHECK(tiktok_signature_verify(good, secret, body, blen, NOW, 300) == -1);
	}
	/* the fuzzed text as an extra part after a valid signature is ignored */
	if (!strchr(header, ',')) {
		char *h = malloc(strlen(good) + strlen(header) + 8);
		if (blen > 0)
			body[0] ^= 1;
		sprintf(h, "%s,v1=%s", good, header);
		(void)tiktok_signature_verify(h, secret, body, blen, NOW, 300);
		free(h);
	}
	free(header);
	free(body);
	return 0;
}
