/*
 * test_csv.c - unit tests for src/util/csv.c, the one CSV writer shared by
 * `export` and GET /api/v1/records.csv: RFC 4180 quoting, the spreadsheet
 * formula neutraliser (a field starting with = + - @ TAB or CR becomes
 * "'…"), the time zones of the date column and the mail list's header rows
 * (English; Japanese with a UTF-8 BOM).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/csv.h"

static const struct {
	const char *in, *want;	/* want: the field followed by ',' */
} field_cases[] = {
	{ "plain", "plain," },
	{ "", "," },
	{ "a,b", "\"a,b\"," },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"," },
	{ "two\nlines", "\"two\nlines\"," },
	{ "cr\rin", "\"cr\rin\"," },
	{ "=HYPERLINK(\"http://x.example\")", "\"'=HYPERLINK(\"\"http://x.example\"\")\"," },
	{ "=1+2", "\"'=1+2\"," },
	{ "+81 3", "\"'+81 3\"," },
	{ "-2", "\"'-2\"," },
	{ "@SUM(A1)", "\"'@SUM(A1)\"," },
	{ "\tx", "\"'\tx\"," },
	{ "\rx", "\"'\rx\"," },
	{ "a=b", "a=b," },		/* only a leading sign is a formula */
	{ "例え.jp", "例え.jp," },
};

static void
test_field_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		dbuf b;

		dbuf_init(&b, 4096);
		csv_field(&b, field_cases[i].in, 0);
		assert_string_equal(dbuf_cstr(&b), field_cases[i].want);
		dbuf_free(&b);
	}
}

static void
test_field_last_and_null(void **state)
{
	dbuf b;

	(void)state;
	dbuf_init(&b, 4096);
	csv_field(&b, NULL, 0);
	csv_field(&b, "x", 0);
	csv_field(&b, "=y", 1);
	assert_string_equal(dbuf_cstr(&b), ",x,\"'=y\"\n");
	dbuf_free(&b);
}

static void
test_tz(void **state)
{
	csv_tz tz;
	char d[32];

	(void)state;
	assert_int_equal(csv_tz_parse(NULL, &tz), 0);
	assert_int_equal(tz.offset, 0);
	assert_string_equal(tz.label, "UTC");
	assert_int_equal(csv_tz_parse("Asia/Tokyo", &tz), 0);
	assert_int_equal(tz.offset, 9 * 3600);
	assert_string_equal(tz.label, "JST");
	/* 2026-11-01 20:00 UTC is 2026-11-02 05:00 in Tokyo */
	csv_tz_date(1793563200, &tz, d, sizeof(d));
	assert_string_equal(d, "2026-11-02 05:00");
	csv_tz_parse("UTC", &tz);
	csv_tz_date(1793563200, &tz, d, sizeof(d));
	assert_string_equal(d, "2026-11-01 20:00");
	assert_int_equal(csv_tz_parse("UTC+05:30", &tz), 0);
	assert_int_equal(tz.offset, 5 * 3600 + 1800);
	assert_string_equal(tz.label, "UTC+05:30");
	csv_tz_date(1793563200 + 1799, &tz, d, sizeof(d));	/* the hour, shifted */
	assert_string_equal(d, "2026-11-02 01:30");
	csv_tz_date(-1, &tz, d, sizeof(d));		/* before 1970: the hour below */
	assert_string_equal(d, "1970-01-01 04:30");
	assert_int_equal(csv_tz_parse("UTC-03:00", &tz), 0);
	assert_int_equal(tz.offset, -3 * 3600);
	assert_int_equal(csv_tz_parse("UTC+00:00", &tz), 0);
	assert_string_equal(tz.label, "UTC");
	/* refused, tz unchanged */
	tz.offset = 7;
	assert_int_equal(csv_tz_parse("Mars/Olympus", &tz), -1);
	assert_int_equal(csv_tz_parse("America/New_York", &tz), -1);	/* DST: not offered */
	assert_int_equal(csv_tz_parse("UTC+15:00", &tz), -1);
	assert_int_equal(csv_tz_parse("UTC+09:10", &tz), -1);
	assert_int_equal(csv_tz_parse("UTC+9", &tz), -1);
	assert_int_equal(csv_tz_parse("UTC-13:00", &tz), -1);
	assert_int_equal(csv_tz_parse("utc", &tz), -1);
	assert_int_equal(tz.offset, 7);
}

static void
test_headers(void **state)
{
	csv_tz tz;
	dbuf b;

	(void)state;
	dbuf_init(&b, 4096);
	csv_tz_parse(NULL, &tz);
	csv_mail_header(&b, 0, &tz);
	assert_string_equal(dbuf_cstr(&b), "date (UTC),policy_domain,source_ip,reverse_dns,count,"
	    "header_from,dmarc_result,spf_alignment,spf_result_domain,dkim_alignment,"
	    "dkim_result_domain,disposition,country_code,class\n");
	dbuf_reset(&b);
	csv_tz_parse("Asia/Tokyo", &tz);
	csv_mail_header(&b, 1, &tz);
	assert_string_equal(dbuf_cstr(&b), "\xef\xbb\xbf" "日付 (JST),ポリシードメイン,"
	    "送信元IPアドレス,逆引きドメイン,判定数,ヘッダFrom,DMARC検証結果,SPFアライメント,"
	    "SPF検証結果,DKIMアライメント,DKIM検証結果,動作,国コード,分類\n");
	dbuf_free(&b);
	assert_string_equal(csv_mail_keys[0], "date");
	assert_string_equal(csv_mail_keys[CSV_MAIL_NCOLS - 1], "class");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_field_last_and_null),
		cmocka_unit_test(test_tz),
		cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
