/* The TikTok emulator's Content Posting API (tiktok-api.md §2.1–2.3, 2.7,
 * 2.8): creator_info per account, the init validations and their error
 * codes, the chunk rules, rate limits, caps and scope checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"

static struct json_object *creator_info(const char *token, long *status)
{
	return emu_api(&E, "/v2/post/publish/creator_info/query/", token, "{}", status);
}

static void creator_info_per_account(void **state)
{
	char pub[200], priv[200], capped[200];
	long st;
	struct json_object *o, *opts;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, pub, sizeof(pub));
	emu_token(&E, "max.private", EMU_ALL_SCOPES, priv, sizeof(priv));
	emu_token(&E, "capped.creator", EMU_ALL_SCOPES, capped, sizeof(capped));

	o = creator_info(pub, &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "error.code"), "ok");
	assert_string_equal(emu_str(o, "data.creator_nickname"), "Lena (public)");
	assert_string_equal(emu_str(o, "data.creator_username"), "lena.public");
	opts = emu_get(o, "data.privacy_level_options");
	assert_int_equal(json_object_array_length(opts), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(opts, 0)), "PUBLIC_TO_EVERYONE");
	assert_string_equal(emu_str(o, "data.duet_disabled"), "false");
	assert_int_equal(json_object_get_int(emu_get(o, "data.max_video_post_duration_sec")), 600);
	assert_true(strlen(emu_str(o, "error.log_id")) > 10);
	json_object_put(o);

	o = creator_info(priv, &st);
	assert_int_equal(st, 200);
	opts = emu_get(o, "data.privacy_level_options");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(opts, 0)), "FOLLOWER_OF_CREATOR");
	assert_string_equal(emu_str(o, "data.duet_disabled"), "true");
	assert_string_equal(emu_str(o, "data.stitch_disabled"), "true");
	json_object_put(o);

	/* cannot post: HTTP 200 on purpose, with the error code */
	o = creator_info(capped, &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "error.code"), "spam_risk_too_many_posts");
	json_object_put(o);
	emu_assert_no_violations(&E);
}

static void posting_needs_bearer_json_and_scope(void **state)
{
	char upload_only[200], pid[96], up[256];
	const char *h[] = { "Content-Type: application/json", NULL };
	char auth[300];
	const char *h2[] = { auth, "Content-Type: text/plain", NULL };
	struct tresp r;
	long st;
	struct json_object *o;

	(void)state;
	/* no Authorization */
	assert_int_equal(tc_request(E.c, "POST", "/v2/post/publish/creator_info/query/", h, "{}", 2, &r), 0);
	assert_int_equal(r.status, 401);
	o = emu_parse(&r);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);
	tresp_free(&r);
	/* an unknown token */
	o = creator_info("act.not-a-token", &st);
	assert_int_equal(st, 401);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);

	emu_token(&E, "lena.public", "user.info.basic,video.upload", upload_only, sizeof(upload_only));
	/* wrong content type */
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", upload_only);
	assert_int_equal(tc_request(E.c, "POST", "/v2/post/publish/status/fetch/", h2, "{}", 2, &r), 0);
	assert_int_equal(r.status, 400);
	o = emu_parse(&r);
	assert_string_equal(emu_str(o, "error.code"), "invalid_params");
	json_object_put(o);
	tresp_free(&r);
	assert_int_equal(emu_violations(&E, "wrong_content_type"), 1);

	/* video.upload is not enough for Direct Post or creator_info */
	assert_int_equal(emu_init(&E, upload_only, 0, "PUBLIC_TO_EVERYONE", 1000, 1000, 1, pid, up), 401);
	o = creator_info(upload_only, &st);
	assert_int_equal(st, 401);
	assert_string_equal(emu_str(o, "error.code"), "scope_not_authorized");
	json_object_put(o);
	/* but it is enough for the inbox */
	assert_int_equal(emu_init(&E, upload_only, 1, NULL, 1000, 1000, 1, pid, up), 200);
	assert_true(strncmp(pid, "v_inbox_file~", 13) == 0);
	assert_int_equal(emu_violations(&E, "scope_not_authorized"), 2);
}

