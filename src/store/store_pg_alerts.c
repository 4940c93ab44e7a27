/*
 * store_pg_alerts.c - the PostgreSQL side of store_alerts.h: the change log,
 * alert settings, alerts, summary runs and the delivery queue (tables of
 * src/store/sql_pg/009_alerts.sql), and the few rollup reads the rules need;
 * the port of store_sqlite_alerts.c, statement for statement.
 *
 * Several nodes may evaluate and deliver against one database; each piece of
 * work happens once:
 *   - an alert or a summary run is added by its unique key (ON CONFLICT DO
 *     NOTHING: the second node gets id 0 and queues nothing);
 *   - the evaluator claims a (domain, day) change for its transaction
 *     (change_claim): a transaction-scoped advisory lock on the domain, so
 *     one node at a time evaluates a domain (the cooldown reads see the
 *     other's alerts), then the change's row FOR UPDATE SKIP LOCKED: a row
 *     another node holds, or has done, is skipped;
 *   - a delivery is claimed FOR UPDATE SKIP LOCKED and moved to its lease in
 *     one statement, and only while it is still pending at the expected time.
 *
 * An add that finds its row there draws no id from the sequence, so alert,
 * run and delivery ids stay dense, as SQLite's (a rescan adds nothing and
 * moves no id).
 *
 * Statements are prepared in the PGA_ALERTS area, one slot each (enum below).
 * Text is ordered COLLATE "C", as SQLite orders it (by its bytes).
 *
 * Exports: store_pg_alerts_ops.  Errors: STORE_ERR with the handle's message
 * set (store_errmsg).
 */
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "store_alerts.h"

#define C_ "COLLATE \"C\""
/* The time in microseconds: the seq of a change recorded by the ingest; an
 * update takes at least seq + 1 (see store_sqlite_alerts.c). */
#define NOW_US "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
#define NEXT_SEQ "(SELECT coalesce(max(seq), 0) + 1 FROM alert_changes)"
/* pg_advisory_xact_lock's first key for "evaluating this domain" */
#define EVAL_LOCK "1701500015"

enum {
	L_CH_ADD, L_CH_FAIL, L_CH_SCAN, L_CH_LIST, L_CH_LOCK, L_CH_CLAIM, L_CH_DONE, L_SET_GET,
	L_SET_LIST, L_SET_PUT, L_SRC_DAY, L_SRC_SEEN, L_ORG_DAYS, L_POLICY, L_FAIL_DAY, L_FIRST_DAY, L_AL_ADD,
	L_AL_NEAR, L_AL_LIST, L_AL_ACK, L_SUM_ADD, L_DV_ADD, L_DV_DUE, L_DV_LIST, L_DV_CLAIM,
	L_DV_FINISH, L__COUNT
};

#define SETTINGS_COLS "policy_domain, enabled, thresholds, recipients, webhook_url, webhook_secret, " \
	"webhook_format, cooldown_days, digest, summary, summary_weekday, summary_hour, " \
	"tz_offset_min, updated_at"
#define ALERT_COLS "a.id, a.policy_domain, a.rule, a.subject_key, a.day, a.numbers, a.link, a.state, " \
	"a.created_at, coalesce(a.acked_at, 0)"
#define DELIVERY_SELECT "SELECT d.id, coalesce(d.alert_id, 0), coalesce(d.summary_id, 0), d.channel, " \
	"d.lang, d.state, d.last_error, d.attempts, d.next_attempt, coalesce(d.sent_at, 0), " \
	"d.created_at, r.kind, coalesce(r.period_start, 0), coalesce(r.period_end, 0), " \
	"r.policy_domain, " ALERT_COLS " FROM alert_deliveries d LEFT JOIN alerts a ON a.id = d.alert_id " \
	"LEFT JOIN summary_runs r ON r.id = d.summary_id "

