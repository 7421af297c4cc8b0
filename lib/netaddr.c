#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEPARATORS ", \t"

struct net {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
	int prefix;              /* bits that must match */
};

/* "ADDR" or "ADDR/PREFIX" of length n into *out. 0 or -1. */
static int parse_net(const char *s, size_t n, struct net *out)
{
	char text[64];
	const char *slash;
	int maxbits;

	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	slash = strchr(text, '/');
	if (slash)
		text[slash - text] = '\0';
	if (inet_pton(AF_INET, text, out->bytes) == 1) {
		out->family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, text, out->bytes) == 1) {
		out->family = AF_INET6;
		maxbits = 128;
	} else {
		return -1;
	}
	out->prefix = maxbits;
	if (slash) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || bits < 0 || bits > maxbits)
			return -1;
		out->prefix = (int)bits;
	}
	return 0;
}

static int net_contains(const struct net *net, const struct net *addr)
{
	int full = net->prefix / 8, rest = net->prefix % 8;

	if (net->family != addr->family || memcmp(net->bytes, addr->bytes, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net->bytes[full] ^ addr->bytes[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Calls fn for each entry of the list; stops at the first non-zero. */
static int each_entry(const char *list, int (*fn)(const char *s, size_t n, void *arg), void *arg)
{
	const char *p = list ? list : "";

	for (;;) {
		size_t n;
		int rc;
		p += strspn(p, SEPARATORS);
		if (!*p)
			return 0;
		n = strcspn(p, SEPARATORS);
		rc = fn(p, n, arg);
		if (rc)
			return rc;
		p += n;
	}
}

struct why { char *buf; size_t len; };

static int entry_invalid(const char *s, size_t n, void *arg)
{
	struct why *w = arg;
	struct net net;

	if (parse_net(s, n, &net) == 0)
		return 0;
	snprintf(w->buf, w->len, "'%.*s' is not an IP address or network (ADDR or ADDR/BITS)",
		 (int)(n > 64 ? 64 : n), s);
	return -1;
}

int netaddr_list_valid(const char *list, char *why, size_t whylen)
{
	struct why w = { why, whylen };

	return each_entry(list, entry_invalid, &w) ? -1 : 0;
}

static int entry_contains(const char *s, size_t n, void *arg)
{
	struct net net;

	return parse_net(s, n, &net) == 0 && net_contains(&net, arg);
}

/* addr as a single host, 0 or -1. */
static int parse_host(const char *addr, struct net *out)
{
	if (!addr || strchr(addr, '/') || parse_net(addr, strlen(addr), out) < 0)
		return -1;
	return 0;
}

int netaddr_is_address(const char *s)
{
	struct net a;

	return parse_host(s, &a) == 0;
}

int netaddr_in_list(const char *list, const char *addr)
{
	struct net a;

	if (parse_host(addr, &a) < 0)
		return 0;
	return each_entry(list, entry_contains, &a) == 1;
}
