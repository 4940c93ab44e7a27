/*
 * tlsrpt.c - SMTP TLS reports (RFC 8460) into a tlsrpt_report; see tlsrpt.h.
 * JSON is jansson's; the mail helper uses GMime and zlib.  This file checks
 * the shape, applies the caps and builds the model.
 *
 * Errors: DM_KERR_* with a one-line reason; tolerable oddities (an unknown
 * result-type, counts that do not add up, an over-long string cut) are
 * warnings in the model.  Out of memory is fatal (xmalloc).
 */
#include "tlsrpt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <zlib.h>

#include "../util/ipaddr.h"
#include "../util/log.h"
#include "../util/sha256.h"
#include "../util/utf8fix.h"

#define MAX_WARNINGS 40

void
tlsrpt_limits_default(tlsrpt_limits *l)
{
	l->max_bytes = 4u << 20;
	l->max_policies = 1000;
	l->max_details = 10000;
	l->max_strings = 100;
	l->max_string = 1024;
}

/* ip_canon() without the family. */
static int
ip_canon1(const char *s, size_t n, char out[IP_STRLEN])
{
	int fam;

	return ip_canon(s, n, out, &fam);
}

typedef struct tstate {
	tlsrpt_report *r;
	const tlsrpt_limits *lim;
	char *err;
	size_t errlen;
	unsigned ndetails;
} tstate;

static void
warn(tlsrpt_report *r, const char *fmt, ...)
{
	char buf[300];
	va_list ap;

	if (r->nwarnings >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->warnings = xrealloc(r->warnings, (r->nwarnings + 1) * sizeof(char *));
	r->warnings[r->nwarnings++] = xstrndup(buf, utf8_clip(buf, strlen(buf)));
}

static int
fail(tstate *t, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, t->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* A string member: *out is a copy (cut at max_string with a warning), NULL
 * when absent.  -1 when present but not a string. */
static char *clip_dup(tstate *t, const char *s, const char *key);

/* A string member: *out is a copy (cut at max_string with a warning), NULL
 * when absent.  -1 when present but not a string. */
static int
get_str(tstate *t, const json_t *o, const char *key, char **out)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = clip_dup(t, json_string_value(v), key);
	return 0;
}

static int
req_str(tstate *t, const json_t *o, const char *key, const char *where, char **out)
{
	if (get_str(t, o, key, out) != 0)
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: %s%s is not a string", where,
		    key);
	if (*out == NULL)
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: %s%s is missing", where, key);
	return 0;
}

static int
get_count(tstate *t, const json_t *o, const char *key, const char *where, int64_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL)
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: %s%s is missing", where, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: %s%s is not a count "
		    "(a non-negative integer)", where, key);
	*out = json_integer_value(v);
	return 0;
}

static void
lower(char *s)
{
	for (; s != NULL && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Canonical form of an address field when it is one (kept as given otherwise). */
static void
canon_ip(tstate *t, char **s, const char *key)
{
	char ip[IP_STRLEN];

	if (*s == NULL)
		return;
	if (ip_canon1(*s, strlen(*s), ip) == 0) {
		free(*s);
		*s = xstrdup(ip);
	} else
		warn(t->r, "%s '%.60s' is not an IP address", key, *s);
}

static char *
clip_dup(tstate *t, const char *s, const char *key)
{
	size_t n = strlen(s);

	if (n > t->lim->max_string) {
		warn(t->r, "%s: a value of %zu bytes was cut to %zu", key, n, t->lim->max_string);
		n = utf8_clip(s, t->lim->max_string);
	}
	return xstrndup(s, n);
}

/* A string or a list of strings (mx-host comes both ways). */
static int
str_list(tstate *t, const json_t *v, const char *key, char ***out, unsigned *n)
{
	size_t i;
	const json_t *e;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = clip_dup(t, json_string_value(v), key);
		*n = 1;
		return 0;
	}
	if (!json_is_array(v))
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: %s is neither a string nor "
		    "a list", key);
	if (json_array_size(v) > t->lim->max_strings)
		return fail(t, DM_KERR_LIMIT, "refused: %s has %zu entries, over the cap of %u",
		    key, json_array_size(v), t->lim->max_strings);
	*out = json_array_size(v) > 0 ? xcalloc(json_array_size(v), sizeof(char *)) : NULL;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: %s holds a "
			    "non-string", key);
		(*out)[(*n)++] = clip_dup(t, json_string_value(e), key);
	}
	return 0;
}

