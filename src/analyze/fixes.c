/*
 * fixes.c - exact fixes from the data (issue 18 part 2; see fixes.h): the
 * failing records of a domain summed per source and failure pattern, one
 * rule set turning each group into fixes, the ip4 terms of several hosts of
 * one /24 aggregated into one CIDR, the SPF lookup count after each change
 * (through the fix_dns), same-service groups merged, the JSON.
 *
 * The merging, the /24 aggregation, the counting and the JSON of one fix
 * are in fixes_out.c (fixes_priv.h).
 *
 * Exports: fixes_run, fix_service_include (fixes.h); fx_spf_current, fx_slot
 * (fixes_priv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixes.h"
#include "fixes_priv.h"
#include "align.h"
#include "classify.h"
#include "senders.h"
#include "../auth/principal.h"
#include "../store/store_web.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

#define NBUCKET 1024
/* The includes the services document for their senders (the service map's names). */
static const struct { const char *name, *include; } includes[] = {
	{ "Google", "_spf.google.com" },
	{ "Microsoft", "spf.protection.outlook.com" },
	{ "Microsoft 365", "spf.protection.outlook.com" },
	{ "Amazon SES", "amazonses.com" },
	{ "Twilio SendGrid", "sendgrid.net" },
	{ "Mailchimp", "servers.mcsv.net" },
	{ "Mailchimp Transactional (Mandrill)", "spf.mandrillapp.com" },
	{ "Salesforce", "_spf.salesforce.com" },
	{ "Mailgun", "mailgun.org" },
	{ "SparkPost (Bird)", "sparkpostmail.com" },
	{ "Zendesk", "mail.zendesk.com" },
	{ "Postmark", "spf.mtasv.net" },
};

const char *
fix_service_include(const char *svc)
{
	if (svc == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(includes) / sizeof(includes[0]); i++)
		if (strcmp(includes[i].name, svc) == 0)
			return includes[i].include;
	return NULL;
}

typedef struct scan {
	grp *g;
	int n, bucket[NBUCKET];
	int64_t rows, passing, spoofing, failing;
	int partial;
	grp *cur;	/* the sample read */
} scan;

static const store_web_val *
col(int ncol, const char *const *names, const store_web_val *v, const char *name)
{
	static const store_web_val null_v = { SWV_NULL, 0, 0, NULL };

	for (int i = 0; i < ncol; i++)
		if (strcmp(names[i], name) == 0)
			return &v[i];
	return &null_v;
}

static const char *
str(const store_web_val *v)
{
	return v->type == SWV_TEXT && v->s != NULL ? v->s : "";
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % NBUCKET;
}

