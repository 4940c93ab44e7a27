/*
 * api_alerts.c - the alerts under /api/v1/ (issue 15, docs/API.md "Alerts"):
 *
 *   GET  alerts               the alerts of the domains the principal reads
 *                             (domain, state open|acknowledged, rule, limit)
 *   GET  alerts/count         {"open": N}: the header's bell
 *   POST alerts/{id}/ack      acknowledge one
 *   GET  alert-settings       a domain's effective settings and the defaults
 *   POST alert-settings       change them (validated; field named on a 400)
 *   POST alert-settings/test  a sample alert through each channel, now: the
 *                             same path as `dmarcscope alerts test`
 *
 * Access: the route table (api.c) requires a principal for every route and
 * the write right (with the session's CSRF token) for the POSTs; here each
 * domain is checked with principal_can_read_domain (another tenant's domain
 * answers 404, as one that does not exist).  The webhook secret is never
 * sent back, only whether one is set.
 *
 * Exports: api_alerts, api_alerts_count, api_alert_ack, api_alert_settings,
 * api_alert_settings_post, api_alert_test (web_priv.h).
 * Errors: {"error":CODE,"message":TEXT[,"field":KEY]} with 4xx/5xx.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_priv.h"
#include "../alert/alert.h"
#include "../store/store_alerts.h"
#include "../util/log.h"

#define LIST_MAX 1000
#define SCAN_MAX 20000	/* rows read to count / filter by the principal's domains */

/* 1 when the store has alerts, else 0 with a 501 in out. */
static int
have_alerts(wreq *r, wresp *out)
{
	if (!store_has(r->st, alerts)) {
		api_error(out, 501, "unavailable", "alerts are not available with this store");
		return 0;
	}
	return 1;
}

static int
domain_ok(wreq *r, wresp *out, const char *d)
{
	size_t n = d != NULL ? strlen(d) : 0;

	if (n == 0 || n > 253 || strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != n) {
		api_error(out, 400, "bad_domain", "domain: a domain name in lower case");
		return 0;
	}
	if (!principal_can_read_domain(r->principal, d)) {
		api_error(out, 404, "not_found", "no such domain");
		return 0;
	}
	return 1;
}

static void
field_error(wresp *out, const char *field, const char *msg)
{
	api_json(out, 400, json_pack("{s:s,s:s,s:s}", "error", "invalid", "message", msg, "field",
	    field));
}

/* ---- the list and the bell ------------------------------------------------------------------ */

typedef struct list_ctx {
	wreq *r;
	json_t *arr;		/* NULL: count only */
	int limit, n;
} list_ctx;

static int
list_cb(void *ctx, const store_alert *a)
{
	list_ctx *l = ctx;
	char day[16];
	time_t t = (time_t)(a->day * 86400);
	struct tm tm;
	json_t *nums, *o, *w;
	alert_view v;
	alert_cfg c;
	char *js;

	if (!principal_can_read_domain(l->r->principal, a->policy_domain))
		return 0;
	l->n++;
	if (l->arr == NULL || (int)json_array_size(l->arr) >= l->limit)
		return 0;
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	nums = json_loads(a->numbers ? a->numbers : "{}", 0, NULL);
	o = json_pack("{sI ss ss ss ss so ss* ss sI sI}", "id",
	    (json_int_t)a->id, "domain", a->policy_domain, "rule", a->rule, "subject_key",
	    a->subject_key ? a->subject_key : "", "day", day, "numbers", nums ? nums : json_object(),
	    "link", a->link, "state", a->state, "created_at", (json_int_t)a->created_at, "acked_at",
	    (json_int_t)a->acked_at);
	/* the title and the sentence in both languages, as the mail has them */
	v.domain = a->policy_domain;
	v.rule = a->rule;
	v.subject_key = a->subject_key ? a->subject_key : "";
	v.numbers = a->numbers ? a->numbers : "{}";
	v.link = a->link ? a->link : "";
	v.id = a->id;
	v.day = a->day;
	alert_cfg_init(&c);
	if ((js = alert_json(&v, "json", &c)) != NULL && (w = json_loads(js, 0, NULL)) != NULL) {
		json_object_set(o, "title", json_object_get(w, "title"));
		json_object_set(o, "text", json_object_get(w, "text"));
		json_decref(w);
	}
	free(js);
	alert_cfg_clear(&c);
	json_array_append_new(l->arr, o);
	return 0;
}

