/*
 * store_pg_web_exec.c - runs the portal's reads on PostgreSQL (see
 * pg_web_priv.h): named parameters to $n, values bound as text, the
 * statement sent on the read connection, every row typed as SQLite would
 * type it and handed to the callback once the connection is idle again (a
 * callback may read the store itself, as the CSV writers' My Senders match
 * does).  Bounded reads come whole; a stream (the CSV downloads) goes
 * through a holdable cursor, 2000 rows a fetch.
 *
 * The watch (store_web watch(), q->stop) is checked every 20 ms while the
 * server works and every few hundred rows; a stop sends a cancel request
 * and the read fails ("interrupted").  A callback that stops early ends the
 * read without error.  A read the standby fails before any row is handed
 * over runs again on the primary.
 *
 * Statements are unnamed (the variants are too many to prepare, as on
 * SQLite); the fragments never hold data.
 *
 * Exports: pg_web_run, pg_exec_watched, pg_prepare_watched.  Errors: STORE_ERR with q->err set.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_web_priv.h"
#include "../util/dbuf.h"

#define MAXCOL 40
#define MAXPARAM 24
#define ROWS_PER_CHECK 256
#define STREAM_ROWS_S "2000"

/* Type OIDs (catalog/pg_type_d.h, not installed with libpq). */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26,
    OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

struct bound {
	int n;
	char names[MAXPARAM][16];
	const char *v[MAXPARAM];
	char num[MAXPARAM][24];
};

/* The parameter called name: 1 text, 0 bigint (value in *num or NULL), -1
 * unknown. */
static int
param_value(const pg_wbind *b, const char *name, const char **text, int64_t *num, int *isnull)
{
	const store_web_query *w = b->w;
	static const struct { const char *name; size_t off; } texts[] = {
		{ "dom", offsetof(store_web_query, domain) },
		{ "ip", offsetof(store_web_query, ip) },
		{ "q", offsetof(store_web_query, search) },
		{ "rep", offsetof(store_web_query, reporter) },
		{ "ud", offsetof(store_web_query, url_domain) },
	};

	*isnull = 0;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(name, texts[i].name) == 0) {
			*text = *(const char *const *)((const char *)w + texts[i].off);
			return 1;
		}
	if (strcmp(name, "since") == 0) *num = w->since;
	else if (strcmp(name, "until") == 0) *num = w->until;
	else if (strcmp(name, "cls") == 0) *num = w->cls;
	else if (strcmp(name, "id") == 0) *num = w->id;
	else if (strcmp(name, "rid") == 0) *num = w->report_id;
	else if (strcmp(name, "limit") == 0) {
		*num = w->limit;
		*isnull = w->limit < 0;		/* LIMIT NULL: no limit (SQLite's -1) */
	} else if (strcmp(name, "offset") == 0) *num = w->offset > 0 ? w->offset : 0;
	else if (strcmp(name, "tenant") == 0) *num = w->scope_tenant;
	else if (strcmp(name, "scan") == 0) *num = b->scan;
	else if (strcmp(name, "partial") == 0) *num = b->partial;
	else if (strcmp(name, "bt") == 0) *num = b->bt;
	else if (strcmp(name, "bid") == 0) *num = b->bid;
	else if (strcmp(name, "agg") == 0) *num = STORE_WEB_AGG_MAX;
	else if (strcmp(name, "umax") == 0) *num = STORE_WEB_URL_MAX;
	else
		return -1;
	return 0;
}

/* sql with :name → $n::type into out; the values into p.  -1 on an
 * unknown name (a bug in a fragment). */
static int
translate(const char *sql, const pg_wbind *b, dbuf *out, struct bound *p, char *err, size_t errlen)
{
	const char *s = sql;

	p->n = 0;
	while (*s != '\0') {
		if (*s == '\'' || *s == '"') {	/* literal or quoted identifier */
			const char *e = strchr(s + 1, *s);

			e = e != NULL ? e + 1 : s + strlen(s);
			dbuf_add(out, s, (size_t)(e - s));
			s = e;
		} else if (s[0] == ':' && s[1] == ':') {
			dbuf_add(out, s, 2);
			s += 2;
		} else if (s[0] == ':' && ((s[1] >= 'a' && s[1] <= 'z') || s[1] == '_')) {
			char name[16];
			size_t n = 0;
			int k, kind, isnull;
			const char *text = NULL;
			int64_t num = 0;

			s++;
			while (((*s >= 'a' && *s <= 'z') || *s == '_') && n < sizeof(name) - 1)
				name[n++] = *s++;
			name[n] = '\0';
			if ((kind = param_value(b, name, &text, &num, &isnull)) < 0) {
				snprintf(err, errlen, "unknown parameter :%s", name);
				return -1;
			}
			for (k = 0; k < p->n && strcmp(p->names[k], name) != 0; k++)
				;
			if (k == p->n) {
				if (p->n == MAXPARAM) {
					snprintf(err, errlen, "too many parameters");
					return -1;
				}
				snprintf(p->names[k], sizeof(p->names[k]), "%s", name);
				if (kind == 1)
					p->v[k] = text;
				else if (isnull)
					p->v[k] = NULL;
				else {
					snprintf(p->num[k], sizeof(p->num[k]), "%lld", (long long)num);
					p->v[k] = p->num[k];
				}
				p->n++;
			}
			dbuf_printf(out, "$%d::%s", k + 1, kind == 1 ? "text" : "bigint");
		} else
			dbuf_addc(out, *s++);
	}
	return 0;
}

