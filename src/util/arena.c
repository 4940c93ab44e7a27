/*
 * arena.c - see arena.h.  Blocks of 16 KiB (or larger for one big string),
 * chained newest first.
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define ARENA_BLOCK 16384

struct arena_block {
	arena_block *next;
	size_t size, off;
	char data[];
};

void
arena_init(arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

char *
arena_strndup(arena *a, const char *s, size_t n)
{
	arena_block *b = a->head;
	char *p;

	if (n + 1 > a->max - a->used)
		return NULL;
	if (b == NULL || b->size - b->off < n + 1) {
		size_t sz = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + sz);
		b->size = sz;
		b->off = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->off;
	memcpy(p, s, n);
	p[n] = '\0';
	b->off += n + 1;
	a->used += n + 1;
	return p;
}

void
arena_reset(arena *a)
{
	arena_block *b, *next;

	if (a->head == NULL)
		return;
	/* Keep the oldest block (the usual steady-state size), drop the rest. */
	for (b = a->head; b->next != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = b;
	b->off = 0;
	a->used = 0;
}

void
arena_free(arena *a)
{
	arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}
