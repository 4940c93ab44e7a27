/*
 * store_sqlite_web_overview.c - the domains overview's reads for SQLite
 * (store_web.h, SWQ_OVERVIEW_FIRST on; issue 19).  The computation (sums,
 * next step, flags, filter, totals, sort, page, rows) is web_overview.c's,
 * shared with PostgreSQL; here are the reads it asks for, from the tables of
 * migrations 014 and 016 and never from records: domain_summary with the
 * domain's ov_domain id (a tenant's through tenant_domains), the period's
 * ranges of rollup_domain_span and rollup_domain_day (keyed by level, start
 * first: read in order, no seek per domain; rows found by integer id), a few
 * domains' own days (rollup_domain_day_domain), senders, open alerts, tenant
 * names, the policy before the period's end, the reporters of a domain with
 * more orgs than bits (rollup_org) and one domain's days (the sparkline).
 *
 * Isolation: a tenant's domain list comes from tenant_domains of its tenant
 * only, and nothing is read for a domain outside the list.
 *
 * Exports: sq_web_overview_query (sqlite_priv.h).  Errors: STORE_ERR with
 * the message in the store; memory is the caller's only during the callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_web.h"
#include "web_overview.h"
#include "../util/log.h"

typedef struct sqov {
	sq_store *sq;
	sqlite3_stmt *rep, *pol;	/* kept over the domains */
} sqov;

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
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

static void
ov_error(void *h, const char *msg)
{
	sqov *x = h;

	snprintf(x->sq->err, sizeof(x->sq->err), "%s", msg);
}

