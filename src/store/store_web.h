/*
 * store_web.h - the portal's sub-interface of the store (see store.h for
 * the conventions every op follows): the list and detail reads behind the
 * JSON API (mail list, record detail, reports, sources, hosts, countries,
 * quarantine; from SWQ_KINDS_FIRST on, failure and TLS reports, in
 * store_sqlite_web_kinds.c) and the cheap data version that drives live
 * updates.
 *
 * One op, query(), runs a named read (enum swq) with the bound parameters
 * in store_web_query and hands every row to the callback as typed values
 * with stable column names; the API turns rows into JSON objects without
 * knowing the backend.  Nothing in store_web_query is ever pasted into SQL:
 * values are bound, and sort is an index into a fixed table of ORDER BY
 * clauses (SWS_*).
 *
 * Rows (names and values) are valid only during the callback.  A callback
 * returning non-zero stops the query (query then returns STORE_OK).
 *
 * Isolation (issue 14).  query() takes the request principal (src/auth/
 * principal.h) as a required argument and answers only what it may see: an
 * operator (and the local single-user principal) every domain, assigned to
 * a tenant or not; a tenant's user or token only the policy domains of
 * tenant_domains for its tenant (policy_domain IN (SELECT domain FROM
 * tenant_domains WHERE tenant_id = ?), on every table a query reads:
 * reports, records, failure reports and their URLs, TLS policies, senders);
 * a by-id read of another tenant's row answers no row, a host only when the
 * tenant has records or failure reports of it, quarantine never.  NULL or
 * an unauthenticated principal is refused (STORE_ERR).  Policy domains are
 * stored lower case, as tenant_domains holds them.
 *
 * Exports: struct store_web_ops, store_sqlite_web_ops, enum swq, enum sws,
 * store_web_query, store_web_val, STORE_WEB_SCAN_MAX, STORE_WEB_AGG_MAX,
 * STORE_WEB_URL_MAX.
 */
#ifndef DS_STORE_WEB_H
#define DS_STORE_WEB_H

#include <stdint.h>

#include "store.h"

/* The windows of the bounded list queries: a filtered or re-sorted mail list
 * looks at the newest STORE_WEB_SCAN_MAX records of its range, the senders
 * and map sums at the newest STORE_WEB_AGG_MAX ("partial" when it holds more). */
#define STORE_WEB_SCAN_MAX 30000
#define STORE_WEB_AGG_MAX 100000
/* The URL view groups at most this many URL rows (of the newest
 * STORE_WEB_SCAN_MAX failure reports). */
#define STORE_WEB_URL_MAX 50000

