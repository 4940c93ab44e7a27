/*
 * summary.c - `dmarcscope summary [--json] [--domain D] [--since] [--until]`:
 * what the store holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope summary [--json] [--domain D] [--since YYYY-MM-DD]\n"
	    "                          [--until YYYY-MM-DD]\n"
	    "\n"
	    "Totals of the stored aggregate reports: reports, records, messages (the sum\n"
	    "of <count>), policy domains, the date range, and the quarantine and\n"
	    "duplicate counters.\n");
}

int
cmd_summary(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	store_filter f = { NULL, 0, 0 };
	store_summary sum;
	int ch, json = 0;
	store *s;
	char first[16] = "", last[16] = "";

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'd': case 'S': case 'U':
			if (cmd_filter_opt(ch, optarg, &f) != 0)
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	if (s->ops->summary(s, &f, &sum) != STORE_OK) {
		log_warnx("summary: %s", store_errmsg(s));
		store_close(s);
		return 2;
	}
	store_close(s);
	if (sum.reports > 0) {
		cmd_fmt_date(sum.first_begin, first, sizeof(first));
		cmd_fmt_date(sum.last_end, last, sizeof(last));
	}
	if (json) {
		printf("{\"reports\":%lld,\"records\":%lld,\"messages\":%lld,\"quarantined\":%lld,"
		    "\"duplicates\":%lld,\"raw_messages\":%lld,\"domains\":%lld,",
		    (long long)sum.reports, (long long)sum.records, (long long)sum.messages,
		    (long long)sum.quarantined, (long long)sum.duplicates,
		    (long long)sum.raw_messages, (long long)sum.domains);
		if (sum.reports > 0)
			printf("\"first_begin\":\"%s\",\"last_end\":\"%s\"}\n", first, last);
		else
			printf("\"first_begin\":null,\"last_end\":null}\n");
		return 0;
	}
	printf("reports        %lld\n", (long long)sum.reports);
	printf("records        %lld\n", (long long)sum.records);
	printf("messages       %lld   (sum of <count>)\n", (long long)sum.messages);
	printf("domains        %lld\n", (long long)sum.domains);
	if (sum.reports > 0)
		printf("period         %s .. %s\n", first, last);
	printf("duplicates     %lld\n", (long long)sum.duplicates);
	printf("quarantined    %lld%s\n", (long long)sum.quarantined,
	    sum.quarantined ? "   (see: dmarcscope quarantine list)" : "");
	printf("archived       %lld input messages\n", (long long)sum.raw_messages);
	return 0;
}
