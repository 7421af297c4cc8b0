/* Integration tests: the database layer (lib/db.c) against the stack's real
 * PostgreSQL — typed parameters, named columns, affected rows, transactions
 * (commit, rollback, a failed statement, a connection lost inside one and
 * outside one) and db_sqlstate per connection. Each test uses its own rows
 * of one scratch table, dropped at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "db.h"

static PGconn *side;   /* a plain libpq connection: the observer, and the killer */
static struct db db;
static char tag[17];

static const struct db_stmt q_put = { "t_db_put",
	"INSERT INTO db_layer_test (k, v) VALUES ($1, $2)" };
static const struct db_stmt q_bump = { "t_db_bump",
	"UPDATE db_layer_test SET v = v + 1 WHERE k LIKE $1" };
static const struct db_stmt q_get = { "t_db_get",
	"SELECT k AS key, v AS value FROM db_layer_test WHERE k = $1" };
static const struct db_stmt q_pid = { "t_db_pid", "SELECT pg_backend_pid() AS pid" };
static const struct db_stmt q_echo = { "t_db_echo",
	"SELECT $1::bigint AS big, $2::text AS word, $3::boolean AS yes, $4::boolean AS no, "
	"$5::text IS NULL AS null_is_null, $6::text IS NULL AS textnull_is_null, "
	"NULL::text AS nothing, $7::double precision AS real" };

static char *key(const char *name)
{
	return t_printf("%s-%s", tag, name);
}

static long long rows_with(const char *k)
{
	return t_db_num(side, "SELECT count(*) FROM db_layer_test WHERE k = $1", 1,
			(const char *[]){ k });
}

/* End db's backend from the side connection, as a crashed server or a
 * network cut would. */
static void kill_backend(void)
{
	PGresult *r = db_query(&db, &q_pid, 0, NULL);
	char *pid;

	assert_non_null(r);
	pid = t_printf("%lld", (long long)db_get_int(r, 0, "pid"));
	PQclear(r);
	assert_int_equal(t_db_num(side, "SELECT count(*) FROM pg_terminate_backend($1::int) t WHERE t",
				  1, (const char *[]){ pid }), 1);
	/* pg_terminate_backend only signals; wait until the backend is gone */
	for (int i = 0; i < 100 && t_db_num(side, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
					    1, (const char *[]){ pid }) > 0; i++)
		t_sh("sleep 0.05");
	free(pid);
}

static int setup_all(void **state)
{
	(void)state;
	side = t_db();
	assert_int_equal(crypto_random_hex(tag, 8), 0);
	free(t_db_value(side, "CREATE TABLE IF NOT EXISTS db_layer_test (k text PRIMARY KEY, v bigint)",
			0, NULL));
	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(db_ensure(&db), 0);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	db_close(&db);
	free(t_db_value(side, "DROP TABLE IF EXISTS db_layer_test", 0, NULL));
	PQfinish(side);
	return 0;
}

static void test_typed_params_round_trip(void **state)
{
	PGresult *r;

	(void)state;
	r = db_query(&db, &q_echo, DB_PARAMS(DB_INT(INT64_MIN), DB_TEXT("it's $1; --"),
					      DB_BOOL(7), DB_BOOL(0), DB_NULL, DB_TEXT(NULL),
					      DB_DOUBLE(29.97002997002997)));
	assert_non_null(r);
	assert_string_equal(db_get(r, 0, "big"), "-9223372036854775808");
	assert_true(db_get_int(r, 0, "big") == INT64_MIN);
	assert_string_equal(db_get(r, 0, "word"), "it's $1; --");
	assert_true(db_get_bool(r, 0, "yes"));
	assert_false(db_get_bool(r, 0, "no"));
	assert_true(db_get_bool(r, 0, "null_is_null"));
	assert_true(db_get_bool(r, 0, "textnull_is_null"));
	assert_true(strtod(db_get(r, 0, "real"), NULL) == 29.97002997002997);   /* no digit lost */
	PQclear(r);

	r = db_query(&db, &q_echo, DB_PARAMS(DB_INT(INT64_MAX), DB_TEXT(""), DB_BOOL(1),
					      DB_BOOL(0), DB_NULL, DB_NULL, DB_DOUBLE(-0.5)));
	assert_non_null(r);
	assert_true(db_get_int(r, 0, "big") == INT64_MAX);
	assert_string_equal(db_get(r, 0, "real"), "-0.5");
	assert_string_equal(db_get(r, 0, "word"), "");
	PQclear(r);
}

