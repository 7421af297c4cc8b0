/* Unit tests: the small string helpers of lib/util.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

/* str_copy: whole when it fits, cut to fit and terminated when not, NULL
 * as an empty string, never a byte past the field. */
static void str_copy_fits_cuts_and_takes_null(void **state)
{
	char f[8];

	(void)state;
	str_copy(f, sizeof(f), "abc");
	assert_string_equal(f, "abc");
	memset(f, 'x', sizeof(f));
	str_copy(f, 5, "abcdefgh");
	assert_string_equal(f, "abcd");
	assert_int_equal(f[5], 'x');
	str_copy(f, sizeof(f), "1234567");
	assert_string_equal(f, "1234567");
	str_copy(f, sizeof(f), NULL);
	assert_string_equal(f, "");
}

static void str_all_digits_wants_one_digit_and_only_digits(void **state)
{
	(void)state;
	assert_int_equal(str_all_digits("0123"), 1);
	assert_int_equal(str_all_digits(""), 0);
	assert_int_equal(str_all_digits("12a"), 0);
	assert_int_equal(str_all_digits("-1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(str_copy_fits_cuts_and_takes_null),
		cmocka_unit_test(str_all_digits_wants_one_digit_and_only_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
