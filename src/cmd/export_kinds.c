/*
 * export_kinds.c - `dmarcscope export --kind failure|tlsrpt --format
 * json|csv|parsedmarc-json|parsedmarc-csv` (docs/CLI.md).  export.c parses
 * the options and opens the output; this file walks the stored documents
 * (store_kinds_ops.each, oldest first) and writes one of four shapes:
 *
 *   json             the stored model (the parser's canonical JSON, as in
 *                    tests/kinds/cases/x/expect.json) with the store's id,
 *                    raw_id and ingested_at first; one object per report
 *   csv              failure: one row per report (the threats list's
 *                    columns, URLs defanged); tlsrpt: one row per policy and
 *                    result ("success", then each failure detail), so the
 *                    sessions column sums by result
 *   parsedmarc-json  parsedmarc's failure report / SMTP TLS report objects
 *   parsedmarc-csv   parsedmarc's failure / SMTP TLS CSV columns
 *
 * Every CSV goes through src/util/csv.c (formulas defused); every JSON
 * string through jansson.  A model that does not parse (it never should:
 * the store wrote it) is exported as {"id":N,"error":"..."} and counted as
 * an error.  Source reverse DNS / country / base domain come from the
 * enrichment cache (enrich_memo), empty until enriched.
 *
 * Exports: export_kinds (export_kinds.h).  Errors: -1 with the store's
 * message printed; write errors in *werr.
 */
#include <ctype.h>
#include <errno.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "export_kinds.h"
#include "../enrich/enrich.h"
#include "../report/kind.h"
#include "../store/store_kinds.h"
#include "../util/log.h"

typedef struct kx {
	FILE *out;
	int kind, fmt, ja, n, err, werr;
	const char *domain;
	const csv_tz *tz;
	enrich_memo *memo;
	dbuf line;
} kx;

/* ---- small helpers ------------------------------------------------------ */

static const char *
sv(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* a copy of o's member k, or null */
static json_t *
jcopy(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return v != NULL ? json_deep_copy(v) : json_null();
}

static void
put(kx *x, const char *p, size_t n)
{
	if (x->werr == 0 && n > 0 && fwrite(p, 1, n, x->out) != n)
		x->werr = errno != 0 ? errno : EIO;
}

static void
puts_x(kx *x, const char *s)
{
	put(x, s, strlen(s));
}

static void
dump(kx *x, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s != NULL) {
		puts_x(x, s);
		free(s);
	}
	json_decref(o);
}

static void
end_line(kx *x)
{
	put(x, x->line.data, x->line.len);
	dbuf_reset(&x->line);
}

/* t shifted into tz, "YYYY-MM-DD HH:MM:SS" (no zone: the header names it) */
static void
fmt_time(int64_t t, int offset, char *buf, size_t len)
{
	time_t tt = (time_t)(t + offset);
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		buf[0] = '\0';
}

/* "2024-01-02T10:05:00Z" (what the parsers write) → unix, 0 when not that */
static int64_t
iso_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm);
}

static void
num(char *buf, size_t len, const json_t *v)
{
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
}

/* Joins the strings of arr (or member key of each object of arr) with sep. */
static void
join(dbuf *b, const json_t *arr, const char *key, const char *sep)
{
	size_t i;
	json_t *v;

	dbuf_reset(b);
	json_array_foreach(arr, i, v) {
		const char *s = key != NULL ? sv(v, key) : json_string_value(v);

		if (s == NULL)
			continue;
		if (b->len > 0)
			dbuf_addstr(b, sep);
		dbuf_addstr(b, s);
	}
}

typedef struct host_cols {
	const char *ptr, *country, *base;
} host_cols;

static void
host_of(kx *x, const char *ip, host_cols *h)
{
	memset(h, 0, sizeof(*h));
	if (ip != NULL && x->memo != NULL &&
	    enrich_memo_get(x->memo, ip, &h->ptr, &h->country, &h->base) != 0)
		x->err = 1;
}

/* ---- failure reports ---------------------------------------------------- */

