/*
 * pg_priv.h - what the PostgreSQL backend's files share (store_pg.c and the
 * store_pg_*.c files that implement the sub-interfaces).  Not for use
 * outside src/store/.  The counterpart of sqlite_priv.h.
 *
 * Statements.  Every SQL text is a named prepared statement, prepared on the
 * connection the first time it is used (pg_exec with an area and a slot):
 * files never share slot numbers because each has its own area.  Parameters
 * are passed as text (pg_params), results come back as text (PQgetvalue),
 * read with pg_int/pg_str/pg_real/pg_isnull.  Identifiers are never built
 * from data; sort orders are indexes into fixed tables, as on SQLite.
 *
 * Transactions.  begin/commit/rollback/mark* map to BEGIN, COMMIT, ROLLBACK,
 * SAVEPOINT name, RELEASE SAVEPOINT name, ROLLBACK TO SAVEPOINT name.  An
 * op called outside a transaction runs in autocommit (one statement) or
 * opens its own (pg_tx_begin/pg_tx_end nest: only the outermost one acts).
 *
 * Duplicates are decided by unique constraints (INSERT ... ON CONFLICT), never
 * by a read then a write, so two nodes writing the same report at once store
 * it once.  Work that must happen once is claimed with FOR UPDATE SKIP LOCKED
 * or pg_try_advisory_xact_lock.
 *
 * Errors: every helper that fails sets q->err ("what: server message") and
 * returns STORE_ERR or NULL; the caller then returns STORE_ERR.  Results are
 * owned by the caller (PQclear).
 *
 * Exports: pg_store, PG(), enum pg_area, pg_params and pg_p_*, pg_exec,
 * pg_exec_nobatch, pg_exec_text, pg_run, pg_fail, pg_prepare, pg_defer, pg_defer_text,
 * pg_sync, pg_queue_*, pg_pipeline, pg_int, pg_str, pg_real, pg_isnull, pg_array, pg_array_quote,
 * pg_copy_quote, pg_copy_in,
 * pg_tx_begin, pg_tx_end, pg_batch_*, the sub-interface op tables.
 */
#ifndef DS_PG_PRIV_H
#define DS_PG_PRIV_H

#include <libpq-fe.h>
#include <stdint.h>

#include "store.h"
#include "store_analysis.h"

#define PG_SLOTS 96		/* statements per area */
#define PG_MAXPARAM 64		/* parameters per statement (pg_params) */

enum pg_area { PGA_CORE = 0, PGA_ANALYSIS, PGA_HOSTS, PGA_WEB, PGA_WEB_KINDS, PGA_BATCH, PGA_KINDS,
    PGA_AUTH, PGA_ALERTS, PGA_INTAKE, PGA_RETENTION, PGA_DNSCHECK, PGA_WEB_OVERVIEW, PGA_HOSTCACHE,
    PGA_COUNTER, PGA_FEED, PGA_CHANGES, PGA__COUNT };

typedef struct pg_store {
	store base;
	PGconn *conn;		/* the primary */
	PGconn *replica;	/* read replica for the portal's reads, or NULL */
	char *dsn, *replica_dsn;
	unsigned char prepared[PGA__COUNT][PG_SLOTS];	/* 1: prepared on conn */
	unsigned char rprepared[PGA__COUNT][PG_SLOTS];	/* 1: prepared on replica */
	int tx_depth;		/* pg_tx_begin nesting; 0: autocommit */
	int query_only;		/* store_web query_only(): writes refused */
	int (*stop)(void *);	/* store_web watch(): checked between rows */
	void *stop_ctx;
	int replica_max_lag_ms;	/* store_set_replica: the standby serves while its lag is below */
	int replica_fresh;	/* the last lag check (store_pg_replica.c) found it so */
	int64_t replica_checked_ms;	/* when (CLOCK_MONOTONIC, ms); 0: not yet */
	int64_t replica_caught_up_ms;	/* when it had replayed all the primary had */
	int64_t replica_reopen_ms;	/* when its lost connection was last re-opened */
	struct pg_batch *batch;	/* records and rollups not written yet */
	char err[512];
	char sqlstate[6];	/* of the last failed statement, "" when none */
	/* raw_new found the hash taken by a concurrent writer: the row was
	 * inserted without it, and raw_seal reports the duplicate. */
	int64_t defer_raw;
	char defer_sha[72];
	struct pg_queue *queue;	/* deferred statements not sent yet (pg_queue.c) */
	int in_tx;		/* store begin ... commit/rollback */
	struct pg_hostcache *hostcache;	/* host facts read ahead (store_pg_hostcache.c) */
	struct pg_counters *counters;	/* /metrics samples until COMMIT (store_pg_counter.c) */
	struct pg_changes *changes;	/* alert changes of a grouped transaction (store_pg_changes.c) */
} pg_store;

