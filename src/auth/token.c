/*
 * token.c - API tokens (see token.h).
 *
 * Exports: token_scope_parse, token_create, token_check, token_revoke.
 * Errors: -1 with err set or store_errmsg(); a token never appears in a
 * message (only its prefix).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "token.h"
#include "../store/store_auth.h"
#include "../util/sha256.h"

int
token_scope_parse(const char *s)
{
	if (s != NULL && strcmp(s, "read") == 0)
		return TOKEN_READ;
	if (s != NULL && strcmp(s, "write") == 0)
		return TOKEN_WRITE;
	return -1;
}

int
token_create(store *st, int64_t tenant_id, const char *name, int scope, char *out,
    size_t outlen, int64_t *id, char *err, size_t errlen)
{
	unsigned char rnd[32];
	char h[SHA256_HEXLEN], prefix[TOKEN_SHOWN + 1];
	store_token t;

	if (outlen < TOKEN_LEN || (scope != TOKEN_READ && scope != TOKEN_WRITE)) {
		snprintf(err, errlen, "token: bad arguments");
		return -1;
	}
	if (auth_random(rnd, sizeof(rnd)) != 0) {
		snprintf(err, errlen, "no random bytes: %s", strerror(errno));
		return -1;
	}
	memcpy(out, TOKEN_PREFIX, 4);
	auth_b64url(rnd, sizeof(rnd), out + 4, outlen - 4);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	sha256_hex(out, strlen(out), h);
	memcpy(prefix, out, TOKEN_SHOWN);
	prefix[TOKEN_SHOWN] = '\0';
	memset(&t, 0, sizeof(t));
	t.tenant_id = tenant_id;
	t.name = name;
	t.scope = scope == TOKEN_WRITE ? "write" : "read";
	t.hash = h;
	t.prefix = prefix;
	t.created_at = auth_now();
	if (store_auth_token_add(st, &t, id) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

struct found {
	token_info *info;
	int64_t revoked, last_used;
};

static int
info_cb(void *ctx, const store_token *t)
{
	struct found *f = ctx;

	f->info->id = t->id;
	f->info->tenant_id = t->tenant_id;
	f->info->scope = token_scope_parse(t->scope);
	snprintf(f->info->prefix, sizeof(f->info->prefix), "%s", t->prefix ? t->prefix : "");
	f->revoked = t->revoked_at;
	f->last_used = t->last_used;
	return 1;
}

int
token_check(store *st, const char *presented, token_info *info)
{
	char h[SHA256_HEXLEN];
	size_t n = presented != NULL ? strlen(presented) : 0;
	struct found f = { info, 0, 0 };
	int found = 0;
	int64_t now = auth_now();

	memset(info, 0, sizeof(*info));
	if (n != TOKEN_LEN - 1 || strncmp(presented, TOKEN_PREFIX, 4) != 0 ||
	    strspn(presented + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != n - 4)
		return 0;
	sha256_hex(presented, n, h);
	if (store_auth_token_get(st, h, 0, info_cb, &f, &found) != STORE_OK)
		return -1;
	if (!found || f.revoked != 0 || info->scope < 0) {
		memset(info, 0, sizeof(*info));
		return 0;
	}
	if (now - f.last_used >= 60) {
		if (store_auth_token_used(st, info->id, now) != STORE_OK)
			return -1;
		info->noted = 1;
	}
	return 1;
}

int
token_revoke(store *st, int64_t id, int *found)
{
	return store_auth_token_revoke(st, id, auth_now(), found) == STORE_OK ? 0 : -1;
}
