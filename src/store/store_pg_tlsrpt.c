/*
 * store_pg_tlsrpt.c - the TLS-report kind's tables on PostgreSQL
 * (tls_reports, tls_policies, tls_failures): port of store_sqlite_tlsrpt.c.
 * The report row is inserted ON CONFLICT (ident) DO NOTHING; only an
 * inserted report gets its policy and failure-detail rows.
 *
 * Exports: pg_kind_tlsrpt (registered in src/report/kinds.def).
 * Errors: STORE_ERR with the handle's message set.
 */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kind_cols.h"
#include "pg_kinds.h"
#include "../report/kind.h"

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t
jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* o as compact JSON (malloc'ed), "[]" for NULL (sqk_dump). */
static char *
jdump(const json_t *o)
{
	return o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("[]");
}

static int
add_failures(pg_store *q, const pg_kind *k, int64_t pid, const char *domain, int64_t begin,
    const json_t *details)
{
	size_t i;
	json_t *d;

	json_array_foreach(details, i, d) {
		pg_params p;

		pg_p_init(&p);
		pg_p_int(&p, pid);
		pg_p_text(&p, domain);
		pg_p_int(&p, begin);
		pg_p_text(&p, jstr(d, "result_type") != NULL ? jstr(d, "result_type") : "");
		pg_p_text(&p, jstr(d, "sending_mta_ip"));
		pg_p_text(&p, jstr(d, "receiving_ip"));
		pg_p_text(&p, jstr(d, "receiving_mx_hostname"));
		pg_p_text(&p, jstr(d, "receiving_mx_helo"));
		pg_p_int(&p, jint(d, "failed_session_count"));
		pg_p_text(&p, jstr(d, "additional_information"));
		pg_p_text(&p, jstr(d, "failure_reason_code"));
		if (pg_kind_run(q, k, PGK_OWN3, "INSERT INTO tls_failures(policy_id, policy_domain, "
		    "date_begin, result_type, sending_mta_ip, receiving_ip, receiving_mx_hostname, "
		    "receiving_mx_helo, failed_session_count, additional_information, "
		    "failure_reason_code) VALUES ($1::bigint, $2, $3::bigint, $4, $5, $6, $7, $8, "
		    "$9::bigint, $10, $11)", &p, "storing a TLS failure detail") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
add_policies(pg_store *q, const pg_kind *k, int64_t rid, int64_t begin, int64_t end,
    const json_t *policies)
{
	size_t i;
	json_t *pol;

	json_array_foreach(policies, i, pol) {
		char domain[256], *strs, *mx;
		pg_params p;
		PGresult *r;
		int64_t pid;

		kc_lower_copy(jstr(pol, "policy_domain"), domain, sizeof(domain));
		strs = jdump(json_object_get(pol, "policy_strings"));
		mx = jdump(json_object_get(pol, "mx_hosts"));
		pg_p_init(&p);
		pg_p_int(&p, rid);
		pg_p_text(&p, domain);
		pg_p_text(&p, jstr(pol, "policy_type") != NULL ? jstr(pol, "policy_type") : "");
		pg_p_text(&p, strs);
		pg_p_text(&p, mx);
		pg_p_int(&p, begin);
		pg_p_int(&p, end);
		pg_p_int(&p, jint(pol, "successful_session_count"));
		pg_p_int(&p, jint(pol, "failed_session_count"));
		r = pg_kind_exec(q, k, PGK_OWN2, "INSERT INTO tls_policies(tls_report_id, "
		    "policy_domain, policy_type, policy_strings, mx_hosts, date_begin, date_end, "
		    "success_count, failure_count) VALUES ($1::bigint, $2, $3, $4, $5, $6::bigint, "
		    "$7::bigint, $8::bigint, $9::bigint) RETURNING id", &p, "storing a TLS policy");
		free(strs);
		free(mx);
		if (r == NULL)
			return STORE_ERR;
		pid = pg_int(r, 0, 0);
		PQclear(r);
		if (add_failures(q, k, pid, domain, begin, json_object_get(pol,
		    "failure_details")) != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
t_add(pg_store *q, const pg_kind *k, int64_t raw_id, const json_t *m, const char *ident,
    int64_t *id)
{
	int64_t begin = jint(m, "begin"), end = jint(m, "end");
	char *warnings, *model;
	pg_params p;
	PGresult *r;

	*id = 0;
	warnings = jdump(json_object_get(m, "warnings"));
	model = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	pg_p_init(&p);
	if (raw_id > 0)
		pg_p_int(&p, raw_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, ident);
	pg_p_text(&p, jstr(m, "organization_name") != NULL ? jstr(m, "organization_name") : "");
	pg_p_text(&p, jstr(m, "contact_info"));
	pg_p_text(&p, jstr(m, "report_id") != NULL ? jstr(m, "report_id") : "");
	pg_p_int(&p, begin);
	pg_p_int(&p, end);
	pg_p_int(&p, jint(m, "total_successful_sessions"));
	pg_p_int(&p, jint(m, "total_failed_sessions"));
	pg_p_text(&p, warnings);
	pg_p_text(&p, model);
	pg_p_int(&p, (int64_t)time(NULL));
	r = pg_kind_exec(q, k, PGK_OWN1, "INSERT INTO tls_reports(raw_id, ident, org_name, "
	    "contact_info, report_id, date_begin, date_end, success_count, failure_count, "
	    "warnings, model, ingested_at) VALUES ($1::bigint, $2, $3, $4, $5, $6::bigint, "
	    "$7::bigint, $8::bigint, $9::bigint, $10, $11, $12::bigint) ON CONFLICT (ident) "
	    "DO NOTHING RETURNING id", &p, "storing a TLS report");
	free(warnings);
	free(model);
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	if (*id == 0)
		return STORE_OK;	/* a duplicate: store_pg_kinds.c counts it */
	return add_policies(q, k, *id, begin, end, json_object_get(m, "policies"));
}

const pg_kind pg_kind_tlsrpt = {
	.kind = DM_KIND_TLSRPT,
	.name = "tlsrpt",
	.table = "tls_reports",
	.time_col = "date_begin",
	.domain_cond = "EXISTS (SELECT 1 FROM tls_policies p WHERE p.tls_report_id = "
	    "tls_reports.id AND p.policy_domain = $1)",
	.dmarc_cond = NULL,
	.add = t_add,
};
