/*
 * api_fixes.c - GET /api/v1/fixes?domain=D&days=N[&until=YYYY-MM-DD]: the
 * exact fixes of a policy domain (issue 18 part 2, src/analyze/fixes.h) for
 * the reports that began in the N days (30; 1..400) before until (default
 * now): for each of My Senders and each known service that fails, what to
 * change, with the evidence.  No DNS query is made in a request: the SPF
 * record, its lookup count and the DKIM key states come from the domain's
 * last saved check (dns_checks); a proposed include's count is then
 * unknown (null) and the text says how to count it.  The portal's fixes
 * screen (web/js/screens/fixes.js) and the fix lines of My Senders draw it.
 * Read access to the domain is required; an unknown domain and one the
 * principal may not read both answer 404 (the records read is scoped by the
 * principal as well).
 *
 * Exports: api_fixes (web_priv.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_priv.h"
#include "../analyze/fixes.h"
#include "../auth/principal.h"
#include "../store/store_dnscheck.h"
#include "../util/log.h"

static int
saved_cb(void *ctx, int64_t at, const char *json)
{
	(void)at;
	*(char **)ctx = xstrdup(json);
	return 0;
}

void
api_fixes(wreq *r, wresp *out)
{
	const char *d = api_arg(r, "domain"), *v;
	size_t n = d != NULL ? strlen(d) : 0;
	int64_t days = 30, until = (int64_t)time(NULL);
	char err[256], *saved = NULL, *end;
	int found = 0;
	fix_dns *dns;
	json_t *j;

	if (n == 0 || n > 253 || strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != n) {
		api_error(out, 400, "bad_domain", "domain: a domain name in lower case");
		return;
	}
	if ((v = api_arg(r, "days")) != NULL) {
		long x = strtol(v, &end, 10);

		if (*v == '\0' || *end != '\0' || x < 1 || x > 400) {
			api_error(out, 400, "bad_parameter", "days: 1 to 400");
			return;
		}
		days = x;
	}
	if ((v = api_arg(r, "until")) != NULL) {
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		end = strptime(v, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0') {
			api_error(out, 400, "bad_parameter", "until: a date YYYY-MM-DD");
			return;
		}
		until = (int64_t)timegm(&tm) + 86400;
	}
	if (!principal_can_read_domain(r->principal, d)) {
		api_error(out, 404, "not_found", "no such domain");
		return;
	}
	if (store_has(r->st, dnscheck) && store_dnscheck_result_get(r->st, d, saved_cb, &saved,
	    &found) != STORE_OK) {
		log_warnx("serve: fixes: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return;
	}
	dns = fixes_dns_saved(saved);
	j = fixes_run(r->st, r->principal, d, until - days * 86400, until, dns, err, sizeof(err));
	fixes_dns_free(dns);
	free(saved);
	if (j == NULL) {
		log_warnx("serve: fixes: %s", err);
		api_error(out, 500, "database", "database error");
		return;
	}
	json_object_set_new(j, "days", json_integer(days));
	json_object_set_new(j, "checked", json_boolean(found));
	api_json(out, 200, j);
}
