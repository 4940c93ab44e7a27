/*
 * api_overview.c - the domains overview (issue 19):
 *
 *   GET /api/v1/overview?since&until&q&filter&sort&dir&page&per_page
 *   GET /api/v1/overview.csv?since&until&q&filter&sort&dir&lang
 *
 * One row per policy domain the principal may see (store_web SWQ_OVERVIEW,
 * answered from the rollups of migration 014; an operator's tenant view
 * narrows it as every read route), with the period's messages, DMARC pass,
 * SPF and DKIM aligned %, spoofing suspected and its daily series (the
 * sparkline), My Senders' auth failures, the published policy, the next
 * step and the readiness for it (`ready`: src/analyze/ready_judge.c, what
 * `dmarcscope readiness` says as `verdict`), open alerts, reporters, the last report and the
 * flags spoofed / failing / p_none / silent / unassigned.  The totals of
 * every matching domain come with each page (the cards).
 *
 * The CSV: the table's columns, then readiness (ready.level; not the record:
 * that needs a read per row, see exact_record).
 *
 * Parameters: since, until YYYY-MM-DD (until inclusive; default the 30 days
 * ending today, UTC; the retention floor applies), q a substring of the
 * domain (at most 253 bytes), filter a comma list of spoofed, failing,
 * p_none, silent, unassigned (all must hold), sort one of sort_names (default
 * messages), dir asc|desc (default desc; domain and tenant: asc), page from
 * 1, per_page 1..200 (default 50).  Bad values: 400 bad_parameter.
 *
 * Exports: api_overview, api_overview_csv (web_priv.h).  Errors: JSON
 * {"error","message"} with 4xx/5xx; database messages are logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_keys.h"
#include "../analyze/ready.h"
#include "../store/store_ready.h"
#include "web_priv.h"
#include "../util/log.h"

#define DAY 86400
#define SPARK_MAX 92		/* sparkline points; longer periods are bucketed */

static const char *const sort_names[SWO__COUNT] = {
	[SWO_DOMAIN] = "domain", [SWO_MESSAGES] = "messages", [SWO_DMARC] = "dmarc_pass",
	[SWO_SPF] = "spf_aligned", [SWO_DKIM] = "dkim_aligned", [SWO_SPOOFING] = "spoofing",
	[SWO_AUTH_FAILURE] = "auth_failure", [SWO_POLICY] = "policy", [SWO_NEXT_STEP] = "next_step",
	[SWO_ALERTS] = "alerts", [SWO_REPORTERS] = "reporters", [SWO_LAST_REPORT] = "last_report",
	[SWO_TENANT] = "tenant",
};
static const struct {
	const char *name;
	int bit;
} filter_names[] = {
	{ "spoofed", SWO_F_SPOOFED }, { "failing", SWO_F_FAILING }, { "p_none", SWO_F_PNONE },
	{ "silent", SWO_F_SILENT }, { "unassigned", SWO_F_UNASSIGNED },
};
#define NFILTER (sizeof(filter_names) / sizeof(filter_names[0]))

/* YYYY-MM-DD to unix seconds (exactly that form), else -1 */
static int
ymd(const char *s, int64_t *out)
{
	struct tm tm;
	int y, m, d;
	char tail;

	if (s == NULL || strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' ||
	    s[7] != '-' || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 ||
	    y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static void
day_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "-");
}