static void test_named_columns(void **state)
{
	PGresult *r;

	(void)state;
	r = db_query(&db, &q_echo, DB_PARAMS(DB_INT(42), DB_TEXT("w"), DB_BOOL(1), DB_BOOL(0),
					      DB_NULL, DB_NULL, DB_NULL));
	assert_non_null(r);
	assert_int_equal(db_col(r, "word"), 1);
	assert_int_equal(db_col(r, "WORD"), 1);          /* unquoted names fold to lower case */
	assert_int_equal(db_col(r, "no_such_column"), -1);
	assert_null(db_get(r, 0, "no_such_column"));     /* logged, reads as NULL */
	assert_null(db_get(r, 0, "nothing"));
	assert_string_equal(db_get_text(r, 0, "nothing"), "");
	assert_int_equal(db_get_int(r, 0, "nothing"), 0);
	assert_true(db_is_null(r, 0, "nothing"));
	assert_false(db_is_null(r, 0, "big"));
	assert_int_equal(db_get_int(r, 0, "big"), 42);
	PQclear(r);
}

/* Several statements in one round trip: each its own result, on one
 * backend; a failing one fails the batch, clears every result and leaves
 * the connection usable; inside a transaction they run one by one. */
static void test_pipeline(void **state)
{
	const struct db_stmt q_fail = { "t_db_fail", "SELECT 1 / $1::int AS x" };
	const struct db_param p1[] = { DB_INT(7), DB_TEXT("a"), DB_BOOL(1), DB_BOOL(0), DB_NULL, DB_NULL,
				       DB_DOUBLE(0.5) };
	const struct db_param zero[] = { DB_INT(0) };
	struct db_call c[3] = { { .st = &q_echo, .n = 7, .p = p1 }, { .st = &q_pid }, { .st = &q_echo, .n = 7, .p = p1 } };
	long long pid;

	(void)state;
	assert_int_equal(db_pipeline(&db, c, 3), 0);
	assert_int_equal(db_get_int(c[0].r, 0, "big"), 7);
	assert_string_equal(db_get(c[2].r, 0, "word"), "a");
	pid = db_get_int(c[1].r, 0, "pid");
	for (int i = 0; i < 3; i++)
		PQclear(c[i].r);
	/* a second time (prepared now): the same backend */
	assert_int_equal(db_pipeline(&db, c, 3), 0);
	assert_int_equal(db_get_int(c[1].r, 0, "pid"), pid);
	for (int i = 0; i < 3; i++)
		PQclear(c[i].r);
	/* the middle one fails (division by zero): nothing comes back */
	c[1] = (struct db_call){ .st = &q_fail, .n = 1, .p = zero };
	assert_int_equal(db_pipeline(&db, c, 3), -1);
	for (int i = 0; i < 3; i++)
		assert_null(c[i].r);
	assert_string_equal(db_sqlstate(&db), "22012");
	/* and the connection works on */
	c[1] = (struct db_call){ .st = &q_pid };
	assert_int_equal(db_pipeline(&db, c, 3), 0);
	assert_int_equal(db_get_int(c[1].r, 0, "pid"), pid);
	for (int i = 0; i < 3; i++)
		PQclear(c[i].r);
	/* in a transaction: one by one, same answers */
	assert_int_equal(db_begin(&db), 0);
	assert_int_equal(db_pipeline(&db, c, 3), 0);
	assert_int_equal(db_get_int(c[0].r, 0, "big"), 7);
	for (int i = 0; i < 3; i++)
		PQclear(c[i].r);
	assert_int_equal(db_commit(&db), 0);
}

static void test_command_counts_rows(void **state)
{
	char *a = key("count-a"), *b = key("count-b"), *like = key("count-%");

	(void)state;
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(a), DB_INT(1))), 1);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(b), DB_INT(2))), 1);
	assert_int_equal(db_command(&db, &q_bump, DB_PARAMS(DB_TEXT(like))), 2);
	assert_int_equal(db_command(&db, &q_bump, DB_PARAMS(DB_TEXT("nobody"))), 0);
	assert_int_equal(t_db_num(side, "SELECT v FROM db_layer_test WHERE k = $1", 1,
				  (const char *[]){ b }), 3);
	free(a);
	free(b);
	free(like);
}

