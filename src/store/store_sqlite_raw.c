/*
 * store_sqlite_raw.c - the SQLite backend's archive of raw messages (new,
 * chunks, seal, info, find by hash or size, merge, read, state) and the
 * quarantine (add, list, mark, drop).  Moved out of store_sqlite.c unchanged.
 *
 * Exports: sq_raw_*, sq_quarantine_* (sqlite_core.h; the ops table in
 * store_sqlite.c).  Rows handed to callbacks live only during the call.
 * Errors: STORE_ERR with q->err set (store_errmsg).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_core.h"
#include "store.h"
#include "../util/dbuf.h"
#include "../util/log.h"

int
sq_raw_new(store *s, const char *source, const char *codec, const char *sha, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_NEW);

	bind_text(st, 1, codec);
	bind_text(st, 2, source);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	bind_text(st, 4, sha);
	if (run(q, st, "archiving a message") != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

int
sq_raw_chunk(store *s, int64_t raw_id, int seq, const void *p, size_t n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_CHUNK);

	sqlite3_bind_int64(st, 1, raw_id);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_blob64(st, 3, p, n, SQLITE_STATIC);
	return run(q, st, "archiving a chunk");
}

int
sq_raw_seal(store *s, int64_t raw_id, const char *sha, int64_t size, int64_t stored,
    int64_t *dup_id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;

	*dup_id = 0;
	if (sha == NULL) {
		/* the hash was given to raw_new */
		st = stmt(q, S_RAW_SIZES);
		sqlite3_bind_int64(st, 1, raw_id);
		sqlite3_bind_int64(st, 2, size);
		sqlite3_bind_int64(st, 3, stored);
		return run(q, st, "sealing the archive");
	}
	st = stmt(q, S_RAW_BY_SHA);
	bind_text(st, 1, sha);
	if (sqlite3_step(st) == SQLITE_ROW)
		*dup_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (*dup_id != 0)
		return STORE_OK;
	st = stmt(q, S_RAW_SEAL);
	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, sha);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_int64(st, 4, stored);
	return run(q, st, "sealing the archive");
}

int
sq_raw_info(store *s, int64_t raw_id, int (*cb)(void *, const store_raw_info *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_INFO);
	store_raw_info ri;
	int rc;

	sqlite3_bind_int64(st, 1, raw_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			snprintf(q->err, sizeof(q->err), "no archived message %lld", (long long)raw_id);
			return STORE_ERR;
		}
		return fail(q, "reading the archive");
	}
	ri.id = sqlite3_column_int64(st, 0);
	ri.size = sqlite3_column_int64(st, 1);
	ri.stored_size = sqlite3_column_int64(st, 2);
	ri.sha256 = (const char *)sqlite3_column_text(st, 3);
	ri.codec = (const char *)sqlite3_column_text(st, 4);
	ri.source = (const char *)sqlite3_column_text(st, 5);
	ri.state = (const char *)sqlite3_column_text(st, 6);
	rc = cb(ctx, &ri);
	sqlite3_reset(st);
	return rc;
}

int
sq_raw_find(store *s, const char *sha256, int64_t *id, char *state, size_t statelen)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_FIND);
	int rc;

	*id = 0;
	if (statelen > 0)
		state[0] = '\0';
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 1);

		*id = sqlite3_column_int64(st, 0);
		snprintf(state, statelen, "%s", v != NULL ? v : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "looking up the archive");
	return STORE_OK;
}

int
sq_raw_size_known(store *s, int64_t size, int *known)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_SIZE);
	int rc;

	sqlite3_bind_int64(st, 1, size);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	*known = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(q, "looking up the archive");
	return STORE_OK;
}

int
sq_raw_merge(store *s, int64_t from, int64_t into)
{
	sq_store *q = SQ(s);
	static const enum stmt steps[] = { S_MERGE_REPORTS, S_MERGE_DUPS, S_MERGE_CHUNKS,
	    S_MERGE_RAW };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st = stmt(q, steps[i]);

		sqlite3_bind_int64(st, 1, from);
		if (steps[i] == S_MERGE_REPORTS || steps[i] == S_MERGE_DUPS)
			sqlite3_bind_int64(st, 2, into);
		if (steps[i] == S_MERGE_DUPS && sq_kinds_merge(q, from, into) != STORE_OK)
			return STORE_ERR;
		if (run(q, st, "merging archived copies") != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

int
sq_raw_read(store *s, int64_t raw_id, int (*cb)(void *, const void *, size_t), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_READ);
	int rc;

	sqlite3_bind_int64(st, 1, raw_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb(ctx, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)) != 0) {
			sqlite3_reset(st);
			return STORE_ERR;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : fail(q, "reading the archive");
}

int
sq_raw_set_state(store *s, int64_t raw_id, const char *state, const char *reason,
    int64_t reports)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_RAW_STATE);

	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, state);
	bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, reports);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	return run(q, st, "updating the archive state");
}

int
sq_quarantine_add(store *s, int64_t raw_id, const char *reason)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_Q_ADD);

	sqlite3_bind_int64(st, 1, raw_id);
	bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	return run(q, st, "quarantining");
}

int
sq_quarantine_list(store *s, int only_open, int (*cb)(void *, const store_qitem *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, only_open ? S_Q_LIST_OPEN : S_Q_LIST_ALL);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_qitem it;

		it.id = sqlite3_column_int64(st, 0);
		it.raw_id = sqlite3_column_int64(st, 1);
		it.created_at = sqlite3_column_int64(st, 2);
		it.retried_at = sqlite3_column_int64(st, 3);
		it.reason = (const char *)sqlite3_column_text(st, 4);
		it.source = (const char *)sqlite3_column_text(st, 5);
		it.raw_state = (const char *)sqlite3_column_text(st, 6);
		it.resolved = sqlite3_column_int(st, 7);
		if (cb(ctx, &it) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : fail(q, "listing quarantine");
}

int
sq_quarantine_mark(store *s, int64_t raw_id, int resolved)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_Q_MARK);

	sqlite3_bind_int64(st, 1, raw_id);
	sqlite3_bind_int(st, 2, resolved);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	return run(q, st, "updating quarantine");
}

int
sq_quarantine_drop(store *s, int64_t id, const char *reason, int *dropped)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = stmt(q, S_Q_DROP);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (run(q, st, "dropping a quarantine entry") != STORE_OK)
		return STORE_ERR;
	*dropped = sqlite3_changes(q->db) > 0;
	return STORE_OK;
}
