/*
 * config.c - what the alert engine is told: rule parameters (defaults and a
 * domain's JSON overrides), a domain's settings (alert_settings table), the
 * delivery configuration from the [smtp] and [alerts] sections of --config,
 * and the clock ($DMARCSCOPE_NOW, so tests control time).
 *
 * Configuration file (other sections are skipped):
 *     [smtp]
 *     url = smtp://127.0.0.1:25        (smtps:// for implicit TLS)
 *     starttls = yes                   (require STARTTLS on smtp://)
 *     tls_verify = yes
 *     user = alerts
 *     password = secret
 *     from = dmarcscope@example.jp
 *     [alerts]
 *     base_url = https://dmarc.example.jp/
 *     timeout = 20                     (seconds per attempt)
 *     max_attempts = 10
 *     retry_base = 60                  (seconds; doubles per attempt, at most 6 h)
 *     on_ingest = yes                  (`ingest` evaluates and delivers after its run)
 *
 * Exports: alert_params_* (_json too), alert_settings_* (_json: the effective
 * settings as the CLI and the portal show them), alert_cfg_*, alert_now,
 * alert_parse_time (alert.h).  Owned strings are freed by the *_clear calls.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "../util/log.h"
#include "../store/store_alerts.h"

void
alert_params_default(alert_params *p)
{
	p->spoof_min = 50;
	p->quiet_days = 7;
	p->spike_factor = 3.0;
	p->spike_window = 14;
	p->spike_min = 100;
	p->source_min = 100;
	p->source_history = 90;
	p->warmup_days = 7;
	p->sender_pass_pct = 90.0;
	p->sender_min = 20;
	p->drop_points = 10.0;
	p->drop_min = 100;
	p->trail_days = 7;
	p->missing_days = 3;
	p->missing_history = 7;
	p->failure_min = 1;
	p->max_age_days = 14;
}

/* The integer and real parameters by name, with their ranges. */
static const struct param {
	const char *name;
	size_t off;
	int type;			/* 0 int, 1 double, 2 int64_t */
	double lo, hi;
} params[] = {
#define I(n, lo, hi) { #n, offsetof(alert_params, n), 0, lo, hi }
#define R(n, lo, hi) { #n, offsetof(alert_params, n), 1, lo, hi }
#define L(n, lo, hi) { #n, offsetof(alert_params, n), 2, lo, hi }
	L(spoof_min, 1, 1e12), I(quiet_days, 1, 60), R(spike_factor, 1.1, 1000),
	I(spike_window, 3, 60), L(spike_min, 1, 1e12), L(source_min, 1, 1e12),
	I(source_history, 1, 400), I(warmup_days, 0, 400), R(sender_pass_pct, 0, 100),
	L(sender_min, 1, 1e12), R(drop_points, 0.1, 100), L(drop_min, 1, 1e12),
	I(trail_days, 1, 60), I(missing_days, 1, 60), I(missing_history, 2, 60),
	I(failure_min, 1, 1000000), I(max_age_days, 1, 100000),
#undef I
#undef R
#undef L
};

