#include "db.h"
#include "log.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The first line of libpq's message: it may echo the connection string's
 * host but never its password, and never a statement's parameters. */
static void keep_error(struct db *db, const char *msg)
{
	snprintf(db->err, sizeof(db->err), "%s", msg);
	db->err[strcspn(db->err, "\n")] = '\0';
}

static int connection_ok(const struct db *db)
{
	return db->conn && PQstatus(db->conn) == CONNECTION_OK;
}

/* A server that restarted or failed over has closed our idle connection,
 * but libpq notices only when it next reads. Reading what is pending (the
 * socket is non-blocking, so this costs no round trip) turns that into
 * CONNECTION_BAD now, so the reset below happens before a statement fails
 * on the dead connection and a user sees a 503 for it. */
static int connection_alive(struct db *db)
{
	if (!connection_ok(db))
		return 0;
	if (!db->in_tx)
		(void)PQconsumeInput(db->conn);
	return connection_ok(db);
}

int db_ensure(struct db *db)
{
	if (connection_alive(db))
		return 0;
	if (db->in_tx) {
		/* The server has dropped the transaction with the connection; a
		 * reset here would run the rest of it on its own. */
		keep_error(db, "the database connection was lost inside a transaction");
		log_warn("event=db_lost_in_transaction");
		return -1;
	}
	forget_prepared(db);
	if (db->conn)
		PQreset(db->conn);
	else
		db->conn = PQconnectdb(db->url);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		keep_error(db, PQerrorMessage(db->conn));
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

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	keep_error(db, PQerrorMessage(db->conn));
	/* unique violations and serialization failures are expected by callers */
	if (state && (!strcmp(state, "23505") || !strcmp(state, "40001")))
		log_debug("event=db_error stmt=%s sqlstate=%s", what, state);
	else
		log_error("event=db_error stmt=%s sqlstate=%s err=%s", what, state ? state : "-",
			  log_quote(db->err));
	if (PQstatus(db->conn) != CONNECTION_OK)
		forget_prepared(db);
}

/* Keep r when it succeeded; otherwise record why, clear it, NULL. */
static PGresult *checked(struct db *db, PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	record_failure(db, r, what);
	PQclear(r);
	return NULL;
}

static int prepare(struct db *db, const struct db_stmt *st)
{
	PGresult *r;

	if (db->nprepared >= DB_MAX_PREPARED)
		return 1; /* fall back to unnamed execution */
	r = checked(db, PQprepare(db->conn, st->name, st->sql, 0, NULL), st->name);
	if (!r)
		return -1;
	PQclear(r);
	db->prepared[db->nprepared++] = st;
	return 0;
}

/* The one path every parameterised statement takes; unprepared (planned
 * for these parameters) when plan_each_call. */
static PGresult *run_text_planned(struct db *db, const struct db_stmt *st, int n,
				  const char *const *params, int plan_each_call)
{
	int p;

	db->sqlstate[0] = '\0';
	if (db_ensure(db) < 0)
		return NULL;
	p = plan_each_call ? 1 : is_prepared(db, st) ? 0 : prepare(db, st);
	if (p < 0)
		return NULL;
	if (p == 0)
		return checked(db, PQexecPrepared(db->conn, st->name, n, params, NULL, NULL, 0),
			       st->name);
	return checked(db, PQexecParams(db->conn, st->sql, n, NULL, params, NULL, NULL, 0),
		       st->name);
}

/* Typed parameters as libpq's text parameters (numbers formatted into
 * nums). -1 when there are too many. */
static int params_text(struct db *db, const struct db_stmt *st, int n, const struct db_param *p,
		       const char **text, char (*nums)[32])
{
	if (n < 0 || n > DB_MAX_PARAMS) {
		db->sqlstate[0] = '\0';
		keep_error(db, "too many statement parameters");
		log_error("event=db_error stmt=%s err=too_many_params n=%d", st->name, n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		switch (p[i].type) {
		case DB_P_TEXT:
			text[i] = p[i].text;
			break;
		case DB_P_INT:
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64, p[i].num);
			text[i] = nums[i];
			break;
		case DB_P_DOUBLE:
			snprintf(nums[i], sizeof(nums[i]), "%.17g", p[i].real);
			text[i] = nums[i];
			break;
		case DB_P_BOOL:
			text[i] = p[i].num ? "t" : "f";
			break;
		default:
			text[i] = NULL;
			break;
		}
	}
	return 0;
}

