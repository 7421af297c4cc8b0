/* Unit tests: every posting rule (lib/post_rules.c), each in both
 * directions: refused when broken, accepted when kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "post_rules.h"

static struct tiktok_creator public_creator, private_creator;
static struct post_facts facts;
static struct post_form set;
static struct post_decision dec;
static struct post_violations out;

static int setup(void **state)
{
	(void)state;
	memset(&public_creator, 0, sizeof(public_creator));
	strcpy(public_creator.nickname, "Lena");
	public_creator.n_privacy = 3;
	strcpy(public_creator.privacy[0], "PUBLIC_TO_EVERYONE");
	strcpy(public_creator.privacy[1], "MUTUAL_FOLLOW_FRIENDS");
	strcpy(public_creator.privacy[2], "SELF_ONLY");
	public_creator.max_duration_sec = 600;

	memset(&private_creator, 0, sizeof(private_creator));
	strcpy(private_creator.nickname, "Max");
	private_creator.n_privacy = 3;
	strcpy(private_creator.privacy[0], "FOLLOWER_OF_CREATOR");
	strcpy(private_creator.privacy[1], "MUTUAL_FOLLOW_FRIENDS");
	strcpy(private_creator.privacy[2], "SELF_ONLY");
	private_creator.duet_disabled = private_creator.stitch_disabled = 1;
	private_creator.max_duration_sec = 180;

	memset(&facts, 0, sizeof(facts));
	facts.creator = &public_creator;
	facts.scopes = TT_SCOPE_VIDEO_PUBLISH | TT_SCOPE_VIDEO_UPLOAD;
	facts.video_ready = 1;
	facts.duration_ms = 30000;

	memset(&set, 0, sizeof(set));
	set.mode = "direct";
	set.title = "A caption #tag";
	set.privacy = "PUBLIC_TO_EVERYONE";
	memset(&out, 0, sizeof(out));
	return 0;
}

static int check(void)
{
	memset(&out, 0, sizeof(out));
	return post_rules_check(&set, &facts, &dec, &out);
}

/* The only violation is on field, and its text contains needle. */
static void expect_one(const char *field, const char *needle)
{
	assert_int_equal(check(), 1);
	assert_string_equal(out.v[0].field, field);
	if (needle && !strstr(out.v[0].text, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, out.v[0].text);
}

static void valid_direct_post(void **state)
{
	(void)state;
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.direct, 1);
	/* the one settings type carries the caption and the privacy on */
	assert_string_equal(dec.post.title, "A caption #tag");
	assert_string_equal(dec.post.privacy_level, "PUBLIC_TO_EVERYONE");
	/* interactions off unless turned on; no labels; first frame */
	assert_int_equal(dec.post.disable_comment + dec.post.disable_duet + dec.post.disable_stitch, 3);
	assert_int_equal(dec.post.brand_organic + dec.post.brand_content + dec.post.is_aigc, 0);
	assert_int_equal(dec.post.cover_ms, -1);
	set.allow_comment = set.allow_duet = set.allow_stitch = 1;
	set.is_aigc = 1;
	set.cover_ms = "1500";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.disable_comment + dec.post.disable_duet + dec.post.disable_stitch, 0);
	assert_int_equal(dec.forced_comment + dec.forced_duet + dec.forced_stitch, 0);
	assert_int_equal(dec.post.is_aigc, 1);
	assert_int_equal(dec.post.cover_ms, 1500);
}

static void privacy_required_and_among_options(void **state)
{
	(void)state;
	set.privacy = NULL;
	expect_one("privacy", "Choose who can see");
	set.privacy = "";
	expect_one("privacy", "Choose who can see");
	set.privacy = "FOLLOWER_OF_CREATOR";          /* a private account's option */
	expect_one("privacy", "not one this TikTok account offers");
	set.privacy = "EVERYONE";
	expect_one("privacy", "not one");
	facts.creator = &private_creator;
	set.privacy = "FOLLOWER_OF_CREATOR";
	assert_int_equal(check(), 0);
	set.privacy = "PUBLIC_TO_EVERYONE";
	expect_one("privacy", "not one");
}

