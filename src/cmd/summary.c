/*
 * summary.c - `dmarcscope summary [--json] [--domain D] [--since] [--until]
 * [--lang ja|en]`: what the store holds; with --domain, also the digest of
 * the JIPDEC slides (emails seen, DMARC/SPF/DKIM aligned counts and %,
 * DMARC failure reports received, the not-aligned counts, and the TLS
 * sessions when TLS reports exist) in Japanese or English.  Reports,
 * records, messages, domains and the period follow the filter; quarantine,
 * duplicates and archived inputs are the whole store's and, when a filter is
 * given, shown apart as such (JSON "all_domains").
 *
 * Exports: cmd_summary (cmd.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../analyze/stats.h"
#include "../report/kind.h"
#include "../store/store_kinds.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope summary [--json] [--domain D] [--since YYYY-MM-DD]\n"
	    "                          [--until YYYY-MM-DD] [--lang ja|en]\n"
	    "\n"
	    "Totals of the stored aggregate reports: reports, records, messages (the sum\n"
	    "of <count>), policy domains, the date range; the failure reports (and how\n"
	    "many are DMARC failures) and TLS reports; the quarantine and duplicate\n"
	    "counters.  With --domain, the digest follows: emails seen, DMARC\n"
	    "pass, SPF and DKIM aligned (counts and %%), DMARC failure reports received, the\n"
	    "not-aligned counts and, when TLS reports exist, the TLS sessions, in Japanese\n"
	    "or English (--lang, else $LANG).  --json adds the digest keys dmarc_pass,\n"
	    "spf_aligned, dkim_aligned, not_aligned, pct, failure_reports, tls and classes.\n"
	    "The quarantine, duplicate and archive counters belong to no\n"
	    "domain or day: with --domain, --since or --until they are the whole store's,\n"
	    "printed apart (JSON: under \"all_domains\").\n");
}

int
cmd_summary(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	store_summary sum;
	int ch, json = 0, filtered;
	store *s;
	json_t *st = NULL;
	const char *lang = NULL;
	char first[16] = "", last[16] = "";
	int64_t nfail = 0, nfail_dmarc = 0, ntls = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 'l': lang = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	filtered = f.domain != NULL || f.since != 0 || f.until != 0;
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	if (store_summary_get(s, &f, &sum) != STORE_OK) {
		log_warnx("summary: %s", store_errmsg(s));
		store_close(s);
		return 2;
	}
	if (store_has(s, kinds)) {
		/* the failure and TLS reports under the same filter */
		store_kinds_filter kf = { f.domain, f.since, f.until, 0 };
		int rc = store_kinds_count(s, DM_KIND_FAILURE, &kf, &nfail);

		kf.dmarc_only = 1;
		if (rc == STORE_OK)
			rc = store_kinds_count(s, DM_KIND_FAILURE, &kf, &nfail_dmarc);
		kf.dmarc_only = 0;
		if (rc == STORE_OK)
			rc = store_kinds_count(s, DM_KIND_TLSRPT, &kf, &ntls);
		if (rc != STORE_OK) {
			log_warnx("summary: %s", store_errmsg(s));
			store_close(s);
			return 2;
		}
	}
	if (f.domain != NULL && store_has(s, analysis)) {
		stats_query q = { f.domain, f.since, f.until, 5, 0 };
		char err[512];

		if (cmd_catch_up(s) != 0 || (st = stats_build(s, &q, err, sizeof(err))) == NULL) {
			if (st == NULL)
				log_warnx("summary: %s", err);
			store_close(s);
			return 2;
		}
	}
	store_close(s);
	if (sum.reports > 0) {
		cmd_fmt_date(sum.first_begin, first, sizeof(first));
		cmd_fmt_date(sum.last_end, last, sizeof(last));
	}
	if (json) {
		printf("{\"reports\":%lld,\"records\":%lld,\"messages\":%lld,",
		    (long long)sum.reports, (long long)sum.records, (long long)sum.messages);
		/* quarantine, duplicates and archived inputs belong to no domain or
		 * day: with a filter they are the whole store's, and say so */
		printf(filtered ? "\"all_domains\":{\"quarantined\":%lld,\"duplicates\":%lld,"
		    "\"raw_messages\":%lld}," : "\"quarantined\":%lld,\"duplicates\":%lld,"
		    "\"raw_messages\":%lld,", (long long)sum.quarantined,
		    (long long)sum.duplicates, (long long)sum.raw_messages);
		printf("\"domains\":%lld,", (long long)sum.domains);
		printf("\"kinds\":{\"failure\":%lld,\"failure_dmarc\":%lld,\"tlsrpt\":%lld},",
		    (long long)nfail, (long long)nfail_dmarc, (long long)ntls);
		if (sum.reports > 0)
			printf("\"first_begin\":\"%s\",\"last_end\":\"%s\"", first, last);
		else
			printf("\"first_begin\":null,\"last_end\":null");
		if (st != NULL) {
			static const char *const keys[] = { "dmarc_pass", "spf_aligned",
			    "dkim_aligned", "not_aligned", "pct", "failure_reports", "tls", "classes" };

			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				char *v = json_dumps(json_object_get(st, keys[i]),
				    JSON_COMPACT | JSON_ENCODE_ANY);

				printf(",\"%s\":%s", keys[i], v);
				free(v);
			}
			json_decref(st);
		}
		printf("}\n");
		return 0;
	}
	printf("reports        %lld\n", (long long)sum.reports);
	printf("records        %lld\n", (long long)sum.records);
	printf("messages       %lld   (sum of <count>)\n", (long long)sum.messages);
	printf("domains        %lld\n", (long long)sum.domains);
	if (sum.reports > 0)
		printf("period         %s .. %s\n", first, last);
	printf("failure reports %lld   (%lld DMARC failures; export --kind failure)\n",
	    (long long)nfail, (long long)nfail_dmarc);
	printf("TLS reports    %lld\n", (long long)ntls);
	if (filtered)
		printf("\nall domains, not filtered:\n");
	printf("duplicates     %lld\n", (long long)sum.duplicates);
	printf("quarantined    %lld%s\n", (long long)sum.quarantined,
	    sum.quarantined ? "   (see: dmarcscope quarantine list)" : "");
	printf("archived       %lld input messages\n", (long long)sum.raw_messages);
	if (st != NULL) {
		dbuf d;

		dbuf_init(&d, 1 << 20);
		stats_digest(st, cmd_lang(lang), &d);
		printf("\n%s", dbuf_cstr(&d));
		dbuf_free(&d);
		json_decref(st);
	}
	return 0;
}
