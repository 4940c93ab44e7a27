/*
 * store_pg_hostcache.c - the host facts of many source IPs in one round trip,
 * for the ingest on PostgreSQL.
 *
 * The analysis of each record reads its source IP's host facts (enrichment
 * results: PTR, ASN, service).  On SQLite that is a lookup in the process; on
 * PostgreSQL it was one round trip per record.  The ingest's writer now hands
 * over the source IPs of each batch of parsed events before applying it
 * (store_analysis_ops.host_facts_prefetch): they are read with one statement
 * (ip = ANY($1::text[])) into a table of this connection, which host_facts
 * answers from, found or not found.  An IP not in the table (over the cap, or
 * no prefetch) is read as before.  The table lives until the next prefetch;
 * a prefetch of no IPs empties it, as the writer does after each batch, so the
 * facts are never older than the batch being applied (the ingest itself never
 * writes hosts).
 *
 * Reanalysis on PostgreSQL (store_pg_analysis_scan.c) fills the same table
 * report by report with pg_hostcache_more, which keeps what earlier reports
 * read and asks only for the IPs it does not hold (a domain's senders recur
 * from report to report), and empties it when the scan ends.  A host that
 * enrichment changes during the scan queues the domain's reanalysis again
 * (store_hosts.h), as it does when the record was analysed just before.
 *
 * Exports (pg_priv.h): pg_hostcache_prefetch, pg_hostcache_get,
 * pg_hostcache_free; (pg_analysis.h) pg_hostcache_more.  Memory: owned by the pg_store, freed by
 * pg_hostcache_free (store close).  Errors: STORE_ERR with q->err set.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_analysis.h"
#include "pg_priv.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_IPS 8192		/* IPs per prefetch; more are read one by one */
#define SLOTS (2 * MAX_IPS)	/* open addressing, a power of two */
/* the array literal of MAX_IPS addresses, each quoted, escaped, and a comma */
#define ARR_MAX ((size_t)MAX_IPS * (2 * IP_STRLEN + 3) + 3)

enum { HC_READ };

typedef struct hc_entry {
	const char *ip;		/* NULL: free slot */
	int found;
	const char *v[6];	/* ptr, base_domain, service, service_type, country, as_name */
	int64_t asn;
	int fcrdns;		/* -1: NULL */
} hc_entry;

struct pg_hostcache {
	hc_entry slot[SLOTS];
	int n;
	arena strings;
};

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static hc_entry *
find(struct pg_hostcache *c, const char *ip, int add)
{
	for (uint32_t i = hash(ip) & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		hc_entry *e = &c->slot[i];

		if (e->ip == NULL) {
			if (!add || c->n >= MAX_IPS)
				return NULL;
			memset(e, 0, sizeof(*e));
			e->ip = arena_strndup(&c->strings, ip, strlen(ip));
			if (e->ip == NULL)
				return NULL;
			c->n++;
			return e;
		}
		if (strcmp(e->ip, ip) == 0)
			return e;
	}
}

static void
clear(struct pg_hostcache *c)
{
	if (c->n > 0)
		memset(c->slot, 0, sizeof(c->slot));
	c->n = 0;
	arena_reset(&c->strings);
}

static const char *
dup(struct pg_hostcache *c, const PGresult *r, int row, int col)
{
	const char *s = pg_str(r, row, col);

	return s == NULL ? NULL : arena_strndup(&c->strings, s, strlen(s));
}

/*
 * Reads the facts of the IPs of ips[0..n) that the table does not hold yet
 * and adds them, found or not.  keep = 0 empties the table first (the
 * ingest: one batch's IPs); keep = 1 adds to it (reanalysis: a domain's
 * IPs recur from report to report), and a full table starts over once.
 * IPs past the cap are left to host_facts' one-by-one read.
 */
