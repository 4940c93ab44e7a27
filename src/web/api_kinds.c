/*
 * api_kinds.c - the JSON API of failure reports (the threats list, one
 * report, its attachments, the URL view) and of TLS reports, and what
 * they add to /records/{id}, /hosts/{ip} and /domains (docs/API.md;
 * the contract is notes/kinds-contract.md of issue 13).
 *
 *   GET threats, threats.csv, threats/ID, threat-urls, tls
 *
 * The reads are store_web.h queries (SWQ_THREATS ...); every value is
 * bound there.  Report strings (subjects, headers, sample text, URLs) are
 * returned only as JSON strings; every URL also in its defanged form
 * (arf_defang), which is the only one the front end shows.  Attachments
 * are served by api_attach.c.
 *
 * "authorized" (a row's source is one of its domain's My Senders) is the
 * analysis' own rule: the domain's senders in a sender_set and
 * sender_match() on the address and its host facts (reverse DNS and
 * service from the enrichment cache), as src/analyze/analysis.c does for
 * aggregate records.
 *
 * Exports: api_threats, api_threats_csv, api_threat, api_threat_load,
 * api_threat_urls, api_tls, api_kinds_record, api_kinds_host, api_kinds_domains,
 * kinds_auth_* (web_priv.h).  Errors: JSON {"error","message"} with a
 * 4xx/5xx status, as api.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_priv.h"
#include "../analyze/senders.h"
#include "../report/arf.h"
#include "../store/store_analysis.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

json_t *enrich_host_json(store *st, const char *ip) __attribute__((weak));

#define DAY 86400
#define AUTH_DOMAINS 32

/* ---- My Senders ------------------------------------------------------------ */

struct kinds_auth {
	store *st;
	int n, next;
	char *dom[AUTH_DOMAINS];
	sender_set *set[AUTH_DOMAINS];
};

kinds_auth *
kinds_auth_new(store *st)
{
	kinds_auth *a = xcalloc(1, sizeof(*a));

	a->st = st;
	return a;
}

void
kinds_auth_free(kinds_auth *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < a->n; i++) {
		free(a->dom[i]);
		sender_set_free(a->set[i]);
	}
	free(a);
}

static int
load_rule(void *ctx, const store_sender *x)
{
	char err[128];

	sender_set_add(ctx, x->id, (sender_kind)x->kind, x->match_type, x->value, err,
	    sizeof(err));
	return 0;
}

static sender_set *
auth_set(kinds_auth *a, const char *dom)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->dom[i], dom) == 0)
			return a->set[i];
	if (a->n < AUTH_DOMAINS)
		i = a->n++;
	else {
		i = a->next;
		a->next = (a->next + 1) % AUTH_DOMAINS;
		free(a->dom[i]);
		sender_set_free(a->set[i]);
	}
	a->dom[i] = xstrdup(dom);
	a->set[i] = sender_set_new();
	if (store_has(a->st, analysis) &&
	    store_analysis_sender_list(a->st, dom, load_rule, a->set[i]) != STORE_OK)
		log_warnx("serve: senders of %s: %s", dom, store_errmsg(a->st));
	return a->set[i];
}

int
kinds_auth_match(kinds_auth *a, const char *dom, const char *ip, const char *ptr,
    const char *svc)
{
	sender_facts sf;
	ip_bin b;
	int64_t id;

	if (dom == NULL || *dom == '\0' || ip == NULL)
		return 0;
	memset(&sf, 0, sizeof(sf));
	sf.ip = ip_parse(ip, &b) == 0 ? &b : NULL;
	sf.ptr = ptr;
	sf.service = svc;
	return sender_match(auth_set(a, dom), &sf, &id) != SENDER_NONE;
}

/* ---- parameters ------------------------------------------------------------ */

