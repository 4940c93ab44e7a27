/*
 * store_sqlite_web_overview.c - the domains overview's reads for SQLite
 * (store_web.h, SWQ_OVERVIEW_FIRST on; issue 19).
 *
 * One row per policy domain the principal may see, over the period
 * [since, until), read from the two tables of migration 014 and never from
 * records: domain_summary gives the domain list and the last report,
 * rollup_domain_block and rollup_domain_day the period's sums (range seeks
 * per domain on their primary keys: the whole 8-day blocks, then the days
 * at either end), domain_summary the policy of the last report unless it
 * began after until (then a seek on reports_domain_begin), senders, alerts
 * and tenant_domains one seek each.  The policy guidance's next step (stats.c guidance(), the same
 * rules and thresholds, docs/STATS.md) is computed in SQL so it can be
 * sorted and filtered on.  Filters and sorts come from fixed tables; every
 * value is bound.  The page's rows get the distinct reporters of the period
 * (rollup_org) after LIMIT, unless the page is sorted by them.  Every row
 * carries the totals of every matching domain (window sums, columns _total,
 * _messages, ...), so a page costs one statement.
 *
 * Isolation: a tenant's query reads domain_summary only for the policy
 * domains of its tenant (tenant_domains), as store_sqlite_web.c's scope();
 * SWQ_OVERVIEW_DAYS the same for its one domain.
 *
 * Exports: sq_web_overview_query (sqlite_priv.h).  Errors: STORE_ERR with
 * the message in the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_priv.h"
#include "store_web.h"
#include "../util/dbuf.h"

#define MAXCOL 48
#define DAY 86400

#define SCOPE_IN " IN (SELECT domain FROM tenant_domains WHERE tenant_id = :tenant)"

/* ORDER BY keys (SWO_*); the domain name breaks ties. */
static const char *const sort_sql[SWO__COUNT] = {
	[SWO_DOMAIN] = "domain",
	[SWO_MESSAGES] = "messages",
	[SWO_DMARC] = "(messages = 0), dmarc_pass * 1.0 / messages",
	[SWO_SPF] = "(messages = 0), spf_aligned * 1.0 / messages",
	[SWO_DKIM] = "(messages = 0), dkim_aligned * 1.0 / messages",
	[SWO_SPOOFING] = "spoofing",
	[SWO_AUTH_FAILURE] = "auth_failure",
	[SWO_POLICY] = "(CASE p WHEN 'reject' THEN 3 WHEN 'quarantine' THEN 2 WHEN 'none' THEN 1"
	    " ELSE 0 END), coalesce(pct, 100)",
	[SWO_NEXT_STEP] = "(CASE next_step WHEN 'fix_senders' THEN 0 WHEN 'quarantine' THEN 1"
	    " WHEN 'reject' THEN 2 WHEN 'raise_pct' THEN 3 WHEN 'collect' THEN 4 ELSE 5 END)",
	[SWO_ALERTS] = "alerts",
	[SWO_REPORTERS] = "reporters",
	[SWO_LAST_REPORT] = "last_end",
	[SWO_TENANT] = "(tenant IS NOT NULL), tenant",
};

/* The reporters of a domain in the period (distinct reporting organisations). */
#define REPORTERS(t) "(SELECT count(DISTINCT o.org) FROM rollup_org o WHERE o.policy_domain = " \
    t ".domain AND o.day >= :d0 AND o.day < :d1)"

/* The policy guidance's next step (stats.c guidance()): fail is pct(auth
 * failures, messages) rounded to one decimal, days the span of days with
 * data, level 0 none / 1 quarantine / 2 reject, ramp pct < 100 or t=y. */
static const char *NEXT_STEP =
    "CASE WHEN messages = 0 THEN 'collect'"
    " WHEN lvl > 0 AND ramp THEN CASE WHEN auth_failure > 0 AND fail >"
    " (CASE WHEN lvl = 2 THEN 0.5 ELSE 2.0 END) THEN 'fix_senders' ELSE 'raise_pct' END"
    " WHEN lvl = 2 THEN 'stay'"
    " WHEN days >= 14 AND senders > 0 THEN CASE WHEN lvl = 0 THEN"
    " (CASE WHEN fail <= 2.0 THEN 'quarantine' ELSE 'fix_senders' END)"
    " ELSE (CASE WHEN fail <= 0.5 THEN 'reject' ELSE 'fix_senders' END) END"
    " WHEN auth_failure > 0 OR senders = 0 THEN 'fix_senders' ELSE 'stay' END";

