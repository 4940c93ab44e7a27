/*
 * auth_web.c - login, logout, password change and "who am I" for the portal
 * (see auth_web.h), on top of src/auth/login.h.
 *
 * The session cookie (PRINCIPAL_COOKIE) is HttpOnly, SameSite=Strict,
 * Path=/, and Secure when the connection is TLS.  The CSRF token travels in
 * the JSON answers of login and session and comes back in an X-CSRF-Token
 * header; logout and password refuse a request without the session's token
 * (403 csrf).  These POSTs also pass http.c's checks for every change
 * (application/json, same origin).  Wrong user or password: 401
 * login_failed, the same answer for an unknown user; lockout and rate limit:
 * 429 locked with Retry-After.  Bodies are parsed by jansson; a user name
 * over 64 bytes or a password over 1024 bytes is refused before hashing.
 *
 * Exports: auth_web_login, auth_web_logout, auth_web_password,
 * auth_web_session, auth_web_announce.  Errors: JSON {"error","message"}; store errors are
 * logged (never a password or session id) and answered 500.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth_web.h"
#include "../auth/login.h"
#include "../auth/password.h"
#include "../auth/principal.h"
#include "../store/store_auth.h"
#include "../util/log.h"

/* The answer as a ready response, so Set-Cookie and Retry-After can go
 * with it (http.c adds the security headers). */
static void
reply(wresp *out, int status, json_t *j, const char *cookie, int64_t retry)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct MHD_Response *r;

	json_decref(j);
	if (s == NULL) {
		api_error(out, 500, "internal", "out of memory");
		return;
	}
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(s);
		api_error(out, 500, "internal", "out of memory");
		return;
	}
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (cookie != NULL)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	if (retry > 0) {
		char v[32];

		snprintf(v, sizeof(v), "%lld", (long long)retry);
		MHD_add_response_header(r, "Retry-After", v);
	}
	out->ready = r;
	out->status = status;
	out->cacheable = 0;
}

static void
fail(wresp *out, int status, const char *code, const char *msg, const char *cookie,
    int64_t retry)
{
	reply(out, status, json_pack("{s:s,s:s}", "error", code, "message", msg), cookie, retry);
}

static int
no_auth_store(wreq *r, wresp *out)
{
	if (store_has(r->st, auth))
		return 0;
	api_error(out, 501, "no_users", "this database backend has no users");
	return 1;
}

/* The client's address (http.c: the peer, or X-Forwarded-For from a
 * trusted proxy) and whether the request came over TLS (or X-Forwarded-Proto:
 * https from a trusted proxy): the cookie's Secure. */
static void
client_ip(wreq *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s", r->client_ip != NULL ? r->client_ip : "-");
}

static int
is_tls(wreq *r)
{
	return r->secure;
}

static void
login_ctx_init(login_ctx *lc, const char *ip)
{
	memset(lc, 0, sizeof(*lc));
	session_opts_default(&lc->session);
	lockout_opts_default(&lc->lockout);
	lc->ip = ip;
}

/* The body as a JSON object, or NULL after answering 400. */
static json_t *
body_object(wreq *r, wresp *out)
{
	json_error_t e;
	json_t *j = r->body != NULL ? json_loadb(r->body, r->bodylen, JSON_REJECT_DUPLICATES, &e) :
	    NULL;

	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		api_error(out, 400, "bad_body", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* A string member with its length (may hold NUL), or NULL. */
static const char *
member(json_t *o, const char *k, size_t *n)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v))
		return NULL;
	*n = json_string_length(v);
	return json_string_value(v);
}

/* The principal's description and CSRF token as JSON. */
static json_t *
whoami(const dm_principal *p, int users)
{
	char csrf[CSRF_TOKEN_LEN];
	json_t *j = json_pack("{s:b,s:s,s:b}", "authenticated", p->method != AUTH_NONE,
	    "method", p->method == AUTH_SESSION ? "session" : p->method == AUTH_TOKEN ? "token" :
	    p->method == AUTH_LOCAL ? "local" : "none", "users", users);

	if (p->method == AUTH_NONE)
		return j;
	json_object_set_new(j, "user", json_string(p->name));
	json_object_set_new(j, "role", json_string(role_name(p->role)));
	json_object_set_new(j, "tenant_id", p->tenant_id ? json_integer(p->tenant_id) :
	    json_null());
	json_object_set_new(j, "can_write", json_boolean(principal_can_write(p)));
	if (p->method == AUTH_SESSION && csrf_token(&p->session, csrf, sizeof(csrf)) == 0)
		json_object_set_new(j, "csrf", json_string(csrf));
	return j;
}

