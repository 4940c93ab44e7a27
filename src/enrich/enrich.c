/*
 * enrich.c - the enrichment run (see enrich.h): find the hosts that are due,
 * resolve them concurrently, merge the answers with what the cache knew,
 * write them, and queue the reanalysis of the policy domains whose hosts
 * changed.
 *
 * A run goes batch by batch (o->batch hosts, keyset paging by ip):
 *   1. pending() lists the batch, with each host's stored row;
 *   2. jobs start, at most `window` at a time: mmdb lookups at once, then
 *      PTR + FCrDNS, every DNSBL zone and (when no mmdb knew the AS) Team
 *      Cymru, all on one c-ares engine; a job whose last answer arrived is
 *      queued, and the next host starts from that callback;
 *   3. RDAP for the batch's hosts: one fetch per network (the cached
 *      rdap_networks answer for every address inside), never two at once
 *      for the same /24 (IPv4) or /48 (IPv6);
 *   4. the queued jobs are written in one short transaction every
 *      ENRICH_COMMIT_ROWS jobs or 500 ms, and at the end of the batch.
 * No transaction is open while the run waits on the network: the write lock
 * (SQLite has one per database) is held only while rows are written, so
 * ingest, the intake workers and the portal's own writes never wait on a
 * DNS timeout.  RDAP answers are written and committed before the next wait.
 * Merging keeps a definitive earlier answer when the new one is a
 * temporary failure: the old facts stay, the lookup is only due again.
 *
 * Service attribution: a PTR name counts only when it is forward-confirmed
 * (anyone can publish a PTR "mail.google.com"); otherwise the AS decides.
 *
 * Ownership: a run owns what it opens (the DNS engine, the mmdb files, the
 * service map, the RDAP client, the batch arena) and frees all of it before
 * it returns; it uses the caller's store handle, from the caller's thread
 * only, and leaves no transaction open.
 *
 * Exports: enrich_run, enrich_stats_json (this file); the options, the host
 * JSON and the TXT resolver are in enrich_opts.c and enrich_host.c.
 * Errors: ENRICH_ERR with err set (what was committed before stays);
 * ENRICH_CANCELLED; out of memory is fatal.
 */
#include "enrich.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dns.h"
#include "geo.h"
#include "lookup.h"
#include "rdap.h"
#include "../analyze/align.h"
#include "../analyze/services.h"
#include "../intake/svc_metrics.h"
#include "../util/arena.h"
#include "../util/log.h"

#define ENRICH_COMMIT_ROWS 2000
#define ENRICH_COMMIT_MS 500

typedef struct pend {
	enrich_ip ip;
	unsigned due;
	store_host old;			/* strings in the batch arena */
} pend;

typedef struct run run;

typedef struct job {
	run *r;
	pend *p;
	int parts;			/* lookups still running, +1 while starting */
	unsigned kinds;			/* looked up now */
	int use_cymru;
	geo_res geo;
	ptr_res ptr;
	asn_res asn;
	dnsbl_res bl[];			/* one per zone when HK_DNSBL is due */
} job;

struct run {
	store *st;
	const enrich_opts *o;
	enrich_stats *s;
	dns_engine *dns;
	cymru *cy;
	geo *geo;
	services *svc;
	rdap_boot *boot;
	unsigned kinds;			/* kinds this run may look up */
	int64_t now;
	pend *batch;
	int nbatch, cap, next;
	arena a;
	int active, window;
	int in_txn, txn_rows;
	int64_t txn_ms;			/* when the queue was last written */
	struct job **ready;		/* finished jobs, not written yet */
	int nready, capready;
	int stop;			/* cancelled, or a store error */
	int failed;
	char err[256];
	int64_t t0_ms;
	struct rdap_item **fly;		/* RDAP fetches in flight, by slot */
	int nfly;
	int seen;			/* rows pending() gave for this batch */
	char last[64];			/* the last of them (keyset paging) */
};

static int64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
fail(run *r, const char *what)
{
	if (!r->failed)
		snprintf(r->err, sizeof(r->err), "%s: %s", what, store_errmsg(r->st));
	r->failed = 1;
	r->stop = 1;
}

static void
count(enrich_count *c, const char *state)
{
	switch (hosts_state_class(state)) {
	case HS_POSITIVE: c->positive++; break;
	case HS_NEGATIVE: c->negative++; break;
	case HS_TEMPORARY: c->temporary++; break;
	default: break;
	}
}

