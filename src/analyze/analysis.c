/*
 * analysis.c - see analysis.h.
 *
 * Rollup rows are accumulated in memory per report (or per domain during a
 * rebuild) in small open-addressing tables and written once at the end, so
 * a record costs a few hash updates, not a few upserts.  The hourly rollup
 * is keyed by (UTC day, class) with the day's 24 hours as its values, so a
 * one-day report writes one row per class.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "align.h"
#include "analysis.h"
#include "../store/store_alerts.h"
#include "../store/store_retention.h"
#include "classify.h"
#include "senders.h"
#include "../store/store_analysis.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

#define DAY 86400
#define HOUR 3600

/* ---- accumulator: key bytes → a fixed number of counters ------------------ */

enum { R_DAY, R_HOUR, R_SRC, R_ORG, R__COUNT };

#define ACC_FLUSH 4096		/* rollup keys held before an early flush */
#define ACC_VALS 5		/* counters per key, but for R_HOUR */
#define ACC_HOURS 24		/* R_HOUR: one counter per hour of the day */

typedef struct acc_ent {
	char *key;		/* NULL: empty slot */
	size_t klen;
} acc_ent;

/* Slot i's counters are v[i * width .. i * width + width - 1]. */
typedef struct acc {
	acc_ent *e;
	int64_t *v;
	size_t cap, n;
	size_t width;		/* counters per key, set once by acc_init */
} acc;

static uint64_t
fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	while (n--) {
		h ^= *b++;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
acc_init(acc *t, size_t width)
{
	memset(t, 0, sizeof(*t));
	t->width = width;
}

/* The slot of key: found, or an empty one to take. */
static size_t
acc_slot(const acc *t, const void *key, size_t klen)
{
	size_t i;

	for (i = fnv(key, klen) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		const acc_ent *e = &t->e[i];

		if (e->key == NULL || (e->klen == klen && memcmp(e->key, key, klen) == 0))
			return i;
	}
}

static void
acc_grow(acc *t)
{
	acc old = *t;

	t->cap = old.cap ? old.cap * 2 : 64;
	t->e = xcalloc(t->cap, sizeof(*t->e));
	t->v = xcalloc(t->cap, t->width * sizeof(*t->v));
	for (size_t i = 0; i < old.cap; i++)
		if (old.e[i].key != NULL) {
			size_t j = acc_slot(t, old.e[i].key, old.e[i].klen);

			t->e[j] = old.e[i];	/* the key moves, not copied */
			memcpy(&t->v[j * t->width], &old.v[i * t->width],
			    t->width * sizeof(*t->v));
		}
	free(old.e);
	free(old.v);
}

/* The counters of key (width of them), zero when the key is new.  Valid
 * until the next acc_get of a new key or acc_clear. */
static int64_t *
acc_get(acc *t, const void *key, size_t klen)
{
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3)
		acc_grow(t);
	i = acc_slot(t, key, klen);
	if (t->e[i].key == NULL) {
		t->e[i].key = xmalloc(klen);
		memcpy(t->e[i].key, key, klen);
		t->e[i].klen = klen;
		t->n++;
	}
	return &t->v[i * t->width];
}

/* Adds add[0..4] to key's counters (tables of ACC_VALS counters). */
static void
acc_put(acc *t, const void *key, size_t klen, const int64_t add[ACC_VALS])
{
	int64_t *v = acc_get(t, key, klen);

	for (int j = 0; j < ACC_VALS; j++)
		v[j] += add[j];
}

/* Empties t; it keeps its width. */
static void
acc_clear(acc *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->e[i].key);
	free(t->e);
	free(t->v);
	acc_init(t, t->width);
}

/* Keys (fixed layouts, memcpy'd; strings NUL-padded to a fixed size). */
typedef struct day_key {
	int64_t day;
	int8_t cls, path, spf, dkim, sender, known, disp, rpass;
} day_key;

typedef struct hours_key {
	int64_t day;
	int64_t cls;		/* 64 bits: no padding in the key */
} hours_key;

