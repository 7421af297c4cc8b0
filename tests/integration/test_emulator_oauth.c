/* The TikTok emulator's OAuth v2 (tiktok-api.md §1), over HTTP through
 * nginx: the authorize page and its refusals, the consent decision, the
 * token endpoint (codes, PKCE hex, strict refresh rotation), revoke and
 * user info, and the violations the emulator records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"

static long authorize_get(const char *query, struct tresp *r)
{
	char path[2048];

	snprintf(path, sizeof(path), "/v2/auth/authorize/?%s", query);
	assert_int_equal(tc_get(E.c, path, r), 0);
	return r->status;
}

static void authorize_page_shows_consent_with_accounts_and_scopes(void **state)
{
	struct buf q = BUF_INIT;
	struct tresp r;

	(void)state;
	emu_authz_fields(&E, &q, "user.info.basic,video.publish", NULL);
	emu_form(&q, "emulator_account", "max.private");
	assert_int_equal(authorize_get(q.data, &r), 200);
	assert_non_null(strstr(tresp_header(&r, "Content-Type"), "text/html"));
	assert_non_null(strstr(r.body.data, "action=\"/v2/auth/authorize/decide\""));
	assert_non_null(strstr(r.body.data, "value=authorize"));
	/* the consent names the app asking, as TikTok's does */
	assert_non_null(strstr(r.body.data, "<h1>Authorize LangFlix Publisher</h1>"));
	assert_non_null(strstr(r.body.data, "name=viewport"));
	assert_non_null(strstr(r.body.data, "value=cancel"));
	assert_non_null(strstr(r.body.data, "Lena (public)"));
	/* the account from the query is preselected */
	assert_non_null(strstr(r.body.data, EMU_PRIVATE "\" selected"));
	assert_non_null(strstr(r.body.data, "video.publish"));
	assert_non_null(strstr(r.body.data, "not TikTok"));
	tresp_free(&r);
	buf_free(&q);
	emu_assert_no_violations(&E);
}

