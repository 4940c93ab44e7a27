/*
 * tenant.c - `dmarcscope tenant add|list|rm|disable|enable|audit` and `dmarcscope domain
 * assign|unassign|list`: the provider's customers and which policy domains
 * each owns (docs/PROVIDER.md).  A domain belongs to at most one tenant;
 * a domain with reports that no tenant owns is "unassigned" (operators see
 * it).  Every change is written to the audit log with actor "cli:UNIXUSER".
 *
 * Exports: cmd_tenant, cmd_domain, cmd_tenant_id (cmd.h).
 * Exit: 0 done, 1 refused or not found, 2 usage or database error.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../auth/audit.h"
#include "../auth/auth.h"
#include "../store/store_analysis.h"
#include "../store/store_auth.h"
#include "../util/log.h"

static void
usage_tenant(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope tenant add NAME\n"
	    "       dmarcscope tenant list [--json]\n"
	    "       dmarcscope tenant rm NAME [--force]\n"
	    "       dmarcscope tenant disable|enable NAME\n"
	    "       dmarcscope tenant audit [NAME] [--limit N] [--json]\n"
	    "\n"
	    "Tenants are the provider's customers: each owns policy domains (dmarcscope\n"
	    "domain assign) and has users (dmarcscope user) and API tokens (dmarcscope\n"
	    "token).  NAME: 1-64 of a-z 0-9 . _ - @.  rm refuses a tenant that still has\n"
	    "users, domains or tokens unless --force (then they go too; its domains become\n"
	    "unassigned and no report is deleted).  A disabled tenant's users cannot log\n"
	    "in (their sessions end) and its tokens are refused.  audit prints the audit\n"
	    "log, newest first (of one tenant, or all).\n");
}

static void
usage_domain(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope domain assign DOMAIN TENANT\n"
	    "       dmarcscope domain unassign DOMAIN\n"
	    "       dmarcscope domain list [--tenant NAME | --unassigned] [--json]\n"
	    "\n"
	    "A policy domain belongs to at most one tenant, whose users see its reports.\n"
	    "Reports of a domain no tenant owns are kept and shown to operators as\n"
	    "unassigned.  list shows the assigned domains and the domains with reports\n"
	    "that no tenant owns.\n");
}

static int
db_fail(store *st)
{
	log_warnx("%s", store_errmsg(st));
	return 2;
}

static int
id_cb(void *ctx, const store_tenant *t)
{
	*(int64_t *)ctx = t->id;
	return 1;
}

int
cmd_tenant_id(store *st, const char *name, int64_t *id)
{
	char n[AUTH_NAME_MAX], err[200];
	int found = 0;

	*id = 0;
	if (auth_norm_name(name, n, sizeof(n), "tenant", err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 2;
	}
	if (store_auth_tenant_get(st, n, 0, id_cb, id, &found) != STORE_OK)
		return db_fail(st);
	if (!found) {
		log_warnx("no tenant named '%s' (dmarcscope tenant list)", n);
		return 1;
	}
	return 0;
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

/* ---- tenant ------------------------------------------------------------------- */

static int
tenant_add(store *st, int argc, char **argv)
{
	char n[AUTH_NAME_MAX], err[200], actor[80];
	int64_t id;

	if (argc != 2) {
		usage_tenant(stderr);
		return 2;
	}
	if (auth_norm_name(argv[1], n, sizeof(n), "tenant", err, sizeof(err)) != 0) {
		log_warnx("tenant add: %s", err);
		return 2;
	}
	if (store_auth_tenant_add(st, n, auth_now(), &id) != STORE_OK) {
		log_warnx("tenant add: %s", store_errmsg(st));
		return strstr(store_errmsg(st), "exists") != NULL ? 1 : 2;
	}
	if (audit(st, audit_cli_actor(actor, sizeof(actor)), id, "tenant_add", n, NULL, NULL) != 0)
		return db_fail(st);
	printf("tenant %s added\n", n);
	return 0;
}

