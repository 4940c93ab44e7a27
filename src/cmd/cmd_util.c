/*
 * cmd_util.c - small helpers shared by the subcommands (see cmd.h), and the
 * option parser of the per-domain commands (cmd_opts.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "../analyze/analysis.h"
#include "../store/store_analysis.h"
#include "../util/log.h"

store *
cmd_open_store(cmd_ctx *c)
{
	store *s;
	char err[512];

	if (store_open(&s, c->db, err, sizeof(err)) != STORE_OK) {
		log_warnx("%s", err);
		return NULL;
	}
	return s;
}

int
cmd_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': v <<= 10; end++; break;
	case 'm': v <<= 20; end++; break;
	case 'g': v <<= 30; end++; break;
	default: return -1;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
cmd_parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

void
cmd_fmt_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

int
cmd_filter_opt(int opt, const char *arg, store_filter *f)
{
	int64_t t;

	switch (opt) {
	case 'd':
	{
		/* policy domains are stored lower-case, without a trailing dot;
		 * one --domain per command, so one static buffer */
		static char dom[256];
		size_t n = strlen(arg);

		if (n >= sizeof(dom)) {
			log_warnx("--domain: too long");
			return -1;
		}
		for (size_t i = 0; i <= n; i++)
			dom[i] = (char)tolower((unsigned char)arg[i]);
		if (n > 0 && dom[n - 1] == '.')
			dom[n - 1] = '\0';
		f->domain = dom;
		return 0;
	}
	case 'S':
		if (cmd_parse_date(arg, &t) != 0) {
			log_warnx("--since: expected YYYY-MM-DD, got '%s'", arg);
			return -1;
		}
		f->since = t;
		return 0;
	case 'U':
		if (cmd_parse_date(arg, &t) != 0) {
			log_warnx("--until: expected YYYY-MM-DD, got '%s'", arg);
			return -1;
		}
		f->until = t + 86400;	/* inclusive day */
		return 0;
	}
	return -1;
}

static int
count_pending(void *ctx, const char *domain)
{
	(void)domain;
	(*(int *)ctx)++;
	return 1;	/* one is enough */
}

int
cmd_catch_up(store *s)
{
	analysis *a;
	int n = 0, rc;

	if (!store_has(s, analysis))
		return 0;
	if (store_analysis_pending_list(s, count_pending, &n) != STORE_OK) {
		log_warnx("reanalysis: %s", store_errmsg(s));
		return -1;
	}
	if (n == 0)
		return 0;	/* nothing queued: skip loading the service map */
	n = 0;
	a = analysis_new(s, NULL);
	rc = analysis_catch_up(a, &n);
	analysis_free(a);
	if (rc != 0) {
		log_warnx("reanalysis: %s", store_errmsg(s));
		return -1;
	}
	if (n > 0)
		log_info("reanalysed %d domain(s)", n);
	return 0;
}

const char *
cmd_lang(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return strncmp(opt, "ja", 2) == 0 ? "ja" : "en";
	env = getenv("LC_ALL");
	if (env == NULL || *env == '\0')
		env = getenv("LC_MESSAGES");
	if (env == NULL || *env == '\0')
		env = getenv("LANG");
	return env != NULL && strncmp(env, "ja", 2) == 0 ? "ja" : "en";
}

