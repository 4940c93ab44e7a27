/*
 * rules.c - the evaluator: takes the (domain, day) pairs of alert_changes,
 * reads the rollups of that domain around that day only, and writes the
 * alerts the rules find, each with the numbers that triggered it and a link
 * to the portal screen that shows them, plus its deliveries (one per
 * recipient and one for the webhook).  One transaction per pair: the alerts,
 * their deliveries and the consumption of the change commit together, so a
 * crash loses nothing and repeats nothing.
 *
 * Rules (parameters in alert.h, documented in docs/ALERTS.md): spoofing
 * started, spoofing spike, new sending source, My Senders failing, DMARC pass
 * rate drop, missing reports, published policy changed, DMARC failure
 * reports received.  Cooldown: an alert
 * with the same (rule, subject) within cooldown_days of the day suppresses it.
 *
 * Exports: alert_evaluate, alert_queue (alert.h).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "../util/log.h"
#include "../store/store_alerts.h"
#include "../store/store_analysis.h"

#define DAY 86400
#define MAXWIN 64		/* days of rollups read before the day */
#define MAX_NEW_SOURCES 10	/* new-source alerts per domain and day */
#define CHANGE_BATCH 500

/* Per day of the window: totals from rollup_day. */
typedef struct day_tot {
	int64_t total, pass, spoof;
	int64_t snd_total[2], snd_pass[2];	/* sender_kind 1 internal, 2 third party */
} day_tot;

typedef struct eval {
	store *st;
	const alert_settings *set;
	const alert_params *p;
	int64_t day, lo, now;		/* lo: first day of the window */
	day_tot d[MAXWIN + 1];
	int64_t first_day;
	int has_first;
	alert_eval_stats *stats;
	char *err;
	size_t errlen;
} eval;

static int
day_cb(void *ctx, const store_rollup_day *r)
{
	eval *e = ctx;
	day_tot *t;

	if (r->day < e->lo || r->day > e->day)
		return 0;
	t = &e->d[r->day - e->lo];
	t->total += r->messages;
	if (r->cls == 0)
		t->pass += r->messages;
	if (r->cls == 3)
		t->spoof += r->messages;
	if (r->sender_kind == 1 || r->sender_kind == 2) {
		t->snd_total[r->sender_kind - 1] += r->messages;
		if (r->cls == 0)
			t->snd_pass[r->sender_kind - 1] += r->messages;
	}
	return 0;
}

static void
fmt_day(int64_t day, char *buf, size_t len)
{
	time_t t = (time_t)(day * DAY);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Percent-encodes what is not unreserved (RFC 3986). */
static void
url_enc(dbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			dbuf_addc(b, (char)c);
		} else {
			char x[3] = { '%', hex[c >> 4], hex[c & 15] };

			dbuf_add(b, x, 3);
		}
	}
}

/* "#/SCREEN?domain=D&since=DAY0&until=DAY1[&K=V]" into b. */
static void
make_link(dbuf *b, const char *screen, const char *domain, int64_t d0, int64_t d1, const char *k,
    const char *v)
{
	char s0[16], s1[16];

	fmt_day(d0, s0, sizeof(s0));
	fmt_day(d1, s1, sizeof(s1));
	dbuf_reset(b);
	dbuf_printf(b, "#/%s?domain=", screen);
	url_enc(b, domain);
	dbuf_printf(b, "&since=%s&until=%s", s0, s1);
	if (k != NULL && v != NULL) {
		dbuf_printf(b, "&%s=", k);
		url_enc(b, v);
	}
}

