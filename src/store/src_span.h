/*
 * src_span.h - a period of days as pieces of rollup_src (single days) and of
 * rollup_src_span (levels 1, 2, 3: 4, 16, 64 days; 020_src_spans.sql),
 * for the statistics' top sources on both backends.
 *
 * Exports (static inline, no state, no errors):
 *   src_span_split(lo, hi, p)   [lo, hi) in days -> p: seven ranges [lo, hi) of
 *                               keys; p->lo[0..1]/hi: days of rollup_src (the
 *                               two ends), [2..3] level-1 starts, [4..5] level 2,
 *                               [6] level 3.  An empty range has lo >= hi.
 *
 * A base-4 decomposition, as web_overview.c's: at each level at most 3 pieces
 * at each end, so 90 days are at most 19 rows a prefix (about 10 on average)
 * instead of 90.  Starts are day >> (2 * level), the same arithmetic shift as
 * SQL's `>>` on both backends (floor, also for days before 1970).
 */
#ifndef DS_SRC_SPAN_H
#define DS_SRC_SPAN_H

#include <stdint.h>

typedef struct src_span_pieces {
	int64_t lo[7], hi[7];
} src_span_pieces;

static inline void
src_span_split(int64_t lo, int64_t hi, src_span_pieces *p)
{
	int64_t a = lo, b = hi;

	for (int level = 0; level < 3; level++) {
		int64_t unit = (int64_t)1 << (2 * level), next = unit << 2;

		/* the left end: level units until a is a next-level boundary */
		p->lo[2 * level] = a >> (2 * level);
		while (a < b && (a & (next - 1)) != 0)
			a += unit;
		p->hi[2 * level] = a >> (2 * level);
		/* the right end, the same down from b */
		p->hi[2 * level + 1] = b >> (2 * level);
		while (a < b && (b & (next - 1)) != 0)
			b -= unit;
		p->lo[2 * level + 1] = b >> (2 * level);
	}
	p->lo[6] = a >> 6;
	p->hi[6] = b >> 6;
}

#endif
