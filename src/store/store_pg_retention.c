/*
 * store_pg_retention.c - the PostgreSQL implementation of store_retention.h
 * (the port of store_sqlite_retention.c): counting and deleting what
 * retention drops, a batch at a time, inside the caller's transaction.
 *
 * Each batch is one statement (data-modifying WITH): the batch's reports
 * (or archived messages) are picked FOR UPDATE SKIP LOCKED, so two nodes
 * purging at once take different rows and count each once; their records,
 * the records' reasons and auth results go in the same statement, and the
 * duplicates that named a report keep their row with report_id NULL.  The
 * schema's foreign keys are enforced on PostgreSQL (SQLite's connection has
 * them off): the children go first, explicitly, so the cascades find nothing
 * left, and the NO ACTION check on duplicates sees them unlinked.
 *
 * Space: pg_database_size in bytes, as pages of 1 byte with no free pages
 * (PostgreSQL reuses the space of deleted rows after (auto)vacuum).
 * reclaim(full = 1) runs VACUUM FULL (rewrites every table, holding each
 * one's exclusive lock meanwhile; outside a transaction); full = 0 does
 * nothing: autovacuum makes the freed space reusable.
 *
 * Statements are prepared in the PGA_RETENTION area.  Text is ordered
 * COLLATE "C", as SQLite orders it.
 *
 * Exports: store_pg_retention_ops.  Errors: STORE_ERR with q->err set.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "store_retention.h"
#include "../util/log.h"

#define C_ "COLLATE \"C\""
/* An archived message (m) whose bytes may go: not gone yet, not in the middle
 * of its ingest, not waiting in the quarantine for a retry. */
#define KEEP_BYTES "m.codec <> 'purged' AND m.state <> 'pending' AND NOT EXISTS " \
	"(SELECT 1 FROM quarantine k WHERE k.raw_id = m.id AND k.resolved = 0)"
#define OLD_REPORTS "FROM reports r LEFT JOIN records x ON x.policy_domain = r.policy_domain AND " \
	"x.report_id = r.id WHERE r.date_begin < $1 AND r.date_end < $1 "
/* The batch's keys go in as arrays (= ANY (ARRAY(...))): index scans of
 * records_domain and of each child's primary key, whatever the planner
 * guesses of the batch's size.  X_IDS: the records the batch deleted. */
#define X_IDS "record_id = ANY (ARRAY(SELECT id FROM x))"

enum {
	R_COUNT_REP, R_COUNT_SAMPLES, R_COUNT_RAW, R_DOMAINS, R_PURGE, R_ROLLUP_DOMAINS,
	R_ROLLUP_CUT, R_SAMPLES_OLDEST, R_ARCHIVE, R_SPACE, R__COUNT
};

