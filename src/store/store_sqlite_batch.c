/*
 * store_sqlite_batch.c - records, their auth results and the day and source
 * rollups are written in multi-row INSERTs (upserts for the rollups) of up
 * to BATCH rows instead of one statement per row.
 *
 * A statement's fixed cost (cursor set-up, halt, reset, bindings cleared)
 * was a third of what the ingest writer spent per record.  record_add now
 * copies the row into the batch (strings into an arena) and returns; the
 * batch is written when it is full, and before any other statement runs on
 * the connection (sq_batch_flush is called by stmt(), sq_prep() and
 * sq_exec()), so every read, savepoint and commit sees every record added
 * before it.  (sq_prep_nobatch, for statements that never touch records,
 * does not flush: the per-record host lookup uses it.)
 *
 * Record ids are given explicitly (max(id) + 1 onwards, looked up once per
 * transaction: inside a write transaction nobody else can insert), so auth
 * rows can name their record before it is written.  The id counter is
 * forgotten whenever a transaction ends or a savepoint is rolled back
 * (sq_batch_forget, sq_batch_discard: pending rows are then dropped).
 *
 * In a grouped transaction (q->stage) the rollup rows go to the stage
 * tables of store_sqlite_stage.c instead, plain INSERTs.
 *
 * Errors: a failed flush leaves its message in q->err and sets
 * q->batch_err; the next sq_run() returns STORE_ERR (so the savepoint or
 * commit that triggered the flush fails, and the caller rolls back).
 *
 * Exports (sqlite_priv.h): sq_batch_record, sq_batch_day, sq_batch_src,
 * sq_batch_flush, sq_batch_forget, sq_batch_discard, sq_batch_free.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define BATCH 16		/* rows per INSERT */
#define AUTH_CAP (4 * BATCH + DM_MAX_DKIM)	/* auth rows held (each kind) */

enum { T_REC, T_REASON, T_DKIM, T_SPF, T_DAY, T_SRC, T_STAGE_DAY, T_STAGE_SRC, T__COUNT };
#define NROLL 2			/* T_DAY, T_SRC: rollup upserts */
#define ROLL_COLS 12

typedef struct brec {
	int64_t id, report_id, count;
	const char *v[11];	/* domain, ip, disp, dkim, spf, raw x3, from x3 */
	int family, ndkim, nspf, nreasons;
	int has_an;
	store_record_analysis an;
} brec;

/* A rollup row: the columns in table order; types from tables[].types. */
typedef union bval {
	int64_t i;
	const char *s;
} bval;

typedef struct bauth {
	int64_t rid;
	int idx;
	const char *v[5];
} bauth;

struct sq_batch {
	int64_t next_id;	/* 0: look it up */
	brec rec[BATCH];
	int nrec;
	bauth auth[3][AUTH_CAP];	/* reasons, dkim, spf */
	int nauth[3];
	bval roll[NROLL][BATCH][ROLL_COLS];	/* rollup_day, rollup_src */
	int nroll[NROLL];
	arena strings;
	sqlite3_stmt *st[T__COUNT][BATCH + 1];	/* per table and row count */
};