static int64_t
expiry(const run *r, const char *state)
{
	switch (hosts_state_class(state)) {
	case HS_POSITIVE: return r->now + r->o->ttl_positive;
	case HS_NEGATIVE: return r->now + r->o->ttl_negative;
	default: return r->now + r->o->retry_after;
	}
}

static void
progress(run *r)
{
	if (r->o->on_progress != NULL) {
		dns_counters(r->dns, &r->s->dns_queries, NULL, &r->s->dns_peak, NULL);
		r->s->dns_timeouts = dns_timeouts(r->dns);
		r->s->seconds = (double)(now_ms() - r->t0_ms) / 1000.0;
		r->o->on_progress(r->o->progress_ctx, r->s);
	}
}

/* ---- transactions ---------------------------------------------------------- */

static int
txn_begin(run *r)
{
	if (r->in_txn)
		return 0;
	if (store_begin(r->st) != STORE_OK) {
		fail(r, "begin");
		return -1;
	}
	r->in_txn = 1;
	r->txn_rows = 0;
	r->txn_ms = now_ms();
	return 0;
}

static int
txn_commit(run *r)
{
	int64_t n = 0;

	if (!r->in_txn)
		return 0;
	if (store_hosts_flush(r->st, r->now, &n) != STORE_OK) {
		fail(r, "queueing reanalysis");
		store_rollback(r->st);
		r->in_txn = 0;
		return -1;
	}
	r->s->reanalysis += n;
	r->in_txn = 0;
	if (store_commit(r->st) != STORE_OK) {
		fail(r, "commit");
		store_rollback(r->st);
		return -1;
	}
	return 0;
}

static void job_write(struct job *j);

/* The finished jobs, written in one transaction (opened and committed here:
 * no lookup waits inside it).  Dropped unwritten after a failure or a
 * cancel: those hosts are looked up again next time. */
static int
flush_ready(run *r)
{
	int rc = 0;

	if (r->nready > 0 && !r->failed && !(r->o->cancel != NULL && *r->o->cancel)) {
		if (txn_begin(r) == 0) {
			for (int i = 0; i < r->nready && !r->failed; i++)
				job_write(r->ready[i]);
			if (r->failed) {
				store_rollback(r->st);
				r->in_txn = 0;
			}
		}
	}
	for (int i = 0; i < r->nready; i++)
		free(r->ready[i]);
	r->nready = 0;
	r->txn_ms = now_ms();
	if (r->in_txn && txn_commit(r) != 0)
		rc = -1;
	return r->failed ? -1 : rc;
}

/* Write now and then, so readers see progress and the WAL stays small. */
static void
txn_tick(run *r)
{
	if (r->nready >= ENRICH_COMMIT_ROWS || (r->nready > 0 &&
	    now_ms() - r->txn_ms >= ENRICH_COMMIT_MS))
		flush_ready(r);
}

/* ---- merging a job into the host row ------------------------------------------ */

static const char *
dnsbl_state(const dnsbl_res *b)
{
	if (b->skipped)
		return "none";
	if (b->listed == 1)
		return "listed";
	if (b->listed == 0)
		return "not_listed";
	if (b->status == DNS_OK)
		return "error";
	return dns_status_name(b->status);
}

static int
write_dnsbl(run *r, job *j)
{
	int listed = 0;

	for (int i = 0; i < r->o->nzones; i++) {
		dnsbl_res *b = &j->bl[i];
		store_dnsbl d;

		memset(&d, 0, sizeof(d));
		d.ip = j->p->ip.text;
		d.zone = r->o->zones[i];
		d.state = dnsbl_state(b);
		d.codes = b->codes[0] ? b->codes : NULL;
		d.meaning = b->meaning[0] ? b->meaning : b->skipped ?
		    "this list covers IPv4 only" : b->error;
		d.txt = b->txt[0] ? b->txt : NULL;
		d.at = r->now;
		d.expires = expiry(r, d.state);
		if (store_hosts_dnsbl_put(r->st, &d) != STORE_OK) {
			fail(r, "writing a DNSBL result");
			return -1;
		}
		count(&r->s->dnsbl, d.state);
		listed |= b->listed == 1;
	}
	r->s->listed += listed;
	return 0;
}

static void
join_names(const ptr_res *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->nnames && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", p->names[i]);
}