static int
plain_text(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The filters of the failure-report routes beyond api_filters: reporter,
 * url_domain, kind, by; ip in the canonical form the store keeps (ipbuf
 * holds it).  0, or -1 after a 400. */
static int
kinds_params(wreq *r, wresp *out, store_web_query *w, char ipbuf[IP_STRLEN])
{
	const char *v;
	int fam;

	if (w->ip != NULL && ip_canon(w->ip, strlen(w->ip), ipbuf, &fam) == 0)
		w->ip = ipbuf;

	if ((v = api_arg(r, "reporter")) != NULL) {
		if (!plain_text(v, 320))
			goto bad;
		w->reporter = v;
	}
	if ((v = api_arg(r, "url_domain")) != NULL) {
		if (!plain_text(v, 253) || strpbrk(v, " /\\") != NULL)
			goto bad;
		w->url_domain = v;
	}
	if ((v = api_arg(r, "kind")) != NULL) {
		if (strcmp(v, "all") == 0)
			w->kind_all = 1;
		else if (strcmp(v, "dmarc") != 0)
			goto bad;
	}
	if ((v = api_arg(r, "by")) != NULL) {
		if (strcmp(v, "domain") == 0)
			w->by_domain = 1;
		else if (strcmp(v, "url") != 0)
			goto bad;
	}
	return 0;
bad:
	api_error(out, 400, "bad_parameter", "a query parameter is malformed or out of range");
	return -1;
}

/* ---- small helpers ----------------------------------------------------------- */

static json_t *
defang(const char *url)
{
	size_t n;
	char *d;
	json_t *j;

	if (url == NULL)
		return json_null();
	n = strlen(url) * 3 + 16;
	d = xmalloc(n);
	arf_defang(url, d, n);
	j = json_string(d);
	free(d);
	return j != NULL ? j : json_null();
}

/* o[k] holds JSON text (flags, reporters): replaced by its value, [] when
 * it does not parse. */
static void
json_field(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	json_t *v = s != NULL ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;

	json_object_set_new(o, k, v != NULL ? v : json_array());
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A threats-list row as the API gives it: flags parsed, authorized added,
 * the internal _service column dropped. */
static void
threat_row(kinds_auth *a, json_t *x)
{
	json_field(x, "flags");
	json_object_set_new(x, "authorized", json_boolean(kinds_auth_match(a,
	    str(x, "policy_domain"), str(x, "source_ip"), str(x, "ptr"), str(x, "_service"))));
	json_object_del(x, "_service");
}

static void
db_error(wresp *out)
{
	api_error(out, 500, "database", "database error");
}

/* ---- GET threats ------------------------------------------------------------- */

void
api_threats(wreq *r, wresp *out)
{
	store_web_query w;
	char ipbuf[IP_STRLEN];
	json_t *a, *c, *src, *rec, *j;
	kinds_auth *au;
	int err = 0, partial = 0;
	int64_t mine = 0, other = 0;

	if (api_filters(r, out, &w, 0) != 0 || kinds_params(r, out, &w, ipbuf) != 0)
		return;
	a = api_rows(r, SWQ_THREATS, &w, &err);
	src = api_rows(r, SWQ_THREAT_SOURCES, &w, &err);
	rec = api_one(r, SWQ_THREATS_RECEIVED, &w, &err);
	/* the total is the sum over the sources (one pass fewer); with no row at
	 * all, the count query says whether the window was full */
	c = json_array_size(src) == 0 && !err ? api_one(r, SWQ_THREATS_COUNT, &w, &err) : NULL;
	if (err) {
		json_decref(a);
		json_decref(c);
		json_decref(src);
		json_decref(rec);
		db_error(out);
		return;
	}
	au = kinds_auth_new(r->st);
	for (size_t i = 0; i < json_array_size(a); i++)
		threat_row(au, json_array_get(a, i));
	for (size_t i = 0; i < json_array_size(src); i++) {
		json_t *x = json_array_get(src, i);
		json_int_t n = json_integer_value(json_object_get(x, "n"));

		if (kinds_auth_match(au, str(x, "policy_domain"), str(x, "source_ip"), str(x, "ptr"),
		    str(x, "service")))
			mine += n;
		else
			other += n;
		partial |= json_integer_value(json_object_get(x, "partial")) != 0;
	}
	kinds_auth_free(au);
	partial |= json_integer_value(json_object_get(c, "partial")) != 0;
	j = json_object();
	json_object_set_new(j, "total", json_integer((json_int_t)(mine + other)));
	json_object_set_new(j, "page", json_integer(w.offset / w.limit + 1));
	json_object_set_new(j, "per_page", json_integer(w.limit));
	json_object_set_new(j, "partial", json_boolean(partial));
	json_object_set_new(j, "window", json_integer(STORE_WEB_SCAN_MAX));
	json_object_set_new(j, "summary", json_pack("{s:I,s:I,s:I,s:I}",
	    "threats", (json_int_t)(mine + other),
	    "my_senders", (json_int_t)mine, "unauthorized", (json_int_t)other,
	    "reports_received", json_integer_value(json_object_get(rec, "n"))));
	json_object_set_new(j, "rows", a);
	json_decref(c);
	json_decref(src);
	json_decref(rec);
	api_json(out, 200, j);
	out->cacheable = 1;
}

/* ---- GET threats.csv ----------------------------------------------------------- */

static void
file_part(char *buf, size_t len, const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		buf[i] = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '-' ?
		    name[i] : '_';
	buf[i] = '\0';
}

void
api_threats_csv(wreq *r, wresp *out)
{
	store_web_query w;
	char ipbuf[IP_STRLEN];
	const char *lang = api_arg(r, "lang");
	csv_tz tz;
	char dom[256], name[400], disp[512];

	if (api_filters(r, out, &w, 0) != 0 || kinds_params(r, out, &w, ipbuf) != 0)
		return;
	if ((lang != NULL && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) ||
	    csv_tz_parse(api_arg(r, "tz"), &tz) != 0) {
		api_error(out, 400, "bad_parameter", "a query parameter is malformed or out of range");
		return;
	}
	if (w.domain != NULL && !principal_can_read_domain(r->principal, w.domain)) {
		api_error(out, 404, "not_found", "no such domain");
		return;
	}
	if ((out->ready = csv_threats_response(r->o, r->principal, &w, lang != NULL &&
	    strcmp(lang, "ja") == 0, &tz)) == NULL) {
		api_error(out, 500, "csv", "cannot start the download");
		return;
	}
	file_part(dom, sizeof(dom), w.domain ? w.domain : "all");
	snprintf(name, sizeof(name), "threats-%s-%s_%s.csv", dom,
	    api_arg(r, "since") ? api_arg(r, "since") : "start",
	    api_arg(r, "until") ? api_arg(r, "until") : "end");
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	MHD_add_response_header(out->ready, "Content-Disposition", disp);
}

/* ---- GET threats/ID ------------------------------------------------------------ */

json_t *
api_threat_load(wreq *r, wresp *out, int64_t id, json_t **model)
{
	store_web_query w;
	json_t *j;
	int err = 0;

	memset(&w, 0, sizeof(w));
	w.cls = w.result = -1;
	w.id = id;
	if ((j = api_one(r, SWQ_THREAT, &w, &err)) == NULL) {
		api_error(out, err ? 500 : 404, err ? "database" : "not_found",
		    err ? "database error" : "no such failure report");
		return NULL;
	}
	*model = json_loads(str(j, "model") ? str(j, "model") : "", 0, NULL);
	if (*model == NULL || !json_is_object(*model)) {
		json_decref(*model);
		*model = json_object();
	}
	json_object_del(j, "model");
	return j;
}

static json_t *
get_or(json_t *o, const char *k, json_t *dflt)
{
	json_t *v = json_object_get(o, k);

	if (v != NULL) {
		json_decref(dflt);
		return json_incref(v);
	}
	return dflt;
}

static json_t *
threat_sample(json_t *model)
{
	static const char *const keys[] = { "kind", "subject", "from", "to", "date", "message_id",
	    "return_path", "header_count", "text", "text_truncated" };
	json_t *s = json_object_get(model, "sample"), *o = json_object();

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new(o, keys[i], get_or(s, keys[i], json_null()));
	json_object_set_new(o, "headers", get_or(s, "headers", json_array()));
	return o;
}

/* The source's host facts (enrichment cache), its class in the aggregate
 * data of the domain, and whether it is one of the domain's My Senders. */
static json_t *
threat_host(wreq *r, json_t *j, int *err)
{
	store_web_query w;
	const char *ip = str(j, "source_ip"), *dom = str(j, "policy_domain");
	json_t *h = NULL, *c;
	kinds_auth *au;
	static const char *const cls[] = { "normal", "forwarded", "auth_failure",
	    "spoofing_suspected" };

	if (ip == NULL)
		return json_null();
	memset(&w, 0, sizeof(w));
	w.cls = w.result = -1;
	w.ip = ip;
	if (enrich_host_json)
		h = enrich_host_json(r->st, ip);
	if (h == NULL)
		h = api_one(r, SWQ_HOST, &w, err);
	if (h == NULL)
		h = json_object();
	json_object_set_new(h, "ip", json_string(ip));
	if (json_object_get(h, "dnsbl_listed") != NULL)
		json_object_set(h, "listed", json_object_get(h, "dnsbl_listed"));
	w.domain = dom != NULL && *dom ? dom : NULL;
	c = api_one(r, SWQ_IP_CLASS, &w, err);
	if (c != NULL && json_is_integer(json_object_get(c, "class"))) {
		json_int_t k = json_integer_value(json_object_get(c, "class"));

		json_object_set(h, "class", json_object_get(c, "class"));
		json_object_set_new(h, "class_name", k >= 0 && k < 4 ? json_string(cls[k]) :
		    json_null());
		json_object_set(h, "messages", json_object_get(c, "messages"));
	} else {
		json_object_set_new(h, "class", json_null());
		json_object_set_new(h, "class_name", json_null());
		json_object_set_new(h, "messages", json_integer(0));
	}
	json_decref(c);
	au = kinds_auth_new(r->st);
	json_object_set_new(h, "authorized", json_boolean(kinds_auth_match(au, dom, ip,
	    str(j, "ptr"), str(j, "service"))));
	kinds_auth_free(au);
	return h;
}

void
api_threat(wreq *r, wresp *out, int64_t id)
{
	store_web_query w;
	json_t *j, *model, *urls, *atts, *a;
	int err = 0;

	if ((j = api_threat_load(r, out, id, &model)) == NULL)
		return;
	memset(&w, 0, sizeof(w));
	w.cls = w.result = -1;
	w.id = id;
	urls = api_rows(r, SWQ_THREAT_URLS, &w, &err);
	for (size_t i = 0; i < json_array_size(urls); i++) {
		json_t *u = json_array_get(urls, i);

		json_field(u, "flags");
		json_object_set_new(u, "defanged", defang(str(u, "url")));
	}
	atts = json_array();
	a = json_object_get(model, "attachments");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_deep_copy(json_array_get(a, i));

		if (!json_is_object(x)) {
			json_decref(x);
			continue;
		}
		json_object_set_new(x, "index", json_integer((json_int_t)i));
		json_array_append_new(atts, x);
	}
	json_field(j, "flags");
	json_object_set_new(j, "is_dmarc_failure", json_boolean(json_integer_value(
	    json_object_get(j, "is_dmarc_failure"))));
	json_object_set_new(j, "redacted", json_boolean(json_integer_value(
	    json_object_get(j, "redacted"))));
	json_object_set_new(j, "sample_purged", json_boolean(json_integer_value(
	    json_object_get(j, "sample_purged"))));
	json_object_set_new(j, "warnings", get_or(model, "warnings", json_array()));
	json_object_set_new(j, "feedback", get_or(model, "feedback", json_object()));
	json_object_set_new(j, "sample", threat_sample(model));
	json_object_set_new(j, "urls", urls);
	json_object_set_new(j, "urls_dropped", get_or(model, "urls_dropped", json_integer(0)));
	json_object_set_new(j, "attachments", atts);
	json_object_set_new(j, "attachments_dropped", get_or(model, "attachments_dropped",
	    json_integer(0)));
	json_object_set_new(j, "host", threat_host(r, j, &err));
	json_object_set(j, "authorized", json_object_get(json_object_get(j, "host"),
	    "authorized") ? json_object_get(json_object_get(j, "host"), "authorized") :
	    json_false());
	json_object_del(j, "service");
	json_decref(model);
	if (err) {
		json_decref(j);
		db_error(out);
		return;
	}
	api_json(out, 200, j);
	out->cacheable = 1;
}

/* ---- GET threat-urls -------------------------------------------------------------- */

void
api_threat_urls(wreq *r, wresp *out)
{
	store_web_query w;
	char ipbuf[IP_STRLEN];
	json_t *a, *c, *j;
	int err = 0;

	if (api_filters(r, out, &w, 0) != 0 || kinds_params(r, out, &w, ipbuf) != 0)
		return;
	a = api_rows(r, SWQ_URLS, &w, &err);
	if (json_array_size(a) > 0)	/* the page's rows carry the totals */
		c = json_pack("{s:O,s:O}", "total", json_object_get(json_array_get(a, 0), "_total"),
		    "partial", json_object_get(json_array_get(a, 0), "_partial"));
	else
		c = api_one(r, SWQ_URLS_COUNT, &w, &err);
	if (err) {
		json_decref(a);
		json_decref(c);
		db_error(out);
		return;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i);

		json_object_del(x, "_total");
		json_object_del(x, "_partial");
		json_object_del(x, "n");
		if (w.by_domain) {
			json_object_set_new(x, "url", json_null());
			json_object_set_new(x, "defanged", json_null());
			json_object_set_new(x, "host", json_null());
			json_object_set_new(x, "defanged_domain", defang(str(x, "reg_domain")));
		} else
			json_object_set_new(x, "defanged", defang(str(x, "url")));
	}
	j = json_object();
	json_object_set_new(j, "total", json_integer(json_integer_value(json_object_get(c,
	    "total"))));
	json_object_set_new(j, "page", json_integer(w.offset / w.limit + 1));
	json_object_set_new(j, "per_page", json_integer(w.limit));
	json_object_set_new(j, "by", json_string(w.by_domain ? "domain" : "url"));
	json_object_set_new(j, "partial", json_boolean(json_integer_value(json_object_get(c,
	    "partial"))));
	json_object_set_new(j, "window", json_integer(STORE_WEB_SCAN_MAX));
	json_object_set_new(j, "url_window", json_integer(STORE_WEB_URL_MAX));
	json_object_set_new(j, "rows", a);
	json_decref(c);
	api_json(out, 200, j);
	out->cacheable = 1;
}

