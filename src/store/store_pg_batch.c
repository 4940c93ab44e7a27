/*
 * store_pg_batch.c - records, their reasons and auth results, and the day
 * and source rollups reach PostgreSQL in batches, a few statements per batch
 * that need no round trip of their own.
 *
 * record_add appends the record's values to one array literal per column
 * (text, '{...}') and returns.  The batch is flushed when it is full, and
 * before any other statement runs on the connection (pg_exec calls
 * pg_batch_flush), so every read, savepoint and commit sees every record
 * added before it; outside a transaction it is written at once.  A flush
 * puts its statements in the deferred queue (pg_queue.c): they travel with
 * the next statement that needs an answer, or the commit, pipelined.
 *
 * A flush is:
 *   - one statement for the records and their reasons, DKIM and SPF rows:
 *     the records take their ids from the table's identity sequence inside
 *     the statement (unnest ... WITH ORDINALITY, nextval), and the auth rows
 *     join on the record's position in the batch (data-modifying CTEs);
 *   - one upsert per rollup table (INSERT ... ON CONFLICT DO UPDATE adding
 *     the counts), rows merged by key first (PostgreSQL refuses a command
 *     that updates one row twice) and written in key order (so concurrent
 *     writers lock rollup rows in the same order).
 * Values travel as parameters (array literals, elements quoted and
 * escaped), never pasted into SQL.
 *
 * Record ids are increasing within a batch, so a report's records keep
 * their order (export reads ORDER BY id).
 *
 * Errors: a failed batch statement is reported by the statement it
 * travelled with (q->err "storing records: ..."); the caller rolls back.
 *
 * Exports (pg_priv.h): pg_batch_record, pg_batch_day, pg_batch_src,
 * pg_batch_flush, pg_batch_discard, pg_batch_forget_prepared, pg_batch_free.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_RECS 512		/* records per batch */
#define MAX_BYTES (8u << 20)	/* array text per batch */
#define MAX_ROLL 512		/* distinct rollup rows per table */

/* The record statement's array parameters: records (34), reasons (5),
 * DKIM (7), SPF (7); 'i' bigint[], 's' text[]. */
static const char rec_types[] = "itsii" "sssssssss" "iii" "iiiiii" "sssss" "iisiii";
static const char reason_types[] = "iisss";
static const char auth_types[] = "iisssss";
#define NREC (int)(sizeof(rec_types) - 1)
#define NREASON (int)(sizeof(reason_types) - 1)
#define NAUTH (int)(sizeof(auth_types) - 1)
#define NCOL (NREC + NREASON + 2 * NAUTH)

enum { ST_RECORDS, ST_DAY, ST_SRC, ST__COUNT };

typedef struct rday {
	const char *domain;
	int64_t k[9];		/* day, cls, path, spf_cat, dkim_cat, sender_kind, known, disposition,
				 * reporter_pass */
	int64_t messages, records;
} rday;

typedef struct rsrc {
	const char *domain, *prefix;
	int64_t day;
	int64_t v[5];		/* messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing */
} rsrc;

struct pg_batch {
	dbuf col[NCOL];		/* element lists, without the braces */
	int nrec, nreason, ndkim, nspf;
	size_t bytes;
	rday day[MAX_ROLL];
	int nday;
	rsrc src[MAX_ROLL];
	int nsrc;
	arena strings;		/* the rollups' domains and prefixes */
	unsigned char prepared[ST__COUNT];
	char *sql[ST__COUNT];
};

/* ---- array literals ------------------------------------------------------------- */

static void
el_sep(dbuf *b, int n)
{
	if (n > 0)
		dbuf_addc(b, ',');
}

static void
el_int(struct pg_batch *b, int col, int n, int64_t v)
{
	el_sep(&b->col[col], n);
	dbuf_printf(&b->col[col], "%" PRId64, v);
}

static void
el_null(struct pg_batch *b, int col, int n)
{
	el_sep(&b->col[col], n);
	dbuf_addstr(&b->col[col], "NULL");
}

/* "..." with backslash before " and \ (array literal syntax). */
static void
el_text(struct pg_batch *b, int col, int n, const char *s)
{
	dbuf *d = &b->col[col];

	if (s == NULL) {
		el_null(b, col, n);
		return;
	}
	el_sep(d, n);
	dbuf_addc(d, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			dbuf_addc(d, '\\');
		dbuf_addc(d, *p);
	}
	dbuf_addc(d, '"');
	b->bytes += strlen(s) + 3;
}

