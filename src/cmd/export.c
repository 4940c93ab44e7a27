/*
 * export.c - `dmarcscope export [--kind aggregate|failure|tlsrpt] --format
 * csv|json|parsedmarc-json|parsedmarc-csv` with --domain/--since/--until
 * filters and --output FILE.  Aggregate reports are written here; failure
 * and TLS reports by export_kinds.c (the same options, formats and EPIPE
 * handling).
 *
 * Output is streamed report by report and record by record (a 1M-record
 * report is never built in memory).  JSON text comes from jansson so every
 * untrusted string is escaped correctly.  CSV goes through the one writer,
 * src/util/csv.c (RFC 4180, spreadsheet formulas defused); --format csv is
 * the portal's mail-list CSV (csv_mail_write, src/web/csv.c): the same
 * query, columns and bytes, with --lang and --tz as lang= and tz= there.
 * A reader that goes away (EPIPE) ends the export quietly with status 0.
 *
 * The csv "reverse_dns" and "country_code" columns, and parsedmarc's source
 * reverse_dns / base_domain / country, come from the enrichment cache (the
 * hosts table, read once per address through an enrich_memo); they are empty
 * for hosts not enriched yet.  A PTR name is shown as the cache has it,
 * forward-confirmed or not (the host drill-down says which).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "export_kinds.h"
#include "../auth/principal.h"
#include "../report/kind.h"
#include "../enrich/enrich.h"
#include "../store/store_web.h"
#include "../util/csv.h"
#include "../util/log.h"
#include "../web/web.h"

enum fmt { F_JSON = EXF_JSON, F_CSV = EXF_CSV, F_PD_JSON = EXF_PD_JSON, F_PD_CSV = EXF_PD_CSV };

typedef struct ex {
	FILE *out;
	enum fmt fmt;
	store *s;
	int nreports;
	int nrecords;
	const store_report_row *row;	/* current report during record callbacks */
	int err;
	enrich_memo *memo;		/* reverse DNS and country per source IP */
	dbuf line;			/* one parsedmarc-csv row */
	int werr;			/* errno of the first failed write, 0 none */
} ex;

/* Output errors are remembered at the write that fails: a reader that went
 * away (EPIPE, `export | head`) ends the export quietly, with status 0. */
static int
out_ok(ex *e)
{
	if (e->werr == 0 && ferror(e->out))
		e->werr = errno != 0 ? errno : EIO;
	return e->werr == 0;
}

static void
put_out(ex *e, const char *p, size_t n)
{
	if (e->werr == 0 && n > 0 && fwrite(p, 1, n, e->out) != n)
		e->werr = errno != 0 ? errno : EIO;
}

/* csv_mail_write's sink */
static int
put_cb(void *ctx, const char *p, size_t n)
{
	ex *e = ctx;

	put_out(e, p, n);
	return e->werr != 0 ? -1 : 0;
}

typedef struct host_cols {
	const char *ptr, *country, *base;
} host_cols;

static int
host_of(ex *e, const char *ip, host_cols *h)
{
	if (enrich_memo_get(e->memo, ip, &h->ptr, &h->country, &h->base) != 0) {
		e->err = 1;
		return -1;
	}
	return 0;
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A normalised enum name, or the raw text when it did not normalise. */
static json_t *
jenum(const char *norm, const char *raw)
{
	if (norm != NULL && norm[0] != '\0')
		return json_string(norm);
	return jstr(raw);
}

static void
iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ---- json --------------------------------------------------------------- */

static json_t *
record_json(const dm_record *r)
{
	json_t *o = json_object(), *reasons = json_array(), *dk = json_array(),
	    *sp = json_array();

	json_object_set_new(o, "source_ip", json_string(r->source_ip));
	json_object_set_new(o, "count", json_integer((json_int_t)r->count));
	json_object_set_new(o, "disposition", jenum(dm_disp_name(r->disposition),
	    r->raw_disposition));
	json_object_set_new(o, "dkim", jenum(dm_verdict_name(r->dkim), r->raw_dkim));
	json_object_set_new(o, "spf", jenum(dm_verdict_name(r->spf), r->raw_spf));
	for (int i = 0; i < r->nreasons; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "type", jenum(dm_reason_name(r->reasons[i].type),
		    r->reasons[i].raw_type));
		json_object_set_new(x, "comment", jstr(r->reasons[i].comment));
		json_array_append_new(reasons, x);
	}
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "header_from", jstr(r->header_from));
	json_object_set_new(o, "envelope_from", jstr(r->envelope_from));
	json_object_set_new(o, "envelope_to", jstr(r->envelope_to));
	for (int i = 0; i < r->ndkim; i++) {
		const dm_dkim *d = &r->dkim_results[i];
		json_t *x = json_object();

		json_object_set_new(x, "domain", jstr(d->domain));
		json_object_set_new(x, "selector", jstr(d->selector));
		json_object_set_new(x, "result", jenum(dm_auth_name(d->result), d->raw_result));
		json_object_set_new(x, "human_result", jstr(d->human_result));
		json_array_append_new(dk, x);
	}
	json_object_set_new(o, "auth_dkim", dk);
	for (int i = 0; i < r->nspf; i++) {
		const dm_spf *d = &r->spf_results[i];
		json_t *x = json_object();

		json_object_set_new(x, "domain", jstr(d->domain));
		json_object_set_new(x, "scope", jstr(d->scope));
		json_object_set_new(x, "result", jenum(dm_auth_name(d->result), d->raw_result));
		json_object_set_new(x, "human_result", jstr(d->human_result));
		json_array_append_new(sp, x);
	}
	json_object_set_new(o, "auth_spf", sp);
	return o;
}

