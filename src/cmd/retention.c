/*
 * retention.c - see retention.h.
 *
 * Order of a run: the reanalysis queue is drained (so the rollups match the
 * stored analysis); everything is counted (the dry run stops here); old
 * aggregate reports go in batches, one short transaction each (the batch
 * size adapts so that a transaction stays near BATCH_MS); then, per policy
 * domain with rollup rows before the cut, those early days are deleted and
 * rebuilt from the reports that remain there (they straddle the cut),
 * through the analysis itself (analysis_rebuild_early); failure samples
 * go one day of arrivals per transaction; the archive's bytes a few hundred
 * messages per transaction; finally the WAL is checkpointed (and VACUUM
 * runs when asked).  Between transactions the writer's lock is free for a
 * moment (PAUSE_MS), so ingest and the portal's writes get their turn.
 *
 * The records cut-off is a UTC midnight: (today - N days) 00:00.  An old
 * report ends before it (and begins before it), so its rollup shares lie on
 * earlier days only: every rollup day from the cut on is untouched, and the
 * statistics over any period starting at the cut or later are identical
 * before and after.  Samples and the archive are cut at now - M (K) days.
 *
 * Errors: -1 with err set; a failed batch is rolled back, the earlier
 * batches stay (each is consistent by itself; the next run goes on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retention.h"
#include "../analyze/analysis.h"
#include "../store/store_analysis.h"
#include "../store/store_kinds.h"
#include "../util/config.h"
#include "../util/log.h"

#define DAY 86400
#define BATCH_MS 200.0		/* aim per transaction */
#define BATCH_MAX 20000
#define PAUSE_MS 10
#define ARCHIVE_BATCH 200

void
retention_defaults(retention_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->records_days = 400;
	o->samples_days = 90;
	o->archive_days = 90;
	o->batch = 500;
}

static int
days_key(ds_config *cf, const char *key, int64_t *out, char *err, size_t errlen)
{
	long v;
	int rc = config_num(cf, "retention", key, 0, 36600, &v);

	if (rc < 0) {
		snprintf(err, errlen, "%s", config_err(cf));
		return -1;
	}
	if (rc > 0)
		*out = v == 0 ? -1 : v;	/* 0: keep forever */
	return 0;
}

int
retention_config(const char *path, retention_opts *o, int *enabled, char *err, size_t errlen)
{
	ds_config *cf;
	const char *v;
	long b;
	int rc = 0, brc;

	if (enabled != NULL)
		*enabled = 1;
	if (path == NULL)
		return 0;
	if ((cf = config_load(path, err, errlen)) == NULL)
		return -1;
	if (days_key(cf, "records_days", &o->records_days, err, errlen) != 0 ||
	    days_key(cf, "samples_days", &o->samples_days, err, errlen) != 0 ||
	    days_key(cf, "archive_days", &o->archive_days, err, errlen) != 0)
		rc = -1;
	else if ((brc = config_num(cf, "retention", "batch", 1, BATCH_MAX, &b)) < 0) {
		snprintf(err, errlen, "%s", config_err(cf));
		rc = -1;
	} else if (brc > 0)
		o->batch = (int)b;
	if (rc == 0 && (v = config_str(cf, "retention", "vacuum")) != NULL)
		o->vacuum = strcmp(v, "yes") == 0;
	if (rc == 0 && enabled != NULL && (v = config_str(cf, "retention", "auto")) != NULL)
		*enabled = strcmp(v, "no") != 0;
	config_free(cf);
	return rc;
}

int
retention_check(ds_config *cf, FILE *f)
{
	static const char *const keys[] = { "records_days", "samples_days", "archive_days",
	    "batch", "auto", "vacuum", NULL };
	static const char *const yn[] = { "auto", "vacuum", NULL };
	size_t n;
	const char *const *k = config_keys(cf, "retention", &n);
	char **copy = xcalloc(n + 1, sizeof(*copy));
	int bad = 0;
	long v;

	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(k[i]);
	for (size_t i = 0; i < n; i++) {
		int ok = 0;

		for (const char *const *p = keys; *p != NULL; p++)
			ok |= strcmp(*p, copy[i]) == 0;
		if (!ok) {
			fprintf(f, "[retention] %s: unknown key\n", copy[i]);
			bad++;
		}
		free(copy[i]);
	}
	free(copy);
	for (const char *const *p = keys; p < keys + 3; p++)
		if (config_num(cf, "retention", *p, 0, 36600, &v) < 0) {
			fprintf(f, "%s\n", config_err(cf));
			bad++;
		}
	if (config_num(cf, "retention", "batch", 1, BATCH_MAX, &v) < 0) {
		fprintf(f, "%s\n", config_err(cf));
		bad++;
	}
	for (const char *const *p = yn; *p != NULL; p++) {
		const char *s = config_str(cf, "retention", *p);

		if (s != NULL && strcmp(s, "yes") != 0 && strcmp(s, "no") != 0) {
			fprintf(f, "[retention] %s = %s: want yes or no\n", *p, s);
			bad++;
		}
	}
	return bad;
}

