/*
 * test_align.c - unit tests for src/analyze/align.c: organizational domains
 * (PSL, ICANN section), relaxed / strict alignment, the RFC 9989 tree walk
 * against a fake TXT resolver, and the SPF / DKIM categories of a record.
 *
 * Choice pinned here: only the ICANN section of the public suffix list is
 * used (align.h), so x.github.io has the organizational domain github.io and
 * x.github.io / y.github.io align in relaxed mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/align.h"

/* ---- organizational domains ---------------------------------------------- */

static const struct {
	const char *in, *want;	/* want NULL: align_org_domain returns -1 */
} org_cases[] = {
	{ "mail.example.co.jp", "example.co.jp" },
	{ "example.co.jp", "example.co.jp" },
	{ "a.b.c.example.co.jp", "example.co.jp" },
	{ "www.example.ac.jp", "example.ac.jp" },
	{ "foo.example.com", "example.com" },
	{ "example.com", "example.com" },
	{ "mail.example.co.uk", "example.co.uk" },
	{ "co.jp", "co.jp" },			/* a public suffix: itself */
	{ "ac.jp", "ac.jp" },
	{ "com", "com" },
	{ "localhost", "localhost" },		/* single label */
	{ "x.github.io", "github.io" },		/* private section not used */
	{ "a.x.github.io", "github.io" },
	{ "ec2-1-2-3-4.compute-1.amazonaws.com", "amazonaws.com" },
	{ "foo.example.com.", "example.com" },	/* trailing dot */
	{ "example.com.", "example.com" },
	{ "MAIL.Example.CO.JP", "example.co.jp" },	/* upper case */
	{ "Mail.Example.Com.", "example.com" },
	{ "city.kawasaki.jp", "city.kawasaki.jp" },	/* !city.kawasaki.jp */
	{ "www.city.kawasaki.jp", "city.kawasaki.jp" },
	{ "foo.bar.kawasaki.jp", "foo.bar.kawasaki.jp" },	/* *.kawasaki.jp */
	{ "a.b.internal", "b.internal" },	/* unknown TLD: the "*" rule */
	{ "mail-sor-f41.google.com", "google.com" },
	{ "mail-eopbgr1300053.outbound.protection.outlook.com", "outlook.com" },
	{ "", NULL },
	{ ".", NULL },
	{ NULL, NULL },
};

static void
test_org_domain_table(void **state)
{
	char out[ALIGN_DOMAIN_MAX];
	size_t i;

	(void)state;
	assert_int_equal(align_init(NULL), 0);
	assert_int_equal(align_init(NULL), 0);	/* idempotent */
	for (i = 0; i < sizeof(org_cases) / sizeof(org_cases[0]); i++) {
		int rc = align_org_domain(org_cases[i].in, out, sizeof(out));

		if (org_cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("case %zu (%s): rc %d, want -1", i,
				    org_cases[i].in ? org_cases[i].in : "NULL", rc);
			continue;
		}
		if (rc != 0 || strcmp(out, org_cases[i].want) != 0)
			fail_msg("case %zu: org(%s) = %d \"%s\", want \"%s\"", i,
			    org_cases[i].in, rc, out, org_cases[i].want);
	}
}

/* A name of exactly len bytes (len >= 20) that ends in ".example.com". */
static void
make_name(char *buf, size_t len)
{
	size_t i, head = len - 12;

	for (i = 0; i < head; i++)
		buf[i] = (i % 10 == 9 || i + 1 == head) ? 'b' : 'a';
	for (i = 9; i + 1 < head; i += 10)
		buf[i] = '.';
	memcpy(buf + head, ".example.com", 13);
}

