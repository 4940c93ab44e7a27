/*
 * store_sqlite_stage.c - a grouped ingest transaction's rollups, settled
 * once before its COMMIT (028_rollup_settle.sql).
 *
 * In a grouped transaction (the writer sets a "unit" savepoint per message
 * inside one BEGIN ... COMMIT), from its second message on, the record
 * batch writes its rollup_day and rollup_src rows into two TEMP tables
 * instead of upserting them where they live (store_sqlite_batch.c looks at
 * q->stage).  The first message's rows go through the triggers: a group of
 * one large report would otherwise hold its source rows in memory (about
 * 10 MB more peak RSS on the 1M-record report, even settled every 2,048
 * rows).  sq_stage_settle, called by
 * sq_commit before the COMMIT, then moves the sums:
 *   1. a row in rollup_settling: the row triggers of rollup_day and
 *      rollup_src (028) do nothing until it is deleted;
 *   2. ov_domain ids for domains new to the overview, in the order they came;
 *   3. the overview's day rows (rollup_domain_day): one upsert per day and
 *      domain with the transaction's sums, as 016's and 026's triggers would
 *      have added them row by row (its own triggers keep the spans);
 *   4. rollup_day: one upsert per key;
 *   5. rollup_src_span: one upsert per span, with days counting the
 *      rollup_src rows that are new (read before step 6, as 020's insert
 *      trigger counts them);
 *   6. rollup_src: one upsert per key;
 *   7. the flag row and the stage rows deleted.
 * The stage is settled early once it holds STAGE_MAX rows (sq_stage_bound:
 * the 1M-record report has 264,000 source rows, which would otherwise sit
 * in memory until its COMMIT); a settle inside a message's savepoint is
 * undone with it, stage deletions and all (TEMP tables take part in
 * savepoints).
 * A message rolled back to its savepoint takes its stage rows with it; a
 * failed settle fails the COMMIT, and the caller rolls the whole group back
 * (flag row included).  Nobody else sees the stage or the flag: TEMP tables
 * are the connection's own, and the flag row is never committed.
 *
 * Exports (sqlite_priv.h): sq_stage_begin, sq_stage_settle, sq_stage_bound,
 * sq_stage_end.
 * Errors: STORE_ERR with q->err set.
 */
#include <sqlite3.h>

#include "sqlite_priv.h"

static const char stage_tables[] =
    "CREATE TEMP TABLE IF NOT EXISTS rollup_stage_day (policy_domain TEXT NOT NULL, "
    "day INTEGER NOT NULL, cls INTEGER NOT NULL, path INTEGER NOT NULL, "
    "spf_cat INTEGER NOT NULL, dkim_cat INTEGER NOT NULL, sender_kind INTEGER NOT NULL, "
    "known INTEGER NOT NULL, disposition INTEGER NOT NULL, reporter_pass INTEGER NOT NULL, "
    "messages INTEGER NOT NULL, records INTEGER NOT NULL);"
    "CREATE TEMP TABLE IF NOT EXISTS rollup_stage_src (policy_domain TEXT NOT NULL, "
    "day INTEGER NOT NULL, prefix TEXT NOT NULL, messages INTEGER NOT NULL, "
    "spf_aligned INTEGER NOT NULL, dkim_aligned INTEGER NOT NULL, "
    "dmarc_pass INTEGER NOT NULL, spoofing INTEGER NOT NULL)";

#define DAY_KEY "policy_domain, day, cls, path, spf_cat, dkim_cat, sender_kind, known, " \
	"disposition, reporter_pass"
#define SRC_SUMS "sum(messages), sum(spf_aligned), sum(dkim_aligned), sum(dmarc_pass), " \
	"sum(spoofing)"
#define ADD(c) c " = " c " + excluded." c

