/* testlib.c — HTTP client, shell, environment and database helpers for the
 * integration tests. See testlib.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "util.h"

struct tclient {
	CURL *curl;
	char *base;
	char *host;      /* host of base, for cookies set by tc_set_cookie */
	char errbuf[CURL_ERROR_SIZE];
};

/* Copies handed out by tresp_header, freed with the response. */
struct tresp_cache {
	char *value;
	struct tresp_cache *next;
};

/* ---- environment and shell ---------------------------------------------- */

const char *t_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		fail_msg("environment variable %s is not set: run the integration tests "
			 "through tests/run.sh (or eval \"$(scripts/stack.sh env)\")", name);
	return v;
}

/* A wait status from system() or pclose() as t_sh reports it. */
static int shell_status(int st)
{
	if (st == -1)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int t_sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	int st;

	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd.data);
	buf_free(&cmd);
	return shell_status(st);
}

int t_sh_output(char **out, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT, text = BUF_INIT;
	char chunk[4096];
	va_list ap;
	size_t n;
	FILE *p;

	buf_puts(&cmd, "{ ");
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, "\n} 2>&1");
	fflush(stdout);
	p = popen(cmd.data, "r");
	buf_free(&cmd);
	if (!p) {
		*out = xstrdup("");
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(&text, chunk, n);
	*out = text.data ? buf_detach(&text) : xstrdup("");
	return shell_status(pclose(p));
}

/* ---- responses -------------------------------------------------------------- */

void tresp_init(struct tresp *r)
{
	r->status = 0;
	buf_init(&r->headers);
	buf_init(&r->body);
	r->cache = NULL;
}

void tresp_free(struct tresp *r)
{
	struct tresp_cache *c = r->cache, *next;

	for (; c; c = next) {
		next = c->next;
		free(c->value);
		free(c);
	}
	buf_free(&r->headers);
	buf_free(&r->body);
	r->cache = NULL;
	r->status = 0;
}

/* Header lines live in r->headers as "Name: value\r\n". The copy handed out
 * is hung off the (const) response through its cache pointer. */
static const char *find_header(const struct tresp *r, const char *name, const char *needle)
{
	size_t nlen = strlen(name);
	const char *p = r->headers.data;
	struct tresp_cache *node;

	if (!p)
		return NULL;
	while (*p) {
		const char *eol = strchr(p, '\n'), *v, *e;
		if (!eol)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			v = p + nlen + 1;
			e = eol;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			node = xmalloc(sizeof(*node));
			node->value = xstrndup(v, (size_t)(e - v));
			node->next = r->cache;
			((struct tresp *)r)->cache = node;
			if (!needle || strstr(node->value, needle))
				return node->value;
		}
		p = *eol ? eol + 1 : eol;
	}
	return NULL;
}

const char *tresp_header(const struct tresp *r, const char *name)
{
	return find_header(r, name, NULL);
}

const char *tresp_header_containing(const struct tresp *r, const char *name, const char *needle)
{
	return find_header(r, name, needle);
}

/* ---- the client --------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	buf_append(arg, data, size * n);
	return size * n;
}

/* Keep only the header block of the last response: interim responses
 * (100 Continue) start with their own status line. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct buf *h = arg;

	if (size * n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		buf_reset(h);
	buf_append(h, data, size * n);
	return size * n;
}

static char *host_of(const char *url)
{
	const char *p = strstr(url, "://"), *e;

	p = p ? p + 3 : url;
	e = p + strcspn(p, ":/");
	return xstrndup(p, (size_t)(e - p));
}

struct tclient *tc_new_base(const char *base_url)
{
	struct tclient *c = xcalloc(1, sizeof(*c));
	size_t n;

	c->curl = curl_easy_init();
	assert_non_null(c->curl);
	c->base = xstrdup(base_url);
	n = strlen(c->base);
	if (n && c->base[n - 1] == '/')
		c->base[n - 1] = '\0';
	c->host = host_of(c->base);
	/* An empty file name switches the cookie engine on, in memory only. */
	curl_easy_setopt(c->curl, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	return c;
}

void tc_set_base(struct tclient *c, const char *base_url)
{
	size_t n;

	free(c->base);
	free(c->host);
	c->base = xstrdup(base_url);
	n = strlen(c->base);
	if (n && c->base[n - 1] == '/')
		c->base[n - 1] = '\0';
	c->host = host_of(c->base);
}

struct tclient *tc_new(void)
{
	return tc_new_base(t_env("LF_BASE_URL"));
}

void tc_free(struct tclient *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->base);
	free(c->host);
	free(c);
}

