/* Unit tests: crypto (lib/crypto.c) and configuration (lib/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"

static void sha256_and_pkce_vector(void **state)
{
	/* TikTok's PKCE challenge is the lowercase hex SHA-256 of the verifier */
	const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	char hex[65];

	(void)state;
	crypto_sha256_hex(verifier, strlen(verifier), hex);
	assert_string_equal(hex, "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3");
}

static void hmac_webhook_vector(void **state)
{
	const char *body = "1700000000.{\"client_key\":\"ck\",\"event\":\"post.publish.complete\","
			   "\"create_time\":1700000000,\"user_openid\":\"oid\",\"content\":"
			   "\"{\\\"publish_id\\\":\\\"v_pub_file~v2-1.1\\\",\\\"publish_type\\\":\\\"DIRECT_POST\\\"}\"}";
	char hex[65];

	(void)state;
	crypto_hmac_sha256_hex("secret", 6, body, strlen(body), hex);
	assert_string_equal(hex, "3cae56c95b470e13e56a76cd645d6c8c6b04e88a20882768e72295157f680498");
}

static void random_tokens(void **state)
{
	char a[65], b[65], t[129];

	(void)state;
	assert_int_equal(crypto_random_hex(a, 32), 0);
	assert_int_equal(crypto_random_hex(b, 32), 0);
	assert_int_equal(strlen(a), 64);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_random_token(t, 128), 0);
	assert_int_equal(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"), 128);
	assert_true(crypto_str_equal("abc", "abc"));
	assert_false(crypto_str_equal("abc", "abd"));
	assert_false(crypto_str_equal("abc", "abcd"));
}

static void passwords(void **state)
{
	struct buf h = BUF_INIT;

	(void)state;
	assert_int_equal(password_hash("correct horse", &h), 0);
	assert_true(strncmp(h.data, "scrypt$", 7) == 0);
	assert_null(strstr(h.data, "correct"));
	assert_int_equal(password_verify("correct horse", h.data), 1);
	assert_int_equal(password_verify("correct horsE", h.data), 0);
	assert_int_equal(password_verify("x", "scrypt$garbage"), -1);
	assert_int_equal(password_verify("x", "md5$abc"), -1);
	buf_free(&h);
}

/* OWASP's minimum (N=2^17, r=8, p=1) for new hashes; older, cheaper ones
 * still verify and are flagged for rehashing at the next sign-in. */
static void password_cost_and_rehash(void **state)
{
	/* "correct-horse-battery" at N=2^15 (hashlib.scrypt, the salt below) */
	const char *old = "scrypt$32768$8$1$00112233445566778899aabbccddeeff$"
			  "37aab90748354806fede311f0081b512fd19480414310e81eeefe49c9cc404bc";
	struct buf h = BUF_INIT;

	(void)state;
	assert_int_equal(password_hash("correct-horse-battery", &h), 0);
	assert_true(strncmp(h.data, "scrypt$131072$8$1$", 18) == 0);
	assert_int_equal(password_needs_rehash(h.data), 0);
	assert_int_equal(password_verify("correct-horse-battery", old), 1);
	assert_int_equal(password_verify("correct-horse-batterY", old), 0);
	assert_int_equal(password_needs_rehash(old), 1);
	/* less memory is not made up for by more passes, nor the reverse */
	assert_int_equal(password_needs_rehash("scrypt$65536$8$4$00$00"), 1);
	assert_int_equal(password_needs_rehash("scrypt$131072$4$2$00$00"), 1);
	assert_int_equal(password_needs_rehash("scrypt$131072$16$1$00$00"), 0);
	assert_int_equal(password_needs_rehash("md5$abc"), 1);
	buf_free(&h);
}

static void sealing(void **state)
{
	unsigned char key[32], other[32];
	struct buf s1 = BUF_INIT, s2 = BUF_INIT, out = BUF_INIT;

	(void)state;
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	assert_int_equal(crypto_seal(key, "account:1", "act.secret!token", &s1), 0);
	assert_int_equal(crypto_seal(key, "account:1", "act.secret!token", &s2), 0);
	assert_string_not_equal(s1.data, s2.data);         /* random nonce */
	assert_null(strstr(s1.data, "secret"));
	assert_int_equal(crypto_open(key, "account:1", s1.data, &out), 0);
	assert_string_equal(out.data, "act.secret!token");
	buf_reset(&out);
	assert_int_equal(crypto_open(key, "account:2", s1.data, &out), -1);   /* other row */
	assert_int_equal(crypto_open(other, "account:1", s1.data, &out), -1); /* other key */
	s1.data[10] = s1.data[10] == 'A' ? 'B' : 'A';                        /* tampered */
	assert_int_equal(crypto_open(key, "account:1", s1.data, &out), -1);
	assert_int_equal(crypto_open(key, "account:1", "AAAA", &out), -1);   /* truncated */
	assert_int_equal(crypto_open(key, "account:1", "", &out), -1);
	buf_free(&s1);
	buf_free(&s2);
	buf_free(&out);
}

static char *write_tmp(const char *content)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/lfcfgXXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(content, f);
	fclose(f);
	return path;
}

