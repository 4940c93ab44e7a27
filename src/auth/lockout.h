/*
 * lockout.h - failed-login lockout and login rate limits, per user name and
 * per client address (IPv6 by /64, so one host cannot rotate addresses).
 *
 * A failure counts against the user name (known or not: an unknown name
 * locks the same way, so lockout tells nothing about which names exist) and
 * against the address.  user_max failures of one name within `window`
 * seconds lock that name for `lock` seconds; addr_max failures from one
 * address lock the address.  Locking forgets the failures that caused it,
 * so after the lock the count starts again.  Independently, an address may
 * try at most rate_max logins (right or wrong) per rate_window seconds.
 * A successful login forgets the name's failures (not the address's).
 * Every failure also purges the rows and locks older than a day, so window,
 * lock and rate_window must stay under a day.
 *
 * Exports:
 *   lockout_opts_default(o)   5 per name / 20 per address in 15 min → 15 min;
 *                             30 attempts per minute per address
 *   lockout_begin(st, o, user, addr, &retry_after)
 *                             before checking a password: LOCK_OK, or why not
 *                             (LOCK_USER, LOCK_ADDR, LOCK_RATE) with the seconds
 *                             to wait; records the attempt; -1 store error
 *   lockout_fail(st, o, user, addr)   after a wrong password; 0 or -1
 *   lockout_success(st, user)         after a right one; 0 or -1
 *   lockout_addr_key(addr, out, len)  the address key (v6 → its /64)
 */
#ifndef DS_LOCKOUT_H
#define DS_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

enum { LOCK_OK = 0, LOCK_USER = 1, LOCK_ADDR = 2, LOCK_RATE = 3 };

typedef struct lockout_opts {
	int user_max, addr_max;
	int64_t window, lock;
	int rate_max;
	int64_t rate_window;
} lockout_opts;

void lockout_opts_default(lockout_opts *o);
int lockout_begin(store *st, const lockout_opts *o, const char *user, const char *addr,
    int64_t *retry_after);
int lockout_fail(store *st, const lockout_opts *o, const char *user, const char *addr);
int lockout_success(store *st, const char *user);
void lockout_addr_key(const char *addr, char *out, size_t len);

#endif
