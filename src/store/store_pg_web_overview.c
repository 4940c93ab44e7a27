/*
 * store_pg_web_overview.c - the domains overview's reads for PostgreSQL
 * (store_web.h, SWQ_OVERVIEW_FIRST on; issue 19): the counterpart of
 * store_sqlite_web_overview.c, statement for statement, from the tables of
 * migrations 014 and 016 (sql_pg/), never from records.  The
 * computation (sums, next step, flags, filter, totals, sort, page, rows) is
 * web_overview.c's, shared with SQLite, so both give the same rows.
 * store_pg_web.c hands SWQ_OVERVIEW* here.  Reads go to the replica when one
 * is fresh enough (pg_exec_read).
 *
 * Isolation: a tenant's domain list comes from tenant_domains of its tenant
 * only, and nothing is read for a domain outside the list.
 *
 * Exports: pg_web_overview_query (pg_priv.h).  Errors: STORE_ERR with q->err
 * set; memory is the caller's only during the callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "store_web.h"
#include "web_overview.h"
#include "../util/log.h"

enum { SL_DOM_TENANT, SL_DOM_ALL, SL_COUNT, SL_SPANS, SL_DAYS, SL_FEW, SL_SENDERS, SL_ALERTS,
    SL_TENANTS, SL_POLICY, SL_REPORTERS, SL_SPARK };

#define DOM_COLS "SELECT s.policy_domain, s.reports, s.last_begin, s.last_end, s.p, s.sp, s.np," \
    " s.pct, s.testing, i.id"

static char *
col_dup(const PGresult *r, int row, int col)
{
	return pg_isnull(r, row, col) ? NULL : xstrdup(pg_str(r, row, col));
}

static void
ov_error(void *h, const char *msg)
{
	pg_store *q = h;

	snprintf(q->err, sizeof(q->err), "%s", msg);
}

/* 1. the domains in scope and search */
static int
ov_domains(void *h, const store_web_query *w, ovset *o)
{
	pg_store *q = h;
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, w->scope_tenant);
	pg_p_text(&p, w->search);
	if (w->scope_tenant > 0)
		r = pg_exec_read(q, PGA_WEB_OVERVIEW, SL_DOM_TENANT, DOM_COLS " FROM tenant_domains td"
		    " JOIN domain_summary s ON s.policy_domain = td.domain"
		    " LEFT JOIN ov_domain i ON i.policy_domain = s.policy_domain WHERE td.tenant_id = $1"
		    " AND ($2::text IS NULL OR strpos(s.policy_domain, lower($2)) > 0)", &p,
		    "web overview");
	else
		r = pg_exec_read(q, PGA_WEB_OVERVIEW, SL_DOM_ALL, DOM_COLS " FROM domain_summary s"
		    " LEFT JOIN ov_domain i ON i.policy_domain = s.policy_domain WHERE $1::bigint = 0"
		    " AND ($2::text IS NULL OR strpos(s.policy_domain, lower($2)) > 0)",
		    &p, "web overview");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		ovd *d = ov_new(o);

		d->domain = xstrdup(pg_str(r, i, 0) != NULL ? pg_str(r, i, 0) : "");
		d->reports_all = pg_int(r, i, 1);
		d->last_begin = pg_int(r, i, 2);
		d->last_end = pg_int(r, i, 3);
		d->p = col_dup(r, i, 4);
		d->sp = col_dup(r, i, 5);
		d->np = col_dup(r, i, 6);
		d->has_pct = !pg_isnull(r, i, 7);
		d->pct = pg_int(r, i, 7);
		d->testing = col_dup(r, i, 8);
		d->id = pg_isnull(r, i, 9) ? 0 : pg_int(r, i, 9);
	}
	PQclear(r);
	return STORE_OK;
}

