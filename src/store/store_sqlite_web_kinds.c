/*
 * store_sqlite_web_kinds.c - the portal's reads of failure reports (the
 * threats list, a report, its URLs, the URL view) and of TLS reports, for
 * SQLite (store_web.h, SWQ_KINDS_FIRST on; tables of sql/007_kinds.sql).
 * store_sqlite_web.c hands every query from SWQ_KINDS_FIRST on to
 * sq_web_kinds_query() here.
 *
 * As in store_sqlite_web.c, each query is built from fixed SQL fragments
 * (a clause only for a filter that is set) and every value is bound by name;
 * nothing from the request reaches the SQL text.
 *
 * Bounds.  The threats list, its counts and the URL view work on a window:
 * the newest SCAN_MAX failure reports of the range, read by index
 * (failure_reports_ip_time with ip=, failure_reports_domain_time with
 * domain=, failure_reports_time otherwise) down to a bound found first
 * (fr_bound: the SCAN_MAX-th entry of the index range), so a page comes in
 * index order without a sort and a count reads at most SCAN_MAX rows; the
 * other filters (kind, reporter, URL domain, q) apply inside it, and the
 * rows say partial = 1 when the range holds more.  The URL view also stops
 * after STORE_WEB_URL_MAX URL rows of those reports (partial likewise).  The CSV download walks every
 * matching row in index order (streamed by the caller).  TLS reads sum the
 * newest AGG_MAX policy rows of the range (tls_policies_domain_begin with
 * domain=), with partial likewise; their lists end at fixed LIMITs.
 *
 * Isolation: as in store_sqlite_web.c, a tenant's query (w->scope_tenant
 * > 0, set by the query op from the principal) reads only rows whose
 * policy_domain is one of the tenant's (scope(): fr_range, the TLS window,
 * every by-id read); the URL counts count the tenant's reports only.
 *
 * Exports: sq_web_kinds_query.  Errors: STORE_ERR with the message in the
 * store (store_errmsg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_web.h"
#include "../util/dbuf.h"

#define MAXCOL 40
#define SCAN_MAX STORE_WEB_SCAN_MAX
#define AGG_MAX STORE_WEB_AGG_MAX


/* A tenant's domains (store_web.h); :tenant is bound to w->scope_tenant. */
#define SCOPE_IN " IN (SELECT domain FROM tenant_domains WHERE tenant_id = :tenant)"

static void
scope(dbuf *b, const store_web_query *w, const char *col)
{
	if (w->scope_tenant > 0)	/* "+": a filter, the plan stays the operator's */
		dbuf_printf(b, " AND +%s" SCOPE_IN, col);
}

/* ---- failure reports ------------------------------------------------------ */

/* The range part of the window, on failure_reports as fr. */
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

static const char *
fr_index(const store_web_query *w)
{
	return w->ip != NULL ? " INDEXED BY failure_reports_ip_time" : w->domain != NULL ?
	    " INDEXED BY failure_reports_domain_time" : " INDEXED BY failure_reports_time";
}

/*
 * The window: the newest SCAN_MAX failure reports of the range end at the
 * bound (arrival_time, id) that fr_bound() finds (the SCAN_MAX-th row in
 * index order); a query reads the range from the index down to it, so the
 * index both bounds the work and gives the order (no sort for a page).
 */
static const char *HOSTS = " LEFT JOIN hosts h ON h.ip = fr.source_ip";
static const char *URLS = " JOIN failure_urls u ON u.failure_id = fr.id";

/* FROM failure_reports fr [join] WHERE range and window */
static void
fr_window(dbuf *b, const store_web_query *w, int bounded, const char *join)
{
	dbuf_printf(b, " FROM failure_reports fr%s%s WHERE 1=1", fr_index(w), join);
	fr_range(b, w);
	if (bounded)
		dbuf_addstr(b, " AND fr.arrival_time >= :bt AND NOT (fr.arrival_time = :bt AND"
		    " fr.id < :bid)");
}

/* The filters applied inside the window (or to every row for the CSV). */
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
		    " OR instr(lower(coalesce(fr.subject, '')), lower(:q)) > 0"
		    " OR instr(lower(coalesce(fr.mail_from, '')), lower(:q)) > 0"
		    " OR instr(lower(coalesce(fr.reporter, '')), lower(:q)) > 0)");
}

/* The list columns; _service is for the My Senders match, not shown. */
static const char *FR_COLS =
    "SELECT fr.id AS id, fr.arrival_time AS arrival_time, fr.reporter AS reporter,"
    " fr.reporter_domain AS reporter_domain, fr.source_ip AS source_ip, h.ptr AS ptr,"
    " h.country AS country, h.service AS _service, fr.subject AS subject,"
    " fr.mail_from AS mail_from, fr.policy_domain AS policy_domain,"
    " fr.auth_failure AS auth_failure, fr.feedback_type AS feedback_type,"
    " fr.delivery_result AS delivery_result, fr.url_count AS url_count,"
    " fr.attachment_count AS attachment_count, fr.flags AS flags";

