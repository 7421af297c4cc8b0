/* Security tests of the whole site, from the outside: nginx + the app +
 * PostgreSQL + the TikTok emulator (tests/run.sh starts them).
 *
 *   csrf_on_every_post_route        every POST of the route table, refused
 *                                   without / with a foreign token, no effect
 *   oauth_login_csrf_and_replay     someone else's callback URL (code +
 *                                   state) opened in the victim's browser;
 *                                   a used callback URL replayed
 *   open_redirects_refused          login next=, GET /login?next=, the OAuth
 *                                   start's video=, a forged Host header
 *   xss_through_metadata_and_captions  sidecar fields, file name and the
 *                                   caption in dashboard, composer, job pages
 *   sql_injection_everywhere        query strings, form fields, path ids
 *   media_path_traversal            rows pointing outside the media root,
 *                                   a symlink out, encoded ../ through nginx
 *   oversized_bodies_refused        composer, webhook, a huge URL
 *   webhook_forgery_and_replay      unsigned, wrong key, altered body, stale,
 *                                   future, then a valid event replayed
 *   session_fixation                a valid foreign session planted before
 *                                   login, logout kills the token server-side
 *   secrets_absent_from_logs_and_pages  (last) client secret, secret key,
 *                                   access token, OAuth code, session cookies
 *                                   and passwords: in no log under
 *                                   $LF_VAR/log/ and in no page fetched here
 *
 * Covered elsewhere and not repeated: forged, expired and reused OAuth
 * states and a second browser of the same user (test_oauth.c), CSRF on the
 * login form and a planted unknown session cookie, the login body over the
 * limit (test_app.c), escaping of the caption on the job page
 * (test_composer.c markup_is_escaped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "tiktok_connect.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "buf.h"
#include "db.h"
#include "escape.h"
#include "tiktok_sig.h"
#include "util.h"

#define PASSWORD "security-test-password-9f3"
#define PROFILE  "security.public"

/* The POST routes of cgi-bin/dispatch.c's app_routes (which tests cannot
 * link). tests/cli/security_routes.sh fails when the two lists differ, so
 * a new POST route cannot skip the CSRF test below. */
static const char *const post_routes[] = {
	/* routes-begin */
	"/login",
	"/logout",
	"/videos/{id}/tiktok",
	"/jobs/{id}/retry",
	"/jobs/{id}/cancel",
	"/jobs/{id}/move",
	"/accounts/{id}/disconnect",
	"/settings",
	"/accounts/{id}/plan",
	"/plan",
	"/batch",
	"/webhooks/tiktok",
	/* routes-end */
};

static PGconn *dbc;
static int seq;
static struct buf pages = BUF_INIT;      /* every HTML body fetched here */
static char *secrets[64];                /* values that must never leak */
static int nsecrets;

static void remember_secret(const char *s)
{
	if (s && *s && nsecrets < (int)ARRAY_LEN(secrets))
		secrets[nsecrets++] = xstrdup(s);
}

static char *enc(const char *s)
{
	struct buf b = BUF_INIT;

	url_encode(&b, s);
	return buf_detach(&b);
}

/* ---- requests (HTML bodies are kept for the secrets check) ---- */

static void keep_page(const struct tresp *r)
{
	const char *ct = tresp_header(r, "Content-Type");

	if (ct && strstr(ct, "text/html"))
		buf_append(&pages, r->body.data, r->body.len);
}

static void get(struct tclient *c, const char *path, struct tresp *r)
{
	assert_int_equal(tc_get(c, path, r), 0);
	keep_page(r);
}

static void post(struct tclient *c, const char *path, const char *form, struct tresp *r)
{
	assert_int_equal(tc_post_form(c, path, form, r), 0);
	keep_page(r);
}

/* ---- actors ---- */

struct actor {
	char name[64];
	char id[24];
	char account[24];
	char session[80];            /* the lf_session cookie after login */
	struct tclient *c;
};

static char *csrf_of(struct tclient *c, const char *path)
{
	struct tresp r;
	char *csrf;

	get(c, path, &r);
	assert_int_equal(r.status, 200);
	csrf = tc_extract_csrf(r.body.data);
	assert_non_null(csrf);
	tresp_free(&r);
	return csrf;
}

static void login_as(struct tclient *c, const char *name)
{
	struct tresp r;
	char *csrf = csrf_of(c, "/login"), *body, *cookie;

	body = t_printf("csrf=%s&name=%s&password=" PASSWORD "&next=%%2F", csrf, name);
	post(c, "/login", body, &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	cookie = tc_cookie(c, "lf_session");
	assert_non_null(cookie);
	remember_secret(cookie);
	free(cookie);
	free(body);
	free(csrf);
}

static void user_new(struct actor *a)
{
	char *id;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "sec%d_%d", (int)getpid(), ++seq);
	assert_int_equal(t_user_add(a->name, PASSWORD), 0);
	id = t_db_value(dbc, "SELECT id FROM users WHERE name = $1", 1, (const char *[]){ a->name });
	assert_non_null(id);
	snprintf(a->id, sizeof(a->id), "%s", id);
	free(id);
	a->c = tc_new();
	login_as(a->c, a->name);
	{
		char *cookie = tc_cookie(a->c, "lf_session");
		snprintf(a->session, sizeof(a->session), "%s", cookie);
		free(cookie);
	}
}

/* Our start → the emulator's consent form, authorized for PROFILE → the
 * callback URL (path + query, malloc'd), not yet opened. */
