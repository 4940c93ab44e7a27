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

#endif