int
alert_queue(store *st, const alert_settings *set, int64_t alert_id, int64_t now, int64_t *n)
{
	int64_t when = now;
	int added;
	char ch[600];

	if (set->digest) {
		/* the next summary_hour, local time */
		int64_t local = now + (int64_t)set->tz_offset_min * 60;
		int64_t t = local - (((local % DAY) + DAY) % DAY) + (int64_t)set->summary_hour * 3600;

		if (t <= local)
			t += DAY;
		when = t - (int64_t)set->tz_offset_min * 60;
	}
	for (int i = 0; i < set->nrcpt; i++) {
		snprintf(ch, sizeof(ch), "mail:%s", set->rcpt[i].addr);
		if (store_alerts_delivery_add(st, alert_id, 0, ch, set->rcpt[i].lang, when, now,
		    &added) != STORE_OK)
			return -1;
		*n += added;
	}
	if (set->webhook_url != NULL) {
		if (store_alerts_delivery_add(st, alert_id, 0, "webhook", "en", now, now, &added) != STORE_OK)
			return -1;
		*n += added;
	}
	return 0;
}

/* Adds the alert unless one with the same rule and key is within the
 * cooldown; takes ownership of numbers. */
static int
emit(eval *e, const char *rule, const char *key, json_t *numbers, const dbuf *link)
{
	int64_t near, id;
	int found;
	char *nj;
	store_alert a;
	int rc = 0;

	if (store_alerts_alert_near(e->st, e->set->domain, rule, key, e->day, e->set->cooldown_days, &near,
	    &found) != STORE_OK)
		goto fail;
	if (found) {
		e->stats->suppressed++;
		json_decref(numbers);
		return 0;
	}
	nj = json_dumps(numbers, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(numbers);
	memset(&a, 0, sizeof(a));
	a.policy_domain = e->set->domain;
	a.rule = rule;
	a.subject_key = key;
	a.day = e->day;
	a.numbers = nj;
	a.link = dbuf_cstr((dbuf *)link);
	a.created_at = e->now;
	if (store_alerts_alert_add(e->st, &a, &id) != STORE_OK) {
		free(nj);
		goto fail;
	}
	free(nj);
	if (id == 0) {
		e->stats->suppressed++;
		return 0;
	}
	e->stats->alerts++;
	if (alert_queue(e->st, e->set, id, e->now, &e->stats->deliveries) != 0)
		goto fail;
	return rc;
fail:
	snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
	return -1;
}

static double
pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- spoofing started / spike ---------------------------------------------------------------- */

static int
rule_spoofing(eval *e, dbuf *link)
{
	const alert_params *p = e->p;
	const day_tot *today = &e->d[e->day - e->lo];
	int64_t maxq = 0, win[MAXWIN], med, near;
	int quiet = 1, n = 0, started = 0, found;

	make_link(link, "mail", e->set->domain, e->day, e->day, "class", "spoofing_suspected");
	/* started: at least spoof_min after quiet_days observed days under it */
	if (today->spoof >= p->spoof_min && e->has_first && e->first_day <= e->day - p->quiet_days) {
		for (int64_t d = e->day - p->quiet_days; d < e->day; d++) {
			if (e->d[d - e->lo].spoof >= p->spoof_min)
				quiet = 0;
			if (e->d[d - e->lo].spoof > maxq)
				maxq = e->d[d - e->lo].spoof;
		}
		if (quiet) {
			started = 1;
			if (emit(e, RULE_SPOOF_START, "", json_pack("{sI sI sI si sI sf}", "spoofing",
			    (json_int_t)today->spoof, "threshold", (json_int_t)p->spoof_min,
			    "max_before", (json_int_t)maxq, "quiet_days", p->quiet_days, "messages",
			    (json_int_t)today->total, "spoofing_pct", pct(today->spoof, today->total)),
			    link) != 0)
				return -1;
		}
	}
	/* spike: k x the median of the trailing days that have data */
	if (started || today->spoof < p->spike_min)
		return 0;
	for (int64_t d = e->day - p->spike_window; d < e->day; d++)
		if (e->d[d - e->lo].total > 0)
			win[n++] = e->d[d - e->lo].spoof;
	if (n < p->spike_window / 2)
		return 0;
	qsort(win, (size_t)n, sizeof(win[0]), cmp_i64);
	med = n % 2 ? win[n / 2] : (win[n / 2 - 1] + win[n / 2]) / 2;
	if (med <= 0 || (double)today->spoof < p->spike_factor * (double)med)
		return 0;
	/* a campaign that started within the cooldown is not also a spike */
	if (store_alerts_alert_near(e->st, e->set->domain, RULE_SPOOF_START, "", e->day,
	    e->set->cooldown_days, &near, &found) != STORE_OK) {
		snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
		return -1;
	}
	if (found) {
		e->stats->suppressed++;
		return 0;
	}
	return emit(e, RULE_SPOOF_SPIKE, "", json_pack("{sI sI sf sf si}", "spoofing",
	    (json_int_t)today->spoof, "median", (json_int_t)med, "factor",
	    (double)today->spoof / (double)med, "threshold_factor", p->spike_factor, "window_days",
	    p->spike_window), link);
}

/* ---- pass rate (spoofing excluded) and My Senders -------------------------------------------- */

static int
rule_rates(eval *e, dbuf *link)
{
	const alert_params *p = e->p;
	const day_tot *today = &e->d[e->day - e->lo];
	int64_t tt = 0, tp = 0, own = today->total - today->spoof;
	static const char *const kinds[2] = { "internal", "third_party" };

	if (!e->has_first || e->first_day > e->day - p->warmup_days)
		return 0;
	for (int64_t d = e->day - p->trail_days; d < e->day; d++) {
		tt += e->d[d - e->lo].total - e->d[d - e->lo].spoof;
		tp += e->d[d - e->lo].pass;
	}
	if (own >= p->drop_min && tt >= p->drop_min &&
	    pct(tp, tt) - pct(today->pass, own) > p->drop_points) {
		make_link(link, "mail", e->set->domain, e->day, e->day, "result", "fail");
		if (emit(e, RULE_PASS_DROP, "", json_pack("{sf sf sf sI sI si}", "pass_pct",
		    pct(today->pass, own), "before_pct", pct(tp, tt), "drop_points",
		    pct(tp, tt) - pct(today->pass, own), "messages", (json_int_t)own, "passed",
		    (json_int_t)today->pass, "trail_days", p->trail_days), link) != 0)
			return -1;
	}
	for (int k = 0; k < 2; k++) {
		int64_t bt = 0, bp = 0, nt = today->snd_total[k], np = today->snd_pass[k];

		for (int64_t d = e->day - p->trail_days; d < e->day; d++) {
			bt += e->d[d - e->lo].snd_total[k];
			bp += e->d[d - e->lo].snd_pass[k];
		}
		if (nt < p->sender_min || bt < p->sender_min || pct(np, nt) >= p->sender_pass_pct ||
		    pct(bp, bt) < p->sender_pass_pct)
			continue;
		make_link(link, "senders", e->set->domain, e->day, e->day, NULL, NULL);
		if (emit(e, RULE_SENDER_FAIL, kinds[k], json_pack("{ss sf sf sI sI sf}", "sender_kind",
		    kinds[k], "pass_pct", pct(np, nt), "before_pct", pct(bp, bt), "messages",
		    (json_int_t)nt, "failed", (json_int_t)(nt - np), "threshold_pct",
		    p->sender_pass_pct), link) != 0)
			return -1;
	}
	return 0;
}

/* ---- new sending source ---------------------------------------------------------------------- */

typedef struct src_item {
	char prefix[64];
	int64_t messages, pass, spoof;
} src_item;

typedef struct src_list {
	src_item it[MAX_NEW_SOURCES * 4];
	int n;
} src_list;

static int
src_cb(void *ctx, const char *prefix, int64_t messages, int64_t pass, int64_t spoof)
{
	src_list *l = ctx;

	if (l->n == (int)(sizeof(l->it) / sizeof(l->it[0])))
		return 1;
	snprintf(l->it[l->n].prefix, sizeof(l->it[0].prefix), "%s", prefix ? prefix : "");
	l->it[l->n].messages = messages;
	l->it[l->n].pass = pass;
	l->it[l->n].spoof = spoof;
	l->n++;
	return 0;
}

static int
rule_sources(eval *e, dbuf *link)
{
	src_list *l;
	int emitted = 0, rc = 0;

	if (!e->has_first || e->first_day > e->day - e->p->warmup_days)
		return 0;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(e->err, e->errlen, "out of memory");
		return -1;
	}
	if (store_alerts_src_day(e->st, e->set->domain, e->day, e->p->source_min, src_cb, l) != STORE_OK) {
		snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
		free(l);
		return -1;
	}
	for (int i = 0; i < l->n && emitted < MAX_NEW_SOURCES && rc == 0; i++) {
		int seen;
		char q[64], *slash;

		if (store_alerts_src_seen(e->st, e->set->domain, l->it[i].prefix,
		    e->day - e->p->source_history, e->day, &seen) != STORE_OK) {
			snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
			rc = -1;
			break;
		}
		if (seen)
			continue;
		/* the list's search matches IP text: the prefix's network part */
		snprintf(q, sizeof(q), "%s", l->it[i].prefix);
		if ((slash = strchr(q, '/')) != NULL)
			*slash = '\0';
		if (strchr(q, '.') != NULL && strlen(q) > 2 && strcmp(q + strlen(q) - 2, ".0") == 0)
			q[strlen(q) - 1] = '\0';	/* 192.0.2.0 -> "192.0.2." */
		make_link(link, "mail", e->set->domain, e->day, e->day, "q", q);
		rc = emit(e, RULE_NEW_SOURCE, l->it[i].prefix, json_pack("{ss sI sI sI si}", "prefix",
		    l->it[i].prefix, "messages", (json_int_t)l->it[i].messages, "dmarc_pass",
		    (json_int_t)l->it[i].pass, "spoofing", (json_int_t)l->it[i].spoof, "history_days",
		    e->p->source_history), link);
		emitted++;
	}
	free(l);
	return rc;
}

