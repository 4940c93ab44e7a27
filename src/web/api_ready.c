/*
 * api_ready.c - GET /api/v1/readiness?domain=&since=&until=&threshold=:
 * readiness for p=reject of one policy domain over the period (issue 18
 * part 3; the JSON of src/analyze/ready.c: shares by day, week and sender,
 * since when the threshold has been met, the next record, the what-if).
 * The portal's 'ready' screen (web/js/screens/ready.js) draws it.  Read
 * access to the domain is required: a domain the principal may not read
 * answers 404 like an unknown one.  since/until are the common filters
 * (days, until included, at most max_range_days apart); threshold is a
 * percentage from 50 to 100 (99.5).
 *
 * Exports: api_ready (web_priv.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "web_priv.h"
#include "../analyze/ready.h"
#include "../auth/principal.h"
#include "../util/log.h"

void
api_ready(wreq *r, wresp *out)
{
	store_web_query w;
	ready_opts o;
	const char *v;
	char err[512], *end;
	json_t *j;

	if (api_filters(r, out, &w, 1) != 0)
		return;
	if (w.domain == NULL) {
		api_error(out, 400, "bad_domain", "domain: a domain name in lower case");
		return;
	}
	if (!principal_can_read_domain(r->principal, w.domain)) {
		api_error(out, 404, "not_found", "no such domain");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.domain = w.domain;
	o.since = w.since;
	o.until = w.until;
	o.threshold = 99.5;
	if ((v = api_arg(r, "threshold")) != NULL) {
		o.threshold = strtod(v, &end);
		if (end == v || *end != '\0' || strlen(v) > 8 || !(o.threshold >= 50 && o.threshold <= 100)) {
			api_error(out, 400, "bad_threshold", "threshold: a percentage from 50 to 100");
			return;
		}
	}
	if ((j = ready_build(r->st, &o, err, sizeof(err))) == NULL) {
		log_warnx("serve: readiness: %s", err);
		api_error(out, 500, "database", "database error");
		return;
	}
	api_json(out, 200, j);
}
