/* page_login.c — GET/POST /login, POST /logout.
 *
 * Throttling: after login_max_failures failed attempts for one user name
 * within login_window_sec (or four times that many from one address), the
 * form refuses further attempts for the rest of the window, without even
 * checking the password. */
#include "app.h"
#include "crypto.h"
#include "escape.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct db_stmt q_user_for_login = { "user_for_login",
	"SELECT id, password_hash FROM users WHERE name = $1" };
static struct db_stmt q_failures = { "login_failures_recent",
	"SELECT (SELECT count(*) FROM login_failures WHERE name = $1 AND at > now() - make_interval(secs => $3::bigint)) AS by_name,"
	"       (SELECT count(*) FROM login_failures WHERE remote_addr = $2 AND at > now() - make_interval(secs => $3::bigint)) AS by_addr" };
static struct db_stmt q_failure_add = { "login_failure_add",
	"INSERT INTO login_failures (name, remote_addr) VALUES ($1, $2)" };
static struct db_stmt q_failure_clear = { "login_failure_clear",
	"DELETE FROM login_failures WHERE name = $1 OR at < now() - interval '1 day'" };

/* Only local paths: "/x", never "//host" or "/\host" (open redirects). */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strpbrk(next, "\r\n\\"))
		return "/";
	return next;
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

static int throttled(struct request *req, const char *name)
{
	struct page *pg = page_of(req);
	PGresult *r;
	int over;

	r = db_query(pg->db, &q_failures, DB_PARAMS(DB_TEXT(name), DB_TEXT(req->remote_addr),
						    DB_INT(app.cfg.login_window_sec)));
	if (!r)
		return -1;
	over = db_get_int(r, 0, "by_name") >= app.cfg.login_max_failures ||
	       db_get_int(r, 0, "by_addr") >= 4 * app.cfg.login_max_failures;
	PQclear(r);
	return over;
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

static int check_password(struct request *req, const char *name, const char *password,
			  int64_t *user_id)
{
	struct page *pg = page_of(req);
	PGresult *r = db_query(pg->db, &q_user_for_login, DB_PARAMS(DB_TEXT(name)));
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
	ok = password_verify(password, db_get(r, 0, "password_hash")) == 1;
	PQclear(r);
	return ok;
}

int page_login_submit(struct request *req)
{
	struct page *pg = page_of(req);
	const char *name = kv_get(&req->form, "name");
	const char *password = kv_get(&req->form, "password");
	int64_t user_id = 0;
	int rc;

	if (!name || !*name || !password || !*password || strlen(name) > 64 || strlen(password) > 1024)
		return show_form(req, 400, name, "Enter your user name and password.");
	rc = throttled(req, name);
	if (rc < 0)
		return -1;
	if (rc) {
		log_warn("event=login_throttled user=%s addr=%s", log_quote(name), req->remote_addr);
		return show_form(req, 429, name,
				 "Too many failed sign-in attempts. Wait a few minutes and try again.");
	}
	rc = check_password(req, name, password, &user_id);
	if (rc < 0)
		return -1;
	if (!rc) {
		db_command(pg->db, &q_failure_add, DB_PARAMS(DB_TEXT(name), DB_TEXT(req->remote_addr)));
		log_info("event=login_failed user=%s addr=%s", log_quote(name), req->remote_addr);
		return show_form(req, 401, name, "The user name or password is not correct.");
	}
	if (session_create(req, user_id) < 0)
		return -1;
	db_command(pg->db, &q_failure_clear, DB_PARAMS(DB_TEXT(name)));
	log_info("event=login_ok user=%s", log_quote(name));
	redirect(req, 303, safe_next(kv_get(&req->form, "next")));
	return 0;
}

int page_logout(struct request *req)
{
	log_info("event=logout user=%s", log_quote(page_of(req)->user_name));
	session_destroy(req);
	redirect(req, 303, "/login");
	return 0;
}
