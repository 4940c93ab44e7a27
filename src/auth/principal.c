/*
 * principal.c - resolving and checking the request principal (see
 * principal.h).
 *
 * Exports: principal_from_request, principal_local, principal_free,
 * principal_can_read_domain, principal_can_write, principal_can_manage_users,
 * principal_is_operator, principal_cookie_value, principal_set_cookie.
 * Errors: 0 with a short reason in err for a request that is not
 * authenticated; -1 with store_errmsg() for a store failure.  Reasons never
 * contain the presented credential.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "principal.h"
#include "token.h"
#include "../store/store_auth.h"
#include "../util/log.h"

#define COOKIE_MAX 8192

void
principal_free(dm_principal *p)
{
	for (size_t i = 0; i < p->ndomains; i++)
		free(p->domains[i]);
	free(p->domains);
	p->domains = NULL;
	p->ndomains = 0;
}

void
principal_local(dm_principal *out)
{
	memset(out, 0, sizeof(*out));
	out->method = AUTH_LOCAL;
	out->role = ROLE_OPERATOR;
	snprintf(out->name, sizeof(out->name), "local");
}

int
principal_is_operator(const dm_principal *p)
{
	return p->method != AUTH_NONE && p->role == ROLE_OPERATOR && p->tenant_id == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

int
principal_can_read_domain(const dm_principal *p, const char *domain)
{
	if (p->method == AUTH_NONE || domain == NULL)
		return 0;
	if (principal_is_operator(p))
		return 1;
	if (p->tenant_id == 0 || p->ndomains == 0)
		return 0;
	return bsearch(&domain, p->domains, p->ndomains, sizeof(char *), cmp_str) != NULL;
}

int
principal_can_write(const dm_principal *p)
{
	switch (p->method) {
	case AUTH_LOCAL:
		return 1;
	case AUTH_SESSION:
		return p->role == ROLE_OPERATOR || p->role == ROLE_ADMIN;
	case AUTH_TOKEN:
		return p->token_write && p->tenant_id != 0;
	default:
		return 0;
	}
}

int
principal_can_manage_users(const dm_principal *p)
{
	if (p->method == AUTH_LOCAL)
		return 1;
	return p->method == AUTH_SESSION && (p->role == ROLE_OPERATOR || p->role == ROLE_ADMIN);
}

/* ---- cookies ----------------------------------------------------------------- */

int
principal_cookie_value(const char *header, char *out, size_t len)
{
	const size_t nlen = strlen(PRINCIPAL_COOKIE);
	const char *p = header;

	if (header == NULL || strlen(header) > COOKIE_MAX)
		return -1;
	while (*p != '\0') {
		size_t vlen;

		p += strspn(p, " \t");
		if (strncmp(p, PRINCIPAL_COOKIE, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = strcspn(p, "; \t");
			if (vlen == 0 || vlen >= len)
				return -1;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return 0;
		}
		if ((p = strchr(p, ';')) == NULL)
			break;
		p++;
	}
	return -1;
}

int
principal_set_cookie(const char *id, int secure, char *out, size_t len)
{
	int n;

	if (id != NULL)
		n = snprintf(out, len, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", PRINCIPAL_COOKIE,
		    id, secure ? "; Secure" : "");
	else
		n = snprintf(out, len, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		    PRINCIPAL_COOKIE, secure ? "; Secure" : "");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* ---- resolving ----------------------------------------------------------------- */

struct dlist {
	char **v;
	size_t n, cap;
};

static int
domain_cb(void *ctx, const char *domain, int64_t tenant_id, const char *tenant)
{
	struct dlist *d = ctx;

	(void)tenant_id;
	(void)tenant;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof(char *));
	}
	d->v[d->n++] = xstrdup(domain);
	return 0;
}

struct tstate {
	int disabled;
};

static int
tenant_cb(void *ctx, const store_tenant *t)
{
	((struct tstate *)ctx)->disabled = t->disabled;
	return 1;
}

