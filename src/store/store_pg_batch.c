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
 *     A grouped transaction's records (group commit: "unit" savepoints),
 *     and a large report's (its batch after one that filled up), go by COPY
 *     instead: the rows are kept in COPY's text format without their record
 *     id, the ids are drawn from the sequence in one query at the flush (in
 *     order, so the records keep theirs), and the records, reasons, DKIM and
 *     SPF rows are copied in, after the queue is sent (COPY does not travel
 *     in a pipeline).  The executor's work per row of the unnest statement
 *     was about twice COPY's.  COPY rows are held across statements and
 *     messages, and copied: before the COMMIT; before a statement that
 *     names the records' tables (or deletes reports); at a message's start
 *     or a savepoint's end once HOLD_RECS wait; and, MAX_COPY a time, when
 *     that many came after the innermost open savepoint.  A savepoint
 *     records where the held rows stood (hmark); its rollback drops those
 *     after it.  Rows are only ever sent from the innermost savepoint's
 *     mark on, so a rollback to any savepoint finds the rows from before it
 *     still held, or sent before it was set (a statement naming the
 *     records' tables is the exception, and its savepoints' rollback is an
 *     error).  On the mixed corpus this took a sixth off the server's time
 *     (PERFORMANCE.md, session 9);
 *   - one statement per rollup table (day, source, reporter, hour), rows
 *     merged by key first (PostgreSQL refuses a command that updates one
 *     row twice) and written in key order (so concurrent writers lock
 *     rollup rows in the same order).
 *
 * The rollup statement is an upsert into the table itself (INSERT ... ON
 * CONFLICT DO UPDATE adding the counts), except in bulk mode (store bulk(),
 * the ingest of many messages), from a grouped transaction's first message
 * on (group commit: "unit" savepoints) or once a batch filled up (a large
 * report): there the rows go to the table's stage
 * (stage_day, stage_src, stage_org, stage_hours: UNLOGGED tables of
 * sql_pg/025, no index, no trigger, no WAL), and one "settle" statement per
 * table moves the transaction's stage rows into the rollup, summed by key,
 * before the COMMIT and before any statement that names a rollup (its text
 * contains "rollup_" or "ov_": the rollups and the tables their triggers
 * keep, or "domain_summary", which a grouped transaction stages too: 027).
 * The statement triggers of the rollups (019, 020) then run once per group
 * commit instead of once per message.  Stage rows are the
 * transaction's own until it commits, and it commits none: every writer's
 * settle moves only what it sees, its own rows (any committed leftover
 * would be moved by the next settle, never twice: a row is deleted once).
 * A savepoint's rollback takes the stage rows after it along, as the
 * server keeps them (and undoes a settle after it: the stage is settled
 * again).

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
 * pg_batch_org, pg_batch_hours, pg_batch_flush, pg_batch_ready,
 * pg_batch_savepoint, pg_batch_released, pg_batch_rolled_back_to,
 * pg_batch_discard, pg_batch_forget_prepared, pg_batch_free, pg_stage_bulk,
 * pg_stage_unit, pg_stage_first_unit, pg_stage_rolled_back, pg_stage_end, pg_stage_settle,
 * pg_stage_grouped, pg_names_rollup.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_RECS 512		/* records per batch */
#define MAX_COPY 4096		/* records per batch of a large report (COPY) */
#define MAX_COPY_BYTES (32u << 20)	/* COPY text per batch */
#define MAX_BYTES (8u << 20)	/* array text per batch */
#define MAX_ROLL 512		/* distinct rollup rows per table */
#define HOLD_RECS 4096		/* held COPY rows copied at a savepoint's end */
#define HOLD_BYTES (8u << 20)
#define MAX_MARKS 8		/* savepoints open at once (unit, msg, doc) */

/* The record statement's array parameters: records (34), reasons (5),
 * DKIM (7), SPF (7); 'i' bigint[], 's' text[]. */
static const char rec_types[] = "itsii" "sssssssss" "iii" "iiiiii" "sssss" "iisiii";
static const char reason_types[] = "iisss";
static const char auth_types[] = "iisssss";
#define NREC (int)(sizeof(rec_types) - 1)
#define NREASON (int)(sizeof(reason_types) - 1)
#define NAUTH (int)(sizeof(auth_types) - 1)
#define NCOL (NREC + NREASON + 2 * NAUTH)

/* The records' columns, as the unnest statement and COPY write them. */
#define REC_COLS "id, report_id, policy_domain, source_ip, ip_family, count, disposition, " \
	"dkim, spf, raw_disposition, raw_dkim, raw_spf, header_from, envelope_from, envelope_to, " \
	"ndkim, nspf, nreasons, spf_cat, dkim_cat, dkim_signed_aligned, reporter_pass, mismatch, " \
	"reasons_mask, spf_domain, spf_result, dkim_domain, dkim_result, dkim_pass_domains, " \
	"sender_kind, sender_id, service, cls, path, expl"

/* COPY: the four tables, their columns (the first, the record id, is
 * written at the flush), and the records' column defaults (the unnest
 * statement's coalesce: -1 none) for a record without analysis. */
