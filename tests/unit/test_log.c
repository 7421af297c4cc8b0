/* Unit tests: the log formatters (lib/log.c) at their exact boundaries.
 *
 * log_quote() writes into a 256-byte buffer: the two quotes and the NUL leave
 * 253 bytes for the value, or 250 plus "..." when it does not fit whole. An
 * escape is never cut in half, and nothing is ever written past the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <cmocka.h>

#include "log.h"

#define BODY_MAX (LOG_QUOTE_MAX - 3)  /* the value's room when it fits whole */
#define CUT_MAX (BODY_MAX - 3)        /* the value's room before "..." */

/* n copies of c followed by tail (a malloc'd string). */
static char *repeat(char c, size_t n, const char *tail)
{
	size_t tl = strlen(tail);
	char *s = malloc(n + tl + 1);

	assert_non_null(s);
	memset(s, c, n);
	memcpy(s + n, tail, tl + 1);
	return s;
}

/* '"' + n copies of c + tail + '"' (a malloc'd string). */
static char *quoted(char c, size_t n, const char *tail)
{
	char *body = repeat(c, n, tail);
	size_t bl = strlen(body);
	char *s = malloc(bl + 3);

	assert_non_null(s);
	s[0] = '"';
	memcpy(s + 1, body, bl);
	s[bl + 1] = '"';
	s[bl + 2] = '\0';
	free(body);
	return s;
}

static void expect_quote(const char *in, const char *want)
{
	const char *got = log_quote(in);

	assert_true(strlen(got) < LOG_QUOTE_MAX);
	assert_string_equal(got, want);
}

static void check(char c, size_t n, const char *tail, char wc, size_t wn, const char *wtail)
{
	char *in = repeat(c, n, tail), *want = quoted(wc, wn, wtail);

	expect_quote(in, want);
	free(in);
	free(want);
}

static void quote_plain_and_escapes(void **state)
{
	(void)state;
	expect_quote(NULL, "\"\"");
	expect_quote("", "\"\"");
	expect_quote("/videos/1", "\"/videos/1\"");
	expect_quote("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_quote("\x01\n\x1f\x7f", "\"\\x01\\x0a\\x1f\\x7f\"");
	/* bytes above 0x7f (UTF-8) pass through */
	expect_quote("J\xc3\xbcrgen", "\"J\xc3\xbcrgen\"");
}

static void quote_fits_whole_at_the_limit(void **state)
{
	(void)state;
	check('a', BODY_MAX, "", 'a', BODY_MAX, "");
	/* a 4-byte escape ending exactly at the limit */
	check('a', BODY_MAX - 4, "\x01", 'a', BODY_MAX - 4, "\\x01");
	/* a 2-byte escape ending exactly at the limit */
	check('a', BODY_MAX - 2, "\"", 'a', BODY_MAX - 2, "\\\"");
}

static void quote_one_past_the_limit_is_cut(void **state)
{
	(void)state;
	check('a', BODY_MAX + 1, "", 'a', CUT_MAX, "...");
	check('a', BODY_MAX - 3, "\x01", 'a', CUT_MAX, "...");
	check('a', BODY_MAX - 1, "\"", 'a', CUT_MAX, "...");
}

/* The reported overflow: a control byte where only a 2-byte escape had room
 * wrote the closing quote and the NUL two bytes past the buffer. */
static void quote_escape_never_overflows(void **state)
{
	(void)state;
	for (size_t n = CUT_MAX - 8; n <= BODY_MAX + 2; n++) {
		char *in = repeat('a', n, "\x01z");
		const char *got = log_quote(in);
		size_t len = strlen(got);

		assert_true(len < LOG_QUOTE_MAX);
		assert_int_equal(got[0], '"');
		assert_int_equal(got[len - 1], '"');
		free(in);
	}
	/* an escape that does not fit before "..." is left out whole */
	check('a', CUT_MAX - 3, "\x01zzzzzz", 'a', CUT_MAX - 3, "...");
	check('a', CUT_MAX - 4, "\x01zzzz", 'a', CUT_MAX - 4, "\\x01...");
	check('a', CUT_MAX - 1, "\\zzzz", 'a', CUT_MAX - 1, "...");
	check('a', CUT_MAX - 2, "\\zzzz", 'a', CUT_MAX - 2, "\\\\...");
}

