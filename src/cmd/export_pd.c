/*
 * export_pd.c - parsedmarc's shapes for `export --kind failure|tlsrpt
 * --format parsedmarc-json|parsedmarc-csv` (docs/CLI.md): the field names
 * and CSV columns of parsedmarc's documented failure and SMTP TLS output,
 * built from the stored model (export_kinds.c walks the store and calls
 * these).  Addresses are split by GMime (internet_address_list_parse).
 *
 * Exports: xk_pd_failure, xk_pd_failure_csv, xk_pd_tls, xk_pd_tls_csv and the
 * column lists (export_priv.h).  New JSON references belong to the caller.
 */
#include <ctype.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_priv.h"
#include "../util/csv.h"

const char *const xk_pd_fail_cols[XK_PD_FAIL_NCOLS] = { "feedback_type", "user_agent", "version",
    "original_envelope_id", "original_mail_from", "original_rcpt_to", "arrival_date",
    "arrival_date_utc", "subject", "message_id", "authentication_results", "dkim_domain",
    "source_ip_address", "source_country", "source_reverse_dns", "source_base_domain",
    "source_name", "source_type", "source_asn", "source_as_name", "source_as_domain",
    "delivery_result", "auth_failure", "reported_domain", "authentication_mechanisms",
    "sample_headers_only" };

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
	json_object_set_new(o, "domain", at != NULL ? json_string(xk_addr_domain(mb->addr, d,
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

	json_object_set_new(o, "from", xk_mbox_parse(xk_sv(sa, "from"), 0, &mb) ? pd_addr(&mb) :
	    json_null());
	for (int k = 0; k < 100 && xk_mbox_parse(xk_sv(sa, "to"), k, &mb); k++) {
		json_array_append_new(to, pd_addr(&mb));
		json_array_append_new(tod, json_string(xk_addr_domain(mb.addr, d, sizeof(d))));
	}
	json_object_set_new(o, "to_domains", tod);
	json_object_set_new(o, "to", to);
	json_object_set_new(o, "subject", xk_jcopy(sa, "subject"));
	if (xk_iso_time(xk_sv(sa, "date")) > 0) {
		xk_fmt_time(xk_iso_time(xk_sv(sa, "date")), 0, d, sizeof(d));
		json_object_set_new(o, "date", json_string(d));
	} else {
		json_object_set_new(o, "date", json_null());
	}
	if (xk_sv(sa, "message_id") != NULL) {
		char mid[1100];

		snprintf(mid, sizeof(mid), "<%s>", xk_sv(sa, "message_id"));
		json_object_set_new(o, "message-id", json_string(mid));
	} else {
		json_object_set_new(o, "message-id", json_null());
	}
	/* parsedmarc keeps one value per header name: the first here */
	json_array_foreach(json_object_get(sa, "headers"), i, v)
		if (xk_sv(v, "name") != NULL && json_object_get(hd, xk_sv(v, "name")) == NULL)
			json_object_set_new(hd, xk_sv(v, "name"), xk_jcopy(v, "value"));
	json_object_set_new(o, "headers", hd);
	json_object_set_new(o, "body", xk_jcopy(sa, "text"));
	json_array_foreach(json_object_get(m, "attachments"), i, v) {
		json_t *a = json_object();

		json_object_set_new(a, "filename", xk_jcopy(v, "name"));
		json_object_set_new(a, "mail_content_type", xk_jcopy(v, "content_type"));
		json_object_set_new(a, "sha256", xk_jcopy(v, "sha256"));
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
		dbuf_printf(&b, "%s: %s\n", xk_sv(v, "name") ? xk_sv(v, "name") : "",
		    xk_sv(v, "value") ? xk_sv(v, "value") : "");
	dbuf_addc(&b, '\n');
	if (xk_sv(sa, "text") != NULL)
		dbuf_addstr(&b, xk_sv(sa, "text"));
	r = json_stringn(b.data, b.len);
	dbuf_free(&b);
	return r != NULL ? r : json_null();
}

json_t *
xk_pd_failure(kx *x, const json_t *m, const store_kind_row *row, host_cols *h)
{
	const json_t *fb = json_object_get(m, "feedback"), *sa = json_object_get(m, "sample");
	json_t *o = json_object(), *src = json_object();
	char t[32], pd[256];
	int64_t at = xk_arrival(m, row);
	int headers_only;

	xk_host_of(x, xk_sv(m, "source_ip"), h);
	/* the sample is text/rfc822-headers (no body was sent) */
	headers_only = xk_sv(sa, "kind") != NULL && strcmp(xk_sv(sa, "kind"), "headers") == 0;
	json_object_set_new(o, "feedback_type", xk_sv(fb, "feedback_type") ?
	    json_string(xk_sv(fb, "feedback_type")) : json_string("auth-failure"));
	json_object_set_new(o, "user_agent", xk_jcopy(fb, "user_agent"));
	json_object_set_new(o, "version", xk_jcopy(fb, "version"));
	json_object_set_new(o, "original_envelope_id", xk_jcopy(fb, "original_envelope_id"));
	json_object_set_new(o, "original_mail_from", xk_jcopy(fb, "original_mail_from"));
	json_object_set_new(o, "original_rcpt_to", xk_jcopy(fb, "original_rcpt_to"));
	xk_fmt_time(at, 0, t, sizeof(t));
	json_object_set_new(o, "arrival_date", xk_sv(fb, "arrival_date") ?
	    json_string(xk_sv(fb, "arrival_date")) : json_string(t));
	json_object_set_new(o, "arrival_date_utc", json_string(t));
	/* the feedback's Message-ID, else the sample's, in its <> as parsedmarc has it */
	if (xk_sv(fb, "message_id") == NULL && xk_sv(sa, "message_id") != NULL) {
		char mid[1100];

		snprintf(mid, sizeof(mid), "<%s>", xk_sv(sa, "message_id"));
		json_object_set_new(o, "message_id", json_string(mid));
	} else {
		json_object_set_new(o, "message_id", xk_jcopy(fb, "message_id"));
	}
	json_object_set_new(o, "authentication_results", xk_jcopy(fb, "authentication_results"));
	json_object_set_new(o, "delivery_result", xk_jstr(pd_delivery(xk_sv(fb, "delivery_result"))));
	json_object_set_new(o, "auth_failure", split_list(xk_sv(fb, "auth_failure") ?
	    xk_sv(fb, "auth_failure") : "dmarc", 0));
	json_object_set_new(o, "authentication_mechanisms",
	    split_list(xk_sv(fb, "identity_alignment"), 1));
	json_object_set_new(o, "reported_domain", json_string(xk_policy_domain(m, pd, sizeof(pd))));
	json_object_set_new(src, "ip_address", xk_jcopy(m, "source_ip"));
	json_object_set_new(src, "country", xk_jstr(h->country));
	json_object_set_new(src, "reverse_dns", xk_jstr(h->ptr));
	json_object_set_new(src, "base_domain", xk_jstr(h->base));
	json_object_set_new(src, "name", json_null());
	json_object_set_new(src, "type", json_null());
	json_object_set_new(src, "asn", json_null());
	json_object_set_new(src, "as_name", json_null());
	json_object_set_new(src, "as_domain", json_null());
	json_object_set_new(o, "source", src);
	json_object_set_new(o, "dkim_domain", xk_jcopy(fb, "dkim_domain"));
	json_object_set_new(o, "sample_headers_only", json_boolean(headers_only));
	json_object_set_new(o, "sample", pd_sample_text(sa));
	json_object_set_new(o, "parsed_sample", pd_sample(sa, m));
	return o;
}

void
xk_pd_failure_csv(kx *x, const json_t *m, const store_kind_row *row)
{
	host_cols h;
	json_t *o = xk_pd_failure(x, m, row, &h), *src = json_object_get(o, "source");
	dbuf tmp;
	static const char *const plain[] = { "feedback_type", "user_agent", "version",
	    "original_envelope_id", "original_mail_from", "original_rcpt_to", "arrival_date",
	    "arrival_date_utc" };

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		csv_field(&x->line, xk_sv(o, plain[i]), 0);
	csv_field(&x->line, xk_sv(json_object_get(o, "parsed_sample"), "subject"), 0);
	csv_field(&x->line, xk_sv(o, "message_id"), 0);
	csv_field(&x->line, xk_sv(o, "authentication_results"), 0);
	csv_field(&x->line, xk_sv(o, "dkim_domain"), 0);
	csv_field(&x->line, xk_sv(src, "ip_address"), 0);
	csv_field(&x->line, h.country, 0);
	csv_field(&x->line, h.ptr, 0);
	csv_field(&x->line, h.base, 0);
	for (int i = 0; i < 5; i++)	/* name, type, asn, as_name, as_domain */
		csv_field(&x->line, NULL, 0);
	csv_field(&x->line, xk_sv(o, "delivery_result"), 0);
	dbuf_init(&tmp, (size_t)1 << 16);
	xk_join(&tmp, json_object_get(o, "auth_failure"), NULL, ",");
	csv_field(&x->line, dbuf_cstr(&tmp), 0);
	csv_field(&x->line, xk_sv(o, "reported_domain"), 0);
	xk_join(&tmp, json_object_get(o, "authentication_mechanisms"), NULL, ",");
	csv_field(&x->line, dbuf_cstr(&tmp), 0);
	dbuf_free(&tmp);
	csv_field(&x->line, json_is_true(json_object_get(o, "sample_headers_only")) ? "True" :
	    "False", 1);
	json_decref(o);
	xk_end_line(x);
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

	json_object_set_new(o, "result_type", xk_jcopy(fd, "result_type"));
	json_object_set_new(o, "failed_session_count", xk_jcopy(fd, "failed_session_count"));
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (xk_sv(fd, keys[k][0]) != NULL)
			json_object_set_new(o, keys[k][1], xk_jcopy(fd, keys[k][0]));
	return o;
}

json_t *
xk_pd_tls(const json_t *m)
{
	json_t *o = json_object(), *pols = json_array(), *pol;
	size_t i, j;

	json_object_set_new(o, "organization_name", xk_jcopy(m, "organization_name"));
	json_object_set_new(o, "begin_date", xk_jcopy(m, "start_datetime"));
	json_object_set_new(o, "end_date", xk_jcopy(m, "end_datetime"));
	json_object_set_new(o, "contact_info", xk_jcopy(m, "contact_info"));
	json_object_set_new(o, "report_id", xk_jcopy(m, "report_id"));
	json_array_foreach(json_object_get(m, "policies"), i, pol) {
		json_t *p = json_object(), *fds = json_array(), *fd;

		json_object_set_new(p, "policy_domain", xk_jcopy(pol, "policy_domain"));
		json_object_set_new(p, "policy_type", xk_jcopy(pol, "policy_type"));
		if (json_array_size(json_object_get(pol, "policy_strings")) > 0)
			json_object_set_new(p, "policy_strings", xk_jcopy(pol, "policy_strings"));
		if (json_array_size(json_object_get(pol, "mx_hosts")) > 0)
			json_object_set_new(p, "mx_host_patterns", xk_jcopy(pol, "mx_hosts"));
		json_object_set_new(p, "successful_session_count", xk_jcopy(pol,
		    "successful_session_count"));
		json_object_set_new(p, "failed_session_count", xk_jcopy(pol, "failed_session_count"));
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

const char *const xk_pd_tls_cols[XK_PD_TLS_NCOLS] = { "organization_name", "begin_date", "end_date",
    "report_id", "result_type", "successful_session_count", "failed_session_count",
    "policy_domain", "policy_type", "policy_strings", "mx_host_patterns", "sending_mta_ip",
    "receiving_ip", "receiving_mx_hostname", "receiving_mx_helo", "additional_info_uri",
    "failure_reason_code" };

/* One parsedmarc row: the policy's summary (fd NULL) or one failure detail
 * (parsedmarc leaves policy_domain and policy_type empty there; we fill them). */
static void
pd_tls_row(kx *x, const json_t *o, const json_t *pol, const json_t *fd, dbuf *ps, dbuf *mx)
{
	size_t n = XK_PD_TLS_NCOLS;

	for (size_t k = 0; k < n; k++) {
		const char *key = xk_pd_tls_cols[k], *s = NULL;
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
			xk_num(c, sizeof(c), v);
			s = c;
		} else
			s = json_string_value(v);
		csv_field(&x->line, s, k + 1 == n);
	}
	xk_end_line(x);
}

void
xk_pd_tls_csv(kx *x, const json_t *m)
{
	json_t *o = xk_pd_tls(m), *pol, *fd;
	size_t i, j;
	dbuf ps, mx;

	dbuf_init(&ps, (size_t)1 << 20);
	dbuf_init(&mx, (size_t)1 << 20);
	json_array_foreach(json_object_get(o, "policies"), i, pol) {
		if (!xk_domain_ok(x, pol))
			continue;
		xk_join(&ps, json_object_get(pol, "policy_strings"), NULL, "|");
		xk_join(&mx, json_object_get(pol, "mx_host_patterns"), NULL, "|");
		pd_tls_row(x, o, pol, NULL, &ps, &mx);
		json_array_foreach(json_object_get(pol, "failure_details"), j, fd)
			pd_tls_row(x, o, pol, fd, &ps, &mx);
	}
	dbuf_free(&ps);
	dbuf_free(&mx);
	json_decref(o);
}
