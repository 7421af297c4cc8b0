/* oauth.c — Login Kit for Web, OAuth v2 (tiktok-api.md §1): the authorize
 * page, its decision, the token endpoint (code and refresh grants with
 * strict rotation), revoke, user info, and Bearer checks for the API. */
#include "emu.h"
#include "crypto.h"
#include "escape.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const known_scopes[] = {
	"user.info.basic", "user.info.profile", "user.info.stats",
	"video.publish", "video.upload", "video.list",
};

static int scope_known(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(known_scopes); i++)
		if (strlen(known_scopes[i]) == n && !strncmp(known_scopes[i], s, n))
			return 1;
	return 0;
}

/* scopes is TikTok's comma-separated list. */
int scope_has(const char *scopes, const char *scope)
{
	size_t n = strlen(scope);

	for (const char *p = scopes; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, scope, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* Every item known, none empty, no spaces (space-separated lists are a
 * common client bug: TikTok wants commas). */
static int scopes_valid(const char *scopes)
{
	const char *p = scopes;

	if (!scopes || !*scopes)
		return 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!len || !scope_known(p, len))
			return 0;
		if (!e)
			return 1;
		p = e + 1;
	}
}

static int redirect_registered(const char *uri)
{
	const char *p = G.cfg->redirect_uris;

	if (!uri)
		return 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == strlen(uri) && !strncmp(p, uri, len))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int is_lower_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return 0;
	return 1;
}

struct authz {
	const char *client_key, *response_type, *scope, *redirect_uri, *state;
	const char *challenge, *method, *account, *disable_auto_auth;
};

static void authz_read(const struct kvlist *l, struct authz *a)
{
	a->client_key = kv_get(l, "client_key");
	a->response_type = kv_get(l, "response_type");
	a->scope = kv_get(l, "scope");
	a->redirect_uri = kv_get(l, "redirect_uri");
	a->state = kv_get(l, "state");
	a->challenge = kv_get(l, "code_challenge");
	a->method = kv_get(l, "code_challenge_method");
	a->account = kv_get(l, "emulator_account");
	a->disable_auto_auth = kv_get(l, "disable_auto_auth");
}

/* NULL when the request is valid, else the parameter to correct. */
static const char *authz_invalid(const struct authz *a)
{
	if (!a->client_key || strcmp(a->client_key, G.cfg->client_key) != 0)
		return "client_key";
	if (!a->response_type || strcmp(a->response_type, "code") != 0)
		return "response_type";
	if (!scopes_valid(a->scope))
		return "scope";
	if (!redirect_registered(a->redirect_uri))
		return "redirect_uri";
	if (!a->state || !*a->state)
		return "state";
	if (a->challenge || a->method) {
		/* TikTok wants the lowercase hex SHA-256, not RFC 7636 base64url */
		if (!a->challenge || !is_lower_hex64(a->challenge))
			return "code_challenge";
		if (!a->method || strcmp(a->method, "S256") != 0)
			return "code_challenge_method";
	}
	return NULL;
}

static void error_page(struct request *req, const char *param)
{
	struct buf *o = &req->out;

	violation(req, "invalid_authorize_request", "authorize request refused: correct %s", param);
	ereq(req)->error_code = "invalid_authorize_request";
	req->status = 400;
	req_header(req, "Content-Type: text/html; charset=utf-8");
	buf_reset(o);
	buf_puts(o, "<!doctype html><html><head><meta charset=utf-8><title>TikTok (emulator)</title>"
		    "<style>body{font-family:sans-serif;max-width:32em;margin:4em auto}</style></head><body>"
		    "<h1>We couldn't log in with TikTok</h1><p>This may be because of specific app "
		    "settings. If you're a developer, correct the following and try again: <strong>");
	html_escape(o, param, strlen(param));
	buf_puts(o, "</strong></p><p><small>TikTok emulator, for development and tests. Not TikTok.</small></p>"
		    "</body></html>\n");
}

