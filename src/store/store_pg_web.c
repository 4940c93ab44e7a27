/*
 * store_pg_web.c - the portal's reads for PostgreSQL (store_web.h), a port
 * of store_sqlite_web.c: the same queries, the same bounded windows
 * (STORE_WEB_SCAN_MAX candidate records for a filtered or re-sorted mail
 * list, STORE_WEB_AGG_MAX for the per-source and per-country sums, with the
 * same partial flags), the same columns under the same names with the same
 * value types (pg_web_run types them as SQLite would), and the same
 * principal scoping: a tenant's query adds "policy_domain IN (SELECT domain
 * FROM tenant_domains WHERE tenant_id = :tenant)" on every table it reads,
 * by-id reads included (scope(), record_scope(), HOST_SEEN).
 *
 * Dialect: no INDEXED BY and no unary "+" (PostgreSQL plans by itself);
 * group_concat → string_agg in idx order; sort keys get NULLS FIRST (ASC)
 * or NULLS LAST (DESC) and text keys COLLATE "C", so that pages come in
 * SQLite's order (NULL smallest, bytewise text) whatever the database's
 * collation; LIMIT -1 is bound as NULL; booleans come back as 0/1.
 *
 * The data version (SWQ_VERSION) is computed from the shared tables, so a
 * report, sender, quarantine entry, host fact or domain assignment written
 * by any node (another serve, an ingest) changes it on every node: their
 * response caches and live updates follow (bg.c polls it four times a
 * second).  It is read where the portal's reads go (the standby when it is
 * fresh), so a page reloaded for a new version finds the new rows.
 *
 * Reads go to the read replica when one is set (store_set_replica,
 * store_pg_replica.c) and its lag is within the bound, else to the primary.
 * watch() sets the stop callback pg_web_run checks while the server works
 * and between rows (a stop cancels the statement); query_only() sets
 * default_transaction_read_only on the primary connection, so any write on
 * it fails until it is switched off; readonly() says whether the server
 * refuses writes (a standby, read-only by configuration, no INSERT right).
 *
 * Exports: store_pg_web_ops.  Errors: STORE_ERR with the message in the
 * store (store_errmsg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_web_priv.h"
#include "../auth/principal.h"
#include "../util/dbuf.h"

#define SCAN_MAX STORE_WEB_SCAN_MAX
#define AGG_MAX STORE_WEB_AGG_MAX

/* Sort keys; the tie-breaker r.id keeps paging stable. */
static const char *const sort_sql[SWS__COUNT] = {
	[SWS_DATE] = "rp.date_begin",
	[SWS_DOMAIN] = "rp.policy_domain COLLATE \"C\"",
	[SWS_IP] = "r.source_ip COLLATE \"C\"",
	[SWS_PTR] = "h.ptr COLLATE \"C\"",
	[SWS_COUNT] = "r.count",
	[SWS_FROM] = "r.header_from COLLATE \"C\"",
	[SWS_DMARC] = "(r.dkim = 'pass' OR r.spf = 'pass')",
	[SWS_SPF] = "r.spf COLLATE \"C\"",
	[SWS_DKIM] = "r.dkim COLLATE \"C\"",
	[SWS_DISP] = "r.disposition COLLATE \"C\"",
	[SWS_COUNTRY] = "h.country COLLATE \"C\"",
	[SWS_CLASS] = "r.cls",
};

#define SCOPE_IN " IN (SELECT domain FROM tenant_domains WHERE tenant_id = :tenant)"

static void
scope(dbuf *b, const store_web_query *w, const char *col)
{
	if (w->scope_tenant > 0)
		dbuf_printf(b, " AND %s" SCOPE_IN, col);
}

static void
where_records(dbuf *b, const store_web_query *w)
{
	dbuf_addstr(b, " WHERE true");
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
		    "strpos(lower(h.ptr), lower(:q)) > 0)");
	if (w->ip != NULL)
		dbuf_addstr(b, " AND r.source_ip = :ip");
	if (w->report_id > 0)
		dbuf_addstr(b, " AND r.policy_domain = (SELECT policy_domain FROM reports WHERE id = "
		    ":rid) AND r.report_id = :rid");
}

