/*
 * store_sqlite_tlsrpt.c - the TLS-report kind's tables (tls_reports,
 * tls_policies, tls_failures; src/store/sql/007_kinds.sql): one report row,
 * one row per policy, one per failure-detail, from the model tlsrpt_to_json()
 * builds (see the expect.json of tests/kinds/cases/real-tls-rfc8460).
 *
 * Exports: sq_kind_tlsrpt (registered in src/report/kinds.def).
 * Errors: STORE_ERR with the handle's message set.
 */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_kinds.h"
#include "../report/kind.h"

static int
add_failures(sq_store *q, const sq_kind *k, int64_t pid, const char *domain, int64_t begin,
    const json_t *details)
{
	size_t i;
	json_t *d;

	json_array_foreach(details, i, d) {
		sqlite3_stmt *st = sq_kind_prep(q, k, SQK_OWN3, "INSERT INTO tls_failures("
		    "policy_id, policy_domain, date_begin, result_type, sending_mta_ip, "
		    "receiving_ip, receiving_mx_hostname, receiving_mx_helo, failed_session_count, "
		    "additional_information, failure_reason_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		    "?7, ?8, ?9, ?10, ?11)");

		if (st == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, pid);
		sq_bind_text(st, 2, domain);
		sqlite3_bind_int64(st, 3, begin);
		sq_bind_text(st, 4, sqk_str(d, "result_type") != NULL ? sqk_str(d, "result_type") :
		    "");
		sq_bind_text(st, 5, sqk_str(d, "sending_mta_ip"));
		sq_bind_text(st, 6, sqk_str(d, "receiving_ip"));
		sq_bind_text(st, 7, sqk_str(d, "receiving_mx_hostname"));
		sq_bind_text(st, 8, sqk_str(d, "receiving_mx_helo"));
		sqlite3_bind_int64(st, 9, sqk_int(d, "failed_session_count"));
		sq_bind_text(st, 10, sqk_str(d, "additional_information"));
		sq_bind_text(st, 11, sqk_str(d, "failure_reason_code"));
		if (sq_run(q, st, "storing a TLS failure detail") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
add_policies(sq_store *q, const sq_kind *k, int64_t rid, int64_t begin, int64_t end,
    const json_t *policies)
{
	size_t i;
	json_t *p;

	json_array_foreach(policies, i, p) {
		sqlite3_stmt *st = sq_kind_prep(q, k, SQK_OWN2, "INSERT INTO tls_policies("
		    "tls_report_id, policy_domain, policy_type, policy_strings, mx_hosts, "
		    "date_begin, date_end, success_count, failure_count) VALUES (?1, ?2, ?3, ?4, "
		    "?5, ?6, ?7, ?8, ?9)");
		char domain[256], *strs, *mx;
		const char *pd = sqk_str(p, "policy_domain");
		size_t n = 0;
		int rc;

		if (st == NULL)
			return STORE_ERR;
		for (; pd != NULL && *pd != '\0' && n + 1 < sizeof(domain); pd++)
			domain[n++] = (char)tolower((unsigned char)*pd);
		domain[n] = '\0';
		strs = sqk_dump(json_object_get(p, "policy_strings"));
		mx = sqk_dump(json_object_get(p, "mx_hosts"));
		sqlite3_bind_int64(st, 1, rid);
		sq_bind_text(st, 2, domain);
		sq_bind_text(st, 3, sqk_str(p, "policy_type") != NULL ? sqk_str(p, "policy_type") :
		    "");
		sq_bind_text(st, 4, strs);
		sq_bind_text(st, 5, mx);
		sqlite3_bind_int64(st, 6, begin);
		sqlite3_bind_int64(st, 7, end);
		sqlite3_bind_int64(st, 8, sqk_int(p, "successful_session_count"));
		sqlite3_bind_int64(st, 9, sqk_int(p, "failed_session_count"));
		rc = sq_run(q, st, "storing a TLS policy");
		free(strs);
		free(mx);
		if (rc != STORE_OK ||
		    add_failures(q, k, sqlite3_last_insert_rowid(q->db), domain, begin,
		    json_object_get(p, "failure_details")) != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
t_add(sq_store *q, const sq_kind *k, int64_t raw_id, const json_t *m, const char *ident,
    int64_t *id)
{
	int64_t begin = sqk_int(m, "begin"), end = sqk_int(m, "end");
	sqlite3_stmt *st;
	char *warnings, *model;
	int rc;

	st = sq_kind_prep(q, k, SQK_OWN1, "INSERT INTO tls_reports(raw_id, ident, org_name, "
	    "contact_info, report_id, date_begin, date_end, success_count, failure_count, "
	    "warnings, model, ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	    "?11, ?12)");
	if (st == NULL)
		return STORE_ERR;
	warnings = sqk_dump(json_object_get(m, "warnings"));
	model = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	if (raw_id > 0)
		sqlite3_bind_int64(st, 1, raw_id);
	sq_bind_text(st, 2, ident);
	sq_bind_text(st, 3, sqk_str(m, "organization_name") != NULL ?
	    sqk_str(m, "organization_name") : "");
	sq_bind_text(st, 4, sqk_str(m, "contact_info"));
	sq_bind_text(st, 5, sqk_str(m, "report_id") != NULL ? sqk_str(m, "report_id") : "");
	sqlite3_bind_int64(st, 6, begin);
	sqlite3_bind_int64(st, 7, end);
	sqlite3_bind_int64(st, 8, sqk_int(m, "total_successful_sessions"));
	sqlite3_bind_int64(st, 9, sqk_int(m, "total_failed_sessions"));
	sq_bind_text(st, 10, warnings);
	sq_bind_text(st, 11, model);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)time(NULL));
	rc = sq_run(q, st, "storing a TLS report");
	free(warnings);
	free(model);
	if (rc != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	return add_policies(q, k, *id, begin, end, json_object_get(m, "policies"));
}

const sq_kind sq_kind_tlsrpt = {
	.kind = DM_KIND_TLSRPT,
	.name = "tlsrpt",
	.table = "tls_reports",
	.time_col = "date_begin",
	.domain_cond = "EXISTS (SELECT 1 FROM tls_policies p WHERE p.tls_report_id = "
	    "tls_reports.id AND p.policy_domain = ?1)",
	.dmarc_cond = NULL,
	.add = t_add,
};
