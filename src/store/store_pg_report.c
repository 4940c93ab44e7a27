/*
 * store_pg_report.c - the PostgreSQL backend's report writes: report_add
 * (the identity's unique constraint decides the duplicate), record_add (into
 * the batch, store_pg_batch.c), report_finish, duplicate_add and
 * raw_duplicate; ports of store_sqlite.c's, same values in the same columns.
 *
 * Exports (pg_priv.h): pgs_report_add, pgs_record_add, pgs_report_finish,
 * pgs_duplicate_add, pgs_raw_duplicate.  Errors: STORE_ERR with q->err set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "../util/dbuf.h"
#include "../util/log.h"

/* The kinds' duplicates follow the archive (store_pg_kinds.c); weak until
 * that file is linked in. */
extern int pg_kinds_raw_duplicate(pg_store *q, int64_t raw_id, const char *source, int64_t *n)
    __attribute__((weak));

/* PGA_CORE slots 20-39 (store_pg.c has 0-19, store_pg_read.c 40 on). */
enum { C_REPORT_ADD = 20, C_REPORT_FIND, C_REPORT_FINISH, C_DUP_ADD, C_RAW_DUP };

static void
now_param(pg_params *p)
{
	pg_p_int(p, (int64_t)time(NULL));
}

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

/* Raw policy words that did not normalise cleanly, as a JSON object. */
static void
policy_raw(dbuf *raw, const dm_policy *p)
{
	const char *names[] = { "p", "sp", "np", "adkim", "aspf" };
	const char *raws[] = { p->raw_p, p->raw_sp, p->raw_np, p->raw_adkim, p->raw_aspf };
	const char *norm[] = { dm_disp_name(p->p), dm_disp_name(p->sp), dm_disp_name(p->np),
	    dm_align_name(p->adkim), dm_align_name(p->aspf) };
	int any = 0;

	for (int i = 0; i < 5; i++) {
		if (raws[i] == NULL || strcmp(raws[i], norm[i]) == 0)
			continue;
		dbuf_addstr(raw, any ? "," : "{");
		dbuf_printf(raw, "\"%s\":", names[i]);
		dbuf_json_str(raw, raws[i]);
		any = 1;
	}
	if (any)
		dbuf_addc(raw, '}');
}

/*
 * The identity's unique constraint decides: the insert does nothing when
 * the report exists (waiting for a concurrent writer of the same report to
 * commit or roll back), and then the existing row is the duplicate.
 */
int
pgs_report_add(store *s, int64_t raw_id, const dm_report *r, int64_t *report_id,
    int64_t *dup_of)
{
	pg_store *q = PG(s);
	char org[DM_KEY_LEN], rid[DM_KEY_LEN], dom[DM_KEY_LEN];
	const dm_policy *pol = &r->policy;
	pg_params p;
	PGresult *res;
	dbuf raw;

	*report_id = 0;
	*dup_of = 0;
	dm_report_key(r, org, rid, dom);
	dbuf_init(&raw, 4096);
	policy_raw(&raw, pol);
	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	pg_p_text(&p, org);
	pg_p_text(&p, rid);
	pg_p_text(&p, dom);
	pg_p_int(&p, r->begin);
	pg_p_int(&p, r->end);
	pg_p_text(&p, r->org_name);
	pg_p_text(&p, r->email);
	pg_p_text(&p, r->extra_contact_info);
	pg_p_text(&p, r->report_id);
	pg_p_text(&p, r->version);
	pg_p_text(&p, dm_schema_name(r->schema));
	pg_p_text(&p, r->xml_namespace);
	pg_p_text(&p, r->generator);
	pg_p_text(&p, pol->p ? dm_disp_name(pol->p) : NULL);
	pg_p_text(&p, pol->sp ? dm_disp_name(pol->sp) : NULL);
	pg_p_text(&p, pol->np ? dm_disp_name(pol->np) : NULL);
	pg_p_text(&p, pol->adkim ? dm_align_name(pol->adkim) : NULL);
	pg_p_text(&p, pol->aspf ? dm_align_name(pol->aspf) : NULL);
	if (pol->pct >= 0)
		pg_p_int(&p, pol->pct);
	else
		pg_p_null(&p);
	pg_p_text(&p, pol->fo);
	pg_p_text(&p, pol->testing);
	pg_p_text(&p, pol->discovery_method);
	pg_p_text(&p, raw.len ? dbuf_cstr(&raw) : NULL);
	pg_p_int(&p, r->policy_count > 0 ? r->policy_count : 1);
	now_param(&p);
	res = pg_exec(q, PGA_CORE, C_REPORT_ADD, "INSERT INTO reports(raw_id, org_key, "
	    "report_id_key, policy_domain, date_begin, date_end, org_name, email, "
	    "extra_contact_info, report_id, version, schema, xml_namespace, generator, p, sp, np, "
	    "adkim, aspf, pct, fo, testing, discovery_method, policy_raw, policy_count, "
	    "ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
	    "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) "
	    "ON CONFLICT (org_key, report_id_key, policy_domain, date_begin, date_end) DO NOTHING "
	    "RETURNING id", &p, "storing the report");
	dbuf_free(&raw);
	if (res == NULL)
		return STORE_ERR;
	if (PQntuples(res) == 1) {
		*report_id = pg_int(res, 0, 0);
		PQclear(res);
		return STORE_OK;
	}
	PQclear(res);
	pg_p_init(&p);
	pg_p_text(&p, org);
	pg_p_text(&p, rid);
	pg_p_text(&p, dom);
	pg_p_int(&p, r->begin);
	pg_p_int(&p, r->end);
	res = pg_exec(q, PGA_CORE, C_REPORT_FIND, "SELECT id FROM reports WHERE org_key = $1 AND "
	    "report_id_key = $2 AND policy_domain = $3 AND date_begin = $4 AND date_end = $5", &p,
	    "looking up the report");
	if (res == NULL)
		return STORE_ERR;
	*dup_of = pg_int(res, 0, 0);
	PQclear(res);
	if (*dup_of == 0) {
		snprintf(q->err, sizeof(q->err), "storing the report: identity taken, then gone");
		return STORE_ERR;
	}
	return STORE_OK;
}

