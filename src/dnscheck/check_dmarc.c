/*
 * check_dmarc.c - the DMARC record checks: discovery at _dmarc.DOMAIN, then
 * the RFC 9989 §4.10.1 tree walk up to the organizational domain (at most 8
 * queries), duplicate records, the record's tags (RFC 7489 §6.3 and RFC
 * 9989 §4.8: p, sp, np, adkim, aspf, pct, rf, ri, rua, ruf, fo, psd, t),
 * the report addresses and, for a destination outside the domain's
 * organizational domain, its authorization record
 * DOMAIN._report._dmarc.HOST (RFC 7489 §7.1); the organizational domain by
 * align.c's tree walk over the same counted lookups.
 *
 * Exports: dc_check_dmarc (dc_priv.h).  Findings go into n->r.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dc_priv.h"
#include "../analyze/align.h"
#include "../util/log.h"

/* The DMARC records at _dmarc.NAME: count of valid ones; the first in
 * *rec (caller frees).  Records that look like DMARC but do not begin with
 * exactly "v=DMARC1" get dmarc.version.  *st: the lookup status. */
static int
dmarc_at(dc_net *n, const char *dom, char **rec, dns_status *st, int report)
{
	char name[DC_NAME_MAX + 8];
	dc_txts t;
	int k = 0;

	*rec = NULL;
	snprintf(name, sizeof(name), "_dmarc.%s", dom);
	dc_txt(n, name, &t);
	*st = t.st;
	for (int i = 0; i < t.n; i++) {
		const char *s = t.text[i];
		size_t sp = strspn(s, " \t");

		if (strncmp(s, "v=DMARC1", 8) == 0 && (s[8] == '\0' || s[8] == ';' || s[8] == ' ' ||
		    s[8] == '\t')) {
			if (k++ == 0)
				*rec = xstrdup(s);
		} else if (report && (strncasecmp(s + sp, "v", 1) == 0 &&
		    strcasestr(s, "DMARC1") != NULL))
		{
			char shortrec[72];

			snprintf(shortrec, sizeof(shortrec), "%.60s%s", s, strlen(s) > 60 ? "..." : "");
			dc_add(n->r, "dmarc.version", name, shortrec, s);
		}
	}
	if (report && k > 0) {
		dbuf b;

		dbuf_init(&b, DC_TXT_MAX * 2);
		for (int i = 0; i < t.n; i++)
			if (strstr(t.text[i], "DMARC1") != NULL) {
				if (b.len > 0)
					dbuf_addc(&b, '\n');
				dbuf_addstr(&b, t.text[i]);
			}
		dc_add_record(n->r, "dmarc", name, dbuf_cstr(&b));
		dbuf_free(&b);
	}
	dc_txt_free(&t);
	if (k > 1) {
		char cnt[16];

		snprintf(cnt, sizeof(cnt), "%d", k);
		if (report)
			dc_add(n->r, "dmarc.multiple", name, cnt, NULL);
		free(*rec);
		*rec = NULL;
	}
	return k;
}

static int
is_policy(const char *v)
{
	return strcasecmp(v, "none") == 0 || strcasecmp(v, "quarantine") == 0 ||
	    strcasecmp(v, "reject") == 0;
}

static void
bad_value(dc_net *n, const char *name, const char *tag, const char *val, const char *rec)
{
	char arg[300];

	snprintf(arg, sizeof(arg), "%s=%.250s", tag, val);
	dc_add(n->r, "dmarc.value_invalid", name, arg, rec);
}

