/*
 * lockout.c - failed-login lockout and login rate limits (see lockout.h),
 * kept in login_failures / login_locks through store_auth.h.
 *
 * Exports: lockout_opts_default, lockout_begin, lockout_fail,
 * lockout_success, lockout_addr_key.  Errors: -1, store_errmsg() says why.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "lockout.h"
#include "../store/store_auth.h"
#include "../util/ipaddr.h"

void
lockout_opts_default(lockout_opts *o)
{
	o->user_max = 5;
	o->addr_max = 20;
	o->window = 15 * 60;
	o->lock = 15 * 60;
	o->rate_max = 30;
	o->rate_window = 60;
}

void
lockout_addr_key(const char *addr, char *out, size_t len)
{
	ip_bin b;

	if (addr == NULL || addr[0] == '\0') {
		snprintf(out, len, "-");
		return;
	}
	if (strchr(addr, ':') != NULL && ip_parse(addr, &b) == 0) {
		char pfx[IP_CIDRLEN];

		ip_prefix_of(&b, 64, pfx);
		snprintf(out, len, "%s", pfx);
		return;
	}
	snprintf(out, len, "%.63s", addr);
}

static int
locked(store *st, const char *kind, const char *key, int64_t now, int64_t *retry)
{
	int64_t until = 0;

	if (store_auth_lock_get(st, kind, key, &until) != STORE_OK)
		return -1;
	if (until > now) {
		*retry = until - now;
		return 1;
	}
	return 0;
}

int
lockout_begin(store *st, const lockout_opts *o, const char *user, const char *addr,
    int64_t *retry_after)
{
	char akey[64];
	int64_t now = auth_now(), n = 0;
	int rc;

	*retry_after = 0;
	lockout_addr_key(addr, akey, sizeof(akey));
	if ((rc = locked(st, "addr", akey, now, retry_after)) != 0)
		return rc < 0 ? -1 : LOCK_ADDR;
	if ((rc = locked(st, "user", user, now, retry_after)) != 0)
		return rc < 0 ? -1 : LOCK_USER;
	if (o->rate_max > 0) {
		if (store_auth_fail_count(st, "rate", akey, now - o->rate_window + 1, &n) != STORE_OK)
			return -1;
		if (n >= o->rate_max) {
			*retry_after = o->rate_window;
			return LOCK_RATE;
		}
		if (store_auth_fail_add(st, "rate", akey, now, now - o->rate_window) != STORE_OK)
			return -1;
	}
	return LOCK_OK;
}

/* One failure of key; at max within the window, lock it and start again. */
static int
count_fail(store *st, const lockout_opts *o, const char *kind, const char *key, int max,
    int64_t now)
{
	int64_t n = 0;

	if (store_auth_fail_add(st, kind, key, now, now - o->window) != STORE_OK ||
	    store_auth_fail_count(st, kind, key, now - o->window + 1, &n) != STORE_OK)
		return -1;
	if (max > 0 && n >= max) {
		if (store_auth_fail_clear(st, kind, key) != STORE_OK ||
		    store_auth_lock_set(st, kind, key, now + o->lock) != STORE_OK)
			return -1;
	}
	return 0;
}

int
lockout_fail(store *st, const lockout_opts *o, const char *user, const char *addr)
{
	char akey[64];
	int64_t now = auth_now();

	lockout_addr_key(addr, akey, sizeof(akey));
	/* what no window or lock needs any more goes, so names sprayed once do
	 * not pile up */
	if (store_auth_fail_purge(st, now - 86400) != STORE_OK)
		return -1;
	if (count_fail(st, o, "user", user, o->user_max, now) != 0)
		return -1;
	return count_fail(st, o, "addr", akey, o->addr_max, now);
}

int
lockout_success(store *st, const char *user)
{
	return store_auth_fail_clear(st, "user", user) == STORE_OK ? 0 : -1;
}
