/*
 * pg_util.c - the helpers every PostgreSQL store file shares (declared in
 * pg_priv.h): text parameters, named prepared statements by area and slot,
 * result readers, errors and nested write transactions.
 *
 * Statements are prepared on a connection the first time they run there
 * ("a<area>_<slot>"), then executed with PQexecPrepared, parameters and
 * results as text.  Every statement but the record batch's own writes the
 * pending records first, and the staged rollups when it names a rollup
 * (pg_batch_ready), so reads, savepoints and commits see every record and
 * rollup row added before them.
 *
 * Ownership: results are the caller's (PQclear).  Strings in pg_params are
 * borrowed, numbers copied, bytea hex buffers owned until pg_p_free.
 * Errors: q->err = "what: server message"; q->sqlstate = the SQLSTATE of the
 * failed statement ("" when none); NULL / STORE_ERR returned.
 *
 * A connection found lost between transactions is made again (pg_alive).
 *
 * Exports: pg_p_*, pg_alive, pg_session_init, pg_prepare, pg_exec,
 * pg_exec_nobatch, pg_exec_read, pg_run, pg_exec_text, pg_fail, pg_int,
 * pg_str, pg_real, pg_isnull, pg_tx_begin, pg_tx_end, pg_array, pg_array_quote,
 * pg_copy_quote, pg_copy_in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "../util/dbuf.h"
#include "../util/log.h"

void
pg_p_init(pg_params *p)
{
	p->n = 0;
	p->binary = 0;
}

static int
slot(pg_params *p)
{
	if (p->n >= PG_MAXPARAM)
		panic("store: more than %d statement parameters", PG_MAXPARAM);
	p->num[p->n][0] = '\0';	/* not an owned buffer (pg_p_bytes) */
	return p->n++;
}

void
pg_p_text(pg_params *p, const char *v)
{
	p->v[slot(p)] = v;
}

void
pg_p_int(pg_params *p, int64_t v)
{
	int i = slot(p);

	snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64, v);
	p->v[i] = p->num[i];
}

void
pg_p_real(pg_params *p, double v)
{
	int i = slot(p);

	snprintf(p->num[i], sizeof(p->num[i]), "%.17g", v);
	p->v[i] = p->num[i];
}

void
pg_p_null(pg_params *p)
{
	p->v[slot(p)] = NULL;
}

void
pg_p_bool(pg_params *p, int v)
{
	pg_p_int(p, v ? 1 : 0);
}

/* The buffer is marked by num[i][0] == 'x' so that pg_p_free knows it owns it. */
int
pg_p_bytes(pg_params *p, const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *d = data;
	int i = slot(p);
	char *b = xmalloc(2 * n + 3);

	b[0] = '\\';
	b[1] = 'x';
	for (size_t k = 0; k < n; k++) {
		b[2 + 2 * k] = hex[d[k] >> 4];
		b[3 + 2 * k] = hex[d[k] & 15];
	}
	b[2 + 2 * n] = '\0';
	p->v[i] = b;
	p->num[i][0] = 'x';
	p->num[i][1] = '\0';
	return STORE_OK;
}

void
pg_p_free(pg_params *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->num[i][0] == 'x' && p->v[i] != NULL && p->v[i] != p->num[i]) {
			free((char *)p->v[i]);
			p->v[i] = NULL;
			p->num[i][0] = '\0';
		}
}

int
pg_fail(pg_store *q, const char *what, const PGresult *r)
{
	const char *m = r != NULL ? PQresultErrorMessage(r) : NULL;
	const char *st = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	size_t len;

	if (m == NULL || *m == '\0')
		m = q->conn != NULL ? PQerrorMessage(q->conn) : "no connection";
	snprintf(q->err, sizeof(q->err), "%s: %s", what, m);
	len = strlen(q->err);
	while (len > 0 && (q->err[len - 1] == '\n' || q->err[len - 1] == ' '))
		q->err[--len] = '\0';
	snprintf(q->sqlstate, sizeof(q->sqlstate), "%s", st != NULL ? st : "");
	return STORE_ERR;
}

static int
result_ok(const PGresult *r)
{
	ExecStatusType t = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK;
}

static int
prepare_on(pg_store *q, PGconn *c, unsigned char (*prep)[PG_SLOTS], enum pg_area area, int sl,
    const char *sqltext, const char *what)
{
	char name[32];
	PGresult *r;

	if (sl < 0 || sl >= PG_SLOTS)
		panic("store: statement slot %d out of range", sl);
	if (prep[area][sl])
		return STORE_OK;
	snprintf(name, sizeof(name), "a%d_%d", (int)area, sl);
	/* under the portal's watch (store_web watch()) waits are watched and a
	 * stop cancels the statement (store_pg_web_exec.c) */
	r = q->stop != NULL ? pg_prepare_watched(q, c, name, sqltext) :
	    PQprepare(c, name, sqltext, 0, NULL);
	if (!result_ok(r)) {
		pg_fail(q, what, r);
		PQclear(r);
		return STORE_ERR;
	}
	PQclear(r);
	prep[area][sl] = 1;
	return STORE_OK;
}