/* When the report arrived: Arrival-Date, else the report's date, else ingest. */
static int64_t
arrival(const json_t *m, const store_kind_row *row)
{
	const json_t *a = json_object_get(m, "arrival_time");
	int64_t t;

	if (json_is_integer(a) && json_integer_value(a) > 0)
		return json_integer_value(a);
	if ((t = iso_time(sv(m, "report_date"))) > 0)
		return t;
	return row->ingested_at;
}

/* One mailbox of an address header: GMime parses it. */
typedef struct mbox {
	char name[512], addr[512];
} mbox;

static int
mbox_parse(const char *s, int index, mbox *mb)
{
	InternetAddressList *l;
	InternetAddress *a;
	int ok = 0;

	mb->name[0] = mb->addr[0] = '\0';
	if (s == NULL || (l = internet_address_list_parse(NULL, s)) == NULL)
		return 0;
	if (index < internet_address_list_length(l) &&
	    INTERNET_ADDRESS_IS_MAILBOX((a = internet_address_list_get_address(l, index)))) {
		const char *n = internet_address_get_name(a);

		snprintf(mb->name, sizeof(mb->name), "%s", n != NULL ? n : "");
		snprintf(mb->addr, sizeof(mb->addr), "%s",
		    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
		ok = 1;
	}
	g_object_unref(l);
	return ok;
}

/* the domain of an address, lower case, into buf ("" when none) */
static const char *
addr_domain(const char *addr, char *buf, size_t len)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	size_t i = 0;

	if (at != NULL)
		for (at++; *at && i + 1 < len; at++)
			buf[i++] = (char)tolower((unsigned char)*at);
	buf[i] = '\0';
	return buf;
}

/* Reported-Domain, else the domain of the sample's From (as the store does). */
static const char *
policy_domain(const json_t *m, char *buf, size_t len)
{
	const char *d = sv(json_object_get(m, "feedback"), "reported_domain");
	mbox mb;

	if (d != NULL && *d) {
		snprintf(buf, len, "%s", d);
		for (char *p = buf; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return buf;
	}
	if (mbox_parse(sv(json_object_get(m, "sample"), "from"), 0, &mb))
		return addr_domain(mb.addr, buf, len);
	buf[0] = '\0';
	return buf;
}

static const char *const fail_cols[2][19] = {
	{ "arrival_time", "reporter", "source_ip", "reverse_dns", "country_code", "policy_domain",
	  "feedback_type", "auth_failure", "delivery_result", "subject", "header_from", "envelope_from",
	  "rcpt_to", "message_id", "dkim_domain", "url_count", "attachment_count", "flags",
	  "urls" },
	{ "受信日時", "レポート送信者", "送信元IPアドレス", "逆引きドメイン", "国コード",
	  "ポリシードメイン", "フィードバック種別", "認証失敗", "配送結果", "件名", "ヘッダFrom",
	  "エンベロープFrom", "宛先", "Message-ID", "DKIMドメイン", "URL数", "添付ファイル数",
	  "フラグ", "URL" },
};

static void
fail_csv(kx *x, const json_t *m, const store_kind_row *row)
{
	const json_t *fb = json_object_get(m, "feedback"), *sa = json_object_get(m, "sample");
	char t[32], pd[256], nu[32], na[32];
	host_cols h;
	dbuf tmp;

	host_of(x, sv(m, "source_ip"), &h);
	fmt_time(arrival(m, row), x->tz->offset, t, sizeof(t));
	csv_field(&x->line, t, 0);
	csv_field(&x->line, sv(m, "reporter"), 0);
	csv_field(&x->line, sv(m, "source_ip"), 0);
	csv_field(&x->line, h.ptr, 0);
	csv_field(&x->line, h.country, 0);
	csv_field(&x->line, policy_domain(m, pd, sizeof(pd)), 0);
	csv_field(&x->line, sv(fb, "feedback_type") ? sv(fb, "feedback_type") : sv(m, "kind"), 0);
	csv_field(&x->line, sv(fb, "auth_failure"), 0);
	csv_field(&x->line, sv(fb, "delivery_result"), 0);
	csv_field(&x->line, sv(sa, "subject"), 0);
	csv_field(&x->line, sv(sa, "from"), 0);
	csv_field(&x->line, sv(fb, "original_mail_from"), 0);
	csv_field(&x->line, sv(fb, "original_rcpt_to"), 0);
	csv_field(&x->line, sv(sa, "message_id"), 0);
	csv_field(&x->line, sv(fb, "dkim_domain"), 0);
	snprintf(nu, sizeof(nu), "%zu", json_array_size(json_object_get(m, "urls")));
	snprintf(na, sizeof(na), "%zu", json_array_size(json_object_get(m, "attachments")));
	csv_field(&x->line, nu, 0);
	csv_field(&x->line, na, 0);
	dbuf_init(&tmp, (size_t)1 << 22);
	join(&tmp, json_object_get(m, "flags"), NULL, " ");
	csv_field(&x->line, dbuf_cstr(&tmp), 0);
	/* defanged: a spreadsheet must not turn a phishing URL into a link */
	join(&tmp, json_object_get(m, "urls"), "defanged", " ");
	csv_field(&x->line, dbuf_cstr(&tmp), 1);
	dbuf_free(&tmp);
	end_line(x);
}

/* parsedmarc normalises Delivery-Result to one of five words */
static const char *
pd_delivery(const char *s)
{
	static const char *const words[] = { "delivered", "spam", "policy", "reject", "other" };

	for (size_t i = 0; s != NULL && i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(s, words[i]) != NULL)
			return words[i];
	return "other";	/* absent or unknown: parsedmarc says "other" */
}

/* "a, b" → ["a","b"]; NULL (or "none" when none_empty) → [] */
static json_t *
split_list(const char *s, int none_empty)
{
	json_t *a = json_array();

	if (s == NULL || (none_empty && strcasecmp(s, "none") == 0))
		return a;
	while (*s) {
		size_t n = strcspn(s, ",");
		const char *e = s + n;

		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s)
			json_array_append_new(a, json_stringn(s, (size_t)(e - s)));
		s += n;
		if (*s == ',')
			s++;
	}
	return a;
}

