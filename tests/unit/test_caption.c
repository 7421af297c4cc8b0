/* Unit tests: caption prefill from LangFlix metadata and TikTok's UTF-16
 * length (lib/caption.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "caption.h"

static long u16(const char *s)
{
	return caption_utf16_len(s, strlen(s));
}

static void utf16_units(void **state)
{
	(void)state;
	assert_int_equal(u16(""), 0);
	assert_int_equal(u16("abc"), 3);
	assert_int_equal(u16("é"), 1);                 /* 2 bytes, BMP */
	assert_int_equal(u16("식은 죽"), 4);            /* 3-byte Hangul, BMP */
	assert_int_equal(u16("\xF0\x9F\x98\x80"), 2);  /* U+1F600: a surrogate pair */
	assert_int_equal(u16("a\xF0\x9F\x8E\xAC" "b"), 4);
	assert_int_equal(u16("\xE2\x82\xAC"), 1);      /* U+20AC */
	assert_int_equal(u16("\xEF\xBF\xBF"), 1);      /* U+FFFF, last BMP */
	assert_int_equal(u16("\xF0\x90\x80\x80"), 2);  /* U+10000, first non-BMP */
}

static void invalid_utf8_refused(void **state)
{
	static const char *const bad[] = {
		"\x80", "a\xC3", "\xC0\xAF", "\xC1\xBF",        /* stray continuation, truncated, overlong */
		"\xE0\x80\xAF", "\xED\xA0\x80",                 /* overlong 3-byte, surrogate U+D800 */
		"\xF0\x80\x80\xAF", "\xF4\x90\x80\x80",         /* overlong 4-byte, above U+10FFFF */
		"\xF5\x80\x80\x80", "\xFF", "\xE2\x82",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(u16(bad[i]), -1);
		assert_false(caption_valid_utf8(bad[i], strlen(bad[i])));
	}
	assert_true(caption_valid_utf8("ok \xF0\x9F\x98\x80", 8));
}

static char *prefill(const struct caption_meta *m)
{
	struct buf b = BUF_INIT;

	caption_prefill(m, &b);
	return buf_detach(&b);
}

static void prefill_prefers_title_translation(void **state)
{
	const char *kw[] = { "break the ice", "small talk", "business English", "Suits" };
	struct caption_meta m = { "How Harvey breaks the ice", "Cómo Harvey rompe el hielo",
				  "break the ice", "romper el hielo", kw, 4 };
	char *c;

	(void)state;
	c = prefill(&m);
	assert_string_equal(c, "Cómo Harvey rompe el hielo\n\n#breaktheice #smalltalk #businessEnglish #Suits");
	free(c);
}

static void prefill_expression_then_title(void **state)
{
	const char *kw[] = { "piece of cake", "영어 표현", "Piece-of-Cake!", "!!!" };
	struct caption_meta m = { "Joey", NULL, "a piece of cake", "식은 죽 먹기", kw, 4 };
	char *c;

	(void)state;
	c = prefill(&m);
	/* other scripts kept, ASCII punctuation dropped, duplicates (any ASCII
	 * case) and empty tags dropped */
	assert_string_equal(c, "a piece of cake — 식은 죽 먹기\n\n#pieceofcake #영어표현");
	free(c);

	m.expression_translation = "";
	c = prefill(&m);
	assert_int_equal(strncmp(c, "a piece of cake\n\n", 17), 0);
	free(c);

	m.expression = NULL;
	m.nkeywords = 0;
	c = prefill(&m);
	assert_string_equal(c, "Joey");
	free(c);

	m.title = NULL;
	c = prefill(&m);
	assert_string_equal(c, "");
	free(c);

	/* hashtags alone, no blank line before them */
	m.keywords = kw;
	m.nkeywords = 1;
	c = prefill(&m);
	assert_string_equal(c, "#pieceofcake");
	free(c);
}

static void prefill_skips_invalid_utf8(void **state)
{
	const char *kw[] = { "ok", "bad\xC3" };
	struct caption_meta m = { NULL, "bad\xFF", "fine", NULL, kw, 2 };
	char *c;

	(void)state;
	c = prefill(&m);
	assert_string_equal(c, "fine\n\n#ok");
	free(c);
}

static void prefill_stays_within_limit(void **state)
{
	struct buf big = BUF_INIT;
	const char *kw[] = { "alpha", "beta" };
	struct caption_meta m = { NULL, NULL, NULL, NULL, kw, 2 };
	char *c;

	(void)state;
	/* a line of 2193 units leaves room for "\n\n#alpha" (8) only just not, for
	 * nothing: 2193 + 2 + 6 = 2201 > 2200, so tags are dropped whole */
	for (int i = 0; i < 2193; i++)
		buf_putc(&big, 'x');
	m.title_translation = buf_cstr(&big);
	c = prefill(&m);
	assert_int_equal(u16(c), 2193 + 2 + 5);   /* "#beta" fits */
	assert_non_null(strstr(c, "\n\n#beta"));
	assert_null(strstr(c, "#alpha"));
	free(c);

	/* an over-long line is cut at a character boundary, emoji never split */
	buf_reset(&big);
	for (int i = 0; i < 1200; i++)
		buf_puts(&big, "\xF0\x9F\x98\x80");
	m.title_translation = buf_cstr(&big);
	c = prefill(&m);
	assert_int_equal(u16(c), 2200);
	assert_true(caption_valid_utf8(c, strlen(c)));
	free(c);

	buf_reset(&big);
	buf_putc(&big, 'a');
	for (int i = 0; i < 1100; i++)
		buf_puts(&big, "\xF0\x9F\x98\x80");
	m.title_translation = buf_cstr(&big);
	c = prefill(&m);
	assert_int_equal(u16(c), 2199);            /* the last emoji would make 2201 */
	free(c);
	buf_free(&big);
}

static void hashtag_of_markup(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(caption_hashtag("<b>beans</b>", &b), 0);
	assert_string_equal(buf_cstr(&b), "#bbeansb");
	buf_reset(&b);
	assert_int_equal(caption_hashtag("\"'&<>", &b), -1);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(caption_hashtag(NULL, &b), -1);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf16_units),
		cmocka_unit_test(invalid_utf8_refused),
		cmocka_unit_test(prefill_prefers_title_translation),
		cmocka_unit_test(prefill_expression_then_title),
		cmocka_unit_test(prefill_skips_invalid_utf8),
		cmocka_unit_test(prefill_stays_within_limit),
		cmocka_unit_test(hashtag_of_markup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
