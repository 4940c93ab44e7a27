/*
 * cymru.c - IP to ASN over DNS with Team Cymru's service, the fallback when
 * no mmdb knows an address's AS:
 *   d.c.b.a.origin.asn.cymru.com TXT "64496 | 192.0.2.0/24 | ZZ | arin | 2000-01-01"
 *   (IPv6: the 32 nibbles under origin6.asn.cymru.com)
 *   AS64496.asn.cymru.com TXT "64496 | ZZ | arin | 2000-01-01 | EXAMPLE - Example Inc., ZZ"
 * The AS-name query is made once per AS and run: a small table keyed by AS
 * number holds the name, or the lookups waiting for it.
 *
 * Ownership: a cymru belongs to one dns_engine and must be freed after it
 * (dns_free runs the pending callbacks, which still use the table).
 * Exports: cymru_new, cymru_free, cymru_lookup, cymru_parse_origin,
 * cymru_parse_asname.  Out of memory is fatal.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "../util/log.h"

typedef struct as_ent {
	uint32_t asn;			/* 0: empty slot */
	int done;
	dns_status st;
	char *name;			/* NULL when unknown */
	asn_res *waiters;
} as_ent;

struct cymru {
	dns_engine *e;
	as_ent *tab;
	size_t cap, n;
};

typedef struct name_arg {
	cymru *c;
	uint32_t asn;
} name_arg;

cymru *
cymru_new(dns_engine *e)
{
	cymru *c = xcalloc(1, sizeof(*c));

	c->e = e;
	c->cap = 64;
	c->tab = xcalloc(c->cap, sizeof(*c->tab));
	return c;
}

void
cymru_free(cymru *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->tab[i].name);
	free(c->tab);
	free(c);
}

static as_ent *
ent_find(cymru *c, uint32_t asn, int create)
{
	size_t i;

	if (create && (c->n + 1) * 2 > c->cap) {
		as_ent *old = c->tab;
		size_t ocap = c->cap;

		c->cap *= 2;
		c->tab = xcalloc(c->cap, sizeof(*c->tab));
		for (size_t k = 0; k < ocap; k++)
			if (old[k].asn != 0) {
				for (i = old[k].asn * 2654435761u % c->cap; c->tab[i].asn != 0;
				    i = (i + 1) % c->cap)
					;
				c->tab[i] = old[k];
			}
		free(old);
	}
	for (i = asn * 2654435761u % c->cap; c->tab[i].asn != 0; i = (i + 1) % c->cap)
		if (c->tab[i].asn == asn)
			return &c->tab[i];
	if (!create)
		return NULL;
	c->tab[i].asn = asn;
	c->n++;
	return &c->tab[i];
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Splits txt on '|' into at most max trimmed fields; returns the count. */
static int
fields(char *buf, char **f, int max)
{
	int n = 0;
	char *p = buf, *bar;

	while (n < max) {
		bar = strchr(p, '|');
		if (bar != NULL)
			*bar = '\0';
		f[n++] = trim(p);
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return n;
}

static int
parse_asn(const char *s, uint32_t *asn)
{
	unsigned long long v = 0;
	int digits = 0;

	for (; isdigit((unsigned char)*s); s++, digits++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 4294967295ull)
			return -1;
	}
	if (digits == 0 || (*s != '\0' && *s != ' '))
		return -1;
	*asn = (uint32_t)v;
	return 0;
}

int
cymru_parse_origin(const char *txt, uint32_t *asn, char *prefix, size_t plen, char cc[3])
{
	char buf[DNS_TXT_MAX], *f[5];
	int n;

	snprintf(buf, sizeof(buf), "%s", txt);
	n = fields(buf, f, 5);
	if (n < 2 || parse_asn(f[0], asn) != 0 || *asn == 0)
		return -1;
	prefix[0] = '\0';
	for (const char *p = f[1]; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != '.' && *p != ':' && *p != '/')
			return -1;
	snprintf(prefix, plen, "%s", f[1]);
	cc[0] = '\0';
	if (n >= 3 && strlen(f[2]) == 2 && isalpha((unsigned char)f[2][0]) &&
	    isalpha((unsigned char)f[2][1])) {
		cc[0] = (char)toupper((unsigned char)f[2][0]);
		cc[1] = (char)toupper((unsigned char)f[2][1]);
		cc[2] = '\0';
	}
	return 0;
}

int
cymru_parse_asname(const char *txt, char *name, size_t len)
{
	char buf[DNS_TXT_MAX], *f[5], *s;
	size_t l;

	snprintf(buf, sizeof(buf), "%s", txt);
	if (fields(buf, f, 5) < 5 || f[4][0] == '\0')
		return -1;
	s = f[4];
	l = strlen(s);
	/* drop the trailing ", CC" (the country is known from elsewhere) */
	if (l > 4 && s[l - 4] == ',' && s[l - 3] == ' ' && isupper((unsigned char)s[l - 2]) &&
	    isupper((unsigned char)s[l - 1]))
		s[l - 4] = '\0';
	snprintf(name, len, "%s", s);
	return 0;
}

static void
name_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	name_arg *na = arg;
	cymru *c = na->c;
	as_ent *ent = ent_find(c, na->asn, 0);
	char txt[4][DNS_TXT_MAX], name[256] = "";
	asn_res *w, *next;
	int n;

	free(na);
	if (ent == NULL)
		return;
	if (st == DNS_OK && (n = dns_rr_txt(abuf, alen, txt, 4)) > 0) {
		for (int i = 0; i < n; i++)
			if (cymru_parse_asname(txt[i], name, sizeof(name)) == 0)
				break;
	} else if (st == DNS_OK)
		st = DNS_NODATA;
	ent->done = 1;
	ent->st = st;
	ent->name = name[0] ? xstrdup(name) : NULL;
	w = ent->waiters;
	ent->waiters = NULL;
	/* ent may move once a waiter starts new lookups: use only locals now */
	for (; w != NULL; w = next) {
		next = w->next_waiter;
		snprintf(w->as_name, sizeof(w->as_name), "%s", name);
		w->name_status = st;
		w->done(w->arg);
	}
}

