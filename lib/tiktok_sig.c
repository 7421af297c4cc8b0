/* tiktok_sig.c — sign and verify TikTok webhook deliveries. */
#include "tiktok_sig.h"
#include "buf.h"
#include "crypto.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void tiktok_signature(const char *secret, int64_t t, const void *body, size_t len, char out_hex[65])
{
	struct buf msg = BUF_INIT;

	/* signed_payload = t "." raw body */
	buf_printf(&msg, "%lld.", (long long)t);
	buf_append(&msg, body, len);
	crypto_hmac_sha256_hex(secret, strlen(secret), msg.data, msg.len, out_hex);
	buf_free(&msg);
}

void tiktok_signature_header(const char *secret, int64_t t, const void *body, size_t len,
			     char *out, size_t outlen)
{
	char hex[65];

	tiktok_signature(secret, t, body, len, hex);
	snprintf(out, outlen, "t=%lld,s=%s", (long long)t, hex);
}

/* Copy the value of key k from "k1=v1,k2=v2" into out; 0 or -1. */
static int header_part(const char *h, const char *k, char *out, size_t outlen)
{
	size_t kl = strlen(k);

	while (*h) {
		const char *end = strchr(h, ',');
		size_t n = end ? (size_t)(end - h) : strlen(h);
		while (n && isspace((unsigned char)*h)) {
			h++;
			n--;
		}
		if (n > kl && !strncmp(h, k, kl) && h[kl] == '=') {
			if (n - kl - 1 >= outlen)
				return -1;
			memcpy(out, h + kl + 1, n - kl - 1);
			out[n - kl - 1] = '\0';
			return 0;
		}
		if (!end)
			break;
		h = end + 1;
	}
	return -1;
}

int tiktok_signature_parse(const char *header, int64_t *t, char s_hex[65])
{
	char tbuf[24], sbuf[80];
	size_t n;

	if (!header || header_part(header, "t", tbuf, sizeof(tbuf)) < 0 ||
	    header_part(header, "s", sbuf, sizeof(sbuf)) < 0)
		return -1;
	if (parse_int64(tbuf, 0, INT64_MAX / 2, t) < 0)
		return -1;
	/* an HMAC-SHA256 in hex: exactly 64 hex digits (either case) */
	n = strlen(sbuf);
	if (n != 64 || strspn(sbuf, "0123456789abcdefABCDEF") != n)
		return -1;
	for (size_t i = 0; i <= n; i++)
		s_hex[i] = (char)tolower((unsigned char)sbuf[i]);
	return 0;
}

int tiktok_signature_verify(const char *header, const char *secret, const void *body, size_t len,
			    int64_t now, int64_t tolerance_sec)
{
	char sig[65], expect[65];
	int64_t t, skew;

	if (!secret || tiktok_signature_parse(header, &t, sig) < 0)
		return -1;
	tiktok_signature(secret, t, body, len, expect);
	if (!expect[0] || !crypto_str_equal(sig, expect))
		return -1;
	skew = now > t ? now - t : t - now;
	return skew <= tolerance_sec ? 0 : -1;
}
