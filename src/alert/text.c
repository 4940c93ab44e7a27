/*
 * text.c - what an alert says, in Japanese or English: the subject, the
 * plain-text and HTML bodies of the mail (one alert, or several when the
 * domain's alerts are batched), the webhook's JSON, and the scheduled
 * summary, whose text is the digest of `dmarcscope summary --domain`
 * (stats_build + stats_digest, the same code).
 *
 * Ownership: the caller's dbufs receive the text; alert_json returns a
 * malloc'd string.  Numbers come from the alert's stored JSON; a missing
 * number prints as 0.
 *
 * Exports: alert_text, alert_json, alert_summary_text (alert.h).
 */
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "../analyze/stats.h"

static void
fmt_day(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static json_int_t
I(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static double
R(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const char *
S(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* One line: what happened, with its numbers. */
static void
sentence(const alert_view *a, json_t *n, int ja, dbuf *b)
{
	char day[16];
	const char *d = a->domain, *r = a->rule;

	fmt_day(a->day * 86400, day, sizeof(day));
	if (strcmp(r, RULE_SPOOF_START) == 0) {
		if (ja)
			dbuf_printf(b, "%s: %s のなりすましの疑いが %lld 通ありました（それまでの %d 日間は "
			    "1 日最大 %lld 通）。", day, d, (long long)I(n, "spoofing"),
			    (int)I(n, "quiet_days"), (long long)I(n, "max_before"));
		else
			dbuf_printf(b, "%s: %lld messages suspected of spoofing %s (at most %lld a day "
			    "over the %d days before).", day, (long long)I(n, "spoofing"), d,
			    (long long)I(n, "max_before"), (int)I(n, "quiet_days"));
	} else if (strcmp(r, RULE_SPOOF_SPIKE) == 0) {
		if (ja)
			dbuf_printf(b, "%s: %s のなりすましの疑いが急増しました: %lld 通（直近 %d 日の中央値 "
			    "%lld 通の %.1f 倍）。", day, d, (long long)I(n, "spoofing"),
			    (int)I(n, "window_days"), (long long)I(n, "median"), R(n, "factor"));
		else
			dbuf_printf(b, "%s: spoofing of %s jumped to %lld messages (%.1f times the median "
			    "of %lld over the last %d days).", day, d, (long long)I(n, "spoofing"),
			    R(n, "factor"), (long long)I(n, "median"), (int)I(n, "window_days"));
	} else if (strcmp(r, RULE_NEW_SOURCE) == 0) {
		if (ja)
			dbuf_printf(b, "%s: %s に新しい送信元 %s から %lld 通（DMARC 成功 %lld 通、"
			    "なりすましの疑い %lld 通）。", day, d, S(n, "prefix"),
			    (long long)I(n, "messages"), (long long)I(n, "dmarc_pass"),
			    (long long)I(n, "spoofing"));
		else
			dbuf_printf(b, "%s: a new sending source %s sent %lld messages as %s (%lld passed "
			    "DMARC, %lld suspected of spoofing).", day, S(n, "prefix"),
			    (long long)I(n, "messages"), d, (long long)I(n, "dmarc_pass"),
			    (long long)I(n, "spoofing"));
	} else if (strcmp(r, RULE_SENDER_FAIL) == 0) {
		int internal = strcmp(S(n, "sender_kind"), "internal") == 0;

		if (ja)
			dbuf_printf(b, "%s: %s の登録済みの送信元（%s）で認証失敗が増えました: DMARC 成功率 "
			    "%.1f%%（以前は %.1f%%）、失敗 %lld 通。", day, d, internal ? "自社" : "外部委託",
			    R(n, "pass_pct"), R(n, "before_pct"), (long long)I(n, "failed"));
		else
			dbuf_printf(b, "%s: your %s senders of %s are failing DMARC: %.1f%% passed (%.1f%% "
			    "before), %lld messages failed.", day, internal ? "internal" : "third-party",
			    d, R(n, "pass_pct"), R(n, "before_pct"), (long long)I(n, "failed"));
	} else if (strcmp(r, RULE_PASS_DROP) == 0) {
		if (ja)
			dbuf_printf(b, "%s: %s の DMARC 成功率が %.1f ポイント下がりました: %.1f%%（以前は "
			    "%.1f%%、なりすましの疑いを除く）。", day, d, R(n, "drop_points"),
			    R(n, "pass_pct"), R(n, "before_pct"));
		else
			dbuf_printf(b, "%s: the DMARC pass rate of %s dropped by %.1f points to "
			    "%.1f%% (%.1f%% before; spoofing not counted).", day, d, R(n, "drop_points"),
			    R(n, "pass_pct"), R(n, "before_pct"));
	} else if (strcmp(r, RULE_MISSING) == 0) {
		char last[16];

		fmt_day(I(n, "last_day") * 86400, last, sizeof(last));
		if (ja)
			dbuf_printf(b, "%s: %s から %s のレポートが届いていません（最後は %s、それまで毎日）。",
			    day, S(n, "reporter"), d, last);
		else
			dbuf_printf(b, "%s: %s stopped sending reports for %s (last on %s; daily before).",
			    day, S(n, "reporter"), d, last);
	} else if (strcmp(r, RULE_POLICY) == 0) {
		if (ja)
			dbuf_printf(b, "%s: %s の公開ポリシーが変わりました: %s → %s（%s のレポートより）。", day,
			    d, S(n, "before"), S(n, "after"), S(n, "reporter"));
		else
			dbuf_printf(b, "%s: the published policy of %s changed: %s -> %s (as %s reports it).",
			    day, d, S(n, "before"), S(n, "after"), S(n, "reporter"));
	} else if (strcmp(r, RULE_FAILURE) == 0) {
		if (ja)
			dbuf_printf(b, "%s: %s の失敗レポートが %lld 件届きました。最新: 件名「%s」、送信元 %s"
			    "（%s より）。", day, d, (long long)I(n, "reports"), S(n, "subject"),
			    S(n, "source_ip"), S(n, "reporter"));
		else
			dbuf_printf(b, "%s: %lld failure reports for %s. Newest: subject \"%s\" from %s "
			    "(reported by %s).", day, (long long)I(n, "reports"), d, S(n, "subject"),
			    S(n, "source_ip"), S(n, "reporter"));
	} else if (strcmp(r, "dns_record_changed") == 0) {
		json_t *ch = json_object_get(n, "changes");
		size_t i;
		json_t *c;

		if (ja)
			dbuf_printf(b, "%s: %s の DNS レコードが %lld 件変わりました。", day, d,
			    (long long)I(n, "count"));
		else
			dbuf_printf(b, "%s: %lld DNS records of %s changed.", day,
			    (long long)I(n, "count"), d);
		json_array_foreach(ch, i, c) {
			const char *bf = json_string_value(json_object_get(c, "before"));
			const char *af = json_string_value(json_object_get(c, "after"));

			if (i >= 8)
				break;
			dbuf_printf(b, "\n%s %s:\n  - %s\n  + %s", S(c, "kind"), S(c, "name"),
			    bf ? bf : (ja ? "（なし）" : "(none)"), af ? af : (ja ? "（なし）" : "(none)"));
		}
	} else {
		dbuf_printf(b, "%s: %s %s", day, d, r);
	}
}

static const char *
title(const char *rule, int ja)
{
	static const struct { const char *rule, *en, *ja; } t[] = {
		{ RULE_SPOOF_START, "Spoofing suspected", "なりすましの疑い" },
		{ RULE_SPOOF_SPIKE, "Spoofing spike", "なりすましの疑いが急増" },
		{ RULE_NEW_SOURCE, "New sending source", "新しい送信元" },
		{ RULE_SENDER_FAIL, "Your senders are failing", "登録済みの送信元で認証失敗" },
		{ RULE_PASS_DROP, "DMARC pass rate dropped", "DMARC 成功率の低下" },
		{ RULE_MISSING, "Reports stopped", "レポートが届いていません" },
		{ RULE_POLICY, "Published policy changed", "公開ポリシーの変更" },
		{ RULE_FAILURE, "Failure reports received", "失敗レポートの受信" },
		{ "dns_record_changed", "DNS record changed", "DNS レコードの変更" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].rule, rule) == 0)
			return ja ? t[i].ja : t[i].en;
	return rule;
}

static void
html_esc(dbuf *b, const char *s)
{
	char *e = g_markup_escape_text(s, -1);

	dbuf_addstr(b, e);
	g_free(e);
}

static void
url_of(const alert_cfg *c, const char *link, dbuf *b)
{
	dbuf_reset(b);
	if (c != NULL && c->base_url != NULL) {
		size_t n = strlen(c->base_url);

		dbuf_addstr(b, c->base_url);
		if (n > 0 && c->base_url[n - 1] != '/')
			dbuf_addc(b, '/');
	}
	dbuf_addstr(b, link);
}

void
alert_text(const alert_view *a, int n, const char *lang, const alert_cfg *c, dbuf *subject,
    dbuf *text, dbuf *html)
{
	int ja = lang != NULL && strcmp(lang, "ja") == 0;
	dbuf line, url;

	dbuf_init(&line, 1 << 16);
	dbuf_init(&url, 1 << 14);
	if (n == 1)
		dbuf_printf(subject, ja ? "[dmarcscope] %2$s: %1$s" : "[dmarcscope] %1$s: %2$s",
		    title(a[0].rule, ja), a[0].domain);
	else
		dbuf_printf(subject, ja ? "[dmarcscope] %s のアラート %d 件" : "[dmarcscope] %2$d alerts for %1$s",
		    a[0].domain, n);
	dbuf_addstr(html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
	for (int i = 0; i < n; i++) {
		json_t *num = json_loads(a[i].numbers ? a[i].numbers : "{}", 0, NULL);
		const char *k;
		json_t *v;

		dbuf_reset(&line);
		sentence(&a[i], num, ja, &line);
		url_of(c, a[i].link, &url);
		dbuf_printf(text, "%s\n\n%s\n\n", title(a[i].rule, ja), dbuf_cstr(&line));
		dbuf_addstr(html, "<h2>");
		html_esc(html, title(a[i].rule, ja));
		dbuf_addstr(html, "</h2><p>");
		html_esc(html, dbuf_cstr(&line));
		dbuf_addstr(html, "</p><table>");
		json_object_foreach(num, k, v) {
			char *vs = json_dumps(v, JSON_ENCODE_ANY);

			dbuf_printf(text, "  %-16s %s\n", k, vs ? vs : "");
			dbuf_addstr(html, "<tr><td>");
			html_esc(html, k);
			dbuf_addstr(html, "</td><td>");
			html_esc(html, vs ? vs : "");
			dbuf_addstr(html, "</td></tr>");
			free(vs);
		}
		dbuf_printf(text, "\n%s %s\n", ja ? "該当メールを表示:" : "Show the messages:",
		    dbuf_cstr(&url));
		dbuf_printf(text, ja ? "確認済みにする: dmarcscope alerts ack %lld\n\n" :
		    "Acknowledge: dmarcscope alerts ack %lld\n\n", (long long)a[i].id);
		dbuf_addstr(html, "</table><p><a href=\"");
		html_esc(html, dbuf_cstr(&url));
		dbuf_addstr(html, "\">");
		html_esc(html, ja ? "該当メールを表示" : "Show the messages");
		dbuf_addstr(html, "</a></p>");
		json_decref(num);
	}
	if (c == NULL || c->base_url == NULL)
		dbuf_addstr(text, ja ? "（リンクはポータルの URL からの相対パスです。[alerts] base_url で URL を"
		    "設定できます。）\n" : "(Links are relative to the portal's URL; set [alerts] base_url.)\n");
	dbuf_addstr(html, "</body></html>\n");
	dbuf_free(&line);
	dbuf_free(&url);
}

char *
alert_json(const alert_view *a, const char *format, const alert_cfg *c)
{
	json_t *o, *num = json_loads(a->numbers ? a->numbers : "{}", 0, NULL);
	dbuf en, ja, url;
	char day[16], *out;

	dbuf_init(&en, 1 << 16);
	dbuf_init(&ja, 1 << 16);
	dbuf_init(&url, 1 << 14);
	sentence(a, num, 0, &en);
	sentence(a, num, 1, &ja);
	url_of(c, a->link, &url);
	fmt_day(a->day * 86400, day, sizeof(day));
	if (format != NULL && strcmp(format, "slack") == 0) {
		/* Slack's and Teams' incoming webhooks both show "text" */
		dbuf_printf(&en, "\n%s", dbuf_cstr(&url));
		o = json_pack("{ss}", "text", dbuf_cstr(&en));
	} else {
		o = json_pack("{ss sI ss ss ss ss sO ss ss s{ss ss} s{ss ss}}", "event", "alert", "id",
		    (json_int_t)a->id, "domain", a->domain, "rule", a->rule, "subject_key",
		    a->subject_key ? a->subject_key : "", "day", day, "numbers", num ? num : json_null(),
		    "link", a->link, "url", dbuf_cstr(&url), "title", "en", title(a->rule, 0), "ja",
		    title(a->rule, 1), "text", "en", dbuf_cstr(&en), "ja", dbuf_cstr(&ja));
	}
	out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	json_decref(num);
	dbuf_free(&en);
	dbuf_free(&ja);
	dbuf_free(&url);
	return out;
}

int
alert_summary_text(store *st, const char *domain, const char *kind, int64_t start, int64_t end,
    const char *lang, dbuf *subject, dbuf *text, dbuf *html, char *err, size_t errlen)
{
	stats_query q = { domain, start, end, 5, 0 };
	int ja = lang != NULL && strcmp(lang, "ja") == 0, weekly = strcmp(kind, "weekly") == 0;
	char d0[16], d1[16];
	json_t *s = stats_build(st, &q, err, errlen);
	char *e;

	if (s == NULL)
		return -1;
	fmt_day(start, d0, sizeof(d0));
	fmt_day(end - 1, d1, sizeof(d1));
	if (ja)
		dbuf_printf(subject, "[dmarcscope] %s の%sサマリー %s〜%s", domain, weekly ? "週次" : "日次",
		    d0, d1);
	else
		dbuf_printf(subject, "[dmarcscope] %s summary for %s: %s to %s", weekly ? "Weekly" : "Daily",
		    domain, d0, d1);
	dbuf_printf(text, ja ? "%s（%s〜%s）\n\n" : "%s (%s to %s)\n\n", domain, d0, d1);
	stats_digest(s, ja ? "ja" : "en", text);
	json_decref(s);
	dbuf_addstr(html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><pre>");
	e = g_markup_escape_text(dbuf_cstr(text), -1);
	dbuf_addstr(html, e);
	g_free(e);
	dbuf_addstr(html, "</pre></body></html>\n");
	return 0;
}
