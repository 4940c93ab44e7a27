/*
 * web_overview.h - the domains overview's computation shared by the SQLite
 * and PostgreSQL backends (web_overview.c; issue 19).  The backends read
 * (store_sqlite_web_overview.c, store_pg_web_overview.c); web_overview.c
 * sums, decides the next step (readiness's: src/analyze/ready_judge.c) and
 * the flags, filters, totals, sorts, pages and emits the rows with fixed
 * column names, so both give the same rows.
 *
 * Exports: ovd, ovset, ov_backend, ov_new, ov_find, ov_index, ov_add,
 * ov_policy_clear, ov_run.  Memory: the set owns its strings (xstrdup'd by
 * the backends); ov_run frees it.  Errors: a backend op returns STORE_ERR with
 * its message in its store; ov_run passes it on.
 */
#ifndef DS_WEB_OVERVIEW_H
#define DS_WEB_OVERVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store_web.h"

enum { OV_MSG, OV_PASS, OV_SPF, OV_DKIM, OV_FWD, OV_AF, OV_SPOOF, OV_NSUM };

typedef struct ovd {
	char *domain, *tenant, *p, *sp, *np, *testing;
	int64_t reports_all, last_begin, last_end, pct, senders, alerts, reporters;
	int has_pct, step, flags;
	int level, ladder;	/* readiness (ready_judge.c): RL_*, RS_*; step is an RS_* too */
	int64_t sum[OV_NSUM], fd, ld;	/* fd, ld: first and last day with messages, -1 none */
	int64_t id, orgs;	/* ov_domain id (0 none); OR of the rows' reporter bits (016) */
} ovd;

typedef struct ovset {
	ovd *v;
	size_t n, cap;
	uint32_t *hash;		/* index + 1, 0 empty */
	size_t hcap;
	uint32_t *byid;		/* ov_domain id -> index + 1, 0 none (ov_index) */
	size_t nid;
} ovset;

/* ov_reporter's overflow bit: a domain with more orgs than bits */
#define OV_ORGS_MANY ((int64_t)1 << 62)

/* A backend's reads; h is its handle.  Each returns STORE_OK or STORE_ERR. */
typedef struct ov_backend {
	/* 1. the domains in scope (w->scope_tenant: its tenant_domains only) and
	 * search, from domain_summary: ov_new each, fields domain, reports_all,
	 * last_begin, last_end, p, sp, np, has_pct, pct, testing */
	int (*domains)(void *h, const store_web_query *w, ovset *o);
	/* how many rows domain_summary holds (*all) */
	int (*count_all)(void *h, int64_t *all);
	/* 2. the sums and orgs of rows with start in [lo, hi) of
	 * rollup_domain_span at level (1..3) or rollup_domain_day (level 0),
	 * messages or orgs <> 0, ov_add'ed to the domains found by ov_byid */
	int (*range)(void *h, ovset *o, int level, int64_t lo, int64_t hi);
	/* 2'. the same for every domain of o by its own days in [lo, hi) */
	int (*few)(void *h, ovset *o, int64_t lo, int64_t hi);
	/* 3. which 0: senders per domain, 1: open alerts, 2: tenant name */
	int (*per_domain)(void *h, ovset *o, int which);
	/* 3. d's policy from its last report begun before until (ov_policy_clear
	 * first; left clear when none) */
	int (*policy_before)(void *h, ovd *d, int64_t until);
	/* 5. d->reporters: distinct orgs of rollup_org in [d0, d1), counted
	 * there (only for a domain whose orgs carry OV_ORGS_MANY) */
	int (*reporters)(void *h, ovd *d, int64_t d0, int64_t d1);
	/* SWQ_OVERVIEW_DAYS: day, messages, spoofing of w->domain in [d0, d1),
	 * in scope, by day */
	int (*days)(void *h, const store_web_query *w, int64_t d0, int64_t d1, store_web_cb cb,
	    void *ctx);
	/* sets the backend's error message */
	void (*error)(void *h, const char *msg);
} ov_backend;

ovd *ov_new(ovset *o);
ovd *ov_find(ovset *o, const char *domain);
ovd *ov_byid(ovset *o, int64_t id);
void ov_index(ovset *o);
/* adds one row's sums (sum[OV_NSUM]), its first/last day (fd < 0: none)
 * and its reporter bits */
void ov_add(ovd *d, const int64_t *sum, int64_t fd, int64_t ld, int64_t orgs);
void ov_policy_clear(ovd *d);
/* SWQ_OVERVIEW, SWQ_OVERVIEW_TOTALS, SWQ_OVERVIEW_DAYS through be */
int ov_run(const ov_backend *be, void *h, int q, const store_web_query *w, store_web_cb cb,
    void *ctx);

#endif
