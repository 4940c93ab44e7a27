/*
 * store_pg_kinds.c - the PostgreSQL implementation of store_kinds.h (port of
 * store_sqlite_kinds.c): the report kinds beside aggregate reports.
 *
 * The generic half lives here: the duplicate by ident, the kind_duplicates
 * rows, each/count with the filter, the archive's merge and whole-message
 * duplicates (pg_kinds_merge, pg_kinds_raw_duplicate, called by store_pg.c),
 * the sample retention.  A kind's own table and columns are a pg_kind
 * descriptor in store_pg_<kind>.c (store_pg_failure.c, store_pg_tlsrpt.c),
 * listed once in src/report/kinds.def.
 *
 * Duplicates: the kind's INSERT is ON CONFLICT (ident) DO NOTHING, so two
 * nodes storing the same document at once store it once; the one that
 * inserted nothing then reads the row's id and counts a duplicate.  (A
 * lookup by ident comes first, so that a plain duplicate spends no id.)
 *
 * Statements live in the PGA_KINDS area: generic slots from 0, each kind's
 * block of PGK__SLOTS from PGK_BASE.  Texts built from a descriptor hold
 * table names, never data.  each() and count() build their WHERE from the
 * filter and run unprepared (PQexecParams, typed parameters).
 *
 * Exports: store_pg_kinds_ops, pg_kinds_merge, pg_kinds_raw_duplicate,
 * pg_kind_exec, pg_kind_run, pg_kind_defer.  Errors: STORE_ERR with the handle's message.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "pg_kinds.h"
#include "store_kinds.h"
#include "../report/kind.h"
#include "../util/dbuf.h"
#include "../util/log.h"

/* The kinds with a table, from the one registration list. */
#define DM_KIND_ENTRY(name, id, scope) extern const pg_kind pg_kind_##name;
#include "../report/kinds.def"
#undef DM_KIND_ENTRY

static const pg_kind *const pg_kinds[] = {
#define DM_KIND_ENTRY(name, id, scope) &pg_kind_##name,
#include "../report/kinds.def"
#undef DM_KIND_ENTRY
};
#define NKINDS (sizeof(pg_kinds) / sizeof(pg_kinds[0]))

enum { K_DUP_ADD = 0, K_PURGE_SEL, K_PURGE_GET, K_PURGE_UPD, K_MERGE_DUPS };

#define OID_INT8 20
#define OID_TEXT 25

static const pg_kind *
find_kind(int kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (pg_kinds[i]->kind == kind)
			return pg_kinds[i];
	return NULL;
}

static int
no_kind(pg_store *q, int kind)
{
	snprintf(q->err, sizeof(q->err), "no table for report kind %d", kind);
	return STORE_ERR;
}

/* The slot of the kind's statement, or -1 with q->err set. */
static int
kind_slot(pg_store *q, const pg_kind *k, int slot)
{
	size_t i;

	for (i = 0; i < NKINDS && pg_kinds[i] != k; i++)
		;
	if (i == NKINDS || PGK_BASE + (i + 1) * PGK__SLOTS > PG_SLOTS || slot >= PGK__SLOTS) {
		snprintf(q->err, sizeof(q->err), "report kind %s: no statement slot", k->name);
		return -1;
	}
	return (int)(PGK_BASE + i * PGK__SLOTS) + slot;
}

PGresult *
pg_kind_exec(pg_store *q, const pg_kind *k, int slot, const char *sqltext, const pg_params *p,
    const char *what)
{
	int n = kind_slot(q, k, slot);

	return n < 0 ? NULL : pg_exec(q, PGA_KINDS, n, sqltext, p, what);
}

int
pg_kind_run(pg_store *q, const pg_kind *k, int slot, const char *sqltext, const pg_params *p,
    const char *what)
{
	int n = kind_slot(q, k, slot);

	return n < 0 ? STORE_ERR : pg_run(q, PGA_KINDS, n, sqltext, p, what);
}

int
pg_kind_defer(pg_store *q, const pg_kind *k, int slot, const char *sqltext, const pg_params *p,
    const char *what)
{
	int n = kind_slot(q, k, slot);

	return n < 0 ? STORE_ERR : pg_defer(q, PGA_KINDS, n, sqltext, p, what);
}

static int
dup_row(pg_store *q, int kind, int64_t target, int64_t raw_id, const char *source)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, kind);
	pg_p_int(&p, target);
	if (raw_id > 0)
		pg_p_int(&p, raw_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, source);
	pg_p_int(&p, (int64_t)time(NULL));
	return pg_defer(q, PGA_KINDS, K_DUP_ADD, "INSERT INTO kind_duplicates(kind, target_id, "
	    "raw_id, source, created_at) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, "
	    "$5::bigint)", &p, "counting a duplicate");
}