/* The parameters into w (limit/offset too); 0, or -1 after a 400. */
static int
params(wreq *r, wresp *out, store_web_query *w, int csv)
{
	const char *v;
	int64_t n, today = (int64_t)time(NULL) / DAY * DAY;

	memset(w, 0, sizeof(*w));
	w->cls = w->result = -1;
	w->sort = SWO_MESSAGES;
	w->desc = 1;
	w->limit = 50;
	if ((v = api_arg(r, "until")) != NULL) {
		if (ymd(v, &w->until) != 0)
			goto bad;
	} else
		w->until = today;
	w->until += DAY;	/* the whole last day */
	if ((v = api_arg(r, "since")) != NULL) {
		if (ymd(v, &w->since) != 0)
			goto bad;
	} else
		w->since = w->until - 30 * DAY;
	if (w->until <= w->since)
		goto bad;
	if (r->o->retention_days > 0 && w->since < today - (int64_t)r->o->retention_days * DAY)
		w->since = today - (int64_t)r->o->retention_days * DAY;
	if (w->until <= w->since)
		w->since = w->until - DAY;
	if ((v = api_arg(r, "q")) != NULL) {
		if (strlen(v) > 253)
			goto bad;
		w->search = v;
	}
	if ((v = api_arg(r, "filter")) != NULL) {
		const char *p = v;

		if (strlen(v) > 200)
			goto bad;
		while (*p != '\0') {
			size_t len = strcspn(p, ","), i;

			for (i = 0; i < NFILTER; i++)
				if (strlen(filter_names[i].name) == len &&
				    strncmp(p, filter_names[i].name, len) == 0)
					break;
			if (i == NFILTER)
				goto bad;
			w->filter |= filter_names[i].bit;
			p += len;
			if (*p == ',')
				p++;
		}
	}
	if ((v = api_arg(r, "sort")) != NULL) {
		w->sort = -1;
		for (int i = 0; i < SWO__COUNT; i++)
			if (strcmp(v, sort_names[i]) == 0)
				w->sort = i;
		if (w->sort < 0)
			goto bad;
		w->desc = w->sort != SWO_DOMAIN && w->sort != SWO_TENANT;
	}
	if ((v = api_arg(r, "dir")) != NULL) {
		if (strcmp(v, "asc") == 0)
			w->desc = 0;
		else if (strcmp(v, "desc") == 0)
			w->desc = 1;
		else
			goto bad;
	}
	if ((v = api_arg(r, "per_page")) != NULL) {
		if (api_parse_int(v, 1, 200, &n) != 0)
			goto bad;
		w->limit = n;
	}
	if ((v = api_arg(r, "page")) != NULL) {
		if (api_parse_int(v, 1, 1000000, &n) != 0)
			goto bad;
		w->offset = (n - 1) * w->limit;
	}
	if (csv) {
		w->limit = -1;
		w->offset = 0;
	}
	return 0;
bad:
	api_error(out, 400, "bad_parameter", "a query parameter is malformed or out of range");
	return -1;
}

static int64_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static double
pct(int64_t part, int64_t whole)
{
	return whole > 0 ? (double)(int64_t)(1000.0 * (double)part / (double)whole + 0.5) / 10.0 : 0.0;
}

/* The totals object from a row holding the _-columns. */
static json_t *
totals(json_t *row)
{
	int64_t m = row ? geti(row, "_messages") : 0;
	json_t *t = json_object(), *f = json_object();

	json_object_set_new(t, "domains", json_integer(row ? geti(row, "_total") : 0));
	json_object_set_new(t, "messages", json_integer(m));
	for (const char *const *k = (const char *const[]){ "dmarc_pass", "spf_aligned", "dkim_aligned",
	    "forwarded", "auth_failure", "spoofing", NULL }; *k; k++) {
		char key[40], pk[48];

		snprintf(key, sizeof(key), "_%s", *k);
		json_object_set_new(t, *k, json_integer(row ? geti(row, key) : 0));
		snprintf(pk, sizeof(pk), "%s_pct", *k);
		json_object_set_new(t, pk, json_real(pct(row ? geti(row, key) : 0, m)));
	}
	for (size_t i = 0; i < NFILTER; i++) {
		char key[40];

		snprintf(key, sizeof(key), "_%s", filter_names[i].name);
		json_object_set_new(f, filter_names[i].name, json_integer(row ? geti(row, key) : 0));
	}
	json_object_set_new(t, "flags", f);
	return t;
}