int
pg_prepare(pg_store *q, enum pg_area area, int sl, const char *sqltext, const char *what)
{
	return prepare_on(q, q->conn, q->prepared, area, sl, sqltext, what);
}

static PGresult *
exec_on(pg_store *q, PGconn *c, unsigned char (*prep)[PG_SLOTS], enum pg_area area, int sl,
    const char *sqltext, const pg_params *p, const char *what, int flush)
{
	char name[32];
	PGresult *r;

	if (c == q->conn && pg_alive(q) != STORE_OK)
		return NULL;
	if (flush && area != PGA_BATCH && pg_batch_ready(q, sqltext) != STORE_OK)
		return NULL;
	if (prepare_on(q, c, prep, area, sl, sqltext, what) != STORE_OK)
		return NULL;
	snprintf(name, sizeof(name), "a%d_%d", (int)area, sl);
	if (c == q->conn && pg_queue_pending(q)) {
		/* the deferred statements travel with this one (pg_queue.c) */
		if (pg_pipeline(q, name, NULL, p != NULL ? p->n : 0, p != NULL ? p->v : NULL, what,
		    &r) != STORE_OK)
			return NULL;
		return r;
	}
	r = q->stop != NULL ? pg_exec_watched(q, c, name, p != NULL ? p->n : 0, p != NULL && p->binary,
	    p != NULL ? p->v : NULL) :
	    PQexecPrepared(c, name, p != NULL ? p->n : 0, p != NULL ? p->v : NULL, NULL, NULL,
	    p != NULL && p->binary);
	if (!result_ok(r)) {
		pg_fail(q, what, r);
		PQclear(r);
		return NULL;
	}
	q->sqlstate[0] = '\0';
	return r;
}

PGresult *
pg_exec(pg_store *q, enum pg_area area, int sl, const char *sqltext, const pg_params *p,
    const char *what)
{
	return exec_on(q, q->conn, q->prepared, area, sl, sqltext, p, what, 1);
}

PGresult *
pg_exec_nobatch(pg_store *q, enum pg_area area, int sl, const char *sqltext,
    const pg_params *p, const char *what)
{
	return exec_on(q, q->conn, q->prepared, area, sl, sqltext, p, what, 0);
}

/* The replica when one is set, connected and fresh enough (pg_read_conn,
 * store_pg_replica.c), else the primary. */
PGresult *
pg_exec_read(pg_store *q, enum pg_area area, int sl, const char *sqltext, const pg_params *p,
    const char *what)
{
	if (q->replica != NULL && !pg_queue_pending(q) && pg_read_conn(q) == q->replica)
		return exec_on(q, q->replica, q->rprepared, area, sl, sqltext, p, what, 1);
	return pg_exec(q, area, sl, sqltext, p, what);
}

int
pg_run(pg_store *q, enum pg_area area, int sl, const char *sqltext, const pg_params *p,
    const char *what)
{
	PGresult *r = pg_exec(q, area, sl, sqltext, p, what);

	if (r == NULL)
		return STORE_ERR;
	PQclear(r);
	return STORE_OK;
}

int
pg_exec_text(pg_store *q, const char *sqltext, const char *what)
{
	PGresult *r;

	if (pg_alive(q) != STORE_OK)
		return STORE_ERR;
	if (pg_batch_ready(q, strcmp(sqltext, "COMMIT") == 0 ? NULL : sqltext) != STORE_OK)
		return STORE_ERR;
	if (pg_queue_pending(q))
		return pg_pipeline(q, NULL, sqltext, 0, NULL, what, NULL);
	r = PQexec(q->conn, sqltext);
	if (!result_ok(r)) {
		pg_fail(q, what, r);
		PQclear(r);
		return STORE_ERR;
	}
	PQclear(r);
	q->sqlstate[0] = '\0';
	return STORE_OK;
}

int
pg_session_init(pg_store *q)
{
	PGresult *r = PQexec(q->conn, q->query_only ? "SET client_min_messages = warning;"
	    " SET default_transaction_read_only = on" : "SET client_min_messages = warning");

	if (!result_ok(r)) {
		pg_fail(q, "connecting", r);
		PQclear(r);
		return STORE_ERR;
	}
	PQclear(r);
	return STORE_OK;
}

int
pg_alive(pg_store *q)
{
	if (PQstatus(q->conn) == CONNECTION_OK)
		return STORE_OK;
	if (q->in_tx || q->tx_depth > 0) {
		snprintf(q->err, sizeof(q->err), "the connection to PostgreSQL was lost in a "
		    "transaction: %s", PQerrorMessage(q->conn));
		return STORE_ERR;
	}
	log_warnx("store: the connection to PostgreSQL was lost; connecting again");
	PQreset(q->conn);
	if (PQstatus(q->conn) != CONNECTION_OK)
		return pg_fail(q, "connecting again", NULL);
	memset(q->prepared, 0, sizeof(q->prepared));
	pg_batch_forget_prepared(q);
	pg_queue_discard(q);
	return pg_session_init(q);
}

