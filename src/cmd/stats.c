/*
 * stats.c - `dmarcscope stats` (the statistics of one domain: JSON or a
 * readable report) and `dmarcscope mismatches` (records where the
 * reporter's aligned verdicts differ from ours).
 *
 * Exports: cmd_stats, cmd_mismatches (cmd.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../analyze/align.h"
#include "../analyze/classify.h"
#include "../analyze/stats.h"
#include "../store/store_analysis.h"
#include "../util/log.h"

static void
stats_usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope stats --domain D [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	    "                        [--json] [--top N] [--lang ja|en] [--only LIST]\n"
	    "\n"
	    "Statistics of one policy domain: messages, DMARC pass and SPF/DKIM alignment\n"
	    "(counts and %%), the four classes, the SPF x DKIM matrix for all traffic, My\n"
	    "Senders (internal, third party) and unauthorized sources, top sources by /24\n"
	    "and /48, reporters, dispositions, daily and hourly series, the published policy\n"
	    "history and the policy guidance.  Days are UTC.  Without --domain, lists the\n"
	    "domains.  --json prints one object; its keys are in docs/STATS.md.  --only\n"
	    "limits the optional sections: sources, reporters, series, policy (the totals,\n"
	    "matrix and guidance are always there; 'summary' alone gives just those).\n");
}

static int
print_domain(void *ctx, const char *d, int64_t messages)
{
	(void)ctx;
	printf("%-40s %lld\n", d, (long long)messages);
	return 0;
}

static void
print_matrix(const char *title, const json_t *m)
{
	static const char *const names[3] = { "pass+aligned", "pass, not aligned", "fail" };
	const json_t *cnt = json_object_get(m, "count"), *pc = json_object_get(m, "pct");

	char head[64];

	snprintf(head, sizeof(head), "%s (%lld messages)", title,
	    (long long)json_integer_value(json_object_get(m, "messages")));
	/* rows DKIM, columns SPF, as in DMARC Compass; m is [spf][dkim] */
	printf("\n%-29s  SPF: %-13s %-18s %s\n", head, names[0], names[1], names[2]);
	for (int i = 0; i < 3; i++) {
		printf("  DKIM %-18s", names[i]);
		for (int j = 0; j < 3; j++) {
			char cell[40];

			snprintf(cell, sizeof(cell), "%lld (%.1f%%)", (long long)json_integer_value(
			    json_array_get(json_array_get(cnt, (size_t)j), (size_t)i)),
			    json_real_value(json_array_get(json_array_get(pc, (size_t)j), (size_t)i)));
			printf(" %-18s", cell);
		}
		printf("\n");
	}
}

static void
print_text(const json_t *s, const char *lang)
{
	dbuf d;
	size_t i;
	json_t *v;
	const json_t *mx = json_object_get(s, "matrix");

	dbuf_init(&d, 1 << 20);
	stats_digest(s, lang, &d);
	fputs(dbuf_cstr(&d), stdout);
	dbuf_free(&d);
	print_matrix("All", json_object_get(mx, "all"));
	print_matrix("Internal", json_object_get(mx, "internal"));
	print_matrix("Third party", json_object_get(mx, "third_party"));
	print_matrix("Unauthorized", json_object_get(mx, "unauthorized"));
	printf("\nTop sources                  messages  SPF aligned  DKIM aligned  spoofing\n");
	if (json_object_get(s, "top_sources") == NULL)
		return;
	json_array_foreach(json_object_get(s, "top_sources"), i, v)
		printf("  %-26s %9lld  %10.1f%%  %11.1f%%  %8lld\n",
		    json_string_value(json_object_get(v, "prefix")),
		    (long long)json_integer_value(json_object_get(v, "messages")),
		    json_real_value(json_object_get(v, "spf_aligned_pct")),
		    json_real_value(json_object_get(v, "dkim_aligned_pct")),
		    (long long)json_integer_value(json_object_get(v, "spoofing_suspected")));
	printf("\nReporters                    reports   messages\n");
	json_array_foreach(json_object_get(s, "reporters"), i, v)
		printf("  %-26s %7lld  %9lld\n", json_string_value(json_object_get(v, "org")),
		    (long long)json_integer_value(json_object_get(v, "reports")),
		    (long long)json_integer_value(json_object_get(v, "messages")));
	printf("\nPublished policy\n");
	json_array_foreach(json_object_get(s, "policy_history"), i, v) {
		const json_t *pct = json_object_get(v, "pct");

		printf("  %s .. %s  p=%s sp=%s adkim=%s aspf=%s", json_string_value(
		    json_object_get(v, "first_seen")), json_string_value(json_object_get(v,
		    "last_seen")), json_string_value(json_object_get(v, "p")) ?: "-",
		    json_string_value(json_object_get(v, "sp")) ?: "-",
		    json_string_value(json_object_get(v, "adkim")) ?: "-",
		    json_string_value(json_object_get(v, "aspf")) ?: "-");
		if (json_is_integer(pct))
			printf(" pct=%lld", (long long)json_integer_value(pct));
		printf("  (%lld reports)\n", (long long)json_integer_value(json_object_get(v,
		    "reports")));
	}
}