static char *consent_url(struct actor *a)
{
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	struct buf b = BUF_INIT;
	struct tresp r;
	const char *loc, *q;
	char *cb;

	get(a->c, "/auth/tiktok/start", &r);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	q = strchr(loc, '?');
	assert_non_null(q);
	buf_puts(&b, q + 1);
	buf_puts(&b, "&decision=authorize&emulator_account=" PROFILE);
	tresp_free(&r);
	assert_int_equal(tc_post_form(emu, "/v2/auth/authorize/decide", buf_cstr(&b), &r), 0);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	cb = xstrdup(strstr(loc, "/auth/tiktok/callback"));
	/* the code, as it travels (percent-encoded) and decoded */
	{
		const char *c = strstr(cb, "code="), *e;
		char *raw;
		assert_non_null(c);
		c += 5;
		e = c + strcspn(c, "&");
		raw = xstrndup(c, (size_t)(e - c));
		remember_secret(raw);
		url_decode(raw, strlen(raw), 0);
		remember_secret(raw);
		free(raw);
	}
	tresp_free(&r);
	tc_free(emu);
	buf_free(&b);
	return cb;
}

/* A user with PROFILE connected through the app's own flow. */
static void actor_new(struct actor *a)
{
	struct tresp r;
	char *cb, *id;

	user_new(a);
	cb = consent_url(a);
	get(a->c, cb, &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(cb);
	id = t_db_value(dbc, "SELECT max(id) FROM tiktok_accounts WHERE user_id = $1 AND status = 'connected'", 1,
		 (const char *[]){ a->id });
	assert_non_null(id);
	snprintf(a->account, sizeof(a->account), "%s", id);
	free(id);
}

static void actor_free(struct actor *a)
{
	tc_free(a->c);
}

/* A video row with a small real file under the media root. */
static long long video_new(const char *title)
{
	char rel[128], *path, *id;
	FILE *f;
	long long v;

	snprintf(rel, sizeof(rel), "security-test/%d-%d.mp4", (int)getpid(), ++seq);
	assert_int_equal(t_sh("mkdir -p '%s/security-test'", t_env("LF_MEDIA")), 0);
	path = t_printf("%s/%s", t_env("LF_MEDIA"), rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc(i & 0xff, f);
	fclose(f);
	free(path);
	id = t_db_value(dbc, "INSERT INTO videos (path, size_bytes, mtime, title, duration_ms, width, height, fps,"
		 " video_codec, container, ready) VALUES ($1, 4096, 0, $2, 30000, 720, 1280, 30, 'h264',"
		 " 'mp4', true) RETURNING id", 2, (const char *[]){ rel, title });
	assert_non_null(id);
	v = atoll(id);
	free(id);
	return v;
}

/* A job row the worker leaves alone (due tomorrow). */
static long long job_new(const struct actor *a, long long video, const char *state, const char *publish_id)
{
	return t_job(&(struct job_fixture){ .user_id = atoll(a->id), .video_id = video,
					    .account_id = atoll(a->account), .state = state,
					    .privacy_level = "SELF_ONLY", .publish_id = publish_id,
					    .run_in_sec = 86400 });
}

/* The composer's hidden fields, read once from its page. */
struct cform {
	char *csrf, *submission_id, *account;
};

static void cform_get(struct actor *a, long long video, struct cform *f)
{
	char path[64];
	const char *p;
	struct tresp r;

	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	get(a->c, path, &r);
	assert_int_equal(r.status, 200);
	f->csrf = tc_extract_csrf(r.body.data);
	assert_non_null(f->csrf);
	p = strstr(r.body.data, "name=\"submission_id\" value=\"");
	if (!p)
		fail_msg("no submission_id in the composer (TikTok's limit reached?)");
	p += strlen("name=\"submission_id\" value=\"");
	f->submission_id = xstrndup(p, strcspn(p, "\""));
	f->account = xstrdup(a->account);
	tresp_free(&r);
}

static void cform_free(struct cform *f)
{
	free(f->csrf);
	free(f->submission_id);
	free(f->account);
}

/* A whole valid form (Only me, direct, title "x") where `field` (may be
 * NULL) carries `value` (already encoded) instead. malloc'd. */
static char *cform_body(const struct cform *f, const char *field, const char *value)
{
	const char *names[] = { "csrf", "submission_id", "account", "mode", "privacy", "title" };
	const char *vals[] = { f->csrf, f->submission_id, f->account, "direct", "SELF_ONLY", "x" };
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		buf_printf(&b, "%s%s=%s", i ? "&" : "", names[i],
			   field && !strcmp(field, names[i]) ? value : vals[i]);
	if (field && !strcmp(field, "cover_ms"))
		buf_printf(&b, "&cover_ms=%s", value);
	return buf_detach(&b);
}

/* ---- CSRF ---- */

static void csrf_on_every_post_route(void **state)
{
	struct actor a, b;
	long long video = video_new("CSRF clip"), failed_job, queued_job, jobs_before;
	char *foreign, *own, path[96], sv[24], sfj[24], sqj[24];
	struct tresp r;

	(void)state;
	actor_new(&a);
	user_new(&b);
	failed_job = job_new(&a, video, "failed", NULL);
	queued_job = job_new(&a, video, "queued", NULL);
	snprintf(sv, sizeof(sv), "%lld", video);
	snprintf(sfj, sizeof(sfj), "%lld", failed_job);
	snprintf(sqj, sizeof(sqj), "%lld", queued_job);
	foreign = csrf_of(b.c, "/");           /* a valid token, of another session */
	own = csrf_of(a.c, "/");
	assert_string_not_equal(foreign, own);
	jobs_before = t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ a.id });

	for (size_t i = 0; i < ARRAY_LEN(post_routes); i++) {
		const char *route = post_routes[i], *brace = strstr(route, "{id}");
		const char *id = !strncmp(route, "/videos/", 8) ? sv
			       : strstr(route, "retry")       ? sfj
			       : !strncmp(route, "/jobs/", 6)   ? sqj
							       : a.account;
		const char *tokens[] = { NULL, "", "0000000000000000000000000000000000000000000000000000000000000000",
					 foreign };

		if (brace)
			snprintf(path, sizeof(path), "%.*s%s%s", (int)(brace - route), route, id, brace + 4);
		else
			snprintf(path, sizeof(path), "%s", route);
		for (size_t t = 0; t < ARRAY_LEN(tokens); t++) {
			char *body = tokens[t] ? t_printf("csrf=%s&name=%s&password=" PASSWORD
							 "&mode=direct&privacy=SELF_ONLY&title=x&account=%s",
							 tokens[t], a.name, a.account)
					       : t_printf("name=%s&password=" PASSWORD "&mode=direct&privacy=SELF_ONLY"
							 "&title=x&account=%s", a.name, a.account);
			post(a.c, path, body, &r);
			if (!strcmp(route, "/webhooks/tiktok")) {
				/* no CSRF token here: the TikTok-Signature is the check */
				if (r.status != 400)
					fail_msg("POST %s without a signature: %ld", path, r.status);
			} else if (r.status != 403) {
				fail_msg("POST %s with token #%zu answered %ld, not 403", path, t, r.status);
			}
			tresp_free(&r);
			free(body);
		}
	}
	/* nothing happened: same session, same jobs, account still connected */
	get(a.c, "/", &r);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, a.name);
	tresp_free(&r);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ a.id }),
			 jobs_before);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'queued'", 1,
			     (const char *[]){ sqj }), 1);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND status = 'connected'", 1,
			     (const char *[]){ a.account }), 1);
	/* and the real token works (the refusals above were about the token) */
	{
		char *body = t_printf("csrf=%s", own);
		snprintf(path, sizeof(path), "/jobs/%lld/cancel", queued_job);
		post(a.c, path, body, &r);
		assert_int_equal(r.status, 303);
		tresp_free(&r);
		free(body);
		assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'cancelled'", 1,
				     (const char *[]){ sqj }), 1);
	}
	free(foreign);
	free(own);
	actor_free(&a);
	actor_free(&b);
}

