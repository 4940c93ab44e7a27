/*
 * test_evq.c - unit tests for src/intake/evq: the event encoding (fields,
 * reports and records survive a round trip, NULLs stay NULL, the arrays at
 * their limits) and the bounded queue between two threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "intake/evq.h"

static void
test_fields(void **state)
{
	dbuf b;
	evw w;
	evr r;
	int type, n = 0;
	const unsigned char *cur, *end;
	size_t len;
	const void *p;

	(void)state;
	dbuf_init(&b, 1 << 20);
	evw_begin(&w, &b, 7);
	evw_i64(&w, -42);
	evw_str(&w, NULL);
	evw_str(&w, "");
	evw_str(&w, "h\xc3\xa9llo");
	evw_bytes(&w, "\0\1\2", 3);
	evw_end(&w);
	evw_begin(&w, &b, 9);	/* an empty event */
	evw_end(&w);
	evw_begin(&w, &b, 11);
	evw_i64(&w, INT64_MAX);
	evw_end(&w);
	assert_int_equal(b.len % 8, 0);

	cur = (const unsigned char *)b.data;
	end = cur + b.len;
	while (ev_next(&cur, end, &type, &r)) {
		n++;
		if (n == 1) {
			assert_int_equal(type, 7);
			assert_int_equal(evr_i64(&r), -42);
			assert_null(evr_str(&r));
			assert_string_equal(evr_str(&r), "");
			assert_string_equal(evr_str(&r), "h\xc3\xa9llo");
			p = evr_bytes(&r, &len);
			assert_int_equal(len, 3);
			assert_memory_equal(p, "\0\1\2", 3);
			assert_int_equal(r.err, 0);
			/* reading past the payload is an error, not an overrun */
			evr_i64(&r);
			assert_int_equal(r.err, 1);
		} else if (n == 2) {
			assert_int_equal(type, 9);
			assert_true(r.p == r.end);
		} else {
			assert_int_equal(type, 11);
			assert_true(evr_i64(&r) == INT64_MAX);
		}
	}
	assert_int_equal(n, 3);
	dbuf_free(&b);
}

static void
test_report(void **state)
{
	dm_report in, out;
	dbuf b;
	evw w;
	evr r;
	int type;
	const unsigned char *cur;
	char errs[DM_MAX_NOTES][24];

	(void)state;
	dm_report_init(&in);
	in.schema = DM_SCHEMA_RFC9990;
	in.org_name = "Example Org";
	in.report_id = "r-1";
	in.begin = -5;
	in.end = 1700000000;
	in.policy.domain = "example.jp";
	in.policy.adkim = DM_ALIGN_STRICT;
	in.policy.np = DM_DISP_REJECT;
	in.policy.pct = -1;
	in.policy.testing = "y";
	in.extensions = "ext1,ext2";
	for (int i = 0; i < DM_MAX_NOTES; i++) {
		snprintf(errs[i], sizeof(errs[i]), "error %d", i);
		in.errors[i] = errs[i];
	}
	in.nerrors = DM_MAX_NOTES;
	in.warnings[0] = "w";
	in.nwarnings = 1;
	in.notes_dropped = 3;
	in.records = 10;
	in.messages = 1234567890123ULL;
	in.recovered = 1;

	dbuf_init(&b, 1 << 20);
	evw_begin(&w, &b, 1);
	ev_put_report(&w, &in);
	evw_end(&w);
	cur = (const unsigned char *)b.data;
	assert_int_equal(ev_next(&cur, cur + b.len, &type, &r), 1);
	ev_get_report(&r, &out);
	assert_int_equal(out.schema, DM_SCHEMA_RFC9990);
	assert_string_equal(out.org_name, "Example Org");
	assert_null(out.email);
	assert_string_equal(out.report_id, "r-1");
	assert_int_equal(out.begin, -5);
	assert_int_equal(out.end, 1700000000);
	assert_string_equal(out.policy.domain, "example.jp");
	assert_int_equal(out.policy.adkim, DM_ALIGN_STRICT);
	assert_int_equal(out.policy.np, DM_DISP_REJECT);
	assert_int_equal(out.policy.pct, -1);
	assert_string_equal(out.policy.testing, "y");
	assert_null(out.policy.fo);
	assert_string_equal(out.extensions, "ext1,ext2");
	assert_int_equal(out.nerrors, DM_MAX_NOTES);
	assert_string_equal(out.errors[DM_MAX_NOTES - 1], "error 63");
	assert_int_equal(out.nwarnings, 1);
	assert_int_equal(out.notes_dropped, 3);
	assert_true(out.messages == 1234567890123ULL);
	assert_int_equal(out.recovered, 1);
	dbuf_free(&b);
}