static json_t *
pd_addr(const mbox *mb)
{
	json_t *o = json_object();
	const char *at = strrchr(mb->addr, '@');
	char d[256];

	json_object_set_new(o, "display_name", mb->name[0] ? json_string(mb->name) : json_null());
	json_object_set_new(o, "address", json_string(mb->addr));
	json_object_set_new(o, "local", at != NULL ? json_stringn(mb->addr,
	    (size_t)(at - mb->addr)) : json_string(mb->addr));
	json_object_set_new(o, "domain", at != NULL ? json_string(addr_domain(mb->addr, d,
	    sizeof(d))) : json_null());
	return o;
}

static json_t *
pd_sample(const json_t *sa, const json_t *m)
{
	json_t *o = json_object(), *hd = json_object(), *to = json_array(), *tod = json_array(),
	    *att = json_array(), *v;
	mbox mb;
	size_t i;
	char d[256];

	json_object_set_new(o, "from", mbox_parse(sv(sa, "from"), 0, &mb) ? pd_addr(&mb) :
	    json_null());
	for (int k = 0; k < 100 && mbox_parse(sv(sa, "to"), k, &mb); k++) {
		json_array_append_new(to, pd_addr(&mb));
		json_array_append_new(tod, json_string(addr_domain(mb.addr, d, sizeof(d))));
	}
	json_object_set_new(o, "to_domains", tod);
	json_object_set_new(o, "to", to);
	json_object_set_new(o, "subject", jcopy(sa, "subject"));
	if (iso_time(sv(sa, "date")) > 0) {
		fmt_time(iso_time(sv(sa, "date")), 0, d, sizeof(d));
		json_object_set_new(o, "date", json_string(d));
	} else {
		json_object_set_new(o, "date", json_null());
	}
	if (sv(sa, "message_id") != NULL) {
		char mid[1100];

		snprintf(mid, sizeof(mid), "<%s>", sv(sa, "message_id"));
		json_object_set_new(o, "message-id", json_string(mid));
	} else {
		json_object_set_new(o, "message-id", json_null());
	}
	/* parsedmarc keeps one value per header name: the first here */
	json_array_foreach(json_object_get(sa, "headers"), i, v)
		if (sv(v, "name") != NULL && json_object_get(hd, sv(v, "name")) == NULL)
			json_object_set_new(hd, sv(v, "name"), jcopy(v, "value"));
	json_object_set_new(o, "headers", hd);
	json_object_set_new(o, "body", jcopy(sa, "text"));
	json_array_foreach(json_object_get(m, "attachments"), i, v) {
		json_t *a = json_object();

		json_object_set_new(a, "filename", jcopy(v, "name"));
		json_object_set_new(a, "mail_content_type", jcopy(v, "content_type"));
		json_object_set_new(a, "sha256", jcopy(v, "sha256"));
		json_array_append_new(att, a);
	}
	json_object_set_new(o, "attachments", att);
	return o;
}

