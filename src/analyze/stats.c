/*
 * stats.c - see stats.h; docs/STATS.md documents every key.
 *
 * Everything is read from the rollups (a few thousand rows for 90 days of a
 * busy domain), so the cost does not grow with the number of records.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "align.h"
#include "classify.h"
#include "stats.h"
#include "../report/kind.h"
#include "../store/store_analysis.h"
#include "../store/store_kinds.h"
#include "../util/log.h"
#include "../util/numfmt.h"

#define DAY 86400
#define MAX_SERIES_DAYS 800

typedef struct day_tot {
	int64_t messages, cls[CLS__COUNT], dmarc_pass;
} day_tot;

typedef struct acc {
	int64_t messages, records, dmarc_pass, reporter_pass, spf_aligned, dkim_aligned;
	int64_t spf_cat[3], dkim_cat[3];
	int64_t cls[CLS__COUNT], path[PATH__COUNT], disp[5];
	int64_t matrix[4][3][3];	/* all, internal, third party, unauthorized */
	int64_t mine_failing, known_failing, mine_total;
	int64_t first_day, last_day;
	int have_day;		/* first_day/last_day are set (day 0 is a real day) */
	int64_t base_day, ndays, cap;	/* cap: entries allocated in days */
	day_tot *days;
	int grow;		/* no period given: the series follows the data */
} acc;

static double
pct(int64_t part, int64_t whole)
{
	if (whole <= 0)
		return 0.0;
	return round(1000.0 * (double)part / (double)whole) / 10.0;
}

/*
 * Makes room for day in a series that follows the data.  Rows arrive in
 * day order (the rollup's key), so the series only grows at its end; past
 * MAX_SERIES_DAYS the oldest days slide out.
 */
static void
series_fit(acc *a, int64_t day)
{
	int64_t need;

	if (a->days == NULL) {
		a->base_day = day;
		a->ndays = 0;
		a->cap = 0;
	}
	if (day < a->base_day || day < a->base_day + a->ndays)
		return;
	need = day - a->base_day + 1;
	if (need > MAX_SERIES_DAYS) {
		int64_t drop = need - MAX_SERIES_DAYS, keep = a->ndays - drop;

		if (keep > 0)
			memmove(a->days, a->days + drop, (size_t)keep * sizeof(*a->days));
		else
			keep = 0;
		/* the array may have been sized for fewer days: it is the
		 * tracked capacity, never MAX_SERIES_DAYS, that says so */
		if (a->cap < MAX_SERIES_DAYS) {
			a->days = xrealloc(a->days, (size_t)MAX_SERIES_DAYS * sizeof(*a->days));
			a->cap = MAX_SERIES_DAYS;
		}
		memset(a->days + keep, 0, (size_t)(MAX_SERIES_DAYS - keep) * sizeof(*a->days));
		a->base_day += drop;
		a->ndays = MAX_SERIES_DAYS;
		return;
	}
	if (need > a->cap) {
		a->days = xrealloc(a->days, (size_t)need * sizeof(*a->days));
		a->cap = need;
	}
	memset(a->days + a->ndays, 0, (size_t)(need - a->ndays) * sizeof(*a->days));
	a->ndays = need;
}

static int
day_cb(void *ctx, const store_rollup_day *r)
{
	acc *a = ctx;
	int spf = r->spf_cat & 3, dkim = r->dkim_cat & 3;
	int cls = r->cls < CLS__COUNT && r->cls >= 0 ? r->cls : CLS_SPOOFING;
	int group = r->sender_kind == 1 ? 1 : r->sender_kind == 2 ? 2 : 3;
	int64_t m = r->messages;

	if (spf > 2)
		spf = 2;
	if (dkim > 2)
		dkim = 2;
	a->messages += m;
	a->records += r->records;
	if (cls == CLS_NORMAL)
		a->dmarc_pass += m;
	if (r->reporter_pass)
		a->reporter_pass += m;
	if (spf == 0)
		a->spf_aligned += m;
	if (dkim == 0)
		a->dkim_aligned += m;
	a->spf_cat[spf] += m;
	a->dkim_cat[dkim] += m;
	a->cls[cls] += m;
	if (r->path >= 0 && r->path < PATH__COUNT)
		a->path[r->path] += m;
	a->disp[r->disposition >= 0 && r->disposition <= 4 ? r->disposition : 0] += m;
	a->matrix[0][spf][dkim] += m;
	a->matrix[group][spf][dkim] += m;
	if (r->sender_kind != 0) {
		a->mine_total += m;
		if (cls != CLS_NORMAL)
			a->mine_failing += m;
	} else if (r->known && cls != CLS_NORMAL) {
		a->known_failing += m;
	}
	if (m != 0 || r->records != 0) {
		if (!a->have_day || r->day < a->first_day)
			a->first_day = r->day;
		if (!a->have_day || r->day > a->last_day)
			a->last_day = r->day;
		a->have_day = 1;
	}
	if (a->grow && m != 0)
		series_fit(a, r->day);
	if (a->days != NULL && r->day >= a->base_day && r->day < a->base_day + a->ndays) {
		day_tot *d = &a->days[r->day - a->base_day];

		d->messages += m;
		d->cls[cls] += m;
		if (cls == CLS_NORMAL)
			d->dmarc_pass += m;
	}
	return 0;
}

