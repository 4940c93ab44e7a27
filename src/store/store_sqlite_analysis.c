/*
 * store_sqlite_analysis.c - the SQLite implementation of store_analysis.h.
 *
 * Statements live in the SQA_ANALYSIS slot area of the handle (sq_prep).
 * Rollup upserts add to the existing row; rollup_clear deletes a domain's
 * rows so a rebuild starts from zero.  The hourly rollup is stored one row
 * per (domain, day, class) with 24 hour columns (migration 004) and unpivoted
 * here when read, so callers still see one row per hour.
 *
 * Exports: store_sqlite_analysis_ops.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_priv.h"
#include "src_span.h"
#include "src_top.h"
#include "store_analysis.h"

/* The hour columns of rollup_hours: X(hh, parameter of hh in A_ADD_HOURS). */
#define HOURS_AFTER_00(X) X(01, 5) X(02, 6) X(03, 7) X(04, 8) X(05, 9) X(06, 10)	\
	X(07, 11) X(08, 12) X(09, 13) X(10, 14) X(11, 15) X(12, 16) X(13, 17) X(14, 18)	\
	X(15, 19) X(16, 20) X(17, 21) X(18, 22) X(19, 23) X(20, 24) X(21, 25) X(22, 26)	\
	X(23, 27)
#define HOURS(X) X(00, 4) HOURS_AFTER_00(X)
#define H_COL(h, p) ", h" #h
#define H_PARAM(h, p) ", ?" #p
#define H_SET(h, p) ", h" #h " = h" #h " + excluded.h" #h
#define H_FIRST_PARAM 4		/* ?4 is h00 */

enum {
	A_SENDER_ADD, A_SENDER_LIST_ALL, A_SENDER_LIST, A_SENDER_GET, A_SENDER_RM,
	A_HOST, A_PENDING_ADD, A_PENDING_ADD_ALL, A_PENDING_LIST, A_PENDING_DONE,
	A_SET, A_CLR_DAY, A_CLR_HOURS, A_CLR_SRC, A_CLR_ORG,
	A_ADD_HOURS, A_ADD_ORG,	/* day and source rollups: store_sqlite_batch.c */
	A_SCAN_DAY, A_SCAN_HOUR, A_TOP_SRC, A_TOP_ORG, A_POLICY, A_MISMATCH, A_SOURCES,
	A_DOMAINS,
	A__COUNT
};

#define POLICY_COLS "p, sp, np, adkim, aspf, pct, fo, testing, date_begin, date_end"
#define POLICY_SHORT "691200"	/* 8 days; as 020_src_spans.sql's reports_domain_long */
#define POLICY_SHORT_S 691200
#define SRC_COLS "prefix, messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing"
#define SRC_DAYS(lo, hi) "SELECT " SRC_COLS " FROM rollup_src WHERE policy_domain = ?1 " \
	"AND day >= " lo " AND day < " hi
#define SRC_SPAN(level, lo, hi) "SELECT " SRC_COLS " FROM rollup_src_span " \
	"WHERE policy_domain = ?1 AND level = " level " AND start >= " lo " AND start < " hi

