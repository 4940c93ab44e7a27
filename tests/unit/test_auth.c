/*
 * test_auth.c - unit tests for src/auth/ and the store's auth ops
 * (store_auth.h) on a scratch SQLite database: argon2id hash and verify,
 * sessions (hashed ids, idle and absolute expiry with an injected clock),
 * CSRF tokens, lockout per user and per address and its expiry, the rate
 * limit, API token scopes and revocation, the login and password-change
 * flows with their audit entries, cookies, and the principal's domain
 * checks (a tenant sees only its domains; an operator sees unassigned ones).
 *
 * Cheap argon2 parameters are set for speed, except in the test that checks
 * the defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/lockout.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/session.h"
#include "auth/token.h"
#include "store/store.h"
#include "store/store_auth.h"

static int64_t fake_now = 1800000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

struct fx {
	char dir[64];
	store *st;
	int64_t ta, tb;		/* tenants a, b */
	int64_t alice, vera, olga;	/* admin of a, viewer of a, operator */
};

static int64_t
add_user(store *st, const char *name, int64_t tenant, const char *role, const char *pw)
{
	char h[PASSWORD_HASH_MAX], err[200];
	store_user u;
	int64_t id = 0;

	assert_int_equal(password_hash(pw, strlen(pw), h, sizeof(h), err, sizeof(err)), 0);
	memset(&u, 0, sizeof(u));
	u.name = name;
	u.tenant_id = tenant;
	u.role = role;
	u.pw_hash = h;
	u.created_at = fake_now;
	assert_int_equal(store_auth_user_add(st, &u, &id), STORE_OK);
	return id;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_auth.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/t.db", f->dir);
	assert_int_equal(store_open(&f->st, path, err, sizeof(err)), STORE_OK);
	fake_now = 1800000000;
	auth_clock_set(fake_clock);
	password_params_set(1, 1024, 1);
	assert_true(store_has(f->st, auth));
	assert_int_equal(store_auth_tenant_add(f->st, "acme", fake_now, &f->ta), STORE_OK);
	assert_int_equal(store_auth_tenant_add(f->st, "beta", fake_now, &f->tb), STORE_OK);
	assert_int_equal(store_auth_domain_assign(f->st, "a.example", f->ta, fake_now), STORE_OK);
	assert_int_equal(store_auth_domain_assign(f->st, "a2.example", f->ta, fake_now), STORE_OK);
	assert_int_equal(store_auth_domain_assign(f->st, "b.example", f->tb, fake_now), STORE_OK);
	f->alice = add_user(f->st, "alice", f->ta, "admin", "alice-password");
	f->vera = add_user(f->st, "vera", f->ta, "viewer", "vera-password");
	f->olga = add_user(f->st, "olga", 0, "operator", "olga-password");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	auth_clock_set(NULL);
	free(f);
	return 0;
}

/* ---- passwords ---------------------------------------------------------------- */

