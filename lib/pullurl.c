/* pullurl.c — signed PULL_FROM_URL addresses. See pullurl.h. */
#include "pullurl.h"
#include "crypto.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* The signing key: HMAC(secret_key, label), so a signature can never be
 * confused with anything else the secret key protects. */
static void signing_key(const struct config *c, char key[65])
{
	static const char label[] = "langflix pull-from-url v1";

	crypto_hmac_sha256_hex(c->secret_key.bytes, sizeof(c->secret_key.bytes), label,
			       sizeof(label) - 1, key);
}

static void sign(const struct config *c, int64_t video_id, int64_t job_id, long long expires,
		 char sig[65])
{
	char key[65], msg[96];
	int n = snprintf(msg, sizeof(msg), "%lld.%lld.%lld", (long long)video_id, (long long)job_id,
			 expires);

	signing_key(c, key);
	crypto_hmac_sha256_hex(key, 64, msg, (size_t)n, sig);
	memset(key, 0, sizeof(key));
}

int pull_url_make(const struct config *c, int64_t video_id, int64_t job_id, time_t now,
		  struct buf *out)
{
	const char *base = c->media_public_base_url;
	size_t blen;
	long long expires = (long long)now + (long long)c->media_url_ttl_sec;
	char sig[65];

	if (!base || !*base || !c->secret_key.set || video_id <= 0 || job_id <= 0)
		return -1;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	sign(c, video_id, job_id, expires, sig);
	buf_append(out, base, blen);
	buf_printf(out, PULL_URL_PATH "%lld?job=%lld&expires=%lld&sig=%s", (long long)video_id,
		   (long long)job_id, expires, sig);
	return 0;
}

enum pull_check pull_url_check(const struct config *c, int64_t video_id, const char *job,
			       const char *expires, const char *sig, time_t now, int64_t *job_id)
{
	int64_t exp, jid;
	char want[65];
	int ok;

	*job_id = 0;
	if (!c->secret_key.set || video_id <= 0 || !job || !expires || !sig ||
	    parse_int64(job, 1, INT64_MAX, &jid) < 0 ||
	    parse_int64(expires, 1, INT64_MAX / 2, &exp) < 0)
		return PULL_FORGED;
	sign(c, video_id, jid, (long long)exp, want);
	ok = crypto_str_equal(want, sig);
	memset(want, 0, sizeof(want));
	if (!ok)
		return PULL_FORGED;
	if ((int64_t)now > exp)
		return PULL_EXPIRED;
	*job_id = jid;
	return PULL_OK;
}
