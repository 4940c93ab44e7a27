/*
 * store_pg_analysis.c - the PostgreSQL implementation of store_analysis.h
 * (port of store_sqlite_analysis.c, same statements in PostgreSQL's dialect).
 *
 * Statements live in the PGA_ANALYSIS area (pg_exec), slots numbered from 0.
 * Rollup upserts add to the existing row (ON CONFLICT ... DO UPDATE); all
 * four rollups (day, source, reporter, hour) go through the record batches
 * (pg_batch_*, store_pg_batch.c, staged in bulk mode).  The
 * hourly rollup is one row per (domain, day, class) with 24 hour columns,
 * unpivoted here when read, as on SQLite.  sum() of bigint is numeric in
 * PostgreSQL: results are read as text (pg_int), so the numbers are the same.
 * Text orders that reach the user are byte orders (COLLATE "C"), as SQLite's.
 *
 * The per-record host lookup at ingest does not flush the record batch
 * (pg_exec_nobatch: it reads hosts only), as SQLite's sq_prep_nobatch does:
 * a flush per record would cut every batch to one row.
 *
 * The record scan and the analysis updates of reanalysis are in
 * store_pg_analysis_scan.c (pg_analysis.h).
 *
 * Exports: store_pg_analysis_ops.  Errors: STORE_ERR with the handle's
 * message set (store_errmsg); results are PQclear'ed here.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_analysis.h"
#include "pg_priv.h"
#include "src_span.h"
#include "store_analysis.h"

/* The hour columns of rollup_hours: X(hh, a number the macro may use). */
#define HOURS_AFTER_00(X) X(01, 5) X(02, 6) X(03, 7) X(04, 8) X(05, 9) X(06, 10)	\
	X(07, 11) X(08, 12) X(09, 13) X(10, 14) X(11, 15) X(12, 16) X(13, 17) X(14, 18)	\
	X(15, 19) X(16, 20) X(17, 21) X(18, 22) X(19, 23) X(20, 24) X(21, 25) X(22, 26)	\
	X(23, 27)
#define HOURS(X) X(00, 4) HOURS_AFTER_00(X)
#define H_COL(h, p) ", h" #h

enum {
	A_SENDER_ADD, A_SENDER_LIST_ALL, A_SENDER_LIST, A_SENDER_RM,
	A_HOST, A_PENDING_ADD, A_PENDING_ADD_ALL, A_PENDING_LIST, A_PENDING_DONE,
	A_CLR_DAY, A_CLR_HOURS, A_CLR_SRC, A_CLR_ORG,
	A_SCAN_DAY, A_SCAN_HOUR, A_TOP_SRC, A_TOP_ORG, A_POLICY, A_MISMATCH, A_SOURCES,
	A_DOMAINS, A_DOMAIN_LOCK,
	A__COUNT
};

#define POLICY_COLS "p, sp, np, adkim, aspf, pct, fo, testing, date_begin, date_end"
#define POLICY_SHORT "691200"	/* 8 days; as 020_src_spans.sql's reports_domain_long */
#define POLICY_SHORT_S 691200
#define SRC_COLS "prefix, messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing"
#define SRC_DAYS(lo, hi) "SELECT " SRC_COLS " FROM rollup_src WHERE policy_domain = $1 " \
	"AND day >= " lo "::bigint AND day < " hi "::bigint"
#define SRC_SPAN(level, lo, hi) "SELECT " SRC_COLS " FROM rollup_src_span " \
	"WHERE policy_domain = $1 AND level = " level " AND start >= " lo "::bigint " \
	"AND start < " hi "::bigint"

