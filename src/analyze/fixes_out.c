/*
 * fixes_out.c - the second half of the fixes (see fixes.h, fixes_priv.h):
 * same-service fixes merged, several own hosts of one /24 turned into one
 * ip4 term, the SPF record after each change with its lookup count (ip4/ip6
 * terms need no lookup, RFC 7208 §4.6.4: the current count; an include is
 * walked through the fix_dns), the texts in en and ja, one fix's JSON and
 * the record of each name after every change.
 *
 * Exports: fx_merge_same, fx_aggregate, fx_count_fix, fx_fix_json,
 * fx_spf_summary (fixes_priv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixes_priv.h"
#include "classify.h"
#include "senders.h"
#include "../util/log.h"

static void
absorb(pfix *into, pfix *from)
{
	size_t i;
	json_t *v;

	into->messages += from->messages;
	into->records += from->records;
	if (from->first < into->first)
		into->first = from->first;
	if (from->last > into->last)
		into->last = from->last;
	json_array_foreach(from->reporters, i, v) {
		size_t k;
		json_t *w;
		int seen = 0;

		json_array_foreach(into->reporters, k, w)
			if (json_equal(v, w))
				seen = 1;
		if (!seen && json_array_size(into->reporters) < NREP)
			json_array_append(into->reporters, v);
	}
	json_array_foreach(from->ips, i, v)
		if (json_array_size(into->ips) < NIPS)
			json_array_append(into->ips, v);
	json_array_foreach(from->record_ids, i, v)
		if (json_array_size(into->record_ids) < NIPS)
			json_array_append(into->record_ids, v);
	from->dead = 1;
}

void
fx_merge_same(run *r)
{
	for (int i = 0; i < r->n; i++) {
		pfix *p = &r->f[i];
		int n = 1;

		if (p->dead || p->merge[0] == '\0')
			continue;
		for (int j = i + 1; j < r->n; j++)
			if (!r->f[j].dead && strcmp(r->f[j].merge, p->merge) == 0) {
				absorb(p, &r->f[j]);
				n++;
			}
		if (n > 1) {
			char lab[600];
			const char *via = json_string_value(json_object_get(p->slots, "_via"));

			snprintf(lab, sizeof(lab), "%s (%s, +%d)", via != NULL ? via : p->g->service,
			    p->g->ip, n - 1);
			fx_slot(p, via != NULL ? "relay" : "who", lab);
		}
	}
}

/* Several own hosts of one /24 failing SPF for one name: one ip4 term. */
void
fx_aggregate(run *r)
{
	for (int i = 0; i < r->n; i++) {
		pfix *p = &r->f[i];
		uint32_t a0, x = 0;
		int n = 1, bits;
		char hosts[1024], cidr[IP_CIDRLEN];
		ip_cidr c;

		if (p->dead || p->term_kind != T_IP || p->ip.family != 4)
			continue;
		a0 = (uint32_t)p->ip.b[0] << 24 | (uint32_t)p->ip.b[1] << 16 | (uint32_t)p->ip.b[2] << 8 |
		    p->ip.b[3];
		snprintf(hosts, sizeof(hosts), "%s", p->g->ip);
		for (int j = i + 1; j < r->n; j++) {
			pfix *q = &r->f[j];
			uint32_t a;

			if (q->dead || q->term_kind != T_IP || q->ip.family != 4 || strcasecmp(q->rd, p->rd))
				continue;
			a = (uint32_t)q->ip.b[0] << 24 | (uint32_t)q->ip.b[1] << 16 |
			    (uint32_t)q->ip.b[2] << 8 | q->ip.b[3];
			if ((a >> 8) != (a0 >> 8) || a == a0)
				continue;
			x |= a ^ a0;
			snprintf(hosts + strlen(hosts), sizeof(hosts) - strlen(hosts), ", %s", q->g->ip);
			absorb(p, q);
			n++;
		}
		if (n < 2)
			continue;
		for (bits = 32; x != 0; x >>= 1)
			bits--;
		memset(&c, 0, sizeof(c));
		c.net = p->ip;
		c.bits = bits;
		for (int k = bits; k < 32; k++)
			c.net.b[k / 8] &= (unsigned char)~(0x80u >> (k % 8));
		ip_cidr_format(&c, cidr);
		p->def = fix_def_find("spf.add_range");
		snprintf(p->term, sizeof(p->term), "ip4:%s", cidr);
		fx_slot(p, "term", p->term);
		fx_slot(p, "hosts", hosts);
	}
}

