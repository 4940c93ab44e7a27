/*
 * metrics.c - GET /api/v1/metrics: the service's numbers in the Prometheus
 * text format (version 0.0.4), behind the same authentication as the rest of
 * the API (http.c checks it before any route; the route is ACC_OPERATOR).
 *
 * Two sources:
 *   - the database (store_intake.h's metrics op and the store summary): what
 *     is stored (gauges, named without _total: they fall after a purge), and
 *     what the other processes of `serve --config` count there
 *     (013_service_metrics.sql: the ingest latency histogram, IMAP polls,
 *     the enrichment caches; counters end in _total);
 *   - this process's memory: the HTTP requests it answered, by route
 *     pattern, method and status, and their durations (a histogram by
 *     route).  The route label is a pattern of api.c's route table (read
 *     once through api_routes_print, so the table stays api.c's alone),
 *     "static" for the portal's files, or "other": never the raw path, so
 *     the number of series stays bounded.  They start from zero when the
 *     web worker starts, as counters may.
 *
 * A metric's samples are contiguous, each family preceded once by its
 * # HELP and # TYPE lines; histogram buckets are cumulative, in le order,
 * ending with le="+Inf" equal to _count; label values are escaped (\\, \",
 * \n).
 *
 * Exports: metrics_handle, metrics_http_begin, metrics_http_end (metrics.h).
 * Errors: 500 JSON when the database cannot be read; 501 when the backend
 * keeps no intake state.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "../intake/svc_metrics.h"
#include "../store/store_intake.h"
#include "../util/dbuf.h"
#include "../util/log.h"

static const struct {
	const char *name, *type, *help;
} fams[] = {
	{ "dmarcscope_reports", "gauge", "Reports stored, by kind." },
	{ "dmarcscope_records", "gauge", "Aggregate report records stored." },
	{ "dmarcscope_messages_counted", "gauge", "Sum of the records' message counts." },
	{ "dmarcscope_domains", "gauge", "Policy domains with reports." },
	{ "dmarcscope_raw_messages", "gauge", "Archived input messages, by source and state." },
	{ "dmarcscope_duplicates", "gauge", "Reports received again (not counted twice), by kind." },
	{ "dmarcscope_quarantine_entries", "gauge", "Quarantine entries, by state." },
	{ "dmarcscope_quarantine_bytes", "gauge", "Bytes of the quarantined input messages." },
	{ "dmarcscope_refusals", "gauge", "Quarantine entries by reason class." },
	{ "dmarcscope_intake_messages", "gauge", "Mailbox messages taken, by mailbox and outcome." },
	{ "dmarcscope_intake_moves_pending", "gauge", "Mailbox messages stored but not moved yet." },
	{ "dmarcscope_alert_deliveries", "gauge", "Alert deliveries, by channel and state." },
	{ "dmarcscope_enrich_hosts", "gauge", "Sending hosts in the enrichment cache." },
	{ "dmarcscope_enrich_queue_hosts", "gauge",
	    "Sending hosts awaiting enrichment (never looked up yet)." },
	{ "dmarcscope_enrich_cache_requests_total", "counter",
	    "Enrichment cache look-ups, by cache and result (hit: no network query)." },
	{ "dmarcscope_enrich_hosts_looked_up_total", "counter",
	    "Sending hosts looked up by enrichment runs." },
	{ "dmarcscope_enrich_lookups_total", "counter",
	    "Enrichment lookups, by kind and result (temporary: retried later)." },
	{ "dmarcscope_imap_polls_total", "counter", "IMAP polls, by mailbox and result." },
	{ "dmarcscope_imap_last_success_timestamp_seconds", "gauge",
	    "Unix time of the last successful IMAP poll, by mailbox." },
	{ "dmarcscope_ingest_latency_seconds", "histogram",
	    "Time from a message's arrival (IMAP INTERNALDATE, Maildir delivery, or hand-over "
	    "to ingest) to the commit of its rows, by source." },
	{ "dmarcscope_database_size_bytes", "gauge", "Size of the database file." },
	{ "dmarcscope_http_requests_total", "counter",
	    "HTTP requests answered since the web server started, by route, method and status." },
	{ "dmarcscope_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival to its answer's end, by route." },
	{ "dmarcscope_metrics_scrape_seconds", "gauge", "Time taken to read these numbers." },
};

static void
family(dbuf *b, const char *name)
{
	const char *type = "gauge", *help = "dmarcscope metric.";
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		if (strcmp(fams[i].name, name) == 0) {
			type = fams[i].type;
			help = fams[i].help;
		}
	if (strcmp(type, "gauge") == 0 && n > 6 && strcmp(name + n - 6, "_total") == 0)
		type = "counter";
	dbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

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

static void
label(dbuf *b, int first, const char *k, const char *v)
{
	dbuf_printf(b, "%s%s=\"", first ? "{" : ",", k);
	label_value(b, v != NULL ? v : "");
	dbuf_addc(b, '"');
}

/* ---- the database's histogram (ingest latency) ---------------------------- */

