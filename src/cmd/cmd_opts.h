/*
 * cmd_opts.h - the options the per-domain commands share (`check`, `fixes`,
 * `readiness`): DOMAIN (first or last), --json, --lang, and as each asks
 * the DNS options (--resolver, --timeout, --deadline, as `check` takes them)
 * and the period (--days, --since, --until).  One parser, cmd_dom_parse
 * (cmd_util.c), with one message and exit status for each mistake; a
 * command's own options go to its handler.
 *
 * Exports: cmd_dom_opts, CMD_DO_*, cmd_dom_init, cmd_dom_parse.  Strings
 * point into argv (or are constants); nothing to free.
 */
#ifndef DS_CMD_OPTS_H
#define DS_CMD_OPTS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "../dnscheck/dnscheck.h"

#define CMD_DO_DNS	0x1	/* --resolver IP:PORT, --timeout MS, --deadline MS */
#define CMD_DO_DAYS	0x2	/* --days N (1..days_max) */
#define CMD_DO_SINCE	0x4	/* --since YYYY-MM-DD */
#define CMD_DO_UNTIL	0x8	/* --until YYYY-MM-DD (the day included) */

typedef struct cmd_dom_opts {
	/* set by the command (after cmd_dom_init) */
	const char *cmd;	/* the prefix of its messages: "fixes" */
	unsigned use;		/* CMD_DO_* */
	int64_t days_max;
	const char *date_hint;	/* a bad date "is not" this ("a date YYYY-MM-DD") */
	void (*usage)(FILE *f);
	const struct option *own;	/* its own long options, { NULL } ended; may be NULL */
	/* an own option: 0, or the exit status (2) after printing why */
	int (*own_opt)(void *ctx, int ch, const char *arg);
	void *ctx;

	/* parsed */
	const char *domain;
	int json;
	const char *lang;	/* "ja" | "en": --lang, else the environment */
	dc_opts dns;		/* CMD_DO_DNS; loopback_only from DMARCSCOPE_ENRICH_LOOPBACK_ONLY */
	int64_t days;		/* the default stays unless --days */
	int64_t since, until;	/* unix seconds, 0 unset; until: the midnight after the day */
} cmd_dom_opts;

void cmd_dom_init(cmd_dom_opts *o, const char *cmd, unsigned use);
/* -1: parsed, go on; else the exit status (0 after --help, 2 a mistake,
 * the usage or a message printed). */
int cmd_dom_parse(cmd_dom_opts *o, int argc, char **argv);

#endif
