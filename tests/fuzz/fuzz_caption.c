/* fuzz_caption — TikTok's caption measure (caption_valid_utf8,
 * caption_utf16_len) checked against a small reference decoder written
 * here, and the prefill/hashtag builders on arbitrary metadata.
 * The input is up to five NUL-separated fields: title_translation,
 * expression, expression_translation, title, then keywords separated by
 * '\n'. */
#include "fuzz.h"

#include "buf.h"
#include "caption.h"

/* Reference: UTF-16 units of well-formed UTF-8 (RFC 3629), -1 otherwise. */
static long ref_utf16(const unsigned char *s, size_t n)
{
	long units = 0;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, need, min;

		if (c < 0x80) {
			units++;
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1, cp = c & 0x1F, min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2, cp = c & 0x0F, min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return -1;
		}
		if (i + need >= n)   /* the sequence is cut short */
			return -1;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		units += cp >= 0x10000 ? 2 : 1;
		i += need + 1;
	}
	return units;
}

static void check_measure(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	long want = ref_utf16(data, size);

	memcpy(s, data, size);
	FUZZ_CHECK(caption_valid_utf8(s, size) == (want >= 0));
	FUZZ_CHECK(caption_utf16_len(s, size) == want);
	free(s);
}

static void check_prefill(const uint8_t *data, size_t size)
{
	char *f[5] = { 0 };
	char *keywords[64];
	size_t nk = 0;
	const uint8_t *p = data, *end = data + size;
	struct buf cap = BUF_INIT, tag = BUF_INIT;

	for (int i = 0; i < 5; i++) {
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
		f[i] = fuzz_cstr(p, n);
		p = nul ? nul + 1 : end;
	}
	for (char *save = NULL, *k = strtok_r(f[4], "\n", &save); k && nk < 64;
	     k = strtok_r(NULL, "\n", &save))
		keywords[nk++] = k;

	struct caption_meta m = {
		.title_translation = f[0], .expression = f[1], .expression_translation = f[2],
		.title = f[3], .keywords = (const char *const *)keywords, .nkeywords = nk,
	};
	caption_prefill(&m, &cap);
	FUZZ_CHECK(caption_valid_utf8(cap.data ? cap.data : "", cap.len));
	FUZZ_CHECK(caption_utf16_len(cap.data ? cap.data : "", cap.len) <= CAPTION_MAX_UTF16);

	for (size_t i = 0; i < nk; i++) {
		buf_reset(&tag);
		if (caption_hashtag(keywords[i], &tag) == 0) {
			FUZZ_CHECK(tag.len >= 2 && tag.data[0] == '#');
			for (size_t j = 1; j < tag.len; j++)
				FUZZ_CHECK(tag.data[j] != ' ' && tag.data[j] != '#' && tag.data[j] != ',');
			if (caption_valid_utf8(keywords[i], strlen(keywords[i])))
				FUZZ_CHECK(caption_valid_utf8(tag.data, tag.len));
		} else {
			FUZZ_CHECK(tag.len == 0);
		}
	}
	buf_free(&cap);
	buf_free(&tag);
	for (int i = 0; i < 5; i++)
		free(f[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_measure(data, size);
	check_prefill(data, size);
	return 0;
}