enum { CT_REC, CT_REASON, CT_DKIM, CT_SPF, CT__COUNT };
static const char *const copy_sql[CT__COUNT] = {
	"COPY records(" REC_COLS ") FROM STDIN",
	"COPY record_reasons(record_id, idx, type, raw_type, comment) FROM STDIN",
	"COPY auth_dkim(record_id, idx, domain, selector, result, raw_result, human_result) "
	"FROM STDIN",
	"COPY auth_spf(record_id, idx, domain, scope, result, raw_result, human_result) "
	"FROM STDIN",
};
static const signed char rec_default[NREC] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	2, 2, 0, 0, 0, 0, -1, -1, -1, -1, -1, 0, -1, -1, 3, 5, 0 };


/* The rollup tables written through the batch: columns in the order of the
 * statements' parameters ('s' text, 'i' bigint), the first nkeys the
 * conflict key.  Text columns are all keys; number columns after the keys
 * are the counts, added on conflict. */
enum { RT_DAY, RT_SRC, RT_ORG, RT_HOURS, RT__COUNT };
#define RT_MAXCOL 27
#define RT_MAXNUM 26

typedef struct rtab {
	const char *table, *stage, *what;
	const char *types;
	int nkeys;
	const char *col[RT_MAXCOL];
} rtab;

#define HOUR_COLS "h00", "h01", "h02", "h03", "h04", "h05", "h06", "h07", "h08", "h09", "h10", \
	"h11", "h12", "h13", "h14", "h15", "h16", "h17", "h18", "h19", "h20", "h21", "h22", "h23"

static const rtab rtabs[RT__COUNT] = {
	[RT_DAY] = { "rollup_day", "stage_day", "rollup (day)", "siiiiiiiiiii", 10,
	    { "policy_domain", "day", "cls", "path", "spf_cat", "dkim_cat", "sender_kind", "known",
	    "disposition", "reporter_pass", "messages", "records" } },
	[RT_SRC] = { "rollup_src", "stage_src", "rollup (source)", "sisiiiii", 3,
	    { "policy_domain", "day", "prefix", "messages", "spf_aligned", "dkim_aligned",
	    "dmarc_pass", "spoofing" } },
	[RT_ORG] = { "rollup_org", "stage_org", "rollup (reporter)", "sisii", 3,
	    { "policy_domain", "day", "org", "reports", "messages" } },
	[RT_HOURS] = { "rollup_hours", "stage_hours", "rollup (hour)",
	    "siiiiiiiiiiiiiiiiiiiiiiiiii", 3, { "policy_domain", "day", "cls", HOUR_COLS } },
};

/* Statements: the records, the group lock, the settle of domain_summary's
 * stage, then per rollup table its upsert, its insert into the stage and its
 * settle. */
enum { K_UPSERT, K_STAGE, K_SETTLE };
enum { ST_RECORDS, ST_LOCK, ST_SUMMARY, ST_IDS, ST_ROLL0, ST__COUNT = ST_ROLL0 + 3 * RT__COUNT };
#define ST_OF(t, k) (ST_ROLL0 + 3 * (t) + (k))
#define SUM_BIT (1u << RT__COUNT)	/* unsettled: stage_summary may hold rows */

/*
 * A grouped transaction (group commit: "unit" savepoints) takes this
 * transaction-scoped advisory lock just before its first settle, so that
 * the settles and commits of two grouped ingests (two nodes, or two
 * processes, or ingest --jobs) take turns while everything before them (the
 * records, reports, archive and the stage rows, most of the work) runs side
 * by side.  The settles write shared rows (the rollups, the rows their
 * triggers keep, domain_summary through sql_pg/027's stage) in several
 * passes over some tables (rollup_domain_day from the day and the reporter
 * rollups), so key order alone would not keep two of them out of a
 * deadlock.  Before the settle a grouped transaction holds no shared row:
 * its reports' domain_summary numbers wait in stage_summary (027: the
 * transaction sets dmarcscope.stage at its first message, store_pg.c), the
 * /metrics samples are written after the settle (pg_counter_flush).
 * One-message transactions (MTA pipe, IMAP, Maildir watch) do not take it.
 */
#define GROUP_LOCK_SQL "SELECT pg_advisory_xact_lock(1685220004, 0)"

/* One rollup row: its text columns in s[], its number columns in n[], in
 * the table's column order. */
typedef struct rrow {
	const char *s[2];
	int64_t n[RT_MAXNUM];
} rrow;

typedef struct rset {
	rrow row[MAX_ROLL];
	int n;
} rset;

/* Where a savepoint was set in the held COPY rows: each table's row count
 * and text length then.  Tainted: rows from before it were sent while it
 * was open (only for a statement naming the records' tables), so its
 * rollback cannot give them back. */
typedef struct hmark {
	char name[8];
	int n[CT__COUNT];
	size_t len[CT__COUNT];
	size_t bytes;
	int tainted;
} hmark;