static const char *const settle_sql[] = {
	"INSERT INTO rollup_settling(active) VALUES (1)",
	"INSERT INTO ov_domain(policy_domain) SELECT s.policy_domain FROM temp.rollup_stage_day s "
	"WHERE NOT EXISTS (SELECT 1 FROM ov_domain o WHERE o.policy_domain = s.policy_domain) "
	"GROUP BY s.policy_domain ORDER BY min(s.rowid)",
	"INSERT INTO rollup_domain_day(day, domain_id, messages, dmarc_pass, spf_aligned, "
	"dkim_aligned, forwarded, auth_failure, spoofing) "
	"SELECT s.day, o.id, sum(s.messages), "
	"sum(CASE WHEN s.cls = 0 THEN s.messages ELSE 0 END), "
	"sum(CASE WHEN s.spf_cat = 0 THEN s.messages ELSE 0 END), "
	"sum(CASE WHEN s.dkim_cat = 0 THEN s.messages ELSE 0 END), "
	"sum(CASE WHEN s.cls = 1 THEN s.messages ELSE 0 END), "
	"sum(CASE WHEN s.cls = 2 THEN s.messages ELSE 0 END), "
	"sum(CASE WHEN s.cls NOT BETWEEN 0 AND 2 THEN s.messages ELSE 0 END) "
	"FROM temp.rollup_stage_day s JOIN ov_domain o ON o.policy_domain = s.policy_domain "
	"WHERE true GROUP BY s.day, o.id "
	"ON CONFLICT (day, domain_id) DO UPDATE SET " ADD("messages") ", " ADD("dmarc_pass") ", "
	ADD("spf_aligned") ", " ADD("dkim_aligned") ", " ADD("forwarded") ", "
	ADD("auth_failure") ", " ADD("spoofing"),
	"INSERT INTO rollup_day(" DAY_KEY ", messages, records) SELECT " DAY_KEY ", "
	"sum(messages), sum(records) FROM temp.rollup_stage_day WHERE true GROUP BY " DAY_KEY
	" ON CONFLICT DO UPDATE SET " ADD("messages") ", " ADD("records"),
	"INSERT INTO rollup_src_span(policy_domain, level, start, prefix, days, messages, "
	"spf_aligned, dkim_aligned, dmarc_pass, spoofing) "
	"SELECT g.policy_domain, l.level, g.day >> (2 * l.level), g.prefix, sum(g.fresh), "
	"sum(g.messages), sum(g.spf_aligned), sum(g.dkim_aligned), sum(g.dmarc_pass), "
	"sum(g.spoofing) FROM (SELECT s.policy_domain, s.day, s.prefix, "
	"sum(s.messages) AS messages, sum(s.spf_aligned) AS spf_aligned, "
	"sum(s.dkim_aligned) AS dkim_aligned, sum(s.dmarc_pass) AS dmarc_pass, "
	"sum(s.spoofing) AS spoofing, NOT EXISTS (SELECT 1 FROM rollup_src r "
	"WHERE r.policy_domain = s.policy_domain AND r.day = s.day AND r.prefix = s.prefix) "
	"AS fresh FROM temp.rollup_stage_src s GROUP BY s.policy_domain, s.day, s.prefix) g, "
	"(SELECT 1 AS level UNION ALL SELECT 2 UNION ALL SELECT 3) l "
	"WHERE true GROUP BY g.policy_domain, l.level, g.day >> (2 * l.level), g.prefix "
	"ON CONFLICT (policy_domain, level, start, prefix) DO UPDATE SET " ADD("days") ", "
	ADD("messages") ", " ADD("spf_aligned") ", " ADD("dkim_aligned") ", "
	ADD("dmarc_pass") ", " ADD("spoofing"),
	"INSERT INTO rollup_src(policy_domain, day, prefix, messages, spf_aligned, dkim_aligned, "
	"dmarc_pass, spoofing) SELECT policy_domain, day, prefix, " SRC_SUMS
	" FROM temp.rollup_stage_src WHERE true GROUP BY policy_domain, day, prefix "
	"ON CONFLICT DO UPDATE SET " ADD("messages") ", " ADD("spf_aligned") ", "
	ADD("dkim_aligned") ", " ADD("dmarc_pass") ", " ADD("spoofing"),
	"DELETE FROM rollup_settling",
	"DELETE FROM temp.rollup_stage_day",
	"DELETE FROM temp.rollup_stage_src",
};

#define NSETTLE ((int)(sizeof(settle_sql) / sizeof(settle_sql[0])))
#define STAGE_MAX 16384		/* stage rows before an early settle (a few MB) */

int
sq_stage_begin(sq_store *q)
{
	if (q->stage)
		return STORE_OK;
	/* only inside an explicit transaction (a savepoint outside one would
	 * start and end its own) */
	if (sqlite3_get_autocommit(q->db))
		return STORE_OK;
	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK)
		return STORE_ERR;
	if (sq_exec(q, stage_tables) != STORE_OK)
		return STORE_ERR;
	q->stage = 1;
	return STORE_OK;
}

int
sq_stage_settle(sq_store *q)
{
	if (!q->stage)
		return STORE_OK;
	for (int i = 0; i < NSETTLE; i++) {
		sqlite3_stmt *st = sq_prep(q, SQA_STAGE, i, settle_sql[i]);

		if (st == NULL || sq_run(q, st, "settling the rollups") != STORE_OK)
			return STORE_ERR;
	}
	q->staged = 0;
	return STORE_OK;
}

int
sq_stage_bound(sq_store *q)
{
	return q->stage && q->staged >= STAGE_MAX ? sq_stage_settle(q) : STORE_OK;
}

void
sq_stage_end(sq_store *q)
{
	q->stage = 0;
	q->staged = 0;
	q->units = 0;
}