/* The sums of one source (x: rollup_domain_day or rollup_domain_block). */
#define SUMS "coalesce(sum(x.messages), 0) AS messages, coalesce(sum(x.dmarc_pass), 0) AS dmarc_pass," \
    " coalesce(sum(x.spf_aligned), 0) AS spf_aligned, coalesce(sum(x.dkim_aligned), 0) AS dkim_aligned," \
    " coalesce(sum(x.forwarded), 0) AS forwarded, coalesce(sum(x.auth_failure), 0) AS auth_failure," \
    " coalesce(sum(x.spoofing), 0) AS spoofing"

/* name AS (every domain in scope and search, its summary row and the sums of
 * the day rows [lo, hi) or, blocks, of the block rows [lo, hi)) */
static void
part_cte(dbuf *b, const store_web_query *w, const char *name, int blocks, const char *lo,
    const char *hi)
{
	dbuf_printf(b, "%s AS (SELECT s.policy_domain AS domain, s.reports AS reports_all,"
	    " s.last_begin AS last_begin, s.last_end AS last_end, s.p AS s_p, s.sp AS s_sp, s.np AS s_np,"
	    " s.pct AS s_pct, s.testing AS s_testing, " SUMS ", %s AS fd, %s AS ld"
	    " FROM domain_summary s LEFT JOIN %s x ON x.policy_domain = s.policy_domain"
	    " AND x.%s >= %s AND x.%s < %s AND x.messages <> 0 WHERE 1=1", name,
	    blocks ? "min(x.first_day)" : "min(x.day)", blocks ? "max(x.last_day)" : "max(x.day)",
	    blocks ? "rollup_domain_block" : "rollup_domain_day", blocks ? "block" : "day", lo,
	    blocks ? "block" : "day", hi);
	if (w->scope_tenant > 0)
		dbuf_addstr(b, " AND s.policy_domain" SCOPE_IN);
	if (w->search != NULL)
		dbuf_addstr(b, " AND instr(s.policy_domain, lower(:q)) > 0");
	dbuf_addstr(b, " GROUP BY s.policy_domain)");
}

/* WITH d (the period's sums per domain), e (policy, senders, alerts,
 * tenant), f (flags, next step): every domain in scope and search.  The
 * period [d0, d1) is read as its whole 8-day blocks [b0, b1) and the days
 * before and after them (e0 = b0 * 8, e1 = b1 * 8); a period without a
 * whole block as days alone.  The policy is the summary's (the last report)
 * when that report began before until, else the last report begun before
 * until (a seek). */
static void
domains_cte(dbuf *b, const store_web_query *w, int blocked)
{
	if (!blocked) {
		part_cte(b, w, "WITH d0", 0, ":d0", ":d1");
		dbuf_addstr(b, ", d AS (SELECT *, coalesce(ld - fd + 1, 0) AS days FROM d0)");
	} else {
		part_cte(b, w, "WITH da", 0, ":d0", ":e0");
		part_cte(b, w, ", db", 1, ":b0", ":b1");
		part_cte(b, w, ", dc", 0, ":e1", ":d1");
		dbuf_addstr(b, ", d AS (SELECT a.domain AS domain, a.reports_all AS reports_all,"
		    " a.last_begin AS last_begin, a.last_end AS last_end, a.s_p AS s_p, a.s_sp AS s_sp,"
		    " a.s_np AS s_np, a.s_pct AS s_pct, a.s_testing AS s_testing,"
		    " a.messages + b.messages + c.messages AS messages,"
		    " a.dmarc_pass + b.dmarc_pass + c.dmarc_pass AS dmarc_pass,"
		    " a.spf_aligned + b.spf_aligned + c.spf_aligned AS spf_aligned,"
		    " a.dkim_aligned + b.dkim_aligned + c.dkim_aligned AS dkim_aligned,"
		    " a.forwarded + b.forwarded + c.forwarded AS forwarded,"
		    " a.auth_failure + b.auth_failure + c.auth_failure AS auth_failure,"
		    " a.spoofing + b.spoofing + c.spoofing AS spoofing,"
		    " coalesce(coalesce(c.ld, b.ld, a.ld) - coalesce(a.fd, b.fd, c.fd) + 1, 0) AS days"
		    " FROM da a JOIN db b ON b.domain = a.domain JOIN dc c ON c.domain = a.domain)");
	}
	dbuf_addstr(b, ", e AS MATERIALIZED (SELECT d.*,"
	    " CASE WHEN cur THEN s_p ELSE rp.p END AS p, CASE WHEN cur THEN s_sp ELSE rp.sp END AS sp,"
	    " CASE WHEN cur THEN s_np ELSE rp.np END AS np, CASE WHEN cur THEN s_pct ELSE rp.pct END AS pct,"
	    " CASE WHEN cur THEN s_testing ELSE rp.testing END AS testing,"
	    " (SELECT count(*) FROM senders n WHERE n.policy_domain = d.domain) AS senders,"
	    " (SELECT count(*) FROM alerts a WHERE a.policy_domain = d.domain"
	    " AND a.state = 'open') AS alerts,"
	    " (SELECT t.name FROM tenant_domains td JOIN tenants t ON t.id = td.tenant_id"
	    " WHERE td.domain = d.domain) AS tenant,"
	    " CASE WHEN d.messages > 0 THEN round(1000.0 * d.auth_failure / d.messages) / 10.0"
	    " ELSE 0 END AS fail"
	    " FROM (SELECT *, last_begin < :until AS cur FROM d) d LEFT JOIN reports rp ON rp.id ="
	    " CASE WHEN d.cur THEN NULL ELSE (SELECT r.id FROM reports r"
	    " WHERE r.policy_domain = d.domain AND r.date_begin < :until"
	    " ORDER BY r.date_begin DESC LIMIT 1) END),"
	    " g AS (SELECT e.*, CASE p WHEN 'reject' THEN 2 WHEN 'quarantine' THEN 1 ELSE 0 END AS lvl,"
	    " ((pct IS NOT NULL AND pct >= 0 AND pct < 100) OR testing = 'y') AS ramp FROM e),"
	    " f AS (SELECT g.*, ");
	dbuf_addstr(b, NEXT_STEP);
	dbuf_addstr(b, " AS next_step,"
	    " (spoofing > 0) AS spoofed, (auth_failure > 0 AND auth_failure * 50 > messages) AS failing,"
	    " (coalesce(p, 'none') = 'none') AS p_none, (last_end < :ref) AS silent,"
	    " (tenant IS NULL) AS unassigned FROM g) ");
}

