/*
 * store_pg_intake.c - the PostgreSQL side of store_intake.h: mailbox intake
 * state (011_intake.sql) and the database's /metrics numbers; a port of
 * store_sqlite_intake.c.
 *
 * What SQLite does in a savepoint (forget a mailbox's messages and record its
 * new UIDVALIDITY; record a message and raise last_uid) is one statement here
 * (a data-modifying WITH), so it is all-or-nothing inside or outside the
 * caller's transaction.  Mailbox claims: a session advisory lock per mailbox
 * name (pg_try_advisory_lock), held across the poll's many transactions and
 * dropped by mbox_release or when the connection ends, so two nodes
 * configured for one box never poll it at once.  (Two names with the same
 * 32-bit hash share a lock: one of them waits a round.)
 *
 * Metrics: SQLite's LIKE is case-insensitive (ASCII), so ILIKE here; the
 * database size is pg_database_size().
 *
 * Exports: store_pg_intake_ops.  Errors: STORE_ERR with the handle's message.
 */
#include <libpq-fe.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "store_intake.h"

#define LOCK_MAILBOX 1685220003	/* advisory lock key (first half) */

enum {
	I_MBOX_GET, I_MBOX_RESET, I_MSG_GET, I_MSG_PUT, I_MSG_MOVED, I_CLAIM, I_RELEASE, I_METRICS,
	I__COUNT
};

static const char *const isql[I__COUNT] = {
	[I_MBOX_GET] = "SELECT uidvalidity, last_uid FROM intake_mailboxes WHERE name = $1",
	[I_MBOX_RESET] = "WITH gone AS (DELETE FROM intake_messages WHERE mailbox = $1) "
	    "INSERT INTO intake_mailboxes(name, uidvalidity, last_uid, updated_at) "
	    "VALUES ($1, $2::bigint, 0, $3::bigint) ON CONFLICT (name) DO UPDATE SET "
	    "uidvalidity = excluded.uidvalidity, last_uid = 0, updated_at = excluded.updated_at",
	[I_MSG_GET] = "SELECT outcome, moved FROM intake_messages WHERE mailbox = $1 "
	    "AND uidvalidity = $2::bigint AND uid = $3::bigint",
	[I_MSG_PUT] = "WITH taken AS (INSERT INTO intake_messages(mailbox, uidvalidity, uid, "
	    "outcome, created_at) VALUES ($1, $2::bigint, $3::bigint, $4, $5::bigint) "
	    "ON CONFLICT DO NOTHING) "
	    "UPDATE intake_mailboxes SET last_uid = GREATEST(last_uid, $3::bigint), "
	    "updated_at = $5::bigint WHERE name = $1 AND uidvalidity = $2::bigint",
	[I_MSG_MOVED] = "UPDATE intake_messages SET moved = 1 WHERE mailbox = $1 AND "
	    "uidvalidity = $2::bigint AND uid = $3::bigint",
	[I_CLAIM] = "SELECT pg_try_advisory_lock(1685220003, hashtext($1))::int",
	[I_RELEASE] = "SELECT pg_advisory_unlock(1685220003, hashtext($1))",
	/* name, k1, v1, k2, v2, value: every sample of the database's metrics.
	 * Sources and refusal reasons are folded into a few fixed label values. */
	[I_METRICS] =
	    "SELECT 'dmarcscope_reports', 'kind', 'aggregate', NULL, NULL, count(*) FROM reports "
	    "UNION ALL SELECT 'dmarcscope_reports', 'kind', 'failure', NULL, NULL, count(*) "
	    "FROM failure_reports "
	    "UNION ALL SELECT 'dmarcscope_reports', 'kind', 'tlsrpt', NULL, NULL, count(*) "
	    "FROM tls_reports "
	    "UNION ALL SELECT 'dmarcscope_raw_messages', 'source', CASE "
	    "WHEN source ILIKE 'imap:%' THEN 'imap' WHEN source ILIKE 'mbox:%' THEN 'mbox' "
	    "WHEN source IN ('-', 'stdin') OR source ILIKE 'stdin%' THEN 'stdin' "
	    "WHEN source ILIKE 'upload%' THEN 'upload' "
	    "WHEN source ILIKE '%/new/%' OR source ILIKE '%/cur/%' THEN 'maildir' ELSE 'file' END, "
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
	    "WHEN reason ILIKE '%gzip%' OR reason ILIKE '%zip%' OR reason ILIKE '%decompress%' "
	    "THEN 'archive' "
	    "WHEN reason ILIKE '%limit%' OR reason ILIKE '%too large%' OR reason ILIKE '%too many%' "
	    "OR reason ILIKE '%ratio%' THEN 'limit' "
	    "WHEN reason ILIKE '%XML%' OR reason ILIKE '%well-formed%' OR reason ILIKE '%DTD%' "
	    "THEN 'xml' "
	    "WHEN reason ILIKE '%JSON%' THEN 'json' "
	    "WHEN reason ILIKE '%no report%' OR reason ILIKE '%nothing%' THEN 'no_report' "
	    "WHEN reason ILIKE '%missing%' OR reason ILIKE '%invalid%' THEN 'invalid_report' "
	    "ELSE 'other' END, NULL, NULL, count(*) FROM quarantine GROUP BY 3 "
	    "UNION ALL SELECT 'dmarcscope_intake_messages', 'mailbox', mailbox, 'outcome', outcome, "
	    "count(*) FROM intake_messages GROUP BY 3, 5 "
	    "UNION ALL SELECT 'dmarcscope_intake_moves_pending', 'mailbox', mailbox, NULL, NULL, "
	    "count(*) FROM intake_messages WHERE moved = 0 GROUP BY 3 "
	    "UNION ALL SELECT 'dmarcscope_alert_deliveries', 'channel', CASE WHEN channel ILIKE "
	    "'mail%' THEN 'mail' ELSE 'webhook' END, 'state', state, count(*) FROM alert_deliveries "
	    "GROUP BY 3, 5 "
	    "UNION ALL SELECT 'dmarcscope_enrich_hosts', NULL, NULL, NULL, NULL, count(*) FROM hosts "
	    "UNION ALL SELECT 'dmarcscope_enrich_queue_hosts', NULL, NULL, NULL, NULL, count(*) "
	    "FROM hosts WHERE ptr_at IS NULL AND geo_at IS NULL AND asn_at IS NULL AND rdap_at IS NULL "
	    /* a family's samples together, as SQLite's primary key order gives them */
	    "UNION ALL (SELECT name, nullif(k1, ''), nullif(v1, ''), nullif(k2, ''), nullif(v2, ''), "
	    "value FROM service_metrics ORDER BY name COLLATE \"C\", k1 COLLATE \"C\", "
	    "v1 COLLATE \"C\", k2 COLLATE \"C\", v2 COLLATE \"C\") "
	    "UNION ALL SELECT 'dmarcscope_database_size_bytes', NULL, NULL, NULL, NULL, "
	    "pg_database_size(current_database())",
};

