/* page_login.c — GET/POST /login, POST /logout.
 *
 * Throttling (sql/008_login_throttle.sql, login_attempt_begin): before a
 * password is checked the attempt is recorded as a failure, under a lock
 * per user name, and taken back when the password was right; so parallel
 * guesses count each other and never more than the limit are checked.
 * Limits: login_max_failures per (name, address) and four times that per
 * address within login_window_sec; per name from all addresses, after
 * login_name_max_failures, growing delays up to login_name_max_delay_sec,
 * which never apply from an address the user signed in from lately. An
 * attacker elsewhere can slow a name down but not lock its owner out. */
#include "app.h"
#include "crypto.h"
#include "escape.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct db_stmt q_user_for_login = { "user_for_login",
	"SELECT id, password_hash FROM users WHERE name = $1" };
static struct db_stmt q_attempt_begin = { "login_attempt_begin",
	"SELECT attempt, wait_sec, why FROM login_attempt_begin($1, $2, $3::int, $4::int, $5::int, "
	"$6::int, $7::int)" };
/* the right password: the attempt and this address's failures are taken
 * back, the address is remembered as the user's, old rows are forgotten */
static struct db_stmt q_attempt_ok = { "login_attempt_ok",
	"WITH gone AS (DELETE FROM login_failures WHERE id = $1 OR (name = $2 AND remote_addr = $3) "
	"              OR at < now() - interval '1 day') "
	"INSERT INTO login_known_addresses (name, remote_addr) VALUES ($2, $3) "
	"ON CONFLICT (name, remote_addr) DO UPDATE SET last_ok_at = now()" };
static struct db_stmt q_rehash = { "user_password_rehash",
	"UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2" };

/* Only what is provably a path on this site (http_is_local_path); anything
 * else, "//host", "/\\host", "/%09/host" included, goes to the dashboard. */
static const char *safe_next(const char *next)
{
	return http_is_local_path(next) ? next : "/";
}

static int show_form(struct request *req, int status, const char *name, const char *error)
{
	struct json_object *ctx = page_context(req, "Sign in");

	json_object_object_add(ctx, "name", json_object_new_string(name ? name : ""));
	json_object_object_add(ctx, "next", json_object_new_string(safe_next(kv_get(&req->query, "next")
								   ? kv_get(&req->query, "next")
								   : kv_get(&req->form, "next"))));
	if (error)
		json_object_object_add(ctx, "error", json_object_new_string(error));
	else if (kv_get(&req->query, "signed_out"))
		json_object_object_add(ctx, "signed_out", json_object_new_boolean(1));
	return render_page(req, status, "login", ctx);
}

int page_login_form(struct request *req)
{
	if (page_of(req)->user_id) {
		redirect(req, 303, safe_next(kv_get(&req->query, "next")));
		return 0;
	}
	return show_form(req, 200, NULL, NULL);
}

/* Take an attempt slot: 1 and *attempt set when the password may be
 * checked, 0 and *wait_sec set when throttled, -1 on a database error. */
static int attempt_begin(struct request *req, const char *name, int64_t *attempt,
			 int64_t *wait_sec, const char **why)
{
	struct page *pg = page_of(req);
	PGresult *r;
	int ok;

	r = db_query(pg->db, &q_attempt_begin,
		     DB_PARAMS(DB_TEXT(name), DB_TEXT(req->remote_addr), DB_INT(app.cfg.login_window_sec),
			       DB_INT(app.cfg.login_max_failures), DB_INT(4 * app.cfg.login_max_failures),
			       DB_INT(app.cfg.login_name_max_failures),
			       DB_INT(app.cfg.login_name_max_delay_sec)));
	if (!r)
		return -1;
	ok = !db_is_null(r, 0, "attempt");
	*attempt = db_get_int(r, 0, "attempt");
	*wait_sec = db_get_int(r, 0, "wait_sec");
	*why = !strcmp(db_get_text(r, 0, "why"), "name") ? "name" : "address";
	PQclear(r);
	return ok;
}

/* A hash to verify against when the user does not exist, so the answer
 * takes as long either way (no user enumeration by timing). */
