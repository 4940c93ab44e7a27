/*
 * config.c - `dmarcscope [--config FILE] config check`: read the
 * configuration file (default /etc/dmarcscope/dmarcscope.conf) as the daemon
 * would and say what is wrong, one line per problem; and config_validate
 * (daemon.h), which the daemon runs at start and on SIGHUP.
 *
 * Checked: the file parses (src/util/config.h); sections are known ([general],
 * [database], [serve], [daemon], [smtp], [alerts], [enrich], [imap:NAME],
 * [maildir:NAME], [retention]); keys of [general], [database], [daemon], [imap:*],
 * [maildir:*] and [retention] are known and their values valid (URL, TLS mode,
 * password file readable, numbers in range, the Maildir exists); [smtp] and
 * [alerts] through the alert engine's own loader, [enrich] (the web worker's
 * background enrichment) through enrich_config_load.
 *
 * Exports: cmd_config (cmd.h), config_validate (daemon.h).
 * Exit: 0 fine, 1 problems found, 2 usage or the file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "daemon.h"
#include "retention.h"
#include "../dnscheck/daily.h"
#include "../alert/alert.h"
#include "../enrich/enrich.h"
#include "../intake/imap.h"
#include "../util/config.h"
#include "../util/log.h"

static int
known(const char *key, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

static int
check_keys(ds_config *cf, const char *sec, const char *const *allowed, FILE *f)
{
	size_t n;
	const char *const *keys = config_keys(cf, sec, &n);
	char **copy = xcalloc(n + 1, sizeof(*copy));
	int bad = 0;

	for (size_t i = 0; i < n; i++)	/* the list is replaced by the next call */
		copy[i] = xstrdup(keys[i]);
	for (size_t i = 0; i < n; i++) {
		if (!known(copy[i], allowed)) {
			fprintf(f, "[%s] %s: unknown key\n", sec, copy[i]);
			bad++;
		}
		free(copy[i]);
	}
	free(copy);
	return bad;
}

static int
check_num(ds_config *cf, const char *sec, const char *key, long lo, long hi, FILE *f)
{
	long v;

	if (config_num(cf, sec, key, lo, hi, &v) < 0) {
		fprintf(f, "%s\n", config_err(cf));
		return 1;
	}
	return 0;
}

static int
check_imap(ds_config *cf, const char *sec, FILE *f)
{
	static const char *const keys[] = { "url", "user", "password", "password_file", "folder",
	    "processed_folder", "error_folder", "tls", "ca_file", "timeout", NULL };
	imap_conf ic;
	imap_box *b;
	const char *tls = config_str(cf, sec, "tls"), *pwf = config_str(cf, sec, "password_file");
	const char *ca = config_str(cf, sec, "ca_file");
	char err[512];
	int bad = check_keys(cf, sec, keys, f) + check_num(cf, sec, "timeout", 1, 3600, f);

	memset(&ic, 0, sizeof(ic));
	ic.name = sec;
	ic.url = config_str(cf, sec, "url");
	ic.folder = config_str(cf, sec, "folder");
	ic.processed = config_str(cf, sec, "processed_folder");
	ic.error = config_str(cf, sec, "error_folder");
	if (tls != NULL && !known(tls, (const char *const[]){ "auto", "starttls", "implicit", "none",
	    NULL })) {
		fprintf(f, "[%s] tls = %s: want auto, starttls, implicit or none\n", sec, tls);
		bad++;
	}
	ic.tls = tls == NULL ? IMAP_TLS_AUTO : strcmp(tls, "implicit") == 0 ? IMAP_TLS_IMPLICIT :
	    strcmp(tls, "none") == 0 ? IMAP_TLS_NONE : strcmp(tls, "starttls") == 0 ?
	    IMAP_TLS_STARTTLS : IMAP_TLS_AUTO;
	if (ic.url == NULL) {
		fprintf(f, "[%s] url: missing\n", sec);
		bad++;
	} else if ((b = imap_box_new(&ic, err, sizeof(err))) == NULL) {
		fprintf(f, "[%s] %s\n", sec, err);
		bad++;
	} else {
		imap_box_free(b);
	}
	if (pwf != NULL && access(pwf, R_OK) != 0) {
		fprintf(f, "[%s] password_file = %s: cannot be read\n", sec, pwf);
		bad++;
	}
	if (ca != NULL && access(ca, R_OK) != 0) {
		fprintf(f, "[%s] ca_file = %s: cannot be read\n", sec, ca);
		bad++;
	}
	return bad;
}

