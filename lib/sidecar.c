/* sidecar.c — LangFlix `.meta.json` files, read defensively: the files are
 * produced by another tool and may be partial, stale or hand-edited. */
#include "sidecar.h"
#include "escape.h"
#include "util.h"

#include <json-c/json.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void warn(struct buf *w, const char *field, const char *what)
{
	if (!w)
		return;
	if (w->len)
		buf_puts(w, "; ");
	buf_printf(w, "field \"%s\" %s, ignored", field, what);
}

/* A usable string value, or NULL (with a warning when it was unusable). */
static char *string_value(json_object *v, const char *field, struct buf *w)
{
	const char *s;
	size_t n;

	if (!v || json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		warn(w, field, "is not a string");
		return NULL;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > SIDECAR_MAX_STRING) {
		warn(w, field, "is longer than 4096 bytes");
		return NULL;
	}
	/* "\u0000" would silently cut the text here and PostgreSQL refuses it */
	if (strlen(s) != n) {
		warn(w, field, "contains a NUL character");
		return NULL;
	}
	return n ? xstrndup(s, n) : NULL;
}

static char *episode_value(json_object *v, struct buf *w)
{
	char num[64];

	if (v && json_object_is_type(v, json_type_int)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
		return xstrdup(num);
	}
	if (v && json_object_is_type(v, json_type_double)) {
		snprintf(num, sizeof(num), "%g", json_object_get_double(v));
		return xstrdup(num);
	}
	if (v && !json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_null)) {
		warn(w, "episode", "is not a string or a number");
		return NULL;
	}
	return string_value(v, "episode", w);
}

static void read_keywords(json_object *v, struct sidecar *sc, struct buf *w)
{
	size_t n, skipped = 0;
	char field[48];

	if (!v || json_object_is_type(v, json_type_null))
		return;
	if (!json_object_is_type(v, json_type_array)) {
		warn(w, "catchy_keywords", "is not an array");
		return;
	}
	n = json_object_array_length(v);
	sc->keywords = xcalloc(n < SIDECAR_MAX_KEYWORDS ? n + 1 : SIDECAR_MAX_KEYWORDS + 1,
			       sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char *k;
		if (sc->nkeywords == SIDECAR_MAX_KEYWORDS) {
			skipped = n - i;
			break;
		}
		snprintf(field, sizeof(field), "catchy_keywords[%zu]", i);
		k = string_value(json_object_array_get_idx(v, i), field, w);
		if (k)
			sc->keywords[sc->nkeywords++] = k;
	}
	if (skipped && w) {
		if (w->len)
			buf_puts(w, "; ");
		buf_printf(w, "only the first %d catchy_keywords are kept, %zu ignored",
			   SIDECAR_MAX_KEYWORDS, skipped);
	}
}

/* A time in milliseconds: a whole or fractional number, 0..SIDECAR_MAX_MS. */
static long long ms_value(json_object *v, const char *field, struct buf *w)
{
	double d;

	if (!v || json_object_is_type(v, json_type_null))
		return -1;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
		warn(w, field, "is not a number of milliseconds");
		return -1;
	}
	d = json_object_get_double(v);
	if (!(d >= 0.0 && d <= (double)SIDECAR_MAX_MS)) {
		warn(w, field, "is not between 0 and 86400000 milliseconds");
		return -1;
	}
	return (long long)(d + 0.5);
}

