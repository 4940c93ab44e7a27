/*
 * store_pg.c - the PostgreSQL backend of store.h ("postgresql://..." or
 * "postgres://..." DSNs, libpq's URI syntax).
 *
 * Open connects, then applies the migrations of src/store/sql_pg/ (embedded
 * as schema_pg_migrations, one per src/store/sql/ file, the same numbering
 * in schema_version) under a session advisory lock, so that nodes starting
 * together migrate once.  Transactions and savepoints map one to one.
 *
 * The core ops are ports of store_sqlite.c's, one statement each where
 * possible: here the archive, in store_pg_report.c the reports and
 * duplicates, in store_pg_read.c the quarantine and the reads; records go
 * through store_pg_batch.c.  Duplicates (archive hash, report identity) are
 * decided by the unique constraints with INSERT ... ON CONFLICT, never by a
 * read then a write, so two ingest processes given the same input store it
 * once.  Writes whose only answer is success are deferred (pg_queue.c) and
 * travel with the next statement that needs an answer: a database error
 * in one (rare: the values are checked before) then fails that later
 * statement, and the whole message rolls back rather than one document.
 *
 * Exports: store_pg_ops (see store.h).  Errors: STORE_ERR, store_errmsg().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "schema.h"
#include "store.h"
#include "store_ready.h"
#include "../util/log.h"

/* pg_advisory_lock key held while migrating ("dmsc"). */
#define PG_MIGRATE_LOCK 1684894563LL

/* The kinds' rows follow the archive (store_pg_kinds.c); weak until that
 * file is linked in. */
extern int pg_kinds_merge(pg_store *q, int64_t from, int64_t into) __attribute__((weak));

static void
quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* "relation already exists, skipping" and the like */
}

static int
scalar_text(pg_store *q, const char *sqltext, int64_t *out)
{
	PGresult *r;

	r = PQexec(q->conn, sqltext);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(q, "schema_version", r);
		PQclear(r);
		return STORE_ERR;
	}
	*out = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

static int
migrate_locked(pg_store *q)
{
	int64_t version = 0;

	if (pg_exec_text(q, "CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL, "
	    "applied_at bigint NOT NULL)", "schema_version") != STORE_OK ||
	    scalar_text(q, "SELECT coalesce(max(version), 0) FROM schema_version", &version) !=
	    STORE_OK)
		return STORE_ERR;
	if (version > schema_pg_migration_count) {
		snprintf(q->err, sizeof(q->err), "database schema version %lld is newer than this "
		    "program (%d): upgrade dmarcscope", (long long)version,
		    schema_pg_migration_count);
		return STORE_ERR;
	}
	for (int v = (int)version; v < schema_pg_migration_count; v++) {
		char buf[128];

		if (pg_exec_text(q, "BEGIN", "migration") != STORE_OK)
			return STORE_ERR;
		if (pg_exec_text(q, schema_pg_migrations[v], "migration") != STORE_OK) {
			char keep[400];

			snprintf(keep, sizeof(keep), "%.399s", q->err);
			pg_exec_text(q, "ROLLBACK", "rollback");
			snprintf(q->err, sizeof(q->err), "migration %d: %s", v + 1, keep);
			return STORE_ERR;
		}
		snprintf(buf, sizeof(buf), "INSERT INTO schema_version VALUES (%d, %lld)", v + 1,
		    (long long)time(NULL));
		if (pg_exec_text(q, buf, "migration") != STORE_OK ||
		    pg_exec_text(q, "COMMIT", "migration") != STORE_OK) {
			pg_exec_text(q, "ROLLBACK", "rollback");
			return STORE_ERR;
		}
	}
	return STORE_OK;
}

/* Is the schema at this program's version already?  Then a node whose role
 * may not create tables (only use them) opens it too: no DDL, no lock. */
static int
up_to_date(pg_store *q, int *yes)
{
	int64_t exists = 0, version = 0;

	*yes = 0;
	if (scalar_text(q, "SELECT (to_regclass('schema_version') IS NOT NULL)::int", &exists) !=
	    STORE_OK)
		return STORE_ERR;
	if (!exists)
		return STORE_OK;
	if (scalar_text(q, "SELECT coalesce(max(version), 0) FROM schema_version", &version) !=
	    STORE_OK)
		return STORE_ERR;
	*yes = version == schema_pg_migration_count;
	return STORE_OK;
}

