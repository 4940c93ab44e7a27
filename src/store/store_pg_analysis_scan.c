/*
 * store_pg_analysis_scan.c - reanalysis on PostgreSQL (store_analysis.h's
 * records_scan and record_set_analysis; part of store_pg_analysis.c's ops):
 * the reports of a domain and their records, walked through the core's
 * export ops as on SQLite, and the analysis written back.  The export
 * streams a report's records (single-row mode: the store is busy until the
 * last one), so each report's records are collected (compactly: only the
 * reasons and auth results they have) before the callback sees them.
 *
 * Host facts: before a report's records go to the callback, the facts of
 * their source IPs are read in one statement, only for the IPs no earlier
 * report of the scan brought (pg_hostcache_more; host_facts then answers
 * from that table, found or not, as the ingest's batches do); the table is
 * emptied when the scan ends.
 *
 * Statements: PGA_ANALYSIS slots from S_BASE (store_pg_analysis.c numbers
 * its own from 0).  Writes are deferred (pg_defer).
 *
 * Exports: pga_records_scan, pga_record_set (pg_analysis.h).  Errors:
 * STORE_ERR with the handle's message set.
 */
#include <libpq-fe.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_analysis.h"
#include "pg_priv.h"
#include "store_analysis.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

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

/* A record as collected from the export stream: the fixed fields, and the
 * reasons and auth results it has (not the dm_record's full arrays). */
typedef struct crec {
	dm_record fixed;	/* arrays unused (counts kept) */
	dm_reason *reasons;
	dm_dkim *dkim;
	dm_spf *spf;
} crec;

typedef struct scan_ctx {
	store *s;
	int (*cb)(void *, const store_record_row *);
	void *ctx;
	store_record_row row;
	crec *recs;
	size_t n, cap;
	arena a;
	int oom;
	dm_record *scratch;
	const char **ips;	/* the collected records' source IPs */
	int ipcap;
} scan_ctx;

static const char *
keep(scan_ctx *sc, const char *v)
{
	const char *c;

	if (v == NULL)
		return NULL;
	if ((c = arena_strndup(&sc->a, v, strlen(v))) == NULL)
		sc->oom = 1;
	return c;
}

/* The export streams a report's records while its query runs: the store
 * cannot be used from its callback, so the records are collected first. */
static int
collect(void *ctx, const dm_record *rec)
{
	scan_ctx *sc = ctx;
	crec *c;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 256;
		sc->recs = xrealloc(sc->recs, sc->cap * sizeof(*sc->recs));
	}
	c = &sc->recs[sc->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->fixed.source_ip, rec->source_ip, sizeof(c->fixed.source_ip));
	c->fixed.ip_family = rec->ip_family;
	c->fixed.count = rec->count;
	c->fixed.disposition = rec->disposition;
	c->fixed.dkim = rec->dkim;
	c->fixed.spf = rec->spf;
	c->fixed.raw_disposition = keep(sc, rec->raw_disposition);
	c->fixed.raw_dkim = keep(sc, rec->raw_dkim);
	c->fixed.raw_spf = keep(sc, rec->raw_spf);
	c->fixed.header_from = keep(sc, rec->header_from);
	c->fixed.envelope_from = keep(sc, rec->envelope_from);
	c->fixed.envelope_to = keep(sc, rec->envelope_to);
	c->fixed.nreasons = rec->nreasons;
	c->fixed.ndkim = rec->ndkim;
	c->fixed.nspf = rec->nspf;
	c->fixed.store_id = rec->store_id;
	c->reasons = xcalloc((size_t)rec->nreasons + 1, sizeof(*c->reasons));
	for (int i = 0; i < rec->nreasons; i++) {
		c->reasons[i].type = rec->reasons[i].type;
		c->reasons[i].raw_type = keep(sc, rec->reasons[i].raw_type);
		c->reasons[i].comment = keep(sc, rec->reasons[i].comment);
	}
	c->dkim = xcalloc((size_t)rec->ndkim + 1, sizeof(*c->dkim));
	for (int i = 0; i < rec->ndkim; i++) {
		c->dkim[i].domain = keep(sc, rec->dkim_results[i].domain);
		c->dkim[i].selector = keep(sc, rec->dkim_results[i].selector);
		c->dkim[i].human_result = keep(sc, rec->dkim_results[i].human_result);
		c->dkim[i].raw_result = keep(sc, rec->dkim_results[i].raw_result);
		c->dkim[i].result = rec->dkim_results[i].result;
	}
	c->spf = xcalloc((size_t)rec->nspf + 1, sizeof(*c->spf));
	for (int i = 0; i < rec->nspf; i++) {
		c->spf[i].domain = keep(sc, rec->spf_results[i].domain);
		c->spf[i].scope = keep(sc, rec->spf_results[i].scope);
		c->spf[i].human_result = keep(sc, rec->spf_results[i].human_result);
		c->spf[i].raw_result = keep(sc, rec->spf_results[i].raw_result);
		c->spf[i].result = rec->spf_results[i].result;
	}
	return sc->oom ? -1 : 0;
}