typedef struct src_key {
	int64_t day;
	char prefix[IP_CIDRLEN];
} src_key;

typedef struct org_key {
	int64_t day;
	char org[256];
} org_key;

/* ---- the analysis object ----------------------------------------------------- */

struct analysis {
	store *st;
	services *svc;
	int own_svc;

	/* the current report */
	char domain[DM_KEY_LEN];
	char org[256];
	int64_t begin, end;
	dm_align adkim, aspf;
	int in_report;
	sender_set *senders;
	char senders_domain[DM_KEY_LEN];	/* whose rules are loaded */
	int senders_loaded;

	acc rollup[R__COUNT];
	int64_t report_messages;	/* of the current report, for the reporter rollup */

	/* strings handed out with the last record */
	char spf_domain[256], dkim_domain[256], dkim_pass[512];
	char service[160];

	/* analysis_set_progress: records redone so far (reanalysis) */
	void (*on_progress)(void *ctx, const char *domain, int64_t records);
	void *progress_ctx;
	int64_t redone;

	/* analysis_rebuild_early: only the rollup days before cut_day (UTC
	 * days) are written, and no record's analysis */
	int early;
	int64_t cut_day;
};

analysis *
analysis_new(store *st, services *svc)
{
	analysis *a = xcalloc(1, sizeof(*a));
	char err[512];

	a->st = st;
	for (int i = 0; i < R__COUNT; i++)
		acc_init(&a->rollup[i], i == R_HOUR ? ACC_HOURS : ACC_VALS);
	align_init(NULL);
	if (svc != NULL) {
		a->svc = svc;
	} else {
		a->svc = services_new();
		a->own_svc = 1;
		if (services_load_default(a->svc, err, sizeof(err)) != 0)
			log_warnx("known-service map not loaded: %s", err);
	}
	return a;
}

void
analysis_free(analysis *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < R__COUNT; i++)
		acc_clear(&a->rollup[i]);
	sender_set_free(a->senders);
	if (a->own_svc)
		services_free(a->svc);
	free(a);
}

const services *
analysis_services(const analysis *a)
{
	return a->svc;
}

/* ---- spreading over days / hours ---------------------------------------------- */

/* Floor division that cannot overflow (unit > 0). */
static int64_t
floor_div(int64_t a, int64_t unit)
{
	return a / unit - (a % unit < 0);
}

/* Report dates are untrusted: keep them where arithmetic is safe (±34,000
 * years around 1970); the parser notes absurd ones already. */
#define SPREAD_LIMIT ((int64_t)1 << 40)

void
analysis_spread(int64_t begin, int64_t end, int64_t unit, int64_t count,
    void (*fn)(void *ctx, int64_t bucket, int64_t share), void *ctx)
{
	int64_t first, last, total, done = 0, given = 0;

	if (begin < -SPREAD_LIMIT)
		begin = -SPREAD_LIMIT;
	if (begin > SPREAD_LIMIT)
		begin = SPREAD_LIMIT;
	if (end < -SPREAD_LIMIT)
		end = -SPREAD_LIMIT;
	if (end > begin + (int64_t)ANALYSIS_MAX_SPREAD_DAYS * DAY)
		end = begin + (int64_t)ANALYSIS_MAX_SPREAD_DAYS * DAY;
	first = floor_div(begin, unit);
	if (end <= begin) {
		fn(ctx, first, count);
		return;
	}
	last = floor_div(end - 1, unit);
	total = end - begin;
	for (int64_t b = first; b <= last; b++) {
		int64_t lo = b * unit > begin ? b * unit : begin;
		int64_t hi = (b + 1) * unit < end ? (b + 1) * unit : end;
		int64_t share;

		done += hi - lo;
		/* cumulative rounding: the shares always add up to count */
		/* 128-bit only when the product could overflow (a software
		 * division, and this runs for every record and hour) */
		share = (count >= 0 && count <= INT32_MAX && done <= INT32_MAX ?
		    count * done / total : (int64_t)((__int128)count * done / total)) - given;
		given += share;
		if (share != 0 || b == first)
			fn(ctx, b, share);
	}
}

