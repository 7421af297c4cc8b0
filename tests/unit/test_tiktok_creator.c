/* Unit tests: creator_info's pure parser and helpers (lib/tiktok_creator.c),
 * on answers shaped as tiktok-api.md §2.1 documents them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tiktok_creator.h"
#include "tiktok_errors.h"

static struct json_object *J(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

static int parse(const char *s, struct tiktok_creator *c)
{
	struct json_object *o = J(s);
	int rc = tiktok_parse_creator(o, c);

	json_object_put(o);
	return rc;
}

#define OK_ERR "\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"202409\"}"

static void public_creator_parsed(void **state)
{
	struct tiktok_creator c;

	(void)state;
	assert_int_equal(parse("{\"data\":{\"creator_avatar_url\":\"https://p16.example/a.jpeg\","
			       "\"creator_username\":\"tiktok\",\"creator_nickname\":\"TikTok Official\","
			       "\"privacy_level_options\":[\"PUBLIC_TO_EVERYONE\",\"MUTUAL_FOLLOW_FRIENDS\",\"SELF_ONLY\"],"
			       "\"comment_disabled\":false,\"duet_disabled\":false,\"stitch_disabled\":true,"
			       "\"max_video_post_duration_sec\":300}," OK_ERR "}", &c), 0);
	assert_string_equal(c.avatar_url, "https://p16.example/a.jpeg");
	assert_string_equal(c.username, "tiktok");
	assert_string_equal(c.nickname, "TikTok Official");
	assert_int_equal(c.n_privacy, 3);
	assert_string_equal(c.privacy[0], "PUBLIC_TO_EVERYONE");
	assert_string_equal(c.privacy[2], "SELF_ONLY");
	assert_int_equal(c.comment_disabled, 0);
	assert_int_equal(c.duet_disabled, 0);
	assert_int_equal(c.stitch_disabled, 1);
	assert_int_equal(c.max_duration_sec, 300);
	assert_true(tiktok_creator_has_privacy(&c, "SELF_ONLY"));
	assert_false(tiktok_creator_has_privacy(&c, "FOLLOWER_OF_CREATOR"));
	assert_false(tiktok_creator_posts_private(&c));
}

static void private_and_unaudited_creators(void **state)
{
	struct tiktok_creator c;

	(void)state;
	assert_int_equal(parse("{\"data\":{\"creator_nickname\":\"Max\",\"creator_username\":\"max.private\","
			       "\"privacy_level_options\":[\"FOLLOWER_OF_CREATOR\",\"MUTUAL_FOLLOW_FRIENDS\",\"SELF_ONLY\"],"
			       "\"comment_disabled\":true,\"duet_disabled\":true,\"stitch_disabled\":true,"
			       "\"max_video_post_duration_sec\":180}," OK_ERR "}", &c), 0);
	assert_true(tiktok_creator_posts_private(&c));
	assert_int_equal(c.comment_disabled + c.duet_disabled + c.stitch_disabled, 3);
	assert_string_equal(c.avatar_url, "");

	/* unaudited app: only SELF_ONLY; repeated options collapse */
	assert_int_equal(parse("{\"data\":{\"creator_nickname\":\"U\","
			       "\"privacy_level_options\":[\"SELF_ONLY\",\"SELF_ONLY\"]}," OK_ERR "}", &c), 0);
	assert_int_equal(c.n_privacy, 1);
	assert_true(tiktok_creator_posts_private(&c));
	/* absent optional fields default to "not disabled" and "unknown" */
	assert_int_equal(c.comment_disabled, 0);
	assert_int_equal(c.max_duration_sec, 0);
}

static void refused_answers(void **state)
{
	static const char *const bad[] = {
		/* "cannot post now": HTTP 200 with an error code and no data */
		"{\"data\":{},\"error\":{\"code\":\"spam_risk_too_many_posts\",\"message\":\"m\",\"log_id\":\"x\"}}",
		/* no envelope code at all */
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":[\"SELF_ONLY\"]}}",
		/* nickname is required (it must be shown) */
		"{\"data\":{\"creator_nickname\":\"\",\"privacy_level_options\":[\"SELF_ONLY\"]}," OK_ERR "}",
		"{\"data\":{\"privacy_level_options\":[\"SELF_ONLY\"]}," OK_ERR "}",
		/* no options, empty options, options of the wrong type */
		"{\"data\":{\"creator_nickname\":\"N\"}," OK_ERR "}",
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":[]}," OK_ERR "}",
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":\"SELF_ONLY\"}," OK_ERR "}",
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":[1]}," OK_ERR "}",
		/* wrongly typed flags and duration */
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":[\"SELF_ONLY\"],\"comment_disabled\":\"false\"}," OK_ERR "}",
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":[\"SELF_ONLY\"],\"max_video_post_duration_sec\":\"60\"}," OK_ERR "}",
		"{\"data\":{\"creator_nickname\":\"N\",\"privacy_level_options\":[\"SELF_ONLY\"],\"max_video_post_duration_sec\":-1}," OK_ERR "}",
		/* data not an object */
		"{\"data\":[]," OK_ERR "}",
		"[]",
	};
	struct tiktok_creator c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 'x', sizeof(c));
		assert_int_equal(parse(bad[i], &c), -1);
		/* nothing half-filled survives a refusal */
		assert_int_equal(c.nickname[0], 0);
		assert_int_equal(c.n_privacy, 0);
	}
	assert_int_equal(tiktok_parse_creator(NULL, &c), -1);
}

static void cannot_post_codes(void **state)
{
	(void)state;
	assert_true(tiktok_cannot_post("spam_risk_too_many_posts"));
	assert_true(tiktok_cannot_post("spam_risk_user_banned_from_posting"));
	assert_true(tiktok_cannot_post("reached_active_user_cap"));
	assert_false(tiktok_cannot_post("access_token_invalid"));
	assert_false(tiktok_cannot_post("ok"));
	assert_false(tiktok_cannot_post(NULL));
	assert_non_null(strstr(tiktok_cannot_post_text("spam_risk_too_many_posts"), "tomorrow"));
	assert_non_null(strstr(tiktok_cannot_post_text("reached_active_user_cap"), "24 hours"));
	assert_non_null(strstr(tiktok_cannot_post_text("whatever"), "try again later"));
}

static void privacy_labels(void **state)
{
	(void)state;
	assert_string_equal(tiktok_privacy_label("PUBLIC_TO_EVERYONE"), "Everyone");
	assert_string_equal(tiktok_privacy_label("MUTUAL_FOLLOW_FRIENDS"), "Friends");
	assert_string_equal(tiktok_privacy_label("FOLLOWER_OF_CREATOR"), "Followers");
	assert_string_equal(tiktok_privacy_label("SELF_ONLY"), "Only me");
	assert_string_equal(tiktok_privacy_label("NEW_LEVEL"), "NEW_LEVEL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(public_creator_parsed),
		cmocka_unit_test(private_and_unaudited_creators),
		cmocka_unit_test(refused_answers),
		cmocka_unit_test(cannot_post_codes),
		cmocka_unit_test(privacy_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
