/* fuzz_log — the log formatters (lib/log.c): log_quote, log_quote_into and
 * log_format_line. Whatever the value and whatever the buffer size: nothing
 * is written past the buffer (exact-size heap copies, so ASan sees one byte
 * too many), the quoted value decodes back to the input or, cut and ending
 * in "...", to a shorter prefix of it; a line is always one line, cut to fit,
 * and the same as the start of the line an ample buffer gets.
 *
 * Input: byte 0 picks the buffer size, byte 1 the level; the rest is split at
 * its first NUL into the value (message) and the request id. */
#include "fuzz.h"

#include <sys/time.h>

#include "log.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes body[0..n) (the text between the quotes) into out; -1 when it is
 * not what log_quote writes (a lone backslash, an unknown escape, a raw
 * control byte or quote). */
static long unquote(const char *body, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c < 0x20 || c == 0x7f || c == '"')
			return -1;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		if (body[i + 1] == '"' || body[i + 1] == '\\') {
			out[o++] = body[++i];
		} else if (body[i + 1] == 'x' && i + 3 < n && hexval(body[i + 2]) >= 0 &&
			   hexval(body[i + 3]) >= 0) {
			int v = hexval(body[i + 2]) * 16 + hexval(body[i + 3]);
			FUZZ_CHECK(v < 0x20 || v == 0x7f);  /* only control bytes are hex-escaped */
			out[o++] = (char)v;
			i += 3;
		} else {
			return -1;
		}
	}
	return (long)o;
}

static void check_quote(const char *in, size_t cap)
{
	char *out = malloc(cap ? cap : 1), *dec;
	size_t n = log_quote_into(out, cap, in), inlen = strlen(in);
	long d;

	if (cap < LOG_QUOTE_MIN) {
		FUZZ_CHECK(n == 0);
		FUZZ_CHECK(cap == 0 || out[0] == '\0');
		free(out);
		return;
	}
	FUZZ_CHECK(n < cap && n >= 2 && strlen(out) == n);
	FUZZ_CHECK(out[0] == '"' && out[n - 1] == '"');
	dec = malloc(n);
	d = unquote(out + 1, n - 2, dec);
	if (d < 0 || (size_t)d != inlen || memcmp(dec, in, inlen) != 0) {
		/* cut: "..." then a proper prefix of the input, whole escapes only */
		FUZZ_CHECK(n >= 5 && memcmp(out + n - 4, "...", 3) == 0);
		d = unquote(out + 1, n - 5, dec);
		FUZZ_CHECK(d >= 0 && (size_t)d < inlen && memcmp(dec, in, (size_t)d) == 0);
	}
	free(dec);
	free(out);
}

static size_t line(char *buf, size_t cap, enum log_level lvl, const char *req_id, const char *msg, ...)
{
	struct timeval tv = { .tv_sec = 1767225600, .tv_usec = 999999 };
	va_list ap;
	size_t n;

	va_start(ap, msg);
	n = log_format_line(buf, cap, lvl, &tv, req_id, "event=fuzz msg=%s", ap);
	va_end(ap);
	return n;
}

static void check_line(const char *msg, const char *req_id, size_t cap, enum log_level lvl)
{
	size_t ample = strlen(msg) + strlen(req_id) + 128, n, full;
	char *big = malloc(ample), *out = malloc(cap ? cap : 1);

	full = line(big, ample, lvl, req_id, "", msg);
	FUZZ_CHECK(full < ample && strlen(big) == full);
	for (size_t i = 0; i < full; i++)
		FUZZ_CHECK((unsigned char)big[i] >= 0x20 && big[i] != 0x7f);
	n = line(out, cap, lvl, req_id, "", msg);
	if (cap == 0) {
		FUZZ_CHECK(n == 0);
	} else {
		FUZZ_CHECK(n < cap && strlen(out) == n && n <= full);
		FUZZ_CHECK(memcmp(out, big, n) == 0);
		FUZZ_CHECK(n == full || n == cap - 1);
	}
	free(out);
	free(big);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value, *req_id;
	size_t cap;
	enum log_level lvl;

	if (size < 2)
		return 0;
	/* sizes around the ring's 256 bytes come up as often as small ones */
	cap = data[0] < 128 ? data[0] : (size_t)LOG_QUOTE_MAX - 64 + (data[0] - 128);
	lvl = (enum log_level)(data[1] % 5);  /* 4 is out of range on purpose */
	fuzz_split(data + 2, size - 2, &value, &req_id);

	check_quote(value, cap);
	{
		/* log_quote is log_quote_into on a LOG_QUOTE_MAX ring buffer */
		char *same = malloc(LOG_QUOTE_MAX);
		log_quote_into(same, LOG_QUOTE_MAX, value);
		FUZZ_CHECK(strcmp(log_quote(value), same) == 0);
		free(same);
	}
	check_line(value, req_id, cap, lvl);
	check_line(log_quote(value), req_id, cap * 8, lvl);

	free(value);
	free(req_id);
	return 0;
}