/* ---- per report ---------------------------------------------------------------- */

typedef struct load_ctx {
	sender_set *set;
} load_ctx;

static int
load_sender(void *ctx, const store_sender *s)
{
	load_ctx *l = ctx;
	char err[256];

	if (sender_set_add(l->set, s->id, (sender_kind)s->kind, s->match_type, s->value, err,
	    sizeof(err)) != 0)
		log_warnx("sender %lld ignored: %s", (long long)s->id, err);
	return 0;
}

static int
load_senders(analysis *a, const char *domain, int force)
{
	load_ctx l;

	if (!force && a->senders_loaded && strcmp(a->senders_domain, domain) == 0)
		return 0;
	sender_set_free(a->senders);
	a->senders = sender_set_new();
	a->senders_loaded = 0;
	l.set = a->senders;
	if (store_analysis_sender_list(a->st, domain, load_sender, &l) != STORE_OK)
		return -1;
	snprintf(a->senders_domain, sizeof(a->senders_domain), "%s", domain);
	a->senders_loaded = 1;
	return 0;
}

static void
set_report(analysis *a, const char *domain, const char *org, int64_t begin, int64_t end,
    const dm_policy *p)
{
	if (domain != a->domain)
		snprintf(a->domain, sizeof(a->domain), "%s", domain);
	snprintf(a->org, sizeof(a->org), "%s", org != NULL && *org ? org : "(unknown)");
	a->begin = begin;
	a->end = end;
	a->adkim = p->adkim;
	a->aspf = p->aspf;
}

int
analysis_begin_report(analysis *a, const dm_report *r, const char *policy_domain)
{
	if (!store_has(a->st, analysis))
		return 0;
	for (int i = 0; i < R__COUNT; i++)
		acc_clear(&a->rollup[i]);
	set_report(a, policy_domain, r->org_name ? r->org_name : r->email, r->begin, r->end,
	    &r->policy);
	a->in_report = 1;
	a->report_messages = 0;
	{
		/* one report row for the reporter rollup, on its first day */
		org_key k;
		int64_t add[5] = { 1, 0, 0, 0, 0 };

		memset(&k, 0, sizeof(k));
		k.day = floor_div(r->begin < -SPREAD_LIMIT ? -SPREAD_LIMIT :
		    r->begin > SPREAD_LIMIT ? SPREAD_LIMIT : r->begin, DAY);
		snprintf(k.org, sizeof(k.org), "%s", a->org);
		acc_put(&a->rollup[R_ORG], &k, offsetof(org_key, org) + strlen(k.org) + 1, add);
	}
	return load_senders(a, policy_domain, 0);
}

int
analysis_prefetches_hosts(const analysis *a)
{
	return a != NULL && a->st != NULL && store_has_op(a->st, analysis, host_facts_prefetch);
}

int
analysis_prefetch_hosts(analysis *a, const char *const *ips, int n)
{
	if (!analysis_prefetches_hosts(a))
		return 0;
	return store_analysis_host_facts_prefetch(a->st, ips, n) == STORE_OK ? 0 : -1;
}

/* ---- one record ------------------------------------------------------------------ */

typedef struct host_ctx {
	char ptr[256];
	int64_t asn;
	int found;
} host_ctx;

static int
host_cb(void *ctx, const store_host_facts *h)
{
	host_ctx *hc = ctx;

	snprintf(hc->ptr, sizeof(hc->ptr), "%s", h->ptr ? h->ptr : "");
	hc->asn = h->asn;
	return 0;
}

static void
lower_copy(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src != NULL && src[i] && i + 1 < len; i++)
		dst[i] = (char)((src[i] >= 'A' && src[i] <= 'Z') ? src[i] + 32 : src[i]);
	dst[i] = '\0';
}

