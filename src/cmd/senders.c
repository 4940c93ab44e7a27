/*
 * senders.c - `dmarcscope senders add|list|rm|suggest` (My Senders) and
 * `dmarcscope reanalyze`.  Every change to My Senders queues the domain for
 * reanalysis and runs it before returning, so classes and rollups are never
 * stale.
 *
 * Exports: cmd_senders, cmd_reanalyze (cmd.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd.h"
#include "progress.h"
#include "../analyze/align.h"
#include "../analyze/analysis.h"
#include "../analyze/senders.h"
#include "../analyze/services.h"
#include "../enrich/enrich.h"
#include "../store/store_analysis.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope senders add --domain D (--internal | --third-party)\n"
	    "                              (--cidr NET | --rdns SUFFIX | --service NAME | --dkim DOMAIN)\n"
	    "                              [--note TEXT]\n"
	    "       dmarcscope senders list [--domain D] [--json]\n"
	    "       dmarcscope senders rm ID...\n"
	    "       dmarcscope senders suggest --domain D [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	    "                              [--min-messages N] [--min-rate PCT] [--json]\n"
	    "\n"
	    "My Senders: the sources you authorize to send as a policy domain, each internal\n"
	    "(your own servers) or third party (services that send for you).  A source is a\n"
	    "network (CIDR), a reverse-DNS suffix, a known service from the service map, or a\n"
	    "DKIM signing domain.  Records are reclassified as soon as the list changes.\n"
	    "\n"
	    "suggest lists sources with volume and a high rate of aligned SPF or DKIM passes\n"
	    "(default: at least 10 messages and 90%%) that no rule covers yet, with the\n"
	    "command that registers each.\n");
}

static int
reanalyze_domain(store *st, const char *domain)
{
	if (store_analysis_pending_add(st, domain) != STORE_OK) {
		log_warnx("%s", store_errmsg(st));
		return -1;
	}
	return cmd_catch_up(st);
}

/* ---- add ---------------------------------------------------------------------- */

typedef struct name_ctx {
	const char *name;
	int found;
} name_ctx;

static int
name_cb(void *ctx, const service *svc)
{
	name_ctx *n = ctx;

	if (strcasecmp(svc->name, n->name) == 0) {
		n->found = 1;
		return 1;
	}
	return 0;
}

/* A service rule that names nothing in the map would never match. */
static int
service_known(const char *name)
{
	services *m = services_new();
	char err[256];
	name_ctx n = { name, 0 };

	if (services_load_default(m, err, sizeof(err)) != 0) {
		log_warnx("known-service map not loaded (%s): accepting '%s' unchecked", err, name);
		services_free(m);
		return 1;
	}
	services_each(m, name_cb, &n);
	services_free(m);
	return n.found;
}

static int
do_add(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "internal", no_argument, NULL, 'i' },
		{ "third-party", no_argument, NULL, 't' },
		{ "cidr", required_argument, NULL, 'C' },
		{ "rdns", required_argument, NULL, 'R' },
		{ "service", required_argument, NULL, 'V' },
		{ "dkim", required_argument, NULL, 'K' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	store_sender s;
	const char *type = NULL, *value = NULL;
	char canon[256], err[256];
	int ch, kind = 0;
	int64_t id;

	memset(&s, 0, sizeof(s));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (cmd_filter_opt('d', optarg, &f) != 0)
				return 2;
			break;
		case 'i': kind = SENDER_INTERNAL; break;
		case 't': kind = SENDER_THIRD_PARTY; break;
		case 'C': case 'R': case 'V': case 'K':
			if (type != NULL) {
				log_warnx("senders add: give one of --cidr, --rdns, --service, --dkim");
				return 2;
			}
			type = ch == 'C' ? "cidr" : ch == 'R' ? "rdns" : ch == 'V' ? "service" : "dkim";
			value = optarg;
			break;
		case 'n': s.note = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (f.domain == NULL || kind == 0 || type == NULL || optind < argc) {
		log_warnx("senders add: needs --domain, --internal or --third-party, and one source");
		usage(stderr);
		return 2;
	}
	if (sender_normalize(type, value, canon, sizeof(canon), err, sizeof(err)) != 0) {
		log_warnx("senders add: %s", err);
		return 2;
	}
	if (strcmp(type, "service") == 0 && !service_known(canon)) {
		log_warnx("senders add: no service named '%s' in the service map "
		    "(see data/services.csv; names are case-insensitive)", canon);
		return 2;
	}
	s.policy_domain = f.domain;
	s.kind = kind;
	s.match_type = type;
	s.value = canon;
	if (store_analysis_sender_add(st, &s, &id) != STORE_OK) {
		log_warnx("senders add: %s", store_errmsg(st));
		return 1;
	}
	printf("added sender %lld: %s %s %s (%s)\n", (long long)id, f.domain, type, canon,
	    sender_kind_name((sender_kind)kind));
	return reanalyze_domain(st, f.domain) == 0 ? 0 : 2;
}