int tc_request(struct tclient *c, const char *method, const char *path,
	       const char *const *headers, const void *body, size_t len, struct tresp *out)
{
	struct curl_slist *hl = NULL;
	struct buf url = BUF_INIT;
	CURLcode rc;

	tresp_init(out);
	buf_printf(&url, "%s%s", c->base, path);
	/* The handle is reused: put every per-request option back first. */
	curl_easy_setopt(c->curl, CURLOPT_URL, url.data);
	curl_easy_setopt(c->curl, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &out->headers);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	} else {
		if (body) {
			curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
			curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		}
		if (strcmp(method, "GET") != 0 && !(strcmp(method, "POST") == 0 && body))
			curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	/* No "Expect: 100-continue" round trip for bodies. */
	hl = curl_slist_append(hl, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
	c->errbuf[0] = '\0';
	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hl);
	buf_append(&out->body, "", 0);
	buf_append(&out->headers, "", 0);
	if (rc != CURLE_OK) {
		fprintf(stderr, "testlib: %s %s: %s\n", method, url.data,
			c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		buf_free(&url);
		return -1;
	}
	buf_free(&url);
	return 0;
}

int tc_get(struct tclient *c, const char *path, struct tresp *out)
{
	return tc_request(c, "GET", path, NULL, NULL, 0, out);
}

int tc_post_form(struct tclient *c, const char *path, const char *form, struct tresp *out)
{
	static const char *const hdr[] = { "Content-Type: application/x-www-form-urlencoded", NULL };

	return tc_request(c, "POST", path, hdr, form, strlen(form), out);
}

void tc_set_source(struct tclient *c, const char *addr)
{
	curl_easy_setopt(c->curl, CURLOPT_INTERFACE, addr);
}

/* ---- cookies --------------------------------------------------------------------- */

void tc_set_cookie(struct tclient *c, const char *name_value)
{
	struct buf line = BUF_INIT;

	/* Set-Cookie syntax with an explicit domain (curl's cookie engine takes it) */
	buf_printf(&line, "Set-Cookie: %s; Path=/; Domain=%s", name_value, c->host);
	curl_easy_setopt(c->curl, CURLOPT_COOKIELIST, line.data);
	buf_free(&line);
}

char *tc_cookie(struct tclient *c, const char *name)
{
	struct curl_slist *list = NULL, *it;
	char *value = NULL;

	if (curl_easy_getinfo(c->curl, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return NULL;
	/* Netscape format: domain, tailmatch, path, secure, expires, name, value */
	for (it = list; it && !value; it = it->next) {
		const char *f = it->data;
		for (int i = 0; i < 5 && f; i++) {
			f = strchr(f, '\t');
			if (f)
				f++;
		}
		if (!f)
			continue;
		size_t nlen = strlen(name);
		if (strncmp(f, name, nlen) == 0 && f[nlen] == '\t')
			value = xstrdup(f + nlen + 1);
	}
	curl_slist_free_all(list);
	return value;
}

void tc_clear_cookies(struct tclient *c)
{
	curl_easy_setopt(c->curl, CURLOPT_COOKIELIST, "ALL");
}

/* ---- pages ------------------------------------------------------------------------ */

/* Finds the tag holding name="csrf" and returns its value="..." attribute. */
char *t_hidden_input(const char *html, const char *name)
{
	char *needle = t_printf("name=\"%s\"", name);
	const char *p = html, *tag, *end, *v, *q;
	size_t n = strlen(needle);
	char *found = NULL;

	while (!found && html && (p = strstr(p, needle)) != NULL) {
		tag = p;
		while (tag > html && *tag != '<')
			tag--;
		end = strchr(p, '>');
		if (*tag == '<' && end) {
			for (v = tag; (v = strstr(v, "value=\"")) != NULL && v < end; v += 7) {
				if (v > tag && !isspace((unsigned char)v[-1]))
					continue;   /* e.g. data-value= */
				q = strchr(v + 7, '"');
				if (q && q < end) {
					found = xstrndup(v + 7, (size_t)(q - v - 7));
					break;
				}
			}
		}
		p += n;
	}
	free(needle);
	return found;
}

char *tc_extract_csrf(const char *html)
{
	return t_hidden_input(html, "csrf");
}

char *t_page_csrf(struct tclient *c, const char *path)
{
	struct tresp r;
	char *csrf;

	assert_int_equal(tc_get(c, path, &r), 0);
	if (r.status != 200)
		fail_msg("GET %s -> %ld, not 200", path, r.status);
	csrf = tc_extract_csrf(r.body.data);
	if (!csrf)
		fail_msg("GET %s: the page has no CSRF token", path);
	tresp_free(&r);
	return csrf;
}

/* ---- database ----------------------------------------------------------------------- */

PGconn *t_db(void)
{
	PGconn *db = PQconnectdb(t_env("LF_DB_URL"));

	if (PQstatus(db) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db));
		PQfinish(db);
		fail_msg("cannot connect to LF_DB_URL: %s", msg);
	}
	return db;
}

char *t_db_value(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
	char *v = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
		PQclear(res);
		fail_msg("SQL failed: %s: %s", sql, msg);
	}
	if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

PGconn *t_dbc;

int t_db_setup(void **state)
{
	(void)state;
	t_dbc = t_db();
	return 0;
}

int t_db_teardown(void **state)
{
	(void)state;
	if (t_dbc)
		PQfinish(t_dbc);
	t_dbc = NULL;
	return 0;
}

struct db *t_jobs_db(void)
{
	static struct db db;
	static int ready;

	if (!ready) {
		db_init(&db, t_env("LF_DB_URL"));
		if (db_ensure(&db) < 0)
			fail_msg("cannot connect to LF_DB_URL: %s", db.err);
		ready = 1;
	}
	return &db;
}

long long t_job(const struct job_fixture *f)
{
	int64_t id = 0;

	if (jobs_fixture(t_jobs_db(), f, &id) < 0)
		fail_msg("jobs_fixture failed: %s", t_jobs_db()->err);
	return (long long)id;
}

void t_job_set(const struct job_fixture *f)
{
	if (jobs_fixture_set(t_jobs_db(), f) < 0)
		fail_msg("jobs_fixture_set of job %lld failed: %s", (long long)f->job_id, t_jobs_db()->err);
}

/* ---- waiting and users ------------------------------------------------------------------ */

int t_wait_http(const char *path, long want_status, int timeout_ms)
{
	struct tclient *c = tc_new();
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int waited = 0, ok = 0;

	for (;;) {
		struct tresp r;
		if (tc_get(c, path, &r) == 0 && r.status == want_status)
			ok = 1;
		tresp_free(&r);
		if (ok || waited >= timeout_ms)
			break;
		nanosleep(&pause, NULL);
		waited += 100;
	}
	tc_free(c);
	return ok ? 0 : -1;
}

int t_user_add(const char *name, const char *password)
{
	struct buf cmd = BUF_INIT;
	FILE *p;
	int st;

	buf_printf(&cmd, "'%s/langflix' -c '%s' user add '%s' >/dev/null", t_env("LF_BIN"),
		   t_env("LF_CONFIG"), name);
	p = popen(cmd.data, "w");
	buf_free(&cmd);
	if (!p)
		return -1;
	fprintf(p, "%s\n", password);
	st = pclose(p);
	return st == 0 ? 0 : -1;
}

long long t_login(struct tclient *c, const char *name, const char *password, const char *extra)
{
	struct tresp r;
	struct buf body = BUF_INIT;
	char *csrf;
	long st;

	tc_clear_cookies(c);
	assert_int_equal(tc_get(c, "/login", &r), 0);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	buf_puts(&body, "csrf=");
	url_encode(&body, csrf);
	buf_puts(&body, "&name=");
	url_encode(&body, name);
	buf_puts(&body, "&password=");
	url_encode(&body, password);
	if (extra) {
		buf_putc(&body, '&');
		buf_puts(&body, extra);
	}
	assert_int_equal(tc_post_form(c, "/login", buf_cstr(&body), &r), 0);
	st = r.status;
	tresp_free(&r);
	buf_free(&body);
	free(csrf);
	return st;
}

void t_sign_in(struct tclient *c, const char *name, const char *password)
{
	long long st = t_login(c, name, password, "next=%2F");

	if (st != 303)
		fail_msg("signing in as %s: %lld, not 303", name, st);
}

struct tclient *t_user_signed_in(const char *name, const char *password, long long *user_id)
{
	struct tclient *c;

	if (t_user_add(name, password) != 0)
		fail_msg("langflix user add %s failed", name);
	if (user_id) {
		PGconn *db = t_db();

		*user_id = t_db_num(db, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ name });
		PQfinish(db);
	}
	c = tc_new();
	t_sign_in(c, name, password);
	return c;
}