/* One report address of rua/ruf: syntax, and the external authorization. */
static int
check_uri(dc_net *n, const char *name, const char *polname, const char *uri, const char *rec)
{
	char u[DC_NAME_MAX], host[DC_NAME_MAX], org1[DC_NAME_MAX], org2[DC_NAME_MAX];
	char *bang, *at;

	snprintf(u, sizeof(u), "%s", uri);
	if ((bang = strrchr(u, '!')) != NULL) {
		char *e;

		strtoull(bang + 1, &e, 10);
		if (e != bang + 1 && (*e == '\0' || (strchr("kmgtKMGT", *e) && e[1] == '\0'))) {
			dc_add(n->r, "dmarc.uri_size", name, uri, rec);
			*bang = '\0';
		}
	}
	if (strncasecmp(u, "mailto:", 7) == 0) {
		at = strrchr(u + 7, '@');
		if (at == NULL || at == u + 7 || at[1] == '\0' || strpbrk(u + 7, " ,;!") != NULL) {
			dc_add(n->r, "dmarc.uri_bad", name, uri, rec);
			return -1;
		}
		snprintf(host, sizeof(host), "%s", at + 1);
		host[strcspn(host, "?")] = '\0';
	} else if (strncasecmp(u, "https://", 8) == 0) {
		snprintf(host, sizeof(host), "%s", u + 8);
		host[strcspn(host, "/:?")] = '\0';
		if (host[0] == '\0') {
			dc_add(n->r, "dmarc.uri_bad", name, uri, rec);
			return -1;
		}
	} else {
		dc_add(n->r, "dmarc.uri_bad", name, uri, rec);
		return -1;
	}
	for (char *c = host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (align_org_domain(host, org1, sizeof(org1)) != 0 ||
	    align_org_domain(polname, org2, sizeof(org2)) != 0)
		return 0;
	if (strcmp(org1, org2) != 0) {
		char vname[DC_NAME_MAX * 2 + 16], *vr = NULL;
		dns_status st;
		int k;

		snprintf(vname, sizeof(vname), "%s._report._dmarc.%s", polname, host);
		if (strlen(vname) > 253)
			return 0;
		{
			dc_txts t;

			dc_txt(n, vname, &t);
			st = t.st;
			k = 0;
			for (int i = 0; i < t.n; i++)
				if (strncmp(t.text[i], "v=DMARC1", 8) == 0 && k++ == 0)
					vr = xstrdup(t.text[i]);
			dc_txt_free(&t);
		}
		if (k > 0) {
			dc_add(n->r, "dmarc.ext_ok", vname, vname, vr);
			dc_add_record(n->r, "dmarc-report", vname, vr);
		} else if (dns_status_temporary(st))
			dc_tempfail(n, vname, st);
		else
			dc_add(n->r, "dmarc.ext_missing", vname, vname, rec);
		free(vr);
	}
	return 0;
}

/* rua / ruf: each URI; returns the number of valid ones. */
static int
check_uris(dc_net *n, const char *name, const char *polname, const char *list, const char *rec)
{
	char buf[DC_TXT_MAX];
	char *p, *save = NULL;
	int ok = 0, cnt = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ",", &save); p != NULL && cnt < 8; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, " \t")] = '\0';
		cnt++;
		if (*p == '\0')
			continue;
		if (check_uri(n, name, polname, p, rec) == 0)
			ok++;
	}
	return ok;
}

static const char *const known[] = { "v", "p", "sp", "np", "adkim", "aspf", "pct", "rf", "ri", "rua",
    "ruf", "fo", "psd", "t", NULL };

