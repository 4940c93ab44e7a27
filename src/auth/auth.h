/*
 * auth.h - what the files of src/auth/ share, and the small pieces the web
 * layer and the CLI need from them: the clock (injectable for tests),
 * random bytes, base64url, name normalisation, roles.
 *
 *   password.c   argon2id hashing (password.h)
 *   session.c    login sessions (session.h)
 *   csrf.c       CSRF tokens bound to a session (session.h)
 *   lockout.c    failed-login lockout and rate limit (lockout.h)
 *   token.c      API tokens (token.h)
 *   audit.c      the audit log (audit.h)
 *   principal.c  who a request is and what it may see (principal.h)
 *   auth.c       this header's functions
 *
 * Exports:
 *   auth_now()                 unix seconds: time(NULL), or the test clock
 *   auth_clock_set(fn)         fn() replaces time(NULL) (tests); NULL restores it
 *   auth_random(p, n)          n bytes from getrandom(2); -1 when it fails
 *   auth_b64url(p, n, out, len)  unpadded base64url; -1 when out is too small
 *   auth_norm_name(in, out, len, what, err, errlen)
 *                              a tenant or user name, lower-cased: 1-64 bytes of
 *                              [a-z0-9._@-], starting with a letter or digit; -1
 *                              with a message naming `what` otherwise
 *   auth_norm_domain(in, out, len, err, errlen)
 *                              a policy domain lower-cased, without a trailing dot
 *   role_parse(s) / role_name(r)  "operator" | "admin" | "viewer" <-> dm_role
 *   auth_ct_equal(a, la, b, lb)   equal strings, in time independent of content
 *
 * Errors: functions that can fail return -1 and write a message into err
 * (never a password, session id or token).
 */
#ifndef DS_AUTH_H
#define DS_AUTH_H

#include <stddef.h>
#include <stdint.h>

typedef enum dm_role { ROLE_NONE = -1, ROLE_OPERATOR = 0, ROLE_ADMIN, ROLE_VIEWER } dm_role;

#define AUTH_NAME_MAX 65	/* 64 bytes and NUL */

int64_t auth_now(void);
void auth_clock_set(int64_t (*fn)(void));
int auth_random(void *p, size_t n);
int auth_b64url(const void *p, size_t n, char *out, size_t len);
int auth_norm_name(const char *in, char *out, size_t len, const char *what, char *err,
    size_t errlen);
int auth_norm_domain(const char *in, char *out, size_t len, char *err, size_t errlen);
dm_role role_parse(const char *s);
const char *role_name(dm_role r);
int auth_ct_equal(const void *a, size_t la, const void *b, size_t lb);

#endif
