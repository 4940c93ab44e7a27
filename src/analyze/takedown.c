/*
 * takedown.c - the take-down request for one spoofing host (issue 18 part 5):
 * a plain-text mail in Japanese or English, addressed to the RDAP abuse
 * contact of the host's network when enrichment found one, with the
 * evidence from the feed (period, messages, days, receivers that reported
 * it, the domains, failure reports with sample subjects and dates).  It is
 * shown for the admin to copy and send; nothing here sends anything.
 * Subjects come from failure reports (untrusted): control characters are
 * replaced and each is cut to FEED_SUBJECT_MAX bytes at a UTF-8 boundary.
 *
 * Exports: feed_takedown (feed.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "feed.h"

#define FEED_SUBJECT_MAX 120

static const char *
nz(const char *s, const char *dflt)
{
	return s != NULL && *s != '\0' ? s : dflt;
}

static void
minute(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void
subject(dbuf *out, const char *s)
{
	size_t n = strlen(s), cut = n;

	if (n > FEED_SUBJECT_MAX) {
		cut = FEED_SUBJECT_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++)
		dbuf_addc(out, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i]);
	if (cut < n)
		dbuf_addstr(out, "...");
}

/* "a, b, c" from "a,b,c" */
static void
list(dbuf *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == ',')
			dbuf_addstr(out, ", ");
		else
			dbuf_addc(out, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
}

static void
host_line(dbuf *out, const feed_host *h)
{
	dbuf_addstr(out, h->ip);
	if (h->ptr != NULL)
		dbuf_printf(out, " (%s)", h->ptr);
	if (h->asn > 0)
		dbuf_printf(out, ", AS%lld%s%s", (long long)h->asn, h->as_name ? " " : "",
		    h->as_name ? h->as_name : "");
	if (h->country != NULL)
		dbuf_printf(out, ", %s", h->country);
}

static void
ja(const feed *f, const feed_host *h, dbuf *out)
{
	char a[32], b[32], c[32];

	feed_date(f->o.since, a, sizeof(a));
	feed_date(f->o.until - 1, b, sizeof(b));
	dbuf_printf(out, "件名: なりすましメール送信ホストの調査と停止のお願い (%s)\n", h->ip);
	if (h->abuse_email != NULL)
		dbuf_printf(out, "宛先: %s (RDAP の不正利用の連絡先: %s)\n", h->abuse_email,
		    nz(h->rdap_org, nz(h->rdap_name, nz(h->rdap_handle, "-"))));
	else
		dbuf_addstr(out, "宛先: (RDAP に不正利用の連絡先が見つかりません。ネットワークの管理者を確認してください)\n");
	dbuf_addstr(out, "\nご担当者様\n\n");
	dbuf_addstr(out, "突然のご連絡失礼いたします。");
	list(out, h->domains);
	dbuf_addstr(out, " のドメイン管理者です。\n受信側から届いた DMARC 集計レポートにより、貴ネットワークのホスト ");
	host_line(out, h);
	dbuf_addstr(out, " が、当ドメインを名乗るメールを許可なく送信していることを確認しました。"
	    "これらのメールは SPF・DKIM とも認証に失敗しており、当ドメインの正規の送信元ではありません。\n\n");
	dbuf_addstr(out, "■ 確認した内容\n");
	dbuf_printf(out, "- 対象期間: %s 〜 %s (UTC)\n", a, b);
	feed_date(h->first_seen, a, sizeof(a));
	feed_date(h->last_seen, b, sizeof(b));
	dbuf_printf(out, "- 送信元IPアドレス: %s\n", h->ip);
	dbuf_printf(out, "- 通数: %lld 通 (%lld 日間、初回 %s、最終 %s)\n", (long long)h->messages,
	    (long long)h->days, a, b);
	dbuf_addstr(out, "- 名乗られたドメイン: ");
	list(out, h->domains);
	dbuf_printf(out, "\n- 報告した受信側: %lld 組織 (", (long long)h->nreporters);
	list(out, h->reporters);
	dbuf_addstr(out, ")\n");
	if (h->fail_count > 0) {
		feed_date(h->fail_first, a, sizeof(a));
		feed_date(h->fail_last, b, sizeof(b));
		dbuf_printf(out, "- 失敗レポート: %lld 件 (%s 〜 %s)\n", (long long)h->fail_count, a, b);
		if (h->nsamples > 0)
			dbuf_addstr(out, "- 件名の例:\n");
		for (int k = 0; k < h->nsamples; k++) {
			minute(h->samples[k].at, c, sizeof(c));
			dbuf_addstr(out, "    「");
			subject(out, nz(h->samples[k].subject, "(件名なし)"));
			dbuf_printf(out, "」 (%s)\n", c);
		}
	}
	dbuf_addstr(out, "\nマルウェア感染や不正利用によって送信に使われている可能性があります。"
	    "お手数ですが、該当ホストの調査と送信の停止をお願いいたします。"
	    "追加の情報が必要でしたら、このメールにご返信ください。\n\nよろしくお願いいたします。\n");
}

