/*
 * pool.c - store connections for request threads.  SQLite connections are
 * opened NOMUTEX and keep prepared statements, so a connection is used by
 * one thread at a time: a request takes one from the pool (opening a new
 * one when the pool is empty) and gives it back when done.  At most
 * POOL_KEEP idle connections are kept; extra ones are closed.
 *
 * A connection opened with a read replica configured (--db-replica) reads
 * the portal's data from it (store_set_replica).
 *
 * Exports: pool_init, pool_get, pool_put, pool_fini, pool_replica.
 * Errors: pool_get returns NULL with err set when the store cannot open.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "web_priv.h"
#include "../util/log.h"

#define POOL_KEEP 32

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static store *idle[POOL_KEEP];
static int nidle;
static const web_opts *opts;

void
pool_init(const web_opts *o)
{
	opts = o;
}

store *
pool_get(char *err, size_t errlen)
{
	store *s = NULL;

	pthread_mutex_lock(&mu);
	if (nidle > 0)
		s = idle[--nidle];
	pthread_mutex_unlock(&mu);
	if (s != NULL)
		return s;
	if (store_open(&s, opts->db, err, errlen) != STORE_OK)
		return NULL;
	pool_replica(s);
	return s;
}

/* The standby for s's reads (--db-replica); when it cannot be reached, the
 * primary answers (one warning until it can again). */
void
pool_replica(store *s)
{
	static int warned;

	if (opts == NULL || opts->db_replica == NULL)
		return;
	if (store_set_replica(s, opts->db_replica, opts->replica_max_lag_ms) != STORE_OK) {
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			log_warnx("serve: read replica: %s; reading from the primary", store_errmsg(s));
	} else
		__atomic_store_n(&warned, 0, __ATOMIC_RELAXED);
}

void
pool_put(store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (nidle < POOL_KEEP) {
		idle[nidle++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&mu);
	if (s != NULL)
		store_close(s);
}

void
pool_fini(void)
{
	pthread_mutex_lock(&mu);
	while (nidle > 0)
		store_close(idle[--nidle]);
	pthread_mutex_unlock(&mu);
}