static const service *
find_service(analysis *a, const dm_record *rec, const host_ctx *h, int spf_best)
{
	const service *s = NULL;

	if (h->ptr[0])
		s = services_by_host(a->svc, h->ptr);
	if (s == NULL && h->asn > 0)
		s = services_by_asn(a->svc, (uint32_t)h->asn);
	/* A pass proves the host may send for that domain, so a passing
	 * DKIM d= or SPF domain names the service as well as the PTR does. */
	for (int i = 0; s == NULL && i < rec->ndkim; i++)
		if (rec->dkim_results[i].result == DM_AUTH_PASS && rec->dkim_results[i].domain)
			s = services_by_domain(a->svc, rec->dkim_results[i].domain);
	if (s == NULL && spf_best >= 0 && rec->spf_results[spf_best].result == DM_AUTH_PASS &&
	    rec->spf_results[spf_best].domain)
		s = services_by_domain(a->svc, rec->spf_results[spf_best].domain);
	return s;
}

static void
add_day(void *ctx, int64_t bucket, int64_t share)
{
	void **c = ctx;
	analysis *a = c[0];
	day_key *k = c[1];
	int *first = c[2];
	int64_t add[5] = { share, *first, 0, 0, 0 };

	k->day = bucket;
	*first = 0;
	acc_put(&a->rollup[R_DAY], k, sizeof(*k), add);
}

/* Spreading one record over hours: the day's counters are looked up once
 * per day, not once per hour (nothing else touches R_HOUR meanwhile). */
typedef struct hour_spread {
	analysis *a;
	hours_key k;
	int64_t *v;		/* k.day's counters, NULL before the first hour */
} hour_spread;

static void
add_hour(void *ctx, int64_t bucket, int64_t share)
{
	hour_spread *hs = ctx;
	int64_t day = floor_div(bucket, 24);

	if (hs->v == NULL || day != hs->k.day) {
		hs->k.day = day;
		hs->v = acc_get(&hs->a->rollup[R_HOUR], &hs->k, sizeof(hs->k));
	}
	hs->v[bucket - day * 24] += share;
}

static void
add_src(void *ctx, int64_t bucket, int64_t share)
{
	void **c = ctx;
	analysis *a = c[0];
	src_key *k = c[1];
	const int *flags = c[2];
	int64_t add[5] = { share, flags[0] ? share : 0, flags[1] ? share : 0,
	    flags[2] ? share : 0, flags[3] ? share : 0 };

	k->day = bucket;
	/* only the used part of the prefix buffer is key */
	acc_put(&a->rollup[R_SRC], k, offsetof(src_key, prefix) + strlen(k->prefix) + 1, add);
}

static void
add_org(void *ctx, int64_t bucket, int64_t share)
{
	void **c = ctx;
	analysis *a = c[0];
	org_key *k = c[1];
	int64_t add[5] = { 0, share, 0, 0, 0 };

	k->day = bucket;
	acc_put(&a->rollup[R_ORG], k, offsetof(org_key, org) + strlen(k->org) + 1, add);
}

