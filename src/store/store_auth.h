/*
 * store_auth.h - the store's sub-interface for provider mode (issue 14):
 * tenants and their domains, users, login sessions, API tokens, failed-login
 * counters and locks, and the audit log.  Tables: src/store/sql/008_tenants.sql.
 * The policy (hashing, timeouts, lockout thresholds, who may do what) lives in
 * src/auth/; this layer only stores and finds rows.
 *
 * Conventions as in store.h: STORE_OK / STORE_ERR with store_errmsg(), strings
 * copied (bound) before an op returns, rows handed to callbacks valid only
 * during the callback; a callback returning non-zero stops the walk (not an
 * error); a NULL callback asks only whether a row exists (*found).  Names
 * and domains are passed in lower case (src/auth/ and the CLI normalise
 * them); lookups compare exactly.
 *
 * Exports: struct store_auth_ops, the row types below, store_sqlite_auth_ops.
 */
#ifndef DS_STORE_AUTH_H
#define DS_STORE_AUTH_H

#include <stdint.h>

#include "store.h"

typedef struct store_tenant {
	int64_t id;
	const char *name;
	int64_t created_at;
	int disabled;
	int64_t domains, users, tokens;	/* counts (tenant_list, tenant_get) */
} store_tenant;

typedef struct store_user {
	int64_t id;
	const char *name;
	int64_t tenant_id;		/* 0: operator */
	const char *tenant_name;	/* NULL for an operator (reads only) */
	const char *role;		/* operator | admin | viewer */
	const char *pw_hash;
	int64_t created_at, pw_changed_at;
	int disabled;
} store_user;

typedef struct store_session {
	const char *id_hash;		/* SHA-256 hex of the cookie value */
	int64_t user_id;
	int64_t created_at, last_seen;
	const char *csrf;		/* the CSRF secret */
	const char *ip;
} store_session;

typedef struct store_token {
	int64_t id, tenant_id;
	const char *tenant_name;	/* reads only */
	const char *name, *scope;	/* scope: read | write */
	const char *hash, *prefix;
	int64_t created_at, last_used, revoked_at;	/* 0: never / not revoked */
} store_token;

typedef struct store_audit {
	int64_t id, at;
	const char *actor;
	int64_t tenant_id;		/* 0: none */
	const char *action, *target, *ip, *detail;
} store_audit;

struct store_auth_ops {
	/* Tenants.  tenant_add fails with "tenant NAME exists".  tenant_get: by
	 * name when name != NULL, else by id; *found = 0 when there is none.
	 * tenant_rm removes the tenant, its users (and their sessions), its
	 * tokens and its domain assignments (the domains become unassigned;
	 * reports are untouched). */
	int (*tenant_add)(store *s, const char *name, int64_t now, int64_t *id);
	int (*tenant_get)(store *s, const char *name, int64_t id,
	    int (*cb)(void *, const store_tenant *), void *ctx, int *found);
	int (*tenant_list)(store *s, int (*cb)(void *, const store_tenant *), void *ctx);
	int (*tenant_rm)(store *s, int64_t id, int *found);
	/* A disabled tenant's users and tokens are refused (principal.c); its
	 * users' sessions end. */
	int (*tenant_set_disabled)(store *s, int64_t id, int disabled);

	/* Domains.  domain_assign fails with "DOMAIN belongs to tenant NAME"
	 * when another tenant owns it; assigning it again to its owner is a
	 * no-op.  domain_owner sets *tenant_id (0: unassigned).  domain_list
	 * walks the assigned domains of tenant_id (0: of every tenant) in
	 * domain order. */
	int (*domain_assign)(store *s, const char *domain, int64_t tenant_id, int64_t now);
	int (*domain_unassign)(store *s, const char *domain, int *found);
	int (*domain_owner)(store *s, const char *domain, int64_t *tenant_id);
	int (*domain_list)(store *s, int64_t tenant_id,
	    int (*cb)(void *, const char *domain, int64_t tenant_id, const char *tenant), void *ctx);

