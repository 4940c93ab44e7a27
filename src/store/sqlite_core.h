/*
 * sqlite_core.h - what the files of the SQLite backend's core ops share
 * (store_sqlite.c: open, migrations, pragmas, the ops table;
 * store_sqlite_tx.c: statements, transactions, savepoints;
 * store_sqlite_raw.c: the archive and the quarantine; store_sqlite_report.c:
 * report and record inserts; store_sqlite_read.c: summary and exports).
 * Not for use outside src/store/.
 *
 * The core's statements are prepared once per handle, at open, into q->st,
 * indexed by enum stmt; stmt(q, i) hands one out reset and unbound (after
 * writing pending record batches).  The short names fail, bind_text, run,
 * exec and stmt are these files' spelling of the sq_* functions.
 *
 * Exports: enum stmt, sq_core_sql (the statements' text), sq_stmt, and the
 * core ops (sq_begin ... sq_export_records) for the ops table.
 */
#ifndef DS_SQLITE_CORE_H
#define DS_SQLITE_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "sqlite_priv.h"

#define fail sq_fail
#define bind_text sq_bind_text
#define run sq_run
#define exec sq_exec
#define stmt sq_stmt

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_RAW_NEW, S_RAW_SIZES, S_RAW_CHUNK, S_RAW_SEAL, S_RAW_BY_SHA, S_RAW_INFO, S_RAW_FIND,
	S_RAW_SIZE, S_MERGE_REPORTS, S_MERGE_DUPS, S_MERGE_CHUNKS,
	S_MERGE_RAW, S_RAW_READ,
	S_RAW_STATE,
	S_REPORT_FIND, S_REPORT_ADD, S_RECORD_ADD, S_REASON_ADD, S_DKIM_ADD, S_SPF_ADD,
	S_REPORT_FINISH, S_DUP_ADD, S_RAW_DUP,
	S_Q_ADD, S_Q_LIST_OPEN, S_Q_LIST_ALL, S_Q_MARK, S_Q_DROP,
	S_EXPORT_RECORDS, S_EXPORT_REASONS, S_EXPORT_DKIM, S_EXPORT_SPF,
	S_SP_MSG, S_REL_MSG, S_RB_MSG, S_SP_DOC, S_REL_DOC, S_RB_DOC,
	S_SP_UNIT, S_REL_UNIT, S_RB_UNIT,
	S_COUNT
};

/* The text of each statement (store_sqlite.c). */
extern const char *const sq_core_sql[S_COUNT];

/* Statement i of q->st, reset and unbound; pending record batches are
 * written first (store_sqlite_tx.c). */
sqlite3_stmt *stmt(sq_store *q, enum stmt i);

/* store_sqlite_tx.c */
int sq_rollback(store *s);
int sq_mark_rollback(store *s, const char *n);
int sq_begin(store *s);
int sq_commit(store *s);
int sq_mark(store *s, const char *n);
int sq_mark_release(store *s, const char *n);

/* store_sqlite_raw.c */
int sq_raw_new(store *s, const char *source, const char *codec, const char *sha, int64_t *id);
int sq_raw_chunk(store *s, int64_t raw_id, int seq, const void *p, size_t n);
int sq_raw_seal(store *s, int64_t raw_id, const char *sha, int64_t size, int64_t stored,
    int64_t *dup_id);
int sq_raw_info(store *s, int64_t raw_id, int (*cb)(void *, const store_raw_info *), void *ctx);
int sq_raw_find(store *s, const char *sha256, int64_t *id, char *state, size_t statelen);
int sq_raw_size_known(store *s, int64_t size, int *known);
int sq_raw_merge(store *s, int64_t from, int64_t into);
int sq_raw_read(store *s, int64_t raw_id, int (*cb)(void *, const void *, size_t), void *ctx);
int sq_raw_set_state(store *s, int64_t raw_id, const char *state, const char *reason,
    int64_t reports);
int sq_quarantine_add(store *s, int64_t raw_id, const char *reason);
int sq_quarantine_list(store *s, int only_open, int (*cb)(void *, const store_qitem *), void *ctx);
int sq_quarantine_mark(store *s, int64_t raw_id, int resolved);
int sq_quarantine_drop(store *s, int64_t id, const char *reason, int *dropped);

/* store_sqlite_report.c */
int sq_report_add(store *s, int64_t raw_id, const dm_report *r, int64_t *report_id,
    int64_t *dup_of);
int sq_record_add(store *s, int64_t report_id, const char *policy_domain, const dm_record *rec,
    const store_record_analysis *an);
int sq_report_finish(store *s, int64_t report_id, const dm_report *r);
int sq_duplicate_add(store *s, int64_t raw_id, int64_t report_id, const char *source);
int sq_raw_duplicate(store *s, int64_t raw_id, const char *source, int64_t *n);

/* store_sqlite_read.c */
int sq_summary(store *s, const store_filter *f, store_summary *out);
int sq_export_reports(store *s, const store_filter *f, int (*cb)(void *, const store_report_row *),
    void *ctx);
int sq_export_records(store *s, int64_t report_id, int (*cb)(void *, const dm_record *), void *ctx);

#endif
