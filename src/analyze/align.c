/*
 * align.c - DMARC identifier alignment: organizational domains from the
 * public suffix list (libpsl) or from the RFC 9989 DNS tree walk, relaxed
 * and strict matching, and the SPF / DKIM categories of one record.
 *
 * Organizational domain (PSL): the longest suffix of the name that the ICANN
 * section of the list calls public, plus one label.  The private section
 * (github.io, blogspot.com, compute-1.amazonaws.com, ...) is not used, as
 * align.h says: x.github.io and y.github.io share the organizational domain
 * github.io, and an EC2 host name maps to amazonaws.com.  The list's implicit
 * "*" rule applies, so an unknown TLD is a public suffix and a.b.internal
 * gives b.internal; a name that is itself a public suffix (co.jp, com,
 * localhost) gives the name itself.
 *
 * Exports (see align.h): align_init, align_org_domain, align_match,
 * align_tree_walk_org, align_spf_cat, align_dkim_cat, align_cat_name.
 */
#include "align.h"

#include <libpsl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The process-wide list.  Readers load psl_cur; align_init() swaps it under
 * psl_lock.  A context that was replaced is kept (never freed) because a
 * reader may still be using it. */
static pthread_mutex_t psl_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(const psl_ctx_t *) psl_cur;
static psl_ctx_t *psl_owned;		/* the current context when we loaded it */
/* A default context replaced by a file.  volatile: written only, but it must
 * stay in memory so that leak checkers see the context as reachable. */
static psl_ctx_t *volatile psl_retired;
static int psl_from_file;

#define DNS_NAME_MAX 253		/* text form, without the trailing dot */
#define TREE_MAX_QUERIES 8
#define TREE_MAX_TXT 16

/* Load libpsl's newest list (the system's, or the builtin one).  Locked. */
static void
psl_load_default(void)
{
	psl_ctx_t *ctx;

	if ((ctx = psl_latest(NULL)) != NULL) {
		psl_owned = ctx;
		atomic_store(&psl_cur, ctx);
	} else
		atomic_store(&psl_cur, psl_builtin());
}

int
align_init(const char *psl_file)
{
	psl_ctx_t *ctx;
	int rc = 0;

	pthread_mutex_lock(&psl_lock);
	if (psl_file == NULL || *psl_file == '\0') {
		if (atomic_load(&psl_cur) == NULL)
			psl_load_default();
	} else if (!psl_from_file) {
		if ((ctx = psl_load_file(psl_file)) != NULL) {
			if (psl_owned != NULL)
				psl_retired = psl_owned;
			psl_owned = ctx;
			psl_from_file = 1;
			atomic_store(&psl_cur, ctx);
		} else {
			rc = -1;
			if (atomic_load(&psl_cur) == NULL)
				psl_load_default();
		}
	}
	pthread_mutex_unlock(&psl_lock);
	return rc;
}

static const psl_ctx_t *
psl_get(void)
{
	const psl_ctx_t *p;

	if ((p = atomic_load(&psl_cur)) == NULL) {
		(void)align_init(NULL);
		p = atomic_load(&psl_cur);
	}
	return p;
}

/*
 * Copy domain into buf lower-cased (ASCII only), without one trailing dot.
 * Returns the length, or -1 when it is empty, longer than a DNS name can be
 * (253 bytes) or does not fit.
 */
static int
norm_domain(const char *domain, char *buf, size_t buflen)
{
	size_t n, i;

	if (domain == NULL)
		return -1;
	n = strlen(domain);
	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n == 0 || n > DNS_NAME_MAX || n >= buflen)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)domain[i];

		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
	}
	buf[n] = '\0';
	return (int)n;
}

/*
 * A per-thread memo of org_of: a report names the same few domains over and
 * over, and each label costs a PSL lookup of a few thousand instructions.
 * Direct-mapped, keyed by the name; emptied when the list is swapped.
 */
#define ORG_MEMO 256			/* a power of two */
#define ORG_MEMO_NAME 64		/* longer names are not remembered */

static _Thread_local struct {
	const psl_ctx_t *psl;		/* the list the entries came from */
	struct {
		char name[ORG_MEMO_NAME];	/* "" for an empty slot */
		int off;		/* where the org domain starts in name */
	} e[ORG_MEMO];
} org_memo;