/* ---- OAuth: login CSRF on the callback, replay ---- */

static void oauth_login_csrf_and_replay(void **state)
{
	struct actor attacker, victim;
	struct tresp r;
	char *cb;

	(void)state;
	user_new(&attacker);
	user_new(&victim);
	/* the attacker consents with their TikTok account and, instead of
	 * opening the callback, makes the victim's browser open it */
	cb = consent_url(&attacker);
	get(victim.c, cb, &r);
	assert_int_equal(r.status, 403);
	assert_null(tresp_header(&r, "Location"));
	tresp_free(&r);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
			     (const char *[]){ victim.id }), 0);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
			     (const char *[]){ attacker.id }), 0);
	/* the state was burnt by that attempt: the attacker cannot use it either */
	get(attacker.c, cb, &r);
	assert_true(r.status >= 400 && r.status < 500);
	tresp_free(&r);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
			     (const char *[]){ attacker.id }), 0);
	free(cb);

	/* a completed callback URL replayed, in the same and in another session */
	cb = consent_url(&attacker);
	get(attacker.c, cb, &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
			     (const char *[]){ attacker.id }), 1);
	get(attacker.c, cb, &r);
	assert_true(r.status >= 400 && r.status < 500);
	tresp_free(&r);
	get(victim.c, cb, &r);
	assert_true(r.status >= 400 && r.status < 500);
	tresp_free(&r);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
			     (const char *[]){ victim.id }), 0);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
			     (const char *[]){ attacker.id }), 1);
	free(cb);
	actor_free(&attacker);
	actor_free(&victim);
}

/* ---- open redirects ---- */

