/* arena.h — request-scoped memory: many allocations, one reset. */
#ifndef LF_ARENA_H
#define LF_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used_total;
};

void arena_init(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);   /* 16-byte aligned, zeroed */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_reset(struct arena *a);  /* keeps the first block for reuse */
void arena_free(struct arena *a);

#endif