static void
test_org_domain_limits(void **state)
{
	char big[400], out[ALIGN_DOMAIN_MAX], small[8];

	(void)state;
	make_name(big, 299);
	assert_int_equal(strlen(big), 299);
	assert_int_equal(align_org_domain(big, out, sizeof(out)), -1);
	make_name(big, 254);	/* longer than a DNS name */
	assert_int_equal(align_org_domain(big, out, sizeof(out)), -1);
	make_name(big, 253);	/* the longest DNS name */
	assert_int_equal(align_org_domain(big, out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	strcat(big, ".");	/* the trailing dot is not counted */
	assert_int_equal(align_org_domain(big, out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	/* The output buffer is too small for the answer. */
	assert_int_equal(align_org_domain("mail.example.com", small, sizeof(small)), -1);
	assert_int_equal(align_org_domain("mail.example.com", out, 0), -1);
	assert_int_equal(align_org_domain("mail.example.com", NULL, 10), -1);
	/* Empty labels: no crash, some answer. */
	assert_int_equal(align_org_domain("a..com", out, sizeof(out)), 0);
	assert_int_equal(align_org_domain("..", out, sizeof(out)), 0);
	/* Many labels. */
	assert_int_equal(align_org_domain("a.b.c.d.e.f.g.h.i.j.k.l.m.n.example.jp", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "example.jp");
}

static void
test_org_domain_utf8(void **state)
{
	char out[ALIGN_DOMAIN_MAX];
	size_t n;

	(void)state;
	/* UTF-8 labels are passed through (no IDNA mapping on our side). */
	assert_int_equal(align_org_domain("mail.\xe4\xbe\x8b\xe3\x81\x88.\xe6\x97\xa5\xe6\x9c\xac",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "\xe4\xbe\x8b\xe3\x81\x88.\xe6\x97\xa5\xe6\x9c\xac");
	/* Bytes that are not UTF-8 at all: no crash, ASCII part still works. */
	assert_int_equal(align_org_domain("\xff\xfe.example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	assert_int_equal(align_org_domain("a.\xc3", out, sizeof(out)), 0);
	n = strlen(out);
	assert_true(n > 0);
	/* Upper-case non-ASCII is left alone; ASCII is folded. */
	assert_int_equal(align_org_domain("WWW.\xc3\x84XAMPLE.DE", out, sizeof(out)), 0);
	assert_string_equal(out, "\xc3\x84xample.de");
}

/* ---- alignment ------------------------------------------------------------ */

static const struct {
	const char *a, *b;
	int relaxed, strict;
} match_cases[] = {
	{ "mail.example.co.jp", "example.co.jp", 1, 0 },
	{ "example.co.jp", "mail.example.co.jp", 1, 0 },
	{ "example.co.jp", "other.co.jp", 0, 0 },
	{ "example.co.jp", "example.co.jp", 1, 1 },
	{ "EXAMPLE.co.jp.", "example.CO.JP", 1, 1 },
	{ "a.example.com", "b.example.com", 1, 0 },
	{ "example.com", "example.net", 0, 0 },
	{ "co.jp", "example.co.jp", 0, 0 },
	{ "x.github.io", "y.github.io", 1, 0 },	/* ICANN section only */
	{ "bounce.example.com", "example.com.", 1, 0 },
	{ "example.com", "", 0, 0 },
	{ "", "", 0, 0 },
	{ NULL, "example.com", 0, 0 },
	{ "example.com", NULL, 0, 0 },
};

static void
test_align_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		int r = align_match(match_cases[i].a, match_cases[i].b, DM_ALIGN_RELAXED);
		int u = align_match(match_cases[i].a, match_cases[i].b, DM_ALIGN_UNSET);
		int s = align_match(match_cases[i].a, match_cases[i].b, DM_ALIGN_STRICT);

		if (r != match_cases[i].relaxed || u != r || s != match_cases[i].strict)
			fail_msg("case %zu (%s, %s): relaxed %d unset %d strict %d", i,
			    match_cases[i].a ? match_cases[i].a : "NULL",
			    match_cases[i].b ? match_cases[i].b : "NULL", r, u, s);
	}
}

/* ---- tree walk ------------------------------------------------------------- */

#define FAKE_MAX_TXT 4
#define FAKE_TEMPFAIL "!TEMPFAIL"

/* One name in the fake DNS: its TXT strings, or FAKE_TEMPFAIL as txt[0]. */
typedef struct fake_rr {
	const char *name;
	const char *txt[FAKE_MAX_TXT];
} fake_rr;

typedef struct fake_dns {
	const fake_rr *rr;
	int nqueries;
	char queries[16][300];
	int default_tempfail;	/* names not listed fail temporarily */
} fake_dns;

static int
fake_txt(void *ctx, const char *name, char out[][512], int max)
{
	fake_dns *d = ctx;
	const fake_rr *r;
	int n = 0;

	if (d->nqueries < 16)
		snprintf(d->queries[d->nqueries], sizeof(d->queries[0]), "%s", name);
	d->nqueries++;
	for (r = d->rr; r != NULL && r->name != NULL; r++) {
		if (strcmp(r->name, name) != 0)
			continue;
		if (r->txt[0] != NULL && strcmp(r->txt[0], FAKE_TEMPFAIL) == 0)
			return -1;
		for (n = 0; n < FAKE_MAX_TXT && n < max && r->txt[n] != NULL; n++)
			snprintf(out[n], 512, "%s", r->txt[n]);
		return n;
	}
	return d->default_tempfail ? -1 : 0;
}

typedef struct walk_case {
	const char *what;
	const char *start;
	fake_rr rr[8];
	int default_tempfail;
	int rc;			/* expected return */
	const char *want;	/* expected organizational domain (rc 0) */
	const char *queries[9];	/* expected queries, in order; NULL-terminated */
} walk_case;

static const walk_case walk_cases[] = {
	{ "SPEC 2.5 example 1: records at mail.example.com and example.com",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=DMARC1; p=none" } },
	      { "_dmarc.example.com", { "v=DMARC1; p=reject" } }, { NULL, { NULL } } },
	    0, 0, "example.com",
	    { "_dmarc.a.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com",
	      "_dmarc.com", NULL } },
	{ "SPEC 2.5 example 2: psd=n at mail.example.com stops the walk",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=DMARC1; p=none; psd=n" } },
	      { "_dmarc.example.com", { "v=DMARC1; p=reject" } }, { NULL, { NULL } } },
	    0, 0, "mail.example.com",
	    { "_dmarc.a.mail.example.com", "_dmarc.mail.example.com", NULL } },
	{ "SPEC 2.5 example 3: only _dmarc.com with psd=y",
	    "a.mail.example.com",
	    { { "_dmarc.com", { "v=DMARC1; p=none; psd=y" } }, { NULL, { NULL } } },
	    0, 0, "example.com",
	    { "_dmarc.a.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com",
	      "_dmarc.com", NULL } },
	{ "SPEC 2.5 query list for 13 labels: at most 8 queries",
	    "a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    { { NULL, { NULL } } },
	    0, 0, "a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    { "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com", "_dmarc.g.h.i.j.mail.example.com",
	      "_dmarc.h.i.j.mail.example.com", "_dmarc.i.j.mail.example.com",
	      "_dmarc.j.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com",
	      "_dmarc.com", NULL } },
	{ "13 labels, organizational record at example.com",
	    "a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    { { "_dmarc.example.com", { "v=DMARC1; p=quarantine" } }, { NULL, { NULL } } },
	    0, 0, "example.com", { NULL } },
	{ "exactly 8 labels: one drop to 7, still 8 queries",
	    "a.b.c.d.e.mail.example.com",
	    { { NULL, { NULL } } },
	    0, 0, "a.b.c.d.e.mail.example.com",
	    { "_dmarc.a.b.c.d.e.mail.example.com", "_dmarc.b.c.d.e.mail.example.com",
	      "_dmarc.c.d.e.mail.example.com", "_dmarc.d.e.mail.example.com",
	      "_dmarc.e.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com",
	      "_dmarc.com", NULL } },
	{ "psd=y on a 7-label ancestor of a 13-label name: one label below it",
	    "a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    { { "_dmarc.g.h.i.j.mail.example.com", { "v=DMARC1; psd=y" } }, { NULL, { NULL } } },
	    0, 0, "f.g.h.i.j.mail.example.com", { NULL } },
	{ "two DMARC records at one name: that name has none",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=DMARC1; p=none", "v=DMARC1; p=reject" } },
	      { NULL, { NULL } } },
	    0, 0, "a.mail.example.com", { NULL } },
	{ "two DMARC records at the org level, one at mail: fewest labels valid",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=DMARC1; p=none" } },
	      { "_dmarc.example.com", { "v=DMARC1; p=none", "v=DMARC1; p=reject" } },
	      { NULL, { NULL } } },
	    0, 0, "mail.example.com", { NULL } },
	{ "an SPF record beside one DMARC record is ignored",
	    "a.mail.example.com",
	    { { "_dmarc.example.com", { "v=spf1 -all", "v=DMARC1; p=none", "google-site-verification=x" } },
	      { NULL, { NULL } } },
	    0, 0, "example.com", { NULL } },
	{ "version is case-sensitive and must be first",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=dmarc1; p=none" } },
	      { "_dmarc.example.com", { " v=DMARC1; p=none" } },
	      { "_dmarc.com", { "p=none; v=DMARC1" } }, { NULL, { NULL } } },
	    0, 0, "a.mail.example.com", { NULL } },
	{ "DMARC10 and DMARC1.0 are not DMARC1",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=DMARC10; p=none" } },
	      { "_dmarc.example.com", { "v=DMARC1.0; p=none" } }, { NULL, { NULL } } },
	    0, 0, "a.mail.example.com", { NULL } },
	{ "spaces around '=' and tags in other case are tolerated",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v = DMARC1 ;P=none; PSD = N ;" } },
	      { "_dmarc.example.com", { "v=DMARC1" } }, { NULL, { NULL } } },
	    0, 0, "mail.example.com",
	    { "_dmarc.a.mail.example.com", "_dmarc.mail.example.com", NULL } },
	{ "psd=u and unknown psd values do not stop the walk",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { "v=DMARC1; psd=u" } },
	      { "_dmarc.example.com", { "v=DMARC1; psd=maybe" } }, { NULL, { NULL } } },
	    0, 0, "example.com", { NULL } },
	{ "psd=y at the starting domain: the start is the organizational domain",
	    "example.com",
	    { { "_dmarc.example.com", { "v=DMARC1; psd=y" } }, { NULL, { NULL } } },
	    0, 0, "example.com", { "_dmarc.example.com", NULL } },
	{ "psd=y one level up: the start itself",
	    "example.co.jp",
	    { { "_dmarc.co.jp", { "v=DMARC1; p=none; psd=y" } }, { NULL, { NULL } } },
	    0, 0, "example.co.jp", { NULL } },
	{ "record at the start only",
	    "example.co.jp",
	    { { "_dmarc.example.co.jp", { "v=DMARC1; p=reject" } }, { NULL, { NULL } } },
	    0, 0, "example.co.jp", { NULL } },
	{ "trailing dot and upper case in the start",
	    "A.Mail.EXAMPLE.com.",
	    { { "_dmarc.example.com", { "v=DMARC1; p=none" } }, { NULL, { NULL } } },
	    0, 0, "example.com",
	    { "_dmarc.a.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com",
	      "_dmarc.com", NULL } },
	{ "every query fails temporarily: -1",
	    "a.mail.example.com", { { NULL, { NULL } } }, 1, -1, NULL, { NULL } },
	{ "some queries fail temporarily: the rest decide",
	    "a.mail.example.com",
	    { { "_dmarc.a.mail.example.com", { FAKE_TEMPFAIL } },
	      { "_dmarc.example.com", { "v=DMARC1; p=none" } },
	      { "_dmarc.com", { FAKE_TEMPFAIL } }, { NULL, { NULL } } },
	    0, 0, "example.com", { NULL } },
	{ "a temporary failure and no records: the start",
	    "a.mail.example.com",
	    { { "_dmarc.mail.example.com", { FAKE_TEMPFAIL } }, { NULL, { NULL } } },
	    0, 0, "a.mail.example.com", { NULL } },
	{ "single label start (a PSO's own name)",
	    "com",
	    { { "_dmarc.com", { "v=DMARC1; psd=y" } }, { NULL, { NULL } } },
	    0, 0, "com", { "_dmarc.com", NULL } },
	{ "empty start: -1", "", { { NULL, { NULL } } }, 0, -1, NULL, { NULL } },
};

