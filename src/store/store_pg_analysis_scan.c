/*
 * store_pg_analysis_scan.c - reanalysis on PostgreSQL (store_analysis.h's
 * records_scan and record_set_analysis; part of store_pg_analysis.c's ops):
 * the reports of a domain and their records, walked through the core's
 * export ops as on SQLite, and the analysis written back.
 *
 * Statements: PGA_ANALYSIS slots from S_BASE (store_pg_analysis.c numbers
 * its own from 0).  Writes are deferred (pg_defer).
 *
 * Exports: pga_records_scan, pga_record_set (pg_analysis.h).  Errors:
 * STORE_ERR with the handle's message set.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pg_analysis.h"
#include "pg_priv.h"
#include "store_analysis.h"
#include "../util/dbuf.h"

#define S_BASE 48
enum { S_SET = S_BASE, S_SET_MANY, S__END };

static const char *const ssql[S__END] = {
	[S_SET] = "UPDATE records SET spf_cat = $2::bigint, dkim_cat = $3::bigint, "
	    "dkim_signed_aligned = $4::bigint, reporter_pass = $5::bigint, mismatch = $6::bigint, "
	    "reasons_mask = $7::bigint, spf_domain = $8, spf_result = $9, dkim_domain = $10, "
	    "dkim_result = $11, dkim_pass_domains = $12, sender_kind = $13::bigint, "
	    "sender_id = $14::bigint, service = $15, cls = $16::bigint, path = $17::bigint, "
	    "expl = $18::bigint WHERE id = $1::bigint",
	/* the analysis of many records: one array per column, zipped */
	[S_SET_MANY] = "UPDATE records x SET spf_cat = v.spf_cat, dkim_cat = v.dkim_cat, "
	    "dkim_signed_aligned = v.dsa, reporter_pass = v.rp, mismatch = v.mm, "
	    "reasons_mask = v.rm, spf_domain = v.spf_domain, spf_result = v.spf_result, "
	    "dkim_domain = v.dkim_domain, dkim_result = v.dkim_result, dkim_pass_domains = v.dpd, "
	    "sender_kind = v.sk, sender_id = v.sid, service = v.service, cls = v.cls, "
	    "path = v.path, expl = v.expl FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], "
	    "$4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], "
	    "$10::text[], $11::text[], $12::text[], $13::bigint[], $14::bigint[], $15::text[], "
	    "$16::bigint[], $17::bigint[], $18::bigint[]) AS v(id, spf_cat, dkim_cat, dsa, rp, "
	    "mm, rm, spf_domain, spf_result, dkim_domain, dkim_result, dpd, sk, sid, service, cls, "
	    "path, expl) WHERE x.id = v.id",
};

/* ---- record scan and update ----------------------------------------------------------- */

/*
 * While records_scan runs, record_set_analysis collects the rows here and
 * writes them SET_BATCH at a time in one UPDATE (S_SET_MANY: a statement
 * per record cost a server round trip and an executor start each, ten
 * times SQLite's reanalysis).  The scan writes what is left before it
 * returns, so its caller sees every update; nothing reads the analysis
 * columns during the scan.  One buffer per thread (a reanalysis runs on
 * one connection from one thread).
 */
#define SET_BATCH 1000
#define SET_COLS 18

typedef struct set_buf {
	pg_store *q;
	int n;
	dbuf col[SET_COLS];	/* array literals without their closing brace */
} set_buf;

static __thread set_buf *scan_buf;

static void
set_int(dbuf *b, int64_t v, int null)
{
	if (null)
		dbuf_addstr(b, "NULL,");
	else
		dbuf_printf(b, "%lld,", (long long)v);
}

/* A text element: NULL, or quoted with quotes and backslashes escaped. */
static void
set_text(dbuf *b, const char *v)
{
	if (v == NULL) {
		dbuf_addstr(b, "NULL,");
		return;
	}
	dbuf_addc(b, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			dbuf_addc(b, '\\');
		dbuf_addc(b, *v);
	}
	dbuf_addstr(b, "\",");
}

