/*
 * api_check.c - GET /api/v1/check?domain=D: the latest DNS record check of a
 * policy domain (the daemon's daily run or `dmarcscope check --save`, kept in
 * dns_checks: findings with code, severity, RFC section, ja/en text and the
 * record) and the record history (dns_records: every text each record had,
 * first and last seen, when it went).  The portal's DNS check screen
 * (web/js/screens/check.js) draws it.  Read access to the domain is
 * required; an unknown domain and one the principal may not read both
 * answer 404.  A domain never checked answers {"checked": false, ...}.
 *
 * Exports: api_check (web_priv.h).
 */
#include <jansson.h>
#include <string.h>

#include "web_priv.h"
#include "../auth/principal.h"
#include "../store/store_dnscheck.h"
#include "../util/log.h"

typedef struct hist_ctx {
	json_t *arr;
} hist_ctx;

static int
hist_cb(void *ctx, const store_dns_record *d)
{
	hist_ctx *h = ctx;

	json_array_append_new(h->arr, json_pack("{s:s,s:s,s:s,s:I,s:I,s:o}", "kind", d->kind, "name",
	    d->name, "text", d->text, "first_seen", (json_int_t)d->first_seen, "last_seen",
	    (json_int_t)d->last_seen, "gone_at", d->gone_at ? json_integer(d->gone_at) : json_null()));
	return 0;
}

static int
result_cb(void *ctx, int64_t at, const char *text)
{
	json_t **j = ctx;
	json_error_t e;

	(void)at;
	*j = json_loads(text, 0, &e);
	return 0;
}

void
api_check(wreq *r, wresp *out)
{
	const char *d = api_arg(r, "domain");
	size_t n = d != NULL ? strlen(d) : 0;
	json_t *res = NULL, *j;
	hist_ctx h;
	int found = 0;

	if (!store_has(r->st, dnscheck)) {
		api_error(out, 501, "unavailable", "DNS checks are not available with this store");
		return;
	}
	if (n == 0 || n > 253 || strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != n) {
		api_error(out, 400, "bad_domain", "domain: a domain name in lower case");
		return;
	}
	if (!principal_can_read_domain(r->principal, d)) {
		api_error(out, 404, "not_found", "no such domain");
		return;
	}
	h.arr = json_array();
	if (store_dnscheck_result_get(r->st, d, result_cb, &res, &found) != STORE_OK ||
	    store_dnscheck_records(r->st, d, 0, 200, hist_cb, &h) != STORE_OK) {
		log_warnx("serve: check: %s", store_errmsg(r->st));
		json_decref(res);
		json_decref(h.arr);
		api_error(out, 500, "database", "database error");
		return;
	}
	j = json_object();
	json_object_set_new(j, "domain", json_string(d));
	json_object_set_new(j, "checked", json_boolean(found && res != NULL));
	json_object_set_new(j, "result", res != NULL ? res : json_null());
	json_object_set_new(j, "history", h.arr);
	api_json(out, 200, j);
}
