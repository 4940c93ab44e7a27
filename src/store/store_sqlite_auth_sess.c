/*
 * store_sqlite_auth_sess.c - the SQLite implementation of store_auth.h's
 * sessions, API tokens, failed logins and locks, and audit log (the other
 * half, and the ops table, are in store_sqlite_auth.c).
 *
 * Exports: the sqa_se_*, sqa_tk_*, sqa_fl_*, sqa_lk_*, sqa_au_* ops
 * (sqlite_auth_priv.h).  Errors: STORE_ERR with the handle's message set.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_auth_priv.h"
#include "sqlite_priv.h"
#include "store_auth.h"

/* ---- sessions ----------------------------------------------------------------- */

int
sqa_se_add(store *s, const store_session *se)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_S_ADD);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, se->id_hash);
	sqlite3_bind_int64(st, 2, se->user_id);
	sqlite3_bind_int64(st, 3, se->created_at);
	sqlite3_bind_int64(st, 4, se->last_seen);
	sq_bind_text(st, 5, se->csrf);
	sq_bind_text(st, 6, se->ip);
	return sqa_write_unique(q, st, "adding a session", "session id collision");
}

struct scb {
	int (*cb)(void *, const store_session *);
	void *ctx;
};

static int
session_row(sqlite3_stmt *st, void *ctx)
{
	struct scb *c = ctx;
	store_session se = {
		.id_hash = sqa_text(st, 0), .user_id = sqlite3_column_int64(st, 1),
		.created_at = sqlite3_column_int64(st, 2), .last_seen = sqlite3_column_int64(st, 3),
		.csrf = sqa_text(st, 4), .ip = sqa_text(st, 5),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &se);
}

int
sqa_se_get(store *s, const char *id_hash, int (*cb)(void *, const store_session *), void *ctx,
    int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_S_GET);
	struct scb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, id_hash);
	return sqa_walk(q, st, "reading a session", session_row, &c, found);
}

int
sqa_se_touch(store *s, const char *id_hash, int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_S_TOUCH);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, id_hash);
	sqlite3_bind_int64(st, 2, now);
	return sq_run(q, st, "touching a session");
}

int
sqa_se_rm(store *s, const char *id_hash)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_S_RM);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, id_hash);
	return sq_run(q, st, "ending a session");
}

int
sqa_se_rm_user(store *s, int64_t user_id, const char *keep)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, keep != NULL ? A_S_RM_USER_KEEP : A_S_RM_USER);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, user_id);
	if (keep != NULL)
		sq_bind_text(st, 2, keep);
	return sq_run(q, st, "ending a user's sessions");
}

int
sqa_se_purge(store *s, int64_t idle_before, int64_t created_before)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_S_PURGE);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, idle_before);
	sqlite3_bind_int64(st, 2, created_before);
	return sq_run(q, st, "removing old sessions");
}

/* ---- API tokens --------------------------------------------------------------- */

int
sqa_tk_add(store *s, const store_token *t, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_K_ADD);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, t->tenant_id);
	sq_bind_text(st, 2, t->name);
	sq_bind_text(st, 3, t->scope);
	sq_bind_text(st, 4, t->hash);
	sq_bind_text(st, 5, t->prefix);
	sqlite3_bind_int64(st, 6, t->created_at);
	if (sqa_write_unique(q, st, "adding a token", "token collision") != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

struct kcb {
	int (*cb)(void *, const store_token *);
	void *ctx;
};

static int
token_row(sqlite3_stmt *st, void *ctx)
{
	struct kcb *c = ctx;
	store_token t = {
		.id = sqlite3_column_int64(st, 0), .tenant_id = sqlite3_column_int64(st, 1),
		.tenant_name = sqa_text(st, 2), .name = sqa_text(st, 3), .scope = sqa_text(st, 4),
		.hash = sqa_text(st, 5),
		.prefix = sqa_text(st, 6), .created_at = sqlite3_column_int64(st, 7),
		.last_used = sqlite3_column_int64(st, 8), .revoked_at = sqlite3_column_int64(st, 9),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &t);
}

int
sqa_tk_get(store *s, const char *hash, int64_t id, int (*cb)(void *, const store_token *),
    void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, hash != NULL ? A_K_BY_HASH : A_K_BY_ID);
	struct kcb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	if (hash != NULL)
		sq_bind_text(st, 1, hash);
	else
		sqlite3_bind_int64(st, 1, id);
	return sqa_walk(q, st, "reading a token", token_row, &c, found);
}