/* Adds one record's share to every rollup. */
static void
accumulate(analysis *a, const dm_record *rec, const store_record_analysis *an, int known)
{
	int64_t count = (int64_t)rec->count;
	int first = 1;
	day_key dk;
	hour_spread hs;
	src_key sk;
	ip_bin ip;
	int flags[4];
	void *c[3];

	memset(&dk, 0, sizeof(dk));
	dk.cls = (int8_t)an->cls;
	dk.path = (int8_t)an->path;
	dk.spf = (int8_t)an->spf_cat;
	dk.dkim = (int8_t)an->dkim_cat;
	dk.sender = (int8_t)an->sender_kind;
	dk.known = (int8_t)known;
	dk.disp = (int8_t)rec->disposition;
	dk.rpass = (int8_t)an->reporter_pass;
	c[0] = a;
	c[1] = &dk;
	c[2] = &first;
	analysis_spread(a->begin, a->end, DAY, count, add_day, c);

	memset(&hs, 0, sizeof(hs));
	hs.a = a;
	hs.k.cls = an->cls;
	analysis_spread(a->begin, a->end, HOUR, count, add_hour, &hs);

	memset(&sk, 0, sizeof(sk));
	if (ip_parse(rec->source_ip, &ip) == 0)
		ip_prefix_of(&ip, ip.family == 4 ? 24 : 48, sk.prefix);
	else
		snprintf(sk.prefix, sizeof(sk.prefix), "%s", rec->source_ip);
	flags[0] = an->spf_cat == ALIGN_PASS_ALIGNED;
	flags[1] = an->dkim_cat == ALIGN_PASS_ALIGNED;
	flags[2] = an->cls == CLS_NORMAL;
	flags[3] = an->cls == CLS_SPOOFING;
	c[1] = &sk;
	c[2] = flags;
	analysis_spread(a->begin, a->end, DAY, count, add_src, c);
	/* the reporter rollup is spread once per report (org_flush) */
	a->report_messages += count;
}

/* Spreads the current report's messages over its days for the reporter
 * rollup.  Called when a report ends (ingest) or the next begins (rebuild). */
static void
org_flush(analysis *a)
{
	org_key ok;
	void *c[3];

	if (a->report_messages == 0)
		return;
	memset(&ok, 0, sizeof(ok));
	snprintf(ok.org, sizeof(ok.org), "%s", a->org);
	c[0] = a;
	c[1] = &ok;
	c[2] = NULL;
	analysis_spread(a->begin, a->end, DAY, a->report_messages, add_org, c);
	a->report_messages = 0;
}

static int
compute(analysis *a, const dm_record *rec, store_record_analysis *out, int *known)
{
	const char *hfrom = rec->header_from && *rec->header_from ? rec->header_from : a->domain;
	int spf_best, dkim_best;
	cls_input in;
	cls_result res;
	host_ctx h;
	const service *svc;
	sender_facts sf;
	ip_bin ip;
	size_t pl = 0;

	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	out->spf_cat = align_spf_cat(rec, hfrom, a->aspf, &spf_best);
	out->dkim_cat = align_dkim_cat(rec, hfrom, a->adkim, &dkim_best);
	if (spf_best >= 0) {
		lower_copy(a->spf_domain, sizeof(a->spf_domain), rec->spf_results[spf_best].domain);
		out->spf_domain = a->spf_domain[0] ? a->spf_domain : NULL;
		out->spf_result = dm_auth_name(rec->spf_results[spf_best].result);
	}
	if (dkim_best >= 0) {
		lower_copy(a->dkim_domain, sizeof(a->dkim_domain),
		    rec->dkim_results[dkim_best].domain);
		out->dkim_domain = a->dkim_domain[0] ? a->dkim_domain : NULL;
		out->dkim_result = dm_auth_name(rec->dkim_results[dkim_best].result);
	}
	a->dkim_pass[0] = '\0';
	for (int i = 0; i < rec->ndkim; i++) {
		const dm_dkim *d = &rec->dkim_results[i];
		char dom[256];
		size_t dl;

		if (d->domain == NULL || *d->domain == '\0')
			continue;
		if (align_match(d->domain, hfrom, a->adkim))
			out->dkim_signed_aligned = 1;
		if (d->result != DM_AUTH_PASS)
			continue;
		lower_copy(dom, sizeof(dom), d->domain);
		dl = strlen(dom);
		if (pl + dl + 2 > sizeof(a->dkim_pass))
			continue;
		if (pl > 0)
			a->dkim_pass[pl++] = ' ';
		memcpy(a->dkim_pass + pl, dom, dl + 1);
		pl += dl;
	}
	out->dkim_pass_domains = pl > 0 ? a->dkim_pass : NULL;
	out->reporter_pass = rec->dkim == DM_VERDICT_PASS || rec->spf == DM_VERDICT_PASS;
	out->mismatch = (rec->dkim != DM_VERDICT_UNKNOWN &&
	    (rec->dkim == DM_VERDICT_PASS) != (out->dkim_cat == ALIGN_PASS_ALIGNED)) ||
	    (rec->spf != DM_VERDICT_UNKNOWN &&
	    (rec->spf == DM_VERDICT_PASS) != (out->spf_cat == ALIGN_PASS_ALIGNED));
	for (int i = 0; i < rec->nreasons; i++)
		out->reasons_mask |= CLS_REASON_BIT(rec->reasons[i].type);

	if (store_has_op(a->st, analysis, host_facts)) {
		int found = 0;

		if (store_analysis_host_facts(a->st, rec->source_ip, host_cb, &h, &found) != STORE_OK)
			return -1;
	}
	svc = find_service(a, rec, &h, spf_best);
	if (svc != NULL) {
		snprintf(a->service, sizeof(a->service), "%s", svc->name);
		out->service = a->service;
	}
	memset(&sf, 0, sizeof(sf));
	sf.ip = ip_parse(rec->source_ip, &ip) == 0 ? &ip : NULL;
	sf.ptr = h.ptr[0] ? h.ptr : NULL;
	sf.service = svc ? svc->name : NULL;
	sf.dkim_pass_domains = out->dkim_pass_domains;
	out->sender_kind = sender_match(a->senders, &sf, &out->sender_id);

	memset(&in, 0, sizeof(in));
	in.spf = (align_cat)out->spf_cat;
	in.dkim = (align_cat)out->dkim_cat;
	in.dkim_signed_aligned = out->dkim_signed_aligned;
	in.reporter_pass = out->reporter_pass;
	in.disposition = rec->disposition;
	in.reasons = out->reasons_mask;
	in.sender = (sender_kind)out->sender_kind;
	in.svc = svc;
	classify(&in, &res);
	out->cls = res.cls;
	out->path = res.path;
	out->expl = res.expl;
	*known = cls_known_sender(svc);
	return 0;
}