static int
migrate(pg_store *q)
{
	char buf[96];
	int rc, yes;

	if (up_to_date(q, &yes) != STORE_OK)
		return STORE_ERR;
	if (yes)
		return STORE_OK;
	snprintf(buf, sizeof(buf), "SELECT pg_advisory_lock(%lld)", PG_MIGRATE_LOCK);
	if (pg_exec_text(q, buf, "migration lock") != STORE_OK)
		return STORE_ERR;
	rc = migrate_locked(q);
	snprintf(buf, sizeof(buf), "SELECT pg_advisory_unlock(%lld)", PG_MIGRATE_LOCK);
	if (pg_exec_text(q, buf, "migration unlock") != STORE_OK)
		rc = STORE_ERR;
	return rc;
}

static void pgs_close(store *s);

static int
pgs_open(store **out, const char *dsn, char *err, size_t errlen)
{
	pg_store *q = xcalloc(1, sizeof(*q));

	*out = NULL;
	q->base.ops = &store_pg_ops;
	q->dsn = xstrdup(dsn);
	q->conn = PQconnectdb(dsn);
	if (q->conn == NULL || PQstatus(q->conn) != CONNECTION_OK) {
		char m[400];
		size_t n;

		/* the DSN itself is not repeated: it may hold a password */
		snprintf(m, sizeof(m), "%s", q->conn ? PQerrorMessage(q->conn) : "out of memory");
		n = strlen(m);
		while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
			m[--n] = '\0';
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", m);
		pgs_close(&q->base);
		return STORE_ERR;
	}
	PQsetNoticeProcessor(q->conn, quiet_notice, NULL);
	if (pg_session_init(q) != STORE_OK ||
	    migrate(q) != STORE_OK) {
		snprintf(err, errlen, "PostgreSQL database: %s", q->err);
		pgs_close(&q->base);
		return STORE_ERR;
	}
	*out = &q->base;
	return STORE_OK;
}

static void
pgs_close(store *s)
{
	pg_store *q = PG(s);

	if (q == NULL)
		return;
	pg_batch_free(q);
	pg_hostcache_free(q);
	pg_counter_free(q);
	pg_changes_free(q);
	pg_queue_free(q);
	if (q->replica != NULL)
		PQfinish(q->replica);
	if (q->conn != NULL)
		PQfinish(q->conn);
	free(q->dsn);
	free(q->replica_dsn);
	free(q);
}

static const char *
pgs_errmsg(store *s)
{
	return PG(s)->err;
}

static void
tx_reset(pg_store *q)
{
	q->tx_depth = 0;
	q->defer_raw = 0;
	q->defer_sha[0] = '\0';
}

static int
pgs_begin(store *s)
{
	pg_store *q = PG(s);

	tx_reset(q);
	if (pg_exec_text(q, "BEGIN", "begin") != STORE_OK)
		return STORE_ERR;
	q->in_tx = 1;
	return STORE_OK;
}

/* A failed commit leaves the transaction to the caller's rollback. */
static int
pgs_commit(store *s)
{
	pg_store *q = PG(s);
	/* the stage settles first (under the group lock), then the /metrics
	 * samples: they travel with the COMMIT */
	int rc = pg_stage_settle(q);

	if (rc == STORE_OK)
		rc = pg_counter_flush(q);

	if (rc == STORE_OK)
		rc = pg_exec_text(q, "COMMIT", "commit");
	pg_stage_end(q);
	tx_reset(q);
	if (rc == STORE_OK)
		q->in_tx = 0;
	return rc;
}

static int
pgs_rollback(store *s)
{
	pg_store *q = PG(s);
	PGresult *r;

	pg_batch_discard(q);	/* never written: nothing to undo */
	pg_queue_discard(q);	/* never sent */
	pg_counter_discard(q);
	pg_stage_end(q);
	tx_reset(q);
	q->in_tx = 0;
	if (PQstatus(q->conn) != CONNECTION_OK ||
	    PQtransactionStatus(q->conn) == PQTRANS_IDLE)
		return STORE_OK;	/* nothing open (a lost connection took it along) */
	r = PQexec(q->conn, "ROLLBACK");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(q, "rollback", r);
		PQclear(r);
		return STORE_ERR;
	}
	PQclear(r);
	return STORE_OK;
}