static int
count_open(wreq *r, const char *domain, int *n)
{
	store_alert_filter f = { domain, "open", SCAN_MAX, 0, NULL };
	list_ctx l = { r, NULL, 0, 0 };

	if (store_alerts_alert_list(r->st, &f, list_cb, &l) != STORE_OK)
		return -1;
	*n = l.n;
	return 0;
}

void
api_alerts(wreq *r, wresp *out)
{
	const char *domain = api_arg(r, "domain"), *state = api_arg(r, "state");
	const char *rule = api_arg(r, "rule"), *lim = api_arg(r, "limit");
	store_alert_filter f;
	list_ctx l = { r, NULL, 100, 0 };
	int64_t v;
	int open = 0;

	if (!have_alerts(r, out) || (domain != NULL && !domain_ok(r, out, domain)))
		return;
	if (state != NULL && strcmp(state, "open") != 0 && strcmp(state, "acknowledged") != 0) {
		api_error(out, 400, "bad_state", "state: open or acknowledged");
		return;
	}
	if (rule != NULL && strspn(rule, "abcdefghijklmnopqrstuvwxyz_") != strlen(rule)) {
		api_error(out, 400, "bad_rule", "rule: a rule name (docs/ALERTS.md)");
		return;
	}
	if (lim != NULL) {
		if (api_parse_int(lim, 1, LIST_MAX, &v) != 0) {
			api_error(out, 400, "bad_limit", "limit: 1..1000");
			return;
		}
		l.limit = (int)v;
	}
	memset(&f, 0, sizeof(f));
	f.domain = domain;
	f.state = state;
	f.rule = rule;
	f.limit = SCAN_MAX;
	l.arr = json_array();
	if (store_alerts_alert_list(r->st, &f, list_cb, &l) != STORE_OK ||
	    count_open(r, domain, &open) != 0) {
		log_warnx("serve: alerts: %s", store_errmsg(r->st));
		json_decref(l.arr);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, json_pack("{so si si}", "alerts", l.arr, "total", l.n, "open", open));
}

