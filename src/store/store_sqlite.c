/*
 * store_sqlite.c - the SQLite backend of store.h.
 *
 * The database runs in WAL mode with synchronous=NORMAL (a commit survives a
 * process crash; a power cut may lose the last transactions, never corrupt
 * the file).  Foreign keys are declared for documentation and for
 * PostgreSQL but not enforced here: every row is written by this file in
 * parent-first order, and enforcing them costs a lookup per inserted row.
 *
 * All SQL is prepared once per handle into an enum-indexed table (after
 * rspamd's fuzzy_backend_sqlite.c) and every value is bound, never pasted.
 *
 * Exports: store_sqlite_ops (see store.h).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "sqlite_priv.h"
#include "store.h"
#include "store_analysis.h"
#include "store_auth.h"
#include "store_hosts.h"
#include "store_kinds.h"
#include "store_web.h"
#include "store_alerts.h"
#include "store_intake.h"
#include "store_retention.h"
#include "store_dnscheck.h"
#include "store_feed.h"
#include "store_ready.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_RAW_NEW, S_RAW_SIZES, S_RAW_CHUNK, S_RAW_SEAL, S_RAW_BY_SHA, S_RAW_INFO, S_RAW_FIND,
	S_RAW_SIZE, S_MERGE_REPORTS, S_MERGE_DUPS, S_MERGE_CHUNKS,
	S_MERGE_RAW, S_RAW_READ,
	S_RAW_STATE,
	S_REPORT_FIND, S_REPORT_ADD, S_RECORD_ADD, S_REASON_ADD, S_DKIM_ADD, S_SPF_ADD,
	S_REPORT_FINISH, S_DUP_ADD, S_RAW_DUP,
	S_Q_ADD, S_Q_LIST_OPEN, S_Q_LIST_ALL, S_Q_MARK, S_Q_DROP,
	S_EXPORT_RECORDS, S_EXPORT_REASONS, S_EXPORT_DKIM, S_EXPORT_SPF,
	S_SP_MSG, S_REL_MSG, S_RB_MSG, S_SP_DOC, S_REL_DOC, S_RB_DOC,
	S_SP_UNIT, S_REL_UNIT, S_RB_UNIT,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_SP_MSG] = "SAVEPOINT msg",
	[S_REL_MSG] = "RELEASE msg",
	[S_RB_MSG] = "ROLLBACK TO msg",
	[S_SP_DOC] = "SAVEPOINT doc",
	[S_REL_DOC] = "RELEASE doc",
	[S_RB_DOC] = "ROLLBACK TO doc",
	[S_SP_UNIT] = "SAVEPOINT unit",
	[S_REL_UNIT] = "RELEASE unit",
	[S_RB_UNIT] = "ROLLBACK TO unit",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_RAW_NEW] = "INSERT INTO raw_messages(size, stored_size, codec, source, received_at, "
	    "state, sha256) VALUES (0, 0, ?1, ?2, ?3, 'pending', ?4)",
	[S_RAW_SIZES] = "UPDATE raw_messages SET size = ?2, stored_size = ?3 WHERE id = ?1",
	[S_RAW_CHUNK] = "INSERT INTO raw_chunks(raw_id, seq, data) VALUES (?1, ?2, ?3)",
	[S_RAW_SEAL] = "UPDATE raw_messages SET sha256 = ?2, size = ?3, stored_size = ?4 "
	    "WHERE id = ?1",
	[S_RAW_BY_SHA] = "SELECT id FROM raw_messages WHERE sha256 = ?1",
	[S_RAW_INFO] = "SELECT id, size, stored_size, sha256, codec, source, state "
	    "FROM raw_messages WHERE id = ?1",
	[S_RAW_FIND] = "SELECT id, state FROM raw_messages WHERE sha256 = ?1",
	[S_RAW_SIZE] = "SELECT 1 FROM raw_messages WHERE size = ?1 LIMIT 1",
	[S_MERGE_REPORTS] = "UPDATE reports SET raw_id = ?2 WHERE raw_id = ?1",
	[S_MERGE_DUPS] = "UPDATE duplicates SET raw_id = ?2 WHERE raw_id = ?1",
	[S_MERGE_CHUNKS] = "DELETE FROM raw_chunks WHERE raw_id = ?1",
	[S_MERGE_RAW] = "DELETE FROM raw_messages WHERE id = ?1",
	[S_RAW_READ] = "SELECT data FROM raw_chunks WHERE raw_id = ?1 ORDER BY seq",
	[S_RAW_STATE] = "UPDATE raw_messages SET state = ?2, reason = ?3, reports = ?4, "
	    "processed_at = ?5 WHERE id = ?1",
	[S_REPORT_FIND] = "SELECT id FROM reports WHERE org_key = ?1 AND report_id_key = ?2 "
	    "AND policy_domain = ?3 AND date_begin = ?4 AND date_end = ?5",
	[S_REPORT_ADD] = "INSERT INTO reports(raw_id, org_key, report_id_key, policy_domain, "
	    "date_begin, date_end, org_name, email, extra_contact_info, report_id, version, "
	    "schema, xml_namespace, generator, p, sp, np, adkim, aspf, pct, fo, testing, "
	    "discovery_method, policy_raw, policy_count, ingested_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
	    "?22, ?23, ?24, ?25, ?26)",
	[S_RECORD_ADD] = "INSERT INTO records(report_id, policy_domain, source_ip, ip_family, "
	    "count, disposition, dkim, spf, raw_disposition, raw_dkim, raw_spf, header_from, "
	    "envelope_from, envelope_to, ndkim, nspf, nreasons, spf_cat, dkim_cat, "
	    "dkim_signed_aligned, reporter_pass, mismatch, reasons_mask, spf_domain, spf_result, "
	    "dkim_domain, dkim_result, dkim_pass_domains, sender_kind, sender_id, service, cls, "
	    "path, expl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15, ?16, ?17, coalesce(?18, 2), coalesce(?19, 2), coalesce(?20, 0), "
	    "coalesce(?21, 0), coalesce(?22, 0), coalesce(?23, 0), ?24, ?25, ?26, ?27, ?28, "
	    "coalesce(?29, 0), ?30, ?31, coalesce(?32, 3), coalesce(?33, 5), coalesce(?34, 0))",
	[S_REASON_ADD] = "INSERT INTO record_reasons(record_id, idx, type, raw_type, comment) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_DKIM_ADD] = "INSERT INTO auth_dkim(record_id, idx, domain, selector, result, "
	    "raw_result, human_result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_SPF_ADD] = "INSERT INTO auth_spf(record_id, idx, domain, scope, result, raw_result, "
	    "human_result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_REPORT_FINISH] = "UPDATE reports SET errors = ?2, warnings = ?3, extensions = ?4, "
	    "record_count = ?5, message_count = ?6, skipped_records = ?7, recovered = ?8, "
	    "schema = ?9, complete = 1 WHERE id = ?1",
	[S_DUP_ADD] = "INSERT INTO duplicates(raw_id, report_id, source, seen_at) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[S_RAW_DUP] = "INSERT INTO duplicates(raw_id, report_id, source, seen_at) "
	    "SELECT ?1, id, ?2, ?3 FROM reports WHERE raw_id = ?1",
	[S_Q_ADD] = "INSERT INTO quarantine(raw_id, reason, created_at) VALUES (?1, ?2, ?3)",
	[S_Q_LIST_OPEN] = "SELECT q.id, q.raw_id, q.created_at, q.retried_at, q.reason, "
	    "r.source, r.state, q.resolved FROM quarantine q JOIN raw_messages r "
	    "ON r.id = q.raw_id WHERE q.resolved = 0 ORDER BY q.id",
	[S_Q_LIST_ALL] = "SELECT q.id, q.raw_id, q.created_at, q.retried_at, q.reason, "
	    "r.source, r.state, q.resolved FROM quarantine q JOIN raw_messages r "
	    "ON r.id = q.raw_id ORDER BY q.id",
	[S_Q_MARK] = "UPDATE quarantine SET resolved = ?2, retried_at = ?3 "
	    "WHERE raw_id = ?1 AND resolved = 0",
	[S_Q_DROP] = "UPDATE quarantine SET resolved = 1, retried_at = ?3, "
	    "reason = reason || char(10) || 'dropped: ' || ?2 WHERE id = ?1 AND resolved = 0",
	[S_EXPORT_RECORDS] = "SELECT id, source_ip, ip_family, count, disposition, dkim, spf, "
	    "raw_disposition, raw_dkim, raw_spf, header_from, envelope_from, envelope_to, "
	    "ndkim, nspf, nreasons FROM records "
	    "WHERE policy_domain = (SELECT policy_domain FROM reports WHERE id = ?1) "
	    "AND report_id = ?1 ORDER BY id",
	/* Ordered by r.id, the index order: no sort step even for 1M records. */
	[S_EXPORT_REASONS] = "SELECT x.record_id, x.type, x.raw_type, x.comment "
	    "FROM record_reasons x JOIN records r ON r.id = x.record_id "
	    "WHERE r.policy_domain = (SELECT policy_domain FROM reports WHERE id = ?1) "
	    "AND r.report_id = ?1 ORDER BY r.id, x.idx",
	[S_EXPORT_DKIM] = "SELECT x.record_id, x.domain, x.selector, x.result, x.raw_result, "
	    "x.human_result FROM auth_dkim x JOIN records r ON r.id = x.record_id "
	    "WHERE r.policy_domain = (SELECT policy_domain FROM reports WHERE id = ?1) "
	    "AND r.report_id = ?1 ORDER BY r.id, x.idx",
	[S_EXPORT_SPF] = "SELECT x.record_id, x.domain, x.scope, x.result, x.raw_result, "
	    "x.human_result FROM auth_spf x JOIN records r ON r.id = x.record_id "
	    "WHERE r.policy_domain = (SELECT policy_domain FROM reports WHERE id = ?1) "
	    "AND r.report_id = ?1 ORDER BY r.id, x.idx",
};

