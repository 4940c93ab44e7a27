/*
 * api_feed.c - the spoofing-host feed in the portal (issue 18 part 5):
 *   GET  spoofers        the feed as JSON (src/analyze/feed.h)
 *   GET  spoofers.csv    the same as CSV, a download
 *   GET  spoofers.zone   the same as an rbldnsd zone (combined dataset), a download
 *   GET  takedown?ip=    the take-down request for one host, ja and en, to copy
 *   GET  spoofer-allow   the allow-list (the tenant's rows and the provider's)
 *   POST spoofer-allow   {"cidr", "note"}: add to the principal's allow-list
 *   POST spoofer-allow/remove  {"cidr"}: remove from it
 * Query: domain, since, until (the common filters; default the last `days`
 * days, 30), min_messages, min_days; zone_name for the zone.
 *
 * Principal-scoped like every route: the feed covers the principal's own
 * domains only (a tenant's; an operator's every domain with reports in the
 * period), so a tenant sees only hosts that sent mail in its domains' name
 * and evidence (failure reports, samples) from its domains; domain= of
 * another's is 404.  A tenant's allow-list entries are its own (tenant_id);
 * an operator's are provider-wide (tenant 0) and apply to every feed.
 * Nothing is sent anywhere: the take-down text is only shown.
 *
 * Exports: api_spoofers, api_spoofers_csv, api_spoofers_zone, api_takedown,
 * api_spoofer_allow, api_spoofer_allow_add, api_spoofer_allow_rm (web_priv.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_priv.h"
#include "../analyze/feed.h"
#include "../auth/audit.h"
#include "../store/store_dnscheck.h"
#include "../store/store_feed.h"
#include "../util/log.h"

#define DAY 86400

typedef struct scope {
	char **d;
	size_t n, cap;
} scope;

static int
scope_add(void *ctx, const char *dom)
{
	scope *sc = ctx;

	if (sc->n == sc->cap) {
		size_t nc = sc->cap ? sc->cap * 2 : 16;
		char **nd = realloc(sc->d, nc * sizeof(*nd));

		if (nd == NULL)
			return 1;
		sc->d = nd;
		sc->cap = nc;
	}
	if ((sc->d[sc->n] = strdup(dom)) == NULL)
		return 1;
	sc->n++;
	return 0;
}

static void
scope_free(scope *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->d[i]);
	free(sc->d);
}

/* The feed of the request's scope into f; 0, or -1 after answering. */
static int
load(wreq *r, wresp *out, const char *ip, scope *sc, feed *f)
{
	store_web_query w;
	feed_opts o;
	const char *v;
	int64_t days = 30, n;
	char err[512];
	const dm_principal *p = r->principal;

	memset(sc, 0, sizeof(*sc));
	memset(f, 0, sizeof(*f));
	if (!store_has(r->st, feed)) {
		api_error(out, 501, "unavailable", "the spoofing-host feed is not available with this store");
		return -1;
	}
	if (api_filters(r, out, &w, 0) != 0)
		return -1;
	memset(&o, 0, sizeof(o));
	o.min_messages = o.min_days = 1;
	if ((v = api_arg(r, "days")) != NULL && api_parse_int(v, 1, FEED_MAX_DAYS, &days) != 0)
		goto bad;
	if ((v = api_arg(r, "min_messages")) != NULL &&
	    api_parse_int(v, 1, 1000000000, &o.min_messages) != 0)
		goto bad;
	if ((v = api_arg(r, "min_days")) != NULL && api_parse_int(v, 1, FEED_MAX_DAYS, &n) != 0)
		goto bad;
	if (v != NULL)
		o.min_days = n;
	o.until = w.until > 0 ? w.until : (int64_t)time(NULL);
	o.since = w.since > 0 ? w.since : o.until - days * DAY;
	if (o.until - o.since > FEED_MAX_DAYS * DAY)
		o.since = o.until - FEED_MAX_DAYS * DAY;
	if (w.domain != NULL) {
		if (!principal_can_read_domain(p, w.domain)) {
			api_error(out, 404, "not_found", "no such domain");
			return -1;
		}
		if (scope_add(sc, w.domain) != 0)
			goto oom;
	} else if (p->tenant_id != 0 || !principal_is_operator(p)) {
		for (size_t i = 0; i < p->ndomains; i++)
			if (scope_add(sc, p->domains[i]) != 0)
				goto oom;
	} else if (!store_has(r->st, dnscheck) ||
	    store_dnscheck_domains(r->st, o.since, scope_add, sc) != STORE_OK) {
		log_warnx("serve: spoofers: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return -1;
	}
	o.domains = (const char *const *)sc->d;
	o.ndomains = sc->n;
	o.tenant_id = p->tenant_id;
	o.ip = ip;
	o.svc = feed_services();
	if (feed_build(r->st, &o, f, err, sizeof(err)) != 0) {
		log_warnx("serve: spoofers: %s", err);
		api_error(out, 500, "database", "database error");
		return -1;
	}
	return 0;
bad:
	api_error(out, 400, "bad_parameter", "a query parameter is malformed or out of range");
	return -1;
oom:
	api_error(out, 500, "memory", "out of memory");
	return -1;
}

static void
done(scope *sc, feed *f)
{
	feed_free(f);
	scope_free(sc);
}

void
api_spoofers(wreq *r, wresp *out)
{
	scope sc;
	feed f;

	if (load(r, out, NULL, &sc, &f) != 0) {
		scope_free(&sc);
		return;
	}
	api_json(out, 200, feed_json(&f));
	done(&sc, &f);
}

static void
download(wreq *r, wresp *out, int zone)
{
	const char *zn = api_arg(r, "zone_name");
	scope sc;
	feed f;
	size_t n = zn != NULL ? strlen(zn) : 0;

	if (zn != NULL && (n == 0 || n > 200 || zn[0] == '.' ||
	    strspn(zn, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n)) {
		api_error(out, 400, "bad_parameter", "zone_name: a lower-case DNS name");
		return;
	}
	if (load(r, out, NULL, &sc, &f) != 0) {
		scope_free(&sc);
		return;
	}
	out->status = 200;
	if (zone) {
		out->type = "text/plain; charset=utf-8";
		feed_zone(&f, zn, &out->body);
	} else {
		out->type = "text/csv; charset=utf-8";
		feed_csv(&f, &out->body);
	}
	out->disposition = zone ? "attachment; filename=\"spoofers.zone\"" :
	    "attachment; filename=\"spoofers.csv\"";
	done(&sc, &f);
}

void
api_spoofers_csv(wreq *r, wresp *out)
{
	download(r, out, 0);
}

void
api_spoofers_zone(wreq *r, wresp *out)
{
	download(r, out, 1);
}

void
api_takedown(wreq *r, wresp *out)
{
	const char *ip = api_arg(r, "ip");
	char canon[IP_STRLEN];
	int fam;
	scope sc;
	feed f;
	dbuf ja, en;
	json_t *j;

	if (ip == NULL || ip_canon(ip, strlen(ip), canon, &fam) != 0) {
		api_error(out, 400, "bad_ip", "ip: an IP address");
		return;
	}
	if (load(r, out, canon, &sc, &f) != 0) {
		scope_free(&sc);
		return;
	}
	if (f.n == 0) {
		api_error(out, 404, "not_found", f.nexcluded > 0 ? "this host is never reported "
		    "(allow-list, My Senders, known service or forwarder)" :
		    "no spoofing-suspected mail from this host for your domains in the period");
		done(&sc, &f);
		return;
	}
	dbuf_init(&ja, 1 << 20);
	dbuf_init(&en, 1 << 20);
	feed_takedown(&f, &f.hosts[0], "ja", &ja);
	feed_takedown(&f, &f.hosts[0], "en", &en);
	j = json_object();
	json_object_set_new(j, "ip", json_string(f.hosts[0].ip));
	json_object_set_new(j, "abuse_email", f.hosts[0].abuse_email ?
	    json_string(f.hosts[0].abuse_email) : json_null());
	json_object_set_new(j, "ja", json_string(dbuf_cstr(&ja)));
	json_object_set_new(j, "en", json_string(dbuf_cstr(&en)));
	json_object_set_new(j, "sent", json_false());	/* never: the admin sends it */
	dbuf_free(&ja);
	dbuf_free(&en);
	api_json(out, 200, j);
	done(&sc, &f);
}

typedef struct allow_ctx {
	json_t *arr;
	int64_t tenant_id;	/* the principal's: its rows are "own" (removable) */
} allow_ctx;

static int
allow_row(void *ctx, const store_feed_allow *a)
{
	allow_ctx *c = ctx;

	json_array_append_new(c->arr, json_pack("{s:I,s:s,s:s?,s:I,s:b,s:b}", "id", (json_int_t)a->id,
	    "cidr", a->cidr, "note", a->note, "created_at", (json_int_t)a->created_at, "provider",
	    a->tenant_id == 0, "own", a->tenant_id == c->tenant_id));
	return 0;
}

void
api_spoofer_allow(wreq *r, wresp *out)
{
	json_t *arr;
	allow_ctx ac;

	if (!store_has(r->st, feed)) {
		api_error(out, 501, "unavailable", "the spoofing-host feed is not available with this store");
		return;
	}
	arr = json_array();
	ac.arr = arr;
	ac.tenant_id = r->principal->tenant_id;
	if (store_feed_allow_list(r->st, r->principal->tenant_id, allow_row, &ac) != STORE_OK) {
		log_warnx("serve: spoofer-allow: %s", store_errmsg(r->st));
		json_decref(arr);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, json_pack("{s:o,s:b}", "rows", arr, "writable",
	    principal_can_write(r->principal)));
}

/* The body's cidr, canonical, into canon; note into *note (may stay NULL). */
static json_t *
body_cidr(wreq *r, wresp *out, char canon[IP_CIDRLEN], const char **note)
{
	json_t *in;
	json_error_t je;
	const char *cidr = NULL;
	ip_cidr c;

	if (!store_has(r->st, feed)) {
		api_error(out, 501, "unavailable", "the spoofing-host feed is not available with this store");
		return NULL;
	}
	if (r->body == NULL || (in = json_loadb(r->body, r->bodylen, 0, &je)) == NULL) {
		api_error(out, 400, "bad_json", "the body is not JSON");
		return NULL;
	}
	if (json_unpack_ex(in, &je, 0, "{s:s,s?s}", "cidr", &cidr, "note", note) != 0 ||
	    strlen(cidr) > IP_CIDRLEN || ip_cidr_parse(cidr, &c) != 0 ||
	    (*note != NULL && strlen(*note) > 500)) {
		json_decref(in);
		api_error(out, 400, "bad_cidr", "need cidr: an address or network (note: optional)");
		return NULL;
	}
	ip_cidr_format(&c, canon);
	return in;
}

static void
allow_audit(wreq *r, const char *action, const char *cidr)
{
	if (audit(r->st, r->principal->name, r->principal->tenant_id, action, "-", r->client_ip,
	    "%s", cidr) != 0)
		log_warnx("serve: audit %s: %s", action, store_errmsg(r->st));
}

void
api_spoofer_allow_add(wreq *r, wresp *out)
{
	char canon[IP_CIDRLEN];
	const char *note = NULL;
	json_t *in = body_cidr(r, out, canon, &note);
	int64_t id = 0;

	if (in == NULL)
		return;
	if (store_feed_allow_add(r->st, r->principal->tenant_id, canon, note,
	    (int64_t)time(NULL), &id) != STORE_OK) {
		int dup = strstr(store_errmsg(r->st), "already") != NULL;

		json_decref(in);
		if (!dup)
			log_warnx("serve: spoofer-allow: %s", store_errmsg(r->st));
		api_error(out, dup ? 409 : 500, dup ? "exists" : "database", dup ?
		    "already on the allow-list" : "database error");
		return;
	}
	json_decref(in);
	allow_audit(r, "feed_allow_add", canon);
	api_json(out, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "cidr", canon));
}

void
api_spoofer_allow_rm(wreq *r, wresp *out)
{
	char canon[IP_CIDRLEN];
	const char *note = NULL;
	json_t *in = body_cidr(r, out, canon, &note);
	int found = 0;

	if (in == NULL)
		return;
	json_decref(in);
	if (store_feed_allow_del(r->st, r->principal->tenant_id, canon, &found) != STORE_OK) {
		log_warnx("serve: spoofer-allow: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return;
	}
	if (!found) {
		api_error(out, 404, "not_found", "not on this account's allow-list");
		return;
	}
	allow_audit(r, "feed_allow_rm", canon);
	api_json(out, 200, json_pack("{s:s}", "removed", canon));
}