static int
row_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	scan *s = ctx;
	int cls = (int)col(ncol, names, v, "class")->i, path = (int)col(ncol, names, v, "path")->i;
	int64_t cnt = col(ncol, names, v, "count")->i;
	const char *ip = str(col(ncol, names, v, "source_ip")), *org;
	char key[1200];
	unsigned h;
	int i;
	grp *g;

	if (++s->rows > FIX_ROWS_MAX) {
		s->partial = 1;
		return 1;
	}
	if (cls == CLS_SPOOFING) {
		s->spoofing += cnt;
		return 0;
	}
	if (cls == CLS_NORMAL && path != PATH_FORWARDED) {
		s->passing += cnt;
		return 0;
	}
	if (cls == CLS_NORMAL)
		s->passing += cnt;
	else
		s->failing += cnt;
	snprintf(key, sizeof(key), "%s|%d|%d|%lld|%lld|%s|%s", ip, cls, path,
	    (long long)col(ncol, names, v, "spf_cat")->i, (long long)col(ncol, names, v, "dkim_cat")->i,
	    str(col(ncol, names, v, "spf_result_domain")), str(col(ncol, names, v, "dkim_result_domain")));
	h = hash(key);
	for (i = s->bucket[h]; i >= 0; i = s->g[i].next)
		if (strcmp(s->g[i].key, key) == 0)
			break;
	if (i < 0) {
		if (s->n >= FIX_GROUPS_MAX) {
			s->partial = 1;
			return 0;
		}
		i = s->n++;
		g = &s->g[i];
		memset(g, 0, sizeof(*g));
		snprintf(g->key, sizeof(g->key), "%s", key);
		g->next = s->bucket[h];
		s->bucket[h] = i;
		snprintf(g->ip, sizeof(g->ip), "%s", ip);
		snprintf(g->ptr, sizeof(g->ptr), "%s", str(col(ncol, names, v, "reverse_dns")));
		g->cls = cls;
		g->path = path;
		g->spf_cat = (int)col(ncol, names, v, "spf_cat")->i;
		g->dkim_cat = (int)col(ncol, names, v, "dkim_cat")->i;
		g->sender_kind = (int)col(ncol, names, v, "sender_kind")->i;
		g->sample = col(ncol, names, v, "id")->i;
		g->first = col(ncol, names, v, "date_begin")->i;
	}
	g = &s->g[i];
	g->messages += cnt;
	g->records++;
	if (col(ncol, names, v, "date_begin")->i < g->first)
		g->first = col(ncol, names, v, "date_begin")->i;
	if (col(ncol, names, v, "date_end")->i > g->last)
		g->last = col(ncol, names, v, "date_end")->i;
	org = str(col(ncol, names, v, "org_name"));
	for (i = 0; i < g->nrep; i++)
		if (strcmp(g->rep[i], org) == 0)
			break;
	if (i == g->nrep && g->nrep < NREP && org[0] != '\0')
		snprintf(g->rep[g->nrep++], sizeof(g->rep[0]), "%s", org);
	return 0;
}

static int
rec_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	grp *g = ((scan *)ctx)->cur;

	snprintf(g->envfrom, sizeof(g->envfrom), "%s", str(col(ncol, names, v, "envelope_from")));
	snprintf(g->service, sizeof(g->service), "%s", str(col(ncol, names, v, "service")));
	snprintf(g->spf_domain, sizeof(g->spf_domain), "%s", str(col(ncol, names, v, "spf_domain")));
	snprintf(g->spf_result, sizeof(g->spf_result), "%s", str(col(ncol, names, v, "spf_result")));
	return 1;
}

static int
dkim_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	grp *g = ((scan *)ctx)->cur;

	if (g->ndk >= NDK)
		return 1;
	snprintf(g->dk[g->ndk].d, sizeof(g->dk[0].d), "%s", str(col(ncol, names, v, "domain")));
	snprintf(g->dk[g->ndk].sel, sizeof(g->dk[0].sel), "%s", str(col(ncol, names, v, "selector")));
	snprintf(g->dk[g->ndk].res, sizeof(g->dk[0].res), "%s", str(col(ncol, names, v, "result")));
	g->ndk++;
	return 0;
}

static int
grp_cmp(const void *a, const void *b)
{
	const grp *x = a, *y = b;

	if (x->messages != y->messages)
		return x->messages > y->messages ? -1 : 1;
	return strcmp(x->key, y->key);
}

const dc_spf_counted *
fx_spf_current(run *r, const char *name)
{
	for (int i = 0; i < r->nspf; i++)
		if (strcasecmp(r->spf[i].name, name) == 0)
			return r->spf[i].c;
	if (r->nspf >= NSPF || r->dns == NULL)
		return NULL;
	snprintf(r->spf[r->nspf].name, sizeof(r->spf[0].name), "%s", name);
	r->spf[r->nspf].c = xcalloc(1, sizeof(dc_spf_counted));
	r->dns->spf(r->dns->ctx, name, NULL, r->spf[r->nspf].c);
	return r->spf[r->nspf++].c;
}

