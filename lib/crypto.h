/* crypto.h — randomness, hashing, password hashing, sealing (OpenSSL). */
#ifndef LF_CRYPTO_H
#define LF_CRYPTO_H

#include <stddef.h>
#include "buf.h"

/* Cryptographically random bytes. 0 or -1. */
int crypto_random(void *out, size_t n);
/* n random bytes as lowercase hex into out (2n+1 chars). 0 or -1. */
int crypto_random_hex(char *out, size_t nbytes);
/* Random string over the URL-safe alphabet [A-Za-z0-9-._~], len chars. */
int crypto_random_token(char *out, size_t len);
/* Lowercase hex SHA-256 of data into out[65]. */
void crypto_sha256_hex(const void *data, size_t n, char out[65]);
/* SHA-256 of a whole file, read in pieces, as hex. 0, or -1 when it cannot
 * be read. */
int crypto_sha256_file_hex(const char *path, char out[65]);
/* Lowercase hex HMAC-SHA256 into out[65]. */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
			    char out[65]);
/* Constant-time string comparison (also hides the length of b). 1 if equal. */
int crypto_str_equal(const char *a, const char *b);

/* Password hashing with scrypt: "scrypt$N$r$p$salt_hex$hash_hex". */
int password_hash(const char *password, struct buf *out);
/* 1 when the password matches, 0 when not, -1 on a malformed hash. */
int password_verify(const char *password, const char *encoded);
/* 1 when the hash was made at a lower cost than password_hash uses now
 * (or is not ours): hash the password again once it is known. */
int password_needs_rehash(const char *encoded);

/* AES-256-GCM: seal plaintext under key with ad bound in; output is
 * base64(nonce | ciphertext | tag). 0 or -1. */
int crypto_seal(const unsigned char key[32], const char *ad, const char *plain, struct buf *out);
/* Reverse of crypto_seal; -1 when forged, truncated or under another key. */
int crypto_open(const unsigned char key[32], const char *ad, const char *sealed, struct buf *out);

#endif
