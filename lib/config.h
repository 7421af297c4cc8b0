/* config.h — one key = value file plus LANGFLIX_<KEY> environment overrides.
 * Every key is typed and bounded in the table in config.c; unknown keys and
 * bad values are refused with file:line. */
#ifndef LF_CONFIG_H
#define LF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config {
	char *listen;              /* unix socket path, host:port, or "" for fd 0 */
	char *database_url;
	int64_t threads;
	char *media_root;
	char *templates_dir;
	unsigned char secret_key[32];
	int secret_key_set;
	char *tiktok_client_key;
	char *tiktok_client_secret;
	char *tiktok_redirect_uri;
	char *tiktok_auth_url;
	char *tiktok_api_base;
	int64_t tiktok_pkce;
	char *log_level;
	int64_t max_body_bytes;
	int64_t session_ttl_sec;
	int64_t login_max_failures;
	int64_t login_window_sec;
	int64_t trust_remote_user;
	int64_t worker_slots;
	int64_t worker_poll_ms;
	int64_t page_size;
};

/* Defaults, then the file (if path is not NULL), then the environment.
 * On error writes "file:line: message" into err and returns -1. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
void config_free(struct config *c);
/* Parse 32 bytes given as 64 hex chars or base64 (44 chars). 0 or -1. */
int config_parse_key32(const char *s, unsigned char out[32]);
/* Print every key with its value, secrets masked (for `langflix config`). */
struct buf;
void config_dump(const struct config *c, struct buf *out);

#endif
