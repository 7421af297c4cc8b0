/* Unit tests: platforms by name (lib/platform.h). A test platform is
 * registered and every pointer a caller uses is reached through
 * platform_for(); unknown names are refused with a sentence that names
 * them; TikTok's entry is the existing TikTok code, not a copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform.h"

/* What the fake platform saw. */
static struct {
	int configured, client, authorize, exchange, refresh, grant_dead, revoke, account, creator;
	int validate, preflight, init, part, status, classify, classify_part, fail_text;
	char last_state[64], last_code[64], last_publish[64];
} seen;

static int f_configured(const struct config *cfg) { (void)cfg; seen.configured++; return 1; }
static void f_client(const struct config *cfg, struct tiktok_client *out)
{
	(void)cfg;
	memset(out, 0, sizeof(*out));
	out->api_base = "http://127.0.0.1:9/fake";
	seen.client++;
}
static void f_authorize(const struct config *cfg, const char *state, const char *verifier, struct buf *out)
{
	(void)cfg;
	seen.authorize++;
	snprintf(seen.last_state, sizeof(seen.last_state), "%s", state);
	buf_printf(out, "https://fake.example/authorize?state=%s&pkce=%d", state, verifier != NULL);
}
static int f_exchange(const struct tiktok_client *c, const char *code, const char *verifier,
		      struct tiktok_token *out, struct tiktok_result *res)
{
	(void)c, (void)verifier, (void)res;
	seen.exchange++;
	snprintf(seen.last_code, sizeof(seen.last_code), "%s", code);
	snprintf(out->access_token, sizeof(out->access_token), "fake-access");
	return 0;
}
static int f_refresh(const struct tiktok_client *c, const char *rt, struct tiktok_token *out,
		     struct tiktok_result *res)
{
	(void)c, (void)rt, (void)out, (void)res;
	return ++seen.refresh, 0;
}
static int f_grant_dead(const struct tiktok_result *res)
{
	(void)res;
	return ++seen.grant_dead, 1;
}
static int f_revoke(const struct tiktok_client *c, const char *at, struct tiktok_result *res)
{
	(void)c, (void)at, (void)res;
	return ++seen.revoke, 0;
}
static int f_account(const struct tiktok_client *c, const char *at, unsigned scopes,
		     struct tiktok_user *out, struct tiktok_result *res)
{
	(void)c, (void)at, (void)scopes, (void)res;
	snprintf(out->display_name, sizeof(out->display_name), "Fake Creator");
	return ++seen.account, 0;
}
static int f_creator(const struct tiktok_client *c, const char *at, struct tiktok_creator *out,
		     struct tiktok_result *res)
{
	(void)c, (void)at, (void)res;
	memset(out, 0, sizeof(*out));
	out->n_privacy = 1;
	snprintf(out->privacy[0], sizeof(out->privacy[0]), "SELF_ONLY");
	return ++seen.creator, TT_CREATOR_OK;
}
static int f_validate(const struct post_form *s, const struct post_facts *f, struct post_decision *d,
		      struct post_violations *out)
{
	(void)s, (void)f, (void)d, (void)out;
	return ++seen.validate, 0;
}
static int f_preflight(const struct post_facts *f, int direct, struct post_violations *out)
{
	(void)f, (void)direct, (void)out;
	return ++seen.preflight, 0;
}
static int f_init(const struct tiktok_client *c, const char *at, const struct post_settings *post,
		  const struct tiktok_source *src, struct tiktok_init *out, struct tiktok_result *res)
{
	(void)c, (void)at, (void)post, (void)src, (void)res;
	snprintf(out->publish_id, sizeof(out->publish_id), "fake-publish-1");
	return ++seen.init, 0;
}
static int f_part(CURL *curl, struct tiktok_put *p)
{
	(void)curl, (void)p;
	return ++seen.part, 0;
}
static int f_status(const struct tiktok_client *c, const char *at, const char *publish_id,
		    struct tiktok_status *out, struct tiktok_result *res)
{
	(void)c, (void)at, (void)out, (void)res;
	snprintf(seen.last_publish, sizeof(seen.last_publish), "%s", publish_id);
	return ++seen.status, 0;
}
static enum tt_action f_classify(const struct tiktok_result *r, const char **reason)
{
	(void)r;
	seen.classify++;
	if (reason)
		*reason = "The fake platform refused.";
	return TTA_PERMANENT;
}
static enum tt_upload_action f_classify_part(long http_status)
{
	seen.classify_part++;
	return http_status == 200 ? TTU_COMPLETE : TTU_BROKEN;
}
static const char *f_fail_text(const char *fail_reason, int *retryable)
{
	(void)fail_reason;
	seen.fail_text++;
	if (retryable)
		*retryable = 0;
	return "The fake platform could not post it.";
}