static void assert_local_location(const struct tresp *r, const char *what)
{
	const char *loc = tresp_header(r, "Location");

	if (r->status != 303 && r->status != 302)
		fail_msg("%s: status %ld, expected a redirect", what, r->status);
	if (!loc || loc[0] != '/' || loc[1] == '/' || loc[1] == '\\')
		fail_msg("%s: redirected off-site to \"%s\"", what, loc ? loc : "(none)");
	for (const char *p = loc; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			fail_msg("%s: control character or backslash in Location \"%s\"", what, loc);
}

static void open_redirects_refused(void **state)
{
	static const char *const targets[] = {
		"//evil.example/", "https://evil.example/", "http:evil.example", "/\\evil.example",
		"\\\\evil.example", "\\/evil.example", "javascript:alert(1)", " //evil.example",
		"\t//evil.example", "///evil.example", "/ok\r\nLocation: https://evil.example/",
		"%2F%2Fevil.example", "//evil.example@127.0.0.1/", "https:/\\evil.example",
		"data:text/html,<script>alert(1)</script>",
	};
	struct actor a;
	struct tresp r;
	char *csrf, *body, *e, *path;
	long long video = video_new("Redirect clip");

	(void)state;
	user_new(&a);
	for (size_t i = 0; i < ARRAY_LEN(targets); i++) {
		struct tclient *c = tc_new();
		e = enc(targets[i]);
		/* the login form's next= */
		csrf = csrf_of(c, "/login");
		body = t_printf("csrf=%s&name=%s&password=" PASSWORD "&next=%s", csrf, a.name, e);
		post(c, "/login", body, &r);
		assert_local_location(&r, targets[i]);
		tresp_free(&r);
		/* GET /login?next= when already signed in */
		path = t_printf("/login?next=%s", e);
		get(c, path, &r);
		assert_local_location(&r, targets[i]);
		tresp_free(&r);
		free(path);
		/* the OAuth start's video= is a number or nothing */
		path = t_printf("/auth/tiktok/start?video=%s", e);
		get(c, path, &r);
		if (r.status < 400 || r.status >= 500)
			fail_msg("%s: %ld", path, r.status);
		assert_null(tresp_header(&r, "Location"));
		tresp_free(&r);
		free(path);
		free(body);
		free(csrf);
		free(e);
		tc_free(c);
	}
	/* the way to TikTok goes to the configured authorize URL with the
	 * registered redirect_uri, whatever Host or X-Forwarded-Host says */
	{
		char *cookie = t_printf("Cookie: lf_session=%s", a.session);
		const char *hdrs[] = { "Host: evil.example", "X-Forwarded-Host: evil.example",
				       "X-Forwarded-Proto: https", cookie, NULL };
		char *start = t_printf("/auth/tiktok/start?video=%lld", video);
		const char *loc;
		assert_int_equal(tc_request(a.c, "GET", start, hdrs, NULL, 0, &r), 0);
		if (r.status == 302) {
			loc = tresp_header(&r, "Location");
			assert_non_null(loc);
			assert_int_equal(strncmp(loc, t_env("LF_EMU_URL"), strlen(t_env("LF_EMU_URL"))), 0);
			t_lacks(loc, "evil.example");
		} else {
			/* nginx may refuse an unknown Host outright; that is fine too */
			if (r.status < 400 || r.status >= 500)
				fail_msg("start with a forged Host: %ld %s", r.status, tresp_header(&r, "Location"));
		}
		tresp_free(&r);
		free(start);
		free(cookie);
	}
	actor_free(&a);
}

/* ---- XSS ---- */

#define XSS_SCRIPT  "<script>alert(1)</script>"
#define XSS_IMG     "\"><img src=x onerror=alert(2)>"
#define XSS_ATTR    "' onmouseover='alert(3)"
#define XSS_JS      "javascript:alert(4)"
#define XSS_TEXTA   "</textarea><svg onload=alert(5)>"

/* No payload made it out unescaped. */
static void assert_no_markup(const char *html, const char *where)
{
	static const char *const bad[] = {
		"<script>alert", "<img src=x", "onerror=alert", "onmouseover='alert", "onmouseover=",
		"<svg onload", "</textarea><svg", "href=\"javascript:", "src=\"javascript:",
	};

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (strstr(html, bad[i]))
			fail_msg("%s: unescaped \"%s\" in the page", where, bad[i]);
}

static void xss_through_metadata_and_captions(void **state)
{
	struct actor a;
	struct tresp r;
	char tag[32], *dir, *sidecar, *q, *path, *body, *caption_enc, *vid;
	struct cform cf;
	long long video, job;
	FILE *f;

	(void)state;
	actor_new(&a);
	snprintf(tag, sizeof(tag), "xss%d", (int)getpid());
	/* a real short video, a hostile file name and a hostile sidecar */
	dir = t_printf("%s/%s", t_env("LF_MEDIA"), tag);
	assert_int_equal(t_sh("mkdir -p '%s' && ffmpeg -loglevel error -y -f lavfi -i "
			      "testsrc2=size=720x1280:rate=30 -t 1 -c:v libx264 -preset ultrafast "
			      "-pix_fmt yuv420p '%s/clip.mp4' && mv '%s/clip.mp4' '%s/'\\''x\"><svg onload=alert(6)>.mp4'",
			      dir, dir, dir, dir), 0);
	sidecar = t_printf("%s/'x\"><svg onload=alert(6)>.mp4.meta.json", dir);
	f = fopen(sidecar, "w");
	assert_non_null(f);
	fprintf(f, "{\"title\": \"%s %s %s\", \"title_translation\": \"%s%s\","
		   " \"expression\": \"%s\", \"expression_translation\": \"%s\","
		   " \"catchy_keywords\": [\"%s\", \"%s\", \"%s\"], \"language\": \"es\","
		   " \"learn_language\": \"en\", \"show_name\": \"%s\", \"episode\": \"%s\"}",
		tag, XSS_SCRIPT, "\\\"><img src=x onerror=alert(2)>", XSS_TEXTA, "\\\"><img src=x onerror=alert(2)>",
		XSS_ATTR, XSS_JS, XSS_SCRIPT, XSS_JS, XSS_TEXTA, "\\\"><img src=x onerror=alert(2)>", XSS_ATTR);
	fclose(f);
	assert_int_equal(t_sh("%s/langflix -c %s import '%s' >/dev/null", t_env("LF_BIN"), t_env("LF_CONFIG"), dir), 0);
	vid = t_db_value(dbc, "SELECT id FROM videos WHERE title LIKE $1 || '%'", 1, (const char *[]){ tag });
	assert_non_null(vid);
	video = atoll(vid);

	/* the dashboard */
	q = t_printf("/?q=%s", tag);
	get(a.c, q, &r);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "&lt;script&gt;alert(1)&lt;/script&gt;");   /* it is on the page */
	assert_no_markup(r.body.data, "dashboard");
	tresp_free(&r);
	free(q);
	/* the composer, with its prefilled caption inside a textarea */
	path = t_printf("/videos/%lld/tiktok", video);
	get(a.c, path, &r);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "&lt;/textarea&gt;");
	assert_no_markup(r.body.data, "composer");
	tresp_free(&r);
	/* a caption of our own, posted, then on the job page and the list */
	cform_get(&a, video, &cf);
	caption_enc = enc(XSS_TEXTA XSS_IMG XSS_SCRIPT XSS_ATTR);
	body = cform_body(&cf, "title", caption_enc);
	post(a.c, path, body, &r);
	assert_int_equal(r.status, 303);
	job = atoll(tresp_header(&r, "Location") + strlen("/jobs/"));
	assert_true(job > 0);
	tresp_free(&r);
	free(path);
	path = t_printf("/jobs/%lld", job);
	get(a.c, path, &r);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "&lt;/textarea&gt;&lt;svg onload");
	assert_no_markup(r.body.data, "job page");
	tresp_free(&r);
	free(path);
	get(a.c, "/jobs", &r);
	assert_int_equal(r.status, 200);
	assert_no_markup(r.body.data, "job list");
	tresp_free(&r);
	/* the JSON the progress bar reads is JSON, never sniffed as HTML */
	path = t_printf("/api/jobs/%lld", job);
	get(a.c, path, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(tresp_header(&r, "Content-Type"), "application/json"));
	assert_string_equal(tresp_header(&r, "X-Content-Type-Options"), "nosniff");
	{
		struct json_object *o = json_tokener_parse(r.body.data);
		assert_non_null(o);
		json_object_put(o);
	}
	tresp_free(&r);
	free(path);
	/* an error page that repeats what was asked for */
	get(a.c, "/%3Cscript%3Ealert(1)%3C/script%3E", &r);
	assert_int_equal(r.status, 404);
	assert_no_markup(r.body.data, "404 page");
	tresp_free(&r);
	free(caption_enc);
	free(body);
	cform_free(&cf);
	free(sidecar);
	free(dir);
	free(vid);
	actor_free(&a);
}

