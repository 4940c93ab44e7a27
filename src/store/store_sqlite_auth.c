/*
 * store_sqlite_auth.c - the SQLite implementation of store_auth.h: tenants,
 * tenant_domains, users, sessions, api_tokens, login_failures, login_locks and
 * audit_log (src/store/sql/008_tenants.sql).
 *
 * This file: the statements, the helpers both files use, tenants, domains,
 * users and the ops table; store_sqlite_auth_sess.c: sessions, tokens,
 * failed logins and locks, the audit log (sqlite_auth_priv.h joins them).
 * Statements live in the SQA_AUTH slot area of the handle (sq_prep).  Ops
 * that change several tables (tenant_rm, tenant_set_disabled, user_rm,
 * user_set_disabled) run inside a savepoint, so they are whole both inside a
 * caller's transaction and in autocommit mode.
 *
 * Exports: store_sqlite_auth_ops, the sqa_* helpers (sqlite_auth_priv.h).
 * Errors: STORE_ERR with the handle's message set (store_errmsg); "exists"
 * and "belongs to" errors say which.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_auth_priv.h"
#include "sqlite_priv.h"
#include "store_auth.h"


#define TENANT_COLS "t.id, t.name, t.created_at, t.disabled, " \
	"(SELECT count(*) FROM tenant_domains d WHERE d.tenant_id = t.id), " \
	"(SELECT count(*) FROM users u WHERE u.tenant_id = t.id), " \
	"(SELECT count(*) FROM api_tokens k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL)"
#define USER_COLS "u.id, u.name, coalesce(u.tenant_id, 0), t.name, u.role, u.pw_hash, " \
	"u.created_at, u.pw_changed_at, u.disabled FROM users u LEFT JOIN tenants t " \
	"ON t.id = u.tenant_id"
#define TOKEN_COLS "k.id, k.tenant_id, t.name, k.name, k.scope, k.hash, k.prefix, " \
	"k.created_at, coalesce(k.last_used, 0), coalesce(k.revoked_at, 0) FROM api_tokens k " \
	"LEFT JOIN tenants t ON t.id = k.tenant_id"
#define AUDIT_COLS "id, at, actor, coalesce(tenant_id, 0), action, target, ip, detail " \
	"FROM audit_log"

static const char *const asql[A__COUNT] = {
	[A_T_ADD] = "INSERT INTO tenants(name, created_at) VALUES (?1, ?2)",
	[A_T_BY_NAME] = "SELECT " TENANT_COLS " FROM tenants t WHERE t.name = ?1",
	[A_T_BY_ID] = "SELECT " TENANT_COLS " FROM tenants t WHERE t.id = ?1",
	[A_T_LIST] = "SELECT " TENANT_COLS " FROM tenants t ORDER BY t.name",
	[A_T_RM] = "DELETE FROM tenants WHERE id = ?1",
	[A_T_RM_DOM] = "DELETE FROM tenant_domains WHERE tenant_id = ?1",
	[A_T_RM_TOK] = "DELETE FROM api_tokens WHERE tenant_id = ?1",
	[A_T_RM_SES] = "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users "
	    "WHERE tenant_id = ?1)",
	[A_T_RM_USR] = "DELETE FROM users WHERE tenant_id = ?1",
	[A_D_OWNER] = "SELECT d.tenant_id, t.name FROM tenant_domains d LEFT JOIN tenants t "
	    "ON t.id = d.tenant_id WHERE d.domain = ?1",
	[A_D_ADD] = "INSERT INTO tenant_domains(domain, tenant_id, assigned_at) VALUES (?1, ?2, ?3)",
	[A_D_RM] = "DELETE FROM tenant_domains WHERE domain = ?1",
	[A_D_LIST] = "SELECT d.domain, d.tenant_id, t.name FROM tenant_domains d JOIN tenants t "
	    "ON t.id = d.tenant_id WHERE d.tenant_id = ?1 ORDER BY d.domain",
	[A_D_LIST_ALL] = "SELECT d.domain, d.tenant_id, t.name FROM tenant_domains d JOIN tenants t "
	    "ON t.id = d.tenant_id ORDER BY d.domain",
	[A_U_ADD] = "INSERT INTO users(name, tenant_id, role, pw_hash, created_at, pw_changed_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	[A_U_BY_NAME] = "SELECT " USER_COLS " WHERE u.name = ?1",
	[A_U_BY_ID] = "SELECT " USER_COLS " WHERE u.id = ?1",
	[A_U_LIST_ALL] = "SELECT " USER_COLS " ORDER BY t.name IS NOT NULL, t.name, u.name",
	[A_U_LIST_OPS] = "SELECT " USER_COLS " WHERE u.tenant_id IS NULL ORDER BY u.name",
	[A_U_LIST_T] = "SELECT " USER_COLS " WHERE u.tenant_id = ?1 ORDER BY u.name",
	[A_U_PW] = "UPDATE users SET pw_hash = ?2, pw_changed_at = ?3 WHERE id = ?1",
	[A_U_DIS] = "UPDATE users SET disabled = ?2 WHERE id = ?1",
	[A_U_RM] = "DELETE FROM users WHERE id = ?1",
	[A_U_COUNT] = "SELECT count(*) FROM users WHERE disabled = 0",
	[A_S_ADD] = "INSERT INTO sessions(id_hash, user_id, created_at, last_seen, csrf, ip) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[A_S_GET] = "SELECT id_hash, user_id, created_at, last_seen, csrf, ip FROM sessions "
	    "WHERE id_hash = ?1",
	[A_S_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1",
	[A_S_RM] = "DELETE FROM sessions WHERE id_hash = ?1",
	[A_S_RM_USER] = "DELETE FROM sessions WHERE user_id = ?1",
	[A_S_RM_USER_KEEP] = "DELETE FROM sessions WHERE user_id = ?1 AND id_hash <> ?2",
	[A_S_PURGE] = "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2",
	[A_K_ADD] = "INSERT INTO api_tokens(tenant_id, name, scope, hash, prefix, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[A_K_BY_HASH] = "SELECT " TOKEN_COLS " WHERE k.hash = ?1",
	[A_K_BY_ID] = "SELECT " TOKEN_COLS " WHERE k.id = ?1",
	[A_K_LIST_ALL] = "SELECT " TOKEN_COLS " ORDER BY k.id",
	[A_K_LIST_T] = "SELECT " TOKEN_COLS " WHERE k.tenant_id = ?1 ORDER BY k.id",
	[A_K_REVOKE] = "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
	[A_K_USED] = "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1",
	[A_F_ADD] = "INSERT INTO login_failures(kind, key, at) VALUES (?1, ?2, ?3)",
	[A_F_PRUNE] = "DELETE FROM login_failures WHERE kind = ?1 AND key = ?2 AND at < ?3",
	[A_F_COUNT] = "SELECT count(*) FROM login_failures WHERE kind = ?1 AND key = ?2 AND at >= ?3",
	[A_F_CLEAR] = "DELETE FROM login_failures WHERE kind = ?1 AND key = ?2",
	[A_L_SET] = "INSERT INTO login_locks(kind, key, until) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT(kind, key) DO UPDATE SET until = excluded.until",
	[A_L_GET] = "SELECT until FROM login_locks WHERE kind = ?1 AND key = ?2",
	[A_L_CLEAR] = "DELETE FROM login_locks WHERE kind = ?1 AND key = ?2",
	[A_F_PURGE] = "DELETE FROM login_failures WHERE at < ?1",
	[A_L_PURGE] = "DELETE FROM login_locks WHERE until < ?1",
	[A_T_DIS] = "UPDATE tenants SET disabled = ?2 WHERE id = ?1",
	[A_T_DIS_SES] = "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users "
	    "WHERE tenant_id = ?1)",
	[A_AU_ADD] = "INSERT INTO audit_log(at, actor, tenant_id, action, target, ip, detail) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[A_AU_LIST_ALL] = "SELECT " AUDIT_COLS " ORDER BY id DESC LIMIT ?1",
	[A_AU_LIST_T] = "SELECT " AUDIT_COLS " WHERE tenant_id = ?2 ORDER BY id DESC LIMIT ?1",
};

sqlite3_stmt *
sqa_stmt(sq_store *q, int i)
{
	return sq_prep(q, SQA_AUTH, i, asql[i]);
}

void
sqa_bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, id);
}

/* Steps a write; a UNIQUE or PRIMARY KEY violation becomes `dup` (a message
 * for the user) instead of SQLite's text. */
