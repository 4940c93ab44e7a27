/*
 * test_ready_judge.c - unit tests for src/analyze/ready_judge.c (issue 19):
 * the decision the domains overview and `readiness --json` (verdict) share:
 * below_threshold/fix_senders under 99.5 % of legitimate mail aligned (the
 * boundary exactly; at p=reject too), done at the top of the ladder,
 * no_reports/collect without messages, short_history/collect under 14 days, else the ladder's
 * step; ready_ladder agrees with ready_next; and the invariant the overview's
 * cache relies on (web_overview.c step_key): the ladder's step of a record
 * ready_synth builds depends on p, t and whether pct < 100 only, never on
 * sp, np, adkim, aspf, fo or the pct's value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/ready.h"
#include "store/store_ready.h"

static void
test_judge(void **state)
{
	static const struct {
		int ladder;
		ready_sums s;
		int level, step;
	} c[] = {
		{ RS_DONE, { 0, 0, 0, 0 }, RL_DONE, RS_DONE },
		{ RS_DONE, { 100, 100, 50, 30 }, RL_BELOW, RS_FIX },	/* rejected mail */
		{ RS_DONE, { 1000, 1000, 5, 3 }, RL_DONE, RS_DONE },
		{ RS_QUAR_TEST, { 0, 0, 0, 0 }, RL_NO_REPORTS, RS_COLLECT },
		{ RS_QUAR_TEST, { 1000, 1000, 6, 30 }, RL_BELOW, RS_FIX },
		{ RS_QUAR_TEST, { 1000, 1000, 5, 30 }, RL_READY, RS_QUAR_TEST },	/* 99.5 % exactly */
		{ RS_QUAR_TEST, { 1000, 1000, 5, 13 }, RL_SHORT, RS_COLLECT },
		{ RS_QUAR_TEST, { 1000, 1000, 6, 13 }, RL_BELOW, RS_FIX },	/* below first */
		{ RS_REJ_TEST, { 50, 0, 0, 14 }, RL_READY, RS_REJ_TEST },	/* spoofing only */
		{ RS_RAMP, { 2000, 2000, 10, 20 }, RL_READY, RS_RAMP },
		{ RS_REJ, { 2000, 2000, 11, 20 }, RL_BELOW, RS_FIX },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ready_verdict v;

		ready_judge(c[i].ladder, &c[i].s, READY_THRESHOLD, &v);
		if (v.level != c[i].level || v.step != c[i].step || v.ladder != c[i].ladder)
			fail_msg("case %zu: level %s step %s", i, ready_rlevel_name(v.level),
			    ready_step_name(v.step));
	}
	assert_string_equal(ready_step_name(RS_QUAR_TEST), "quarantine_test");
	assert_string_equal(ready_rlevel_name(RL_BELOW), "below_threshold");
	assert_string_equal(ready_step_name(99), "?");
	assert_true(ready_aligned_ok(0, 0, 99.5));
	assert_true(ready_aligned_ok(200, 1, 99.5));
	assert_false(ready_aligned_ok(199, 1, 99.5));
}

static void
test_ladder_names(void **state)
{
	static const char *const recs[] = { NULL, "v=DMARC1; p=none", "v=DMARC1; p=quarantine; t=y",
	    "v=DMARC1; p=quarantine", "v=DMARC1; p=reject; t=y", "v=DMARC1; p=reject; pct=50",
	    "v=DMARC1; p=reject", "v=DMARC1; p=quarantine; pct=10" };
	char a[512], b[512];

	(void)state;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		const char *step = "";
		int l = ready_ladder(recs[i], a, sizeof(a));

		ready_next(recs[i], b, sizeof(b), &step);
		assert_string_equal(ready_step_name(l), step);
		assert_string_equal(a, b);
	}
}

static void
test_step_key(void **state)
{
	static const char *const lv[] = { NULL, "none", "quarantine", "reject", "QUARANTINE", "bogus" };
	static const int pcts[] = { -1, 0, 1, 24, 25, 49, 50, 99, 100 };
	static const char *const ts[] = { NULL, "y", "n" };
	char full[512], key[512];
	int n = 0;

	(void)state;
	for (size_t p = 0; p < 6; p++)
		for (size_t sp = 0; sp < 6; sp++)
			for (size_t np = 0; np < 3; np++)
				for (size_t k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++)
					for (size_t t = 0; t < 3; t++) {
						store_ready_policy a, b;

						memset(&a, 0, sizeof(a));
						a.p = lv[p];
						a.sp = lv[sp];
						a.np = lv[np];
						a.pct = pcts[k];
						a.testing = ts[t];
						a.adkim = "s";
						a.fo = "1";
						b = a;
						b.sp = b.np = b.adkim = b.fo = NULL;
						b.pct = a.pct >= 0 && a.pct < 100 ? 50 : -1;
						ready_synth(&a, full, sizeof(full));
						ready_synth(&b, key, sizeof(key));
						if (ready_ladder(full, NULL, 0) != ready_ladder(key, NULL, 0))
							fail_msg("%s vs %s", full, key);
						n++;
					}
	assert_int_equal(n, 6 * 6 * 3 * 9 * 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_ladder_names),
		cmocka_unit_test(test_step_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
