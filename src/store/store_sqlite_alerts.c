/*
 * store_sqlite_alerts.c - the SQLite side of store_alerts.h: the change log,
 * alert settings, alerts, summary runs and the delivery queue (tables of
 * src/store/sql/009_alerts.sql), and the few rollup reads the rules need.
 *
 * Alerts are low volume, so each call prepares its statement and finalizes
 * it, except the two change-log inserts the ingest writer calls (slots of
 * SQA_ALERTS in sqlite_priv.h).  Pending record batches are written
 * first, as for every other statement.
 *
 * Exports: store_sqlite_alerts_ops.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_alerts.h"

#define T(st, i) ((const char *)sqlite3_column_text((st), (i)))

static sqlite3_stmt *
prep(sq_store *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (q->batch != NULL && sq_batch_flush(q) != STORE_OK)
		return NULL;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "preparing an alerts statement");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Finalizes st; STORE_OK when the last step returned rc = ROW or DONE. */
static int
fin(sq_store *q, sqlite3_stmt *st, int rc, const char *what)
{
	int out = STORE_OK;

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		out = sq_fail(q, what);
	sqlite3_finalize(st);
	return out;
}

static int
step_once(sq_store *q, sqlite3_stmt *st, const char *what)
{
	return fin(q, st, sqlite3_step(st), what);
}

/* ---- change log ------------------------------------------------------------------------------ */

#define NEXT_SEQ "(SELECT coalesce(max(seq), 0) + 1 FROM alert_changes)"
/* The ingest's hot path does not read max(seq) (a scan of the change log,
 * which grows while nobody evaluates): its seq is the time in microseconds,
 * and an update takes at least seq + 1.  Either way a pair recorded again,
 * or deleted and recorded again, gets a seq above any the evaluator read. */
#define NOW_US "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"

/* On the ingest's hot path (once per report and day): a cached statement,
 * and no batch flush (alert_changes is not a record table). */
static int
al_change_add(store *s, const char *domain, int64_t day)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sq_prep_nobatch(q, SQA_ALERTS, 0, "INSERT INTO alert_changes(policy_domain, "
	    "day, seq) VALUES (?1, ?2, " NOW_US ") ON CONFLICT(policy_domain, day) DO UPDATE SET "
	    "seq = max(seq + 1, excluded.seq)");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, day);
	return sq_run(q, st, "recording a change");
}

/* The arrival day of a stored DMARC failure report (by its row id). */
static int
al_change_failure(store *s, int64_t failure_id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sq_prep_nobatch(q, SQA_ALERTS, 1, "INSERT INTO alert_changes(policy_domain, "
	    "day, seq) SELECT policy_domain, arrival_time / 86400 - (arrival_time % 86400 < 0), "
	    NOW_US " FROM failure_reports WHERE id = ?1 AND is_dmarc_failure = 1 AND "
	    "policy_domain IS NOT NULL AND policy_domain <> '' ON CONFLICT(policy_domain, day) "
	    "DO UPDATE SET seq = max(seq + 1, excluded.seq)");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, failure_id);
	return sq_run(q, st, "recording a change");
}

static int
al_change_scan(store *s, const char *domain, int64_t since_day, int64_t until_day, int64_t *n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT INTO alert_changes(policy_domain, day, seq) "
	    "SELECT policy_domain, day, " NEXT_SEQ " + row_number() OVER (ORDER BY day, policy_domain) "
	    "FROM (SELECT DISTINCT policy_domain, day FROM rollup_day WHERE (?1 IS NULL OR "
	    "policy_domain = ?1) AND day >= ?2 AND day < ?3 UNION SELECT DISTINCT policy_domain, "
	    "arrival_time / 86400 FROM failure_reports WHERE (?1 IS NULL OR policy_domain = ?1) AND "
	    "arrival_time >= ?2 * 86400 AND arrival_time < ?3 * 86400) WHERE true "
	    "ON CONFLICT(policy_domain, day) DO UPDATE SET seq = excluded.seq");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since_day);
	sqlite3_bind_int64(st, 3, until_day);
	rc = step_once(q, st, "scanning days");
	*n = rc == STORE_OK ? sqlite3_changes(q->db) : 0;
	return rc;
}