struct spark {
	int64_t d0, step;
	size_t n;
	int64_t *spoof, *msgs;
};

static int
spark_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	struct spark *s = ctx;
	int64_t day = 0, m = 0, sp = 0;

	for (int i = 0; i < ncol; i++) {
		if (strcmp(names[i], "day") == 0)
			day = v[i].i;
		else if (strcmp(names[i], "messages") == 0)
			m = v[i].i;
		else if (strcmp(names[i], "spoofing") == 0)
			sp = v[i].i;
	}
	if (day >= s->d0 && (size_t)((day - s->d0) / s->step) < s->n) {
		s->spoof[(day - s->d0) / s->step] += sp;
		s->msgs[(day - s->d0) / s->step] += m;
	}
	return 0;
}

static int
policy_cb(void *ctx, const store_ready_policy *p)
{
	ready_synth(p, ctx, 4096);
	return 0;
}

/* The page row's records exactly as readiness builds them from the reports
 * (ready_synth, ready_next): domain_summary's columns (the step and the
 * sort, for every domain, web_overview.c) hold p, sp, np, pct and t but not
 * adkim, aspf, fo, so the policy is read again for the rows of the page only
 * (one indexed row each, the read readiness makes).  current: null when no
 * report says a policy; record: null at the top of the ladder.  0, or -1 on
 * a store error. */
static int
exact_record(wreq *r, json_t *rd, const char *domain, int64_t until)
{
	char cur[4096], next[4096];
	int found = 0, ladder;

	cur[0] = '\0';
	if (domain != NULL && store_has(r->st, ready) &&
	    store_ready_policy_get(r->st, domain, until, policy_cb, cur, &found) != STORE_OK)
		return -1;
	if (!found)
		cur[0] = '\0';
	ladder = ready_ladder(cur[0] ? cur : NULL, next, sizeof(next));
	json_object_set_new(rd, "current", cur[0] ? json_string(cur) : json_null());
	json_object_set_new(rd, "record", ladder != RS_DONE ? json_string(next) : json_null());
	return 0;
}

/* The row as the API shows it: policy object, percentages, flags, the
 * spoofing series (one point per day, or per step days) and its trend. */
