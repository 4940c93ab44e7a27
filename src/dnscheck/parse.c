/*
 * parse.c - the record parsers of the DNS checks: tag lists (RFC 6376 §3.2,
 * which DMARC RFC 9989 §4.8, TLS-RPT RFC 8460 §3, MTA-STS RFC 8461 §3.1 and
 * BIMI share), SPF terms (RFC 7208 §4.6.1, §5, §6), the MTA-STS policy file
 * (RFC 8461 §3.2) and the DKIM key length (OpenSSL's SubjectPublicKeyInfo
 * reader).  Pure functions over caller-owned strings, bounded by the
 * DC_*_MAX caps of dnscheck.h: anything longer is cut, never overrun.
 *
 * Exports: dc_tags_parse, dc_tag_get, dc_spf_is, dc_spf_parse,
 * dc_spf_has_macro, dc_sts_policy_parse, dc_dkim_key_bits (dnscheck.h).
 * Errors: -1 when the input is not of the kind at all; finer problems are
 * flags in the output structs.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dnscheck.h"

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
copy_trim(char *dst, size_t len, const char *s, size_t n)
{
	while (n > 0 && is_wsp((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_wsp((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int
dc_tags_parse(const char *s, dc_taglist *tl)
{
	const char *p = s;

	memset(tl, 0, sizeof(*tl));
	tl->dup = -1;
	if (s == NULL)
		return -1;
	while (*p != '\0') {
		const char *end = strchr(p, ';'), *eq;
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char name[64];
		int ok = 1;

		eq = memchr(p, '=', n);
		if (eq == NULL) {
			char tok[64];

			copy_trim(tok, sizeof(tok), p, n);
			if (tok[0] != '\0' && !tl->bad) {
				tl->bad = 1;
				copy_trim(tl->badtok, sizeof(tl->badtok), p, n);
			}
			p += n;
			if (*p == ';')
				p++;
			continue;
		}
		copy_trim(name, sizeof(name), p, (size_t)(eq - p));
		if (name[0] == '\0' || strlen(name) >= sizeof(tl->t[0].name))
			ok = 0;
		for (const char *c = name; *c != '\0' && ok; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				ok = 0;
		if (!ok) {
			if (!tl->bad) {
				tl->bad = 1;
				copy_trim(tl->badtok, sizeof(tl->badtok), p, n);
			}
		} else if (tl->n >= DC_TAGS_MAX) {
			tl->more = 1;
		} else {
			dc_tag *t = &tl->t[tl->n];

			snprintf(t->name, sizeof(t->name), "%.31s", name);
			copy_trim(t->value, sizeof(t->value), eq + 1, n - (size_t)(eq + 1 - p));
			for (int i = 0; i < tl->n && tl->dup < 0; i++)
				if (strcmp(tl->t[i].name, t->name) == 0)
					tl->dup = tl->n;
			tl->n++;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return tl->n > 0 ? 0 : -1;
}

/* The first tag of that name (case-sensitive, as RFC 6376 §3.2 says). */
const char *
dc_tag_get(const dc_taglist *tl, const char *name)
{
	for (int i = 0; i < tl->n; i++)
		if (strcmp(tl->t[i].name, name) == 0)
			return tl->t[i].value;
	return NULL;
}

/* ---- SPF ------------------------------------------------------------------ */

int
dc_spf_is(const char *s)
{
	return s != NULL && strncasecmp(s, "v=spf1", 6) == 0 && (s[6] == '\0' || s[6] == ' ');
}

int
dc_spf_has_macro(const char *s)
{
	return strchr(s, '%') != NULL;
}