/* The tenant's state and domains into p; 0, or a reason (1) / -1. */
static int
load_tenant(store *st, dm_principal *p, char *err, size_t errlen)
{
	struct tstate ts = { 0 };
	struct dlist d = { NULL, 0, 0 };
	int found = 0;

	if (p->tenant_id == 0)
		return 0;
	if (store_auth_tenant_get(st, NULL, p->tenant_id, tenant_cb, &ts, &found) != STORE_OK)
		return -1;
	if (!found || ts.disabled) {
		snprintf(err, errlen, "the tenant is disabled or removed");
		return 1;
	}
	if (store_auth_domain_list(st, p->tenant_id, domain_cb, &d) != STORE_OK) {
		for (size_t i = 0; i < d.n; i++)
			free(d.v[i]);
		free(d.v);
		return -1;
	}
	if (d.n > 1)	/* qsort(NULL, 0) is undefined: a tenant may own no domain */
		qsort(d.v, d.n, sizeof(char *), cmp_str);
	p->domains = d.v;
	p->ndomains = d.n;
	return 0;
}

static int
user_cb(void *ctx, const store_user *u)
{
	dm_principal *p = ctx;

	p->user_id = u->id;
	p->tenant_id = u->tenant_id;
	p->role = u->disabled ? ROLE_NONE : role_parse(u->role);
	snprintf(p->name, sizeof(p->name), "%s", u->name);
	return 1;
}

static int
from_token(store *st, const char *tok, const char *ip, dm_principal *out, char *err,
    size_t errlen)
{
	token_info ti;
	int rc = token_check(st, tok, &ti);

	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "unknown or revoked API token");
		return rc;
	}
	out->method = AUTH_TOKEN;
	out->tenant_id = ti.tenant_id;
	out->token_write = ti.scope == TOKEN_WRITE;
	out->role = out->token_write ? ROLE_ADMIN : ROLE_VIEWER;
	snprintf(out->name, sizeof(out->name), "token:%s", ti.prefix);
	if (ti.noted && audit(st, out->name, ti.tenant_id, "token_use", ti.prefix, ip,
	    "id %lld, scope %s", (long long)ti.id, out->token_write ? "write" : "read") != 0)
		return -1;
	return 1;
}

static int
from_session(store *st, const session_opts *so, const char *id, dm_principal *out, char *err,
    size_t errlen)
{
	int rc = session_lookup(st, so, id, &out->session), found = 0;

	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "no session, or it has expired: log in again");
		return rc;
	}
	if (store_auth_user_get(st, NULL, out->session.user_id, user_cb, out, &found) !=
	    STORE_OK)
		return -1;
	if (!found || out->role == ROLE_NONE) {
		snprintf(err, errlen, "the user is disabled or removed");
		return 0;
	}
	out->method = AUTH_SESSION;
	return 1;
}

int
principal_from_request(store *st, const session_opts *so, const char *cookie_header,
    const char *authorization, const char *remote_addr, dm_principal *out, char *err,
    size_t errlen)
{
	char id[SESSION_ID_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!store_has(st, auth)) {
		snprintf(err, errlen, "this store has no users");
		return 0;
	}
	if (authorization != NULL && strncasecmp(authorization, "Bearer ", 7) == 0) {
		const char *t = authorization + 7;

		t += strspn(t, " ");
		rc = from_token(st, t, remote_addr, out, err, errlen);
	} else if (principal_cookie_value(cookie_header, id, sizeof(id)) == 0) {
		rc = from_session(st, so, id, out, err, errlen);
	} else {
		snprintf(err, errlen, "authentication required");
		rc = 0;
	}
	if (rc == 1 && (rc = load_tenant(st, out, err, errlen)) == 0)
		return 1;
	principal_free(out);
	memset(out, 0, sizeof(*out));
	return rc < 0 ? -1 : 0;
}
