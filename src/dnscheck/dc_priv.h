/*
 * dc_priv.h - what the files of src/dnscheck/ share: the lookup context
 * (net.c) and the checks (check_*.c).  Not for use outside src/dnscheck/.
 *
 * Lookups are synchronous, one at a time, on the c-ares engine of
 * src/enrich/dns.h; each counts against DC_QUERY_MAX and the deadline, and
 * when either is spent the lookup answers DNS_ERROR and the first such
 * refusal adds a dns.cap finding.
 *
 * Exports: dc_net, dc_txt, dc_txt_free, dc_lookup_mx, dc_lookup_addr,
 * dc_https_get, dc_check_dmarc, dc_check_spf, dc_check_dkim, dc_check_sts,
 * dc_check_tlsrpt, dc_check_bimi.
 */
#ifndef DS_DC_PRIV_H
#define DS_DC_PRIV_H

#include "dnscheck.h"
#include "../enrich/dns.h"

typedef struct dc_net {
	dns_engine *e;
	dc_result *r;
	const dc_opts *o;
	int64_t deadline_ms;	/* monotonic */
	int capped;
	char dmarc_p[16];	/* the policy that applies ("" none), for BIMI */
	int dmarc_pct;
} dc_net;

/* TXT records at a name: st is the status; text[i] allocated, at most
 * DC_RECORDS_MAX records of at most DC_TXT_MAX - 1 bytes (longer: cut, and
 * long set); size is the answer's size in bytes. */
typedef struct dc_txts {
	dns_status st;
	int n, size, long_;
	char *text[DC_RECORDS_MAX];
} dc_txts;

void dc_txt(dc_net *n, const char *name, dc_txts *out);
void dc_txt_free(dc_txts *t);
/* MX targets: count (≤ max), 0 for none; *st the status. */
int dc_lookup_mx(dc_net *n, const char *name, char out[][DC_NAME_MAX], int max, dns_status *st);
/* A (type DNS_T_A) or AAAA addresses: count; out may be NULL. */
int dc_lookup_addr(dc_net *n, const char *name, int type, unsigned char out[][16], int max,
    dns_status *st);
/* https://host/path (port from the options) into b (at most max bytes),
 * host resolved by our resolver.  0, or -1 with err. */
int dc_https_get(dc_net *n, const char *host, const char *path, size_t max, dbuf *b, char *err,
    size_t errlen);
/* dns.tempfail finding for name with status st. */
void dc_tempfail(dc_net *n, const char *name, dns_status st);

void dc_check_dmarc(dc_net *n, const char *domain);
void dc_check_spf(dc_net *n, const char *domain);
void dc_check_dkim(dc_net *n, const char *domain);
void dc_check_sts(dc_net *n, const char *domain);
void dc_check_tlsrpt(dc_net *n, const char *domain);
void dc_check_bimi(dc_net *n, const char *domain);

#endif
