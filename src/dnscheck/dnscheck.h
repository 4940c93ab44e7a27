/*
 * dnscheck.h - DNS record checks of a policy domain (issue 18 part 1): DMARC
 * (RFC 7489, RFC 9989), SPF (RFC 7208, lookups really followed), DKIM keys of
 * the selectors seen in the reports, MTA-STS (TXT and the policy file over
 * HTTPS), TLS-RPT and BIMI (syntax).  The result is a list of findings, each
 * with a code, a severity, the RFC section, ja/en texts (from one table,
 * findings.c) and the record text it is about, plus the records as found
 * (what the daily run keeps in its history and compares, part 4).
 *
 * Files:
 *   findings.c   the finding table (code → severity, area, RFC, en, ja),
 *                dc_add, the result's JSON and text forms
 *   parse.c      the tag-list parser (DMARC, DKIM, TLS-RPT, BIMI, MTA-STS),
 *                the SPF term parser, the MTA-STS policy parser: pure
 *                functions over strings (the fuzz harness drives them)
 *   net.c        synchronous lookups on the c-ares engine (src/enrich/dns.h)
 *                with caps, the HTTPS fetch (libcurl) with caps
 *   check_dmarc.c, check_spf.c, check_misc.c   the checks
 *   daily.c      the daemon's daily run: every policy domain, history,
 *                alerts with the diff
 *
 * Caps on everything that comes from the network: DC_TXT_MAX bytes per TXT
 * record, DC_RECORDS_MAX records per name, DC_QUERY_MAX queries per check,
 * DC_POLICY_MAX bytes of an MTA-STS policy, a time limit for the whole
 * check (dc_opts.deadline_ms).
 *
 * Ownership: dc_result owns its findings and records (dc_result_free).
 * Errors: dc_check returns 0 (the result holds whatever was found, DNS
 * failures are findings), -1 with err only when it cannot start (bad
 * resolver, bad domain).
 */
#ifndef DS_DNSCHECK_H
#define DS_DNSCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "../util/dbuf.h"

#define DC_NAME_MAX	256
#define DC_TXT_MAX	4096	/* one TXT record, strings concatenated */
#define DC_RECORDS_MAX	16	/* TXT records read at one name */
#define DC_QUERY_MAX	200	/* DNS queries per check */
#define DC_POLICY_MAX	65536	/* MTA-STS policy file (RFC 8461 §3.2 has no cap; 64 KiB) */
#define DC_SELECTORS_MAX 32
#define DC_SPF_LOOKUPS	10	/* RFC 7208 §4.6.4 */
#define DC_SPF_VOIDS	2	/* RFC 7208 §4.6.4 */

typedef enum { DC_INFO = 0, DC_WARN = 1, DC_ERROR = 2 } dc_severity;

/* One row of the table in findings.c. */
typedef struct dc_def {
	const char *code;	/* "dmarc.none", "spf.lookups" ... (the text key is "check." code) */
	dc_severity sev;
	const char *rfc;	/* "RFC 7208 §4.6.4" */
	const char *en, *ja;	/* one line; "%s" is replaced by the finding's arg */
} dc_def;

typedef struct dc_finding {
	const dc_def *def;
	char name[DC_NAME_MAX];	/* the DNS name (or URL) it is about */
	char arg[512];		/* what the text's %s stands for */
	char *record;		/* the record text, or NULL */
} dc_finding;

/* A record as found: kind "dmarc", "spf", "dkim", "mta-sts", "mta-sts-policy",
 * "tls-rpt", "bimi", "dmarc-report" (external destination). */
typedef struct dc_record {
	char kind[24];
	char name[DC_NAME_MAX];
	char *text;		/* several records at one name: joined by "\n", sorted */
} dc_record;

typedef struct dc_result {
	char domain[DC_NAME_MAX];
	dc_finding *f;
	int n, cap;
	dc_record *rec;
	int nrec, reccap;
	int queries;		/* DNS queries made */
	int spf_lookups, spf_voids;	/* -1: no SPF record evaluated */
	char dmarc_from[DC_NAME_MAX];	/* the name whose DMARC record applies ("" none) */
	char org_domain[DC_NAME_MAX];	/* the tree walk's organizational domain */
	int64_t checked_at;
} dc_result;

typedef struct dc_opts {
	const char *resolver;	/* "IP:PORT", NULL: the system's */
	int timeout_ms;		/* per DNS try (2000) */
	int deadline_ms;	/* the whole check (30000) */
	int loopback_only;	/* DMARCSCOPE_ENRICH_LOOPBACK_ONLY: refuse other servers */
	const char *ca_file;	/* HTTPS trust anchors, NULL: the system's */
	int https_port;		/* 443; tests use another */
	int no_https;		/* skip the MTA-STS policy fetch */
	const char *selectors[DC_SELECTORS_MAX];	/* DKIM selectors to look up */
	int nselectors;
	int selectors_owned;	/* 1: freed by dnscheck_selectors_free */
	int64_t now;		/* 0: time(NULL) */
} dc_opts;

void dc_opts_init(dc_opts *o);
int dc_check(const char *domain, const dc_opts *o, dc_result *r, char *err, size_t errlen);
void dc_result_free(dc_result *r);

