/* test_tiktok_post.c — the pure parts of the posting client and the error
 * table: init body, init/status parsers on documented answers, the
 * Content-Range of upload answers, chunk ranges, classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "chunkplan.h"
#include "tiktok_errors.h"
#include "tiktok_post.h"
#include "util.h"

static struct json_object *parse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

/* ---- init ---- */

static void direct_init_body_sends_every_flag(void **state)
{
	struct post_settings p = { .direct = 1, .privacy_level = "SELF_ONLY",
				   .title = "Hola \"amigo\" 👋 #es",
				   .disable_comment = 1, .disable_duet = 0, .disable_stitch = 1,
				   .brand_content = 0, .brand_organic = 1, .is_aigc = 1, .cover_ms = 2500 };
	struct tiktok_source s = { 50000123, 10000000, 5, NULL };
	struct buf b = BUF_INIT;
	struct json_object *o, *v;

	(void)state;
	tiktok_init_body(&p, &s, &b);
	o = parse(buf_cstr(&b));
	assert_true(json_object_object_get_ex(o, "post_info", &v));
	assert_string_equal(json_object_get_string(json_object_object_get(v, "privacy_level")), "SELF_ONLY");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "title")), "Hola \"amigo\" 👋 #es");
	assert_true(json_object_get_boolean(json_object_object_get(v, "disable_comment")));
	assert_false(json_object_get_boolean(json_object_object_get(v, "disable_duet")));
	assert_true(json_object_get_boolean(json_object_object_get(v, "disable_stitch")));
	/* both brand booleans explicitly, even when false */
	assert_true(json_object_object_get_ex(v, "brand_content_toggle", NULL));
	assert_false(json_object_get_boolean(json_object_object_get(v, "brand_content_toggle")));
	assert_true(json_object_get_boolean(json_object_object_get(v, "brand_organic_toggle")));
	assert_true(json_object_get_boolean(json_object_object_get(v, "is_aigc")));
	assert_int_equal(json_object_get_int(json_object_object_get(v, "video_cover_timestamp_ms")), 2500);
	assert_true(json_object_object_get_ex(o, "source_info", &v));
	assert_string_equal(json_object_get_string(json_object_object_get(v, "source")), "FILE_UPLOAD");
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "video_size")), 50000123);
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "chunk_size")), 10000000);
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "total_chunk_count")), 5);
	json_object_put(o);
	buf_free(&b);
}

/* PULL_FROM_URL (§2.5): the address only, no sizes or chunk plan; the
 * answer has no upload_url, and a FILE_UPLOAD answer's parser refuses it. */
static void pull_init_body_and_answer(void **state)
{
	struct tiktok_source s = { 3000000, 3000000, 1, "https://media.example.com/pull/videos/7?job=3&expires=9&sig=ab" };
	struct tiktok_init in;
	struct buf b = BUF_INIT;
	struct json_object *o, *v;

	(void)state;
	tiktok_init_body(NULL, &s, &b);
	o = parse(buf_cstr(&b));
	assert_true(json_object_object_get_ex(o, "source_info", &v));
	assert_string_equal(json_object_get_string(json_object_object_get(v, "source")), "PULL_FROM_URL");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "video_url")), s.video_url);
	assert_false(json_object_object_get_ex(v, "video_size", NULL));
	assert_false(json_object_object_get_ex(v, "chunk_size", NULL));
	assert_int_equal(json_object_object_length(v), 2);
	json_object_put(o);
	buf_free(&b);
	o = parse("{\"data\":{\"publish_id\":\"v_pub_url~v2.1\"},\"error\":{\"code\":\"ok\",\"message\":\"\"}}");
	assert_int_equal(tiktok_parse_pull_init(o, &in), 0);
	assert_string_equal(in.publish_id, "v_pub_url~v2.1");
	assert_string_equal(in.upload_url, "");
	assert_int_equal(tiktok_parse_init(o, &in), -1);
	json_object_put(o);
	o = parse("{\"data\":{},\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_pull_init(o, &in), -1);
	json_object_put(o);
}

