/*
 * cmd.h - what every subcommand gets from main.c, and the subcommands.
 *
 * Each cmd_NAME(ctx, argc, argv) parses its own options (argv[0] is the
 * command name), returns the process exit status (0 ok, 1 something refused
 * or not found, 2 usage or fatal error) and prints its own --help.
 */
#ifndef DS_CMD_H
#define DS_CMD_H

#include <stdint.h>

#include "../store/store.h"

typedef struct cmd_ctx {
	const char *db;		/* DSN or path */
	const char *config;	/* --config FILE or NULL */
	int verbosity;
} cmd_ctx;

int cmd_ingest(cmd_ctx *c, int argc, char **argv);
int cmd_summary(cmd_ctx *c, int argc, char **argv);
int cmd_export(cmd_ctx *c, int argc, char **argv);
int cmd_quarantine(cmd_ctx *c, int argc, char **argv);
int cmd_archive(cmd_ctx *c, int argc, char **argv);		/* archive.c */
int cmd_stats(cmd_ctx *c, int argc, char **argv);		/* stats.c */
int cmd_senders(cmd_ctx *c, int argc, char **argv);	/* senders.c */
int cmd_mismatches(cmd_ctx *c, int argc, char **argv);	/* stats.c */
int cmd_reanalyze(cmd_ctx *c, int argc, char **argv);	/* senders.c */
int cmd_enrich(cmd_ctx *c, int argc, char **argv);		/* enrich.c */
int cmd_serve(cmd_ctx *c, int argc, char **argv);		/* serve.c */
int cmd_purge(cmd_ctx *c, int argc, char **argv);		/* purge.c */
int cmd_tenant(cmd_ctx *c, int argc, char **argv);		/* tenant.c */
int cmd_domain(cmd_ctx *c, int argc, char **argv);		/* tenant.c */
int cmd_user(cmd_ctx *c, int argc, char **argv);		/* user.c */
int cmd_token(cmd_ctx *c, int argc, char **argv);		/* user.c */
int cmd_alerts(cmd_ctx *c, int argc, char **argv);		/* alerts.c */
int cmd_fetch(cmd_ctx *c, int argc, char **argv);		/* fetch.c: IMAP intake */
int cmd_watch(cmd_ctx *c, int argc, char **argv);		/* watch.c: Maildir intake */
int cmd_config(cmd_ctx *c, int argc, char **argv);		/* config.c: config check */
int cmd_check(cmd_ctx *c, int argc, char **argv);		/* check.c: DNS record checks */
int cmd_feed(cmd_ctx *c, int argc, char **argv);		/* feed.c: spoofing-host feed */
int cmd_takedown(cmd_ctx *c, int argc, char **argv);	/* feed.c: take-down text */
int cmd_ready(cmd_ctx *c, int argc, char **argv);		/* ready.c: readiness for p=reject */
int cmd_fixes(cmd_ctx *c, int argc, char **argv);		/* fixes.c: exact fixes from the data */

/* Helpers shared by the commands (cmd_util.c). */
store *cmd_open_store(cmd_ctx *c);		/* prints the error; NULL on failure */
int cmd_parse_size(const char *s, uint64_t *out);	/* "512m" → bytes; -1 bad */
int cmd_parse_date(const char *s, int64_t *out);	/* "YYYY-MM-DD" → unix (UTC) */
void cmd_fmt_date(int64_t t, char *buf, size_t len);	/* unix → "YYYY-MM-DD" */
int cmd_filter_opt(int opt, const char *arg, store_filter *f);	/* --domain/--since/--until */
int cmd_catch_up(store *s);	/* drain the reanalysis queue; -1 printed error */
int cmd_env_redact(void);	/* DMARCSCOPE_REDACT set, not "" or "0": ingest --redact */
int cmd_tenant_id(store *st, const char *name, int64_t *id);	/* tenant.c: 0, 1 none, 2 error */
/* s as a whole number (or a real) in lo..hi → *out, 0; else a message naming
 * opt ("--top") and -1 */
int cmd_parse_num(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out);
int cmd_parse_real(const char *opt, const char *s, double lo, double hi, double *out);
const char *cmd_lang(const char *opt);	/* "ja" | "en": --lang, else LC_ALL/LC_MESSAGES/LANG */

#endif
