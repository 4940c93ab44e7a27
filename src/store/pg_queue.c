/*
 * pg_queue.c - statements whose result is only "it worked" (savepoints,
 * archive chunks, state updates, the record batches) wait in a queue and
 * travel with the next statement whose rows are needed, in one pipeline
 * (libpq pipeline mode): one round trip instead of one each.
 *
 * Only inside a transaction: outside one, a deferred statement runs at
 * once.  Statements run in the order they were issued; the queue is sent
 * before any other statement on the connection (pg_exec, pg_exec_text),
 * and dropped, unsent, by a rollback of the whole transaction.
 *
 * Errors: a queued statement's failure is reported by the statement it
 * travelled with ("what: message" of the queued one, q->sqlstate set): that
 * statement returns NULL / STORE_ERR, and the transaction is aborted as it
 * would be had the failing statement run alone.  The caller rolls back.
 *
 * Ownership: queued parameter values are copies (or, from pg_queue_add,
 * taken over), freed once sent or dropped.
 *
 * Exports (pg_priv.h): pg_defer, pg_defer_text, pg_sync, pg_queue_add,
 * pg_queue_pending, pg_pipeline, pg_queue_discard, pg_queue_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "../util/log.h"

#define QUEUE_MAX 64			/* statements before a sync */
#define QUEUE_BYTES (8u << 20)		/* parameter bytes before a sync */

typedef struct pg_qitem {
	char name[32];		/* prepared statement, or "" for text */
	char *text;		/* text statement (no parameters) */
	int n;
	char **v;		/* values, owned; NULL entries are SQL NULL */
	char what[80];
} pg_qitem;

struct pg_queue {
	pg_qitem *it;
	int n, cap;
	size_t bytes;
};

static void
item_free(pg_qitem *it)
{
	for (int i = 0; i < it->n; i++)
		free(it->v[i]);
	free(it->v);
	free(it->text);
}

void
pg_queue_discard(pg_store *q)
{
	struct pg_queue *Q = q->queue;

	if (Q == NULL)
		return;
	for (int i = 0; i < Q->n; i++)
		item_free(&Q->it[i]);
	Q->n = 0;
	Q->bytes = 0;
}

void
pg_queue_free(pg_store *q)
{
	if (q->queue == NULL)
		return;
	pg_queue_discard(q);
	free(q->queue->it);
	free(q->queue);
	q->queue = NULL;
}

int
pg_queue_pending(const pg_store *q)
{
	return q->queue != NULL && q->queue->n > 0;
}

static pg_qitem *
push(pg_store *q, const char *what)
{
	struct pg_queue *Q = q->queue;
	pg_qitem *it;

	if (Q == NULL)
		Q = q->queue = xcalloc(1, sizeof(*Q));
	if (Q->n == Q->cap) {
		Q->cap = Q->cap ? 2 * Q->cap : 16;
		Q->it = xrealloc(Q->it, (size_t)Q->cap * sizeof(*Q->it));
	}
	it = &Q->it[Q->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->what, sizeof(it->what), "%s", what);
	return it;
}

static int
in_tx(pg_store *q)
{
	return PQtransactionStatus(q->conn) == PQTRANS_INTRANS;
}

static int
maybe_sync(pg_store *q)
{
	if (!in_tx(q) || q->queue->n >= QUEUE_MAX || q->queue->bytes >= QUEUE_BYTES)
		return pg_sync(q);
	return STORE_OK;
}

int
pg_queue_add(pg_store *q, const char *name, int n, char **owned, const char *what)
{
	pg_qitem *it = push(q, what);

	snprintf(it->name, sizeof(it->name), "%s", name);
	it->n = n;
	it->v = owned;
	for (int i = 0; i < n; i++)
		q->queue->bytes += owned[i] != NULL ? strlen(owned[i]) : 0;
	return maybe_sync(q);
}