int
sq_fail(sq_store *q, const char *what)
{
	snprintf(q->err, sizeof(q->err), "%s: %s", what, sqlite3_errmsg(q->db));
	return STORE_ERR;
}

#define fail sq_fail
#define bind_text sq_bind_text
#define run sq_run
#define exec sq_exec

/* Every statement but the batch's own writes the pending records first. */
static sqlite3_stmt *
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

/* Migrations run only for a writable database; a read-only one must be
 * current already. */
static int
migrate(sq_store *q, int readonly)
{
	sqlite3_stmt *s;
	int version = 0;

	if (!readonly && exec(q, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
	    "NOT NULL, applied_at INTEGER NOT NULL)") != STORE_OK)
		return STORE_ERR;
	if (sqlite3_prepare_v2(q->db, "SELECT coalesce(max(version), 0) FROM schema_version",
	    -1, &s, NULL) != SQLITE_OK)
		return fail(q, "schema_version");
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > schema_migration_count) {
		snprintf(q->err, sizeof(q->err), "database schema version %d is newer than this "
		    "program (%d): upgrade dmarcscope", version, schema_migration_count);
		return STORE_ERR;
	}
	if (readonly && version < schema_migration_count) {
		snprintf(q->err, sizeof(q->err), "database is read-only and its schema (version "
		    "%d) needs migrating to %d: open it once with write access", version,
		    schema_migration_count);
		return STORE_ERR;
	}
	for (int v = version; v < schema_migration_count; v++) {
		char buf[128];

		if (exec(q, "BEGIN IMMEDIATE") != STORE_OK)
			return STORE_ERR;
		if (exec(q, schema_migrations[v]) != STORE_OK) {
			char keep[400];

			snprintf(keep, sizeof(keep), "%.399s", q->err);
			exec(q, "ROLLBACK");
			snprintf(q->err, sizeof(q->err), "migration %d: %s", v + 1, keep);
			return STORE_ERR;
		}
		snprintf(buf, sizeof(buf), "INSERT INTO schema_version VALUES (%d, %lld)", v + 1,
		    (long long)time(NULL));
		if (exec(q, buf) != STORE_OK || exec(q, "COMMIT") != STORE_OK) {
			exec(q, "ROLLBACK");
			return STORE_ERR;
		}
	}
	return STORE_OK;
}

