/* tiktok_connect.c — see tiktok_connect.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tiktok_connect.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "accounts.h"
#include "db.h"
#include "escape.h"
#include "platform.h"
#include "tiktok.h"

static struct config cfg;
static int cfg_loaded;
static int seq;

const struct config *tconn_config(void)
{
	char err[512];

	if (!cfg_loaded) {
		if (config_load(&cfg, t_env("LF_CONFIG"), err, sizeof(err)) < 0)
			fail_msg("config: %s", err);
		cfg_loaded = 1;
	}
	return &cfg;
}

static void form(struct buf *b, const char *k, const char *v)
{
	if (b->len)
		buf_putc(b, '&');
	buf_puts(b, k);
	buf_putc(b, '=');
	url_encode(b, v);
}

/* The code in a redirect Location (URL-decoded, malloc'd). */
static char *code_of(const char *location)
{
	const char *p = strstr(location, "?code=");
	char *code;
	long n;

	if (!p)
		p = strstr(location, "&code=");
	if (!p)
		fail_msg("no code in %s", location);
	p += 6;
	code = strndup(p, strcspn(p, "&"));
	n = url_decode(code, strlen(code), 1);
	assert_true(n >= 0);
	code[n] = '\0';
	return code;
}

static char *authorize(const struct config *c, const char *open_id, const char *scopes)
{
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	struct buf b = BUF_INIT;
	struct tresp r;
	const char *loc;
	char *code;

	form(&b, "client_key", c->tiktok_client_key);
	form(&b, "response_type", "code");
	form(&b, "scope", scopes);
	form(&b, "redirect_uri", c->tiktok_redirect_uri);
	form(&b, "state", "worker-test-state");
	form(&b, "emulator_account", open_id);
	form(&b, "decision", "authorize");
	assert_int_equal(tc_post_form(emu, "/v2/auth/authorize/decide", buf_cstr(&b), &r), 0);
	if (r.status != 302)
		fail_msg("authorize %s -> %ld %.300s", open_id, r.status, r.body.data);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	code = code_of(loc);
	tresp_free(&r);
	buf_free(&b);
	tc_free(emu);
	return code;
}

void tconn_connect(const char *open_id, const char *scopes, struct tconn *out)
{
	char name[64], hash[8] = "x", *uid;
	long long user_id;
	PGconn *pg = t_db();

	snprintf(name, sizeof(name), "wk%d_%d", (int)getpid(), ++seq);
	/* the user never logs in: no password hash is needed */
	uid = t_db_value(pg, "INSERT INTO users (name, password_hash) VALUES ($1, $2) RETURNING id", 2,
			 (const char *[]){ name, hash });
	assert_non_null(uid);
	user_id = atoll(uid);
	free(uid);
	PQfinish(pg);
	tconn_connect_user(user_id, open_id, scopes, out);
}

void tconn_connect_user(long long user_id, const char *open_id, const char *scopes, struct tconn *out)
{
	const struct config *c = tconn_config();
	struct tiktok_client client;
	struct tiktok_result res;
	struct tiktok_token tok;
	struct tiktok_user user;
	struct db db;
	char *code;
	int64_t account = 0;

	memset(out, 0, sizeof(*out));
	out->user_id = user_id;
	code = authorize(c, open_id, scopes);
	accounts_client(c, &client);
	tiktok_result_init(&res);
	if (tiktok_exchange_code(&client, code, NULL, &tok, &res) < 0) {
		char why[400];
		fail_msg("code exchange: %s", tiktok_result_describe(&res, why, sizeof(why)));
	}
	free(code);
	memset(&user, 0, sizeof(user));
	snprintf(user.display_name, sizeof(user.display_name), "Worker test %s", open_id);
	db_init(&db, t_env("LF_DB_URL"));
	assert_int_equal(db_ensure(&db), 0);
	assert_int_equal(accounts_store_for(&db, c, platform_for("tiktok"), out->user_id, &tok, &user,
					tok.scope, &account), 0);
	db_close(&db);
	tiktok_token_clear(&tok);
	tiktok_result_free(&res);
	out->account_id = account;
	snprintf(out->open_id, sizeof(out->open_id), "%s", open_id);
}

void tconn_emulator_profiles(const char *const *profiles, size_t n)
{
	struct tclient *e = tc_new_base(t_env("LF_EMU_URL"));
	struct json_object *conf, *have, *body, *add = json_object_new_array();
	const char *hdr[] = { "Content-Type: application/json", NULL };
	const char *js;
	struct tresp r;

	assert_int_equal(tc_get(e, "/_emulator/config", &r), 0);
	assert_int_equal(r.status, 200);
	conf = json_tokener_parse(r.body.data);
	tresp_free(&r);
	assert_non_null(conf);
	assert_true(json_object_object_get_ex(conf, "profiles", &have));
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_tokener_parse(profiles[i]), *u;
		int present = 0;
		assert_non_null(p);
		assert_true(json_object_object_get_ex(p, "username", &u));
		for (size_t k = 0; k < json_object_array_length(have); k++) {
			struct json_object *hu;
			if (json_object_object_get_ex(json_object_array_get_idx(have, k), "username", &hu) &&
			    !strcmp(json_object_get_string(hu), json_object_get_string(u)))
				present = 1;
		}
		if (present)
			json_object_put(p);
		else
			json_object_array_add(add, p);
	}
	if (json_object_array_length(add) > 0) {
		for (size_t i = 0; i < json_object_array_length(add); i++)
			json_object_array_add(have, json_object_get(json_object_array_get_idx(add, i)));
		body = json_object_new_object();
		json_object_object_add(body, "profiles", json_object_get(have));
		js = json_object_to_json_string(body);
		assert_int_equal(tc_request(e, "POST", "/_emulator/config", hdr, js, strlen(js), &r), 0);
		if (r.status != 200)
			fail_msg("emulator config: %ld %s", r.status, r.body.data);
		tresp_free(&r);
		json_object_put(body);
	}
	json_object_put(add);
	json_object_put(conf);
	tc_free(e);
}
