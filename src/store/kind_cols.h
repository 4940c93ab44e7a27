/*
 * kind_cols.h - what both backends derive from a failure report's model
 * (arf_to_json()) before writing its columns, so that SQLite and PostgreSQL
 * store the same values: the policy domain, the reporter's domain, the
 * arrival time, the first recipient and the source address family.
 * Not for use outside src/store/.
 *
 * Exports: kc_failure, kc_failure_cols, kc_lower_copy.  No allocation; the
 * struct owns its buffers.
 */
#ifndef DS_KIND_COLS_H
#define DS_KIND_COLS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct kc_failure {
	char domain[256];	/* Reported-Domain, else the sample From's domain; lower case */
	char rdomain[256];	/* the reporter's domain, "" when none */
	char first_rcpt[512];	/* Original-Rcpt-To up to the first comma */
	int has_rcpt;		/* Original-Rcpt-To present (first_rcpt may be "") */
	int64_t arrival;	/* arrival_time, else report_date, else now */
	int family;		/* 4, 6, or 0 when source_ip is no address */
} kc_failure;

/* Fills c from the model m; now: the time when nothing else tells. */
void kc_failure_cols(const json_t *m, int64_t now, kc_failure *c);
/* in in lower case into out (truncated to outlen - 1). */
void kc_lower_copy(const char *in, char *out, size_t outlen);

#endif
