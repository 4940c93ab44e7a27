/*
 * sqlite_priv.h - what the SQLite backend's files share (store_sqlite.c and
 * the store_sqlite_*.c files that implement the sub-interfaces).  Not for
 * use outside src/store/.
 *
 * Each sub-interface file keeps its own prepared statements in its own slot
 * array inside sq_store (prepared lazily with sq_prep, finalized by
 * sq_close), so files never share statement numbers.
 *
 * Exports: sq_store, SQ(), sq_fail, sq_bind_text, sq_run, sq_exec, sq_prep,
 * sq_bind_analysis, sq_batch_*, sq_stage_*, sq_bulk*.
 */
#ifndef DS_SQLITE_PRIV_H
#define DS_SQLITE_PRIV_H

#include <sqlite3.h>

#include "store.h"
#include "store_analysis.h"

#define SQ_SLOTS 64	/* statements per sub-interface */

enum sq_area { SQA_ANALYSIS = 0, SQA_HOSTS, SQA_WEB, SQA_BATCH, SQA_KINDS, SQA_AUTH, SQA_ALERTS,
    SQA_INTAKE, SQA_STAGE, SQA__COUNT };

typedef struct sq_store {
	store base;
	sqlite3 *db;
	sqlite3_stmt **st;	/* store_sqlite.c's own statements */
	sqlite3_stmt *area[SQA__COUNT][SQ_SLOTS];
	char err[512];
	struct sq_ckpt *ckpt;	/* bulk mode's checkpointer (store_sqlite_ckpt.c) */
	struct sq_batch *batch;	/* records not written yet (store_sqlite_batch.c) */
	int batch_err;		/* a batch write failed: the next sq_run fails */
	struct sq_prof *prof;	/* $DMARCSCOPE_SQL_PROFILE (sqlite_prof.c), or NULL */
	int stage;		/* this transaction's rollup rows wait in the stage
				 * tables (store_sqlite_stage.c) */
	int64_t staged;		/* rows in them since the last settle */
	int units;		/* "unit" savepoints set in this transaction */
} sq_store;

#define SQ(s) ((sq_store *)(s))

/* Sets q->err to "what: sqlite message"; returns STORE_ERR. */
int sq_fail(sq_store *q, const char *what);
/* Binds text, or NULL for a NULL pointer (SQLITE_STATIC: the caller keeps
 * the string alive until the statement is stepped). */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Steps once, resets; STORE_ERR with q->err set on failure. */
int sq_run(sq_store *q, sqlite3_stmt *s, const char *what);
int sq_exec(sq_store *q, const char *sqltext);
/* Record batches (store_sqlite_batch.c): add a record (written later),
 * write what is pending (before any other statement), forget the record id
 * counter (when a transaction ends), drop what is pending (rollback), free. */
int sq_batch_record(sq_store *q, int64_t report_id, const char *domain, const dm_record *rec,
    const store_record_analysis *an);
int sq_batch_day(sq_store *q, const store_rollup_day *r);
int sq_batch_src(sq_store *q, const store_rollup_src *r);
int sq_batch_flush(sq_store *q);
void sq_batch_forget(sq_store *q);
void sq_batch_discard(sq_store *q);
void sq_batch_free(sq_store *q);
/* A grouped transaction's rollups (store_sqlite_stage.c): staged from its
 * second "unit" savepoint on (begin; nothing outside a transaction), moved
 * to their tables before the COMMIT (settle), forgotten when it ends (end). */
int sq_stage_begin(sq_store *q);
int sq_stage_settle(sq_store *q);
/* Settles early when the stage holds SQ_STAGE_MAX rows (a large report's
 * source rows): called before a rollup row joins the batch. */
int sq_stage_bound(sq_store *q);
void sq_stage_end(sq_store *q);
/* Bulk mode on/off (store_sqlite_ckpt.c); sq_bulk_stop before closing. */
int sq_bulk(store *s, int on);
void sq_bulk_stop(sq_store *q);
/* Binds the 17 analysis columns of a record from parameter first on, in the
 * order of records' columns spf_cat .. expl; an == NULL binds nothing. */
void sq_bind_analysis(sqlite3_stmt *s, int first, const store_record_analysis *an);
/* The prepared statement in area/slot (prepared on first use from sqltext,
 * reset and unbound on every call); NULL with q->err set on error. */
sqlite3_stmt *sq_prep(sq_store *q, enum sq_area area, int slot, const char *sqltext);
/* The same without writing pending record batches first: only for
 * statements that neither read nor write records or their auth results
 * (the per-record host lookup at ingest, which would otherwise cut every
 * batch down to one row). */
sqlite3_stmt *sq_prep_nobatch(sq_store *q, enum sq_area area, int slot, const char *sqltext);

/* The portal's reads of failure and TLS reports (store_sqlite_web_kinds.c):
 * store_sqlite_web.c's query op for q >= SWQ_KINDS_FIRST. */
struct store_web_query;
struct store_web_val;
int sq_web_kinds_query(store *s, int q, const struct store_web_query *w,
    int (*cb)(void *, int, const char *const *, const struct store_web_val *), void *ctx);
/* store_sqlite_web_overview.c: SWQ_OVERVIEW_FIRST on (issue 19) */
int sq_web_overview_query(store *s, int q, const struct store_web_query *w,
    int (*cb)(void *, int, const char *const *, const struct store_web_val *), void *ctx);

/* The report kinds' rows (store_sqlite_kinds.c) follow the archive: moved
 * with raw_merge, counted as duplicates with raw_duplicate (*n: how many). */
int sq_kinds_merge(sq_store *q, int64_t from, int64_t into);
int sq_kinds_raw_duplicate(sq_store *q, int64_t raw_id, const char *source, int64_t *n);

#endif