static void branded_content_never_private(void **state)
{
	(void)state;
	set.commercial = 1;
	set.brand_content = 1;
	set.privacy = "SELF_ONLY";
	expect_one("privacy", POST_RULES_BRANDED_PRIVATE_TEXT);
	set.brand_organic = 1;                         /* both ticked: still branded */
	expect_one("privacy", POST_RULES_BRANDED_PRIVATE_TEXT);
	set.privacy = "MUTUAL_FOLLOW_FRIENDS";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.brand_content, 1);
	assert_int_equal(dec.post.brand_organic, 1);
	/* "Your brand" alone may be private */
	set.brand_content = 0;
	set.privacy = "SELF_ONLY";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.brand_organic, 1);
	assert_int_equal(dec.post.brand_content, 0);
}

static void disclosure_needs_a_kind(void **state)
{
	(void)state;
	set.commercial = 1;
	expect_one("commercial", POST_RULES_DISCLOSE_TEXT);
	set.brand_organic = 1;
	assert_int_equal(check(), 0);
	set.brand_organic = 0;
	set.brand_content = 1;
	assert_int_equal(check(), 0);
	/* toggle off: ticked kinds do not count (they were hidden) */
	set.commercial = 0;
	set.brand_organic = set.brand_content = 1;
	set.privacy = "SELF_ONLY";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.brand_organic + dec.post.brand_content, 0);
}

static void disabled_interactions_forced_off(void **state)
{
	(void)state;
	facts.creator = &private_creator;              /* duet and stitch disabled */
	set.privacy = "SELF_ONLY";
	set.allow_comment = set.allow_duet = set.allow_stitch = 1;
	assert_int_equal(check(), 0);                  /* forced, not refused */
	assert_int_equal(dec.post.disable_comment, 0);
	assert_int_equal(dec.post.disable_duet, 1);
	assert_int_equal(dec.post.disable_stitch, 1);
	assert_int_equal(dec.forced_duet, 1);
	assert_int_equal(dec.forced_stitch, 1);
	assert_int_equal(dec.forced_comment, 0);
	private_creator.comment_disabled = 1;
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.disable_comment, 1);
	assert_int_equal(dec.forced_comment, 1);
	/* not asked for: nothing forced */
	set.allow_comment = set.allow_duet = set.allow_stitch = 0;
	assert_int_equal(check(), 0);
	assert_int_equal(dec.forced_comment + dec.forced_duet + dec.forced_stitch, 0);
}

static void caption_length_and_encoding(void **state)
{
	struct buf t = BUF_INIT;

	(void)state;
	for (int i = 0; i < 1100; i++)
		buf_puts(&t, "\xF0\x9F\x98\x80");          /* 1100 emoji = 2200 units */
	set.title = buf_cstr(&t);
	assert_int_equal(check(), 0);
	buf_putc(&t, 'x');
	set.title = buf_cstr(&t);
	expect_one("title", "2201");
	set.title = "bad \xC3";
	expect_one("title", "not valid UTF-8");
	set.title = "bell \x07";
	expect_one("title", "control characters");
	set.title = "line one\nline two\ttab";
	assert_int_equal(check(), 0);
	set.title = NULL;                              /* an empty caption is allowed */
	assert_int_equal(check(), 0);
	buf_free(&t);
}

static void duration_against_creator(void **state)
{
	(void)state;
	facts.creator = &private_creator;              /* 180 s */
	set.privacy = "SELF_ONLY";
	facts.duration_ms = 180000;
	assert_int_equal(check(), 0);
	facts.duration_ms = 180001;
	expect_one("video", "at most 3 min");
	/* inbox drafts are not bound by the Direct Post maximum */
	set.mode = "inbox";
	assert_int_equal(check(), 0);
	facts.duration_ms = 600001;
	expect_one("video", "at most 10 min");
}

