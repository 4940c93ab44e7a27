/*
 * store_dnscheck.h - the DNS-check sub-interface of the store (issue 18):
 * the history of the records the checks read (015_dnscheck.sql's
 * dns_records) and the latest result per policy domain (dns_checks).
 * Conventions as in store.h (STORE_OK / STORE_ERR with store_errmsg, strings
 * copied, rows valid only during the callback).  The daily run
 * (src/dnscheck/daily.c) calls them inside its own transaction per domain.
 *
 * Exports: struct store_dnscheck_ops, store_dns_record,
 * store_sqlite_dnscheck_ops (store_pg_dnscheck_ops in pg_priv.h).
 */
#ifndef DS_STORE_DNSCHECK_H
#define DS_STORE_DNSCHECK_H

#include <stdint.h>

#include "store.h"

typedef struct store_dns_record {
	int64_t id;
	const char *policy_domain, *kind, *name, *text;
	int64_t first_seen, last_seen, gone_at;	/* gone_at 0: still published */
} store_dns_record;

struct store_dnscheck_ops {
	/* The records of domain: current only (gone_at NULL) or all, newest
	 * first, at most limit (0: 500). */
	int (*records)(store *s, const char *domain, int current_only, int limit,
	    int (*cb)(void *, const store_dns_record *), void *ctx);
	/* A new current record (first_seen = last_seen = now). */
	int (*record_add)(store *s, const char *domain, const char *kind, const char *name,
	    const char *text, int64_t now);
	/* last_seen = now (still there), or gone_at = now (gone) for row id. */
	int (*record_seen)(store *s, int64_t id, int64_t now);
	int (*record_gone)(store *s, int64_t id, int64_t now);
	/* The latest result of domain (replaces the one before). */
	int (*result_put)(store *s, const char *domain, int64_t at, int errors, int warnings,
	    const char *json);
	/* cb once with the stored result; *found 0 when there is none. */
	int (*result_get)(store *s, const char *domain,
	    int (*cb)(void *, int64_t at, const char *json), void *ctx, int *found);
	/* The DKIM selectors seen in the aggregate reports of domain (signing
	 * domain = the policy domain or under it) in reports ending at or
	 * after since, most used first, at most max. */
	int (*selectors)(store *s, const char *domain, int64_t since, int max,
	    int (*cb)(void *, const char *selector), void *ctx);
	/* The policy domains with an aggregate report ending at or after since. */
	int (*domains)(store *s, int64_t since, int (*cb)(void *, const char *domain), void *ctx);
};

extern const struct store_dnscheck_ops store_sqlite_dnscheck_ops;

#endif