/* Each bad parameter: a 400 HTML page naming it, no redirect, a violation. */
static void authorize_refuses_invalid_requests_with_an_error_page(void **state)
{
	struct {
		const char *scope, *ruri, *client, *rtype, *state_v, *challenge, *method, *param;
	} cases[] = {
		{ "user.info.basic", NULL, "wrong-client", "code", "s", NULL, NULL, "client_key" },
		{ "user.info.basic", NULL, NULL, "token", "s", NULL, NULL, "response_type" },
		{ "user.info.basic video.publish", NULL, NULL, "code", "s", NULL, NULL, "scope" },
		{ "user.info.basic,video.fly", NULL, NULL, "code", "s", NULL, NULL, "scope" },
		{ "", NULL, NULL, "code", "s", NULL, NULL, "scope" },
		{ "user.info.basic", "http://127.0.0.1:1/evil", NULL, "code", "s", NULL, NULL, "redirect_uri" },
		{ "user.info.basic", "SUFFIX", NULL, "code", "s", NULL, NULL, "redirect_uri" },
		{ "user.info.basic", NULL, NULL, "code", "", NULL, NULL, "state" },
		/* RFC 7636 base64url instead of TikTok's hex */
		{ "user.info.basic", NULL, NULL, "code", "s", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256",
		  "code_challenge" },
		{ "user.info.basic", NULL, NULL, "code", "s",
		  "13D31E961A1AD8EC2F16B10C4C982E0876A878AD6DF144566EE1894ACB70F9C3", "S256", "code_challenge" },
		{ "user.info.basic", NULL, NULL, "code", "s",
		  "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3", "plain",
		  "code_challenge_method" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf q = BUF_INIT, ruri = BUF_INIT;
		struct tresp r;
		char needle[80];

		if (cases[i].ruri && !strcmp(cases[i].ruri, "SUFFIX"))
			buf_printf(&ruri, "%s/", E.redirect_uri); /* not byte-identical */
		else
			buf_puts(&ruri, cases[i].ruri ? cases[i].ruri : E.redirect_uri);
		emu_form(&q, "client_key", cases[i].client ? cases[i].client : E.client_key);
		emu_form(&q, "response_type", cases[i].rtype);
		emu_form(&q, "scope", cases[i].scope);
		emu_form(&q, "redirect_uri", ruri.data);
		if (*cases[i].state_v)
			emu_form(&q, "state", cases[i].state_v);
		if (cases[i].challenge)
			emu_form(&q, "code_challenge", cases[i].challenge);
		if (cases[i].method)
			emu_form(&q, "code_challenge_method", cases[i].method);
		if (authorize_get(q.data, &r) != 400)
			fail_msg("case %zu: expected 400, got %ld", i, r.status);
		assert_null(tresp_header(&r, "Location"));
		snprintf(needle, sizeof(needle), "<strong>%s</strong>", cases[i].param);
		if (!strstr(r.body.data, needle))
			fail_msg("case %zu: the page does not name %s", i, cases[i].param);
		assert_non_null(strstr(r.body.data, "We couldn't log in with TikTok"));
		tresp_free(&r);
		buf_free(&q);
		buf_free(&ruri);
	}
	assert_int_equal(emu_violations(&E, "invalid_authorize_request"), (int)(sizeof(cases) / sizeof(cases[0])));
}

static void authorize_redirects_with_encoded_code_scopes_and_state(void **state)
{
	char *loc, *code, *scopes, *st;

	(void)state;
	loc = emu_decide(&E, "lena.public", "user.info.basic,video.publish", NULL, "authorize", NULL);
	assert_true(strncmp(loc, E.redirect_uri, strlen(E.redirect_uri)) == 0);
	assert_int_equal(loc[strlen(E.redirect_uri)], '?');
	/* '*' and '!' travel percent-encoded and decode back */
	assert_non_null(strstr(loc, "%2A%21"));
	code = emu_query_param(loc, "code");
	assert_non_null(strstr(code, "*!"));
	scopes = emu_query_param(loc, "scopes");
	assert_string_equal(scopes, "user.info.basic,video.publish");
	st = emu_query_param(loc, "state");
	assert_string_equal(st, "st-123");
	free(loc);
	free(code);
	free(scopes);
	free(st);
	emu_assert_no_violations(&E);
}

static void cancel_redirects_with_access_denied(void **state)
{
	char *loc = emu_decide(&E, "lena.public", "user.info.basic", NULL, "cancel", NULL);
	char *err = emu_query_param(loc, "error"), *desc = emu_query_param(loc, "error_description");
	char *st = emu_query_param(loc, "state");

	(void)state;
	assert_string_equal(err, "access_denied");
	assert_true(strlen(desc) > 0);
	assert_string_equal(st, "st-123");
	assert_null(emu_query_param(loc, "code"));
	free(loc);
	free(err);
	free(desc);
	free(st);
}

static void partial_grant_only_gives_granted_scopes(void **state)
{
	char *loc = emu_decide(&E, "lena.public", "user.info.basic,video.publish,video.upload", NULL,
			       "authorize", "user.info.basic,video.upload");
	char *scopes = emu_query_param(loc, "scopes"), *code = emu_query_param(loc, "code");
	long status;
	struct json_object *o = emu_exchange(&E, code, NULL, &status), *ci;

	(void)state;
	assert_string_equal(scopes, "user.info.basic,video.upload");
	assert_int_equal(status, 200);
	assert_string_equal(emu_str(o, "scope"), "user.info.basic,video.upload");
	/* creator_info needs video.publish, which was not granted */
	ci = emu_api(&E, "/v2/post/publish/creator_info/query/", emu_str(o, "access_token"), NULL, &status);
	assert_int_equal(status, 401);
	assert_string_equal(emu_str(ci, "error.code"), "scope_not_authorized");
	assert_int_equal(emu_violations(&E, "scope_not_authorized"), 1);
	json_object_put(ci);
	json_object_put(o);
	free(loc);
	free(scopes);
	free(code);
}

static void exchange_returns_flat_tokens_and_code_is_single_use(void **state)
{
	char *code = emu_code(&E, "lena.public", "user.info.basic,video.publish", NULL);
	long status;
	struct json_object *o = emu_exchange(&E, code, NULL, &status);

	(void)state;
	assert_int_equal(status, 200);
	assert_true(strncmp(emu_str(o, "access_token"), "act.", 4) == 0);
	assert_true(strncmp(emu_str(o, "refresh_token"), "rft.", 4) == 0);
	assert_string_equal(emu_str(o, "open_id"), EMU_PUBLIC);
	assert_string_equal(emu_str(o, "scope"), "user.info.basic,video.publish");
	assert_string_equal(emu_str(o, "token_type"), "Bearer");
	assert_true(json_object_get_int64(emu_get(o, "expires_in")) > 0);
	assert_true(json_object_get_int64(emu_get(o, "refresh_expires_in")) > 0);
	assert_null(emu_get(o, "data")); /* flat, not the envelope */
	json_object_put(o);
	emu_assert_no_violations(&E);

	o = emu_exchange(&E, code, NULL, &status);
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(o, "error"), "invalid_grant");
	assert_true(strlen(emu_str(o, "log_id")) > 0);
	assert_int_equal(emu_violations(&E, "reused_code"), 1);
	json_object_put(o);
	free(code);
}

