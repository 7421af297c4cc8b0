/* Unit tests: the TikTok client's pure parts (lib/tiktok.c) — token,
 * user-info and error answers as TikTok documents them, scope lists, the
 * PKCE hex challenge, the authorize URL with PKCE on and off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "metrics.h"
#include "tiktok.h"
#include "tiktok_creator.h"
#include "tiktok_post.h"

static struct json_object *J(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

/* tiktok-api.md §1.4: a flat object, not the {data,error} envelope */
static void token_answer_parsed(void **state)
{
	struct json_object *o = J("{\"access_token\":\"act.example12345Example12345Example\","
				  "\"expires_in\":86400,\"open_id\":\"afd97af1-b87b-48b9-ac98-410aghda5344\","
				  "\"refresh_expires_in\":31536000,"
				  "\"refresh_token\":\"rft.example12345Example12345Example\","
				  "\"scope\":\"user.info.basic,video.list\",\"token_type\":\"Bearer\"}");
	struct tiktok_token t;

	(void)state;
	assert_int_equal(tiktok_parse_token(o, &t), 0);
	assert_string_equal(t.access_token, "act.example12345Example12345Example");
	assert_string_equal(t.refresh_token, "rft.example12345Example12345Example");
	assert_string_equal(t.open_id, "afd97af1-b87b-48b9-ac98-410aghda5344");
	assert_string_equal(t.scope, "user.info.basic,video.list");
	assert_int_equal(t.expires_in, 86400);
	assert_int_equal(t.refresh_expires_in, 31536000);
	tiktok_token_clear(&t);
	assert_int_equal(t.access_token[0], 0);
	json_object_put(o);
}

static void token_answer_incomplete(void **state)
{
	static const char *const bad[] = {
		/* no access_token: an error in disguise (§1.4 says detect by its absence) */
		"{\"expires_in\":86400,\"open_id\":\"o\",\"refresh_expires_in\":10,\"refresh_token\":\"rft.x\"}",
		/* lifetimes must be positive integers, not strings or zero */
		"{\"access_token\":\"act.x\",\"expires_in\":\"86400\",\"open_id\":\"o\",\"refresh_expires_in\":10,\"refresh_token\":\"rft.x\"}",
		"{\"access_token\":\"act.x\",\"expires_in\":0,\"open_id\":\"o\",\"refresh_expires_in\":10,\"refresh_token\":\"rft.x\"}",
		"{\"access_token\":\"act.x\",\"expires_in\":60,\"open_id\":\"o\",\"refresh_token\":\"rft.x\"}",
		/* an empty open_id cannot key an account */
		"{\"access_token\":\"act.x\",\"expires_in\":60,\"open_id\":\"\",\"refresh_expires_in\":10,\"refresh_token\":\"rft.x\"}",
		"{\"access_token\":\"act.x\",\"expires_in\":60,\"open_id\":\"o\",\"refresh_expires_in\":10,\"refresh_token\":7}",
		"[]",
	};
	struct tiktok_token t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = J(bad[i]);
		assert_int_equal(tiktok_parse_token(o, &t), -1);
		json_object_put(o);
	}
	assert_int_equal(tiktok_parse_token(NULL, &t), -1);
}

static void token_too_long_refused(void **state)
{
	struct buf b = BUF_INIT;
	struct tiktok_token t;
	struct json_object *o;

	(void)state;
	buf_puts(&b, "{\"access_token\":\"act.");
	for (int i = 0; i < 600; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\",\"expires_in\":60,\"open_id\":\"o\",\"refresh_expires_in\":10,\"refresh_token\":\"rft.x\"}");
	o = J(buf_cstr(&b));
	assert_int_equal(tiktok_parse_token(o, &t), -1);
	json_object_put(o);
	buf_free(&b);
}

static void oauth_error_parsed(void **state)
{
	struct json_object *o = J("{\"error\":\"invalid_request\",\"error_description\":"
				  "\"Redirect_uri is not matched with the uri when requesting code.\","
				  "\"log_id\":\"202206221854370101130062072500FFA2\"}");
	struct tiktok_result r;

	(void)state;
	tiktok_result_init(&r);
	tiktok_parse_error(o, &r);
	assert_string_equal(r.error, "invalid_request");
	assert_string_equal(r.message, "Redirect_uri is not matched with the uri when requesting code.");
	assert_string_equal(r.log_id, "202206221854370101130062072500FFA2");
	json_object_put(o);
}