static void init_returns_publish_id_and_upload_url(void **state)
{
	char tok[200], pid[96], up[256];

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "PUBLIC_TO_EVERYONE", 50000123, 10000000, 5, pid, up), 200);
	assert_true(strncmp(pid, "v_pub_file~", 11) == 0);
	assert_true(strlen(pid) <= 64);
	assert_true(strncmp(up, "/upload/", 8) == 0);
	assert_true(strlen(E.base) + strlen(up) <= 256);
	emu_assert_no_violations(&E);
}

static void chunk_rules_accept_and_refuse(void **state)
{
	struct {
		long long size, chunk, count;
		int ok;
	} plans[] = {
		{ 50000123, 10000000, 5, 1 },    /* the doc example */
		{ 50000123, 10000000, 6, 0 },    /* ceil instead of floor */
		{ 4999999, 4999999, 1, 1 },      /* small: whole */
		{ 4000000, 2000000, 2, 0 },      /* small: split */
		{ 64000000, 64000000, 1, 1 },    /* largest single chunk */
		{ 67108864, 67108864, 1, 0 },    /* 64 MiB in one chunk */
		{ 67108864, 5242880, 12, 1 },
		{ 67108864, 5000000, 13, 0 },    /* 5,000,000 < 5 MiB */
		{ 200000000, 67108864, 2, 0 },   /* 64 MiB > 64,000,000 */
		{ 10000000, 5000000, 1, 0 },     /* one chunk but chunk != size */
		{ 4000000001LL, 64000000, 62, 0 },
	};
	char tok[200], pid[96], up[256];

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"rate_init_per_min\":1000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		struct buf b = BUF_INIT;
		long st;
		struct json_object *o;

		emu_init_body(&b, "SELF_ONLY", "t", plans[i].size, plans[i].chunk, plans[i].count);
		o = emu_api(&E, "/v2/post/publish/video/init/", tok, b.data, &st);
		if (plans[i].ok && st != 200)
			fail_msg("plan %zu refused: %s", i, json_object_to_json_string(o));
		if (!plans[i].ok) {
			if (st != 400)
				fail_msg("plan %zu accepted", i);
			assert_string_equal(emu_str(o, "error.code"), "invalid_params");
			assert_string_equal(emu_str(o, "error.message"), "The chunk size is invalid");
		}
		json_object_put(o);
		buf_free(&b);
	}
	assert_int_equal(emu_violations(&E, "invalid_chunk_plan"), 7);
	(void)pid;
	(void)up;
}

static long init_with(const char *tok, const char *post_info, struct json_object **out)
{
	struct buf b = BUF_INIT;
	long st;

	buf_printf(&b, "{\"post_info\":%s,\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":1000,"
		       "\"chunk_size\":1000,\"total_chunk_count\":1}}", post_info);
	*out = emu_api(&E, "/v2/post/publish/video/init/", tok, b.data, &st);
	buf_free(&b);
	return st;
}