/* A call with plan_each_call is sent unprepared, so it is planned for its
 * own parameters every time (in a pipeline and one by one); the same
 * statement without it is prepared, and settles on a generic plan after
 * five calls. */
static void test_plan_each_call(void **state)
{
	const struct db_stmt q_planned = { "t_db_planned", "SELECT $1::bigint + 1 AS x" };
	const struct db_stmt q_prepared = { "t_db_prepared",
		"SELECT count(*) AS n, coalesce(sum(generic_plans), 0) AS generic "
		"FROM pg_prepared_statements WHERE name = $1" };
	const struct db_param one[] = { DB_INT(41) };
	const struct db_param name[] = { DB_TEXT("t_db_planned") };
	struct db_call c[2] = { { .st = &q_planned, .n = 1, .p = one, .plan_each_call = 1 }, { .st = &q_pid } };
	PGresult *r;

	(void)state;
	for (int i = 0; i < 7; i++) {
		assert_int_equal(db_pipeline(&db, c, 2), 0);
		assert_int_equal(db_get_int(c[0].r, 0, "x"), 42);
		PQclear(c[0].r);
		PQclear(c[1].r);
	}
	assert_int_equal(db_pipeline(&db, c, 1), 0);      /* one call: run on its own */
	assert_int_equal(db_get_int(c[0].r, 0, "x"), 42);
	PQclear(c[0].r);
	r = db_query(&db, &q_prepared, 1, name);
	assert_non_null(r);
	assert_int_equal(db_get_int(r, 0, "n"), 0);
	PQclear(r);
	/* without it: prepared, and generic from the sixth call */
	c[0].plan_each_call = 0;
	for (int i = 0; i < 7; i++) {
		assert_int_equal(db_pipeline(&db, c, 2), 0);
		PQclear(c[0].r);
		PQclear(c[1].r);
	}
	r = db_query(&db, &q_prepared, 1, name);
	assert_non_null(r);
	assert_int_equal(db_get_int(r, 0, "n"), 1);
	assert_true(db_get_int(r, 0, "generic") > 0);
	PQclear(r);
}

static void test_too_many_params_refused(void **state)
{
	struct db_param many[DB_MAX_PARAMS + 1];

	(void)state;
	for (size_t i = 0; i < DB_MAX_PARAMS + 1; i++)
		many[i] = DB_INT(1);
	assert_null(db_query(&db, &q_pid, DB_MAX_PARAMS + 1, many));
	assert_true(db.err[0] != '\0');
}

static void test_commit_and_rollback(void **state)
{
	char *kept = key("tx-kept"), *dropped = key("tx-dropped");

	(void)state;
	assert_int_equal(db_begin(&db), 0);
	assert_true(db_in_transaction(&db));
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(kept), DB_INT(1))), 1);
	assert_int_equal(rows_with(kept), 0);            /* not visible before the commit */
	assert_int_equal(db_commit(&db), 0);
	assert_false(db_in_transaction(&db));
	assert_int_equal(rows_with(kept), 1);

	assert_int_equal(db_begin(&db), 0);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(dropped), DB_INT(1))), 1);
	assert_int_equal(db_rollback(&db), 0);
	assert_false(db_in_transaction(&db));
	assert_int_equal(rows_with(dropped), 0);
	free(kept);
	free(dropped);
}

static void test_transaction_misuse_refused(void **state)
{
	(void)state;
	assert_int_equal(db_commit(&db), -1);            /* no transaction */
	assert_int_equal(db_rollback(&db), 0);           /* harmless on error paths */
	assert_int_equal(db_begin(&db), 0);
	assert_int_equal(db_begin(&db), -1);             /* no nesting */
	assert_true(db_in_transaction(&db));
	assert_int_equal(db_rollback(&db), 0);
}

static void test_failed_statement_cannot_commit(void **state)
{
	char *first = key("fail-first"), *dup = key("fail-dup");

	(void)state;
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(dup), DB_INT(1))), 1);
	assert_int_equal(db_begin(&db), 0);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(first), DB_INT(1))), 1);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(dup), DB_INT(2))), -1);
	assert_string_equal(db_sqlstate(&db), "23505");
	assert_int_equal(db_commit(&db), -1);            /* the server answered ROLLBACK */
	assert_false(db_in_transaction(&db));
	assert_int_equal(rows_with(first), 0);

	/* db_rollback keeps the reason of the failure that led to it */
	assert_int_equal(db_begin(&db), 0);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(dup), DB_INT(3))), -1);
	assert_int_equal(db_rollback(&db), 0);
	assert_string_equal(db_sqlstate(&db), "23505");
	assert_true(strstr(db.err, "duplicate") != NULL);
	free(first);
	free(dup);
}

