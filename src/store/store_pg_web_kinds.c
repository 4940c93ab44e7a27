/*
 * store_pg_web_kinds.c - the portal's reads of failure reports (the threats
 * list, a report, its URLs, the URL view) and of TLS reports for
 * PostgreSQL, a port of store_sqlite_web_kinds.c (store_web.h, from
 * SWQ_KINDS_FIRST on).  store_pg_web.c hands those queries to
 * pg_web_kinds_query() here.
 *
 * The same windows as on SQLite: the threats list, its counts and the URL
 * view read the newest SCAN_MAX failure reports of the range, down to the
 * bound fr_bound finds (the SCAN_MAX-th, newest first), with partial = 1
 * when the range holds more; the URL view stops after STORE_WEB_URL_MAX URL
 * rows; TLS reads sum the newest AGG_MAX policy rows.  The same scoping: a
 * tenant's query reads only rows of the tenant's policy domains (scope()).
 *
 * Dialect: no INDEXED BY, strpos for instr, json_agg for json_group_array,
 * to_char(... AT TIME ZONE 'UTC') for date(x, 'unixepoch'), text sort keys
 * COLLATE "C" with NULL first, as SQLite orders them.
 *
 * Exports: pg_web_kinds_query.  Errors: STORE_ERR with q->err set.
 */
#include <stdio.h>
#include <string.h>

#include "pg_web_priv.h"
#include "../util/dbuf.h"

#define SCAN_MAX STORE_WEB_SCAN_MAX
#define AGG_MAX STORE_WEB_AGG_MAX

#define SCOPE_IN " IN (SELECT domain FROM tenant_domains WHERE tenant_id = :tenant)"

static void
scope(dbuf *b, const store_web_query *w, const char *col)
{
	if (w->scope_tenant > 0)
		dbuf_printf(b, " AND %s" SCOPE_IN, col);
}

/* ---- failure reports ------------------------------------------------------ */

static void
fr_range(dbuf *b, const store_web_query *w)
{
	scope(b, w, "fr.policy_domain");
	if (w->ip != NULL)
		dbuf_addstr(b, " AND fr.source_ip = :ip");
	if (w->domain != NULL)
		dbuf_addstr(b, " AND fr.policy_domain = :dom");
	if (w->since > 0)
		dbuf_addstr(b, " AND fr.arrival_time >= :since");
	if (w->until > 0)
		dbuf_addstr(b, " AND fr.arrival_time < :until");
}

static const char *HOSTS = " LEFT JOIN hosts h ON h.ip = fr.source_ip";
static const char *URLS = " JOIN failure_urls u ON u.failure_id = fr.id";

static void
fr_window(dbuf *b, const store_web_query *w, int bounded, const char *join)
{
	dbuf_printf(b, " FROM failure_reports fr%s WHERE true", join);
	fr_range(b, w);
	if (bounded)
		dbuf_addstr(b, " AND fr.arrival_time >= :bt AND NOT (fr.arrival_time = :bt AND"
		    " fr.id < :bid)");
}

static void
fr_filters(dbuf *b, const store_web_query *w)
{
	if (!w->kind_all)
		dbuf_addstr(b, " AND fr.is_dmarc_failure = 1");
	if (w->reporter != NULL)
		dbuf_addstr(b, " AND (fr.reporter = lower(:rep) OR fr.reporter_domain = lower(:rep))");
	if (w->url_domain != NULL)
		dbuf_addstr(b, " AND EXISTS (SELECT 1 FROM failure_urls u WHERE u.failure_id = fr.id"
		    " AND (u.reg_domain = lower(:ud) OR u.host = lower(:ud)))");
	if (w->search != NULL)
		dbuf_addstr(b, " AND (substr(fr.source_ip, 1, length(:q)) = :q"
		    " OR strpos(lower(coalesce(fr.subject, '')), lower(:q)) > 0"
		    " OR strpos(lower(coalesce(fr.mail_from, '')), lower(:q)) > 0"
		    " OR strpos(lower(coalesce(fr.reporter, '')), lower(:q)) > 0)");
}