static const struct {
	const char *name;
	dc_spf_kind kind;
} mech[] = {
	{ "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A }, { "mx", SPF_MX },
	{ "ptr", SPF_PTR }, { "ip4", SPF_IP4 }, { "ip6", SPF_IP6 }, { "exists", SPF_EXISTS },
};

static void
spf_term(const char *tok, dc_spf *o)
{
	dc_spf_term *t;
	const char *p = tok, *eq, *sep;
	size_t nl;

	if (o->n >= DC_SPF_TERMS) {
		o->more = 1;
		return;
	}
	t = &o->t[o->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->text, sizeof(t->text), "%s", tok);
	t->qual = '+';
	t->kind = SPF_BAD;
	/* modifier: name "=" macro-string (§4.6.1), name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	eq = strchr(p, '=');
	sep = strpbrk(p, ":/");
	if (eq != NULL && (sep == NULL || eq < sep)) {
		nl = (size_t)(eq - p);
		if (nl == 0 || !isalpha((unsigned char)p[0]))
			return;
		for (size_t i = 0; i < nl; i++)
			if (!isalnum((unsigned char)p[i]) && strchr("-_.", p[i]) == NULL)
				return;
		snprintf(t->arg, sizeof(t->arg), "%s", eq + 1);
		if (nl == 8 && strncasecmp(p, "redirect", 8) == 0) {
			t->kind = t->arg[0] != '\0' ? SPF_REDIRECT : SPF_BAD;
			o->redirects++;
		} else if (nl == 3 && strncasecmp(p, "exp", 3) == 0) {
			t->kind = t->arg[0] != '\0' ? SPF_EXP : SPF_BAD;
			o->exps++;
		} else
			t->kind = SPF_UNKNOWN_MOD;
		return;
	}
	if (strchr("+-~?", *p) != NULL && *p != '\0')
		t->qual = *p++;
	nl = strcspn(p, ":/");
	for (size_t i = 0; i < sizeof(mech) / sizeof(mech[0]); i++) {
		if (strlen(mech[i].name) != nl || strncasecmp(p, mech[i].name, nl) != 0)
			continue;
		t->kind = mech[i].kind;
		break;
	}
	if (t->kind == SPF_BAD)
		return;
	p += nl;
	if (*p == ':') {
		p++;
		if (*p == '\0' || t->kind == SPF_ALL) {
			t->kind = SPF_BAD;
			return;
		}
		snprintf(t->arg, sizeof(t->arg), "%s", p);
	} else if (*p == '/') {
		/* a / mx with a CIDR length only: arg empty, the CIDR kept in text */
		if (t->kind != SPF_A && t->kind != SPF_MX) {
			t->kind = SPF_BAD;
			return;
		}
	} else if (*p != '\0') {
		t->kind = SPF_BAD;
		return;
	}
	switch (t->kind) {
	case SPF_INCLUDE: case SPF_EXISTS: case SPF_IP4: case SPF_IP6:
		if (t->arg[0] == '\0')
			t->kind = SPF_BAD;	/* the argument is required */
		break;
	default:
		break;
	}
	/* a:dom/24 → the domain alone */
	if ((t->kind == SPF_A || t->kind == SPF_MX) && t->arg[0] != '\0') {
		char *sl = strchr(t->arg, '/');

		if (sl != NULL)
			*sl = '\0';
	}
}

int
dc_spf_parse(const char *s, dc_spf *out)
{
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!dc_spf_is(s))
		return -1;
	p = s + 6;
	while (*p != '\0') {
		char tok[DC_NAME_MAX];
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		copy_trim(tok, sizeof(tok), p, n);
		spf_term(tok, out);
		p += n;
	}
	return 0;
}

/* ---- MTA-STS policy ------------------------------------------------------- */

int
dc_sts_policy_parse(const char *s, size_t len, dc_sts_policy *pol)
{
	size_t i = 0;

	memset(pol, 0, sizeof(*pol));
	pol->max_age = -1;
	while (i < len) {
		const char *line = s + i, *nl = memchr(line, '\n', len - i), *colon;
		size_t n = nl != NULL ? (size_t)(nl - line) : len - i;
		char key[32], val[DC_NAME_MAX];

		i += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		colon = memchr(line, ':', n);
		if (colon == NULL || colon == line || (size_t)(colon - line) >= sizeof(key)) {
			if (pol->bad_lines++ == 0)
				copy_trim(pol->badline, sizeof(pol->badline), line, n);
			continue;
		}
		copy_trim(key, sizeof(key), line, (size_t)(colon - line));
		copy_trim(val, sizeof(val), colon + 1, n - (size_t)(colon + 1 - line));
		if (strcmp(key, "version") == 0)
			snprintf(pol->version, sizeof(pol->version), "%.15s", val);
		else if (strcmp(key, "mode") == 0)
			snprintf(pol->mode, sizeof(pol->mode), "%.15s", val);
		else if (strcmp(key, "mx") == 0) {
			if (pol->nmx < 16)
				snprintf(pol->mx[pol->nmx++], DC_NAME_MAX, "%s", val);
		} else if (strcmp(key, "max_age") == 0) {
			char *end;
			long v = strtol(val, &end, 10);

			pol->max_age = val[0] != '\0' && *end == '\0' && v >= 0 && v <= 31557600 ? v : -1;
		}
	}
	return pol->version[0] != '\0' || pol->mode[0] != '\0' ? 0 : -1;
}

/* ---- DKIM key length ------------------------------------------------------ */

int
dc_dkim_key_bits(const char *k, const char *p, int *bits)
{
	unsigned char der[DC_TXT_MAX];
	char b64[DC_TXT_MAX];
	size_t n = 0;
	int len;
	EVP_PKEY *pk;
	const unsigned char *q = der;

	*bits = 0;
	for (const char *c = p; *c != '\0' && n + 1 < sizeof(b64); c++)
		if (!is_wsp((unsigned char)*c))
			b64[n++] = *c;
	b64[n] = '\0';
	if (n == 0 || n % 4 != 0)
		return -1;
	len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return -1;
	if (b64[n - 1] == '=')
		len--;
	if (n >= 2 && b64[n - 2] == '=')
		len--;
	if (k != NULL && strcmp(k, "ed25519") == 0) {
		if (len != 32)
			return -1;
		*bits = 256;
		return 0;
	}
	pk = d2i_PUBKEY(NULL, &q, len);
	if (pk == NULL) {
		/* some publish the bare PKCS#1 RSAPublicKey */
		q = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, len);
		if (pk == NULL)
			return -1;
	}
	*bits = EVP_PKEY_get_bits(pk);
	EVP_PKEY_free(pk);
	return 0;
}