static void
job_write(job *j)
{
	run *r = j->r;
	pend *p = j->p;
	store_host h = p->old;
	char names[PTR_MAX_NAMES * DNS_NAME_MAX], base[ALIGN_DOMAIN_MAX], svc_type[32];
	const char *state;
	const service *sv = NULL;
	int changed = 0;

	h.ip = p->ip.text;
	/* PTR and FCrDNS */
	if (j->kinds & HK_PTR) {
		const ptr_res *pr = &j->ptr;
		int definitive_before = hosts_state_class(p->old.ptr_l.state) == HS_POSITIVE ||
		    hosts_state_class(p->old.ptr_l.state) == HS_NEGATIVE;

		if (pr->status == DNS_OK && pr->fcrdns == -1)
			state = dns_status_name(pr->fwd_status);	/* forward check failed */
		else
			state = dns_status_name(pr->status);
		if (hosts_state_class(state) != HS_TEMPORARY || !definitive_before) {
			if (pr->status == DNS_OK) {
				join_names(pr, names, sizeof(names));
				h.ptr = pr->names[pr->confirmed >= 0 ? pr->confirmed : 0];
				h.ptr_names = names;
			} else {
				h.ptr = NULL;
				h.ptr_names = NULL;
			}
			h.fcrdns = pr->fcrdns;
		}
		h.ptr_l.state = state;
		h.ptr_l.at = r->now;
		h.ptr_l.expires = expiry(r, state);
		count(&r->s->ptr, state);
	}
	h.base_domain = NULL;
	if (h.ptr != NULL && align_org_domain(h.ptr, base, sizeof(base)) == 0)
		h.base_domain = base;
	/* country */
	if (j->kinds & HK_GEO) {
		h.country = j->geo.country[0] ? j->geo.country : NULL;
		h.geo_l.state = h.country ? "ok" : "none";
		h.geo_l.source = j->geo.country_src;
		h.geo_l.at = r->now;
		h.geo_l.expires = r->now + r->o->ttl_positive;
		count(&r->s->geo, h.geo_l.state);
	}
	/* AS */
	if (j->kinds & HK_ASN) {
		if (j->geo.asn != 0) {
			state = "ok";
			h.asn = j->geo.asn;
			h.as_name = j->geo.as_name[0] ? j->geo.as_name : NULL;
			h.asn_l.source = j->geo.asn_src;
		} else {
			const asn_res *a = &j->asn;
			int definitive_before = hosts_state_class(p->old.asn_l.state) ==
			    HS_POSITIVE || hosts_state_class(p->old.asn_l.state) == HS_NEGATIVE;

			state = a->asn != 0 ? "ok" : a->status == DNS_NXDOMAIN ||
			    a->status == DNS_NODATA ? "none" : dns_status_name(a->status);
			if (hosts_state_class(state) != HS_TEMPORARY || !definitive_before) {
				h.asn = a->asn;
				h.as_name = a->as_name[0] ? a->as_name : NULL;
			}
			h.asn_l.source = "cymru";
		}
		h.asn_l.state = state;
		h.asn_l.at = r->now;
		h.asn_l.expires = expiry(r, state);
		count(&r->s->asn, state);
	}
	/* the known service */
	h.service = h.service_type = NULL;
	if (r->svc != NULL) {
		if (h.fcrdns == 1 && h.ptr != NULL)
			sv = services_by_host(r->svc, h.ptr);
		if (sv == NULL && h.asn > 0 && h.asn <= UINT32_MAX)
			sv = services_by_asn(r->svc, (uint32_t)h.asn);
		if (sv != NULL) {
			h.service = sv->name;
			snprintf(svc_type, sizeof(svc_type), "%s", service_type_name(sv->type));
			h.service_type = svc_type;
		}
	}
	if (h.fcrdns == 1)
		r->s->fcrdns.positive++;
	else if (h.fcrdns == 0)
		r->s->fcrdns.negative++;
	else
		r->s->fcrdns.temporary++;
	h.updated_at = r->now;
	if ((j->kinds & HK_DNSBL) && write_dnsbl(r, j) != 0)
		return;
	if (store_hosts_put(r->st, &h, j->kinds, &changed) != STORE_OK) {
		fail(r, "writing a host");
		return;
	}
	r->s->changed += changed;
	r->s->done++;
	r->txn_rows++;
}

/* ---- jobs -------------------------------------------------------------------- */

static void start_jobs(run *r);

static void
part_done(void *arg)
{
	job *j = arg;
	run *r = j->r;

	if (--j->parts > 0)
		return;
	if (!r->stop) {
		if (r->nready == r->capready) {
			r->capready = r->capready ? r->capready * 2 : 256;
			r->ready = xrealloc(r->ready, (size_t)r->capready * sizeof(*r->ready));
		}
		r->ready[r->nready++] = j;	/* written by flush_ready, outside the wait */
	} else
		free(j);
	r->active--;
	if (!r->stop)
		start_jobs(r);
}