int
alert_params_apply(alert_params *p, const char *json, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *v;
	const char *k;
	int rc = 0;

	if (json == NULL || *json == '\0')
		return 0;
	if ((o = json_loads(json, 0, &je)) == NULL || !json_is_object(o)) {
		snprintf(err, errlen, "thresholds: not a JSON object%s%s", o ? "" : ": ", o ? "" : je.text);
		json_decref(o);
		return -1;
	}
	json_object_foreach(o, k, v) {
		size_t i;
		double d;

		for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			if (strcmp(params[i].name, k) == 0)
				break;
		if (i == sizeof(params) / sizeof(params[0])) {
			snprintf(err, errlen, "thresholds: unknown key '%.64s'", k);
			rc = -1;
			break;
		}
		d = json_number_value(v);
		if (!json_is_number(v) || d < params[i].lo || d > params[i].hi ||
		    (params[i].type != 1 && d != (double)(int64_t)d)) {
			snprintf(err, errlen, "thresholds: %s must be a %s in %g..%g", k,
			    params[i].type == 1 ? "number" : "whole number", params[i].lo, params[i].hi);
			rc = -1;
			break;
		}
		if (params[i].type == 1)
			*(double *)((char *)p + params[i].off) = d;
		else if (params[i].type == 2)
			*(int64_t *)((char *)p + params[i].off) = (int64_t)d;
		else
			*(int *)((char *)p + params[i].off) = (int)d;
	}
	json_decref(o);
	return rc;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

static void
settings_defaults(alert_settings *o, const char *domain)
{
	memset(o, 0, sizeof(*o));
	o->domain = xstrdup(domain);
	o->enabled = 1;
	alert_params_default(&o->p);
	o->cooldown_days = 7;
	o->summary = 1;
	o->summary_weekday = 1;
	o->summary_hour = 9;
	o->tz_offset_min = 540;
	o->webhook_format = xstrdup("json");
}

struct load_ctx {
	alert_settings *o;
	char *err;
	size_t errlen;
	int rc;
};

static int
recipients_parse(alert_settings *o, const char *json, char *err, size_t errlen)
{
	json_t *a = json_loads(json ? json : "[]", 0, NULL), *v;
	size_t i;

	if (!json_is_array(a)) {
		json_decref(a);
		snprintf(err, errlen, "recipients: not a JSON array");
		return -1;
	}
	json_array_foreach(a, i, v) {
		const char *addr = json_string_value(json_object_get(v, "addr"));
		const char *lang = json_string_value(json_object_get(v, "lang"));

		if (addr == NULL || o->nrcpt == ALERT_MAX_RECIPIENTS)
			continue;
		o->rcpt[o->nrcpt].addr = xstrdup(addr);
		snprintf(o->rcpt[o->nrcpt].lang, 3, "%s", lang && strcmp(lang, "ja") == 0 ? "ja" : "en");
		o->nrcpt++;
	}
	json_decref(a);
	return 0;
}

static int
load_cb(void *ctx, const store_alert_settings *r)
{
	struct load_ctx *l = ctx;
	alert_settings *o = l->o;

	o->enabled = r->enabled;
	o->thresholds_json = dup_or_null(r->thresholds);
	if (alert_params_apply(&o->p, r->thresholds, l->err, l->errlen) != 0 ||
	    recipients_parse(o, r->recipients, l->err, l->errlen) != 0)
		l->rc = -1;
	o->webhook_url = dup_or_null(r->webhook_url);
	o->webhook_secret = dup_or_null(r->webhook_secret);
	free(o->webhook_format);
	o->webhook_format = xstrdup(r->webhook_format ? r->webhook_format : "json");
	o->cooldown_days = r->cooldown_days;
	o->digest = r->digest != NULL && strcmp(r->digest, "daily") == 0;
	o->summary = r->summary == NULL ? 0 : strcmp(r->summary, "weekly") == 0 ? 1 :
	    strcmp(r->summary, "daily") == 0 ? 2 : 0;
	o->summary_weekday = r->summary_weekday;
	o->summary_hour = r->summary_hour;
	o->tz_offset_min = r->tz_offset_min;
	return 0;
}

int
alert_settings_load(store *st, const char *domain, alert_settings *out, char *err, size_t errlen)
{
	struct load_ctx l = { out, err, errlen, 0 };
	int found;

	settings_defaults(out, domain);
	if (store_alerts_settings_get(st, domain, load_cb, &l, &found) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		return -1;
	}
	return l.rc;
}

int
alert_settings_save(store *st, const alert_settings *in, int64_t now, char *err, size_t errlen)
{
	json_t *a = json_array();
	char *rc_json;
	int rc;
	store_alert_settings r;
	static const char *const summ[] = { "off", "weekly", "daily" };

	for (int i = 0; i < in->nrcpt; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "addr", in->rcpt[i].addr, "lang",
		    in->rcpt[i].lang));
	rc_json = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	memset(&r, 0, sizeof(r));
	r.policy_domain = in->domain;
	r.enabled = in->enabled;
	r.thresholds = in->thresholds_json ? in->thresholds_json : "{}";
	r.recipients = rc_json;
	r.webhook_url = in->webhook_url;
	r.webhook_secret = in->webhook_secret;
	r.webhook_format = in->webhook_format;
	r.cooldown_days = in->cooldown_days;
	r.digest = in->digest ? "daily" : "off";
	r.summary = summ[in->summary >= 0 && in->summary <= 2 ? in->summary : 0];
	r.summary_weekday = in->summary_weekday;
	r.summary_hour = in->summary_hour;
	r.tz_offset_min = in->tz_offset_min;
	r.updated_at = now;
	rc = store_alerts_settings_put(st, &r);
	free(rc_json);
	if (rc != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		return -1;
	}
	return 0;
}

void
alert_settings_clear(alert_settings *s)
{
	free(s->domain);
	for (int i = 0; i < s->nrcpt; i++)
		free(s->rcpt[i].addr);
	free(s->webhook_url);
	free(s->webhook_secret);
	free(s->webhook_format);
	free(s->thresholds_json);
	memset(s, 0, sizeof(*s));
}

void
alert_cfg_init(alert_cfg *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	c->tls_verify = 1;
	c->timeout_s = 20;
	c->max_attempts = 10;
	c->retry_base_s = 60;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	c->hostname = xstrdup(host);
}

int
alert_cfg_set(char **slot, const char *v)
{
	free(*slot);
	*slot = v != NULL && *v != '\0' ? xstrdup(v) : NULL;
	return 0;
}

void
alert_cfg_clear(alert_cfg *c)
{
	free(c->smtp_url);
	free(c->smtp_user);
	free(c->smtp_password);
	free(c->from);
	free(c->base_url);
	free(c->hostname);
	memset(c, 0, sizeof(*c));
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		e[-1] = '\0';
		s++;
	}
	return s;
}

