/* log.h — levelled, structured logs: one line per event, key=value.
 *
 *   log_info("event=login_ok user_id=%lld", id);
 *
 * Each line starts with ts=, level=, and req= when the calling thread is
 * serving a request. Never pass a secret, token, code or cookie. Use
 * log_quote() for free text so a value never breaks the line format. */
#ifndef LF_LOG_H
#define LF_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
int log_parse_level(const char *s, enum log_level *out);
void log_set_request_id(const char *id);   /* thread-local; NULL clears */
const char *log_request_id(void);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Quote a free-text value for a log line (thread-local ring of buffers). */
const char *log_quote(const char *s);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
