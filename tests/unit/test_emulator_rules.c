/* test_emulator_rules.c — the emulator's own reading of TikTok's rules
 * (emulator/rules.c), checked with the brief's examples: §2.4's chunk rules
 * (50,000,123 bytes / 10,000,000 → 5 chunks, the last one 10,000,123 bytes
 * at 40,000,000–50,000,122), Content-Range requests, §4.5's signature
 * test vector, and §2.5's URL ownership for PULL_FROM_URL. Independent of lib/chunkplan.c and lib/tiktok_sig.c: the
 * last test compares the two readings over many plans, so a change to
 * either that makes them disagree is seen here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../emulator/rules.h"
#include "chunkplan.h"
#include "tiktok_sig.h"

static void accepted(int64_t size, int64_t chunk, int64_t count)
{
	char why[TT_WHY_LEN];

	if (tt_chunk_plan_check(size, chunk, count, why) != 0)
		fail_msg("plan %lld/%lld/%lld refused: %s", (long long)size, (long long)chunk, (long long)count, why);
	assert_string_equal(why, "");
}

static void refused(int64_t size, int64_t chunk, int64_t count, const char *why_part)
{
	char why[TT_WHY_LEN];

	if (tt_chunk_plan_check(size, chunk, count, why) == 0)
		fail_msg("plan %lld/%lld/%lld accepted", (long long)size, (long long)chunk, (long long)count);
	if (!strstr(why, why_part))
		fail_msg("reason '%s' does not mention '%s'", why, why_part);
}

static void the_brief_example_is_five_chunks(void **state)
{
	int64_t f, l;

	(void)state;
	accepted(50000123, 10000000, 5);
	refused(50000123, 10000000, 6, "floor");      /* ceil would leave a 123-byte tail */
	refused(50000123, 10000000, 4, "floor");
	tt_chunk_bytes(50000123, 10000000, 5, 4, &f, &l);
	assert_int_equal(f, 40000000);
	assert_int_equal(l, 50000122);
	assert_int_equal(l - f + 1, 10000123);        /* the last chunk takes the remainder */
	tt_chunk_bytes(50000123, 10000000, 5, 0, &f, &l);
	assert_int_equal(f, 0);
	assert_int_equal(l, 9999999);
	tt_chunk_bytes(50000123, 10000000, 5, 3, &f, &l);
	assert_int_equal(f, 30000000);
	assert_int_equal(l, 39999999);
}

static void small_videos_are_sent_whole(void **state)
{
	(void)state;
	accepted(1, 1, 1);
	accepted(4999999, 4999999, 1);                /* < 5 MB: whole */
	accepted(64000000, 64000000, 1);              /* up to the chunk ceiling */
	refused(4999999, 1000000, 4, "outside");      /* chunks under 5 MB */
	refused(4999999, 5000000, 1, "equal");        /* one chunk = the file */
	refused(64000001, 64000001, 1, "must be sent in chunks");
	refused(100000000, 100000000, 1, "must be sent in chunks");   /* > 64 MB must be chunked */
}

static void chunk_size_bounds_under_both_readings_of_mb(void **state)
{
	(void)state;
	/* 5 MB: 5,000,000 is fine under the decimal reading, not under MiB */
	refused(50000000, 5000000, 10, "outside");
	accepted(52428800, 5242880, 10);
	/* 64 MB: 64,000,000 is within both; 64 MiB only within one */
	accepted(128000000, 64000000, 2);
	refused(134217728, 67108864, 2, "outside");
}

