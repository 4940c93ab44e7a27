/*
 * export_kinds.h - `dmarcscope export --kind failure|tlsrpt` (export_kinds.c):
 * the failure and TLS reports of the store in four formats, streamed one
 * stored document at a time through store_kinds_ops.each().
 *
 * Exports: the EXF_* formats (shared with export.c) and export_kinds().
 */
#ifndef DS_CMD_EXPORT_KINDS_H
#define DS_CMD_EXPORT_KINDS_H

#include <stdio.h>

#include "../store/store.h"
#include "../util/csv.h"

enum { EXF_JSON, EXF_CSV, EXF_PD_JSON, EXF_PD_CSV };

/*
 * Writes the documents of kind (DM_KIND_FAILURE / DM_KIND_TLSRPT) matching
 * f (policy domain, [since, until)) to out in fmt.  ja: Japanese CSV column
 * names and a UTF-8 BOM (EXF_CSV only); tz: the zone of the CSV dates.
 * Returns 0, or -1 after printing the store's error; *werr gets the errno
 * of the first failed write (EPIPE: the reader went away), 0 when none.
 */
int export_kinds(store *s, int kind, int fmt, const store_filter *f, FILE *out, int ja,
    const csv_tz *tz, int *werr);

#endif