enum swq {
	SWQ_VERSION = 0,	/* one row: reports, raws, quarantine, senders, hosts, analysis */
	SWQ_DOMAINS,		/* domain, reports, messages, first_begin, last_end */
	SWQ_RECORDS,		/* the mail list page (filters, sort, limit/offset) */
	SWQ_RECORDS_COUNT,	/* records, messages, partial for the same filters
				 * (partial 1: only the newest records were looked at) */
	SWQ_RECORDS_CSV,	/* every filtered row, IIJ columns, streaming order */
	SWQ_RECORD,		/* one record by id, with its report */
	SWQ_RECORD_REASONS,	/* its override reasons */
	SWQ_RECORD_DKIM,	/* its DKIM results */
	SWQ_RECORD_SPF,		/* its SPF results */
	SWQ_REPORTS,		/* ingested reports (filters, limit/offset) */
	SWQ_REPORTS_COUNT,
	SWQ_REPORT,		/* one report by id */
	SWQ_SOURCES,		/* per source IP over the filter: kind, alignment, host;
				 * partial (every row) 1 when only the newest records
				 * of a large range were summed */
	SWQ_HOST,		/* the hosts row of ip */
	SWQ_HOST_DAILY,		/* ip's messages per day and class */
	SWQ_COUNTRIES,		/* messages and spoofing per country; partial as above */
	SWQ_QUARANTINE,		/* every quarantine entry, newest first */
	/* failure and TLS reports (store_sqlite_web_kinds.c, issue 13) */
	SWQ_KINDS_FIRST,
	SWQ_THREATS = SWQ_KINDS_FIRST,	/* threats list page (window, filters, limit/offset) */
	SWQ_THREATS_COUNT,	/* total, partial for the same filters */
	SWQ_THREAT_SOURCES,	/* policy_domain, source_ip, ptr, service, n: the matching
				 * rows per source (for My Senders vs unauthorized) */
	SWQ_THREATS_RECEIVED,	/* n: every failure report of domain/range (abuse too) */
	SWQ_THREATS_CSV,	/* every matching row, newest first, no window */
	SWQ_THREAT,		/* one failure report by id, with its model */
	SWQ_THREAT_URLS,	/* its URLs, each with the failure reports holding it */
	SWQ_URLS,		/* URL view page: per url (by_domain: per reg_domain);
				 * every row also has _total and _partial */
	SWQ_URLS_COUNT,		/* total, partial */
	SWQ_TLS_DOMAINS,	/* domain: every policy domain with TLS reports */
	SWQ_TLS_DAYS,		/* day, success, failure, partial */
	SWQ_TLS_TYPES,		/* result_type, sessions, partial */
	SWQ_TLS_FAILURES,	/* grouped failure details with reporters (JSON) */
	SWQ_TLS_REPORTS,	/* one row per (report, policy), newest first */
	SWQ_IP_FAILURES,	/* failure reports of ip in [since, until), newest first */
	SWQ_IP_FAILURES_COUNT,	/* n for the same */
	SWQ_KIND_DOMAINS,	/* domain, failure_reports, tls_reports */
	SWQ_IP_CLASS,		/* ip's class with most messages (domain optional) */
	/* isolation checks (issue 14) */
	SWQ_RAW_ACCESS,		/* allowed: 1 when raw message id may be shown (an
				 * operator: it exists; a tenant: it holds a report of
				 * the tenant's domains and none of another's) */
	SWQ_HOST_SEEN,		/* seen: 1 when ip sent mail in the principal's
				 * domains (records or failure reports); operators: 1 */
	SWQ_SENDER_DOMAIN,	/* policy_domain of sender id, in scope */
	/* the domains overview (store_sqlite_web_overview.c, issue 19): from
	 * domain_summary and rollup_domain_day (migration 014), never records */
	SWQ_OVERVIEW_FIRST,
	SWQ_OVERVIEW = SWQ_OVERVIEW_FIRST,	/* one row per policy domain over [since,
				 * until): sums, policy, next step, alerts, reporters;
				 * filter (SWO_F_*), search (domain substring), sort
				 * (SWO_*), limit/offset; every row also carries the
				 * totals of every matching domain (_total, _messages,
				 * ...); limit < 0: every row (the CSV) */
	SWQ_OVERVIEW_TOTALS,	/* the same totals as one row (an empty page) */
	SWQ_OVERVIEW_DAYS,	/* day, messages, spoofing of domain in [since, until) */
	SWQ__COUNT
};

/* Mail-list sort keys. */
enum sws {
	SWS_DATE = 0, SWS_DOMAIN, SWS_IP, SWS_PTR, SWS_COUNT, SWS_FROM, SWS_DMARC,
	SWS_SPF, SWS_DKIM, SWS_DISP, SWS_COUNTRY, SWS_CLASS, SWS__COUNT
};

/* Overview sort keys (SWQ_OVERVIEW) and filters (bits, all must hold). */
enum swo {
	SWO_DOMAIN = 0, SWO_MESSAGES, SWO_DMARC, SWO_SPF, SWO_DKIM, SWO_SPOOFING, SWO_AUTH_FAILURE,
	SWO_POLICY, SWO_NEXT_STEP, SWO_ALERTS, SWO_REPORTERS, SWO_LAST_REPORT, SWO_TENANT,
	SWO__COUNT
};
#define SWO_F_SPOOFED 0x01	/* spoofing suspected > 0 in the period */
#define SWO_F_FAILING 0x02	/* My Senders' auth failures > 2 % of the messages */
#define SWO_F_PNONE 0x04	/* p=none, or no policy seen */
#define SWO_F_SILENT 0x08	/* no report ended within 2 days of the period's end */
#define SWO_F_UNASSIGNED 0x10	/* no tenant owns it */
#define SWO_SILENT_DAYS 2