static void
fmt_day(int64_t day, char *buf, size_t len)
{
	time_t t = (time_t)(day * DAY);
	struct tm tm;

	/* A year past int (a hostile <begin>) makes gmtime_r fail: an empty
	 * date, not whatever the stack held. */
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		buf[0] = '\0';
}

static json_t *
matrix_json(int64_t m[3][3])
{
	json_t *o = json_object(), *cnt = json_array(), *pc = json_array();
	int64_t total = 0;

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			total += m[i][j];
	for (int i = 0; i < 3; i++) {
		json_t *rc = json_array(), *rp = json_array();

		for (int j = 0; j < 3; j++) {
			json_array_append_new(rc, json_integer(m[i][j]));
			json_array_append_new(rp, json_real(pct(m[i][j], total)));
		}
		json_array_append_new(cnt, rc);
		json_array_append_new(pc, rp);
	}
	json_object_set_new(o, "messages", json_integer(total));
	json_object_set_new(o, "count", cnt);
	json_object_set_new(o, "pct", pc);
	return o;
}

static json_t *
cats_json(void)
{
	json_t *a = json_array();

	for (int i = 0; i < 3; i++)
		json_array_append_new(a, json_string(align_cat_name((align_cat)i)));
	return a;
}

typedef struct list_ctx {
	json_t *arr;
} list_ctx;

static int
src_cb(void *ctx, const store_rollup_src *r)
{
	list_ctx *l = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "prefix", json_string(r->prefix ? r->prefix : ""));
	json_object_set_new(o, "messages", json_integer(r->messages));
	json_object_set_new(o, "spf_aligned", json_integer(r->spf_aligned));
	json_object_set_new(o, "spf_aligned_pct", json_real(pct(r->spf_aligned, r->messages)));
	json_object_set_new(o, "dkim_aligned", json_integer(r->dkim_aligned));
	json_object_set_new(o, "dkim_aligned_pct", json_real(pct(r->dkim_aligned, r->messages)));
	json_object_set_new(o, "dmarc_pass", json_integer(r->dmarc_pass));
	json_object_set_new(o, "dmarc_pass_pct", json_real(pct(r->dmarc_pass, r->messages)));
	json_object_set_new(o, "spoofing_suspected", json_integer(r->spoofing));
	json_array_append_new(l->arr, o);
	return 0;
}

static int
org_cb(void *ctx, const store_rollup_org *r)
{
	list_ctx *l = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "org", json_string(r->org ? r->org : ""));
	json_object_set_new(o, "reports", json_integer(r->reports));
	json_object_set_new(o, "messages", json_integer(r->messages));
	json_array_append_new(l->arr, o);
	return 0;
}

static void
set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v != NULL ? json_string(v) : json_null());
}

static int
policy_cb(void *ctx, const store_policy_row *r)
{
	list_ctx *l = ctx;
	json_t *o = json_object();
	char b[16];

	set_str(o, "p", r->p);
	set_str(o, "sp", r->sp);
	set_str(o, "np", r->np);
	set_str(o, "adkim", r->adkim);
	set_str(o, "aspf", r->aspf);
	json_object_set_new(o, "pct", r->pct >= 0 ? json_integer(r->pct) : json_null());
	set_str(o, "fo", r->fo);
	set_str(o, "testing", r->testing);
	fmt_day(r->first_begin / DAY, b, sizeof(b));
	json_object_set_new(o, "first_seen", json_string(b));
	fmt_day((r->last_end > 0 ? r->last_end - 1 : 0) / DAY, b, sizeof(b));
	json_object_set_new(o, "last_seen", json_string(b));
	json_object_set_new(o, "reports", json_integer(r->reports));
	json_array_append_new(l->arr, o);
	return 0;
}

typedef struct hour_ctx {
	json_t *arr;
	int64_t cur_hour;
	int have;			/* an hour is held in messages/cls */
	int64_t messages, cls[CLS__COUNT];
} hour_ctx;

