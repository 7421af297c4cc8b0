/* Sign-in, sessions and the edge in front of the app: single sign-on with a
 * real nginx and an SSO check endpoint, trusted proxies (X-Forwarded-Proto,
 * X-Forwarded-For), __Host- cookies, the login throttle under concurrency
 * and from other addresses, password changes, hash upgrades, the
 * pre-session cookie, open redirects, compression (BREACH) and core dumps.
 *
 * Most tests use the shared stack (tests/run.sh). The SSO and proxy tests
 * need settings the shared stack does not have, so setup starts its own
 * app (the stack's configuration plus LANGFLIX_* overrides, on its own
 * socket, sharing the stack's database) and its own nginx: the site rules
 * come from `scripts/stack.sh site-rules` with the "#sso" recipe switched
 * on, the compression settings are production's (scripts/nginx/
 * production.conf.in), and a second server block plays the SSO check: it
 * answers 200 with X-Auth-User set to the value of the test_sso cookie
 * (the stand-in for an SSO session), or 401 without one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"

#define PASSWORD "correct-horse-battery"
/* PASSWORD hashed at the old cost (N=2^15), as `langflix user add` made it
 * before: hashlib.scrypt(PASSWORD, salt, n=32768, r=8, p=1, dklen=32) */
#define OLD_COST_HASH "scrypt$32768$8$1$00112233445566778899aabbccddeeff$" \
	"37aab90748354806fede311f0081b512fd19480414310e81eeefe49c9cc404bc"
#define OWN_NAME_MAX 3       /* the own app's login_name_max_failures */
#define OWN_MAX_DELAY 30     /* its login_name_max_delay_sec */

/* The own app and nginx. */
static struct {
	char dir[512];
	char sock[600];
	char base[64];           /* the site with the SSO recipe on */
	char plain[64];          /* the same app behind the site rules as shipped */
	int port, plain_port, auth_port;
} own;

static int seq;

/* ---- helpers ---------------------------------------------------------------- */

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static char *new_user(const char *prefix)
{
	char *name = t_printf("%s%d_%d", prefix, (int)getpid(), ++seq);

	assert_int_equal(t_user_add(name, PASSWORD), 0);
	return name;
}

