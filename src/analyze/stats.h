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

typedef struct stats_query {
	const char *domain;	/* required */
	int64_t since, until;	/* unix seconds, [since, until); 0: unset (until 0 = now) */
	int top;		/* top sources / reporters to list; 0: 20 */
} stats_query;

json_t *stats_build(store *st, const stats_query *q, char *err, size_t errlen);
void stats_digest(const json_t *stats, const char *lang, dbuf *out);

#endif