/* ---- list ---------------------------------------------------------------------- */

typedef struct list_ctx {
	int json, n;
	json_t *arr;
} list_ctx;

static int
list_cb(void *ctx, const store_sender *s)
{
	list_ctx *l = ctx;
	char when[16];

	l->n++;
	cmd_fmt_date(s->created_at, when, sizeof(when));
	if (l->json) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(s->id));
		json_object_set_new(o, "domain", json_string(s->policy_domain));
		json_object_set_new(o, "kind", json_string(sender_kind_name((sender_kind)s->kind)));
		json_object_set_new(o, "match", json_string(s->match_type));
		json_object_set_new(o, "value", json_string(s->value));
		json_object_set_new(o, "note", s->note ? json_string(s->note) : json_null());
		json_object_set_new(o, "created", json_string(when));
		json_array_append_new(l->arr, o);
	} else {
		printf("%-5lld %-28s %-11s %-8s %-32s %s%s\n", (long long)s->id, s->policy_domain,
		    sender_kind_name((sender_kind)s->kind), s->match_type, s->value, when,
		    s->note ? "  " : "");
		if (s->note)
			printf("      note: %s\n", s->note);
	}
	return 0;
}

static int
do_list(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	list_ctx l = { 0, 0, NULL };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (cmd_filter_opt('d', optarg, &f) != 0)
				return 2;
			break;
		case 'j': l.json = 1; break;
		default: usage(stderr); return 2;
		}
	}
	l.arr = json_array();
	if (!l.json)
		printf("%-5s %-28s %-11s %-8s %-32s %s\n", "id", "domain", "kind", "match", "value",
		    "added");
	if (store_analysis_sender_list(st, f.domain, list_cb, &l) != STORE_OK) {
		log_warnx("senders list: %s", store_errmsg(st));
		json_decref(l.arr);
		return 2;
	}
	if (l.json) {
		char *t = json_dumps(l.arr, JSON_COMPACT | JSON_ENSURE_ASCII);

		puts(t);
		free(t);
	} else if (l.n == 0) {
		printf("(none: add one with 'dmarcscope senders add', or see 'senders suggest')\n");
	}
	json_decref(l.arr);
	return 0;
}

/* ---- rm ------------------------------------------------------------------------ */

static int
do_rm(store *st, int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		log_warnx("senders rm: which id? (see 'senders list')");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char *end, domain[256];
		long long id = strtoll(argv[i], &end, 10);
		int found;

		if (*end != '\0' || id <= 0) {
			log_warnx("senders rm: '%s' is not an id", argv[i]);
			rc = 2;
			continue;
		}
		if (store_analysis_sender_rm(st, id, domain, sizeof(domain), &found) !=
		    STORE_OK) {
			log_warnx("senders rm: %s", store_errmsg(st));
			return 2;
		}
		if (!found) {
			log_warnx("senders rm: no sender %lld", id);
			rc = rc ? rc : 1;
			continue;
		}
		printf("removed sender %lld (%s)\n", id, domain);
		if (reanalyze_domain(st, domain) != 0)
			return 2;
	}
	return rc;
}

