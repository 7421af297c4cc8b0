#include "crypto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* scrypt cost: OWASP's minimum, N=2^17, r=8, p=1 (128 MiB per hash).
 * Hashes made at a lower cost still verify and are replaced at the next
 * successful sign-in (password_needs_rehash). The memory cap leaves room
 * for old hashes up to N=2^17 with r=16 and is what verify will spend at
 * most, whatever a stored hash asks for. */
#define SCRYPT_N 131072
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_MAXMEM (260u << 20)

static const char hexd[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[in[i] >> 4];
		out[2 * i + 1] = hexd[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int crypto_random(void *out, size_t n)
{
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

int crypto_random_hex(char *out, size_t nbytes)
{
	unsigned char tmp[128];

	if (nbytes > sizeof(tmp) || crypto_random(tmp, nbytes) < 0)
		return -1;
	to_hex(tmp, nbytes, out);
	return 0;
}

int crypto_random_token(char *out, size_t len)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
	unsigned char r;

	for (size_t i = 0; i < len; i++) {
		/* 66 symbols: reject bytes >= 198 to avoid modulo bias */
		do {
			if (crypto_random(&r, 1) < 0)
				return -1;
		} while (r >= 198);
		out[i] = alpha[r % 66];
	}
	out[len] = '\0';
	return 0;
}

void crypto_sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, n, md);
	to_hex(md, sizeof(md), out);
}

int crypto_sha256_file_hex(const char *path, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], chunk[1 << 16];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	FILE *f = fopen(path, "rb");
	size_t n;
	int ok;

	if (!f)
		return -1;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ok = EVP_DigestUpdate(ctx, chunk, n) == 1;
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	fclose(f);
	if (!ok)
		return -1;
	to_hex(md, mdlen, out);
	return 0;
}

void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
			    char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)keylen, data, n, md, &mdlen);
	to_hex(md, mdlen, out);
}

int crypto_str_equal(const char *a, const char *b)
{
	unsigned char ha[32], hb[32];

	/* compare digests so neither the content nor the length leaks */
	SHA256((const unsigned char *)a, strlen(a), ha);
	SHA256((const unsigned char *)b, strlen(b), hb);
	return CRYPTO_memcmp(ha, hb, 32) == 0;
}

static int scrypt_derive(const char *pw, const unsigned char *salt, size_t saltlen,
			 uint64_t N, uint64_t r, uint64_t p, unsigned char *out, size_t outlen)
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, N, r, p, SCRYPT_MAXMEM, out,
			      outlen) == 1 ? 0 : -1;
}

int password_hash(const char *password, struct buf *out)
{
	unsigned char salt[16], dk[32];
	char salthex[33], dkhex[65];

	if (crypto_random(salt, sizeof(salt)) < 0 ||
	    scrypt_derive(password, salt, sizeof(salt), SCRYPT_N, SCRYPT_R, SCRYPT_P, dk, sizeof(dk)) < 0)
		return -1;
	to_hex(salt, sizeof(salt), salthex);
	to_hex(dk, sizeof(dk), dkhex);
	buf_printf(out, "scrypt$%d$%d$%d$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P, salthex, dkhex);
	OPENSSL_cleanse(dk, sizeof(dk));
	return 0;
}

/* The cost fields of an encoded hash; -1 when it is not one of ours. */
static int parse_cost(const char *encoded, unsigned long long *N, unsigned long long *r,
		      unsigned long long *p)
{
	return sscanf(encoded, "scrypt$%llu$%llu$%llu$", N, r, p) == 3 ? 0 : -1;
}

int password_needs_rehash(const char *encoded)
{
	unsigned long long N, r, p;

	if (parse_cost(encoded, &N, &r, &p) < 0)
		return 1;
	/* memory (N*r) and time (N*r*p) both at least today's */
	return N * r < (unsigned long long)SCRYPT_N * SCRYPT_R ||
	       N * r * p < (unsigned long long)SCRYPT_N * SCRYPT_R * SCRYPT_P;
}

int password_verify(const char *password, const char *encoded)
{
	unsigned long long N, r, p;
	char salthex[33], dkhex[65];
	unsigned char salt[16], want[32], got[32];
	int ok;

	if (sscanf(encoded, "scrypt$%llu$%llu$%llu$%32[0-9a-f]$%64[0-9a-f]", &N, &r, &p, salthex,
		   dkhex) != 5 ||
	    N < 2 || N > (1u << 20) || r < 1 || r > 32 || p < 1 || p > 16 ||
	    from_hex(salthex, salt, sizeof(salt)) < 0 || from_hex(dkhex, want, sizeof(want)) < 0)
		return -1;
	if (scrypt_derive(password, salt, sizeof(salt), N, r, p, got, sizeof(got)) < 0)
		return -1;
	ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

#define GCM_NONCE 12
#define GCM_TAG 16

int crypto_seal(const unsigned char key[32], const char *ad, const char *plain, struct buf *out)
{
	size_t plen = strlen(plain), rawlen = GCM_NONCE + plen + GCM_TAG;
	unsigned char *raw = xmalloc(rawlen);
	unsigned char *b64 = xmalloc(4 * ((rawlen + 2) / 3) + 1);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len, rc = -1;

	if (!ctx || crypto_random(raw, GCM_NONCE) < 0 ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)ad, (int)strlen(ad)) != 1 ||
	    EVP_EncryptUpdate(ctx, raw + GCM_NONCE, &len, (const unsigned char *)plain, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, raw + GCM_NONCE + len, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG, raw + GCM_NONCE + plen) != 1)
		goto out;
	len = EVP_EncodeBlock(b64, raw, (int)rawlen);
	buf_append(out, b64, (size_t)len);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(raw);
	free(b64);
	return rc;
}

int crypto_open(const unsigned char key[32], const char *ad, const char *sealed, struct buf *out)
{
	size_t slen = strlen(sealed), rawlen, plen;
	unsigned char *raw, *plain = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int len, dec, rc = -1;

	if (slen == 0 || slen % 4)
		return -1;
	raw = xmalloc(slen);
	dec = EVP_DecodeBlock(raw, (const unsigned char *)sealed, (int)slen);
	if (dec < 0)
		goto out;
	rawlen = (size_t)dec;
	/* DecodeBlock counts padding bytes as output; take them back off */
	if (sealed[slen - 1] == '=')
		rawlen--;
	if (sealed[slen - 2] == '=')
		rawlen--;
	if (rawlen < GCM_NONCE + GCM_TAG)
		goto out;
	plen = rawlen - GCM_NONCE - GCM_TAG;
	plain = xmalloc(plen + 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)ad, (int)strlen(ad)) != 1 ||
	    EVP_DecryptUpdate(ctx, plain, &len, raw + GCM_NONCE, (int)plen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG, raw + GCM_NONCE + plen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + len, &len) != 1)
		goto out;
	buf_append(out, plain, plen);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (plain) {
		OPENSSL_cleanse(plain, plen);
		free(plain);
	}
	free(raw);
	return rc;
}