static const struct {
	const char *head;	/* INSERT ... VALUES */
	const char *row;	/* one row's placeholders */
	int ncols;
	const char *types;	/* rollups: 's' text or 'i' integer per column */
	const char *tail;	/* rollups: the upsert clause */
} tables[T__COUNT] = {
	[T_REC] = { "INSERT OR FAIL INTO records(id, report_id, policy_domain, source_ip, ip_family, "
	    "count, disposition, dkim, spf, raw_disposition, raw_dkim, raw_spf, header_from, "
	    "envelope_from, envelope_to, ndkim, nspf, nreasons, spf_cat, dkim_cat, "
	    "dkim_signed_aligned, reporter_pass, mismatch, reasons_mask, spf_domain, spf_result, "
	    "dkim_domain, dkim_result, dkim_pass_domains, sender_kind, sender_id, service, cls, "
	    "path, expl) VALUES ",
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, 2), "
	    "coalesce(?, 2), coalesce(?, 0), coalesce(?, 0), coalesce(?, 0), coalesce(?, 0), "
	    "?, ?, ?, ?, ?, coalesce(?, 0), ?, ?, coalesce(?, 3), coalesce(?, 5), coalesce(?, 0))",
	    35 },
	[T_REASON] = { "INSERT OR FAIL INTO record_reasons(record_id, idx, type, raw_type, comment) "
	    "VALUES ", "(?, ?, ?, ?, ?)", 5 },
	[T_DKIM] = { "INSERT OR FAIL INTO auth_dkim(record_id, idx, domain, selector, result, "
	    "raw_result, human_result) VALUES ", "(?, ?, ?, ?, ?, ?, ?)", 7 },
	[T_SPF] = { "INSERT OR FAIL INTO auth_spf(record_id, idx, domain, scope, result, raw_result, "
	    "human_result) VALUES ", "(?, ?, ?, ?, ?, ?, ?)", 7 },
	[T_DAY] = { "INSERT OR FAIL INTO rollup_day(policy_domain, day, cls, path, spf_cat, "
	    "dkim_cat, sender_kind, known, disposition, reporter_pass, messages, records) VALUES ",
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 12, "siiiiiiiiiii",
	    " ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, "
	    "records = records + excluded.records" },
	[T_SRC] = { "INSERT OR FAIL INTO rollup_src(policy_domain, day, prefix, messages, "
	    "spf_aligned, dkim_aligned, dmarc_pass, spoofing) VALUES ",
	    "(?, ?, ?, ?, ?, ?, ?, ?)", 8, "sisiiiii",
	    " ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, "
	    "spf_aligned = spf_aligned + excluded.spf_aligned, "
	    "dkim_aligned = dkim_aligned + excluded.dkim_aligned, "
	    "dmarc_pass = dmarc_pass + excluded.dmarc_pass, "
	    "spoofing = spoofing + excluded.spoofing" },
	/* the same rows in a grouped transaction: appended to its stage
	 * (store_sqlite_stage.c), summed before the COMMIT */
	[T_STAGE_DAY] = { "INSERT INTO temp.rollup_stage_day(policy_domain, day, cls, path, "
	    "spf_cat, dkim_cat, sender_kind, known, disposition, reporter_pass, messages, "
	    "records) VALUES ", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 12, "siiiiiiiiiii" },
	[T_STAGE_SRC] = { "INSERT INTO temp.rollup_stage_src(policy_domain, day, prefix, "
	    "messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing) VALUES ",
	    "(?, ?, ?, ?, ?, ?, ?, ?)", 8, "sisiiiii" },
};

static const char *
cp(struct sq_batch *b, const char *s)
{
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = arena_strndup(&b->strings, s, strlen(s))) == NULL)
		panic("store: batch string arena full");
	return c;
}

static const char *
raw_if_differs(const char *raw, const char *norm)
{
	return raw == NULL || strcmp(raw, norm) == 0 ? NULL : raw;
}

static sqlite3_stmt *
batch_stmt(sq_store *q, int t, int n)
{
	struct sq_batch *b = q->batch;
	sqlite3_stmt **p = &b->st[t][n];

	if (*p == NULL) {
		dbuf sql;

		dbuf_init(&sql, 1 << 20);
		dbuf_addstr(&sql, tables[t].head);
		for (int i = 0; i < n; i++) {
			if (i > 0)
				dbuf_addstr(&sql, ", ");
			dbuf_addstr(&sql, tables[t].row);
		}
		if (tables[t].tail != NULL)
			dbuf_addstr(&sql, tables[t].tail);
		if (sqlite3_prepare_v3(q->db, dbuf_cstr(&sql), -1, SQLITE_PREPARE_PERSISTENT, p,
		    NULL) != SQLITE_OK) {
			dbuf_free(&sql);
			sq_fail(q, "preparing a batch insert");
			*p = NULL;
			return NULL;
		}
		dbuf_free(&sql);
	}
	return *p;
}

