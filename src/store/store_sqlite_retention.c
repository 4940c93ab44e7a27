/*
 * store_sqlite_retention.c - the SQLite implementation of store_retention.h:
 * counting and deleting what retention drops, a batch at a time, inside the
 * caller's transaction.
 *
 * Foreign keys are off on this connection (store_sqlite.c), so nothing
 * cascades: a report's records, their reasons and auth results are deleted
 * here explicitly, through the indexes records_domain(policy_domain,
 * report_id) and the (record_id, idx) keys.  Statements are prepared per
 * call (sqlite3_prepare_v2): retention runs once a day, and the handle's
 * statement areas (sqlite_priv.h) stay untouched.  Pending record batches
 * are written first (sq_batch_flush), as every other statement does.
 *
 * Space (reclaim): the database is not in auto_vacuum mode (switching needs
 * a full VACUUM, and incremental vacuum fragments the file); freed pages go
 * to SQLite's free list and are reused by the next inserts, so a database
 * purged daily stops growing.  full = 1 runs VACUUM, which gives them back
 * to the file system but rewrites the file while holding the writer's lock.
 *
 * Exports: store_sqlite_retention_ops.  Errors: STORE_ERR with q->err set.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_retention.h"
#include "../util/log.h"

#define T(st, i) ((const char *)sqlite3_column_text((st), (i)))

/* Prepared after writing pending batches; NULL with q->err set. */
static sqlite3_stmt *
prep(sq_store *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sq_batch_flush(q) != STORE_OK)
		return NULL;
	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "retention");
		return NULL;
	}
	return st;
}

static int
finish(sq_store *q, sqlite3_stmt *st, int rc, const char *what)
{
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK ? STORE_OK :
	    sq_fail(q, what);
}

/* ---- counting ----------------------------------------------------------------------- */

/* An archived message (m) whose bytes may go: not gone yet, not in the middle
 * of its ingest, not waiting in the quarantine for a retry. */
#define KEEP_BYTES "m.codec != 'purged' AND m.state != 'pending' AND NOT EXISTS " \
	"(SELECT 1 FROM quarantine k WHERE k.raw_id = m.id AND k.resolved = 0)"

/* Old aggregate reports, their records and messages, per domain. */
#define OLD_REPORTS "SELECT r.policy_domain, count(DISTINCT r.id), count(x.id), " \
	"coalesce(sum(x.count), 0) FROM reports r LEFT JOIN records x " \
	"ON x.policy_domain = r.policy_domain AND x.report_id = r.id " \
	"WHERE r.date_begin < ?1 AND r.date_end < ?1 "

static int
rt_count(store *s, int64_t rbefore, int64_t sbefore, int64_t abefore, store_retention_count *out)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (rbefore != 0) {
		if ((st = prep(q, "SELECT count(DISTINCT r.id), count(x.id), coalesce(sum(x.count), 0) "
		    "FROM reports r LEFT JOIN records x ON x.policy_domain = r.policy_domain AND "
		    "x.report_id = r.id WHERE r.date_begin < ?1 AND r.date_end < ?1")) == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, rbefore);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			out->reports = sqlite3_column_int64(st, 0);
			out->records = sqlite3_column_int64(st, 1);
			out->messages = sqlite3_column_int64(st, 2);
		}
		if (finish(q, st, rc, "counting old reports") != STORE_OK)
			return STORE_ERR;
	}
	if (sbefore != 0) {
		if ((st = prep(q, "SELECT count(*) FROM failure_reports WHERE sample_purged = 0 AND "
		    "arrival_time < ?1")) == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, sbefore);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			out->samples = sqlite3_column_int64(st, 0);
		if (finish(q, st, rc, "counting old samples") != STORE_OK)
			return STORE_ERR;
	}
	if (abefore != 0) {
		if ((st = prep(q, "SELECT count(*), coalesce(sum(m.stored_size), 0) FROM raw_messages m "
		    "WHERE m.received_at < ?1 AND " KEEP_BYTES)) == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, abefore);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			out->raw_messages = sqlite3_column_int64(st, 0);
			out->raw_bytes = sqlite3_column_int64(st, 1);
		}
		if (finish(q, st, rc, "counting old archived messages") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
rt_count_domains(store *s, int64_t before,
    int (*cb)(void *, const char *, const store_retention_count *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(q, OLD_REPORTS "GROUP BY r.policy_domain ORDER BY r.policy_domain")) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_retention_count c;

		memset(&c, 0, sizeof(c));
		c.reports = sqlite3_column_int64(st, 1);
		c.records = sqlite3_column_int64(st, 2);
		c.messages = sqlite3_column_int64(st, 3);
		if (cb(ctx, T(st, 0) ? T(st, 0) : "", &c) != 0)
			break;
	}
	return finish(q, st, rc, "counting old reports");
}

