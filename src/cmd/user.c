/*
 * user.c - `dmarcscope user add|passwd|rm|disable|enable|list` and
 * `dmarcscope token add|rm|list` (docs/PROVIDER.md).
 *
 * Users log in to the portal: an operator (the provider: every tenant,
 * unassigned domains, user management) or a tenant's admin or viewer.
 * Passwords are read from the terminal without echo (asked twice) or, with
 * --password-stdin, from the first line of standard input; they are stored
 * as argon2id hashes and never printed or logged.  A changed password or a
 * disabled or removed user ends the user's sessions.
 *
 * API tokens belong to a tenant and have a scope (read or write); the token
 * is printed once, on standard output, and only its hash is kept.
 *
 * Every change is written to the audit log with actor "cli:UNIXUSER".
 *
 * Exports: cmd_user, cmd_token (cmd.h).
 * Exit: 0 done, 1 refused or not found, 2 usage or database error.
 */
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../auth/password.h"
#include "../auth/session.h"
#include "../auth/token.h"
#include "../store/store_auth.h"
#include "../util/log.h"

static void
usage_user(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope user add NAME --role operator|admin|viewer [--tenant T]\n"
	    "                           [--password-stdin]\n"
	    "       dmarcscope user passwd NAME [--password-stdin]\n"
	    "       dmarcscope user rm NAME\n"
	    "       dmarcscope user disable|enable NAME\n"
	    "       dmarcscope user list [--tenant T | --operators] [--json]\n"
	    "\n"
	    "Portal users.  An operator (the provider) sees every tenant and the domains\n"
	    "no tenant owns and manages users; admin and viewer belong to one tenant\n"
	    "(--tenant): an admin also changes My Senders, alert settings and the tenant's\n"
	    "users, a viewer only reads.  The password (8-1024 bytes) is asked twice\n"
	    "without echo, or read from the first line of stdin with --password-stdin.\n"
	    "NAME: 1-64 of a-z 0-9 . _ - @ (case-insensitive).\n");
}

static void
usage_token(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope token add --tenant T [--scope read|write] [--name TEXT]\n"
	    "       dmarcscope token rm ID\n"
	    "       dmarcscope token list [--tenant T] [--json]\n"
	    "\n"
	    "API tokens for automation, per tenant: 'Authorization: Bearer dms_...'.\n"
	    "read (the default) allows GET requests only; write allows changes too.  add\n"
	    "prints the token once, on standard output; only its hash is stored, so it\n"
	    "cannot be shown again.  rm revokes it at once.\n");
}

static int
db_fail(store *st)
{
	log_warnx("%s", store_errmsg(st));
	return 2;
}

static void
fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* Reads and checks a new password, then hashes it into h. */
static int
new_password(int from_stdin, char *h, size_t hlen)
{
	char pw[PASSWORD_MAX + 2], err[200];
	int rc;

	if (password_read("New password: ", "Again: ", from_stdin, pw, sizeof(pw), err,
	    sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 2;
	}
	rc = password_check_policy(pw, strlen(pw), err, sizeof(err)) != 0 ||
	    password_hash(pw, strlen(pw), h, hlen, err, sizeof(err)) != 0;
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc) {
		log_warnx("%s", err);
		return 2;
	}
	return 0;
}

/* ---- user --------------------------------------------------------------------- */

struct urow {
	int64_t id, tenant_id;
	char role[16];
};

static int
urow_cb(void *ctx, const store_user *u)
{
	struct urow *r = ctx;

	r->id = u->id;
	r->tenant_id = u->tenant_id;
	snprintf(r->role, sizeof(r->role), "%s", u->role);
	return 1;
}

