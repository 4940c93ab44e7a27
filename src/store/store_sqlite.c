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
 * This file opens the database (pragmas, the read-only fallbacks, the
 * migrations) and prepares the core's statements, and holds the ops table;
 * the core ops themselves are in store_sqlite_tx.c (transactions,
 * savepoints), store_sqlite_raw.c (archive, quarantine),
 * store_sqlite_report.c (reports, records, duplicates) and
 * store_sqlite_read.c (summary, exports), sharing sqlite_core.h.
 *
 * Exports: store_sqlite_ops (see store.h), sq_core_sql.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "sqlite_core.h"
#include "sqlite_priv.h"
#include "sqlite_prof.h"
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

const char *const sq_core_sql[S_COUNT] = {
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
	q->prof = sq_prof_start(q->db);
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
		if (sqlite3_prepare_v3(q->db, sq_core_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i],
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
	sq_prof_end(q->prof);
	if (q->db != NULL)
		sqlite3_close(q->db);
	free(q);
}

static const char *
sq_errmsg(store *s)
{
	return SQ(s)->err;
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
