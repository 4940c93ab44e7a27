/*
 * login.c - login, logout and password change (see login.h).
 *
 * Exports: auth_login, auth_logout, auth_password_change.
 * Errors: -1 with err set (store failures); no message or audit entry ever
 * holds a password or a session id.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "login.h"
#include "password.h"
#include "../store/store_auth.h"

struct urow {
	int64_t id, tenant_id;
	int disabled;
	char hash[PASSWORD_HASH_MAX];
};

static int
urow_cb(void *ctx, const store_user *u)
{
	struct urow *r = ctx;

	r->id = u->id;
	r->tenant_id = u->tenant_id;
	r->disabled = u->disabled;
	snprintf(r->hash, sizeof(r->hash), "%s", u->pw_hash != NULL ? u->pw_hash : "");
	return 1;
}

static int
tenant_off_cb(void *ctx, const store_tenant *t)
{
	*(int *)ctx = t->disabled;
	return 1;
}

static int
store_err(store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", store_errmsg(st));
	return -1;
}

static const char *const lock_why[] = { "", "user locked", "address locked", "rate limited" };

int
auth_login(store *st, const login_ctx *lc, const char *user, const char *pw, size_t n,
    char id_out[SESSION_ID_LEN], int64_t *retry_after, char *err, size_t errlen)
{
	char name[AUTH_NAME_MAX], e[200];
	struct urow u;
	int found = 0, rc, ok;

	id_out[0] = '\0';
	*retry_after = 0;
	/* a malformed name is an unknown one: same answer, same lockout key */
	if (auth_norm_name(user, name, sizeof(name), "user", e, sizeof(e)) != 0)
		snprintf(name, sizeof(name), "?invalid");
	rc = lockout_begin(st, &lc->lockout, name, lc->ip, retry_after);
	if (rc < 0)
		return store_err(st, err, errlen);
	if (rc != LOCK_OK) {
		(void)audit(st, name, 0, "login_refused", name, lc->ip, "%s, %lld s", lock_why[rc],
		    (long long)*retry_after);
		return LOGIN_LOCKED;
	}
	memset(&u, 0, sizeof(u));
	if (store_auth_user_get(st, name, 0, urow_cb, &u, &found) != STORE_OK)
		return store_err(st, err, errlen);
	/* a user of a disabled tenant is a disabled user */
	if (found && !u.disabled && u.tenant_id != 0) {
		int off = 0, tfound = 0;

		if (store_auth_tenant_get(st, NULL, u.tenant_id, tenant_off_cb, &off, &tfound) != STORE_OK)
			return store_err(st, err, errlen);
		u.disabled = off || !tfound;
	}
	if (found && !u.disabled) {
		if ((ok = password_verify(u.hash, pw, n)) < 0) {
			snprintf(err, errlen, "password check failed");
			return -1;
		}
	} else {
		password_dummy_verify(pw, n);
		ok = 0;
	}
	if (!ok) {
		if (lockout_fail(st, &lc->lockout, name, lc->ip) != 0)
			return store_err(st, err, errlen);
		(void)audit(st, name, found ? u.tenant_id : 0, "login_failed", name, lc->ip, "%s",
		    !found ? "unknown user" : u.disabled ? "user disabled" : "wrong password");
		return LOGIN_WRONG;
	}
	if (lockout_success(st, name) != 0)
		return store_err(st, err, errlen);
	if (password_needs_rehash(u.hash)) {
		char h[PASSWORD_HASH_MAX];

		if (password_hash(pw, n, h, sizeof(h), e, sizeof(e)) == 0)
			(void)store_auth_user_set_password(st, u.id, h, auth_now());
	}
	/* expired sessions of anyone go now; a lookup removes them too */
	if (session_purge(st, &lc->session) != 0)
		return store_err(st, err, errlen);
	if (session_create(st, u.id, lc->ip, id_out, err, errlen) != 0)
		return -1;
	(void)audit(st, name, u.tenant_id, "login", name, lc->ip, NULL);
	return LOGIN_OK;
}

int
auth_logout(store *st, const dm_principal *p, const char *ip)
{
	if (p->method != AUTH_SESSION)
		return 0;
	if (store_auth_session_rm(st, p->session.id_hash) != STORE_OK)
		return -1;
	return audit(st, p->name, p->tenant_id, "logout", p->name, ip, NULL);
}

int
auth_password_change(store *st, const login_ctx *lc, const dm_principal *p, const char *old,
    size_t oldn, const char *nw, size_t newn, char *err, size_t errlen)
{
	char h[PASSWORD_HASH_MAX];
	struct urow u;
	int found = 0, rc;
	int64_t retry;

	if (p->method != AUTH_SESSION) {
		snprintf(err, errlen, "only a logged-in user can change their password");
		return LOGIN_POLICY;
	}
	rc = lockout_begin(st, &lc->lockout, p->name, lc->ip, &retry);
	if (rc < 0)
		return store_err(st, err, errlen);
	if (rc != LOCK_OK)
		return LOGIN_LOCKED;
	memset(&u, 0, sizeof(u));
	if (store_auth_user_get(st, NULL, p->user_id, urow_cb, &u, &found) != STORE_OK)
		return store_err(st, err, errlen);
	if (!found || (rc = password_verify(u.hash, old, oldn)) == 0) {
		if (lockout_fail(st, &lc->lockout, p->name, lc->ip) != 0)
			return store_err(st, err, errlen);
		(void)audit(st, p->name, p->tenant_id, "password_change_failed", p->name, lc->ip,
		    "wrong current password");
		return LOGIN_WRONG;
	}
	if (rc < 0) {
		snprintf(err, errlen, "password check failed");
		return -1;
	}
	if (password_check_policy(nw, newn, err, errlen) != 0)
		return LOGIN_POLICY;
	if (password_hash(nw, newn, h, sizeof(h), err, errlen) != 0)
		return -1;
	if (store_auth_user_set_password(st, u.id, h, auth_now()) != STORE_OK ||
	    store_auth_session_rm_user(st, u.id, p->session.id_hash) != STORE_OK)
		return store_err(st, err, errlen);
	(void)audit(st, p->name, p->tenant_id, "password_change", p->name, lc->ip,
	    "other sessions ended");
	return LOGIN_OK;
}