static const char *const asql[A__COUNT] = {
	[A_SENDER_ADD] = "INSERT INTO senders(policy_domain, kind, match_type, value, note, "
	    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[A_SENDER_LIST_ALL] = "SELECT id, policy_domain, kind, match_type, value, note, created_at "
	    "FROM senders ORDER BY policy_domain, kind, match_type, value",
	[A_SENDER_LIST] = "SELECT id, policy_domain, kind, match_type, value, note, created_at "
	    "FROM senders WHERE policy_domain = ?1 ORDER BY kind, match_type, value",
	[A_SENDER_GET] = "SELECT policy_domain FROM senders WHERE id = ?1",
	[A_SENDER_RM] = "DELETE FROM senders WHERE id = ?1",
	[A_HOST] = "SELECT ptr, base_domain, service, service_type, country, as_name, asn, "
	    "fcrdns FROM hosts WHERE ip = ?1",
	[A_PENDING_ADD] = "INSERT INTO analysis_pending(policy_domain, queued_at) VALUES (?1, ?2) "
	    "ON CONFLICT(policy_domain) DO UPDATE SET queued_at = excluded.queued_at",
	[A_PENDING_ADD_ALL] = "INSERT OR IGNORE INTO analysis_pending(policy_domain, queued_at) "
	    "SELECT DISTINCT policy_domain, ?1 FROM reports",
	[A_PENDING_LIST] = "SELECT policy_domain FROM analysis_pending ORDER BY queued_at, "
	    "policy_domain",
	[A_PENDING_DONE] = "DELETE FROM analysis_pending WHERE policy_domain = ?1",
	[A_SET] = "UPDATE records SET spf_cat = ?2, dkim_cat = ?3, dkim_signed_aligned = ?4, "
	    "reporter_pass = ?5, mismatch = ?6, reasons_mask = ?7, spf_domain = ?8, "
	    "spf_result = ?9, dkim_domain = ?10, dkim_result = ?11, dkim_pass_domains = ?12, "
	    "sender_kind = ?13, sender_id = ?14, service = ?15, cls = ?16, path = ?17, "
	    "expl = ?18 WHERE id = ?1",
	[A_CLR_DAY] = "DELETE FROM rollup_day WHERE policy_domain = ?1",
	[A_CLR_HOURS] = "DELETE FROM rollup_hours WHERE policy_domain = ?1",
	[A_CLR_SRC] = "DELETE FROM rollup_src WHERE policy_domain = ?1",
	[A_CLR_ORG] = "DELETE FROM rollup_org WHERE policy_domain = ?1",
	[A_ADD_HOURS] = "INSERT INTO rollup_hours(policy_domain, day, cls" HOURS(H_COL) ") "
	    "VALUES (?1, ?2, ?3" HOURS(H_PARAM) ") ON CONFLICT DO UPDATE SET "
	    "h00 = h00 + excluded.h00" HOURS_AFTER_00(H_SET),
	[A_ADD_ORG] = "INSERT INTO rollup_org(policy_domain, day, org, reports, messages) VALUES "
	    "(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET reports = reports + excluded.reports, "
	    "messages = messages + excluded.messages",
	[A_SCAN_DAY] = "SELECT day, cls, path, spf_cat, dkim_cat, sender_kind, known, "
	    "disposition, reporter_pass, messages, records FROM rollup_day "
	    "WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3 ORDER BY day",
	[A_SCAN_HOUR] = "SELECT day, cls" HOURS(H_COL) " FROM rollup_hours "
	    "WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3 ORDER BY day, cls",
	/* the period in pieces (src_span.h): single days at the ends, then spans;
	 * summed per prefix in C (src_top.h) */
	[A_TOP_SRC] = SRC_DAYS("?2", "?3") " UNION ALL " SRC_DAYS("?4", "?5") " UNION ALL "
	    SRC_SPAN("1", "?6", "?7") " UNION ALL " SRC_SPAN("1", "?8", "?9") " UNION ALL "
	    SRC_SPAN("2", "?10", "?11") " UNION ALL " SRC_SPAN("2", "?12", "?13") " UNION ALL "
	    SRC_SPAN("3", "?14", "?15"),
	[A_TOP_ORG] = "SELECT org, sum(reports), sum(messages) FROM rollup_org "
	    "WHERE policy_domain = ?1 AND day >= ?2 AND day < ?3 GROUP BY org "
	    "ORDER BY 3 DESC, 1 LIMIT ?4",
	/* the reports of the period: those of at most POLICY_SHORT seconds begin in
	 * [since - POLICY_SHORT, until) (reports_domain_begin), the longer ones are
	 * few (020's reports_domain_long) */
	[A_POLICY] = "SELECT p, sp, np, adkim, aspf, coalesce(pct, -1), fo, testing, "
	    "min(date_begin), max(date_end), count(*) FROM ("
	    "SELECT " POLICY_COLS " FROM reports WHERE policy_domain = ?1 AND date_begin >= ?4 "
	    "AND date_begin < ?3 AND date_end >= ?2 AND date_end - date_begin <= " POLICY_SHORT
	    " UNION ALL SELECT " POLICY_COLS " FROM reports WHERE policy_domain = ?1 "
	    "AND date_end - date_begin > " POLICY_SHORT " AND date_end >= ?2 AND date_begin < ?3"
	    ") GROUP BY p, sp, np, adkim, aspf, pct, fo, testing ORDER BY min(date_begin)",
	[A_MISMATCH] = "SELECT r.id, r.date_begin, r.date_end, r.org_name, r.report_id, "
	    "x.id, x.source_ip, x.count, x.disposition, x.dkim, x.spf, x.header_from, "
	    "x.envelope_from, x.spf_cat, x.dkim_cat, x.spf_domain, x.spf_result, x.dkim_domain, "
	    "x.dkim_result, x.cls, x.path, x.expl, x.service, x.sender_kind FROM records x "
	    "JOIN reports r ON r.id = x.report_id WHERE x.policy_domain = ?1 AND "
	    "x.mismatch = 1 AND r.date_end >= ?2 AND r.date_begin < ?3 ORDER BY r.date_begin, "
	    "x.id LIMIT ?4",
	[A_SOURCES] = "SELECT x.source_ip, h.ptr, max(x.service), max(x.dkim_pass_domains), "
	    "sum(x.count), sum(CASE WHEN x.spf_cat = 0 THEN x.count ELSE 0 END), "
	    "sum(CASE WHEN x.dkim_cat = 0 THEN x.count ELSE 0 END), "
	    "sum(CASE WHEN x.cls = 0 AND x.path IN (0, 3) THEN x.count ELSE 0 END) FROM records x "
	    "JOIN reports r ON r.id = x.report_id LEFT JOIN hosts h ON h.ip = x.source_ip "
	    "WHERE x.policy_domain = ?1 AND r.date_end >= ?2 AND r.date_begin < ?3 "
	    "GROUP BY x.source_ip ORDER BY 5 DESC",
	[A_DOMAINS] = "SELECT policy_domain, sum(message_count) FROM reports "
	    "GROUP BY policy_domain ORDER BY 2 DESC, 1",
};