/* Lookups of the record at rd with text (term_kind of the change). */
static int
count_after(run *r, const char *rd, const char *text, int any_include, int before, int *exact)
{
	dc_spf_counted *c;
	int n;

	if (!any_include) {
		/* ip4/ip6 terms need no lookup (RFC 7208 §4.6.4): the current count */
		return before;
	}
	if (r->dns == NULL)
		return -1;
	c = xcalloc(1, sizeof(*c));
	r->dns->spf(r->dns->ctx, rd, text, c);
	n = c->lookups;
	if (c->incomplete)
		*exact = 0;
	dc_spf_count_free(c);
	free(c);
	return n;
}


void
fx_count_fix(run *r, pfix *p, counted *k)
{
	const dc_spf_counted *c = fx_spf_current(r, p->rd);

	memset(k, 0, sizeof(*k));
	k->before = c != NULL ? c->lookups : -1;
	k->exact = c != NULL && !c->incomplete && k->before >= 0;
	if (p->term_kind == T_NEW) {
		size_t n = strlen(p->term) + 32;

		k->after_text = xmalloc(n);
		snprintf(k->after_text, n, "v=spf1 %s ~all", p->term);
		k->before = 0;
		k->exact = 1;
		fx_slot(p, "record", k->after_text);
	} else if (c != NULL && c->found == 1 && c->record != NULL)
		k->after_text = fixes_with_term(c->record, p->term);
	k->after = k->after_text == NULL ? -1 : count_after(r, p->rd, k->after_text,
	    strncmp(p->term, "include:", 8) == 0, k->before, &k->exact);
	if (k->after < 0)
		k->exact = 0;
}

static void
texts(run *r, pfix *p, const counted *k, json_t *o)
{
	json_t *t = json_object();
	char n[16], piece[512], text[4096];
	const char *lang[2] = { "en", "ja" };

	snprintf(n, sizeof(n), "%d", k != NULL ? k->after : -1);
	fx_slot(p, "n", n);
	for (int l = 0; l < 2; l++) {
		json_t *s = json_deep_copy(p->slots);
		const fix_def *pd;

		if (p->term_kind != T_NONE) {
			const dc_spf_counted *c = fx_spf_current(r, p->rd);

			pd = fix_def_find(k->after < 0 ? "_after.unknown" : k->after > DC_SPF_LOOKUPS ?
			    "_after.over" : "_after.ok");
			fixes_fill(l ? pd->ja : pd->en, s, piece, sizeof(piece));
			json_object_set_new(s, "after", json_string(piece));
			pd = fix_def_find(r->dns != NULL && strcmp(r->dns->mode, "live") == 0 ?
			    (json_array_size(p->ips) > 1 ? "_cover.live_n" : "_cover.live") :
			    (json_array_size(p->ips) > 1 ? "_cover.saved_n" : "_cover.saved"));
			if (c == NULL || c->found < 0)
				pd = fix_def_find("_cover.unknown");
			json_object_set_new(s, "cover", json_string(l ? pd->ja : pd->en));
		}
		fixes_fill(l ? p->def->ja : p->def->en, s, text, sizeof(text));
		json_object_set_new(t, lang[l], json_string(text));
		json_decref(s);
	}
	json_object_set_new(o, "text", t);
}

