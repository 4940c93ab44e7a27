/*
 * store_pg_auth.c - the PostgreSQL implementation of store_auth.h: tenants,
 * tenant_domains, users, sessions, api_tokens, login_failures, login_locks and
 * audit_log (src/store/sql_pg/008_tenants.sql), with the same rows, numbers
 * and messages as store_sqlite_auth.c.
 *
 * This file: the helpers both files use, tenants, domains, users and the ops
 * table; store_pg_auth_sess.c: sessions, tokens, failed logins and locks,
 * the audit log (pg_auth_priv.h joins them).  Statements are prepared in the
 * PGA_AUTH area (slots 0.. here).  Ops that change several tables
 * (tenant_rm, tenant_set_disabled, user_rm, user_set_disabled) are one
 * statement each (data-modifying WITH), so they are whole inside a caller's
 * transaction and in autocommit alike.  Ids come from identity columns; an
 * add that finds its name taken draws none, so the ids are SQLite's as long
 * as nothing is removed (SQLite may give the highest id again after a
 * removal, PostgreSQL never does).  "exists" and "belongs to" are
 * decided by the unique constraints (ON CONFLICT DO NOTHING), never by a
 * read before the write, so two nodes adding the same name at once get one
 * row and one "exists".
 *
 * Exports: store_pg_auth_ops, the pga_* helpers (pg_auth_priv.h).
 * Errors: STORE_ERR with the handle's message set (store_errmsg); "exists"
 * and "belongs to" errors say which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_auth_priv.h"
#include "pg_priv.h"
#include "store_auth.h"

#define TENANT_COLS "t.id, t.name, t.created_at, t.disabled, " \
	"(SELECT count(*) FROM tenant_domains d WHERE d.tenant_id = t.id), " \
	"(SELECT count(*) FROM users u WHERE u.tenant_id = t.id), " \
	"(SELECT count(*) FROM api_tokens k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL)"
#define USER_COLS "u.id, u.name, coalesce(u.tenant_id, 0), t.name, u.role, u.pw_hash, " \
	"u.created_at, u.pw_changed_at, u.disabled FROM users u LEFT JOIN tenants t " \
	"ON t.id = u.tenant_id"
/* SQLite orders text by its bytes: so does COLLATE "C", whatever the
 * database's locale. */
#define C_ "COLLATE \"C\""
/* An insert that would conflict draws no id from the sequence (ids stay
 * dense, as SQLite's rowids); ON CONFLICT still decides a race. */
#define NEW_(t) "WHERE NOT EXISTS (SELECT 1 FROM " #t " WHERE name = $1::text) "

enum {
	A_T_ADD, A_T_BY_NAME, A_T_BY_ID, A_T_LIST, A_T_RM, A_T_DIS, A_D_OWNER, A_D_ADD, A_D_RM,
	A_D_LIST, A_D_LIST_ALL, A_U_ADD, A_U_BY_NAME, A_U_BY_ID, A_U_LIST_ALL, A_U_LIST_OPS,
	A_U_LIST_T, A_U_PW, A_U_DIS, A_U_RM, A_U_COUNT, A__COUNT
};

