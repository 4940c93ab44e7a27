/*
 * pg_web_priv.h - what the PostgreSQL portal reads share (store_pg_web.c,
 * store_pg_web_kinds.c, store_pg_web_exec.c, store_pg_replica.c).  Not for
 * use outside src/store/.
 *
 * The portal's queries are built from fixed fragments like the SQLite ones,
 * with named parameters (":dom", ":since", ...) in the text; pg_web_run
 * numbers them ($1::text, $2::bigint ...) and binds their values from a
 * pg_wbind, so the fragments read as their SQLite originals and nothing
 * from a request reaches the SQL text.  Rows reach the callback typed from
 * the column's type (PQftype): integers and booleans as SWV_INT, floats as
 * SWV_REAL, numeric (PostgreSQL's sum of bigint) as SWV_INT when whole,
 * everything else as SWV_TEXT, NULL as SWV_NULL: what SQLite hands over.
 *
 * Reads go to pg_read_conn (the standby when one is set and fresh enough,
 * else the primary) and check the watch callback (q->stop) while waiting
 * and between rows; a stop cancels the statement.  A stream (pg_wbind
 * stream: every row of a CSV download) is fetched through a cursor.
 *
 * Exports: struct pg_wbind, pg_web_run, pg_set_replica,
 * pg_replica_close.  Errors: STORE_ERR with q->err set.
 */
#ifndef DS_PG_WEB_PRIV_H
#define DS_PG_WEB_PRIV_H

#include "pg_priv.h"
#include "store_web.h"

/* The values the named parameters take. */
typedef struct pg_wbind {
	const store_web_query *w;
	int64_t scan, partial, bt, bid;
	int stream;		/* many rows: fetched a part at a time (a cursor) */
} pg_wbind;

/* Runs sql (with :names) on the read connection; every row to cb (a
 * non-zero return stops: STORE_OK).  what names the query in errors. */
int pg_web_run(pg_store *q, const char *sql, const pg_wbind *b, store_web_cb cb, void *ctx,
    const char *what);

int pg_set_replica(pg_store *q, const char *dsn, int max_lag_ms);
void pg_replica_close(pg_store *q);

#endif
