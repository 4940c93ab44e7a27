/*
 * store_sqlite_web_overview.c - the domains overview's reads for SQLite
 * (store_web.h, SWQ_OVERVIEW_FIRST on; issue 19).
 *
 * One row per policy domain the principal may see, over the period
 * [since, until), from the tables of migration 014 and never from records:
 *   1. the domains: domain_summary (its last report and policy), a tenant's
 *      through tenant_domains, narrowed by the search; kept in an array with
 *      a hash of the names;
 *   2. the sums: for a few domains (a search or a tenant left under half of
 *      them, and domains x days up to FEW_ROWS) each one's days by domain; else the period's whole 8-day
 *      blocks from rollup_domain_block
 *      and the days before and after them from rollup_domain_day, both keyed
 *      by day (block) first, so these are at most three ranges read in
 *      order and summed here, without a seek or a sort per domain (summing
 *      in SQL cost ~15 us a domain: 150 ms for 10,000);
 *   3. My Senders rules, open alerts and tenant names per domain (one
 *      grouped read each), and for a domain whose last report began after
 *      until, the policy of the last one begun before (a seek);
 *   4. the policy guidance's next step (stats.c guidance(), the same rules
 *      and thresholds, docs/STATS.md), the flags, the filter, the totals of
 *      every match, the sort (domain name breaks ties) and the page;
 *   5. for the page's rows (or every match when sorting by them) the
 *      reporters of the period (rollup_org, one seek each).
 * Rows go to the callback with fixed column names; each row also carries the
 * totals (_total, _messages, ...).  SWQ_OVERVIEW_TOTALS gives the totals
 * alone, SWQ_OVERVIEW_DAYS one domain's days (the sparkline).
 *
 * Isolation: a tenant's domain list comes from tenant_domains of its tenant
 * only, and nothing is read for a domain outside the list.
 *
 * Exports: sq_web_overview_query (sqlite_priv.h).  Errors: STORE_ERR with
 * the message in the store; memory is the caller's only during the callback.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_priv.h"
#include "store_web.h"
#include "../util/log.h"

#define DAY 86400
#define BLOCK 8
#define FEW_ROWS 20000	/* domains x days up to which each domain's days are read */

enum { S_MSG, S_PASS, S_SPF, S_DKIM, S_FWD, S_AF, S_SPOOF, NSUM };
static const char *const sum_names[NSUM] = { "messages", "dmarc_pass", "spf_aligned",
    "dkim_aligned", "forwarded", "auth_failure", "spoofing" };
enum { N_FIX, N_QUAR, N_REJ, N_RAMP, N_COLLECT, N_STAY };
static const char *const step_names[] = { "fix_senders", "quarantine", "reject", "raise_pct",
    "collect", "stay" };
static const char *const flag_names[] = { "spoofed", "failing", "p_none", "silent", "unassigned" };

typedef struct ovd {
	char *domain, *tenant, *p, *sp, *np, *testing;
	int64_t reports_all, last_begin, last_end, pct, senders, alerts, reporters;
	int has_pct, step, flags;
	int64_t sum[NSUM], fd, ld;	/* fd, ld: first and last day with messages, -1 none */
} ovd;

typedef struct ovset {
	ovd *v;
	size_t n, cap;
	uint32_t *hash;		/* index + 1, 0 empty */
	size_t hcap;
} ovset;

static uint32_t
fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static ovd *
find(ovset *o, const char *d)
{
	if (o->hcap == 0 || d == NULL)
		return NULL;
	for (size_t i = fnv(d) & (o->hcap - 1);; i = (i + 1) & (o->hcap - 1)) {
		if (o->hash[i] == 0)
			return NULL;
		if (strcmp(o->v[o->hash[i] - 1].domain, d) == 0)
			return &o->v[o->hash[i] - 1];
	}
}