static void hidden(struct buf *o, const char *name, const char *val)
{
	if (!val)
		return;
	buf_printf(o, "<input type=hidden name=\"%s\" value=\"", name);
	html_escape(o, val, strlen(val));
	buf_puts(o, "\">");
}

static void consent_page(struct request *req, const struct authz *a)
{
	struct buf *o = &req->out;
	const char *sel = a->account;

	req->status = 200;
	req_header(req, "Content-Type: text/html; charset=utf-8");
	req_header(req, "Cache-Control: no-store");
	buf_reset(o);
	buf_puts(o, "<!doctype html><html lang=en><head><meta charset=utf-8>"
		    "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
		    "<title>Authorize ");
	html_escape(o, G.cfg->client_name, strlen(G.cfg->client_name));
	buf_puts(o, " - TikTok (emulator)</title>"
		    "<style>body{font-family:sans-serif;max-width:30em;margin:3em auto;padding:0 1em}"
		    "button{font-size:1.1em;padding:.5em 1.5em;margin:0 1em .5em 0}"
		    "select{max-width:100%}.note{color:#555;font-size:.85em}</style></head><body><main>"
		    "<p class=note>TikTok emulator: for development and tests. This is not TikTok.</p>"
		    "<h1>Authorize ");
	html_escape(o, G.cfg->client_name, strlen(G.cfg->client_name));
	buf_puts(o, "</h1><p><strong>");
	html_escape(o, G.cfg->client_name, strlen(G.cfg->client_name));
	buf_puts(o, "</strong> would like to access your TikTok account.</p><p class=note>Client key: ");
	html_escape(o, a->client_key, strlen(a->client_key));
	buf_puts(o, "</p>"
		    "<form method=post action=\"/v2/auth/authorize/decide\">");
	hidden(o, "client_key", a->client_key);
	hidden(o, "response_type", a->response_type);
	hidden(o, "scope", a->scope);
	hidden(o, "redirect_uri", a->redirect_uri);
	hidden(o, "state", a->state);
	hidden(o, "code_challenge", a->challenge);
	hidden(o, "code_challenge_method", a->method);
	hidden(o, "scope_choice", "1");
	buf_puts(o, "<p><label>Account <select name=emulator_account>");
	pthread_mutex_lock(&G.mu);
	for (int i = 0; i < G.n_profiles; i++) {
		const struct profile *p = &G.profiles[i];
		int chosen = sel && (!strcmp(sel, p->open_id) || !strcmp(sel, p->username));
		buf_puts(o, "<option value=\"");
		html_escape(o, p->open_id, strlen(p->open_id));
		buf_printf(o, "\"%s>", chosen ? " selected" : "");
		html_escape(o, p->display_name, strlen(p->display_name));
		buf_puts(o, " (@");
		html_escape(o, p->username, strlen(p->username));
		buf_puts(o, ")</option>");
	}
	pthread_mutex_unlock(&G.mu);
	buf_puts(o, "</select></label></p><p>Permissions requested:</p><ul>");
	for (const char *p = a->scope; p && *p;) {
		const char *e = strchr(p, ',');
		char *one = arena_strndup(&req->arena, p, e ? (size_t)(e - p) : strlen(p));
		buf_puts(o, "<li><label><input type=checkbox name=grant_scope checked value=\"");
		html_escape(o, one, strlen(one));
		buf_puts(o, "\"> ");
		html_escape(o, one, strlen(one));
		buf_puts(o, "</label></li>");
		p = e ? e + 1 : NULL;
	}
	buf_puts(o, "</ul><p><button type=submit name=decision value=authorize>Authorize</button>"
		    "<button type=submit name=decision value=cancel>Cancel</button></p></form>"
		    "</main></body></html>\n");
}

