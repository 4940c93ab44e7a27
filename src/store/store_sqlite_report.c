/*
 * store_sqlite_report.c - the SQLite backend's report inserts: a report
 * (or the existing one with the same identity), its records (through the
 * record batch of store_sqlite_batch.c), the finishing update with notes
 * and counts, and the duplicate events.  Moved out of store_sqlite.c
 * unchanged.
 *
 * Exports: sq_report_add, sq_record_add, sq_report_finish, sq_duplicate_add,
 * sq_raw_duplicate (sqlite_core.h), sq_bind_analysis (sqlite_priv.h).
 * Errors: STORE_ERR with q->err set (store_errmsg).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_core.h"
#include "store.h"
#include "../util/dbuf.h"
#include "../util/log.h"

/* JSON array of notes. */
static void
json_notes(dbuf *b, char *const *notes, int n, int dropped)
{
	dbuf_addc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_json_str(b, notes[i]);
	}
	if (dropped > 0)
		dbuf_printf(b, "%s\"... %d more notes not kept\"", n > 0 ? "," : "", dropped);
	dbuf_addc(b, ']');
}

int
sq_report_add(store *s, int64_t raw_id, const dm_report *r, int64_t *report_id,
    int64_t *dup_of)
{
	sq_store *q = SQ(s);
	char org[DM_KEY_LEN], rid[DM_KEY_LEN], dom[DM_KEY_LEN];
	sqlite3_stmt *st;
	const dm_policy *p = &r->policy;
	dbuf raw;
	int rc;

	*report_id = 0;
	*dup_of = 0;
	dm_report_key(r, org, rid, dom);
	st = stmt(q, S_REPORT_FIND);
	bind_text(st, 1, org);
	bind_text(st, 2, rid);
	bind_text(st, 3, dom);
	sqlite3_bind_int64(st, 4, r->begin);
	sqlite3_bind_int64(st, 5, r->end);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*dup_of = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "looking up the report");
	if (*dup_of != 0)
		return STORE_OK;

	/* Keep raw policy words that did not normalise cleanly. */
	dbuf_init(&raw, 4096);
	{
		const char *names[] = { "p", "sp", "np", "adkim", "aspf" };
		const char *raws[] = { p->raw_p, p->raw_sp, p->raw_np, p->raw_adkim, p->raw_aspf };
		const char *norm[] = { dm_disp_name(p->p), dm_disp_name(p->sp), dm_disp_name(p->np),
		    dm_align_name(p->adkim), dm_align_name(p->aspf) };
		int any = 0;

		for (int i = 0; i < 5; i++) {
			if (raws[i] == NULL || strcmp(raws[i], norm[i]) == 0)
				continue;
			dbuf_addstr(&raw, any ? "," : "{");
			dbuf_printf(&raw, "\"%s\":", names[i]);
			dbuf_json_str(&raw, raws[i]);
			any = 1;
		}
		if (any)
			dbuf_addc(&raw, '}');
	}

	st = stmt(q, S_REPORT_ADD);
	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, org);
	bind_text(st, 3, rid);
	bind_text(st, 4, dom);
	sqlite3_bind_int64(st, 5, r->begin);
	sqlite3_bind_int64(st, 6, r->end);
	bind_text(st, 7, r->org_name);
	bind_text(st, 8, r->email);
	bind_text(st, 9, r->extra_contact_info);
	bind_text(st, 10, r->report_id);
	bind_text(st, 11, r->version);
	bind_text(st, 12, dm_schema_name(r->schema));
	bind_text(st, 13, r->xml_namespace);
	bind_text(st, 14, r->generator);
	bind_text(st, 15, p->p ? dm_disp_name(p->p) : NULL);
	bind_text(st, 16, p->sp ? dm_disp_name(p->sp) : NULL);
	bind_text(st, 17, p->np ? dm_disp_name(p->np) : NULL);
	bind_text(st, 18, p->adkim ? dm_align_name(p->adkim) : NULL);
	bind_text(st, 19, p->aspf ? dm_align_name(p->aspf) : NULL);
	if (p->pct >= 0)
		sqlite3_bind_int(st, 20, p->pct);
	bind_text(st, 21, p->fo);
	bind_text(st, 22, p->testing);
	bind_text(st, 23, p->discovery_method);
	bind_text(st, 24, raw.len ? dbuf_cstr(&raw) : NULL);
	sqlite3_bind_int(st, 25, r->policy_count > 0 ? r->policy_count : 1);
	sqlite3_bind_int64(st, 26, (sqlite3_int64)time(NULL));
	rc = run(q, st, "storing the report");
	dbuf_free(&raw);
	if (rc != STORE_OK)
		return STORE_ERR;
	*report_id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

