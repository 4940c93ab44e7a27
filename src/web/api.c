/*
 * api.c - the JSON API under /api/v1/ (documented in docs/API.md).
 *
 *   GET  meta, version, domains, stats, records, records.csv, records/ID,
 *        senders, hosts/IP, map, reports, reports/ID, raw/ID, quarantine;
 *        threats, threats.csv, threats/ID, threats/ID/attachment, threat-urls,
 *        tls (api_kinds.c); overview, overview.csv (api_overview.c)
 *   POST senders, quarantine/ID/retry          DELETE senders/ID
 *
 * Query parameters are parsed and checked here (dates YYYY-MM-DD, numbers
 * in range, names from fixed lists) and handed to the store as bound
 * values (store_web.h).  Every string in a response is JSON-escaped by
 * jansson; the front end inserts them with textContent only.
 *
 * A quarantine retry runs `dmarcscope quarantine retry --json ID` as a
 * child process (retry_child): the HTTP process never parses the hostile
 * input.
 *
 * Statistics are stats_build()'s object (src/analyze/stats.c, from the
 * rollups; keys in docs/STATS.md), as the CLI prints it.  Host details
 * come from enrich_host_json() when the enrichment module provides it (a
 * weak reference), else from the hosts table.
 *
 * Exports: api_handle, api_json, api_error, api_arg, api_routes_print (web.h).
 * Errors: every failure is a JSON body {"error":CODE,"message":TEXT} with
 * a 4xx/5xx status; database messages are logged, not sent.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_keys.h"
#include "web_priv.h"
#include "auth_web.h"
#include "api_admin.h"
#include "../auth/audit.h"
#include "../store/store_auth.h"
#include "metrics.h"
#include "../analyze/classify.h"
#include "../analyze/stats.h"
#include "../store/store_analysis.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

/* Optional modules: NULL when not linked in. */
json_t *enrich_host_json(store *st, const char *ip) __attribute__((weak));

#define DS_WEB_VERSION "0.1.0"
#define DAY 86400

static const char *const class_names[] = { "normal", "forwarded", "auth_failure",
    "spoofing_suspected" };
static const char *const path_names[] = { "normal", "forwarded", "forwarded_no_dkim",
    "ml_own", "ml_other", "spoofing" };
static const char *const sort_names[SWS__COUNT] = { "date", "domain", "ip", "ptr", "count",
    "header_from", "dmarc", "spf", "dkim", "disposition", "country", "class" };

/* ---- small helpers ------------------------------------------------------- */

void
api_json(wresp *out, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	out->status = status;
	out->type = "application/json; charset=utf-8";
	dbuf_reset(&out->body);
	if (s != NULL) {
		dbuf_addstr(&out->body, s);
		free(s);
	}
	json_decref(j);
}

void
api_error(wresp *out, int status, const char *code, const char *msg)
{
	api_json(out, status, json_pack("{s:s,s:s}", "error", code, "message", msg));
	out->cacheable = 0;
}

const char *
api_arg(wreq *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static json_t *
val_json(const store_web_val *v)
{
	switch (v->type) {
	case SWV_INT: return json_integer((json_int_t)v->i);
	case SWV_REAL: return json_real(v->d);
	case SWV_TEXT: {
		json_t *j = json_string(v->s);
		char *c;

		if (j != NULL)
			return j;
		c = xstrdup(v->s);	/* not UTF-8: keep ASCII, mark the rest */
		for (char *q = c; *q; q++)
			if ((unsigned char)*q >= 0x80)
				*q = '?';
		j = json_string(c);
		free(c);
		return j;
	}
	default: return json_null();
	}
}

/* A row as a JSON object under the keys of q's table (api_keys.c); NULL when
 * a column has no key there: logged, and the request answers 500. */
static json_t *
row_json(int q, int ncol, const char *const *names, const store_web_val *v)
{
	json_t *o = json_object();

	for (int i = 0; i < ncol; i++) {
		const api_key *k = api_key_of(q, i, names[i]);

		if (k == NULL) {
			log_warnx("serve: column %s of query %d has no JSON key (src/web/api_keys.c)",
			    names[i], q);
			json_decref(o);
			return NULL;
		}
		if (!api_key_type_ok(k, &v[i]))
			log_warnx("serve: column %s of query %d: value type %d, not the key table's",
			    names[i], q, v[i].type);
		json_object_set_new(o, k->key, val_json(&v[i]));
	}
	return o;
}

typedef struct rows_ctx {
	int q;
	int bad;		/* a column without a key */
	json_t *a;		/* rows: the array */
	json_t *o;		/* one: the first row */
} rows_ctx;

static int
arr_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	rows_ctx *c = ctx;
	json_t *o = row_json(c->q, ncol, names, v);

	if (o == NULL) {
		c->bad = 1;
		return 1;
	}
	json_array_append_new(c->a, o);
	return 0;
}

static int
obj_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	rows_ctx *c = ctx;

	if ((c->o = row_json(c->q, ncol, names, v)) == NULL)
		c->bad = 1;
	return 1;
}

static json_t *
rows(wreq *r, int q, const store_web_query *w, int *err)
{
	rows_ctx c = { q, 0, json_array(), NULL };

	if (store_web_run(r->st, r->principal, q, w, arr_cb, &c) != STORE_OK) {
		log_warnx("serve: %s", store_errmsg(r->st));
		*err = 1;
	} else if (c.bad) {
		*err = 1;
	}
	return c.a;
}

static json_t *
one(wreq *r, int q, const store_web_query *w, int *err)
{
	rows_ctx c = { q, 0, NULL, NULL };

	if (store_web_run(r->st, r->principal, q, w, obj_cb, &c) != STORE_OK) {
		log_warnx("serve: %s", store_errmsg(r->st));
		*err = 1;
	} else if (c.bad) {
		*err = 1;
	}
	return c.o;
}

static int
parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	int y, m, d;
	char tail;

	/* exactly YYYY-MM-DD: sscanf alone would skip blanks and take signs */
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

static int
parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL)
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
valid_domain(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == '/' || *s == '\\')
			return 0;
	return 1;
}

static int
class_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

/*
 * The common filters: domain, since, until (inclusive day), class, result,
 * q, ip, sort, dir, page, per_page.  Returns 0, or -1 after api_error.
 */