static const char *const result_types[] = { "starttls-not-supported",
    "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
    "validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required",
    "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid", NULL };

static int
parse_detail(tstate *t, const json_t *d, tlsrpt_failure *f)
{
	int known = 0;

	if (!json_is_object(d))
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: a failure-details entry is "
		    "not an object");
	if (req_str(t, d, "result-type", "failure-details: ", &f->result_type) != 0 ||
	    get_count(t, d, "failed-session-count", "failure-details: ",
	    &f->failed_session_count) != 0)
		return DM_KERR_SYNTAX;
	if (get_str(t, d, "sending-mta-ip", &f->sending_mta_ip) != 0 ||
	    get_str(t, d, "receiving-mx-hostname", &f->receiving_mx_hostname) != 0 ||
	    get_str(t, d, "receiving-mx-helo", &f->receiving_mx_helo) != 0 ||
	    get_str(t, d, "receiving-ip", &f->receiving_ip) != 0 ||
	    get_str(t, d, "additional-information", &f->additional_information) != 0 ||
	    get_str(t, d, "failure-reason-code", &f->failure_reason_code) != 0)
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: a failure-details field is "
		    "not a string");
	lower(f->result_type);
	canon_ip(t, &f->sending_mta_ip, "sending-mta-ip");
	canon_ip(t, &f->receiving_ip, "receiving-ip");
	for (int i = 0; result_types[i] != NULL; i++)
		if (strcmp(f->result_type, result_types[i]) == 0)
			known = 1;
	if (!known)
		warn(t->r, "result-type '%.60s' is not one RFC 8460 (or RFC 9650) defines; kept",
		    f->result_type);
	return 0;
}

static int
parse_policy(tstate *t, const json_t *pj, tlsrpt_policy *p)
{
	const json_t *pol, *sum, *det, *d;
	size_t i;
	int rc;
	int64_t sum_fail = 0;

	if (!json_is_object(pj))
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: a policies entry is not an "
		    "object");
	pol = json_object_get(pj, "policy");
	sum = json_object_get(pj, "summary");
	if (!json_is_object(pol))
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: policies: policy is %s",
		    pol == NULL ? "missing" : "not an object");
	if (!json_is_object(sum))
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: policies: summary is %s",
		    sum == NULL ? "missing" : "not an object");
	if ((rc = req_str(t, pol, "policy-type", "policy: ", &p->type)) != 0 ||
	    (rc = req_str(t, pol, "policy-domain", "policy: ", &p->domain)) != 0)
		return rc;
	lower(p->type);
	lower(p->domain);
	if (strcmp(p->type, "sts") != 0 && strcmp(p->type, "tlsa") != 0 &&
	    strcmp(p->type, "no-policy-found") != 0)
		warn(t->r, "policy-type '%.40s' is not sts, tlsa or no-policy-found; kept", p->type);
	if ((rc = str_list(t, json_object_get(pol, "policy-string"), "policy-string",
	    &p->strings, &p->nstrings)) != 0 ||
	    (rc = str_list(t, json_object_get(pol, "mx-host"), "mx-host", &p->mx_hosts,
	    &p->nmx)) != 0)
		return rc;
	if ((rc = get_count(t, sum, "total-successful-session-count", "summary: ",
	    &p->success)) != 0 ||
	    (rc = get_count(t, sum, "total-failure-session-count", "summary: ", &p->failure)) != 0)
		return rc;
	det = json_object_get(pj, "failure-details");
	if (det == NULL || json_is_null(det))
		return 0;
	if (!json_is_array(det))
		return fail(t, DM_KERR_SYNTAX, "not a valid TLS report: failure-details is not a "
		    "list");
	if (t->ndetails + json_array_size(det) > t->lim->max_details)
		return fail(t, DM_KERR_LIMIT, "refused: more than %u failure-details entries (the "
		    "cap for a TLS report)", t->lim->max_details);
	p->details = json_array_size(det) > 0 ? xcalloc(json_array_size(det),
	    sizeof(*p->details)) : NULL;
	json_array_foreach(det, i, d) {
		tlsrpt_failure *f = &p->details[p->ndetails++];

		t->ndetails++;
		if ((rc = parse_detail(t, d, f)) != 0)
			return rc;
		if (f->failed_session_count <= INT64_MAX - sum_fail)
			sum_fail += f->failed_session_count;
	}
	if (sum_fail != p->failure)
		warn(t->r, "policy %.80s: the failure-details add up to %lld failed sessions, the "
		    "summary says %lld", p->domain, (long long)sum_fail, (long long)p->failure);
	return 0;
}