static int
yes(const char *v)
{
	return strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "on") == 0;
}

static int
num(const char *k, const char *v, int lo, int hi, int *out, char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
		snprintf(err, errlen, "%s: a whole number in %d..%d, not '%.40s'", k, lo, hi, v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int
alert_cfg_load(alert_cfg *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int sec = 0, rc = 0;	/* 1 [smtp], 2 [alerts] */

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *s = trim(line), *eq, *k, *v;

		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close != NULL)
				*close = '\0';
			sec = strcasecmp(trim(s + 1), "smtp") == 0 ? 1 :
			    strcasecmp(trim(s + 1), "alerts") == 0 ? 2 : 0;
			continue;
		}
		if (sec == 0 || *s == '#' || *s == ';' || (eq = strchr(s, '=')) == NULL)
			continue;
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (sec == 1 && strcasecmp(k, "url") == 0)
			alert_cfg_set(&c->smtp_url, v);
		else if (sec == 1 && strcasecmp(k, "starttls") == 0)
			c->starttls = yes(v);
		else if (sec == 1 && strcasecmp(k, "tls_verify") == 0)
			c->tls_verify = yes(v);
		else if (sec == 1 && strcasecmp(k, "user") == 0)
			alert_cfg_set(&c->smtp_user, v);
		else if (sec == 1 && strcasecmp(k, "password") == 0)
			alert_cfg_set(&c->smtp_password, v);
		else if (sec == 1 && strcasecmp(k, "from") == 0)
			alert_cfg_set(&c->from, v);
		else if (sec == 2 && strcasecmp(k, "base_url") == 0)
			alert_cfg_set(&c->base_url, v);
		else if (sec == 2 && strcasecmp(k, "on_ingest") == 0)
			c->on_ingest = yes(v);
		else if (sec == 2 && strcasecmp(k, "timeout") == 0)
			rc = num(k, v, 1, 600, &c->timeout_s, err, errlen);
		else if (sec == 2 && strcasecmp(k, "max_attempts") == 0)
			rc = num(k, v, 1, 100, &c->max_attempts, err, errlen);
		else if (sec == 2 && strcasecmp(k, "retry_base") == 0)
			rc = num(k, v, 1, 86400, &c->retry_base_s, err, errlen);
		else {
			snprintf(err, errlen, "%s: unknown key '%.40s' in [%s]", path, k,
			    sec == 1 ? "smtp" : "alerts");
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

int
alert_parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno == 0 && end != s && *end == '\0' && strlen(s) > 8) {
		*out = n;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && (*end == 'T' || *end == ' '))
		end = strptime(end + 1, "%H:%M", &tm);
	if (end != NULL && *end == ':')
		end = strptime(end + 1, "%S", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int64_t
alert_now(void)
{
	const char *e = getenv("DMARCSCOPE_NOW");
	int64_t t;

	if (e != NULL && *e != '\0' && alert_parse_time(e, &t) == 0)
		return t;
	return (int64_t)time(NULL);
}

json_t *
alert_params_json(const alert_params *p)
{
	return json_pack("{sI si sf si sI sI si si sf sI sf sI si si si si si}",
	    "spoof_min", (json_int_t)p->spoof_min, "quiet_days", p->quiet_days,
	    "spike_factor", p->spike_factor, "spike_window", p->spike_window,
	    "spike_min", (json_int_t)p->spike_min, "source_min", (json_int_t)p->source_min,
	    "source_history", p->source_history, "warmup_days", p->warmup_days,
	    "sender_pass_pct", p->sender_pass_pct, "sender_min", (json_int_t)p->sender_min,
	    "drop_points", p->drop_points, "drop_min", (json_int_t)p->drop_min,
	    "trail_days", p->trail_days, "missing_days", p->missing_days,
	    "missing_history", p->missing_history, "failure_min", p->failure_min,
	    "max_age_days", p->max_age_days);
}

json_t *
alert_settings_json(const alert_settings *s)
{
	static const char *const summ[] = { "off", "weekly", "daily" };
	json_t *r = json_array();

	for (int i = 0; i < s->nrcpt; i++)
		json_array_append_new(r, json_pack("{ss ss}", "addr", s->rcpt[i].addr, "lang",
		    s->rcpt[i].lang));
	return json_pack("{ss sb so ss* sb ss si ss ss si si si so}", "domain", s->domain,
	    "enabled", s->enabled, "recipients", r, "webhook_url", s->webhook_url,
	    "webhook_secret_set", s->webhook_secret != NULL, "webhook_format", s->webhook_format,
	    "cooldown_days", s->cooldown_days, "digest", s->digest ? "daily" : "off",
	    "summary", summ[s->summary], "summary_weekday", s->summary_weekday, "summary_hour",
	    s->summary_hour, "tz_offset_min", s->tz_offset_min, "thresholds",
	    alert_params_json(&s->p));
}