static const char *const lsql[L__COUNT] = {
	[L_CH_ADD] = "INSERT INTO alert_changes(policy_domain, day, seq) VALUES ($1, $2, " NOW_US ") "
	    "ON CONFLICT (policy_domain, day) DO UPDATE SET seq = "
	    "GREATEST(alert_changes.seq + 1, EXCLUDED.seq)",
	[L_CH_FAIL] = "INSERT INTO alert_changes(policy_domain, day, seq) SELECT policy_domain, "
	    "arrival_time / 86400 - CASE WHEN arrival_time % 86400 < 0 THEN 1 ELSE 0 END, " NOW_US
	    " FROM failure_reports WHERE id = $1 AND is_dmarc_failure = 1 AND "
	    "policy_domain IS NOT NULL AND policy_domain <> '' ON CONFLICT (policy_domain, day) "
	    "DO UPDATE SET seq = GREATEST(alert_changes.seq + 1, EXCLUDED.seq)",
	[L_CH_SCAN] = "INSERT INTO alert_changes(policy_domain, day, seq) "
	    "SELECT policy_domain, day, " NEXT_SEQ " + row_number() OVER (ORDER BY day, "
	    "policy_domain " C_ ") FROM (SELECT DISTINCT policy_domain, day FROM rollup_day "
	    "WHERE ($1::text IS NULL OR policy_domain = $1::text) AND day >= $2::bigint AND "
	    "day < $3::bigint UNION SELECT DISTINCT policy_domain, arrival_time / 86400 "
	    "FROM failure_reports WHERE ($1::text IS NULL OR policy_domain = $1::text) AND "
	    "arrival_time >= $2::bigint * 86400 AND arrival_time < $3::bigint * 86400) c "
	    "ON CONFLICT (policy_domain, day) DO UPDATE SET seq = EXCLUDED.seq",
	[L_CH_LIST] = "SELECT policy_domain, day, seq FROM alert_changes "
	    "ORDER BY day, policy_domain " C_ " LIMIT $1",
	/* waits while another node evaluates the domain; then the row, with a
	 * snapshot taken after the wait */
	[L_CH_LOCK] = "SELECT pg_advisory_xact_lock(" EVAL_LOCK ", hashtext($1::text))",
	[L_CH_CLAIM] = "SELECT 1 FROM alert_changes WHERE policy_domain = $1 AND day = $2 "
	    "FOR UPDATE SKIP LOCKED",
	[L_CH_DONE] = "DELETE FROM alert_changes WHERE policy_domain = $1 AND day = $2 AND seq <= $3",
	[L_SET_GET] = "SELECT " SETTINGS_COLS " FROM alert_settings WHERE policy_domain = $1",
	[L_SET_LIST] = "SELECT " SETTINGS_COLS " FROM alert_settings ORDER BY policy_domain " C_,
	[L_SET_PUT] = "INSERT INTO alert_settings(" SETTINGS_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
	    "ON CONFLICT (policy_domain) DO UPDATE SET enabled = EXCLUDED.enabled, "
	    "thresholds = EXCLUDED.thresholds, recipients = EXCLUDED.recipients, "
	    "webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret, "
	    "webhook_format = EXCLUDED.webhook_format, cooldown_days = EXCLUDED.cooldown_days, "
	    "digest = EXCLUDED.digest, summary = EXCLUDED.summary, "
	    "summary_weekday = EXCLUDED.summary_weekday, summary_hour = EXCLUDED.summary_hour, "
	    "tz_offset_min = EXCLUDED.tz_offset_min, updated_at = EXCLUDED.updated_at",
	[L_SRC_DAY] = "SELECT prefix, messages, dmarc_pass, spoofing FROM rollup_src "
	    "WHERE policy_domain = $1 AND day = $2 AND messages >= $3 ORDER BY messages DESC, "
	    "prefix " C_ " LIMIT 200",
	[L_SRC_SEEN] = "SELECT 1 FROM rollup_src WHERE policy_domain = $1 AND prefix = $2 "
	    "AND day >= $3 AND day < $4 AND messages > 0 LIMIT 1",
	[L_ORG_DAYS] = "SELECT org, day, reports FROM rollup_org WHERE policy_domain = $1 "
	    "AND day >= $2 AND day < $3 AND reports > 0 ORDER BY org " C_ ", day",
	[L_POLICY] = "SELECT p, sp, adkim, aspf, coalesce(pct, -1), org_name, date_begin "
	    "FROM reports WHERE policy_domain = $1 AND date_begin >= $2 AND date_begin < $3 "
	    "ORDER BY date_begin DESC, id DESC LIMIT 1",
	[L_FAIL_DAY] = "SELECT count(*) OVER (), subject, source_ip, reporter, mail_from "
	    "FROM failure_reports WHERE policy_domain = $1 AND is_dmarc_failure = 1 AND "
	    "arrival_time >= $2::bigint AND arrival_time < $2::bigint + 86400 "
	    "ORDER BY arrival_time DESC, id DESC LIMIT 1",
	[L_FIRST_DAY] = "SELECT min(day) FROM rollup_day WHERE policy_domain = $1",
	[L_AL_ADD] = "INSERT INTO alerts(policy_domain, rule, subject_key, day, numbers, link, state, "
	    "created_at) SELECT $1::text, $2::text, $3::text, $4::bigint, $5::text, $6::text, 'open', "
	    "$7::bigint WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE policy_domain = $1::text AND "
	    "rule = $2::text AND subject_key = $3::text AND day = $4::bigint) "
	    "ON CONFLICT (policy_domain, rule, subject_key, day) DO NOTHING RETURNING id",
	[L_AL_NEAR] = "SELECT day FROM alerts WHERE policy_domain = $1 AND rule = $2 "
	    "AND subject_key = $3 AND day > $4::bigint - $5::bigint AND day < $4::bigint + $5::bigint "
	    "ORDER BY abs(day - $4::bigint), day LIMIT 1",
	[L_AL_LIST] = "SELECT " ALERT_COLS " FROM alerts a WHERE ($1::text IS NULL OR "
	    "a.policy_domain = $1::text) AND ($2::text IS NULL OR a.state = $2::text) AND "
	    "($4::bigint = 0 OR a.id = $4::bigint) AND ($5::text IS NULL OR a.rule = $5::text) "
	    "ORDER BY a.day DESC, a.id DESC LIMIT $3",
	[L_AL_ACK] = "UPDATE alerts SET state = 'acknowledged', acked_at = coalesce(acked_at, $2) "
	    "WHERE id = $1",
	[L_SUM_ADD] = "INSERT INTO summary_runs(policy_domain, kind, period_start, period_end, "
	    "created_at) SELECT $1::text, $2::text, $3::bigint, $4::bigint, $5::bigint "
	    "WHERE NOT EXISTS (SELECT 1 FROM summary_runs WHERE policy_domain = $1::text AND "
	    "kind = $2::text AND period_start = $3::bigint) "
	    "ON CONFLICT (policy_domain, kind, period_start) DO NOTHING RETURNING id",
	[L_DV_ADD] = "INSERT INTO alert_deliveries(alert_id, summary_id, channel, lang, state, "
	    "attempts, next_attempt, created_at) SELECT $1::bigint, $2::bigint, $3::text, $4::text, "
	    "'pending', 0, $5::bigint, $6::bigint WHERE NOT EXISTS (SELECT 1 FROM alert_deliveries "
	    "WHERE (alert_id = $1::bigint OR summary_id = $2::bigint) AND channel = $3::text) "
	    "ON CONFLICT DO NOTHING",
	[L_DV_DUE] = DELIVERY_SELECT "WHERE d.state = 'pending' AND d.next_attempt <= $1 "
	    "ORDER BY d.next_attempt, d.id LIMIT $2",
	[L_DV_LIST] = DELIVERY_SELECT "WHERE $1::bigint = 0 OR d.alert_id = $1::bigint "
	    "ORDER BY d.id LIMIT $2",
	/* compare-and-set; a row another node is claiming is skipped, not
	 * waited for (its claim moves next_attempt anyway) */
	[L_DV_CLAIM] = "UPDATE alert_deliveries SET next_attempt = $3, attempts = attempts + 1 "
	    "WHERE id = (SELECT id FROM alert_deliveries WHERE id = $1 AND state = 'pending' AND "
	    "next_attempt = $2 FOR UPDATE SKIP LOCKED)",
	[L_DV_FINISH] = "UPDATE alert_deliveries SET state = $2::text, last_error = $3, "
	    "next_attempt = $4, sent_at = CASE WHEN $2::text = 'sent' THEN $5::bigint ELSE sent_at "
	    "END WHERE id = $1",
};