static int
filters(wreq *r, wresp *out, store_web_query *w, int capped)
{
	const char *v;
	int64_t n;

	memset(w, 0, sizeof(*w));
	w->cls = w->result = -1;
	w->limit = 50;
	w->desc = 1;
	if ((v = api_arg(r, "domain")) != NULL) {
		if (!valid_domain(v))
			goto bad;
		w->domain = v;
	}
	if ((v = api_arg(r, "since")) != NULL && parse_date(v, &w->since) != 0)
		goto bad;
	if ((v = api_arg(r, "until")) != NULL) {
		if (parse_date(v, &w->until) != 0)
			goto bad;
		w->until += DAY;	/* the whole last day */
	}
	if (w->since > 0 && w->until > 0 && w->until <= w->since)
		goto bad;
	if (r->o->retention_days > 0) {
		int64_t floor = (int64_t)time(NULL) / DAY * DAY -
		    (int64_t)r->o->retention_days * DAY;

		if (w->since < floor)
			w->since = floor;
	}
	if (capped && r->o->max_range_days > 0) {
		int64_t span = (int64_t)r->o->max_range_days * DAY;

		if (w->since == 0 || w->until == 0 || w->until - w->since > span) {
			api_error(out, 400, "range", "since and until are required and at most "
			    "max_range_days apart (see /api/v1/meta)");
			return -1;
		}
	}
	if ((v = api_arg(r, "class")) != NULL && (w->cls = class_parse(v)) < 0)
		goto bad;
	if ((v = api_arg(r, "result")) != NULL) {
		if (strcmp(v, "pass") == 0)
			w->result = 1;
		else if (strcmp(v, "fail") == 0)
			w->result = 0;
		else
			goto bad;
	}
	if ((v = api_arg(r, "q")) != NULL) {
		if (strlen(v) > 255)
			goto bad;
		w->search = v;
	}
	if ((v = api_arg(r, "ip")) != NULL) {
		ip_bin b;

		if (ip_parse(v, &b) != 0)
			goto bad;
		w->ip = v;
	}
	if ((v = api_arg(r, "sort")) != NULL) {
		w->sort = -1;
		for (int i = 0; i < SWS__COUNT; i++)
			if (strcmp(v, sort_names[i]) == 0)
				w->sort = i;
		if (w->sort < 0)
			goto bad;
	}
	if ((v = api_arg(r, "dir")) != NULL) {
		if (strcmp(v, "asc") == 0)
			w->desc = 0;
		else if (strcmp(v, "desc") != 0)
			goto bad;
	}
	if ((v = api_arg(r, "per_page")) != NULL) {
		if (parse_int(v, 1, 500, &n) != 0)
			goto bad;
		w->limit = n;
	}
	if ((v = api_arg(r, "page")) != NULL) {
		if (parse_int(v, 1, 10000000, &n) != 0)
			goto bad;
		w->offset = (n - 1) * w->limit;
	}
	if ((v = api_arg(r, "report")) != NULL) {
		if (parse_int(v, 1, INT64_MAX, &n) != 0)
			goto bad;
		w->report_id = n;
	}
	return 0;
bad:
	api_error(out, 400, "bad_parameter", "a query parameter is malformed or out of range");
	return -1;
}

static int64_t
path_id(const char *s)
{
	int64_t n;

	return parse_int(s, 1, INT64_MAX, &n) == 0 ? n : -1;
}

static json_t *
name_or_null(const char *const *tab, int n, json_t *code)
{
	int i = json_is_integer(code) ? (int)json_integer_value(code) : -1;

	return i >= 0 && i < n ? json_string(tab[i]) : json_null();
}

/* Adds the class / path names next to their codes. */
static void
decorate(json_t *row)
{
	json_t *c = json_object_get(row, "class"), *p = json_object_get(row, "path");

	if (c != NULL)
		json_object_set_new(row, "class_name", name_or_null(class_names, 4, c));
	if (p != NULL)
		json_object_set_new(row, "path_name", name_or_null(path_names, 6, p));
}

/* ---- isolation ------------------------------------------------------------ */

/*
 * The principal may read domain (principal_can_read_domain): 1, else 0
 * after answering 404, the answer for a domain nobody has, so a tenant
 * cannot tell another tenant's domain from a domain with no reports.  For
 * the reads that do not go through store_web (statistics, My Senders).
 */
static int
domain_ok(wreq *r, wresp *out, const char *domain)
{
	if (domain != NULL && principal_can_read_domain(r->principal, domain))
		return 1;
	api_error(out, 404, "not_found", "no such domain");
	return 0;
}

/*
 * An audit entry for a change made through the portal: the actor is the
 * principal's name, the tenant the domain's owner (0: unassigned or none),
 * so a tenant's admins see an operator's changes to their domains too.  A
 * failure is logged, not answered: the change itself is made.
 */
static void
audit_change(wreq *r, const char *action, const char *domain, const char *fmt,
    const char *detail)
{
	int64_t tenant = 0;

	if (!store_has(r->st, auth))
		return;
	if (domain != NULL && store_auth_domain_owner(r->st, domain, &tenant) != STORE_OK)
		tenant = 0;
	if (audit(r->st, r->principal->name, tenant, action, domain != NULL ? domain : "-",
	    r->client_ip, fmt, detail) != 0)
		log_warnx("serve: audit %s: %s", action, store_errmsg(r->st));
}

/* ---- handlers ------------------------------------------------------------ */

static void
h_meta(wreq *r, wresp *out)
{
	json_t *j = json_object();

	json_object_set_new(j, "version", json_string(DS_WEB_VERSION));
	json_object_set_new(j, "max_range_days", json_integer(r->o->max_range_days));
	json_object_set_new(j, "retention_days", json_integer(r->o->retention_days));
	json_object_set_new(j, "enrichment", json_string(bg_enrich_state() == 0 ? "off" :
	    bg_enrich_state() == 2 ? "running" : "idle"));
	json_object_set_new(j, "senders_writable", json_boolean(store_has(r->st, analysis) &&
	    principal_can_write(r->principal) &&
	    (!store_has(r->st, web) || !store_has_op(r->st, web, readonly) ||
	    !store_web_readonly(r->st))));
	json_object_set_new(j, "auth", json_boolean(r->o->password != NULL));
	json_object_set_new(j, "classes", json_pack("[ssss]", class_names[0], class_names[1],
	    class_names[2], class_names[3]));
	api_json(out, 200, j);
}

/*
 * The data version a tenant's pages poll is its own: the newest of its
 * reports, failure and TLS reports, senders, pending reanalysis and domain
 * assignments (store_web SWQ_VERSION with a tenant principal), so another
 * tenant's ingest does not show in it.  It is computed again only when the
 * global version (bg.c) has moved: one entry per tenant slot.
 */
#define VMEMO 64
static struct {
	int64_t tenant;
	char global[128], mine[160];
} vmemo[VMEMO];
static pthread_mutex_t vmemo_mu = PTHREAD_MUTEX_INITIALIZER;

static void
h_version(wreq *r, wresp *out)
{
	char v[128], mine[160];
	int64_t t = principal_is_operator(r->principal) ? 0 : r->principal->tenant_id;
	size_t slot = (size_t)t % VMEMO;
	int hit = 0, err = 0;
	json_t *row;

	bg_version(v, sizeof(v));
	if (t <= 0) {
		api_json(out, 200, json_pack("{s:s}", "version", v));
		return;
	}
	pthread_mutex_lock(&vmemo_mu);
	if (vmemo[slot].tenant == t && strcmp(vmemo[slot].global, v) == 0) {
		snprintf(mine, sizeof(mine), "%s", vmemo[slot].mine);
		hit = 1;
	}
	pthread_mutex_unlock(&vmemo_mu);
	if (!hit) {
		const char *k;
		json_t *x;
		size_t o;

		if ((row = one(r, SWQ_VERSION, NULL, &err)) == NULL || err) {
			json_decref(row);
			api_error(out, 500, "database", "database error");
			return;
		}
		o = (size_t)snprintf(mine, sizeof(mine), "t%lld", (long long)t);
		json_object_foreach(row, k, x) {
			if (o < sizeof(mine))
				o += (size_t)snprintf(mine + o, sizeof(mine) - o, "-%lld",
				    (long long)json_integer_value(x));
		}
		json_decref(row);
		pthread_mutex_lock(&vmemo_mu);
		vmemo[slot].tenant = t;
		snprintf(vmemo[slot].global, sizeof(vmemo[slot].global), "%s", v);
		snprintf(vmemo[slot].mine, sizeof(vmemo[slot].mine), "%s", mine);
		pthread_mutex_unlock(&vmemo_mu);
	}
	api_json(out, 200, json_pack("{s:s}", "version", mine));
}