/* ---- statements --------------------------------------------------------------- */

static void
unnest(dbuf *s, const char *types, int first)
{
	dbuf_addstr(s, "unnest(");
	for (int i = 0; types[i]; i++)
		dbuf_printf(s, "%s$%d::%s[]", i ? ", " : "", first + i,
		    types[i] == 'i' ? "bigint" : "text");
	dbuf_addc(s, ')');
}

static void
cols(dbuf *s, int n)
{
	for (int i = 1; i <= n; i++)
		dbuf_printf(s, "%sc%d", i > 1 ? ", " : "", i);
}

static char *
records_sql(void)
{
	dbuf s;
	int p = 1;

	dbuf_init(&s, 1 << 16);
	dbuf_addstr(&s, "WITH src AS MATERIALIZED (SELECT nextval('records_id_seq'::regclass) AS id, "
	    "t.* FROM ");
	unnest(&s, rec_types, p);
	p += NREC;
	dbuf_addstr(&s, " WITH ORDINALITY AS t(");
	cols(&s, NREC);
	dbuf_addstr(&s, ", ord)), "
	    "i1 AS (INSERT INTO records(id, report_id, policy_domain, source_ip, ip_family, "
	    "count, disposition, dkim, spf, raw_disposition, raw_dkim, raw_spf, header_from, "
	    "envelope_from, envelope_to, ndkim, nspf, nreasons, spf_cat, dkim_cat, "
	    "dkim_signed_aligned, reporter_pass, mismatch, reasons_mask, spf_domain, spf_result, "
	    "dkim_domain, dkim_result, dkim_pass_domains, sender_kind, sender_id, service, cls, "
	    "path, expl) SELECT id, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, "
	    "c15, c16, c17, coalesce(c18, 2), coalesce(c19, 2), coalesce(c20, 0), "
	    "coalesce(c21, 0), coalesce(c22, 0), coalesce(c23, 0), c24, c25, c26, c27, c28, "
	    "coalesce(c29, 0), c30, c31, coalesce(c32, 3), coalesce(c33, 5), coalesce(c34, 0) "
	    "FROM src ORDER BY ord), "
	    "i2 AS (INSERT INTO record_reasons(record_id, idx, type, raw_type, comment) "
	    "SELECT s.id, a.c2, a.c3, a.c4, a.c5 FROM ");
	unnest(&s, reason_types, p);
	p += NREASON;
	dbuf_addstr(&s, " AS a(");
	cols(&s, NREASON);
	dbuf_addstr(&s, ") JOIN src s ON s.ord = a.c1), "
	    "i3 AS (INSERT INTO auth_dkim(record_id, idx, domain, selector, result, raw_result, "
	    "human_result) SELECT s.id, a.c2, a.c3, a.c4, a.c5, a.c6, a.c7 FROM ");
	unnest(&s, auth_types, p);
	p += NAUTH;
	dbuf_addstr(&s, " AS a(");
	cols(&s, NAUTH);
	dbuf_addstr(&s, ") JOIN src s ON s.ord = a.c1) "
	    "INSERT INTO auth_spf(record_id, idx, domain, scope, result, raw_result, human_result) "
	    "SELECT s.id, a.c2, a.c3, a.c4, a.c5, a.c6, a.c7 FROM ");
	unnest(&s, auth_types, p);
	dbuf_addstr(&s, " AS a(");
	cols(&s, NAUTH);
	dbuf_addstr(&s, ") JOIN src s ON s.ord = a.c1");
	return dbuf_steal(&s, NULL);
}

static const char day_types[] = "siiiiiiiiiii";
static const char src_types[] = "sisiiiii";

static char *
rollup_sql(int day)
{
	dbuf s;

	dbuf_init(&s, 1 << 16);
	if (day) {
		dbuf_addstr(&s, "INSERT INTO rollup_day(policy_domain, day, cls, path, spf_cat, "
		    "dkim_cat, sender_kind, known, disposition, reporter_pass, messages, records) "
		    "SELECT * FROM ");
		unnest(&s, day_types, 1);
		dbuf_addstr(&s, " ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 "
		    "ON CONFLICT (policy_domain, day, cls, path, spf_cat, dkim_cat, sender_kind, known, "
		    "disposition, reporter_pass) DO UPDATE SET "
		    "messages = rollup_day.messages + excluded.messages, "
		    "records = rollup_day.records + excluded.records");
	} else {
		dbuf_addstr(&s, "INSERT INTO rollup_src(policy_domain, day, prefix, messages, "
		    "spf_aligned, dkim_aligned, dmarc_pass, spoofing) SELECT * FROM ");
		unnest(&s, src_types, 1);
		dbuf_addstr(&s, " ORDER BY 1, 2, 3 ON CONFLICT (policy_domain, day, prefix) "
		    "DO UPDATE SET messages = rollup_src.messages + excluded.messages, "
		    "spf_aligned = rollup_src.spf_aligned + excluded.spf_aligned, "
		    "dkim_aligned = rollup_src.dkim_aligned + excluded.dkim_aligned, "
		    "dmarc_pass = rollup_src.dmarc_pass + excluded.dmarc_pass, "
		    "spoofing = rollup_src.spoofing + excluded.spoofing");
	}
	return dbuf_steal(&s, NULL);
}