static void init_checks_privacy_and_branded_content(void **state)
{
	char pub[200], priv[200];
	struct json_object *o;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"rate_init_per_min\":1000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, pub, sizeof(pub));
	emu_token(&E, "max.private", EMU_ALL_SCOPES, priv, sizeof(priv));
	/* FOLLOWER_OF_CREATOR is a private account's option only */
	assert_int_equal(init_with(pub, "{\"privacy_level\":\"FOLLOWER_OF_CREATOR\",\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "privacy_level_option_mismatch");
	json_object_put(o);
	assert_int_equal(init_with(priv, "{\"privacy_level\":\"PUBLIC_TO_EVERYONE\",\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "privacy_level_option_mismatch");
	json_object_put(o);
	/* missing privacy_level */
	assert_int_equal(init_with(pub, "{\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "privacy_level_option_mismatch");
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "privacy_level_option_mismatch"), 3);
	/* branded content cannot be private */
	assert_int_equal(init_with(pub, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":true}", &o), 400);
	assert_string_equal(emu_str(o, "error.code"), "invalid_params");
	json_object_put(o);
	assert_int_equal(init_with(pub, "{\"privacy_level\":\"PUBLIC_TO_EVERYONE\",\"brand_content_toggle\":true}", &o), 200);
	json_object_put(o);
	/* brand_content_toggle is required; flags must be booleans */
	assert_int_equal(init_with(pub, "{\"privacy_level\":\"SELF_ONLY\"}", &o), 400);
	json_object_put(o);
	assert_int_equal(init_with(pub, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false,\"disable_duet\":\"no\"}", &o), 400);
	json_object_put(o);
	/* the private creator's disabled duet is forced on in the post */
	assert_int_equal(init_with(priv, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false,\"disable_duet\":false}", &o), 200);
	{
		struct json_object *s = emu_state(&E);
		struct json_object *p = emu_state_post(s, emu_str(o, "data.publish_id"));
		assert_string_equal(emu_str(p, "flags.disable_duet"), "true");
		assert_string_equal(emu_str(p, "privacy_level"), "SELF_ONLY");
		json_object_put(s);
	}
	json_object_put(o);
}

static void title_limit_counts_utf16_units(void **state)
{
	char tok[200];
	struct buf pi = BUF_INIT, title = BUF_INIT;
	struct json_object *o;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"rate_init_per_min\":1000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
#define TRY(expect) do { \
	buf_reset(&pi); \
	buf_printf(&pi, "{\"title\":\"%s\",\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false}", title.data); \
	assert_int_equal(init_with(tok, pi.data, &o), expect); \
	json_object_put(o); \
} while (0)
	/* 2200 ASCII: fine; 2201: too long */
	for (int i = 0; i < 2200; i++)
		buf_putc(&title, 'a');
	TRY(200);
	buf_putc(&title, 'a');
	TRY(400);
	/* 2200 BMP characters of 3 UTF-8 bytes each (6600 bytes): fine */
	buf_reset(&title);
	for (int i = 0; i < 2200; i++)
		buf_puts(&title, "\xe2\x82\xac"); /* € */
	TRY(200);
	/* 1100 emoji = 2200 UTF-16 units: fine; 1101: too long */
	buf_reset(&title);
	for (int i = 0; i < 1100; i++)
		buf_puts(&title, "\xf0\x9f\x98\x80"); /* 😀, a surrogate pair */
	TRY(200);
	buf_puts(&title, "\xf0\x9f\x98\x80");
	TRY(400);
	/* 2199 ASCII + 1 emoji = 2201 units */
	buf_reset(&title);
	for (int i = 0; i < 2199; i++)
		buf_putc(&title, 'a');
	buf_puts(&title, "\xf0\x9f\x98\x80");
	TRY(400);
#undef TRY
	assert_int_equal(emu_violations(&E, "title_too_long"), 3);
	buf_free(&pi);
	buf_free(&title);
}

static void unaudited_client_refuses_public_accounts(void **state)
{
	char pub[200], priv[200];
	struct json_object *o, *opts;
	long st;

	(void)state;
	emu_ctl(&E, "/_emulator/faults", "{\"unaudited\":true}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, pub, sizeof(pub));
	emu_token(&E, "max.private", EMU_ALL_SCOPES, priv, sizeof(priv));
	/* even a SELF_ONLY post to a public account */
	assert_int_equal(init_with(pub, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "unaudited_client_can_only_post_to_private_accounts");
	json_object_put(o);
	/* a private account: SELF_ONLY only */
	o = creator_info(priv, &st);
	opts = emu_get(o, "data.privacy_level_options");
	assert_int_equal(json_object_array_length(opts), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(opts, 0)), "SELF_ONLY");
	json_object_put(o);
	assert_int_equal(init_with(priv, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false}", &o), 200);
	json_object_put(o);
	assert_int_equal(init_with(priv, "{\"privacy_level\":\"FOLLOWER_OF_CREATOR\",\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "privacy_level_option_mismatch");
	json_object_put(o);
}

static void daily_cap_and_pending_inbox_limits(void **state)
{
	char tok[200], capped[200], pid[96], up[256];
	struct json_object *o;
	long st;

	(void)state;
	emu_ctl(&E, "/_emulator/config",
		"{\"rate_init_per_min\":1000,\"profiles\":[{\"open_id\":\"oid-cap2\",\"username\":\"two.a.day\","
		"\"daily_post_cap\":2},{\"open_id\":\"oid-zero\",\"username\":\"zero\",\"daily_post_cap\":0}]}");
	emu_token(&E, "two.a.day", EMU_ALL_SCOPES, tok, sizeof(tok));
	emu_token(&E, "zero", EMU_ALL_SCOPES, capped, sizeof(capped));
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 1000, 1000, 1, pid, up), 200);
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 1000, 1000, 1, pid, up), 200);
	assert_int_equal(init_with(tok, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "spam_risk_too_many_posts");
	json_object_put(o);
	o = creator_info(tok, &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "error.code"), "spam_risk_too_many_posts");
	json_object_put(o);
	assert_int_equal(init_with(capped, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false}", &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "spam_risk_too_many_posts");
	json_object_put(o);

	/* at most 5 pending inbox drafts */
	for (int i = 0; i < 5; i++)
		assert_int_equal(emu_init(&E, tok, 1, NULL, 1000, 1000, 1, pid, up), 200);
	o = emu_api(&E, "/v2/post/publish/inbox/video/init/", tok,
		    "{\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":1000,\"chunk_size\":1000,"
		    "\"total_chunk_count\":1}}", &st);
	assert_int_equal(st, 403);
	assert_string_equal(emu_str(o, "error.code"), "spam_risk_too_many_pending_share");
	json_object_put(o);
	/* an init refused by a cap is a plan that broke TikTok's limits: recorded
	 * (creator_info's HTTP 200 answer is how to learn it, and is not) */
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_posts"), 2);
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_pending_share"), 1);
	assert_int_equal(emu_violations(&E, NULL), 3);
}

static void rate_limits_answer_429_and_are_recorded(void **state)
{
	char tok[200], other[200], pid[96], up[256];
	struct json_object *o;
	long st;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, other, sizeof(other));
	/* the documented default: 6 inits a minute per token */
	for (int i = 0; i < 6; i++)
		assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 1000, 1000, 1, pid, up), 200);
	assert_int_equal(init_with(tok, "{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false}", &o), 429);
	assert_string_equal(emu_str(o, "error.code"), "rate_limit_exceeded");
	json_object_put(o);
	/* per token: another token is not limited */
	assert_int_equal(emu_init(&E, other, 1, NULL, 1000, 1000, 1, pid, up), 200);
	assert_int_equal(emu_violations(&E, "rate_limit_exceeded"), 1);

	/* creator_info and status with a short window */
	emu_ctl(&E, "/_emulator/config", "{\"rate_creator_info_per_min\":3,\"rate_status_per_min\":2,\"rate_window_sec\":2}");
	for (int i = 0; i < 3; i++) {
		o = creator_info(other, &st);
		assert_int_equal(st, 200);
		json_object_put(o);
	}
	o = creator_info(other, &st);
	assert_int_equal(st, 429);
	json_object_put(o);
	for (int i = 0; i < 2; i++) {
		o = emu_status(&E, other, pid, &st);
		assert_int_equal(st, 200);
		json_object_put(o);
	}
	o = emu_status(&E, other, pid, &st);
	assert_int_equal(st, 429);
	json_object_put(o);
	/* the window slides */
	sleep(3);
	o = creator_info(other, &st);
	assert_int_equal(st, 200);
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "rate_limit_exceeded"), 3);
	/* user/info has its own (600/min by default) */
	emu_ctl(&E, "/_emulator/config", "{\"rate_user_info_per_min\":1}");
	{
		char auth[300];
		const char *h[] = { auth, NULL };
		struct tresp r;
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", other);
		assert_int_equal(tc_request(E.c, "GET", "/v2/user/info/?fields=open_id", h, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		tresp_free(&r);
		assert_int_equal(tc_request(E.c, "GET", "/v2/user/info/?fields=open_id", h, NULL, 0, &r), 0);
		assert_int_equal(r.status, 429);
		o = emu_parse(&r);
		assert_string_equal(emu_str(o, "error.code"), "rate_limit_exceeded");
		json_object_put(o);
		tresp_free(&r);
	}
}

static void status_and_cancel_check_the_publish_id(void **state)
{
	char a[200], b[200], pid[96], up[256];
	struct json_object *o;
	long st;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, a, sizeof(a));
	emu_token(&E, "max.private", EMU_ALL_SCOPES, b, sizeof(b));
	assert_int_equal(emu_init(&E, a, 0, "SELF_ONLY", 1000, 1000, 1, pid, up), 200);
	o = emu_status(&E, a, pid, &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "data.status"), "PROCESSING_UPLOAD");
	assert_int_equal(json_object_get_int64(emu_get(o, "data.uploaded_bytes")), 0);
	assert_int_equal(json_object_array_length(emu_get(o, "data.publicaly_available_post_id")), 0);
	json_object_put(o);
	o = emu_status(&E, a, "v_pub_file~v2-1.123", &st);
	assert_int_equal(st, 400);
	assert_string_equal(emu_str(o, "error.code"), "invalid_publish_id");
	json_object_put(o);
	o = emu_status(&E, b, pid, &st);
	assert_int_equal(st, 400);
	assert_string_equal(emu_str(o, "error.code"), "token_not_authorized_for_specified_publish_id");
	json_object_put(o);
	o = emu_api(&E, "/v2/post/publish/cancel/", a, "{\"publish_id\":\"x\"}", &st);
	assert_int_equal(st, 400);
	assert_string_equal(emu_str(o, "error.code"), "invalid_publish_id");
	json_object_put(o);
	{
		char body[200];
		snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", pid);
		o = emu_api(&E, "/v2/post/publish/cancel/", a, body, &st);
		assert_int_equal(st, 400);
		assert_string_equal(emu_str(o, "error.code"), "publish_not_cancellable");
		json_object_put(o);
	}
	/* PULL_FROM_URL: no verified URL properties in the emulator */
	o = emu_api(&E, "/v2/post/publish/video/init/", a,
		    "{\"post_info\":{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false},"
		    "\"source_info\":{\"source\":\"PULL_FROM_URL\",\"video_url\":\"https://example.com/v.mp4\"}}", &st);
	assert_int_equal(st, 403);
	assert_string_equal(emu_str(o, "error.code"), "url_ownership_unverified");
	json_object_put(o);
	/* malformed JSON */
	o = emu_api(&E, "/v2/post/publish/video/init/", a, "{\"post_info\":", &st);
	assert_int_equal(st, 400);
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "invalid_json"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMU_TEST(creator_info_per_account),
		EMU_TEST(posting_needs_bearer_json_and_scope),
		EMU_TEST(init_returns_publish_id_and_upload_url),
		EMU_TEST(chunk_rules_accept_and_refuse),
		EMU_TEST(init_checks_privacy_and_branded_content),
		EMU_TEST(title_limit_counts_utf16_units),
		EMU_TEST(unaudited_client_refuses_public_accounts),
		EMU_TEST(daily_cap_and_pending_inbox_limits),
		EMU_TEST(rate_limits_answer_429_and_are_recorded),
		EMU_TEST(status_and_cancel_check_the_publish_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
