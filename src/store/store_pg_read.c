/*
 * store_pg_read.c - the PostgreSQL backend's quarantine ops and the core
 * read side (summary, export of reports and of one report's records): the
 * ports of store_sqlite.c's, same columns, same order, same meanings.
 *
 * The filtered reads (summary, export_reports) have one prepared statement
 * per combination of filter fields (domain, since, until), so each plans
 * with the indexes it can use.  export_records streams one report's records
 * with their reasons and auth results as one query, row by row.
 *
 * Exports (pg_priv.h): pgs_quarantine_add, pgs_quarantine_list,
 * pgs_quarantine_mark, pgs_quarantine_drop, pgs_summary, pgs_export_reports,
 * pgs_export_records.  Errors: STORE_ERR with q->err set.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

/* PGA_CORE slots from 40 on (store_pg.c has 0-39). */
enum {
	R_Q_ADD = 40, R_Q_MARK, R_Q_DROP, R_Q_LIST_OPEN, R_Q_LIST_ALL, R_SUM_QUAR, R_SUM_DUPS,
	R_SUM_RAW, R_EXP_RECORDS, R_Q_LOCK,
	R_SUMMARY = 60,		/* + filter mask (8) */
	R_EXPORT = 70		/* + filter mask (8) */
};

static void
now_param(pg_params *p)
{
	pg_p_int(p, (int64_t)time(NULL));
}

int
pgs_quarantine_add(store *s, int64_t raw_id, const char *reason)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	pg_p_text(&p, reason);
	now_param(&p);
	return pg_defer(PG(s), PGA_CORE, R_Q_ADD, "INSERT INTO quarantine(raw_id, reason, "
	    "created_at) VALUES ($1, $2, $3)", &p, "quarantining");
}

/*
 * A retry resolves the message's open entries and may add a new one in the
 * same transaction.  Two writers retrying the same message at once would
 * each miss the other's new entry (their snapshots predate its commit), so
 * the archive row is locked first: the second waits for the first to
 * commit and then, in a statement of its own, sees its entry.
 */
int
pgs_quarantine_mark(store *s, int64_t raw_id, int resolved)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	if (pg_defer(PG(s), PGA_CORE, R_Q_LOCK, "SELECT 1 FROM raw_messages WHERE id = $1 FOR UPDATE",
	    &p, "updating quarantine") != STORE_OK)
		return STORE_ERR;
	pg_p_int(&p, resolved);
	now_param(&p);
	return pg_defer(PG(s), PGA_CORE, R_Q_MARK, "UPDATE quarantine SET resolved = $2, "
	    "retried_at = $3 WHERE raw_id = $1 AND resolved = 0", &p, "updating quarantine");
}

int
pgs_quarantine_drop(store *s, int64_t id, const char *reason, int *dropped)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_text(&p, reason);
	now_param(&p);
	r = pg_exec(PG(s), PGA_CORE, R_Q_DROP, "UPDATE quarantine SET resolved = 1, "
	    "retried_at = $3, reason = reason || chr(10) || 'dropped: ' || $2::text "
	    "WHERE id = $1 AND resolved = 0", &p, "dropping a quarantine entry");
	if (r == NULL)
		return STORE_ERR;
	*dropped = strtoll(PQcmdTuples(r), NULL, 10) > 0;
	PQclear(r);
	return STORE_OK;
}