static void
filter_where(dbuf *b, const store_web_query *w)
{
	dbuf_addstr(b, " WHERE 1=1");
	if (w->filter & SWO_F_SPOOFED)
		dbuf_addstr(b, " AND spoofed");
	if (w->filter & SWO_F_FAILING)
		dbuf_addstr(b, " AND failing");
	if (w->filter & SWO_F_PNONE)
		dbuf_addstr(b, " AND p_none");
	if (w->filter & SWO_F_SILENT)
		dbuf_addstr(b, " AND silent");
	if (w->filter & SWO_F_UNASSIGNED)
		dbuf_addstr(b, " AND unassigned");
}

static void
order_by(dbuf *b, const store_web_query *w)
{
	int k = w->sort >= 0 && w->sort < SWO__COUNT ? w->sort : SWO_MESSAGES;
	const char *dir = w->desc ? " DESC" : " ASC";
	const char *key = sort_sql[k], *comma;

	/* every part of a compound key in the chosen direction, except the
	 * leading "(messages = 0)" of a percentage: empty domains go last */
	dbuf_addstr(b, " ORDER BY ");
	if (strncmp(key, "(messages = 0), ", 16) == 0) {
		dbuf_addstr(b, "(messages = 0), ");
		key += 16;
	}
	while ((comma = strstr(key, "), ")) != NULL && k != SWO_NEXT_STEP) {
		dbuf_add(b, key, (size_t)(comma - key) + 1);
		dbuf_printf(b, "%s, ", dir);
		key = comma + 3;
	}
	dbuf_printf(b, "%s%s, domain%s", key, dir, k == SWO_DOMAIN ? "" : " ASC");
}

static const char *TOTALS =
    "count(*) OVER () AS _total, sum(messages) OVER () AS _messages,"
    " sum(dmarc_pass) OVER () AS _dmarc_pass, sum(spf_aligned) OVER () AS _spf_aligned,"
    " sum(dkim_aligned) OVER () AS _dkim_aligned, sum(forwarded) OVER () AS _forwarded,"
    " sum(auth_failure) OVER () AS _auth_failure, sum(spoofing) OVER () AS _spoofing,"
    " sum(spoofed) OVER () AS _spoofed, sum(failing) OVER () AS _failing,"
    " sum(p_none) OVER () AS _p_none, sum(silent) OVER () AS _silent,"
    " sum(unassigned) OVER () AS _unassigned";

static const char *COLS =
    "domain, tenant, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded, auth_failure,"
    " spoofing, days, p, sp, np, pct, testing, next_step, senders, alerts, last_begin, last_end,"
    " reports_all, spoofed, failing, p_none, silent, unassigned";

