/*
 * store_sqlite_web.c - the portal's reads for SQLite (store_web.h).
 *
 * Each query is built from fixed SQL fragments: a WHERE clause is added
 * only for the filters that are set, so the indexes on reports
 * (policy_domain, date_begin) stay usable, and ORDER BY comes from the
 * sort table below.  Every value is bound by name (:dom, :since, ...);
 * nothing from the request reaches the SQL text.  Statements are prepared
 * per call (the variants are too many to cache and preparing costs tens of
 * microseconds), except the version probe, which runs every 250 ms.
 *
 * Mail-list pages pick their record ids first (ORDER BY ... LIMIT on the
 * narrow join) and only then join the per-record auth results, so a page
 * costs one sort plus LIMIT rows of subqueries.
 *
 * Every mail-list query (page and count) is bounded (issue 12, D1):
 *   - no filter, sorted by date: reports come from reports_domain_begin in
 *     date order and their records from records_domain in id order, so the
 *     page needs no sort and stops after OFFSET + LIMIT rows; the totals
 *     are the reports' own counts;
 *   - anything else works on a window of at most SCAN_MAX candidate
 *     records, picked by index: the newest SCAN_MAX records of the range
 *     (reports in date order, then records_domain), or, with ip=, the
 *     newest SCAN_MAX records of that address (records_ip, migration 006).
 *     Filters and sorts apply inside the window.  When the range (or the
 *     address) holds more than SCAN_MAX records the result covers only the
 *     newest ones, the count row counts the window only and says
 *     partial = 1.  A filtered page computes its totals in the same pass
 *     (count_stash).
 * The per-source and per-country sums (Senders screen, map) work the same
 * way on the newest AGG_MAX records and add a partial column.
 * Records join their report on (policy_domain, report_id), which is the
 * records_domain index; joining on report_id alone scans every record.
 *
 * Isolation (issue 14, store_web.h): query() takes the principal; for a
 * tenant every query adds "policy_domain IN (SELECT domain FROM
 * tenant_domains WHERE tenant_id = :tenant)" (SCOPE_IN, through the
 * tenant_domains_tenant index) on the table it reads (scope()), by-id reads
 * included; the shared helpers (where_records, where_reports, window_cte,
 * window_partial) carry it, so a query built from them cannot leave it out.
 * An operator's queries are unchanged.
 *
 * Exports: store_sqlite_web_ops.  Errors: STORE_ERR with the message in
 * the store (store_errmsg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_web.h"
#include "../auth/principal.h"
#include "../util/dbuf.h"

#define MAXCOL 40
#define SCAN_MAX STORE_WEB_SCAN_MAX
#define AGG_MAX STORE_WEB_AGG_MAX

/* Sort keys; the tie-breaker r.id keeps paging stable. */
static const char *const sort_sql[SWS__COUNT] = {
	[SWS_DATE] = "rp.date_begin",
	[SWS_DOMAIN] = "rp.policy_domain",
	[SWS_IP] = "r.source_ip",
	[SWS_PTR] = "h.ptr",
	[SWS_COUNT] = "r.count",
	[SWS_FROM] = "r.header_from",
	[SWS_DMARC] = "(r.dkim = 'pass' OR r.spf = 'pass')",
	[SWS_SPF] = "r.spf",
	[SWS_DKIM] = "r.dkim",
	[SWS_DISP] = "r.disposition",
	[SWS_COUNTRY] = "h.country",
	[SWS_CLASS] = "r.cls",
};

/* A tenant's domains (store_web.h); :tenant is bound to w->scope_tenant. */
#define SCOPE_IN " IN (SELECT domain FROM tenant_domains WHERE tenant_id = :tenant)"

/* " AND col IN (the tenant's domains)" for a tenant's query, nothing for an
 * operator's. */
static void
scope(dbuf *b, const store_web_query *w, const char *col)
{
	if (w->scope_tenant > 0)	/* "+": a filter, the plan stays the operator's */
		dbuf_printf(b, " AND +%s" SCOPE_IN, col);
}

