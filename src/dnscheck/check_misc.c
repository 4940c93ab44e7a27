/*
 * check_misc.c - the DKIM, MTA-STS, TLS-RPT and BIMI checks.
 *   DKIM (RFC 6376 §3.6, RFC 8301, RFC 8463): each selector of the options
 *        (those seen in the domain's aggregate reports) at
 *        SELECTOR._domainkey.DOMAIN: present, v=, k=, t=y, revoked (empty
 *        p=), the key's type and length.
 *   MTA-STS (RFC 8461): _mta-sts.DOMAIN (v=STSv1, id=), the policy file at
 *        https://mta-sts.DOMAIN/.well-known/mta-sts.txt (net.c: capped),
 *        its fields, and the domain's MX hosts against its mx patterns.
 *   TLS-RPT (RFC 8460 §3): _smtp._tls.DOMAIN, v=TLSRPTv1 and rua.
 *   BIMI (draft-brand-indicators-for-message-identification): syntax of
 *        default._bimi.DOMAIN, and the DMARC policy it needs.
 *
 * Exports: dc_check_dkim, dc_check_sts, dc_check_tlsrpt, dc_check_bimi.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dc_priv.h"
#include "../util/log.h"

/* The records at name that begin with prefix (case-sensitive); count, the
 * first in *rec (caller frees); a history record of kind. */
static int
records_at(dc_net *n, const char *name, const char *prefix, const char *kind, char **rec,
    dns_status *st)
{
	dc_txts t;
	int k = 0;
	size_t pl = strlen(prefix);
	dbuf b;

	*rec = NULL;
	dc_txt(n, name, &t);
	*st = t.st;
	dbuf_init(&b, DC_TXT_MAX * 2);
	for (int i = 0; i < t.n; i++)
		if (strncmp(t.text[i], prefix, pl) == 0 &&
		    (t.text[i][pl] == '\0' || t.text[i][pl] == ';' || t.text[i][pl] == ' ')) {
			if (k++ == 0)
				*rec = xstrdup(t.text[i]);
			if (b.len > 0)
				dbuf_addc(&b, '\n');
			dbuf_addstr(&b, t.text[i]);
		}
	if (k > 0)
		dc_add_record(n->r, kind, name, dbuf_cstr(&b));
	dbuf_free(&b);
	dc_txt_free(&t);
	return k;
}

/* ---- DKIM ------------------------------------------------------------------- */

static void
dkim_one(dc_net *n, const char *domain, const char *sel)
{
	char name[DC_NAME_MAX * 2], arg[DC_NAME_MAX + 64];
	dc_txts t;
	dc_taglist *tl;
	const char *rec = NULL, *v, *k, *p;
	int bits;

	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, domain);
	if (strlen(name) > 253)
		return;
	dc_txt(n, name, &t);
	if (dns_status_temporary(t.st)) {
		dc_tempfail(n, name, t.st);
		dc_txt_free(&t);
		return;
	}
	for (int i = 0; i < t.n && rec == NULL; i++)
		if (strstr(t.text[i], "p=") != NULL)
			rec = t.text[i];
	if (rec == NULL && t.n > 0)
		rec = t.text[0];
	if (rec == NULL) {
		dc_add(n->r, "dkim.missing", name, name, NULL);
		dc_txt_free(&t);
		return;
	}
	dc_add_record(n->r, "dkim", name, rec);
	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		dc_txt_free(&t);
		return;
	}
	if (dc_tags_parse(rec, tl) != 0 || ((v = dc_tag_get(tl, "v")) != NULL && strcmp(v, "DKIM1")) ||
	    (p = dc_tag_get(tl, "p")) == NULL) {
		char shortrec[72];

		snprintf(shortrec, sizeof(shortrec), "%.60s%s", rec, strlen(rec) > 60 ? "..." : "");
		dc_add(n->r, "dkim.syntax", name, shortrec, rec);
		goto out;
	}
	k = dc_tag_get(tl, "k");
	if (k == NULL)
		k = "rsa";
	if ((v = dc_tag_get(tl, "t")) != NULL) {
		char tf[64];
		char *save = NULL;

		snprintf(tf, sizeof(tf), "%s", v);
		for (char *f = strtok_r(tf, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
			while (*f == ' ')
				f++;
			if (f[0] == 'y' && (f[1] == '\0' || f[1] == ' '))
				dc_add(n->r, "dkim.testing", name, name, rec);
		}
	}
	if (*p == '\0') {
		dc_add(n->r, "dkim.revoked", name, name, rec);
		goto out;
	}
	if (strcmp(k, "rsa") != 0 && strcmp(k, "ed25519") != 0) {
		dc_add(n->r, "dkim.k_unknown", name, k, rec);
		goto out;
	}
	if (dc_dkim_key_bits(k, p, &bits) != 0) {
		dc_add(n->r, "dkim.bad_key", name, name, rec);
		goto out;
	}
	snprintf(arg, sizeof(arg), "%d", bits);
	if (strcmp(k, "rsa") == 0 && bits < 1024)
		dc_add(n->r, "dkim.short", name, arg, rec);
	else {
		if (strcmp(k, "rsa") == 0 && bits < 2048)
			dc_add(n->r, "dkim.weak", name, arg, rec);
		snprintf(arg, sizeof(arg), "%s (%s %d bits)", sel, k, bits);
		dc_add(n->r, "dkim.ok", name, arg, rec);
	}
out:
	free(tl);
	dc_txt_free(&t);
}

