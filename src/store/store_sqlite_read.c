/*
 * store_sqlite_read.c - the SQLite backend's read side: the summary
 * counts for a filter, and the exports of reports and of one report's
 * records with their auth results and reasons.  Moved out of store_sqlite.c
 * unchanged.
 *
 * Exports: sq_summary, sq_export_reports, sq_export_records (sqlite_core.h).
 * Rows handed to callbacks (and their strings) live only during the call.
 * Errors: STORE_ERR with q->err set (store_errmsg).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_core.h"
#include "store.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

/* WHERE clause for a filter on the reports table (alias r). */
static void
filter_where(dbuf *b, const store_filter *f)
{
	dbuf_addstr(b, " WHERE r.complete = 1");
	if (f == NULL)
		return;
	if (f->domain != NULL)
		dbuf_addstr(b, " AND r.policy_domain = ?1");
	if (f->since != 0)
		dbuf_addstr(b, " AND r.date_end >= ?2");
	if (f->until != 0)
		dbuf_addstr(b, " AND r.date_begin < ?3");
}

static void
filter_bind(sqlite3_stmt *st, const store_filter *f)
{
	if (f == NULL)
		return;
	if (f->domain != NULL)
		sqlite3_bind_text(st, 1, f->domain, -1, SQLITE_STATIC);
	if (f->since != 0)
		sqlite3_bind_int64(st, 2, f->since);
	if (f->until != 0)
		sqlite3_bind_int64(st, 3, f->until);
}

static int
scalar(sq_store *q, const char *text, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(q->db, text, -1, &st, NULL) != SQLITE_OK)
		return fail(q, "summary");
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : fail(q, "summary");
}

