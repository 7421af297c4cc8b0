/* db.h — a thin libpq layer.
 *
 * Statements are declared once, beside the code that runs them:
 *
 *   static struct db_stmt q_video = { "video_by_id",
 *       "SELECT title FROM videos WHERE id = $1" };
 *   PGresult *r = db_run(db, &q_video, 1, (const char *[]){ id });
 *
 * and prepared lazily on each connection. A broken connection is reset,
 * never reused; every result must be PQclear()ed by the caller. */
#ifndef LF_DB_H
#define LF_DB_H

#include <libpq-fe.h>
#include <stddef.h>

struct db_stmt {
	const char *name;
	const char *sql;
};

#define DB_MAX_PREPARED 128

struct db {
	PGconn *conn;
	char *url;
	const struct db_stmt *prepared[DB_MAX_PREPARED];
	size_t nprepared;
	char err[256];           /* last error, safe to log (no parameters) */
};

void db_init(struct db *db, const char *url);
void db_close(struct db *db);
/* Connect, or reset a broken connection. 0 when usable, -1 otherwise. */
int db_ensure(struct db *db);
/* Run a declared statement. Returns a result with status COMMAND_OK or
 * TUPLES_OK, or NULL on error (db->err says why; the error is logged). */
PGresult *db_run(struct db *db, const struct db_stmt *st, int n, const char *const *params);
/* Same, for a command whose rows are not needed. 0 or -1. */
int db_exec(struct db *db, const struct db_stmt *st, int n, const char *const *params);
/* Plain SQL without parameters (transactions, migrations). 0 or -1. */
int db_simple(struct db *db, const char *sql);
/* SQLSTATE of the last failure ("" when none). */
const char *db_sqlstate(const struct db *db);

/* Helpers for reading results. */
const char *db_val(const PGresult *r, int row, int col);  /* NULL for SQL NULL */
long long db_ll(const PGresult *r, int row, int col);     /* 0 for NULL */

#endif