/* ---- TLS reports ---------------------------------------------------------- */

/* WITH tw(id): the newest AGG_MAX policy rows of the range. */
static void
tls_window(dbuf *b, const store_web_query *w)
{
	dbuf_printf(b, "WITH tw(id) AS (SELECT p.id FROM tls_policies p%s WHERE 1=1",
	    w->domain != NULL ? " INDEXED BY tls_policies_domain_begin" : "");
	scope(b, w, "p.policy_domain");
	if (w->domain != NULL)
		dbuf_addstr(b, " AND p.policy_domain = :dom");
	if (w->since > 0)
		dbuf_addstr(b, " AND p.date_begin >= :since");
	if (w->until > 0)
		dbuf_addstr(b, " AND p.date_begin < :until");
	dbuf_addstr(b, " ORDER BY p.date_begin DESC, p.id DESC LIMIT :agg) ");
}

/* ---- the queries ----------------------------------------------------------- */

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
		dbuf_addstr(b, "SELECT fr.policy_domain AS policy_domain, fr.source_ip AS source_ip,"
		    " h.ptr AS ptr, h.service AS service, count(*) AS n, :partial AS partial");
		fr_window(b, w, bounded, HOSTS);
		fr_filters(b, w);
		dbuf_addstr(b, " GROUP BY fr.policy_domain, fr.source_ip");
		break;
	case SWQ_THREATS_RECEIVED:
		/* every failure report of the domain and range: a covering index range */
		dbuf_printf(b, "SELECT count(*) AS n FROM failure_reports fr%s WHERE 1=1",
		    w->domain != NULL ? " INDEXED BY failure_reports_domain_time" :
		    " INDEXED BY failure_reports_time");
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
		dbuf_printf(b, " FROM failure_reports fr%s LEFT JOIN hosts h ON h.ip = fr.source_ip"
		    " WHERE 1=1", fr_index(w));
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
		/* the count per URL goes through failure_urls_url */
		dbuf_addstr(b, "SELECT u.url AS url, u.host AS host, u.reg_domain AS reg_domain,"
		    " u.flags AS flags, u.count AS count,"
		    " (SELECT count(*) FROM failure_urls x WHERE x.url = u.url");
		scope(b, w, "x.policy_domain");	/* the tenant's reports holding it */
		dbuf_addstr(b, ") AS reports FROM failure_urls u WHERE u.failure_id = :id");
		scope(b, w, "u.policy_domain");
		dbuf_addstr(b, " ORDER BY u.count DESC, u.url LIMIT 1000");
		break;
	case SWQ_URLS:
	case SWQ_URLS_COUNT:
		/* the URL rows of the window's reports, newest report first, at most
		 * URL_MAX of them (a report may hold hundreds): read in index order
		 * and cut there, then grouped */
		if (q == SWQ_URLS_COUNT)
			dbuf_addstr(b, "SELECT count(*) AS total, (coalesce(sum(n), 0) >= :umax OR"
			    " :partial) AS partial FROM (");
		if (w->by_domain)
			dbuf_addstr(b, "SELECT coalesce(u.reg_domain, u.host, '') AS reg_domain,"
			    " count(DISTINCT u.url) AS urls, count(DISTINCT u.failure_id) AS reports,");
		else	/* one row per (failure_id, url): per url, count(*) is the reports */
			dbuf_addstr(b, "SELECT u.url AS url, min(u.host) AS host,"
			    " min(u.reg_domain) AS reg_domain, count(*) AS reports,");
		dbuf_addstr(b, " sum(u.count) AS occurrences, min(u.seen_at) AS first_seen,"
		    " max(u.seen_at) AS last_seen, count(*) AS n");
		if (q == SWQ_URLS)	/* the totals in the same pass (no second grouping) */
			dbuf_addstr(b, ", count(*) OVER () AS _total,"
			    " (sum(count(*)) OVER () >= :umax OR :partial) AS _partial");
		dbuf_addstr(b, " FROM (SELECT u.url AS url, u.host AS host, u.reg_domain AS reg_domain,"
		    " u.failure_id AS failure_id, u.count AS count, u.seen_at AS seen_at");
		fr_window(b, w, bounded, URLS);
		fr_filters(b, w);
		if (w->url_domain != NULL)
			dbuf_addstr(b, " AND (u.reg_domain = lower(:ud) OR u.host = lower(:ud))");
		dbuf_addstr(b, " ORDER BY fr.arrival_time DESC, fr.id DESC LIMIT :umax) u");
		dbuf_addstr(b, w->by_domain ? " GROUP BY 1" : " GROUP BY u.url");
		if (q == SWQ_URLS_COUNT)
			dbuf_addstr(b, ")");
		else
			dbuf_addstr(b, " ORDER BY reports DESC, occurrences DESC, 1"
			    " LIMIT :limit OFFSET :offset");
		break;
	case SWQ_TLS_DOMAINS:
		dbuf_addstr(b, "SELECT DISTINCT policy_domain AS domain FROM tls_policies"
		    " INDEXED BY tls_policies_domain_begin WHERE 1=1");
		scope(b, w, "policy_domain");
		dbuf_addstr(b, " ORDER BY 1 LIMIT 1000");
		break;
	case SWQ_TLS_DAYS:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT date(p.date_begin, 'unixepoch') AS day,"
		    " sum(p.success_count) AS success, sum(p.failure_count) AS failure,"
		    " :partial AS partial FROM tw JOIN tls_policies p ON p.id = tw.id"
		    " GROUP BY 1 ORDER BY 1");
		break;
	case SWQ_TLS_TYPES:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT f.result_type AS result_type,"
		    " sum(f.failed_session_count) AS sessions FROM tw"
		    " JOIN tls_failures f INDEXED BY tls_failures_policy ON f.policy_id = tw.id"
		    " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200");
		break;
	case SWQ_TLS_FAILURES:
		tls_window(b, w);
		dbuf_addstr(b, "SELECT f.result_type AS result_type, f.sending_mta_ip AS sending_mta_ip,"
		    " f.receiving_ip AS receiving_ip,"
		    " f.receiving_mx_hostname AS receiving_mx_hostname,"
		    " f.receiving_mx_helo AS receiving_mx_helo,"
		    " sum(f.failed_session_count) AS sessions,"
		    " json_group_array(DISTINCT r.org_name) AS reporters,"
		    " f.failure_reason_code AS failure_reason_code,"
		    " f.additional_information AS additional_information"
		    " FROM tw JOIN tls_policies p ON p.id = tw.id"
		    " JOIN tls_reports r ON r.id = p.tls_report_id"
		    " JOIN tls_failures f INDEXED BY tls_failures_policy ON f.policy_id = p.id"
		    " GROUP BY f.result_type, f.sending_mta_ip, f.receiving_ip,"
		    " f.receiving_mx_hostname, f.receiving_mx_helo, f.failure_reason_code,"
		    " f.additional_information ORDER BY sessions DESC, 1, 2 LIMIT 500");
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
		dbuf_addstr(b, " FROM failure_reports fr INDEXED BY failure_reports_ip_time"
		    " WHERE fr.source_ip = :ip");
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
		    " INDEXED BY failure_reports_domain_time WHERE policy_domain <> ''");
		scope(b, w, "policy_domain");
		dbuf_addstr(b, " GROUP BY policy_domain UNION ALL"
		    " SELECT policy_domain, 0, count(DISTINCT tls_report_id) FROM tls_policies"
		    " INDEXED BY tls_policies_domain_begin WHERE 1=1");
		scope(b, w, "policy_domain");
		dbuf_addstr(b, " GROUP BY policy_domain) k GROUP BY k.domain ORDER BY k.domain"
		    " LIMIT 10000");
		break;
	case SWQ_IP_CLASS:
		dbuf_addstr(b, "SELECT cls AS class, sum(count) AS messages FROM (SELECT r.cls AS cls,"
		    " r.count AS count FROM records r INDEXED BY records_ip WHERE r.source_ip = :ip");
		scope(b, w, "r.policy_domain");
		if (w->domain != NULL)
			dbuf_addstr(b, " AND r.policy_domain = :dom");
		dbuf_addstr(b, " ORDER BY r.id DESC LIMIT :scan) GROUP BY cls"
		    " ORDER BY messages DESC, cls DESC LIMIT 1");
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