static void redirect(struct request *req, const char *uri, struct buf *query)
{
	req->status = 302;
	req_header(req, "Location: %s?%s", uri, buf_cstr(query));
	req_header(req, "Cache-Control: no-store");
	req_header(req, "Content-Type: text/plain");
	buf_reset(&req->out);
	buf_puts(&req->out, "Redirecting\n");
}

static void add_param(struct buf *q, const char *k, const char *v)
{
	if (q->len)
		buf_putc(q, '&');
	buf_puts(q, k);
	buf_putc(q, '=');
	url_encode(q, v);
}

static void deny(struct request *req, const struct authz *a);

/* granted minus the scopes the profile refuses (its user unticks them),
 * into out: a user may grant only some of the requested scopes (§1.1). */
static void without_refused(const char *open_id, const char *granted, char *out, size_t n)
{
	const struct profile *p;
	char refused[128] = "";
	size_t used = 0;

	pthread_mutex_lock(&G.mu);
	p = profile_find(open_id);
	if (p)
		snprintf(refused, sizeof(refused), "%s", p->refuse_scopes);
	pthread_mutex_unlock(&G.mu);
	out[0] = '\0';
	for (const char *s = granted; s && *s;) {
		const char *e = strchr(s, ',');
		char one[64];
		snprintf(one, sizeof(one), "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
		if (!scope_has(refused, one) && used + strlen(one) + 2 < n)
			used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "," : "", one);
		s = e ? e + 1 : NULL;
	}
}

/* Issue a code for open_id and redirect with code, scopes, state. */
static void approve(struct request *req, const struct authz *a, const char *open_id, const char *asked)
{
	struct code c;
	char tok[48], tail[8], granted[256];
	struct buf q = BUF_INIT;

	without_refused(open_id, asked, granted, sizeof(granted));
	if (!granted[0]) {
		deny(req, a);
		return;
	}
	memset(&c, 0, sizeof(c));
	crypto_random_token(tok, 40);
	crypto_random_hex(tail, 2);
	/* real codes carry '*' and '!': a client must URL-decode them */
	snprintf(c.code, sizeof(c.code), "%s*!%s", tok, tail);
	snprintf(c.open_id, sizeof(c.open_id), "%s", open_id);
	snprintf(c.scopes, sizeof(c.scopes), "%s", granted);
	snprintf(c.redirect_uri, sizeof(c.redirect_uri), "%s", a->redirect_uri);
	snprintf(c.challenge, sizeof(c.challenge), "%s", a->challenge ? a->challenge : "");
	pthread_mutex_lock(&G.mu);
	c.expires = emu_now() + G.rt.code_ttl_sec;
	VEC_PUSH(G.codes, c);
	pthread_mutex_unlock(&G.mu);
	add_param(&q, "code", c.code);
	add_param(&q, "scopes", granted);
	add_param(&q, "state", a->state);
	log_info("event=authorize_approved open_id=%s scopes=%s", open_id, log_quote(granted));
	redirect(req, a->redirect_uri, &q);
	buf_free(&q);
}

static void deny(struct request *req, const struct authz *a)
{
	struct buf q = BUF_INIT;

	add_param(&q, "error", "access_denied");
	add_param(&q, "error_description", "The user denied the authorization request.");
	add_param(&q, "state", a->state);
	redirect(req, a->redirect_uri, &q);
	buf_free(&q);
}

/* GET /v2/auth/authorize/ */
int handle_authorize(struct request *req)
{
	struct authz a;
	const char *bad;
	char account[64] = "";

	authz_read(&req->query, &a);
	bad = authz_invalid(&a);
	if (bad) {
		error_page(req, bad);
		return 0;
	}
	/* TikTok skips the consent page for a valid session unless
	 * disable_auto_auth=1; auto_approve_account emulates that session */
	pthread_mutex_lock(&G.mu);
	if (G.rt.auto_approve[0] && !(a.disable_auto_auth && !strcmp(a.disable_auto_auth, "1"))) {
		const struct profile *p = profile_find(G.rt.auto_approve);
		if (p)
			snprintf(account, sizeof(account), "%s", p->open_id);
	}
	pthread_mutex_unlock(&G.mu);
	if (account[0])
		approve(req, &a, account, a.scope);
	else
		consent_page(req, &a);
	return 0;
}

