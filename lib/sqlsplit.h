/* sqlsplit.h — a migration file cut into its statements, for the files
 * that run outside a transaction (`langflix migrate`): PostgreSQL runs a
 * query string of several statements as one implicit transaction, where
 * CREATE INDEX CONCURRENTLY is refused, so such a file is sent one
 * statement at a time. */
#ifndef LF_SQLSPLIT_H
#define LF_SQLSPLIT_H

#include <stddef.h>

/* The length of the first statement of s (n bytes), its ';' included, or
 * n when s ends before a ';' does. Semicolons inside '...' and E'...'
 * strings, "..." identifiers, $tag$...$tag$ bodies, -- comments and
 * (nested) block comments do not end a statement. */
size_t sql_statement_len(const char *s, size_t n);

/* 1 when s (n bytes) holds nothing but white space and comments. */
int sql_is_blank(const char *s, size_t n);

#endif
