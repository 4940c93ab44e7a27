/*
 * api_admin.c - the portal's administration API (see api_admin.h): the
 * users of a tenant, its API tokens, the audit log and, for operators, the
 * tenants and the "tenant=ID" view.
 *
 * Who may: principal_can_manage_users() - an admin (own tenant only: its
 * users, never an operator; its tokens; its audit entries) or an operator
 * (every tenant, operators, every audit entry), by session or the
 * single-user local principal; never a viewer or an API token (403).
 * Every write is POST or DELETE (http.c: application/json, same origin),
 * needs the session's X-CSRF-Token (403 csrf), and leaves an audit entry in
 * the same transaction as the change.  One cannot disable or remove oneself
 * (409).  A new password passes password_check_policy; a reset or a disable
 * ends the user's sessions.  A new token is in the answer once and never
 * again (only its hash and prefix are kept).
 *
 * Exports: the handlers of api_admin.h, admin_view_tenant.
 * Errors: JSON {"error","message"} through api_error; store errors are
 * logged (never a password or token) and answered 500.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_admin.h"
#include "../auth/audit.h"
#include "../auth/password.h"
#include "../auth/session.h"
#include "../auth/token.h"
#include "../store/store_auth.h"
#include "../util/log.h"

#define AUDIT_LIMIT_MAX 1000
#define TOKEN_NAME_MAX 200

/* ---- who asks ------------------------------------------------------------ */

static void
client_ip(wreq *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s", r->client_ip != NULL ? r->client_ip : "-");
}

static void
db_error(wreq *r, wresp *out, const char *what)
{
	log_warnx("%s: %s", what, store_errmsg(r->st));
	api_error(out, 500, "database", "database error");
}

/* The request's principal (http.c resolved it; api_handle already checked
 * the route's access level - ACC_MANAGE, ACC_OPERATOR - and, for a change by
 * session, its CSRF token: api_require_manage checks it for any non-GET).
 * Checked again here, so a handler never runs for the wrong principal: 1,
 * or 0 after answering. */
static int
manager(wreq *r, wresp *out, dm_principal *p)
{
	memset(p, 0, sizeof(*p));
	if (!store_has(r->st, auth)) {
		api_error(out, 501, "no_users", "this database backend has no users");
		return 0;
	}
	if (api_require_manage(r, out) != 0)
		return 0;
	*p = *r->principal;
	p->domains = NULL;	/* not needed here; p is a shallow copy: nothing to free */
	p->ndomains = 0;
	return 1;
}

static int
tenant_exists(wreq *r, int64_t id, int *found)
{
	return store_auth_tenant_get(r->st, NULL, id, NULL, NULL, found);
}

int
admin_view_tenant(wreq *r, wresp *out, const dm_principal *p, int64_t *tid)
{
	const char *v = api_arg(r, "tenant");
	int found = 0;

	*tid = 0;
	if (v == NULL)
		return 0;
	if (!principal_is_operator(p)) {
		api_error(out, 403, "forbidden", "only operators choose a tenant");
		return -1;
	}
	if (api_parse_int(v, 1, INT64_MAX, tid) != 0) {
		api_error(out, 400, "bad_param", "tenant must be a tenant id");
		return -1;
	}
	if (!store_has(r->st, auth) || tenant_exists(r, *tid, &found) != STORE_OK) {
		db_error(r, out, "tenant");
		return -1;
	}
	if (!found) {
		api_error(out, 404, "not_found", "no such tenant");
		return -1;
	}
	return 1;
}

/* The tenant a manager's request is about: an admin's own; an operator's
 * tenant=ID (0: every tenant).  0, or -1 after answering. */
static int
scope_tenant(wreq *r, wresp *out, const dm_principal *p, int64_t *tid)
{
	if (!principal_is_operator(p)) {
		if (api_arg(r, "tenant") != NULL) {
			api_error(out, 403, "forbidden", "only operators choose a tenant");
			return -1;
		}
		*tid = p->tenant_id;
		return 0;
	}
	return admin_view_tenant(r, out, p, tid) < 0 ? -1 : 0;
}