static int
set_flush(set_buf *sb)
{
	pg_params p;
	int rc = STORE_OK;

	if (sb->n == 0)
		return STORE_OK;
	pg_p_init(&p);
	for (int i = 0; i < SET_COLS; i++) {
		dbuf *b = &sb->col[i];

		if (b->len > 0)
			b->len--;	/* the last comma */
		if (dbuf_addc(b, '}') != 0) {
			snprintf(sb->q->err, sizeof(sb->q->err), "updating records' analysis: "
			    "out of memory");
			rc = STORE_ERR;
		}
		pg_p_text(&p, dbuf_cstr(b));
	}
	if (rc == STORE_OK)
		rc = pg_defer(sb->q, PGA_ANALYSIS, S_SET_MANY, ssql[S_SET_MANY], &p,
		    "updating records' analysis");
	for (int i = 0; i < SET_COLS; i++) {
		dbuf_reset(&sb->col[i]);
		dbuf_addc(&sb->col[i], '{');
	}
	sb->n = 0;
	return rc;
}

static int
set_add(set_buf *sb, int64_t id, const store_record_analysis *an)
{
	dbuf *c = sb->col;

	set_int(&c[0], id, 0);
	set_int(&c[1], an->spf_cat, 0);
	set_int(&c[2], an->dkim_cat, 0);
	set_int(&c[3], an->dkim_signed_aligned, 0);
	set_int(&c[4], an->reporter_pass, 0);
	set_int(&c[5], an->mismatch, 0);
	set_int(&c[6], (int64_t)an->reasons_mask, 0);
	set_text(&c[7], an->spf_domain);
	set_text(&c[8], an->spf_result);
	set_text(&c[9], an->dkim_domain);
	set_text(&c[10], an->dkim_result);
	set_text(&c[11], an->dkim_pass_domains);
	set_int(&c[12], an->sender_kind, 0);
	set_int(&c[13], an->sender_id, an->sender_id <= 0);
	set_text(&c[14], an->service);
	set_int(&c[15], an->cls, 0);
	set_int(&c[16], an->path, 0);
	set_int(&c[17], an->expl, 0);
	return ++sb->n >= SET_BATCH ? set_flush(sb) : STORE_OK;
}

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

/* The core's export ops walk the reports and their records (as on SQLite);
 * the callback updates records between their reads. */
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

int
pga_records_scan(store *s, const char *domain, int (*cb)(void *, const store_record_row *),
    void *ctx)
{
	store_filter f = { domain, 0, 0 };
	set_buf sb, *outer = scan_buf;
	scan_ctx sc;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.cb = cb;
	sc.ctx = ctx;
	memset(&sb, 0, sizeof(sb));
	sb.q = PG(s);
	for (int i = 0; i < SET_COLS; i++) {
		dbuf_init(&sb.col[i], (size_t)64 << 20);
		dbuf_addc(&sb.col[i], '{');
	}
	scan_buf = &sb;
	rc = s->ops->export_reports(s, &f, scan_report, &sc);
	scan_buf = outer;
	if (rc == STORE_OK)
		rc = set_flush(&sb);
	for (int i = 0; i < SET_COLS; i++)
		dbuf_free(&sb.col[i]);
	return rc;
}

int
pga_record_set(store *s, int64_t id, const store_record_analysis *an)
{
	pg_params p;

	if (scan_buf != NULL && scan_buf->q == PG(s))
		return set_add(scan_buf, id, an);

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, an->spf_cat);
	pg_p_int(&p, an->dkim_cat);
	pg_p_int(&p, an->dkim_signed_aligned);
	pg_p_int(&p, an->reporter_pass);
	pg_p_int(&p, an->mismatch);
	pg_p_int(&p, (int64_t)an->reasons_mask);
	pg_p_text(&p, an->spf_domain);
	pg_p_text(&p, an->spf_result);
	pg_p_text(&p, an->dkim_domain);
	pg_p_text(&p, an->dkim_result);
	pg_p_text(&p, an->dkim_pass_domains);
	pg_p_int(&p, an->sender_kind);
	if (an->sender_id > 0)
		pg_p_int(&p, an->sender_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, an->service);
	pg_p_int(&p, an->cls);
	pg_p_int(&p, an->path);
	pg_p_int(&p, an->expl);
	return pg_defer(PG(s), PGA_ANALYSIS, S_SET, ssql[S_SET], &p,
	    "updating a record's analysis");
}