static int
al_change_list(store *s, int limit, int (*cb)(void *, const char *, int64_t, int64_t), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT policy_domain, day, seq FROM alert_changes "
	    "ORDER BY day, policy_domain LIMIT ?1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, T(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)) != 0)
			break;
	return fin(q, st, rc, "reading changes");
}

/* BEGIN IMMEDIATE already holds the writer's lock: the pair is ours if it is
 * still pending (another process may have evaluated it since the list). */
static int
al_change_claim(store *s, const char *domain, int64_t day, int *ok)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT 1 FROM alert_changes WHERE policy_domain = ?1 AND day = ?2");
	int rc;

	*ok = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, day);
	rc = sqlite3_step(st);
	*ok = rc == SQLITE_ROW;
	return fin(q, st, rc, "claiming a change");
}

static int
al_change_done(store *s, const char *domain, int64_t day, int64_t seq)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "DELETE FROM alert_changes WHERE policy_domain = ?1 AND day = ?2 "
	    "AND seq <= ?3");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, seq);
	return step_once(q, st, "dropping a change");
}

/* ---- settings -------------------------------------------------------------------------------- */

#define SETTINGS_COLS "policy_domain, enabled, thresholds, recipients, webhook_url, webhook_secret, " \
	"webhook_format, cooldown_days, digest, summary, summary_weekday, summary_hour, " \
	"tz_offset_min, updated_at"

static void
settings_row(sqlite3_stmt *st, store_alert_settings *o)
{
	o->policy_domain = T(st, 0);
	o->enabled = sqlite3_column_int(st, 1);
	o->thresholds = T(st, 2);
	o->recipients = T(st, 3);
	o->webhook_url = T(st, 4);
	o->webhook_secret = T(st, 5);
	o->webhook_format = T(st, 6);
	o->cooldown_days = sqlite3_column_int(st, 7);
	o->digest = T(st, 8);
	o->summary = T(st, 9);
	o->summary_weekday = sqlite3_column_int(st, 10);
	o->summary_hour = sqlite3_column_int(st, 11);
	o->tz_offset_min = sqlite3_column_int(st, 12);
	o->updated_at = sqlite3_column_int64(st, 13);
}

static int
al_settings_get(store *s, const char *domain, int (*cb)(void *, const store_alert_settings *),
    void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT " SETTINGS_COLS " FROM alert_settings WHERE policy_domain = ?1");
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_alert_settings o;

		settings_row(st, &o);
		*found = 1;
		cb(ctx, &o);
	}
	return fin(q, st, rc, "reading alert settings");
}

static int
al_settings_list(store *s, int (*cb)(void *, const store_alert_settings *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT " SETTINGS_COLS " FROM alert_settings ORDER BY policy_domain");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_alert_settings o;

		settings_row(st, &o);
		if (cb(ctx, &o) != 0)
			break;
	}
	return fin(q, st, rc, "reading alert settings");
}

static int
al_settings_put(store *s, const store_alert_settings *in)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT OR REPLACE INTO alert_settings(" SETTINGS_COLS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, in->policy_domain);
	sqlite3_bind_int(st, 2, in->enabled);
	sq_bind_text(st, 3, in->thresholds ? in->thresholds : "{}");
	sq_bind_text(st, 4, in->recipients ? in->recipients : "[]");
	sq_bind_text(st, 5, in->webhook_url);
	sq_bind_text(st, 6, in->webhook_secret);
	sq_bind_text(st, 7, in->webhook_format ? in->webhook_format : "json");
	sqlite3_bind_int(st, 8, in->cooldown_days);
	sq_bind_text(st, 9, in->digest ? in->digest : "off");
	sq_bind_text(st, 10, in->summary ? in->summary : "weekly");
	sqlite3_bind_int(st, 11, in->summary_weekday);
	sqlite3_bind_int(st, 12, in->summary_hour);
	sqlite3_bind_int(st, 13, in->tz_offset_min);
	sqlite3_bind_int64(st, 14, in->updated_at);
	return step_once(q, st, "saving alert settings");
}