static void
who_label(const grp *g, char *out, size_t len)
{
	if (g->service[0] != '\0')
		snprintf(out, len, "%s (%s)", g->service, g->ip);
	else if (g->ptr[0] != '\0')
		snprintf(out, len, "%s (%s)", g->ip, g->ptr);
	else
		snprintf(out, len, "%s", g->ip);
}

static pfix *
add(run *r, const char *code, const grp *g, const char *merge)
{
	pfix *p;
	char who[512];

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->f = xrealloc(r->f, (size_t)r->cap * sizeof(*r->f));
	}
	p = &r->f[r->n++];
	memset(p, 0, sizeof(*p));
	p->def = fix_def_find(code);
	p->sev = p->def->sev;
	/* a known service that is not one of My Senders: a warning */
	if (g->sender_kind == SENDER_NONE && strcmp(p->sev, "error") == 0)
		p->sev = "warning";
	p->g = g;
	p->slots = json_object();
	who_label(g, who, sizeof(who));
	json_object_set_new(p->slots, "who", json_string(who));
	json_object_set_new(p->slots, "d", json_string(r->d));
	if (merge != NULL && g->service[0] != '\0')
		snprintf(p->merge, sizeof(p->merge), "%s|%s|%s", code, g->service, merge);
	p->messages = g->messages;
	p->records = g->records;
	p->first = g->first;
	p->last = g->last;
	p->reporters = json_array();
	for (int i = 0; i < g->nrep; i++)
		json_array_append_new(p->reporters, json_string(g->rep[i]));
	p->ips = json_array();
	json_array_append_new(p->ips, json_string(g->ip));
	p->record_ids = json_array();
	json_array_append_new(p->record_ids, json_integer(g->sample));
	return p;
}

void
fx_slot(pfix *p, const char *name, const char *v)
{
	json_object_set_new(p->slots, name, json_string(v));
}

static int
aligned(const char *a, const char *d)
{
	return a != NULL && a[0] != '\0' && align_match(a, d, DM_ALIGN_UNSET);
}

/* The SPF fix of a group whose SPF fails for an aligned envelope domain. */
static void
spf_fix(run *r, const grp *g)
{
	const char *rd = g->spf_domain[0] ? g->spf_domain : g->envfrom[0] ? g->envfrom : r->d;
	const dc_spf_counted *c = fx_spf_current(r, rd);
	const char *inc = g->sender_kind != SENDER_INTERNAL ? fix_service_include(g->service) : NULL;
	const char *by = NULL;
	char term[128];
	ip_bin ip;
	pfix *p;

	if (ip_parse(g->ip, &ip) != 0)
		return;
	if (inc != NULL)
		snprintf(term, sizeof(term), "include:%s", inc);
	else
		snprintf(term, sizeof(term), "%s:%s", ip.family == 4 ? "ip4" : "ip6", g->ip);
	if (c != NULL && c->found == 1 && (dc_spf_covers(c, g->ip, &by) ||
	    (inc != NULL && c->record != NULL && strcasestr(c->record, term) != NULL))) {
		p = add(r, "spf.covered", g, NULL);
		fx_slot(p, "rd", rd);
		fx_slot(p, "by", by != NULL ? by : term);
		return;
	}
	if (c != NULL && c->found == 0)
		p = add(r, "spf.new_record", g, NULL);
	else if (inc != NULL)
		p = add(r, "spf.add_include", g, term);
	else
		p = add(r, ip.family == 4 ? "spf.add_ip4" : "spf.add_ip6", g, NULL);
	p->term_kind = c != NULL && c->found == 0 ? T_NEW : inc != NULL ? T_INCLUDE : T_IP;
	p->ip = ip;
	snprintf(p->rd, sizeof(p->rd), "%s", rd);
	snprintf(p->term, sizeof(p->term), "%s", term);
	fx_slot(p, "rd", rd);
	fx_slot(p, "term", term);
	if (inc != NULL)
		fx_slot(p, "svc", g->service);
	fx_slot(p, "cover", "");	/* filled per language */
}

