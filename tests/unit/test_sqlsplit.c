/* Unit tests: cutting a migration file into statements (lib/sqlsplit.c),
 * which `langflix migrate` does for files that run outside a transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sqlsplit.h"

/* The statements of s, each trimmed of nothing, joined with '|'. */
static void split(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s), at = 0, used = 0;

	out[0] = '\0';
	while (at < n) {
		size_t len = sql_statement_len(s + at, n - at);
		if (!sql_is_blank(s + at, len)) {
			assert_true(used + len + 2 < outlen);
			if (used)
				out[used++] = '|';
			memcpy(out + used, s + at, len);
			used += len;
			out[used] = '\0';
		}
		at += len;
	}
}

static void plain_statements(void **state)
{
	char out[512];

	(void)state;
	split("CREATE TABLE a (x int);\nCREATE INDEX b ON a (x);\n", out, sizeof(out));
	assert_string_equal(out, "CREATE TABLE a (x int);|\nCREATE INDEX b ON a (x);");
	/* the last statement may lack its ';' */
	split("SELECT 1; SELECT 2", out, sizeof(out));
	assert_string_equal(out, "SELECT 1;| SELECT 2");
}

static void semicolons_that_end_nothing(void **state)
{
	char out[512];

	(void)state;
	split("SELECT 'a;b', \"c;d\"; SELECT 'it''s;';", out, sizeof(out));
	assert_string_equal(out, "SELECT 'a;b', \"c;d\";| SELECT 'it''s;';");
	split("SELECT E'x\\';y'; SELECT 2;", out, sizeof(out));
	assert_string_equal(out, "SELECT E'x\\';y';| SELECT 2;");
	/* a backslash in a standard string is just a character */
	split("SELECT 'x\\'; SELECT 2;", out, sizeof(out));
	assert_string_equal(out, "SELECT 'x\\';| SELECT 2;");
	split("-- a; comment\nSELECT 1 /* b; /* nested; */ still; */;", out, sizeof(out));
	assert_string_equal(out, "-- a; comment\nSELECT 1 /* b; /* nested; */ still; */;");
}

static void dollar_quotes(void **state)
{
	char out[512];

	(void)state;
	split("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; SELECT 2;", out, sizeof(out));
	assert_string_equal(out, "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;| SELECT 2;");
	split("DO $body$ BEGIN PERFORM '$$;'; END $body$; SELECT 3;", out, sizeof(out));
	assert_string_equal(out, "DO $body$ BEGIN PERFORM '$$;'; END $body$;| SELECT 3;");
	/* parameters and names with '$' open no quote */
	split("PREPARE p AS SELECT $1; SELECT a$b FROM t;", out, sizeof(out));
	assert_string_equal(out, "PREPARE p AS SELECT $1;| SELECT a$b FROM t;");
}

static void unterminated_runs_to_the_end(void **state)
{
	(void)state;
	assert_int_equal(sql_statement_len("SELECT 'open; ", 14), 14);
	assert_int_equal(sql_statement_len("SELECT $x$ open; ", 17), 17);
	assert_int_equal(sql_statement_len("/* open; ", 9), 9);
}

static void blank(void **state)
{
	static const char *const blanks[] = { "", " \n-- only a comment\n/* and /* this; */ */\n" };
	static const char *const not_blank[] = { "  ;", "-- c\nSELECT", "/* c */ x" };

	for (size_t i = 0; i < sizeof(blanks) / sizeof(*blanks); i++)
		assert_true(sql_is_blank(blanks[i], strlen(blanks[i])));
	for (size_t i = 0; i < sizeof(not_blank) / sizeof(*not_blank); i++)
		assert_false(sql_is_blank(not_blank[i], strlen(not_blank[i])));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_statements),
		cmocka_unit_test(semicolons_that_end_nothing),
		cmocka_unit_test(dollar_quotes),
		cmocka_unit_test(unterminated_runs_to_the_end),
		cmocka_unit_test(blank),
	};
	return cmocka_run_group_tests_name("sqlsplit", tests, NULL, NULL);
}