/* ---- suggest --------------------------------------------------------------------- */

typedef struct cand {
	char type[8];
	char value[256];
	int64_t messages, pass, ips;
	int64_t foreign;	/* hosts named outside the policy domain, or of a known service */
} cand;

typedef struct sug_ctx {
	const char *domain;
	sender_set *set;
	cand *c;
	size_t n, cap;
} sug_ctx;

static void
cand_add(sug_ctx *s, const char *type, const char *value, const store_source_row *r)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->c[i].type, type) == 0 && strcmp(s->c[i].value, value) == 0)
			break;
	if (i == s->n) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->c = xrealloc(s->c, s->cap * sizeof(*s->c));
		}
		memset(&s->c[i], 0, sizeof(s->c[i]));
		snprintf(s->c[i].type, sizeof(s->c[i].type), "%s", type);
		snprintf(s->c[i].value, sizeof(s->c[i].value), "%s", value);
		s->n++;
	}
	s->c[i].messages += r->messages;
	s->c[i].pass += r->dmarc_pass;
	s->c[i].ips++;
	if (r->service != NULL || (r->ptr != NULL && !align_match(r->ptr, s->domain,
	    DM_ALIGN_RELAXED)))
		s->c[i].foreign++;
}

static int
sug_cb(void *ctx, const store_source_row *r)
{
	sug_ctx *s = ctx;
	sender_facts sf;
	ip_bin ip;
	int64_t id;
	char buf[IP_CIDRLEN], org[ALIGN_DOMAIN_MAX];

	memset(&sf, 0, sizeof(sf));
	sf.ip = ip_parse(r->ip, &ip) == 0 ? &ip : NULL;
	sf.ptr = r->ptr;
	sf.service = r->service;
	sf.dkim_pass_domains = r->dkim_pass_domains;
	if (sender_match(s->set, &sf, &id) != SENDER_NONE)
		return 0;	/* covered already */
	if (sf.ip != NULL) {
		ip_prefix_of(&ip, ip.family == 4 ? 24 : 48, buf);
		cand_add(s, "cidr", buf, r);
	}
	if (r->service != NULL)
		cand_add(s, "service", r->service, r);
	if (r->ptr != NULL && align_org_domain(r->ptr, org, sizeof(org)) == 0)
		cand_add(s, "rdns", org, r);
	if (r->dkim_pass_domains != NULL) {
		char first[256];
		size_t n = strcspn(r->dkim_pass_domains, " ");

		snprintf(first, sizeof(first), "%.*s", (int)n, r->dkim_pass_domains);
		/* signing with your own domain is what DMARC asks of everyone:
		 * it says nothing about who the host is */
		if (*first && !align_match(first, s->domain, DM_ALIGN_RELAXED))
			cand_add(s, "dkim", first, r);
	}
	return 0;
}

static int
load_rule(void *ctx, const store_sender *x)
{
	char err[128];

	sender_set_add(ctx, x->id, (sender_kind)x->kind, x->match_type, x->value, err,
	    sizeof(err));
	return 0;
}

static int
cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	return x->messages < y->messages ? 1 : x->messages > y->messages ? -1 :
	    strcmp(x->value, y->value);
}

/* A guess the user confirms: a network is internal unless its hosts are
 * named outside the policy domain or belong to a known service; a DKIM or
 * reverse-DNS domain is internal inside the policy domain's org domain;
 * a service is third party. */
