/*
 * serve.c - `dmarcscope serve`: the web portal and JSON API (src/web/).
 *
 *   serve [--listen ADDR:PORT] [--password-file FILE] [--max-range DAYS]
 *         [--retention DAYS] [--no-enrich] [--offline] [--enrich-interval SEC]
 *         [--max-connections N]
 *   serve --routes
 *
 * The admin password comes from --password-file (first line) or
 * $DMARCSCOPE_ADMIN_PASSWORD; it is required when ADDR is not loopback.
 * Runs in the foreground until SIGINT or SIGTERM.  --routes prints the
 * API's route table (api_routes_print) and exits without opening anything.
 *
 * Exports: cmd_serve (cmd.h).  Exit: 0 after a clean stop, 2 on a usage
 * error or when the server cannot start.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../util/log.h"
#include "../web/web.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope serve [--listen ADDR:PORT] [--password-file FILE]\n"
	    "                        [--max-range DAYS] [--retention DAYS] [--no-enrich]\n"
	    "                        [--offline] [--enrich-interval SEC] [--max-connections N]\n"
	    "       dmarcscope serve --routes\n"
	    "\n"
	    "  --listen ADDR:PORT   numeric address and port (default 127.0.0.1:8080;\n"
	    "                       IPv6 as [::1]:8080)\n"
	    "  --password-file F    admin password (HTTP Basic, user admin); also\n"
	    "                       $DMARCSCOPE_ADMIN_PASSWORD; required off loopback\n"
	    "  --max-range DAYS     longest mail-list range (default 90)\n"
	    "  --retention DAYS     hide data older than DAYS (default: keep all)\n"
	    "  --no-enrich          do not run enrichment in the background\n"
	    "  --offline            background enrichment without network lookups\n"
	    "  --enrich-interval S  seconds between enrichment runs (default 300)\n"
	    "  --max-connections N  concurrent connections (default 256)\n"
	    "  --routes             print the API routes, one a line (tab-separated: method,\n"
	    "                       path, answer type, query parameters, description)\n");
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	web_opts o;
	char host[128];
	char *pw = NULL;
	const char *env;
	int ch, rc, list = 0;

	web_opts_default(&o);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (parse_listen(optarg, host, sizeof(host), &o.port) != 0) {
				log_warnx("serve: --listen wants ADDR:PORT, got '%s'", optarg);
				return 2;
			}
			o.host = host;
			break;
		case 'P':
			free(pw);
			if ((pw = read_password(optarg)) == NULL)
				return 2;
			break;
		case 'R':
			if (num(optarg, 1, 3660, &o.max_range_days) != 0)
				return 2;
			break;
		case 'T':
			if (num(optarg, 0, 36600, &o.retention_days) != 0)
				return 2;
			break;
		case 'N': o.enrich = 0; break;
		case 'O': o.offline = 1; break;
		case 'I':
			if (num(optarg, 5, 86400 * 7, &o.enrich_interval) != 0)
				return 2;
			break;
		case 'C':
			if (num(optarg, 4, 10000, &o.max_conn) != 0)
				return 2;
			break;
		case 'r': list = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		free(pw);
		usage(stderr);
		return 2;
	}
	if (list) {
		free(pw);
		api_routes_print(stdout);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 2;
	}
	if (pw == NULL && (env = getenv("DMARCSCOPE_ADMIN_PASSWORD")) != NULL && env[0] != '\0')
		pw = xstrdup(env);
	o.password = pw;
	o.db = c->db;
	o.config = c->config;
	o.verbose = c->verbosity >= 2;
	rc = web_serve(&o) == 0 ? 0 : 2;
	free(pw);
	return rc;
}