static int only_whitespace(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

static json_object *parse_json(const char *text, size_t len, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *root;
	enum json_tokener_error e;
	size_t end;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!root && e == json_tokener_continue)
		snprintf(err, errlen, "invalid JSON: unexpected end of file");
	else if (!root)
		snprintf(err, errlen, "invalid JSON at byte %zu: %s", end,
			 json_tokener_error_desc(e));
	else if (!only_whitespace(text + end, len - end)) {
		snprintf(err, errlen, "invalid JSON: unexpected data after the object at byte %zu", end);
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

int sidecar_parse(const char *text, size_t len, struct sidecar *out,
		  struct buf *warnings, char *err, size_t errlen)
{
	json_object *root, *v;

	memset(out, 0, sizeof(*out));
	out->expression_start_ms = -1;
	if (len > SIDECAR_MAX_BYTES) {
		snprintf(err, errlen, "sidecar is larger than 1 MiB");
		return -1;
	}
	root = parse_json(text, len, err, errlen);
	if (!root)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "sidecar is not a JSON object");
		json_object_put(root);
		return -1;
	}
#define FIELD(name) (json_object_object_get_ex(root, #name, &v) ? v : NULL)
	out->expression = string_value(FIELD(expression), "expression", warnings);
	out->expression_translation = string_value(FIELD(expression_translation),
						   "expression_translation", warnings);
	out->title = string_value(FIELD(title), "title", warnings);
	out->title_translation = string_value(FIELD(title_translation), "title_translation", warnings);
	read_keywords(FIELD(catchy_keywords), out, warnings);
	out->language = string_value(FIELD(language), "language", warnings);
	out->learn_language = string_value(FIELD(learn_language), "learn_language", warnings);
	out->show_name = string_value(FIELD(show_name), "show_name", warnings);
	out->episode = episode_value(FIELD(episode), warnings);
	out->generated_at = string_value(FIELD(generated_at), "generated_at", warnings);
	out->expression_start_ms = ms_value(FIELD(expression_start_ms), "expression_start_ms", warnings);
#undef FIELD
	json_object_put(root);
	return 0;
}

int sidecar_load(const char *path, struct sidecar *out,
		 struct buf *warnings, char *err, size_t errlen)
{
	struct stat sb;
	char *text = NULL;
	ssize_t got;
	size_t len = 0;
	int fd, rc = -1;

	memset(out, 0, sizeof(*out));
	out->expression_start_ms = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the sidecar (%s)", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "the sidecar is not a regular file");
		goto out;
	}
	if (sb.st_size > SIDECAR_MAX_BYTES) {
		snprintf(err, errlen, "sidecar is larger than 1 MiB");
		goto out;
	}
	/* read one byte more than allowed, in case the file grew since fstat */
	text = xmalloc(SIDECAR_MAX_BYTES + 1);
	while (len <= SIDECAR_MAX_BYTES) {
		got = read(fd, text + len, SIDECAR_MAX_BYTES + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "cannot read the sidecar (%s)", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	rc = sidecar_parse(text, len, out, warnings, err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}

int sidecar_path(const char *video_path, int which, char *out, size_t outlen)
{
	const char *slash = strrchr(video_path, '/');
	const char *base = slash ? slash + 1 : video_path;
	const char *dot = strrchr(base, '.');
	int n;

	if (which == 0) {
		n = snprintf(out, outlen, "%s.meta.json", video_path);
	} else {
		if (!dot || dot == base)
			return -1;
		n = snprintf(out, outlen, "%.*s.meta.json", (int)(dot - video_path), video_path);
	}
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int sidecar_find(const char *video_path, char *out, size_t outlen)
{
	struct stat sb;

	for (int which = 0; which < 2; which++)
		if (sidecar_path(video_path, which, out, outlen) == 0 && lstat(out, &sb) == 0)
			return 1;
	out[0] = '\0';
	return 0;
}

void sidecar_keywords_json(const struct sidecar *sc, struct buf *out)
{
	json_string_array(out, sc->keywords, sc->nkeywords);
}

void sidecar_free(struct sidecar *sc)
{
	free(sc->expression);
	free(sc->expression_translation);
	free(sc->title);
	free(sc->title_translation);
	for (size_t i = 0; i < sc->nkeywords; i++)
		free(sc->keywords[i]);
	free(sc->keywords);
	free(sc->language);
	free(sc->learn_language);
	free(sc->show_name);
	free(sc->episode);
	free(sc->generated_at);
	memset(sc, 0, sizeof(*sc));
	sc->expression_start_ms = -1;
}
