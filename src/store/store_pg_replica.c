/*
 * store_pg_replica.c - the portal's read replica on PostgreSQL: a second
 * connection to a streaming-replication standby (store_set_replica), used
 * for the portal's reads (pg_read_conn) while its replay lag is within the
 * bound, else the primary answers.
 *
 * The lag is checked at most every max_lag/4 ms (10..250 ms) per store:
 * the primary's WAL position (pg_current_wal_lsn) against what the standby
 * has replayed (pg_last_wal_replay_lsn).  Caught up: lag 0.  Behind: the lag
 * is at most the time since the standby was last seen caught up, and at
 * most the age of its last replayed commit; the smaller bound is compared
 * with max_lag_ms.  A standby that cannot be reached, is not in recovery
 * (promoted: it no longer follows this primary), or fails a check, is not
 * used until a later check finds it good again (a lost connection is
 * re-opened at most every 5 s).  Inside a transaction reads stay on the
 * primary (they must see its own writes).
 *
 * Exports: pg_set_replica, pg_read_conn, pg_replica_close.  Errors:
 * pg_set_replica returns STORE_ERR with q->err set when the standby cannot
 * be reached.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_web_priv.h"

#define REOPEN_MS 5000

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "16/B374D848" → 0x16B374D848; 0 when unset or malformed. */
static uint64_t
lsn(const char *s)
{
	unsigned hi, lo;

	if (s == NULL || sscanf(s, "%8X/%8X", &hi, &lo) != 2)
		return 0;
	return (uint64_t)hi << 32 | lo;
}

void
pg_replica_close(pg_store *q)
{
	if (q->replica != NULL)
		PQfinish(q->replica);
	q->replica = NULL;
	free(q->replica_dsn);
	q->replica_dsn = NULL;
	memset(q->rprepared, 0, sizeof(q->rprepared));
	q->replica_fresh = 0;
	q->replica_checked_ms = q->replica_caught_up_ms = q->replica_reopen_ms = 0;
}

int
pg_set_replica(pg_store *q, const char *dsn, int max_lag_ms)
{
	PGconn *c;

	pg_replica_close(q);
	if (dsn == NULL || dsn[0] == '\0')
		return STORE_OK;
	/* a standby that does not answer costs at most a few seconds, here and
	 * at each re-open (the DSN's own connect_timeout wins) */
	c = PQconnectdbParams((const char *const[]){ "connect_timeout", "dbname", NULL },
	    (const char *const[]){ "3", dsn, NULL }, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(q->err, sizeof(q->err), "read replica: %s", PQerrorMessage(c));
		PQfinish(c);
		return STORE_ERR;
	}
	q->replica = c;
	q->replica_dsn = strdup(dsn);
	q->replica_max_lag_ms = max_lag_ms < 0 ? 0 : max_lag_ms;
	if (q->replica_dsn == NULL) {
		pg_replica_close(q);
		snprintf(q->err, sizeof(q->err), "read replica: out of memory");
		return STORE_ERR;
	}
	return STORE_OK;
}

/* A one-row answer of c, or NULL. */
static PGresult *
one_row(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		return r;
	PQclear(r);
	return NULL;
}

/* 1 when the standby may serve reads now. */
static int
check(pg_store *q, int64_t now)
{
	PGresult *pr, *sr;
	uint64_t primary, replayed;
	int64_t age_ms, since_ok_ms;
	int in_recovery, fresh;

	if (PQstatus(q->replica) != CONNECTION_OK) {
		if (now - q->replica_reopen_ms < REOPEN_MS)
			return 0;
		q->replica_reopen_ms = now;
		PQreset(q->replica);
		memset(q->rprepared, 0, sizeof(q->rprepared));
		if (PQstatus(q->replica) != CONNECTION_OK)
			return 0;
	}
	if ((pr = one_row(q->conn, "SELECT pg_current_wal_lsn()")) == NULL)
		return 0;
	primary = lsn(PQgetvalue(pr, 0, 0));
	PQclear(pr);
	sr = one_row(q->replica, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(),"
	    " (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)"
	    "::bigint");
	if (sr == NULL)
		return 0;
	in_recovery = PQgetvalue(sr, 0, 0)[0] == 't';
	replayed = lsn(PQgetvalue(sr, 0, 1));
	age_ms = PQgetisnull(sr, 0, 2) ? INT64_MAX : strtoll(PQgetvalue(sr, 0, 2), NULL, 10);
	PQclear(sr);
	if (!in_recovery || replayed == 0)
		return 0;
	if (replayed >= primary) {
		q->replica_caught_up_ms = now;
		return 1;
	}
	since_ok_ms = q->replica_caught_up_ms > 0 ? now - q->replica_caught_up_ms : INT64_MAX;
	fresh = (age_ms < since_ok_ms ? age_ms : since_ok_ms) <= q->replica_max_lag_ms;
	return fresh;
}

PGconn *
pg_read_conn(pg_store *q)
{
	int64_t now, every;

	if (q->replica == NULL || q->in_tx || q->tx_depth > 0 || pg_queue_pending(q) ||
	    PQtransactionStatus(q->conn) != PQTRANS_IDLE)
		return q->conn;
	now = now_ms();
	every = q->replica_max_lag_ms / 4;
	every = every < 10 ? 10 : every > 250 ? 250 : every;
	if (q->replica_checked_ms == 0 || now - q->replica_checked_ms >= every) {
		q->replica_fresh = check(q, now);
		q->replica_checked_ms = now;
	}
	return q->replica_fresh ? q->replica : q->conn;
}