/* ---- the batch ----------------------------------------------------------------- */

static struct pg_batch *
batch_get(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (b == NULL) {
		b = q->batch = xcalloc(1, sizeof(*b));
		for (int i = 0; i < NCOL; i++)
			dbuf_init(&b->col[i], (size_t)256 << 20);
		arena_init(&b->strings, (size_t)64 << 20);
	}
	return b;
}

static void
batch_reset(struct pg_batch *b)
{
	for (int i = 0; i < NCOL; i++)
		dbuf_reset(&b->col[i]);
	b->nrec = b->nreason = b->ndkim = b->nspf = 0;
	b->bytes = 0;
	b->nday = b->nsrc = 0;
	arena_reset(&b->strings);
}

static int
batch_empty(const struct pg_batch *b)
{
	return b->nrec == 0 && b->nday == 0 && b->nsrc == 0;
}

/* An array literal parameter, "{" elements "}", allocated. */
static char *
array_of(const dbuf *d)
{
	char *a = xmalloc(d->len + 3);

	a[0] = '{';
	if (d->len > 0)
		memcpy(a + 1, d->data, d->len);
	a[d->len + 1] = '}';
	a[d->len + 2] = '\0';
	return a;
}

static void
quoted(dbuf *d, const char *s)
{
	dbuf_addc(d, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			dbuf_addc(d, '\\');
		dbuf_addc(d, *p);
	}
	dbuf_addc(d, '"');
}

static int
prepare(pg_store *q, int st)
{
	struct pg_batch *b = q->batch;
	char name[24];
	PGresult *r;

	if (b->prepared[st])
		return STORE_OK;
	if (b->sql[st] == NULL)
		b->sql[st] = st == ST_RECORDS ? records_sql() : rollup_sql(st == ST_DAY);
	snprintf(name, sizeof(name), "batch%d", st);
	r = PQprepare(q->conn, name, b->sql[st], 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(q, "preparing a batch insert", r);
		PQclear(r);
		return STORE_ERR;
	}
	PQclear(r);
	b->prepared[st] = 1;
	return STORE_OK;
}

/* The rollup rows as 12 (day) or 8 (source) array literals. */
static char **
rollup_arrays(struct pg_batch *b, int day)
{
	int ncols = day ? 12 : 8, nrows = day ? b->nday : b->nsrc;
	char **v = xcalloc((size_t)ncols, sizeof(*v));
	dbuf d;

	dbuf_init(&d, (size_t)64 << 20);
	for (int c = 0; c < ncols; c++) {
		dbuf_reset(&d);
		for (int i = 0; i < nrows; i++) {
			if (i > 0)
				dbuf_addc(&d, ',');
			if (day) {
				const rday *x = &b->day[i];

				if (c == 0)
					quoted(&d, x->domain);
				else
					dbuf_printf(&d, "%" PRId64, c <= 9 ? x->k[c - 1] :
					    c == 10 ? x->messages : x->records);
			} else {
				const rsrc *x = &b->src[i];

				if (c == 0 || c == 2)
					quoted(&d, c == 0 ? x->domain : x->prefix);
				else
					dbuf_printf(&d, "%" PRId64, c == 1 ? x->day : x->v[c - 3]);
			}
		}
		v[c] = array_of(&d);
	}
	dbuf_free(&d);
	return v;
}

/* The batch's statements join the deferred queue (pg_queue.c): they travel
 * with the next statement that needs an answer, or the commit. */
