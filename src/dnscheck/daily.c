/*
 * daily.c - the DNS checks with the store (daily.h): selectors from the
 * reports, the record history and its alert, [dnscheck] of the config
 * file, and the daemon's daily one-shot run (src/cmd/daemon.c forks it as
 * it does the retention run).
 *
 * The history: the records a check read (dc_result.rec, one per kind and
 * name) are compared with the current rows of dns_records; a row whose text
 * changed or that is no longer there gets gone_at, a new text gets a new
 * row, an unchanged one its last_seen.  The first check of a domain only
 * sets the baseline.  A check with a failed lookup (dns.tempfail, dns.cap)
 * records what it found but never marks anything gone: a SERVFAIL is not a
 * removed record; nor is a DKIM key whose selector no longer appears in
 * the reports (only a lookup that finds nothing closes it).  Any change
 * raises one alert (rule dns_record_changed, subject key = the diff's hash,
 * so the same change is one alert) whose numbers hold the diff:
 * [{kind, name, before, after}].
 *
 * Exports: see daily.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daily.h"
#include "../alert/alert.h"
#include "../store/store_alerts.h"
#include "../store/store_dnscheck.h"
#include "../util/config.h"
#include "../util/log.h"
#include "../util/sha256.h"

#define DIFF_TEXT_MAX 2000	/* of each side in the alert */

static int
sel_cb(void *ctx, const char *sel)
{
	dc_opts *o = ctx;

	if (o->nselectors >= DC_SELECTORS_MAX)
		return 1;
	for (const char *c = sel; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		    *c == '.'))
			return 0;	/* not a name: never looked up */
	if (*sel == '\0' || strlen(sel) > 63)
		return 0;
	o->selectors[o->nselectors++] = xstrdup(sel);
	return 0;
}

int
dnscheck_selectors(store *s, const char *domain, dc_opts *o, char *err, size_t errlen)
{
	int64_t now = o->now ? o->now : (int64_t)time(NULL);

	if (!store_has(s, dnscheck))
		return 0;
	o->selectors_owned = 1;
	if (store_dnscheck_selectors(s, domain, now - 30 * 86400, DC_SELECTORS_MAX, sel_cb, o) !=
	    STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		return -1;
	}
	return 0;
}

void
dnscheck_selectors_free(dc_opts *o)
{
	if (o->selectors_owned)
		for (int i = 0; i < o->nselectors; i++)
			free((char *)o->selectors[i]);
	o->nselectors = 0;
	o->selectors_owned = 0;
}

/* ---- history ----------------------------------------------------------------- */

typedef struct cur_row {
	int64_t id;
	char kind[24], name[DC_NAME_MAX];
	char *text;
	int matched;
} cur_row;

typedef struct cur_set {
	cur_row *r;
	int n, cap;
} cur_set;

static int
cur_cb(void *ctx, const store_dns_record *d)
{
	cur_set *c = ctx;
	cur_row *x;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->r = xrealloc(c->r, (size_t)c->cap * sizeof(*c->r));
	}
	x = &c->r[c->n++];
	x->id = d->id;
	snprintf(x->kind, sizeof(x->kind), "%s", d->kind);
	snprintf(x->name, sizeof(x->name), "%s", d->name);
	x->text = xstrdup(d->text);
	x->matched = 0;
	return 0;
}

static void
diff_add(json_t *a, const char *kind, const char *name, const char *before, const char *after)
{
	char b[DIFF_TEXT_MAX + 1], f[DIFF_TEXT_MAX + 1];

	snprintf(b, sizeof(b), "%s", before ? before : "");
	snprintf(f, sizeof(f), "%s", after ? after : "");
	json_array_append_new(a, json_pack("{ss ss ss? ss?}", "kind", kind, "name", name, "before",
	    before ? b : NULL, "after", after ? f : NULL));
}

static int
raise_alert(store *s, const char *domain, json_t *diff, int64_t now, char *err, size_t errlen)
{
	alert_settings set;
	store_alert a;
	char *nj, hash[SHA256_HEXLEN], key[20], link[DC_NAME_MAX + 32];
	int64_t id = 0, nq = 0;
	json_t *numbers;
	int rc = 0;

	if (!store_has(s, alerts))
		return 0;	/* a backend without alerts yet */
	memset(&set, 0, sizeof(set));
	if (alert_settings_load(s, domain, &set, err, errlen) != 0)
		return -1;
	nj = json_dumps(diff, JSON_COMPACT | JSON_SORT_KEYS);
	sha256_hex(nj, strlen(nj), hash);
	free(nj);
	snprintf(key, sizeof(key), "%.12s", hash);
	numbers = json_pack("{sO si}", "changes", diff, "count", (int)json_array_size(diff));
	nj = json_dumps(numbers, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(numbers);
	snprintf(link, sizeof(link), "#/check?domain=%s", domain);
	memset(&a, 0, sizeof(a));
	a.policy_domain = domain;
	a.rule = RULE_DNS_CHANGE;
	a.subject_key = key;
	a.day = now / 86400;
	a.numbers = nj;
	a.link = link;
	a.created_at = now;
	if (store_alerts_alert_add(s, &a, &id) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		rc = -1;
	} else if (id != 0 && set.enabled && alert_queue(s, &set, id, now, &nq) != 0) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		rc = -1;
	}
	free(nj);
	alert_settings_clear(&set);
	return rc;
}