static PGresult *
I(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_INTAKE, i, isql[i], p, what);
}

static int
in_mbox_get(store *s, const char *name, int64_t *uidvalidity, int64_t *last_uid)
{
	pg_params p;
	PGresult *r;

	*uidvalidity = *last_uid = 0;
	pg_p_init(&p);
	pg_p_text(&p, name);
	if ((r = I(PG(s), I_MBOX_GET, &p, "reading a mailbox's state")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		*uidvalidity = pg_int(r, 0, 0);
		*last_uid = pg_int(r, 0, 1);
	}
	PQclear(r);
	return STORE_OK;
}

static int
in_mbox_reset(store *s, const char *name, int64_t uidvalidity)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, name);
	pg_p_int(&p, uidvalidity);
	pg_p_int(&p, (int64_t)time(NULL));
	return pg_run(PG(s), PGA_INTAKE, I_MBOX_RESET, isql[I_MBOX_RESET], &p,
	    "recording a mailbox's UIDVALIDITY");
}

static const char *
outcome_static(const char *o)
{
	static const char *const known[] = { "stored", "duplicate", "partial", "refused" };

	for (size_t i = 0; o != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(o, known[i]) == 0)
			return known[i];
	return "stored";
}

static int
in_msg_get(store *s, const char *name, int64_t uidvalidity, int64_t uid, const char **outcome,
    int *moved)
{
	pg_params p;
	PGresult *r;

	*outcome = NULL;
	*moved = 0;
	pg_p_init(&p);
	pg_p_text(&p, name);
	pg_p_int(&p, uidvalidity);
	pg_p_int(&p, uid);
	if ((r = I(PG(s), I_MSG_GET, &p, "reading a mailbox message's state")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		*outcome = outcome_static(pg_str(r, 0, 0));
		*moved = (int)pg_int(r, 0, 1);
	}
	PQclear(r);
	return STORE_OK;
}

static int
in_msg_put(store *s, const char *name, int64_t uidvalidity, int64_t uid, const char *outcome)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, name);
	pg_p_int(&p, uidvalidity);
	pg_p_int(&p, uid);
	pg_p_text(&p, outcome);
	pg_p_int(&p, (int64_t)time(NULL));
	return pg_run(PG(s), PGA_INTAKE, I_MSG_PUT, isql[I_MSG_PUT], &p,
	    "recording a mailbox message");
}

static int
in_msg_moved(store *s, const char *name, int64_t uidvalidity, int64_t uid)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, name);
	pg_p_int(&p, uidvalidity);
	pg_p_int(&p, uid);
	return pg_run(PG(s), PGA_INTAKE, I_MSG_MOVED, isql[I_MSG_MOVED], &p,
	    "marking a mailbox message moved");
}

static int
in_mbox_claim(store *s, const char *name, int *got)
{
	pg_params p;
	PGresult *r;

	*got = 0;
	pg_p_init(&p);
	pg_p_text(&p, name);
	if ((r = I(PG(s), I_CLAIM, &p, "claiming a mailbox")) == NULL)
		return STORE_ERR;
	*got = PQntuples(r) > 0 && pg_int(r, 0, 0) == 1;
	PQclear(r);
	return STORE_OK;
}

static int
in_mbox_release(store *s, const char *name)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, name);
	return pg_run(PG(s), PGA_INTAKE, I_RELEASE, isql[I_RELEASE], &p, "releasing a mailbox");
}

static int
in_metrics(store *s, int (*cb)(void *, const char *, const char *, const char *, const char *,
    const char *, double), void *ctx)
{
	PGresult *r = I(PG(s), I_METRICS, NULL, "reading the metrics");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0), pg_str(r, i, 1), pg_str(r, i, 2), pg_str(r, i, 3),
		    pg_str(r, i, 4), pg_real(r, i, 5)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

const struct store_intake_ops store_pg_intake_ops = {
	.mbox_get = in_mbox_get,
	.mbox_reset = in_mbox_reset,
	.msg_get = in_msg_get,
	.msg_put = in_msg_put,
	.msg_moved = in_msg_moved,
	.mbox_claim = in_mbox_claim,
	.mbox_release = in_mbox_release,
	.metrics = in_metrics,
	.counter = pg_in_counter,	/* store_pg_counter.c */
};
