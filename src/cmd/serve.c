/*
 * serve.c - `dmarcscope serve`: the web portal and JSON API (src/web/).
 *
 *   serve [--listen ADDR:PORT] [--password-file FILE] [--max-range DAYS]
 *         [--retention DAYS] [--no-enrich] [--offline] [--enrich-interval SEC]
 *         [--max-connections N] [--max-per-client N] [--header-timeout SEC]
 *         [--query-timeout SEC] [--allow-host NAME]... [--trusted-proxy CIDR]...
 *         [--db-replica DSN] [--replica-max-lag MS]
 *   serve --routes
 *
 * The admin password comes from --password-file (first line) or
 * $DMARCSCOPE_ADMIN_PASSWORD (HTTP Basic as "admin": the local operator).
 * A non-loopback ADDR needs users (docs/PROVIDER.md) or that password.
 * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto count:
 * --trusted-proxy (repeatable) and "trusted_proxy = CIDR, CIDR" in [serve].
 * Host names the server answers to, besides its address: --allow-host
 * (repeatable) and "allow_host = a.example, b.example" lines in the [serve]
 * section of the --config file (at most MAX_HOSTS in all).
 * A PostgreSQL standby for the portal's reads: --db-replica (or "replica"
 * in [database]); reads go to the primary while it lags more than
 * --replica-max-lag ms ("replica_max_lag_ms", default 500).
 * Runs in the foreground until SIGINT or SIGTERM.  --routes prints the
 * API's route table (api_routes_print) and exits without opening anything.
 *
 * Exports: cmd_serve (cmd.h).  Exit: 0 after a clean stop, 2 on a usage
 * error or when the server cannot start.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "../util/config.h"
#include "../util/ipaddr.h"
#include "daemon.h"
#include "../util/log.h"
#include "../web/web.h"

#define MAX_HOSTS 32

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope serve [--listen ADDR:PORT] [--password-file FILE]\n"
	    "                        [--max-range DAYS] [--retention DAYS] [--no-enrich]\n"
	    "                        [--offline] [--enrich-interval SEC] [--max-connections N]\n"
	    "                        [--max-per-client N] [--header-timeout SEC]\n"
	    "                        [--query-timeout SEC] [--allow-host NAME]...\n"
	    "                        [--db-replica DSN] [--replica-max-lag MS]\n"
	    "       dmarcscope serve --config FILE [serve options]   (docs/OPERATIONS.md)\n"
	    "       dmarcscope serve --routes\n"
	    "\n"
	    "  --listen ADDR:PORT   numeric address and port (default 127.0.0.1:8080;\n"
	    "                       IPv6 as [::1]:8080)\n"
	    "  --password-file F    admin password (HTTP Basic, user admin); also\n"
	    "                       $DMARCSCOPE_ADMIN_PASSWORD; off loopback, users\n"
	    "                       (dmarcscope user add) or this password are required\n"
	    "  --max-range DAYS     longest mail-list range (default 90)\n"
	    "  --retention DAYS     hide data older than DAYS (default: keep all)\n"
	    "  --no-enrich          do not run enrichment in the background\n"
	    "  --offline            background enrichment without network lookups\n"
	    "  --enrich-interval S  seconds between enrichment runs (default 300)\n"
	    "  --max-connections N  concurrent connections (default 256)\n"
	    "  --max-per-client N   connections per client address (default a quarter\n"
	    "                       of --max-connections)\n"
	    "  --header-timeout S   seconds a client has to send a request's headers\n"
	    "                       (default 10)\n"
	    "  --query-timeout S    seconds a read may query the database (default 10;\n"
	    "                       decimals allowed)\n"
	    "  --allow-host NAME    a host name the portal is reached by (repeatable; also\n"
	    "                       allow_host in the [serve] section of --config); the\n"
	    "                       listen address, and localhost on loopback, always work\n"
	    "  --trusted-proxy CIDR a reverse proxy whose X-Forwarded-For and\n"
	    "                       X-Forwarded-Proto count (repeatable; also trusted_proxy\n"
	    "                       in [serve]); from anyone else they are ignored\n"
	    "  --db-replica DSN     read the portal's data from this PostgreSQL standby\n"
	    "                       (also replica in [database] of --config)\n"
	    "  --replica-max-lag MS read from the primary while the standby lags more\n"
	    "                       (default 500; replica_max_lag_ms in [database])\n"
	    "  --routes             print the API routes, one a line (tab-separated: method,\n"
	    "                       path, answer type, query parameters, description,\n"
	    "                       access: public, read, write, manage or operator)\n");
}

static char *
read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	size_t n;

	if (f == NULL) {
		log_warn("serve: %s", path);
		return NULL;
	}
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		log_warnx("serve: %s: empty password", path);
		return NULL;
	}
	return xstrdup(buf);
}

static int
parse_listen(const char *s, char *host, size_t hlen, int *port)
{
	const char *colon;
	char *end;
	long p;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':' || (size_t)(rb - s - 1) >= hlen)
			return -1;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || (size_t)(colon - s) >= hlen)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 0 || p > 65535 || host[0] == '\0')
		return -1;
	*port = (int)p;
	return 0;
}

struct hosts {
	char *name[MAX_HOSTS];
	int n;
};

static int
proxy_add(struct hosts *h, const char *cidr)
{
	ip_cidr c;

	if (ip_cidr_parse(cidr, &c) != 0) {
		log_warnx("serve: bad trusted proxy '%s' (an address or a CIDR)", cidr);
		return -1;
	}
	if (h->n == MAX_HOSTS) {
		log_warnx("serve: more than %d trusted proxies", MAX_HOSTS);
		return -1;
	}
	h->name[h->n++] = xstrdup(cidr);
	return 0;
}

static int
host_add(struct hosts *h, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 253 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._:") != n) {
		log_warnx("serve: bad host name '%s'", name);
		return -1;
	}
	if (h->n == MAX_HOSTS) {
		log_warnx("serve: more than %d allowed host names", MAX_HOSTS);
		return -1;
	}
	h->name[h->n++] = xstrdup(name);
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The [serve] section of the configuration file: allow_host = NAME[, NAME]...
 * and trusted_proxy = CIDR[, CIDR]...  Other keys and sections belong to
 * other commands and are skipped. */
