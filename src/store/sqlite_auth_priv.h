/*
 * sqlite_auth_priv.h - what store_sqlite_auth.c and store_sqlite_auth_sess.c
 * share: the statement numbers (one table, asql, in store_sqlite_auth.c), the
 * helpers, and the second file's ops for the ops table.  Not for use outside
 * src/store/.
 *
 * Exports: the enum below, sqa_stmt, sqa_text, sqa_bind_id, sqa_write_unique,
 * sqa_walk, sqa_run_id, sqa_sp_begin, sqa_sp_end, sqa_count_row, the sqa_ ops.
 */
#ifndef DS_SQLITE_AUTH_PRIV_H
#define DS_SQLITE_AUTH_PRIV_H

#include <sqlite3.h>
#include <stdint.h>

#include "sqlite_priv.h"
#include "store_auth.h"

enum {
	A_T_ADD, A_T_BY_NAME, A_T_BY_ID, A_T_LIST, A_T_RM, A_T_RM_DOM, A_T_RM_TOK, A_T_RM_SES,
	A_T_RM_USR, A_D_OWNER, A_D_ADD, A_D_RM, A_D_LIST, A_D_LIST_ALL,
	A_U_ADD, A_U_BY_NAME, A_U_BY_ID, A_U_LIST_ALL, A_U_LIST_OPS, A_U_LIST_T, A_U_PW,
	A_U_DIS, A_U_RM, A_U_COUNT, A_S_ADD, A_S_GET, A_S_TOUCH, A_S_RM, A_S_RM_USER,
	A_S_RM_USER_KEEP, A_S_PURGE, A_K_ADD, A_K_BY_HASH, A_K_BY_ID, A_K_LIST_ALL, A_K_LIST_T,
	A_K_REVOKE, A_K_USED, A_F_ADD, A_F_PRUNE, A_F_COUNT, A_F_CLEAR, A_L_SET, A_L_GET,
	A_L_CLEAR, A_F_PURGE, A_L_PURGE, A_T_DIS, A_T_DIS_SES, A_AU_ADD, A_AU_LIST_ALL, A_AU_LIST_T,
	A__COUNT
};

/* The prepared statement i of the SQA_AUTH area (NULL with the error set). */
sqlite3_stmt *sqa_stmt(sq_store *q, int i);
static inline const char *
sqa_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}
/* Binds id, or NULL for 0. */
void sqa_bind_id(sqlite3_stmt *st, int i, int64_t id);
/* Steps a write; a UNIQUE / PRIMARY KEY violation becomes the message dup. */
int sqa_write_unique(sq_store *q, sqlite3_stmt *st, const char *what, const char *dup);
/* Steps a query to its end, row() per row until it returns non-zero; *n
 * counts the rows (may be NULL). */
int sqa_walk(sq_store *q, sqlite3_stmt *st, const char *what,
    int (*row)(sqlite3_stmt *, void *), void *ctx, int *n);
/* Runs statement stmt with ?1 = id. */
int sqa_run_id(sq_store *q, int stmt, int64_t id, const char *what);
/* A savepoint around a multi-table change; sp_end releases it or rolls it
 * back (keeping the error) and returns rc. */
int sqa_sp_begin(sq_store *q);
int sqa_sp_end(sq_store *q, int rc);
/* A row callback storing column 0 into *(int64_t *)ctx. */
int sqa_count_row(sqlite3_stmt *st, void *ctx);

/* store_sqlite_auth_sess.c */
int sqa_se_add(store *s, const store_session *se);
int sqa_se_get(store *s, const char *id_hash, int (*cb)(void *, const store_session *),
    void *ctx, int *found);
int sqa_se_touch(store *s, const char *id_hash, int64_t now);
int sqa_se_rm(store *s, const char *id_hash);
int sqa_se_rm_user(store *s, int64_t user_id, const char *keep);
int sqa_se_purge(store *s, int64_t idle_before, int64_t created_before);
int sqa_tk_add(store *s, const store_token *t, int64_t *id);
int sqa_tk_get(store *s, const char *hash, int64_t id, int (*cb)(void *, const store_token *),
    void *ctx, int *found);
int sqa_tk_list(store *s, int64_t tenant_id, int (*cb)(void *, const store_token *), void *ctx);
int sqa_tk_revoke(store *s, int64_t id, int64_t now, int *found);
int sqa_tk_used(store *s, int64_t id, int64_t now);
int sqa_fl_add(store *s, const char *kind, const char *key, int64_t at, int64_t prune_before);
int sqa_fl_count(store *s, const char *kind, const char *key, int64_t since, int64_t *n);
int sqa_fl_clear(store *s, const char *kind, const char *key);
int sqa_lk_set(store *s, const char *kind, const char *key, int64_t until);
int sqa_lk_get(store *s, const char *kind, const char *key, int64_t *until);
int sqa_fl_purge(store *s, int64_t before);
int sqa_au_add(store *s, const store_audit *a);
int sqa_au_list(store *s, int64_t tenant_id, int limit, int (*cb)(void *, const store_audit *),
    void *ctx);

#endif
