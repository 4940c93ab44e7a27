/*
 * enrich_host.c - reading the enrichment back: every fact about one host as
 * JSON (the portal's host drill-down and `enrich --host`), a small memo of
 * ptr / country per address for the exports, and the c-ares TXT resolver
 * handed to align.h's RFC 9989 tree walk.
 *
 * JSON shape (times are unix seconds, null when never):
 *   {"ip","family","ptr","ptr_names":[],"fcrdns":true|false|null,
 *    "base_domain","country","asn","as_name","service","service_type",
 *    "dnsbl_listed","dnsbl":[{"zone","state","listed","codes":[],"meaning",
 *    "txt","checked_at","expires_at"}],
 *    "rdap":{"handle","name","org","country","abuse_email","start","end",
 *            "url","fetched_at"}|null,
 *    "lookups":{"ptr"|"geo"|"asn"|"rdap":{"state","class","at","expires",
 *               "source"}},
 *    "updated_at",
 *    "demo":true|false,
 *    "senders":[{"policy_domain","kind","id","match_type","value","note"}]}
 *
 * "demo" is true when the host's AS came from the demo's AS database
 * (DEMO_ASN_SOURCE, built by demo/make-asn-mmdb.pl for `make run`): its PTR,
 * DNSBL, AS and whois facts were then answered by the demo's servers on
 * loopback, not by the Internet, and the portal says so.  "senders" holds,
 * per policy domain, the My Senders rule that registers this host (the best
 * one, internal before third party, as sender_match() picks it) by address,
 * reverse DNS or known service; DKIM rules depend on each message's
 * signatures, not on the host, and are not matched here.
 *
 * Ownership: enrich_host_json returns a new reference (NULL: unknown host or
 * a store error); the memo owns its strings until enrich_memo_free.
 * Exports: enrich_host_json, enrich_memo_new/get/free,
 * enrich_txt_resolver_new/free, enrich_txt_lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "enrich.h"
#include "lookup.h"
#include "../analyze/senders.h"
#include "../store/store_analysis.h"
#include "../util/log.h"

/* The AS source recorded for the demo's hosts (see the header comment). */
#define DEMO_ASN_SOURCE "dmarcscope-demo-asn.mmdb"

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtime(int64_t t)
{
	return t > 0 ? json_integer(t) : json_null();
}

static json_t *
words(const char *s)
{
	json_t *a = json_array();
	const char *p = s;

	while (p != NULL && *p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p = e ? e + 1 : NULL;
	}
	return a;
}

static json_t *
lookup_json(const store_lookup *l, int with_source)
{
	static const char *const cls[] = { "positive", "negative", "temporary" };
	json_t *o = json_object();
	int c = hosts_state_class(l->state);

	json_object_set_new(o, "state", jstr(l->state));
	json_object_set_new(o, "class", c >= 0 ? json_string(cls[c]) : json_null());
	json_object_set_new(o, "at", jtime(l->state ? l->at : 0));
	json_object_set_new(o, "expires", jtime(l->state ? l->expires : 0));
	if (with_source)
		json_object_set_new(o, "source", jstr(l->source));
	return o;
}

typedef struct hj {
	json_t *o;
	int64_t net;
} hj;

static int
host_cb(void *ctx, const store_host *h)
{
	hj *x = ctx;
	json_t *o = x->o, *lk = json_object();

	json_object_set_new(o, "ip", json_string(h->ip));
	json_object_set_new(o, "family", json_integer(strchr(h->ip, ':') ? 6 : 4));
	json_object_set_new(o, "ptr", jstr(h->ptr));
	json_object_set_new(o, "ptr_names", words(h->ptr_names));
	json_object_set_new(o, "fcrdns", h->fcrdns < 0 ? json_null() : json_boolean(h->fcrdns));
	json_object_set_new(o, "base_domain", jstr(h->base_domain));
	json_object_set_new(o, "country", jstr(h->country));
	json_object_set_new(o, "asn", h->asn > 0 ? json_integer(h->asn) : json_null());
	json_object_set_new(o, "as_name", jstr(h->as_name));
	json_object_set_new(o, "service", jstr(h->service));
	json_object_set_new(o, "service_type", jstr(h->service_type));
	json_object_set_new(o, "dnsbl_listed", h->dnsbl_listed < 0 ? json_null() :
	    json_integer(h->dnsbl_listed));
	json_object_set_new(lk, "ptr", lookup_json(&h->ptr_l, 0));
	json_object_set_new(lk, "geo", lookup_json(&h->geo_l, 1));
	json_object_set_new(lk, "asn", lookup_json(&h->asn_l, 1));
	json_object_set_new(lk, "rdap", lookup_json(&h->rdap_l, 0));
	json_object_set_new(o, "lookups", lk);
	json_object_set_new(o, "updated_at", jtime(h->updated_at));
	json_object_set_new(o, "demo", json_boolean(h->asn_l.source != NULL &&
	    strcmp(h->asn_l.source, DEMO_ASN_SOURCE) == 0));
	x->net = h->rdap_net;
	return 0;
}