/* ---- missing reports ------------------------------------------------------------------------- */

typedef struct org_scan {
	eval *e;
	dbuf *link;
	char *org;			/* the reporter being counted (owned), or NULL */
	int before, recent;		/* days with reports before the silence / in it */
	int64_t last_day;
	int rc;
} org_scan;

static int
org_flush(org_scan *s)
{
	eval *e = s->e;

	if (s->org == NULL || s->recent > 0 || s->before < e->p->missing_history - 1)
		return 0;
	make_link(s->link, "reports", e->set->domain, s->last_day, e->day, NULL, NULL);
	return emit(e, RULE_MISSING, s->org, json_pack("{ss sI si si}", "reporter", s->org,
	    "last_day", (json_int_t)s->last_day, "silent_days", (int)(e->day - s->last_day),
	    "days_before", s->before), s->link);
}

static int
org_cb(void *ctx, const char *org, int64_t day, int64_t reports)
{
	org_scan *s = ctx;

	(void)reports;
	if (org == NULL)
		return 0;
	if (s->org == NULL || strcmp(org, s->org) != 0) {
		if ((s->rc = org_flush(s)) != 0)
			return 1;
		free(s->org);
		s->org = xstrdup(org);
		s->before = s->recent = 0;
	}
	if (day > s->e->day - s->e->p->missing_days)
		s->recent++;
	else
		s->before++;
	s->last_day = day;
	return 0;
}

