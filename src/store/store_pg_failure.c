/*
 * store_pg_failure.c - the failure-report kind's tables on PostgreSQL
 * (failure_reports, failure_urls): port of store_sqlite_failure.c, the
 * columns derived by kind_cols.c as on SQLite.  The report row is inserted
 * ON CONFLICT (ident) DO NOTHING; only an inserted report gets its URL rows
 * and its source queued for enrichment.
 *
 * Exports: pg_kind_failure (registered in src/report/kinds.def).
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

/* o as compact JSON (malloc'ed), "[]" for NULL (sqk_dump). */
static char *
jdump(const json_t *o)
{
	return o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("[]");
}

static int
add_urls(pg_store *q, const pg_kind *k, int64_t id, const char *domain, int64_t seen,
    const json_t *urls)
{
	size_t i;
	json_t *u;

	json_array_foreach(urls, i, u) {
		pg_params p;
		char *flags;
		int rc;

		if (jstr(u, "url") == NULL)
			continue;
		flags = jdump(json_object_get(u, "flags"));
		pg_p_init(&p);
		pg_p_int(&p, id);
		pg_p_text(&p, domain);
		pg_p_int(&p, seen);
		pg_p_text(&p, jstr(u, "url"));
		pg_p_text(&p, jstr(u, "host"));
		pg_p_text(&p, jstr(u, "registered_domain"));
		pg_p_text(&p, flags);
		pg_p_int(&p, json_is_integer(json_object_get(u, "count")) ?
		    (int64_t)json_integer_value(json_object_get(u, "count")) : 1);
		rc = pg_kind_defer(q, k, PGK_OWN2, "INSERT INTO failure_urls(failure_id, "
		    "policy_domain, seen_at, url, host, reg_domain, flags, count) VALUES ($1::bigint, "
		    "$2, $3::bigint, $4, $5, $6, $7, $8::bigint) ON CONFLICT (failure_id, url) "
		    "DO UPDATE SET count = failure_urls.count + excluded.count", &p,
		    "storing a URL");
		free(flags);
		if (rc != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
f_add(pg_store *q, const pg_kind *k, int64_t raw_id, const json_t *m, const char *ident,
    int64_t *id)
{
	const json_t *fb = json_object_get(m, "feedback"), *smp = json_object_get(m, "sample");
	const char *ip = jstr(m, "source_ip"), *rcpt = jstr(fb, "original_rcpt_to");
	int64_t now = (int64_t)time(NULL);
	char *flags, *model;
	pg_params p;
	PGresult *r;
	kc_failure c;

	*id = 0;
	kc_failure_cols(m, now, &c);
	flags = jdump(json_object_get(m, "flags"));
	model = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	pg_p_init(&p);
	if (raw_id > 0)
		pg_p_int(&p, raw_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, ident);
	pg_p_text(&p, c.domain);
	pg_p_text(&p, jstr(fb, "feedback_type") != NULL ? jstr(fb, "feedback_type") :
	    jstr(m, "kind") != NULL ? jstr(m, "kind") : "auth-failure");
	pg_p_int(&p, json_is_true(json_object_get(m, "is_dmarc_failure")));
	pg_p_text(&p, jstr(fb, "auth_failure"));
	pg_p_text(&p, jstr(fb, "identity_alignment"));
	pg_p_text(&p, jstr(fb, "delivery_result"));
	pg_p_text(&p, jstr(m, "reporter"));
	pg_p_text(&p, c.rdomain[0] != '\0' ? c.rdomain : NULL);
	pg_p_text(&p, jstr(fb, "user_agent"));
	pg_p_text(&p, ip);
	if (c.family != 0)
		pg_p_int(&p, c.family);
	else
		pg_p_null(&p);
	pg_p_text(&p, jstr(m, "source_ip_from"));
	pg_p_int(&p, c.arrival);
	pg_p_text(&p, jstr(smp, "subject"));
	pg_p_text(&p, jstr(smp, "from"));
	pg_p_text(&p, jstr(fb, "original_mail_from"));
	pg_p_text(&p, rcpt != NULL ? c.first_rcpt : NULL);
	pg_p_text(&p, jstr(smp, "message_id"));
	pg_p_text(&p, jstr(fb, "dkim_domain"));
	pg_p_text(&p, jstr(fb, "dkim_selector"));
	pg_p_int(&p, (int64_t)json_array_size(json_object_get(m, "urls")));
	pg_p_int(&p, (int64_t)json_array_size(json_object_get(m, "attachments")));
	pg_p_text(&p, flags);
	pg_p_int(&p, json_is_true(json_object_get(m, "redacted")));
	pg_p_text(&p, model);
	pg_p_int(&p, now);
	r = pg_kind_exec(q, k, PGK_OWN1, "INSERT INTO failure_reports(raw_id, ident, "
	    "policy_domain, feedback_type, is_dmarc_failure, auth_failure, identity_alignment, "
	    "delivery_result, reporter, reporter_domain, user_agent, source_ip, ip_family, "
	    "source_ip_from, arrival_time, subject, mail_from, envelope_from, rcpt_to, "
	    "message_id, dkim_domain, dkim_selector, url_count, attachment_count, flags, "
	    "redacted, sample_purged, model, ingested_at) VALUES ($1::bigint, $2, $3, $4, "
	    "$5::bigint, $6, $7, $8, $9, $10, $11, $12, $13::bigint, $14, $15::bigint, $16, $17, "
	    "$18, $19, $20, $21, $22, $23::bigint, $24::bigint, $25, $26::bigint, 0, $27, "
	    "$28::bigint) ON CONFLICT (ident) DO NOTHING RETURNING id", &p,
	    "storing a failure report");
	free(flags);
	free(model);
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	if (*id == 0)
		return STORE_OK;	/* a duplicate: store_pg_kinds.c counts it */
	/* the source joins the enrichment queue like an aggregate record's, so a
	 * host seen only in failure reports gets its reverse DNS, country, AS */
	if (c.family != 0 && !(pg_stage_grouped(q) && pg_changes_add_host(q, ip) == 0)) {
		/* (in a group: inserted with the settle, store_pg_changes.c) */
		pg_p_init(&p);
		pg_p_text(&p, ip);
		if (pg_kind_defer(q, k, PGK_OWN3, "INSERT INTO hosts(ip) VALUES ($1) ON CONFLICT "
		    "DO NOTHING", &p, "queueing a failure report's source for enrichment") !=
		    STORE_OK)
			return STORE_ERR;
	}
	return add_urls(q, k, *id, c.domain, c.arrival, json_object_get(m, "urls"));
}

const pg_kind pg_kind_failure = {
	.kind = DM_KIND_FAILURE,
	.name = "failure",
	.table = "failure_reports",
	.time_col = "arrival_time",
	.domain_cond = "policy_domain = $1",
	.dmarc_cond = "is_dmarc_failure = 1",
	.add = f_add,
};