static void sq_close(store *s);

/*
 * Process-wide settings, before SQLite initialises: no memory statistics
 * (nothing reads them, and keeping them takes a global mutex on every
 * allocation and free: 3% of the instructions of an ingest).
 */
static void
sq_global_init(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * A database the process cannot write (file mode, immutable flag,
 * read-only mount) is opened read-only: SQLite falls back to O_RDONLY by
 * itself, and then nothing here may write (no journal-mode switch, no
 * migration).  A WAL database in a directory where the -shm file cannot be
 * created can still be read as "immutable" when it has no -wal content
 * (then no writer can exist either).  Writes on such a handle fail with
 * SQLite's "attempt to write a readonly database".
 */
static int
sq_readable(sq_store *q)
{
	return sqlite3_exec(q->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) ==
	    SQLITE_OK;
}

static int
sq_wal_empty(const char *path)
{
	char wal[4096];
	FILE *f;
	int empty;

	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal))
		return 0;
	if ((f = fopen(wal, "rb")) == NULL)
		return 1;
	empty = fgetc(f) == EOF;
	fclose(f);
	return empty;
}

/* "file:PATH?immutable=1" with %, ? and # escaped. */
static int
sq_reopen_immutable(sq_store *q, const char *path)
{
	dbuf u;
	int rc;

	dbuf_init(&u, 16384);
	dbuf_addstr(&u, "file:");
	for (const char *p = path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#')
			dbuf_printf(&u, "%%%02X", (unsigned char)*p);
		else
			dbuf_addc(&u, *p);
	dbuf_addstr(&u, "?immutable=1");
	sqlite3_close(q->db);
	q->db = NULL;
	rc = sqlite3_open_v2(dbuf_cstr(&u), &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX, NULL);
	dbuf_free(&u);
	return rc == SQLITE_OK && sq_readable(q) ? 0 : -1;
}

static int
sq_open(store **out, const char *path, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sq_store *q;
	int ro;

	pthread_once(&once, sq_global_init);
	q = xcalloc(1, sizeof(*q));
	q->base.ops = &store_sqlite_ops;
	q->st = xcalloc(S_COUNT, sizeof(*q->st));
	*out = NULL;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		    q->db ? sqlite3_errmsg(q->db) : "out of memory");
		sq_close(&q->base);
		return STORE_ERR;
	}
	if ((ro = sqlite3_db_readonly(q->db, "main") == 1) && !sq_readable(q) &&
	    (!sq_wal_empty(path) || sq_reopen_immutable(q, path) != 0)) {
		snprintf(err, errlen, "cannot read database %s: it is read-only, in WAL mode, "
		    "and its -shm file cannot be created (or its -wal file holds changes)", path);
		sq_close(&q->base);
		return STORE_ERR;
	}
	sqlite3_busy_timeout(q->db, 30000);
	if ((!ro && exec(q, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL") != STORE_OK) ||
	    exec(q, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; "
	    "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY; "
	    "PRAGMA wal_autocheckpoint = 4000") != STORE_OK ||
	    migrate(q, ro) != STORE_OK) {
		snprintf(err, errlen, "database %s: %s", path, q->err);
		sq_close(&q->base);
		return STORE_ERR;
	}
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(q->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i],
		    NULL) != SQLITE_OK) {
			snprintf(err, errlen, "database %s: preparing statement %d: %s", path, i,
			    sqlite3_errmsg(q->db));
			sq_close(&q->base);
			return STORE_ERR;
		}
	*out = &q->base;
	return STORE_OK;
}