static int
rule_missing(eval *e, dbuf *link)
{
	org_scan s;
	int64_t since = e->day - e->p->missing_days - e->p->missing_history + 1;

	memset(&s, 0, sizeof(s));
	s.e = e;
	s.link = link;
	if (store_alerts_org_days(e->st, e->set->domain, since, e->day + 1, org_cb, &s) !=
	    STORE_OK) {
		snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
		free(s.org);
		return -1;
	}
	if (s.rc == 0)
		s.rc = org_flush(&s);
	free(s.org);
	return s.rc;
}

/* ---- published policy ------------------------------------------------------------------------ */

typedef struct pol {
	char p[16], sp[16], adkim[4], aspf[4], org[128];
	int pct;
} pol;

static int
pol_cb(void *ctx, const store_alert_policy *r)
{
	pol *p = ctx;

	snprintf(p->p, sizeof(p->p), "%s", r->p ? r->p : "");
	snprintf(p->sp, sizeof(p->sp), "%s", r->sp ? r->sp : "");
	snprintf(p->adkim, sizeof(p->adkim), "%s", r->adkim ? r->adkim : "");
	snprintf(p->aspf, sizeof(p->aspf), "%s", r->aspf ? r->aspf : "");
	snprintf(p->org, sizeof(p->org), "%s", r->org ? r->org : "");
	p->pct = r->pct;
	return 0;
}