/* findings.c */
const dc_def *dc_def_find(const char *code);
const dc_def *dc_def_at(size_t i);	/* NULL past the end */
void dc_add(dc_result *r, const char *code, const char *name, const char *arg, const char *record);
void dc_add_record(dc_result *r, const char *kind, const char *name, const char *text);
const char *dc_severity_name(dc_severity s);
/* The text of f in "ja" or "en" into out. */
void dc_text(const dc_finding *f, int ja, char *out, size_t len);
/* {"domain":..,"findings":[...],"records":[...],...} */
void dc_result_json(const dc_result *r, dbuf *b);
/* Counts by severity. */
void dc_counts(const dc_result *r, int *errors, int *warnings, int *infos);

/* ---- parse.c: tag lists (RFC 6376 §3.2 style, shared by DMARC/DKIM/...) */
#define DC_TAGS_MAX 32
typedef struct dc_tag {
	char name[32];
	char value[DC_TXT_MAX];
} dc_tag;
typedef struct dc_taglist {
	dc_tag t[DC_TAGS_MAX];
	int n;
	int dup;		/* index of the first repeated tag, -1 none */
	int bad;		/* a tag without '=' or with an empty or bad name */
	char badtok[64];
	int more;		/* more than DC_TAGS_MAX tags (the rest ignored) */
} dc_taglist;
/* 0, or -1 when s is not a tag list at all. */
int dc_tags_parse(const char *s, dc_taglist *tl);
const char *dc_tag_get(const dc_taglist *tl, const char *name);

/* SPF terms (RFC 7208 §4.6.1, §5, §6). */
typedef enum {
	SPF_ALL, SPF_INCLUDE, SPF_A, SPF_MX, SPF_PTR, SPF_IP4, SPF_IP6, SPF_EXISTS,
	SPF_REDIRECT, SPF_EXP, SPF_UNKNOWN_MOD, SPF_BAD
} dc_spf_kind;
#define DC_SPF_TERMS 64
typedef struct dc_spf_term {
	dc_spf_kind kind;
	char qual;		/* '+', '-', '~', '?' */
	char arg[DC_NAME_MAX];	/* domain-spec / ip / "" */
	char text[DC_NAME_MAX];	/* the term as written (capped) */
} dc_spf_term;
typedef struct dc_spf {
	dc_spf_term t[DC_SPF_TERMS];
	int n;
	int more;		/* more terms than DC_SPF_TERMS */
	int redirects, exps;	/* modifiers counted (each at most once, §6) */
} dc_spf;
/* 1 when s is an SPF record ("v=spf1" then space or end, §4.5). */
int dc_spf_is(const char *s);
/* 0, or -1 when s is not an SPF record. */
int dc_spf_parse(const char *s, dc_spf *out);
/* Has the domain-spec macros (%{...})? Macros are not expanded: counted only. */
int dc_spf_has_macro(const char *s);

/* MTA-STS policy file (RFC 8461 §3.2). */
typedef struct dc_sts_policy {
	char version[16], mode[16];
	char mx[16][DC_NAME_MAX];
	int nmx;
	long max_age;		/* -1 absent or bad */
	int bad_lines;
	char badline[128];
} dc_sts_policy;
int dc_sts_policy_parse(const char *s, size_t len, dc_sts_policy *p);

/* The DKIM p= key: its type ("rsa"/"ed25519") and length in bits, from the
 * base64 SubjectPublicKeyInfo (rsa) or the raw 32 bytes (ed25519).  0, or
 * -1 when the key does not decode. */
int dc_dkim_key_bits(const char *k, const char *p, int *bits);

/* ---- check_spf.c: the lookup count of a record text (issue 18 part 2) */
#define DC_SPF_NETS 256
typedef struct dc_spf_net {
	int family;		/* 4 or 6 */
	unsigned char addr[16];
	int bits;
	char from[64];		/* the term that gave it ("ip4:192.0.2.0/24", "a:mail.x") */
} dc_spf_net;
typedef struct dc_spf_count {
	int found;		/* 1 a record, 0 none, -1 temporary failure, -2 several */
	char *record;		/* the published record (text == NULL only), or NULL */
	int lookups, voids;	/* RFC 7208 §4.6.4, counted as dc_check counts them */
	int incomplete;		/* a failed lookup, a cap, a macro or a loop: a lower bound */
	int queries;
	dc_spf_net nets[DC_SPF_NETS];	/* what '+' ip4/ip6/a/mx authorize, includes followed */
	int nnets, nets_more;
} dc_spf_counted;
/* Walks the SPF record of domain as dc_check does: text NULL, the published
 * record; else text as if it were published at domain (its includes and
 * redirect looked up).  0, or -1 with err when the resolver cannot start.
 * Free with dc_spf_count_free. */
int dc_spf_count(const char *domain, const char *text, const dc_opts *o, dc_spf_counted *c,
    char *err, size_t errlen);
void dc_spf_count_free(dc_spf_counted *c);
/* 1 when ip is inside one of c's networks (*by: the term, may be NULL). */
int dc_spf_covers(const dc_spf_counted *c, const char *ip, const char **by);
/* The CIDR lengths of an a/mx term from its text: *v4 0..32 (32), *v6 0..128 (128). */
void dc_spf_term_cidr(const dc_spf_term *t, int *v4, int *v6);

#endif