/* The filters shared by the record queries (rp reports, r records, h hosts). */
static void
where_records(dbuf *b, const store_web_query *w)
{
	dbuf_addstr(b, " WHERE 1=1");
	scope(b, w, "rp.policy_domain");
	if (w->domain != NULL)
		dbuf_addstr(b, " AND rp.policy_domain = :dom");
	if (w->since > 0)
		dbuf_addstr(b, " AND rp.date_begin >= :since");
	if (w->until > 0)
		dbuf_addstr(b, " AND rp.date_begin < :until");
	if (w->cls >= 0)
		dbuf_addstr(b, " AND r.cls = :cls");
	if (w->result == 1)
		dbuf_addstr(b, " AND (r.dkim = 'pass' OR r.spf = 'pass')");
	else if (w->result == 0)
		dbuf_addstr(b, " AND NOT (coalesce(r.dkim, '') = 'pass' OR "
		    "coalesce(r.spf, '') = 'pass')");
	if (w->search != NULL)
		dbuf_addstr(b, " AND (substr(r.source_ip, 1, length(:q)) = :q OR "
		    "instr(lower(h.ptr), lower(:q)) > 0)");
	if (w->ip != NULL)
		dbuf_addstr(b, " AND r.source_ip = :ip");
	if (w->report_id > 0)
		dbuf_addstr(b, " AND r.policy_domain = (SELECT policy_domain FROM reports WHERE id = "
		    ":rid) AND r.report_id = :rid");
}

static void
where_reports(dbuf *b, const store_web_query *w)
{
	dbuf_addstr(b, " WHERE 1=1");
	scope(b, w, "rp.policy_domain");
	if (w->domain != NULL)
		dbuf_addstr(b, " AND rp.policy_domain = :dom");
	if (w->since > 0)
		dbuf_addstr(b, " AND rp.date_begin >= :since");
	if (w->until > 0)
		dbuf_addstr(b, " AND rp.date_begin < :until");
}

static const char *REC_FROM =
    " FROM records r JOIN reports rp ON rp.id = r.report_id"
    " AND rp.policy_domain = r.policy_domain"
    " LEFT JOIN hosts h ON h.ip = r.source_ip";

/* The same over the candidate window (window_cte), which carries the
 * report's columns the filters and sorts read (as rp). */
static const char *WIN_FROM =
    " FROM win rp JOIN records r ON r.id = rp.rec LEFT JOIN hosts h ON h.ip = r.source_ip";

/* The mail list's plain case: no filter beyond domain, range and report,
 * sorted by date (served in index order, exact). */
static int
plain_list(const store_web_query *w)
{
	return w->cls < 0 && w->result < 0 && w->search == NULL && w->ip == NULL &&
	    (w->sort < 0 || w->sort >= SWS__COUNT || w->sort == SWS_DATE);
}

/* Filters the report totals cannot answer (the count must look at records). */
static int
filtered(const store_web_query *w)
{
	return w->cls >= 0 || w->result >= 0 || w->search != NULL || w->ip != NULL;
}

/* The count of a windowed list must look at records (not the report
 * totals): filters, or a range larger than the window. */
static int
counts_records(const store_web_query *w, int partial)
{
	return filtered(w) || partial;
}

/* WITH win(rec, id, date_begin, policy_domain): at most SCAN_MAX
 * candidate record ids with their report's id, begin and domain, newest
 * first. */
static void
window_cte(dbuf *b, const store_web_query *w)
{
	if (w->ip != NULL) {
		dbuf_addstr(b, "WITH win(rec, id, date_begin, policy_domain) AS (SELECT r.id,"
		    " rp.id, rp.date_begin, rp.policy_domain FROM records r INDEXED BY records_ip"
		    " JOIN reports rp ON rp.id = r.report_id WHERE r.source_ip = :ip");
		scope(b, w, "r.policy_domain");
		dbuf_addstr(b, " ORDER BY r.id DESC LIMIT :scan) ");
		return;
	}
	dbuf_addstr(b, "WITH win(rec, id, date_begin, policy_domain) AS (SELECT r.id, rp.id,"
	    " rp.date_begin, rp.policy_domain FROM reports rp JOIN records r"
	    " ON r.policy_domain = rp.policy_domain AND r.report_id = rp.id");
	where_reports(b, w);
	if (w->report_id > 0)
		dbuf_addstr(b, " AND rp.id = :rid");
	dbuf_addstr(b, " ORDER BY rp.date_begin DESC, rp.id DESC, r.id DESC LIMIT :scan) ");
}