/* ---- GET tls ------------------------------------------------------------------- */

void
api_tls(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *doms, *days, *types, *fails, *reps, *j, *names;
	int err = 0, partial = 0;
	json_int_t ok = 0, bad = 0;

	if (api_filters(r, out, &w, 0) != 0)
		return;
	doms = api_rows(r, SWQ_TLS_DOMAINS, &w, &err);
	days = api_rows(r, SWQ_TLS_DAYS, &w, &err);
	types = api_rows(r, SWQ_TLS_TYPES, &w, &err);
	fails = api_rows(r, SWQ_TLS_FAILURES, &w, &err);
	reps = api_rows(r, SWQ_TLS_REPORTS, &w, &err);
	if (err) {
		json_decref(doms);
		json_decref(days);
		json_decref(types);
		json_decref(fails);
		json_decref(reps);
		db_error(out);
		return;
	}
	names = json_array();
	for (size_t i = 0; i < json_array_size(doms); i++)
		json_array_append(names, json_object_get(json_array_get(doms, i), "domain"));
	json_decref(doms);
	for (size_t i = 0; i < json_array_size(days); i++) {
		json_t *x = json_array_get(days, i);

		ok += json_integer_value(json_object_get(x, "success"));
		bad += json_integer_value(json_object_get(x, "failure"));
		partial |= json_integer_value(json_object_get(x, "partial")) != 0;
		json_object_del(x, "partial");
	}
	for (size_t i = 0; i < json_array_size(fails); i++) {
		json_t *x = json_array_get(fails, i);

		json_field(x, "reporters");
		/* a URI by RFC 8460: shown defanged, as every URL */
		json_object_set_new(x, "additional_information_defanged",
		    defang(str(x, "additional_information")));
	}
	j = json_object();
	json_object_set_new(j, "domains", names);
	json_object_set_new(j, "summary", json_pack("{s:I,s:I,s:f}", "success", ok, "failure", bad,
	    "failure_rate", ok + bad > 0 ? (double)bad / (double)(ok + bad) : 0.0));
	json_object_set_new(j, "days", days);
	json_object_set_new(j, "failure_types", types);
	json_object_set_new(j, "failures", fails);
	json_object_set_new(j, "reports", reps);
	json_object_set_new(j, "partial", json_boolean(partial));
	json_object_set_new(j, "window", json_integer(STORE_WEB_AGG_MAX));
	api_json(out, 200, j);
	out->cacheable = 1;
}