#define HIST_DB "dmarcscope_ingest_latency_seconds"
#define HIST_MAX 64		/* label values (sources) kept */

struct hist {
	char lv[64];		/* the source */
	double bucket[SVCM_LATENCY_BUCKETS];	/* not cumulative, as stored */
	double sum, count;
};

struct mctx {
	dbuf *b;
	char last[96];
	struct hist h[HIST_MAX];
	int nh;
};

/* a row of HIST_DB's: kept for later (the rows come by name, not by family) */
static void
hist_row(struct mctx *m, const char *suffix, const char *v1, const char *le, double v)
{
	struct hist *h = NULL;
	int i;

	for (i = 0; i < m->nh; i++)
		if (strcmp(m->h[i].lv, v1 != NULL ? v1 : "") == 0)
			h = &m->h[i];
	if (h == NULL) {
		if (m->nh == HIST_MAX)
			return;
		h = &m->h[m->nh++];
		memset(h, 0, sizeof(*h));
		snprintf(h->lv, sizeof(h->lv), "%s", v1 != NULL ? v1 : "");
	}
	if (strcmp(suffix, "_sum") == 0)
		h->sum += v;
	else if (strcmp(suffix, "_count") == 0)
		h->count += v;
	else if (le != NULL) {
		for (i = 0; i < SVCM_LATENCY_BUCKETS - 1; i++) {
			char t[32];

			snprintf(t, sizeof(t), "%g", svcm_latency_bucket[i]);
			if (strcmp(t, le) == 0)
				break;
		}
		h->bucket[i] += v;	/* an unknown bound counts as +Inf */
	}
}

static int
hist_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hist *)a)->lv, ((const struct hist *)b)->lv);
}

static void
hist_emit(struct mctx *m)
{
	if (m->nh == 0)
		return;
	qsort(m->h, (size_t)m->nh, sizeof(m->h[0]), hist_cmp);
	family(m->b, HIST_DB);
	for (int i = 0; i < m->nh; i++) {
		double cum = 0;

		for (int j = 0; j < SVCM_LATENCY_BUCKETS; j++) {
			char le[32];

			cum += m->h[i].bucket[j];
			if (j < SVCM_LATENCY_BUCKETS - 1)
				snprintf(le, sizeof(le), "%g", svcm_latency_bucket[j]);
			else
				snprintf(le, sizeof(le), "+Inf");
			dbuf_addstr(m->b, HIST_DB "_bucket");
			label(m->b, 1, "source", m->h[i].lv);
			label(m->b, 0, "le", le);
			dbuf_printf(m->b, "} %.17g\n", cum);
		}
		dbuf_addstr(m->b, HIST_DB "_sum");
		label(m->b, 1, "source", m->h[i].lv);
		dbuf_printf(m->b, "} %.17g\n", m->h[i].sum);
		dbuf_addstr(m->b, HIST_DB "_count");
		label(m->b, 1, "source", m->h[i].lv);
		dbuf_printf(m->b, "} %.17g\n", m->h[i].count);
	}
}

