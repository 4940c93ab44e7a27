/*
 * ready.c - readiness for p=reject (ready.h): reads one domain's days
 * (rollup_domain_day), its published policy and its records by sender
 * (store_ready.h, bounded), and the DMARC record of the DNS check history
 * (store_dnscheck.h), and builds the JSON of GET /api/v1/readiness and
 * `dmarcscope readiness --json`:
 *   domain, since, until, threshold, days_needed
 *   totals   {messages, legitimate, aligned, failing, forwarded, spoofing,
 *             failing_pct, aligned_pct}      (legitimate = aligned + failing)
 *   days[]   every day of the period: {date, reported, messages, legitimate,
 *             failing, forwarded, spoofing, aligned_pct (null: no
 *             legitimate mail), met}
 *   weeks[]  {week (its Monday), legitimate, failing, aligned_pct}
 *   ready    {met, met_since, run_days, last_day, days_14, legitimate_14,
 *             failing_14, aligned_pct_14, gap_pct, to_fix, reason}
 *   policy   {source: dns|reports|none, record, p, sp, np, pct, t, seen}
 *   next     {step, record, changed}
 *   verdict  {level, step, ladder, days, days_needed}: the period's decision from its
 *             totals (ready_judge.c), the domains overview's next step
 *   whatif   {next: {classes}, current: {classes}} with classes
 *             {normal, forwarded, auth_failure, spoofing_suspected}:
 *             {messages, failing, quarantined, rejected}
 *   senders[] {kind: sender|service|other, id, sender_kind, match_type, value,
 *             note, service, legitimate, failing, failing_pct, forwarded,
 *             spoofing, weeks[{week, legitimate, failing}], next{quarantined,
 *             rejected}, current{...}}; senders_more (senders not listed),
 *             records {read, cut, since}: the bound of the breakdown.
 * The met rule: a day is met when its legitimate mail is aligned at least
 * `threshold` % (or it has none); a day without any report breaks the run
 * (no evidence); met_since is the first day of the run of met days that
 * ends at the last reported day, when the run is at least 14 days long.
 *
 * Exports: ready_build, ready_synth.  Errors: NULL with err (a store error).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "ready.h"
#include "../store/store_dnscheck.h"
#include "../store/store_ready.h"
#include "../util/log.h"

#define DAY 86400

typedef struct rday {
	int reported;
	int64_t messages, pass, fwd, fail, spoof;
} rday;

typedef struct rsender {
	char key[300];
	json_t *o, *weeks;
	int64_t legit, failing, fwd, spoof;
	double q[2], r[2];	/* [0] next, [1] current */
} rsender;

typedef struct rctx {
	rday *days;
	int64_t lo;		/* day of days[0] */
	int64_t ndays;
	rsender *snd;
	size_t nsnd, cap;
	int64_t records, first_begin;
	int64_t cls_msgs[CLS__COUNT];
	double q[2][CLS__COUNT], r[2][CLS__COUNT];
	ready_pol pol[2];	/* next, current */
	char dns[4096];
	int have_dns;
	int64_t dns_seen;
	store_ready_policy rp;
	char rp_buf[7][64];
	const char *domain;
} rctx;

