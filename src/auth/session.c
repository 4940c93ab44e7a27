/*
 * session.c - login sessions (see session.h): create, look up (with the
 * idle and absolute timeouts and the throttled last_seen), destroy.
 *
 * Exports: session_opts_default, session_create, session_lookup,
 * session_destroy, session_destroy_user, session_purge.
 * Errors: -1 with the store's message in err (session_create) or left in
 * store_errmsg(); the session id never appears in a message.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "session.h"
#include "../store/store_auth.h"

void
session_opts_default(session_opts *o)
{
	o->idle = 30 * 60;
	o->absolute = 12 * 3600;
}

/* The stored form of a cookie value; -1 when it cannot be one of ours. */
static int
id_hash(const char *id, char out[SHA256_HEXLEN])
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n != SESSION_ID_LEN - 1 || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != n)
		return -1;
	sha256_hex(id, n, out);
	return 0;
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
session_create(store *st, int64_t user_id, const char *ip, char id_out[SESSION_ID_LEN],
    char *err, size_t errlen)
{
	unsigned char rnd[32], sec[32];
	char h[SHA256_HEXLEN], csrf[65];
	store_session se;
	int64_t now = auth_now();

	if (auth_random(rnd, sizeof(rnd)) != 0 || auth_random(sec, sizeof(sec)) != 0) {
		snprintf(err, errlen, "no random bytes: %s", strerror(errno));
		return -1;
	}
	auth_b64url(rnd, sizeof(rnd), id_out, SESSION_ID_LEN);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	sha256_hex(id_out, strlen(id_out), h);
	hex(sec, sizeof(sec), csrf);
	OPENSSL_cleanse(sec, sizeof(sec));
	memset(&se, 0, sizeof(se));
	se.id_hash = h;
	se.user_id = user_id;
	se.created_at = se.last_seen = now;
	se.csrf = csrf;
	se.ip = ip;
	if (store_auth_session_add(st, &se) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		OPENSSL_cleanse(id_out, SESSION_ID_LEN);
		id_out[0] = '\0';
		return -1;
	}
	return 0;
}

static int
copy_cb(void *ctx, const store_session *se)
{
	auth_session *s = ctx;

	snprintf(s->id_hash, sizeof(s->id_hash), "%s", se->id_hash);
	s->user_id = se->user_id;
	s->created_at = se->created_at;
	s->last_seen = se->last_seen;
	snprintf(s->csrf, sizeof(s->csrf), "%s", se->csrf != NULL ? se->csrf : "");
	return 1;
}

int
session_lookup(store *st, const session_opts *o, const char *id, auth_session *out)
{
	char h[SHA256_HEXLEN];
	int found = 0;
	int64_t now = auth_now();

	memset(out, 0, sizeof(*out));
	if (id_hash(id, h) != 0)
		return 0;
	if (store_auth_session_get(st, h, copy_cb, out, &found) != STORE_OK)
		return -1;
	if (!found)
		return 0;
	if (now - out->last_seen >= o->idle || now - out->created_at >= o->absolute ||
	    out->csrf[0] == '\0') {
		(void)store_auth_session_rm(st, h);
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (now - out->last_seen >= SESSION_TOUCH_EVERY) {
		if (store_auth_session_touch(st, h, now) != STORE_OK)
			return -1;
		out->last_seen = now;
	}
	return 1;
}

int
session_destroy(store *st, const char *id)
{
	char h[SHA256_HEXLEN];

	if (id_hash(id, h) != 0)
		return 0;
	return store_auth_session_rm(st, h) == STORE_OK ? 0 : -1;
}

int
session_destroy_user(store *st, int64_t user_id, const char *keep_id)
{
	char h[SHA256_HEXLEN];

	if (keep_id != NULL && id_hash(keep_id, h) != 0)
		keep_id = NULL;
	return store_auth_session_rm_user(st, user_id, keep_id != NULL ? h : NULL) ==
	    STORE_OK ? 0 : -1;
}

int
session_purge(store *st, const session_opts *o)
{
	int64_t now = auth_now();

	return store_auth_session_purge(st, now - o->idle + 1, now - o->absolute + 1) ==
	    STORE_OK ? 0 : -1;
}
