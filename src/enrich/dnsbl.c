/*
 * dnsbl.c - one DNSBL zone for one address (RFC 5782): an A query for the
 * reversed address under the zone (the 32 nibbles for IPv6), and when it is
 * listed a TXT query (follow-up priority) for the reason.  Return codes are
 * decoded for the zones we know; an answer outside 127.0.0.0/8 (a resolver
 * that rewrites NXDOMAIN, a zone gone wildcard) and a list's own error codes
 * (Spamhaus 127.255.255.252-255) are errors, never listings.
 *
 * Exports: dnsbl_lookup, dnsbl_decode, dnsbl_zone_v6.  No allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lookup.h"

typedef struct code_meaning {
	unsigned char last3, last4;	/* 127.0.X.Y or 127.255.255.Y */
	int is_error;
	const char *meaning;
} code_meaning;

static const code_meaning spamhaus[] = {
	{ 0, 2, 0, "SBL: Spamhaus Block List (spam source)" },
	{ 0, 3, 0, "SBL CSS: snowshoe spam" },
	{ 0, 4, 0, "XBL: exploited host (CBL)" },
	{ 0, 5, 0, "XBL: exploited host" },
	{ 0, 6, 0, "XBL: exploited host" },
	{ 0, 7, 0, "XBL: exploited host" },
	{ 0, 9, 0, "SBL DROP: hijacked netblock" },
	{ 0, 10, 0, "PBL: end-user range (ISP policy)" },
	{ 0, 11, 0, "PBL: end-user range (Spamhaus policy)" },
	{ 255, 252, 1, "Spamhaus error: typing error in the DNSBL name" },
	{ 255, 254, 1, "Spamhaus error: query through a public resolver refused" },
	{ 255, 255, 1, "Spamhaus error: excessive number of queries" },
	{ 0, 0, 0, NULL }
};

static const code_meaning listed_only[] = {
	{ 0, 2, 0, "listed" },
	{ 0, 0, 0, NULL }
};

static const struct zone_info {
	const char *zone;	/* exact, or a suffix when it starts with '.' */
	const code_meaning *codes;
	const char *label;	/* prefix for listed_only tables */
	int v6;
} zones[] = {
	{ "zen.spamhaus.org", spamhaus, NULL, 1 },
	{ "sbl.spamhaus.org", spamhaus, NULL, 1 },
	{ "xbl.spamhaus.org", spamhaus, NULL, 1 },
	{ "pbl.spamhaus.org", spamhaus, NULL, 1 },
	{ "sbl-xbl.spamhaus.org", spamhaus, NULL, 1 },
	{ ".zen.dq.spamhaus.net", spamhaus, NULL, 1 },
	{ "bl.spamcop.net", listed_only, "SpamCop: reported spam source", 0 },
	{ "b.barracudacentral.org", listed_only, "Barracuda: poor reputation", 0 },
	{ "psbl.surriel.com", listed_only, "PSBL: spam trap hits", 0 },
	{ "dnsbl-1.uceprotect.net", listed_only, "UCEPROTECT level 1", 0 },
	{ "ix.dnsbl.manitu.net", listed_only, "NiX Spam", 0 },
	{ "cbl.abuseat.org", listed_only, "CBL: exploited host", 0 },
	{ NULL, NULL, NULL, 1 }
};

static const struct zone_info *
zone_find(const char *zone)
{
	size_t zl = strlen(zone);

	for (int i = 0; zones[i].zone != NULL; i++) {
		const char *z = zones[i].zone;
		size_t l = strlen(z);

		if (z[0] == '.' ? zl > l && strcasecmp(zone + zl - l, z) == 0 :
		    strcasecmp(zone, z) == 0)
			return &zones[i];
	}
	return NULL;
}

int
dnsbl_zone_v6(const char *zone)
{
	const struct zone_info *zi = zone_find(zone);

	return zi == NULL || zi->v6;
}

