/* fuzz_urlencoded — query strings and urlencoded forms
 * (http_parse_urlencoded), and the escapes they lean on: percent-decoding
 * must undo url_encode exactly, and html_escape must leave no markup. */
#include "fuzz.h"

#include "arena.h"
#include "buf.h"
#include "escape.h"
#include "http.h"

static void check_form(const uint8_t *data, size_t size)
{
	/* exact-size copy without a NUL: the parser must respect len */
	char *raw = malloc(size ? size : 1);
	struct arena a;
	struct kvlist kv;

	memcpy(raw, data, size);
	arena_init(&a);
	if (http_parse_urlencoded(&a, raw, size, &kv) == 0) {
		FUZZ_CHECK(kv.n <= HTTP_MAX_FIELDS);
		for (size_t i = 0; i < kv.n; i++) {
			FUZZ_CHECK(kv.items[i].key && kv.items[i].val);
			/* a key finds the first field of that name */
			const char *v = kv_get(&kv, kv.items[i].key);
			FUZZ_CHECK(v != NULL);
		}
	}
	arena_free(&a);
	free(raw);
}

static void check_escapes(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct buf enc = BUF_INIT, html = BUF_INIT;
	char empty[1] = "";
	long n;

	url_encode(&enc, s);
	for (size_t i = 0; i < enc.len; i++)
		FUZZ_CHECK(enc.data[i] != '&' && enc.data[i] != '=' && enc.data[i] != ' ' &&
			   enc.data[i] != '+' && enc.data[i] != '#');
	n = url_decode(enc.data ? enc.data : empty, enc.len, 1);
	FUZZ_CHECK(n == (long)strlen(s));
	FUZZ_CHECK(enc.len == 0 || memcmp(enc.data, s, (size_t)n) == 0);

	html_escape(&html, s, strlen(s));
	for (size_t i = 0; i < html.len; i++)
		FUZZ_CHECK(html.data[i] != '<' && html.data[i] != '>' && html.data[i] != '"' &&
			   html.data[i] != '\'');

	/* decoding arbitrary text in place never grows it */
	{
		char *t = fuzz_cstr(data, size);
		long m = url_decode(t, strlen(t), 0);
		FUZZ_CHECK(m < 0 || (size_t)m <= strlen(s));
		free(t);
	}
	buf_free(&enc);
	buf_free(&html);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_form(data, size);
	check_escapes(data, size);
	return 0;
}