/* A record only looked up when asked for (a DKIM selector seen in the last
 * 30 days of reports, an external report destination named by rua/ruf) is
 * gone only when this check looked for it and did not find it. */
static int
looked_up(const dc_result *r, const cur_row *c)
{
	if (strcmp(c->kind, "dkim") != 0 && strcmp(c->kind, "dmarc-report") != 0)
		return 1;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].name, c->name) == 0)
			return 1;
	return 0;
}

static int
track(store *s, const dc_result *r, int *changes, char *err, size_t errlen)
{
	int64_t now = r->checked_at;
	cur_set cur = { NULL, 0, 0 };
	int partial = 0, baseline, e, w, in, rc = -1;
	json_t *diff = json_array();
	dbuf b;

	*changes = 0;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].def->code, "dns.tempfail") == 0 ||
		    strcmp(r->f[i].def->code, "dns.cap") == 0)
			partial = 1;
	dbuf_init(&b, 16 << 20);
	dc_result_json(r, &b);
	dc_counts(r, &e, &w, &in);
	if (store_dnscheck_result_put(s, r->domain, now, e, w, dbuf_cstr(&b)) != STORE_OK)
		goto store_err;
	if (store_dnscheck_records(s, r->domain, 1, 1000, cur_cb, &cur) != STORE_OK)
		goto store_err;
	baseline = cur.n == 0;
	for (int i = 0; i < r->nrec; i++) {
		const dc_record *x = &r->rec[i];
		cur_row *old = NULL;

		for (int k = 0; k < cur.n && old == NULL; k++)
			if (!cur.r[k].matched && strcmp(cur.r[k].kind, x->kind) == 0 &&
			    strcmp(cur.r[k].name, x->name) == 0)
				old = &cur.r[k];
		if (old != NULL) {
			old->matched = 1;
			if (strcmp(old->text, x->text) == 0) {
				if (store_dnscheck_record_seen(s, old->id, now) != STORE_OK)
					goto store_err;
				continue;
			}
			if (store_dnscheck_record_gone(s, old->id, now) != STORE_OK)
				goto store_err;
		}
		if (store_dnscheck_record_add(s, r->domain, x->kind, x->name, x->text, now) != STORE_OK)
			goto store_err;
		if (!baseline) {
			diff_add(diff, x->kind, x->name, old ? old->text : NULL, x->text);
			(*changes)++;
		}
	}
	if (!partial)
		for (int k = 0; k < cur.n; k++) {
			if (cur.r[k].matched || !looked_up(r, &cur.r[k]))
				continue;
			if (store_dnscheck_record_gone(s, cur.r[k].id, now) != STORE_OK)
				goto store_err;
			diff_add(diff, cur.r[k].kind, cur.r[k].name, cur.r[k].text, NULL);
			(*changes)++;
		}
	if (*changes > 0 && raise_alert(s, r->domain, diff, now, err, errlen) != 0)
		goto out;
	rc = 0;
	goto out;
store_err:
	snprintf(err, errlen, "%s", store_errmsg(s));
out:
	for (int k = 0; k < cur.n; k++)
		free(cur.r[k].text);
	free(cur.r);
	json_decref(diff);
	dbuf_free(&b);
	return rc;
}

int
dnscheck_track(store *s, const dc_result *r, int *changes, char *err, size_t errlen)
{
	if (!store_has(s, dnscheck)) {
		snprintf(err, errlen, "this database backend keeps no DNS check history");
		return -1;
	}
	if (store_begin(s) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		return -1;
	}
	if (track(s, r, changes, err, errlen) != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		store_rollback(s);
		return -1;
	}
	return 0;
}

/* ---- config and the daily run ------------------------------------------------ */

static const char *const cfg_keys[] = { "auto", "resolver", "ca_file", "https_port", "timeout",
    NULL };