static void file_checks(void **state)
{
	(void)state;
	facts.video_ready = 0;
	facts.not_ready_reason = "frame rate 15 fps is below 23 fps";
	expect_one("video", "frame rate 15 fps");
	facts.video_missing = 1;
	expect_one("video", "missing");
}

static void scopes_per_mode(void **state)
{
	(void)state;
	facts.scopes = TT_SCOPE_VIDEO_UPLOAD;
	expect_one("mode", "direct posting");
	set.mode = "inbox";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.direct, 0);
	facts.scopes = TT_SCOPE_VIDEO_PUBLISH;
	expect_one("mode", "inbox");
	set.mode = "direct";
	assert_int_equal(check(), 0);
	set.mode = "schedule";
	expect_one("mode", "Direct post");
	set.mode = NULL;
	expect_one("mode", "Direct post");
}

static void inbox_ignores_post_settings(void **state)
{
	(void)state;
	set.mode = "inbox";
	set.privacy = "PUBLIC_TO_EVERYONE";            /* sent in inbox mode: not kept */
	set.commercial = 1;                            /* nothing chosen: irrelevant in inbox */
	set.allow_comment = 1;
	set.is_aigc = 1;
	set.cover_ms = "abc";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.disable_comment, 1);
	assert_int_equal(dec.post.brand_organic + dec.post.brand_content + dec.post.is_aigc, 0);
	assert_int_equal(dec.post.cover_ms, -1);
	assert_int_equal(dec.post.direct, 0);
	assert_null(dec.post.privacy_level);
}

static void cover_timestamp(void **state)
{
	(void)state;
	set.cover_ms = "0";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.cover_ms, 0);
	set.cover_ms = "29999";
	assert_int_equal(check(), 0);
	set.cover_ms = "30000";
	expect_one("cover_ms", "past the end");
	set.cover_ms = "-5";
	expect_one("cover_ms", "whole number");
	set.cover_ms = "1.5";
	expect_one("cover_ms", "whole number");
	set.cover_ms = "";
	assert_int_equal(check(), 0);
	assert_int_equal(dec.post.cover_ms, -1);
}

static void creator_cannot_post_or_unknown(void **state)
{
	(void)state;
	facts.creator = NULL;
	facts.cannot_post = 1;
	facts.cannot_post_text = "TikTok says this account has reached its limit of posts for today.";
	assert_true(check() >= 1);
	assert_string_equal(out.v[0].field, "account");
	assert_non_null(strstr(out.v[0].text, "limit of posts"));
	memset(&out, 0, sizeof(out));
	assert_int_equal(post_rules_preflight(&facts, 1, &out), 1);
	/* no creator info at all: a direct post cannot be checked */
	facts.cannot_post = 0;
	assert_true(check() >= 1);
	assert_string_equal(out.v[0].field, "account");
	assert_non_null(strstr(out.v[0].text, "could not be read"));
	/* and the user's choice of visibility is not blamed for TikTok's failure */
	for (int i = 0; i < out.n; i++)
		assert_string_not_equal(out.v[i].field, "privacy");
}

static void many_violations_listed(void **state)
{
	(void)state;
	set.privacy = NULL;
	set.commercial = 1;
	set.title = "\xFF";
	set.cover_ms = "x";
	facts.video_ready = 0;
	assert_int_equal(check(), 5);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(valid_direct_post),
		T(privacy_required_and_among_options),
		T(branded_content_never_private),
		T(disclosure_needs_a_kind),
		T(disabled_interactions_forced_off),
		T(caption_length_and_encoding),
		T(duration_against_creator),
		T(file_checks),
		T(scopes_per_mode),
		T(inbox_ignores_post_settings),
		T(cover_timestamp),
		T(creator_cannot_post_or_unknown),
		T(many_violations_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