/* Savepoint names are constants ("unit", "msg", "doc"), never data.
 * Setting and releasing one waits in the deferred queue. */
static int
mark_op(store *s, const char *name, const char *verb, int defer)
{
	pg_store *q = PG(s);
	char buf[64];

	if (strcmp(name, "unit") != 0 && strcmp(name, "msg") != 0 && strcmp(name, "doc") != 0) {
		snprintf(q->err, sizeof(q->err), "unknown savepoint '%s'", name);
		return STORE_ERR;
	}
	snprintf(buf, sizeof(buf), "%s %s", verb, name);
	return defer ? pg_defer_text(q, buf, "savepoint") : pg_exec_text(q, buf, "savepoint");
}

/* Bulk mode: the rollups of a transaction's messages meet in a stage
 * (store_pg_batch.c) and reach the rollup tables once, before the COMMIT. */
static int
pgs_bulk(store *s, int on)
{
	pg_stage_bulk(PG(s), on);
	return STORE_OK;
}

/*
 * A grouped transaction (group commit: many messages before one COMMIT)
 * stages its reports' domain_summary numbers (sql_pg/027) from its first
 * message on; they are settled with the rollups, under the group lock
 * (store_pg_batch.c).  Set before the first "unit" savepoint, so that a
 * rollback to one keeps it.
 */
#define PG_STAGE_ON "SELECT set_config('dmarcscope.stage', 'on', true)"

static int
pgs_mark(store *s, const char *n)
{
	pg_store *q = PG(s);

	if (strcmp(n, "unit") == 0) {
		pg_stage_unit(q);
		if (pg_stage_first_unit(q) && pg_defer_text(q, PG_STAGE_ON, "staging") != STORE_OK)
			return STORE_ERR;
	}
	if (pg_batch_savepoint(q, n) != STORE_OK)	/* where the held records stand */
		return STORE_ERR;
	return mark_op(s, n, "SAVEPOINT", 1);
}

static int
pgs_mark_release(store *s, const char *n)
{
	if (mark_op(s, n, "RELEASE SAVEPOINT", 1) != STORE_OK)
		return STORE_ERR;
	return pg_batch_released(PG(s), n);
}

/* Sent now with what waits (a deferred statement that failed fails this
 * too: the message then rolls back whole), the release deferred. */
static int
pgs_mark_rollback(store *s, const char *n)
{
	/* the records held since the savepoint, and the rollup rows pending
	 * (after the newest one): dropping them is their rollback */
	if (pg_batch_rolled_back_to(PG(s), n) != STORE_OK)
		return STORE_ERR;
	if (mark_op(s, n, "ROLLBACK TO SAVEPOINT", 0) != STORE_OK)
		return STORE_ERR;
	pg_stage_rolled_back(PG(s));
	return mark_op(s, n, "RELEASE SAVEPOINT", 1);
}

/* PGA_CORE slots: this file 0-19, store_pg_report.c 20-39, store_pg_read.c
 * 40 onwards. */
enum {
	C_RAW_NEW, C_RAW_NEW_NOSHA, C_RAW_SIZES, C_RAW_CHUNK, C_RAW_SEAL, C_RAW_INFO, C_RAW_FIND,
	C_RAW_SIZE, C_MERGE_REPORTS, C_MERGE_DUPS, C_MERGE_CHUNKS, C_MERGE_RAW, C_RAW_READ,
	C_RAW_STATE, C_RAW_BY_SHA
};

static int
now_param(pg_params *p)
{
	pg_p_int(p, (int64_t)time(NULL));
	return 0;
}

/*
 * The row goes in with its hash when the caller has one (it looked with
 * raw_find first).  Another writer may have inserted the same hash since:
 * ON CONFLICT waits for it to commit, and then the row goes in without the
 * hash and raw_seal reports the other one as the duplicate.
 */