static void
date_str(int64_t day, char *out, size_t len)
{
	time_t t = (time_t)(day * DAY);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

static json_t *
jdate(int64_t day)
{
	char b[16];

	date_str(day, b, sizeof(b));
	return json_string(b);
}

static json_t *
jpct(int64_t part, int64_t whole)
{
	return whole > 0 ? json_real(floor(10000.0 * (double)part / (double)whole) / 100.0) : json_null();
}

static int
day_cb(void *ctx, const store_ready_day *d)
{
	rctx *c = ctx;
	int64_t i = d->day - c->lo;

	if (i < 0 || i >= c->ndays || d->messages <= 0)
		return 0;
	c->days[i].reported = 1;
	c->days[i].messages = d->messages;
	c->days[i].pass = d->dmarc_pass;
	c->days[i].fwd = d->forwarded;
	c->days[i].fail = d->auth_failure;
	c->days[i].spoof = d->spoofing;
	return 0;
}

static int
day_met(const rday *d, double threshold)
{
	return ready_aligned_ok(d->pass + d->fail, d->fail, threshold);
}

static int
dns_cb(void *ctx, const store_dns_record *d)
{
	rctx *c = ctx;
	char want[300];

	snprintf(want, sizeof(want), "_dmarc.%s", c->domain);
	if (c->have_dns || strcmp(d->kind, "dmarc") != 0 || strcmp(d->name, want) != 0 || d->gone_at != 0)
		return 0;
	/* several records at one name are kept joined by newlines: the first */
	snprintf(c->dns, sizeof(c->dns), "%.*s", (int)strcspn(d->text, "\n"), d->text);
	c->have_dns = c->dns[0] != '\0';
	c->dns_seen = d->last_seen;
	return 0;
}

static int
pol_cb(void *ctx, const store_ready_policy *p)
{
	rctx *c = ctx;
	const char *v[7] = { p->p, p->sp, p->np, p->adkim, p->aspf, p->fo, p->testing };
	const char **dst[7] = { &c->rp.p, &c->rp.sp, &c->rp.np, &c->rp.adkim, &c->rp.aspf, &c->rp.fo,
	    &c->rp.testing };

	for (int i = 0; i < 7; i++) {
		if (v[i] == NULL) {
			*dst[i] = NULL;
			continue;
		}
		snprintf(c->rp_buf[i], sizeof(c->rp_buf[i]), "%s", v[i]);
		*dst[i] = c->rp_buf[i];
	}
	c->rp.pct = p->pct;
	c->rp.date_begin = p->date_begin;
	return 0;
}

/* The record the reports' policy_published stands for (rua/ruf unknown). */
void
ready_synth(const store_ready_policy *p, char *out, size_t len)
{
	int n = snprintf(out, len, "v=DMARC1; p=%s", p->p != NULL && p->p[0] ? p->p : "none");

#define ADD(...) do { if (n >= 0 && (size_t)n < len) \
	n += snprintf(out + n, len - (size_t)n, __VA_ARGS__); } while (0)
	if (p->sp != NULL && p->sp[0] && (p->p == NULL || strcmp(p->sp, p->p) != 0))
		ADD("; sp=%s", p->sp);
	if (p->np != NULL && p->np[0])
		ADD("; np=%s", p->np);
	if (p->pct >= 0 && p->pct < 100)
		ADD("; pct=%d", p->pct);
	if (p->testing != NULL && strcmp(p->testing, "y") == 0)
		ADD("; t=y");
	if (p->adkim != NULL && strcmp(p->adkim, "s") == 0)
		ADD("; adkim=s");
	if (p->aspf != NULL && strcmp(p->aspf, "s") == 0)
		ADD("; aspf=s");
	if (p->fo != NULL && p->fo[0] && strcmp(p->fo, "0") != 0)
		ADD("; fo=%s", p->fo);
#undef ADD
}

static rsender *
sender_of(rctx *c, const store_ready_group *g)
{
	char key[300];

	if (g->sender_id != 0)
		snprintf(key, sizeof(key), "s:%lld", (long long)g->sender_id);
	else if (g->service != NULL && g->service[0])
		snprintf(key, sizeof(key), "v:%.280s", g->service);
	else
		snprintf(key, sizeof(key), "o");
	for (size_t i = 0; i < c->nsnd; i++)
		if (strcmp(c->snd[i].key, key) == 0)
			return &c->snd[i];
	if (c->nsnd == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->snd = xrealloc(c->snd, c->cap * sizeof(*c->snd));
	}
	rsender *s = &c->snd[c->nsnd++];

	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->o = json_object();
	s->weeks = json_array();
	if (g->sender_id != 0) {
		json_object_set_new(s->o, "kind", json_string("sender"));
		json_object_set_new(s->o, "id", json_integer(g->sender_id));
		json_object_set_new(s->o, "sender_kind", json_string(g->sender_kind == 1 ? "internal" :
		    g->sender_kind == 2 ? "third_party" : "deleted"));
		json_object_set_new(s->o, "match_type", g->match_type ? json_string(g->match_type) :
		    json_null());
		json_object_set_new(s->o, "value", g->value ? json_string(g->value) : json_null());
		json_object_set_new(s->o, "note", g->note ? json_string(g->note) : json_null());
		json_object_set_new(s->o, "service", g->service ? json_string(g->service) : json_null());
	} else if (g->service != NULL && g->service[0]) {
		json_object_set_new(s->o, "kind", json_string("service"));
		json_object_set_new(s->o, "service", json_string(g->service));
	} else {
		json_object_set_new(s->o, "kind", json_string("other"));
	}
	return s;
}