static int
parse_time(const char *s, int64_t *out)
{
	GDateTime *dt = g_date_time_new_from_iso8601(s, NULL);

	if (dt == NULL)
		return -1;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

int
tlsrpt_parse(const unsigned char *p, size_t n, const tlsrpt_limits *lim_in,
    tlsrpt_report **out, char *err, size_t errlen)
{
	tlsrpt_limits lim;
	json_t *root, *dr, *pols, *pj;
	json_error_t je;
	tstate t;
	tlsrpt_report *r;
	const char *required[] = { "organization-name", "date-range", "report-id", "policies" };
	char missing[120] = "";
	size_t i;
	int rc;

	*out = NULL;
	if (lim_in != NULL)
		lim = *lim_in;
	else
		tlsrpt_limits_default(&lim);
	if (n > lim.max_bytes) {
		snprintf(err, errlen, "refused: the JSON document is %zu bytes, over the %zu-byte "
		    "cap for a TLS report", n, lim.max_bytes);
		return DM_KERR_LIMIT;
	}
	root = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "not valid JSON (line %d, column %d: %s)", je.line, je.column,
		    je.text);
		return DM_KERR_SYNTAX;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "not a TLS report: the JSON document is not an object");
		return DM_KERR_NOT_REPORT;
	}
	for (i = 0; i < 4; i++)
		if (json_object_get(root, required[i]) == NULL)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			    missing[0] ? ", " : "", required[i]);
	if (missing[0]) {
		json_decref(root);
		snprintf(err, errlen, "not a TLS report (RFC 8460): the JSON object has no %s",
		    missing);
		return DM_KERR_NOT_REPORT;
	}

	r = xcalloc(1, sizeof(*r));
	t.r = r;
	t.lim = &lim;
	t.err = err;
	t.errlen = errlen;
	t.ndetails = 0;
	rc = req_str(&t, root, "organization-name", "", &r->org);
	if (rc == 0)
		rc = req_str(&t, root, "report-id", "", &r->report_id);
	if (rc == 0 && get_str(&t, root, "contact-info", &r->contact) != 0)
		rc = fail(&t, DM_KERR_SYNTAX, "not a valid TLS report: contact-info is not a string");
	if (rc == 0 && r->contact == NULL)
		warn(r, "no contact-info (RFC 8460 requires it)");
	dr = json_object_get(root, "date-range");
	if (rc == 0 && !json_is_object(dr))
		rc = fail(&t, DM_KERR_SYNTAX, "not a valid TLS report: date-range is not an object");
	if (rc == 0)
		rc = req_str(&t, dr, "start-datetime", "date-range: ", &r->start);
	if (rc == 0)
		rc = req_str(&t, dr, "end-datetime", "date-range: ", &r->end);
	if (rc == 0 && parse_time(r->start, &r->start_time) != 0)
		rc = fail(&t, DM_KERR_SYNTAX, "not a valid TLS report: start-datetime '%.40s' is "
		    "not an RFC 3339 date-time", r->start);
	if (rc == 0 && parse_time(r->end, &r->end_time) != 0)
		rc = fail(&t, DM_KERR_SYNTAX, "not a valid TLS report: end-datetime '%.40s' is not "
		    "an RFC 3339 date-time", r->end);
	if (rc == 0 && r->end_time < r->start_time)
		warn(r, "the date-range ends before it starts");
	if (rc == 0 && *r->report_id == '\0')
		rc = fail(&t, DM_KERR_SYNTAX, "not a valid TLS report: report-id is empty");
	pols = json_object_get(root, "policies");
	if (rc == 0 && !json_is_array(pols))
		rc = fail(&t, DM_KERR_SYNTAX, "not a valid TLS report: policies is not a list");
	if (rc == 0 && json_array_size(pols) > lim.max_policies)
		rc = fail(&t, DM_KERR_LIMIT, "refused: %zu policies, over the cap of %u for a TLS "
		    "report", json_array_size(pols), lim.max_policies);
	if (rc == 0 && json_array_size(pols) == 0)
		warn(r, "the report lists no policies");
	if (rc == 0 && json_array_size(pols) > 0)
		r->policies = xcalloc(json_array_size(pols), sizeof(*r->policies));
	if (rc == 0)
		json_array_foreach(pols, i, pj) {
			tlsrpt_policy *pol = &r->policies[r->npolicies++];

			if ((rc = parse_policy(&t, pj, pol)) != 0)
				break;
			if (pol->success <= INT64_MAX - r->total_success)
				r->total_success += pol->success;
			if (pol->failure <= INT64_MAX - r->total_failure)
				r->total_failure += pol->failure;
		}
	json_decref(root);
	if (rc != 0) {
		tlsrpt_free(r);
		return rc;
	}
	*out = r;
	return DM_KERR_OK;
}

