/*
 * check_spf.c - the SPF checks (RFC 7208): the record at DOMAIN (one only,
 * §4.5; the answer's size, §3.4), its terms (§4.6.1, §5, §6), and the DNS
 * lookup and void-lookup limits (§4.6.4) counted by really following
 * include, redirect, a, mx, ptr and exists, as a receiver would for a
 * client that matches nothing (every mechanism is evaluated).  Loops are
 * found on the include/redirect chain.  Macros are not expanded (the
 * lookup is counted, not made).  Depth and queries are capped.
 *
 * The same walk counts the lookups of a record text that is not published
 * (the record with a proposed change, issue 18 part 2: dc_spf_count) and
 * collects the networks the record authorizes ('+' ip4, ip6, a and the
 * addresses of mx targets), so that a fix can say whether an address is
 * covered by any current mechanism.
 *
 * Exports: dc_check_spf (dc_priv.h), dc_spf_count, dc_spf_count_free,
 * dc_spf_covers, dc_spf_term_cidr (dnscheck.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dc_priv.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

#define SPF_DEPTH 12

typedef struct spf_walk {
	dc_net *n;
	int lookups, voids;
	char chain[SPF_DEPTH][DC_NAME_MAX];
	int depth;
	int looped;
	dc_spf_counted *collect;	/* dc_spf_count: the networks go here; NULL in dc_check */
	const char *given;	/* dc_spf_count: the top record's text instead of DNS */
} spf_walk;

static void eval(spf_walk *w, const char *domain, const char *via);

/* The CIDR lengths of an a/mx term as written ("a:x/24//64"): v4 32, v6 128 by default. */
void
dc_spf_term_cidr(const dc_spf_term *t, int *v4, int *v6)
{
	const char *sl = strchr(t->text, '/');

	*v4 = 32;
	*v6 = 128;
	if (sl == NULL)
		return;
	if (sl[1] != '/') {
		long v = strtol(sl + 1, NULL, 10);

		if (v >= 0 && v <= 32)
			*v4 = (int)v;
		sl = strstr(sl + 1, "//");
	}
	if (sl != NULL && sl[0] == '/' && sl[1] == '/') {
		long v = strtol(sl + 2, NULL, 10);

		if (v >= 0 && v <= 128)
			*v6 = (int)v;
	}
}

static void
net_add(spf_walk *w, int family, const unsigned char *addr, int bits, const char *from)
{
	dc_spf_counted *c = w->collect;
	dc_spf_net *x;

	if (c == NULL)
		return;
	if (c->nnets >= DC_SPF_NETS) {
		c->nets_more = 1;
		return;
	}
	x = &c->nets[c->nnets++];
	memset(x, 0, sizeof(*x));
	x->family = family;
	memcpy(x->addr, addr, family == 4 ? 4 : 16);
	x->bits = bits;
	snprintf(x->from, sizeof(x->from), "%s", from);
}

/* ip4:/ip6: terms with a '+' qualifier into the networks. */
static void
net_term(spf_walk *w, const dc_spf_term *t)
{
	ip_cidr c;

	if (w->collect == NULL || t->qual != '+')
		return;
	if (ip_cidr_parse(t->arg, &c) != 0 || c.net.family != (t->kind == SPF_IP4 ? 4 : 6))
		return;
	net_add(w, c.net.family, c.net.b, c.bits, t->text);
}