static int
ov_count_all(void *h, int64_t *all)
{
	PGresult *r = pg_exec_read(h, PGA_WEB_OVERVIEW, SL_COUNT, "SELECT count(*) FROM domain_summary",
	    NULL, "web overview");

	*all = 0;
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		*all = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

/* rows of (sums..., first day, last day, orgs) from column c0 on, added to
 * one, or to the domain of the id in column 0 */
static void
add_rows(ovset *o, ovd *one, const PGresult *r, int c0)
{
	for (int i = 0; i < PQntuples(r); i++) {
		ovd *d = one != NULL ? one : ov_byid(o, pg_int(r, i, 0));
		int64_t sum[OV_NSUM];

		if (d == NULL)		/* out of scope or search */
			continue;
		for (int k = 0; k < OV_NSUM; k++)
			sum[k] = pg_int(r, i, c0 + k);
		ov_add(d, sum, pg_isnull(r, i, c0 + OV_NSUM) ? -1 : pg_int(r, i, c0 + OV_NSUM),
		    pg_int(r, i, c0 + OV_NSUM + 1), pg_int(r, i, c0 + OV_NSUM + 2));
	}
}

/* hex digit -> its value + 1 (0: not a hex digit), filled on first use */
static unsigned char hexv[256];

static void
hex_init(void)
{
	if (hexv['0'] != 0)
		return;
	for (int c = 0; c < 10; c++)
		hexv['0' + c] = (unsigned char)(c + 1);
	for (int c = 0; c < 6; c++) {
		hexv['a' + c] = (unsigned char)(c + 11);
		hexv['A' + c] = (unsigned char)(c + 11);
	}
}

/* One row's packed column (sql_pg/023): PACKED_N big-endian int8, sent in
 * binary (88 bytes) or, when the statement travelled in a pipeline, as text
 * ("\\x" and 176 hex digits).  0, or -1 when it is not that. */
enum { PACKED_N = 11 };
static int
unpack(const PGresult *r, int row, int64_t *v)
{
	const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, 0);
	int len = PQgetlength(r, row, 0);

	if (PQfformat(r, 0) == 1) {
		if (len != PACKED_N * 8)
			return -1;
		for (int k = 0; k < PACKED_N; k++, b += 8)
			v[k] = (int64_t)((uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
			    (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
			    (uint64_t)b[6] << 8 | b[7]);
		return 0;
	}
	if (len != 2 + PACKED_N * 16 || b[0] != '\\' || b[1] != 'x')
		return -1;
	hex_init();
	b += 2;
	for (int k = 0; k < PACKED_N; k++) {
		uint64_t x = 0;
		unsigned bad = 0;

		for (int i = 0; i < 16; i++) {
			unsigned h = hexv[*b++];

			bad |= h == 0;
			x = x << 4 | (uint64_t)(h - 1);
		}
		if (bad)
			return -1;
		v[k] = (int64_t)x;
	}
	return 0;
}

/* 2. the sums of the rows of one range (spans: with their first/last day),
 * each row one packed column (sql_pg/023: PostgreSQL sends it as stored
 * instead of converting eleven integers to text) */
static int
ov_range(void *h, ovset *o, int level, int64_t lo, int64_t hi)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, lo);
	pg_p_int(&p, hi);
	if (level > 0)
		pg_p_int(&p, level);
	p.binary = 1;
	r = level > 0 ? pg_exec_read(h, PGA_WEB_OVERVIEW, SL_SPANS, "SELECT packed FROM rollup_domain_span"
	    " WHERE level = $3 AND start >= $1 AND start < $2 AND (messages <> 0 OR orgs <> 0)", &p,
	    "web overview") :
	    pg_exec_read(h, PGA_WEB_OVERVIEW, SL_DAYS, "SELECT packed FROM rollup_domain_day"
	    " WHERE day >= $1 AND day < $2 AND (messages <> 0 OR orgs <> 0)", &p, "web overview");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t v[PACKED_N];
		ovd *d;

		if (unpack(r, i, v) != 0) {
			PQclear(r);
			ov_error(h, "web overview: a packed rollup row is not 11 integers (migration 023)");
			return STORE_ERR;
		}
		d = ov_byid(o, v[0]);
		if (d == NULL)		/* out of scope or search */
			continue;
		ov_add(d, v + 1, v[1 + OV_NSUM], v[2 + OV_NSUM], v[3 + OV_NSUM]);
	}
	PQclear(r);
	return STORE_OK;
}

