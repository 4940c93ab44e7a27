/*
 * csv.c - the one CSV writer and the mail list's CSV layout (see csv.h).
 * Exports: csv_field, csv_tz_parse, csv_tz_date, csv_mail_header,
 * csv_mail_keys.  Nothing here fails except csv_tz_parse (-1, unknown zone).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "csv.h"

const char *const csv_mail_keys[CSV_MAIL_NCOLS] = {
	"date", "policy_domain", "source_ip", "reverse_dns", "count", "header_from",
	"dmarc_result", "spf_alignment", "spf_result_domain", "dkim_alignment",
	"dkim_result_domain", "disposition", "country_code", "class",
};

/* IIJ's names for the same columns; the last one is ours. */
static const char *const mail_ja[CSV_MAIL_NCOLS] = {
	"日付", "ポリシードメイン", "送信元IPアドレス", "逆引きドメイン", "判定数", "ヘッダFrom",
	"DMARC検証結果", "SPFアライメント", "SPF検証結果", "DKIMアライメント", "DKIM検証結果",
	"動作", "国コード", "分類",
};

/* Zones without daylight saving: one offset all year, so an hour column
 * shifts the same way for every row. */
static const struct {
	const char *name, *label;
	int offset;
} zones[] = {
	{ "UTC", "UTC", 0 },
	{ "Etc/UTC", "UTC", 0 },
	{ "GMT", "UTC", 0 },
	{ "Asia/Tokyo", "JST", 9 * 3600 },
	{ "Japan", "JST", 9 * 3600 },
	{ "Asia/Seoul", "KST", 9 * 3600 },
	{ "Asia/Shanghai", "UTC+08:00", 8 * 3600 },
	{ "Asia/Hong_Kong", "HKT", 8 * 3600 },
	{ "Asia/Taipei", "UTC+08:00", 8 * 3600 },
	{ "Asia/Singapore", "SGT", 8 * 3600 },
	{ "Asia/Manila", "UTC+08:00", 8 * 3600 },
	{ "Asia/Bangkok", "UTC+07:00", 7 * 3600 },
	{ "Asia/Jakarta", "WIB", 7 * 3600 },
	{ "Asia/Kolkata", "IST", 5 * 3600 + 1800 },
	{ "Asia/Dubai", "UTC+04:00", 4 * 3600 },
};

void
csv_field(dbuf *b, const char *s, int last)
{
	int quote = 0;

	if (s == NULL)
		s = "";
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	    s[0] == '\r')
		quote = 2;	/* defuse a formula */
	for (const char *c = s; *c && !quote; c++)
		if (*c == ',' || *c == '"' || *c == '\n' || *c == '\r')
			quote = 1;
	if (quote) {
		dbuf_addc(b, '"');
		if (quote == 2)
			dbuf_addc(b, '\'');
		for (const char *c = s; *c; c++) {
			if (*c == '"')
				dbuf_addc(b, '"');
			dbuf_addc(b, *c);
		}
		dbuf_addc(b, '"');
	} else {
		dbuf_addstr(b, s);
	}
	dbuf_addc(b, last ? '\n' : ',');
}

/* "UTC+09:00" / "UTC-03:30" → seconds; -1 if malformed or out of range */
static int
parse_offset(const char *s, int *out)
{
	int sign, h, m;

	if (strncmp(s, "UTC", 3) != 0 || (s[3] != '+' && s[3] != '-') || strlen(s) != 9 ||
	    s[6] != ':')
		return -1;
	for (int i = 4; i < 9; i++)
		if (i != 6 && (s[i] < '0' || s[i] > '9'))
			return -1;
	sign = s[3] == '-' ? -1 : 1;
	h = (s[4] - '0') * 10 + (s[5] - '0');
	m = (s[7] - '0') * 10 + (s[8] - '0');
	if ((m != 0 && m != 15 && m != 30 && m != 45) || h > 14 || (sign < 0 && h > 12) ||
	    (h == 14 && m != 0))
		return -1;
	*out = sign * (h * 3600 + m * 60);
	return 0;
}

int
csv_tz_parse(const char *s, csv_tz *tz)
{
	int off;

	if (s == NULL || s[0] == '\0')
		s = "UTC";
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcmp(s, zones[i].name) == 0) {
			tz->offset = zones[i].offset;
			snprintf(tz->label, sizeof(tz->label), "%s", zones[i].label);
			return 0;
		}
	if (parse_offset(s, &off) != 0)
		return -1;
	tz->offset = off;
	if (off == 0)
		snprintf(tz->label, sizeof(tz->label), "UTC");
	else
		snprintf(tz->label, sizeof(tz->label), "%.9s", s);
	return 0;
}

void
csv_tz_date(int64_t t, const csv_tz *tz, char *buf, size_t len)
{
	/* the UTC hour the time falls in, then shifted: a zone at half past
	 * shows its minutes ("16:30"), a whole-hour one ":00" */
	int64_t hour = t - (t % 3600 + 3600) % 3600;
	time_t tt = (time_t)(hour + (tz != NULL ? tz->offset : 0));
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "%s", "");
}

void
csv_mail_header(dbuf *b, int ja, const csv_tz *tz)
{
	char date[48];

	if (ja)
		dbuf_addstr(b, "\xef\xbb\xbf");	/* UTF-8 BOM: spreadsheets read UTF-8 */
	snprintf(date, sizeof(date), "%s (%s)", ja ? mail_ja[0] : csv_mail_keys[0],
	    tz != NULL ? tz->label : "UTC");
	csv_field(b, date, 0);
	for (int i = 1; i < CSV_MAIL_NCOLS; i++)
		csv_field(b, ja ? mail_ja[i] : csv_mail_keys[i], i == CSV_MAIL_NCOLS - 1);
}
