/*
 * ready.c - `dmarcscope readiness DOMAIN`: readiness for p=reject (issue 18
 * part 3, src/analyze/ready.c): the share of legitimate mail that would
 * fail an enforcing policy, by day/week and by sender; the day since which
 * the domain has met the threshold for 14 days in a row (or how far it is);
 * the record to publish next; what that record (and the current one) would
 * quarantine or reject, by class and by sender.  Text in --lang, or with
 * --json the JSON of GET /api/v1/readiness.
 *
 *   --days N              the last N days (30) up to the newest report's day
 *   --since D --until D   the period, YYYY-MM-DD, both days included
 *   --threshold P         percent of legitimate mail aligned (99.5; 50..100)
 *   --max-records N       records read for the per-sender breakdown (500000)
 *
 * Exit status: 0, or 2 on usage or a database error.
 * Exports: cmd_ready (cmd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "../analyze/ready.h"
#include "../store/store_ready.h"
#include "../util/log.h"
#include "../util/numfmt.h"

#define DAY 86400

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope readiness DOMAIN [--days N | --since YYYY-MM-DD --until YYYY-MM-DD]\n"
	    "                            [--threshold PERCENT] [--max-records N] [--json] [--lang ja|en]\n"
	    "\n"
	    "Readiness for p=reject: the share of legitimate mail (DMARC pass, and the\n"
	    "failures of My Senders and known services) that would fail, by day, week\n"
	    "and sender; since when the domain has met the threshold (99.5%% aligned) for\n"
	    "14 days in a row; the record to publish next; and what it would quarantine\n"
	    "or reject.  The period defaults to the 30 days up to the newest report.\n");
}

static int
newest_cb(void *ctx, const store_ready_policy *p)
{
	*(int64_t *)ctx = p->date_begin;
	return 0;
}

static const char *
S(const char *ja, const char *en, int isja)
{
	return isja ? ja : en;
}

static const char *
num(json_t *o, const char *k, char *b, size_t len)
{
	return fmt_group(json_integer_value(json_object_get(o, k)), b, len);
}

static void
pct_str(json_t *v, char *b, size_t len)
{
	if (json_is_number(v))
		snprintf(b, len, "%.2f%%", json_number_value(v));
	else
		snprintf(b, len, "-");
}

static const char *
step_text(const char *step, int ja)
{
	static const struct { const char *k, *ja, *en; } t[] = {
		{ "quarantine_test", "p=quarantine をテストモード(t=y)で公開", "p=quarantine in test mode (t=y)" },
		{ "quarantine", "t=y を外して p=quarantine を適用", "remove t=y: p=quarantine applies" },
		{ "reject_test", "p=reject をテストモード(t=y)で公開", "p=reject in test mode (t=y)" },
		{ "reject", "t=y を外して p=reject を適用", "remove t=y: p=reject applies" },
		{ "raise_pct", "pct を上げる", "raise pct" },
		{ "done", "p=reject を適用済み。次の段階はありません", "p=reject is in force: no next step" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].k, step) == 0)
			return ja ? t[i].ja : t[i].en;
	return step;
}

static void
print_text(json_t *j, int ja)
{
	json_t *tot = json_object_get(j, "totals"), *rd = json_object_get(j, "ready");
	json_t *pol = json_object_get(j, "policy"), *nx = json_object_get(j, "next");
	json_t *wi = json_object_get(json_object_get(j, "whatif"), "next");
	json_t *sn = json_object_get(j, "senders");
	static const char *cls[] = { "normal", "forwarded", "auth_failure", "spoofing_suspected" };
	static const char *cls_ja[] = { "正常", "転送", "認証失敗", "なりすましの疑い" };
	char a[32], b[32], c[32], d[32], p1[16], p2[16];
	const char *why = json_string_value(json_object_get(rd, "reason"));

	printf("%s: %s %s .. %s (%s %.1f%%)\n", json_string_value(json_object_get(j, "domain")),
	    S("p=reject への準備状況", "readiness for p=reject", ja),
	    json_string_value(json_object_get(j, "since")), json_string_value(json_object_get(j, "until")),
	    S("基準: 正規メールのアライメント", "threshold: legitimate mail aligned", ja),
	    json_number_value(json_object_get(j, "threshold")));
	pct_str(json_object_get(tot, "aligned_pct"), p1, sizeof(p1));
	pct_str(json_object_get(tot, "failing_pct"), p2, sizeof(p2));
	printf(S("正規メール: %s 通、アライメントあり %s 通 (%s)、失敗する %s 通 (%s)\n",
	    "legitimate mail: %s messages, %s aligned (%s), %s would fail (%s)\n", ja),
	    num(tot, "legitimate", a, sizeof(a)), num(tot, "aligned", b, sizeof(b)), p1,
	    num(tot, "failing", c, sizeof(c)), p2);
	printf(S("転送 %s 通、なりすましの疑い %s 通 (正規メールには数えません)\n",
	    "forwarded %s, spoofing suspected %s (not counted as legitimate)\n", ja),
	    num(tot, "forwarded", a, sizeof(a)), num(tot, "spoofing", b, sizeof(b)));
	if (json_is_true(json_object_get(rd, "met"))) {
		printf(S("基準を満たしています: %s から (%lld 日連続)\n", "threshold met since %s (%lld days in a row)\n",
		    ja), json_string_value(json_object_get(rd, "met_since")),
		    (long long)json_integer_value(json_object_get(rd, "run_days")));
	} else if (why != NULL && strcmp(why, "no_reports") == 0) {
		printf("%s\n", S("まだ基準を満たしていません: 期間内にレポートがありません",
		    "not yet: no reports in the period", ja));
	} else {
		pct_str(json_object_get(rd, "aligned_pct_14"), p1, sizeof(p1));
		printf(S("まだ基準を満たしていません (%s): 連続 %lld / 14 日、直近 14 日のアライメント %s、"
		    "基準まで %.2f ポイント、あと %s 通の失敗を解消\n",
		    "not yet (%s): %lld of 14 days in a row; last 14 days %s aligned, %.2f points short, "
		    "%s failing messages over the allowance\n", ja), why,
		    (long long)json_integer_value(json_object_get(rd, "run_days")), p1,
		    json_number_value(json_object_get(rd, "gap_pct")), num(rd, "to_fix", a, sizeof(a)));
	}
	printf(S("現在のレコード (%s): %s\n", "published (%s): %s\n", ja),
	    json_string_value(json_object_get(pol, "source")),
	    json_is_string(json_object_get(pol, "record")) ?
	    json_string_value(json_object_get(pol, "record")) : "-");
	printf(S("次の段階 (%s):\n  %s\n", "next step (%s):\n  %s\n", ja),
	    step_text(json_string_value(json_object_get(nx, "step")), ja),
	    json_string_value(json_object_get(nx, "record")));
	printf("%s\n", S("このレコードにした場合 (期間内):", "what-if for this record (over the period):", ja));
	printf("  %-22s %12s %12s %12s %12s\n", "", S("通数", "messages", ja), S("失敗", "failing", ja),
	    "quarantine", "reject");
	for (int i = 0; i < 4; i++) {
		json_t *x = json_object_get(wi, cls[i]);

		printf("  %-22s %12s %12s %12s %12s\n", ja ? cls_ja[i] : cls[i],
		    num(x, "messages", a, sizeof(a)),
		    num(x, "failing", b, sizeof(b)), num(x, "quarantined", c, sizeof(c)),
		    num(x, "rejected", d, sizeof(d)));
	}
	printf("%s\n", S("送信元ごと:", "by sender:", ja));
	for (size_t i = 0; i < json_array_size(sn); i++) {
		json_t *x = json_array_get(sn, i), *nq = json_object_get(x, "next");
		const char *k = json_string_value(json_object_get(x, "kind"));
		char label[300];

		const char *mt = json_string_value(json_object_get(x, "match_type"));
		const char *va = json_string_value(json_object_get(x, "value"));
		const char *sv = json_string_value(json_object_get(x, "service"));

		if (strcmp(k, "sender") == 0)
			snprintf(label, sizeof(label), "%s %s", mt ? mt : "?", va ? va : "?");
		else if (strcmp(k, "service") == 0)
			snprintf(label, sizeof(label), "%s", sv ? sv : "?");
		else
			snprintf(label, sizeof(label), "%s", S("(その他の送信元)", "(other sources)", ja));
		pct_str(json_object_get(x, "failing_pct"), p1, sizeof(p1));
		printf("  %-32.64s %12s %12s %9s %12s %12s\n", label, num(x, "legitimate", a, sizeof(a)),
		    num(x, "failing", b, sizeof(b)), p1, num(nq, "quarantined", c, sizeof(c)),
		    num(nq, "rejected", d, sizeof(d)));
	}
	if (json_is_true(json_object_get(json_object_get(j, "records"), "cut")))
		printf(S("(送信元ごとの集計は新しいレコードから上限まで: %s 以降)\n",
		    "(the breakdown by sender covers the newest records up to the bound: since %s)\n", ja),
		    json_string_value(json_object_get(json_object_get(j, "records"), "since")));
}

static int
own_opt(void *ctx, int ch, const char *arg)
{
	ready_opts *o = ctx;
	char *end;
	int64_t v;

	switch (ch) {
	case 't':
		o->threshold = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(o->threshold >= 50 && o->threshold <= 100)) {
			log_warnx("readiness: --threshold: a percentage from 50 to 100");
			return 2;
		}
		return 0;
	case 'm':
		if (cmd_parse_num("--max-records", arg, 1, 100000000, &v) != 0)
			return 2;
		o->max_records = v;
		return 0;
	}
	usage(stderr);
	return 2;
}

int
cmd_ready(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "max-records", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	static const cmd_dom_spec spec = { .cmd = "readiness", .use = CMD_DO_DAYS | CMD_DO_SINCE |
		CMD_DO_UNTIL, .days = 30, .days_max = READY_MAX_PERIOD_DAYS,
		.date_hint = "YYYY-MM-DD", .usage = usage, .own = opts, .own_opt = own_opt };
	cmd_dom_opts d;
	int found = 0, rc;
	int64_t newest = 0;
	ready_opts o;
	char err[512];
	store *s;
	json_t *j;

	memset(&o, 0, sizeof(o));
	o.threshold = 99.5;
	if ((rc = cmd_dom_parse(&spec, &d, &o, argc, argv)) >= 0)
		return rc;
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	if (cmd_catch_up(s) != 0) {
		store_close(s);
		return 2;
	}
	if (d.until == 0) {
		/* the day of the newest report, else today */
		if (store_has(s, ready) && store_ready_policy_get(s, d.domain, INT64_MAX, newest_cb,
		    &newest, &found) != STORE_OK) {
			log_warnx("readiness: %s", store_errmsg(s));
			store_close(s);
			return 2;
		}
		d.until = (found ? newest : (int64_t)time(NULL)) / DAY * DAY + DAY;
	}
	if (d.since == 0)
		d.since = d.until - d.days * DAY;
	o.domain = d.domain;
	o.since = d.since;
	o.until = d.until;
	if ((j = ready_build(s, &o, err, sizeof(err))) == NULL) {
		log_warnx("readiness: %s", err);
		store_close(s);
		return 2;
	}
	store_close(s);
	if (d.json) {
		char *t = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);

		printf("%s\n", t);
		free(t);
	} else {
		print_text(j, strcmp(d.lang, "ja") == 0);
	}
	json_decref(j);
	return 0;
}
