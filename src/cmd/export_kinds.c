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
 * parsedmarc's shapes are written by export_pd.c (export_priv.h).
 *
 * Exports: export_kinds (export_kinds.h); the xk_* helpers (export_priv.h).
 * Errors: -1 with the store's message printed; write errors in *werr.
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

#include "export_priv.h"
#include "../report/kind.h"
#include "../util/log.h"

/* ---- small helpers ------------------------------------------------------ */

const char *
xk_sv(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

json_t *
xk_jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* a copy of o's member k, or null */
json_t *
xk_jcopy(const json_t *o, const char *k)
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

void
xk_end_line(kx *x)
{
	put(x, x->line.data, x->line.len);
	dbuf_reset(&x->line);
}

/* t shifted into tz, "YYYY-MM-DD HH:MM:SS" (no zone: the header names it) */
void
xk_fmt_time(int64_t t, int offset, char *buf, size_t len)
{
	time_t tt = (time_t)(t + offset);
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		buf[0] = '\0';
}

/* "2024-01-02T10:05:00Z" (what the parsers write) → unix, 0 when not that */
int64_t
xk_iso_time(const char *s)
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

void
xk_num(char *buf, size_t len, const json_t *v)
{
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
}

/* Joins the strings of arr (or member key of each object of arr) with sep. */
void
xk_join(dbuf *b, const json_t *arr, const char *key, const char *sep)
{
	size_t i;
	json_t *v;

	dbuf_reset(b);
	json_array_foreach(arr, i, v) {
		const char *s = key != NULL ? xk_sv(v, key) : json_string_value(v);

		if (s == NULL)
			continue;
		if (b->len > 0)
			dbuf_addstr(b, sep);
		dbuf_addstr(b, s);
	}
}


void
xk_host_of(kx *x, const char *ip, host_cols *h)
{
	memset(h, 0, sizeof(*h));
	if (ip != NULL && x->memo != NULL &&
	    enrich_memo_get(x->memo, ip, &h->ptr, &h->country, &h->base) != 0)
		x->err = 1;
}

/* ---- failure reports ---------------------------------------------------- */

/* When the report arrived: Arrival-Date, else the report's date, else ingest. */
int64_t
xk_arrival(const json_t *m, const store_kind_row *row)
{
	const json_t *a = json_object_get(m, "arrival_time");
	int64_t t;

	if (json_is_integer(a) && json_integer_value(a) > 0)
		return json_integer_value(a);
	if ((t = xk_iso_time(xk_sv(m, "report_date"))) > 0)
		return t;
	return row->ingested_at;
}


int
xk_mbox_parse(const char *s, int index, mbox *mb)
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
const char *
xk_addr_domain(const char *addr, char *buf, size_t len)
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
const char *
xk_policy_domain(const json_t *m, char *buf, size_t len)
{
	const char *d = xk_sv(json_object_get(m, "feedback"), "reported_domain");
	mbox mb;

	if (d != NULL && *d) {
		snprintf(buf, len, "%s", d);
		for (char *p = buf; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return buf;
	}
	if (xk_mbox_parse(xk_sv(json_object_get(m, "sample"), "from"), 0, &mb))
		return xk_addr_domain(mb.addr, buf, len);
	buf[0] = '\0';
	return buf;
}

/* The portal's threats CSV columns first (GET threats.csv, less its
 * "authorized"), then what only the export has. */
static const char *const fail_cols[2][18] = {
	{ "date", "policy_domain", "reporter", "source_ip", "reverse_dns", "country_code",
	  "subject", "header_from", "auth_failure", "feedback_type", "delivery_result", "urls",
	  "attachments", "flags", "envelope_from", "rcpt_to", "message_id", "url_list" },
	{ "日付", "ポリシードメイン", "レポート送信者", "送信元IPアドレス", "逆引きドメイン",
	  "国コード", "件名", "ヘッダFrom", "認証失敗の種類", "フィードバック種別", "配送結果",
	  "URL数", "添付ファイル数", "注意", "エンベロープFrom", "宛先", "Message-ID", "URL" },
};

static void
fail_csv(kx *x, const json_t *m, const store_kind_row *row)
{
	const json_t *fb = json_object_get(m, "feedback"), *sa = json_object_get(m, "sample");
	const char *ft = xk_sv(fb, "feedback_type");
	char t[32], pd[256], nu[32], na[32];
	host_cols h;
	dbuf tmp;

	xk_host_of(x, xk_sv(m, "source_ip"), &h);
	xk_fmt_time(xk_arrival(m, row), x->tz->offset, t, sizeof(t));
	t[16] = '\0';		/* to the minute, as the mail list and the threats CSV */
	csv_field(&x->line, t, 0);
	csv_field(&x->line, xk_policy_domain(m, pd, sizeof(pd)), 0);
	csv_field(&x->line, xk_sv(m, "reporter"), 0);
	csv_field(&x->line, xk_sv(m, "source_ip"), 0);
	csv_field(&x->line, h.ptr, 0);
	csv_field(&x->line, h.country, 0);
	csv_field(&x->line, xk_sv(sa, "subject"), 0);
	csv_field(&x->line, xk_sv(sa, "from"), 0);
	csv_field(&x->line, xk_sv(fb, "auth_failure"), 0);
	csv_field(&x->line, ft != NULL ? ft : xk_sv(m, "kind"), 0);
	csv_field(&x->line, xk_sv(fb, "delivery_result"), 0);
	snprintf(nu, sizeof(nu), "%zu", json_array_size(json_object_get(m, "urls")));
	snprintf(na, sizeof(na), "%zu", json_array_size(json_object_get(m, "attachments")));
	csv_field(&x->line, nu, 0);
	csv_field(&x->line, na, 0);
	dbuf_init(&tmp, (size_t)1 << 22);
	xk_join(&tmp, json_object_get(m, "flags"), NULL, " ");
	csv_field(&x->line, dbuf_cstr(&tmp), 0);
	csv_field(&x->line, xk_sv(fb, "original_mail_from"), 0);
	csv_field(&x->line, xk_sv(fb, "original_rcpt_to"), 0);
	csv_field(&x->line, xk_sv(sa, "message_id"), 0);
	/* defanged: a spreadsheet must not turn a phishing URL into a link */
	xk_join(&tmp, json_object_get(m, "urls"), "defanged", " ");
	csv_field(&x->line, dbuf_cstr(&tmp), 1);
	dbuf_free(&tmp);
	xk_end_line(x);
}

/* ---- TLS reports -------------------------------------------------------- */

int
xk_domain_ok(kx *x, const json_t *pol)
{
	const char *d = xk_sv(pol, "policy_domain");

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

	xk_fmt_time(json_integer_value(json_object_get(m, "begin")), x->tz->offset, b, sizeof(b));
	xk_fmt_time(json_integer_value(json_object_get(m, "end")), x->tz->offset, e, sizeof(e));
	xk_num(c, sizeof(c), n);
	csv_field(&x->line, b, 0);
	csv_field(&x->line, e, 0);
	csv_field(&x->line, xk_sv(m, "organization_name"), 0);
	csv_field(&x->line, xk_sv(m, "report_id"), 0);
	csv_field(&x->line, xk_sv(pol, "policy_domain"), 0);
	csv_field(&x->line, xk_sv(pol, "policy_type"), 0);
	csv_field(&x->line, result, 0);
	csv_field(&x->line, c, 0);
	for (size_t i = 0; i < sizeof(detail) / sizeof(detail[0]); i++)
		csv_field(&x->line, fd != NULL ? xk_sv(fd, detail[i]) : NULL,
		    i + 1 == sizeof(detail) / sizeof(detail[0]));
	xk_end_line(x);
}

static const char *const tls_cols[2][14] = {
	{ "begin", "end", "organization", "report_id", "policy_domain", "policy_type", "result",
	  "sessions", "sending_mta_ip", "receiving_ip", "receiving_mx_hostname",
	  "receiving_mx_helo", "failure_reason_code", "additional_information" },
	{ "開始日時", "終了日時", "レポート送信者", "レポートID", "ポリシードメイン",
	  "ポリシー", "結果", "セッション数", "送信MTA", "受信IPアドレス",
	  "MXホスト", "MXホストのHELO", "理由コード", "追加情報" },
};

static void
tls_csv(kx *x, const json_t *m)
{
	size_t i, j;
	json_t *pol, *fd;

	json_array_foreach(json_object_get(m, "policies"), i, pol) {
		if (!xk_domain_ok(x, pol))
			continue;
		tls_csv_row(x, m, pol, "success", json_object_get(pol, "successful_session_count"),
		    NULL);
		json_array_foreach(json_object_get(pol, "failure_details"), j, fd)
			tls_csv_row(x, m, pol, xk_sv(fd, "result_type"),
			    json_object_get(fd, "failed_session_count"), fd);
	}
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
		dump(x, x->kind == DM_KIND_FAILURE ? xk_pd_failure(x, m, row, &h) : xk_pd_tls(m));
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
			xk_pd_failure_csv(x, m, row);
		else
			xk_pd_tls_csv(x, m);
		x->n++;
	}
	json_decref(m);
	return x->werr != 0 ? -1 : 0;
}

static void
header(kx *x)
{
	const char *const *cols;
	size_t n;

	if (x->fmt == EXF_JSON || x->fmt == EXF_PD_JSON) {
		puts_x(x, "[");
		return;
	}
	if (x->fmt == EXF_CSV) {
		cols = x->kind == DM_KIND_FAILURE ? fail_cols[x->ja] : tls_cols[x->ja];
		n = x->kind == DM_KIND_FAILURE ? 18 : 14;
		if (x->ja)
			puts_x(x, "\xef\xbb\xbf");
	} else {
		cols = x->kind == DM_KIND_FAILURE ? xk_pd_fail_cols : xk_pd_tls_cols;
		n = x->kind == DM_KIND_FAILURE ? XK_PD_FAIL_NCOLS :
		    XK_PD_TLS_NCOLS;
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
	xk_end_line(x);
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
	if (!store_has(s, kinds)) {
		log_warnx("export: this store has no failure or TLS reports");
		return -1;
	}
	g_mime_init();
	dbuf_init(&x.line, (size_t)1 << 24);
	if (kind == DM_KIND_FAILURE)
		x.memo = enrich_memo_new(s);
	header(&x);
	rc = store_kinds_each(s, kind, &kf, row_cb, &x);
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