static void
free_strs(char **s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

void
tlsrpt_free(tlsrpt_report *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->npolicies; i++) {
		tlsrpt_policy *p = &r->policies[i];

		free(p->type);
		free(p->domain);
		free_strs(p->strings, p->nstrings);
		free_strs(p->mx_hosts, p->nmx);
		for (unsigned k = 0; k < p->ndetails; k++) {
			tlsrpt_failure *f = &p->details[k];

			free(f->result_type);
			free(f->sending_mta_ip);
			free(f->receiving_mx_hostname);
			free(f->receiving_mx_helo);
			free(f->receiving_ip);
			free(f->additional_information);
			free(f->failure_reason_code);
		}
		free(p->details);
	}
	free(r->policies);
	free(r->org);
	free(r->contact);
	free(r->report_id);
	free(r->start);
	free(r->end);
	free_strs(r->warnings, r->nwarnings);
	free(r);
}

void
tlsrpt_identity(const tlsrpt_report *r, char key[DM_KIND_KEYLEN])
{
	char hex[SHA256_HEXLEN];

	/* a report-id too long for the key is replaced by its hash */
	if (strlen(r->report_id) + 8 < DM_KIND_KEYLEN) {
		snprintf(key, DM_KIND_KEYLEN, "tlsrpt:%s", r->report_id);
		return;
	}
	sha256_hex(r->report_id, strlen(r->report_id), hex);
	snprintf(key, DM_KIND_KEYLEN, "tlsrpt-sha256:%s", hex);
}

static void
jset(json_t *o, const char *k, const char *v)
{
	json_t *s = v != NULL ? json_string(v) : NULL;

	json_object_set_new(o, k, s != NULL ? s : json_null());
}

static json_t *
jstrs(char **s, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++) {
		json_t *v = s[i] != NULL ? json_string(s[i]) : NULL;

		json_array_append_new(a, v != NULL ? v : json_null());
	}
	return a;
}