static void
origin_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	asn_res *r = arg;
	cymru *c = r->c;
	char txt[4][DNS_TXT_MAX], qname[64];
	as_ent *ent;
	name_arg *na;
	int n;

	r->status = st;
	if (st == DNS_OK) {
		n = dns_rr_txt(abuf, alen, txt, 4);
		for (int i = 0; i < n && r->asn == 0; i++)
			if (cymru_parse_origin(txt[i], &r->asn, r->prefix, sizeof(r->prefix),
			    r->cc) != 0)
				r->asn = 0;
		if (r->asn == 0)
			r->status = n < 0 ? DNS_ERROR : DNS_NODATA;
	}
	if (r->asn == 0) {
		r->done(r->arg);
		return;
	}
	ent = ent_find(c, r->asn, 1);
	if (ent->done) {
		snprintf(r->as_name, sizeof(r->as_name), "%s", ent->name ? ent->name : "");
		r->name_status = ent->st;
		r->done(r->arg);
		return;
	}
	r->next_waiter = ent->waiters;
	ent->waiters = r;
	if (r->next_waiter != NULL)
		return;		/* the query is out already */
	na = xmalloc(sizeof(*na));
	na->c = c;
	na->asn = r->asn;
	snprintf(qname, sizeof(qname), "AS%u.asn.cymru.com", r->asn);
	dns_query(c->e, qname, DNS_T_TXT, 1, name_cb, na);
}

void
cymru_lookup(cymru *c, const enrich_ip *ip, asn_res *r, lookup_done done, void *arg)
{
	char name[DNS_NAME_MAX];

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->done = done;
	r->arg = arg;
	r->name_status = DNS_NODATA;
	if (dns_rev_name(ip->b, ip->family, ip->family == 4 ? "origin.asn.cymru.com" :
	    "origin6.asn.cymru.com", name, sizeof(name)) != 0) {
		r->status = DNS_ERROR;
		done(arg);
		return;
	}
	dns_query(c->e, name, DNS_T_TXT, 0, origin_cb, r);
}
