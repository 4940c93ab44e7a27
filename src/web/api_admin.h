/*
 * api_admin.h - the portal's administration routes (api_admin.c), registered
 * in api.c's route table (docs/API.md, "Administration"):
 *   GET    /users            users: an admin's own tenant; an operator's every
 *                            user, or one tenant's with tenant=ID
 *   POST   /users            {"name","role","password","tenant_id"} add one
 *   POST   /users/ID/disable, /users/ID/enable, /users/ID/password {"password"}
 *   DELETE /users/ID
 *   GET    /tokens           API tokens (never the token itself)
 *   POST   /tokens           {"name","scope","tenant_id"}: the token, shown once
 *   DELETE /tokens/ID        revoke
 *   GET    /audit            the audit log, newest first (limit, tenant=ID)
 *   GET    /tenants          operators: the tenants, for the switcher
 * Every route needs an admin or an operator (a session, or the single-user
 * local principal; api.c's access column ACC_MANAGE / ACC_OPERATOR); a write
 * also needs the session's X-CSRF-Token and leaves an audit entry.
 *
 * admin_view_tenant(r, out, p, &tid): an operator's "tenant=ID" view: 1 and
 * *tid when the request asks for one (refused, answered 400/403/404, with -1:
 * a non-operator asking, an unknown tenant), 0 when it does not.
 * admin_view(r, out, &view): for the data routes (api_handle): with
 * "tenant=ID" from an operator, view becomes that tenant's principal (its
 * domains; role admin, the operator's name) and 1 is returned; 0 no
 * tenant=; -1 answered.  principal_free(&view) after use.
 *
 * Exports: the handlers below, admin_view_tenant, admin_view.
 */
#ifndef DS_API_ADMIN_H
#define DS_API_ADMIN_H

#include "web_priv.h"
#include "../auth/principal.h"

void admin_users(wreq *r, wresp *out);
void admin_user_add(wreq *r, wresp *out);
void admin_user_disable(wreq *r, wresp *out, int64_t id);
void admin_user_enable(wreq *r, wresp *out, int64_t id);
void admin_user_password(wreq *r, wresp *out, int64_t id);
void admin_user_rm(wreq *r, wresp *out, int64_t id);
void admin_tokens(wreq *r, wresp *out);
void admin_token_add(wreq *r, wresp *out);
void admin_token_rm(wreq *r, wresp *out, int64_t id);
void admin_audit(wreq *r, wresp *out);
void admin_tenants(wreq *r, wresp *out);
int admin_view_tenant(wreq *r, wresp *out, const dm_principal *p, int64_t *tid);
int admin_view(wreq *r, wresp *out, dm_principal *view);

#endif