#define T(st, i) ((const char *)sqlite3_column_text((st), (i)))

static sqlite3_stmt *
A(sq_store *q, int i)
{
	return sq_prep(q, SQA_ANALYSIS, i, asql[i]);
}

/* ---- My Senders ------------------------------------------------------------ */

static int
an_sender_add(store *s, const store_sender *in, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_SENDER_ADD);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, in->policy_domain);
	sqlite3_bind_int(st, 2, in->kind);
	sq_bind_text(st, 3, in->match_type);
	sq_bind_text(st, 4, in->value);
	sq_bind_text(st, 5, in->note);
	sqlite3_bind_int64(st, 6, in->created_at ? in->created_at : (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(q->err, sizeof(q->err), "%s %s is already registered for %s",
		    in->match_type, in->value, in->policy_domain);
		return STORE_ERR;
	}
	if (rc != SQLITE_DONE)
		return sq_fail(q, "adding a sender");
	*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

static int
an_sender_list(store *s, const char *domain, int (*cb)(void *, const store_sender *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, domain ? A_SENDER_LIST : A_SENDER_LIST_ALL);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	if (domain)
		sq_bind_text(st, 1, domain);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_sender x = { sqlite3_column_int64(st, 0), T(st, 1), sqlite3_column_int(st, 2),
		    T(st, 3), T(st, 4), T(st, 5), sqlite3_column_int64(st, 6) };

		if (cb(ctx, &x) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "listing senders");
}

static int
an_sender_rm(store *s, int64_t id, char *domain_out, size_t dlen, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_SENDER_GET);

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*found = 1;
		snprintf(domain_out, dlen, "%s", T(st, 0) ? T(st, 0) : "");
	}
	sqlite3_reset(st);
	if (!*found)
		return STORE_OK;
	st = A(q, A_SENDER_RM);
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	return sq_run(q, st, "removing a sender");
}

/* ---- hosts ----------------------------------------------------------------------- */

static int
an_host_facts(store *s, const char *ip, int (*cb)(void *, const store_host_facts *), void *ctx,
    int *found)
{
	sq_store *q = SQ(s);
	/* reads hosts only: pending records may stay pending */
	sqlite3_stmt *st = sq_prep_nobatch(q, SQA_ANALYSIS, A_HOST, asql[A_HOST]);
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, ip);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_host_facts h = { T(st, 0), T(st, 1), T(st, 2), T(st, 3), T(st, 4), T(st, 5),
		    sqlite3_column_int64(st, 6),
		    sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 7) };

		*found = 1;
		cb(ctx, &h);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "reading a host");
}

/* ---- reanalysis queue -------------------------------------------------------------- */