/* ---- aggregate reports ------------------------------------------------------------------ */

enum { D_REASONS, D_DKIM, D_SPF, D_SUM, D_RECORDS, D_DUPS, D_REPORT, D__N };

static const char *const dsql[D__N] = {
	[D_REASONS] = "DELETE FROM record_reasons WHERE record_id IN (SELECT id FROM records "
	    "WHERE policy_domain = ?1 AND report_id = ?2)",
	[D_DKIM] = "DELETE FROM auth_dkim WHERE record_id IN (SELECT id FROM records "
	    "WHERE policy_domain = ?1 AND report_id = ?2)",
	[D_SPF] = "DELETE FROM auth_spf WHERE record_id IN (SELECT id FROM records "
	    "WHERE policy_domain = ?1 AND report_id = ?2)",
	[D_SUM] = "SELECT count(*), coalesce(sum(count), 0) FROM records "
	    "WHERE policy_domain = ?1 AND report_id = ?2",
	[D_RECORDS] = "DELETE FROM records WHERE policy_domain = ?1 AND report_id = ?2",
	[D_DUPS] = "UPDATE duplicates SET report_id = NULL WHERE report_id IN "
	    "(SELECT id FROM temp.retention_batch)",
	[D_REPORT] = "DELETE FROM reports WHERE id = ?2",
};

typedef struct old_report {
	int64_t id;
	char *domain;
} old_report;

static int
rt_reports_purge(store *s, int64_t before, int limit, store_retention_count *done,
    int (*domain_cb)(void *, const char *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st, *d[D__N] = { NULL }, *tb = NULL;
	old_report *v = NULL;
	size_t n = 0;
	int rc, ret = STORE_ERR;

	if (limit <= 0)
		limit = 1;
	if ((st = prep(q, "SELECT id, policy_domain FROM reports WHERE date_begin < ?1 AND "
	    "date_end < ?1 ORDER BY date_begin, id LIMIT ?2")) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, limit);
	v = xcalloc((size_t)limit, sizeof(*v));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)limit) {
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].domain = xstrdup(T(st, 1) ? T(st, 1) : "");
		n++;
	}
	if (finish(q, st, rc, "finding old reports") != STORE_OK)
		goto out;
	if (n == 0) {
		ret = STORE_OK;
		goto out;
	}
	if (sq_exec(q, "CREATE TEMP TABLE IF NOT EXISTS retention_batch(id INTEGER PRIMARY KEY); "
	    "DELETE FROM temp.retention_batch") != STORE_OK)
		goto out;
	if ((tb = prep(q, "INSERT OR IGNORE INTO temp.retention_batch(id) VALUES (?1)")) == NULL)
		goto out;
	for (int i = 0; i < D__N; i++)
		if ((d[i] = prep(q, dsql[i])) == NULL)
			goto out;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(tb, 1, v[i].id);
		if (sq_run(q, tb, "retention batch") != STORE_OK)
			goto out;
		for (int k = 0; k < D__N; k++) {
			if (k == D_DUPS)
				continue;	/* once per batch, below */
			if (k != D_REPORT)
				sq_bind_text(d[k], 1, v[i].domain);
			sqlite3_bind_int64(d[k], 2, v[i].id);
			if (k == D_SUM) {
				rc = sqlite3_step(d[k]);
				if (rc == SQLITE_ROW) {
					done->records += sqlite3_column_int64(d[k], 0);
					done->messages += sqlite3_column_int64(d[k], 1);
				}
				sqlite3_reset(d[k]);
				if (rc != SQLITE_ROW) {
					sq_fail(q, "counting a report's records");
					goto out;
				}
				continue;
			}
			if (sq_run(q, d[k], "deleting an old report") != STORE_OK)
				goto out;
		}
		done->reports++;
		if (domain_cb != NULL && (i == 0 || strcmp(v[i].domain, v[i - 1].domain) != 0) &&
		    domain_cb(ctx, v[i].domain) != 0)
			domain_cb = NULL;	/* the caller has heard enough */
	}
	if (sq_run(q, d[D_DUPS], "keeping duplicates of old reports") != STORE_OK)
		goto out;
	ret = STORE_OK;
