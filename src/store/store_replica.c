/*
 * store_replica.c - store_set_replica (store.h): the portal's reads from a
 * streaming-replication standby.  PostgreSQL only (store_pg_replica.c);
 * the SQLite store answers STORE_ERR "read replicas need PostgreSQL".
 *
 * Exports: store_set_replica.  Errors: STORE_ERR with store_errmsg set.
 */
#include <stdio.h>

#include "pg_web_priv.h"
#include "sqlite_priv.h"

int
store_set_replica(store *s, const char *dsn, int max_lag_ms)
{
	if (s->ops->web == &store_pg_web_ops)
		return pg_set_replica(PG(s), dsn, max_lag_ms);
	if (s->ops == &store_sqlite_ops)
		snprintf(SQ(s)->err, sizeof(SQ(s)->err), "read replicas need PostgreSQL");
	return STORE_ERR;
}