static void
sq_close(store *s)
{
	sq_store *q = SQ(s);

	if (q == NULL)
		return;
	sq_bulk_stop(q);
	sq_batch_free(q);
	for (int i = 0; q->st != NULL && i < S_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	free(q->st);
	for (int a = 0; a < SQA__COUNT; a++)
		for (int i = 0; i < SQ_SLOTS; i++)
			sqlite3_finalize(q->area[a][i]);
	if (q->db != NULL)
		sqlite3_close(q->db);
	free(q);
}

static const char *
sq_errmsg(store *s)
{
	return SQ(s)->err;
}

/* Record ids are numbered afresh after every transaction boundary. */
static int
sq_tx(store *s, enum stmt i, const char *what)
{
	int rc = run(SQ(s), stmt(SQ(s), i), what);

	sq_batch_forget(SQ(s));
	return rc;
}

static int sq_begin(store *s) { return sq_tx(s, S_BEGIN, "begin"); }
static int sq_commit(store *s) { return sq_tx(s, S_COMMIT, "commit"); }

static int
sq_rollback(store *s)
{
	sq_store *q = SQ(s);

	sq_batch_discard(q);	/* never written: nothing to undo */
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
	return run(q, stmt(q, tab[i][op]), "savepoint");
}

static int sq_mark(store *s, const char *n) { return sq_mark_op(s, n, 0); }
static int sq_mark_release(store *s, const char *n) { return sq_mark_op(s, n, 1); }

static int
sq_mark_rollback(store *s, const char *n)
{
	/* Pending records came after the newest savepoint (setting it wrote
	 * everything before): dropping them is the rollback. */
	sq_batch_discard(SQ(s));
	if (sq_mark_op(s, n, 2) != STORE_OK)
		return STORE_ERR;
	return sq_mark_op(s, n, 1);
}

static int
sq_raw_new(store *s, const char *source, const char *codec, const char *sha, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_NEW);

	bind_text(st, 1, codec);
	bind_text(st, 2, source);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	bind_text(st, 4, sha);
	if (run(q, st, "archiving a message") != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

static int
sq_raw_chunk(store *s, int64_t raw_id, int seq, const void *p, size_t n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_CHUNK);

	sqlite3_bind_int64(st, 1, raw_id);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_blob64(st, 3, p, n, SQLITE_STATIC);
	return run(q, st, "archiving a chunk");
}

static int
sq_raw_seal(store *s, int64_t raw_id, const char *sha, int64_t size, int64_t stored,
    int64_t *dup_id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;

	*dup_id = 0;
	if (sha == NULL) {
		/* the hash was given to raw_new */
		st = stmt(q, S_RAW_SIZES);
		sqlite3_bind_int64(st, 1, raw_id);
		sqlite3_bind_int64(st, 2, size);
		sqlite3_bind_int64(st, 3, stored);
		return run(q, st, "sealing the archive");
	}
	st = stmt(q, S_RAW_BY_SHA);
	bind_text(st, 1, sha);
	if (sqlite3_step(st) == SQLITE_ROW)
		*dup_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (*dup_id != 0)
		return STORE_OK;
	st = stmt(q, S_RAW_SEAL);
	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, sha);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_int64(st, 4, stored);
	return run(q, st, "sealing the archive");
}

static int
sq_raw_info(store *s, int64_t raw_id, int (*cb)(void *, const store_raw_info *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_INFO);
	store_raw_info ri;
	int rc;

	sqlite3_bind_int64(st, 1, raw_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			snprintf(q->err, sizeof(q->err), "no archived message %lld", (long long)raw_id);
			return STORE_ERR;
		}
		return fail(q, "reading the archive");
	}
	ri.id = sqlite3_column_int64(st, 0);
	ri.size = sqlite3_column_int64(st, 1);
	ri.stored_size = sqlite3_column_int64(st, 2);
	ri.sha256 = (const char *)sqlite3_column_text(st, 3);
	ri.codec = (const char *)sqlite3_column_text(st, 4);
	ri.source = (const char *)sqlite3_column_text(st, 5);
	ri.state = (const char *)sqlite3_column_text(st, 6);
	rc = cb(ctx, &ri);
	sqlite3_reset(st);
	return rc;
}

static int
sq_raw_find(store *s, const char *sha256, int64_t *id, char *state, size_t statelen)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_FIND);
	int rc;

	*id = 0;
	if (statelen > 0)
		state[0] = '\0';
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 1);

		*id = sqlite3_column_int64(st, 0);
		snprintf(state, statelen, "%s", v != NULL ? v : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "looking up the archive");
	return STORE_OK;
}

static int
sq_raw_size_known(store *s, int64_t size, int *known)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_SIZE);
	int rc;

	sqlite3_bind_int64(st, 1, size);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	*known = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "looking up the archive");
	return STORE_OK;
}