int
cmd_parse_num(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi) {
		log_warnx("%s: expected a number %lld..%lld, got '%s'", opt, (long long)lo,
		    (long long)hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

int
cmd_parse_real(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) {
		log_warnx("%s: expected a number %g..%g, got '%s'", opt, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

int
cmd_env_redact(void)
{
	const char *v = getenv("DMARCSCOPE_REDACT");

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* ---- the per-domain commands' options (cmd_opts.h) ------------------------------------- */

/* codes of the shared options, clear of the commands' own letters */
enum { DO_JSON = 0x100, DO_LANG, DO_RESOLVER, DO_TIMEOUT, DO_DEADLINE, DO_DAYS, DO_SINCE,
	DO_UNTIL, DO_HELP };
#define DO_MAX_OPTS 32

static int
dom_date(const cmd_dom_spec *sp, const char *opt, const char *arg, int64_t *out)
{
	if (cmd_parse_date(arg, out) != 0) {
		log_warnx("%s: %s: %s", sp->cmd, opt, sp->date_hint ? sp->date_hint :
		    "a date YYYY-MM-DD");
		return -1;
	}
	return 0;
}

/* One shared option; 0, or the exit status. */
static int
dom_opt(const cmd_dom_spec *sp, cmd_dom_opts *d, int ch, const char *arg)
{
	int64_t v;

	switch (ch) {
	case DO_JSON: d->json = 1; return 0;
	case DO_LANG: d->lang = arg; return 0;
	case DO_RESOLVER: d->dns.resolver = arg; return 0;
	case DO_TIMEOUT:
		if (cmd_parse_num("--timeout", arg, 50, 60000, &v) != 0)
			return 2;
		d->dns.timeout_ms = (int)v;
		return 0;
	case DO_DEADLINE:
		if (cmd_parse_num("--deadline", arg, 100, 600000, &v) != 0)
			return 2;
		d->dns.deadline_ms = (int)v;
		return 0;
	case DO_DAYS:
		return cmd_parse_num("--days", arg, 1, sp->days_max > 0 ? sp->days_max : 3660,
		    &d->days) != 0 ? 2 : 0;
	case DO_SINCE:
		return dom_date(sp, "--since", arg, &d->since) != 0 ? 2 : 0;
	case DO_UNTIL:
		if (dom_date(sp, "--until", arg, &d->until) != 0)
			return 2;
		d->until += 86400;	/* the whole day */
		return 0;
	}
	return 2;
}

int
cmd_dom_parse(const cmd_dom_spec *sp, cmd_dom_opts *d, void *ctx, int argc, char **argv)
{
	static const struct { const char *name; int has_arg, val; unsigned use; } shared[] = {
		{ "json", no_argument, DO_JSON, 0 },
		{ "lang", required_argument, DO_LANG, 0 },
		{ "resolver", required_argument, DO_RESOLVER, CMD_DO_DNS },
		{ "timeout", required_argument, DO_TIMEOUT, CMD_DO_DNS },
		{ "deadline", required_argument, DO_DEADLINE, CMD_DO_DNS },
		{ "days", required_argument, DO_DAYS, CMD_DO_DAYS },
		{ "since", required_argument, DO_SINCE, CMD_DO_SINCE },
		{ "until", required_argument, DO_UNTIL, CMD_DO_UNTIL },
		{ "help", no_argument, DO_HELP, 0 },
	};
	struct option opts[DO_MAX_OPTS];
	size_t n = 0;
	int ch, rc;

	memset(d, 0, sizeof(*d));
	d->days = sp->days;
	dc_opts_init(&d->dns);
	d->dns.loopback_only = getenv("DMARCSCOPE_ENRICH_LOOPBACK_ONLY") != NULL;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (shared[i].use == 0 || (sp->use & shared[i].use) != 0)
			opts[n++] = (struct option){ shared[i].name, shared[i].has_arg, NULL,
			    shared[i].val };
	for (size_t i = 0; sp->own != NULL && sp->own[i].name != NULL && n + 1 < DO_MAX_OPTS; i++)
		opts[n++] = sp->own[i];
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	/* the domain may come first: `check example.jp --json` */
	if (argc > 1 && argv[1][0] != '-') {
		d->domain = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h' || ch == DO_HELP) {
			sp->usage(stdout);
			return 0;
		}
		if (ch >= DO_JSON && ch < DO_HELP)
			rc = dom_opt(sp, d, ch, optarg);
		else if (ch != '?' && ch != ':' && sp->own_opt != NULL)
			rc = sp->own_opt(ctx, ch, optarg);
		else {
			sp->usage(stderr);
			return 2;
		}
		if (rc != 0)
			return rc;
	}
	if (d->domain == NULL && optind < argc)
		d->domain = argv[optind++];
	if (d->domain == NULL || optind != argc) {
		sp->usage(stderr);
		return 2;
	}
	d->lang = cmd_lang(d->lang);
	return -1;
}