static void
test_password(void **state)
{
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX], err[200];

	(void)state;
	password_params_set(1, 1024, 1);
	assert_int_equal(password_hash("secret-one", 10, h1, sizeof(h1), err, sizeof(err)), 0);
	assert_int_equal(password_hash("secret-one", 10, h2, sizeof(h2), err, sizeof(err)), 0);
	assert_true(strncmp(h1, "$argon2id$v=19$m=1024,t=1,p=1$", 30) == 0);
	assert_string_not_equal(h1, h2);	/* salted */
	assert_null(strstr(h1, "secret-one"));
	assert_int_equal(password_verify(h1, "secret-one", 10), 1);
	assert_int_equal(password_verify(h2, "secret-one", 10), 1);
	assert_int_equal(password_verify(h1, "secret-onE", 10), 0);
	assert_int_equal(password_verify(h1, "secret-on", 9), 0);
	assert_int_equal(password_verify(h1, "secret-one\0x", 12), 0);	/* length counts */
	assert_int_equal(password_verify("$argon2i$v=19$m=1024,t=1,p=1$xx$yy", "a", 1), 0);
	assert_int_equal(password_verify("garbage", "secret-one", 10), 0);
	assert_int_equal(password_verify(NULL, "secret-one", 10), 0);
	assert_int_equal(password_needs_rehash(h1), 0);
	password_params_set(2, 1024, 1);
	assert_int_equal(password_needs_rehash(h1), 1);
	assert_int_equal(password_verify(h1, "secret-one", 10), 1);	/* old params still verify */
	password_params_set(1, 1024, 1);
	assert_int_equal(password_check_policy("short", 5, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(password_check_policy("long enough", 11, err, sizeof(err)), 0);
	assert_int_equal(password_check_policy("with\0nul-byte", 13, err, sizeof(err)), -1);
	{
		char big[PASSWORD_MAX + 1];

		memset(big, 'x', sizeof(big));
		assert_int_equal(password_check_policy(big, sizeof(big), err, sizeof(err)), -1);
		assert_int_equal(password_hash(big, sizeof(big), h1, sizeof(h1), err,
		    sizeof(err)), -1);
	}
}

static void
test_password_defaults(void **state)
{
	uint32_t t, m, p;
	char h[PASSWORD_HASH_MAX], err[200];

	(void)state;
	password_params_set(PASSWORD_T_COST, PASSWORD_M_KIB, PASSWORD_LANES);
	password_params_get(&t, &m, &p);
	assert_int_equal(t, 2);
	assert_int_equal(m, 65536);
	assert_int_equal(p, 1);
	assert_int_equal(password_hash("pw-default", 10, h, sizeof(h), err, sizeof(err)), 0);
	assert_true(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
	assert_int_equal(password_verify(h, "pw-default", 10), 1);
	password_params_set(1, 1024, 1);
}

/* ---- sessions and CSRF ------------------------------------------------------------ */

static int
has_row(void *ctx, const store_session *se)
{
	(void)se;
	(*(int *)ctx)++;
	return 0;
}

static void
test_session_idle(void **state)
{
	struct fx *f = *state;
	session_opts o;
	auth_session s;
	char id[SESSION_ID_LEN], err[200], h[SHA256_HEXLEN];
	int found = 0, rows = 0;

	session_opts_default(&o);
	assert_int_equal(o.idle, 1800);
	assert_int_equal(o.absolute, 43200);
	assert_int_equal(session_create(f->st, f->alice, "192.0.2.1", id, err, sizeof(err)), 0);
	assert_int_equal(strlen(id), 43);
	/* only the hash is stored */
	assert_int_equal(store_auth_session_get(f->st, id, has_row, &rows, &found),
	    STORE_OK);
	assert_int_equal(found, 0);
	sha256_hex(id, strlen(id), h);
	assert_int_equal(store_auth_session_get(f->st, h, has_row, &rows, &found),
	    STORE_OK);
	assert_int_equal(found, 1);

	assert_int_equal(session_lookup(f->st, &o, id, &s), 1);
	assert_int_equal(s.user_id, f->alice);
	fake_now += o.idle - 1;
	assert_int_equal(session_lookup(f->st, &o, id, &s), 1);	/* touched */
	fake_now += o.idle - 1;
	assert_int_equal(session_lookup(f->st, &o, id, &s), 1);	/* idle counts from the touch */
	fake_now += o.idle;
	assert_int_equal(session_lookup(f->st, &o, id, &s), 0);	/* idle too long */
	fake_now -= o.idle;
	assert_int_equal(session_lookup(f->st, &o, id, &s), 0);	/* and it was removed */

	/* malformed and unknown ids */
	assert_int_equal(session_lookup(f->st, &o, "", &s), 0);
	assert_int_equal(session_lookup(f->st, &o, NULL, &s), 0);
	assert_int_equal(session_lookup(f->st, &o, "not a session id at all, no no no no no!", &s),
	    0);
	id[0] = id[0] == 'A' ? 'B' : 'A';
	assert_int_equal(session_lookup(f->st, &o, id, &s), 0);
}

static void
test_session_absolute(void **state)
{
	struct fx *f = *state;
	session_opts o;
	auth_session s;
	char id[SESSION_ID_LEN], id2[SESSION_ID_LEN], err[200];
	int64_t start = fake_now;

	session_opts_default(&o);
	assert_int_equal(session_create(f->st, f->vera, NULL, id, err, sizeof(err)), 0);
	/* busy all day: a request every 20 minutes, never idle */
	while (fake_now + 1200 < start + o.absolute) {
		fake_now += 1200;
		assert_int_equal(session_lookup(f->st, &o, id, &s), 1);
	}
	fake_now = start + o.absolute;
	assert_int_equal(session_lookup(f->st, &o, id, &s), 0);

	/* logout, and ending every session of a user but one */
	assert_int_equal(session_create(f->st, f->vera, NULL, id, err, sizeof(err)), 0);
	assert_int_equal(session_create(f->st, f->vera, NULL, id2, err, sizeof(err)), 0);
	assert_string_not_equal(id, id2);
	assert_int_equal(session_destroy_user(f->st, f->vera, id2), 0);
	assert_int_equal(session_lookup(f->st, &o, id, &s), 0);
	assert_int_equal(session_lookup(f->st, &o, id2, &s), 1);
	assert_int_equal(session_destroy(f->st, id2), 0);
	assert_int_equal(session_lookup(f->st, &o, id2, &s), 0);
}

static void
test_csrf(void **state)
{
	struct fx *f = *state;
	session_opts o;
	auth_session s1, s2;
	char id1[SESSION_ID_LEN], id2[SESSION_ID_LEN], t1[CSRF_TOKEN_LEN], t2[CSRF_TOKEN_LEN];
	char err[200];

	session_opts_default(&o);
	assert_int_equal(session_create(f->st, f->alice, NULL, id1, err, sizeof(err)), 0);
	assert_int_equal(session_create(f->st, f->alice, NULL, id2, err, sizeof(err)), 0);
	assert_int_equal(session_lookup(f->st, &o, id1, &s1), 1);
	assert_int_equal(session_lookup(f->st, &o, id2, &s2), 1);
	assert_int_equal(csrf_token(&s1, t1, sizeof(t1)), 0);
	assert_int_equal(csrf_token(&s2, t2, sizeof(t2)), 0);
	assert_int_equal(strlen(t1), 43);
	assert_string_not_equal(t1, t2);
	assert_int_equal(csrf_check(&s1, t1), 1);
	assert_int_equal(csrf_check(&s2, t2), 1);
	assert_int_equal(csrf_check(&s1, t2), 0);	/* another session's token */
	assert_int_equal(csrf_check(&s2, t1), 0);
	assert_int_equal(csrf_check(&s1, NULL), 0);
	assert_int_equal(csrf_check(&s1, ""), 0);
	t1[42] = t1[42] == 'A' ? 'B' : 'A';
	assert_int_equal(csrf_check(&s1, t1), 0);
	t1[42] = '\0';
	assert_int_equal(csrf_check(&s1, t1), 0);	/* a prefix is not the token */
	assert_string_not_equal(t2, id2);		/* the token is not the session id */
}

/* ---- lockout ------------------------------------------------------------------ */

static void
test_lockout_user(void **state)
{
	struct fx *f = *state;
	lockout_opts o;
	int64_t retry;

	lockout_opts_default(&o);
	assert_int_equal(o.user_max, 5);
	o.rate_max = 0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.1", &retry), LOCK_OK);
		assert_int_equal(lockout_fail(f->st, &o, "alice", "192.0.2.1"), 0);
		fake_now += 10;
	}
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.1", &retry), LOCK_OK);
	assert_int_equal(lockout_fail(f->st, &o, "alice", "192.0.2.1"), 0);
	/* the fifth failure locks alice, from any address */
	assert_int_equal(lockout_begin(f->st, &o, "alice", "198.51.100.7", &retry), LOCK_USER);
	assert_int_equal(retry, o.lock);
	/* other users are not locked */
	assert_int_equal(lockout_begin(f->st, &o, "vera", "192.0.2.1", &retry), LOCK_OK);
	fake_now += o.lock - 1;
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.1", &retry), LOCK_USER);
	assert_int_equal(retry, 1);
	fake_now += 1;
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.1", &retry), LOCK_OK);
	/* the count started again: one more failure does not lock */
	assert_int_equal(lockout_fail(f->st, &o, "alice", "192.0.2.1"), 0);
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.1", &retry), LOCK_OK);

	/* failures spread wider than the window never lock */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(lockout_fail(f->st, &o, "vera", "203.0.113.9"), 0);
		fake_now += o.window / 4 + 1;
	}
	assert_int_equal(lockout_begin(f->st, &o, "vera", "203.0.113.9", &retry), LOCK_OK);

	/* a success forgets the failures */
	for (int i = 0; i < 4; i++)
		assert_int_equal(lockout_fail(f->st, &o, "olga", "203.0.113.10"), 0);
	assert_int_equal(lockout_success(f->st, "olga"), 0);
	assert_int_equal(lockout_fail(f->st, &o, "olga", "203.0.113.10"), 0);
	assert_int_equal(lockout_begin(f->st, &o, "olga", "203.0.113.10", &retry), LOCK_OK);
}

