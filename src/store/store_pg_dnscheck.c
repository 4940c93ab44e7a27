/*
 * store_pg_dnscheck.c - the PostgreSQL side of store_dnscheck.h: the DNS
 * record history and the latest check results (sql_pg/015_dnscheck.sql),
 * the same statements as store_sqlite_dnscheck.c in PostgreSQL's dialect,
 * prepared in area PGA_DNSCHECK (pg_priv.h).
 *
 * Exports: store_pg_dnscheck_ops.
 */
#include <stdio.h>
#include <string.h>

#include "pg_priv.h"
#include "store_dnscheck.h"

enum { S_RECORDS, S_ADD, S_SEEN, S_GONE, S_PUT, S_GET, S_SELECTORS, S_DOMAINS };

static int
dc_records(store *s, const char *domain, int current_only, int limit,
    int (*cb)(void *, const store_dns_record *), void *ctx)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, current_only);
	pg_p_int(&p, limit > 0 ? limit : 500);
	r = pg_exec(q, PGA_DNSCHECK, S_RECORDS, "SELECT id, policy_domain, kind, name, text, first_seen, "
	    "last_seen, coalesce(gone_at, 0) FROM dns_records WHERE policy_domain = $1 AND "
	    "($2::bigint = 0 OR gone_at IS NULL) ORDER BY coalesce(gone_at, last_seen) DESC, id DESC "
	    "LIMIT $3", &p, "reading DNS records");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_dns_record d;

		d.id = pg_int(r, i, 0);
		d.policy_domain = pg_str(r, i, 1);
		d.kind = pg_str(r, i, 2);
		d.name = pg_str(r, i, 3);
		d.text = pg_str(r, i, 4);
		d.first_seen = pg_int(r, i, 5);
		d.last_seen = pg_int(r, i, 6);
		d.gone_at = pg_int(r, i, 7);
		if (cb(ctx, &d) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
dc_record_add(store *s, const char *domain, const char *kind, const char *name, const char *text,
    int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_text(&p, kind);
	pg_p_text(&p, name);
	pg_p_text(&p, text);
	pg_p_int(&p, now);
	return pg_run(PG(s), PGA_DNSCHECK, S_ADD, "INSERT INTO dns_records(policy_domain, kind, name, "
	    "text, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5)", &p, "adding a DNS record");
}

static int
dc_record_seen(store *s, int64_t id, int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, now);
	return pg_run(PG(s), PGA_DNSCHECK, S_SEEN, "UPDATE dns_records SET last_seen = $2 WHERE id = $1",
	    &p, "updating a DNS record");
}

static int
dc_record_gone(store *s, int64_t id, int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, now);
	return pg_run(PG(s), PGA_DNSCHECK, S_GONE, "UPDATE dns_records SET gone_at = $2 WHERE id = $1",
	    &p, "updating a DNS record");
}

static int
dc_result_put(store *s, const char *domain, int64_t at, int errors, int warnings, const char *json)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, at);
	pg_p_int(&p, errors);
	pg_p_int(&p, warnings);
	pg_p_text(&p, json);
	return pg_run(PG(s), PGA_DNSCHECK, S_PUT, "INSERT INTO dns_checks(policy_domain, checked_at, "
	    "errors, warnings, result) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (policy_domain) DO "
	    "UPDATE SET checked_at = $2, errors = $3, warnings = $4, result = $5", &p,
	    "storing a DNS check");
}

static int
dc_result_get(store *s, const char *domain, int (*cb)(void *, int64_t, const char *), void *ctx,
    int *found)
{
	pg_params p;
	PGresult *r;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	r = pg_exec(PG(s), PGA_DNSCHECK, S_GET, "SELECT checked_at, result FROM dns_checks WHERE "
	    "policy_domain = $1", &p, "reading a DNS check");
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		*found = 1;
		cb(ctx, pg_int(r, 0, 0), pg_str(r, 0, 1));
	}
	PQclear(r);
	return STORE_OK;
}

static int
dc_selectors(store *s, const char *domain, int64_t since, int max,
    int (*cb)(void *, const char *), void *ctx)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, since);
	pg_p_int(&p, max);
	r = pg_exec(PG(s), PGA_DNSCHECK, S_SELECTORS, "SELECT lower(d.selector), sum(r.count) AS n "
	    "FROM reports p JOIN records r ON r.report_id = p.id JOIN auth_dkim d ON d.record_id = r.id "
	    "WHERE p.policy_domain = $1 AND p.date_end >= $2 AND d.selector IS NOT NULL AND "
	    "d.selector <> '' AND lower(d.domain) = $1 GROUP BY lower(d.selector) "
	    "ORDER BY n DESC, 1 LIMIT $3", &p, "reading DKIM selectors");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

static int
dc_domains(store *s, int64_t since, int (*cb)(void *, const char *), void *ctx)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_int(&p, since);
	r = pg_exec(PG(s), PGA_DNSCHECK, S_DOMAINS, "SELECT DISTINCT policy_domain FROM reports WHERE "
	    "date_end >= $1 ORDER BY 1", &p, "reading policy domains");
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

const struct store_dnscheck_ops store_pg_dnscheck_ops = {
	.records = dc_records,
	.record_add = dc_record_add,
	.record_seen = dc_record_seen,
	.record_gone = dc_record_gone,
	.result_put = dc_result_put,
	.result_get = dc_result_get,
	.selectors = dc_selectors,
	.domains = dc_domains,
};