static int
build(dbuf *b, int q, const store_web_query *w, int blocked)
{
	switch (q) {
	case SWQ_OVERVIEW:
		domains_cte(b, w, blocked);
		if (w->sort == SWO_REPORTERS) {
			dbuf_printf(b, "SELECT * FROM (SELECT %s, " REPORTERS("f") " AS reporters, %s FROM f",
			    COLS, TOTALS);
			filter_where(b, w);
			dbuf_addstr(b, ")");
			order_by(b, w);
			dbuf_addstr(b, " LIMIT :limit OFFSET :offset");
			break;
		}
		dbuf_printf(b, "SELECT page.*, " REPORTERS("page") " AS reporters FROM (SELECT %s, %s FROM f",
		    COLS, TOTALS);
		filter_where(b, w);
		order_by(b, w);
		dbuf_addstr(b, " LIMIT :limit OFFSET :offset) page");
		order_by(b, w);
		break;
	case SWQ_OVERVIEW_TOTALS:
		domains_cte(b, w, blocked);
		dbuf_addstr(b, "SELECT count(*) AS _total, coalesce(sum(messages), 0) AS _messages,"
		    " coalesce(sum(dmarc_pass), 0) AS _dmarc_pass,"
		    " coalesce(sum(spf_aligned), 0) AS _spf_aligned,"
		    " coalesce(sum(dkim_aligned), 0) AS _dkim_aligned,"
		    " coalesce(sum(forwarded), 0) AS _forwarded,"
		    " coalesce(sum(auth_failure), 0) AS _auth_failure,"
		    " coalesce(sum(spoofing), 0) AS _spoofing, coalesce(sum(spoofed), 0) AS _spoofed,"
		    " coalesce(sum(failing), 0) AS _failing, coalesce(sum(p_none), 0) AS _p_none,"
		    " coalesce(sum(silent), 0) AS _silent, coalesce(sum(unassigned), 0) AS _unassigned"
		    " FROM f");
		filter_where(b, w);
		break;
	case SWQ_OVERVIEW_DAYS:
		dbuf_addstr(b, "SELECT day, messages, spoofing FROM rollup_domain_day"
		    " WHERE policy_domain = :dom AND day >= :d0 AND day < :d1");
		if (w->scope_tenant > 0)
			dbuf_addstr(b, " AND policy_domain" SCOPE_IN);
		dbuf_addstr(b, " ORDER BY day");
		break;
	default:
		return -1;
	}
	return 0;
}

static void
bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

static void
bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0 && v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int
sq_web_overview_query(store *s, int q, const store_web_query *w, store_web_cb cb, void *ctx)
{
	sq_store *sq = SQ(s);
	sqlite3_stmt *st = NULL;
	const char *names[MAXCOL];
	store_web_val v[MAXCOL];
	int64_t now = (int64_t)time(NULL), until, ref, d0, d1, b0, b1;
	dbuf b, nb;
	int rc, ncol, stop = 0, blocked;

	if (q == SWQ_OVERVIEW_DAYS && w->domain == NULL) {
		snprintf(sq->err, sizeof(sq->err), "overview days: no domain");
		return STORE_ERR;
	}
	d0 = w->since > 0 ? w->since / DAY : 0;
	d1 = w->until > 0 ? (w->until + DAY - 1) / DAY : INT32_MAX;
	b0 = (d0 + 7) / 8;
	b1 = d1 / 8;
	blocked = b1 > b0;
	dbuf_init(&b, 1 << 14);
	if (build(&b, q, w, blocked) != 0) {
		dbuf_free(&b);
		snprintf(sq->err, sizeof(sq->err), "unknown web query %d", q);
		return STORE_ERR;
	}
	rc = sqlite3_prepare_v2(sq->db, dbuf_cstr(&b), -1, &st, NULL);
	dbuf_free(&b);
	if (rc != SQLITE_OK)
		return sq_fail(sq, "web overview");
	/* silent: the last report ended SILENT_DAYS before the period's end
	 * (or before now, for a period that ends in the future) */
	until = w->until > 0 ? w->until : now + DAY;
	ref = (until < now ? until : now) - SWO_SILENT_DAYS * DAY;
	bind_int(st, ":d0", d0);
	bind_int(st, ":d1", d1);
	bind_int(st, ":b0", b0);
	bind_int(st, ":b1", b1);
	bind_int(st, ":e0", b0 * 8);
	bind_int(st, ":e1", b1 * 8);
	bind_int(st, ":until", until);
	bind_int(st, ":ref", ref);
	bind_int(st, ":limit", w->limit);
	bind_int(st, ":offset", w->offset);
	bind_int(st, ":tenant", w->scope_tenant);
	bind_text(st, ":q", w->search);
	bind_text(st, ":dom", w->domain);
	dbuf_init(&nb, 1 << 12);
	ncol = sqlite3_column_count(st);
	if (ncol > MAXCOL)
		ncol = MAXCOL;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nb.len == 0) {	/* names are copied once, at the first row */
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
		sq_fail(sq, "web overview");
		sqlite3_finalize(st);
		return STORE_ERR;
	}
	sqlite3_finalize(st);
	return STORE_OK;
}