struct pg_batch {
	dbuf col[NCOL];		/* element lists, without the braces */
	int nrec, nreason, ndkim, nspf;
	size_t bytes;
	rset roll[RT__COUNT];
	arena strings;		/* the rollups' domains, prefixes and orgs */
	unsigned char prepared[ST__COUNT];
	char *sql[ST__COUNT];
	int bulk;		/* store bulk(1): rollups through the stage */
	int units;		/* messages ("unit" savepoints) begun in the transaction */
	int fills;		/* times the batch was flushed full in the transaction */
	int locked;		/* the group lock is held (GROUP_LOCK_SQL) */
	unsigned unsettled;	/* bit t: stage rows of table t may wait; SUM_BIT */
	int was_full;		/* the last flush was of a full batch */
	int copy;		/* this batch's records go by COPY */
	dbuf crow[CT__COUNT];	/* COPY rows, each without its first column */
	int *cord[CT__COUNT];	/* auth rows: their record's position (1-based) */
	int ccap[CT__COUNT];
	int64_t *rid;		/* held records' ids, drawn for a prefix (nrid) */
	int nrid, ridcap;
	hmark mark[MAX_MARKS];	/* the open savepoints, innermost last */
	int nmark;
};

/* ---- COPY rows ------------------------------------------------------------------- */

/* Column col (of the array layout) in COPY: its table, the table's first
 * column and the one after its last. */
static int
copy_table(int col, int *from, int *to)
{
	static const int start[CT__COUNT + 1] = { 0, NREC, NREC + NREASON, NREC + NREASON + NAUTH,
	    NCOL };
	int t = 0;

	while (col >= start[t + 1])
		t++;
	*from = start[t];
	*to = start[t + 1];
	return t;
}

/* Where column col's field goes, after its separator; NULL for an auth
 * row's first column, its record's position, which is kept aside (the
 * record id replaces it at the flush). */
static dbuf *
copy_field(struct pg_batch *b, int col, int64_t ord)
{
	int from, to, t = copy_table(col, &from, &to);
	int n = t == CT_REASON ? b->nreason : t == CT_DKIM ? b->ndkim : b->nspf;

	if (t != CT_REC && col == from) {
		if (n >= b->ccap[t]) {
			b->ccap[t] = b->ccap[t] ? 2 * b->ccap[t] : 1024;
			b->cord[t] = xrealloc(b->cord[t], (size_t)b->ccap[t] * sizeof(int));
		}
		b->cord[t][n] = (int)ord;
		return NULL;
	}
	if (col > from + (t != CT_REC))	/* not the row's first field written */
		dbuf_addc(&b->crow[t], '\t');
	return &b->crow[t];
}

/* After column col's field: the row ends with the table's last column. */
static void
copy_end(struct pg_batch *b, int col)
{
	int from, to, t = copy_table(col, &from, &to);

	if (col == to - 1)
		dbuf_addc(&b->crow[t], '\n');
}

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
	dbuf *d;

	if (b->copy) {
		if ((d = copy_field(b, col, v)) != NULL) {
			dbuf_printf(d, "%" PRId64, v);
			copy_end(b, col);
		}
		return;
	}
	el_sep(&b->col[col], n);
	dbuf_printf(&b->col[col], "%" PRId64, v);
}

static void
el_null(struct pg_batch *b, int col, int n)
{
	if (b->copy) {
		dbuf *d = copy_field(b, col, 0);

		if (col < NREC && rec_default[col] >= 0)
			dbuf_printf(d, "%d", rec_default[col]);
		else
			dbuf_addstr(d, "\\N");
		copy_end(b, col);
		return;
	}
	el_sep(&b->col[col], n);
	dbuf_addstr(&b->col[col], "NULL");
}

/* "..." with backslash before " and \ (array literal syntax); in COPY
 * mode COPY's escapes. */
