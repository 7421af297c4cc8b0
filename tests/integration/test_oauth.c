/* Integration tests: connecting TikTok accounts (issue 4) through nginx,
 * the app, PostgreSQL and the TikTok emulator, as a browser would:
 * Upload to TikTok → start → the emulator's consent page → Authorize →
 * our callback → the composer. Plus the refusals (cancel, forged, expired,
 * reused and other-session state, a TikTok error), missing scopes, token
 * refresh with rotation under concurrency (two threads in this process on
 * lib/accounts.c, each with its own connection), a dead refresh token,
 * disconnect with revoke, tokens sealed in the database and absent from
 * every log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "accounts.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "escape.h"
#include "util.h"

#define PASSWORD "oauth-test-password"

static int seq;

/* Secrets seen during the run, searched for in the logs at the end. */
static struct {
	char *items[64];
	int n;
} seen;

static void remember_secret(const char *s)
{
	if (s && *s && seen.n < 64)
		seen.items[seen.n++] = xstrdup(s);
}

/* ---- small helpers ---- */

/* The value of query parameter key in url, decoded (malloc'd) or NULL. */
static char *query_param(const char *url, const char *key)
{
	const char *q = strchr(url, '?');
	size_t klen = strlen(key);

	for (q = q ? q + 1 : NULL; q && *q;) {
		const char *e = strchr(q, '&');
		size_t len = e ? (size_t)(e - q) : strlen(q);
		if (len > klen && q[klen] == '=' && !strncmp(q, key, klen)) {
			char *v = xstrndup(q + klen + 1, len - klen - 1);
			long n = url_decode(v, strlen(v), 1);
			assert_true(n >= 0);
			return v;
		}
		q = e ? e + 1 : NULL;
	}
	return NULL;
}

/* url without the base prefix (the tclient adds its base). */
static const char *strip_base(const char *url, const char *base)
{
	size_t n = strlen(base);

	assert_non_null(url);
	if (strncmp(url, base, n) != 0)
		fail_msg("%s does not start with %s", url, base);
	return url + n;
}

static void html_unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (*s == '&') {
			char *semi = strchr(s, ';');
			if (semi && semi - s < 10) {
				char ent[12];
				snprintf(ent, sizeof(ent), "%.*s", (int)(semi - s - 1), s + 1);
				if (ent[0] == '#')
					*w++ = (char)(ent[1] == 'x' ? strtol(ent + 2, NULL, 16) : strtol(ent + 1, NULL, 10));
				else if (!strcmp(ent, "amp"))
					*w++ = '&';
				else if (!strcmp(ent, "lt"))
					*w++ = '<';
				else if (!strcmp(ent, "gt"))
					*w++ = '>';
				else if (!strcmp(ent, "quot"))
					*w++ = '"';
				else
					fail_msg("unknown entity &%s;", ent);
				s = semi + 1;
				continue;
			}
		}
		*w++ = *s++;
	}
	*w = '\0';
}

/* The value of attribute attr in the tag starting at tag (malloc'd). */
static char *attr_value(const char *tag, const char *attr)
{
	const char *end = strchr(tag, '>');
	char pat[32];
	const char *p;
	char *v;

	snprintf(pat, sizeof(pat), " %s=\"", attr);
	p = strstr(tag, pat);
	if (!p || (end && p > end))
		return NULL;
	p += strlen(pat);
	v = xstrndup(p, strcspn(p, "\""));
	html_unescape(v);
	return v;
}

/* ---- the actors: a logged-in dashboard user, the emulator ---- */

struct user {
	char name[64];
	char id[24];
	struct tclient *c;
};

static void user_new(struct user *u)
{
	long long id;

	snprintf(u->name, sizeof(u->name), "oauth%d_%d", (int)getpid(), ++seq);
	u->c = t_user_signed_in(u->name, PASSWORD, &id);
	assert_true(id > 0);
	snprintf(u->id, sizeof(u->id), "%lld", id);
}

static void user_free(struct user *u)
{
	tc_free(u->c);
}

static long long video_new(void)
{
	char path[128], *id;
	long long v;

	snprintf(path, sizeof(path), "oauth-test/%d-%d.mp4", (int)getpid(), ++seq);
	id = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, ready) "
		 "VALUES ($1, 1000, 0, 'OAuth test clip', true) RETURNING id", 1,
		 (const char *[]){ path });
	assert_non_null(id);
	v = atoll(id);
	free(id);
	return v;
}

static struct json_object *emu_state(void)
{
	struct tclient *e = tc_new_base(t_env("LF_EMU_URL"));
	struct tresp r;
	struct json_object *o;

	assert_int_equal(tc_get(e, "/_emulator/state", &r), 0);
	assert_int_equal(r.status, 200);
	o = json_tokener_parse(r.body.data);
	assert_non_null(o);
	tresp_free(&r);
	tc_free(e);
	return o;
}