static void last_chunk_count_and_size_limits(void **state)
{
	char why[TT_WHY_LEN];

	(void)state;
	/* 127,999,999 bytes cannot go whole, and floor() says one chunk */
	assert_int_equal(tt_chunk_plan_check(127999999, 64000000, 1, why), -1);
	/* the last chunk may be over the chunk ceiling: 64,000,000 + 127,999,999 */
	accepted(191999999, 64000000, 2);
	accepted(192000000, 64000000, 3);             /* an exact multiple */
	/* 1000 chunks at most; 4 GB at most */
	refused(4000000000LL, 4000000, 1000, "outside");  /* 4e6 < 5 MiB */
	accepted(4000000000LL, 10000000, 400);
	refused(10010000000LL, 10000000, 1001, "not within");
	refused(4000000000LL, 3996003, 1001, "1..1000");  /* checked before the chunk size */
	refused(4000000001LL, 10000000, 400, "video_size");
	refused(0, 0, 1, "video_size");
	refused(1000, 0, 1, "chunk_size");
	refused(1000, 1000, 0, "total_chunk_count");
	refused(1000, -5, 1, "chunk_size");
}

static void content_range_requests(void **state)
{
	int64_t f, l, t;

	(void)state;
	assert_int_equal(tt_parse_content_range("bytes 40000000-50000122/50000123", &f, &l, &t), 0);
	assert_int_equal(f, 40000000);
	assert_int_equal(l, 50000122);
	assert_int_equal(t, 50000123);
	assert_int_equal(tt_parse_content_range("bytes 0-0/1", &f, &l, &t), 0);
	assert_int_equal(tt_parse_content_range("bytes 0-100/100", &f, &l, &t), -1);   /* LAST is inclusive */
	assert_int_equal(tt_parse_content_range("bytes 10-9/100", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range("bytes */100", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range("bytes 0-1/2 ", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range("bytes  0-1/2", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range("bytes +0-1/2", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range("Bytes 0-1/2", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range("bytes 0-1/99999999999999999999", &f, &l, &t), -1);
	assert_int_equal(tt_parse_content_range(NULL, &f, &l, &t), -1);
}

static const char BODY[] =
	"{\"client_key\":\"ck\",\"event\":\"post.publish.complete\",\"create_time\":1700000000,"
	"\"user_openid\":\"oid\",\"content\":\"{\\\"publish_id\\\":\\\"v_pub_file~v2-1.1\\\","
	"\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"}";

static void signature_is_the_brief_vector(void **state)
{
	char sig[65], h[128];

	(void)state;
	tt_webhook_signature("secret", 1700000000, BODY, strlen(BODY), sig);
	assert_string_equal(sig, "3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498");
	tt_webhook_signature_header("secret", 1700000000, BODY, strlen(BODY), h, sizeof(h));
	assert_string_equal(h, "t=1700000000,s=3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498");
	/* t is part of what is signed; so is every body byte */
	tt_webhook_signature("secret", 1700000001, BODY, strlen(BODY), sig);
	assert_string_not_equal(sig, "3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498");
	tt_webhook_signature("secret", 1700000000, BODY, strlen(BODY) - 1, sig);
	assert_string_not_equal(sig, "3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498");
}

/* The product's planner and verifier against the emulator's rules: what the
 * worker plans the emulator accepts, chunk by chunk, and what the emulator
 * signs the app verifies. A bug on either side shows here before a stack
 * test ever runs. */
static void product_plans_and_signatures_agree_with_the_emulator(void **state)
{
	static const int64_t sizes[] = { 1, 4999999, 5242880, 63999999, 64000000, 64000001, 50000123,
					 127999999, 128000000, 999999999, 3999999999LL, 4000000000LL };
	char why[TT_WHY_LEN], h[128];
	int64_t chunk, count, f1, l1, f2, l2;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(chunk_plan_make(sizes[i], &chunk, &count), 0);
		if (tt_chunk_plan_check(sizes[i], chunk, count, why) != 0)
			fail_msg("the worker's plan for %lld bytes is refused: %s", (long long)sizes[i], why);
		for (int64_t k = 0; k < count; k += count > 3 ? count - 1 : 1) {
			chunk_plan_range(sizes[i], chunk, count, k, &f1, &l1);
			tt_chunk_bytes(sizes[i], chunk, count, k, &f2, &l2);
			assert_int_equal(f1, f2);
			assert_int_equal(l1, l2);
		}
	}
	tt_webhook_signature_header("s3cr3t", 1700000123, BODY, strlen(BODY), h, sizeof(h));
	assert_int_equal(tiktok_signature_verify(h, "s3cr3t", BODY, strlen(BODY), 1700000123, 300), 0);
}

static void pull_url_ownership(void **state)
{
	const char *prefixes = "https://cdn.langflix.example/pull/, http://127.0.0.1:8080/media/";
	const char *domains = "videos.example.org";
	char why[TT_WHY_LEN];

	(void)state;
	/* a URL prefix covers only URLs under it */
	assert_int_equal(tt_pull_url_check("https://cdn.langflix.example/pull/a.mp4?sig=1", prefixes, "", 0, why), TT_URL_OK);
	assert_int_equal(tt_pull_url_check("https://cdn.langflix.example/other/a.mp4", prefixes, "", 0, why),
			 TT_URL_UNVERIFIED);
	assert_int_equal(tt_pull_url_check("https://cdn.langflix.example/pullx/a.mp4", prefixes, "", 0, why),
			 TT_URL_UNVERIFIED);
	/* a domain covers itself and its subdomains, nothing that merely ends the same */
	assert_int_equal(tt_pull_url_check("https://videos.example.org/a.mp4", "", domains, 0, why), TT_URL_OK);
	assert_int_equal(tt_pull_url_check("https://eu.cdn.VIDEOS.example.org:8443/a.mp4", "", domains, 0, why), TT_URL_OK);
	assert_int_equal(tt_pull_url_check("https://badvideos.example.org/a.mp4", "", domains, 0, why), TT_URL_UNVERIFIED);
	assert_int_equal(tt_pull_url_check("https://example.org/a.mp4", "", domains, 0, why), TT_URL_UNVERIFIED);
	assert_true(strstr(why, "example.org") != NULL);
	/* https only; http to loopback when the emulator allows it (tests) */
	assert_int_equal(tt_pull_url_check("http://videos.example.org/a.mp4", "", domains, 1, why), TT_URL_MALFORMED);
	assert_true(strstr(why, "https") != NULL);
	assert_int_equal(tt_pull_url_check("http://127.0.0.1:8080/media/a.mp4", prefixes, "", 1, why), TT_URL_OK);
	assert_int_equal(tt_pull_url_check("http://127.0.0.1:8080/media/a.mp4", prefixes, "", 0, why), TT_URL_MALFORMED);
	assert_int_equal(tt_pull_url_check("http://localhost:9/x.mp4", "", "localhost", 1, why), TT_URL_OK);
	/* malformed */
	assert_int_equal(tt_pull_url_check("ftp://videos.example.org/a.mp4", "", domains, 1, why), TT_URL_MALFORMED);
	assert_int_equal(tt_pull_url_check("https:///a.mp4", "", domains, 1, why), TT_URL_MALFORMED);
	assert_int_equal(tt_pull_url_check("https://user@videos.example.org/a.mp4", "", domains, 1, why), TT_URL_MALFORMED);
	assert_int_equal(tt_pull_url_check("https://videos.example.org/a.mp4#x", "", domains, 1, why), TT_URL_MALFORMED);
	assert_int_equal(tt_pull_url_check("https://videos.example.org/a b.mp4", "", domains, 1, why), TT_URL_MALFORMED);
	assert_int_equal(tt_pull_url_check(NULL, "", domains, 1, why), TT_URL_MALFORMED);
	/* nothing verified: nothing passes */
	assert_int_equal(tt_pull_url_check("https://videos.example.org/a.mp4", "", "", 1, why), TT_URL_UNVERIFIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_brief_example_is_five_chunks),
		cmocka_unit_test(small_videos_are_sent_whole),
		cmocka_unit_test(chunk_size_bounds_under_both_readings_of_mb),
		cmocka_unit_test(last_chunk_count_and_size_limits),
		cmocka_unit_test(content_range_requests),
		cmocka_unit_test(signature_is_the_brief_vector),
		cmocka_unit_test(product_plans_and_signatures_agree_with_the_emulator),
		cmocka_unit_test(pull_url_ownership),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