static json_t *
report_json(const store_report_row *row)
{
	const dm_report *r = &row->rep;
	const dm_policy *p = &r->policy;
	json_t *o = json_object(), *pol = json_object();
	json_error_t je;

	json_object_set_new(o, "org_name", jstr(r->org_name));
	json_object_set_new(o, "email", jstr(r->email));
	json_object_set_new(o, "extra_contact_info", jstr(r->extra_contact_info));
	json_object_set_new(o, "report_id", jstr(r->report_id));
	json_object_set_new(o, "begin", json_integer(r->begin));
	json_object_set_new(o, "end", json_integer(r->end));
	json_object_set_new(o, "schema", json_string(dm_schema_name(r->schema)));
	json_object_set_new(o, "xml_namespace", jstr(r->xml_namespace));
	json_object_set_new(o, "version", jstr(r->version));
	json_object_set_new(o, "generator", jstr(r->generator));
	json_object_set_new(o, "recovered", json_boolean(r->recovered));
	json_object_set_new(o, "errors", json_loads(row->errors_json ? row->errors_json : "[]",
	    0, &je));
	json_object_set_new(o, "warnings", json_loads(row->warnings_json ?
	    row->warnings_json : "[]", 0, &je));
	json_object_set_new(o, "extensions", jstr(r->extensions));
	json_object_set_new(pol, "domain", jstr(p->domain));
	json_object_set_new(pol, "adkim", p->adkim ? json_string(dm_align_name(p->adkim)) :
	    json_null());
	json_object_set_new(pol, "aspf", p->aspf ? json_string(dm_align_name(p->aspf)) :
	    json_null());
	json_object_set_new(pol, "p", p->p ? json_string(dm_disp_name(p->p)) : json_null());
	json_object_set_new(pol, "sp", p->sp ? json_string(dm_disp_name(p->sp)) : json_null());
	json_object_set_new(pol, "sp_effective", json_string(dm_disp_name(p->sp ? p->sp : p->p)));
	json_object_set_new(pol, "np", p->np ? json_string(dm_disp_name(p->np)) : json_null());
	json_object_set_new(pol, "pct", p->pct >= 0 ? json_integer(p->pct) : json_null());
	json_object_set_new(pol, "fo", jstr(p->fo));
	json_object_set_new(pol, "testing", jstr(p->testing));
	json_object_set_new(pol, "discovery_method", jstr(p->discovery_method));
	json_object_set_new(o, "policy", pol);
	json_object_set_new(o, "record_count", json_integer((json_int_t)r->records));
	json_object_set_new(o, "message_count", json_integer((json_int_t)r->messages));
	json_object_set_new(o, "skipped_records", json_integer((json_int_t)r->skipped_records));
	return o;
}