static int
group_cb(void *ctx, const store_ready_group *g)
{
	rctx *c = ctx;
	rsender *s;
	int cls = g->cls >= 0 && g->cls < CLS__COUNT ? g->cls : CLS_SPOOFING;
	int64_t legit = cls == CLS_NORMAL || cls == CLS_AUTH_FAILURE ? g->messages : 0;
	int64_t fail = cls == CLS_AUTH_FAILURE ? g->messages : 0;
	json_t *last;

	c->records += g->records;
	if (c->first_begin == 0 || g->first_begin < c->first_begin)
		c->first_begin = g->first_begin;
	c->cls_msgs[cls] += g->messages;
	s = sender_of(c, g);
	s->legit += legit;
	s->failing += fail;
	if (cls == CLS_FORWARDED)
		s->fwd += g->messages;
	if (cls == CLS_SPOOFING)
		s->spoof += g->messages;
	if (cls != CLS_NORMAL)
		for (int k = 0; k < 2; k++) {
			double q = 0, r = 0;

			ready_apply(&c->pol[k], g->sub, (double)g->messages, &q, &r);
			s->q[k] += q;
			s->r[k] += r;
			c->q[k][cls] += q;
			c->r[k][cls] += r;
		}
	if (legit > 0) {
		/* the groups come by week: the sender's last week, or a new one */
		size_t nw = json_array_size(s->weeks);

		last = nw ? json_array_get(s->weeks, nw - 1) : NULL;
		if (last == NULL || json_integer_value(json_object_get(last, "day")) != g->week) {
			last = json_pack("{s:I,s:o,s:I,s:I}", "day", (json_int_t)g->week, "week",
			    jdate(g->week),
			    "legitimate", (json_int_t)0, "failing", (json_int_t)0);
			json_array_append_new(s->weeks, last);
		}
		json_object_set_new(last, "legitimate", json_integer(json_integer_value(json_object_get(last,
		    "legitimate")) + legit));
		json_object_set_new(last, "failing", json_integer(json_integer_value(json_object_get(last,
		    "failing")) + fail));
	}
	return 0;
}

static json_t *
qr(double q, double r)
{
	return json_pack("{s:I,s:I}", "quarantined", (json_int_t)llround(q), "rejected",
	    (json_int_t)llround(r));
}

static json_t *
classes(const rctx *c, int k)
{
	json_t *o = json_object();

	for (int i = 0; i < CLS__COUNT; i++) {
		json_t *x = qr(c->q[k][i], c->r[k][i]);

		json_object_set_new(x, "messages", json_integer(c->cls_msgs[i]));
		json_object_set_new(x, "failing", json_integer(i == CLS_NORMAL ? 0 : c->cls_msgs[i]));
		json_object_set_new(o, cls_class_name((cls_class)i), x);
	}
	return o;
}

static int
sender_cmp(const void *a, const void *b)
{
	const rsender *x = a, *y = b;

	if (x->failing != y->failing)
		return x->failing > y->failing ? -1 : 1;
	if (x->legit != y->legit)
		return x->legit > y->legit ? -1 : 1;
	return strcmp(x->key, y->key);
}