/* The failure-report window of a query (fr_window). */
struct bound {
	int set;		/* the range holds at least SCAN_MAX reports */
	int64_t t, id;		/* the SCAN_MAX-th, newest first */
	int partial;		/* it holds more */
};

static void
bind_all(sqlite3_stmt *st, const store_web_query *w, int partial, const struct bound *bd)
{
	bind_named(st, ":bt", NULL, bd != NULL ? bd->t : 0, 0);
	bind_named(st, ":bid", NULL, bd != NULL ? bd->id : 0, 0);
	bind_named(st, ":dom", w->domain, 0, 1);
	bind_named(st, ":since", NULL, w->since, 0);
	bind_named(st, ":until", NULL, w->until, 0);
	bind_named(st, ":ip", w->ip, 0, 1);
	bind_named(st, ":id", NULL, w->id, 0);
	bind_named(st, ":limit", NULL, w->limit, 0);
	bind_named(st, ":offset", NULL, w->offset, 0);
	bind_named(st, ":q", w->search, 0, 1);
	bind_named(st, ":rep", w->reporter, 0, 1);
	bind_named(st, ":ud", w->url_domain, 0, 1);
	bind_named(st, ":scan", NULL, SCAN_MAX, 0);
	bind_named(st, ":agg", NULL, AGG_MAX, 0);
	bind_named(st, ":umax", NULL, STORE_WEB_URL_MAX, 0);
	bind_named(st, ":partial", NULL, partial, 0);
	bind_named(st, ":tenant", NULL, w->scope_tenant, 0);
}