/* the sample as text: its headers, a blank line, its decoded text */
static json_t *
pd_sample_text(const json_t *sa)
{
	dbuf b;
	size_t i;
	json_t *v, *r;

	dbuf_init(&b, (size_t)1 << 24);
	json_array_foreach(json_object_get(sa, "headers"), i, v)
		dbuf_printf(&b, "%s: %s\n", sv(v, "name") ? sv(v, "name") : "",
		    sv(v, "value") ? sv(v, "value") : "");
	dbuf_addc(&b, '\n');
	if (sv(sa, "text") != NULL)
		dbuf_addstr(&b, sv(sa, "text"));
	r = json_stringn(b.data, b.len);
	dbuf_free(&b);
	return r != NULL ? r : json_null();
}

static json_t *
pd_failure(kx *x, const json_t *m, const store_kind_row *row, host_cols *h)
{
	const json_t *fb = json_object_get(m, "feedback"), *sa = json_object_get(m, "sample");
	json_t *o = json_object(), *src = json_object();
	char t[32], pd[256];
	int64_t at = arrival(m, row);
	int headers_only;

	host_of(x, sv(m, "source_ip"), h);
	/* the sample is text/rfc822-headers (no body was sent) */
	headers_only = sv(sa, "kind") != NULL && strcmp(sv(sa, "kind"), "headers") == 0;
	json_object_set_new(o, "feedback_type", sv(fb, "feedback_type") ?
	    json_string(sv(fb, "feedback_type")) : json_string("auth-failure"));
	json_object_set_new(o, "user_agent", jcopy(fb, "user_agent"));
	json_object_set_new(o, "version", jcopy(fb, "version"));
	json_object_set_new(o, "original_envelope_id", jcopy(fb, "original_envelope_id"));
	json_object_set_new(o, "original_mail_from", jcopy(fb, "original_mail_from"));
	json_object_set_new(o, "original_rcpt_to", jcopy(fb, "original_rcpt_to"));
	fmt_time(at, 0, t, sizeof(t));
	json_object_set_new(o, "arrival_date", sv(fb, "arrival_date") ?
	    json_string(sv(fb, "arrival_date")) : json_string(t));
	json_object_set_new(o, "arrival_date_utc", json_string(t));
	/* the feedback's Message-ID, else the sample's, in its <> as parsedmarc has it */
	if (sv(fb, "message_id") == NULL && sv(sa, "message_id") != NULL) {
		char mid[1100];

		snprintf(mid, sizeof(mid), "<%s>", sv(sa, "message_id"));
		json_object_set_new(o, "message_id", json_string(mid));
	} else {
		json_object_set_new(o, "message_id", jcopy(fb, "message_id"));
	}
	json_object_set_new(o, "authentication_results", jcopy(fb, "authentication_results"));
	json_object_set_new(o, "delivery_result", jstr(pd_delivery(sv(fb, "delivery_result"))));
	json_object_set_new(o, "auth_failure", split_list(sv(fb, "auth_failure") ?
	    sv(fb, "auth_failure") : "dmarc", 0));
	json_object_set_new(o, "authentication_mechanisms",
	    split_list(sv(fb, "identity_alignment"), 1));
	json_object_set_new(o, "reported_domain", json_string(policy_domain(m, pd, sizeof(pd))));
	json_object_set_new(src, "ip_address", jcopy(m, "source_ip"));
	json_object_set_new(src, "country", jstr(h->country));
	json_object_set_new(src, "reverse_dns", jstr(h->ptr));
	json_object_set_new(src, "base_domain", jstr(h->base));
	json_object_set_new(src, "name", json_null());
	json_object_set_new(src, "type", json_null());
	json_object_set_new(src, "asn", json_null());
	json_object_set_new(src, "as_name", json_null());
	json_object_set_new(src, "as_domain", json_null());
	json_object_set_new(o, "source", src);
	json_object_set_new(o, "dkim_domain", jcopy(fb, "dkim_domain"));
	json_object_set_new(o, "sample_headers_only", json_boolean(headers_only));
	json_object_set_new(o, "sample", pd_sample_text(sa));
	json_object_set_new(o, "parsed_sample", pd_sample(sa, m));
	return o;
}