int
sqa_tk_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_token *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, tenant_id != 0 ? A_K_LIST_T : A_K_LIST_ALL);
	struct kcb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	if (tenant_id != 0)
		sqlite3_bind_int64(st, 1, tenant_id);
	return sqa_walk(q, st, "listing tokens", token_row, &c, NULL);
}

int
sqa_tk_revoke(store *s, int64_t id, int64_t now, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_K_REVOKE);

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (sq_run(q, st, "revoking a token") != STORE_OK)
		return STORE_ERR;
	*found = sqlite3_changes(q->db) > 0;
	return STORE_OK;
}

int
sqa_tk_used(store *s, int64_t id, int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_K_USED);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return sq_run(q, st, "noting a token's use");
}

/* ---- failed logins and locks -------------------------------------------------- */

static sqlite3_stmt *
kind_key(sq_store *q, int stmt, const char *kind, const char *key)
{
	sqlite3_stmt *st = sqa_stmt(q, stmt);

	if (st != NULL) {
		sq_bind_text(st, 1, kind);
		sq_bind_text(st, 2, key);
	}
	return st;
}

int
sqa_fl_add(store *s, const char *kind, const char *key, int64_t at, int64_t prune_before)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = kind_key(q, A_F_PRUNE, kind, key);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 3, prune_before);
	if (sq_run(q, st, "pruning failed logins") != STORE_OK ||
	    (st = kind_key(q, A_F_ADD, kind, key)) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 3, at);
	return sq_run(q, st, "noting a failed login");
}

int
sqa_fl_count(store *s, const char *kind, const char *key, int64_t since, int64_t *n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = kind_key(q, A_F_COUNT, kind, key);

	*n = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 3, since);
	return sqa_walk(q, st, "counting failed logins", sqa_count_row, n, NULL);
}

int
sqa_fl_clear(store *s, const char *kind, const char *key)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = kind_key(q, A_F_CLEAR, kind, key);

	if (st == NULL || sq_run(q, st, "clearing failed logins") != STORE_OK)
		return STORE_ERR;
	st = kind_key(q, A_L_CLEAR, kind, key);
	return st == NULL ? STORE_ERR : sq_run(q, st, "clearing a lock");
}

int
sqa_lk_set(store *s, const char *kind, const char *key, int64_t until)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = kind_key(q, A_L_SET, kind, key);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 3, until);
	return sq_run(q, st, "setting a lock");
}

int
sqa_lk_get(store *s, const char *kind, const char *key, int64_t *until)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = kind_key(q, A_L_GET, kind, key);

	*until = 0;
	return st == NULL ? STORE_ERR : sqa_walk(q, st, "reading a lock", sqa_count_row, until, NULL);
}

int
sqa_fl_purge(store *s, int64_t before)
{
	sq_store *q = SQ(s);

	if (sqa_run_id(q, A_F_PURGE, before, "purging failed logins") != STORE_OK)
		return STORE_ERR;
	return sqa_run_id(q, A_L_PURGE, before, "purging locks");
}

/* ---- audit log ---------------------------------------------------------------- */

int
sqa_au_add(store *s, const store_audit *a)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_AU_ADD);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, a->at);
	sq_bind_text(st, 2, a->actor);
	sqa_bind_id(st, 3, a->tenant_id);
	sq_bind_text(st, 4, a->action);
	sq_bind_text(st, 5, a->target);
	sq_bind_text(st, 6, a->ip);
	sq_bind_text(st, 7, a->detail);
	return sq_run(q, st, "writing the audit log");
}

struct acb {
	int (*cb)(void *, const store_audit *);
	void *ctx;
};

static int
audit_row(sqlite3_stmt *st, void *ctx)
{
	struct acb *c = ctx;
	store_audit a = {
		.id = sqlite3_column_int64(st, 0), .at = sqlite3_column_int64(st, 1),
		.actor = sqa_text(st, 2), .tenant_id = sqlite3_column_int64(st, 3), .action = sqa_text(st, 4),
		.target = sqa_text(st, 5), .ip = sqa_text(st, 6), .detail = sqa_text(st, 7),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &a);
}

int
sqa_au_list(store *s, int64_t tenant_id, int limit, int (*cb)(void *, const store_audit *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, tenant_id >= 0 ? A_AU_LIST_T : A_AU_LIST_ALL);
	struct acb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : 1000);
	if (tenant_id >= 0)
		sqlite3_bind_int64(st, 2, tenant_id);
	return sqa_walk(q, st, "reading the audit log", audit_row, &c, NULL);
}
