/*
 * store_sqlite_kinds.c - the SQLite implementation of store_kinds.h: the
 * report kinds beside aggregate reports (failure reports, TLS reports;
 * tables in src/store/sql/007_kinds.sql, design in docs/REPORT-KINDS.md).
 *
 * The generic half lives here: the duplicate by ident, the kind_duplicates
 * rows, each/count with the filter, the archive's merge and whole-message
 * duplicates, the sample retention.  What is particular to a kind (its table
 * and the columns it fills from the kind's model JSON) is one sq_kind
 * descriptor in a file of its own (store_sqlite_failure.c,
 * store_sqlite_tlsrpt.c), listed once in src/report/kinds.def.
 *
 * Statements live in the SQA_KINDS slot area (sq_prep); per-kind statements
 * take slots from the kind's own base (sq_kind.slot0).
 *
 * Exports: store_sqlite_kinds_ops, sq_kinds_merge, sq_kinds_raw_duplicate.
 * Errors: STORE_ERR with the handle's message set (store_errmsg).
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_priv.h"
#include "store_kinds.h"
#include "sqlite_kinds.h"
#include "../report/kind.h"
#include "../util/dbuf.h"
#include "../util/log.h"

/* The kinds with a table, from the one registration list. */
#define DM_KIND_ENTRY(name, id, scope) extern const sq_kind sq_kind_##name;
#include "../report/kinds.def"
#undef DM_KIND_ENTRY

static const sq_kind *const sq_kinds[] = {
#define DM_KIND_ENTRY(name, id, scope) &sq_kind_##name,
#include "../report/kinds.def"
#undef DM_KIND_ENTRY
};
#define NKINDS (sizeof(sq_kinds) / sizeof(sq_kinds[0]))

enum { K_DUP_ADD = 0, K_PURGE_SEL, K_PURGE_GET, K_PURGE_UPD };

static const sq_kind *
find_kind(int kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (sq_kinds[i]->kind == kind)
			return sq_kinds[i];
	return NULL;
}

static int
no_kind(sq_store *q, int kind)
{
	snprintf(q->err, sizeof(q->err), "no table for report kind %d", kind);
	return STORE_ERR;
}

/* A kind's own statement: slot (SQK_*) of the kind's block of SQK__SLOTS
 * slots after the generic ones, in registration order.  The text is built at
 * run time from the descriptor (table names, never data). */
sqlite3_stmt *
sq_kind_prep(sq_store *q, const sq_kind *k, int slot, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	size_t i;

	for (i = 0; i < NKINDS && sq_kinds[i] != k; i++)
		;
	if (i == NKINDS || SQK_BASE + (i + 1) * SQK__SLOTS > SQ_SLOTS || slot >= SQK__SLOTS) {
		snprintf(q->err, sizeof(q->err), "report kind %s: no statement slot", k->name);
		return NULL;
	}
	if (q->area[SQA_KINDS][SQK_BASE + i * SQK__SLOTS + (size_t)slot] != NULL)
		return sq_prep(q, SQA_KINDS, (int)(SQK_BASE + i * SQK__SLOTS) + slot, "");
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return sq_prep(q, SQA_KINDS, (int)(SQK_BASE + i * SQK__SLOTS) + slot, text);
}

int
sq_kind_dup_row(sq_store *q, int kind, int64_t target, int64_t raw_id, const char *source)
{
	sqlite3_stmt *st = sq_prep(q, SQA_KINDS, K_DUP_ADD, "INSERT INTO kind_duplicates(kind, "
	    "target_id, raw_id, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_int64(st, 2, target);
	if (raw_id > 0)
		sqlite3_bind_int64(st, 3, raw_id);
	sq_bind_text(st, 4, source);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	return sq_run(q, st, "counting a duplicate");
}

static int
k_add(store *s, int kind, int64_t raw_id, const json_t *model, const char *ident,
    const char *source, int64_t *id, int64_t *dup_of)
{
	sq_store *q = SQ(s);
	const sq_kind *k = find_kind(kind);
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	*dup_of = 0;
	if (k == NULL)
		return no_kind(q, kind);
	if (ident == NULL || ident[0] == '\0' || !json_is_object(model)) {
		snprintf(q->err, sizeof(q->err), "storing a %s report: no identity or model", k->name);
		return STORE_ERR;
	}
	st = sq_kind_prep(q, k, SQK_FIND, "SELECT id FROM %s WHERE ident = ?1", k->table);
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, ident);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*dup_of = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(q, "looking up a report");
	if (*dup_of != 0)
		return sq_kind_dup_row(q, kind, *dup_of, raw_id, source);
	return k->add(q, k, raw_id, model, ident, id);
}