static void
pol_str(const pol *p, char *buf, size_t len)
{
	snprintf(buf, len, "p=%s", p->p[0] ? p->p : "?");
	if (p->sp[0])
		snprintf(buf + strlen(buf), len - strlen(buf), " sp=%s", p->sp);
	if (p->pct >= 0)
		snprintf(buf + strlen(buf), len - strlen(buf), " pct=%d", p->pct);
	if (p->adkim[0])
		snprintf(buf + strlen(buf), len - strlen(buf), " adkim=%s", p->adkim);
	if (p->aspf[0])
		snprintf(buf + strlen(buf), len - strlen(buf), " aspf=%s", p->aspf);
}

static int
rule_policy(eval *e, dbuf *link)
{
	pol now, before;
	int f1, f2;
	char s1[96], s0[96];

	memset(&now, 0, sizeof(now));
	memset(&before, 0, sizeof(before));
	if (store_alerts_policy_at(e->st, e->set->domain, e->day * DAY, (e->day + 1) * DAY, pol_cb, &now,
	    &f1) != STORE_OK || store_alerts_policy_at(e->st, e->set->domain, (e->day - 30) * DAY,
	    e->day * DAY, pol_cb, &before, &f2) != STORE_OK) {
		snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
		return -1;
	}
	if (!f1 || !f2)
		return 0;
	pol_str(&now, s1, sizeof(s1));
	pol_str(&before, s0, sizeof(s0));
	if (strcmp(s1, s0) == 0)
		return 0;
	make_link(link, "stats", e->set->domain, e->day - 30, e->day, NULL, NULL);
	return emit(e, RULE_POLICY, s1, json_pack("{ss ss ss}", "before", s0, "after", s1, "reporter",
	    now.org), link);
}

/* ---- failure reports ------------------------------------------------------------------------ */

typedef struct fail_day {
	int64_t n;
	char subject[256], source_ip[64], reporter[256], mail_from[256];
} fail_day;

static int
fail_cb(void *ctx, int64_t n, const char *subject, const char *ip, const char *reporter,
    const char *mail_from)
{
	fail_day *f = ctx;

	f->n = n;
	snprintf(f->subject, sizeof(f->subject), "%s", subject ? subject : "");
	snprintf(f->source_ip, sizeof(f->source_ip), "%s", ip ? ip : "");
	snprintf(f->reporter, sizeof(f->reporter), "%s", reporter ? reporter : "");
	snprintf(f->mail_from, sizeof(f->mail_from), "%s", mail_from ? mail_from : "");
	return 0;
}

static int
rule_failure(eval *e, dbuf *link)
{
	fail_day f;

	memset(&f, 0, sizeof(f));
	if (store_alerts_failure_day(e->st, e->set->domain, e->day, fail_cb, &f) != STORE_OK) {
		snprintf(e->err, e->errlen, "%s", store_errmsg(e->st));
		return -1;
	}
	if (f.n < e->p->failure_min)
		return 0;
	make_link(link, "threats", e->set->domain, e->day, e->day, NULL, NULL);
	return emit(e, RULE_FAILURE, "", json_pack("{sI ss ss ss ss}", "reports", (json_int_t)f.n,
	    "subject", f.subject, "source_ip", f.source_ip, "reporter", f.reporter, "from",
	    f.mail_from), link);
}

/* ---- driver ---------------------------------------------------------------------------------- */