static void
el_text(struct pg_batch *b, int col, int n, const char *s)
{
	dbuf *d = &b->col[col];

	if (s == NULL) {
		el_null(b, col, n);
		return;
	}
	b->bytes += strlen(s) + 3;
	if (b->copy) {
		d = copy_field(b, col, 0);
		pg_copy_quote(d, s);
		copy_end(b, col);
		return;
	}
	el_sep(d, n);
	pg_array_quote(d, s);
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
	    "i1 AS (INSERT INTO records(" REC_COLS ") "
	    "SELECT id, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, "
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

static int
ntext(const rtab *t)
{
	int n = 0;

	for (int c = 0; t->types[c]; c++)
		n += t->types[c] == 's';
	return n;
}

static void
col_list(dbuf *s, const rtab *t, int upto, const char *fmt_first, const char *fmt)
{
	for (int c = 0; c < upto; c++)
		dbuf_printf(s, c == 0 ? fmt_first : fmt, t->col[c]);
}

/* " ON CONFLICT (keys) DO UPDATE SET v = table.v + excluded.v, ..." */
static void
on_conflict(dbuf *s, const rtab *t)
{
	int ncol = (int)strlen(t->types);

	dbuf_addstr(s, " ON CONFLICT (");
	col_list(s, t, t->nkeys, "%s", ", %s");
	dbuf_addstr(s, ") DO UPDATE SET ");
	for (int c = t->nkeys; c < ncol; c++)
		dbuf_printf(s, "%s%s = %s.%s + excluded.%s", c > t->nkeys ? ", " : "", t->col[c],
		    t->table, t->col[c], t->col[c]);
}

static void
order_by_keys(dbuf *s, const rtab *t)
{
	dbuf_addstr(s, " ORDER BY ");
	for (int c = 1; c <= t->nkeys; c++)
		dbuf_printf(s, "%s%d", c > 1 ? ", " : "", c);
}

/* Rollup table t's statement of kind K_*. */
static char *
rollup_sql(int t, int kind)
{
	const rtab *r = &rtabs[t];
	int ncol = (int)strlen(r->types);
	dbuf s;

	dbuf_init(&s, 1 << 16);
	if (kind == K_SETTLE) {
		/* the stage, summed by key, into the rollup; the stage emptied */
		dbuf_printf(&s, "WITH d AS (DELETE FROM %s RETURNING *) INSERT INTO %s(",
		    r->stage, r->table);
		col_list(&s, r, ncol, "%s", ", %s");
		dbuf_addstr(&s, ") SELECT ");
		col_list(&s, r, r->nkeys, "%s", ", %s");
		for (int c = r->nkeys; c < ncol; c++)
			dbuf_printf(&s, ", sum(%s)::bigint", r->col[c]);
		dbuf_addstr(&s, " FROM d GROUP BY ");
		col_list(&s, r, r->nkeys, "%s", ", %s");
		order_by_keys(&s, r);
		on_conflict(&s, r);
	} else {
		dbuf_printf(&s, "INSERT INTO %s(", kind == K_STAGE ? r->stage : r->table);
		col_list(&s, r, ncol, "%s", ", %s");
		dbuf_addstr(&s, ") SELECT * FROM ");
		unnest(&s, r->types, 1);
		if (kind == K_UPSERT) {
			order_by_keys(&s, r);
			on_conflict(&s, r);
		}
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
		for (int t = 0; t < CT__COUNT; t++)
			dbuf_init(&b->crow[t], (size_t)256 << 20);
		arena_init(&b->strings, (size_t)64 << 20);
	}
	return b;
}

static void
records_reset(struct pg_batch *b)
{
	for (int i = 0; i < NCOL; i++)
		dbuf_reset(&b->col[i]);
	for (int t = 0; t < CT__COUNT; t++)
		dbuf_reset(&b->crow[t]);
	b->copy = 0;
	b->nrec = b->nreason = b->ndkim = b->nspf = 0;
	b->nrid = 0;
	b->bytes = 0;
}

static void
rollups_reset(struct pg_batch *b)
{
	for (int t = 0; t < RT__COUNT; t++)
		b->roll[t].n = 0;
	arena_reset(&b->strings);
}

static void
batch_reset(struct pg_batch *b)
{
	records_reset(b);
	rollups_reset(b);
}

/* ---- held COPY rows and savepoints ----------------------------------------------- */

static int *
row_count(struct pg_batch *b, int t)
{
	return t == CT_REC ? &b->nrec : t == CT_REASON ? &b->nreason : t == CT_DKIM ? &b->ndkim :
	    &b->nspf;
}

static const hmark *
inner_mark(const struct pg_batch *b)
{
	return b->nmark > 0 ? &b->mark[b->nmark - 1] : NULL;
}

/* The held rows back to where mark m was set (those after it are dropped). */
static void
truncate_to(struct pg_batch *b, const hmark *m)
{
	for (int t = 0; t < CT__COUNT; t++) {
		*row_count(b, t) = m->n[t];
		b->crow[t].len = m->len[t];
	}
	b->bytes = m->bytes;
	if (b->nrid > b->nrec)
		b->nrid = b->nrec;
	if (b->nrec == 0)
		records_reset(b);
}

/* Every held row was sent: the marks point at the empty start now, and
 * an open savepoint with rows before it is tainted (see hmark). */
static void
marks_sent_all(struct pg_batch *b)
{
	for (int i = 0; i < b->nmark; i++) {
		hmark *m = &b->mark[i];

		if (m->n[CT_REC] > 0)
			m->tainted = 1;
		memset(m->n, 0, sizeof(m->n));
		memset(m->len, 0, sizeof(m->len));
		m->bytes = 0;
	}
}

/* Is one of the records' tables named in sql (as a word), or are reports
 * deleted (their records go with them)?  Then the held rows go first. */
static int
names_records(const char *sql)
{
	static const char *const tables[] = { "records", "record_reasons", "auth_dkim", "auth_spf" };

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		size_t n = strlen(tables[i]);

		for (const char *p = strstr(sql, tables[i]); p != NULL; p = strstr(p + 1, tables[i])) {
			char before = p > sql ? p[-1] : ' ', after = p[n];

			if (!(before == '_' || isalnum((unsigned char)before)) &&
			    !(after == '_' || isalnum((unsigned char)after)))
				return 1;
		}
	}
	return (strstr(sql, "DELETE") != NULL || strstr(sql, "TRUNCATE") != NULL) &&
	    strstr(sql, "reports") != NULL;
}