static void
pd_failure_csv(kx *x, const json_t *m, const store_kind_row *row)
{
	host_cols h;
	json_t *o = pd_failure(x, m, row, &h), *src = json_object_get(o, "source");
	dbuf tmp;
	static const char *const plain[] = { "feedback_type", "user_agent", "version",
	    "original_envelope_id", "original_mail_from", "original_rcpt_to", "arrival_date",
	    "arrival_date_utc" };

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		csv_field(&x->line, sv(o, plain[i]), 0);
	csv_field(&x->line, sv(json_object_get(o, "parsed_sample"), "subject"), 0);
	csv_field(&x->line, sv(o, "message_id"), 0);
	csv_field(&x->line, sv(o, "authentication_results"), 0);
	csv_field(&x->line, sv(o, "dkim_domain"), 0);
	csv_field(&x->line, sv(src, "ip_address"), 0);
	csv_field(&x->line, h.country, 0);
	csv_field(&x->line, h.ptr, 0);
	csv_field(&x->line, h.base, 0);
	for (int i = 0; i < 5; i++)	/* name, type, asn, as_name, as_domain */
		csv_field(&x->line, NULL, 0);
	csv_field(&x->line, sv(o, "delivery_result"), 0);
	dbuf_init(&tmp, (size_t)1 << 16);
	join(&tmp, json_object_get(o, "auth_failure"), NULL, ",");
	csv_field(&x->line, dbuf_cstr(&tmp), 0);
	csv_field(&x->line, sv(o, "reported_domain"), 0);
	join(&tmp, json_object_get(o, "authentication_mechanisms"), NULL, ",");
	csv_field(&x->line, dbuf_cstr(&tmp), 0);
	dbuf_free(&tmp);
	csv_field(&x->line, json_is_true(json_object_get(o, "sample_headers_only")) ? "True" :
	    "False", 1);
	json_decref(o);
	end_line(x);
}

/* ---- TLS reports -------------------------------------------------------- */

static int
domain_ok(kx *x, const json_t *pol)
{
	const char *d = sv(pol, "policy_domain");

	return x->domain == NULL || (d != NULL && strcasecmp(d, x->domain) == 0);
}

/* csv: one row per policy and result: "success", then each failure detail */
static void
tls_csv_row(kx *x, const json_t *m, const json_t *pol, const char *result, const json_t *n,
    const json_t *fd)
{
	char b[32], e[32], c[32];
	static const char *const detail[] = { "sending_mta_ip", "receiving_ip",
	    "receiving_mx_hostname", "receiving_mx_helo", "failure_reason_code",
	    "additional_information" };

	fmt_time(json_integer_value(json_object_get(m, "begin")), x->tz->offset, b, sizeof(b));
	fmt_time(json_integer_value(json_object_get(m, "end")), x->tz->offset, e, sizeof(e));
	num(c, sizeof(c), n);
	csv_field(&x->line, b, 0);
	csv_field(&x->line, e, 0);
	csv_field(&x->line, sv(m, "organization_name"), 0);
	csv_field(&x->line, sv(m, "report_id"), 0);
	csv_field(&x->line, sv(pol, "policy_domain"), 0);
	csv_field(&x->line, sv(pol, "policy_type"), 0);
	csv_field(&x->line, result, 0);
	csv_field(&x->line, c, 0);
	for (size_t i = 0; i < sizeof(detail) / sizeof(detail[0]); i++)
		csv_field(&x->line, fd != NULL ? sv(fd, detail[i]) : NULL,
		    i + 1 == sizeof(detail) / sizeof(detail[0]));
	end_line(x);
}