int
pgs_record_add(store *s, int64_t report_id, const char *policy_domain, const dm_record *rec,
    const store_record_analysis *an)
{
	return pg_batch_record(PG(s), report_id, policy_domain, rec, an);
}

int
pgs_report_finish(store *s, int64_t report_id, const dm_report *r)
{
	pg_params p;
	dbuf e, w;
	int rc;

	dbuf_init(&e, 1 << 20);
	dbuf_init(&w, 1 << 20);
	json_notes(&e, r->errors, r->nerrors, 0);
	json_notes(&w, r->warnings, r->nwarnings, r->notes_dropped);
	pg_p_init(&p);
	pg_p_int(&p, report_id);
	pg_p_text(&p, dbuf_cstr(&e));
	pg_p_text(&p, dbuf_cstr(&w));
	pg_p_text(&p, r->extensions);
	pg_p_int(&p, (int64_t)r->records);
	pg_p_int(&p, (int64_t)r->messages);
	pg_p_int(&p, (int64_t)r->skipped_records);
	pg_p_int(&p, r->recovered);
	pg_p_text(&p, dm_schema_name(r->schema));
	rc = pg_defer(PG(s), PGA_CORE, C_REPORT_FINISH, "UPDATE reports SET errors = $2, "
	    "warnings = $3, extensions = $4, record_count = $5, message_count = $6, "
	    "skipped_records = $7, recovered = $8, schema = $9, complete = 1 WHERE id = $1", &p,
	    "finishing the report");
	dbuf_free(&e);
	dbuf_free(&w);
	return rc;
}

int
pgs_duplicate_add(store *s, int64_t raw_id, int64_t report_id, const char *source)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	if (report_id > 0)
		pg_p_int(&p, report_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, source);
	now_param(&p);
	return pg_defer(PG(s), PGA_CORE, C_DUP_ADD, "INSERT INTO duplicates(raw_id, report_id, "
	    "source, seen_at) VALUES ($1, $2, $3, $4)", &p, "counting a duplicate");
}

int
pgs_raw_duplicate(store *s, int64_t raw_id, const char *source, int64_t *n)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	pg_p_text(&p, source);
	now_param(&p);
	r = pg_exec(q, PGA_CORE, C_RAW_DUP, "INSERT INTO duplicates(raw_id, report_id, source, "
	    "seen_at) SELECT $1::bigint, id, $2::text, $3::bigint FROM reports WHERE raw_id = $1",
	    &p, "counting duplicates");
	if (r == NULL)
		return STORE_ERR;
	*n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	if (pg_kinds_raw_duplicate != NULL) {
		int64_t nk = 0;

		if (pg_kinds_raw_duplicate(q, raw_id, source, &nk) != STORE_OK)
			return STORE_ERR;
		*n += nk;
	}
	if (*n == 0) {
		*n = 1;
		return pgs_duplicate_add(s, raw_id, 0, source);
	}
	return STORE_OK;
}
