/* test_sidecar.c — LangFlix .meta.json parsing: valid, partial, wrong
 * types, invalid JSON, oversized input, numeric episodes, file lookup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sidecar.h"

static int parse(const char *json, struct sidecar *sc, struct buf *w, char *err, size_t errlen)
{
	return sidecar_parse(json, strlen(json), sc, w, err, errlen);
}

static void test_valid(void **state)
{
	const char *json =
		"{\"expression\": \"break the ice\","
		" \"expression_translation\": \"romper el hielo\","
		" \"title\": \"How to <b>break</b> the ice & \\\"win\\\"\","
		" \"title_translation\": \"Cómo romper el hielo\","
		" \"catchy_keywords\": [\"icebreaker\", \"small talk\", \"영어\"],"
		" \"language\": \"en\", \"learn_language\": \"es\","
		" \"show_name\": \"Suits\", \"episode\": \"S01E02\","
		" \"generated_at\": \"2026-09-01T10:00:00Z\","
		" \"unknown_field\": {\"nested\": [1, 2, 3]}, \"another\": 5}";
	struct sidecar sc;
	struct buf w = BUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(json, &sc, &w, err, sizeof(err)), 0);
	assert_string_equal(sc.expression, "break the ice");
	assert_string_equal(sc.expression_translation, "romper el hielo");
	assert_string_equal(sc.title, "How to <b>break</b> the ice & \"win\"");
	assert_string_equal(sc.title_translation, "Cómo romper el hielo");
	assert_int_equal(sc.nkeywords, 3);
	assert_string_equal(sc.keywords[0], "icebreaker");
	assert_string_equal(sc.keywords[1], "small talk");
	assert_string_equal(sc.keywords[2], "영어");
	assert_string_equal(sc.language, "en");
	assert_string_equal(sc.learn_language, "es");
	assert_string_equal(sc.show_name, "Suits");
	assert_string_equal(sc.episode, "S01E02");
	assert_string_equal(sc.generated_at, "2026-09-01T10:00:00Z");
	/* unknown fields are ignored silently */
	assert_string_equal(buf_cstr(&w), "");
	sidecar_free(&sc);
	buf_free(&w);
}

static void test_partial(void **state)
{
	struct sidecar sc;
	struct buf w = BUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"title\": \"Only a title\", \"show_name\": null, \"episode\": \"\"}",
			       &sc, &w, err, sizeof(err)), 0);
	assert_string_equal(sc.title, "Only a title");
	assert_null(sc.expression);
	assert_null(sc.show_name);   /* null is absent */
	assert_null(sc.episode);     /* so is "" */
	assert_int_equal(sc.nkeywords, 0);
	assert_string_equal(buf_cstr(&w), "");
	sidecar_free(&sc);

	assert_int_equal(parse("{}", &sc, &w, err, sizeof(err)), 0);
	assert_null(sc.title);
	sidecar_free(&sc);
	buf_free(&w);
}

static void test_wrong_types_are_ignored_per_field(void **state)
{
	struct sidecar sc;
	struct buf w = BUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"expression\": 42, \"title\": \"Kept\", \"language\": [\"en\"],"
			       " \"catchy_keywords\": \"one, two\", \"episode\": true}",
			       &sc, &w, err, sizeof(err)), 0);
	assert_null(sc.expression);
	assert_string_equal(sc.title, "Kept");
	assert_null(sc.language);
	assert_int_equal(sc.nkeywords, 0);
	assert_null(sc.episode);
	assert_string_equal(buf_cstr(&w),
		"field \"expression\" is not a string, ignored; "
		"field \"catchy_keywords\" is not an array, ignored; "
		"field \"language\" is not a string, ignored; "
		"field \"episode\" is not a string or a number, ignored");
	sidecar_free(&sc);
	buf_free(&w);
}

static void test_keyword_elements(void **state)
{
	struct sidecar sc;
	struct buf w = BUF_INIT, js = BUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"catchy_keywords\": [\"a\", 1, null, \"\", \"b \\\"q\\\" \\\\\"]}",
			       &sc, &w, err, sizeof(err)), 0);
	assert_int_equal(sc.nkeywords, 2);
	assert_string_equal(sc.keywords[0], "a");
	assert_string_equal(sc.keywords[1], "b \"q\" \\");
	assert_string_equal(buf_cstr(&w), "field \"catchy_keywords[1]\" is not a string, ignored");
	sidecar_keywords_json(&sc, &js);
	assert_string_equal(buf_cstr(&js), "[\"a\",\"b \\\"q\\\" \\\\\"]");
	sidecar_free(&sc);

	buf_reset(&js);
	assert_int_equal(parse("{}", &sc, NULL, err, sizeof(err)), 0);
	sidecar_keywords_json(&sc, &js);
	assert_string_equal(buf_cstr(&js), "[]");
	sidecar_free(&sc);
	buf_free(&w);
	buf_free(&js);
}