/* The held hour as one object of the hourly series. */
static void
hour_flush(hour_ctx *h)
{
	json_t *o;
	char b[32];
	time_t t = (time_t)(h->cur_hour * 3600);
	struct tm tm;

	if (!h->have)
		return;
	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:00:00Z", &tm);
	o = json_object();
	json_object_set_new(o, "hour", json_string(b));
	json_object_set_new(o, "messages", json_integer(h->messages));
	for (int i = 0; i < CLS__COUNT; i++)
		json_object_set_new(o, cls_class_name((cls_class)i), json_integer(h->cls[i]));
	json_array_append_new(h->arr, o);
	h->have = 0;
}

/* Rows come hour by hour (each hour's classes together): summed in C, one
 * object per hour. */
static int
hour_cb(void *ctx, const store_rollup_hour *r)
{
	hour_ctx *h = ctx;
	int cls = r->cls >= 0 && r->cls < CLS__COUNT ? r->cls : CLS_SPOOFING;

	if (r->messages == 0)
		return 0;
	if (!h->have || h->cur_hour != r->hour) {
		hour_flush(h);
		h->cur_hour = r->hour;
		h->have = 1;
		h->messages = 0;
		memset(h->cls, 0, sizeof(h->cls));
	}
	h->messages += r->messages;
	h->cls[cls] += r->messages;
	return 0;
}

/* ---- guidance ---------------------------------------------------------------- */

static void
add_reason(json_t *arr, const char *code, const char *en, const char *ja)
{
	json_t *o = json_object();

	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "en", json_string(en));
	json_object_set_new(o, "ja", json_string(ja));
	json_array_append_new(arr, o);
}

static json_t *
what_if(const acc *a)
{
	json_t *o = json_object();
	int64_t legit = a->cls[CLS_AUTH_FAILURE] + a->cls[CLS_FORWARDED];

	json_object_set_new(o, "my_senders", json_integer(a->mine_failing));
	json_object_set_new(o, "known_services", json_integer(a->known_failing));
	json_object_set_new(o, "forwarded", json_integer(a->cls[CLS_FORWARDED]));
	json_object_set_new(o, "auth_failure", json_integer(a->cls[CLS_AUTH_FAILURE]));
	json_object_set_new(o, "legitimate_affected", json_integer(legit));
	json_object_set_new(o, "legitimate_affected_pct", json_real(pct(legit, a->messages)));
	json_object_set_new(o, "spoofing_stopped", json_integer(a->cls[CLS_SPOOFING]));
	json_object_set_new(o, "spoofing_stopped_pct",
	    json_real(pct(a->cls[CLS_SPOOFING], a->messages)));
	return o;
}

/*
 * The policy guidance.  current is the published p= (NULL: none known), pct
 * its pct= (-1: not given, i.e. 100) and testing its t= ("y": test mode).
 * The next step never names a policy the domain already publishes: after
 * p=quarantine comes the pct ramp or p=reject, after p=reject nothing.
 */

