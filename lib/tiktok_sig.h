/* tiktok_sig.h — TikTok webhook signatures (tiktok-api.md §4.5).
 *
 * Header "TikTok-Signature: t=<unix seconds>,s=<hex>", where
 * s = lowercase hex HMAC-SHA256(key = client_secret, t + "." + raw body).
 * The emulator signs with tiktok_signature; the app's webhook handler
 * checks with tiktok_signature_verify. */
#ifndef LF_TIKTOK_SIG_H
#define LF_TIKTOK_SIG_H

#include <stddef.h>
#include <stdint.h>

/* out_hex receives 64 lowercase hex digits and a NUL. */
void tiktok_signature(const char *secret, int64_t t, const void *body, size_t len, char out_hex[65]);

/* Writes the whole header value "t=...,s=..." into out (at least 96 bytes). */
void tiktok_signature_header(const char *secret, int64_t t, const void *body, size_t len,
			     char *out, size_t outlen);

/* The header's parts: 0 when it is well formed (t= decimal seconds, s= 64
 * hex digits, returned in lower case), -1 when not: a malformed header is
 * refused with 400, a well-formed one that does not verify with 401. */
int tiktok_signature_parse(const char *header, int64_t *t, char s_hex[65]);

/* 0 when the header is well formed, its s matches (constant-time) and
 * |now - t| <= tolerance_sec; -1 otherwise. Parsing splits on ',' then '='
 * and ignores unknown keys, so a future "v1=" part does not break it. */
int tiktok_signature_verify(const char *header, const char *secret, const void *body, size_t len,
			    int64_t now, int64_t tolerance_sec);

#endif