/* Entries of the emulator's list (calls/violations) matching field=value. */
static int emu_count(struct json_object *st, const char *list, const char *field, const char *value,
		     const char *path)
{
	struct json_object *arr, *v;
	int n = 0;

	assert_true(json_object_object_get_ex(st, list, &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		if (field && (!json_object_object_get_ex(o, field, &v) ||
			      strcmp(json_object_get_string(v), value) != 0))
			continue;
		if (path && (!json_object_object_get_ex(o, "path", &v) ||
			     strcmp(json_object_get_string(v), path) != 0))
			continue;
		n++;
	}
	return n;
}

static int token_calls(void)
{
	struct json_object *st = emu_state();
	int n = emu_count(st, "calls", "method", "POST", "/v2/oauth/token/");

	json_object_put(st);
	return n;
}

static int violations(const char *kind)
{
	struct json_object *st = emu_state();
	int n = emu_count(st, "violations", kind ? "kind" : NULL, kind, NULL);

	json_object_put(st);
	return n;
}

/* ---- the flow, step by step ---- */

/* Upload to TikTok without an account → start → the authorize URL
 * (returned as a path on the emulator, malloc'd). Checks every parameter. */
static char *begin(struct user *u, long long video)
{
	struct tresp r;
	char path[64], want[64], *loc, *v, *ruri;

	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	assert_int_equal(tc_get(u->c, path, &r), 0);
	assert_true(r.status == 302 || r.status == 303);
	snprintf(want, sizeof(want), "/auth/tiktok/start?video=%lld", video);
	assert_string_equal(tresp_header(&r, "Location"), want);
	tresp_free(&r);

	assert_int_equal(tc_get(u->c, want, &r), 0);
	assert_int_equal(r.status, 302);
	loc = xstrdup(strip_base(tresp_header(&r, "Location"), t_env("LF_EMU_URL")));
	tresp_free(&r);
	assert_int_equal(strncmp(loc, "/v2/auth/authorize/?", 20), 0);

	v = query_param(loc, "client_key");
	assert_non_null(v);
	assert_true(strlen(v) > 2);
	free(v);
	v = query_param(loc, "scope");
	assert_string_equal(v, "user.info.basic,video.publish,video.upload,video.list");
	free(v);
	v = query_param(loc, "response_type");
	assert_string_equal(v, "code");
	free(v);
	ruri = t_printf("%s/auth/tiktok/callback", t_env("LF_BASE_URL"));
	v = query_param(loc, "redirect_uri");
	assert_string_equal(v, ruri);
	free(v);
	free(ruri);
	v = query_param(loc, "state");
	assert_non_null(v);
	assert_int_equal(strlen(v), 64);
	assert_int_equal(strspn(v, "0123456789abcdef"), 64);
	free(v);
	return loc;
}

struct consent {
	int account;                 /* index of the emulator profile to choose */
	const char *decision;        /* "authorize" or "cancel" */
	const char *only_scopes;     /* NULL: leave every requested scope ticked */
	char nickname[128];          /* out: the chosen profile's display name (HTML-escaped) */
};

/* GET the emulator's consent page, submit its form as a browser would;
 * returns our callback URL as a path on the site (malloc'd). */
static char *consent(const char *authorize_path, struct consent *cs)
{
	struct tclient *e = tc_new_base(t_env("LF_EMU_URL"));
	struct buf form = BUF_INIT;
	struct tresp r;
	const char *p, *opt;
	char *action, *cb;
	int i;

	assert_int_equal(tc_get(e, authorize_path, &r), 0);
	assert_int_equal(r.status, 200);
	p = strstr(r.body.data, "<form");
	assert_non_null(p);
	action = attr_value(p, "action");
	assert_string_equal(action, "/v2/auth/authorize/decide");
	free(action);
	/* the hidden fields, as the page has them */
	for (const char *h = p; (h = strstr(h, "<input type=hidden")); h++) {
		char *name = attr_value(h, "name"), *val = attr_value(h, "value");
		assert_non_null(name);
		assert_non_null(val);
		if (form.len)
			buf_putc(&form, '&');
		url_encode(&form, name);
		buf_putc(&form, '=');
		url_encode(&form, val);
		free(name);
		free(val);
	}
	/* the account select: the n-th option */
	opt = strstr(p, "<option");
	for (i = 0; opt && i < cs->account; i++)
		opt = strstr(opt + 1, "<option");
	assert_non_null(opt);
	{
		char *val = attr_value(opt, "value");
		const char *text = strchr(opt, '>') + 1;
		const char *end = strstr(text, " (@");
		assert_non_null(val);
		assert_non_null(end);
		snprintf(cs->nickname, sizeof(cs->nickname), "%.*s", (int)(end - text), text);
		buf_puts(&form, "&emulator_account=");
		url_encode(&form, val);
		free(val);
	}
	/* the permission checkboxes: all ticked unless told otherwise */
	for (const char *c = p; (c = strstr(c, "name=grant_scope ")); c++) {
		char *val = attr_value(c, "value");
		assert_non_null(val);
		if (!cs->only_scopes || strstr(cs->only_scopes, val)) {
			buf_puts(&form, "&grant_scope=");
			url_encode(&form, val);
		}
		free(val);
	}
	buf_printf(&form, "&decision=%s", cs->decision);
	tresp_free(&r);

	assert_int_equal(tc_post_form(e, "/v2/auth/authorize/decide", buf_cstr(&form), &r), 0);
	assert_int_equal(r.status, 302);
	cb = xstrdup(strip_base(tresp_header(&r, "Location"), t_env("LF_BASE_URL")));
	assert_int_equal(strncmp(cb, "/auth/tiktok/callback?", 22), 0);
	tresp_free(&r);
	{
		/* a real code, decoded and as it travels in the URL: neither may be logged */
		char *code = query_param(cb, "code");
		if (code) {
			struct buf enc = BUF_INIT;
			remember_secret(code);
			url_encode(&enc, code);
			remember_secret(buf_cstr(&enc));
			buf_free(&enc);
			free(code);
		}
	}
	buf_free(&form);
	tc_free(e);
	return cb;
}

/* The callback as the browser follows TikTok's redirect. */
static void callback(struct user *u, const char *cb, struct tresp *r)
{
	assert_int_equal(tc_get(u->c, cb, r), 0);
	assert_string_equal(tresp_header(r, "Referrer-Policy"), "no-referrer");
}

static long long accounts_of(struct user *u)
{
	return t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1 AND status <> 'disconnected'",
			1, (const char *[]){ u->id });
}

