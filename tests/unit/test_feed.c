/*
 * test_feed.c - unit tests for the renderers of src/analyze/feed.c and
 * takedown.c on hand-made feeds (no store): the rbldnsd zone (datasets per
 * family, exclusions, TXT text made safe: no '$', no control characters,
 * domain cut), the CSV (formulas defused by csv_field), and the take-down
 * texts (no abuse contact, a hostile subject: control characters replaced,
 * cut at a UTF-8 boundary).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/feed.h"

static feed_host *
host(feed *f, const char *ip, int fam, const char *domains)
{
	feed_host *h = &f->hosts[f->n++];

	memset(h, 0, sizeof(*h));
	snprintf(h->ip, sizeof(h->ip), "%s", ip);
	h->family = fam;
	h->messages = 12;
	h->days = 1;
	h->first_seen = 1793664000;	/* 2026-11-03 */
	h->last_seen = 1793750399;
	h->ndomains = 1;
	h->domains = (char *)domains;
	return h;
}

static void
init(feed *f, feed_host *hosts, ip_cidr *allow)
{
	memset(f, 0, sizeof(*f));
	f->hosts = hosts;
	f->o.since = 1793491200;	/* 2026-11-01 */
	f->o.until = 1796083200;
	f->generated_at = 1796083200;
	f->allow = allow;
}

static void
test_zone(void **state)
{
	feed f;
	feed_host hs[3];
	ip_cidr allow[2];
	dbuf b;
	const char *z, *v6;

	(void)state;
	init(&f, hs, allow);
	assert_int_equal(ip_cidr_parse("192.0.2.0/24", &allow[0]), 0);
	assert_int_equal(ip_cidr_parse("2001:db8:1::/48", &allow[1]), 0);
	f.nallow = 2;
	host(&f, "203.0.113.5", 4, "ex$ample.jp");
	host(&f, "2001:db8::5", 6, "example.jp");
	host(&f, "198.51.100.1", 4, "a\nb.example");
	dbuf_init(&b, 1 << 20);
	feed_zone(&f, "bl.example", &b);
	z = dbuf_cstr(&b);
	v6 = strstr(z, "$DATASET ip6trie:spoofers6 @\n");
	assert_non_null(strstr(z, "$SOA 3600 bl.example. hostmaster.bl.example. "));
	assert_non_null(strstr(z, "$DATASET ip4set:spoofers4 @\n:127.0.0.2:"));
	assert_non_null(v6);
	/* each family's exclusions and hosts in its own dataset */
	assert_true(strstr(z, "!192.0.2.0/24\n") < v6);
	assert_true(strstr(z, "!2001:db8:1::/48\n") > v6);
	assert_true(strstr(z, "\n2001:db8::5 :127.0.0.2:") > v6);
	/* '$' would be the address, a newline a new entry: both replaced */
	assert_non_null(strstr(z, "203.0.113.5 :127.0.0.2:Spoofing of ex_ample.jp: 12 messages on 1 day "
	    "2026-11-03..2026-11-03\n"));
	assert_non_null(strstr(z, "198.51.100.1 :127.0.0.2:Spoofing of a_b.example:"));
	dbuf_free(&b);
	/* no zone name: no SOA */
	dbuf_init(&b, 1 << 20);
	feed_zone(&f, NULL, &b);
	assert_null(strstr(dbuf_cstr(&b), "$SOA"));
	dbuf_free(&b);
}

static void
test_csv(void **state)
{
	feed f;
	feed_host hs[1];
	feed_host *h;
	dbuf b;

	(void)state;
	init(&f, hs, NULL);
	h = host(&f, "203.0.113.5", 4, "example.jp");
	h->reporters = (char *)"=HYPERLINK(\"x\")";
	dbuf_init(&b, 1 << 20);
	feed_csv(&f, &b);
	assert_null(strstr(dbuf_cstr(&b), ",=HYPERLINK"));
	assert_non_null(strstr(dbuf_cstr(&b), "203.0.113.5,12,1,2026-11-03,2026-11-03,example.jp,"));
	dbuf_free(&b);
}

static void
test_takedown(void **state)
{
	feed f;
	feed_host hs[1];
	feed_host *h;
	char subj[400];
	dbuf b;
	const char *s, *q;

	(void)state;
	init(&f, hs, NULL);
	h = host(&f, "203.0.113.5", 4, "example.jp");
	h->fail_count = 1;
	h->fail_first = h->fail_last = 1793700000;
	/* 40 three-byte characters (120 bytes) and more, with a CR LF inside */
	subj[0] = '\0';
	strcat(subj, "A\r\nB");
	for (int i = 0; i < 50; i++)
		strcat(subj, "確");
	h->samples[0].subject = subj;
	h->samples[0].at = 1793700000;
	h->nsamples = 1;
	dbuf_init(&b, 1 << 20);
	feed_takedown(&f, h, "en", &b);
	s = dbuf_cstr(&b);
	assert_non_null(strstr(s, "To: (no abuse contact found in RDAP"));
	assert_non_null(strstr(s, "    \"A  B確"));
	q = strstr(s, "...\" (2026-11-03 10:00 UTC)");
	assert_non_null(q);
	/* cut on a character boundary: the byte before "..." ends a character */
	assert_int_equal((unsigned char)q[-1], 0xba);	/* 確 = e7 a2 ba */
	dbuf_free(&b);
	h->abuse_email = (char *)"abuse@isp.example";
	dbuf_init(&b, 1 << 20);
	feed_takedown(&f, h, "ja", &b);
	s = dbuf_cstr(&b);
	assert_non_null(strstr(s, "宛先: abuse@isp.example (RDAP の不正利用の連絡先: -)"));
	assert_non_null(strstr(s, "通数: 12 通 (1 日間、初回 2026-11-03、最終 2026-11-03)"));
	assert_non_null(strstr(s, "失敗レポート: 1 件"));
	dbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_takedown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