/* The overflow of one buffer must not change the values the ring still holds. */
static void quote_ring_neighbours_untouched(void **state)
{
	char *in = repeat('a', 248, "\x01z");

	(void)state;
	for (int round = 0; round < 4; round++) {
		const char *keep = log_quote("keep");

		log_quote("x");
		log_quote("y");
		log_quote(in);
		assert_string_equal(keep, "\"keep\"");
	}
	free(in);
}

/* Every buffer size from the smallest up: the result always fits (an
 * exact-size heap buffer, so the sanitizer sees a write one byte past). */
static void quote_into_every_size(void **state)
{
	const char *in = "a\x01\"b\\c\x7f d";

	(void)state;
	for (size_t cap = 0; cap < 40; cap++) {
		char *out = malloc(cap ? cap : 1);
		size_t n;

		assert_non_null(out);
		n = log_quote_into(out, cap, in);
		if (cap < LOG_QUOTE_MIN) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, strlen(out));
			assert_true(n < cap);
			assert_int_equal(out[0], '"');
			assert_int_equal(out[n - 1], '"');
		}
		free(out);
	}
	{
		char out[LOG_QUOTE_MIN];

		/* the smallest buffer holds the quotes and "..." only */
		assert_int_equal(log_quote_into(out, sizeof(out), "abcd"), 5);
		assert_string_equal(out, "\"...\"");
		assert_int_equal(log_quote_into(out, sizeof(out), "abc"), 5);
		assert_string_equal(out, "\"abc\"");
	}
}

static size_t format(char *line, size_t cap, const char *req_id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t format(char *line, size_t cap, const char *req_id, const char *fmt, ...)
{
	struct timeval tv = { .tv_sec = 1767225600, .tv_usec = 123456 };  /* 2026-01-01 */
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = log_format_line(line, cap, LOG_WARN, &tv, req_id, fmt, ap);
	va_end(ap);
	return n;
}

static void line_format(void **state)
{
	char line[128];

	(void)state;
	format(line, sizeof(line), "abc123", "event=x n=%d", 7);
	assert_string_equal(line, "ts=2026-01-01T00:00:00.123Z level=warn req=abc123 event=x n=7");
	format(line, sizeof(line), "", "event=y");
	assert_string_equal(line, "ts=2026-01-01T00:00:00.123Z level=warn event=y");
	/* a raw value with a newline cannot forge a second line */
	format(line, sizeof(line), NULL, "path=%s", "/a\nts=x level=error\x1b[2J");
	assert_string_equal(line, "ts=2026-01-01T00:00:00.123Z level=warn path=/a?ts=x level=error?[2J");
}

/* Every line buffer size: cut to fit, never past the end. */
static void line_every_size(void **state)
{
	char want[256];
	size_t full;

	(void)state;
	full = format(want, sizeof(want), "0123456789abcdef", "event=%s", "something_long");
	for (size_t cap = 0; cap <= full + 2; cap++) {
		char *line = malloc(cap ? cap : 1);
		size_t n;

		assert_non_null(line);
		n = format(line, cap, "0123456789abcdef", "event=%s", "something_long");
		if (cap == 0) {
			assert_int_equal(n, 0);
		} else {
			assert_true(n < cap);
			assert_int_equal(strlen(line), n);
			assert_memory_equal(line, want, n);
		}
		free(line);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quote_plain_and_escapes),
		cmocka_unit_test(quote_fits_whole_at_the_limit),
		cmocka_unit_test(quote_one_past_the_limit_is_cut),
		cmocka_unit_test(quote_escape_never_overflows),
		cmocka_unit_test(quote_ring_neighbours_untouched),
		cmocka_unit_test(quote_into_every_size),
		cmocka_unit_test(line_format),
		cmocka_unit_test(line_every_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