/* parsedmarc's aggregate JSON shape (its documented output fields). */
static json_t *
pd_report_json(const store_report_row *row)
{
	const dm_report *r = &row->rep;
	const dm_policy *p = &r->policy;
	json_t *o = json_object(), *meta = json_object(), *pol = json_object();
	json_error_t je;
	char b[32];

	json_object_set_new(o, "xml_schema", json_string(r->schema == DM_SCHEMA_DRAFT ? "draft" :
	    r->schema == DM_SCHEMA_RFC9990 ? "1.0" : (r->version ? r->version : "1.0")));
	json_object_set_new(meta, "org_name", jstr(r->org_name));
	json_object_set_new(meta, "org_email", jstr(r->email));
	json_object_set_new(meta, "org_extra_contact_info", jstr(r->extra_contact_info));
	json_object_set_new(meta, "report_id", jstr(r->report_id));
	iso(r->begin, b, sizeof(b));
	json_object_set_new(meta, "begin_date", json_string(b));
	iso(r->end, b, sizeof(b));
	json_object_set_new(meta, "end_date", json_string(b));
	json_object_set_new(meta, "errors", json_loads(row->errors_json ? row->errors_json :
	    "[]", 0, &je));
	json_object_set_new(o, "report_metadata", meta);
	json_object_set_new(pol, "domain", jstr(p->domain));
	json_object_set_new(pol, "adkim", json_string(p->adkim ? dm_align_name(p->adkim) : "r"));
	json_object_set_new(pol, "aspf", json_string(p->aspf ? dm_align_name(p->aspf) : "r"));
	json_object_set_new(pol, "p", json_string(dm_disp_name(p->p)));
	json_object_set_new(pol, "sp", json_string(dm_disp_name(p->sp ? p->sp : p->p)));
	snprintf(b, sizeof(b), "%d", p->pct >= 0 ? p->pct : 100);
	json_object_set_new(pol, "pct", json_string(b));
	json_object_set_new(pol, "fo", json_string(p->fo ? p->fo : "0"));
	json_object_set_new(o, "policy_published", pol);
	return o;
}

static json_t *
pd_record_json(const dm_record *r, const host_cols *h)
{
	json_t *o = json_object(), *src = json_object(), *al = json_object(),
	    *pe = json_object(), *ids = json_object(), *ar = json_object(),
	    *reasons = json_array(), *dk = json_array(), *sp = json_array();
	int spf_ok = r->spf == DM_VERDICT_PASS, dkim_ok = r->dkim == DM_VERDICT_PASS;

	json_object_set_new(src, "ip_address", json_string(r->source_ip));
	json_object_set_new(src, "country", jstr(h->country));
	json_object_set_new(src, "reverse_dns", jstr(h->ptr));
	json_object_set_new(src, "base_domain", jstr(h->base));
	json_object_set_new(o, "source", src);
	json_object_set_new(o, "count", json_integer((json_int_t)r->count));
	json_object_set_new(al, "spf", json_boolean(spf_ok));
	json_object_set_new(al, "dkim", json_boolean(dkim_ok));
	json_object_set_new(al, "dmarc", json_boolean(spf_ok || dkim_ok));
	json_object_set_new(o, "alignment", al);
	json_object_set_new(pe, "disposition", jenum(dm_disp_name(r->disposition),
	    r->raw_disposition));
	json_object_set_new(pe, "dkim", jenum(dm_verdict_name(r->dkim), r->raw_dkim));
	json_object_set_new(pe, "spf", jenum(dm_verdict_name(r->spf), r->raw_spf));
	for (int i = 0; i < r->nreasons; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "type", json_string(dm_reason_name(r->reasons[i].type)));
		json_object_set_new(x, "comment", jstr(r->reasons[i].comment));
		json_array_append_new(reasons, x);
	}
	json_object_set_new(pe, "policy_override_reasons", reasons);
	json_object_set_new(o, "policy_evaluated", pe);
	json_object_set_new(ids, "header_from", jstr(r->header_from));
	json_object_set_new(ids, "envelope_from", jstr(r->envelope_from));
	json_object_set_new(ids, "envelope_to", jstr(r->envelope_to));
	json_object_set_new(o, "identifiers", ids);
	for (int i = 0; i < r->ndkim; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "domain", jstr(r->dkim_results[i].domain));
		json_object_set_new(x, "selector", jstr(r->dkim_results[i].selector));
		json_object_set_new(x, "result", jenum(dm_auth_name(r->dkim_results[i].result),
		    r->dkim_results[i].raw_result));
		json_array_append_new(dk, x);
	}
	for (int i = 0; i < r->nspf; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "domain", jstr(r->spf_results[i].domain));
		json_object_set_new(x, "scope", jstr(r->spf_results[i].scope));
		json_object_set_new(x, "result", jenum(dm_auth_name(r->spf_results[i].result),
		    r->spf_results[i].raw_result));
		json_array_append_new(sp, x);
	}
	json_object_set_new(ar, "dkim", dk);
	json_object_set_new(ar, "spf", sp);
	json_object_set_new(o, "auth_results", ar);
	return o;
}