static int
an_pending_add(store *s, const char *domain)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, domain ? A_PENDING_ADD : A_PENDING_ADD_ALL);

	if (st == NULL)
		return STORE_ERR;
	if (domain) {
		sq_bind_text(st, 1, domain);
		sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	} else {
		sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
	}
	return sq_run(q, st, "queueing reanalysis");
}

static int
an_pending_list(store *s, int (*cb)(void *, const char *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_PENDING_LIST);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, T(st, 0)) != 0)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "reanalysis queue");
}

static int
an_pending_done(store *s, const char *domain)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_PENDING_DONE);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	return sq_run(q, st, "reanalysis queue");
}

/* ---- record scan and update ----------------------------------------------------------- */

typedef struct scan_ctx {
	store *s;
	int (*cb)(void *, const store_record_row *);
	void *ctx;
	store_record_row row;
	int stop;
} scan_ctx;

static int
scan_record(void *ctx, const dm_record *rec)
{
	scan_ctx *sc = ctx;

	sc->row.rec = rec;
	if (sc->cb(sc->ctx, &sc->row) != 0) {
		sc->stop = 1;
		return 1;
	}
	return 0;
}

/* The reports cursor stays open while the callback updates records: SQLite
 * allows that on one connection, and no index the cursors use changes. */
static int
scan_report(void *ctx, const store_report_row *r)
{
	scan_ctx *sc = ctx;

	sc->row.report_id = r->id;
	sc->row.date_begin = r->rep.begin;
	sc->row.date_end = r->rep.end;
	sc->row.org_name = r->rep.org_name ? r->rep.org_name : r->rep.email;
	sc->row.report_ext_id = r->rep.report_id;
	sc->row.policy = &r->rep.policy;
	sc->row.rec = NULL;	/* the report marker: reports without records count too */
	if (sc->cb(sc->ctx, &sc->row) != 0)
		return 1;
	if (sc->s->ops->export_records(sc->s, r->id, scan_record, sc) != STORE_OK)
		return -1;
	return sc->stop ? 1 : 0;
}

static int
an_records_scan(store *s, const char *domain, int (*cb)(void *, const store_record_row *),
    void *ctx)
{
	store_filter f = { domain, 0, 0 };
	scan_ctx sc;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.cb = cb;
	sc.ctx = ctx;
	return s->ops->export_reports(s, &f, scan_report, &sc);
}

static int
an_record_set(store *s, int64_t id, const store_record_analysis *an)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_SET);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_analysis(st, 2, an);
	return sq_run(q, st, "updating a record's analysis");
}

/* ---- rollups ------------------------------------------------------------------------------ */

static int
an_rollup_clear(store *s, const char *domain)
{
	sq_store *q = SQ(s);

	for (int i = A_CLR_DAY; i <= A_CLR_ORG; i++) {
		sqlite3_stmt *st = A(q, i);

		if (st == NULL)
			return STORE_ERR;
		sq_bind_text(st, 1, domain);
		if (sq_run(q, st, "clearing rollups") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
an_day_add(store *s, const store_rollup_day *r)
{
	return sq_batch_day(SQ(s), r);	/* a multi-row upsert (store_sqlite_batch.c) */
}

static int
an_hours_add(store *s, const store_rollup_hours *r)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_ADD_HOURS);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, r->policy_domain);
	sqlite3_bind_int64(st, 2, r->day);
	sqlite3_bind_int(st, 3, r->cls);
	for (int h = 0; h < 24; h++)
		sqlite3_bind_int64(st, H_FIRST_PARAM + h, r->messages[h]);
	return sq_run(q, st, "rollup (hour)");
}

static int
an_src_add(store *s, const store_rollup_src *r)
{
	return sq_batch_src(SQ(s), r);	/* a multi-row upsert (store_sqlite_batch.c) */
}

static int
an_org_add(store *s, const store_rollup_org *r)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_ADD_ORG);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, r->policy_domain);
	sqlite3_bind_int64(st, 2, r->day);
	sq_bind_text(st, 3, r->org);
	sqlite3_bind_int64(st, 4, r->reports);
	sqlite3_bind_int64(st, 5, r->messages);
	return sq_run(q, st, "rollup (reporter)");
}

/* ---- reads ----------------------------------------------------------------------------------- */