/* The user NAME (normalised into n) → *r; 0, 1 not found, 2 error. */
static int
find_user(store *st, const char *name, char n[AUTH_NAME_MAX], struct urow *r)
{
	char err[200];
	int found = 0;

	memset(r, 0, sizeof(*r));
	if (auth_norm_name(name, n, AUTH_NAME_MAX, "user", err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 2;
	}
	if (store_auth_user_get(st, n, 0, urow_cb, r, &found) != STORE_OK)
		return db_fail(st);
	if (!found) {
		log_warnx("no user named '%s' (dmarcscope user list)", n);
		return 1;
	}
	return 0;
}

static int
user_add(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "tenant", required_argument, NULL, 't' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *tenant = NULL;
	char n[AUTH_NAME_MAX], err[200], h[PASSWORD_HASH_MAX], actor[80];
	store_user u;
	dm_role role = ROLE_NONE;
	int ch, from_stdin = 0, rc;
	int64_t tid = 0, id;

	optind = 0;	/* GNU getopt starts afresh: options may follow NAME */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if ((role = role_parse(optarg)) == ROLE_NONE) {
				log_warnx("user add: --role is operator, admin or viewer");
				return 2;
			}
			break;
		case 't': tenant = optarg; break;
		case 's': from_stdin = 1; break;
		default: usage_user(stderr); return 2;
		}
	}
	if (optind + 1 != argc || role == ROLE_NONE) {
		log_warnx("user add: needs NAME and --role");
		usage_user(stderr);
		return 2;
	}
	if (auth_norm_name(argv[optind], n, sizeof(n), "user", err, sizeof(err)) != 0) {
		log_warnx("user add: %s", err);
		return 2;
	}
	if ((role == ROLE_OPERATOR) != (tenant == NULL)) {
		log_warnx("user add: %s", role == ROLE_OPERATOR ? "an operator belongs to no tenant "
		    "(no --tenant)" : "an admin or viewer needs --tenant");
		return 2;
	}
	if (tenant != NULL && (rc = cmd_tenant_id(st, tenant, &tid)) != 0)
		return rc;
	if ((rc = new_password(from_stdin, h, sizeof(h))) != 0)
		return rc;
	memset(&u, 0, sizeof(u));
	u.name = n;
	u.tenant_id = tid;
	u.role = role_name(role);
	u.pw_hash = h;
	u.created_at = auth_now();
	if (store_begin(st) != STORE_OK)
		return db_fail(st);
	if (store_auth_user_add(st, &u, &id) != STORE_OK) {
		log_warnx("user add: %s", store_errmsg(st));
		store_rollback(st);
		return strstr(store_errmsg(st), "exists") != NULL ? 1 : 2;
	}
	if (audit(st, audit_cli_actor(actor, sizeof(actor)), tid, "user_add", n, NULL, "role %s",
	    u.role) != 0 || store_commit(st) != STORE_OK) {
		store_rollback(st);
		return db_fail(st);
	}
	printf("user %s added (%s%s%s)\n", n, u.role, tenant ? " of tenant " : "",
	    tenant ? tenant : "");
	return 0;
}

static int
user_passwd(store *st, int argc, char **argv)
{
	char n[AUTH_NAME_MAX], h[PASSWORD_HASH_MAX], actor[80];
	const char *name = NULL;
	struct urow r;
	int from_stdin = 0, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			usage_user(stderr);
			return 2;
		}
	if (name == NULL) {
		usage_user(stderr);
		return 2;
	}
	if ((rc = find_user(st, name, n, &r)) != 0 ||
	    (rc = new_password(from_stdin, h, sizeof(h))) != 0)
		return rc;
	if (store_begin(st) != STORE_OK ||
	    store_auth_user_set_password(st, r.id, h, auth_now()) != STORE_OK ||
	    session_destroy_user(st, r.id, NULL) != 0 ||
	    audit(st, audit_cli_actor(actor, sizeof(actor)), r.tenant_id, "user_passwd", n, NULL,
	    "sessions ended") != 0 || store_commit(st) != STORE_OK) {
		store_rollback(st);
		return db_fail(st);
	}
	printf("password of %s changed; its sessions ended\n", n);
	return 0;
}

static int
user_rm(store *st, int argc, char **argv, const char *what)
{
	char n[AUTH_NAME_MAX], actor[80];
	struct urow r;
	int rc, found = 0;

	if (argc != 2) {
		usage_user(stderr);
		return 2;
	}
	if ((rc = find_user(st, argv[1], n, &r)) != 0)
		return rc;
	if (store_begin(st) != STORE_OK)
		return db_fail(st);
	if (strcmp(what, "rm") == 0)
		rc = store_auth_user_rm(st, r.id, &found);
	else
		rc = store_auth_user_set_disabled(st, r.id, strcmp(what, "disable") == 0);
	if (rc != STORE_OK || audit(st, audit_cli_actor(actor, sizeof(actor)), r.tenant_id,
	    strcmp(what, "rm") == 0 ? "user_rm" : strcmp(what, "disable") == 0 ? "user_disable" :
	    "user_enable", n, NULL, "role %s", r.role) != 0 || store_commit(st) != STORE_OK) {
		store_rollback(st);
		return db_fail(st);
	}
	printf("user %s %s\n", n, strcmp(what, "rm") == 0 ? "removed" :
	    strcmp(what, "disable") == 0 ? "disabled; its sessions ended" : "enabled");
	return 0;
}

