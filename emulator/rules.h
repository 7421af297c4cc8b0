/* rules.h — TikTok's rules as the emulator checks them, written from
 * shared/tiktok-api.md (§2.4 chunks and Content-Range, §4.5 webhook
 * signatures) and on purpose sharing no code with lib/: the product plans
 * chunks with lib/chunkplan.c and verifies signatures with lib/tiktok_sig.c,
 * so a bug there must meet a second, separate reading of the same brief
 * here. Only generic primitives come from lib/ (crypto.h's HMAC-SHA256).
 *
 * Pure functions, no emulator state: tests/unit/test_emulator_rules.c
 * checks them with the brief's own examples. */
#ifndef EMU_RULES_H
#define EMU_RULES_H

#include <stddef.h>
#include <stdint.h>

/* §2.4 says "5 MB", "64 MB", "128 MB" and "4 GB" without saying whether MB
 * is 10^6 or 2^20. The emulator accepts only what both readings accept, so
 * a client that passes here passes at TikTok under either. */
#define TT_CHUNK_FLOOR        (5LL * 1024 * 1024)   /* 5 MiB > 5,000,000 */
#define TT_CHUNK_CEILING      64000000LL            /* 64 MB < 64 MiB */
#define TT_WHOLE_FILE_CEILING 64000000LL            /* above: must be chunked */
#define TT_LAST_CHUNK_CEILING 128000000LL           /* the last chunk takes the remainder */
#define TT_VIDEO_CEILING      4000000000LL          /* 4 GB < 4 GiB */
#define TT_MAX_CHUNKS         1000LL
#define TT_WHY_LEN            200

/* 0 when TikTok accepts video_size / chunk_size / total_chunk_count,
 * -1 when it does not; why (TT_WHY_LEN bytes) names the broken rule. */
int tt_chunk_plan_check(int64_t video_size, int64_t chunk_size, int64_t total_chunk_count, char *why);

/* The inclusive byte range TikTok expects for chunk number index (0-based)
 * of an accepted plan: every chunk is chunk_size bytes except the last,
 * which runs to the end of the file. */
void tt_chunk_bytes(int64_t video_size, int64_t chunk_size, int64_t total_chunk_count, int64_t index,
		    int64_t *first, int64_t *last);

/* "bytes FIRST-LAST/TOTAL", decimal digits only, FIRST <= LAST < TOTAL.
 * 0, or -1 for anything else (including "bytes *\/TOTAL" in a request). */
int tt_parse_content_range(const char *value, int64_t *first, int64_t *last, int64_t *total);

/* §4.5: hex(HMAC-SHA256(key = client_secret, message = t "." raw body)),
 * 64 lowercase digits, into sig (65 bytes). */
void tt_webhook_signature(const char *client_secret, int64_t t, const void *body, size_t len, char sig[65]);

/* The whole TikTok-Signature header value "t=<t>,s=<sig>" into out. */
void tt_webhook_signature_header(const char *client_secret, int64_t t, const void *body, size_t len,
				 char *out, size_t outlen);

/* §2.5 PULL_FROM_URL: may TikTok fetch video_url?
 *   TT_URL_OK          yes;
 *   TT_URL_MALFORMED   not an absolute http(s) URL with a host, userinfo,
 *                      a fragment, or http to anything but loopback
 *                      (https is required; plain http is allowed only to
 *                      127.0.0.1, ::1 and localhost, and only when
 *                      allow_loopback_http, so tests need no TLS);
 *   TT_URL_UNVERIFIED  well formed but under no verified property:
 *                      prefixes (comma list of "scheme://host[:port]/path/",
 *                      covering URLs that start with one) or domains (comma
 *                      list; a domain covers itself and every subdomain).
 * why (TT_WHY_LEN bytes) says which. */
enum tt_url_verdict { TT_URL_OK = 0, TT_URL_MALFORMED = 1, TT_URL_UNVERIFIED = 2 };
enum tt_url_verdict tt_pull_url_check(const char *url, const char *prefixes, const char *domains,
				      int allow_loopback_http, char *why);

#endif
