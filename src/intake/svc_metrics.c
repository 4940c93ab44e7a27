/*
 * svc_metrics.c - see svc_metrics.h.  The latency histogram is kept as one
 * row per bucket holding the observations that fell into that bucket alone
 * (not cumulative: one row written per message instead of fourteen), plus
 * _sum and _count; metrics.c adds the buckets up in le order when it
 * answers, as the text format wants them cumulative.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "svc_metrics.h"
#include "../store/store_intake.h"

const double svcm_latency_bucket[SVCM_LATENCY_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 0 /* +Inf */
};

const char *
svcm_source_class(const char *s)
{
	if (s == NULL)
		return "file";
	if (strncmp(s, "imap:", 5) == 0)
		return "imap";
	if (strncmp(s, "mbox:", 5) == 0)
		return "mbox";
	if (strcmp(s, "-") == 0 || strncmp(s, "stdin", 5) == 0)
		return "stdin";
	if (strncmp(s, "upload", 6) == 0)
		return "upload";
	if (strstr(s, "/new/") != NULL || strstr(s, "/cur/") != NULL)
		return "maildir";
	return "file";
}

static int
op(store *st, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v, int set)
{
	if (!store_has(st, intake) || !store_has_op(st, intake, counter))
		return 0;
	return store_intake_counter(st, name, k1, v1, k2, v2, v, set) == STORE_OK ? 0 : -1;
}

int
svcm_count(store *st, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double n)
{
	return op(st, name, k1, v1, k2, v2, n, 0);
}

int
svcm_latency(store *st, const char *source, double secs)
{
	const char *cls = svcm_source_class(source);
	char le[32];
	int i;

	if (secs < 0)
		secs = 0;	/* a clock step back, or a file from the future */
	for (i = 0; i < SVCM_LATENCY_BUCKETS - 1; i++)
		if (secs <= svcm_latency_bucket[i])
			break;
	if (i < SVCM_LATENCY_BUCKETS - 1)
		snprintf(le, sizeof(le), "%g", svcm_latency_bucket[i]);
	else
		snprintf(le, sizeof(le), "+Inf");
	if (op(st, "dmarcscope_ingest_latency_seconds_bucket", "source", cls, "le", le, 1, 0) != 0 ||
	    op(st, "dmarcscope_ingest_latency_seconds_sum", "source", cls, NULL, NULL, secs, 0) != 0 ||
	    op(st, "dmarcscope_ingest_latency_seconds_count", "source", cls, NULL, NULL, 1, 0) != 0)
		return -1;
	return 0;
}

int
svcm_poll(store *st, const char *mailbox, int ok)
{
	if (op(st, "dmarcscope_imap_polls_total", "mailbox", mailbox, "result", ok ? "ok" : "error",
	    1, 0) != 0)
		return -1;
	if (ok && op(st, "dmarcscope_imap_last_success_timestamp_seconds", "mailbox", mailbox,
	    NULL, NULL, (double)time(NULL), 1) != 0)
		return -1;
	return 0;
}