void
auth_web_login(wreq *r, wresp *out)
{
	char ip[64], id[SESSION_ID_LEN], err[300], cookie[200];
	const char *user, *pw;
	size_t ulen = 0, plen = 0;
	json_t *b;
	login_ctx lc;
	dm_principal p;
	int64_t retry = 0;
	int rc;

	if (no_auth_store(r, out) || (b = body_object(r, out)) == NULL)
		return;
	user = member(b, "user", &ulen);
	pw = member(b, "password", &plen);
	if (user == NULL || pw == NULL) {
		json_decref(b);
		api_error(out, 400, "bad_body", "user and password are required strings");
		return;
	}
	if (ulen > 64 || plen > PASSWORD_MAX) {
		json_decref(b);
		api_error(out, 400, "bad_body", "user name or password too long");
		return;
	}
	client_ip(r, ip, sizeof(ip));
	login_ctx_init(&lc, ip);
	rc = auth_login(r->st, &lc, strlen(user) == ulen ? user : "?", pw, plen, id, &retry, err,
	    sizeof(err));
	json_decref(b);
	if (rc < 0) {
		log_warnx("login: %s", err);
		api_error(out, 500, "database", "login failed on the server");
		return;
	}
	if (rc == LOGIN_LOCKED) {
		fail(out, 429, "locked", "too many failed logins: try again later", NULL, retry);
		return;
	}
	if (rc != LOGIN_OK) {
		fail(out, 401, "login_failed", "wrong user name or password", NULL, 0);
		return;
	}
	snprintf(cookie, sizeof(cookie), "%s=%s", PRINCIPAL_COOKIE, id);
	if (principal_from_request(r->st, &lc.session, cookie, NULL, ip, &p, err,
	    sizeof(err)) != 1) {
		OPENSSL_cleanse(id, sizeof(id));
		api_error(out, 500, "database", "the new session could not be read back");
		return;
	}
	principal_set_cookie(id, is_tls(r), cookie, sizeof(cookie));
	OPENSSL_cleanse(id, sizeof(id));
	reply(out, 200, whoami(&p, 1), cookie, 0);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	principal_free(&p);
}

/* The request's session principal: 1, 0 none (err says why), -1 after
 * answering 500. */
static int
session_principal(wreq *r, wresp *out, const session_opts *so, const char *ip,
    dm_principal *p, char *err, size_t errlen)
{
	int rc = principal_from_request(r->st, so, MHD_lookup_connection_value(r->c,
	    MHD_HEADER_KIND, "Cookie"), NULL, ip, p, err, errlen);

	if (rc < 0) {
		log_warnx("session: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return -1;
	}
	if (rc == 1 && p->method != AUTH_SESSION) {
		principal_free(p);
		snprintf(err, errlen, "not logged in");
		return 0;
	}
	return rc;
}

/* 1 when the request carries the session's CSRF token; else 0 after
 * answering 403 (and freeing p). */
static int
csrf_ok(wreq *r, wresp *out, dm_principal *p)
{
	if (csrf_check(&p->session, MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
	    "X-CSRF-Token")))
		return 1;
	principal_free(p);
	api_error(out, 403, "csrf", "missing or wrong X-CSRF-Token");
	return 0;
}

