/*
 * store_pg_counter.c - store_intake_ops.counter on PostgreSQL: the samples
 * the service's processes keep for /metrics (service_metrics, 013), as on
 * SQLite: value += v (a counter) or value = v (a gauge, set).
 *
 * Inside a transaction the samples are summed in memory and written just
 * before COMMIT (pg_counter_flush, from store_pg.c), one upsert per sample in
 * key order, travelling with the COMMIT.  Several ingest nodes add to the
 * same rows (the latency histogram's buckets): written as they come, each
 * group transaction would hold those row locks until its commit, so the
 * nodes would queue behind each other, and in different orders deadlock.
 * A rollback drops them with the rest (pg_counter_discard); a rollback to a
 * savepoint keeps them (a sample of a message whose savepoint was rolled
 * back may be counted: the metrics are counts of work done, not data).
 * Outside a transaction a sample is written at once.
 *
 * Exports (pg_priv.h): pg_in_counter, pg_counter_flush, pg_counter_discard,
 * pg_counter_free.  Errors: STORE_ERR with q->err set.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "../util/log.h"

#define MAX_SAMPLES 256		/* distinct samples held per transaction */

enum { K_ADD, K_SET };

typedef struct sample {
	char *k[5];		/* name, k1, v1, k2, v2 ("" for none) */
	double v;
	int set;
} sample;

struct pg_counters {
	sample s[MAX_SAMPLES];
	int n;
};

static const char *const csql[2] = {
	[K_ADD] = "INSERT INTO service_metrics (name, k1, v1, k2, v2, value, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6::double precision, $7::bigint) "
	    "ON CONFLICT (name, k1, v1, k2, v2) DO UPDATE SET "
	    "value = service_metrics.value + excluded.value, updated_at = excluded.updated_at",
	[K_SET] = "INSERT INTO service_metrics (name, k1, v1, k2, v2, value, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6::double precision, $7::bigint) "
	    "ON CONFLICT (name, k1, v1, k2, v2) DO UPDATE SET "
	    "value = excluded.value, updated_at = excluded.updated_at",
};

static int
write_one(pg_store *q, const char *const k[5], double v, int set, int defer)
{
	pg_params p;

	pg_p_init(&p);
	for (int i = 0; i < 5; i++)
		pg_p_text(&p, k[i]);
	pg_p_real(&p, v);
	pg_p_int(&p, (int64_t)time(NULL));
	return defer ? pg_defer(q, PGA_COUNTER, set, csql[set], &p, "counting a metric") :
	    pg_run(q, PGA_COUNTER, set, csql[set], &p, "counting a metric");
}

static int
cmp(const void *a, const void *b)
{
	const sample *x = a, *y = b;

	for (int i = 0; i < 5; i++) {
		int c = strcmp(x->k[i], y->k[i]);

		if (c != 0)
			return c;
	}
	return 0;
}

int
pg_in_counter(store *s, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v, int set)
{
	pg_store *q = PG(s);
	const char *k[5] = { name, k1 != NULL ? k1 : "", k1 != NULL && v1 != NULL ? v1 : "",
	    k1 != NULL && k2 != NULL ? k2 : "", k1 != NULL && k2 != NULL && v2 != NULL ? v2 : "" };
	struct pg_counters *c;
	sample *x;

	if (!q->in_tx)
		return write_one(q, k, v, set, 0);
	if ((c = q->counters) == NULL)
		c = q->counters = xcalloc(1, sizeof(*c));
	for (int i = 0; i < c->n; i++) {
		x = &c->s[i];
		if (strcmp(x->k[0], k[0]) != 0 || strcmp(x->k[1], k[1]) != 0 ||
		    strcmp(x->k[2], k[2]) != 0 || strcmp(x->k[3], k[3]) != 0 ||
		    strcmp(x->k[4], k[4]) != 0)
			continue;
		if (set) {
			x->v = v;
			x->set = 1;
		} else
			x->v += v;	/* a gauge set then added to stays set */
		return STORE_OK;
	}
	if (c->n >= MAX_SAMPLES)
		return write_one(q, k, v, set, 1);	/* rare: written now, in order of arrival */
	x = &c->s[c->n++];
	for (int i = 0; i < 5; i++)
		x->k[i] = xstrdup(k[i]);
	x->v = v;
	x->set = set;
	return STORE_OK;
}

void
pg_counter_discard(pg_store *q)
{
	struct pg_counters *c = q->counters;

	if (c == NULL)
		return;
	for (int i = 0; i < c->n; i++)
		for (int k = 0; k < 5; k++)
			free(c->s[i].k[k]);
	c->n = 0;
}

int
pg_counter_flush(pg_store *q)
{
	struct pg_counters *c = q->counters;
	int rc = STORE_OK;

	if (c == NULL || c->n == 0)
		return STORE_OK;
	qsort(c->s, (size_t)c->n, sizeof(c->s[0]), cmp);
	for (int i = 0; i < c->n && rc == STORE_OK; i++)
		rc = write_one(q, (const char *const *)c->s[i].k, c->s[i].v, c->s[i].set, 1);
	pg_counter_discard(q);
	return rc;
}

void
pg_counter_free(pg_store *q)
{
	pg_counter_discard(q);
	free(q->counters);
	q->counters = NULL;
}