static int
sq_raw_merge(store *s, int64_t from, int64_t into)
{
	sq_store *q = SQ(s);
	static const enum stmt steps[] = { S_MERGE_REPORTS, S_MERGE_DUPS, S_MERGE_CHUNKS,
	    S_MERGE_RAW };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st = stmt(q, steps[i]);

		sqlite3_bind_int64(st, 1, from);
		if (steps[i] == S_MERGE_REPORTS || steps[i] == S_MERGE_DUPS)
			sqlite3_bind_int64(st, 2, into);
		if (steps[i] == S_MERGE_DUPS && sq_kinds_merge(q, from, into) != STORE_OK)
			return STORE_ERR;
		if (run(q, st, "merging archived copies") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
sq_raw_read(store *s, int64_t raw_id, int (*cb)(void *, const void *, size_t), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_READ);
	int rc;

	sqlite3_bind_int64(st, 1, raw_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb(ctx, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)) != 0) {
			sqlite3_reset(st);
			return STORE_ERR;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : fail(q, "reading the archive");
}

static int
sq_raw_set_state(store *s, int64_t raw_id, const char *state, const char *reason,
    int64_t reports)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_STATE);

	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, state);
	bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, reports);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	return run(q, st, "updating the archive state");
}

/* JSON array of notes. */
static void
json_notes(dbuf *b, char *const *notes, int n, int dropped)
{
	dbuf_addc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_json_str(b, notes[i]);
	}
	if (dropped > 0)
		dbuf_printf(b, "%s\"... %d more notes not kept\"", n > 0 ? "," : "", dropped);
	dbuf_addc(b, ']');
}

static int
sq_report_add(store *s, int64_t raw_id, const dm_report *r, int64_t *report_id,
    int64_t *dup_of)
{
	sq_store *q = SQ(s);
	char org[DM_KEY_LEN], rid[DM_KEY_LEN], dom[DM_KEY_LEN];
	sqlite3_stmt *st;
	const dm_policy *p = &r->policy;
	dbuf raw;
	int rc;

	*report_id = 0;
	*dup_of = 0;
	dm_report_key(r, org, rid, dom);
	st = stmt(q, S_REPORT_FIND);
	bind_text(st, 1, org);
	bind_text(st, 2, rid);
	bind_text(st, 3, dom);
	sqlite3_bind_int64(st, 4, r->begin);
	sqlite3_bind_int64(st, 5, r->end);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*dup_of = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "looking up the report");
	if (*dup_of != 0)
		return STORE_OK;

	/* Keep raw policy words that did not normalise cleanly. */
	dbuf_init(&raw, 4096);
	{
		const char *names[] = { "p", "sp", "np", "adkim", "aspf" };
		const char *raws[] = { p->raw_p, p->raw_sp, p->raw_np, p->raw_adkim, p->raw_aspf };
		const char *norm[] = { dm_disp_name(p->p), dm_disp_name(p->sp), dm_disp_name(p->np),
		    dm_align_name(p->adkim), dm_align_name(p->aspf) };
		int any = 0;

		for (int i = 0; i < 5; i++) {
			if (raws[i] == NULL || strcmp(raws[i], norm[i]) == 0)
				continue;
			dbuf_addstr(&raw, any ? "," : "{");
			dbuf_printf(&raw, "\"%s\":", names[i]);
			dbuf_json_str(&raw, raws[i]);
			any = 1;
		}
		if (any)
			dbuf_addc(&raw, '}');
	}

	st = stmt(q, S_REPORT_ADD);
	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, org);
	bind_text(st, 3, rid);
	bind_text(st, 4, dom);
	sqlite3_bind_int64(st, 5, r->begin);
	sqlite3_bind_int64(st, 6, r->end);
	bind_text(st, 7, r->org_name);
	bind_text(st, 8, r->email);
	bind_text(st, 9, r->extra_contact_info);
	bind_text(st, 10, r->report_id);
	bind_text(st, 11, r->version);
	bind_text(st, 12, dm_schema_name(r->schema));
	bind_text(st, 13, r->xml_namespace);
	bind_text(st, 14, r->generator);
	bind_text(st, 15, p->p ? dm_disp_name(p->p) : NULL);
	bind_text(st, 16, p->sp ? dm_disp_name(p->sp) : NULL);
	bind_text(st, 17, p->np ? dm_disp_name(p->np) : NULL);
	bind_text(st, 18, p->adkim ? dm_align_name(p->adkim) : NULL);
	bind_text(st, 19, p->aspf ? dm_align_name(p->aspf) : NULL);
	if (p->pct >= 0)
		sqlite3_bind_int(st, 20, p->pct);
	bind_text(st, 21, p->fo);
	bind_text(st, 22, p->testing);
	bind_text(st, 23, p->discovery_method);
	bind_text(st, 24, raw.len ? dbuf_cstr(&raw) : NULL);
	sqlite3_bind_int(st, 25, r->policy_count > 0 ? r->policy_count : 1);
	sqlite3_bind_int64(st, 26, (sqlite3_int64)time(NULL));
	rc = run(q, st, "storing the report");
	dbuf_free(&raw);
	if (rc != STORE_OK)
		return STORE_ERR;
	*report_id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

/* The raw text, only when it is not exactly the normalised name. */
void
sq_bind_analysis(sqlite3_stmt *st, int first, const store_record_analysis *an)
{
	int i = first;

	if (an == NULL)
		return;		/* all NULL: the column defaults apply */
	sqlite3_bind_int(st, i++, an->spf_cat);
	sqlite3_bind_int(st, i++, an->dkim_cat);
	sqlite3_bind_int(st, i++, an->dkim_signed_aligned);
	sqlite3_bind_int(st, i++, an->reporter_pass);
	sqlite3_bind_int(st, i++, an->mismatch);
	sqlite3_bind_int64(st, i++, an->reasons_mask);
	bind_text(st, i++, an->spf_domain);
	bind_text(st, i++, an->spf_result);
	bind_text(st, i++, an->dkim_domain);
	bind_text(st, i++, an->dkim_result);
	bind_text(st, i++, an->dkim_pass_domains);
	sqlite3_bind_int(st, i++, an->sender_kind);
	if (an->sender_id > 0)
		sqlite3_bind_int64(st, i, an->sender_id);
	i++;
	bind_text(st, i++, an->service);
	sqlite3_bind_int(st, i++, an->cls);
	sqlite3_bind_int(st, i++, an->path);
	sqlite3_bind_int(st, i, an->expl);
}

