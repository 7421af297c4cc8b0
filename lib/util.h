/* util.h — allocation that never returns NULL, and small helpers. */
#ifndef LF_UTIL_H
#define LF_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Unix seconds as an ISO 8601 instant in UTC ("2026-12-03T17:30:00Z"),
 * the form jobs_enqueue's run_at and PostgreSQL read. */
void time_iso_utc(int64_t secs, char out[32]);

/* Current wall-clock and monotonic time. */
int64_t now_unix(void);
double now_mono(void);

/* Strict decimal parsing of a whole string into [min,max]. 0 or -1. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* At start-up of every program: no core dumps (RLIMIT_CORE 0) and not
 * dumpable (PR_SET_DUMPABLE 0: no core, no ptrace by same-uid processes,
 * /proc/PID/mem closed), since memory holds secret_key, TikTok tokens and
 * passwords. 0, or -1 when either call failed. */
int process_protect_memory(void);
/* The state it left, read back from the kernel: 1 when core dumps are off
 * and the process is not dumpable. */
int process_memory_protected(void);
/* Whether a URL we send secrets or the video to is safe from the network:
 * https://, or plain http:// only to this machine (127.0.0.0/8, [::1],
 * localhost: the emulator in the tests and the demo). */
int url_https_or_loopback(const char *url);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* src (NULL: "") into dst of n bytes, cut to fit, always terminated:
 * a column or a JSON string into a fixed field of a struct. */
void str_copy(char *dst, size_t n, const char *src);

/* 1 when s is one or more ASCII digits and nothing else (ids TikTok sends
 * as strings of digits). */
int str_all_digits(const char *s);

#endif