/* The scopes granted on the consent form: grant_scopes=a,b (tests), or
 * the grant_scope checkboxes (the page), or everything requested. */
static const char *granted_scopes(struct request *req, const char *requested)
{
	const char *list = kv_get(&req->form, "grant_scopes");
	struct buf b = BUF_INIT;
	char *out;

	if (list)
		return list;
	if (!kv_get(&req->form, "scope_choice"))
		return requested;
	for (size_t i = 0; i < req->form.n; i++)
		if (!strcmp(req->form.items[i].key, "grant_scope")) {
			if (b.len)
				buf_putc(&b, ',');
			buf_puts(&b, req->form.items[i].val);
		}
	out = arena_strdup(&req->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

static int scopes_subset(const char *granted, const char *requested)
{
	for (const char *p = granted; p && *p;) {
		const char *e = strchr(p, ',');
		char one[64];
		snprintf(one, sizeof(one), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
		if (!scope_has(requested, one))
			return 0;
		p = e ? e + 1 : NULL;
	}
	return 1;
}

/* POST /v2/auth/authorize/decide — the consent form (tests post it directly). */
int handle_authorize_decide(struct request *req)
{
	struct authz a;
	const char *bad, *decision, *granted;
	char open_id[64] = "";
	int rc = req_parse_form(req, 65536);

	if (rc != 0) {
		error_page(req, "form");
		return 0;
	}
	authz_read(&req->form, &a);
	bad = authz_invalid(&a);
	if (bad) {
		error_page(req, bad);
		return 0;
	}
	decision = kv_get(&req->form, "decision");
	if (!decision || (strcmp(decision, "authorize") && strcmp(decision, "cancel"))) {
		error_page(req, "decision");
		return 0;
	}
	if (!strcmp(decision, "cancel")) {
		deny(req, &a);
		return 0;
	}
	pthread_mutex_lock(&G.mu);
	{
		const struct profile *p = a.account ? profile_find(a.account) :
				    (G.n_profiles ? &G.profiles[0] : NULL);
		if (p)
			snprintf(open_id, sizeof(open_id), "%s", p->open_id);
	}
	pthread_mutex_unlock(&G.mu);
	if (!open_id[0]) {
		error_page(req, "emulator_account");
		return 0;
	}
	granted = granted_scopes(req, a.scope);
	if (!*granted) {
		deny(req, &a);
		return 0;
	}
	if (!scopes_valid(granted) || !scopes_subset(granted, a.scope)) {
		error_page(req, "grant_scopes");
		return 0;
	}
	approve(req, &a, open_id, granted);
	return 0;
}

/* ---- token endpoint ---- */

static int client_ok(struct request *req)
{
	const char *key = kv_get(&req->form, "client_key");
	const char *secret = kv_get(&req->form, "client_secret");
	const char *authz = req_get_header(req, "Authorization");

	if (key && secret && !strcmp(key, G.cfg->client_key) &&
	    crypto_str_equal(secret, G.cfg->client_secret))
		return 1;
	if (authz && !strncasecmp(authz, "Basic ", 6))
		violation(req, "client_auth_in_header",
			  "client credentials sent with HTTP Basic; TikTok wants them in the body");
	else
		violation(req, "bad_client_credentials", "client_key/client_secret missing or wrong");
	reply_oauth_error(req, 401, "invalid_client", "Client key or secret is invalid.");
	return 0;
}

static void random_token(const char *prefix, char *out, size_t n)
{
	char tok[48], tail[8];

	crypto_random_token(tok, 40);
	crypto_random_hex(tail, 2);
	/* like TikTok's values: a prefix, then text with '!' and '.' */
	snprintf(out, n, "%s%s!%s.e1", prefix, tok, tail);
}

/* Issue an access + refresh pair (G.mu held) and build the flat response. */
static struct json_object *issue_tokens(const char *open_id, const char *scopes, int64_t family,
					int64_t refresh_expires)
{
	struct token at, rt;
	int64_t now = emu_now();
	struct json_object *o = json_object_new_object();

	memset(&at, 0, sizeof(at));
	random_token("act.", at.value, sizeof(at.value));
	at.kind = TOK_ACCESS;
	snprintf(at.open_id, sizeof(at.open_id), "%s", open_id);
	snprintf(at.scopes, sizeof(at.scopes), "%s", scopes);
	at.expires = now + G.rt.access_ttl_sec;
	at.family = family;
	rt = at;
	random_token("rft.", rt.value, sizeof(rt.value));
	rt.kind = TOK_REFRESH;
	rt.expires = refresh_expires;
	VEC_PUSH(G.tokens, at);
	VEC_PUSH(G.tokens, rt);
	json_object_object_add(o, "access_token", json_object_new_string(at.value));
	json_object_object_add(o, "expires_in", json_object_new_int64(G.rt.access_ttl_sec));
	json_object_object_add(o, "open_id", json_object_new_string(open_id));
	json_object_object_add(o, "refresh_expires_in", json_object_new_int64(refresh_expires - now));
	json_object_object_add(o, "refresh_token", json_object_new_string(rt.value));
	json_object_object_add(o, "scope", json_object_new_string(scopes));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	return o;
}

static int verifier_valid(const char *v)
{
	size_t n = strlen(v);

	if (n < 43 || n > 128)
		return 0;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr("-._~", *v))
			return 0;
	return 1;
}

static void grant_code(struct request *req)
{
	const char *code = kv_get(&req->form, "code");
	const char *ruri = kv_get(&req->form, "redirect_uri");
	const char *verifier = kv_get(&req->form, "code_verifier");
	struct code *c;
	struct json_object *resp = NULL;
	const char *err = NULL, *desc = NULL, *vkind = NULL;
	char vhex[65];

	if (!code || !ruri) {
		reply_oauth_error(req, 400, "invalid_request", "code and redirect_uri are required.");
		violation(req, "missing_parameter", "authorization_code grant without code or redirect_uri");
		return;
	}
	pthread_mutex_lock(&G.mu);
	c = code_find(code);
	if (!c) {
		err = "invalid_grant";
		desc = "Authorization code is expired.";
		if (strstr(code, "%2A") || strstr(code, "%21") || strstr(code, "%2a"))
			vkind = "code_not_url_decoded";
	} else if (c->used) {
		err = "invalid_grant";
		desc = "Authorization code has been used.";
		vkind = "reused_code";
	} else if (emu_now() > c->expires) {
		err = "invalid_grant";
		desc = "Authorization code is expired.";
	} else if (strcmp(c->redirect_uri, ruri) != 0) {
		err = "invalid_request";
		desc = "Redirect_uri is not matched with the uri when requesting code.";
		vkind = "redirect_uri_mismatch";
	} else if (c->challenge[0]) {
		if (!verifier || !verifier_valid(verifier)) {
			err = "invalid_request";
			desc = "Code verifier or code challenge is invalid.";
			vkind = "pkce_verifier_missing";
		} else {
			crypto_sha256_hex(verifier, strlen(verifier), vhex);
			if (strcmp(vhex, c->challenge) != 0) {
				err = "invalid_request";
				desc = "Code verifier or code challenge is invalid.";
				vkind = "pkce_mismatch";
			}
		}
	}
	if (!err) {
		c->used = 1;
		resp = issue_tokens(c->open_id, c->scopes, G.next_family++,
				    emu_now() + G.rt.refresh_ttl_sec);
	}
	pthread_mutex_unlock(&G.mu);
	if (vkind)
		violation(req, vkind, "%s", desc);
	if (err)
		reply_oauth_error(req, 400, err, desc);
	else
		reply_json(req, 200, resp);
}

static void grant_refresh(struct request *req)
{
	const char *value = kv_get(&req->form, "refresh_token");
	struct token *t;
	struct json_object *resp = NULL;
	const char *vkind = NULL;

	if (!value) {
		violation(req, "missing_parameter", "refresh_token grant without refresh_token");
		reply_oauth_error(req, 400, "invalid_request", "refresh_token is required.");
		return;
	}
	pthread_mutex_lock(&G.mu);
	t = token_find(value);
	if (t && t->kind == TOK_REFRESH && t->death == TOK_ROTATED)
		vkind = "dead_refresh_token_reused";
	if (t && t->kind == TOK_ACCESS)
		vkind = "access_token_used_as_refresh_token";
	if (t && t->kind == TOK_REFRESH && t->death == TOK_ALIVE && emu_now() <= t->expires) {
		char open_id[64], scopes[256];
		int64_t family = t->family, expires = t->expires;
		/* strict rotation: the old refresh token dies now; the new one
		 * keeps the original expiry (refreshing does not extend it) */
		t->death = TOK_ROTATED;
		snprintf(open_id, sizeof(open_id), "%s", t->open_id);
		snprintf(scopes, sizeof(scopes), "%s", t->scopes);
		resp = issue_tokens(open_id, scopes, family, expires);
	}
	pthread_mutex_unlock(&G.mu);
	if (vkind)
		violation(req, vkind, "a refresh token that no longer works was sent again");
	if (resp)
		reply_json(req, 200, resp);
	else
		reply_oauth_error(req, 400, "invalid_grant", "Refresh token is invalid or expired.");
}

static int parse_oauth_form(struct request *req)
{
	int rc = req_parse_form(req, 65536);

	if (rc == 415) {
		violation(req, "wrong_content_type", "Content-Type %s; the OAuth endpoints take "
			  "application/x-www-form-urlencoded only",
			  req->content_type ? req->content_type : "(none)");
		reply_oauth_error(req, 400, "invalid_request",
				  "Content-Type must be application/x-www-form-urlencoded.");
		return -1;
	}
	if (rc != 0) {
		reply_oauth_error(req, rc == 413 ? 413 : 400, "invalid_request", "Malformed request body.");
		return -1;
	}
	return 0;
}

/* POST /v2/oauth/token/ */
int handle_token(struct request *req)
{
	const char *grant;

	if (parse_oauth_form(req) < 0 || !client_ok(req))
		return 0;
	grant = kv_get(&req->form, "grant_type");
	if (grant && !strcmp(grant, "authorization_code"))
		grant_code(req);
	else if (grant && !strcmp(grant, "refresh_token"))
		grant_refresh(req);
	else {
		violation(req, "unsupported_grant_type", "grant_type %s", grant ? grant : "(none)");
		reply_oauth_error(req, 400, "unsupported_grant_type", "The grant type is not supported.");
	}
	return 0;
}

int revoke_account_locked(const char *open_id)
{
	int killed = 0;

	for (size_t i = 0; i < G.tokens.n; i++) {
		struct token *t = &G.tokens.v[i];
		if (!strcmp(t->open_id, open_id) && t->death == TOK_ALIVE) {
			t->death = TOK_REVOKED;
			killed++;
		}
	}
	/* posts still uploading or processing fail with auth_removed */
	for (size_t i = 0; i < G.posts.n; i++) {
		struct post *p = G.posts.v[i];
		if (!strcmp(p->open_id, open_id) && post_in_flight(p))
			post_fail_locked(p, "auth_removed");
	}
	return killed;
}

/* POST /v2/oauth/revoke/ — token is the user's access token. */
int handle_revoke(struct request *req)
{
	const char *value;
	struct token *t;

	if (parse_oauth_form(req) < 0 || !client_ok(req))
		return 0;
	value = kv_get(&req->form, "token");
	if (!value || !*value) {
		violation(req, "missing_parameter", "revoke without token");
		reply_oauth_error(req, 400, "invalid_request", "token is required.");
		return 0;
	}
	pthread_mutex_lock(&G.mu);
	t = token_find(value);
	if (t && t->death == TOK_ALIVE) {
		char open_id[64];
		struct json_object *c = json_object_new_object();
		snprintf(open_id, sizeof(open_id), "%s", t->open_id);
		revoke_account_locked(open_id);
		json_object_object_add(c, "reason", json_object_new_int(5)); /* developer revoked */
		webhook_queue_locked("authorization.removed", open_id, "", c);
	}
	pthread_mutex_unlock(&G.mu);
	/* unknown or already dead tokens: nothing to do, like RFC 7009 */
	reply_json(req, 200, json_object_new_object());
	return 0;
}

/* ---- Bearer auth for the API ---- */

int bearer_auth(struct request *req, const char *scope_a, const char *scope_b, struct token *out)
{
	const char *h = req_get_header(req, "Authorization");
	struct token *t;
	int ok = 0, was_refresh = 0;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
		violation(req, "missing_bearer", "no Authorization: Bearer header");
		reply_envelope(req, 401, NULL, "access_token_invalid",
			       "The access token is invalid or not found in the request.");
		return -1;
	}
	pthread_mutex_lock(&G.mu);
	t = token_find(h + 7);
	if (t && t->kind == TOK_ACCESS && t->death == TOK_ALIVE && emu_now() < t->expires) {
		*out = *t;
		ok = 1;
	}
	was_refresh = t && t->kind == TOK_REFRESH;
	pthread_mutex_unlock(&G.mu);
	if (was_refresh)
		violation(req, "refresh_token_used_as_access_token", "a refresh token was sent as Bearer");
	if (!ok) {
		reply_envelope(req, 401, NULL, "access_token_invalid",
			       "The access token is invalid or not found in the request.");
		return -1;
	}
	if (!scope_has(out->scopes, scope_a) && !(scope_b && scope_has(out->scopes, scope_b))) {
		violation(req, "scope_not_authorized", "needs %s%s%s; granted %s", scope_a,
			  scope_b ? " or " : "", scope_b ? scope_b : "", out->scopes);
		reply_envelope(req, 401, NULL, "scope_not_authorized",
			       "The user did not authorize the scope required for completing this request.");
		return -1;
	}
	return 0;
}

/* ---- user info ---- */

struct field {
	const char *name, *scope;
};

static const struct field user_fields[] = {
	{ "open_id", "user.info.basic" }, { "union_id", "user.info.basic" },
	{ "avatar_url", "user.info.basic" }, { "avatar_url_100", "user.info.basic" },
	{ "avatar_large_url", "user.info.basic" }, { "display_name", "user.info.basic" },
	{ "bio_description", "user.info.profile" }, { "profile_deep_link", "user.info.profile" },
	{ "is_verified", "user.info.profile" }, { "username", "user.info.profile" },
	{ "follower_count", "user.info.stats" }, { "following_count", "user.info.stats" },
	{ "likes_count", "user.info.stats" }, { "video_count", "user.info.stats" },
};

static void add_field(struct json_object *u, const char *f, const struct profile *p)
{
	char url[512];

	if (!strcmp(f, "open_id"))
		json_object_object_add(u, f, json_object_new_string(p->open_id));
	else if (!strcmp(f, "union_id"))
		json_object_object_add(u, f, json_object_new_string(p->union_id));
	else if (!strcmp(f, "avatar_url") || !strcmp(f, "avatar_url_100") || !strcmp(f, "avatar_large_url")) {
		avatar_url(p, !strcmp(f, "avatar_url") ? "" : !strcmp(f, "avatar_url_100") ? "?size=100" : "?size=large",
			   url, sizeof(url));
		json_object_object_add(u, f, json_object_new_string(url));
	} else if (!strcmp(f, "display_name"))
		json_object_object_add(u, f, json_object_new_string(p->display_name));
	else if (!strcmp(f, "bio_description"))
		json_object_object_add(u, f, json_object_new_string(p->bio));
	else if (!strcmp(f, "profile_deep_link")) {
		snprintf(url, sizeof(url), "%s/@%s", G.cfg->public_base_url, p->username);
		json_object_object_add(u, f, json_object_new_string(url));
	} else if (!strcmp(f, "is_verified"))
		json_object_object_add(u, f, json_object_new_boolean(p->is_verified));
	else if (!strcmp(f, "username"))
		json_object_object_add(u, f, json_object_new_string(p->username));
	else if (!strcmp(f, "follower_count"))
		json_object_object_add(u, f, json_object_new_int64(p->follower_count));
	else if (!strcmp(f, "following_count"))
		json_object_object_add(u, f, json_object_new_int64(p->following_count));
	else if (!strcmp(f, "likes_count"))
		json_object_object_add(u, f, json_object_new_int64(p->likes_count));
	else if (!strcmp(f, "video_count"))
		json_object_object_add(u, f, json_object_new_int64(p->video_count));
}

static const struct field *field_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(user_fields); i++)
		if (!strcmp(user_fields[i].name, name))
			return &user_fields[i];
	return NULL;
}