json_t *
tlsrpt_to_json(const tlsrpt_report *r)
{
	json_t *o = json_object(), *pols = json_array();
	char key[DM_KIND_KEYLEN];

	jset(o, "organization_name", r->org);
	jset(o, "contact_info", r->contact);
	jset(o, "report_id", r->report_id);
	tlsrpt_identity(r, key);
	jset(o, "identity", key);
	jset(o, "start_datetime", r->start);
	jset(o, "end_datetime", r->end);
	json_object_set_new(o, "begin", json_integer(r->start_time));
	json_object_set_new(o, "end", json_integer(r->end_time));
	json_object_set_new(o, "total_successful_sessions", json_integer(r->total_success));
	json_object_set_new(o, "total_failed_sessions", json_integer(r->total_failure));
	for (unsigned i = 0; i < r->npolicies; i++) {
		const tlsrpt_policy *p = &r->policies[i];
		json_t *pj = json_object(), *det = json_array();

		jset(pj, "policy_type", p->type);
		jset(pj, "policy_domain", p->domain);
		json_object_set_new(pj, "policy_strings", jstrs(p->strings, p->nstrings));
		json_object_set_new(pj, "mx_hosts", jstrs(p->mx_hosts, p->nmx));
		json_object_set_new(pj, "successful_session_count", json_integer(p->success));
		json_object_set_new(pj, "failed_session_count", json_integer(p->failure));
		for (unsigned k = 0; k < p->ndetails; k++) {
			const tlsrpt_failure *f = &p->details[k];
			json_t *d = json_object();

			jset(d, "result_type", f->result_type);
			jset(d, "sending_mta_ip", f->sending_mta_ip);
			jset(d, "receiving_mx_hostname", f->receiving_mx_hostname);
			jset(d, "receiving_mx_helo", f->receiving_mx_helo);
			jset(d, "receiving_ip", f->receiving_ip);
			json_object_set_new(d, "failed_session_count",
			    json_integer(f->failed_session_count));
			jset(d, "additional_information", f->additional_information);
			jset(d, "failure_reason_code", f->failure_reason_code);
			json_array_append_new(det, d);
		}
		json_object_set_new(pj, "failure_details", det);
		json_array_append_new(pols, pj);
	}
	json_object_set_new(o, "policies", pols);
	json_object_set_new(o, "warnings", jstrs(r->warnings, r->nwarnings));
	return o;
}

/* ---- the mail helper --------------------------------------------------------------- */

static int
gunzip(const unsigned char *p, size_t n, size_t max, unsigned char **out, size_t *outlen,
    char *err, size_t errlen)
{
	z_stream z;
	size_t cap = 64 * 1024, len = 0;
	unsigned char *buf;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(err, errlen, "zlib: cannot start inflate");
		return -1;
	}
	buf = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	do {
		if (len == cap) {
			if (cap >= max + 1) {
				rc = Z_BUF_ERROR;
				break;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		z.next_out = buf + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || len > max) {
		free(buf);
		if (len > max)
			snprintf(err, errlen, "the gzip report inflates past %zu bytes", max);
		else
			snprintf(err, errlen, "the gzip report is corrupt or truncated");
		return -1;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static GMimeObject *
find_report_part(GMimeObject *o, int depth)
{
	if (o == NULL || depth > 8)
		return NULL;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && i < 100; i++) {
			GMimeObject *f = find_report_part(g_mime_multipart_get_part(mp, i), depth + 1);

			if (f != NULL)
				return f;
		}
		return NULL;
	}
	if (GMIME_IS_PART(o)) {
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		const char *fn = g_mime_part_get_filename(GMIME_PART(o));

		if (ct != NULL && (g_mime_content_type_is_type(ct, "application", "tlsrpt+gzip") ||
		    g_mime_content_type_is_type(ct, "application", "tlsrpt+json") ||
		    g_mime_content_type_is_type(ct, "application", "json") ||
		    g_mime_content_type_is_type(ct, "application", "gzip")))
			return o;
		if (fn != NULL && (g_str_has_suffix(fn, ".json") || g_str_has_suffix(fn, ".json.gz")))
			return o;
	}
	return NULL;
}

int
tlsrpt_from_mail(const unsigned char *msg, size_t n, size_t max_out, unsigned char **out,
    size_t *outlen, char *err, size_t errlen)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)msg, n);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *m;
	GMimeObject *top, *part;
	GMimeContentType *ct;
	const char *rt;
	GByteArray *ba;
	GMimeStream *mem;
	GMimeDataWrapper *c;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	if (m == NULL) {
		snprintf(err, errlen, "not a parseable e-mail message");
		return -1;
	}
	top = g_mime_message_get_mime_part(m);
	ct = top != NULL ? g_mime_object_get_content_type(top) : NULL;
	rt = ct != NULL ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;
	if (ct == NULL || !g_mime_content_type_is_type(ct, "multipart", "report") || rt == NULL ||
	    g_ascii_strcasecmp(rt, "tlsrpt") != 0) {
		snprintf(err, errlen, "not a TLS report mail (multipart/report; report-type=tlsrpt)");
		g_object_unref(m);
		return -1;
	}
	if ((part = find_report_part(top, 0)) == NULL ||
	    (c = g_mime_part_get_content(GMIME_PART(part))) == NULL) {
		snprintf(err, errlen, "the TLS report mail has no application/tlsrpt+gzip or "
		    "application/tlsrpt+json part");
		g_object_unref(m);
		return -1;
	}
	ba = g_byte_array_new();
	mem = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	if (g_mime_data_wrapper_write_to_stream(c, mem) < 0) {
		snprintf(err, errlen, "the report part could not be decoded");
	} else if (ba->len == 0) {
		snprintf(err, errlen, "the report part is empty");
	} else if (ba->len >= 2 && ba->data[0] == 0x1f && ba->data[1] == 0x8b) {
		rc = gunzip(ba->data, ba->len, max_out, out, outlen, err, errlen);
	} else if (ba->len > max_out) {
		snprintf(err, errlen, "the report part is over %zu bytes", max_out);
	} else {
		*out = xmalloc(ba->len + 1);
		memcpy(*out, ba->data, ba->len);
		*outlen = ba->len;
		rc = 0;
	}
	g_object_unref(mem);
	g_byte_array_free(ba, TRUE);
	g_object_unref(m);
	return rc;
}