/* Print an object without its closing brace, so "records" can stream in. */
static void
dump_open(FILE *out, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '}')
		s[--n] = '\0';
	fputs(s, out);
	if (n > 1)
		fputc(',', out);
	free(s);
	json_decref(o);
}

static void
dump(FILE *out, json_t *o)
{
	json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
}

/* ---- csv ---------------------------------------------------------------- */

static const char *
or_raw(const char *norm, const char *raw)
{
	return norm != NULL && norm[0] != '\0' ? norm : raw;
}

static void
join(char *buf, size_t len, size_t *o, const char *s)
{
	if (*o >= len)
		return;
	*o += (size_t)snprintf(buf + *o, len - *o, "%s%s", *o ? "," : "", s ? s : "");
}

static int
record_cb(void *ctx, const dm_record *r)
{
	ex *e = ctx;
	const dm_report *rep = &e->row->rep;
	host_cols h = { NULL, NULL, NULL };

	if (e->fmt != F_JSON && host_of(e, r->source_ip, &h) != 0)
		return -1;
	if (e->fmt == F_JSON || e->fmt == F_PD_JSON) {
		if (e->nrecords++ > 0)
			fputc(',', e->out);
		dump(e->out, e->fmt == F_JSON ? record_json(r) : pd_record_json(r, &h));
	} else {
		/* parsedmarc CSV row */
		char b1[64], b2[64], cnt[32], pct[16];
		char rs[2048], rc[4096], dd[2048], ds[2048], dr[1024], sd[1024], ss[512],
		    sr[512];
		size_t o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0, o8 = 0;
		int spf_ok = r->spf == DM_VERDICT_PASS, dkim_ok = r->dkim == DM_VERDICT_PASS;
		const dm_policy *p = &rep->policy;

		dbuf_reset(&e->line);
		rs[0] = rc[0] = dd[0] = ds[0] = dr[0] = sd[0] = ss[0] = sr[0] = '\0';
		for (int i = 0; i < r->nreasons; i++) {
			join(rs, sizeof(rs), &o1, dm_reason_name(r->reasons[i].type));
			join(rc, sizeof(rc), &o2, r->reasons[i].comment);
		}
		for (int i = 0; i < r->ndkim; i++) {
			join(dd, sizeof(dd), &o3, r->dkim_results[i].domain);
			join(ds, sizeof(ds), &o4, r->dkim_results[i].selector);
			join(dr, sizeof(dr), &o5, or_raw(dm_auth_name(r->dkim_results[i].result),
			    r->dkim_results[i].raw_result));
		}
		for (int i = 0; i < r->nspf; i++) {
			join(sd, sizeof(sd), &o6, r->spf_results[i].domain);
			join(ss, sizeof(ss), &o7, r->spf_results[i].scope);
			join(sr, sizeof(sr), &o8, or_raw(dm_auth_name(r->spf_results[i].result),
			    r->spf_results[i].raw_result));
		}
		iso(rep->begin, b1, sizeof(b1));
		iso(rep->end, b2, sizeof(b2));
		snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)r->count);
		snprintf(pct, sizeof(pct), "%d", p->pct >= 0 ? p->pct : 100);
		csv_field(&e->line, rep->schema == DM_SCHEMA_DRAFT ? "draft" : "1.0", 0);
		csv_field(&e->line, rep->org_name, 0);
		csv_field(&e->line, rep->email, 0);
		csv_field(&e->line, rep->extra_contact_info, 0);
		csv_field(&e->line, rep->report_id, 0);
		csv_field(&e->line, b1, 0);
		csv_field(&e->line, b2, 0);
		csv_field(&e->line, e->row->errors_json && strcmp(e->row->errors_json, "[]") ?
		    e->row->errors_json : "", 0);
		csv_field(&e->line, p->domain, 0);
		csv_field(&e->line, p->adkim ? dm_align_name(p->adkim) : "r", 0);
		csv_field(&e->line, p->aspf ? dm_align_name(p->aspf) : "r", 0);
		csv_field(&e->line, dm_disp_name(p->p), 0);
		csv_field(&e->line, dm_disp_name(p->sp ? p->sp : p->p), 0);
		csv_field(&e->line, pct, 0);
		csv_field(&e->line, p->fo ? p->fo : "0", 0);
		csv_field(&e->line, r->source_ip, 0);
		csv_field(&e->line, h.country, 0);
		csv_field(&e->line, h.ptr, 0);
		csv_field(&e->line, h.base, 0);
		csv_field(&e->line, cnt, 0);
		csv_field(&e->line, spf_ok ? "True" : "False", 0);
		csv_field(&e->line, dkim_ok ? "True" : "False", 0);
		csv_field(&e->line, spf_ok || dkim_ok ? "True" : "False", 0);
		csv_field(&e->line, or_raw(dm_disp_name(r->disposition), r->raw_disposition), 0);
		csv_field(&e->line, rs, 0);
		csv_field(&e->line, rc, 0);
		csv_field(&e->line, r->envelope_from, 0);
		csv_field(&e->line, r->header_from, 0);
		csv_field(&e->line, r->envelope_to, 0);
		csv_field(&e->line, dd, 0);
		csv_field(&e->line, ds, 0);
		csv_field(&e->line, dr, 0);
		csv_field(&e->line, sd, 0);
		csv_field(&e->line, ss, 0);
		csv_field(&e->line, sr, 1);
		put_out(e, e->line.data, e->line.len);
	}
	return out_ok(e) ? 0 : -1;
}