static int
config_hosts(const char *path, struct hosts *h, struct hosts *px)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int in = 0, rc = 0;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;	/* main.c reports a missing --config file */
		log_warn("serve: %s", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *s = trim(line), *eq, *tok, *save;

		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close != NULL)
				*close = '\0';
			in = strcasecmp(trim(s + 1), "serve") == 0;
			continue;
		}
		if (!in || *s == '#' || *s == ';' || (eq = strchr(s, '=')) == NULL)
			continue;
		*eq = '\0';
		s = trim(s);
		if (strcasecmp(s, "allow_host") != 0 && strcasecmp(s, "trusted_proxy") != 0)
			continue;
		for (tok = strtok_r(eq + 1, ", \t\r\n", &save); tok != NULL && rc == 0;
		    tok = strtok_r(NULL, ", \t\r\n", &save)) {
			if (*tok == '#')
				break;
			rc = strcasecmp(s, "allow_host") == 0 ? host_add(h, tok) : proxy_add(px, tok);
		}
	}
	fclose(f);
	return rc;
}

/* "S" or "S.FFF" seconds (0.01 to 3600) as milliseconds. */
static int
seconds_ms(const char *s, int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0.01 && v <= 3600)) {
		log_warnx("serve: bad number of seconds '%s'", s);
		return -1;
	}
	*ms = (int)(v * 1000 + 0.5);
	return 0;
}

