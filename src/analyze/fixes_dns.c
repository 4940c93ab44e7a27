/*
 * fixes_dns.c - the two fix_dns of fixes.h: live (the real DNS through
 * src/dnscheck/: dc_spf_count walks an SPF record, published or proposed,
 * and counts its lookups; dc_check with one selector tells the state of a
 * DKIM key) and saved (the last saved check of the domain, dns_checks'
 * JSON: the SPF record and its lookup count, the DKIM findings; nothing
 * else is known, so a proposed record's count is unknown and only the
 * record's own ip4/ip6 terms are networks).
 *
 * Ownership: a fix_dns owns its context; fixes_dns_free frees both.  The
 * live one keeps the dc_opts by reference and caches DKIM answers.
 * Errors: a lookup that cannot be made answers "unknown" (found -1,
 * lookups -1, FIX_KEY_UNKNOWN); nothing here fails.
 *
 * Exports: fixes_dns_live, fixes_dns_saved, fixes_dns_free (fixes.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixes.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

#define KEY_CACHE 32

typedef struct live_ctx {
	const dc_opts *o;
	struct { char name[DC_NAME_MAX * 2]; int st; } cache[KEY_CACHE];
	int ncache;
} live_ctx;

typedef struct saved_ctx {
	json_t *j;	/* the saved check, or NULL */
} saved_ctx;

static void
unknown(dc_spf_counted *c)
{
	memset(c, 0, sizeof(*c));
	c->found = -1;
	c->lookups = -1;
	c->incomplete = 1;
}

static void
live_spf(void *ctx, const char *name, const char *text, dc_spf_counted *c)
{
	live_ctx *l = ctx;
	char err[256];

	if (dc_spf_count(name, text, l->o, c, err, sizeof(err)) != 0) {
		log_warnx("fixes: SPF of %s: %s", name, err);
		unknown(c);
	}
}

static int
live_key(void *ctx, const char *domain, const char *sel)
{
	live_ctx *l = ctx;
	dc_opts o = *l->o;
	dc_result r;
	char name[DC_NAME_MAX * 2], err[256];
	int st = FIX_KEY_UNKNOWN;

	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, domain);
	for (int i = 0; i < l->ncache; i++)
		if (strcasecmp(l->cache[i].name, name) == 0)
			return l->cache[i].st;
	o.selectors[0] = sel;
	o.nselectors = 1;
	o.selectors_owned = 0;
	o.no_https = 1;
	if (dc_check(domain, &o, &r, err, sizeof(err)) != 0) {
		log_warnx("fixes: DKIM key %s: %s", name, err);
		return FIX_KEY_UNKNOWN;
	}
	for (int i = 0; i < r.n; i++) {
		const char *code = r.f[i].def->code;

		if (strcasecmp(r.f[i].name, name) != 0)
			continue;
		if (strcmp(code, "dkim.missing") == 0)
			st = FIX_KEY_MISSING;
		else if (strcmp(code, "dkim.revoked") == 0)
			st = FIX_KEY_REVOKED;
		else if (strcmp(code, "dkim.ok") == 0 && st == FIX_KEY_UNKNOWN)
			st = FIX_KEY_OK;
	}
	dc_result_free(&r);
	if (l->ncache < KEY_CACHE) {
		snprintf(l->cache[l->ncache].name, sizeof(l->cache[0].name), "%s", name);
		l->cache[l->ncache++].st = st;
	}
	return st;
}

fix_dns *
fixes_dns_live(const dc_opts *o)
{
	fix_dns *d = xcalloc(1, sizeof(*d));
	live_ctx *l = xcalloc(1, sizeof(*l));

	l->o = o;
	d->mode = "live";
	d->spf = live_spf;
	d->dkim_key = live_key;
	d->ctx = l;
	return d;
}

/* The ip4/ip6 terms of text with a '+' qualifier. */
static void
text_nets(const char *text, dc_spf_counted *c)
{
	dc_spf *s = xcalloc(1, sizeof(*s));
	ip_cidr net;

	if (dc_spf_parse(text, s) == 0)
		for (int i = 0; i < s->n && c->nnets < DC_SPF_NETS; i++) {
			const dc_spf_term *t = &s->t[i];

			if ((t->kind != SPF_IP4 && t->kind != SPF_IP6) || t->qual != '+' ||
			    ip_cidr_parse(t->arg, &net) != 0)
				continue;
			c->nets[c->nnets].family = net.net.family;
			memcpy(c->nets[c->nnets].addr, net.net.b, 16);
			c->nets[c->nnets].bits = net.bits;
			snprintf(c->nets[c->nnets].from, sizeof(c->nets[0].from), "%s", t->text);
			c->nnets++;
		}
	free(s);
}

static void
saved_spf(void *ctx, const char *name, const char *text, dc_spf_counted *c)
{
	saved_ctx *s = ctx;
	const char *dom = json_string_value(json_object_get(s->j, "domain"));
	json_t *recs = json_object_get(s->j, "records"), *r;
	size_t i;

	unknown(c);
	if (s->j == NULL || dom == NULL || strcasecmp(dom, name) != 0 || text != NULL)
		return;
	c->found = 0;
	json_array_foreach(recs, i, r) {
		const char *k = json_string_value(json_object_get(r, "kind"));
		const char *t = json_string_value(json_object_get(r, "text"));

		if (k != NULL && t != NULL && strcmp(k, "spf") == 0 && strchr(t, '\n') == NULL) {
			c->found = 1;
			c->record = xstrdup(t);
			text_nets(t, c);
			break;
		}
	}
	if (c->found == 1)
		c->lookups = (int)json_integer_value(json_object_get(s->j, "spf_lookups"));
	else {
		/* no record kept: none only when the check said so */
		json_t *f;

		c->found = -1;
		json_array_foreach(json_object_get(s->j, "findings"), i, f)
			if (strcmp(json_string_value(json_object_get(f, "code")) ?: "", "spf.none") == 0)
				c->found = 0;
		c->lookups = c->found == 0 ? 0 : -1;
	}
}

static int
saved_key(void *ctx, const char *domain, const char *sel)
{
	saved_ctx *s = ctx;
	char name[DC_NAME_MAX * 2];
	json_t *f;
	size_t i;
	int st = FIX_KEY_UNKNOWN;

	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, domain);
	json_array_foreach(json_object_get(s->j, "findings"), i, f) {
		const char *code = json_string_value(json_object_get(f, "code"));
		const char *n = json_string_value(json_object_get(f, "name"));

		if (code == NULL || n == NULL || strcasecmp(n, name) != 0)
			continue;
		if (strcmp(code, "dkim.missing") == 0)
			st = FIX_KEY_MISSING;
		else if (strcmp(code, "dkim.revoked") == 0)
			st = FIX_KEY_REVOKED;
		else if (strcmp(code, "dkim.ok") == 0 && st == FIX_KEY_UNKNOWN)
			st = FIX_KEY_OK;
	}
	return st;
}

fix_dns *
fixes_dns_saved(const char *json)
{
	fix_dns *d = xcalloc(1, sizeof(*d));
	saved_ctx *s = xcalloc(1, sizeof(*s));
	json_error_t e;

	if (json != NULL && json[0] != '\0')
		s->j = json_loads(json, 0, &e);
	d->mode = "saved";
	d->spf = saved_spf;
	d->dkim_key = saved_key;
	d->ctx = s;
	return d;
}

void
fixes_dns_free(fix_dns *d)
{
	if (d == NULL)
		return;
	if (strcmp(d->mode, "saved") == 0)
		json_decref(((saved_ctx *)d->ctx)->j);
	free(d->ctx);
	free(d);
}
