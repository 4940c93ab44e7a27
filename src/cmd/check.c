/*
 * check.c - `dmarcscope check DOMAIN`: the DNS record checks of a policy
 * domain (src/dnscheck/): DMARC, SPF, the DKIM selectors seen in the
 * domain's reports, MTA-STS, TLS-RPT, BIMI.  Prints the findings (one line
 * each: severity, code, RFC section, text in --lang) or, with --json, the
 * result as the API gives it.  --save also keeps the records in the history
 * and the result in the database and raises an alert when a record changed
 * (what the daemon does daily, src/dnscheck/daily.c).
 *
 *   --resolver IP:PORT    the DNS server (default: the system's resolver)
 *   --timeout MS          per DNS try (2000); --deadline MS for the whole check
 *   --ca-file FILE        trust anchors for the MTA-STS policy's HTTPS
 *   --https-port N        the port of the MTA-STS policy host (443; tests)
 *   --no-https            skip the policy file
 *   --selector S          a DKIM selector to look up (repeat); without it, the
 *                         selectors of the last 30 days of reports in --db
 *   --json, --lang ja|en, --save
 *
 * Exit status: 0 no error-level finding, 1 at least one, 2 usage or fatal.
 * Exports: cmd_check (cmd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "../dnscheck/dnscheck.h"
#include "../dnscheck/daily.h"
#include "../util/dbuf.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope check DOMAIN [--json] [--lang ja|en] [--resolver IP:PORT]\n"
	    "                        [--timeout MS] [--deadline MS] [--ca-file FILE]\n"
	    "                        [--https-port N] [--no-https] [--selector S]... [--save]\n"
	    "\n"
	    "Check the DNS records of a policy domain: DMARC (RFC 7489, RFC 9989), SPF\n"
	    "(RFC 7208, lookups followed and counted), the DKIM keys of the selectors\n"
	    "seen in its reports, MTA-STS, TLS-RPT and BIMI.  Exit 1 when a finding is\n"
	    "an error.  --save keeps the records in the history (a change raises an\n"
	    "alert) and the result for the portal.\n");
}

/* check's own options */
typedef struct check_own {
	dc_opts *o;
	int save;
} check_own;

static int
own_opt(void *ctx, int ch, const char *arg)
{
	check_own *k = ctx;
	int64_t v;

	switch (ch) {
	case 'C': k->o->ca_file = arg; break;
	case 'p':
		if (cmd_parse_num("--https-port", arg, 1, 65535, &v) != 0)
			return 2;
		k->o->https_port = (int)v;
		break;
	case 'N': k->o->no_https = 1; break;
	case 's':
		if (k->o->nselectors >= DC_SELECTORS_MAX) {
			log_warnx("check: at most %d selectors", DC_SELECTORS_MAX);
			return 2;
		}
		k->o->selectors[k->o->nselectors++] = arg;
		break;
	case 'S': k->save = 1; break;
	default: usage(stderr); return 2;
	}
	return 0;
}

int
cmd_check(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ca-file", required_argument, NULL, 'C' },
		{ "https-port", required_argument, NULL, 'p' },
		{ "no-https", no_argument, NULL, 'N' },
		{ "selector", required_argument, NULL, 's' },
		{ "save", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	static const cmd_dom_spec spec = { .cmd = "check", .use = CMD_DO_DNS, .usage = usage,
		.own = opts, .own_opt = own_opt };
	cmd_dom_opts d;
	check_own k = { &d.dns, 0 };
	dc_opts *o = &d.dns;
	dc_result r;
	char err[512];
	int e, w, in, rc;
	store *s = NULL;

	if ((rc = cmd_dom_parse(&spec, &d, &k, argc, argv)) >= 0)
		return rc;
	/* the selectors come from the database only when there is one: a plain
	 * check never creates a database file */
	if (k.save || (o->nselectors == 0 && store_exists(c->db))) {
		if ((s = cmd_open_store(c)) == NULL && k.save)
			return 2;
	}
	if (s != NULL && o->nselectors == 0 &&
	    dnscheck_selectors(s, d.domain, o, err, sizeof(err)) != 0)
		log_warnx("check: %s", err);
	if (dc_check(d.domain, o, &r, err, sizeof(err)) != 0) {
		log_warnx("check: %s", err);
		dnscheck_selectors_free(o);
		if (s != NULL)
			store_close(s);
		return 2;
	}
	dnscheck_selectors_free(o);
	if (k.save) {
		int changes = 0;

		if (dnscheck_track(s, &r, &changes, err, sizeof(err)) != 0) {
			log_warnx("check: %s", err);
			dc_result_free(&r);
			store_close(s);
			return 2;
		}
		if (!d.json)
			printf("%d record change%s recorded\n", changes, changes == 1 ? "" : "s");
	}
	if (s != NULL)
		store_close(s);
	dc_counts(&r, &e, &w, &in);
	if (d.json) {
		dbuf b;

		dbuf_init(&b, 16 << 20);
		dc_result_json(&r, &b);
		printf("%s\n", dbuf_cstr(&b));
		dbuf_free(&b);
	} else {
		char text[1024];

		for (int i = 0; i < r.n; i++) {
			dc_text(&r.f[i], strcmp(d.lang, "ja") == 0, text, sizeof(text));
			printf("%-7s %-22s %-22s %s\n", dc_severity_name(r.f[i].def->sev),
			    r.f[i].def->code, r.f[i].def->rfc, text);
			if (r.f[i].record != NULL && c->verbosity > 1)
				printf("        %s\n", r.f[i].record);
		}
		printf("%s: %d error%s, %d warning%s, %d DNS queries\n", r.domain, e, e == 1 ? "" : "s",
		    w, w == 1 ? "" : "s", r.queries);
	}
	rc = e > 0 ? 1 : 0;
	dc_result_free(&r);
	return rc;
}