/* ---- rule reads ------------------------------------------------------------------------------ */

static int
al_src_day(store *s, const char *domain, int64_t day, int64_t min,
    int (*cb)(void *, const char *, int64_t, int64_t, int64_t), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT prefix, messages, dmarc_pass, spoofing FROM rollup_src "
	    "WHERE policy_domain = ?1 AND day = ?2 AND messages >= ?3 ORDER BY messages DESC, prefix "
	    "LIMIT 200");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, min);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, T(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		    sqlite3_column_int64(st, 3)) != 0)
			break;
	return fin(q, st, rc, "reading sources");
}

static int
al_src_seen(store *s, const char *domain, const char *prefix, int64_t since_day, int64_t before_day,
    int *seen)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT 1 FROM rollup_src WHERE policy_domain = ?1 AND prefix = ?2 "
	    "AND day >= ?3 AND day < ?4 AND messages > 0 LIMIT 1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sq_bind_text(st, 2, prefix);
	sqlite3_bind_int64(st, 3, since_day);
	sqlite3_bind_int64(st, 4, before_day);
	rc = sqlite3_step(st);
	*seen = rc == SQLITE_ROW;
	return fin(q, st, rc, "reading sources");
}

static int
al_org_days(store *s, const char *domain, int64_t since_day, int64_t until_day,
    int (*cb)(void *, const char *, int64_t, int64_t), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT org, day, reports FROM rollup_org WHERE policy_domain = ?1 "
	    "AND day >= ?2 AND day < ?3 AND reports > 0 ORDER BY org, day");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since_day);
	sqlite3_bind_int64(st, 3, until_day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, T(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)) != 0)
			break;
	return fin(q, st, rc, "reading reporters");
}

static int
al_policy_at(store *s, const char *domain, int64_t since, int64_t until,
    int (*cb)(void *, const store_alert_policy *), void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT p, sp, adkim, aspf, coalesce(pct, -1), org_name, date_begin "
	    "FROM reports WHERE policy_domain = ?1 AND date_begin >= ?2 AND date_begin < ?3 "
	    "ORDER BY date_begin DESC, id DESC LIMIT 1");
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_alert_policy p = { T(st, 0), T(st, 1), T(st, 2), T(st, 3),
		    sqlite3_column_int(st, 4), T(st, 5), sqlite3_column_int64(st, 6) };

		*found = 1;
		cb(ctx, &p);
	}
	return fin(q, st, rc, "reading the published policy");
}

static int
al_failure_day(store *s, const char *domain, int64_t day,
    int (*cb)(void *, int64_t, const char *, const char *, const char *, const char *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT count(*) OVER (), subject, source_ip, reporter, mail_from "
	    "FROM failure_reports WHERE policy_domain = ?1 AND is_dmarc_failure = 1 AND "
	    "arrival_time >= ?2 AND arrival_time < ?2 + 86400 ORDER BY arrival_time DESC, id DESC "
	    "LIMIT 1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, day * 86400);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(ctx, sqlite3_column_int64(st, 0), T(st, 1), T(st, 2), T(st, 3), T(st, 4));
	return fin(q, st, rc, "reading failure reports");
}

static int
al_first_day(store *s, const char *domain, int64_t *day, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT min(day) FROM rollup_day WHERE policy_domain = ?1");
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*day = sqlite3_column_int64(st, 0);
		*found = 1;
	}
	return fin(q, st, rc, "reading rollups");
}

/* ---- alerts ---------------------------------------------------------------------------------- */

static int
al_alert_add(store *s, const store_alert *a, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT INTO alerts(policy_domain, rule, subject_key, day, numbers, "
	    "link, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7) "
	    "ON CONFLICT(policy_domain, rule, subject_key, day) DO NOTHING");
	int rc;

	*id = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, a->policy_domain);
	sq_bind_text(st, 2, a->rule);
	sq_bind_text(st, 3, a->subject_key ? a->subject_key : "");
	sqlite3_bind_int64(st, 4, a->day);
	sq_bind_text(st, 5, a->numbers);
	sq_bind_text(st, 6, a->link);
	sqlite3_bind_int64(st, 7, a->created_at);
	rc = step_once(q, st, "adding an alert");
	if (rc == STORE_OK && sqlite3_changes(q->db) == 1)
		*id = sqlite3_last_insert_rowid(q->db);
	return rc;
}

