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
#include "../util/numfmt.h"
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

/* The words of the text report past the digest, per language.  Japanese
 * as a mail administrator writes it, one word per concept: アライメント
 * (alignment), なりすましの疑い (spoofing suspected), 自社 / 第三者 /
 * 未登録 (My Senders: internal, third party, unauthorized). */
static const struct text_words {
	const char *domain_head, *messages_head, *domain_hint;
	const char *cat[3];			/* pass+aligned, pass not aligned, fail */
	const char *matrix[4];			/* all, internal, third party, unauthorized */
	const char *msgs_fmt;			/* "%s messages" */
	const char *sources[5];			/* prefix, messages, SPF, DKIM, spoofing */
	const char *reporters[3];		/* reporter, reports, messages */
	const char *policy, *reports_fmt;	/* "Published policy", "(%s reports)" */
} text_words[2] = {
	{ "policy domain", "messages", "Run 'dmarcscope stats --domain D' for one domain.",
	  { "pass+aligned", "pass, not aligned", "fail" },
	  { "All", "Internal", "Third party", "Unauthorized" }, "%s messages",
	  { "Top sources", "messages", "SPF aligned", "DKIM aligned", "spoofing" },
	  { "Reporters", "reports", "messages" },
	  "Published policy", "(%s reports)" },
	{ "ポリシードメイン", "メール数",
	  "ドメインごとの集計は 'dmarcscope stats --domain D' で表示します。",
	  { "合格・アライメント一致", "合格・アライメント不一致", "失敗" },
	  { "全体", "自社", "第三者", "未登録" }, "%s通",
	  { "主な送信元", "メール数", "SPFアライメント", "DKIMアライメント", "なりすましの疑い" },
	  { "レポート送信組織", "レポート数", "メール数" },
	  "公開ポリシー", "(レポート%s件)" },
};

static const struct text_words *
words_for(const char *lang)
{
	return &text_words[lang != NULL && strcmp(lang, "ja") == 0 ? 1 : 0];
}