static void test_too_many_keywords(void **state)
{
	struct buf json = BUF_INIT, w = BUF_INIT;
	struct sidecar sc;
	char err[256] = "";

	(void)state;
	buf_puts(&json, "{\"catchy_keywords\": [");
	for (int i = 0; i < 70; i++)
		buf_printf(&json, "%s\"k%d\"", i ? "," : "", i);
	buf_puts(&json, "]}");
	assert_int_equal(sidecar_parse(json.data, json.len, &sc, &w, err, sizeof(err)), 0);
	assert_int_equal(sc.nkeywords, SIDECAR_MAX_KEYWORDS);
	assert_string_equal(sc.keywords[63], "k63");
	assert_string_equal(buf_cstr(&w), "only the first 64 catchy_keywords are kept, 6 ignored");
	sidecar_free(&sc);
	buf_free(&json);
	buf_free(&w);
}

static void test_numeric_episode(void **state)
{
	struct sidecar sc;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"episode\": 7}", &sc, NULL, err, sizeof(err)), 0);
	assert_string_equal(sc.episode, "7");
	sidecar_free(&sc);
	assert_int_equal(parse("{\"episode\": 12.5}", &sc, NULL, err, sizeof(err)), 0);
	assert_string_equal(sc.episode, "12.5");
	sidecar_free(&sc);
	assert_int_equal(parse("{\"episode\": -3}", &sc, NULL, err, sizeof(err)), 0);
	assert_string_equal(sc.episode, "-3");
	sidecar_free(&sc);
}

/* expression_start_ms: the moment of the expression, optional; a number of
 * milliseconds (fractions rounded), anything else ignored with a warning */
static void test_expression_start(void **state)
{
	static const struct {
		const char *json;
		long long want;
		const char *warning;
	} cases[] = {
		{ "{\"expression_start_ms\": 1500}", 1500, NULL },
		{ "{\"expression_start_ms\": 0}", 0, NULL },
		{ "{\"expression_start_ms\": 2499.6}", 2500, NULL },
		{ "{\"expression_start_ms\": null}", -1, NULL },
		{ "{}", -1, NULL },
		{ "{\"expression_start_ms\": \"1500\"}", -1, "is not a number of milliseconds" },
		{ "{\"expression_start_ms\": -1}", -1, "is not between 0 and 86400000 milliseconds" },
		{ "{\"expression_start_ms\": 1e300}", -1, "is not between 0 and 86400000 milliseconds" },
	};
	struct sidecar sc;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf w = BUF_INIT;
		assert_int_equal(parse(cases[i].json, &sc, &w, err, sizeof(err)), 0);
		assert_int_equal(sc.expression_start_ms, cases[i].want);
		if (cases[i].warning) {
			assert_non_null(strstr(buf_cstr(&w), "expression_start_ms"));
			assert_non_null(strstr(buf_cstr(&w), cases[i].warning));
		} else {
			assert_string_equal(buf_cstr(&w), "");
		}
		sidecar_free(&sc);
		assert_int_equal(sc.expression_start_ms, -1);
		buf_free(&w);
	}
	/* invalid JSON: nothing, and no moment either */
	assert_int_equal(parse("{", &sc, NULL, err, sizeof(err)), -1);
	assert_int_equal(sc.expression_start_ms, -1);
}

static void test_invalid_json(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"title\": \"unterminated}",
		"{\"title\": 'single quotes'}",
		"{\"title\": \"x\",}",                 /* trailing comma (strict) */
		"{\"title\": \"x\"} trailing",
		"{} {}",
		"\xff\xfe{}",
		"{\"title\": \"\xc3\x28\"}",           /* invalid UTF-8 */
	};
	struct sidecar sc;
	struct buf w = BUF_INIT;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &sc, &w, err, sizeof(err)) != -1)
			fail_msg("accepted invalid JSON #%zu: %s", i, bad[i]);
		assert_non_null(strstr(err, "invalid JSON"));
		assert_null(sc.title);
	}
	/* valid JSON that is not an object */
	assert_int_equal(parse("[1, 2]", &sc, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "sidecar is not a JSON object");
	assert_int_equal(parse("\"text\"", &sc, &w, err, sizeof(err)), -1);
	/* an embedded NUL byte after the object is trailing garbage */
	assert_int_equal(sidecar_parse("{}\0{}", 5, &sc, &w, err, sizeof(err)), -1);
	/* whitespace after the object is fine */
	assert_int_equal(parse(" {\"title\": \"ok\"}\n\n", &sc, &w, err, sizeof(err)), 0);
	assert_string_equal(sc.title, "ok");
	sidecar_free(&sc);
	buf_free(&w);
}