static void inbox_init_body_is_source_info_only(void **state)
{
	struct tiktok_source s = { 3000000, 3000000, 1, NULL };
	struct post_settings p = { .direct = 1, .privacy_level = "SELF_ONLY", .title = "", .cover_ms = -1 };
	struct post_settings draft = { .direct = 0, .privacy_level = "SELF_ONLY", .title = "x" };
	struct buf b = BUF_INIT;
	struct json_object *o, *pi;

	(void)state;
	tiktok_init_body(NULL, &s, &b);
	o = parse(buf_cstr(&b));
	assert_false(json_object_object_get_ex(o, "post_info", NULL));
	assert_int_equal(json_object_object_length(o), 1);
	json_object_put(o);
	/* a draft's settings are never sent either */
	buf_reset(&b);
	tiktok_init_body(&draft, &s, &b);
	o = parse(buf_cstr(&b));
	assert_false(json_object_object_get_ex(o, "post_info", NULL));
	json_object_put(o);
	/* no cover timestamp unless one was chosen */
	buf_reset(&b);
	tiktok_init_body(&p, &s, &b);
	o = parse(buf_cstr(&b));
	assert_true(json_object_object_get_ex(o, "post_info", &pi));
	assert_false(json_object_object_get_ex(pi, "video_cover_timestamp_ms", NULL));
	json_object_put(o);
	buf_free(&b);
}