/* ---- SQL injection ---- */

static const char *const sqli[] = {
	"' OR 1=1 --", "1 OR 1=1", "1; DROP TABLE users; --", "1'", "' OR '1'='1", "\\",
	"$1", "') OR ('1'='1", "1 UNION SELECT name FROM users--", "%", "_", "-1", "0x1",
	"99999999999999999999999", "1e3",
};

static void assert_no_server_error(const struct tresp *r, const char *what)
{
	if (r->status >= 500)
		fail_msg("%s: HTTP %ld", what, r->status);
	if (strstr(r->body.data, "syntax error") || strstr(r->body.data, "SQLSTATE") ||
	    strstr(r->body.data, "ERROR:") || strstr(r->body.data, "pg_"))
		fail_msg("%s: a database message in the answer", what);
}

static void sql_injection_everywhere(void **state)
{
	static const char *const gets[] = {
		"/?q=%s", "/?filter=%s", "/?page=%s", "/?filter=ready&q=%s&page=%s", "/jobs?state=%s",
		"/jobs?page=%s", "/jobs/%s", "/api/jobs/%s", "/videos/%s/tiktok", "/videos/%s/file",
		"/videos/1/tiktok?account_id=%s", "/auth/tiktok/start?video=%s",
		"/auth/tiktok/callback?state=%s&code=%s", "/auth/tiktok/callback?error=%s&state=%s",
		"/login?next=%s",
	};
	static const char *const posts[] = { "/jobs/%s/retry", "/jobs/%s/cancel", "/accounts/%s/disconnect" };
	static const char *const fields[] = { "privacy", "account", "submission_id", "mode", "cover_ms" };
	struct actor a, b;
	struct tresp r;
	long long video = video_new("Injection clip"), users, videos, jobs;
	char *csrf, *path, *body, *e, *vpath = t_printf("/videos/%lld/tiktok", video);
	struct cform cf;

	(void)state;
	actor_new(&a);
	actor_new(&b);          /* the composer's: creator_info is limited to 20 a minute */
	users = t_db_num(dbc, "SELECT count(*) FROM users", 0, NULL);
	videos = t_db_num(dbc, "SELECT count(*) FROM videos", 0, NULL);
	jobs = t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ a.id });
	csrf = csrf_of(a.c, "/");
	cform_get(&b, video, &cf);
	for (size_t i = 0; i < ARRAY_LEN(sqli); i++) {
		e = enc(sqli[i]);
		for (size_t g = 0; g < ARRAY_LEN(gets); g++) {
			path = t_printf(gets[g], e, e);
			get(a.c, path, &r);
			assert_no_server_error(&r, path);
			/* a number-shaped id that is not a number finds nothing */
			if (!strncmp(gets[g], "/api/jobs/", 10) || !strncmp(gets[g], "/jobs/%s", 8))
				assert_true(r.status == 404 || r.status == 400);
			tresp_free(&r);
			free(path);
		}
		/* a search for the payload finds nothing (no OR 1=1 widening) */
		path = t_printf("/?q=%s", e);
		get(a.c, path, &r);
		if (strcmp(sqli[i], "_") && strcmp(sqli[i], "-1") && strcmp(sqli[i], "1'") &&
		    strcmp(sqli[i], "1e3") && strcmp(sqli[i], "0x1"))
			t_contains(r.body.data, "No video matches");
		tresp_free(&r);
		free(path);
		for (size_t p = 0; p < ARRAY_LEN(posts); p++) {
			path = t_printf(posts[p], e);
			body = t_printf("csrf=%s", csrf);
			post(a.c, path, body, &r);
			assert_no_server_error(&r, path);
			assert_true(r.status == 404 || r.status == 400);
			tresp_free(&r);
			free(path);
			free(body);
		}
		/* the composer's fields, one at a time, the rest valid (each
		 * POST asks TikTok's creator_info: three payloads keep b under
		 * TikTok's 20 a minute) */
		for (size_t fi = 0; i < 3 && fi < ARRAY_LEN(fields); fi++) {
			body = cform_body(&cf, fields[fi], e);
			post(b.c, vpath, body, &r);
			assert_no_server_error(&r, fields[fi]);
			if (r.status < 400)
				fail_msg("composer %s=%s: %ld %s", fields[fi], sqli[i], r.status,
					 tresp_header(&r, "Location"));
			tresp_free(&r);
			free(body);
		}
		free(e);
	}
	/* sign-in: name and password. Two failures only: failures count per
	 * address too (4 x login_max_failures a window), and later tests of
	 * the run sign in from the same address. */
	{
		struct tclient *anon = tc_new();
		char *lc = csrf_of(anon, "/login"), *e1 = enc(sqli[0]), *e2 = enc(sqli[4]);
		body = t_printf("csrf=%s&name=%s&password=%s", lc, e1, e1);
		post(anon, "/login", body, &r);
		assert_no_server_error(&r, "login");
		assert_int_equal(r.status, 401);
		tresp_free(&r);
		free(body);
		body = t_printf("csrf=%s&name=%s&password=%s", lc, a.name, e2);
		post(anon, "/login", body, &r);
		assert_int_equal(r.status, 401);
		assert_null(tc_cookie(anon, "lf_session"));
		tresp_free(&r);
		free(body);
		free(lc);
		free(e1);
		free(e2);
		tc_free(anon);
	}
	/* a caption is text: stored exactly as typed */
	{
		char *jid;
		e = enc(sqli[0]);
		body = cform_body(&cf, "title", e);
		post(b.c, vpath, body, &r);
		assert_int_equal(r.status, 303);
		jid = xstrdup(tresp_header(&r, "Location") + strlen("/jobs/"));
		tresp_free(&r);
		char *title = t_db_value(dbc, "SELECT title FROM upload_jobs WHERE id = $1", 1, (const char *[]){ jid });
		assert_string_equal(title, sqli[0]);
		free(title);
		free(jid);
		free(body);
		free(e);
	}
	/* the database is intact and nothing was added or removed */
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM users", 0, NULL), users);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM videos", 0, NULL), videos);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ a.id }),
			 jobs);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ b.id }), 1);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN"
			     " ('users', 'sessions', 'videos', 'upload_jobs', 'tiktok_accounts')", 0, NULL), 5);
	get(a.c, "/", &r);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	free(csrf);
	free(vpath);
	cform_free(&cf);
	actor_free(&a);
	actor_free(&b);
}