/* ---- bodies --------------------------------------------------------------- */

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

/* A string member without NUL, or NULL. */
static const char *
str_member(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* ---- users ---------------------------------------------------------------- */

struct urow {
	int64_t id, tenant_id;
	char name[AUTH_NAME_MAX];
	char role[16];
	int disabled;
};

static int
urow_cb(void *ctx, const store_user *u)
{
	struct urow *w = ctx;

	w->id = u->id;
	w->tenant_id = u->tenant_id;
	w->disabled = u->disabled;
	snprintf(w->name, sizeof(w->name), "%s", u->name);
	snprintf(w->role, sizeof(w->role), "%s", u->role);
	return 1;
}

static int
user_json_cb(void *ctx, const store_user *u)
{
	json_array_append_new((json_t *)ctx, json_pack("{s:I,s:s,s:s,s:o,s:s?,s:I,s:I,s:b}",
	    "id", (json_int_t)u->id, "name", u->name, "role", u->role, "tenant_id",
	    u->tenant_id ? json_integer(u->tenant_id) : json_null(), "tenant", u->tenant_name,
	    "created_at", (json_int_t)u->created_at, "pw_changed_at",
	    (json_int_t)u->pw_changed_at, "disabled", u->disabled));
	return 0;
}

void
admin_users(wreq *r, wresp *out)
{
	dm_principal p;
	int64_t tid;
	json_t *a;

	if (!manager(r, out, &p))
		return;
	if (scope_tenant(r, out, &p, &tid) == 0) {
		a = json_array();
		if (store_auth_user_list(r->st, principal_is_operator(&p) && tid == 0 ? -1 :
		    tid, user_json_cb, a) != STORE_OK) {
			json_decref(a);
			db_error(r, out, "users");
		} else
			api_json(out, 200, json_pack("{s:o}", "users", a));
	}
	principal_free(&p);
}

/* Hashes a new password from the body's "password" member into h; 0, or
 * -1 after answering 400. */
static int
new_password(wresp *out, json_t *b, char *h, size_t hlen)
{
	json_t *v = json_object_get(b, "password");
	char err[200];

	if (!json_is_string(v)) {
		api_error(out, 400, "bad_body", "password is a required string");
		return -1;
	}
	if (password_check_policy(json_string_value(v), json_string_length(v), err,
	    sizeof(err)) != 0) {
		api_error(out, 400, "password_policy", err);
		return -1;
	}
	if (password_hash(json_string_value(v), json_string_length(v), h, hlen, err,
	    sizeof(err)) != 0) {
		log_warnx("admin: %s", err);
		api_error(out, 500, "internal", "the password could not be hashed");
		return -1;
	}
	return 0;
}

void
admin_user_add(wreq *r, wresp *out)
{
	char n[AUTH_NAME_MAX], err[200], h[PASSWORD_HASH_MAX], ip[64];
	const char *name, *rs;
	dm_principal p;
	store_user u;
	dm_role role;
	json_t *b, *tv;
	int64_t tid = 0, id;
	int found = 0;

	memset(h, 0, sizeof(h));
	if (!manager(r, out, &p))
		return;
	if ((b = body_object(r, out)) == NULL)
		goto done;
	name = str_member(b, "name");
	rs = str_member(b, "role");
	tv = json_object_get(b, "tenant_id");
	if (name == NULL || rs == NULL || auth_norm_name(name, n, sizeof(n), "user", err,
	    sizeof(err)) != 0) {
		api_error(out, 400, "bad_body", name == NULL || rs == NULL ? "name and role are "
		    "required strings" : err);
		goto done;
	}
	if ((role = role_parse(rs)) == ROLE_NONE) {
		api_error(out, 400, "bad_body", "role is operator, admin or viewer");
		goto done;
	}
	if (!principal_is_operator(&p)) {
		/* an admin adds to its own tenant, never an operator */
		if (role == ROLE_OPERATOR || (tv != NULL && !json_is_null(tv) &&
		    json_integer_value(tv) != p.tenant_id)) {
			api_error(out, 403, "forbidden", "an admin adds admins and viewers of its own "
			    "tenant");
			goto done;
		}
		tid = p.tenant_id;
	} else if (role == ROLE_OPERATOR) {
		if (tv != NULL && !json_is_null(tv)) {
			api_error(out, 400, "bad_body", "an operator belongs to no tenant");
			goto done;
		}
	} else {
		if (!json_is_integer(tv) || (tid = json_integer_value(tv)) <= 0) {
			api_error(out, 400, "bad_body", "an admin or viewer needs tenant_id");
			goto done;
		}
		if (tenant_exists(r, tid, &found) != STORE_OK) {
			db_error(r, out, "user add");
			goto done;
		}
		if (!found) {
			api_error(out, 404, "not_found", "no such tenant");
			goto done;
		}
	}
	if (new_password(out, b, h, sizeof(h)) != 0)
		goto done;
	memset(&u, 0, sizeof(u));
	u.name = n;
	u.tenant_id = tid;
	u.role = role_name(role);
	u.pw_hash = h;
	u.created_at = auth_now();
	client_ip(r, ip, sizeof(ip));
	if (store_begin(r->st) != STORE_OK) {
		db_error(r, out, "user add");
		goto done;
	}
	if (store_auth_user_add(r->st, &u, &id) != STORE_OK) {
		int exists = strstr(store_errmsg(r->st), "exists") != NULL;

		if (!exists)
			log_warnx("user add: %s", store_errmsg(r->st));
		store_rollback(r->st);
		if (exists)
			api_error(out, 409, "exists", "a user of that name exists");
		else
			api_error(out, 500, "database", "database error");
		goto done;
	}
	if (audit(r->st, p.name, tid, "user_add", n, ip, "role %s", u.role) != 0 ||
	    store_commit(r->st) != STORE_OK) {
		store_rollback(r->st);
		db_error(r, out, "user add");
		goto done;
	}
	api_json(out, 201, json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)id, "name", n, "role",
	    u.role, "tenant_id", tid ? json_integer(tid) : json_null()));
