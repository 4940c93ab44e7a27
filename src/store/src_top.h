/*
 * src_top.h - the top sources of a period summed in C: rows of (prefix, five
 * counters) from rollup_src and rollup_src_span (src_span.h) added up per
 * prefix in a hash table, then handed out by messages (most first), ties by
 * prefix (bytes), as `GROUP BY prefix ORDER BY sum(messages) DESC, prefix`
 * would, without SQLite's sorter over every row (it was half the cost of the
 * statistics).  Used by store_sqlite_analysis.c.
 *
 * Exports:
 *   src_top_init(t)                     an empty table
 *   src_top_add(t, prefix, v)           adds v[0..4] (messages, spf_aligned,
 *                                       dkim_aligned, dmarc_pass, spoofing) to
 *                                       prefix's sums; -1 when a sum would
 *                                       overflow (as SQL's sum())
 *   src_top_each(t, domain, limit, cb, ctx)  the first limit prefixes in order,
 *                                       as store_rollup_src rows (day 0); stops
 *                                       when cb returns non-zero
 *   src_top_free(t)
 * Memory: the table owns copies of the prefixes; out of memory is fatal
 * (xmalloc, as the rest of the analysis).
 */
#ifndef DS_SRC_TOP_H
#define DS_SRC_TOP_H

#include <stddef.h>
#include <stdint.h>

#include "store_analysis.h"

typedef struct src_top_entry {
	char *prefix;		/* NULL: a free slot */
	int64_t v[5];
} src_top_entry;

typedef struct src_top {
	src_top_entry *slot;
	size_t cap, n;		/* cap: a power of two */
} src_top;

void src_top_init(src_top *t);
int src_top_add(src_top *t, const char *prefix, const int64_t v[5]);
void src_top_each(src_top *t, const char *domain, int limit,
    int (*cb)(void *, const store_rollup_src *), void *ctx);
void src_top_free(src_top *t);

#endif