static void
test_tree_walk_table(void **state)
{
	char out[ALIGN_DOMAIN_MAX];
	size_t i;
	int q;

	(void)state;
	for (i = 0; i < sizeof(walk_cases) / sizeof(walk_cases[0]); i++) {
		const walk_case *c = &walk_cases[i];
		fake_dns d;
		int rc;

		memset(&d, 0, sizeof(d));
		d.rr = c->rr;
		d.default_tempfail = c->default_tempfail;
		rc = align_tree_walk_org(c->start, fake_txt, &d, out, sizeof(out));
		if (rc != c->rc)
			fail_msg("case %zu (%s): rc %d, want %d", i, c->what, rc, c->rc);
		if (rc == 0 && strcmp(out, c->want) != 0)
			fail_msg("case %zu (%s): \"%s\", want \"%s\"", i, c->what, out, c->want);
		if (d.nqueries > 8)
			fail_msg("case %zu (%s): %d queries", i, c->what, d.nqueries);
		if (c->queries[0] == NULL)
			continue;
		for (q = 0; c->queries[q] != NULL; q++) {
			if (q >= d.nqueries || strcmp(d.queries[q], c->queries[q]) != 0)
				fail_msg("case %zu (%s): query %d is \"%s\", want \"%s\"", i,
				    c->what, q, q < d.nqueries ? d.queries[q] : "(none)",
				    c->queries[q]);
		}
		if (q != d.nqueries)
			fail_msg("case %zu (%s): %d queries, want %d", i, c->what,
			    d.nqueries, q);
	}
}

