/*
 * store_analysis.h - the analysis sub-interface of the store (see store.h
 * for the conventions every op follows): My Senders, host facts for
 * classification, rollups and the reads behind `stats`.
 *
 * Rollup writes are upserts that add (negative deltas allowed).  The hourly
 * rollup is written one row per (domain, UTC day, class) with the day's 24
 * hourly counts (store_rollup_hours) and read back one row per hour
 * (store_rollup_hour).
 *
 * Exports: struct store_analysis_ops, store_sqlite_analysis_ops, and the row
 * types below.  Strings in rows handed to callbacks live only during the call.
 */
#ifndef DS_STORE_ANALYSIS_H
#define DS_STORE_ANALYSIS_H

#include <stdint.h>

#include "store.h"

typedef struct store_sender {
	int64_t id;
	const char *policy_domain;
	int kind;			/* 1 internal, 2 third party */
	const char *match_type;		/* cidr | rdns | service | dkim */
	const char *value;
	const char *note;
	int64_t created_at;
} store_sender;

typedef struct store_host_facts {
	const char *ptr, *base_domain, *service, *service_type, *country, *as_name;
	int64_t asn;			/* 0 unknown */
	int fcrdns;			/* 1, 0, or -1 unknown */
} store_host_facts;

typedef struct store_rollup_day {
	const char *policy_domain;
	int64_t day;
	int cls, path, spf_cat, dkim_cat, sender_kind, known, disposition, reporter_pass;
	int64_t messages, records;
} store_rollup_day;

/* One hour of one class, as rollup_hour_scan hands it out. */
typedef struct store_rollup_hour {
	const char *policy_domain;
	int64_t hour;			/* unix seconds / 3600 */
	int cls;
	int64_t messages;
} store_rollup_hour;

/* The 24 hours of one UTC day and class, as rollup_hours_add takes them. */
typedef struct store_rollup_hours {
	const char *policy_domain;
	int64_t day;			/* unix seconds / 86400 */
	int cls;
	int64_t messages[24];		/* [h]: h:00 to h:59 UTC */
} store_rollup_hours;

typedef struct store_rollup_src {
	const char *policy_domain;
	int64_t day;
	const char *prefix;
	int64_t messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing;
} store_rollup_src;

typedef struct store_rollup_org {
	const char *policy_domain;
	int64_t day;
	const char *org;
	int64_t reports, messages;
} store_rollup_org;

/* One published-policy period (stats policy history). */
typedef struct store_policy_row {
	const char *p, *sp, *np, *adkim, *aspf, *fo, *testing;
	int pct;			/* -1 absent */
	int64_t first_begin, last_end, reports;
} store_policy_row;

/* A record with what reanalysis and the lists need. */
typedef struct store_record_row {
	int64_t report_id, date_begin, date_end;
	const char *org_name, *report_ext_id;
	const dm_policy *policy;	/* the report's published policy */
	const dm_record *rec;		/* rec->store_id is records.id */
	const store_record_analysis *an;	/* as stored */
} store_record_row;

/* Per source IP for `senders suggest`; dmarc_pass counts only direct passes
 * (path normal or ml_own), not mail a relay forwarded. */
typedef struct store_source_row {
	const char *ip, *ptr, *service, *dkim_pass_domains;
	int64_t messages, spf_aligned, dkim_aligned, dmarc_pass;
} store_source_row;

struct store_analysis_ops {
	/* My Senders.  sender_add fails with "already registered" on a duplicate. */
	int (*sender_add)(store *s, const store_sender *in, int64_t *id);
	int (*sender_list)(store *s, const char *policy_domain /* NULL: all */,
	    int (*cb)(void *, const store_sender *), void *ctx);
	int (*sender_rm)(store *s, int64_t id, char *domain_out, size_t dlen, int *found);

	/* Host facts from enrichment; *found = 0 when the IP is unknown. */
	int (*host_facts)(store *s, const char *ip, int (*cb)(void *, const store_host_facts *),
	    void *ctx, int *found);

	/* Reanalysis queue. */
	int (*pending_add)(store *s, const char *policy_domain /* NULL: every domain */);
	int (*pending_list)(store *s, int (*cb)(void *, const char *domain), void *ctx);
	int (*pending_done)(store *s, const char *policy_domain);

	/* Every record of a domain (full auth results), report by report; each
	 * report is first announced by a row with rec == NULL. */
	int (*records_scan)(store *s, const char *policy_domain,
	    int (*cb)(void *, const store_record_row *), void *ctx);
	int (*record_set_analysis)(store *s, int64_t record_id, const store_record_analysis *an);