	/* Users.  user_add fails with "user NAME exists".  user_get: by name
	 * when name != NULL, else by id.  user_list: tenant_id -1 every user,
	 * 0 the operators, else that tenant's.  user_rm and user_set_disabled
	 * also end the user's sessions. */
	int (*user_add)(store *s, const store_user *u, int64_t *id);
	int (*user_get)(store *s, const char *name, int64_t id,
	    int (*cb)(void *, const store_user *), void *ctx, int *found);
	int (*user_list)(store *s, int64_t tenant_id, int (*cb)(void *, const store_user *),
	    void *ctx);
	int (*user_set_password)(store *s, int64_t id, const char *pw_hash, int64_t now);
	int (*user_set_disabled)(store *s, int64_t id, int disabled);
	int (*user_rm)(store *s, int64_t id, int *found);
	int (*user_count)(store *s, int64_t *n);	/* enabled users */

	/* Sessions.  session_rm_user ends every session of user_id but the one
	 * whose hash is keep (NULL: all).  session_purge removes the sessions
	 * idle since before idle_before or created before created_before. */
	int (*session_add)(store *s, const store_session *se);
	int (*session_get)(store *s, const char *id_hash,
	    int (*cb)(void *, const store_session *), void *ctx, int *found);
	int (*session_touch)(store *s, const char *id_hash, int64_t now);
	int (*session_rm)(store *s, const char *id_hash);
	int (*session_rm_user)(store *s, int64_t user_id, const char *keep);
	int (*session_purge)(store *s, int64_t idle_before, int64_t created_before);

	/* API tokens.  token_get by hash (NULL: by id).  token_list: tenant_id
	 * 0 every tenant's.  token_revoke: *found = 0 when no valid token has
	 * that id. */
	int (*token_add)(store *s, const store_token *t, int64_t *id);
	int (*token_get)(store *s, const char *hash, int64_t id,
	    int (*cb)(void *, const store_token *), void *ctx, int *found);
	int (*token_list)(store *s, int64_t tenant_id, int (*cb)(void *, const store_token *),
	    void *ctx);
	int (*token_revoke)(store *s, int64_t id, int64_t now, int *found);
	int (*token_used)(store *s, int64_t id, int64_t now);

	/* Failed logins and attempts (kind "user", "addr", "rate"): fail_add
	 * adds one at `at` and prunes this key's rows older than prune_before;
	 * fail_count counts those at or after since; fail_clear forgets the key.
	 * Locks: lock_get sets *until (0: none). */
	int (*fail_add)(store *s, const char *kind, const char *key, int64_t at,
	    int64_t prune_before);
	int (*fail_count)(store *s, const char *kind, const char *key, int64_t since, int64_t *n);
	int (*fail_clear)(store *s, const char *kind, const char *key);
	int (*lock_set)(store *s, const char *kind, const char *key, int64_t until);
	int (*lock_get)(store *s, const char *kind, const char *key, int64_t *until);
	/* Forget every failure and attempt older than before, and every lock
	 * that ended before it. */
	int (*fail_purge)(store *s, int64_t before);

	/* Audit log: newest first; tenant_id -1 every entry, else that
	 * tenant's; at most limit rows (0: 1000). */
	int (*audit_add)(store *s, const store_audit *a);
	int (*audit_list)(store *s, int64_t tenant_id, int limit,
	    int (*cb)(void *, const store_audit *), void *ctx);
};

extern const struct store_auth_ops store_sqlite_auth_ops;

/* BEGIN store wrappers (generated by scripts/store_wrappers.py; do not edit) */