static void
collected_free(scan_ctx *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->recs[i].reasons);
		free(sc->recs[i].dkim);
		free(sc->recs[i].spf);
	}
	sc->n = 0;
	arena_reset(&sc->a);
}

/* The host facts of the report's records, before the analysis asks for
 * them one by one: one read of the IPs earlier reports did not bring
 * (store_pg_hostcache.c), none when they all did. */
static int
hosts_ahead(scan_ctx *sc)
{
	int n = sc->n > (size_t)INT_MAX ? INT_MAX : (int)sc->n;

	if (n > sc->ipcap) {
		sc->ipcap = n;
		sc->ips = xrealloc(sc->ips, (size_t)n * sizeof(*sc->ips));
	}
	for (int i = 0; i < n; i++)
		sc->ips[i] = sc->recs[i].fixed.source_ip;
	return pg_hostcache_more(PG(sc->s), sc->ips, n);
}

/* The reports come from a full result: the callback may use the store. */
static int
scan_report(void *ctx, const store_report_row *r)
{
	scan_ctx *sc = ctx;
	int stop = 0;

	sc->row.report_id = r->id;
	sc->row.date_begin = r->rep.begin;
	sc->row.date_end = r->rep.end;
	sc->row.org_name = r->rep.org_name ? r->rep.org_name : r->rep.email;
	sc->row.report_ext_id = r->rep.report_id;
	sc->row.policy = &r->rep.policy;
	sc->row.rec = NULL;	/* the report marker: reports without records count too */
	if (sc->cb(sc->ctx, &sc->row) != 0)
		return 1;
	if (sc->s->ops->export_records(sc->s, r->id, collect, sc) != STORE_OK || sc->oom) {
		if (sc->oom)
			snprintf(PG(sc->s)->err, sizeof(PG(sc->s)->err),
			    "reanalysis: a report's records do not fit in memory");
		collected_free(sc);
		return -1;
	}
	if (hosts_ahead(sc) != STORE_OK) {
		collected_free(sc);
		return -1;
	}
	for (size_t i = 0; i < sc->n && !stop; i++) {
		crec *c = &sc->recs[i];
		dm_record *d = sc->scratch;

		*d = c->fixed;
		memcpy(d->reasons, c->reasons, (size_t)c->fixed.nreasons * sizeof(*c->reasons));
		memcpy(d->dkim_results, c->dkim, (size_t)c->fixed.ndkim * sizeof(*c->dkim));
		memcpy(d->spf_results, c->spf, (size_t)c->fixed.nspf * sizeof(*c->spf));
		sc->row.rec = d;
		stop = sc->cb(sc->ctx, &sc->row) != 0;
	}
	collected_free(sc);
	return stop ? 1 : 0;
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
	arena_init(&sc.a, (size_t)1 << 30);
	sc.scratch = xcalloc(1, sizeof(*sc.scratch));
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
	pg_hostcache_prefetch(PG(s), NULL, 0);	/* forget the domain's hosts */
	for (int i = 0; i < SET_COLS; i++)
		dbuf_free(&sb.col[i]);
	free(sc.recs);
	free(sc.ips);
	free(sc.scratch);
	arena_free(&sc.a);
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