/* ---- media path traversal ---- */

static void media_path_traversal(void **state)
{
	static const char *const rows[] = {
		"../../../../../../etc/passwd", "/etc/passwd", "security-test/../../../../../../etc/passwd",
		"security-test/link-out/passwd", "security-test/passwd-link", "..", "", "security-test",
	};
	static const char *const urls[] = {
		"/_media/../../../../etc/passwd", "/_media/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/_media/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/../../../../etc/passwd",
		"/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
		"/videos/1/file/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
		"/static/%252e%252e/%252e%252e/etc/passwd", "/_media/security-test/passwd-link",
		"/_media/security-test/",
	};
	struct actor a;
	struct tresp r;
	char *path;

	(void)state;
	user_new(&a);
	assert_int_equal(t_sh("mkdir -p '%s/security-test' && ln -sfn /etc '%s/security-test/link-out' &&"
			      " ln -sf /etc/passwd '%s/security-test/passwd-link'",
			      t_env("LF_MEDIA"), t_env("LF_MEDIA"), t_env("LF_MEDIA")), 0);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char *id = t_db_value(dbc, "INSERT INTO videos (path, size_bytes, mtime, title, ready) VALUES"
			       " ($1, 100, 0, 'traversal', true) RETURNING id", 1, (const char *[]){ rows[i] });
		assert_non_null(id);
		path = t_printf("/videos/%s/file", id);
		get(a.c, path, &r);
		/* every one of them, the folder inside the media root too, is the app's 404 */
		if (r.status != 404)
			fail_msg("a video row with path \"%s\": %ld, not 404", rows[i], r.status);
		t_lacks(r.body.data, "root:x:0:0");
		tresp_free(&r);
		free(path);
		free(id);
	}
	for (size_t i = 0; i < ARRAY_LEN(urls); i++) {
		/* libcurl would squash the dots itself: send the path as written */
		char *out = t_printf("%s/security-raw.out", t_env("LF_VAR"));
		char *codefile = t_printf("%s/security-raw.code", t_env("LF_VAR"));
		char code[8] = "";
		FILE *cf;
		long status;
		assert_int_equal(t_sh("curl -s --path-as-is -o '%s' -w '%%{http_code}' -b 'lf_session=%s' '%s%s' >'%s'",
				      out, a.session, t_env("LF_BASE_URL"), urls[i], codefile), 0);
		cf = fopen(codefile, "r");
		assert_non_null(cf);
		assert_non_null(fgets(code, sizeof(code), cf));
		fclose(cf);
		status = atol(code);
		if (t_sh("grep -q 'root:x:0:0' '%s'", out) == 0)
			fail_msg("%s served /etc/passwd", urls[i]);
		if (status != 404 && status != 400 && status != 403)
			fail_msg("%s: %ld", urls[i], status);
		t_sh("rm -f '%s' '%s'", out, codefile);
		free(out);
		free(codefile);
	}
	free(t_db_value(dbc, "DELETE FROM videos WHERE title = 'traversal' RETURNING 1", 0, NULL));
	t_sh("rm -f '%s/security-test/link-out' '%s/security-test/passwd-link'", t_env("LF_MEDIA"), t_env("LF_MEDIA"));
	actor_free(&a);
}

/* ---- oversized bodies ---- */

