/* test_emulator_sig.c — TikTok webhook signatures (lib/tiktok_sig.c), with
 * the test vector of shared/tiktok-api.md §4.5. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tiktok_sig.h"

static const char BODY[] =
	"{\"client_key\":\"ck\",\"event\":\"post.publish.complete\",\"create_time\":1700000000,"
	"\"user_openid\":\"oid\",\"content\":\"{\\\"publish_id\\\":\\\"v_pub_file~v2-1.1\\\","
	"\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"}";
static const char VECTOR[] = "3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498";

static void signature_matches_the_documented_vector(void **state)
{
	char hex[65];

	(void)state;
	tiktok_signature("secret", 1700000000, BODY, strlen(BODY), hex);
	assert_string_equal(hex, VECTOR);
}

static void header_has_t_then_s(void **state)
{
	char h[128];

	(void)state;
	tiktok_signature_header("secret", 1700000000, BODY, strlen(BODY), h, sizeof(h));
	assert_string_equal(h, "t=1700000000,s=3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498");
}

static void verify_accepts_a_good_header_within_tolerance(void **state)
{
	char h[128];

	(void)state;
	snprintf(h, sizeof(h), "t=1700000000,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), 0);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000300, 300), 0);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1699999700, 300), 0);
	/* order of the parts and spaces after commas do not matter; hex case neither */
	snprintf(h, sizeof(h), "s=%s, t=1700000000", VECTOR);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), 0);
	snprintf(h, sizeof(h), "t=1700000000,s=3CAE56C95B470E13E56A76CD645D6C8C6B04E88A20882768E72295157F680498");
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), 0);
}

static void verify_refuses_stale_forged_or_malformed(void **state)
{
	char h[128], body[sizeof(BODY)];

	(void)state;
	snprintf(h, sizeof(h), "t=1700000000,s=%s", VECTOR);
	/* outside the tolerance, either side */
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000301, 300), -1);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1699999699, 300), -1);
	/* another secret, a changed body byte, a truncated body */
	assert_int_equal(tiktok_signature_verify(h, "Secret", BODY, strlen(BODY), 1700000000, 300), -1);
	memcpy(body, BODY, sizeof(BODY));
	body[10] ^= 1;
	assert_int_equal(tiktok_signature_verify(h, "secret", body, strlen(body), 1700000000, 300), -1);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY) - 1, 1700000000, 300), -1);
	/* a timestamp that was not the signed one */
	snprintf(h, sizeof(h), "t=1700000001,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), -1);
	/* malformed headers */
	assert_int_equal(tiktok_signature_verify(NULL, "secret", BODY, strlen(BODY), 1700000000, 300), -1);
	assert_int_equal(tiktok_signature_verify("", "secret", BODY, strlen(BODY), 1700000000, 300), -1);
	assert_int_equal(tiktok_signature_verify("t=1700000000", "secret", BODY, strlen(BODY), 1700000000, 300), -1);
	snprintf(h, sizeof(h), "s=%s", VECTOR);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), -1);
	snprintf(h, sizeof(h), "t=17e8,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), -1);
	snprintf(h, sizeof(h), "t=1700000000,s=%.63s", VECTOR);
	assert_int_equal(tiktok_signature_verify(h, "secret", BODY, strlen(BODY), 1700000000, 300), -1);
}

/* Malformed (400) and forged (401) are told apart by the parse. */
static void parse_tells_malformed_from_forged(void **state)
{
	char h[160], s[65];
	int64_t t;

	(void)state;
	snprintf(h, sizeof(h), "t=1700000000,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), 0);
	assert_int_equal(t, 1700000000);
	assert_string_equal(s, VECTOR);
	/* upper-case hex, spaces after the comma, an unknown part: still well formed */
	assert_int_equal(tiktok_signature_parse("t=5, v1=x, s=0123456789ABCDEF0123456789abcdef0123456789abcdef"
						"0123456789abcdef", &t, s), 0);
	assert_string_equal(s, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	/* a well-formed forgery parses (and then fails to verify) */
	assert_int_equal(tiktok_signature_parse("t=1,s=0000000000000000000000000000000000000000000000000000000000000000",
						&t, s), 0);
	/* malformed */
	assert_int_equal(tiktok_signature_parse(NULL, &t, s), -1);
	assert_int_equal(tiktok_signature_parse("", &t, s), -1);
	assert_int_equal(tiktok_signature_parse("s=00,t=", &t, s), -1);
	snprintf(h, sizeof(h), "t=,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
	snprintf(h, sizeof(h), "t=17e8,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
	snprintf(h, sizeof(h), "t=-1,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
	snprintf(h, sizeof(h), "t=99999999999999999999,s=%s", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
	snprintf(h, sizeof(h), "t=1700000000,s=%.63s", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
	snprintf(h, sizeof(h), "t=1700000000,s=%sa", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
	snprintf(h, sizeof(h), "t=1700000000,s=%.63sg", VECTOR);
	assert_int_equal(tiktok_signature_parse(h, &t, s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signature_matches_the_documented_vector),
		cmocka_unit_test(header_has_t_then_s),
		cmocka_unit_test(verify_accepts_a_good_header_within_tolerance),
		cmocka_unit_test(verify_refuses_stale_forged_or_malformed),
		cmocka_unit_test(parse_tells_malformed_from_forged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