/* The addresses of name (A and AAAA) into the networks, as term t allows. */
static void
net_host(spf_walk *w, const dc_spf_term *t, const char *name)
{
	unsigned char a[16][16];
	dns_status st;
	int k, v4, v6;

	dc_spf_term_cidr(t, &v4, &v6);
	k = dc_lookup_addr(w->n, name, DNS_T_A, a, 16, &st);
	if (k == 0 && dns_status_temporary(st))
		dc_tempfail(w->n, name, st);
	for (int i = 0; i < k; i++)
		net_add(w, 4, a[i], v4, t->text);
	k = dc_lookup_addr(w->n, name, DNS_T_AAAA, a, 16, &st);
	if (k == 0 && dns_status_temporary(st))
		dc_tempfail(w->n, name, st);
	for (int i = 0; i < k; i++)
		net_add(w, 6, a[i], v6, t->text);
}

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
	if (top && w->given != NULL) {
		if (!dc_spf_is(w->given))
			return 0;
		*rec = xstrdup(w->given);
		return 1;
	}
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
		if (w->collect != NULL && t->qual == '+') {
			int before = w->collect->nnets;

			net_host(w, t, target);
			if (w->collect->nnets == before && !w->collect->nets_more)
				void_lookup(w, target, "a");
			break;
		}
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
		for (int i = 0; w->collect != NULL && t->qual == '+' && i < k && i < 10; i++)
			net_host(w, t, mx[i]);
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
	if (top && w->collect != NULL && w->given == NULL)
		w->collect->record = xstrdup(rec);
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
		case SPF_IP4: case SPF_IP6:
			net_term(w, t);
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

/* ---- the lookup count of a record text (issue 18 part 2) -------------------- */

static int64_t
spf_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
dc_spf_count(const char *domain, const char *text, const dc_opts *o, dc_spf_counted *c, char *err,
    size_t errlen)
{
	dc_net n;
	dns_opts dopt;
	dc_result *r;
	spf_walk *w;

	memset(c, 0, sizeof(*c));
	memset(&dopt, 0, sizeof(dopt));
	dopt.server = o->resolver;
	dopt.timeout_ms = o->timeout_ms;
	dopt.tries = 2;
	dopt.max_inflight = 4;
	dopt.loopback_only = o->loopback_only;
	memset(&n, 0, sizeof(n));
	if ((r = calloc(1, sizeof(*r))) == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((n.e = dns_new(&dopt, err, errlen)) == NULL) {
		free(r);
		free(w);
		return -1;
	}
	n.r = r;
	n.o = o;
	n.deadline_ms = spf_mono_ms() + (o->deadline_ms > 0 ? o->deadline_ms : 30000);
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	r->spf_lookups = r->spf_voids = -1;
	w->n = &n;
	w->collect = c;
	w->given = text;
	eval(w, domain, NULL);
	c->lookups = w->lookups;
	c->voids = w->voids;
	c->found = r->spf_lookups >= 0 ? 1 : 0;
	for (int i = 0; i < r->n; i++) {
		const char *code = r->f[i].def->code;

		if (strcmp(code, "dns.tempfail") == 0 || strcmp(code, "dns.cap") == 0 ||
		    strcmp(code, "spf.macro") == 0 || strcmp(code, "spf.loop") == 0)
			c->incomplete = 1;
		if (strcmp(code, "spf.multiple") == 0)
			c->found = -2;
		if (strcmp(code, "dns.tempfail") == 0 && strcasecmp(r->f[i].name, domain) == 0 &&
		    c->found == 0)
			c->found = -1;
	}
	c->queries = r->queries;
	dns_free(n.e);
	dc_result_free(r);
	free(r);
	free(w);
	return 0;
}

void
dc_spf_count_free(dc_spf_counted *c)
{
	free(c->record);
	c->record = NULL;
}

int
dc_spf_covers(const dc_spf_counted *c, const char *ip, const char **by)
{
	ip_bin a;
	ip_cidr net;

	if (ip_parse(ip, &a) != 0)
		return 0;
	for (int i = 0; i < c->nnets; i++) {
		const dc_spf_net *x = &c->nets[i];

		if (x->family != a.family)
			continue;
		memset(&net, 0, sizeof(net));
		net.net.family = x->family;
		memcpy(net.net.b, x->addr, 16);
		net.bits = x->bits;
		if (ip_cidr_contains(&net, &a)) {
			if (by != NULL)
				*by = x->from;
			return 1;
		}
	}
	return 0;
}