/* 2'. the same for a few domains: each one's days (rollup_domain_day_domain) */
static int
ov_few(void *h, ovset *o, int64_t lo, int64_t hi)
{
	for (size_t i = 0; i < o->n; i++) {
		pg_params p;
		PGresult *r;

		if (o->v[i].id <= 0)
			continue;
		pg_p_init(&p);
		pg_p_int(&p, o->v[i].id);
		pg_p_int(&p, lo);
		pg_p_int(&p, hi);
		r = pg_exec_read(h, PGA_WEB_OVERVIEW, SL_FEW, "SELECT messages, dmarc_pass, spf_aligned,"
		    " dkim_aligned, forwarded, auth_failure, spoofing,"
		    " CASE WHEN messages <> 0 THEN day END, day, orgs FROM rollup_domain_day"
		    " WHERE domain_id = $1 AND day >= $2 AND day < $3 AND (messages <> 0 OR orgs <> 0)", &p,
		    "web overview");
		if (r == NULL)
			return STORE_ERR;
		add_rows(o, &o->v[i], r, 0);
		PQclear(r);
	}
	return STORE_OK;
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
	PGresult *r = pg_exec_read(h, PGA_WEB_OVERVIEW, SL_SENDERS + which, sql[which], NULL,
	    "web overview");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		ovd *d = ov_find(o, pg_str(r, i, 0));

		if (d == NULL)
			continue;
		if (which == 0)
			d->senders = pg_int(r, i, 1);
		else if (which == 1)
			d->alerts = pg_int(r, i, 1);
		else if (d->tenant == NULL)
			d->tenant = col_dup(r, i, 1);
	}
	PQclear(r);
	return STORE_OK;
}

/* 3. the policy of the last report begun before until */
static int
ov_policy_before(void *h, ovd *d, int64_t until)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, d->domain);
	pg_p_int(&p, until);
	r = pg_exec_read(h, PGA_WEB_OVERVIEW, SL_POLICY, "SELECT p, sp, np, pct, testing FROM reports"
	    " WHERE policy_domain = $1 AND date_begin < $2 ORDER BY date_begin DESC, id DESC LIMIT 1",
	    &p, "web overview");
	if (r == NULL)
		return STORE_ERR;
	ov_policy_clear(d);
	if (PQntuples(r) > 0) {
		d->p = col_dup(r, 0, 0);
		d->sp = col_dup(r, 0, 1);
		d->np = col_dup(r, 0, 2);
		d->has_pct = !pg_isnull(r, 0, 3);
		d->pct = pg_int(r, 0, 3);
		d->testing = col_dup(r, 0, 4);
	}
	PQclear(r);
	return STORE_OK;
}

static int
ov_reporters(void *h, ovd *d, int64_t d0, int64_t d1)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, d->domain);
	pg_p_int(&p, d0);
	pg_p_int(&p, d1);
	r = pg_exec_read(h, PGA_WEB_OVERVIEW, SL_REPORTERS, "SELECT count(DISTINCT org) FROM rollup_org"
	    " WHERE policy_domain = $1 AND day >= $2 AND day < $3", &p, "web overview");
	if (r == NULL)
		return STORE_ERR;
	d->reporters = PQntuples(r) > 0 ? pg_int(r, 0, 0) : 0;
	PQclear(r);
	return STORE_OK;
}

static int
ov_days(void *h, const store_web_query *w, int64_t d0, int64_t d1, store_web_cb cb, void *ctx)
{
	static const char *const names[3] = { "day", "messages", "spoofing" };
	store_web_val v[3];
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, w->domain);
	pg_p_int(&p, d0);
	pg_p_int(&p, d1);
	pg_p_int(&p, w->scope_tenant);
	r = pg_exec_read(h, PGA_WEB_OVERVIEW, SL_SPARK, "SELECT day, messages, spoofing"
	    " FROM rollup_domain_day WHERE domain_id = (SELECT id FROM ov_domain WHERE policy_domain = $1)"
	    " AND day >= $2 AND day < $3 AND ($4::bigint = 0 OR $1 IN (SELECT domain FROM tenant_domains"
	    " WHERE tenant_id = $4)) ORDER BY day", &p, "web overview");
	if (r == NULL)
		return STORE_ERR;
	memset(v, 0, sizeof(v));
	for (int i = 0; i < PQntuples(r); i++) {
		for (int k = 0; k < 3; k++) {
			v[k].type = SWV_INT;
			v[k].i = pg_int(r, i, k);
		}
		if (cb(ctx, 3, names, v) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static const ov_backend pg_ov = {
	.domains = ov_domains, .count_all = ov_count_all, .range = ov_range, .few = ov_few,
	.per_domain = ov_per_domain, .policy_before = ov_policy_before, .reporters = ov_reporters,
	.days = ov_days, .error = ov_error,
};

int
pg_web_overview_query(store *s, int qn, const store_web_query *w, store_web_cb cb, void *ctx)
{
	return ov_run(&pg_ov, PG(s), qn, w, cb, ctx);
}
