/*
 * check_spf.c - the SPF checks (RFC 7208): the record at DOMAIN (one only,
 * §4.5; the answer's size, §3.4), its terms (§4.6.1, §5, §6), and the DNS
 * lookup and void-lookup limits (§4.6.4) counted by really following
 * include, redirect, a, mx, ptr and exists, as a receiver would for a
 * client that matches nothing (every mechanism is evaluated).  Loops are
 * found on the include/redirect chain.  Macros are not expanded (the
 * lookup is counted, not made).  Depth and queries are capped.
 *
 * Exports: dc_check_spf (dc_priv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dc_priv.h"
#include "../util/log.h"

#define SPF_DEPTH 12

typedef struct spf_walk {
	dc_net *n;
	int lookups, voids;
	char chain[SPF_DEPTH][DC_NAME_MAX];
	int depth;
	int looped;
} spf_walk;

static void eval(spf_walk *w, const char *domain, const char *via);

static void
void_lookup(spf_walk *w, const char *name, const char *what)
{
	char arg[DC_NAME_MAX + 32];

	w->voids++;
	snprintf(arg, sizeof(arg), "%s %s", what, name);
	dc_add(w->n->r, "spf.void", name, arg, NULL);
}

/* The SPF record of domain: 1 and *rec (caller frees), 0 none, -1
 * temporary failure, -2 several (permerror, reported). */
static int
spf_record(spf_walk *w, const char *domain, char **rec, int top)
{
	dc_txts t;
	int k = 0;

	*rec = NULL;
	dc_txt(w->n, domain, &t);
	if (dns_status_temporary(t.st)) {
		dc_tempfail(w->n, domain, t.st);
		dc_txt_free(&t);
		return -1;
	}
	for (int i = 0; i < t.n; i++)
		if (dc_spf_is(t.text[i]) && k++ == 0)
			*rec = xstrdup(t.text[i]);
	if (top && t.size > 512) {
		char sz[16];

		snprintf(sz, sizeof(sz), "%d", t.size);
		dc_add(w->n->r, "spf.size", domain, sz, *rec);
	}
	dc_txt_free(&t);
	if (k > 1) {
		char cnt[16];

		snprintf(cnt, sizeof(cnt), "%d", k);
		dc_add(w->n->r, "spf.multiple", domain, cnt, NULL);
		free(*rec);
		*rec = NULL;
		return -2;
	}
	if (k == 0 && (t.st == DNS_NXDOMAIN || t.st == DNS_NODATA || t.st == DNS_OK))
		return 0;
	return k;
}

/* Follows include/redirect into target; what is "include" or "redirect". */
static void
follow(spf_walk *w, const char *target, const char *what)
{
	char arg[DC_NAME_MAX + 16];

	for (int i = 0; i < w->depth; i++)
		if (strcasecmp(w->chain[i], target) == 0) {
			if (!w->looped) {
				snprintf(arg, sizeof(arg), "%s", target);
				dc_add(w->n->r, "spf.loop", target, arg, NULL);
			}
			w->looped = 1;
			return;
		}
	if (w->depth >= SPF_DEPTH) {
		dc_add(w->n->r, "dns.cap", target, "SPF include depth", NULL);
		return;
	}
	eval(w, target, what);
}

static void
mech_lookup(spf_walk *w, const dc_spf_term *t, const char *domain)
{
	const char *target = t->arg[0] != '\0' ? t->arg : domain;
	dns_status st, st6;
	char mx[16][DC_NAME_MAX];
	int k;

	w->lookups++;
	if (dc_spf_has_macro(target)) {
		dc_add(w->n->r, "spf.macro", domain, t->text, NULL);
		return;
	}
	switch (t->kind) {
	case SPF_INCLUDE:
		follow(w, target, "include");
		break;
	case SPF_A:
		k = dc_lookup_addr(w->n, target, DNS_T_A, NULL, 0, &st);
		if (k == 0 && !dns_status_temporary(st)) {
			k = dc_lookup_addr(w->n, target, DNS_T_AAAA, NULL, 0, &st6);
			st = st6;
		}
		if (k == 0 && dns_status_temporary(st))
			dc_tempfail(w->n, target, st);
		else if (k == 0)
			void_lookup(w, target, "a");
		break;
	case SPF_MX:
		k = dc_lookup_mx(w->n, target, mx, 16, &st);
		if (k == 0 && dns_status_temporary(st))
			dc_tempfail(w->n, target, st);
		else if (k == 0)
			void_lookup(w, target, "mx");
		else if (k > 10)
			dc_add(w->n->r, "spf.mx_many", target, target, NULL);
		break;
	case SPF_EXISTS:
		k = dc_lookup_addr(w->n, target, DNS_T_A, NULL, 0, &st);
		if (k == 0 && dns_status_temporary(st))
			dc_tempfail(w->n, target, st);
		else if (k == 0)
			void_lookup(w, target, "exists");
		break;
	case SPF_PTR:
		dc_add(w->n->r, "spf.ptr", domain, t->text, NULL);
		break;
	default:
		break;
	}
}

