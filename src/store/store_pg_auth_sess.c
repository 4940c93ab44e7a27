/*
 * store_pg_auth_sess.c - the PostgreSQL implementation of store_auth.h's
 * sessions, API tokens, failed logins and locks, and audit log (the other
 * half, the shared helpers and the ops table are in store_pg_auth.c); the
 * port of store_sqlite_auth_sess.c, statement for statement, except that the
 * two-statement ops (fail_add, fail_clear, fail_purge) are one statement
 * each here.
 *
 * Statements: the PGA_AUTH area from slot PGA_AUTH_SESS_SLOT0 on.
 *
 * Exports: the pga_se_*, pga_tk_*, pga_fl_*, pga_lk_*, pga_au_* ops
 * (pg_auth_priv.h).  Errors: STORE_ERR with the handle's message set.
 */
#include <stdio.h>
#include <string.h>

#include "pg_auth_priv.h"
#include "pg_priv.h"
#include "store_auth.h"

#define TOKEN_COLS "k.id, k.tenant_id, t.name, k.name, k.scope, k.hash, k.prefix, " \
	"k.created_at, coalesce(k.last_used, 0), coalesce(k.revoked_at, 0) FROM api_tokens k " \
	"LEFT JOIN tenants t ON t.id = k.tenant_id"
#define AUDIT_COLS "id, at, actor, coalesce(tenant_id, 0), action, target, ip, detail " \
	"FROM audit_log"

enum {
	B_S_ADD, B_S_GET, B_S_TOUCH, B_S_RM, B_S_RM_USER, B_S_RM_USER_KEEP, B_S_PURGE, B_K_ADD,
	B_K_BY_HASH, B_K_BY_ID, B_K_LIST_ALL, B_K_LIST_T, B_K_REVOKE, B_K_USED, B_F_ADD, B_F_COUNT,
	B_F_CLEAR, B_L_SET, B_L_GET, B_F_PURGE, B_AU_ADD, B_AU_LIST_ALL, B_AU_LIST_T, B__COUNT
};

static const char *const bsql[B__COUNT] = {
	[B_S_ADD] = "INSERT INTO sessions(id_hash, user_id, created_at, last_seen, csrf, ip) "
	    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
	[B_S_GET] = "SELECT id_hash, user_id, created_at, last_seen, csrf, ip FROM sessions "
	    "WHERE id_hash = $1",
	[B_S_TOUCH] = "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1",
	[B_S_RM] = "DELETE FROM sessions WHERE id_hash = $1",
	[B_S_RM_USER] = "DELETE FROM sessions WHERE user_id = $1",
	[B_S_RM_USER_KEEP] = "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2",
	[B_S_PURGE] = "DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2",
	[B_K_ADD] = "INSERT INTO api_tokens(tenant_id, name, scope, hash, prefix, created_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
	[B_K_BY_HASH] = "SELECT " TOKEN_COLS " WHERE k.hash = $1",
	[B_K_BY_ID] = "SELECT " TOKEN_COLS " WHERE k.id = $1",
	[B_K_LIST_ALL] = "SELECT " TOKEN_COLS " ORDER BY k.id",
	[B_K_LIST_T] = "SELECT " TOKEN_COLS " WHERE k.tenant_id = $1 ORDER BY k.id",
	[B_K_REVOKE] = "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
	[B_K_USED] = "UPDATE api_tokens SET last_used = $2 WHERE id = $1",
	/* prune this key's old rows, then add one */
	[B_F_ADD] = "WITH p AS (DELETE FROM login_failures WHERE kind = $1 AND key = $2 AND at < $4) "
	    "INSERT INTO login_failures(kind, key, at) VALUES ($1, $2, $3)",
	[B_F_COUNT] = "SELECT count(*) FROM login_failures WHERE kind = $1 AND key = $2 AND at >= $3",
	[B_F_CLEAR] = "WITH f AS (DELETE FROM login_failures WHERE kind = $1 AND key = $2) "
	    "DELETE FROM login_locks WHERE kind = $1 AND key = $2",
	[B_L_SET] = "INSERT INTO login_locks(kind, key, until) VALUES ($1, $2, $3) "
	    "ON CONFLICT (kind, key) DO UPDATE SET until = EXCLUDED.until",
	[B_L_GET] = "SELECT until FROM login_locks WHERE kind = $1 AND key = $2",
	[B_F_PURGE] = "WITH f AS (DELETE FROM login_failures WHERE at < $1) "
	    "DELETE FROM login_locks WHERE until < $1",
	[B_AU_ADD] = "INSERT INTO audit_log(at, actor, tenant_id, action, target, ip, detail) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
	[B_AU_LIST_ALL] = "SELECT " AUDIT_COLS " ORDER BY id DESC LIMIT $1",
	[B_AU_LIST_T] = "SELECT " AUDIT_COLS " WHERE tenant_id = $2 ORDER BY id DESC LIMIT $1",
};