static const char *const rsql[R__COUNT] = {
	[R_COUNT_REP] = "SELECT count(DISTINCT r.id), count(x.id), coalesce(sum(x.count), 0) "
	    OLD_REPORTS,
	[R_COUNT_SAMPLES] = "SELECT count(*) FROM failure_reports WHERE sample_purged = 0 AND "
	    "arrival_time < $1",
	[R_COUNT_RAW] = "SELECT count(*), coalesce(sum(m.stored_size), 0) FROM raw_messages m "
	    "WHERE m.received_at < $1 AND " KEEP_BYTES,
	[R_DOMAINS] = "SELECT r.policy_domain, count(DISTINCT r.id), count(x.id), "
	    "coalesce(sum(x.count), 0) " OLD_REPORTS "GROUP BY r.policy_domain "
	    "ORDER BY r.policy_domain " C_,
	/* one batch: the reports, oldest first, with everything hanging on them;
	 * a row per report deleted, with its records and messages.  The batch's
	 * domain_summary rows are locked first, in domain order (l, which both
	 * deletes wait for): the triggers update them and the per-domain rollups
	 * row by row, and two purges whose batches share domains deadlocked when
	 * each took them in its own order. */
	[R_PURGE] = "WITH b AS (SELECT id, policy_domain, date_begin FROM reports "
	    "WHERE date_begin < $1 AND date_end < $1 ORDER BY date_begin, id LIMIT $2 "
	    "FOR UPDATE SKIP LOCKED), "
	    "l AS (SELECT policy_domain FROM domain_summary WHERE policy_domain = ANY (ARRAY("
	    "SELECT DISTINCT policy_domain FROM b)) ORDER BY policy_domain FOR UPDATE), "
	    "x AS (DELETE FROM records x WHERE x.policy_domain = ANY (ARRAY(SELECT DISTINCT "
	    "policy_domain FROM b)) AND x.report_id = ANY (ARRAY(SELECT id FROM b)) "
	    "AND (SELECT count(*) FROM l) >= 0 RETURNING x.id, x.report_id, x.count), "
	    "rr AS (DELETE FROM record_reasons WHERE " X_IDS "), "
	    "rd AS (DELETE FROM auth_dkim WHERE " X_IDS "), "
	    "rs AS (DELETE FROM auth_spf WHERE " X_IDS "), "
	    "xs AS (SELECT report_id, count(*) AS n, coalesce(sum(count), 0) AS m FROM x "
	    "GROUP BY report_id), "
	    "d AS (UPDATE duplicates SET report_id = NULL WHERE report_id = ANY (ARRAY(SELECT id "
	    "FROM b))), "
	    "r AS (DELETE FROM reports WHERE id = ANY (ARRAY(SELECT id FROM b)) AND "
	    "(SELECT count(*) FROM l) >= 0) "
	    "SELECT b.policy_domain, coalesce(xs.n, 0), coalesce(xs.m, 0) FROM b "
	    "LEFT JOIN xs ON xs.report_id = b.id ORDER BY b.date_begin, b.id",
	[R_ROLLUP_DOMAINS] = "SELECT policy_domain FROM (SELECT policy_domain FROM rollup_day "
	    "WHERE day < $1 UNION SELECT policy_domain FROM rollup_hours WHERE day < $1 UNION "
	    "SELECT policy_domain FROM rollup_src WHERE day < $1 UNION "
	    "SELECT policy_domain FROM rollup_org WHERE day < $1) u ORDER BY policy_domain " C_,
	[R_ROLLUP_CUT] = "WITH a AS (DELETE FROM rollup_day WHERE policy_domain = $1 AND day < $2), "
	    "b AS (DELETE FROM rollup_hours WHERE policy_domain = $1 AND day < $2), "
	    "c AS (DELETE FROM rollup_src WHERE policy_domain = $1 AND day < $2) "
	    "DELETE FROM rollup_org WHERE policy_domain = $1 AND day < $2",
	[R_SAMPLES_OLDEST] = "SELECT min(arrival_time) FROM failure_reports WHERE sample_purged = 0 "
	    "AND arrival_time < $1",
	[R_ARCHIVE] = "WITH b AS (SELECT m.id, m.stored_size FROM raw_messages m WHERE m.id > $2 AND "
	    "m.received_at < $1 AND " KEEP_BYTES " ORDER BY m.id LIMIT $3 FOR UPDATE SKIP LOCKED), "
	    "c AS (DELETE FROM raw_chunks WHERE raw_id IN (SELECT id FROM b)), "
	    "u AS (UPDATE raw_messages SET codec = 'purged', stored_size = 0 "
	    "WHERE id IN (SELECT id FROM b)) "
	    "SELECT id, stored_size FROM b ORDER BY id",
	[R_SPACE] = "SELECT pg_database_size(current_database())",
};

static PGresult *
rx(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_RETENTION, i, rsql[i], p, what);
}

static PGresult *
rx1(pg_store *q, int i, int64_t v, const char *what)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, v);
	return rx(q, i, &p, what);
}

/* ---- counting ----------------------------------------------------------------------- */

static int
rt_count(store *s, int64_t rbefore, int64_t sbefore, int64_t abefore, store_retention_count *out)
{
	pg_store *q = PG(s);
	PGresult *r;

	memset(out, 0, sizeof(*out));
	if (rbefore != 0) {
		if ((r = rx1(q, R_COUNT_REP, rbefore, "counting old reports")) == NULL)
			return STORE_ERR;
		out->reports = pg_int(r, 0, 0);
		out->records = pg_int(r, 0, 1);
		out->messages = pg_int(r, 0, 2);
		PQclear(r);
	}
	if (sbefore != 0) {
		if ((r = rx1(q, R_COUNT_SAMPLES, sbefore, "counting old samples")) == NULL)
			return STORE_ERR;
		out->samples = pg_int(r, 0, 0);
		PQclear(r);
	}
	if (abefore != 0) {
		if ((r = rx1(q, R_COUNT_RAW, abefore, "counting old archived messages")) == NULL)
			return STORE_ERR;
		out->raw_messages = pg_int(r, 0, 0);
		out->raw_bytes = pg_int(r, 0, 1);
		PQclear(r);
	}
	return STORE_OK;
}