static const char *const asql[A__COUNT] = {
	[A_T_ADD] = "INSERT INTO tenants(name, created_at) SELECT $1::text, $2::bigint " NEW_(tenants)
	    "ON CONFLICT DO NOTHING RETURNING id",
	[A_T_BY_NAME] = "SELECT " TENANT_COLS " FROM tenants t WHERE t.name = $1",
	[A_T_BY_ID] = "SELECT " TENANT_COLS " FROM tenants t WHERE t.id = $1",
	[A_T_LIST] = "SELECT " TENANT_COLS " FROM tenants t ORDER BY t.name " C_,
	/* the tenant's domains become unassigned; its tokens, its users and
	 * their sessions go with it */
	[A_T_RM] = "WITH d AS (DELETE FROM tenant_domains WHERE tenant_id = $1), "
	    "k AS (DELETE FROM api_tokens WHERE tenant_id = $1), "
	    "s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE tenant_id = $1)), "
	    "u AS (DELETE FROM users WHERE tenant_id = $1) "
	    "DELETE FROM tenants WHERE id = $1",
	[A_T_DIS] = "WITH t AS (UPDATE tenants SET disabled = $2 WHERE id = $1) "
	    "DELETE FROM sessions WHERE $2::bigint <> 0 AND user_id IN (SELECT id FROM users "
	    "WHERE tenant_id = $1)",
	[A_D_OWNER] = "SELECT d.tenant_id, t.name FROM tenant_domains d LEFT JOIN tenants t "
	    "ON t.id = d.tenant_id WHERE d.domain = $1",
	[A_D_ADD] = "INSERT INTO tenant_domains(domain, tenant_id, assigned_at) VALUES ($1, $2, $3) "
	    "ON CONFLICT (domain) DO NOTHING",
	[A_D_RM] = "DELETE FROM tenant_domains WHERE domain = $1",
	[A_D_LIST] = "SELECT d.domain, d.tenant_id, t.name FROM tenant_domains d JOIN tenants t "
	    "ON t.id = d.tenant_id WHERE d.tenant_id = $1 ORDER BY d.domain " C_,
	[A_D_LIST_ALL] = "SELECT d.domain, d.tenant_id, t.name FROM tenant_domains d JOIN tenants t "
	    "ON t.id = d.tenant_id ORDER BY d.domain " C_,
	[A_U_ADD] = "INSERT INTO users(name, tenant_id, role, pw_hash, created_at, pw_changed_at) "
	    "SELECT $1::text, $2::bigint, $3::text, $4::text, $5::bigint, $5::bigint " NEW_(users)
	    "ON CONFLICT DO NOTHING RETURNING id",
	[A_U_BY_NAME] = "SELECT " USER_COLS " WHERE u.name = $1",
	[A_U_BY_ID] = "SELECT " USER_COLS " WHERE u.id = $1",
	[A_U_LIST_ALL] = "SELECT " USER_COLS " ORDER BY t.name IS NOT NULL, t.name " C_ ", "
	    "u.name " C_,
	[A_U_LIST_OPS] = "SELECT " USER_COLS " WHERE u.tenant_id IS NULL ORDER BY u.name " C_,
	[A_U_LIST_T] = "SELECT " USER_COLS " WHERE u.tenant_id = $1 ORDER BY u.name " C_,
	[A_U_PW] = "UPDATE users SET pw_hash = $2, pw_changed_at = $3 WHERE id = $1",
	[A_U_DIS] = "WITH u AS (UPDATE users SET disabled = $2 WHERE id = $1) "
	    "DELETE FROM sessions WHERE $2::bigint <> 0 AND user_id = $1",
	[A_U_RM] = "WITH s AS (DELETE FROM sessions WHERE user_id = $1) DELETE FROM users WHERE id = $1",
	[A_U_COUNT] = "SELECT count(*) FROM users WHERE disabled = 0",
};

static PGresult *
ax(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_AUTH, i, asql[i], p, what);
}

/* ---- helpers both files use --------------------------------------------------- */

int64_t
pga_changes(const PGresult *r)
{
	const char *n = r != NULL ? PQcmdTuples((PGresult *)r) : "";

	return n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
}

