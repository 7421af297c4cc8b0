/* fuzz.h — small helpers shared by the libFuzzer targets in tests/fuzz.
 *
 * libFuzzer hands a target bytes that are not NUL-terminated; most of our
 * parsers take C strings, so the targets copy the input first (an exact-size
 * heap copy, so ASan catches any read past the end). FUZZ_CHECK aborts on a
 * broken invariant: libFuzzer then saves the input as a crash artifact. */
#ifndef LF_FUZZ_H
#define LF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry point, defined once by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
				__LINE__, #cond);                                 \
			abort();                                                  \
		}                                                                 \
	} while (0)

/* data[0..size) as a malloc'd C string (an embedded NUL ends it early). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits the input at its first NUL byte: *a gets what is before it, *b what
 * is after (both malloc'd C strings; *b is "" when there is no NUL). */
static inline void fuzz_split(const uint8_t *data, size_t size, char **a, char **b)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t alen = nul ? (size_t)(nul - data) : size;

	*a = fuzz_cstr(data, alen);
	*b = nul ? fuzz_cstr(nul + 1, size - alen - 1) : fuzz_cstr(data, 0);
}

#endif
