/*
 * store_sqlite_tx.c - the SQLite backend's statement helpers (sq_fail,
 * sq_bind_text, sq_run, sq_exec, sq_prep, stmt), transactions and
 * savepoints.  Moved out of store_sqlite.c unchanged.
 *
 * A transaction boundary makes the record batch forget its ids; a rollback
 * (whole or to a savepoint) drops the pending batch, which was never written.
 * A grouped transaction (a "unit" savepoint per message) stages its rollups
 * and settles them before its COMMIT (store_sqlite_stage.c).
 *
 * Exports: sq_fail, sq_bind_text, sq_run, sq_exec, sq_prep, sq_prep_nobatch
 * (sqlite_priv.h), sq_stmt, sq_begin, sq_commit, sq_rollback, sq_mark,
 * sq_mark_release, sq_mark_rollback (sqlite_core.h).  Errors: STORE_ERR with
 * q->err set.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_core.h"
#include "store.h"
#include "../util/log.h"

int
sq_fail(sq_store *q, const char *what)
{
	snprintf(q->err, sizeof(q->err), "%s: %s", what, sqlite3_errmsg(q->db));
	return STORE_ERR;
}

/* Every statement but the batch's own writes the pending records first. */
sqlite3_stmt *
stmt(sq_store *q, enum stmt i)
{
	sqlite3_stmt *s = q->st[i];

	if (q->batch != NULL)
		sq_batch_flush(q);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

void
sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

int
sq_run(sq_store *q, sqlite3_stmt *s, const char *what)
{
	int rc;

	if (q->batch_err) {
		/* the records written before this statement failed (q->err) */
		q->batch_err = 0;
		sqlite3_reset(s);
		return STORE_ERR;
	}
	rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fail(q, what);
		sqlite3_reset(s);
		return STORE_ERR;
	}
	sqlite3_reset(s);
	return STORE_OK;
}

int
sq_exec(sq_store *q, const char *sqltext)
{
	char *msg = NULL;

	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK) {
		q->batch_err = 0;
		return STORE_ERR;
	}
	if (sqlite3_exec(q->db, sqltext, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(q->err, sizeof(q->err), "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return STORE_ERR;
	}
	return STORE_OK;
}

sqlite3_stmt *
sq_prep(sq_store *q, enum sq_area area, int slot, const char *sqltext)
{
	if (q->batch != NULL)
		sq_batch_flush(q);
	return sq_prep_nobatch(q, area, slot, sqltext);
}

sqlite3_stmt *
sq_prep_nobatch(sq_store *q, enum sq_area area, int slot, const char *sqltext)
{
	sqlite3_stmt **p = &q->area[area][slot];

	if (*p == NULL && sqlite3_prepare_v3(q->db, sqltext, -1, SQLITE_PREPARE_PERSISTENT, p,
	    NULL) != SQLITE_OK) {
		sq_fail(q, "preparing a statement");
		*p = NULL;
		return NULL;
	}
	sqlite3_reset(*p);
	sqlite3_clear_bindings(*p);
	return *p;
}

/* Record ids are numbered afresh after every transaction boundary. */
static int
sq_tx(store *s, enum stmt i, const char *what)
{
	int rc = run(SQ(s), stmt(SQ(s), i), what);

	sq_batch_forget(SQ(s));
	return rc;
}

int
sq_begin(store *s)
{
	SQ(s)->units = 0;
	return sq_tx(s, S_BEGIN, "begin");
}

/* A grouped transaction settles its staged rollups first; a settle that
 * fails fails the commit (the caller rolls back). */
int
sq_commit(store *s)
{
	int rc;

	if (sq_stage_settle(SQ(s)) != STORE_OK) {
		sq_batch_forget(SQ(s));
		return STORE_ERR;
	}
	if ((rc = sq_tx(s, S_COMMIT, "commit")) == STORE_OK)
		sq_stage_end(SQ(s));
	return rc;
}

int
sq_rollback(store *s)
{
	sq_store *q = SQ(s);

	sq_batch_discard(q);	/* never written: nothing to undo */
	sq_stage_end(q);	/* the stage rows go with the transaction */
	if (sqlite3_get_autocommit(q->db))
		return STORE_OK;
	return run(q, stmt(q, S_ROLLBACK), "rollback");
}

/* Savepoints are prepared statements too: one per name and operation
 * (op 0 set, 1 release, 2 roll back to). */
static int
sq_mark_op(store *s, const char *name, int op)
{
	static const enum stmt tab[3][3] = {
		{ S_SP_UNIT, S_REL_UNIT, S_RB_UNIT },
		{ S_SP_MSG, S_REL_MSG, S_RB_MSG },
		{ S_SP_DOC, S_REL_DOC, S_RB_DOC },
	};
	sq_store *q = SQ(s);
	int i;

	if (strcmp(name, "unit") == 0)
		i = 0;
	else if (strcmp(name, "msg") == 0)
		i = 1;
	else if (strcmp(name, "doc") == 0)
		i = 2;
	else {
		snprintf(q->err, sizeof(q->err), "unknown savepoint '%s'", name);
		return STORE_ERR;
	}
	/* A "unit" savepoint is a message of a grouped transaction: its
	 * rollups are staged from the second one on (a transaction of one
	 * large report keeps to the triggers: the stage would hold its source
	 * rows in memory), begun before the savepoint, so that rolling a
	 * message back keeps the stage tables. */
	if (i == 0 && op == 0 && ++q->units >= 2 && sq_stage_begin(q) != STORE_OK)
		return STORE_ERR;
	return run(q, stmt(q, tab[i][op]), "savepoint");
}

int sq_mark(store *s, const char *n) { return sq_mark_op(s, n, 0); }
int sq_mark_release(store *s, const char *n) { return sq_mark_op(s, n, 1); }

int
sq_mark_rollback(store *s, const char *n)
{
	/* Pending records came after the newest savepoint (setting it wrote
	 * everything before): dropping them is the rollback. */
	sq_batch_discard(SQ(s));
	if (sq_mark_op(s, n, 2) != STORE_OK)
		return STORE_ERR;
	return sq_mark_op(s, n, 1);
}