static void exchange_refuses_bad_client_content_type_and_redirect(void **state)
{
	static const char *const json_h[] = { "Content-Type: application/json", NULL };
	char *code = emu_code(&E, "lena.public", "user.info.basic", NULL);
	struct buf b = BUF_INIT;
	struct tresp r;
	long status;
	struct json_object *o;

	(void)state;
	/* JSON instead of a form */
	assert_int_equal(tc_request(E.c, "POST", "/v2/oauth/token/", json_h, "{}", 2, &r), 0);
	assert_int_equal(r.status, 400);
	o = emu_parse(&r);
	assert_string_equal(emu_str(o, "error"), "invalid_request");
	json_object_put(o);
	tresp_free(&r);
	assert_int_equal(emu_violations(&E, "wrong_content_type"), 1);

	/* a wrong secret */
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", "nope");
	emu_form(&b, "code", code);
	emu_form(&b, "grant_type", "authorization_code");
	emu_form(&b, "redirect_uri", E.redirect_uri);
	o = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 401);
	assert_string_equal(emu_str(o, "error"), "invalid_client");
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "bad_client_credentials"), 1);

	/* a redirect_uri that is not byte-identical */
	buf_reset(&b);
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "code", code);
	emu_form(&b, "grant_type", "authorization_code");
	buf_printf(&b, "&redirect_uri=");
	url_encode(&b, E.redirect_uri);
	buf_puts(&b, "%2F");
	o = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(o, "error"), "invalid_request");
	assert_non_null(strstr(emu_str(o, "error_description"), "Redirect_uri"));
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "redirect_uri_mismatch"), 1);

	/* an unknown grant type */
	buf_reset(&b);
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "grant_type", "password");
	o = emu_token_call(&E, b.data, &status);
	assert_string_equal(emu_str(o, "error"), "unsupported_grant_type");
	json_object_put(o);

	/* the code was never spent by the failures: it still works */
	o = emu_exchange(&E, code, NULL, &status);
	assert_int_equal(status, 200);
	json_object_put(o);
	buf_free(&b);
	free(code);
}

static void undecoded_code_is_refused_and_flagged(void **state)
{
	char *loc = emu_decide(&E, "lena.public", "user.info.basic", NULL, "authorize", NULL);
	const char *raw = strstr(loc, "code=") + 5;
	char *enc = strndup(raw, strcspn(raw, "&"));
	long status;
	struct json_object *o = emu_exchange(&E, enc, NULL, &status);

	(void)state;
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(o, "error"), "invalid_grant");
	assert_int_equal(emu_violations(&E, "code_not_url_decoded"), 1);
	json_object_put(o);
	free(enc);
	free(loc);
}

static void code_expires(void **state)
{
	char *code;
	long status;
	struct json_object *o;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"code_ttl_sec\":1}");
	code = emu_code(&E, "lena.public", "user.info.basic", NULL);
	sleep(2);
	o = emu_exchange(&E, code, NULL, &status);
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(o, "error"), "invalid_grant");
	json_object_put(o);
	free(code);
}

static void pkce_hex_challenge_is_checked(void **state)
{
	const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	const char *challenge = "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3";
	char *code;
	long status;
	struct json_object *o;

	(void)state;
	/* the right verifier */
	code = emu_code(&E, "lena.public", "user.info.basic", challenge);
	o = emu_exchange(&E, code, verifier, &status);
	assert_int_equal(status, 200);
	json_object_put(o);
	free(code);
	emu_assert_no_violations(&E);

	/* a wrong verifier, then a missing one */
	code = emu_code(&E, "lena.public", "user.info.basic", challenge);
	o = emu_exchange(&E, code, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", &status);
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(o, "error"), "invalid_request");
	assert_non_null(strstr(emu_str(o, "error_description"), "Code verifier"));
	json_object_put(o);
	o = emu_exchange(&E, code, NULL, &status);
	assert_int_equal(status, 400);
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "pkce_mismatch"), 1);
	assert_int_equal(emu_violations(&E, "pkce_verifier_missing"), 1);
	free(code);
}