int
pga_walk(PGresult *r, int (*row)(const PGresult *, int, void *), void *ctx, int *n)
{
	int rows;

	if (n != NULL)
		*n = 0;
	if (r == NULL)
		return STORE_ERR;
	rows = PQntuples(r);
	for (int i = 0; i < rows; i++) {
		if (n != NULL)
			(*n)++;
		if (row(r, i, ctx) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

int
pga_count(PGresult *r, int64_t *out)
{
	*out = 0;
	if (r == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		*out = pg_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

/* Runs a statement whose only parameter is id. */
static PGresult *
by_id(pg_store *q, int i, int64_t id, const char *what)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	return ax(q, i, &p, what);
}

/* A write whose touched-row count becomes *found (may be NULL). */
static int
write_found(PGresult *r, int *found)
{
	if (found != NULL)
		*found = 0;
	if (r == NULL)
		return STORE_ERR;
	if (found != NULL)
		*found = pga_changes(r) > 0;
	PQclear(r);
	return STORE_OK;
}

/* An INSERT ... ON CONFLICT DO NOTHING RETURNING id: *id, or the message
 * dup when the row existed. */
static int
insert_id(pg_store *q, PGresult *r, const char *dup, int64_t *id)
{
	int rows;

	if (r == NULL)
		return STORE_ERR;
	rows = PQntuples(r);
	if (rows == 1)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	if (rows != 1) {
		snprintf(q->err, sizeof(q->err), "%s", dup);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* ---- tenants ------------------------------------------------------------------ */

static int
tn_add(store *s, const char *name, int64_t now, int64_t *id)
{
	pg_store *q = PG(s);
	pg_params p;
	char dup[200];

	snprintf(dup, sizeof(dup), "tenant %s exists", name);
	pg_p_init(&p);
	pg_p_text(&p, name);
	pg_p_int(&p, now);
	return insert_id(q, ax(q, A_T_ADD, &p, "adding a tenant"), dup, id);
}

struct tcb {
	int (*cb)(void *, const store_tenant *);
	void *ctx;
};

static int
tenant_row(const PGresult *r, int i, void *ctx)
{
	struct tcb *c = ctx;
	store_tenant t = {
		.id = pg_int(r, i, 0), .name = pg_str(r, i, 1), .created_at = pg_int(r, i, 2),
		.disabled = (int)pg_int(r, i, 3), .domains = pg_int(r, i, 4),
		.users = pg_int(r, i, 5), .tokens = pg_int(r, i, 6),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &t);
}

static int
tn_get(store *s, const char *name, int64_t id, int (*cb)(void *, const store_tenant *),
    void *ctx, int *found)
{
	pg_store *q = PG(s);
	struct tcb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	if (name != NULL)
		pg_p_text(&p, name);
	else
		pg_p_int(&p, id);
	return pga_walk(ax(q, name != NULL ? A_T_BY_NAME : A_T_BY_ID, &p, "reading a tenant"),
	    tenant_row, &c, found);
}

static int
tn_list(store *s, int (*cb)(void *, const store_tenant *), void *ctx)
{
	struct tcb c = { cb, ctx };

	return pga_walk(ax(PG(s), A_T_LIST, NULL, "listing tenants"), tenant_row, &c, NULL);
}

static int
tn_rm(store *s, int64_t id, int *found)
{
	return write_found(by_id(PG(s), A_T_RM, id, "removing a tenant"), found);
}

static int
tn_set_disabled(store *s, int64_t id, int disabled)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_bool(&p, disabled != 0);
	return write_found(ax(PG(s), A_T_DIS, &p, "disabling a tenant"), NULL);
}

/* ---- domains ------------------------------------------------------------------ */

struct owner {
	int64_t id;
	char name[128];
};

static int
owner_row(const PGresult *r, int i, void *ctx)
{
	struct owner *o = ctx;
	const char *n = pg_str(r, i, 1);

	o->id = pg_int(r, i, 0);
	snprintf(o->name, sizeof(o->name), "%s", n != NULL ? n : "?");
	return 1;
}

static int
owner_of(pg_store *q, const char *domain, struct owner *o)
{
	pg_params p;

	memset(o, 0, sizeof(*o));
	pg_p_init(&p);
	pg_p_text(&p, domain);
	return pga_walk(ax(q, A_D_OWNER, &p, "reading a domain's tenant"), owner_row, o, NULL);
}

/* The insert decides (the primary key on domain); only when it finds the
 * domain taken is the owner read, to say whose it is. */
static int
dm_assign(store *s, const char *domain, int64_t tenant_id, int64_t now)
{
	pg_store *q = PG(s);
	struct owner o;
	pg_params p;
	int added;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	pg_p_int(&p, tenant_id);
	pg_p_int(&p, now);
	if (write_found(ax(q, A_D_ADD, &p, "assigning a domain"), &added) != STORE_OK)
		return STORE_ERR;
	if (added)
		return STORE_OK;
	if (owner_of(q, domain, &o) != STORE_OK)
		return STORE_ERR;
	if (o.id == tenant_id)
		return STORE_OK;
	if (o.id != 0)
		snprintf(q->err, sizeof(q->err), "%s belongs to tenant %s (unassign it first)",
		    domain, o.name);
	else
		snprintf(q->err, sizeof(q->err), "the domain was assigned meanwhile");
	return STORE_ERR;
}

static int
dm_unassign(store *s, const char *domain, int *found)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, domain);
	return write_found(ax(PG(s), A_D_RM, &p, "unassigning a domain"), found);
}

static int
dm_owner(store *s, const char *domain, int64_t *tenant_id)
{
	struct owner o;

	if (owner_of(PG(s), domain, &o) != STORE_OK)
		return STORE_ERR;
	*tenant_id = o.id;
	return STORE_OK;
}

struct dcb {
	int (*cb)(void *, const char *, int64_t, const char *);
	void *ctx;
};

static int
domain_row(const PGresult *r, int i, void *ctx)
{
	struct dcb *c = ctx;

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, pg_str(r, i, 0), pg_int(r, i, 1), pg_str(r, i, 2));
}

static int
dm_list(store *s, int64_t tenant_id, int (*cb)(void *, const char *, int64_t, const char *),
    void *ctx)
{
	pg_store *q = PG(s);
	struct dcb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	if (tenant_id != 0)
		pg_p_int(&p, tenant_id);
	return pga_walk(ax(q, tenant_id != 0 ? A_D_LIST : A_D_LIST_ALL, &p, "listing domains"),
	    domain_row, &c, NULL);
}

/* ---- users -------------------------------------------------------------------- */

static int
us_add(store *s, const store_user *u, int64_t *id)
{
	pg_store *q = PG(s);
	pg_params p;
	char dup[200];

	snprintf(dup, sizeof(dup), "user %s exists", u->name);
	pg_p_init(&p);
	pg_p_text(&p, u->name);
	if (u->tenant_id != 0)
		pg_p_int(&p, u->tenant_id);
	else
		pg_p_null(&p);
	pg_p_text(&p, u->role);
	pg_p_text(&p, u->pw_hash);
	pg_p_int(&p, u->created_at);
	return insert_id(q, ax(q, A_U_ADD, &p, "adding a user"), dup, id);
}

struct ucb {
	int (*cb)(void *, const store_user *);
	void *ctx;
};

static int
user_row(const PGresult *r, int i, void *ctx)
{
	struct ucb *c = ctx;
	store_user u = {
		.id = pg_int(r, i, 0), .name = pg_str(r, i, 1), .tenant_id = pg_int(r, i, 2),
		.tenant_name = pg_str(r, i, 3), .role = pg_str(r, i, 4), .pw_hash = pg_str(r, i, 5),
		.created_at = pg_int(r, i, 6), .pw_changed_at = pg_int(r, i, 7),
		.disabled = (int)pg_int(r, i, 8),
	};

	if (c->cb == NULL)
		return 1;	/* the caller asked only whether it exists */
	return c->cb(c->ctx, &u);
}

static int
us_get(store *s, const char *name, int64_t id, int (*cb)(void *, const store_user *),
    void *ctx, int *found)
{
	pg_store *q = PG(s);
	struct ucb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	if (name != NULL)
		pg_p_text(&p, name);
	else
		pg_p_int(&p, id);
	return pga_walk(ax(q, name != NULL ? A_U_BY_NAME : A_U_BY_ID, &p, "reading a user"),
	    user_row, &c, found);
}

static int
us_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_user *), void *ctx)
{
	pg_store *q = PG(s);
	struct ucb c = { cb, ctx };
	pg_params p;

	pg_p_init(&p);
	if (tenant_id > 0)
		pg_p_int(&p, tenant_id);
	return pga_walk(ax(q, tenant_id < 0 ? A_U_LIST_ALL : tenant_id == 0 ? A_U_LIST_OPS :
	    A_U_LIST_T, &p, "listing users"), user_row, &c, NULL);
}

