/*
 * stats.h - the statistics of one policy domain over a period, as one JSON
 * object (jansson), read from the rollups: totals, classes, the SPF x DKIM
 * matrices, top sources, reporters, dispositions, daily and hourly series,
 * policy history and the policy guidance.  The keys are documented in
 * docs/STATS.md; the CLI (`stats --json`), the digest and the web API all
 * print this same object.
 *
 * Exports:
 *   stats_build(st, q, err, errlen)   a new json_t * (caller json_decref's),
 *                                     or NULL with err set
 *   stats_digest(stats, lang, out)    the JIPDEC-style text summary ("ja"|"en")
 */
#ifndef DS_STATS_H
#define DS_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "../util/dbuf.h"

/* Sections of the object; the totals, classes, paths, dispositions,
 * matrix and guidance are always there. */
#define STATS_SOURCES 0x01	/* top_sources (the costliest: one row per prefix and day) */
#define STATS_REPORTERS 0x02	/* reporters, reports */
#define STATS_SERIES 0x04	/* daily, hourly */
#define STATS_POLICY 0x08	/* policy_history (guidance reads it too) */
#define STATS_ALL 0x0f

typedef struct stats_query {
	const char *domain;	/* required */
	int64_t since, until;	/* unix seconds, [since, until); 0: unset (until 0 = now) */
	int top;		/* top sources / reporters to list; 0: 20 */
	unsigned sections;	/* STATS_* bits; 0 means STATS_ALL */
} stats_query;

/* "sources,reporters,series,policy" or "all" → bits; -1 on an unknown name. */
int stats_sections_parse(const char *list, unsigned *out);

json_t *stats_build(store *st, const stats_query *q, char *err, size_t errlen);
void stats_digest(const json_t *stats, const char *lang, dbuf *out);

#endif