static void refresh_rotates_strictly(void **state)
{
	char *code = emu_code(&E, "lena.public", "user.info.basic,video.publish", NULL);
	long status;
	struct json_object *first = emu_exchange(&E, code, NULL, &status), *second, *again, *third;
	struct buf b = BUF_INIT;
	char old_rt[200];

	(void)state;
	assert_int_equal(status, 200);
	snprintf(old_rt, sizeof(old_rt), "%s", emu_str(first, "refresh_token"));
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "grant_type", "refresh_token");
	emu_form(&b, "refresh_token", old_rt);
	second = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 200);
	assert_string_not_equal(emu_str(second, "refresh_token"), old_rt);
	assert_string_not_equal(emu_str(second, "access_token"), emu_str(first, "access_token"));
	assert_string_equal(emu_str(second, "scope"), "user.info.basic,video.publish");
	assert_string_equal(emu_str(second, "open_id"), EMU_PUBLIC);
	/* the refresh token's life is not extended by refreshing */
	assert_true(json_object_get_int64(emu_get(second, "refresh_expires_in")) <=
		    json_object_get_int64(emu_get(first, "refresh_expires_in")));

	/* the old one died at once: an error and a recorded violation */
	again = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(again, "error"), "invalid_grant");
	assert_int_equal(emu_violations(&E, "dead_refresh_token_reused"), 1);

	/* the new one works */
	buf_reset(&b);
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "grant_type", "refresh_token");
	emu_form(&b, "refresh_token", emu_str(second, "refresh_token"));
	third = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 200);
	json_object_put(first);
	json_object_put(second);
	json_object_put(again);
	json_object_put(third);
	buf_free(&b);
	free(code);
}

static void expired_access_token_is_invalid(void **state)
{
	char token[200];
	long status;
	struct json_object *o;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"access_ttl_sec\":1}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, token, sizeof(token));
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", token, NULL, &status);
	assert_int_equal(status, 200);
	json_object_put(o);
	sleep(2);
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", token, NULL, &status);
	assert_int_equal(status, 401);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);
	/* an expired token is normal life, not a protocol violation */
	emu_assert_no_violations(&E);
}

static void expire_tokens_drives_the_refresh_path(void **state)
{
	char *code = emu_code(&E, "lena.public", EMU_ALL_SCOPES, NULL);
	long status;
	struct json_object *t = emu_exchange(&E, code, NULL, &status), *o;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(status, 200);
	emu_ctl(&E, "/_emulator/expire_tokens", "{\"open_id\":\"" EMU_PUBLIC "\",\"kind\":\"access\"}");
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", emu_str(t, "access_token"), NULL, &status);
	assert_int_equal(status, 401);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);
	/* the refresh token still works and gives a working access token */
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "grant_type", "refresh_token");
	emu_form(&b, "refresh_token", emu_str(t, "refresh_token"));
	json_object_put(t);
	t = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 200);
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", emu_str(t, "access_token"), NULL, &status);
	assert_int_equal(status, 200);
	json_object_put(o);
	/* an expired refresh token: invalid_grant (re-consent), not a violation */
	emu_ctl(&E, "/_emulator/expire_tokens", "{\"kind\":\"refresh\"}");
	buf_reset(&b);
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "grant_type", "refresh_token");
	emu_form(&b, "refresh_token", emu_str(t, "refresh_token"));
	json_object_put(t);
	t = emu_token_call(&E, b.data, &status);
	assert_int_equal(status, 400);
	assert_string_equal(emu_str(t, "error"), "invalid_grant");
	json_object_put(t);
	emu_assert_no_violations(&E);
	buf_free(&b);
	free(code);
}

