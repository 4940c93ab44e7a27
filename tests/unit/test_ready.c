/*
 * test_ready.c - unit tests for src/analyze/ready_record.c, the pure record
 * functions of readiness for p=reject (issue 18 part 3): the ladder of next
 * records from every starting point (none, quarantine, reject; t=y; pct
 * 0/10/25/50/99/100; no record; a text that is not DMARC), other tags kept
 * in order, and the what-if arithmetic (pct shares, t=y one level lower, sp
 * for subdomains).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/ready.h"

static void
test_ladder(void **state)
{
	static const struct { const char *in, *out, *step; int rc; } c[] = {
		{ NULL, "v=DMARC1; p=quarantine; t=y", "quarantine_test", 0 },
		{ "not a record", "v=DMARC1; p=quarantine; t=y", "quarantine_test", 0 },
		{ "v=spf1 -all", "v=DMARC1; p=quarantine; t=y", "quarantine_test", 0 },
		{ "v=DMARC1; p=none", "v=DMARC1; p=quarantine; t=y", "quarantine_test", 0 },
		{ "v=DMARC1; p=none; t=y", "v=DMARC1; p=quarantine; t=y", "quarantine_test", 0 },
		{ "v=DMARC1; p=none; pct=10", "v=DMARC1; p=quarantine; pct=25", "quarantine_test", 0 },
		{ "v=DMARC1; p=quarantine; t=y", "v=DMARC1; p=quarantine", "quarantine", 0 },
		{ "v=DMARC1; p=quarantine", "v=DMARC1; p=reject; t=y", "reject_test", 0 },
		{ "v=DMARC1; p=quarantine; t=n", "v=DMARC1; p=reject; t=y", "reject_test", 0 },
		{ "v=DMARC1; p=quarantine; pct=100", "v=DMARC1; p=reject; t=y", "reject_test", 0 },
		{ "v=DMARC1; p=quarantine; pct=0", "v=DMARC1; p=quarantine; pct=25", "raise_pct", 0 },
		{ "v=DMARC1; p=quarantine; pct=25", "v=DMARC1; p=quarantine; pct=50", "raise_pct", 0 },
		{ "v=DMARC1; p=quarantine; pct=50", "v=DMARC1; p=quarantine", "raise_pct", 0 },
		{ "v=DMARC1; p=quarantine; pct=99", "v=DMARC1; p=quarantine", "raise_pct", 0 },
		{ "v=DMARC1; p=quarantine; pct=50; t=y", "v=DMARC1; p=quarantine; pct=50", "quarantine", 0 },
		{ "v=DMARC1; p=reject; t=y", "v=DMARC1; p=reject", "reject", 0 },
		{ "v=DMARC1; p=reject; pct=25", "v=DMARC1; p=reject; pct=50", "raise_pct", 0 },
		{ "v=DMARC1; p=reject", "v=DMARC1; p=reject", "done", 1 },
		{ "v=DMARC1; p=REJECT; sp=none", "v=DMARC1; p=reject; sp=none", "done", 1 },
		/* other tags kept in their order, v and p first */
		{ "v=DMARC1; rua=mailto:a@x.example; p=none; fo=1; np=reject; psd=n",
		  "v=DMARC1; p=quarantine; t=y; rua=mailto:a@x.example; fo=1; np=reject; psd=n", "quarantine_test", 0 },
		{ "v=DMARC1;p=quarantine;t=y;ruf=mailto:f@x.example",
		  "v=DMARC1; p=quarantine; ruf=mailto:f@x.example", "quarantine", 0 },
	};
	char out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *step = NULL;
		int rc = ready_next(c[i].in, out, sizeof(out), &step);

		if (strcmp(out, c[i].out) != 0 || strcmp(step, c[i].step) != 0 || rc != c[i].rc)
			fail_msg("%s: got '%s' %s %d, wanted '%s' %s %d", c[i].in ? c[i].in : "(null)", out, step,
			    rc, c[i].out, c[i].step, c[i].rc);
	}
}

static void
test_parse(void **state)
{
	ready_pol p;

	(void)state;
	assert_int_equal(ready_parse("v=DMARC1; p=reject; sp=quarantine", &p), 0);
	assert_int_equal(p.p, 2);
	assert_int_equal(p.sp, 1);
	assert_int_equal(p.np, 1);	/* np defaults to sp */
	assert_int_equal(p.pct, 100);
	assert_int_equal(p.has_pct, 0);
	assert_int_equal(ready_parse("v=DMARC1; p=quarantine; pct=abc; t=Y", &p), 0);
	assert_int_equal(p.pct, 100);	/* a bad pct is ignored */
	assert_int_equal(p.t, 1);
	assert_int_equal(ready_parse("v=DMARC1; p=bogus", &p), 0);
	assert_int_equal(p.p, 0);
	assert_int_equal(ready_parse("p=reject", &p), -1);	/* v first */
	assert_int_equal(p.p, 0);
	assert_int_equal(ready_parse(NULL, &p), -1);
}

static void
test_apply(void **state)
{
	ready_pol p;
	double q, r;

	(void)state;
#define APPLY(rec, sub, n, wq, wr) do { q = r = 0; ready_parse(rec, &p); ready_apply(&p, sub, n, &q, &r); \
	assert_true(q == (wq) && r == (wr)); } while (0)
	APPLY("v=DMARC1; p=none", 0, 100, 0, 0);
	APPLY("v=DMARC1; p=quarantine", 0, 100, 100, 0);
	APPLY("v=DMARC1; p=quarantine; pct=25", 0, 100, 25, 0);
	APPLY("v=DMARC1; p=quarantine; t=y", 0, 100, 0, 0);
	APPLY("v=DMARC1; p=reject", 0, 100, 0, 100);
	APPLY("v=DMARC1; p=reject; pct=50", 0, 100, 50, 50);	/* the rest one level lower */
	APPLY("v=DMARC1; p=reject; t=y", 0, 100, 100, 0);
	APPLY("v=DMARC1; p=reject; sp=none", 1, 100, 0, 0);
	APPLY("v=DMARC1; p=reject; sp=quarantine", 1, 100, 100, 0);
	APPLY("v=DMARC1; p=reject", 1, 100, 0, 100);	/* sp defaults to p */
	APPLY("v=DMARC1; p=none; sp=reject; t=y", 1, 10, 10, 0);
#undef APPLY
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ladder),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests_name("ready", tests, NULL, NULL);
}