/* ---- additions to other routes ---------------------------------------------------- */

static void
bools(json_t *a, const char *k)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i);

		json_object_set_new(x, k, json_boolean(json_integer_value(json_object_get(x, k))));
	}
}

/* /records/{id}: the failure reports of the record's source IP that arrived
 * on the UTC days its report covers. */
int
api_kinds_record(wreq *r, json_t *rec)
{
	store_web_query w;
	json_t *a;
	int err = 0, fam;
	char ipbuf[IP_STRLEN];
	int64_t b = json_integer_value(json_object_get(rec, "date_begin"));
	int64_t e = json_integer_value(json_object_get(rec, "date_end"));

	memset(&w, 0, sizeof(w));
	w.cls = w.result = -1;
	w.kind_all = 1;
	w.ip = str(rec, "source_ip");
	if (w.ip != NULL && ip_canon(w.ip, strlen(w.ip), ipbuf, &fam) == 0)
		w.ip = ipbuf;	/* failure reports keep the canonical form */
	w.since = b - (b % DAY + DAY) % DAY;
	w.until = e - (e % DAY + DAY) % DAY + DAY;
	w.limit = 50;
	if (w.ip == NULL || w.since <= 0) {
		json_object_set_new(rec, "failure_reports", json_array());
		return 0;
	}
	if (w.until <= w.since)
		w.until = w.since + DAY;
	a = api_rows(r, SWQ_IP_FAILURES, &w, &err);
	bools(a, "is_dmarc_failure");
	json_object_set_new(rec, "failure_reports", a);
	return err ? -1 : 0;
}