int
sqa_write_unique(sq_store *q, sqlite3_stmt *st, const char *what, const char *dup)
{
	int rc = sqlite3_step(st);
	int ext = sqlite3_extended_errcode(q->db);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	if (dup != NULL && (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)) {
		snprintf(q->err, sizeof(q->err), "%s", dup);
		return STORE_ERR;
	}
	return sq_fail(q, what);
}

/* Steps a query to its end, calling row() for each row until it returns
 * non-zero; *n counts the rows seen. */
int
sqa_walk(sq_store *q, sqlite3_stmt *st, const char *what, int (*row)(sqlite3_stmt *, void *),
    void *ctx, int *n)
{
	int rc;

	if (n != NULL)
		*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n != NULL)
			(*n)++;
		if (row(st, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(q, what);
}

int
sqa_run_id(sq_store *q, int stmt, int64_t id, const char *what)
{
	sqlite3_stmt *st = sqa_stmt(q, stmt);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	return sq_run(q, st, what);
}

/* ---- savepoints around multi-table changes ----------------------------------- */

int
sqa_sp_begin(sq_store *q)
{
	return sq_exec(q, "SAVEPOINT auth_op");
}

int
sqa_sp_end(sq_store *q, int rc)
{
	if (rc == STORE_OK)
		return sq_exec(q, "RELEASE auth_op");
	{
		char keep[sizeof(q->err)];

		memcpy(keep, q->err, sizeof(keep));
		sq_exec(q, "ROLLBACK TO auth_op");
		sq_exec(q, "RELEASE auth_op");
		memcpy(q->err, keep, sizeof(keep));
	}
	return STORE_ERR;
}

/* ---- tenants ------------------------------------------------------------------ */

static int
tn_add(store *s, const char *name, int64_t now, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_T_ADD);
	char dup[200];

	if (st == NULL)
		return STORE_ERR;
	snprintf(dup, sizeof(dup), "tenant %s exists", name);
	sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, now);
	if (sqa_write_unique(q, st, "adding a tenant", dup) != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

struct tcb {
	int (*cb)(void *, const store_tenant *);
	void *ctx;
};

static int
tenant_row(sqlite3_stmt *st, void *ctx)
{
	struct tcb *c = ctx;
	store_tenant t = {
		.id = sqlite3_column_int64(st, 0), .name = sqa_text(st, 1),
		.created_at = sqlite3_column_int64(st, 2), .disabled = sqlite3_column_int(st, 3),
		.domains = sqlite3_column_int64(st, 4), .users = sqlite3_column_int64(st, 5),
		.tokens = sqlite3_column_int64(st, 6),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &t);
}

static int
tn_get(store *s, const char *name, int64_t id, int (*cb)(void *, const store_tenant *),
    void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, name != NULL ? A_T_BY_NAME : A_T_BY_ID);
	struct tcb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	if (name != NULL)
		sq_bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, id);
	return sqa_walk(q, st, "reading a tenant", tenant_row, &c, found);
}