static int
pgs_raw_new(store *s, const char *source, const char *codec, const char *sha, int64_t *id)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, codec);
	pg_p_text(&p, source);
	now_param(&p);
	pg_p_text(&p, sha);
	r = pg_exec(q, PGA_CORE, C_RAW_NEW, "INSERT INTO raw_messages(size, stored_size, codec, "
	    "source, received_at, state, sha256) VALUES (0, 0, $1, $2, $3, 'pending', $4) "
	    "ON CONFLICT (sha256) DO NOTHING RETURNING id", &p, "archiving a message");
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) == 1) {
		*id = pg_int(r, 0, 0);
		PQclear(r);
		return STORE_OK;
	}
	PQclear(r);
	pg_p_init(&p);
	pg_p_text(&p, codec);
	pg_p_text(&p, source);
	now_param(&p);
	r = pg_exec(q, PGA_CORE, C_RAW_NEW_NOSHA, "INSERT INTO raw_messages(size, stored_size, "
	    "codec, source, received_at, state) VALUES (0, 0, $1, $2, $3, 'pending') RETURNING id",
	    &p, "archiving a message");
	if (r == NULL)
		return STORE_ERR;
	*id = pg_int(r, 0, 0);
	PQclear(r);
	q->defer_raw = *id;
	snprintf(q->defer_sha, sizeof(q->defer_sha), "%s", sha);
	return STORE_OK;
}

static int
pgs_raw_chunk(store *s, int64_t raw_id, int seq, const void *data, size_t n)
{
	pg_store *q = PG(s);
	pg_params p;
	int rc;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	pg_p_int(&p, seq);
	pg_p_bytes(&p, data, n);
	rc = pg_defer(q, PGA_CORE, C_RAW_CHUNK, "INSERT INTO raw_chunks(raw_id, seq, data) "
	    "VALUES ($1, $2, $3)", &p, "archiving a chunk");
	pg_p_free(&p);
	return rc;
}

/* The existing message with this hash, or 0. */
static int
raw_by_sha(pg_store *q, const char *sha, int64_t *id)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, sha);
	r = pg_exec(q, PGA_CORE, C_RAW_BY_SHA, "SELECT id FROM raw_messages WHERE sha256 = $1",
	    &p, "looking up the archive");
	if (r == NULL)
		return STORE_ERR;
	*id = PQntuples(r) > 0 ? pg_int(r, 0, 0) : 0;
	PQclear(r);
	return STORE_OK;
}

/*
 * Setting the hash can meet a concurrent writer's row with the same hash
 * (unique violation): the update runs in a savepoint, and on that error the
 * other row, committed by then, is the duplicate.
 */
static int
pgs_raw_seal(store *s, int64_t raw_id, const char *sha, int64_t size, int64_t stored,
    int64_t *dup_id)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	int insp;

	*dup_id = 0;
	if (sha == NULL && q->defer_raw == raw_id && q->defer_sha[0] != '\0')
		sha = q->defer_sha;	/* inserted without its hash (raw_new) */
	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	if (sha == NULL) {
		pg_p_int(&p, size);
		pg_p_int(&p, stored);
		return pg_defer(q, PGA_CORE, C_RAW_SIZES, "UPDATE raw_messages SET size = $2, "
		    "stored_size = $3 WHERE id = $1", &p, "sealing the archive");
	}
	if (raw_by_sha(q, sha, dup_id) != STORE_OK)
		return STORE_ERR;
	if (*dup_id != 0)
		return STORE_OK;
	pg_p_text(&p, sha);
	pg_p_int(&p, size);
	pg_p_int(&p, stored);
	insp = PQtransactionStatus(q->conn) == PQTRANS_INTRANS;
	if (insp && pg_defer_text(q, "SAVEPOINT pg_seal", "sealing the archive") != STORE_OK)
		return STORE_ERR;
	r = pg_exec(q, PGA_CORE, C_RAW_SEAL, "UPDATE raw_messages SET sha256 = $2, size = $3, "
	    "stored_size = $4 WHERE id = $1", &p, "sealing the archive");
	if (r != NULL) {
		PQclear(r);
		return insp ? pg_defer_text(q, "RELEASE SAVEPOINT pg_seal", "sealing the archive") :
		    STORE_OK;
	}
	if (!insp || strcmp(q->sqlstate, "23505") != 0)
		return STORE_ERR;
	if (pg_exec_text(q, "ROLLBACK TO SAVEPOINT pg_seal", "sealing the archive") != STORE_OK ||
	    pg_exec_text(q, "RELEASE SAVEPOINT pg_seal", "sealing the archive") != STORE_OK ||
	    raw_by_sha(q, sha, dup_id) != STORE_OK)
		return STORE_ERR;
	pg_stage_rolled_back(q);
	if (*dup_id == 0) {
		snprintf(q->err, sizeof(q->err), "sealing the archive: hash taken, then gone");
		return STORE_ERR;
	}
	return STORE_OK;
}