static json_t *
guidance(const acc *a, const char *current, int ppct, const char *testing, int nsenders)
{
	json_t *g = json_object(), *wi = json_object(), *reasons = json_array();
	int64_t days = a->last_day >= a->first_day && a->messages > 0 ?
	    a->last_day - a->first_day + 1 : 0;
	double fail_mine = pct(a->cls[CLS_AUTH_FAILURE], a->messages);
	const char *next = "stay";
	char en[320], ja[320], nb[32], nsp[32], nfw[32], naf[32];
	int level = current == NULL ? 0 : strcmp(current, "reject") == 0 ? 2 :
	    strcmp(current, "quarantine") == 0 ? 1 : 0;
	int ramp = (ppct >= 0 && ppct < 100) || (testing != NULL && strcmp(testing, "y") == 0);

	fmt_group(a->cls[CLS_SPOOFING], nsp, sizeof(nsp));
	fmt_group(a->cls[CLS_FORWARDED], nfw, sizeof(nfw));
	fmt_group(a->cls[CLS_AUTH_FAILURE], naf, sizeof(naf));
	json_object_set_new(g, "current_policy", json_string(current ? current : "none"));
	/* Quarantine and reject act on the same DMARC failures; they differ in
	 * what happens to them (spam folder or bounce). */
	json_object_set_new(wi, "quarantine", what_if(a));
	json_object_set_new(wi, "reject", what_if(a));
	json_object_set_new(g, "what_if", wi);

	if (a->messages == 0) {
		next = "collect";
		add_reason(reasons, "no_data", "No aggregate reports in this period yet: keep p=none "
		    "and collect reports.", "この期間の集計レポートがまだありません。p=noneのまま"
		    "レポートを集めてください。");
	} else {
		if (nsenders == 0)
			add_reason(reasons, "no_senders", "No senders are registered in My Senders: "
			    "register your own servers and services so their failures can be told "
			    "from spoofing.", "送信元が登録されていません。自社のサーバや配信サービスを"
			    "「送信元」画面で登録すると、なりすましと区別できます。");
		if (days < 14) {
			snprintf(en, sizeof(en), "Only %s day(s) of reports: collect at least two "
			    "weeks before changing the policy.", fmt_group(days, nb, sizeof(nb)));
			snprintf(ja, sizeof(ja), "レポートは%s日分のみです。ポリシー変更の前に"
			    "少なくとも2週間分を集めてください。", nb);
			add_reason(reasons, "short_period", en, ja);
		}
		if (a->cls[CLS_AUTH_FAILURE] > 0) {
			snprintf(en, sizeof(en), "%s message(s) (%.1f%%) from your senders or known "
			    "services failed DMARC: fix their SPF/DKIM alignment first.",
			    naf, fail_mine);
			snprintf(ja, sizeof(ja), "自社の送信元または既知サービスからの%s通(%.1f%%)が"
			    "DMARCに失敗しています。先にSPF/DKIMのアライメントを修正してください。",
			    naf, fail_mine);
			add_reason(reasons, "senders_failing", en, ja);
		}
		if (a->cls[CLS_SPOOFING] > 0) {
			if (level == 2 && !ramp) {
				snprintf(en, sizeof(en), "%s suspected spoofed message(s): p=reject "
				    "has receivers refuse them.", nsp);
				snprintf(ja, sizeof(ja), "なりすましの疑いがある%s通は、p=rejectにより"
				    "受信側で拒否されます。", nsp);
			} else if (level == 1) {
				snprintf(en, sizeof(en), "%s suspected spoofed message(s): p=quarantine "
				    "sends them to the spam folder; p=reject would refuse them.",
				    nsp);
				snprintf(ja, sizeof(ja), "なりすましの疑いがある%s通は、p=quarantineにより"
				    "迷惑メールフォルダに入ります。p=rejectにすると受信を拒否させられます。",
				    nsp);
			} else {
				snprintf(en, sizeof(en), "%s spoofed message(s) would be stopped by an "
				    "enforcing policy.", nsp);
				snprintf(ja, sizeof(ja), "強制ポリシーにすると、なりすましの疑いがある"
				    "%s通を止められます。", nsp);
			}
			add_reason(reasons, "spoofing_seen", en, ja);
		}
		if (a->cls[CLS_FORWARDED] > 0) {
			snprintf(en, sizeof(en), "%s forwarded message(s) failed: sign all mail with "
			    "DKIM so forwarding keeps passing.", nfw);
			snprintf(ja, sizeof(ja), "転送された%s通が失敗しています。全メールにDKIM署名を"
			    "付けると転送後もDMARC認証に成功します。", nfw);
			add_reason(reasons, "forwarding", en, ja);
		}
		if (level > 0 && ramp) {
			/* p=quarantine or p=reject on part of the mail (pct < 100 or
			 * t=y): the next step is the rest of the mail, not a policy
			 * the domain already publishes */
			if (ppct >= 0 && ppct < 100) {
				snprintf(en, sizeof(en), "p=%s applies to %d%% of failing mail "
				    "(pct=%d): raise pct step by step to 100.", current, ppct, ppct);
				snprintf(ja, sizeof(ja), "p=%sは失敗したメールの%d%%にだけ適用されています"
				    "(pct=%d)。pctを段階的に100まで上げてください。", current, ppct, ppct);
			} else {
				snprintf(en, sizeof(en), "p=%s is in test mode (t=y): receivers apply "
				    "the next weaker policy. Remove t=y.", current);
				snprintf(ja, sizeof(ja), "p=%sはテストモード(t=y)で、受信側は一段弱い"
				    "ポリシーを適用します。t=yを外してください。", current);
			}
			add_reason(reasons, "ramp", en, ja);
			if (a->cls[CLS_AUTH_FAILURE] > 0 && fail_mine > (level == 2 ? 0.5 : 2.0))
				next = "fix_senders";
			else
				next = "raise_pct";
		} else if (level == 2) {
			next = "stay";
			add_reason(reasons, "enforced", "p=reject is in force: keep monitoring the "
			    "reports.", "p=rejectで運用中です。引き続きレポートを監視してください。");
		} else if (days >= 14 && nsenders > 0) {
			if (level == 0) {
				if (fail_mine <= 2.0) {
					next = "quarantine";
					add_reason(reasons, "ready_quarantine", "Your senders pass: move to "
					    "p=quarantine (start with t=y or a low pct if unsure).",
					    "自社の送信元は認証に成功しています。p=quarantineへ進めましょう"
					    "(不安ならt=yや低いpctから)。");
				} else {
					next = "fix_senders";
				}
			} else {
				if (fail_mine <= 0.5) {
					next = "reject";
					add_reason(reasons, "ready_reject", "p=quarantine is in force and "
					    "under 0.5% of legitimate mail fails: move to p=reject.",
					    "p=quarantineで運用中で、正規メールの失敗は0.5%未満です。"
					    "p=rejectへ進めましょう。");
				} else {
					next = "fix_senders";
				}
			}
		} else if (a->cls[CLS_AUTH_FAILURE] > 0 || nsenders == 0) {
			next = "fix_senders";
		}
		if (level == 1 && strcmp(next, "reject") != 0 && strcmp(next, "raise_pct") != 0)
			add_reason(reasons, "quarantine_in_force", "p=quarantine is already in force: "
			    "the step after it is p=reject.", "p=quarantineは適用済みです。"
			    "次の段階はp=rejectです。");
	}
	json_object_set_new(g, "next_step", json_string(next));
	json_object_set_new(g, "reasons", reasons);
	return g;
}