/* ---- timing --------------------------------------------------------------------------- */

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static void
progress(const retention_opts *o, const char *part, int64_t done, int64_t total)
{
	if (o->progress != NULL)
		o->progress(o->ctx, part, done, total);
}

static int
fail(store *s, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, store_errmsg(s));
	store_rollback(s);
	return -1;
}

/* ---- the early rollup days ------------------------------------------------------------- */

typedef struct names {
	char **v;
	size_t n, cap;
} names;

static int
add_name(void *ctx, const char *d)
{
	names *l = ctx;

	for (size_t i = l->n; i > 0 && i + 8 > l->n; i--)	/* batches come in domain runs */
		if (strcmp(l->v[i - 1], d) == 0)
			return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(d);
	return 0;
}

static void
names_free(names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int
early_rollups(store *s, const retention_opts *o, retention_result *r, char *err, size_t errlen)
{
	names l = { NULL, 0, 0 };
	analysis *a;
	int rc = 0;

	if (!store_has(s, analysis))
		return 0;
	if (store_retention_rollup_domains(s, r->records_before / DAY, add_name, &l) !=
	    STORE_OK) {
		snprintf(err, errlen, "rollups: %s", store_errmsg(s));
		return -1;
	}
	a = analysis_new(s, NULL);
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		double t0 = mono(), ms;

		if (store_begin(s) != STORE_OK ||
		    analysis_rebuild_early(a, l.v[i], r->records_before) != 0 ||
		    store_commit(s) != STORE_OK) {
			rc = fail(s, err, errlen, "rebuilding early rollup days");
			break;
		}
		ms = (mono() - t0) * 1000;
		if (ms > r->max_batch_ms)
			r->max_batch_ms = ms;
		r->batches++;
		r->rollup_domains++;
		progress(o, "rollups", (int64_t)i + 1, (int64_t)l.n);
		pause_ms(PAUSE_MS);
	}
	analysis_free(a);
	names_free(&l);
	return rc;
}

/* ---- the parts ---------------------------------------------------------------------------- */

static int
purge_records(store *s, const retention_opts *o, retention_result *r, char *err, size_t errlen)
{
	int limit = o->batch > 0 ? o->batch : 500;

	for (;;) {
		int64_t before = r->done.reports;
		double t0 = mono(), ms;

		if (store_begin(s) != STORE_OK ||
		    store_retention_reports_purge(s, r->records_before, limit, &r->done, NULL,
		    NULL) != STORE_OK || store_commit(s) != STORE_OK)
			return fail(s, err, errlen, "purging old reports");
		ms = (mono() - t0) * 1000;
		if (ms > r->max_batch_ms)
			r->max_batch_ms = ms;
		r->batches++;
		progress(o, "records", r->done.reports, r->old.reports);
		if (r->done.reports == before)
			break;
		/* keep each transaction near BATCH_MS */
		if (ms > BATCH_MS * 1.5 && limit > 1)
			limit /= 2;
		else if (ms < BATCH_MS / 3 && limit < BATCH_MAX)
			limit *= 2;
		pause_ms(PAUSE_MS);
	}
	return early_rollups(s, o, r, err, errlen);
}

static int
purge_samples(store *s, const retention_opts *o, retention_result *r, char *err, size_t errlen)
{
	if (!store_has(s, kinds))
		return 0;
	for (;;) {
		int64_t oldest, upto, n = 0;
		int found;
		double t0 = mono(), ms;

		if (store_retention_samples_oldest(s, r->samples_before, &oldest, &found) !=
		    STORE_OK) {
			snprintf(err, errlen, "samples: %s", store_errmsg(s));
			return -1;
		}
		if (!found)
			break;
		/* one day of arrivals per transaction */
		upto = oldest <= r->samples_before - DAY ? oldest + DAY : r->samples_before;
		if (store_begin(s) != STORE_OK ||
		    store_kinds_purge_samples(s, upto, &n) != STORE_OK ||
		    store_commit(s) != STORE_OK)
			return fail(s, err, errlen, "purging samples");
		ms = (mono() - t0) * 1000;
		if (ms > r->max_batch_ms)
			r->max_batch_ms = ms;
		r->batches++;
		r->done.samples += n;
		progress(o, "samples", r->done.samples, r->old.samples);
		pause_ms(PAUSE_MS);
	}
	return 0;
}

