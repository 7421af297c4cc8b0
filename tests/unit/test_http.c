/* Unit tests: request parsing (lib/http.c) and escaping (lib/escape.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"
#include "buf.h"
#include "escape.h"
#include "http.h"
#include "netaddr.h"

static struct arena A;

static int setup(void **state) { (void)state; arena_init(&A); return 0; }
static int teardown(void **state) { (void)state; arena_free(&A); return 0; }

static void form_basic(void **state)
{
	struct kvlist l;
	const char *s = "name=J%C3%BCrgen+Smith&empty=&flag&a=1&a=2";

	(void)state;
	assert_int_equal(http_parse_urlencoded(&A, s, strlen(s), &l), 0);
	assert_int_equal(l.n, 5);
	assert_string_equal(kv_get(&l, "name"), "J\xc3\xbcrgen Smith");
	assert_string_equal(kv_get(&l, "empty"), "");
	assert_string_equal(kv_get(&l, "flag"), "");
	assert_string_equal(kv_get(&l, "a"), "1");
	assert_null(kv_get(&l, "missing"));
}

static void form_code_with_specials(void **state)
{
	/* TikTok codes contain * and ! which arrive percent-encoded */
	struct kvlist l;
	const char *s = "code=abc%2A%21def&state=x";

	(void)state;
	assert_int_equal(http_parse_urlencoded(&A, s, strlen(s), &l), 0);
	assert_string_equal(kv_get(&l, "code"), "abc*!def");
}

static void form_malformed(void **state)
{
	struct kvlist l;

	(void)state;
	assert_int_equal(http_parse_urlencoded(&A, "a=%zz", 5, &l), -1);
	assert_int_equal(http_parse_urlencoded(&A, "a=%4", 4, &l), -1);
	assert_int_equal(http_parse_urlencoded(&A, "a=%", 3, &l), -1);
	assert_int_equal(http_parse_urlencoded(&A, "a=%00", 5, &l), -1);
	/* empty pairs are skipped, not errors */
	assert_int_equal(http_parse_urlencoded(&A, "&&a=1&", 6, &l), 0);
	assert_int_equal(l.n, 1);
}

static void form_too_many_fields(void **state)
{
	struct buf b = BUF_INIT;
	struct kvlist l;

	(void)state;
	for (int i = 0; i < HTTP_MAX_FIELDS; i++)
		buf_printf(&b, "k%d=v&", i);
	assert_int_equal(http_parse_urlencoded(&A, b.data, b.len, &l), 0);
	assert_int_equal(l.n, HTTP_MAX_FIELDS);
	buf_puts(&b, "one=more");
	assert_int_equal(http_parse_urlencoded(&A, b.data, b.len, &l), -1);
	buf_free(&b);
}

static void cookies(void **state)
{
	struct kvlist l;

	(void)state;
	assert_int_equal(http_parse_cookies(&A, "a=1; lf_session=abc ;  b=\"q\"; bare; c=", &l), 0);
	assert_string_equal(kv_get(&l, "a"), "1");
	assert_string_equal(kv_get(&l, "lf_session"), "abc");
	assert_string_equal(kv_get(&l, "b"), "q");
	assert_string_equal(kv_get(&l, "c"), "");
	assert_null(kv_get(&l, "bare"));
	assert_int_equal(http_parse_cookies(&A, NULL, &l), 0);
	assert_int_equal(l.n, 0);
}

static void path_match(void **state)
{
	struct kvlist p;

	(void)state;
	assert_int_equal(http_match_path(&A, "/videos/{id}/tiktok", "/videos/42/tiktok", &p), 1);
	assert_string_equal(kv_get(&p, "id"), "42");
	assert_int_equal(http_match_path(&A, "/videos/{id}/tiktok", "/videos//tiktok", &p), 0);
	assert_int_equal(http_match_path(&A, "/videos/{id}/tiktok", "/videos/1/2/tiktok", &p), 0);
	assert_int_equal(http_match_path(&A, "/videos/{id}/tiktok", "/videos/1/tiktok/", &p), 0);
	assert_int_equal(http_match_path(&A, "/", "/", &p), 1);
	assert_int_equal(http_match_path(&A, "/", "/x", &p), 0);
	assert_int_equal(http_match_path(&A, "/a/{x}/b/{y}", "/a/1/b/zz", &p), 1);
	assert_string_equal(kv_get(&p, "y"), "zz");
}