/* The WHERE clause of a filter: ?1 domain, ?2 since, ?3 until. */
static void
where(dbuf *b, const sq_kind *k, const store_kinds_filter *f)
{
	dbuf_addstr(b, " WHERE 1");
	if (f == NULL)
		return;
	if (f->domain != NULL)
		dbuf_printf(b, " AND %s", k->domain_cond);
	if (f->since != 0)
		dbuf_printf(b, " AND %s >= ?2", k->time_col);
	if (f->until != 0)
		dbuf_printf(b, " AND %s < ?3", k->time_col);
	if (f->dmarc_only && k->dmarc_cond != NULL)
		dbuf_printf(b, " AND %s", k->dmarc_cond);
}

static void
bind_filter(sqlite3_stmt *st, const store_kinds_filter *f)
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
k_each(store *s, int kind, const store_kinds_filter *f, int (*cb)(void *, const store_kind_row *),
    void *ctx)
{
	sq_store *q = SQ(s);
	const sq_kind *k = find_kind(kind);
	sqlite3_stmt *st;
	dbuf b;
	int rc, stop = 0;

	if (k == NULL)
		return no_kind(q, kind);
	if (q->batch != NULL)
		sq_batch_flush(q);
	dbuf_init(&b, 8192);
	dbuf_printf(&b, "SELECT id, raw_id, ingested_at, ident, model FROM %s", k->table);
	where(&b, k, f);
	dbuf_printf(&b, " ORDER BY %s, id", k->time_col);
	rc = sqlite3_prepare_v2(q->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(q, "reading reports");
	bind_filter(st, f);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_kind_row r;

		r.id = sqlite3_column_int64(st, 0);
		r.raw_id = sqlite3_column_int64(st, 1);
		r.ingested_at = sqlite3_column_int64(st, 2);
		r.ident = (const char *)sqlite3_column_text(st, 3);
		r.model_json = (const char *)sqlite3_column_text(st, 4);
		stop = cb(ctx, &r);
	}
	sqlite3_finalize(st);
	if (stop < 0)
		return STORE_ERR;
	return stop || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "reading reports");
}

