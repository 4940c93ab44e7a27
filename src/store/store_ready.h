/*
 * store_ready.h - the readiness sub-interface of the store (issue 18 part 3,
 * "readiness for p=reject"): the reads src/analyze/ready.c needs, bounded
 * so they stay cheap on a 10M-record database:
 *   days    one domain's per-day sums from rollup_domain_day (014), through
 *           its (policy_domain, day) index: at most one row a day;
 *   policy  the policy published in the newest report begun before a time
 *           (reports_domain_begin: one row);
 *   groups  the period's records summed by sender, class, header_from
 *           subdomain or not, and week: the newest max_records records of the
 *           domain's reports (reports_domain_begin, then records_domain), so
 *           the per-sender breakdown and the what-if never read more.
 * Conventions as in store.h (STORE_OK / STORE_ERR with store_errmsg,
 * strings valid only during the callback).
 *
 * Exports: struct store_ready_ops, store_ready_day, store_ready_policy,
 * store_ready_group, store_sqlite_ready_ops, store_pg_ready_ops.
 */
#ifndef DS_STORE_READY_H
#define DS_STORE_READY_H

#include <stdint.h>

#include "store.h"

typedef struct store_ready_day {
	int64_t day;		/* UTC day: unix seconds / 86400 */
	int64_t messages, dmarc_pass, forwarded, auth_failure, spoofing;
} store_ready_day;

typedef struct store_ready_policy {
	const char *p, *sp, *np, *adkim, *aspf, *fo, *testing;	/* NULL when absent */
	int pct;		/* -1 when absent */
	int64_t date_begin;	/* of the report that published it */
} store_ready_policy;

typedef struct store_ready_group {
	int64_t sender_id;	/* My Senders entry, 0 none */
	int sender_kind;	/* 0 none, 1 internal, 2 third party */
	const char *match_type, *value, *note;	/* the entry's, NULL when none */
	const char *service;	/* known service, NULL none */
	int cls;		/* cls_class */
	int sub;		/* 1: header_from is not the policy domain itself */
	int64_t week;		/* UTC day of the Monday of the report's first day */
	int64_t messages, records;
	int64_t first_begin;	/* the earliest report begin in the group */
} store_ready_group;

struct store_ready_ops {
	/* domain's days in [from_day, to_day), oldest first; days without a
	 * row are not reported. */
	int (*days)(store *s, const char *domain, int64_t from_day, int64_t to_day,
	    int (*cb)(void *, const store_ready_day *), void *ctx);
	/* The policy of the newest report of domain begun before `before`;
	 * *found 0 when there is none. */
	int (*policy)(store *s, const char *domain, int64_t before,
	    int (*cb)(void *, const store_ready_policy *), void *ctx, int *found);
	/* The records of domain's reports begun in [since, until), newest
	 * reports first, at most max_records + 1 of them, summed per group;
	 * the caller sees it was cut when the groups' records exceed
	 * max_records. */
	int (*groups)(store *s, const char *domain, int64_t since, int64_t until, int64_t max_records,
	    int (*cb)(void *, const store_ready_group *), void *ctx);
};

extern const struct store_ready_ops store_sqlite_ready_ops;
extern const struct store_ready_ops store_pg_ready_ops;

#endif
