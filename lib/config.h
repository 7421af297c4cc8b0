/* config.h — one key = value file plus LANGFLIX_<KEY> environment overrides.
 * Every key is typed and bounded in the table in config.c; unknown keys and
 * bad values are refused with file:line. */
#ifndef LF_CONFIG_H
#define LF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* A 32-byte key given as 64 hex digits or 44 base64 characters. */
struct config_key32 {
	unsigned char bytes[32];
	int set;
};

/* The generic, table-driven loader: any program describes its settings
 * as rows bound to offsets in its own struct (see the table in config.c
 * for the app's, emulator/ for the emulator's). */
/* CONFIG_ADDRS: a string holding IP addresses and networks (lib/netaddr.h),
 * checked when loaded. CONFIG_URL: a string that must be https://, or
 * http:// to this machine (url_https_or_loopback): where secrets and videos go. */
/* CONFIG_SOURCE: how the worker hands a video to TikTok, "file_upload" or
 * "pull_from_url", kept as enum tiktok_source_mode in an int64_t. */
enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_BOOL, CONFIG_KEY32, CONFIG_LEVEL, CONFIG_ADDRS,
		   CONFIG_URL, CONFIG_SOURCE };

/* tiktok_source (tiktok-api.md §2.5): the worker sends the file itself
 * (FILE_UPLOAD, the default), or TikTok fetches it from a signed address of
 * this site (PULL_FROM_URL, lib/pullurl.h) and no byte passes the worker. */
enum tiktok_source_mode { TIKTOK_SOURCE_FILE_UPLOAD = 0, TIKTOK_SOURCE_PULL_FROM_URL = 1 };
/* TikTok's name of the mode ("FILE_UPLOAD", "PULL_FROM_URL"). */
const char *config_source_name(int64_t mode);

struct config_setting {
	const char *name;
	enum config_type type;
	size_t off;            /* offset in the program's struct */
	int64_t min, max;      /* value bounds (INT, BOOL) or length bounds (STR) */
	const char *def;       /* default, NULL for none */
	int secret;            /* masked by config_dump_table */
};

/* Defaults, then the file (when path is not NULL), then environment
 * variables named env_prefix + upper-case key. "file:line: why" on error,
 * and then nothing stays allocated (config_free_table is not needed). */
int config_load_table(const struct config_setting *t, size_t n, void *base, const char *path,
		      const char *env_prefix, char *err, size_t errlen);
void config_free_table(const struct config_setting *t, size_t n, void *base);
void config_dump_table(const struct config_setting *t, size_t n, const void *base, struct buf *out);

/* The app's settings (used by langflix.fcgi, langflix-worker, langflix). */
struct config {
	char *listen;              /* unix socket path, host:port, or "" for fd 0 */
	char *database_url;
	int64_t threads;
	char *media_root;
	char *frames_dir;            /* posters and cover frames made at import (lib/frames.h) */
	char *templates_dir;
	struct config_key32 secret_key;
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
	int64_t login_name_max_failures;   /* per name, all addresses: then growing delays */
	int64_t login_name_max_delay_sec;  /* the longest of those delays */
	int64_t trust_remote_user;
	char *trusted_proxies;     /* addresses/CIDRs whose X-Forwarded-Proto counts; "" = none */
	int64_t worker_slots;
	int64_t worker_poll_ms;
	char *worker_metrics_file;   /* Prometheus text the worker rewrites every 5 s; "" = none */
	int64_t worker_lease_sec;       /* a claimed job's lease, extended while it runs */
	int64_t worker_status_poll_sec; /* first status/fetch interval while TikTok processes */
	int64_t tiktok_rate_window_sec; /* TikTok's per-minute limits' window (tests shorten it) */
	int64_t results_minute_ms;      /* a minute of the after-post schedules (lib/results.h;
	                                 * tests shorten it, so a day of schedule takes seconds) */
	int64_t tiktok_day_sec;      /* the daily caps' window: 86400 (tests shorten it) */
	int64_t worker_health_lead_sec;    /* check an account this long before its next post */
	int64_t worker_health_recheck_sec; /* and again at most this often */
	int64_t page_size;
	int64_t page_cache_entries;     /* rendered pages the app keeps (cgi-bin/page_cache.c); 0 = off */
	int64_t page_cache_listen;      /* answer kept pages on the database's notifications (cgi-bin/page_listen.c) */
	char *page_cache_listen_url;    /* where the listener connects; empty: database_url */
	int64_t migrate_lock_timeout_ms;      /* `langflix migrate`: wait this long for a lock, then fail */
	int64_t migrate_statement_timeout_ms; /* and this long for one statement; 0 = no limit */
	int64_t tiktok_page_timeout_ms;       /* a TikTok call made while a page waits: its deadline */
	int64_t tiktok_page_calls;            /* at most this many of those calls at once */
	int64_t bench_floor;                  /* GET /_bench/floor answers (make bench only) */
	int64_t tiktok_source;                /* enum tiktok_source_mode: new jobs' source */
	char *media_public_base_url;          /* https://host of the site's verified domain ("" = none) */
	int64_t media_url_ttl_sec;            /* a signed pull address stays valid this long */
};

/* Defaults, then the file (if path is not NULL), then the environment.
 * On error writes "file:line: message" into err and returns -1, with
 * nothing left allocated. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* A program's start: `PROG [-c CONFIG]` (CONFIG else $LANGFLIX_CONFIG,
 * else none), the configuration loaded into c and the log level set from
 * it. 0; else the exit status after saying why on stderr: 2 with the
 * usage line, 1 when config_load refused (nothing left allocated). */
int config_for_program(struct config *c, const char *prog, int argc, char **argv);
void config_free(struct config *c);
/* Parse 32 bytes given as 64 hex chars or base64 (44 chars). 0 or -1. */
int config_parse_key32(const char *s, unsigned char out[32]);
/* Print every key with its value, secrets masked (for `langflix config`). */
void config_dump(const struct config *c, struct buf *out);

#endif