int
pgs_quarantine_list(store *s, int only_open, int (*cb)(void *, const store_qitem *), void *ctx)
{
	pg_store *q = PG(s);
	PGresult *r;

	if (only_open)
		r = pg_exec(q, PGA_CORE, R_Q_LIST_OPEN, "SELECT q.id, q.raw_id, q.created_at, "
		    "q.retried_at, q.reason, r.source, r.state, q.resolved FROM quarantine q "
		    "JOIN raw_messages r ON r.id = q.raw_id WHERE q.resolved = 0 ORDER BY q.id", NULL,
		    "listing quarantine");
	else
		r = pg_exec(q, PGA_CORE, R_Q_LIST_ALL, "SELECT q.id, q.raw_id, q.created_at, "
		    "q.retried_at, q.reason, r.source, r.state, q.resolved FROM quarantine q "
		    "JOIN raw_messages r ON r.id = q.raw_id ORDER BY q.id", NULL,
		    "listing quarantine");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_qitem it;

		it.id = pg_int(r, i, 0);
		it.raw_id = pg_int(r, i, 1);
		it.created_at = pg_int(r, i, 2);
		it.retried_at = pg_int(r, i, 3);
		it.reason = pg_str(r, i, 4);
		it.source = pg_str(r, i, 5);
		it.raw_state = pg_str(r, i, 6);
		it.resolved = (int)pg_int(r, i, 7);
		if (cb(ctx, &it) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

/* The filter's fields as a mask (1 domain, 2 since, 4 until), its WHERE
 * clause on reports r, and its parameters in that order. */
static int
filter_mask(const store_filter *f)
{
	if (f == NULL)
		return 0;
	return (f->domain != NULL ? 1 : 0) | (f->since != 0 ? 2 : 0) | (f->until != 0 ? 4 : 0);
}

static void
filter_where(dbuf *b, int mask)
{
	int n = 0;

	dbuf_addstr(b, " WHERE r.complete = 1");
	if (mask & 1)
		dbuf_printf(b, " AND r.policy_domain = $%d", ++n);
	if (mask & 2)
		dbuf_printf(b, " AND r.date_end >= $%d", ++n);
	if (mask & 4)
		dbuf_printf(b, " AND r.date_begin < $%d", ++n);
}

static void
filter_params(pg_params *p, const store_filter *f, int mask)
{
	pg_p_init(p);
	if (mask & 1)
		pg_p_text(p, f->domain);
	if (mask & 2)
		pg_p_int(p, f->since);
	if (mask & 4)
		pg_p_int(p, f->until);
}

static int
count(pg_store *q, int slot, const char *sqltext, int64_t *out)
{
	PGresult *r = pg_exec(q, PGA_CORE, slot, sqltext, NULL, "summary");

	if (r == NULL)
		return STORE_ERR;
	*out = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

int
pgs_summary(store *s, const store_filter *f, store_summary *out)
{
	pg_store *q = PG(s);
	int mask = filter_mask(f);
	pg_params p;
	PGresult *r;
	dbuf b;

	memset(out, 0, sizeof(*out));
	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT count(*), coalesce(sum(record_count), 0), "
	    "coalesce(sum(message_count), 0), count(DISTINCT policy_domain), "
	    "coalesce(min(date_begin), 0), coalesce(max(date_end), 0) FROM reports r");
	filter_where(&b, mask);
	filter_params(&p, f, mask);
	r = pg_exec(q, PGA_CORE, R_SUMMARY + mask, dbuf_cstr(&b), &p, "summary");
	dbuf_free(&b);
	if (r == NULL)
		return STORE_ERR;
	out->reports = pg_int(r, 0, 0);
	out->records = pg_int(r, 0, 1);
	out->messages = pg_int(r, 0, 2);
	out->domains = pg_int(r, 0, 3);
	out->first_begin = pg_int(r, 0, 4);
	out->last_end = pg_int(r, 0, 5);
	PQclear(r);
	if (count(q, R_SUM_QUAR, "SELECT count(*) FROM quarantine WHERE resolved = 0",
	    &out->quarantined) != STORE_OK ||
	    count(q, R_SUM_DUPS, "SELECT count(*) FROM duplicates", &out->duplicates) != STORE_OK ||
	    count(q, R_SUM_RAW, "SELECT count(*) FROM raw_messages", &out->raw_messages) !=
	    STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

static char *
col_dup(const PGresult *r, int row, int col)
{
	const char *v = pg_str(r, row, col);

	return v != NULL ? xstrdup(v) : NULL;
}

int
pgs_export_reports(store *s, const store_filter *f, int (*cb)(void *, const store_report_row *),
    void *ctx)
{
	pg_store *q = PG(s);
	int mask = filter_mask(f), stop = 0;
	pg_params p;
	PGresult *r;
	dbuf b;

	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT id, org_name, email, extra_contact_info, report_id, version, "
	    "schema, xml_namespace, generator, date_begin, date_end, policy_domain, p, sp, np, "
	    "adkim, aspf, pct, fo, testing, discovery_method, errors, warnings, extensions, "
	    "record_count, message_count, skipped_records, recovered, policy_count "
	    "FROM reports r");
	filter_where(&b, mask);
	dbuf_addstr(&b, " ORDER BY date_begin, id");
	filter_params(&p, f, mask);
	r = pg_exec(q, PGA_CORE, R_EXPORT + mask, dbuf_cstr(&b), &p, "export");
	dbuf_free(&b);
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r) && !stop; i++) {
		store_report_row row;
		dm_report *rep = &row.rep;
		const char *schema = pg_str(r, i, 6);

		dm_report_init(rep);
		row.id = pg_int(r, i, 0);
		rep->org_name = col_dup(r, i, 1);
		rep->email = col_dup(r, i, 2);
		rep->extra_contact_info = col_dup(r, i, 3);
		rep->report_id = col_dup(r, i, 4);
		rep->version = col_dup(r, i, 5);
		rep->schema = schema && strcmp(schema, "rfc9990") == 0 ? DM_SCHEMA_RFC9990 :
		    schema && strcmp(schema, "rfc7489") == 0 ? DM_SCHEMA_RFC7489 : DM_SCHEMA_DRAFT;
		rep->xml_namespace = col_dup(r, i, 7);
		rep->generator = col_dup(r, i, 8);
		rep->begin = pg_int(r, i, 9);
		rep->end = pg_int(r, i, 10);
		rep->policy.domain = col_dup(r, i, 11);
		rep->policy.p = dm_disp_parse(pg_str(r, i, 12));
		rep->policy.sp = dm_disp_parse(pg_str(r, i, 13));
		rep->policy.np = dm_disp_parse(pg_str(r, i, 14));
		rep->policy.adkim = dm_align_parse(pg_str(r, i, 15));
		rep->policy.aspf = dm_align_parse(pg_str(r, i, 16));
		rep->policy.pct = pg_isnull(r, i, 17) ? -1 : (int)pg_int(r, i, 17);
		rep->policy.fo = col_dup(r, i, 18);
		rep->policy.testing = col_dup(r, i, 19);
		rep->policy.discovery_method = col_dup(r, i, 20);
		row.errors_json = pg_str(r, i, 21);
		row.warnings_json = pg_str(r, i, 22);
		rep->extensions = col_dup(r, i, 23);
		rep->records = (uint64_t)pg_int(r, i, 24);
		rep->messages = (uint64_t)pg_int(r, i, 25);
		rep->skipped_records = (uint64_t)pg_int(r, i, 26);
		rep->recovered = (int)pg_int(r, i, 27);
		rep->policy_count = (int)pg_int(r, i, 28);
		stop = cb(ctx, &row);
		dm_report_free(rep);
	}
	PQclear(r);
	return stop < 0 ? STORE_ERR : STORE_OK;
}

/*
 * One report's records with their reasons, DKIM and SPF results, as one
 * query streamed row by row (single-row mode): the four kinds of rows in
 * one UNION ALL ordered by record id, then kind (0 the record, 1 reasons,
 * 2 DKIM, 3 SPF), then index, so a report of a million records is never
 * held whole.  Columns: kind, record id, index, then twelve texts.  The
 * callback must not use the store (the query is still running).
 */
static const char *const export_sql =
    "WITH rec AS (SELECT * FROM records WHERE policy_domain = "
    "(SELECT policy_domain FROM reports WHERE id = $1) AND report_id = $1) "
    "SELECT 0 AS k, id, 0::bigint AS idx, source_ip, ip_family::text, count::text, disposition, "
    "dkim, spf, raw_disposition, raw_dkim, raw_spf, header_from, envelope_from, envelope_to "
    "FROM rec "
    "UNION ALL SELECT 1, x.record_id, x.idx, x.type, x.raw_type, x.comment, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL FROM record_reasons x JOIN rec ON rec.id = x.record_id "
    "UNION ALL SELECT 2, x.record_id, x.idx, x.domain, x.selector, x.result, x.raw_result, "
    "x.human_result, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM auth_dkim x "
    "JOIN rec ON rec.id = x.record_id "
    "UNION ALL SELECT 3, x.record_id, x.idx, x.domain, x.scope, x.result, x.raw_result, "
    "x.human_result, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM auth_spf x "
    "JOIN rec ON rec.id = x.record_id "
    "ORDER BY 2, 1, 3";

/* Text of column c (3 = the first text), copied into the record's arena. */
static const char *
col(arena *a, const PGresult *r, int c)
{
	const char *v = pg_str(r, 0, c);

	return v != NULL ? arena_strndup(a, v, strlen(v)) : NULL;
}

static void
add_row(dm_record *rec, arena *a, const PGresult *r)
{
	int k = (int)pg_int(r, 0, 0);
	const char *v;

	if (k == 1 && rec->nreasons < DM_MAX_REASONS) {
		dm_reason *x = &rec->reasons[rec->nreasons++];

		x->type = dm_reason_parse(pg_str(r, 0, 3));
		x->raw_type = (v = col(a, r, 4)) != NULL ? v : col(a, r, 3);
		x->comment = col(a, r, 5);
	} else if (k == 2 && rec->ndkim < DM_MAX_DKIM) {
		dm_dkim *x = &rec->dkim_results[rec->ndkim++];

		x->domain = col(a, r, 3);
		x->selector = col(a, r, 4);
		x->result = dm_auth_parse(pg_str(r, 0, 5));
		x->raw_result = (v = col(a, r, 6)) != NULL ? v : col(a, r, 5);
		x->human_result = col(a, r, 7);
	} else if (k == 3 && rec->nspf < DM_MAX_SPF) {
		dm_spf *x = &rec->spf_results[rec->nspf++];

		x->domain = col(a, r, 3);
		x->scope = col(a, r, 4);
		x->result = dm_auth_parse(pg_str(r, 0, 5));
		x->raw_result = (v = col(a, r, 6)) != NULL ? v : col(a, r, 5);
		x->human_result = col(a, r, 7);
	}
}

static void
start_record(dm_record *rec, arena *a, const PGresult *r)
{
	const char *ip = pg_str(r, 0, 3), *v;

	arena_reset(a);
	memset(rec, 0, offsetof(dm_record, reasons));
	rec->nreasons = rec->ndkim = rec->nspf = 0;
	rec->store_id = pg_int(r, 0, 1);
	snprintf(rec->source_ip, sizeof(rec->source_ip), "%s", ip ? ip : "");
	rec->ip_family = (int)strtol(pg_str(r, 0, 4) ? pg_str(r, 0, 4) : "0", NULL, 10);
	rec->count = strtoull(pg_str(r, 0, 5) ? pg_str(r, 0, 5) : "0", NULL, 10);
	rec->disposition = dm_disp_parse(pg_str(r, 0, 6));
	rec->dkim = dm_verdict_parse(pg_str(r, 0, 7));
	rec->spf = dm_verdict_parse(pg_str(r, 0, 8));
	rec->raw_disposition = (v = col(a, r, 9)) != NULL ? v : col(a, r, 6);
	rec->raw_dkim = (v = col(a, r, 10)) != NULL ? v : col(a, r, 7);
	rec->raw_spf = (v = col(a, r, 11)) != NULL ? v : col(a, r, 8);
	rec->header_from = col(a, r, 12);
	rec->envelope_from = col(a, r, 13);
	rec->envelope_to = col(a, r, 14);
}

int
pgs_export_records(store *s, int64_t report_id, int (*cb)(void *, const dm_record *), void *ctx)
{
	static const char *const what = "export";
	pg_store *q = PG(s);
	dm_record *rec;
	char name[32];
	pg_params p;
	PGresult *r;
	arena a;
	int rc = STORE_OK, stop = 0, have = 0;

	if (pg_alive(q) != STORE_OK || (q->batch != NULL && pg_batch_flush(q) != STORE_OK) ||
	    pg_sync(q) != STORE_OK || pg_prepare(q, PGA_CORE, R_EXP_RECORDS, export_sql, what) !=
	    STORE_OK)
		return STORE_ERR;
	pg_p_init(&p);
	pg_p_int(&p, report_id);
	snprintf(name, sizeof(name), "a%d_%d", (int)PGA_CORE, R_EXP_RECORDS);
	if (!PQsendQueryPrepared(q->conn, name, p.n, p.v, NULL, NULL, 0))
		return pg_fail(q, what, NULL);
	if (!PQsetSingleRowMode(q->conn))
		rc = pg_fail(q, what, NULL);
	rec = xmalloc(sizeof(*rec));
	arena_init(&a, (size_t)64 << 20);
	/* every result is read, also after a failure or a stop */
	while ((r = PQgetResult(q->conn)) != NULL) {
		ExecStatusType t = PQresultStatus(r);

		if (t == PGRES_SINGLE_TUPLE && rc == STORE_OK && !stop) {
			if (pg_int(r, 0, 0) == 0) {
				if (have && (stop = cb(ctx, rec)) < 0)
					rc = STORE_ERR;
				start_record(rec, &a, r);
				have = 1;
			} else if (have && pg_int(r, 0, 1) == rec->store_id)
				add_row(rec, &a, r);
		} else if (t != PGRES_SINGLE_TUPLE && t != PGRES_TUPLES_OK && rc == STORE_OK)
			rc = pg_fail(q, what, r);
		PQclear(r);
	}
	if (rc == STORE_OK && have && !stop && cb(ctx, rec) < 0)
		rc = STORE_ERR;
	free(rec);
	arena_free(&a);
	return rc;
}