#define PG(s) ((pg_store *)(s))

/* Text parameters for one statement.  Values are copied into the struct
 * (numbers) or referenced (strings: the caller keeps them alive until
 * pg_exec returns).  NULL pointer → SQL NULL. */
typedef struct pg_params {
	int n;
	int binary;	/* 1: the result in binary (PQgetvalue gives the type's send form) */
	const char *v[PG_MAXPARAM];
	char num[PG_MAXPARAM][24];
} pg_params;

void pg_p_init(pg_params *p);
void pg_p_text(pg_params *p, const char *v);	/* NULL → NULL */
void pg_p_int(pg_params *p, int64_t v);
void pg_p_real(pg_params *p, double v);
void pg_p_null(pg_params *p);
void pg_p_bool(pg_params *p, int v);		/* as 0/1 integer */
/* bytea: hex-encodes into an allocated buffer freed by pg_p_free. */
int pg_p_bytes(pg_params *p, const void *data, size_t n);
void pg_p_free(pg_params *p);

/* Runs the prepared statement area/slot (prepared from sqltext on first
 * use on this connection), with p (may be NULL).  Returns the result when
 * its status is PGRES_TUPLES_OK or PGRES_COMMAND_OK, else NULL with q->err
 * set from what.  The caller PQclears it.  Flushes pending record batches
 * first (as sq_prep does), except for area PGA_BATCH. */
PGresult *pg_exec(pg_store *q, enum pg_area area, int slot, const char *sqltext,
    const pg_params *p, const char *what);
/* The same on the read replica when one is configured and fresh enough,
 * else on the primary (portal reads only). */
PGresult *pg_exec_read(pg_store *q, enum pg_area area, int slot, const char *sqltext,
    const pg_params *p, const char *what);
/* PQexecPrepared(c, name, ...) with the wait watched by q->stop (store_web
 * watch()): a stop cancels the statement, whose error result comes back. */
PGresult *pg_exec_watched(pg_store *q, PGconn *c, const char *name, int n, int binary,
    const char *const *values);
/* PQprepare likewise (parsing waits for table locks too). */
PGresult *pg_prepare_watched(pg_store *q, PGconn *c, const char *name, const char *sqltext);
/* The connection portal reads go to: the replica while it is fresh enough,
 * outside a transaction (store_pg_replica.c), else the primary. */
PGconn *pg_read_conn(pg_store *q);
/* pg_exec, then PQclear: STORE_OK or STORE_ERR. */
int pg_run(pg_store *q, enum pg_area area, int slot, const char *sqltext, const pg_params *p,
    const char *what);
/* pg_exec without writing pending record batches first: only for
 * statements that neither read nor write records, their auth results or the
 * day/source rollups (the per-record host lookup at ingest, which would
 * otherwise cut every batch down to one record). */
PGresult *pg_exec_nobatch(pg_store *q, enum pg_area area, int slot, const char *sqltext,
    const pg_params *p, const char *what);
/* An unprepared statement without parameters (DDL, BEGIN, SAVEPOINT x). */
int pg_exec_text(pg_store *q, const char *sqltext, const char *what);
/* Sets q->err to "what: message" (message from r, else from the
 * connection) and q->sqlstate; returns STORE_ERR. */
int pg_fail(pg_store *q, const char *what, const PGresult *r);

/* A connection found lost (a statement failed on it: server restart) is
 * made again before the next statement, unless a transaction was open
 * (then that transaction fails, and after its rollback the next one
 * reconnects): prepared statements are forgotten, the session settings
 * made again.  STORE_ERR with q->err when it cannot be. */
int pg_alive(pg_store *q);
int pg_session_init(pg_store *q);
void pg_batch_forget_prepared(pg_store *q);
/* Prepares area/slot on the primary unless it is already (pg_exec does it
 * by itself). */
int pg_prepare(pg_store *q, enum pg_area area, int slot, const char *sqltext, const char *what);

