/* langflix migrate — apply sql/NNN_name.sql in order, each in its own
 * transaction, recorded in schema_migrations. Re-running applies nothing
 * twice; an advisory lock keeps two migrators from racing. */
#include "buf.h"
#include "commands.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK "7318461"   /* arbitrary advisory lock key */

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

static int apply_one(struct db *db, const char *dir, const char *file)
{
	char version[4], path[4096];
	struct buf sql = BUF_INIT;
	PGresult *r;
	int rc = -1;

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
	if (db_begin(db) < 0)
		goto out;
	if (db_simple(db, buf_cstr(&sql)) < 0 ||
	    db_command(db, &q_record, DB_PARAMS(DB_TEXT(version))) < 0) {
		fprintf(stderr, "langflix: migration %s failed: %s\n", file, db->err);
		db_rollback(db);
		goto out;
	}
	if (db_commit(db) < 0)
		goto out;
	printf("applied %s\n", file);
	rc = 1;
out:
	buf_free(&sql);
	return rc;
}

int cmd_migrate(struct config *cfg, int argc, char **argv)
{
	const char *dir = getenv("LANGFLIX_SQL_DIR");
	char **files = NULL;
	size_t nfiles = 0;
	struct dirent *de;
	struct db db;
	DIR *d;
	int rc = 1, applied = 0;

	if (argc == 3 && !strcmp(argv[1], "--dir"))
		dir = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: langflix migrate [--dir DIR]\n");
		return 2;
	}
	if (!dir || !*dir)
		dir = "sql";
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "langflix: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		if (!is_migration(de->d_name))
			continue;
		files = xrealloc(files, (nfiles + 1) * sizeof(*files));
		files[nfiles++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(files, nfiles, sizeof(*files), by_name);

	db_init(&db, cfg->database_url);
	if (db_ensure(&db) < 0) {
		fprintf(stderr, "langflix: cannot connect to the database: %s\n", db.err);
		goto out;
	}
	if (db_simple(&db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") < 0 ||
	    db_simple(&db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			   " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())") < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++) {
		int one = apply_one(&db, dir, files[i]);
		if (one < 0)
			goto out;
		applied += one;
	}
	printf("%d migration(s) applied, schema up to date\n", applied);
	rc = 0;
out:
	db_simple(&db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")");
	db_close(&db);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	return rc;
}