/* The mail-list columns (IIJ's, plus class and the ids to link to). */
static const char *REC_COLS =
    "SELECT r.id AS id, rp.id AS report_id, rp.date_begin AS date_begin,"
    " rp.date_end AS date_end, rp.policy_domain AS policy_domain,"
    " r.source_ip AS source_ip, h.ptr AS reverse_dns, h.fcrdns AS fcrdns, r.count AS count,"
    " r.header_from AS header_from,"
    " CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN 'pass' ELSE 'fail' END"
    " AS dmarc_result,"
    " coalesce(r.spf, r.raw_spf) AS spf_alignment,"
    " (SELECT group_concat(coalesce(s.result, s.raw_result, '') || ':' ||"
    " coalesce(s.domain, ''), ' ') FROM auth_spf s WHERE s.record_id = r.id)"
    " AS spf_result_domain,"
    " coalesce(r.dkim, r.raw_dkim) AS dkim_alignment,"
    " (SELECT group_concat(coalesce(d.result, d.raw_result, '') || ':' ||"
    " coalesce(d.domain, ''), ' ') FROM auth_dkim d WHERE d.record_id = r.id)"
    " AS dkim_result_domain,"
    " coalesce(r.disposition, r.raw_disposition) AS disposition,"
    " h.country AS country_code, r.cls AS class, r.path AS path,"
    " r.spf_cat AS spf_cat, r.dkim_cat AS dkim_cat, r.sender_kind AS sender_kind,"
    " rp.org_name AS org_name";

static void
order_by(dbuf *b, const store_web_query *w)
{
	int k = w->sort >= 0 && w->sort < SWS__COUNT ? w->sort : SWS_DATE;
	const char *dir = w->desc ? " DESC" : " ASC";

	/* by date, the report id comes before the record id: the reports index
	 * (policy_domain, date_begin, id) and the records index (report_id, id)
	 * then give the order without sorting, and LIMIT stops early even
	 * inside a 1M-record report */
	if (k == SWS_DATE)
		dbuf_printf(b, " ORDER BY rp.date_begin%s, rp.id%s, r.id%s", dir, dir, dir);
	else
		dbuf_printf(b, " ORDER BY %s%s, r.id%s", sort_sql[k], dir, dir);
}

/* partial: the window does not hold every candidate (window_partial) */
/* The rows of record :id, for a tenant only when the record is its own. */
static void
record_scope(dbuf *b, const store_web_query *w)
{
	if (w->scope_tenant > 0)
		dbuf_addstr(b, " AND EXISTS (SELECT 1 FROM records x WHERE x.id = :id"
		    " AND x.policy_domain" SCOPE_IN ")");
}

/* A host is a tenant's when it sent mail in the tenant's domains. */
#define HOST_SEEN "(EXISTS (SELECT 1 FROM records r INDEXED BY records_ip" \
    " WHERE r.source_ip = :ip AND r.policy_domain" SCOPE_IN ") OR EXISTS (SELECT 1" \
    " FROM failure_reports fr INDEXED BY failure_reports_ip_time WHERE fr.source_ip = :ip" \
    " AND fr.policy_domain" SCOPE_IN "))"

