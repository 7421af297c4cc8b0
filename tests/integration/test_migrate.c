/* Integration tests: `langflix migrate` is safe on a live database
 * (issue 15, item 12). Each test migrates a folder of its own into a
 * schema of its own (search_path in the connection string), so the stack's
 * schema is never touched:
 *   - a file whose first line is "-- langflix:no-transaction" runs its
 *     statements outside a transaction (CREATE INDEX CONCURRENTLY works;
 *     the same file without the marker is refused and not recorded);
 *   - lock_timeout: a migration queued behind another session's lock gives
 *     up after migrate_lock_timeout_ms with a clear message, applies nothing;
 *   - statement_timeout: a statement running past
 *     migrate_statement_timeout_ms is cancelled with a clear message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

static int seq;

struct mig {
	char schema[64];
	char dir[256];
	char *out;          /* stdout + stderr of the last run */
	double seconds;     /* how long it ran */
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_sql(const char *sql)
{
	PGresult *r = PQexec(t_dbc, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(t_dbc));
	PQclear(r);
}

static void mig_new(struct mig *m)
{
	char *sql;

	memset(m, 0, sizeof(*m));
	snprintf(m->schema, sizeof(m->schema), "migtest_%d_%d", (int)getpid(), ++seq);
	snprintf(m->dir, sizeof(m->dir), "%s/%s", t_env("LF_VAR"), m->schema);
	assert_int_equal(mkdir(m->dir, 0700), 0);
	sql = t_printf("CREATE SCHEMA %s", m->schema);
	run_sql(sql);
	free(sql);
}

static void mig_free(struct mig *m)
{
	char *sql = t_printf("DROP SCHEMA %s CASCADE", m->schema);

	run_sql(sql);
	free(sql);
	t_sh("rm -rf '%s'", m->dir);
	free(m->out);
}

static void mig_file(struct mig *m, const char *name, const char *sql)
{
	char *path = t_printf("%s/%s", m->dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(sql, f);
	fclose(f);
	free(path);
}

/* `langflix migrate --dir` into the schema; env: extra VAR=value words. */
static int mig_run(struct mig *m, const char *env)
{
	char *outpath = t_printf("%s.out", m->dir);
	struct buf b = BUF_INIT;
	char chunk[4096];
	double t0 = now_sec();
	size_t n;
	FILE *f;
	int rc;

	/* timeout(1): a runner without timeouts would wait here for ever */
	rc = t_sh("env LANGFLIX_DATABASE_URL=\"%s options='-csearch_path=%s'\" %s "
		  "timeout 60 '%s/langflix' -c '%s' migrate --dir '%s' >'%s' 2>&1",
		  t_env("LF_DB_URL"), m->schema, env ? env : "", t_env("LF_BIN"), t_env("LF_CONFIG"),
		  m->dir, outpath);
	m->seconds = now_sec() - t0;
	f = fopen(outpath, "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	unlink(outpath);
	free(outpath);
	free(m->out);
	m->out = buf_detach(&b);
	if (!m->out)
		m->out = xstrdup("");
	return rc;
}

static long long recorded(struct mig *m, const char *version)
{
	char *sql = t_printf("SELECT count(*) FROM %s.schema_migrations WHERE version = $1", m->schema);
	long long n = t_db_num(t_dbc, sql, 1, (const char *[]){ version });

	free(sql);
	return n;
}

static long long index_count(struct mig *m, const char *name)
{
	return t_db_num(t_dbc, "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
			2, (const char *[]){ m->schema, name });
}

static void no_transaction_marker(void **state)
{
	struct mig m;

	(void)state;
	mig_new(&m);
	mig_file(&m, "001_table.sql", "CREATE TABLE t (x int, note text);\n"
				      "INSERT INTO t VALUES (1, 'a;b'), (2, $$c;d$$);\n");
	/* CONCURRENTLY in a file without the marker: refused, nothing kept */
	mig_file(&m, "002_index.sql", "CREATE INDEX CONCURRENTLY t_x_idx ON t (x);\n");
	assert_int_not_equal(mig_run(&m, NULL), 0);
	t_contains(m.out, "applied 001_table.sql");
	t_contains(m.out, "migration 002_index.sql failed");
	t_contains(m.out, "nothing of 002_index.sql was applied");
	assert_int_equal(recorded(&m, "002"), 0);
	assert_int_equal(index_count(&m, "t_x_idx"), 0);

	/* with the marker, each statement runs on its own */
	mig_file(&m, "002_index.sql",
		 "-- langflix:no-transaction\n"
		 "-- an index built while the table stays writable; a comment; with semicolons\n"
		 "DROP INDEX CONCURRENTLY IF EXISTS t_x_idx;\n"
		 "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x_idx ON t (x);\n"
		 "ALTER TABLE t ADD CONSTRAINT t_x_positive CHECK (x > 0) NOT VALID;\n"
		 "ALTER TABLE t VALIDATE CONSTRAINT t_x_positive;\n");
	assert_int_equal(mig_run(&m, NULL), 0);
	t_contains(m.out, "applied 002_index.sql (outside a transaction)");
	assert_int_equal(recorded(&m, "002"), 1);
	assert_int_equal(index_count(&m, "t_x_idx"), 1);
	/* idempotent: a second run applies nothing */
	assert_int_equal(mig_run(&m, NULL), 0);
	t_contains(m.out, "0 migration(s) applied");
	mig_free(&m);
}

static void lock_timeout(void **state)
{
	struct mig m;
	PGconn *holder = t_db();
	char *sql;
	PGresult *r;

	(void)state;
	mig_new(&m);
	mig_file(&m, "001_table.sql", "CREATE TABLE t (x int);\n");
	assert_int_equal(mig_run(&m, NULL), 0);
	/* a long transaction holds the table, as a busy site's might */
	sql = t_printf("BEGIN; LOCK TABLE %s.t IN ACCESS SHARE MODE", m.schema);
	r = PQexec(holder, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	free(sql);
	mig_file(&m, "002_column.sql", "ALTER TABLE t ADD COLUMN y int;\n");
	assert_int_not_equal(mig_run(&m, "LANGFLIX_MIGRATE_LOCK_TIMEOUT_MS=300"), 0);
	t_contains(m.out, "waited more than 300 ms for a lock");
	t_contains(m.out, "nothing of 002_column.sql was applied");
	assert_true(m.seconds < 20);
	assert_int_equal(recorded(&m, "002"), 0);
	PQfinish(holder);
	/* the lock gone, the same migration applies */
	assert_int_equal(mig_run(&m, "LANGFLIX_MIGRATE_LOCK_TIMEOUT_MS=300"), 0);
	assert_int_equal(recorded(&m, "002"), 1);
	mig_free(&m);
}

static void statement_timeout(void **state)
{
	struct mig m;

	(void)state;
	mig_new(&m);
	mig_file(&m, "001_slow.sql", "CREATE TABLE t (x int);\nSELECT pg_sleep(30);\n");
	assert_int_not_equal(mig_run(&m, "LANGFLIX_MIGRATE_STATEMENT_TIMEOUT_MS=300"), 0);
	t_contains(m.out, "ran longer than 300 ms and was cancelled");
	assert_true(m.seconds < 20);
	assert_int_equal(recorded(&m, "001"), 0);
	mig_free(&m);
}

static int setup(void **state)
{
	t_db_setup(state);
	run_sql("SET client_min_messages = warning");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_transaction_marker),
		cmocka_unit_test(lock_timeout),
		cmocka_unit_test(statement_timeout),
	};
	return cmocka_run_group_tests_name("migrate", tests, setup, t_db_teardown);
}
