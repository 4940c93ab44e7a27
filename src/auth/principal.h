/*
 * principal.h - who a request is and what it may see: the request principal
 * (DESIGN.md "Seams": every store query the web layer makes will take one).
 *
 * A principal is a user of one tenant (admin or viewer), a provider operator
 * (every tenant, and the domains no tenant owns: "unassigned"), a tenant's
 * API token (read or write scope), or "local": the single-user mode of a
 * server on loopback with no users defined, which is an operator.
 *
 * principal_from_request() resolves one from the request's headers:
 * "Authorization: Bearer dms_..." (an API token) when present, else the
 * session cookie (PRINCIPAL_COOKIE); a disabled user or tenant is refused.
 * A tenant principal carries its domains (sorted), loaded once per request.
 * A token's use is written to the audit log (token_use) once a minute, with
 * remote_addr.
 *
 * Exports:
 *   principal_from_request(st, so, cookie_header, authorization, remote_addr,
 *       out, err, errlen)     1 authenticated, 0 not (err says why: no
 *                             credentials, expired session, revoked token,
 *                             disabled user...), -1 store error
 *   principal_local(out)      the single-user principal
 *   principal_free(p)         frees the domain set (p itself is the caller's)
 *   principal_can_read_domain(p, domain)  operators: every domain, assigned
 *                             or not; others: their tenant's domains only
 *   principal_can_write(p)    changes to senders, settings: admin, operator,
 *                             local, write tokens; never a viewer or read token
 *   principal_can_manage_users(p)  admins (own tenant) and operators, by
 *                             session or local; never by token
 *   principal_is_operator(p)
 *   principal_cookie_value(header, out, len)  the session cookie's value from a
 *                             Cookie header; 0 found, -1 not
 *   principal_set_cookie(id, secure, out, len)  a Set-Cookie value: HttpOnly,
 *                             SameSite=Strict, Path=/, Secure when secure; id NULL:
 *                             the cookie that deletes it
 * Ownership: the domain strings belong to the principal until principal_free.
 */
#ifndef DS_PRINCIPAL_H
#define DS_PRINCIPAL_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "session.h"
#include "../store/store.h"

#define PRINCIPAL_COOKIE "dms_session"

typedef enum auth_method {
	AUTH_NONE = 0, AUTH_LOCAL, AUTH_SESSION, AUTH_TOKEN
} auth_method;

typedef struct dm_principal {
	auth_method method;
	int64_t user_id;		/* 0: token or local */
	int64_t tenant_id;		/* 0: operator (every tenant) */
	dm_role role;
	int token_write;		/* AUTH_TOKEN: the write scope */
	char name[AUTH_NAME_MAX + 16];	/* user name, "token:dms_xxxxxxxx", "local" */
	char **domains;			/* tenant principals: sorted, lower case */
	size_t ndomains;
	auth_session session;		/* AUTH_SESSION: for the CSRF check */
} dm_principal;

int principal_from_request(store *st, const session_opts *so, const char *cookie_header,
    const char *authorization, const char *remote_addr, dm_principal *out, char *err,
    size_t errlen);
void principal_local(dm_principal *out);
void principal_free(dm_principal *p);
int principal_can_read_domain(const dm_principal *p, const char *domain);
int principal_can_write(const dm_principal *p);
int principal_can_manage_users(const dm_principal *p);
int principal_is_operator(const dm_principal *p);
int principal_cookie_value(const char *header, char *out, size_t len);
int principal_set_cookie(const char *id, int secure, char *out, size_t len);

#endif
