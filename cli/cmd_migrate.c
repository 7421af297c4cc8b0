/* langflix migrate — apply sql/NNN_name.sql in order, recorded in
 * schema_migrations. Re-running applies nothing twice; an advisory lock
 * keeps two migrators from racing.
 *
 * Safe on a live database: every statement runs under lock_timeout and
 * statement_timeout (migrate_lock_timeout_ms, migrate_statement_timeout_ms),
 * so a migration that would queue behind a long transaction, and make every
 * page queue behind it, fails quickly instead. A file runs in one
 * transaction, unless its first line is the marker
 *
 *   -- langflix:no-transaction
 *
 * then its statements run one by one outside any transaction, which is what
 * CREATE INDEX CONCURRENTLY and ALTER TABLE ... VALIDATE CONSTRAINT in their
 * own short transactions need. Such a file must be safe to run again from
 * the start (IF NOT EXISTS, and an invalid index left by a failed
 * CONCURRENTLY build dropped first), because a failure leaves the statements
 * before it applied and the file unrecorded. */
#include "buf.h"
#include "commands.h"
#include "db.h"
#include "log.h"
#include "sqlsplit.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK "7318461"   /* arbitrary advisory lock key */
#define NO_TRANSACTION_MARKER "-- langflix:no-transaction"

static struct db_stmt q_applied = { "migration_applied",
	"SELECT 1 FROM schema_migrations WHERE version = $1" };
static struct db_stmt q_record = { "migration_record",
	"INSERT INTO schema_migrations (version) VALUES ($1)" };

static int is_migration(const char *name)
{
	size_t n = strlen(name);

	return n > 8 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' &&
	       name[2] >= '0' && name[2] <= '9' && name[3] == '_' && !strcmp(name + n - 4, ".sql");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "r");
	char tmp[8192];
	size_t got;

	if (!f)
		return -1;
	while ((got = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(out, tmp, got);
	fclose(f);
	return 0;
}

/* The marker is the whole first line (trailing blanks allowed). */
static int runs_outside_transaction(const struct buf *sql)
{
	size_t m = strlen(NO_TRANSACTION_MARKER), i;

	if (sql->len < m || memcmp(sql->data, NO_TRANSACTION_MARKER, m) != 0)
		return 0;
	for (i = m; i < sql->len && sql->data[i] != '\n'; i++)
		if (sql->data[i] != ' ' && sql->data[i] != '\t' && sql->data[i] != '\r')
			return 0;
	return 1;
}

/* What went wrong, in words an operator can act on. */
static void report_failure(const struct config *cfg, struct db *db, const char *file, int outside)
{
	const char *state = db_sqlstate(db);

	if (!strcmp(state, "55P03"))
		fprintf(stderr, "langflix: migration %s waited more than %lld ms for a lock (a table it "
			"changes is busy) and stopped. Run `langflix migrate` again when the load is lower, "
			"or raise migrate_lock_timeout_ms.\n", file, (long long)cfg->migrate_lock_timeout_ms);
	else if (!strcmp(state, "57014"))
		fprintf(stderr, "langflix: migration %s: a statement ran longer than %lld ms and was "
			"cancelled. Raise migrate_statement_timeout_ms for this migration.\n", file,
			(long long)cfg->migrate_statement_timeout_ms);
	else
		fprintf(stderr, "langflix: migration %s failed: %s\n", file, db->err);
	if (outside)
		fprintf(stderr, "langflix: %s runs outside a transaction: the statements before the "
			"failing one stay applied; the file is written to be run again.\n", file);
	else
		fprintf(stderr, "langflix: nothing of %s was applied.\n", file);
}

/* One statement after another, each in its own implicit transaction. */
static int run_statements(struct db *db, const struct buf *sql)
{
	const char *s = sql->data;
	size_t n = sql->len, at = 0;
	int rc = 0;

	while (at < n && rc == 0) {
		size_t len = sql_statement_len(s + at, n - at);
		if (!sql_is_blank(s + at, len)) {
			char *one = xstrndup(s + at, len);
			rc = db_simple(db, one);
			free(one);
		}
		at += len;
	}
	return rc;
}

/* One transaction (db_rollback keeps the failure's SQLSTATE for the report). */
static int run_in_transaction(const struct config *cfg, struct db *db, struct buf *sql,
			      const char *file, const char *version)
{
	if (db_begin(db) < 0 || db_simple(db, buf_cstr(sql)) < 0 ||
	    db_command(db, &q_record, DB_PARAMS(DB_TEXT(version))) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		report_failure(cfg, db, file, 0);
		return -1;
	}
	return 0;
}

static int apply_one(const struct config *cfg, struct db *db, const char *dir, const char *file)
{
	char version[4], path[4096];
	struct buf sql = BUF_INIT;
	PGresult *r;
	int rc = -1, outside;

	memcpy(version, file, 3);
	version[3] = '\0';
	r = db_query(db, &q_applied, DB_PARAMS(DB_TEXT(version)));
	if (!r)
		return -1;
	if (PQntuples(r) > 0) {
		PQclear(r);
		return 0;
	}
	PQclear(r);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, &sql) < 0) {
		fprintf(stderr, "langflix: %s: %s\n", path, strerror(errno));
		return -1;
	}
	outside = runs_outside_transaction(&sql);
	if (outside) {
		if (run_statements(db, &sql) < 0 ||
		    db_command(db, &q_record, DB_PARAMS(DB_TEXT(version))) < 0) {
			report_failure(cfg, db, file, 1);
			goto out;
		}
	} else if (run_in_transaction(cfg, db, &sql, file, version) < 0) {
		goto out;
	}
	printf("applied %s%s\n", file, outside ? " (outside a transaction)" : "");
	rc = 1;
