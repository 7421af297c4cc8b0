#include "http.h"
#include "escape.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int kv_add(struct kvlist *l, const char *k, const char *v)
{
	if (l->n >= HTTP_MAX_FIELDS)
		return -1;
	l->items[l->n].key = k;
	l->items[l->n].val = v;
	l->n++;
	return 0;
}

int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct kvlist *out)
{
	size_t i = 0;

	out->n = 0;
	while (i < len) {
		size_t start = i, eq = (size_t)-1;
		char *k, *v;
		long kl, vl;

		while (i < len && s[i] != '&') {
			if (s[i] == '=' && eq == (size_t)-1)
				eq = i;
			i++;
		}
		if (i > start) {
			size_t kend = eq == (size_t)-1 ? i : eq;
			k = arena_strndup(a, s + start, kend - start);
			v = eq == (size_t)-1 ? arena_strdup(a, "")
					     : arena_strndup(a, s + eq + 1, i - eq - 1);
			kl = url_decode(k, strlen(k), 1);
			vl = url_decode(v, strlen(v), 1);
			if (kl < 0 || vl < 0 || kv_add(out, k, v) < 0)
				return -1;
		}
		i++; /* skip '&' */
	}
	return 0;
}

int http_parse_cookies(struct arena *a, const char *s, struct kvlist *out)
{
	out->n = 0;
	if (!s)
		return 0;
	while (*s) {
		const char *ks, *ke, *vs, *ve;

		while (*s == ' ' || *s == ';')
			s++;
		ks = s;
		while (*s && *s != '=' && *s != ';')
			s++;
		ke = s;
		if (*s != '=') {
			continue; /* a bare name: skip it */
		}
		vs = ++s;
		while (*s && *s != ';')
			s++;
		ve = s;
		while (ke > ks && ke[-1] == ' ')
			ke--;
		while (ve > vs && ve[-1] == ' ')
			ve--;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		if (ke > ks &&
		    kv_add(out, arena_strndup(a, ks, (size_t)(ke - ks)),
			   arena_strndup(a, vs, (size_t)(ve - vs))) < 0)
			return -1;
	}
	return 0;
}

const char *kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].val;
	return NULL;
}

int http_match_path(struct arena *a, const char *pat, const char *path, struct kvlist *out)
{
	out->n = 0;
	while (*pat && *path) {
		if (*pat == '{') {
			const char *name = pat + 1, *close = strchr(pat, '}');
			const char *seg = path;
			if (!close)
				return 0;
			while (*path && *path != '/')
				path++;
			if (path == seg)
				return 0;
			if (kv_add(out, arena_strndup(a, name, (size_t)(close - name)),
				   arena_strndup(a, seg, (size_t)(path - seg))) < 0)
				return 0;
			pat = close + 1;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return *pat == '\0' && *path == '\0';
}

static int parse_ll(const char **p, long long *out)
{
	const char *s = *p;
	long long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		if (v > (999999999999999LL))
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	*out = v;
	*p = s;
	return 0;
}

int http_parse_content_range(const char *s, long long *first, long long *last, long long *total)
{
	if (!s || strncmp(s, "bytes ", 6) != 0)
		return -1;
	s += 6;
	if (parse_ll(&s, first) < 0 || *s++ != '-' || parse_ll(&s, last) < 0 ||
	    *s++ != '/' || parse_ll(&s, total) < 0 || *s != '\0')
		return -1;
	if (*first > *last || *last >= *total)
		return -1;
	return 0;
}

/* The plain-text rules of http_is_local_path, without the decoding. */
static int local_path_shape(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/' || (n > 1 && (s[1] == '/' || s[1] == '\\')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* 0x21..0x7e: no control bytes, no space, nothing non-ASCII */
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return 0;
	}
	return 1;
}

int http_is_local_path(const char *s)
{
	char decoded[HTTP_LOCAL_PATH_MAX + 1];
	size_t n = s ? strlen(s) : 0;
	long dn;

	if (n > HTTP_LOCAL_PATH_MAX || !local_path_shape(s, n))
		return 0;
	memcpy(decoded, s, n + 1);
	dn = url_decode(decoded, n, 0);
	/* a malformed escape ("%zz", "%") is refused rather than guessed at */
	return dn >= 0 && local_path_shape(decoded, (size_t)dn);
}
