/*
 * alert.h - the alert engine (issue 15): rules evaluated on the (domain, day)
 * pairs the ingest side marked as changed, a delivery queue in the database
 * (e-mail through SMTP, webhook), and the scheduled weekly / daily summary.
 * docs/ALERTS.md is the user's description; this is the programmer's.
 *
 * Files:
 *   config.c    alert_params defaults + per-domain settings (JSON) + the
 *               [smtp]/[alerts] sections of --config; the injectable clock
 *   rules.c     alert_evaluate: consume alert_changes, write alerts and their
 *               deliveries, one transaction per (domain, day)
 *   text.c      an alert (or several) as subject / text / HTML, ja or en
 *   mail.c      a message built with GMime, sent with libcurl's SMTP
 *   webhook.c   a JSON POST with an HMAC-SHA256 signature (GLib's GHmac)
 *   deliver.c   alert_deliver: claim due rows, send, mark (backoff, failure)
 *   schedule.c  alert_schedule: queue the summaries that are due
 *   test.c      alert_test_send: a sample alert through each channel
 *
 * Errors: functions return 0, or -1 with err filled in; store errors leave
 * the transaction rolled back.  Nothing here prints; the CLI does.
 *
 * Ownership: alert_settings owns its strings (alert_settings_clear frees);
 * alert_cfg owns its strings (alert_cfg_clear).
 */
#ifndef DS_ALERT_H
#define DS_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "../util/dbuf.h"

/* Rule names, as stored in alerts.rule. */
#define RULE_SPOOF_START "spoofing_started"
#define RULE_SPOOF_SPIKE "spoofing_spike"
#define RULE_NEW_SOURCE "new_source"
#define RULE_SENDER_FAIL "sender_failing"
#define RULE_PASS_DROP "pass_rate_drop"
#define RULE_MISSING "missing_reports"
#define RULE_POLICY "policy_changed"
#define RULE_FAILURE "failure_report"

/* Rule parameters: defaults below, overridden per domain by the keys of
 * alert_settings.thresholds (same names). */
typedef struct alert_params {
	int64_t spoof_min;		/* spoofing started: messages in a day (50) */
	int quiet_days;			/* ... after this many days under spoof_min (7) */
	double spike_factor;		/* spike: day >= factor x trailing median (3) */
	int spike_window;		/* trailing days for the median (14) */
	int64_t spike_min;		/* and at least this many messages (100) */
	int64_t source_min;		/* new source: messages in a day from the prefix (100) */
	int source_history;		/* never seen in this many days before (90) */
	int warmup_days;		/* rules that compare with the past need this much (7) */
	double sender_pass_pct;		/* My Senders failing: pass rate under this (90) */
	int64_t sender_min;		/* ... over at least this many messages (20) */
	double drop_points;		/* pass rate drop: more than X points (10) */
	int64_t drop_min;		/* ... with this many messages on the day (100) */
	int trail_days;			/* pass rates compared with this many days before (7) */
	int missing_days;		/* a daily reporter silent this many days (3) */
	int missing_history;		/* "daily": on >= history-1 of this many days before (7) */
	int failure_min;		/* failure reports (DMARC) in a day to alert (1) */
	int max_age_days;		/* days older than now - this are not evaluated (14) */
} alert_params;

typedef struct alert_recipient {
	char *addr;
	char lang[3];			/* "ja" | "en" */
} alert_recipient;

#define ALERT_MAX_RECIPIENTS 32

/* One domain's settings (defaults when it has no row). */
typedef struct alert_settings {
	char *domain;
	int enabled;
	alert_params p;
	alert_recipient rcpt[ALERT_MAX_RECIPIENTS];
	int nrcpt;
	char *webhook_url, *webhook_secret, *webhook_format;	/* url NULL: none */
	char *thresholds_json;		/* as stored (overrides only) */
	int cooldown_days;
	int digest;			/* 1: alert mails batched daily */
	int summary;			/* 0 off, 1 weekly, 2 daily */
	int summary_weekday, summary_hour, tz_offset_min;
} alert_settings;

/* Delivery configuration: [smtp] and [alerts] of --config, then options. */
typedef struct alert_cfg {
	char *smtp_url;			/* smtp://host:port or smtps://host:port; NULL: no mail */
	int starttls;			/* 1: require STARTTLS on smtp:// */
	int tls_verify;			/* 0: accept any certificate (tests) */
	char *smtp_user, *smtp_password;
	char *from;			/* envelope and header From */
	char *base_url;			/* portal URL the links are relative to, or NULL */
	char *hostname;			/* Message-ID right-hand side */
	int timeout_s;			/* per SMTP / webhook attempt (20) */
	int max_attempts;		/* then failed (10) */
	int retry_base_s;		/* backoff: base x 2^(attempts-1), at most 6 h (60) */
	int on_ingest;			/* [alerts] on_ingest: `ingest` runs the alerts after */
} alert_cfg;