static const char *const tls_cols[2][14] = {
	{ "begin", "end", "organization", "report_id", "policy_domain", "policy_type", "result",
	  "sessions", "sending_mta_ip", "receiving_ip", "receiving_mx_hostname",
	  "receiving_mx_helo", "failure_reason_code", "additional_information" },
	{ "開始日時", "終了日時", "レポート送信者", "レポートID", "ポリシードメイン",
	  "ポリシー種別", "結果", "セッション数", "送信MTAのIPアドレス", "受信IPアドレス",
	  "受信MXホスト名", "受信MXのHELO", "失敗理由コード", "追加情報" },
};

static void
tls_csv(kx *x, const json_t *m)
{
	size_t i, j;
	json_t *pol, *fd;

	json_array_foreach(json_object_get(m, "policies"), i, pol) {
		if (!domain_ok(x, pol))
			continue;
		tls_csv_row(x, m, pol, "success", json_object_get(pol, "successful_session_count"),
		    NULL);
		json_array_foreach(json_object_get(pol, "failure_details"), j, fd)
			tls_csv_row(x, m, pol, sv(fd, "result_type"),
			    json_object_get(fd, "failed_session_count"), fd);
	}
}

/* parsedmarc's failure-detail keys: only those the report gave */
static json_t *
pd_detail(const json_t *fd)
{
	json_t *o = json_object();
	static const char *const keys[][2] = {
		{ "sending_mta_ip", "sending_mta_ip" }, { "receiving_ip", "receiving_ip" },
		{ "receiving_mx_hostname", "receiving_mx_hostname" },
		{ "receiving_mx_helo", "receiving_mx_helo" },
		{ "additional_information", "additional_info_uri" },
		{ "failure_reason_code", "failure_reason_code" },
	};

	json_object_set_new(o, "result_type", jcopy(fd, "result_type"));
	json_object_set_new(o, "failed_session_count", jcopy(fd, "failed_session_count"));
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (sv(fd, keys[k][0]) != NULL)
			json_object_set_new(o, keys[k][1], jcopy(fd, keys[k][0]));
	return o;
}

static json_t *
pd_tls(const json_t *m)
{
	json_t *o = json_object(), *pols = json_array(), *pol;
	size_t i, j;

	json_object_set_new(o, "organization_name", jcopy(m, "organization_name"));
	json_object_set_new(o, "begin_date", jcopy(m, "start_datetime"));
	json_object_set_new(o, "end_date", jcopy(m, "end_datetime"));
	json_object_set_new(o, "contact_info", jcopy(m, "contact_info"));
	json_object_set_new(o, "report_id", jcopy(m, "report_id"));
	json_array_foreach(json_object_get(m, "policies"), i, pol) {
		json_t *p = json_object(), *fds = json_array(), *fd;

		json_object_set_new(p, "policy_domain", jcopy(pol, "policy_domain"));
		json_object_set_new(p, "policy_type", jcopy(pol, "policy_type"));
		if (json_array_size(json_object_get(pol, "policy_strings")) > 0)
			json_object_set_new(p, "policy_strings", jcopy(pol, "policy_strings"));
		if (json_array_size(json_object_get(pol, "mx_hosts")) > 0)
			json_object_set_new(p, "mx_host_patterns", jcopy(pol, "mx_hosts"));
		json_object_set_new(p, "successful_session_count", jcopy(pol,
		    "successful_session_count"));
		json_object_set_new(p, "failed_session_count", jcopy(pol, "failed_session_count"));
		json_array_foreach(json_object_get(pol, "failure_details"), j, fd)
			json_array_append_new(fds, pd_detail(fd));
		if (json_array_size(fds) > 0)
			json_object_set_new(p, "failure_details", fds);
		else
			json_decref(fds);
		json_array_append_new(pols, p);
	}
	json_object_set_new(o, "policies", pols);
	return o;
}