/* Organizational domain by the list: the longest public suffix plus one label. */
static const char *
org_psl(const psl_ctx_t *psl, const char *name)
{
	const char *prev = NULL, *p = name;

	for (;;) {
		if (*p != '\0' && psl_is_public_suffix2(psl, p, PSL_TYPE_ICANN))
			return prev != NULL ? prev : name;
		prev = p;
		if ((p = strchr(p, '.')) == NULL)
			return name;
		p++;
	}
}

/* Organizational domain of an already normalised name: a suffix of it. */
static const char *
org_of(const char *name)
{
	const psl_ctx_t *psl = psl_get();
	const char *org;
	size_t n;
	unsigned h = 2166136261u;

	if (psl == NULL) {
		/* No list at all: keep the last two labels. */
		const char *dot = strrchr(name, '.'), *q;

		if (dot == NULL)
			return name;
		for (q = dot; q > name && q[-1] != '.'; q--)
			;
		return q;
	}
	n = strlen(name);
	if (n == 0 || n >= ORG_MEMO_NAME)
		return org_psl(psl, name);
	if (org_memo.psl != psl) {
		memset(&org_memo, 0, sizeof(org_memo));
		org_memo.psl = psl;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	h &= ORG_MEMO - 1;
	if (strcmp(org_memo.e[h].name, name) == 0)
		return name + org_memo.e[h].off;
	org = org_psl(psl, name);
	memcpy(org_memo.e[h].name, name, n + 1);
	org_memo.e[h].off = (int)(org - name);
	return org;
}

/* ---- the tree walk as the org-domain source (align_set_resolver) --------- */

#define WALK_CACHE 4096		/* names remembered; a full cache starts over */

static struct {
	align_txt_fn fn;
	void *ctx;
	char (*name)[ALIGN_DOMAIN_MAX];
	char (*org)[ALIGN_DOMAIN_MAX];
	size_t n;
	unsigned long queries, fallbacks;
} walk;

static int align_tree_walk_cached(const char *name, char *out, size_t outlen);

void
align_set_resolver(align_txt_fn fn, void *ctx)
{
	free(walk.name);
	free(walk.org);
	memset(&walk, 0, sizeof(walk));
	if (fn == NULL)
		return;
	walk.fn = fn;
	walk.ctx = ctx;
	walk.name = calloc(WALK_CACHE, ALIGN_DOMAIN_MAX);
	walk.org = calloc(WALK_CACHE, ALIGN_DOMAIN_MAX);
	if (walk.name == NULL || walk.org == NULL)
		align_set_resolver(NULL, NULL);	/* out of memory: the PSL it is */
}

void
align_walk_stats(unsigned long *walked, unsigned long *fallbacks)
{
	*walked = walk.queries;
	*fallbacks = walk.fallbacks;
}

/* The org domain of a normalised name: the tree walk when a resolver is
 * set (cached per name; a walk whose every query failed falls back to the
 * PSL, cached as well), else the PSL. */
static const char *
org_for(const char *name, char *buf, size_t len)
{
	if (walk.fn != NULL && align_tree_walk_cached(name, buf, len) == 0)
		return buf;
	return org_of(name);
}

static int
align_tree_walk_cached(const char *name, char *out, size_t outlen)
{
	for (size_t i = 0; i < walk.n; i++)	/* small and bounded: a scan is fine */
		if (strcmp(walk.name[i], name) == 0) {
			snprintf(out, outlen, "%s", walk.org[i]);
			return 0;
		}
	walk.queries++;
	if (align_tree_walk_org(name, walk.fn, walk.ctx, out, outlen) != 0) {
		/* every query failed: the PSL answers for this name for the rest
		 * of the run (cached too, so one dead resolver costs one walk) */
		walk.fallbacks++;
		snprintf(out, outlen, "%s", org_of(name));
	}
	if (walk.n == WALK_CACHE)
		walk.n = 0;
	snprintf(walk.name[walk.n], ALIGN_DOMAIN_MAX, "%s", name);
	snprintf(walk.org[walk.n], ALIGN_DOMAIN_MAX, "%s", out);
	walk.n++;
	return 0;
}

int
align_org_domain(const char *domain, char *out, size_t outlen)
{
	char buf[ALIGN_DOMAIN_MAX];
	const char *org;
	size_t n;

	if (out == NULL || outlen == 0)
		return -1;
	if (norm_domain(domain, buf, sizeof(buf)) < 0) {
		*out = '\0';
		return -1;
	}
	{
		char wb[ALIGN_DOMAIN_MAX];

		org = org_for(buf, wb, sizeof(wb));
		n = strlen(org);
		if (n < outlen) {
			memcpy(out, org, n + 1);
			return 0;
		}
	}
	if (n >= outlen) {
		*out = '\0';
		return -1;
	}
	memcpy(out, org, n + 1);
	return 0;
}

int
align_match(const char *a, const char *b, dm_align mode)
{
	char na[ALIGN_DOMAIN_MAX], nb[ALIGN_DOMAIN_MAX];

	if (norm_domain(a, na, sizeof(na)) < 0 || norm_domain(b, nb, sizeof(nb)) < 0)
		return 0;
	if (strcmp(na, nb) == 0)
		return 1;
	if (mode == DM_ALIGN_STRICT)
		return 0;
	{
		char oa[ALIGN_DOMAIN_MAX], ob[ALIGN_DOMAIN_MAX];

		return strcmp(org_for(na, oa, sizeof(oa)), org_for(nb, ob, sizeof(ob))) == 0;
	}
}

/* ---- RFC 9989 tree walk ------------------------------------------------- */

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * Is txt a DMARC record (v=DMARC1 first, exact case)?  Returns -1 when it is
 * not, else its psd value: 'y', 'n' or 'u' (absent or unusable).  Tags after
 * the version are read tolerantly: any case, the first psd tag wins.
 */
static int
dmarc_psd(const char *txt)
{
	const char *p = txt, *tag, *val;
	size_t tlen, vlen;

	if (*p++ != 'v')
		return -1;
	while (is_wsp(*p))
		p++;
	if (*p++ != '=')
		return -1;
	while (is_wsp(*p))
		p++;
	if (strncmp(p, "DMARC1", 6) != 0)
		return -1;
	p += 6;
	while (is_wsp(*p))
		p++;
	if (*p != '\0' && *p != ';')
		return -1;
	while (*p == ';') {
		p++;
		while (is_wsp(*p))
			p++;
		tag = p;
		while (*p != '\0' && *p != ';' && *p != '=' && !is_wsp(*p))
			p++;
		tlen = (size_t)(p - tag);
		while (is_wsp(*p))
			p++;
		if (*p != '=') {
			while (*p != '\0' && *p != ';')
				p++;
			continue;
		}
		p++;
		while (is_wsp(*p))
			p++;
		val = p;
		while (*p != '\0' && *p != ';')
			p++;
		vlen = (size_t)(p - val);
		while (vlen > 0 && is_wsp(val[vlen - 1]))
			vlen--;
		if (tlen == 3 && strncasecmp(tag, "psd", 3) == 0) {
			if (vlen == 1 && (*val == 'y' || *val == 'Y'))
				return 'y';
			if (vlen == 1 && (*val == 'n' || *val == 'N'))
				return 'n';
			return 'u';
		}
	}
	return 'u';
}

int
align_tree_walk_org(const char *domain, align_txt_fn fn, void *ctx, char *out,
    size_t outlen)
{
	char name[ALIGN_DOMAIN_MAX], qname[ALIGN_DOMAIN_MAX + 16];
	char txt[TREE_MAX_TXT][512];
	int starts[ALIGN_DOMAIN_MAX + 1];
	int found_at[TREE_MAX_QUERIES], found_psd[TREE_MAX_QUERIES];
	int nlab = 0, nfound = 0, nq = 0, ntemp = 0, i, k, len, pick = -1;
	size_t n;

	if (out == NULL || outlen == 0 || fn == NULL)
		return -1;
	*out = '\0';
	if ((len = norm_domain(domain, name, sizeof(name))) < 0)
		return -1;
	starts[nlab++] = 0;
	for (k = 0; k < len; k++)
		if (name[k] == '.')
			starts[nlab++] = k + 1;

	for (i = 0; i < nlab && nq < TREE_MAX_QUERIES; ) {
		int ntxt, nvalid = 0, psd = 'u';

		snprintf(qname, sizeof(qname), "_dmarc.%s", name + starts[i]);
		memset(txt, 0, sizeof(txt));
		ntxt = fn(ctx, qname, txt, TREE_MAX_TXT);
		nq++;
		if (ntxt < 0)
			ntemp++;
		if (ntxt > TREE_MAX_TXT)
			ntxt = TREE_MAX_TXT;
		for (k = 0; k < ntxt; k++) {
			int v;

			txt[k][sizeof(txt[k]) - 1] = '\0';
			if ((v = dmarc_psd(txt[k])) >= 0) {
				nvalid++;
				psd = v;
			}
		}
		if (nvalid == 1) {
			found_at[nfound] = i;
			found_psd[nfound++] = psd;
			if (psd == 'y' || psd == 'n')
				break;
		}
		/* Drop one label, or down to seven when there are eight or more. */
		if (nlab - i >= 8)
			i = nlab - 7;
		else
			i++;
	}
	if (ntemp == nq)
		return -1;

	/* Longest to shortest: psd=n, then psd=y below the start, else fewest
	 * labels.  The walk stopped at the first psd=y/n, so only the last entry
	 * can carry one. */
	for (k = 0; k < nfound; k++) {
		if (found_psd[k] == 'n') {
			pick = found_at[k];
			break;
		}
		if (found_psd[k] == 'y' && found_at[k] != 0) {
			pick = found_at[k] - 1;
			break;
		}
	}
	if (pick < 0)
		pick = nfound > 0 ? found_at[nfound - 1] : 0;
	n = strlen(name + starts[pick]);
	if (n >= outlen)
		return -1;
	memcpy(out, name + starts[pick], n + 1);
	return 0;
}

/* ---- SPF / DKIM categories ---------------------------------------------- */

static const char *
from_domain(const dm_record *rec, const char *header_from)
{
	if (header_from != NULL && *header_from != '\0')
		return header_from;
	if (rec->header_from != NULL && *rec->header_from != '\0')
		return rec->header_from;
	return NULL;
}

/* Is this SPF scope "helo" (or "ehlo")?  Anything else counts as mfrom. */
static int
scope_is_helo(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	while (is_wsp(*s) || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (is_wsp(s[n - 1]) || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n == 4 && (strncasecmp(s, "helo", 4) == 0 || strncasecmp(s, "ehlo", 4) == 0);
}

/* The domain part of an envelope_from that may be a whole address. */
static const char *
envelope_domain(const char *s)
{
	const char *at;

	if (s == NULL)
		return NULL;
	if ((at = strrchr(s, '@')) != NULL)
		s = at + 1;
	return *s != '\0' ? s : NULL;
}

align_cat
align_spf_cat(const dm_record *rec, const char *header_from, dm_align mode, int *best)
{
	const char *from = from_domain(rec, header_from);
	int helo_only = 1, first = -1, first_pass = -1, i;

	for (i = 0; i < rec->nspf && i < DM_MAX_SPF; i++)
		if (!scope_is_helo(rec->spf_results[i].scope))
			helo_only = 0;
	for (i = 0; i < rec->nspf && i < DM_MAX_SPF; i++) {
		const dm_spf *s = &rec->spf_results[i];
		const char *d;

		if (scope_is_helo(s->scope) != helo_only)
			continue;
		if (first < 0)
			first = i;
		if (s->result != DM_AUTH_PASS)
			continue;
		if (first_pass < 0)
			first_pass = i;
		d = (s->domain != NULL && *s->domain != '\0') ? s->domain :
		    envelope_domain(rec->envelope_from);
		if (from != NULL && d != NULL && align_match(d, from, mode)) {
			if (best != NULL)
				*best = i;
			return ALIGN_PASS_ALIGNED;
		}
	}
	if (best != NULL)
		*best = first_pass >= 0 ? first_pass : first;
	return first_pass >= 0 ? ALIGN_PASS_UNALIGNED : ALIGN_FAIL;
}

align_cat
align_dkim_cat(const dm_record *rec, const char *header_from, dm_align mode, int *best)
{
	const char *from = from_domain(rec, header_from);
	int first_pass = -1, i;

	for (i = 0; i < rec->ndkim && i < DM_MAX_DKIM; i++) {
		const dm_dkim *k = &rec->dkim_results[i];

		if (k->result != DM_AUTH_PASS)
			continue;
		if (first_pass < 0)
			first_pass = i;
		if (from != NULL && align_match(k->domain, from, mode)) {
			if (best != NULL)
				*best = i;
			return ALIGN_PASS_ALIGNED;
		}
	}
	if (best != NULL)
		*best = first_pass >= 0 ? first_pass : (rec->ndkim > 0 ? 0 : -1);
	return first_pass >= 0 ? ALIGN_PASS_UNALIGNED : ALIGN_FAIL;
}

const char *
align_cat_name(align_cat c)
{
	switch (c) {
	case ALIGN_PASS_ALIGNED:
		return "pass_aligned";
	case ALIGN_PASS_UNALIGNED:
		return "pass_unaligned";
	default:
		return "fail";
	}
}