/* TLS sessions of one policy domain, summed over its TLS reports' policies */
typedef struct tls_acc {
	const char *domain;
	int64_t reports, success, failure;
} tls_acc;

static int
tls_cb(void *ctx, const store_kind_row *r)
{
	tls_acc *t = ctx;
	json_t *m = json_loads(r->model_json ? r->model_json : "", 0, NULL), *p;
	size_t i;
	int mine = 0;

	json_array_foreach(json_object_get(m, "policies"), i, p) {
		const char *d = json_string_value(json_object_get(p, "policy_domain"));

		if (d == NULL || strcasecmp(d, t->domain) != 0)
			continue;
		mine = 1;
		t->success += json_integer_value(json_object_get(p, "successful_session_count"));
		t->failure += json_integer_value(json_object_get(p, "failed_session_count"));
	}
	t->reports += mine;
	json_decref(m);
	return 0;
}

/* failure_reports (DMARC failures only: the JIPDEC digest's "RUF reports
 * received") and tls {reports, success, failure} of the domain and period */
static int
kinds_counts(store *st, const stats_query *q, json_t *root)
{
	store_kinds_filter kf = { q->domain, q->since, q->until, 1 };
	tls_acc t = { q->domain, 0, 0, 0 };
	int64_t nfail = 0;
	json_t *o = json_object();

	if (store_has(st, kinds) && (store_kinds_count(st, DM_KIND_FAILURE, &kf, &nfail) !=
	    STORE_OK || store_kinds_each(st, DM_KIND_TLSRPT, &kf, tls_cb, &t) != STORE_OK)) {
		json_decref(o);
		return -1;
	}
	json_object_set_new(root, "failure_reports", json_integer(nfail));
	json_object_set_new(o, "reports", json_integer(t.reports));
	json_object_set_new(o, "success", json_integer(t.success));
	json_object_set_new(o, "failure", json_integer(t.failure));
	json_object_set_new(o, "failure_pct", json_real(pct(t.failure, t.success + t.failure)));
	json_object_set_new(root, "tls", o);
	return 0;
}

static int
count_sender(void *ctx, const store_sender *s)
{
	(void)s;
	(*(int *)ctx)++;
	return 0;
}