static int
al_alert_near(store *s, const char *domain, const char *rule, const char *key, int64_t day,
    int window, int64_t *last_day, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT day FROM alerts WHERE policy_domain = ?1 AND rule = ?2 "
	    "AND subject_key = ?3 AND day > ?4 - ?5 AND day < ?4 + ?5 ORDER BY abs(day - ?4) LIMIT 1");
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sq_bind_text(st, 2, rule);
	sq_bind_text(st, 3, key ? key : "");
	sqlite3_bind_int64(st, 4, day);
	sqlite3_bind_int(st, 5, window);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*last_day = sqlite3_column_int64(st, 0);
		*found = 1;
	}
	return fin(q, st, rc, "reading alerts");
}

#define ALERT_COLS "a.id, a.policy_domain, a.rule, a.subject_key, a.day, a.numbers, a.link, a.state, " \
	"a.created_at, coalesce(a.acked_at, 0)"

static void
alert_row(sqlite3_stmt *st, int c, store_alert *a)
{
	a->id = sqlite3_column_int64(st, c);
	a->policy_domain = T(st, c + 1);
	a->rule = T(st, c + 2);
	a->subject_key = T(st, c + 3);
	a->day = sqlite3_column_int64(st, c + 4);
	a->numbers = T(st, c + 5);
	a->link = T(st, c + 6);
	a->state = T(st, c + 7);
	a->created_at = sqlite3_column_int64(st, c + 8);
	a->acked_at = sqlite3_column_int64(st, c + 9);
}

static int
al_alert_list(store *s, const store_alert_filter *f, int (*cb)(void *, const store_alert *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "SELECT " ALERT_COLS " FROM alerts a WHERE (?1 IS NULL OR "
	    "a.policy_domain = ?1) AND (?2 IS NULL OR a.state = ?2) AND (?4 = 0 OR a.id = ?4) AND "
	    "(?5 IS NULL OR a.rule = ?5) ORDER BY a.day DESC, a.id DESC LIMIT ?3");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, f->domain);
	sq_bind_text(st, 2, f->state);
	sqlite3_bind_int(st, 3, f->limit > 0 ? f->limit : 100);
	sqlite3_bind_int64(st, 4, f->id);
	sq_bind_text(st, 5, f->rule);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_alert a;

		alert_row(st, 0, &a);
		if (cb(ctx, &a) != 0)
			break;
	}
	return fin(q, st, rc, "reading alerts");
}

static int
al_alert_ack(store *s, int64_t id, int64_t now, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "UPDATE alerts SET state = 'acknowledged', acked_at = "
	    "coalesce(acked_at, ?2) WHERE id = ?1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	rc = step_once(q, st, "acknowledging an alert");
	*found = rc == STORE_OK && sqlite3_changes(q->db) == 1;
	return rc;
}

/* ---- summaries ------------------------------------------------------------------------------- */

static int
al_summary_add(store *s, const char *domain, const char *kind, int64_t start, int64_t end,
    int64_t now, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT INTO summary_runs(policy_domain, kind, period_start, "
	    "period_end, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT(policy_domain, kind, period_start) DO NOTHING");
	int rc;

	*id = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sq_bind_text(st, 2, kind);
	sqlite3_bind_int64(st, 3, start);
	sqlite3_bind_int64(st, 4, end);
	sqlite3_bind_int64(st, 5, now);
	rc = step_once(q, st, "adding a summary run");
	if (rc == STORE_OK && sqlite3_changes(q->db) == 1)
		*id = sqlite3_last_insert_rowid(q->db);
	return rc;
}

/* ---- delivery queue -------------------------------------------------------------------------- */