static const char *
guess_kind(const char *domain, const cand *c)
{
	if (strcmp(c->type, "cidr") == 0)
		return c->foreign > 0 ? "third-party" : "internal";
	if ((strcmp(c->type, "dkim") == 0 || strcmp(c->type, "rdns") == 0) &&
	    align_match(c->value, domain, DM_ALIGN_RELAXED))
		return "internal";
	return "third-party";
}

static int
do_suggest(store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "min-messages", required_argument, NULL, 'm' },
		{ "min-rate", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	sug_ctx s;
	int64_t min_msgs = 10;
	double min_rate = 90.0;
	int ch, json = 0, shown = 0;
	json_t *arr;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 'm':
			if (cmd_parse_num("--min-messages", optarg, 0, INT64_MAX, &min_msgs) != 0)
				return 2;
			break;
		case 'r':
			if (cmd_parse_real("--min-rate", optarg, 0.0, 100.0, &min_rate) != 0)
				return 2;
			break;
		case 'j': json = 1; break;
		default: usage(stderr); return 2;
		}
	}
	if (f.domain == NULL) {
		log_warnx("senders suggest: needs --domain");
		return 2;
	}
	memset(&s, 0, sizeof(s));
	s.domain = f.domain;
	s.set = sender_set_new();
	if (store_analysis_sender_list(st, f.domain, load_rule, s.set) != STORE_OK ||
	    store_analysis_source_scan(st, &f, sug_cb, &s) != STORE_OK) {
		log_warnx("senders suggest: %s", store_errmsg(st));
		sender_set_free(s.set);
		free(s.c);
		return 2;
	}
	sender_set_free(s.set);
	if (s.n > 0)
		qsort(s.c, s.n, sizeof(*s.c), cand_cmp);
	arr = json_array();
	if (!json)
		printf("%-8s %-34s %9s %8s %4s  %s\n", "match", "value", "messages", "aligned",
		    "ips", "register with");
	for (size_t i = 0; i < s.n; i++) {
		const cand *c = &s.c[i];
		double rate = c->messages ? 100.0 * (double)c->pass / (double)c->messages : 0;
		const char *kind = guess_kind(f.domain, c);

		if (c->messages < min_msgs || rate < min_rate)
			continue;
		shown++;
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "match", json_string(c->type));
			json_object_set_new(o, "value", json_string(c->value));
			json_object_set_new(o, "messages", json_integer(c->messages));
			json_object_set_new(o, "aligned_pct", json_real((double)((int)(rate * 10)) /
			    10.0));
			json_object_set_new(o, "ips", json_integer(c->ips));
			json_object_set_new(o, "kind", json_string(strcmp(kind, "internal") == 0 ?
			    "internal" : "third_party"));
			json_array_append_new(arr, o);
		} else {
			printf("%-8s %-34s %9lld %7.1f%% %4lld  dmarcscope senders add --domain %s "
			    "--%s --%s '%s'\n", c->type, c->value, (long long)c->messages, rate,
			    (long long)c->ips, f.domain, kind, c->type, c->value);
		}
	}
	if (json) {
		char *t = json_dumps(arr, JSON_COMPACT | JSON_ENSURE_ASCII);

		puts(t);
		free(t);
	} else if (shown == 0) {
		printf("(no candidates with at least %lld messages and %.0f%% aligned passes)\n",
		    (long long)min_msgs, min_rate);
	}
	json_decref(arr);
	free(s.c);
	return 0;
}

int
cmd_senders(cmd_ctx *c, int argc, char **argv)
{
	store *st;
	int rc;
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		usage(sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "rm") != 0 &&
	    strcmp(sub, "suggest") != 0) {
		log_warnx("senders: unknown subcommand '%s'", sub);
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (cmd_catch_up(st) != 0) {
		store_close(st);
		return 2;
	}
	if (strcmp(sub, "add") == 0)
		rc = do_add(st, argc - 1, argv + 1);
	else if (strcmp(sub, "list") == 0)
		rc = do_list(st, argc - 1, argv + 1);
	else if (strcmp(sub, "rm") == 0)
		rc = do_rm(st, argc - 1, argv + 1);
	else
		rc = do_suggest(st, argc - 1, argv + 1);
	store_close(st);
	return rc;
}