static void
h_domains(wreq *r, wresp *out)
{
	int err = 0;
	json_t *a = rows(r, SWQ_DOMAINS, NULL, &err);

	if (!err && api_kinds_domains(r, a) != 0)	/* failure and TLS reports too */
		err = 1;
	if (err) {
		json_decref(a);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, a);
	out->cacheable = 1;
}

static int64_t
geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Takes the store's per-row "partial" column out of the rows of a; 1 when
 * any row had it set (only the newest records of the range were summed). */
static int
take_partial(json_t *a)
{
	int p = 0;

	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *x = json_array_get(a, i);

		p |= geti(x, "partial") != 0;
		json_object_del(x, "partial");
	}
	return p;
}

static json_t *
stats(wreq *r, const store_web_query *w)
{
	stats_query q;
	char e[512];
	json_t *j;

	memset(&q, 0, sizeof(q));
	q.domain = w->domain;
	q.since = w->since;
	q.until = w->until;
	q.top = 20;
	e[0] = '\0';
	if ((j = stats_build(r->st, &q, e, sizeof(e))) == NULL)
		log_warnx("serve: stats: %s", e);
	return j;
}

static void
h_stats(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *j;

	if (filters(r, out, &w, 0) != 0)
		return;
	if (w.domain == NULL) {
		api_error(out, 400, "domain", "domain is required");
		return;
	}
	if (!domain_ok(r, out, w.domain))
		return;
	if ((j = stats(r, &w)) == NULL) {
		api_error(out, 500, "stats", "statistics failed");
		return;
	}
	api_json(out, 200, j);
	out->cacheable = 1;
}


/*
 * One page of a list: {"total", "page", "per_page", "rows"}.  Takes the
 * rows a; on a database error (err) frees a and c, answers 500 and returns
 * NULL; else returns the object (the caller adds keys, frees c, answers).
 */
static json_t *
page_reply(wresp *out, const store_web_query *w, json_t *a, json_t *c, int err,
    const char *total_key)
{
	json_t *j;

	if (err) {
		json_decref(a);
		json_decref(c);
		api_error(out, 500, "database", "database error");
		return NULL;
	}
	j = json_object();
	json_object_set_new(j, "total", json_integer(c ? geti(c, total_key) : 0));
	json_object_set_new(j, "page", json_integer(w->offset / w->limit + 1));
	json_object_set_new(j, "per_page", json_integer(w->limit));
	json_object_set_new(j, "rows", a);
	return j;
}

static void
h_records(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *j, *a, *c;
	int err = 0;

	if (filters(r, out, &w, api_arg(r, "report") == NULL && api_arg(r, "ip") == NULL) != 0)
		return;
	a = rows(r, SWQ_RECORDS, &w, &err);
	for (size_t i = 0; i < json_array_size(a); i++)
		decorate(json_array_get(a, i));
	c = one(r, SWQ_RECORDS_COUNT, &w, &err);
	if ((j = page_reply(out, &w, a, c, err, "records")) != NULL) {
		json_object_set_new(j, "messages", json_integer(c ? geti(c, "messages") : 0));
		/* filters and sorts look at the newest records only (store_web.h) */
		json_object_set_new(j, "partial", json_boolean(c != NULL && geti(c, "partial")));
		json_object_set_new(j, "window", json_integer(STORE_WEB_SCAN_MAX));
		json_decref(c);
		api_json(out, 200, j);
		out->cacheable = 1;
	}
}

/* name with only [A-Za-z0-9._-] (others become '_'), for a file name */
static void
file_part(char *buf, size_t len, const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		buf[i] = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '-' ?
		    name[i] : '_';
	buf[i] = '\0';
}

/*
 * lang=ja: Japanese headers and a UTF-8 BOM (else English); tz: the zone of
 * the date column (csv_tz_parse: UTC by default, Asia/Tokyo, UTC+09:00).
 * File name: dmarc-DOMAIN-SINCE_UNTIL.csv ("all", "start", "end" when a
 * filter is absent).
 */
static void
h_records_csv(wreq *r, wresp *out)
{
	store_web_query w;
	const char *lang = api_arg(r, "lang");
	csv_tz tz;
	char dom[256], name[400], disp[512];

	if (filters(r, out, &w, api_arg(r, "report") == NULL && api_arg(r, "ip") == NULL) != 0)
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
	if ((out->ready = csv_response(r->o, r->principal, &w, lang != NULL &&
	    strcmp(lang, "ja") == 0, &tz)) == NULL) {
		api_error(out, 500, "csv", "cannot start the download");
		return;
	}
	/* The file name is built from checked values only; MHD copies the header. */
	file_part(dom, sizeof(dom), w.domain ? w.domain : "all");
	snprintf(name, sizeof(name), "dmarc-%s-%s_%s.csv", dom,
	    api_arg(r, "since") ? api_arg(r, "since") : "start",
	    api_arg(r, "until") ? api_arg(r, "until") : "end");
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	MHD_add_response_header(out->ready, "Content-Disposition", disp);
}

static void
h_record(wreq *r, wresp *out, int64_t id)
{
	store_web_query w;
	json_t *j;
	int err = 0;

	memset(&w, 0, sizeof(w));
	w.cls = w.result = -1;
	w.id = id;
	if ((j = one(r, SWQ_RECORD, &w, &err)) == NULL) {
		api_error(out, err ? 500 : 404, err ? "database" : "not_found",
		    err ? "database error" : "no such record");
		return;
	}
	decorate(j);
	json_object_set_new(j, "reasons", rows(r, SWQ_RECORD_REASONS, &w, &err));
	json_object_set_new(j, "auth_dkim", rows(r, SWQ_RECORD_DKIM, &w, &err));
	json_object_set_new(j, "auth_spf", rows(r, SWQ_RECORD_SPF, &w, &err));
	{
		int e = (int)geti(j, "expl");

		json_object_set_new(j, "explanation_en", json_string(cls_explain((cls_expl)e, "en")));
		json_object_set_new(j, "explanation_ja", json_string(cls_explain((cls_expl)e, "ja")));
	}
	if (api_kinds_record(r, j) != 0) {	/* failure reports of the IP and days */
		json_decref(j);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, j);
	out->cacheable = 1;
}

/* ---- senders ------------------------------------------------------------- */