int64_t
pg_int(const PGresult *r, int row, int col)
{
	const char *v;

	if (row >= PQntuples(r) || PQgetisnull(r, row, col))
		return 0;
	v = PQgetvalue(r, row, col);
	return (int64_t)strtoll(v, NULL, 10);
}

const char *
pg_str(const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

double
pg_real(const PGresult *r, int row, int col)
{
	if (row >= PQntuples(r) || PQgetisnull(r, row, col))
		return 0.0;
	return strtod(PQgetvalue(r, row, col), NULL);
}

int
pg_isnull(const PGresult *r, int row, int col)
{
	return row >= PQntuples(r) || PQgetisnull(r, row, col);
}

/* An array literal parameter, "{" elements "}", allocated (the caller's). */
char *
pg_array(const dbuf *d)
{
	char *a = xmalloc(d->len + 3);

	a[0] = '{';
	if (d->len > 0)
		memcpy(a + 1, d->data, d->len);
	a[d->len + 1] = '}';
	a[d->len + 2] = '\0';
	return a;
}

/* s as an array element: "...", a backslash before " and \. */
void
pg_array_quote(dbuf *d, const char *s)
{
	dbuf_addc(d, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			dbuf_addc(d, '\\');
		dbuf_addc(d, *p);
	}
	dbuf_addc(d, '"');
}

/* s as one field of COPY's text format: backslash, tab, newline and CR
 * escaped (a backslash, then \\, t, n or r). */
void
pg_copy_quote(dbuf *d, const char *s)
{
	for (const char *p = s; *p; p++)
		switch (*p) {
		case '\\': dbuf_addstr(d, "\\\\"); break;
		case '\t': dbuf_addstr(d, "\\t"); break;
		case '\n': dbuf_addstr(d, "\\n"); break;
		case '\r': dbuf_addstr(d, "\\r"); break;
		default: dbuf_addc(d, *p);
		}
}

/* sql (a COPY ... FROM STDIN) fed len bytes of data in one piece, outside
 * the pipeline (the caller has sent the queue: pg_sync).  Errors: STORE_ERR
 * with q->err "what: message"; the transaction is then aborted. */
int
pg_copy_in(pg_store *q, const char *sql, const char *data, size_t len, const char *what)
{
	PGresult *r = PQexec(q->conn, sql);
	int rc = STORE_OK;

	if (PQresultStatus(r) != PGRES_COPY_IN) {
		pg_fail(q, what, r);
		PQclear(r);
		return STORE_ERR;
	}
	PQclear(r);
	while (len > 0 && rc == STORE_OK) {	/* PQputCopyData takes an int */
		int n = len > (1u << 30) ? 1 << 30 : (int)len;

		if (PQputCopyData(q->conn, data, n) != 1)
			rc = pg_fail(q, what, NULL);
		data += n;
		len -= (size_t)n;
	}
	if (PQputCopyEnd(q->conn, rc == STORE_OK ? NULL : "dmarcscope: sending failed") != 1 &&
	    rc == STORE_OK)
		rc = pg_fail(q, what, NULL);
	while ((r = PQgetResult(q->conn)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == STORE_OK)
			rc = pg_fail(q, what, r);
		PQclear(r);
	}
	if (rc == STORE_OK)
		q->sqlstate[0] = '\0';
	return rc;
}

/*
 * tx_depth counts the pg_tx_begin calls that opened (1) or joined (> 1) a
 * transaction of their own.  Inside a transaction the caller opened with
 * store begin (tx_depth 0, the connection not idle), pg_tx_begin does
 * nothing and pg_tx_end leaves the outcome to that caller.
 */
int
pg_tx_begin(pg_store *q)
{
	if (q->tx_depth > 0) {
		q->tx_depth++;
		return STORE_OK;
	}
	if (PQtransactionStatus(q->conn) != PQTRANS_IDLE)
		return STORE_OK;
	if (pg_exec_text(q, "BEGIN", "begin") != STORE_OK)
		return STORE_ERR;
	q->tx_depth = 1;
	return STORE_OK;
}

int
pg_tx_end(pg_store *q, int ok)
{
	char keep[sizeof(q->err)];

	if (q->tx_depth == 0)
		return ok ? STORE_OK : STORE_ERR;
	if (--q->tx_depth > 0)
		return ok ? STORE_OK : STORE_ERR;
	if (ok) {
		int rc = pg_exec_text(q, "COMMIT", "commit");	/* the stage settles first */

		pg_stage_end(q);
		return rc;
	}
	memcpy(keep, q->err, sizeof(keep));
	pg_batch_discard(q);
	pg_stage_end(q);
	pg_queue_discard(q);
	pg_exec_text(q, "ROLLBACK", "rollback");
	memcpy(q->err, keep, sizeof(keep));
	return STORE_ERR;
}
