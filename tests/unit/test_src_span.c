/*
 * test_src_span.c - unit tests for the top sources' period pieces (src/store/src_span.h) and
 * per-prefix sums (src/store/src_top.h): every period of days, before and after 1970 and
 * unbounded, is covered exactly once by its pieces, with at most 3 pieces a level at each end;
 * the sums come out by messages then prefix, the limit holds, an overflow is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/src_span.h"
#include "store/src_top.h"

/* How many pieces cover day d: rollup_src's days, then spans of level L hold
 * day d when start = d >> 2L. */
static int
covered(const src_span_pieces *p, int64_t d)
{
	int n = 0;

	for (int i = 0; i < 7; i++) {
		int level = i == 6 ? 3 : i / 2;
		int64_t k = d >> (2 * level);

		n += k >= p->lo[i] && k < p->hi[i];
	}
	return n;
}

static void
check_period(int64_t lo, int64_t hi)
{
	src_span_pieces p;
	int64_t units = 0;

	src_span_split(lo, hi, &p);
	for (int64_t d = lo - 70; d < hi + 70; d++) {
		int want = d >= lo && d < hi;

		if (covered(&p, d) != want)
			fail_msg("[%lld, %lld): day %lld covered %d times", (long long)lo, (long long)hi,
			    (long long)d, covered(&p, d));
	}
	for (int i = 0; i < 6; i++) {
		if (p.hi[i] > p.lo[i] && p.hi[i] - p.lo[i] > 3)
			fail_msg("[%lld, %lld): %lld pieces at level %d", (long long)lo, (long long)hi,
			    (long long)(p.hi[i] - p.lo[i]), i / 2);
		units += p.hi[i] > p.lo[i] ? p.hi[i] - p.lo[i] : 0;
	}
	units += p.hi[6] > p.lo[6] ? p.hi[6] - p.lo[6] : 0;
	if (hi - lo == 90 && units > 19)
		fail_msg("90 days in %lld pieces", (long long)units);
}

static void
test_split_exact(void **state)
{
	(void)state;
	for (int64_t lo = -300; lo < 300; lo += 7)
		for (int64_t len = 0; len < 400; len += 3)
			check_period(20000 + lo, 20000 + lo + len);
	for (int64_t lo = -200; lo < 10; lo++)
		check_period(lo, lo + 90);	/* across day 0 (floor shifts) */
	check_period(5, 5);
	check_period(9, 4);			/* empty: nothing */
}

static void
test_split_unbounded(void **state)
{
	src_span_pieces p;

	(void)state;
	/* stores use INT64_MIN / 2 and INT64_MAX / 2 for a missing end */
	src_span_split(INT64_MIN / 2, 20780, &p);
	assert_int_equal(covered(&p, 0), 1);
	assert_int_equal(covered(&p, -1000000), 1);
	assert_int_equal(covered(&p, 20779), 1);
	assert_int_equal(covered(&p, 20780), 0);
	src_span_split(20689, INT64_MAX / 2, &p);
	assert_int_equal(covered(&p, 20688), 0);
	assert_int_equal(covered(&p, 20689), 1);
	assert_int_equal(covered(&p, (int64_t)1 << 40), 1);
}

typedef struct seen {
	char prefix[8][32];
	int64_t messages[8], spoofing[8];
	int n;
} seen;

static int
collect(void *ctx, const store_rollup_src *r)
{
	seen *s = ctx;

	snprintf(s->prefix[s->n], sizeof(s->prefix[0]), "%s", r->prefix);
	s->messages[s->n] = r->messages;
	s->spoofing[s->n] = r->spoofing;
	s->n++;
	return 0;
}

static void
test_top_order(void **state)
{
	src_top t;
	seen s;
	char name[32];
	static const int64_t a[5] = { 5, 1, 1, 1, 2 }, b[5] = { 7, 0, 0, 0, 1 };

	(void)state;
	memset(&s, 0, sizeof(s));
	src_top_init(&t);
	for (int i = 0; i < 3000; i++) {	/* grows the table a few times */
		snprintf(name, sizeof(name), "10.%d.%d.0/24", i / 256, i % 256);
		assert_int_equal(src_top_add(&t, name, a), 0);
	}
	assert_int_equal(src_top_add(&t, "2001:db8::/48", b), 0);
	assert_int_equal(src_top_add(&t, "10.0.7.0/24", a), 0);	/* 10 */
	assert_int_equal(src_top_add(&t, "10.0.3.0/24", a), 0);	/* 10, sorts before .7 */
	src_top_each(&t, "d.example", 4, collect, &s);
	src_top_free(&t);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.prefix[0], "10.0.3.0/24");
	assert_int_equal(s.messages[0], 10);
	assert_int_equal(s.spoofing[0], 4);
	assert_string_equal(s.prefix[1], "10.0.7.0/24");
	assert_string_equal(s.prefix[2], "2001:db8::/48");
	assert_string_equal(s.prefix[3], "10.0.0.0/24");	/* 5: the smallest prefix of the ties */
}

static void
test_top_overflow(void **state)
{
	src_top t;
	static const int64_t big[5] = { INT64_MAX, 0, 0, 0, 0 }, one[5] = { 1, 0, 0, 0, 0 };

	(void)state;
	src_top_init(&t);
	assert_int_equal(src_top_add(&t, "p", big), 0);
	assert_int_equal(src_top_add(&t, "p", one), -1);
	src_top_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_exact),
		cmocka_unit_test(test_split_unbounded),
		cmocka_unit_test(test_top_order),
		cmocka_unit_test(test_top_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