out:
	for (int i = 0; i < D__N; i++)
		sqlite3_finalize(d[i]);
	sqlite3_finalize(tb);
	for (size_t i = 0; i < n; i++)
		free(v[i].domain);
	free(v);
	return ret;
}

/* ---- rollups --------------------------------------------------------------------------------- */

static int
rt_rollup_domains(store *s, int64_t before_day, int (*cb)(void *, const char *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(q, "SELECT policy_domain FROM rollup_day WHERE day < ?1 UNION "
	    "SELECT policy_domain FROM rollup_hours WHERE day < ?1 UNION "
	    "SELECT policy_domain FROM rollup_src WHERE day < ?1 UNION "
	    "SELECT policy_domain FROM rollup_org WHERE day < ?1 ORDER BY 1")) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, before_day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, T(st, 0) ? T(st, 0) : "") != 0)
			break;
	return finish(q, st, rc, "finding early rollups");
}

static int
rt_rollup_cut(store *s, const char *domain, int64_t before_day)
{
	static const char *const del[] = {
		"DELETE FROM rollup_day WHERE policy_domain = ?1 AND day < ?2",
		"DELETE FROM rollup_hours WHERE policy_domain = ?1 AND day < ?2",
		"DELETE FROM rollup_src WHERE policy_domain = ?1 AND day < ?2",
		"DELETE FROM rollup_org WHERE policy_domain = ?1 AND day < ?2",
	};
	sq_store *q = SQ(s);

	for (size_t i = 0; i < sizeof(del) / sizeof(del[0]); i++) {
		sqlite3_stmt *st = prep(q, del[i]);

		if (st == NULL)
			return STORE_ERR;
		sq_bind_text(st, 1, domain);
		sqlite3_bind_int64(st, 2, before_day);
		if (finish(q, st, sqlite3_step(st), "cutting rollups") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

/* The straddlers, as an_records_scan hands out a domain's records. */
typedef struct straddle_ctx {
	store *s;
	int (*cb)(void *, const store_record_row *);
	void *ctx;
	store_record_row row;
	int stop;
} straddle_ctx;

static int
straddle_record(void *ctx, const dm_record *rec)
{
	straddle_ctx *sc = ctx;

	sc->row.rec = rec;
	if (sc->cb(sc->ctx, &sc->row) != 0) {
		sc->stop = 1;
		return 1;
	}
	return 0;
}

static int
straddle_report(void *ctx, const store_report_row *r)
{
	straddle_ctx *sc = ctx;

	sc->row.report_id = r->id;
	sc->row.date_begin = r->rep.begin;
	sc->row.date_end = r->rep.end;
	sc->row.org_name = r->rep.org_name ? r->rep.org_name : r->rep.email;
	sc->row.report_ext_id = r->rep.report_id;
	sc->row.policy = &r->rep.policy;
	sc->row.rec = NULL;
	if (sc->cb(sc->ctx, &sc->row) != 0)
		return 1;
	if (sc->s->ops->export_records(sc->s, r->id, straddle_record, sc) != STORE_OK)
		return -1;
	return sc->stop ? 1 : 0;
}

static int
rt_straddle_scan(store *s, const char *domain, int64_t before,
    int (*cb)(void *, const store_record_row *), void *ctx)
{
	store_filter f = { domain, 0, before };
	straddle_ctx sc;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.cb = cb;
	sc.ctx = ctx;
	if (before == 0)
		return STORE_OK;
	return s->ops->export_reports(s, &f, straddle_report, &sc);
}

/* ---- failure samples -------------------------------------------------------------------------- */

static int
rt_samples_oldest(store *s, int64_t before, int64_t *oldest, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	*oldest = 0;
	if ((st = prep(q, "SELECT min(arrival_time) FROM failure_reports WHERE sample_purged = 0 "
	    "AND arrival_time < ?1")) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, before);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*oldest = sqlite3_column_int64(st, 0);
		*found = 1;
	}
	return finish(q, st, rc, "finding old samples");
}

/* ---- archive ----------------------------------------------------------------------------------- */

static int
rt_archive_purge(store *s, int64_t before, int limit, int64_t *after_id,
    store_retention_count *done, int *more)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *sel, *chunks = NULL, *mark = NULL;
	int64_t *ids, *sizes;
	int n = 0, rc, ret = STORE_ERR;

	*more = 0;
	if (limit <= 0)
		limit = 1;
	if ((sel = prep(q, "SELECT m.id, m.stored_size FROM raw_messages m WHERE m.id > ?2 AND "
	    "m.received_at < ?1 AND " KEEP_BYTES " ORDER BY m.id LIMIT ?3")) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(sel, 1, before);
	sqlite3_bind_int64(sel, 2, *after_id);
	sqlite3_bind_int(sel, 3, limit);
	ids = xcalloc((size_t)limit, sizeof(*ids));
	sizes = xcalloc((size_t)limit, sizeof(*sizes));
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW && n < limit) {
		ids[n] = sqlite3_column_int64(sel, 0);
		sizes[n] = sqlite3_column_int64(sel, 1);
		n++;
	}
	if (finish(q, sel, rc, "finding old archived messages") != STORE_OK)
		goto out;
	if ((chunks = prep(q, "DELETE FROM raw_chunks WHERE raw_id = ?1")) == NULL ||
	    (mark = prep(q, "UPDATE raw_messages SET codec = 'purged', stored_size = 0 "
	    "WHERE id = ?1")) == NULL)
		goto out;
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(chunks, 1, ids[i]);
		sqlite3_bind_int64(mark, 1, ids[i]);
		if (sq_run(q, chunks, "dropping archived bytes") != STORE_OK ||
		    sq_run(q, mark, "dropping archived bytes") != STORE_OK)
			goto out;
		done->raw_messages++;
		done->raw_bytes += sizes[i];
		*after_id = ids[i];
	}
	*more = n == limit;
	ret = STORE_OK;
out:
	sqlite3_finalize(chunks);
	sqlite3_finalize(mark);
	free(ids);
	free(sizes);
	return ret;
}