static const char *const asql[A__COUNT] = {
	/* a duplicate is the unique constraint's answer: no row comes back */
	[A_SENDER_ADD] = "INSERT INTO senders(policy_domain, kind, match_type, value, note, "
	    "created_at) VALUES ($1, $2::bigint, $3, $4, $5, $6::bigint) ON CONFLICT DO NOTHING "
	    "RETURNING id",
	[A_SENDER_LIST_ALL] = "SELECT id, policy_domain, kind, match_type, value, note, created_at "
	    "FROM senders ORDER BY policy_domain COLLATE \"C\", kind, match_type COLLATE \"C\", "
	    "value COLLATE \"C\"",
	[A_SENDER_LIST] = "SELECT id, policy_domain, kind, match_type, value, note, created_at "
	    "FROM senders WHERE policy_domain = $1 ORDER BY kind, match_type COLLATE \"C\", "
	    "value COLLATE \"C\"",
	[A_SENDER_RM] = "DELETE FROM senders WHERE id = $1::bigint RETURNING policy_domain",
	[A_HOST] = "SELECT ptr, base_domain, service, service_type, country, as_name, asn, "
	    "fcrdns FROM hosts WHERE ip = $1",
	[A_PENDING_ADD] = "INSERT INTO analysis_pending(policy_domain, queued_at) "
	    "VALUES ($1, $2::bigint) ON CONFLICT (policy_domain) DO UPDATE SET "
	    "queued_at = excluded.queued_at",
	[A_PENDING_ADD_ALL] = "INSERT INTO analysis_pending(policy_domain, queued_at) "
	    "SELECT DISTINCT policy_domain, $1::bigint FROM reports ON CONFLICT DO NOTHING",
	[A_PENDING_LIST] = "SELECT policy_domain FROM analysis_pending ORDER BY queued_at, "
	    "policy_domain COLLATE \"C\"",
	[A_PENDING_DONE] = "DELETE FROM analysis_pending WHERE policy_domain = $1",
	[A_CLR_DAY] = "DELETE FROM rollup_day WHERE policy_domain = $1",
	[A_CLR_HOURS] = "DELETE FROM rollup_hours WHERE policy_domain = $1",
	[A_CLR_SRC] = "DELETE FROM rollup_src WHERE policy_domain = $1",
	[A_CLR_ORG] = "DELETE FROM rollup_org WHERE policy_domain = $1",
	[A_SCAN_DAY] = "SELECT day, cls, path, spf_cat, dkim_cat, sender_kind, known, "
	    "disposition, reporter_pass, messages, records FROM rollup_day "
	    "WHERE policy_domain = $1 AND day >= $2::bigint AND day < $3::bigint ORDER BY day",
	[A_SCAN_HOUR] = "SELECT day, cls" HOURS(H_COL) " FROM rollup_hours "
	    "WHERE policy_domain = $1 AND day >= $2::bigint AND day < $3::bigint "
	    "ORDER BY day, cls",
	/* the period in pieces (src_span.h): single days at the ends, then spans;
	 * serial_plan (020): no parallel workers started per request */
	[A_TOP_SRC] = "SELECT prefix, sum(messages)::bigint, sum(spf_aligned)::bigint, "
	    "sum(dkim_aligned)::bigint, sum(dmarc_pass)::bigint, sum(spoofing)::bigint FROM ("
	    SRC_DAYS("$2", "$3") " UNION ALL " SRC_DAYS("$4", "$5") " UNION ALL "
	    SRC_SPAN("1", "$6", "$7") " UNION ALL " SRC_SPAN("1", "$8", "$9") " UNION ALL "
	    SRC_SPAN("2", "$10", "$11") " UNION ALL " SRC_SPAN("2", "$12", "$13") " UNION ALL "
	    SRC_SPAN("3", "$14", "$15") ") x GROUP BY prefix "
	    "ORDER BY 2 DESC, prefix COLLATE \"C\" LIMIT serial_plan($16::bigint)",
	[A_TOP_ORG] = "SELECT org, sum(reports), sum(messages) FROM rollup_org "
	    "WHERE policy_domain = $1 AND day >= $2::bigint AND day < $3::bigint GROUP BY org "
	    "ORDER BY 3 DESC, org COLLATE \"C\" LIMIT $4::bigint",
	/* as store_sqlite_analysis.c's: the short reports by their begin, the long ones
	 * (020's reports_domain_long) by their end */
	[A_POLICY] = "SELECT p, sp, np, adkim, aspf, coalesce(pct, -1), fo, testing, "
	    "min(date_begin), max(date_end), count(*) FROM ("
	    "SELECT " POLICY_COLS " FROM reports WHERE policy_domain = $1 "
	    "AND date_begin >= $4::bigint AND date_begin < $3::bigint AND date_end >= $2::bigint "
	    "AND date_end - date_begin <= " POLICY_SHORT " UNION ALL SELECT " POLICY_COLS
	    " FROM reports WHERE policy_domain = $1 AND date_end - date_begin > " POLICY_SHORT
	    " AND date_end >= $2::bigint AND date_begin < $3::bigint) x "
	    "GROUP BY p, sp, np, adkim, aspf, pct, fo, testing ORDER BY min(date_begin), "
	    /* ties in SQLite's group order: its NULLs first, bytes */
	    "p COLLATE \"C\" NULLS FIRST, sp COLLATE \"C\" NULLS FIRST, "
	    "np COLLATE \"C\" NULLS FIRST, adkim COLLATE \"C\" NULLS FIRST, "
	    "aspf COLLATE \"C\" NULLS FIRST, pct NULLS FIRST, fo COLLATE \"C\" NULLS FIRST, "
	    "testing COLLATE \"C\" NULLS FIRST",
	[A_MISMATCH] = "SELECT r.id, r.date_begin, r.date_end, r.org_name, r.report_id, "
	    "x.id, x.source_ip, x.count, x.disposition, x.dkim, x.spf, x.header_from, "
	    "x.envelope_from, x.spf_cat, x.dkim_cat, x.spf_domain, x.spf_result, x.dkim_domain, "
	    "x.dkim_result, x.cls, x.path, x.expl, x.service, x.sender_kind FROM records x "
	    "JOIN reports r ON r.id = x.report_id WHERE x.policy_domain = $1 AND "
	    "x.mismatch = 1 AND r.date_end >= $2::bigint AND r.date_begin < $3::bigint "
	    "ORDER BY r.date_begin, x.id LIMIT $4::bigint",
	/* hosts.ip is unique: max(h.ptr) is the host's ptr (PostgreSQL wants
	 * every column grouped or aggregated) */
	[A_SOURCES] = "SELECT x.source_ip, max(h.ptr), max(x.service), "
	    "max(x.dkim_pass_domains), sum(x.count), "
	    "sum(CASE WHEN x.spf_cat = 0 THEN x.count ELSE 0 END), "
	    "sum(CASE WHEN x.dkim_cat = 0 THEN x.count ELSE 0 END), "
	    "sum(CASE WHEN x.cls = 0 AND x.path IN (0, 3) THEN x.count ELSE 0 END) FROM records x "
	    "JOIN reports r ON r.id = x.report_id LEFT JOIN hosts h ON h.ip = x.source_ip "
	    "WHERE x.policy_domain = $1 AND r.date_end >= $2::bigint AND r.date_begin < $3::bigint "
	    "GROUP BY x.source_ip ORDER BY 5 DESC, x.source_ip COLLATE \"C\"",
	[A_DOMAINS] = "SELECT policy_domain, sum(message_count) FROM reports "
	    "GROUP BY policy_domain ORDER BY 2 DESC, policy_domain COLLATE \"C\"",
	/* one rebuild of a domain at a time (two-key advisory lock: its own key space) */
	[A_DOMAIN_LOCK] = "SELECT pg_advisory_xact_lock(17019, hashtext($1))",
};