static int
tn_list(store *s, int (*cb)(void *, const store_tenant *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_T_LIST);
	struct tcb c = { cb, ctx };

	return st == NULL ? STORE_ERR : sqa_walk(q, st, "listing tenants", tenant_row, &c, NULL);
}

static int
tn_rm(store *s, int64_t id, int *found)
{
	sq_store *q = SQ(s);
	static const int steps[] = { A_T_RM_DOM, A_T_RM_TOK, A_T_RM_SES, A_T_RM_USR, A_T_RM };
	int rc = STORE_OK;

	*found = 0;
	if (sqa_sp_begin(q) != STORE_OK)
		return STORE_ERR;
	for (size_t i = 0; rc == STORE_OK && i < sizeof(steps) / sizeof(steps[0]); i++)
		rc = sqa_run_id(q, steps[i], id, "removing a tenant");
	if (rc == STORE_OK)
		*found = sqlite3_changes(q->db) > 0;
	return sqa_sp_end(q, rc);
}

static int
tn_set_disabled(store *s, int64_t id, int disabled)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	if (sqa_sp_begin(q) != STORE_OK)
		return STORE_ERR;
	if ((st = sqa_stmt(q, A_T_DIS)) == NULL)
		return sqa_sp_end(q, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, disabled != 0);
	rc = sq_run(q, st, "disabling a tenant");
	if (rc == STORE_OK && disabled)
		rc = sqa_run_id(q, A_T_DIS_SES, id, "ending a tenant's sessions");
	return sqa_sp_end(q, rc);
}