static void content_range(void **state)
{
	long long f, l, t;

	(void)state;
	assert_int_equal(http_parse_content_range("bytes 0-9999/50000123", &f, &l, &t), 0);
	assert_true(f == 0 && l == 9999 && t == 50000123);
	assert_int_equal(http_parse_content_range("bytes 40000000-50000122/50000123", &f, &l, &t), 0);
	assert_int_equal(http_parse_content_range("bytes 10-9/100", &f, &l, &t), -1);
	assert_int_equal(http_parse_content_range("bytes 0-100/100", &f, &l, &t), -1);
	assert_int_equal(http_parse_content_range("bytes 0-1/2 ", &f, &l, &t), -1);
	assert_int_equal(http_parse_content_range("items 0-1/2", &f, &l, &t), -1);
	assert_int_equal(http_parse_content_range("bytes -1-2/3", &f, &l, &t), -1);
	assert_int_equal(http_parse_content_range(NULL, &f, &l, &t), -1);
}

static void escaping(void **state)
{
	struct buf b = BUF_INIT;
	const char *x = "<b>\"Tom & Jerry's\"</b>=`";
	char dec[] = "a%20b+c%2Fd";

	(void)state;
	html_escape(&b, x, strlen(x));
	assert_string_equal(b.data, "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;&#61;&#96;");
	buf_reset(&b);
	url_encode(&b, "a b/c?d=é*!");
	assert_string_equal(b.data, "a%20b%2Fc%3Fd%3D%C3%A9%2A%21");
	assert_int_equal(url_decode(dec, strlen(dec), 1), 7);
	assert_string_equal(dec, "a b c/d");
	buf_reset(&b);
	json_escape(&b, "q\"\\\n\x01");
	assert_string_equal(b.data, "q\\\"\\\\\\n\\u0001");
	buf_reset(&b);
	json_string_array(&b, (char *[]){ "a", "b\"c" }, 2);
	assert_string_equal(b.data, "[\"a\",\"b\\\"c\"]");
	buf_reset(&b);
	json_string_array(&b, NULL, 0);
	assert_string_equal(b.data, "[]");
	buf_free(&b);
}

static void arena_reuse(void **state)
{
	struct arena a;
	char *big;

	(void)state;
	arena_init(&a);
	for (int i = 0; i < 1000; i++)
		assert_non_null(arena_strdup(&a, "some request data"));
	big = arena_alloc(&a, 100000);
	memset(big, 'x', 100000);
	assert_string_equal(arena_printf(&a, "%d-%s", 7, "x"), "7-x");
	arena_reset(&a);
	assert_int_equal(a.used_total, 0);
	assert_non_null(arena_alloc(&a, 10));
	arena_free(&a);
}

