/*
 * store_sqlite_failure.c - the failure-report kind's table (failure_reports
 * and failure_urls, src/store/sql/007_kinds.sql): one row per stored report,
 * its columns taken from the model arf_to_json() builds, and one url row per
 * entry of model.urls.  Column meanings: docs/REPORT-KINDS.md and
 * /work/notes/kinds-contract.md ("Columns filled by k1").
 *
 * Exports: sq_kind_failure (registered in src/report/kinds.def).
 * Errors: STORE_ERR with the handle's message set.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kind_cols.h"
#include "sqlite_kinds.h"
#include "../report/kind.h"

static int
add_urls(sq_store *q, const sq_kind *k, int64_t id, const char *domain, int64_t seen,
    const json_t *urls)
{
	size_t i;
	json_t *u;

	json_array_foreach(urls, i, u) {
		sqlite3_stmt *st = sq_kind_prep(q, k, SQK_OWN2, "INSERT INTO failure_urls("
		    "failure_id, policy_domain, seen_at, url, host, reg_domain, flags, count) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(failure_id, url) "
		    "DO UPDATE SET count = count + excluded.count");
		char *flags;
		int rc;

		if (st == NULL)
			return STORE_ERR;
		if (sqk_str(u, "url") == NULL)
			continue;
		flags = sqk_dump(json_object_get(u, "flags"));
		sqlite3_bind_int64(st, 1, id);
		sq_bind_text(st, 2, domain);
		sqlite3_bind_int64(st, 3, seen);
		sq_bind_text(st, 4, sqk_str(u, "url"));
		sq_bind_text(st, 5, sqk_str(u, "host"));
		sq_bind_text(st, 6, sqk_str(u, "registered_domain"));
		sq_bind_text(st, 7, flags);
		sqlite3_bind_int64(st, 8, json_is_integer(json_object_get(u, "count")) ?
		    sqk_int(u, "count") : 1);
		rc = sq_run(q, st, "storing a URL");
		free(flags);
		if (rc != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
f_add(sq_store *q, const sq_kind *k, int64_t raw_id, const json_t *m, const char *ident,
    int64_t *id)
{
	const json_t *fb = json_object_get(m, "feedback"), *smp = json_object_get(m, "sample");
	const char *ip = sqk_str(m, "source_ip"), *rcpt = sqk_str(fb, "original_rcpt_to");
	int64_t now = (int64_t)time(NULL);
	char *flags, *model;
	sqlite3_stmt *st;
	kc_failure c;
	int rc;

	kc_failure_cols(m, now, &c);
	st = sq_kind_prep(q, k, SQK_OWN1, "INSERT INTO failure_reports(raw_id, ident, "
	    "policy_domain, feedback_type, is_dmarc_failure, auth_failure, identity_alignment, "
	    "delivery_result, reporter, reporter_domain, user_agent, source_ip, ip_family, "
	    "source_ip_from, arrival_time, subject, mail_from, envelope_from, rcpt_to, "
	    "message_id, dkim_domain, dkim_selector, url_count, attachment_count, flags, "
	    "redacted, sample_purged, model, ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
	    "?25, ?26, 0, ?27, ?28)");
	if (st == NULL)
		return STORE_ERR;
	flags = sqk_dump(json_object_get(m, "flags"));
	model = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	if (raw_id > 0)
		sqlite3_bind_int64(st, 1, raw_id);
	sq_bind_text(st, 2, ident);
	sq_bind_text(st, 3, c.domain);
	sq_bind_text(st, 4, sqk_str(fb, "feedback_type") != NULL ? sqk_str(fb, "feedback_type") :
	    sqk_str(m, "kind") != NULL ? sqk_str(m, "kind") : "auth-failure");
	sqlite3_bind_int(st, 5, json_is_true(json_object_get(m, "is_dmarc_failure")));
	sq_bind_text(st, 6, sqk_str(fb, "auth_failure"));
	sq_bind_text(st, 7, sqk_str(fb, "identity_alignment"));
	sq_bind_text(st, 8, sqk_str(fb, "delivery_result"));
	sq_bind_text(st, 9, sqk_str(m, "reporter"));
	sq_bind_text(st, 10, c.rdomain[0] != '\0' ? c.rdomain : NULL);
	sq_bind_text(st, 11, sqk_str(fb, "user_agent"));
	sq_bind_text(st, 12, ip);
	if (c.family != 0)
		sqlite3_bind_int(st, 13, c.family);
	sq_bind_text(st, 14, sqk_str(m, "source_ip_from"));
	sqlite3_bind_int64(st, 15, c.arrival);
	sq_bind_text(st, 16, sqk_str(smp, "subject"));
	sq_bind_text(st, 17, sqk_str(smp, "from"));
	sq_bind_text(st, 18, sqk_str(fb, "original_mail_from"));
	sq_bind_text(st, 19, rcpt != NULL ? c.first_rcpt : NULL);
	sq_bind_text(st, 20, sqk_str(smp, "message_id"));
	sq_bind_text(st, 21, sqk_str(fb, "dkim_domain"));
	sq_bind_text(st, 22, sqk_str(fb, "dkim_selector"));
	sqlite3_bind_int64(st, 23, (sqlite3_int64)json_array_size(json_object_get(m, "urls")));
	sqlite3_bind_int64(st, 24, (sqlite3_int64)json_array_size(json_object_get(m,
	    "attachments")));
	sq_bind_text(st, 25, flags);
	sqlite3_bind_int(st, 26, json_is_true(json_object_get(m, "redacted")));
	sq_bind_text(st, 27, model);
	sqlite3_bind_int64(st, 28, now);
	rc = sq_run(q, st, "storing a failure report");
	free(flags);
	free(model);
	if (rc != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	/* the source joins the enrichment queue like an aggregate record's, so a
	 * host seen only in failure reports gets its reverse DNS, country, AS */
	if (c.family != 0) {
		st = sq_kind_prep(q, k, SQK_OWN3, "INSERT OR IGNORE INTO hosts(ip) VALUES (?1)");
		if (st == NULL)
			return STORE_ERR;
		sq_bind_text(st, 1, ip);
		if (sq_run(q, st, "queueing a failure report's source for enrichment") != STORE_OK)
			return STORE_ERR;
	}
	return add_urls(q, k, *id, c.domain, c.arrival, json_object_get(m, "urls"));
}

const sq_kind sq_kind_failure = {
	.kind = DM_KIND_FAILURE,
	.name = "failure",
	.table = "failure_reports",
	.time_col = "arrival_time",
	.domain_cond = "policy_domain = ?1",
	.dmarc_cond = "is_dmarc_failure = 1",
	.add = f_add,
};