/* The whole happy path for user u and a video; returns the account id. */
static long long connect_through(struct user *u, long long video, struct consent *cs)
{
	struct tresp r;
	char *auth, *cb, want[64], *id;
	long long account;

	auth = begin(u, video);
	cb = consent(auth, cs);
	callback(u, cb, &r);
	assert_int_equal(r.status, 303);
	/* back to the video, with the account just connected chosen */
	snprintf(want, sizeof(want), "/videos/%lld/tiktok?account_id=", video);
	assert_int_equal(strncmp(tresp_header(&r, "Location"), want, strlen(want)), 0);
	t_contains(tresp_header(&r, "Location"), "&connected=1");
	tresp_free(&r);
	free(auth);
	free(cb);
	id = t_db_value(t_dbc, "SELECT max(id) FROM tiktok_accounts WHERE user_id = $1 AND status = 'connected'", 1,
		 (const char *[]){ u->id });
	assert_non_null(id);
	account = atoll(id);
	free(id);
	return account;
}

/* ---- tests ---- */

static void happy_path_lands_on_composer(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", NULL, "" };
	long long video = video_new(), account;
	struct tresp r;
	char path[64], *auth, *cb, hex[65];
	int violations_before = violations(NULL);

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	/* PKCE off by default (TikTok's web flow has none): no challenge, no verifier */
	t_lacks(auth, "code_challenge");
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM oauth_states WHERE user_id = $1 "
				  "AND code_verifier IS NULL", 1, (const char *[]){ u.id }), 1);
	/* the state is stored hashed only */
	{
		char *st = query_param(auth, "state");
		assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM oauth_states WHERE state_hash = $1", 1,
					  (const char *[]){ st }), 0);
		crypto_sha256_hex(st, strlen(st), hex);
		assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM oauth_states WHERE state_hash = $1 "
					  "AND used_at IS NULL AND expires_at > now() + interval '9 minutes' "
					  "AND expires_at <= now() + interval '10 minutes'", 1,
					  (const char *[]){ hex }), 1);
		free(st);
	}
	cb = consent(auth, &cs);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 303);
	snprintf(path, sizeof(path), "/videos/%lld/tiktok?account_id=%lld&connected=1", video,
		 t_db_num(t_dbc, "SELECT max(id) FROM tiktok_accounts WHERE user_id = $1", 1,
			  (const char *[]){ u.id }));
	assert_string_equal(tresp_header(&r, "Location"), path);
	tresp_free(&r);
	/* the composer says which account it chose */
	assert_int_equal(tc_get(u.c, path, &r), 0);
	t_contains(r.body.data, "this post goes to it.");
	tresp_free(&r);
	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);

	/* the composer of that very video, with the account */
	assert_int_equal(tc_get(u.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, cs.nickname));
	assert_non_null(strstr(r.body.data, "OAuth test clip"));
	assert_non_null(strstr(r.body.data, "Post to TikTok"));
	assert_non_null(strstr(r.body.data, "id=\"post-button\""));
	tresp_free(&r);
	/* the dashboard's strip lists it: avatar, nickname, connected */
	assert_int_equal(tc_get(u.c, "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, cs.nickname));
	assert_non_null(strstr(r.body.data, "Connected"));
	assert_non_null(strstr(r.body.data, "href=\"/accounts\""));
	assert_non_null(strstr(r.body.data, "/avatar/"));
	tresp_free(&r);
	/* the accounts page: permissions in words, what it can do, consent
	 * date, and Disconnect through a confirmation naming the account */
	assert_int_equal(tc_get(u.c, "/accounts", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, cs.nickname);
	t_contains(r.body.data, "<li>Post videos directly</li>");
	t_contains(r.body.data, "<li>Send videos to the TikTok inbox as drafts</li>");
	t_contains(r.body.data, "Posts directly, or sends drafts to the TikTok inbox.");
	t_contains(r.body.data, "<dt>Consent until</dt>");
	t_contains(r.body.data, "/disconnect\">Disconnect");
	tresp_free(&r);

	account = accounts_of(&u);
	assert_int_equal(account, 1);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1 AND "
				  "scopes = 'user.info.basic,video.publish,video.upload,video.list' AND "
				  "access_expires_at > now() + interval '1 hour' AND "
				  "refresh_expires_at > now() + interval '30 days' AND "
				  "access_token_sealed IS NOT NULL AND refresh_token_sealed IS NOT NULL",
				  1, (const char *[]){ u.id }), 1);
	/* the emulator found nothing wrong */
	assert_int_equal(violations(NULL), violations_before);
	free(auth);
	free(cb);
	user_free(&u);
}

static void cancel_shows_way_back(void **state)
{
	struct user u;
	struct consent cs = { 0, "cancel", NULL, "" };
	long long video = video_new();
	struct tresp r;
	char *auth, *cb, *err, back[80];

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	cb = consent(auth, &cs);
	err = query_param(cb, "error");
	assert_string_equal(err, "access_denied");
	callback(&u, cb, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "You cancelled"));
	snprintf(back, sizeof(back), "href=\"/videos/%lld/tiktok\"", video);
	assert_non_null(strstr(r.body.data, back));
	/* attribute values are HTML-escaped: '=' is &#61; */
	snprintf(back, sizeof(back), "href=\"/auth/tiktok/start?video&#61;%lld\"", video);
	assert_non_null(strstr(r.body.data, back));
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 0);
	free(err);
	free(auth);
	free(cb);
	user_free(&u);
}