static int
sq_record_add(store *s, int64_t report_id, const char *policy_domain, const dm_record *rec,
    const store_record_analysis *an)
{
	return sq_batch_record(SQ(s), report_id, policy_domain, rec, an);
}

static int
sq_report_finish(store *s, int64_t report_id, const dm_report *r)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_REPORT_FINISH);
	dbuf e, w;
	int rc;

	dbuf_init(&e, 1 << 20);
	dbuf_init(&w, 1 << 20);
	json_notes(&e, r->errors, r->nerrors, 0);
	json_notes(&w, r->warnings, r->nwarnings, r->notes_dropped);
	sqlite3_bind_int64(st, 1, report_id);
	bind_text(st, 2, dbuf_cstr(&e));
	bind_text(st, 3, dbuf_cstr(&w));
	bind_text(st, 4, r->extensions);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->records);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->messages);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->skipped_records);
	sqlite3_bind_int(st, 8, r->recovered);
	bind_text(st, 9, dm_schema_name(r->schema));
	rc = run(q, st, "finishing the report");
	dbuf_free(&e);
	dbuf_free(&w);
	return rc;
}

static int
sq_duplicate_add(store *s, int64_t raw_id, int64_t report_id, const char *source)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_DUP_ADD);

	sqlite3_bind_int64(st, 1, raw_id);
	if (report_id > 0)
		sqlite3_bind_int64(st, 2, report_id);
	bind_text(st, 3, source);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	return run(q, st, "counting a duplicate");
}

static int
sq_raw_duplicate(store *s, int64_t raw_id, const char *source, int64_t *n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_DUP);

	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, source);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (run(q, st, "counting duplicates") != STORE_OK)
		return STORE_ERR;
	*n = sqlite3_changes(q->db);
	{
		int64_t nk = 0;

		if (sq_kinds_raw_duplicate(q, raw_id, source, &nk) != STORE_OK)
			return STORE_ERR;
		*n += nk;
	}
	if (*n == 0) {
		*n = 1;
		return sq_duplicate_add(s, raw_id, 0, source);
	}
	return STORE_OK;
}

static int
sq_quarantine_add(store *s, int64_t raw_id, const char *reason)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_Q_ADD);

	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	return run(q, st, "quarantining");
}

static int
sq_quarantine_list(store *s, int only_open, int (*cb)(void *, const store_qitem *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, only_open ? S_Q_LIST_OPEN : S_Q_LIST_ALL);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_qitem it;

		it.id = sqlite3_column_int64(st, 0);
		it.raw_id = sqlite3_column_int64(st, 1);
		it.created_at = sqlite3_column_int64(st, 2);
		it.retried_at = sqlite3_column_int64(st, 3);
		it.reason = (const char *)sqlite3_column_text(st, 4);
		it.source = (const char *)sqlite3_column_text(st, 5);
		it.raw_state = (const char *)sqlite3_column_text(st, 6);
		it.resolved = sqlite3_column_int(st, 7);
		if (cb(ctx, &it) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : fail(q, "listing quarantine");
}

static int
sq_quarantine_mark(store *s, int64_t raw_id, int resolved)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_Q_MARK);

	sqlite3_bind_int64(st, 1, raw_id);
	sqlite3_bind_int(st, 2, resolved);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	return run(q, st, "updating quarantine");
}

static int
sq_quarantine_drop(store *s, int64_t id, const char *reason, int *dropped)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_Q_DROP);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (run(q, st, "dropping a quarantine entry") != STORE_OK)
		return STORE_ERR;
	*dropped = sqlite3_changes(q->db) > 0;
	return STORE_OK;
}

/* WHERE clause for a filter on the reports table (alias r). */
static void
filter_where(dbuf *b, const store_filter *f)
{
	dbuf_addstr(b, " WHERE r.complete = 1");
	if (f == NULL)
		return;
	if (f->domain != NULL)
		dbuf_addstr(b, " AND r.policy_domain = ?1");
	if (f->since != 0)
		dbuf_addstr(b, " AND r.date_end >= ?2");
	if (f->until != 0)
		dbuf_addstr(b, " AND r.date_begin < ?3");
}

static void
filter_bind(sqlite3_stmt *st, const store_filter *f)
{
	if (f == NULL)
		return;
	if (f->domain != NULL)
		sqlite3_bind_text(st, 1, f->domain, -1, SQLITE_STATIC);
	if (f->since != 0)
		sqlite3_bind_int64(st, 2, f->since);
	if (f->until != 0)
		sqlite3_bind_int64(st, 3, f->until);
}

static int
scalar(sq_store *q, const char *text, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(q->db, text, -1, &st, NULL) != SQLITE_OK)
		return fail(q, "summary");
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : fail(q, "summary");
}

