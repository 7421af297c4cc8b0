/* sqlsplit.c — see sqlsplit.h. A scanner of PostgreSQL's lexical rules
 * that matter for finding the ';' that ends a statement; nothing else of
 * the SQL is interpreted. */
#include "sqlsplit.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Past a quoted run that starts at s[i] == quote; a doubled quote stays
 * inside. backslash: E'...' strings, where \' does not close either. */
static size_t skip_quoted(const char *s, size_t n, size_t i, char quote, bool backslash)
{
	for (i++; i < n; i++) {
		if (backslash && s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] != quote)
			continue;
		if (i + 1 < n && s[i + 1] == quote) {
			i++;
			continue;
		}
		return i + 1;
	}
	return n;
}

static size_t skip_line_comment(const char *s, size_t n, size_t i)
{
	const char *nl = memchr(s + i, '\n', n - i);

	return nl ? (size_t)(nl - s) + 1 : n;
}

/* Block comments nest in PostgreSQL. */
static size_t skip_block_comment(const char *s, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (i + 1 < n && s[i] == '*' && s[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return i;
		} else {
			i++;
		}
	}
	return n;
}

static bool tag_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* A dollar quote $tag$...$tag$ starting at s[i] == '$'; returns i + 1 when
 * this '$' opens none (a parameter like $1, or part of a name). */
static size_t skip_dollar(const char *s, size_t n, size_t i)
{
	size_t j = i + 1, taglen;
	const char *end;

	if (j < n && isdigit((unsigned char)s[j]))
		return i + 1;
	while (j < n && tag_char(s[j]))
		j++;
	if (j >= n || s[j] != '$')
		return i + 1;
	taglen = j + 1 - i;
	end = memmem(s + j + 1, n - (j + 1), s + i, taglen);
	return end ? (size_t)(end - s) + taglen : n;
}

/* A '$' right after a name character belongs to the name (foo$bar). */
static bool in_word(const char *s, size_t i)
{
	return i > 0 && tag_char(s[i - 1]);
}

size_t sql_statement_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		char c = s[i];

		if (c == ';')
			return i + 1;
		if (c == '\'')
			i = skip_quoted(s, n, i, '\'',
					i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && !in_word(s, i - 1));
		else if (c == '"')
			i = skip_quoted(s, n, i, '"', false);
		else if (c == '-' && i + 1 < n && s[i + 1] == '-')
			i = skip_line_comment(s, n, i);
		else if (c == '/' && i + 1 < n && s[i + 1] == '*')
			i = skip_block_comment(s, n, i);
		else if (c == '$' && !in_word(s, i))
			i = skip_dollar(s, n, i);
		else
			i++;
	}
	return n;
}

int sql_is_blank(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (isspace((unsigned char)s[i]))
			i++;
		else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-')
			i = skip_line_comment(s, n, i);
		else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*')
			i = skip_block_comment(s, n, i);
		else
			return 0;
	}
	return 1;
}