done:
	OPENSSL_cleanse(h, sizeof(h));
	json_decref(b);
	principal_free(&p);
}

/* The user id as p may change it: 1 (w filled), or 0 after answering
 * 404 (unknown, or of another tenant: the same answer) / 403. */
static int
target_user(wreq *r, wresp *out, const dm_principal *p, int64_t id, int not_self,
    struct urow *w)
{
	int found = 0;

	memset(w, 0, sizeof(*w));
	if (store_auth_user_get(r->st, NULL, id, urow_cb, w, &found) != STORE_OK) {
		db_error(r, out, "user");
		return 0;
	}
	if (!found || (!principal_is_operator(p) && w->tenant_id != p->tenant_id)) {
		api_error(out, 404, "not_found", "no such user");
		return 0;
	}
	if (!principal_is_operator(p) && strcmp(w->role, "operator") == 0) {
		api_error(out, 403, "forbidden", "only an operator changes an operator");
		return 0;
	}
	if (not_self && p->user_id == w->id) {
		api_error(out, 409, "self", "you cannot do this to your own user");
		return 0;
	}
	return 1;
}

/* disable (1), enable (0) or remove (-1) a user */
static void
user_change(wreq *r, wresp *out, int64_t id, int what)
{
	static const char *const action[] = { "user_rm", "user_enable", "user_disable" };
	char ip[64];
	dm_principal p;
	struct urow w;
	int rc, found = 0;

	if (!manager(r, out, &p))
		return;
	if (!target_user(r, out, &p, id, 1, &w))
		goto done;
	client_ip(r, ip, sizeof(ip));
	if (store_begin(r->st) != STORE_OK) {
		db_error(r, out, "user");
		goto done;
	}
	rc = what < 0 ? store_auth_user_rm(r->st, id, &found) :
	    store_auth_user_set_disabled(r->st, id, what);
	if (rc != STORE_OK || audit(r->st, p.name, w.tenant_id, action[what + 1], w.name, ip,
	    "role %s", w.role) != 0 || store_commit(r->st) != STORE_OK) {
		store_rollback(r->st);
		db_error(r, out, "user");
		goto done;
	}
	api_json(out, 200, json_pack("{s:b,s:I}", "ok", 1, "id", (json_int_t)id));
done:
	principal_free(&p);
}