static void
dkim_fix(run *r, const grp *g)
{
	char key[DC_NAME_MAX * 2];
	pfix *p;
	int i;

	if (g->dkim_cat == ALIGN_PASS_UNALIGNED) {
		for (i = 0; i < g->ndk; i++)
			if (strcmp(g->dk[i].res, "pass") == 0 && !aligned(g->dk[i].d, r->d))
				break;
		p = add(r, "dkim.not_aligned", g, i < g->ndk ? g->dk[i].d : "");
		fx_slot(p, "dkd", i < g->ndk ? g->dk[i].d : "?");
		return;
	}
	for (i = 0; i < g->ndk; i++)
		if (aligned(g->dk[i].d, r->d) && strcmp(g->dk[i].res, "pass") != 0)
			break;
	if (i < g->ndk && g->dk[i].sel[0] != '\0') {
		int st = r->dns != NULL ? r->dns->dkim_key(r->dns->ctx, g->dk[i].d, g->dk[i].sel) :
		    FIX_KEY_UNKNOWN;
		const char *code = st == FIX_KEY_MISSING ? "dkim.key_missing" : st == FIX_KEY_REVOKED ?
		    "dkim.key_revoked" : st == FIX_KEY_OK ? "dkim.key_mismatch" : "dkim.fail";
		snprintf(key, sizeof(key), "%s._domainkey.%s", g->dk[i].sel, g->dk[i].d);
		p = add(r, code, g, key);
		fx_slot(p, "dkd", g->dk[i].d);
		fx_slot(p, "sel", g->dk[i].sel);
		fx_slot(p, "key", key);
		return;
	}
	add(r, g->spf_cat == ALIGN_FAIL ? "both.missing" : "dkim.none", g, "");
}

static void
fwd_fix(run *r, const grp *g)
{
	const char *code = g->path == PATH_FORWARDED ? "fwd.dkim_survived" :
	    g->path == PATH_ML_OTHER || g->path == PATH_ML_OWN ? "fwd.list" : "fwd.no_dkim";
	const char *via = g->service[0] ? g->service : g->spf_domain[0] &&
	    !aligned(g->spf_domain, r->d) ? g->spf_domain : g->ptr[0] ? g->ptr : g->ip;
	char relay[512];
	pfix *p;

	snprintf(relay, sizeof(relay), "%s (%s)", via, g->ip);
	p = add(r, code, g, NULL);
	snprintf(p->merge, sizeof(p->merge), "%s|%s", code, via);
	fx_slot(p, "relay", relay);
	json_object_set_new(p->slots, "_via", json_string(via));
}

static void
group_fixes(run *r, const grp *g)
{
	if (g->cls != CLS_AUTH_FAILURE) {
		fwd_fix(r, g);
		return;
	}
	dkim_fix(r, g);
	if (g->spf_cat == ALIGN_PASS_UNALIGNED || (g->spf_cat == ALIGN_FAIL && (g->spf_domain[0] ||
	    g->envfrom[0]) && !aligned(g->spf_domain[0] ? g->spf_domain : g->envfrom, r->d))) {
		pfix *p = add(r, "spf.not_aligned", g, g->spf_domain[0] ? g->spf_domain : g->envfrom);

		fx_slot(p, "spd", g->spf_domain[0] ? g->spf_domain : g->envfrom);
		fx_slot(p, "res", g->spf_result[0] ? g->spf_result : g->spf_cat == ALIGN_FAIL ? "fail" :
		    "pass");
	} else if (g->spf_cat == ALIGN_FAIL)
		spf_fix(r, g);
}

static int
valid_domain(const char *d)
{
	size_t n = d != NULL ? strlen(d) : 0;

	return n > 0 && n <= 253 && strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789.-_") == n &&
	    d[0] != '.' && strstr(d, "..") == NULL;
}

