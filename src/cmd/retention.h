/*
 * retention.h - the retention run shared by `dmarcscope purge` (purge.c) and
 * the daemon's daily run (daemon.c): aggregate reports after N days, failure
 * samples after M days, the archive's bytes after K days, in batches of
 * short transactions, keeping the rollups equal to what the remaining
 * records give (docs/OPERATIONS.md, "Retention").
 *
 * Exports:
 *   retention_defaults(o)          the defaults (400, 90, 90 days)
 *   retention_config(path, o, err) [retention] of the config file over o;
 *                                  -1 with err on a bad value
 *   retention_check(cf, f)         config check of [retention]: problems
 *   retention_run(s, o, r, err)    the run (o->dry_run: count only); 0 or -1
 *   retention_once(c)              the daemon's daily run (a child process):
 *                                  one run as [retention] says; exit status
 *   retention_first_delay()        seconds from the daemon's start to the
 *                                  first run (60; $DMARCSCOPE_RETENTION_DELAY)
 * Ownership: the caller owns everything it passes; nothing is kept.
 */
#ifndef DS_RETENTION_H
#define DS_RETENTION_H

#include <stdint.h>
#include <stdio.h>

#include "cmd.h"
#include "../store/store_retention.h"

struct ds_config;

typedef struct retention_opts {
	/* days; -1: the part is left alone */
	int64_t records_days, samples_days, archive_days;
	int dry_run;
	int vacuum;		/* VACUUM after the purge (rewrites the file) */
	int batch;		/* reports per transaction to start with (adapts) */
	int64_t now;		/* unix seconds; 0: time(NULL) */
	/* called after each batch and at each part's end; part is
	 * "records", "rollups", "samples" or "archive" */
	void (*progress)(void *ctx, const char *part, int64_t done, int64_t total);
	void *ctx;
	/* the dry run's detail: one call per policy domain with old reports */
	int (*domain)(void *ctx, const char *domain, const store_retention_count *c);
} retention_opts;

typedef struct retention_result {
	int64_t records_before, samples_before, archive_before;	/* cut-offs, 0: part off */
	store_retention_count old;	/* counted before the run */
	store_retention_count done;	/* deleted (dry run: zero) */
	int64_t rollup_domains;		/* domains whose early rollup days were rebuilt */
	store_space before, after;
	int64_t batches;
	double seconds, max_batch_ms;
} retention_result;

void retention_defaults(retention_opts *o);
int retention_config(const char *path, retention_opts *o, int *enabled, char *err, size_t errlen);
int retention_check(struct ds_config *cf, FILE *f);
int retention_run(store *s, const retention_opts *o, retention_result *r, char *err,
    size_t errlen);
int retention_once(cmd_ctx *c);
long retention_first_delay(void);

#endif