void
admin_user_disable(wreq *r, wresp *out, int64_t id)
{
	user_change(r, out, id, 1);
}

void
admin_user_enable(wreq *r, wresp *out, int64_t id)
{
	user_change(r, out, id, 0);
}

void
admin_user_rm(wreq *r, wresp *out, int64_t id)
{
	user_change(r, out, id, -1);
}

void
admin_user_password(wreq *r, wresp *out, int64_t id)
{
	char h[PASSWORD_HASH_MAX], ip[64];
	dm_principal p;
	struct urow w;
	json_t *b = NULL;

	memset(h, 0, sizeof(h));
	if (!manager(r, out, &p))
		return;
	/* one's own password: POST /password, which asks for the current one */
	if (!target_user(r, out, &p, id, 1, &w) || (b = body_object(r, out)) == NULL ||
	    new_password(out, b, h, sizeof(h)) != 0)
		goto done;
	client_ip(r, ip, sizeof(ip));
	if (store_begin(r->st) != STORE_OK ||
	    store_auth_user_set_password(r->st, id, h, auth_now()) != STORE_OK ||
	    session_destroy_user(r->st, id, NULL) != 0 ||
	    audit(r->st, p.name, w.tenant_id, "user_passwd", w.name, ip, "sessions ended") != 0 ||
	    store_commit(r->st) != STORE_OK) {
		store_rollback(r->st);
		db_error(r, out, "user password");
		goto done;
	}
	api_json(out, 200, json_pack("{s:b,s:I}", "ok", 1, "id", (json_int_t)id));
done:
	OPENSSL_cleanse(h, sizeof(h));
	json_decref(b);
	principal_free(&p);
}

/* ---- tokens --------------------------------------------------------------- */

static int
token_json_cb(void *ctx, const store_token *t)
{
	json_array_append_new((json_t *)ctx, json_pack("{s:I,s:I,s:s?,s:s,s:s,s:s?,s:I,s:I,s:I}",
	    "id", (json_int_t)t->id, "tenant_id", (json_int_t)t->tenant_id, "tenant",
	    t->tenant_name, "prefix", t->prefix, "scope", t->scope, "name", t->name, "created_at",
	    (json_int_t)t->created_at, "last_used", (json_int_t)t->last_used, "revoked_at",
	    (json_int_t)t->revoked_at));
	return 0;
}

void
admin_tokens(wreq *r, wresp *out)
{
	dm_principal p;
	int64_t tid;
	json_t *a;

	if (!manager(r, out, &p))
		return;
	if (scope_tenant(r, out, &p, &tid) == 0) {
		a = json_array();
		if (store_auth_token_list(r->st, tid, token_json_cb, a) != STORE_OK) {
			json_decref(a);
			db_error(r, out, "tokens");
		} else
			api_json(out, 200, json_pack("{s:o}", "tokens", a));
	}
	principal_free(&p);
}

