/*
 * feed.c - `dmarcscope feed`: the spoofing-host feed (src/analyze/feed.h) of
 * the policy domains over a period as CSV, JSON or an rbldnsd zone on
 * stdout; `dmarcscope feed allow add|del|list` edits the provider-wide
 * allow-list (feed_allow, tenant 0); `dmarcscope takedown IP` prints the
 * take-down request for one host (ja or en), for the admin to send.
 * Nothing is ever sent.  The reanalysis queue is drained first, so a
 * sender registered a moment ago already counts.
 *
 * Exit status: 0 done, 1 takedown: the host is not in the feed (or is
 * excluded) / allow del: not listed / allow add: already listed, 2 usage or
 * fatal.  Exports: cmd_feed, cmd_takedown (cmd.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../analyze/feed.h"
#include "../store/store_dnscheck.h"
#include "../store/store_feed.h"
#include "../util/dbuf.h"
#include "../util/domain.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope feed [--domain D] [--days N] [--until YYYY-MM-DD]\n"
	    "                       [--min-messages N] [--min-days N]\n"
	    "                       [--format csv|json|rbldnsd] [--zone-name NAME]\n"
	    "       dmarcscope feed allow add IP/CIDR [--note TEXT]\n"
	    "       dmarcscope feed allow del IP/CIDR\n"
	    "       dmarcscope feed allow list [--json]\n"
	    "       dmarcscope takedown IP [--domain D] [--days N] [--until YYYY-MM-DD]\n"
	    "                       [--lang ja|en] [--json]\n"
	    "\n"
	    "The hosts that sent spoofing-suspected mail (classified from the aggregate\n"
	    "reports) for your domains over the last N days (default 30), with counts,\n"
	    "first/last seen, reverse DNS, country, AS, the RDAP abuse contact (from\n"
	    "`dmarcscope enrich`) and failure-report evidence.  --format rbldnsd writes\n"
	    "a zone for rbldnsd (NAME:combined:FILE): 127.0.0.2 and a TXT per host.\n"
	    "The allow-list, My Senders, known services and known forwarders never\n"
	    "appear, whatever their counts.  takedown prints a request to the host's\n"
	    "abuse contact with the evidence: copy it and send it yourself.\n");
}

typedef struct scope {
	char **domains;
	size_t n, cap;
} scope;

static int
scope_add(void *ctx, const char *d)
{
	scope *sc = ctx;

	if (sc->n == sc->cap) {
		size_t nc = sc->cap ? sc->cap * 2 : 16;
		char **nd = realloc(sc->domains, nc * sizeof(*nd));

		if (nd == NULL)
			return 1;
		sc->domains = nd;
		sc->cap = nc;
	}
	if ((sc->domains[sc->n] = strdup(d)) == NULL)
		return 1;
	sc->n++;
	return 0;
}

static void
scope_free(scope *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->domains[i]);
	free(sc->domains);
}

typedef struct args {
	const char *domain, *format, *zone, *lang, *note;
	int64_t days, until, min_messages, min_days;
	int json;
} args;

static int
parse(int argc, char **argv, args *a, const char *cmd)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'D' },
		{ "until", required_argument, NULL, 'u' },
		{ "min-messages", required_argument, NULL, 'm' },
		{ "min-days", required_argument, NULL, 'y' },
		{ "format", required_argument, NULL, 'f' },
		{ "zone-name", required_argument, NULL, 'z' },
		{ "lang", required_argument, NULL, 'L' },
		{ "note", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->days = 30;
	a->min_messages = 1;
	a->min_days = 1;
	a->format = "csv";
	optind = 0;	/* GNU: re-initialise (main stopped at the command: REQUIRE_ORDER) */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a->domain = optarg; break;
		case 'D':
			if (cmd_parse_num("--days", optarg, 1, FEED_MAX_DAYS, &a->days) != 0)
				return 2;
			break;
		case 'u':
			if (cmd_parse_date(optarg, &a->until) != 0) {
				log_warnx("%s: --until: YYYY-MM-DD", cmd);
				return 2;
			}
			a->until += 86400;	/* the whole day */
			break;
		case 'm':
			if (cmd_parse_num("--min-messages", optarg, 1, 1000000000, &a->min_messages) != 0)
				return 2;
			break;
		case 'y':
			if (cmd_parse_num("--min-days", optarg, 1, FEED_MAX_DAYS, &a->min_days) != 0)
				return 2;
			break;
		case 'f': a->format = optarg; break;
		case 'z': a->zone = optarg; break;
		case 'L': a->lang = optarg; break;
		case 'n': a->note = optarg; break;
		case 'j': a->json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(a->format, "csv") != 0 && strcmp(a->format, "json") != 0 &&
	    strcmp(a->format, "rbldnsd") != 0) {
		log_warnx("%s: --format: csv, json or rbldnsd", cmd);
		return 2;
	}
	if (a->zone != NULL && (strlen(a->zone) > 200 || strspn(a->zone,
	    "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(a->zone) || a->zone[0] == '.')) {
		log_warnx("%s: --zone-name: a lower-case DNS name", cmd);
		return 2;
	}
	if (a->domain != NULL && (strlen(a->domain) > 253 || strspn(a->domain,
	    "abcdefghijklmnopqrstuvwxyz0123456789.-_") != strlen(a->domain))) {
		log_warnx("%s: --domain: a lower-case domain name", cmd);
		return 2;
	}
	return -1;
}

/* Opens the store and builds the feed of a's scope; 0, or the exit status. */
static int
build(cmd_ctx *c, const args *a, const char *ip, store **st, scope *sc, feed *f)
{
	feed_opts o;
	char err[512];
	int64_t now = (int64_t)time(NULL);

	memset(sc, 0, sizeof(*sc));
	if ((*st = cmd_open_store(c)) == NULL)
		return 2;
	if (cmd_catch_up(*st) != 0)
		return 2;
	memset(&o, 0, sizeof(o));
	o.until = a->until > 0 ? a->until : now;
	o.since = o.until - a->days * 86400;
	if (a->domain != NULL) {
		if (scope_add(sc, a->domain) != 0)
			return 2;
	} else if (!store_has((*st), dnscheck) ||
	    store_dnscheck_domains(*st, o.since, scope_add, sc) != STORE_OK) {
		log_warnx("feed: %s", store_errmsg(*st));
		return 2;
	}
	o.domains = (const char *const *)sc->domains;
	o.ndomains = sc->n;
	o.min_messages = a->min_messages;
	o.min_days = a->min_days;
	o.ip = ip;
	o.svc = feed_services();
	if (feed_build(*st, &o, f, err, sizeof(err)) != 0) {
		log_warnx("feed: %s", err);
		return 2;
	}
	return 0;
}

typedef struct alist {
	json_t *arr;
	int n;
} alist;

static int
allow_print(void *ctx, const store_feed_allow *r)
{
	alist *l = ctx;
	char d[32];

	l->n++;
	if (l->arr != NULL) {
		json_array_append_new(l->arr, json_pack("{s:I,s:I,s:s,s:s?,s:I}", "id",
		    (json_int_t)r->id, "tenant_id", (json_int_t)r->tenant_id, "cidr", r->cidr, "note",
		    r->note, "created_at", (json_int_t)r->created_at));
		return 0;
	}
	cmd_fmt_date(r->created_at, d, sizeof(d));
	printf("%-43s %s%s%s%s\n", r->cidr, d, r->tenant_id ? " (tenant)" : "",
	    r->note ? "  " : "", r->note ? r->note : "");
	return 0;
}

static int
allow_cmd(cmd_ctx *c, int argc, char **argv)
{
	const char *verb = argc > 2 ? argv[2] : "";
	args a;
	store *st;
	int rc;

	if (strcmp(verb, "add") != 0 && strcmp(verb, "del") != 0 && strcmp(verb, "list") != 0) {
		usage(stderr);
		return 2;
	}
	if ((rc = parse(argc - 2, argv + 2, &a, "feed allow")) >= 0)
		return rc;
	if (argc - 2 - optind != (strcmp(verb, "list") == 0 ? 0 : 1)) {
		usage(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (!store_has(st, feed)) {
		log_warnx("feed allow: not available with this store");
		store_close(st);
		return 2;
	}
	if (strcmp(verb, "list") == 0) {
		alist l = { a.json ? json_array() : NULL, 0 };

		rc = store_feed_allow_list(st, 0, allow_print, &l) == STORE_OK ? 0 : 2;
		if (rc != 0)
			log_warnx("feed allow list: %s", store_errmsg(st));
		else if (l.arr != NULL) {
			char *s = json_dumps(l.arr, JSON_INDENT(2));

			printf("%s\n", s ? s : "[]");
			free(s);
		} else if (l.n == 0)
			printf("(the allow-list is empty: add a network with 'dmarcscope feed allow add')\n");
		json_decref(l.arr);
	} else {
		ip_cidr net;
		char canon[IP_CIDRLEN];
		int64_t id;
		int found;

		if (ip_cidr_parse(argv[optind + 2], &net) != 0) {
			log_warnx("feed allow %s: '%s' is not an address or network", verb,
			    argv[optind + 2]);
			store_close(st);
			return 2;
		}
		ip_cidr_format(&net, canon);
		if (strcmp(verb, "add") == 0) {
			rc = store_feed_allow_add(st, 0, canon, a.note, (int64_t)time(NULL),
			    &id) == STORE_OK ? 0 : 1;
			if (rc == 0)
				printf("allow-listed %s\n", canon);
			else
				log_warnx("feed allow add: %s", store_errmsg(st));
		} else {
			rc = store_feed_allow_del(st, 0, canon, &found) == STORE_OK ? (found ? 0 : 1) : 2;
			if (rc == 0)
				printf("removed %s\n", canon);
			else if (rc == 1)
				log_warnx("feed allow del: %s is not listed", canon);
			else
				log_warnx("feed allow del: %s", store_errmsg(st));
		}
	}
	store_close(st);
	return rc;
}

int
cmd_feed(cmd_ctx *c, int argc, char **argv)
{
	args a;
	store *st = NULL;
	scope sc;
	feed f;
	dbuf b;
	int rc;

	if (argc > 1 && strcmp(argv[1], "allow") == 0)
		return allow_cmd(c, argc, argv);
	if ((rc = parse(argc, argv, &a, "feed")) >= 0)
		return rc;
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&f, 0, sizeof(f));
	if ((rc = build(c, &a, NULL, &st, &sc, &f)) != 0) {
		scope_free(&sc);
		if (st != NULL)
			store_close(st);
		return rc;
	}
	dbuf_init(&b, (size_t)1 << 30);
	if (strcmp(a.format, "json") == 0) {
		json_t *j = feed_json(&f);
		char *s = json_dumps(j, JSON_INDENT(2));

		dbuf_addstr(&b, s ? s : "{}");
		dbuf_addc(&b, '\n');
		free(s);
		json_decref(j);
	} else if (strcmp(a.format, "rbldnsd") == 0)
		feed_zone(&f, a.zone, &b);
	else
		feed_csv(&f, &b);
	fwrite(dbuf_cstr(&b), 1, b.len, stdout);
	dbuf_free(&b);
	feed_free(&f);
	scope_free(&sc);
	store_close(st);
	return 0;
}

int
cmd_takedown(cmd_ctx *c, int argc, char **argv)
{
	args a;
	store *st = NULL;
	scope sc;
	feed f;
	char ip[IP_STRLEN];
	int fam, rc;

	if ((rc = parse(argc, argv, &a, "takedown")) >= 0)
		return rc;
	if (optind != argc - 1 || ip_canon(argv[optind], strlen(argv[optind]), ip, &fam) != 0) {
		if (optind == argc - 1)
			log_warnx("takedown: '%s' is not an IP address", argv[optind]);
		else
			usage(stderr);
		return 2;
	}
	a.min_messages = a.min_days = 1;
	memset(&f, 0, sizeof(f));
	if ((rc = build(c, &a, ip, &st, &sc, &f)) != 0) {
		scope_free(&sc);
		if (st != NULL)
			store_close(st);
		return rc;
	}
	if (f.n == 0) {
		if (f.nexcluded > 0)
			log_warnx("takedown: %s is never reported: %s", ip, f.excluded[0].excluded);
		else
			log_warnx("takedown: %s sent no spoofing-suspected mail for these domains in the "
			    "period", ip);
		rc = 1;
	} else if (a.json) {
		dbuf ja, en;
		json_t *j;
		char *s;

		dbuf_init(&ja, 1 << 20);
		dbuf_init(&en, 1 << 20);
		feed_takedown(&f, &f.hosts[0], "ja", &ja);
		feed_takedown(&f, &f.hosts[0], "en", &en);
		j = json_pack("{s:s,s:s?,s:s,s:s}", "ip", ip, "abuse_email", f.hosts[0].abuse_email,
		    "ja", dbuf_cstr(&ja), "en", dbuf_cstr(&en));
		s = json_dumps(j, JSON_INDENT(2));
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
		dbuf_free(&ja);
		dbuf_free(&en);
	} else {
		dbuf b;

		dbuf_init(&b, 1 << 20);
		feed_takedown(&f, &f.hosts[0], cmd_lang(a.lang), &b);
		fwrite(dbuf_cstr(&b), 1, b.len, stdout);
		dbuf_free(&b);
	}
	feed_free(&f);
	scope_free(&sc);
	store_close(st);
	return rc;
}