static int flush(analysis *a);

int
analysis_record(analysis *a, const dm_record *rec, store_record_analysis *out)
{
	int known;

	if (!store_has(a->st, analysis)) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (compute(a, rec, out, &known) != 0)
		return -1;
	accumulate(a, rec, out, known);
	/* Memory stays bounded for a 1M-record report: past ACC_FLUSH keys the
	 * rows are written now (upserts add, so flushing early is exact). */
	if (a->rollup[R_DAY].n + a->rollup[R_HOUR].n + a->rollup[R_SRC].n +
	    a->rollup[R_ORG].n > ACC_FLUSH)
		return flush(a);
	return 0;
}

/* ---- writing the rollups ------------------------------------------------------------ */

/* Is this rollup day written?  All are, but in analysis_rebuild_early. */
static int
day_kept(const analysis *a, int64_t day)
{
	return !a->early || day < a->cut_day;
}

static int
flush(analysis *a)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < a->rollup[R_DAY].cap; i++) {
		acc_ent *e = &a->rollup[R_DAY].e[i];
		const int64_t *v = &a->rollup[R_DAY].v[i * ACC_VALS];
		day_key k;
		store_rollup_day r;

		if (e->key == NULL || (v[0] == 0 && v[1] == 0))
			continue;
		memcpy(&k, e->key, sizeof(k));
		if (!day_kept(a, k.day))
			continue;
		r = (store_rollup_day){ a->domain, k.day, k.cls, k.path, k.spf, k.dkim, k.sender,
		    k.known, k.disp, k.rpass, v[0], v[1] };
		rc = store_analysis_rollup_day_add(a->st, &r);
	}
	for (size_t i = 0; rc == 0 && i < a->rollup[R_HOUR].cap; i++) {
		acc_ent *e = &a->rollup[R_HOUR].e[i];
		const int64_t *v = &a->rollup[R_HOUR].v[i * ACC_HOURS];
		hours_key k;
		store_rollup_hours r;
		int any = 0;

		if (e->key == NULL)
			continue;
		for (int h = 0; h < ACC_HOURS; h++)
			any |= v[h] != 0;
		if (!any)
			continue;
		memcpy(&k, e->key, sizeof(k));
		if (!day_kept(a, k.day))
			continue;
		r.policy_domain = a->domain;
		r.day = k.day;
		r.cls = (int)k.cls;
		memcpy(r.messages, v, sizeof(r.messages));
		rc = store_analysis_rollup_hours_add(a->st, &r);
	}
	for (size_t i = 0; rc == 0 && i < a->rollup[R_SRC].cap; i++) {
		acc_ent *e = &a->rollup[R_SRC].e[i];
		const int64_t *v = &a->rollup[R_SRC].v[i * ACC_VALS];
		src_key k;
		store_rollup_src r;

		if (e->key == NULL || (v[0] == 0 && v[3] == 0 && v[4] == 0))
			continue;
		memset(&k, 0, sizeof(k));
		memcpy(&k, e->key, e->klen);
		if (!day_kept(a, k.day))
			continue;
		r = (store_rollup_src){ a->domain, k.day, k.prefix, v[0], v[1], v[2], v[3],
		    v[4] };
		rc = store_analysis_rollup_src_add(a->st, &r);
	}
	for (size_t i = 0; rc == 0 && i < a->rollup[R_ORG].cap; i++) {
		acc_ent *e = &a->rollup[R_ORG].e[i];
		const int64_t *v = &a->rollup[R_ORG].v[i * ACC_VALS];
		org_key k;
		store_rollup_org r;

		if (e->key == NULL || (v[0] == 0 && v[1] == 0))
			continue;
		memset(&k, 0, sizeof(k));
		memcpy(&k, e->key, e->klen);
		if (!day_kept(a, k.day))
			continue;
		r = (store_rollup_org){ a->domain, k.day, k.org, v[0], v[1] };
		rc = store_analysis_rollup_org_add(a->st, &r);
	}
	for (int i = 0; i < R__COUNT; i++)
		acc_clear(&a->rollup[i]);
	return rc == STORE_OK ? 0 : -1;
}