static void config_defaults_file_env(void **state)
{
	struct config c;
	char err[256];
	char *p = write_tmp("# comment\n\nthreads = 4\nmedia_root = \"/srv/media\"\n"
			    "secret_key = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");

	(void)state;
	setenv("LANGFLIX_THREADS", "12", 1);
	assert_int_equal(config_load(&c, p, err, sizeof(err)), 0);
	assert_int_equal(c.threads, 12);                 /* environment wins */
	assert_string_equal(c.media_root, "/srv/media");
	assert_int_equal(c.page_size, 50);               /* default */
	assert_true(c.secret_key.set);
	assert_int_equal(c.secret_key.bytes[31], 0x1f);
	config_free(&c);
	unsetenv("LANGFLIX_THREADS");
	unlink(p);
}

static void config_errors_name_file_and_line(void **state)
{
	struct config c;
	char err[256], *p;

	(void)state;
	p = write_tmp("threads = 4\nthreads = 0\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: threads must be an integer in 1..256"));
	config_free(&c);
	unlink(p);

	p = write_tmp("\nbogus_key = 1\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: unknown key 'bogus_key'"));
	config_free(&c);
	unlink(p);

	p = write_tmp("secret_key = tooshort\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: secret_key must be 32 bytes"));
	config_free(&c);
	unlink(p);

	p = write_tmp("tiktok_pkce = maybe\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: tiktok_pkce must be true or false"));
	config_free(&c);
	unlink(p);

	p = write_tmp("no equals sign here\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: expected key = value"));
	config_free(&c);
	unlink(p);

	p = write_tmp("trusted_proxies = 10.0.0.1, 10.0.0.0/33\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: trusted_proxies: '10.0.0.0/33' is not an IP address"));
	config_free(&c);
	unlink(p);

	p = write_tmp("trusted_proxies = proxy.example\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: trusted_proxies: 'proxy.example'"));
	config_free(&c);
	unlink(p);

	p = write_tmp("login_name_max_delay_sec = 0\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: login_name_max_delay_sec must be an integer in 1..3600"));
	config_free(&c);
	unlink(p);

	setenv("LANGFLIX_LOG_LEVEL", "loud", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "LANGFLIX_LOG_LEVEL"));
	config_free(&c);
	unsetenv("LANGFLIX_LOG_LEVEL");
}

/* The API base gets the client secret and the tokens: never over plain
 * http to another machine (loopback is the emulator). */
static void config_tiktok_urls_need_https(void **state)
{
	struct config c;
	char err[256], *p;

	(void)state;
	p = write_tmp("tiktok_api_base = http://open.tiktokapis.com\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: tiktok_api_base must start with https://"));
	config_free(&c);
	unlink(p);

	p = write_tmp("threads = 2\ntiktok_auth_url = http://www.tiktok.com/v2/auth/authorize/\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: tiktok_auth_url must start with https://"));
	config_free(&c);
	unlink(p);

	p = write_tmp("tiktok_api_base = http://127.0.0.1:8081\n"
		      "tiktok_auth_url = http://localhost:8081/v2/auth/authorize/\n");
	assert_int_equal(config_load(&c, p, err, sizeof(err)), 0);
	assert_string_equal(c.tiktok_api_base, "http://127.0.0.1:8081");
	config_free(&c);
	unlink(p);
}

/* PKCE is off unless asked for: TikTok's web Login Kit documents no
 * code_challenge (tiktok-api.md §1.2); the switch still turns it on. */
static void config_pkce_off_by_default(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.tiktok_pkce, 0);
	config_free(&c);
	setenv("LANGFLIX_TIKTOK_PKCE", "true", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.tiktok_pkce, 1);
	config_free(&c);
	unsetenv("LANGFLIX_TIKTOK_PKCE");
}

static void config_key_base64_and_dump_masks(void **state)
{
	struct config c;
	struct buf out = BUF_INIT;
	char err[256];

	(void)state;
	setenv("LANGFLIX_SECRET_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
	setenv("LANGFLIX_TIKTOK_CLIENT_SECRET", "very-secret-value", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.secret_key.bytes[1], 1);
	assert_int_equal(c.secret_key.bytes[31], 0x1f);
	config_dump(&c, &out);
	assert_null(strstr(out.data, "very-secret-value"));
	assert_non_null(strstr(out.data, "tiktok_client_secret = (secret)"));
	config_free(&c);
	buf_free(&out);
	unsetenv("LANGFLIX_SECRET_KEY");
	unsetenv("LANGFLIX_TIKTOK_CLIENT_SECRET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_and_pkce_vector),
		cmocka_unit_test(hmac_webhook_vector),
		cmocka_unit_test(random_tokens),
		cmocka_unit_test(passwords),
		cmocka_unit_test(password_cost_and_rehash),
		cmocka_unit_test(sealing),
		cmocka_unit_test(config_defaults_file_env),
		cmocka_unit_test(config_errors_name_file_and_line),
		cmocka_unit_test(config_key_base64_and_dump_masks),
		cmocka_unit_test(config_tiktok_urls_need_https),
		cmocka_unit_test(config_pkce_off_by_default),
	};
	return cmocka_run_group_tests_name("crypto_config", tests, NULL, NULL);
}