static int
shape(wreq *r, json_t *row, const store_web_query *w)
{
	int64_t m = geti(row, "messages");
	json_t *pol = json_object(), *flags = json_array(), *a;
	store_web_query dq;
	struct spark s;
	int64_t first = 0, second = 0;
	const char *k;
	json_t *x;
	void *tmp;

	json_object_set_new(row, "dmarc_pass_pct", json_real(pct(geti(row, "dmarc_pass"), m)));
	json_object_set_new(row, "spf_aligned_pct", json_real(pct(geti(row, "spf_aligned"), m)));
	json_object_set_new(row, "dkim_aligned_pct", json_real(pct(geti(row, "dkim_aligned"), m)));
	json_object_set_new(row, "auth_failure_pct", json_real(pct(geti(row, "auth_failure"), m)));
	for (const char *const *p = (const char *const[]){ "p", "sp", "np", "pct", NULL }; *p; p++)
		json_object_set(pol, *p, json_object_get(row, *p));
	json_object_set(pol, "t", json_object_get(row, "testing"));
	json_object_set_new(row, "policy", pol);
	{
		/* readiness: the level, the ladder's step, the records, the share of
		 * legitimate mail (DMARC pass + auth_failure) aligned */
		int64_t pass = geti(row, "dmarc_pass"), af = geti(row, "auth_failure");
		json_t *rd = json_object();

		json_object_set(rd, "level", json_object_get(row, "ready_level"));
		json_object_set(rd, "step", json_object_get(row, "ready_ladder"));
		json_object_set_new(rd, "aligned_pct", pass + af > 0 ?
		    json_real((double)(int64_t)(10000.0 * (double)pass / (double)(pass + af)) / 100.0) :
		    json_null());
		json_object_set_new(rd, "threshold", json_real(READY_THRESHOLD));
		json_object_set_new(rd, "days_needed", json_integer(READY_DAYS_NEEDED));
		json_object_set_new(row, "ready", rd);
		if (exact_record(r, rd, json_string_value(json_object_get(row, "domain")), w->until) != 0)
			return -1;
	}
	for (size_t i = 0; i < NFILTER; i++)
		if (geti(row, filter_names[i].name))
			json_array_append_new(flags, json_string(filter_names[i].name));
	json_object_set_new(row, "flags", flags);
	json_object_set(row, "last_report", json_object_get(row, "last_end"));
	json_object_foreach_safe(row, tmp, k, x)
		if (k[0] == '_' || strcmp(k, "testing") == 0 || strcmp(k, "p") == 0 ||
		    strcmp(k, "sp") == 0 || strcmp(k, "np") == 0 || strcmp(k, "pct") == 0 ||
		    strcmp(k, "last_end") == 0 || strcmp(k, "last_begin") == 0 ||
		    strncmp(k, "ready_", 6) == 0)
			json_object_del(row, k);
		else {
			for (size_t i = 0; i < NFILTER; i++)
				if (strcmp(k, filter_names[i].name) == 0) {
					json_object_del(row, k);
					break;
				}
		}
	/* the spoofing series of the period */
	memset(&s, 0, sizeof(s));
	s.d0 = w->since / DAY;
	s.step = 1;
	while ((w->until / DAY - s.d0 + s.step - 1) / s.step > SPARK_MAX)
		s.step++;
	s.n = (size_t)((w->until / DAY - s.d0 + s.step - 1) / s.step);
	s.spoof = xcalloc(s.n + 1, sizeof(int64_t));
	s.msgs = xcalloc(s.n + 1, sizeof(int64_t));
	dq = *w;
	dq.domain = json_string_value(json_object_get(row, "domain"));
	if (dq.domain == NULL || store_web_run(r->st, r->principal, SWQ_OVERVIEW_DAYS, &dq,
	    spark_cb, &s) != STORE_OK) {
		free(s.spoof);
		free(s.msgs);
		return -1;
	}
	a = json_array();
	for (size_t i = 0; i < s.n; i++) {
		json_array_append_new(a, json_integer(s.spoof[i]));
		if (i < s.n / 2)
			first += s.spoof[i];
		else if (i >= s.n - s.n / 2)
			second += s.spoof[i];
	}
	json_object_set_new(row, "spoofing_series", a);
	json_object_set_new(row, "series_step_days", json_integer(s.step));
	/* second half against the first: up, down or flat (within 20 %) */
	json_object_set_new(row, "spoofing_trend", json_string(second > first + first / 5 ? "up" :
	    second + second / 5 < first ? "down" : "flat"));
	free(s.spoof);
	free(s.msgs);
	return 0;
}

typedef struct ov_rows {
	int q;
	int bad;		/* a column without a key (api_keys.c) */
	json_t *a;
} ov_rows;

static int
arr_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	ov_rows *c = ctx;
	json_t *o = json_object();

	for (int i = 0; i < ncol; i++) {
		const api_key *k = api_key_of(c->q, i, names[i]);

		if (k == NULL) {
			log_warnx("serve: column %s of query %d has no JSON key (src/web/api_keys.c)",
			    names[i], c->q);
			json_decref(o);
			c->bad = 1;
			return 1;
		}
		if (!api_key_type_ok(k, &v[i]))
			log_warnx("serve: column %s of query %d: value type %d, not the key table's",
			    names[i], c->q, v[i].type);
		switch (v[i].type) {
		case SWV_INT: json_object_set_new(o, k->key, json_integer((json_int_t)v[i].i)); break;
		case SWV_REAL: json_object_set_new(o, k->key, json_real(v[i].d)); break;
		case SWV_TEXT: {
			json_t *s = json_string(v[i].s);

			json_object_set_new(o, k->key, s ? s : json_string("?"));
			break;
		}
		default: json_object_set_new(o, k->key, json_null());
		}
	}
	json_array_append_new(c->a, o);
	return 0;
}