json_t *
fixes_run(store *st, const dm_principal *who, const char *domain, int64_t since, int64_t until,
    const fix_dns *dns, char *err, size_t errlen)
{
	dm_principal local;
	store_web_query w;
	scan *s;
	run r;
	json_t *out, *arr;
	int emitted = 0;

	if (!valid_domain(domain)) {
		snprintf(err, errlen, "%s: not a domain name in lower case", domain ? domain : "");
		return NULL;
	}
	if (!store_has(st, web)) {
		snprintf(err, errlen, "this store has no record reads");
		return NULL;
	}
	if (who == NULL) {
		principal_local(&local);
		who = &local;
	}
	s = xcalloc(1, sizeof(*s));
	s->g = xcalloc(FIX_GROUPS_MAX, sizeof(grp));
	for (int i = 0; i < NBUCKET; i++)
		s->bucket[i] = -1;
	memset(&w, 0, sizeof(w));
	w.domain = domain;
	w.since = since;
	w.until = until;
	w.cls = w.result = -1;
	w.sort = SWS_DATE;
	w.limit = -1;
	if (store_web_run(st, who, SWQ_RECORDS_CSV, &w, row_cb, s) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		free(s->g);
		free(s);
		return NULL;
	}
	qsort(s->g, (size_t)s->n, sizeof(grp), grp_cmp);
	for (int i = 0; i < s->n; i++) {
		memset(&w, 0, sizeof(w));
		w.cls = w.result = -1;
		w.id = s->g[i].sample;
		s->cur = &s->g[i];
		if (store_web_run(st, who, SWQ_RECORD, &w, rec_cb, s) != STORE_OK ||
		    store_web_run(st, who, SWQ_RECORD_DKIM, &w, dkim_cb, s) != STORE_OK) {
			snprintf(err, errlen, "%s", store_errmsg(st));
			free(s->g);
			free(s);
			return NULL;
		}
	}
	memset(&r, 0, sizeof(r));
	r.dns = dns;
	r.d = domain;
	for (int i = 0; i < s->n; i++)
		group_fixes(&r, &s->g[i]);
	fx_merge_same(&r);
	fx_aggregate(&r);
	arr = json_array();
	for (int i = 0; i < r.n; i++) {
		pfix *p = &r.f[i];
		counted k;

		if (!p->dead && emitted < FIX_OUT_MAX) {
			if (p->term_kind != T_NONE)
				fx_count_fix(&r, p, &k);
			json_array_append_new(arr, fx_fix_json(&r, p, p->term_kind != T_NONE ? &k : NULL,
			    NULL, NULL));
			emitted++;
			if (p->term_kind != T_NONE && k.after > DC_SPF_LOOKUPS) {
				/* the change would break SPF for every message */
				json_array_append_new(arr, fx_fix_json(&r, p, &k, "spf.limit", "error"));
				emitted++;
			}
			if (p->term_kind != T_NONE)
				free(k.after_text);
		}
	}
	out = json_object();
	json_object_set_new(out, "domain", json_string(domain));
	json_object_set_new(out, "since", json_integer(since));
	json_object_set_new(out, "until", json_integer(until));
	json_object_set_new(out, "dns", json_string(dns != NULL ? dns->mode : "none"));
	json_object_set_new(out, "messages", json_pack("{s:I,s:I,s:I}", "passing",
	    (json_int_t)s->passing, "failing", (json_int_t)s->failing, "spoofing",
	    (json_int_t)s->spoofing));
	json_object_set_new(out, "partial", json_boolean(s->partial || emitted >= FIX_OUT_MAX));
	json_object_set_new(out, "spf", fx_spf_summary(&r));
	json_object_set_new(out, "fixes", arr);
	for (int i = 0; i < r.n; i++) {
		json_decref(r.f[i].slots);
		json_decref(r.f[i].reporters);
		json_decref(r.f[i].ips);
		json_decref(r.f[i].record_ids);
	}
	free(r.f);
	for (int i = 0; i < r.nspf; i++) {
		dc_spf_count_free(r.spf[i].c);
		free(r.spf[i].c);
	}
	free(s->g);
	free(s);
	return out;
}