/*
 * Before a write: 1 after answering 503 when the database is read-only (a
 * read-only file, directory or mount: the store opened it for reading),
 * else 0.
 */
static int
read_only(wreq *r, wresp *out)
{
	if (!store_has(r->st, web) || !store_has_op(r->st, web, readonly) || !store_web_readonly(r->st))
		return 0;
	api_error(out, 503, "read_only", "database is read-only");
	return 1;
}

struct grp {
	char prefix[IP_CIDRLEN];
	json_t *o;
};

static int
sender_list_cb(void *ctx, const store_sender *s)
{
	json_array_append_new((json_t *)ctx, json_pack("{s:I,s:s,s:i,s:s,s:s,s:s?,s:I}",
	    "id", (json_int_t)s->id, "policy_domain", s->policy_domain, "kind", s->kind,
	    "match_type", s->match_type, "value", s->value, "note", s->note,
	    "created_at", (json_int_t)s->created_at));
	return 0;
}

static void
h_senders(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *j, *src, *groups, *reg = json_array(), *idx = json_object(), *st;
	int err = 0, partial;

	if (filters(r, out, &w, 0) != 0) {
		json_decref(reg);
		json_decref(idx);
		return;
	}
	if (w.domain == NULL || !principal_can_read_domain(r->principal, w.domain)) {
		json_decref(reg);
		json_decref(idx);
		if (w.domain == NULL)
			api_error(out, 400, "domain", "domain is required");
		else
			domain_ok(r, out, w.domain);
		return;
	}
	if (store_has(r->st, analysis) &&
	    store_analysis_sender_list(r->st, w.domain, sender_list_cb, reg) != STORE_OK)
		log_warnx("serve: senders: %s", store_errmsg(r->st));
	src = rows(r, SWQ_SOURCES, &w, &err);
	partial = take_partial(src);
	groups = json_array();
	for (size_t i = 0; i < json_array_size(src); i++) {
		json_t *x = json_array_get(src, i), *g;
		const char *ip = json_string_value(json_object_get(x, "ip"));
		const char *svc = json_string_value(json_object_get(x, "service"));
		char pfx[IP_CIDRLEN], key[IP_CIDRLEN + 160];
		ip_bin b;

		if (ip == NULL || ip_parse(ip, &b) != 0)
			continue;
		ip_prefix_of(&b, b.family == 4 ? 24 : 48, pfx);
		/* a group is one prefix, one kind and one service: never a mix,
		 * so each tab's list adds up to its matrix */
		snprintf(key, sizeof(key), "%s|%lld|%.128s", pfx, (long long)geti(x, "sender_kind"),
		    svc ? svc : "");
		if ((g = json_object_get(idx, key)) == NULL) {
			g = json_pack("{s:s,s:I,s:i,s:i,s:i,s:i,s:i,s:[],s:O?,s:O?,s:O?}",
			    "prefix", pfx, "sender_kind", (json_int_t)geti(x, "sender_kind"),
			    "messages", 0, "spf_aligned", 0,
			    "dkim_aligned", 0, "dmarc_pass", 0, "spoofing", 0, "ips",
			    "ptr", json_object_get(x, "ptr"), "service", json_object_get(x, "service"),
			    "country", json_object_get(x, "country"));
			json_object_set(idx, key, g);
			json_array_append_new(groups, g);
		}
		json_object_set_new(g, "messages", json_integer(geti(g, "messages") +
		    geti(x, "messages")));
		json_object_set_new(g, "spf_aligned", json_integer(geti(g, "spf_aligned") +
		    geti(x, "spf_aligned")));
		json_object_set_new(g, "dkim_aligned", json_integer(geti(g, "dkim_aligned") +
		    geti(x, "dkim_aligned")));
		json_object_set_new(g, "dmarc_pass", json_integer(geti(g, "dmarc_pass") +
		    geti(x, "dmarc_pass")));
		json_object_set_new(g, "spoofing", json_integer(geti(g, "spoofing") +
		    geti(x, "spoofing")));
		json_array_append(json_object_get(g, "ips"), x);
	}
	json_decref(src);
	json_decref(idx);
	if (err) {
		json_decref(groups);
		json_decref(reg);
		api_error(out, 500, "database", "database error");
		return;
	}
	j = json_object();
	json_object_set_new(j, "registered", reg);
	json_object_set_new(j, "groups", groups);
	json_object_set_new(j, "writable", json_boolean(store_has(r->st, analysis) &&
	    principal_can_write(r->principal)));
	json_object_set_new(j, "partial", json_boolean(partial));
	json_object_set_new(j, "window", json_integer(STORE_WEB_AGG_MAX));
	/* the matrix, from the statistics */
	st = stats(r, &w);
	if (st != NULL && json_object_get(st, "matrix") != NULL)
		json_object_set(j, "matrix", json_object_get(st, "matrix"));
	json_decref(st);
	api_json(out, 200, j);
	out->cacheable = 1;
}

