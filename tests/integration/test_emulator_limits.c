/* The TikTok emulator's limits exactly as tiktok-api.md §2.2, §2.3 and §2.8
 * document them, on the emulator's movable clock (/_emulator/clock): the
 * creator's direct posts per rolling 24 h (15 by default, per profile,
 * shared with other tools: 403 spam_risk_too_many_posts at init, HTTP 200
 * spam_risk_too_many_posts from creator_info), at most 5 pending inbox
 * drafts per user per 24 h (403 spam_risk_too_many_pending_share; a draft
 * stops counting when the user posts it or after 24 h), 6 inits a minute
 * per token (429 rate_limit_exceeded). Each refusal at init is recorded as
 * a violation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"

/* a day passes in these tests: keep the access tokens alive through it */
static const struct emu_preset preset = { "/_emulator/config",
	"{\"access_ttl_sec\":31536000,\"upload_url_ttl_sec\":86400,"
	"\"processing_delay_ms\":0}" };

static void advance(long long sec)
{
	char body[80];

	snprintf(body, sizeof(body), "{\"advance_sec\":%lld}", sec);
	emu_ctl(&E, "/_emulator/clock", body);
}

static long direct_init(const char *tok, char *pid, char *up)
{
	return emu_init(&E, tok, 0, "SELF_ONLY", 1000, 1000, 1, pid, up);
}

static long draft_init(const char *tok, char *pid, char *up)
{
	return emu_init(&E, tok, 1, NULL, 1000, 1000, 1, pid, up);
}

/* The error code of one more direct init (and its HTTP status). */
static void expect_direct_refused(const char *tok, long want_status, const char *want_code)
{
	long st;
	struct json_object *o = emu_api(&E, "/v2/post/publish/video/init/", tok,
					"{\"post_info\":{\"privacy_level\":\"SELF_ONLY\",\"brand_content_toggle\":false},"
					"\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":1000,"
					"\"chunk_size\":1000,\"total_chunk_count\":1}}", &st);

	assert_int_equal(st, want_status);
	assert_string_equal(emu_str(o, "error.code"), want_code);
	json_object_put(o);
}

static const char *creator_info_code(const char *tok, struct json_object **keep)
{
	long st;

	*keep = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st);
	assert_int_equal(st, 200);   /* "cannot post" is an HTTP 200, on purpose */
	return emu_str(*keep, "error.code");
}

static void daily_cap_is_fifteen_per_rolling_day_by_default(void **state)
{
	char tok[200], pid[96], up[256];
	struct json_object *o;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	/* 15 posts spread over 14 hours (one an hour keeps the init rate happy) */
	for (int i = 0; i < 15; i++) {
		assert_int_equal(direct_init(tok, pid, up), 200);
		advance(3600);
	}
	assert_int_equal(emu_violations(&E, NULL), 0);
	assert_string_equal(creator_info_code(tok, &o), "spam_risk_too_many_posts");
	json_object_put(o);
	expect_direct_refused(tok, 403, "spam_risk_too_many_posts");
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_posts"), 1);
	/* the first post was 15 h ago: 9 h more and it leaves the window */
	advance(9 * 3600 - 10);
	expect_direct_refused(tok, 403, "spam_risk_too_many_posts");
	advance(11);
	assert_string_equal(creator_info_code(tok, &o), "ok");
	json_object_put(o);
	assert_int_equal(direct_init(tok, pid, up), 200);
	/* and the one made an hour after it is still in */
	expect_direct_refused(tok, 403, "spam_risk_too_many_posts");
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_posts"), 3);
}

static void cap_is_per_profile_and_shared_with_other_tools(void **state)
{
	char tok[200], other[200], pid[96], up[256];
	struct json_object *o;

	(void)state;
	emu_ctl(&E, "/_emulator/config",
		"{\"profiles\":[{\"open_id\":\"oid-three\",\"username\":\"three\",\"daily_post_cap\":3},"
		"{\"open_id\":\"oid-free\",\"username\":\"free\"}]}");
	emu_token(&E, "three", EMU_ALL_SCOPES, tok, sizeof(tok));
	emu_token(&E, "free", EMU_ALL_SCOPES, other, sizeof(other));
	/* two posts made with another app count toward the same cap */
	emu_ctl(&E, "/_emulator/posts_elsewhere", "{\"open_id\":\"oid-three\",\"count\":2}");
	assert_int_equal(direct_init(tok, pid, up), 200);
	assert_string_equal(creator_info_code(tok, &o), "spam_risk_too_many_posts");
	json_object_put(o);
	expect_direct_refused(tok, 403, "spam_risk_too_many_posts");
	/* another creator is not affected */
	assert_int_equal(direct_init(other, pid, up), 200);
	/* inbox drafts are not direct posts: the cap does not stop them */
	assert_int_equal(draft_init(tok, pid, up), 200);
	/* a day later the slate is clean */
	advance(86400 + 1);
	assert_int_equal(direct_init(tok, pid, up), 200);
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_posts"), 1);
	{
		static const char nobody[] = "{\"open_id\":\"nobody\"}";
		struct tresp r;
		assert_int_equal(tc_request(E.c, "POST", "/_emulator/posts_elsewhere",
					    (const char *[]){ "Content-Type: application/json", NULL }, nobody,
					    strlen(nobody), &r), 0);
		assert_int_equal(r.status, 400);
		tresp_free(&r);
	}
}

