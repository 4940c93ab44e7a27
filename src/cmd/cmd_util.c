/*
 * cmd_util.c - small helpers shared by the subcommands (see cmd.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
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
