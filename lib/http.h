/* http.h — parsing what arrives with a request: query strings, urlencoded
 * forms, cookies, path parameters. All memory comes from the request arena;
 * every parser bounds the number of fields and refuses malformed input. */
#ifndef LF_HTTP_H
#define LF_HTTP_H

#include <stddef.h>
#include "arena.h"

#define HTTP_MAX_FIELDS 512   /* a batch review form carries about 10 fields per row */

struct kv {
	const char *key;
	const char *val;
};

struct kvlist {
	struct kv items[HTTP_MAX_FIELDS];
	size_t n;
};

/* a=1&b=two+words — returns 0, or -1 when malformed or over HTTP_MAX_FIELDS. */
int http_parse_urlencoded(struct arena *a, const char *s, size_t len, struct kvlist *out);
/* "a=1; b=2" — values are taken verbatim (no decoding), bad pairs skipped. */
int http_parse_cookies(struct arena *a, const char *s, struct kvlist *out);
/* First value for key, or NULL. */
const char *kv_get(const struct kvlist *l, const char *key);

/* Match "/videos/{id}/tiktok" against a path; captures go to out in order.
 * Returns 1 on a match, 0 otherwise. Captures never contain '/'. */
int http_match_path(struct arena *a, const char *pattern, const char *path, struct kvlist *out);

/* 1 when s is provably a path on this site, safe for a Location header:
 * one leading '/', not followed by '/' or '\', only printable ASCII
 * without spaces or '\', at most HTTP_LOCAL_PATH_MAX bytes, and the same
 * still holds after one more round of percent-decoding (browsers drop TABs
 * and newlines and may decode again: "/%09/evil" must not become "//evil").
 * 0 otherwise. */
#define HTTP_LOCAL_PATH_MAX 2048
int http_is_local_path(const char *s);

/* Content-Range "bytes F-L/T" → 0 or -1. */
int http_parse_content_range(const char *s, long long *first, long long *last, long long *total);

#endif