static int
step(sq_store *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		snprintf(q->err, sizeof(q->err), "%s: %s", what, sqlite3_errmsg(q->db));
		return STORE_ERR;
	}
	return STORE_OK;
}

static int
flush_records(sq_store *q)
{
	struct sq_batch *b = q->batch;
	sqlite3_stmt *st;
	int n = b->nrec;

	if (n == 0)
		return STORE_OK;
	if ((st = batch_stmt(q, T_REC, n)) == NULL)
		return STORE_ERR;
	for (int r = 0; r < n; r++) {
		const brec *x = &b->rec[r];
		int i = r * tables[T_REC].ncols + 1;

		sqlite3_bind_int64(st, i++, x->id);
		sqlite3_bind_int64(st, i++, x->report_id);
		sq_bind_text(st, i++, x->v[0]);
		sq_bind_text(st, i++, x->v[1]);
		sqlite3_bind_int(st, i++, x->family);
		sqlite3_bind_int64(st, i++, x->count);
		for (int k = 2; k < 11; k++)
			sq_bind_text(st, i++, x->v[k]);
		sqlite3_bind_int(st, i++, x->ndkim);
		sqlite3_bind_int(st, i++, x->nspf);
		sqlite3_bind_int(st, i++, x->nreasons);
		sq_bind_analysis(st, i, x->has_an ? &x->an : NULL);
	}
	b->nrec = 0;
	return step(q, st, "storing records");
}

static int
flush_auth(sq_store *q, int k)
{
	struct sq_batch *b = q->batch;
	static const char *what[3] = { "storing reasons", "storing DKIM results",
	    "storing SPF results" };
	int t = T_REASON + k, ncols = tables[t].ncols;
	int done = 0, total = b->nauth[k];

	while (done < total) {
		int n = total - done > BATCH ? BATCH : total - done;
		sqlite3_stmt *st = batch_stmt(q, t, n);

		if (st == NULL)
			return STORE_ERR;
		for (int r = 0; r < n; r++) {
			const bauth *x = &b->auth[k][done + r];
			int i = r * ncols + 1;

			sqlite3_bind_int64(st, i++, x->rid);
			sqlite3_bind_int(st, i++, x->idx);
			for (int c = 0; c < ncols - 2; c++)
				sq_bind_text(st, i++, x->v[c]);
		}
		if (step(q, st, what[k]) != STORE_OK)
			return STORE_ERR;
		done += n;
	}
	b->nauth[k] = 0;
	return STORE_OK;
}

static int
flush_rollup(sq_store *q, int k)
{
	struct sq_batch *b = q->batch;
	int t = (q->stage ? T_STAGE_DAY : T_DAY) + k, n = b->nroll[k], ncols = tables[t].ncols;
	sqlite3_stmt *st;

	if (n == 0)
		return STORE_OK;
	b->nroll[k] = 0;
	if ((st = batch_stmt(q, t, n)) == NULL)
		return STORE_ERR;
	if (q->stage)
		q->staged += n;
	for (int r = 0; r < n; r++)
		for (int c = 0; c < ncols; c++) {
			const bval *v = &b->roll[k][r][c];

			if (tables[t].types[c] == 's')
				sq_bind_text(st, r * ncols + c + 1, v->s);
			else
				sqlite3_bind_int64(st, r * ncols + c + 1, v->i);
		}
	return step(q, st, k == 0 ? "rollup (day)" : "rollup (source)");
}

static int
batch_empty(const struct sq_batch *b)
{
	return b->nrec == 0 && b->nauth[0] == 0 && b->nauth[1] == 0 && b->nauth[2] == 0 &&
	    b->nroll[0] == 0 && b->nroll[1] == 0;
}