int
cmd_stats(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "top", required_argument, NULL, 't' },
		{ "lang", required_argument, NULL, 'l' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	unsigned sections = 0;
	stats_query q;
	const char *lang = NULL;
	char err[512];
	int ch, json = 0, top = 20, rc = 0;
	json_t *s;
	store *st;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 't':
			top = atoi(optarg);
			if (top < 1 || top > 10000) {
				log_warnx("--top: expected 1..10000, got '%s'", optarg);
				return 2;
			}
			break;
		case 'l': lang = optarg; break;
		case 'o':
			if (stats_sections_parse(optarg, &sections) != 0) {
				log_warnx("--only: expected a list of summary, sources, reporters, "
				    "series, policy, all; got '%s'", optarg);
				return 2;
			}
			break;
		case 'h': stats_usage(stdout); return 0;
		default: stats_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		stats_usage(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (cmd_catch_up(st) != 0) {
		store_close(st);
		return 2;
	}
	if (f.domain == NULL) {
		if (json) {
			log_warnx("stats --json needs --domain D");
			rc = 2;
		} else {
			printf("%-40s %s\n", "policy domain", "messages");
			if (st->ops->analysis->domain_list(st, print_domain, NULL) != STORE_OK) {
				log_warnx("stats: %s", store_errmsg(st));
				rc = 2;
			}
			printf("\nRun 'dmarcscope stats --domain D' for one domain.\n");
		}
		store_close(st);
		return rc;
	}
	memset(&q, 0, sizeof(q));
	q.domain = f.domain;
	q.since = f.since;
	q.until = f.until;
	q.top = top;
	q.sections = sections;
	if ((s = stats_build(st, &q, err, sizeof(err))) == NULL) {
		log_warnx("stats: %s", err);
		store_close(st);
		return 2;
	}
	store_close(st);
	if (json) {
		char *txt = json_dumps(s, JSON_COMPACT | JSON_ENSURE_ASCII);

		puts(txt);
		free(txt);
	} else {
		print_text(s, cmd_lang(lang));
	}
	json_decref(s);
	return 0;
}

/* ---- mismatches --------------------------------------------------------------- */

static void
mm_usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope mismatches --domain D [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	    "                             [--json] [--limit N]\n"
	    "\n"
	    "Records where the reporter's policy_evaluated verdicts (dkim, spf) differ from\n"
	    "the alignment dmarcscope recomputes from the auth results (PSL org domains,\n"
	    "adkim/aspf).  A difference is often a reporter using a stale public suffix list\n"
	    "or the RFC 9989 tree walk, or a report without auth details.\n");
}

typedef struct mm_ctx {
	int json, n;
	json_t *arr;
} mm_ctx;

static int
mm_cb(void *ctx, const store_record_row *row)
{
	mm_ctx *m = ctx;
	const dm_record *r = row->rec;
	const store_record_analysis *an = row->an;
	char day[16];

	m->n++;
	cmd_fmt_date(row->date_begin, day, sizeof(day));
	if (m->json) {
		json_t *o = json_object();

		json_object_set_new(o, "record_id", json_integer(r->store_id));
		json_object_set_new(o, "date", json_string(day));
		json_object_set_new(o, "reporter", json_string(row->org_name ? row->org_name : ""));
		json_object_set_new(o, "report_id", json_string(row->report_ext_id ?
		    row->report_ext_id : ""));
		json_object_set_new(o, "source_ip", json_string(r->source_ip));
		json_object_set_new(o, "count", json_integer((json_int_t)r->count));
		json_object_set_new(o, "header_from", json_string(r->header_from ?
		    r->header_from : ""));
		json_object_set_new(o, "reporter_dkim", json_string(dm_verdict_name(r->dkim)));
		json_object_set_new(o, "reporter_spf", json_string(dm_verdict_name(r->spf)));
		json_object_set_new(o, "our_dkim", json_string(align_cat_name(
		    (align_cat)an->dkim_cat)));
		json_object_set_new(o, "our_spf", json_string(align_cat_name(
		    (align_cat)an->spf_cat)));
		json_object_set_new(o, "dkim_domain", an->dkim_domain ?
		    json_string(an->dkim_domain) : json_null());
		json_object_set_new(o, "spf_domain", an->spf_domain ?
		    json_string(an->spf_domain) : json_null());
		json_array_append_new(m->arr, o);
		return 0;
	}
	printf("%s  %-15s %6llu  from=%-24s reporter dkim=%-4s spf=%-4s  ours dkim=%-14s "
	    "spf=%-14s  (%s, %s)\n", day, r->source_ip, (unsigned long long)r->count,
	    r->header_from ? r->header_from : "-", dm_verdict_name(r->dkim),
	    dm_verdict_name(r->spf), align_cat_name((align_cat)an->dkim_cat),
	    align_cat_name((align_cat)an->spf_cat), row->org_name ? row->org_name : "-",
	    row->report_ext_id ? row->report_ext_id : "-");
	return 0;
}

int
cmd_mismatches(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	mm_ctx m = { 0, 0, NULL };
	int ch, limit = 1000, rc;
	store *st;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': m.json = 1; break;
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 'n':
			limit = atoi(optarg);
			if (limit < 1) {
				log_warnx("--limit: expected a positive number, got '%s'", optarg);
				return 2;
			}
			break;
		case 'h': mm_usage(stdout); return 0;
		default: mm_usage(stderr); return 2;
		}
	}
	if (f.domain == NULL || optind < argc) {
		mm_usage(stderr);
		return 2;
	}
	if ((st = cmd_open_store(c)) == NULL)
		return 2;
	if (cmd_catch_up(st) != 0) {
		store_close(st);
		return 2;
	}
	m.arr = json_array();
	rc = st->ops->analysis->mismatch_list(st, &f, limit, mm_cb, &m);
	if (rc != STORE_OK)
		log_warnx("mismatches: %s", store_errmsg(st));
	store_close(st);
	if (rc != STORE_OK) {
		json_decref(m.arr);
		return 2;
	}
	if (m.json) {
		char *txt = json_dumps(m.arr, JSON_COMPACT | JSON_ENSURE_ASCII);

		puts(txt);
		free(txt);
	} else if (m.n == 0) {
		printf("no mismatches: every reporter verdict agrees with the recomputed alignment\n");
	}
	json_decref(m.arr);
	return 0;
}