static PGresult *
bx(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_AUTH, PGA_AUTH_SESS_SLOT0 + i, bsql[i], p, what);
}

/* Runs a write and clears its result. */
static int
bw(pg_store *q, int i, const pg_params *p, const char *what)
{
	PGresult *r = bx(q, i, p, what);

	if (r == NULL)
		return STORE_ERR;
	PQclear(r);
	return STORE_OK;
}

static void
kind_key(pg_params *p, const char *kind, const char *key)
{
	pg_p_init(p);
	pg_p_text(p, kind);
	pg_p_text(p, key);
}

/* ---- sessions ----------------------------------------------------------------- */

int
pga_se_add(store *s, const store_session *se)
{
	pg_store *q = PG(s);
	PGresult *r;
	pg_params p;
	int64_t n;

	pg_p_init(&p);
	pg_p_text(&p, se->id_hash);
	pg_p_int(&p, se->user_id);
	pg_p_int(&p, se->created_at);
	pg_p_int(&p, se->last_seen);
	pg_p_text(&p, se->csrf);
	pg_p_text(&p, se->ip);
	if ((r = bx(q, B_S_ADD, &p, "adding a session")) == NULL)
		return STORE_ERR;
	n = pga_changes(r);
	PQclear(r);
	if (n != 1) {
		snprintf(q->err, sizeof(q->err), "session id collision");
		return STORE_ERR;
	}
	return STORE_OK;
}

struct scb {
	int (*cb)(void *, const store_session *);
	void *ctx;
};

static int
session_row(const PGresult *r, int i, void *ctx)
{
	struct scb *c = ctx;
	store_session se = {
		.id_hash = pg_str(r, i, 0), .user_id = pg_int(r, i, 1),
		.created_at = pg_int(r, i, 2), .last_seen = pg_int(r, i, 3),
		.csrf = pg_str(r, i, 4), .ip = pg_str(r, i, 5),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &se);
}

int
pga_se_get(store *s, const char *id_hash, int (*cb)(void *, const store_session *), void *ctx,
    int *found)
{
	struct scb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, id_hash);
	return pga_walk(bx(PG(s), B_S_GET, &p, "reading a session"), session_row, &c, found);
}

int
pga_se_touch(store *s, const char *id_hash, int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, id_hash);
	pg_p_int(&p, now);
	return bw(PG(s), B_S_TOUCH, &p, "touching a session");
}

int
pga_se_rm(store *s, const char *id_hash)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, id_hash);
	return bw(PG(s), B_S_RM, &p, "ending a session");
}

int
pga_se_rm_user(store *s, int64_t user_id, const char *keep)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, user_id);
	if (keep != NULL)
		pg_p_text(&p, keep);
	return bw(PG(s), keep != NULL ? B_S_RM_USER_KEEP : B_S_RM_USER, &p, "ending a user's sessions");
}

int
pga_se_purge(store *s, int64_t idle_before, int64_t created_before)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, idle_before);
	pg_p_int(&p, created_before);
	return bw(PG(s), B_S_PURGE, &p, "removing old sessions");
}

/* ---- API tokens --------------------------------------------------------------- */

int
pga_tk_add(store *s, const store_token *t, int64_t *id)
{
	pg_store *q = PG(s);
	PGresult *r;
	pg_params p;
	int rows;

	pg_p_init(&p);
	pg_p_int(&p, t->tenant_id);
	pg_p_text(&p, t->name);
	pg_p_text(&p, t->scope);
	pg_p_text(&p, t->hash);
	pg_p_text(&p, t->prefix);
	pg_p_int(&p, t->created_at);
	if ((r = bx(q, B_K_ADD, &p, "adding a token")) == NULL)
		return STORE_ERR;
	if ((rows = PQntuples(r)) == 1)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	if (rows != 1) {
		snprintf(q->err, sizeof(q->err), "token collision");
		return STORE_ERR;
	}
	return STORE_OK;
}

struct kcb {
	int (*cb)(void *, const store_token *);
	void *ctx;
};

static int
token_row(const PGresult *r, int i, void *ctx)
{
	struct kcb *c = ctx;
	store_token t = {
		.id = pg_int(r, i, 0), .tenant_id = pg_int(r, i, 1), .tenant_name = pg_str(r, i, 2),
		.name = pg_str(r, i, 3), .scope = pg_str(r, i, 4), .hash = pg_str(r, i, 5),
		.prefix = pg_str(r, i, 6), .created_at = pg_int(r, i, 7),
		.last_used = pg_int(r, i, 8), .revoked_at = pg_int(r, i, 9),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &t);
}

