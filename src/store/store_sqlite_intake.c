/*
 * store_sqlite_intake.c - the SQLite side of store_intake.h: mailbox intake
 * state (011_intake.sql).  Low volume (a few statements per message taken
 * from a mailbox), so each call prepares and finalizes its statement, as
 * store_sqlite_alerts.c does; except the metrics counter, which every
 * ingested message calls three times: its two statements stay prepared
 * (SQA_INTAKE), and it does not write pending record batches first
 * (service_metrics is no records table).
 *
 * Exports: store_sqlite_intake_ops.
 */
#include <string.h>
#include <time.h>

#include "sqlite_priv.h"
#include "store_intake.h"

static sqlite3_stmt *
prep(sq_store *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK)
		return NULL;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "preparing an intake statement");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static int
fin(sq_store *q, sqlite3_stmt *st, int rc, const char *what)
{
	int out = STORE_OK;

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		out = sq_fail(q, what);
	sqlite3_finalize(st);
	return out;
}

static int
in_mbox_get(store *s, const char *name, int64_t *uidvalidity, int64_t *last_uid)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT uidvalidity, last_uid FROM intake_mailboxes WHERE name = ?1");
	int rc;

	*uidvalidity = *last_uid = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, name);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*uidvalidity = sqlite3_column_int64(st, 0);
		*last_uid = sqlite3_column_int64(st, 1);
	}
	return fin(q, st, rc, "reading a mailbox's state");
}

static int
in_mbox_reset(store *s, const char *name, int64_t uidvalidity)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;

	if (sq_exec(q, "SAVEPOINT intake_reset") != STORE_OK)
		return STORE_ERR;
	if ((st = prep(q, "DELETE FROM intake_messages WHERE mailbox = ?1")) == NULL)
		goto bad;
	sq_bind_text(st, 1, name);
	if (fin(q, st, sqlite3_step(st), "forgetting a mailbox's messages") != STORE_OK)
		goto bad;
	if ((st = prep(q, "INSERT INTO intake_mailboxes(name, uidvalidity, last_uid, updated_at) "
	    "VALUES (?1, ?2, 0, ?3) ON CONFLICT(name) DO UPDATE SET uidvalidity = ?2, last_uid = 0, "
	    "updated_at = ?3")) == NULL)
		goto bad;
	sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	if (fin(q, st, sqlite3_step(st), "recording a mailbox's UIDVALIDITY") != STORE_OK)
		goto bad;
	return sq_exec(q, "RELEASE intake_reset");
bad:
	sq_exec(q, "ROLLBACK TO intake_reset");
	sq_exec(q, "RELEASE intake_reset");
	return STORE_ERR;
}

static const char *
outcome_static(const char *o)
{
	static const char *const known[] = { "stored", "duplicate", "partial", "refused" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(o, known[i]) == 0)
			return known[i];
	return "stored";
}

static int
in_msg_get(store *s, const char *name, int64_t uidvalidity, int64_t uid, const char **outcome,
    int *moved)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT outcome, moved FROM intake_messages WHERE mailbox = ?1 "
	    "AND uidvalidity = ?2 AND uid = ?3");
	int rc;

	*outcome = NULL;
	*moved = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*outcome = outcome_static((const char *)sqlite3_column_text(st, 0));
		*moved = sqlite3_column_int(st, 1);
	}
	return fin(q, st, rc, "reading a mailbox message's state");
}

static int
in_msg_put(store *s, const char *name, int64_t uidvalidity, int64_t uid, const char *outcome)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;

	if (sq_exec(q, "SAVEPOINT intake_put") != STORE_OK)
		return STORE_ERR;
	if ((st = prep(q, "INSERT INTO intake_messages(mailbox, uidvalidity, uid, outcome, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING")) == NULL)
		goto bad;
	sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uid);
	sq_bind_text(st, 4, outcome);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	if (fin(q, st, sqlite3_step(st), "recording a mailbox message") != STORE_OK)
		goto bad;
	if ((st = prep(q, "UPDATE intake_mailboxes SET last_uid = max(last_uid, ?3), updated_at = ?4 "
	    "WHERE name = ?1 AND uidvalidity = ?2")) == NULL)
		goto bad;
	sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uid);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (fin(q, st, sqlite3_step(st), "raising a mailbox's last UID") != STORE_OK)
		goto bad;
	return sq_exec(q, "RELEASE intake_put");
bad:
	sq_exec(q, "ROLLBACK TO intake_put");
	sq_exec(q, "RELEASE intake_put");
	return STORE_ERR;
}

static int
in_msg_moved(store *s, const char *name, int64_t uidvalidity, int64_t uid)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "UPDATE intake_messages SET moved = 1 WHERE mailbox = ?1 AND "
	    "uidvalidity = ?2 AND uid = ?3");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uid);
	return fin(q, st, sqlite3_step(st), "marking a mailbox message moved");
}

/* name, k1, v1, k2, v2, value: every sample of the database's metrics.
 * Sources and refusal reasons are folded into a few fixed label values. */
