/* rules.c — see rules.h: TikTok's chunk, Content-Range and signature rules,
 * the emulator's own reading of the brief. */
#include "rules.h"
#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int is_loopback_host(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "[::1]") || !strcasecmp(host, "localhost");
}

/* host (lower-cased, without port) of an http(s) URL into out, and whether
 * it is https. 0, or -1 when malformed. */
static int url_host(const char *url, char *out, size_t n, int *https)
{
	const char *a, *end;
	size_t len;

	if (!strncmp(url, "https://", 8))
		*https = 1;
	else if (!strncmp(url, "http://", 7))
		*https = 0;
	else
		return -1;
	a = url + (*https ? 8 : 7);
	end = a + strcspn(a, "/?#");
	len = (size_t)(end - a);
	if (!len || len >= n || memchr(a, '@', len) || strchr(url, '#') || strpbrk(url, " \t\r\n"))
		return -1;
	memcpy(out, a, len);
	out[len] = '\0';
	/* drop the port: "[::1]:8080" keeps its brackets */
	{
		char *colon = strrchr(out, ':');
		if (colon && (out[0] != '[' || colon > strchr(out, ']')))
			*colon = '\0';
	}
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out[0] ? 0 : -1;
}

/* Does item (one entry of a comma list) satisfy match(url-or-host, item)? */
static int any_in_list(const char *list, const char *subject, int (*match)(const char *, const char *, size_t))
{
	for (const char *s = list; s && *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		while (n && *s == ' ') {
			s++;
			n--;
		}
		while (n && s[n - 1] == ' ')
			n--;
		if (n && match(subject, s, n))
			return 1;
		s = e ? e + 1 : NULL;
	}
	return 0;
}

/* A URL prefix property covers URLs that start with it; it ends in '/'. */
static int prefix_match(const char *url, const char *prefix, size_t n)
{
	return prefix[n - 1] == '/' && !strncmp(url, prefix, n);
}

/* A domain property covers the domain and all its subdomains. */
static int domain_match(const char *host, const char *domain, size_t n)
{
	size_t h = strlen(host);

	if (h == n)
		return !strncasecmp(host, domain, n);
	return h > n && host[h - n - 1] == '.' && !strncasecmp(host + h - n, domain, n);
}

enum tt_url_verdict tt_pull_url_check(const char *url, const char *prefixes, const char *domains,
				      int allow_loopback_http, char *why)
{
	char host[256];
	int https = 0;

	if (why)
		*why = '\0';
	if (!url || strlen(url) > 2048 || url_host(url, host, sizeof(host), &https) < 0) {
		if (why)
			snprintf(why, TT_WHY_LEN, "video_url is not an absolute http(s) URL with a host");
		return TT_URL_MALFORMED;
	}
	if (!https && !(allow_loopback_http && is_loopback_host(host))) {
		if (why)
			snprintf(why, TT_WHY_LEN, "video_url must be https (%.120s)", host);
		return TT_URL_MALFORMED;
	}
	if (any_in_list(prefixes, url, prefix_match) || any_in_list(domains, host, domain_match))
		return TT_URL_OK;
	if (why)
		snprintf(why, TT_WHY_LEN, "no verified domain or URL prefix covers %.150s", host);
	return TT_URL_UNVERIFIED;
}