static int
fill(pg_store *q, const char *const *ips, int n, int keep)
{
	struct pg_hostcache *c = q->hostcache;
	dbuf arr;
	pg_params p;
	PGresult *r;
	int added = 0, restarted = !keep, toobig = 0;

	if (c == NULL) {
		if (n == 0)
			return STORE_OK;
		c = q->hostcache = xcalloc(1, sizeof(*c));
		arena_init(&c->strings, (size_t)64 << 20);
	}
	if (!keep)
		clear(c);
	if (n == 0)
		return STORE_OK;
	dbuf_init(&arr, ARR_MAX);
	dbuf_addc(&arr, '{');
	for (int i = 0; i < n; i++) {
		hc_entry *e;

		if (ips[i] == NULL || find(c, ips[i], 0) != NULL)
			continue;	/* held already, or seen in this batch */
		if (c->n >= MAX_IPS && !restarted) {
			/* full of earlier reports' IPs: this batch's come first */
			clear(c);
			dbuf_reset(&arr);
			dbuf_addc(&arr, '{');
			added = 0;
			restarted = 1;
			i = -1;
			continue;
		}
		if ((e = find(c, ips[i], 1)) == NULL)
			continue;	/* over the cap */
		if (added++ > 0)
			toobig |= dbuf_addc(&arr, ',');
		toobig |= dbuf_addc(&arr, '"');
		for (const char *s = ips[i]; *s; s++) {
			if (*s == '"' || *s == '\\')
				toobig |= dbuf_addc(&arr, '\\');
			toobig |= dbuf_addc(&arr, *s);
		}
		toobig |= dbuf_addc(&arr, '"');
	}
	toobig |= dbuf_addc(&arr, '}');
	if (toobig) {
		/* not when the IPs are addresses; else each is read by itself */
		log_warnx("reading hosts ahead: %d addresses do not fit in %zu bytes", added,
		    (size_t)ARR_MAX);
		clear(c);
		added = 0;
	}
	if (added == 0) {
		dbuf_free(&arr);
		return STORE_OK;
	}
	pg_p_init(&p);
	pg_p_text(&p, dbuf_cstr(&arr));
	/* reads hosts only: the pending records may stay pending */
	r = pg_exec_nobatch(q, PGA_HOSTCACHE, HC_READ, "SELECT ip, ptr, base_domain, service, "
	    "service_type, country, as_name, asn, fcrdns FROM hosts WHERE ip = ANY ($1::text[])",
	    &p, "reading hosts");
	dbuf_free(&arr);
	if (r == NULL) {
		clear(c);
		return STORE_ERR;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		hc_entry *e = find(c, pg_str(r, i, 0), 0);

		if (e == NULL)
			continue;
		e->found = 1;
		for (int k = 0; k < 6; k++)
			e->v[k] = dup(c, r, i, k + 1);
		e->asn = pg_int(r, i, 7);
		e->fcrdns = pg_isnull(r, i, 8) ? -1 : (int)pg_int(r, i, 8);
	}
	PQclear(r);
	return STORE_OK;
}

int
pg_hostcache_prefetch(pg_store *q, const char *const *ips, int n)
{
	return fill(q, ips, n, 0);
}

int
pg_hostcache_more(pg_store *q, const char *const *ips, int n)
{
	return fill(q, ips, n, 1);
}

int
pg_hostcache_get(pg_store *q, const char *ip, int (*cb)(void *, const store_host_facts *),
    void *ctx, int *found)
{
	struct pg_hostcache *c = q->hostcache;
	hc_entry *e;

	if (c == NULL || c->n == 0 || ip == NULL || (e = find(c, ip, 0)) == NULL)
		return 0;
	*found = e->found;
	if (e->found) {
		store_host_facts h = { e->v[0], e->v[1], e->v[2], e->v[3], e->v[4], e->v[5], e->asn,
		    e->fcrdns };

		cb(ctx, &h);
	}
	return 1;
}

void
pg_hostcache_free(pg_store *q)
{
	if (q->hostcache == NULL)
		return;
	arena_free(&q->hostcache->strings);
	free(q->hostcache);
	q->hostcache = NULL;
}