static void envelope_error_parsed(void **state)
{
	struct json_object *o = J("{\"data\":{},\"error\":{\"code\":\"access_token_invalid\","
				  "\"message\":\"The access token is invalid or not found in the request.\","
				  "\"log_id\":\"20220829194722CBE87ED59D524E727021\"}}");
	struct json_object *ok = J("{\"data\":{},\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"L1\"}}");
	struct tiktok_result r;

	(void)state;
	tiktok_result_init(&r);
	tiktok_parse_error(o, &r);
	assert_string_equal(r.error, "access_token_invalid");
	assert_string_equal(r.log_id, "20220829194722CBE87ED59D524E727021");
	tiktok_parse_error(ok, &r);
	assert_string_equal(r.error, "ok");
	assert_string_equal(r.log_id, "L1");
	json_object_put(o);
	json_object_put(ok);
}

static void grant_dead_only_on_invalid_grant(void **state)
{
	struct tiktok_result r;

	(void)state;
	tiktok_result_init(&r);
	r.outcome = TT_API;
	snprintf(r.error, sizeof(r.error), "invalid_grant");
	assert_true(tiktok_grant_dead(&r));
	snprintf(r.error, sizeof(r.error), "server_error");
	assert_false(tiktok_grant_dead(&r));
	r.outcome = TT_NETWORK;
	snprintf(r.error, sizeof(r.error), "invalid_grant");
	assert_false(tiktok_grant_dead(&r));
}

static void user_info_parsed(void **state)
{
	struct json_object *o = J("{\"data\":{\"user\":{\"avatar_url\":\"https://p19-sign.tiktokcdn-us.com/a.jpeg\","
				  "\"open_id\":\"723f24d7-e717-40f8-a2b6-cb8464cd23b4\","
				  "\"union_id\":\"c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1\","
				  "\"display_name\":\"Tik Toker\"}},"
				  "\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"2022\"}}");
	struct tiktok_user u;

	(void)state;
	assert_int_equal(tiktok_parse_user(o, &u), 0);
	assert_string_equal(u.open_id, "723f24d7-e717-40f8-a2b6-cb8464cd23b4");
	assert_string_equal(u.display_name, "Tik Toker");
	assert_string_equal(u.avatar_url, "https://p19-sign.tiktokcdn-us.com/a.jpeg");
	assert_string_equal(u.username, "");
	json_object_put(o);
}

/* The one reader of a string field (tokens, user, creator, post, webhook). */
static void a_string_field(void **state)
{
	struct json_object *o = J("{\"s\":\"abc\",\"e\":\"\",\"n\":null,\"i\":5,\"long\":\"abcdefgh\"}");
	char f[8];

	(void)state;
	assert_int_equal(tiktok_json_string(o, "s", f, sizeof(f), 1), 0);
	assert_string_equal(f, "abc");
	assert_int_equal(tiktok_json_string(o, "e", f, sizeof(f), 0), 0);
	assert_string_equal(f, "");
	assert_int_equal(tiktok_json_string(o, "e", f, sizeof(f), 1), -1);
	assert_int_equal(tiktok_json_string(o, "n", f, sizeof(f), 0), 0);
	assert_int_equal(tiktok_json_string(o, "n", f, sizeof(f), 1), -1);
	assert_int_equal(tiktok_json_string(o, "absent", f, sizeof(f), 0), 0);
	assert_int_equal(tiktok_json_string(o, "absent", f, sizeof(f), 1), -1);
	assert_int_equal(tiktok_json_string(o, "i", f, sizeof(f), 0), -1);
	assert_int_equal(tiktok_json_string(o, "long", f, sizeof(f), 0), -1);
	assert_string_equal(f, "");
	json_object_put(o);
}

static void user_info_refused(void **state)
{
	static const char *const bad[] = {
		"{\"data\":{},\"error\":{\"code\":\"scope_not_authorized\",\"message\":\"m\",\"log_id\":\"l\"}}",
		"{\"data\":{\"user\":{\"display_name\":\"no open id\"}},\"error\":{\"code\":\"ok\"}}",
		"{\"data\":{\"user\":[]},\"error\":{\"code\":\"ok\"}}",
		"{\"error\":{\"code\":\"ok\"}}",
		"{\"data\":{\"user\":{\"open_id\":\"o\",\"display_name\":5}}}",
	};
	struct tiktok_user u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = J(bad[i]);
		assert_int_equal(tiktok_parse_user(o, &u), -1);
		json_object_put(o);
	}
}

