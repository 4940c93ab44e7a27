/*
 * password.h - password hashing with argon2id (libargon2).
 *
 * A hash is argon2's encoded form ("$argon2id$v=19$m=...,t=...,p=...$salt$hash",
 * 16-byte random salt, 32-byte tag), so the parameters travel with it and a
 * change of parameters does not invalidate stored passwords
 * (password_needs_rehash says when to store a new one).  The default
 * parameters (docs/PROVIDER.md has the measurement) make one hash cost
 * 50-250 ms on the reference machine; at most PASSWORD_CONCURRENCY hashes run
 * at once, so a burst of logins queues instead of taking all memory.
 *
 * Exports:
 *   password_hash(pw, n, out, outlen, err, errlen)  0, or -1 with err set
 *   password_verify(encoded, pw, n)  1 match, 0 wrong (or not an argon2id
 *                                    hash), -1 internal error
 *   password_dummy_verify(pw, n)     costs what a verify costs, matches
 *                                    nothing (unknown users: no timing oracle)
 *   password_needs_rehash(encoded)   1 when its parameters are not the current
 *   password_check_policy(pw, n, err, errlen)  0, or -1: 8-1024 bytes, no NUL
 *   password_params_set(t, m_kib, p) / password_params_get(...)
 *                                    the parameters (tests set cheap ones)
 *   password_read(prompt, from_stdin, buf, len, err, errlen)
 *                                    a password from the terminal without echo
 *                                    (asked twice when prompt2 != NULL) or the
 *                                    first line of stdin; 0 or -1
 */
#ifndef DS_PASSWORD_H
#define DS_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#define PASSWORD_HASH_MAX 160
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024
#define PASSWORD_CONCURRENCY 2

/* The defaults: 2 passes over 64 MiB, one lane. */
#define PASSWORD_T_COST 2
#define PASSWORD_M_KIB (64 * 1024)
#define PASSWORD_LANES 1

int password_hash(const char *pw, size_t n, char *out, size_t outlen, char *err, size_t errlen);
int password_verify(const char *encoded, const char *pw, size_t n);
void password_dummy_verify(const char *pw, size_t n);
int password_needs_rehash(const char *encoded);
int password_check_policy(const char *pw, size_t n, char *err, size_t errlen);
void password_params_set(uint32_t t, uint32_t m_kib, uint32_t p);
void password_params_get(uint32_t *t, uint32_t *m_kib, uint32_t *p);
int password_read(const char *prompt, const char *prompt2, int from_stdin, char *buf,
    size_t len, char *err, size_t errlen);

#endif