static void
job_start(run *r, pend *p)
{
	unsigned due = p->due & r->kinds;
	int nbl = (due & HK_DNSBL) ? r->o->nzones : 0;
	job *j = xmalloc(sizeof(*j) + (size_t)nbl * sizeof(j->bl[0]));

	/* only the head is cleared: the lookups clear their own results */
	memset(j, 0, sizeof(*j));
	j->r = r;
	j->p = p;
	j->parts = 1;
	r->active++;
	r->s->hosts++;
	geo_lookup(r->geo, &p->ip, &j->geo);
	j->kinds = due & (HK_GEO | HK_PTR | HK_DNSBL);
	if (due & HK_ASN) {
		if (j->geo.asn != 0)
			j->kinds |= HK_ASN;
		else if (!r->o->offline) {
			j->kinds |= HK_ASN;
			j->use_cymru = 1;
		}
	}
	if (j->kinds & HK_PTR) {
		j->parts++;
		ptr_lookup(r->dns, &p->ip, &j->ptr, part_done, j);
	}
	if (j->kinds & HK_DNSBL)
		for (int i = 0; i < r->o->nzones; i++) {
			j->parts++;
			dnsbl_lookup(r->dns, &p->ip, r->o->zones[i], &j->bl[i], part_done, j);
		}
	if (j->use_cymru) {
		j->parts++;
		cymru_lookup(r->cy, &p->ip, &j->asn, part_done, j);
	}
	part_done(j);
}

static void
start_jobs(run *r)
{
	while (!r->stop && r->active < r->window && r->next < r->nbatch)
		job_start(r, &r->batch[r->next++]);
}

static void
dns_tick(void *ctx)
{
	run *r = ctx;

	if (r->o->cancel != NULL && *r->o->cancel)
		r->stop = 1;
	txn_tick(r);
	progress(r);
}

/* ---- RDAP --------------------------------------------------------------------- */

typedef struct rdap_item {
	run *r;
	pend *p;
	int slot;
	unsigned char key[16];
} rdap_item;

static int
net_cb(void *ctx, const store_rdap_net *n)
{
	int64_t *out = ctx;

	out[0] = n->id;
	out[1] = n->expires;
	return 0;
}

static void
rdap_write(run *r, pend *p, const char *state, int64_t net, int64_t expires)
{
	store_lookup l = { state, r->now, expires, NULL };

	if (txn_begin(r) != 0)
		return;
	if (store_hosts_rdap_set(r->st, p->ip.text, &l, net) != STORE_OK)
		fail(r, "writing a host's RDAP state");
	count(&r->s->rdap, state);
	r->txn_rows++;
}

static void
rdap_done(void *arg, rdap_outcome o, const rdap_info *info, const char *url, const char *why)
{
	rdap_item *it = arg;
	run *r = it->r;
	const char *state = rdap_outcome_state(o);
	int64_t id = 0;

	r->fly[it->slot] = NULL;
	if (r->stop)
		return;
	if (o == RDAP_OK) {
		store_rdap_net n;

		memset(&n, 0, sizeof(n));
		n.family = it->p->ip.family;
		n.lo = info->family != 0 ? info->lo : it->key;
		n.hi = info->family != 0 ? info->hi : it->key;
		n.start = info->start[0] ? info->start : it->p->ip.text;
		n.end = info->end[0] ? info->end : it->p->ip.text;
		n.handle = info->handle[0] ? info->handle : NULL;
		n.name = info->name[0] ? info->name : NULL;
		n.org = info->org[0] ? info->org : NULL;
		n.country = info->country[0] ? info->country : NULL;
		n.abuse_email = info->abuse[0] ? info->abuse : NULL;
		n.url = url;
		n.fetched_at = r->now;
		n.expires = r->now + r->o->ttl_positive;
		if (txn_begin(r) != 0)
			return;
		if (store_hosts_rdap_put(r->st, &n, &id) != STORE_OK) {
			fail(r, "writing an RDAP network");
			return;
		}
	} else
		log_debug("rdap %s: %s", url, why ? why : state);
	rdap_write(r, it->p, state, id, expiry(r, state));
}

static int
rdap_cmp(const void *a, const void *b)
{
	return memcmp(((const rdap_item *)a)->key, ((const rdap_item *)b)->key, 16);
}