static int
build(dbuf *b, int q, const store_web_query *w, int partial)
{
	switch (q) {
	case SWQ_VERSION:
		if (w->scope_tenant > 0) {
			/* a tenant's own data only: another tenant's ingest does
			 * not show in it */
			dbuf_addstr(b, "SELECT (SELECT coalesce(max(id), 0) FROM reports"
			    " WHERE policy_domain" SCOPE_IN ") AS reports,"
			    " (SELECT coalesce(max(id), 0) FROM failure_reports"
			    " WHERE policy_domain" SCOPE_IN ") AS failures,"
			    " (SELECT coalesce(max(id), 0) FROM tls_policies"
			    " WHERE policy_domain" SCOPE_IN ") AS tls,"
			    " (SELECT coalesce(max(id), 0) + count(*) FROM senders"
			    " WHERE policy_domain" SCOPE_IN ") AS senders,"
			    " (SELECT coalesce(max(updated_at), 0) FROM hosts) AS hosts,"
			    " (SELECT count(*) FROM analysis_pending"
			    " WHERE policy_domain" SCOPE_IN ") AS pending,"
			    " (SELECT coalesce(sum(rowid), 0) * 1000 + count(*) FROM tenant_domains"
			    " WHERE tenant_id = :tenant) AS domains");
			break;
		}
		dbuf_addstr(b, "SELECT (SELECT coalesce(max(id), 0) FROM reports) AS reports,"
		    " (SELECT coalesce(max(id), 0) FROM raw_messages) AS raws,"
		    " (SELECT count(*) FROM quarantine WHERE resolved = 0) AS quarantine,"
		    " (SELECT coalesce(max(id), 0) + count(*) FROM senders) AS senders,"
		    " (SELECT coalesce(max(updated_at), 0) FROM hosts) AS hosts,"
		    " (SELECT coalesce(sum(rowid * 1000003 + tenant_id), 0) + count(*)"
		    " FROM tenant_domains) AS assigned,"
		    " (SELECT count(*) FROM analysis_pending) AS pending");	/* last (bg.c) */
		break;
	case SWQ_DOMAINS:
		/* tenant: the tenant's name (NULL: unassigned, operators only) */
		/* from domain_summary (migration 014, one row a domain): the
		 * domain picker's list stays cheap with 10,000 domains; last_end
		 * is the end of the report that began last */
		dbuf_addstr(b, "SELECT rp.policy_domain AS domain, rp.reports AS reports,"
		    " rp.messages AS messages, rp.first_begin AS first_begin,"
		    " rp.last_end AS last_end, (SELECT t.name FROM tenant_domains td"
		    " JOIN tenants t ON t.id = td.tenant_id WHERE td.domain = rp.policy_domain)"
		    " AS tenant FROM domain_summary rp WHERE 1=1");
		scope(b, w, "rp.policy_domain");
		dbuf_addstr(b, " ORDER BY messages DESC, rp.policy_domain");
		break;
	case SWQ_RECORDS:
		if (plain_list(w)) {
			dbuf_addstr(b, REC_COLS);
			dbuf_addstr(b, " FROM (SELECT r.id AS pid");
			dbuf_addstr(b, REC_FROM);
		} else if (!counts_records(w, partial)) {
			/* only re-sorted, whole range in the window: the count comes
			 * from the reports */
			window_cte(b, w);
			dbuf_addstr(b, REC_COLS);
			dbuf_addstr(b, " FROM (SELECT r.id AS pid");
			dbuf_addstr(b, WIN_FROM);
		} else {
			/* the page and, in the same pass, its totals (last two columns,
			 * kept for the count query that follows: count_stash) */
			window_cte(b, w);
			dbuf_addstr(b, REC_COLS);
			dbuf_addstr(b, ", page.wn AS _total, page.wm AS _messages"
			    " FROM (SELECT r.id AS pid, count(*) OVER () AS wn,"
			    " coalesce(sum(r.count) OVER (), 0) AS wm");
			dbuf_addstr(b, WIN_FROM);
		}
		where_records(b, w);
		order_by(b, w);
		dbuf_addstr(b, " LIMIT :limit OFFSET :offset) page"
		    " JOIN records r ON r.id = page.pid JOIN reports rp ON rp.id = r.report_id"
		    " LEFT JOIN hosts h ON h.ip = r.source_ip");
		order_by(b, w);
		break;
	case SWQ_RECORDS_COUNT:
		if (plain_list(w) || !counts_records(w, partial)) {
			/* every candidate counts: the per-report totals */
			dbuf_addstr(b, "SELECT coalesce(sum(rp.record_count), 0) AS records,"
			    " coalesce(sum(rp.message_count), 0) AS messages, 0 AS partial"
			    " FROM reports rp");
			where_reports(b, w);
			if (w->report_id > 0)
				dbuf_addstr(b, " AND rp.id = :rid");
			break;
		}
		window_cte(b, w);
		dbuf_addstr(b, "SELECT count(*) AS records, coalesce(sum(r.count), 0) AS messages,"
		    " :partial AS partial");
		dbuf_addstr(b, WIN_FROM);
		where_records(b, w);
		break;
	case SWQ_RECORDS_CSV:
		dbuf_addstr(b, REC_COLS);
		dbuf_addstr(b, REC_FROM);
		where_records(b, w);
		order_by(b, w);
		break;
	case SWQ_RECORD:
		dbuf_addstr(b, REC_COLS);
		dbuf_addstr(b, ", r.envelope_from AS envelope_from, r.envelope_to AS envelope_to,"
		    " r.spf_domain AS spf_domain, r.spf_result AS spf_result,"
		    " r.dkim_domain AS dkim_domain, r.dkim_result AS dkim_result,"
		    " r.expl AS expl, r.service AS service, r.mismatch AS mismatch,"
		    " r.reporter_pass AS reporter_pass, rp.report_id AS report_ext_id,"
		    " rp.email AS org_email, rp.p AS p, rp.sp AS sp, rp.adkim AS adkim,"
		    " rp.aspf AS aspf, rp.pct AS pct, h.as_name AS as_name, h.asn AS asn");
		dbuf_addstr(b, REC_FROM);
		dbuf_addstr(b, " WHERE r.id = :id");
		scope(b, w, "r.policy_domain");
		break;
	case SWQ_RECORD_REASONS:
		dbuf_addstr(b, "SELECT coalesce(type, raw_type) AS type, comment FROM record_reasons"
		    " WHERE record_id = :id");
		record_scope(b, w);
		dbuf_addstr(b, " ORDER BY idx");
		break;
	case SWQ_RECORD_DKIM:
		dbuf_addstr(b, "SELECT domain, selector, coalesce(result, raw_result) AS result,"
		    " human_result FROM auth_dkim WHERE record_id = :id");
		record_scope(b, w);
		dbuf_addstr(b, " ORDER BY idx");
		break;
	case SWQ_RECORD_SPF:
		dbuf_addstr(b, "SELECT domain, scope, coalesce(result, raw_result) AS result,"
		    " human_result FROM auth_spf WHERE record_id = :id");
		record_scope(b, w);
		dbuf_addstr(b, " ORDER BY idx");
		break;
	case SWQ_REPORTS:
	case SWQ_REPORT:
		dbuf_addstr(b, "SELECT rp.id AS id, rp.raw_id AS raw_id, rp.org_name AS org_name,"
		    " rp.email AS email, rp.extra_contact_info AS extra_contact_info,"
		    " rp.report_id AS report_id, rp.policy_domain AS policy_domain,"
		    " rp.date_begin AS date_begin, rp.date_end AS date_end, rp.schema AS schema,"
		    " rp.version AS version, rp.generator AS generator, rp.p AS p, rp.sp AS sp,"
		    " rp.np AS np, rp.adkim AS adkim, rp.aspf AS aspf, rp.pct AS pct, rp.fo AS fo,"
		    " rp.errors AS errors, rp.warnings AS warnings,"
		    " rp.record_count AS record_count, rp.message_count AS message_count,"
		    " rp.skipped_records AS skipped_records, rp.recovered AS recovered,"
		    " rp.ingested_at AS ingested_at, "
		    " substr(m.source, length(rtrim(m.source, replace(m.source, '/', ''))) + 1)"
		    " AS source, m.state AS raw_state,"
		    " m.size AS raw_size FROM reports rp LEFT JOIN raw_messages m ON m.id = rp.raw_id");
		if (q == SWQ_REPORT) {
			dbuf_addstr(b, " WHERE rp.id = :id");
			scope(b, w, "rp.policy_domain");
		} else {
			where_reports(b, w);
			dbuf_addstr(b, " ORDER BY rp.date_begin DESC, rp.id DESC"
			    " LIMIT :limit OFFSET :offset");
		}
		break;
	case SWQ_REPORTS_COUNT:
		dbuf_addstr(b, "SELECT count(*) AS reports FROM reports rp");
		where_reports(b, w);
		break;
	case SWQ_SOURCES:
		/* one row per address, kind and service: a host whose records
		 * are of several kinds or services is counted under each */
		window_cte(b, w);
		dbuf_addstr(b, "SELECT r.source_ip AS ip, r.sender_kind AS sender_kind,"
		    " sum(r.count) AS messages,"
		    " sum(CASE WHEN r.spf_cat = 0 THEN r.count ELSE 0 END) AS spf_aligned,"
		    " sum(CASE WHEN r.dkim_cat = 0 THEN r.count ELSE 0 END) AS dkim_aligned,"
		    " sum(CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN r.count ELSE 0 END)"
		    " AS dmarc_pass,"
		    " sum(CASE WHEN r.cls = 3 THEN r.count ELSE 0 END) AS spoofing,"
		    " r.service AS service, h.ptr AS ptr, h.country AS country,"
		    " :partial AS partial");
		dbuf_addstr(b, WIN_FROM);
		where_records(b, w);
		dbuf_addstr(b, " GROUP BY r.source_ip, r.sender_kind, r.service"
		    " ORDER BY messages DESC LIMIT 5000");
		break;
	case SWQ_HOST:
		dbuf_addstr(b, "SELECT * FROM hosts WHERE ip = :ip");
		if (w->scope_tenant > 0)
			dbuf_addstr(b, " AND " HOST_SEEN);
		break;
	case SWQ_HOST_SEEN:
		dbuf_addstr(b, w->scope_tenant > 0 ? "SELECT " HOST_SEEN " AS seen" :
		    "SELECT 1 AS seen");
		break;
	case SWQ_RAW_ACCESS:
		if (w->scope_tenant > 0)
			dbuf_addstr(b, "SELECT ((EXISTS (SELECT 1 FROM reports WHERE raw_id = :id"
			    " AND policy_domain" SCOPE_IN ") OR EXISTS (SELECT 1 FROM failure_reports"
			    " WHERE raw_id = :id AND policy_domain" SCOPE_IN ") OR EXISTS (SELECT 1"
			    " FROM tls_reports t JOIN tls_policies p ON p.tls_report_id = t.id"
			    " WHERE t.raw_id = :id AND p.policy_domain" SCOPE_IN "))"
			    " AND NOT EXISTS (SELECT 1 FROM reports WHERE raw_id = :id"
			    " AND policy_domain NOT" SCOPE_IN ") AND NOT EXISTS (SELECT 1 FROM"
			    " failure_reports WHERE raw_id = :id AND policy_domain NOT" SCOPE_IN ")"
			    " AND NOT EXISTS (SELECT 1 FROM tls_reports t JOIN tls_policies p"
			    " ON p.tls_report_id = t.id WHERE t.raw_id = :id AND p.policy_domain"
			    " NOT" SCOPE_IN ")) AS allowed");
		else
			dbuf_addstr(b, "SELECT EXISTS (SELECT 1 FROM raw_messages WHERE id = :id)"
			    " AS allowed");
		break;
	case SWQ_SENDER_DOMAIN:
		dbuf_addstr(b, "SELECT policy_domain FROM senders WHERE id = :id");
		scope(b, w, "policy_domain");
		break;
	case SWQ_HOST_DAILY:
		/* one address: its records through records_ip */
		dbuf_addstr(b, "SELECT rp.date_begin / 86400 * 86400 AS day, r.cls AS class,"
		    " sum(r.count) AS messages FROM records r INDEXED BY records_ip"
		    " JOIN reports rp ON rp.id = r.report_id LEFT JOIN hosts h ON h.ip = r.source_ip");
		where_records(b, w);
		dbuf_addstr(b, " GROUP BY 1, 2 ORDER BY 1, 2");
		break;
	case SWQ_COUNTRIES:
		window_cte(b, w);
		dbuf_addstr(b, "SELECT coalesce(h.country, '') AS country, sum(r.count) AS messages,"
		    " sum(CASE WHEN r.cls = 3 THEN r.count ELSE 0 END) AS spoofing,"
		    " count(DISTINCT r.source_ip) AS sources, :partial AS partial");
		dbuf_addstr(b, WIN_FROM);
		where_records(b, w);
		dbuf_addstr(b, " GROUP BY 1 ORDER BY messages DESC");
		break;
	case SWQ_QUARANTINE:
		dbuf_addstr(b, "SELECT q.id AS id, q.raw_id AS raw_id, q.reason AS reason,"
		    " q.created_at AS created_at, q.retried_at AS retried_at,"
		    " q.resolved AS resolved, "
		    " substr(m.source, length(rtrim(m.source, replace(m.source, '/', ''))) + 1)"
		    " AS source, m.state AS raw_state,"
		    " m.size AS raw_size FROM quarantine q LEFT JOIN raw_messages m"
		    " ON m.id = q.raw_id");
		if (w->scope_tenant != 0)	/* the provider's, never a tenant's */
			dbuf_addstr(b, " WHERE 0");
		dbuf_addstr(b, " ORDER BY q.id DESC LIMIT 1000");
		break;
	default:
		return -1;
	}
	return 0;
}

