/*
 * lookup.h - the per-address DNS lookups of the enrichment, private to
 * src/enrich: PTR with forward confirmation (ptr.c), one DNSBL zone
 * (dnsbl.c) and Team Cymru's origin and AS-name TXT data (cymru.c).
 *
 * Each *_lookup() starts its queries on a dns_engine and calls done(arg)
 * exactly once, from a DNS callback, when its result struct is complete
 * (on DNS_CANCELLED too).  The caller owns the result struct and the
 * enrich_ip, which must stay put until done() ran.
 *
 * Exports: enrich_ip, enrich_ip_parse(); ptr_res, ptr_lookup(); dnsbl_res,
 * dnsbl_lookup(), dnsbl_decode(), dnsbl_zone_v6(), DNSBL_DEFAULT_ZONES;
 * cymru, asn_res, cymru_new(), cymru_free(), cymru_lookup(),
 * cymru_parse_origin(), cymru_parse_asname().
 */
#ifndef DS_ENRICH_LOOKUP_H
#define DS_ENRICH_LOOKUP_H

#include <stdint.h>

#include "dns.h"

typedef struct enrich_ip {
	int family;			/* 4 or 6 */
	unsigned char b[16];		/* network order; IPv4 in b[0..3] */
	char text[46];			/* canonical (inet_ntop) */
} enrich_ip;

/* Parses an address (no surrounding spaces); 0, or -1 when it is not one. */
int enrich_ip_parse(const char *s, enrich_ip *ip);
/* The 16-byte sort/range key: IPv6 as is, IPv4 as ::ffff:a.b.c.d. */
void enrich_ip_key(const enrich_ip *ip, unsigned char key[16]);

typedef void (*lookup_done)(void *arg);

/* ---- PTR and forward-confirmed reverse DNS ------------------------------- */

#define PTR_MAX_NAMES 4		/* names kept; each gets a forward lookup */

typedef struct ptr_res {
	dns_status status;		/* of the PTR query (DNS_OK: names found) */
	dns_status fwd_status;		/* DNS_OK, or the first temporary failure
					 * of a forward lookup (then fcrdns is -1
					 * unless another name confirmed) */
	int nnames;
	char names[PTR_MAX_NAMES][DNS_NAME_MAX];
	int confirmed;			/* index of a confirming name, or -1 */
	int fcrdns;			/* 1, 0, -1 unknown */
	/* private */
	const enrich_ip *ip;
	dns_engine *e;
	int pending;
	lookup_done done;
	void *arg;
	struct ptr_fwd {
		struct ptr_res *r;
		int idx;
	} fwd[PTR_MAX_NAMES];
} ptr_res;

void ptr_lookup(dns_engine *e, const enrich_ip *ip, ptr_res *r, lookup_done done, void *arg);

/* ---- DNSBL --------------------------------------------------------------- */

#define DNSBL_DEFAULT_ZONES "zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org"

typedef struct dnsbl_res {
	const char *zone;		/* the caller's string */
	dns_status status;		/* of the A query */
	int listed;			/* 1, 0 (NXDOMAIN/NODATA), -1 unknown */
	int skipped;			/* IPv6 and a zone that lists IPv4 only */
	char codes[128];		/* "127.0.0.2 127.0.0.4" */
	char meaning[192];		/* decoded, "; " separated */
	char txt[DNS_TXT_MAX];		/* the TXT reason(s), " | " separated */
	const char *error;		/* why listed is -1 with status DNS_OK */
	/* private */
	const enrich_ip *ip;
	dns_engine *e;
	lookup_done done;
	void *arg;
} dnsbl_res;

void dnsbl_lookup(dns_engine *e, const enrich_ip *ip, const char *zone, dnsbl_res *r,
    lookup_done done, void *arg);
/* What a return code means in zone: a constant string, or NULL when the zone
 * is not known (the code itself is then the meaning).  *is_error is set when
 * the code is the list's error signal (e.g. Spamhaus 127.255.255.254: the
 * query came through a public resolver), which is not a listing. */
const char *dnsbl_decode(const char *zone, const unsigned char code[4], int *is_error);
/* 0 when zone is known to list IPv4 only (no point asking for IPv6). */
int dnsbl_zone_v6(const char *zone);

/* ---- Team Cymru IP to ASN ------------------------------------------------ */

typedef struct cymru cymru;

typedef struct asn_res {
	dns_status status;		/* of the origin TXT query */
	uint32_t asn;			/* 0: none */
	char prefix[64];
	char cc[3];
	char as_name[256];		/* "" when unknown */
	dns_status name_status;		/* of the AS name query */
	/* private */
	struct asn_res *next_waiter;
	cymru *c;
	lookup_done done;
	void *arg;
} asn_res;

cymru *cymru_new(dns_engine *e);
void cymru_free(cymru *c);
void cymru_lookup(cymru *c, const enrich_ip *ip, asn_res *r, lookup_done done, void *arg);
/* "15169 | 8.8.8.0/24 | US | arin | 2023-12-28" (several ASNs: the first).
 * Returns 0, or -1 when txt is not in that form. */
int cymru_parse_origin(const char *txt, uint32_t *asn, char *prefix, size_t plen,
    char cc[3]);
/* "15169 | US | arin | 2000-03-30 | GOOGLE - Google LLC, US" → the name
 * ("GOOGLE - Google LLC, US"); 0, or -1. */
int cymru_parse_asname(const char *txt, char *name, size_t len);

#endif