static void
eval(spf_walk *w, const char *domain, const char *via)
{
	char *rec = NULL;
	dc_spf *s;
	int rc, top = via == NULL, has_all = 0;
	const dc_spf_term *redirect = NULL;

	rc = spf_record(w, domain, &rec, top);
	if (rc == 0) {
		if (top)
			dc_add(w->n->r, "spf.none", domain, domain, NULL);
		else {
			w->voids++;
			dc_add(w->n->r, strcmp(via, "include") == 0 ? "spf.include_none" :
			    "spf.redirect_none", domain, domain, NULL);
		}
		return;
	}
	if (rc < 0)
		return;
	if (top) {
		dc_add_record(w->n->r, "spf", domain, rec);
		w->n->r->spf_lookups = 0;
		w->n->r->spf_voids = 0;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		free(rec);
		return;
	}
	dc_spf_parse(rec, s);
	snprintf(w->chain[w->depth++], DC_NAME_MAX, "%s", domain);
	if (s->redirects > 1 || s->exps > 1)
		dc_add(w->n->r, "spf.modifier_dup", domain, NULL, rec);
	for (int i = 0; i < s->n; i++)
		if (s->t[i].kind == SPF_ALL)
			has_all = 1;
	for (int i = 0; i < s->n; i++) {
		const dc_spf_term *t = &s->t[i];

		switch (t->kind) {
		case SPF_BAD:
			dc_add(w->n->r, "spf.syntax", domain, t->text, rec);
			break;
		case SPF_ALL:
			if (t->qual == '+')
				dc_add(w->n->r, "spf.pass_all", domain, t->text, rec);
			else if (t->qual == '?' && top)
				dc_add(w->n->r, "spf.neutral_all", domain, t->text, rec);
			break;
		case SPF_INCLUDE: case SPF_A: case SPF_MX: case SPF_PTR: case SPF_EXISTS:
			mech_lookup(w, t, domain);
			break;
		case SPF_REDIRECT:
			if (redirect == NULL)
				redirect = t;
			break;
		default:
			break;
		}
	}
	if (redirect != NULL && has_all && top)
		dc_add(w->n->r, "spf.redirect_ignored", domain, NULL, rec);
	else if (redirect != NULL && !has_all) {
		w->lookups++;
		if (dc_spf_has_macro(redirect->arg))
			dc_add(w->n->r, "spf.macro", domain, redirect->text, NULL);
		else
			follow(w, redirect->arg, "redirect");
	} else if (!has_all && top)
		dc_add(w->n->r, "spf.no_all", domain, NULL, rec);
	w->depth--;
	free(s);
	free(rec);
}

void
dc_check_spf(dc_net *n, const char *domain)
{
	spf_walk *w = calloc(1, sizeof(*w));
	char cnt[16];

	if (w == NULL)
		return;
	w->n = n;
	eval(w, domain, NULL);
	if (n->r->spf_lookups >= 0) {
		n->r->spf_lookups = w->lookups;
		n->r->spf_voids = w->voids;
		snprintf(cnt, sizeof(cnt), "%d", w->lookups);
		if (w->lookups > DC_SPF_LOOKUPS)
			dc_add(n->r, "spf.lookups", domain, cnt, NULL);
		else if (w->lookups >= 8)
			dc_add(n->r, "spf.lookups_near", domain, cnt, NULL);
		else
			dc_add(n->r, "spf.ok", domain, cnt, NULL);
		if (w->voids > DC_SPF_VOIDS) {
			snprintf(cnt, sizeof(cnt), "%d", w->voids);
			dc_add(n->r, "spf.voids", domain, cnt, NULL);
		}
	}
	free(w);
}
