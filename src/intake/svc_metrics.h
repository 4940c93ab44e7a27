/*
 * svc_metrics.h - what the service's worker processes count for /metrics
 * (src/web/metrics.c), kept in the database (013_service_metrics.sql)
 * because the web worker that answers /metrics is another process.
 *
 * Every function is a no-op returning 0 when the backend has no counter op
 * (store_intake.h); otherwise 0, or -1 on a store error (store_errmsg says
 * why).  They write in the caller's transaction when it holds one.
 *
 * Exports:
 *   svcm_source_class(source)        "imap", "maildir", "mbox", "stdin",
 *                                    "upload" or "file" (the label values of
 *                                    dmarcscope_raw_messages' source)
 *   svcm_latency(st, source, secs)   one message's arrival-to-commit time
 *                                    into dmarcscope_ingest_latency_seconds
 *   svcm_poll(st, mailbox, ok)       one IMAP poll's result
 *   svcm_count(st, name, k1, v1, k2, v2, n)   add n to a counter
 *   SVCM_LATENCY_BUCKETS, svcm_latency_bucket[]  the histogram's upper bounds
 */
#ifndef DS_SVC_METRICS_H
#define DS_SVC_METRICS_H

#include "../store/store.h"

#define SVCM_LATENCY_BUCKETS 14
extern const double svcm_latency_bucket[SVCM_LATENCY_BUCKETS];

const char *svcm_source_class(const char *source);
int svcm_latency(store *st, const char *source, double seconds);
int svcm_poll(store *st, const char *mailbox, int ok);
int svcm_count(store *st, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double n);

#endif