static void
h_sender_add(wreq *r, wresp *out)
{
	json_error_t je;
	json_t *in;
	const char *domain = NULL, *mt = NULL, *value = NULL, *note = NULL;
	int kind = 0;
	store_sender s;
	int64_t id = 0;

	if (!store_has(r->st, analysis)) {
		api_error(out, 501, "unavailable", "My Senders are not available in this build");
		return;
	}
	if (read_only(r, out))
		return;
	if (r->body == NULL || (in = json_loadb(r->body, r->bodylen, 0, &je)) == NULL) {
		api_error(out, 400, "bad_json", "the body is not JSON");
		return;
	}
	if (json_unpack_ex(in, &je, 0, "{s:s,s:i,s:s,s:s,s?s}", "domain", &domain, "kind", &kind,
	    "match_type", &mt, "value", &value, "note", &note) != 0 || !valid_domain(domain) ||
	    (kind != 1 && kind != 2) || (strcmp(mt, "cidr") != 0 && strcmp(mt, "rdns") != 0 &&
	    strcmp(mt, "service") != 0 && strcmp(mt, "dkim") != 0) || strlen(value) == 0 ||
	    strlen(value) > 255 || (note != NULL && strlen(note) > 500)) {
		json_decref(in);
		api_error(out, 400, "bad_sender", "need domain, kind (1 internal, 2 third party), "
		    "match_type (cidr|rdns|service|dkim) and value");
		return;
	}
	if (!principal_can_read_domain(r->principal, domain)) {
		json_decref(in);
		api_error(out, 403, "forbidden", "the domain is not one of this account's");
		return;
	}
	if (strcmp(mt, "cidr") == 0) {
		ip_cidr c;

		if (ip_cidr_parse(value, &c) != 0) {
			json_decref(in);
			api_error(out, 400, "bad_cidr", "value is not a CIDR");
			return;
		}
	}
	memset(&s, 0, sizeof(s));
	s.policy_domain = domain;
	s.kind = kind;
	s.match_type = mt;
	s.value = value;
	s.note = note;
	s.created_at = (int64_t)time(NULL);
	if (store_begin(r->st) != STORE_OK ||
	    store_analysis_sender_add(r->st, &s, &id) != STORE_OK ||
	    store_analysis_pending_add(r->st, domain) != STORE_OK ||
	    store_commit(r->st) != STORE_OK) {
		const char *m = store_errmsg(r->st);
		int dup = strstr(m, "already") != NULL;

		store_rollback(r->st);
		json_decref(in);
		if (!dup)
			log_warnx("serve: sender add: %s", m);
		api_error(out, dup ? 409 : 500, dup ? "exists" : "database",
		    dup ? "already registered" : "database error");
		return;
	}
	{
		char what[600];

		snprintf(what, sizeof(what), "id %lld, %s %s %s", (long long)id,
		    kind == 1 ? "internal" : "third party", mt, value);
		audit_change(r, "sender_add", domain, "%s", what);
	}
	json_decref(in);
	api_json(out, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void
h_sender_rm(wreq *r, wresp *out, int64_t id)
{
	char dom[256];
	int found = 0, err = 0;
	store_web_query w;
	json_t *mine;

	if (!store_has(r->st, analysis)) {
		api_error(out, 501, "unavailable", "My Senders are not available in this build");
		return;
	}
	if (read_only(r, out))
		return;
	/* another tenant's sender is "no such sender" */
	memset(&w, 0, sizeof(w));
	w.id = id;
	if ((mine = one(r, SWQ_SENDER_DOMAIN, &w, &err)) == NULL) {
		api_error(out, err ? 500 : 404, err ? "database" : "not_found",
		    err ? "database error" : "no such sender");
		return;
	}
	json_decref(mine);
	if (store_begin(r->st) != STORE_OK ||
	    store_analysis_sender_rm(r->st, id, dom, sizeof(dom), &found) != STORE_OK ||
	    (found && store_analysis_pending_add(r->st, dom) != STORE_OK) ||
	    store_commit(r->st) != STORE_OK) {
		log_warnx("serve: sender rm: %s", store_errmsg(r->st));
		store_rollback(r->st);
		api_error(out, 500, "database", "database error");
		return;
	}
	if (!found) {
		api_error(out, 404, "not_found", "no such sender");
		return;
	}
	{
		char what[32];

		snprintf(what, sizeof(what), "id %lld", (long long)id);
		audit_change(r, "sender_rm", dom, "%s", what);
	}
	api_json(out, 200, json_pack("{s:b}", "removed", 1));
}

/* ---- hosts, map, reports, quarantine -------------------------------------- */


static void
h_host(wreq *r, wresp *out, const char *ip)
{
	store_web_query w;
	json_t *j, *h = NULL, *daily;
	int err = 0;
	ip_bin b;

	if (ip_parse(ip, &b) != 0) {
		api_error(out, 400, "bad_ip", "not an IP address");
		return;
	}
	if (filters(r, out, &w, 0) != 0)
		return;
	w.ip = ip;
	{
		/* a tenant sees a host only through its own domains' mail */
		json_t *seen = one(r, SWQ_HOST_SEEN, &w, &err);
		int ok = seen != NULL && json_integer_value(json_object_get(seen, "seen")) == 1;

		json_decref(seen);
		if (err || !ok) {
			api_error(out, err ? 500 : 404, err ? "database" : "not_found",
			    err ? "database error" : "no such host");
			return;
		}
	}
	if (enrich_host_json)
		h = enrich_host_json(r->st, ip);
	if (h == NULL)
		h = one(r, SWQ_HOST, &w, &err);
	daily = rows(r, SWQ_HOST_DAILY, &w, &err);
	for (size_t i = 0; i < json_array_size(daily); i++)
		decorate(json_array_get(daily, i));
	if (err) {
		json_decref(h);
		json_decref(daily);
		api_error(out, 500, "database", "database error");
		return;
	}
	j = json_object();
	json_object_set_new(j, "ip", json_string(ip));
	json_object_set_new(j, "host", h != NULL ? h : json_null());
	json_object_set_new(j, "daily", daily);
	if (api_kinds_host(r, j, &w, ip) != 0) {	/* failure reports naming it */
		json_decref(j);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, j);
	out->cacheable = 1;
}

static void
h_map(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *a;
	int err = 0, partial;

	if (filters(r, out, &w, 0) != 0)
		return;
	a = rows(r, SWQ_COUNTRIES, &w, &err);
	if (err) {
		json_decref(a);
		api_error(out, 500, "database", "database error");
		return;
	}
	partial = take_partial(a);
	api_json(out, 200, json_pack("{s:o,s:b,s:i}", "countries", a, "partial", partial,
	    "window", STORE_WEB_AGG_MAX));
	out->cacheable = 1;
}

static void
parse_json_field(json_t *o, const char *k)
{
	json_error_t je;
	const char *s = json_string_value(json_object_get(o, k));
	json_t *v;

	if (s != NULL && (v = json_loads(s, 0, &je)) != NULL)
		json_object_set_new(o, k, v);
}

static void
h_reports(wreq *r, wresp *out)
{
	store_web_query w;
	json_t *a, *c, *j;
	int err = 0;

	if (filters(r, out, &w, 0) != 0)
		return;
	a = rows(r, SWQ_REPORTS, &w, &err);
	for (size_t i = 0; i < json_array_size(a); i++) {
		parse_json_field(json_array_get(a, i), "errors");
		parse_json_field(json_array_get(a, i), "warnings");
	}
	c = one(r, SWQ_REPORTS_COUNT, &w, &err);
	if ((j = page_reply(out, &w, a, c, err, "reports")) != NULL) {
		json_decref(c);
		api_json(out, 200, j);
		out->cacheable = 1;
	}
}

static void
h_report(wreq *r, wresp *out, int64_t id)
{
	store_web_query w;
	json_t *j;
	int err = 0;

	memset(&w, 0, sizeof(w));
	w.cls = w.result = -1;
	w.id = id;
	if ((j = one(r, SWQ_REPORT, &w, &err)) == NULL) {
		api_error(out, err ? 500 : 404, err ? "database" : "not_found",
		    err ? "database error" : "no such report");
		return;
	}
	parse_json_field(j, "errors");
	parse_json_field(j, "warnings");
	api_json(out, 200, j);
	out->cacheable = 1;
}

static void
h_raw(wreq *r, wresp *out, int64_t id)
{
	char err[256];
	int cut = 0;

	dbuf_reset(&out->body);
	if (raw_text(r->st, r->principal, id, &out->body, &cut, err, sizeof(err)) != 0) {
		api_error(out, strcmp(err, "no such message") == 0 ? 404 : 500, "raw", err);
		return;
	}
	out->status = 200;
	out->type = "text/plain; charset=utf-8";
	out->truncated = cut;
}

static void
h_quarantine(wreq *r, wresp *out)
{
	int err = 0;
	json_t *a = rows(r, SWQ_QUARANTINE, NULL, &err);

	if (err) {
		json_decref(a);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, a);
	out->cacheable = 1;
}

static int
find_raw_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	int64_t *want = ctx;
	int64_t id = 0, raw = 0;

	for (int i = 0; i < ncol; i++) {
		if (strcmp(names[i], "id") == 0)
			id = v[i].i;
		else if (strcmp(names[i], "raw_id") == 0)
			raw = v[i].i;
	}
	if (id == want[0]) {
		want[1] = raw;
		return 1;
	}
	return 0;
}

/*
 * Runs `dmarcscope --db DB -q quarantine retry --json ID` (this program,
 * /proc/self/exe) and reads its one line of JSON: the hostile input is
 * parsed by that child process, never by this one (docs/PROVIDER.md,
 * privilege separation).  The child gets no stdin, its stderr goes to
 * /dev/null, at most RETRY_OUT bytes of its output are read, and it is
 * killed after RETRY_SECONDS.  Returns the parsed object or NULL.
 */
#define RETRY_OUT (1 << 20)
#define RETRY_SECONDS 600

static json_t *
retry_child(wreq *r, int64_t qid)
{
	char exe[4096], id[32];
	ssize_t n;
	int fds[2], status = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	dbuf buf;
	json_t *j = NULL;
	json_error_t je;
	time_t until = time(NULL) + RETRY_SECONDS;
	char *argv[10];
	int k = 0;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return NULL;
	exe[n] = '\0';
	snprintf(id, sizeof(id), "%lld", (long long)qid);
	argv[k++] = exe;
	argv[k++] = (char *)"--db";
	argv[k++] = (char *)r->o->db;
	argv[k++] = (char *)"-q";
	argv[k++] = (char *)"quarantine";
	argv[k++] = (char *)"retry";
	argv[k++] = (char *)"--json";
	argv[k++] = id;
	argv[k] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, exe, &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	dbuf_init(&buf, RETRY_OUT);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		char chunk[4096];

		if (time(NULL) >= until) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if ((n = read(fds[0], chunk, sizeof(chunk))) < 0 && errno == EINTR)
			continue;
		if (n <= 0 || dbuf_add(&buf, chunk, (size_t)n) != DBUF_OK)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf.len > 0)
		j = json_loadb(buf.data, strcspn(dbuf_cstr(&buf), "\n"), 0, &je);
	dbuf_free(&buf);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static void
h_retry(wreq *r, wresp *out, int64_t qid)
{
	int64_t want[2] = { qid, 0 };
	json_t *j;

	if (store_web_run(r->st, r->principal, SWQ_QUARANTINE, NULL, find_raw_cb, want) !=
	    STORE_OK || want[1] == 0) {
		api_error(out, 404, "not_found", "no such quarantine entry");
		return;
	}
	if (read_only(r, out))
		return;
	if ((j = retry_child(r, qid)) == NULL) {
		/* no line: the entry was resolved meanwhile, or the child failed */
		log_warnx("serve: quarantine retry %lld: the ingest process gave no outcome",
		    (long long)qid);
		api_json(out, 200, json_pack("{s:I,s:s,s:[]}", "id", (json_int_t)qid, "outcome",
		    "failed", "refusals"));
		return;
	}
	json_object_set_new(j, "id", json_integer((json_int_t)qid));
	{
		char what[96];

		snprintf(what, sizeof(what), "quarantine %lld: %s", (long long)qid,
		    json_string_value(json_object_get(j, "outcome")) ? json_string_value(
		    json_object_get(j, "outcome")) : "?");
		audit_change(r, "quarantine_retry", NULL, "%s", what);
	}
	api_json(out, 200, j);
}

/* ---- routing ------------------------------------------------------------- */

/*
 * The one table of routes: api_handle walks it and `serve --routes` prints
 * it (api_routes_print), so a route cannot exist without being listed, and
 * tests/realpaths.sh requests every line of that list.
 *
 * A path (after /api/v1) is literal, or holds one placeholder {NAME} that
 * may be followed by a literal suffix.  A route with h_id takes a positive
 * integer there (anything else: the next route, finally 404); one with h_str
 * takes the text up to the suffix when it is shorter than IP_STRLEN.  GET
 * routes answer HEAD too.  access (enum api_access, web_priv.h) is what the
 * request's principal must be; api_handle checks it, and the CSRF token of a
 * session on every method but GET, before the handler runs: a route cannot
 * forget it.  type is what a 200 answer is (json, csv, text);
 * query names the query parameters (or "body:" and the JSON body's keys),
 * "-" when none.
 */
static const struct api_route {
	const char *method;
	const char *path;
	void (*h)(wreq *, wresp *);
	void (*h_id)(wreq *, wresp *, int64_t);
	void (*h_str)(wreq *, wresp *, const char *);
	int access;			/* enum api_access (web_priv.h) */
	const char *type;
	const char *query;
	const char *what;
} routes[] = {
	{ "GET", "/meta", h_meta, NULL, NULL, ACC_READ, "json", "-",
	    "version, limits, enrichment state, class names" },
	{ "GET", "/metrics", metrics_handle, NULL, NULL, ACC_OPERATOR, "text", "-",
	    "Prometheus metrics (operators: totals over every tenant)" },
	{ "GET", "/version", h_version, NULL, NULL, ACC_READ, "json", "-",
	    "the data version the page polls" },
	{ "GET", "/domains", h_domains, NULL, NULL, ACC_READ, "json", "-",
	    "policy domains with reports and messages" },
	{ "GET", "/overview", api_overview, NULL, NULL, ACC_READ, "json",
	    "since,until,q,filter,sort,dir,page,per_page", "the domains overview (api_overview.c)" },
	{ "GET", "/overview.csv", api_overview_csv, NULL, NULL, ACC_READ, "csv",
	    "since,until,q,filter,sort,dir,lang", "the domains overview as CSV" },
	{ "GET", "/stats", h_stats, NULL, NULL, ACC_READ, "json", "domain,since,until",
	    "statistics of one domain (domain required)" },
	{ "GET", "/records", h_records, NULL, NULL, ACC_READ, "json",
	    "domain,since,until,class,result,q,ip,report,sort,dir,page,per_page",
	    "the mail list, one page" },
	{ "GET", "/records.csv", h_records_csv, NULL, NULL, ACC_READ, "csv",
	    "domain,since,until,class,result,q,ip,report,sort,dir,lang,tz",
	    "the mail list as CSV, every row" },
	{ "GET", "/records/{record_id}", NULL, h_record, NULL, ACC_READ, "json", "-",
	    "one record with its auth results and explanation" },
	{ "GET", "/senders", h_senders, NULL, NULL, ACC_READ, "json", "domain,since,until",
	    "My Senders and the sources by prefix (domain required)" },
	{ "POST", "/senders", h_sender_add, NULL, NULL, ACC_WRITE, "json",
	    "body:domain,kind,match_type,value,note", "register a sender" },
	{ "DELETE", "/senders/{sender_id}", NULL, h_sender_rm, NULL, ACC_WRITE, "json", "-",
	    "remove a sender" },
	{ "GET", "/hosts/{ip}", NULL, NULL, h_host, ACC_READ, "json", "domain,since,until",
	    "one sending host: enrichment and daily classes" },
	{ "GET", "/map", h_map, NULL, NULL, ACC_READ, "json", "domain,since,until",
	    "messages by country" },
	{ "GET", "/reports", h_reports, NULL, NULL, ACC_READ, "json",
	    "domain,since,until,page,per_page",
	    "the reports, newest first, one page" },
	{ "GET", "/reports/{report_id}", NULL, h_report, NULL, ACC_READ, "json", "-",
	    "one report" },
	{ "GET", "/raw/{raw_id}", NULL, h_raw, NULL, ACC_READ, "text", "-",
	    "an archived message's documents as text" },
	{ "GET", "/quarantine", h_quarantine, NULL, NULL, ACC_OPERATOR, "json", "-",
	    "refused inputs, newest first" },
	{ "POST", "/quarantine/{quarantine_id}/retry", NULL, h_retry, NULL, ACC_OPERATOR, "json",
	    "-", "reprocess a refused input" },
	{ "GET", "/threats", api_threats, NULL, NULL, ACC_READ, "json",
	    "domain,since,until,reporter,ip,url_domain,q,kind,page,per_page",
	    "failure reports (email threats), one page, with the My Senders split" },
	{ "GET", "/threats.csv", api_threats_csv, NULL, NULL, ACC_READ, "csv",
	    "domain,since,until,reporter,ip,url_domain,q,kind,lang,tz",
	    "the threats list as CSV, every row" },
	{ "GET", "/threats/{failure_id}", NULL, api_threat, NULL, ACC_READ, "json", "-",
	    "one failure report: fields, sample as text, defanged URLs, attachments, host" },
	{ "GET", "/threats/{failure_id}/attachment", NULL, api_threat_attachment, NULL, ACC_READ,
	    "bytes", "n,confirm", "one attachment of the sample, as a download (confirm=1 required)" },
	{ "GET", "/threat-urls", api_threat_urls, NULL, NULL, ACC_READ, "json",
	    "domain,since,until,by,url_domain,kind,page,per_page",
	    "URLs (or URL domains) across failure reports, most reports first" },
	{ "GET", "/tls", api_tls, NULL, NULL, ACC_READ, "json", "domain,since,until",
	    "TLS reports: sessions per day, failure types and details, reports" },
	{ "GET", "/check", api_check, NULL, NULL, ACC_READ, "json", "domain",
	    "the latest DNS record check of a domain (findings) and the record history" },
	{ "GET", "/spoofers", api_spoofers, NULL, NULL, ACC_READ, "json",
	    "domain,since,until,days,min_messages,min_days",
	    "spoofing hosts of the principal's domains: counts, enrichment, abuse contact, evidence" },
	{ "GET", "/spoofers.csv", api_spoofers_csv, NULL, NULL, ACC_READ, "csv",
	    "domain,since,until,days,min_messages,min_days", "the spoofing hosts as CSV" },
	{ "GET", "/spoofers.zone", api_spoofers_zone, NULL, NULL, ACC_READ, "text",
	    "domain,since,until,days,min_messages,min_days,zone_name",
	    "the spoofing hosts as an rbldnsd zone (127.0.0.2 and a TXT each)" },
	{ "GET", "/takedown", api_takedown, NULL, NULL, ACC_READ, "json",
	    "ip,domain,since,until,days", "a take-down request for one spoofing host, ja and en "
	    "(shown, never sent)" },
	{ "GET", "/spoofer-allow", api_spoofer_allow, NULL, NULL, ACC_READ, "json", "-",
	    "the feed's allow-list: the account's and the provider's" },
	{ "POST", "/spoofer-allow", api_spoofer_allow_add, NULL, NULL, ACC_WRITE, "json",
	    "body:cidr,note", "add a network to the feed's allow-list (X-CSRF-Token)" },
	{ "POST", "/spoofer-allow/remove", api_spoofer_allow_rm, NULL, NULL, ACC_WRITE, "json",
	    "body:cidr", "remove a network from the account's allow-list (X-CSRF-Token)" },
	{ "GET", "/readiness", api_ready, NULL, NULL, ACC_READ, "json", "domain,since,until,threshold",
	    "readiness for p=reject: failing share by day/week/sender, met since, next record, what-if" },
	{ "GET", "/fixes", api_fixes, NULL, NULL, ACC_READ, "json", "domain,days,until",
	    "what to change for each failing sender of a domain (SPF, DKIM, alignment), with evidence" },
	{ "GET", "/alerts", api_alerts, NULL, NULL, ACC_READ, "json", "domain,state,rule,limit",
	    "alerts, newest day first, of the domains the principal reads" },
	{ "GET", "/alerts/count", api_alerts_count, NULL, NULL, ACC_READ, "json", "-",
	    "open alerts (the bell)" },
	{ "POST", "/alerts/{alert_id}/ack", NULL, api_alert_ack, NULL, ACC_WRITE, "json", "-",
	    "acknowledge an alert" },
	{ "GET", "/alert-settings", api_alert_settings, NULL, NULL, ACC_READ, "json", "domain",
	    "a domain's alert settings (effective) and the defaults" },
	{ "POST", "/alert-settings", api_alert_settings_post, NULL, NULL, ACC_WRITE, "json",
	    "body:domain,enabled,thresholds,recipients,webhook_url,webhook_secret,webhook_format,"
	    "cooldown_days,digest,summary,summary_weekday,summary_hour,tz_offset_min",
	    "change a domain's alert settings" },
	{ "POST", "/alert-settings/test", api_alert_test, NULL, NULL, ACC_WRITE, "json",
	    "body:domain", "a sample alert through each channel, now" },
	{ "GET", "/session", auth_web_session, NULL, NULL, ACC_PUBLIC, "json", "-",
	    "who the request is, and its CSRF token" },
	{ "POST", "/login", auth_web_login, NULL, NULL, ACC_PUBLIC, "json",
	    "body:user,password", "log in: a session cookie" },
	{ "POST", "/password", auth_web_password, NULL, NULL, ACC_READ, "json", "body:old,new",
	    "change one's password (X-CSRF-Token)" },
	{ "POST", "/logout", auth_web_logout, NULL, NULL, ACC_PUBLIC, "json", "-",
	    "log out: end the session (X-CSRF-Token)" },
	/* administration (api_admin.c): admins (own tenant) and operators */
	{ "GET", "/users", admin_users, NULL, NULL, ACC_MANAGE, "json", "tenant",
	    "users: an admin's tenant's, an operator's every or one tenant's" },
	{ "POST", "/users", admin_user_add, NULL, NULL, ACC_MANAGE, "json",
	    "body:name,role,password,tenant_id", "add a user (X-CSRF-Token)" },
	{ "POST", "/users/{user_id}/disable", NULL, admin_user_disable, NULL, ACC_MANAGE, "json",
	    "-", "disable a user: its sessions end (X-CSRF-Token)" },
	{ "POST", "/users/{user_id}/enable", NULL, admin_user_enable, NULL, ACC_MANAGE, "json",
	    "-", "enable a user (X-CSRF-Token)" },
	{ "POST", "/users/{user_id}/password", NULL, admin_user_password, NULL, ACC_MANAGE, "json",
	    "body:password", "reset a user's password: its sessions end (X-CSRF-Token)" },
	{ "DELETE", "/users/{user_id}", NULL, admin_user_rm, NULL, ACC_MANAGE, "json", "-",
	    "remove a user (X-CSRF-Token)" },
	{ "GET", "/tokens", admin_tokens, NULL, NULL, ACC_MANAGE, "json", "tenant",
	    "API tokens (prefix, scope, use; never the token)" },
	{ "POST", "/tokens", admin_token_add, NULL, NULL, ACC_MANAGE, "json",
	    "body:name,scope,tenant_id", "make an API token: in the answer once (X-CSRF-Token)" },
	{ "DELETE", "/tokens/{token_id}", NULL, admin_token_rm, NULL, ACC_MANAGE, "json", "-",
	    "revoke an API token (X-CSRF-Token)" },
	{ "GET", "/audit", admin_audit, NULL, NULL, ACC_MANAGE, "json", "tenant,limit",
	    "the audit log, newest first" },
	{ "GET", "/tenants", admin_tenants, NULL, NULL, ACC_OPERATOR, "json", "-",
	    "operators: the tenants, for the tenant switcher" },
};

/* p against a route's path: 1 when it matches, with the placeholder's text
 * in arg (NUL-terminated, at most argsz - 1 bytes). */
static int
route_match(const char *pat, const char *p, char *arg, size_t argsz)
{
	const char *open = strchr(pat, '{'), *close, *suffix;
	size_t plen, rlen, slen;

	arg[0] = '\0';
	if (open == NULL)
		return strcmp(pat, p) == 0;
	if ((close = strchr(open, '}')) == NULL)
		return 0;
	plen = (size_t)(open - pat);
	suffix = close + 1;
	slen = strlen(suffix);
	if (strncmp(p, pat, plen) != 0)
		return 0;
	p += plen;
	rlen = strlen(p);
	if (rlen <= slen || strcmp(p + rlen - slen, suffix) != 0 || rlen - slen >= argsz)
		return 0;
	memcpy(arg, p, rlen - slen);
	arg[rlen - slen] = '\0';
	return 1;
}

static const char *const access_names[] = { "public", "read", "write", "manage",
    "operator" };

int
api_require_read(wreq *r, wresp *out)
{
	if (r->principal != NULL && r->principal->method != AUTH_NONE)
		return 0;
	api_error(out, 401, "unauthenticated", "log in first (POST /api/v1/login) or send "
	    "an API token (Authorization: Bearer)");
	return -1;
}

int
api_require_csrf(wreq *r, wresp *out)
{
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0 ||
	    r->principal == NULL || r->principal->method != AUTH_SESSION)
		return 0;
	if (csrf_check(&r->principal->session, MHD_lookup_connection_value(r->c,
	    MHD_HEADER_KIND, "X-CSRF-Token")))
		return 0;
	api_error(out, 403, "csrf", "missing or wrong X-CSRF-Token");
	return -1;
}