void
dc_check_dkim(dc_net *n, const char *domain)
{
	if (n->o->nselectors == 0) {
		dc_add(n->r, "dkim.no_selectors", domain, NULL, NULL);
		return;
	}
	for (int i = 0; i < n->o->nselectors && i < DC_SELECTORS_MAX; i++)
		dkim_one(n, domain, n->o->selectors[i]);
}

/* ---- MTA-STS ---------------------------------------------------------------- */

/* RFC 8461 §4.1: "*.example.com" matches one more label on the left. */
static int
mx_match(const char *pat, const char *mx)
{
	if (strncmp(pat, "*.", 2) == 0) {
		const char *dot = strchr(mx, '.');

		return dot != NULL && dot != mx && strcasecmp(dot + 1, pat + 2) == 0;
	}
	return strcasecmp(pat, mx) == 0;
}

void
dc_check_sts(dc_net *n, const char *domain)
{
	char name[DC_NAME_MAX + 16], host[DC_NAME_MAX + 16], err[256], *rec = NULL;
	char mx[16][DC_NAME_MAX], arg[128];
	dns_status st;
	dc_taglist *tl;
	dc_sts_policy pol;
	dbuf body;
	int k, nmx;
	const char *v, *id;

	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	k = records_at(n, name, "v=STSv1", "mta-sts", &rec, &st);
	if (k == 0) {
		if (dns_status_temporary(st))
			dc_tempfail(n, name, st);
		else
			dc_add(n->r, "sts.none", name, name, NULL);
		return;
	}
	if (k > 1) {
		snprintf(arg, sizeof(arg), "%d", k);
		dc_add(n->r, "sts.multiple", name, arg, NULL);
		free(rec);
		return;
	}
	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		free(rec);
		return;
	}
	dc_tags_parse(rec, tl);
	id = dc_tag_get(tl, "id");
	v = dc_tag_get(tl, "v");
	k = id != NULL && *id != '\0' && strlen(id) <= 32;
	for (const char *c = id ? id : ""; *c && k; c++)
		k = isalnum((unsigned char)*c);
	if (v == NULL || strcmp(v, "STSv1") != 0 || !k || tl->bad)
		dc_add(n->r, "sts.record_bad", name, !k ? "id=" : tl->bad ? tl->badtok : "v=", rec);
	free(tl);
	if (n->o->no_https) {
		free(rec);
		return;
	}
	snprintf(host, sizeof(host), "mta-sts.%s", domain);
	dbuf_init(&body, DC_POLICY_MAX);
	if (dc_https_get(n, host, "/.well-known/mta-sts.txt", DC_POLICY_MAX, &body, err,
	    sizeof(err)) != 0) {
		dc_add(n->r, "sts.fetch_failed", host, err, rec);
		dbuf_free(&body);
		free(rec);
		return;
	}
	dc_add_record(n->r, "mta-sts-policy", host, dbuf_cstr(&body));
	if (dc_sts_policy_parse(dbuf_cstr(&body), body.len, &pol) != 0 ||
	    strcmp(pol.version, "STSv1") != 0) {
		dc_add(n->r, "sts.policy_bad", host, "version: STSv1", dbuf_cstr(&body));
		goto out;
	}
	if (strcmp(pol.mode, "enforce") && strcmp(pol.mode, "testing") && strcmp(pol.mode, "none")) {
		dc_add(n->r, "sts.policy_bad", host, "mode", dbuf_cstr(&body));
		goto out;
	}
	if (pol.max_age < 0) {
		dc_add(n->r, "sts.policy_bad", host, "max_age", dbuf_cstr(&body));
		goto out;
	}
	if (pol.nmx == 0 && strcmp(pol.mode, "none") != 0) {
		dc_add(n->r, "sts.policy_bad", host, "mx", dbuf_cstr(&body));
		goto out;
	}
	if (pol.bad_lines > 0)
		dc_add(n->r, "sts.policy_bad", host, pol.badline, dbuf_cstr(&body));
	if (pol.max_age < 86400) {
		snprintf(arg, sizeof(arg), "%ld", pol.max_age);
		dc_add(n->r, "sts.max_age_short", host, arg, dbuf_cstr(&body));
	}
	if (strcmp(pol.mode, "none") == 0)
		dc_add(n->r, "sts.mode_none", host, NULL, dbuf_cstr(&body));
	else {
		if (strcmp(pol.mode, "testing") == 0)
			dc_add(n->r, "sts.testing", host, NULL, dbuf_cstr(&body));
		nmx = dc_lookup_mx(n, domain, mx, 16, &st);
		for (int i = 0; i < nmx && i < 16; i++) {
			int ok = 0;

			for (int j = 0; j < pol.nmx && !ok; j++)
				ok = mx_match(pol.mx[j], mx[i]);
			if (!ok)
				dc_add(n->r, "sts.mx_mismatch", domain, mx[i], dbuf_cstr(&body));
		}
	}
	snprintf(arg, sizeof(arg), "mode %s, max_age %ld", pol.mode, pol.max_age);
	dc_add(n->r, "sts.ok", host, arg, dbuf_cstr(&body));