static const struct platform fake = {
	.name = "fakeplatform", .label = "Fake",
	.configured = f_configured, .client = f_client, .authorize_url = f_authorize,
	.exchange_code = f_exchange, .refresh = f_refresh, .grant_dead = f_grant_dead,
	.revoke = f_revoke,
	.account_info = f_account, .creator_info = f_creator, .validate = f_validate,
	.preflight = f_preflight, .upload_init = f_init, .upload_part = f_part, .status = f_status,
	.classify = f_classify, .classify_part = f_classify_part, .fail_reason_text = f_fail_text,
};

static int setup(void **state)
{
	(void)state;
	return platform_register(&fake);
}

/* Every pointer, reached by name, lands in the fake and nowhere else. */
static void dispatch_reaches_the_registered_platform(void **state)
{
	const struct platform *pf = platform_for("fakeplatform");
	struct config cfg;
	struct tiktok_client c;
	struct tiktok_result res;
	struct tiktok_token tok;
	struct tiktok_user user;
	struct tiktok_creator cr;
	struct tiktok_init init;
	struct tiktok_status st;
	struct tiktok_put put;
	struct post_form form;
	struct post_facts facts;
	struct post_decision d;
	struct post_violations v;
	struct post_settings post;
	struct buf url = BUF_INIT;
	const char *why = NULL;
	int retry = -1;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	memset(&cfg, 0, sizeof(cfg));
	memset(&tok, 0, sizeof(tok));
	memset(&res, 0, sizeof(res));
	memset(&put, 0, sizeof(put));
	memset(&form, 0, sizeof(form));
	memset(&facts, 0, sizeof(facts));
	memset(&v, 0, sizeof(v));
	memset(&post, 0, sizeof(post));
	assert_ptr_equal(pf, &fake);
	assert_string_equal(pf->name, "fakeplatform");

	assert_true(pf->configured(&cfg));
	pf->client(&cfg, &c);
	assert_string_equal(c.api_base, "http://127.0.0.1:9/fake");
	pf->authorize_url(&cfg, "st4te", NULL, &url);
	assert_string_equal(buf_cstr(&url), "https://fake.example/authorize?state=st4te&pkce=0");
	assert_int_equal(pf->exchange_code(&c, "c0de", NULL, &tok, &res), 0);
	assert_string_equal(seen.last_code, "c0de");
	assert_string_equal(tok.access_token, "fake-access");
	assert_int_equal(pf->refresh(&c, "r", &tok, &res), 0);
	assert_int_equal(pf->grant_dead(&res), 1);
	assert_int_equal(pf->revoke(&c, "a", &res), 0);
	assert_int_equal(pf->account_info(&c, "a", 0, &user, &res), 0);
	assert_string_equal(user.display_name, "Fake Creator");
	assert_int_equal(pf->creator_info(&c, "a", &cr, &res), TT_CREATOR_OK);
	assert_string_equal(cr.privacy[0], "SELF_ONLY");
	assert_int_equal(pf->preflight(&facts, 1, &v), 0);
	assert_int_equal(pf->validate(&form, &facts, &d, &v), 0);
	assert_int_equal(pf->upload_init(&c, "a", &post, NULL, &init, &res), 0);
	assert_string_equal(init.publish_id, "fake-publish-1");
	assert_int_equal(pf->upload_part(NULL, &put), 0);
	assert_int_equal(pf->status(&c, "a", init.publish_id, &st, &res), 0);
	assert_string_equal(seen.last_publish, "fake-publish-1");
	assert_int_equal(pf->classify(&res, &why), TTA_PERMANENT);
	assert_string_equal(why, "The fake platform refused.");
	assert_int_equal(pf->classify_part(200), TTU_COMPLETE);
	assert_string_equal(pf->fail_reason_text("x", &retry), "The fake platform could not post it.");
	assert_int_equal(retry, 0);

	assert_int_equal(seen.configured + seen.client + seen.authorize + seen.exchange + seen.refresh +
			 seen.grant_dead + seen.revoke + seen.account + seen.creator + seen.validate + seen.preflight +
			 seen.init + seen.part + seen.status + seen.classify + seen.classify_part +
			 seen.fail_text, 17);
	buf_free(&url);
}