static const char *const pd_tls_cols[] = { "organization_name", "begin_date", "end_date",
    "report_id", "result_type", "successful_session_count", "failed_session_count",
    "policy_domain", "policy_type", "policy_strings", "mx_host_patterns", "sending_mta_ip",
    "receiving_ip", "receiving_mx_hostname", "receiving_mx_helo", "additional_info_uri",
    "failure_reason_code" };

/* One parsedmarc row: the policy's summary (fd NULL) or one failure detail
 * (parsedmarc leaves policy_domain and policy_type empty there; we fill them). */
static void
pd_tls_row(kx *x, const json_t *o, const json_t *pol, const json_t *fd, dbuf *ps, dbuf *mx)
{
	size_t n = sizeof(pd_tls_cols) / sizeof(pd_tls_cols[0]);

	for (size_t k = 0; k < n; k++) {
		const char *key = pd_tls_cols[k], *s = NULL;
		const json_t *v;
		char c[32];

		if (k < 4)
			v = json_object_get(o, key);
		else if (strcmp(key, "policy_domain") == 0 || strcmp(key, "policy_type") == 0)
			v = json_object_get(pol, key);
		else if (fd == NULL)
			v = strcmp(key, "successful_session_count") == 0 ||
			    strcmp(key, "failed_session_count") == 0 ? json_object_get(pol, key) : NULL;
		else
			v = strcmp(key, "successful_session_count") == 0 ? NULL :
			    json_object_get(fd, key);
		if (strcmp(key, "policy_strings") == 0)
			s = dbuf_cstr(ps);
		else if (strcmp(key, "mx_host_patterns") == 0)
			s = dbuf_cstr(mx);
		else if (json_is_integer(v)) {
			num(c, sizeof(c), v);
			s = c;
		} else
			s = json_string_value(v);
		csv_field(&x->line, s, k + 1 == n);
	}
	end_line(x);
}

static void
pd_tls_csv(kx *x, const json_t *m)
{
	json_t *o = pd_tls(m), *pol, *fd;
	size_t i, j;
	dbuf ps, mx;

	dbuf_init(&ps, (size_t)1 << 20);
	dbuf_init(&mx, (size_t)1 << 20);
	json_array_foreach(json_object_get(o, "policies"), i, pol) {
		if (!domain_ok(x, pol))
			continue;
		join(&ps, json_object_get(pol, "policy_strings"), NULL, "|");
		join(&mx, json_object_get(pol, "mx_host_patterns"), NULL, "|");
		pd_tls_row(x, o, pol, NULL, &ps, &mx);
		json_array_foreach(json_object_get(pol, "failure_details"), j, fd)
			pd_tls_row(x, o, pol, fd, &ps, &mx);
	}
	dbuf_free(&ps);
	dbuf_free(&mx);
	json_decref(o);
}

/* ---- the walk ----------------------------------------------------------- */

static int
row_cb(void *ctx, const store_kind_row *row)
{
	kx *x = ctx;
	json_error_t je;
	json_t *m = json_loads(row->model_json != NULL ? row->model_json : "", 0, &je), *o;
	host_cols h;

	if (!json_is_object(m)) {
		log_warnx("export: stored report %lld: its model does not parse: %s",
		    (long long)row->id, je.text);
		x->err = 1;
		json_decref(m);
		if (x->fmt == EXF_JSON || x->fmt == EXF_PD_JSON) {
			o = json_object();
			json_object_set_new(o, "id", json_integer(row->id));
			json_object_set_new(o, "error", json_string("the stored model does not parse"));
			puts_x(x, x->n++ > 0 ? ",\n" : "\n");
			dump(x, o);
		}
		return x->werr != 0 ? -1 : 0;
	}
	switch (x->fmt) {
	case EXF_JSON: {
		const char *k;
		json_t *v;

		o = json_object();
		json_object_set_new(o, "id", json_integer(row->id));
		json_object_set_new(o, "raw_id", row->raw_id > 0 ? json_integer(row->raw_id) :
		    json_null());
		json_object_set_new(o, "ingested_at", json_integer(row->ingested_at));
		json_object_foreach(m, k, v)
			json_object_set(o, k, v);
		puts_x(x, x->n++ > 0 ? ",\n" : "\n");
		dump(x, o);
		break;
	}
	case EXF_PD_JSON:
		puts_x(x, x->n++ > 0 ? ",\n" : "\n");
		dump(x, x->kind == DM_KIND_FAILURE ? pd_failure(x, m, row, &h) : pd_tls(m));
		break;
	case EXF_CSV:
		if (x->kind == DM_KIND_FAILURE)
			fail_csv(x, m, row);
		else
			tls_csv(x, m);
		x->n++;
		break;
	default:
		if (x->kind == DM_KIND_FAILURE)
			pd_failure_csv(x, m, row);
		else
			pd_tls_csv(x, m);
		x->n++;
	}
	json_decref(m);
	return x->werr != 0 ? -1 : 0;
}