static int
pgs_raw_info(store *s, int64_t raw_id, int (*cb)(void *, const store_raw_info *), void *ctx)
{
	pg_store *q = PG(s);
	store_raw_info ri;
	pg_params p;
	PGresult *r;
	int rc;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	r = pg_exec(q, PGA_CORE, C_RAW_INFO, "SELECT id, size, stored_size, sha256, codec, source, "
	    "state FROM raw_messages WHERE id = $1", &p, "reading the archive");
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		snprintf(q->err, sizeof(q->err), "no archived message %lld", (long long)raw_id);
		return STORE_ERR;
	}
	ri.id = pg_int(r, 0, 0);
	ri.size = pg_int(r, 0, 1);
	ri.stored_size = pg_int(r, 0, 2);
	ri.sha256 = pg_str(r, 0, 3);
	ri.codec = pg_str(r, 0, 4);
	ri.source = pg_str(r, 0, 5);
	ri.state = pg_str(r, 0, 6);
	rc = cb(ctx, &ri);
	PQclear(r);
	return rc;
}

static int
pgs_raw_find(store *s, const char *sha256, int64_t *id, char *state, size_t statelen)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	*id = 0;
	if (statelen > 0)
		state[0] = '\0';
	pg_p_init(&p);
	pg_p_text(&p, sha256);
	r = pg_exec(q, PGA_CORE, C_RAW_FIND, "SELECT id, state FROM raw_messages WHERE sha256 = $1",
	    &p, "looking up the archive");
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		const char *v = pg_str(r, 0, 1);

		*id = pg_int(r, 0, 0);
		snprintf(state, statelen, "%s", v != NULL ? v : "");
	}
	PQclear(r);
	return STORE_OK;
}

static int
pgs_raw_size_known(store *s, int64_t size, int *known)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, size);
	r = pg_exec(q, PGA_CORE, C_RAW_SIZE, "SELECT 1 FROM raw_messages WHERE size = $1 LIMIT 1",
	    &p, "looking up the archive");
	if (r == NULL)
		return STORE_ERR;
	*known = PQntuples(r) > 0;
	PQclear(r);
	return STORE_OK;
}

