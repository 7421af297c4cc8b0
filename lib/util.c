/* util.c — out-of-memory is fatal: every allocator here aborts rather
 * than hand a NULL to code that cannot do anything sensible with it. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static void oom(size_t n)
{
	fprintf(stderr, "level=fatal msg=\"out of memory\" bytes=%zu\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void str_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int str_all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int process_protect_memory(void)
{
	struct rlimit none = { 0, 0 }, now;
	int rc = 0;

	/* already off (systemd's LimitCORE=0, whose units also forbid the
	 * setrlimit call with SystemCallFilter=~@resources): nothing to do */
	if (getrlimit(RLIMIT_CORE, &now) == 0 && now.rlim_cur == 0 && now.rlim_max == 0)
		;
	else if (setrlimit(RLIMIT_CORE, &none) != 0)
		rc = -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		rc = -1;
	return rc;
}

int process_memory_protected(void)
{
	struct rlimit lim;

	return getrlimit(RLIMIT_CORE, &lim) == 0 && lim.rlim_cur == 0 && lim.rlim_max == 0 &&
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

/* host[0..n) is 127.a.b.c with every part a decimal 0..255. */
static int is_loopback_v4(const char *host, size_t n)
{
	int parts = 0, value = -1;

	if (n < 4 || strncmp(host, "127.", 4) != 0)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || host[i] == '.') {
			if (value < 0 || value > 255)
				return 0;
			parts++;
			value = -1;
		} else if (host[i] >= '0' && host[i] <= '9' && value < 1000) {
			value = (value < 0 ? 0 : value * 10) + (host[i] - '0');
		} else {
			return 0;
		}
	}
	return parts == 4;
}

/* The host of an http:// authority (no user info) is this machine. */
static int authority_is_loopback(const char *a, size_t n)
{
	size_t hn;
	const char *port;

	if (n == 0 || memchr(a, '@', n))
		return 0;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close)
			return 0;
		hn = (size_t)(close - a) + 1;
	} else {
		const char *colon = memchr(a, ':', n);
		hn = colon ? (size_t)(colon - a) : n;
	}
	port = a + hn;
	if (port < a + n) {
		/* ":digits" and nothing else after the host */
		if (*port != ':' || port + 1 == a + n)
			return 0;
		for (const char *p = port + 1; p < a + n; p++)
			if (*p < '0' || *p > '9')
				return 0;
	}
	return (hn == 9 && !strncasecmp(a, "localhost", 9)) || (hn == 5 && !strncmp(a, "[::1]", 5)) ||
	       is_loopback_v4(a, hn);
}

int url_https_or_loopback(const char *url)
{
	const char *a;

	if (!url)
		return 0;
	if (!strncasecmp(url, "https://", 8))
		return strcspn(url + 8, "/?#") > 0;
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	a = url + 7;
	return authority_is_loopback(a, strcspn(a, "/?#"));
}

void time_iso_utc(int64_t secs, char out[32])
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}