/* Upload the 1000-byte draft and wait until it is in the user's inbox. */
static void deliver_draft(const char *tok, const char *pid, const char *up)
{
	unsigned char *data = emu_bytes(1000, 3);
	struct json_object *o;

	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 999, 1000, data, 1000, NULL, 0), 201);
	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "SEND_TO_USER_INBOX");
	json_object_put(o);
	free(data);
}

static void five_pending_drafts_until_posted_or_a_day_old(void **state)
{
	char tok[200], pid[5][96], up[5][256], p6[96], u6[256], body[160];
	long st;
	struct json_object *o;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"rate_init_per_min\":1000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	for (int i = 0; i < 5; i++) {
		assert_int_equal(draft_init(tok, pid[i], up[i]), 200);
		advance(3600);
	}
	o = emu_api(&E, "/v2/post/publish/inbox/video/init/", tok,
		    "{\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":1000,\"chunk_size\":1000,"
		    "\"total_chunk_count\":1}}", &st);
	assert_int_equal(st, 403);
	assert_string_equal(emu_str(o, "error.code"), "spam_risk_too_many_pending_share");
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_pending_share"), 1);
	/* direct posts are not drafts: still allowed */
	assert_int_equal(direct_init(tok, p6, u6), 200);

	/* the user posts the second draft from the TikTok app: it stops counting */
	deliver_draft(tok, pid[1], up[1]);
	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\",\"privacy_level\":\"SELF_ONLY\"}", pid[1]);
	emu_ctl(&E, "/_emulator/inbox/publish", body);
	assert_int_equal(draft_init(tok, p6, u6), 200);
	assert_int_equal(draft_init(tok, p6, u6), 403);

	/* 24 h after the first draft it no longer counts, the others still do */
	advance(86400 - 5 * 3600 + 1);
	assert_int_equal(draft_init(tok, p6, u6), 200);
	assert_int_equal(draft_init(tok, p6, u6), 403);
	assert_int_equal(emu_violations(&E, "spam_risk_too_many_pending_share"), 3);
	assert_int_equal(emu_violations(&E, NULL), 3);
}

static void six_inits_a_minute_per_token(void **state)
{
	char tok[200], other[200], pid[96], up[256];

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, other, sizeof(other));
	/* direct and inbox inits share the bucket: 4 + 2 */
	for (int i = 0; i < 4; i++)
		assert_int_equal(direct_init(tok, pid, up), 200);
	assert_int_equal(draft_init(tok, pid, up), 200);
	advance(50);
	assert_int_equal(draft_init(tok, pid, up), 200);
	expect_direct_refused(tok, 429, "rate_limit_exceeded");
	assert_int_equal(draft_init(tok, pid, up), 429);
	/* the window is per token */
	assert_int_equal(direct_init(other, pid, up), 200);
	/* a sliding minute: the first five leave it 60 s after they came */
	advance(11);
	for (int i = 0; i < 5; i++)
		assert_int_equal(direct_init(tok, pid, up), 200);
	expect_direct_refused(tok, 429, "rate_limit_exceeded");
	assert_int_equal(emu_violations(&E, "rate_limit_exceeded"), 3);
}

static void clock_control_moves_forward_only(void **state)
{
	char tok[200];
	struct tresp r;
	struct json_object *o, *s;
	long long before, after;
	long st;

	(void)state;
	assert_int_equal(tc_get(E.c, "/_emulator/clock", &r), 0);
	o = emu_parse(&r);
	before = json_object_get_int64(emu_get(o, "now_ms"));
	assert_int_equal(json_object_get_int64(emu_get(o, "offset_ms")) / 1000, 0);
	json_object_put(o);
	tresp_free(&r);
	/* bad values change nothing */
	static const char *const bad[] = { "{\"advance_sec\":-1}", "{\"advance_sec\":\"1\"}", "{\"rewind\":1}",
					   "{\"freeze\":2}", "[1]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tc_request(E.c, "POST", "/_emulator/clock",
					    (const char *[]){ "Content-Type: application/json", NULL }, bad[i],
					    strlen(bad[i]), &r), 0);
		assert_int_equal(r.status, 400);
		tresp_free(&r);
	}
	/* TikTok's tokens live on TikTok's clock: 2 h later an access token is dead */
	emu_ctl(&E, "/_emulator/config", "{\"access_ttl_sec\":7200}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":7201,\"freeze\":true}");
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st);
	assert_int_equal(st, 401);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);
	/* frozen: it does not move on its own */
	s = emu_state(&E);
	after = json_object_get_int64(emu_get(s, "clock.now_ms"));
	assert_true(after >= before + 7201000);
	assert_string_equal(emu_str(s, "clock.frozen"), "true");
	json_object_put(s);
	usleep(300000);
	s = emu_state(&E);
	assert_int_equal(json_object_get_int64(emu_get(s, "clock.now_ms")), after);
	json_object_put(s);
	/* reset puts it back on the wall clock */
	emu_ctl(&E, "/_emulator/reset", "{}");
	s = emu_state(&E);
	assert_string_equal(emu_str(s, "clock.frozen"), "false");
	assert_true(json_object_get_int64(emu_get(s, "clock.now_ms")) < before + 60000);
	json_object_put(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMU_TEST_SET(daily_cap_is_fifteen_per_rolling_day_by_default, &preset),
		EMU_TEST_SET(cap_is_per_profile_and_shared_with_other_tools, &preset),
		EMU_TEST_SET(five_pending_drafts_until_posted_or_a_day_old, &preset),
		EMU_TEST_SET(six_inits_a_minute_per_token, &preset),
		EMU_TEST_SET(clock_control_moves_forward_only, &preset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