static void forged_state_refused(void **state)
{
	struct user u;
	struct tresp r;
	char st[65], *path;

	(void)state;
	user_new(&u);
	assert_int_equal(crypto_random_hex(st, 32), 0);
	path = t_printf("/auth/tiktok/callback?code=forged%%2A%%21code&scopes=user.info.basic&state=%s", st);
	callback(&u, path, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body.data, "not valid"));
	tresp_free(&r);
	free(path);
	/* not even the shape of a state */
	callback(&u, "/auth/tiktok/callback?code=abc&state=%27%3Cscript%3E", &r);
	assert_int_equal(r.status, 400);
	assert_null(strstr(r.body.data, "<script>"));
	tresp_free(&r);
	callback(&u, "/auth/tiktok/callback?code=abc", &r);
	assert_int_equal(r.status, 400);
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 0);
	user_free(&u);
}

static void expired_state_refused(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", NULL, "" };
	long long video = video_new();
	struct tresp r;
	char *auth, *cb, *st, hex[65];
	int calls;

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	st = query_param(auth, "state");
	crypto_sha256_hex(st, strlen(st), hex);
	free(t_db_value(t_dbc, "UPDATE oauth_states SET expires_at = now() - interval '1 second' "
		 "WHERE state_hash = $1 RETURNING 1", 1, (const char *[]){ hex }));
	cb = consent(auth, &cs);
	calls = token_calls();
	callback(&u, cb, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body.data, "took too long"));
	tresp_free(&r);
	assert_int_equal(token_calls(), calls);    /* the code was never spent */
	assert_int_equal(accounts_of(&u), 0);
	free(st);
	free(auth);
	free(cb);
	user_free(&u);
}

static void reused_state_refused(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", NULL, "" };
	long long video = video_new();
	struct tresp r;
	char *auth, *cb;
	int calls;

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	cb = consent(auth, &cs);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	calls = token_calls();
	callback(&u, cb, &r);                         /* the same link again */
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body.data, "already used"));
	tresp_free(&r);
	assert_int_equal(token_calls(), calls);
	assert_int_equal(violations("reused_code"), 0);
	assert_int_equal(accounts_of(&u), 1);
	free(auth);
	free(cb);
	user_free(&u);
}

static void other_session_refused(void **state)
{
	struct user u, other;
	struct consent cs = { 0, "authorize", NULL, "" };
	long long video = video_new();
	struct tresp r;
	char *auth, *cb;
	int calls;

	(void)state;
	user_new(&u);
	/* the same dashboard user, signed in a second time in another browser */
	other = u;
	other.c = tc_new();
	t_sign_in(other.c, u.name, PASSWORD);
	auth = begin(&u, video);
	cb = consent(auth, &cs);
	calls = token_calls();
	callback(&other, cb, &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body.data, "another browser session"));
	tresp_free(&r);
	assert_int_equal(token_calls(), calls);
	assert_int_equal(accounts_of(&u), 0);
	/* and a request without any session gets a page, not a login redirect with the code */
	{
		struct tclient *anon = tc_new();
		assert_int_equal(tc_get(anon, cb, &r), 0);
		assert_int_equal(r.status, 401);
		assert_null(tresp_header(&r, "Location"));
		tresp_free(&r);
		tc_free(anon);
	}
	tc_free(other.c);
	free(auth);
	free(cb);
	user_free(&u);
}

/* tiktok_pkce = true (desktop-configured TikTok apps): the app restarted
 * with it sends the hex SHA-256 challenge of a verifier it keeps, and the
 * emulator checks the verifier at the exchange. */
static int pkce_on(void **state)
{
	(void)state;
	return t_app_restart("tiktok_pkce = true");
}

static int pkce_back_to_default(void **state)
{
	(void)state;
	return t_app_restart(NULL);
}

static void pkce_on_when_switched_on(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", NULL, "" };
	long long video = video_new();
	struct tresp r;
	char *auth, *cb, *challenge, *method, *verifier, *st, hex[65];
	int violations_before = violations(NULL);

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	challenge = query_param(auth, "code_challenge");
	assert_non_null(challenge);
	verifier = t_db_value(t_dbc, "SELECT code_verifier FROM oauth_states WHERE user_id = $1", 1,
			      (const char *[]){ u.id });
	assert_non_null(verifier);
	assert_true(strlen(verifier) >= 43 && strlen(verifier) <= 128);
	crypto_sha256_hex(verifier, strlen(verifier), hex);
	assert_string_equal(challenge, hex);
	method = query_param(auth, "code_challenge_method");
	assert_string_equal(method, "S256");
	cb = consent(auth, &cs);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 1);
	/* the emulator verified the verifier against the challenge */
	assert_int_equal(violations(NULL), violations_before);
	free(cb);
	free(auth);

	/* the verifier went missing: TikTok refuses the exchange, and the page
	 * names the setting (TikTok's message mentions the code challenge) */
	user_free(&u);
	user_new(&u);
	auth = begin(&u, video);
	st = query_param(auth, "state");
	crypto_sha256_hex(st, strlen(st), hex);
	free(t_db_value(t_dbc, "UPDATE oauth_states SET code_verifier = NULL WHERE state_hash = $1 RETURNING 1", 1,
			(const char *[]){ hex }));
	cb = consent(auth, &cs);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 502);
	t_contains(r.body.data, "TikTok did not accept the connection");
	t_contains(r.body.data, "invalid_request");
	t_contains(r.body.data, "tiktok_pkce is on");
	t_contains(r.body.data, "tiktok_pkce &#61; false");
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 0);
	free(cb);
	free(st);
	free(auth);
	free(verifier);
	free(method);
	free(challenge);
	user_free(&u);
}