typedef struct store_web_query {
	const char *domain;	/* NULL: every domain */
	int64_t since, until;	/* report begin in [since, until); 0: unset */
	int cls;		/* class code, -1 any */
	int result;		/* -1 any, 1 DMARC pass, 0 DMARC fail */
	const char *search;	/* IP prefix or reverse-DNS substring; NULL none */
	const char *ip;		/* exact source IP; NULL none */
	int64_t id;		/* record / report id */
	int64_t report_id;	/* records of one report; 0: any */
	int sort, desc;		/* SWS_*, descending when non-zero */
	int64_t limit, offset;	/* limit < 0: no limit */
	/* failure / TLS reports only */
	const char *reporter;	/* reporter address or its domain; NULL none */
	const char *url_domain;	/* a URL's host or registered domain; NULL none */
	int kind_all;		/* 1: every failure report, 0: DMARC failures only */
	int by_domain;		/* SWQ_URLS: one row per registered domain */
	const char *url;	/* one normalised URL; NULL none */
	/* set by query() itself from the principal (callers' values are
	 * overwritten): > 0 that tenant's domains only, 0 every domain */
	int64_t scope_tenant;
	/* the overview only (SWQ_OVERVIEW*): SWO_F_* bits; 0 none */
	int filter;
} store_web_query;

enum { SWV_NULL = 0, SWV_INT, SWV_REAL, SWV_TEXT };

typedef struct store_web_val {
	int type;
	int64_t i;
	double d;
	const char *s;
} store_web_val;

typedef int (*store_web_cb)(void *ctx, int ncol, const char *const *names,
    const store_web_val *v);

/*
 * watch(s, stop, ctx): until the next watch(s, NULL, NULL), every statement
 * on this connection (any op, not only query) calls stop(ctx) every few
 * thousand steps; a non-zero return interrupts it and the op fails
 * (STORE_ERR).  The portal uses it for its query time limit and to stop
 * work for a client that has gone.
 *
 * readonly(s): 1 when the database was opened read-only (it cannot be
 * written: file mode, immutable flag, read-only mount), else 0.
 *
 * query_only(s, on): on 1, every write on this connection fails until
 * query_only(s, 0) (SQLite's PRAGMA query_only): the portal's read routes
 * run so, whatever they call.  0, or STORE_ERR.
 */
struct dm_principal;

struct store_web_ops {
	int (*query)(store *s, const struct dm_principal *who, int q, const store_web_query *w,
	    store_web_cb cb, void *ctx);
	void (*watch)(store *s, int (*stop)(void *ctx), void *ctx);
	int (*readonly)(store *s);
	int (*query_only)(store *s, int on);
};

extern const struct store_web_ops store_sqlite_web_ops;

/* BEGIN store wrappers (generated by scripts/store_wrappers.py; do not edit) */

static inline int
store_web_run(store *s, const struct dm_principal *who, int q, const store_web_query *w,
    store_web_cb cb, void *ctx)
{
	if (s->ops->web == NULL || s->ops->web->query == NULL)
		return store_unsupported(s, "web.query is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->web->query(s, who, q, w, cb, ctx);
}

static inline void
store_web_watch(store *s, int (*stop)(void *ctx), void *ctx)
{
	if (s->ops->web == NULL || s->ops->web->watch == NULL) {
		store_unsupported(s, "web.watch is not supported by this backend");
		return;
	}
	s->unsupported = NULL;
	s->ops->web->watch(s, stop, ctx);
}

static inline int
store_web_readonly(store *s)
{
	if (s->ops->web == NULL || s->ops->web->readonly == NULL)
		return store_unsupported(s, "web.readonly is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->web->readonly(s);
}

static inline int
store_web_query_only(store *s, int on)
{
	if (s->ops->web == NULL || s->ops->web->query_only == NULL)
		return store_unsupported(s, "web.query_only is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->web->query_only(s, on);
}

/* END store wrappers */

#endif