static const char METRICS_SQL[] =
    "SELECT 'dmarcscope_reports', 'kind', 'aggregate', NULL, NULL, count(*) FROM reports "
    "UNION ALL SELECT 'dmarcscope_reports', 'kind', 'failure', NULL, NULL, count(*) "
    "FROM failure_reports "
    "UNION ALL SELECT 'dmarcscope_reports', 'kind', 'tlsrpt', NULL, NULL, count(*) FROM tls_reports "
    "UNION ALL SELECT 'dmarcscope_raw_messages', 'source', CASE "
    "WHEN source LIKE 'imap:%' THEN 'imap' WHEN source LIKE 'mbox:%' THEN 'mbox' "
    "WHEN source IN ('-', 'stdin') OR source LIKE 'stdin%' THEN 'stdin' "
    "WHEN source LIKE 'upload%' THEN 'upload' "
    "WHEN source LIKE '%/new/%' OR source LIKE '%/cur/%' THEN 'maildir' ELSE 'file' END, "
    "'state', state, count(*) FROM raw_messages GROUP BY 3, 5 "
    "UNION ALL SELECT 'dmarcscope_duplicates', 'kind', 'aggregate', NULL, NULL, count(*) "
    "FROM duplicates "
    "UNION ALL SELECT 'dmarcscope_duplicates', 'kind', CASE kind WHEN 3 THEN 'tlsrpt' ELSE "
    "'failure' END, NULL, NULL, count(*) FROM kind_duplicates GROUP BY 3 "
    "UNION ALL SELECT 'dmarcscope_quarantine_entries', 'state', CASE resolved WHEN 0 THEN "
    "'open' ELSE 'resolved' END, NULL, NULL, count(*) FROM quarantine GROUP BY 3 "
    "UNION ALL SELECT 'dmarcscope_quarantine_bytes', NULL, NULL, NULL, NULL, "
    "coalesce(sum(size), 0) FROM raw_messages WHERE state = 'quarantined' "
    "UNION ALL SELECT 'dmarcscope_refusals', 'reason', CASE "
    "WHEN reason LIKE '%gzip%' OR reason LIKE '%zip%' OR reason LIKE '%decompress%' THEN 'archive' "
    "WHEN reason LIKE '%limit%' OR reason LIKE '%too large%' OR reason LIKE '%too many%' "
    "OR reason LIKE '%ratio%' THEN 'limit' "
    "WHEN reason LIKE '%XML%' OR reason LIKE '%well-formed%' OR reason LIKE '%DTD%' THEN 'xml' "
    "WHEN reason LIKE '%JSON%' THEN 'json' "
    "WHEN reason LIKE '%no report%' OR reason LIKE '%nothing%' THEN 'no_report' "
    "WHEN reason LIKE '%missing%' OR reason LIKE '%invalid%' THEN 'invalid_report' "
    "ELSE 'other' END, NULL, NULL, count(*) FROM quarantine GROUP BY 3 "
    "UNION ALL SELECT 'dmarcscope_intake_messages', 'mailbox', mailbox, 'outcome', outcome, "
    "count(*) FROM intake_messages GROUP BY 3, 5 "
    "UNION ALL SELECT 'dmarcscope_intake_moves_pending', 'mailbox', mailbox, NULL, NULL, "
    "count(*) FROM intake_messages WHERE moved = 0 GROUP BY 3 "
    "UNION ALL SELECT 'dmarcscope_alert_deliveries', 'channel', CASE WHEN channel LIKE 'mail%' "
    "THEN 'mail' ELSE 'webhook' END, 'state', state, count(*) FROM alert_deliveries GROUP BY 3, 5 "
    "UNION ALL SELECT 'dmarcscope_enrich_hosts', NULL, NULL, NULL, NULL, count(*) FROM hosts "
    "UNION ALL SELECT 'dmarcscope_enrich_queue_hosts', NULL, NULL, NULL, NULL, count(*) FROM hosts "
    "WHERE ptr_at IS NULL AND geo_at IS NULL AND asn_at IS NULL AND rdap_at IS NULL "
    "UNION ALL SELECT name, nullif(k1, ''), nullif(v1, ''), nullif(k2, ''), nullif(v2, ''), value "
    "FROM service_metrics "
    "UNION ALL SELECT 'dmarcscope_database_size_bytes', NULL, NULL, NULL, NULL, "
    "page_count * page_size FROM pragma_page_count(), pragma_page_size()";

static int
in_metrics(store *s, int (*cb)(void *, const char *, const char *, const char *, const char *,
    const char *, double), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, METRICS_SQL);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), (const char *)sqlite3_column_text(st, 4),
		    sqlite3_column_double(st, 5)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	return fin(q, st, rc, "reading the metrics");
}

static int
in_counter(store *s, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v, int set)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sq_prep_nobatch(q, SQA_INTAKE, set ? 1 : 0, set ?
	    "INSERT INTO service_metrics (name, k1, v1, k2, v2, value, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET value = excluded.value, "
	    "updated_at = excluded.updated_at" :
	    "INSERT INTO service_metrics (name, k1, v1, k2, v2, value, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET value = value + "
	    "excluded.value, updated_at = excluded.updated_at");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, name);
	sq_bind_text(st, 2, k1 != NULL ? k1 : "");
	sq_bind_text(st, 3, k1 != NULL && v1 != NULL ? v1 : "");
	sq_bind_text(st, 4, k1 != NULL && k2 != NULL ? k2 : "");
	sq_bind_text(st, 5, k1 != NULL && k2 != NULL && v2 != NULL ? v2 : "");
	sqlite3_bind_double(st, 6, v);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)time(NULL));
	return sq_run(q, st, "counting a metric");
}

const struct store_intake_ops store_sqlite_intake_ops = {
	.mbox_get = in_mbox_get,
	.mbox_reset = in_mbox_reset,
	.msg_get = in_msg_get,
	.msg_put = in_msg_put,
	.msg_moved = in_msg_moved,
	.metrics = in_metrics,
	.counter = in_counter,
};
