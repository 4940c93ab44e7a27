/*
 * auth_web.h - the portal's login endpoints (auth_web.c), registered in
 * api.c's route table:
 *   POST /login     {"user","password"} → a session cookie and the CSRF token
 *   POST /logout    ends the session (X-CSRF-Token), deletes the cookie
 *   POST /password  {"old","new"} (X-CSRF-Token): the logged-in user's password
 *   GET  /session   who the request is: authenticated or not, user, role,
 *                   tenant, the CSRF token, whether users exist
 * The other routes authorise in http.c / api.c (the request principal and
 * each route's access level); these are the table's "public" ones (password:
 * "read").
 *
 * auth_web_announce() logs at start whether users exist (single-user mode or
 * not; with users, it also makes the dummy hash of unknown-name logins);
 * web_serve calls it once the pool is ready.
 *
 * Exports: the four handlers, auth_web_announce.
 */
#ifndef DS_AUTH_WEB_H
#define DS_AUTH_WEB_H

#include "web_priv.h"

void auth_web_login(wreq *r, wresp *out);
void auth_web_logout(wreq *r, wresp *out);
void auth_web_password(wreq *r, wresp *out);
void auth_web_session(wreq *r, wresp *out);
void auth_web_announce(void);

#endif