static void
cancel(PGconn *c)
{
	PGcancel *pc = PQgetCancel(c);
	char buf[256];

	if (pc != NULL) {
		PQcancel(pc, buf, sizeof(buf));
		PQfreeCancel(pc);
	}
}

/* Waits until a result is ready; checks the watch while the server works
 * (*stopped set, cancel sent, when it says stop).  -1: connection lost. */
static int
wait_ready(pg_store *q, PGconn *c, int *stopped)
{
	while (PQisBusy(c)) {
		struct pollfd pfd = { .fd = PQsocket(c), .events = POLLIN };
		int watching = q->stop != NULL && !*stopped;

		if (watching && q->stop(q->stop_ctx)) {
			*stopped = 1;
			cancel(c);
		}
		if (poll(&pfd, 1, watching ? 20 : 1000) < 0 && errno != EINTR)
			return -1;
		if (!PQconsumeInput(c))
			return -1;
	}
	return 0;
}

/* The results of what was just sent on c, the wait watched: the first
 * error, else the first result; NULL when the connection failed. */
static PGresult *
collect(pg_store *q, PGconn *c)
{
	PGresult *r, *res = NULL;
	int stopped = 0;

	for (;;) {
		if (wait_ready(q, c, &stopped) != 0)
			break;
		if ((r = PQgetResult(c)) == NULL)
			break;
		if (res == NULL || (PQresultStatus(res) != PGRES_FATAL_ERROR &&
		    PQresultStatus(r) == PGRES_FATAL_ERROR)) {
			PQclear(res);
			res = r;
		} else
			PQclear(r);
	}
	return res;
}

PGresult *
pg_exec_watched(pg_store *q, PGconn *c, const char *name, int n, int binary, const char *const *values)
{
	if (!PQsendQueryPrepared(c, name, n, values, NULL, NULL, binary))
		return NULL;
	return collect(q, c);
}

PGresult *
pg_prepare_watched(pg_store *q, PGconn *c, const char *name, const char *sqltext)
{
	if (!PQsendPrepare(c, name, sqltext, 0, NULL))
		return NULL;
	return collect(q, c);
}

/* One row as SQLite would type it. */
static void
row_values(const PGresult *r, int row, int ncol, const char **names, store_web_val *v)
{
	for (int i = 0; i < ncol; i++) {
		const char *t = PQgetvalue(r, row, i);
		char *end;

		names[i] = PQfname(r, i);
		memset(&v[i], 0, sizeof(v[i]));
		if (PQgetisnull(r, row, i)) {
			v[i].type = SWV_NULL;
			continue;
		}
		switch (PQftype(r, i)) {
		case OID_BOOL:
			v[i].type = SWV_INT;
			v[i].i = t[0] == 't';
			break;
		case OID_INT2:
		case OID_INT4:
		case OID_INT8:
		case OID_OID:
			v[i].type = SWV_INT;
			v[i].i = strtoll(t, NULL, 10);
			break;
		case OID_NUMERIC:
			/* sum() of bigint: an integer when whole, as SQLite's sum */
			errno = 0;
			v[i].i = strtoll(t, &end, 10);
			if (*end == '\0' && errno == 0 && end != t) {
				v[i].type = SWV_INT;
				break;
			}
			/* FALLTHROUGH */
		case OID_FLOAT4:
		case OID_FLOAT8:
			v[i].type = SWV_REAL;
			v[i].i = 0;
			v[i].d = strtod(t, NULL);
			break;
		default:
			v[i].type = SWV_TEXT;
			v[i].s = t;
		}
	}
}

/* Sends text with p on c and waits for its one result (the watch checked
 * meanwhile).  NULL with q->err set on failure or stop (*stopped). */
