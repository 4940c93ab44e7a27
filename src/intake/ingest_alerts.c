/*
 * ingest_alerts.c - the alerts' change log on the ingest's writing side
 * (docs/ALERTS.md "How it runs"): in the message's transaction, every UTC day
 * a stored aggregate report spreads over (the days its rollups touch) and
 * the arrival day of a stored DMARC failure report go into alert_changes.
 * One change_add per (domain, day) and message: a report of a million
 * records costs one call per day.  Pairs recorded by a document whose
 * savepoint rolls back are forgotten with it (the set is g->ch, reset with
 * the message and with a pass that rolls back).
 *
 * Exports (ingest_priv.h): ig_changes_report, ig_changes_failure,
 * ig_changes_doc_end.  Errors: -1 after a store error (the caller fails the
 * document, so the report and its changes go together).
 */
#include <stdio.h>
#include <string.h>

#include "ingest_priv.h"
#include "../store/store_alerts.h"

typedef struct day_ctx {
	ingest *g;
	const char *domain;
	int err;
} day_ctx;

static void
change_day(void *ctx, int64_t day, int64_t share)
{
	day_ctx *d = ctx;
	ingest *g = d->g;

	(void)share;
	for (int i = 0; i < g->nch; i++)
		if (g->ch[i].day == day && strcmp(g->ch[i].domain, d->domain) == 0)
			return;
	if (d->err || store_alerts_change_add(g->st, d->domain, day) != STORE_OK) {
		d->err = 1;
		return;
	}
	if (g->nch < (int)(sizeof(g->ch) / sizeof(g->ch[0]))) {
		snprintf(g->ch[g->nch].domain, sizeof(g->ch[0].domain), "%s", d->domain);
		g->ch[g->nch++].day = day;
	}
}

/* The days the report's rollups touched (the same spread as the analysis). */
int
ig_changes_report(ingest *g, const dm_report *rep)
{
	day_ctx d = { g, g->domain_key, 0 };

	if (!store_has(g->st, alerts))
		return 0;
	/* a count this large gives every day of the range a share */
	analysis_spread(rep->begin, rep->end, 86400, (int64_t)1 << 40, change_day, &d);
	return d.err ? -1 : 0;
}

/* The document's savepoint is released (keep) or rolled back (forget). */
void
ig_changes_doc_end(ingest *g, int keep)
{
	if (keep)
		g->ch_kept = g->nch;
	else
		g->nch = g->ch_kept;
}

int
ig_changes_failure(ingest *g, int64_t failure_id)
{
	if (!store_has(g->st, alerts))
		return 0;
	return store_alerts_change_failure(g->st, failure_id) == STORE_OK ? 0 : -1;
}