static int
purge_archive(store *s, const retention_opts *o, retention_result *r, char *err, size_t errlen)
{
	int64_t after = 0;
	int more = 1;

	while (more) {
		double t0 = mono(), ms;

		if (store_begin(s) != STORE_OK ||
		    store_retention_archive_purge(s, r->archive_before, ARCHIVE_BATCH, &after,
		    &r->done, &more) != STORE_OK || store_commit(s) != STORE_OK)
			return fail(s, err, errlen, "dropping archived messages");
		ms = (mono() - t0) * 1000;
		if (ms > r->max_batch_ms)
			r->max_batch_ms = ms;
		r->batches++;
		progress(o, "archive", r->done.raw_messages, r->old.raw_messages);
		pause_ms(PAUSE_MS);
	}
	return 0;
}

int
retention_run(store *s, const retention_opts *o, retention_result *r, char *err, size_t errlen)
{
	int64_t now = o->now != 0 ? o->now : (int64_t)time(NULL), today = now / DAY * DAY;
	double t0 = mono();

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	if (!store_has(s, retention)) {
		snprintf(err, errlen, "this store has no retention");
		return -1;
	}
	if (o->records_days >= 0)
		r->records_before = today - o->records_days * DAY;
	if (o->samples_days >= 0)
		r->samples_before = now - o->samples_days * DAY;
	if (o->archive_days >= 0)
		r->archive_before = now - o->archive_days * DAY;
	/* 0 means "part off" to the store: a cut-off at the epoch deletes
	 * nothing either way */
	if (r->records_before <= 0)
		r->records_before = 0;
	if (!o->dry_run && cmd_catch_up(s) != 0) {
		snprintf(err, errlen, "reanalysis before the purge failed");
		return -1;
	}
	if (store_retention_count_get(s, r->records_before, r->samples_before, r->archive_before, &r->old) !=
	    STORE_OK || store_retention_space(s, &r->before) != STORE_OK) {
		snprintf(err, errlen, "counting: %s", store_errmsg(s));
		return -1;
	}
	if (o->dry_run) {
		if (o->domain != NULL && r->records_before != 0 &&
		    store_retention_count_domains(s, r->records_before, o->domain, o->ctx) != STORE_OK) {
			snprintf(err, errlen, "counting: %s", store_errmsg(s));
			return -1;
		}
		r->after = r->before;
		r->seconds = mono() - t0;
		return 0;
	}
	if (r->records_before != 0 && purge_records(s, o, r, err, errlen) != 0)
		return -1;
	if (r->samples_before != 0 && purge_samples(s, o, r, err, errlen) != 0)
		return -1;
	if (r->archive_before != 0 && purge_archive(s, o, r, err, errlen) != 0)
		return -1;
	if (store_retention_reclaim(s, o->vacuum) != STORE_OK || store_retention_space(s,
	    &r->after) != STORE_OK) {
		snprintf(err, errlen, "reclaiming space: %s", store_errmsg(s));
		return -1;
	}
	r->seconds = mono() - t0;
	return 0;
}

/* ---- the daemon's daily run ------------------------------------------------------------- */

long
retention_first_delay(void)
{
	const char *v = getenv("DMARCSCOPE_RETENTION_DELAY");	/* tests */
	long d;

	if (v == NULL || *v == '\0')
		return 60;	/* let the other workers start first */
	d = strtol(v, NULL, 10);
	return d < 0 ? 0 : d > DAY ? DAY : d;
}

/* SIGTERM (a reload, a stop) ends it at once: every batch is its own
 * transaction, so what is cut short is rolled back and the next run goes on. */
int
retention_once(cmd_ctx *c)
{
	retention_opts o;
	retention_result r;
	char err[512];
	int enabled;
	store *s;

	retention_defaults(&o);
	if (retention_config(c->config, &o, &enabled, err, sizeof(err)) != 0) {
		log_warnx("retention: %s", err);
		return 1;
	}
	if (!enabled)
		return 0;
	if ((s = cmd_open_store(c)) == NULL)
		return 1;
	if (retention_run(s, &o, &r, err, sizeof(err)) != 0) {
		log_warnx("retention: %s (the next run goes on from there)", err);
		store_close(s);
		return 1;
	}
	log_info("retention: %lld reports (%lld records), %lld samples, %lld archived messages "
	    "(%lld bytes) purged in %.1f s, longest transaction %.0f ms",
	    (long long)r.done.reports, (long long)r.done.records, (long long)r.done.samples,
	    (long long)r.done.raw_messages, (long long)r.done.raw_bytes, r.seconds, r.max_batch_ms);
	store_close(s);
	return 0;
}