/* Same /24 (IPv4) or /48 (IPv6) as a fetch in flight? */
static int
rdap_busy(const run *r, const rdap_item *it)
{
	size_t len = it->p->ip.family == 4 ? 15 : 6;

	for (int i = 0; i < r->nfly; i++)
		if (r->fly[i] != NULL && memcmp(r->fly[i]->key, it->key, len) == 0)
			return 1;
	return 0;
}

static int
rdap_free_slot(const run *r)
{
	for (int i = 0; i < r->nfly; i++)
		if (r->fly[i] == NULL)
			return i;
	return -1;
}

/* RDAP for the batch; 0 when every host was handled, -1 when stopped. */
static int
rdap_batch(run *r, rdap_client *c)
{
	rdap_item *items = xcalloc((size_t)r->nbatch + 1, sizeof(*items));
	int n = 0, idx = 0, slot;
	int64_t last = now_ms();

	for (int i = 0; i < r->nbatch; i++)
		if (r->batch[i].due & HK_RDAP) {
			items[n].r = r;
			items[n].p = &r->batch[i];
			enrich_ip_key(&r->batch[i].ip, items[n].key);
			n++;
		}
	qsort(items, (size_t)n, sizeof(*items), rdap_cmp);
	while (!r->stop) {
		while (!r->stop && idx < n && (slot = rdap_free_slot(r)) >= 0) {
			rdap_item *it = &items[idx];
			int64_t net[2] = { 0, 0 };
			int found = 0;
			const char *base;

			/* under --refresh only networks fetched in this run count */
			if (store_hosts_rdap_find(r->st, it->key, r->now, r->o->refresh ?
			    r->now : 0, net_cb, net, &found) != STORE_OK) {
				fail(r, "finding an RDAP network");
				break;
			}
			if (found) {
				rdap_write(r, it->p, "ok", net[0], net[1]);
				r->s->rdap_reused++;
				idx++;
				continue;
			}
			if (rdap_busy(r, it))
				break;	/* wait: its network may come back with that fetch */
			if ((base = rdap_boot_find(r->boot, &it->p->ip)) == NULL) {
				rdap_write(r, it->p, "notfound", 0, r->now + r->o->ttl_negative);
				idx++;
				continue;
			}
			it->slot = slot;
			r->fly[slot] = it;
			r->s->rdap_fetches++;
			idx++;
			rdap_fetch(c, base, &it->p->ip, rdap_done, it);
		}
		/* what was written (answers, networks found in the cache) is
		 * committed before the wait */
		if (r->in_txn && txn_commit(r) != 0)
			break;
		if (rdap_inflight(c) == 0 && (idx >= n || r->stop))
			break;
		rdap_step(c, 100);
		if (r->o->cancel != NULL && *r->o->cancel)
			r->stop = 1;
		if (now_ms() - last >= 100) {
			last = now_ms();
			progress(r);
		}
	}
	free(items);
	return idx >= n && rdap_inflight(c) == 0 && !r->stop ? 0 : -1;
}

/* ---- batches ------------------------------------------------------------------ */

static char *
acopy(run *r, const char *s)
{
	return s != NULL ? arena_strndup(&r->a, s, strlen(s)) : NULL;
}

static int
pend_cb(void *ctx, const store_host *h, unsigned due)
{
	run *r = ctx;
	pend *p;

	r->seen++;
	snprintf(r->last, sizeof(r->last), "%s", h->ip);
	if (r->nbatch == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->batch = xrealloc(r->batch, (size_t)r->cap * sizeof(*r->batch));
	}
	p = &r->batch[r->nbatch];
	memset(p, 0, sizeof(*p));
	if (enrich_ip_parse(h->ip, &p->ip) != 0) {
		log_debug("enrich: skipping '%s': not an address", h->ip);
		return 0;
	}
	/* keep the stored text (the key), even if inet_ntop would write it
	 * differently */
	snprintf(p->ip.text, sizeof(p->ip.text), "%s", h->ip);
	p->due = due;
	p->old = *h;
	p->old.ip = acopy(r, h->ip);
	p->old.ptr = acopy(r, h->ptr);
	p->old.ptr_names = acopy(r, h->ptr_names);
	p->old.base_domain = acopy(r, h->base_domain);
	p->old.as_name = acopy(r, h->as_name);
	p->old.country = acopy(r, h->country);
	p->old.service = acopy(r, h->service);
	p->old.service_type = acopy(r, h->service_type);
	p->old.ptr_l.state = acopy(r, h->ptr_l.state);
	p->old.geo_l.state = acopy(r, h->geo_l.state);
	p->old.geo_l.source = acopy(r, h->geo_l.source);
	p->old.asn_l.state = acopy(r, h->asn_l.state);
	p->old.asn_l.source = acopy(r, h->asn_l.source);
	p->old.rdap_l.state = acopy(r, h->rdap_l.state);
	r->nbatch++;
	return 0;
}