	/* Rollups. */
	int (*rollup_clear)(store *s, const char *policy_domain);
	int (*rollup_day_add)(store *s, const store_rollup_day *r);
	/* Adds messages[h] to hour h of the (domain, day, cls) row. */
	int (*rollup_hours_add)(store *s, const store_rollup_hours *r);
	int (*rollup_src_add)(store *s, const store_rollup_src *r);
	int (*rollup_org_add)(store *s, const store_rollup_org *r);

	/* Reads; f->since/until are unix seconds, mapped to whole UTC days/hours.
	 * rollup_day_scan returns rows in day order; rollup_hour_scan returns one
	 * row per hour and class with messages (zero hours are skipped), in
	 * (hour, cls) order. */
	int (*rollup_day_scan)(store *s, const store_filter *f,
	    int (*cb)(void *, const store_rollup_day *), void *ctx);
	int (*rollup_hour_scan)(store *s, const store_filter *f,
	    int (*cb)(void *, const store_rollup_hour *), void *ctx);
	/* Grouped by prefix over the period, most messages first. */
	int (*rollup_src_top)(store *s, const store_filter *f, int limit,
	    int (*cb)(void *, const store_rollup_src *), void *ctx);
	/* Grouped by org over the period, most messages first. */
	int (*rollup_org_top)(store *s, const store_filter *f, int limit,
	    int (*cb)(void *, const store_rollup_org *), void *ctx);
	int (*policy_history)(store *s, const store_filter *f,
	    int (*cb)(void *, const store_policy_row *), void *ctx);
	/* Records whose reporter verdict differs from ours. */
	int (*mismatch_list)(store *s, const store_filter *f, int limit,
	    int (*cb)(void *, const store_record_row *), void *ctx);
	/* Per source IP over the period, most messages first. */
	int (*source_scan)(store *s, const store_filter *f,
	    int (*cb)(void *, const store_source_row *), void *ctx);
	/* Domains with reports in the filter (for `stats` without --domain). */
	int (*domain_list)(store *s, int (*cb)(void *, const char *domain, int64_t messages),
	    void *ctx);

	/* Optional (NULL: none): the source IPs of the records about to be
	 * analysed, so that host_facts can answer them without a lookup each
	 * (PostgreSQL: one round trip for all); n = 0 forgets them. */
	int (*host_facts_prefetch)(store *s, const char *const *ips, int n);
};

extern const struct store_analysis_ops store_sqlite_analysis_ops;

/* BEGIN store wrappers (generated by scripts/store_wrappers.py; do not edit) */