static int
forbidden(wresp *out, const char *msg)
{
	api_error(out, 403, "forbidden", msg);
	return -1;
}

int
api_require_write(wreq *r, wresp *out)
{
	if (api_require_read(r, out) != 0)
		return -1;
	if (!principal_can_write(r->principal))
		return forbidden(out, "this account may only read");
	return api_require_csrf(r, out);
}

int
api_require_manage(wreq *r, wresp *out)
{
	if (api_require_read(r, out) != 0)
		return -1;
	if (!principal_can_manage_users(r->principal))
		return forbidden(out, "only administrators and operators manage users");
	return api_require_csrf(r, out);
}

int
api_require_operator(wreq *r, wresp *out)
{
	if (api_require_read(r, out) != 0)
		return -1;
	if (!principal_is_operator(r->principal))
		return forbidden(out, "only the provider's operators may do this");
	return api_require_csrf(r, out);
}

/* The route's access level: 0 allowed, -1 answered. */
static int
route_allowed(wreq *r, wresp *out, int access)
{
	switch (access) {
	case ACC_PUBLIC:
		return 0;
	case ACC_READ:
		return api_require_read(r, out) != 0 ? -1 : api_require_csrf(r, out);
	case ACC_WRITE:
		return api_require_write(r, out);
	case ACC_MANAGE:
		return api_require_manage(r, out);
	case ACC_OPERATOR:
		return api_require_operator(r, out);
	default:
		return forbidden(out, "refused");
	}
}