int
pga_tk_get(store *s, const char *hash, int64_t id, int (*cb)(void *, const store_token *),
    void *ctx, int *found)
{
	struct kcb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	if (hash != NULL)
		pg_p_text(&p, hash);
	else
		pg_p_int(&p, id);
	return pga_walk(bx(PG(s), hash != NULL ? B_K_BY_HASH : B_K_BY_ID, &p, "reading a token"),
	    token_row, &c, found);
}

int
pga_tk_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_token *), void *ctx)
{
	struct kcb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	if (tenant_id != 0)
		pg_p_int(&p, tenant_id);
	return pga_walk(bx(PG(s), tenant_id != 0 ? B_K_LIST_T : B_K_LIST_ALL, &p, "listing tokens"),
	    token_row, &c, NULL);
}

int
pga_tk_revoke(store *s, int64_t id, int64_t now, int *found)
{
	PGresult *r;
	pg_params p;

	*found = 0;
	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, now);
	if ((r = bx(PG(s), B_K_REVOKE, &p, "revoking a token")) == NULL)
		return STORE_ERR;
	*found = pga_changes(r) > 0;
	PQclear(r);
	return STORE_OK;
}

int
pga_tk_used(store *s, int64_t id, int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_int(&p, now);
	return bw(PG(s), B_K_USED, &p, "noting a token's use");
}

/* ---- failed logins and locks -------------------------------------------------- */

int
pga_fl_add(store *s, const char *kind, const char *key, int64_t at, int64_t prune_before)
{
	pg_params p;

	kind_key(&p, kind, key);
	pg_p_int(&p, at);
	pg_p_int(&p, prune_before);
	return bw(PG(s), B_F_ADD, &p, "noting a failed login");
}

int
pga_fl_count(store *s, const char *kind, const char *key, int64_t since, int64_t *n)
{
	pg_params p;

	kind_key(&p, kind, key);
	pg_p_int(&p, since);
	return pga_count(bx(PG(s), B_F_COUNT, &p, "counting failed logins"), n);
}

int
pga_fl_clear(store *s, const char *kind, const char *key)
{
	pg_params p;

	kind_key(&p, kind, key);
	return bw(PG(s), B_F_CLEAR, &p, "clearing failed logins");
}

int
pga_lk_set(store *s, const char *kind, const char *key, int64_t until)
{
	pg_params p;

	kind_key(&p, kind, key);
	pg_p_int(&p, until);
	return bw(PG(s), B_L_SET, &p, "setting a lock");
}

int
pga_lk_get(store *s, const char *kind, const char *key, int64_t *until)
{
	pg_params p;

	kind_key(&p, kind, key);
	return pga_count(bx(PG(s), B_L_GET, &p, "reading a lock"), until);
}

int
pga_fl_purge(store *s, int64_t before)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, before);
	return bw(PG(s), B_F_PURGE, &p, "purging failed logins");
}

/* ---- audit log ---------------------------------------------------------------- */

int
pga_au_add(store *s, const store_audit *a)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, a->at);
	pg_p_text(&p, a->actor);
	if (a->tenant_id != 0)
		pg_p_int(&p, a->tenant_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, a->action);
	pg_p_text(&p, a->target);
	pg_p_text(&p, a->ip);
	pg_p_text(&p, a->detail);
	return bw(PG(s), B_AU_ADD, &p, "writing the audit log");
}

struct acb {
	int (*cb)(void *, const store_audit *);
	void *ctx;
};

static int
audit_row(const PGresult *r, int i, void *ctx)
{
	struct acb *c = ctx;
	store_audit a = {
		.id = pg_int(r, i, 0), .at = pg_int(r, i, 1), .actor = pg_str(r, i, 2),
		.tenant_id = pg_int(r, i, 3), .action = pg_str(r, i, 4), .target = pg_str(r, i, 5),
		.ip = pg_str(r, i, 6), .detail = pg_str(r, i, 7),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &a);
}

int
pga_au_list(store *s, int64_t tenant_id, int limit, int (*cb)(void *, const store_audit *),
    void *ctx)
{
	struct acb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, limit > 0 ? limit : 1000);
	if (tenant_id >= 0)
		pg_p_int(&p, tenant_id);
	return pga_walk(bx(PG(s), tenant_id >= 0 ? B_AU_LIST_T : B_AU_LIST_ALL, &p,
	    "reading the audit log"), audit_row, &c, NULL);
}