static PGresult *query_planned(struct db *db, const struct db_stmt *st, int n, const struct db_param *p,
			       int plan_each_call)
{
	const char *text[DB_MAX_PARAMS];
	char nums[DB_MAX_PARAMS][32];

	if (params_text(db, st, n, p, text, nums) < 0)
		return NULL;
	return run_text_planned(db, st, n, n ? text : NULL, plan_each_call);
}

PGresult *db_query(struct db *db, const struct db_stmt *st, int n, const struct db_param *p)
{
	return query_planned(db, st, n, p, 0);
}

static void pipeline_clear(struct db_call *calls, int ncalls)
{
	for (int i = 0; i < ncalls; i++) {
		PQclear(calls[i].r);
		calls[i].r = NULL;
	}
}

/* Read what the pipeline sent back: one result per call, then the sync. */
static int pipeline_collect(struct db *db, struct db_call *calls, int ncalls)
{
	int ok = 1;
	PGresult *r;

	for (int i = 0; i < ncalls; i++) {
		r = PQgetResult(db->conn);
		if (!r) {
			keep_error(db, PQerrorMessage(db->conn));
			ok = 0;
			break;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {
			/* skipped after an earlier call failed: that one's error stands */
			PQclear(r);
			ok = 0;
		} else {
			calls[i].r = checked(db, r, calls[i].st->name);
			ok &= calls[i].r != NULL;
		}
		while ((r = PQgetResult(db->conn)) != NULL)   /* the end of this call's results */
			PQclear(r);
	}
	while ((r = PQgetResult(db->conn)) != NULL) {      /* PGRES_PIPELINE_SYNC */
		ExecStatusType s = PQresultStatus(r);
		PQclear(r);
		if (s == PGRES_PIPELINE_SYNC)
			break;
	}
	return ok ? 0 : -1;
}

int db_pipeline(struct db *db, struct db_call *calls, int ncalls)
{
	const char *text[DB_MAX_PARAMS];
	char nums[DB_MAX_PARAMS][32];
	int rc = 0;

	for (int i = 0; i < ncalls; i++)
		calls[i].r = NULL;
	/* inside a transaction, or one call: one statement after the other */
	if (db->in_tx || ncalls < 2) {
		for (int i = 0; i < ncalls; i++)
			if (!(calls[i].r = query_planned(db, calls[i].st, calls[i].n, calls[i].p,
							 calls[i].plan_each_call))) {
				pipeline_clear(calls, ncalls);
				return -1;
			}
		return 0;
	}
	db->sqlstate[0] = '\0';
	if (db_ensure(db) < 0)
		return -1;
	/* statements new to this connection are prepared first (once each) */
	for (int i = 0; i < ncalls; i++)
		if (!calls[i].plan_each_call && !is_prepared(db, calls[i].st) && prepare(db, calls[i].st) < 0)
			return -1;
	if (!PQenterPipelineMode(db->conn)) {
		keep_error(db, PQerrorMessage(db->conn));
		return -1;
	}
	for (int i = 0; i < ncalls && rc == 0; i++) {
		const struct db_call *c = &calls[i];
		int sent;
		if (params_text(db, c->st, c->n, c->p, text, nums) < 0) {
			rc = -1;
			break;
		}
		sent = !c->plan_each_call && is_prepared(db, c->st)
			       ? PQsendQueryPrepared(db->conn, c->st->name, c->n, c->n ? text : NULL, NULL, NULL, 0)
			       : PQsendQueryParams(db->conn, c->st->sql, c->n, NULL, c->n ? text : NULL, NULL,
						   NULL, 0);
		if (!sent) {
			record_failure(db, NULL, c->st->name);
			rc = -1;
		}
	}
	if (rc == 0 && !PQpipelineSync(db->conn)) {
		record_failure(db, NULL, "pipeline_sync");
		rc = -1;
	}
	if (rc == 0)
		rc = pipeline_collect(db, calls, ncalls);
	if (!PQexitPipelineMode(db->conn)) {
		/* results left unread (a send failed half-way): the connection
		 * is in an unknown state; the next statement resets it */
		log_warn("event=db_pipeline_stuck err=%s", log_quote(PQerrorMessage(db->conn)));
		PQfinish(db->conn);
		db->conn = NULL;
		forget_prepared(db);
		rc = -1;
	}
	if (rc < 0)
		pipeline_clear(calls, ncalls);
	return rc;
}

static long long affected_rows(const PGresult *r)
{
	const char *n = PQcmdTuples((PGresult *)r);

	return *n ? strtoll(n, NULL, 10) : 0;
}

long long db_command(struct db *db, const struct db_stmt *st, int n, const struct db_param *p)
{
	PGresult *r = db_query(db, st, n, p);
	long long rows;

	if (!r)
		return -1;
	rows = affected_rows(r);
	PQclear(r);
	return rows;
}

static PGresult *run_plain(struct db *db, const char *sql, const char *what)
{
	db->sqlstate[0] = '\0';
	if (db_ensure(db) < 0)
		return NULL;
	return checked(db, PQexec(db->conn, sql), what);
}

int db_simple(struct db *db, const char *sql)
{
	PGresult *r = run_plain(db, sql, "simple");

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/* ---- transactions ---------------------------------------------------- */

int db_in_transaction(const struct db *db)
{
	return db->in_tx;
}

int db_begin(struct db *db)
{
	PGresult *r;

	if (db->in_tx) {
		db->sqlstate[0] = '\0';
		keep_error(db, "a transaction is already open on this connection");
		log_error("event=db_error stmt=begin err=nested_transaction");
		return -1;
	}
	r = run_plain(db, "BEGIN", "begin");
	if (!r)
		return -1;
	PQclear(r);
	db->in_tx = 1;
	return 0;
}

int db_commit(struct db *db)
{
	PGresult *r;
	int committed;

	if (!db->in_tx) {
		db->sqlstate[0] = '\0';
		keep_error(db, "commit without a transaction");
		log_error("event=db_error stmt=commit err=no_transaction");
		return -1;
	}
	r = run_plain(db, "COMMIT", "commit");
	db->in_tx = 0;   /* committed, rolled back or lost: over in every case */
	if (!r)
		return -1;
	/* COMMIT of a transaction in which a statement failed succeeds as a
	 * command but answers ROLLBACK. */
	committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
	PQclear(r);
	if (!committed) {
		keep_error(db, "the transaction had failed and was rolled back");
		log_warn("event=db_commit_rolled_back");
		return -1;
	}
	return 0;
}

int db_rollback(struct db *db)
{
	char err[sizeof(db->err)], state[sizeof(db->sqlstate)];
	PGresult *r;

	if (!db->in_tx)
		return 0;
	db->in_tx = 0;
	if (!connection_ok(db))
		return 0;   /* the server dropped the transaction with the connection */
	memcpy(err, db->err, sizeof(err));
	memcpy(state, db->sqlstate, sizeof(state));
	r = checked(db, PQexec(db->conn, "ROLLBACK"), "rollback");
	if (!r)
		return -1;
	PQclear(r);
	/* the caller still wants the failure that made it roll back */
	memcpy(db->err, err, sizeof(err));
	memcpy(db->sqlstate, state, sizeof(state));
	return 0;
}

const char *db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

/* ---- reading results -------------------------------------------------- */

int db_col(const PGresult *r, const char *name)
{
	int c = PQfnumber(r, name);

	if (c < 0)
		log_error("event=db_unknown_column col=%s", name);
	return c;
}

const char *db_get(const PGresult *r, int row, const char *col)
{
	int c = db_col(r, col);

	if (c < 0 || PQgetisnull(r, row, c))
		return NULL;
	return PQgetvalue(r, row, c);
}

const char *db_get_text(const PGresult *r, int row, const char *col)
{
	const char *v = db_get(r, row, col);

	return v ? v : "";
}

int64_t db_get_int(const PGresult *r, int row, const char *col)
{
	const char *v = db_get(r, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

int db_get_bool(const PGresult *r, int row, const char *col)
{
	const char *v = db_get(r, row, col);

	return v && v[0] == 't';
}

int db_is_null(const PGresult *r, int row, const char *col)
{
	return db_get(r, row, col) == NULL;
}

double db_take_wait(PGresult *r, const char *col)
{
	double secs = -1;

	if (!r)
		return -1;
	if (PQntuples(r) > 0 && !db_is_null(r, 0, col)) {
		secs = strtod(db_get(r, 0, col), NULL);
		if (secs < 0)
			secs = 0;
	}
	PQclear(r);
	return secs;
}