const char *
dnsbl_decode(const char *zone, const unsigned char c[4], int *is_error)
{
	const struct zone_info *zi = zone_find(zone);

	*is_error = 0;
	if (zi == NULL || c[0] != 127)
		return NULL;
	for (const code_meaning *m = zi->codes; m->meaning != NULL; m++) {
		int hit = m->last3 == 255 ? c[1] == 255 && c[2] == 255 && c[3] == m->last4 :
		    c[1] == 0 && c[2] == m->last3 && c[3] == m->last4;

		if (hit) {
			*is_error = m->is_error;
			return zi->label != NULL ? zi->label : m->meaning;
		}
	}
	return NULL;
}

/* Appends sep (unless buf is empty) and s to buf, cutting at len - 1. */
static void
append(char *buf, size_t len, const char *sep, const char *s)
{
	size_t o = strlen(buf);

	if (o > 0)
		for (; *sep && o + 1 < len; sep++)
			buf[o++] = *sep;
	for (; *s && o + 1 < len; s++)
		buf[o++] = *s;
	buf[o] = '\0';
}

static void
txt_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	dnsbl_res *r = arg;
	char txt[4][DNS_TXT_MAX];
	int n;

	if (st == DNS_OK && (n = dns_rr_txt(abuf, alen, txt, 4)) > 0)
		for (int i = 0; i < n; i++)
			append(r->txt, sizeof(r->txt), " | ", txt[i]);
	r->done(r->arg);
}

static int
addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 4);
}

static void
a_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	dnsbl_res *r = arg;
	unsigned char addrs[8][16];
	int n, listings = 0;
	char name[DNS_NAME_MAX];

	r->status = st;
	if (st == DNS_NXDOMAIN || st == DNS_NODATA) {
		r->listed = 0;
		r->done(r->arg);
		return;
	}
	if (st != DNS_OK) {
		r->done(r->arg);
		return;
	}
	n = dns_rr_addr(abuf, alen, DNS_T_A, addrs, 8);
	if (n <= 0) {
		r->listed = n == 0 ? 0 : -1;
		if (n < 0)
			r->error = "malformed answer";
		r->done(r->arg);
		return;
	}
	qsort(addrs, (size_t)n, sizeof(addrs[0]), addr_cmp);	/* a stable order */
	for (int i = 0; i < n; i++) {
		char code[16];
		const char *m;
		int is_err;

		snprintf(code, sizeof(code), "%u.%u.%u.%u", addrs[i][0], addrs[i][1],
		    addrs[i][2], addrs[i][3]);
		append(r->codes, sizeof(r->codes), " ", code);
		if (addrs[i][0] != 127) {
			r->error = "answer outside 127.0.0.0/8 (a wildcard, or a resolver "
			    "rewriting NXDOMAIN)";
			continue;
		}
		m = dnsbl_decode(r->zone, addrs[i], &is_err);
		if (m != NULL && strstr(r->meaning, m) == NULL)
			append(r->meaning, sizeof(r->meaning), "; ", m);
		if (is_err)
			r->error = m;
		else
			listings++;
	}
	if (listings == 0) {
		r->listed = -1;
		r->status = DNS_ERROR;
		r->done(r->arg);
		return;
	}
	r->listed = 1;
	if (dns_rev_name(r->ip->b, r->ip->family, r->zone, name, sizeof(name)) != 0) {
		r->done(r->arg);
		return;
	}
	dns_query(r->e, name, DNS_T_TXT, 1, txt_cb, r);
}

void
dnsbl_lookup(dns_engine *e, const enrich_ip *ip, const char *zone, dnsbl_res *r,
    lookup_done done, void *arg)
{
	char name[DNS_NAME_MAX];

	/* the buffers are big and written before they are read: clear the rest */
	r->codes[0] = r->meaning[0] = r->txt[0] = '\0';
	r->skipped = 0;
	r->error = NULL;
	r->status = DNS_OK;
	r->zone = zone;
	r->ip = ip;
	r->e = e;
	r->done = done;
	r->arg = arg;
	r->listed = -1;
	if (ip->family == 6 && !dnsbl_zone_v6(zone)) {
		r->skipped = 1;
		r->status = DNS_NXDOMAIN;
		r->listed = 0;
		done(arg);
		return;
	}
	if (dns_rev_name(ip->b, ip->family, zone, name, sizeof(name)) != 0) {
		r->status = DNS_ERROR;
		r->error = "zone name too long";
		done(arg);
		return;
	}
	dns_query(e, name, DNS_T_A, 0, a_cb, r);
}