static int
eval_day(store *st, const alert_settings *set, int64_t day, int64_t now, alert_eval_stats *stats,
    char *err, size_t errlen)
{
	eval *e = calloc(1, sizeof(*e));
	const alert_params *p = &set->p;
	store_filter f = { set->domain, 0, 0 };
	int win = p->quiet_days, rc = -1;
	dbuf link;

	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (p->spike_window > win)
		win = p->spike_window;
	if (p->trail_days > win)
		win = p->trail_days;
	if (win > MAXWIN)
		win = MAXWIN;
	e->st = st;
	e->set = set;
	e->p = p;
	e->day = day;
	e->lo = day - win;
	e->now = now;
	e->stats = stats;
	e->err = err;
	e->errlen = errlen;
	f.since = e->lo * DAY;
	f.until = (day + 1) * DAY;
	dbuf_init(&link, 4096);
	if (store_analysis_rollup_day_scan(st, &f, day_cb, e) != STORE_OK ||
	    store_alerts_first_day(st, set->domain, &e->first_day, &e->has_first) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		goto out;
	}
	if (rule_spoofing(e, &link) == 0 && rule_rates(e, &link) == 0 && rule_sources(e, &link) == 0 &&
	    rule_missing(e, &link) == 0 && rule_policy(e, &link) == 0 && rule_failure(e, &link) == 0)
		rc = 0;
out:
	dbuf_free(&link);
	free(e);
	return rc;
}

typedef struct change {
	char *domain;
	int64_t day, seq;
} change;

typedef struct change_list {
	change c[CHANGE_BATCH];
	int n;
} change_list;

static int
change_cb(void *ctx, const char *domain, int64_t day, int64_t seq)
{
	change_list *l = ctx;

	l->c[l->n].domain = xstrdup(domain ? domain : "");
	l->c[l->n].day = day;
	l->c[l->n].seq = seq;
	l->n++;
	return l->n == CHANGE_BATCH;
}

int
alert_evaluate(store *st, int64_t now, alert_eval_stats *out, char *err, size_t errlen)
{
	change_list *l;
	int rc = 0, claimed = 0;

	memset(out, 0, sizeof(*out));
	if (!store_has(st, alerts) || !store_has(st, analysis)) {
		snprintf(err, errlen, "this store has no alerts");
		return -1;
	}
	if ((l = malloc(sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	do {
		l->n = 0;
		if (store_alerts_change_list(st, CHANGE_BATCH, change_cb, l) != STORE_OK) {
			snprintf(err, errlen, "%s", store_errmsg(st));
			rc = -1;
			break;
		}
		claimed = 0;
		for (int i = 0; i < l->n && rc == 0; i++) {
			change *c = &l->c[i];
			alert_settings set;
			int ok = 1;

			if (store_begin(st) != STORE_OK) {
				snprintf(err, errlen, "%s", store_errmsg(st));
				rc = -1;
				break;
			}
			/* another evaluator (another node) has it, or has done it */
			if (store_has_op(st, alerts, change_claim) &&
			    store_alerts_change_claim(st, c->domain, c->day, &ok) != STORE_OK) {
				snprintf(err, errlen, "%s", store_errmsg(st));
				store_rollback(st);
				rc = -1;
				break;
			}
			if (!ok) {
				store_rollback(st);
				continue;
			}
			claimed++;
			rc = alert_settings_load(st, c->domain, &set, err, errlen);
			out->changes++;
			if (rc == 0 && set.enabled) {
				if (c->day < now / DAY - set.p.max_age_days || c->day > now / DAY)
					out->skipped_old++;
				else
					rc = eval_day(st, &set, c->day, now, out, err, errlen);
			}
			alert_settings_clear(&set);
			if (rc == 0 && store_alerts_change_done(st, c->domain, c->day, c->seq) != STORE_OK) {
				snprintf(err, errlen, "%s", store_errmsg(st));
				rc = -1;
			}
			if (rc == 0 && store_commit(st) != STORE_OK) {
				snprintf(err, errlen, "%s", store_errmsg(st));
				rc = -1;
			}
			if (rc != 0)
				store_rollback(st);
		}
		for (int i = 0; i < l->n; i++)
			free(l->c[i].domain);
	} while (rc == 0 && l->n == CHANGE_BATCH && claimed > 0);
	free(l);
	return rc;
}