static void
test_record(void **state)
{
	static dm_record in, out;
	dbuf b;
	evw w;
	evr r;
	int type;
	const unsigned char *cur;
	static char sel[DM_MAX_DKIM][16];

	(void)state;
	memset(&in, 0, sizeof(in));
	snprintf(in.source_ip, sizeof(in.source_ip), "2001:db8::1");
	in.ip_family = 6;
	in.count = 1000000000;
	in.disposition = DM_DISP_QUARANTINE;
	in.dkim = DM_VERDICT_FAIL;
	in.spf = DM_VERDICT_PASS;
	in.raw_dkim = "FAIL";
	in.header_from = "example.com";
	in.reasons[0] = (dm_reason){ DM_REASON_FORWARDED, "forwarded", "via list" };
	in.reasons[1] = (dm_reason){ DM_REASON_OTHER, "weird", NULL };
	in.nreasons = 2;
	for (int i = 0; i < DM_MAX_DKIM; i++) {
		snprintf(sel[i], sizeof(sel[i]), "s%d", i);
		in.dkim_results[i] = (dm_dkim){ "example.com", sel[i], NULL, "pass", DM_AUTH_PASS };
	}
	in.ndkim = DM_MAX_DKIM;
	in.spf_results[0] = (dm_spf){ "bounce.example.net", "mfrom", "ok", NULL, DM_AUTH_SOFTFAIL };
	in.nspf = 1;
	memset(&out, 0x5a, sizeof(out));

	dbuf_init(&b, 1 << 20);
	evw_begin(&w, &b, 2);
	ev_put_record(&w, &in);
	evw_end(&w);
	cur = (const unsigned char *)b.data;
	assert_int_equal(ev_next(&cur, cur + b.len, &type, &r), 1);
	ev_get_record(&r, &out);
	assert_string_equal(out.source_ip, "2001:db8::1");
	assert_int_equal(out.ip_family, 6);
	assert_true(out.count == 1000000000);
	assert_int_equal(out.disposition, DM_DISP_QUARANTINE);
	assert_int_equal(out.dkim, DM_VERDICT_FAIL);
	assert_string_equal(out.raw_dkim, "FAIL");
	assert_null(out.raw_spf);
	assert_null(out.envelope_to);
	assert_int_equal(out.nreasons, 2);
	assert_string_equal(out.reasons[0].comment, "via list");
	assert_null(out.reasons[1].comment);
	assert_int_equal(out.reasons[1].type, DM_REASON_OTHER);
	assert_int_equal(out.ndkim, DM_MAX_DKIM);
	assert_string_equal(out.dkim_results[DM_MAX_DKIM - 1].selector, "s127");
	assert_null(out.dkim_results[5].human_result);
	assert_int_equal(out.nspf, 1);
	assert_int_equal(out.spf_results[0].result, DM_AUTH_SOFTFAIL);
	assert_string_equal(out.spf_results[0].scope, "mfrom");
	assert_int_equal(out.store_id, 0);
	dbuf_free(&b);
}

/* The queue: a producer sends numbered events through 2 batches; the
 * consumer must see every one, in order, and NULL after the close. */
#define NEV 20000

static void *
consumer(void *arg)
{
	evq *q = arg;
	dbuf *b;
	int64_t want = 0;
	static int ok;

	ok = 1;
	while ((b = evq_get_full(q)) != NULL) {
		const unsigned char *cur = (const unsigned char *)b->data;
		const unsigned char *end = cur + b->len;
		int type;
		evr r;

		while (ev_next(&cur, end, &type, &r))
			if (evr_i64(&r) != want++)
				ok = 0;
		evq_put_free(q, b);
	}
	if (want != NEV)
		ok = 0;
	return &ok;
}

static void
test_queue(void **state)
{
	evq *q = evq_new(2);
	pthread_t t;
	dbuf *b;
	void *res;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, consumer, q), 0);
	b = evq_get_free(q);
	for (int64_t i = 0; i < NEV; i++) {
		evw w;

		evw_begin(&w, b, 1);
		evw_i64(&w, i);
		evw_end(&w);
		if (b->len > 1000) {
			evq_put_full(q, b);
			b = evq_get_free(q);
		}
	}
	evq_put_full(q, b);
	evq_close(q);
	assert_int_equal(pthread_join(t, &res), 0);
	assert_int_equal(*(int *)res, 1);
	evq_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
