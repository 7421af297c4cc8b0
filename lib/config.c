#include "config.h"
#include "buf.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#define C_STR CONFIG_STR
#define C_INT CONFIG_INT
#define C_BOOL CONFIG_BOOL
#define C_KEY32 CONFIG_KEY32
#define C_LEVEL CONFIG_LEVEL
#define C_ADDRS CONFIG_ADDRS
#define C_URL   CONFIG_URL
#define C_SOURCE CONFIG_SOURCE
#define setting config_setting

#define O(f) offsetof(struct config, f)

static const struct setting settings[] = {
	{ "listen",               C_STR,   O(listen),               0, 1024, "var/run/app.sock", 0 },
	{ "database_url",         C_STR,   O(database_url),         1, 4096, "postgresql:///langflix", 1 },
	{ "threads",              C_INT,   O(threads),              1, 256,  "8", 0 },
	{ "media_root",           C_STR,   O(media_root),           1, 4096, "var/media", 0 },
	{ "frames_dir",           C_STR,   O(frames_dir),           1, 4000, "var/frames", 0 },
	{ "templates_dir",        C_STR,   O(templates_dir),        1, 4096, "templates", 0 },
	{ "secret_key",           C_KEY32, O(secret_key),                     0, 0,    NULL, 1 },
	{ "tiktok_client_key",    C_STR,   O(tiktok_client_key),    0, 256,  "", 0 },
	{ "tiktok_client_secret", C_STR,   O(tiktok_client_secret), 0, 256,  "", 1 },
	{ "tiktok_redirect_uri",  C_STR,   O(tiktok_redirect_uri),  0, 511,  "", 0 },
	{ "tiktok_auth_url",      C_URL,   O(tiktok_auth_url),      1, 1024, "https://www.tiktok.com/v2/auth/authorize/", 0 },
	{ "tiktok_api_base",      C_URL,   O(tiktok_api_base),      1, 1024, "https://open.tiktokapis.com", 0 },
	{ "tiktok_pkce",          C_BOOL,  O(tiktok_pkce),          0, 1,    "false", 0 },
	{ "log_level",            C_LEVEL, O(log_level),            0, 0,    "info", 0 },
	{ "max_body_bytes",       C_INT,   O(max_body_bytes),       1024, 64 << 20, "1048576", 0 },
	{ "session_ttl_sec",      C_INT,   O(session_ttl_sec),      60, 90 * 86400, "1209600", 0 },
	{ "login_max_failures",   C_INT,   O(login_max_failures),   1, 1000, "5", 0 },
	{ "login_window_sec",     C_INT,   O(login_window_sec),     1, 86400, "900", 0 },
	{ "login_name_max_failures", C_INT, O(login_name_max_failures), 1, 100000, "50", 0 },
	{ "login_name_max_delay_sec", C_INT, O(login_name_max_delay_sec), 1, 3600, "60", 0 },
	{ "trust_remote_user",    C_BOOL,  O(trust_remote_user),    0, 1,    "false", 0 },
	{ "trusted_proxies",      C_ADDRS, O(trusted_proxies),      0, 1024, "", 0 },
	{ "worker_slots",         C_INT,   O(worker_slots),         1, 64,   "2", 0 },
	{ "worker_poll_ms",       C_INT,   O(worker_poll_ms),       50, 600000, "5000", 0 },
	{ "worker_lease_sec",     C_INT,   O(worker_lease_sec),     10, 3600, "60", 0 },
	{ "worker_status_poll_sec", C_INT, O(worker_status_poll_sec), 1, 300, "3", 0 },
	{ "worker_metrics_file",  C_STR,   O(worker_metrics_file),  0, 4096, "", 0 },
	{ "tiktok_rate_window_sec", C_INT, O(tiktok_rate_window_sec), 1, 3600, "60", 0 },
	{ "results_minute_ms",    C_INT,   O(results_minute_ms),    10, 3600000, "60000", 0 },
	{ "tiktok_day_sec",       C_INT,   O(tiktok_day_sec),       1, 86400, "86400", 0 },
	{ "worker_health_lead_sec", C_INT, O(worker_health_lead_sec), 60, 86400, "3600", 0 },
	{ "worker_health_recheck_sec", C_INT, O(worker_health_recheck_sec), 1, 86400, "900", 0 },
	{ "page_size",            C_INT,   O(page_size),            1, 500,  "50", 0 },
	{ "page_cache_entries",   C_INT,   O(page_cache_entries),   0, 100000, "128", 0 },
	{ "page_cache_listen",    C_BOOL,  O(page_cache_listen),    0, 1,    "true", 0 },
	/* empty: database_url; a session of its own (not pgbouncer's transaction mode) */
	{ "page_cache_listen_url", C_STR,  O(page_cache_listen_url), 0, 4096, "", 1 },
	{ "migrate_lock_timeout_ms", C_INT, O(migrate_lock_timeout_ms), 0, 3600000, "5000", 0 },
	{ "migrate_statement_timeout_ms", C_INT, O(migrate_statement_timeout_ms), 0, 86400000, "1800000", 0 },
	{ "tiktok_page_timeout_ms", C_INT, O(tiktok_page_timeout_ms), 100, 30000, "4000", 0 },
	{ "tiktok_page_calls",    C_INT,   O(tiktok_page_calls),    1, 255,  "2", 0 },
	{ "bench_floor",          C_BOOL,  O(bench_floor),          0, 1,    "false", 0 },
	{ "tiktok_source",        C_SOURCE, O(tiktok_source),       0, 1,    "file_upload", 0 },
	/* empty, or https:// (http:// only to this machine): TikTok fetches videos there */
	{ "media_public_base_url", C_URL,  O(media_public_base_url), 0, 512, "", 0 },
	/* TikTok may take up to an hour to download (§2.5): two hours by default */
	{ "media_url_ttl_sec",    C_INT,   O(media_url_ttl_sec),    300, 86400, "7200", 0 },
};