static int
user_row_cb(void *ctx, const store_user *u)
{
	json_t *a = ctx;
	char when[32];

	if (a != NULL) {
		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s?,s:I,s:I,s:b}", "id",
		    (json_int_t)u->id, "name", u->name, "role", u->role, "tenant", u->tenant_name,
		    "created_at", (json_int_t)u->created_at, "pw_changed_at",
		    (json_int_t)u->pw_changed_at, "disabled", u->disabled));
		return 0;
	}
	fmt_time(u->created_at, when, sizeof(when));
	printf("%-24s %-9s %-20s %s%s\n", u->name, u->role, u->tenant_name ? u->tenant_name : "-",
	    when, u->disabled ? "  disabled" : "");
	return 0;
}

static int
user_list(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "operators", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *a = NULL;
	const char *tenant = NULL;
	int64_t tid = -1;
	int ch, rc;

	optind = 0;	/* GNU getopt starts afresh: options may follow NAME */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': tenant = optarg; break;
		case 'o': tid = 0; break;
		case 'j': if (a == NULL) a = json_array(); break;
		default: json_decref(a); usage_user(stderr); return 2;
		}
	}
	if (optind < argc || (tenant != NULL && tid == 0)) {
		json_decref(a);
		usage_user(stderr);
		return 2;
	}
	if (tenant != NULL && (rc = cmd_tenant_id(st, tenant, &tid)) != 0) {
		json_decref(a);
		return rc;
	}
	if (a == NULL)
		printf("%-24s %-9s %-20s %s\n", "USER", "ROLE", "TENANT", "CREATED");
	if (store_auth_user_list(st, tid, user_row_cb, a) != STORE_OK) {
		json_decref(a);
		return db_fail(st);
	}
	if (a != NULL) {
		json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(a);
	}
	return 0;
}

int
cmd_user(cmd_ctx *c, int argc, char **argv)
{
	static const char *const subs[] = { "add", "passwd", "rm", "disable", "enable", "list" };
	store *st;
	int rc, known = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_user(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		known |= strcmp(argv[1], subs[i]) == 0;
	if (!known) {
		log_warnx("user: unknown subcommand '%s'", argv[1]);
		usage_user(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (strcmp(argv[1], "add") == 0)
		rc = user_add(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "passwd") == 0)
		rc = user_passwd(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "list") == 0)
		rc = user_list(st, argc - 1, argv + 1);
	else
		rc = user_rm(st, argc - 1, argv + 1, argv[1]);
	store_close(st);
	return rc;
}

/* ---- token -------------------------------------------------------------------- */

static int
token_add(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "scope", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *tenant = NULL, *name = NULL;
	char tok[TOKEN_LEN], err[300], actor[80], prefix[TOKEN_SHOWN + 1];
	int ch, scope = TOKEN_READ, rc;
	int64_t tid, id;

	optind = 0;	/* GNU getopt starts afresh: options may follow NAME */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': tenant = optarg; break;
		case 's':
			if ((scope = token_scope_parse(optarg)) < 0) {
				log_warnx("token add: --scope is read or write");
				return 2;
			}
			break;
		case 'n':
			if (strlen(optarg) > 200) {
				log_warnx("token add: --name is at most 200 bytes");
				return 2;
			}
			name = optarg;
			break;
		default: usage_token(stderr); return 2;
		}
	}
	if (optind < argc || tenant == NULL) {
		log_warnx("token add: needs --tenant");
		usage_token(stderr);
		return 2;
	}
	if ((rc = cmd_tenant_id(st, tenant, &tid)) != 0)
		return rc;
	if (store_begin(st) != STORE_OK)
		return db_fail(st);
	if (token_create(st, tid, name, scope, tok, sizeof(tok), &id, err, sizeof(err)) != 0) {
		log_warnx("token add: %s", err);
		store_rollback(st);
		return 2;
	}
	memcpy(prefix, tok, TOKEN_SHOWN);
	prefix[TOKEN_SHOWN] = '\0';
	if (audit(st, audit_cli_actor(actor, sizeof(actor)), tid, "token_add", prefix, NULL,
	    "id %lld, scope %s", (long long)id, scope == TOKEN_WRITE ? "write" : "read") != 0 ||
	    store_commit(st) != STORE_OK) {
		OPENSSL_cleanse(tok, sizeof(tok));
		store_rollback(st);
		return db_fail(st);
	}
	fprintf(stderr, "token %lld for tenant %s, scope %s: shown once, store it now\n",
	    (long long)id, tenant, scope == TOKEN_WRITE ? "write" : "read");
	printf("%s\n", tok);
	OPENSSL_cleanse(tok, sizeof(tok));
	return 0;
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