/* 1. the domains in scope and search */
static int
ov_domains(void *h, const store_web_query *w, ovset *o)
{
	sq_store *sq = ((sqov *)h)->sq;
	sqlite3_stmt *st;
	int rc;

	st = prep(sq, w->scope_tenant > 0 ?
	    "SELECT s.policy_domain, s.reports, s.last_begin, s.last_end, s.p, s.sp, s.np, s.pct,"
	    " s.testing, i.id FROM tenant_domains td JOIN domain_summary s ON s.policy_domain = td.domain"
	    " LEFT JOIN ov_domain i ON i.policy_domain = s.policy_domain"
	    " WHERE td.tenant_id = ?1 AND (?2 IS NULL OR instr(s.policy_domain, lower(?2)) > 0)" :
	    "SELECT s.policy_domain, s.reports, s.last_begin, s.last_end, s.p, s.sp, s.np, s.pct,"
	    " s.testing, i.id FROM domain_summary s LEFT JOIN ov_domain i"
	    " ON i.policy_domain = s.policy_domain WHERE ?1 = 0 AND"
	    " (?2 IS NULL OR instr(s.policy_domain, lower(?2)) > 0)");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, w->scope_tenant);
	if (w->search != NULL)
		sqlite3_bind_text(st, 2, w->search, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ovd *d = ov_new(o);

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
		d->id = sqlite3_column_int64(st, 9);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

static int
ov_count_all(void *h, int64_t *all)
{
	sqlite3_stmt *st = prep(((sqov *)h)->sq, "SELECT count(*) FROM domain_summary");

	*all = 0;
	if (st == NULL)
		return STORE_ERR;
	if (sqlite3_step(st) == SQLITE_ROW)
		*all = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return STORE_OK;
}

/* 2. the sums of the rows of one range (spans: with their first/last day) */
static int
ov_range(void *h, ovset *o, int level, int64_t lo, int64_t hi)
{
	sq_store *sq = ((sqov *)h)->sq;
	sqlite3_stmt *st;
	int rc;

	st = prep(sq, level > 0 ?
	    "SELECT domain_id, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,"
	    " auth_failure, spoofing, first_day, last_day, orgs FROM rollup_domain_span"
	    " WHERE level = ?3 AND start >= ?1 AND start < ?2 AND (messages <> 0 OR orgs <> 0)" :
	    "SELECT domain_id, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,"
	    " auth_failure, spoofing, CASE WHEN messages <> 0 THEN day END, day, orgs"
	    " FROM rollup_domain_day WHERE day >= ?1 AND day < ?2 AND ?3 = 0"
	    " AND (messages <> 0 OR orgs <> 0)");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int(st, 3, level);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ovd *d = ov_byid(o, sqlite3_column_int64(st, 0));
		int64_t sum[OV_NSUM];
		int none = sqlite3_column_type(st, 8) == SQLITE_NULL;

		if (d == NULL)		/* out of scope or search */
			continue;
		for (int k = 0; k < OV_NSUM; k++)
			sum[k] = sqlite3_column_int64(st, 1 + k);
		ov_add(d, sum, none ? -1 : sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9),
		    sqlite3_column_int64(st, 10));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

/* 2'. the same for a few domains: each one's days through rollup_domain_day_domain */
static int
ov_few(void *h, ovset *o, int64_t lo, int64_t hi)
{
	sq_store *sq = ((sqov *)h)->sq;
	sqlite3_stmt *st = prep(sq, "SELECT messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,"
	    " auth_failure, spoofing, day, orgs FROM rollup_domain_day INDEXED BY rollup_domain_day_domain"
	    " WHERE domain_id = ?1 AND day >= ?2 AND day < ?3 AND (messages <> 0 OR orgs <> 0)");
	int rc = SQLITE_DONE;

	if (st == NULL)
		return STORE_ERR;
	for (size_t i = 0; i < o->n && rc == SQLITE_DONE; i++) {
		ovd *d = &o->v[i];

		if (d->id <= 0)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, d->id);
		sqlite3_bind_int64(st, 2, lo);
		sqlite3_bind_int64(st, 3, hi);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t sum[OV_NSUM], day = sqlite3_column_int64(st, 7);

			for (int k = 0; k < OV_NSUM; k++)
				sum[k] = sqlite3_column_int64(st, k);
			ov_add(d, sum, sum[OV_MSG] != 0 ? day : -1, day, sqlite3_column_int64(st, 8));
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(sq, "web overview");
}

/* 3. per-domain counts and names from one grouped read: which 0 senders,
 * 1 open alerts, 2 tenant names */
static int
ov_per_domain(void *h, ovset *o, int which)
{
	static const char *const sql[] = {
		"SELECT policy_domain, count(*) FROM senders GROUP BY policy_domain",
		"SELECT policy_domain, count(*) FROM alerts WHERE state = 'open' GROUP BY policy_domain",
		"SELECT td.domain, t.name FROM tenant_domains td JOIN tenants t ON t.id = td.tenant_id",
	};
	sq_store *sq = ((sqov *)h)->sq;
	sqlite3_stmt *st = prep(sq, sql[which]);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ovd *d = ov_find(o, (const char *)sqlite3_column_text(st, 0));

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

/* 3. the policy of the last report begun before until */
static int
ov_policy_before(void *h, ovd *d, int64_t until)
{
	sqov *x = h;
	int rc;

	if (x->pol == NULL && (x->pol = prep(x->sq, "SELECT p, sp, np, pct, testing FROM reports"
	    " WHERE policy_domain = ?1 AND date_begin < ?2 ORDER BY date_begin DESC, id DESC"
	    " LIMIT 1")) == NULL)
		return STORE_ERR;
	sqlite3_reset(x->pol);
	sqlite3_bind_text(x->pol, 1, d->domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(x->pol, 2, until);
	ov_policy_clear(d);
	if ((rc = sqlite3_step(x->pol)) == SQLITE_ROW) {
		d->p = col_dup(x->pol, 0);
		d->sp = col_dup(x->pol, 1);
		d->np = col_dup(x->pol, 2);
		d->has_pct = sqlite3_column_type(x->pol, 3) != SQLITE_NULL;
		d->pct = sqlite3_column_int64(x->pol, 3);
		d->testing = col_dup(x->pol, 4);
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(x->sq, "web overview");
}

static int
ov_reporters(void *h, ovd *d, int64_t d0, int64_t d1)
{
	sqov *x = h;

	if (x->rep == NULL && (x->rep = prep(x->sq, "SELECT count(DISTINCT org) FROM rollup_org"
	    " WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3")) == NULL)
		return STORE_ERR;
	sqlite3_reset(x->rep);
	sqlite3_bind_text(x->rep, 1, d->domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(x->rep, 2, d0);
	sqlite3_bind_int64(x->rep, 3, d1);
	if (sqlite3_step(x->rep) != SQLITE_ROW)
		return sq_fail(x->sq, "web overview");
	d->reporters = sqlite3_column_int64(x->rep, 0);
	return STORE_OK;
}

static int
ov_days(void *h, const store_web_query *w, int64_t d0, int64_t d1, store_web_cb cb, void *ctx)
{
	sq_store *sq = ((sqov *)h)->sq;
	sqlite3_stmt *st = prep(sq, "SELECT day, messages, spoofing FROM rollup_domain_day"
	    " WHERE domain_id = (SELECT id FROM ov_domain WHERE policy_domain = ?1) AND day >= ?2"
	    " AND day < ?3 AND (?4 = 0 OR ?1 IN"
	    " (SELECT domain FROM tenant_domains WHERE tenant_id = ?4)) ORDER BY day");
	static const char *const names[3] = { "day", "messages", "spoofing" };
	store_web_val v[3];
	int rc = SQLITE_DONE, stop = 0;

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

static const ov_backend sq_ov = {
	.domains = ov_domains, .count_all = ov_count_all, .range = ov_range, .few = ov_few,
	.per_domain = ov_per_domain, .policy_before = ov_policy_before, .reporters = ov_reporters,
	.days = ov_days, .error = ov_error,
};

int
sq_web_overview_query(store *s, int q, const store_web_query *w, store_web_cb cb, void *ctx)
{
	sqov x = { SQ(s), NULL, NULL };
	int rc = ov_run(&sq_ov, &x, q, w, cb, ctx);

	if (x.rep != NULL)
		sqlite3_finalize(x.rep);
	if (x.pol != NULL)
		sqlite3_finalize(x.pol);
	return rc;
}