long long t_db_num(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	char *v = t_db_value(db, sql, nparams, params);
	long long x = v ? atoll(v) : -1;

	free(v);
	return x;
}

char *t_printf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

void t_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find \"%s\"", needle);
}

void t_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("did not expect \"%s\"", needle);
}

/* ---- the stack's app with other settings ------------------------------------- */

int t_app_restart(const char *settings)
{
	const char *conf = t_env("LF_CONFIG"), *var = t_env("LF_VAR");

	/* the stack's own file is kept beside, so every restart starts from it */
	if (t_sh("[ -f '%s.stack' ] || cp -p '%s' '%s.stack'", conf, conf, conf) != 0)
		return -1;
	if (settings) {
		if (t_sh("cp -p '%s.stack' '%s' && printf '# t_app_restart\\n%%s\\n' '%s' >>'%s'", conf,
			 conf, settings, conf) != 0)
			return -1;
	} else if (t_sh("cp -p '%s.stack' '%s'", conf, conf) != 0) {
		return -1;
	}
	/* a clean stop (TERM); the stack's supervisor starts it again, which
	 * writes a new pid file: wait for that, then for the site */
	if (t_sh("old=$(cat '%s/run/app.pid') && kill -TERM \"$old\" && "
		 "for i in $(seq 1 200); do new=$(cat '%s/run/app.pid' 2>/dev/null); "
		 "[ -n \"$new\" ] && [ \"$new\" != \"$old\" ] && kill -0 \"$new\" 2>/dev/null && exit 0; "
		 "sleep 0.1; done; exit 1", var, var) != 0)
		return -1;
	return t_wait_http("/healthz", 200, 30000);
}