static int
token_rm(store *st, int argc, char **argv)
{
	struct tinfo ti;
	char actor[80];
	int64_t id;
	int found = 0;

	if (argc != 2) {
		usage_token(stderr);
		return 2;
	}
	if (cmd_parse_num("token ID", argv[1], 1, INT64_MAX, &id) != 0)
		return 2;
	memset(&ti, 0, sizeof(ti));
	if (store_auth_token_get(st, NULL, id, tinfo_cb, &ti, &found) != STORE_OK)
		return db_fail(st);
	if (!found || ti.revoked) {
		log_warnx("token rm: no valid token with id %lld", (long long)id);
		return 1;
	}
	if (store_begin(st) != STORE_OK || token_revoke(st, id, &found) != 0 ||
	    audit(st, audit_cli_actor(actor, sizeof(actor)), ti.tenant_id, "token_revoke",
	    ti.prefix, NULL, "id %lld", (long long)id) != 0 || store_commit(st) != STORE_OK) {
		store_rollback(st);
		return db_fail(st);
	}
	printf("token %lld (%s...) revoked\n", (long long)id, ti.prefix);
	return 0;
}

static int
token_row_cb(void *ctx, const store_token *t)
{
	json_t *a = ctx;
	char c[32], u[32], r[32];

	if (a != NULL) {
		json_array_append_new(a, json_pack("{s:I,s:s?,s:s,s:s,s:s?,s:I,s:I,s:I}", "id",
		    (json_int_t)t->id, "tenant", t->tenant_name, "prefix", t->prefix, "scope",
		    t->scope, "name", t->name, "created_at", (json_int_t)t->created_at, "last_used",
		    (json_int_t)t->last_used, "revoked_at", (json_int_t)t->revoked_at));
		return 0;
	}
	fmt_time(t->created_at, c, sizeof(c));
	fmt_time(t->last_used, u, sizeof(u));
	fmt_time(t->revoked_at, r, sizeof(r));
	printf("%5lld %-20s %-15s %-5s %-20s %-20s %-20s %s\n", (long long)t->id,
	    t->tenant_name ? t->tenant_name : "?", t->prefix, t->scope, c, u, r,
	    t->name ? t->name : "");
	return 0;
}

static int
token_list(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *a = NULL;
	int64_t tid = 0;
	int ch, rc;

	optind = 0;	/* GNU getopt starts afresh: options may follow NAME */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if ((rc = cmd_tenant_id(st, optarg, &tid)) != 0) {
				json_decref(a);
				return rc;
			}
			break;
		case 'j': if (a == NULL) a = json_array(); break;
		default: json_decref(a); usage_token(stderr); return 2;
		}
	}
	if (optind < argc) {
		json_decref(a);
		usage_token(stderr);
		return 2;
	}
	if (a == NULL)
		printf("%5s %-20s %-15s %-5s %-20s %-20s %-20s %s\n", "ID", "TENANT", "PREFIX",
		    "SCOPE", "CREATED", "LAST USED", "REVOKED", "NAME");
	if (store_auth_token_list(st, tid, token_row_cb, a) != STORE_OK) {
		json_decref(a);
		return db_fail(st);
	}
	if (a != NULL) {
		json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(a);
	}
	return 0;
}

int
cmd_token(cmd_ctx *c, int argc, char **argv)
{
	store *st;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_token(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "rm") != 0 &&
	    strcmp(argv[1], "list") != 0) {
		log_warnx("token: unknown subcommand '%s'", argv[1]);
		usage_token(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (strcmp(argv[1], "add") == 0)
		rc = token_add(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "rm") == 0)
		rc = token_rm(st, argc - 1, argv + 1);
	else
		rc = token_list(st, argc - 1, argv + 1);
	store_close(st);
	return rc;
}
