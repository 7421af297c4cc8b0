/* log.h — levelled, structured logs: one line per event, key=value.
 *
 *   log_info("event=login_ok user_id=%lld", id);
 *
 * Each line starts with ts=, level=, and req= when the calling thread is
 * serving a request. Never pass a secret, token, code or cookie. Use
 * log_quote() for free text so a value never breaks the line format. */
#ifndef LF_LOG_H
#define LF_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/time.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
int log_parse_level(const char *s, enum log_level *out);
void log_set_request_id(const char *id);   /* thread-local; NULL clears */
const char *log_request_id(void);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Quote a free-text value for a log line: "..." with \" \\ and \xNN for
 * control bytes; a value longer than the buffer (LOG_QUOTE_MAX with the quotes
 * and the NUL) is cut at a whole escape and ends in "...". The result lives in
 * a thread-local ring of four buffers: at most four per log line. */
#define LOG_QUOTE_MAX 256
const char *log_quote(const char *s);
/* The same into out[cap] (cap >= LOG_QUOTE_MIN, else ""); returns the length. */
#define LOG_QUOTE_MIN 6
size_t log_quote_into(char *out, size_t cap, const char *s);
/* One log line (no newline) into line[cap], always NUL-terminated and cut to
 * fit; control bytes become '?' so an event never spans two lines. Returns
 * the length. log_msg() is this plus the clock, the request id and stderr. */
size_t log_format_line(char *line, size_t cap, enum log_level lvl, const struct timeval *tv,
		       const char *req_id, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