/* Deferred statements (pg_queue.c): inside a transaction, a write whose
 * only result is success waits and travels with the next statement that
 * returns rows (or the commit), in one round trip; outside a transaction it
 * runs at once.  Its error, if any, is returned by that later statement
 * (q->err names the deferred one); the transaction is then aborted as
 * usual and the caller rolls back.  Do not defer a statement whose failure
 * the caller handles by going on (use pg_run).  pg_sync sends the queue
 * now.  Note: while statements wait, PQtransactionStatus does not know of
 * their errors yet. */
int pg_defer(pg_store *q, enum pg_area area, int slot, const char *sqltext, const pg_params *p,
    const char *what);
int pg_defer_text(pg_store *q, const char *sqltext, const char *what);
int pg_sync(pg_store *q);
/* For pg_util.c and the batch: queue a prepared statement by name with
 * values it takes over; is anything queued; send the queue and one
 * statement (name or text, or none) in one pipeline; drop or free it. */
int pg_queue_add(pg_store *q, const char *name, int n, char **owned, const char *what);
int pg_queue_pending(const pg_store *q);
int pg_pipeline(pg_store *q, const char *name, const char *text, int n, const char *const *v,
    const char *what, PGresult **out);
void pg_queue_discard(pg_store *q);
void pg_queue_free(pg_store *q);

/* Column readers: NULL reads as 0 / NULL / 0.0. */
int64_t pg_int(const PGresult *r, int row, int col);
const char *pg_str(const PGresult *r, int row, int col);
double pg_real(const PGresult *r, int row, int col);
int pg_isnull(const PGresult *r, int row, int col);
/* Array literal parameters ('{...}'): pg_array copies the elements of d
 * between braces (allocated); pg_array_quote appends s as one element. */
struct dbuf;
char *pg_array(const struct dbuf *d);
void pg_array_quote(struct dbuf *d, const char *s);
/* COPY ... FROM STDIN in text format (store_pg_batch.c, large reports):
 * pg_copy_quote appends s as one field; pg_copy_in runs sql with data as
 * its input, outside the pipeline (pg_sync first). */
void pg_copy_quote(struct dbuf *d, const char *s);
int pg_copy_in(pg_store *q, const char *sql, const char *data, size_t len, const char *what);

/* An op that writes several statements and may be called outside a
 * transaction: pg_tx_begin opens one when none is open; pg_tx_end(ok)
 * commits (ok) or rolls back what pg_tx_begin opened. */
int pg_tx_begin(pg_store *q);
int pg_tx_end(pg_store *q, int ok);

/* Record batches (store_pg_batch.c): many records and rollup rows in one
 * round trip (multi-row INSERT or COPY).  pg_batch_flush before any other
 * statement (pg_exec does it), discard on rollback. */
int pg_batch_record(pg_store *q, int64_t report_id, const char *domain, const dm_record *rec,
    const store_record_analysis *an);
int pg_batch_day(pg_store *q, const store_rollup_day *r);
int pg_batch_src(pg_store *q, const store_rollup_src *r);
int pg_batch_org(pg_store *q, const store_rollup_org *r);
int pg_batch_hours(pg_store *q, const store_rollup_hours *r);
int pg_batch_flush(pg_store *q);
int pg_batch_savepoint(pg_store *q, const char *name);
int pg_batch_released(pg_store *q, const char *name);
int pg_batch_rolled_back_to(pg_store *q, const char *name);
void pg_batch_discard(pg_store *q);
void pg_batch_free(pg_store *q);
/* Before statement sql runs on the primary: the pending batch queued, and,
 * when sql names a rollup (pg_names_rollup; NULL: always, as before a
 * COMMIT), the staged rollup rows settled into their tables. */
int pg_batch_ready(pg_store *q, const char *sql);
/* Does sql name a rollup table or a table the rollups' triggers keep
 * ("rollup_", "ov_")?  NULL counts as yes. */
int pg_names_rollup(const char *sql);
/* The rollup stage of bulk mode (store bulk(), sql_pg/025): on/off; a
 * message begun (savepoint "unit"); after a rollback to a savepoint; at the
 * end of a transaction, committed or not. */
void pg_stage_bulk(pg_store *q, int on);
void pg_stage_unit(pg_store *q);
int pg_stage_first_unit(const pg_store *q);
void pg_stage_rolled_back(pg_store *q);
void pg_stage_end(pg_store *q);
int pg_stage_settle(pg_store *q);
int pg_stage_grouped(const pg_store *q);