int
sq_summary(store *s, const store_filter *f, store_summary *out)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	dbuf b;
	int rc;

	memset(out, 0, sizeof(*out));
	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT count(*), coalesce(sum(record_count), 0), "
	    "coalesce(sum(message_count), 0), count(DISTINCT policy_domain), "
	    "coalesce(min(date_begin), 0), coalesce(max(date_end), 0) FROM reports r");
	filter_where(&b, f);
	rc = sqlite3_prepare_v2(q->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return fail(q, "summary");
	filter_bind(st, f);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->reports = sqlite3_column_int64(st, 0);
		out->records = sqlite3_column_int64(st, 1);
		out->messages = sqlite3_column_int64(st, 2);
		out->domains = sqlite3_column_int64(st, 3);
		out->first_begin = sqlite3_column_int64(st, 4);
		out->last_end = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (scalar(q, "SELECT count(*) FROM quarantine WHERE resolved = 0",
	    &out->quarantined) != STORE_OK ||
	    scalar(q, "SELECT count(*) FROM duplicates", &out->duplicates) != STORE_OK ||
	    scalar(q, "SELECT count(*) FROM raw_messages", &out->raw_messages) != STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

int
sq_export_reports(store *s, const store_filter *f, int (*cb)(void *, const store_report_row *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	dbuf b;
	int rc, stop = 0;

	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT id, org_name, email, extra_contact_info, report_id, version, "
	    "schema, xml_namespace, generator, date_begin, date_end, policy_domain, p, sp, np, "
	    "adkim, aspf, pct, fo, testing, discovery_method, errors, warnings, extensions, "
	    "record_count, message_count, skipped_records, recovered, policy_count "
	    "FROM reports r");
	filter_where(&b, f);
	dbuf_addstr(&b, " ORDER BY date_begin, id");
	rc = sqlite3_prepare_v2(q->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return fail(q, "export");
	filter_bind(st, f);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_report_row row;
		dm_report *r = &row.rep;
		const char *schema;

		dm_report_init(r);
		row.id = sqlite3_column_int64(st, 0);
		r->org_name = col_dup(st, 1);
		r->email = col_dup(st, 2);
		r->extra_contact_info = col_dup(st, 3);
		r->report_id = col_dup(st, 4);
		r->version = col_dup(st, 5);
		schema = (const char *)sqlite3_column_text(st, 6);
		r->schema = schema && strcmp(schema, "rfc9990") == 0 ? DM_SCHEMA_RFC9990 :
		    schema && strcmp(schema, "rfc7489") == 0 ? DM_SCHEMA_RFC7489 :
		    DM_SCHEMA_DRAFT;
		r->xml_namespace = col_dup(st, 7);
		r->generator = col_dup(st, 8);
		r->begin = sqlite3_column_int64(st, 9);
		r->end = sqlite3_column_int64(st, 10);
		r->policy.domain = col_dup(st, 11);
		r->policy.p = dm_disp_parse((const char *)sqlite3_column_text(st, 12));
		r->policy.sp = dm_disp_parse((const char *)sqlite3_column_text(st, 13));
		r->policy.np = dm_disp_parse((const char *)sqlite3_column_text(st, 14));
		r->policy.adkim = dm_align_parse((const char *)sqlite3_column_text(st, 15));
		r->policy.aspf = dm_align_parse((const char *)sqlite3_column_text(st, 16));
		r->policy.pct = sqlite3_column_type(st, 17) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 17);
		r->policy.fo = col_dup(st, 18);
		r->policy.testing = col_dup(st, 19);
		r->policy.discovery_method = col_dup(st, 20);
		row.errors_json = (const char *)sqlite3_column_text(st, 21);
		row.warnings_json = (const char *)sqlite3_column_text(st, 22);
		r->extensions = col_dup(st, 23);
		r->records = (uint64_t)sqlite3_column_int64(st, 24);
		r->messages = (uint64_t)sqlite3_column_int64(st, 25);
		r->skipped_records = (uint64_t)sqlite3_column_int64(st, 26);
		r->recovered = sqlite3_column_int(st, 27);
		r->policy_count = sqlite3_column_int(st, 28);
		stop = cb(ctx, &row);
		dm_report_free(r);
	}
	sqlite3_finalize(st);
	if (stop < 0)
		return STORE_ERR;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : fail(q, "export");
}

#define T(st, i) ((const char *)sqlite3_column_text((st), (i)))

static const char *
adup(arena *a, const char *s)
{
	return s != NULL ? arena_strndup(a, s, strlen(s)) : NULL;
}

int
sq_export_records(store *s, int64_t report_id, int (*cb)(void *, const dm_record *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *sr = stmt(q, S_EXPORT_RECORDS), *sx = stmt(q, S_EXPORT_REASONS);
	sqlite3_stmt *sd = stmt(q, S_EXPORT_DKIM), *ss = stmt(q, S_EXPORT_SPF);
	int rc, rx, rd, rs, stop = 0;
	dm_record *rec = xmalloc(sizeof(*rec));
	arena a;

	arena_init(&a, (size_t)64 << 20);
	sqlite3_bind_int64(sr, 1, report_id);
	sqlite3_bind_int64(sx, 1, report_id);
	sqlite3_bind_int64(sd, 1, report_id);
	sqlite3_bind_int64(ss, 1, report_id);
	/* Merge join: all four cursors walk in record id order.  Texts from the
	 * side cursors are copied into the arena before those cursors step. */
	rx = sqlite3_step(sx);
	rd = sqlite3_step(sd);
	rs = sqlite3_step(ss);
	while (!stop && (rc = sqlite3_step(sr)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sr, 0);
		const char *v;

		arena_reset(&a);
		memset(rec, 0, offsetof(dm_record, reasons));
		rec->nreasons = rec->ndkim = rec->nspf = 0;
		rec->store_id = id;
		snprintf(rec->source_ip, sizeof(rec->source_ip), "%s", T(sr, 1) ? T(sr, 1) : "");
		rec->ip_family = sqlite3_column_int(sr, 2);
		rec->count = (uint64_t)sqlite3_column_int64(sr, 3);
		rec->disposition = dm_disp_parse(T(sr, 4));
		rec->raw_disposition = (v = T(sr, 7)) ? v : T(sr, 4);
		rec->dkim = dm_verdict_parse(T(sr, 5));
		rec->spf = dm_verdict_parse(T(sr, 6));
		rec->raw_dkim = (v = T(sr, 8)) ? v : T(sr, 5);
		rec->raw_spf = (v = T(sr, 9)) ? v : T(sr, 6);
		rec->header_from = T(sr, 10);
		rec->envelope_from = T(sr, 11);
		rec->envelope_to = T(sr, 12);
		for (; rx == SQLITE_ROW && sqlite3_column_int64(sx, 0) <= id; rx = sqlite3_step(sx)) {
			dm_reason *x;

			if (sqlite3_column_int64(sx, 0) < id || rec->nreasons >= DM_MAX_REASONS)
				continue;
			x = &rec->reasons[rec->nreasons++];
			x->type = dm_reason_parse(T(sx, 1));
			x->raw_type = adup(&a, (v = T(sx, 2)) ? v : T(sx, 1));
			x->comment = adup(&a, T(sx, 3));
		}
		for (; rd == SQLITE_ROW && sqlite3_column_int64(sd, 0) <= id; rd = sqlite3_step(sd)) {
			dm_dkim *x;

			if (sqlite3_column_int64(sd, 0) < id || rec->ndkim >= DM_MAX_DKIM)
				continue;
			x = &rec->dkim_results[rec->ndkim++];
			x->domain = adup(&a, T(sd, 1));
			x->selector = adup(&a, T(sd, 2));
			x->result = dm_auth_parse(T(sd, 3));
			x->raw_result = adup(&a, (v = T(sd, 4)) ? v : T(sd, 3));
			x->human_result = adup(&a, T(sd, 5));
		}
		for (; rs == SQLITE_ROW && sqlite3_column_int64(ss, 0) <= id; rs = sqlite3_step(ss)) {
			dm_spf *x;

			if (sqlite3_column_int64(ss, 0) < id || rec->nspf >= DM_MAX_SPF)
				continue;
			x = &rec->spf_results[rec->nspf++];
			x->domain = adup(&a, T(ss, 1));
			x->scope = adup(&a, T(ss, 2));
			x->result = dm_auth_parse(T(ss, 3));
			x->raw_result = adup(&a, (v = T(ss, 4)) ? v : T(ss, 3));
			x->human_result = adup(&a, T(ss, 5));
		}
		stop = cb(ctx, rec);
	}
	sqlite3_reset(sr);
	sqlite3_reset(sx);
	sqlite3_reset(sd);
	sqlite3_reset(ss);
	free(rec);
	arena_free(&a);
	if (stop < 0)
		return STORE_ERR;
	return stop || rc == SQLITE_DONE ? STORE_OK : fail(q, "export");
}