int
dnscheck_config(const char *path, dc_opts *o, int *enabled, char *err, size_t errlen)
{
	ds_config *cf;
	const char *v;
	long n;
	static char resolver[256], ca[4096];

	*enabled = 1;
	if (path == NULL)
		return 0;
	if ((cf = config_load(path, err, errlen)) == NULL)
		return -1;
	if ((v = config_str(cf, "dnscheck", "auto")) != NULL && strcmp(v, "no") == 0)
		*enabled = 0;
	if ((v = config_str(cf, "dnscheck", "resolver")) != NULL) {
		snprintf(resolver, sizeof(resolver), "%s", v);
		o->resolver = resolver;
	}
	if ((v = config_str(cf, "dnscheck", "ca_file")) != NULL) {
		snprintf(ca, sizeof(ca), "%s", v);
		o->ca_file = ca;
	}
	n = o->https_port;
	if (config_num(cf, "dnscheck", "https_port", 1, 65535, &n) < 0)
		goto bad;
	o->https_port = (int)n;
	n = o->timeout_ms;
	if (config_num(cf, "dnscheck", "timeout", 50, 60000, &n) < 0)
		goto bad;
	o->timeout_ms = (int)n;
	config_free(cf);
	return 0;
bad:
	snprintf(err, errlen, "%s", config_err(cf));
	config_free(cf);
	return -1;
}

int
dnscheck_config_check(ds_config *cf, FILE *f)
{
	size_t n;
	const char *const *k = config_keys(cf, "dnscheck", &n);
	const char *v;
	int bad = 0;
	long x;

	for (size_t i = 0; i < n; i++) {
		int ok = 0;

		for (const char *const *p = cfg_keys; *p != NULL; p++)
			ok |= strcmp(*p, k[i]) == 0;
		if (!ok) {
			fprintf(f, "[dnscheck] %s: unknown key\n", k[i]);
			bad++;
		}
	}
	if ((v = config_str(cf, "dnscheck", "auto")) != NULL && strcmp(v, "yes") && strcmp(v, "no")) {
		fprintf(f, "[dnscheck] auto = %s: want yes or no\n", v);
		bad++;
	}
	if (config_num(cf, "dnscheck", "https_port", 1, 65535, &x) < 0 ||
	    config_num(cf, "dnscheck", "timeout", 50, 60000, &x) < 0) {
		fprintf(f, "%s\n", config_err(cf));
		bad++;
	}
	return bad;
}

typedef struct dom_list {
	char **d;
	int n, cap;
} dom_list;

static int
dom_cb(void *ctx, const char *d)
{
	dom_list *l = ctx;

	if (l->n >= 10000)
		return 1;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->d = xrealloc(l->d, (size_t)l->cap * sizeof(*l->d));
	}
	l->d[l->n++] = xstrdup(d);
	return 0;
}

int
dnscheck_once(cmd_ctx *c)
{
	dc_opts o;
	char err[512];
	int enabled, bad = 0, changed = 0;
	dom_list l = { NULL, 0, 0 };
	store *s;

	dc_opts_init(&o);
	o.loopback_only = getenv("DMARCSCOPE_ENRICH_LOOPBACK_ONLY") != NULL;
	if (dnscheck_config(c->config, &o, &enabled, err, sizeof(err)) != 0) {
		log_warnx("dnscheck: %s", err);
		return 1;
	}
	if (!enabled)
		return 0;
	if ((s = cmd_open_store(c)) == NULL)
		return 1;
	if (!store_has(s, dnscheck) ||
	    store_dnscheck_domains(s, (int64_t)time(NULL) - 90 * 86400, dom_cb, &l) != STORE_OK) {
		log_warnx("dnscheck: %s", store_has(s, dnscheck) ? store_errmsg(s) : "no DNS check store");
		store_close(s);
		return 1;
	}
	for (int i = 0; i < l.n; i++) {
		dc_result r;
		int changes = 0;

		if (dnscheck_selectors(s, l.d[i], &o, err, sizeof(err)) != 0)
			log_warnx("dnscheck: %s: %s", l.d[i], err);
		if (dc_check(l.d[i], &o, &r, err, sizeof(err)) != 0) {
			log_warnx("dnscheck: %s: %s", l.d[i], err);
			bad++;
		} else {
			if (dnscheck_track(s, &r, &changes, err, sizeof(err)) != 0) {
				log_warnx("dnscheck: %s: %s", l.d[i], err);
				bad++;
			}
			changed += changes;
			dc_result_free(&r);
		}
		dnscheck_selectors_free(&o);
		free(l.d[i]);
	}
	log_info("dnscheck: %d domain%s checked, %d record change%s, %d failed", l.n,
	    l.n == 1 ? "" : "s", changed, changed == 1 ? "" : "s", bad);
	free(l.d);
	store_close(s);
	return bad > 0 ? 1 : 0;
}

long
dnscheck_first_delay(void)
{
	const char *v = getenv("DMARCSCOPE_DNSCHECK_DELAY");
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return 600;
	n = strtol(v, &end, 10);
	return *end == '\0' && n >= 0 && n <= 86400 ? n : 600;
}
