/*
 * web_overview.c - the domains overview's computation, shared by both
 * backends (web_overview.h; issue 19).  A backend's reads fill the set:
 *   1. the domains in scope and search (domain_summary), hashed by name;
 *   2. the sums and reporter bits of the period: for a few domains (a
 *      search or a tenant left under half of them, and domains x days up to
 *      FEW_ROWS) each one's days, else the period cut in base-4 pieces
 *      (days, spans of 4, 16, 64 days: at most 3 a level at each end, about
 *      ten rows a domain for 90 days), each piece one range of a primary
 *      key, read in order, summed here by the domain's integer id;
 *   3. My Senders rules, open alerts, tenant names per domain, and for a
 *      domain whose last report began after until the policy of the last one
 *      begun before;
 * then here: 4. the next step and the readiness level (readiness's decision,
 * src/analyze/ready_judge.c, from the period's sums and the record
 * ready_synth() builds from the policy columns: what `dmarcscope readiness`
 * gives as `verdict` for the same period; the ladder's step of each distinct
 * p/pct/t computed once; the record itself is the API's, for the page's rows
 * only: api_overview.c), the flags, the filter, the totals of every
 * match, the sort (domain name breaks ties) and the page; 5. the reporters:
 * the bits set in the OR of the rows' orgs (migration 016), counted in
 * rollup_org only for a domain with more orgs than bits.  Rows go to
 * the callback with fixed column names; each row also carries the totals.
 *
 * Exports: ov_new, ov_find, ov_index, ov_add, ov_policy_clear, ov_run.
 * Errors: STORE_ERR from a backend read (its message in its store).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_ready.h"
#include "web_overview.h"
#include "../analyze/ready.h"
#include "../util/log.h"

#define DAY 86400
#define LEVELS 4	/* rollup_domain_day, then spans of 4, 16, 64 days (016) */
#define FEW_ROWS 20000	/* domains x days up to which each domain's days are read */

#define S_MSG OV_MSG
#define S_PASS OV_PASS
#define S_SPF OV_SPF
#define S_DKIM OV_DKIM
#define S_AF OV_AF
#define S_SPOOF OV_SPOOF
#define NSUM OV_NSUM
static const char *const sum_names[NSUM] = { "messages", "dmarc_pass", "spf_aligned",
    "dkim_aligned", "forwarded", "auth_failure", "spoofing" };
#define LADDER_CACHE 64	/* distinct records whose ladder step is kept */
static const char *const flag_names[] = { "spoofed", "failing", "p_none", "silent", "unassigned" };

static uint32_t
fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

ovd *
ov_find(ovset *o, const char *d)
{
	if (o->hcap == 0 || d == NULL)
		return NULL;
	for (size_t i = fnv(d) & (o->hcap - 1);; i = (i + 1) & (o->hcap - 1)) {
		if (o->hash[i] == 0)
			return NULL;
		if (strcmp(o->v[o->hash[i] - 1].domain, d) == 0)
			return &o->v[o->hash[i] - 1];
	}
}

ovd *
ov_byid(ovset *o, int64_t id)
{
	if (id <= 0 || (size_t)id >= o->nid || o->byid[id] == 0)
		return NULL;
	return &o->v[o->byid[id] - 1];
}

void
ov_index(ovset *o)
{
	int64_t top = 0;

	for (size_t k = 0; k < o->n; k++)
		if (o->v[k].id > top)
			top = o->v[k].id;
	o->nid = (size_t)top + 1;
	o->byid = xcalloc(o->nid, sizeof(uint32_t));
	for (size_t k = 0; k < o->n; k++)
		if (o->v[k].id > 0)
			o->byid[o->v[k].id] = (uint32_t)k + 1;
	o->hcap = 16;
	while (o->hcap < o->n * 2 + 2)
		o->hcap <<= 1;
	o->hash = xcalloc(o->hcap, sizeof(uint32_t));
	for (size_t k = 0; k < o->n; k++) {
		size_t i = fnv(o->v[k].domain) & (o->hcap - 1);

		while (o->hash[i] != 0)
			i = (i + 1) & (o->hcap - 1);
		o->hash[i] = (uint32_t)k + 1;
	}
}

ovd *
ov_new(ovset *o)
{
	ovd *d;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 1024;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	d = &o->v[o->n++];
	memset(d, 0, sizeof(*d));
	d->fd = d->ld = -1;
	return d;
}

void
ov_add(ovd *d, const int64_t *sum, int64_t fd, int64_t ld, int64_t orgs)
{
	for (int k = 0; k < NSUM; k++)
		d->sum[k] += sum[k];
	d->orgs |= orgs;
	if (fd >= 0) {
		if (d->fd < 0 || fd < d->fd)
			d->fd = fd;
		if (ld > d->ld)
			d->ld = ld;
	}
}

