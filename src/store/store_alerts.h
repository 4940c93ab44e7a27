/*
 * store_alerts.h - the alerts sub-interface of the store (conventions as in
 * store.h: STORE_OK / STORE_ERR with store_errmsg, strings copied, rows valid
 * only during the callback).  Tables: src/store/sql/009_alerts.sql.
 *
 * Three parts:
 *   - the change log: the ingest side (or `alerts run --scan-days`) records
 *     (domain, day) pairs; the evaluator takes them and drops what it read;
 *   - alerts and per-domain settings, plus the narrow rollup reads the rules
 *     need beyond store_analysis.h (per-day prefixes, per-day reporters, the
 *     published policy around a day);
 *   - the delivery queue: due rows, claim (compare-and-set on next_attempt),
 *     finish.
 *
 * Exports: struct store_alerts_ops, the row types below,
 * store_sqlite_alerts_ops.
 */
#ifndef DS_STORE_ALERTS_H
#define DS_STORE_ALERTS_H

#include <stdint.h>

#include "store.h"

typedef struct store_alert_settings {
	const char *policy_domain;
	int enabled;
	const char *thresholds;		/* JSON object */
	const char *recipients;		/* JSON array */
	const char *webhook_url, *webhook_secret, *webhook_format;	/* NULL url: none */
	int cooldown_days;
	const char *digest;		/* off | daily */
	const char *summary;		/* off | weekly | daily */
	int summary_weekday, summary_hour, tz_offset_min;
	int64_t updated_at;
} store_alert_settings;

typedef struct store_alert {
	int64_t id;
	const char *policy_domain, *rule, *subject_key;
	int64_t day;
	const char *numbers;		/* JSON object */
	const char *link;
	const char *state;		/* open | acknowledged */
	int64_t created_at, acked_at;
} store_alert;

typedef struct store_alert_filter {
	const char *domain;		/* NULL: all */
	const char *state;		/* NULL: any */
	int limit;			/* 0: 100 */
	int64_t id;			/* 0: any */
	const char *rule;		/* NULL: any */
} store_alert_filter;

/* A due delivery with what composing it needs: the alert's row, or the
 * summary run's (domain, kind, period) when summary_id != 0. */
typedef struct store_delivery {
	int64_t id, alert_id, summary_id;
	const char *channel, *lang, *state, *last_error;
	int attempts;
	int64_t next_attempt, sent_at, created_at;
	store_alert alert;		/* valid when alert_id != 0 */
	const char *summary_kind;	/* weekly | daily, when summary_id != 0 */
	int64_t period_start, period_end;
} store_delivery;

/* The published policy of the report nearest to a day. */
typedef struct store_alert_policy {
	const char *p, *sp, *adkim, *aspf;
	int pct;			/* -1 absent */
	const char *org;
	int64_t date_begin;
} store_alert_policy;

struct store_alerts_ops {
	/* ---- change log */
	int (*change_add)(store *s, const char *domain, int64_t day);
	/* The arrival day of the failure report with this row id (kinds' add),
	 * if it is a DMARC failure; nothing otherwise. */
	int (*change_failure)(store *s, int64_t failure_id);
	/* Every (domain, day) with a rollup_day row or a failure report in
	 * [since_day, until_day) (domain NULL: all) goes into the change log; *n
	 * says how many. */
	int (*change_scan)(store *s, const char *domain, int64_t since_day, int64_t until_day,
	    int64_t *n);
	/* Pending changes, oldest day first, at most limit. */
	int (*change_list)(store *s, int limit,
	    int (*cb)(void *, const char *domain, int64_t day, int64_t seq), void *ctx);
	/* Inside the transaction that evaluates (domain, day), before reading
	 * anything: *ok = 1 when this evaluator has the pair to itself until it
	 * commits, 0 when it is no longer pending or another evaluator (another
	 * node) holds it: then skip it.  One node at a time evaluates a domain.
	 * May be NULL (nothing to claim). */
	int (*change_claim)(store *s, const char *domain, int64_t day, int *ok);
	/* Drop (domain, day) unless it was recorded again after seq. */
	int (*change_done)(store *s, const char *domain, int64_t day, int64_t seq);