static void
where_reports(dbuf *b, const store_web_query *w)
{
	dbuf_addstr(b, " WHERE true");
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

static const char *WIN_FROM =
    " FROM win rp JOIN records r ON r.id = rp.rec LEFT JOIN hosts h ON h.ip = r.source_ip";

static int
plain_list(const store_web_query *w)
{
	return w->cls < 0 && w->result < 0 && w->search == NULL && w->ip == NULL &&
	    (w->sort < 0 || w->sort >= SWS__COUNT || w->sort == SWS_DATE);
}

static int
filtered(const store_web_query *w)
{
	return w->cls >= 0 || w->result >= 0 || w->search != NULL || w->ip != NULL;
}

static int
counts_records(const store_web_query *w, int partial)
{
	return filtered(w) || partial;
}

static void
window_cte(dbuf *b, const store_web_query *w)
{
	if (w->ip != NULL) {
		dbuf_addstr(b, "WITH win(rec, id, date_begin, policy_domain) AS (SELECT r.id,"
		    " rp.id, rp.date_begin, rp.policy_domain FROM records r"
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

static const char *REC_COLS =
    "SELECT r.id AS id, rp.id AS report_id, rp.date_begin AS date_begin,"
    " rp.date_end AS date_end, rp.policy_domain AS policy_domain,"
    " r.source_ip AS source_ip, h.ptr AS reverse_dns, h.fcrdns AS fcrdns, r.count AS count,"
    " r.header_from AS header_from,"
    " CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN 'pass' ELSE 'fail' END"
    " AS dmarc_result,"
    " coalesce(r.spf, r.raw_spf) AS spf_alignment,"
    " (SELECT string_agg(coalesce(s.result, s.raw_result, '') || ':' ||"
    " coalesce(s.domain, ''), ' ' ORDER BY s.idx) FROM auth_spf s WHERE s.record_id = r.id)"
    " AS spf_result_domain,"
    " coalesce(r.dkim, r.raw_dkim) AS dkim_alignment,"
    " (SELECT string_agg(coalesce(d.result, d.raw_result, '') || ':' ||"
    " coalesce(d.domain, ''), ' ' ORDER BY d.idx) FROM auth_dkim d WHERE d.record_id = r.id)"
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

	if (k == SWS_DATE)	/* not null: the indexes give the order */
		dbuf_printf(b, " ORDER BY rp.date_begin%s, rp.id%s, r.id%s", dir, dir, dir);
	else	/* SQLite's order: NULL is the smallest value */
		dbuf_printf(b, " ORDER BY %s%s%s, r.id%s", sort_sql[k], dir,
		    w->desc ? " NULLS LAST" : " NULLS FIRST", dir);
}

static void
record_scope(dbuf *b, const store_web_query *w)
{
	if (w->scope_tenant > 0)
		dbuf_addstr(b, " AND EXISTS (SELECT 1 FROM records x WHERE x.id = :id"
		    " AND x.policy_domain" SCOPE_IN ")");
}

#define HOST_SEEN "(EXISTS (SELECT 1 FROM records r" \
    " WHERE r.source_ip = :ip AND r.policy_domain" SCOPE_IN ") OR EXISTS (SELECT 1" \
    " FROM failure_reports fr WHERE fr.source_ip = :ip" \
    " AND fr.policy_domain" SCOPE_IN "))"

/* A file name from an archive source (what SQLite's rtrim trick gives). */
#define SOURCE_BASE " substr(m.source, length(rtrim(m.source, replace(m.source, '/', ''))) + 1)"

static void
build_version(dbuf *b, const store_web_query *w)
{
	if (w->scope_tenant > 0) {
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
		    " (SELECT coalesce(sum(hashtext(domain || '/' || assigned_at)), 0) * 1000"
		    " + count(*) FROM tenant_domains WHERE tenant_id = :tenant) AS domains");
		return;
	}
	/* no rowid: an assignment's identity is its domain, tenant and time */
	dbuf_addstr(b, "SELECT (SELECT coalesce(max(id), 0) FROM reports) AS reports,"
	    " (SELECT coalesce(max(id), 0) FROM raw_messages) AS raws,"
	    " (SELECT count(*) FROM quarantine WHERE resolved = 0) AS quarantine,"
	    " (SELECT coalesce(max(id), 0) + count(*) FROM senders) AS senders,"
	    " (SELECT coalesce(max(updated_at), 0) FROM hosts) AS hosts,"
	    " (SELECT coalesce(sum(hashtext(domain || '/' || tenant_id || '/' || assigned_at)), 0)"
	    " + count(*) FROM tenant_domains) AS assigned,"
	    " (SELECT count(*) FROM analysis_pending) AS pending");	/* last (bg.c) */
}

static int
build(dbuf *b, int q, const store_web_query *w, int partial)
{
	switch (q) {
	case SWQ_VERSION:
		build_version(b, w);
		break;
	case SWQ_DOMAINS:
		/* from domain_summary (migration 014, one row a domain), as on
		 * SQLite; last_end is the end of the report that began last */
		dbuf_addstr(b, "SELECT rp.policy_domain AS domain, rp.reports AS reports,"
		    " rp.messages AS messages, rp.first_begin AS first_begin,"
		    " rp.last_end AS last_end, (SELECT t.name FROM tenant_domains td"
		    " JOIN tenants t ON t.id = td.tenant_id WHERE td.domain = rp.policy_domain)"
		    " AS tenant FROM domain_summary rp WHERE true");
		scope(b, w, "rp.policy_domain");
		dbuf_addstr(b, " ORDER BY messages DESC, rp.policy_domain COLLATE \"C\"");
		break;
	case SWQ_RECORDS:
		if (plain_list(w)) {
			dbuf_addstr(b, REC_COLS);
			dbuf_addstr(b, " FROM (SELECT r.id AS pid");
			dbuf_addstr(b, REC_FROM);
		} else if (!counts_records(w, partial)) {
			window_cte(b, w);
			dbuf_addstr(b, REC_COLS);
			dbuf_addstr(b, " FROM (SELECT r.id AS pid");
			dbuf_addstr(b, WIN_FROM);
		} else {
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
		    " rp.ingested_at AS ingested_at, " SOURCE_BASE " AS source, m.state AS raw_state,"
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
		/* h.ptr and h.country follow r.source_ip (one hosts row per ip) */
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
		dbuf_addstr(b, " GROUP BY r.source_ip, r.sender_kind, r.service, h.ptr, h.country"
		    " ORDER BY messages DESC, r.source_ip COLLATE \"C\", r.sender_kind,"
		    " r.service COLLATE \"C\" NULLS FIRST LIMIT 5000");
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
		dbuf_addstr(b, "SELECT rp.date_begin / 86400 * 86400 AS day, r.cls AS class,"
		    " sum(r.count) AS messages FROM records r"
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
		dbuf_addstr(b, " GROUP BY 1 ORDER BY messages DESC, coalesce(h.country, '') COLLATE \"C\"");
		break;
	case SWQ_QUARANTINE:
		dbuf_addstr(b, "SELECT q.id AS id, q.raw_id AS raw_id, q.reason AS reason,"
		    " q.created_at AS created_at, q.retried_at AS retried_at,"
		    " q.resolved AS resolved, " SOURCE_BASE " AS source, m.state AS raw_state,"
		    " m.size AS raw_size FROM quarantine q LEFT JOIN raw_messages m"
		    " ON m.id = q.raw_id");
		if (w->scope_tenant != 0)	/* the provider's, never a tenant's */
			dbuf_addstr(b, " WHERE false");
		dbuf_addstr(b, " ORDER BY q.id DESC LIMIT 1000");
		break;
	default:
		return -1;
	}
	return 0;
}

/* The totals of the last windowed mail-list page (as in store_sqlite_web.c). */
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
	    (long long)w->scope_tenant, w->domain ? strlen(w->domain) : (size_t)0,
	    w->domain ? w->domain : "", (long long)w->since, (long long)w->until, w->cls, w->result,
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

static int
first_int(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	(void)names;
	if (ncol > 0)
		*(int64_t *)ctx = v[0].i;
	return 1;
}

/* 1 in *partial when the candidates number more than limit. */
static int
window_partial(pg_store *q, const store_web_query *w, int64_t limit, int *partial)
{
	pg_wbind bd = { .w = w, .scan = limit };
	int64_t n = 0;
	dbuf b;
	int rc;

	dbuf_init(&b, 4096);
	if (w->ip != NULL) {
		dbuf_addstr(&b, "SELECT count(*) FROM (SELECT 1 FROM records r"
		    " WHERE r.source_ip = :ip");
		scope(&b, w, "r.policy_domain");
		dbuf_addstr(&b, " LIMIT :scan + 1) x");
	} else {
		dbuf_addstr(&b, "SELECT coalesce(sum(rp.record_count), 0) FROM reports rp");
		where_reports(&b, w);
		if (w->report_id > 0)
			dbuf_addstr(&b, " AND rp.id = :rid");
	}
	rc = pg_web_run(q, dbuf_cstr(&b), &bd, first_int, &n, "web window");
	dbuf_free(&b);
	*partial = n > limit;
	return rc;
}

static int64_t
scope_of(const dm_principal *who)
{
	if (who == NULL || who->method == AUTH_NONE)
		return -1;
	if (principal_is_operator(who))
		return 0;
	return who->tenant_id > 0 ? who->tenant_id : -1;
}

/* The mail-list page: its totals (last two columns) go to count_stash. */
struct page_ctx {
	store *s;
	const store_web_query *w;
	store_web_cb cb;
	void *ctx;
};

static int
page_row(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	struct page_ctx *p = ctx;

	if (ncol >= 2 && strcmp(names[ncol - 2], "_total") == 0) {
		if (count_stash.key == NULL) {
			count_stash.s = p->s;
			count_stash.key = filter_key(p->w);
			count_stash.records = v[ncol - 2].i;
			count_stash.messages = v[ncol - 1].i;
		}
		return p->cb(p->ctx, ncol - 2, names, v);
	}
	return p->cb(p->ctx, ncol, names, v);
}

static int
web_query(store *s, const dm_principal *who, int qn, const store_web_query *wq,
    store_web_cb cb, void *ctx)
{
	pg_store *q = PG(s);
	store_web_query wl;
	const store_web_query *w = &wl;
	pg_wbind bd;
	dbuf b;
	int rc, partial = 0, stashing;
	int64_t tenant = scope_of(who);

	if (tenant < 0) {
		snprintf(q->err, sizeof(q->err), "web query %d without a principal: refused", qn);
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
	if (qn >= SWQ_KINDS_FIRST && qn < SWQ_RAW_ACCESS)
		return pg_web_kinds_query(s, qn, w, cb, ctx);
	if (qn >= SWQ_OVERVIEW_FIRST && qn < SWQ__COUNT)	/* the domains overview */
		return pg_web_overview_query(s, qn, w, cb, ctx);
	if ((qn == SWQ_RECORDS_COUNT || qn == SWQ_RECORDS) && !plain_list(w) &&
	    window_partial(q, w, SCAN_MAX, &partial) != STORE_OK)
		return STORE_ERR;
	if ((qn == SWQ_SOURCES || qn == SWQ_COUNTRIES) &&
	    window_partial(q, w, AGG_MAX, &partial) != STORE_OK)
		return STORE_ERR;
	stashing = !plain_list(w) && counts_records(w, partial);
	if (qn == SWQ_RECORDS_COUNT && stashing) {
		char *key = filter_key(w);
		int hit = count_stash.s == s && count_stash.key != NULL &&
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
	if (qn == SWQ_RECORDS)
		stash_clear();
	dbuf_init(&b, 1 << 16);
	if (build(&b, qn, w, partial) != 0) {
		dbuf_free(&b);
		snprintf(q->err, sizeof(q->err), "unknown web query %d", qn);
		return STORE_ERR;
	}
	memset(&bd, 0, sizeof(bd));
	bd.w = w;
	bd.scan = qn == SWQ_SOURCES || qn == SWQ_COUNTRIES ? AGG_MAX : SCAN_MAX;
	bd.partial = partial;
	bd.stream = qn == SWQ_RECORDS_CSV;
	if (qn == SWQ_RECORDS && stashing) {
		struct page_ctx pc = { s, w, cb, ctx };

		rc = pg_web_run(q, dbuf_cstr(&b), &bd, page_row, &pc, "web query");
		if (rc == STORE_OK && count_stash.key == NULL && w->offset == 0) {
			/* no row on the first page: nothing matches */
			count_stash.s = s;
			count_stash.key = filter_key(w);
		}
	} else
		rc = pg_web_run(q, dbuf_cstr(&b), &bd, cb, ctx,
		    qn == SWQ_VERSION ? "web version" : "web query");
	dbuf_free(&b);
	return rc;
}

static void
web_watch(store *s, int (*stop)(void *ctx), void *ctx)
{
	PG(s)->stop = stop;
	PG(s)->stop_ctx = stop != NULL ? ctx : NULL;
}

/* The server refuses writes: a standby, default_transaction_read_only in
 * its configuration (not this session's query_only), or no INSERT right. */
static int
web_readonly(store *s)
{
	PGresult *r = PQexec(PG(s)->conn, "SELECT pg_is_in_recovery() OR (SELECT reset_val FROM"
	    " pg_settings WHERE name = 'default_transaction_read_only') = 'on'"
	    " OR NOT has_table_privilege('reports', 'INSERT')");
	int ro = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    PQgetvalue(r, 0, 0)[0] == 't';

	PQclear(r);
	return ro;
}

static int
web_query_only(store *s, int on)
{
	pg_store *q = PG(s);

	if (pg_exec_text(q, on ? "SET default_transaction_read_only = on" :
	    "SET default_transaction_read_only = off", "query_only") != STORE_OK)
		return STORE_ERR;
	q->query_only = on;
	return STORE_OK;
}

const struct store_web_ops store_pg_web_ops = {
	.query = web_query,
	.watch = web_watch,
	.readonly = web_readonly,
	.query_only = web_query_only,
};