void
api_alerts_count(wreq *r, wresp *out)
{
	int open = 0;

	if (!have_alerts(r, out))
		return;
	if (count_open(r, NULL, &open) != 0) {
		log_warnx("serve: alerts: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, json_pack("{si}", "open", open));
}

void
api_alert_ack(wreq *r, wresp *out, int64_t id)
{
	store_alert_filter f = { NULL, NULL, 1, id, NULL };
	list_ctx l = { r, NULL, 1, 0 };
	int found = 0;

	if (!have_alerts(r, out))
		return;
	l.arr = json_array();
	if (store_alerts_alert_list(r->st, &f, list_cb, &l) != STORE_OK) {
		json_decref(l.arr);
		api_error(out, 500, "database", "database error");
		return;
	}
	if (json_array_size(l.arr) == 0) {	/* none, or another tenant's */
		json_decref(l.arr);
		api_error(out, 404, "not_found", "no such alert");
		return;
	}
	json_decref(l.arr);
	if (store_alerts_alert_ack(r->st, id, (int64_t)time(NULL), &found) != STORE_OK) {
		log_warnx("serve: alert ack: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, json_pack("{sI ss}", "id", (json_int_t)id, "state", "acknowledged"));
}

/* ---- settings ------------------------------------------------------------------------------- */

static void
settings_answer(wresp *out, const alert_settings *set)
{
	alert_params d;

	alert_params_default(&d);
	api_json(out, 200, json_pack("{so so}", "settings", alert_settings_json(set), "defaults",
	    alert_params_json(&d)));
}

void
api_alert_settings(wreq *r, wresp *out)
{
	const char *domain = api_arg(r, "domain");
	alert_settings set;
	char err[512];

	if (!have_alerts(r, out) || !domain_ok(r, out, domain))
		return;
	if (alert_settings_load(r->st, domain, &set, err, sizeof(err)) != 0) {
		log_warnx("serve: alert settings: %s", err);
		api_error(out, 500, "database", "database error");
		return;
	}
	settings_answer(out, &set);
	alert_settings_clear(&set);
}

/* An integer member in [lo, hi] when present: 0 ok (or absent), -1 answered. */
static int
int_field(wresp *out, json_t *in, const char *k, int lo, int hi, int *dst)
{
	json_t *v = json_object_get(in, k);
	char msg[128];

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(msg, sizeof(msg), "%s: a whole number in %d..%d", k, lo, hi);
		field_error(out, k, msg);
		return -1;
	}
	*dst = (int)json_integer_value(v);
	return 0;
}

static int
apply_recipients(wresp *out, json_t *arr, alert_settings *set)
{
	size_t i;
	json_t *e;

	if (!json_is_array(arr) || json_array_size(arr) > ALERT_MAX_RECIPIENTS) {
		field_error(out, "recipients", "recipients: a list of at most 32 {addr, lang}");
		return -1;
	}
	for (int k = 0; k < set->nrcpt; k++)
		free(set->rcpt[k].addr);
	set->nrcpt = 0;
	json_array_foreach(arr, i, e) {
		const char *addr = json_string_value(json_object_get(e, "addr"));
		const char *lang = json_string_value(json_object_get(e, "lang"));
		size_t n = addr ? strlen(addr) : 0;

		if (n == 0 || n > 254 || strchr(addr, '@') == NULL || addr[0] == '@' ||
		    addr[n - 1] == '@' || strpbrk(addr, " <>\r\n,;\"") != NULL) {
			field_error(out, "recipients", "recipients: an address like admin@example.jp");
			return -1;
		}
		if (lang == NULL || (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)) {
			field_error(out, "recipients", "recipients: lang ja or en");
			return -1;
		}
		for (int k = 0; k < set->nrcpt; k++)
			if (strcmp(set->rcpt[k].addr, addr) == 0) {
				field_error(out, "recipients", "recipients: an address twice");
				return -1;
			}
		set->rcpt[set->nrcpt].addr = xstrdup(addr);
		snprintf(set->rcpt[set->nrcpt].lang, 3, "%s", lang);
		set->nrcpt++;
	}
	return 0;
}

/* Thresholds: only the values that differ from the defaults are kept. */
static int
apply_thresholds(wresp *out, json_t *th, alert_settings *set)
{
	alert_params d, p;
	json_t *dj, *keep, *v;
	const char *k;
	char err[256], *js;

	if (!json_is_object(th)) {
		field_error(out, "thresholds", "thresholds: an object of numbers");
		return -1;
	}
	alert_params_default(&d);
	dj = alert_params_json(&d);
	keep = json_object();
	json_object_foreach(th, k, v) {
		json_t *def = json_object_get(dj, k);

		if (def == NULL || !json_is_number(v)) {
			snprintf(err, sizeof(err), "thresholds: %s is not a threshold, or not a number", k);
			json_decref(dj);
			json_decref(keep);
			field_error(out, k, err);
			return -1;
		}
		if (json_number_value(v) != json_number_value(def))
			json_object_set(keep, k, v);
	}
	json_decref(dj);
	js = json_dumps(keep, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(keep);
	p = d;
	if (alert_params_apply(&p, js, err, sizeof(err)) != 0) {
		const char *f = "thresholds";

		json_object_foreach(th, k, v)	/* the message names the key */
			if (strstr(err, k) != NULL)
				f = k;
		free(js);
		field_error(out, f, err);
		return -1;
	}
	free(set->thresholds_json);
	set->thresholds_json = js;
	set->p = p;
	return 0;
}

static int
one_of(wresp *out, json_t *in, const char *k, const char *const *names, int *dst)
{
	json_t *v = json_object_get(in, k);
	char msg[128];

	if (v == NULL)
		return 0;
	for (int i = 0; names[i] != NULL; i++)
		if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
			*dst = i;
			return 0;
		}
	snprintf(msg, sizeof(msg), "%s: %s or %s%s%s", k, names[0], names[1], names[2] ? " or " : "",
	    names[2] ? names[2] : "");
	field_error(out, k, msg);
	return -1;
}

static int
apply_body(wresp *out, json_t *in, alert_settings *set)
{
	static const char *const offday[] = { "off", "daily", NULL };
	static const char *const summ[] = { "off", "weekly", "daily", NULL };
	static const char *const fmt[] = { "json", "slack", NULL };
	json_t *v;
	int f = -1;

	if ((v = json_object_get(in, "enabled")) != NULL) {
		if (!json_is_boolean(v)) {
			field_error(out, "enabled", "enabled: true or false");
			return -1;
		}
		set->enabled = json_is_true(v);
	}
	if (int_field(out, in, "cooldown_days", 0, 365, &set->cooldown_days) != 0 ||
	    int_field(out, in, "summary_weekday", 0, 6, &set->summary_weekday) != 0 ||
	    int_field(out, in, "summary_hour", 0, 23, &set->summary_hour) != 0 ||
	    int_field(out, in, "tz_offset_min", -720, 840, &set->tz_offset_min) != 0 ||
	    one_of(out, in, "digest", offday, &set->digest) != 0 ||
	    one_of(out, in, "summary", summ, &set->summary) != 0 ||
	    one_of(out, in, "webhook_format", fmt, &f) != 0)
		return -1;
	if (f >= 0)
		alert_cfg_set(&set->webhook_format, fmt[f]);
	if ((v = json_object_get(in, "recipients")) != NULL && apply_recipients(out, v, set) != 0)
		return -1;
	if ((v = json_object_get(in, "thresholds")) != NULL && apply_thresholds(out, v, set) != 0)
		return -1;
	if ((v = json_object_get(in, "webhook_url")) != NULL) {
		const char *u = json_string_value(v);

		if (json_is_null(v) || (u != NULL && u[0] == '\0')) {
			alert_cfg_set(&set->webhook_url, NULL);
		} else if (u == NULL || strlen(u) > 2000 || strpbrk(u, " \r\n") != NULL ||
		    (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
		    strlen(u) < 10) {
			field_error(out, "webhook_url", "webhook_url: an http:// or https:// URL");
			return -1;
		} else {
			alert_cfg_set(&set->webhook_url, u);
		}
	}
	if ((v = json_object_get(in, "webhook_secret")) != NULL && !json_is_null(v)) {
		const char *sec = json_string_value(v);

		if (sec == NULL || strlen(sec) > 1000) {
			field_error(out, "webhook_secret", "webhook_secret: a string");
			return -1;
		}
		if (sec[0] != '\0')	/* "" or absent: the secret stays */
			alert_cfg_set(&set->webhook_secret, sec);
	}
	if (json_is_true(json_object_get(in, "webhook_secret_clear")))
		alert_cfg_set(&set->webhook_secret, NULL);
	return 0;
}

void
api_alert_settings_post(wreq *r, wresp *out)
{
	json_error_t je;
	json_t *in = NULL;
	const char *domain;
	alert_settings set;
	char err[512];

	if (!have_alerts(r, out))
		return;
	if (r->body == NULL || (in = json_loadb(r->body, r->bodylen, 0, &je)) == NULL ||
	    !json_is_object(in)) {
		json_decref(in);
		api_error(out, 400, "bad_json", "the body is not a JSON object");
		return;
	}
	domain = json_string_value(json_object_get(in, "domain"));
	if (!domain_ok(r, out, domain)) {
		json_decref(in);
		return;
	}
	if (alert_settings_load(r->st, domain, &set, err, sizeof(err)) != 0) {
		json_decref(in);
		log_warnx("serve: alert settings: %s", err);
		api_error(out, 500, "database", "database error");
		return;
	}
	if (apply_body(out, in, &set) == 0) {
		if (alert_settings_save(r->st, &set, (int64_t)time(NULL), err, sizeof(err)) != 0) {
			log_warnx("serve: alert settings: %s", err);
			api_error(out, 500, "database", "database error");
		} else {
			settings_answer(out, &set);
		}
	}
	alert_settings_clear(&set);
	json_decref(in);
}

/* ---- test-send ------------------------------------------------------------------------------ */

static void
test_line(void *ctx, const char *channel, int ok, const char *detail)
{
	json_array_append_new(ctx, json_pack("{ss sb ss}", "channel", channel, "ok", ok, "detail",
	    detail != NULL ? detail : ""));
}

void
api_alert_test(wreq *r, wresp *out)
{
	json_error_t je;
	json_t *in = NULL, *res;
	const char *domain;
	alert_cfg cfg;
	char err[512] = "";
	int n;

	if (!have_alerts(r, out))
		return;
	if (r->body == NULL || (in = json_loadb(r->body, r->bodylen, 0, &je)) == NULL) {
		api_error(out, 400, "bad_json", "the body is not JSON");
		return;
	}
	domain = json_string_value(json_object_get(in, "domain"));
	if (!domain_ok(r, out, domain)) {
		json_decref(in);
		return;
	}
	alert_cfg_init(&cfg);
	if (r->o->config != NULL && alert_cfg_load(&cfg, r->o->config, err, sizeof(err)) != 0) {
		log_warnx("serve: alerts test: %s", err);
		api_error(out, 500, "config", "the [smtp] / [alerts] configuration is not valid");
	} else {
		res = json_array();
		n = alert_test_send(r->st, &cfg, domain, alert_now(), test_line, res, err, sizeof(err));
		if (n < 0) {
			json_decref(res);
			field_error(out, "recipients", err);
		} else {
			api_json(out, 200, json_pack("{so si}", "results", res, "failed", n));
		}
	}
	alert_cfg_clear(&cfg);
	json_decref(in);
}