/* 1 in *partial when the TLS range holds more than the window. */
static int
tls_partial(sq_store *sq, const store_web_query *w, int *partial)
{
	sqlite3_stmt *st;
	dbuf b;
	int rc;

	dbuf_init(&b, 4096);
	dbuf_addstr(&b, "SELECT count(*) FROM (SELECT 1 FROM tls_policies p WHERE 1=1");
	scope(&b, w, "p.policy_domain");
	if (w->domain != NULL)
		dbuf_addstr(&b, " AND p.policy_domain = :dom");
	if (w->since > 0)
		dbuf_addstr(&b, " AND p.date_begin >= :since");
	if (w->until > 0)
		dbuf_addstr(&b, " AND p.date_begin < :until");
	dbuf_addstr(&b, " LIMIT :agg + 1)");
	rc = sqlite3_prepare_v2(sq->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(sq, "web window");
	bind_all(st, w, 0, NULL);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*partial = sqlite3_column_int64(st, 0) > AGG_MAX;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sq_fail(sq, "web window");
	return STORE_OK;
}

/* The bound of the failure-report window: the SCAN_MAX-th report of the
 * range in index order (covering index, at most SCAN_MAX + 1 steps). */
static int
fr_bound(sq_store *sq, const store_web_query *w, struct bound *bd)
{
	sqlite3_stmt *st;
	dbuf b;
	int rc;

	memset(bd, 0, sizeof(*bd));
	dbuf_init(&b, 4096);
	dbuf_printf(&b, "SELECT fr.arrival_time, fr.id FROM failure_reports fr%s WHERE 1=1",
	    fr_index(w));
	fr_range(&b, w);
	dbuf_addstr(&b, " ORDER BY fr.arrival_time DESC, fr.id DESC LIMIT 2 OFFSET :scan - 1");
	rc = sqlite3_prepare_v2(sq->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(sq, "web window");
	bind_all(st, w, 0, NULL);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bd->set = 1;
		bd->t = sqlite3_column_int64(st, 0);
		bd->id = sqlite3_column_int64(st, 1);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			bd->partial = 1;
			rc = SQLITE_DONE;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(sq, "web window");
	return STORE_OK;
}

int
sq_web_kinds_query(store *s, int q, const store_web_query *w, store_web_cb cb, void *ctx)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = NULL;
	const char *names[MAXCOL];
	store_web_val v[MAXCOL];
	dbuf b, nb;
	int rc, ncol, stop = 0, partial = 0;
	struct bound bd;

	memset(&bd, 0, sizeof(bd));
	if (q == SWQ_TLS_DAYS && tls_partial(sq, w, &partial) != STORE_OK)
		return STORE_ERR;
	if (q == SWQ_THREATS || q == SWQ_THREATS_COUNT || q == SWQ_THREAT_SOURCES ||
	    q == SWQ_URLS || q == SWQ_URLS_COUNT) {
		if (fr_bound(sq, w, &bd) != STORE_OK)
			return STORE_ERR;
		partial = bd.partial;
	}
	dbuf_init(&b, 1 << 16);
	if (build(&b, q, w, bd.set) != 0) {
		dbuf_free(&b);
		snprintf(sq->err, sizeof(sq->err), "unknown web query %d", q);
		return STORE_ERR;
	}
	rc = sqlite3_prepare_v2(sq->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(sq, "web query");
	bind_all(st, w, partial, &bd);
	dbuf_init(&nb, 1 << 16);
	ncol = sqlite3_column_count(st);
	if (ncol > MAXCOL)
		ncol = MAXCOL;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
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
		stop = cb(ctx, ncol, names, v);
	}
	dbuf_free(&nb);
	if (!stop && rc != SQLITE_DONE) {
		sq_fail(sq, "web query");
		sqlite3_finalize(st);
		return STORE_ERR;
	}
	sqlite3_finalize(st);
	return STORE_OK;
}