static int
batch_empty(const struct pg_batch *b)
{
	if (b->nrec > 0)
		return 0;
	for (int t = 0; t < RT__COUNT; t++)
		if (b->roll[t].n > 0)
			return 0;
	return 1;
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
		b->sql[st] = st == ST_RECORDS ? records_sql() :
		    st == ST_LOCK ? xstrdup(GROUP_LOCK_SQL) :
		    st == ST_SUMMARY ? xstrdup("SELECT domain_summary_settle(NULL)") :
		    st == ST_IDS ? xstrdup("SELECT nextval('records_id_seq'::regclass) "
		    "FROM generate_series(1, $1::int)") :
		    rollup_sql((st - ST_ROLL0) / 3, (st - ST_ROLL0) % 3);
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

/* Rollup table t's rows as one array literal per column. */
static char **
rollup_arrays(struct pg_batch *b, int t)
{
	const rtab *r = &rtabs[t];
	const rset *set = &b->roll[t];
	int ncol = (int)strlen(r->types);
	char **v = xcalloc((size_t)ncol, sizeof(*v));
	dbuf d;

	dbuf_init(&d, (size_t)64 << 20);
	for (int c = 0, si = 0, ni = 0; c < ncol; c++) {
		dbuf_reset(&d);
		for (int i = 0; i < set->n; i++) {
			if (i > 0)
				dbuf_addc(&d, ',');
			if (r->types[c] == 's')
				pg_array_quote(&d, set->row[i].s[si]);
			else
				dbuf_printf(&d, "%" PRId64, set->row[i].n[ni]);
		}
		if (r->types[c] == 's')
			si++;
		else
			ni++;
		v[c] = pg_array(&d);
	}
	dbuf_free(&d);
	return v;
}

/* Rows go to the stage: bulk mode, from the first message of a grouped
 * transaction on (a group holds no rollup row before its settle, so groups
 * of several writers do not deadlock), or once the batch filled up (a large
 * report: its rollup rows meet in the stage instead of updating the same
 * rollup rows batch after batch).  A transaction of one small message
 * outside a group, as an MTA pipes in, gains nothing from it and would
 * prepare and send twice the statements. */
static int
staging(pg_store *q)
{
	struct pg_batch *b = q->batch;

	return b->bulk && (b->units >= 1 || b->fills > 0) &&
	    PQtransactionStatus(q->conn) != PQTRANS_IDLE;
}

/* The held COPY rows after mark `from` (all of them when NULL): the queue
 * sent with the query that draws their records' ids (one round trip), then
 * each table's rows copied in, every row with its record's id in front; the
 * rows sent are dropped. */
static int
copy_flush(pg_store *q, const hmark *from)
{
	static const char *const what[CT__COUNT] = { "storing records", "storing reasons",
	    "storing DKIM results", "storing SPF results" };
	static const hmark start;
	struct pg_batch *b = q->batch;
	const hmark *f = from != NULL ? from : &start;
	const int nrow[CT__COUNT] = { b->nrec, b->nreason, b->ndkim, b->nspf };
	int nids = b->nrec - b->nrid;
	char nbuf[24], name[24];
	const char *v[1] = { nbuf };
	PGresult *r = NULL;
	dbuf out;
	int rc = STORE_OK;

	if (b->nrec == f->n[CT_REC])
		return STORE_OK;
	/* ids for every held record without one, in order: rows held before
	 * the mark keep theirs for later, below the ones sent now */
	if (b->nrec > b->ridcap) {
		b->ridcap = b->nrec > 2 * b->ridcap ? b->nrec : 2 * b->ridcap;
		b->rid = xrealloc(b->rid, (size_t)b->ridcap * sizeof(*b->rid));
	}
	if (prepare(q, ST_IDS) != STORE_OK)
		return STORE_ERR;
	snprintf(nbuf, sizeof(nbuf), "%d", nids);
	snprintf(name, sizeof(name), "batch%d", ST_IDS);
	if (pg_pipeline(q, name, NULL, 1, v, "numbering records", &r) != STORE_OK)
		return STORE_ERR;
	if (PQntuples(r) != nids) {
		snprintf(q->err, sizeof(q->err), "numbering records: %d ids for %d records",
		    PQntuples(r), nids);
		PQclear(r);
		return STORE_ERR;
	}
	for (int i = 0; i < nids; i++)
		b->rid[b->nrid + i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	b->nrid = b->nrec;
	PQclear(r);
	dbuf_init(&out, (size_t)512 << 20);
	for (int t = 0; t < CT__COUNT && rc == STORE_OK; t++) {
		const char *p = b->crow[t].data + f->len[t], *e;

		if (nrow[t] == f->n[t])
			continue;
		dbuf_reset(&out);
		for (int i = f->n[t]; i < nrow[t]; i++, p = e + 1) {
			int ord = t == CT_REC ? i + 1 : b->cord[t][i];

			e = memchr(p, '\n', b->crow[t].len - (size_t)(p - b->crow[t].data));
			if (e == NULL || ord <= f->n[CT_REC] || ord > b->nrec)
				panic("store: a COPY batch out of step (%s)", what[t]);
			dbuf_printf(&out, "%" PRId64 "\t", b->rid[ord - 1]);
			dbuf_add(&out, p, (size_t)(e - p) + 1);
		}
		rc = pg_copy_in(q, copy_sql[t], out.data, out.len, what[t]);
	}
	dbuf_free(&out);
	if (from != NULL)
		truncate_to(b, from);
	else {
		records_reset(b);
		marks_sent_all(b);
	}
	return rc;
}

/* The batch's statements join the deferred queue (pg_queue.c): they travel
 * with the next statement that needs an answer, or the commit. */
static int
flush_now(pg_store *q, int all)
{
	struct pg_batch *b = q->batch;
	int stage = staging(q);
	char name[24];

	if (b->nrec > 0 && b->copy) {
		if (all && copy_flush(q, NULL) != STORE_OK)
			return STORE_ERR;
	} else if (b->nrec > 0) {
		char **v;

		if (prepare(q, ST_RECORDS) != STORE_OK)
			return STORE_ERR;
		v = xcalloc(NCOL, sizeof(*v));
		for (int i = 0; i < NCOL; i++)
			v[i] = pg_array(&b->col[i]);
		if (pg_queue_add(q, "batch0", NCOL, v, "storing records") != STORE_OK)
			return STORE_ERR;
		records_reset(b);
	}
	for (int t = 0; t < RT__COUNT; t++) {
		int st = ST_OF(t, stage ? K_STAGE : K_UPSERT);

		if (b->roll[t].n == 0)
			continue;
		if (prepare(q, st) != STORE_OK)
			return STORE_ERR;
		snprintf(name, sizeof(name), "batch%d", st);
		if (pg_queue_add(q, name, (int)strlen(rtabs[t].types), rollup_arrays(b, t),
		    rtabs[t].what) != STORE_OK)
			return STORE_ERR;
		if (stage)
			b->unsettled |= 1u << t;
	}
	return STORE_OK;
}

/* all: the held COPY rows too (before the COMMIT, or a statement that
 * names the records' tables); otherwise they wait. */
static int
batch_flush(pg_store *q, int all)
{
	struct pg_batch *b = q->batch;
	int rc;

	if (b == NULL || batch_empty(b))
		return STORE_OK;
	b->was_full = 0;	/* maybe_flush sets it again after a full batch */
	rc = flush_now(q, all);
	if (rc != STORE_OK)
		batch_reset(b);	/* dropped with the failed transaction */
	else
		rollups_reset(b);	/* written (the records by flush_now) */
	return rc;
}

int
pg_batch_flush(pg_store *q)
{
	return batch_flush(q, 1);
}

int
pg_names_rollup(const char *sql)
{
	return sql == NULL || strstr(sql, "rollup_") != NULL || strstr(sql, "ov_") != NULL ||
	    strstr(sql, "domain_summary") != NULL;
}

/* Prepared statement st queued without parameters. */
static int
queue_plain(pg_store *q, int st, const char *what)
{
	char name[24];

	if (prepare(q, st) != STORE_OK)
		return STORE_ERR;
	snprintf(name, sizeof(name), "batch%d", st);
	return pg_queue_add(q, name, 0, xcalloc(1, sizeof(char *)), what);
}

/* The stage's rows into domain_summary and the rollups (queued, in key
 * order), a grouped transaction's under the group lock. */
static int
settle(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (b->units > 0 && !b->locked) {
		if (queue_plain(q, ST_LOCK, "group lock") != STORE_OK)
			return STORE_ERR;
		b->locked = 1;
	}
	if (b->unsettled & SUM_BIT) {
		if (queue_plain(q, ST_SUMMARY, "domain summary") != STORE_OK)
			return STORE_ERR;
		b->unsettled &= ~SUM_BIT;
	}
	for (int t = 0; t < RT__COUNT; t++) {
		int st = ST_OF(t, K_SETTLE);

		if (!(b->unsettled & (1u << t)))
			continue;
		if (queue_plain(q, st, rtabs[t].what) != STORE_OK)
			return STORE_ERR;
		b->unsettled &= ~(1u << t);
	}
	return pg_changes_settle(q);
}

int
pg_batch_ready(pg_store *q, const char *sql)
{
	struct pg_batch *b = q->batch;

	if (b == NULL)
		return STORE_OK;
	if (batch_flush(q, sql == NULL || names_records(sql)) != STORE_OK)
		return STORE_ERR;
	if ((b->unsettled != 0 || pg_changes_pending(q)) && pg_names_rollup(sql))
		return settle(q);
	return STORE_OK;
}

/* Before the COMMIT: the stage settled now, ahead of the /metrics samples
 * (which are written last, after the group lock). */
int
pg_stage_settle(pg_store *q)
{
	return pg_batch_ready(q, NULL);
}

void
pg_batch_discard(pg_store *q)
{
	if (q->batch != NULL) {
		batch_reset(q->batch);
		q->batch->nmark = 0;
	}
}

/*
 * Savepoint n is set (called before its SAVEPOINT is queued).  At a
 * message's start outside any savepoint, HOLD_RECS held rows or more are
 * copied first.  Error: more than MAX_MARKS open.
 */
int
pg_batch_savepoint(pg_store *q, const char *n)
{
	struct pg_batch *b = batch_get(q);
	hmark *m;

	/* rows of the array statement and rollup rows are written before it */
	if (batch_flush(q, 0) != STORE_OK)
		return STORE_ERR;
	if (b->nmark == 0 && b->copy && (b->nrec >= HOLD_RECS || b->bytes >= HOLD_BYTES) &&
	    copy_flush(q, NULL) != STORE_OK)
		return STORE_ERR;
	if (b->nmark == MAX_MARKS) {
		snprintf(q->err, sizeof(q->err), "savepoint %s: more than %d open", n, MAX_MARKS);
		return STORE_ERR;
	}
	m = &b->mark[b->nmark++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", n);
	for (int t = 0; t < CT__COUNT; t++) {
		m->n[t] = *row_count(b, t);
		m->len[t] = b->crow[t].len;
	}
	m->bytes = b->bytes;
	return STORE_OK;
}

/* The newest savepoint named n, or -1. */
static int
find_mark(const struct pg_batch *b, const char *n)
{
	for (int i = b->nmark - 1; i >= 0; i--)
		if (strcmp(b->mark[i].name, n) == 0)
			return i;
	return -1;
}

/*
 * Savepoint n was released (its RELEASE queued): it and those set after it
 * are closed.  Rows after the savepoint now innermost (all, outside any)
 * are copied once HOLD_RECS or more wait there: sent in its scope, a
 * rollback to it takes them back on the server as it drops them here.
 */
int
pg_batch_released(pg_store *q, const char *n)
{
	struct pg_batch *b = q->batch;
	const hmark *m;
	int i;

	if (b == NULL || (i = find_mark(b, n)) < 0)
		return STORE_OK;
	b->nmark = i;
	m = inner_mark(b);
	if (b->copy && (b->nrec - (m != NULL ? m->n[CT_REC] : 0) >= HOLD_RECS ||
	    b->bytes - (m != NULL ? m->bytes : 0) >= HOLD_BYTES))
		return copy_flush(q, m);
	return STORE_OK;
}

/*
 * Before ROLLBACK TO SAVEPOINT n (and its RELEASE): the held rows after it
 * are dropped, and the rollup rows not yet written (they came after the
 * newest savepoint).  Error: rows from before it were sent while it was
 * open (tainted), which its rollback takes back on the server.
 */
int
pg_batch_rolled_back_to(pg_store *q, const char *n)
{
	struct pg_batch *b = q->batch;
	int i;

	if (b == NULL)
		return STORE_OK;
	rollups_reset(b);
	if ((i = find_mark(b, n)) < 0) {
		records_reset(b);	/* no held rows before it (none held) */
		return STORE_OK;
	}
	if (b->mark[i].tainted) {
		snprintf(q->err, sizeof(q->err), "rolling back to %s: records written before it "
		    "would be lost", n);
		return STORE_ERR;
	}
	truncate_to(b, &b->mark[i]);
	b->nmark = i;
	return STORE_OK;
}

/* The connection was made again: the batch statements are prepared anew
 * (its transaction, and the stage rows in it, went with the old one). */
void
pg_batch_forget_prepared(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (b == NULL)
		return;
	memset(b->prepared, 0, sizeof(b->prepared));
	b->unsettled = 0;
}

void
pg_batch_free(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (b == NULL)
		return;
	for (int i = 0; i < NCOL; i++)
		dbuf_free(&b->col[i]);
	for (int t = 0; t < CT__COUNT; t++) {
		dbuf_free(&b->crow[t]);
		free(b->cord[t]);
	}
	free(b->rid);
	for (int i = 0; i < ST__COUNT; i++)
		free(b->sql[i]);
	arena_free(&b->strings);
	free(b);
	q->batch = NULL;
}

/* ---- the stage ------------------------------------------------------------------ */

void
pg_stage_bulk(pg_store *q, int on)
{
	batch_get(q)->bulk = on;
}

/* A message of a grouped transaction begins: its reports' domain_summary
 * numbers go to stage_summary (027). */
void
pg_stage_unit(pg_store *q)
{
	struct pg_batch *b = batch_get(q);

	b->units++;
	b->unsettled |= SUM_BIT;
}

/* A grouped transaction's first message has just begun (savepoint "unit"
 * is set only in group commit). */
int
pg_stage_first_unit(const pg_store *q)
{
	return q->batch != NULL && q->batch->units == 1;
}

/* In a grouped transaction (its messages in "unit" savepoints): the alert
 * changes wait for the settle (store_pg_changes.c). */
int
pg_stage_grouped(const pg_store *q)
{
	return q->batch != NULL && q->batch->units > 0 &&
	    PQtransactionStatus(q->conn) != PQTRANS_IDLE;
}

/* Rolled back to a savepoint: a settle after it is undone too, and the
 * stage rows it took (those from before the savepoint) are back in the
 * stage: every table may have rows waiting.  A lock taken after the
 * savepoint went with it. */
void
pg_stage_rolled_back(pg_store *q)
{
	struct pg_batch *b = q->batch;

	if (b == NULL)
		return;
	if (b->bulk)
		b->unsettled |= (1u << RT__COUNT) - 1;
	if (b->units > 0)
		b->unsettled |= SUM_BIT;
	b->locked = 0;
}

/* The transaction ended, committed or not: no stage row waits (settled
 * before the COMMIT, or gone with the rollback). */
void
pg_stage_end(pg_store *q)
{
	if (q->batch != NULL) {
		q->batch->unsettled = 0;
		q->batch->units = q->batch->fills = q->batch->locked = 0;
		q->batch->was_full = 0;
		q->batch->nmark = 0;
	}
	pg_changes_clear(q);
}

/* Outside a transaction nothing would come to write it: now. */
static int
maybe_flush(pg_store *q)
{
	struct pg_batch *b = q->batch;
	const hmark *m = inner_mark(b);
	int full = b->copy ? b->nrec - (m != NULL ? m->n[CT_REC] : 0) >= MAX_COPY ||
	    b->bytes - (m != NULL ? m->bytes : 0) >= MAX_COPY_BYTES :
	    b->nrec >= MAX_RECS || b->bytes >= MAX_BYTES;
	int rfull = 0, rc = STORE_OK;

	for (int t = 0; t < RT__COUNT; t++)
		rfull |= b->roll[t].n >= MAX_ROLL;
	if (PQtransactionStatus(q->conn) == PQTRANS_IDLE)
		return pg_batch_flush(q);
	if (full || rfull) {
		/* held COPY rows: those after the innermost savepoint */
		if (full && b->copy)
			rc = copy_flush(q, m);
		if (rc == STORE_OK)
			rc = batch_flush(q, 0);
		b->fills++;
		b->was_full = 1;
		return rc;
	}
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

/* Adds a row to rollup table t, merged with the row of the same key. */
static int
roll_add(pg_store *q, int t, const char *const *str, const int64_t *num)
{
	struct pg_batch *b = batch_get(q);
	const rtab *r = &rtabs[t];
	rset *set = &b->roll[t];
	int ns = ntext(r), nn = (int)strlen(r->types) - ns, nk = r->nkeys - ns;
	rrow *x;

	for (int i = 0; i < set->n; i++) {
		int same = 1;

		x = &set->row[i];
		for (int k = 0; k < nk && same; k++)
			same = x->n[k] == num[k];
		for (int k = 0; k < ns && same; k++)
			same = strcmp(x->s[k], str[k] != NULL ? str[k] : "") == 0;
		if (same) {
			for (int k = nk; k < nn; k++)
				x->n[k] += num[k];
			return maybe_flush(q);
		}
	}
	x = &set->row[set->n++];
	for (int k = 0; k < ns; k++)
		x->s[k] = cp(b, str[k]);
	memcpy(x->n, num, (size_t)nn * sizeof(*num));
	return maybe_flush(q);
}

int
pg_batch_day(pg_store *q, const store_rollup_day *r)
{
	const char *str[1] = { r->policy_domain };
	const int64_t num[11] = { r->day, r->cls, r->path, r->spf_cat, r->dkim_cat,
	    r->sender_kind, r->known, r->disposition, r->reporter_pass, r->messages, r->records };

	return roll_add(q, RT_DAY, str, num);
}

int
pg_batch_src(pg_store *q, const store_rollup_src *r)
{
	const char *str[2] = { r->policy_domain, r->prefix };
	const int64_t num[6] = { r->day, r->messages, r->spf_aligned, r->dkim_aligned,
	    r->dmarc_pass, r->spoofing };

	return roll_add(q, RT_SRC, str, num);
}

int
pg_batch_org(pg_store *q, const store_rollup_org *r)
{
	const char *str[2] = { r->policy_domain, r->org };
	const int64_t num[3] = { r->day, r->reports, r->messages };

	return roll_add(q, RT_ORG, str, num);
}

int
pg_batch_hours(pg_store *q, const store_rollup_hours *r)
{
	const char *str[1] = { r->policy_domain };
	int64_t num[26];

	num[0] = r->day;
	num[1] = r->cls;
	for (int h = 0; h < 24; h++)
		num[2 + h] = r->messages[h];
	return roll_add(q, RT_HOURS, str, num);
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

	/* A batch's first record decides: COPY in a grouped transaction, whose
	 * records are held across its messages, or when the batch before it was
	 * full (a large report, in a transaction: its flush comes later). */
	if (n == 0)
		b->copy = (b->was_full || b->units > 0) &&
		    PQtransactionStatus(q->conn) != PQTRANS_IDLE;
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
