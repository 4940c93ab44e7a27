/*
 * analysis.h - everything derived from a record, kept next to it: our
 * alignment verdicts, the matched sender and service, the class and path
 * case; and the rollups the dashboards read (day, hour, source prefix,
 * reporter).
 *
 * Used two ways, with the same code:
 *   - at ingest: analysis_begin_report → analysis_record per record (the
 *     caller stores the result with store.record_add) → analysis_end_report,
 *     which adds the report's rollup rows inside the caller's transaction;
 *   - on reanalysis (My Senders changed, enrichment found a service, the
 *     migration that introduced this): analysis_catch_up drains the
 *     analysis_pending queue, one transaction per domain, recomputing every
 *     record of the domain and rebuilding its rollups.
 *
 * Ownership: an analysis borrows the store (not closed by analysis_free)
 * and owns its services map unless one is passed in.  Strings in the
 * store_record_analysis handed out live until the next analysis_record.
 * Not thread-safe: one per thread/connection.
 *
 * Errors: functions return 0 or -1; -1 means a store error, with
 * store_errmsg(st) saying why, and the caller rolls back.
 *
 * Exports:
 *   analysis_new(st, svc) / analysis_free
 *   analysis_begin_report, analysis_record, analysis_end_report
 *   analysis_rebuild_domain(a, domain)   in the caller's transaction
 *   analysis_rebuild_early(a, domain, before)  the same for retention's
 *       early rollup days only (in the caller's transaction)
 *   analysis_catch_up(a, &domains)       drain the queue (own transactions)
 *   analysis_set_progress(a, fn, ctx)    records redone so far, for a progress bar
 *   analysis_spread(begin, end, unit, count, fn, ctx)  split count over
 *       whole units (days, hours) in proportion to the overlap; exact sums
 *   analysis_services(a)
 */
#ifndef DS_ANALYSIS_H
#define DS_ANALYSIS_H

#include <stdint.h>

#include "services.h"
#include "../report/report.h"
#include "../store/store.h"

typedef struct analysis analysis;

analysis *analysis_new(store *st, services *svc);
void analysis_free(analysis *a);
const services *analysis_services(const analysis *a);

int analysis_begin_report(analysis *a, const dm_report *r, const char *policy_domain);
int analysis_record(analysis *a, const dm_record *rec, store_record_analysis *out);
int analysis_end_report(analysis *a);
/* The source IPs of the records analysis_record will see next (the ingest's
 * batch of events), for a store that reads host facts ahead; n = 0 forgets
 * them.  0, or -1 on a store error. */
int analysis_prefetch_hosts(analysis *a, const char *const *ips, int n);
/* 1 when the store reads host facts ahead (worth collecting the IPs). */
int analysis_prefetches_hosts(const analysis *a);

int analysis_rebuild_domain(analysis *a, const char *policy_domain);
/* Retention, after its purge: the domain's rollup days before `before` (a
 * UTC midnight, unix seconds) cut and rebuilt from the reports still there
 * that begin before it (store_retention_rollup_cut, _straddle_scan); only
 * those days' shares are added, the records keep the analysis the later
 * days' rollups were built with (none is written), and the alerts' change
 * log is not touched.  In the caller's transaction; 0 or -1 (store error). */
int analysis_rebuild_early(analysis *a, const char *policy_domain, int64_t before);
int analysis_catch_up(analysis *a, int *domains);
/* Reanalysis progress: fn gets the records redone so far (every 1024, and
 * after each domain), from the thread that runs the reanalysis. */
void analysis_set_progress(analysis *a, void (*fn)(void *ctx, const char *domain,
    int64_t records), void *ctx);

#define ANALYSIS_MAX_SPREAD_DAYS 62	/* longer report ranges are clamped */
void analysis_spread(int64_t begin, int64_t end, int64_t unit, int64_t count,
    void (*fn)(void *ctx, int64_t bucket, int64_t share), void *ctx);

#endif
