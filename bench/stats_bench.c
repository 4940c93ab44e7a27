/*
 * stats_bench.c - time stats_build() in process, the way the web server
 * calls it: N runs over one domain and period, then the median and p95 in
 * milliseconds, as one JSON line.
 *
 *   build/bench/stats_bench DB DOMAIN SINCE UNTIL RUNS SECTIONS
 *
 * SINCE/UNTIL are YYYY-MM-DD (UNTIL inclusive); SECTIONS as `stats --only`.
 * Wall times and this process's CPU time per run (cpu_*: what a run costs
 * whatever else loads the machine).
 * Exits 1 on any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/stats.h"
#include "store/store.h"

static double
now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t
day(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%d", &tm) == NULL)
		return -1;
	return (int64_t)timegm(&tm);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	store *st;
	stats_query q;
	char err[512];
	int runs;
	double *t, *c;
	int64_t messages = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: stats_bench DB DOMAIN SINCE UNTIL RUNS SECTIONS\n");
		return 1;
	}
	runs = atoi(argv[5]);
	memset(&q, 0, sizeof(q));
	q.domain = argv[2];
	q.since = day(argv[3]);
	q.until = day(argv[4]) + 86400;
	if (runs < 1 || q.since < 0 || q.until < 86400 ||
	    stats_sections_parse(argv[6], &q.sections) != 0) {
		fprintf(stderr, "stats_bench: bad arguments\n");
		return 1;
	}
	if (store_open(&st, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "stats_bench: %s\n", err);
		return 1;
	}
	t = calloc((size_t)runs, sizeof(*t));
	c = calloc((size_t)runs, sizeof(*c));
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		json_t *j = stats_build(st, &q, err, sizeof(err));

		if (j == NULL) {
			fprintf(stderr, "stats_bench: %s\n", err);
			return 1;
		}
		/* serialising is part of answering */
		free(json_dumps(j, JSON_COMPACT));
		t[i] = now_ms(CLOCK_MONOTONIC) - t0;
		c[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		messages = json_integer_value(json_object_get(j, "messages"));
		json_decref(j);
	}
	store_close(st);
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	qsort(c, (size_t)runs, sizeof(*c), cmp);
	printf("{\"runs\":%d,\"messages\":%lld,\"median_ms\":%.2f,\"p95_ms\":%.2f,\"max_ms\":%.2f,"
	    "\"cpu_median_ms\":%.2f,\"cpu_p95_ms\":%.2f}\n", runs, (long long)messages, t[runs / 2],
	    t[(runs * 95 + 99) / 100 - 1], t[runs - 1], c[runs / 2], c[(runs * 95 + 99) / 100 - 1]);
	free(t);
	free(c);
	return 0;
}
