#include "db.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_state[6];

void db_init(struct db *db, const char *url)
{
	memset(db, 0, sizeof(*db));
	db->url = xstrdup(url);
}

void db_close(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	free(db->url);
	memset(db, 0, sizeof(*db));
}

static void forget_prepared(struct db *db)
{
	db->nprepared = 0;
}

int db_ensure(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	forget_prepared(db);
	if (db->conn) {
		PQreset(db->conn);
	} else {
		db->conn = PQconnectdb(db->url);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		/* PQerrorMessage may echo the connection string's host but never
		 * its password; keep only the first line. */
		snprintf(db->err, sizeof(db->err), "%s", PQerrorMessage(db->conn));
		db->err[strcspn(db->err, "\n")] = '\0';
		log_warn("event=db_unavailable err=%s", log_quote(db->err));
		return -1;
	}
	PQsetErrorVerbosity(db->conn, PQERRORS_TERSE);
	return 0;
}

static int is_prepared(struct db *db, const struct db_stmt *st)
{
	for (size_t i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == st)
			return 1;
	return 0;
}

static void record_failure(struct db *db, const PGresult *r, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	snprintf(last_state, sizeof(last_state), "%s", state ? state : "");
	snprintf(db->err, sizeof(db->err), "%s", PQerrorMessage(db->conn));
	db->err[strcspn(db->err, "\n")] = '\0';
	/* unique violations and serialization failures are expected by callers */
	if (state && (!strcmp(state, "23505") || !strcmp(state, "40001")))
		log_debug("event=db_error stmt=%s sqlstate=%s", what, state);
	else
		log_error("event=db_error stmt=%s sqlstate=%s err=%s", what, state ? state : "-",
			  log_quote(db->err));
	if (PQstatus(db->conn) != CONNECTION_OK)
		forget_prepared(db);
}

static int prepare(struct db *db, const struct db_stmt *st)
{
	PGresult *r;

	if (db->nprepared >= DB_MAX_PREPARED)
		return 1; /* fall back to unnamed execution */
	r = PQprepare(db->conn, st->name, st->sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		record_failure(db, r, st->name);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	db->prepared[db->nprepared++] = st;
	return 0;
}

PGresult *db_run(struct db *db, const struct db_stmt *st, int n, const char *const *params)
{
	PGresult *r;
	ExecStatusType s;
	int p;

	last_state[0] = '\0';
	if (db_ensure(db) < 0)
		return NULL;
	p = is_prepared(db, st) ? 0 : prepare(db, st);
	if (p < 0)
		return NULL;
	if (p == 0)
		r = PQexecPrepared(db->conn, st->name, n, params, NULL, NULL, 0);
	else
		r = PQexecParams(db->conn, st->sql, n, NULL, params, NULL, NULL, 0);
	s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	record_failure(db, r, st->name);
	PQclear(r);
	return NULL;
}

int db_exec(struct db *db, const struct db_stmt *st, int n, const char *const *params)
{
	PGresult *r = db_run(db, st, n, params);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int db_simple(struct db *db, const char *sql)
{
	PGresult *r;
	ExecStatusType s;

	last_state[0] = '\0';
	if (db_ensure(db) < 0)
		return -1;
	r = PQexec(db->conn, sql);
	s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	record_failure(db, r, "simple");
	PQclear(r);
	return -1;
}

const char *db_sqlstate(const struct db *db)
{
	(void)db;
	return last_state;
}

const char *db_val(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

long long db_ll(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}