int
pg_defer(pg_store *q, enum pg_area area, int slot, const char *sqltext, const pg_params *p,
    const char *what)
{
	char name[32];
	char **v;
	int n = p != NULL ? p->n : 0;

	if (!in_tx(q))
		return pg_run(q, area, slot, sqltext, p, what);
	if (pg_prepare(q, area, slot, sqltext, what) != STORE_OK)
		return STORE_ERR;
	if (pg_batch_ready(q, sqltext) != STORE_OK)	/* the records come first */
		return STORE_ERR;
	v = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*v));
	for (int i = 0; i < n; i++)
		v[i] = p->v[i] != NULL ? xstrdup(p->v[i]) : NULL;
	snprintf(name, sizeof(name), "a%d_%d", (int)area, slot);
	return pg_queue_add(q, name, n, v, what);
}

int
pg_defer_text(pg_store *q, const char *sqltext, const char *what)
{
	pg_qitem *it;

	if (!in_tx(q))
		return pg_exec_text(q, sqltext, what);
	if (pg_batch_ready(q, strcmp(sqltext, "COMMIT") == 0 ? NULL : sqltext) != STORE_OK)
		return STORE_ERR;
	it = push(q, what);
	it->text = xstrdup(sqltext);
	return maybe_sync(q);
}

int
pg_sync(pg_store *q)
{
	return pg_pipeline(q, NULL, NULL, 0, NULL, "sync", NULL);
}

static int
send_item(PGconn *c, const char *name, const char *text, int n, const char *const *v)
{
	if (name != NULL && name[0] != '\0')
		return PQsendQueryPrepared(c, name, n, v, NULL, NULL, 0);
	return PQsendQueryParams(c, text, 0, NULL, NULL, NULL, NULL, 0);
}

static int
result_ok(const PGresult *r)
{
	ExecStatusType t = PQresultStatus(r);

	return t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK;
}

/*
 * Sends the queue, then the statement (prepared name, or text, or neither),
 * one sync, and reads every result.  *out (when out is not NULL) gets the
 * statement's result when everything succeeded.
 */
int
pg_pipeline(pg_store *q, const char *name, const char *text, int n, const char *const *v,
    const char *what, PGresult **out)
{
	struct pg_queue *Q = q->queue;
	int nq = Q != NULL ? Q->n : 0, nsent = 0, idx = 0, nulls = 0, rc = STORE_OK;
	int want = name != NULL || text != NULL;
	PGresult *r;

	if (out != NULL)
		*out = NULL;
	if (nq == 0 && !want)
		return STORE_OK;
	if (!PQenterPipelineMode(q->conn)) {
		pg_queue_discard(q);
		return pg_fail(q, what, NULL);
	}
	for (int i = 0; i < nq && rc == STORE_OK; i++, nsent++)
		if (!send_item(q->conn, Q->it[i].name, Q->it[i].text, Q->it[i].n,
		    (const char *const *)Q->it[i].v))
			rc = pg_fail(q, Q->it[i].what, NULL);
	if (rc == STORE_OK && want) {
		if (!send_item(q->conn, name, text, n, v))
			rc = pg_fail(q, what, NULL);
		else
			nsent++;
	}
	if (!PQpipelineSync(q->conn)) {
		if (rc == STORE_OK)
			rc = pg_fail(q, what, NULL);
		nsent = -1;	/* nothing to wait for */
	}
	/* Each statement's results end with a NULL; the sync comes last.  More
	 * NULLs than statements: the connection is gone. */
	while (nsent >= 0) {
		if ((r = PQgetResult(q->conn)) == NULL) {
			idx++;
			if (++nulls > nsent + 1) {
				if (rc == STORE_OK)
					rc = pg_fail(q, what, NULL);
				break;
			}
			continue;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (!result_ok(r)) {
			if (rc == STORE_OK)
				rc = pg_fail(q, idx < nq ? Q->it[idx].what : what, r);
			PQclear(r);
		} else if (idx == nq && want && out != NULL && *out == NULL) {
			*out = r;
		} else
			PQclear(r);
	}
	if (!PQexitPipelineMode(q->conn) && rc == STORE_OK)
		rc = pg_fail(q, what, NULL);
	pg_queue_discard(q);
	if (rc != STORE_OK && out != NULL && *out != NULL) {
		PQclear(*out);
		*out = NULL;
	}
	if (rc == STORE_OK)
		q->sqlstate[0] = '\0';
	return rc;
}
