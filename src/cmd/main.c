/*
 * main.c - dmarcscope: global options and subcommand dispatch.
 *
 * SECURITY: every report, e-mail and archive this program reads is
 * untrusted.  Parsing happens with hard caps on size, ratio, depth and text
 * length (see unpack.h and agg_parse.h); XML DTDs are refused; nothing read
 * from a report is ever used to open a file or a network connection.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../intake/mime.h"
#include "../util/log.h"

#define DS_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*fn)(cmd_ctx *, int, char **);
} commands[] = {
	{ "ingest", cmd_ingest },
	{ "summary", cmd_summary },
	{ "export", cmd_export },
	{ "quarantine", cmd_quarantine },
	{ "archive", cmd_archive },
	{ "stats", cmd_stats },
	{ "senders", cmd_senders },
	{ "mismatches", cmd_mismatches },
	{ "reanalyze", cmd_reanalyze },
	{ "enrich", cmd_enrich },
	{ "serve", cmd_serve },
	{ "purge", cmd_purge },
	{ "tenant", cmd_tenant },
	{ "domain", cmd_domain },
	{ "user", cmd_user },
	{ "token", cmd_token },
	{ "alerts", cmd_alerts },
	{ "fetch", cmd_fetch },
	{ "watch", cmd_watch },
	{ "config", cmd_config },
	{ "check", cmd_check },
	{ "feed", cmd_feed },
	{ "takedown", cmd_takedown },
	{ "readiness", cmd_ready },
	{ "fixes", cmd_fixes },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope [--db PATH] [--config FILE] [-q|-v] [--syslog] COMMAND ...\n"
	    "\n"
	    "DMARC report service: ingest, store and analyse aggregate reports.\n"
	    "\n"
	    "commands:\n"
	    "  ingest INPUT...      store reports from files, directories, Maildir, mbox or - (stdin)\n"
	    "  summary              totals: reports, records, messages, quarantine, duplicates\n"
	    "  export --format F    csv | json | parsedmarc-json | parsedmarc-csv\n"
	    "  quarantine list      refused inputs and why\n"
	    "  quarantine retry     reprocess refused inputs\n"
	    "  stats --domain D     totals, classes, SPF x DKIM matrix, sources, series, policy guidance\n"
	    "  senders add|list|rm|suggest   My Senders: the sources you authorize per domain\n"
	    "  mismatches           records where the reporter's verdict differs from ours\n"
	    "  reanalyze            recompute alignment, classes and rollups\n"
	    "  enrich               reverse DNS, DNSBL, country/ASN and RDAP for sending hosts\n"
	    "  serve                the web portal and JSON API\n"
	    "  purge --samples-older-than DAYS   drop old failure-report samples (retention)\n"
	    "  tenant|domain|user|token   provider mode: tenants, their domains, users, API tokens\n"
	    "  alerts list|ack|test|run|settings   spoofing alerts, mail/webhook delivery, summaries\n"
	    "  fetch --imap URL     take reports from IMAP folders (or the config's [imap:NAME])\n"
	    "  watch --maildir DIR  take reports from a Maildir as they arrive (inotify)\n"
	    "  config check         check the configuration file\n"
	    "  check DOMAIN         check its DNS records (DMARC, SPF, DKIM, MTA-STS, TLS-RPT, BIMI)\n"
	    "  feed [allow]         spoofing hosts as CSV, JSON or an rbldnsd zone; its allow-list\n"
	    "  takedown IP          a take-down request (ja/en) for a spoofing host, to send yourself\n"
	    "  readiness DOMAIN     readiness for p=reject: failing share, the next record, a what-if\n"
	    "  fixes DOMAIN         what to change for each failing sender (SPF terms, DKIM, alignment)\n"
	    "\n"
	    "options:\n"
	    "  --db PATH            database (default $DMARCSCOPE_DB or ./dmarcscope.db)\n"
	    "  --config FILE        configuration file\n"
	    "  -q, --quiet          only errors\n"
	    "  -v, --verbose        more detail\n"
	    "  --syslog             log to syslog (facility mail) instead of stderr\n"
	    "  --version            print the version\n"
	    "\n"
	    "Run 'dmarcscope COMMAND --help' for a command's options; 'man dmarcscope' for more.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	cmd_ctx c = { NULL, NULL, 1 };
	int ch, to_syslog = 0;
	const char *cmd;

	/* Keep freed memory instead of returning it to the kernel after every
	 * message: per-message buffers are reused, not re-faulted in. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	c.db = getenv("DMARCSCOPE_DB");
	if (c.db == NULL || c.db[0] == '\0')
		c.db = "dmarcscope.db";
	while ((ch = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'D': c.db = optarg; break;
		case 'c': c.config = optarg; break;
		case 'q': c.verbosity = 0; break;
		case 'v': c.verbosity = 2; break;
		case 'S': to_syslog = 1; break;
		case 'V': printf("dmarcscope %s\n", DS_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("dmarcscope", c.verbosity);
	if (to_syslog)
		log_syslog();
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	mime_init();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(&c, argc, argv);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	log_warnx("unknown command '%s'", cmd);
	usage(stderr);
	return 2;
}