void
admin_token_add(wreq *r, wresp *out)
{
	char tok[TOKEN_LEN], err[300], prefix[TOKEN_SHOWN + 1], ip[64];
	const char *name, *sc;
	dm_principal p;
	json_t *b, *tv;
	int64_t tid, id;
	int scope = TOKEN_READ, found = 0;

	memset(tok, 0, sizeof(tok));
	if (!manager(r, out, &p))
		return;
	if ((b = body_object(r, out)) == NULL)
		goto done;
	name = str_member(b, "name");
	sc = str_member(b, "scope");
	tv = json_object_get(b, "tenant_id");
	if ((name != NULL && strlen(name) > TOKEN_NAME_MAX) ||
	    (json_object_get(b, "name") != NULL && name == NULL)) {
		api_error(out, 400, "bad_body", "name is a string of at most 200 bytes");
		goto done;
	}
	if (sc != NULL && (scope = token_scope_parse(sc)) < 0) {
		api_error(out, 400, "bad_body", "scope is read or write");
		goto done;
	}
	if (principal_is_operator(&p)) {
		if (!json_is_integer(tv) || (tid = json_integer_value(tv)) <= 0) {
			api_error(out, 400, "bad_body", "tenant_id is required: a token belongs to a "
			    "tenant");
			goto done;
		}
		if (tenant_exists(r, tid, &found) != STORE_OK) {
			db_error(r, out, "token add");
			goto done;
		}
		if (!found) {
			api_error(out, 404, "not_found", "no such tenant");
			goto done;
		}
	} else {
		tid = p.tenant_id;
		if (tv != NULL && !json_is_null(tv) && json_integer_value(tv) != tid) {
			api_error(out, 403, "forbidden", "an admin makes tokens of its own tenant");
			goto done;
		}
	}
	client_ip(r, ip, sizeof(ip));
	if (store_begin(r->st) != STORE_OK) {
		db_error(r, out, "token add");
		goto done;
	}
	if (token_create(r->st, tid, name != NULL && name[0] ? name : NULL, scope, tok,
	    sizeof(tok), &id, err, sizeof(err)) != 0) {
		store_rollback(r->st);
		log_warnx("token add: %s", err);
		api_error(out, 500, "database", "the token could not be made");
		goto done;
	}
	memcpy(prefix, tok, TOKEN_SHOWN);
	prefix[TOKEN_SHOWN] = '\0';
	if (audit(r->st, p.name, tid, "token_add", prefix, ip, "id %lld, scope %s",
	    (long long)id, scope == TOKEN_WRITE ? "write" : "read") != 0 ||
	    store_commit(r->st) != STORE_OK) {
		store_rollback(r->st);
		db_error(r, out, "token add");
		goto done;
	}
	api_json(out, 201, json_pack("{s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "tenant_id",
	    (json_int_t)tid, "prefix", prefix, "scope", scope == TOKEN_WRITE ? "write" : "read",
	    "token", tok));
done:
	OPENSSL_cleanse(tok, sizeof(tok));
	json_decref(b);
	principal_free(&p);
}

struct tinfo {
	int64_t tenant_id;
	char prefix[TOKEN_SHOWN + 1];
	int revoked;
};

static int
tinfo_cb(void *ctx, const store_token *t)
{
	struct tinfo *i = ctx;

	i->tenant_id = t->tenant_id;
	snprintf(i->prefix, sizeof(i->prefix), "%s", t->prefix);
	i->revoked = t->revoked_at != 0;
	return 1;
}

void
admin_token_rm(wreq *r, wresp *out, int64_t id)
{
	struct tinfo ti;
	char ip[64];
	dm_principal p;
	int found = 0;

	if (!manager(r, out, &p))
		return;
	memset(&ti, 0, sizeof(ti));
	if (store_auth_token_get(r->st, NULL, id, tinfo_cb, &ti, &found) != STORE_OK) {
		db_error(r, out, "token");
		goto done;
	}
	if (!found || ti.revoked || (!principal_is_operator(&p) && ti.tenant_id != p.tenant_id)) {
		api_error(out, 404, "not_found", "no valid token with that id");
		goto done;
	}
	client_ip(r, ip, sizeof(ip));
	if (store_begin(r->st) != STORE_OK || token_revoke(r->st, id, &found) != 0 ||
	    audit(r->st, p.name, ti.tenant_id, "token_revoke", ti.prefix, ip, "id %lld",
	    (long long)id) != 0 || store_commit(r->st) != STORE_OK) {
		store_rollback(r->st);
		db_error(r, out, "token");
		goto done;
	}
	api_json(out, 200, json_pack("{s:b,s:I}", "ok", 1, "id", (json_int_t)id));
done:
	principal_free(&p);
}