/* The rows of w (and, for an empty page, the totals row); NULL after a 500. */
static json_t *
load(wreq *r, wresp *out, const store_web_query *w, json_t **tot)
{
	json_t *a = json_array(), *t = json_array();
	ov_rows ca = { SWQ_OVERVIEW, 0, a }, ct = { SWQ_OVERVIEW_TOTALS, 0, t };

	*tot = NULL;
	if (store_web_run(r->st, r->principal, SWQ_OVERVIEW, w, arr_cb, &ca) != STORE_OK ||
	    ca.bad)
		goto fail;
	if (json_array_size(a) > 0)
		*tot = json_incref(json_array_get(a, 0));
	else if (store_web_run(r->st, r->principal, SWQ_OVERVIEW_TOTALS, w, arr_cb, &ct) !=
	    STORE_OK || ct.bad)
		goto fail;
	else
		*tot = json_incref(json_array_get(t, 0));
	json_decref(t);
	return a;
fail:
	log_warnx("serve: overview: %s", store_errmsg(r->st));
	json_decref(a);
	json_decref(t);
	api_error(out, 500, "database", "database error");
	return NULL;
}

void
api_overview(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *a, *tot, *j, *fl;
	char d[16];

	if (params(r, out, &w, 0) != 0)
		return;
	if ((a = load(r, out, &w, &tot)) == NULL)
		return;
	j = json_object();
	day_str(w.since, d, sizeof(d));
	json_object_set_new(j, "since", json_string(d));
	day_str(w.until - DAY, d, sizeof(d));
	json_object_set_new(j, "until", json_string(d));
	json_object_set_new(j, "sort", json_string(sort_names[w.sort]));
	json_object_set_new(j, "dir", json_string(w.desc ? "desc" : "asc"));
	fl = json_array();
	for (size_t i = 0; i < NFILTER; i++)
		if (w.filter & filter_names[i].bit)
			json_array_append_new(fl, json_string(filter_names[i].name));
	json_object_set_new(j, "filter", fl);
	json_object_set_new(j, "silent_days", json_integer(SWO_SILENT_DAYS));
	json_object_set_new(j, "total", json_integer(tot ? geti(tot, "_total") : 0));
	json_object_set_new(j, "page", json_integer(w.offset / w.limit + 1));
	json_object_set_new(j, "per_page", json_integer(w.limit));
	json_object_set_new(j, "totals", totals(tot));
	json_decref(tot);
	for (size_t i = 0; i < json_array_size(a); i++)
		if (shape(r, json_array_get(a, i), &w) != 0) {
			log_warnx("serve: overview: %s", store_errmsg(r->st));
			json_decref(a);
			json_decref(j);
			api_error(out, 500, "database", "database error");
			return;
		}
	json_object_set_new(j, "rows", a);
	api_json(out, 200, j);
	out->cacheable = 1;
}

static const char *const csv_en[] = { "domain", "tenant", "messages", "dmarc_pass_pct",
    "spf_aligned_pct", "dkim_aligned_pct", "spoofing_suspected", "auth_failure", "p", "sp", "pct",
    "t", "next_step", "open_alerts", "reporters", "last_report_utc", "flags", "readiness", NULL };
static const char *const csv_ja[] = { "ドメイン", "テナント", "通数", "DMARC認証成功率(%)",
    "SPFアライメント成功率(%)", "DKIMアライメント成功率(%)", "なりすましの疑い(通)",
    "認証失敗(通)", "p", "sp", "pct", "t", "次の段階", "未対応アラート", "レポート送信元",
    "最終レポート (UTC)", "フラグ", "準備状況", NULL };