static int
check_maildir(ds_config *cf, const char *sec, FILE *f)
{
	static const char *const keys[] = { "path", "processed_folder", "error_folder", NULL };
	const char *path = config_str(cf, sec, "path");
	char p[4096];
	struct stat sb;
	int bad = check_keys(cf, sec, keys, f);

	if (path == NULL) {
		fprintf(f, "[%s] path: missing\n", sec);
		return bad + 1;
	}
	snprintf(p, sizeof(p), "%s/new", path);
	if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(f, "[%s] path = %s: not a Maildir (no new/)\n", sec, path);
		bad++;
	}
	return bad;
}

int
config_validate(const char *path, FILE *f)
{
	static const char *const general[] = { "db", NULL };
	static const char *const database[] = { "replica", "replica_max_lag_ms", NULL };
	static const char *const daemon[] = { "imap_interval", "imap_max_backoff",
	    "alert_interval", "alerts", "drain_timeout", NULL };
	ds_config *cf;
	const char *const *secs;
	char **names, err[512];
	size_t n;
	int bad = 0;
	alert_cfg ac;

	if ((cf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(f, "%s\n", err);
		return -1;
	}
	secs = config_sections(cf, NULL, &n);
	names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = xstrdup(secs[i]);
	for (size_t i = 0; i < n; i++) {
		const char *s = names[i];

		if (strcmp(s, "general") == 0)
			bad += check_keys(cf, s, general, f);
		else if (strcmp(s, "database") == 0) {
			bad += check_keys(cf, s, database, f);
			bad += check_num(cf, s, "replica_max_lag_ms", 0, 3600000, f);
		} else if (strcmp(s, "daemon") == 0) {
			const char *al = config_str(cf, s, "alerts");

			bad += check_keys(cf, s, daemon, f);
			bad += check_num(cf, s, "imap_interval", 1, 86400, f);
			bad += check_num(cf, s, "imap_max_backoff", 1, 86400, f);
			bad += check_num(cf, s, "alert_interval", 5, 86400, f);
			bad += check_num(cf, s, "drain_timeout", 1, 3600, f);
			if (al != NULL && strcmp(al, "yes") != 0 && strcmp(al, "no") != 0) {
				fprintf(f, "[daemon] alerts = %s: want yes or no\n", al);
				bad++;
			}
		} else if (strncmp(s, "imap:", 5) == 0 && s[5] != '\0')
			bad += check_imap(cf, s, f);
		else if (strncmp(s, "maildir:", 8) == 0 && s[8] != '\0')
			bad += check_maildir(cf, s, f);
		else if (strcmp(s, "retention") == 0)
			bad += retention_check(cf, f);
		else if (strcmp(s, "dnscheck") == 0)
			bad += dnscheck_config_check(cf, f);
		else if (strcmp(s, "serve") != 0 && strcmp(s, "smtp") != 0 && strcmp(s, "alerts") != 0 &&
		    strcmp(s, "enrich") != 0) {
			fprintf(f, "[%s]: unknown section\n", s);
			bad++;
		}
		free(names[i]);
	}
	free(names);
	alert_cfg_init(&ac);
	if (alert_cfg_load(&ac, path, err, sizeof(err)) != 0) {
		fprintf(f, "%s\n", err);
		bad++;
	}
	alert_cfg_clear(&ac);
	{
		enrich_opts eo;

		enrich_opts_init(&eo);
		if (enrich_config_load(&eo, path, err, sizeof(err)) != ENRICH_OK) {
			fprintf(f, "[enrich] %s\n", err);
			bad++;
		}
		enrich_opts_clear(&eo);
	}
	config_free(cf);
	return bad;
}

int
cmd_config(cmd_ctx *c, int argc, char **argv)
{
	const char *path = c->config != NULL ? c->config : CONFIG_DEFAULT_PATH;
	int bad;

	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
		    "usage: dmarcscope [--config FILE] config check\n"
		    "\n"
		    "Read the configuration file (default %s) as\n"
		    "`serve --config` would and print every problem, one a line.\n"
		    "Exit status: 0 fine, 1 problems, 2 the file cannot be read.\n",
		    CONFIG_DEFAULT_PATH);
		return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	bad = config_validate(path, stderr);
	if (bad < 0)
		return 2;
	if (bad > 0) {
		fprintf(stderr, "%s: %d problem%s\n", path, bad, bad == 1 ? "" : "s");
		return 1;
	}
	printf("%s: ok\n", path);
	return 0;
}