static const char *FR_COLS =
    "SELECT fr.id AS id, fr.arrival_time AS arrival_time, fr.reporter AS reporter,"
    " fr.reporter_domain AS reporter_domain, fr.source_ip AS source_ip, h.ptr AS ptr,"
    " h.country AS country, h.service AS _service, fr.subject AS subject,"
    " fr.mail_from AS mail_from, fr.policy_domain AS policy_domain,"
    " fr.auth_failure AS auth_failure, fr.feedback_type AS feedback_type,"
    " fr.delivery_result AS delivery_result, fr.url_count AS url_count,"
    " fr.attachment_count AS attachment_count, fr.flags AS flags";

/* ---- TLS reports ---------------------------------------------------------- */

static void
tls_range(dbuf *b, const store_web_query *w)
{
	scope(b, w, "p.policy_domain");
	if (w->domain != NULL)
		dbuf_addstr(b, " AND p.policy_domain = :dom");
	if (w->since > 0)
		dbuf_addstr(b, " AND p.date_begin >= :since");
	if (w->until > 0)
		dbuf_addstr(b, " AND p.date_begin < :until");
}

static void
tls_window(dbuf *b, const store_web_query *w)
{
	dbuf_addstr(b, "WITH tw(id) AS (SELECT p.id FROM tls_policies p WHERE true");
	tls_range(b, w);
	dbuf_addstr(b, " ORDER BY p.date_begin DESC, p.id DESC LIMIT :agg) ");
}

/* ---- the queries ----------------------------------------------------------- */

static void
build_urls(dbuf *b, int q, const store_web_query *w, int bounded)
{
	const char *key = w->by_domain ? "coalesce(u.reg_domain, u.host, '')" : "u.url";

	if (q == SWQ_URLS_COUNT)
		dbuf_addstr(b, "SELECT count(*) AS total, (coalesce(sum(n), 0) >= :umax OR"
		    " :partial <> 0) AS partial FROM (");
	if (w->by_domain)
		dbuf_addstr(b, "SELECT coalesce(u.reg_domain, u.host, '') AS reg_domain,"
		    " count(DISTINCT u.url) AS urls, count(DISTINCT u.failure_id) AS reports,");
	else
		dbuf_addstr(b, "SELECT u.url AS url, min(u.host) AS host,"
		    " min(u.reg_domain) AS reg_domain, count(*) AS reports,");
	dbuf_addstr(b, " sum(u.count) AS occurrences, min(u.seen_at) AS first_seen,"
	    " max(u.seen_at) AS last_seen, count(*) AS n");
	if (q == SWQ_URLS)
		dbuf_addstr(b, ", count(*) OVER () AS _total,"
		    " (sum(count(*)) OVER () >= :umax OR :partial <> 0) AS _partial");
	dbuf_addstr(b, " FROM (SELECT u.url AS url, u.host AS host, u.reg_domain AS reg_domain,"
	    " u.failure_id AS failure_id, u.count AS count, u.seen_at AS seen_at");
	fr_window(b, w, bounded, URLS);
	fr_filters(b, w);
	if (w->url_domain != NULL)
		dbuf_addstr(b, " AND (u.reg_domain = lower(:ud) OR u.host = lower(:ud))");
	dbuf_addstr(b, " ORDER BY fr.arrival_time DESC, fr.id DESC LIMIT :umax) u");
	dbuf_printf(b, " GROUP BY %s", key);
	if (q == SWQ_URLS_COUNT)
		dbuf_addstr(b, ") x");
	else
		dbuf_printf(b, " ORDER BY reports DESC, occurrences DESC, %s COLLATE \"C\""
		    " LIMIT :limit OFFSET :offset", key);
}

