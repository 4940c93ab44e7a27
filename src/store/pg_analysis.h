/*
 * pg_analysis.h - the two analysis ops store_pg_analysis_scan.c gives
 * store_pg_analysis.c's op table, and the host cache's fill for the scan
 * (store_pg_hostcache.c); not for use outside src/store/.
 *
 * Exports: pga_records_scan, pga_record_set (store_analysis.h semantics);
 * pg_hostcache_more (adds the facts of the IPs the cache does not hold to
 * it: STORE_OK, or STORE_ERR with the handle's message set and the cache
 * emptied).
 */
#ifndef DS_PG_ANALYSIS_H
#define DS_PG_ANALYSIS_H

#include <stdint.h>

#include "store_analysis.h"

int pga_records_scan(store *s, const char *policy_domain,
    int (*cb)(void *, const store_record_row *), void *ctx);
int pga_record_set(store *s, int64_t record_id, const store_record_analysis *an);

struct pg_store;
int pg_hostcache_more(struct pg_store *q, const char *const *ips, int n);

#endif