/* ---- space ------------------------------------------------------------------------------------- */

static int
pragma(sq_store *q, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = prep(q, sql);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	return finish(q, st, rc, sql);
}

static int
rt_space(store *s, store_space *out)
{
	sq_store *q = SQ(s);

	memset(out, 0, sizeof(*out));
	if (pragma(q, "PRAGMA page_count", &out->pages) != STORE_OK ||
	    pragma(q, "PRAGMA freelist_count", &out->free_pages) != STORE_OK ||
	    pragma(q, "PRAGMA page_size", &out->page_size) != STORE_OK)
		return STORE_ERR;
	return STORE_OK;
}

static int
rt_reclaim(store *s, int full)
{
	sq_store *q = SQ(s);

	if (full && sq_exec(q, "VACUUM") != STORE_OK)
		return STORE_ERR;
	/* The WAL grew with the deletes: fold it back and cut it to nothing.
	 * Busy readers only make this partial, never an error. */
	if (sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
	    SQLITE_OK && sqlite3_errcode(q->db) != SQLITE_BUSY)
		return sq_fail(q, "checkpoint");
	return STORE_OK;
}

const struct store_retention_ops store_sqlite_retention_ops = {
	.count = rt_count,
	.count_domains = rt_count_domains,
	.reports_purge = rt_reports_purge,
	.rollup_domains = rt_rollup_domains,
	.rollup_cut = rt_rollup_cut,
	.straddle_scan = rt_straddle_scan,
	.samples_oldest = rt_samples_oldest,
	.archive_purge = rt_archive_purge,
	.space = rt_space,
	.reclaim = rt_reclaim,
};