static int
report_cb(void *ctx, const store_report_row *row)
{
	ex *e = ctx;

	e->row = row;
	e->nrecords = 0;
	if (e->fmt == F_JSON || e->fmt == F_PD_JSON) {
		if (e->nreports > 0)
			fputc(',', e->out);
		fputc('\n', e->out);
		dump_open(e->out, e->fmt == F_JSON ? report_json(row) : pd_report_json(row));
		fputs("\"records\":[", e->out);
	}
	e->nreports++;
	/* a failed write is seen now, before the store's calls change errno */
	if (!out_ok(e))
		return -1;
	if (store_export_records(e->s, row->id, record_cb, e) != STORE_OK) {
		e->err = 1;
		return -1;
	}
	if (e->fmt == F_JSON || e->fmt == F_PD_JSON)
		fputs("]}", e->out);
	return out_ok(e) ? 0 : -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope export [--kind aggregate|failure|tlsrpt]\n"
	    "                         --format csv|json|parsedmarc-json|parsedmarc-csv\n"
	    "                         [--domain D] [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	    "                         [--output FILE] [--lang ja|en] [--tz ZONE]\n"
	    "\n"
	    "  --kind aggregate (default) the aggregate reports:\n"
	    "  csv              the mail list, one row per record (IIJ's columns and class;\n"
	    "                   the same as the portal's CSV download)\n"
	    "  json             every stored field, one object per report (docs/CLI.md)\n"
	    "  parsedmarc-json  parsedmarc's aggregate report JSON\n"
	    "  parsedmarc-csv   parsedmarc's aggregate report CSV\n"
	    "\n"
	    "  --kind failure   the failure (ruf) reports; --kind tlsrpt the SMTP TLS reports:\n"
	    "  json             the stored model of each report (docs/CLI.md)\n"
	    "  csv              failure: one row per report (URLs defanged); tlsrpt: one row\n"
	    "                   per policy and result (success, each failure detail)\n"
	    "  parsedmarc-json  parsedmarc's failure / SMTP TLS report JSON\n"
	    "  parsedmarc-csv   parsedmarc's failure / SMTP TLS report CSV\n"
	    "\n"
	    "  --lang ja|en     csv: Japanese column names and a UTF-8 BOM, or English\n"
	    "                   (default en)\n"
	    "  --tz ZONE        csv: the zone of the date column: UTC (default),\n"
	    "                   Asia/Tokyo, ... or UTC+HH:MM; the header names it\n");
}

