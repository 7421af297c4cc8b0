/* Unit tests: an account's plan as typed (lib/account_plan.c): slots,
 * languages, caption templates refused with their line, captions rendered
 * as plain text and measured in UTF-16 units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "account_plan.h"

static void slots_parsed(void **state)
{
	struct acct_slot s[ACCPLAN_MAX_SLOTS];
	struct buf b = BUF_INIT;
	char err[200];
	int n;

	(void)state;
	assert_int_equal(acctplan_parse_slots("Mon-Fri 18:30 21:00\nsat, Sunday 9:05\n\n", s,
					      ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 12);
	assert_int_equal(s[0].weekday, 1);
	assert_int_equal(s[0].minute, 18 * 60 + 30);
	assert_int_equal(s[1].minute, 21 * 60);
	assert_int_equal(s[10].weekday, 6);
	assert_int_equal(s[10].minute, 9 * 60 + 5);
	acctplan_format_slots(s, n, &b);
	assert_string_equal(buf_cstr(&b), "Mon 18:30 21:00\nTue 18:30 21:00\nWed 18:30 21:00\n"
			    "Thu 18:30 21:00\nFri 18:30 21:00\nSat 09:05\nSun 09:05");
	/* what it writes, it reads back the same */
	{
		struct acct_slot t[ACCPLAN_MAX_SLOTS];
		int m;
		assert_int_equal(acctplan_parse_slots(buf_cstr(&b), t, ACCPLAN_MAX_SLOTS, &m, err,
						      sizeof(err)), 0);
		assert_int_equal(m, n);
		assert_memory_equal(s, t, sizeof(s[0]) * (size_t)n);
	}
	buf_free(&b);
	/* ranges wrap, en dashes and "daily" work, duplicates merge */
	assert_int_equal(acctplan_parse_slots("Fri\xE2\x80\x93Mon 10:00\ndaily 10:00", s, ACCPLAN_MAX_SLOTS,
					      &n, err, sizeof(err)), 0);
	assert_int_equal(n, 7);
	assert_int_equal(acctplan_parse_slots("", s, ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

static void slots_refused_with_line(void **state)
{
	struct acct_slot s[ACCPLAN_MAX_SLOTS];
	char err[200];
	int n;

	(void)state;
	assert_int_equal(acctplan_parse_slots("Mon 18:30\nFunday 10:00", s, ACCPLAN_MAX_SLOTS, &n, err,
					      sizeof(err)), -1);
	assert_non_null(strstr(err, "Line 2"));
	assert_non_null(strstr(err, "Funday"));
	assert_int_equal(acctplan_parse_slots("Mon 24:00", s, ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Line 1"));
	assert_int_equal(acctplan_parse_slots("18:30", s, ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), -1);
	assert_int_equal(acctplan_parse_slots("Mon-", s, ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), -1);
	assert_int_equal(acctplan_parse_slots("Tue", s, ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), -1);
	/* a dash with no day before it, in either spelling, said as written */
	assert_int_equal(acctplan_parse_slots("-Mon 10:00", s, ACCPLAN_MAX_SLOTS, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "Line 1: a \"-\" belongs between two days, as in Mon-Fri.");
	assert_int_equal(acctplan_parse_slots("Mon 10:00 \xE2\x80\x93" "Fri", s, ACCPLAN_MAX_SLOTS, &n, err,
					      sizeof(err)), -1);
	assert_string_equal(err, "Line 1: a dash belongs between two days, as in Mon-Fri.");
	assert_int_equal(acctplan_parse_slots("Mon-Fri 10:00 noon", s, ACCPLAN_MAX_SLOTS, &n, err,
					      sizeof(err)), -1);
	assert_string_equal(err, "Line 1: \"noon\" is not a time (HH:MM, 24-hour, e.g. 18:30).");
	assert_int_equal(acctplan_parse_slots("daily 1:00 2:00 3:00", s, 20, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "At most 20"));
}

static void languages(void **state)
{
	char l[ACCPLAN_MAX_LANGS][16], err[200];
	int n;

	(void)state;
	assert_int_equal(acctplan_parse_langs("es, PT-br;es fr", l, ACCPLAN_MAX_LANGS, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0], "es");
	assert_string_equal(l[1], "pt-br");
	assert_string_equal(l[2], "fr");
	assert_int_equal(acctplan_parse_langs("spanish", l, ACCPLAN_MAX_LANGS, &n, err, sizeof(err)), -1);
	assert_int_equal(acctplan_parse_langs("e", l, ACCPLAN_MAX_LANGS, &n, err, sizeof(err)), -1);
	assert_int_equal(acctplan_parse_langs("es-", l, ACCPLAN_MAX_LANGS, &n, err, sizeof(err)), -1);
	assert_int_equal(acctplan_parse_langs("1a", l, ACCPLAN_MAX_LANGS, &n, err, sizeof(err)), -1);
}

static void templates_checked(void **state)
{
	char err[300];

	(void)state;
	assert_int_equal(acctplan_template_check("{{expression}}\n{{#keywords}}#{{.}} {{/keywords}}", err,
						 sizeof(err)), 0);
	assert_int_equal(acctplan_template_check(ACCPLAN_DEFAULT_TEMPLATE, err, sizeof(err)), 0);
	assert_int_equal(acctplan_template_check("ok\n{{#keywords}}#{{.}}\n", err, sizeof(err)), -1);
	assert_true(!strncmp(err, "Line ", 5));
	assert_int_equal(acctplan_template_check("one\ntwo {{expression", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Line 2"));
	assert_int_equal(acctplan_template_check("\xFF", err, sizeof(err)), -1);
}

static void captions_rendered(void **state)
{
	const char *kw[] = { "breakTheIce", "smallTalk" };
	struct caption_fields f = { .title = "Suits", .expression = "break the ice",
				    .expression_translation = "romper el hielo", .keywords = kw,
				    .nkeywords = 2, .show = "Suits & Co", .episode = "S01E02",
				    .language = "es" };
	struct buf b = BUF_INIT;
	char err[300], big[3000];
	int rc;

	(void)state;
	assert_int_equal(acctplan_caption("{{expression}} — {{expression_translation}} "
					  "{{#keywords}}#{{.}} {{/keywords}}", &f, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "break the ice — romper el hielo #breakTheIce #smallTalk");
	buf_reset(&b);
	/* plain text: nothing HTML-escaped (the page escapes on output) */
	assert_int_equal(acctplan_caption("{{show}} <{{episode}}> [{{language}}]", &f, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "Suits & Co <S01E02> [es]");
	buf_reset(&b);
	/* "" = the default template */
	assert_int_equal(acctplan_caption("", &f, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "break the ice — romper el hielo\n\n#breakTheIce #smallTalk");
	buf_reset(&b);
	f.expression = NULL;
	assert_int_equal(acctplan_caption("", &f, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "Suits\n\n#breakTheIce #smallTalk");
	buf_reset(&b);
	/* over 2200 UTF-16 units: refused, the text kept to shorten */
	memset(big, 'a', 2190);
	strcpy(big + 2190, " {{#keywords}}\xF0\x9F\x98\x80{{.}}{{/keywords}}");
	rc = acctplan_caption(big, &f, &b, err, sizeof(err));
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "2200"));
	assert_true(b.len > 2190);
	buf_reset(&b);
	assert_int_equal(acctplan_caption("{{#x}}", &f, &b, err, sizeof(err)), -1);
	assert_true(!strncmp(err, "Line 1", 6));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slots_parsed),
		cmocka_unit_test(slots_refused_with_line),
		cmocka_unit_test(languages),
		cmocka_unit_test(templates_checked),
		cmocka_unit_test(captions_rendered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