static PGresult *
lx(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_ALERTS, i, lsql[i], p, what);
}

/* Runs a write: STORE_OK, and the rows it touched in *n (may be NULL). */
static int
lw(pg_store *q, int i, const pg_params *p, const char *what, int64_t *n)
{
	PGresult *r = lx(q, i, p, what);
	const char *t;

	if (n != NULL)
		*n = 0;
	if (r == NULL)
		return STORE_ERR;
	t = PQcmdTuples(r);
	if (n != NULL && t[0] != '\0')
		*n = strtoll(t, NULL, 10);
	PQclear(r);
	return STORE_OK;
}

/* An INSERT ... RETURNING id: *id, or 0 when nothing was added. */
static int
returning_id(PGresult *r, int64_t *id)
{
	*id = 0;
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) == 1)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

static void
dom_day(pg_params *p, const char *domain, int64_t day)
{
	pg_p_init(p);
	pg_p_text(p, domain);
	pg_p_int(p, day);
}

/* ---- change log ------------------------------------------------------------------------------ */

/* On the ingest's hot path (once per report and day): no batch flush
 * (alert_changes is not a record table), as on SQLite. */
static int
nobatch(pg_store *q, int i, const pg_params *p)
{
	PGresult *r = pg_exec_nobatch(q, PGA_ALERTS, i, lsql[i], p, "recording a change");

	if (r == NULL)
		return STORE_ERR;
	PQclear(r);
	return STORE_OK;
}