static int
count_cb(void *ctx, const store_host *h, unsigned due)
{
	(void)h;
	(void)due;
	(*(int64_t *)ctx)++;
	return 0;
}

static int
load_batch(run *r, const char *after, int limit)
{
	store_hosts_due q;

	memset(&q, 0, sizeof(q));
	q.now = r->now;
	q.kinds = r->kinds;
	q.zones = r->o->zones;
	q.nzones = r->o->nzones;
	q.refresh = r->o->refresh;
	q.after = after;
	q.limit = limit;
	q.claim = 1;	/* another node's run skips this batch */
	arena_reset(&r->a);
	r->nbatch = 0;
	r->next = 0;
	r->seen = 0;
	if (store_hosts_pending(r->st, &q, pend_cb, r) != STORE_OK) {
		fail(r, "listing hosts to enrich");
		return -1;
	}
	return 0;
}

static int64_t
count_due(run *r)
{
	store_hosts_due q;
	int64_t n = 0;

	memset(&q, 0, sizeof(q));
	q.now = r->now;
	q.kinds = r->kinds;
	q.zones = r->o->zones;
	q.nzones = r->o->nzones;
	q.refresh = r->o->refresh;
	q.limit = 2000000000;
	if (store_hosts_pending(r->st, &q, count_cb, &n) != STORE_OK)
		return -1;
	return n;
}

/* ---- setup ---------------------------------------------------------------------- */

static pthread_once_t align_once = PTHREAD_ONCE_INIT;

static void
align_once_init(void)
{
	(void)align_init(NULL);
}

static int
open_geo(run *r, char *err, size_t errlen)
{
	const char *paths[ENRICH_MAX_MMDB + 2];
	char def[4096];
	int n = 0;

	if (r->o->asn_mmdb != NULL)
		paths[n++] = r->o->asn_mmdb;
	for (int i = 0; i < r->o->nmmdb; i++)
		paths[n++] = r->o->mmdb[i];
	if (r->o->nmmdb == 0 && !r->o->no_default_mmdb) {
		if (geo_default_mmdb(def, sizeof(def)) != NULL)
			paths[n++] = def;
		else
			log_info("enrich: no country database (%s); countries stay unknown",
			    GEO_DEFAULT_REL);
	}
	r->geo = geo_open(paths, n, err, errlen);
	return r->geo == NULL ? -1 : 0;
}

static int
open_network(run *r, char *err, size_t errlen)
{
	dns_opts d;
	char buf[4096];
	const char *dir;

	memset(&d, 0, sizeof(d));
	d.server = r->o->dns_server;
	d.timeout_ms = r->o->timeout_ms;
	d.tries = r->o->tries;
	d.max_inflight = r->o->concurrency;
	d.loopback_only = r->o->loopback_only;
	if ((r->dns = dns_new(&d, err, errlen)) == NULL)
		return -1;
	r->cy = cymru_new(r->dns);
	if (r->kinds & HK_RDAP) {
		dir = r->o->rdap_bootstrap ? r->o->rdap_bootstrap :
		    rdap_default_bootstrap(buf, sizeof(buf));
		if (dir == NULL) {
			log_warnx("enrich: no RDAP bootstrap files (data/rdap); RDAP skipped");
			r->kinds &= ~HK_RDAP;
		} else if ((r->boot = rdap_boot_load(dir, err, errlen)) == NULL)
			return -1;
	}
	return 0;
}

static void
close_all(run *r)
{
	dns_free(r->dns);	/* before cymru: pending callbacks use it */
	cymru_free(r->cy);
	geo_close(r->geo);
	rdap_boot_free(r->boot);
	if (r->svc != NULL)
		services_free(r->svc);
	arena_free(&r->a);
	free(r->batch);
	free(r->fly);
}

/* /metrics (svc_metrics.h): the RDAP cache's hits (a network fetched before
 * answered) and misses (a fetch), the hosts looked up and the lookups by
 * kind and result class, in a transaction of their own after the run's; a
 * failure there only loses these counts. */