json_t *
stats_build(store *st, const stats_query *q, char *err, size_t errlen)
{
	store_filter f = { q->domain, q->since, q->until };
	json_t *root, *arr, *obj;
	list_ctx lc;
	hour_ctx hc;
	acc a;
	int top = q->top > 0 ? q->top : 20, nsenders = 0;
	unsigned sec = q->sections ? q->sections : STATS_ALL;
	const char *current = NULL, *testing = NULL;
	int cur_pct = -1;
	char b[16];

	if (!store_has(st, analysis) || q->domain == NULL) {
		snprintf(err, errlen, !store_has(st,
		    analysis) ? "this store has no analysis" : "no domain given");
		return NULL;
	}
	memset(&a, 0, sizeof(a));
	if (q->since > 0 && (sec & STATS_SERIES)) {
		int64_t until = q->until > 0 ? q->until : (int64_t)time(NULL);

		a.base_day = q->since / DAY;
		a.ndays = (until + DAY - 1) / DAY - a.base_day;
		if (a.ndays > MAX_SERIES_DAYS)
			a.ndays = MAX_SERIES_DAYS;
		if (a.ndays > 0) {
			a.days = xcalloc((size_t)a.ndays, sizeof(*a.days));
			a.cap = a.ndays;
		}
	}
	a.grow = a.days == NULL && (sec & STATS_SERIES);
	if (store_analysis_rollup_day_scan(st, &f, day_cb, &a) != STORE_OK)
		goto fail;
	root = json_object();
	json_object_set_new(root, "domain", json_string(q->domain));
	obj = json_object();
	if (q->since > 0) {
		fmt_day(q->since / DAY, b, sizeof(b));
		json_object_set_new(obj, "since", json_string(b));
	} else {
		json_object_set_new(obj, "since", json_null());
	}
	if (q->until > 0) {
		fmt_day((q->until - 1) / DAY, b, sizeof(b));	/* until is exclusive */
		json_object_set_new(obj, "until", json_string(b));
	} else {
		json_object_set_new(obj, "until", json_null());
	}
	if (a.messages > 0) {
		fmt_day(a.first_day, b, sizeof(b));
		json_object_set_new(obj, "first_day", json_string(b));
		fmt_day(a.last_day, b, sizeof(b));
		json_object_set_new(obj, "last_day", json_string(b));
	}
	json_object_set_new(root, "period", obj);

	json_object_set_new(root, "messages", json_integer(a.messages));
	json_object_set_new(root, "records", json_integer(a.records));
	json_object_set_new(root, "dmarc_pass", json_integer(a.dmarc_pass));
	json_object_set_new(root, "dmarc_pass_reporter", json_integer(a.reporter_pass));
	json_object_set_new(root, "spf_aligned", json_integer(a.spf_aligned));
	json_object_set_new(root, "dkim_aligned", json_integer(a.dkim_aligned));
	obj = json_object();
	json_object_set_new(obj, "dmarc_pass", json_real(pct(a.dmarc_pass, a.messages)));
	json_object_set_new(obj, "spf_aligned", json_real(pct(a.spf_aligned, a.messages)));
	json_object_set_new(obj, "dkim_aligned", json_real(pct(a.dkim_aligned, a.messages)));
	json_object_set_new(root, "pct", obj);
	obj = json_object();
	json_object_set_new(obj, "dmarc", json_integer(a.messages - a.dmarc_pass));
	json_object_set_new(obj, "spf", json_integer(a.messages - a.spf_aligned));
	json_object_set_new(obj, "dkim", json_integer(a.messages - a.dkim_aligned));
	json_object_set_new(root, "not_aligned", obj);
	if (kinds_counts(st, q, root) != 0)
		goto fail_root;

	obj = json_object();
	for (int i = 0; i < CLS__COUNT; i++)
		json_object_set_new(obj, cls_class_name((cls_class)i), json_integer(a.cls[i]));
	json_object_set_new(root, "classes", obj);
	obj = json_object();
	for (int i = 0; i < CLS__COUNT; i++)
		json_object_set_new(obj, cls_class_name((cls_class)i),
		    json_real(pct(a.cls[i], a.messages)));
	json_object_set_new(root, "classes_pct", obj);
	obj = json_object();
	for (int i = 0; i < PATH__COUNT; i++)
		json_object_set_new(obj, cls_path_name((cls_path)i), json_integer(a.path[i]));
	json_object_set_new(root, "paths", obj);
	obj = json_object();
	for (int i = 1; i <= 4; i++)
		json_object_set_new(obj, dm_disp_name((dm_disp)i), json_integer(a.disp[i]));
	if (a.disp[0] > 0)
		json_object_set_new(obj, "unknown", json_integer(a.disp[0]));
	json_object_set_new(root, "dispositions", obj);

	obj = json_object();
	json_object_set_new(obj, "rows", cats_json());
	json_object_set_new(obj, "cols", cats_json());
	json_object_set_new(obj, "all", matrix_json(a.matrix[0]));
	json_object_set_new(obj, "internal", matrix_json(a.matrix[1]));
	json_object_set_new(obj, "third_party", matrix_json(a.matrix[2]));
	json_object_set_new(obj, "unauthorized", matrix_json(a.matrix[3]));
	json_object_set_new(root, "matrix", obj);

	lc.arr = json_array();
	if (sec & STATS_SOURCES) {
		json_object_set_new(root, "top_sources", lc.arr);
		if (store_analysis_rollup_src_top(st, &f, top, src_cb, &lc) != STORE_OK)
			goto fail_root;
	} else {
		json_decref(lc.arr);
	}
	lc.arr = json_array();
	json_object_set_new(root, "reporters", lc.arr);
	if ((sec & STATS_REPORTERS) && store_analysis_rollup_org_top(st, &f, top, org_cb, &lc) != STORE_OK)
		goto fail_root;
	if (sec & STATS_REPORTERS) {
		int64_t reports = 0;
		size_t i;
		json_t *v;

		json_array_foreach(lc.arr, i, v)
			reports += json_integer_value(json_object_get(v, "reports"));
		json_object_set_new(root, "reports", json_integer(reports));
	}

	if (!(sec & STATS_REPORTERS))
		json_object_del(root, "reporters");
	arr = json_array();
	for (int64_t d = 0; d < a.ndays && a.days != NULL; d++) {
		json_t *e = json_object();

		fmt_day(a.base_day + d, b, sizeof(b));
		json_object_set_new(e, "date", json_string(b));
		json_object_set_new(e, "messages", json_integer(a.days[d].messages));
		json_object_set_new(e, "dmarc_pass", json_integer(a.days[d].dmarc_pass));
		for (int i = 0; i < CLS__COUNT; i++)
			json_object_set_new(e, cls_class_name((cls_class)i),
			    json_integer(a.days[d].cls[i]));
		json_array_append_new(arr, e);
	}
	if (sec & STATS_SERIES) {
		json_object_set_new(root, "daily", arr);
		memset(&hc, 0, sizeof(hc));
		hc.arr = json_array();
		json_object_set_new(root, "hourly", hc.arr);
		if (store_analysis_rollup_hour_scan(st, &f, hour_cb, &hc) != STORE_OK)
			goto fail_root;
		hour_flush(&hc);
	} else {
		json_decref(arr);
	}

	/* the guidance needs the current policy: read even when not shown */
	lc.arr = json_array();
	json_object_set_new(root, "policy_history", lc.arr);
	if (store_analysis_policy_history(st, &f, policy_cb, &lc) != STORE_OK)
		goto fail_root;
	/* the current policy: the one seen last (reports overlap, so the one
	 * first seen last may be an old policy a late reporter still quotes) */
	{
		size_t i;
		json_t *e, *cur = NULL;

		json_array_foreach(lc.arr, i, e)
			if (cur == NULL || strcmp(json_string_value(json_object_get(e, "last_seen")),
			    json_string_value(json_object_get(cur, "last_seen"))) >= 0)
				cur = e;
		if (cur != NULL) {
			current = json_string_value(json_object_get(cur, "p"));
			testing = json_string_value(json_object_get(cur, "testing"));
			if (json_is_integer(json_object_get(cur, "pct")))
				cur_pct = (int)json_integer_value(json_object_get(cur, "pct"));
		}
	}
	if (store_analysis_sender_list(st, q->domain, count_sender, &nsenders) != STORE_OK)
		goto fail_root;
	json_object_set_new(root, "senders_registered", json_integer(nsenders));
	json_object_set_new(root, "spoofing_suspected", json_integer(a.cls[CLS_SPOOFING]));
	json_object_set_new(root, "guidance", guidance(&a, current, cur_pct, testing, nsenders));
	if (!(sec & STATS_POLICY)) {
		json_object_set_new(json_object_get(root, "guidance"), "current_policy",
		    json_string(current ? current : "none"));
		json_object_del(root, "policy_history");
	}
	free(a.days);
	return root;

fail_root:
	json_decref(root);
fail:
	snprintf(err, errlen, "%s", store_errmsg(st));
	free(a.days);
	return NULL;
}