static void
en(const feed *f, const feed_host *h, dbuf *out)
{
	char a[32], b[32], c[32];

	feed_date(f->o.since, a, sizeof(a));
	feed_date(f->o.until - 1, b, sizeof(b));
	dbuf_printf(out, "Subject: Spoofed mail sent from %s: please investigate and stop it\n", h->ip);
	if (h->abuse_email != NULL)
		dbuf_printf(out, "To: %s (RDAP abuse contact of %s)\n", h->abuse_email,
		    nz(h->rdap_org, nz(h->rdap_name, nz(h->rdap_handle, "-"))));
	else
		dbuf_addstr(out, "To: (no abuse contact found in RDAP: find the network's operator)\n");
	dbuf_addstr(out, "\nHello,\n\nWe manage the domain ");
	list(out, h->domains);
	dbuf_addstr(out, ". DMARC aggregate reports from receiving mail systems show that the host ");
	host_line(out, h);
	dbuf_addstr(out, " in your network sent mail claiming to be from our domain without our "
	    "authorization. The mail failed both SPF and DKIM: the host is not one of our "
	    "senders.\n\n");
	dbuf_addstr(out, "Evidence:\n");
	dbuf_printf(out, "- Period examined: %s to %s (UTC)\n", a, b);
	feed_date(h->first_seen, a, sizeof(a));
	feed_date(h->last_seen, b, sizeof(b));
	dbuf_printf(out, "- Source IP address: %s\n", h->ip);
	dbuf_printf(out, "- Messages: %lld on %lld day%s (first seen %s, last seen %s)\n",
	    (long long)h->messages, (long long)h->days, h->days == 1 ? "" : "s", a, b);
	dbuf_addstr(out, "- Domains used: ");
	list(out, h->domains);
	dbuf_printf(out, "\n- Reported by %lld receivers (", (long long)h->nreporters);
	list(out, h->reporters);
	dbuf_addstr(out, ")\n");
	if (h->fail_count > 0) {
		feed_date(h->fail_first, a, sizeof(a));
		feed_date(h->fail_last, b, sizeof(b));
		dbuf_printf(out, "- Failure reports: %lld (%s to %s)\n", (long long)h->fail_count, a, b);
		if (h->nsamples > 0)
			dbuf_addstr(out, "- Sample subjects:\n");
		for (int k = 0; k < h->nsamples; k++) {
			minute(h->samples[k].at, c, sizeof(c));
			dbuf_addstr(out, "    \"");
			subject(out, nz(h->samples[k].subject, "(no subject)"));
			dbuf_printf(out, "\" (%s)\n", c);
		}
	}
	dbuf_addstr(out, "\nThe host may be compromised or misused. Please investigate it and stop "
	    "the mail. Reply to this message if you need more information.\n\nBest regards,\n");
}

void
feed_takedown(const feed *f, const feed_host *h, const char *lang, dbuf *out)
{
	if (lang != NULL && strcmp(lang, "ja") == 0)
		ja(f, h, out);
	else
		en(f, h, out);
}
