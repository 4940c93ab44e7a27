/*
 * feed.c - the spoofing-host feed: builds it from the store (store_feed.h),
 * applies the exclusions (allow-list, My Senders, known services and
 * forwarders), attaches the failure-report evidence, and renders it as CSV,
 * JSON or an rbldnsd zone.  The take-down texts are in takedown.c.
 *
 * Exports: see feed.h.  Errors: feed_build returns -1 with a message; the
 * renderers cannot fail (dbuf refusals only shorten the output).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "feed.h"
#include "senders.h"
#include "../store/store_analysis.h"
#include "../store/store_feed.h"
#include "../util/csv.h"

static char *
dup0(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

void
feed_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
}

/* ---- the service map, once per process ---- */
static pthread_once_t svc_once = PTHREAD_ONCE_INIT;
static services *svc_map;

static void
svc_load(void)
{
	char err[256];

	svc_map = services_new();
	if (svc_map != NULL && services_load_default(svc_map, err, sizeof(err)) != 0) {
		services_free(svc_map);
		svc_map = NULL;
	}
}

const services *
feed_services(void)
{
	pthread_once(&svc_once, svc_load);
	return svc_map;
}

/* ---- building ---- */
typedef struct build {
	feed *f;
	size_t cap, xcap;
	feed_host *all;			/* every row read */
	size_t nall, allcap;
	sender_set *senders;
	int fail;
	char *err;
	size_t errlen;
} build;

static void
host_free(feed_host *h)
{
	char **p[] = { &h->domains, &h->reporters, &h->ptr, &h->country, &h->as_name, &h->service,
	    &h->service_type, &h->abuse_email, &h->rdap_org, &h->rdap_handle, &h->rdap_name,
	    &h->rdap_state };

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		free(*p[i]);
		*p[i] = NULL;
	}
	for (int i = 0; i < h->nsamples; i++) {
		free(h->samples[i].domain);
		free(h->samples[i].subject);
		free(h->samples[i].reporter);
	}
	h->nsamples = 0;
}

static int
host_cb(void *ctx, const store_feed_host *r)
{
	build *b = ctx;
	feed_host *h;
	int fam;

	if (b->nall == b->allcap) {
		size_t nc = b->allcap ? b->allcap * 2 : 64;
		feed_host *nh = realloc(b->all, nc * sizeof(*nh));

		if (nh == NULL) {
			b->fail = 1;
			return 1;
		}
		b->all = nh;
		b->allcap = nc;
	}
	h = &b->all[b->nall];
	memset(h, 0, sizeof(*h));
	if (ip_canon(r->ip, strlen(r->ip), h->ip, &fam) != 0)
		return 0;		/* not an address: never in a zone */
	h->family = fam;
	h->messages = r->messages;
	h->records = r->records;
	h->first_seen = r->first_seen;
	h->last_seen = r->last_seen;
	h->days = r->days;
	h->ndomains = r->ndomains;
	h->nreporters = r->nreporters;
	h->domains = dup0(r->domains);
	h->reporters = dup0(r->reporters);
	h->ptr = dup0(r->ptr);
	h->country = dup0(r->country);
	h->as_name = dup0(r->as_name);
	h->service = dup0(r->service);
	h->service_type = dup0(r->service_type);
	h->asn = r->asn;
	h->abuse_email = dup0(r->abuse_email);
	h->rdap_org = dup0(r->rdap_org);
	h->rdap_handle = dup0(r->rdap_handle);
	h->rdap_name = dup0(r->rdap_name);
	h->rdap_state = dup0(r->rdap_state);
	b->nall++;
	return 0;
}

static int
allow_cb(void *ctx, const store_feed_allow *a)
{
	build *b = ctx;
	feed *f = b->f;
	ip_cidr c;

	if (ip_cidr_parse(a->cidr, &c) != 0)
		return 0;
	if (f->nallow % 64 == 0) {
		ip_cidr *n = realloc(f->allow, (f->nallow + 64) * sizeof(*n));

		if (n == NULL) {
			b->fail = 1;
			return 1;
		}
		f->allow = n;
	}
	f->allow[f->nallow++] = c;
	return 0;
}