static const char *const source_names[] = { "file_upload", "pull_from_url" };

const char *config_source_name(int64_t mode)
{
	return mode == TIKTOK_SOURCE_PULL_FROM_URL ? "PULL_FROM_URL" : "FILE_UPLOAD";
}

static int decode_hex32(const char *s, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned int v;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int config_parse_key32(const char *s, unsigned char out[32])
{
	size_t n = strlen(s);
	unsigned char tmp[48];

	if (n == 64)
		return decode_hex32(s, out);
	if (n == 44 && s[43] == '=' && s[42] != '=') {
		if (EVP_DecodeBlock(tmp, (const unsigned char *)s, 44) != 33)
			return -1;
		memcpy(out, tmp, 32);
		return 0;
	}
	return -1;
}

static int set_value(void *base, const struct setting *st, const char *val,
		     char *why, size_t whylen)
{
	void *field = (char *)base + st->off;
	int64_t v;

	switch (st->type) {
	case C_URL:
		if ((*val || st->min > 0) && !url_https_or_loopback(val)) {
			snprintf(why, whylen, "%s must start with https:// (http:// only to 127.0.0.1 or "
				 "localhost): the client secret and the tokens go there", st->name);
			return -1;
		}
		/* otherwise a string */
		__attribute__((fallthrough));
	case C_ADDRS:
	case C_STR: {
		size_t n = strlen(val);
		char bad[160];
		if ((int64_t)n < st->min || (int64_t)n > st->max) {
			snprintf(why, whylen, "%s must be %lld..%lld characters long", st->name,
				 (long long)st->min, (long long)st->max);
			return -1;
		}
		if (st->type == C_ADDRS && netaddr_list_valid(val, bad, sizeof(bad)) < 0) {
			snprintf(why, whylen, "%s: %s", st->name, bad);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(val);
		return 0;
	}
	case C_INT:
		if (parse_int64(val, st->min, st->max, &v) < 0) {
			snprintf(why, whylen, "%s must be an integer in %lld..%lld", st->name,
				 (long long)st->min, (long long)st->max);
			return -1;
		}
		*(int64_t *)field = v;
		return 0;
	case C_BOOL:
		if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on") || !strcmp(val, "1"))
			*(int64_t *)field = 1;
		else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off") || !strcmp(val, "0"))
			*(int64_t *)field = 0;
		else {
			snprintf(why, whylen, "%s must be true or false", st->name);
			return -1;
		}
		return 0;
	case C_KEY32:
		if (config_parse_key32(val, ((struct config_key32 *)field)->bytes) < 0) {
			snprintf(why, whylen, "%s must be 32 bytes as 64 hex digits or 44 base64 characters",
				 st->name);
			return -1;
		}
		((struct config_key32 *)field)->set = 1;
		return 0;
	case C_LEVEL:
		if (strcmp(val, "debug") && strcmp(val, "info") && strcmp(val, "warn") && strcmp(val, "error")) {
			snprintf(why, whylen, "%s must be debug, info, warn or error", st->name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(val);
		return 0;
	case C_SOURCE:
		for (int64_t i = 0; i < (int64_t)ARRAY_LEN(source_names); i++)
			if (!strcmp(val, source_names[i])) {
				*(int64_t *)field = i;
				return 0;
			}
		snprintf(why, whylen, "%s must be file_upload or pull_from_url", st->name);
		return -1;
	}
	return -1;
}

static const struct setting *find_setting(const struct setting *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int load_file(const struct setting *t, size_t nt, void *base, const char *path,
		     char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[8192], why[256];
	int lineno = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *val;
		const struct setting *st;

		lineno++;
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			goto fail;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (strlen(val) >= 2 && val[0] == '"' && val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		st = find_setting(t, nt, key);
		if (!st) {
			snprintf(err, errlen, "%s:%d: unknown key '%s'", path, lineno, key);
			goto fail;
		}
		if (set_value(base, st, val, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			goto fail;
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

static void env_name(const char *prefix, const char *key, char *out, size_t n)
{
	size_t o = (size_t)snprintf(out, n, "%s", prefix);
	for (; *key && o + 1 < n; key++)
		out[o++] = (char)toupper((unsigned char)*key);
	out[o] = '\0';
}

static int load_values(const struct setting *t, size_t n, void *base, const char *path,
		       const char *env_prefix, char *err, size_t errlen)
{
	char why[256], name[96];

	for (size_t i = 0; i < n; i++)
		if (t[i].def && set_value(base, &t[i], t[i].def, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "built-in default: %s", why);
			return -1;
		}
	if (path && load_file(t, n, base, path, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *v;
		env_name(env_prefix, t[i].name, name, sizeof(name));
		v = getenv(name);
		if (v && set_value(base, &t[i], v, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "environment %s: %s", name, why);
			return -1;
		}
	}
	return 0;
}

/* A refused configuration leaves nothing allocated: every program stops
 * right after the error, and none of them frees a struct it failed to load. */
int config_load_table(const struct setting *t, size_t n, void *base, const char *path,
		      const char *env_prefix, char *err, size_t errlen)
{
	if (load_values(t, n, base, path, env_prefix, err, errlen) < 0) {
		config_free_table(t, n, base);
		return -1;
	}
	return 0;
}

void config_free_table(const struct setting *t, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		void *field = (char *)base + t[i].off;
		if (t[i].type == C_STR || t[i].type == C_LEVEL || t[i].type == C_ADDRS || t[i].type == C_URL) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (t[i].type == C_KEY32) {
			memset(field, 0, sizeof(struct config_key32));
		}
	}
}

void config_dump_table(const struct setting *t, size_t n, const void *base, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct setting *st = &t[i];
		const void *field = (const char *)base + st->off;

		buf_printf(out, "%s = ", st->name);
		if (st->type == C_KEY32)
			buf_puts(out, ((const struct config_key32 *)field)->set ? "(secret)" : "(unset)");
		else if (st->secret && **(char *const *)field)
			buf_puts(out, "(secret)");
		else if (st->type == C_SOURCE)
			buf_puts(out, source_names[*(const int64_t *)field ? 1 : 0]);
		else if (st->type == C_INT || st->type == C_BOOL)
			buf_printf(out, "%lld", (long long)*(const int64_t *)field);
		else
			buf_puts(out, *(char *const *)field);
		buf_putc(out, '\n');
	}
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (config_load_table(settings, ARRAY_LEN(settings), c, path, "LANGFLIX_", err, errlen) < 0)
		return -1;
	if (c->tiktok_source == TIKTOK_SOURCE_PULL_FROM_URL && !c->media_public_base_url[0]) {
		snprintf(err, errlen, "%s: tiktok_source = pull_from_url needs media_public_base_url "
			 "(the https:// address of the site's domain verified at TikTok)",
			 path ? path : "configuration");
		config_free(c);
		return -1;
	}
	return 0;
}

void config_free(struct config *c)
{
	config_free_table(settings, ARRAY_LEN(settings), c);
}

void config_dump(const struct config *c, struct buf *out)
{
	config_dump_table(settings, ARRAY_LEN(settings), c, out);
}

int config_for_program(struct config *c, const char *prog, int argc, char **argv)
{
	const char *path = getenv("LANGFLIX_CONFIG");
	enum log_level lvl;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			path = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [-c CONFIG]\n", prog);
			return 2;
		}
	}
	if (config_load(c, path && *path ? path : NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (log_parse_level(c->log_level, &lvl) == 0)
		log_set_level(lvl);
	return 0;
}