static int
tenant_row_cb(void *ctx, const store_tenant *t)
{
	json_t *a = ctx;
	char when[32];

	if (a != NULL) {
		json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:I,s:I,s:I,s:b}", "id",
		    (json_int_t)t->id, "name", t->name, "domains", (json_int_t)t->domains, "users",
		    (json_int_t)t->users, "tokens", (json_int_t)t->tokens, "created_at",
		    (json_int_t)t->created_at, "disabled", t->disabled));
		return 0;
	}
	fmt_time(t->created_at, when, sizeof(when));
	printf("%-24s %7lld %5lld %6lld  %s%s\n", t->name, (long long)t->domains,
	    (long long)t->users, (long long)t->tokens, when, t->disabled ? "  disabled" : "");
	return 0;
}

static int
tenant_list(store *st, int argc, char **argv)
{
	json_t *a = NULL;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		a = json_array();
	else if (argc != 1) {
		usage_tenant(stderr);
		return 2;
	}
	if (a == NULL)
		printf("%-24s %7s %5s %6s  %s\n", "TENANT", "DOMAINS", "USERS", "TOKENS", "CREATED");
	if (store_auth_tenant_list(st, tenant_row_cb, a) != STORE_OK) {
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

static int
counts_cb(void *ctx, const store_tenant *t)
{
	*(store_tenant *)ctx = *t;
	((store_tenant *)ctx)->name = NULL;
	return 1;
}

static int
tenant_rm(store *st, int argc, char **argv)
{
	store_tenant t;
	char n[AUTH_NAME_MAX], err[200], actor[80];
	int force = 0, found = 0;
	const char *name = NULL;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			usage_tenant(stderr);
			return 2;
		}
	if (name == NULL) {
		usage_tenant(stderr);
		return 2;
	}
	if (auth_norm_name(name, n, sizeof(n), "tenant", err, sizeof(err)) != 0) {
		log_warnx("tenant rm: %s", err);
		return 2;
	}
	memset(&t, 0, sizeof(t));
	if (store_auth_tenant_get(st, n, 0, counts_cb, &t, &found) != STORE_OK)
		return db_fail(st);
	if (!found) {
		log_warnx("tenant rm: no tenant named '%s'", n);
		return 1;
	}
	if (!force && (t.users || t.domains || t.tokens)) {
		log_warnx("tenant rm: %s still has %lld users, %lld domains and %lld tokens "
		    "(--force removes them too; no report is deleted)", n, (long long)t.users,
		    (long long)t.domains, (long long)t.tokens);
		return 1;
	}
	if (store_begin(st) != STORE_OK ||
	    store_auth_tenant_rm(st, t.id, &found) != STORE_OK ||
	    audit(st, audit_cli_actor(actor, sizeof(actor)), t.id, "tenant_rm", n, NULL,
	    "%lld users, %lld domains, %lld tokens removed", (long long)t.users,
	    (long long)t.domains, (long long)t.tokens) != 0 || store_commit(st) != STORE_OK) {
		log_warnx("tenant rm: %s", store_errmsg(st));
		store_rollback(st);
		return 2;
	}
	printf("tenant %s removed\n", n);
	return 0;
}

static int
tenant_disable(store *st, int argc, char **argv, int disable)
{
	char actor[80];
	int64_t tid;
	int rc;

	if (argc != 2) {
		usage_tenant(stderr);
		return 2;
	}
	if ((rc = cmd_tenant_id(st, argv[1], &tid)) != 0)
		return rc;
	if (store_begin(st) != STORE_OK ||
	    store_auth_tenant_set_disabled(st, tid, disable) != STORE_OK ||
	    audit(st, audit_cli_actor(actor, sizeof(actor)), tid, disable ? "tenant_disable" :
	    "tenant_enable", argv[1], NULL, NULL) != 0 || store_commit(st) != STORE_OK) {
		log_warnx("tenant %s: %s", argv[0], store_errmsg(st));
		store_rollback(st);
		return 2;
	}
	printf("tenant %s %s\n", argv[1], disable ? "disabled; its users' sessions ended" :
	    "enabled");
	return 0;
}

static int
audit_row_cb(void *ctx, const store_audit *a)
{
	json_t *arr = ctx;
	char when[32];

	if (arr != NULL) {
		json_array_append_new(arr, json_pack("{s:I,s:I,s:s,s:I,s:s,s:s?,s:s?,s:s?}", "id",
		    (json_int_t)a->id, "at", (json_int_t)a->at, "actor", a->actor, "tenant_id",
		    (json_int_t)a->tenant_id, "action", a->action, "target", a->target, "ip", a->ip,
		    "detail", a->detail));
		return 0;
	}
	fmt_time(a->at, when, sizeof(when));
	printf("%s  %-20s %-22s %-24s %s%s%s\n", when, a->actor, a->action,
	    a->target ? a->target : "-", a->ip ? a->ip : "", a->ip && a->detail ? "  " : "",
	    a->detail ? a->detail : "");
	return 0;
}

static int
tenant_audit(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int64_t limit = 100, tid = -1;
	json_t *a = NULL;
	int ch, rc;

	optind = 0;	/* GNU getopt starts afresh: options may follow NAME */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (cmd_parse_num("--limit", optarg, 1, 100000, &limit) != 0)
				return 2;
			break;
		case 'j': a = json_array(); break;
		default: usage_tenant(stderr); return 2;
		}
	}
	if (optind + 1 < argc) {
		usage_tenant(stderr);
		json_decref(a);
		return 2;
	}
	if (optind < argc && (rc = cmd_tenant_id(st, argv[optind], &tid)) != 0) {
		json_decref(a);
		return rc;
	}
	if (store_auth_audit_list(st, tid, (int)limit, audit_row_cb, a) != STORE_OK) {
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
cmd_tenant(cmd_ctx *c, int argc, char **argv)
{
	store *st;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_tenant(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "rm") != 0 && strcmp(argv[1], "audit") != 0 &&
	    strcmp(argv[1], "disable") != 0 && strcmp(argv[1], "enable") != 0) {
		log_warnx("tenant: unknown subcommand '%s'", argv[1]);
		usage_tenant(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (strcmp(argv[1], "add") == 0)
		rc = tenant_add(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "list") == 0)
		rc = tenant_list(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "rm") == 0)
		rc = tenant_rm(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "audit") == 0)
		rc = tenant_audit(st, argc - 1, argv + 1);
	else
		rc = tenant_disable(st, argc - 1, argv + 1, strcmp(argv[1], "disable") == 0);
	store_close(st);
	return rc;
}

