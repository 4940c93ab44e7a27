/*
 * report.h - the aggregate report model: a superset of RFC 7489, the 0.1
 * draft, the dmarc-xml/0.2 drafts and RFC 9990.
 *
 * A report is delivered in three steps so that a 1M-record report never sits
 * in memory (see agg_parse.h): the header (metadata + policy), then each
 * record, then the trailer (final warnings and counters).
 *
 * Every enumerated value is kept twice: the normalised enum, which the
 * analysis uses, and the raw text exactly as the reporter wrote it.
 *
 * Strings in dm_report are malloc'd and owned by the report (dm_report_free).
 * Strings in dm_record point into a per-record arena owned by the parser and
 * are valid only during the record callback.
 *
 * Exports (report.c):
 *   dm_report_init / dm_report_free
 *   dm_report_warn(r, fmt, ...)    add a schema deviation to r->warnings (capped)
 *   dm_report_error(r, fmt, ...)   add unusable data to r->errors (capped)
 *   dm_disp_parse, dm_verdict_parse, dm_dkim_result_parse, dm_spf_result_parse,
 *   dm_reason_parse, dm_align_parse:  case-insensitive text → enum, with the
 *       documented aliases (hardfail→fail, unknown→temperror, error→permerror)
 *   dm_*_name:                       enum → canonical lower-case text
 *   dm_report_key(r, out)          the dedupe key components, normalised
 */
#ifndef DS_REPORT_H
#define DS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../util/dbuf.h"
#include "../util/ipaddr.h"

/* Hard caps on untrusted structure. Extra items are dropped with a warning. */
#define DM_MAX_DKIM 128
#define DM_MAX_SPF 16
#define DM_MAX_REASONS 16
#define DM_MAX_TEXT 4096	/* bytes of text in one element */
#define DM_MAX_NOTES 64		/* warnings/errors kept per report */

typedef enum { DM_DISP_UNKNOWN = 0, DM_DISP_NONE, DM_DISP_PASS, DM_DISP_QUARANTINE,
	DM_DISP_REJECT } dm_disp;
typedef enum { DM_VERDICT_UNKNOWN = 0, DM_VERDICT_PASS, DM_VERDICT_FAIL } dm_verdict;
typedef enum { DM_AUTH_UNKNOWN = 0, DM_AUTH_NONE, DM_AUTH_PASS, DM_AUTH_FAIL,
	DM_AUTH_SOFTFAIL, DM_AUTH_NEUTRAL, DM_AUTH_POLICY, DM_AUTH_TEMPERROR,
	DM_AUTH_PERMERROR } dm_auth;
typedef enum { DM_REASON_UNKNOWN = 0, DM_REASON_FORWARDED, DM_REASON_SAMPLED_OUT,
	DM_REASON_TRUSTED_FORWARDER, DM_REASON_MAILING_LIST, DM_REASON_LOCAL_POLICY,
	DM_REASON_OTHER, DM_REASON_POLICY_TEST_MODE } dm_reason_type;
typedef enum { DM_ALIGN_UNSET = 0, DM_ALIGN_RELAXED, DM_ALIGN_STRICT } dm_align;
typedef enum { DM_SCHEMA_DRAFT = 0, DM_SCHEMA_RFC7489, DM_SCHEMA_RFC9990 } dm_schema;

typedef struct dm_policy {
	char *domain;
	dm_align adkim, aspf;
	dm_disp p, sp, np;
	int pct;		/* -1 when absent */
	char *fo;
	char *testing;		/* "y"/"n" (RFC 9990 t tag) or NULL */
	char *discovery_method;	/* "psl"/"treewalk" or NULL */
	char *raw_p, *raw_sp, *raw_np, *raw_adkim, *raw_aspf;
} dm_policy;

typedef struct dm_report {
	dm_schema schema;
	char *xml_namespace;	/* namespace URI of <feedback>, or NULL */
	char *version;
	char *org_name;
	char *email;
	char *extra_contact_info;
	char *report_id;
	char *generator;
	int64_t begin, end;
	dm_policy policy;
	int policy_count;	/* how many <policy_published> were seen */
	char *extensions;	/* names of extension elements seen, comma separated */
	/* Notes: `errors` carries the reporter's <error> elements and records
	 * we had to skip; `warnings` carries schema deviations we tolerated. */
	char *errors[DM_MAX_NOTES];
	int nerrors;
	char *warnings[DM_MAX_NOTES];
	int nwarnings;
	int notes_dropped;
	/* Trailer counters, final only in the trailer callback. */
	uint64_t records, messages, skipped_records;
	int recovered;		/* parsed by the recovery parser */
} dm_report;

typedef struct dm_reason {
	dm_reason_type type;
	const char *raw_type;
	const char *comment;
} dm_reason;

typedef struct dm_dkim {
	const char *domain, *selector, *human_result, *raw_result;
	dm_auth result;
} dm_dkim;

typedef struct dm_spf {
	const char *domain, *scope, *human_result, *raw_result;
	dm_auth result;
} dm_spf;

typedef struct dm_record {
	char source_ip[IP_STRLEN];
	int ip_family;
	uint64_t count;
	dm_disp disposition;
	dm_verdict dkim, spf;	/* policy_evaluated: the reporter's aligned verdicts */
	const char *raw_disposition, *raw_dkim, *raw_spf;
	const char *header_from, *envelope_from, *envelope_to;
	dm_reason reasons[DM_MAX_REASONS];
	int nreasons;
	dm_dkim dkim_results[DM_MAX_DKIM];
	int ndkim;
	dm_spf spf_results[DM_MAX_SPF];
	int nspf;
	int64_t store_id;	/* records.id when read back from the store, else 0 */
} dm_record;

void dm_policy_free(dm_policy *p);	/* frees the strings, zeroes p */
void dm_report_init(dm_report *r);
void dm_report_free(dm_report *r);
void dm_report_warn(dm_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dm_report_error(dm_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

dm_disp dm_disp_parse(const char *s);
dm_verdict dm_verdict_parse(const char *s);
dm_auth dm_auth_parse(const char *s);
dm_reason_type dm_reason_parse(const char *s);
dm_align dm_align_parse(const char *s);

const char *dm_disp_name(dm_disp d);
const char *dm_verdict_name(dm_verdict v);
const char *dm_auth_name(dm_auth a);
const char *dm_reason_name(dm_reason_type t);
const char *dm_align_name(dm_align a);
const char *dm_schema_name(dm_schema s);

/*
 * The identity of a report (SPEC §6.7): normalised org (org_name, else the
 * domain of the reporter's email), report_id without surrounding <> and
 * whitespace, lower-cased policy domain, begin, end.  Strings are written
 * into caller buffers of DM_KEY_LEN bytes.
 */
#define DM_KEY_LEN 512
void dm_report_key(const dm_report *r, char org[DM_KEY_LEN], char rid[DM_KEY_LEN],
    char domain[DM_KEY_LEN]);

#endif