static void
csv_val(dbuf *b, json_t *x, int last)
{
	char buf[64];

	if (json_is_string(x))
		csv_field(b, json_string_value(x), last);
	else if (json_is_integer(x)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(x));
		csv_field(b, buf, last);
	} else if (json_is_real(x)) {
		snprintf(buf, sizeof(buf), "%.1f", json_real_value(x));
		csv_field(b, buf, last);
	} else
		csv_field(b, NULL, last);
}

void
api_overview_csv(wreq *r, wresp *out)
{
	store_web_query w;
	const char *lang = api_arg(r, "lang");
	int ja;
	json_t *a, *tot, *row;
	size_t i;
	char d[16], s[16];
	/* the header is copied when the response is made, in this thread */
	static _Thread_local char disp[96];

	if (params(r, out, &w, 1) != 0)
		return;
	if (lang != NULL && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) {
		api_error(out, 400, "bad_parameter", "a query parameter is malformed or out of range");
		return;
	}
	ja = lang != NULL && strcmp(lang, "ja") == 0;
	if ((a = load(r, out, &w, &tot)) == NULL)
		return;
	json_decref(tot);
	dbuf_reset(&out->body);
	if (ja)
		dbuf_addstr(&out->body, "\xEF\xBB\xBF");
	for (const char *const *h = ja ? csv_ja : csv_en; *h; h++)
		csv_field(&out->body, *h, h[1] == NULL);
	json_array_foreach(a, i, row) {
		json_t *f = json_array();
		char *flags;

		csv_val(&out->body, json_object_get(row, "domain"), 0);
		csv_val(&out->body, json_object_get(row, "tenant"), 0);
		csv_val(&out->body, json_object_get(row, "messages"), 0);
		for (const char *const *k = (const char *const[]){ "dmarc_pass", "spf_aligned",
		    "dkim_aligned", NULL }; *k; k++) {
			json_t *p = json_real(pct(geti(row, *k), geti(row, "messages")));

			csv_val(&out->body, p, 0);
			json_decref(p);
		}
		csv_val(&out->body, json_object_get(row, "spoofing"), 0);
		csv_val(&out->body, json_object_get(row, "auth_failure"), 0);
		csv_val(&out->body, json_object_get(row, "p"), 0);
		csv_val(&out->body, json_object_get(row, "sp"), 0);
		csv_val(&out->body, json_object_get(row, "pct"), 0);
		csv_val(&out->body, json_object_get(row, "testing"), 0);
		csv_val(&out->body, json_object_get(row, "next_step"), 0);
		csv_val(&out->body, json_object_get(row, "alerts"), 0);
		csv_val(&out->body, json_object_get(row, "reporters"), 0);
		day_str(geti(row, "last_end"), d, sizeof(d));
		csv_field(&out->body, d, 0);
		for (size_t k = 0; k < NFILTER; k++)
			if (geti(row, filter_names[k].name))
				json_array_append_new(f, json_string(filter_names[k].name));
		flags = NULL;
		{
			dbuf fb;
			size_t n;

			dbuf_init(&fb, 256);
			for (size_t k = 0; k < json_array_size(f); k++) {
				if (k > 0)
					dbuf_addc(&fb, ' ');
				dbuf_addstr(&fb, json_string_value(json_array_get(f, k)));
			}
			flags = dbuf_steal(&fb, &n);
		}
		csv_field(&out->body, flags, 0);
		csv_val(&out->body, json_object_get(row, "ready_level"), 1);
		free(flags);
		json_decref(f);
	}
	json_decref(a);
	out->status = 200;
	out->type = "text/csv; charset=utf-8";
	day_str(w.since, s, sizeof(s));
	day_str(w.until - DAY, d, sizeof(d));
	snprintf(disp, sizeof(disp), "attachment; filename=\"dmarc-overview-%s_%s.csv\"", s, d);
	out->disposition = disp;
}