/* ---- domain ------------------------------------------------------------------- */

static int
domain_assign(store *st, int argc, char **argv)
{
	char d[256], err[300], actor[80];
	int64_t tid;
	int rc;

	if (argc != 3) {
		usage_domain(stderr);
		return 2;
	}
	if (auth_norm_domain(argv[1], d, sizeof(d), err, sizeof(err)) != 0) {
		log_warnx("domain assign: %s", err);
		return 2;
	}
	if ((rc = cmd_tenant_id(st, argv[2], &tid)) != 0)
		return rc;
	if (store_begin(st) != STORE_OK)
		return db_fail(st);
	if (store_auth_domain_assign(st, d, tid, auth_now()) != STORE_OK) {
		log_warnx("domain assign: %s", store_errmsg(st));
		store_rollback(st);
		return strstr(store_errmsg(st), "belongs to") != NULL ? 1 : 2;
	}
	if (audit(st, audit_cli_actor(actor, sizeof(actor)), tid, "domain_assign", d, NULL, NULL)
	    != 0 || store_commit(st) != STORE_OK) {
		log_warnx("domain assign: %s", store_errmsg(st));
		store_rollback(st);
		return 2;
	}
	printf("%s assigned to tenant %s\n", d, argv[2]);
	return 0;
}

static int
domain_unassign(store *st, int argc, char **argv)
{
	char d[256], err[300], actor[80];
	int64_t tid = 0;
	int found = 0;

	if (argc != 2) {
		usage_domain(stderr);
		return 2;
	}
	if (auth_norm_domain(argv[1], d, sizeof(d), err, sizeof(err)) != 0) {
		log_warnx("domain unassign: %s", err);
		return 2;
	}
	if (store_begin(st) != STORE_OK)
		return db_fail(st);
	if (store_auth_domain_owner(st, d, &tid) != STORE_OK ||
	    store_auth_domain_unassign(st, d, &found) != STORE_OK ||
	    (found && audit(st, audit_cli_actor(actor, sizeof(actor)), tid, "domain_unassign", d,
	    NULL, NULL) != 0) || store_commit(st) != STORE_OK) {
		log_warnx("domain unassign: %s", store_errmsg(st));
		store_rollback(st);
		return 2;
	}
	if (!found) {
		log_warnx("domain unassign: %s is not assigned to any tenant", d);
		return 1;
	}
	printf("%s unassigned (its reports stay; operators see it as unassigned)\n", d);
	return 0;
}