static void user_fields_follow_scopes(void **state)
{
	(void)state;
	assert_string_equal(tiktok_user_fields(TT_SCOPE_USER_INFO_BASIC),
			    "open_id,union_id,avatar_url,display_name");
	assert_non_null(strstr(tiktok_user_fields(TT_SCOPE_USER_INFO_BASIC | TT_SCOPE_USER_INFO_PROFILE),
			       ",username"));
}

static void scopes_parsed(void **state)
{
	(void)state;
	assert_int_equal(tiktok_scopes_parse("user.info.basic,video.publish,video.upload"),
			 TT_SCOPE_USER_INFO_BASIC | TT_SCOPE_VIDEO_PUBLISH | TT_SCOPE_VIDEO_UPLOAD);
	assert_int_equal(tiktok_scopes_parse(" video.upload , user.info.basic"),
			 TT_SCOPE_USER_INFO_BASIC | TT_SCOPE_VIDEO_UPLOAD);
	assert_int_equal(tiktok_scopes_parse("user.info.basic,,bogus,video.publishx"), TT_SCOPE_USER_INFO_BASIC);
	/* a space-separated list is not TikTok's format: no scope recognised */
	assert_int_equal(tiktok_scopes_parse("video.publish video.upload"), 0);
	assert_int_equal(tiktok_scopes_parse(""), 0);
	assert_int_equal(tiktok_scopes_parse(NULL), 0);
}

static void scope_notes(void **state)
{
	unsigned all = TT_SCOPE_USER_INFO_BASIC | TT_SCOPE_VIDEO_PUBLISH | TT_SCOPE_VIDEO_UPLOAD;

	(void)state;
	assert_string_equal(tiktok_scopes_note(all), "");
	assert_non_null(strstr(tiktok_scopes_note(all & ~TT_SCOPE_VIDEO_PUBLISH), "video.publish"));
	assert_null(strstr(tiktok_scopes_note(all & ~TT_SCOPE_VIDEO_PUBLISH), "video.upload"));
	assert_non_null(strstr(tiktok_scopes_note(all & ~TT_SCOPE_VIDEO_UPLOAD), "video.upload"));
	assert_non_null(strstr(tiktok_scopes_note(TT_SCOPE_USER_INFO_BASIC), "cannot be used to upload"));
}

static void pkce_hex_vector(void **state)
{
	char c[65];

	(void)state;
	tiktok_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", c);
	assert_string_equal(c, "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3");
}

static const struct tiktok_client client = {
	"https://open.tiktokapis.com", "awxyz", "s3cret", "https://pub.example/auth/tiktok/callback", 0,
};

static void authorize_url_with_pkce(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	tiktok_authorize_url("https://www.tiktok.com/v2/auth/authorize/", &client, "abc123",
			     "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3", &b);
	assert_string_equal(buf_cstr(&b),
		"https://www.tiktok.com/v2/auth/authorize/?client_key=awxyz"
		"&scope=user.info.basic%2Cvideo.publish%2Cvideo.upload%2Cvideo.list&response_type=code"
		"&redirect_uri=https%3A%2F%2Fpub.example%2Fauth%2Ftiktok%2Fcallback&state=abc123"
		"&code_challenge=13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
		"&code_challenge_method=S256");
	/* the client secret never goes to the browser */
	assert_null(strstr(buf_cstr(&b), "s3cret"));
	buf_free(&b);
}

static void authorize_url_without_pkce(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	tiktok_authorize_url("http://127.0.0.1:8081/v2/auth/authorize/?lang=en", &client, "s", NULL, &b);
	assert_string_equal(buf_cstr(&b),
		"http://127.0.0.1:8081/v2/auth/authorize/?lang=en&client_key=awxyz"
		"&scope=user.info.basic%2Cvideo.publish%2Cvideo.upload%2Cvideo.list&response_type=code"
		"&redirect_uri=https%3A%2F%2Fpub.example%2Fauth%2Ftiktok%2Fcallback&state=s");
	assert_null(strstr(buf_cstr(&b), "code_challenge"));
	buf_free(&b);
}