static json_t *
pol_json(const char *source, const char *rec, const ready_pol *p, int64_t seen)
{
	return json_pack("{s:s,s:s?,s:s,s:s,s:s,s:i,s:b,s:b,s:o}", "source", source, "record", rec,
	    "p", ready_level_name(p->p), "sp", ready_level_name(p->sp), "np", ready_level_name(p->np),
	    "pct", p->pct, "has_pct", p->has_pct, "t", p->t, "seen",
	    seen > 0 ? jdate(seen / DAY) : json_null());
}

/* The met run, the 14 days before the last reported day, how far off. */
static json_t *
readiness(const rctx *c, int64_t first, double threshold)
{
	int64_t last = -1, run = 0, legit = 0, fail = 0, need;
	json_t *o;

	for (int64_t i = c->ndays - 1; i >= 0 && last < 0; i--)
		if (c->days[i].reported)
			last = i;
	o = json_object();
	json_object_set_new(o, "days_needed", json_integer(READY_DAYS_NEEDED));
	if (last < 0 || last < first) {
		json_object_set_new(o, "met", json_false());
		json_object_set_new(o, "reason", json_string("no_reports"));
		return o;
	}
	for (int64_t i = last; i >= 0 && c->days[i].reported && day_met(&c->days[i], threshold); i--)
		run++;
	for (int64_t i = last; i > last - READY_DAYS_NEEDED && i >= 0; i--) {
		legit += c->days[i].pass + c->days[i].fail;
		fail += c->days[i].fail;
	}
	json_object_set_new(o, "met", json_boolean(run >= READY_DAYS_NEEDED));
	json_object_set_new(o, "met_since", run >= READY_DAYS_NEEDED ? jdate(c->lo + last - run + 1) :
	    json_null());
	json_object_set_new(o, "run_days", json_integer(run));
	json_object_set_new(o, "last_day", jdate(c->lo + last));
	json_object_set_new(o, "legitimate_14", json_integer(legit));
	json_object_set_new(o, "failing_14", json_integer(fail));
	json_object_set_new(o, "aligned_pct_14", jpct(legit - fail, legit));
	/* failing messages over the allowance of the 14 days */
	need = fail - (int64_t)floor((double)legit * (100.0 - threshold) / 100.0 + 1e-9);
	json_object_set_new(o, "to_fix", json_integer(need > 0 ? need : 0));
	json_object_set_new(o, "gap_pct",
	    legit > 0 && 100.0 * (double)(legit - fail) < threshold * (double)legit ?
	    json_real(floor(100.0 * (threshold - 100.0 * (double)(legit - fail) / (double)legit)) / 100.0) :
	    json_real(0));
	/* why not yet: the last day is below, or the run began after a day
	 * below, after a day without reports, or with the first report */
	{
		const char *why = "met";
		int64_t b = last - run;	/* the day before the run */
		int earlier = 0;

		for (int64_t i = b; i >= 0 && !earlier; i--)
			earlier = c->days[i].reported;
		if (run >= READY_DAYS_NEEDED)
			why = "met";
		else if (run == 0 || (b >= 0 && c->days[b].reported))
			why = "below_threshold";
		else if (earlier)
			why = "gap";
		else
			why = "short_history";
		json_object_set_new(o, "reason", json_string(why));
	}
	return o;
}