/* PKCE off (the default) against a TikTok app that wants it: TikTok sends
 * the user back with an error about the code challenge, and the page says
 * which setting to turn on. Errors about anything else get no such hint. */
static void pkce_error_names_the_setting(void **state)
{
	struct user u;
	long long video = video_new();
	struct tresp r;
	char *auth, *st, *cb;

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	t_lacks(auth, "code_challenge");
	st = query_param(auth, "state");
	cb = t_printf("/auth/tiktok/callback?state=%s&error=invalid_request"
		      "&error_description=code_challenge+is+required", st);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "TikTok was not connected");
	t_contains(r.body.data, "tiktok_pkce is off");
	t_contains(r.body.data, "tiktok_pkce &#61; true");
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 0);
	free(cb);
	free(st);
	free(auth);

	auth = begin(&u, video);
	st = query_param(auth, "state");
	cb = t_printf("/auth/tiktok/callback?state=%s&error=invalid_scope"
		      "&error_description=scope+is+not+authorized", st);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 200);
	t_lacks(r.body.data, "tiktok_pkce");
	tresp_free(&r);
	free(cb);
	free(st);
	free(auth);
	user_free(&u);
}

static void emu_faults(const char *json)
{
	struct tclient *e = tc_new_base(t_env("LF_EMU_URL"));
	struct tresp r;

	assert_int_equal(tc_request(e, "POST", "/_emulator/faults",
				    (const char *const[]){ "Content-Type: application/json", NULL },
				    json, strlen(json), &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	tc_free(e);
}

static int faults_off(void **state)
{
	(void)state;
	emu_faults("{\"truncated_json\":0,\"rate_drop\":0,\"rate_5xx\":0}");
	return 0;
}

/* The token endpoint answers with broken JSON, then not at all (nginx's
 * 502 page): each gives its own clear page, and nothing is stored. */
static void broken_answers_fail_cleanly(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", NULL, "" };
	long long video = video_new();
	struct tresp r;
	char *auth, *cb;

	(void)state;
	user_new(&u);
	auth = begin(&u, video);
	cb = consent(auth, &cs);
	emu_faults("{\"truncated_json\":1}");
	callback(&u, cb, &r);
	assert_int_equal(r.status, 502);
	assert_non_null(strstr(r.body.data, "answer could not be read"));
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 0);
	free(auth);
	free(cb);

	emu_faults("{\"truncated_json\":0,\"rate_drop\":1}");
	auth = begin(&u, video);
	cb = consent(auth, &cs);
	callback(&u, cb, &r);
	assert_int_equal(r.status, 502);
	assert_non_null(strstr(r.body.data, "TikTok could not be reached"));
	tresp_free(&r);
	assert_int_equal(accounts_of(&u), 0);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1", 1,
				  (const char *[]){ u.id }), 0);
	free(auth);
	free(cb);
	user_free(&u);
}

static void missing_scopes_connect_with_note(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", "user.info.basic,video.upload", "" };
	long long video = video_new();
	struct tresp r;
	char path[64];

	(void)state;
	user_new(&u);
	connect_through(&u, video, &cs);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE user_id = $1 "
				  "AND scopes = 'user.info.basic,video.upload'", 1,
				  (const char *[]){ u.id }), 1);
	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	assert_int_equal(tc_get(u.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, cs.nickname));
	assert_non_null(strstr(r.body.data, "did not allow direct posting (video.publish)"));
	assert_null(strstr(r.body.data, "name=\"account_id\""));
	tresp_free(&r);

	/* a second TikTok account through "Connect another": the composer lets
	 * the user choose between the two */
	{
		struct consent cs2 = { 3, "authorize", NULL, "" };
		char start[64], *auth, *cb;
		snprintf(start, sizeof(start), "/auth/tiktok/start?video=%lld", video);
		assert_int_equal(tc_get(u.c, start, &r), 0);
		assert_int_equal(r.status, 302);
		auth = xstrdup(strip_base(tresp_header(&r, "Location"), t_env("LF_EMU_URL")));
		tresp_free(&r);
		cb = consent(auth, &cs2);
		callback(&u, cb, &r);
		assert_int_equal(r.status, 303);
		tresp_free(&r);
		assert_int_equal(accounts_of(&u), 2);
		assert_int_equal(tc_get(u.c, path, &r), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body.data, cs.nickname));
		assert_non_null(strstr(r.body.data, cs2.nickname));
		assert_non_null(strstr(r.body.data, "Choose the TikTok account"));
		{
			const char *p1 = strstr(r.body.data, "name=\"account_id\"");
			assert_non_null(p1);
			assert_non_null(strstr(p1 + 1, "name=\"account_id\""));
		}
		tresp_free(&r);
		free(auth);
		free(cb);
	}
	user_free(&u);
}

/* ---- refresh ---- */

static struct config cfg;
static int cfg_loaded;