static void oversized_bodies_refused(void **state)
{
	struct actor a;
	struct tresp r;
	long long video = video_new("Big body clip");
	size_t n = 2 * 1024 * 1024;
	char *big = malloc(n + 1), *csrf, *path;

	(void)state;
	user_new(&a);
	csrf = csrf_of(a.c, "/");
	snprintf(big, n, "csrf=%s&title=", csrf);
	memset(big + strlen(big), 'a', n - strlen(big));
	big[n] = '\0';
	path = t_printf("/videos/%lld/tiktok", video);
	post(a.c, path, big, &r);
	assert_int_equal(r.status, 413);
	tresp_free(&r);
	free(path);
	post(a.c, "/jobs/1/retry", big, &r);
	assert_int_equal(r.status, 413);
	tresp_free(&r);
	/* the webhook reads at most 64 KiB */
	big[100 * 1024] = '\0';
	assert_int_equal(tc_request(a.c, "POST", "/webhooks/tiktok",
				    (const char *[]){ "Content-Type: application/json",
						      "TikTok-Signature: t=1,s=00", NULL },
				    big, strlen(big), &r), 0);
	assert_int_equal(r.status, 413);
	tresp_free(&r);
	/* a URL far over any header buffer: refused by nginx, not a 5xx */
	memcpy(big, "/?q=", 4);
	get(a.c, big, &r);
	assert_true(r.status >= 400 && r.status < 500);
	tresp_free(&r);
	/* the session survived all that */
	get(a.c, "/", &r);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	free(big);
	free(csrf);
	actor_free(&a);
}

/* ---- webhooks ---- */

static void webhook_post(struct tclient *c, const char *sig, const char *body, struct tresp *r)
{
	char *h = sig ? t_printf("TikTok-Signature: %s", sig) : NULL;
	const char *hdrs[] = { "Content-Type: application/json", h ? h : "X-None: 1", NULL };

	assert_int_equal(tc_request(c, "POST", "/webhooks/tiktok", hdrs, body, strlen(body), r), 0);
	free(h);
}

static void webhook_forgery_and_replay(void **state)
{
	const char *secret = tconn_config()->tiktok_client_secret;
	struct actor a;
	struct tresp r;
	char publish_id[64], sig[128], *body, sjob[24], *jstate;
	long long video = video_new("Webhook clip"), job, events;
	int64_t now = (int64_t)time(NULL);
	struct tclient *tk = tc_new();

	(void)state;
	actor_new(&a);
	snprintf(publish_id, sizeof(publish_id), "v_pub_file~v2-sec.%d.%d", (int)getpid(), ++seq);
	job = job_new(&a, video, "processing", publish_id);
	snprintf(sjob, sizeof(sjob), "%lld", job);
	body = t_printf("{\"client_key\":\"%s\",\"event\":\"post.publish.complete\",\"create_time\":%lld,"
		       "\"user_openid\":\"x\",\"content\":\"{\\\"publish_id\\\":\\\"%s\\\","
		       "\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"}",
		       tconn_config()->tiktok_client_key, (long long)now, publish_id);
	events = t_db_num(dbc, "SELECT count(*) FROM webhook_events WHERE publish_id = $1", 1, (const char *[]){ publish_id });

	/* no signature, a malformed one */
	webhook_post(tk, NULL, body, &r);
	assert_int_equal(r.status, 400);
	tresp_free(&r);
	webhook_post(tk, "t=abc,s=zz", body, &r);
	assert_true(r.status == 400 || r.status == 401);
	tresp_free(&r);
	/* signed with another key */
	tiktok_signature_header("not-the-client-secret", now, body, strlen(body), sig, sizeof(sig));
	webhook_post(tk, sig, body, &r);
	assert_int_equal(r.status, 401);
	tresp_free(&r);
	/* signed correctly, then the body changed on the way */
	tiktok_signature_header(secret, now, body, strlen(body), sig, sizeof(sig));
	{
		char *altered = xstrdup(body);
		char *p = strstr(altered, "complete");
		memcpy(p, "COMPLETE", 8);
		webhook_post(tk, sig, altered, &r);
		assert_int_equal(r.status, 401);
		tresp_free(&r);
		free(altered);
	}
	/* a captured delivery replayed an hour later, and one from the future */
	tiktok_signature_header(secret, now - 3600, body, strlen(body), sig, sizeof(sig));
	webhook_post(tk, sig, body, &r);
	assert_int_equal(r.status, 401);
	tresp_free(&r);
	tiktok_signature_header(secret, now + 3600, body, strlen(body), sig, sizeof(sig));
	webhook_post(tk, sig, body, &r);
	assert_int_equal(r.status, 401);
	tresp_free(&r);
	/* none of that touched the job or stored anything */
	jstate = t_db_value(dbc, "SELECT state FROM upload_jobs WHERE id = $1", 1, (const char *[]){ sjob });
	assert_string_equal(jstate, "processing");
	free(jstate);
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM webhook_events WHERE publish_id = $1", 1,
			     (const char *[]){ publish_id }), events);

	/* the genuine delivery applies once; replaying it changes nothing */
	tiktok_signature_header(secret, now, body, strlen(body), sig, sizeof(sig));
	webhook_post(tk, sig, body, &r);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	jstate = t_db_value(dbc, "SELECT state FROM upload_jobs WHERE id = $1", 1, (const char *[]){ sjob });
	assert_string_equal(jstate, "published");
	free(jstate);
	{
		long long job_events = t_db_num(dbc, "SELECT count(*) FROM job_events WHERE job_id = $1", 1,
					   (const char *[]){ sjob });
		for (int i = 0; i < 3; i++) {
			webhook_post(tk, sig, body, &r);
			assert_int_equal(r.status, 200);
			t_contains(r.body.data, "duplicate");
			tresp_free(&r);
		}
		assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM job_events WHERE job_id = $1", 1,
				     (const char *[]){ sjob }), job_events);
	}
	assert_int_equal(t_db_num(dbc, "SELECT count(*) FROM webhook_events WHERE publish_id = $1", 1,
			     (const char *[]){ publish_id }), events + 1);
	free(body);
	tc_free(tk);
	actor_free(&a);
}

/* ---- sessions ---- */