static int
build(dbuf *b, int q, const store_web_query *w, int bounded)
{
	switch (q) {
	case SWQ_THREATS:
		dbuf_addstr(b, FR_COLS);
		fr_window(b, w, bounded, HOSTS);
		fr_filters(b, w);
		dbuf_addstr(b, " ORDER BY fr.arrival_time DESC, fr.id DESC LIMIT :limit OFFSET :offset");
		break;
	case SWQ_THREATS_COUNT:
		dbuf_addstr(b, "SELECT count(*) AS total, :partial AS partial");
		fr_window(b, w, bounded, "");
		fr_filters(b, w);
		break;
	case SWQ_THREAT_SOURCES:
		/* h.ptr and h.service follow fr.source_ip (one hosts row per ip) */
		dbuf_addstr(b, "SELECT fr.policy_domain AS policy_domain, fr.source_ip AS source_ip,"
		    " h.ptr AS ptr, h.service AS service, count(*) AS n, :partial AS partial");
		fr_window(b, w, bounded, HOSTS);
		fr_filters(b, w);
		dbuf_addstr(b, " GROUP BY fr.policy_domain, fr.source_ip, h.ptr, h.service"
		    " ORDER BY fr.policy_domain COLLATE \"C\", fr.source_ip COLLATE \"C\"");
		break;
	case SWQ_THREATS_RECEIVED:
		dbuf_addstr(b, "SELECT count(*) AS n FROM failure_reports fr WHERE true");
		scope(b, w, "fr.policy_domain");
		if (w->domain != NULL)
			dbuf_addstr(b, " AND fr.policy_domain = :dom");
		if (w->since > 0)
			dbuf_addstr(b, " AND fr.arrival_time >= :since");
		if (w->until > 0)
			dbuf_addstr(b, " AND fr.arrival_time < :until");
		break;
	case SWQ_THREATS_CSV:
		dbuf_addstr(b, FR_COLS);
		dbuf_addstr(b, " FROM failure_reports fr LEFT JOIN hosts h ON h.ip = fr.source_ip"
		    " WHERE true");
		fr_range(b, w);
		fr_filters(b, w);
		dbuf_addstr(b, " ORDER BY fr.arrival_time DESC, fr.id DESC");
		break;
	case SWQ_THREAT:
		dbuf_addstr(b, "SELECT fr.id AS id, fr.raw_id AS raw_id, fr.arrival_time AS arrival_time,"
		    " fr.reporter AS reporter, fr.reporter_domain AS reporter_domain,"
		    " fr.source_ip AS source_ip, fr.source_ip_from AS source_ip_from,"
		    " fr.policy_domain AS policy_domain, fr.feedback_type AS feedback_type,"
		    " fr.is_dmarc_failure AS is_dmarc_failure, fr.auth_failure AS auth_failure,"
		    " fr.identity_alignment AS identity_alignment,"
		    " fr.delivery_result AS delivery_result, fr.flags AS flags,"
		    " fr.redacted AS redacted, fr.sample_purged AS sample_purged,"
		    " fr.subject AS subject, fr.mail_from AS mail_from,"
		    " fr.envelope_from AS envelope_from, fr.rcpt_to AS rcpt_to,"
		    " fr.url_count AS url_count, fr.attachment_count AS attachment_count,"
		    " fr.ingested_at AS ingested_at, fr.model AS model,"
		    " h.ptr AS ptr, h.country AS country, h.service AS service"
		    " FROM failure_reports fr LEFT JOIN hosts h ON h.ip = fr.source_ip"
		    " WHERE fr.id = :id");
		scope(b, w, "fr.policy_domain");
		break;
	case SWQ_THREAT_URLS:
		dbuf_addstr(b, "SELECT u.url AS url, u.host AS host, u.reg_domain AS reg_domain,"
		    " u.flags AS flags, u.count AS count,"
		    " (SELECT count(*) FROM failure_urls x WHERE x.url = u.url");
		scope(b, w, "x.policy_domain");
		dbuf_addstr(b, ") AS reports FROM failure_urls u WHERE u.failure_id = :id");
		scope(b, w, "u.policy_domain");
		dbuf_addstr(b, " ORDER BY u.count DESC, u.url COLLATE \"C\" LIMIT 1000");
		break;
	case SWQ_URLS:
	case SWQ_URLS_COUNT:
		build_urls(b, q, w, bounded);
		break;
	case SWQ_TLS_DOMAINS:
		dbuf_addstr(b, "SELECT DISTINCT policy_domain COLLATE \"C\" AS domain FROM tls_policies"
		    " WHERE true");
		scope(b, w, "policy_domain");
		dbuf_addstr(b, " ORDER BY 1 LIMIT 1000");
		break;
	case SWQ_TLS_DAYS:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT to_char(to_timestamp(p.date_begin) AT TIME ZONE 'UTC',"
		    " 'YYYY-MM-DD') AS day,"
		    " sum(p.success_count) AS success, sum(p.failure_count) AS failure,"
		    " :partial AS partial FROM tw JOIN tls_policies p ON p.id = tw.id"
		    " GROUP BY 1 ORDER BY 1");
		break;
	case SWQ_TLS_TYPES:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT f.result_type AS result_type,"
		    " sum(f.failed_session_count) AS sessions FROM tw"
		    " JOIN tls_failures f ON f.policy_id = tw.id"
		    " GROUP BY f.result_type ORDER BY 2 DESC, f.result_type COLLATE \"C\" NULLS FIRST"
		    " LIMIT 200");
		break;
	case SWQ_TLS_FAILURES:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT f.result_type AS result_type, f.sending_mta_ip AS sending_mta_ip,"
		    " f.receiving_ip AS receiving_ip,"
		    " f.receiving_mx_hostname AS receiving_mx_hostname,"
		    " f.receiving_mx_helo AS receiving_mx_helo,"
		    " sum(f.failed_session_count) AS sessions,"
		    " json_agg(DISTINCT r.org_name)::text AS reporters,"
		    " f.failure_reason_code AS failure_reason_code,"
		    " f.additional_information AS additional_information"
		    " FROM tw JOIN tls_policies p ON p.id = tw.id"
		    " JOIN tls_reports r ON r.id = p.tls_report_id"
		    " JOIN tls_failures f ON f.policy_id = p.id"
		    " GROUP BY f.result_type, f.sending_mta_ip, f.receiving_ip,"
		    " f.receiving_mx_hostname, f.receiving_mx_helo, f.failure_reason_code,"
		    " f.additional_information ORDER BY sessions DESC,"
		    " f.result_type COLLATE \"C\" NULLS FIRST, f.sending_mta_ip COLLATE \"C\" NULLS FIRST,"
		    /* ties in SQLite's group order */
		    " f.receiving_ip COLLATE \"C\" NULLS FIRST,"
		    " f.receiving_mx_hostname COLLATE \"C\" NULLS FIRST,"
		    " f.receiving_mx_helo COLLATE \"C\" NULLS FIRST,"
		    " f.failure_reason_code COLLATE \"C\" NULLS FIRST,"
		    " f.additional_information COLLATE \"C\" NULLS FIRST LIMIT 500");
		break;
	case SWQ_TLS_REPORTS:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT r.id AS id, r.org_name AS org_name, r.report_id AS report_id,"
		    " r.date_begin AS date_begin, r.date_end AS date_end,"
		    " p.policy_domain AS policy_domain, p.policy_type AS policy_type,"
		    " p.success_count AS success, p.failure_count AS failure"
		    " FROM tw JOIN tls_policies p ON p.id = tw.id"
		    " JOIN tls_reports r ON r.id = p.tls_report_id"
		    " ORDER BY r.date_begin DESC, r.id DESC, p.id LIMIT 500");
		break;
	case SWQ_IP_FAILURES:
	case SWQ_IP_FAILURES_COUNT:
		dbuf_addstr(b, q == SWQ_IP_FAILURES ? "SELECT fr.id AS id, fr.arrival_time AS"
		    " arrival_time, fr.subject AS subject, fr.reporter AS reporter,"
		    " fr.policy_domain AS policy_domain, fr.feedback_type AS feedback_type,"
		    " fr.is_dmarc_failure AS is_dmarc_failure" : "SELECT count(*) AS n");
		dbuf_addstr(b, " FROM failure_reports fr WHERE fr.source_ip = :ip");
		scope(b, w, "fr.policy_domain");
		if (w->domain != NULL)
			dbuf_addstr(b, " AND fr.policy_domain = :dom");
		if (w->since > 0)
			dbuf_addstr(b, " AND fr.arrival_time >= :since");
		if (w->until > 0)
			dbuf_addstr(b, " AND fr.arrival_time < :until");
		if (q == SWQ_IP_FAILURES)
			dbuf_addstr(b, " ORDER BY fr.arrival_time DESC, fr.id DESC LIMIT :limit");
		break;
	case SWQ_KIND_DOMAINS:
		dbuf_addstr(b, "SELECT k.domain AS domain, sum(k.f) AS failure_reports,"
		    " sum(k.t) AS tls_reports, (SELECT tn.name FROM tenant_domains td JOIN tenants tn"
		    " ON tn.id = td.tenant_id WHERE td.domain = k.domain) AS tenant FROM"
		    " (SELECT policy_domain AS domain, count(*) AS f, 0 AS t FROM failure_reports"
		    " WHERE policy_domain <> ''");
		scope(b, w, "policy_domain");
		dbuf_addstr(b, " GROUP BY policy_domain UNION ALL"
		    " SELECT policy_domain, 0, count(DISTINCT tls_report_id) FROM tls_policies"
		    " WHERE true");
		scope(b, w, "policy_domain");
		dbuf_addstr(b, " GROUP BY policy_domain) k GROUP BY k.domain"
		    " ORDER BY k.domain COLLATE \"C\" LIMIT 10000");
		break;
	case SWQ_IP_CLASS:
		dbuf_addstr(b, "SELECT cls AS class, sum(count) AS messages FROM (SELECT r.cls AS cls,"
		    " r.count AS count FROM records r WHERE r.source_ip = :ip");
		scope(b, w, "r.policy_domain");
		if (w->domain != NULL)
			dbuf_addstr(b, " AND r.policy_domain = :dom");
		dbuf_addstr(b, " ORDER BY r.id DESC LIMIT :scan) x GROUP BY cls"
		    " ORDER BY messages DESC, cls DESC LIMIT 1");
		break;
	default:
		return -1;
	}
	return 0;
}