int
analysis_end_report(analysis *a)
{
	if (!store_has(a->st, analysis) || !a->in_report)
		return 0;
	a->in_report = 0;
	org_flush(a);
	return flush(a);
}

/* ---- reanalysis ------------------------------------------------------------------------ */

typedef struct rebuild_ctx {
	analysis *a;
	int64_t last_report;
	int err;
} rebuild_ctx;

static int
rebuild_record(void *ctx, const store_record_row *row)
{
	rebuild_ctx *rc = ctx;
	analysis *a = rc->a;
	store_record_analysis an;
	int known;

	if (row->rec == NULL || row->report_id != rc->last_report) {
		org_key k;
		int64_t add[5] = { 1, 0, 0, 0, 0 };

		org_flush(a);
		set_report(a, a->domain, row->org_name, row->date_begin, row->date_end,
		    row->policy);
		rc->last_report = row->report_id;
		memset(&k, 0, sizeof(k));
		k.day = floor_div(row->date_begin < -SPREAD_LIMIT ? -SPREAD_LIMIT :
		    row->date_begin > SPREAD_LIMIT ? SPREAD_LIMIT : row->date_begin, DAY);
		snprintf(k.org, sizeof(k.org), "%s", a->org);
		acc_put(&a->rollup[R_ORG], &k, offsetof(org_key, org) + strlen(k.org) + 1, add);
	}
	if (row->rec == NULL)
		return 0;	/* the report itself, before its records (if any) */
	if (a->on_progress != NULL && (++a->redone & 1023) == 0)
		a->on_progress(a->progress_ctx, a->domain, a->redone);
	if (compute(a, row->rec, &an, &known) != 0 || (!a->early &&
	    store_analysis_record_set_analysis(a->st, row->rec->store_id, &an) != STORE_OK)) {
		rc->err = 1;
		return -1;
	}
	accumulate(a, row->rec, &an, known);
	if (a->rollup[R_DAY].n + a->rollup[R_HOUR].n + a->rollup[R_SRC].n +
	    a->rollup[R_ORG].n > ACC_FLUSH && flush(a) != 0) {
		rc->err = 1;
		return -1;
	}
	return 0;
}