static int
al_delivery_add(store *s, int64_t alert_id, int64_t summary_id, const char *channel, const char *lang,
    int64_t next_attempt, int64_t now, int *added)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "INSERT INTO alert_deliveries(alert_id, summary_id, channel, lang, "
	    "state, attempts, next_attempt, created_at) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?6) "
	    "ON CONFLICT DO NOTHING");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	if (alert_id != 0)
		sqlite3_bind_int64(st, 1, alert_id);
	if (summary_id != 0)
		sqlite3_bind_int64(st, 2, summary_id);
	sq_bind_text(st, 3, channel);
	sq_bind_text(st, 4, lang);
	sqlite3_bind_int64(st, 5, next_attempt);
	sqlite3_bind_int64(st, 6, now);
	rc = step_once(q, st, "queueing a delivery");
	*added = rc == STORE_OK && sqlite3_changes(q->db) == 1;
	return rc;
}

#define DELIVERY_SELECT "SELECT d.id, coalesce(d.alert_id, 0), coalesce(d.summary_id, 0), d.channel, " \
	"d.lang, d.state, d.last_error, d.attempts, d.next_attempt, coalesce(d.sent_at, 0), " \
	"d.created_at, r.kind, coalesce(r.period_start, 0), coalesce(r.period_end, 0), " \
	"r.policy_domain, " ALERT_COLS " FROM alert_deliveries d LEFT JOIN alerts a ON a.id = d.alert_id " \
	"LEFT JOIN summary_runs r ON r.id = d.summary_id "

static int
deliveries(sq_store *q, sqlite3_stmt *st, int (*cb)(void *, const store_delivery *), void *ctx)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_delivery d;

		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(st, 0);
		d.alert_id = sqlite3_column_int64(st, 1);
		d.summary_id = sqlite3_column_int64(st, 2);
		d.channel = T(st, 3);
		d.lang = T(st, 4);
		d.state = T(st, 5);
		d.last_error = T(st, 6);
		d.attempts = sqlite3_column_int(st, 7);
		d.next_attempt = sqlite3_column_int64(st, 8);
		d.sent_at = sqlite3_column_int64(st, 9);
		d.created_at = sqlite3_column_int64(st, 10);
		d.summary_kind = T(st, 11);
		d.period_start = sqlite3_column_int64(st, 12);
		d.period_end = sqlite3_column_int64(st, 13);
		if (d.alert_id != 0)
			alert_row(st, 15, &d.alert);
		else
			d.alert.policy_domain = T(st, 14);
		if (cb(ctx, &d) != 0)
			break;
	}
	return fin(q, st, rc, "reading the delivery queue");
}

static int
al_delivery_due(store *s, int64_t now, int limit, int (*cb)(void *, const store_delivery *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, DELIVERY_SELECT "WHERE d.state = 'pending' AND d.next_attempt <= ?1 "
	    "ORDER BY d.next_attempt, d.id LIMIT ?2");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, limit);
	return deliveries(q, st, cb, ctx);
}

static int
al_delivery_list(store *s, int64_t alert_id, int limit, int (*cb)(void *, const store_delivery *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, DELIVERY_SELECT "WHERE ?1 = 0 OR d.alert_id = ?1 ORDER BY d.id LIMIT ?2");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_int(st, 2, limit);
	return deliveries(q, st, cb, ctx);
}

static int
al_delivery_claim(store *s, int64_t id, int64_t expect, int64_t lease_until, int *ok)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "UPDATE alert_deliveries SET next_attempt = ?3, attempts = attempts + 1 "
	    "WHERE id = ?1 AND state = 'pending' AND next_attempt = ?2");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, expect);
	sqlite3_bind_int64(st, 3, lease_until);
	rc = step_once(q, st, "claiming a delivery");
	*ok = rc == STORE_OK && sqlite3_changes(q->db) == 1;
	return rc;
}

static int
al_delivery_finish(store *s, int64_t id, const char *state, const char *error, int64_t next_attempt,
    int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = prep(q, "UPDATE alert_deliveries SET state = ?2, last_error = ?3, "
	    "next_attempt = ?4, sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END WHERE id = ?1");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_text(st, 2, state);
	sq_bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, next_attempt);
	sqlite3_bind_int64(st, 5, now);
	return step_once(q, st, "updating a delivery");
}

const struct store_alerts_ops store_sqlite_alerts_ops = {
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