static void test_oversized(void **state)
{
	struct buf json = BUF_INIT, w = BUF_INIT;
	struct sidecar sc;
	char err[256] = "";

	(void)state;
	/* a 4096-byte string is kept, 4097 bytes is ignored */
	buf_puts(&json, "{\"title\": \"");
	for (int i = 0; i < SIDECAR_MAX_STRING; i++)
		buf_putc(&json, 'a');
	buf_puts(&json, "\", \"expression\": \"");
	for (int i = 0; i < SIDECAR_MAX_STRING + 1; i++)
		buf_putc(&json, 'b');
	buf_puts(&json, "\"}");
	assert_int_equal(sidecar_parse(json.data, json.len, &sc, &w, err, sizeof(err)), 0);
	assert_non_null(sc.title);
	assert_int_equal(strlen(sc.title), SIDECAR_MAX_STRING);
	assert_null(sc.expression);
	assert_string_equal(buf_cstr(&w), "field \"expression\" is longer than 4096 bytes, ignored");
	sidecar_free(&sc);

	/* over 1 MiB in total is refused before parsing */
	buf_reset(&json);
	buf_puts(&json, "{\"x\": \"");
	while (json.len <= SIDECAR_MAX_BYTES)
		buf_puts(&json, "padding padding padding ");
	buf_puts(&json, "\"}");
	assert_int_equal(sidecar_parse(json.data, json.len, &sc, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "sidecar is larger than 1 MiB");
	buf_free(&json);
	buf_free(&w);
}

static void test_nul_in_string(void **state)
{
	struct sidecar sc;
	struct buf w = BUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"title\": \"a\\u0000b\", \"show_name\": \"Suits\"}",
			       &sc, &w, err, sizeof(err)), 0);
	assert_null(sc.title);
	assert_string_equal(sc.show_name, "Suits");
	assert_string_equal(buf_cstr(&w), "field \"title\" contains a NUL character, ignored");
	sidecar_free(&sc);
	buf_free(&w);
}

static void test_paths(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(sidecar_path("demo/clip.mp4", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "demo/clip.mp4.meta.json");
	assert_int_equal(sidecar_path("demo/clip.mp4", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "demo/clip.meta.json");
	assert_int_equal(sidecar_path("de.mo/clip.v2.MOV", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "de.mo/clip.v2.meta.json");
	/* no extension in the file name (the dot in the folder does not count) */
	assert_int_equal(sidecar_path("de.mo/clip", 1, out, sizeof(out)), -1);
	assert_int_equal(sidecar_path("de.mo/.hidden", 1, out, sizeof(out)), -1);
	/* does not fit */
	assert_int_equal(sidecar_path("a/very/long/path/that/will/not/fit/in/the/buffer.mp4", 0,
				      out, 32), -1);
}

static void write_file(const char *path, const char *content, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, n, f), n);
	fclose(f);
}

static void test_find_and_load(void **state)
{
	char dir[] = "/tmp/lf-sidecar-XXXXXX", video[128], sc_long[160], sc_short[160], found[160];
	char err[256] = "", cmd[200];
	struct sidecar sc;
	struct buf w = BUF_INIT;
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(video, sizeof(video), "%s/clip.mp4", dir);
	snprintf(sc_long, sizeof(sc_long), "%s/clip.mp4.meta.json", dir);
	snprintf(sc_short, sizeof(sc_short), "%s/clip.meta.json", dir);

	assert_int_equal(sidecar_find(video, found, sizeof(found)), 0);

	write_file(sc_short, "{\"title\": \"short\"}", 18);
	assert_int_equal(sidecar_find(video, found, sizeof(found)), 1);
	assert_string_equal(found, sc_short);

	/* clip.mp4.meta.json is preferred when both exist */
	write_file(sc_long, "{\"title\": \"long\", \"episode\": 3}", 31);
	assert_int_equal(sidecar_find(video, found, sizeof(found)), 1);
	assert_string_equal(found, sc_long);
	assert_int_equal(sidecar_load(found, &sc, &w, err, sizeof(err)), 0);
	assert_string_equal(sc.title, "long");
	assert_string_equal(sc.episode, "3");
	sidecar_free(&sc);

	/* a file over 1 MiB is refused without parsing */
	big = calloc(1, SIDECAR_MAX_BYTES + 10);
	assert_non_null(big);
	memset(big, ' ', SIDECAR_MAX_BYTES + 10);
	big[0] = '{';
	big[SIDECAR_MAX_BYTES + 9] = '}';
	write_file(sc_long, big, SIDECAR_MAX_BYTES + 10);
	free(big);
	assert_int_equal(sidecar_load(sc_long, &sc, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "sidecar is larger than 1 MiB");

	/* invalid JSON in a file */
	write_file(sc_long, "{oops", 5);
	assert_int_equal(sidecar_load(sc_long, &sc, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid JSON"));

	/* a directory or a missing file */
	assert_int_equal(sidecar_load(dir, &sc, &w, err, sizeof(err)), -1);
	assert_string_equal(err, "the sidecar is not a regular file");
	unlink(sc_long);
	assert_int_equal(sidecar_load(sc_long, &sc, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open the sidecar"));

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	buf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_wrong_types_are_ignored_per_field),
		cmocka_unit_test(test_keyword_elements),
		cmocka_unit_test(test_too_many_keywords),
		cmocka_unit_test(test_numeric_episode),
		cmocka_unit_test(test_expression_start),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_nul_in_string),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_find_and_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