/* Nothing listens on port 1: a network outcome, not a crash or a hang. */
static void unreachable_is_network(void **state)
{
	struct tiktok_client c = client;
	struct tiktok_result r;
	struct tiktok_token t;
	char why[300];

	(void)state;
	c.api_base = "http://127.0.0.1:1";
	c.timeout_sec = 5;
	tiktok_result_init(&r);
	assert_int_equal(tiktok_refresh(&c, "rft.x", &t, &r), -1);
	assert_int_equal(r.outcome, TT_NETWORK);
	assert_int_equal(r.http_status, 0);
	assert_non_null(strstr(tiktok_result_describe(&r, why, sizeof(why)), "could not be reached"));
	tiktok_result_free(&r);
}

static void api_url_from_endpoint_name(void **state)
{
	struct tiktok_client c = client;
	struct buf b = BUF_INIT;

	(void)state;
	c.api_base = "http://127.0.0.1:8081/";
	tiktok_api_url(&c, "post/publish/status/fetch", &b);
	assert_string_equal(buf_cstr(&b), "http://127.0.0.1:8081/v2/post/publish/status/fetch/");
	buf_reset(&b);
	c.api_base = "https://open.tiktokapis.com";
	tiktok_api_url(&c, "oauth/token", &b);
	assert_string_equal(buf_cstr(&b), "https://open.tiktokapis.com/v2/oauth/token/");
	buf_free(&b);
}

/* Each call family names its endpoint for the metrics (nothing parses URLs
 * or bodies); only tiktok_refresh counts a token refresh. */
static void calls_counted_by_endpoint_name(void **state)
{
	struct tiktok_client c = client;
	struct tiktok_result r;
	struct tiktok_token t;
	struct tiktok_user u;
	struct tiktok_status st;
	struct tiktok_creator cr;

	(void)state;
	metrics_reset();
	c.api_base = "http://127.0.0.1:1";
	c.timeout_sec = 5;
	tiktok_result_init(&r);
	assert_int_equal(tiktok_exchange_code(&c, "code", NULL, &t, &r), -1);
	assert_int_equal(tiktok_refresh(&c, "rft.x", &t, &r), -1);
	assert_int_equal(tiktok_user_info(&c, "act.x", "open_id", &u, &r), -1);
	assert_int_equal(tiktok_status_fetch(&c, "act.x", "v_pub.1", &st, &r), -1);
	tiktok_creator_info(&c, "act.x", &cr, &r);
	assert_true(metrics_value("langflix_tiktok_calls_total", "oauth/token", "network") == 2);
	assert_true(metrics_value("langflix_token_refreshes_total", "failed", NULL) == 1);
	assert_true(metrics_value("langflix_token_refreshes_total", "ok", NULL) == 0);
	assert_true(metrics_value("langflix_tiktok_calls_total", "user/info", "network") == 1);
	assert_true(metrics_value("langflix_tiktok_calls_total", "post/publish/status/fetch", "network") == 1);
	assert_true(metrics_value("langflix_tiktok_calls_total", "post/publish/creator_info/query", "network") == 1);
	tiktok_result_free(&r);
	metrics_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_answer_parsed),
		cmocka_unit_test(token_answer_incomplete),
		cmocka_unit_test(token_too_long_refused),
		cmocka_unit_test(oauth_error_parsed),
		cmocka_unit_test(envelope_error_parsed),
		cmocka_unit_test(grant_dead_only_on_invalid_grant),
		cmocka_unit_test(user_info_parsed),
		cmocka_unit_test(a_string_field),
		cmocka_unit_test(user_info_refused),
		cmocka_unit_test(user_fields_follow_scopes),
		cmocka_unit_test(scopes_parsed),
		cmocka_unit_test(scope_notes),
		cmocka_unit_test(pkce_hex_vector),
		cmocka_unit_test(authorize_url_with_pkce),
		cmocka_unit_test(authorize_url_without_pkce),
		cmocka_unit_test(unreachable_is_network),
		cmocka_unit_test(api_url_from_endpoint_name),
		cmocka_unit_test(calls_counted_by_endpoint_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
