/*
 * tlsrpt.h - SMTP TLS reports (RFC 8460) parsed with jansson into a model.
 *
 * tlsrpt_parse() takes one JSON document (already unwrapped: the ingest's
 * unpack layer removes gzip and takes the application/tlsrpt+gzip or
 * application/tlsrpt+json part out of a multipart/report; report-type=tlsrpt
 * mail).  It is strict: the document must be one JSON object with
 * organization-name, date-range, report-id and policies; anything else that
 * merely starts with '{' is DM_KERR_NOT_REPORT.  Caps: bytes, policies,
 * failure-details (in all policies together), string lengths.
 *
 * tlsrpt_from_mail() is for tests and tools until the pipeline does the
 * unwrapping: it takes the report out of such a mail with GMime (and zlib for
 * the gzip form).
 *
 * Exports:
 *   tlsrpt_limits_default(l)
 *   tlsrpt_parse(p, n, lim, &rep, err, errlen)  DM_KERR_*; rep owned by the
 *       caller (tlsrpt_free)
 *   tlsrpt_free(rep), tlsrpt_to_json(rep) (a new reference),
 *   tlsrpt_identity(rep, key)  "tlsrpt:<report-id>" ("tlsrpt-sha256:<hex>" when long)
 *   tlsrpt_from_mail(msg, n, max_out, &out, &outlen, err, errlen)
 *       0 and a malloc'ed JSON document, or -1 (err says why)
 *   dm_kind_tlsrpt (kind.h)
 */
#ifndef DS_TLSRPT_H
#define DS_TLSRPT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kind.h"

typedef struct tlsrpt_limits {
	size_t max_bytes;	/* the JSON document (default 4 MiB) */
	unsigned max_policies;	/* default 1000 */
	unsigned max_details;	/* failure-details, all policies (default 10000) */
	unsigned max_strings;	/* policy-string / mx-host entries per policy (default 100) */
	size_t max_string;	/* one string value (default 1024 bytes) */
} tlsrpt_limits;

typedef struct tlsrpt_failure {
	char *result_type;
	char *sending_mta_ip;		/* canonical when it is an address */
	char *receiving_mx_hostname;
	char *receiving_mx_helo;
	char *receiving_ip;
	int64_t failed_session_count;
	char *additional_information;
	char *failure_reason_code;
} tlsrpt_failure;

typedef struct tlsrpt_policy {
	char *type;		/* "sts" | "tlsa" | "no-policy-found" */
	char **strings;		/* policy-string */
	unsigned nstrings;
	char *domain;		/* policy-domain, lower case */
	char **mx_hosts;	/* mx-host: one string or a list */
	unsigned nmx;
	int64_t success;	/* total-successful-session-count */
	int64_t failure;	/* total-failure-session-count */
	tlsrpt_failure *details;
	unsigned ndetails;
} tlsrpt_policy;

typedef struct tlsrpt_report {
	char *org;
	char *contact;		/* contact-info, or NULL */
	char *report_id;
	char *start, *end;	/* as given (RFC 3339) */
	int64_t start_time, end_time;	/* Unix time */
	tlsrpt_policy *policies;
	unsigned npolicies;
	int64_t total_success, total_failure;
	char **warnings;
	unsigned nwarnings;
} tlsrpt_report;

void tlsrpt_limits_default(tlsrpt_limits *l);
int tlsrpt_parse(const unsigned char *p, size_t n, const tlsrpt_limits *lim,
    tlsrpt_report **out, char *err, size_t errlen);
void tlsrpt_free(tlsrpt_report *r);
json_t *tlsrpt_to_json(const tlsrpt_report *r);
void tlsrpt_identity(const tlsrpt_report *r, char key[DM_KIND_KEYLEN]);
int tlsrpt_from_mail(const unsigned char *msg, size_t n, size_t max_out, unsigned char **out,
    size_t *outlen, char *err, size_t errlen);

#endif