int
sq_batch_flush(sq_store *q)
{
	struct sq_batch *b = q->batch;
	int rc = STORE_OK;

	if (b == NULL || batch_empty(b))
		return STORE_OK;
	if (flush_records(q) != STORE_OK)
		rc = STORE_ERR;
	for (int k = 0; k < 3 && rc == STORE_OK; k++)
		if (flush_auth(q, k) != STORE_OK)
			rc = STORE_ERR;
	for (int k = 0; k < NROLL && rc == STORE_OK; k++)
		if (flush_rollup(q, k) != STORE_OK)
			rc = STORE_ERR;
	/* whatever was not written is dropped: the caller's transaction fails */
	b->nrec = 0;
	b->nauth[0] = b->nauth[1] = b->nauth[2] = 0;
	b->nroll[0] = b->nroll[1] = 0;
	arena_reset(&b->strings);
	if (rc != STORE_OK)
		q->batch_err = 1;
	return rc;
}

void
sq_batch_forget(sq_store *q)
{
	if (q->batch != NULL)
		q->batch->next_id = 0;
}

void
sq_batch_discard(sq_store *q)
{
	struct sq_batch *b = q->batch;

	q->batch_err = 0;
	if (b == NULL)
		return;
	b->nrec = 0;
	b->nauth[0] = b->nauth[1] = b->nauth[2] = 0;
	b->nroll[0] = b->nroll[1] = 0;
	arena_reset(&b->strings);
	b->next_id = 0;
}

static struct sq_batch *
batch_get(sq_store *q)
{
	if (q->batch == NULL) {
		q->batch = xcalloc(1, sizeof(*q->batch));
		arena_init(&q->batch->strings, (size_t)64 << 20);
	}
	return q->batch;
}

/* A rollup row joins the batch (flushed when BATCH rows wait). */
static bval *
roll_row(sq_store *q, int k)
{
	struct sq_batch *b = batch_get(q);

	if (sq_stage_bound(q) != STORE_OK)	/* a large stage settled first */
		return NULL;
	if (b->nroll[k] == BATCH && sq_batch_flush(q) != STORE_OK)
		return NULL;
	return b->roll[k][b->nroll[k]++];
}

int
sq_batch_day(sq_store *q, const store_rollup_day *r)
{
	bval *v = roll_row(q, 0);

	if (v == NULL)
		return STORE_ERR;
	v[0].s = cp(q->batch, r->policy_domain);
	v[1].i = r->day;
	v[2].i = r->cls;
	v[3].i = r->path;
	v[4].i = r->spf_cat;
	v[5].i = r->dkim_cat;
	v[6].i = r->sender_kind;
	v[7].i = r->known;
	v[8].i = r->disposition;
	v[9].i = r->reporter_pass;
	v[10].i = r->messages;
	v[11].i = r->records;
	return sqlite3_get_autocommit(q->db) ? sq_batch_flush(q) : STORE_OK;
}

int
sq_batch_src(sq_store *q, const store_rollup_src *r)
{
	bval *v = roll_row(q, 1);

	if (v == NULL)
		return STORE_ERR;
	v[0].s = cp(q->batch, r->policy_domain);
	v[1].i = r->day;
	v[2].s = cp(q->batch, r->prefix);
	v[3].i = r->messages;
	v[4].i = r->spf_aligned;
	v[5].i = r->dkim_aligned;
	v[6].i = r->dmarc_pass;
	v[7].i = r->spoofing;
	return sqlite3_get_autocommit(q->db) ? sq_batch_flush(q) : STORE_OK;
}

