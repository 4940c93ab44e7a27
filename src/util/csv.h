/*
 * csv.h - the one CSV writer (RFC 4180) and the mail list's CSV layout,
 * shared by `dmarcscope export --format csv|parsedmarc-csv` (src/cmd/export.c)
 * and GET /api/v1/records.csv (src/web/csv.c).
 *
 *   csv_field(b, s, last)     append s as one field, then ',' or (last) "\n".
 *                             Quoted when it holds , " CR or LF; a field that
 *                             starts with = + - @ TAB or CR is written "'…"
 *                             so a spreadsheet shows it instead of running
 *                             it (every report field is attacker-controlled).
 *                             s NULL is an empty field.
 *   csv_tz_parse(s, tz)       a time zone for the date column: NULL, "" or
 *                             "UTC" → UTC; an IANA name from a fixed list of
 *                             zones without daylight saving (Asia/Tokyo, …);
 *                             or "UTC+HH:MM" / "UTC-HH:MM".  0, or -1 when
 *                             s is none of these (tz unchanged).
 *   csv_tz_date(t, tz, buf, len)  the UTC hour of unix time t, shown in tz
 *                             as "YYYY-MM-DD HH:MM" (":00" unless the zone is
 *                             at a half or quarter hour).
 *   csv_mail_header(b, ja, tz)    the mail list's header row: English column
 *                             names, or (ja) a UTF-8 BOM and IIJ's Japanese
 *                             names; the date column names its zone:
 *                             "date (UTC)", "日付 (JST)".
 *   csv_mail_keys[i]          the column names (English header without the
 *                             zone); 1..12 are also the store's column names
 *                             (store_web.h, SWQ_RECORDS_CSV).
 *
 * Ownership: the caller owns b (a dbuf; a full buffer drops what does not
 * fit, as dbuf does).  No function allocates except through b.
 */
#ifndef DS_UTIL_CSV_H
#define DS_UTIL_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"

typedef struct csv_tz {
	int offset;		/* seconds east of UTC */
	char label[16];		/* "UTC", "JST", "UTC+05:30" */
} csv_tz;

#define CSV_MAIL_NCOLS 14

extern const char *const csv_mail_keys[CSV_MAIL_NCOLS];

void csv_field(dbuf *b, const char *s, int last);
int csv_tz_parse(const char *s, csv_tz *tz);
void csv_tz_date(int64_t t, const csv_tz *tz, char *buf, size_t len);
void csv_mail_header(dbuf *b, int ja, const csv_tz *tz);

#endif