json_t *
ready_build(store *s, const ready_opts *o, char *err, size_t errlen)
{
	int64_t since_day = o->since / DAY, until_day = o->until / DAY, first, tot[6] = { 0 };
	rctx c;
	int found = 0;
	char cur[4096], next[4096];
	const char *step = "done", *source = "none";
	json_t *j, *days, *weeks, *sn;

	if (!store_has(s, ready)) {
		snprintf(err, errlen, "readiness is not available with this store");
		return NULL;
	}
	if (until_day <= since_day || until_day - since_day > READY_MAX_PERIOD_DAYS) {
		snprintf(err, errlen, "the period must be 1 to %d days", READY_MAX_PERIOD_DAYS);
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	c.domain = o->domain;
	c.lo = since_day < until_day - READY_LOOKBACK_DAYS ? since_day : until_day - READY_LOOKBACK_DAYS;
	c.ndays = until_day - c.lo;
	c.days = xcalloc((size_t)c.ndays, sizeof(*c.days));
	first = since_day - c.lo;
	if (store_ready_days(s, o->domain, c.lo, until_day, day_cb, &c) != STORE_OK ||
	    store_ready_policy_get(s, o->domain, o->until, pol_cb, &c, &found) != STORE_OK ||
	    (store_has(s, dnscheck) && store_dnscheck_records(s, o->domain, 1, 50, dns_cb, &c) != STORE_OK)) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		free(c.days);
		return NULL;
	}
	cur[0] = '\0';
	if (c.have_dns && ready_parse(c.dns, &c.pol[1]) == 0) {
		snprintf(cur, sizeof(cur), "%s", c.dns);
		source = "dns";
	} else if (found) {
		ready_synth(&c.rp, cur, sizeof(cur));
		source = "reports";
	}
	ready_parse(cur[0] ? cur : NULL, &c.pol[1]);
	ready_next(cur[0] ? cur : NULL, next, sizeof(next), &step);
	ready_parse(next, &c.pol[0]);
	if (store_ready_groups(s, o->domain, o->since, o->until, o->max_records > 0 ? o->max_records :
	    READY_MAX_RECORDS, group_cb, &c) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		for (size_t i = 0; i < c.nsnd; i++) {
			json_decref(c.snd[i].o);
			json_decref(c.snd[i].weeks);
		}
		free(c.snd);
		free(c.days);
		return NULL;
	}

	j = json_object();
	json_object_set_new(j, "domain", json_string(o->domain));
	json_object_set_new(j, "since", jdate(since_day));
	json_object_set_new(j, "until", jdate(until_day - 1));
	json_object_set_new(j, "threshold", json_real(o->threshold));
	days = json_array();
	weeks = json_array();
	for (int64_t i = first; i < c.ndays; i++) {
		const rday *d = &c.days[i];
		int64_t legit = d->pass + d->fail, day = c.lo + i, wk = ((day + 3) / 7) * 7 - 3;
		json_t *w = json_array_size(weeks) ? json_array_get(weeks, json_array_size(weeks) - 1) : NULL;

		json_array_append_new(days, json_pack("{s:o,s:b,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "date",
		    jdate(day), "reported", d->reported, "messages", (json_int_t)d->messages, "legitimate",
		    (json_int_t)legit,
		    "failing", (json_int_t)d->fail, "forwarded", (json_int_t)d->fwd, "spoofing",
		    (json_int_t)d->spoof, "aligned_pct", jpct(d->pass, legit),
		    "met", d->reported ? json_boolean(day_met(d, o->threshold)) : json_null()));
		if (w == NULL || json_integer_value(json_object_get(w, "day")) != wk) {
			w = json_pack("{s:I,s:o,s:I,s:I}", "day", (json_int_t)wk, "week", jdate(wk),
			    "legitimate", (json_int_t)0, "failing", (json_int_t)0);
			json_array_append_new(weeks, w);
		}
		json_object_set_new(w, "legitimate", json_integer(json_integer_value(json_object_get(w,
		    "legitimate")) + legit));
		json_object_set_new(w, "failing", json_integer(json_integer_value(json_object_get(w,
		    "failing")) + d->fail));
		tot[0] += d->messages;
		tot[1] += legit;
		tot[2] += d->pass;
		tot[3] += d->fail;
		tot[4] += d->fwd;
		tot[5] += d->spoof;
	}
	for (size_t i = 0; i < json_array_size(weeks); i++) {
		json_t *w = json_array_get(weeks, i);
		int64_t l = json_integer_value(json_object_get(w, "legitimate"));
		int64_t f = json_integer_value(json_object_get(w, "failing"));

		json_object_set_new(w, "aligned_pct", jpct(l - f, l));
	}
	json_object_set_new(j, "totals", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "messages",
	    (json_int_t)tot[0], "legitimate", (json_int_t)tot[1], "aligned", (json_int_t)tot[2], "failing",
	    (json_int_t)tot[3], "forwarded", (json_int_t)tot[4], "spoofing", (json_int_t)tot[5],
	    "failing_pct", jpct(tot[3], tot[1]), "aligned_pct", jpct(tot[2], tot[1])));
	json_object_set_new(j, "days", days);
	json_object_set_new(j, "weeks", weeks);
	json_object_set_new(j, "ready", readiness(&c, first, o->threshold));
	json_object_set_new(j, "policy", pol_json(source, cur[0] ? cur : NULL, &c.pol[1],
	    c.have_dns ? c.dns_seen : found ? c.rp.date_begin : 0));
	json_object_set_new(j, "next", json_pack("{s:s,s:s,s:b}", "step", step, "record", next,
	    "changed", strcmp(step, "done") != 0));
	{
		/* the period's decision, as the domains overview takes it (ready_judge.c) */
		ready_sums rs = { tot[0], tot[1], tot[3], 0 };
		ready_verdict v;
		int64_t fd = -1, ld = -1;

		for (int64_t i = first; i < c.ndays; i++)
			if (c.days[i].reported) {
				if (fd < 0)
					fd = i;
				ld = i;
			}
		rs.days = fd >= 0 ? ld - fd + 1 : 0;
		ready_judge(ready_ladder(cur[0] ? cur : NULL, NULL, 0), &rs, o->threshold, &v);
		json_object_set_new(j, "verdict", json_pack("{s:s,s:s,s:s,s:I,s:i}", "level",
		    ready_rlevel_name(v.level), "step", ready_step_name(v.step), "ladder",
		    ready_step_name(v.ladder), "days", (json_int_t)rs.days, "days_needed",
		    READY_DAYS_NEEDED));
	}
	json_object_set_new(j, "whatif", json_pack("{s:o,s:o,s:b}", "next", classes(&c, 0), "current",
	    classes(&c, 1), "np_applied", 0));

	if (c.nsnd > 0)
		qsort(c.snd, c.nsnd, sizeof(*c.snd), sender_cmp);
	sn = json_array();
	for (size_t i = 0; i < c.nsnd; i++) {
		rsender *x = &c.snd[i];

		if (i >= READY_MAX_SENDERS) {
			json_decref(x->o);
			json_decref(x->weeks);
			continue;
		}
		for (size_t k = 0; k < json_array_size(x->weeks); k++) {
			json_t *w = json_array_get(x->weeks, k);
			int64_t l = json_integer_value(json_object_get(w, "legitimate"));
			int64_t f = json_integer_value(json_object_get(w, "failing"));

			json_object_set_new(w, "aligned_pct", jpct(l - f, l));
		}
		json_object_set_new(x->o, "legitimate", json_integer(x->legit));
		json_object_set_new(x->o, "failing", json_integer(x->failing));
		json_object_set_new(x->o, "failing_pct", jpct(x->failing, x->legit));
		json_object_set_new(x->o, "forwarded", json_integer(x->fwd));
		json_object_set_new(x->o, "spoofing", json_integer(x->spoof));
		json_object_set_new(x->o, "weeks", x->weeks);
		json_object_set_new(x->o, "next", qr(x->q[0], x->r[0]));
		json_object_set_new(x->o, "current", qr(x->q[1], x->r[1]));
		json_array_append_new(sn, x->o);
	}
	json_object_set_new(j, "senders", sn);
	json_object_set_new(j, "senders_more", json_integer(c.nsnd > READY_MAX_SENDERS ?
	    (json_int_t)(c.nsnd - READY_MAX_SENDERS) : 0));
	{
		int64_t max = o->max_records > 0 ? o->max_records : READY_MAX_RECORDS;

		json_object_set_new(j, "records", json_pack("{s:I,s:b,s:o}", "read", (json_int_t)c.records,
		    "cut", c.records > max, "since", c.first_begin > 0 ? jdate(c.first_begin / DAY) :
		    json_null()));
	}
	free(c.snd);
	free(c.days);
	return j;
}
