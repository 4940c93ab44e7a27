/*
 * session.h - server-side login sessions and their CSRF tokens.
 *
 * A session id is 32 bytes from getrandom(2), given to the browser as 43
 * base64url characters (the cookie value) and stored only as its SHA-256
 * (sessions.id_hash): a copy of the database does not hold a usable id.
 * A session ends after `idle` seconds without a request or `absolute`
 * seconds after login, whichever comes first; last_seen is written at most
 * once a minute (SESSION_TOUCH_EVERY), so a busy page does not write on
 * every request.
 *
 * Each session has its own CSRF secret (32 random bytes, hex); the token a
 * page sends back (X-CSRF-Token) is HMAC-SHA256(secret, "csrf:" id_hash),
 * base64url, so it is bound to the session and useless with another; it is
 * compared in constant time.
 *
 * Exports:
 *   session_opts_default(o)       idle 30 min, absolute 12 h
 *   session_create(st, user_id, ip, id_out, err, errlen)
 *                                 a new session; id_out gets the cookie value
 *   session_lookup(st, o, id, out) 1 valid (out filled, last_seen touched),
 *                                 0 unknown or expired (an expired one is
 *                                 removed), -1 store error
 *   session_destroy(st, id)       logout; 0, -1 store error
 *   session_destroy_user(st, user_id, keep_id)  every session of a user but
 *                                 keep_id's (NULL: all), after a password change
 *   session_purge(st, o)          remove every expired session
 *   csrf_token(s, out, len)       the session's CSRF token; 0 or -1
 *   csrf_check(s, presented)      1 when presented is the session's token
 * Ownership: auth_session is a plain struct (fixed buffers), the caller's.
 */
#ifndef DS_SESSION_H
#define DS_SESSION_H

#include <stdint.h>

#include "../store/store.h"
#include "../util/sha256.h"

#define SESSION_ID_LEN 44	/* 43 base64url characters and NUL */
#define SESSION_TOUCH_EVERY 60
#define CSRF_TOKEN_LEN 44

typedef struct session_opts {
	int64_t idle;		/* seconds without a request */
	int64_t absolute;	/* seconds since login */
} session_opts;

typedef struct auth_session {
	char id_hash[SHA256_HEXLEN];
	int64_t user_id, created_at, last_seen;
	char csrf[65];		/* the secret, hex */
} auth_session;

void session_opts_default(session_opts *o);
int session_create(store *st, int64_t user_id, const char *ip, char id_out[SESSION_ID_LEN],
    char *err, size_t errlen);
int session_lookup(store *st, const session_opts *o, const char *id, auth_session *out);
int session_destroy(store *st, const char *id);
int session_destroy_user(store *st, int64_t user_id, const char *keep_id);
int session_purge(store *st, const session_opts *o);
int csrf_token(const auth_session *s, char *out, size_t len);
int csrf_check(const auth_session *s, const char *presented);

#endif
