/* testlib.h — helpers for the integration tests (cmocka + libcurl + libpq).
 *
 * The tests run against the stack that tests/run.sh starts; it exports:
 *   LF_BASE_URL  http://127.0.0.1:PORT of the site (nginx)
 *   LF_EMU_URL   http://127.0.0.1:PORT of the TikTok emulator
 *   LF_VAR       the stack's state folder (temporary)
 *   LF_CONFIG    the app's configuration file;  LF_EMU_CONFIG the emulator's
 *   LF_ROOT      the repository (absolute);     LF_BIN the binaries (absolute)
 *   LF_STACK     scripts/stack.sh (absolute): `$LF_STACK pg-stop` / `pg-start`
 *   LF_DB_URL    libpq conninfo of the app's database (psql "$LF_DB_URL" works)
 *   LF_MEDIA     the media root
 *
 * Include after <setjmp.h>, <stdarg.h>, <stddef.h>, <stdint.h> and <cmocka.h>,
 * as cmocka requires. Functions that can "fail the test" call cmocka's fail
 * machinery, so call them from a test, setup or teardown function only. */
#ifndef LF_TESTLIB_H
#define LF_TESTLIB_H

#include <libpq-fe.h>
#include <stddef.h>

#include "buf.h"
#include "jobs.h"

struct tresp_cache;

/* One HTTP response. tc_get/tc_post_form/tc_request initialise it (any
 * previous content is NOT freed: call tresp_free first when reusing).
 * body.data is never NULL after a request and always NUL-terminated.
 * headers holds the raw header block of the final response. */
struct tresp {
	long status;
	struct buf headers;
	struct buf body;
	struct tresp_cache *cache;   /* values handed out by tresp_header */
};

/* A browser-like client: one curl handle, an in-memory cookie jar, never
 * follows redirects (a 303 comes back as a 303). */
struct tclient;

struct tclient *tc_new(void);          /* base URL from LF_BASE_URL */
struct tclient *tc_new_base(const char *base_url);   /* e.g. LF_EMU_URL */
void tc_free(struct tclient *c);
/* Send the client's next requests to another base URL, cookies kept (one
 * browser behind a load balancer that picks another host). */
void tc_set_base(struct tclient *c, const char *base_url);

/* All return 0 when an HTTP response arrived (whatever its status) and -1 on a
 * transport error (message printed). path is appended to the base URL. */
int tc_get(struct tclient *c, const char *path, struct tresp *out);
/* POST application/x-www-form-urlencoded; form is sent as given. */
int tc_post_form(struct tclient *c, const char *path, const char *form, struct tresp *out);
/* Any method. headers: NULL or a NULL-terminated list of "Name: value".
 * body: NULL for none (len ignored), else len bytes. "HEAD" fetches no body. */
int tc_request(struct tclient *c, const char *method, const char *path,
	       const char *const *headers, const void *body, size_t len, struct tresp *out);

/* Connect from this local address (e.g. "127.0.0.2": every 127/8 address
 * is this machine), so the site sees another client address. */
void tc_set_source(struct tclient *c, const char *addr);

/* Put "name=value" into the client's jar for the stack's host. */
void tc_set_cookie(struct tclient *c, const char *name_value);
/* The value of cookie `name` in the jar (malloc'd, caller frees) or NULL. */
char *tc_cookie(struct tclient *c, const char *name);
/* Forget every cookie. */
void tc_clear_cookies(struct tclient *c);

/* The value of the first header `name` (case-insensitive), trimmed, or NULL.
 * The string belongs to the response: valid until tresp_free. */
const char *tresp_header(const struct tresp *r, const char *name);
/* The first header `name` whose value contains needle (e.g. the Set-Cookie
 * for one cookie among several), same lifetime rules; NULL when none. */
const char *tresp_header_containing(const struct tresp *r, const char *name, const char *needle);
void tresp_init(struct tresp *r);
void tresp_free(struct tresp *r);      /* safe to call twice */

/* The value of <input ... name="csrf" ... value="..."> in html (malloc'd,
 * caller frees) or NULL when there is none. */
char *tc_extract_csrf(const char *html);
/* The same for the input (a hidden one, mostly) called name. */
char *t_hidden_input(const char *html, const char *name);
/* GET path (200, or the test fails) and the CSRF token of its form
 * (malloc'd; a page without one fails the test). */
char *t_page_csrf(struct tclient *c, const char *path);

/* Run a shell command (printf-style) with system(); returns its exit status,
 * 128+N when killed by signal N, -1 when it could not run. */
int t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, with the command's standard output and error read into *out
 * (malloc'd, never NULL; the caller frees it). */
int t_sh_output(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The environment variable, or the test fails with a clear message. */
const char *t_env(const char *name);
/* A connection to LF_DB_URL; fails the test when it cannot connect.
 * The caller closes it with PQfinish. */
PGconn *t_db(void);
/* First column of the first row of a parameterised query (malloc'd) or NULL
 * when there is no row; fails the test on an SQL error. */
char *t_db_value(PGconn *db, const char *sql, int nparams, const char *const *params);
/* The number in the first column of the first row, -1 when there is no row
 * (fails the test on an SQL error). */
long long t_db_num(PGconn *db, const char *sql, int nparams, const char *const *params);
/* The test binary's connection to LF_DB_URL, opened by t_db_setup and
 * closed by t_db_teardown (cmocka setup and teardown functions, or called
 * from a file's own). */
extern PGconn *t_dbc;
int t_db_setup(void **state);
int t_db_teardown(void **state);
/* The test's own connection through the product's db layer (lib/db.h),
 * for changing jobs through lib/jobs.h, the only writer of upload_jobs:
 * opened on first use, kept for the test binary's life. */
struct db *t_jobs_db(void);
/* A job row as the product's transitions leave it (jobs_fixture), or the
 * given fields of f->job_id changed (jobs_fixture_set); fails the test on
 * an error. t_job returns the id. */
long long t_job(const struct job_fixture *f);
void t_job_set(const struct job_fixture *f);
/* printf into a new string (the caller frees it). */
char *t_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Fail the test unless hay contains needle / unless it does not. */
void t_contains(const char *hay, const char *needle);
void t_lacks(const char *hay, const char *needle);
/* Poll GET path until it answers want_status: 0 when it did, -1 on timeout. */
int t_wait_http(const char *path, long want_status, int timeout_ms);
/* Create a dashboard user through `langflix user add` (password on stdin). */
int t_user_add(const char *name, const char *password);
/* Sign c in anew (its cookies are forgotten first) as name/password
 * through the login form, with extra form
 * fields appended (NULL: none; e.g. "browser_tz=Europe%2FMadrid"). The
 * status of the POST (303 when signed in); fails the test on a transport
 * error or a form without a CSRF token. */
long long t_login(struct tclient *c, const char *name, const char *password, const char *extra);
/* Sign c in anew as name/password through the login form, next=/
 * (t_login); fails the test unless the site answers 303. */
void t_sign_in(struct tclient *c, const char *name, const char *password);
/* A new dashboard user (t_user_add) and a new client signed in as it
 * (t_sign_in; tc_free it); the user's id in *user_id unless NULL. Fails
 * the test when a step fails. */
struct tclient *t_user_signed_in(const char *name, const char *password, long long *user_id);
/* Restart the stack's app with settings ("key = value" lines) after the
 * stack's own configuration, or with that configuration alone (NULL); waits
 * until the site answers again. 0, or -1 when it did not come back. */
int t_app_restart(const char *settings);

#endif