static void
test_lockout_addr(void **state)
{
	struct fx *f = *state;
	lockout_opts o;
	int64_t retry;
	char k1[64], k2[64];

	lockout_opts_default(&o);
	o.rate_max = 0;
	o.addr_max = 3;
	/* three different names from one address: the address is locked */
	assert_int_equal(lockout_fail(f->st, &o, "u1", "2001:db8:1:2::10"), 0);
	assert_int_equal(lockout_fail(f->st, &o, "u2", "2001:db8:1:2::11"), 0);
	assert_int_equal(lockout_begin(f->st, &o, "u4", "2001:db8:1:2::12", &retry), LOCK_OK);
	assert_int_equal(lockout_fail(f->st, &o, "u3", "2001:db8:1:2:ffff::1"), 0);
	assert_int_equal(lockout_begin(f->st, &o, "alice", "2001:db8:1:2::99", &retry), LOCK_ADDR);
	/* another /64 and another v4 address are not */
	assert_int_equal(lockout_begin(f->st, &o, "alice", "2001:db8:1:3::1", &retry), LOCK_OK);
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.200", &retry), LOCK_OK);
	lockout_addr_key("2001:db8:1:2::10", k1, sizeof(k1));
	lockout_addr_key("2001:db8:1:2:aaaa::1", k2, sizeof(k2));
	assert_string_equal(k1, k2);
	lockout_addr_key("192.0.2.1", k1, sizeof(k1));
	assert_string_equal(k1, "192.0.2.1");
	fake_now += o.lock;
	assert_int_equal(lockout_begin(f->st, &o, "alice", "2001:db8:1:2::99", &retry), LOCK_OK);
}