out:
	buf_free(&sql);
	return rc;
}

/* The session's limits for every statement that follows (SET, with the
 * numbers as parameters: set_config(..., false) is SET for the session;
 * a bare number is milliseconds). */
static const struct db_stmt q_timeouts = { "migrate_timeouts",
	"SELECT set_config('lock_timeout', $1::bigint::text, false),"
	"       set_config('statement_timeout', $2::bigint::text, false)" };

static int set_timeouts(const struct config *cfg, struct db *db)
{
	return db_command(db, &q_timeouts, DB_PARAMS(DB_INT(cfg->migrate_lock_timeout_ms),
						     DB_INT(cfg->migrate_statement_timeout_ms))) < 0 ? -1 : 0;
}

/* The migration files in dir, sorted; -1 when dir cannot be read. */
static int list_migrations(const char *dir, char ***files, size_t *nfiles)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "langflix: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (!is_migration(de->d_name))
			continue;
		*files = xrealloc(*files, (*nfiles + 1) * sizeof(**files));
		(*files)[(*nfiles)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*nfiles > 0)
		qsort(*files, *nfiles, sizeof(**files), by_name);
	return 0;
}

int cmd_migrate(struct config *cfg, int argc, char **argv)
{
	const char *dir = getenv("LANGFLIX_SQL_DIR");
	char **files = NULL;
	size_t nfiles = 0;
	struct db db;
	int rc = 1, applied = 0, locked = 0;

	if (argc == 3 && !strcmp(argv[1], "--dir"))
		dir = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: langflix migrate [--dir DIR]\n");
		return 2;
	}
	if (!dir || !*dir)
		dir = "sql";
	if (list_migrations(dir, &files, &nfiles) < 0)
		return 1;
	if (nfiles == 0) {
		/* a wrong folder must not look like an up-to-date schema */
		fprintf(stderr, "langflix: %s holds no migrations (files named NNN_name.sql); "
			"nothing was applied\n", dir);
		free(files);
		return 1;
	}

	db_init(&db, cfg->database_url);
	if (db_ensure(&db) < 0) {
		fprintf(stderr, "langflix: cannot connect to the database: %s\n", db.err);
		goto out;
	}
	/* the advisory lock first and without a timeout: a second migrator
	 * waits for the first one to finish */
	if (db_simple(&db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") < 0)
		goto out;
	locked = 1;
	if (set_timeouts(cfg, &db) < 0 ||
	    db_simple(&db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			   " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())") < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++) {
		int one = apply_one(cfg, &db, dir, files[i]);
		if (one < 0)
			goto out;
		applied += one;
	}
	printf("%d migration(s) applied, schema up to date\n", applied);
	rc = 0;
out:
	if (locked)
		db_simple(&db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")");
	db_close(&db);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	return rc;
}
