/*
 * store_retention.h - the retention sub-interface of the store (issue 16):
 * what `dmarcscope purge` and the daemon's daily run delete, in batches the
 * caller commits one by one so that no transaction holds the writer's lock
 * for long.  Conventions as in store.h (STORE_OK / STORE_ERR with
 * store_errmsg; nothing commits by itself: every op runs inside the
 * caller's begin/commit, so a failure rolls the batch back whole).
 *
 * Cut-offs are unix seconds.  What each part deletes (docs/OPERATIONS.md,
 * "Retention"):
 *   records  an aggregate report is old when date_end < before AND
 *            date_begin < before; it goes with its records, their reasons
 *            and auth results; the rows of `duplicates` that named it keep
 *            their count (report_id set NULL).  Its rollup shares lie wholly
 *            on days before the cut, so every rollup day from the cut on is
 *            unchanged; the days before it are cut and rebuilt from the
 *            reports that remain there (rollup_cut + straddle_scan, driven
 *            by src/cmd/retention.c through the analysis).
 *   samples  failure reports that arrived before the cut lose their sample
 *            (store_kinds_ops.purge_samples, called per window by the
 *            caller; samples_oldest finds the next window).
 *   archive  raw messages received before the cut lose their bytes
 *            (raw_chunks); the raw_messages row stays, with its SHA-256, so
 *            the same message arriving again is still a duplicate; codec
 *            becomes 'purged', stored_size 0.  Messages with an open
 *            quarantine entry (a retry needs them) or still pending keep
 *            their bytes.
 *
 * Exports: struct store_retention_ops, store_retention_count,
 * store_sqlite_retention_ops.
 */
#ifndef DS_STORE_RETENTION_H
#define DS_STORE_RETENTION_H

#include <stdint.h>

#include "store.h"
#include "store_analysis.h"

/* What is (or was) old.  A cut-off of 0 leaves that part out. */
typedef struct store_retention_count {
	int64_t reports, records, messages;	/* aggregate reports, their records, messages counted */
	int64_t samples;			/* failure-report samples not purged yet */
	int64_t raw_messages, raw_bytes;	/* archived messages with bytes, bytes as stored */
} store_retention_count;

/* The database's size: page counts and page size (SQLite), or bytes as
 * pages of 1 (PostgreSQL: pg_database_size, free 0). */
typedef struct store_space {
	int64_t pages, free_pages, page_size;
} store_space;

struct store_retention_ops {
	/* How much lies before each cut-off (0: not counted).  Exact: what the
	 * purge ops then delete with the same cut-offs adds up to these numbers
	 * when nothing was ingested meanwhile. */
	int (*count)(store *s, int64_t records_before, int64_t samples_before,
	    int64_t archive_before, store_retention_count *out);
	/* The old aggregate reports per policy domain (dry run's detail), in
	 * domain order; a callback returning non-zero stops the walk. */
	int (*count_domains)(store *s, int64_t records_before,
	    int (*cb)(void *ctx, const char *domain, const store_retention_count *c), void *ctx);

	/* Deletes up to limit old aggregate reports (oldest first) with their
	 * records; adds what went to *done (reports, records, messages).  A
	 * batch that deletes nothing means the part is finished.  domain_cb is
	 * called once per policy domain the batch touched (may be NULL). */
	int (*reports_purge)(store *s, int64_t before, int limit, store_retention_count *done,
	    int (*domain_cb)(void *ctx, const char *domain), void *ctx);
	/* Policy domains with rollup rows on days before before_day (UTC days,
	 * unix seconds / 86400): those whose early days must be rebuilt. */
	int (*rollup_domains)(store *s, int64_t before_day,
	    int (*cb)(void *ctx, const char *domain), void *ctx);
	/* Deletes every rollup row (day, hours, sources, reporters) of the
	 * domain on days before before_day. */
	int (*rollup_cut)(store *s, const char *domain, int64_t before_day);
	/* The domain's complete reports that begin before `before` (those
	 * still there after reports_purge: they straddle the cut), in the form
	 * of store_analysis_ops.records_scan, for rebuilding the early days. */
	int (*straddle_scan)(store *s, const char *domain, int64_t before,
	    int (*cb)(void *, const store_record_row *), void *ctx);