	/* ---- settings */
	int (*settings_get)(store *s, const char *domain,
	    int (*cb)(void *, const store_alert_settings *), void *ctx, int *found);
	int (*settings_put)(store *s, const store_alert_settings *in);
	int (*settings_list)(store *s, int (*cb)(void *, const store_alert_settings *), void *ctx);

	/* ---- rule reads (rollup_src, rollup_org, reports) */
	/* Prefixes of one day with at least min messages, most first. */
	int (*src_day)(store *s, const char *domain, int64_t day, int64_t min,
	    int (*cb)(void *, const char *prefix, int64_t messages, int64_t dmarc_pass,
	    int64_t spoofing), void *ctx);
	/* Was prefix seen for the domain on a day in [since_day, before_day)? */
	int (*src_seen)(store *s, const char *domain, const char *prefix, int64_t since_day,
	    int64_t before_day, int *seen);
	/* Reports per reporter and day in [since_day, until_day), by org, day. */
	int (*org_days)(store *s, const char *domain, int64_t since_day, int64_t until_day,
	    int (*cb)(void *, const char *org, int64_t day, int64_t reports), void *ctx);
	/* The policy of the latest report that begins in [since, until) (unix
	 * seconds); *found = 0 when none. */
	int (*policy_at)(store *s, const char *domain, int64_t since, int64_t until,
	    int (*cb)(void *, const store_alert_policy *), void *ctx, int *found);
	/* DMARC failure reports (007's failure_reports, is_dmarc_failure = 1)
	 * that arrived on the UTC day: *n, and the newest one's fields. */
	int (*failure_day)(store *s, const char *domain, int64_t day,
	    int (*cb)(void *, int64_t n, const char *subject, const char *source_ip,
	    const char *reporter, const char *mail_from), void *ctx);
	/* The first day with a rollup_day row for the domain; *found 0 if none. */
	int (*first_day)(store *s, const char *domain, int64_t *day, int *found);

	/* ---- alerts */
	/* Adds the alert, or sets *id = 0 when (domain, rule, key, day) exists. */
	int (*alert_add)(store *s, const store_alert *a, int64_t *id);
	/* An alert with this (domain, rule, key) on a day within window days of
	 * day (|d - day| < window): *last_day is the nearest, *found 0 if none. */
	int (*alert_near)(store *s, const char *domain, const char *rule, const char *key,
	    int64_t day, int window, int64_t *last_day, int *found);
	int (*alert_list)(store *s, const store_alert_filter *f,
	    int (*cb)(void *, const store_alert *), void *ctx);
	int (*alert_ack)(store *s, int64_t id, int64_t now, int *found);

	/* ---- summaries */
	/* Adds the run, or sets *id = 0 when (domain, kind, period_start) exists. */
	int (*summary_add)(store *s, const char *domain, const char *kind, int64_t start,
	    int64_t end, int64_t now, int64_t *id);

	/* ---- delivery queue */
	/* One of alert_id / summary_id is 0.  An existing (id, channel) row is
	 * left alone (*added = 0). */
	int (*delivery_add)(store *s, int64_t alert_id, int64_t summary_id, const char *channel,
	    const char *lang, int64_t next_attempt, int64_t now, int *added);
	/* Pending rows with next_attempt <= now, oldest first, at most limit;
	 * state NULL and now 0: every row (for `alerts list --deliveries`). */
	int (*delivery_due)(store *s, int64_t now, int limit,
	    int (*cb)(void *, const store_delivery *), void *ctx);
	/* Claim: if the row is still pending with next_attempt == expect, set
	 * next_attempt = lease_until and attempts + 1; *ok says whether it did. */
	int (*delivery_claim)(store *s, int64_t id, int64_t expect, int64_t lease_until, int *ok);
	/* state "sent" (sent_at = now), "pending" (retry at next_attempt) or
	 * "failed"; error may be NULL. */
	int (*delivery_finish)(store *s, int64_t id, const char *state, const char *error,
	    int64_t next_attempt, int64_t now);
	int (*delivery_list)(store *s, int64_t alert_id /* 0: all */, int limit,
	    int (*cb)(void *, const store_delivery *), void *ctx);
};

