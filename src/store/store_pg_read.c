/*
 * store_pg_read.c - the PostgreSQL backend's quarantine ops and the core
 * read side (summary, export of reports and of one report's records): the
 * ports of store_sqlite.c's, same columns, same order, same meanings.
 *
 * The filtered reads (summary, export_reports) have one prepared statement
 * per combination of filter fields (domain, since, until), so each plans
 * with the indexes it can use.  export_records reads the records and their
 * reasons and auth results in record id order, merged as on SQLite.
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
#include "../util/dbuf.h"
#include "../util/log.h"

/* PGA_CORE slots from 40 on (store_pg.c has 0-39). */
enum {
	R_Q_ADD = 40, R_Q_MARK, R_Q_DROP, R_Q_LIST_OPEN, R_Q_LIST_ALL, R_SUM_QUAR, R_SUM_DUPS,
	R_SUM_RAW, R_EXP_RECORDS, R_EXP_REASONS, R_EXP_DKIM, R_EXP_SPF, R_Q_LOCK,
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

static PGresult *
report_query(pg_store *q, int slot, const char *sqltext, int64_t report_id)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, report_id);
	return pg_exec(q, PGA_CORE, slot, sqltext, &p, "export");
}

/* The raw text when stored, else the normalised one. */
static const char *
raw_or(const PGresult *r, int row, int raw, int norm)
{
	const char *v = pg_str(r, row, raw);

	return v != NULL ? v : pg_str(r, row, norm);
}

int
pgs_export_records(store *s, int64_t report_id, int (*cb)(void *, const dm_record *), void *ctx)
{
	pg_store *q = PG(s);
	PGresult *sr, *sx = NULL, *sd = NULL, *ss = NULL;
	int stop = 0, ix = 0, id_ = 0, is = 0, nx, nd, ns;
	dm_record *rec;

	sr = report_query(q, R_EXP_RECORDS, "SELECT id, source_ip, ip_family, count, disposition, "
	    "dkim, spf, raw_disposition, raw_dkim, raw_spf, header_from, envelope_from, "
	    "envelope_to, ndkim, nspf, nreasons FROM records "
	    "WHERE policy_domain = (SELECT policy_domain FROM reports WHERE id = $1) "
	    "AND report_id = $1 ORDER BY id", report_id);
	if (sr != NULL)
		sx = report_query(q, R_EXP_REASONS, "SELECT x.record_id, x.type, x.raw_type, "
		    "x.comment FROM record_reasons x JOIN records r ON r.id = x.record_id "
		    "WHERE r.policy_domain = (SELECT policy_domain FROM reports WHERE id = $1) "
		    "AND r.report_id = $1 ORDER BY r.id, x.idx", report_id);
	if (sx != NULL)
		sd = report_query(q, R_EXP_DKIM, "SELECT x.record_id, x.domain, x.selector, "
		    "x.result, x.raw_result, x.human_result FROM auth_dkim x JOIN records r "
		    "ON r.id = x.record_id WHERE r.policy_domain = (SELECT policy_domain FROM reports "
		    "WHERE id = $1) AND r.report_id = $1 ORDER BY r.id, x.idx", report_id);
	if (sd != NULL)
		ss = report_query(q, R_EXP_SPF, "SELECT x.record_id, x.domain, x.scope, x.result, "
		    "x.raw_result, x.human_result FROM auth_spf x JOIN records r "
		    "ON r.id = x.record_id WHERE r.policy_domain = (SELECT policy_domain FROM reports "
		    "WHERE id = $1) AND r.report_id = $1 ORDER BY r.id, x.idx", report_id);
	if (ss == NULL) {
		PQclear(sr);
		PQclear(sx);
		PQclear(sd);
		return STORE_ERR;
	}
	nx = PQntuples(sx);
	nd = PQntuples(sd);
	ns = PQntuples(ss);
	rec = xmalloc(sizeof(*rec));
	/* Merge join: the four results are in record id order.  Strings point
	 * into the results, alive until the end. */
	for (int i = 0; i < PQntuples(sr) && !stop; i++) {
		int64_t id = pg_int(sr, i, 0);
		const char *ip = pg_str(sr, i, 1);

		memset(rec, 0, offsetof(dm_record, reasons));
		rec->nreasons = rec->ndkim = rec->nspf = 0;
		rec->store_id = id;
		snprintf(rec->source_ip, sizeof(rec->source_ip), "%s", ip ? ip : "");
		rec->ip_family = (int)pg_int(sr, i, 2);
		rec->count = (uint64_t)pg_int(sr, i, 3);
		rec->disposition = dm_disp_parse(pg_str(sr, i, 4));
		rec->raw_disposition = raw_or(sr, i, 7, 4);
		rec->dkim = dm_verdict_parse(pg_str(sr, i, 5));
		rec->spf = dm_verdict_parse(pg_str(sr, i, 6));
		rec->raw_dkim = raw_or(sr, i, 8, 5);
		rec->raw_spf = raw_or(sr, i, 9, 6);
		rec->header_from = pg_str(sr, i, 10);
		rec->envelope_from = pg_str(sr, i, 11);
		rec->envelope_to = pg_str(sr, i, 12);
		for (; ix < nx && pg_int(sx, ix, 0) <= id; ix++) {
			dm_reason *x;

			if (pg_int(sx, ix, 0) < id || rec->nreasons >= DM_MAX_REASONS)
				continue;
			x = &rec->reasons[rec->nreasons++];
			x->type = dm_reason_parse(pg_str(sx, ix, 1));
			x->raw_type = raw_or(sx, ix, 2, 1);
			x->comment = pg_str(sx, ix, 3);
		}
		for (; id_ < nd && pg_int(sd, id_, 0) <= id; id_++) {
			dm_dkim *x;

			if (pg_int(sd, id_, 0) < id || rec->ndkim >= DM_MAX_DKIM)
				continue;
			x = &rec->dkim_results[rec->ndkim++];
			x->domain = pg_str(sd, id_, 1);
			x->selector = pg_str(sd, id_, 2);
			x->result = dm_auth_parse(pg_str(sd, id_, 3));
			x->raw_result = raw_or(sd, id_, 4, 3);
			x->human_result = pg_str(sd, id_, 5);
		}
		for (; is < ns && pg_int(ss, is, 0) <= id; is++) {
			dm_spf *x;

			if (pg_int(ss, is, 0) < id || rec->nspf >= DM_MAX_SPF)
				continue;
			x = &rec->spf_results[rec->nspf++];
			x->domain = pg_str(ss, is, 1);
			x->scope = pg_str(ss, is, 2);
			x->result = dm_auth_parse(pg_str(ss, is, 3));
			x->raw_result = raw_or(ss, is, 4, 3);
			x->human_result = pg_str(ss, is, 5);
		}
		stop = cb(ctx, rec);
	}
	free(rec);
	PQclear(sr);
	PQclear(sx);
	PQclear(sd);
	PQclear(ss);
	return stop < 0 ? STORE_ERR : STORE_OK;
}