static int
sample(void *ctx, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v)
{
	struct mctx *m = ctx;

	if (name == NULL)
		return 0;
	if (strncmp(name, HIST_DB "_", sizeof(HIST_DB)) == 0) {
		hist_row(m, name + sizeof(HIST_DB) - 1, v1,
		    k2 != NULL && strcmp(k2, "le") == 0 ? v2 : NULL, v);
		return 0;
	}
	if (strcmp(name, m->last) != 0) {
		family(m->b, name);
		snprintf(m->last, sizeof(m->last), "%s", name);
	}
	dbuf_addstr(m->b, name);
	if (k1 != NULL) {
		label(m->b, 1, k1, v1);
		if (k2 != NULL)
			label(m->b, 0, k2, v2);
		dbuf_addc(m->b, '}');
	}
	dbuf_printf(m->b, " %.17g\n", v);
	return 0;
}

/* ---- HTTP requests (this process) ------------------------------------------- */

#define MAX_ROUTES 128
#define NSTAT 2048		/* (route, method, status) triples kept */
#define NDUR 12
static const double dur_bucket[NDUR - 1] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
static const char *const methods[] = { "GET", "HEAD", "POST", "DELETE", "other" };

struct route {
	char method[8];
	char *pat;		/* "/api/v1/records/{record_id}" */
};

static struct route routes[MAX_ROUTES];
static int nroutes;		/* then R_STATIC, R_OTHER */
static pthread_once_t routes_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t http_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { short route, method, status; uint64_t n; } reqs[NSTAT];
static int nreqs;
static uint64_t dur[MAX_ROUTES + 2][NDUR];
static double dur_sum[MAX_ROUTES + 2];

static void
routes_load(void)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return;
	api_routes_print(f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line != NULL && nroutes < MAX_ROUTES;
	    line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *end;

		if (tab == NULL || (size_t)(tab - line) >= sizeof(routes[0].method))
			continue;
		if ((end = strchr(tab + 1, '\t')) != NULL)
			*end = '\0';
		memcpy(routes[nroutes].method, line, (size_t)(tab - line));
		routes[nroutes].method[tab - line] = '\0';
		routes[nroutes].pat = xstrdup(tab + 1);
		nroutes++;
	}
	free(text);
}

/* api.c's route_match and its argument checks, on the whole URL path */
static int
pat_match(const char *pat, const char *p)
{
	const char *open = strchr(pat, '{'), *close, *suffix;
	size_t plen, rlen, slen, alen;

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
	if (rlen <= slen || strcmp(p + rlen - slen, suffix) != 0)
		return 0;
	alen = rlen - slen;
	if (close - open > 4 && strncmp(close - 3, "_id", 3) == 0)
		return p[0] >= '1' && p[0] <= '9' && strspn(p, "0123456789") == alen && alen < 19;
	return alen < 46 && memchr(p, '/', alen) == NULL;
}

void
metrics_http_begin(metrics_req *q, const char *method, const char *url)
{
	struct timespec ts;
	int m = 4;

	pthread_once(&routes_once, routes_load);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	q->t0 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	for (int i = 0; i < 4; i++)
		if (strcmp(method, methods[i]) == 0)
			m = i;
	q->method = (short)m;
	q->route = (short)(nroutes + 1);	/* other */
	q->on = 1;
	if (strncmp(url, "/api/v1/", 8) != 0) {
		if (m <= 1)
			q->route = (short)nroutes;	/* static */
		return;
	}
	for (int i = 0; i < nroutes; i++)
		if ((strcmp(routes[i].method, method) == 0 || (m == 1 &&
		    strcmp(routes[i].method, "GET") == 0)) && pat_match(routes[i].pat, url)) {
			q->route = (short)i;
			return;
		}
}

