/*
 * store_sqlite_ready.c - the SQLite side of store_ready.h (readiness for
 * p=reject, issue 18 part 3): one domain's days from rollup_domain_day
 * through rollup_domain_day_domain, the policy of its newest report before
 * a time, and the newest max_records records of its reports summed by
 * sender, class, subdomain and week.  A few statements per request, so each
 * call prepares and finalizes its own (as store_sqlite_dnscheck.c).
 *
 * Exports: store_sqlite_ready_ops.  Errors: STORE_ERR with the message in
 * the store.
 */
#include <string.h>

#include "sqlite_priv.h"
#include "store_ready.h"

static sqlite3_stmt *
prep(sq_store *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK)
		return NULL;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "preparing a readiness statement");
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

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);	/* NULL for SQL NULL */
}

static int
rd_days(store *s, const char *domain, int64_t from_day, int64_t to_day,
    int (*cb)(void *, const store_ready_day *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT day, messages, dmarc_pass, forwarded, auth_failure, spoofing "
	    "FROM rollup_domain_day INDEXED BY rollup_domain_day_domain WHERE domain_id = "
	    "(SELECT id FROM ov_domain WHERE policy_domain = ?1) AND day >= ?2 AND day < ?3 ORDER BY day");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, from_day);
	sqlite3_bind_int64(st, 3, to_day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_ready_day d;

		d.day = sqlite3_column_int64(st, 0);
		d.messages = sqlite3_column_int64(st, 1);
		d.dmarc_pass = sqlite3_column_int64(st, 2);
		d.forwarded = sqlite3_column_int64(st, 3);
		d.auth_failure = sqlite3_column_int64(st, 4);
		d.spoofing = sqlite3_column_int64(st, 5);
		if (cb(ctx, &d) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(q, st, rc, "reading the days of a domain");
}

static int
rd_policy(store *s, const char *domain, int64_t before, int (*cb)(void *, const store_ready_policy *),
    void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT p, sp, np, adkim, aspf, fo, testing, coalesce(pct, -1), "
	    "date_begin FROM reports WHERE policy_domain = ?1 AND date_begin < ?2 "
	    "ORDER BY date_begin DESC, id DESC LIMIT 1");
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, before);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_ready_policy p;

		p.p = col(st, 0);
		p.sp = col(st, 1);
		p.np = col(st, 2);
		p.adkim = col(st, 3);
		p.aspf = col(st, 4);
		p.fo = col(st, 5);
		p.testing = col(st, 6);
		p.pct = (int)sqlite3_column_int64(st, 7);
		p.date_begin = sqlite3_column_int64(st, 8);
		*found = 1;
		cb(ctx, &p);
	}
	return fin(q, st, rc, "reading the published policy");
}

static int
rd_groups(store *s, const char *domain, int64_t since, int64_t until, int64_t max_records,
    int (*cb)(void *, const store_ready_group *), void *ctx)
{
	sq_store *q = SQ(s);
	/* the inner SELECT is the bound: the newest reports first through
	 * reports_domain_begin, their records through records_domain */
	sqlite3_stmt *st = prep(q, "SELECT g.sender_id, coalesce(sn.kind, 0), sn.match_type, sn.value, "
	    "sn.note, g.service, g.cls, g.sub, g.week, g.messages, g.records, g.first_begin FROM "
	    "(SELECT x.sender_id, x.service, x.cls, x.sub, x.week, sum(x.count) AS messages, "
	    "count(*) AS records, min(x.date_begin) AS first_begin FROM "
	    "(SELECT p.date_begin, coalesce(r.sender_id, 0) AS sender_id, r.service, r.cls, r.count, "
	    "CASE WHEN r.header_from IS NULL OR r.header_from = '' OR lower(r.header_from) = ?1 "
	    "THEN 0 ELSE 1 END AS sub, ((p.date_begin / 86400 + 3) / 7) * 7 - 3 AS week "
	    "FROM reports p INDEXED BY reports_domain_begin JOIN records r INDEXED BY records_domain "
	    "ON r.policy_domain = ?1 AND r.report_id = p.id "
	    "WHERE p.policy_domain = ?1 AND p.date_begin >= ?2 AND p.date_begin < ?3 "
	    "ORDER BY p.date_begin DESC LIMIT ?4) x "
	    "GROUP BY x.sender_id, x.service, x.cls, x.sub, x.week) g "
	    "LEFT JOIN senders sn ON sn.id = g.sender_id AND g.sender_id <> 0 "
	    "ORDER BY g.week, g.sender_id, g.service, g.cls, g.sub");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	sqlite3_bind_int64(st, 4, max_records + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_ready_group g;

		g.sender_id = sqlite3_column_int64(st, 0);
		g.sender_kind = (int)sqlite3_column_int64(st, 1);
		g.match_type = col(st, 2);
		g.value = col(st, 3);
		g.note = col(st, 4);
		g.service = col(st, 5);
		g.cls = (int)sqlite3_column_int64(st, 6);
		g.sub = (int)sqlite3_column_int64(st, 7);
		g.week = sqlite3_column_int64(st, 8);
		g.messages = sqlite3_column_int64(st, 9);
		g.records = sqlite3_column_int64(st, 10);
		g.first_begin = sqlite3_column_int64(st, 11);
		if (cb(ctx, &g) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(q, st, rc, "reading the records by sender");
}

const struct store_ready_ops store_sqlite_ready_ops = {
	.days = rd_days,
	.policy = rd_policy,
	.groups = rd_groups,
};