/* /hosts/{ip}: how many failure reports name the address (in the host
 * page's domain and range), and the newest ten. */
int
api_kinds_host(wreq *r, json_t *host, const store_web_query *w0, const char *ip)
{
	store_web_query w = *w0;
	json_t *a, *c;
	int err = 0, fam;
	char ipbuf[IP_STRLEN];

	w.ip = ip_canon(ip, strlen(ip), ipbuf, &fam) == 0 ? ipbuf : ip;
	w.kind_all = 1;
	w.limit = 10;
	a = api_rows(r, SWQ_IP_FAILURES, &w, &err);
	bools(a, "is_dmarc_failure");
	c = api_one(r, SWQ_IP_FAILURES_COUNT, &w, &err);
	json_object_set_new(host, "failure_reports", json_pack("{s:I,s:o}", "count",
	    json_integer_value(json_object_get(c, "n")), "recent", a));
	json_decref(c);
	return err ? -1 : 0;
}

/* /domains: each row gets failure_reports and tls_reports; domains seen only
 * in failure or TLS reports are added after the others. */
int
api_kinds_domains(wreq *r, json_t *list)
{
	json_t *k, *idx = json_object();
	int err = 0;

	k = api_rows(r, SWQ_KIND_DOMAINS, NULL, &err);
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *x = json_array_get(list, i);

		json_object_set_new(x, "failure_reports", json_integer(0));
		json_object_set_new(x, "tls_reports", json_integer(0));
		if (str(x, "domain") != NULL)
			json_object_set(idx, str(x, "domain"), x);
	}
	for (size_t i = 0; i < json_array_size(k); i++) {
		json_t *y = json_array_get(k, i), *x;
		const char *d = str(y, "domain");

		if (d == NULL)
			continue;
		if ((x = json_object_get(idx, d)) == NULL) {
			x = json_pack("{s:s,s:i,s:i,s:n,s:n,s:O}", "domain", d, "reports", 0, "messages",
			    0, "first_begin", "last_end", "tenant", json_object_get(y, "tenant") ?
			    json_object_get(y, "tenant") : json_null());
			json_array_append_new(list, x);
		}
		json_object_set(x, "failure_reports", json_object_get(y, "failure_reports"));
		json_object_set(x, "tls_reports", json_object_get(y, "tls_reports"));
	}
	json_decref(k);
	json_decref(idx);
	return err ? -1 : 0;
}
