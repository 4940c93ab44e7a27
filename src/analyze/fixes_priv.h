/*
 * fixes_priv.h - what fixes.c (the groups and the rules) and fixes_out.c
 * (merging, the /24 aggregation, the lookup counts, the JSON) share.  Not
 * for use outside src/analyze/fixes*.c.
 *
 * Exports: grp, pfix, run, counted, T_*, fx_spf_current, fx_slot,
 * fx_merge_same, fx_aggregate, fx_count_fix, fx_fix_json, fx_spf_summary.
 */
#ifndef DS_FIXES_PRIV_H
#define DS_FIXES_PRIV_H

#include "fixes.h"
#include "../util/ipaddr.h"

#define NREP 8
#define NDK 4
#define NIPS 10
#define NSPF 8

typedef struct grp {
	char key[1200];
	int next;		/* hash chain, -1 end */
	char ip[IP_STRLEN], ptr[256];
	int cls, path, spf_cat, dkim_cat, sender_kind;
	int64_t messages, records, first, last, sample;
	char rep[NREP][128];
	int nrep;
	/* from the sample record */
	char envfrom[256], service[128], spf_domain[256], spf_result[32];
	struct { char d[256], sel[64], res[32]; } dk[NDK];
	int ndk;
} grp;

enum { T_NONE = 0, T_IP, T_INCLUDE, T_NEW };

typedef struct pfix {
	json_t *slots;		/* the text's slots */
	const fix_def *def;
	const char *sev;
	const grp *g;		/* the first group */
	char merge[700];	/* "" never merged */
	int term_kind;		/* T_*: an SPF change to count */
	char rd[256], term[128];
	ip_bin ip;
	int dead;
	int64_t messages, records, first, last;
	json_t *reporters, *ips, *record_ids;
} pfix;

typedef struct spfcache {
	char name[256];
	dc_spf_counted *c;
} spfcache;

typedef struct run {
	const fix_dns *dns;
	const char *d;
	pfix *f;
	int n, cap;
	spfcache spf[NSPF];
	int nspf;
} run;

typedef struct counted {
	char *after_text;
	int before, after, exact;
} counted;

/* fixes.c */
const dc_spf_counted *fx_spf_current(run *r, const char *name);
void fx_slot(pfix *p, const char *name, const char *v);
/* fixes_out.c */
void fx_merge_same(run *r);
void fx_aggregate(run *r);
void fx_count_fix(run *r, pfix *p, counted *k);
json_t *fx_fix_json(run *r, pfix *p, const counted *k, const char *code, const char *sev);
json_t *fx_spf_summary(run *r);

#endif