static void
route_run(const struct api_route *rt, wreq *r, wresp *out, int64_t id, const char *arg)
{
	if (rt->h != NULL)
		rt->h(r, out);
	else if (rt->h_id != NULL)
		rt->h_id(r, out, id);
	else
		rt->h_str(r, out, arg);
}

void
api_handle(wreq *r, wresp *out)
{
	int head = strcmp(r->method, "HEAD") == 0;
	char arg[IP_STRLEN];
	int64_t id = 0;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct api_route *rt = &routes[i];

		if (strcmp(rt->method, r->method) != 0 && !(head && strcmp(rt->method, "GET") == 0))
			continue;
		if (!route_match(rt->path, r->path, arg, sizeof(arg)))
			continue;
		if (rt->h_id != NULL && (id = path_id(arg)) <= 0)
			continue;
		if (route_allowed(r, out, rt->access) != 0)
			return;
		/* a read route's connection cannot write, whatever it calls; it
		 * is switched back here, or (when the query watch stopped that)
		 * by serve_api once the watch is off */
		r->query_only = strcmp(rt->method, "GET") == 0 && rt->access != ACC_PUBLIC &&
		    store_has_op(r->st, web, query_only) &&
		    store_web_query_only(r->st, 1) == STORE_OK;
		/* an operator's tenant view (tenant=ID): the data routes see that
		 * tenant's principal (api_admin.c) */
		if (rt->access == ACC_READ || rt->access == ACC_WRITE) {
			const dm_principal *own = r->principal;
			dm_principal view;
			int v = admin_view(r, out, &view);

			if (v > 0) {
				r->principal = &view;
				route_run(rt, r, out, id, arg);
				r->principal = own;
				principal_free(&view);
			} else if (v == 0)
				route_run(rt, r, out, id, arg);
		} else
			route_run(rt, r, out, id, arg);
		if (r->query_only && store_web_query_only(r->st, 0) == STORE_OK)
			r->query_only = 0;
		return;
	}
	if (api_require_read(r, out) != 0)
		return;
	api_error(out, 404, "not_found", "no such endpoint");
}

void
api_routes_print(FILE *f)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		fprintf(f, "%s\t/api/v1%s\t%s\t%s\t%s\t%s\n", routes[i].method, routes[i].path,
		    routes[i].type, routes[i].query, routes[i].what,
		    access_names[routes[i].access]);
}

/* ---- for api_kinds.c (web_priv.h) ------------------------------------------ */

int
api_filters(wreq *r, wresp *out, store_web_query *w, int capped)
{
	return filters(r, out, w, capped);
}

json_t *
api_rows(wreq *r, int q, const store_web_query *w, int *err)
{
	return rows(r, q, w, err);
}

json_t *
api_one(wreq *r, int q, const store_web_query *w, int *err)
{
	return one(r, q, w, err);
}

int
api_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	return parse_int(s, lo, hi, out);
}
