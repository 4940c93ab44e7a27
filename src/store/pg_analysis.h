/*
 * pg_analysis.h - the two analysis ops store_pg_analysis_scan.c gives
 * store_pg_analysis.c's op table (not for use outside src/store/).
 *
 * Exports: pga_records_scan, pga_record_set (store_analysis.h semantics).
 */
#ifndef DS_PG_ANALYSIS_H
#define DS_PG_ANALYSIS_H

#include <stdint.h>

#include "store_analysis.h"

int pga_records_scan(store *s, const char *policy_domain,
    int (*cb)(void *, const store_record_row *), void *ctx);
int pga_record_set(store *s, int64_t record_id, const store_record_analysis *an);

#endif