/* store_pg_changes.c: a grouped transaction's alert changes and new hosts rows, written by
 * the settle */
int pg_changes_add(pg_store *q, const char *domain, int64_t day);
int pg_changes_add_failure(pg_store *q, int64_t failure_id);
int pg_changes_add_host(pg_store *q, const char *ip);
int pg_changes_pending(const pg_store *q);
int pg_changes_settle(pg_store *q);
void pg_changes_clear(pg_store *q);
void pg_changes_free(pg_store *q);

/* store_pg_report.c: the report writes (store.h). */
int pgs_report_add(store *s, int64_t raw_id, const dm_report *r, int64_t *report_id,
    int64_t *dup_of);
int pgs_record_add(store *s, int64_t report_id, const char *policy_domain, const dm_record *rec,
    const store_record_analysis *an);
int pgs_report_finish(store *s, int64_t report_id, const dm_report *r);
int pgs_duplicate_add(store *s, int64_t raw_id, int64_t report_id, const char *source);
int pgs_raw_duplicate(store *s, int64_t raw_id, const char *source, int64_t *n);

/* store_pg_read.c: the quarantine ops and the core reads (store.h). */
int pgs_quarantine_add(store *s, int64_t raw_id, const char *reason);
int pgs_quarantine_list(store *s, int only_open, int (*cb)(void *, const store_qitem *),
    void *ctx);
int pgs_quarantine_mark(store *s, int64_t raw_id, int resolved);
int pgs_quarantine_drop(store *s, int64_t id, const char *reason, int *dropped);
int pgs_summary(store *s, const store_filter *f, store_summary *out);
int pgs_export_reports(store *s, const store_filter *f,
    int (*cb)(void *, const store_report_row *), void *ctx);
int pgs_export_records(store *s, int64_t report_id, int (*cb)(void *, const dm_record *),
    void *ctx);

/* The sub-interfaces (NULL until their file exists). */
extern const struct store_analysis_ops store_pg_analysis_ops;
extern const struct store_hosts_ops store_pg_hosts_ops;
extern const struct store_web_ops store_pg_web_ops;
extern const struct store_kinds_ops store_pg_kinds_ops;
extern const struct store_auth_ops store_pg_auth_ops;
extern const struct store_alerts_ops store_pg_alerts_ops;
extern const struct store_intake_ops store_pg_intake_ops;
extern const struct store_retention_ops store_pg_retention_ops;
extern const struct store_dnscheck_ops store_pg_dnscheck_ops;
extern const struct store_feed_ops store_pg_feed_ops;

/* The portal's failure/TLS reads (store_pg_web_kinds.c), for q >=
 * SWQ_KINDS_FIRST; the kinds' rows following the archive (store_pg_kinds.c). */
struct store_web_query;
struct store_web_val;
int pg_web_kinds_query(store *s, int qn, const struct store_web_query *w,
    int (*cb)(void *, int, const char *const *, const struct store_web_val *), void *ctx);
/* The domains overview's reads (store_pg_web_overview.c), for q >= SWQ_OVERVIEW_FIRST. */
int pg_web_overview_query(store *s, int qn, const struct store_web_query *w,
    int (*cb)(void *, int, const char *const *, const struct store_web_val *), void *ctx);
int pg_kinds_merge(pg_store *q, int64_t from, int64_t into);
int pg_kinds_raw_duplicate(pg_store *q, int64_t raw_id, const char *source, int64_t *n);

/* Host facts of a batch's source IPs read in one round trip
 * (store_pg_hostcache.c): prefetch replaces the table (n = 0 empties it);
 * get answers from it: 1 when ip is in it (*found set, cb called when
 * found), 0 when it must be read from the database. */
int pg_hostcache_prefetch(pg_store *q, const char *const *ips, int n);
int pg_hostcache_get(pg_store *q, const char *ip, int (*cb)(void *, const store_host_facts *),
    void *ctx, int *found);
void pg_hostcache_free(pg_store *q);
/* store_intake_ops.counter (store_pg_counter.c): in a transaction the
 * samples wait in memory; flush (before COMMIT) writes them in key order,
 * discard (rollback) drops them. */
int pg_in_counter(store *s, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v, int set);
int pg_counter_flush(pg_store *q);
void pg_counter_discard(pg_store *q);
void pg_counter_free(pg_store *q);

#endif