out:
	dbuf_free(&body);
	free(rec);
}

/* ---- TLS-RPT ---------------------------------------------------------------- */

void
dc_check_tlsrpt(dc_net *n, const char *domain)
{
	char name[DC_NAME_MAX + 16], *rec = NULL, buf[DC_TXT_MAX], cnt[16];
	dns_status st;
	dc_taglist *tl;
	const char *rua;
	int k, bad = 0;

	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	k = records_at(n, name, "v=TLSRPTv1", "tls-rpt", &rec, &st);
	if (k == 0) {
		if (dns_status_temporary(st))
			dc_tempfail(n, name, st);
		else
			dc_add(n->r, "tlsrpt.none", name, name, NULL);
		return;
	}
	if (k > 1) {
		snprintf(cnt, sizeof(cnt), "%d", k);
		dc_add(n->r, "tlsrpt.multiple", name, cnt, NULL);
		free(rec);
		return;
	}
	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		free(rec);
		return;
	}
	dc_tags_parse(rec, tl);
	if ((rua = dc_tag_get(tl, "rua")) == NULL || *rua == '\0')
		dc_add(n->r, "tlsrpt.bad", name, "rua=", rec);
	else {
		char *save = NULL;

		snprintf(buf, sizeof(buf), "%s", rua);
		for (char *u = strtok_r(buf, ",", &save); u != NULL; u = strtok_r(NULL, ",", &save)) {
			while (*u == ' ')
				u++;
			if ((strncasecmp(u, "mailto:", 7) != 0 || strchr(u, '@') == NULL) &&
			    strncasecmp(u, "https://", 8) != 0) {
				dc_add(n->r, "tlsrpt.bad", name, u, rec);
				bad = 1;
				break;
			}
		}
		if (!bad)
			dc_add(n->r, "tlsrpt.ok", name, rua, rec);
	}
	free(tl);
	free(rec);
}

/* ---- BIMI -------------------------------------------------------------------- */

void
dc_check_bimi(dc_net *n, const char *domain)
{
	char name[DC_NAME_MAX + 16], *rec = NULL;
	dns_status st;
	dc_taglist *tl;
	const char *l, *a;
	int k;

	snprintf(name, sizeof(name), "default._bimi.%s", domain);
	k = records_at(n, name, "v=BIMI1", "bimi", &rec, &st);
	if (k == 0) {
		if (dns_status_temporary(st))
			dc_tempfail(n, name, st);
		else
			dc_add(n->r, "bimi.none", name, name, NULL);
		return;
	}
	if ((tl = calloc(1, sizeof(*tl))) == NULL) {
		free(rec);
		return;
	}
	dc_tags_parse(rec, tl);
	l = dc_tag_get(tl, "l");
	a = dc_tag_get(tl, "a");
	if (k > 1)
		dc_add(n->r, "bimi.bad", name, "v=BIMI1 x2", rec);
	else if (tl->bad)
		dc_add(n->r, "bimi.bad", name, tl->badtok, rec);
	else if (l == NULL)
		dc_add(n->r, "bimi.bad", name, "l=", rec);
	else if (*l != '\0' && strncasecmp(l, "https://", 8) != 0)
		dc_add(n->r, "bimi.bad", name, l, rec);
	else if (a != NULL && *a != '\0' && strncasecmp(a, "https://", 8) != 0)
		dc_add(n->r, "bimi.bad", name, a, rec);
	else
		dc_add(n->r, "bimi.ok", name, *l ? l : "l=", rec);
	if ((strcmp(n->dmarc_p, "quarantine") != 0 && strcmp(n->dmarc_p, "reject") != 0) ||
	    n->dmarc_pct < 100)
		dc_add(n->r, "bimi.policy", name, NULL, rec);
	free(tl);
	free(rec);
}