static int
first_int(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	(void)names;
	if (ncol > 0)
		*(int64_t *)ctx = v[0].i;
	return 1;
}

struct bound_row {
	int n;
	int64_t t, id;
};

static int
bound_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	struct bound_row *b = ctx;

	(void)names;
	if (b->n++ == 0 && ncol >= 2) {
		b->t = v[0].i;
		b->id = v[1].i;
	}
	return 0;
}

int
pg_web_kinds_query(store *s, int q, const store_web_query *w, store_web_cb cb, void *ctx)
{
	pg_store *pq = PG(s);
	pg_wbind bd;
	dbuf b;
	int rc, bounded = 0;

	memset(&bd, 0, sizeof(bd));
	bd.w = w;
	bd.scan = SCAN_MAX;
	if (q == SWQ_TLS_DAYS) {
		int64_t n = 0;

		dbuf_init(&b, 4096);
		dbuf_addstr(&b, "SELECT count(*) FROM (SELECT 1 FROM tls_policies p WHERE true");
		tls_range(&b, w);
		dbuf_addstr(&b, " LIMIT :agg + 1) x");
		rc = pg_web_run(pq, dbuf_cstr(&b), &bd, first_int, &n, "web window");
		dbuf_free(&b);
		if (rc != STORE_OK)
			return STORE_ERR;
		bd.partial = n > AGG_MAX;
	}
	if (q == SWQ_THREATS || q == SWQ_THREATS_COUNT || q == SWQ_THREAT_SOURCES ||
	    q == SWQ_URLS || q == SWQ_URLS_COUNT) {
		/* the bound: the SCAN_MAX-th report of the range, newest first */
		struct bound_row br = { 0, 0, 0 };

		dbuf_init(&b, 4096);
		dbuf_addstr(&b, "SELECT fr.arrival_time, fr.id FROM failure_reports fr WHERE true");
		fr_range(&b, w);
		dbuf_addstr(&b, " ORDER BY fr.arrival_time DESC, fr.id DESC LIMIT 2 OFFSET :scan - 1");
		rc = pg_web_run(pq, dbuf_cstr(&b), &bd, bound_cb, &br, "web window");
		dbuf_free(&b);
		if (rc != STORE_OK)
			return STORE_ERR;
		bounded = br.n > 0;
		bd.bt = br.t;
		bd.bid = br.id;
		bd.partial = br.n > 1;
	}
	bd.stream = q == SWQ_THREATS_CSV;
	dbuf_init(&b, 1 << 16);
	if (build(&b, q, w, bounded) != 0) {
		dbuf_free(&b);
		snprintf(pq->err, sizeof(pq->err), "unknown web query %d", q);
		return STORE_ERR;
	}
	rc = pg_web_run(pq, dbuf_cstr(&b), &bd, cb, ctx, "web query");
	dbuf_free(&b);
	return rc;
}