static inline int
store_analysis_sender_add(store *s, const store_sender *in, int64_t *id)
{
	if (s->ops->analysis == NULL || s->ops->analysis->sender_add == NULL)
		return store_unsupported(s, "analysis.sender_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->sender_add(s, in, id);
}

static inline int
store_analysis_sender_list(store *s, const char *policy_domain, int (*cb)(void *,
    const store_sender *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->sender_list == NULL)
		return store_unsupported(s, "analysis.sender_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->sender_list(s, policy_domain, cb, ctx);
}

static inline int
store_analysis_sender_rm(store *s, int64_t id, char *domain_out, size_t dlen, int *found)
{
	if (s->ops->analysis == NULL || s->ops->analysis->sender_rm == NULL)
		return store_unsupported(s, "analysis.sender_rm is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->sender_rm(s, id, domain_out, dlen, found);
}

static inline int
store_analysis_host_facts(store *s, const char *ip, int (*cb)(void *, const store_host_facts *),
    void *ctx, int *found)
{
	if (s->ops->analysis == NULL || s->ops->analysis->host_facts == NULL)
		return store_unsupported(s, "analysis.host_facts is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->host_facts(s, ip, cb, ctx, found);
}

static inline int
store_analysis_pending_add(store *s, const char *policy_domain)
{
	if (s->ops->analysis == NULL || s->ops->analysis->pending_add == NULL)
		return store_unsupported(s, "analysis.pending_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->pending_add(s, policy_domain);
}

static inline int
store_analysis_pending_list(store *s, int (*cb)(void *, const char *domain), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->pending_list == NULL)
		return store_unsupported(s, "analysis.pending_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->pending_list(s, cb, ctx);
}

static inline int
store_analysis_pending_done(store *s, const char *policy_domain)
{
	if (s->ops->analysis == NULL || s->ops->analysis->pending_done == NULL)
		return store_unsupported(s, "analysis.pending_done is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->pending_done(s, policy_domain);
}

static inline int
store_analysis_records_scan(store *s, const char *policy_domain, int (*cb)(void *,
    const store_record_row *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->records_scan == NULL)
		return store_unsupported(s, "analysis.records_scan is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->records_scan(s, policy_domain, cb, ctx);
}

static inline int
store_analysis_record_set_analysis(store *s, int64_t record_id, const store_record_analysis *an)
{
	if (s->ops->analysis == NULL || s->ops->analysis->record_set_analysis == NULL)
		return store_unsupported(s, "analysis.record_set_analysis is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->record_set_analysis(s, record_id, an);
}

static inline int
store_analysis_rollup_clear(store *s, const char *policy_domain)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_clear == NULL)
		return store_unsupported(s, "analysis.rollup_clear is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_clear(s, policy_domain);
}

static inline int
store_analysis_rollup_day_add(store *s, const store_rollup_day *r)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_day_add == NULL)
		return store_unsupported(s, "analysis.rollup_day_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_day_add(s, r);
}

static inline int
store_analysis_rollup_hours_add(store *s, const store_rollup_hours *r)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_hours_add == NULL)
		return store_unsupported(s, "analysis.rollup_hours_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_hours_add(s, r);
}

static inline int
store_analysis_rollup_src_add(store *s, const store_rollup_src *r)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_src_add == NULL)
		return store_unsupported(s, "analysis.rollup_src_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_src_add(s, r);
}

static inline int
store_analysis_rollup_org_add(store *s, const store_rollup_org *r)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_org_add == NULL)
		return store_unsupported(s, "analysis.rollup_org_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_org_add(s, r);
}

static inline int
store_analysis_rollup_day_scan(store *s, const store_filter *f, int (*cb)(void *,
    const store_rollup_day *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_day_scan == NULL)
		return store_unsupported(s, "analysis.rollup_day_scan is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_day_scan(s, f, cb, ctx);
}

static inline int
store_analysis_rollup_hour_scan(store *s, const store_filter *f, int (*cb)(void *,
    const store_rollup_hour *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_hour_scan == NULL)
		return store_unsupported(s, "analysis.rollup_hour_scan is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_hour_scan(s, f, cb, ctx);
}

static inline int
store_analysis_rollup_src_top(store *s, const store_filter *f, int limit, int (*cb)(void *,
    const store_rollup_src *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_src_top == NULL)
		return store_unsupported(s, "analysis.rollup_src_top is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_src_top(s, f, limit, cb, ctx);
}

static inline int
store_analysis_rollup_org_top(store *s, const store_filter *f, int limit, int (*cb)(void *,
    const store_rollup_org *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->rollup_org_top == NULL)
		return store_unsupported(s, "analysis.rollup_org_top is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->rollup_org_top(s, f, limit, cb, ctx);
}

static inline int
store_analysis_policy_history(store *s, const store_filter *f, int (*cb)(void *,
    const store_policy_row *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->policy_history == NULL)
		return store_unsupported(s, "analysis.policy_history is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->policy_history(s, f, cb, ctx);
}

static inline int
store_analysis_mismatch_list(store *s, const store_filter *f, int limit, int (*cb)(void *,
    const store_record_row *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->mismatch_list == NULL)
		return store_unsupported(s, "analysis.mismatch_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->mismatch_list(s, f, limit, cb, ctx);
}

static inline int
store_analysis_source_scan(store *s, const store_filter *f, int (*cb)(void *,
    const store_source_row *), void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->source_scan == NULL)
		return store_unsupported(s, "analysis.source_scan is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->source_scan(s, f, cb, ctx);
}

static inline int
store_analysis_domain_list(store *s, int (*cb)(void *, const char *domain, int64_t messages),
    void *ctx)
{
	if (s->ops->analysis == NULL || s->ops->analysis->domain_list == NULL)
		return store_unsupported(s, "analysis.domain_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->domain_list(s, cb, ctx);
}

static inline int
store_analysis_host_facts_prefetch(store *s, const char *const *ips, int n)
{
	if (s->ops->analysis == NULL || s->ops->analysis->host_facts_prefetch == NULL)
		return store_unsupported(s, "analysis.host_facts_prefetch is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->analysis->host_facts_prefetch(s, ips, n);
}

/* END store wrappers */

#endif
