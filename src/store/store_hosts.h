/*
 * store_hosts.h - the enrichment cache sub-interface of the store (see
 * store.h for the conventions every op follows): what is known about each
 * sending host (hosts), its DNSBL results (host_dnsbl), the RDAP networks
 * (rdap_networks), and the queue of hosts that need a lookup.
 *
 * Cache model.  Each lookup kind (ptr = PTR + forward confirmation, geo,
 * asn, rdap, and one DNSBL result per zone) has its own state, lookup time
 * and expiry.  A kind is due when it was never looked up, when its expiry
 * has passed, or always under `refresh`.  States (strings, stable):
 *   positive   ok (ptr, geo, asn, rdap), listed / not_listed (dnsbl)
 *   negative   nxdomain, nodata, notfound, none
 *   temporary  servfail, refused, timeout, error
 * The caller sets the expiry (positive and negative TTLs; a temporary state
 * gets its retry time, never a negative TTL) and keeps the earlier facts on a
 * temporary failure.  hosts_state_class() classifies a state string.
 *
 * Queue.  sync() adds to hosts (facts NULL, nothing looked up) every source IP
 * of records added since the last sync (a watermark on records.id), or of
 * every record when full is set.  pending() lists hosts with a due kind.
 *
 * Strings in rows handed to callbacks live only during the callback; strings
 * passed in are bound before the call returns.
 *
 * Exports: struct store_hosts_ops, store_sqlite_hosts_ops, the row types,
 * the HK_* kind bits, hosts_state_class().
 */
#ifndef DS_STORE_HOSTS_H
#define DS_STORE_HOSTS_H

#include <stdint.h>

#include "store.h"

/* Lookup kinds (bits). */
#define HK_PTR		0x01u	/* PTR and forward-confirmed reverse DNS */
#define HK_DNSBL	0x02u	/* every configured DNSBL zone */
#define HK_GEO		0x04u	/* country from the mmdb files */
#define HK_ASN		0x08u	/* AS number and name (mmdb, else Team Cymru) */
#define HK_RDAP		0x10u	/* RDAP network, organisation, abuse contact */
#define HK_ALL		0x1fu

/* State classes. */
#define HS_NONE		(-1)	/* never looked up (NULL state) */
#define HS_POSITIVE	0
#define HS_NEGATIVE	1
#define HS_TEMPORARY	2

int hosts_state_class(const char *state);

/* One lookup's bookkeeping. */
typedef struct store_lookup {
	const char *state;	/* NULL: never looked up */
	int64_t at;		/* unix time of the lookup */
	int64_t expires;	/* due again from then on */
	const char *source;	/* geo and asn: where it came from; else NULL */
} store_lookup;

/* A hosts row.  fcrdns: 1, 0, -1 unknown.  asn 0: unknown. */
typedef struct store_host {
	const char *ip;
	const char *ptr;		/* the name used: the confirmed one, else the first */
	const char *ptr_names;		/* every PTR name, space separated */
	int fcrdns;
	const char *base_domain, *as_name, *country, *service, *service_type;
	int64_t asn;
	int64_t updated_at;		/* 0: never enriched */
	int dnsbl_listed;		/* zones listing it at the last check; -1 unknown */
	store_lookup ptr_l, geo_l, asn_l, rdap_l;
	int64_t rdap_net;		/* rdap_networks.id, 0 none */
} store_host;

/* One DNSBL result. */
typedef struct store_dnsbl {
	const char *ip, *zone;
	const char *state;		/* listed | not_listed | temporary states */
	const char *codes;		/* "127.0.0.2 127.0.0.4" when listed */
	const char *meaning;		/* decoded codes ("SBL; XBL"), or NULL */
	const char *txt;		/* the TXT reason, or NULL */
	int64_t at, expires;
} store_dnsbl;

/* An RDAP network (RFC 9083 ip network object, the parts we keep). */
typedef struct store_rdap_net {
	int64_t id;
	int family;			/* 4 or 6 */
	const unsigned char *lo, *hi;	/* 16 bytes each; IPv4 as ::ffff:a.b.c.d */
	const char *start, *end;	/* as text */
	const char *handle, *name, *org, *country, *abuse_email, *url;
	int64_t fetched_at, expires;
} store_rdap_net;

/* What pending() selects. */
typedef struct store_hosts_due {
	int64_t now;
	unsigned kinds;			/* HK_* to consider */
	const char *const *zones;	/* DNSBL zones (HK_DNSBL) */
	int nzones;
	int refresh;			/* every host is due */
	const char *after;		/* keyset paging: ip > after (NULL: from the start) */
	int limit;			/* rows at most (> 0) */
	/* Claim the listed hosts for this handle until its next claiming
	 * pending() from the start (after NULL) or, once it is closed, until
	 * another handle's run starts: other handles' claiming calls skip them,
	 * so overlapping runs on nodes sharing one database look each host up
	 * once.  PostgreSQL only; SQLite has one writer and ignores it. */
	int claim;
} store_hosts_due;

struct store_hosts_ops {
	/* New source IPs into hosts; *added = rows inserted. */
	int (*sync)(store *s, int full, int64_t *added);
	/* Hosts with a due kind, ordered by ip; *due_kinds gets the kinds due
	 * for that host (a DNSBL zone due makes HK_DNSBL due). */
	int (*pending)(store *s, const store_hosts_due *q,
	    int (*cb)(void *, const store_host *, unsigned due_kinds), void *ctx);
	/* One host, with *found = 0 when it is not in hosts. */
	int (*get)(store *s, const char *ip, int (*cb)(void *, const store_host *),
	    void *ctx, int *found);
	/* Write a host: the facts, and the lookup columns of the kinds in `kinds`
	 * (others keep their values).  Inserts the row when missing.  When ptr,
	 * fcrdns, service or service_type differ from the stored row, the policy
	 * domains with records from ip are queued for reanalysis (at flush). */
	int (*put)(store *s, const store_host *h, unsigned kinds, int *changed);
	/* Queue the reanalysis collected by put (one pass over records). */
	int (*flush)(store *s, int64_t now, int64_t *domains);