/* Columns on a terminal: CJK and full-width characters take two. */
static int
text_width(const char *s)
{
	int w = 0;

	while (*s) {
		unsigned char c = (unsigned char)*s;
		unsigned cp = c;
		int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		if (len > 1) {
			cp = c & (0xff >> (len + 1));
			for (int i = 1; i < len && (s[i] & 0xc0) == 0x80; i++)
				cp = (cp << 6) | ((unsigned char)s[i] & 0x3f);
		}
		w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
		    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
		    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
		    (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000 ? 2 : 1;
		for (int i = 0; i < len && *s; i++)
			s++;
	}
	return w;
}

/* s left-aligned (right < 0) or right-aligned in width columns */
static void
put_col(const char *s, int width, int right)
{
	int pad = width - text_width(s);

	if (right)
		printf("%*s%s", pad > 0 ? pad : 0, "", s);
	else
		printf("%s%*s", s, pad > 0 ? pad : 0, "");
}

static int
print_domain(void *ctx, const char *d, int64_t messages)
{
	char n[32];

	(void)ctx;
	put_col(d, 40, 0);
	printf(" %s\n", fmt_group(messages, n, sizeof(n)));
	return 0;
}

/* One SPF x DKIM matrix: a title line, then rows DKIM, columns SPF. */
static void
print_matrix(const struct text_words *w, int which, const json_t *m)
{
	const json_t *cnt = json_object_get(m, "count"), *pc = json_object_get(m, "pct");
	char msgs[64], n[32];

	snprintf(msgs, sizeof(msgs), w->msgs_fmt, fmt_group(json_integer_value(
	    json_object_get(m, "messages")), n, sizeof(n)));
	printf("\n%s (%s)\n  ", w->matrix[which], msgs);
	/* rows DKIM, columns SPF, as in DMARC Compass; m is [spf][dkim] */
	put_col("DKIM \\ SPF", 29, 0);
	for (int j = 0; j < 3; j++) {
		printf(" ");
		put_col(w->cat[j], j < 2 ? 25 : 0, 0);
	}
	printf("\n");
	for (int i = 0; i < 3; i++) {
		printf("  DKIM ");
		put_col(w->cat[i], 24, 0);
		for (int j = 0; j < 3; j++) {
			char cell[64];

			snprintf(cell, sizeof(cell), "%s (%.1f%%)", fmt_group(json_integer_value(
			    json_array_get(json_array_get(cnt, (size_t)j), (size_t)i)), n,
			    sizeof(n)), json_real_value(json_array_get(json_array_get(pc,
			    (size_t)j), (size_t)i)));
			printf(" ");
			put_col(cell, j < 2 ? 25 : 0, 0);
		}
		printf("\n");
	}
}

static void
print_text(const json_t *s, const char *lang)
{
	const struct text_words *w = words_for(lang);
	static const char *const mx_keys[4] = { "all", "internal", "third_party", "unauthorized" };
	dbuf d;
	size_t i;
	json_t *v;
	const json_t *mx = json_object_get(s, "matrix");
	char n1[32], n2[32];

	dbuf_init(&d, 1 << 20);
	stats_digest(s, lang, &d);
	fputs(dbuf_cstr(&d), stdout);
	dbuf_free(&d);
	for (int k = 0; k < 4; k++)
		print_matrix(w, k, json_object_get(mx, mx_keys[k]));
	if (json_object_get(s, "top_sources") != NULL) {
		printf("\n");
		put_col(w->sources[0], 28, 0);
		for (int k = 1; k < 5; k++) {
			printf("  ");
			put_col(w->sources[k], k == 1 ? 10 : 16, 1);
		}
		printf("\n");
		json_array_foreach(json_object_get(s, "top_sources"), i, v) {
			char p1[16], p2[16];

			snprintf(p1, sizeof(p1), "%.1f%%", json_real_value(json_object_get(v,
			    "spf_aligned_pct")));
			snprintf(p2, sizeof(p2), "%.1f%%", json_real_value(json_object_get(v,
			    "dkim_aligned_pct")));
			printf("  ");
			put_col(json_string_value(json_object_get(v, "prefix")) ?: "-", 26, 0);
			printf("  ");
			put_col(fmt_group(json_integer_value(json_object_get(v, "messages")), n1,
			    sizeof(n1)), 10, 1);
			printf("  ");
			put_col(p1, 16, 1);
			printf("  ");
			put_col(p2, 16, 1);
			printf("  ");
			put_col(fmt_group(json_integer_value(json_object_get(v, "spoofing_suspected")),
			    n2, sizeof(n2)), 16, 1);
			printf("\n");
		}
	}
	if (json_object_get(s, "reporters") != NULL) {
		printf("\n");
		put_col(w->reporters[0], 28, 0);
		printf("  ");
		put_col(w->reporters[1], 10, 1);
		printf("  ");
		put_col(w->reporters[2], 10, 1);
		printf("\n");
		json_array_foreach(json_object_get(s, "reporters"), i, v) {
			printf("  ");
			put_col(json_string_value(json_object_get(v, "org")) ?: "-", 26, 0);
			printf("  ");
			put_col(fmt_group(json_integer_value(json_object_get(v, "reports")), n1,
			    sizeof(n1)), 10, 1);
			printf("  ");
			put_col(fmt_group(json_integer_value(json_object_get(v, "messages")), n2,
			    sizeof(n2)), 10, 1);
			printf("\n");
		}
	}
	if (json_object_get(s, "policy_history") == NULL)
		return;
	printf("\n%s\n", w->policy);
	json_array_foreach(json_object_get(s, "policy_history"), i, v) {
		const json_t *pct = json_object_get(v, "pct");
		char reps[64];

		printf("  %s .. %s  p=%s sp=%s adkim=%s aspf=%s", json_string_value(
		    json_object_get(v, "first_seen")), json_string_value(json_object_get(v,
		    "last_seen")), json_string_value(json_object_get(v, "p")) ?: "-",
		    json_string_value(json_object_get(v, "sp")) ?: "-",
		    json_string_value(json_object_get(v, "adkim")) ?: "-",
		    json_string_value(json_object_get(v, "aspf")) ?: "-");
		if (json_is_integer(pct))
			printf(" pct=%lld", (long long)json_integer_value(pct));
		snprintf(reps, sizeof(reps), w->reports_fmt, fmt_group(json_integer_value(
		    json_object_get(v, "reports")), n1, sizeof(n1)));
		printf("  %s\n", reps);
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
	int64_t n;
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
			if (cmd_parse_num("--top", optarg, 1, 10000, &n) != 0)
				return 2;
			top = (int)n;
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
			const struct text_words *w = words_for(cmd_lang(lang));

			put_col(w->domain_head, 40, 0);
			printf(" %s\n", w->messages_head);
			if (store_analysis_domain_list(st, print_domain, NULL) != STORE_OK) {
				log_warnx("stats: %s", store_errmsg(st));
				rc = 2;
			}
			printf("\n%s\n", w->domain_hint);
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
	int64_t n;
	store *st;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': m.json = 1; break;
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 'n':
			if (cmd_parse_num("--limit", optarg, 1, INT32_MAX, &n) != 0)
				return 2;
			limit = (int)n;
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
	rc = store_analysis_mismatch_list(st, &f, limit, mm_cb, &m);
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