/* TikTok is still TikTok: its entry is the existing code, and looking it
 * up does not reach the fake. */
static void tiktok_is_the_existing_code(void **state)
{
	const struct platform *tt = platform_for("tiktok");

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_non_null(tt);
	assert_ptr_equal(tt, &platform_tiktok);
	assert_string_equal(tt->label, "TikTok");
	assert_ptr_equal(tt->classify, tiktok_error_classify);
	assert_ptr_equal(tt->classify_part, tiktok_upload_classify);
	assert_ptr_equal(tt->fail_reason_text, tiktok_fail_reason_text);
	assert_ptr_equal(tt->validate, post_rules_check);
	assert_ptr_equal(tt->preflight, post_rules_preflight);
	assert_ptr_equal(tt->creator_info, tiktok_creator_info);
	assert_ptr_equal(tt->upload_init, tiktok_post_init);
	assert_ptr_equal(tt->upload_part, tiktok_put_chunk);
	assert_ptr_equal(tt->status, tiktok_status_fetch);
	assert_ptr_equal(tt->exchange_code, tiktok_exchange_code);
	assert_ptr_equal(tt->refresh, tiktok_refresh);
	assert_ptr_equal(tt->grant_dead, tiktok_grant_dead);
	assert_ptr_equal(tt->revoke, tiktok_revoke);
	assert_int_equal(tt->classify_part(416), TTU_RESYNC);
	assert_int_equal(seen.classify_part, 0);
}

/* TikTok's authorize URL goes through the platform with its PKCE rule
 * (the hex SHA-256 of the verifier) and this site's client key. */
static void tiktok_authorize_url_carries_state_and_challenge(void **state)
{
	const struct platform *tt = platform_for("tiktok");
	struct config cfg;
	struct buf url = BUF_INIT;
	char challenge[65], want[80];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.tiktok_client_key = (char *)"testkey";
	cfg.tiktok_auth_url = (char *)"https://auth.example/authorize/";
	cfg.tiktok_redirect_uri = (char *)"https://site.example/cb";
	cfg.tiktok_client_secret = (char *)"";
	tt->authorize_url(&cfg, "s1", "verifier-verifier-verifier-verifier-verifier", &url);
	tiktok_pkce_challenge("verifier-verifier-verifier-verifier-verifier", challenge);
	snprintf(want, sizeof(want), "code_challenge=%s", challenge);
	assert_non_null(strstr(buf_cstr(&url), "https://auth.example/authorize/"));
	assert_non_null(strstr(buf_cstr(&url), "client_key=testkey"));
	assert_non_null(strstr(buf_cstr(&url), "state=s1"));
	assert_non_null(strstr(buf_cstr(&url), want));
	buf_reset(&url);
	tt->authorize_url(&cfg, "s2", NULL, &url);
	assert_null(strstr(buf_cstr(&url), "code_challenge"));
	buf_free(&url);
}

static void unknown_names_are_refused_in_words(void **state)
{
	char why[300];

	(void)state;
	assert_null(platform_for("myspace"));
	assert_null(platform_for("TikTok"));      /* names are exact */
	assert_null(platform_for(""));
	assert_null(platform_for(NULL));
	platform_refusal("myspace", why, sizeof(why));
	assert_non_null(strstr(why, "\"myspace\""));
	assert_non_null(strstr(why, "does not support"));
	assert_non_null(strstr(why, "Nothing was sent."));
	platform_refusal(NULL, why, sizeof(why));
	assert_non_null(strstr(why, "(none)"));
}

static void registering_a_taken_name_is_refused(void **state)
{
	struct platform again = fake;
	struct platform other = platform_tiktok;

	(void)state;
	assert_int_equal(platform_register(&again), -1);
	assert_int_equal(platform_register(&other), -1);
	other.name = "";
	assert_int_equal(platform_register(&other), -1);
	assert_int_equal(platform_register(NULL), -1);
	assert_ptr_equal(platform_for("fakeplatform"), &fake);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dispatch_reaches_the_registered_platform),
		cmocka_unit_test(tiktok_is_the_existing_code),
		cmocka_unit_test(tiktok_authorize_url_carries_state_and_challenge),
		cmocka_unit_test(unknown_names_are_refused_in_words),
		cmocka_unit_test(registering_a_taken_name_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