/* ---- the digest --------------------------------------------------------------- */

static int64_t
geti(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void
num(dbuf *out, int64_t v)
{
	char b[32], r[48];
	int n = snprintf(b, sizeof(b), "%lld", (long long)(v < 0 ? -v : v)), j = 0;

	if (v < 0)
		r[j++] = '-';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			r[j++] = ',';
		r[j++] = b[i];
	}
	r[j] = '\0';
	dbuf_addstr(out, r);
}

static void
line(dbuf *out, const char *label, int64_t v, int64_t whole, const char *unit)
{
	dbuf_addstr(out, label);
	num(out, v);
	dbuf_addstr(out, unit);
	if (whole >= 0)
		dbuf_printf(out, " (%.1f%%)", pct(v, whole));
	dbuf_addc(out, '\n');
}

static const char *
step_name(const char *step, int ja)
{
	static const char *const map[][3] = {
		{ "collect", "collect reports first", "まずレポートを収集" },
		{ "stay", "stay at the current policy", "現在のポリシーを維持" },
		{ "fix_senders", "fix your senders first", "先に送信元の設定を修正" },
		{ "quarantine", "move to p=quarantine", "p=quarantineへ移行" },
		{ "reject", "move to p=reject", "p=rejectへ移行" },
		{ "raise_pct", "raise pct to 100", "pctを100まで段階的に上げる" },
	};

	for (size_t i = 0; step != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], step) == 0)
			return map[i][ja ? 2 : 1];
	return step ? step : "-";
}