static void
header(kx *x)
{
	static const char *const pd_fail_cols[] = { "feedback_type", "user_agent", "version",
	    "original_envelope_id", "original_mail_from", "original_rcpt_to", "arrival_date",
	    "arrival_date_utc", "subject", "message_id", "authentication_results", "dkim_domain",
	    "source_ip_address", "source_country", "source_reverse_dns", "source_base_domain",
	    "source_name", "source_type", "source_asn", "source_as_name", "source_as_domain",
	    "delivery_result", "auth_failure", "reported_domain", "authentication_mechanisms",
	    "sample_headers_only" };
	const char *const *cols;
	size_t n;

	if (x->fmt == EXF_JSON || x->fmt == EXF_PD_JSON) {
		puts_x(x, "[");
		return;
	}
	if (x->fmt == EXF_CSV) {
		cols = x->kind == DM_KIND_FAILURE ? fail_cols[x->ja] : tls_cols[x->ja];
		n = x->kind == DM_KIND_FAILURE ? 19 : 14;
		if (x->ja)
			puts_x(x, "\xef\xbb\xbf");
	} else {
		cols = x->kind == DM_KIND_FAILURE ? pd_fail_cols : pd_tls_cols;
		n = x->kind == DM_KIND_FAILURE ? sizeof(pd_fail_cols) / sizeof(pd_fail_cols[0]) :
		    sizeof(pd_tls_cols) / sizeof(pd_tls_cols[0]);
	}
	for (size_t i = 0; i < n; i++) {
		/* the date columns name their zone, as the mail list's do */
		if (x->fmt == EXF_CSV && (i == 0 || (i == 1 && x->kind == DM_KIND_TLSRPT))) {
			char b[96];

			snprintf(b, sizeof(b), "%s (%s)", cols[i], x->tz->label);
			csv_field(&x->line, b, i + 1 == n);
		} else {
			csv_field(&x->line, cols[i], i + 1 == n);
		}
	}
	end_line(x);
}

int
export_kinds(store *s, int kind, int fmt, const store_filter *f, FILE *out, int ja,
    const csv_tz *tz, int *werr)
{
	store_kinds_filter kf;
	kx x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.out = out;
	x.kind = kind;
	x.fmt = fmt;
	x.ja = ja && fmt == EXF_CSV;
	x.tz = tz;
	x.domain = f->domain;
	memset(&kf, 0, sizeof(kf));
	kf.domain = f->domain;
	kf.since = f->since;
	kf.until = f->until;
	*werr = 0;
	if (s->ops->kinds == NULL) {
		log_warnx("export: this store has no failure or TLS reports");
		return -1;
	}
	g_mime_init();
	dbuf_init(&x.line, (size_t)1 << 24);
	if (kind == DM_KIND_FAILURE)
		x.memo = enrich_memo_new(s);
	header(&x);
	rc = s->ops->kinds->each(s, kind, &kf, row_cb, &x);
	if (fmt == EXF_JSON || fmt == EXF_PD_JSON)
		puts_x(&x, "\n]\n");
	if (rc != STORE_OK && x.werr == 0)
		log_warnx("export: %s", store_errmsg(s));
	if (x.memo != NULL)
		enrich_memo_free(x.memo);
	dbuf_free(&x.line);
	g_mime_shutdown();
	*werr = x.werr;
	return (rc == STORE_OK || x.werr != 0) && !x.err ? 0 : -1;
}
