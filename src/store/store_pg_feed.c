/*
 * store_pg_feed.c - the PostgreSQL side of store_feed.h: the same reads and
 * allow-list statements as store_sqlite_feed.c in PostgreSQL's dialect
 * (jsonb_array_elements_text for the domain list, string_agg), prepared in
 * area PGA_FEED (pg_priv.h), on sql_pg/018_feed.sql.  Reads go to the read
 * replica when one is fresh (pg_exec_read), as the portal's other reads.
 *
 * Exports: store_pg_feed_ops.
 */
#include <stdio.h>
#include <string.h>

#include "pg_priv.h"
#include "store_feed.h"

enum { S_HOSTS, S_FAILURES, S_SAMPLES, S_ADD, S_DEL, S_LIST };

static void
params(pg_params *p, const store_feed_query *q)
{
	pg_p_init(p);
	pg_p_text(p, q->domains_json);
	pg_p_int(p, q->since);
	pg_p_int(p, q->until);
	pg_p_text(p, q->ip);
	pg_p_int(p, q->limit > 0 ? q->limit : 1000);
}

static int
f_hosts(store *s, const store_feed_query *q, int (*cb)(void *, const store_feed_host *), void *ctx)
{
	pg_params p;
	PGresult *r;

	params(&p, q);
	pg_p_int(&p, q->min_messages);
	pg_p_int(&p, q->min_days);
	r = pg_exec_read(PG(s), PGA_FEED, S_HOSTS, "SELECT a.ip, a.fam, a.msgs, a.recs, a.first, a.last, "
	    "a.days, a.ndom, a.doms, a.nrep, a.reps, h.ptr, h.country, coalesce(h.asn, 0), h.as_name, "
	    "h.service, h.service_type, n.abuse_email, n.org, n.handle, n.name, h.rdap_state "
	    "FROM (SELECT r.source_ip AS ip, max(r.ip_family) AS fam, sum(r.count) AS msgs, "
	    "count(*) AS recs, min(p.date_begin) AS first, max(p.date_end) AS last, "
	    "count(DISTINCT p.date_begin / 86400) AS days, count(DISTINCT r.policy_domain) AS ndom, "
	    "string_agg(DISTINCT r.policy_domain, ',') AS doms, count(DISTINCT p.org_name) AS nrep, "
	    "string_agg(DISTINCT replace(coalesce(p.org_name, '?'), ',', ';'), ',') AS reps "
	    "FROM reports p JOIN records r ON r.policy_domain = p.policy_domain AND r.report_id = p.id "
	    "WHERE p.policy_domain IN (SELECT jsonb_array_elements_text($1::jsonb)) AND p.date_end > $2 "
	    "AND p.date_begin < $3 AND p.date_begin > $2 - 2678400 AND r.cls = 3 AND r.sender_kind = 0 "
	    "AND ($4::text IS NULL OR r.source_ip = $4::text) "
	    "GROUP BY r.source_ip HAVING sum(r.count) >= $6 AND count(DISTINCT p.date_begin / 86400) >= $7 "
	    "ORDER BY msgs DESC, ip LIMIT $5) a "
	    "LEFT JOIN hosts h ON h.ip = a.ip LEFT JOIN rdap_networks n ON n.id = h.rdap_net "
	    "ORDER BY a.msgs DESC, a.ip", &p, "reading the spoofing hosts");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_feed_host h;

		memset(&h, 0, sizeof(h));
		h.ip = pg_str(r, i, 0);
		h.family = (int)pg_int(r, i, 1);
		h.messages = pg_int(r, i, 2);
		h.records = pg_int(r, i, 3);
		h.first_seen = pg_int(r, i, 4);
		h.last_seen = pg_int(r, i, 5);
		h.days = pg_int(r, i, 6);
		h.ndomains = pg_int(r, i, 7);
		h.domains = pg_str(r, i, 8);
		h.nreporters = pg_int(r, i, 9);
		h.reporters = pg_str(r, i, 10);
		h.ptr = pg_str(r, i, 11);
		h.country = pg_str(r, i, 12);
		h.asn = pg_int(r, i, 13);
		h.as_name = pg_str(r, i, 14);
		h.service = pg_str(r, i, 15);
		h.service_type = pg_str(r, i, 16);
		h.abuse_email = pg_str(r, i, 17);
		h.rdap_org = pg_str(r, i, 18);
		h.rdap_handle = pg_str(r, i, 19);
		h.rdap_name = pg_str(r, i, 20);
		h.rdap_state = pg_str(r, i, 21);
		if (h.ip != NULL && cb(ctx, &h) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
f_failures(store *s, const store_feed_query *q, int (*cb)(void *, const store_feed_fail *),
    void *ctx)
{
	pg_params p;
	PGresult *r;

	params(&p, q);
	r = pg_exec_read(PG(s), PGA_FEED, S_FAILURES, "SELECT source_ip, count(*), min(arrival_time), "
	    "max(arrival_time) FROM failure_reports WHERE policy_domain IN "
	    "(SELECT jsonb_array_elements_text($1::jsonb)) AND arrival_time >= $2 AND arrival_time < $3 "
	    "AND is_dmarc_failure = 1 AND source_ip IS NOT NULL "
	    "AND ($4::text IS NULL OR source_ip = $4::text) "
	    "GROUP BY source_ip ORDER BY count(*) DESC, source_ip LIMIT $5", &p,
	    "reading failure reports per host");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_feed_fail f;

		f.ip = pg_str(r, i, 0);
		f.count = pg_int(r, i, 1);
		f.first = pg_int(r, i, 2);
		f.last = pg_int(r, i, 3);
		if (cb(ctx, &f) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
f_samples(store *s, const store_feed_query *q, int max,
    int (*cb)(void *, const store_feed_sample *), void *ctx)
{
	pg_params p;
	PGresult *r;
	store_feed_query one = *q;

	one.limit = max > 0 ? max : 3;
	params(&p, &one);
	r = pg_exec_read(PG(s), PGA_FEED, S_SAMPLES, "SELECT policy_domain, subject, reporter_domain, "
	    "arrival_time FROM failure_reports WHERE source_ip = $4::text AND arrival_time >= $2 "
	    "AND arrival_time < $3 AND policy_domain IN (SELECT jsonb_array_elements_text($1::jsonb)) "
	    "AND is_dmarc_failure = 1 ORDER BY arrival_time DESC, id DESC LIMIT $5", &p,
	    "reading failure report samples");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_feed_sample f;

		f.policy_domain = pg_str(r, i, 0);
		f.subject = pg_str(r, i, 1);
		f.reporter = pg_str(r, i, 2);
		f.at = pg_int(r, i, 3);
		if (cb(ctx, &f) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
f_allow_add(store *s, int64_t tenant_id, const char *cidr, const char *note, int64_t now,
    int64_t *id)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, tenant_id);
	pg_p_text(&p, cidr);
	pg_p_text(&p, note);
	pg_p_int(&p, now);
	r = pg_exec(q, PGA_FEED, S_ADD, "INSERT INTO feed_allow(tenant_id, cidr, note, created_at) "
	    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id", &p,
	    "adding to the allow-list");
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		snprintf(q->err, sizeof(q->err), "%s is already listed", cidr);
		return STORE_ERR;
	}
	*id = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

static int
f_allow_del(store *s, int64_t tenant_id, const char *cidr, int *found)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, tenant_id);
	pg_p_text(&p, cidr);
	r = pg_exec(PG(s), PGA_FEED, S_DEL, "DELETE FROM feed_allow WHERE tenant_id = $1 AND cidr = $2 "
	    "RETURNING id", &p, "removing from the allow-list");
	if (r == NULL)
		return STORE_ERR;
	*found = PQntuples(r) > 0;
	PQclear(r);
	return STORE_OK;
}

static int
f_allow_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_feed_allow *), void *ctx)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, tenant_id);
	r = pg_exec(PG(s), PGA_FEED, S_LIST, "SELECT id, tenant_id, cidr, note, created_at FROM "
	    "feed_allow WHERE $1::bigint < 0 OR tenant_id IN (0, $1::bigint) ORDER BY tenant_id, cidr "
	    "LIMIT 100000", &p, "reading the allow-list");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_feed_allow a;

		a.id = pg_int(r, i, 0);
		a.tenant_id = pg_int(r, i, 1);
		a.cidr = pg_str(r, i, 2);
		a.note = pg_str(r, i, 3);
		a.created_at = pg_int(r, i, 4);
		if (a.cidr != NULL && cb(ctx, &a) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

const struct store_feed_ops store_pg_feed_ops = {
	.hosts = f_hosts,
	.failures = f_failures,
	.samples = f_samples,
	.allow_add = f_allow_add,
	.allow_del = f_allow_del,
	.allow_list = f_allow_list,
};