/* Item 3 of issue 15: only what is provably a path on this site. */
static void local_paths(void **state)
{
	static const char *const good[] = {
		"/", "/jobs", "/jobs?state=failed&page=2", "/videos/7/tiktok", "/a%2Fb", "/x#frag",
		"/%41", "/.well-known/x",
	};
	static const char *const bad[] = {
		"", "x", "jobs", "//evil.example", "/\\evil.example", "/\t/evil.example",
		"/\n/evil.example", "/\r\nSet-Cookie:x", "/ /evil.example", "/a b", "/a\x7f",
		"/caf\xc3\xa9", "/%09/evil.example", "/%2F/evil.example", "/%2f%2fevil", "/%5Cevil",
		"/a%20b", "/a%0d%0ab", "/a%00b", "/%", "/%zz", "/a%2", "https://evil.example",
		"\\/evil.example", "/a\\b",
	};
	char longest[HTTP_LOCAL_PATH_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!http_is_local_path(good[i]))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_is_local_path(bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_false(http_is_local_path(NULL));
	/* the length bound, exactly */
	memset(longest, 'a', sizeof(longest));
	longest[0] = '/';
	longest[HTTP_LOCAL_PATH_MAX] = '\0';
	assert_true(http_is_local_path(longest));
	longest[HTTP_LOCAL_PATH_MAX] = 'a';
	longest[HTTP_LOCAL_PATH_MAX + 1] = '\0';
	assert_false(http_is_local_path(longest));
}

/* trusted_proxies: addresses and networks, IPv4 and IPv6. */
static void address_lists(void **state)
{
	const char *list = "127.0.0.1, 10.0.0.0/8 192.168.1.128/25,fd00::/8 ::1";
	char why[160];

	(void)state;
	assert_int_equal(netaddr_list_valid(list, why, sizeof(why)), 0);
	assert_int_equal(netaddr_list_valid("", why, sizeof(why)), 0);
	assert_int_equal(netaddr_list_valid("10.0.0.1/33", why, sizeof(why)), -1);
	assert_int_equal(netaddr_list_valid("10.0.0.1/", why, sizeof(why)), -1);
	assert_int_equal(netaddr_list_valid("::1/129", why, sizeof(why)), -1);
	assert_int_equal(netaddr_list_valid("localhost", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "'localhost'"));
	assert_true(netaddr_in_list(list, "127.0.0.1"));
	assert_false(netaddr_in_list(list, "127.0.0.2"));
	assert_true(netaddr_in_list(list, "10.255.1.2"));
	assert_false(netaddr_in_list(list, "11.0.0.1"));
	assert_true(netaddr_in_list(list, "192.168.1.128"));
	assert_true(netaddr_in_list(list, "192.168.1.255"));
	assert_false(netaddr_in_list(list, "192.168.1.127"));
	assert_true(netaddr_in_list(list, "fd12:3456::1"));
	assert_true(netaddr_in_list(list, "::1"));
	assert_false(netaddr_in_list(list, "fe80::1"));
	assert_false(netaddr_in_list(list, "-"));
	assert_false(netaddr_in_list(list, "10.0.0.0/8"));
	assert_false(netaddr_in_list("", "127.0.0.1"));
	assert_true(netaddr_in_list("0.0.0.0/0", "203.0.113.9"));
	assert_false(netaddr_in_list("0.0.0.0/0", "::1"));
	assert_true(netaddr_is_address("203.0.113.9"));
	assert_false(netaddr_is_address("203.0.113.9/32"));
	assert_false(netaddr_is_address("unknown"));
}

static void terminal_text_has_no_controls(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	terminal_text(&b, "J\xc3\xbcrgen \xe2\x80\x94 \xf0\x9f\x8e\xac ok");   /* UTF-8 kept */
	assert_string_equal(buf_cstr(&b), "J\xc3\xbcrgen \xe2\x80\x94 \xf0\x9f\x8e\xac ok");
	buf_reset(&b);
	terminal_text(&b, "a\x1b[2J\r\n\t\x07\x7f" "b");
	assert_string_equal(buf_cstr(&b), "a?[2J?????b");
	buf_reset(&b);
	/* C1 controls (CSI U+009B, NEL U+0085) as UTF-8; U+00A0 is not one */
	terminal_text(&b, "x\xc2\x9b" "31m\xc2\x85y\xc2\xa0z");
	assert_string_equal(buf_cstr(&b), "x?31m?y\xc2\xa0z");
	buf_reset(&b);
	/* not UTF-8 (a Latin-1 file name, a lone C1 byte): every high byte is '?' */
	terminal_text(&b, "caf\xe9 \x9b" "1m");
	assert_string_equal(buf_cstr(&b), "caf? ?1m");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_basic),
		cmocka_unit_test(form_code_with_specials),
		cmocka_unit_test(form_malformed),
		cmocka_unit_test(form_too_many_fields),
		cmocka_unit_test(cookies),
		cmocka_unit_test(path_match),
		cmocka_unit_test(content_range),
		cmocka_unit_test(escaping),
		cmocka_unit_test(terminal_text_has_no_controls),
		cmocka_unit_test(arena_reuse),
		cmocka_unit_test(local_paths),
		cmocka_unit_test(address_lists),
	};
	return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
