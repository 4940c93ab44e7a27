/*
 * store_sqlite_feed.c - the SQLite side of store_feed.h: the spoofing-host
 * feed's reads (records classified spoofing, aggregated per source IP, with
 * hosts and rdap_networks; failure reports per IP) and the allow-list
 * (018_feed.sql).  The domains come as a JSON array (json_each), so one
 * statement serves one domain or a tenant's every domain; reports are found
 * by reports_domain_begin (begun at most 31 days before the period: longer
 * reports are not looked at) and their records by records_domain
 * (policy_domain, report_id), the join order forced (CROSS JOIN, and +x
 * keeps records_ip from driving the GROUP BY), so a call reads the period's
 * records of those domains and nothing else.  Each call
 * prepares and finalizes its statement (a few calls per request).
 *
 * Exports: store_sqlite_feed_ops.
 */
#include <stdio.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_feed.h"

static sqlite3_stmt *
prep(sq_store *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK)
		return NULL;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "preparing a feed statement");
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
T(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void
bind_q(sqlite3_stmt *st, const store_feed_query *q)
{
	sq_bind_text(st, 1, q->domains_json);
	sqlite3_bind_int64(st, 2, q->since);
	sqlite3_bind_int64(st, 3, q->until);
	sq_bind_text(st, 4, q->ip);
	sqlite3_bind_int(st, 5, q->limit > 0 ? q->limit : 1000);
}

static int
f_hosts(store *s, const store_feed_query *q, int (*cb)(void *, const store_feed_host *), void *ctx)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = prep(sq, "SELECT a.ip, a.fam, a.msgs, a.recs, a.first, a.last, a.days, "
	    "a.ndom, a.doms, a.nrep, a.reps, h.ptr, h.country, coalesce(h.asn, 0), h.as_name, "
	    "h.service, h.service_type, n.abuse_email, n.org, n.handle, n.name, h.rdap_state "
	    "FROM (SELECT r.source_ip AS ip, max(r.ip_family) AS fam, sum(r.count) AS msgs, "
	    "count(*) AS recs, min(p.date_begin) AS first, max(p.date_end) AS last, "
	    "count(DISTINCT p.date_begin / 86400) AS days, count(DISTINCT r.policy_domain) AS ndom, "
	    "group_concat(DISTINCT r.policy_domain) AS doms, count(DISTINCT p.org_name) AS nrep, "
	    "group_concat(DISTINCT replace(coalesce(p.org_name, '?'), ',', ';')) AS reps "
	    "FROM reports p CROSS JOIN records r ON r.policy_domain = p.policy_domain "
	    "AND r.report_id = p.id "
	    "WHERE p.policy_domain IN (SELECT value FROM json_each(?1)) AND p.date_end > ?2 "
	    "AND p.date_begin < ?3 AND p.date_begin > ?2 - 2678400 AND r.cls = 3 AND r.sender_kind = 0 "
	    "AND (?4 IS NULL OR r.source_ip = ?4) "
	    "GROUP BY +r.source_ip HAVING sum(r.count) >= ?6 AND count(DISTINCT p.date_begin / 86400) >= ?7 "
	    "ORDER BY msgs DESC, ip LIMIT ?5) a "
	    "LEFT JOIN hosts h ON h.ip = a.ip LEFT JOIN rdap_networks n ON n.id = h.rdap_net "
	    "ORDER BY a.msgs DESC, a.ip");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_q(st, q);
	sqlite3_bind_int64(st, 6, q->min_messages);
	sqlite3_bind_int64(st, 7, q->min_days);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_feed_host h;

		memset(&h, 0, sizeof(h));
		h.ip = T(st, 0);
		h.family = sqlite3_column_int(st, 1);
		h.messages = sqlite3_column_int64(st, 2);
		h.records = sqlite3_column_int64(st, 3);
		h.first_seen = sqlite3_column_int64(st, 4);
		h.last_seen = sqlite3_column_int64(st, 5);
		h.days = sqlite3_column_int64(st, 6);
		h.ndomains = sqlite3_column_int64(st, 7);
		h.domains = T(st, 8);
		h.nreporters = sqlite3_column_int64(st, 9);
		h.reporters = T(st, 10);
		h.ptr = T(st, 11);
		h.country = T(st, 12);
		h.asn = sqlite3_column_int64(st, 13);
		h.as_name = T(st, 14);
		h.service = T(st, 15);
		h.service_type = T(st, 16);
		h.abuse_email = T(st, 17);
		h.rdap_org = T(st, 18);
		h.rdap_handle = T(st, 19);
		h.rdap_name = T(st, 20);
		h.rdap_state = T(st, 21);
		if (h.ip == NULL)
			continue;
		if (cb(ctx, &h) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(sq, st, rc, "reading the spoofing hosts");
}

static int
f_failures(store *s, const store_feed_query *q, int (*cb)(void *, const store_feed_fail *),
    void *ctx)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = prep(sq, "SELECT source_ip, count(*), min(arrival_time), max(arrival_time) "
	    "FROM failure_reports WHERE policy_domain IN (SELECT value FROM json_each(?1)) "
	    "AND arrival_time >= ?2 AND arrival_time < ?3 AND is_dmarc_failure = 1 "
	    "AND source_ip IS NOT NULL AND (?4 IS NULL OR source_ip = ?4) "
	    "GROUP BY +source_ip ORDER BY count(*) DESC, source_ip LIMIT ?5");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_q(st, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_feed_fail f;

		f.ip = T(st, 0);
		f.count = sqlite3_column_int64(st, 1);
		f.first = sqlite3_column_int64(st, 2);
		f.last = sqlite3_column_int64(st, 3);
		if (cb(ctx, &f) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(sq, st, rc, "reading failure reports per host");
}

static int
f_samples(store *s, const store_feed_query *q, int max,
    int (*cb)(void *, const store_feed_sample *), void *ctx)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = prep(sq, "SELECT policy_domain, subject, reporter_domain, arrival_time "
	    "FROM failure_reports WHERE source_ip = ?4 AND arrival_time >= ?2 AND arrival_time < ?3 "
	    "AND policy_domain IN (SELECT value FROM json_each(?1)) AND is_dmarc_failure = 1 "
	    "ORDER BY arrival_time DESC, id DESC LIMIT ?5");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	bind_q(st, q);
	sqlite3_bind_int(st, 5, max > 0 ? max : 3);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_feed_sample f;

		f.policy_domain = T(st, 0);
		f.subject = T(st, 1);
		f.reporter = T(st, 2);
		f.at = sqlite3_column_int64(st, 3);
		if (cb(ctx, &f) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(sq, st, rc, "reading failure report samples");
}

static int
f_allow_add(store *s, int64_t tenant_id, const char *cidr, const char *note, int64_t now,
    int64_t *id)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = prep(sq, "INSERT INTO feed_allow(tenant_id, cidr, note, created_at) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, tenant_id);
	sq_bind_text(st, 2, cidr);
	sq_bind_text(st, 3, note);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE && sqlite3_changes(sq->db) == 0) {
		sqlite3_finalize(st);
		snprintf(sq->err, sizeof(sq->err), "%s is already listed", cidr);
		return STORE_ERR;
	}
	*id = sqlite3_last_insert_rowid(sq->db);
	return fin(sq, st, rc, "adding to the allow-list");
}

static int
f_allow_del(store *s, int64_t tenant_id, const char *cidr, int *found)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = prep(sq, "DELETE FROM feed_allow WHERE tenant_id = ?1 AND cidr = ?2");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, tenant_id);
	sq_bind_text(st, 2, cidr);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_DONE && sqlite3_changes(sq->db) > 0;
	return fin(sq, st, rc, "removing from the allow-list");
}

static int
f_allow_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_feed_allow *), void *ctx)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = prep(sq, "SELECT id, tenant_id, cidr, note, created_at FROM feed_allow "
	    "WHERE ?1 < 0 OR tenant_id IN (0, ?1) ORDER BY tenant_id, cidr LIMIT 100000");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, tenant_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_feed_allow a;

		a.id = sqlite3_column_int64(st, 0);
		a.tenant_id = sqlite3_column_int64(st, 1);
		a.cidr = T(st, 2);
		a.note = T(st, 3);
		a.created_at = sqlite3_column_int64(st, 4);
		if (a.cidr == NULL)
			continue;
		if (cb(ctx, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return fin(sq, st, rc, "reading the allow-list");
}

const struct store_feed_ops store_sqlite_feed_ops = {
	.hosts = f_hosts,
	.failures = f_failures,
	.samples = f_samples,
	.allow_add = f_allow_add,
	.allow_del = f_allow_del,
	.allow_list = f_allow_list,
};
