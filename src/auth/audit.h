/*
 * audit.h - the audit log: logins, failed logins, lockouts, user, tenant,
 * domain and token changes, token use; one row each (audit_log table).
 * Details are short free text and never hold a secret: callers pass names,
 * ids, prefixes, never passwords, session ids or tokens.
 *
 * Exports:
 *   audit(st, actor, tenant_id, action, target, ip, detail_fmt, ...)
 *                          one entry at auth_now(); 0, or -1 (store_errmsg)
 *   audit_cli_actor(buf, len)  "cli:USER" for the CLI (the login name or uid)
 */
#ifndef DS_AUDIT_H
#define DS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

int audit(store *st, const char *actor, int64_t tenant_id, const char *action,
    const char *target, const char *ip, const char *detail_fmt, ...)
    __attribute__((format(printf, 7, 8)));
const char *audit_cli_actor(char *buf, size_t len);

#endif