/* The raw text, only when it is not exactly the normalised name. */
void
sq_bind_analysis(sqlite3_stmt *st, int first, const store_record_analysis *an)
{
	int i = first;

	if (an == NULL)
		return;		/* all NULL: the column defaults apply */
	sqlite3_bind_int(st, i++, an->spf_cat);
	sqlite3_bind_int(st, i++, an->dkim_cat);
	sqlite3_bind_int(st, i++, an->dkim_signed_aligned);
	sqlite3_bind_int(st, i++, an->reporter_pass);
	sqlite3_bind_int(st, i++, an->mismatch);
	sqlite3_bind_int64(st, i++, an->reasons_mask);
	bind_text(st, i++, an->spf_domain);
	bind_text(st, i++, an->spf_result);
	bind_text(st, i++, an->dkim_domain);
	bind_text(st, i++, an->dkim_result);
	bind_text(st, i++, an->dkim_pass_domains);
	sqlite3_bind_int(st, i++, an->sender_kind);
	if (an->sender_id > 0)
		sqlite3_bind_int64(st, i, an->sender_id);
	i++;
	bind_text(st, i++, an->service);
	sqlite3_bind_int(st, i++, an->cls);
	sqlite3_bind_int(st, i++, an->path);
	sqlite3_bind_int(st, i, an->expl);
}

int
sq_record_add(store *s, int64_t report_id, const char *policy_domain, const dm_record *rec,
    const store_record_analysis *an)
{
	return sq_batch_record(SQ(s), report_id, policy_domain, rec, an);
}

int
sq_report_finish(store *s, int64_t report_id, const dm_report *r)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_REPORT_FINISH);
	dbuf e, w;
	int rc;

	dbuf_init(&e, 1 << 20);
	dbuf_init(&w, 1 << 20);
	json_notes(&e, r->errors, r->nerrors, 0);
	json_notes(&w, r->warnings, r->nwarnings, r->notes_dropped);
	sqlite3_bind_int64(st, 1, report_id);
	bind_text(st, 2, dbuf_cstr(&e));
	bind_text(st, 3, dbuf_cstr(&w));
	bind_text(st, 4, r->extensions);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->records);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->messages);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->skipped_records);
	sqlite3_bind_int(st, 8, r->recovered);
	bind_text(st, 9, dm_schema_name(r->schema));
	rc = run(q, st, "finishing the report");
	dbuf_free(&e);
	dbuf_free(&w);
	return rc;
}

int
sq_duplicate_add(store *s, int64_t raw_id, int64_t report_id, const char *source)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_DUP_ADD);

	sqlite3_bind_int64(st, 1, raw_id);
	if (report_id > 0)
		sqlite3_bind_int64(st, 2, report_id);
	bind_text(st, 3, source);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	return run(q, st, "counting a duplicate");
}

int
sq_raw_duplicate(store *s, int64_t raw_id, const char *source, int64_t *n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_DUP);

	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, source);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (run(q, st, "counting duplicates") != STORE_OK)
		return STORE_ERR;
	*n = sqlite3_changes(q->db);
	{
		int64_t nk = 0;

		if (sq_kinds_raw_duplicate(q, raw_id, source, &nk) != STORE_OK)
			return STORE_ERR;
		*n += nk;
	}
	if (*n == 0) {
		*n = 1;
		return sq_duplicate_add(s, raw_id, 0, source);
	}
	return STORE_OK;
}