/* GET /v2/user/info/?fields=a,b */
int handle_user_info(struct request *req)
{
	const char *fields = kv_get(&req->query, "fields");
	struct token tok;
	struct json_object *u, *data;
	const struct profile *p;
	int allowed;

	if (bearer_auth(req, "user.info.basic", NULL, &tok) < 0)
		return 0;
	if (!fields || !*fields) {
		violation(req, "missing_parameter", "user/info without fields");
		reply_envelope(req, 400, NULL, "invalid_params", "fields is required");
		return 0;
	}
	/* every field must be known and covered by a granted scope */
	for (const char *s = fields; s && *s;) {
		const char *e = strchr(s, ',');
		char name[64];
		const struct field *f;
		snprintf(name, sizeof(name), "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
		f = field_find(name);
		if (!f) {
			violation(req, "unknown_field", "user/info field %s", name);
			reply_envelope(req, 400, NULL, "invalid_params", "Unknown field: %s", name);
			return 0;
		}
		if (!scope_has(tok.scopes, f->scope)) {
			violation(req, "scope_not_authorized", "field %s needs %s", name, f->scope);
			reply_envelope(req, 401, NULL, "scope_not_authorized",
				       "The user did not authorize the scope required for field %s.", name);
			return 0;
		}
		s = e ? e + 1 : NULL;
	}
	pthread_mutex_lock(&G.mu);
	allowed = rate_allow(tok.value, RL_USER_INFO, G.rt.rate_user_info, G.rt.rate_window_sec);
	p = profile_find(tok.open_id);
	u = json_object_new_object();
	for (const char *s = fields; p && s && *s;) {
		const char *e = strchr(s, ',');
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
		add_field(u, name, p);
		s = e ? e + 1 : NULL;
	}
	pthread_mutex_unlock(&G.mu);
	if (!allowed) {
		json_object_put(u);
		violation(req, "rate_limit_exceeded", "user/info over its per-minute limit");
		reply_envelope(req, 429, NULL, "rate_limit_exceeded", "Rate limit exceeded.");
		return 0;
	}
	data = json_object_new_object();
	json_object_object_add(data, "user", u);
	reply_envelope(req, 200, data, "ok", "%s", "");
	return 0;
}