static void revoke_kills_tokens(void **state)
{
	char token[200];
	struct buf b = BUF_INIT;
	struct tresp r;
	long status;
	struct json_object *o, *s, *hooks;
	int seen = 0;

	(void)state;
	emu_token(&E, "max.private", EMU_ALL_SCOPES, token, sizeof(token));
	emu_form(&b, "client_key", E.client_key);
	emu_form(&b, "client_secret", E.client_secret);
	emu_form(&b, "token", token);
	assert_int_equal(tc_post_form(E.c, "/v2/oauth/revoke/", b.data, &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", token, NULL, &status);
	assert_int_equal(status, 401);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);
	/* authorization.removed was raised (no receiver: recorded only) */
	s = emu_state(&E);
	hooks = emu_get(s, "webhooks");
	for (size_t i = 0; i < json_object_array_length(hooks); i++)
		seen += !strcmp(emu_str(json_object_array_get_idx(hooks, i), "event"), "authorization.removed");
	assert_int_equal(seen, 1);
	json_object_put(s);
	buf_free(&b);
}

static void user_info_returns_requested_fields_within_scope(void **state)
{
	char token[200], auth[300];
	const char *h[] = { auth, NULL };
	struct tresp r;
	struct json_object *o;

	(void)state;
	emu_token(&E, "lena.public", "user.info.basic,user.info.profile", token, sizeof(token));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	assert_int_equal(tc_request(E.c, "GET", "/v2/user/info/?fields=open_id,union_id,avatar_url,display_name,username",
				    h, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	o = emu_parse(&r);
	assert_string_equal(emu_str(o, "error.code"), "ok");
	assert_string_equal(emu_str(o, "data.user.open_id"), EMU_PUBLIC);
	assert_string_equal(emu_str(o, "data.user.username"), "lena.public");
	assert_string_equal(emu_str(o, "data.user.display_name"), "Lena (public)");
	assert_true(strncmp(emu_str(o, "data.user.avatar_url"), E.base, strlen(E.base)) == 0);
	assert_null(emu_get(o, "data.user.follower_count"));
	json_object_put(o);
	tresp_free(&r);

	/* the avatar is served by the emulator itself */
	assert_int_equal(tc_get(E.c, "/avatar/" EMU_PUBLIC ".svg", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "<svg"));
	tresp_free(&r);

	/* a stats field needs user.info.stats */
	assert_int_equal(tc_request(E.c, "GET", "/v2/user/info/?fields=open_id,follower_count", h, NULL, 0, &r), 0);
	assert_int_equal(r.status, 401);
	o = emu_parse(&r);
	assert_string_equal(emu_str(o, "error.code"), "scope_not_authorized");
	json_object_put(o);
	tresp_free(&r);

	/* fields is required */
	assert_int_equal(tc_request(E.c, "GET", "/v2/user/info/", h, NULL, 0, &r), 0);
	assert_int_equal(r.status, 400);
	tresp_free(&r);

	/* no Bearer at all */
	assert_int_equal(tc_get(E.c, "/v2/user/info/?fields=open_id", &r), 0);
	assert_int_equal(r.status, 401);
	o = emu_parse(&r);
	assert_string_equal(emu_str(o, "error.code"), "access_token_invalid");
	json_object_put(o);
	tresp_free(&r);
	assert_int_equal(emu_violations(&E, "missing_bearer"), 1);
}

static void auto_approve_skips_the_consent_page(void **state)
{
	struct buf q = BUF_INIT;
	struct tresp r;
	char *code;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"auto_approve_account\":\"max.private\"}");
	emu_authz_fields(&E, &q, "user.info.basic,video.upload", NULL);
	assert_int_equal(authorize_get(q.data, &r), 302);
	code = emu_query_param(tresp_header(&r, "Location"), "code");
	assert_non_null(code);
	tresp_free(&r);
	/* disable_auto_auth=1 always shows the page */
	emu_form(&q, "disable_auto_auth", "1");
	assert_int_equal(authorize_get(q.data, &r), 200);
	tresp_free(&r);
	{
		long status;
		struct json_object *o = emu_exchange(&E, code, NULL, &status);
		assert_int_equal(status, 200);
		assert_string_equal(emu_str(o, "open_id"), EMU_PRIVATE);
		json_object_put(o);
	}
	free(code);
	buf_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMU_TEST(authorize_page_shows_consent_with_accounts_and_scopes),
		EMU_TEST(authorize_refuses_invalid_requests_with_an_error_page),
		EMU_TEST(authorize_redirects_with_encoded_code_scopes_and_state),
		EMU_TEST(cancel_redirects_with_access_denied),
		EMU_TEST(partial_grant_only_gives_granted_scopes),
		EMU_TEST(exchange_returns_flat_tokens_and_code_is_single_use),
		EMU_TEST(exchange_refuses_bad_client_content_type_and_redirect),
		EMU_TEST(undecoded_code_is_refused_and_flagged),
		EMU_TEST(code_expires),
		EMU_TEST(pkce_hex_challenge_is_checked),
		EMU_TEST(refresh_rotates_strictly),
		EMU_TEST(expired_access_token_is_invalid),
		EMU_TEST(expire_tokens_drives_the_refresh_path),
		EMU_TEST(revoke_kills_tokens),
		EMU_TEST(user_info_returns_requested_fields_within_scope),
		EMU_TEST(auto_approve_skips_the_consent_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