static int
sender_cb(void *ctx, const store_sender *s)
{
	build *b = ctx;
	char err[128];

	/* dkim rules need a message's signatures: a host alone never matches them */
	(void)sender_set_add(b->senders, s->id, (sender_kind)s->kind, s->match_type, s->value, err,
	    sizeof(err));
	return 0;
}

/* Why h must never be listed, or NULL. */
static const char *
exclusion(build *b, const feed_host *h, const services *svc)
{
	const feed *f = b->f;
	ip_bin a;
	sender_facts sf;
	const service *cand[3] = { NULL, NULL, NULL };
	service stored;
	int64_t id;

	if (ip_parse(h->ip, &a) != 0)
		return "allow_list";
	for (size_t i = 0; i < f->nallow; i++)
		if (ip_cidr_contains(&f->allow[i], &a))
			return "allow_list";
	memset(&sf, 0, sizeof(sf));
	sf.ip = &a;
	sf.ptr = h->ptr;
	sf.service = h->service;
	if (b->senders != NULL && sender_match(b->senders, &sf, &id) != SENDER_NONE)
		return "my_senders";
	if (h->service != NULL) {
		memset(&stored, 0, sizeof(stored));
		stored.name = h->service;
		stored.type = service_type_parse(h->service_type);
		cand[0] = &stored;
	}
	if (svc != NULL) {
		if (h->ptr != NULL)
			cand[1] = services_by_host(svc, h->ptr);
		if (h->asn > 0 && h->asn <= 0xffffffffLL)
			cand[2] = services_by_asn(svc, (uint32_t)h->asn);
	}
	for (int i = 0; i < 3; i++) {
		const service *s = cand[i];

		if (s == NULL)
			continue;
		if (s->forwards || s->type == SVC_FORWARDER || s->type == SVC_MAILING_LIST)
			return "known_forwarder";
		if (cls_known_sender(s))
			return "known_service";
	}
	return NULL;
}

static int
cmp_ip(const void *x, const void *y)
{
	const feed_host *const *a = x, *const *c = y;

	return strcmp((*a)->ip, (*c)->ip);
}

typedef struct fail_ctx {
	feed_host **idx;
	size_t n;
} fail_ctx;

static int
fail_cb(void *ctx, const store_feed_fail *r)
{
	fail_ctx *fc = ctx;
	feed_host key, *kp = &key, **hit;
	int fam;

	if (r->ip == NULL || ip_canon(r->ip, strlen(r->ip), key.ip, &fam) != 0)
		return 0;
	hit = bsearch(&kp, fc->idx, fc->n, sizeof(*fc->idx), cmp_ip);
	if (hit != NULL) {
		(*hit)->fail_count = r->count;
		(*hit)->fail_first = r->first;
		(*hit)->fail_last = r->last;
	}
	return 0;
}

static int
sample_cb(void *ctx, const store_feed_sample *r)
{
	feed_host *h = ctx;
	feed_sample *s;

	if (h->nsamples >= FEED_SAMPLES)
		return 1;
	s = &h->samples[h->nsamples++];
	s->domain = dup0(r->policy_domain);
	s->subject = dup0(r->subject);
	s->reporter = dup0(r->reporter);
	s->at = r->at;
	return 0;
}