static int
us_set_password(store *s, int64_t id, const char *pw_hash, int64_t now)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_text(&p, pw_hash);
	pg_p_int(&p, now);
	return write_found(ax(PG(s), A_U_PW, &p, "changing a password"), NULL);
}

static int
us_set_disabled(store *s, int64_t id, int disabled)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	pg_p_bool(&p, disabled != 0);
	return write_found(ax(PG(s), A_U_DIS, &p, "disabling a user"), NULL);
}

static int
us_rm(store *s, int64_t id, int *found)
{
	return write_found(by_id(PG(s), A_U_RM, id, "removing a user"), found);
}

static int
us_count(store *s, int64_t *n)
{
	return pga_count(ax(PG(s), A_U_COUNT, NULL, "counting users"), n);
}

const struct store_auth_ops store_pg_auth_ops = {
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
	.session_add = pga_se_add,
	.session_get = pga_se_get,
	.session_touch = pga_se_touch,
	.session_rm = pga_se_rm,
	.session_rm_user = pga_se_rm_user,
	.session_purge = pga_se_purge,
	.token_add = pga_tk_add,
	.token_get = pga_tk_get,
	.token_list = pga_tk_list,
	.token_revoke = pga_tk_revoke,
	.token_used = pga_tk_used,
	.fail_add = pga_fl_add,
	.fail_count = pga_fl_count,
	.fail_clear = pga_fl_clear,
	.lock_set = pga_lk_set,
	.lock_get = pga_lk_get,
	.fail_purge = pga_fl_purge,
	.audit_add = pga_au_add,
	.audit_list = pga_au_list,
};
