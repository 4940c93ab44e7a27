/*
 * align.h - DMARC identifier alignment (RFC 7489 §3.1, RFC 9989 §4.10).
 *
 * Organizational domains come from the public suffix list (libpsl, ICANN
 * section) by default.  When a TXT resolver is supplied, the RFC 9989 DNS
 * tree walk is used instead, falling back to the PSL when every query
 * failed temporarily.
 *
 * Domains are compared case-insensitively, ignoring one trailing dot.
 * Nothing here allocates per call except the PSL context (loaded once,
 * process-wide, thread-safe after align_init).
 *
 * Exports:
 *   align_init(psl_file)     load the PSL: psl_file (may be NULL) else the
 *                            system list, else libpsl's builtin list.  Idempotent.
 *   align_org_domain()       the organizational domain of a name
 *   align_match()            relaxed / strict alignment of two domains
 *   align_tree_walk_org()    RFC 9989 §4.10.2 with a caller's TXT lookup
 *   align_set_resolver()     make align_org_domain/align_match use the tree
 *                            walk (process-wide, cached per name; NULL: the
 *                            PSL again).  Set it before analysis starts, from
 *                            the thread that analyses: not thread-safe.
 *   align_walk_stats()       walks done, walks that fell back to the PSL
 *   align_spf_cat(), align_dkim_cat():  the 3-way matrix category of a record
 */
#ifndef DS_ALIGN_H
#define DS_ALIGN_H

#include <stddef.h>

#include "../report/report.h"

#define ALIGN_DOMAIN_MAX 256

/* The matrix categories (SPF × DKIM, 3 × 3). */
typedef enum {
	ALIGN_PASS_ALIGNED = 0,	/* passed, and the domain aligns with header From */
	ALIGN_PASS_UNALIGNED = 1,	/* passed for some other domain */
	ALIGN_FAIL = 2		/* no pass at all (fail, none, softfail, errors, absent) */
} align_cat;

/*
 * TXT lookup used by the tree walk.  Fills out[] with up to max TXT strings
 * (each NUL-terminated, concatenated segments) for name and returns the count,
 * 0 for NXDOMAIN / no data, -1 for a temporary failure.
 */
typedef int (*align_txt_fn)(void *ctx, const char *name, char out[][512], int max);

int align_init(const char *psl_file);

/* Writes the organizational domain of domain (lower-cased, no trailing dot)
 * into out.  A public suffix or an unknown TLD gives the name itself.
 * Returns 0, or -1 when domain is empty or too long. */
int align_org_domain(const char *domain, char *out, size_t outlen);

/* 1 when a and b align under mode (DM_ALIGN_UNSET means relaxed). */
int align_match(const char *a, const char *b, dm_align mode);

/* RFC 9989 tree walk for domain; returns 0 and fills out, or -1 when every
 * query failed temporarily (the caller then falls back to the PSL). */
int align_tree_walk_org(const char *domain, align_txt_fn fn, void *ctx, char *out,
    size_t outlen);

/*
 * Category of a record's SPF / DKIM results against header_from (when NULL
 * or empty: the record's own header_from; when that is empty too, a pass
 * counts as not aligned, so callers pass the policy domain instead, as
 * analysis.c does).  SPF uses the mfrom result (helo only when no mfrom
 * result exists, as RFC 7489 §4.1 allows); a missing SPF domain falls back
 * to envelope_from.  DKIM: aligned if any passing signature aligns.
 * *best gets the index of the result that decided (or -1).
 */
align_cat align_spf_cat(const dm_record *rec, const char *header_from, dm_align mode,
    int *best);
align_cat align_dkim_cat(const dm_record *rec, const char *header_from, dm_align mode,
    int *best);

void align_set_resolver(align_txt_fn fn, void *ctx);
void align_walk_stats(unsigned long *walked, unsigned long *fallbacks);

const char *align_cat_name(align_cat c);	/* "pass_aligned" | "pass_unaligned" | "fail" */

#endif
