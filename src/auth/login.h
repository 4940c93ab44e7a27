/*
 * login.h - the login, logout and password-change flows, as the web layer
 * (and tests) call them: lockout and rate limit first, then the argon2id
 * check (a dummy check for an unknown or disabled user, so the answer and
 * its time do not say whether the name exists), then a new session; every
 * outcome written to the audit log.
 *
 * Exports:
 *   login_ctx           the options and the client address
 *   auth_login(st, lc, user, pw, n, id_out, &retry_after, err, errlen)
 *                       LOGIN_OK (id_out: the session cookie value),
 *                       LOGIN_WRONG (wrong name or password), LOGIN_LOCKED
 *                       (retry_after seconds), or -1 (err set)
 *   auth_logout(st, p, ip)  ends p's session; 0 or -1
 *   auth_password_change(st, lc, p, old, oldn, new, newn, err, errlen)
 *                       LOGIN_OK (other sessions of the user ended),
 *                       LOGIN_WRONG (old password wrong: counts as a failure),
 *                       LOGIN_LOCKED, LOGIN_POLICY (new password refused:
 *                       err says why), or -1
 */
#ifndef DS_LOGIN_H
#define DS_LOGIN_H

#include <stddef.h>
#include <stdint.h>

#include "lockout.h"
#include "principal.h"
#include "session.h"

enum { LOGIN_OK = 0, LOGIN_WRONG = 1, LOGIN_LOCKED = 2, LOGIN_POLICY = 3 };

typedef struct login_ctx {
	session_opts session;
	lockout_opts lockout;
	const char *ip;		/* client address, for lockout and the audit log */
} login_ctx;

int auth_login(store *st, const login_ctx *lc, const char *user, const char *pw, size_t n,
    char id_out[SESSION_ID_LEN], int64_t *retry_after, char *err, size_t errlen);
int auth_logout(store *st, const dm_principal *p, const char *ip);
int auth_password_change(store *st, const login_ctx *lc, const dm_principal *p,
    const char *old, size_t oldn, const char *nw, size_t newn, char *err, size_t errlen);

#endif
