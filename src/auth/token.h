/*
 * token.h - API tokens for automation: "dms_" and 43 base64url characters
 * (32 random bytes), shown once when made, stored as SHA-256 hex with the
 * first 12 characters ("dms_" + 8) kept as a prefix to recognise it in lists.
 * Each belongs to one tenant and has a scope: read (GET only) or write.
 * A revoked token is refused at once.  last_used is written at most once a
 * minute (info.noted says when: the principal then writes a token_use audit
 * entry, so the log shows each token's use to the minute).  Accepted as
 * "Authorization: Bearer dms_..." (principal.c).
 *
 * Exports:
 *   token_scope_parse(s)      "read" → TOKEN_READ, "write" → TOKEN_WRITE, else -1
 *   token_create(st, tenant_id, name, scope, out, outlen, &id, err, errlen)
 *                             out gets the token (TOKEN_LEN bytes); 0 or -1
 *   token_check(st, presented, &info)  1 valid (info filled), 0 unknown,
 *                             malformed or revoked, -1 store error
 *   token_revoke(st, id, &found)       0 or -1
 */
#ifndef DS_TOKEN_H
#define DS_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

#define TOKEN_PREFIX "dms_"
#define TOKEN_LEN 48		/* "dms_" + 43 + NUL */
#define TOKEN_SHOWN 12		/* characters kept as prefix */

enum { TOKEN_READ = 0, TOKEN_WRITE = 1 };

typedef struct token_info {
	int64_t id, tenant_id;
	int scope;
	char prefix[TOKEN_SHOWN + 1];
	int noted;		/* last_used was written now (first use this minute) */
} token_info;

int token_scope_parse(const char *s);
int token_create(store *st, int64_t tenant_id, const char *name, int scope, char *out,
    size_t outlen, int64_t *id, char *err, size_t errlen);
int token_check(store *st, const char *presented, token_info *info);
int token_revoke(store *st, int64_t id, int *found);

#endif