/* *dup_of: the stored document with ident, or 0. */
static int
find_ident(pg_store *q, const pg_kind *k, const char *ident, int64_t *dup_of)
{
	char text[256];
	pg_params p;
	PGresult *r;

	*dup_of = 0;
	snprintf(text, sizeof(text), "SELECT id FROM %s WHERE ident = $1", k->table);
	pg_p_init(&p);
	pg_p_text(&p, ident);
	if ((r = pg_kind_exec(q, k, PGK_FIND, text, &p, "looking up a report")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		*dup_of = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

static int
k_add(store *s, int kind, int64_t raw_id, const json_t *model, const char *ident,
    const char *source, int64_t *id, int64_t *dup_of)
{
	pg_store *q = PG(s);
	const pg_kind *k = find_kind(kind);

	*id = 0;
	*dup_of = 0;
	if (k == NULL)
		return no_kind(q, kind);
	if (ident == NULL || ident[0] == '\0' || !json_is_object(model)) {
		snprintf(q->err, sizeof(q->err), "storing a %s report: no identity or model", k->name);
		return STORE_ERR;
	}
	/* the common duplicate found without an INSERT (which would spend an id
	 * of the sequence: ids then stay those SQLite gives) */
	if (find_ident(q, k, ident, dup_of) != STORE_OK)
		return STORE_ERR;
	if (*dup_of == 0) {
		if (k->add(q, k, raw_id, model, ident, id) != STORE_OK)
			return STORE_ERR;
		if (*id != 0)
			return STORE_OK;
		/* another node stored it meanwhile: the unique ident said no, and
		 * the stored one is committed now */
		if (find_ident(q, k, ident, dup_of) != STORE_OK)
			return STORE_ERR;
		if (*dup_of == 0) {
			snprintf(q->err, sizeof(q->err), "storing a %s report: its duplicate "
			    "vanished", k->name);
			return STORE_ERR;
		}
	}
	return dup_row(q, kind, *dup_of, raw_id, source);
}

/* The WHERE clause of a filter: $1 domain, $2 since, $3 until. */
static void
where(dbuf *b, const pg_kind *k, const store_kinds_filter *f)
{
	dbuf_addstr(b, " WHERE true");
	if (f == NULL)
		return;
	if (f->domain != NULL)
		dbuf_printf(b, " AND %s", k->domain_cond);
	if (f->since != 0)
		dbuf_printf(b, " AND %s >= $2", k->time_col);
	if (f->until != 0)
		dbuf_printf(b, " AND %s < $3", k->time_col);
	if (f->dmarc_only && k->dmarc_cond != NULL)
		dbuf_printf(b, " AND %s", k->dmarc_cond);
}

/* Runs text with the filter's three typed parameters (unused ones too). */
static PGresult *
filtered(pg_store *q, const char *text, const store_kinds_filter *f, const char *what)
{
	static const Oid types[3] = { OID_TEXT, OID_INT8, OID_INT8 };
	char since[24], until[24];
	const char *v[3] = { NULL, NULL, NULL };
	PGresult *r;

	if (pg_batch_ready(q, text) != STORE_OK)
		return NULL;
	if (f != NULL) {
		snprintf(since, sizeof(since), "%lld", (long long)f->since);
		snprintf(until, sizeof(until), "%lld", (long long)f->until);
		v[0] = f->domain;
		v[1] = since;
		v[2] = until;
	}
	r = PQexecParams(q->conn, text, 3, types, v, NULL, NULL, 0);
	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(q, what, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

static int
k_each(store *s, int kind, const store_kinds_filter *f, int (*cb)(void *, const store_kind_row *),
    void *ctx)
{
	pg_store *q = PG(s);
	const pg_kind *k = find_kind(kind);
	PGresult *r;
	dbuf b;
	int stop = 0;

	if (k == NULL)
		return no_kind(q, kind);
	dbuf_init(&b, 8192);
	dbuf_printf(&b, "SELECT id, raw_id, ingested_at, ident, model FROM %s", k->table);
	where(&b, k, f);
	dbuf_printf(&b, " ORDER BY %s, id", k->time_col);
	r = filtered(q, dbuf_cstr(&b), f, "reading reports");
	dbuf_free(&b);
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; !stop && i < PQntuples(r); i++) {
		store_kind_row x;

		x.id = pg_int(r, i, 0);
		x.raw_id = pg_int(r, i, 1);
		x.ingested_at = pg_int(r, i, 2);
		x.ident = pg_str(r, i, 3);
		x.model_json = pg_str(r, i, 4);
		stop = cb(ctx, &x);
	}
	PQclear(r);
	return stop < 0 ? STORE_ERR : STORE_OK;
}

static int
k_count(store *s, int kind, const store_kinds_filter *f, int64_t *n)
{
	pg_store *q = PG(s);
	const pg_kind *k = find_kind(kind);
	PGresult *r;
	dbuf b;

	*n = 0;
	if (k == NULL)
		return no_kind(q, kind);
	dbuf_init(&b, 8192);
	dbuf_printf(&b, "SELECT count(*) FROM %s", k->table);
	where(&b, k, f);
	r = filtered(q, dbuf_cstr(&b), f, "counting reports");
	dbuf_free(&b);
	if (r == NULL)
		return STORE_ERR;
	*n = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

/* The sample of a stored failure model without its headers and text (the
 * same JSON text as SQLite's: jansson, compact, sorted keys). */
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
purge_one(pg_store *q, int64_t id)
{
	pg_params p;
	PGresult *r;
	char *model = NULL;
	int rc;

	pg_p_init(&p);
	pg_p_int(&p, id);
	if ((r = pg_exec(q, PGA_KINDS, K_PURGE_GET, "SELECT model FROM failure_reports "
	    "WHERE id = $1::bigint", &p, "purging a sample")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		model = purged_model(pg_str(r, 0, 0));
	PQclear(r);
	pg_p_text(&p, model);
	rc = pg_run(q, PGA_KINDS, K_PURGE_UPD, "UPDATE failure_reports SET sample_purged = 1, "
	    "model = coalesce($2, model) WHERE id = $1::bigint", &p, "purging a sample");
	free(model);
	return rc;
}

static int
k_purge_samples(store *s, int64_t before, int64_t *n)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	int64_t *ids;
	int nids;

	*n = 0;
	pg_p_init(&p);
	pg_p_int(&p, before);
	if ((r = pg_exec(q, PGA_KINDS, K_PURGE_SEL, "SELECT id FROM failure_reports "
	    "WHERE arrival_time < $1::bigint AND sample_purged = 0 ORDER BY id", &p,
	    "purging samples")) == NULL)
		return STORE_ERR;
	nids = PQntuples(r);
	ids = xcalloc((size_t)nids + 1, sizeof(*ids));
	for (int i = 0; i < nids; i++)
		ids[i] = pg_int(r, i, 0);
	PQclear(r);
	for (int i = 0; i < nids; i++) {
		if (purge_one(q, ids[i]) != STORE_OK) {
			free(ids);
			return STORE_ERR;
		}
		(*n)++;
	}
	free(ids);
	return STORE_OK;
}

int
pg_kinds_merge(pg_store *q, int64_t from, int64_t into)
{
	char text[256];
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, from);
	pg_p_int(&p, into);
	for (size_t i = 0; i < NKINDS; i++) {
		snprintf(text, sizeof(text), "UPDATE %s SET raw_id = $2::bigint WHERE raw_id = "
		    "$1::bigint", pg_kinds[i]->table);
		if (pg_kind_run(q, pg_kinds[i], PGK_MERGE, text, &p, "merging archived copies") !=
		    STORE_OK)
			return STORE_ERR;
	}
	return pg_run(q, PGA_KINDS, K_MERGE_DUPS, "UPDATE kind_duplicates SET raw_id = $2::bigint "
	    "WHERE raw_id = $1::bigint", &p, "merging archived copies");
}

int
pg_kinds_raw_duplicate(pg_store *q, int64_t raw_id, const char *source, int64_t *n)
{
	char text[300];
	pg_params p;
	PGresult *r;

	*n = 0;
	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	pg_p_text(&p, source);
	pg_p_int(&p, (int64_t)time(NULL));
	for (size_t i = 0; i < NKINDS; i++) {
		snprintf(text, sizeof(text), "INSERT INTO kind_duplicates(kind, target_id, raw_id, "
		    "source, created_at) SELECT %d, id, $1::bigint, $2, $3::bigint FROM %s "
		    "WHERE raw_id = $1::bigint ORDER BY id", pg_kinds[i]->kind, pg_kinds[i]->table);
		if ((r = pg_kind_exec(q, pg_kinds[i], PGK_RAWDUP, text, &p, "counting duplicates")) ==
		    NULL)
			return STORE_ERR;
		*n += strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
	}
	return STORE_OK;
}

const struct store_kinds_ops store_pg_kinds_ops = {
	.add = k_add,
	.each = k_each,
	.count = k_count,
	.purge_samples = k_purge_samples,
};