static void load_config(void)
{
	char err[512];

	if (cfg_loaded)
		return;
	if (config_load(&cfg, t_env("LF_CONFIG"), err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	cfg_loaded = 1;
	remember_secret(cfg.tiktok_client_secret);
}

struct refresher {
	long long account;
	pthread_barrier_t *go;
	int rc;
	char token[600];
};

static void *refresh_thread(void *arg)
{
	struct refresher *rf = arg;
	struct db db;
	struct buf tok = BUF_INIT;

	db_init(&db, t_env("LF_DB_URL"));
	rf->rc = db_ensure(&db) < 0 ? 99 : 0;
	pthread_barrier_wait(rf->go);
	if (rf->rc == 0) {
		rf->rc = accounts_access_token(&db, &cfg, rf->account, &tok);
		snprintf(rf->token, sizeof(rf->token), "%s", buf_cstr(&tok));
	}
	accounts_wipe(&tok);
	db_close(&db);
	return NULL;
}

static char *open_sealed(long long account, const char *column)
{
	char sid[24], ad[48], *sql, *sealed;
	struct buf plain = BUF_INIT;

	snprintf(sid, sizeof(sid), "%lld", account);
	sql = t_printf("SELECT %s FROM tiktok_accounts WHERE id = $1", column);
	sealed = t_db_value(t_dbc, sql, 1, (const char *[]){ sid });
	free(sql);
	assert_non_null(sealed);
	snprintf(ad, sizeof(ad), "tiktok_account:%lld", account);
	assert_int_equal(crypto_open(cfg.secret_key.bytes, ad, sealed, &plain), 0);
	free(sealed);
	return buf_detach(&plain);
}

static void refresh_rotates_once_under_concurrency(void **state)
{
	struct user u;
	struct consent cs = { 0, "authorize", NULL, "" };
	struct refresher a, b;
	pthread_barrier_t go;
	pthread_t ta, tb;
	long long account;
	char sid[24], *old_access, *old_refresh, *new_refresh;
	int calls, dead_before, all_before;

	(void)state;
	load_config();
	user_new(&u);
	account = connect_through(&u, video_new(), &cs);
	snprintf(sid, sizeof(sid), "%lld", account);
	old_access = open_sealed(account, "access_token_sealed");
	old_refresh = open_sealed(account, "refresh_token_sealed");
	assert_int_equal(strncmp(old_access, "act.", 4), 0);
	assert_int_equal(strncmp(old_refresh, "rft.", 4), 0);
	remember_secret(old_access);
	remember_secret(old_refresh);

	/* fresh: no refresh, the stored token comes back */
	memset(&a, 0, sizeof(a));
	{
		struct db db;
		struct buf tok = BUF_INIT;
		calls = token_calls();
		db_init(&db, t_env("LF_DB_URL"));
		assert_int_equal(accounts_access_token(&db, &cfg, account, &tok), ACC_OK);
		assert_string_equal(buf_cstr(&tok), old_access);
		assert_int_equal(token_calls(), calls);
		accounts_wipe(&tok);
		db_close(&db);
	}

	/* nine minutes left (< 10): two refreshers at once */
	free(t_db_value(t_dbc, "UPDATE tiktok_accounts SET access_expires_at = now() + interval '9 minutes' "
		 "WHERE id = $1 RETURNING 1", 1, (const char *[]){ sid }));
	dead_before = violations("dead_refresh_token_reused");
	all_before = violations(NULL);
	calls = token_calls();
	pthread_barrier_init(&go, NULL, 2);
	memset(&b, 0, sizeof(b));
	a.account = b.account = account;
	a.go = b.go = &go;
	assert_int_equal(pthread_create(&ta, NULL, refresh_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, refresh_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&go);

	assert_int_equal(a.rc, ACC_OK);
	assert_int_equal(b.rc, ACC_OK);
	/* one refresh spent the token; the other caller got the fresh one */
	assert_int_equal(token_calls(), calls + 1);
	assert_string_equal(a.token, b.token);
	assert_string_not_equal(a.token, old_access);
	assert_int_equal(strncmp(a.token, "act.", 4), 0);
	remember_secret(a.token);
	/* the rotated refresh token was persisted with new expiries */
	new_refresh = open_sealed(account, "refresh_token_sealed");
	assert_string_not_equal(new_refresh, old_refresh);
	remember_secret(new_refresh);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND "
				  "status = 'connected' AND access_expires_at > now() + interval '1 hour'",
				  1, (const char *[]){ sid }), 1);
	/* TikTok saw no dead refresh token, nor anything else wrong */
	assert_int_equal(violations("dead_refresh_token_reused"), dead_before);
	assert_int_equal(violations(NULL), all_before);
	/* and the new access token works at TikTok */
	{
		struct tiktok_client c;
		struct tiktok_result res;
		struct tiktok_user who;
		accounts_client(&cfg, &c);
		tiktok_result_init(&res);
		assert_int_equal(tiktok_user_info(&c, a.token, "open_id,display_name", &who, &res), 0);
		tiktok_result_free(&res);
	}
	free(old_access);
	free(old_refresh);
	free(new_refresh);
	user_free(&u);
}

static void dead_refresh_token_needs_reconnect(void **state)
{
	struct user u;
	struct consent cs = { 1, "authorize", NULL, "" };
	long long account, video = video_new();
	struct tclient *e;
	struct tresp r;
	struct db db;
	struct buf tok = BUF_INIT;
	char sid[24], *open_id, *body, path[64];

	(void)state;
	load_config();
	user_new(&u);
	account = connect_through(&u, video, &cs);
	snprintf(sid, sizeof(sid), "%lld", account);
	open_id = t_db_value(t_dbc, "SELECT open_id FROM tiktok_accounts WHERE id = $1", 1, (const char *[]){ sid });
	/* the user removes the app on TikTok's side, and the access token runs out */
	e = tc_new_base(t_env("LF_EMU_URL"));
	body = t_printf("{\"open_id\":\"%s\"}", open_id);
	assert_int_equal(tc_request(e, "POST", "/_emulator/revoke",
				    (const char *const[]){ "Content-Type: application/json", NULL },
				    body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	tc_free(e);
	free(t_db_value(t_dbc, "UPDATE tiktok_accounts SET access_expires_at = now() WHERE id = $1 RETURNING 1", 1,
		 (const char *[]){ sid }));

	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(accounts_access_token(&db, &cfg, account, &tok), ACC_RECONNECT);
	assert_int_equal(tok.len, 0);
	/* asked again: no second call with the dead token */
	{
		int calls = token_calls();
		assert_int_equal(accounts_access_token(&db, &cfg, account, &tok), ACC_RECONNECT);
		assert_int_equal(token_calls(), calls);
	}
	db_close(&db);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND "
				  "status = 'needs_reconnect' AND status_reason <> ''", 1,
				  (const char *[]){ sid }), 1);
	/* the dashboard says so and offers Reconnect */
	assert_int_equal(tc_get(u.c, "/", &r), 0);
	assert_non_null(strstr(r.body.data, "Needs reconnect"));
	assert_non_null(strstr(r.body.data, "href=\"/auth/tiktok/start\">Reconnect"));
	tresp_free(&r);
	/* no connected account left: Upload to TikTok connects first */
	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	assert_int_equal(tc_get(u.c, path, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	/* asked for by name, the revoked account is shown as such: never
	 * silently replaced, no Post, a way to reconnect */
	snprintf(path, sizeof(path), "/videos/%lld/tiktok?account_id=%lld", video, account);
	assert_int_equal(tc_get(u.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "This TikTok account needs to be connected again before it can post");
	t_contains(r.body.data, "Connect the account again");
	t_lacks(r.body.data, "id=\"post-button\"");
	tresp_free(&r);
	/* reconnecting the same TikTok account brings the same row back */
	assert_int_equal(connect_through(&u, video, &cs), account);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND "
				  "status = 'connected' AND status_reason IS NULL", 1,
				  (const char *[]){ sid }), 1);
	free(open_id);
	free(body);
	user_free(&u);
}

static char *disconnect_csrf(struct user *u, long long account)
{
	struct tresp r;
	char action[80], *csrf;
	const char *form;

	/* the confirmation page names the account and holds the form */
	snprintf(action, sizeof(action), "/accounts/%lld/disconnect", account);
	assert_int_equal(tc_get(u->c, action, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "<h1 id=\"disc-h\">Disconnect ");
	snprintf(action, sizeof(action), "action=\"/accounts/%lld/disconnect\"", account);
	form = strstr(r.body.data, action);
	assert_non_null(form);
	csrf = tc_extract_csrf(form);
	assert_non_null(csrf);
	tresp_free(&r);
	return csrf;
}

static void disconnect_revokes_and_fails_queued_jobs(void **state)
{
	struct user u, stranger;
	struct consent cs = { 2, "authorize", NULL, "" };
	long long account, video = video_new();
	struct tresp r;
	char sid[24], vid[24], path[64], *job, *csrf, *body;
	struct json_object *st;
	int revokes;

	(void)state;
	load_config();
	user_new(&u);
	account = connect_through(&u, video, &cs);
	snprintf(sid, sizeof(sid), "%lld", account);
	snprintf(vid, sizeof(vid), "%lld", video);
	/* a queued upload of this account, due later (so no worker claims it now) */
	job = t_printf("%lld", t_job(&(struct job_fixture){ .user_id = atoll(u.id), .video_id = video,
							 .account_id = account, .run_in_sec = 3600 }));
	assert_non_null(job);
	snprintf(path, sizeof(path), "/accounts/%lld/disconnect", account);

	/* without the CSRF token: refused, nothing changes */
	assert_int_equal(tc_post_form(u.c, path, "csrf=nope", &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	/* another dashboard user cannot disconnect it */
	user_new(&stranger);
	{
		struct tresp d;
		char *sc;
		assert_int_equal(tc_get(stranger.c, "/", &d), 0);
		sc = tc_extract_csrf(d.body.data);
		assert_non_null(sc);
		body = t_printf("csrf=%s", sc);
		assert_int_equal(tc_post_form(stranger.c, path, body, &r), 0);
		assert_int_equal(r.status, 404);
		tresp_free(&r);
		tresp_free(&d);
		free(body);
		free(sc);
	}
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND status = 'connected' "
				  "AND access_token_sealed IS NOT NULL", 1, (const char *[]){ sid }), 1);

	st = emu_state();
	revokes = emu_count(st, "calls", "path", "/v2/oauth/revoke/", NULL);
	json_object_put(st);
	csrf = disconnect_csrf(&u, account);
	body = t_printf("csrf=%s", csrf);
	assert_int_equal(tc_post_form(u.c, path, body, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "TikTok confirmed"));
	tresp_free(&r);

	/* TikTok saw the revoke */
	st = emu_state();
	assert_int_equal(emu_count(st, "calls", "path", "/v2/oauth/revoke/", NULL), revokes + 1);
	json_object_put(st);
	/* the tokens are gone, the account is disconnected */
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND status = 'disconnected' "
				  "AND access_token_sealed IS NULL AND refresh_token_sealed IS NULL "
				  "AND access_expires_at IS NULL", 1, (const char *[]){ sid }), 1);
	/* the queued job failed with a reason, and its history says so */
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'failed' "
				  "AND fail_reason LIKE '%disconnected%' AND finished_at IS NOT NULL", 1,
				  (const char *[]){ job }), 1);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'failed' "
				  "AND message LIKE '%disconnected%'", 1, (const char *[]){ job }), 1);
	/* gone from the dashboard */
	assert_int_equal(tc_get(u.c, "/", &r), 0);
	assert_null(strstr(r.body.data, "/disconnect\""));
	assert_non_null(strstr(r.body.data, "No TikTok account is connected"));
	tresp_free(&r);
	free(csrf);
	free(body);
	free(job);
	user_free(&stranger);
	user_free(&u);
}

