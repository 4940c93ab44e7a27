/*
 * pg_auth_priv.h - what store_pg_auth.c and store_pg_auth_sess.c share: the
 * helpers around pg_exec for the PGA_AUTH area and the second file's ops for
 * the ops table.  Each file numbers its own statements: store_pg_auth.c from
 * slot 0, store_pg_auth_sess.c from PGA_AUTH_SESS_SLOT0.  Not for use outside
 * src/store/.
 *
 * Exports: PGA_AUTH_SESS_SLOT0, pga_changes, pga_walk, pga_count, the pga_ ops.
 */
#ifndef DS_PG_AUTH_PRIV_H
#define DS_PG_AUTH_PRIV_H

#include <stdint.h>

#include "pg_priv.h"
#include "store_auth.h"

#define PGA_AUTH_SESS_SLOT0 40

/* The rows a write touched (PQcmdTuples), 0 when r is NULL. */
int64_t pga_changes(const PGresult *r);
/* Walks the rows of r (NULL: STORE_ERR, q->err already set), calling row()
 * per row until it returns non-zero; *n counts the rows seen (may be NULL).
 * Clears r. */
int pga_walk(PGresult *r, int (*row)(const PGresult *, int, void *), void *ctx, int *n);
/* A one-value read's result r: *out = its first column (0 when there is no row or
 * it is NULL).  Clears the result. */
int pga_count(PGresult *r, int64_t *out);

/* store_pg_auth_sess.c */
int pga_se_add(store *s, const store_session *se);
int pga_se_get(store *s, const char *id_hash, int (*cb)(void *, const store_session *),
    void *ctx, int *found);
int pga_se_touch(store *s, const char *id_hash, int64_t now);
int pga_se_rm(store *s, const char *id_hash);
int pga_se_rm_user(store *s, int64_t user_id, const char *keep);
int pga_se_purge(store *s, int64_t idle_before, int64_t created_before);
int pga_tk_add(store *s, const store_token *t, int64_t *id);
int pga_tk_get(store *s, const char *hash, int64_t id, int (*cb)(void *, const store_token *),
    void *ctx, int *found);
int pga_tk_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_token *), void *ctx);
int pga_tk_revoke(store *s, int64_t id, int64_t now, int *found);
int pga_tk_used(store *s, int64_t id, int64_t now);
int pga_fl_add(store *s, const char *kind, const char *key, int64_t at, int64_t prune_before);
int pga_fl_count(store *s, const char *kind, const char *key, int64_t since, int64_t *n);
int pga_fl_clear(store *s, const char *kind, const char *key);
int pga_lk_set(store *s, const char *kind, const char *key, int64_t until);
int pga_lk_get(store *s, const char *kind, const char *key, int64_t *until);
int pga_fl_purge(store *s, int64_t before);
int pga_au_add(store *s, const store_audit *a);
int pga_au_list(store *s, int64_t tenant_id, int limit, int (*cb)(void *, const store_audit *),
    void *ctx);

#endif