	int (*dnsbl_put)(store *s, const store_dnsbl *d);
	int (*dnsbl_list)(store *s, const char *ip, int (*cb)(void *, const store_dnsbl *),
	    void *ctx);

	/* The narrowest network containing key (16 bytes) that has not expired
	 * at now and was fetched at fresh_since or later, if any. */
	int (*rdap_find)(store *s, const unsigned char key[16], int64_t now,
	    int64_t fresh_since, int (*cb)(void *, const store_rdap_net *), void *ctx,
	    int *found);
	int (*rdap_put)(store *s, const store_rdap_net *n, int64_t *id);
	int (*rdap_get)(store *s, int64_t id, int (*cb)(void *, const store_rdap_net *),
	    void *ctx, int *found);
	/* Only the rdap lookup columns of a host (and its network). */
	int (*rdap_set)(store *s, const char *ip, const store_lookup *l, int64_t net_id);

	/* ptr and country of one host, for the exports (NULL when unknown). */
	int (*brief)(store *s, const char *ip, int (*cb)(void *, const char *ptr,
	    const char *country, const char *base_domain), void *ctx, int *found);
};

extern const struct store_hosts_ops store_sqlite_hosts_ops;

/* BEGIN store wrappers (generated by scripts/store_wrappers.py; do not edit) */

static inline int
store_hosts_sync(store *s, int full, int64_t *added)
{
	if (s->ops->hosts == NULL || s->ops->hosts->sync == NULL)
		return store_unsupported(s, "hosts.sync is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->sync(s, full, added);
}

static inline int
store_hosts_pending(store *s, const store_hosts_due *q, int (*cb)(void *, const store_host *,
    unsigned due_kinds), void *ctx)
{
	if (s->ops->hosts == NULL || s->ops->hosts->pending == NULL)
		return store_unsupported(s, "hosts.pending is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->pending(s, q, cb, ctx);
}

static inline int
store_hosts_get(store *s, const char *ip, int (*cb)(void *, const store_host *), void *ctx,
    int *found)
{
	if (s->ops->hosts == NULL || s->ops->hosts->get == NULL)
		return store_unsupported(s, "hosts.get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->get(s, ip, cb, ctx, found);
}

static inline int
store_hosts_put(store *s, const store_host *h, unsigned kinds, int *changed)
{
	if (s->ops->hosts == NULL || s->ops->hosts->put == NULL)
		return store_unsupported(s, "hosts.put is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->put(s, h, kinds, changed);
}

static inline int
store_hosts_flush(store *s, int64_t now, int64_t *domains)
{
	if (s->ops->hosts == NULL || s->ops->hosts->flush == NULL)
		return store_unsupported(s, "hosts.flush is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->flush(s, now, domains);
}

static inline int
store_hosts_dnsbl_put(store *s, const store_dnsbl *d)
{
	if (s->ops->hosts == NULL || s->ops->hosts->dnsbl_put == NULL)
		return store_unsupported(s, "hosts.dnsbl_put is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->dnsbl_put(s, d);
}

static inline int
store_hosts_dnsbl_list(store *s, const char *ip, int (*cb)(void *, const store_dnsbl *), void *ctx)
{
	if (s->ops->hosts == NULL || s->ops->hosts->dnsbl_list == NULL)
		return store_unsupported(s, "hosts.dnsbl_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->dnsbl_list(s, ip, cb, ctx);
}

static inline int
store_hosts_rdap_find(store *s, const unsigned char key[16], int64_t now, int64_t fresh_since,
    int (*cb)(void *, const store_rdap_net *), void *ctx, int *found)
{
	if (s->ops->hosts == NULL || s->ops->hosts->rdap_find == NULL)
		return store_unsupported(s, "hosts.rdap_find is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->rdap_find(s, key, now, fresh_since, cb, ctx, found);
}

static inline int
store_hosts_rdap_put(store *s, const store_rdap_net *n, int64_t *id)
{
	if (s->ops->hosts == NULL || s->ops->hosts->rdap_put == NULL)
		return store_unsupported(s, "hosts.rdap_put is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->rdap_put(s, n, id);
}

static inline int
store_hosts_rdap_get(store *s, int64_t id, int (*cb)(void *, const store_rdap_net *), void *ctx,
    int *found)
{
	if (s->ops->hosts == NULL || s->ops->hosts->rdap_get == NULL)
		return store_unsupported(s, "hosts.rdap_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->rdap_get(s, id, cb, ctx, found);
}

static inline int
store_hosts_rdap_set(store *s, const char *ip, const store_lookup *l, int64_t net_id)
{
	if (s->ops->hosts == NULL || s->ops->hosts->rdap_set == NULL)
		return store_unsupported(s, "hosts.rdap_set is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->rdap_set(s, ip, l, net_id);
}

static inline int
store_hosts_brief(store *s, const char *ip, int (*cb)(void *, const char *ptr, const char *country,
    const char *base_domain), void *ctx, int *found)
{
	if (s->ops->hosts == NULL || s->ops->hosts->brief == NULL)
		return store_unsupported(s, "hosts.brief is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->hosts->brief(s, ip, cb, ctx, found);
}

/* END store wrappers */

#endif