	/* The earliest arrival_time of a failure report whose sample is not
	 * purged and that arrived before `before`; *found 0 when none. */
	int (*samples_oldest)(store *s, int64_t before, int64_t *oldest, int *found);

	/* Drops the bytes of up to limit archived messages received before
	 * `before`, walking by id from *after_id (updated; start at 0); adds the
	 * messages and stored bytes dropped to done->raw_messages/raw_bytes.
	 * *more 0 when the walk reached the end. */
	int (*archive_purge)(store *s, int64_t before, int limit, int64_t *after_id,
	    store_retention_count *done, int *more);

	/* Space: the database's pages and free pages. */
	int (*space)(store *s, store_space *out);
	/* Give free pages back to the file system: full = 1 rewrites the whole
	 * database (SQLite VACUUM: outside any transaction; blocks every
	 * writer while it runs).  full = 0 does only what needs no rewrite (a
	 * WAL checkpoint with truncation). */
	int (*reclaim)(store *s, int full);
};

extern const struct store_retention_ops store_sqlite_retention_ops;

/* BEGIN store wrappers (generated by scripts/store_wrappers.py; do not edit) */

static inline int
store_retention_count_get(store *s, int64_t records_before, int64_t samples_before,
    int64_t archive_before, store_retention_count *out)
{
	if (s->ops->retention == NULL || s->ops->retention->count == NULL)
		return store_unsupported(s, "retention.count is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->count(s, records_before, samples_before, archive_before, out);
}

static inline int
store_retention_count_domains(store *s, int64_t records_before, int (*cb)(void *ctx,
    const char *domain, const store_retention_count *c), void *ctx)
{
	if (s->ops->retention == NULL || s->ops->retention->count_domains == NULL)
		return store_unsupported(s, "retention.count_domains is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->count_domains(s, records_before, cb, ctx);
}

static inline int
store_retention_reports_purge(store *s, int64_t before, int limit, store_retention_count *done,
    int (*domain_cb)(void *ctx, const char *domain), void *ctx)
{
	if (s->ops->retention == NULL || s->ops->retention->reports_purge == NULL)
		return store_unsupported(s, "retention.reports_purge is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->reports_purge(s, before, limit, done, domain_cb, ctx);
}

static inline int
store_retention_rollup_domains(store *s, int64_t before_day, int (*cb)(void *ctx,
    const char *domain), void *ctx)
{
	if (s->ops->retention == NULL || s->ops->retention->rollup_domains == NULL)
		return store_unsupported(s, "retention.rollup_domains is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->rollup_domains(s, before_day, cb, ctx);
}

static inline int
store_retention_rollup_cut(store *s, const char *domain, int64_t before_day)
{
	if (s->ops->retention == NULL || s->ops->retention->rollup_cut == NULL)
		return store_unsupported(s, "retention.rollup_cut is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->rollup_cut(s, domain, before_day);
}

static inline int
store_retention_straddle_scan(store *s, const char *domain, int64_t before, int (*cb)(void *,
    const store_record_row *), void *ctx)
{
	if (s->ops->retention == NULL || s->ops->retention->straddle_scan == NULL)
		return store_unsupported(s, "retention.straddle_scan is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->straddle_scan(s, domain, before, cb, ctx);
}

static inline int
store_retention_samples_oldest(store *s, int64_t before, int64_t *oldest, int *found)
{
	if (s->ops->retention == NULL || s->ops->retention->samples_oldest == NULL)
		return store_unsupported(s, "retention.samples_oldest is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->samples_oldest(s, before, oldest, found);
}

static inline int
store_retention_archive_purge(store *s, int64_t before, int limit, int64_t *after_id,
    store_retention_count *done, int *more)
{
	if (s->ops->retention == NULL || s->ops->retention->archive_purge == NULL)
		return store_unsupported(s, "retention.archive_purge is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->archive_purge(s, before, limit, after_id, done, more);
}

static inline int
store_retention_space(store *s, store_space *out)
{
	if (s->ops->retention == NULL || s->ops->retention->space == NULL)
		return store_unsupported(s, "retention.space is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->space(s, out);
}

static inline int
store_retention_reclaim(store *s, int full)
{
	if (s->ops->retention == NULL || s->ops->retention->reclaim == NULL)
		return store_unsupported(s, "retention.reclaim is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->retention->reclaim(s, full);
}

/* END store wrappers */

#endif