static void
index_all(ovset *o)
{
	o->hcap = 16;
	while (o->hcap < o->n * 2 + 2)
		o->hcap <<= 1;
	o->hash = xcalloc(o->hcap, sizeof(uint32_t));
	for (size_t k = 0; k < o->n; k++) {
		size_t i = fnv(o->v[k].domain) & (o->hcap - 1);

		while (o->hash[i] != 0)
			i = (i + 1) & (o->hcap - 1);
		o->hash[i] = (uint32_t)k + 1;
	}
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

static void
set_free(ovset *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].domain);
		free(o->v[i].tenant);
		free(o->v[i].p);
		free(o->v[i].sp);
		free(o->v[i].np);
		free(o->v[i].testing);
	}
	free(o->v);
	free(o->hash);
}

static sqlite3_stmt *
prep(sq_store *sq, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(sq->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(sq, "web overview");
		return NULL;
	}
	return st;
}

/* 1. the domains in scope and search */
static int
load_domains(sq_store *sq, const store_web_query *w, ovset *o)
{
	sqlite3_stmt *st;
	int rc;

	st = prep(sq, w->scope_tenant > 0 ?
	    "SELECT s.policy_domain, s.reports, s.last_begin, s.last_end, s.p, s.sp, s.np, s.pct,"
	    " s.testing FROM tenant_domains td JOIN domain_summary s ON s.policy_domain = td.domain"
	    " WHERE td.tenant_id = ?1 AND (?2 IS NULL OR instr(s.policy_domain, lower(?2)) > 0)" :
	    "SELECT s.policy_domain, s.reports, s.last_begin, s.last_end, s.p, s.sp, s.np, s.pct,"
	    " s.testing FROM domain_summary s WHERE ?1 = 0 AND"
	    " (?2 IS NULL OR instr(s.policy_domain, lower(?2)) > 0)");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, w->scope_tenant);
	if (w->search != NULL)
		sqlite3_bind_text(st, 2, w->search, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ovd *d;

		if (o->n == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 1024;
			o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
		}
		d = &o->v[o->n++];
		memset(d, 0, sizeof(*d));
		d->domain = col_dup(st, 0);
		if (d->domain == NULL)
			d->domain = xstrdup("");
		d->reports_all = sqlite3_column_int64(st, 1);
		d->last_begin = sqlite3_column_int64(st, 2);
		d->last_end = sqlite3_column_int64(st, 3);
		d->p = col_dup(st, 4);
		d->sp = col_dup(st, 5);
		d->np = col_dup(st, 6);
		d->has_pct = sqlite3_column_type(st, 7) != SQLITE_NULL;
		d->pct = sqlite3_column_int64(st, 7);
		d->testing = col_dup(st, 8);
		d->fd = d->ld = -1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(sq, "web overview");
	index_all(o);
	return STORE_OK;
}