/* ---- domains ------------------------------------------------------------------ */

struct owner {
	int64_t id;
	char name[128];
};

static int
owner_row(sqlite3_stmt *st, void *ctx)
{
	struct owner *o = ctx;

	o->id = sqlite3_column_int64(st, 0);
	snprintf(o->name, sizeof(o->name), "%s", sqa_text(st, 1) ? sqa_text(st, 1) : "?");
	return 1;
}

static int
owner_of(sq_store *q, const char *domain, struct owner *o)
{
	sqlite3_stmt *st = sqa_stmt(q, A_D_OWNER);

	memset(o, 0, sizeof(*o));
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	return sqa_walk(q, st, "reading a domain's tenant", owner_row, o, NULL);
}

static int
dm_assign(store *s, const char *domain, int64_t tenant_id, int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	struct owner o;

	if (owner_of(q, domain, &o) != STORE_OK)
		return STORE_ERR;
	if (o.id == tenant_id)
		return STORE_OK;
	if (o.id != 0) {
		snprintf(q->err, sizeof(q->err), "%s belongs to tenant %s (unassign it first)",
		    domain, o.name);
		return STORE_ERR;
	}
	if ((st = sqa_stmt(q, A_D_ADD)) == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, tenant_id);
	sqlite3_bind_int64(st, 3, now);
	return sqa_write_unique(q, st, "assigning a domain", "the domain was assigned meanwhile");
}

static int
dm_unassign(store *s, const char *domain, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_D_RM);

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, domain);
	if (sq_run(q, st, "unassigning a domain") != STORE_OK)
		return STORE_ERR;
	*found = sqlite3_changes(q->db) > 0;
	return STORE_OK;
}

static int
dm_owner(store *s, const char *domain, int64_t *tenant_id)
{
	struct owner o;

	if (owner_of(SQ(s), domain, &o) != STORE_OK)
		return STORE_ERR;
	*tenant_id = o.id;
	return STORE_OK;
}

struct dcb {
	int (*cb)(void *, const char *, int64_t, const char *);
	void *ctx;
};

static int
domain_row(sqlite3_stmt *st, void *ctx)
{
	struct dcb *c = ctx;

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, sqa_text(st, 0), sqlite3_column_int64(st, 1), sqa_text(st, 2));
}

static int
dm_list(store *s, int64_t tenant_id, int (*cb)(void *, const char *, int64_t, const char *),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, tenant_id != 0 ? A_D_LIST : A_D_LIST_ALL);
	struct dcb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	if (tenant_id != 0)
		sqlite3_bind_int64(st, 1, tenant_id);
	return sqa_walk(q, st, "listing domains", domain_row, &c, NULL);
}

/* ---- users -------------------------------------------------------------------- */

static int
us_add(store *s, const store_user *u, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_U_ADD);
	char dup[200];

	if (st == NULL)
		return STORE_ERR;
	snprintf(dup, sizeof(dup), "user %s exists", u->name);
	sq_bind_text(st, 1, u->name);
	sqa_bind_id(st, 2, u->tenant_id);
	sq_bind_text(st, 3, u->role);
	sq_bind_text(st, 4, u->pw_hash);
	sqlite3_bind_int64(st, 5, u->created_at);
	if (sqa_write_unique(q, st, "adding a user", dup) != STORE_OK)
		return STORE_ERR;
	*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

struct ucb {
	int (*cb)(void *, const store_user *);
	void *ctx;
};