/* ---- audit log, tenants ------------------------------------------------------ */

static int
audit_json_cb(void *ctx, const store_audit *a)
{
	json_array_append_new((json_t *)ctx, json_pack("{s:I,s:I,s:s,s:o,s:s,s:s?,s:s?,s:s?}",
	    "id", (json_int_t)a->id, "at", (json_int_t)a->at, "actor", a->actor, "tenant_id",
	    a->tenant_id ? json_integer(a->tenant_id) : json_null(), "action", a->action,
	    "target", a->target, "ip", a->ip, "detail", a->detail));
	return 0;
}

void
admin_audit(wreq *r, wresp *out)
{
	const char *lv = api_arg(r, "limit");
	dm_principal p;
	int64_t tid, limit = 200;
	json_t *a;

	if (!manager(r, out, &p))
		return;
	if (lv != NULL && api_parse_int(lv, 1, AUDIT_LIMIT_MAX, &limit) != 0)
		api_error(out, 400, "bad_param", "limit is 1-1000");
	else if (scope_tenant(r, out, &p, &tid) == 0) {
		a = json_array();
		if (store_auth_audit_list(r->st, principal_is_operator(&p) && tid == 0 ? -1 :
		    tid, (int)limit, audit_json_cb, a) != STORE_OK) {
			json_decref(a);
			db_error(r, out, "audit");
		} else
			api_json(out, 200, json_pack("{s:o}", "entries", a));
	}
	principal_free(&p);
}

static int
tenant_json_cb(void *ctx, const store_tenant *t)
{
	json_array_append_new((json_t *)ctx, json_pack("{s:I,s:s,s:b,s:I,s:I,s:I,s:I}", "id",
	    (json_int_t)t->id, "name", t->name, "disabled", t->disabled, "domains",
	    (json_int_t)t->domains, "users", (json_int_t)t->users, "tokens", (json_int_t)t->tokens,
	    "created_at", (json_int_t)t->created_at));
	return 0;
}

void
admin_tenants(wreq *r, wresp *out)
{
	json_t *a;

	if (!store_has(r->st, auth)) {
		api_error(out, 501, "no_users", "this database backend has no users");
		return;
	}
	if (api_require_operator(r, out) != 0)
		return;
	a = json_array();
	if (store_auth_tenant_list(r->st, tenant_json_cb, a) != STORE_OK) {
		json_decref(a);
		db_error(r, out, "tenants");
	} else
		api_json(out, 200, json_pack("{s:o}", "tenants", a));
}

/* ---- an operator's tenant view -------------------------------------------- */

static int
add_domain_cb(void *ctx, const char *domain, int64_t tenant_id, const char *tenant)
{
	dm_principal *v = ctx;
	char **d;

	(void)tenant_id;
	(void)tenant;
	if ((d = realloc(v->domains, (v->ndomains + 1) * sizeof(*d))) == NULL)
		return 1;
	v->domains = d;
	if ((d[v->ndomains] = strdup(domain)) == NULL)
		return 1;
	for (char *c = d[v->ndomains]; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	v->ndomains++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
admin_view(wreq *r, wresp *out, dm_principal *view)
{
	int64_t tid;
	int rc;

	memset(view, 0, sizeof(*view));
	if (r->principal == NULL || api_arg(r, "tenant") == NULL)
		return 0;
	if ((rc = admin_view_tenant(r, out, r->principal, &tid)) <= 0)
		return rc;
	*view = *r->principal;
	view->domains = NULL;
	view->ndomains = 0;
	view->tenant_id = tid;
	view->role = ROLE_ADMIN;
	if (store_auth_domain_list(r->st, tid, add_domain_cb, view) != STORE_OK) {
		principal_free(view);
		db_error(r, out, "tenant view");
		return -1;
	}
	qsort(view->domains, view->ndomains, sizeof(char *), cmp_str);
	return 1;
}