void
ov_policy_clear(ovd *d)
{
	free(d->p);
	free(d->sp);
	free(d->np);
	free(d->testing);
	d->p = d->sp = d->np = d->testing = NULL;
	d->has_pct = 0;
	d->pct = 0;
}

static void
set_free(ovset *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].domain);
		free(o->v[i].tenant);
		free(o->v[i].p);
		free(o->v[i].sp);
		free(o->v[i].np);
		free(o->v[i].testing);
	}
	free(o->v);
	free(o->hash);
	free(o->byid);
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* The record the ladder's step depends on, from domain_summary's columns
 * (ready_synth): p, pct and t only (ready_next's step reads nothing else;
 * sp, np and the pct's value change the record, not the step), with any pct
 * under 100 as 50, so that few distinct keys exist (the cache). */
static void
step_key(const ovd *d, char *out, size_t len)
{
	store_ready_policy p;

	memset(&p, 0, sizeof(p));
	p.p = d->p;
	p.testing = d->testing;
	p.pct = d->has_pct && d->pct >= 0 && d->pct < 100 ? 50 : -1;
	ready_synth(&p, out, len);
}

typedef struct ladder_cache {
	char rec[LADDER_CACHE][160];
	int step[LADDER_CACHE];
	int n;
} ladder_cache;

/* 4. the next step and the level: readiness's decision (ready_judge.c) */
static void
judge(ovd *d, ladder_cache *lc)
{
	char rec[512];
	int ladder = -1;
	ready_sums rs;
	ready_verdict v;

	step_key(d, rec, sizeof(rec));
	for (int i = 0; i < lc->n && ladder < 0; i++)
		if (strcmp(lc->rec[i], rec) == 0)
			ladder = lc->step[i];
	if (ladder < 0) {
		ladder = ready_ladder(rec, NULL, 0);
		if (lc->n < LADDER_CACHE && strlen(rec) < sizeof(lc->rec[0])) {
			memcpy(lc->rec[lc->n], rec, strlen(rec) + 1);
			lc->step[lc->n++] = ladder;
		}
	}
	rs.messages = d->sum[S_MSG];
	rs.legitimate = d->sum[S_PASS] + d->sum[S_AF];
	rs.failing = d->sum[S_AF];
	rs.days = d->fd >= 0 ? d->ld - d->fd + 1 : 0;
	ready_judge(ladder, &rs, READY_THRESHOLD, &v);
	d->step = v.step;
	d->level = v.level;
	d->ladder = v.ladder;
}

/* the period [lo, hi) in days cut in pieces of one level each (0 days, 1..3
 * spans of 4^level days): up to 3 pieces a level at each end, the rest one
 * level up; each piece is a range of starts */
static int
pieces(const ov_backend *be, void *h, ovset *o, int64_t lo, int64_t hi)
{
	for (int l = 0; l < LEVELS && lo < hi; l++) {
		int64_t u = (int64_t)1 << (2 * l), up = u * 4, a, b;

		if (l == LEVELS - 1)
			return be->range(h, o, l, lo / u, hi / u);
		a = (lo + up - 1) / up * up;
		b = hi / up * up;
		if (a >= b)
			return be->range(h, o, l, lo / u, hi / u);
		if (lo < a && be->range(h, o, l, lo / u, a / u) != STORE_OK)
			return STORE_ERR;
		if (b < hi && be->range(h, o, l, b / u, hi / u) != STORE_OK)
			return STORE_ERR;
		lo = a;
		hi = b;
	}
	return STORE_OK;
}

/* ---- sorting --------------------------------------------------------------- */

static _Thread_local int sort_key, sort_desc;

static int
cmp_i(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
policy_rank(const ovd *d)
{
	return eq(d->p, "reject") ? 3 : eq(d->p, "quarantine") ? 2 : eq(d->p, "none") ? 1 : 0;
}

/* the key in the chosen direction (c), then the name A to Z */
static int
cmp_ovd(const void *pa, const void *pb)
{
	const ovd *a = pa, *b = pb;
	int c = 0, s = sort_desc ? -1 : 1;

	switch (sort_key) {
	case SWO_DOMAIN:
		return s * strcmp(a->domain, b->domain);
	case SWO_DMARC: case SWO_SPF: case SWO_DKIM: {
		int k = sort_key == SWO_DMARC ? S_PASS : sort_key == SWO_SPF ? S_SPF : S_DKIM;
		double x, y;

		if ((a->sum[S_MSG] == 0) != (b->sum[S_MSG] == 0))	/* empty ones last */
			return a->sum[S_MSG] == 0 ? 1 : -1;
		if (a->sum[S_MSG] == 0)
			break;
		x = (double)a->sum[k] / (double)a->sum[S_MSG];
		y = (double)b->sum[k] / (double)b->sum[S_MSG];
		c = x < y ? -1 : x > y;
		break;
	}
	case SWO_MESSAGES: c = cmp_i(a->sum[S_MSG], b->sum[S_MSG]); break;
	case SWO_SPOOFING: c = cmp_i(a->sum[S_SPOOF], b->sum[S_SPOOF]); break;
	case SWO_AUTH_FAILURE: c = cmp_i(a->sum[S_AF], b->sum[S_AF]); break;
	case SWO_POLICY:
		c = cmp_i(policy_rank(a), policy_rank(b));
		if (c == 0)
			c = cmp_i(a->has_pct ? a->pct : 100, b->has_pct ? b->pct : 100);
		break;
	case SWO_NEXT_STEP: c = cmp_i(a->step, b->step); break;	/* RS_* is the order */
	case SWO_ALERTS: c = cmp_i(a->alerts, b->alerts); break;
	case SWO_REPORTERS: c = cmp_i(a->reporters, b->reporters); break;
	case SWO_LAST_REPORT: c = cmp_i(a->last_end, b->last_end); break;
	case SWO_TENANT:
		c = cmp_i(a->tenant != NULL, b->tenant != NULL);
		if (c == 0 && a->tenant != NULL)
			c = strcmp(a->tenant, b->tenant);
		break;
	default: break;
	}
	if (c != 0)
		return s * c;
	return strcmp(a->domain, b->domain);
}

/* ---- rows ---------------------------------------------------------------- */

#define NTOT (7 + 6)
#define MAXCOL 48

static void
put_i(const char **names, store_web_val *v, int *n, const char *name, int64_t x)
{
	names[*n] = name;
	memset(&v[*n], 0, sizeof(v[*n]));
	v[*n].type = SWV_INT;
	v[*n].i = x;
	(*n)++;
}

static void
put_s(const char **names, store_web_val *v, int *n, const char *name, const char *s)
{
	names[*n] = name;
	memset(&v[*n], 0, sizeof(v[*n]));
	v[*n].type = s != NULL ? SWV_TEXT : SWV_NULL;
	v[*n].s = s;
	(*n)++;
}

static void
put_totals(const char **names, store_web_val *v, int *n, const int64_t *tot)
{
	static const char *const tn[NTOT] = { "_messages", "_dmarc_pass", "_spf_aligned",
	    "_dkim_aligned", "_forwarded", "_auth_failure", "_spoofing", "_total", "_spoofed",
	    "_failing", "_p_none", "_silent", "_unassigned" };

	for (int k = 0; k < NTOT; k++)
		put_i(names, v, n, tn[k], tot[k]);
}

static int
emit(const ovd *d, const int64_t *tot, store_web_cb cb, void *ctx)
{
	const char *names[MAXCOL];
	store_web_val v[MAXCOL];
	int n = 0;

	put_s(names, v, &n, "domain", d->domain);
	put_s(names, v, &n, "tenant", d->tenant);
	for (int k = 0; k < NSUM; k++)
		put_i(names, v, &n, sum_names[k], d->sum[k]);
	put_i(names, v, &n, "days", d->fd >= 0 ? d->ld - d->fd + 1 : 0);
	put_s(names, v, &n, "p", d->p);
	put_s(names, v, &n, "sp", d->sp);
	put_s(names, v, &n, "np", d->np);
	if (d->has_pct)
		put_i(names, v, &n, "pct", d->pct);
	else
		put_s(names, v, &n, "pct", NULL);
	put_s(names, v, &n, "testing", d->testing);
	put_s(names, v, &n, "next_step", ready_step_name(d->step));
	put_i(names, v, &n, "senders", d->senders);
	put_i(names, v, &n, "alerts", d->alerts);
	put_i(names, v, &n, "last_begin", d->last_begin);
	put_i(names, v, &n, "last_end", d->last_end);
	put_i(names, v, &n, "reports_all", d->reports_all);
	for (int k = 0; k < 5; k++)
		put_i(names, v, &n, flag_names[k], (d->flags >> k) & 1);
	put_totals(names, v, &n, tot);
	put_i(names, v, &n, "reporters", d->reporters);
	put_s(names, v, &n, "ready_level", ready_rlevel_name(d->level));
	put_s(names, v, &n, "ready_ladder", ready_step_name(d->ladder));
	return cb(ctx, n, names, v);
}

int
ov_run(const ov_backend *be, void *h, int q, const store_web_query *w, store_web_cb cb, void *ctx)
{
	int64_t now = (int64_t)time(NULL), until, ref, d0, d1, tot[NTOT], all = 0;
	ovset o;
	ovd *m;
	size_t nm = 0, first, last;
	int rc = STORE_OK;
	ladder_cache *lc = NULL;

	d0 = w->since > 0 ? w->since / DAY : 0;
	d1 = w->until > 0 ? (w->until + DAY - 1) / DAY : INT32_MAX;
	if (q == SWQ_OVERVIEW_DAYS) {
		if (w->domain == NULL) {
			be->error(h, "overview days: no domain");
			return STORE_ERR;
		}
		return be->days(h, w, d0, d1, cb, ctx);
	}
	if (q != SWQ_OVERVIEW && q != SWQ_OVERVIEW_TOTALS) {
		be->error(h, "unknown web query");
		return STORE_ERR;
	}
	/* silent: the last report ended SILENT_DAYS before the period's end
	 * (or before now, for a period that ends in the future) */
	until = w->until > 0 ? w->until : now + DAY;
	ref = (until < now ? until : now) - SWO_SILENT_DAYS * DAY;
	memset(&o, 0, sizeof(o));
	if (be->domains(h, w, &o) != STORE_OK)
		goto fail;
	ov_index(&o);
	if (be->few != NULL && o.n > 0 && (int64_t)o.n * (d1 - d0) <= FEW_ROWS &&
	    d1 - d0 <= FEW_ROWS && be->count_all(h, &all) == STORE_OK && (int64_t)o.n * 2 < all) {
		/* a few domains (a search, a tenant): their own days, by domain */
		if (be->few(h, &o, d0, d1) != STORE_OK)
			goto fail;
	} else if (pieces(be, h, &o, d0, d1) != STORE_OK)
		goto fail;
	for (int k = 0; k < 3; k++)
		if (be->per_domain(h, &o, k) != STORE_OK)
			goto fail;
	for (size_t i = 0; i < o.n; i++)
		if (o.v[i].last_begin >= until && be->policy_before(h, &o.v[i], until) != STORE_OK)
			goto fail;
	/* 4. flags, the filter (matches first in the array), the totals */
	memset(tot, 0, sizeof(tot));
	lc = xcalloc(1, sizeof(*lc));
	for (size_t i = 0; i < o.n; i++) {
		ovd *d = &o.v[i];
		int64_t msg = d->sum[S_MSG], af = d->sum[S_AF];

		judge(d, lc);
		d->flags = (d->sum[S_SPOOF] > 0) | (af > 0 && af * 50 > msg) << 1 |
		    (d->p == NULL || strcmp(d->p, "none") == 0) << 2 | (d->last_end < ref) << 3 |
		    (d->tenant == NULL) << 4;
		if ((d->flags & w->filter) != w->filter)
			continue;
		if (nm != i) {
			ovd t = o.v[nm];

			o.v[nm] = *d;
			*d = t;
		}
		d = &o.v[nm++];
		for (int k = 0; k < NSUM; k++)
			tot[k] += d->sum[k];
		tot[7]++;
		for (int k = 0; k < 5; k++)
			tot[8 + k] += (d->flags >> k) & 1;
	}
	if (q == SWQ_OVERVIEW_TOTALS) {
		const char *names[MAXCOL];
		store_web_val v[MAXCOL];
		int n = 0;

		put_totals(names, v, &n, tot);
		cb(ctx, n, names, v);
		goto done;
	}
	m = o.v;
	for (size_t i = 0; i < nm; i++) {	/* 5. the reporters: bits set, or counted */
		if (m[i].orgs & OV_ORGS_MANY) {
			if (be->reporters(h, &m[i], d0, d1) != STORE_OK)
				goto fail;
		} else
			m[i].reporters = __builtin_popcountll((unsigned long long)m[i].orgs);
	}
	sort_key = w->sort >= 0 && w->sort < SWO__COUNT ? w->sort : SWO_MESSAGES;
	sort_desc = w->desc;
	if (nm > 1)	/* qsort(NULL, 0) is undefined (UBSan) */
		qsort(m, nm, sizeof(*m), cmp_ovd);
	first = w->offset > 0 ? (size_t)w->offset : 0;
	last = w->limit < 0 ? nm : first + (size_t)w->limit;
	if (last > nm)
		last = nm;
	for (size_t i = first; i < last; i++) {
		if (emit(&m[i], tot, cb, ctx) != 0)
			break;
	}
	goto done;
fail:
	rc = STORE_ERR;
done:
	free(lc);
	set_free(&o);
	return rc;
}