struct dlist {
	json_t *arr;
	store *st;
	int only_unassigned;
};

static void
domain_out(struct dlist *l, const char *domain, const char *tenant)
{
	if (l->arr != NULL)
		json_array_append_new(l->arr, json_pack("{s:s,s:s?}", "domain", domain, "tenant",
		    tenant));
	else
		printf("%-40s %s\n", domain, tenant != NULL ? tenant : "(unassigned)");
}

static int
assigned_cb(void *ctx, const char *domain, int64_t tenant_id, const char *tenant)
{
	(void)tenant_id;
	domain_out(ctx, domain, tenant);
	return 0;
}

static int
reported_cb(void *ctx, const char *domain, int64_t messages)
{
	struct dlist *l = ctx;
	int64_t tid = 0;

	(void)messages;
	if (store_auth_domain_owner(l->st, domain, &tid) != STORE_OK)
		return 1;
	if (tid == 0)
		domain_out(l, domain, NULL);
	return 0;
}

static int
domain_list(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "unassigned", no_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct dlist l = { NULL, st, 0 };
	const char *tenant = NULL;
	int64_t tid = 0;
	int ch, rc = 0;

	optind = 0;	/* GNU getopt starts afresh: options may follow NAME */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': tenant = optarg; break;
		case 'u': l.only_unassigned = 1; break;
		case 'j': if (l.arr == NULL) l.arr = json_array(); break;
		default: json_decref(l.arr); usage_domain(stderr); return 2;
		}
	}
	if (optind < argc || (tenant != NULL && l.only_unassigned)) {
		json_decref(l.arr);
		usage_domain(stderr);
		return 2;
	}
	if (tenant != NULL && (rc = cmd_tenant_id(st, tenant, &tid)) != 0) {
		json_decref(l.arr);
		return rc;
	}
	if ((!l.only_unassigned && store_auth_domain_list(st, tid, assigned_cb, &l) !=
	    STORE_OK) || (tenant == NULL && store_analysis_domain_list(st, reported_cb, &l) !=
	    STORE_OK)) {
		json_decref(l.arr);
		return db_fail(st);
	}
	if (l.arr != NULL) {
		json_dumpf(l.arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(l.arr);
	}
	return 0;
}

int
cmd_domain(cmd_ctx *c, int argc, char **argv)
{
	store *st;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_domain(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "assign") != 0 && strcmp(argv[1], "unassign") != 0 &&
	    strcmp(argv[1], "list") != 0) {
		log_warnx("domain: unknown subcommand '%s'", argv[1]);
		usage_domain(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (strcmp(argv[1], "assign") == 0)
		rc = domain_assign(st, argc - 1, argv + 1);
	else if (strcmp(argv[1], "unassign") == 0)
		rc = domain_unassign(st, argc - 1, argv + 1);
	else
		rc = domain_list(st, argc - 1, argv + 1);
	store_close(st);
	return rc;
}