static void
check_record(dc_net *n, const char *name, const char *polname, const char *rec, int own)
{
	dc_taglist *tl = calloc(1, sizeof(*tl));
	const char *p, *v, *rua, *ruf;
	int rua_ok = 0, valid_p;

	if (tl == NULL)
		return;
	dc_tags_parse(rec, tl);
	if (tl->bad)
		dc_add(n->r, "dmarc.syntax", name, tl->badtok, rec);
	if (tl->dup >= 0)
		dc_add(n->r, "dmarc.dup_tag", name, tl->t[tl->dup].name, rec);
	for (int i = 0; i < tl->n; i++) {
		int k;

		for (k = 0; known[k] != NULL && strcmp(known[k], tl->t[i].name) != 0; k++)
			;
		if (known[k] == NULL)
			dc_add(n->r, "dmarc.unknown_tag", name, tl->t[i].name, rec);
	}
	rua = dc_tag_get(tl, "rua");
	ruf = dc_tag_get(tl, "ruf");
	if (rua != NULL)
		rua_ok = check_uris(n, name, polname, rua, rec);
	else
		dc_add(n->r, "dmarc.no_rua", name, NULL, rec);
	if (ruf != NULL)
		check_uris(n, name, polname, ruf, rec);
	p = dc_tag_get(tl, "p");
	valid_p = p != NULL && is_policy(p);
	if (p != NULL && !valid_p)
		bad_value(n, name, "p", p, rec);
	if (!valid_p)
		dc_add(n->r, rua_ok > 0 ? "dmarc.p_missing" : "dmarc.p_missing_norua", name, NULL, rec);
	if ((v = dc_tag_get(tl, "sp")) != NULL && !is_policy(v))
		bad_value(n, name, "sp", v, rec);
	if ((v = dc_tag_get(tl, "np")) != NULL && !is_policy(v))
		bad_value(n, name, "np", v, rec);
	if ((v = dc_tag_get(tl, "adkim")) != NULL && strcasecmp(v, "r") && strcasecmp(v, "s"))
		bad_value(n, name, "adkim", v, rec);
	if ((v = dc_tag_get(tl, "aspf")) != NULL && strcasecmp(v, "r") && strcasecmp(v, "s"))
		bad_value(n, name, "aspf", v, rec);
	n->dmarc_pct = 100;
	if ((v = dc_tag_get(tl, "pct")) != NULL) {
		char *e;
		long x = strtol(v, &e, 10);

		if (*v == '\0' || *e != '\0' || x < 0 || x > 100)
			bad_value(n, name, "pct", v, rec);
		else {
			n->dmarc_pct = (int)x;
			dc_add(n->r, "dmarc.pct", name, v, rec);
		}
	}
	if ((v = dc_tag_get(tl, "rf")) != NULL)
		dc_add(n->r, "dmarc.removed_tag", name, "rf", rec);
	if ((v = dc_tag_get(tl, "ri")) != NULL)
		dc_add(n->r, "dmarc.removed_tag", name, "ri", rec);
	if ((v = dc_tag_get(tl, "psd")) != NULL) {
		if (strcasecmp(v, "y") && strcasecmp(v, "n") && strcasecmp(v, "u"))
			bad_value(n, name, "psd", v, rec);
		else if (strcasecmp(v, "y") == 0)
			dc_add(n->r, "dmarc.psd_y", name, NULL, rec);
	}
	if ((v = dc_tag_get(tl, "fo")) != NULL) {
		int zero = 0, one = 0, d = 0, s = 0, bad = 0;

		for (const char *c = v; *c; c++) {
			if (*c == '0') zero++;
			else if (*c == '1') one++;
			else if (*c == 'd') d++;
			else if (*c == 's') s++;
			else if (*c != ':' && *c != ' ') bad++;
		}
		if (bad || (zero && one) || d > 1 || s > 1 || zero > 1 || one > 1)
			bad_value(n, name, "fo", v, rec);
		if (ruf == NULL)
			dc_add(n->r, "dmarc.fo_noruf", name, NULL, rec);
	}
	/* the policy that applies to this domain's mail */
	{
		const char *eff = valid_p ? p : rua_ok > 0 ? "none" : NULL;

		if (!own && eff != NULL) {
			const char *sp = dc_tag_get(tl, "sp");

			if (sp != NULL && is_policy(sp))
				eff = sp;
		}
		snprintf(n->dmarc_p, sizeof(n->dmarc_p), "%s", eff ? eff : "");
		for (char *c = n->dmarc_p; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		v = dc_tag_get(tl, "t");
		if (v != NULL && strcasecmp(v, "y") && strcasecmp(v, "n"))
			bad_value(n, name, "t", v, rec);
		if (strcmp(n->dmarc_p, "none") == 0) {
			dc_add(n->r, "dmarc.p_none", name, NULL, rec);
			if (v != NULL && strcasecmp(v, "y") == 0)
				dc_add(n->r, "dmarc.t_none", name, NULL, rec);
		} else if (strcmp(n->dmarc_p, "quarantine") == 0 || strcmp(n->dmarc_p, "reject") == 0) {
			dc_add(n->r, n->dmarc_p[0] == 'q' ? "dmarc.p_quarantine" : "dmarc.p_reject", name,
			    NULL, rec);
			if (v != NULL && strcasecmp(v, "y") == 0)
				dc_add(n->r, "dmarc.t_y", name, NULL, rec);
		}
	}
	free(tl);
}

/* align_txt_fn over the counted lookups. */
static int
walk_txt(void *ctx, const char *name, char out[][512], int max)
{
	dc_net *n = ctx;
	dc_txts t;
	int k = 0;

	dc_txt(n, name, &t);
	if (dns_status_temporary(t.st)) {
		dc_txt_free(&t);
		return -1;
	}
	for (int i = 0; i < t.n && k < max; i++)
		snprintf(out[k++], 512, "%s", t.text[i]);
	dc_txt_free(&t);
	return k;
}

void
dc_check_dmarc(dc_net *n, const char *domain)
{
	char *rec = NULL, cur[DC_NAME_MAX], name[DC_NAME_MAX + 8];
	dns_status st;
	int k, labels = 1, queries = 1;

	align_init(NULL);
	k = dmarc_at(n, domain, &rec, &st, 1);
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	if (dns_status_temporary(st)) {
		dc_tempfail(n, name, st);
		return;
	}
	if (rec != NULL) {
		snprintf(n->r->dmarc_from, sizeof(n->r->dmarc_from), "%s", domain);
		dc_add(n->r, "dmarc.ok", name, name, rec);
		check_record(n, name, domain, rec, 1);
		free(rec);
	} else {
		/* RFC 9989 §4.10.1: the tree walk from the parent */
		(void)k;
		snprintf(cur, sizeof(cur), "%s", domain);
		for (const char *c = cur; *c; c++)
			labels += *c == '.';
		if (labels > 8) {
			/* keep the 7 right-most labels */
			const char *c = cur + strlen(cur);
			int seen = 0;

			while (c > cur && seen < 7)
				if (*--c == '.' && ++seen == 7)
					break;
			memmove(cur, c + 1, strlen(c + 1) + 1);
		} else {
			char *dot = strchr(cur, '.');

			if (dot == NULL)
				cur[0] = '\0';
			else
				memmove(cur, dot + 1, strlen(dot + 1) + 1);
		}
		while (cur[0] != '\0' && queries < 8) {
			queries++;
			if (dmarc_at(n, cur, &rec, &st, 0) == 1 && rec != NULL)
				break;
			if (dns_status_temporary(st)) {
				snprintf(name, sizeof(name), "_dmarc.%s", cur);
				dc_tempfail(n, name, st);
				return;
			}
			{
				char *dot = strchr(cur, '.');

				if (dot == NULL)
					cur[0] = '\0';
				else
					memmove(cur, dot + 1, strlen(dot + 1) + 1);
			}
		}
		if (rec == NULL) {
			dc_add(n->r, "dmarc.none", name, domain, NULL);
		} else {
			snprintf(name, sizeof(name), "_dmarc.%s", cur);
			snprintf(n->r->dmarc_from, sizeof(n->r->dmarc_from), "%s", cur);
			dc_add(n->r, "dmarc.inherited", name, cur, rec);
			dc_add_record(n->r, "dmarc", name, rec);
			check_record(n, name, cur, rec, 0);
			free(rec);
		}
	}
	if (align_tree_walk_org(domain, walk_txt, n, n->r->org_domain, sizeof(n->r->org_domain)) != 0)
		n->r->org_domain[0] = '\0';
}
