/*
 * arena.h - a bump allocator for short-lived strings whose addresses must not
 * move (pointers into it are handed to callbacks).
 *
 * Exports:
 *   arena_init(a, max)      empty arena refusing to hold more than max bytes
 *   arena_strndup(a, s, n)  NUL-terminated copy, or NULL when the cap is hit
 *   arena_reset(a)          forget every string, keep the first block
 *   arena_free(a)           release everything; safe twice
 */
#ifndef DS_ARENA_H
#define DS_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
	arena_block *head;
	size_t used;		/* bytes handed out since the last reset */
	size_t max;
} arena;

void arena_init(arena *a, size_t max);
char *arena_strndup(arena *a, const char *s, size_t n);
void arena_reset(arena *a);
void arena_free(arena *a);

#endif
