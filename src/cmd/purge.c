/*
 * purge.c - `dmarcscope purge --samples-older-than DAYS`: the retention of
 * failure-report samples, separate from the aggregate data.  The sample of
 * every failure report that arrived more than DAYS days ago loses its
 * headers and its text (the row, its columns, its URLs and the counts stay;
 * sample_purged = 1).  The archived original message is not touched: drop
 * it with the archive's own tools if it must go too.
 *
 * Exit status: 0 done (also when nothing was old enough), 2 usage or store
 * error.  Exports: cmd_purge (cmd.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../store/store_kinds.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope purge --samples-older-than DAYS [--json]\n"
	    "\n"
	    "Drop the sample (headers and text body) of every failure report that\n"
	    "arrived more than DAYS days ago.  The report's row, columns, URLs and the\n"
	    "aggregate data stay; the archived original message is not touched.\n");
}

int
cmd_purge(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "samples-older-than", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, json = 0, have = 0;
	int64_t days = 0, n = 0, before;
	store *s;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': {
			uint64_t v;

			if (cmd_parse_size(optarg, &v) != 0 || v > 36600) {
				log_warnx("--samples-older-than: bad number of days '%s'", optarg);
				return 2;
			}
			days = (int64_t)v;
			have = 1;
			break;
		}
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!have || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	if (s->ops->kinds == NULL) {
		log_warnx("purge: this store keeps no failure reports");
		store_close(s);
		return 2;
	}
	before = (int64_t)time(NULL) - days * 86400;
	if (s->ops->begin(s) != STORE_OK || s->ops->kinds->purge_samples(s, before, &n) !=
	    STORE_OK || s->ops->commit(s) != STORE_OK) {
		log_warnx("purge: %s", store_errmsg(s));
		s->ops->rollback(s);
		store_close(s);
		return 2;
	}
	if (json)
		printf("{\"samples_purged\":%lld}\n", (long long)n);
	else
		printf("%lld failure report sample%s purged (arrived more than %lld days ago)\n",
		    (long long)n, n == 1 ? "" : "s", (long long)days);
	store_close(s);
	return 0;
}