static int
dnsbl_cb(void *ctx, const store_dnsbl *d)
{
	json_t *a = ctx, *o = json_object();

	json_object_set_new(o, "zone", json_string(d->zone));
	json_object_set_new(o, "state", json_string(d->state));
	json_object_set_new(o, "listed", strcmp(d->state, "listed") == 0 ? json_true() :
	    hosts_state_class(d->state) == HS_TEMPORARY ? json_null() : json_false());
	json_object_set_new(o, "codes", words(d->codes));
	json_object_set_new(o, "meaning", jstr(d->meaning));
	json_object_set_new(o, "txt", jstr(d->txt));
	json_object_set_new(o, "checked_at", jtime(d->at));
	json_object_set_new(o, "expires_at", jtime(d->expires));
	json_array_append_new(a, o);
	return 0;
}

static int
net_cb(void *ctx, const store_rdap_net *n)
{
	json_t **out = ctx, *o = json_object();

	json_object_set_new(o, "handle", jstr(n->handle));
	json_object_set_new(o, "name", jstr(n->name));
	json_object_set_new(o, "org", jstr(n->org));
	json_object_set_new(o, "country", jstr(n->country));
	json_object_set_new(o, "abuse_email", jstr(n->abuse_email));
	json_object_set_new(o, "start", jstr(n->start));
	json_object_set_new(o, "end", jstr(n->end));
	json_object_set_new(o, "url", jstr(n->url));
	json_object_set_new(o, "fetched_at", jtime(n->fetched_at));
	*out = o;
	return 0;
}

/* ---- the My Senders rules that register a host ---------------------------- */

typedef struct rule_copy {
	int64_t id;
	int kind;
	char *domain, *match_type, *value, *note;
} rule_copy;

typedef struct rule_list {
	rule_copy *r;
	size_t n, cap;
} rule_list;

static int
rule_cb(void *ctx, const store_sender *s)
{
	rule_list *l = ctx;
	rule_copy *c;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->r = xrealloc(l->r, l->cap * sizeof(*l->r));
	}
	c = &l->r[l->n++];
	c->id = s->id;
	c->kind = s->kind;
	c->domain = xstrdup(s->policy_domain);
	c->match_type = xstrdup(s->match_type);
	c->value = xstrdup(s->value);
	c->note = s->note ? xstrdup(s->note) : NULL;
	return 0;
}

/* An array of the rules registering host o (its "ip", "ptr", "service"), one
 * per policy domain; NULL on a store error. */
static json_t *
host_senders(store *st, json_t *o)
{
	rule_list l = { NULL, 0, 0 };
	json_t *out = json_array();
	ip_bin b;
	sender_facts f;
	char err[160];

	if (!store_has(st, analysis))
		return out;
	if (store_analysis_sender_list(st, NULL, rule_cb, &l) != STORE_OK) {
		json_decref(out);
		out = NULL;
		goto done;
	}
	memset(&f, 0, sizeof(f));
	f.ip = ip_parse(json_string_value(json_object_get(o, "ip")), &b) == 0 ? &b : NULL;
	f.ptr = json_string_value(json_object_get(o, "ptr"));
	f.service = json_string_value(json_object_get(o, "service"));
	for (size_t i = 0; i < l.n; i++) {
		sender_set *set;
		sender_kind k;
		int64_t id;
		int seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(l.r[j].domain, l.r[i].domain) == 0;
		if (seen)
			continue;	/* that domain's rules were matched together */
		set = sender_set_new();
		for (size_t j = i; j < l.n; j++)
			if (strcmp(l.r[j].domain, l.r[i].domain) == 0 &&
			    sender_set_add(set, l.r[j].id, (sender_kind)l.r[j].kind,
			    l.r[j].match_type, l.r[j].value, err, sizeof(err)) != 0)
				log_warnx("senders: rule %lld ignored: %s", (long long)l.r[j].id, err);
		k = sender_match(set, &f, &id);
		sender_set_free(set);
		for (size_t j = i; k != SENDER_NONE && j < l.n; j++)
			if (l.r[j].id == id) {
				json_array_append_new(out, json_pack("{s:s,s:s,s:I,s:s,s:s,s:s?}",
				    "policy_domain", l.r[j].domain, "kind", sender_kind_name(k),
				    "id", (json_int_t)id, "match_type", l.r[j].match_type,
				    "value", l.r[j].value, "note", l.r[j].note));
				break;
			}
	}
done:
	for (size_t i = 0; i < l.n; i++) {
		free(l.r[i].domain);
		free(l.r[i].match_type);
		free(l.r[i].value);
		free(l.r[i].note);
	}
	free(l.r);
	return out;
}