/* langflix rekey: every token re-sealed under a new key, readable with it
 * (and no longer with the old one); then back again. */
static void rekey_reseals_everything(void **state)
{
	unsigned char newkey[32];
	char hex[65], *sealed, *id;
	struct buf plain = BUF_INIT;
	char ad[48];

	(void)state;
	load_config();
	id = t_db_value(t_dbc, "SELECT min(id) FROM tiktok_accounts WHERE access_token_sealed IS NOT NULL", 0, NULL);
	assert_non_null(id);
	assert_int_equal(crypto_random_hex(hex, 32), 0);
	assert_int_equal(config_parse_key32(hex, newkey), 0);
	assert_int_equal(t_sh("printf '%%s\\n' '%s' | '%s/langflix' -c '%s' rekey >/dev/null", hex,
			      t_env("LF_BIN"), t_env("LF_CONFIG")), 0);
	sealed = t_db_value(t_dbc, "SELECT access_token_sealed FROM tiktok_accounts WHERE id = $1", 1,
		     (const char *[]){ id });
	snprintf(ad, sizeof(ad), "tiktok_account:%s", id);
	assert_int_equal(crypto_open(newkey, ad, sealed, &plain), 0);
	assert_int_equal(strncmp(buf_cstr(&plain), "act.", 4), 0);
	buf_reset(&plain);
	assert_int_equal(crypto_open(cfg.secret_key.bytes, ad, sealed, &plain), -1);
	free(sealed);
	/* a wrong current key changes nothing */
	assert_int_not_equal(t_sh("printf '%%s\\n' '%s' | '%s/langflix' -c '%s' rekey 2>/dev/null", hex,
				  t_env("LF_BIN"), t_env("LF_CONFIG")), 0);
	/* back to the configured key, so the running app keeps working */
	{
		char oldhex[65];
		for (int i = 0; i < 32; i++)
			snprintf(oldhex + 2 * i, 3, "%02x", cfg.secret_key.bytes[i]);
		assert_int_equal(t_sh("printf '%%s\\n' '%s' | LANGFLIX_SECRET_KEY='%s' '%s/langflix' -c '%s' "
				      "rekey >/dev/null", oldhex, hex, t_env("LF_BIN"), t_env("LF_CONFIG")), 0);
	}
	sealed = t_db_value(t_dbc, "SELECT access_token_sealed FROM tiktok_accounts WHERE id = $1", 1,
		     (const char *[]){ id });
	buf_reset(&plain);
	assert_int_equal(crypto_open(cfg.secret_key.bytes, ad, sealed, &plain), 0);
	accounts_wipe(&plain);
	free(sealed);
	free(id);
}