int
cmd_export(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "lang", required_argument, NULL, 'l' },
		{ "tz", required_argument, NULL, 'z' },
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	ex e;
	int ch, rc, kind = DM_KIND_AGGREGATE;
	const char *format = NULL, *output = NULL, *lang = NULL;
	csv_tz tz;
	char err[512];

	memset(&e, 0, sizeof(e));
	csv_tz_parse(NULL, &tz);
	while ((ch = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 'l':
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				log_warnx("export: --lang wants ja or en, got '%s'", optarg);
				return 2;
			}
			lang = optarg;
			break;
		case 'z':
			if (csv_tz_parse(optarg, &tz) != 0) {
				log_warnx("export: --tz: unknown zone '%s' (UTC, Asia/Tokyo, ..., "
				    "UTC+HH:MM)", optarg);
				return 2;
			}
			break;
		case 'k':
			if (strcmp(optarg, "aggregate") == 0)
				kind = DM_KIND_AGGREGATE;
			else if (strcmp(optarg, "failure") == 0)
				kind = DM_KIND_FAILURE;
			else if (strcmp(optarg, "tlsrpt") == 0)
				kind = DM_KIND_TLSRPT;
			else {
				log_warnx("export: --kind wants aggregate, failure or tlsrpt, got '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (format == NULL || optind < argc) {
		if (format == NULL)
			log_warnx("export: --format is required");
		usage(stderr);
		return 2;
	}
	if (strcmp(format, "json") == 0)
		e.fmt = F_JSON;
	else if (strcmp(format, "csv") == 0)
		e.fmt = F_CSV;
	else if (strcmp(format, "parsedmarc-json") == 0)
		e.fmt = F_PD_JSON;
	else if (strcmp(format, "parsedmarc-csv") == 0)
		e.fmt = F_PD_CSV;
	else {
		log_warnx("export: unknown format '%s'", format);
		usage(stderr);
		return 2;
	}
	e.out = stdout;
	if (output != NULL && (e.out = fopen(output, "w")) == NULL) {
		log_warn("export: %s", output);
		return 2;
	}
	if ((e.s = cmd_open_store(c)) == NULL) {
		if (output != NULL)
			fclose(e.out);
		return 2;
	}
	rc = STORE_OK;
	if (kind != DM_KIND_AGGREGATE) {
		if (export_kinds(e.s, kind, (int)e.fmt, &f, e.out, lang != NULL &&
		    strcmp(lang, "ja") == 0, &tz, &e.werr) != 0 && e.werr == 0)
			rc = STORE_ERR;
		store_close(e.s);
	} else if (e.fmt == F_CSV) {
		/* the portal's mail-list query and writer: the same columns and bytes */
		store_web_query w;
		dm_principal local;	/* the CLI reads everything, as an operator */

		principal_local(&local);
		memset(&w, 0, sizeof(w));
		w.domain = f.domain;
		w.since = f.since;
		w.until = f.until;
		w.cls = w.result = -1;
		w.sort = SWS_DATE;
		w.limit = -1;
		if (cmd_catch_up(e.s) != 0)
			rc = STORE_ERR;
		else if (csv_mail_write(e.s, &local, &w, lang != NULL && strcmp(lang, "ja") == 0, &tz,
		    put_cb, &e, err, sizeof(err)) == -2) {
			log_warnx("export: %s", err);
			rc = STORE_ERR;
		}
		store_close(e.s);
	} else {
		e.memo = enrich_memo_new(e.s);
		dbuf_init(&e.line, (size_t)1 << 24);
		if (e.fmt == F_PD_CSV)
			fputs("xml_schema,org_name,org_email,org_extra_contact_info,report_id,"
			    "begin_date,end_date,errors,domain,adkim,aspf,p,sp,pct,fo,"
			    "source_ip_address,source_country,source_reverse_dns,source_base_domain,"
			    "count,spf_aligned,dkim_aligned,dmarc_aligned,disposition,"
			    "policy_override_reasons,policy_override_comments,envelope_from,"
			    "header_from,envelope_to,dkim_domains,dkim_selectors,dkim_results,"
			    "spf_domains,spf_scopes,spf_results\n", e.out);
		else
			fputc('[', e.out);
		rc = store_export_reports(e.s, &f, report_cb, &e);
		if (e.fmt == F_JSON || e.fmt == F_PD_JSON)
			fputs("\n]\n", e.out);
		if ((rc != STORE_OK || e.err) && out_ok(&e))
			log_warnx("export: %s", store_errmsg(e.s));
		enrich_memo_free(e.memo);
		dbuf_free(&e.line);
		store_close(e.s);
	}
	if (fflush(e.out) != 0 && e.werr == 0)
		e.werr = errno != 0 ? errno : EIO;
	out_ok(&e);
	if (output != NULL)
		fclose(e.out);
	if (e.werr == EPIPE)
		return 0;	/* the reader has what it wanted (`export | head`) */
	if (e.werr != 0) {
		log_warnx("export: write error: %s", strerror(e.werr));
		return 2;
	}
	return rc == STORE_OK && !e.err ? 0 : 2;
}