void
metrics_http_end(metrics_req *q, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	struct timespec ts;
	double d;
	int status, i, b;

	if (!q->on)
		return;
	q->on = 0;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
	if (ci == NULL || (status = (int)ci->http_status) < 100 || status > 599)
		return;		/* nothing was answered (the client left) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	d = (double)ts.tv_sec + ts.tv_nsec / 1e9 - q->t0;
	for (b = 0; b < NDUR - 1 && d > dur_bucket[b]; b++)
		;
	pthread_mutex_lock(&http_mu);
	for (i = 0; i < nreqs; i++)
		if (reqs[i].route == q->route && reqs[i].method == q->method &&
		    reqs[i].status == status)
			break;
	if (i == nreqs && nreqs < NSTAT) {
		reqs[i].route = q->route;
		reqs[i].method = q->method;
		reqs[i].status = (short)status;
		reqs[i].n = 0;
		nreqs++;
	}
	if (i < nreqs)
		reqs[i].n++;
	dur[q->route][b]++;
	dur_sum[q->route] += d;
	pthread_mutex_unlock(&http_mu);
}

static const char *
route_name(int r)
{
	return r < nroutes ? routes[r].pat : r == nroutes ? "static" : "other";
}

static void
http_emit(dbuf *b)
{
	pthread_once(&routes_once, routes_load);
	pthread_mutex_lock(&http_mu);
	if (nreqs > 0) {
		family(b, "dmarcscope_http_requests_total");
		for (int i = 0; i < nreqs; i++) {
			char st[8];

			snprintf(st, sizeof(st), "%d", reqs[i].status);
			dbuf_addstr(b, "dmarcscope_http_requests_total");
			label(b, 1, "route", route_name(reqs[i].route));
			label(b, 0, "method", methods[reqs[i].method]);
			label(b, 0, "status", st);
			dbuf_printf(b, "} %llu\n", (unsigned long long)reqs[i].n);
		}
		family(b, "dmarcscope_http_request_duration_seconds");
	}
	for (int r = 0; nreqs > 0 && r < nroutes + 2; r++) {
		uint64_t cum = 0;

		for (int j = 0; j < NDUR; j++)
			cum += dur[r][j];
		if (cum == 0)
			continue;
		cum = 0;
		for (int j = 0; j < NDUR; j++) {
			char le[32];

			cum += dur[r][j];
			if (j < NDUR - 1)
				snprintf(le, sizeof(le), "%g", dur_bucket[j]);
			else
				snprintf(le, sizeof(le), "+Inf");
			dbuf_addstr(b, "dmarcscope_http_request_duration_seconds_bucket");
			label(b, 1, "route", route_name(r));
			label(b, 0, "le", le);
			dbuf_printf(b, "} %llu\n", (unsigned long long)cum);
		}
		dbuf_addstr(b, "dmarcscope_http_request_duration_seconds_sum");
		label(b, 1, "route", route_name(r));
		dbuf_printf(b, "} %.17g\n", dur_sum[r]);
		dbuf_addstr(b, "dmarcscope_http_request_duration_seconds_count");
		label(b, 1, "route", route_name(r));
		dbuf_printf(b, "} %llu\n", (unsigned long long)cum);
	}
	pthread_mutex_unlock(&http_mu);
}

/* ---- the answer ------------------------------------------------------------- */

void
metrics_handle(wreq *r, wresp *out)
{
	struct mctx *m;
	store_summary sum;
	store_filter f;
	struct timespec t0, t1;

	if (!store_has(r->st, intake) || !store_has_op(r->st, intake, metrics)) {
		api_error(out, 501, "not_implemented", "this database backend has no metrics");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	m = xcalloc(1, sizeof(*m));
	memset(&f, 0, sizeof(f));
	m->b = &out->body;
	if (store_summary_get(r->st, &f, &sum) != STORE_OK ||
	    store_intake_metrics(r->st, sample, m) != STORE_OK) {
		free(m);
		dbuf_reset(&out->body);
		api_error(out, 500, "database", "database error");
		return;
	}
	hist_emit(m);
	sample(m, "dmarcscope_records", NULL, NULL, NULL, NULL, (double)sum.records);
	sample(m, "dmarcscope_messages_counted", NULL, NULL, NULL, NULL, (double)sum.messages);
	sample(m, "dmarcscope_domains", NULL, NULL, NULL, NULL, (double)sum.domains);
	http_emit(m->b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sample(m, "dmarcscope_metrics_scrape_seconds", NULL, NULL, NULL, NULL,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(m);
	out->status = 200;
	out->type = "text/plain; version=0.0.4; charset=utf-8";
	out->cacheable = 0;
}