static inline int
store_auth_tenant_add(store *s, const char *name, int64_t now, int64_t *id)
{
	if (s->ops->auth == NULL || s->ops->auth->tenant_add == NULL)
		return store_unsupported(s, "auth.tenant_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->tenant_add(s, name, now, id);
}

static inline int
store_auth_tenant_get(store *s, const char *name, int64_t id, int (*cb)(void *,
    const store_tenant *), void *ctx, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->tenant_get == NULL)
		return store_unsupported(s, "auth.tenant_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->tenant_get(s, name, id, cb, ctx, found);
}

static inline int
store_auth_tenant_list(store *s, int (*cb)(void *, const store_tenant *), void *ctx)
{
	if (s->ops->auth == NULL || s->ops->auth->tenant_list == NULL)
		return store_unsupported(s, "auth.tenant_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->tenant_list(s, cb, ctx);
}

static inline int
store_auth_tenant_rm(store *s, int64_t id, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->tenant_rm == NULL)
		return store_unsupported(s, "auth.tenant_rm is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->tenant_rm(s, id, found);
}

static inline int
store_auth_tenant_set_disabled(store *s, int64_t id, int disabled)
{
	if (s->ops->auth == NULL || s->ops->auth->tenant_set_disabled == NULL)
		return store_unsupported(s, "auth.tenant_set_disabled is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->tenant_set_disabled(s, id, disabled);
}

static inline int
store_auth_domain_assign(store *s, const char *domain, int64_t tenant_id, int64_t now)
{
	if (s->ops->auth == NULL || s->ops->auth->domain_assign == NULL)
		return store_unsupported(s, "auth.domain_assign is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->domain_assign(s, domain, tenant_id, now);
}

static inline int
store_auth_domain_unassign(store *s, const char *domain, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->domain_unassign == NULL)
		return store_unsupported(s, "auth.domain_unassign is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->domain_unassign(s, domain, found);
}

static inline int
store_auth_domain_owner(store *s, const char *domain, int64_t *tenant_id)
{
	if (s->ops->auth == NULL || s->ops->auth->domain_owner == NULL)
		return store_unsupported(s, "auth.domain_owner is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->domain_owner(s, domain, tenant_id);
}

static inline int
store_auth_domain_list(store *s, int64_t tenant_id, int (*cb)(void *, const char *domain,
    int64_t tenant_id, const char *tenant), void *ctx)
{
	if (s->ops->auth == NULL || s->ops->auth->domain_list == NULL)
		return store_unsupported(s, "auth.domain_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->domain_list(s, tenant_id, cb, ctx);
}

static inline int
store_auth_user_add(store *s, const store_user *u, int64_t *id)
{
	if (s->ops->auth == NULL || s->ops->auth->user_add == NULL)
		return store_unsupported(s, "auth.user_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_add(s, u, id);
}

static inline int
store_auth_user_get(store *s, const char *name, int64_t id, int (*cb)(void *, const store_user *),
    void *ctx, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->user_get == NULL)
		return store_unsupported(s, "auth.user_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_get(s, name, id, cb, ctx, found);
}

static inline int
store_auth_user_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_user *), void *ctx)
{
	if (s->ops->auth == NULL || s->ops->auth->user_list == NULL)
		return store_unsupported(s, "auth.user_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_list(s, tenant_id, cb, ctx);
}

static inline int
store_auth_user_set_password(store *s, int64_t id, const char *pw_hash, int64_t now)
{
	if (s->ops->auth == NULL || s->ops->auth->user_set_password == NULL)
		return store_unsupported(s, "auth.user_set_password is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_set_password(s, id, pw_hash, now);
}

static inline int
store_auth_user_set_disabled(store *s, int64_t id, int disabled)
{
	if (s->ops->auth == NULL || s->ops->auth->user_set_disabled == NULL)
		return store_unsupported(s, "auth.user_set_disabled is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_set_disabled(s, id, disabled);
}

static inline int
store_auth_user_rm(store *s, int64_t id, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->user_rm == NULL)
		return store_unsupported(s, "auth.user_rm is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_rm(s, id, found);
}

static inline int
store_auth_user_count(store *s, int64_t *n)
{
	if (s->ops->auth == NULL || s->ops->auth->user_count == NULL)
		return store_unsupported(s, "auth.user_count is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->user_count(s, n);
}

static inline int
store_auth_session_add(store *s, const store_session *se)
{
	if (s->ops->auth == NULL || s->ops->auth->session_add == NULL)
		return store_unsupported(s, "auth.session_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->session_add(s, se);
}

static inline int
store_auth_session_get(store *s, const char *id_hash, int (*cb)(void *, const store_session *),
    void *ctx, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->session_get == NULL)
		return store_unsupported(s, "auth.session_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->session_get(s, id_hash, cb, ctx, found);
}

static inline int
store_auth_session_touch(store *s, const char *id_hash, int64_t now)
{
	if (s->ops->auth == NULL || s->ops->auth->session_touch == NULL)
		return store_unsupported(s, "auth.session_touch is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->session_touch(s, id_hash, now);
}

static inline int
store_auth_session_rm(store *s, const char *id_hash)
{
	if (s->ops->auth == NULL || s->ops->auth->session_rm == NULL)
		return store_unsupported(s, "auth.session_rm is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->session_rm(s, id_hash);
}

static inline int
store_auth_session_rm_user(store *s, int64_t user_id, const char *keep)
{
	if (s->ops->auth == NULL || s->ops->auth->session_rm_user == NULL)
		return store_unsupported(s, "auth.session_rm_user is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->session_rm_user(s, user_id, keep);
}

static inline int
store_auth_session_purge(store *s, int64_t idle_before, int64_t created_before)
{
	if (s->ops->auth == NULL || s->ops->auth->session_purge == NULL)
		return store_unsupported(s, "auth.session_purge is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->session_purge(s, idle_before, created_before);
}

static inline int
store_auth_token_add(store *s, const store_token *t, int64_t *id)
{
	if (s->ops->auth == NULL || s->ops->auth->token_add == NULL)
		return store_unsupported(s, "auth.token_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->token_add(s, t, id);
}

static inline int
store_auth_token_get(store *s, const char *hash, int64_t id, int (*cb)(void *, const store_token *),
    void *ctx, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->token_get == NULL)
		return store_unsupported(s, "auth.token_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->token_get(s, hash, id, cb, ctx, found);
}

static inline int
store_auth_token_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_token *),
    void *ctx)
{
	if (s->ops->auth == NULL || s->ops->auth->token_list == NULL)
		return store_unsupported(s, "auth.token_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->token_list(s, tenant_id, cb, ctx);
}

static inline int
store_auth_token_revoke(store *s, int64_t id, int64_t now, int *found)
{
	if (s->ops->auth == NULL || s->ops->auth->token_revoke == NULL)
		return store_unsupported(s, "auth.token_revoke is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->token_revoke(s, id, now, found);
}

static inline int
store_auth_token_used(store *s, int64_t id, int64_t now)
{
	if (s->ops->auth == NULL || s->ops->auth->token_used == NULL)
		return store_unsupported(s, "auth.token_used is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->token_used(s, id, now);
}

static inline int
store_auth_fail_add(store *s, const char *kind, const char *key, int64_t at, int64_t prune_before)
{
	if (s->ops->auth == NULL || s->ops->auth->fail_add == NULL)
		return store_unsupported(s, "auth.fail_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->fail_add(s, kind, key, at, prune_before);
}

static inline int
store_auth_fail_count(store *s, const char *kind, const char *key, int64_t since, int64_t *n)
{
	if (s->ops->auth == NULL || s->ops->auth->fail_count == NULL)
		return store_unsupported(s, "auth.fail_count is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->fail_count(s, kind, key, since, n);
}

static inline int
store_auth_fail_clear(store *s, const char *kind, const char *key)
{
	if (s->ops->auth == NULL || s->ops->auth->fail_clear == NULL)
		return store_unsupported(s, "auth.fail_clear is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->fail_clear(s, kind, key);
}

static inline int
store_auth_lock_set(store *s, const char *kind, const char *key, int64_t until)
{
	if (s->ops->auth == NULL || s->ops->auth->lock_set == NULL)
		return store_unsupported(s, "auth.lock_set is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->lock_set(s, kind, key, until);
}

static inline int
store_auth_lock_get(store *s, const char *kind, const char *key, int64_t *until)
{
	if (s->ops->auth == NULL || s->ops->auth->lock_get == NULL)
		return store_unsupported(s, "auth.lock_get is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->lock_get(s, kind, key, until);
}

static inline int
store_auth_fail_purge(store *s, int64_t before)
{
	if (s->ops->auth == NULL || s->ops->auth->fail_purge == NULL)
		return store_unsupported(s, "auth.fail_purge is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->fail_purge(s, before);
}

static inline int
store_auth_audit_add(store *s, const store_audit *a)
{
	if (s->ops->auth == NULL || s->ops->auth->audit_add == NULL)
		return store_unsupported(s, "auth.audit_add is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->audit_add(s, a);
}

static inline int
store_auth_audit_list(store *s, int64_t tenant_id, int limit, int (*cb)(void *,
    const store_audit *), void *ctx)
{
	if (s->ops->auth == NULL || s->ops->auth->audit_list == NULL)
		return store_unsupported(s, "auth.audit_list is not supported by this backend");
	s->unsupported = NULL;
	return s->ops->auth->audit_list(s, tenant_id, limit, cb, ctx);
}

/* END store wrappers */

#endif