static void
test_rate_limit(void **state)
{
	struct fx *f = *state;
	lockout_opts o;
	int64_t retry;

	lockout_opts_default(&o);
	assert_int_equal(o.rate_max, 30);
	o.rate_max = 3;
	for (int i = 0; i < 3; i++)
		assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.50", &retry), LOCK_OK);
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.50", &retry), LOCK_RATE);
	assert_int_equal(lockout_begin(f->st, &o, "vera", "192.0.2.51", &retry), LOCK_OK);
	fake_now += o.rate_window;
	assert_int_equal(lockout_begin(f->st, &o, "alice", "192.0.2.50", &retry), LOCK_OK);
}

/* ---- tokens and principals ---------------------------------------------------------- */

static void
test_tokens(void **state)
{
	struct fx *f = *state;
	char rt[TOKEN_LEN], wt[TOKEN_LEN], auth[80], err[200];
	token_info ti;
	dm_principal p;
	session_opts so;
	int64_t rid, wid;
	int found;

	session_opts_default(&so);
	assert_int_equal(token_create(f->st, f->ta, "ci", TOKEN_READ, rt, sizeof(rt), &rid, err,
	    sizeof(err)), 0);
	assert_int_equal(token_create(f->st, f->ta, NULL, TOKEN_WRITE, wt, sizeof(wt), &wid, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(rt), 47);
	assert_true(strncmp(rt, "dms_", 4) == 0);
	assert_int_equal(token_check(f->st, rt, &ti), 1);
	assert_int_equal(ti.scope, TOKEN_READ);
	assert_int_equal(ti.tenant_id, f->ta);
	assert_int_equal(strncmp(ti.prefix, rt, 12), 0);
	assert_int_equal(token_check(f->st, wt, &ti), 1);
	assert_int_equal(ti.scope, TOKEN_WRITE);
	/* only the hash is stored: the token itself does not find a row */
	assert_int_equal(store_auth_token_get(f->st, rt, 0, NULL, NULL, &found), STORE_OK);
	assert_int_equal(found, 0);

	snprintf(auth, sizeof(auth), "Bearer %s", rt);
	assert_int_equal(principal_from_request(f->st, &so, NULL, auth, NULL, &p, err,
	    sizeof(err)), 1);
	assert_int_equal(p.method, AUTH_TOKEN);
	assert_false(principal_can_write(&p));
	assert_false(principal_can_manage_users(&p));
	assert_true(principal_can_read_domain(&p, "a.example"));
	assert_false(principal_can_read_domain(&p, "b.example"));
	principal_free(&p);
	snprintf(auth, sizeof(auth), "Bearer %s", wt);
	assert_int_equal(principal_from_request(f->st, &so, NULL, auth, NULL, &p, err,
	    sizeof(err)), 1);
	assert_true(principal_can_write(&p));
	assert_false(principal_can_manage_users(&p));
	principal_free(&p);

	/* revoked: refused at once */
	assert_int_equal(token_revoke(f->st, rid, &found), 0);
	assert_int_equal(found, 1);
	assert_int_equal(token_check(f->st, rt, &ti), 0);
	snprintf(auth, sizeof(auth), "Bearer %s", rt);
	assert_int_equal(principal_from_request(f->st, &so, NULL, auth, NULL, &p, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "revoked"));
	assert_int_equal(token_revoke(f->st, rid, &found), 0);
	assert_int_equal(found, 0);
	/* malformed and altered tokens */
	assert_int_equal(token_check(f->st, "dms_short", &ti), 0);
	assert_int_equal(token_check(f->st, "", &ti), 0);
	wt[20] = wt[20] == 'A' ? 'B' : 'A';
	assert_int_equal(token_check(f->st, wt, &ti), 0);
	assert_int_equal(token_scope_parse("read"), TOKEN_READ);
	assert_int_equal(token_scope_parse("write"), TOKEN_WRITE);
	assert_int_equal(token_scope_parse("admin"), -1);
}

static void
login_principal(struct fx *f, const char *user, const char *pw, dm_principal *p)
{
	login_ctx lc;
	char id[SESSION_ID_LEN], cookie[120], err[200];
	int64_t retry;

	memset(&lc, 0, sizeof(lc));
	session_opts_default(&lc.session);
	lockout_opts_default(&lc.lockout);
	lc.ip = "192.0.2.33";
	assert_int_equal(auth_login(f->st, &lc, user, pw, strlen(pw), id, &retry, err,
	    sizeof(err)), LOGIN_OK);
	snprintf(cookie, sizeof(cookie), "theme=dark; %s=%s; x=y", PRINCIPAL_COOKIE, id);
	assert_int_equal(principal_from_request(f->st, &lc.session, cookie, NULL, lc.ip, p, err,
	    sizeof(err)), 1);
}

static void
test_principal_domains(void **state)
{
	struct fx *f = *state;
	dm_principal p;
	session_opts so;
	char err[200];

	session_opts_default(&so);
	/* a viewer of acme: its domains only, never a write */
	login_principal(f, "vera", "vera-password", &p);
	assert_int_equal(p.method, AUTH_SESSION);
	assert_int_equal(p.role, ROLE_VIEWER);
	assert_int_equal(p.tenant_id, f->ta);
	assert_int_equal(p.ndomains, 2);
	assert_true(principal_can_read_domain(&p, "a.example"));
	assert_true(principal_can_read_domain(&p, "A2.Example"));
	assert_false(principal_can_read_domain(&p, "b.example"));
	assert_false(principal_can_read_domain(&p, "unassigned.example"));
	assert_false(principal_can_read_domain(&p, NULL));
	assert_false(principal_can_write(&p));
	assert_false(principal_can_manage_users(&p));
	assert_false(principal_is_operator(&p));
	principal_free(&p);
	/* its admin writes */
	login_principal(f, "ALICE", "alice-password", &p);
	assert_int_equal(p.role, ROLE_ADMIN);
	assert_true(principal_can_write(&p));
	assert_true(principal_can_manage_users(&p));
	assert_false(principal_can_read_domain(&p, "b.example"));
	principal_free(&p);
	/* an operator sees every tenant's domains and the unassigned ones */
	login_principal(f, "olga", "olga-password", &p);
	assert_true(principal_is_operator(&p));
	assert_true(principal_can_read_domain(&p, "a.example"));
	assert_true(principal_can_read_domain(&p, "b.example"));
	assert_true(principal_can_read_domain(&p, "unassigned.example"));
	assert_true(principal_can_write(&p));
	principal_free(&p);
	/* reassigning a domain moves it */
	{
		int found;

		assert_int_equal(store_auth_domain_assign(f->st, "b.example", f->ta, fake_now),
		    STORE_ERR);
		assert_non_null(strstr(store_errmsg(f->st), "belongs to tenant beta"));
		assert_int_equal(store_auth_domain_unassign(f->st, "b.example", &found),
		    STORE_OK);
		assert_int_equal(found, 1);
		assert_int_equal(store_auth_domain_assign(f->st, "b.example", f->ta,
		    fake_now), STORE_OK);
		login_principal(f, "vera", "vera-password", &p);
		assert_true(principal_can_read_domain(&p, "b.example"));
		principal_free(&p);
	}
	/* no credentials, a Basic header, a bogus cookie */
	assert_int_equal(principal_from_request(f->st, &so, NULL, NULL, NULL, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(principal_from_request(f->st, &so, "dms_session=nope", "Basic YTpi",
	    NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.method, AUTH_NONE);
	assert_false(principal_can_read_domain(&p, "a.example"));
	assert_false(principal_can_write(&p));
	/* the local single-user principal */
	principal_local(&p);
	assert_true(principal_is_operator(&p));
	assert_true(principal_can_read_domain(&p, "anything.example"));
	assert_true(principal_can_write(&p));
}

static void
test_disabled_user(void **state)
{
	struct fx *f = *state;
	dm_principal p;
	login_ctx lc;
	char id[SESSION_ID_LEN], cookie[120], err[200];
	int64_t retry;

	memset(&lc, 0, sizeof(lc));
	session_opts_default(&lc.session);
	lockout_opts_default(&lc.lockout);
	login_principal(f, "vera", "vera-password", &p);
	principal_free(&p);
	assert_int_equal(auth_login(f->st, &lc, "vera", "vera-password", 13, id, &retry, err,
	    sizeof(err)), LOGIN_OK);
	snprintf(cookie, sizeof(cookie), "%s=%s", PRINCIPAL_COOKIE, id);
	assert_int_equal(store_auth_user_set_disabled(f->st, f->vera, 1), STORE_OK);
	assert_int_equal(principal_from_request(f->st, &lc.session, cookie, NULL, NULL, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(auth_login(f->st, &lc, "vera", "vera-password", 13, id, &retry, err,
	    sizeof(err)), LOGIN_WRONG);
}

/* ---- login flow, password change, audit ------------------------------------------------ */

struct audits {
	int login, failed, refused, change;
	int secret_seen;
};

static int
audit_cb(void *ctx, const store_audit *a)
{
	struct audits *x = ctx;

	x->login += strcmp(a->action, "login") == 0;
	x->failed += strcmp(a->action, "login_failed") == 0;
	x->refused += strcmp(a->action, "login_refused") == 0;
	x->change += strcmp(a->action, "password_change") == 0;
	if ((a->detail && strstr(a->detail, "password-")) || (a->target && strstr(a->target,
	    "password-")))
		x->secret_seen = 1;
	return 0;
}

static void
test_login_flow(void **state)
{
	struct fx *f = *state;
	login_ctx lc;
	char id[SESSION_ID_LEN], err[200];
	int64_t retry;
	struct audits x;

	memset(&lc, 0, sizeof(lc));
	session_opts_default(&lc.session);
	lockout_opts_default(&lc.lockout);
	lc.ip = "198.51.100.20";
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_OK);
	assert_int_equal(strlen(id), 43);
	assert_int_equal(auth_login(f->st, &lc, "alice", "wrong-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_WRONG);
	assert_string_equal(id, "");
	assert_int_equal(auth_login(f->st, &lc, "nobody", "wrong-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_WRONG);
	assert_int_equal(auth_login(f->st, &lc, "bad name!", "x", 1, id, &retry, err,
	    sizeof(err)), LOGIN_WRONG);
	for (int i = 0; i < 4; i++)
		assert_int_equal(auth_login(f->st, &lc, "alice", "wrong-password", 14, id, &retry,
		    err, sizeof(err)), LOGIN_WRONG);
	/* locked: even the right password is refused now */
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_LOCKED);
	assert_true(retry > 0);
	fake_now += lc.lockout.lock;
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_OK);
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_auth_audit_list(f->st, -1, 0, audit_cb, &x), STORE_OK);
	assert_int_equal(x.login, 2);
	assert_int_equal(x.failed, 7);
	assert_int_equal(x.refused, 1);
	assert_int_equal(x.secret_seen, 0);
	/* the tenant's own log holds alice's entries, not the unknown user's */
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_auth_audit_list(f->st, f->ta, 0, audit_cb, &x), STORE_OK);
	assert_int_equal(x.login, 2);
	assert_int_equal(x.failed, 5);
}

static void
test_password_change(void **state)
{
	struct fx *f = *state;
	login_ctx lc;
	dm_principal p;
	auth_session s;
	char other[SESSION_ID_LEN], err[200];
	int64_t retry;
	struct audits x;

	memset(&lc, 0, sizeof(lc));
	session_opts_default(&lc.session);
	lockout_opts_default(&lc.lockout);
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, other, &retry, err,
	    sizeof(err)), LOGIN_OK);
	login_principal(f, "alice", "alice-password", &p);
	assert_int_equal(auth_password_change(f->st, &lc, &p, "not-it", 6, "new-password-1", 14,
	    err, sizeof(err)), LOGIN_WRONG);
	assert_int_equal(auth_password_change(f->st, &lc, &p, "alice-password", 14, "short", 5,
	    err, sizeof(err)), LOGIN_POLICY);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(auth_password_change(f->st, &lc, &p, "alice-password", 14,
	    "new-password-1", 14, err, sizeof(err)), LOGIN_OK);
	/* the other session ended, this one goes on */
	assert_int_equal(session_lookup(f->st, &lc.session, other, &s), 0);
	assert_int_equal(store_auth_session_get(f->st, p.session.id_hash, NULL, NULL,
	    &(int){ 0 }), STORE_OK);
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, other, &retry, err,
	    sizeof(err)), LOGIN_WRONG);
	assert_int_equal(auth_login(f->st, &lc, "alice", "new-password-1", 14, other, &retry, err,
	    sizeof(err)), LOGIN_OK);
	/* logout ends the session */
	assert_int_equal(auth_logout(f->st, &p, NULL), 0);
	{
		dm_principal q;
		char cookie[120];

		snprintf(cookie, sizeof(cookie), "%s=%s", PRINCIPAL_COOKIE, other);
		assert_int_equal(principal_from_request(f->st, &lc.session, cookie, NULL, NULL, &q,
		    err, sizeof(err)), 1);
		assert_int_equal(auth_logout(f->st, &q, NULL), 0);
		principal_free(&q);
		assert_int_equal(principal_from_request(f->st, &lc.session, cookie, NULL, NULL, &q,
		    err, sizeof(err)), 0);
	}
	principal_free(&p);
	memset(&x, 0, sizeof(x));
	assert_int_equal(store_auth_audit_list(f->st, -1, 0, audit_cb, &x), STORE_OK);
	assert_int_equal(x.change, 1);
	assert_int_equal(x.secret_seen, 0);
}

static void
test_cookies(void **state)
{
	char v[64], c[200];

	(void)state;
	assert_int_equal(principal_cookie_value("dms_session=abc", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(principal_cookie_value("a=b; dms_session=xyz; c=d", v, sizeof(v)), 0);
	assert_string_equal(v, "xyz");
	assert_int_equal(principal_cookie_value("xdms_session=abc", v, sizeof(v)), -1);
	assert_int_equal(principal_cookie_value("dms_session_x=abc", v, sizeof(v)), -1);
	assert_int_equal(principal_cookie_value("dms_session=", v, sizeof(v)), -1);
	assert_int_equal(principal_cookie_value(NULL, v, sizeof(v)), -1);
	assert_int_equal(principal_set_cookie("abc", 0, c, sizeof(c)), 0);
	assert_string_equal(c, "dms_session=abc; Path=/; HttpOnly; SameSite=Strict");
	assert_int_equal(principal_set_cookie("abc", 1, c, sizeof(c)), 0);
	assert_non_null(strstr(c, "; Secure"));
	assert_int_equal(principal_set_cookie(NULL, 0, c, sizeof(c)), 0);
	assert_non_null(strstr(c, "Max-Age=0"));
}

static void
test_tenant_rm(void **state)
{
	struct fx *f = *state;
	char tok[TOKEN_LEN], err[200];
	token_info ti;
	int64_t id, owner;
	int found, n = 0;

	assert_int_equal(token_create(f->st, f->ta, NULL, TOKEN_READ, tok, sizeof(tok), &id, err,
	    sizeof(err)), 0);
	assert_int_equal(store_auth_tenant_rm(f->st, f->ta, &found), STORE_OK);
	assert_int_equal(found, 1);
	assert_int_equal(token_check(f->st, tok, &ti), 0);
	assert_int_equal(store_auth_domain_owner(f->st, "a.example", &owner), STORE_OK);
	assert_int_equal(owner, 0);
	assert_int_equal(store_auth_domain_owner(f->st, "b.example", &owner), STORE_OK);
	assert_int_equal(owner, f->tb);
	assert_int_equal(store_auth_user_get(f->st, "alice", 0, NULL, NULL, &found), STORE_OK);
	assert_int_equal(found, 0);
	assert_int_equal(store_auth_user_get(f->st, "olga", 0, NULL, NULL, &found), STORE_OK);
	assert_int_equal(found, 1);
	(void)n;
	assert_int_equal(store_auth_tenant_rm(f->st, f->ta, &found), STORE_OK);
	assert_int_equal(found, 0);
	assert_int_equal(store_auth_tenant_add(f->st, "beta", fake_now, &id), STORE_ERR);
	assert_non_null(strstr(store_errmsg(f->st), "exists"));
}

static void
test_tenant_disabled(void **state)
{
	struct fx *f = *state;
	char tok[TOKEN_LEN], auth[80], err[200], cookie[120], id[SESSION_ID_LEN];
	dm_principal p;
	login_ctx lc;
	int64_t tid, retry;

	memset(&lc, 0, sizeof(lc));
	session_opts_default(&lc.session);
	lockout_opts_default(&lc.lockout);
	assert_int_equal(token_create(f->st, f->ta, NULL, TOKEN_WRITE, tok, sizeof(tok), &tid,
	    err, sizeof(err)), 0);
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_OK);
	snprintf(cookie, sizeof(cookie), "%s=%s", PRINCIPAL_COOKIE, id);
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	assert_int_equal(store_auth_tenant_set_disabled(f->st, f->ta, 1), STORE_OK);
	assert_int_equal(principal_from_request(f->st, &lc.session, cookie, NULL, NULL, &p, err,
	    sizeof(err)), 0);
	assert_int_equal(principal_from_request(f->st, &lc.session, NULL, auth, NULL, &p, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "tenant is disabled"));
	assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, id, &retry, err,
	    sizeof(err)), LOGIN_WRONG);
	/* the other tenant and the operators are not affected */
	login_principal(f, "olga", "olga-password", &p);
	principal_free(&p);
	assert_int_equal(store_auth_tenant_set_disabled(f->st, f->ta, 0), STORE_OK);
	assert_int_equal(principal_from_request(f->st, &lc.session, NULL, auth, NULL, &p, err,
	    sizeof(err)), 1);
	principal_free(&p);
	/* disabling ended alice's session for good */
	assert_int_equal(principal_from_request(f->st, &lc.session, cookie, NULL, NULL, &p, err,
	    sizeof(err)), 0);
}

