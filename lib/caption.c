/* caption.c — caption prefill and UTF-16 length (see caption.h). */
#include "caption.h"

#include <string.h>
#include <strings.h>

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point;
 * 0 when malformed. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

int caption_valid_utf8(const char *s, size_t n)
{
	return caption_utf16_len(s, n) >= 0;
}

long caption_utf16_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	long units = 0;
	size_t i = 0;

	while (i < n) {
		unsigned cp;
		size_t len = utf8_next(p + i, n - i, &cp);

		if (!len)
			return -1;
		units += cp >= 0x10000 ? 2 : 1;
		i += len;
	}
	return units;
}

static int present(const char *s)
{
	return s && *s && caption_valid_utf8(s, strlen(s));
}

/* Append s, cut so that the caption stays within max UTF-16 units. */
static void append_bounded(struct buf *out, const char *s, long room)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	long units = 0;

	while (i < n) {
		unsigned cp;
		size_t len = utf8_next(p + i, n - i, &cp);
		long w = cp >= 0x10000 ? 2 : 1;

		if (!len || units + w > room)
			break;
		units += w;
		i += len;
	}
	buf_append(out, s, i);
}

int caption_hashtag(const char *kw, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)kw;
	size_t n = kw ? strlen(kw) : 0, i = 0, start = out->len;
	int kept = 0;

	if (!present(kw))
		return -1;
	buf_putc(out, '#');
	while (i < n) {
		unsigned cp;
		size_t len = utf8_next(p + i, n - i, &cp);

		/* ASCII: letters, digits and '_' only (TikTok ends a hashtag at
		 * spaces and punctuation); other scripts are kept whole */
		if (cp >= 0x80 || (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z') || cp == '_') {
			buf_append(out, kw + i, len);
			kept++;
		}
		i += len;
	}
	if (!kept) {
		out->len = start;
		out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* Is the hashtag (as text) already in the caption's hashtag line? */
static int seen_tag(const char *line, const char *tag)
{
	size_t n = strlen(tag);

	for (const char *p = line; (p = strcasestr(p, tag)); p += n)
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

static void first_line(const struct caption_meta *m, struct buf *line)
{
	if (present(m->title_translation)) {
		buf_puts(line, m->title_translation);
	} else if (present(m->expression) || present(m->expression_translation)) {
		if (present(m->expression))
			buf_puts(line, m->expression);
		if (present(m->expression) && present(m->expression_translation))
			buf_puts(line, " — ");
		if (present(m->expression_translation))
			buf_puts(line, m->expression_translation);
	} else if (present(m->title)) {
		buf_puts(line, m->title);
	}
}

void caption_prefill(const struct caption_meta *m, struct buf *out)
{
	struct buf line = BUF_INIT, tags = BUF_INIT, tag = BUF_INIT;
	long used;

	first_line(m, &line);
	for (size_t i = 0; i < m->nkeywords; i++) {
		buf_reset(&tag);
		if (caption_hashtag(m->keywords[i], &tag) < 0 || seen_tag(buf_cstr(&tags), buf_cstr(&tag)))
			continue;
		if (tags.len)
			buf_putc(&tags, ' ');
		buf_puts(&tags, buf_cstr(&tag));
	}

	append_bounded(out, buf_cstr(&line), CAPTION_MAX_UTF16);
	used = caption_utf16_len(buf_cstr(&line), line.len);
	if (used > CAPTION_MAX_UTF16)
		used = CAPTION_MAX_UTF16;
	if (tags.len) {
		/* whole hashtags only: a cut one would be a different tag */
		const char *p = buf_cstr(&tags);
		int first = 1;

		while (*p) {
			size_t len = strcspn(p, " ");
			long w = caption_utf16_len(p, len);
			long sep = first ? (line.len ? 2 : 0) : 1;

			if (used + sep + w <= CAPTION_MAX_UTF16) {
				buf_puts(out, first ? (line.len ? "\n\n" : "") : " ");
				buf_append(out, p, len);
				used += sep + w;
				first = 0;
			}
			p += len;
			if (*p == ' ')
				p++;
		}
	}
	buf_free(&line);
	buf_free(&tags);
	buf_free(&tag);
}