json_t *
enrich_host_json(store *st, const char *ip)
{
	enrich_ip a;
	hj x = { NULL, 0 };
	json_t *bl, *net = NULL;
	int found = 0;

	if (!store_has(st, hosts) || ip == NULL || enrich_ip_parse(ip, &a) != 0)
		return NULL;
	x.o = json_object();
	/* records keep the canonical text; try it, then the text as given */
	if (store_hosts_get(st, a.text, host_cb, &x, &found) != STORE_OK || (!found &&
	    (store_hosts_get(st, ip, host_cb, &x, &found) != STORE_OK || !found))) {
		json_decref(x.o);
		return NULL;
	}
	bl = json_array();
	if (store_hosts_dnsbl_list(st, json_string_value(json_object_get(x.o, "ip")), dnsbl_cb, bl) !=
	    STORE_OK) {
		json_decref(bl);
		json_decref(x.o);
		return NULL;
	}
	json_object_set_new(x.o, "dnsbl", bl);
	if (x.net > 0 && store_hosts_rdap_get(st, x.net, net_cb, &net, &found) != STORE_OK) {
		json_decref(x.o);
		return NULL;
	}
	json_object_set_new(x.o, "rdap", net != NULL ? net : json_null());
	if ((bl = host_senders(st, x.o)) == NULL) {
		json_decref(x.o);
		return NULL;
	}
	json_object_set_new(x.o, "senders", bl);
	return x.o;
}

/* ---- the exports' memo ---------------------------------------------------------- */

typedef struct memo_ent {
	char *ip;			/* NULL: empty slot */
	char *ptr, *country, *base;
} memo_ent;

struct enrich_memo {
	store *st;
	memo_ent *tab;
	size_t cap, n;
};

enrich_memo *
enrich_memo_new(store *st)
{
	enrich_memo *m = xcalloc(1, sizeof(*m));

	m->st = st;
	m->cap = 1024;
	m->tab = xcalloc(m->cap, sizeof(*m->tab));
	return m;
}

static void
ent_free(memo_ent *e)
{
	free(e->ip);
	free(e->ptr);
	free(e->country);
	free(e->base);
}

void
enrich_memo_free(enrich_memo *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++)
		ent_free(&m->tab[i]);
	free(m->tab);
	free(m);
}

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int
brief_cb(void *ctx, const char *ptr, const char *country, const char *base)
{
	memo_ent *e = ctx;

	e->ptr = ptr ? xstrdup(ptr) : NULL;
	e->country = country ? xstrdup(country) : NULL;
	e->base = base ? xstrdup(base) : NULL;
	return 0;
}

int
enrich_memo_get(enrich_memo *m, const char *ip, const char **ptr, const char **country,
    const char **base)
{
	size_t i;
	int found;
	memo_ent *e;

	*ptr = *country = *base = NULL;
	if (m == NULL || !store_has(m->st, hosts) || ip == NULL)
		return 0;
	for (i = hash(ip) % m->cap; m->tab[i].ip != NULL; i = (i + 1) % m->cap)
		if (strcmp(m->tab[i].ip, ip) == 0)
			break;
	e = &m->tab[i];
	if (e->ip == NULL) {
		if (m->n * 2 >= m->cap) {
			/* full enough: start over rather than grow without bound */
			for (size_t k = 0; k < m->cap; k++)
				ent_free(&m->tab[k]);
			memset(m->tab, 0, m->cap * sizeof(*m->tab));
			m->n = 0;
			if (m->cap < ((size_t)1 << 20)) {
				free(m->tab);
				m->cap *= 4;
				m->tab = xcalloc(m->cap, sizeof(*m->tab));
			}
			for (i = hash(ip) % m->cap; m->tab[i].ip != NULL; i = (i + 1) % m->cap)
				;
			e = &m->tab[i];
		}
		if (store_hosts_brief(m->st, ip, brief_cb, e, &found) != STORE_OK)
			return -1;
		e->ip = xstrdup(ip);
		m->n++;
	}
	*ptr = e->ptr;
	*country = e->country;
	*base = e->base;
	return 0;
}

/* ---- the TXT resolver -------------------------------------------------------------- */

struct enrich_txt_resolver {
	dns_engine *e;
};

enrich_txt_resolver *
enrich_txt_resolver_new(const char *server, int timeout_ms, char *err, size_t errlen)
{
	enrich_txt_resolver *r;
	dns_opts o;
	const char *lo = getenv("DMARCSCOPE_ENRICH_LOOPBACK_ONLY");

	memset(&o, 0, sizeof(o));
	o.server = server;
	o.timeout_ms = timeout_ms > 0 ? timeout_ms : 1500;
	o.tries = 2;
	o.max_inflight = 16;
	o.loopback_only = lo != NULL && *lo != '\0' && strcmp(lo, "0") != 0;
	r = xcalloc(1, sizeof(*r));
	if ((r->e = dns_new(&o, err, errlen)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
enrich_txt_resolver_free(enrich_txt_resolver *r)
{
	if (r == NULL)
		return;
	dns_free(r->e);
	free(r);
}

int
enrich_txt_lookup(void *ctx, const char *name, char out[][512], int max)
{
	enrich_txt_resolver *r = ctx;

	return dns_txt_sync(r->e, name, out, max);
}