static PGresult *
send_wait(pg_store *q, PGconn *c, const char *text, const struct bound *p, const char *what,
    int *stopped)
{
	PGresult *r, *res = NULL;
	char msg[384] = "";

	if (!PQsendQueryParams(c, text, p != NULL ? p->n : 0, NULL, p != NULL ? p->v : NULL, NULL,
	    NULL, 0)) {
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		goto fail;
	}
	for (;;) {
		if (wait_ready(q, c, stopped) != 0) {
			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
			PQclear(res);
			res = NULL;
			break;
		}
		if ((r = PQgetResult(c)) == NULL)
			break;
		if (res == NULL && (PQresultStatus(r) == PGRES_TUPLES_OK ||
		    PQresultStatus(r) == PGRES_COMMAND_OK)) {
			res = r;
			continue;
		}
		if (msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		PQclear(r);
	}
	if (res != NULL && msg[0] == '\0')
		return res;
	PQclear(res);
fail:
	if (*stopped)
		snprintf(q->err, sizeof(q->err), "%s: interrupted", what);
	else {
		size_t n = strlen(msg);

		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		snprintf(q->err, sizeof(q->err), "%s: %s", what, msg[0] ? msg : "failed");
	}
	return NULL;
}

/* Every row of r to cb; 1 when cb stopped, -1 when the watch did. */
static int
hand_rows(pg_store *q, const PGresult *r, store_web_cb cb, void *ctx, int *delivered)
{
	const char *names[MAXCOL];
	store_web_val v[MAXCOL];
	int ncol = PQnfields(r) < MAXCOL ? PQnfields(r) : MAXCOL;

	for (int row = 0; row < PQntuples(r); row++) {
		if (row > 0 && row % ROWS_PER_CHECK == 0 && q->stop != NULL && q->stop(q->stop_ctx))
			return -1;
		row_values(r, row, ncol, names, v);
		(*delivered)++;
		if (cb(ctx, ncol, names, v) != 0)
			return 1;
	}
	return 0;
}

/*
 * One run on connection c.  The rows are read whole (the lists are bounded)
 * and handed over once the connection is idle again, so a callback may run
 * other reads on the same store, as it may on SQLite.  A stream (the CSV
 * downloads, every matching row) goes through a holdable cursor instead,
 * STREAM_ROWS at a time, the connection idle between the fetches.
 * *delivered counts the rows handed over.
 */
static int
run_on(pg_store *q, PGconn *c, const char *text, const struct bound *p, int stream,
    store_web_cb cb, void *ctx, const char *what, int *delivered)
{
	PGresult *r;
	dbuf decl;
	int stopped = 0, rc = 0;

	*delivered = 0;
	if (!stream) {
		if ((r = send_wait(q, c, text, p, what, &stopped)) == NULL)
			return STORE_ERR;
		rc = hand_rows(q, r, cb, ctx, delivered);
		PQclear(r);
		if (rc < 0) {
			snprintf(q->err, sizeof(q->err), "%s: interrupted", what);
			return STORE_ERR;
		}
		return STORE_OK;
	}
	dbuf_init(&decl, 1 << 16);
	dbuf_addstr(&decl, "DECLARE ds_web_stream NO SCROLL CURSOR WITH HOLD FOR ");
	dbuf_addstr(&decl, text);
	r = send_wait(q, c, dbuf_cstr(&decl), p, what, &stopped);
	dbuf_free(&decl);
	if (r == NULL)
		return STORE_ERR;
	PQclear(r);
	while (rc == 0) {
		if ((r = send_wait(q, c, "FETCH FORWARD " STREAM_ROWS_S " FROM ds_web_stream", NULL, what,
		    &stopped)) == NULL) {
			rc = -2;
			break;
		}
		if (PQntuples(r) == 0) {
			PQclear(r);
			break;
		}
		rc = hand_rows(q, r, cb, ctx, delivered);
		PQclear(r);
	}
	if ((r = send_wait(q, c, "CLOSE ds_web_stream", NULL, what, &stopped)) != NULL)
		PQclear(r);
	if (rc == -1)
		snprintf(q->err, sizeof(q->err), "%s: interrupted", what);
	return rc < 0 ? STORE_ERR : STORE_OK;
}

/* The primary before a read: connected (made again when lost), the pending
 * records and deferred statements sent, so the read sees them. */
static int
primary_ready(pg_store *q)
{
	if (pg_alive(q) != STORE_OK)
		return STORE_ERR;
	if (pg_batch_ready(q, NULL) != STORE_OK)
		return STORE_ERR;
	return pg_queue_pending(q) ? pg_sync(q) : STORE_OK;
}

int
pg_web_run(pg_store *q, const char *sql, const pg_wbind *b, store_web_cb cb, void *ctx,
    const char *what)
{
	struct bound p;
	dbuf text;
	PGconn *c;
	int rc, delivered;

	dbuf_init(&text, 1 << 16);
	if (translate(sql, b, &text, &p, q->err, sizeof(q->err)) != 0) {
		dbuf_free(&text);
		return STORE_ERR;
	}
	if ((c = pg_read_conn(q)) == q->conn && primary_ready(q) != STORE_OK) {
		dbuf_free(&text);
		return STORE_ERR;
	}
	rc = run_on(q, c, dbuf_cstr(&text), &p, b->stream, cb, ctx, what, &delivered);
	if (rc != STORE_OK && c != q->conn && delivered == 0 &&
	    strstr(q->err, ": interrupted") == NULL) {
		/* the standby failed (gone, a recovery conflict): the primary
		 * answers, and the standby waits for the next lag check */
		q->replica_fresh = 0;
		if (primary_ready(q) == STORE_OK)
			rc = run_on(q, q->conn, dbuf_cstr(&text), &p, b->stream, cb, ctx, what,
			    &delivered);
	}
	dbuf_free(&text);
	return rc;
}
