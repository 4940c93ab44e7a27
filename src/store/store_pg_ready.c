/*
 * store_pg_ready.c - the PostgreSQL side of store_ready.h (readiness for
 * p=reject, issue 18 part 3): the statements of store_sqlite_ready.c in
 * PostgreSQL's dialect, on the same indexes (rollup_domain_day_domain,
 * reports_domain_begin, records_domain), read from the replica when one is
 * fresh enough (portal reads).  Prepared in area PGA_DNSCHECK from slot 40
 * on (store_pg_dnscheck.c uses the first slots), so pg_priv.h needs no area
 * of its own.
 *
 * Exports: store_pg_ready_ops.  Errors: STORE_ERR with the message in the
 * store.
 */
#include <stdio.h>
#include <string.h>

#include "pg_priv.h"
#include "store_ready.h"

enum { S_DAYS = 40, S_POLICY, S_GROUPS };

static int
rd_days(store *s, const char *domain, int64_t from_day, int64_t to_day,
    int (*cb)(void *, const store_ready_day *), void *ctx)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, from_day);
	pg_p_int(&p, to_day);
	r = pg_exec_read(q, PGA_DNSCHECK, S_DAYS, "SELECT day, messages, dmarc_pass, forwarded, "
	    "auth_failure, spoofing FROM rollup_domain_day WHERE domain_id = (SELECT id FROM ov_domain "
	    "WHERE policy_domain = $1) AND day >= $2 AND day < $3 ORDER BY day", &p,
	    "reading the days of a domain");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_ready_day d;

		d.day = pg_int(r, i, 0);
		d.messages = pg_int(r, i, 1);
		d.dmarc_pass = pg_int(r, i, 2);
		d.forwarded = pg_int(r, i, 3);
		d.auth_failure = pg_int(r, i, 4);
		d.spoofing = pg_int(r, i, 5);
		if (cb(ctx, &d) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
rd_policy(store *s, const char *domain, int64_t before, int (*cb)(void *, const store_ready_policy *),
    void *ctx, int *found)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, before);
	r = pg_exec_read(q, PGA_DNSCHECK, S_POLICY, "SELECT p, sp, np, adkim, aspf, fo, testing, "
	    "coalesce(pct, -1), date_begin FROM reports WHERE policy_domain = $1 AND date_begin < $2 "
	    "ORDER BY date_begin DESC, id DESC LIMIT 1", &p, "reading the published policy");
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		store_ready_policy y;

		y.p = pg_str(r, 0, 0);
		y.sp = pg_str(r, 0, 1);
		y.np = pg_str(r, 0, 2);
		y.adkim = pg_str(r, 0, 3);
		y.aspf = pg_str(r, 0, 4);
		y.fo = pg_str(r, 0, 5);
		y.testing = pg_str(r, 0, 6);
		y.pct = (int)pg_int(r, 0, 7);
		y.date_begin = pg_int(r, 0, 8);
		*found = 1;
		cb(ctx, &y);
	}
	PQclear(r);
	return STORE_OK;
}

static int
rd_groups(store *s, const char *domain, int64_t since, int64_t until, int64_t max_records,
    int (*cb)(void *, const store_ready_group *), void *ctx)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, since);
	pg_p_int(&p, until);
	pg_p_int(&p, max_records + 1);
	r = pg_exec_read(q, PGA_DNSCHECK, S_GROUPS, "SELECT g.sender_id, coalesce(sn.kind, 0), "
	    "sn.match_type, sn.value, sn.note, g.service, g.cls, g.sub, g.week, g.messages, g.records, "
	    "g.first_begin FROM (SELECT x.sender_id, x.service, x.cls, x.sub, x.week, "
	    "sum(x.count)::bigint AS messages, count(*) AS records, min(x.date_begin) AS first_begin "
	    "FROM (SELECT p.date_begin, coalesce(r.sender_id, 0) AS sender_id, r.service, r.cls, "
	    "r.count, CASE WHEN r.header_from IS NULL OR r.header_from = '' OR lower(r.header_from) "
	    "= $1 THEN 0 ELSE 1 END AS sub, ((p.date_begin / 86400 + 3) / 7) * 7 - 3 AS week "
	    "FROM reports p JOIN records r ON r.policy_domain = $1 AND r.report_id = p.id "
	    "WHERE p.policy_domain = $1 "
	    "AND p.date_begin >= $2 AND p.date_begin < $3 ORDER BY p.date_begin DESC LIMIT $4) x "
	    "GROUP BY x.sender_id, x.service, x.cls, x.sub, x.week) g "
	    "LEFT JOIN senders sn ON sn.id = g.sender_id AND g.sender_id <> 0 "
	    "ORDER BY g.week, g.sender_id, g.service, g.cls, g.sub", &p, "reading the records by sender");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_ready_group g;

		g.sender_id = pg_int(r, i, 0);
		g.sender_kind = (int)pg_int(r, i, 1);
		g.match_type = pg_str(r, i, 2);
		g.value = pg_str(r, i, 3);
		g.note = pg_str(r, i, 4);
		g.service = pg_str(r, i, 5);
		g.cls = (int)pg_int(r, i, 6);
		g.sub = (int)pg_int(r, i, 7);
		g.week = pg_int(r, i, 8);
		g.messages = pg_int(r, i, 9);
		g.records = pg_int(r, i, 10);
		g.first_begin = pg_int(r, i, 11);
		if (cb(ctx, &g) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

const struct store_ready_ops store_pg_ready_ops = {
	.days = rd_days,
	.policy = rd_policy,
	.groups = rd_groups,
};
