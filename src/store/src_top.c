/*
 * src_top.c - see src_top.h: per-prefix sums in an open-addressing hash table
 * (FNV-1a, linear probing, at most half full), sorted once at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "src_top.h"
#include "../util/log.h"

static uint64_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void
src_top_init(src_top *t)
{
	memset(t, 0, sizeof(*t));
}

static void
grow(src_top *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	src_top_entry *slot = xcalloc(cap, sizeof(*slot));

	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (t->slot[i].prefix == NULL)
			continue;
		for (j = hash(t->slot[i].prefix) & (cap - 1); slot[j].prefix != NULL; j = (j + 1) & (cap - 1))
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
}

int
src_top_add(src_top *t, const char *prefix, const int64_t v[5])
{
	src_top_entry *e;
	size_t j;

	if (prefix == NULL)
		prefix = "";
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	for (j = hash(prefix) & (t->cap - 1); t->slot[j].prefix != NULL; j = (j + 1) & (t->cap - 1))
		if (strcmp(t->slot[j].prefix, prefix) == 0)
			break;
	e = &t->slot[j];
	if (e->prefix == NULL) {
		e->prefix = xstrdup(prefix);
		t->n++;
	}
	for (int i = 0; i < 5; i++)
		if (__builtin_add_overflow(e->v[i], v[i], &e->v[i]))
			return -1;
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	const src_top_entry *x = a, *y = b;

	if (x->v[0] != y->v[0])
		return x->v[0] > y->v[0] ? -1 : 1;
	return strcmp(x->prefix, y->prefix);
}

void
src_top_each(src_top *t, const char *domain, int limit,
    int (*cb)(void *, const store_rollup_src *), void *ctx)
{
	size_t n = 0;

	/* the used slots to the front, then in order */
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].prefix != NULL)
			t->slot[n++] = t->slot[i];
	for (size_t i = n; i < t->cap; i++)
		t->slot[i].prefix = NULL;
	if (n > 1)
		qsort(t->slot, n, sizeof(*t->slot), cmp);
	for (size_t i = 0; i < n && (limit < 0 || i < (size_t)limit); i++) {
		const src_top_entry *e = &t->slot[i];
		store_rollup_src r = { domain, 0, e->prefix, e->v[0], e->v[1], e->v[2], e->v[3],
		    e->v[4] };

		if (cb(ctx, &r) != 0)
			break;
	}
	t->n = 0;	/* the order is gone: only src_top_free from here */
}

void
src_top_free(src_top *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i].prefix);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