static void
count_run(store *st, const enrich_stats *s)
{
	const struct { const char *kind; const enrich_count *c; } k[] = {
		{ "ptr", &s->ptr }, { "dnsbl", &s->dnsbl }, { "geo", &s->geo }, { "asn", &s->asn },
		{ "rdap", &s->rdap },
	};
	int bad = 0;

	if (s->rdap_fetches + s->rdap_reused + s->done == 0)
		return;
	if (store_begin(st) != STORE_OK)
		return;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]) && !bad; i++) {
		const int64_t n[3] = { k[i].c->positive, k[i].c->negative, k[i].c->temporary };
		static const char *const res[3] = { "positive", "negative", "temporary" };

		for (int j = 0; j < 3 && !bad; j++)
			if (n[j] > 0 && svcm_count(st, "dmarcscope_enrich_lookups_total", "kind",
			    k[i].kind, "result", res[j], (double)n[j]) != 0)
				bad = 1;
	}
	if (bad || svcm_count(st, "dmarcscope_enrich_cache_requests_total", "cache", "rdap",
	    "result", "hit", (double)s->rdap_reused) != 0 ||
	    svcm_count(st, "dmarcscope_enrich_cache_requests_total", "cache", "rdap", "result",
	    "miss", (double)s->rdap_fetches) != 0 ||
	    svcm_count(st, "dmarcscope_enrich_hosts_looked_up_total", NULL, NULL, NULL, NULL,
	    (double)s->done) != 0 || store_commit(st) != STORE_OK) {
		log_debug("enrich: metrics not counted: %s", store_errmsg(st));
		store_rollback(st);
	}
}

int
enrich_run(store *st, const enrich_opts *o, enrich_stats *out, char *err, size_t errlen)
{
	run r;
	rdap_client *rc = NULL;
	char after[64] = "", msg[512];
	int64_t budget = o->limit > 0 ? o->limit : INT64_MAX;
	int ret = ENRICH_OK, complete = 0;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (!store_has(st, hosts)) {
		snprintf(err, errlen, "the %s store has no enrichment cache", store_name(st));
		return ENRICH_ERR;
	}
	pthread_once(&align_once, align_once_init);
	r.st = st;
	r.o = o;
	r.s = out;
	r.t0_ms = now_ms();
	r.now = (int64_t)time(NULL);
	r.kinds = HK_ALL & ~o->skip;
	if (o->offline)
		r.kinds &= ~(HK_PTR | HK_DNSBL | HK_RDAP);
	if (o->nzones == 0)
		r.kinds &= ~HK_DNSBL;
	r.window = (o->concurrency > 0 ? o->concurrency : 200) * 2;
	arena_init(&r.a, (size_t)1 << 30);
	if (open_geo(&r, err, errlen) != 0 || (!o->offline && open_network(&r, err,
	    errlen) != 0)) {
		close_all(&r);
		return ENRICH_ERR;
	}
	if (o->offline) {
		dns_opts d = { "127.0.0.1", 1, 1, 1, 1 };	/* never used: no queries */

		if ((r.dns = dns_new(&d, err, errlen)) == NULL) {
			close_all(&r);
			return ENRICH_ERR;
		}
		r.cy = cymru_new(r.dns);
	}
	r.svc = services_new();
	if ((o->services != NULL ? services_load(r.svc, o->services, msg, sizeof(msg)) :
	    services_load_default(r.svc, msg, sizeof(msg))) != 0) {
		log_warnx("enrich: known-service map: %s (services stay unknown)", msg);
		services_free(r.svc);
		r.svc = NULL;
	}
	if (r.kinds & HK_RDAP) {
		r.nfly = o->rdap_concurrency > 0 ? o->rdap_concurrency : 4;
		r.fly = xcalloc((size_t)r.nfly, sizeof(*r.fly));
		if ((rc = rdap_client_new(r.nfly, o->rdap_timeout_ms, o->loopback_only, err,
		    errlen)) == NULL) {
			close_all(&r);
			return ENRICH_ERR;
		}
	}
	/* new source IPs */
	if (txn_begin(&r) != 0 || store_hosts_sync(st, o->refresh, &out->queued) !=
	    STORE_OK) {
		if (!r.failed)
			fail(&r, "finding new hosts");
		ret = ENRICH_ERR;
		goto done;
	}
	if (txn_commit(&r) != 0) {
		ret = ENRICH_ERR;
		goto done;
	}
	out->total = count_due(&r);
	if (out->total < 0) {
		fail(&r, "counting hosts to enrich");
		ret = ENRICH_ERR;
		goto done;
	}
	if (out->total > budget)
		out->total = budget;
	while (!r.stop && budget > 0) {
		int lim = o->batch > 0 ? o->batch : 5000, batch_done;

		if (lim > budget)
			lim = (int)budget;
		if (o->cancel != NULL && *o->cancel) {
			r.stop = 1;
			break;
		}
		if (load_batch(&r, after, lim) != 0)
			break;
		if (r.seen == 0) {
			complete = 1;
			break;
		}
		budget -= r.seen;
		snprintf(after, sizeof(after), "%s", r.last);
		start_jobs(&r);
		batch_done = dns_run(r.dns, dns_tick, &r, &r.stop) == 0 &&
		    r.next == r.nbatch && r.active == 0;
		if (flush_ready(&r) != 0)
			break;
		if (batch_done && rc != NULL)
			batch_done = !r.stop && rdap_batch(&r, rc) == 0;
		if (r.failed || txn_commit(&r) != 0)
			break;
		progress(&r);
		if (r.seen < lim || budget <= 0) {
			/* a cancel after the last answer is no cancel */
			complete = batch_done;
			break;
		}
	}
	if (r.in_txn) {
		if (r.failed)
			store_rollback(st);
		else
			txn_commit(&r);
		r.in_txn = 0;
	}
	if (r.failed)
		ret = ENRICH_ERR;
	else if (!complete)
		ret = ENRICH_CANCELLED;
done:
	if (r.in_txn) {
		store_rollback(st);
		r.in_txn = 0;
	}
	for (int i = 0; i < r.nready; i++)
		free(r.ready[i]);
	free(r.ready);
	count_run(st, out);
	if (ret == ENRICH_ERR)
		snprintf(err, errlen, "%s", r.err);
	dns_counters(r.dns, &out->dns_queries, NULL, &out->dns_peak, NULL);
	out->dns_timeouts = dns_timeouts(r.dns);
	out->seconds = (double)(now_ms() - r.t0_ms) / 1000.0;
	rdap_client_free(rc);
	close_all(&r);
	if (o->on_progress != NULL)
		o->on_progress(o->progress_ctx, out);
	return ret;
}