json_t *
fx_fix_json(run *r, pfix *p, const counted *k, const char *code, const char *sev)
{
	const fix_def *def = code != NULL ? fix_def_find(code) : p->def;
	const grp *g = p->g;
	json_t *o = json_object(), *ev = json_object(), *snd = json_object();
	const fix_def *keep = p->def;

	p->def = def;
	json_object_set_new(o, "code", json_string(def->code));
	json_object_set_new(o, "severity", json_string(sev != NULL ? sev : p->sev));
	json_object_set_new(o, "rfc", json_string(def->rfc));
	texts(r, p, k, o);
	p->def = keep;
	json_object_set_new(snd, "ip", json_string(g->ip));
	json_object_set_new(snd, "ptr", g->ptr[0] ? json_string(g->ptr) : json_null());
	json_object_set_new(snd, "service", g->service[0] ? json_string(g->service) : json_null());
	json_object_set_new(snd, "kind", json_string(sender_kind_name((sender_kind)g->sender_kind)));
	json_object_set_new(snd, "class", json_string(cls_class_name((cls_class)g->cls)));
	json_object_set_new(snd, "path", json_string(cls_path_name((cls_path)g->path)));
	json_object_set_new(o, "sender", snd);
	json_object_set_new(o, "change", p->term_kind != T_NONE && code == NULL ?
	    json_string(p->term_kind == T_NEW ? json_string_value(json_object_get(p->slots, "record")) :
	    p->term) : json_null());
	json_object_set_new(o, "record_name", p->rd[0] ? json_string(p->rd) : json_null());
	json_object_set_new(o, "record_after", k != NULL && k->after_text != NULL ?
	    json_string(k->after_text) : json_null());
	json_object_set_new(o, "spf_lookups_before", k != NULL && k->before >= 0 ?
	    json_integer(k->before) : json_null());
	json_object_set_new(o, "spf_lookups_after", k != NULL && k->after >= 0 ?
	    json_integer(k->after) : json_null());
	json_object_set_new(o, "spf_lookups_exact", json_boolean(k != NULL && k->exact));
	json_object_set_new(ev, "messages", json_integer(p->messages));
	json_object_set_new(ev, "records", json_integer(p->records));
	json_object_set_new(ev, "first", json_integer(p->first));
	json_object_set_new(ev, "last", json_integer(p->last));
	json_object_set_new(ev, "reporters", json_copy(p->reporters));
	json_object_set_new(ev, "ips", json_copy(p->ips));
	json_object_set_new(ev, "record_ids", json_copy(p->record_ids));
	json_object_set_new(o, "evidence", ev);
	return o;
}

/* Every change for one name at once: the record after all of them. */
json_t *
fx_spf_summary(run *r)
{
	json_t *a = json_array();

	for (int i = 0; i < r->nspf; i++) {
		const dc_spf_counted *c = r->spf[i].c;
		char *text = c->found == 1 && c->record != NULL ? xstrdup(c->record) :
		    c->found == 0 ? xstrdup("v=spf1 ~all") : NULL;
		int changes = 0, inc = 0, exact = !c->incomplete, after;

		for (int j = 0; j < r->n && text != NULL; j++) {
			pfix *p = &r->f[j];
			char *t;

			if (p->dead || p->term_kind == T_NONE || strcasecmp(p->rd, r->spf[i].name) != 0 ||
			    strstr(text, p->term) != NULL)
				continue;
			t = fixes_with_term(text, p->term);
			free(text);
			text = t;
			changes++;
			inc |= strncmp(p->term, "include:", 8) == 0;
		}
		after = text == NULL ? -1 : count_after(r, r->spf[i].name, text, inc,
		    c->found == 0 ? 0 : c->lookups, &exact);
		json_array_append_new(a, json_pack("{s:s,s:i,s:o,s:o,s:i,s:o,s:o,s:b}", "name",
		    r->spf[i].name, "found", c->found, "current", c->record != NULL ?
		    json_string(c->record) : json_null(), "lookups", c->lookups >= 0 ?
		    json_integer(c->lookups) : json_null(), "changes", changes, "record_after",
		    changes > 0 && text != NULL ? json_string(text) : json_null(), "lookups_after",
		    changes > 0 && after >= 0 ? json_integer(after) : json_null(), "exact",
		    exact && after >= 0));
		free(text);
	}
	return a;
}