static int
user_row(sqlite3_stmt *st, void *ctx)
{
	struct ucb *c = ctx;
	store_user u = {
		.id = sqlite3_column_int64(st, 0), .name = sqa_text(st, 1),
		.tenant_id = sqlite3_column_int64(st, 2), .tenant_name = sqa_text(st, 3),
		.role = sqa_text(st, 4), .pw_hash = sqa_text(st, 5),
		.created_at = sqlite3_column_int64(st, 6),
		.pw_changed_at = sqlite3_column_int64(st, 7), .disabled = sqlite3_column_int(st, 8),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &u);
}

static int
us_get(store *s, const char *name, int64_t id, int (*cb)(void *, const store_user *),
    void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, name != NULL ? A_U_BY_NAME : A_U_BY_ID);
	struct ucb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	if (name != NULL)
		sq_bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, id);
	return sqa_walk(q, st, "reading a user", user_row, &c, found);
}

static int
us_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_user *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, tenant_id < 0 ? A_U_LIST_ALL : tenant_id == 0 ? A_U_LIST_OPS :
	    A_U_LIST_T);
	struct ucb c = { cb, ctx };

	if (st == NULL)
		return STORE_ERR;
	if (tenant_id > 0)
		sqlite3_bind_int64(st, 1, tenant_id);
	return sqa_walk(q, st, "listing users", user_row, &c, NULL);
}

static int
us_set_password(store *s, int64_t id, const char *pw_hash, int64_t now)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_U_PW);

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_text(st, 2, pw_hash);
	sqlite3_bind_int64(st, 3, now);
	return sq_run(q, st, "changing a password");
}

static int
us_set_disabled(store *s, int64_t id, int disabled)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	if (sqa_sp_begin(q) != STORE_OK)
		return STORE_ERR;
	if ((st = sqa_stmt(q, A_U_DIS)) == NULL)
		return sqa_sp_end(q, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, disabled != 0);
	rc = sq_run(q, st, "disabling a user");
	if (rc == STORE_OK && disabled)
		rc = sqa_run_id(q, A_S_RM_USER, id, "ending a user's sessions");
	return sqa_sp_end(q, rc);
}

static int
us_rm(store *s, int64_t id, int *found)
{
	sq_store *q = SQ(s);
	int rc;

	*found = 0;
	if (sqa_sp_begin(q) != STORE_OK)
		return STORE_ERR;
	rc = sqa_run_id(q, A_S_RM_USER, id, "ending a user's sessions");
	if (rc == STORE_OK)
		rc = sqa_run_id(q, A_U_RM, id, "removing a user");
	if (rc == STORE_OK)
		*found = sqlite3_changes(q->db) > 0;
	return sqa_sp_end(q, rc);
}

int
sqa_count_row(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return 1;
}

static int
us_count(store *s, int64_t *n)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = sqa_stmt(q, A_U_COUNT);

	*n = 0;
	return st == NULL ? STORE_ERR : sqa_walk(q, st, "counting users", sqa_count_row, n, NULL);
}

const struct store_auth_ops store_sqlite_auth_ops = {
	.tenant_add = tn_add,
	.tenant_get = tn_get,
	.tenant_list = tn_list,
	.tenant_rm = tn_rm,
	.tenant_set_disabled = tn_set_disabled,
	.domain_assign = dm_assign,
	.domain_unassign = dm_unassign,
	.domain_owner = dm_owner,
	.domain_list = dm_list,
	.user_add = us_add,
	.user_get = us_get,
	.user_list = us_list,
	.user_set_password = us_set_password,
	.user_set_disabled = us_set_disabled,
	.user_rm = us_rm,
	.user_count = us_count,
	.session_add = sqa_se_add,
	.session_get = sqa_se_get,
	.session_touch = sqa_se_touch,
	.session_rm = sqa_se_rm,
	.session_rm_user = sqa_se_rm_user,
	.session_purge = sqa_se_purge,
	.token_add = sqa_tk_add,
	.token_get = sqa_tk_get,
	.token_list = sqa_tk_list,
	.token_revoke = sqa_tk_revoke,
	.token_used = sqa_tk_used,
	.fail_add = sqa_fl_add,
	.fail_count = sqa_fl_count,
	.fail_clear = sqa_fl_clear,
	.lock_set = sqa_lk_set,
	.lock_get = sqa_lk_get,
	.fail_purge = sqa_fl_purge,
	.audit_add = sqa_au_add,
	.audit_list = sqa_au_list,
};