static void init_answer_parsed(void **state)
{
	struct tiktok_init in;
	struct json_object *o;

	(void)state;
	o = parse("{\"data\":{\"publish_id\":\"v_pub_file~v2-1.123456789\","
		  "\"upload_url\":\"https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123\"},"
		  "\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"202210112248442CB9319E1FB30C1073F3\"}}");
	assert_int_equal(tiktok_parse_init(o, &in), 0);
	assert_string_equal(in.publish_id, "v_pub_file~v2-1.123456789");
	assert_string_equal(in.upload_url,
			    "https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123");
	json_object_put(o);

	/* an error envelope, a missing URL, a wrong type, an over-long id */
	o = parse("{\"data\":{},\"error\":{\"code\":\"spam_risk_too_many_posts\",\"message\":\"x\"}}");
	assert_int_equal(tiktok_parse_init(o, &in), -1);
	json_object_put(o);
	o = parse("{\"data\":{\"publish_id\":\"v_pub_file~1\"},\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_init(o, &in), -1);
	json_object_put(o);
	o = parse("{\"data\":{\"publish_id\":7,\"upload_url\":\"https://x/\"},\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_init(o, &in), -1);
	json_object_put(o);
	o = parse("{\"data\":{\"publish_id\":\"v_pub_file~aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		  "\"upload_url\":\"https://x/\"},\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_init(o, &in), -1);
	json_object_put(o);
	o = parse("{\"data\":{\"publish_id\":\"v_pub_file~1\",\"upload_url\":\"file:///etc/passwd\"},"
		  "\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_init(o, &in), -1);
	json_object_put(o);
}

/* An init answer whose upload_url is url: parsed or not. */
static int init_with_url(const char *url)
{
	struct json_object *o = json_object_new_object(), *data = json_object_new_object(),
			   *err = json_object_new_object();
	struct tiktok_init in;
	int rc;

	json_object_object_add(data, "publish_id", json_object_new_string("v_pub_file~1"));
	json_object_object_add(data, "upload_url", json_object_new_string(url));
	json_object_object_add(err, "code", json_object_new_string("ok"));
	json_object_object_add(o, "data", data);
	json_object_object_add(o, "error", err);
	rc = tiktok_parse_init(o, &in);
	json_object_put(o);
	return rc;
}

/* The video goes to TikTok over TLS only; plain http only to this machine
 * (the emulator in the tests). */
static void upload_url_needs_https_except_loopback(void **state)
{
	static const char *const good[] = {
		"https://open-upload.tiktokapis.com/video/?upload_id=1",
		"HTTPS://open-upload.tiktokapis.com/video/",
		"http://127.0.0.1:8080/upload/1", "http://127.9.8.7/u", "http://localhost:9/u",
		"http://[::1]:8443/u", "http://localhost", "http://127.0.0.1?x=1",
	};
	static const char *const bad[] = {
		"http://open-upload.tiktokapis.com/video/?upload_id=1",
		"http://127.0.0.1.evil.example/u", "http://localhost.evil.example/u",
		"http://127.0.0.1@evil.example/u", "http://evil.example#@127.0.0.1/",
		"http://evil.example/?127.0.0.1", "http://[::1].evil/u", "http://1270.0.0.1/u",
		"http://128.0.0.1/u", "http://0.0.0.0/u", "http://[::ffff:1.2.3.4]/u", "http://",
		"ftp://127.0.0.1/u", "file:///etc/passwd", "https:/x", "//127.0.0.1/u",
		"http://127.0.0.1:80x/u", "http://127.0.0.256/u", "http://127.0.0/u",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!url_https_or_loopback(good[i]) || init_with_url(good[i]) != 0)
			fail_msg("refused %s", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (url_https_or_loopback(bad[i]) || init_with_url(bad[i]) != -1)
			fail_msg("accepted %s", bad[i]);
	}
}

/* ---- status ---- */

static void status_answers_parsed(void **state)
{
	struct tiktok_status st;
	struct json_object *o;

	(void)state;
	/* 19-digit ids stay exact (never a double) */
	o = parse("{\"data\":{\"status\":\"PUBLISH_COMPLETE\",\"publicaly_available_post_id\":[7345678901234567890],"
		  "\"uploaded_bytes\":10000000},\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"x\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), 0);
	assert_string_equal(st.status, "PUBLISH_COMPLETE");
	assert_int_equal(st.n_post_ids, 1);
	assert_string_equal(st.post_ids[0], "7345678901234567890");
	assert_int_equal(st.uploaded_bytes, 10000000);
	json_object_put(o);

	o = parse("{\"data\":{\"status\":\"FAILED\",\"fail_reason\":\"frame_rate_check_failed\","
		  "\"publicaly_available_post_id\":[]},\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), 0);
	assert_string_equal(st.fail_reason, "frame_rate_check_failed");
	assert_int_equal(st.n_post_ids, 0);
	assert_int_equal(st.uploaded_bytes, -1);
	json_object_put(o);

	/* ids as strings are accepted; junk is not */
	o = parse("{\"data\":{\"status\":\"PUBLISH_COMPLETE\",\"publicaly_available_post_id\":[\"123\",\"456\"]},"
		  "\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), 0);
	assert_int_equal(st.n_post_ids, 2);
	assert_string_equal(st.post_ids[1], "456");
	json_object_put(o);
	o = parse("{\"data\":{\"status\":\"PUBLISH_COMPLETE\",\"publicaly_available_post_id\":[\"12a\"]},"
		  "\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), -1);
	json_object_put(o);
	o = parse("{\"data\":{\"status\":\"PUBLISH_COMPLETE\",\"publicaly_available_post_id\":1.5e18},"
		  "\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), -1);
	json_object_put(o);
	o = parse("{\"data\":{\"status\":\"PROCESSING_UPLOAD\",\"uploaded_bytes\":\"5\"},\"error\":{\"code\":\"ok\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), -1);
	json_object_put(o);
	o = parse("{\"data\":{},\"error\":{\"code\":\"invalid_publish_id\"}}");
	assert_int_equal(tiktok_parse_status(o, &st), -1);
	json_object_put(o);
}

/* ---- upload answers and ranges ---- */

static void held_range_parsed(void **state)
{
	int64_t held, total;

	(void)state;
	assert_int_equal(tiktok_parse_held_range("bytes 0-9999999/50000123", &held, &total), 0);
	assert_int_equal(held, 10000000);
	assert_int_equal(total, 50000123);
	assert_int_equal(tiktok_parse_held_range("bytes 0-50000122/50000123", &held, &total), 0);
	assert_int_equal(held, total);
	/* nothing held yet */
	assert_int_equal(tiktok_parse_held_range("bytes */50000123", &held, &total), 0);
	assert_int_equal(held, 0);
	assert_int_equal(total, 50000123);
	/* what TikTok does not send */
	assert_int_equal(tiktok_parse_held_range("bytes 5-9/10", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range("bytes 0-10/10", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range("bytes 0-9/10 ", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range("bytes 0--1/10", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range("items 0-1/10", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range("bytes */0", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range("bytes 0-1/99999999999999999999", &held, &total), -1);
	assert_int_equal(tiktok_parse_held_range(NULL, &held, &total), -1);
}

static void chunk_ranges_follow_the_plan(void **state)
{
	int64_t size = 50000123, cs, cc, first, last, sum = 0;
	char cr[80];

	(void)state;
	/* the doc example: 5 chunks, the last absorbs the remainder */
	assert_int_equal(chunk_plan_valid(size, 10000000, 5, NULL), 1);
	chunk_plan_range(size, 10000000, 5, 4, &first, &last);
	assert_int_equal(first, 40000000);
	assert_int_equal(last, 50000122);
	tiktok_content_range(first, last, size, cr, sizeof(cr));
	assert_string_equal(cr, "bytes 40000000-50000122/50000123");
	/* the worker's own plan for a 300 MB file: 30 chunks covering every byte once */
	size = 300000000;
	assert_int_equal(chunk_plan_make(size, &cs, &cc), 0);
	assert_int_equal(cc, 30);
	for (int64_t i = 0; i < cc; i++) {
		chunk_plan_range(size, cs, cc, i, &first, &last);
		assert_int_equal(first, sum);
		sum = last + 1;
	}
	assert_int_equal(sum, size);
	/* ≤ 64,000,000 is one chunk, chunk_size == video_size */
	assert_int_equal(chunk_plan_make(64000000, &cs, &cc), 0);
	assert_int_equal(cc, 1);
	assert_int_equal(cs, 64000000);
	tiktok_content_range(0, 63999999, 64000000, cr, sizeof(cr));
	assert_string_equal(cr, "bytes 0-63999999/64000000");
}

static void content_types(void **state)
{
	(void)state;
	assert_string_equal(tiktok_video_content_type("a/b.MP4"), "video/mp4");
	assert_string_equal(tiktok_video_content_type("clip.mov"), "video/quicktime");
	assert_string_equal(tiktok_video_content_type("clip.WebM"), "video/webm");
	assert_string_equal(tiktok_video_content_type("noext"), "video/mp4");
}

/* ---- the error table ---- */

static enum tt_action classify(enum tiktok_outcome out, long status, const char *code, const char **why)
{
	struct tiktok_result r;

	tiktok_result_init(&r);
	r.outcome = out;
	r.http_status = status;
	snprintf(r.error, sizeof(r.error), "%s", code);
	return tiktok_error_classify(&r, why);
}

static void errors_classified(void **state)
{
	const char *why;
	static const char *const permanent[] = {
		"spam_risk_too_many_posts", "spam_risk_user_banned_from_posting", "reached_active_user_cap",
		"unaudited_client_can_only_post_to_private_accounts", "privacy_level_option_mismatch",
		"invalid_param", "invalid_params", "spam_risk_too_many_pending_share",
		"file_format_check_failed", "duration_check_failed", "frame_rate_check_failed",
		"picture_size_check_failed", "spam_risk_text", "spam_risk", "url_ownership_unverified",
	};

	(void)state;
	assert_int_equal(classify(TT_OK, 200, "ok", &why), TTA_OK);
	assert_int_equal(classify(TT_NETWORK, 0, "", &why), TTA_RETRY);
	assert_non_null(why);
	assert_int_equal(classify(TT_MALFORMED, 502, "", &why), TTA_RETRY);   /* a proxy's HTML 502 */
	assert_int_equal(classify(TT_API, 500, "internal_error", &why), TTA_RETRY);
	assert_int_equal(classify(TT_API, 503, "http_503", &why), TTA_RETRY);
	assert_int_equal(classify(TT_API, 429, "rate_limit_exceeded", &why), TTA_RATE_LIMIT);
	assert_int_equal(classify(TT_API, 429, "http_429", &why), TTA_RATE_LIMIT);
	assert_int_equal(classify(TT_API, 401, "access_token_invalid", &why), TTA_REFRESH);
	assert_int_equal(classify(TT_API, 401, "scope_not_authorized", &why), TTA_RECONNECT);
	assert_non_null(strstr(why, "Reconnect"));
	assert_int_equal(classify(TT_API, 401, "something_new", &why), TTA_RECONNECT);
	for (size_t i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++) {
		assert_int_equal(classify(TT_API, 403, permanent[i], &why), TTA_PERMANENT);
		assert_non_null(why);
		assert_true(strlen(why) > 30);
	}
	assert_non_null(strstr(tiktok_error_lookup("spam_risk_too_many_pending_share")->reason, "5 drafts"));
	assert_int_equal(classify(TT_API, 403, "spam_risk_new_kind", &why), TTA_PERMANENT);
	assert_int_equal(classify(TT_API, 400, "unknown_code", &why), TTA_PERMANENT);
	assert_string_equal(tiktok_action_name(TTA_RATE_LIMIT), "rate_limit");
}

static void fail_reasons_in_words(void **state)
{
	int retry = -1;

	(void)state;
	assert_non_null(strstr(tiktok_fail_reason_text("frame_rate_check_failed", &retry), "frame rate"));
	assert_int_equal(retry, 0);
	assert_non_null(strstr(tiktok_fail_reason_text("picture_size_check_failed", &retry), "360"));
	tiktok_fail_reason_text("internal", &retry);
	assert_int_equal(retry, 1);
	assert_non_null(strstr(tiktok_fail_reason_text("auth_removed", &retry), "Reconnect"));
	assert_int_equal(retry, 0);
	assert_non_null(tiktok_fail_reason_text("never_seen_before", &retry));
	assert_int_equal(retry, 0);
	assert_non_null(tiktok_fail_reason_text(NULL, NULL));
}

static void upload_answers_classified(void **state)
{
	(void)state;
	assert_int_equal(tiktok_upload_classify(206), TTU_ACCEPTED);
	assert_int_equal(tiktok_upload_classify(201), TTU_COMPLETE);
	assert_int_equal(tiktok_upload_classify(416), TTU_RESYNC);
	assert_int_equal(tiktok_upload_classify(403), TTU_URL_DEAD);
	assert_int_equal(tiktok_upload_classify(404), TTU_URL_DEAD);
	assert_int_equal(tiktok_upload_classify(0), TTU_RETRY);
	assert_int_equal(tiktok_upload_classify(500), TTU_RETRY);
	assert_int_equal(tiktok_upload_classify(502), TTU_RETRY);
	assert_int_equal(tiktok_upload_classify(429), TTU_RETRY);
	assert_int_equal(tiktok_upload_classify(400), TTU_BROKEN);
	assert_int_equal(tiktok_upload_classify(200), TTU_BROKEN);   /* not in the protocol */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(direct_init_body_sends_every_flag),
		cmocka_unit_test(inbox_init_body_is_source_info_only),
		cmocka_unit_test(pull_init_body_and_answer),
		cmocka_unit_test(init_answer_parsed),
		cmocka_unit_test(upload_url_needs_https_except_loopback),
		cmocka_unit_test(status_answers_parsed),
		cmocka_unit_test(held_range_parsed),
		cmocka_unit_test(chunk_ranges_follow_the_plan),
		cmocka_unit_test(content_types),
		cmocka_unit_test(errors_classified),
		cmocka_unit_test(fail_reasons_in_words),
		cmocka_unit_test(upload_answers_classified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