static char *
domains_json(const feed_opts *o)
{
	json_t *a = json_array();
	char *s;

	for (size_t i = 0; i < o->ndomains; i++)
		json_array_append_new(a, json_string(o->domains[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

int
feed_build(store *st, const feed_opts *o, feed *out, char *err, size_t errlen)
{
	store_feed_query q;
	build b;
	char *dj;
	int rc = -1;
	feed_host **idx = NULL;
	fail_ctx fc;

	memset(out, 0, sizeof(*out));
	out->o = *o;
	out->generated_at = (int64_t)time(NULL);
	if (!store_has(st, feed)) {
		snprintf(err, errlen, "the spoofing-host feed is not available with this store");
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.f = out;
	b.err = err;
	b.errlen = errlen;
	if ((dj = domains_json(o)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.domains_json = dj;
	q.since = o->since;
	q.until = o->until;
	q.min_messages = o->min_messages > 0 ? o->min_messages : 1;
	q.min_days = o->min_days > 0 ? o->min_days : 1;
	q.ip = o->ip;
	q.limit = FEED_MAX_HOSTS;
	if (store_feed_allow_list(st, o->tenant_id, allow_cb, &b) != STORE_OK)
		goto dberr;
	if (store_has(st, analysis) && store_has_op(st, analysis, sender_list)) {
		if ((b.senders = sender_set_new()) == NULL)
			goto oom;
		/* every domain's: a host one of My Senders anywhere is somebody's
		 * legitimate sender, never a spoofer to publish */
		if (store_analysis_sender_list(st, NULL, sender_cb, &b) != STORE_OK)
			goto dberr;
	}
	if (o->ndomains > 0 && store_feed_hosts(st, &q, host_cb, &b) != STORE_OK)
		goto dberr;
	if (b.fail)
		goto oom;
	out->truncated = b.nall >= FEED_MAX_HOSTS;
	out->hosts = calloc(b.nall + 1, sizeof(*out->hosts));
	out->excluded = calloc(b.nall + 1, sizeof(*out->excluded));
	if (out->hosts == NULL || out->excluded == NULL)
		goto oom;
	for (size_t i = 0; i < b.nall; i++) {
		const char *why = exclusion(&b, &b.all[i], o->svc);

		if (why != NULL) {
			out->excluded[out->nexcluded] = b.all[i];
			out->excluded[out->nexcluded++].excluded = why;
		} else
			out->hosts[out->n++] = b.all[i];
	}
	free(b.all);
	b.all = NULL;
	b.nall = 0;
	/* failure-report evidence: counts per IP in one read, samples per host */
	if (out->n > 0) {
		if ((idx = malloc(out->n * sizeof(*idx))) == NULL)
			goto oom;
		for (size_t i = 0; i < out->n; i++)
			idx[i] = &out->hosts[i];
		qsort(idx, out->n, sizeof(*idx), cmp_ip);
		fc.idx = idx;
		fc.n = out->n;
		q.limit = 100000;
		if (store_feed_failures(st, &q, fail_cb, &fc) != STORE_OK)
			goto dberr;
		for (size_t i = 0, k = 0; i < out->n && k < FEED_SAMPLE_HOSTS; i++) {
			feed_host *h = &out->hosts[i];

			if (h->fail_count == 0)
				continue;
			k++;
			q.ip = h->ip;
			if (store_feed_samples(st, &q, FEED_SAMPLES, sample_cb, h) != STORE_OK)
				goto dberr;
		}
	}
	rc = 0;
	goto done;
dberr:
	snprintf(err, errlen, "%s", store_errmsg(st));
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	for (size_t i = 0; i < b.nall; i++)
		host_free(&b.all[i]);
	free(b.all);
	free(idx);
	free(dj);
	sender_set_free(b.senders);
	if (rc != 0)
		feed_free(out);
	return rc;
}

void
feed_free(feed *f)
{
	for (size_t i = 0; i < f->n; i++)
		host_free(&f->hosts[i]);
	for (size_t i = 0; i < f->nexcluded; i++)
		host_free(&f->excluded[i]);
	free(f->hosts);
	free(f->excluded);
	free(f->allow);
	f->hosts = f->excluded = NULL;
	f->allow = NULL;
	f->n = f->nexcluded = f->nallow = 0;
}

/* ---- CSV ---- */
void
feed_csv(const feed *f, dbuf *out)
{
	static const char *const cols[] = { "ip", "messages", "days", "first_seen", "last_seen",
	    "domains", "reporters", "ptr", "country", "asn", "as_name", "abuse_email",
	    "failure_reports", "failure_first", "failure_last", "sample_subjects" };
	const size_t nc = sizeof(cols) / sizeof(cols[0]);
	char a[32], b[32], c[32], d[32], m[24], dy[24], asn[24], fr[24];

	for (size_t i = 0; i < nc; i++)
		csv_field(out, cols[i], i + 1 == nc);
	for (size_t i = 0; i < f->n; i++) {
		const feed_host *h = &f->hosts[i];
		dbuf subj;

		dbuf_init(&subj, 4096);
		for (int k = 0; k < h->nsamples; k++) {
			if (k > 0)
				dbuf_addstr(&subj, " | ");
			dbuf_addstr(&subj, nz(h->samples[k].subject));
		}
		feed_date(h->first_seen, a, sizeof(a));
		feed_date(h->last_seen, b, sizeof(b));
		snprintf(m, sizeof(m), "%lld", (long long)h->messages);
		snprintf(dy, sizeof(dy), "%lld", (long long)h->days);
		snprintf(asn, sizeof(asn), "%lld", (long long)h->asn);
		snprintf(fr, sizeof(fr), "%lld", (long long)h->fail_count);
		c[0] = d[0] = '\0';
		if (h->fail_count > 0) {
			feed_date(h->fail_first, c, sizeof(c));
			feed_date(h->fail_last, d, sizeof(d));
		}
		csv_field(out, h->ip, 0);
		csv_field(out, m, 0);
		csv_field(out, dy, 0);
		csv_field(out, a, 0);
		csv_field(out, b, 0);
		csv_field(out, nz(h->domains), 0);
		csv_field(out, nz(h->reporters), 0);
		csv_field(out, nz(h->ptr), 0);
		csv_field(out, nz(h->country), 0);
		csv_field(out, h->asn > 0 ? asn : "", 0);
		csv_field(out, nz(h->as_name), 0);
		csv_field(out, nz(h->abuse_email), 0);
		csv_field(out, fr, 0);
		csv_field(out, c, 0);
		csv_field(out, d, 0);
		csv_field(out, dbuf_cstr(&subj), 1);
		dbuf_free(&subj);
	}
}

/* ---- JSON ---- */
static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
host_json(const feed_host *h)
{
	json_t *o = json_object(), *s = json_array();

	json_object_set_new(o, "ip", json_string(h->ip));
	json_object_set_new(o, "family", json_integer(h->family));
	json_object_set_new(o, "messages", json_integer(h->messages));
	json_object_set_new(o, "records", json_integer(h->records));
	json_object_set_new(o, "days", json_integer(h->days));
	json_object_set_new(o, "first_seen", json_integer(h->first_seen));
	json_object_set_new(o, "last_seen", json_integer(h->last_seen));
	json_object_set_new(o, "domains", jstr(h->domains));
	json_object_set_new(o, "reporters", jstr(h->reporters));
	json_object_set_new(o, "nreporters", json_integer(h->nreporters));
	json_object_set_new(o, "ptr", jstr(h->ptr));
	json_object_set_new(o, "country", jstr(h->country));
	json_object_set_new(o, "asn", h->asn > 0 ? json_integer(h->asn) : json_null());
	json_object_set_new(o, "as_name", jstr(h->as_name));
	json_object_set_new(o, "abuse_email", jstr(h->abuse_email));
	json_object_set_new(o, "rdap_org", jstr(h->rdap_org));
	json_object_set_new(o, "rdap_handle", jstr(h->rdap_handle));
	json_object_set_new(o, "rdap_state", jstr(h->rdap_state));
	json_object_set_new(o, "failure_reports", json_integer(h->fail_count));
	json_object_set_new(o, "failure_first", h->fail_count ? json_integer(h->fail_first) :
	    json_null());
	json_object_set_new(o, "failure_last", h->fail_count ? json_integer(h->fail_last) :
	    json_null());
	for (int k = 0; k < h->nsamples; k++)
		json_array_append_new(s, json_pack("{s:o,s:o,s:o,s:I}", "domain",
		    jstr(h->samples[k].domain), "subject", jstr(h->samples[k].subject), "reporter",
		    jstr(h->samples[k].reporter), "at", (json_int_t)h->samples[k].at));
	json_object_set_new(o, "samples", s);
	return o;
}

json_t *
feed_json(const feed *f)
{
	json_t *j = json_object(), *hs = json_array(), *xs = json_array(), *ds = json_array();
	char buf[IP_CIDRLEN];
	json_t *al = json_array();

	for (size_t i = 0; i < f->o.ndomains; i++)
		json_array_append_new(ds, json_string(f->o.domains[i]));
	for (size_t i = 0; i < f->n; i++)
		json_array_append_new(hs, host_json(&f->hosts[i]));
	for (size_t i = 0; i < f->nexcluded; i++)
		json_array_append_new(xs, json_pack("{s:s,s:I,s:I,s:s}", "ip", f->excluded[i].ip,
		    "messages", (json_int_t)f->excluded[i].messages, "days",
		    (json_int_t)f->excluded[i].days, "reason", f->excluded[i].excluded));
	for (size_t i = 0; i < f->nallow; i++) {
		ip_cidr_format(&f->allow[i], buf);
		json_array_append_new(al, json_string(buf));
	}
	json_object_set_new(j, "generated_at", json_integer(f->generated_at));
	json_object_set_new(j, "since", json_integer(f->o.since));
	json_object_set_new(j, "until", json_integer(f->o.until));
	json_object_set_new(j, "domains", ds);
	json_object_set_new(j, "min_messages", json_integer(f->o.min_messages));
	json_object_set_new(j, "min_days", json_integer(f->o.min_days));
	json_object_set_new(j, "count", json_integer((json_int_t)f->n));
	json_object_set_new(j, "truncated", json_boolean(f->truncated));
	json_object_set_new(j, "hosts", hs);
	json_object_set_new(j, "excluded", xs);
	json_object_set_new(j, "allow_list", al);
	return j;
}

/* ---- rbldnsd zone ---- */

/* Text safe in an rbldnsd value: printable ASCII, no '$' (substituted). */
static void
zone_text(dbuf *out, const char *s, size_t max)
{
	for (size_t n = 0; s != NULL && *s != '\0' && n < max; s++, n++)
		dbuf_addc(out, (*s >= 0x20 && *s < 0x7f && *s != '$') ? *s : '_');
}

static void
zone_host(dbuf *out, const feed_host *h)
{
	char a[32], b[32];
	const char *d = nz(h->domains);
	size_t dl = strcspn(d, ",");

	feed_date(h->first_seen, a, sizeof(a));
	feed_date(h->last_seen, b, sizeof(b));
	dbuf_printf(out, "%s :127.0.0.2:Spoofing of ", h->ip);
	zone_text(out, d, dl < 100 ? dl : 100);
	if (h->ndomains > 1)
		dbuf_printf(out, " +%lld", (long long)(h->ndomains - 1));
	dbuf_printf(out, ": %lld messages on %lld day%s %s..%s", (long long)h->messages,
	    (long long)h->days, h->days == 1 ? "" : "s", a, b);
	if (h->fail_count > 0)
		dbuf_printf(out, ", %lld failure report%s", (long long)h->fail_count,
		    h->fail_count == 1 ? "" : "s");
	dbuf_addc(out, '\n');
}

void
feed_zone(const feed *f, const char *zone_name, dbuf *out)
{
	char a[32], b[32], buf[IP_CIDRLEN];
	struct tm tm;
	time_t t = (time_t)f->generated_at;
	char serial[24] = "1";

	feed_date(f->o.since, a, sizeof(a));
	feed_date(f->o.until - 1, b, sizeof(b));
	if (gmtime_r(&t, &tm) != NULL)	/* a 32-bit serial: YYMMDDHHMM would overflow */
		snprintf(serial, sizeof(serial), "%lld", (long long)(f->generated_at / 60));
	dbuf_printf(out, "# dmarcscope spoofing-host feed (rbldnsd, combined dataset)\n"
	    "# %zu hosts; period %s..%s (UTC); at least %lld messages on %lld days\n"
	    "# serve: rbldnsd -b ADDR/PORT ZONE:combined:FILE\n", f->n, a, b,
	    (long long)(f->o.min_messages > 0 ? f->o.min_messages : 1),
	    (long long)(f->o.min_days > 0 ? f->o.min_days : 1));
	if (zone_name != NULL && *zone_name != '\0')
		dbuf_printf(out, "$SOA 3600 %s. hostmaster.%s. %s 3600 600 86400 300\n", zone_name,
		    zone_name, serial);
	dbuf_printf(out, "$TTL 3600\n");
	for (int fam = 4; fam <= 6; fam += 2) {
		dbuf_printf(out, "$DATASET %s:spoofers%d @\n", fam == 4 ? "ip4set" : "ip6trie", fam);
		dbuf_printf(out, ":127.0.0.2:Spoofing suspected (DMARC reports)\n");
		for (size_t i = 0; i < f->nallow; i++) {
			if (f->allow[i].net.family != fam)
				continue;
			ip_cidr_format(&f->allow[i], buf);
			dbuf_printf(out, "!%s\n", buf);	/* allow-listed: never listed */
		}
		for (size_t i = 0; i < f->n; i++)
			if (f->hosts[i].family == fam)
				zone_host(out, &f->hosts[i]);
	}
}
