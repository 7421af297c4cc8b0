/* db.h — a thin libpq layer (on the model of kore's pgsql).
 *
 * Statements are declared once, beside the code that runs them, with typed
 * parameters and named result columns:
 *
 *   static const struct db_stmt q_video = { "video_by_id",
 *       "SELECT title, size_bytes FROM videos WHERE id = $1" };
 *   PGresult *r = db_query(db, &q_video, DB_PARAMS(DB_INT(id)));
 *   if (r && PQntuples(r) == 1)
 *           use(db_get(r, 0, "title"), db_get_int(r, 0, "size_bytes"));
 *   PQclear(r);
 *
 * Statements are prepared lazily on each connection. Every result must be
 * PQclear()ed by the caller.
 *
 * Connections and transactions: a broken connection is reset before the
 * next statement, never reused, but only OUTSIDE a transaction. Inside one
 * (between db_begin and db_commit/db_rollback) a lost connection means the
 * server threw the transaction away: every further statement fails with
 * db->err saying so, until the caller ends the transaction with db_rollback;
 * the statement after that reconnects. A transaction is never silently
 * split in two halves on two connections. */
#ifndef LF_DB_H
#define LF_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

struct db_stmt {
	const char *name;
	const char *sql;
};

#define DB_MAX_PREPARED 128
#define DB_MAX_PARAMS 64

struct db {
	PGconn *conn;
	char *url;
	const struct db_stmt *prepared[DB_MAX_PREPARED];
	size_t nprepared;
	int in_tx;               /* between db_begin and db_commit/db_rollback */
	char sqlstate[6];        /* of the last failure on this connection, "" when none */
	char err[256];           /* last error, safe to log (no parameters) */
};

void db_init(struct db *db, const char *url);
void db_close(struct db *db);
/* Connect, or reset a broken connection (outside a transaction only).
 * 0 when usable, -1 otherwise (db->err says why). */
int db_ensure(struct db *db);

/* ---- typed parameters -------------------------------------------------
 * A parameter is SQL NULL, text, a 64-bit integer, a double or a boolean;
 * the layer formats numbers and booleans itself, so callers never snprintf a value
 * into a string. DB_TEXT(NULL) is SQL NULL too. */
enum db_ptype { DB_P_NULL, DB_P_TEXT, DB_P_INT, DB_P_BOOL, DB_P_DOUBLE };

struct db_param {
	enum db_ptype type;
	const char *text;
	int64_t num;             /* DB_P_INT: the value; DB_P_BOOL: 0 or 1 */
	double real;             /* DB_P_DOUBLE (sent with 17 significant digits) */
};

static inline struct db_param db_param_text(const char *s)
{
	return (struct db_param){ .type = s ? DB_P_TEXT : DB_P_NULL, .text = s };
}
static inline struct db_param db_param_int(int64_t v)
{
	return (struct db_param){ .type = DB_P_INT, .num = v };
}
static inline struct db_param db_param_double(double v)
{
	return (struct db_param){ .type = DB_P_DOUBLE, .real = v };
}
static inline struct db_param db_param_bool(int b)
{
	return (struct db_param){ .type = DB_P_BOOL, .num = b != 0 };
}

#define DB_NULL      ((struct db_param){ .type = DB_P_NULL })
#define DB_TEXT(s)   db_param_text(s)
#define DB_INT(v)    db_param_int(v)
#define DB_BOOL(b)   db_param_bool(b)
#define DB_DOUBLE(v) db_param_double(v)
/* The count and the array for db_query/db_command, from a list of DB_*:
 * db_query(db, &q, DB_PARAMS(DB_INT(id), DB_TEXT(name))). */
#define DB_PARAMS(...) \
	(int)(sizeof((const struct db_param[]){ __VA_ARGS__ }) / sizeof(struct db_param)), \
	(const struct db_param[]){ __VA_ARGS__ }

/* Run a declared statement. Returns a result with status COMMAND_OK or
 * TUPLES_OK, or NULL on error (db->err and db_sqlstate say why; the error
 * is logged). n may be 0 with p NULL. */
PGresult *db_query(struct db *db, const struct db_stmt *st, int n, const struct db_param *p);
/* Same, for a command whose rows are not needed. The number of rows it
 * affected (>= 0), or -1 on error. */
long long db_command(struct db *db, const struct db_stmt *st, int n, const struct db_param *p);

/* Several statements in one round trip (libpq's pipeline mode): each
 * call's result in calls[i].r. 0 when every call succeeded; -1 otherwise,
 * with every result cleared (db->err says why). Inside a transaction the
 * calls run one after the other. The caller PQclear()s each result. */
struct db_call {
	const struct db_stmt *st;
	int n;
	const struct db_param *p;
	PGresult *r;             /* out */
	/* planned for this call's parameters (sent unprepared): for a statement
	 * whose best plan depends on them, such as a search whose term matches
	 * few rows or all of them (a prepared statement settles on one generic
	 * plan after five calls) */
	int plan_each_call;
};
int db_pipeline(struct db *db, struct db_call *calls, int ncalls);

/* Plain SQL without parameters (LISTEN, NOTIFY, migrations). 0 or -1.
 * Transactions go through db_begin/db_commit/db_rollback, not here. */
int db_simple(struct db *db, const char *sql);

/* ---- transactions -----------------------------------------------------
 * db_begin: -1 when already inside one or when the connection is not
 * usable. db_commit: 0 only when the server committed; a transaction in
 * which a statement failed is rolled back by the server, and db_commit then
 * says -1. db_rollback ends the transaction whatever state the connection
 * is in (a lost connection has lost the transaction already) and keeps
 * db->err and db_sqlstate of the failure that led to it; it returns -1
 * only when a live connection refused the ROLLBACK. Calling it outside a
 * transaction does nothing and returns 0 (handy on error paths). */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_in_transaction(const struct db *db);

/* SQLSTATE of this connection's last failure ("" when the last statement
 * succeeded or failed without one, e.g. a lost connection before it ran). */
const char *db_sqlstate(const struct db *db);

/* ---- named columns ----------------------------------------------------
 * Result values by column name (as the SELECT list names them; PQfnumber
 * rules: unquoted names compare in lower case). An unknown column is a
 * programming error: it is logged and reads as SQL NULL. */
int db_col(const PGresult *r, const char *name);               /* -1 if unknown */
const char *db_get(const PGresult *r, int row, const char *col);      /* NULL for NULL */
const char *db_get_text(const PGresult *r, int row, const char *col); /* "" for NULL */
int64_t db_get_int(const PGresult *r, int row, const char *col);      /* 0 for NULL */
int db_get_bool(const PGresult *r, int row, const char *col);         /* 1 for true */
int db_is_null(const PGresult *r, int row, const char *col);
/* A wait in seconds from column col of r's first row, for "when is the
 * next one due" queries: 0 when it is already past, -1 when r is NULL (the
 * query failed), has no row, or the value is NULL (nothing waits). Clears r.
 * The clamp belongs here and not in SQL: greatest(NULL, 0) is 0, which
 * would read "nothing waits" as "due now". */
double db_take_wait(PGresult *r, const char *col);

#endif