/* ---- reanalyze ---------------------------------------------------------------------- */

struct rbar {
	pbar bar;
	uint64_t total;		/* records of the domains queued */
};

static void
reanalyze_progress(void *ctx, const char *domain, int64_t records)
{
	struct rbar *b = ctx;

	progress_draw(&b->bar, (uint64_t)records, b->total, 0, "%lld of %llu records  %s",
	    (long long)records, (unsigned long long)b->total, domain);
}

int
cmd_reanalyze(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "dns", required_argument, NULL, 'n' },
		{ "dns-timeout", required_argument, NULL, 't' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	struct rbar bar;
	int want_bar = 1;
	enrich_txt_resolver *res = NULL;
	const char *dns = NULL;
	int timeout_ms = 1500;
	char err[256];
	analysis *a;
	store *st;
	int ch, n = 0, rc;
	time_t t0 = time(NULL);

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (cmd_filter_opt('d', optarg, &f) != 0)
				return 2;
			break;
		case 'n': dns = optarg; break;
		case 'P': want_bar = 0; break;
		case 't': {
			int64_t ms;

			if (cmd_parse_num("reanalyze: --dns-timeout", optarg, 10, 60000, &ms) != 0)
				return 2;
			timeout_ms = (int)ms;
			break;
		}
		case 'h':
			printf("usage: dmarcscope reanalyze [--domain D] [--dns SERVER[:PORT]]"
			    " [--dns-timeout MS] [--no-progress]\n\n"
			    "Recompute alignment, sender matches, classes and rollups for every record\n"
			    "of D (default: every domain), e.g. after updating the service map or the\n"
			    "public suffix list.  With --dns, organizational domains come from the\n"
			    "RFC 9989 DNS tree walk through that resolver (cached per name; a walk that\n"
			    "fails temporarily falls back to the public suffix list for the rest of\n"
			    "the run).  --dns-timeout: per query try, 2 tries (default 1500 ms).\n"
			    "A progress bar on stderr when it is a terminal (--no-progress: none).\n");
			return 0;
		default:
			fprintf(stderr, "usage: dmarcscope reanalyze [--domain D] [--dns SERVER[:PORT]]\n");
			return 2;
		}
	}
	if (dns != NULL) {
		if ((res = enrich_txt_resolver_new(dns, timeout_ms, err, sizeof(err))) == NULL) {
			log_warnx("reanalyze: --dns: %s", err);
			return 2;
		}
		align_set_resolver(enrich_txt_lookup, res);
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (store_analysis_pending_add(st, f.domain) != STORE_OK) {
		log_warnx("reanalyze: %s", store_errmsg(st));
		store_close(st);
		return 2;
	}
	a = analysis_new(st, NULL);
	progress_init(&bar.bar, want_bar);
	if (bar.bar.tty) {
		store_summary sum;

		bar.total = store_summary_get(st, &f, &sum) == STORE_OK ? (uint64_t)sum.records : 0;
		analysis_set_progress(a, reanalyze_progress, &bar);
	}
	rc = analysis_catch_up(a, &n);
	progress_clear(&bar.bar);
	analysis_free(a);
	if (rc != 0)
		log_warnx("reanalyze: %s", store_errmsg(st));
	else
		printf("reanalysed %d domain(s) in %lld s\n", n, (long long)(time(NULL) - t0));
	if (res != NULL) {
		unsigned long walked, fell;

		align_walk_stats(&walked, &fell);
		printf("tree walk: %lu name(s) walked, %lu fell back to the PSL\n", walked, fell);
		align_set_resolver(NULL, NULL);
		enrich_txt_resolver_free(res);
	}
	store_close(st);
	return rc == 0 ? 0 : 2;
}