void
auth_web_logout(wreq *r, wresp *out)
{
	char ip[64], del[160], err[200];
	login_ctx lc;
	dm_principal p;
	int rc;

	if (no_auth_store(r, out))
		return;
	principal_set_cookie(NULL, is_tls(r), del, sizeof(del));
	client_ip(r, ip, sizeof(ip));
	login_ctx_init(&lc, ip);
	if ((rc = session_principal(r, out, &lc.session, ip, &p, err, sizeof(err))) < 0)
		return;
	if (rc == 0) {
		/* no session (expired, never logged in): nothing to end, the cookie goes */
		reply(out, 200, json_pack("{s:b}", "ok", 1), del, 0);
		return;
	}
	if (!csrf_ok(r, out, &p))
		return;
	if (auth_logout(r->st, &p, ip) != 0) {
		log_warnx("logout: %s", store_errmsg(r->st));
		principal_free(&p);
		api_error(out, 500, "database", "database error");
		return;
	}
	principal_free(&p);
	reply(out, 200, json_pack("{s:b}", "ok", 1), del, 0);
}

void
auth_web_password(wreq *r, wresp *out)
{
	char ip[64], err[300];
	const char *old, *nw;
	size_t on = 0, nn = 0;
	login_ctx lc;
	dm_principal p;
	json_t *b;
	int rc;

	if (no_auth_store(r, out))
		return;
	client_ip(r, ip, sizeof(ip));
	login_ctx_init(&lc, ip);
	if ((rc = session_principal(r, out, &lc.session, ip, &p, err, sizeof(err))) <= 0) {
		if (rc == 0)
			api_error(out, 401, "no_session", err);
		return;
	}
	if (!csrf_ok(r, out, &p))
		return;
	if ((b = body_object(r, out)) == NULL) {
		principal_free(&p);
		return;
	}
	old = member(b, "old", &on);
	nw = member(b, "new", &nn);
	if (old == NULL || nw == NULL || on > PASSWORD_MAX || nn > PASSWORD_MAX) {
		json_decref(b);
		principal_free(&p);
		api_error(out, 400, "bad_body", "old and new are required strings (at most 1024 "
		    "bytes)");
		return;
	}
	rc = auth_password_change(r->st, &lc, &p, old, on, nw, nn, err, sizeof(err));
	json_decref(b);
	principal_free(&p);
	switch (rc) {
	case LOGIN_OK:
		reply(out, 200, json_pack("{s:b}", "ok", 1), NULL, 0);
		break;
	case LOGIN_WRONG:
		fail(out, 401, "login_failed", "the current password is wrong", NULL, 0);
		break;
	case LOGIN_LOCKED:
		fail(out, 429, "locked", "too many failed attempts: try again later", NULL, 900);
		break;
	case LOGIN_POLICY:
		fail(out, 400, "password_policy", err, NULL, 0);
		break;
	default:
		log_warnx("password change: %s", err);
		api_error(out, 500, "database", "database error");
	}
}

void
auth_web_session(wreq *r, wresp *out)
{
	char ip[64], err[200];
	session_opts so;
	dm_principal p;
	int64_t users = 0;
	int rc;

	if (no_auth_store(r, out))
		return;
	if (store_auth_user_count(r->st, &users) != STORE_OK) {
		log_warnx("session: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return;
	}
	client_ip(r, ip, sizeof(ip));
	session_opts_default(&so);
	rc = principal_from_request(r->st, &so, MHD_lookup_connection_value(r->c,
	    MHD_HEADER_KIND, "Cookie"), MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
	    "Authorization"), ip, &p, err, sizeof(err));
	if (rc < 0) {
		log_warnx("session: %s", store_errmsg(r->st));
		api_error(out, 500, "database", "database error");
		return;
	}
	/* no users defined: the single-user mode of today's server */
	if (rc == 0 && users == 0)
		principal_local(&p);
	reply(out, 200, whoami(&p, users > 0), NULL, 0);
	principal_free(&p);
}

void
auth_web_announce(void)
{
	char err[256];
	store *st = pool_get(err, sizeof(err));
	int64_t n = 0;

	if (st == NULL || !store_has(st, auth) || store_auth_user_count(st, &n) != STORE_OK) {
		pool_put(st);
		return;
	}
	pool_put(st);
	if (n == 0)
		log_info("serve: no users defined: single-user mode, every request is the local "
		    "operator (docs/PROVIDER.md)");
	else {
		log_info("serve: %lld users defined: every request needs a login (POST "
		    "/api/v1/login) or an API token", (long long)n);
		/* make the dummy hash now, so the first login of an unknown name does
		 * not take twice as long as the others */
		password_dummy_verify("-", 1);
	}
}