static void
bind_named(sqlite3_stmt *st, const char *name, const char *text, int64_t v, int is_text)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i <= 0)
		return;
	if (is_text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, i, v);
}

/*
 * The totals of the last windowed mail-list page, per thread (a store
 * connection is used by one thread at a time): the API asks for the page
 * and then for its count with the same filters, and the page query has
 * computed them already.  The key is every filter (not sort or paging).
 */
static _Thread_local struct {
	store *s;
	char *key;
	int64_t records, messages;
} count_stash;

static char *
filter_key(const store_web_query *w)
{
	dbuf b;
	size_t n;

	dbuf_init(&b, 4096);
	dbuf_printf(&b, "t%lld|%zu:%s|%lld|%lld|%d|%d|%zu:%s|%zu:%s|%lld",
	    (long long)w->scope_tenant, w->domain ? strlen(w->domain) : (size_t)0, w->domain ? w->domain : "",
	    (long long)w->since, (long long)w->until, w->cls, w->result,
	    w->search ? strlen(w->search) : (size_t)0, w->search ? w->search : "",
	    w->ip ? strlen(w->ip) : (size_t)0, w->ip ? w->ip : "", (long long)w->report_id);
	return dbuf_steal(&b, &n);
}

static void
stash_clear(void)
{
	free(count_stash.key);
	memset(&count_stash, 0, sizeof(count_stash));
}