static void test_sqlstate_belongs_to_its_connection(void **state)
{
	struct db other;
	char *dup = key("state-dup");
	PGresult *r;

	(void)state;
	db_init(&other, t_env("LF_DB_URL"));
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(dup), DB_INT(1))), 1);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(dup), DB_INT(1))), -1);
	r = db_query(&other, &q_get, DB_PARAMS(DB_TEXT(dup)));
	assert_non_null(r);
	assert_int_equal(db_get_int(r, 0, "value"), 1);
	PQclear(r);
	assert_string_equal(db_sqlstate(&other), "");
	assert_string_equal(db_sqlstate(&db), "23505");  /* untouched by the other's success */
	r = db_query(&db, &q_get, DB_PARAMS(DB_TEXT(dup)));
	assert_non_null(r);
	PQclear(r);
	assert_string_equal(db_sqlstate(&db), "");       /* a success clears it */
	db_close(&other);
	free(dup);
}

static void test_lost_connection_inside_transaction_is_not_reset(void **state)
{
	char *early = key("lost-early"), *late = key("lost-late"), *after = key("lost-after");
	PGresult *r;

	(void)state;
	assert_int_equal(db_begin(&db), 0);
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(early), DB_INT(1))), 1);
	kill_backend();
	/* the statement that meets the dead connection fails ... */
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(late), DB_INT(1))), -1);
	/* ... and so does every later one: no reset, no half transaction */
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(late), DB_INT(1))), -1);
	assert_true(strstr(db.err, "inside a transaction") != NULL);
	assert_int_equal(db_commit(&db), -1);
	assert_false(db_in_transaction(&db));
	assert_int_equal(rows_with(early), 0);
	assert_int_equal(rows_with(late), 0);

	/* ended by the failed commit; the next statement reconnects */
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(after), DB_INT(1))), 1);
	assert_int_equal(rows_with(after), 1);

	/* same with db_rollback ending it */
	assert_int_equal(db_begin(&db), 0);
	kill_backend();
	assert_null(db_query(&db, &q_get, DB_PARAMS(DB_TEXT(after))));
	assert_null(db_query(&db, &q_get, DB_PARAMS(DB_TEXT(after))));
	assert_int_equal(db_rollback(&db), 0);
	r = db_query(&db, &q_get, DB_PARAMS(DB_TEXT(after)));
	assert_non_null(r);
	assert_int_equal(PQntuples(r), 1);
	PQclear(r);
	free(early);
	free(late);
	free(after);
}

static void test_lost_connection_outside_transaction_is_reset(void **state)
{
	char *k = key("reset");
	PGresult *r;

	(void)state;
	kill_backend();
	/* the statement that finds the connection dead fails; the next one
	 * reconnects (and prepares its statement again) */
	assert_null(db_query(&db, &q_get, DB_PARAMS(DB_TEXT(k))));
	assert_int_equal(db_command(&db, &q_put, DB_PARAMS(DB_TEXT(k), DB_INT(5))), 1);
	r = db_query(&db, &q_get, DB_PARAMS(DB_TEXT(k)));
	assert_non_null(r);
	assert_string_equal(db_get(r, 0, "key"), k);
	assert_int_equal(db_get_int(r, 0, "value"), 5);
	PQclear(r);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_params_round_trip),
		cmocka_unit_test(test_named_columns),
		cmocka_unit_test(test_command_counts_rows),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_plan_each_call),
		cmocka_unit_test(test_too_many_params_refused),
		cmocka_unit_test(test_commit_and_rollback),
		cmocka_unit_test(test_transaction_misuse_refused),
		cmocka_unit_test(test_failed_statement_cannot_commit),
		cmocka_unit_test(test_sqlstate_belongs_to_its_connection),
		cmocka_unit_test(test_lost_connection_inside_transaction_is_not_reset),
		cmocka_unit_test(test_lost_connection_outside_transaction_is_reset),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