static struct buf dummy = BUF_INIT;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	char pw[33];

	if (crypto_random_hex(pw, 16) < 0 || password_hash(pw, &dummy) < 0)
		buf_puts(&dummy, "invalid");
}

/* An old, cheaper hash is replaced by one at today's cost once the user
 * proved the password; only if nobody changed it meanwhile. */
static void upgrade_hash(struct request *req, int64_t user_id, const char *old, const char *password)
{
	struct buf fresh = BUF_INIT;

	if (password_hash(password, &fresh) == 0 &&
	    db_command(page_of(req)->db, &q_rehash,
		       DB_PARAMS(DB_INT(user_id), DB_TEXT(old), DB_TEXT(buf_cstr(&fresh)))) == 1)
		log_info("event=password_rehashed user_id=%lld", (long long)user_id);
	buf_free(&fresh);
}

static int check_password(struct request *req, const char *name, const char *password,
			  int64_t *user_id)
{
	struct page *pg = page_of(req);
	PGresult *r = db_query(pg->db, &q_user_for_login, DB_PARAMS(DB_TEXT(name)));
	const char *stored;
	int ok;

	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		pthread_once(&dummy_once, make_dummy);
		password_verify(password, buf_cstr(&dummy));
		return 0;
	}
	*user_id = db_get_int(r, 0, "id");
	stored = db_get_text(r, 0, "password_hash");
	ok = password_verify(password, stored) == 1;
	if (ok && password_needs_rehash(stored))
		upgrade_hash(req, *user_id, stored, password);
	PQclear(r);
	return ok;
}

static int too_many_attempts(struct request *req, const char *name, int64_t wait_sec,
			     const char *why)
{
	char msg[160];

	long long wait = (long long)wait_sec;

	log_warn("event=login_throttled user=%s addr=%s rule=%s wait_sec=%lld", log_quote(name),
		 log_quote(req->remote_addr), why, wait);
	req_header(req, "Retry-After: %lld", wait);
	if (wait <= 90)
		snprintf(msg, sizeof(msg), "Too many failed sign-in attempts. Wait %lld seconds and try "
			 "again.", wait);
	else
		snprintf(msg, sizeof(msg), "Too many failed sign-in attempts. Wait %lld minutes and try "
			 "again.", (wait + 59) / 60);
	return show_form(req, 429, name, msg);
}

int page_login_submit(struct request *req)
{
	struct page *pg = page_of(req);
	const char *name = kv_get(&req->form, "name");
	const char *password = kv_get(&req->form, "password");
	const char *why = NULL;
	int64_t attempt = 0, wait_sec = 0, user_id = 0;
	int rc;

	if (!name || !*name || !password || !*password || strlen(name) > 64 || strlen(password) > 1024)
		return show_form(req, 400, name, "Enter your user name and password.");
	rc = attempt_begin(req, name, &attempt, &wait_sec, &why);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return too_many_attempts(req, name, wait_sec, why);
	rc = check_password(req, name, password, &user_id);
	if (rc < 0)
		return -1;
	if (!rc) {
		/* the attempt stays recorded as the failure it is */
		log_info("event=login_failed user=%s addr=%s", log_quote(name), log_quote(req->remote_addr));
		return show_form(req, 401, name, "The user name or password is not correct.");
	}
	if (session_create(req, user_id, name) < 0)
		return -1;
	db_command(pg->db, &q_attempt_ok,
		   DB_PARAMS(DB_INT(attempt), DB_TEXT(name), DB_TEXT(req->remote_addr)));
	/* the browser's zone (static/timezone.js), unless the user picked one */
	if (session_set_time_zone(req, kv_get(&req->form, "browser_tz"), 0) < 0)
		log_warn("event=time_zone_not_saved user=%s", log_quote(name));
	log_info("event=login_ok user=%s", log_quote(name));
	redirect(req, 303, safe_next(kv_get(&req->form, "next")));
	return 0;
}

int page_logout(struct request *req)
{
	log_info("event=logout user=%s", log_quote(page_of(req)->user_name));
	session_destroy(req);
	redirect(req, 303, "/login?signed_out=1");
	return 0;
}
