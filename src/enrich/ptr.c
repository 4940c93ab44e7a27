/*
 * ptr.c - reverse DNS with forward confirmation (FCrDNS) for one address:
 * the PTR query (in-addr.arpa, or the 32 nibbles under ip6.arpa), then an A
 * or AAAA query for each name (up to PTR_MAX_NAMES) at follow-up priority.
 * The address is confirmed when any name resolves back to it.
 *
 * Outcome (see ptr_res in lookup.h): no PTR (NXDOMAIN or NODATA) gives
 * fcrdns 0; names whose forward lookups all answered give 1 or 0; when no
 * name confirmed and a forward lookup failed temporarily, fcrdns is -1 and
 * fwd_status says why, so that the caller retries rather than caches "not
 * confirmed".
 *
 * Exports: ptr_lookup.  No allocation of its own.
 */
#include <string.h>

#include "lookup.h"

static void
ptr_finish(ptr_res *r)
{
	if (r->status != DNS_OK)
		r->fcrdns = (r->status == DNS_NXDOMAIN || r->status == DNS_NODATA) ? 0 : -1;
	else if (r->confirmed >= 0)
		r->fcrdns = 1;
	else
		r->fcrdns = r->fwd_status == DNS_OK ? 0 : -1;
	r->done(r->arg);
}

static void
fwd_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	struct ptr_fwd *f = arg;
	ptr_res *r = f->r;
	unsigned char addrs[16][16];
	int n, len = r->ip->family == 4 ? 4 : 16;

	if (st == DNS_OK) {
		n = dns_rr_addr(abuf, alen, r->ip->family == 4 ? DNS_T_A : DNS_T_AAAA, addrs, 16);
		if (n < 0)
			st = DNS_ERROR;
		for (int i = 0; i < n; i++)
			if (memcmp(addrs[i], r->ip->b, (size_t)len) == 0 && r->confirmed < 0)
				r->confirmed = f->idx;
	}
	if (dns_status_temporary(st) && r->fwd_status == DNS_OK)
		r->fwd_status = st;
	if (--r->pending == 0)
		ptr_finish(r);
}

static void
ptr_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	ptr_res *r = arg;
	int n = 0;

	r->status = st;
	if (st == DNS_OK) {
		n = dns_rr_ptr(abuf, alen, r->names, PTR_MAX_NAMES);
		if (n < 0)
			r->status = DNS_ERROR;
		else if (n == 0)
			r->status = DNS_NODATA;	/* a CNAME to nowhere, or junk names only */
		r->nnames = n > 0 ? n : 0;
	}
	if (r->status != DNS_OK) {
		ptr_finish(r);
		return;
	}
	r->pending = n;
	for (int i = 0; i < n; i++) {
		r->fwd[i].r = r;
		r->fwd[i].idx = i;
	}
	/* a query answered at once (a closing engine) may run fwd_cb inside
	 * dns_query; the last one finishes r, after which r is not touched */
	for (int i = 0; i < n; i++)
		dns_query(r->e, r->names[i], r->ip->family == 4 ? DNS_T_A : DNS_T_AAAA, 1,
		    fwd_cb, &r->fwd[i]);
}

void
ptr_lookup(dns_engine *e, const enrich_ip *ip, ptr_res *r, lookup_done done, void *arg)
{
	char name[DNS_NAME_MAX];

	/* the name buffers are written before they are read: clear the rest */
	r->status = DNS_OK;
	r->nnames = 0;
	r->pending = 0;
	r->ip = ip;
	r->e = e;
	r->done = done;
	r->arg = arg;
	r->confirmed = -1;
	r->fcrdns = -1;
	r->fwd_status = DNS_OK;
	if (dns_rev_name(ip->b, ip->family, ip->family == 4 ? "in-addr.arpa" : "ip6.arpa",
	    name, sizeof(name)) != 0) {
		r->status = DNS_ERROR;
		ptr_finish(r);
		return;
	}
	dns_query(e, name, DNS_T_PTR, 0, ptr_cb, r);
}