/* 1 when the candidates of a windowed mail-list query number more than
 * SCAN_MAX (the window then holds only the newest). */
static int
window_partial(sq_store *sq, const store_web_query *w, int64_t limit, int *partial)
{
	sqlite3_stmt *st;
	dbuf b;
	int rc;

	dbuf_init(&b, 4096);
	if (w->ip != NULL) {
		dbuf_addstr(&b, "SELECT count(*) FROM (SELECT 1 FROM records r INDEXED BY records_ip"
		    " WHERE r.source_ip = :ip");
		scope(&b, w, "r.policy_domain");
		dbuf_addstr(&b, " LIMIT :scan + 1)");
	} else {
		dbuf_addstr(&b, "SELECT coalesce(sum(rp.record_count), 0) FROM reports rp");
		where_reports(&b, w);
		if (w->report_id > 0)
			dbuf_addstr(&b, " AND rp.id = :rid");
	}
	rc = sqlite3_prepare_v2(sq->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(sq, "web window");
	bind_named(st, ":ip", w->ip, 0, 1);
	bind_named(st, ":scan", NULL, limit, 0);
	bind_named(st, ":dom", w->domain, 0, 1);
	bind_named(st, ":since", NULL, w->since, 0);
	bind_named(st, ":until", NULL, w->until, 0);
	bind_named(st, ":rid", NULL, w->report_id, 0);
	bind_named(st, ":tenant", NULL, w->scope_tenant, 0);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*partial = sqlite3_column_int64(st, 0) > limit;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sq_fail(sq, "web window");
	return STORE_OK;
}

/* The scope of who's queries: 0 every domain (an operator, local), > 0 a
 * tenant's domains, -1 refused (nobody, or a tenant principal without a
 * tenant). */
static int64_t
scope_of(const dm_principal *who)
{
	if (who == NULL || who->method == AUTH_NONE)
		return -1;
	if (principal_is_operator(who))
		return 0;
	return who->tenant_id > 0 ? who->tenant_id : -1;
}

static int
web_query(store *s, const dm_principal *who, int q, const store_web_query *wq,
    store_web_cb cb, void *ctx)
{
	sq_store *sq = SQ(s);
	store_web_query wl;
	const store_web_query *w = &wl;
	sqlite3_stmt *st = NULL;
	const char *names[MAXCOL];
	store_web_val v[MAXCOL];
	dbuf b, nb;
	int rc, ncol, stop = 0, partial = 0;
	int64_t tenant = scope_of(who);

	if (tenant < 0) {
		snprintf(sq->err, sizeof(sq->err), "web query %d without a principal: refused", q);
		return STORE_ERR;
	}
	if (wq != NULL)
		wl = *wq;
	else {
		memset(&wl, 0, sizeof(wl));
		wl.cls = wl.result = -1;
		wl.limit = -1;
	}
	wl.scope_tenant = tenant;
	if (q >= SWQ_KINDS_FIRST && q < SWQ_RAW_ACCESS)	/* failure and TLS reports */
		return sq_web_kinds_query(s, q, w, cb, ctx);
	if (q >= SWQ_OVERVIEW_FIRST && q < SWQ__COUNT)	/* the domains overview */
		return sq_web_overview_query(s, q, w, cb, ctx);
	if ((q == SWQ_RECORDS_COUNT || q == SWQ_RECORDS) && !plain_list(w) &&
	    window_partial(sq, w, SCAN_MAX, &partial) != STORE_OK)
		return STORE_ERR;
	if ((q == SWQ_SOURCES || q == SWQ_COUNTRIES) &&
	    window_partial(sq, w, AGG_MAX, &partial) != STORE_OK)
		return STORE_ERR;
	if (q == SWQ_RECORDS_COUNT && !plain_list(w) && counts_records(w, partial)) {
		char *key;
		int hit;

		key = filter_key(w);
		hit = count_stash.s == s && count_stash.key != NULL &&
		    strcmp(count_stash.key, key) == 0;
		free(key);
		if (hit) {
			static const char *const cn[3] = { "records", "messages", "partial" };
			store_web_val cv[3] = {
				{ .type = SWV_INT, .i = count_stash.records },
				{ .type = SWV_INT, .i = count_stash.messages },
				{ .type = SWV_INT, .i = partial },
			};

			stash_clear();
			cb(ctx, 3, cn, cv);
			return STORE_OK;
		}
	}
	if (q == SWQ_RECORDS)
		stash_clear();
	dbuf_init(&b, 1 << 16);
	if (build(&b, q, w, partial) != 0) {
		dbuf_free(&b);
		snprintf(sq->err, sizeof(sq->err), "unknown web query %d", q);
		return STORE_ERR;
	}
	if (q == SWQ_VERSION && tenant == 0) {
		/* Cached: the background thread runs it four times a second. */
		if (sq->area[SQA_WEB][0] == NULL && sqlite3_prepare_v3(sq->db, dbuf_cstr(&b), -1,
		    SQLITE_PREPARE_PERSISTENT, &sq->area[SQA_WEB][0], NULL) != SQLITE_OK) {
			dbuf_free(&b);
			return sq_fail(sq, "web version");
		}
		st = sq->area[SQA_WEB][0];
		sqlite3_reset(st);
	} else if (sqlite3_prepare_v2(sq->db, dbuf_cstr(&b), -1, &st, NULL) != SQLITE_OK) {
		dbuf_free(&b);
		return sq_fail(sq, "web query");
	}
	dbuf_free(&b);
	bind_named(st, ":dom", w->domain, 0, 1);
	bind_named(st, ":since", NULL, w->since, 0);
	bind_named(st, ":until", NULL, w->until, 0);
	bind_named(st, ":cls", NULL, w->cls, 0);
	bind_named(st, ":ip", w->ip, 0, 1);
	bind_named(st, ":id", NULL, w->id, 0);
	bind_named(st, ":rid", NULL, w->report_id, 0);
	bind_named(st, ":limit", NULL, w->limit, 0);
	bind_named(st, ":offset", NULL, w->offset, 0);
	bind_named(st, ":q", w->search, 0, 1);
	bind_named(st, ":scan", NULL, q == SWQ_SOURCES || q == SWQ_COUNTRIES ? AGG_MAX : SCAN_MAX,
	    0);
	bind_named(st, ":partial", NULL, partial, 0);
	bind_named(st, ":tenant", NULL, tenant, 0);
	dbuf_init(&nb, 1 << 16);
	ncol = sqlite3_column_count(st);
	if (ncol > MAXCOL)
		ncol = MAXCOL;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Names are copied once, at the first row. */
		if (nb.len == 0) {
			for (int i = 0; i < ncol; i++) {
				const char *nm = sqlite3_column_name(st, i);

				dbuf_addstr(&nb, nm ? nm : "");
				dbuf_addc(&nb, '\0');
			}
			for (int i = 0, o = 0; i < ncol; i++) {
				names[i] = nb.data + o;
				o += (int)strlen(names[i]) + 1;
			}
		}
		for (int i = 0; i < ncol; i++) {
			memset(&v[i], 0, sizeof(v[i]));
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				v[i].type = SWV_INT;
				v[i].i = sqlite3_column_int64(st, i);
				break;
			case SQLITE_FLOAT:
				v[i].type = SWV_REAL;
				v[i].d = sqlite3_column_double(st, i);
				break;
			case SQLITE_TEXT:
			case SQLITE_BLOB:
				v[i].type = SWV_TEXT;
				v[i].s = (const char *)sqlite3_column_text(st, i);
				break;
			default:
				v[i].type = SWV_NULL;
			}
		}
		if (q == SWQ_RECORDS && !plain_list(w) && counts_records(w, partial) &&
		    ncol >= 2 && strcmp(names[ncol - 2], "_total") == 0) {
			/* the totals: kept for the count, not part of the row */
			if (count_stash.key == NULL) {
				count_stash.s = s;
				count_stash.key = filter_key(w);
				count_stash.records = v[ncol - 2].i;
				count_stash.messages = v[ncol - 1].i;
			}
			stop = cb(ctx, ncol - 2, names, v);
		} else
			stop = cb(ctx, ncol, names, v);
	}
	dbuf_free(&nb);
	if (q == SWQ_RECORDS && !plain_list(w) && counts_records(w, partial) &&
	    rc == SQLITE_DONE && count_stash.key == NULL &&
	    w->offset == 0) {
		/* no row on the first page: nothing matches */
		count_stash.s = s;
		count_stash.key = filter_key(w);
	}
	if (!stop && rc != SQLITE_DONE) {
		sq_fail(sq, "web query");
		if (q == SWQ_VERSION && tenant == 0)
			sqlite3_reset(st);
		else
			sqlite3_finalize(st);
		return STORE_ERR;
	}
	if (q == SWQ_VERSION && tenant == 0)
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
	return STORE_OK;
}

static void
web_watch(store *s, int (*stop)(void *ctx), void *ctx)
{
	sqlite3_progress_handler(SQ(s)->db, stop != NULL ? 2000 : 0, stop, ctx);
}

static int
web_readonly(store *s)
{
	return sqlite3_db_readonly(SQ(s)->db, "main") == 1;
}

static int
web_query_only(store *s, int on)
{
	return sqlite3_exec(SQ(s)->db, on ? "PRAGMA query_only = 1" : "PRAGMA query_only = 0",
	    NULL, NULL, NULL) == SQLITE_OK ? STORE_OK : sq_fail(SQ(s), "query_only");
}

const struct store_web_ops store_sqlite_web_ops = {
	.query = web_query,
	.watch = web_watch,
	.readonly = web_readonly,
	.query_only = web_query_only,
};