static int
rt_count_domains(store *s, int64_t before,
    int (*cb)(void *, const char *, const store_retention_count *), void *ctx)
{
	PGresult *r = rx1(PG(s), R_DOMAINS, before, "counting old reports");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_retention_count c;
		const char *d = pg_str(r, i, 0);

		memset(&c, 0, sizeof(c));
		c.reports = pg_int(r, i, 1);
		c.records = pg_int(r, i, 2);
		c.messages = pg_int(r, i, 3);
		if (cb(ctx, d != NULL ? d : "", &c) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- aggregate reports ------------------------------------------------------------------ */

static int
rt_reports_purge(store *s, int64_t before, int limit, store_retention_count *done,
    int (*domain_cb)(void *, const char *), void *ctx)
{
	PGresult *r;
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, before);
	pg_p_int(&p, limit > 0 ? limit : 1);
	if ((r = rx(PG(s), R_PURGE, &p, "deleting old reports")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *d = pg_str(r, i, 0), *prev = i > 0 ? pg_str(r, i - 1, 0) : NULL;

		done->reports++;
		done->records += pg_int(r, i, 1);
		done->messages += pg_int(r, i, 2);
		if (d == NULL)
			d = "";
		if (domain_cb != NULL && (prev == NULL || strcmp(d, prev) != 0) && domain_cb(ctx, d) != 0)
			domain_cb = NULL;	/* the caller has heard enough */
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- rollups --------------------------------------------------------------------------------- */

static int
rt_rollup_domains(store *s, int64_t before_day, int (*cb)(void *, const char *), void *ctx)
{
	PGresult *r = rx1(PG(s), R_ROLLUP_DOMAINS, before_day, "finding early rollups");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0) != NULL ? pg_str(r, i, 0) : "") != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

static int
rt_rollup_cut(store *s, const char *domain, int64_t before_day)
{
	PGresult *r;
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, before_day);
	if ((r = rx(PG(s), R_ROLLUP_CUT, &p, "cutting rollups")) == NULL)
		return STORE_ERR;
	PQclear(r);
	return STORE_OK;
}

/*
 * The straddlers, as an_records_scan hands out a domain's records: through
 * the store's own export ops, as on SQLite.  The analysis's callback uses
 * the store (host facts, rollup upserts) while export_records may still be
 * streaming its query (single-row mode): so one report's records are
 * copied out first, and handed out once export_records has returned.
 */
typedef struct straddle_ctx {
	store *s;
	int (*cb)(void *, const store_record_row *);
	void *ctx;
	store_record_row row;
	dm_record *v;		/* the current report's records, copied */
	size_t n, cap;
} straddle_ctx;

static const char *
sdup(const char *p)
{
	return p != NULL ? xstrdup(p) : NULL;
}

static void
rec_free(dm_record *r)
{
	free((char *)r->raw_disposition);
	free((char *)r->raw_dkim);
	free((char *)r->raw_spf);
	free((char *)r->header_from);
	free((char *)r->envelope_from);
	free((char *)r->envelope_to);
	for (int i = 0; i < r->nreasons; i++) {
		free((char *)r->reasons[i].raw_type);
		free((char *)r->reasons[i].comment);
	}
	for (int i = 0; i < r->ndkim; i++) {
		free((char *)r->dkim_results[i].domain);
		free((char *)r->dkim_results[i].selector);
		free((char *)r->dkim_results[i].human_result);
		free((char *)r->dkim_results[i].raw_result);
	}
	for (int i = 0; i < r->nspf; i++) {
		free((char *)r->spf_results[i].domain);
		free((char *)r->spf_results[i].scope);
		free((char *)r->spf_results[i].human_result);
		free((char *)r->spf_results[i].raw_result);
	}
}

static int
straddle_record(void *ctx, const dm_record *rec)
{
	straddle_ctx *sc = ctx;
	dm_record *d;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 64;
		sc->v = xrealloc(sc->v, sc->cap * sizeof(*sc->v));
	}
	d = &sc->v[sc->n++];
	*d = *rec;
	d->raw_disposition = sdup(rec->raw_disposition);
	d->raw_dkim = sdup(rec->raw_dkim);
	d->raw_spf = sdup(rec->raw_spf);
	d->header_from = sdup(rec->header_from);
	d->envelope_from = sdup(rec->envelope_from);
	d->envelope_to = sdup(rec->envelope_to);
	for (int i = 0; i < rec->nreasons; i++) {
		d->reasons[i].raw_type = sdup(rec->reasons[i].raw_type);
		d->reasons[i].comment = sdup(rec->reasons[i].comment);
	}
	for (int i = 0; i < rec->ndkim; i++) {
		d->dkim_results[i].domain = sdup(rec->dkim_results[i].domain);
		d->dkim_results[i].selector = sdup(rec->dkim_results[i].selector);
		d->dkim_results[i].human_result = sdup(rec->dkim_results[i].human_result);
		d->dkim_results[i].raw_result = sdup(rec->dkim_results[i].raw_result);
	}
	for (int i = 0; i < rec->nspf; i++) {
		d->spf_results[i].domain = sdup(rec->spf_results[i].domain);
		d->spf_results[i].scope = sdup(rec->spf_results[i].scope);
		d->spf_results[i].human_result = sdup(rec->spf_results[i].human_result);
		d->spf_results[i].raw_result = sdup(rec->spf_results[i].raw_result);
	}
	return 0;
}

static int
straddle_report(void *ctx, const store_report_row *r)
{
	straddle_ctx *sc = ctx;
	int rc = 0;

	sc->row.report_id = r->id;
	sc->row.date_begin = r->rep.begin;
	sc->row.date_end = r->rep.end;
	sc->row.org_name = r->rep.org_name ? r->rep.org_name : r->rep.email;
	sc->row.report_ext_id = r->rep.report_id;
	sc->row.policy = &r->rep.policy;
	sc->row.rec = NULL;
	if (sc->cb(sc->ctx, &sc->row) != 0)
		return 1;
	sc->n = 0;
	if (sc->s->ops->export_records(sc->s, r->id, straddle_record, sc) != STORE_OK)
		rc = -1;
	for (size_t i = 0; i < sc->n; i++) {
		sc->row.rec = &sc->v[i];
		if (rc == 0 && sc->cb(sc->ctx, &sc->row) != 0)
			rc = 1;
		rec_free(&sc->v[i]);
	}
	sc->n = 0;
	return rc;
}

static int
rt_straddle_scan(store *s, const char *domain, int64_t before,
    int (*cb)(void *, const store_record_row *), void *ctx)
{
	store_filter f = { domain, 0, before };
	straddle_ctx sc;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.cb = cb;
	sc.ctx = ctx;
	if (before == 0)
		return STORE_OK;
	rc = s->ops->export_reports(s, &f, straddle_report, &sc);
	free(sc.v);
	return rc;
}

/* ---- failure samples -------------------------------------------------------------------------- */

static int
rt_samples_oldest(store *s, int64_t before, int64_t *oldest, int *found)
{
	PGresult *r;

	*found = 0;
	*oldest = 0;
	if ((r = rx1(PG(s), R_SAMPLES_OLDEST, before, "finding old samples")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0 && !pg_isnull(r, 0, 0)) {
		*oldest = pg_int(r, 0, 0);
		*found = 1;
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- archive ----------------------------------------------------------------------------------- */

static int
rt_archive_purge(store *s, int64_t before, int limit, int64_t *after_id,
    store_retention_count *done, int *more)
{
	PGresult *r;
	pg_params p;
	int n;

	*more = 0;
	if (limit <= 0)
		limit = 1;
	pg_p_init(&p);
	pg_p_int(&p, before);
	pg_p_int(&p, *after_id);
	pg_p_int(&p, limit);
	if ((r = rx(PG(s), R_ARCHIVE, &p, "dropping archived bytes")) == NULL)
		return STORE_ERR;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		done->raw_messages++;
		done->raw_bytes += pg_int(r, i, 1);
		*after_id = pg_int(r, i, 0);
	}
	PQclear(r);
	*more = n == limit;
	return STORE_OK;
}

/* ---- space ------------------------------------------------------------------------------------- */

static int
rt_space(store *s, store_space *out)
{
	PGresult *r;

	memset(out, 0, sizeof(*out));
	if ((r = rx(PG(s), R_SPACE, NULL, "measuring the database")) == NULL)
		return STORE_ERR;
	out->pages = pg_int(r, 0, 0);
	out->page_size = 1;
	PQclear(r);
	return STORE_OK;
}

static int
rt_reclaim(store *s, int full)
{
	return full ? pg_exec_text(PG(s), "VACUUM FULL", "vacuum") : STORE_OK;
}

const struct store_retention_ops store_pg_retention_ops = {
	.count = rt_count,
	.count_domains = rt_count_domains,
	.reports_purge = rt_reports_purge,
	.rollup_domains = rt_rollup_domains,
	.rollup_cut = rt_rollup_cut,
	.straddle_scan = rt_straddle_scan,
	.samples_oldest = rt_samples_oldest,
	.archive_purge = rt_archive_purge,
	.space = rt_space,
	.reclaim = rt_reclaim,
};
