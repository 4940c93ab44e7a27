/*
 * metrics.c - GET /api/v1/metrics: the service's numbers in the Prometheus
 * text format (version 0.0.4), behind the same authentication as the rest of
 * the API (http.c checks it before any route).
 *
 * Everything comes from the database (store_intake.h's metrics op and the
 * store summary), not from process memory: with `serve --config` the intake
 * and alert workers are other processes, and the database is what they share.
 * So the numbers are gauges of what is stored (they fall after a purge), named
 * without _total.  A metric's samples are contiguous, each preceded once by
 * its # HELP and # TYPE lines; label values are escaped (\\, \", \n).
 *
 * Exports: metrics_handle (metrics.h).  Errors: 500 JSON when the database
 * cannot be read; 501 when the backend keeps no intake state.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "../store/store_intake.h"
#include "../util/dbuf.h"

static const struct {
	const char *name, *help;
} helps[] = {
	{ "dmarcscope_reports", "Reports stored, by kind." },
	{ "dmarcscope_records", "Aggregate report records stored." },
	{ "dmarcscope_messages_counted", "Sum of the records' message counts." },
	{ "dmarcscope_domains", "Policy domains with reports." },
	{ "dmarcscope_raw_messages", "Archived input messages, by source and state." },
	{ "dmarcscope_duplicates", "Reports received again (not counted twice), by kind." },
	{ "dmarcscope_quarantine_entries", "Quarantine entries, by state." },
	{ "dmarcscope_quarantine_bytes", "Bytes of the quarantined input messages." },
	{ "dmarcscope_refusals", "Quarantine entries by reason class." },
	{ "dmarcscope_intake_messages", "Mailbox messages taken, by mailbox and outcome." },
	{ "dmarcscope_intake_moves_pending", "Mailbox messages stored but not moved yet." },
	{ "dmarcscope_alert_deliveries", "Alert deliveries, by channel and state." },
	{ "dmarcscope_enrich_hosts", "Sending hosts in the enrichment cache." },
	{ "dmarcscope_database_size_bytes", "Size of the database file." },
	{ "dmarcscope_metrics_scrape_seconds", "Time taken to read these numbers." },
};

struct mctx {
	dbuf *b;
	char last[64];
};

static void
label_value(dbuf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			dbuf_addc(b, '\\');
		if (*v == '\n') {
			dbuf_addstr(b, "\\n");
			continue;
		}
		dbuf_addc(b, *v);
	}
}

static int
sample(void *ctx, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v)
{
	struct mctx *m = ctx;

	if (name == NULL)
		return 0;
	if (strcmp(name, m->last) != 0) {
		const char *help = "dmarcscope metric.";

		for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
			if (strcmp(helps[i].name, name) == 0)
				help = helps[i].help;
		dbuf_printf(m->b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
		snprintf(m->last, sizeof(m->last), "%s", name);
	}
	dbuf_addstr(m->b, name);
	if (k1 != NULL) {
		dbuf_printf(m->b, "{%s=\"", k1);
		label_value(m->b, v1 != NULL ? v1 : "");
		dbuf_addc(m->b, '"');
		if (k2 != NULL) {
			dbuf_printf(m->b, ",%s=\"", k2);
			label_value(m->b, v2 != NULL ? v2 : "");
			dbuf_addc(m->b, '"');
		}
		dbuf_addc(m->b, '}');
	}
	dbuf_printf(m->b, " %.17g\n", v);
	return 0;
}

void
metrics_handle(wreq *r, wresp *out)
{
	struct mctx m;
	store_summary sum;
	store_filter f;
	struct timespec t0, t1;

	if (r->st->ops->intake == NULL || r->st->ops->intake->metrics == NULL) {
		api_error(out, 501, "not_implemented", "this database backend has no metrics");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&m, 0, sizeof(m));
	memset(&f, 0, sizeof(f));
	m.b = &out->body;
	if (r->st->ops->summary(r->st, &f, &sum) != STORE_OK ||
	    r->st->ops->intake->metrics(r->st, sample, &m) != STORE_OK) {
		dbuf_reset(&out->body);
		api_error(out, 500, "database", "database error");
		return;
	}
	sample(&m, "dmarcscope_records", NULL, NULL, NULL, NULL, (double)sum.records);
	sample(&m, "dmarcscope_messages_counted", NULL, NULL, NULL, NULL, (double)sum.messages);
	sample(&m, "dmarcscope_domains", NULL, NULL, NULL, NULL, (double)sum.domains);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sample(&m, "dmarcscope_metrics_scrape_seconds", NULL, NULL, NULL, NULL,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	out->status = 200;
	out->type = "text/plain; version=0.0.4; charset=utf-8";
	out->cacheable = 0;
}
