/* Unit tests: the one table of TikTok error codes and creator states
 * (lib/tiktok_errors.c). Every row has an action and a sentence, and the
 * paths that show the user a code's or a state's sentence (creator_info's
 * "cannot post now", the composer's preflight) show exactly the table's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "post_rules.h"
#include "tiktok_errors.h"

/* A sentence the user reads: a capital first, a full stop last, no code. */
static void assert_sentence(const char *s, const char *code)
{
	size_t n;

	assert_non_null(s);
	n = strlen(s);
	assert_true(n >= 12);
	assert_true(s[0] >= 'A' && s[0] <= 'Z');
	assert_true(s[n - 1] == '.');
	if (code && strchr(code, '_'))
		assert_null(strstr(s, code));
}

static int known_action(enum tt_action a)
{
	return strcmp(tiktok_action_name(a), "unknown") != 0;
}

static void every_code_has_an_action_and_a_sentence(void **state)
{
	size_t n = 0;

	(void)state;
	for (const struct tt_error_info *e; (e = tiktok_error_at(n)) != NULL; n++) {
		assert_non_null(e->code);
		assert_true(e->action != TTA_OK);
		assert_true(known_action(e->action));
		assert_sentence(e->reason, e->code);
		/* lookup finds this very row: no code is listed twice */
		assert_ptr_equal(tiktok_error_lookup(e->code), e);
	}
	assert_true(n >= 20);
	assert_null(tiktok_error_lookup("no_such_code"));
	assert_null(tiktok_error_lookup(""));
	assert_null(tiktok_error_lookup(NULL));
}

static void every_creator_state_has_an_action_and_a_sentence(void **state)
{
	(void)state;
	for (int s = 0; s < TTC_NSTATES; s++) {
		const struct tt_creator_state_info *i = tiktok_creator_state((enum tt_creator_state)s);

		assert_int_equal(i->state, s);
		assert_non_null(i->name);
		assert_true(known_action(i->action));
		assert_sentence(i->sentence, NULL);
	}
	/* out of range: the generic state, never NULL */
	assert_ptr_equal(tiktok_creator_state(TTC_NSTATES), tiktok_creator_state(TTC_CANNOT_POST));
}

static void cannot_post_sentences_are_the_rows(void **state)
{
	size_t n = 0, marked = 0;

	(void)state;
	for (const struct tt_error_info *e; (e = tiktok_error_at(n)) != NULL; n++) {
		if (!tiktok_cannot_post(e->code))
			continue;
		marked++;
		assert_int_equal(e->action, TTA_PERMANENT);
		assert_ptr_equal(tiktok_cannot_post_text(e->code), e->reason);
	}
	assert_int_equal(marked, 3);
	assert_ptr_equal(tiktok_cannot_post_text("some_new_code"),
			 tiktok_creator_state(TTC_CANNOT_POST)->sentence);
	assert_ptr_equal(tiktok_cannot_post_text(NULL), tiktok_creator_state(TTC_CANNOT_POST)->sentence);
}

/* The composer's refusal of a creator who cannot post is the table's
 * sentence, word for word, with the code and without one. */
static void composer_preflight_says_the_table_sentence(void **state)
{
	static const char *const codes[] = { "spam_risk_too_many_posts",
		"spam_risk_user_banned_from_posting", "reached_active_user_cap", NULL };
	struct post_facts f;
	struct post_violations out;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(&f, 0, sizeof(f));
		memset(&out, 0, sizeof(out));
		f.cannot_post = 1;
		f.video_ready = 1;
		f.scopes = TT_SCOPE_VIDEO_PUBLISH | TT_SCOPE_VIDEO_UPLOAD;
		f.cannot_post_text = codes[i] ? tiktok_cannot_post_text(codes[i]) : NULL;
		assert_int_equal(post_rules_preflight(&f, 1, &out), 1);
		assert_string_equal(out.v[0].field, "account");
		assert_string_equal(out.v[0].text, codes[i] ? tiktok_error_lookup(codes[i])->reason
						   : tiktok_creator_state(TTC_CANNOT_POST)->sentence);
	}
}

/* What a code does: the same row decides for an API answer and a fail_reason. */
static void classify_reads_the_row(void **state)
{
	size_t n = 0;

	(void)state;
	for (const struct tt_error_info *e; (e = tiktok_error_at(n)) != NULL; n++) {
		struct tiktok_result r;
		const char *why = NULL;
		int retryable = -1;

		memset(&r, 0, sizeof(r));
		r.outcome = TT_API;
		r.http_status = 400;
		snprintf(r.error, sizeof(r.error), "%s", e->code);
		assert_int_equal(tiktok_error_classify(&r, &why), e->action);
		assert_ptr_equal(why, e->reason);
		assert_ptr_equal(tiktok_fail_reason_text(e->code, &retryable), e->reason);
		assert_int_equal(retryable, e->action == TTA_RETRY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_an_action_and_a_sentence),
		cmocka_unit_test(every_creator_state_has_an_action_and_a_sentence),
		cmocka_unit_test(cannot_post_sentences_are_the_rows),
		cmocka_unit_test(composer_preflight_says_the_table_sentence),
		cmocka_unit_test(classify_reads_the_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
