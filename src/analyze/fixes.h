/*
 * fixes.h - exact fixes from the data (issue 18 part 2): for each of My
 * Senders and each known service that fails DMARC for a policy domain over a
 * period, what to change, as text an admin can paste, in ja and en, with a
 * stable code, a severity, the evidence (messages, dates, reporters) and the
 * RFC section.  Forwarded mail and lists get a "no fix needed" line saying why.
 *
 * Data: the portal's record list read (store_web.h SWQ_RECORDS_CSV, the same
 * on SQLite and PostgreSQL, scoped by the principal) summed per source and
 * failure pattern, plus one SWQ_RECORD/SWQ_RECORD_DKIM read per group for the
 * envelope from, the service and the DKIM selectors.  Spoofing-suspected and
 * passing mail is counted, never given a fix.
 *
 * DNS: through a fix_dns (the SPF record of a name, published or proposed,
 * with its lookup count and the networks it authorizes; the state of a DKIM
 * key).  fixes_dns_live() walks the real DNS with src/dnscheck/ (the CLI);
 * fixes_dns_saved() answers from the last saved check of the domain
 * (dns_checks: the portal, which makes no DNS queries in a request).
 *
 * Files: fixes.c (the groups and the rules), fixes_text.c (the ja/en texts
 * and the JSON), fixes_dns.c (the two fix_dns).
 *
 * Ownership: fixes_run returns a new JSON object (json_decref it).
 * Errors: fixes_run returns NULL with err on a store error or a bad domain.
 *
 * Exports: fixes_run, fix_dns, fix_spf, fixes_dns_live, fixes_dns_saved,
 * fixes_dns_free, fix_service_include, fix_def_find, fix_def_at, fixes_fill,
 * fixes_with_term.
 */
#ifndef DS_FIXES_H
#define DS_FIXES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../dnscheck/dnscheck.h"
#include "../store/store.h"

struct dm_principal;

#define FIX_GROUPS_MAX 400	/* source × failure pattern groups kept */
#define FIX_ROWS_MAX 200000	/* records read; more: "partial" */
#define FIX_OUT_MAX 200		/* fixes given */

/* The state of a DKIM key at sel._domainkey.domain. */
enum { FIX_KEY_UNKNOWN = 0, FIX_KEY_OK, FIX_KEY_MISSING, FIX_KEY_REVOKED };

typedef struct fix_dns {
	const char *mode;	/* "live" or "saved" */
	/* The SPF record at name: text NULL the published one, else text as if
	 * published.  Fills c (c->found -1 and lookups -1: unknown).  c->incomplete
	 * 1 also when the networks list only ip4/ip6 terms (saved mode). */
	void (*spf)(void *ctx, const char *name, const char *text, dc_spf_counted *c);
	int (*dkim_key)(void *ctx, const char *domain, const char *selector);
	void *ctx;
} fix_dns;

/* The live DNS (o: resolver, timeouts; kept by reference). */
fix_dns *fixes_dns_live(const dc_opts *o);
/* The saved check of domain (NULL or "" json: nothing known). */
fix_dns *fixes_dns_saved(const char *json);
void fixes_dns_free(fix_dns *d);

/* The include a known service documents for its senders ("_spf.google.com"),
 * by the service's name in the service map; NULL when none is known. */
const char *fix_service_include(const char *service);

/* The fixes of domain for the reports beginning in [since, until).
 * who: the principal (NULL: the CLI's local principal). */
json_t *fixes_run(store *st, const struct dm_principal *who, const char *domain, int64_t since,
    int64_t until, const fix_dns *dns, char *err, size_t errlen);

/* fixes_text.c: a fix's text in lang with its slots filled; the table. */
typedef struct fix_def {
	const char *code;
	const char *sev;	/* "error" | "warning" | "info" (the default) */
	const char *rfc;
	const char *en, *ja;	/* {slot} are filled from the fix's slots */
} fix_def;
const fix_def *fix_def_find(const char *code);
const fix_def *fix_def_at(size_t i);
/* Fills tpl's {name} slots from the JSON object slots into out. */
void fixes_fill(const char *tpl, const json_t *slots, char *out, size_t len);
/* A new string: text with " term" before its all or redirect= term, else at
 * the end (trailing spaces dropped).  Caller frees. */
char *fixes_with_term(const char *text, const char *term);

#endif