void
stats_digest(const json_t *s, const char *lang, dbuf *out)
{
	int ja = lang != NULL && strcmp(lang, "ja") == 0;
	const json_t *per = json_object_get(s, "period"), *cls = json_object_get(s, "classes");
	const json_t *na = json_object_get(s, "not_aligned"), *g = json_object_get(s, "guidance");
	const char *since = json_string_value(json_object_get(per, "since"));
	const char *until = json_string_value(json_object_get(per, "until"));
	int64_t m = geti(s, "messages");

	if (since == NULL)
		since = json_string_value(json_object_get(per, "first_day"));
	if (until == NULL)
		until = json_string_value(json_object_get(per, "last_day"));
	/* one layout, the words per language */
	static const struct digest_words {
		const char *title, *seen, *pass, *spf, *dkim, *notal, *unit, *ruf, *ruf_unit;
		const char *tls, *tls_pre, *tls_ok, *tls_fail;	/* [pre] N [ok] N [fail] (%) */
		const char *classes, *cls[CLS__COUNT], *policy, *arrow;
	} words[2] = {
		{ "DMARC summary for %s (%s to %s)\n",
		  "Emails seen:             ", "DMARC pass:              ",
		  "SPF aligned:             ", "DKIM aligned:            ",
		  "Not aligned:             ", "", "Failure reports received: ", "",
		  "TLS sessions:            ", "", " succeeded / ", " failed",
		  "Classes:                 ",
		  { "normal ", " / forwarded ", " / auth failure ", " / spoofing suspected " },
		  "Policy:                  ", ", next step: " },
		{ "DMARCレポート集計: %s (%s〜%s)\n",
		  "受信メール数:          ", "DMARC認証成功:         ",
		  "SPFアライメント:       ", "DKIMアライメント:      ",
		  "アライメントなし:      ", "通", "失敗レポート受信数:    ", "件",
		  "TLSセッション:         ", "成功 ", " / 失敗 ", "",
		  "分類:                  ",
		  { "正常 ", " / 転送 ", " / 認証失敗 ", " / なりすましの疑い " },
		  "ポリシー:              ", " → 次の段階: " },
	};
	const struct digest_words *w = &words[ja ? 1 : 0];
	static const char *const na_keys[3] = { "dmarc", "spf", "dkim" };
	static const char *const na_names[3] = { "DMARC ", " / SPF ", " / DKIM " };

	dbuf_printf(out, w->title, json_string_value(json_object_get(s, "domain")),
	    since ? since : "-", until ? until : "-");
	line(out, w->seen, m, -1, w->unit);
	line(out, w->pass, geti(s, "dmarc_pass"), m, w->unit);
	line(out, w->spf, geti(s, "spf_aligned"), m, w->unit);
	line(out, w->dkim, geti(s, "dkim_aligned"), m, w->unit);
	dbuf_addstr(out, w->notal);
	for (int i = 0; i < 3; i++) {
		dbuf_addstr(out, na_names[i]);
		num(out, geti(na, na_keys[i]));
		dbuf_addstr(out, w->unit);
	}
	dbuf_addc(out, '\n');
	line(out, w->ruf, geti(s, "failure_reports"), -1, w->ruf_unit);
	if (geti(json_object_get(s, "tls"), "reports") > 0) {
		const json_t *t = json_object_get(s, "tls");

		dbuf_addstr(out, w->tls);
		dbuf_addstr(out, w->tls_pre);
		num(out, geti(t, "success"));
		dbuf_addstr(out, w->tls_ok);
		num(out, geti(t, "failure"));
		dbuf_printf(out, "%s (%.1f%%)\n", w->tls_fail,
		    json_real_value(json_object_get(t, "failure_pct")));
	}
	dbuf_addstr(out, w->classes);
	for (int i = 0; i < CLS__COUNT; i++) {
		dbuf_addstr(out, w->cls[i]);
		num(out, geti(cls, cls_class_name((cls_class)i)));
	}
	dbuf_addc(out, '\n');
	dbuf_printf(out, "%sp=%s%s%s\n", w->policy,
	    json_string_value(json_object_get(g, "current_policy")), w->arrow,
	    step_name(json_string_value(json_object_get(g, "next_step")), ja));
	{
		size_t i;
		json_t *r;

		json_array_foreach(json_object_get(g, "reasons"), i, r)
			dbuf_printf(out, "  - %s\n", json_string_value(json_object_get(r,
			    ja ? "ja" : "en")));
	}
}

int
stats_sections_parse(const char *list, unsigned *out)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "sources", STATS_SOURCES }, { "reporters", STATS_REPORTERS },
		{ "series", STATS_SERIES }, { "policy", STATS_POLICY }, { "all", STATS_ALL },
		{ "summary", 0 }, { "matrix", 0 },
	};
	const char *p = list;

	*out = 0;
	while (p != NULL && *p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && strncmp(names[i].name, p, n) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		*out |= names[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*out == 0)
		*out = 0x100;	/* only the always-present part */
	return 0;
}