/* The whole domain, or (early) its days before cut_day from the reports
 * that begin before `before`. */
static int
rebuild(analysis *a, const char *policy_domain, int64_t before)
{
	rebuild_ctx rc = { a, 0, 0 };
	char domain[DM_KEY_LEN];
	int r;

	if (!store_has(a->st, analysis))
		return 0;
	snprintf(domain, sizeof(domain), "%s", policy_domain);
	for (int i = 0; i < R__COUNT; i++)
		acc_clear(&a->rollup[i]);
	if (load_senders(a, domain, 1) != 0)
		return -1;
	r = a->early ? store_retention_rollup_cut(a->st, domain, a->cut_day) :
	    store_analysis_rollup_clear(a->st, domain);
	if (r != STORE_OK)
		return -1;
	snprintf(a->domain, sizeof(a->domain), "%s", domain);
	a->report_messages = 0;
	r = a->early ? store_retention_straddle_scan(a->st, domain, before, rebuild_record, &rc) :
	    store_analysis_records_scan(a->st, domain, rebuild_record, &rc);
	if (r != STORE_OK || rc.err)
		return -1;
	org_flush(a);
	snprintf(a->domain, sizeof(a->domain), "%s", domain);
	return flush(a);
}

int
analysis_rebuild_domain(analysis *a, const char *policy_domain)
{
	return rebuild(a, policy_domain, 0);
}

int
analysis_rebuild_early(analysis *a, const char *policy_domain, int64_t before)
{
	int rc;

	a->early = 1;
	a->cut_day = floor_div(before, DAY);
	rc = rebuild(a, policy_domain, before);
	a->early = 0;
	a->cut_day = 0;
	return rc;
}

typedef struct pending_ctx {
	char **v;
	size_t n, cap;
} pending_ctx;

static int
pending_cb(void *ctx, const char *domain)
{
	pending_ctx *p = ctx;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = xstrdup(domain);
	return 0;
}

/* The alerts' change log gets the domain's recent days (the evaluator skips
 * what is older than its max_age_days, and reads only the days with data). */
static int
alert_days(analysis *a, const char *domain)
{
	int64_t today = floor_div((int64_t)time(NULL), DAY), n = 0;

	if (!store_has(a->st, alerts))
		return 0;
	return store_alerts_change_scan(a->st, domain, today - 45, today + 2, &n) ==
	    STORE_OK ? 0 : -1;
}

void
analysis_set_progress(analysis *a, void (*fn)(void *ctx, const char *domain, int64_t records),
    void *ctx)
{
	a->on_progress = fn;
	a->progress_ctx = ctx;
	a->redone = 0;
}

int
analysis_catch_up(analysis *a, int *domains)
{
	pending_ctx p = { NULL, 0, 0 };
	int rc = 0;

	if (domains != NULL)
		*domains = 0;
	if (!store_has(a->st, analysis))
		return 0;
	if (store_analysis_pending_list(a->st, pending_cb, &p) != STORE_OK)
		return -1;
	for (size_t i = 0; i < p.n; i++) {
		if (rc == 0) {
			if (store_begin(a->st) != STORE_OK ||
			    analysis_rebuild_domain(a, p.v[i]) != 0 ||
			    alert_days(a, p.v[i]) != 0 ||
			    store_analysis_pending_done(a->st, p.v[i]) != STORE_OK ||
			    store_commit(a->st) != STORE_OK) {
				store_rollback(a->st);
				rc = -1;
			} else if (domains != NULL) {
				(*domains)++;
			}
			if (a->on_progress != NULL)
				a->on_progress(a->progress_ctx, p.v[i], a->redone);
		}
		free(p.v[i]);
	}
	free(p.v);
	return rc;
}