/* Runs last: nothing secret in the database in the clear, nor in any log. */
static void no_plaintext_tokens_anywhere(void **state)
{
	char *dump;

	(void)state;
	load_config();
	assert_true(seen.n >= 5);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_accounts t WHERE t::text LIKE '%act.%' "
				  "OR t::text LIKE '%rft.%'", 0, NULL), 0);
	/* the whole database, dumped (outside log/) */
	dump = t_printf("%s/oauth-test-dump.sql", t_env("LF_VAR"));
	assert_int_equal(t_sh("pg_dump '%s' >'%s' 2>/dev/null", t_env("LF_DB_URL"), dump), 0);
	assert_int_equal(t_sh("grep -q 'tiktok_accounts' '%s'", dump), 0);
	for (int i = 0; i < seen.n; i++) {
		if (t_sh("grep -qF -- '%s' '%s'", seen.items[i], dump) != 1) {
			t_sh("grep -nF -- '%s' '%s' | cut -c1-160 >&2", seen.items[i], dump);
			fail_msg("a secret (%.6s...) appears in the database", seen.items[i]);
		}
		/* every log of the stack: app, worker, emulator, nginx, PostgreSQL */
		if (t_sh("grep -rqF -- '%s' '%s/log/'", seen.items[i], t_env("LF_VAR")) != 1) {
			t_sh("grep -rnF -- '%s' '%s/log/' | cut -c1-200 >&2", seen.items[i], t_env("LF_VAR"));
			fail_msg("a secret (%.6s...) appears in %s/log/", seen.items[i], t_env("LF_VAR"));
		}
	}
	t_sh("rm -f '%s'", dump);
	free(dump);
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < seen.n; i++)
		free(seen.items[i]);
	if (cfg_loaded)
		config_free(&cfg);
	return t_db_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(happy_path_lands_on_composer),
		cmocka_unit_test(cancel_shows_way_back),
		cmocka_unit_test(forged_state_refused),
		cmocka_unit_test(expired_state_refused),
		cmocka_unit_test(reused_state_refused),
		cmocka_unit_test(other_session_refused),
		cmocka_unit_test_teardown(broken_answers_fail_cleanly, faults_off),
		cmocka_unit_test(missing_scopes_connect_with_note),
		cmocka_unit_test(refresh_rotates_once_under_concurrency),
		cmocka_unit_test(dead_refresh_token_needs_reconnect),
		cmocka_unit_test(disconnect_revokes_and_fails_queued_jobs),
		cmocka_unit_test(rekey_reseals_everything),
		cmocka_unit_test(no_plaintext_tokens_anywhere),
		/* last: these restart the app, so every test above runs on the
		 * stack's own app as started */
		cmocka_unit_test(pkce_error_names_the_setting),
		cmocka_unit_test_setup_teardown(pkce_on_when_switched_on, pkce_on, pkce_back_to_default),
	};
	return cmocka_run_group_tests(tests, t_db_setup, teardown);
}
