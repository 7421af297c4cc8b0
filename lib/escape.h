/* escape.h — escaping by output context, one function per context. */
#ifndef LF_ESCAPE_H
#define LF_ESCAPE_H

#include <stddef.h>
#include "buf.h"

/* HTML text and attribute values: & < > " ' ` = are escaped. */
void html_escape(struct buf *out, const char *s, size_t n);
/* application/x-www-form-urlencoded / query component (RFC 3986 unreserved kept). */
void url_encode(struct buf *out, const char *s);
/* Percent-decoding in place; plus_space turns '+' into ' ' (forms).
 * Returns the new length, or -1 on a malformed escape or an embedded NUL. */
long url_decode(char *s, size_t n, int plus_space);
/* JSON string body (no quotes). */
void json_escape(struct buf *out, const char *s);
/* Text for a terminal (the CLI, reports): control characters (C0, DEL and
 * the C1 range U+0080..U+009F, which can start escape sequences) become
 * '?', and so does every byte above 0x7f when s is not valid UTF-8, so a
 * value from TikTok or a file name can neither move the cursor nor fake
 * a line. */
void terminal_text(struct buf *out, const char *s);
/* ["a","b"]: n strings as a JSON array, appended to out. */
void json_string_array(struct buf *out, char *const *items, size_t n);

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line
 * break or leading/trailing space, quotes doubled. A text that a
 * spreadsheet would run as a formula (it starts with = + - @, a tab or a
 * carriage return) gets a leading ' so it stays text. Numbers are written
 * by the caller, not through this. */
void csv_field(struct buf *out, const char *s);

#endif