/* ---- the kind ------------------------------------------------------------------------ */

static int
k_sniff(const dm_sniff_in *in)
{
	size_t i = 0;

	if (in->report_type != NULL && g_ascii_strcasecmp(in->report_type, "tlsrpt") == 0)
		return DM_SNIFF_SURE;
	if (in->is_message || in->head == NULL)
		return DM_SNIFF_NO;
	if (in->headlen >= 3 && memcmp(in->head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < in->headlen && (in->head[i] == ' ' || in->head[i] == '\t' ||
	    in->head[i] == '\r' || in->head[i] == '\n'))
		i++;
	if (i >= in->headlen || in->head[i] != '{')
		return DM_SNIFF_NO;
	/* the RFC 8460 member names in the first bytes make it likely; the
	 * parse decides either way */
	for (const char *const *k = (const char *const[]){ "\"organization-name\"",
	    "\"report-id\"", "\"policies\"", "\"date-range\"", NULL }; *k != NULL; k++)
		if (g_strstr_len((const char *)in->head, (gssize)in->headlen, *k) != NULL)
			return DM_SNIFF_LIKELY;
	return DM_SNIFF_MAYBE;
}

static int
k_parse(const unsigned char *p, size_t n, const dm_kind_limits *kl, void **model, char *err,
    size_t errlen)
{
	tlsrpt_limits l;
	tlsrpt_report *r = NULL;
	int rc;

	tlsrpt_limits_default(&l);
	if (kl != NULL) {
		if (kl->max_bytes)
			l.max_bytes = kl->max_bytes;
		if (kl->max_items)
			l.max_policies = kl->max_items;
		if (kl->max_details)
			l.max_details = kl->max_details;
	}
	rc = tlsrpt_parse(p, n, &l, &r, err, errlen);
	*model = r;
	return rc;
}

static void
k_identity(const void *m, char key[DM_KIND_KEYLEN])
{
	tlsrpt_identity(m, key);
}

static json_t *
k_to_json(const void *m)
{
	return tlsrpt_to_json(m);
}

static void
k_free(void *m)
{
	tlsrpt_free(m);
}

const dm_kind dm_kind_tlsrpt = {
	.name = "tlsrpt",
	.id = DM_KIND_TLSRPT,
	.sniff = k_sniff,
	.parse = k_parse,
	.identity = k_identity,
	.to_json = k_to_json,
	.free_model = k_free,
};