/* 2. the sums of the rows of one range (blocks: with their first/last day) */
static int
add_range(sq_store *sq, ovset *o, int blocks, int64_t lo, int64_t hi)
{
	sqlite3_stmt *st;
	int rc;

	if (lo >= hi)
		return STORE_OK;
	st = prep(sq, blocks ?
	    "SELECT policy_domain, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,"
	    " auth_failure, spoofing, first_day, last_day FROM rollup_domain_block"
	    " WHERE block >= ?1 AND block < ?2 AND messages <> 0" :
	    "SELECT policy_domain, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,"
	    " auth_failure, spoofing, day, day FROM rollup_domain_day"
	    " WHERE day >= ?1 AND day < ?2 AND messages <> 0");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ovd *d = find(o, (const char *)sqlite3_column_text(st, 0));
		int64_t fd, ld;

		if (d == NULL)		/* out of scope or search */
			continue;
		for (int k = 0; k < NSUM; k++)
			d->sum[k] += sqlite3_column_int64(st, 1 + k);
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			fd = sqlite3_column_int64(st, 8);
			ld = sqlite3_column_int64(st, 9);
			if (d->fd < 0 || fd < d->fd)
				d->fd = fd;
			if (ld > d->ld)
				d->ld = ld;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

/* 1 when the domains are under half of all (a search or a tenant narrowed them) */
static int
narrowed(sq_store *sq, const ovset *o)
{
	sqlite3_stmt *st = prep(sq, "SELECT count(*) FROM domain_summary");
	int64_t all = 0;

	if (st == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		all = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (int64_t)o->n * 2 < all;
}

/* 2'. the same for a few domains: each one's days through rollup_domain_day_domain */
static int
add_few(sq_store *sq, ovset *o, int64_t lo, int64_t hi)
{
	sqlite3_stmt *st = prep(sq, "SELECT messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,"
	    " auth_failure, spoofing, day FROM rollup_domain_day INDEXED BY rollup_domain_day_domain"
	    " WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3 AND messages <> 0");
	int rc = SQLITE_DONE;

	if (st == NULL)
		return STORE_ERR;
	for (size_t i = 0; i < o->n && rc == SQLITE_DONE; i++) {
		ovd *d = &o->v[i];

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, d->domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, lo);
		sqlite3_bind_int64(st, 3, hi);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t day = sqlite3_column_int64(st, 7);

			for (int k = 0; k < NSUM; k++)
				d->sum[k] += sqlite3_column_int64(st, k);
			if (d->fd < 0 || day < d->fd)
				d->fd = day;
			if (day > d->ld)
				d->ld = day;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

/* 3. per-domain counts and names from one grouped read: which 0 senders,
 * 1 open alerts, 2 tenant names */
static int
add_per_domain(sq_store *sq, ovset *o, int which)
{
	static const char *const sql[] = {
		"SELECT policy_domain, count(*) FROM senders GROUP BY policy_domain",
		"SELECT policy_domain, count(*) FROM alerts WHERE state = 'open' GROUP BY policy_domain",
		"SELECT td.domain, t.name FROM tenant_domains td JOIN tenants t ON t.id = td.tenant_id",
	};
	sqlite3_stmt *st = prep(sq, sql[which]);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ovd *d = find(o, (const char *)sqlite3_column_text(st, 0));

		if (d == NULL)
			continue;
		if (which == 0)
			d->senders = sqlite3_column_int64(st, 1);
		else if (which == 1)
			d->alerts = sqlite3_column_int64(st, 1);
		else if (d->tenant == NULL)
			d->tenant = col_dup(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

/* 3. the policy of the last report begun before until, for the domains
 * whose last report began after it */
static int
policy_before(sq_store *sq, ovset *o, int64_t until)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE;

	for (size_t i = 0; i < o->n; i++) {
		ovd *d = &o->v[i];

		if (d->last_begin < until)
			continue;
		if (st == NULL && (st = prep(sq, "SELECT p, sp, np, pct, testing FROM reports"
		    " WHERE policy_domain = ?1 AND date_begin < ?2 ORDER BY date_begin DESC, id DESC"
		    " LIMIT 1")) == NULL)
			return STORE_ERR;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, d->domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, until);
		free(d->p);
		free(d->sp);
		free(d->np);
		free(d->testing);
		d->p = d->sp = d->np = d->testing = NULL;
		d->has_pct = 0;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			d->p = col_dup(st, 0);
			d->sp = col_dup(st, 1);
			d->np = col_dup(st, 2);
			d->has_pct = sqlite3_column_type(st, 3) != SQLITE_NULL;
			d->pct = sqlite3_column_int64(st, 3);
			d->testing = col_dup(st, 4);
		} else if (rc != SQLITE_DONE)
			break;
	}
	if (st != NULL)
		sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* 4. the next step, as stats.c guidance() decides it */
static int
next_step(const ovd *d)
{
	int64_t m = d->sum[S_MSG], af = d->sum[S_AF];
	int lvl = eq(d->p, "reject") ? 2 : eq(d->p, "quarantine") ? 1 : 0;
	int ramp = (d->has_pct && d->pct >= 0 && d->pct < 100) || eq(d->testing, "y");
	double fail = m > 0 ? round(1000.0 * (double)af / (double)m) / 10.0 : 0.0;
	int64_t days = d->fd >= 0 ? d->ld - d->fd + 1 : 0;

	if (m == 0)
		return N_COLLECT;
	if (lvl > 0 && ramp)
		return af > 0 && fail > (lvl == 2 ? 0.5 : 2.0) ? N_FIX : N_RAMP;
	if (lvl == 2)
		return N_STAY;
	if (days >= 14 && d->senders > 0) {
		if (lvl == 0)
			return fail <= 2.0 ? N_QUAR : N_FIX;
		return fail <= 0.5 ? N_REJ : N_FIX;
	}
	return af > 0 || d->senders == 0 ? N_FIX : N_STAY;
}

static int
reporters(sq_store *sq, sqlite3_stmt **st, ovd *d, int64_t d0, int64_t d1)
{
	int rc;

	if (*st == NULL && (*st = prep(sq, "SELECT count(DISTINCT org) FROM rollup_org"
	    " WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3")) == NULL)
		return STORE_ERR;
	sqlite3_reset(*st);
	sqlite3_bind_text(*st, 1, d->domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*st, 2, d0);
	sqlite3_bind_int64(*st, 3, d1);
	if ((rc = sqlite3_step(*st)) != SQLITE_ROW)
		return sq_fail(sq, "web overview");
	d->reporters = sqlite3_column_int64(*st, 0);
	return STORE_OK;
}

/* ---- sorting --------------------------------------------------------------- */

static _Thread_local int sort_key, sort_desc;

static int
cmp_i(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
policy_rank(const ovd *d)
{
	return eq(d->p, "reject") ? 3 : eq(d->p, "quarantine") ? 2 : eq(d->p, "none") ? 1 : 0;
}

static const int step_rank[] = { [N_FIX] = 0, [N_QUAR] = 1, [N_REJ] = 2, [N_RAMP] = 3,
    [N_COLLECT] = 4, [N_STAY] = 5 };

/* the key in the chosen direction (c), then the name A to Z */
static int
cmp_ovd(const void *pa, const void *pb)
{
	const ovd *a = pa, *b = pb;
	int c = 0, s = sort_desc ? -1 : 1;

	switch (sort_key) {
	case SWO_DOMAIN:
		return s * strcmp(a->domain, b->domain);
	case SWO_DMARC: case SWO_SPF: case SWO_DKIM: {
		int k = sort_key == SWO_DMARC ? S_PASS : sort_key == SWO_SPF ? S_SPF : S_DKIM;
		double x, y;

		if ((a->sum[S_MSG] == 0) != (b->sum[S_MSG] == 0))	/* empty ones last */
			return a->sum[S_MSG] == 0 ? 1 : -1;
		if (a->sum[S_MSG] == 0)
			break;
		x = (double)a->sum[k] / (double)a->sum[S_MSG];
		y = (double)b->sum[k] / (double)b->sum[S_MSG];
		c = x < y ? -1 : x > y;
		break;
	}
	case SWO_MESSAGES: c = cmp_i(a->sum[S_MSG], b->sum[S_MSG]); break;
	case SWO_SPOOFING: c = cmp_i(a->sum[S_SPOOF], b->sum[S_SPOOF]); break;
	case SWO_AUTH_FAILURE: c = cmp_i(a->sum[S_AF], b->sum[S_AF]); break;
	case SWO_POLICY:
		c = cmp_i(policy_rank(a), policy_rank(b));
		if (c == 0)
			c = cmp_i(a->has_pct ? a->pct : 100, b->has_pct ? b->pct : 100);
		break;
	case SWO_NEXT_STEP: c = cmp_i(step_rank[a->step], step_rank[b->step]); break;
	case SWO_ALERTS: c = cmp_i(a->alerts, b->alerts); break;
	case SWO_REPORTERS: c = cmp_i(a->reporters, b->reporters); break;
	case SWO_LAST_REPORT: c = cmp_i(a->last_end, b->last_end); break;
	case SWO_TENANT:
		c = cmp_i(a->tenant != NULL, b->tenant != NULL);
		if (c == 0 && a->tenant != NULL)
			c = strcmp(a->tenant, b->tenant);
		break;
	default: break;
	}
	if (c != 0)
		return s * c;
	return strcmp(a->domain, b->domain);
}

/* ---- rows ---------------------------------------------------------------- */

#define NTOT (7 + 6)
#define MAXCOL 48

static void
put_i(const char **names, store_web_val *v, int *n, const char *name, int64_t x)
{
	names[*n] = name;
	memset(&v[*n], 0, sizeof(v[*n]));
	v[*n].type = SWV_INT;
	v[*n].i = x;
	(*n)++;
}

static void
put_s(const char **names, store_web_val *v, int *n, const char *name, const char *s)
{
	names[*n] = name;
	memset(&v[*n], 0, sizeof(v[*n]));
	v[*n].type = s != NULL ? SWV_TEXT : SWV_NULL;
	v[*n].s = s;
	(*n)++;
}

static void
put_totals(const char **names, store_web_val *v, int *n, const int64_t *tot)
{
	static const char *const tn[NTOT] = { "_messages", "_dmarc_pass", "_spf_aligned",
	    "_dkim_aligned", "_forwarded", "_auth_failure", "_spoofing", "_total", "_spoofed",
	    "_failing", "_p_none", "_silent", "_unassigned" };

	for (int k = 0; k < NTOT; k++)
		put_i(names, v, n, tn[k], tot[k]);
}

static int
emit(const ovd *d, const int64_t *tot, store_web_cb cb, void *ctx)
{
	const char *names[MAXCOL];
	store_web_val v[MAXCOL];
	int n = 0;

	put_s(names, v, &n, "domain", d->domain);
	put_s(names, v, &n, "tenant", d->tenant);
	for (int k = 0; k < NSUM; k++)
		put_i(names, v, &n, sum_names[k], d->sum[k]);
	put_i(names, v, &n, "days", d->fd >= 0 ? d->ld - d->fd + 1 : 0);
	put_s(names, v, &n, "p", d->p);
	put_s(names, v, &n, "sp", d->sp);
	put_s(names, v, &n, "np", d->np);
	if (d->has_pct)
		put_i(names, v, &n, "pct", d->pct);
	else
		put_s(names, v, &n, "pct", NULL);
	put_s(names, v, &n, "testing", d->testing);
	put_s(names, v, &n, "next_step", step_names[d->step]);
	put_i(names, v, &n, "senders", d->senders);
	put_i(names, v, &n, "alerts", d->alerts);
	put_i(names, v, &n, "last_begin", d->last_begin);
	put_i(names, v, &n, "last_end", d->last_end);
	put_i(names, v, &n, "reports_all", d->reports_all);
	for (int k = 0; k < 5; k++)
		put_i(names, v, &n, flag_names[k], (d->flags >> k) & 1);
	put_totals(names, v, &n, tot);
	put_i(names, v, &n, "reporters", d->reporters);
	return cb(ctx, n, names, v);
}

static int
days_query(sq_store *sq, const store_web_query *w, int64_t d0, int64_t d1, store_web_cb cb, void *ctx)
{
	sqlite3_stmt *st = prep(sq, "SELECT day, messages, spoofing FROM rollup_domain_day"
	    " WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3 AND (?4 = 0 OR policy_domain IN"
	    " (SELECT domain FROM tenant_domains WHERE tenant_id = ?4)) ORDER BY day");
	static const char *const names[3] = { "day", "messages", "spoofing" };
	store_web_val v[3];
	int rc, stop = 0;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, w->domain, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, d0);
	sqlite3_bind_int64(st, 3, d1);
	sqlite3_bind_int64(st, 4, w->scope_tenant);
	memset(v, 0, sizeof(v));
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 3; i++) {
			v[i].type = SWV_INT;
			v[i].i = sqlite3_column_int64(st, i);
		}
		stop = cb(ctx, 3, names, v);
	}
	sqlite3_finalize(st);
	return stop || rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

int
sq_web_overview_query(store *s, int q, const store_web_query *w, store_web_cb cb, void *ctx)
{
	sq_store *sq = SQ(s);
	int64_t now = (int64_t)time(NULL), until, ref, d0, d1, b0, b1, tot[NTOT];
	sqlite3_stmt *rep = NULL;
	ovset o;
	ovd *m;
	size_t nm = 0, first, last;
	int rc = STORE_OK;

	d0 = w->since > 0 ? w->since / DAY : 0;
	d1 = w->until > 0 ? (w->until + DAY - 1) / DAY : INT32_MAX;
	if (q == SWQ_OVERVIEW_DAYS) {
		if (w->domain == NULL) {
			snprintf(sq->err, sizeof(sq->err), "overview days: no domain");
			return STORE_ERR;
		}
		return days_query(sq, w, d0, d1, cb, ctx);
	}
	if (q != SWQ_OVERVIEW && q != SWQ_OVERVIEW_TOTALS) {
		snprintf(sq->err, sizeof(sq->err), "unknown web query %d", q);
		return STORE_ERR;
	}
	/* silent: the last report ended SILENT_DAYS before the period's end
	 * (or before now, for a period that ends in the future) */
	until = w->until > 0 ? w->until : now + DAY;
	ref = (until < now ? until : now) - SWO_SILENT_DAYS * DAY;
	b0 = (d0 + BLOCK - 1) / BLOCK;
	b1 = d1 / BLOCK;
	memset(&o, 0, sizeof(o));
	if (load_domains(sq, w, &o) != STORE_OK)
		goto fail;
	if (o.n > 0 && (int64_t)o.n * (d1 - d0) <= FEW_ROWS && d1 - d0 <= FEW_ROWS &&
	    narrowed(sq, &o)) {
		/* a few domains (a search, a tenant): their own days, by domain */
		if (add_few(sq, &o, d0, d1) != STORE_OK)
			goto fail;
	} else if (b1 > b0) {
		if (add_range(sq, &o, 0, d0, b0 * BLOCK) != STORE_OK ||
		    add_range(sq, &o, 1, b0, b1) != STORE_OK ||
		    add_range(sq, &o, 0, b1 * BLOCK, d1) != STORE_OK)
			goto fail;
	} else if (add_range(sq, &o, 0, d0, d1) != STORE_OK)
		goto fail;
	for (int k = 0; k < 3; k++)
		if (add_per_domain(sq, &o, k) != STORE_OK)
			goto fail;
	if (policy_before(sq, &o, until) != STORE_OK)
		goto fail;
	/* 4. flags, the filter (matches first in the array), the totals */
	memset(tot, 0, sizeof(tot));
	for (size_t i = 0; i < o.n; i++) {
		ovd *d = &o.v[i];
		int64_t msg = d->sum[S_MSG], af = d->sum[S_AF];

		d->step = next_step(d);
		d->flags = (d->sum[S_SPOOF] > 0) | (af > 0 && af * 50 > msg) << 1 |
		    (d->p == NULL || strcmp(d->p, "none") == 0) << 2 | (d->last_end < ref) << 3 |
		    (d->tenant == NULL) << 4;
		if ((d->flags & w->filter) != w->filter)
			continue;
		if (nm != i) {
			ovd t = o.v[nm];

			o.v[nm] = *d;
			*d = t;
		}
		d = &o.v[nm++];
		for (int k = 0; k < NSUM; k++)
			tot[k] += d->sum[k];
		tot[7]++;
		for (int k = 0; k < 5; k++)
			tot[8 + k] += (d->flags >> k) & 1;
	}
	if (q == SWQ_OVERVIEW_TOTALS) {
		const char *names[MAXCOL];
		store_web_val v[MAXCOL];
		int n = 0;

		put_totals(names, v, &n, tot);
		cb(ctx, n, names, v);
		goto done;
	}
	m = o.v;
	if (w->sort == SWO_REPORTERS)
		for (size_t i = 0; i < nm; i++)
			if (reporters(sq, &rep, &m[i], d0, d1) != STORE_OK)
				goto fail;
	sort_key = w->sort >= 0 && w->sort < SWO__COUNT ? w->sort : SWO_MESSAGES;
	sort_desc = w->desc;
	if (nm > 1)	/* qsort(NULL, 0) is undefined (UBSan) */
		qsort(m, nm, sizeof(*m), cmp_ovd);
	first = w->offset > 0 ? (size_t)w->offset : 0;
	last = w->limit < 0 ? nm : first + (size_t)w->limit;
	if (last > nm)
		last = nm;
	for (size_t i = first; i < last; i++) {
		if (w->sort != SWO_REPORTERS && reporters(sq, &rep, &m[i], d0, d1) != STORE_OK)
			goto fail;
		if (emit(&m[i], tot, cb, ctx) != 0)
			break;
	}
	goto done;
fail:
	rc = STORE_ERR;
done:
	if (rep != NULL)
		sqlite3_finalize(rep);
	set_free(&o);
	return rc;
}
