/*
 * audit.c - writing the audit log (see audit.h).
 *
 * Exports: audit, audit_cli_actor.
 */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "../store/store_auth.h"

int
audit(store *st, const char *actor, int64_t tenant_id, const char *action, const char *target,
    const char *ip, const char *detail_fmt, ...)
{
	char detail[512];
	store_audit a;
	va_list ap;

	detail[0] = '\0';
	if (detail_fmt != NULL) {
		va_start(ap, detail_fmt);
		vsnprintf(detail, sizeof(detail), detail_fmt, ap);
		va_end(ap);
	}
	memset(&a, 0, sizeof(a));
	a.at = auth_now();
	a.actor = actor != NULL ? actor : "-";
	a.tenant_id = tenant_id;
	a.action = action;
	a.target = target;
	a.ip = ip;
	a.detail = detail[0] != '\0' ? detail : NULL;
	return store_auth_audit_add(st, &a) == STORE_OK ? 0 : -1;
}

const char *
audit_cli_actor(char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pbuf[1024];

	if (getpwuid_r(getuid(), &pw, pbuf, sizeof(pbuf), &res) == 0 && res != NULL)
		snprintf(buf, len, "cli:%.60s", res->pw_name);
	else
		snprintf(buf, len, "cli:uid%u", (unsigned)getuid());
	return buf;
}