/* The period [*lo, *hi) in whole units (days or hours) around f's seconds. */
static void
period(const store_filter *f, int64_t unit, int64_t *lo, int64_t *hi)
{
	*lo = f->since > 0 ? f->since / unit : INT64_MIN / 2;
	*hi = f->until > 0 ? (f->until + unit - 1) / unit : INT64_MAX / 2;
}

/* Binds ?1 domain, ?2/?3 the period in units (days, hours, or seconds). */
static void
bind_period(sqlite3_stmt *st, const store_filter *f, int64_t unit)
{
	int64_t lo, hi;

	period(f, unit, &lo, &hi);
	sq_bind_text(st, 1, f->domain ? f->domain : "");
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
}

static int
done(sq_store *q, sqlite3_stmt *st, int rc, const char *what)
{
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, what);
}

static int
an_day_scan(store *s, const store_filter *f, int (*cb)(void *, const store_rollup_day *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_SCAN_DAY);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_period(st, f, 86400);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_rollup_day r = { f->domain, sqlite3_column_int64(st, 0),
		    sqlite3_column_int(st, 1), sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
		    sqlite3_column_int(st, 4), sqlite3_column_int(st, 5), sqlite3_column_int(st, 6),
		    sqlite3_column_int(st, 7), sqlite3_column_int(st, 8),
		    sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10) };

		if (cb(ctx, &r) != 0)
			break;
	}
	return done(q, st, rc, "reading rollups");
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
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_SCAN_HOUR);
	hour_day d;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	memset(&d, 0, sizeof(d));
	d.f = f;
	d.cb = cb;
	d.ctx = ctx;
	period(f, 3600, &d.lo, &d.hi);
	bind_period(st, f, 86400);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t day = sqlite3_column_int64(st, 0);

		/* days come from unix seconds; anything else cannot be an hour */
		if (day < -INT64_MAX / 48 || day > INT64_MAX / 48)
			continue;
		if (d.n > 0 && day != d.day && hour_day_emit(&d) != 0)
			break;	/* rc stays SQLITE_ROW: stopped, not failed */
		if (d.n == d.cap) {
			size_t cap = d.cap ? d.cap * 2 : 8;
			struct hour_day_row *row = realloc(d.row, cap * sizeof(*row));

			if (row == NULL) {
				free(d.row);
				sqlite3_reset(st);
				return sq_fail(q, "out of memory");
			}
			d.row = row;
			d.cap = cap;
		}
		d.day = day;
		d.row[d.n].cls = sqlite3_column_int(st, 1);
		for (int h = 0; h < 24; h++)
			d.row[d.n].m[h] = sqlite3_column_int64(st, 2 + h);
		d.n++;
	}
	if (rc == SQLITE_DONE && d.n > 0)
		hour_day_emit(&d);	/* the last day */
	free(d.row);
	return done(q, st, rc, "reading rollups");
}

static int
an_src_top(store *s, const store_filter *f, int limit,
    int (*cb)(void *, const store_rollup_src *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_TOP_SRC);
	src_span_pieces p;
	src_top t;
	int64_t lo, hi;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	period(f, 86400, &lo, &hi);
	src_span_split(lo, hi, &p);
	sq_bind_text(st, 1, f->domain ? f->domain : "");
	for (int i = 0; i < 7; i++) {
		sqlite3_bind_int64(st, 2 + 2 * i, p.lo[i]);
		sqlite3_bind_int64(st, 3 + 2 * i, p.hi[i]);
	}
	src_top_init(&t);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t v[5];

		for (int i = 0; i < 5; i++)
			v[i] = sqlite3_column_int64(st, 1 + i);
		if (src_top_add(&t, T(st, 0), v) != 0) {
			src_top_free(&t);
			sqlite3_reset(st);
			snprintf(q->err, sizeof(q->err), "reading rollups: a top source's sums overflow");
			return STORE_ERR;
		}
	}
	if (rc == SQLITE_DONE)
		src_top_each(&t, f->domain, limit, cb, ctx);
	src_top_free(&t);
	return done(q, st, rc, "reading rollups");
}

static int
an_org_top(store *s, const store_filter *f, int limit,
    int (*cb)(void *, const store_rollup_org *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_TOP_ORG);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_period(st, f, 86400);
	sqlite3_bind_int(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_rollup_org r = { f->domain, 0, T(st, 0), sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2) };

		if (cb(ctx, &r) != 0)
			break;
	}
	return done(q, st, rc, "reading rollups");
}