static char *login_page_csrf(struct tclient *c, const char *const *headers)
{
	struct tresp r;
	char *csrf;

	assert_int_equal(tc_request(c, "GET", "/login", headers, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	return csrf;
}

/* POST /login with the form's token; returns the status. */
static long try_login(struct tclient *c, const char *name, const char *password, const char *next,
		      struct tresp *r)
{
	char *csrf = login_page_csrf(c, NULL);
	char *body = t_printf("csrf=%s&name=%s&password=%s&next=%s", csrf, name, password,
			      next ? next : "%2F");

	assert_int_equal(tc_post_form(c, "/login", body, r), 0);
	free(body);
	free(csrf);
	return r->status;
}

static void login_ok(struct tclient *c, const char *name)
{
	struct tresp r;

	assert_int_equal(try_login(c, name, PASSWORD, NULL, &r), 303);
	tresp_free(&r);
}

static long get_status(struct tclient *c, const char *path)
{
	struct tresp r;
	long st;

	assert_int_equal(tc_get(c, path, &r), 0);
	st = r.status;
	tresp_free(&r);
	return st;
}

/* A FastCGI request straight to an app socket (no nginx in between), with
 * the given extra parameters ("NAME=value ...", consumed); the raw answer. */
static char *fcgi_direct(const char *sock, const char *path, char *params)
{
	char *out = t_printf("%s/fcgi.%d.out", t_env("LF_VAR"), ++seq);
	char *answer;
	FILE *f;
	long n;

	assert_int_equal(t_sh("env -i REQUEST_METHOD=GET REQUEST_URI='%s' DOCUMENT_URI='%s' "
			      "QUERY_STRING= REMOTE_ADDR=127.0.0.1 %s timeout 20 /usr/bin/cgi-fcgi -bind "
			      "-connect '%s' >'%s' 2>/dev/null", path, path, params, sock, out), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	answer = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(answer, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(out);
	free(out);
	free(params);
	return answer;
}

/* The value of cookie `name` from a Set-Cookie header of r, or NULL. */
static char *set_cookie_value(const struct tresp *r, const char *name)
{
	char *prefix = t_printf("%s=", name);
	const char *line = tresp_header_containing(r, "Set-Cookie", prefix);
	char *v = NULL;

	if (line && !strncmp(line, prefix, strlen(prefix))) {
		const char *s = line + strlen(prefix);
		v = strndup(s, strcspn(s, ";"));
	}
	free(prefix);
	return v;
}

/* ---- the own app and nginx ----------------------------------------------- */

static int wait_for(const char *what, int (*ready)(void), int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		if (ready())
			return 0;
		usleep(100 * 1000);
	}
	print_error("%s did not come up; see %s\n", what, own.dir);
	return -1;
}

static int own_socket_ready(void)
{
	struct stat st;

	return stat(own.sock, &st) == 0;
}

static int own_nginx_ready(void)
{
	return t_sh("curl -s -o /dev/null -m 2 -w '%%{http_code}' http://127.0.0.1:%d/healthz "
		    "| grep -q 200", own.port) == 0;
}

static int write_own_nginx_conf(void)
{
	char *path = t_printf("%s/nginx.conf", own.dir);
	FILE *f = fopen(path, "w");

	free(path);
	if (!f)
		return -1;
	fprintf(f, "%s\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log notice;\n"
		   "events { worker_connections 64; }\n"
		   "http {\n"
		   "    include /etc/nginx/mime.types;\n"
		   "    default_type application/octet-stream;\n"
		   "    access_log %s/nginx-access.log;\n"
		   "    client_body_temp_path %s/nb; fastcgi_temp_path %s/nf; proxy_temp_path %s/np;\n"
		   "    uwsgi_temp_path %s/nu; scgi_temp_path %s/ns;\n"
		   "    include %s/gzip.conf;\n"
		   "    server {\n"
		   "        listen 127.0.0.1:%d;\n"
		   "        server_name localhost;\n"
		   "        include %s/site.conf;\n"
		   "    }\n"
		   "    server {\n"
		   "        listen 127.0.0.1:%d;\n"
		   "        server_name localhost;\n"
		   "        include %s/site-plain.conf;\n"
		   "    }\n"
		   "    server {\n"
		   "        listen 127.0.0.1:%d;\n"
		   "        location = /check {\n"
		   "            if ($cookie_test_sso = \"\") { return 401; }\n"
		   "            add_header X-Auth-User $cookie_test_sso;\n"
		   "            return 200 \"\";\n"
		   "        }\n"
		   "    }\n"
		   "}\n",
		getuid() == 0 ? "user root;" : "", own.dir, own.dir, own.dir, own.dir, own.dir, own.dir,
		own.dir, own.dir, own.dir, own.port, own.dir, own.plain_port, own.dir, own.auth_port);
	return fclose(f);
}

static int start_own_stack(void)
{
	const char *root = t_env("LF_ROOT");

	snprintf(own.dir, sizeof(own.dir), "%s/auth-test", t_env("LF_VAR"));
	snprintf(own.sock, sizeof(own.sock), "%s/app.sock", own.dir);
	do {
		own.port = free_port();
		own.plain_port = free_port();
		own.auth_port = free_port();
		if (own.port < 0 || own.plain_port < 0 || own.auth_port < 0)
			return -1;
	} while (own.port == own.plain_port || own.port == own.auth_port ||
		 own.plain_port == own.auth_port);
	snprintf(own.base, sizeof(own.base), "http://127.0.0.1:%d", own.port);
	snprintf(own.plain, sizeof(own.plain), "http://127.0.0.1:%d", own.plain_port);
	if (t_sh("mkdir -p '%s' && chmod 755 '%s'", own.dir, own.dir) != 0)
		return -1;
	if (t_sh("LANGFLIX_LISTEN='%s' LANGFLIX_THREADS=4 LANGFLIX_TRUST_REMOTE_USER=true "
		 "LANGFLIX_TRUSTED_PROXIES='127.0.0.1, ::1' LANGFLIX_LOGIN_NAME_MAX_FAILURES=%d "
		 "LANGFLIX_LOGIN_NAME_MAX_DELAY_SEC=%d '%s/langflix.fcgi' -c '%s' >'%s/app.log' 2>&1 "
		 "& echo $! >'%s/app.pid'", own.sock, OWN_NAME_MAX, OWN_MAX_DELAY, t_env("LF_BIN"),
		 t_env("LF_CONFIG"), own.dir, own.dir) != 0)
		return -1;
	if (wait_for("the own app", own_socket_ready, 60) < 0)
		return -1;
	if (t_sh("'%s' site-rules '%s/static' '%s' '%s' 'http://127.0.0.1:%d/check' >'%s/site.conf'",
		 t_env("LF_STACK"), root, t_env("LF_MEDIA"), own.sock, own.auth_port, own.dir) != 0 ||
	    t_sh("'%s' site-rules '%s/static' '%s' '%s' >'%s/site-plain.conf'", t_env("LF_STACK"), root,
		 t_env("LF_MEDIA"), own.sock, own.dir) != 0 ||
	    t_sh("grep -E '^ *gzip' '%s/scripts/nginx/production.conf.in' >'%s/gzip.conf'", root,
		 own.dir) != 0 ||
	    write_own_nginx_conf() != 0)
		return -1;
	if (t_sh("nginx -p '%s' -c '%s/nginx.conf' -e '%s/nginx-error.log' -g 'daemon off;' "
		 ">'%s/nginx.out' 2>&1 & echo $! >'%s/nginx.pid'", own.dir, own.dir, own.dir, own.dir,
		 own.dir) != 0)
		return -1;
	return wait_for("the own nginx", own_nginx_ready, 30);
}

static void stop_own(const char *name)
{
	t_sh("p=$(cat '%s/%s.pid' 2>/dev/null) && [ -n \"$p\" ] && kill -TERM \"$p\" 2>/dev/null; "
	     "for i in $(seq 1 100); do kill -0 \"$p\" 2>/dev/null || break; sleep 0.1; done", own.dir, name);
}

static int own_app_alive(void)
{
	return t_sh("kill -0 $(cat '%s/app.pid') 2>/dev/null", own.dir) == 0;
}

static int setup_all(void **state)
{
	(void)state;
	return start_own_stack();
}

static int teardown_all(void **state)
{
	(void)state;
	stop_own("nginx");
	stop_own("app");
	/* what the sanitizers said about the own app counts as a failure */
	if (t_sh("grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' '%s/app.log'",
		 own.dir) == 0) {
		t_sh("cat '%s/app.log' | tail -n 60", own.dir);
		return -1;
	}
	return 0;
}

static struct tclient *sso_client(const char *sso_user)
{
	struct tclient *c = tc_new_base(own.base);

	if (sso_user) {
		char *kv = t_printf("test_sso=%s", sso_user);
		tc_set_cookie(c, kv);
		free(kv);
	}
	return c;
}

/* ---- 1, 2: single sign-on ---------------------------------------------- */

/* Item 1: the first request of a single sign-on user made a session without
 * a user name and the page context dereferenced it (the app died on every
 * request of that user). */
static void sso_user_gets_pages(void **state)
{
	char *alice = new_user("alice");
	struct tclient *c = sso_client(alice), *again = sso_client(alice);
	struct tresp r;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tc_get(i < 2 ? c : again, "/", &r), 0);
		if (r.status != 200)
			fail_msg("request %d of the SSO user: status %ld (app alive: %d)", i, r.status,
				 own_app_alive());
		t_contains(r.body.data, alice);
		tresp_free(&r);
	}
	assert_true(own_app_alive());
	/* the session was made for alice: the cookie alone carries her */
	{
		char *cookie = tc_cookie(c, "lf_session");
		assert_non_null(cookie);
		free(cookie);
	}
	tc_free(c);
	tc_free(again);
	free(alice);
}

static void sso_unknown_user_and_no_sso_session(void **state)
{
	struct tclient *nobody = sso_client(NULL), *stranger = sso_client("no-such-user-x");

	(void)state;
	/* no SSO session: the check answers 401 and nginx stops there */
	assert_int_equal(get_status(nobody, "/"), 401);
	/* a name the app does not know: no session, the sign-in form */
	assert_int_equal(get_status(stranger, "/"), 303);
	/* the webhook and the health check are not behind the SSO */
	assert_int_equal(get_status(nobody, "/healthz"), 200);
	assert_true(own_app_alive());
	tc_free(nobody);
	tc_free(stranger);
}

/* Item 2: nginx fills $remote_user from the client's own Basic header; the
 * recipe must take the name from the SSO check only and strip the header. */
static void sso_forged_basic_header_changes_nothing(void **state)
{
	char *alice = new_user("alice"), *admin = new_user("admin");
	char *basic = NULL, *hdr, *cmd_out;
	const char *hdrs[2];
	struct tclient *c = sso_client(alice), *anon = sso_client(NULL);
	struct tresp r;
	FILE *p;
	char b64[256] = "";

	(void)state;
	cmd_out = t_printf("printf '%%s' '%s:x' | base64 -w0", admin);
	p = popen(cmd_out, "r");
	assert_non_null(p);
	assert_non_null(fgets(b64, sizeof(b64), p));
	pclose(p);
	free(cmd_out);
	hdr = t_printf("Authorization: Basic %s", b64);
	hdrs[0] = hdr;
	hdrs[1] = NULL;

	/* alice's SSO session plus a Basic header claiming admin: alice */
	assert_int_equal(tc_request(c, "GET", "/", hdrs, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, alice);
	t_lacks(r.body.data, admin);
	tresp_free(&r);
	/* the Basic header alone: the SSO check refuses, nobody is signed in */
	assert_int_equal(tc_request(anon, "GET", "/", hdrs, NULL, 0, &r), 0);
	assert_int_equal(r.status, 401);
	assert_null(tresp_header_containing(&r, "Set-Cookie", "lf_session="));
	tresp_free(&r);

	/* the app's own guard: REMOTE_USER next to an Authorization header (a
	 * proxy passing the client's claim) is not trusted... */
	basic = fcgi_direct(own.sock, "/", t_printf("REMOTE_USER='%s' HTTP_AUTHORIZATION='Basic %s'",
						     admin, b64));
	t_contains(basic, "Status: 303");
	t_contains(basic, "Location: /login");
	free(basic);
	assert_int_equal(t_sh("grep -q 'event=remote_user_refused' '%s/app.log'", own.dir), 0);
	/* ...while the same REMOTE_USER alone is (the guard is what refused) */
	basic = fcgi_direct(own.sock, "/", t_printf("REMOTE_USER='%s'", admin));
	t_contains(basic, admin);
	t_contains(basic, "Status: 200");
	free(basic);
	free(hdr);
	tc_free(c);
	tc_free(anon);
	free(alice);
	free(admin);
}

static void sso_user_change_replaces_the_session(void **state)
{
	char *alice = new_user("alice"), *bob = new_user("bob");
	struct tclient *c = sso_client(alice);
	struct tresp r;
	char *kv;

	(void)state;
	assert_int_equal(get_status(c, "/"), 200);
	kv = t_printf("test_sso=%s", bob);
	tc_set_cookie(c, kv);
	free(kv);
	assert_int_equal(tc_get(c, "/", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, bob);
	tresp_free(&r);
	tc_free(c);
	free(alice);
	free(bob);
}

/* With single sign-on the job page and its API follow the SSO user, not
 * the cookie alone (they load the session in their own round trip only
 * when the cookie can say who it is): the first request signs the user in,
 * and after a change of SSO user the old user's job is a 404. */
static void sso_user_change_applies_to_the_job_page_and_api(void **state)
{
	char *alice = new_user("alice"), *bob = new_user("bob"), *kv, *path_a, *path_b;
	struct tclient *c = sso_client(alice);
	PGconn *db = t_db();
	long long video, job_a, job_b;
	char *v;

	(void)state;
	v = t_db_value(db, "INSERT INTO videos (path, size_bytes, mtime, title, ready) "
			   "VALUES ('auth-sso/' || $1 || '.mp4', 2000, 0, 'SSO clip', true) RETURNING id",
		       1, (const char *[]){ alice });
	video = atoll(v);
	free(v);
	job_a = t_job(&(struct job_fixture){ .user_id = t_db_num(db, "SELECT id FROM users WHERE name = $1", 1,
								(const char *[]){ alice }),
		.video_id = video, .state = "failed", .fail_reason = "Alice's SSO reason" });
	job_b = t_job(&(struct job_fixture){ .user_id = t_db_num(db, "SELECT id FROM users WHERE name = $1", 1,
								(const char *[]){ bob }),
		.video_id = video, .state = "failed", .fail_reason = "Bob's SSO reason" });
	path_a = t_printf("/api/jobs/%lld", job_a);
	path_b = t_printf("/api/jobs/%lld", job_b);
	/* no session yet: the SSO user's first request is already theirs */
	assert_int_equal(get_status(c, path_a), 200);
	assert_int_equal(get_status(c, path_a), 200);
	assert_int_equal(get_status(c, path_b), 404);
	kv = t_printf("test_sso=%s", bob);
	tc_set_cookie(c, kv);
	free(kv);
	/* alice's session cookie, bob's SSO: bob's view */
	assert_int_equal(get_status(c, path_a), 404);
	assert_int_equal(get_status(c, path_b), 200);
	free(path_a);
	path_a = t_printf("/jobs/%lld", job_a);
	assert_int_equal(get_status(c, path_a), 404);
	PQfinish(db);
	tc_free(c);
	free(path_a);
	free(path_b);
	free(alice);
	free(bob);
}

/* ---- 12: trusted proxies, HTTPS, __Host- cookies ------------------------- */

static void forwarded_proto_counts_only_from_a_trusted_proxy(void **state)
{
	static const char *const https_hdr[] = { "X-Forwarded-Proto: https", NULL };
	struct tclient *trusted = tc_new_base(own.plain), *untrusted = tc_new_base(own.plain);
	struct tresp r;
	const char *sc;

	(void)state;
	tc_set_source(untrusted, "127.0.0.5");
	/* from 127.0.0.1 (in trusted_proxies): HTTPS as far as the app knows */
	assert_int_equal(tc_request(trusted, "GET", "/login", https_hdr, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	sc = tresp_header_containing(&r, "Set-Cookie", "lf_pre=");
	assert_non_null(sc);
	assert_true(!strncmp(sc, "__Host-lf_pre=", 14));
	t_contains(sc, "; Secure");
	t_contains(sc, "Path=/");
	assert_non_null(tresp_header(&r, "Strict-Transport-Security"));
	tresp_free(&r);
	/* from 127.0.0.5 (not trusted): the header is anyone's claim */
	assert_int_equal(tc_request(untrusted, "GET", "/login", https_hdr, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	sc = tresp_header_containing(&r, "Set-Cookie", "lf_pre=");
	assert_non_null(sc);
	assert_true(!strncmp(sc, "lf_pre=", 7));
	t_lacks(sc, "Secure");
	assert_null(tresp_header(&r, "Strict-Transport-Security"));
	tresp_free(&r);
	tc_free(trusted);
	tc_free(untrusted);
}

/* The shared stack has no trusted proxies: X-Forwarded-Proto is ignored. */
static void forwarded_proto_ignored_without_trusted_proxies(void **state)
{
	static const char *const https_hdr[] = { "X-Forwarded-Proto: https", NULL };
	struct tclient *c = tc_new();
	struct tresp r;

	(void)state;
	assert_int_equal(tc_request(c, "GET", "/login", https_hdr, NULL, 0, &r), 0);
	assert_null(tresp_header_containing(&r, "Set-Cookie", "__Host-"));
	t_lacks(tresp_header_containing(&r, "Set-Cookie", "lf_pre="), "Secure");
	assert_null(tresp_header(&r, "Strict-Transport-Security"));
	tresp_free(&r);
	tc_free(c);
}

static void forwarded_for_is_the_client_only_from_a_trusted_proxy(void **state)
{
	static const char *const xff[] = { "X-Forwarded-For: 10.66.1.1, 10.77.2.2", NULL };
	struct tclient *trusted = tc_new_base(own.plain), *untrusted = tc_new_base(own.plain);
	char *name = new_user("xff"), *csrf, *body;
	PGconn *db = t_db();
	struct tresp r;

	(void)state;
	tc_set_source(untrusted, "127.0.0.6");
	for (int i = 0; i < 2; i++) {
		struct tclient *c = i ? untrusted : trusted;
		csrf = login_page_csrf(c, xff);
		body = t_printf("csrf=%s&name=%s&password=wrong", csrf, name);
		assert_int_equal(tc_request(c, "POST", "/login",
					    (const char *[]){ xff[0], "Content-Type: application/x-www-form-urlencoded",
							      NULL },
					    body, strlen(body), &r), 0);
		assert_int_equal(r.status, 401);
		tresp_free(&r);
		free(body);
		free(csrf);
	}
	/* the proxy's own entry (the last) counts, never the client's claims */
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM login_failures WHERE name = $1 AND remote_addr = '10.77.2.2'",
				  1, (const char *[]){ name }), 1);
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM login_failures WHERE name = $1 AND remote_addr = '127.0.0.6'",
				  1, (const char *[]){ name }), 1);
	PQfinish(db);
	tc_free(trusted);
	tc_free(untrusted);
	free(name);
}

/* Over HTTPS the cookies are __Host- ones, and only those count there. */
static void host_prefixed_cookies_over_https(void **state)
{
	struct tclient *c = tc_new_base(own.plain);
	char *name = new_user("https"), *pre, *csrf, *session, *cookie, *body;
	struct tresp r;
	const char *sc;

	(void)state;
	assert_int_equal(tc_request(c, "GET", "/login", (const char *[]){ "X-Forwarded-Proto: https", NULL },
				    NULL, 0, &r), 0);
	pre = set_cookie_value(&r, "__Host-lf_pre");
	assert_non_null(pre);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	/* curl keeps no Secure cookie for http://: every cookie goes by hand */
	tc_clear_cookies(c);
	cookie = t_printf("Cookie: __Host-lf_pre=%s", pre);
	body = t_printf("csrf=%s&name=%s&password=" PASSWORD "&next=%%2F", csrf, name);
	assert_int_equal(tc_request(c, "POST", "/login",
				    (const char *[]){ "X-Forwarded-Proto: https", cookie,
						      "Content-Type: application/x-www-form-urlencoded", NULL },
				    body, strlen(body), &r), 0);
	assert_int_equal(r.status, 303);
	sc = tresp_header_containing(&r, "Set-Cookie", "lf_session=");
	assert_non_null(sc);
	assert_true(!strncmp(sc, "__Host-lf_session=", 18));
	t_contains(sc, "; Secure");
	session = set_cookie_value(&r, "__Host-lf_session");
	tresp_free(&r);
	free(cookie);
	tc_clear_cookies(c);
	cookie = t_printf("Cookie: __Host-lf_session=%s", session);
	assert_int_equal(tc_request(c, "GET", "/", (const char *[]){ "X-Forwarded-Proto: https", cookie, NULL },
				    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	free(cookie);
	/* the same value under the plain name is not the HTTPS session */
	tc_clear_cookies(c);
	cookie = t_printf("Cookie: lf_session=%s", session);
	assert_int_equal(tc_request(c, "GET", "/", (const char *[]){ "X-Forwarded-Proto: https", cookie, NULL },
				    NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(cookie);
	/* nginx's own HTTPS=on (TLS in nginx) names them the same way */
	{
		char *ans = fcgi_direct(own.sock, "/login", strdup("HTTPS=on"));
		t_contains(ans, "Set-Cookie: __Host-lf_pre=");
		t_contains(ans, "Strict-Transport-Security");
		free(ans);
	}
	free(pre);
	free(csrf);
	free(session);
	free(body);
	free(name);
	tc_free(c);
}

/* ---- 12: no compression of the app's pages (BREACH) ----------------------- */

static void app_pages_are_not_compressed(void **state)
{
	static const char *const gz[] = { "Accept-Encoding: gzip", NULL };
	struct tclient *c = tc_new_base(own.plain);
	struct tresp r;
	const char *enc;

	(void)state;
	/* the page with the CSRF token and the reflected search text */
	assert_int_equal(tc_request(c, "GET", "/login?next=%2Fsearch", gz, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_null(tresp_header(&r, "Content-Encoding"));
	tresp_free(&r);
	/* the control: static files are compressed under the same settings */
	assert_int_equal(tc_request(c, "GET", "/static/app.css", gz, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	enc = tresp_header(&r, "Content-Encoding");
	assert_non_null(enc);
	assert_string_equal(enc, "gzip");
	tresp_free(&r);
	tc_free(c);
}

/* ---- 3: open redirects ----------------------------------------------------- */

static void next_with_tab_or_encoded_slash_goes_home(void **state)
{
	static const char *const bad[] = {
		"%2F%09%2Fevil.example", "%2F%2509%2Fevil.example", "%2F%252F%2Fevil.example",
		"%2F%5Cevil.example", "%2F%0A%2Fevil.example", "%2F%20%2Fevil.example",
		"https%3A%2F%2Fevil.example", "%2F%2Fevil.example",
	};
	struct tclient *c = tc_new();
	char *name = new_user("redir");
	struct tresp r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tc_clear_cookies(c);
		assert_int_equal(try_login(c, name, PASSWORD, bad[i], &r), 303);
		if (strcmp(tresp_header(&r, "Location"), "/") != 0)
			fail_msg("next=%s led to %s", bad[i], tresp_header(&r, "Location"));
		tresp_free(&r);
		/* signed in: GET /login?next= redirects right away, the same way */
		{
			char *path = t_printf("/login?next=%s", bad[i]);
			assert_int_equal(tc_get(c, path, &r), 0);
			assert_int_equal(r.status, 303);
			assert_string_equal(tresp_header(&r, "Location"), "/");
			tresp_free(&r);
			free(path);
		}
	}
	/* a plain local path still works */
	tc_clear_cookies(c);
	assert_int_equal(try_login(c, name, PASSWORD, "%2Fjobs%3Fstate%3Dfailed", &r), 303);
	assert_string_equal(tresp_header(&r, "Location"), "/jobs?state=failed");
	tresp_free(&r);
	tc_free(c);
	free(name);
}

/* ---- 5: a new password ends the old sessions --------------------------------- */

static void password_change_ends_every_session(void **state)
{
	char *name = new_user("passwd"), *other = new_user("bystander"), *out;
	struct tclient *a = tc_new(), *b = tc_new(), *o = tc_new();
	FILE *p;
	char line[256] = "";

	(void)state;
	login_ok(a, name);
	login_ok(b, name);
	login_ok(o, other);
	assert_int_equal(get_status(a, "/"), 200);
	out = t_printf("printf '%%s\\n' 'another-long-password' | '%s/langflix' -c '%s' user passwd '%s'",
		       t_env("LF_BIN"), t_env("LF_CONFIG"), name);
	p = popen(out, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	free(out);
	t_contains(line, "2 sessions ended");
	assert_int_equal(get_status(a, "/"), 303);
	assert_int_equal(get_status(b, "/"), 303);
	/* nor does the throttle trust the addresses that used the old one */
	{
		PGconn *db = t_db();
		assert_int_equal(t_db_num(db, "SELECT count(*) FROM login_known_addresses WHERE name = $1", 1,
					  (const char *[]){ name }), 0);
		assert_int_equal(t_db_num(db, "SELECT count(*) FROM login_known_addresses WHERE name = $1", 1,
					  (const char *[]){ other }), 1);
		PQfinish(db);
	}
	/* someone else's session lives on */
	assert_int_equal(get_status(o, "/"), 200);
	tc_free(a);
	tc_free(b);
	tc_free(o);
	free(name);
	free(other);
}

/* ---- 6: throttling ----------------------------------------------------------- */

#define GUESSERS 16

struct guesser {
	struct tclient *c;
	char *body;
	pthread_barrier_t *go;
	long status;
};

static void *guess(void *p)
{
	struct guesser *g = p;
	struct tresp r;

	pthread_barrier_wait(g->go);
	g->status = tc_post_form(g->c, "/login", g->body, &r) == 0 ? r.status : -1;
	tresp_free(&r);
	return NULL;
}

/* 16 wrong passwords at once against a limit of 5: exactly 5 are checked. */
static void parallel_guesses_check_at_most_the_limit(void **state)
{
	struct guesser g[GUESSERS];
	pthread_t t[GUESSERS];
	pthread_barrier_t go;
	char *name = new_user("par");
	int checked = 0, refused = 0;
	PGconn *db = t_db();

	(void)state;
	pthread_barrier_init(&go, NULL, GUESSERS);
	for (int i = 0; i < GUESSERS; i++) {
		char *csrf;
		g[i].c = tc_new();
		csrf = login_page_csrf(g[i].c, NULL);
		g[i].body = t_printf("csrf=%s&name=%s&password=guess-%d", csrf, name, i);
		g[i].go = &go;
		free(csrf);
	}
	for (int i = 0; i < GUESSERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, guess, &g[i]), 0);
	for (int i = 0; i < GUESSERS; i++) {
		pthread_join(t[i], NULL);
		checked += g[i].status == 401;
		refused += g[i].status == 429;
		tc_free(g[i].c);
		free(g[i].body);
	}
	pthread_barrier_destroy(&go);
	print_message("16 parallel guesses: %d passwords checked, %d refused\n", checked, refused);
	assert_int_equal(checked, 5);
	assert_int_equal(refused, GUESSERS - 5);
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM login_failures WHERE name = $1", 1,
				  (const char *[]){ name }), 5);
	PQfinish(db);
	free(name);
}

/* Wrong passwords from another address do not lock the user out. */
static void attacker_elsewhere_cannot_lock_the_user_out(void **state)
{
	struct tclient *attacker = tc_new(), *user = tc_new();
	char *name = new_user("victim");
	struct tresp r;

	(void)state;
	tc_set_source(attacker, "127.0.0.2");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(try_login(attacker, name, "wrong-password", NULL, &r), 401);
		tresp_free(&r);
	}
	/* the attacker's address is stopped, even with the right password */
	assert_int_equal(try_login(attacker, name, PASSWORD, NULL, &r), 429);
	t_contains(r.body.data, "Too many failed sign-in attempts");
	tresp_free(&r);
	/* the user, elsewhere, signs in */
	assert_int_equal(try_login(user, name, PASSWORD, NULL, &r), 303);
	tresp_free(&r);
	/* and the refusal says how long to wait */
	assert_int_equal(try_login(attacker, name, PASSWORD, NULL, &r), 429);
	assert_non_null(tresp_header(&r, "Retry-After"));
	tresp_free(&r);
	tc_free(attacker);
	tc_free(user);
	free(name);
}

/* Many failures from many addresses slow the name down (growing delays),
 * except from an address the user signed in from before. */
static void many_addresses_slow_the_name_but_not_its_owner(void **state)
{
	struct tclient *home = tc_new_base(own.plain), *fresh = tc_new_base(own.plain);
	char *name = new_user("spray");
	PGconn *db = t_db();
	struct tresp r;
	const char *ra;

	(void)state;
	tc_set_source(home, "127.0.0.4");
	tc_set_source(fresh, "127.0.0.3");
	login_ok(home, name);
	/* an attack from 8 addresses, each under its own limit (fast-forwarded
	 * into the table rather than spent in scrypt) */
	for (int i = 1; i <= 8; i++) {
		char *addr = t_printf("10.55.0.%d", i);
		t_db_num(db, "INSERT INTO login_failures (name, remote_addr) VALUES ($1, $2) RETURNING 1", 2,
			 (const char *[]){ name, addr });
		free(addr);
	}
	/* a new address waits, right password or not; the delay is capped */
	assert_int_equal(try_login(fresh, name, PASSWORD, NULL, &r), 429);
	ra = tresp_header(&r, "Retry-After");
	assert_non_null(ra);
	assert_in_range(atoi(ra), 1, OWN_MAX_DELAY);
	tresp_free(&r);
	/* refused attempts are not counted: the delay does not grow from them */
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM login_failures WHERE name = $1", 1,
				  (const char *[]){ name }), 8);
	/* the owner's usual address is not slowed down */
	tc_clear_cookies(home);
	assert_int_equal(try_login(home, name, PASSWORD, NULL, &r), 303);
	tresp_free(&r);
	PQfinish(db);
	tc_free(home);
	tc_free(fresh);
	free(name);
}

/* ---- 10: hash cost, pre-session cookie, core dumps --------------------------- */

static void old_cost_hash_is_upgraded_at_sign_in(void **state)
{
	char *name = new_user("oldhash"), *hash;
	struct tclient *c = tc_new(), *again = tc_new();
	PGconn *db = t_db();

	(void)state;
	hash = t_db_value(db, "SELECT password_hash FROM users WHERE name = $1", 1, (const char *[]){ name });
	assert_true(!strncmp(hash, "scrypt$131072$8$1$", 18));
	free(hash);
	t_db_num(db, "UPDATE users SET password_hash = $2 WHERE name = $1 RETURNING 1", 2,
		 (const char *[]){ name, OLD_COST_HASH });
	login_ok(c, name);
	hash = t_db_value(db, "SELECT password_hash FROM users WHERE name = $1", 1, (const char *[]){ name });
	if (strncmp(hash, "scrypt$131072$8$1$", 18) != 0)
		fail_msg("the hash was not upgraded: %.24s...", hash);
	free(hash);
	login_ok(again, name);
	PQfinish(db);
	tc_free(c);
	tc_free(again);
	free(name);
}

static void self_chosen_pre_session_cookie_is_refused(void **state)
{
	static const char *const chosen[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	};
	char *name = new_user("pre");
	struct tresp r;

	(void)state;
	for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++) {
		struct tclient *c = tc_new();
		char *kv = t_printf("lf_pre=%s", chosen[i]);
		char *body = t_printf("csrf=%s&name=%s&password=" PASSWORD, chosen[i], name);
		tc_set_cookie(c, kv);
		assert_int_equal(tc_post_form(c, "/login", body, &r), 0);
		if (r.status != 403)
			fail_msg("a planted lf_pre=%.12s... signed in (status %ld)", chosen[i], r.status);
		tresp_free(&r);
		free(kv);
		free(body);
		tc_free(c);
	}
	free(name);
}

/* "Max core file size  0  0  bytes" in /proc/PID/limits. */
static void assert_no_core(const char *pid)
{
	if (t_sh("grep -Eq '^Max core file size +0 +0 ' /proc/%s/limits", pid) != 0) {
		t_sh("grep 'core' /proc/%s/limits", pid);
		fail_msg("process %s may dump core", pid);
	}
}

static void no_core_dumps_in_any_program(void **state)
{
	const char *var = t_env("LF_VAR");
	char *pid;
	FILE *p;
	char buf[32] = "";

	(void)state;
	for (int i = 0; i < 2; i++) {
		const char *svc = i ? "worker" : "app";
		char *path = t_printf("%s/run/%s.pid", var, svc);
		p = fopen(path, "r");
		assert_non_null(p);
		assert_non_null(fgets(buf, sizeof(buf), p));
		fclose(p);
		buf[strcspn(buf, "\n")] = '\0';
		assert_no_core(buf);
		free(path);
		/* not dumpable either: the program reads it back from the kernel */
		assert_int_equal(t_sh("grep -q 'memory_protected=1' '%s/log/%s.log'", var, svc), 0);
	}
	/* the admin command, caught waiting for a password on stdin */
	pid = t_printf("sleep 5 | '%s/langflix' -c '%s' user passwd nobody-here >/dev/null 2>&1 & "
		       "echo $!", t_env("LF_BIN"), t_env("LF_CONFIG"));
	p = popen(pid, "r");
	free(pid);
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	pid = buf;
	assert_int_equal(t_sh("for i in $(seq 1 50); do readlink /proc/%s/exe | grep -q '/langflix$' && "
			      "grep -Eq '^Max core file size +0 +0 ' /proc/%s/limits && exit 0; sleep 0.1; "
			      "done; exit 1", pid, pid), 0);
	assert_no_core(pid);
	t_sh("kill %s 2>/dev/null", pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sso_user_gets_pages),
		cmocka_unit_test(sso_unknown_user_and_no_sso_session),
		cmocka_unit_test(sso_forged_basic_header_changes_nothing),
		cmocka_unit_test(sso_user_change_replaces_the_session),
		cmocka_unit_test(sso_user_change_applies_to_the_job_page_and_api),
		cmocka_unit_test(forwarded_proto_counts_only_from_a_trusted_proxy),
		cmocka_unit_test(forwarded_proto_ignored_without_trusted_proxies),
		cmocka_unit_test(forwarded_for_is_the_client_only_from_a_trusted_proxy),
		cmocka_unit_test(host_prefixed_cookies_over_https),
		cmocka_unit_test(app_pages_are_not_compressed),
		cmocka_unit_test(next_with_tab_or_encoded_slash_goes_home),
		cmocka_unit_test(password_change_ends_every_session),
		cmocka_unit_test(parallel_guesses_check_at_most_the_limit),
		cmocka_unit_test(attacker_elsewhere_cannot_lock_the_user_out),
		cmocka_unit_test(many_addresses_slow_the_name_but_not_its_owner),
		cmocka_unit_test(old_cost_hash_is_upgraded_at_sign_in),
		cmocka_unit_test(self_chosen_pre_session_cookie_is_refused),
		cmocka_unit_test(no_core_dumps_in_any_program),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