/* ---- config.c */
void alert_params_default(alert_params *p);
/* Applies a JSON object of overrides; unknown keys or bad values: -1, err. */
int alert_params_apply(alert_params *p, const char *json, char *err, size_t errlen);
int alert_settings_load(store *st, const char *domain, alert_settings *out, char *err, size_t errlen);
int alert_settings_save(store *st, const alert_settings *in, int64_t now, char *err, size_t errlen);
void alert_settings_clear(alert_settings *s);
/* The effective settings as JSON (thresholds with defaults filled in; the
 * webhook secret only as webhook_secret_set); caller decrefs. */
struct json_t;
struct json_t *alert_settings_json(const alert_settings *s);
struct json_t *alert_params_json(const alert_params *p);
void alert_cfg_init(alert_cfg *c);
int alert_cfg_load(alert_cfg *c, const char *path, char *err, size_t errlen);
int alert_cfg_set(char **slot, const char *v);	/* replaces an owned string */
void alert_cfg_clear(alert_cfg *c);
/* The clock: $DMARCSCOPE_NOW (unix seconds or YYYY-MM-DD[THH:MM[:SS]] UTC)
 * when set, else time(NULL).  alert_parse_time parses the same forms. */
int64_t alert_now(void);
int alert_parse_time(const char *s, int64_t *out);

/* ---- rules.c */
typedef struct alert_eval_stats {
	int64_t changes, alerts, deliveries, skipped_old, suppressed;
} alert_eval_stats;
int alert_evaluate(store *st, int64_t now, alert_eval_stats *out, char *err, size_t errlen);
/* Queues the alert's deliveries (one per recipient, and the webhook). */
int alert_queue(store *st, const alert_settings *set, int64_t alert_id, int64_t now, int64_t *n);

/* ---- text.c: subject, plain text and HTML of one or more alerts */
typedef struct alert_view {
	const char *domain, *rule, *subject_key, *numbers, *link;
	int64_t id, day;
} alert_view;
void alert_text(const alert_view *a, int n, const char *lang, const alert_cfg *c, dbuf *subject,
    dbuf *text, dbuf *html);
/* The summary: subject and the digest text of `dmarcscope summary`. */
int alert_summary_text(store *st, const char *domain, const char *kind, int64_t start, int64_t end,
    const char *lang, dbuf *subject, dbuf *text, dbuf *html, char *err, size_t errlen);
/* One alert as the webhook's JSON ({"event":"alert",...}); caller frees. */
char *alert_json(const alert_view *a, const char *format, const alert_cfg *c);

/* ---- mail.c */
/* Builds the message (multipart/alternative, UTF-8, RFC 2047 subject). */
int alert_mail_build(const alert_cfg *c, const char *to, const char *subject, const char *text,
    const char *html, const char *message_id, int64_t date, const char *xalert, dbuf *out);
int alert_mail_send(const alert_cfg *c, const char *to, const dbuf *msg, char *err, size_t errlen);
int alert_curl_init(void);	/* curl_global_init once per process; -1 on failure */

/* ---- webhook.c */
/* hex HMAC-SHA256 of "TIMESTAMP.BODY" under secret, into out[65]. */
void alert_sign(const char *secret, int64_t ts, const char *body, char out[65]);
int alert_webhook_post(const alert_cfg *c, const char *url, const char *secret, const char *body,
    const char *delivery_key, int64_t ts, char *err, size_t errlen);

/* ---- test.c: a sample alert through each channel of the domain, now;
 * line() is told each channel's outcome.  -1: no channel / error (err), else
 * the number of channels that failed. */
int alert_test_send(store *s, const alert_cfg *c, const char *domain, int64_t now,
    void (*line)(void *, const char *channel, int ok, const char *detail), void *ctx, char *err,
    size_t errlen);

/* ---- deliver.c */
typedef struct alert_deliver_stats {
	int64_t sent, retried, failed, skipped;
} alert_deliver_stats;
int alert_deliver(store *st, const alert_cfg *c, int64_t now, alert_deliver_stats *out, char *err,
    size_t errlen);

/* ---- schedule.c */
/* Queues the summaries due at now (one run per domain, kind and period). */
int alert_schedule(store *st, int64_t now, int64_t *queued, char *err, size_t errlen);
/* The last complete period of the kind before now, in the domain's zone. */
void alert_summary_period(const alert_settings *s, int kind, int64_t now, int64_t *start,
    int64_t *end, int64_t *due);

#endif
