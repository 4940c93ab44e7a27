/*
 * store_sqlite_dnscheck.c - the SQLite side of store_dnscheck.h: the DNS
 * record history and the latest check results (015_dnscheck.sql).  Low
 * volume (a few statements per domain and day), so each call prepares and
 * finalizes its statement, as store_sqlite_intake.c does.
 *
 * Exports: store_sqlite_dnscheck_ops.
 */
#include <string.h>

#include "sqlite_priv.h"
#include "store_dnscheck.h"

static sqlite3_stmt *
prep(sq_store *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK)
		return NULL;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "preparing a dnscheck statement");
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
	const unsigned char *v = sqlite3_column_text(st, i);

	return v != NULL ? (const char *)v : "";
}

static int
dc_records(store *s, const char *domain, int current_only, int limit,
    int (*cb)(void *, const store_dns_record *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT id, policy_domain, kind, name, text, first_seen, last_seen, "
	    "coalesce(gone_at, 0) FROM dns_records WHERE policy_domain = ?1 AND (?2 = 0 OR gone_at IS "
	    "NULL) ORDER BY coalesce(gone_at, last_seen) DESC, id DESC LIMIT ?3");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int(st, 2, current_only);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : 500);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_dns_record r;

		r.id = sqlite3_column_int64(st, 0);
		r.policy_domain = col(st, 1);
		r.kind = col(st, 2);
		r.name = col(st, 3);
		r.text = col(st, 4);
		r.first_seen = sqlite3_column_int64(st, 5);
		r.last_seen = sqlite3_column_int64(st, 6);
		r.gone_at = sqlite3_column_int64(st, 7);
		if (cb(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(q, st, rc, "reading DNS records");
}

static int
dc_record_add(store *s, const char *domain, const char *kind, const char *name, const char *text,
    int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT INTO dns_records(policy_domain, kind, name, text, "
	    "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sq_bind_text(st, 2, kind);
	sq_bind_text(st, 3, name);
	sq_bind_text(st, 4, text);
	sqlite3_bind_int64(st, 5, now);
	return fin(q, st, sqlite3_step(st), "adding a DNS record");
}

static int
set_time(store *s, const char *sql, int64_t id, int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, sql);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return fin(q, st, sqlite3_step(st), "updating a DNS record");
}

static int
dc_record_seen(store *s, int64_t id, int64_t now)
{
	return set_time(s, "UPDATE dns_records SET last_seen = ?2 WHERE id = ?1", id, now);
}

static int
dc_record_gone(store *s, int64_t id, int64_t now)
{
	return set_time(s, "UPDATE dns_records SET gone_at = ?2 WHERE id = ?1", id, now);
}

static int
dc_result_put(store *s, const char *domain, int64_t at, int errors, int warnings, const char *json)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT INTO dns_checks(policy_domain, checked_at, errors, warnings, "
	    "result) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(policy_domain) DO UPDATE SET "
	    "checked_at = ?2, errors = ?3, warnings = ?4, result = ?5");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int(st, 3, errors);
	sqlite3_bind_int(st, 4, warnings);
	sq_bind_text(st, 5, json);
	return fin(q, st, sqlite3_step(st), "storing a DNS check");
}

static int
dc_result_get(store *s, const char *domain, int (*cb)(void *, int64_t, const char *), void *ctx,
    int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT checked_at, result FROM dns_checks WHERE policy_domain = ?1");
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*found = 1;
		cb(ctx, sqlite3_column_int64(st, 0), col(st, 1));
	}
	return fin(q, st, rc, "reading a DNS check");
}

static int
dc_selectors(store *s, const char *domain, int64_t since, int max,
    int (*cb)(void *, const char *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT lower(d.selector), sum(r.count) AS n FROM reports p "
	    "JOIN records r ON r.report_id = p.id JOIN auth_dkim d ON d.record_id = r.id "
	    "WHERE p.policy_domain = ?1 AND p.date_end >= ?2 AND d.selector IS NOT NULL AND "
	    "d.selector <> '' AND lower(d.domain) = ?1 "
	    "GROUP BY lower(d.selector) ORDER BY n DESC, 1 LIMIT ?3");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int(st, 3, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col(st, 0)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	return fin(q, st, rc, "reading DKIM selectors");
}

static int
dc_domains(store *s, int64_t since, int (*cb)(void *, const char *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT DISTINCT policy_domain FROM reports WHERE date_end >= ?1 "
	    "ORDER BY 1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col(st, 0)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	return fin(q, st, rc, "reading policy domains");
}

const struct store_dnscheck_ops store_sqlite_dnscheck_ops = {
	.records = dc_records,
	.record_add = dc_record_add,
	.record_seen = dc_record_seen,
	.record_gone = dc_record_gone,
	.result_put = dc_result_put,
	.result_get = dc_result_get,
	.selectors = dc_selectors,
	.domains = dc_domains,
};
