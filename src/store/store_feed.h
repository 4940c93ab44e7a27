/*
 * store_feed.h - the spoofing-host feed sub-interface of the store (issue 18
 * part 5): the hosts whose aggregate-report records were classified as
 * spoofing suspected (records.cls = CLS_SPOOFING) for a set of policy
 * domains over a period, with the enrichment the hosts table and the RDAP
 * networks hold; the failure reports from those hosts; and the explicit
 * allow-list (018_feed.sql's feed_allow).  src/analyze/feed.c builds the
 * feed from these and applies every exclusion.
 *
 * Conventions as in store.h (STORE_OK / STORE_ERR with store_errmsg, strings
 * copied, rows valid only during the callback).  Bounded: every read takes a
 * period and a row limit; hosts() is one aggregate over the period's records
 * of the domains (reports by (policy_domain, date_begin) that began at most
 * 31 days before the period, records by (policy_domain, report_id)),
 * failures() one over the period's failure reports by (policy_domain,
 * arrival_time).
 *
 * Exports: struct store_feed_ops and its row types, store_sqlite_feed_ops
 * (store_pg_feed_ops in pg_priv.h).
 */
#ifndef DS_STORE_FEED_H
#define DS_STORE_FEED_H

#include <stdint.h>

#include "store.h"

typedef struct store_feed_query {
	const char *domains_json;	/* JSON array of the policy domains (lower case) */
	int64_t since, until;		/* reports overlapping [since, until) */
	int64_t min_messages, min_days;	/* thresholds (HAVING) */
	const char *ip;			/* one host only, or NULL */
	int limit;			/* rows at most (> 0) */
} store_feed_query;

typedef struct store_feed_host {
	const char *ip;
	int family;			/* 4 or 6 */
	int64_t messages, records, first_seen, last_seen, days;
	const char *domains;		/* comma separated, distinct */
	const char *reporters;		/* comma separated org names (commas in them → ';') */
	int64_t ndomains, nreporters;
	/* hosts / rdap_networks; NULL when unknown, asn 0 */
	const char *ptr, *country, *as_name, *service, *service_type;
	int64_t asn;
	const char *abuse_email, *rdap_org, *rdap_handle, *rdap_name, *rdap_state;
} store_feed_host;

/* Failure reports (is_dmarc_failure) per source IP. */
typedef struct store_feed_fail {
	const char *ip;
	int64_t count, first, last;
} store_feed_fail;

typedef struct store_feed_sample {
	const char *policy_domain, *subject, *reporter;
	int64_t at;
} store_feed_sample;

typedef struct store_feed_allow {
	int64_t id, tenant_id;
	const char *cidr, *note;
	int64_t created_at;
} store_feed_allow;

struct store_feed_ops {
	/* Spoofing-suspected hosts, most messages first, at most q->limit. */
	int (*hosts)(store *s, const store_feed_query *q,
	    int (*cb)(void *, const store_feed_host *), void *ctx);
	/* Failure-report counts per source IP over the same domains and
	 * period (q->ip: that host only; thresholds ignored), at most q->limit. */
	int (*failures)(store *s, const store_feed_query *q,
	    int (*cb)(void *, const store_feed_fail *), void *ctx);
	/* The newest failure reports from q->ip, at most max. */
	int (*samples)(store *s, const store_feed_query *q, int max,
	    int (*cb)(void *, const store_feed_sample *), void *ctx);
	/* The allow-list.  add: "already listed" error on a duplicate;
	 * del: *found 0 when (tenant_id, cidr) is not there; list: tenant_id's
	 * rows and the provider's (tenant 0), or every row when tenant_id < 0. */
	int (*allow_add)(store *s, int64_t tenant_id, const char *cidr, const char *note,
	    int64_t now, int64_t *id);
	int (*allow_del)(store *s, int64_t tenant_id, const char *cidr, int *found);
	int (*allow_list)(store *s, int64_t tenant_id,
	    int (*cb)(void *, const store_feed_allow *), void *ctx);
};

extern const struct store_feed_ops store_sqlite_feed_ops;

#endif