int
sq_batch_record(sq_store *q, int64_t report_id, const char *domain, const dm_record *rec,
    const store_record_analysis *an)
{
	struct sq_batch *b = batch_get(q);
	brec *x;

	if (b->nrec == BATCH || b->nauth[0] + rec->nreasons > AUTH_CAP ||
	    b->nauth[1] + rec->ndkim > AUTH_CAP || b->nauth[2] + rec->nspf > AUTH_CAP)
		if (sq_batch_flush(q) != STORE_OK)
			return STORE_ERR;
	if (b->next_id == 0) {
		sqlite3_stmt *st;

		st = sq_prep_nobatch(q, SQA_BATCH, 0,
		    "SELECT coalesce(max(id), 0) + 1 FROM records");
		if (st == NULL)
			return STORE_ERR;
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return sq_fail(q, "numbering records");
		}
		b->next_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	x = &b->rec[b->nrec++];
	x->id = b->next_id++;
	x->report_id = report_id;
	x->count = (int64_t)rec->count;
	x->v[0] = cp(b, domain);
	x->v[1] = cp(b, rec->source_ip);
	x->v[2] = cp(b, rec->disposition ? dm_disp_name(rec->disposition) :
	    rec->raw_disposition);
	x->v[3] = rec->dkim ? dm_verdict_name(rec->dkim) : NULL;	/* static */
	x->v[4] = rec->spf ? dm_verdict_name(rec->spf) : NULL;
	x->v[5] = rec->disposition ? cp(b, raw_if_differs(rec->raw_disposition,
	    dm_disp_name(rec->disposition))) : NULL;
	x->v[6] = cp(b, raw_if_differs(rec->raw_dkim, dm_verdict_name(rec->dkim)));
	x->v[7] = cp(b, raw_if_differs(rec->raw_spf, dm_verdict_name(rec->spf)));
	x->v[8] = cp(b, rec->header_from);
	x->v[9] = cp(b, rec->envelope_from);
	x->v[10] = cp(b, rec->envelope_to);
	x->family = rec->ip_family;
	x->ndkim = rec->ndkim;
	x->nspf = rec->nspf;
	x->nreasons = rec->nreasons;
	x->has_an = an != NULL;
	if (an != NULL) {
		x->an = *an;
		x->an.spf_domain = cp(b, an->spf_domain);
		x->an.spf_result = cp(b, an->spf_result);
		x->an.dkim_domain = cp(b, an->dkim_domain);
		x->an.dkim_result = cp(b, an->dkim_result);
		x->an.dkim_pass_domains = cp(b, an->dkim_pass_domains);
		x->an.service = cp(b, an->service);
	}
	for (int i = 0; i < rec->nreasons; i++) {
		const dm_reason *r = &rec->reasons[i];
		bauth *a = &b->auth[0][b->nauth[0]++];

		a->rid = x->id;
		a->idx = i;
		a->v[0] = dm_reason_name(r->type);
		a->v[1] = cp(b, raw_if_differs(r->raw_type, dm_reason_name(r->type)));
		a->v[2] = cp(b, r->comment);
	}
	for (int i = 0; i < rec->ndkim; i++) {
		const dm_dkim *d = &rec->dkim_results[i];
		bauth *a = &b->auth[1][b->nauth[1]++];

		a->rid = x->id;
		a->idx = i;
		a->v[0] = cp(b, d->domain);
		a->v[1] = cp(b, d->selector);
		a->v[2] = d->result ? dm_auth_name(d->result) : cp(b, d->raw_result);
		a->v[3] = cp(b, raw_if_differs(d->raw_result, dm_auth_name(d->result)));
		a->v[4] = cp(b, d->human_result);
	}
	for (int i = 0; i < rec->nspf; i++) {
		const dm_spf *f = &rec->spf_results[i];
		bauth *a = &b->auth[2][b->nauth[2]++];

		a->rid = x->id;
		a->idx = i;
		a->v[0] = cp(b, f->domain);
		a->v[1] = cp(b, f->scope);
		a->v[2] = f->result ? dm_auth_name(f->result) : cp(b, f->raw_result);
		a->v[3] = cp(b, raw_if_differs(f->raw_result, dm_auth_name(f->result)));
		a->v[4] = cp(b, f->human_result);
	}
	/* Outside a transaction nothing would come to write it: now. */
	if (sqlite3_get_autocommit(q->db))
		return sq_batch_flush(q);
	return STORE_OK;
}

void
sq_batch_free(sq_store *q)
{
	struct sq_batch *b = q->batch;

	if (b == NULL)
		return;
	for (int t = 0; t < T__COUNT; t++)
		for (int n = 0; n <= BATCH; n++)
			sqlite3_finalize(b->st[t][n]);
	arena_free(&b->strings);
	free(b);
	q->batch = NULL;
}