extern const struct store_alerts_ops store_sqlite_alerts_ops;

/* BEGIN store wrappers (generated by scripts/store_wrappers.py; do not edit) */

static inline int
store_alerts_change_add(store *s, const char *domain, int64_t day)
{
	if (s->ops->alerts == NULL || s->ops->alerts->change_add == NULL)
		return store_unsupported(s, "alerts.change_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->change_add(s, domain, day);
}

static inline int
store_alerts_change_failure(store *s, int64_t failure_id)
{
	if (s->ops->alerts == NULL || s->ops->alerts->change_failure == NULL)
		return store_unsupported(s, "alerts.change_failure is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->change_failure(s, failure_id);
}

static inline int
store_alerts_change_scan(store *s, const char *domain, int64_t since_day, int64_t until_day,
    int64_t *n)
{
	if (s->ops->alerts == NULL || s->ops->alerts->change_scan == NULL)
		return store_unsupported(s, "alerts.change_scan is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->change_scan(s, domain, since_day, until_day, n);
}

static inline int
store_alerts_change_list(store *s, int limit, int (*cb)(void *, const char *domain, int64_t day,
    int64_t seq), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->change_list == NULL)
		return store_unsupported(s, "alerts.change_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->change_list(s, limit, cb, ctx);
}

static inline int
store_alerts_change_claim(store *s, const char *domain, int64_t day, int *ok)
{
	if (s->ops->alerts == NULL || s->ops->alerts->change_claim == NULL)
		return store_unsupported(s, "alerts.change_claim is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->change_claim(s, domain, day, ok);
}

static inline int
store_alerts_change_done(store *s, const char *domain, int64_t day, int64_t seq)
{
	if (s->ops->alerts == NULL || s->ops->alerts->change_done == NULL)
		return store_unsupported(s, "alerts.change_done is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->change_done(s, domain, day, seq);
}

static inline int
store_alerts_settings_get(store *s, const char *domain, int (*cb)(void *,
    const store_alert_settings *), void *ctx, int *found)
{
	if (s->ops->alerts == NULL || s->ops->alerts->settings_get == NULL)
		return store_unsupported(s, "alerts.settings_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->settings_get(s, domain, cb, ctx, found);
}

static inline int
store_alerts_settings_put(store *s, const store_alert_settings *in)
{
	if (s->ops->alerts == NULL || s->ops->alerts->settings_put == NULL)
		return store_unsupported(s, "alerts.settings_put is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->settings_put(s, in);
}

static inline int
store_alerts_settings_list(store *s, int (*cb)(void *, const store_alert_settings *), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->settings_list == NULL)
		return store_unsupported(s, "alerts.settings_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->settings_list(s, cb, ctx);
}

static inline int
store_alerts_src_day(store *s, const char *domain, int64_t day, int64_t min, int (*cb)(void *,
    const char *prefix, int64_t messages, int64_t dmarc_pass, int64_t spoofing), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->src_day == NULL)
		return store_unsupported(s, "alerts.src_day is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->src_day(s, domain, day, min, cb, ctx);
}

static inline int
store_alerts_src_seen(store *s, const char *domain, const char *prefix, int64_t since_day,
    int64_t before_day, int *seen)
{
	if (s->ops->alerts == NULL || s->ops->alerts->src_seen == NULL)
		return store_unsupported(s, "alerts.src_seen is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->src_seen(s, domain, prefix, since_day, before_day, seen);
}

static inline int
store_alerts_org_days(store *s, const char *domain, int64_t since_day, int64_t until_day,
    int (*cb)(void *, const char *org, int64_t day, int64_t reports), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->org_days == NULL)
		return store_unsupported(s, "alerts.org_days is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->org_days(s, domain, since_day, until_day, cb, ctx);
}

static inline int
store_alerts_policy_at(store *s, const char *domain, int64_t since, int64_t until, int (*cb)(void *,
    const store_alert_policy *), void *ctx, int *found)
{
	if (s->ops->alerts == NULL || s->ops->alerts->policy_at == NULL)
		return store_unsupported(s, "alerts.policy_at is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->policy_at(s, domain, since, until, cb, ctx, found);
}

static inline int
store_alerts_failure_day(store *s, const char *domain, int64_t day, int (*cb)(void *, int64_t n,
    const char *subject, const char *source_ip, const char *reporter,
    const char *mail_from), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->failure_day == NULL)
		return store_unsupported(s, "alerts.failure_day is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->failure_day(s, domain, day, cb, ctx);
}

static inline int
store_alerts_first_day(store *s, const char *domain, int64_t *day, int *found)
{
	if (s->ops->alerts == NULL || s->ops->alerts->first_day == NULL)
		return store_unsupported(s, "alerts.first_day is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->first_day(s, domain, day, found);
}

static inline int
store_alerts_alert_add(store *s, const store_alert *a, int64_t *id)
{
	if (s->ops->alerts == NULL || s->ops->alerts->alert_add == NULL)
		return store_unsupported(s, "alerts.alert_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->alert_add(s, a, id);
}

static inline int
store_alerts_alert_near(store *s, const char *domain, const char *rule, const char *key,
    int64_t day, int window, int64_t *last_day, int *found)
{
	if (s->ops->alerts == NULL || s->ops->alerts->alert_near == NULL)
		return store_unsupported(s, "alerts.alert_near is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->alert_near(s, domain, rule, key, day, window, last_day, found);
}

static inline int
store_alerts_alert_list(store *s, const store_alert_filter *f, int (*cb)(void *,
    const store_alert *), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->alert_list == NULL)
		return store_unsupported(s, "alerts.alert_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->alert_list(s, f, cb, ctx);
}

static inline int
store_alerts_alert_ack(store *s, int64_t id, int64_t now, int *found)
{
	if (s->ops->alerts == NULL || s->ops->alerts->alert_ack == NULL)
		return store_unsupported(s, "alerts.alert_ack is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->alert_ack(s, id, now, found);
}

static inline int
store_alerts_summary_add(store *s, const char *domain, const char *kind, int64_t start, int64_t end,
    int64_t now, int64_t *id)
{
	if (s->ops->alerts == NULL || s->ops->alerts->summary_add == NULL)
		return store_unsupported(s, "alerts.summary_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->summary_add(s, domain, kind, start, end, now, id);
}

static inline int
store_alerts_delivery_add(store *s, int64_t alert_id, int64_t summary_id, const char *channel,
    const char *lang, int64_t next_attempt, int64_t now, int *added)
{
	if (s->ops->alerts == NULL || s->ops->alerts->delivery_add == NULL)
		return store_unsupported(s, "alerts.delivery_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->delivery_add(s, alert_id, summary_id, channel, lang, next_attempt,
	    now, added);
}

static inline int
store_alerts_delivery_due(store *s, int64_t now, int limit, int (*cb)(void *,
    const store_delivery *), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->delivery_due == NULL)
		return store_unsupported(s, "alerts.delivery_due is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->delivery_due(s, now, limit, cb, ctx);
}

static inline int
store_alerts_delivery_claim(store *s, int64_t id, int64_t expect, int64_t lease_until, int *ok)
{
	if (s->ops->alerts == NULL || s->ops->alerts->delivery_claim == NULL)
		return store_unsupported(s, "alerts.delivery_claim is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->delivery_claim(s, id, expect, lease_until, ok);
}

static inline int
store_alerts_delivery_finish(store *s, int64_t id, const char *state, const char *error,
    int64_t next_attempt, int64_t now)
{
	if (s->ops->alerts == NULL || s->ops->alerts->delivery_finish == NULL)
		return store_unsupported(s, "alerts.delivery_finish is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->delivery_finish(s, id, state, error, next_attempt, now);
}

static inline int
store_alerts_delivery_list(store *s, int64_t alert_id, int limit, int (*cb)(void *,
    const store_delivery *), void *ctx)
{
	if (s->ops->alerts == NULL || s->ops->alerts->delivery_list == NULL)
		return store_unsupported(s, "alerts.delivery_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->alerts->delivery_list(s, alert_id, limit, cb, ctx);
}

/* END store wrappers */

#endif
