#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static _Thread_local char request_id[40];
static const char *names[] = { "debug", "info", "warn", "error" };

void log_set_level(enum log_level lvl)
{
	min_level = lvl;
}

int log_parse_level(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void log_set_request_id(const char *id)
{
	if (!id)
		request_id[0] = '\0';
	else
		snprintf(request_id, sizeof(request_id), "%s", id);
}

const char *log_request_id(void)
{
	return request_id;
}

/* The bytes c takes inside the quotes: 2 for \" and \\, 4 for \xNN. */
static size_t quoted_width(unsigned char c)
{
	if (c == '"' || c == '\\')
		return 2;
	if (c < 0x20 || c == 0x7f)
		return 4;
	return 1;
}

static size_t put_quoted(char *out, unsigned char c)
{
	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		static const char hex[] = "0123456789abcdef";
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

/* Whether s, escaped, takes at most room bytes. */
static int fits_whole(const char *s, size_t room)
{
	size_t need = 0;

	for (; *s; s++) {
		need += quoted_width((unsigned char)*s);
		if (need > room)
			return 0;
	}
	return 1;
}

size_t log_quote_into(char *out, size_t cap, const char *s)
{
	/* the quotes and the NUL are always there; a value that does not fit
	 * whole gets "..." and loses whole escapes only, never half of one */
	size_t room, o = 0;

	if (cap < LOG_QUOTE_MIN) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	if (!s)
		s = "";
	room = cap - 3;
	if (!fits_whole(s, room))
		room -= 3;
	out[o++] = '"';
	for (; *s && o - 1 + quoted_width((unsigned char)*s) <= room; s++)
		o += put_quoted(out + o, (unsigned char)*s);
	if (*s) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

const char *log_quote(const char *s)
{
	static _Thread_local char ring[4][LOG_QUOTE_MAX];
	static _Thread_local unsigned slot;
	char *out = ring[slot++ & 3];

	log_quote_into(out, sizeof(ring[0]), s);
	return out;
}

/* Appends fmt at line[*n] (cap bytes in all), never past the end: vsnprintf
 * answers the length it wanted, which can be more than it wrote. */
static void vappend(char *line, size_t cap, size_t *n, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void vappend(char *line, size_t cap, size_t *n, const char *fmt, va_list ap)
{
	int w;

	if (*n + 1 >= cap)
		return;
	w = vsnprintf(line + *n, cap - *n, fmt, ap);
	if (w > 0)
		*n = *n + (size_t)w < cap ? *n + (size_t)w : cap - 1;
}

static void append(char *line, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *line, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(line, cap, n, fmt, ap);
	va_end(ap);
}

/* One event is one line: a byte that would end the line or move the
 * terminal (a raw value someone forgot to log_quote) becomes '?'. */
static void keep_on_one_line(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

size_t log_format_line(char *line, size_t cap, enum log_level lvl, const struct timeval *tv,
		       const char *req_id, const char *fmt, va_list ap)
{
	struct tm tm;
	time_t secs = tv->tv_sec;
	char when[32];
	size_t n = 0;

	if (cap == 0)
		return 0;
	line[0] = '\0';
	gmtime_r(&secs, &tm);
	if (!strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
		when[0] = '\0';
	append(line, cap, &n, "ts=%s.%03dZ level=%s", when, (int)(tv->tv_usec / 1000),
	       (unsigned)lvl < 4 ? names[lvl] : "?");
	if (req_id && req_id[0])
		append(line, cap, &n, " req=%s", req_id);
	append(line, cap, &n, " ");
	vappend(line, cap, &n, fmt, ap);
	keep_on_one_line(line, n);
	return n;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[2048];
	struct timeval tv;
	va_list ap;

	if (lvl < min_level)
		return;
	gettimeofday(&tv, NULL);
	va_start(ap, fmt);
	log_format_line(line, sizeof(line), lvl, &tv, request_id, fmt, ap);
	va_end(ap);
	/* one write per line so concurrent threads never interleave */
	fprintf(stderr, "%s\n", line);
}