static void session_fixation(void **state)
{
	struct actor attacker, victim;
	struct tresp r;
	char *planted, *after, *old;

	(void)state;
	user_new(&attacker);
	user_new(&victim);
	tc_free(victim.c);
	victim.c = tc_new();
	/* the attacker's own valid session cookie, planted in the victim's browser */
	planted = tc_cookie(attacker.c, "lf_session");
	assert_non_null(planted);
	{
		char *kv = t_printf("lf_session=%s", planted);
		tc_set_cookie(victim.c, kv);
		free(kv);
	}
	/* the browser now acts as the attacker (a cookie set by a sibling host
	 * cannot be told apart); the victim signs in as themselves */
	{
		char *csrf = csrf_of(victim.c, "/"), *body;
		body = t_printf("csrf=%s&name=%s&password=" PASSWORD "&next=%%2F", csrf, victim.name);
		post(victim.c, "/login", body, &r);
		assert_int_equal(r.status, 303);
		tresp_free(&r);
		free(body);
		free(csrf);
	}
	after = tc_cookie(victim.c, "lf_session");
	assert_non_null(after);
	assert_string_not_equal(after, planted);
	get(victim.c, "/", &r);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, victim.name);
	tresp_free(&r);
	/* the planted token never opens the victim's session: it is gone */
	get(attacker.c, "/", &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);

	/* logout ends the session on the server, not only in the browser */
	old = tc_cookie(victim.c, "lf_session");
	{
		char *csrf = csrf_of(victim.c, "/"), *body = t_printf("csrf=%s", csrf);
		post(victim.c, "/logout", body, &r);
		assert_int_equal(r.status, 303);
		tresp_free(&r);
		free(body);
		free(csrf);
	}
	{
		struct tclient *thief = tc_new();
		char *kv = t_printf("lf_session=%s", old);
		tc_set_cookie(thief, kv);
		get(thief, "/", &r);
		assert_int_equal(r.status, 303);
		t_contains(tresp_header(&r, "Location"), "/login");
		tresp_free(&r);
		free(kv);
		tc_free(thief);
	}
	free(planted);
	free(after);
	free(old);
	actor_free(&attacker);
	actor_free(&victim);
}

/* ---- secrets (runs last: it checks what every test above produced) ---- */

static char *config_value(const char *key)
{
	FILE *f = fopen(t_env("LF_CONFIG"), "r");
	char line[1024], *v = NULL;
	size_t kl = strlen(key);

	assert_non_null(f);
	while (!v && fgets(line, sizeof(line), f)) {
		char *p = line;
		if (strncmp(p, key, kl) != 0)
			continue;
		p += kl;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\r\n")] = '\0';
		v = xstrdup(p);
	}
	fclose(f);
	return v;
}

static void secrets_absent_from_logs_and_pages(void **state)
{
	struct actor a;
	struct db db;
	struct buf token = BUF_INIT;
	char *v, *pagefile;
	FILE *f;

	(void)state;
	/* an account whose live access token we can read back */
	actor_new(&a);
	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(accounts_access_token(&db, tconn_config(), atoll(a.account), &token), ACC_OK);
	remember_secret(buf_cstr(&token));
	accounts_wipe(&token);
	db_close(&db);
	/* a few more pages after the token was used */
	{
		struct tresp r;
		long long video = video_new("Secrets clip");
		char *path = t_printf("/videos/%lld/tiktok", video);
		get(a.c, path, &r);
		tresp_free(&r);
		get(a.c, "/", &r);
		tresp_free(&r);
		free(path);
	}
	remember_secret(tconn_config()->tiktok_client_secret);
	v = config_value("secret_key");
	assert_non_null(v);
	remember_secret(v);
	free(v);
	remember_secret(PASSWORD);
	assert_true(nsecrets >= 8);
	assert_true(pages.len > 100000);     /* the pages of every test above */

	pagefile = t_printf("%s/security-pages.html", t_env("LF_VAR"));
	f = fopen(pagefile, "wb");
	assert_non_null(f);
	fwrite(pages.data, 1, pages.len, f);
	fclose(f);
	for (int i = 0; i < nsecrets; i++) {
		if (strlen(secrets[i]) < 8)
			continue;
		if (memmem(pages.data, pages.len, secrets[i], strlen(secrets[i])))
			fail_msg("a secret (%.6s...) appears in a page", secrets[i]);
		if (t_sh("grep -rqF -- '%s' '%s/log/'", secrets[i], t_env("LF_VAR")) != 1) {
			t_sh("grep -rnF -- '%s' '%s/log/' | cut -c1-200 >&2", secrets[i], t_env("LF_VAR"));
			fail_msg("a secret (%.6s...) appears in %s/log/", secrets[i], t_env("LF_VAR"));
		}
	}
	t_sh("rm -f '%s'", pagefile);
	free(pagefile);
	actor_free(&a);
}

/* ---- setup ---- */

/* A creator of our own in the emulator with a daily cap no run reaches. */
static void emulator_profile(void)
{
	static const char mine[] =
		"{\"open_id\":\"5ec5ec00-0000-4000-8000-00000000sec1\",\"username\":\"" PROFILE "\","
		"\"display_name\":\"Sec (security)\",\"private\":false,\"daily_post_cap\":100000}";

	tconn_emulator_profiles((const char *const[]){ mine }, 1);
}

static int setup(void **state)
{
	(void)state;
	dbc = t_db();
	emulator_profile();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(dbc);
	buf_free(&pages);
	for (int i = 0; i < nsecrets; i++)
		free(secrets[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csrf_on_every_post_route),
		cmocka_unit_test(oauth_login_csrf_and_replay),
		cmocka_unit_test(open_redirects_refused),
		cmocka_unit_test(xss_through_metadata_and_captions),
		cmocka_unit_test(sql_injection_everywhere),
		cmocka_unit_test(media_path_traversal),
		cmocka_unit_test(oversized_bodies_refused),
		cmocka_unit_test(webhook_forgery_and_replay),
		cmocka_unit_test(session_fixation),
		cmocka_unit_test(secrets_absent_from_logs_and_pages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