struct uses {
	int n;
	char ip[64];
};

static int
use_cb(void *ctx, const store_audit *a)
{
	struct uses *u = ctx;

	if (strcmp(a->action, "token_use") == 0) {
		u->n++;
		snprintf(u->ip, sizeof(u->ip), "%s", a->ip ? a->ip : "");
	}
	return 0;
}

static void
test_maintenance(void **state)
{
	struct fx *f = *state;
	char tok[TOKEN_LEN], auth[80], err[200], id[SESSION_ID_LEN];
	dm_principal p;
	session_opts so;
	lockout_opts lo;
	login_ctx lc;
	struct uses u;
	int64_t tid, n, retry, until;
	int found;

	/* a token's use is audited once a minute, with the address */
	session_opts_default(&so);
	assert_int_equal(token_create(f->st, f->ta, NULL, TOKEN_READ, tok, sizeof(tok), &tid,
	    err, sizeof(err)), 0);
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(principal_from_request(f->st, &so, NULL, auth, "198.51.100.9", &p,
		    err, sizeof(err)), 1);
		principal_free(&p);
		fake_now += 10;
	}
	fake_now += 60;
	assert_int_equal(principal_from_request(f->st, &so, NULL, auth, "198.51.100.9", &p, err,
	    sizeof(err)), 1);
	principal_free(&p);
	memset(&u, 0, sizeof(u));
	assert_int_equal(store_auth_audit_list(f->st, f->ta, 0, use_cb, &u), STORE_OK);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.ip, "198.51.100.9");

	/* failures and locks older than a day are purged at the next failure */
	lockout_opts_default(&lo);
	for (int i = 0; i < 5; i++)
		assert_int_equal(lockout_fail(f->st, &lo, "sprayed", "192.0.2.77"), 0);
	assert_int_equal(store_auth_lock_get(f->st, "user", "sprayed", &until), STORE_OK);
	assert_true(until > fake_now);
	assert_int_equal(lockout_fail(f->st, &lo, "sprayed2", "192.0.2.77"), 0);
	assert_int_equal(store_auth_fail_count(f->st, "addr", "192.0.2.77", 0, &n), STORE_OK);
	assert_int_equal(n, 6);
	fake_now += 86400 + lo.lock + 1;
	assert_int_equal(lockout_fail(f->st, &lo, "someone", "203.0.113.1"), 0);
	assert_int_equal(store_auth_fail_count(f->st, "user", "sprayed2", 0, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_auth_fail_count(f->st, "addr", "192.0.2.77", 0, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_auth_lock_get(f->st, "user", "sprayed", &until), STORE_OK);
	assert_int_equal(until, 0);

	/* a login removes every expired session */
	memset(&lc, 0, sizeof(lc));
	lc.session = so;
	lc.lockout = lo;
	assert_int_equal(session_create(f->st, f->vera, NULL, id, err, sizeof(err)), 0);
	{
		char h[SHA256_HEXLEN];

		sha256_hex(id, strlen(id), h);
		fake_now += so.idle;
		assert_int_equal(auth_login(f->st, &lc, "alice", "alice-password", 14, id, &retry,
		    err, sizeof(err)), LOGIN_OK);
		assert_int_equal(store_auth_session_get(f->st, h, NULL, NULL, &found), STORE_OK);
		assert_int_equal(found, 0);
	}
}

static void
test_names(void **state)
{
	char out[AUTH_NAME_MAX], d[256], err[200];

	(void)state;
	assert_int_equal(auth_norm_name("Alice.Smith@Example", out, sizeof(out), "user", err,
	    sizeof(err)), 0);
	assert_string_equal(out, "alice.smith@example");
	assert_int_equal(auth_norm_name("-x", out, sizeof(out), "user", err, sizeof(err)), -1);
	assert_int_equal(auth_norm_name("a b", out, sizeof(out), "user", err, sizeof(err)), -1);
	assert_int_equal(auth_norm_name("", out, sizeof(out), "tenant", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tenant"));
	assert_int_equal(auth_norm_domain("Example.COM.", d, sizeof(d), err, sizeof(err)), 0);
	assert_string_equal(d, "example.com");
	assert_int_equal(auth_norm_domain("nodot", d, sizeof(d), err, sizeof(err)), -1);
	assert_int_equal(auth_norm_domain("a..b", d, sizeof(d), err, sizeof(err)), -1);
	assert_int_equal(role_parse("viewer"), ROLE_VIEWER);
	assert_int_equal(role_parse("root"), ROLE_NONE);
	assert_string_equal(role_name(ROLE_ADMIN), "admin");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_password_defaults),
		cmocka_unit_test_setup_teardown(test_session_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_addr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_principal_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_change, setup, teardown),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test_setup_teardown(test_tenant_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maintenance, setup, teardown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