static PGresult *
A(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_ANALYSIS, i, asql[i], p, what);
}

static int
R(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_run(q, PGA_ANALYSIS, i, asql[i], p, what);
}

/* A write whose only answer is success: inside a transaction it travels
 * with the next statement that returns rows (pg_defer), so reanalysis does
 * not wait a round trip per record. */
static int
W(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_defer(q, PGA_ANALYSIS, i, asql[i], p, what);
}

/* ---- My Senders ------------------------------------------------------------ */

static int
an_sender_add(store *s, const store_sender *in, int64_t *id)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	int n;

	pg_p_init(&p);
	pg_p_text(&p, in->policy_domain);
	pg_p_int(&p, in->kind);
	pg_p_text(&p, in->match_type);
	pg_p_text(&p, in->value);
	pg_p_text(&p, in->note);
	pg_p_int(&p, in->created_at ? in->created_at : (int64_t)time(NULL));
	if ((r = A(q, A_SENDER_ADD, &p, "adding a sender")) == NULL)
		return STORE_ERR;
	n = PQntuples(r);
	if (n == 1)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	if (n != 1) {
		snprintf(q->err, sizeof(q->err), "%s %s is already registered for %s",
		    in->match_type, in->value, in->policy_domain);
		return STORE_ERR;
	}
	return STORE_OK;
}