static int
flush_now(pg_store *q)
{
	struct pg_batch *b = q->batch;
	int want[ST__COUNT] = { b->nrec > 0, b->nday > 0, b->nsrc > 0 };
	char name[24];

	for (int st = 0; st < ST__COUNT; st++)
		if (want[st] && prepare(q, st) != STORE_OK)
			return STORE_ERR;
	if (want[ST_RECORDS]) {
		char **v = xcalloc(NCOL, sizeof(*v));

		for (int i = 0; i < NCOL; i++)
			v[i] = array_of(&b->col[i]);
		if (pg_queue_add(q, "batch0", NCOL, v, "storing records") != STORE_OK)
			return STORE_ERR;
	}
	for (int st = ST_DAY; st <= ST_SRC; st++) {
		if (!want[st])
			continue;
		snprintf(name, sizeof(name), "batch%d", st);
		if (pg_queue_add(q, name, st == ST_DAY ? 12 : 8, rollup_arrays(b, st == ST_DAY),
		    st == ST_DAY ? "rollup (day)" : "rollup (source)") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

int
pg_batch_flush(pg_store *q)
{
	struct pg_batch *b = q->batch;
	int rc;

	if (b == NULL || batch_empty(b))
		return STORE_OK;
	rc = flush_now(q);
	batch_reset(b);		/* written, or dropped with the failed transaction */
	return rc;
}

void
pg_batch_discard(pg_store *q)
{
	if (q->batch != NULL)
		batch_reset(q->batch);
}

/* The connection was made again: the batch statements are prepared anew. */
void
pg_batch_forget_prepared(pg_store *q)
{
	if (q->batch != NULL)
		memset(q->batch->prepared, 0, sizeof(q->batch->prepared));
}

void
pg_batch_free(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (b == NULL)
		return;
	for (int i = 0; i < NCOL; i++)
		dbuf_free(&b->col[i]);
	for (int i = 0; i < ST__COUNT; i++)
		free(b->sql[i]);
	arena_free(&b->strings);
	free(b);
	q->batch = NULL;
}

/* Outside a transaction nothing would come to write it: now. */
static int
maybe_flush(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (PQtransactionStatus(q->conn) == PQTRANS_IDLE || b->nrec >= MAX_RECS ||
	    b->bytes >= MAX_BYTES || b->nday >= MAX_ROLL || b->nsrc >= MAX_ROLL)
		return pg_batch_flush(q);
	return STORE_OK;
}

static const char *
cp(struct pg_batch *b, const char *s)
{
	char *c = arena_strndup(&b->strings, s != NULL ? s : "", s != NULL ? strlen(s) : 0);

	if (c == NULL)
		panic("store: batch string arena full");
	return c;
}

int
pg_batch_day(pg_store *q, const store_rollup_day *r)
{
	struct pg_batch *b = batch_get(q);
	int64_t k[9] = { r->day, r->cls, r->path, r->spf_cat, r->dkim_cat, r->sender_kind,
	    r->known, r->disposition, r->reporter_pass };
	rday *x;

	for (int i = 0; i < b->nday; i++) {
		x = &b->day[i];
		if (memcmp(x->k, k, sizeof(k)) == 0 && strcmp(x->domain, r->policy_domain) == 0) {
			x->messages += r->messages;
			x->records += r->records;
			return maybe_flush(q);
		}
	}
	x = &b->day[b->nday++];
	x->domain = cp(b, r->policy_domain);
	memcpy(x->k, k, sizeof(k));
	x->messages = r->messages;
	x->records = r->records;
	return maybe_flush(q);
}

int
pg_batch_src(pg_store *q, const store_rollup_src *r)
{
	struct pg_batch *b = batch_get(q);
	const int64_t v[5] = { r->messages, r->spf_aligned, r->dkim_aligned, r->dmarc_pass,
	    r->spoofing };
	rsrc *x;

	for (int i = 0; i < b->nsrc; i++) {
		x = &b->src[i];
		if (x->day == r->day && strcmp(x->prefix, r->prefix) == 0 &&
		    strcmp(x->domain, r->policy_domain) == 0) {
			for (int k = 0; k < 5; k++)
				x->v[k] += v[k];
			return maybe_flush(q);
		}
	}
	x = &b->src[b->nsrc++];
	x->domain = cp(b, r->policy_domain);
	x->prefix = cp(b, r->prefix);
	x->day = r->day;
	memcpy(x->v, v, sizeof(v));
	return maybe_flush(q);
}

static const char *
raw_if_differs(const char *raw, const char *norm)
{
	return raw == NULL || strcmp(raw, norm) == 0 ? NULL : raw;
}

/* The auth rows of one record: ord is its 1-based position in the batch. */
static void
add_auth(struct pg_batch *b, const dm_record *rec, int ord)
{
	int c = NREC;

	for (int i = 0; i < rec->nreasons; i++, b->nreason++) {
		const dm_reason *r = &rec->reasons[i];
		int n = b->nreason;

		el_int(b, c, n, ord);
		el_int(b, c + 1, n, i);
		el_text(b, c + 2, n, dm_reason_name(r->type));
		el_text(b, c + 3, n, raw_if_differs(r->raw_type, dm_reason_name(r->type)));
		el_text(b, c + 4, n, r->comment);
	}
	c += NREASON;
	for (int i = 0; i < rec->ndkim; i++, b->ndkim++) {
		const dm_dkim *d = &rec->dkim_results[i];
		int n = b->ndkim;

		el_int(b, c, n, ord);
		el_int(b, c + 1, n, i);
		el_text(b, c + 2, n, d->domain);
		el_text(b, c + 3, n, d->selector);
		el_text(b, c + 4, n, d->result ? dm_auth_name(d->result) : d->raw_result);
		el_text(b, c + 5, n, raw_if_differs(d->raw_result, dm_auth_name(d->result)));
		el_text(b, c + 6, n, d->human_result);
	}
	c += NAUTH;
	for (int i = 0; i < rec->nspf; i++, b->nspf++) {
		const dm_spf *f = &rec->spf_results[i];
		int n = b->nspf;

		el_int(b, c, n, ord);
		el_int(b, c + 1, n, i);
		el_text(b, c + 2, n, f->domain);
		el_text(b, c + 3, n, f->scope);
		el_text(b, c + 4, n, f->result ? dm_auth_name(f->result) : f->raw_result);
		el_text(b, c + 5, n, raw_if_differs(f->raw_result, dm_auth_name(f->result)));
		el_text(b, c + 6, n, f->human_result);
	}
}

int
pg_batch_record(pg_store *q, int64_t report_id, const char *domain, const dm_record *rec,
    const store_record_analysis *an)
{
	struct pg_batch *b = batch_get(q);
	int n = b->nrec, c = 0;

	el_int(b, c++, n, report_id);
	el_text(b, c++, n, domain);
	el_text(b, c++, n, rec->source_ip);
	el_int(b, c++, n, rec->ip_family);
	el_int(b, c++, n, (int64_t)rec->count);
	el_text(b, c++, n, rec->disposition ? dm_disp_name(rec->disposition) :
	    rec->raw_disposition);
	el_text(b, c++, n, rec->dkim ? dm_verdict_name(rec->dkim) : NULL);
	el_text(b, c++, n, rec->spf ? dm_verdict_name(rec->spf) : NULL);
	el_text(b, c++, n, rec->disposition ? raw_if_differs(rec->raw_disposition,
	    dm_disp_name(rec->disposition)) : NULL);
	el_text(b, c++, n, raw_if_differs(rec->raw_dkim, dm_verdict_name(rec->dkim)));
	el_text(b, c++, n, raw_if_differs(rec->raw_spf, dm_verdict_name(rec->spf)));
	el_text(b, c++, n, rec->header_from);
	el_text(b, c++, n, rec->envelope_from);
	el_text(b, c++, n, rec->envelope_to);
	el_int(b, c++, n, rec->ndkim);
	el_int(b, c++, n, rec->nspf);
	el_int(b, c++, n, rec->nreasons);
	if (an == NULL) {
		for (; c < NREC; c++)
			el_null(b, c, n);	/* the column defaults apply */
	} else {
		el_int(b, c++, n, an->spf_cat);
		el_int(b, c++, n, an->dkim_cat);
		el_int(b, c++, n, an->dkim_signed_aligned);
		el_int(b, c++, n, an->reporter_pass);
		el_int(b, c++, n, an->mismatch);
		el_int(b, c++, n, an->reasons_mask);
		el_text(b, c++, n, an->spf_domain);
		el_text(b, c++, n, an->spf_result);
		el_text(b, c++, n, an->dkim_domain);
		el_text(b, c++, n, an->dkim_result);
		el_text(b, c++, n, an->dkim_pass_domains);
		el_int(b, c++, n, an->sender_kind);
		if (an->sender_id > 0)
			el_int(b, c++, n, an->sender_id);
		else
			el_null(b, c++, n);
		el_text(b, c++, n, an->service);
		el_int(b, c++, n, an->cls);
		el_int(b, c++, n, an->path);
		el_int(b, c++, n, an->expl);
	}
	b->nrec++;
	add_auth(b, rec, b->nrec);
	return maybe_flush(q);
}