static int
num(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < lo || v > hi) {
		log_warnx("serve: bad number '%s'", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
cmd_serve(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "max-range", required_argument, NULL, 'R' },
		{ "retention", required_argument, NULL, 'T' },
		{ "no-enrich", no_argument, NULL, 'N' },
		{ "offline", no_argument, NULL, 'O' },
		{ "enrich-interval", required_argument, NULL, 'I' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "routes", no_argument, NULL, 'r' },
		{ "max-per-client", required_argument, NULL, 'M' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "query-timeout", required_argument, NULL, 'Q' },
		{ "allow-host", required_argument, NULL, 'A' },
		{ "trusted-proxy", required_argument, NULL, 'X' },
		{ "config", required_argument, NULL, 'K' },
		{ "db-replica", required_argument, NULL, 'D' },
		{ "replica-max-lag", required_argument, NULL, 'L' },	/* daemon.c: the whole service */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	web_opts o;
	char host[128];
	char *pw = NULL;
	const char *env;
	struct hosts hosts, proxies;
	int ch, rc, list = 0, daemon = 0, lag_set = 0;
	ds_config *cf = NULL;

	memset(&hosts, 0, sizeof(hosts));
	memset(&proxies, 0, sizeof(proxies));

	web_opts_default(&o);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (parse_listen(optarg, host, sizeof(host), &o.port) != 0) {
				log_warnx("serve: --listen wants ADDR:PORT, got '%s'", optarg);
				goto bad;
			}
			o.host = host;
			break;
		case 'P':
			free(pw);
			if ((pw = read_password(optarg)) == NULL)
				goto bad;
			break;
		case 'R':
			if (num(optarg, 1, 3660, &o.max_range_days) != 0)
				goto bad;
			break;
		case 'T':
			if (num(optarg, 0, 36600, &o.retention_days) != 0)
				goto bad;
			break;
		case 'N': o.enrich = 0; break;
		case 'O': o.offline = 1; break;
		case 'I':
			if (num(optarg, 5, 86400 * 7, &o.enrich_interval) != 0)
				goto bad;
			break;
		case 'C':
			if (num(optarg, 4, 10000, &o.max_conn) != 0)
				goto bad;
			break;
		case 'r': list = 1; break;
		case 'M':
			if (num(optarg, 1, 10000, &o.max_per_client) != 0)
				goto bad;
			break;
		case 'H':
			if (num(optarg, 1, 3600, &o.header_timeout) != 0)
				goto bad;
			break;
		case 'Q':
			if (seconds_ms(optarg, &o.query_ms) != 0)
				goto bad;
			break;
		case 'A':
			if (host_add(&hosts, optarg) != 0)
				goto bad;
			break;
		case 'X':
			if (proxy_add(&proxies, optarg) != 0)
				goto bad;
			break;
		case 'K': c->config = optarg; daemon = 1; break;
		case 'D': o.db_replica = optarg; break;
		case 'L':
			if (num(optarg, 0, 3600000, &o.replica_max_lag_ms) != 0)
				goto bad;
			lag_set = 1;
			break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); goto bad;
		}
	}
	if (daemon && !list) {
		rc = daemon_run(c, argc, argv);
		goto out;
	}
	if (optind < argc) {
		usage(stderr);
		goto bad;
	}
	if (list) {
		api_routes_print(stdout);
		rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 2;
		goto out;
	}
	if (c->config != NULL && config_hosts(c->config, &hosts, &proxies) != 0)
		goto bad;
	if (c->config != NULL && (o.db_replica == NULL || !lag_set)) {
		/* [database] replica, replica_max_lag_ms: the options win */
		char err[512];
		long lag;

		if ((cf = config_load(c->config, err, sizeof(err))) == NULL) {
			log_warnx("serve: %s", err);
			goto bad;
		}
		if (o.db_replica == NULL)
			o.db_replica = config_str(cf, "database", "replica");
		if (!lag_set && config_num(cf, "database", "replica_max_lag_ms", 0, 3600000, &lag) > 0)
			o.replica_max_lag_ms = (int)lag;
	}
	if (o.db_replica != NULL && o.db_replica[0] == '\0')
		o.db_replica = NULL;
	o.allow_hosts = (const char *const *)hosts.name;
	o.n_allow_hosts = hosts.n;
	o.trusted_proxies = (const char *const *)proxies.name;
	o.n_trusted_proxies = proxies.n;
	if (pw == NULL && (env = getenv("DMARCSCOPE_ADMIN_PASSWORD")) != NULL && env[0] != '\0')
		pw = xstrdup(env);
	o.password = pw;
	o.db = c->db;
	o.config = c->config;
	o.verbose = c->verbosity >= 2;
	rc = web_serve(&o) == 0 ? 0 : 2;
out:
	config_free(cf);
	free(pw);
	for (int i = 0; i < hosts.n; i++)
		free(hosts.name[i]);
	for (int i = 0; i < proxies.n; i++)
		free(proxies.name[i]);
	return rc;
bad:
	rc = 2;
	goto out;
}