static void
bind_seconds(sqlite3_stmt *st, const store_filter *f)
{
	sq_bind_text(st, 1, f->domain ? f->domain : "");
	sqlite3_bind_int64(st, 2, f->since > 0 ? f->since : INT64_MIN);
	sqlite3_bind_int64(st, 3, f->until > 0 ? f->until : INT64_MAX);
}

static int
an_policy_history(store *s, const store_filter *f, int (*cb)(void *, const store_policy_row *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_POLICY);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_seconds(st, f);
	sqlite3_bind_int64(st, 4, f->since > 0 ? f->since - POLICY_SHORT_S : INT64_MIN);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_policy_row r = { T(st, 0), T(st, 1), T(st, 2), T(st, 3), T(st, 4), T(st, 6),
		    T(st, 7), sqlite3_column_int(st, 5), sqlite3_column_int64(st, 8),
		    sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10) };

		if (cb(ctx, &r) != 0)
			break;
	}
	return done(q, st, rc, "reading the policy history");
}

static int
an_mismatch_list(store *s, const store_filter *f, int limit,
    int (*cb)(void *, const store_record_row *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_MISMATCH);
	dm_record *rec = calloc(1, sizeof(*rec));
	int rc;

	if (st == NULL || rec == NULL) {
		free(rec);
		return st == NULL ? STORE_ERR : sq_fail(q, "out of memory");
	}
	bind_seconds(st, f);
	sqlite3_bind_int(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_record_analysis an;
		store_record_row row;

		memset(&an, 0, sizeof(an));
		memset(&row, 0, sizeof(row));
		row.report_id = sqlite3_column_int64(st, 0);
		row.date_begin = sqlite3_column_int64(st, 1);
		row.date_end = sqlite3_column_int64(st, 2);
		row.org_name = T(st, 3);
		row.report_ext_id = T(st, 4);
		rec->store_id = sqlite3_column_int64(st, 5);
		snprintf(rec->source_ip, sizeof(rec->source_ip), "%s", T(st, 6) ? T(st, 6) : "");
		rec->count = (uint64_t)sqlite3_column_int64(st, 7);
		rec->disposition = dm_disp_parse(T(st, 8));
		rec->dkim = dm_verdict_parse(T(st, 9));
		rec->spf = dm_verdict_parse(T(st, 10));
		rec->header_from = T(st, 11);
		rec->envelope_from = T(st, 12);
		an.spf_cat = sqlite3_column_int(st, 13);
		an.dkim_cat = sqlite3_column_int(st, 14);
		an.spf_domain = T(st, 15);
		an.spf_result = T(st, 16);
		an.dkim_domain = T(st, 17);
		an.dkim_result = T(st, 18);
		an.cls = sqlite3_column_int(st, 19);
		an.path = sqlite3_column_int(st, 20);
		an.expl = sqlite3_column_int(st, 21);
		an.service = T(st, 22);
		an.sender_kind = sqlite3_column_int(st, 23);
		an.mismatch = 1;
		row.rec = rec;
		row.an = &an;
		if (cb(ctx, &row) != 0)
			break;
	}
	free(rec);
	return done(q, st, rc, "listing mismatches");
}

static int
an_source_scan(store *s, const store_filter *f, int (*cb)(void *, const store_source_row *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_SOURCES);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_seconds(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_source_row r = { T(st, 0), T(st, 1), T(st, 2), T(st, 3),
		    sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
		    sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7) };

		if (cb(ctx, &r) != 0)
			break;
	}
	return done(q, st, rc, "reading sources");
}

static int
an_domain_list(store *s, int (*cb)(void *, const char *, int64_t), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = A(q, A_DOMAINS);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, T(st, 0), sqlite3_column_int64(st, 1)) != 0)
			break;
	return done(q, st, rc, "listing domains");
}

const struct store_analysis_ops store_sqlite_analysis_ops = {
	.sender_add = an_sender_add,
	.sender_list = an_sender_list,
	.sender_rm = an_sender_rm,
	.host_facts = an_host_facts,
	.pending_add = an_pending_add,
	.pending_list = an_pending_list,
	.pending_done = an_pending_done,
	.records_scan = an_records_scan,
	.record_set_analysis = an_record_set,
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