/* ---- the stats as JSON -------------------------------------------------------------- */

static json_t *
count_json(const enrich_count *c, const char *a, const char *b, const char *t)
{
	json_t *o = json_object();

	json_object_set_new(o, a, json_integer(c->positive));
	json_object_set_new(o, b, json_integer(c->negative));
	json_object_set_new(o, t, json_integer(c->temporary));
	return o;
}

json_t *
enrich_stats_json(const enrich_stats *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "queued", json_integer(s->queued));
	json_object_set_new(o, "due", json_integer(s->total));
	json_object_set_new(o, "hosts", json_integer(s->hosts));
	json_object_set_new(o, "written", json_integer(s->done));
	json_object_set_new(o, "changed", json_integer(s->changed));
	json_object_set_new(o, "reanalysis_domains", json_integer(s->reanalysis));
	json_object_set_new(o, "ptr", count_json(&s->ptr, "ok", "negative", "temporary"));
	json_object_set_new(o, "fcrdns", count_json(&s->fcrdns, "confirmed", "not_confirmed",
	    "unknown"));
	json_object_set_new(o, "dnsbl", count_json(&s->dnsbl, "listed", "not_listed",
	    "temporary"));
	json_object_set_new(o, "listed_hosts", json_integer(s->listed));
	json_object_set_new(o, "geo", count_json(&s->geo, "ok", "none", "temporary"));
	json_object_set_new(o, "asn", count_json(&s->asn, "ok", "none", "temporary"));
	json_object_set_new(o, "rdap", count_json(&s->rdap, "ok", "notfound", "temporary"));
	json_object_set_new(o, "rdap_fetches", json_integer(s->rdap_fetches));
	json_object_set_new(o, "rdap_reused", json_integer(s->rdap_reused));
	json_object_set_new(o, "dns_queries", json_integer((json_int_t)s->dns_queries));
	json_object_set_new(o, "dns_peak_in_flight", json_integer(s->dns_peak));
	json_object_set_new(o, "dns_timeouts", json_integer((json_int_t)s->dns_timeouts));
	json_object_set_new(o, "seconds", json_real(s->seconds));
	json_object_set_new(o, "hosts_per_second", json_real(s->seconds > 0 ?
	    (double)s->hosts / s->seconds : 0));
	return o;
}
