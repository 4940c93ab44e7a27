/*
 * cmd_opts.h - the options the per-domain commands share (`check`, `fixes`,
 * `readiness`): DOMAIN (first or last), --json, --lang, and as each asks
 * the DNS options (--resolver, --timeout, --deadline, as `check` takes them)
 * and the period (--days, --since, --until).  One parser, cmd_dom_parse
 * (cmd_util.c), with one message and exit status for each mistake; a
 * command's own options go to its handler.
 *
 * Exports: cmd_dom_spec, cmd_dom_opts, CMD_DO_*, cmd_dom_parse.  Strings
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

/* What a command takes (a static const of the command). */
typedef struct cmd_dom_spec {
	const char *cmd;	/* the prefix of its messages: "fixes" */
	unsigned use;		/* CMD_DO_* */
	int64_t days;		/* the period without --days */
	int64_t days_max;	/* --days at most (0: 3660) */
	const char *date_hint;	/* a bad date "is not" this (NULL: "a date YYYY-MM-DD") */
	void (*usage)(FILE *f);
	const struct option *own;	/* its own long options, { NULL } ended; may be NULL */
	/* an own option: 0, or the exit status (2) after printing why */
	int (*own_opt)(void *ctx, int ch, const char *arg);
} cmd_dom_spec;

/* What the command was given. */
typedef struct cmd_dom_opts {
	const char *domain;
	int json;
	const char *lang;	/* "ja" | "en": --lang, else the environment */
	dc_opts dns;		/* CMD_DO_DNS; loopback_only from DMARCSCOPE_ENRICH_LOOPBACK_ONLY */
	int64_t days;		/* spec->days unless --days */
	int64_t since, until;	/* unix seconds, 0 unset; until: the midnight after the day */
} cmd_dom_opts;

/* Fills *d (from nothing: it is cleared first) from argv; ctx goes to
 * spec->own_opt.  -1: parsed, go on; else the exit status (0 after --help,
 * 2 a mistake, the usage or a message printed). */
int cmd_dom_parse(const cmd_dom_spec *spec, cmd_dom_opts *d, void *ctx, int argc, char **argv);

#endif