static int
sq_summary(store *s, const store_filter *f, store_summary *out)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	dbuf b;
	int rc;

	memset(out, 0, sizeof(*out));
	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT count(*), coalesce(sum(record_count), 0), "
	    "coalesce(sum(message_count), 0), count(DISTINCT policy_domain), "
	    "coalesce(min(date_begin), 0), coalesce(max(date_end), 0) FROM reports r");
	filter_where(&b, f);
	rc = sqlite3_prepare_v2(q->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return fail(q, "summary");
	filter_bind(st, f);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->reports = sqlite3_column_int64(st, 0);
		out->records = sqlite3_column_int64(st, 1);
		out->messages = sqlite3_column_int64(st, 2);
		out->domains = sqlite3_column_int64(st, 3);
		out->first_begin = sqlite3_column_int64(st, 4);
		out->last_end = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (scalar(q, "SELECT count(*) FROM quarantine WHERE resolved = 0",
	    &out->quarantined) != STORE_OK ||
	    scalar(q, "SELECT count(*) FROM duplicates", &out->duplicates) != STORE_OK ||
	    scalar(q, "SELECT count(*) FROM raw_messages", &out->raw_messages) != STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

static int
sq_export_reports(store *s, const store_filter *f, int (*cb)(void *, const store_report_row *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	dbuf b;
	int rc, stop = 0;

	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT id, org_name, email, extra_contact_info, report_id, version, "
	    "schema, xml_namespace, generator, date_begin, date_end, policy_domain, p, sp, np, "
	    "adkim, aspf, pct, fo, testing, discovery_method, errors, warnings, extensions, "
	    "record_count, message_count, skipped_records, recovered, policy_count "
	    "FROM reports r");
	filter_where(&b, f);
	dbuf_addstr(&b, " ORDER BY date_begin, id");
	rc = sqlite3_prepare_v2(q->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return fail(q, "export");
	filter_bind(st, f);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_report_row row;
		dm_report *r = &row.rep;
		const char *schema;

		dm_report_init(r);
		row.id = sqlite3_column_int64(st, 0);
		r->org_name = col_dup(st, 1);
		r->email = col_dup(st, 2);
		r->extra_contact_info = col_dup(st, 3);
		r->report_id = col_dup(st, 4);
		r->version = col_dup(st, 5);
		schema = (const char *)sqlite3_column_text(st, 6);
		r->schema = schema && strcmp(schema, "rfc9990") == 0 ? DM_SCHEMA_RFC9990 :
		    schema && strcmp(schema, "rfc7489") == 0 ? DM_SCHEMA_RFC7489 :
		    DM_SCHEMA_DRAFT;
		r->xml_namespace = col_dup(st, 7);
		r->generator = col_dup(st, 8);
		r->begin = sqlite3_column_int64(st, 9);
		r->end = sqlite3_column_int64(st, 10);
		r->policy.domain = col_dup(st, 11);
		r->policy.p = dm_disp_parse((const char *)sqlite3_column_text(st, 12));
		r->policy.sp = dm_disp_parse((const char *)sqlite3_column_text(st, 13));
		r->policy.np = dm_disp_parse((const char *)sqlite3_column_text(st, 14));
		r->policy.adkim = dm_align_parse((const char *)sqlite3_column_text(st, 15));
		r->policy.aspf = dm_align_parse((const char *)sqlite3_column_text(st, 16));
		r->policy.pct = sqlite3_column_type(st, 17) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 17);
		r->policy.fo = col_dup(st, 18);
		r->policy.testing = col_dup(st, 19);
		r->policy.discovery_method = col_dup(st, 20);
		row.errors_json = (const char *)sqlite3_column_text(st, 21);
		row.warnings_json = (const char *)sqlite3_column_text(st, 22);
		r->extensions = col_dup(st, 23);
		r->records = (uint64_t)sqlite3_column_int64(st, 24);
		r->messages = (uint64_t)sqlite3_column_int64(st, 25);
		r->skipped_records = (uint64_t)sqlite3_column_int64(st, 26);
		r->recovered = sqlite3_column_int(st, 27);
		r->policy_count = sqlite3_column_int(st, 28);
		stop = cb(ctx, &row);
		dm_report_free(r);
	}
	sqlite3_finalize(st);
	if (stop < 0)
		return STORE_ERR;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : fail(q, "export");
}

#define T(st, i) ((const char *)sqlite3_column_text((st), (i)))

static const char *
adup(arena *a, const char *s)
{
	return s != NULL ? arena_strndup(a, s, strlen(s)) : NULL;
}

static int
sq_export_records(store *s, int64_t report_id, int (*cb)(void *, const dm_record *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *sr = stmt(q, S_EXPORT_RECORDS), *sx = stmt(q, S_EXPORT_REASONS);
	sqlite3_stmt *sd = stmt(q, S_EXPORT_DKIM), *ss = stmt(q, S_EXPORT_SPF);
	int rc, rx, rd, rs, stop = 0;
	dm_record *rec = xmalloc(sizeof(*rec));
	arena a;

	arena_init(&a, (size_t)64 << 20);
	sqlite3_bind_int64(sr, 1, report_id);
	sqlite3_bind_int64(sx, 1, report_id);
	sqlite3_bind_int64(sd, 1, report_id);
	sqlite3_bind_int64(ss, 1, report_id);
	/* Merge join: all four cursors walk in record id order.  Texts from the
	 * side cursors are copied into the arena before those cursors step. */
	rx = sqlite3_step(sx);
	rd = sqlite3_step(sd);
	rs = sqlite3_step(ss);
	while (!stop && (rc = sqlite3_step(sr)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sr, 0);
		const char *v;

		arena_reset(&a);
		memset(rec, 0, offsetof(dm_record, reasons));
		rec->nreasons = rec->ndkim = rec->nspf = 0;
		rec->store_id = id;
		snprintf(rec->source_ip, sizeof(rec->source_ip), "%s", T(sr, 1) ? T(sr, 1) : "");
		rec->ip_family = sqlite3_column_int(sr, 2);
		rec->count = (uint64_t)sqlite3_column_int64(sr, 3);
		rec->disposition = dm_disp_parse(T(sr, 4));
		rec->raw_disposition = (v = T(sr, 7)) ? v : T(sr, 4);
		rec->dkim = dm_verdict_parse(T(sr, 5));
		rec->spf = dm_verdict_parse(T(sr, 6));
		rec->raw_dkim = (v = T(sr, 8)) ? v : T(sr, 5);
		rec->raw_spf = (v = T(sr, 9)) ? v : T(sr, 6);
		rec->header_from = T(sr, 10);
		rec->envelope_from = T(sr, 11);
		rec->envelope_to = T(sr, 12);
		for (; rx == SQLITE_ROW && sqlite3_column_int64(sx, 0) <= id; rx = sqlite3_step(sx)) {
			dm_reason *x;

			if (sqlite3_column_int64(sx, 0) < id || rec->nreasons >= DM_MAX_REASONS)
				continue;
			x = &rec->reasons[rec->nreasons++];
			x->type = dm_reason_parse(T(sx, 1));
			x->raw_type = adup(&a, (v = T(sx, 2)) ? v : T(sx, 1));
			x->comment = adup(&a, T(sx, 3));
		}
		for (; rd == SQLITE_ROW && sqlite3_column_int64(sd, 0) <= id; rd = sqlite3_step(sd)) {
			dm_dkim *x;

			if (sqlite3_column_int64(sd, 0) < id || rec->ndkim >= DM_MAX_DKIM)
				continue;
			x = &rec->dkim_results[rec->ndkim++];
			x->domain = adup(&a, T(sd, 1));
			x->selector = adup(&a, T(sd, 2));
			x->result = dm_auth_parse(T(sd, 3));
			x->raw_result = adup(&a, (v = T(sd, 4)) ? v : T(sd, 3));
			x->human_result = adup(&a, T(sd, 5));
		}
		for (; rs == SQLITE_ROW && sqlite3_column_int64(ss, 0) <= id; rs = sqlite3_step(ss)) {
			dm_spf *x;

			if (sqlite3_column_int64(ss, 0) < id || rec->nspf >= DM_MAX_SPF)
				continue;
			x = &rec->spf_results[rec->nspf++];
			x->domain = adup(&a, T(ss, 1));
			x->scope = adup(&a, T(ss, 2));
			x->result = dm_auth_parse(T(ss, 3));
			x->raw_result = adup(&a, (v = T(ss, 4)) ? v : T(ss, 3));
			x->human_result = adup(&a, T(ss, 5));
		}
		stop = cb(ctx, rec);
	}
	sqlite3_reset(sr);
	sqlite3_reset(sx);
	sqlite3_reset(sd);
	sqlite3_reset(ss);
	free(rec);
	arena_free(&a);
	if (stop < 0)
		return STORE_ERR;
	return stop || rc == SQLITE_DONE ? STORE_OK : fail(q, "export");
}

const store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.mark = sq_mark,
	.mark_release = sq_mark_release,
	.mark_rollback = sq_mark_rollback,
	.raw_new = sq_raw_new,
	.raw_chunk = sq_raw_chunk,
	.raw_seal = sq_raw_seal,
	.raw_info = sq_raw_info,
	.raw_find = sq_raw_find,
	.raw_size_known = sq_raw_size_known,
	.raw_merge = sq_raw_merge,
	.bulk = sq_bulk,
	.raw_read = sq_raw_read,
	.raw_set_state = sq_raw_set_state,
	.report_add = sq_report_add,
	.record_add = sq_record_add,
	.report_finish = sq_report_finish,
	.duplicate_add = sq_duplicate_add,
	.raw_duplicate = sq_raw_duplicate,
	.quarantine_add = sq_quarantine_add,
	.quarantine_list = sq_quarantine_list,
	.quarantine_mark = sq_quarantine_mark,
	.quarantine_drop = sq_quarantine_drop,
	.summary = sq_summary,
	.export_reports = sq_export_reports,
	.export_records = sq_export_records,
	.analysis = &store_sqlite_analysis_ops,
	.hosts = &store_sqlite_hosts_ops,
	.web = &store_sqlite_web_ops,
	.kinds = &store_sqlite_kinds_ops,
	.auth = &store_sqlite_auth_ops,
	.alerts = &store_sqlite_alerts_ops,
	.intake = &store_sqlite_intake_ops,
	.retention = &store_sqlite_retention_ops,
	.dnscheck = &store_sqlite_dnscheck_ops,
	.feed = &store_sqlite_feed_ops,
	.ready = &store_sqlite_ready_ops,
};