static int
pgs_raw_merge(store *s, int64_t from, int64_t into)
{
	pg_store *q = PG(s);
	static const struct {
		int slot, two;
		const char *sql;
	} steps[] = {
		{ C_MERGE_REPORTS, 1, "UPDATE reports SET raw_id = $2 WHERE raw_id = $1" },
		{ C_MERGE_DUPS, 1, "UPDATE duplicates SET raw_id = $2 WHERE raw_id = $1" },
		{ C_MERGE_CHUNKS, 0, "DELETE FROM raw_chunks WHERE raw_id = $1" },
		{ C_MERGE_RAW, 0, "DELETE FROM raw_messages WHERE id = $1" },
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		pg_params p;

		pg_p_init(&p);
		pg_p_int(&p, from);
		if (steps[i].two)
			pg_p_int(&p, into);
		if (steps[i].slot == C_MERGE_DUPS && pg_kinds_merge != NULL &&
		    pg_kinds_merge(q, from, into) != STORE_OK)
			return STORE_ERR;
		if (pg_run(q, PGA_CORE, steps[i].slot, steps[i].sql, &p, "merging archived copies") !=
		    STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

/*
 * The chunks stream one row at a time (single-row mode, binary result), so a
 * large archive is never held whole: after the deferred statements are sent,
 * the query runs alone on the connection until its last row.
 */
static int
pgs_raw_read(store *s, int64_t raw_id, int (*cb)(void *, const void *, size_t), void *ctx)
{
	static const char *const sql = "SELECT data FROM raw_chunks WHERE raw_id = $1 ORDER BY seq";
	static const char *const what = "reading the archive";
	pg_store *q = PG(s);
	char name[32];
	pg_params p;
	PGresult *r;
	int rc = STORE_OK;

	if (pg_alive(q) != STORE_OK || pg_batch_ready(q, sql) != STORE_OK ||
	    pg_sync(q) != STORE_OK || pg_prepare(q, PGA_CORE, C_RAW_READ, sql, what) != STORE_OK)
		return STORE_ERR;
	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	snprintf(name, sizeof(name), "a%d_%d", (int)PGA_CORE, C_RAW_READ);
	if (!PQsendQueryPrepared(q->conn, name, p.n, p.v, NULL, NULL, 1))
		return pg_fail(q, what, NULL);
	if (!PQsetSingleRowMode(q->conn))
		rc = pg_fail(q, what, NULL);
	/* every result is read, also after a failure or a stop */
	while ((r = PQgetResult(q->conn)) != NULL) {
		ExecStatusType t = PQresultStatus(r);

		if (t == PGRES_SINGLE_TUPLE) {
			if (rc == STORE_OK && cb(ctx, PQgetvalue(r, 0, 0),
			    (size_t)PQgetlength(r, 0, 0)) != 0)
				rc = STORE_ERR;
		} else if (t != PGRES_TUPLES_OK && rc == STORE_OK)
			rc = pg_fail(q, what, r);
		PQclear(r);
	}
	return rc;
}

static int
pgs_raw_set_state(store *s, int64_t raw_id, const char *state, const char *reason,
    int64_t reports)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, raw_id);
	pg_p_text(&p, state);
	pg_p_text(&p, reason);
	pg_p_int(&p, reports);
	now_param(&p);
	return pg_defer(PG(s), PGA_CORE, C_RAW_STATE, "UPDATE raw_messages SET state = $2, "
	    "reason = $3, reports = $4, processed_at = $5 WHERE id = $1", &p,
	    "updating the archive state");
}

const store_ops store_pg_ops = {
	.name = "postgresql",
	.open = pgs_open,
	.close = pgs_close,
	.errmsg = pgs_errmsg,
	.begin = pgs_begin,
	.commit = pgs_commit,
	.rollback = pgs_rollback,
	.mark = pgs_mark,
	.mark_release = pgs_mark_release,
	.mark_rollback = pgs_mark_rollback,
	.bulk = pgs_bulk,
	.raw_new = pgs_raw_new,
	.raw_chunk = pgs_raw_chunk,
	.raw_seal = pgs_raw_seal,
	.raw_info = pgs_raw_info,
	.raw_find = pgs_raw_find,
	.raw_size_known = pgs_raw_size_known,
	.raw_merge = pgs_raw_merge,
	.raw_read = pgs_raw_read,
	.raw_set_state = pgs_raw_set_state,
	.report_add = pgs_report_add,
	.record_add = pgs_record_add,
	.report_finish = pgs_report_finish,
	.duplicate_add = pgs_duplicate_add,
	.raw_duplicate = pgs_raw_duplicate,
	.quarantine_add = pgs_quarantine_add,
	.quarantine_list = pgs_quarantine_list,
	.quarantine_mark = pgs_quarantine_mark,
	.quarantine_drop = pgs_quarantine_drop,
	.summary = pgs_summary,
	.export_reports = pgs_export_reports,
	.export_records = pgs_export_records,
	.analysis = &store_pg_analysis_ops,
	.hosts = &store_pg_hosts_ops,
	.web = &store_pg_web_ops,
	.kinds = &store_pg_kinds_ops,
	.auth = &store_pg_auth_ops,
	.alerts = &store_pg_alerts_ops,
	.intake = &store_pg_intake_ops,
	.retention = &store_pg_retention_ops,
	.dnscheck = &store_pg_dnscheck_ops,
	.feed = &store_pg_feed_ops,
	.ready = &store_pg_ready_ops,
};
