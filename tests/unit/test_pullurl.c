/* Unit tests: the signed PULL_FROM_URL address (lib/pullurl.c) and the
 * settings that choose it (tiktok_source, media_public_base_url). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "pullurl.h"

static const char *KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void load(struct config *c, const char *source, const char *base)
{
	char err[300];

	setenv("LANGFLIX_SECRET_KEY", KEY, 1);
	setenv("LANGFLIX_TIKTOK_SOURCE", source, 1);
	setenv("LANGFLIX_MEDIA_PUBLIC_BASE_URL", base, 1);
	if (config_load(c, NULL, err, sizeof(err)) < 0)
		fail_msg("config refused: %s", err);
}

/* The query value of name in url (copied into out). */
static void query(const char *url, const char *name, char *out, size_t n)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "%s=", name);
	p = strstr(url, key);
	assert_non_null(p);
	p += strlen(key);
	snprintf(out, n, "%.*s", (int)strcspn(p, "&"), p);
}

static void signed_address_round_trip(void **state)
{
	struct config c;
	struct buf u = BUF_INIT;
	char exp[32], sig[80], job[24], bad[80];
	int64_t jid = -1;

	(void)state;
	load(&c, "pull_from_url", "https://media.example.com/");
	assert_int_equal(c.tiktok_source, TIKTOK_SOURCE_PULL_FROM_URL);
	assert_string_equal(config_source_name(c.tiktok_source), "PULL_FROM_URL");
	assert_int_equal(pull_url_make(&c, 42, 7, 1000000, &u), 0);
	/* the base's trailing slash is not doubled; the prefix TikTok verifies */
	assert_true(!strncmp(buf_cstr(&u), "https://media.example.com/pull/videos/42?job=7&expires=", 55));
	query(buf_cstr(&u), "expires", exp, sizeof(exp));
	query(buf_cstr(&u), "sig", sig, sizeof(sig));
	query(buf_cstr(&u), "job", job, sizeof(job));
	assert_int_equal(atoll(exp), 1000000 + c.media_url_ttl_sec);
	assert_int_equal(strlen(sig), 64);
	assert_int_equal(pull_url_check(&c, 42, job, exp, sig, 1000000, &jid), PULL_OK);
	assert_int_equal(jid, 7);
	/* the last second is still good, the next one is not */
	assert_int_equal(pull_url_check(&c, 42, job, exp, sig, atoll(exp), &jid), PULL_OK);
	assert_int_equal(pull_url_check(&c, 42, job, exp, sig, atoll(exp) + 1, &jid), PULL_EXPIRED);
	assert_int_equal(jid, 0);
	/* another video, another job, a later expiry, a changed signature */
	assert_int_equal(pull_url_check(&c, 43, job, exp, sig, 1000000, &jid), PULL_FORGED);
	assert_int_equal(pull_url_check(&c, 42, "8", exp, sig, 1000000, &jid), PULL_FORGED);
	snprintf(bad, sizeof(bad), "%lld", atoll(exp) + 3600);
	assert_int_equal(pull_url_check(&c, 42, job, bad, sig, 1000000, &jid), PULL_FORGED);
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	assert_int_equal(pull_url_check(&c, 42, job, exp, bad, 1000000, &jid), PULL_FORGED);
	assert_int_equal(pull_url_check(&c, 42, job, exp, "", 1000000, &jid), PULL_FORGED);
	assert_int_equal(pull_url_check(&c, 42, job, NULL, sig, 1000000, &jid), PULL_FORGED);
	assert_int_equal(pull_url_check(&c, 42, NULL, exp, sig, 1000000, &jid), PULL_FORGED);
	assert_int_equal(pull_url_check(&c, 42, job, "12x", sig, 1000000, &jid), PULL_FORGED);
	buf_free(&u);
	config_free(&c);
	/* another server secret: the same address is a forgery */
	setenv("LANGFLIX_SECRET_KEY", "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1);
	{
		char err[300];
		assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(pull_url_check(&c, 42, job, exp, sig, 1000000, &jid), PULL_FORGED);
	config_free(&c);
}

static void settings_are_checked(void **state)
{
	struct config c;
	struct buf u = BUF_INIT;
	char err[300];

	(void)state;
	/* the default: the worker sends the file */
	unsetenv("LANGFLIX_TIKTOK_SOURCE");
	unsetenv("LANGFLIX_MEDIA_PUBLIC_BASE_URL");
	setenv("LANGFLIX_SECRET_KEY", KEY, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.tiktok_source, TIKTOK_SOURCE_FILE_UPLOAD);
	assert_int_equal(pull_url_make(&c, 1, 1, 0, &u), -1);   /* no base URL */
	config_free(&c);
	/* pull without a base URL, an unknown mode, a plain-http public address */
	setenv("LANGFLIX_TIKTOK_SOURCE", "pull_from_url", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "media_public_base_url"));
	setenv("LANGFLIX_TIKTOK_SOURCE", "pull", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file_upload or pull_from_url"));
	setenv("LANGFLIX_TIKTOK_SOURCE", "file_upload", 1);
	setenv("LANGFLIX_MEDIA_PUBLIC_BASE_URL", "http://media.example.com", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	unsetenv("LANGFLIX_TIKTOK_SOURCE");
	unsetenv("LANGFLIX_MEDIA_PUBLIC_BASE_URL");
	buf_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signed_address_round_trip),
		cmocka_unit_test(settings_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