static int
k_count(store *s, int kind, const store_kinds_filter *f, int64_t *n)
{
	sq_store *q = SQ(s);
	const sq_kind *k = find_kind(kind);
	sqlite3_stmt *st;
	dbuf b;
	int rc;

	*n = 0;
	if (k == NULL)
		return no_kind(q, kind);
	if (q->batch != NULL)
		sq_batch_flush(q);
	dbuf_init(&b, 8192);
	dbuf_printf(&b, "SELECT count(*) FROM %s", k->table);
	where(&b, k, f);
	rc = sqlite3_prepare_v2(q->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(q, "counting reports");
	bind_filter(st, f);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_fail(q, "counting reports");
}

/* The sample of a stored failure model without its headers and text. */
static char *
purged_model(const char *text)
{
	json_t *m = json_loads(text, 0, NULL), *smp;
	char *out;

	if (m == NULL)
		return NULL;
	smp = json_object_get(m, "sample");
	if (json_is_object(smp)) {
		json_object_set_new(smp, "headers", json_array());
		json_object_set_new(smp, "text", json_null());
		json_object_set_new(smp, "text_truncated", json_false());
	}
	json_object_set_new(m, "sample_purged", json_true());
	out = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	return out;
}

static int
k_purge_samples(store *s, int64_t before, int64_t *n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *sel, *upd;
	int rc;

	*n = 0;
	/* Read the ids first: the update must not run under a live SELECT of
	 * the same rows. */
	sel = sq_prep(q, SQA_KINDS, K_PURGE_SEL, "SELECT id FROM failure_reports "
	    "WHERE arrival_time < ?1 AND sample_purged = 0 ORDER BY id");
	if (sel == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(sel, 1, before);
	{
		int64_t *ids = NULL;
		size_t nids = 0, cap = 0;

		while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			if (nids == cap) {
				cap = cap ? cap * 2 : 64;
				ids = xrealloc(ids, cap * sizeof(*ids));
			}
			ids[nids++] = sqlite3_column_int64(sel, 0);
		}
		sqlite3_reset(sel);
		if (rc != SQLITE_DONE) {
			free(ids);
			return sq_fail(q, "purging samples");
		}
		for (size_t i = 0; i < nids; i++) {
			sqlite3_stmt *get;
			char *model = NULL;

			get = sq_prep(q, SQA_KINDS, K_PURGE_GET, "SELECT model FROM "
			    "failure_reports WHERE id = ?1");
			if (get == NULL) {
				free(ids);
				return STORE_ERR;
			}
			sqlite3_bind_int64(get, 1, ids[i]);
			if (sqlite3_step(get) == SQLITE_ROW)
				model = purged_model((const char *)sqlite3_column_text(get, 0));
			sqlite3_reset(get);
			upd = sq_prep(q, SQA_KINDS, K_PURGE_UPD, "UPDATE failure_reports SET "
			    "sample_purged = 1, model = coalesce(?2, model) WHERE id = ?1");
			if (upd == NULL) {
				free(model);
				free(ids);
				return STORE_ERR;
			}
			sqlite3_bind_int64(upd, 1, ids[i]);
			sq_bind_text(upd, 2, model);
			rc = sq_run(q, upd, "purging a sample");
			free(model);
			if (rc != STORE_OK) {
				free(ids);
				return STORE_ERR;
			}
			(*n)++;
		}
		free(ids);
	}
	return STORE_OK;
}

int
sq_kinds_merge(sq_store *q, int64_t from, int64_t into)
{
	char text[256];
	sqlite3_stmt *st;
	int rc;

	for (size_t i = 0; i <= NKINDS; i++) {
		snprintf(text, sizeof(text), "UPDATE %s SET raw_id = ?2 WHERE raw_id = ?1",
		    i < NKINDS ? sq_kinds[i]->table : "kind_duplicates");
		if (sqlite3_prepare_v2(q->db, text, -1, &st, NULL) != SQLITE_OK)
			return sq_fail(q, "merging archived copies");
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, into);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return sq_fail(q, "merging archived copies");
	}
	return STORE_OK;
}

int
sq_kinds_raw_duplicate(sq_store *q, int64_t raw_id, const char *source, int64_t *n)
{
	char text[300];
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	for (size_t i = 0; i < NKINDS; i++) {
		snprintf(text, sizeof(text), "INSERT INTO kind_duplicates(kind, target_id, raw_id, "
		    "source, created_at) SELECT %d, id, ?1, ?2, ?3 FROM %s WHERE raw_id = ?1",
		    sq_kinds[i]->kind, sq_kinds[i]->table);
		if (sqlite3_prepare_v2(q->db, text, -1, &st, NULL) != SQLITE_OK)
			return sq_fail(q, "counting duplicates");
		sqlite3_bind_int64(st, 1, raw_id);
		sq_bind_text(st, 2, source);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return sq_fail(q, "counting duplicates");
		*n += sqlite3_changes(q->db);
	}
	return STORE_OK;
}

const struct store_kinds_ops store_sqlite_kinds_ops = {
	.add = k_add,
	.each = k_each,
	.count = k_count,
	.purge_samples = k_purge_samples,
};