static int
an_sender_list(store *s, const char *domain, int (*cb)(void *, const store_sender *), void *ctx)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	if (domain)
		pg_p_text(&p, domain);
	if ((r = A(q, domain ? A_SENDER_LIST : A_SENDER_LIST_ALL, &p, "listing senders")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_sender x = { pg_int(r, i, 0), pg_str(r, i, 1), (int)pg_int(r, i, 2),
		    pg_str(r, i, 3), pg_str(r, i, 4), pg_str(r, i, 5), pg_int(r, i, 6) };

		if (cb(ctx, &x) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
an_sender_rm(store *s, int64_t id, char *domain_out, size_t dlen, int *found)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	*found = 0;
	pg_p_init(&p);
	pg_p_int(&p, id);
	if ((r = A(q, A_SENDER_RM, &p, "removing a sender")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		*found = 1;
		snprintf(domain_out, dlen, "%s", pg_str(r, 0, 0) ? pg_str(r, 0, 0) : "");
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- hosts ----------------------------------------------------------------------- */

static int
an_host_facts(store *s, const char *ip, int (*cb)(void *, const store_host_facts *), void *ctx,
    int *found)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	*found = 0;
	if (pg_hostcache_get(q, ip, cb, ctx, found))
		return STORE_OK;	/* read ahead with its batch */
	pg_p_init(&p);
	pg_p_text(&p, ip);
	/* reads hosts only: pending records may stay pending */
	if ((r = pg_exec_nobatch(q, PGA_ANALYSIS, A_HOST, asql[A_HOST], &p,
	    "reading a host")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		store_host_facts h = { pg_str(r, 0, 0), pg_str(r, 0, 1), pg_str(r, 0, 2),
		    pg_str(r, 0, 3), pg_str(r, 0, 4), pg_str(r, 0, 5), pg_int(r, 0, 6),
		    pg_isnull(r, 0, 7) ? -1 : (int)pg_int(r, 0, 7) };

		*found = 1;
		cb(ctx, &h);
	}
	PQclear(r);
	return STORE_OK;
}

/* The source IPs of a batch of records: their host facts in one round trip. */
static int
an_host_prefetch(store *s, const char *const *ips, int n)
{
	return pg_hostcache_prefetch(PG(s), ips, n);
}

/* ---- reanalysis queue -------------------------------------------------------------- */

static int
an_pending_add(store *s, const char *domain)
{
	pg_store *q = PG(s);
	pg_params p;

	pg_p_init(&p);
	if (domain)
		pg_p_text(&p, domain);
	pg_p_int(&p, (int64_t)time(NULL));
	return R(q, domain ? A_PENDING_ADD : A_PENDING_ADD_ALL, &p, "queueing reanalysis");
}

static int
an_pending_list(store *s, int (*cb)(void *, const char *), void *ctx)
{
	pg_store *q = PG(s);
	PGresult *r = A(q, A_PENDING_LIST, NULL, "reanalysis queue");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

static int
an_pending_done(store *s, const char *domain)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	return R(PG(s), A_PENDING_DONE, &p, "reanalysis queue");
}

/* ---- rollups ------------------------------------------------------------------------------ */

static int
an_rollup_clear(store *s, const char *domain)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	/* Two rebuilds of one domain at once (the CLI's reanalyze and a serve
	 * node's catch-up) would each delete only the rows committed before its
	 * DELETE began and then add theirs on top of the other's: the rollups
	 * doubled.  The second waits here until the first commits; its DELETE
	 * (a new snapshot) then sees the first one's rows. */
	if (R(PG(s), A_DOMAIN_LOCK, &p, "locking the domain's rollups") != STORE_OK)
		return STORE_ERR;
	for (int i = A_CLR_DAY; i <= A_CLR_ORG; i++)
		if (W(PG(s), i, &p, "clearing rollups") != STORE_OK)
			return STORE_ERR;
	return STORE_OK;
}

static int
an_day_add(store *s, const store_rollup_day *r)
{
	return pg_batch_day(PG(s), r);	/* a multi-row upsert (store_pg_batch.c) */
}

static int
an_hours_add(store *s, const store_rollup_hours *r)
{
	return pg_batch_hours(PG(s), r);	/* a multi-row upsert (store_pg_batch.c) */
}

static int
an_src_add(store *s, const store_rollup_src *r)
{
	return pg_batch_src(PG(s), r);	/* a multi-row upsert (store_pg_batch.c) */
}

static int
an_org_add(store *s, const store_rollup_org *r)
{
	return pg_batch_org(PG(s), r);	/* a multi-row upsert (store_pg_batch.c) */
}

/* ---- reads ----------------------------------------------------------------------------------- */

/* The period [*lo, *hi) in whole units (days or hours) around f's seconds. */
static void
period(const store_filter *f, int64_t unit, int64_t *lo, int64_t *hi)
{
	*lo = f->since > 0 ? f->since / unit : INT64_MIN / 2;
	*hi = f->until > 0 ? (f->until + unit - 1) / unit : INT64_MAX / 2;
}

/* $1 domain, $2/$3 the period in units (days or hours). */
static void
param_period(pg_params *p, const store_filter *f, int64_t unit)
{
	int64_t lo, hi;

	period(f, unit, &lo, &hi);
	pg_p_init(p);
	pg_p_text(p, f->domain ? f->domain : "");
	pg_p_int(p, lo);
	pg_p_int(p, hi);
}

/* $1 domain, $2/$3 the period in seconds. */
static void
param_seconds(pg_params *p, const store_filter *f)
{
	pg_p_init(p);
	pg_p_text(p, f->domain ? f->domain : "");
	pg_p_int(p, f->since > 0 ? f->since : INT64_MIN);
	pg_p_int(p, f->until > 0 ? f->until : INT64_MAX);
}

static int
an_day_scan(store *s, const store_filter *f, int (*cb)(void *, const store_rollup_day *),
    void *ctx)
{
	pg_params p;
	PGresult *r;

	param_period(&p, f, 86400);
	if ((r = A(PG(s), A_SCAN_DAY, &p, "reading rollups")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_rollup_day d = { f->domain, pg_int(r, i, 0), (int)pg_int(r, i, 1),
		    (int)pg_int(r, i, 2), (int)pg_int(r, i, 3), (int)pg_int(r, i, 4),
		    (int)pg_int(r, i, 5), (int)pg_int(r, i, 6), (int)pg_int(r, i, 7),
		    (int)pg_int(r, i, 8), pg_int(r, i, 9), pg_int(r, i, 10) };

		if (cb(ctx, &d) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

/* The rows of one day, in class order, while rollup_hour_scan reads it. */
typedef struct hour_day {
	const store_filter *f;
	int64_t day, lo, hi;		/* lo, hi: the period in hours */
	size_t n, cap;
	struct hour_day_row {
		int cls;
		int64_t m[24];
	} *row;
	int (*cb)(void *, const store_rollup_hour *);
	void *ctx;
} hour_day;

/* Hands out the held day hour by hour, each hour's classes in order;
 * 1 when the callback stops the scan. */
static int
hour_day_emit(hour_day *d)
{
	for (int h = 0; h < 24; h++) {
		int64_t hour = d->day * 24 + h;

		if (hour < d->lo || hour >= d->hi)
			continue;
		for (size_t i = 0; i < d->n; i++) {
			store_rollup_hour r = { d->f->domain, hour, d->row[i].cls,
			    d->row[i].m[h] };

			if (r.messages != 0 && d->cb(d->ctx, &r) != 0)
				return 1;
		}
	}
	d->n = 0;
	return 0;
}

static int
an_hour_scan(store *s, const store_filter *f, int (*cb)(void *, const store_rollup_hour *),
    void *ctx)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	hour_day d;
	int i, stopped = 0;

	memset(&d, 0, sizeof(d));
	d.f = f;
	d.cb = cb;
	d.ctx = ctx;
	period(f, 3600, &d.lo, &d.hi);
	param_period(&p, f, 86400);
	if ((r = A(q, A_SCAN_HOUR, &p, "reading rollups")) == NULL)
		return STORE_ERR;
	for (i = 0; i < PQntuples(r); i++) {
		int64_t day = pg_int(r, i, 0);

		/* days come from unix seconds; anything else cannot be an hour */
		if (day < -INT64_MAX / 48 || day > INT64_MAX / 48)
			continue;
		if (d.n > 0 && day != d.day && hour_day_emit(&d) != 0) {
			stopped = 1;
			break;
		}
		if (d.n == d.cap) {
			size_t cap = d.cap ? d.cap * 2 : 8;
			struct hour_day_row *row = realloc(d.row, cap * sizeof(*row));

			if (row == NULL) {
				free(d.row);
				PQclear(r);
				snprintf(q->err, sizeof(q->err), "reading rollups: out of memory");
				return STORE_ERR;
			}
			d.row = row;
			d.cap = cap;
		}
		d.day = day;
		d.row[d.n].cls = (int)pg_int(r, i, 1);
		for (int h = 0; h < 24; h++)
			d.row[d.n].m[h] = pg_int(r, i, 2 + h);
		d.n++;
	}
	if (!stopped && d.n > 0)
		hour_day_emit(&d);	/* the last day */
	free(d.row);
	PQclear(r);
	return STORE_OK;
}

static int
an_src_top(store *s, const store_filter *f, int limit,
    int (*cb)(void *, const store_rollup_src *), void *ctx)
{
	src_span_pieces sp;
	int64_t lo, hi;
	pg_params p;
	PGresult *r;

	period(f, 86400, &lo, &hi);
	src_span_split(lo, hi, &sp);
	pg_p_init(&p);
	pg_p_text(&p, f->domain ? f->domain : "");
	for (int i = 0; i < 7; i++) {
		pg_p_int(&p, sp.lo[i]);
		pg_p_int(&p, sp.hi[i]);
	}
	pg_p_int(&p, limit);
	if ((r = A(PG(s), A_TOP_SRC, &p, "reading rollups")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_rollup_src x = { f->domain, 0, pg_str(r, i, 0), pg_int(r, i, 1),
		    pg_int(r, i, 2), pg_int(r, i, 3), pg_int(r, i, 4), pg_int(r, i, 5) };

		if (cb(ctx, &x) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
an_org_top(store *s, const store_filter *f, int limit,
    int (*cb)(void *, const store_rollup_org *), void *ctx)
{
	pg_params p;
	PGresult *r;

	param_period(&p, f, 86400);
	pg_p_int(&p, limit);
	if ((r = A(PG(s), A_TOP_ORG, &p, "reading rollups")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_rollup_org x = { f->domain, 0, pg_str(r, i, 0), pg_int(r, i, 1),
		    pg_int(r, i, 2) };

		if (cb(ctx, &x) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
an_policy_history(store *s, const store_filter *f, int (*cb)(void *, const store_policy_row *),
    void *ctx)
{
	pg_params p;
	PGresult *r;

	param_seconds(&p, f);
	pg_p_int(&p, f->since > 0 ? f->since - POLICY_SHORT_S : INT64_MIN);
	if ((r = A(PG(s), A_POLICY, &p, "reading the policy history")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_policy_row x = { pg_str(r, i, 0), pg_str(r, i, 1), pg_str(r, i, 2),
		    pg_str(r, i, 3), pg_str(r, i, 4), pg_str(r, i, 6), pg_str(r, i, 7),
		    (int)pg_int(r, i, 5), pg_int(r, i, 8), pg_int(r, i, 9), pg_int(r, i, 10) };

		if (cb(ctx, &x) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
an_mismatch_list(store *s, const store_filter *f, int limit,
    int (*cb)(void *, const store_record_row *), void *ctx)
{
	pg_store *q = PG(s);
	dm_record *rec = calloc(1, sizeof(*rec));
	pg_params p;
	PGresult *r;

	if (rec == NULL) {
		snprintf(q->err, sizeof(q->err), "listing mismatches: out of memory");
		return STORE_ERR;
	}
	param_seconds(&p, f);
	pg_p_int(&p, limit);
	if ((r = A(q, A_MISMATCH, &p, "listing mismatches")) == NULL) {
		free(rec);
		return STORE_ERR;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		store_record_analysis an;
		store_record_row row;

		memset(&an, 0, sizeof(an));
		memset(&row, 0, sizeof(row));
		row.report_id = pg_int(r, i, 0);
		row.date_begin = pg_int(r, i, 1);
		row.date_end = pg_int(r, i, 2);
		row.org_name = pg_str(r, i, 3);
		row.report_ext_id = pg_str(r, i, 4);
		rec->store_id = pg_int(r, i, 5);
		snprintf(rec->source_ip, sizeof(rec->source_ip), "%s",
		    pg_str(r, i, 6) ? pg_str(r, i, 6) : "");
		rec->count = (uint64_t)pg_int(r, i, 7);
		rec->disposition = dm_disp_parse(pg_str(r, i, 8));
		rec->dkim = dm_verdict_parse(pg_str(r, i, 9));
		rec->spf = dm_verdict_parse(pg_str(r, i, 10));
		rec->header_from = pg_str(r, i, 11);
		rec->envelope_from = pg_str(r, i, 12);
		an.spf_cat = (int)pg_int(r, i, 13);
		an.dkim_cat = (int)pg_int(r, i, 14);
		an.spf_domain = pg_str(r, i, 15);
		an.spf_result = pg_str(r, i, 16);
		an.dkim_domain = pg_str(r, i, 17);
		an.dkim_result = pg_str(r, i, 18);
		an.cls = (int)pg_int(r, i, 19);
		an.path = (int)pg_int(r, i, 20);
		an.expl = (int)pg_int(r, i, 21);
		an.service = pg_str(r, i, 22);
		an.sender_kind = (int)pg_int(r, i, 23);
		an.mismatch = 1;
		row.rec = rec;
		row.an = &an;
		if (cb(ctx, &row) != 0)
			break;
	}
	free(rec);
	PQclear(r);
	return STORE_OK;
}

static int
an_source_scan(store *s, const store_filter *f, int (*cb)(void *, const store_source_row *),
    void *ctx)
{
	pg_params p;
	PGresult *r;

	param_seconds(&p, f);
	if ((r = A(PG(s), A_SOURCES, &p, "reading sources")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_source_row x = { pg_str(r, i, 0), pg_str(r, i, 1), pg_str(r, i, 2),
		    pg_str(r, i, 3), pg_int(r, i, 4), pg_int(r, i, 5), pg_int(r, i, 6),
		    pg_int(r, i, 7) };

		if (cb(ctx, &x) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
an_domain_list(store *s, int (*cb)(void *, const char *, int64_t), void *ctx)
{
	PGresult *r = A(PG(s), A_DOMAINS, NULL, "listing domains");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0), pg_int(r, i, 1)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

const struct store_analysis_ops store_pg_analysis_ops = {
	.sender_add = an_sender_add,
	.sender_list = an_sender_list,
	.sender_rm = an_sender_rm,
	.host_facts = an_host_facts,
	.host_facts_prefetch = an_host_prefetch,
	.pending_add = an_pending_add,
	.pending_list = an_pending_list,
	.pending_done = an_pending_done,
	.records_scan = pga_records_scan,	/* store_pg_analysis_scan.c */
	.record_set_analysis = pga_record_set,
	.rollup_clear = an_rollup_clear,
	.rollup_day_add = an_day_add,
	.rollup_hours_add = an_hours_add,
	.rollup_src_add = an_src_add,
	.rollup_org_add = an_org_add,
	.rollup_day_scan = an_day_scan,
	.rollup_hour_scan = an_hour_scan,
	.rollup_src_top = an_src_top,
	.rollup_org_top = an_org_top,
	.policy_history = an_policy_history,
	.mismatch_list = an_mismatch_list,
	.source_scan = an_source_scan,
	.domain_list = an_domain_list,
};