/* A resolver that returns more strings than asked for, or unterminated
 * ones, must not make the walk read out of bounds. */
static int
rude_txt(void *ctx, const char *name, char out[][512], int max)
{
	int i;

	(void)ctx;
	(void)name;
	for (i = 0; i < max; i++)
		memset(out[i], 'x', 512);
	memcpy(out[0], "v=DMARC1;", 9);
	return max + 100;
}

static void
test_tree_walk_rude_resolver(void **state)
{
	char out[ALIGN_DOMAIN_MAX], tiny[4];

	(void)state;
	assert_int_equal(align_tree_walk_org("a.example.com", rude_txt, NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "com");	/* a record everywhere: fewest labels */
	assert_int_equal(align_tree_walk_org("a.example.com", NULL, NULL, out, sizeof(out)), -1);
	/* The answer does not fit. */
	assert_int_equal(align_tree_walk_org("a.example.com", rude_txt, NULL, tiny,
	    sizeof(tiny)), 0);
	assert_string_equal(tiny, "com");
	assert_int_equal(align_tree_walk_org("example.org", rude_txt, NULL, tiny, 3), -1);
}

/* ---- SPF / DKIM categories ------------------------------------------------ */

#define MAX_RES 4

typedef struct res {
	const char *domain, *scope;	/* scope: SPF only */
	dm_auth result;
} res;

typedef struct cat_case {
	const char *what;
	const char *header_from;	/* record's header_from */
	const char *arg_from;		/* the header_from argument */
	const char *envelope_from;
	dm_align mode;
	res spf[MAX_RES], dkim[MAX_RES];
	align_cat spf_cat, dkim_cat;
	int spf_best, dkim_best;
} cat_case;

#define END { NULL, NULL, DM_AUTH_UNKNOWN }

static const cat_case cat_cases[] = {
	{ "both pass aligned", "example.com", NULL, "example.com", DM_ALIGN_RELAXED,
	    { { "example.com", "mfrom", DM_AUTH_PASS }, END },
	    { { "example.com", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_ALIGNED, ALIGN_PASS_ALIGNED, 0, 0 },
	{ "subdomains align relaxed, not strict (relaxed)", "example.co.jp", NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { { "bounce.example.co.jp", "mfrom", DM_AUTH_PASS }, END },
	    { { "mail.example.co.jp", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_ALIGNED, ALIGN_PASS_ALIGNED, 0, 0 },
	{ "subdomains align relaxed, not strict (strict)", "example.co.jp", NULL, NULL,
	    DM_ALIGN_STRICT,
	    { { "bounce.example.co.jp", "mfrom", DM_AUTH_PASS }, END },
	    { { "mail.example.co.jp", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_UNALIGNED, ALIGN_PASS_UNALIGNED, 0, 0 },
	{ "unset mode is relaxed", "example.co.jp", NULL, NULL, DM_ALIGN_UNSET,
	    { { "bounce.example.co.jp", "mfrom", DM_AUTH_PASS }, END },
	    { { "mail.example.co.jp", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_ALIGNED, ALIGN_PASS_ALIGNED, 0, 0 },
	{ "pass for another domain", "example.com", NULL, NULL, DM_ALIGN_RELAXED,
	    { { "sendgrid.net", "mfrom", DM_AUTH_PASS }, END },
	    { { "sendgrid.net", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_UNALIGNED, ALIGN_PASS_UNALIGNED, 0, 0 },
	{ "mfrom is used, helo ignored when mfrom exists", "example.com", NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { { "example.com", "helo", DM_AUTH_PASS },
	      { "other.example.net", "mfrom", DM_AUTH_FAIL }, END },
	    { END },
	    ALIGN_FAIL, ALIGN_FAIL, 1, -1 },
	{ "several mfrom results: the first pass decides", "example.com", NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { { "example.com", "mfrom", DM_AUTH_FAIL },
	      { "esp.example.net", "mfrom", DM_AUTH_PASS },
	      { "esp2.example.org", "mfrom", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_UNALIGNED, ALIGN_FAIL, 1, -1 },
	{ "helo only when there is no mfrom result", "example.com", NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { { "mx.example.com", "helo", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_ALIGNED, ALIGN_FAIL, 0, -1 },
	{ "scope text is case-insensitive and trimmed", "example.com", NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { { "example.com", " HELO ", DM_AUTH_PASS },
	      { "mail.example.com", "MFrom", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_ALIGNED, ALIGN_FAIL, 1, -1 },
	{ "missing scope counts as mfrom", "example.com", NULL, NULL, DM_ALIGN_RELAXED,
	    { { "example.com", "helo", DM_AUTH_FAIL },
	      { "example.com", "", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_ALIGNED, ALIGN_FAIL, 1, -1 },
	{ "empty SPF domain falls back to envelope_from", "example.com", NULL,
	    "bounces.example.com", DM_ALIGN_RELAXED,
	    { { "", "mfrom", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_ALIGNED, ALIGN_FAIL, 0, -1 },
	{ "NULL SPF domain, envelope_from an address", "example.com", NULL,
	    "bounce@example.com", DM_ALIGN_STRICT,
	    { { NULL, NULL, DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_ALIGNED, ALIGN_FAIL, 0, -1 },
	{ "envelope_from of another domain", "example.com", NULL, "esp.example.net",
	    DM_ALIGN_RELAXED,
	    { { NULL, "mfrom", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_UNALIGNED, ALIGN_FAIL, 0, -1 },
	{ "none / softfail / temperror / neutral / permerror are failures", "example.com",
	    NULL, NULL, DM_ALIGN_RELAXED,
	    { { "example.com", "mfrom", DM_AUTH_SOFTFAIL },
	      { "example.com", "mfrom", DM_AUTH_TEMPERROR },
	      { "example.com", "mfrom", DM_AUTH_NONE },
	      { "example.com", "mfrom", DM_AUTH_NEUTRAL } },
	    { { "example.com", NULL, DM_AUTH_NONE },
	      { "example.com", NULL, DM_AUTH_TEMPERROR },
	      { "example.com", NULL, DM_AUTH_PERMERROR },
	      { "example.com", NULL, DM_AUTH_POLICY } },
	    ALIGN_FAIL, ALIGN_FAIL, 0, 0 },
	{ "no results at all", "example.com", NULL, NULL, DM_ALIGN_RELAXED,
	    { END }, { END }, ALIGN_FAIL, ALIGN_FAIL, -1, -1 },
	{ "several DKIM signatures: the aligned pass decides", "example.com", NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { END },
	    { { "esp.example.net", NULL, DM_AUTH_PASS },
	      { "example.com", NULL, DM_AUTH_FAIL },
	      { "mail.example.com", NULL, DM_AUTH_PASS }, END },
	    ALIGN_FAIL, ALIGN_PASS_ALIGNED, -1, 2 },
	{ "several DKIM signatures, none aligned: the first pass", "example.com", NULL,
	    NULL, DM_ALIGN_RELAXED,
	    { END },
	    { { "example.com", NULL, DM_AUTH_FAIL },
	      { "esp.example.net", NULL, DM_AUTH_PASS },
	      { "other.example.org", NULL, DM_AUTH_PASS }, END },
	    ALIGN_FAIL, ALIGN_PASS_UNALIGNED, -1, 1 },
	{ "aligned signature failed, nothing passed: the first result", "example.com",
	    NULL, NULL, DM_ALIGN_RELAXED,
	    { END },
	    { { "example.com", NULL, DM_AUTH_FAIL },
	      { "esp.example.net", NULL, DM_AUTH_TEMPERROR }, END },
	    ALIGN_FAIL, ALIGN_FAIL, -1, 0 },
	{ "DKIM strict: subdomain signature does not align", "example.com", NULL, NULL,
	    DM_ALIGN_STRICT,
	    { END },
	    { { "mail.example.com", NULL, DM_AUTH_PASS },
	      { "EXAMPLE.COM.", NULL, DM_AUTH_PASS }, END },
	    ALIGN_FAIL, ALIGN_PASS_ALIGNED, -1, 1 },
	{ "the header_from argument wins over the record's", "wrong.example",
	    "example.co.jp", NULL, DM_ALIGN_RELAXED,
	    { { "example.co.jp", "mfrom", DM_AUTH_PASS }, END },
	    { { "example.co.jp", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_ALIGNED, ALIGN_PASS_ALIGNED, 0, 0 },
	{ "empty argument: the record's header_from", "example.co.jp", "", NULL,
	    DM_ALIGN_RELAXED,
	    { { "example.co.jp", "mfrom", DM_AUTH_PASS }, END },
	    { { "other.co.jp", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_ALIGNED, ALIGN_PASS_UNALIGNED, 0, 0 },
	{ "no header_from anywhere: a pass is unaligned", NULL, NULL, NULL,
	    DM_ALIGN_RELAXED,
	    { { "example.com", "mfrom", DM_AUTH_PASS }, END },
	    { { "example.com", NULL, DM_AUTH_PASS }, END },
	    ALIGN_PASS_UNALIGNED, ALIGN_PASS_UNALIGNED, 0, 0 },
	{ "public suffix From never aligns with a registrable domain", "co.jp", NULL,
	    NULL, DM_ALIGN_RELAXED,
	    { { "example.co.jp", "mfrom", DM_AUTH_PASS }, END },
	    { END },
	    ALIGN_PASS_UNALIGNED, ALIGN_FAIL, 0, -1 },
};

static void
fill_record(dm_record *r, const cat_case *c)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->header_from = c->header_from;
	r->envelope_from = c->envelope_from;
	for (i = 0; i < MAX_RES && c->spf[i].result != DM_AUTH_UNKNOWN; i++) {
		r->spf_results[i].domain = c->spf[i].domain;
		r->spf_results[i].scope = c->spf[i].scope;
		r->spf_results[i].result = c->spf[i].result;
	}
	r->nspf = i;
	for (i = 0; i < MAX_RES && c->dkim[i].result != DM_AUTH_UNKNOWN; i++) {
		r->dkim_results[i].domain = c->dkim[i].domain;
		r->dkim_results[i].result = c->dkim[i].result;
	}
	r->ndkim = i;
}

static void
test_categories_table(void **state)
{
	dm_record *r = malloc(sizeof(*r));
	size_t i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(cat_cases) / sizeof(cat_cases[0]); i++) {
		const cat_case *c = &cat_cases[i];
		int sb = 99, db = 99;
		align_cat s, d;

		fill_record(r, c);
		s = align_spf_cat(r, c->arg_from, c->mode, &sb);
		d = align_dkim_cat(r, c->arg_from, c->mode, &db);
		if (s != c->spf_cat || sb != c->spf_best)
			fail_msg("case %zu (%s): spf %s best %d, want %s best %d", i, c->what,
			    align_cat_name(s), sb, align_cat_name(c->spf_cat), c->spf_best);
		if (d != c->dkim_cat || db != c->dkim_best)
			fail_msg("case %zu (%s): dkim %s best %d, want %s best %d", i,
			    c->what, align_cat_name(d), db, align_cat_name(c->dkim_cat),
			    c->dkim_best);
		/* best may be NULL */
		assert_int_equal(align_spf_cat(r, c->arg_from, c->mode, NULL), s);
		assert_int_equal(align_dkim_cat(r, c->arg_from, c->mode, NULL), d);
	}
	free(r);
}

static void
test_cat_names(void **state)
{
	(void)state;
	assert_string_equal(align_cat_name(ALIGN_PASS_ALIGNED), "pass_aligned");
	assert_string_equal(align_cat_name(ALIGN_PASS_UNALIGNED), "pass_unaligned");
	assert_string_equal(align_cat_name(ALIGN_FAIL), "fail");
	assert_string_equal(align_cat_name((align_cat)42), "fail");
}

/*
 * align_init with a list file.  This replaces the process-wide list, so it
 * runs last: a missing file is refused and changes nothing; a tiny list that
 * makes "example" a public suffix is then used.
 */
static void
test_init_psl_file(void **state)
{
	char path[] = "/tmp/test_align_pslXXXXXX", out[ALIGN_DOMAIN_MAX];
	static const char list[] =
	    "// ===BEGIN ICANN DOMAINS===\n"
	    "example\n"
	    "co.example\n"
	    "jp\n"
	    "co.jp\n"
	    "// ===END ICANN DOMAINS===\n";
	FILE *fp;
	int fd;

	(void)state;
	assert_int_equal(align_init("/nonexistent/public_suffix_list.dat"), -1);
	assert_int_equal(align_org_domain("mail.example.co.jp", out, sizeof(out)), 0);
	assert_string_equal(out, "example.co.jp");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(list, fp);
	fclose(fp);
	assert_int_equal(align_init(path), 0);
	unlink(path);
	assert_int_equal(align_org_domain("a.b.co.example", out, sizeof(out)), 0);
	assert_string_equal(out, "b.co.example");
	assert_int_equal(align_org_domain("mail.example.co.jp", out, sizeof(out)), 0);
	assert_string_equal(out, "example.co.jp");
	/* Once a file is loaded, later calls are no-ops. */
	assert_int_equal(align_init(NULL), 0);
	assert_int_equal(align_org_domain("a.b.co.example", out, sizeof(out)), 0);
	assert_string_equal(out, "b.co.example");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_org_domain_table),
		cmocka_unit_test(test_org_domain_limits),
		cmocka_unit_test(test_org_domain_utf8),
		cmocka_unit_test(test_align_match_table),
		cmocka_unit_test(test_tree_walk_table),
		cmocka_unit_test(test_tree_walk_rude_resolver),
		cmocka_unit_test(test_categories_table),
		cmocka_unit_test(test_cat_names),
		cmocka_unit_test(test_init_psl_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