static int
al_change_add(store *s, const char *domain, int64_t day)
{
	pg_params p;

	if (pg_stage_grouped(PG(s)) && pg_changes_add(PG(s), domain, day) == 0)
		return STORE_OK;	/* written by the settle (store_pg_changes.c) */
	dom_day(&p, domain, day);
	return nobatch(PG(s), L_CH_ADD, &p);
}

/* The arrival day of a stored DMARC failure report (by its row id). */
static int
al_change_failure(store *s, int64_t failure_id)
{
	pg_params p;

	if (pg_stage_grouped(PG(s)) && pg_changes_add_failure(PG(s), failure_id) == 0)
		return STORE_OK;	/* written by the settle (store_pg_changes.c) */
	pg_p_init(&p);
	pg_p_int(&p, failure_id);
	return nobatch(PG(s), L_CH_FAIL, &p);
}

static int
al_change_scan(store *s, const char *domain, int64_t since_day, int64_t until_day, int64_t *n)
{
	pg_params p;

	dom_day(&p, domain, since_day);
	pg_p_int(&p, until_day);
	return lw(PG(s), L_CH_SCAN, &p, "scanning days", n);
}

static int
al_change_list(store *s, int limit, int (*cb)(void *, const char *, int64_t, int64_t), void *ctx)
{
	PGresult *r;
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, limit);
	if ((r = lx(PG(s), L_CH_LIST, &p, "reading changes")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0), pg_int(r, i, 1), pg_int(r, i, 2)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

static int
al_change_claim(store *s, const char *domain, int64_t day, int *ok)
{
	PGresult *r;
	pg_params p;

	*ok = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	if (lw(PG(s), L_CH_LOCK, &p, "claiming a domain", NULL) != STORE_OK)
		return STORE_ERR;
	dom_day(&p, domain, day);
	if ((r = lx(PG(s), L_CH_CLAIM, &p, "claiming a change")) == NULL)
		return STORE_ERR;
	*ok = PQntuples(r) > 0;
	PQclear(r);
	return STORE_OK;
}

static int
al_change_done(store *s, const char *domain, int64_t day, int64_t seq)
{
	pg_params p;

	dom_day(&p, domain, day);
	pg_p_int(&p, seq);
	return lw(PG(s), L_CH_DONE, &p, "dropping a change", NULL);
}

/* ---- settings -------------------------------------------------------------------------------- */

static void
settings_row(const PGresult *r, int i, store_alert_settings *o)
{
	o->policy_domain = pg_str(r, i, 0);
	o->enabled = (int)pg_int(r, i, 1);
	o->thresholds = pg_str(r, i, 2);
	o->recipients = pg_str(r, i, 3);
	o->webhook_url = pg_str(r, i, 4);
	o->webhook_secret = pg_str(r, i, 5);
	o->webhook_format = pg_str(r, i, 6);
	o->cooldown_days = (int)pg_int(r, i, 7);
	o->digest = pg_str(r, i, 8);
	o->summary = pg_str(r, i, 9);
	o->summary_weekday = (int)pg_int(r, i, 10);
	o->summary_hour = (int)pg_int(r, i, 11);
	o->tz_offset_min = (int)pg_int(r, i, 12);
	o->updated_at = pg_int(r, i, 13);
}

static int
al_settings_get(store *s, const char *domain, int (*cb)(void *, const store_alert_settings *),
    void *ctx, int *found)
{
	PGresult *r;
	pg_params p;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	if ((r = lx(PG(s), L_SET_GET, &p, "reading alert settings")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		store_alert_settings o;

		settings_row(r, 0, &o);
		*found = 1;
		cb(ctx, &o);
	}
	PQclear(r);
	return STORE_OK;
}

static int
al_settings_list(store *s, int (*cb)(void *, const store_alert_settings *), void *ctx)
{
	PGresult *r = lx(PG(s), L_SET_LIST, NULL, "reading alert settings");

	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_alert_settings o;

		settings_row(r, i, &o);
		if (cb(ctx, &o) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
al_settings_put(store *s, const store_alert_settings *in)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, in->policy_domain);
	pg_p_int(&p, in->enabled);
	pg_p_text(&p, in->thresholds ? in->thresholds : "{}");
	pg_p_text(&p, in->recipients ? in->recipients : "[]");
	pg_p_text(&p, in->webhook_url);
	pg_p_text(&p, in->webhook_secret);
	pg_p_text(&p, in->webhook_format ? in->webhook_format : "json");
	pg_p_int(&p, in->cooldown_days);
	pg_p_text(&p, in->digest ? in->digest : "off");
	pg_p_text(&p, in->summary ? in->summary : "weekly");
	pg_p_int(&p, in->summary_weekday);
	pg_p_int(&p, in->summary_hour);
	pg_p_int(&p, in->tz_offset_min);
	pg_p_int(&p, in->updated_at);
	return lw(PG(s), L_SET_PUT, &p, "saving alert settings", NULL);
}

/* ---- rule reads ------------------------------------------------------------------------------ */

static int
al_src_day(store *s, const char *domain, int64_t day, int64_t min,
    int (*cb)(void *, const char *, int64_t, int64_t, int64_t), void *ctx)
{
	PGresult *r;
	pg_params p;

	dom_day(&p, domain, day);
	pg_p_int(&p, min);
	if ((r = lx(PG(s), L_SRC_DAY, &p, "reading sources")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0), pg_int(r, i, 1), pg_int(r, i, 2), pg_int(r, i, 3)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

static int
al_src_seen(store *s, const char *domain, const char *prefix, int64_t since_day, int64_t before_day,
    int *seen)
{
	PGresult *r;
	pg_params p;

	*seen = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_text(&p, prefix);
	pg_p_int(&p, since_day);
	pg_p_int(&p, before_day);
	if ((r = lx(PG(s), L_SRC_SEEN, &p, "reading sources")) == NULL)
		return STORE_ERR;
	*seen = PQntuples(r) > 0;
	PQclear(r);
	return STORE_OK;
}

static int
al_org_days(store *s, const char *domain, int64_t since_day, int64_t until_day,
    int (*cb)(void *, const char *, int64_t, int64_t), void *ctx)
{
	PGresult *r;
	pg_params p;

	dom_day(&p, domain, since_day);
	pg_p_int(&p, until_day);
	if ((r = lx(PG(s), L_ORG_DAYS, &p, "reading reporters")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		if (cb(ctx, pg_str(r, i, 0), pg_int(r, i, 1), pg_int(r, i, 2)) != 0)
			break;
	PQclear(r);
	return STORE_OK;
}

static int
al_policy_at(store *s, const char *domain, int64_t since, int64_t until,
    int (*cb)(void *, const store_alert_policy *), void *ctx, int *found)
{
	PGresult *r;
	pg_params p;

	*found = 0;
	dom_day(&p, domain, since);
	pg_p_int(&p, until);
	if ((r = lx(PG(s), L_POLICY, &p, "reading the published policy")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		store_alert_policy o = { pg_str(r, 0, 0), pg_str(r, 0, 1), pg_str(r, 0, 2),
		    pg_str(r, 0, 3), (int)pg_int(r, 0, 4), pg_str(r, 0, 5), pg_int(r, 0, 6) };

		*found = 1;
		cb(ctx, &o);
	}
	PQclear(r);
	return STORE_OK;
}

static int
al_failure_day(store *s, const char *domain, int64_t day,
    int (*cb)(void *, int64_t, const char *, const char *, const char *, const char *), void *ctx)
{
	PGresult *r;
	pg_params p;

	dom_day(&p, domain, day * 86400);
	if ((r = lx(PG(s), L_FAIL_DAY, &p, "reading failure reports")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		cb(ctx, pg_int(r, 0, 0), pg_str(r, 0, 1), pg_str(r, 0, 2), pg_str(r, 0, 3),
		    pg_str(r, 0, 4));
	PQclear(r);
	return STORE_OK;
}

static int
al_first_day(store *s, const char *domain, int64_t *day, int *found)
{
	PGresult *r;
	pg_params p;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	if ((r = lx(PG(s), L_FIRST_DAY, &p, "reading rollups")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0 && !pg_isnull(r, 0, 0)) {
		*day = pg_int(r, 0, 0);
		*found = 1;
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- alerts ---------------------------------------------------------------------------------- */

static int
al_alert_add(store *s, const store_alert *a, int64_t *id)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, a->policy_domain);
	pg_p_text(&p, a->rule);
	pg_p_text(&p, a->subject_key ? a->subject_key : "");
	pg_p_int(&p, a->day);
	pg_p_text(&p, a->numbers);
	pg_p_text(&p, a->link);
	pg_p_int(&p, a->created_at);
	return returning_id(lx(PG(s), L_AL_ADD, &p, "adding an alert"), id);
}

static int
al_alert_near(store *s, const char *domain, const char *rule, const char *key, int64_t day,
    int window, int64_t *last_day, int *found)
{
	PGresult *r;
	pg_params p;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_text(&p, rule);
	pg_p_text(&p, key ? key : "");
	pg_p_int(&p, day);
	pg_p_int(&p, window);
	if ((r = lx(PG(s), L_AL_NEAR, &p, "reading alerts")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		*last_day = pg_int(r, 0, 0);
		*found = 1;
	}
	PQclear(r);
	return STORE_OK;
}

static void
alert_row(const PGresult *r, int i, int c, store_alert *a)
{
	a->id = pg_int(r, i, c);
	a->policy_domain = pg_str(r, i, c + 1);
	a->rule = pg_str(r, i, c + 2);
	a->subject_key = pg_str(r, i, c + 3);
	a->day = pg_int(r, i, c + 4);
	a->numbers = pg_str(r, i, c + 5);
	a->link = pg_str(r, i, c + 6);
	a->state = pg_str(r, i, c + 7);
	a->created_at = pg_int(r, i, c + 8);
	a->acked_at = pg_int(r, i, c + 9);
}

static int
al_alert_list(store *s, const store_alert_filter *f, int (*cb)(void *, const store_alert *), void *ctx)
{
	PGresult *r;
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, f->domain);
	pg_p_text(&p, f->state);
	pg_p_int(&p, f->limit > 0 ? f->limit : 100);
	pg_p_int(&p, f->id);
	pg_p_text(&p, f->rule);
	if ((r = lx(PG(s), L_AL_LIST, &p, "reading alerts")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_alert a;

		alert_row(r, i, 0, &a);
		if (cb(ctx, &a) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
al_alert_ack(store *s, int64_t id, int64_t now, int *found)
{
	pg_params p;
	int64_t n;
	int rc;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, now);
	rc = lw(PG(s), L_AL_ACK, &p, "acknowledging an alert", &n);
	*found = rc == STORE_OK && n == 1;
	return rc;
}

/* ---- summaries ------------------------------------------------------------------------------- */

static int
al_summary_add(store *s, const char *domain, const char *kind, int64_t start, int64_t end,
    int64_t now, int64_t *id)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_text(&p, kind);
	pg_p_int(&p, start);
	pg_p_int(&p, end);
	pg_p_int(&p, now);
	return returning_id(lx(PG(s), L_SUM_ADD, &p, "adding a summary run"), id);
}

/* ---- delivery queue -------------------------------------------------------------------------- */

static int
al_delivery_add(store *s, int64_t alert_id, int64_t summary_id, const char *channel, const char *lang,
    int64_t next_attempt, int64_t now, int *added)
{
	pg_params p;
	int64_t n;
	int rc;

	pg_p_init(&p);
	if (alert_id != 0)
		pg_p_int(&p, alert_id);
	else
		pg_p_null(&p);
	if (summary_id != 0)
		pg_p_int(&p, summary_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, channel);
	pg_p_text(&p, lang);
	pg_p_int(&p, next_attempt);
	pg_p_int(&p, now);
	rc = lw(PG(s), L_DV_ADD, &p, "queueing a delivery", &n);
	*added = rc == STORE_OK && n == 1;
	return rc;
}

static int
deliveries(PGresult *r, int (*cb)(void *, const store_delivery *), void *ctx)
{
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_delivery d;

		memset(&d, 0, sizeof(d));
		d.id = pg_int(r, i, 0);
		d.alert_id = pg_int(r, i, 1);
		d.summary_id = pg_int(r, i, 2);
		d.channel = pg_str(r, i, 3);
		d.lang = pg_str(r, i, 4);
		d.state = pg_str(r, i, 5);
		d.last_error = pg_str(r, i, 6);
		d.attempts = (int)pg_int(r, i, 7);
		d.next_attempt = pg_int(r, i, 8);
		d.sent_at = pg_int(r, i, 9);
		d.created_at = pg_int(r, i, 10);
		d.summary_kind = pg_str(r, i, 11);
		d.period_start = pg_int(r, i, 12);
		d.period_end = pg_int(r, i, 13);
		if (d.alert_id != 0)
			alert_row(r, i, 15, &d.alert);
		else
			d.alert.policy_domain = pg_str(r, i, 14);
		if (cb(ctx, &d) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static int
al_delivery_due(store *s, int64_t now, int limit, int (*cb)(void *, const store_delivery *), void *ctx)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, now);
	pg_p_int(&p, limit);
	return deliveries(lx(PG(s), L_DV_DUE, &p, "reading the delivery queue"), cb, ctx);
}

static int
al_delivery_list(store *s, int64_t alert_id, int limit, int (*cb)(void *, const store_delivery *),
    void *ctx)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, alert_id);
	pg_p_int(&p, limit);
	return deliveries(lx(PG(s), L_DV_LIST, &p, "reading the delivery queue"), cb, ctx);
}

static int
al_delivery_claim(store *s, int64_t id, int64_t expect, int64_t lease_until, int *ok)
{
	pg_params p;
	int64_t n;
	int rc;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, expect);
	pg_p_int(&p, lease_until);
	rc = lw(PG(s), L_DV_CLAIM, &p, "claiming a delivery", &n);
	*ok = rc == STORE_OK && n == 1;
	return rc;
}

static int
al_delivery_finish(store *s, int64_t id, const char *state, const char *error, int64_t next_attempt,
    int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_text(&p, state);
	pg_p_text(&p, error);
	pg_p_int(&p, next_attempt);
	pg_p_int(&p, now);
	return lw(PG(s), L_DV_FINISH, &p, "updating a delivery", NULL);
}

const struct store_alerts_ops store_pg_alerts_ops = {
	.change_add = al_change_add,
	.change_failure = al_change_failure,
	.change_scan = al_change_scan,
	.change_list = al_change_list,
	.change_claim = al_change_claim,
	.change_done = al_change_done,
	.settings_get = al_settings_get,
	.settings_put = al_settings_put,
	.settings_list = al_settings_list,
	.src_day = al_src_day,
	.src_seen = al_src_seen,
	.org_days = al_org_days,
	.policy_at = al_policy_at,
	.failure_day = al_failure_day,
	.first_day = al_first_day,
	.alert_add = al_alert_add,
	.alert_near = al_alert_near,
	.alert_list = al_alert_list,
	.alert_ack = al_alert_ack,
	.summary_add = al_summary_add,
	.delivery_add = al_delivery_add,
	.delivery_due = al_delivery_due,
	.delivery_claim = al_delivery_claim,
	.delivery_finish = al_delivery_finish,
	.delivery_list = al_delivery_list,
};
